#include "transport/simulated_device.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "transport/sim_pattern.h"

namespace ptrescue {
namespace {

// A serial that stays the same for the same profile across runs (so mapfiles
// and logs can name the drive) and differs between profiles.
std::string serial_for(const SimProfile& p) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a
  for (unsigned char c : p.name) h = (h ^ c) * 0x100000001B3ULL;
  h ^= p.seed * 0x9E3779B97F4A7C15ULL;
  h ^= p.capacity_sectors * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 31)) * 0x94D049BB133111EBULL;
  return fmt::format("SIM{:012X}", h & 0xFFFF'FFFF'FFFFULL);
}

}  // namespace

SimulatedDevice::SimulatedDevice(SimProfile profile, std::string path)
    : physics_(std::move(profile)), state_(physics_.initial_state()) {
  const SimProfile& p = physics_.profile();
  identity_.transport = "sim";
  identity_.path = path.empty() ? "sim:" + p.name : std::move(path);
  identity_.model = p.model_name();
  identity_.serial = serial_for(p);
  identity_.firmware = "SIM1";
  identity_.capacity_sectors = p.capacity_sectors;
  identity_.logical_sector_size = p.logical_sector_size;
  identity_.physical_sector_size = p.physical_sector_size;
  identity_.max_transfer_sectors = p.max_transfer_sectors;
}

ReadOutcome SimulatedDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) {
  ++commands_;
  const std::size_t ss = identity_.logical_sector_size;
  const std::size_t bytes = static_cast<std::size_t>(count) * ss;
  if (out.size() < bytes && count <= identity_.max_transfer_sectors) {
    // The caller broke the contract; a real transport would fault or EINVAL.
    ReadOutcome bad;
    bad.status = ReadStatus::kOther;
    bad.timeout_applied = timeout;
    bad.detail = fmt::format("buffer of {} bytes is too small for {} sectors", out.size(), count);
    return bad;
  }
  ReadOutcome r = physics_.read(state_, lba, count, timeout);
  clock_.advance(r.duration);
  if (!deliver_data_) return r;
  const auto data = out.first(std::min(out.size(), bytes));
  if (r.ok())
    fill_sectors_pattern(physics_.profile().seed, lba, static_cast<std::uint32_t>(ss), data);
  else
    std::fill(data.begin(), data.end(), kPoisonByte);
  return r;
}

ResetOutcome SimulatedDevice::reset(ResetKind kind) {
  ++resets_;
  ResetOutcome r = physics_.reset(state_, kind);
  clock_.advance(r.duration);
  return r;
}

void SimulatedDevice::set_error_recovery_limit(Millis limit) {
  state_.error_recovery_limit = limit > Millis(0) ? Micros(limit) : Micros(0);
}

std::unique_ptr<SimulatedDevice> open_simulated_device(std::string_view spec) {
  const std::string path = "sim:" + std::string(spec);
  if (spec.size() > 5 && spec.substr(spec.size() - 5) == ".json")
    return std::make_unique<SimulatedDevice>(SimProfile::from_json_file(std::string(spec)), path);
  return std::make_unique<SimulatedDevice>(SimProfile::builtin(spec), path);
}

}  // namespace ptrescue
