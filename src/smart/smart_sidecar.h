// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue's SMART sidecar, MAPFILE.smart.jsonl (the file `ptrescue
// report` already reads, docs/REPORT.md): one JSON object per line, appended
// at each snapshot and never rewritten, so it survives resumes and a crash
// loses at most a torn last line (skipped on reading). Each line is the
// smartctl-style report (smart_json.h) plus what ptrescue adds:
//   {...smartctl -j fields..., "local_time":{"time_t":..,"asctime":".."},
//    "ptrescue":{"event":"after-pass","label":"after copying pass 1",
//                "phase":"copying pass 1","pass":1,"device_seconds":12.5,
//                "time":"2026-12-03T09:00:00Z"}}
// A snapshot that failed is {"local_time":..., "ptrescue":{..., "error":"..."}}.
// A line without "ptrescue" (smartctl -j output appended by hand) is a
// snapshot too (event "external"). docs/SMART.md describes the fields.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ptrescue {

std::string smart_sidecar_path(const std::string& mapfile);

/// One line of the sidecar.
struct SmartSnapshot {
  std::string time;          ///< UTC, ISO 8601.
  std::string event;         ///< "before", "after-pass", "interval", "end" ("external": not ptrescue's).
  std::string label;         ///< For people and the report: "after copying pass 1".
  std::string phase;         ///< What had just run (after-pass, end) or was running.
  int pass = 0;
  double device_seconds = 0; ///< The device's clock (virtual on sim:).
  std::int64_t time_t_value = 0;  ///< Seconds since the epoch.
  std::optional<nlohmann::json> smart;  ///< smart_report_json(); absent on error.
  std::string error;         ///< Why there is no report.

  nlohmann::json to_json() const;
  static std::optional<SmartSnapshot> from_json(const nlohmann::json& j);
};

class SmartSidecar {
 public:
  explicit SmartSidecar(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  /// Appends one line and syncs it (fdatasync; and the folder when this
  /// creates the file). Throws std::runtime_error naming the file when it
  /// cannot be written.
  void append(const SmartSnapshot& s) const;
  /// Every well-formed line, in order; a missing file gives none. Lines
  /// that are not snapshots (a torn last line) are skipped and counted.
  std::vector<SmartSnapshot> read_all(std::size_t* skipped = nullptr) const;

 private:
  std::string path_;
};

/// A snapshot stamped with the current time (time, time_t_value).
SmartSnapshot stamped_snapshot(std::string event);

}  // namespace ptrescue
