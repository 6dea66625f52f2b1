// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/ddrescue_syntax.h"

#include <cctype>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "base/units.h"

namespace ptrescue {
namespace {

bool is_digit_of(char c, int base) {
  if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  if (base == 8) return c >= '0' && c <= '7';
  return c >= '0' && c <= '9';
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

// Boost's words for a bad argument (as every other option's refusal), then
// ddrescue's reason.
[[noreturn]] void refuse(std::string_view text, std::string_view why, std::string_view option) {
  throw UsageError(fmt::format("the argument ('{}') for option '{}' is invalid: {}", text, option, why));
}

/// Digits of `base` with single '_' between them; false when none.
bool read_digits(std::string_view text, std::size_t& i, int base, __int128& value, int* count = nullptr) {
  const std::size_t start = i;
  while (i < text.size()) {
    if (is_digit_of(text[i], base)) {
      value = value * base + digit_value(text[i]);
      if (value > (__int128{1} << 100)) value = __int128{1} << 100;  // saturate; refused later
      if (count) ++*count;
      ++i;
    } else if (text[i] == '_' && i > start && i + 1 < text.size() && is_digit_of(text[i + 1], base)) {
      ++i;
    } else {
      break;
    }
  }
  return i > start;
}

/// The multiplier and unit after a number; `i` is moved past them. Returns
/// false for a character that is neither (the caller decides).
bool read_multiplier(std::string_view text, std::size_t& i, std::int64_t sector_bytes, __int128& value,
                     std::string_view whole, std::string_view option) {
  auto at = [&](std::size_t k) { return k < text.size() ? text[k] : '\0'; };
  const char c = at(i);
  static constexpr std::string_view kPowers = "kMGTPEZY";
  int exponent = -1;
  int factor = 1000;
  char unit = 0;
  if (c == 'K') {
    if (at(i + 1) != 'i') refuse(whole, "bad multiplier", option);
    exponent = 1, factor = 1024, i += 2;
  } else if (c == 'k') {
    if (at(i + 1) == 'i') refuse(whole, "bad multiplier", option);
    exponent = 1, ++i;
  } else if (c != '\0' && kPowers.find(c) != std::string_view::npos) {
    exponent = static_cast<int>(kPowers.find(c)) + 1, ++i;
    if (at(i) == 'i') factor = 1024, ++i;
  } else if (c == 'B' || c == 's') {
    exponent = 0, unit = c, ++i;
  } else {
    return false;
  }
  if (exponent > 0 && (at(i) == 'B' || at(i) == 's')) unit = at(i++);
  if (unit == 's' && sector_bytes <= 0) refuse(whole, "bad multiplier", option);
  for (int k = 0; k < exponent; ++k) value = std::min<__int128>(value * factor, __int128{1} << 100);
  if (unit == 's') value = std::min<__int128>(value * sector_bytes, __int128{1} << 100);
  return true;
}

std::int64_t parse_number(std::string_view text, std::int64_t sector_bytes, std::string_view option,
                          std::int64_t low, std::int64_t high, std::string_view* tail,
                          std::string_view limit_words = {}) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  int base = 10;
  if (text.substr(i, 2) == "0x" || text.substr(i, 2) == "0X") {
    if (i + 2 < text.size() && is_digit_of(text[i + 2], 16)) base = 16, i += 2;
  } else if (i + 1 < text.size() && text[i] == '0' && is_digit_of(text[i + 1], 8)) {
    base = 8;
  }
  __int128 value = 0;
  if (!read_digits(text, i, base, value)) refuse(text, "bad or missing number", option);
  if (i < text.size() && !read_multiplier(text, i, sector_bytes, value, text, option) && !tail)
    refuse(text, "bad multiplier", option);
  if (tail) *tail = text.substr(i);
  else if (i != text.size()) refuse(text, "bad multiplier", option);
  if (negative) value = -value;
  if (value < low || value > high) {
    if (!limit_words.empty()) refuse(text, limit_words, option);
    refuse(text, fmt::format("{}, out of limits [{}, {}]", value > high ? "too large" : "too small", low, high), option);
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

std::int64_t parse_ddrescue_number(std::string_view text, std::int64_t sector_bytes, std::string_view option,
                                   std::int64_t low, std::int64_t high, std::string_view limit_words) {
  return parse_number(text, sector_bytes, option, low, high, nullptr, limit_words);
}

std::int64_t parse_ddrescue_number_prefix(std::string_view text, std::int64_t sector_bytes,
                                          std::string_view option, std::string_view& tail) {
  return parse_number(text, sector_bytes, option, 0, std::numeric_limits<std::int64_t>::max(), &tail);
}

std::chrono::milliseconds parse_ddrescue_interval(std::string_view text, std::string_view option,
                                                  bool whole_seconds) {
  // numerator/denominator of seconds, exact, so "1.5d" is whole seconds.
  std::size_t i = 0;
  __int128 num = 0, den = 1;
  if (!read_digits(text, i, 10, num)) refuse(text, "bad time interval", option);
  if (i < text.size() && text[i] == '.') {
    ++i;
    int places = 0;
    __int128 frac = 0;
    if (!read_digits(text, i, 10, frac, &places) || places > 12)
      refuse(text, "bad time interval", option);
    for (int k = 0; k < places; ++k) num *= 10, den *= 10;
    num += frac;
  } else if (i < text.size() && text[i] == '/') {
    ++i;
    den = 0;
    if (!read_digits(text, i, 10, den) || den == 0) refuse(text, "bad time interval", option);
  }
  if (i < text.size()) {
    switch (text[i]) {
      case 'd': num *= 86400; break;
      case 'h': num *= 3600; break;
      case 'm': num *= 60; break;
      case 's': break;
      default: refuse(text, "bad unit in time interval (use s, m, h or d)", option);
    }
    if (++i != text.size()) refuse(text, "extra characters", option);
  }
  if (whole_seconds && num % den != 0) refuse(text, "bad time interval", option);
  const __int128 ms = num * 1000 / den;
  if (ms > (__int128{1} << 60)) refuse(text, "bad time interval", option);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

unsigned parse_copy_passes(std::string_view text) {
  if (text == "0") return 0;
  unsigned passes = 0;
  std::size_t i = 0;
  auto pass_at = [&](std::size_t k) { return k < text.size() && text[k] >= '1' && text[k] <= '4'; };
  while (true) {
    if (!pass_at(i)) break;
    const int first = text[i++] - '0';
    int last = first;
    if (i < text.size() && text[i] == '-') {
      if (!pass_at(++i) || text[i] - '0' < first) break;
      last = text[i++] - '0';
    }
    for (int p = first; p <= last; ++p) passes |= 1u << (p - 1);
    if (i == text.size()) return passes;
    if (text[i] != ',') break;
    ++i;
  }
  refuse(text, "invalid pass or range of passes (0, or 1 to 4: 1,2-4)", "--cpass");
}

MapfileIntervals parse_mapfile_intervals(std::string_view text) {
  constexpr std::string_view kOption = "--mapfile-interval";
  MapfileIntervals m;
  const std::size_t comma = text.find(',');
  const std::string_view save = text.substr(0, comma);
  bool sync_given = false;
  if (!save.empty()) {
    if (save == "-1") m.save_only_at_end = true;
    else m.save = parse_ddrescue_interval(save, kOption, true);
  }
  if (comma != std::string_view::npos) {
    m.sync = parse_ddrescue_interval(text.substr(comma + 1), kOption, true);
    sync_given = true;
  }
  if (m.sync < std::chrono::seconds(5))
    refuse(text, "the sync interval must be 5 s or more", kOption);
  if (!sync_given) m.sync = std::max(m.sync, m.save);
  if (save.empty()) m.save = std::min(m.save, m.sync);  // the default save interval follows a shorter sync
  if (!m.save_only_at_end && m.save > m.sync)
    refuse(text, "the save interval must not exceed the sync interval", kOption);
  return m;
}

std::vector<int> parse_errno_list(std::string_view text) {
  std::vector<int> codes;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (item.empty() || !std::isdigit(static_cast<unsigned char>(item[0])))
      refuse(text, "invalid errno value (numbers from 1)", "--continue-on-errno");
    codes.push_back(static_cast<int>(
        parse_ddrescue_number(item, 0, "--continue-on-errno", 1, std::numeric_limits<int>::max())));
    if (comma == std::string_view::npos) return codes;
    start = comma + 1;
  }
}

std::string parse_fill_mode_types(std::string_view text) {
  std::string types;
  for (char c : text) {
    if (std::strchr("?*/-+l", c) == nullptr || c == '\0')
      refuse(text, "invalid type of block (use some of ?*/-+l)", "--fill-mode");
    if (types.find(c) == std::string::npos) types += c;
  }
  if (types.empty() || types == "l")
    refuse(text, "missing type of block", "--fill-mode");
  return types;
}

}  // namespace ptrescue
