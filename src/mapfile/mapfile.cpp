// SPDX-License-Identifier: GPL-3.0-or-later
// The in-memory interval store behind MapFile: blocks kept in chunks of a few
// hundred with a per-status index over the chunks (construction, copies,
// navigation, set_status's splits and merges, look-ups, invariant checks).
// The text format is in mapfile_text.cpp, the parser in mapfile_parser.cpp.
#include "src/mapfile/mapfile.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

#include <sys/mman.h>

#include <fmt/format.h>

#include "src/mapfile/block_status_index.h"

namespace ptrescue {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

std::int64_t& bytes_of(MapTotals& t, BlockStatus s) {
  switch (s) {
    case BlockStatus::kNonTried: return t.non_tried;
    case BlockStatus::kNonTrimmed: return t.non_trimmed;
    case BlockStatus::kNonScraped: return t.non_scraped;
    case BlockStatus::kBadSector: return t.bad_sector;
    case BlockStatus::kFinished: break;
  }
  return t.finished;
}

std::uint8_t status_bit(BlockStatus s) {
  return static_cast<std::uint8_t>(1u << block_status_index(s));
}

void check_status(BlockStatus s) {
  if (block_status_index(s) < 0)
    throw std::invalid_argument(fmt::format("invalid block status {:#04x}",
                                            static_cast<unsigned char>(s)));
}

std::uint8_t mask_of(const std::array<std::uint32_t, 5>& count) {
  std::uint8_t m = 0;
  for (std::size_t k = 0; k < count.size(); ++k)
    if (count[k] != 0) m = static_cast<std::uint8_t>(m | (1u << k));
  return m;
}

}  // namespace

// ---- construction, copies ---------------------------------------------------

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer every chunk is its own heap block, so that an access
// past a chunk's arrays is caught.
void* MapFile::Chunk::operator new(std::size_t bytes) { return ::operator new(bytes); }
void MapFile::Chunk::operator delete(void* p) noexcept { ::operator delete(p); }
#else
namespace {

// Chunks come from slabs mapped with MAP_POPULATE and are recycled, never
// unmapped. A million-block map takes ~2,000 chunks (9 MB); taking fresh heap
// pages one page fault at a time cost a quarter of the load time on a VM,
// where a fault is dear, while the kernel fills a whole slab in one call.
class ChunkSlabs {
 public:
  void* take(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    if (bytes != chunk_bytes_ && chunk_bytes_ != 0) throw std::bad_alloc();  // one Chunk size only
    chunk_bytes_ = bytes;
    if (free_.empty()) refill();
    void* p = free_.back();
    free_.pop_back();
    return p;
  }
  void give(void* p) noexcept {
    std::lock_guard lock(mutex_);
    free_.push_back(p);  // capacity reserved in refill(): never throws
  }

