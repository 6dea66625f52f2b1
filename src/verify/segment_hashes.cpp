// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/segment_hashes.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/progress_line.h"
#include "base/text_file.h"
#include "base/unique_fd.h"
#include "base/units.h"
#include "src/verify/message_digest.h"
#include "transport/aligned_buffer.h"

namespace ptrescue {
namespace {

constexpr std::string_view kHeader = "start_lba,end_lba,md5,sha256,complete";
constexpr std::int64_t kChunk = 4 << 20;

/// Reads image bytes [pos, pos + n) into `out`; past the file's end, zeros.
void read_image(int fd, const std::string& image, std::int64_t pos, std::size_t n, std::byte* out) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::pread(fd, out + got, n - got, static_cast<off_t>(pos) + static_cast<off_t>(got));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0)
      throw std::runtime_error(fmt::format("cannot read image '{}' at byte {}: {}", image,
                                           pos + static_cast<std::int64_t>(got), std::strerror(errno)));
    if (k == 0) break;
    got += static_cast<std::size_t>(k);
  }
  std::memset(out + got, 0, n - got);
}

UniqueFd open_image(const std::string& image) {
  UniqueFd fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw std::runtime_error(fmt::format("cannot open image '{}': {}", image, std::strerror(errno)));
  return fd;
}

/// The source range hashed: the map's extent within the image.
Extent hashed_range(const MapFile& map, const SegmentPlan& plan) {
  std::int64_t lo = std::max(map.begin_pos(), -plan.output_offset);
  std::int64_t hi = map.end_pos();
  if (plan.image_end >= 0) hi = std::min(hi, plan.image_end - plan.output_offset);
  const std::int64_t ss = plan.sector_size;
  lo = (lo + ss - 1) / ss * ss;
  hi = hi / ss * ss;
  return hi > lo ? Extent{lo, hi - lo} : Extent{lo, 0};
}

/// The rescued runs within `r`, whole sectors only.
std::vector<Extent> rescued_runs(const MapFile& map, const Extent& r, std::int64_t ss) {
  std::vector<Extent> runs;
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const std::int64_t a = (std::max(b.pos, r.pos) + ss - 1) / ss * ss;
    const std::int64_t z = std::min(b.end(), r.end()) / ss * ss;
    if (z <= a) return;
    if (!runs.empty() && runs.back().end() == a) runs.back().size += z - a;  // blocks split by -b rounding
    else runs.push_back({a, z - a});
  });
  return runs;
}

/// Bytes of `e` that `runs` (sorted, disjoint) cover; `i` walks forward.
std::int64_t covered(const std::vector<Extent>& runs, std::size_t& i, const Extent& e) {
  while (i < runs.size() && runs[i].end() <= e.pos) ++i;
  std::int64_t n = 0;
  for (std::size_t j = i; j < runs.size() && runs[j].pos < e.end(); ++j)
    n += std::min(runs[j].end(), e.end()) - std::max(runs[j].pos, e.pos);
  return n;
}

SegmentHash row_of(const Extent& e, std::int64_t ss, MultiDigest& d, bool complete) {
  const auto v = d.finish();
  return SegmentHash{e.pos / ss, e.end() / ss - 1, v[0].hex, v[1].hex, complete};
}

const std::vector<HashAlgorithm> kAlgorithms{HashAlgorithm::kMd5, HashAlgorithm::kSha256};

std::int64_t to_int(std::string_view v, int line, std::string_view what) {
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 0)
    throw std::runtime_error(fmt::format("line {}: bad {} '{}'", line, what, v));
  return n;
}

std::string hex_field(std::string_view v, std::size_t digits, int line, std::string_view what) {
  const bool hex = std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (v.size() != digits || !hex)
    throw std::runtime_error(fmt::format("line {}: {} must be {} lower-case hex digits", line, what, digits));
  return std::string(v);
}

}  // namespace

std::int64_t parse_segment_hash_size(std::string_view text, std::uint32_t sector_size) {
  const std::int64_t n = parse_size_up_to(text, sector_size, "--segment-hash-size", std::int64_t{1} << 50);
  if (n <= 0 || n % sector_size != 0)
    throw UsageError(fmt::format("invalid --segment-hash-size '{}': must be a whole number of {}-byte sectors, above zero",
                                 text, sector_size));
  return n;
}

std::string segment_hashes_path(const std::string& mapfile) { return mapfile + ".hashes"; }

RangeDigest digest_image_range(int fd, const std::string& image, std::int64_t pos, std::int64_t size) {
  MultiDigest d(kAlgorithms);
  AlignedBuffer buf(static_cast<std::size_t>(std::min(kChunk, std::max<std::int64_t>(size, 1))));
  for (std::int64_t p = pos; p < pos + size;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(buf.size()), pos + size - p));
    read_image(fd, image, p, n, buf.data());
    d.update(std::span<const std::byte>(buf.data(), n));
    p += static_cast<std::int64_t>(n);
  }
  const auto v = d.finish();
  return {v[0].hex, v[1].hex};
}

