// SPDX-License-Identifier: GPL-3.0-or-later
// Times the steps of "resume a finished mapfile" one by one, through the
// engine's own MapFile and MapFileStore, so that docs/PERFORMANCE.md can say
// where the time of `ptrescue rescue` on a 1,000,000-fragment mapfile goes.
// Built and run by tools/bench/mapfile-1m.sh; not part of the product.
//
// Usage: mapfile_phases MAPFILE SCRATCH_MAPFILE
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "src/mapfile/mapfile.h"
#include "src/mapfile/mapfile_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MAPFILE SCRATCH_MAPFILE\n", argv[0]);
    return 2;
  }
  using namespace ptrescue;

  auto t = Clock::now();
  // Read the way MapFileStore::load() does: 64 KiB read() calls into a string.
  std::string text;
  {
    const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::perror(argv[1]);
      return 1;
    }
    char buf[1 << 16];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
  }
  const double read_ms = ms_since(t);

  t = Clock::now();
  std::optional<MapFile> map = MapFile::parse(text);
  const double parse_ms = ms_since(t);

  t = Clock::now();
  const std::size_t serialized_bytes = map->serialize({"Mapfile. Created by mapfile_phases"}).size();
  const double serialize_ms = ms_since(t);

  MapFileStore store(argv[2]);
  t = Clock::now();
  store.save(*map, {"Mapfile. Created by mapfile_phases"});
  const double save_ms = ms_since(t);

  const std::size_t blocks = map->block_count();
  t = Clock::now();
  map.reset();
  const double destroy_ms = ms_since(t);

  std::printf("blocks=%zu bytes=%zu/%zu read_ms=%.1f parse_ms=%.1f serialize_ms=%.1f "
              "save_ms=%.1f (serialize+write+fsync+rename) destroy_ms=%.1f\n",
              blocks, text.size(), serialized_bytes, read_ms, parse_ms, serialize_ms, save_ms,
              destroy_ms);
  return 0;
}