 private:
  static constexpr std::size_t kPerSlab = 256;
  void refill() {
    const std::size_t stride = (chunk_bytes_ + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
                               alignof(std::max_align_t);
    void* m = ::mmap(nullptr, stride * kPerSlab, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    slabs_ += 1;
    free_.reserve(slabs_ * kPerSlab);
    auto* base = static_cast<std::byte*>(m);
    for (std::size_t i = kPerSlab; i-- > 0;) free_.push_back(base + i * stride);
  }
  std::mutex mutex_;
  std::size_t chunk_bytes_ = 0;
  std::size_t slabs_ = 0;
  std::vector<void*> free_;
};

ChunkSlabs& chunk_slabs() {
  static ChunkSlabs* slabs = new ChunkSlabs;  // never destroyed: maps may outlive statics
  return *slabs;
}

}  // namespace

void* MapFile::Chunk::operator new(std::size_t bytes) { return chunk_slabs().take(bytes); }
void MapFile::Chunk::operator delete(void* p) noexcept {
  if (p != nullptr) chunk_slabs().give(p);
}
#endif

// Default-initialized: the block arrays are written before they are read.
std::unique_ptr<MapFile::Chunk> MapFile::new_chunk() { return std::unique_ptr<Chunk>(new Chunk); }

MapFile::MapFile(std::int64_t size) {
  if (size < 0) throw std::invalid_argument(fmt::format("negative map size {}", size));
  if (size > 0) {
    append_block(0, BlockStatus::kNonTried);
    totals_.non_tried = size;
    end_ = size;
  }
  reindex();
}

MapFile::MapFile(const MapFile& other)
    : firsts_(other.firsts_),
      status_tree_(other.status_tree_),
      leaves_(other.leaves_),
      chunk_limit_(other.chunk_limit_),
      block_count_(other.block_count_),
      end_(other.end_),
      totals_(other.totals_),
      cursor_(other.cursor_),
      version_(other.version_) {
  chunks_.reserve(other.chunks_.size());
  for (const auto& from : other.chunks_) {
    auto to = new_chunk();
    to->size = from->size;
    to->count = from->count;
    std::memcpy(to->pos, from->pos, from->size * sizeof from->pos[0]);
    std::memcpy(to->status, from->status, from->size * sizeof from->status[0]);
    chunks_.push_back(std::move(to));
  }
}

MapFile& MapFile::operator=(const MapFile& other) {
  if (this != &other) *this = MapFile(other);
  return *this;
}

MapFile::MapFile(MapFile&& other) noexcept { *this = std::move(other); }

MapFile& MapFile::operator=(MapFile&& other) noexcept {
  if (this == &other) return *this;
  chunks_ = std::move(other.chunks_);
  firsts_ = std::move(other.firsts_);
  status_tree_ = std::move(other.status_tree_);
  leaves_ = other.leaves_;
  chunk_limit_ = other.chunk_limit_;
  block_count_ = other.block_count_;
  end_ = other.end_;
  totals_ = other.totals_;
  cursor_ = other.cursor_;
  version_ = other.version_;
  // Leave `other` a valid empty map.
  other.chunks_.clear();
  other.firsts_.clear();
  other.status_tree_.clear();
  other.leaves_ = 0;
  other.block_count_ = 0;
  other.end_ = 0;
  other.totals_ = MapTotals{};
  other.cursor_ = MapCursor{};
  other.version_ = 0;
  return *this;
}

MapFile::~MapFile() = default;

// ---- navigation ---------------------------------------------------------------

std::int64_t MapFile::end_of(Loc l) const {
  const Chunk& ch = *chunks_[l.c];
  if (l.i + 1 < ch.size) return ch.pos[l.i + 1];
  return l.c + 1 < chunks_.size() ? firsts_[l.c + 1] : end_;
}

MapFile::Loc MapFile::locate(std::int64_t pos) const {
  const auto c = static_cast<std::size_t>(
      std::upper_bound(firsts_.begin(), firsts_.end(), pos) - firsts_.begin() - 1);
  const Chunk& ch = *chunks_[c];
  const auto i = static_cast<std::size_t>(std::upper_bound(ch.pos, ch.pos + ch.size, pos) - ch.pos - 1);
  return Loc{c, i};
}

bool MapFile::step_forward(Loc& l) const {
  if (l.i + 1 < chunks_[l.c]->size) {
    ++l.i;
  } else if (l.c + 1 < chunks_.size()) {
    l = Loc{l.c + 1, 0};
  } else {
    return false;
  }
  return true;
}

bool MapFile::step_back(Loc& l) const {
  if (l.i > 0) {
    --l.i;
  } else if (l.c > 0) {
    l = Loc{l.c - 1, chunks_[l.c - 1]->size - 1};
  } else {
    return false;
  }
  return true;
}

// ---- the index over the chunks --------------------------------------------------

void MapFile::reindex() {
  firsts_.resize(chunks_.size());
  for (std::size_t c = 0; c < chunks_.size(); ++c) firsts_[c] = chunks_[c]->pos[0];
  leaves_ = std::bit_ceil(std::max<std::size_t>(chunks_.size(), 1));
  status_tree_.assign(2 * leaves_, 0);
  for (std::size_t c = 0; c < chunks_.size(); ++c) status_tree_[leaves_ + c] = mask_of(chunks_[c]->count);
  for (std::size_t k = leaves_; k-- > 1;)
    status_tree_[k] = static_cast<std::uint8_t>(status_tree_[2 * k] | status_tree_[2 * k + 1]);
}

// After chunk c changed without chunks coming or going.
void MapFile::refresh(std::size_t c) {
  firsts_[c] = chunks_[c]->pos[0];
  std::size_t k = leaves_ + c;
  status_tree_[k] = mask_of(chunks_[c]->count);
  for (k /= 2; k >= 1; k /= 2)
    status_tree_[k] = static_cast<std::uint8_t>(status_tree_[2 * k] | status_tree_[2 * k + 1]);
}

// The first chunk at or after c holding a block of `status`; kNone if none.
std::size_t MapFile::next_chunk_with(std::size_t c, BlockStatus status) const {
  if (c >= chunks_.size()) return kNone;
  const std::uint8_t bit = status_bit(status);
  std::size_t k = leaves_ + c;
  while (!(status_tree_[k] & bit)) {
    while (k > 1 && (k & 1)) k /= 2;  // a right child: its right is the parent's right
    if (k == 1) return kNone;
    ++k;  // the subtree just right of everything seen so far
  }
  while (k < leaves_) {
    k *= 2;
    if (!(status_tree_[k] & bit)) ++k;
  }
  return k - leaves_;
}

// The last chunk at or before c holding a block of `status`; kNone if none.
std::size_t MapFile::prev_chunk_with(std::size_t c, BlockStatus status) const {
  if (c >= chunks_.size()) return kNone;
  const std::uint8_t bit = status_bit(status);
  std::size_t k = leaves_ + c;
  while (!(status_tree_[k] & bit)) {
    while (k > 1 && !(k & 1)) k /= 2;
    if (k == 1) return kNone;
    --k;
  }
  while (k < leaves_) {
    k = 2 * k + 1;
    if (!(status_tree_[k] & bit)) --k;
  }
  return k - leaves_;
}

// ---- changing the blocks ------------------------------------------------------

// Parsing and construction: appends without updating the index (reindex()
// follows). Totals and end_ are the caller's.
void MapFile::append_block(std::int64_t pos, BlockStatus status) {
  if (chunks_.empty() || chunks_.back()->size == chunk_limit_) chunks_.push_back(new_chunk());
  Chunk& ch = *chunks_.back();
  ch.pos[ch.size] = pos;
  ch.status[ch.size] = status;
  ++ch.count[static_cast<std::size_t>(block_status_index(status))];
  ++ch.size;
  ++block_count_;
}

// Replaces `count` blocks from `first` on with `with` (at most 3, in order,
// fitting the gap). Totals are the caller's.
void MapFile::replace(Loc first, std::size_t count, const Entry* with, std::size_t with_count) {
  Chunk& ch = *chunks_[first.c];
  if (first.i + count <= ch.size && ch.size - count + with_count <= chunk_limit_) {
    // Within one chunk: the usual case (a read moves one boundary).
    for (std::size_t j = first.i; j < first.i + count; ++j)
      --ch.count[static_cast<std::size_t>(block_status_index(ch.status[j]))];
    const std::size_t tail = ch.size - first.i - count;
    if (with_count != count) {
      std::memmove(&ch.pos[first.i + with_count], &ch.pos[first.i + count], tail * sizeof ch.pos[0]);
      std::memmove(&ch.status[first.i + with_count], &ch.status[first.i + count], tail * sizeof ch.status[0]);
    }
    for (std::size_t k = 0; k < with_count; ++k) {
      ch.pos[first.i + k] = with[k].pos;
      ch.status[first.i + k] = with[k].status;
      ++ch.count[static_cast<std::size_t>(block_status_index(with[k].status))];
    }
    ch.size = ch.size - count + with_count;
    block_count_ = block_count_ - count + with_count;
    if (ch.size == 0) {
      remove_chunks(first.c, first.c + 1);
      return;
    }
    refresh(first.c);
    if (with_count < count) merge_if_underfull(first.c);
    return;
  }
  erase_blocks(first, count);
  insert_blocks(with, with_count);
}

// Removes `count` blocks from `first` on, across chunks if need be.
void MapFile::erase_blocks(Loc first, std::size_t count) {
  block_count_ -= count;
  std::size_t c = first.c;
  std::size_t i = first.i;
  std::size_t emptied_from = kNone, emptied_to = kNone;  // always a contiguous run
  while (count > 0) {
    Chunk& ch = *chunks_[c];
    const std::size_t n = std::min(count, ch.size - i);
    if (n == ch.size) {
      ch.size = 0;
      if (emptied_from == kNone) emptied_from = c;
      emptied_to = c + 1;
    } else {
      for (std::size_t j = i; j < i + n; ++j) --ch.count[static_cast<std::size_t>(block_status_index(ch.status[j]))];
      const std::size_t tail = ch.size - i - n;
      std::memmove(&ch.pos[i], &ch.pos[i + n], tail * sizeof ch.pos[0]);
      std::memmove(&ch.status[i], &ch.status[i + n], tail * sizeof ch.status[0]);
      ch.size -= n;
    }
    count -= n;
    ++c;
    i = 0;
  }
  const std::size_t last = c - 1;
  if (emptied_from != kNone) {
    remove_chunks(emptied_from, emptied_to);
    // The chunks now on either side of the hole (higher index first, so that
    // a merge there does not move the lower one).
    merge_if_underfull(emptied_from);
    if (emptied_from > 0) merge_if_underfull(emptied_from - 1);
  } else {
    refresh(first.c);
    if (last != first.c) refresh(last);
    merge_if_underfull(last);
    if (last != first.c) merge_if_underfull(first.c);
  }
}

// Inserts blocks (at most 3, in order) where they belong: every block left in
// the map starts before with[0].pos or after the last of them.
void MapFile::insert_blocks(const Entry* with, std::size_t with_count) {
  if (with_count == 0) return;
  block_count_ += with_count;
  std::size_t c = 0, i = 0;
  const bool first_chunk = chunks_.empty();
  if (first_chunk) {
    chunks_.push_back(new_chunk());  // indexed below, once it holds the blocks
  } else {
    const auto it = std::upper_bound(firsts_.begin(), firsts_.end(), with[0].pos);
    c = it == firsts_.begin() ? 0 : static_cast<std::size_t>(it - firsts_.begin() - 1);
    const Chunk& ch = *chunks_[c];
    i = static_cast<std::size_t>(std::upper_bound(ch.pos, ch.pos + ch.size, with[0].pos) - ch.pos);
  }
  if (chunks_[c]->size + with_count > chunk_limit_) {
    const std::size_t mid = chunks_[c]->size / 2;
    split_chunk(c, mid);
    if (i > mid) {
      ++c;
      i -= mid;
    }
  }
  Chunk& ch = *chunks_[c];
  const std::size_t tail = ch.size - i;
  std::memmove(&ch.pos[i + with_count], &ch.pos[i], tail * sizeof ch.pos[0]);
  std::memmove(&ch.status[i + with_count], &ch.status[i], tail * sizeof ch.status[0]);
  for (std::size_t k = 0; k < with_count; ++k) {
    ch.pos[i + k] = with[k].pos;
    ch.status[i + k] = with[k].status;
    ++ch.count[static_cast<std::size_t>(block_status_index(with[k].status))];
  }
  ch.size += with_count;
  if (first_chunk)
    reindex();
  else
    refresh(c);
}

// Moves blocks [at, size) of chunk c into a new chunk after it.
void MapFile::split_chunk(std::size_t c, std::size_t at) {
  Chunk& ch = *chunks_[c];
  auto next = new_chunk();
  next->size = ch.size - at;
  std::memcpy(next->pos, &ch.pos[at], next->size * sizeof ch.pos[0]);
  std::memcpy(next->status, &ch.status[at], next->size * sizeof ch.status[0]);
  for (std::size_t j = 0; j < next->size; ++j) {
    const auto k = static_cast<std::size_t>(block_status_index(next->status[j]));
    --ch.count[k];
    ++next->count[k];
  }
  ch.size = at;
  chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(next));
  reindex();
}

// Joins a chunk that has become small with a neighbour, so that the number of
// chunks stays proportional to the number of blocks (below a quarter full,
// into a neighbour if the two fit in half a chunk: splits leave halves, so a
// chunk does not swing between splitting and merging).
void MapFile::merge_if_underfull(std::size_t c) {
  if (c >= chunks_.size() || chunks_[c]->size * 4 >= chunk_limit_) return;
  std::size_t into = kNone;
  if (c > 0 && chunks_[c - 1]->size + chunks_[c]->size <= chunk_limit_ / 2)
    into = c - 1;
  else if (c + 1 < chunks_.size() && chunks_[c]->size + chunks_[c + 1]->size <= chunk_limit_ / 2)
    into = c;
  if (into == kNone) return;
  Chunk& a = *chunks_[into];
  const Chunk& b = *chunks_[into + 1];
  std::memcpy(&a.pos[a.size], b.pos, b.size * sizeof b.pos[0]);
  std::memcpy(&a.status[a.size], b.status, b.size * sizeof b.status[0]);
  for (std::size_t k = 0; k < a.count.size(); ++k) a.count[k] += b.count[k];
  a.size += b.size;
  remove_chunks(into + 1, into + 2);
}

void MapFile::remove_chunks(std::size_t from, std::size_t to) {
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(from),
                chunks_.begin() + static_cast<std::ptrdiff_t>(to));
  reindex();
}

