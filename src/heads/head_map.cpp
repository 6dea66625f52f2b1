// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/head_map.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "base/units.h"
#include "base/word_list.h"
#include "transport/sim/sim_physics.h"

namespace ptrescue {
namespace {

std::vector<int> parse_head_list(std::string_view w, int line, std::string_view what) {
  std::vector<int> heads;
  for (const std::string& item : split_list(w)) {
    const auto v = parse_plain_number(item);
    if (!v || *v >= static_cast<std::int64_t>(HeadMap::kMaxHeads))
      throw HeadMapError(line, fmt::format("{} '{}': expected head numbers 0..{} separated by commas", what,
                                           w, HeadMap::kMaxHeads - 1));
    heads.push_back(static_cast<int>(*v));
  }
  return heads;
}

Lba need_number(std::string_view w, int line, std::string_view what) {
  const auto v = parse_plain_number(w);
  if (!v) throw HeadMapError(line, fmt::format("{} '{}' is not a number (decimal or 0x hex)", what, w));
  return *v;
}

}  // namespace

HeadMapError::HeadMapError(int line, const std::string& reason)
    : std::runtime_error(fmt::format("line {}: {}", line, reason)), line_(line) {}

void HeadMap::insert(Entry e) {
  if (e.end <= e.start) throw std::invalid_argument("empty head map entry");
  for (int h : e.order)
    if (h < 0 || h >= kMaxHeads) throw std::invalid_argument(fmt::format("head {} is not in 0..{}", h, kMaxHeads - 1));
  auto it = std::lower_bound(entries_.begin(), entries_.end(), e.start,
                             [](const Entry& x, Lba v) { return x.start < v; });
  if (it != entries_.end() && it->start < e.end)
    throw std::invalid_argument(fmt::format("LBAs {}..{} overlap the entry at {}", e.start, e.end - 1, it->start));
  if (it != entries_.begin() && std::prev(it)->end > e.start)
    throw std::invalid_argument(
        fmt::format("LBAs {}..{} overlap the entry at {}", e.start, e.end - 1, std::prev(it)->start));
  entries_.insert(it, std::move(e));
}

void HeadMap::add_run(Lba start, Lba length, int head) {
  if (length > std::numeric_limits<Lba>::max() - start) throw std::invalid_argument("run beyond the largest LBA");
  insert(Entry{start, start + length, 0, {head}});
}

void HeadMap::add_zone(Lba start, Lba end, Lba stripe, std::vector<int> order) {
  if (stripe == 0) throw std::invalid_argument("zero stripe length");
  if (order.empty()) throw std::invalid_argument("empty head order");
  insert(Entry{start, end, stripe, std::move(order)});
}

void HeadMap::set_weak_heads(std::vector<int> heads) {
  std::sort(heads.begin(), heads.end());
  heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
  weak_ = std::move(heads);
}

bool HeadMap::is_weak(int head) const { return std::binary_search(weak_.begin(), weak_.end(), head); }

HeadMap HeadMap::parse(std::string_view text) {
  HeadMap map;
  std::vector<int> weak;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto w = split_words(trim_blanks(line));  // trim_blanks: a CRLF file's CR
    if (w.empty()) continue;
    try {
      if (w[0] == "zone") {
        if (w.size() != 5)
          throw HeadMapError(line_no, "expected 'zone START END STRIPE H0,H1,...'");
        const Lba start = need_number(w[1], line_no, "zone start");
        const Lba end = need_number(w[2], line_no, "zone end");
        const Lba stripe = need_number(w[3], line_no, "stripe length");
        if (end <= start) throw HeadMapError(line_no, fmt::format("zone end {} is not after its start {}", end, start));
        if (stripe == 0) throw HeadMapError(line_no, "stripe length must be above zero");
        auto order = parse_head_list(w[4], line_no, "head order");
        auto sorted = order;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
          throw HeadMapError(line_no, fmt::format("head order '{}' names a head twice", w[4]));
        map.add_zone(start, end, stripe, std::move(order));
      } else if (w[0] == "weak") {
        if (w.size() != 2) throw HeadMapError(line_no, "expected 'weak H[,H...]'");
        for (int h : parse_head_list(w[1], line_no, "weak heads")) weak.push_back(h);
      } else if (w.size() == 3 && parse_plain_number(w[0])) {
        const Lba start = need_number(w[0], line_no, "start LBA");
        const Lba length = need_number(w[1], line_no, "length");
        if (length == 0) throw HeadMapError(line_no, "run length must be above zero");
        const auto head = parse_head_list(w[2], line_no, "head");
        if (head.size() != 1) throw HeadMapError(line_no, fmt::format("a run has one head, not '{}'", w[2]));
        map.add_run(start, length, head[0]);
      } else {
        throw HeadMapError(line_no, fmt::format(
            "cannot read '{}': expected 'START LENGTH HEAD', 'zone START END STRIPE H0,H1,...' or 'weak H,...'",
            std::string(line.substr(line.find_first_not_of(" \t"), 40))));  // a short excerpt of a bad line
      }
    } catch (const std::invalid_argument& e) {
      throw HeadMapError(line_no, e.what());
    }
  }
  map.set_weak_heads(std::move(weak));
  return map;
}

