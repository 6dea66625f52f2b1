#include "transport/sim/sim_profile.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ptrescue {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMaxClusters = 1'000'000;  // Random clusters are stored: bound memory.
constexpr int kMaxHeads = 64;                       // Physics keeps touched heads in a bit mask.
constexpr std::uint32_t kMaxSectorSize = 65536;

// Defaults of size fields, in bytes so they hold at any sector size.
constexpr std::uint64_t kDefaultMaxTransferBytes = 32ULL << 20;
constexpr std::uint64_t kDefaultStripeBytes = 16ULL << 20;
constexpr std::uint64_t kDefaultClusterBytes = 32ULL << 10;

[[noreturn]] void fail(std::string_view field, std::string_view why) {
  throw SimProfileError(fmt::format("simulator profile: field '{}': {}", field, why));
}

std::string indexed(std::string_view array, std::size_t i) { return fmt::format("{}[{}]", array, i); }

// ---- validation ------------------------------------------------------------

void check_ms(double v, std::string_view field) {
  if (!(v >= 0) || !std::isfinite(v)) fail(field, "must be a non-negative number of milliseconds");
}

void check_range(Lba start, Lba length, Lba capacity, std::string_view field) {
  if (length == 0) fail(field, "length must be at least 1 sector");
  if (start >= capacity || length > capacity - start)
    fail(field, fmt::format("sectors {}..{} lie beyond the capacity ({} sectors)", start,
                            start + length - 1, capacity));
}

bool power_of_two(std::uint32_t v) { return v != 0 && std::has_single_bit(v); }

// ---- JSON reading ----------------------------------------------------------

// One JSON object being read: rejects keys it was not told about, and knows
// the dotted path of each field for error messages.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path, std::initializer_list<std::string_view> allowed)
      : obj_(obj), path_(std::move(path)) {
    if (!obj.is_object()) fail(path_.empty() ? "(top level)" : path_, "must be a JSON object");
    for (const auto& item : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
        fail(field(item.key()), "unknown field (see docs/SIMULATOR.md)");
    }
  }
  const json* get(std::string_view key) const {
    const auto it = obj_.find(std::string(key));
    return it == obj_.end() ? nullptr : &*it;
  }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

 private:
  const json& obj_;
  std::string path_;
};

std::uint64_t as_count(const json& v, std::string_view field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) fail(field, "must not be negative");
  fail(field, "must be a non-negative integer");
}

int as_small_int(const json& v, std::string_view field) {
  const std::uint64_t n = as_count(v, field);
  if (n > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) fail(field, "is too large");
  return static_cast<int>(n);
}

std::uint32_t as_u32(const json& v, std::string_view field) {
  const std::uint64_t n = as_count(v, field);
  if (n > std::numeric_limits<std::uint32_t>::max()) fail(field, "is too large");
  return static_cast<std::uint32_t>(n);
}

double as_ms(const json& v, std::string_view field) {
  if (!v.is_number()) fail(field, "must be a number of milliseconds");
  const double d = v.get<double>();
  if (d < 0) fail(field, "must not be negative");
  return d;
}

double as_positive(const json& v, std::string_view field) {
  if (!v.is_number()) fail(field, "must be a number");
  const double d = v.get<double>();
  if (!(d > 0)) fail(field, "must be greater than 0");
  return d;
}

double as_fraction(const json& v, std::string_view field) {
  if (!v.is_number()) fail(field, "must be a number between 0 and 1");
  const double d = v.get<double>();
  if (!(d >= 0 && d <= 1)) fail(field, "must be between 0 and 1");
  return d;
}

bool as_bool(const json& v, std::string_view field) {
  if (!v.is_boolean()) fail(field, "must be true or false");
  return v.get<bool>();
}

std::string as_string(const json& v, std::string_view field) {
  if (!v.is_string()) fail(field, "must be a string");
  return v.get<std::string>();
}

