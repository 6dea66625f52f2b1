// SPDX-License-Identifier: GPL-3.0-or-later
// MAPFILE.hash: the image's hashes next to the mapfile, as "key: value"
// lines (format in docs/REPORT.md, "The hash sidecar"). Written atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/verify/message_digest.h"

namespace ptrescue {

struct HashRecord {
  std::string image;                 ///< the image path as given
  std::int64_t first_byte = 0;       ///< first image byte hashed
  std::int64_t bytes = 0;            ///< bytes hashed
  std::string method;                ///< "on-the-fly" (from the reads) or "image" (read back)
  bool complete = false;             ///< every hashed byte was rescued ('+')
  std::int64_t unrescued_bytes = 0;  ///< hashed bytes the mapfile does not mark rescued
  std::string unrescued_content;     ///< what the image holds there (zeros, fill pattern...)
  std::int64_t rescued_in_map = -1;  ///< the mapfile's '+' total when hashed (to see staleness)
  std::string time;                  ///< local time of the hash
  std::vector<HashValue> values;
};

/// MAPFILE + ".hash".
std::string hash_sidecar_path(const std::string& mapfile);

std::string format_hash_record(const HashRecord& r);
/// Throws std::runtime_error("line N: reason") on a malformed sidecar.
HashRecord parse_hash_record(std::string_view text);

/// Replaces PATH durably (base/durable_file.h: PATH.tmp, fsync, rename, folder
/// fsync; through a link to its target). Throws DurableWriteError naming the file.
void write_hash_sidecar(const std::string& path, const HashRecord& r);
/// nullopt if PATH does not exist; throws std::runtime_error "PATH: line N: ..." if malformed.
std::optional<HashRecord> read_hash_sidecar(const std::string& path);

}  // namespace ptrescue
