// SPDX-License-Identifier: GPL-3.0-or-later
#include "base/units.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace ptrescue {
namespace {

UsageError bad(std::string_view what, std::string_view text, std::string_view why) {
  return UsageError(fmt::format("invalid {} '{}': {}", what, text, why));
}

}  // namespace

std::int64_t parse_size(std::string_view text, std::uint32_t sector_size, std::string_view what) {
  std::string_view s = text;
  if (s.empty()) throw bad(what, text, "empty");
  if (s.front() == '-') throw bad(what, text, "negative");
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec == std::errc::result_out_of_range) throw bad(what, text, "too large");
  if (ec != std::errc() || p == s.data()) throw bad(what, text, "not a number");
  std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
  if (!unit.empty() && unit.back() == 'B' && unit != "B") unit.remove_suffix(1);
  else if (unit == "B") unit = {};
  std::uint64_t mult = 1;
  if (unit.empty()) {
  } else if (unit == "s") {
    mult = sector_size;
  } else {
    const char c = unit[0];
    const bool binary = unit.size() == 2 && unit[1] == 'i';
    if (unit.size() > 2 || (unit.size() == 2 && !binary)) throw bad(what, text, "unknown unit");
    int power = 0;
    switch (c) {
      case 'k': case 'K': power = 1; break;
      case 'M': power = 2; break;
      case 'G': power = 3; break;
      case 'T': power = 4; break;
      case 'P': power = 5; break;
      case 'E': power = 6; break;
      default: throw bad(what, text, "unknown unit");
    }
    for (int i = 0; i < power; ++i) mult *= binary ? 1024 : 1000;
  }
  if (value != 0 && mult > std::numeric_limits<std::int64_t>::max() / value)
    throw bad(what, text, "too large");
  return static_cast<std::int64_t>(value * mult);
}

std::int64_t parse_size_up_to(std::string_view text, std::uint32_t sector_size, std::string_view what,
                              std::int64_t limit) {
  const std::int64_t value = parse_size(text, sector_size, what);
  if (value > limit) throw bad(what, text, fmt::format("too large (up to {})", binary_size_text(limit)));
  return value;
}

std::int64_t checked_position_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum < 0)
    throw UsageError(fmt::format("{} is beyond the largest position (2^63 - 1 bytes)", what));
  return sum;
}

std::string binary_size_text(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (u < 6 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{} {}", bytes, kUnits[u]);
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what) {
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p == text.data()) throw bad(what, text, "not a duration (e.g. 500ms, 2s, 1m)");
  if (!std::isfinite(value)) throw bad(what, text, "not a finite duration");
  if (value < 0) throw bad(what, text, "negative");
  std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double ms = 0;
  if (unit == "ms") ms = value;
  else if (unit.empty() || unit == "s") ms = value * 1e3;
  else if (unit == "m" || unit == "min") ms = value * 60e3;
  else if (unit == "h") ms = value * 3600e3;
  else if (unit == "d") ms = value * 86400e3;
  else throw bad(what, text, "unknown unit (use ms, s, m, h or d)");
  if (ms > static_cast<double>(kMaxDuration.count())) throw bad(what, text, "too large (up to 100d)");
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::string format_size(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 10000 && u < 6) {
    v /= 1000;
    ++u;
  }
  return fmt::format("{} {}", static_cast<std::int64_t>(v), kUnits[u]);
}

std::string format_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) bytes_per_second = 0;
  return format_size(static_cast<std::int64_t>(bytes_per_second)) + "/s";
}

std::string format_duration(std::chrono::microseconds d) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  auto s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  auto m = s / 60;
  s %= 60;
  if (m < 60) return fmt::format("{}m {}s", m, s);
  auto h = m / 60;
  m %= 60;
  if (h < 24) return fmt::format("{}h {}m", h, m);
  return fmt::format("{}d {}h", h / 24, h % 24);
}

std::optional<std::int64_t> parse_plain_number(std::string_view w) {
  int base = 10;
  if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
    base = 16;
    w.remove_prefix(2);
  }
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v, base);
  if (w.empty() || ec != std::errc() || p != w.data() + w.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace ptrescue
