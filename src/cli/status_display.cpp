// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/status_display.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "base/units.h"

namespace ptrescue {
namespace {

constexpr Micros kRateWindow = std::chrono::seconds(5);

std::chrono::milliseconds draw_interval(StatusMode mode) {
  switch (mode) {
    case StatusMode::kTerminal: return std::chrono::milliseconds(200);
    case StatusMode::kJson: return std::chrono::milliseconds(1000);
    default: return std::chrono::milliseconds(5000);
  }
}

}  // namespace

StatusDisplay::StatusDisplay(StatusMode mode, std::FILE* out, const MapFile& map,
                             const Clock& clock, std::int64_t domain_size)
    : mode_(mode),
      out_(out),
      map_(map),
      clock_(clock),
      domain_size_(domain_size),
      start_(clock.now()),
      finished_at_start_(map.totals().finished),
      last_success_(start_) {}

void StatusDisplay::on_phase(Phase phase, int, std::string_view description) {
  phase_ = std::string(description);
  if (phase == Phase::kFinished) return;  // finish() draws the last block
  if (mode_ == StatusMode::kJson) {
    fmt::print(out_, "{}\n", nlohmann::json{{"event", "phase"}, {"phase", phase_},
                                            {"time_s", (clock_.now() - start_).count() / 1e6}}
                                 .dump());
    std::fflush(out_);
  }
  maybe_draw(true);
}

void StatusDisplay::on_read(const ReadEvent& e) {
  const Micros now = clock_.now();
  ipos_ = e.pos;
  if (e.copied > 0) last_success_ = now;
  if (!e.outcome->ok()) ++read_errors_;
  if (preview_lines_ > 0) {
    preview_pos_ = e.copied > 0 ? e.pos : -1;
    const std::size_t keep = std::min(e.data.size(), static_cast<std::size_t>(preview_lines_) * 16);
    preview_bytes_.assign(reinterpret_cast<const char*>(e.data.data()), keep);
  }
  recent_.emplace_back(now, e.copied);
  while (!recent_.empty() && now - recent_.front().first > kRateWindow) recent_.pop_front();
  maybe_draw(false);
}

void StatusDisplay::on_reset(ResetKind kind, const ResetOutcome& r) {
  if (mode_ == StatusMode::kJson) {
    fmt::print(out_, "{}\n",
               nlohmann::json{{"event", "reset"}, {"kind", std::string(reset_word(kind))},
                              {"ok", r.ok}, {"duration_ms", r.duration.count() / 1000},
                              {"detail", r.detail}}
                   .dump());
    std::fflush(out_);
  } else if (mode_ != StatusMode::kQuiet) {
    if (mode_ == StatusMode::kTerminal) lines_drawn_ = 0;  // keep the message above the block
    fmt::print(out_, "reset {}: {} in {}\n", reset_word(kind), r.ok ? "ok" : "failed",
               format_duration(r.duration));
  }
}

void StatusDisplay::on_failures_undone(int reads, std::int64_t bytes) {
  if (mode_ == StatusMode::kJson) {
    fmt::print(out_, "{}\n",
               nlohmann::json{{"event", "failures_undone"}, {"reads", reads}, {"bytes", bytes}}.dump());
    std::fflush(out_);
  } else if (mode_ != StatusMode::kQuiet) {
    if (mode_ == StatusMode::kTerminal) lines_drawn_ = 0;
    fmt::print(out_, "the drive came back: {} reads that failed as it left ({} bytes) will be read again\n",
               reads, bytes);
  }
}

StatusDisplay::Figures StatusDisplay::figures() const {
  Figures f;
  const Micros now = clock_.now();
  f.ipos = ipos_;
  f.totals = map_.totals();
  f.read_errors = read_errors_;
  f.run_time = now - start_;
  f.since_last_success = now - last_success_;
  std::int64_t recent_bytes = 0;
  for (const auto& [t, b] : recent_) recent_bytes += b;
  if (!recent_.empty()) {
    const double span_s =
        std::max<double>(1e-3, static_cast<double>((now - recent_.front().first).count()) / 1e6);
    f.current_rate = static_cast<double>(recent_bytes) / span_s;
  }
  const double run_s = static_cast<double>(f.run_time.count()) / 1e6;
  if (run_s > 0)
    f.average_rate = static_cast<double>(f.totals.finished - finished_at_start_) / run_s;
  f.pct_rescued = domain_size_ > 0 ? 100.0 * static_cast<double>(f.totals.finished) /
                                         static_cast<double>(domain_size_)
                                   : 0;
  f.phase = phase_;
  return f;
}

void StatusDisplay::maybe_draw(bool force) {
  if (mode_ == StatusMode::kQuiet) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < draw_interval(mode_)) return;
  last_draw_ = now;
  draw();
}

void StatusDisplay::draw() {
  const Figures f = figures();
  if (mode_ == StatusMode::kJson) draw_json(f);
  else draw_text(text_block(f));
  std::fflush(out_);
}

