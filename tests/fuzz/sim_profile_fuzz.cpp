// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: SimProfile::from_json on arbitrary bytes must either
// throw SimProfileError or return a profile that validate() accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/only_refusal.h"
#include "transport/sim/sim_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ptrescue::fuzz::expect_only_refusal<ptrescue::SimProfileError>("sim_profile_fuzz", [&] {
    ptrescue::SimProfile::from_json(text).validate();
  });
  return 0;
}