HeadMap HeadMap::from_sim(const SimProfile& profile) {
  const SimGeometry g(profile);
  std::vector<int> order = profile.head_order;
  if (order.empty())
    for (int h = 0; h < profile.heads; ++h) order.push_back(h);
  HeadMap map;
  for (int z = 0; z < g.zones(); ++z) {
    std::vector<int> o = order;
    if (profile.serpentine && z % 2 == 1) std::reverse(o.begin(), o.end());
    map.add_zone(g.zone_start(z), g.zone_end(z), profile.stripe_sectors, std::move(o));
  }
  std::vector<int> weak(profile.dead_heads.begin(), profile.dead_heads.end());
  for (const auto& w : profile.weak_heads) weak.push_back(w.head);
  map.set_weak_heads(std::move(weak));
  return map;
}

std::string HeadMap::serialize(const std::vector<std::string>& comments) const {
  std::string out;
  for (const auto& c : comments) out += "# " + c + "\n";
  out += "# start_lba length head  |  zone START END STRIPE H0,H1,...  (logical sectors)\n";
  auto list = [](const std::vector<int>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? "," : "", v[i]);
    return s;
  };
  if (!weak_.empty()) out += "weak " + list(weak_) + "\n";
  for (const auto& e : entries_) {
    if (e.is_zone()) out += fmt::format("zone {} {} {} {}\n", e.start, e.end, e.stripe, list(e.order));
    else out += fmt::format("{} {} {}\n", e.start, e.end - e.start, e.order[0]);
  }
  return out;
}

std::vector<int> HeadMap::heads() const {
  std::vector<int> all;
  for (const auto& e : entries_) all.insert(all.end(), e.order.begin(), e.order.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::optional<int> HeadMap::head_of(Lba lba) const {
  const int h = span_at(lba).head;
  if (h < 0) return std::nullopt;
  return h;
}

HeadSpan HeadMap::span_at(Lba lba) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), lba,
                             [](Lba v, const Entry& e) { return v < e.start; });
  if (it == entries_.begin()) {
    return HeadSpan{lba, entries_.empty() ? std::numeric_limits<Lba>::max() : entries_.front().start, -1};
  }
  const Entry& e = *std::prev(it);
  if (lba >= e.end)
    return HeadSpan{lba, it == entries_.end() ? std::numeric_limits<Lba>::max() : it->start, -1};
  if (!e.is_zone()) return HeadSpan{lba, e.end, e.order[0]};
  const Lba k = (lba - e.start) / e.stripe;
  const Lba stripe_end = std::min(e.end, e.start + (k + 1) * e.stripe);
  return HeadSpan{lba, stripe_end, e.order[static_cast<std::size_t>(k % e.order.size())]};
}

namespace {

bool wanted(std::uint64_t heads, int h) { return h >= 0 && h < 64 && (heads >> h & 1U) != 0; }

}  // namespace

std::optional<HeadSpan> HeadMap::next_span_of(Lba lba, std::uint64_t heads) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), lba,
                             [](Lba v, const Entry& e) { return v < e.start; });
  if (it != entries_.begin() && std::prev(it)->end > lba) --it;
  for (; it != entries_.end(); ++it) {
    const Entry& e = *it;
    const Lba from = std::max(lba, e.start);
    if (!e.is_zone()) {
      if (wanted(heads, e.order[0])) return HeadSpan{from, e.end, e.order[0]};
      continue;
    }
    const Lba n = e.order.size();
    const Lba k0 = (from - e.start) / e.stripe;
    // One turn through the order finds the head if the zone has it.
    for (Lba k = k0; k < k0 + n; ++k) {
      const Lba s = e.start + k * e.stripe;
      if (s >= e.end) break;
      const int h = e.order[static_cast<std::size_t>(k % n)];
      if (wanted(heads, h)) return HeadSpan{std::max(s, from), std::min(e.end, s + e.stripe), h};
    }
  }
  return std::nullopt;
}

std::optional<HeadSpan> HeadMap::prev_span_of(Lba lba, std::uint64_t heads) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), lba,
                             [](const Entry& e, Lba v) { return e.start < v; });
  // Entries starting before lba, latest first.
  while (it != entries_.begin()) {
    --it;
    const Entry& e = *it;
    const Lba upto = std::min(lba, e.end);  // pieces must start before this
    if (upto <= e.start) continue;
    if (!e.is_zone()) {
      if (wanted(heads, e.order[0])) return HeadSpan{e.start, upto, e.order[0]};
      continue;
    }
    const Lba n = e.order.size();
    const Lba k0 = (upto - 1 - e.start) / e.stripe;
    for (Lba i = 0; i < n && i <= k0; ++i) {
      const Lba k = k0 - i;
      const int h = e.order[static_cast<std::size_t>(k % n)];
      const Lba s = e.start + k * e.stripe;
      if (wanted(heads, h)) return HeadSpan{s, std::min({e.end, s + e.stripe, upto}), h};
    }
  }
  return std::nullopt;
}

}  // namespace ptrescue
