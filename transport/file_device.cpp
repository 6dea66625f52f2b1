// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/file_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace ptrescue {
namespace {

std::runtime_error open_error(const std::string& path, const std::string& why) {
  return std::runtime_error(fmt::format("cannot open source '{}': {}", path, why));
}

ReadStatus status_from_errno(int e) {
  switch (e) {
    case EIO:
    case ENODATA:  // sd reports MEDIUM ERROR as ENODATA on newer kernels
    case EILSEQ:
      return ReadStatus::kMediaError;
    case ENODEV:
    case ENXIO:
      return ReadStatus::kDeviceGone;
    case ETIMEDOUT:
      return ReadStatus::kTimeout;
    default:
      return ReadStatus::kOther;
  }
}

}  // namespace

std::unique_ptr<FileDevice> FileDevice::open(const std::string& path, FileDeviceOptions options) {
  int flags = O_RDONLY | O_CLOEXEC;
  if (options.direct) flags |= O_DIRECT;
  UniqueFd fd(::open(path.c_str(), flags));
  if (!fd.valid()) throw open_error(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw open_error(path, std::strerror(errno));

  DeviceIdentity id;
  id.path = path;
  id.model = path;
  std::uint64_t size = 0;
  if (S_ISREG(st.st_mode)) {
    id.transport = "file";
    size = static_cast<std::uint64_t>(st.st_size);
    id.logical_sector_size = 512;
    id.physical_sector_size = 512;
  } else if (S_ISBLK(st.st_mode)) {
    id.transport = "block";
    if (::ioctl(fd.get(), BLKGETSIZE64, &size) != 0) throw open_error(path, std::strerror(errno));
    int lss = 512;
    unsigned int pss = 512;
    if (::ioctl(fd.get(), BLKSSZGET, &lss) == 0 && lss > 0)
      id.logical_sector_size = static_cast<std::uint32_t>(lss);
    if (::ioctl(fd.get(), BLKPBSZGET, &pss) == 0 && pss > 0) id.physical_sector_size = pss;
    // The kernel's alignment offset is the lowest aligned LBA in bytes.
    int align = 0;
    if (::ioctl(fd.get(), BLKALIGNOFF, &align) == 0 && align > 0 && id.logical_sector_size > 0)
      id.lowest_aligned_lba = static_cast<std::uint32_t>(align) / id.logical_sector_size;
  } else {
    throw open_error(path, "not a regular file or a block device");
  }
  if (options.sector_size != 0) {
    if (options.direct && options.sector_size < id.logical_sector_size)
      throw open_error(path, fmt::format("sector size {} is below the device's {} (needed for direct I/O)",
                                         options.sector_size, id.logical_sector_size));
    id.logical_sector_size = options.sector_size;
  }
  if (size == 0) throw open_error(path, "it is empty");
  // A trailing partial sector is still part of the source: round up and let
  // read() deliver the short tail.
  id.capacity_sectors = (size + id.logical_sector_size - 1) / id.logical_sector_size;
  id.size_bytes = size;
  id.max_transfer_sectors = static_cast<std::uint32_t>((16u << 20) / id.logical_sector_size);
  auto dev = std::unique_ptr<FileDevice>(new FileDevice(std::move(fd), std::move(id), options));
  dev->size_bytes_ = size;
  dev->opened_dev_ = st.st_dev;
  dev->opened_ino_ = st.st_ino;
  dev->opened_rdev_ = S_ISBLK(st.st_mode) ? st.st_rdev : 0;
  return dev;
}

FileDevice::FileDevice(UniqueFd fd, DeviceIdentity identity, FileDeviceOptions options)
    : fd_(std::move(fd)), identity_(std::move(identity)), options_(options) {}

ReadOutcome FileDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis) {
  ReadOutcome r;
  const std::uint64_t ss = identity_.logical_sector_size;
  const std::uint64_t pos = lba * ss;
  std::uint64_t want = std::uint64_t{count} * ss;
  if (pos + want > size_bytes_) want = size_bytes_ > pos ? size_bytes_ - pos : 0;
  const Micros start = clock_.now();
  std::uint64_t done = 0;
  int err = 0;
  while (done < want) {
    const ssize_t n = ::pread(fd_.get(), out.data() + done, want - done,
                              static_cast<off_t>(pos + done));
    if (n > 0) {
      done += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    err = n == 0 ? 0 : errno;
    break;
  }
  r.duration = clock_.now() - start;
  if (done == want) {
    // Zero the tail of a short last sector so the image gets whole sectors.
    std::memset(out.data() + done, 0, std::uint64_t{count} * ss - done);
    r.good_sectors = count;
    return r;
  }
  // The kernel delivered a prefix before failing: those sectors are good.
  r.good_sectors = static_cast<std::uint32_t>(done / ss);
  if (err == 0) {
    r.status = ReadStatus::kOther;
    r.detail = "unexpected end of file";
    return r;
  }
  r.status = status_from_errno(err);
  r.sys_errno = err;
  // The block layer fails a whole request without saying which sector was
  // bad, so the failing LBA is only known when one sector was left to read.
  if (r.status == ReadStatus::kMediaError && count - r.good_sectors == 1)
    r.error_lba = lba + r.good_sectors;
  r.detail = std::strerror(err);
  return r;
}

ResetOutcome FileDevice::reset(ResetKind) {
  // Nothing to reset through the block layer; the kernel does its own.
  return ResetOutcome{true, Micros{0}, "no reset through the block layer"};
}

ResetOutcome FileDevice::reopen() {
  const Micros start = clock_.now();
  ResetOutcome r;
  int flags = O_RDONLY | O_CLOEXEC;
  if (options_.direct) flags |= O_DIRECT;
  UniqueFd fd(::open(identity_.path.c_str(), flags));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    r.detail = fmt::format("cannot open '{}' again: {}; the open one is kept", identity_.path, std::strerror(errno));
  } else if (opened_rdev_ != 0 ? st.st_rdev != opened_rdev_ : st.st_dev != opened_dev_ || st.st_ino != opened_ino_) {
    r.detail = fmt::format("'{}' names another file or device now; the open one is kept", identity_.path);
  } else {
    fd_ = std::move(fd);  // the old descriptor is closed here
    r.ok = true;
  }
  r.duration = clock_.now() - start;
  return r;
}

}  // namespace ptrescue
