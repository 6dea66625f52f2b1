// SPDX-License-Identifier: GPL-3.0-or-later
// The general reader of one mapfile line (any form ddrescue accepts: hex,
// octal or decimal numbers, comments, odd spacing), for MapFile::Parser's
// slow path: fields, then the status line or a block line from them, with
// the error that names what is wrong (ddrescue manual, "Mapfile structure").
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// The separators ddrescue skips (isspace); '\n' never reaches here.
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// A line's whitespace-separated fields, up to one more than any line may
/// hold (more are not looked at). `count` 0 is a blank or comment line.
struct MapLineFields {
  std::array<std::string_view, 4> field;
  std::size_t count = 0;
};

/// Splits a line into fields. A '#' that starts a field starts a comment
/// (ddrescue treats '#' as a comment only at the start of a line or after
/// whitespace; glued to a field it is part of it).
MapLineFields split_fields(std::string_view line);

/// "pos phase [pass]". Throws MapFileError for line `line`.
MapCursor read_status_line(const MapLineFields& f, int line);

/// "pos size status", the numbers as written (order and overlaps are the
/// parser's to check). Throws MapFileError for line `line`.
MapBlock read_block_line(const MapLineFields& f, int line);

}  // namespace ptrescue
