// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_stop_rules.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/units.h"
#include "commands/ata_smart.h"
#include "src/smart/smart_metrics.h"
#include "base/word_list.h"

namespace ptrescue {

namespace {

/// A name some drive's snapshot can carry (src/smart/smart_metrics.cpp):
/// the short names, and smartctl's attribute names by ID.
bool is_known_smart_metric(const std::string& name) {
  const std::vector<std::string> aliases = smart_metric_aliases();
  if (std::find(aliases.begin(), aliases.end(), name) != aliases.end() || name == "read_total_corrected") return true;
  if (name == "Unknown_Attribute") return false;
  for (int id = 1; id < 256; ++id)
    if (commands::ata_attribute_name(static_cast<std::uint8_t>(id)) == name) return true;
  return false;
}

}  // namespace

std::vector<SmartStopRule> parse_smart_stop_rules(const std::string& text) {
  std::vector<SmartStopRule> rules;
  std::vector<std::string> items = split_list(text);
  if (items.empty()) items.emplace_back();  // "" is refused like any rule without an operator
  for (std::string& item : items) {
    std::erase_if(item, [](unsigned char c) { return std::isspace(c) != 0; });
    SmartStopRule r;
    r.text = item;
    std::size_t op = std::string::npos;
    for (const auto& [word, kind] : {std::pair{"+=", SmartStopRule::Kind::kRise},
                                     std::pair{">=", SmartStopRule::Kind::kAtLeast},
                                     std::pair{"<=", SmartStopRule::Kind::kAtMost}}) {
      const auto at = item.find(word);
      if (at != std::string::npos && at > 0) {
        op = at;
        r.kind = kind;
        break;
      }
    }
    if (op == std::string::npos)
      throw UsageError(fmt::format(
          "invalid --smart-stop rule '{}': expected NAME+=N, NAME>=N or NAME<=N (e.g. pending+=50)", item));
    r.metric = item.substr(0, op);
    const std::string number = item.substr(op + 2);
    try {
      std::size_t used = 0;
      r.limit = std::stoll(number, &used);
      if (used != number.size() || r.limit < 0) throw std::invalid_argument(number);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("invalid --smart-stop rule '{}': '{}' is not a non-negative whole number",
                                   item, number));
    }
    for (char c : r.metric)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
        throw UsageError(fmt::format("invalid --smart-stop rule '{}': bad name '{}'", item, r.metric));
    if (!is_known_smart_metric(r.metric))
      throw UsageError(fmt::format(
          "invalid --smart-stop rule '{}': no SMART metric '{}' (e.g. pending, reallocated, temperature, "
          "media_errors; see docs/SMART.md)", item, r.metric));
    rules.push_back(std::move(r));
  }
  return rules;
}

std::optional<std::string> fired_smart_stop_rule(const std::vector<SmartStopRule>& rules,
                                                 const SmartMetrics& baseline, const SmartMetrics& current) {
  for (const auto& r : rules) {
    const std::int64_t* now = find_metric(current, r.metric);
    if (now == nullptr) continue;
    switch (r.kind) {
      case SmartStopRule::Kind::kRise: {
        const std::int64_t* first = find_metric(baseline, r.metric);
        if (first == nullptr) continue;
        if (*now - *first >= r.limit)
          return fmt::format("{}: {} rose from {} to {} ({:+})", r.text, r.metric, *first, *now, *now - *first);
        break;
      }
      case SmartStopRule::Kind::kAtLeast:
        if (*now >= r.limit) return fmt::format("{}: {} is {}", r.text, r.metric, *now);
        break;
      case SmartStopRule::Kind::kAtMost:
        if (*now <= r.limit) return fmt::format("{}: {} is {}", r.text, r.metric, *now);
        break;
    }
  }
  return std::nullopt;
}

}  // namespace ptrescue
