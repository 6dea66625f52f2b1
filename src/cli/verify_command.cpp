// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue verify SOURCE IMAGE [MAPFILE]`: re-reads the source through the
// same opener as `rescue` (files, block devices, sim:) and compares.
#include <algorithm>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/progress_line.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/image_commands.h"
#include "src/cli/open_device.h"
#include "src/cli/subcommand_args.h"
#include "src/verify/segment_verify.h"
#include "src/verify/verify_image.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

std::atomic<bool> g_verify_stop{false};
extern "C" void on_verify_signal(int) { g_verify_stop.store(true); }

Subcommand verify_command() {
  Subcommand c("verify", "[options] SOURCE IMAGE [MAPFILE]",
               "Reads SOURCE again and compares it with IMAGE (image byte = source byte); with\n"
               "MAPFILE only the rescued ('+') areas. Exit status: 0 identical, 6 different (the\n"
               "first differing sector is named), 7 nothing differs but some sectors could not be\n"
               "read again, 4 the source vanished, 1 usage or file errors, 2 malformed mapfile.\n"
               "With --hashes MAPFILE.hashes: range by range against the recorded hashes (the\n"
               "image hashed again, the source read and hashed again); a range the source reads\n"
               "whole is proven even when others fail (exit 7 then, 6 if a range differs).");
  // clang-format off
  c.options.add_options()
    ("sector-size,b", po::value<std::string>(), "sector size in bytes (default: the device's)")
    ("idirect,d", "direct disk access for a file or block device source (O_DIRECT)")
    ("timeout", po::value<std::string>(), "per-command timeout (default 10s)")
    ("hashes", po::value<std::string>(), "compare range by range with this MAPFILE.hashes (from rescue or hash --segments)");
  // clang-format on
  add_progress_options(c);
  return c;
}

/// What verify was asked: the files and how to read the source.
struct VerifyRequest {
  std::string source, image, mapfile;
  std::string hashes;  ///< --hashes FILE
  SourceOptions source_options;
  Millis timeout = std::chrono::seconds(10);
};

VerifyRequest verify_request(const SubcommandArgs& a) {
  VerifyRequest q;
  q.source = a.files[0];
  q.image = a.files[1];
  if (a.files.size() == 3) q.mapfile = a.files[2];
  q.hashes = a.text("hashes");
  if (!q.hashes.empty() && !q.mapfile.empty())
    throw UsageError("--hashes compares the ranges of the hashes file: give SOURCE and IMAGE only");
  q.source_options.direct = a.has("idirect");
  if (a.has("sector-size")) q.source_options.sector_size = parse_sector_size_option(a.text("sector-size"));
  if (a.has("timeout")) {
    q.timeout = parse_duration(a.text("timeout"), "--timeout");
    if (q.timeout.count() <= 0) throw UsageError("invalid --timeout: must be above zero");
  }
  return q;
}

/// The exit status and the one word that names the outcome.
struct Verdict {
  int exit_status;
  const char* word;
};

Verdict verdict_of(const VerifyResult& r) {
  if (r.differing_bytes > 0) return {kExitVerifyDifferent, "different"};
  if (r.source_gone) return {exit_code::kDeviceGone, "source gone"};
  if (r.interrupted) return {130, "interrupted"};
  if (r.unreadable_bytes > 0) return {kExitVerifyIncomplete, "incomplete"};
  return {exit_code::kOk, "identical"};
}

std::string lba_range(const Extent& e, std::int64_t ss) {
  const std::int64_t first = e.pos / ss, n = e.size / ss;
  return n == 1 ? fmt::format("LBA {}", first) : fmt::format("LBA {}-{} ({} sectors)", first, first + n - 1, n);
}

nlohmann::json areas_json(const std::vector<Extent>& areas, std::int64_t ss) {
  auto list = nlohmann::json::array();
  for (const Extent& e : areas) list.push_back({{"lba", e.pos / ss}, {"sectors", e.size / ss}});
  return list;
}

void print_verify_json(const VerifyRequest& q, const VerifyResult& r, const Verdict& v) {
  const std::int64_t ss = r.sector_size;
  nlohmann::json j{{"source", q.source},
                   {"image", q.image},
                   {"mapfile", q.mapfile},
                   {"sector_size", ss},
                   {"result", v.word},
                   {"compared_bytes", r.compared_bytes},
                   {"differing_bytes", r.differing_bytes},
                   {"differing_sectors", r.differing_sectors},
                   {"missing_bytes", r.missing_bytes},
                   {"unreadable_bytes", r.unreadable_bytes},
                   {"not_compared_bytes", r.skipped_bytes}};
  if (r.first_difference) {
    j["first_difference_byte"] = *r.first_difference;
    j["first_difference_lba"] = *r.first_difference / ss;
  }
  j["differing_areas"] = areas_json(r.differing_areas, ss);
  j["unreadable_areas"] = areas_json(r.unreadable_areas, ss);
  fmt::print("{}\n", j.dump(2));
}