const json& as_array(const json& v, std::string_view field) {
  if (!v.is_array()) fail(field, "must be an array");
  return v;
}

// A size: an integer is a count of logical sectors; a string is bytes with a
// unit ("1GiB", "500 GB", "4096B") and must be a whole number of sectors.
Lba as_size(const json& v, std::string_view field, std::uint32_t sector_size) {
  if (v.is_number()) return as_count(v, field);
  if (!v.is_string())
    fail(field, "must be a number of sectors or a string with a unit such as \"64MiB\"");
  const std::string text = v.get<std::string>();
  std::uint64_t value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [p, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) fail(field, fmt::format("'{}' is too large", text));
  if (ec != std::errc() || p == first)
    fail(field, fmt::format("'{}' is not a size such as \"64MiB\"", text));
  std::string_view unit(p, static_cast<std::size_t>(last - p));
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"B", 1},
      {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
      {"kB", 1000}, {"KB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000},
      {"TB", 1000'000'000'000ULL},
  };
  const auto* u = std::find_if(std::begin(kUnits), std::end(kUnits),
                               [&](const auto& e) { return e.first == unit; });
  if (u == std::end(kUnits))
    fail(field, fmt::format("'{}' has no known unit (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB; "
                            "a bare number is sectors)",
                            text));
  if (value != 0 && u->second > std::numeric_limits<std::uint64_t>::max() / value)
    fail(field, fmt::format("'{}' is too large", text));
  const std::uint64_t bytes = value * u->second;
  if (bytes % sector_size != 0)
    fail(field, fmt::format("'{}' is not a whole number of {}-byte sectors", text, sector_size));
  return bytes / sector_size;
}

std::vector<int> as_head_list(const json& v, std::string_view field) {
  std::vector<int> heads;
  const json& a = as_array(v, field);
  for (std::size_t i = 0; i < a.size(); ++i) heads.push_back(as_small_int(a[i], indexed(field, i)));
  return heads;
}

std::vector<SimRange> as_ranges(const json& v, std::string_view field, std::uint32_t sector_size) {
  std::vector<SimRange> out;
  const json& a = as_array(v, field);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const ObjectReader r(a[i], indexed(field, i), {"start", "length"});
    SimRange range;
    const json* start = r.get("start");
    const json* length = r.get("length");
    if (start == nullptr) fail(r.field("start"), "is required");
    if (length == nullptr) fail(r.field("length"), "is required");
    range.start = as_size(*start, r.field("start"), sector_size);
    range.length = as_size(*length, r.field("length"), sector_size);
    out.push_back(range);
  }
  return out;
}

