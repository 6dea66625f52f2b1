// SPDX-License-Identifier: GPL-3.0-or-later
// A value that holds one of Boost.Program_options' message placeholders
// ("%value%") is refused like any bad value, naming the option, instead of
// hanging while Boost fills in its message (found by rescue_args_fuzz).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/units.h"
#include "src/cli/cli_options.h"

namespace ptrescue {
namespace {

std::string refusal_of(const std::vector<std::string>& args) {
  try {
    (void)parse_rescue_args(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(OptionPlaceholder, AValueHoldingPercentValueIsRefusedNamingTheOption) {
  const std::string message = refusal_of({"-r", "%value%", "src", "img", "map"});
  EXPECT_TRUE(message.find("'-r'") != std::string::npos ||
              message.find("retry-passes'") != std::string::npos) << message;
  EXPECT_NE(message.find("invalid"), std::string::npos) << message;
}

TEST(OptionPlaceholder, EveryPlaceholderIsSafe) {
  for (const char* word : {"%option%", "%canonical_option%", "%original_token%", "%prefix%", "x%value%y"})
    EXPECT_NE(refusal_of({"--retry-passes", word, "src", "img", "map"}), "(accepted)") << word;
}

TEST(OptionPlaceholder, AnOrdinaryBadValueKeepsBoostsSentence) {
  const std::string message = refusal_of({"-r", "many", "src", "img", "map"});
  EXPECT_NE(message.find("many"), std::string::npos) << message;
}

}  // namespace
}  // namespace ptrescue
