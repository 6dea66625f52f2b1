// SPDX-License-Identifier: GPL-3.0-or-later
// MAPFILE.acquisition.log: the human-readable record of every rescue session
// of one mapfile, like the logs forensic imagers write (docs/FORENSICS.md,
// "The acquisition log"). UTF-8 text, only ever appended: each section is
// written and fdatasync'd as the run reaches it, so a crash or a pulled
// plug keeps everything up to the last section, and a resume adds a new
// session below the earlier ones.
//
// It lives in the engine room because it is one of the run's observers (the
// passes and their times come from the engine's events, as for the reads
// log); what higher rooms know (SMART, hashes, an export) they hand in as
// finished lines through add_section() and add_export().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "src/engine/rescue_observer.h"
#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

std::string acquisition_log_path(const std::string& mapfile);

/// What is known when a session starts.
struct AcquisitionStart {
  std::string command_line;
  std::string source;  ///< as named on the command line
  std::string image, mapfile;
  DeviceIdentity identity;
  /// The HPA/DCO/AMA finding, one line each ("native max LBA: ...").
  std::vector<std::string> capacity_lines;
  bool resumed = false;  ///< the mapfile existed: a resume
};

/// Bad areas (the mapfile's '-' blocks) listed in full up to this many.
inline constexpr std::size_t kLoggedBadAreas = 100;

class AcquisitionLog final : public RescueObserver {
 public:
  /// Opens PATH for appending (created 0644). Throws std::runtime_error naming it.
  explicit AcquisitionLog(std::string path);

  const std::string& path() const { return path_; }

  /// The session header: tool, version, command line, host, start time
  /// (UTC), the source's identity, the destination.
  void begin(const AcquisitionStart& start);

  /// Each pass or phase: its start, and the end of the one before with its
  /// duration, bytes rescued and failed reads.
  void on_phase(Phase phase, int pass, std::string_view description) override;
  void on_read(const ReadEvent& e) override;

  /// A titled block of lines (SMART before/after, hashes...).
  void add_section(std::string_view title, const std::vector<std::string>& lines);
  /// The hook an export (E01, ...) calls with what it wrote.
  void add_export(std::string_view format, std::string_view path, const std::vector<std::string>& details);

  /// The session's end: the last pass closed, the map's totals, the bad
  /// areas exactly as the mapfile has them (pos size, hex; and as LBAs),
  /// the outcome ("finished", "interrupted by signal 2", ...) and the end time.
  void end(const MapFile& map, std::uint32_t sector_size, std::string_view outcome);

 private:
  /// Appends and syncs; a failure is reported once on stderr and the run
  /// goes on (the log must never stop a rescue).
  void append(const std::string& text);
  void close_pass();

  std::string path_;
  UniqueFd fd_;
  bool failed_ = false;
  bool in_pass_ = false;
  std::string pass_name_;
  std::int64_t pass_started_ = 0;  ///< seconds since the epoch
  std::int64_t pass_bytes_ = 0, pass_failed_reads_ = 0;
  std::int64_t session_started_ = 0;
};

/// The bad-area lines end() writes (for `ptrescue report` and the tests).
std::vector<std::string> bad_area_lines(const MapFile& map, std::uint32_t sector_size, std::size_t limit);

}  // namespace ptrescue