SimProfile parse_profile(const json& doc, std::string_view default_name) {
  const ObjectReader top(
      doc, "",
      {"name", "model", "seed", "capacity", "logical_sector_size", "physical_sector_size",
       "max_transfer", "heads", "zones", "stripe", "head_order", "serpentine", "rate_outer_mbps",
       "rate_inner_mbps", "rpm", "seek_track_ms", "seek_full_stroke_ms", "head_switch_ms",
       "command_overhead_ms", "error_latency_ms", "error_recovery_limit_ms", "reset_ms",
       "die_after_error_reads", "bad_ranges", "bad_clusters", "weak_heads", "dead_heads",
       "slow_ranges", "hang_ranges", "smart"});
  SimProfile p;
  p.name = std::string(default_name);
  if (const json* v = top.get("name")) p.name = as_string(*v, "name");
  if (const json* v = top.get("model")) p.model = as_string(*v, "model");
  if (const json* v = top.get("seed")) p.seed = as_count(*v, "seed");

  // Sector sizes first: every size field is counted in logical sectors.
  if (const json* v = top.get("logical_sector_size"))
    p.logical_sector_size = as_u32(*v, "logical_sector_size");
  if (!power_of_two(p.logical_sector_size) || p.logical_sector_size < 512 ||
      p.logical_sector_size > kMaxSectorSize)
    fail("logical_sector_size", "must be a power of two from 512 to 65536");
  p.physical_sector_size = p.logical_sector_size;
  if (const json* v = top.get("physical_sector_size"))
    p.physical_sector_size = as_u32(*v, "physical_sector_size");
  const std::uint32_t ss = p.logical_sector_size;

  const json* capacity = top.get("capacity");
  if (capacity == nullptr) fail("capacity", "is required");
  p.capacity_sectors = as_size(*capacity, "capacity", ss);
  p.max_transfer_sectors = static_cast<std::uint32_t>(kDefaultMaxTransferBytes / ss);
  if (const json* v = top.get("max_transfer")) {
    const Lba n = as_size(*v, "max_transfer", ss);
    if (n > std::numeric_limits<std::uint32_t>::max()) fail("max_transfer", "is too large");
    p.max_transfer_sectors = static_cast<std::uint32_t>(n);
  }

  if (const json* v = top.get("heads")) p.heads = as_small_int(*v, "heads");
  // The default zone count shrinks on a drive too small for it.
  const Lba physical_sectors = p.capacity_sectors / (std::max(p.physical_sector_size, ss) / ss);
  if (static_cast<Lba>(p.zones) > physical_sectors) p.zones = static_cast<int>(std::max<Lba>(physical_sectors, 1));
  if (const json* v = top.get("zones")) p.zones = as_small_int(*v, "zones");
  p.stripe_sectors = kDefaultStripeBytes / ss;
  if (const json* v = top.get("stripe")) p.stripe_sectors = as_size(*v, "stripe", ss);
  if (const json* v = top.get("head_order")) p.head_order = as_head_list(*v, "head_order");
  if (const json* v = top.get("serpentine")) p.serpentine = as_bool(*v, "serpentine");

  if (const json* v = top.get("rate_outer_mbps")) p.rate_outer_mbps = as_positive(*v, "rate_outer_mbps");
  if (const json* v = top.get("rate_inner_mbps")) p.rate_inner_mbps = as_positive(*v, "rate_inner_mbps");
  if (const json* v = top.get("rpm")) p.rpm = as_positive(*v, "rpm");
  if (const json* v = top.get("seek_track_ms")) p.seek_track_ms = as_ms(*v, "seek_track_ms");
  if (const json* v = top.get("seek_full_stroke_ms"))
    p.seek_full_stroke_ms = as_ms(*v, "seek_full_stroke_ms");
  if (const json* v = top.get("head_switch_ms")) p.head_switch_ms = as_ms(*v, "head_switch_ms");
  if (const json* v = top.get("command_overhead_ms"))
    p.command_overhead_ms = as_ms(*v, "command_overhead_ms");
  if (const json* v = top.get("error_latency_ms")) p.error_latency_ms = as_ms(*v, "error_latency_ms");
  if (const json* v = top.get("error_recovery_limit_ms"))
    p.error_recovery_limit_ms = as_ms(*v, "error_recovery_limit_ms");
  if (const json* v = top.get("reset_ms")) {
    const ObjectReader r(*v, "reset_ms", {"soft", "device", "target", "bus", "host", "power_cycle"});
    const std::pair<std::string_view, double*> kinds[] = {
        {"soft", &p.reset_ms.soft_ms},     {"device", &p.reset_ms.device_ms},
        {"target", &p.reset_ms.target_ms}, {"bus", &p.reset_ms.bus_ms},
        {"host", &p.reset_ms.host_ms},     {"power_cycle", &p.reset_ms.power_cycle_ms},
    };
    for (const auto& [key, slot] : kinds)
      if (const json* k = r.get(key)) *slot = as_ms(*k, r.field(key));
  }
  if (const json* v = top.get("die_after_error_reads"))
    p.die_after_error_reads = as_count(*v, "die_after_error_reads");
  if (const json* v = top.get("smart")) {
    const ObjectReader r(*v, "smart",
                         {"enabled", "power_on_hours", "power_cycles", "reallocated", "pending",
                          "reallocate_fraction", "udma_crc_errors", "temperature_c", "temperature_max_c",
                          "heat_minutes"});
    SimSmart& m = p.smart;
    if (const json* k = r.get("enabled")) m.enabled = as_bool(*k, r.field("enabled"));
    const std::pair<std::string_view, std::uint64_t*> counts[] = {
        {"power_on_hours", &m.power_on_hours}, {"power_cycles", &m.power_cycles},
        {"reallocated", &m.reallocated},       {"pending", &m.pending},
        {"udma_crc_errors", &m.udma_crc_errors}};
    for (const auto& [key, slot] : counts)
      if (const json* k = r.get(key)) *slot = as_count(*k, r.field(key));
    if (const json* k = r.get("reallocate_fraction"))
      m.reallocate_fraction = as_fraction(*k, r.field("reallocate_fraction"));
    if (const json* k = r.get("temperature_c")) m.temperature_c = as_positive(*k, r.field("temperature_c"));
    if (const json* k = r.get("temperature_max_c"))
      m.temperature_max_c = as_positive(*k, r.field("temperature_max_c"));
    if (const json* k = r.get("heat_minutes")) m.heat_minutes = as_positive(*k, r.field("heat_minutes"));
  }

  if (const json* v = top.get("bad_ranges")) p.bad_ranges = as_ranges(*v, "bad_ranges", ss);
  if (const json* v = top.get("hang_ranges")) p.hang_ranges = as_ranges(*v, "hang_ranges", ss);
  if (const json* v = top.get("bad_clusters")) {
    const json& a = as_array(*v, "bad_clusters");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const ObjectReader r(a[i], indexed("bad_clusters", i), {"count", "length"});
      SimClusterGroup g;
      const json* count = r.get("count");
      if (count == nullptr) fail(r.field("count"), "is required");
      g.count = as_count(*count, r.field("count"));
      if (const json* len = r.get("length")) g.length = as_size(*len, r.field("length"), ss);
      p.bad_clusters.push_back(g);
    }
  }
  if (const json* v = top.get("weak_heads")) {
    const json& a = as_array(*v, "weak_heads");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const ObjectReader r(a[i], indexed("weak_heads", i),
                           {"head", "extra_latency_ms", "bad_fraction", "cluster"});
      SimWeakHead w;
      w.cluster_sectors = kDefaultClusterBytes / ss;
      const json* head = r.get("head");
      if (head == nullptr) fail(r.field("head"), "is required");
      w.head = as_small_int(*head, r.field("head"));
      if (const json* k = r.get("extra_latency_ms"))
        w.extra_latency_ms = as_ms(*k, r.field("extra_latency_ms"));
      if (const json* k = r.get("bad_fraction")) w.bad_fraction = as_fraction(*k, r.field("bad_fraction"));
      if (const json* k = r.get("cluster")) w.cluster_sectors = as_size(*k, r.field("cluster"), ss);
      p.weak_heads.push_back(w);
    }
  }
  if (const json* v = top.get("dead_heads")) p.dead_heads = as_head_list(*v, "dead_heads");
  if (const json* v = top.get("slow_ranges")) {
    const json& a = as_array(*v, "slow_ranges");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const ObjectReader r(a[i], indexed("slow_ranges", i), {"start", "length", "extra_ms"});
      SimSlowRange s;
      const json* start = r.get("start");
      const json* extra = r.get("extra_ms");
      if (start == nullptr) fail(r.field("start"), "is required");
      if (extra == nullptr) fail(r.field("extra_ms"), "is required");
      s.start = as_size(*start, r.field("start"), ss);
      s.length = 1;
      if (const json* len = r.get("length")) s.length = as_size(*len, r.field("length"), ss);
      s.extra_ms = as_ms(*extra, r.field("extra_ms"));
      p.slow_ranges.push_back(s);
    }
  }
  p.validate();
  return p;
}