/// The first ten areas, one a line, under a line of the text report.
void print_areas(const std::vector<Extent>& areas, std::int64_t ss) {
  for (std::size_t i = 0; i < areas.size() && i < 10; ++i) fmt::print("                {}\n", lba_range(areas[i], ss));
}

void print_verdict_text(const VerifyResult& r, int exit_status) {
  const std::int64_t ss = r.sector_size;
  switch (exit_status) {
    case exit_code::kOk:
      fmt::print("IDENTICAL: every compared byte matches\n");
      break;
    case kExitVerifyDifferent:
      fmt::print("DIFFERENT: first difference at LBA {} (byte {})\n", *r.first_difference / ss, *r.first_difference);
      fmt::print(stderr, "ptrescue: the image differs from the source, first at LBA {} (byte {})\n",
                 *r.first_difference / ss, *r.first_difference);
      break;
    case kExitVerifyIncomplete:
      fmt::print("INCOMPLETE: nothing differs, but {} bytes could not be read from the source again\n",
                 r.unreadable_bytes);
      break;
    case exit_code::kDeviceGone:
      fmt::print("STOPPED: the source vanished; nothing differed up to there\n");
      break;
    default:
      fmt::print("INTERRUPTED: nothing differed up to there\n");
  }
}

void print_verify_text(const VerifyRequest& q, const VerifyResult& r, const Verdict& v) {
  const std::int64_t ss = r.sector_size;
  fmt::print("verify: '{}' against '{}'{}\n", q.source, q.image,
             q.mapfile.empty() ? std::string() : fmt::format(", the rescued areas of '{}'", q.mapfile));
  fmt::print("  compared:     {} bytes ({})\n", r.compared_bytes, format_size(r.compared_bytes));
  fmt::print("  different:    {} bytes in {} sectors{}\n", r.differing_bytes, r.differing_sectors,
             r.missing_bytes > 0 ? fmt::format(" ({} bytes past the end of the image)", r.missing_bytes) : "");
  print_areas(r.differing_areas, ss);
  fmt::print("  unreadable:   {} bytes (the source failed to read them now; not compared)\n", r.unreadable_bytes);
  print_areas(r.unreadable_areas, ss);
  if (!q.mapfile.empty()) fmt::print("  not compared: {} bytes (not rescued in the mapfile)\n", r.skipped_bytes);
  print_verdict_text(r, v.exit_status);
}

/// Reads the source again and compares, with a progress line; SIGINT and
/// SIGTERM end the comparison early (reported as interrupted).
VerifyResult compare_with_source(const VerifyRequest& q, const std::optional<MapFile>& map,
                                 ProgressLine::Style style) {
  const auto source = open_source(q.source, q.source_options);
  const auto source_size = static_cast<std::int64_t>(source->identity().capacity_bytes());
  const MapFile* m = map ? &*map : nullptr;
  // A map over more bytes than the source has belongs to another source:
  // comparing only what fits would call the image identical.
  if (m != nullptr && m->end_pos() > source_size)
    throw BadInputFile(fmt::format("mapfile '{}' describes {} bytes but the source has only {}", q.mapfile,
                                   m->end_pos(), source_size));
  struct sigaction sa {};
  sa.sa_handler = on_verify_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ProgressLine progress(stderr, style, fmt::format("verifying '{}'", q.image), bytes_to_verify(source_size, m));
  return verify_image(*source, q.image, m, q.timeout, &progress, &g_verify_stop);
}

void install_verify_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_verify_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Verdict segment_verdict(const SegmentVerifyResult& r) {
  if (r.count(SegmentVerdict::kMismatch) > 0) return {kExitVerifyDifferent, "different"};
  if (r.source_gone) return {exit_code::kDeviceGone, "source gone"};
  if (r.interrupted) return {130, "interrupted"};
  if (r.count(SegmentVerdict::kUnreadable) > 0) return {kExitVerifyIncomplete, "incomplete"};
  return {exit_code::kOk, "identical"};
}

std::string segment_detail(const SegmentCheck& c) {
  if (c.verdict == SegmentVerdict::kMismatch)
    return !c.image_matches ? "the image changed since it was hashed" : "the source holds other data now";
  if (c.verdict == SegmentVerdict::kUnreadable && c.first_unreadable_lba)
    return fmt::format("the source failed at LBA {}", *c.first_unreadable_lba);
  if (c.verdict == SegmentVerdict::kIncomplete) return "not all rescued when hashed: the image is unchanged";
  return "";
}

