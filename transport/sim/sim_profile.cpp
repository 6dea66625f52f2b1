// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/sim_profile.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/text_file.h"

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

// Simulated times become integer nanoseconds on the simulated clock: a
// day per event, and rates and speeds within these bounds, keep every sum
// far from overflowing.
constexpr double kMaxSimMs = 86'400'000;

void check_ms(double v, std::string_view field) {
  if (!(v >= 0) || !std::isfinite(v)) fail(field, "must be a non-negative number of milliseconds");
  if (v > kMaxSimMs) fail(field, "must be at most 86400000 (a day)");
}

void check_between(double v, double low, double high, std::string_view field) {
  if (!(v >= low && v <= high)) fail(field, fmt::format("must be from {} to {}", low, high));
}

void check_range(Lba start, Lba length, Lba capacity, std::string_view field) {
  if (length == 0) fail(field, "length must be at least 1 sector");
  if (start >= capacity || length > capacity - start)
    fail(field, fmt::format("sectors {}..{} lie beyond the capacity ({} sectors)", start,
                            start + length - 1, capacity));
}

bool power_of_two(std::uint32_t v) { return v != 0 && std::has_single_bit(v); }

// The heads a list names: each below the head count, none twice.
class HeadTally {
 public:
  explicit HeadTally(int heads) : heads_(heads), seen_(static_cast<std::size_t>(heads), false) {}
  void add(int head, const std::string& field) {
    if (head < 0 || head >= heads_) fail(field, fmt::format("head {} is not below heads ({})", head, heads_));
    if (seen_[static_cast<std::size_t>(head)]) fail(field, fmt::format("head {} is listed twice", head));
    seen_[static_cast<std::size_t>(head)] = true;
  }

 private:
  int heads_;
  std::vector<bool> seen_;
};

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

// ---- the profile's parts -----------------------------------------------------

// Sector sizes first: every size field is counted in logical sectors.
void read_sector_sizes(const ObjectReader& top, SimProfile& p) {
  if (const json* v = top.get("logical_sector_size"))
    p.logical_sector_size = as_u32(*v, "logical_sector_size");
  if (!power_of_two(p.logical_sector_size) || p.logical_sector_size < 512 ||
      p.logical_sector_size > kMaxSectorSize)
    fail("logical_sector_size", "must be a power of two from 512 to 65536");
  p.physical_sector_size = p.logical_sector_size;
  if (const json* v = top.get("physical_sector_size"))
    p.physical_sector_size = as_u32(*v, "physical_sector_size");
}

// Capacity, transfer limit, heads, zones and the stripe layout.
void read_geometry(const ObjectReader& top, SimProfile& p) {
  const std::uint32_t ss = p.logical_sector_size;
  const json* capacity = top.get("capacity");
  if (capacity == nullptr && p.contents.empty()) fail("capacity", "is required");
  if (capacity != nullptr) p.capacity_sectors = as_size(*capacity, "capacity", ss);
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
}

// Transfer rates, seek and command times, the cost of each reset.
void read_timing(const ObjectReader& top, SimProfile& p) {
  const std::pair<std::string_view, double*> positives[] = {
      {"rate_outer_mbps", &p.rate_outer_mbps}, {"rate_inner_mbps", &p.rate_inner_mbps}, {"rpm", &p.rpm}};
  for (const auto& [key, slot] : positives)
    if (const json* v = top.get(key)) *slot = as_positive(*v, key);
  const std::pair<std::string_view, double*> times[] = {
      {"seek_track_ms", &p.seek_track_ms},
      {"seek_full_stroke_ms", &p.seek_full_stroke_ms},
      {"head_switch_ms", &p.head_switch_ms},
      {"command_overhead_ms", &p.command_overhead_ms},
      {"error_latency_ms", &p.error_latency_ms},
      {"error_recovery_limit_ms", &p.error_recovery_limit_ms}};
  for (const auto& [key, slot] : times)
    if (const json* v = top.get(key)) *slot = as_ms(*v, key);
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
}

