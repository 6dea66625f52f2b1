// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue's acquisition log (src/engine/acquisition_log.h), filled with
// what only the command line knows: the drive's hidden-capacity finding
// (with the one-line warning when the drive hides sectors), and at the end
// SMART before and after this session and the hashes it wrote. Whatever
// way the run ends, the session is closed: an exception on the way out
// leaves "ended by an error" rather than an open session.
#pragma once

#include <cstdint>
#include <string>

#include "src/engine/acquisition_log.h"
#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

struct RescueRecordInput {
  std::string command_line, source, image, mapfile;
  Device* drive = nullptr;  ///< the real drive (not -H's wrapper): asked for its native capacity
};

class RescueRecord {
 public:
  /// Opens MAPFILE.acquisition.log, asks the drive for its native
  /// capacity, warns on stderr when it hides sectors, writes the session
  /// header. Call before the first save of the mapfile (a mapfile already
  /// there = a resume). Throws std::runtime_error if the log cannot be opened.
  RescueRecord(const RescueRecordInput& input, const MapFile& map);
  ~RescueRecord();
  RescueRecord(const RescueRecord&) = delete;
  RescueRecord& operator=(const RescueRecord&) = delete;

  /// The observer to add to the run, and the hook for an export's line.
  AcquisitionLog& log() { return log_; }

  /// SMART, hashes, the result and the end; `exit_status` names the outcome.
  void close(int exit_status);
  /// The same, for an outcome the exit status alone does not name (-e exits 1).
  void close_with(const std::string& outcome);

 private:

  RescueRecordInput input_;
  const MapFile& map_;
  AcquisitionLog log_;
  std::int64_t started_ = 0;
  bool closed_ = false;
};

}  // namespace ptrescue
