// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: SmartSidecar::read_all on a file of arbitrary bytes must
// return the well-formed snapshots and skip the rest, never throw. The file is
// an in-memory one (memfd), read through its /proc/self/fd path.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "src/smart/smart_sidecar.h"

namespace {

int sidecar_fd() {
  static const int fd = memfd_create("smart_sidecar_fuzz", 0);
  if (fd < 0) {
    std::perror("smart_sidecar_fuzz: memfd_create");
    std::abort();
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = sidecar_fd();
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::perror("smart_sidecar_fuzz: writing the sidecar");
    std::abort();
  }
  const ptrescue::SmartSidecar sidecar("/proc/self/fd/" + std::to_string(fd));
  try {
    std::size_t skipped = 0;
    for (const ptrescue::SmartSnapshot& s : sidecar.read_all(&skipped)) (void)s.to_json().dump();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smart_sidecar_fuzz: read_all threw: %s\n", e.what());
    std::abort();
  }
  return 0;
}