SimSmart as_smart(const json& v) {
  const ObjectReader r(v, "smart",
                       {"enabled", "power_on_hours", "power_cycles", "reallocated", "pending",
                        "reallocate_fraction", "udma_crc_errors", "temperature_c", "temperature_max_c",
                        "heat_minutes"});
  SimSmart m;
  if (const json* k = r.get("enabled")) m.enabled = as_bool(*k, r.field("enabled"));
  const std::pair<std::string_view, std::uint64_t*> counts[] = {
      {"power_on_hours", &m.power_on_hours}, {"power_cycles", &m.power_cycles},
      {"reallocated", &m.reallocated},       {"pending", &m.pending},
      {"udma_crc_errors", &m.udma_crc_errors}};
  for (const auto& [key, slot] : counts)
    if (const json* k = r.get(key)) *slot = as_count(*k, r.field(key));
  if (const json* k = r.get("reallocate_fraction"))
    m.reallocate_fraction = as_fraction(*k, r.field("reallocate_fraction"));
  const std::pair<std::string_view, double*> positives[] = {
      {"temperature_c", &m.temperature_c}, {"temperature_max_c", &m.temperature_max_c},
      {"heat_minutes", &m.heat_minutes}};
  for (const auto& [key, slot] : positives)
    if (const json* k = r.get(key)) *slot = as_positive(*k, r.field(key));
  return m;
}

// Each element of the array `v` (named `field`) read by `read_one` from its
// ObjectReader, which allows `keys`.
template <typename Item, typename ReadOne>
std::vector<Item> as_objects(const json& v, std::string_view field,
                             std::initializer_list<std::string_view> keys, ReadOne read_one) {
  std::vector<Item> out;
  const json& a = as_array(v, field);
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(read_one(ObjectReader(a[i], indexed(field, i), keys)));
  return out;
}

const json& required(const ObjectReader& r, std::string_view key) {
  const json* v = r.get(key);
  if (v == nullptr) fail(r.field(key), "is required");
  return *v;
}

std::vector<SimRange> as_ranges(const json& v, std::string_view field, std::uint32_t ss) {
  return as_objects<SimRange>(v, field, {"start", "length"}, [&](const ObjectReader& r) {
    const json& start = required(r, "start");
    const json& length = required(r, "length");
    return SimRange{.start = as_size(start, r.field("start"), ss), .length = as_size(length, r.field("length"), ss)};
  });
}

std::vector<SimClusterGroup> as_cluster_groups(const json& v, std::uint32_t ss) {
  return as_objects<SimClusterGroup>(v, "bad_clusters", {"count", "length"}, [&](const ObjectReader& r) {
    SimClusterGroup g;
    g.count = as_count(required(r, "count"), r.field("count"));
    if (const json* len = r.get("length")) g.length = as_size(*len, r.field("length"), ss);
    return g;
  });
}

// ---- Wear of a weak head (docs/SIMULATOR.md, "Wear") ----------------------
// Kept in one block: rates per hour of work with the head, all optional.

constexpr double kMaxWearNumber = 1e6;

double as_wear_number(const json& v, std::string_view field) {
  if (!v.is_number()) fail(field, "must be a number");
  const double d = v.get<double>();
  if (!(d >= 0 && d <= kMaxWearNumber)) fail(field, fmt::format("must be from 0 to {}", kMaxWearNumber));
  return d;
}

SimWear as_wear(const json& v, std::string_view field) {
  const ObjectReader r(v, std::string(field),
                       {"per_hour_error_growth", "per_hour_latency_growth_ms", "per_error_read_hours",
                        "dies_at_hours"});
  SimWear w;
  const auto read = [&](std::string_view key, double& into) {
    if (const json* k = r.get(key)) into = as_wear_number(*k, r.field(key));
  };
  read("per_hour_error_growth", w.per_hour_error_growth);
  read("per_hour_latency_growth_ms", w.per_hour_latency_growth_ms);
  read("per_error_read_hours", w.per_error_read_hours);
  read("dies_at_hours", w.dies_at_hours);
  return w;
}

// ---- end of wear ---------------------------------------------------------

std::vector<SimWeakHead> as_weak_heads(const json& v, std::uint32_t ss) {
  return as_objects<SimWeakHead>(
      v, "weak_heads", {"head", "extra_latency_ms", "bad_fraction", "cluster", "wear"}, [&](const ObjectReader& r) {
        SimWeakHead w;
        w.cluster_sectors = kDefaultClusterBytes / ss;
        w.head = as_small_int(required(r, "head"), r.field("head"));
        if (const json* k = r.get("extra_latency_ms")) w.extra_latency_ms = as_ms(*k, r.field("extra_latency_ms"));
        if (const json* k = r.get("bad_fraction")) w.bad_fraction = as_fraction(*k, r.field("bad_fraction"));
        if (const json* k = r.get("cluster")) w.cluster_sectors = as_size(*k, r.field("cluster"), ss);
        if (const json* k = r.get("wear")) w.wear = as_wear(*k, r.field("wear"));
        return w;
      });
}

