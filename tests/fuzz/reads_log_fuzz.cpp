// libFuzzer target: parse_reads_log on arbitrary bytes must either return
// the reads or throw ReadsLogError ("line N: reason").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "src/report/sim_replay.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ptrescue::parse_reads_log(text);
  } catch (const ptrescue::ReadsLogError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reads_log_fuzz: not a ReadsLogError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
