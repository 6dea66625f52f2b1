// SPDX-License-Identifier: GPL-3.0-or-later
// Hashes an image file as it lies on disk (the fallback when a rescue did not
// read in order, and `ptrescue hash`).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "src/verify/message_digest.h"

namespace ptrescue {

class ProgressLine;

struct ImageHash {
  std::int64_t begin = 0;
  std::int64_t size = 0;  ///< bytes hashed: less than asked if the file ends first
  std::vector<HashValue> values;
  bool interrupted = false;  ///< `stop` was set: values are empty
};

/// Hashes bytes [begin, end) of the file or block device at `path`; end < 0
/// means up to its end. Throws std::runtime_error naming the path on a read
/// error. Returns early, `interrupted`, once `*stop` is set.
ImageHash hash_file_range(const std::string& path, std::int64_t begin, std::int64_t end,
                          const std::vector<HashAlgorithm>& algorithms, ProgressLine* progress,
                          const std::atomic<bool>* stop = nullptr);

/// Size in bytes of a regular file or block device; throws naming the path.
std::int64_t file_or_device_size(const std::string& path);

}  // namespace ptrescue
