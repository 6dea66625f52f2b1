// SPDX-License-Identifier: GPL-3.0-or-later
// MapFile::Parser: reads a mapfile fed in pieces (or whole, in two halves on
// two threads) straight into the interval store's chunks. Block lines as
// ddrescue writes them take a fast path that reads eight hex digits at a time
// (SWAR); any other line goes to the general reader in mapfile_text.cpp.
#include "src/mapfile/mapfile.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "src/mapfile/mapfile_text.h"
#include "src/mapfile/block_status_index.h"

namespace ptrescue {

namespace {

constexpr std::int64_t kMaxPos = std::numeric_limits<std::int64_t>::max();

// ---- the fast path for block lines -------------------------------------------
//
// Nearly every line of a big mapfile is a block line as ddrescue writes it:
// "0x" + hex, blanks, "0x" + hex, blanks, status char, '\n'. These are parsed
// here without splitting the line first, eight hex digits at a time (SWAR: the
// eight bytes of a 64-bit word checked and converted together). Any other
// form (decimal, octal, signs, 16 or more digits, comments, missing fields)
// makes the fast path give up on the line, which then goes through the
// general reader (mapfile_text.cpp): it reads it, or names what is wrong.

constexpr std::uint64_t kOnes = 0x0101010101010101;
constexpr std::uint64_t kHigh = 0x8080808080808080;

// How many of the 8 chars at p are hex digits before the first that is not
// (0 to 8), with the value of those digits.
[[gnu::always_inline]] inline int hex8(const char* p, std::uint64_t& value) {
  std::uint64_t x;
  std::memcpy(&x, p, sizeof x);  // little-endian: p[0] is the low byte
  // Each byte's would-be digit value: its low nibble, plus 9 for letters (bit
  // 6 set). Then the digit is written back as upper-case ASCII and compared
  // with the byte (folded to upper case): equal only for 0-9, A-F and a-f,
  // given a value below 16. Per-byte sums stay below 0x100, so no carries.
  const std::uint64_t upper = x & ~((x >> 1) & 0x20 * kOnes);  // clears bit 5 where bit 6 is set
  const std::uint64_t nibble = (x & 0x0F * kOnes) + ((x >> 6) & kOnes) * 9;
  const std::uint64_t letter = ((nibble + 0x76 * kOnes) >> 7) & kOnes;  // nibble >= 10
  const std::uint64_t ascii = nibble + 0x30 * kOnes + letter * 7;
  const std::uint64_t bad = (ascii ^ upper) | ((nibble + 0x70 * kOnes) & kHigh);  // or >= 16
  const int n = bad == 0 ? 8 : std::countr_zero(bad) / 8;
  if (n == 0) return 0;
  // The n digits moved to the top bytes (the bytes below are leading zeros),
  // then paired up: 8 nibbles -> 4 bytes -> 2 halves -> one 32-bit value.
  std::uint64_t v = nibble << (8 * (8 - n));
  v = ((v & 0x00FF00FF00FF00FF) << 4) | ((v >> 8) & 0x00FF00FF00FF00FF);
  v = ((v & 0x0000FFFF0000FFFF) << 8) | ((v >> 16) & 0x0000FFFF0000FFFF);
  value = ((v & 0xFFFFFFFF) << 16) | (v >> 32);
  return n;
}

// "0x" + 1 to 15 hex digits (so below 2^60, never out of range). Reads up to
// 18 bytes from p, past the field.
inline bool fast_hex(const char*& p, std::int64_t& out) {
  if (p[0] != '0' || (p[1] | 0x20) != 'x') return false;
  std::uint64_t high = 0, low = 0;
  const int n = hex8(p + 2, high);
  if (n < 8) {
    if (n == 0) return false;
    p += 2 + n;
    out = static_cast<std::int64_t>(high);
    return true;
  }
  const int m = hex8(p + 10, low);
  if (m == 8) return false;
  p += 10 + m;
  out = static_cast<std::int64_t>(m == 0 ? high : (high << (4 * m)) | low);
  return true;
}

// One to eight blanks.
inline bool fast_blanks(const char*& p) {
  if (!is_blank(*p)) return false;
  int n = 0;
  do {
    ++p;
    if (++n > 8) return false;
  } while (is_blank(*p));
  return true;
}

// A block line in any of the usual forms at p, which must start a line ending
// in '\n' with at least kFastLineReach bytes readable from p. Returns the
// start of the next line, or nullptr if the line has another form.
constexpr std::ptrdiff_t kFastLineReach = 64;  // > 18 + 8 + 18 bytes of loads
inline const char* fast_block_line(const char* p, std::int64_t& pos, std::int64_t& size,
                                   char& status) {
  // First the exact layout ddrescue writes below 4 GiB, "0x%08llX  0x%08llX  %c\n".
  std::uint16_t head, mid_blanks;
  std::uint32_t middle;
  std::memcpy(&head, p, sizeof head);
  std::memcpy(&middle, p + 10, sizeof middle);
  std::memcpy(&mid_blanks, p + 22, sizeof mid_blanks);
  std::uint64_t a = 0, b = 0;
  if (head == 0x7830 && middle == 0x78302020 && mid_blanks == 0x2020 && p[25] == '\n' &&
      hex8(p + 2, a) == 8 && hex8(p + 14, b) == 8) {  // "0x", "  0x", "  " little-endian
    pos = static_cast<std::int64_t>(a);
    size = static_cast<std::int64_t>(b);
    status = p[24];
    return p + 26;
  }
  if (!fast_hex(p, pos) || !fast_blanks(p) || !fast_hex(p, size) || !fast_blanks(p)) return nullptr;
  status = *p++;
  while (is_blank(*p)) ++p;  // stops at the '\n' at the latest
  return *p == '\n' ? p + 1 : nullptr;
}

}  // namespace

MapFile::Parser::Parser() = default;

void MapFile::Parser::feed(std::string_view piece) {
  const char* p = piece.data();
  const char* const end = p + piece.size();
  if (!carry_.empty()) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', piece.size()));
    if (nl == nullptr) {
      carry_.append(p, end);
      return;
    }
    carry_.append(p, nl + 1);
    parse_lines(carry_.data(), carry_.data() + carry_.size());
    carry_.clear();
    p = nl + 1;
  }
  // Whole lines now; the unfinished last one waits for the next piece.
  const auto* last_nl = static_cast<const char*>(::memrchr(p, '\n', static_cast<std::size_t>(end - p)));
  if (last_nl == nullptr) {
    carry_.assign(p, end);
    return;
  }
  parse_lines(p, last_nl + 1);
  carry_.assign(last_nl + 1, end);
}

