// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/export/ewf_handle.h"

#include <libewf.h>

#include <array>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

namespace ptrescue {
namespace {

static_assert(std::is_same_v<libewf_handle_t, std::intptr_t>, "libewf_handle_t is intptr_t (libewf/types.h)");

/// Owns one libewf_error_t: what a failed call leaves for its caller to free.
class EwfErrorSlot {
 public:
  EwfErrorSlot() = default;
  ~EwfErrorSlot() { libewf_error_free(&error_); }
  EwfErrorSlot(const EwfErrorSlot&) = delete;
  EwfErrorSlot& operator=(const EwfErrorSlot&) = delete;
  libewf_error_t** out() { return &error_; }
  /// libewf's message (the innermost line of its backtrace is the cause).
  std::string message() const {
    if (error_ == nullptr) return "no reason given";
    std::array<char, 1024> text{};
    if (libewf_error_sprint(error_, text.data(), text.size()) <= 0) return "no reason given";
    return text.data();
  }

 private:
  libewf_error_t* error_ = nullptr;
};

/// Calls a libewf function returning 1 (or a count) on success, -1 on failure.
template <class Call>
auto checked(std::string_view step, Call&& call) {
  EwfErrorSlot error;
  const auto result = call(error.out());
  if (result < 0) throw EwfError(fmt::format("libewf: {}: {}", step, error.message()));
  return result;
}

const std::uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

}  // namespace

EwfWriteHandle::EwfWriteHandle(const std::string& basename) {
  libewf_handle_t* handle = nullptr;
  checked("initialize", [&](libewf_error_t** e) { return libewf_handle_initialize(&handle, e); });
  handle_ = handle;
  char* names[] = {const_cast<char*>(basename.c_str())};
  try {
    checked(fmt::format("open '{}' for writing", basename),
            [&](libewf_error_t** e) { return libewf_handle_open(handle_, names, 1, LIBEWF_OPEN_WRITE, e); });
  } catch (...) {
    libewf_handle_free(&handle, nullptr);
    throw;
  }
  open_ = true;
}

EwfWriteHandle::~EwfWriteHandle() {
  libewf_handle_t* handle = handle_;
  if (open_) libewf_handle_close(handle, nullptr);
  libewf_handle_free(&handle, nullptr);
}

void EwfWriteHandle::set_media(std::uint64_t media_size, std::uint32_t bytes_per_sector) {
  checked("set format", [&](libewf_error_t** e) { return libewf_handle_set_format(handle_, LIBEWF_FORMAT_ENCASE6, e); });
  checked("set bytes per sector",
          [&](libewf_error_t** e) { return libewf_handle_set_bytes_per_sector(handle_, bytes_per_sector, e); });
  checked("set media size", [&](libewf_error_t** e) { return libewf_handle_set_media_size(handle_, media_size, e); });
  checked("set media type",
          [&](libewf_error_t** e) { return libewf_handle_set_media_type(handle_, LIBEWF_MEDIA_TYPE_FIXED, e); });
  checked("set media flags",
          [&](libewf_error_t** e) { return libewf_handle_set_media_flags(handle_, LIBEWF_MEDIA_FLAG_PHYSICAL, e); });
}

void EwfWriteHandle::set_compression(EwfCompression c) {
  std::int8_t level = LIBEWF_COMPRESSION_NONE;
  std::uint8_t flags = 0;
  switch (c) {
    case EwfCompression::kNone: break;
    case EwfCompression::kEmptyBlock: flags = LIBEWF_COMPRESS_FLAG_USE_EMPTY_BLOCK_COMPRESSION; break;
    case EwfCompression::kFast: level = LIBEWF_COMPRESSION_FAST; break;
    case EwfCompression::kBest: level = LIBEWF_COMPRESSION_BEST; break;
  }
  checked("set compression", [&](libewf_error_t** e) { return libewf_handle_set_compression_values(handle_, level, flags, e); });
}

void EwfWriteHandle::set_maximum_segment_size(std::uint64_t bytes) {
  checked("set segment size", [&](libewf_error_t** e) { return libewf_handle_set_maximum_segment_size(handle_, bytes, e); });
}

void EwfWriteHandle::set_header_value(std::string_view identifier, std::string_view value) {
  if (value.empty()) return;
  checked(fmt::format("set header value {}", identifier), [&](libewf_error_t** e) {
    return libewf_handle_set_utf8_header_value(handle_, bytes_of(identifier), identifier.size(), bytes_of(value),
                                               value.size(), e);
  });
}

void EwfWriteHandle::add_acquiry_error(std::uint64_t first_sector, std::uint64_t count) {
  checked("append acquisition error",
          [&](libewf_error_t** e) { return libewf_handle_append_acquiry_error(handle_, first_sector, count, e); });
}

void EwfWriteHandle::set_md5(std::span<const std::uint8_t, 16> digest) {
  std::array<std::uint8_t, 16> copy{};
  std::copy(digest.begin(), digest.end(), copy.begin());
  checked("set MD5", [&](libewf_error_t** e) { return libewf_handle_set_md5_hash(handle_, copy.data(), copy.size(), e); });
}

void EwfWriteHandle::set_sha1(std::span<const std::uint8_t, 20> digest) {
  std::array<std::uint8_t, 20> copy{};
  std::copy(digest.begin(), digest.end(), copy.begin());
  checked("set SHA-1", [&](libewf_error_t** e) { return libewf_handle_set_sha1_hash(handle_, copy.data(), copy.size(), e); });
}

void EwfWriteHandle::write(std::span<const std::byte> data) {
  while (!data.empty()) {
    const ssize_t n = checked("write media data", [&](libewf_error_t** e) {
      return libewf_handle_write_buffer(handle_, data.data(), data.size(), e);
    });
    if (n == 0) throw EwfError("libewf: write media data: no more data accepted (past the media size?)");
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void EwfWriteHandle::finalize() {
  checked("finalize", [&](libewf_error_t** e) { return libewf_handle_write_finalize(handle_, e); });
}

void EwfWriteHandle::close() {
  if (!open_) return;
  open_ = false;
  checked("close", [&](libewf_error_t** e) { return libewf_handle_close(handle_, e); });
}

}  // namespace ptrescue
