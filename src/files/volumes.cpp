// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/files/volumes.h"

#include <blkid/blkid.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "base/unique_fd.h"

namespace ptrescue {
namespace {

struct ProbeFree {
  void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeFree>;

Probe new_probe(int fd, std::int64_t offset, std::int64_t size) {
  Probe p(blkid_new_probe());
  if (!p || blkid_probe_set_device(p.get(), fd, offset, size) != 0)
    throw std::runtime_error("libblkid cannot probe the image");
  return p;
}

std::string probe_value(blkid_probe p, const char* name) {
  const char* v = nullptr;
  std::size_t len = 0;
  if (blkid_probe_lookup_value(p, name, &v, &len) != 0 || v == nullptr) return {};
  return std::string(v);  // NUL-terminated; len counts the NUL
}

// The filesystem at [offset, offset + size): type and block size, or an
// empty type when libblkid recognises none.
void probe_filesystem(int fd, Volume& v) {
  Probe p = new_probe(fd, v.offset, v.size);
  blkid_probe_enable_superblocks(p.get(), 1);
  blkid_probe_set_superblocks_flags(p.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
  blkid_probe_enable_partitions(p.get(), 0);
  if (blkid_do_safeprobe(p.get()) != 0) return;
  if (probe_value(p.get(), "USAGE") != "filesystem") return;
  v.type = probe_value(p.get(), "TYPE");
  const std::string bs = probe_value(p.get(), "BLOCK_SIZE");
  if (!bs.empty()) v.block_size = std::stoll(bs);
}

std::vector<Volume> partitions_of(int fd, std::int64_t disk_size) {
  Probe p = new_probe(fd, 0, disk_size);
  blkid_probe_enable_superblocks(p.get(), 0);
  blkid_probe_enable_partitions(p.get(), 1);
  std::vector<Volume> out;
  blkid_partlist list = blkid_probe_get_partitions(p.get());
  if (list == nullptr) return out;
  const int n = blkid_partlist_numof_partitions(list);
  for (int i = 0; i < n; ++i) {
    blkid_partition part = blkid_partlist_get_partition(list, i);
    if (part == nullptr || blkid_partition_is_extended(part)) continue;
    Volume v;
    v.partition = blkid_partition_get_partno(part);
    // libblkid counts partitions in 512-byte sectors whatever the disk's.
    v.offset = static_cast<std::int64_t>(blkid_partition_get_start(part)) * 512;
    v.size = static_cast<std::int64_t>(blkid_partition_get_size(part)) * 512;
    if (v.offset < 0 || v.size <= 0 || v.offset > disk_size || v.size > disk_size - v.offset) continue;
    out.push_back(v);
  }
  return out;
}

}  // namespace

std::vector<Volume> find_volumes(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw std::runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size <= 0) throw std::runtime_error(fmt::format("'{}' is empty or cannot be sized", path));

  // A filesystem at byte 0 first: an exFAT or FAT boot sector also looks
  // like an MBR to the partition probe.
  Volume whole;
  whole.size = size;
  probe_filesystem(fd.get(), whole);
  if (!whole.type.empty()) return {whole};
  std::vector<Volume> parts = partitions_of(fd.get(), size);
  for (Volume& v : parts) probe_filesystem(fd.get(), v);
  return parts;
}

}  // namespace ptrescue
