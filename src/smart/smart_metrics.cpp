// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_metrics.h"

#include <algorithm>
#include <optional>

#include "commands/ata_smart.h"

namespace ptrescue {

using nlohmann::json;

namespace {

// Short names for the attributes recovery watches.
struct Alias {
  std::uint8_t id;
  const char* name;
};
constexpr Alias kAliases[] = {
    {commands::ata_attr::kReallocatedSectors, "reallocated"},
    {commands::ata_attr::kCurrentPendingSectors, "pending"},
    {commands::ata_attr::kOfflineUncorrectable, "offline_uncorrectable"},
    {commands::ata_attr::kUdmaCrcErrors, "crc_errors"},
    {commands::ata_attr::kReportedUncorrect, "reported_uncorrect"},
    {commands::ata_attr::kCommandTimeout, "command_timeout"},
    {commands::ata_attr::kReallocatedEvents, "reallocated_events"},
};

constexpr const char* kNvmeFields[] = {
    "critical_warning", "available_spare", "percentage_used", "media_errors", "num_err_log_entries",
    "unsafe_shutdowns", "data_units_read", "data_units_written", "host_reads", "host_writes",
    "controller_busy_time", "warning_temp_time", "critical_comp_time"};

// A member of an object, or null (for a missing key or a non-object).
const json* child(const json* v, const char* key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const auto it = v->find(key);
  return it == v->end() ? nullptr : &*it;
}

std::int64_t clamp64(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

}  // namespace

SmartMetrics smart_metrics(const json& j) {
  SmartMetrics m;
  auto number = [](const json* v) -> std::optional<std::int64_t> {
    if (v == nullptr || !v->is_number()) return std::nullopt;
    if (v->is_number_unsigned()) return clamp64(v->get<std::uint64_t>());
    if (v->is_number_integer()) return v->get<std::int64_t>();
    return static_cast<std::int64_t>(v->get<double>());
  };
  auto at = [&](std::initializer_list<const char*> path) -> const json* {
    const json* v = &j;
    for (const char* k : path) v = child(v, k);
    return v;
  };
  auto add = [&](std::string name, std::optional<std::int64_t> v) {
    if (v) m.emplace_back(std::move(name), *v);
  };
  if (!j.is_object()) return m;
  add("temperature", number(at({"temperature", "current"})));
  add("power_on_hours", number(at({"power_on_time", "hours"})));
  add("power_cycles", number(at({"power_cycle_count"})));
  for (const char* log : {"extended", "summary"})
    if (auto v = number(at({"ata_smart_error_log", log, "count"}))) {
      add("errors", v);
      break;
    }
  if (const json* table = at({"ata_smart_attributes", "table"}); table && table->is_array()) {
    // Aliased attributes first (in the alias order), then the rest.
    std::vector<std::pair<std::string, std::int64_t>> rest;
    std::vector<std::pair<std::size_t, std::int64_t>> aliased;
    for (const json& row : *table) {
      const auto id = number(child(&row, "id"));
      const auto raw = number(child(child(&row, "raw"), "value"));
      if (!id || !raw || *id < 0 || *id > 255) continue;
      commands::AtaSmartAttribute a;
      a.id = static_cast<std::uint8_t>(*id);
      a.raw = static_cast<std::uint64_t>(*raw);
      commands::decode_ata_attribute(a);
      const auto* alias = std::find_if(std::begin(kAliases), std::end(kAliases), [&](const Alias& x) { return x.id == a.id; });
      if (alias != std::end(kAliases))
        aliased.emplace_back(static_cast<std::size_t>(alias - std::begin(kAliases)), clamp64(a.raw_decoded));
      else if (a.id != commands::ata_attr::kTemperature && a.id != commands::ata_attr::kAirflowTemperature &&
               a.id != commands::ata_attr::kPowerOnHours && a.id != commands::ata_attr::kPowerCycleCount)
        rest.emplace_back(a.name, clamp64(a.raw_decoded));
    }
    std::sort(aliased.begin(), aliased.end());
    for (const auto& [i, v] : aliased) m.emplace_back(kAliases[i].name, v);
    for (auto& r : rest) m.push_back(std::move(r));
  }
  if (const json* h = at({"nvme_smart_health_information_log"}); h && h->is_object())
    for (const char* f : kNvmeFields) add(f, number(child(h, f)));
  if (const json* rd = at({"scsi_error_counter_log", "read"}); rd && rd->is_object()) {
    add("read_total_uncorrected", number(child(rd, "total_uncorrected_errors")));
    add("read_total_corrected", number(child(rd, "total_errors_corrected")));
  }
  return m;
}

const std::int64_t* find_metric(const SmartMetrics& m, std::string_view name) {
  for (const auto& [k, v] : m)
    if (k == name) return &v;
  return nullptr;
}

std::vector<std::string> smart_metric_aliases() {
  std::vector<std::string> out{"temperature", "power_on_hours", "power_cycles", "errors"};
  for (const auto& a : kAliases) out.emplace_back(a.name);
  for (const char* f : kNvmeFields) out.emplace_back(f);
  out.emplace_back("read_total_uncorrected");
  return out;
}

}  // namespace ptrescue
