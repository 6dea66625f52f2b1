// SPDX-License-Identifier: GPL-3.0-or-later
// The --head-* option texts (src/heads/head_options.h): lists split on
// commas with blanks around items allowed, and bad items named in the error
// with the option they came from.
#include <gtest/gtest.h>

#include <string>

#include "base/units.h"
#include "src/heads/head_options.h"

namespace ptrescue {
namespace {

// The message of the UsageError parsing throws ("" if none).
std::string usage_error(const std::string& timeouts, const std::string& retries, const std::string& skip,
                        const std::string& order) {
  HeadOptions o;
  try {
    parse_head_options(o, "", timeouts, retries, skip, order);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(HeadOptionsParse, ListsOfHeads) {
  HeadOptions o;
  parse_head_options(o, "", "1=2s, 3=500ms", "2=4", "0, 5", "3,1");
  EXPECT_EQ(o.skip, (std::vector<int>{0, 5}));
  EXPECT_EQ(o.order, (std::vector<int>{3, 1}));
  EXPECT_EQ(o.timeouts.at(1), Millis(2000));
  EXPECT_EQ(o.timeouts.at(3), Millis(500));
  EXPECT_EQ(o.retries.at(2), 4);
  EXPECT_EQ(o.source, HeadOptions::MapSource::kInfer);  // per-head options need a head map
}

TEST(HeadOptionsParse, BadItemsAreNamed) {
  EXPECT_EQ(usage_error("", "", "1,x", ""), "invalid --skip-head head 'x': expected a head number 0..63");
  EXPECT_EQ(usage_error("", "", "", "1,,2"), "invalid --head-order head '': expected a head number 0..63");
  EXPECT_EQ(usage_error("", "", "64", ""), "invalid --skip-head head '64': expected a head number 0..63");
  EXPECT_EQ(usage_error("1=2s,3", "", "", ""), "invalid --head-timeout item '3': expected HEAD=VALUE");
  EXPECT_EQ(usage_error("", "h=2", "", ""), "invalid --head-retries head 'h': expected a head number 0..63");
}

}  // namespace
}  // namespace ptrescue
