// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/report_inputs.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "base/text_file.h"
#include "base/word_list.h"

#include "src/heads/head_map.h"

namespace ptrescue {
namespace {

// The text of a file the report may do without (a sidecar, a head map):
// nullopt when it is missing or cannot be read.
std::optional<std::string> text_or_nothing(const std::string& path) {
  try {
    return read_whole_file(path);
  } catch (const FileReadError&) {
    return std::nullopt;
  }
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

/// "0x1F" (hex) or "31" (decimal), as both reads logs write them.
bool parse_number(std::string_view t, std::int64_t* out) {
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t.remove_prefix(2);
    base = 16;
  }
  if (t.empty()) return false;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out, base);
  return ec == std::errc() && p == t.data() + t.size() && *out >= 0;
}

std::string json_text(const nlohmann::json* v) {
  if (!v || v->is_null()) return "";
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

/// j at a "/"-separated path, or null.
const nlohmann::json* at_path(const nlohmann::json& j, std::string_view path) {
  const nlohmann::json* cur = &j;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string key(path.substr(0, slash));
    if (!cur->is_object()) return nullptr;
    const auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return cur;
}

}  // namespace

RunInfo parse_run_info(std::string_view text) {
  RunInfo info;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = trim_blanks(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    if (line.front() != '#') break;  // the status line: the header is over
    const std::string_view c = trim_blanks(line.substr(1));
    if (starts_with(c, "Mapfile. Created by ")) info.created_by = c.substr(20);
    else if (starts_with(c, "Command line:")) info.command_line = trim_blanks(c.substr(13));
    else if (starts_with(c, "Start time:")) info.start_time = trim_blanks(c.substr(11));
    else if (starts_with(c, "Current time:")) info.current_time = trim_blanks(c.substr(13));
    else if (starts_with(c, "current_pos")) continue;
    else if (!c.empty()) info.last_comment = c;
  }
  return info;
}

ReadsSummary summarize_reads_log(std::istream& in, std::int64_t begin, std::int64_t end, int bucket_count,
                                 std::size_t max_events, std::size_t slowest_count) {
  ReadsSummary s;
  s.present = true;
  s.begin = begin;
  const std::int64_t extent = std::max<std::int64_t>(1, end - begin);
  bucket_count = std::max(1, bucket_count);
  s.bucket_bytes = std::max<std::int64_t>(1, (extent + bucket_count - 1) / bucket_count);
  s.buckets.resize(static_cast<std::size_t>((extent + s.bucket_bytes - 1) / s.bucket_bytes));
  auto add_event = [&](LogEvent e) {
    if (s.events.size() < max_events) s.events.push_back(std::move(e));
  };
  std::int64_t last_pos = -1;
  std::string line_text;
  while (std::getline(in, line_text)) {
    const std::string_view line = trim_blanks(line_text);
    if (line.empty()) continue;
    if (line.front() == '#') {
      const std::string_view c = trim_blanks(line.substr(1));
      if (starts_with(c, "reset ")) {
        ++s.resets;
        const bool failed = c.find(": failed") != std::string_view::npos;
        if (failed) ++s.resets_failed;
        add_event({"reset", last_pos, std::string(c)});
      } else if (c.empty() || starts_with(c, "Reads Logfile") || starts_with(c, "Command line:") ||
                 starts_with(c, "Start time:") || starts_with(c, "End time:") || starts_with(c, "Ipos") ||
                 starts_with(c, "Current time:")) {
        continue;
      } else {
        ++s.phases;
        add_event({"phase", -1, std::string(c)});
      }
      continue;
    }
    const auto f = split_words(line);
    ReadRecord r;
    std::int64_t error_size = 0;
    if (f.size() < 4 || !parse_number(f[0], &r.pos) || !parse_number(f[1], &r.size) ||
        !parse_number(f[2], &r.copied) || !parse_number(f[3], &error_size)) {
      ++s.malformed_lines;
      continue;
    }
    r.outcome = f.size() >= 5 ? std::string(f[4]) : (r.copied == r.size ? "ok" : "error");
    if (f.size() >= 6 && parse_number(f[5], &r.duration_ms)) s.has_durations = true;
    else r.duration_ms = -1;
    if (f.size() < 7 || !parse_number(f[6], &r.timeout_ms)) r.timeout_ms = -1;

    ++s.reads;
    s.bytes_asked += r.size;
    s.bytes_copied += r.copied;
    ++s.outcomes[r.outcome];
    if (r.duration_ms > 0) s.total_ms += r.duration_ms;
    last_pos = r.pos;
    const bool timeout = r.outcome == "timeout";
    const bool error = !timeout && r.outcome != "ok";
    if (timeout) {
      ++s.timeouts;
      add_event({"timeout", r.pos,
                 fmt::format("timeout reading {} bytes{}", r.size,
                             r.timeout_ms > 0 ? fmt::format(" (limit {} ms)", r.timeout_ms) : "")});
    } else if (r.outcome == "gone") {
      ++s.gone;
      add_event({"gone", r.pos, "the source stopped answering (device gone)"});
    }
    if (r.pos >= begin && r.pos < end) {
      LatencyBucket& b = s.buckets[static_cast<std::size_t>((r.pos - begin) / s.bucket_bytes)];
      ++b.reads;
      b.copied += r.copied;
      if (r.duration_ms >= 0) {
        b.duration_ms += r.duration_ms;
        b.max_ms = std::max(b.max_ms, r.duration_ms);
      }
      if (error) ++b.errors;
      if (timeout) ++b.timeouts;
    }
    if (r.duration_ms >= 0 && slowest_count > 0 &&
        (s.slowest.size() < slowest_count || r.duration_ms > s.slowest.back().duration_ms)) {
      const auto at = std::upper_bound(s.slowest.begin(), s.slowest.end(), r,
                                       [](const ReadRecord& a, const ReadRecord& b) { return a.duration_ms > b.duration_ms; });
      s.slowest.insert(at, r);
      if (s.slowest.size() > slowest_count) s.slowest.pop_back();
    }
  }
  return s;
}

SmartSnapshots read_smart_sidecar(const std::string& path) {
  SmartSnapshots out;
  for (const std::string& line : split_list(text_or_nothing(path).value_or(""), '\n')) {
    if (trim_blanks(line).empty()) continue;
    try {
      auto j = nlohmann::json::parse(line);
      if (!j.is_object()) ++out.malformed_lines;
      else if (at_path(j, "ptrescue/error") != nullptr) ++out.failed_reads;
      else out.snapshots.push_back(std::move(j));
    } catch (const nlohmann::json::exception&) {
      ++out.malformed_lines;
    }
  }
  return out;
}

std::string smart_label(const nlohmann::json& j, std::size_t index) {
  for (const char* p : {"ptrescue/label", "ptrescue/when", "label", "when"})
    if (const auto* v = at_path(j, p); v && v->is_string()) {
      std::string label = v->get<std::string>();
      if (const auto* t = at_path(j, "local_time/asctime"); t && t->is_string())
        label += " (" + t->get<std::string>() + ")";
      return label;
    }
  if (const auto* t = at_path(j, "local_time/asctime"); t && t->is_string()) return t->get<std::string>();
  return fmt::format("snapshot {}", index + 1);
}

std::uint32_t smart_logical_block_size(const nlohmann::json& j) {
  const auto* v = at_path(j, "logical_block_size");
  if (v && v->is_number_unsigned()) return v->get<std::uint32_t>();
  return 0;
}

std::vector<SmartRow> smart_comparison(const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<SmartRow> rows;
  auto add = [&](std::string name, const nlohmann::json* b, const nlohmann::json* a, bool important) {
    if (!b && !a) return;
    SmartRow r{std::move(name), json_text(b), json_text(a), false, important};
    r.changed = r.before != r.after;
    rows.push_back(std::move(r));
  };
  auto both = [&](std::string name, std::string_view path, bool important) {
    add(std::move(name), at_path(before, path), at_path(after, path), important);
  };
  both("SMART overall-health passed", "smart_status/passed", true);
  both("Temperature (C)", "temperature/current", false);
  both("Power-on hours", "power_on_time/hours", false);
  both("Power cycles", "power_cycle_count", false);

  // ATA attributes by id, raw values (what engineers read: counts, not normalised values).
  static const std::set<int> kImportantAta{5, 10, 184, 187, 188, 196, 197, 198, 199};
  std::map<int, std::pair<const nlohmann::json*, const nlohmann::json*>> ata;
  for (int side = 0; side < 2; ++side) {
    const auto* table = at_path(side == 0 ? before : after, "ata_smart_attributes/table");
    if (!table || !table->is_array()) continue;
    for (const auto& attr : *table) {
      const auto* id = at_path(attr, "id");
      if (!id || !id->is_number_integer()) continue;
      auto& slot = ata[id->get<int>()];
      (side == 0 ? slot.first : slot.second) = &attr;
    }
  }
  for (const auto& [id, pair] : ata) {
    const nlohmann::json* any = pair.first ? pair.first : pair.second;
    const auto* name = at_path(*any, "name");
    auto raw = [](const nlohmann::json* attr) -> const nlohmann::json* {
      if (!attr) return nullptr;
      if (const auto* s = at_path(*attr, "raw/string")) return s;
      return at_path(*attr, "raw/value");
    };
    add(fmt::format("{} {}", id, name && name->is_string() ? name->get<std::string>() : "attribute"),
        raw(pair.first), raw(pair.second), kImportantAta.count(id) > 0);
  }

  // NVMe health log: every numeric field.
  static const std::set<std::string> kImportantNvme{"critical_warning", "media_errors", "num_err_log_entries",
                                                    "percentage_used", "available_spare"};
  const auto* nb = at_path(before, "nvme_smart_health_information_log");
  const auto* na = at_path(after, "nvme_smart_health_information_log");
  const auto* nany = nb ? nb : na;
  if (nany && nany->is_object())
    for (const auto& [key, value] : nany->items()) {
      if (!value.is_primitive()) continue;
      const std::string path = "nvme_smart_health_information_log/" + key;
      both("NVMe " + key, path, kImportantNvme.count(key) > 0);
    }

  both("SCSI grown defects", "scsi_grown_defect_list", true);
  both("SCSI uncorrected read errors", "scsi_error_counter_log/read/total_uncorrected_errors", true);
  return rows;
}

HeadRanges read_headmap(const std::string& path) {
  HeadRanges out;
  const std::optional<std::string> text = text_or_nothing(path);
  if (!text) return out;  // no head map: no ranges
  HeadMap map;
  try {
    map = HeadMap::parse(*text);
  } catch (const std::exception& e) {
    out.problem = e.what();
    return out;
  }
  map.for_each_span(0, map.end(), [&](const HeadSpan& s) {
    if (s.head >= 0)
      out.ranges.push_back({static_cast<std::int64_t>(s.start), static_cast<std::int64_t>(s.end - s.start), s.head});
    return true;
  });
  out.weak_heads = map.weak_heads();
  return out;
}

std::vector<HeadStats> head_statistics(const MapFile& map, const HeadRanges& heads, std::uint32_t sector_size) {
  std::map<int, HeadStats> by_head;
  const std::int64_t ss = sector_size;
  for (const HeadRange& r : heads.ranges) {
    HeadStats& h = by_head[r.head];
    h.head = r.head;
    std::int64_t p = std::max(map.begin_pos(), r.start_lba * ss);
    const std::int64_t end = std::min(map.end_pos(), (r.start_lba + r.length) * ss);
    while (p < end) {
      const MapBlock b = map.block_at(p);
      const std::int64_t q = std::min(end, b.end());
      h.bytes += q - p;
      if (b.status == BlockStatus::kFinished) h.rescued += q - p;
      else h.unrescued += q - p;
      if (b.status == BlockStatus::kBadSector) h.bad += q - p;
      p = q;
    }
  }
  std::vector<HeadStats> out;
  for (auto& [head, stats] : by_head) {
    stats.weak = std::find(heads.weak_heads.begin(), heads.weak_heads.end(), head) != heads.weak_heads.end();
    out.push_back(stats);
  }
  return out;
}

}  // namespace ptrescue
