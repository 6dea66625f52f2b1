#include "src/mapfile.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace ptrescue {

namespace {

constexpr std::int64_t kMaxPos = std::numeric_limits<std::int64_t>::max();

// Index into MapFile::starts_; -1 for a char that is no block status.
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

// ---- writing ------------------------------------------------------------------

// Appends printf's "0x%08llX" of a non-negative value. Hand-written because it
// runs twice per block: a million-block map is serialized several times faster
// than through a general formatter.
char* put_hex(char* out, std::int64_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  auto v = static_cast<std::uint64_t>(value);
  int n = 8;
  while (n < 16 && (v >> (4 * n)) != 0) ++n;
  *out++ = '0';
  *out++ = 'x';
  for (int i = n - 1; i >= 0; --i) *out++ = kDigits[(v >> (4 * i)) & 0xF];
  return out;
}

}  // namespace

MapFileError::MapFileError(int line, const std::string& reason)
    : std::runtime_error(fmt::format("line {}: {}", line, reason)), line_(line) {}

MapFile::MapFile(std::int64_t size) {
  if (size < 0) throw std::invalid_argument(fmt::format("negative map size {}", size));
  if (size > 0) insert_node(blocks_.end(), 0, size, BlockStatus::kNonTried);
}

// ---- node bookkeeping -------------------------------------------------------

MapFile::Blocks::iterator MapFile::insert_node(Blocks::const_iterator hint, std::int64_t pos,
                                               std::int64_t end, BlockStatus status) {
  auto it = blocks_.emplace_hint(hint, pos, Node{end, status});
  auto& starts = starts_[status_index(status)];
  // Appending is the common case (parsing, extend_to): use the end hint there.
  if (starts.empty() || *starts.rbegin() < pos)
    starts.emplace_hint(starts.end(), pos);
  else
    starts.insert(pos);
  bytes_of(totals_, status) += end - pos;
  if (status == BlockStatus::kBadSector) ++totals_.bad_areas;
  return it;
}

MapFile::Blocks::iterator MapFile::erase_node(Blocks::iterator it) {
  const BlockStatus status = it->second.status;
  starts_[status_index(status)].erase(it->first);
  bytes_of(totals_, status) -= it->second.end - it->first;
  if (status == BlockStatus::kBadSector) --totals_.bad_areas;
  return blocks_.erase(it);
}

// Makes `pos` a block boundary; returns the block starting there (end() if
// pos == end_pos()). pos must lie within [begin_pos, end_pos].
MapFile::Blocks::iterator MapFile::split_at(std::int64_t pos) {
  auto it = blocks_.upper_bound(pos);
  if (it == blocks_.begin()) return it;
  auto prev = std::prev(it);
  if (prev->first == pos) return prev;
  if (prev->second.end <= pos) return it;  // pos == end_pos()
  const std::int64_t old_end = prev->second.end;
  // One '-' node becomes two: insert_node counts the second.
  bytes_of(totals_, prev->second.status) -= old_end - pos;
  prev->second.end = pos;
  return insert_node(it, pos, old_end, prev->second.status);
}

// Absorbs the next block, which must have the same status, into `it`.
void MapFile::merge_with_next(Blocks::iterator it) {
  auto next = std::next(it);
  const std::int64_t new_end = next->second.end;
  erase_node(next);
  bytes_of(totals_, it->second.status) += new_end - it->second.end;
  it->second.end = new_end;
}

// ---- queries and updates ----------------------------------------------------

std::int64_t MapFile::begin_pos() const { return blocks_.empty() ? 0 : blocks_.begin()->first; }

std::int64_t MapFile::end_pos() const {
  return blocks_.empty() ? 0 : blocks_.rbegin()->second.end;
}

