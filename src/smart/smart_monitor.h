// SPDX-License-Identifier: GPL-3.0-or-later
// SMART during `ptrescue rescue` (--smart, --smart-stop): a snapshot before
// the first pass, after each pass (the engine's on_phase event: the next
// pass beginning means the previous one ended), every interval with
// --smart=interval:DUR, and at the end; each appended to MAPFILE.smart.jsonl.
// After each snapshot the stop rules are checked against the sidecar's
// first snapshot; when one fires the monitor raises the run's stop flag,
// so the engine stops as after SIGINT (current command finished, image
// synced, mapfile saved) and the CLI exits with exit_code::kSmartStop.
// A drive without SMART, or a SMART command that fails, is logged and
// never stops or slows the rescue beyond the failed command itself.
#pragma once

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "src/engine/rescue_observer.h"
#include "src/smart/smart_metrics.h"
#include "src/smart/smart_sidecar.h"
#include "src/smart/smart_stop_rules.h"

namespace ptrescue {

/// --smart=off|passes|interval:DUR (default passes).
struct SmartSchedule {
  enum class Mode { kOff, kPasses, kInterval };
  Mode mode = Mode::kPasses;
  Millis interval{0};  ///< kInterval: on the device's clock.
};
/// Throws UsageError.
SmartSchedule parse_smart_schedule(const std::string& text);

class SmartMonitor final : public RescueObserver {
 public:
  /// The per-command timeout of SMART commands.
  static constexpr Millis kCommandTimeout{10000};

  /// `messages` gets one "ptrescue: SMART ..." line per event worth telling
  /// (a failed snapshot, a fired rule); null = silent.
  /// `explicit_request`: the user asked for SMART (--smart or
  /// --smart-stop), so a source without SMART is worth a note; by default
  /// (files, block devices) it is not.
  SmartMonitor(Device& device, SmartSidecar sidecar, SmartSchedule schedule, std::vector<SmartStopRule> rules,
               std::atomic<bool>& stop, std::FILE* messages, bool explicit_request = true);

  /// The snapshot before the first pass.
  void before_first_pass();
  void on_phase(Phase phase, int pass, std::string_view description) override;
  void on_read(const ReadEvent& e) override;
  /// The last snapshot, however the run ended.
  void at_end();

  /// The rule that stopped the run, as fired_smart_stop_rule() words it.
  const std::optional<std::string>& fired() const { return fired_; }
  bool active() const { return active_; }
  const SmartSidecar& sidecar() const { return sidecar_; }

 private:
  void snapshot(const std::string& event);
  void say(const std::string& line);

  Device& device_;
  SmartSidecar sidecar_;
  SmartSchedule schedule_;
  std::vector<SmartStopRule> rules_;
  std::atomic<bool>& stop_;
  std::FILE* messages_;
  bool explicit_request_;
  bool active_ = true;            ///< False once the transport says it has no SMART at all.
  std::optional<SmartMetrics> baseline_;  ///< The sidecar's first report.
  std::string phase_;             ///< The pass running now ("copying pass 1").
  int pass_ = 0;
  bool seen_phase_ = false;
  Micros last_snapshot_{0};
  std::optional<std::string> fired_;
};

}  // namespace ptrescue
