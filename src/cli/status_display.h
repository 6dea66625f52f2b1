// SPDX-License-Identifier: GPL-3.0-or-later
// The live status block, like ddrescue's: redrawn in place on a terminal,
// plain lines every few seconds otherwise, or JSON lines (--json) for a
// program to read. Rates and times are measured on the source's clock (the
// virtual clock for the simulated drive); redraws are paced by wall time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>

#include "src/mapfile/mapfile.h"
#include "src/engine/rescue_observer.h"

namespace ptrescue {

enum class StatusMode { kTerminal, kPlain, kJson, kQuiet };

class StatusDisplay final : public RescueObserver {
 public:
  /// `map` and `clock` must outlive the display. Output goes to `out`.
  StatusDisplay(StatusMode mode, std::FILE* out, const MapFile& map, const Clock& clock,
                std::int64_t domain_size);

  void on_phase(Phase phase, int pass, std::string_view description) override;
  void on_read(const ReadEvent& e) override;
  void on_reset(ResetKind kind, const ResetOutcome& r) override;
  void on_failures_undone(int reads, std::int64_t bytes) override;

  /// A last line for the block (e.g. per-head progress); empty text: none.
  void set_extra_line(std::function<std::string()> f) { extra_line_ = std::move(f); }

  /// -P: show this many 16-byte lines of the latest data read (hex and
  /// ASCII) above the block, as ddrescue's data preview; 0: none.
  void set_data_preview(int lines) { preview_lines_ = lines; }

  /// Draws the final block (always, whatever the pacing) with a last line.
  void finish(std::string_view final_message);

  /// A snapshot of the figures the block shows.
  struct Figures {
    std::int64_t ipos = 0;
    MapTotals totals;
    std::int64_t read_errors = 0;
    double current_rate = 0;  ///< bytes/s over the last few seconds
    double average_rate = 0;  ///< bytes/s rescued in this run
    Micros run_time{0};
    Micros since_last_success{0};
    double pct_rescued = 0;
    std::string phase;
  };
  Figures figures() const;

 private:
  void maybe_draw(bool force);
  void draw();
  void draw_json(const Figures& f);
  std::string text_block(const Figures& f) const;
  void draw_text(const std::string& block);
  std::string preview_block() const;

  StatusMode mode_;
  std::FILE* out_;
  const MapFile& map_;
  const Clock& clock_;
  std::int64_t domain_size_;
  Micros start_;
  std::int64_t finished_at_start_;
  std::int64_t ipos_ = 0;
  std::int64_t read_errors_ = 0;
  Micros last_success_;
  std::string phase_ = "Starting";
  std::deque<std::pair<Micros, std::int64_t>> recent_;  // (time, bytes copied)
  std::chrono::steady_clock::time_point last_draw_{};
  int lines_drawn_ = 0;
  std::function<std::string()> extra_line_;
  int preview_lines_ = 0;
  std::int64_t preview_pos_ = -1;  ///< where the previewed bytes were read; -1: the latest read got none
  std::string preview_bytes_;
};

}  // namespace ptrescue
