// SPDX-License-Identifier: GPL-3.0-or-later
// --log-reads FILE: GNU ddrescue 1.27's reads log (comment lines, then one
// line per read command: ipos in hex, size, copied size, error size) with
// three more columns: the outcome word, the command's duration in ms and the
// per-command timeout in force in ms (0 where the transport cannot enforce
// one). Phase changes and resets are comment lines, so ddrescue-reading tools
// still parse it.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "src/engine/rescue_observer.h"

namespace ptrescue {

class ReadsLog final : public RescueObserver {
 public:
  /// Opens (truncates) `path`; throws std::runtime_error if it cannot.
  ReadsLog(const std::string& path, const std::string& command_line, const Clock& clock);
  ~ReadsLog() override;

  void on_phase(Phase phase, int pass, std::string_view description) override;
  void on_read(const ReadEvent& e) override;
  void on_reset(ResetKind kind, const ResetOutcome& r) override;
  void on_reopen(const ResetOutcome& r) override;
  void on_failures_undone(int reads, std::int64_t bytes) override;

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file_;
  const Clock& clock_;
  Micros start_;
  bool first_phase_ = true;
};

}  // namespace ptrescue
