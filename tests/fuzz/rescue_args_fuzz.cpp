// libFuzzer target: parse_rescue_args on an argv made from arbitrary bytes
// (one argument per NUL- or newline-separated piece) must either return or
// throw UsageError, the one-line refusal `ptrescue rescue` prints.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "base/units.h"
#include "src/cli/cli_options.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\0' || c == '\n') args.emplace_back();
    else args.back() += c;
  }
  try {
    (void)ptrescue::parse_rescue_args(args);
  } catch (const ptrescue::UsageError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rescue_args_fuzz: not a UsageError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
