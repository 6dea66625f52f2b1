// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/simulated_device.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "commands/ata_smart.h"
#include "transport/sim/sim_pattern.h"

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
  if (!p.contents.empty()) {
    contents_.reset(::open(p.contents.c_str(), O_RDONLY | O_CLOEXEC));
    if (!contents_.valid())
      throw SimProfileError(fmt::format("simulator profile: contents '{}': {}", p.contents, std::strerror(errno)));
  }
}

// The drive's bytes: the contents file where the profile names one (zeros
// past its end), else the seeded pattern.
void SimulatedDevice::fill_data(Lba lba, std::span<std::byte> data) const {
  const std::uint32_t ss = identity_.logical_sector_size;
  if (!contents_.valid()) {
    fill_sectors_pattern(physics_.profile().seed, lba, ss, data);
    return;
  }
  std::size_t done = 0;
  const auto base = static_cast<off_t>(lba * ss);
  while (done < data.size()) {
    const ssize_t n = ::pread(contents_.get(), data.data() + done, data.size() - done,
                              base + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // End of file (or an unreadable file): the rest is zeros.
    done += static_cast<std::size_t>(n);
  }
  std::fill(data.begin() + static_cast<std::ptrdiff_t>(done), data.end(), std::byte{0});
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
  note_for_smart(r);
  if (!deliver_data_) return r;
  const auto data = out.first(std::min(out.size(), bytes));
  if (r.ok())
    fill_data(lba, data);
  else
    std::fill(data.begin(), data.end(), kPoisonByte);
  return r;
}

ResetOutcome SimulatedDevice::reset(ResetKind kind) {
  ++resets_;
  ResetOutcome r = physics_.reset(state_, kind);
  clock_.advance(r.duration);
  if (kind == ResetKind::kPowerCycle && r.ok) ++state_.power_cycles;
  return r;
}

void SimulatedDevice::note_for_smart(const ReadOutcome& r) {
  if (r.status == ReadStatus::kTimeout) ++state_.timeouts;
  if (r.status != ReadStatus::kMediaError || !r.error_lba) return;
  const Lba physical = *r.error_lba / physics_.profile().logical_per_physical();
  if (state_.bad_found.insert(physical).second) {
    state_.error_log.push_front({*r.error_lba, power_on_hours()});
    if (state_.error_log.size() > 5) state_.error_log.pop_back();
  }
}

std::uint64_t SimulatedDevice::power_on_hours() const {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(clock_.now());
  return physics_.profile().smart.power_on_hours + static_cast<std::uint64_t>(std::max<std::int64_t>(0, hours.count()));
}

double SimulatedDevice::temperature_c() const {
  const SimSmart& m = physics_.profile().smart;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(clock_.now()).count();
  return m.temperature_c + (m.temperature_max_c - m.temperature_c) * (1.0 - std::exp(-std::max(0.0, minutes) / m.heat_minutes));
}

SmartReading SimulatedDevice::read_smart(Millis timeout) {
  using namespace commands;
  const SimSmart& m = physics_.profile().smart;
  if (state_.dead) return SmartReading::failed("SMART READ DATA: the drive does not answer (it died)");
  if (state_.hung) {
    clock_.advance(std::chrono::duration_cast<Micros>(timeout));
    return SmartReading::failed(fmt::format("SMART READ DATA: no answer within {} ms (the drive hangs)", timeout.count()));
  }
  // SMART costs no virtual time, so a run's timing is the same with and
  // without snapshots.
  if (!m.enabled) return SmartReading::failed("SMART READ DATA: the drive aborted the command (ABRT): SMART is disabled");

  const std::uint64_t found = state_.bad_found.size();
  const auto reallocated_now = static_cast<std::uint64_t>(std::floor(static_cast<double>(found) * m.reallocate_fraction));
  const std::uint64_t reallocated = m.reallocated + reallocated_now;
  const std::uint64_t pending = m.pending + (found - reallocated_now);
  const int temperature = static_cast<int>(std::lround(temperature_c()));
  state_.peak_temperature_c = std::max(state_.peak_temperature_c, static_cast<double>(temperature));
  const auto low_idle = static_cast<std::uint64_t>(std::lround(m.temperature_c));
  const auto peak = static_cast<std::uint64_t>(state_.peak_temperature_c);
  // Normalised values fall as the spare area is used: 2048 spare sectors.
  const auto health = [](std::uint64_t used) {
    return static_cast<std::uint8_t>(100 - std::min<std::uint64_t>(99, used * 100 / 2048));
  };
  auto attr = [](std::uint8_t id, std::uint16_t flags, std::uint8_t value, std::uint8_t threshold, std::uint64_t raw) {
    AtaSmartAttribute a;
    a.id = id;
    a.flags = flags;
    a.value = value;
    a.worst = value;
    a.threshold = threshold;
    a.raw = raw;
    return a;
  };
  const std::vector<AtaSmartAttribute> table = {
      attr(ata_attr::kRawReadErrorRate, 0x000f, health(state_.error_reads / 16), 6, state_.error_reads),
      attr(ata_attr::kReallocatedSectors, 0x0033, health(reallocated), 10, reallocated),
      attr(ata_attr::kPowerOnHours, 0x0032, 95, 0, power_on_hours()),
      attr(ata_attr::kPowerCycleCount, 0x0032, 99, 0, m.power_cycles + state_.power_cycles),
      attr(ata_attr::kReportedUncorrect, 0x0032, health(state_.error_reads), 0, state_.error_reads),
      attr(ata_attr::kCommandTimeout, 0x0032, health(state_.timeouts), 0, state_.timeouts),
      attr(ata_attr::kTemperature, 0x0022, static_cast<std::uint8_t>(temperature), 0,
           static_cast<std::uint64_t>(temperature) | low_idle << 16 | peak << 32),
      attr(ata_attr::kReallocatedEvents, 0x0032, health(reallocated), 0, reallocated_now),
      attr(ata_attr::kCurrentPendingSectors, 0x0032, health(pending), 0, pending),
      attr(ata_attr::kOfflineUncorrectable, 0x0030, health(pending), 0, pending),
      attr(ata_attr::kUdmaCrcErrors, 0x003e, 200, 0, m.udma_crc_errors + state_.timeouts),
  };
  // Through the same parsers as a real drive's pages.
  const auto data_page = encode_ata_smart_data(table);
  const auto threshold_page = encode_ata_smart_thresholds(table);
  auto attributes = parse_ata_smart_data(data_page);
  auto thresholds = parse_ata_smart_thresholds(threshold_page);
  if (!attributes.ok() || !thresholds.ok())
    return SmartReading::failed(attributes.ok() ? thresholds.error : attributes.error);
  SmartReport report;
  report.kind = SmartKind::kAta;
  report.ata_attributes = std::move(*attributes.value);
  apply_ata_thresholds(report.ata_attributes, *thresholds.value);
  report.passed = std::none_of(report.ata_attributes.begin(), report.ata_attributes.end(),
                               [](const AtaSmartAttribute& a) { return a.prefailure() && a.failing_now(); });
  report.error_count = state_.error_reads;
  report.error_log = "summary";
  std::uint64_t n = state_.error_reads;
  for (const auto& e : state_.error_log) {
    SmartErrorEntry entry;
    entry.number = n > 0 ? n-- : 0;
    entry.lba = e.lba;
    entry.power_on_hours = e.power_on_hours;
    entry.text = "ERROR 0x40 (UNC) STATUS 0x51 COUNT 1";
    report.errors.push_back(std::move(entry));
  }
  summarize_ata_report(report);
  SmartReading out;
  out.report = std::move(report);
  return out;
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
