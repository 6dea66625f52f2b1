// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/rescue_record.h"

#include <sys/stat.h>

#include <ctime>
#include <sstream>

#include <fmt/format.h>

#include "src/cli/exit_codes.h"
#include "src/smart/smart_diff.h"
#include "src/smart/smart_sidecar.h"
#include "src/verify/hash_sidecar.h"
#include "src/verify/segment_hashes.h"

namespace ptrescue {
namespace {

constexpr std::size_t kLoggedSegments = 64;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// Whether `path` was written at or after `since` (seconds since the epoch).
bool written_since(const std::string& path, std::int64_t since) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_mtime >= since;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string outcome_of(int exit_status) {
  switch (exit_status) {
    case exit_code::kOk: return "finished";
    case exit_code::kDeviceGone: return "stopped: the source stopped answering (resume with the same command)";
    case exit_code::kSmartStop: return "stopped: a SMART stop rule fired (resume with the same command)";
    case exit_code::kTooManyBadAreas: return "stopped: too many failed reads, --max-error-reads (resume with the same command)";
    default:
      return exit_status > 128 ? fmt::format("interrupted by signal {} (resume with the same command)", exit_status - 128)
                               : fmt::format("stopped with exit status {}", exit_status);
  }
}

std::vector<std::string> smart_lines(const std::string& mapfile, std::int64_t since) {
  std::vector<SmartSnapshot> session;
  for (SmartSnapshot& s : SmartSidecar(smart_sidecar_path(mapfile)).read_all())
    if (s.time_t_value >= since) session.push_back(std::move(s));
  const auto diff = smart_diff(session);
  if (!diff) {
    if (session.empty()) return {"no SMART snapshot in this session"};
    return {fmt::format("no SMART report in this session's {} snapshots: {}", session.size(), session.back().error)};
  }
  std::vector<std::string> lines{fmt::format("before: {} ({})", diff->first.label, diff->first.time),
                                 fmt::format("after:  {} ({})", diff->last.label, diff->last.time)};
  for (std::string& line : lines_of(smart_diff_text(*diff))) lines.push_back(std::move(line));
  return lines;
}

std::vector<std::string> hash_lines(const std::string& mapfile, std::int64_t since) {
  std::vector<std::string> lines;
  const std::string whole = hash_sidecar_path(mapfile);
  try {
    if (written_since(whole, since))
      if (const auto r = read_hash_sidecar(whole)) {
        lines.push_back(fmt::format("whole image ({} bytes, {}, {}):", r->bytes, r->method,
                                    r->complete ? "complete" : fmt::format("{} bytes not rescued", r->unrescued_bytes)));
        for (const HashValue& v : r->values) lines.push_back(fmt::format("  {} {}", hash_tag(v.algorithm), v.hex));
      }
    const std::string ranges = segment_hashes_path(mapfile);
    if (written_since(ranges, since)) {
      const auto rows = read_segment_hashes(ranges);
      std::size_t complete = 0;
      for (const SegmentHash& r : rows) complete += r.complete ? 1 : 0;
      lines.push_back(fmt::format("by ranges: {} ranges ({} complete) in '{}'; the first {}:", rows.size(), complete,
                                  ranges, std::min(rows.size(), kLoggedSegments)));
      for (std::size_t i = 0; i < rows.size() && i < kLoggedSegments; ++i)
        lines.push_back(fmt::format("  LBA {}-{} sha256 {} md5 {}{}", rows[i].start_lba, rows[i].end_lba,
                                    rows[i].sha256, rows[i].md5, rows[i].complete ? "" : " (not complete)"));
    }
  } catch (const std::exception& e) {
    lines.push_back(fmt::format("could not read the hashes back: {}", e.what()));
  }
  if (lines.empty()) lines.push_back("none written in this session (--hash, --segment-hash-size)");
  return lines;
}

}  // namespace

RescueRecord::RescueRecord(const RescueRecordInput& input, const MapFile& map)
    : input_(input), map_(map), log_(acquisition_log_path(input.mapfile)), started_(std::time(nullptr)) {
  AcquisitionStart s;
  s.command_line = input.command_line;
  s.source = input.source;
  s.image = input.image;
  s.mapfile = input.mapfile;
  s.resumed = exists(input.mapfile);
  s.identity = input.drive->identity();
  const NativeCapacity capacity = input.drive->native_capacity(std::chrono::seconds(5));
  s.capacity_lines = native_capacity_lines(capacity);
  const std::string warning = hidden_capacity_warning(capacity, s.identity.logical_sector_size);
  if (!warning.empty()) fmt::print(stderr, "ptrescue: warning: {}\n", warning);
  log_.begin(s);
}

RescueRecord::~RescueRecord() {
  if (!closed_) close_with("ended by an error (see the messages on the terminal)");
}

void RescueRecord::close(int exit_status) { close_with(outcome_of(exit_status)); }

void RescueRecord::close_with(const std::string& outcome) {
  closed_ = true;
  try {
    log_.add_section("SMART", smart_lines(input_.mapfile, started_));
    log_.add_section("Hashes", hash_lines(input_.mapfile, started_));
  } catch (const std::exception& e) {
    log_.add_section("SMART and hashes", {fmt::format("could not be summarised: {}", e.what())});
  }
  log_.end(map_, input_.drive->identity().logical_sector_size, outcome);
}

}  // namespace ptrescue
