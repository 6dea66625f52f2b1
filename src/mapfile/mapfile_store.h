// SPDX-License-Identifier: GPL-3.0-or-later
// The mapfile on disk: loads it and replaces it atomically, so that a crash or
// a full disk at any moment leaves either the previous or the new complete
// mapfile, never a torn one.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// A mapfile on disk that does not parse: what() is "mapfile PATH: line N:
/// reason". Distinct from I/O failures so the CLI can exit 2 (bad input).
class MalformedMapFile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// GNU ddrescue's backup of a mapfile: MAPFILE.bak (the name given, plus ".bak").
std::string mapfile_backup_path(const std::string& mapfile);

class MapFileStore {
 public:
  explicit MapFileStore(std::string path);

  /// ddrescue's MAPFILE.bak: from the second save of this store on, the
  /// mapfile about to be replaced (always a synced one here) is kept as
  /// mapfile_backup_path(path()), as ddrescue keeps the last fsynced
  /// mapfile. Best effort, as ddrescue's: a folder that cannot hold the
  /// backup (no hard links) just has none.
  void keep_backups() { keep_backups_ = true; }

  /// The mapfile at path(); nullopt if it does not exist. Remembers the map
  /// as loaded (see save()). Throws
  /// MalformedMapFile "mapfile PATH: line N: reason" if it is malformed, or
  /// std::runtime_error
  /// "mapfile PATH: <what failed>: <errno text>" if it cannot be read.
  std::optional<MapFile> load();

  /// Replaces PATH durably (base/durable_file.h: PATH.tmp in the same folder,
  /// fsync, rename over PATH, fsync the folder). A PATH that is a symbolic
  /// link keeps the link: its target is replaced. On failure throws
  /// std::runtime_error "mapfile PATH: <what failed>", removes the temporary
  /// file, and (unless only the final folder fsync failed) leaves the
  /// previous PATH as it was.
  /// A map still exactly as load() returned it (version() 0, same blocks,
  /// totals and cursor) is not written again: the file already says it, and
  /// resuming a finished million-fragment map then costs no 26 MB rewrite.
  void save(const MapFile& map, const std::vector<std::string>& comments);

  const std::string& path() const { return path_; }

 private:
  // What load() returned, to recognise it unchanged in save().
  struct Fingerprint {
    std::size_t blocks = 0;
    std::int64_t begin = 0;
    std::int64_t end = 0;
    MapTotals totals;
    MapCursor cursor;
    friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
  };
  static Fingerprint fingerprint_of(const MapFile& map);

  void back_up_current() const;

  std::string path_;
  std::optional<Fingerprint> as_loaded_;
  bool keep_backups_ = false;
  bool saved_ = false;  ///< a save of this store has replaced the file
};

}  // namespace ptrescue
