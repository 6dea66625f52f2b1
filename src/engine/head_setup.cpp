// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/head_setup.h"

#include <fstream>

#include <fmt/format.h>

#include "base/text_file.h"
#include "base/units.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {
namespace {

HeadMap load_head_map(const std::string& path) {
  std::string text;
  try {
    text = read_whole_file(path);
  } catch (const FileReadError& e) {
    throw HeadMapFileError(fmt::format("cannot open head map {}", e.what()));
  }
  try {
    return HeadMap::parse(text);
  } catch (const HeadMapError& e) {
    throw HeadMapFileError(fmt::format("head map '{}': {}", path, e.what()));
  }
}

bool file_exists(const std::string& path) { return static_cast<bool>(std::ifstream(path)); }

/// Every head an option names is one the head map knows: a head beyond the
/// drive's would silently do nothing.
void check_heads_exist(const HeadOptions& o, const HeadMap& known) {
  const std::vector<int> heads = known.heads();
  const int count = heads.empty() ? 0 : heads.back() + 1;
  auto check = [&](int h, std::string_view option) {
    if (h >= count)
      throw UsageError(fmt::format("invalid {}: head {} is beyond the drive's heads (its head map has heads 0..{})",
                                   option, h, count - 1));
  };
  for (const auto& [h, d] : o.timeouts) check(h, "--head-timeout");
  for (const auto& [h, n] : o.retries) check(h, "--head-retries");
  for (int h : o.skip) check(h, "--skip-head");
  for (int h : o.order) check(h, "--head-order");
}

}  // namespace

Domain domain_by_heads(const Domain& d, const HeadMap& map, std::uint64_t mask, bool keep, std::int64_t ss) {
  if (d.empty()) return d;
  MapFile m(d.end_pos());
  for (const Extent& e : d.extents()) {
    if (!keep) m.set_status(e, BlockStatus::kFinished);
    Lba lba = static_cast<Lba>(e.pos / ss);
    const Lba end = static_cast<Lba>((e.end() + ss - 1) / ss);
    while (lba < end) {
      const auto s = map.next_span_of(lba, mask);
      if (!s || s->start >= end) break;
      const std::int64_t a = std::max(e.pos, static_cast<std::int64_t>(s->start) * ss);
      const std::int64_t b = std::min(e.end(), static_cast<std::int64_t>(s->end) * ss);
      if (b > a) m.set_status(a, b - a, keep ? BlockStatus::kFinished : BlockStatus::kNonTried);
      lba = s->end;
    }
  }
  return Domain(m, d.begin_pos(), d.end_pos() - d.begin_pos());
}

std::string head_map_path_for(const std::string& mapfile_path) { return mapfile_path + ".headmap"; }

HeadSetup setup_head_scheduling(const HeadOptions& options, const std::string& mapfile_path, const Device& source,
                                const MapFile& map, const Domain& domain, const RescueOptions& ro) {
  HeadSetup out;
  if (options.source == HeadOptions::MapSource::kNone) return out;
  // Inference orders the copying, trimming and scraping; a map with none of
  // that left, and no per-head option, gains nothing from it, while fitting
  // over a finished map's bad sectors cost every resume of a million-fragment
  // map ~0.4 s (eight times the rest of it).
  const MapTotals& left = map.totals();
  if (options.source == HeadOptions::MapSource::kInfer && left.non_tried == 0 && left.non_trimmed == 0 &&
      left.non_scraped == 0 && options.timeouts.empty() && options.retries.empty() && options.skip.empty() &&
      options.order.empty())
    return out;
  const DeviceIdentity& id = source.identity();
  HeadScheduler::Setup s;
  s.options = options;
  s.capacity = id.capacity_sectors;
  s.sector_size = id.logical_sector_size;
  s.cluster_bytes = std::max<std::int64_t>(1, std::min<std::int64_t>(ro.cluster_sectors, id.max_transfer_sectors)) *
                    id.logical_sector_size;
  s.skip_initial = ro.skip_initial < 0 ? default_skip_initial(static_cast<std::int64_t>(id.capacity_bytes()))
                                       : ro.skip_initial;
  s.skip_max = ro.skip_max;
  s.time_reads = id.transport != "file";  // an image's read times are the host's, not a drive's heads'
  const std::string saved = head_map_path_for(mapfile_path);
  switch (options.source) {
    case HeadOptions::MapSource::kFile:
      s.known = load_head_map(options.map_path);
      s.infer = false;
      break;
    case HeadOptions::MapSource::kSim: {
      const auto* sim = dynamic_cast<const SimulatedDevice*>(&source);
      if (!sim) throw UsageError("--head-map sim needs a simulated source (sim:NAME or sim:PROFILE.json)");
      s.known = HeadMap::from_sim(sim->profile());
      s.infer = false;
      break;
    }
    default:
      // An earlier run's inference when this run resumes it; else infer now
      // (over what a run that left no progress in the mapfile left behind:
      // it may be another drive's).
      if (file_exists(saved) && map.totals().non_tried != map.end_pos() - map.begin_pos()) {
        s.known = load_head_map(saved);
      } else {
        s.save_path = saved;
      }
      break;
  }
  if (!s.known.empty()) check_heads_exist(options, s.known);
  if (!options.skip.empty() && s.known.empty())
    throw UsageError(fmt::format(
        "--skip-head needs a head map: give --head-map FILE, or let a first run infer one into '{}'", saved));
  out.scheduler = std::make_unique<HeadScheduler>(std::move(s));
  out.scheduler->learn_from_map(map);
  if (!options.skip.empty()) {
    // The skipped heads leave the domain: no phase ever reads them.
    std::uint64_t mask = 0;
    for (int h : options.skip) mask |= std::uint64_t{1} << h;
    out.domain.emplace(domain_by_heads(domain, out.scheduler->map(), mask, false, id.logical_sector_size));
  }
  return out;
}

}  // namespace ptrescue
