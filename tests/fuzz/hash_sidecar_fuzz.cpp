// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: parse_hash_record on arbitrary bytes must either throw
// std::runtime_error ("line N: reason") or return a record that survives
// format_hash_record() and a second parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "src/verify/hash_sidecar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ptrescue::HashRecord record;
  try {
    record = ptrescue::parse_hash_record(text);
  } catch (const std::runtime_error&) {
    return 0;
  }
  const std::string written = ptrescue::format_hash_record(record);
  try {
    const std::string again = ptrescue::format_hash_record(ptrescue::parse_hash_record(written));
    if (again != written) {
      std::fprintf(stderr, "hash_sidecar_fuzz: round trip changed\n%s---\n%s", written.c_str(),
                   again.c_str());
      std::abort();
    }
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "hash_sidecar_fuzz: cannot re-read what it wrote: %s\n%s", e.what(),
                 written.c_str());
    std::abort();
  }
  return 0;
}
