// SPDX-License-Identifier: GPL-3.0-or-later
// Hashes the image while the rescue reads it, for as long as the reads bring
// every byte from image byte 0 onwards in order with nothing missing (a
// healthy drive's single forward pass). The first read that breaks this (a
// failed or partial read, a skip, a reverse pass, a resume) makes it give up;
// the caller then hashes the finished image instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/verify/message_digest.h"
#include "src/engine/rescue_observer.h"

namespace ptrescue {

class OnTheFlyHasher final : public RescueObserver {
 public:
  /// `output_offset` = image byte - source byte (-o minus -i).
  OnTheFlyHasher(const std::vector<HashAlgorithm>& algorithms, std::int64_t output_offset);

  void on_read(const ReadEvent& e) override;

  /// True while every image byte in [0, hashed_bytes()) came through the reads in order.
  bool in_order() const { return digest_.has_value(); }
  std::int64_t hashed_bytes() const { return next_; }
  /// Why it gave up, e.g. "a read failed at byte 1048576"; empty while in order.
  const std::string& gave_up_because() const { return reason_; }
  /// The digests of image bytes [0, hashed_bytes()). Only while in_order(); once.
  std::vector<HashValue> finish();

 private:
  void give_up(std::string reason);

  std::optional<MultiDigest> digest_;
  std::int64_t output_offset_;
  std::int64_t next_ = 0;  ///< next image byte expected
  std::string reason_;
};

}  // namespace ptrescue
