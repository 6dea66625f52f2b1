// SPDX-License-Identifier: GPL-3.0-or-later
// Head map files (src/heads/head_map.h): the text forms parse to the right heads,
// round-trip through serialize(), and bad input fails with an error that
// names the line and says what is wrong.
#include <gtest/gtest.h>

#include <string>

#include "src/heads/head_map.h"
#include "transport/sim/sim_physics.h"

namespace ptrescue {
namespace {

// The message of the HeadMapError that parsing `text` throws ("" if none),
// and the line it names.
struct Failure {
  int line = 0;
  std::string what;
};
Failure parse_error(const std::string& text) {
  try {
    HeadMap::parse(text);
  } catch (const HeadMapError& e) {
    return Failure{e.line(), e.what()};
  }
  return {};
}

TEST(HeadMapParse, RunsAndCommentsAndHex) {
  const HeadMap m = HeadMap::parse("# start length head\n\n0 100 0   # first\n0x64 100 1\n200 50 0\n");
  EXPECT_EQ(m.head_of(0), 0);
  EXPECT_EQ(m.head_of(99), 0);
  EXPECT_EQ(m.head_of(100), 1);
  EXPECT_EQ(m.head_of(199), 1);
  EXPECT_EQ(m.head_of(249), 0);
  EXPECT_FALSE(m.head_of(250).has_value());
  EXPECT_EQ(m.heads(), (std::vector<int>{0, 1}));
  EXPECT_TRUE(m.weak_heads().empty());
}

TEST(HeadMapParse, ZoneCyclesThroughItsOrder) {
  const HeadMap m = HeadMap::parse("zone 1000 2000 10 3,1,2\nweak 1\n");
  EXPECT_FALSE(m.head_of(999).has_value());
  EXPECT_EQ(m.head_of(1000), 3);
  EXPECT_EQ(m.head_of(1010), 1);
  EXPECT_EQ(m.head_of(1029), 2);
  EXPECT_EQ(m.head_of(1030), 3);
  EXPECT_EQ(m.head_of(1999), m.head_of(1000 + (999 / 10 % 3) * 10));
  EXPECT_EQ(m.weak_heads(), std::vector<int>{1});
  // The next stripe of head 1 from 1015 is 1015..1020; from 1020, 1040..1050.
  const auto s = m.next_span_of(1015, 1U << 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->start, 1015U);
  EXPECT_EQ(s->end, 1020U);
  const auto t = m.next_span_of(1020, 1U << 1);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->start, 1040U);
  EXPECT_EQ(t->end, 1050U);
  const auto p = m.prev_span_of(1040, 1U << 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->start, 1010U);
  EXPECT_EQ(p->end, 1020U);
}

TEST(HeadMapParse, SerializeRoundTrips) {
  HeadMap m;
  m.add_zone(0, 4096, 64, {0, 1, 2, 3});
  m.add_zone(4096, 8192, 64, {3, 2, 1, 0});
  m.add_run(8192, 100, 2);
  m.set_weak_heads({2});
  const HeadMap back = HeadMap::parse(m.serialize({"a comment"}));
  EXPECT_EQ(back.serialize(), m.serialize());
  for (Lba lba = 0; lba < 8400; lba += 7) EXPECT_EQ(back.head_of(lba), m.head_of(lba)) << lba;
}

TEST(HeadMapParse, FromSimMatchesTheSimulatorsLayout) {
  SimProfile p;
  p.capacity_sectors = 1 << 20;
  p.heads = 4;
  p.zones = 2;
  p.stripe_sectors = 2048;
  p.serpentine = true;
  p.dead_heads = {3};
  p.head_order = {1, 0, 3, 2};
  const HeadMap m = HeadMap::from_sim(p);
  const SimGeometry g(p);
  for (Lba lba = 0; lba < p.capacity_sectors; lba += 509) EXPECT_EQ(m.head_of(lba), g.head_of(lba)) << lba;
  EXPECT_EQ(m.head_of(0), 1);
  EXPECT_EQ(m.weak_heads(), std::vector<int>{3});
}

TEST(HeadMapParse, BadInputNamesTheLine) {
  struct Case {
    const char* text;
    int line;
    const char* says;
  };
  const Case cases[] = {
      {"0 100 0\n100 x 1\n", 2, "length 'x' is not a number"},
      {"0 100 0\n\n# c\n50 100 1\n", 4, "overlap"},
      {"0 0 1\n", 1, "run length must be above zero"},
      {"0 10 64\n", 1, "expected head numbers 0..63"},
      {"0 10 1,2\n", 1, "a run has one head"},
      {"zone 100 50 10 0,1\n", 1, "zone end 50 is not after its start 100"},
      {"zone 0 100 0 0,1\n", 1, "stripe length must be above zero"},
      {"zone 0 100 10 0,1,0\n", 1, "names a head twice"},
      {"zone 0 100 10\n", 1, "expected 'zone START END STRIPE H0,H1,...'"},
      {"zone 0 100 10 0,,1\n", 1, "head order"},
      {"0 100 0\nweak\n", 2, "expected 'weak H[,H...]'"},
      {"weak 1,-2\n", 1, "weak heads"},
      {"0 100 0\n100 100 1\nhello world\n", 3, "cannot read 'hello world'"},
      {"0x 10 1\n", 1, "cannot read"},
      {"0 100 0\n200 0x1G 1\n", 2, "is not a number"},
  };
  for (const Case& c : cases) {
    const Failure f = parse_error(c.text);
    EXPECT_EQ(f.line, c.line) << c.text << " -> " << f.what;
    EXPECT_NE(f.what.find(c.says), std::string::npos) << c.text << " -> " << f.what;
    EXPECT_EQ(f.what.rfind("line " + std::to_string(c.line) + ": ", 0), 0U) << f.what;
  }
}

TEST(HeadMapParse, WindowsLineEndsAreBlanks) {
  const HeadMap m = HeadMap::parse("0 100 0\r\n100 100 1 # second\r\nweak 1\r\n");
  EXPECT_EQ(m.head_of(99), 0);
  EXPECT_EQ(m.head_of(100), 1);
  EXPECT_EQ(m.weak_heads(), (std::vector<int>{1}));
}

TEST(HeadMapParse, EmptyTextIsAnEmptyMap) {
  EXPECT_TRUE(HeadMap::parse("").empty());
  EXPECT_TRUE(HeadMap::parse("# only a comment\n\n").empty());
}

}  // namespace
}  // namespace ptrescue