std::int64_t bytes_to_hash_in_segments(const MapFile& map, const SegmentPlan& plan) {
  return hashed_range(map, plan).size;
}

SegmentHashes hash_segments(const std::string& image, const MapFile& map, const SegmentPlan& plan,
                            ProgressLine* progress, const std::atomic<bool>* stop) {
  const std::int64_t ss = plan.sector_size, seg = plan.segment_bytes;
  if (ss <= 0 || seg <= 0 || seg % ss != 0)
    throw std::invalid_argument(fmt::format("segment size {} is not a whole number of {}-byte sectors", seg, ss));
  const Extent range = hashed_range(map, plan);
  const std::vector<Extent> runs = rescued_runs(map, range, ss);
  const UniqueFd fd = open_image(image);
  AlignedBuffer buf(static_cast<std::size_t>(kChunk));
  SegmentHashes out;
  std::vector<SegmentHash> run_rows;
  std::size_t run = 0, cover_index = 0;
  std::optional<MultiDigest> seg_digest, run_digest;
  for (std::int64_t p = range.pos; p < range.end();) {
    if (stop && stop->load()) return SegmentHashes{{}, true};
    const std::int64_t seg_begin = std::max(range.pos, p / seg * seg);
    const std::int64_t seg_end = std::min(range.end(), (p / seg + 1) * seg);
    if (!seg_digest) seg_digest.emplace(kAlgorithms);
    while (run < runs.size() && runs[run].end() <= p) ++run;
    const bool in_run = run < runs.size() && runs[run].pos <= p;
    if (in_run && !run_digest) run_digest.emplace(kAlgorithms);
    // Up to the next boundary of a segment or a run.
    std::int64_t q = std::min({p + kChunk, seg_end});
    if (run < runs.size()) q = std::min(q, in_run ? runs[run].end() : runs[run].pos);
    const auto n = static_cast<std::size_t>(q - p);
    read_image(fd.get(), image, p + plan.output_offset, n, buf.data());
    const std::span<const std::byte> bytes(buf.data(), n);
    seg_digest->update(bytes);
    if (in_run) run_digest->update(bytes);
    p = q;
    if (in_run && p == runs[run].end()) {
      run_rows.push_back(row_of(runs[run], ss, *run_digest, true));
      run_digest.reset();
    }
    if (p == seg_end) {
      const Extent e{seg_begin, seg_end - seg_begin};
      out.rows.push_back(row_of(e, ss, *seg_digest, covered(runs, cover_index, e) == e.size));
      seg_digest.reset();
    }
    if (progress) progress->update(p - range.pos);
  }
  if (progress) progress->finish(range.size);
  out.rows.insert(out.rows.end(), run_rows.begin(), run_rows.end());
  return out;
}

std::string format_segment_csv(const std::vector<SegmentHash>& rows) {
  std::string s(kHeader);
  s += '\n';
  for (const SegmentHash& r : rows)
    s += fmt::format("{},{},{},{},{}\n", r.start_lba, r.end_lba, r.md5, r.sha256, r.complete ? "yes" : "no");
  return s;
}

std::vector<SegmentHash> parse_segment_csv(std::string_view text) {
  std::vector<SegmentHash> rows;
  int line_no = 0;
  bool header_seen = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!header_seen) {
      if (line != kHeader) throw std::runtime_error(fmt::format("line {}: expected the header '{}'", line_no, kHeader));
      header_seen = true;
      continue;
    }
    std::vector<std::string_view> f;
    for (std::size_t start = 0;;) {
      const std::size_t comma = line.find(',', start);
      f.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (f.size() != 5) throw std::runtime_error(fmt::format("line {}: expected 5 fields, found {}", line_no, f.size()));
    SegmentHash r;
    r.start_lba = to_int(f[0], line_no, "start_lba");
    r.end_lba = to_int(f[1], line_no, "end_lba");
    if (r.end_lba < r.start_lba) throw std::runtime_error(fmt::format("line {}: end_lba before start_lba", line_no));
    if (r.end_lba >= (std::int64_t{1} << 62))
      throw std::runtime_error(fmt::format("line {}: end_lba {} is beyond any drive", line_no, r.end_lba));
    r.md5 = hex_field(f[2], 32, line_no, "md5");
    r.sha256 = hex_field(f[3], 64, line_no, "sha256");
    if (f[4] != "yes" && f[4] != "no") throw std::runtime_error(fmt::format("line {}: complete must be yes or no", line_no));
    r.complete = f[4] == "yes";
    rows.push_back(std::move(r));
  }
  if (!header_seen) throw std::runtime_error(fmt::format("empty: expected the header '{}'", kHeader));
  return rows;
}

void write_segment_hashes(const std::string& path, const std::vector<SegmentHash>& rows) {
  replace_file_durably(path, format_segment_csv(rows), 0644);
}

std::vector<SegmentHash> read_segment_hashes(const std::string& path) {
  const std::string text = read_whole_file(path);
  try {
    return parse_segment_csv(text);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace ptrescue
