// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's argument syntax (its manual, "Invoking ddrescue"): numbers
// with SI or binary multipliers and an 's' for sectors, time intervals, the
// copying passes of --cpass and the intervals of --mapfile-interval. Every
// refusal is a UsageError (exit 1), as ddrescue exits 1 on a bad argument.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

/// A number as ddrescue reads it: decimal, 0x hex or 0-led octal, '_'
/// between digit groups, then an optional multiplier (k = 1000, Ki = 1024,
/// M/G/T/P/E/Z/Y with an optional 'i' for powers of 1024) and an optional
/// unit: 'B' (bytes) or 's' (sectors of `sector_bytes`; refused when 0).
/// A bare 'B' or 's' is a unit alone. Refuses values outside [low, high],
/// saying `limit_words` ("up to 1 MiB") when given.
std::int64_t parse_ddrescue_number(std::string_view text, std::int64_t sector_bytes, std::string_view option,
                                   std::int64_t low = std::numeric_limits<std::int64_t>::min() + 1,
                                   std::int64_t high = std::numeric_limits<std::int64_t>::max(),
                                   std::string_view limit_words = {});

/// The number at the start of `text` (as above), leaving the rest in
/// `tail`: for -K's "initial,max".
std::int64_t parse_ddrescue_number_prefix(std::string_view text, std::int64_t sector_bytes,
                                          std::string_view option, std::string_view& tail);

/// A time interval: a decimal ("1.5") or fraction ("1/2") number of a unit:
/// s (default), m, h or d. `whole_seconds` refuses fractions of a second,
/// as ddrescue does for -T, --delay-slow and --pause-on-pass.
std::chrono::milliseconds parse_ddrescue_interval(std::string_view text, std::string_view option,
                                                  bool whole_seconds);

/// --cpass: "0" (no copying pass) or a comma list of passes and ranges of
/// passes, 1 to 4 as in ddrescue 1.30 ("1,2-4"). Returns the passes as bits 0..3.
unsigned parse_copy_passes(std::string_view text);

/// --mapfile-interval=[SAVE][,SYNC]: how often to save (-1 = only at the
/// end) and how often to sync (at least 5 s; SAVE at most SYNC).
struct MapfileIntervals {
  std::chrono::milliseconds save{std::chrono::seconds(30)};
  std::chrono::milliseconds sync{std::chrono::minutes(5)};
  bool save_only_at_end = false;
};
MapfileIntervals parse_mapfile_intervals(std::string_view text);

/// --continue-on-errno=N[,N...]: errno codes, numbers from 1 (as 1.30).
std::vector<int> parse_errno_list(std::string_view text);

/// -F types: some of "?*/-+l" (l for the fill text's location), at least
/// one, none twice.
std::string parse_fill_mode_types(std::string_view text);

}  // namespace ptrescue
