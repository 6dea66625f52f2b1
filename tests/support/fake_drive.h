// SPDX-License-Identifier: GPL-3.0-or-later
// A small in-test drive for engine tests: bad sectors as a set, optional
// "weak" sectors that fail a few times then read, a hang sector, death, and
// a flag for whether it names the failing LBA (pass-through drives do, the
// block layer does not). Data is a function of the LBA.
#pragma once

#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "transport/device.h"

namespace ptrescue::test {

inline std::byte pattern_byte(Lba lba, std::size_t i) {
  return static_cast<std::byte>((lba * 131 + i * 7 + (lba >> 8)) & 0xff);
}

class FakeDrive final : public Device {
 public:
  FakeDrive(Lba sectors, std::uint32_t sector_size = 512) {
    id_.transport = "fake";
    id_.capacity_sectors = sectors;
    id_.logical_sector_size = sector_size;
    id_.max_transfer_sectors = 256;
  }
  std::set<Lba> bad;
  std::map<Lba, int> weak;     // sector -> failures left before it reads
  std::set<Lba> hang;          // never completes: timeout, needs reset
  bool precise = true;         // report error_lba
  int die_after_errors = -1;   // -1 = never
  int reset_fails = 0;         // resets that fail before one succeeds
  int vanish_at_command = -1;  // this command (0-based) finds the drive gone
  int aborts_before_vanishing = 0;  // the commands just before it abort (a cable being pulled)
  bool comes_back = true;      // a power cycle brings a vanished drive back
  bool stale_after_error = false;  // after its first read error, good reads return other bytes (a lying bridge)
  std::vector<std::pair<Lba, std::uint32_t>> log;  // every command
  std::map<Lba, int> attempts;
  int resets = 0;

  const DeviceIdentity& identity() const override { return id_; }
  const Clock& clock() const override { return clock_; }

  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override {
    log.emplace_back(lba, count);
    clock_.advance(Micros(100 + count));
    ReadOutcome r;
    r.timeout_applied = timeout;
    if (static_cast<int>(log.size()) - 1 == vanish_at_command) vanished_ = true;
    if (dead_ || vanished_) {
      r.status = ReadStatus::kDeviceGone;
      r.needs_reset = vanished_;  // the transport could power-cycle it
      return r;
    }
    if (vanish_at_command >= 0 && static_cast<int>(log.size()) - 1 < vanish_at_command &&
        static_cast<int>(log.size()) - 1 >= vanish_at_command - aborts_before_vanishing) {
      r.status = ReadStatus::kAborted;
      return r;
    }
    if (hung_) {
      r.status = ReadStatus::kTimeout;
      r.needs_reset = true;
      return r;
    }
    // A drive reads in order and stops at the first sector it cannot read:
    // sectors after it are not attempted.
    for (Lba l = lba; l < lba + count; ++l) {
      ++attempts[l];
      if (hang.count(l)) {
        hung_ = true;
        r.status = ReadStatus::kTimeout;
        r.needs_reset = true;
        return r;
      }
      auto w = weak.find(l);
      const bool fails = bad.count(l) || (w != weak.end() && w->second > 0);
      if (fails) {
        lied_ = stale_after_error;
        if (w != weak.end() && w->second > 0) --w->second;
        r.status = ReadStatus::kMediaError;
        if (precise) r.error_lba = l;
        if (die_after_errors >= 0 && ++errors_ >= die_after_errors) dead_ = true;
        return r;
      }
    }
    const std::size_t ss = id_.logical_sector_size;
    for (Lba l = lba; l < lba + count; ++l)
      for (std::size_t i = 0; i < ss; ++i) out[(l - lba) * ss + i] = pattern_byte(l, i) ^ (lied_ ? std::byte{0x5a} : std::byte{0});
    r.good_sectors = count;
    return r;
  }

  ResetOutcome reset(ResetKind kind) override {
    ++resets;
    if (dead_) return {false, Micros(0), "dead"};
    if (vanished_) {
      if (kind != ResetKind::kPowerCycle || !comes_back) return {false, Micros(0), "gone"};
      vanished_ = false;
      return {true, Micros(5000), "power cycled"};
    }
    if (reset_fails > 0) {
      --reset_fails;
      return {false, Micros(1000), "no answer"};
    }
    hung_ = false;
    return {true, Micros(1000), ""};
  }

 private:
  DeviceIdentity id_;
  VirtualClock clock_;
  bool hung_ = false;
  bool dead_ = false;
  bool vanished_ = false;
  bool lied_ = false;
  int errors_ = 0;
};

}  // namespace ptrescue::test
