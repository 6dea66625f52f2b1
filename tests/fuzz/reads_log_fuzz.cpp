// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: parse_reads_log on arbitrary bytes must either return
// the reads or throw ReadsLogError ("line N: reason").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/report/sim_replay.h"
#include "tests/fuzz/only_refusal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ptrescue::fuzz::expect_only_refusal<ptrescue::ReadsLogError>(
      "reads_log_fuzz", [&] { (void)ptrescue::parse_reads_log(text); });
  return 0;
}
