// libFuzzer target: HeadMap::parse on arbitrary bytes must either throw
// HeadMapError naming a line, or return a map whose lookups stay in range.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "src/heads/head_map.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ptrescue::HeadMap::parse(text);
  } catch (const ptrescue::HeadMapError& e) {
    if (e.line() < 1) {
      std::fprintf(stderr, "head_map_fuzz: error line below 1: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "head_map_fuzz: not a HeadMapError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