// ---- built-in profiles -----------------------------------------------------

constexpr Lba kMiB = 2048;  // 512-byte sectors per MiB.

SimProfile demo() {
  SimProfile p;
  p.name = "demo";
  p.seed = 0xDE30;
  p.capacity_sectors = 1024 * kMiB;
  p.heads = 4;
  p.zones = 8;
  p.stripe_sectors = 4 * kMiB;
  p.weak_heads = {{.head = 1, .extra_latency_ms = 25, .bad_fraction = 0.01, .cluster_sectors = 64}};
  p.bad_clusters = {{.count = 24, .length = 8}, {.count = 6, .length = 128}};
  p.bad_ranges = {{.start = 300 * kMiB, .length = 2048}};
  p.slow_ranges = {{.start = 100000, .length = 64, .extra_ms = 400},
                   {.start = 1500000, .length = 8, .extra_ms = 2500},
                   {.start = 1900000, .length = 256, .extra_ms = 8000}};
  return p;
}

SimProfile healthy() {
  SimProfile p;
  p.name = "healthy";
  p.capacity_sectors = 128 * kMiB;
  p.heads = 2;
  p.zones = 4;
  p.stripe_sectors = 4 * kMiB;
  return p;
}

SimProfile weak_head() {
  SimProfile p;
  p.name = "weak-head";
  p.seed = 0x3EA7;
  p.capacity_sectors = 512 * kMiB;
  p.heads = 4;
  p.zones = 8;
  p.stripe_sectors = 4 * kMiB;
  p.weak_heads = {{.head = 2, .extra_latency_ms = 40, .bad_fraction = 0.05, .cluster_sectors = 128}};
  return p;
}

