// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/reads_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/timestamp.h"
#include "base/units.h"

namespace ptrescue {

ReadsLog::ReadsLog(const std::string& path, const std::string& command_line, const Clock& clock)
    : file_(std::fopen(path.c_str(), "w")), clock_(clock), start_(clock.now()) {
  if (!file_)
    throw std::runtime_error(
        fmt::format("cannot open reads log '{}': {}", path, std::strerror(errno)));
  fmt::print(file_.get(),
             "# Reads Logfile. Created by ptrescue version {}\n# Command line: {}\n"
             "# Start time:   {}\n"
             "#  Ipos       Size  Copied_size  Error_size  Outcome  Duration_ms  Timeout_ms\n",
             PTRESCUE_VERSION, command_line, local_timestamp());
}

ReadsLog::~ReadsLog() {
  if (file_) fmt::print(file_.get(), "# End time:     {}\n", local_timestamp());
}

void ReadsLog::on_phase(Phase, int, std::string_view description) {
  fmt::print(file_.get(), "{}# {}  {}\n", first_phase_ ? "" : "\n",
             format_duration(clock_.now() - start_), description);
  first_phase_ = false;
  std::fflush(file_.get());
}

void ReadsLog::on_read(const ReadEvent& e) {
  const ReadOutcome& r = *e.outcome;
  fmt::print(file_.get(), "0x{:08X}\t{}\t{}\t{}\t{}\t{}\t{}\n", e.pos, e.size, e.copied,
             e.size - e.copied, outcome_word(r.status),
             std::chrono::duration_cast<Millis>(r.duration).count(), r.timeout_applied.count());
}

void ReadsLog::on_reset(ResetKind kind, const ResetOutcome& r) {
  fmt::print(file_.get(), "# reset {}: {} in {}{}{}\n", reset_word(kind), r.ok ? "ok" : "failed",
             format_duration(r.duration), r.detail.empty() ? "" : ": ", r.detail);
  std::fflush(file_.get());
}

void ReadsLog::on_failures_undone(int reads, std::int64_t bytes) {
  fmt::print(file_.get(), "# undone: {} failed reads ({} bytes) since the last good read, failed while the drive was leaving: read again\n",
             reads, bytes);
  std::fflush(file_.get());
}

void ReadsLog::on_reopen(const ResetOutcome& r) {
  fmt::print(file_.get(), "# reopen: {} in {}{}{}\n", r.ok ? "ok" : "failed", format_duration(r.duration),
             r.detail.empty() ? "" : ": ", r.detail);
}

}  // namespace ptrescue
