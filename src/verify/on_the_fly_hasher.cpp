// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/on_the_fly_hasher.h"

#include <fmt/format.h>

namespace ptrescue {

OnTheFlyHasher::OnTheFlyHasher(const std::vector<HashAlgorithm>& algorithms,
                               std::int64_t output_offset)
    : digest_(std::in_place, algorithms), output_offset_(output_offset) {}

void OnTheFlyHasher::give_up(std::string reason) {
  digest_.reset();
  reason_ = std::move(reason);
}

void OnTheFlyHasher::on_read(const ReadEvent& e) {
  if (!digest_) return;
  const std::int64_t image_pos = e.pos + output_offset_;
  if (image_pos != next_) {
    give_up(next_ == 0 ? fmt::format("the first read was at image byte {}, not 0", image_pos)
                       : fmt::format("the reads went out of order at image byte {} (expected {})",
                                     image_pos, next_));
    return;
  }
  if (e.copied != e.size || static_cast<std::int64_t>(e.data.size()) != e.copied) {
    give_up(fmt::format("a read failed at image byte {}", image_pos + e.copied));
    return;
  }
  digest_->update(e.data);
  next_ += e.copied;
}

std::vector<HashValue> OnTheFlyHasher::finish() {
  if (!digest_) return {};
  std::vector<HashValue> v = digest_->finish();
  digest_.reset();
  reason_ = "finished";
  return v;
}

}  // namespace ptrescue
