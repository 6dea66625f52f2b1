// SPDX-License-Identifier: GPL-3.0-or-later
// One SCSI command at a time over the Linux sg driver's asynchronous
// interface (sg v3, include/scsi/sg.h): write() an sg_io_hdr to /dev/sgN,
// poll() until ptrescue's own deadline, read() the completion. Unlike the
// synchronous SG_IO ioctl, this returns at the deadline even while the
// kernel's error handling is still busy with a hung drive (KERNEL-FACTS §4).
//
// A command that misses its deadline stays in the kernel. Its data and
// sense buffers are kept (the kernel may still write them), and its
// completion, identified by pack_id, is collected and thrown away later:
// data from a timed-out command is never delivered.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "commands/command.h"
#include "transport/aligned_buffer.h"
#include "transport/clock.h"
#include "transport/sys_io.h"

namespace ptrescue {

/// How one command over the sg driver ended.
struct SgCompletion {
  enum class End : std::uint8_t {
    kCompleted,  ///< The kernel returned the command; see status, host/driver status, sense.
    kTimeout,    ///< No completion before the deadline; the command is still in the kernel.
    kGone,       ///< The device node reports the device detached (ENODEV/ENXIO, POLLHUP).
    kOsError,    ///< The kernel refused the command (EIO for an oversized transfer, EINVAL...).
    kQueueFull,  ///< Too many earlier commands never completed; nothing was sent.
    kRefused,    ///< The allow-list refused the CDB; nothing was sent (see refusal).
  };
  End end = End::kCompleted;
  int os_errno = 0;  ///< kGone / kOsError: the errno.
  std::string refusal;  ///< kRefused: "command refused: ..." (commands/allow_list.h).
  std::uint8_t status = 0;          ///< SCSI status byte (SAM-5): 00h GOOD, 02h CHECK CONDITION...
  std::uint16_t host_status = 0;    ///< DID_* (include/scsi/scsi_status.h).
  std::uint16_t driver_status = 0;  ///< DRIVER_* (08h = sense data present).
  std::int32_t resid = 0;           ///< Data-in bytes not transferred.
  std::vector<std::uint8_t> sense;  ///< The sense bytes the kernel wrote.
  /// Data-in of a completed command, in the channel's own buffer: valid
  /// until the next call on the channel. Empty unless kCompleted.
  std::span<const std::byte> data;
  Micros duration{0};  ///< On the SysIo's clock, write to completion.
  /// The timeout the kernel was given and applies (the sg node honours
  /// short timeouts; the block node's SG_IO would raise them to 7 s).
  Millis timeout_applied{0};
};

class SgChannel {
 public:
  /// Earlier commands still in the kernel beyond which nothing more is sent
  /// (the sg driver queues at most 16 per descriptor).
  static constexpr std::size_t kMaxLate = 8;

  /// `fd` is an open sg node (O_RDWR | O_NONBLOCK).
  SgChannel(SysIo& io, SysFd fd, std::string path);
  /// Collects late completions that are ready. Buffers of commands that
  /// never completed are kept until the process ends: the kernel may still
  /// DMA into them, and freed memory would be handed out again.
  ~SgChannel();
  SgChannel(const SgChannel&) = delete;
  SgChannel& operator=(const SgChannel&) = delete;

  /// Sends `cdb` and waits at most `timeout` for it. Late completions of
  /// earlier commands met on the way are collected and discarded. A CDB the
  /// allow-list refuses never reaches the kernel (kRefused), whoever built it.
  SgCompletion execute(const commands::ScsiCdb& cdb, Millis timeout);

  /// Collects (and discards) late completions that are ready, without waiting.
  void reap_late();
  /// Commands that missed their deadline and have not completed yet.
  std::size_t late_count() const { return late_.size(); }
  /// Late completions collected and discarded so far.
  std::size_t reaped_count() const { return reaped_; }

  SysIo& io() { return io_; }
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  /// The memory the kernel may touch for one command until it completes.
  struct Slot {
    std::int32_t pack_id = 0;
    std::unique_ptr<AlignedBuffer> data;
    std::array<std::uint8_t, 252> sense{};  // SPC-5: sense data is at most 252 bytes
  };
  std::unique_ptr<Slot> take_slot(std::size_t data_bytes);
  /// Reads every ready completion; returns true when `want` was among them
  /// (and fills `out`).
  bool drain(std::int32_t want, SgCompletion* out);

  SysIo& io_;
  SysFd fd_;
  std::string path_;
  std::int32_t next_pack_id_ = 1;
  std::unique_ptr<Slot> spare_;  // reused while no command owns it
  std::unique_ptr<Slot> current_;
  std::map<std::int32_t, std::unique_ptr<Slot>> late_;
  std::size_t reaped_ = 0;
};

/// "DID_TIME_OUT"-style name of a host_status value.
std::string host_status_name(std::uint16_t host_status);

}  // namespace ptrescue
