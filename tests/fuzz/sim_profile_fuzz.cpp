// libFuzzer target: SimProfile::from_json on arbitrary bytes must either
// throw SimProfileError or return a profile that validate() accepts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "transport/sim/sim_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const ptrescue::SimProfile profile = ptrescue::SimProfile::from_json(text);
    profile.validate();
  } catch (const ptrescue::SimProfileError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim_profile_fuzz: not a SimProfileError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
