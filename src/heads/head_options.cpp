// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/head_options.h"

#include <algorithm>

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

// parse_head, refusing a head already in `seen` (and adding it there).
int parse_unique_head(const std::string& w, const std::string& option, std::vector<int>& seen) {
  const int h = parse_head(w, option);
  if (std::find(seen.begin(), seen.end(), h) != seen.end())
    throw UsageError(fmt::format("invalid {}: head {} given twice", option, h));
  seen.push_back(h);
  return h;
}

// "H=VALUE,H=VALUE": calls f(head, value text); a head named twice is
// refused, not silently overridden.
template <class F>
void parse_assignments(const std::string& text, const std::string& option, F&& f) {
  std::vector<int> seen;
  for (const auto& item : split_list(text)) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("invalid {} item '{}': expected HEAD=VALUE", option, item));
    f(parse_unique_head(item.substr(0, eq), option, seen), item.substr(eq + 1));
  }
}

// "H,H,...": every head once.
std::vector<int> parse_head_list(const std::string& text, const std::string& option) {
  std::vector<int> heads;
  for (const auto& w : split_list(text)) parse_unique_head(w, option, heads);
  return heads;
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
  if (!skip.empty()) o.skip = parse_head_list(skip, "--skip-head");
  if (!order.empty()) o.order = parse_head_list(order, "--head-order");
  const bool per_head = !o.skip.empty() || !o.timeouts.empty() || !o.retries.empty() || !o.order.empty();
  if (per_head && map.empty()) o.source = HeadOptions::MapSource::kInfer;  // they need a head map
  if (per_head && o.source == HeadOptions::MapSource::kNone)
    throw UsageError("--head-map none leaves no heads for --skip-head, --head-timeout, --head-retries or --head-order");
}

}  // namespace ptrescue
