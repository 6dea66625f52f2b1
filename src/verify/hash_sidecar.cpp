// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/hash_sidecar.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/text_file.h"

namespace ptrescue {
namespace {

constexpr std::string_view kFormat = "ptrescue-hash 1";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::int64_t to_int(std::string_view v, int line, std::string_view key) {
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size())
    throw std::runtime_error(fmt::format("line {}: bad number '{}' for {}", line, v, key));
  return n;
}

/// A value on one line: control characters (a newline in a path) become '?'.
std::string one_line(std::string_view v) {
  std::string s(v);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return s;
}

}  // namespace

std::string hash_sidecar_path(const std::string& mapfile) { return mapfile + ".hash"; }

std::string format_hash_record(const HashRecord& r) {
  std::string s = fmt::format(
      "# ptrescue hash sidecar: hashes of the image (see docs/REPORT.md)\n"
      "format: {}\nimage: {}\nfirst_byte: {}\nbytes: {}\nmethod: {}\ncomplete: {}\n"
      "unrescued_bytes: {}\nunrescued_content: {}\n",
      kFormat, one_line(r.image), r.first_byte, r.bytes, one_line(r.method), r.complete ? "yes" : "no",
      r.unrescued_bytes, r.unrescued_content.empty() ? "none" : one_line(r.unrescued_content));
  if (r.rescued_in_map >= 0) s += fmt::format("rescued_in_map: {}\n", r.rescued_in_map);
  if (!r.time.empty()) s += fmt::format("time: {}\n", one_line(r.time));
  for (const HashValue& v : r.values) s += fmt::format("{}: {}\n", hash_name(v.algorithm), v.hex);
  return s;
}

HashRecord parse_hash_record(std::string_view text) {
  HashRecord r;
  bool format_seen = false, bytes_seen = false;
  int line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      throw std::runtime_error(fmt::format("line {}: expected 'key: value'", line_no));
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "format") {
      if (value != kFormat)
        throw std::runtime_error(fmt::format("line {}: unknown format '{}'", line_no, value));
      format_seen = true;
    } else if (key == "image") r.image = value;
    else if (key == "first_byte") r.first_byte = to_int(value, line_no, key);
    else if (key == "bytes") {
      r.bytes = to_int(value, line_no, key);
      bytes_seen = true;
    } else if (key == "method") r.method = value;
    else if (key == "complete") {
      if (value != "yes" && value != "no")
        throw std::runtime_error(fmt::format("line {}: complete must be yes or no", line_no));
      r.complete = value == "yes";
    } else if (key == "unrescued_bytes") r.unrescued_bytes = to_int(value, line_no, key);
    else if (key == "unrescued_content") r.unrescued_content = value;
    else if (key == "rescued_in_map") r.rescued_in_map = to_int(value, line_no, key);
    else if (key == "time") r.time = value;
    else if (key == "md5" || key == "sha1" || key == "sha256") {
      const auto algos = parse_hash_list(key);
      r.values.push_back(HashValue{algos.front(), std::string(value)});
    }
    // Unknown keys are skipped: a later version may add some.
  }
  if (!format_seen) throw std::runtime_error("missing 'format: ptrescue-hash 1' line");
  if (!bytes_seen) throw std::runtime_error("missing 'bytes:' line");
  return r;
}

void write_hash_sidecar(const std::string& path, const HashRecord& r) {
  replace_file_durably(path, format_hash_record(r), 0644);
}

std::optional<HashRecord> read_hash_sidecar(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
  const std::string text = read_whole_file(path);
  try {
    return parse_hash_record(text);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace ptrescue
