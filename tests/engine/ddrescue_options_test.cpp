// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's command line on `ptrescue rescue` (docs/COMPATIBILITY.md),
// one behaviour per test, with Debian's ddrescue 1.27 run beside ptrescue as
// the oracle: the same arguments give the same exit status, the same image
// bytes and the same mapfile blocks. Where 1.27 and 1.30 differ (-N), the
// test says which one ptrescue follows.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/units.h"
#include "src/cli/ddrescue_syntax.h"
#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::random_bytes;
using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

// 72776 bytes, as GNU's testsuite's test.txt: not a whole number of sectors.
constexpr std::int64_t kSize = 72776;

std::vector<MapBlock> blocks_of(const std::string& path) { return MapFile::parse(read_file(path)).blocks(); }

class DdrescueOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    PTRESCUE_REQUIRE_TOOL("ddrescue");
    source_ = dir_.file("in");
    write_file(source_, random_bytes(kSize, 15));
  }

  /// Runs `ddrescue ARGS` and `ptrescue rescue ARGS`, each in its own copy
  /// of the files named in `files` (prepared by `prepare`); ARGS' "@" words
  /// become the copy's folder. Returns both results.
  struct Both {
    ProcessResult gnu, ours;
    std::string gnu_dir, our_dir;
  };
  Both run_both(const std::vector<std::string>& args, const std::vector<std::string>& gnu_only = {},
                const std::vector<std::string>& ours_only = {}) {
    Both b;
    b.gnu_dir = dir_.file("gnu");
    b.our_dir = dir_.file("ours");
    for (const std::string& d : {b.gnu_dir, b.our_dir}) {
      std::filesystem::remove_all(d);
      std::filesystem::create_directory(d);
      for (const auto& [name, bytes] : files_) write_file(d + "/" + name, bytes);
    }
    auto expand = [](std::vector<std::string> a, const std::string& d) {
      for (std::string& w : a)
        if (w.starts_with("@/")) w = d + w.substr(1);
      return a;
    };
    std::vector<std::string> gnu{"ddrescue", "-q"};
    for (const auto& w : expand(gnu_only, b.gnu_dir)) gnu.push_back(w);
    for (const auto& w : expand(args, b.gnu_dir)) gnu.push_back(w);
    std::vector<std::string> ours{"rescue", "-q", "--head-map", "none", "--smart", "off"};
    for (const auto& w : expand(ours_only, b.our_dir)) ours.push_back(w);
    for (const auto& w : expand(args, b.our_dir)) ours.push_back(w);
    b.gnu = run_process(gnu);
    b.ours = run_ptrescue(ours);
    return b;
  }

  void expect_same_files(const Both& b, const std::vector<std::string>& names) {
    for (const std::string& n : names) {
      SCOPED_TRACE(n);
      const bool gnu_has = std::filesystem::exists(b.gnu_dir + "/" + n);
      ASSERT_EQ(std::filesystem::exists(b.our_dir + "/" + n), gnu_has);
      if (gnu_has) {
        EXPECT_TRUE(read_file(b.gnu_dir + "/" + n) == read_file(b.our_dir + "/" + n));
      }
    }
  }

  void expect_same_map(const Both& b, const std::string& name) {
    EXPECT_EQ(blocks_of(b.our_dir + "/" + name), blocks_of(b.gnu_dir + "/" + name));
  }

  /// A ddrescue test map over the source: '+' but for `bad` byte ranges.
  std::string test_map(const std::vector<Extent>& bad, std::int64_t size = kSize) {
    MapFile m(size);
    m.set_status(0, size, BlockStatus::kFinished);
    for (const Extent& e : bad) m.set_status(e, BlockStatus::kBadSector);
    return m.serialize({"test map"});
  }

  TempDir dir_;
  std::string source_;
  std::vector<std::pair<std::string, std::string>> files_;
};

TEST_F(DdrescueOptions, MapfileIsOptionalAndNothingIsLeftBesideTheImage) {
  const Both b = run_both({source_, "@/out"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
  EXPECT_EQ(read_file(b.our_dir + "/out"), read_file(source_));
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(b.our_dir)) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"out"});
}

TEST_F(DdrescueOptions, NumbersInEveryBaseAndUnitMeanTheSameBytes) {
  for (const char* size : {"0x800", "04000", "2Ki", "4s", "2kB", "3KiB"}) {
    SCOPED_TRACE(size);
    const Both b = run_both({"-s", size, source_, "@/out", "@/map"});
    ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
    ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
    expect_same_files(b, {"out"});
    expect_same_map(b, "map");
  }
}

