// SPDX-License-Identifier: GPL-3.0-or-later
#include "base/progress_line.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/units.h"

namespace ptrescue {

ProgressLine::Style ProgressLine::style_for(std::FILE* out, bool json, bool quiet) {
  if (quiet) return Style::kQuiet;
  if (json) return Style::kJson;
  return ::isatty(::fileno(out)) ? Style::kTerminal : Style::kPlain;
}

ProgressLine::ProgressLine(std::FILE* out, Style style, std::string what, std::int64_t total)
    : out_(out), style_(style), what_(std::move(what)), total_(total) {}

void ProgressLine::update(std::int64_t done) {
  if (style_ == Style::kQuiet) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = style_ == Style::kTerminal ? std::chrono::milliseconds(200)
                        : style_ == Style::kJson   ? std::chrono::milliseconds(1000)
                                                   : std::chrono::milliseconds(5000);
  // The first call only starts the clock: a short pass prints just its final line.
  if (last_draw_ == std::chrono::steady_clock::time_point{}) last_draw_ = now;
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(done, false);
}

void ProgressLine::finish(std::int64_t done) {
  if (style_ == Style::kQuiet) return;
  draw(done, true);
}

void ProgressLine::draw(std::int64_t done, bool last) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  const double pct = total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  if (style_ == Style::kJson) {
    fmt::print(out_, "{}\n", nlohmann::json{{"event", last ? "progress_done" : "progress"},
                                            {"what", what_},
                                            {"done", done},
                                            {"total", total_},
                                            {"rate", static_cast<std::int64_t>(rate)}}
                                 .dump());
  } else {
    const std::string text = fmt::format("{}: {} of {} ({:.1f}%), {}", what_, format_size(done),
                                         format_size(total_), pct, format_rate(rate));
    if (style_ == Style::kTerminal)
      fmt::print(out_, "\r{}\x1b[K{}", text, last ? "\n" : "");
    else
      fmt::print(out_, "{}\n", text);
  }
  std::fflush(out_);
}

}  // namespace ptrescue
