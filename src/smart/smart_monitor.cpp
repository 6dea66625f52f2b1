// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_monitor.h"

#include <fmt/format.h>

#include "src/smart/smart_json.h"
#include "src/mapfile/status_names.h"
#include "base/units.h"

namespace ptrescue {

SmartSchedule parse_smart_schedule(const std::string& text) {
  SmartSchedule s;
  if (text == "off") s.mode = SmartSchedule::Mode::kOff;
  else if (text == "passes") s.mode = SmartSchedule::Mode::kPasses;
  else if (text.rfind("interval:", 0) == 0) {
    s.mode = SmartSchedule::Mode::kInterval;
    s.interval = parse_duration(text.substr(9), "--smart interval");
    if (s.interval.count() <= 0) throw UsageError("invalid --smart interval: must be above zero");
  } else {
    throw UsageError(fmt::format("invalid --smart '{}': use off, passes or interval:DURATION (e.g. interval:10m)", text));
  }
  return s;
}

SmartMonitor::SmartMonitor(Device& device, SmartSidecar sidecar, SmartSchedule schedule,
                           std::vector<SmartStopRule> rules, std::atomic<bool>& stop, std::FILE* messages,
                           bool explicit_request)
    : device_(device),
      sidecar_(std::move(sidecar)),
      schedule_(schedule),
      rules_(std::move(rules)),
      stop_(stop),
      messages_(messages),
      explicit_request_(explicit_request) {
  active_ = schedule_.mode != SmartSchedule::Mode::kOff;
  // The baseline of the rules is the rescue's first snapshot, across resumes.
  if (active_)
    for (const auto& s : sidecar_.read_all())
      if (s.smart) {
        baseline_ = smart_metrics(*s.smart);
        break;
      }
}

void SmartMonitor::say(const std::string& line) {
  if (messages_ != nullptr) fmt::print(messages_, "ptrescue: {}\n", line);
}

void SmartMonitor::before_first_pass() { snapshot("before"); }

void SmartMonitor::on_phase(Phase phase, int pass, std::string_view) {
  // A pass beginning is the previous one ending; the end has its own snapshot.
  if (phase == Phase::kFinished) return;
  if (seen_phase_) snapshot("after-pass");
  seen_phase_ = true;
  phase_ = fmt::format("{} pass {}", phase_name(phase), pass);
  pass_ = pass;
}

void SmartMonitor::on_read(const ReadEvent&) {
  if (schedule_.mode != SmartSchedule::Mode::kInterval || !active_) return;
  if (device_.clock().now() - last_snapshot_ >= Micros(schedule_.interval)) snapshot("interval");
}

void SmartMonitor::at_end() { snapshot("end"); }

void SmartMonitor::snapshot(const std::string& event) {
  if (!active_) return;
  last_snapshot_ = device_.clock().now();
  SmartSnapshot s = stamped_snapshot(event);
  s.phase = phase_;
  s.label = event == "before"       ? "before the first pass"
            : event == "after-pass" ? "after " + phase_
            : event == "interval"   ? "during " + phase_
                                    : "at the end";
  s.pass = pass_;
  s.device_seconds = std::chrono::duration<double>(device_.clock().now()).count();
  SmartReading reading;
  try {
    reading = device_.read_smart(kCommandTimeout);
  } catch (const std::exception& e) {  // a back end's bug must not stop the rescue
    reading = SmartReading::failed(fmt::format("reading SMART failed: {}", e.what()));
  }
  if (!reading.supported) {
    if (explicit_request_ || !rules_.empty()) say(fmt::format("SMART: {}; no snapshots", reading.error));
    active_ = false;
    return;
  }
  if (reading.ok()) {
    s.smart = smart_report_json(*reading.report, device_.identity());
  } else {
    s.error = reading.error;
    say(fmt::format("SMART snapshot ({}) failed: {}; logged, imaging goes on", event, reading.error));
  }
  try {
    sidecar_.append(s);
  } catch (const std::exception& e) {
    say(fmt::format("{}; imaging goes on", e.what()));
  }
  if (!s.smart) return;
  const SmartMetrics now = smart_metrics(*s.smart);
  if (!baseline_) baseline_ = now;
  if (fired_ || rules_.empty()) return;
  if (auto rule = fired_smart_stop_rule(rules_, *baseline_, now)) {
    fired_ = *rule;
    stop_.store(true);
  }
}

}  // namespace ptrescue
