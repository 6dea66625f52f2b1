// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/reattaching_device.h"

#include <fmt/format.h>

namespace ptrescue {

ReattachingDevice::ReattachingDevice(std::unique_ptr<Device> inner, SysIo& io, ReattachOptions options,
                                     CandidateNodes candidates, OpenNode open)
    : inner_(std::move(inner)),
      io_(io),
      options_(options),
      candidates_(std::move(candidates)),
      open_(std::move(open)),
      identity_(inner_->identity()) {}

ReadOutcome ReattachingDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) {
  back_ = false;
  ReadOutcome r = inner_->read(lba, count, out, timeout);
  if (r.status != ReadStatus::kDeviceGone || options_.wait.count() <= 0) return r;
  std::string detail;
  if (!wait_for_return(detail)) {
    r.detail += r.detail.empty() ? detail : "; " + detail;
    return r;
  }
  // The failed command's data (none) belonged to the device just dropped.
  r.data = {};
  r.good_sectors = 0;
  r.needs_reset = true;  // the engine's reset finds the drive back and reads again
  r.detail += r.detail.empty() ? detail : "; " + detail;
  back_ = true;
  back_detail_ = detail;
  return r;
}

ResetOutcome ReattachingDevice::reset(ResetKind kind) {
  if (back_) {
    back_ = false;
    ResetOutcome r;
    r.ok = true;
    r.detail = back_detail_;
    return r;
  }
  return inner_->reset(kind);
}

bool ReattachingDevice::same_drive(const DeviceIdentity& found) const {
  return found.serial == identity_.serial && found.capacity_sectors == identity_.capacity_sectors &&
         found.logical_sector_size == identity_.logical_sector_size;
}

bool ReattachingDevice::wait_for_return(std::string& detail) {
  if (identity_.serial.empty()) {
    detail = "the drive reported no serial number, so it cannot be recognised if it comes back";
    return false;
  }
  const Clock& clock = io_.clock();
  const Micros start = clock.now();
  const Micros deadline = start + options_.wait;
  std::string refused;
  for (;;) {
    for (const std::string& path : candidates_()) {
      std::unique_ptr<Device> probe;
      try {
        probe = open_(path, /*with_settings=*/false);
      } catch (const std::exception&) {
        continue;  // not (yet) answering, or not a disk of this transport
      }
      if (!same_drive(probe->identity())) {
        const DeviceIdentity& f = probe->identity();
        refused = fmt::format("{} is another drive (serial '{}', {} sectors of {} bytes)", path, f.serial,
                              f.capacity_sectors, f.logical_sector_size);
        continue;
      }
      probe.reset();
      std::unique_ptr<Device> dev;
      try {
        dev = open_(path, /*with_settings=*/true);
      } catch (const std::exception& e) {
        refused = fmt::format("{}: {}", path, e.what());
        continue;
      }
      if (!same_drive(dev->identity())) continue;
      if (DriveSettings* old = settings()) {
        for (auto& line : old->take_notes()) notes_.push_back(std::move(line));
      }
      inner_ = std::move(dev);
      if (DriveSettings* s = settings()) s->set_limited_retry(limited_retry_);
      const std::string old_node =
          identity_.command_node.empty() ? identity_.path : identity_.command_node;
      identity_ = inner_->identity();
      ++reattached_;
      detail = fmt::format("the drive (serial {}) dropped off {} and came back as {} after {} ms", identity_.serial,
                           old_node, identity_.command_node.empty() ? path : identity_.command_node,
                           (clock.now() - start).count() / 1000);
      notes_.push_back(detail);
      return true;
    }
    if (clock.now() >= deadline) break;
    io_.sleep_for(options_.interval);
  }
  detail = fmt::format("the drive (serial {}) did not come back within {} ms{}{}", identity_.serial,
                       options_.wait.count(), refused.empty() ? "" : "; ", refused);
  return false;
}

void ReattachingDevice::set_limited_retry(bool on) {
  limited_retry_ = on;
  if (DriveSettings* s = settings()) s->set_limited_retry(on);
}

void ReattachingDevice::restore_settings() {
  if (DriveSettings* s = settings()) s->restore_settings();
}

std::vector<std::string> ReattachingDevice::take_notes() {
  std::vector<std::string> out = std::exchange(notes_, {});
  if (DriveSettings* s = settings())
    for (auto& line : s->take_notes()) out.push_back(std::move(line));
  return out;
}

}  // namespace ptrescue
