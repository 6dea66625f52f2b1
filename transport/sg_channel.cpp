// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sg_channel.h"

#include <poll.h>
#include <scsi/sg.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "commands/allow_list.h"

namespace ptrescue {

namespace {

Millis remaining_until(Micros deadline, Micros now) {
  if (now >= deadline) return Millis(0);
  // Round up: poll() must not return before the deadline.
  return Millis((deadline - now).count() / 1000 + ((deadline - now).count() % 1000 != 0 ? 1 : 0));
}

int sg_direction(commands::DataDirection d) {
  switch (d) {
    case commands::DataDirection::kNone: return SG_DXFER_NONE;
    case commands::DataDirection::kFromDevice: return SG_DXFER_FROM_DEV;
    case commands::DataDirection::kToDevice: return SG_DXFER_TO_DEV;
  }
  return SG_DXFER_NONE;
}

}  // namespace

std::string host_status_name(std::uint16_t h) {
  // include/scsi/scsi_status.h (Linux 6.1).
  static constexpr const char* kNames[] = {
      "DID_OK",         "DID_NO_CONNECT",          "DID_BUS_BUSY",           "DID_TIME_OUT",
      "DID_BAD_TARGET", "DID_ABORT",               "DID_PARITY",             "DID_ERROR",
      "DID_RESET",      "DID_BAD_INTR",            "DID_PASSTHROUGH",        "DID_SOFT_ERROR",
      "DID_IMM_RETRY",  "DID_REQUEUE",             "DID_TRANSPORT_DISRUPTED", "DID_TRANSPORT_FAILFAST",
      "DID_TARGET_FAILURE", "DID_NEXUS_FAILURE",   "DID_ALLOC_FAILURE",      "DID_MEDIUM_ERROR",
      "DID_TRANSPORT_MARGINAL"};
  if (h < std::size(kNames)) return fmt::format("{} (0x{:02x})", kNames[h], h);
  return fmt::format("host status 0x{:02x}", h);
}

SgChannel::SgChannel(SysIo& io, SysFd fd, std::string path)
    : io_(io), fd_(std::move(fd)), path_(std::move(path)) {}

SgChannel::~SgChannel() {
  reap_late();
  // Commands still in the kernel may yet write into their buffers: those
  // are kept for the life of the process (reachable, so not a leak to ASan).
  static std::mutex kept_mutex;
  static auto* kept = new std::vector<std::unique_ptr<Slot>>();
  std::lock_guard lk(kept_mutex);
  for (auto& entry : late_) kept->push_back(std::move(entry.second));
}

std::unique_ptr<SgChannel::Slot> SgChannel::take_slot(std::size_t data_bytes) {
  std::unique_ptr<Slot> s = spare_ ? std::move(spare_) : std::make_unique<Slot>();
  if (data_bytes > 0 && (!s->data || s->data->size() < data_bytes))
    s->data = std::make_unique<AlignedBuffer>(data_bytes);
  s->sense.fill(0);
  return s;
}

bool SgChannel::drain(std::int32_t want, SgCompletion* out) {
  bool found = false;
  for (;;) {
    sg_io_hdr_t h{};
    h.interface_id = 'S';
    const ssize_t n = io_.read(fd_.get(), &h, sizeof h);
    if (n == -EINTR) continue;
    if (n < 0) return found;  // EAGAIN: nothing more is ready
    if (static_cast<std::size_t>(n) < sizeof h) return found;
    if (h.pack_id == want && current_ && !found) {
      found = true;
      out->end = SgCompletion::End::kCompleted;
      out->status = h.status;
      out->host_status = h.host_status;
      out->driver_status = h.driver_status;
      out->resid = h.resid;
      const std::size_t sb = std::min<std::size_t>(h.sb_len_wr, current_->sense.size());
      out->sense.assign(current_->sense.begin(), current_->sense.begin() + static_cast<std::ptrdiff_t>(sb));
      continue;
    }
    // A command that missed its deadline has finished: the kernel no longer
    // touches its buffers, which can be reused; its result is discarded.
    auto it = late_.find(h.pack_id);
    if (it != late_.end()) {
      if (!spare_) spare_ = std::move(it->second);
      late_.erase(it);
      ++reaped_;
    }
  }
}

void SgChannel::reap_late() {
  if (late_.empty()) return;
  short revents = 0;
  const int r = io_.poll(fd_.get(), POLLIN, revents, Millis(0));
  if (r > 0 && (revents & POLLIN)) drain(-1, nullptr);
}

SgCompletion SgChannel::execute(const commands::ScsiCdb& cdb, Millis timeout) {
  SgCompletion out;
  if (timeout.count() < 1) timeout = Millis(1);
  out.timeout_applied = timeout;
  // The builders check the allow-list too; checking again at the last step
  // stops a CDB made or altered anywhere else before the kernel sees it.
  if (auto reason = commands::why_refused(cdb)) {
    out.end = SgCompletion::End::kRefused;
    out.refusal = "command refused: " + *reason;
    return out;
  }
  reap_late();
  if (late_.size() >= kMaxLate) {
    out.end = SgCompletion::End::kQueueFull;
    return out;
  }

  const std::size_t bytes = cdb.direction == commands::DataDirection::kToDevice
                                ? cdb.data_out.size()
                                : cdb.transfer_bytes;
  current_ = take_slot(bytes);
  current_->pack_id = next_pack_id_++;
  if (next_pack_id_ <= 0) next_pack_id_ = 1;
  if (cdb.direction == commands::DataDirection::kToDevice && bytes > 0)
    std::memcpy(current_->data->data(), cdb.data_out.data(), bytes);

  sg_io_hdr_t h{};
  h.interface_id = 'S';
  h.dxfer_direction = bytes > 0 ? sg_direction(cdb.direction) : SG_DXFER_NONE;
  h.cmd_len = cdb.length;
  h.mx_sb_len = static_cast<unsigned char>(current_->sense.size());
  h.dxfer_len = static_cast<unsigned int>(bytes);
  h.dxferp = bytes > 0 ? current_->data->data() : nullptr;
  h.cmdp = const_cast<unsigned char*>(cdb.bytes.data());
  h.sbp = current_->sense.data();
  h.timeout = static_cast<unsigned int>(timeout.count());
  h.pack_id = current_->pack_id;

  const Clock& clock = io_.clock();
  const Micros start = clock.now();
  const Micros deadline = start + timeout;
  ssize_t w;
  do {
    w = io_.write(fd_.get(), &h, sizeof h);
  } while (w == -EINTR);
  if (w < 0) {
    // Nothing was queued: the slot is free again.
    spare_ = std::move(current_);
    out.os_errno = static_cast<int>(-w);
    if (w == -ENODEV || w == -ENXIO) out.end = SgCompletion::End::kGone;
    else if (w == -EDOM) out.end = SgCompletion::End::kQueueFull;  // sg: too many queued
    else out.end = SgCompletion::End::kOsError;
    out.duration = clock.now() - start;
    return out;
  }

  const std::int32_t id = current_->pack_id;
  for (;;) {
    short revents = 0;
    const int r = io_.poll(fd_.get(), POLLIN, revents, remaining_until(deadline, clock.now()));
    if (r == -EINTR) continue;
    if (r > 0 && (revents & POLLIN) && drain(id, &out)) {
      out.duration = clock.now() - start;
      if (bytes > 0 && cdb.direction == commands::DataDirection::kFromDevice)
        out.data = std::span<const std::byte>(current_->data->data(), bytes);
      // The slot is not handed out again before the next execute(), so
      // `data` stays valid until then.
      spare_ = std::move(current_);
      return out;
    }
    const bool hangup = r > 0 && (revents & (POLLHUP | POLLERR | POLLNVAL)) && !(revents & POLLIN);
    if (r > 0 && !hangup && clock.now() < deadline) continue;  // another command's completion
    // Timeout (poll() found nothing ready in time), device gone or a poll
    // error: the command may still be in the kernel, so its buffers stay
    // with it.
    out.duration = clock.now() - start;
    if (hangup) {
      out.end = SgCompletion::End::kGone;
      out.os_errno = ENODEV;
    } else if (r < 0) {
      out.end = SgCompletion::End::kOsError;
      out.os_errno = -r;
    } else {
      out.end = SgCompletion::End::kTimeout;
    }
    late_.emplace(id, std::move(current_));
    return out;
  }
}

}  // namespace ptrescue
