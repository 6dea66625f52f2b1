// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: HeadMap::parse on arbitrary bytes must either return or
// throw HeadMapError naming a line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "src/heads/head_map.h"
#include "tests/fuzz/only_refusal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ptrescue::fuzz::expect_only_refusal<ptrescue::HeadMapError>(
      "head_map_fuzz", [&] { (void)ptrescue::HeadMap::parse(text); },
      [](const ptrescue::HeadMapError& e) {
        if (e.line() < 1) {
          std::fprintf(stderr, "head_map_fuzz: error line below 1: %s\n", e.what());
          std::abort();
        }
      });
  return 0;
}
