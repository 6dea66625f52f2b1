// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/rescue_order.h"

#include <filesystem>

#include <fmt/format.h>

#include "base/units.h"
#include "src/cli/subcommand_args.h"

namespace ptrescue {

std::vector<std::string> order_files(const std::string& order, const std::string& mapfile) {
  if (order == "fs") return {mapfile + ".metadata", mapfile + ".used", mapfile + ".free"};
  std::vector<std::string> files;
  std::size_t start = 0;
  while (start <= order.size()) {
    const std::size_t comma = std::min(order.find(',', start), order.size());
    const std::string file = order.substr(start, comma - start);
    if (file.empty()) throw UsageError(fmt::format("invalid --order '{}': an empty file name", order));
    files.push_back(file);
    start = comma + 1;
  }
  return files;
}

std::vector<RescueStage> load_rescue_stages(const std::string& order, const std::string& mapfile,
                                            std::int64_t source_size, std::int64_t pos, std::int64_t size) {
  const bool fs = order == "fs";
  std::vector<RescueStage> stages;
  MapFile taken(source_size);  // '+' = in an earlier stage
  for (const std::string& path : order_files(order, mapfile)) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw std::runtime_error(fs ? fmt::format("--order fs needs '{}': run 'ptrescue plan SOURCE IMAGE {}' first", path,
                                                mapfile)
                                  : fmt::format("--order: cannot read domain mapfile '{}': no such file", path));
    const MapFile m = load_named_mapfile(path, "domain mapfile");
    if (m.end_pos() != source_size)
      throw BadInputFile(fmt::format("domain mapfile '{}' describes {} bytes but the source has {}{}", path,
                                     m.end_pos(), source_size, fs ? " (planned for another source?)" : ""));
    MapFile mine(source_size);
    m.for_each([&](const MapBlock& b) {
      if (b.status == BlockStatus::kFinished) mine.set_status(b.pos, b.size, BlockStatus::kFinished);
    });
    taken.for_each([&](const MapBlock& b) {
      if (b.status == BlockStatus::kFinished) mine.set_status(b.pos, b.size, BlockStatus::kNonTried);
    });
    Domain d(mine, pos, size);
    for (const Extent& e : d.extents()) taken.set_status(e, BlockStatus::kFinished);
    stages.push_back({path, std::move(d)});
  }
  return stages;
}

Domain union_of(const std::vector<RescueStage>& stages, std::int64_t source_size) {
  MapFile all(source_size);
  for (const RescueStage& s : stages)
    for (const Extent& e : s.domain.extents()) all.set_status(e, BlockStatus::kFinished);
  return Domain(all, 0, source_size);
}

}  // namespace ptrescue
