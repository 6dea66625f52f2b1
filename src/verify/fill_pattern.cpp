// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/fill_pattern.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/progress_line.h"
#include "src/mapfile/status_names.h"
#include "base/units.h"
#include "base/unique_fd.h"

namespace ptrescue {
namespace {

constexpr std::int64_t kChunk = 1 << 20;

bool wanted(const std::vector<BlockStatus>& types, BlockStatus s) {
  return std::find(types.begin(), types.end(), s) != types.end();
}

void write_all(int fd, const std::string& path, std::span<const std::byte> data, std::int64_t pos) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(pos) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(fmt::format("cannot write image '{}' at byte {}: {}", path,
                                           pos + static_cast<std::int64_t>(done),
                                           n < 0 ? std::strerror(errno) : "no progress"));
    done += static_cast<std::size_t>(n);
  }
}

/// Reads up to `size` bytes at `pos` into `out`; returns how many there were
/// (fewer past the end of the image).
std::size_t read_back(int fd, const std::string& path, std::vector<std::byte>& out, std::int64_t pos,
                      std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::pread(fd, out.data() + got, size - got, static_cast<off_t>(pos) + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw std::runtime_error(fmt::format("cannot read image '{}' at byte {}: {}", path,
                                           pos + static_cast<std::int64_t>(got), std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

}  // namespace

std::vector<BlockStatus> parse_fill_types(std::string_view text) {
  if (text.empty()) throw UsageError("invalid fill types: give some of ?*/- (e.g. '-' or '-*/?')");
  std::vector<BlockStatus> out;
  for (char c : text) {
    BlockStatus s;
    switch (c) {
      case '?': s = BlockStatus::kNonTried; break;
      case '*': s = BlockStatus::kNonTrimmed; break;
      case '/': s = BlockStatus::kNonScraped; break;
      case '-': s = BlockStatus::kBadSector; break;
      case '+':
        throw UsageError("invalid fill types: '+' would overwrite rescued data; use some of ?*/-");
      default:
        throw UsageError(fmt::format("invalid fill type '{}': use some of ?*/-", c));
    }
    if (!wanted(out, s)) out.push_back(s);
  }
  return out;
}

void fill_sector_text(std::span<std::byte> sector, std::string_view text, std::uint64_t lba,
                      BlockStatus status) {
  const std::string line = fmt::format("{} at LBA {} ({})\n", text, lba, block_status_name(status));
  for (std::size_t i = 0; i < sector.size(); i += line.size())
    std::memcpy(sector.data() + i, line.data(), std::min(line.size(), sector.size() - i));
}

std::int64_t bytes_to_fill(const MapFile& map, const std::vector<BlockStatus>& types) {
  std::int64_t total = 0;
  map.for_each([&](const MapBlock& b) {
    if (wanted(types, b.status)) total += b.size;
  });
  return total;
}

namespace {

/// A ddrescue image may end before the map's unrescued tail, and filling
/// extends it; but a map reaching far past the image (another drive's, or
/// corrupt) would grow it until the disk is full: refused with the sizes.
void refuse_growth_beyond_free_space(const std::string& image_path, const struct stat& st,
                                     const std::vector<MapBlock>& todo, std::int64_t output_offset) {
  if (!S_ISREG(st.st_mode) || todo.empty()) return;
  std::int64_t beyond = 0;  // bytes to write past the image's end
  for (const MapBlock& b : todo) {
    const std::int64_t from = std::max<std::int64_t>(b.pos + output_offset, st.st_size);
    beyond += std::max<std::int64_t>(0, b.end() + output_offset - from);
  }
  if (beyond == 0) return;
  struct statvfs fs {};
  const std::int64_t room = ::statvfs(image_path.c_str(), &fs) == 0
                                ? static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize)
                                : 0;
  if (beyond > room)
    throw std::runtime_error(fmt::format(
        "the mapfile's areas to fill reach byte {} but image '{}' has only {} bytes, and growing it needs {} "
        "bytes where {} are free: is this the image's mapfile?",
        todo.back().end() + output_offset, image_path, st.st_size, beyond, room));
}

}  // namespace

FillSummary fill_image(const std::string& image_path, const MapFile& map, const FillOptions& options,
                       ProgressLine* progress) {
  if (wanted(options.types, BlockStatus::kFinished))
    throw std::logic_error("fill_image: the finished status is never filled");
  struct stat st {};
  if (::stat(image_path.c_str(), &st) != 0)
    throw std::runtime_error(fmt::format("cannot open image '{}': {}", image_path, std::strerror(errno)));
  if (S_ISBLK(st.st_mode) && !options.allow_block_device)
    throw std::runtime_error(fmt::format(
        "image '{}' is a block device: filling writes to it; use -f to confirm", image_path));
  if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
    throw std::runtime_error(fmt::format("image '{}' is not a regular file or block device", image_path));
  UniqueFd fd(::open(image_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid())
    throw std::runtime_error(fmt::format("cannot open image '{}': {}", image_path, std::strerror(errno)));

  const std::int64_t ss = options.sector_size;
  std::vector<std::byte> buffer(static_cast<std::size_t>(kChunk + 2 * ss));
  std::vector<std::byte> old(static_cast<std::size_t>(kChunk));
  FillSummary summary;
  std::vector<MapBlock> todo;
  map.for_each([&](const MapBlock& b) {
    if (wanted(options.types, b.status) && b.size > 0) todo.push_back(b);
  });
  refuse_growth_beyond_free_space(image_path, st, todo, options.output_offset);
  for (const MapBlock& b : todo) {
    if (b.pos + options.output_offset < 0)
      throw std::runtime_error(fmt::format("fill: block at byte {} lies before the image start", b.pos));
    for (std::int64_t p = b.pos; p < b.end();) {
      const std::int64_t q = std::min(b.end(), p + kChunk);
      // Whole sectors covering [p, q), then only the bytes of [p, q) written:
      // a block that is not sector aligned never spills into its neighbours.
      const std::int64_t first = p / ss;
      const std::int64_t last = (q + ss - 1) / ss;
      for (std::int64_t lba = first; lba < last; ++lba)
        fill_sector_text(std::span<std::byte>(buffer).subspan(static_cast<std::size_t>((lba - first) * ss),
                                                              static_cast<std::size_t>(ss)),
                         options.text, static_cast<std::uint64_t>(lba), b.status);
      const auto fill = std::span<const std::byte>(buffer).subspan(static_cast<std::size_t>(p - first * ss),
                                                                    static_cast<std::size_t>(q - p));
      // Read what is there first: a second run over a filled image writes nothing.
      const std::size_t same = read_back(fd.get(), image_path, old, p + options.output_offset, fill.size());
      if (same < fill.size() || std::memcmp(old.data(), fill.data(), fill.size()) != 0) {
        write_all(fd.get(), image_path, fill, p + options.output_offset);
        summary.changed += q - p;
      }
      summary.bytes += q - p;
      if (progress) progress->update(summary.bytes);
      p = q;
    }
    ++summary.areas;
  }
  if (summary.changed > 0 && ::fsync(fd.get()) != 0)
    throw std::runtime_error(fmt::format("cannot sync image '{}': {}", image_path, std::strerror(errno)));
  if (progress) progress->finish(summary.bytes);
  return summary;
}

}  // namespace ptrescue
