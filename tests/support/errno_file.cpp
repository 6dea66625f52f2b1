// SPDX-License-Identifier: GPL-3.0-or-later
// A test source that fails with a chosen errno: a FUSE filesystem holding one
// file, /disk, of SIZE bytes (byte i is (i * 131 + i / 512) & 0xff); a read
// that touches [FIRST, FIRST + LENGTH) fails as a whole with ERRNO, as the
// block layer fails a whole request. Direct I/O, so every pread() of the
// rescue reaches it as asked, without the page cache or read-ahead.
//   errno_file MOUNTPOINT SIZE FIRST LENGTH ERRNO   (runs until unmounted)
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct Config {
  std::int64_t size = 0, first = 0, length = 0;
  int error = EIO;
} config;

constexpr const char* kName = "/disk";

int get_attributes(const char* path, struct stat* st, fuse_file_info*) {
  std::memset(st, 0, sizeof *st);
  if (std::strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (std::strcmp(path, kName) != 0) return -ENOENT;
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  st->st_size = config.size;
  return 0;
}

int read_directory(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*, fuse_readdir_flags) {
  if (std::strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, kName + 1, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int open_file(const char* path, fuse_file_info* fi) {
  if (std::strcmp(path, kName) != 0) return -ENOENT;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EACCES;
  fi->direct_io = 1;
  return 0;
}

int read_file(const char*, char* buf, size_t size, off_t offset, fuse_file_info*) {
  if (offset >= config.size) return 0;
  const std::int64_t end = std::min<std::int64_t>(config.size, offset + static_cast<std::int64_t>(size));
  if (offset < config.first + config.length && end > config.first) return -config.error;
  for (std::int64_t i = offset; i < end; ++i) buf[i - offset] = static_cast<char>((i * 131 + i / 512) & 0xff);
  return static_cast<int>(end - offset);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: errno_file MOUNTPOINT SIZE FIRST LENGTH ERRNO\n");
    return 2;
  }
  config.size = std::strtoll(argv[2], nullptr, 0);
  config.first = std::strtoll(argv[3], nullptr, 0);
  config.length = std::strtoll(argv[4], nullptr, 0);
  config.error = std::atoi(argv[5]);
  fuse_operations ops{};
  ops.getattr = get_attributes;
  ops.readdir = read_directory;
  ops.open = open_file;
  ops.read = read_file;
  std::string mountpoint = argv[1];
  char name[] = "errno_file", fg[] = "-f", single[] = "-s", opt[] = "-o", opts[] = "ro,default_permissions";
  char* fuse_argv[] = {name, fg, single, opt, opts, mountpoint.data(), nullptr};
  return fuse_main(6, fuse_argv, &ops, nullptr);
}
