// SPDX-License-Identifier: GPL-3.0-or-later
// The text format of GNU ddrescue's mapfile (ddrescue manual, "Mapfile
// structure"): reading one line's fields, the status line and a block line
// for the parser's slow path, MapFile::parse, and MapFile::serialize in
// ddrescue's own layout.
#include "src/mapfile/mapfile_text.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "src/mapfile/block_status_index.h"

namespace ptrescue {

namespace {

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

constexpr std::uint64_t kOnes = 0x0101010101010101;

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

}  // namespace

MapFileError::MapFileError(int line, const std::string& reason)
    : std::runtime_error(fmt::format("line {}: {}", line, reason)), line_(line) {}

MapLineFields split_fields(std::string_view line) {
  // Raw pointers: this runs for every line the fast path leaves, and a debug
  // build does not inline.
  MapLineFields out;
  const char* p = line.data();
  const char* const end = p + line.size();
  while (out.count < out.field.size()) {
    while (p != end && is_blank(*p)) ++p;
    if (p == end || *p == '#') break;
    const char* const start = p;
    while (p != end && !is_blank(*p)) ++p;
    out.field[out.count++] = std::string_view(start, static_cast<std::size_t>(p - start));
  }
  return out;
}

MapCursor read_status_line(const MapLineFields& f, int line) {
  if (f.count < 2) throw MapFileError(line, "bad status line: expected 'pos phase [pass]'");
  if (f.count > 3) throw MapFileError(line, "trailing junk after status line");
  MapCursor c;
  c.pos = parse_number(f.field[0], line, "current position");
  if (f.field[1].size() != 1 || !is_phase(f.field[1][0]))
    throw MapFileError(line, fmt::format("unknown phase {}", quoted(f.field[1])));
  c.phase = static_cast<Phase>(f.field[1][0]);
  c.pass = f.count == 3 ? parse_pass(f.field[2], line) : 1;
  return c;
}

MapBlock read_block_line(const MapLineFields& f, int line) {
  if (f.count < 3) throw MapFileError(line, "incomplete block line: expected 'pos size status'");
  if (f.count > 3) throw MapFileError(line, "trailing junk after block");
  MapBlock b;
  b.pos = parse_number(f.field[0], line, "position");
  b.size = parse_number(f.field[1], line, "size");
  if (f.field[2].size() != 1 || !is_block_status(f.field[2][0]))
    throw MapFileError(line, fmt::format("unknown block status {}", quoted(f.field[2])));
  b.status = static_cast<BlockStatus>(f.field[2][0]);
  return b;
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