// ---- queries and updates ----------------------------------------------------

void MapFile::set_status(std::int64_t pos, std::int64_t size, BlockStatus status) {
  check_status(status);
  if (size < 0 || pos < begin_pos() || pos > end_pos() || size > end_pos() - pos)
    throw std::out_of_range(fmt::format("set_status [{}, +{}) outside the map [{}, {})", pos,
                                        size, begin_pos(), end_pos()));
  if (size == 0) return;
  const std::int64_t end = pos + size;

  const Loc first = locate(pos);
  const std::int64_t first_start = start_of(first);
  const BlockStatus first_status = status_of(first);
  const std::int64_t first_end = end_of(first);
  // Already so (the common case of re-marking): nothing changes.
  if (first_status == status && first_end >= end) return;
  const Loc last = first_end >= end ? first : locate(end - 1);
  const std::int64_t last_end = end_of(last);
  const BlockStatus last_status = status_of(last);

  // What the blocks from `first` to `last` become, before merging.
  Entry planned[3];
  std::size_t planned_count = 0;
  if (first_start < pos) planned[planned_count++] = {first_start, first_status};
  planned[planned_count++] = {pos, status};
  if (last_end > end) planned[planned_count++] = {end, last_status};

  // Merged: a block of the same status as the one before it is part of it.
  Loc before = first;
  bool have_prev = step_back(before);
  BlockStatus prev = have_prev ? status_of(before) : status;
  Entry kept[3];
  std::size_t kept_count = 0;
  for (std::size_t k = 0; k < planned_count; ++k) {
    if (have_prev && planned[k].status == prev) continue;
    kept[kept_count++] = planned[k];
    prev = planned[k].status;
    have_prev = true;
  }
  Loc after = last;
  const bool absorb_after = step_forward(after) && status_of(after) == prev;

  // Totals: out with the old blocks, in with the new bytes. A block absorbed
  // by the one before keeps its bytes and status; it only stops being an area.
  std::size_t count = 0;
  for (Loc l = first;; step_forward(l)) {
    const BlockStatus s = status_of(l);
    bytes_of(totals_, s) -= end_of(l) - start_of(l);
    if (s == BlockStatus::kBadSector) --totals_.bad_areas;
    ++count;
    if (l.c == last.c && l.i == last.i) break;
  }
  if (absorb_after) {
    if (status_of(after) == BlockStatus::kBadSector) --totals_.bad_areas;
    ++count;
  }
  if (first_start < pos) bytes_of(totals_, first_status) += pos - first_start;
  bytes_of(totals_, status) += size;
  if (last_end > end) bytes_of(totals_, last_status) += last_end - end;
  for (std::size_t k = 0; k < kept_count; ++k)
    if (kept[k].status == BlockStatus::kBadSector) ++totals_.bad_areas;

  replace(first, count, kept, kept_count);
  ++version_;
}

