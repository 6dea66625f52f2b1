// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's command line on `ptrescue rescue` (docs/COMPATIBILITY.md),
// one behaviour per test, with Debian's ddrescue 1.27 run beside ptrescue as
// the oracle: the same arguments give the same exit status, the same image
// bytes and the same mapfile blocks. Where 1.27 and 1.30 differ (-N), the
// test says which one ptrescue follows.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
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
  EXPECT_EQ(parse_copy_passes("1,3-5"), 0b11101u);
  EXPECT_EQ(parse_copy_passes("0"), 0u);
  for (const char* bad : {",", "1,", "-1", "1-", "6", "1,6", "1-6", "3-2"})
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
// and is given --no-trim.
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

TEST_F(DdrescueOptions, FillModeWritesTheSameBytes) {
  MapFile m(kSize);
  m.set_status(0, kSize, BlockStatus::kFinished);
  m.set_status(0x800, 0x1000, BlockStatus::kBadSector);
  m.set_status(0x4000, 0x300, BlockStatus::kNonTried);
  files_ = {{"map", m.serialize({"fill"})}, {"pattern", "BAD-SECTOR "}, {"out", random_bytes(kSize, 7)}};
  for (const char* types : {"-", "?-", "+"}) {
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

// Options ptrescue checks but does not act on yet are named in one note
// rather than silently taken (the run itself is unchanged).
TEST_F(DdrescueOptions, OptionsNotActedOnYetAreNamedInANote) {
  const std::string out = dir_.file("noted.img"), map = dir_.file("noted.map");
  const ProcessResult noted = run_ptrescue({"rescue", "--head-map", "none", "--smart", "off", "-a", "1M",
                                            "--reopen-on-error", source_, out, map});
  ASSERT_EQ(noted.exit_code, 0) << noted.describe();
  EXPECT_NE(noted.err.find("note: --min-read-rate, --reopen-on-error accepted for ddrescue's command lines but not "
                           "acted on yet"),
            std::string::npos)
      << noted.err;
  EXPECT_EQ(read_file(out), read_file(source_));
  const ProcessResult plain = run_ptrescue({"rescue", "--head-map", "none", "--smart", "off", source_,
                                            dir_.file("plain.img"), dir_.file("plain.map")});
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_EQ(plain.err.find("note:"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace ptrescue
