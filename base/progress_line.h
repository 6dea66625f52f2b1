// SPDX-License-Identifier: GPL-3.0-or-later
// Progress of a long pass over an image or a source (hash, verify, fill):
// one line redrawn in place on a terminal, a plain line every few seconds
// otherwise, or JSON lines for a program. Paced by wall time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ptrescue {

class ProgressLine {
 public:
  enum class Style { kTerminal, kPlain, kJson, kQuiet };
  /// kQuiet or kJson when asked, else kTerminal if `out` is a terminal, else kPlain.
  static Style style_for(std::FILE* out, bool json, bool quiet);

  /// `what` names the pass ("hashing image.img"); `total` is in bytes.
  ProgressLine(std::FILE* out, Style style, std::string what, std::int64_t total);

  void update(std::int64_t done);
  /// Draws the final state (always) and ends the line.
  void finish(std::int64_t done);

 private:
  void draw(std::int64_t done, bool last);

  std::FILE* out_;
  Style style_;
  std::string what_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace ptrescue
