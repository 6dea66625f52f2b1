// SPDX-License-Identifier: GPL-3.0-or-later
#define FUSE_USE_VERSION 31
#include "src/vdisk/fuse_disk.h"

#include <fuse3/fuse.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace ptrescue {
namespace {

ReadThrough& disk_of_context() { return *static_cast<ReadThrough*>(fuse_get_context()->private_data); }

bool is_disk(const char* path) { return std::string_view(path) == std::string("/") + kVirtualDiskName; }

int disk_getattr(const char* path, struct stat* st, fuse_file_info*) {
  std::memset(st, 0, sizeof *st);
  if (std::string_view(path) == "/") {
    st->st_mode = S_IFDIR | 0555;
    st->st_nlink = 2;
    return 0;
  }
  if (!is_disk(path)) return -ENOENT;
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  st->st_size = disk_of_context().size();
  st->st_blksize = 4096;
  return 0;
}

int disk_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*, fuse_readdir_flags) {
  if (std::string_view(path) != "/") return -ENOENT;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, kVirtualDiskName, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int disk_open(const char* path, fuse_file_info* fi) {
  if (!is_disk(path)) return -ENOENT;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;  // The source is never written.
  return 0;
}

int disk_read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info*) {
  if (!is_disk(path)) return -ENOENT;
  const long n = disk_of_context().read(offset, std::span<std::byte>(reinterpret_cast<std::byte*>(buf), size));
  return static_cast<int>(n);
}

void* disk_init(fuse_conn_info*, fuse_config* cfg) {
  // Sizes and contents never change behind the kernel's back.
  cfg->kernel_cache = 1;
  cfg->entry_timeout = cfg->attr_timeout = 3600;
  return fuse_get_context()->private_data;
}

struct FuseFree {
  void operator()(fuse* f) const { fuse_destroy(f); }
};

}  // namespace

void serve_virtual_disk(const std::string& mountpoint, ReadThrough& disk) {
  fuse_operations ops{};
  ops.getattr = disk_getattr;
  ops.readdir = disk_readdir;
  ops.open = disk_open;
  ops.read = disk_read;
  ops.init = disk_init;
  // ro; the kernel checks permissions from the modes; one name in the mount table.
  const char* argv[] = {"ptrescue", "-o", "ro,default_permissions,fsname=ptrescue,subtype=ptrescue", nullptr};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  std::unique_ptr<fuse, FuseFree> f(fuse_new(&args, &ops, sizeof ops, &disk));
  fuse_opt_free_args(&args);
  if (!f) throw std::runtime_error("FUSE: cannot set up the virtual disk");
  if (fuse_mount(f.get(), mountpoint.c_str()) != 0)
    throw std::runtime_error(fmt::format("FUSE: cannot mount on '{}' (is /dev/fuse there, and fusermount3?)", mountpoint));
  fuse_session* se = fuse_get_session(f.get());
  // SIGINT, SIGTERM, SIGHUP end the loop; the maps are already saved after
  // every read, so the pair is consistent whenever it stops.
  const bool handlers = fuse_set_signal_handlers(se) == 0;
  fuse_loop(f.get());
  if (handlers) fuse_remove_signal_handlers(se);
  fuse_unmount(f.get());
}

}  // namespace ptrescue