void print_segments_json(const VerifyRequest& q, const SegmentVerifyResult& r, const Verdict& v) {
  auto ranges = nlohmann::json::array();
  for (const SegmentCheck& c : r.checks) {
    nlohmann::json j{{"start_lba", c.row.start_lba}, {"end_lba", c.row.end_lba}, {"complete", c.row.complete},
                     {"result", std::string(verdict_word(c.verdict))}, {"image_matches", c.image_matches}};
    if (c.source_matches) j["source_matches"] = *c.source_matches;
    if (c.first_unreadable_lba) j["first_unreadable_lba"] = *c.first_unreadable_lba;
    ranges.push_back(j);
  }
  nlohmann::json j{{"source", q.source}, {"image", q.image}, {"hashes", q.hashes}, {"result", v.word}, {"ranges", ranges}};
  for (auto k : {SegmentVerdict::kMatch, SegmentVerdict::kMismatch, SegmentVerdict::kUnreadable,
                 SegmentVerdict::kIncomplete, SegmentVerdict::kNotCompared})
    j["counts"][std::string(verdict_word(k))] = r.count(k);
  fmt::print("{}\n", j.dump(2));
}

void print_segments_text(const VerifyRequest& q, const SegmentVerifyResult& r, const Verdict& v) {
  fmt::print("verify: '{}' against '{}', range by range from '{}'\n", q.source, q.image, q.hashes);
  std::size_t shown = 0;
  for (const SegmentCheck& c : r.checks) {
    if (c.verdict == SegmentVerdict::kMatch || ++shown > 50) continue;
    const std::string detail = segment_detail(c);
    fmt::print("  LBA {}-{}: {}{}\n", c.row.start_lba, c.row.end_lba, verdict_word(c.verdict),
               detail.empty() ? "" : " (" + detail + ")");
  }
  if (shown > 50) fmt::print("  ... and {} more ranges that are not a match (--json lists all)\n", shown - 50);
  fmt::print("  {} ranges: {} match, {} mismatch, {} unreadable, {} incomplete, {} not compared\n", r.checks.size(),
             r.count(SegmentVerdict::kMatch), r.count(SegmentVerdict::kMismatch), r.count(SegmentVerdict::kUnreadable),
             r.count(SegmentVerdict::kIncomplete), r.count(SegmentVerdict::kNotCompared));
  fmt::print("{}\n", v.exit_status == exit_code::kOk ? "IDENTICAL: every complete range matches"
                      : v.exit_status == kExitVerifyDifferent ? "DIFFERENT: a range does not match its hashes"
                      : v.exit_status == kExitVerifyIncomplete ? "INCOMPLETE: nothing differs, but some ranges could not be read again"
                                                               : "STOPPED: nothing differed up to there");
}

int verify_by_segments(const SubcommandArgs& a, const VerifyRequest& q) {
  std::vector<SegmentHash> rows;
  try {
    rows = read_segment_hashes(q.hashes);
  } catch (const std::runtime_error& e) {
    throw BadInputFile(e.what());
  }
  const auto source = open_source(q.source, q.source_options);
  install_verify_signals();
  std::int64_t total = 0;
  const auto capacity = static_cast<std::int64_t>(source->identity().capacity_sectors);
  for (const SegmentHash& row : rows)  // rows past the source are refused by verify_segments
    total += std::min(row.sectors(), capacity) * source->identity().logical_sector_size;
  ProgressLine progress(stderr, progress_style(a), fmt::format("verifying '{}' by ranges", q.image), total);
  SegmentVerifyResult r;
  try {
    r = verify_segments(*source, q.image, rows, q.timeout, &progress, &g_verify_stop);
  } catch (const std::invalid_argument& e) {
    throw BadInputFile(fmt::format("'{}': {}", q.hashes, e.what()));
  }
  const Verdict v = segment_verdict(r);
  if (a.has("json")) print_segments_json(q, r, v);
  else print_segments_text(q, r, v);
  return v.exit_status;
}

int verify(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 3);
  const VerifyRequest q = verify_request(a);
  if (!q.hashes.empty()) return verify_by_segments(a, q);
  const std::optional<MapFile> map =
      q.mapfile.empty() ? std::nullopt : std::optional<MapFile>(load_named_mapfile(q.mapfile));
  const VerifyResult r = compare_with_source(q, map, progress_style(a));
  const Verdict v = verdict_of(r);
  if (a.has("json")) print_verify_json(q, r, v);
  else print_verify_text(q, r, v);
  return v.exit_status;
}

}  // namespace

int run_verify_command(const std::vector<std::string>& args) {
  const Subcommand command = verify_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return verify(a, command); });
}

}  // namespace ptrescue
