// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/mapfile/loose_mapfile.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <limits>
#include <optional>

namespace ptrescue {
namespace {

struct LooseBlock {
  std::int64_t pos, size;
  BlockStatus status;
};

bool read_number(std::istringstream& in, std::int64_t& v) {
  std::string word;
  if (!(in >> word)) return false;
  try {
    std::size_t used = 0;
    v = std::stoll(word, &used, 0);
    return used == word.size() && v >= 0;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<BlockStatus> status_of(char c) {
  for (BlockStatus s : {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                        BlockStatus::kBadSector, BlockStatus::kFinished})
    if (static_cast<char>(s) == c) return s;
  return std::nullopt;
}

}  // namespace

MapFile parse_loose_mapfile(std::string_view text) {
  std::vector<LooseBlock> blocks;
  std::istringstream lines{std::string(text)};
  std::string line;
  int line_no = 0;
  bool status_line_seen = false;
  while (std::getline(lines, line)) {
    ++line_no;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    if (!status_line_seen) {  // "pos status [pass]": the cursor, not a block
      status_line_seen = true;
      continue;
    }
    std::istringstream in(line);
    LooseBlock b{};
    std::string status;
    if (!read_number(in, b.pos) || !read_number(in, b.size) || !(in >> status) || status.size() != 1)
      throw MapFileError(line_no, "expected 'pos size status'");
    const auto s = status_of(status[0]);
    if (!s) throw MapFileError(line_no, "unknown block status");
    if (b.size > std::numeric_limits<std::int64_t>::max() - b.pos) throw MapFileError(line_no, "block too large");
    b.status = *s;
    blocks.push_back(b);
  }
  if (!status_line_seen) throw MapFileError(std::max(line_no, 1), "missing status line");
  std::int64_t end = 0;
  for (const auto& b : blocks) end = std::max(end, b.pos + b.size);
  MapFile map(end);
  for (const auto& b : blocks)
    if (b.size > 0) map.set_status(b.pos, b.size, b.status);
  return map;
}

}  // namespace ptrescue
