// SPDX-License-Identifier: GPL-3.0-or-later
// A bare pread/pwrite copier with the knobs that decide healthy-source
// throughput, to measure what each would buy ptrescue without touching the
// engine: read size, O_DIRECT, and early write-back of the image
// (sync_file_range every N bytes) before the final fdatasync that ptrescue's
// crash discipline needs anyway. Built and run by tools/bench/copy-probe.sh;
// not part of the product.
//
// Usage: copy_probe SOURCE IMAGE READ_BYTES DIRECT(0|1) WRITEBACK_EVERY_BYTES(0=never)
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s SOURCE IMAGE READ_BYTES DIRECT WRITEBACK_EVERY\n", argv[0]);
    return 2;
  }
  const std::size_t read_bytes = std::strtoull(argv[3], nullptr, 0);
  const bool direct = std::atoi(argv[4]) != 0;
  const long long writeback_every = std::atoll(argv[5]);
  const int in = ::open(argv[1], O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
  const int out = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  void* buf = nullptr;
  if (in < 0 || out < 0 || read_bytes == 0 || ::posix_memalign(&buf, 4096, read_bytes) != 0) {
    std::fprintf(stderr, "copy_probe: setup failed: %s\n", std::strerror(errno));
    return 1;
  }
  off_t pos = 0;
  off_t written_back = 0;
  while (true) {
    const ssize_t n = ::pread(in, buf, read_bytes, pos);
    if (n < 0) {
      std::fprintf(stderr, "copy_probe: read at %lld: %s\n", static_cast<long long>(pos), std::strerror(errno));
      return 1;
    }
    if (n == 0) break;
    if (::pwrite(out, buf, static_cast<std::size_t>(n), pos) != n) {
      std::fprintf(stderr, "copy_probe: write at %lld failed\n", static_cast<long long>(pos));
      return 1;
    }
    pos += n;
    // Start write-back of what was just written; do not wait for it.
    if (writeback_every > 0 && pos - written_back >= writeback_every) {
      ::sync_file_range(out, written_back, pos - written_back, SYNC_FILE_RANGE_WRITE);
      written_back = pos;
    }
  }
  if (::fdatasync(out) != 0) {
    std::fprintf(stderr, "copy_probe: fdatasync: %s\n", std::strerror(errno));
    return 1;
  }
  std::free(buf);
  ::close(out);
  ::close(in);
  return 0;
}