void MapFile::Parser::flush_carry() {
  if (!carry_.empty()) {
    parse_line(carry_);
    carry_.clear();
  }
}

void MapFile::Parser::restart() {
  map_ = MapFile();
  tail_ = nullptr;
  carry_.clear();
  have_status_line_ = false;
  zero_block_line_ = 0;
  last_pos_ = -1;
  last_end_ = -1;
  last_status_ = BlockStatus{};
  bytes_ = {};
  bad_areas_ = 0;
  line_no_ = 0;
}

void MapFile::Parser::feed_whole(std::string_view text) {
  // Below this a second thread costs more than it saves.
  constexpr std::size_t kSplitFrom = 4 << 20;
  if (text.size() < kSplitFrom || line_no_ != 0 || !carry_.empty()) return feed(text);
  const std::size_t half = text.size() / 2;
  const auto* nl = static_cast<const char*>(std::memchr(text.data() + half, '\n', text.size() - half));
  if (nl == nullptr || nl + 1 == text.data() + text.size()) return feed(text);
  const auto head_size = static_cast<std::size_t>(nl + 1 - text.data());

  // The second half holds block lines only (the status line comes first in
  // a file, and a big file's header is a few lines): parsed as if after a
  // status line, its first block may start anywhere; join_tail checks it.
  Parser tail;
  tail.have_status_line_ = true;
  bool tail_ok = false;
  std::thread worker([&tail, &tail_ok, rest = text.substr(head_size)]() noexcept {
    try {
      tail.feed(rest);
      tail.flush_carry();
      tail_ok = tail.zero_block_line_ == 0;
    } catch (...) {
      // An error there, or no memory: the one-thread parse below says which.
    }
  });
  try {
    feed(text.substr(0, head_size));  // an error here is the file's first: as feed() throws it
  } catch (...) {
    worker.join();
    throw;
  }
  worker.join();
  if (tail_ok && join_tail(tail)) {
    joined_ = true;
    return;
  }
  restart();
  feed(text);
}

bool MapFile::Parser::join_tail(Parser& t) {
  if (!have_status_line_ || zero_block_line_ != 0 || last_end_ < 0 || !carry_.empty()) return false;
  auto& chunks = t.map_.chunks_;
  if (!chunks.empty()) {
    Chunk& first = *chunks.front();
    if (first.pos[0] != last_end_) return false;  // a gap or overlap at the seam: feed() names it
    if (first.status[0] == last_status_) {
      // Equal neighbours across the seam: merged, as add_block() does.
      if (first.status[0] == BlockStatus::kBadSector) --t.bad_areas_;
      --first.count[static_cast<std::size_t>(block_status_index(first.status[0]))];
      --first.size;
      --t.map_.block_count_;
      std::memmove(first.pos, first.pos + 1, first.size * sizeof first.pos[0]);
      std::memmove(first.status, first.status + 1, first.size * sizeof first.status[0]);
      if (first.size == 0) chunks.erase(chunks.begin());
    }
  }
  for (std::size_t k = 0; k < bytes_.size(); ++k) bytes_[k] += t.bytes_[k];
  bad_areas_ += t.bad_areas_;
  line_no_ += t.line_no_;
  map_.block_count_ += t.map_.block_count_;
  for (auto& c : chunks) map_.chunks_.push_back(std::move(c));
  chunks.clear();
  tail_ = map_.chunks_.empty() ? nullptr : map_.chunks_.back().get();
  if (t.last_end_ >= 0) {
    last_pos_ = t.last_pos_;
    last_end_ = t.last_end_;
    last_status_ = t.last_status_;
  }
  return true;
}

