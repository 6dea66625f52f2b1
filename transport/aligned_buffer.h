// SPDX-License-Identifier: GPL-3.0-or-later
// A heap buffer aligned for O_DIRECT and pass-through DMA (4 KiB covers every
// logical block size and every kernel's alignment rule we meet).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

namespace ptrescue {

class AlignedBuffer {
 public:
  static constexpr std::size_t kAlignment = 4096;

  explicit AlignedBuffer(std::size_t size) : size_(size) {
    const std::size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    if (p == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<std::byte*>(p));
  }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<std::byte> span() { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_;
};

}  // namespace ptrescue
