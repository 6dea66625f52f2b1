// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/ddrescue_logs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/timestamp.h"
#include "src/mapfile/status_names.h"

namespace ptrescue {
namespace {

/// Opens a log as ddrescue does: an existing file must be a regular one
/// (ddrescue refuses /dev/null or a folder); "-" was refused by the CLI.
std::FILE* open_log(const std::string& path, const char* mode, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw std::runtime_error(fmt::format("{} '{}' exists and is not a regular file", what, path));
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (f == nullptr) throw std::runtime_error(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
  return f;
}

void write_header(std::FILE* f, std::string_view kind, const std::string& command_line) {
  fmt::print(f, "# {}. Created by ptrescue version {}\n# Command line: {}\n# Start time:   {}\n", kind,
             PTRESCUE_VERSION, command_line, local_timestamp());
}

/// ddrescue's "1h:02m:03s" form of a duration in seconds.
std::string dhms(std::int64_t t) {
  const std::int64_t s = t % 60, m = t / 60 % 60, h = t / 3600 % 24, d = t / 86400 % 365, y = t / 31536000;
  if (y > 0) return fmt::format("{}y:{}d:{:02}h:{:02}m:{:02}s", y, d, h, m, s);
  if (d > 0) return fmt::format("{}d:{:02}h:{:02}m:{:02}s", d, h, m, s);
  if (h > 0) return fmt::format("{}h:{:02}m:{:02}s", h, m, s);
  if (m > 0) return fmt::format("{}m:{:02}s", m, s);
  return fmt::format("{}s", s);
}

/// ddrescue's SI-prefixed count, at most six digits ("123 k", "4 M", "999 ").
std::string si_number(std::int64_t n) {
  static constexpr const char* kPrefixes[] = {"k", "M", "G", "T", "P", "E"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (n <= 99999) break;
    n /= 1000;
    prefix = p;
  }
  return fmt::format("{} {}", n, prefix);
}

/// ddrescue's digit grouping with '_' from five digits on ("12_345").
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 5) return digits;
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), "_");
  return digits;
}

/// "  12.34%", truncated as ddrescue's percent_rescued().
std::string percentage(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "NAN";
  const auto basis = static_cast<__int128>(part) * 10000 / whole;
  return fmt::format("{:3}.{:02}%", static_cast<std::int64_t>(basis / 100), static_cast<std::int64_t>(basis % 100));
}

std::int64_t whole_seconds(Micros d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

}  // namespace

EventsLog::EventsLog(const std::string& path, const std::string& command_line, RunProgress progress)
    : progress_(progress), start_(progress.clock.now()), finished_at_start_(progress.map.totals().finished) {
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  file_.reset(open_log(path, "a", "events log"));
  if (existed) std::fputc('\n', file_.get());
  write_header(file_.get(), "Events Logfile", command_line);
  std::fputs("#          Time     Rescued  Event\n", file_.get());
  std::fflush(file_.get());
}

EventsLog::~EventsLog() {
  if (!finished_) finish({"Stopped by an error (see the messages on the terminal)"});
  fmt::print(file_.get(), "# End time:     {}\n", local_timestamp());
}

std::int64_t EventsLog::seconds() const { return whole_seconds(progress_.clock.now() - start_); }

std::string EventsLog::average_rate() const {
  const std::int64_t t = seconds();
  return si_number(t > 0 ? (progress_.map.totals().finished - finished_at_start_) / t : 0);
}

std::string EventsLog::totals_line() const {
  const std::int64_t finished = progress_.map.totals().finished;
  return fmt::format("{:>27}  {}  {:>7} read errors\n", grouped(finished),
                     percentage(finished, progress_.domain_size), grouped(read_errors_));
}

void EventsLog::on_phase(Phase phase, int, std::string_view description) {
  if (phase == Phase::kFinished) return;  // the end has its own entry
  fmt::print(file_.get(), "{:>15}  {:>7}B/s  {}\n{}", dhms(seconds()), average_rate(), description, totals_line());
  std::fflush(file_.get());
}

void EventsLog::on_read(const ReadEvent& e) {
  if (!e.outcome->ok()) ++read_errors_;
}

void EventsLog::finish(const std::vector<std::string>& reasons) {
  finished_ = true;
  for (const std::string& r : reasons) fmt::print(file_.get(), "                      {}\n", r);
  const MapCursor c = progress_.map.cursor();
  fmt::print(file_.get(), "{:>15}  {:>7}B/s  End of run (0x{:08X}  {})\n{}", dhms(seconds()), average_rate(), c.pos,
             phase_name(c.phase), totals_line());
  std::fflush(file_.get());
}

RatesLog::RatesLog(const std::string& path, const std::string& command_line, RunProgress progress)
    : file_(open_log(path, "w", "rates log")),
      progress_(progress),
      start_(progress.clock.now()),
      finished_at_start_(progress.map.totals().finished),
      finished_at_last_line_(finished_at_start_) {
  write_header(file_.get(), "Rates Logfile", command_line);
  std::fputs("#Time  Ipos  Current_rate  Average_rate  Bad_areas  Bad_size\n", file_.get());
  std::fflush(file_.get());
}

RatesLog::~RatesLog() { fmt::print(file_.get(), "# End time:     {}\n", local_timestamp()); }

// One line per second, at the first read of each new second, as ddrescue's
// status updates: the current rate is what was rescued since the last line.
void RatesLog::on_read(const ReadEvent& e) {
  last_pos_ = e.pos;
  const std::int64_t t = whole_seconds(progress_.clock.now() - start_);
  if (t > 0 && t > last_second_) write_line(t);
}

void RatesLog::finish() {
  const std::int64_t t = whole_seconds(progress_.clock.now() - start_);
  if (t > last_second_) write_line(t);
}

void RatesLog::write_line(std::int64_t t) {
  const MapTotals totals = progress_.map.totals();
  const std::int64_t since = t - std::max<std::int64_t>(last_second_, 0);
  const std::int64_t current = since > 0 ? (totals.finished - finished_at_last_line_) / since : 0;
  const std::int64_t average = t > 0 ? (totals.finished - finished_at_start_) / t : 0;
  fmt::print(file_.get(), "{:2}  0x{:08X}  {:8}  {:8}  {:7}  {:8}\n", t, last_pos_, current, average,
             totals.bad_areas, totals.bad_sector);
  std::fflush(file_.get());
  last_second_ = t;
  finished_at_last_line_ = totals.finished;
}

}  // namespace ptrescue
