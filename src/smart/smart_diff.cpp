// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_diff.h"

#include <fmt/format.h>

namespace ptrescue {

std::vector<SmartChange> smart_changes(const SmartMetrics& first, const SmartMetrics& last) {
  std::vector<SmartChange> out;
  for (const auto& [name, value] : last) {
    const std::int64_t* before = find_metric(first, name);
    if (before != nullptr && *before != value) out.push_back({name, *before, value});
  }
  return out;
}

std::optional<SmartDiff> smart_diff(const std::vector<SmartSnapshot>& snapshots) {
  SmartDiff d;
  const SmartSnapshot* first = nullptr;
  const SmartSnapshot* last = nullptr;
  for (const auto& s : snapshots) {
    if (!s.smart) {
      ++d.failed;
      continue;
    }
    ++d.snapshots;
    if (first == nullptr) first = &s;
    last = &s;
  }
  if (first == nullptr) return std::nullopt;
  d.first = *first;
  d.last = *last;
  d.changes = smart_changes(smart_metrics(*first->smart), smart_metrics(*last->smart));
  return d;
}

namespace {

std::string when(const SmartSnapshot& s) {
  return s.phase.empty() ? fmt::format("{} {}", s.event, s.time) : fmt::format("{} {} ({})", s.event, s.time, s.phase);
}

}  // namespace

std::string smart_diff_text(const SmartDiff& d) {
  std::string out = fmt::format("SMART, first vs last of {} snapshot{}{}:\n  first: {}\n  last:  {}\n", d.snapshots,
                                d.snapshots == 1 ? "" : "s",
                                d.failed > 0 ? fmt::format(" ({} more could not be read)", d.failed) : "",
                                when(d.first), when(d.last));
  if (d.changes.empty()) return out + "  nothing changed\n";
  std::size_t width = 0;
  for (const auto& c : d.changes) width = std::max(width, c.name.size());
  for (const auto& c : d.changes)
    out += fmt::format("  {:<{}}  {} -> {} ({:+})\n", c.name, width, c.first, c.last, c.last - c.first);
  return out;
}

nlohmann::json smart_diff_json(const SmartDiff& d) {
  auto brief = [](const SmartSnapshot& s) {
    return nlohmann::json{{"time", s.time}, {"event", s.event}, {"phase", s.phase}, {"pass", s.pass},
                          {"device_seconds", s.device_seconds}};
  };
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : d.changes)
    changes.push_back({{"name", c.name}, {"first", c.first}, {"last", c.last}, {"change", c.last - c.first}});
  return {{"first", brief(d.first)}, {"last", brief(d.last)}, {"snapshots", d.snapshots}, {"failed", d.failed},
          {"changes", changes}};
}

}  // namespace ptrescue