MapFile MapFile::Parser::finish() {
  flush_carry();
  if (!have_status_line_) throw MapFileError(std::max(line_no_, 1), "missing status line");
  MapTotals& t = map_.totals_;
  t.non_tried = bytes_[static_cast<std::size_t>(block_status_index(BlockStatus::kNonTried))];
  t.non_trimmed = bytes_[static_cast<std::size_t>(block_status_index(BlockStatus::kNonTrimmed))];
  t.non_scraped = bytes_[static_cast<std::size_t>(block_status_index(BlockStatus::kNonScraped))];
  t.bad_sector = bytes_[static_cast<std::size_t>(block_status_index(BlockStatus::kBadSector))];
  t.finished = bytes_[static_cast<std::size_t>(block_status_index(BlockStatus::kFinished))];
  t.bad_areas = bad_areas_;
  map_.end_ = std::max<std::int64_t>(last_end_, 0);
  map_.reindex();
  tail_ = nullptr;
  return std::move(map_);
}

// Every block goes through here, in file order: a block that starts where the
// previous one ended is the common case and takes the short way.
[[gnu::always_inline]] inline void MapFile::Parser::add_block(std::int64_t pos, std::int64_t size, BlockStatus status) {
  if (pos != last_end_ || size <= 0 || size > kMaxPos - pos || zero_block_line_ != 0) [[unlikely]] {
    check_unusual_block(pos, size);
    if (size == 0) return;
  }
  last_pos_ = pos;
  last_end_ = pos + size;
  const auto k = static_cast<std::size_t>(block_status_index(status));
  bytes_[k] += size;
  // ddrescue may write neighbours of equal status; we keep them merged.
  if (status == last_status_) return;
  last_status_ = status;
  if (status == BlockStatus::kBadSector) ++bad_areas_;
  if (tail_ == nullptr || tail_->size == map_.chunk_limit_) {
    map_.chunks_.push_back(new_chunk());
    tail_ = map_.chunks_.back().get();
  }
  tail_->pos[tail_->size] = pos;
  tail_->status[tail_->size] = status;
  ++tail_->count[k];
  ++tail_->size;
  ++map_.block_count_;
}

void MapFile::Parser::parse_lines(const char* p, const char* const end) {
  while (p != end) {
    // A page ahead: the hardware prefetcher stops at page boundaries, and in
    // a mapped file each new page would otherwise stall the loop (a third
    // less time on a million-block file). A prefetch never faults.
    if (end - p > 4096) __builtin_prefetch(p + 4096);
    if (have_status_line_ && end - p >= kFastLineReach) {
      std::int64_t pos = 0, size = 0;
      char status = 0;
      const char* const next = fast_block_line(p, pos, size, status);
      if (next != nullptr && is_block_status(status)) {
        ++line_no_;
        add_block(pos, size, static_cast<BlockStatus>(status));
        p = next;
        continue;
      }
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    parse_line(std::string_view(p, static_cast<std::size_t>(nl - p)));
    p = nl + 1;
  }
}

void MapFile::Parser::parse_line(std::string_view line) {
  ++line_no_;
  const MapLineFields fields = split_fields(line);
  if (fields.count == 0) return;  // blank or comment
  if (!have_status_line_) {
    map_.cursor_ = read_status_line(fields, line_no_);
    have_status_line_ = true;
    return;
  }
  const MapBlock b = read_block_line(fields, line_no_);
  add_block(b.pos, b.size, b.status);
}

// The first block, a zero-size one, or one that is wrong: throws for the
// wrong ones, in the order the checks were always made.
void MapFile::Parser::check_unusual_block(std::int64_t pos, std::int64_t size) {
  if (size > kMaxPos - pos)
    throw MapFileError(line_no_, "block end past the largest 64-bit position");
  if (zero_block_line_ != 0)
    throw MapFileError(line_no_, fmt::format("block after the zero-size block of line {}",
                                             zero_block_line_));
  if (size == 0) {
    // ddrescue writes "0x00000000  0x00000000  ?" for an empty input and
    // accepts a zero size only at position 0.
    if (pos != 0 || last_end_ >= 0) throw MapFileError(line_no_, "zero-size block");
    zero_block_line_ = line_no_;
    return;
  }
  if (last_end_ >= 0 && pos != last_end_) {
    if (pos < last_pos_) throw MapFileError(line_no_, "block out of order");
    if (pos < last_end_) throw MapFileError(line_no_, "block overlaps the previous block");
    throw MapFileError(line_no_, fmt::format("gap before block: the previous block ends at 0x{:X}",
                                             last_end_));
  }
}

}  // namespace ptrescue
