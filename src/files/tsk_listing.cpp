// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/files/tsk_listing.h"

#include <charconv>

namespace ptrescue {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The integer at the start of `s` (after spaces); nullopt if none.
std::optional<std::int64_t> leading_number(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

// "  Starting address: 1317, length: 733" (istat -r); nullopt for other lines.
std::optional<BlockRun> run_of(std::string_view line) {
  line = trim(line);
  constexpr std::string_view kStart = "Starting address:";
  if (!starts_with(line, kStart)) return std::nullopt;
  line.remove_prefix(kStart.size());
  const auto start = leading_number(line);
  const auto comma = line.find("length:");
  if (!start || comma == std::string_view::npos) return std::nullopt;
  const auto length = leading_number(line.substr(comma + 7));
  if (!length || *length <= 0) return std::nullopt;
  return BlockRun{*start, *length, line.find("Sparse") != std::string_view::npos ||
                                       line.find("sparse") != std::string_view::npos};
}

// "128-2" of "65-128-2": the attribute part of an NTFS entry id.
std::string_view attribute_of(std::string_view id) {
  const auto dash = id.find('-');
  return dash == std::string_view::npos ? std::string_view() : id.substr(dash + 1);
}

// NTFS attribute line "Type: $DATA (128-2)   Name: N/A   Non-Resident   size: 100000 ...":
// its "(T-I)" and its size.
struct AttributeLine {
  std::string_view type_id;
  std::int64_t size = 0;
};
std::optional<AttributeLine> attribute_line(std::string_view line) {
  if (!starts_with(line, "Type: ")) return std::nullopt;
  const auto open = line.find('('), close = line.find(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  AttributeLine a{line.substr(open + 1, close - open - 1)};
  if (const auto s = line.find("size: "); s != std::string_view::npos) a.size = leading_number(line.substr(s + 6)).value_or(0);
  return a;
}

}  // namespace

std::vector<FsEntry> parse_fls(std::string_view text) {
  std::vector<FsEntry> out;
  for (std::string_view line : lines_of(text)) {
    // "r/r 14:\tdir/big.bin", "r/r * 17(realloc):\tgone.txt", "d/d 64-144-2:\tdir"
    const auto tab = line.find(":\t");
    if (tab == std::string_view::npos || line.size() < 4 || line[1] != '/') continue;
    std::string_view head = line.substr(0, tab);
    const char type = line[2] != '-' ? line[2] : line[0];
    if (type == 'v' || type == 'V') continue;
    head.remove_prefix(3);
    head = trim(head);
    if (starts_with(head, "*")) continue;  // deleted
    const auto paren = head.find('(');
    FsEntry e{type, std::string(trim(head.substr(0, paren))), std::string(line.substr(tab + 2))};
    if (e.id.empty() || e.path.empty()) continue;
    out.push_back(std::move(e));
  }
  return out;
}

InodeLayout parse_istat(std::string_view text, std::string_view id) {
  InodeLayout layout;
  const std::string_view wanted = attribute_of(id);
  const bool ntfs_directory = starts_with(wanted, "144-");
  bool in_data = false;      // the current section holds the content
  bool other_stream = false; // NTFS: another $DATA stream, a name of its own
  bool seen_section = false;
  for (std::string_view raw : lines_of(text)) {
    const std::string_view line = trim(raw);
    if (const auto attr = attribute_line(line)) {
      seen_section = true;
      in_data = attr->type_id == wanted || (ntfs_directory && starts_with(attr->type_id, "160-"));
      other_stream = !in_data && starts_with(attr->type_id, "128-");
      if (attr->type_id == wanted) layout.size = attr->size;
      if (ntfs_directory && starts_with(attr->type_id, "160-")) layout.size = attr->size;
      continue;
    }
    if ((starts_with(line, "size: ") || starts_with(line, "Size: ")) && wanted.empty()) {  // ext; FAT
      layout.size = leading_number(line.substr(6)).value_or(0);
      continue;
    }
    if (!line.empty() && line.back() == ':' && !starts_with(line, "Starting")) {
      // "Direct Blocks:", "Indirect Blocks:", "Sectors:", "Attributes:" ...
      seen_section = true;
      in_data = line == "Direct Blocks:" || line == "Sectors:";
      other_stream = false;
      continue;
    }
    if (const auto run = run_of(line)) {
      if (!seen_section || other_stream) continue;
      (in_data ? layout.data : layout.metadata).push_back(*run);
    }
  }
  return layout;
}

std::optional<std::int64_t> fsstat_number(std::string_view text, std::string_view name) {
  for (std::string_view raw : lines_of(text)) {
    const std::string_view line = trim(raw);
    if (!starts_with(line, name) || line.size() <= name.size() || line[name.size()] != ':') continue;
    return leading_number(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

std::vector<std::int64_t> fsstat_inode_tables(std::string_view text) {
  std::vector<std::int64_t> out;
  for (std::string_view raw : lines_of(text)) {
    const std::string_view line = trim(raw);
    constexpr std::string_view kTable = "Inode Table:";
    if (!starts_with(line, kTable)) continue;
    if (const auto first = leading_number(line.substr(kTable.size()))) out.push_back(*first);
  }
  return out;
}

}  // namespace ptrescue