SimProfile scattered() {
  SimProfile p;
  p.name = "scattered";
  p.seed = 0x5CA7;
  p.capacity_sectors = 256 * kMiB;
  p.heads = 2;
  p.zones = 4;
  p.stripe_sectors = 4 * kMiB;
  p.bad_clusters = {{.count = 400, .length = 1}, {.count = 100, .length = 8}, {.count = 10, .length = 256}};
  p.slow_ranges = {{.start = 50000, .length = 32, .extra_ms = 300},
                   {.start = 350000, .length = 32, .extra_ms = 300}};
  return p;
}

SimProfile hang() {
  SimProfile p;
  p.name = "hang";
  p.seed = 0x4A46;
  p.capacity_sectors = 128 * kMiB;
  p.heads = 2;
  p.zones = 4;
  p.stripe_sectors = 4 * kMiB;
  p.hang_ranges = {{.start = 100000, .length = 1}, {.start = 200000, .length = 1}};
  p.bad_ranges = {{.start = 150000, .length = 512}};
  return p;
}

}  // namespace

double SimResetCosts::for_kind(ResetKind kind) const {
  switch (kind) {
    case ResetKind::kSoft: return soft_ms;
    case ResetKind::kDevice: return device_ms;
    case ResetKind::kTarget: return target_ms;
    case ResetKind::kBus: return bus_ms;
    case ResetKind::kHost: return host_ms;
    case ResetKind::kPowerCycle: return power_cycle_ms;
  }
  return power_cycle_ms;
}

std::vector<std::string> SimProfile::builtin_names() {
  return {"demo", "healthy", "weak-head", "scattered", "hang"};
}

SimProfile SimProfile::builtin(std::string_view name) {
  SimProfile p;
  if (name == "demo") p = demo();
  else if (name == "healthy") p = healthy();
  else if (name == "weak-head") p = weak_head();
  else if (name == "scattered") p = scattered();
  else if (name == "hang") p = hang();
  else
    throw SimProfileError(fmt::format("unknown simulator profile '{}' (built-in: {}; or a path ending in .json)",
                                      name, fmt::join(builtin_names(), ", ")));
  p.validate();
  return p;
}

