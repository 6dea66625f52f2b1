// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/ddrescue_modes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "base/timestamp.h"
#include "base/unique_fd.h"
#include "src/cli/ddrescue_syntax.h"
#include "src/cli/exit_codes.h"
#include "src/mapfile/mapfile_store.h"

namespace ptrescue {
namespace {

UniqueFd open_file(const std::string& path, int flags, std::string_view what) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw std::runtime_error(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
  return fd;
}

std::int64_t size_of(int fd) {
  const off_t end = ::lseek(fd, 0, SEEK_END);
  return end < 0 ? 0 : static_cast<std::int64_t>(end);
}

std::int64_t sector_bytes(const RescueCommandLine& cl) { return cl.sector_size != 0 ? cl.sector_size : 512; }

/// [first byte, end) of the source that -i and -s select, within `limit`.
Extent selected_range(const RescueCommandLine& cl, std::int64_t limit) {
  const std::int64_t ss = sector_bytes(cl);
  const std::int64_t ipos = parse_ddrescue_number(cl.input_position, ss, "--input-position", 0);
  std::int64_t end = limit;
  if (!cl.size.empty() && !cl.ddrescue.size_of_output) {
    const std::int64_t size = parse_ddrescue_number(cl.size, ss, "--size", -1);
    if (size >= 0) end = std::min(end, ipos + size);
  }
  return Extent{ipos, std::max<std::int64_t>(0, end - ipos)};
}

std::int64_t output_offset(const RescueCommandLine& cl) {
  const std::int64_t ss = sector_bytes(cl);
  const std::int64_t ipos = parse_ddrescue_number(cl.input_position, ss, "--input-position", 0);
  if (cl.output_position.empty()) return 0;
  return parse_ddrescue_number(cl.output_position, ss, "--output-position", 0) - ipos;
}

/// The fill data: SOURCE from its start, repeated to one cluster.
std::vector<char> fill_pattern(const std::string& source, std::size_t size) {
  const UniqueFd fd = open_file(source, O_RDONLY, "fill data");
  std::vector<char> data(size);
  std::size_t have = 0;
  while (have < size) {
    const ssize_t n = ::read(fd.get(), data.data() + have, size - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have == 0) throw std::runtime_error(fmt::format("fill data '{}' is empty", source));
  for (std::size_t i = have; i < size; ++i) data[i] = data[i % have];
  return data;
}

bool write_all(int fd, const char* data, std::int64_t size, std::int64_t pos) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, static_cast<std::size_t>(size), pos);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n, size -= n, pos += n;
  }
  return true;
}

/// -F's `l` type: each sector of a filled chunk starts with where it is
/// ("\n# position 0x... sector 0x... status C" and a space, as GNU ddrescue
/// writes it), cut to fit, with a NUL last, where the chunk ends sooner.
void write_location_data(std::vector<char>& chunk, std::int64_t size, std::int64_t pos, std::int64_t sector,
                         char status) {
  for (std::int64_t s = 0; s < size; s += sector) {
    const std::string text =
        fmt::format("\n# position 0x{:08X} sector 0x{:08X} status {} ", pos + s, (pos + s) / sector, status);
    const std::size_t room = static_cast<std::size_t>(std::min<std::int64_t>(80, size - s));
    const std::size_t n = std::min(text.size(), room);
    std::memcpy(chunk.data() + s, text.data(), n);
    if (n < text.size() && n > 0) chunk[static_cast<std::size_t>(s) + n - 1] = '\0';
  }
}

}  // namespace

int run_fill_mode(const RescueCommandLine& cl) {
  MapFileStore store(cl.mapfile);
  const std::optional<MapFile> map = store.load();
  if (!map) throw std::runtime_error(fmt::format("fill mode needs an existing mapfile: '{}' not found", cl.mapfile));
  const std::int64_t cluster = cl.engine.cluster_sectors * sector_bytes(cl);
  const std::vector<char> pattern = fill_pattern(cl.source, static_cast<std::size_t>(cluster));
  const UniqueFd image = open_file(cl.image, O_WRONLY | O_CREAT, "image");
  const Extent range = selected_range(cl, map->end_pos());
  const std::int64_t offset = output_offset(cl);
  const bool location = cl.ddrescue.fill_types.find('l') != std::string::npos;
  std::vector<char> chunk = pattern;
  bool write_failed = false;
  for (const MapBlock& b : map->blocks()) {
    if (cl.ddrescue.fill_types.find(static_cast<char>(b.status)) == std::string::npos) continue;
    const std::int64_t first = std::max(b.pos, range.pos), end = std::min(b.end(), range.end());
    for (std::int64_t p = first; p < end; p += cluster) {
      const std::int64_t n = std::min(cluster, end - p);
      if (location) {
        chunk = pattern;
        write_location_data(chunk, n, p, sector_bytes(cl), static_cast<char>(b.status));
      }
      if (write_all(image.get(), chunk.data(), n, p + offset)) continue;
      if (!cl.ddrescue.ignore_write_errors)
        throw std::runtime_error(fmt::format("cannot write image '{}' at {}: {}", cl.image, p + offset,
                                             std::strerror(errno)));
      write_failed = true;
    }
  }
  if (::fsync(image.get()) != 0 && !write_failed)
    throw std::runtime_error(fmt::format("cannot sync image '{}': {}", cl.image, std::strerror(errno)));
  return exit_code::kOk;
}

int run_generate_mode(const RescueCommandLine& cl, const std::string& command_line) {
  const UniqueFd source = open_file(cl.source, O_RDONLY, "source");
  const UniqueFd image = open_file(cl.image, O_RDONLY, "image");
  const std::int64_t offset = output_offset(cl);
  const std::int64_t image_size = size_of(image.get());
  // The copy tells nothing past its own end: the map stops there.
  const std::int64_t known = std::max<std::int64_t>(0, std::min(size_of(source.get()), image_size - offset));
  MapFileStore store(cl.mapfile);
  std::optional<MapFile> loaded = store.load();
  MapFile map = loaded ? std::move(*loaded) : MapFile(known);
  if (map.end_pos() < known) map.extend_to(known);
  const Extent range = selected_range(cl, known);
  const std::int64_t ss = sector_bytes(cl);
  std::vector<char> sector(static_cast<std::size_t>(ss));
  // Only what is still non-tried is judged: a finished or bad area of an
  // existing mapfile is kept as it is.
  for (const MapBlock& b : map.blocks()) {
    if (b.status != BlockStatus::kNonTried) continue;
    const std::int64_t first = std::max(b.pos, range.pos), end = std::min(b.end(), range.end());
    for (std::int64_t p = first; p < end;) {
      const std::int64_t n = std::min(ss - p % ss, end - p);
      if (p + offset >= image_size) break;  // past the copy: never written
      const ssize_t got = ::pread(image.get(), sector.data(), static_cast<std::size_t>(n), p + offset);
      if (got <= 0) break;
      const bool data = std::any_of(sector.begin(), sector.begin() + got, [](char c) { return c != 0; });
      if (data) map.set_status(p, got, BlockStatus::kFinished);
      p += got;
    }
  }
  map.set_cursor({range.pos, Phase::kGenerating, 1});
  store.save(map, {fmt::format("Mapfile. Created by ptrescue version {} (generate mode)", PTRESCUE_VERSION),
                   "Command line: " + command_line, "Current time: " + local_timestamp()});
  return exit_code::kOk;
}

}  // namespace ptrescue
