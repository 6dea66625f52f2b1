// SPDX-License-Identifier: GPL-3.0-or-later
// A libewf handle opened for writing, owned: every call that fails throws
// EwfError with libewf's own message, and the handle is closed and freed
// exactly once. Only the calls the E01 writer needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ptrescue {

/// A libewf call that failed: what() is "libewf: STEP: libewf's message".
class EwfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The compression of the chunks (ewfacquire's -c levels).
enum class EwfCompression { kNone, kEmptyBlock, kFast, kBest };

class EwfWriteHandle {
 public:
  /// Opens segment basename `basename` for writing: libewf adds ".E01",
  /// ".E02", ... Throws EwfError.
  explicit EwfWriteHandle(const std::string& basename);
  ~EwfWriteHandle();
  EwfWriteHandle(const EwfWriteHandle&) = delete;
  EwfWriteHandle& operator=(const EwfWriteHandle&) = delete;

  /// Media values: EnCase 6 format, a fixed physical disk.
  void set_media(std::uint64_t media_size, std::uint32_t bytes_per_sector);
  void set_compression(EwfCompression c);
  void set_maximum_segment_size(std::uint64_t bytes);
  /// A header value ("case_number", "model", ...); empty values are skipped.
  void set_header_value(std::string_view identifier, std::string_view value);
  /// Appends sectors [first, first + count) to the acquisition-error table.
  void add_acquiry_error(std::uint64_t first_sector, std::uint64_t count);
  void set_md5(std::span<const std::uint8_t, 16> digest);
  void set_sha1(std::span<const std::uint8_t, 20> digest);

  /// Appends media bytes at the current offset.
  void write(std::span<const std::byte> data);
  /// Writes the closing sections (hashes, error table, done); required
  /// before close for a valid set.
  void finalize();
  /// Closes the segment files; throws EwfError if the close fails.
  void close();

 private:
  std::intptr_t* handle_ = nullptr;  // libewf_handle_t* (libewf/types.h: intptr_t)
  bool open_ = false;
};

}  // namespace ptrescue