void MapFile::set_status(std::int64_t pos, std::int64_t size, BlockStatus status) {
  check_status(status);
  if (size < 0 || pos < begin_pos() || pos > end_pos() || size > end_pos() - pos)
    throw std::out_of_range(fmt::format("set_status [{}, +{}) outside the map [{}, {})", pos,
                                        size, begin_pos(), end_pos()));
  if (size == 0) return;
  const std::int64_t end = pos + size;

  // Already so (the common case of re-marking): nothing to split or merge.
  auto holder = std::prev(blocks_.upper_bound(pos));
  if (holder->second.status == status && holder->second.end >= end) return;

  auto first = split_at(pos);
  auto last = split_at(end);
  while (first != last) first = erase_node(first);
  auto it = insert_node(last, pos, end, status);

  // The map is contiguous, so a neighbour of the same status always touches.
  if (last != blocks_.end() && last->second.status == status) merge_with_next(it);
  if (it != blocks_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.status == status) merge_with_next(prev);
  }
}

void MapFile::extend_to(std::int64_t new_end) {
  if (new_end <= end_pos()) return;
  if (blocks_.empty()) {
    insert_node(blocks_.end(), 0, new_end, BlockStatus::kNonTried);
    return;
  }
  auto last = std::prev(blocks_.end());
  if (last->second.status == BlockStatus::kNonTried) {
    totals_.non_tried += new_end - last->second.end;
    last->second.end = new_end;
  } else {
    insert_node(blocks_.end(), last->second.end, new_end, BlockStatus::kNonTried);
  }
}

BlockStatus MapFile::status_at(std::int64_t pos) const { return block_at(pos).status; }

MapBlock MapFile::block_at(std::int64_t pos) const {
  if (pos < begin_pos() || pos >= end_pos())
    throw std::out_of_range(
        fmt::format("position {} outside the map [{}, {})", pos, begin_pos(), end_pos()));
  const auto it = std::prev(blocks_.upper_bound(pos));
  return MapBlock{it->first, it->second.end - it->first, it->second.status};
}

std::optional<Extent> MapFile::find_forward(std::int64_t from, BlockStatus status) const {
  check_status(status);
  from = std::max(from, begin_pos());
  if (from >= end_pos()) return std::nullopt;
  const auto& starts = starts_[status_index(status)];
  // The run holding `from`, if it has this status, else the next such run.
  auto s = starts.upper_bound(from);
  if (s != starts.begin()) {
    const std::int64_t start = *std::prev(s);
    const std::int64_t end = blocks_.find(start)->second.end;
    if (end > from) return Extent{from, end - from};
  }
  if (s == starts.end()) return std::nullopt;
  return Extent{*s, blocks_.find(*s)->second.end - *s};
}

std::optional<Extent> MapFile::find_backward(std::int64_t before, BlockStatus status) const {
  check_status(status);
  before = std::min(before, end_pos());
  if (before <= begin_pos()) return std::nullopt;
  const auto& starts = starts_[status_index(status)];
  auto s = starts.lower_bound(before);
  if (s == starts.begin()) return std::nullopt;
  const std::int64_t start = *std::prev(s);
  const std::int64_t end = std::min(blocks_.find(start)->second.end, before);
  return Extent{start, end - start};
}

std::vector<MapBlock> MapFile::blocks() const {
  std::vector<MapBlock> out;
  out.reserve(blocks_.size());
  for_each([&out](const MapBlock& b) { out.push_back(b); });
  return out;
}

// ---- the file format --------------------------------------------------------

