// SPDX-License-Identifier: GPL-3.0-or-later
// What the fuzz targets of parsers with a documented refusal check: parse()
// either returns or throws Refusal (what the parser promises for bad input);
// any other exception is a finding, reported under the target's name.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace ptrescue::fuzz {

template <class Refusal, class Parse, class CheckRefusal>
void expect_only_refusal(const char* target, Parse parse, CheckRefusal check_refusal) {
  try {
    parse();
  } catch (const Refusal& e) {
    check_refusal(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: an exception the parser does not document: %s\n", target, e.what());
    std::abort();
  }
}

template <class Refusal, class Parse>
void expect_only_refusal(const char* target, Parse parse) {
  expect_only_refusal<Refusal>(target, parse, [](const Refusal&) {});
}

}  // namespace ptrescue::fuzz