void MapFile::extend_to(std::int64_t new_end) {
  if (new_end <= end_) return;
  ++version_;
  const std::int64_t old_end = end_;
  totals_.non_tried += new_end - old_end;
  end_ = new_end;
  if (!chunks_.empty()) {
    const Chunk& last = *chunks_.back();
    if (last.status[last.size - 1] == BlockStatus::kNonTried) return;  // it just grows
  }
  const Entry e{old_end, BlockStatus::kNonTried};
  insert_blocks(&e, 1);
}

BlockStatus MapFile::status_at(std::int64_t pos) const { return block_at(pos).status; }

MapBlock MapFile::block_at(std::int64_t pos) const {
  if (pos < begin_pos() || pos >= end_pos())
    throw std::out_of_range(
        fmt::format("position {} outside the map [{}, {})", pos, begin_pos(), end_pos()));
  const Loc l = locate(pos);
  const std::int64_t start = start_of(l);
  return MapBlock{start, end_of(l) - start, status_of(l)};
}

std::optional<Extent> MapFile::find_forward(std::int64_t from, BlockStatus status) const {
  check_status(status);
  from = std::max(from, begin_pos());
  if (from >= end_pos()) return std::nullopt;
  const Loc l = locate(from);
  if (status_of(l) == status) return Extent{from, end_of(l) - from};
  // The rest of this chunk, then the next chunk the index says has one.
  Loc hit{l.c, kNone};
  const Chunk& ch = *chunks_[l.c];
  if (const void* p = std::memchr(&ch.status[l.i + 1], static_cast<char>(status), ch.size - l.i - 1)) {
    hit.i = static_cast<std::size_t>(static_cast<const BlockStatus*>(p) - ch.status);
  } else {
    hit.c = next_chunk_with(l.c + 1, status);
    if (hit.c == kNone) return std::nullopt;
    const Chunk& next = *chunks_[hit.c];
    hit.i = static_cast<std::size_t>(
        static_cast<const BlockStatus*>(std::memchr(next.status, static_cast<char>(status), next.size)) -
        next.status);
  }
  const std::int64_t start = start_of(hit);
  return Extent{start, end_of(hit) - start};
}