SimProfile SimProfile::from_json(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw SimProfileError(fmt::format("simulator profile: invalid JSON: {}", e.what()));
  }
  return parse_profile(doc, "custom");
}

SimProfile SimProfile::from_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SimProfileError(fmt::format("cannot open simulator profile '{}'", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw SimProfileError(fmt::format("simulator profile '{}': invalid JSON: {}", path.string(), e.what()));
  }
  try {
    return parse_profile(doc, path.stem().string());
  } catch (const SimProfileError& e) {
    throw SimProfileError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

void SimProfile::validate() const {
  const std::uint32_t ls = logical_sector_size;
  if (!power_of_two(ls) || ls < 512 || ls > kMaxSectorSize)
    fail("logical_sector_size", "must be a power of two from 512 to 65536");
  if (!power_of_two(physical_sector_size) || physical_sector_size < ls ||
      physical_sector_size > kMaxSectorSize)
    fail("physical_sector_size", "must be a power of two from logical_sector_size to 65536");
  const Lba per_phys = logical_per_physical();
  if (capacity_sectors == 0) fail("capacity", "must be at least 1 sector");
  if (capacity_sectors > static_cast<Lba>(std::numeric_limits<std::int64_t>::max()) / ls)
    fail("capacity", "is too large");
  if (capacity_sectors % per_phys != 0) fail("capacity", "must be a whole number of physical sectors");
  if (max_transfer_sectors == 0) fail("max_transfer", "must be at least 1 sector");
  if (heads < 1 || heads > kMaxHeads) fail("heads", fmt::format("must be from 1 to {}", kMaxHeads));
  if (zones < 1 || static_cast<Lba>(zones) > capacity_sectors / per_phys)
    fail("zones", "must be from 1 to the number of physical sectors");
  if (stripe_sectors == 0 || stripe_sectors % per_phys != 0)
    fail("stripe", "must be a positive whole number of physical sectors");
  if (!head_order.empty()) {
    if (head_order.size() != static_cast<std::size_t>(heads))
      fail("head_order", fmt::format("must list each of the {} heads once", heads));
    std::vector<bool> seen(static_cast<std::size_t>(heads), false);
    for (std::size_t i = 0; i < head_order.size(); ++i) {
      const int h = head_order[i];
      if (h < 0 || h >= heads) fail(indexed("head_order", i), fmt::format("head {} is not below heads ({})", h, heads));
      if (seen[static_cast<std::size_t>(h)]) fail(indexed("head_order", i), fmt::format("head {} is listed twice", h));
      seen[static_cast<std::size_t>(h)] = true;
    }
  }
  if (!(rate_outer_mbps > 0) || !std::isfinite(rate_outer_mbps)) fail("rate_outer_mbps", "must be greater than 0");
  if (!(rate_inner_mbps > 0) || !std::isfinite(rate_inner_mbps)) fail("rate_inner_mbps", "must be greater than 0");
  if (!(rpm > 0) || !std::isfinite(rpm)) fail("rpm", "must be greater than 0");
  check_ms(seek_track_ms, "seek_track_ms");
  check_ms(seek_full_stroke_ms, "seek_full_stroke_ms");
  if (seek_full_stroke_ms < seek_track_ms) fail("seek_full_stroke_ms", "must not be below seek_track_ms");
  check_ms(head_switch_ms, "head_switch_ms");
  check_ms(command_overhead_ms, "command_overhead_ms");
  check_ms(error_latency_ms, "error_latency_ms");
  check_ms(error_recovery_limit_ms, "error_recovery_limit_ms");
  check_ms(reset_ms.soft_ms, "reset_ms.soft");
  check_ms(reset_ms.device_ms, "reset_ms.device");
  check_ms(reset_ms.target_ms, "reset_ms.target");
  check_ms(reset_ms.bus_ms, "reset_ms.bus");
  check_ms(reset_ms.host_ms, "reset_ms.host");
  check_ms(reset_ms.power_cycle_ms, "reset_ms.power_cycle");
  if (!(smart.temperature_c > 0) || smart.temperature_c > 125) fail("smart.temperature_c", "must be above 0 and at most 125");
  if (smart.temperature_max_c < smart.temperature_c || smart.temperature_max_c > 125)
    fail("smart.temperature_max_c", "must be from smart.temperature_c to 125");
  if (!(smart.heat_minutes > 0) || !std::isfinite(smart.heat_minutes)) fail("smart.heat_minutes", "must be greater than 0");
  if (!(smart.reallocate_fraction >= 0 && smart.reallocate_fraction <= 1))
    fail("smart.reallocate_fraction", "must be from 0 to 1");

  for (std::size_t i = 0; i < bad_ranges.size(); ++i)
    check_range(bad_ranges[i].start, bad_ranges[i].length, capacity_sectors, indexed("bad_ranges", i));
  for (std::size_t i = 0; i < hang_ranges.size(); ++i)
    check_range(hang_ranges[i].start, hang_ranges[i].length, capacity_sectors, indexed("hang_ranges", i));
  std::uint64_t clusters = 0;
  for (std::size_t i = 0; i < bad_clusters.size(); ++i) {
    const auto& g = bad_clusters[i];
    if (g.length == 0 || g.length > capacity_sectors)
      fail(indexed("bad_clusters", i) + ".length", "must be from 1 sector to the capacity");
    if (g.count > kMaxClusters - clusters)
      fail(indexed("bad_clusters", i) + ".count", fmt::format("more than {} clusters in all", kMaxClusters));
    clusters += g.count;
  }
  std::vector<bool> weak(static_cast<std::size_t>(heads), false);
  for (std::size_t i = 0; i < weak_heads.size(); ++i) {
    const auto& w = weak_heads[i];
    const std::string f = indexed("weak_heads", i);
    if (w.head < 0 || w.head >= heads)
      fail(f + ".head", fmt::format("head {} is not below heads ({})", w.head, heads));
    if (weak[static_cast<std::size_t>(w.head)]) fail(f + ".head", fmt::format("head {} is listed twice", w.head));
    weak[static_cast<std::size_t>(w.head)] = true;
    check_ms(w.extra_latency_ms, f + ".extra_latency_ms");
    if (!(w.bad_fraction >= 0 && w.bad_fraction <= 1)) fail(f + ".bad_fraction", "must be between 0 and 1");
    if (w.cluster_sectors == 0 || w.cluster_sectors % per_phys != 0)
      fail(f + ".cluster", "must be a positive whole number of physical sectors");
  }
  std::vector<bool> dead(static_cast<std::size_t>(heads), false);
  for (std::size_t i = 0; i < dead_heads.size(); ++i) {
    const int h = dead_heads[i];
    if (h < 0 || h >= heads) fail(indexed("dead_heads", i), fmt::format("head {} is not below heads ({})", h, heads));
    if (dead[static_cast<std::size_t>(h)]) fail(indexed("dead_heads", i), fmt::format("head {} is listed twice", h));
    dead[static_cast<std::size_t>(h)] = true;
  }
  std::vector<std::size_t> order(slow_ranges.size());
  for (std::size_t i = 0; i < slow_ranges.size(); ++i) {
    const auto& s = slow_ranges[i];
    check_range(s.start, s.length, capacity_sectors, indexed("slow_ranges", i));
    check_ms(s.extra_ms, indexed("slow_ranges", i) + ".extra_ms");
    order[i] = i;
  }
  // Slow ranges may not overlap: "extra per read touching the range" would
  // otherwise be ambiguous where two meet.
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return slow_ranges[a].start < slow_ranges[b].start; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (slow_ranges[order[k]].start < slow_ranges[order[k - 1]].end())
      fail(indexed("slow_ranges", order[k]), fmt::format("overlaps slow_ranges[{}]", order[k - 1]));
  }
}

}  // namespace ptrescue