TEST_F(DdrescueOptions, NumberParserFollowsDdrescuesGrammar) {
  EXPECT_EQ(parse_ddrescue_number("0x80", 0, "-b"), 128);
  EXPECT_EQ(parse_ddrescue_number("0200", 0, "-b"), 128);
  EXPECT_EQ(parse_ddrescue_number("1Ki", 0, "-s"), 1024);
  EXPECT_EQ(parse_ddrescue_number("1k", 0, "-s"), 1000);
  EXPECT_EQ(parse_ddrescue_number("4Kis", 512, "-s"), 4 * 1024 * 512);
  EXPECT_EQ(parse_ddrescue_number("3s", 4096, "-s"), 3 * 4096);
  EXPECT_EQ(parse_ddrescue_number("1_234kB", 0, "-s"), 1234000);
  EXPECT_EQ(parse_ddrescue_number("2Mi", 0, "-s"), 2 << 20);
  for (const char* bad : {"1ki", "1K", "1BB", "1Bi", "1Bk", "1Bs", "1iB", "1ii", "1ik", "1is", "1kk", "1sB",
                          "1si", "1sk", "1ss", "", "x", "1_", "_1"})
    EXPECT_THROW(parse_ddrescue_number(bad, 512, "-a"), UsageError) << bad;
  EXPECT_THROW(parse_ddrescue_number("1s", 0, "-c"), UsageError);  // no sector unit for a count
  EXPECT_EQ(parse_ddrescue_interval("1.5d", "-T", true), std::chrono::hours(36));
  EXPECT_EQ(parse_ddrescue_interval("1/2m", "-T", true), std::chrono::seconds(30));
  EXPECT_EQ(parse_ddrescue_interval("2_160.500_0m", "-T", true), std::chrono::seconds(129630));
  EXPECT_THROW(parse_ddrescue_interval("1.5", "-T", true), UsageError);
  EXPECT_EQ(parse_ddrescue_interval("0.5", "--pause-on-error", false), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_copy_passes("1,3-4"), 0b1101u);
  EXPECT_EQ(parse_copy_passes("0"), 0u);
  // 1.30's passes are 1 to 4 (1.27 had a fifth, the sweep, now -N's).
  for (const char* bad : {",", "1,", "-1", "1-", "5", "1,5", "1-5", "6", "3-2"})
    EXPECT_THROW(parse_copy_passes(bad), UsageError) << bad;
}

// Each of these is refused by ddrescue with exit 1 before anything is
// read; ptrescue refuses it the same way.
TEST_F(DdrescueOptions, RefusesWhatDdrescueRefusesWithExitOne) {
  const std::vector<std::vector<std::string>> cases{
      {"-a", "1ki"},           {"-K", "0,"},          {"-K", "0,65535"},         {"-K", "0,65536,"},
      {"-K", "4Ki"},           {"-i", "0,"},          {"--cpass=6"},             {"--cpass=3-2"},
      {"--mapfile-interval=3,4s"}, {"--mapfile-interval=30,10"}, {"--mapfile-interval=30,"},
      {"-F-"},                 {"-G"},                {"--same-file", "-t"},     {"--log-events=-"},
      {"-w", "@/map"},         {"-F-", "-G", "@/map"}, {"-G", "--ask", "@/map"}, {"-F", "x", "@/map"},
      {"-T", "1.5"},           {"-b", "0"},           {"-e", "x"},               {"@/map", "@/extra"},
  };
  for (const auto& extra : cases) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(extra, " ")));
    // Options first, then IN OUT; the mapfile (when a case names one) last.
    std::vector<std::string> args, tail;
    for (const auto& w : extra) (w.starts_with("@/") ? tail : args).push_back(w);
    args.push_back(source_);
    args.push_back("@/out");
    args.insert(args.end(), tail.begin(), tail.end());
    const Both b = run_both(args);
    EXPECT_EQ(b.gnu.exit_code, 1) << b.gnu.describe();
    EXPECT_EQ(b.ours.exit_code, 1) << b.ours.describe();
  }
}