std::optional<Extent> MapFile::find_backward(std::int64_t before, BlockStatus status) const {
  check_status(status);
  before = std::min(before, end_pos());
  if (before <= begin_pos()) return std::nullopt;
  const Loc l = locate(before - 1);
  if (status_of(l) == status) return Extent{start_of(l), before - start_of(l)};
  Loc hit{l.c, kNone};
  const Chunk& ch = *chunks_[l.c];
  if (const void* p = ::memrchr(ch.status, static_cast<char>(status), l.i)) {
    hit.i = static_cast<std::size_t>(static_cast<const BlockStatus*>(p) - ch.status);
  } else {
    hit.c = l.c == 0 ? kNone : prev_chunk_with(l.c - 1, status);
    if (hit.c == kNone) return std::nullopt;
    const Chunk& prev = *chunks_[hit.c];
    hit.i = static_cast<std::size_t>(
        static_cast<const BlockStatus*>(::memrchr(prev.status, static_cast<char>(status), prev.size)) -
        prev.status);
  }
  const std::int64_t start = start_of(hit);
  return Extent{start, end_of(hit) - start};
}

std::vector<MapBlock> MapFile::blocks() const {
  std::vector<MapBlock> out;
  out.reserve(block_count_);
  for_each([&out](const MapBlock& b) { out.push_back(b); });
  return out;
}

