// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's --log-events and --log-rates files, in ddrescue 1.30's
// layout (its loggers.cc, read for the columns): the same header comments,
// column heads and line formats, so a script that reads ddrescue's logs
// reads ptrescue's. Times are whole seconds since the run began, on the
// source's clock (a simulated drive's virtual time). Every line is flushed
// as it is written: a log must say what happened up to a crash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "src/engine/rescue_observer.h"

namespace ptrescue {

/// What both logs read besides the engine's events.
struct RunProgress {
  const MapFile& map;
  std::int64_t domain_size = 0;  ///< bytes to rescue (the percentage's whole)
  const Clock& clock;
};

/// --log-events FILE: appended to (a blank line between runs); a header,
/// then for every pass or phase its start time, average rate, name,
/// bytes rescued, percentage and read errors; at the end why the run
/// stopped (if it did) and an "End of run" entry with the cursor.
class EventsLog final : public RescueObserver {
 public:
  /// Throws std::runtime_error if `path` cannot be opened or is not a
  /// regular file.
  EventsLog(const std::string& path, const std::string& command_line, RunProgress progress);
  ~EventsLog() override;

  void on_phase(Phase phase, int pass, std::string_view description) override;
  void on_read(const ReadEvent& e) override;
  /// The run ended: `reasons` (ddrescue's "Too many bad areas in input
  /// file", ...; empty when it finished), then "End of run".
  void finish(const std::vector<std::string>& reasons);

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::int64_t seconds() const;
  std::string totals_line() const;
  std::string average_rate() const;

  std::unique_ptr<std::FILE, Close> file_;
  RunProgress progress_;
  Micros start_;
  std::int64_t finished_at_start_;
  std::int64_t read_errors_ = 0;
  bool finished_ = false;
};

/// --log-rates FILE: replaced; a header, then once per second of the run a
/// line with the time, the position read, the current and average rates in
/// bytes/s, the bad areas and the bad-sector bytes.
class RatesLog final : public RescueObserver {
 public:
  RatesLog(const std::string& path, const std::string& command_line, RunProgress progress);
  ~RatesLog() override;

  void on_read(const ReadEvent& e) override;
  /// The run ended: a last line for its last second, as ddrescue's final
  /// status update writes one (a run shorter than a second has just it).
  void finish();

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void write_line(std::int64_t second);

  std::unique_ptr<std::FILE, Close> file_;
  RunProgress progress_;
  Micros start_;
  std::int64_t finished_at_start_;
  std::int64_t last_second_ = -1;  ///< of the last line written; -1: none yet
  std::int64_t finished_at_last_line_;
  std::int64_t last_pos_ = 0;      ///< where the latest read began
};

}  // namespace ptrescue
