// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: MapFile::parse on arbitrary bytes must either throw
// MapFileError or return a well-formed map that survives serialize() and a
// second parse() unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "src/mapfile/mapfile.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mapfile_fuzz: %s\n", what);
    std::abort();
  }
}

// The invariants parse() promises: contiguous blocks, neighbours of different
// status, and totals that agree with the blocks.
void check_well_formed(const ptrescue::MapFile& m) {
  using ptrescue::BlockStatus;
  ptrescue::MapTotals t;
  std::int64_t expected_pos = m.begin_pos();
  bool first = true;
  BlockStatus prev = BlockStatus::kNonTried;
  m.for_each([&](const ptrescue::MapBlock& b) {
    check(b.pos == expected_pos, "blocks are not contiguous");
    check(b.size > 0, "empty block");
    check(first || b.status != prev, "neighbours of equal status");
    first = false;
    prev = b.status;
    expected_pos = b.end();
    switch (b.status) {
      case BlockStatus::kNonTried: t.non_tried += b.size; break;
      case BlockStatus::kNonTrimmed: t.non_trimmed += b.size; break;
      case BlockStatus::kNonScraped: t.non_scraped += b.size; break;
      case BlockStatus::kBadSector: t.bad_sector += b.size; ++t.bad_areas; break;
      case BlockStatus::kFinished: t.finished += b.size; break;
    }
  });
  check(expected_pos == m.end_pos(), "end_pos is not the end of the last block");
  check(t == m.totals(), "totals disagree with the blocks");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ptrescue::MapFile map;
  try {
    map = ptrescue::MapFile::parse(text);
  } catch (const ptrescue::MapFileError& e) {
    check(e.line() >= 1, "error line number below 1");
    return 0;
  }
  check_well_formed(map);
  const std::string written = map.serialize({"fuzz", "two\nlines"});
  ptrescue::MapFile back;
  try {
    back = ptrescue::MapFile::parse(written);
  } catch (const ptrescue::MapFileError& e) {
    std::fprintf(stderr, "mapfile_fuzz: cannot re-read what serialize() wrote: %s\n%s", e.what(),
                 written.c_str());
    std::abort();
  }
  check(back.blocks() == map.blocks(), "blocks changed in the round trip");
  check(back.cursor() == map.cursor(), "cursor changed in the round trip");
  check(back.totals() == map.totals(), "totals changed in the round trip");
  check(back.serialize({"fuzz", "two\nlines"}) == written, "second serialize() differs");
  return 0;
}