std::vector<SimSlowRange> as_slow_ranges(const json& v, std::uint32_t ss) {
  return as_objects<SimSlowRange>(v, "slow_ranges", {"start", "length", "extra_ms"}, [&](const ObjectReader& r) {
    SimSlowRange s;
    const json& start = required(r, "start");
    const json& extra = required(r, "extra_ms");
    s.start = as_size(start, r.field("start"), ss);
    s.length = 1;
    if (const json* len = r.get("length")) s.length = as_size(*len, r.field("length"), ss);
    s.extra_ms = as_ms(extra, r.field("extra_ms"));
    return s;
  });
}

// Where the drive fails: bad, hanging and slow sectors, weak and dead heads.
void read_defects(const ObjectReader& top, SimProfile& p) {
  const std::uint32_t ss = p.logical_sector_size;
  if (const json* v = top.get("bad_ranges")) p.bad_ranges = as_ranges(*v, "bad_ranges", ss);
  if (const json* v = top.get("hang_ranges")) p.hang_ranges = as_ranges(*v, "hang_ranges", ss);
  if (const json* v = top.get("bad_clusters")) p.bad_clusters = as_cluster_groups(*v, ss);
  if (const json* v = top.get("weak_heads")) p.weak_heads = as_weak_heads(*v, ss);
  if (const json* v = top.get("dead_heads")) p.dead_heads = as_head_list(*v, "dead_heads");
  if (const json* v = top.get("slow_ranges")) p.slow_ranges = as_slow_ranges(*v, ss);
}

// "contents": a file holding the drive's bytes, relative to `base_dir` (the
// profile's folder). Without "capacity" the drive is the file's size.
void read_contents(const ObjectReader& top, SimProfile& p, const std::filesystem::path& base_dir) {
  const json* v = top.get("contents");
  if (v == nullptr) return;
  const std::string name = as_string(*v, "contents");
  if (name.empty()) fail("contents", "must name a file");
  const std::filesystem::path path = base_dir / name;
  std::error_code ec;
  const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (ec) fail("contents", fmt::format("cannot use '{}': {}", path.string(), ec.message()));
  if (bytes == 0 || bytes % p.logical_sector_size != 0)
    fail("contents", fmt::format("'{}' is {} bytes, not a whole number of {}-byte sectors", path.string(),
                                 bytes, p.logical_sector_size));
  p.contents = path.string();
  p.capacity_sectors = bytes / p.logical_sector_size;
}

SimProfile parse_profile(const json& doc, std::string_view default_name,
                         const std::filesystem::path& base_dir) {
  const ObjectReader top(
      doc, "",
      {"name", "model", "seed", "capacity", "logical_sector_size", "physical_sector_size",
       "max_transfer", "heads", "zones", "stripe", "head_order", "serpentine", "rate_outer_mbps",
       "rate_inner_mbps", "rpm", "seek_track_ms", "seek_full_stroke_ms", "head_switch_ms",
       "command_overhead_ms", "error_latency_ms", "error_recovery_limit_ms", "reset_ms",
       "die_after_error_reads", "bad_ranges", "bad_clusters", "weak_heads", "dead_heads",
       "slow_ranges", "hang_ranges", "smart",
       "contents"});
  SimProfile p;
  p.name = std::string(default_name);
  if (const json* v = top.get("name")) p.name = as_string(*v, "name");
  if (const json* v = top.get("model")) p.model = as_string(*v, "model");
  if (const json* v = top.get("seed")) p.seed = as_count(*v, "seed");
  read_sector_sizes(top, p);
  read_contents(top, p, base_dir);
  read_geometry(top, p);
  read_timing(top, p);
  if (const json* v = top.get("die_after_error_reads"))
    p.die_after_error_reads = as_count(*v, "die_after_error_reads");
  if (const json* v = top.get("smart")) p.smart = as_smart(*v);
  read_defects(top, p);
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
  p.weak_heads = {{.head = 1, .extra_latency_ms = 25, .bad_fraction = 0.01, .cluster_sectors = 64, .wear = {}}};
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
  p.weak_heads = {{.head = 2, .extra_latency_ms = 40, .bad_fraction = 0.05, .cluster_sectors = 128, .wear = {}}};
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
    case ResetKind::kHost:
    case ResetKind::kUsbReset:
    case ResetKind::kUsbRebind: return host_ms;
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
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw SimProfileError(fmt::format("simulator profile: invalid JSON: {}", e.what()));
  }
  return parse_profile(doc, "custom", {});  // "contents" relative to the working folder
}

