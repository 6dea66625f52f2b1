// SPDX-License-Identifier: GPL-3.0-or-later
// Human-friendly sizes and durations, as recovery engineers type them
// ("4Mi", "64KiB", "0x10000", "128s" sectors, "500ms", "2s") and as the status
// display shows them ("1048 MB", "1m 30s").
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <optional>
#include <string_view>

namespace ptrescue {

/// A value the user typed that does not parse: what() names it.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses a byte count: decimal or 0x hex, then an optional multiplier
/// (ddrescue's: s = sectors of `sector_size`, k/K = 1000, Ki = 1024, M, Mi, G,
/// Gi, T, Ti, P, Pi, E, Ei) and an optional trailing "B". Throws UsageError
/// naming `what` on junk, negatives or overflow.
std::int64_t parse_size(std::string_view text, std::uint32_t sector_size, std::string_view what);

/// A plain count or position in a file ptrescue reads (head maps, reads
/// logs): decimal or 0x hex, non-negative, no units, no junk, within int64.
std::optional<std::int64_t> parse_plain_number(std::string_view text);

/// parse_size, refusing a value above `limit` with a message naming the
/// limit ("up to 1 EiB").
std::int64_t parse_size_up_to(std::string_view text, std::uint32_t sector_size, std::string_view what,
                              std::int64_t limit);

/// The largest duration parse_duration accepts: 100 days, so that any
/// duration can be added to a clock reading in nanoseconds without overflow.
inline constexpr std::chrono::milliseconds kMaxDuration{100LL * 24 * 3600 * 1000};

/// a + b for byte positions; throws UsageError naming `what` when the sum
/// would pass the largest position (2^63 - 1 bytes) or fall below zero.
std::int64_t checked_position_add(std::int64_t a, std::int64_t b, std::string_view what);

/// "1 MiB", "1 EiB", "1536 B": a limit as the user would type it.
std::string binary_size_text(std::int64_t bytes);

/// Parses a duration: a number then ms, s, m, h or d (bare number = seconds),
/// up to kMaxDuration.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

/// "1048 MB", "512 B", "3 GB": SI units, at most 4 digits, like ddrescue.
std::string format_size(std::int64_t bytes);
/// "123 MB/s".
std::string format_rate(double bytes_per_second);
/// "1h 2m", "3m 5s", "12s", "250ms".
std::string format_duration(std::chrono::microseconds d);

}  // namespace ptrescue