void StatusDisplay::draw_json(const Figures& f) {
  nlohmann::json j{{"event", "status"},
                   {"ipos", f.ipos},
                   {"non_tried", f.totals.non_tried},
                   {"non_trimmed", f.totals.non_trimmed},
                   {"non_scraped", f.totals.non_scraped},
                   {"bad_sector", f.totals.bad_sector},
                   {"rescued", f.totals.finished},
                   {"bad_areas", f.totals.bad_areas},
                   {"read_errors", f.read_errors},
                   {"current_rate", static_cast<std::int64_t>(f.current_rate)},
                   {"average_rate", static_cast<std::int64_t>(f.average_rate)},
                   {"run_time_s", static_cast<double>(f.run_time.count()) / 1e6},
                   {"pct_rescued", f.pct_rescued},
                   {"phase", f.phase}};
  if (extra_line_) j["heads"] = extra_line_();
  fmt::print(out_, "{}\n", j.dump());
}

// ddrescue's layout: the position (40 bits) in hex, 16 bytes in hex with a
// gap after the 8th, then the same bytes as text ('.' if not printable).
std::string StatusDisplay::preview_block() const {
  std::string text = "Data preview:\n";
  for (int i = 0; i < preview_lines_; ++i) {
    const std::size_t first = static_cast<std::size_t>(i) * 16;
    if (preview_pos_ < 0 || first >= preview_bytes_.size()) {
      text += std::string(i == (preview_lines_ - 1) / 2 && preview_pos_ < 0 ? "No data available" : "") + "\n";
      continue;
    }
    const std::string_view line = std::string_view(preview_bytes_).substr(first, 16);
    std::string hex, ascii;
    for (std::size_t j = 0; j < 16; ++j) {
      hex += j < line.size() ? fmt::format(" {:02X}", static_cast<unsigned char>(line[j])) : "   ";
      if (j == 7) hex += ' ';
      if (j < line.size()) ascii += std::isprint(static_cast<unsigned char>(line[j])) ? line[j] : '.';
    }
    text += fmt::format("{:010X} {}  {}\n", (preview_pos_ + static_cast<std::int64_t>(first)) & 0xFFFFFFFFFFLL, hex,
                        ascii);
  }
  return text;
}

std::string StatusDisplay::text_block(const Figures& f) const {
  const std::int64_t remaining = f.totals.non_tried + f.totals.non_trimmed + f.totals.non_scraped;
  const std::string remaining_time =
      f.average_rate > 0 && remaining > 0
          ? format_duration(Micros(static_cast<std::int64_t>(
                static_cast<double>(remaining) / f.average_rate * 1e6)))
          : "n/a";
  std::string block = preview_lines_ > 0 ? preview_block() : std::string();
  block += fmt::format(
      "     ipos: {:>10}, non-trimmed: {:>10},  current rate: {:>10}\n"
      "non-tried: {:>10}, non-scraped: {:>10},  average rate: {:>10}\n"
      "  rescued: {:>10},  bad-sector: {:>10},      run time: {:>10}\n"
      "pct rescued: {:>7.2f}%,   bad areas: {:>10},   read errors: {:>10}\n"
      "time since last successful read: {:>10},  remaining time: {:>10}\n"
      "{}\n",
      format_size(f.ipos), format_size(f.totals.non_trimmed), format_rate(f.current_rate),
      format_size(f.totals.non_tried), format_size(f.totals.non_scraped),
      format_rate(f.average_rate), format_size(f.totals.finished),
      format_size(f.totals.bad_sector), format_duration(f.run_time), f.pct_rescued,
      f.totals.bad_areas, f.read_errors,
      f.since_last_success.count() == 0 ? "n/a" : format_duration(f.since_last_success),
      remaining_time, f.phase);
  if (extra_line_) {
    const std::string extra = extra_line_();
    block += (extra.empty() ? std::string("heads: no head map yet") : extra) + "\n";
  }
  return block;
}

void StatusDisplay::draw_text(const std::string& block) {
  if (mode_ != StatusMode::kTerminal) {
    fmt::print(out_, "{}", block);
    return;
  }
  if (lines_drawn_ > 0) fmt::print(out_, "\x1b[{}A", lines_drawn_);  // back to the top of the block
  // Clear each line's tail so a shorter phase text leaves no debris.
  std::string cleared;
  for (char c : block) cleared += c == '\n' ? std::string("\x1b[K\n") : std::string(1, c);
  fmt::print(out_, "{}", cleared);
  lines_drawn_ = static_cast<int>(std::count(block.begin(), block.end(), '\n'));
}

void StatusDisplay::finish(std::string_view final_message) {
  if (mode_ == StatusMode::kQuiet) return;
  phase_ = std::string(final_message);
  draw();
}

}  // namespace ptrescue