TEST_F(DdrescueOptions, OldTimeoutFormNamesReadTimeout) {
  const ProcessResult r =
      run_ptrescue({"rescue", "-q", "--timeout", "copy=300ms", source_, dir_.file("out"), dir_.file("map")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--read-timeout"), std::string::npos) << r.err;
  const ProcessResult ok = run_ptrescue({"rescue", "-q", "--read-timeout", "copy=300ms,trim=1s", source_,
                                          dir_.file("out2"), dir_.file("map2")});
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
}

// -H with 1-sector clusters, then -M, -A --cpass=0 and no trimming or
// scraping: 1.27's -N is --no-trim, ptrescue follows 1.30 (-N = --no-sweep)
// and is given --no-trim. Every failed block here touches a finished one,
// so 1.27's -M and 1.30's mark the same blocks.
TEST_F(DdrescueOptions, TestModeRetrimAndCopyPassesMatchDdrescue) {
  files_ = {{"t1", test_map({{0x1000, 0x800}, {0x4800, 0x1000}, {0x10000, 0x400}})},
            {"t2", test_map({{0x1800, 0x200}, {0x9000, 0x800}})}};
  Both b = run_both({"-c1", "-H", "@/t1", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
  // Same start (copied from ddrescue's run), then each step in both.
  files_ = {{"t1", read_file(b.gnu_dir + "/t1")},
            {"t2", read_file(b.gnu_dir + "/t2")},
            {"map", read_file(b.gnu_dir + "/map")},
            {"out", read_file(b.gnu_dir + "/out")}};
  // ptrescue follows 1.30: its sweep (pass 3) runs whatever --cpass says
  // unless -N, so 1.27's "--cpass=0" is 1.30's "--cpass=0 -N".
  using Step = std::pair<std::vector<std::string>, std::vector<std::string>>;
  for (const auto& [step, ours_only] : std::vector<Step>{{{"-c1", "-M", "-H", "@/t2"}, {}},
                                                         {{"-c1", "-A", "-M", "--cpass=0", "-H", "@/t2"}, {"-N"}},
                                                         {{"-u", "-r1", "-H", "@/t2"}, {}}}) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(step, " ")));
    std::vector<std::string> args = step;
    args.insert(args.end(), {source_, "@/out", "@/map"});
    b = run_both(args, {}, ours_only);
    ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
    ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
    expect_same_map(b, "map");
    expect_same_files(b, {"out"});
    files_ = {{"t1", read_file(b.gnu_dir + "/t1")},
              {"t2", read_file(b.gnu_dir + "/t2")},
              {"map", read_file(b.gnu_dir + "/map")},
              {"out", read_file(b.gnu_dir + "/out")}};
  }
  b = run_both({"-n", source_, "@/out", "@/map"}, {"-N"}, {"--no-trim"});
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
}

// -M follows 1.30: in "+-/-+" only the failed run's ends touch readable
// blocks, so with -n (no scraping) the '/' between them is still
// non-scraped after the rescue; 1.27 (the binary here) marks every failed
// block and trims the whole run. Worked by hand from 1.30's manual; the
// marking itself is tested in restart_marks_test.cpp.
TEST_F(DdrescueOptions, RetrimMarksOnlyAFailedRunsEndsAsIn130) {
  MapFile m(kSize);
  m.set_status(0, kSize, BlockStatus::kFinished);
  m.set_status(0x1000, 0x400, BlockStatus::kBadSector);
  m.set_status(0x1400, 0x400, BlockStatus::kNonScraped);
  m.set_status(0x1800, 0x400, BlockStatus::kBadSector);
  files_ = {{"map", m.serialize({"retrim"})}, {"out", random_bytes(kSize, 3)}};
  const Both b = run_both({"-M", "-n", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  MapFile expected(kSize);
  expected.set_status(0, kSize, BlockStatus::kFinished);
  expected.set_status(0x1400, 0x400, BlockStatus::kNonScraped);
  EXPECT_EQ(blocks_of(b.our_dir + "/map"), expected.blocks());
  const std::string image = read_file(b.our_dir + "/out"), source = read_file(source_);
  EXPECT_TRUE(image.substr(0x1000, 0x400) == source.substr(0x1000, 0x400));
  EXPECT_TRUE(image.substr(0x1800, 0x400) == source.substr(0x1800, 0x400));
  // 1.27 reads the middle too: the difference is real, not an accident.
  MapFile all(kSize);
  all.set_status(0, kSize, BlockStatus::kFinished);
  EXPECT_EQ(blocks_of(b.gnu_dir + "/map"), all.blocks());
}

// -J on a source that keeps its data: the re-reads change nothing and both
// end alike; a read error before any good read (here in the first 64 KiB
// cluster) stops both (exit 1) with the same mapfile.
TEST_F(DdrescueOptions, CheckOnErrorEndsLikeDdrescue) {
  files_ = {{"mid", test_map({{0x10800, 0x800}, {0x11400, 0x200}})}, {"first", test_map({{0x3000, 0x400}})}};
  Both b = run_both({"-J", "-H", "@/mid", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
  expect_same_files(b, {"out"});
  b = run_both({"-J", "-H", "@/first", source_, "@/out2", "@/map2"});
  EXPECT_EQ(b.gnu.exit_code, 1) << b.gnu.describe();
  EXPECT_EQ(b.ours.exit_code, 1) << b.ours.describe();
  EXPECT_NE(b.ours.err.find("Read error found before the first good read"), std::string::npos) << b.ours.err;
  expect_same_map(b, "map2");
}

TEST_F(DdrescueOptions, FillModeWritesTheSameBytes) {
  MapFile m(kSize);
  m.set_status(0, kSize, BlockStatus::kFinished);
  m.set_status(0x800, 0x1000, BlockStatus::kBadSector);
  m.set_status(0x4000, 0x300, BlockStatus::kNonTried);
  m.set_status(0x5000, 0x220, BlockStatus::kBadSector);  // a last sector too short for the location text
  m.set_status(0x6010, 0x30, BlockStatus::kNonScraped);  // not on a sector boundary
  files_ = {{"map", m.serialize({"fill"})}, {"pattern", "BAD-SECTOR "}, {"out", random_bytes(kSize, 7)}};
  for (const char* types : {"-", "?-", "+", "-l", "?-/l", "+l"}) {
    SCOPED_TRACE(types);
    const Both b = run_both({std::string("-F") + types, "@/pattern", "@/out", "@/map"});
    ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
    ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
    expect_same_files(b, {"out"});
  }
}

TEST_F(DdrescueOptions, GenerateModeGivesTheSameMap) {
  std::string partial = read_file(source_);
  for (std::int64_t p = 0x1000; p < 0x3000; ++p) partial[static_cast<std::size_t>(p)] = 0;
  for (std::int64_t p = 0x8000; p < 0x8200; ++p) partial[static_cast<std::size_t>(p)] = 0;
  partial.resize(0x10000);
  files_ = {{"out", partial}};
  const Both b = run_both({"-G", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
}

TEST_F(DdrescueOptions, TruncateAndExtendOutfile) {
  files_ = {{"out", random_bytes(kSize * 2, 3)}};
  Both b = run_both({"-t", "-s", "0x1000", source_, "@/out"});
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
  b = run_both({"-x", "100000", "-s", "0x1000", source_, "@/out"});
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
}

TEST_F(DdrescueOptions, SameFileMovesDataWithinOneFile) {
  files_ = {{"out", read_file(source_)}};
  const Both b = run_both({"--same-file", "-o", "72776", "@/out", "@/out"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
  // Without --same-file both refuse.
  const Both refused = run_both({"@/out", "@/out"});
  EXPECT_EQ(refused.gnu.exit_code, 1);
  EXPECT_EQ(refused.ours.exit_code, 1);
}

// -m - reads the domain from standard input; -L accepts it unordered.
TEST_F(DdrescueOptions, DomainFromStandardInputAndLooseDomain) {
  const std::string loose =
      "# unordered, with gaps\n0x0 + 1\n0x4000 0x1000 +\n0x0 0x800 +\n0x9000 0x100 -\n";
  files_ = {{"domain", loose}};
  for (const bool stdin_domain : {false, true}) {
    SCOPED_TRACE(stdin_domain ? "-m -" : "-m FILE");
    Both b = run_both({"-L", "-m", "@/domain", source_, "@/out"});
    if (stdin_domain) {
      const std::string gnu_cmd = fmt::format("ddrescue -q -L -m - {} {}/out2 < {}/domain", source_, b.gnu_dir, b.gnu_dir);
      const std::string our_cmd = fmt::format("{} rescue -q --head-map none --smart off -L -m - {} {}/out2 < {}/domain",
                                              PTRESCUE_BINARY, source_, b.our_dir, b.our_dir);
      b.gnu = run_process({"sh", "-c", gnu_cmd});
      b.ours = run_process({"sh", "-c", our_cmd});
    }
    ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
    ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
    expect_same_files(b, {"out", "out2"});
  }
  // Without -L the unordered file is refused as a corrupt input (exit 2).
  const Both strict = run_both({"-m", "@/domain", source_, "@/out"});
  EXPECT_EQ(strict.gnu.exit_code, 2);
  EXPECT_EQ(strict.ours.exit_code, 2);
}

TEST_F(DdrescueOptions, CompleteOnlyAndCheckInputSize) {
  MapFile m(kSize + 4096);
  m.set_status(0, 0x1000, BlockStatus::kFinished);
  files_ = {{"map", m.serialize({"longer than the source"})}};
  Both b = run_both({"-I", source_, "@/out", "@/map"});
  EXPECT_EQ(b.gnu.exit_code, 1) << b.gnu.describe();
  EXPECT_EQ(b.ours.exit_code, 1) << b.ours.describe();
  b = run_both({"-C", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
}

// A non-finished block smaller than a sector joins its neighbour's sector
// (GNU's testsuite's mapfile6): the result matches ddrescue's map.
TEST_F(DdrescueOptions, SubsectorsJoinLikeDdrescue) {
  files_ = {{"map",
             "# subsectors\n0x0 + 1\n0x0 0x800 +\n0x800 0x80 -\n0x880 0x780 ?\n0x1000 0x800 +\n"
             "0x1800 0x780 ?\n0x1F80 0x80 -\n0x2000 0x800 +\n0x2800 0x80 ?\n0x2880 0x780 -\n"}};
  const Both b = run_both({"-s", "0x800", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
}

TEST_F(DdrescueOptions, MaxReadErrorsStopsWithExitOne) {
  files_ = {{"t", test_map({{0x1000, 0x200}, {0x8000, 0x200}})}};
  const Both b = run_both({"-X0", "-H", "@/t", source_, "@/out", "@/map"});
  EXPECT_EQ(b.gnu.exit_code, 1) << b.gnu.describe();
  EXPECT_EQ(b.ours.exit_code, 1) << b.ours.describe();
}

// ddrescue counts -v ("a 2nd -v gives more"): repeating it is no error.
TEST_F(DdrescueOptions, VerboseMayBeRepeated) {
  for (const auto& v : std::vector<std::vector<std::string>>{{"-v", "-v"}, {"-vv"}, {"--verbose", "-v"}}) {
    std::vector<std::string> args = v;
    args.insert(args.end(), {"-s", "0x800", source_, "@/out"});
    const Both b = run_both(args);
    EXPECT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
    EXPECT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  }
}

// A mapfile whose first block starts after 0 is extended to 0 and that part
// is read, as ddrescue does.
TEST_F(DdrescueOptions, MapfileStartingAfterZeroIsExtendedToZero) {
  files_ = {{"map", "# starts late\n0x4000 + 1\n0x4000 0x2000 +\n"}, {"out", std::string(0x6000, '\0')}};
  const Both b = run_both({source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
  expect_same_files(b, {"out"});
}

// A mapfile stopped in a retry pass, with bad sectors left, resumed with -r:
// the bad sectors are read again (they read now: the source is healthy).
TEST_F(DdrescueOptions, MapfileStoppedInARetryPassIsRetried) {
  MapFile m(kSize);
  m.set_status(0, kSize, BlockStatus::kFinished);
  m.set_status(0x2000, 0x400, BlockStatus::kBadSector);
  m.set_status(0x9000, 0x200, BlockStatus::kBadSector);
  m.set_cursor({0x2200, Phase::kRetrying, 1});
  files_ = {{"map", m.serialize({"stopped in retry pass 1"})}, {"out", read_file(source_)}};
  const Both b = run_both({"-r2", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
  EXPECT_EQ(MapFile::parse(read_file(b.our_dir + "/map")).totals().bad_sector, 0);
}

// A mapfile that is a symbolic link is updated through the link.
TEST_F(DdrescueOptions, SymlinkedMapfileIsUpdatedThroughTheLink) {
  files_ = {{"real.map", "# fresh\n0x0 ? 1\n0x0 0x11C48 ?\n"}};
  Both b = run_both({"-s", "0x800", source_, "@/out", "@/real.map"});  // prepare the folders
  for (const std::string& d : {b.gnu_dir, b.our_dir}) std::filesystem::create_symlink("real.map", d + "/link.map");
  const ProcessResult gnu = run_process({"ddrescue", "-q", source_, b.gnu_dir + "/out", b.gnu_dir + "/link.map"});
  const ProcessResult ours = run_ptrescue({"rescue", "-q", "--smart", "off", source_, b.our_dir + "/out",
                                           b.our_dir + "/link.map"});
  ASSERT_EQ(gnu.exit_code, 0) << gnu.describe();
  ASSERT_EQ(ours.exit_code, 0) << ours.describe();
  for (const std::string& d : {b.gnu_dir, b.our_dir}) {
    EXPECT_TRUE(std::filesystem::is_symlink(d + "/link.map")) << d;
    EXPECT_EQ(MapFile::parse(read_file(d + "/real.map")).totals().finished, kSize) << d;
  }
}

// --bad-sector-data (ddrescue 1.30, not in Debian's 1.27): 1.30's manual
// says a sector holding the same data as FILE is a read error, and only
// FILE's first sector counts. Here sector 20 is a copy of sector 4, FILE is
// sector 4 plus more bytes: both sectors end bad, nothing of them reaches
// the image, and every other byte is rescued; with either head map.
TEST_F(DdrescueOptions, BadSectorDataSectorsAreReadErrors) {
  std::string bytes = read_file(source_);
  bytes.replace(20 * 512, 512, bytes.substr(4 * 512, 512));
  write_file(source_, bytes);
  const std::string pattern = dir_.file("bsd");
  write_file(pattern, bytes.substr(4 * 512, 700));
  for (const char* head_map : {"none", "infer"}) {
    SCOPED_TRACE(head_map);
    const std::string out = dir_.file(std::string("out.") + head_map), map = dir_.file(std::string("map.") + head_map);
    const ProcessResult r = run_ptrescue({"rescue", "-q", "--smart", "off", "--head-map", head_map,
                                          "--bad-sector-data=" + pattern, source_, out, map});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    MapFile expected(kSize);
    expected.set_status(0, kSize, BlockStatus::kFinished);
    expected.set_status(4 * 512, 512, BlockStatus::kBadSector);
    expected.set_status(20 * 512, 512, BlockStatus::kBadSector);
    EXPECT_EQ(blocks_of(map), expected.blocks());
    std::string want = bytes;
    want.replace(4 * 512, 512, std::string(512, '\0'));
    want.replace(20 * 512, 512, std::string(512, '\0'));
    EXPECT_TRUE(read_file(out) == want);
  }
  // Shorter than a sector: refused before anything is written, one line.
  write_file(pattern, bytes.substr(0, 100));
  const ProcessResult short_file = run_ptrescue({"rescue", "-q", "--smart", "off", "--bad-sector-data", pattern,
                                                 source_, dir_.file("short.img"), dir_.file("short.map")});
  EXPECT_EQ(short_file.exit_code, 1) << short_file.describe();
  EXPECT_NE(short_file.err.find("shorter than one 512-byte sector"), std::string::npos) << short_file.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("short.img")));
}

// -e stops with exit 1, as ddrescue's; the saved mapfile resumes to the
// same result as ddrescue's.
TEST_F(DdrescueOptions, MaxBadAreasExitsOneAndResumes) {
  files_ = {{"t", test_map({{0x1000, 0x400}, {0x6000, 0x200}, {0xC000, 0x800}})}};
  const Both stopped = run_both({"-e", "1", "-H", "@/t", source_, "@/out", "@/map"});
  EXPECT_EQ(stopped.gnu.exit_code, 1) << stopped.gnu.describe();
  EXPECT_EQ(stopped.ours.exit_code, 1) << stopped.ours.describe();
  EXPECT_NE(stopped.ours.err.find("bad areas (-e); the mapfile is saved"), std::string::npos) << stopped.ours.err;
  const std::string gnu_map = stopped.gnu_dir + "/map", our_map = stopped.our_dir + "/map";
  ASSERT_TRUE(std::filesystem::exists(our_map));
  const ProcessResult gnu = run_process({"ddrescue", "-q", "-H", stopped.gnu_dir + "/t", source_,
                                         stopped.gnu_dir + "/out", gnu_map});
  const ProcessResult ours = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off", "-H",
                                           stopped.our_dir + "/t", source_, stopped.our_dir + "/out", our_map});
  ASSERT_EQ(gnu.exit_code, 0) << gnu.describe();
  ASSERT_EQ(ours.exit_code, 0) << ours.describe();
  expect_same_map(stopped, "map");
  expect_same_files(stopped, {"out"});
}

// ddrescue keeps the mapfile it is about to replace, once fsynced, as
// MAPFILE.bak (1.30's manual, "Invoking ddrescue"); ptrescue syncs every
// save, so from its second save on. So OUTFILE or INFILE may not be
// MAPFILE.bak, and a MAPFILE.bak that is not a regular file is refused.
TEST_F(DdrescueOptions, MapfileBackupIsKeptAndProtected) {
  const Both out_is_backup = run_both({source_, "@/out.bak", "@/out"});
  EXPECT_EQ(out_is_backup.gnu.exit_code, 1) << out_is_backup.gnu.describe();
  EXPECT_EQ(out_is_backup.ours.exit_code, 1) << out_is_backup.ours.describe();
  EXPECT_FALSE(std::filesystem::exists(out_is_backup.our_dir + "/out.bak"));

  files_ = {{"t", test_map({{0x1000, 0x400}, {0x6000, 0x200}})}};
  Both b = run_both({"-s", "0x800", source_, "@/out", "@/map"});  // prepares the folders
  for (const std::string& d : {b.gnu_dir, b.our_dir}) {
    std::filesystem::remove(d + "/map");
    std::filesystem::remove(d + "/map.bak");
    std::filesystem::create_directory(d + "/map.bak");
  }
  const ProcessResult gnu_refused = run_process({"ddrescue", "-q", source_, b.gnu_dir + "/out", b.gnu_dir + "/map"});
  const ProcessResult our_refused = run_ptrescue({"rescue", "-q", "--smart", "off", source_, b.our_dir + "/out",
                                                  b.our_dir + "/map"});
  EXPECT_EQ(gnu_refused.exit_code, 1) << gnu_refused.describe();
  EXPECT_EQ(our_refused.exit_code, 1) << our_refused.describe();
  EXPECT_NE(our_refused.err.find("is not a regular file"), std::string::npos) << our_refused.err;

  // A run with bad areas saves at each phase: the backup is the save before the last.
  const std::string map = dir_.file("kept.map");
  const ProcessResult run = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off", "-H",
                                          b.our_dir + "/t", source_, dir_.file("kept.img"), map});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  ASSERT_TRUE(std::filesystem::is_regular_file(map + ".bak"));
  const MapFile last = MapFile::parse(read_file(map)), before = MapFile::parse(read_file(map + ".bak"));
  EXPECT_EQ(before.end_pos(), last.end_pos());
  EXPECT_NE(read_file(map + ".bak"), read_file(map));
  EXPECT_LE(before.totals().finished, last.totals().finished);

  // Killed between the two steps of a save, the mapfile and its backup are
  // one file under two names: the next run goes on (ddrescue compares names).
  std::filesystem::remove(map + ".bak");
  std::filesystem::create_hard_link(map, map + ".bak");
  const ProcessResult after_kill = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off", "-H",
                                                 b.our_dir + "/t", source_, dir_.file("kept.img"), map});
  EXPECT_EQ(after_kill.exit_code, 0) << after_kill.describe();
}

/// The events of a --log-events file from the first phase word on
/// ("Copying non-tried blocks... Pass 1 (forwards)", "End of run (...)").
std::vector<std::string> logged_events(const std::string& text) {
  std::vector<std::string> events;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    for (const char* word : {"Copying", "Trimming", "Scraping", "Retrying", "End of run"})
      if (line[0] != '#' && line.find(word) != std::string::npos) {
        // "End of run (POS  STATUS)": ptrescue's cursor may stand elsewhere.
        events.push_back(std::string(word) == "End of run" ? word : line.substr(line.find(word)));
        break;
      }
  return events;
}

// --log-events: the same events as Debian's ddrescue 1.27 logs for the same
// run, in 1.30's layout (each event followed by rescued bytes, percentage and
// read errors); a second run appends after a blank line. --log-rates: 1.27's
// (and 1.30's) header, and the columns below it.
TEST_F(DdrescueOptions, EventsAndRatesLogsInDdrescuesFormat) {
  files_ = {{"t", test_map({{0x1000, 0x400}, {0x6000, 0x200}})}};
  const Both b = run_both({"-r1", "--log-events", "@/events", "--log-rates", "@/rates", "-H", "@/t", source_, "@/out",
                           "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  const std::string gnu_events = read_file(b.gnu_dir + "/events"), our_events = read_file(b.our_dir + "/events");
  EXPECT_EQ(logged_events(our_events), logged_events(gnu_events)) << our_events << "\n---\n" << gnu_events;
  EXPECT_EQ(our_events.rfind("# Events Logfile. Created by ptrescue version ", 0), 0u) << our_events;
  EXPECT_NE(our_events.find("\n#          Time     Rescued  Event\n"), std::string::npos) << our_events;
  EXPECT_NE(our_events.find("  End of run (0x"), std::string::npos) << our_events;
  // The last totals: all rescued but the 0x600 bad bytes, 71_240 of 72_776 (97.88%, truncated).
  const std::string end_totals = our_events.substr(our_events.find("End of run"));
  EXPECT_NE(end_totals.find("\n                     71_240   97.88%"), std::string::npos) << end_totals;
  // The rates log: the same column heads, and (a run shorter than a second)
  // one line, for second 0, of the same six columns.
  const auto body = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text.substr(text.find("\n#Time") + 1));
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# End time", 0) != 0) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> gnu_rates = body(read_file(b.gnu_dir + "/rates")),
                                 our_rates = body(read_file(b.our_dir + "/rates"));
  ASSERT_EQ(our_rates.size(), 2u) << read_file(b.our_dir + "/rates");
  ASSERT_EQ(gnu_rates.size(), 2u) << read_file(b.gnu_dir + "/rates");
  EXPECT_EQ(our_rates[0], gnu_rates[0]);
  EXPECT_EQ(our_rates[1].substr(0, 4), gnu_rates[1].substr(0, 4));  // " 0  0x"
  EXPECT_EQ(our_rates[1].size(), gnu_rates[1].size()) << our_rates[1] << "\n" << gnu_rates[1];

  const ProcessResult again = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off",
                                            "--log-events=" + b.our_dir + "/events", source_, b.our_dir + "/out",
                                            b.our_dir + "/map"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  const std::string both = read_file(b.our_dir + "/events");
  EXPECT_EQ(both.rfind(our_events + "\n# Events Logfile.", 0), 0u) << both;

  // A log that is not a regular file is refused, as ddrescue refuses it.
  const ProcessResult refused = run_ptrescue({"rescue", "-q", "--smart", "off", "--log-rates=/dev/null", source_,
                                              dir_.file("r.img"), dir_.file("r.map")});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
}

// --log-rates on a drive whose reads take time (a simulated one, on its
// virtual clock): one line per second, times rising, average rate = bytes
// rescued / time, bad-sector bytes never falling.
TEST_F(DdrescueOptions, RatesLogHasALinePerSecond) {
  write_file(dir_.file("slow.json"), R"({"name": "slow", "capacity": "32MiB", "heads": 1, "zones": 1,
    "rate_outer_mbps": 4, "rate_inner_mbps": 4, "bad_ranges": [{"start": 30000, "length": 8}]})");
  const std::string rates = dir_.file("rates");
  const ProcessResult r = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off", "--log-rates", rates,
                                        "sim:" + dir_.file("slow.json"), dir_.file("s.img"), dir_.file("s.map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::istringstream in(read_file(rates));
  std::int64_t last_time = 0, last_bad = 0, lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cols(line);
    std::int64_t time = 0, current = 0, average = 0, areas = 0, bad = 0;
    std::string ipos;
    ASSERT_TRUE(cols >> time >> ipos >> current >> average >> areas >> bad) << line;
    EXPECT_GT(time, last_time) << line;
    EXPECT_EQ(ipos.rfind("0x", 0), 0u) << line;
    EXPECT_GE(bad, last_bad) << line;
    EXPECT_GT(average, 0) << line;
    EXPECT_LE(average, 8'000'000) << line;  // a 4 MB/s drive
    last_time = time;
    last_bad = bad;
    ++lines;
  }
  EXPECT_GE(lines, 5) << read_file(rates);  // 32 MiB at 4 MB/s: about 8 s
}

/// The modification time of `path`, in nanoseconds.
std::int64_t mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

/// Sets the modification time of `path` to a day ago.
void age(const std::string& path) {
  const struct timespec times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 86400, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

// -W: an image that already holds the data is not written at all (its
// modification time stays), and one that differs ends equal to the source,
// as with ddrescue.
TEST_F(DdrescueOptions, CompareBeforeWriteWritesOnlyWhatDiffers) {
  files_ = {{"out", read_file(source_)}};
  Both b = run_both({"-W", source_, "@/out"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  for (const std::string& d : {b.gnu_dir, b.our_dir}) age(d + "/out");
  const std::int64_t gnu_before = mtime_of(b.gnu_dir + "/out"), our_before = mtime_of(b.our_dir + "/out");
  const ProcessResult gnu = run_process({"ddrescue", "-q", "-W", source_, b.gnu_dir + "/out"});
  const ProcessResult ours = run_ptrescue({"rescue", "-q", "--smart", "off", "-W", source_, b.our_dir + "/out"});
  ASSERT_EQ(gnu.exit_code, 0) << gnu.describe();
  ASSERT_EQ(ours.exit_code, 0) << ours.describe();
  EXPECT_EQ(mtime_of(b.gnu_dir + "/out"), gnu_before);
  EXPECT_EQ(mtime_of(b.our_dir + "/out"), our_before);

  std::string different = read_file(source_);
  different.replace(0x3000, 0x500, std::string(0x500, 'x'));
  files_ = {{"out", different}};
  b = run_both({"-W", source_, "@/out", "@/map"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_files(b, {"out"});
  EXPECT_EQ(read_file(b.our_dir + "/out"), read_file(source_));
}

/// The data-preview lines ("0000000000  41 41 ...  AAAA...") of a status output.
std::vector<std::string> preview_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.size() > 12 && line.find_first_not_of("0123456789ABCDEF") == 10 && line.compare(10, 2, "  ") == 0)
      lines.push_back(line);
  return lines;
}

// -P2: the status shows the latest data read as ddrescue shows it.
TEST_F(DdrescueOptions, DataPreviewShowsTheLatestDataLikeDdrescue) {
  const std::string in = dir_.file("preview.in");
  write_file(in, std::string(16, 'A') + std::string("\x01\x02 text\x7f", 8) + std::string(4976, 'z'));
  const ProcessResult g = run_process({"ddrescue", "-P2", in, dir_.file("gnu.out")});
  const ProcessResult o = run_ptrescue({"rescue", "--smart", "off", "-P2", in, dir_.file("our.out")});
  ASSERT_EQ(g.exit_code, 0) << g.describe();
  ASSERT_EQ(o.exit_code, 0) << o.describe();
  const std::vector<std::string> gnu = preview_lines(g.out), ours = preview_lines(o.out);
  ASSERT_GE(gnu.size(), 2u) << g.out;
  ASSERT_GE(ours.size(), 2u) << o.out;
  EXPECT_EQ(std::vector<std::string>(ours.end() - 2, ours.end()), std::vector<std::string>(gnu.end() - 2, gnu.end()));
}

// Options ptrescue checks but does not act on yet are named in one note
// rather than silently taken (the run itself is unchanged).
// --command-mode against GNU ddrescue's: the same answers on standard output
// (done, error, unknown commands, s's mapfile lines), the same image and,
// after u, the same mapfile; q leaves the mapfile as u saved it, and the end
// of input finishes (f) like ddrescue.
TEST_F(DdrescueOptions, CommandModeAnswersAndCopiesLikeDdrescue) {
  struct Script {
    const char* name;
    const char* commands;
    int exit_code;
  };
  for (const Script& sc : {Script{"copy_status_update_quit",
                                  "c 0 0x4000\\ns 0 0x8000\\nc 0x6000 010000\\n\\n  c   0x9000   0x100  \\nu\\n"
                                  "s0x3000 0x4000\\nc 0x10000 0x100\\nq\\n",
                                  0},
                           Script{"bad_arguments_and_unknown_commands",
                                  "c -1 5\\nc 0 0\\ns 5\\nx\\nc 0x100 0x200 7\\nc 0 0x1000\\nu\\nq\\n", 1},
                           Script{"end_of_input_finishes", "c 0x2000 0x3000\\nc 0x11000 0x10000\\nc 0x100 0x10", 0}}) {
    SCOPED_TRACE(sc.name);
    Both b;
    b.gnu_dir = dir_.file(std::string("gnu-") + sc.name);
    b.our_dir = dir_.file(std::string("ours-") + sc.name);
    std::filesystem::create_directory(b.gnu_dir);
    std::filesystem::create_directory(b.our_dir);
    const std::string feed = fmt::format("printf '{}' | ", sc.commands);
    b.gnu = run_process({"sh", "-c", feed + fmt::format("ddrescue -q --command-mode {} {}/out {}/map", source_, b.gnu_dir, b.gnu_dir)});
    b.ours = run_process({"sh", "-c", feed + fmt::format("{} rescue -q --head-map none --smart off --command-mode {} {}/out {}/map",
                                                          PTRESCUE_BINARY, source_, b.our_dir, b.our_dir)});
    EXPECT_EQ(b.gnu.exit_code, sc.exit_code) << b.gnu.describe();
    EXPECT_EQ(b.ours.exit_code, b.gnu.exit_code) << b.ours.describe();
    EXPECT_EQ(b.ours.out, b.gnu.out);
    expect_same_files(b, {"out"});
    expect_same_map(b, "map");
  }
}

// -O: after every failed read the source is closed and opened again (the
// reads log says so, once per failed read), and the rescue ends as GNU
// ddrescue's with -O does.
TEST_F(DdrescueOptions, ReopenOnErrorReopensAfterEachFailedRead) {
  files_ = {{"t", test_map({{0x1000, 0x800}, {0x9000, 0x200}, {0x10000, 0x400}})}};
  Both b = run_both({"-O", "-c4", "-H", "@/t", source_, "@/out", "@/map"}, {}, {"--log-reads", "@/reads"});
  ASSERT_EQ(b.gnu.exit_code, 0) << b.gnu.describe();
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  expect_same_map(b, "map");
  expect_same_files(b, {"out"});
  std::istringstream log(read_file(b.our_dir + "/reads"));
  int failed = 0, reopened = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.starts_with("# reopen: ok")) ++reopened;
    else if (line.starts_with("0x") && line.find("\tok\t") == std::string::npos) ++failed;
  }
  EXPECT_GT(failed, 3);
  EXPECT_EQ(reopened, failed);
  // Without -O: no reopen.
  b = run_both({"-c4", "-H", "@/t", source_, "@/out", "@/map"}, {}, {"--log-reads", "@/reads"});
  ASSERT_EQ(b.ours.exit_code, 0) << b.ours.describe();
  EXPECT_EQ(read_file(b.our_dir + "/reads").find("# reopen"), std::string::npos);
}

}  // namespace
}  // namespace ptrescue