MapFile MapFile::parse(std::string_view text) {
  MapFile map;
  bool have_status_line = false;
  int zero_block_line = 0;      // the line of a lone "0 0 ?" block (an empty map)
  std::int64_t last_pos = -1;   // the previous block line's extent, as written
  std::int64_t last_end = -1;
  int line_no = 0;
  std::array<std::string_view, 4> f;  // one more than any line may hold

  for (std::size_t i = 0; i < text.size();) {
    std::size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    ++line_no;
    const std::size_t n = split_fields(line, f);
    if (n == 0) continue;  // blank or comment

    if (!have_status_line) {
      if (n < 2) throw MapFileError(line_no, "bad status line: expected 'pos phase [pass]'");
      if (n > 3) throw MapFileError(line_no, "trailing junk after status line");
      MapCursor c;
      c.pos = parse_number(f[0], line_no, "current position");
      if (f[1].size() != 1 || !is_phase(f[1][0]))
        throw MapFileError(line_no, fmt::format("unknown phase {}", quoted(f[1])));
      c.phase = static_cast<Phase>(f[1][0]);
      c.pass = n == 3 ? parse_pass(f[2], line_no) : 1;
      map.cursor_ = c;
      have_status_line = true;
      continue;
    }

    if (n < 3) throw MapFileError(line_no, "incomplete block line: expected 'pos size status'");
    if (n > 3) throw MapFileError(line_no, "trailing junk after block");
    const std::int64_t pos = parse_number(f[0], line_no, "position");
    const std::int64_t size = parse_number(f[1], line_no, "size");
    if (f[2].size() != 1 || !is_block_status(f[2][0]))
      throw MapFileError(line_no, fmt::format("unknown block status {}", quoted(f[2])));
    const auto status = static_cast<BlockStatus>(f[2][0]);
    if (size > kMaxPos - pos)
      throw MapFileError(line_no, "block end past the largest 64-bit position");
    if (zero_block_line != 0)
      throw MapFileError(line_no, fmt::format("block after the zero-size block of line {}",
                                              zero_block_line));
    if (size == 0) {
      // ddrescue writes "0x00000000  0x00000000  ?" for an empty input and
      // accepts a zero size only at position 0.
      if (pos != 0 || last_end >= 0) throw MapFileError(line_no, "zero-size block");
      zero_block_line = line_no;
      continue;
    }
    if (last_end >= 0 && pos != last_end) {
      if (pos < last_pos) throw MapFileError(line_no, "block out of order");
      if (pos < last_end) throw MapFileError(line_no, "block overlaps the previous block");
      throw MapFileError(line_no, fmt::format("gap before block: the previous block ends at 0x{:X}",
                                              last_end));
    }
    last_pos = pos;
    last_end = pos + size;

    // ddrescue may write neighbours of equal status; we keep them merged.
    if (!map.blocks_.empty()) {
      auto back = std::prev(map.blocks_.end());
      if (back->second.status == status) {
        bytes_of(map.totals_, status) += size;
        back->second.end = last_end;
        continue;
      }
    }
    map.insert_node(map.blocks_.end(), pos, last_end, status);
  }
  if (!have_status_line) throw MapFileError(std::max(line_no, 1), "missing status line");
  return map;
}

std::string MapFile::serialize(const std::vector<std::string>& comments) const {
  if (cursor_.pos < 0 || cursor_.pass < 1 || !is_phase(static_cast<char>(cursor_.phase)))
    throw std::invalid_argument(fmt::format("cannot write an invalid cursor (pos {}, pass {})",
                                            cursor_.pos, cursor_.pass));
  std::size_t comment_bytes = 0;
  for (const auto& c : comments) comment_bytes += c.size() + 8;
  std::string out;
  // A block line is 24 bytes with 8-digit numbers; 32 leaves room for more.
  out.reserve(comment_bytes + 160 + 32 * std::max<std::size_t>(blocks_.size(), 1));
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
  if (blocks_.empty()) {
    out += "0x00000000  0x00000000  ?\n";  // what ddrescue writes for an empty input
    return out;
  }
  for (const auto& [pos, node] : blocks_) {
    char line[48];  // "0x" + 16 digits, twice, plus separators: at most 42
    char* p = put_hex(line, pos);
    *p++ = ' ';
    *p++ = ' ';
    p = put_hex(p, node.end - pos);
    *p++ = ' ';
    *p++ = ' ';
    *p++ = static_cast<char>(node.status);
    *p++ = '\n';
    out.append(line, p);
  }
  return out;
}

}  // namespace ptrescue
