#include "src/mapfile/mapfile.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>
#include <new>
#include <vector>

#include <sys/mman.h>

#include <fmt/format.h>

namespace ptrescue {

namespace {

constexpr std::int64_t kMaxPos = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Index into a chunk's per-status counts and bit in the status index; -1 for a
// char that is no block status.
int status_index(BlockStatus s) {
  switch (s) {
    case BlockStatus::kNonTried: return 0;
    case BlockStatus::kNonTrimmed: return 1;
    case BlockStatus::kNonScraped: return 2;
    case BlockStatus::kBadSector: return 3;
    case BlockStatus::kFinished: return 4;
  }
  return -1;
}

bool is_block_status(char c) { return status_index(static_cast<BlockStatus>(c)) >= 0; }

bool is_phase(char c) {
  switch (static_cast<Phase>(c)) {
    case Phase::kCopying:
    case Phase::kTrimming:
    case Phase::kScraping:
    case Phase::kRetrying:
    case Phase::kFilling:
    case Phase::kGenerating:
    case Phase::kFinished: return true;
  }
  return false;
}

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
  return static_cast<std::uint8_t>(1u << status_index(s));
}

void check_status(BlockStatus s) {
  if (status_index(s) < 0)
    throw std::invalid_argument(fmt::format("invalid block status {:#04x}",
                                            static_cast<unsigned char>(s)));
}

// ---- parsing ----------------------------------------------------------------

// The separators ddrescue skips (isspace); '\n' never reaches here.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Splits a line into whitespace-separated fields. A '#' that starts a field
// starts a comment (ddrescue treats '#' as a comment only at the start of a
// line or after whitespace; glued to a field it is part of it). Returns the
// number of fields, at most out.size() (more fields are not looked at).
template <std::size_t N>
std::size_t split_fields(std::string_view line, std::array<std::string_view, N>& out) {
  // Raw pointers: this runs for every line, and a debug build does not inline.
  const char* p = line.data();
  const char* const end = p + line.size();
  std::size_t n = 0;
  while (n < N) {
    while (p != end && is_blank(*p)) ++p;
    if (p == end || *p == '#') break;
    const char* const start = p;
    while (p != end && !is_blank(*p)) ++p;
    out[n++] = std::string_view(start, static_cast<std::size_t>(p - start));
  }
  return n;
}

// A field as it may appear in an error message: printable and short.
std::string quoted(std::string_view field) {
  std::string s = "'";
  for (std::size_t i = 0; i < field.size() && i < 24; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    s += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (field.size() > 24) s += "...";
  return s + "'";
}

// A position or size as ddrescue reads it (strtoll with base 0): "0x"/"0X"
// then hex, a leading 0 then octal, else decimal. Signs are refused: a
// negative value is never valid and ddrescue never writes a '+'.
std::int64_t parse_number(std::string_view field, int line, const char* what) {
  if (field.front() == '-')
    throw MapFileError(line, fmt::format("negative {} {}", what, quoted(field)));
  int base = 10;
  std::string_view digits = field;
  if (field.size() > 1 && field[0] == '0' && (field[1] == 'x' || field[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  } else if (field.size() > 1 && field[0] == '0') {
    base = 8;
    digits.remove_prefix(1);
  }
  // from_chars would accept a '-' of its own; digits must start with a digit.
  std::int64_t value = 0;
  const bool starts_with_digit =
      !digits.empty() && std::isxdigit(static_cast<unsigned char>(digits.front()));
  const auto [end, ec] =
      starts_with_digit ? std::from_chars(digits.data(), digits.data() + digits.size(), value, base)
                        : std::from_chars_result{digits.data(), std::errc::invalid_argument};
  if (ec == std::errc::result_out_of_range)
    throw MapFileError(line, fmt::format("{} {} out of range", what, quoted(field)));
  if (ec != std::errc() || end != digits.data() + digits.size())
    throw MapFileError(line, fmt::format("bad {} {}", what, quoted(field)));
  return value;
}

// The pass field, read like ddrescue's "%d": decimal only.
int parse_pass(std::string_view field, int line) {
  int value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value, 10);
  if (ec == std::errc::result_out_of_range)
    throw MapFileError(line, fmt::format("pass {} out of range", quoted(field)));
  if (ec != std::errc() || end != field.data() + field.size())
    throw MapFileError(line, fmt::format("bad pass {}", quoted(field)));
  if (value < 1) throw MapFileError(line, fmt::format("pass {} is less than 1", value));
  return value;
}

// ---- the fast path for block lines -------------------------------------------
//
// Nearly every line of a big mapfile is a block line as ddrescue writes it:
// "0x" + hex, blanks, "0x" + hex, blanks, status char, '\n'. These are parsed
// here without splitting the line first, eight hex digits at a time (SWAR: the
// eight bytes of a 64-bit word checked and converted together). Any other
// form (decimal, octal, signs, 16 or more digits, comments, missing fields)
// makes the fast path give up on the line, which then goes through the
// general parser: it reads it, or names what is wrong, exactly as before.

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

// ---- writing ------------------------------------------------------------------

// The 8 upper-case hex digits of a 32-bit value, most significant first.
inline void put_hex8(char* out, std::uint32_t value) {
  // One nibble per byte, the least significant in the low byte...
  std::uint64_t x = value;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFF;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FF;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0F;
  // ...as ASCII ('A' is 7 past '9' + 1), then in printing order.
  const std::uint64_t letter = ((x + 0x06 * kOnes) >> 4) & kOnes;  // nibble >= 10
  x = __builtin_bswap64(x + 0x30 * kOnes + letter * 7);
  std::memcpy(out, &x, sizeof x);
}

// Appends printf's "0x%08llX" of a non-negative value. Hand-written because it
// runs twice per block: a million-block map is serialized several times faster
// than through a general formatter.
char* put_hex(char* out, std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  *out++ = '0';
  *out++ = 'x';
  if (v >> 32 != 0) {
    // The digits above the low 8, without leading zeros (at most 8 more).
    char high[8];
    put_hex8(high, static_cast<std::uint32_t>(v >> 32));
    const int skip = std::countl_zero(static_cast<std::uint32_t>(v >> 32)) / 4;
    std::memcpy(out, high + skip, static_cast<std::size_t>(8 - skip));
    out += 8 - skip;
  }
  put_hex8(out, static_cast<std::uint32_t>(v));
  return out + 8;
}

std::uint8_t mask_of(const std::array<std::uint32_t, 5>& count) {
  std::uint8_t m = 0;
  for (std::size_t k = 0; k < count.size(); ++k)
    if (count[k] != 0) m = static_cast<std::uint8_t>(m | (1u << k));
  return m;
}

}  // namespace

MapFileError::MapFileError(int line, const std::string& reason)
    : std::runtime_error(fmt::format("line {}: {}", line, reason)), line_(line) {}

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
  ++ch.count[static_cast<std::size_t>(status_index(status))];
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
      --ch.count[static_cast<std::size_t>(status_index(ch.status[j]))];
    const std::size_t tail = ch.size - first.i - count;
    if (with_count != count) {
      std::memmove(&ch.pos[first.i + with_count], &ch.pos[first.i + count], tail * sizeof ch.pos[0]);
      std::memmove(&ch.status[first.i + with_count], &ch.status[first.i + count], tail * sizeof ch.status[0]);
    }
    for (std::size_t k = 0; k < with_count; ++k) {
      ch.pos[first.i + k] = with[k].pos;
      ch.status[first.i + k] = with[k].status;
      ++ch.count[static_cast<std::size_t>(status_index(with[k].status))];
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
      for (std::size_t j = i; j < i + n; ++j) --ch.count[static_cast<std::size_t>(status_index(ch.status[j]))];
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
    ++ch.count[static_cast<std::size_t>(status_index(with[k].status))];
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
    const auto k = static_cast<std::size_t>(status_index(next->status[j]));
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
      const int s = status_index(ch.status[i]);
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

// ---- the file format --------------------------------------------------------

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
      --first.count[static_cast<std::size_t>(status_index(first.status[0]))];
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
  t.non_tried = bytes_[static_cast<std::size_t>(status_index(BlockStatus::kNonTried))];
  t.non_trimmed = bytes_[static_cast<std::size_t>(status_index(BlockStatus::kNonTrimmed))];
  t.non_scraped = bytes_[static_cast<std::size_t>(status_index(BlockStatus::kNonScraped))];
  t.bad_sector = bytes_[static_cast<std::size_t>(status_index(BlockStatus::kBadSector))];
  t.finished = bytes_[static_cast<std::size_t>(status_index(BlockStatus::kFinished))];
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
  const auto k = static_cast<std::size_t>(status_index(status));
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
  std::array<std::string_view, 4> f;  // one more than any line may hold
  const std::size_t n = split_fields(line, f);
  if (n == 0) return;  // blank or comment

  if (!have_status_line_) {
    if (n < 2) throw MapFileError(line_no_, "bad status line: expected 'pos phase [pass]'");
    if (n > 3) throw MapFileError(line_no_, "trailing junk after status line");
    MapCursor c;
    c.pos = parse_number(f[0], line_no_, "current position");
    if (f[1].size() != 1 || !is_phase(f[1][0]))
      throw MapFileError(line_no_, fmt::format("unknown phase {}", quoted(f[1])));
    c.phase = static_cast<Phase>(f[1][0]);
    c.pass = n == 3 ? parse_pass(f[2], line_no_) : 1;
    map_.cursor_ = c;
    have_status_line_ = true;
    return;
  }

  if (n < 3) throw MapFileError(line_no_, "incomplete block line: expected 'pos size status'");
  if (n > 3) throw MapFileError(line_no_, "trailing junk after block");
  const std::int64_t pos = parse_number(f[0], line_no_, "position");
  const std::int64_t size = parse_number(f[1], line_no_, "size");
  if (f[2].size() != 1 || !is_block_status(f[2][0]))
    throw MapFileError(line_no_, fmt::format("unknown block status {}", quoted(f[2])));
  add_block(pos, size, static_cast<BlockStatus>(f[2][0]));
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

MapFile MapFile::parse(std::string_view text) {
  Parser parser;
  parser.feed_whole(text);
  return parser.finish();
}

std::string MapFile::serialize(const std::vector<std::string>& comments) const {
  if (cursor_.pos < 0 || cursor_.pass < 1 || !is_phase(static_cast<char>(cursor_.phase)))
    throw std::invalid_argument(fmt::format("cannot write an invalid cursor (pos {}, pass {})",
                                            cursor_.pos, cursor_.pass));
  std::size_t comment_bytes = 0;
  for (const auto& c : comments) comment_bytes += c.size() + 8;
  std::string out;
  // A block line is 24 bytes with 8-digit numbers; 32 leaves room for more.
  out.reserve(comment_bytes + 160 + 32 * std::max<std::size_t>(block_count_, 1));
  auto sink = std::back_inserter(out);

  // A comment with line breaks becomes several comment lines, so that no
  // caller's text can end up read as a status or block line.
  for (const auto& c : comments) {
    std::string_view rest = c;
    while (true) {
      const std::size_t nl = rest.find('\n');
      out += "# ";
      out += rest.substr(0, nl);
      out += '\n';
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  // Layout of ddrescue 1.27's Mapfile::write_mapfile: "0x%08llX     %c
  // %d" for the status line, "0x%08llX  0x%08llX  %c" for each block.
  out += "# current_pos  current_status  current_pass\n";
  fmt::format_to(sink, "0x{:08X}     {}               {}\n", cursor_.pos,
                 static_cast<char>(cursor_.phase), cursor_.pass);
  out += "#      pos        size  status\n";
  if (chunks_.empty()) {
    out += "0x00000000  0x00000000  ?\n";  // what ddrescue writes for an empty input
    return out;
  }
  for_each([&out](const MapBlock& b) {
    char line[48];  // "0x" + 16 digits, twice, plus separators: at most 42
    char* p = put_hex(line, b.pos);
    *p++ = ' ';
    *p++ = ' ';
    p = put_hex(p, b.size);
    *p++ = ' ';
    *p++ = ' ';
    *p++ = static_cast<char>(b.status);
    *p++ = '\n';
    out.append(line, p);
  });
  return out;
}

}  // namespace ptrescue
