#include "src/heads/head_options.h"

#include <fmt/format.h>

#include "base/units.h"
#include "base/word_list.h"
#include "src/heads/head_map.h"

namespace ptrescue {
namespace {

int parse_head(const std::string& w, const std::string& option) {
  int h = -1;
  try {
    std::size_t used = 0;
    h = std::stoi(w, &used);
    if (used != w.size()) h = -1;
  } catch (const std::exception&) {
    h = -1;
  }
  if (h < 0 || h >= HeadMap::kMaxHeads)
    throw UsageError(fmt::format("invalid {} head '{}': expected a head number 0..{}", option, w,
                                 HeadMap::kMaxHeads - 1));
  return h;
}

// "H=VALUE,H=VALUE": calls f(head, value text).
template <class F>
void parse_assignments(const std::string& text, const std::string& option, F&& f) {
  for (const auto& item : split_list(text)) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("invalid {} item '{}': expected HEAD=VALUE", option, item));
    f(parse_head(item.substr(0, eq), option), item.substr(eq + 1));
  }
}

}  // namespace

void parse_head_options(HeadOptions& o, const std::string& map, const std::string& timeouts,
                        const std::string& retries, const std::string& skip, const std::string& order) {
  if (map.empty()) {
    // not given: keep the default
  } else if (map == "infer") o.source = HeadOptions::MapSource::kInfer;
  else if (map == "none") o.source = HeadOptions::MapSource::kNone;
  else if (map == "sim") o.source = HeadOptions::MapSource::kSim;
  else {
    o.source = HeadOptions::MapSource::kFile;
    o.map_path = map;
  }
  if (!timeouts.empty())
    parse_assignments(timeouts, "--head-timeout", [&](int h, const std::string& v) {
      const auto d = parse_duration(v, "--head-timeout");
      if (d.count() <= 0) throw UsageError("invalid --head-timeout: must be above zero");
      o.timeouts[h] = d;
    });
  if (!retries.empty())
    parse_assignments(retries, "--head-retries", [&](int h, const std::string& v) {
      const auto n = parse_size(v, 1, "--head-retries");
      if (n > 1000000) throw UsageError("invalid --head-retries: at most 1000000 passes");
      o.retries[h] = static_cast<int>(n);
    });
  if (!skip.empty())
    for (const auto& w : split_list(skip)) o.skip.push_back(parse_head(w, "--skip-head"));
  if (!order.empty())
    for (const auto& w : split_list(order)) o.order.push_back(parse_head(w, "--head-order"));
  const bool per_head = !o.skip.empty() || !o.timeouts.empty() || !o.retries.empty() || !o.order.empty();
  if (per_head && map.empty()) o.source = HeadOptions::MapSource::kInfer;  // they need a head map
  if (per_head && o.source == HeadOptions::MapSource::kNone)
    throw UsageError("--head-map none leaves no heads for --skip-head, --head-timeout, --head-retries or --head-order");
}

}  // namespace ptrescue
