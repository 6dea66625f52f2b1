// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: parse_rescue_args on an argv made from arbitrary bytes
// (one argument per NUL- or newline-separated piece) must either return or
// throw UsageError, the one-line refusal `ptrescue rescue` prints.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/units.h"
#include "src/cli/cli_options.h"
#include "tests/fuzz/only_refusal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\0' || c == '\n') args.emplace_back();
    else args.back() += c;
  }
  ptrescue::fuzz::expect_only_refusal<ptrescue::UsageError>(
      "rescue_args_fuzz", [&] { (void)ptrescue::parse_rescue_args(args); });
  return 0;
}