// ---- for tests ----------------------------------------------------------------

void MapFile::check_invariants() const {
  const auto fail = [](const std::string& what) { throw std::logic_error("MapFile invariant: " + what); };
  if (firsts_.size() != chunks_.size()) fail("firsts_ size");
  if (!chunks_.empty() && (leaves_ < chunks_.size() || status_tree_.size() != 2 * leaves_))
    fail("status tree size");
  MapTotals t;
  std::size_t blocks = 0;
  std::int64_t prev_start = std::numeric_limits<std::int64_t>::min();
  int prev_status = -1;
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    const Chunk& ch = *chunks_[c];
    if (ch.size == 0 || ch.size > chunk_limit_) fail(fmt::format("chunk {} holds {} blocks", c, ch.size));
    if (firsts_[c] != ch.pos[0]) fail(fmt::format("firsts_[{}]", c));
    std::array<std::uint32_t, 5> count{};
    for (std::size_t i = 0; i < ch.size; ++i) {
      const int s = block_status_index(ch.status[i]);
      if (s < 0) fail("bad status");
      if (ch.pos[i] <= prev_start) fail(fmt::format("block starts not increasing at {}", ch.pos[i]));
      if (s == prev_status) fail(fmt::format("unmerged neighbours at {}", ch.pos[i]));
      ++count[static_cast<std::size_t>(s)];
      prev_start = ch.pos[i];
      prev_status = s;
    }
    if (count != ch.count) fail(fmt::format("status counts of chunk {}", c));
    if (status_tree_[leaves_ + c] != mask_of(ch.count)) fail(fmt::format("index leaf {}", c));
  }
  if (!chunks_.empty()) {
    for (std::size_t c = chunks_.size(); c < leaves_; ++c)
      if (status_tree_[leaves_ + c] != 0) fail("index leaf past the chunks");
    for (std::size_t k = 1; k < leaves_; ++k)
      if (status_tree_[k] != (status_tree_[2 * k] | status_tree_[2 * k + 1])) fail("index node");
    if (prev_start >= end_) fail("last block ends before it starts");
  } else if (end_ != 0) {
    fail("an empty map with an end");
  }
  for_each([&](const MapBlock& b) {
    bytes_of(t, b.status) += b.size;
    if (b.status == BlockStatus::kBadSector) ++t.bad_areas;
    ++blocks;
  });
  if (blocks != block_count_) fail("block count");
  if (t != totals_) fail("totals");
}

void MapFile::set_chunk_limit_for_testing(std::size_t blocks) {
  if (blocks < 8 || blocks > kChunkCapacity)
    throw std::invalid_argument(fmt::format("chunk limit {} outside [8, {}]", blocks, kChunkCapacity));
  const std::vector<MapBlock> all = this->blocks();
  chunks_.clear();
  block_count_ = 0;
  chunk_limit_ = blocks;
  for (const MapBlock& b : all) append_block(b.pos, b.status);
  reindex();
}

}  // namespace ptrescue