SimProfile SimProfile::from_json_file(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_whole_file(path.string());
  } catch (const FileReadError& e) {
    throw SimProfileError(fmt::format("cannot read simulator profile {}", e.what()));
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw SimProfileError(fmt::format("simulator profile '{}': invalid JSON: {}", path.string(), e.what()));
  }
  try {
    return parse_profile(doc, path.stem().string(), path.parent_path());
  } catch (const SimProfileError& e) {
    throw SimProfileError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

namespace {

void check_geometry(const SimProfile& p) {
  const std::uint32_t ls = p.logical_sector_size;
  if (!power_of_two(ls) || ls < 512 || ls > kMaxSectorSize)
    fail("logical_sector_size", "must be a power of two from 512 to 65536");
  if (!power_of_two(p.physical_sector_size) || p.physical_sector_size < ls ||
      p.physical_sector_size > kMaxSectorSize)
    fail("physical_sector_size", "must be a power of two from logical_sector_size to 65536");
  const Lba per_phys = p.logical_per_physical();
  if (p.capacity_sectors == 0) fail("capacity", "must be at least 1 sector");
  if (p.capacity_sectors > static_cast<Lba>(std::numeric_limits<std::int64_t>::max()) / ls)
    fail("capacity", "is too large");
  if (p.capacity_sectors % per_phys != 0) fail("capacity", "must be a whole number of physical sectors");
  if (p.max_transfer_sectors == 0) fail("max_transfer", "must be at least 1 sector");
  if (p.heads < 1 || p.heads > kMaxHeads) fail("heads", fmt::format("must be from 1 to {}", kMaxHeads));
  if (p.zones < 1 || static_cast<Lba>(p.zones) > p.capacity_sectors / per_phys)
    fail("zones", "must be from 1 to the number of physical sectors");
  if (p.stripe_sectors == 0 || p.stripe_sectors % per_phys != 0)
    fail("stripe", "must be a positive whole number of physical sectors");
  if (!p.head_order.empty()) {
    if (p.head_order.size() != static_cast<std::size_t>(p.heads))
      fail("head_order", fmt::format("must list each of the {} heads once", p.heads));
    HeadTally listed(p.heads);
    for (std::size_t i = 0; i < p.head_order.size(); ++i) listed.add(p.head_order[i], indexed("head_order", i));
  }
}

void check_timing(const SimProfile& p) {
  check_between(p.rate_outer_mbps, 0.001, 1e6, "rate_outer_mbps");
  check_between(p.rate_inner_mbps, 0.001, 1e6, "rate_inner_mbps");
  check_between(p.rpm, 1, 1e6, "rpm");
  check_ms(p.seek_track_ms, "seek_track_ms");
  check_ms(p.seek_full_stroke_ms, "seek_full_stroke_ms");
  if (p.seek_full_stroke_ms < p.seek_track_ms) fail("seek_full_stroke_ms", "must not be below seek_track_ms");
  check_ms(p.head_switch_ms, "head_switch_ms");
  check_ms(p.command_overhead_ms, "command_overhead_ms");
  check_ms(p.error_latency_ms, "error_latency_ms");
  check_ms(p.error_recovery_limit_ms, "error_recovery_limit_ms");
  check_ms(p.reset_ms.soft_ms, "reset_ms.soft");
  check_ms(p.reset_ms.device_ms, "reset_ms.device");
  check_ms(p.reset_ms.target_ms, "reset_ms.target");
  check_ms(p.reset_ms.bus_ms, "reset_ms.bus");
  check_ms(p.reset_ms.host_ms, "reset_ms.host");
  check_ms(p.reset_ms.power_cycle_ms, "reset_ms.power_cycle");
}

void check_smart(const SimSmart& smart) {
  if (!(smart.temperature_c > 0) || smart.temperature_c > 125) fail("smart.temperature_c", "must be above 0 and at most 125");
  if (!(smart.temperature_max_c >= smart.temperature_c && smart.temperature_max_c <= 125))
    fail("smart.temperature_max_c", "must be from smart.temperature_c to 125");
  if (!(smart.heat_minutes > 0) || !(smart.heat_minutes <= 1e6)) fail("smart.heat_minutes", "must be above 0 and at most 1000000");
  if (!(smart.reallocate_fraction >= 0 && smart.reallocate_fraction <= 1))
    fail("smart.reallocate_fraction", "must be from 0 to 1");
}

void check_bad_clusters(const std::vector<SimClusterGroup>& groups, Lba capacity) {
  std::uint64_t clusters = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& g = groups[i];
    if (g.length == 0 || g.length > capacity)
      fail(indexed("bad_clusters", i) + ".length", "must be from 1 sector to the capacity");
    if (g.count > kMaxClusters - clusters)
      fail(indexed("bad_clusters", i) + ".count", fmt::format("more than {} clusters in all", kMaxClusters));
    clusters += g.count;
  }
}

void check_wear(const SimWear& w, const std::string& f) {
  const auto check = [&](double v, std::string_view key) {
    if (!(v >= 0 && v <= kMaxWearNumber)) fail(f + "." + std::string(key), fmt::format("must be from 0 to {}", kMaxWearNumber));
  };
  check(w.per_hour_error_growth, "per_hour_error_growth");
  check(w.per_hour_latency_growth_ms, "per_hour_latency_growth_ms");
  check(w.per_error_read_hours, "per_error_read_hours");
  check(w.dies_at_hours, "dies_at_hours");
}

void check_heads(const SimProfile& p) {
  const Lba per_phys = p.logical_per_physical();
  HeadTally weak(p.heads);
  for (std::size_t i = 0; i < p.weak_heads.size(); ++i) {
    const auto& w = p.weak_heads[i];
    const std::string f = indexed("weak_heads", i);
    weak.add(w.head, f + ".head");
    check_ms(w.extra_latency_ms, f + ".extra_latency_ms");
    if (!(w.bad_fraction >= 0 && w.bad_fraction <= 1)) fail(f + ".bad_fraction", "must be between 0 and 1");
    if (w.cluster_sectors == 0 || w.cluster_sectors % per_phys != 0)
      fail(f + ".cluster", "must be a positive whole number of physical sectors");
    check_wear(w.wear, f + ".wear");
  }
  HeadTally dead(p.heads);
  for (std::size_t i = 0; i < p.dead_heads.size(); ++i) dead.add(p.dead_heads[i], indexed("dead_heads", i));
}

void check_slow_ranges(const std::vector<SimSlowRange>& slow, Lba capacity) {
  std::vector<std::size_t> order(slow.size());
  for (std::size_t i = 0; i < slow.size(); ++i) {
    check_range(slow[i].start, slow[i].length, capacity, indexed("slow_ranges", i));
    check_ms(slow[i].extra_ms, indexed("slow_ranges", i) + ".extra_ms");
    order[i] = i;
  }
  // Slow ranges may not overlap: "extra per read touching the range" would
  // otherwise be ambiguous where two meet.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return slow[a].start < slow[b].start; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (slow[order[k]].start < slow[order[k - 1]].end())
      fail(indexed("slow_ranges", order[k]), fmt::format("overlaps slow_ranges[{}]", order[k - 1]));
  }
}

}  // namespace

void SimProfile::validate() const {
  check_geometry(*this);
  check_timing(*this);
  check_smart(smart);
  for (std::size_t i = 0; i < bad_ranges.size(); ++i)
    check_range(bad_ranges[i].start, bad_ranges[i].length, capacity_sectors, indexed("bad_ranges", i));
  for (std::size_t i = 0; i < hang_ranges.size(); ++i)
    check_range(hang_ranges[i].start, hang_ranges[i].length, capacity_sectors, indexed("hang_ranges", i));
  check_bad_clusters(bad_clusters, capacity_sectors);
  check_heads(*this);
  check_slow_ranges(slow_ranges, capacity_sectors);
}

}  // namespace ptrescue
