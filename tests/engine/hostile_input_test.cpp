// SPDX-License-Identifier: GPL-3.0-or-later
// What a tired engineer may type at 3 a.m. (issue 16): numbers at the edges
// of int64, simulator profiles with extreme floats, maps that do not fit the
// image or the source, a full disk under the mapfile, directories and binary
// garbage where files are expected, duplicated or impossible list items.
// Each must end in a one-line refusal of ptrescue's own (never a sanitizer
// report, never a false "saved", "complete" or "identical"), and leave no
// lock file behind.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/units.h"
#include "src/cli/terminal_text.h"
#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::random_bytes;
using test::read_file;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

std::string args_text(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += "'" + a + "' ";
  return s;
}

// Ended by ptrescue itself, with no sanitizer report.
::testing::AssertionResult ended_cleanly(const ProcessResult& r) {
  if (!r.exited()) return ::testing::AssertionFailure() << r.describe();
  if (r.err.find("runtime error") != std::string::npos || r.err.find("Sanitizer") != std::string::npos)
    return ::testing::AssertionFailure() << r.describe();
  return ::testing::AssertionSuccess();
}

// A map of `size` bytes, all of `status`.
std::string map_text(std::int64_t size, BlockStatus status) {
  MapFile m(size);
  m.set_status(0, size, status);
  return m.serialize({});
}

// ---- numbers at the edges --------------------------------------------------

struct EdgeCase {
  std::vector<std::string> options;
  std::string says;  // in the refusal; empty = the run may succeed
};

TEST(HostileNumbers, PositionsSizesAndDurationsNearTwoToTheSixtyThreeAreRefusedNamingTheLimit) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(64 << 10, 7));
  const std::vector<EdgeCase> cases = {
      {{"-o", "0x7fffffffffff0000"}, "largest position"},
      {{"-o", "9223372036854775807"}, "largest position"},
      {{"-i", "0x7fffffffffffffff"}, "beyond the end of the source"},
      {{"-s", "9223372036854775807"}, ""},
      {{"-i", "8Ei"}, "too large"},
      {{"--read-timeout", "9999999999999h"}, "up to 100d"},
      {{"--read-timeout", "900000000000s"}, "up to 100d"},
      {{"--read-timeout", "copy=nan"}, "not a finite duration"},
      {{"--mapfile-interval", "inf"}, "bad time interval"},
      {{"--head-timeout", "0=900000000000s"}, "up to 100d"},
      {{"-c", "0x7fffffffffffffff"}, "up to 1048576 sectors"},
      {{"-b", "0x4000000000000000"}, "up to 1 MiB"},
      {{"-K", "4Ei"}, "up to 1 EiB"},
      {{"-K", "1s,0x7fffffffffffffff"}, "up to 1 EiB"},
  };
  for (const EdgeCase& c : cases) {
    std::vector<std::string> args{"rescue", "-q", "-f"};
    args.insert(args.end(), c.options.begin(), c.options.end());
    args.insert(args.end(), {dir.file("src"), dir.file("img"), dir.file("map")});
    const ProcessResult r = run_ptrescue(args);
    EXPECT_TRUE(ended_cleanly(r)) << args_text(c.options);
    if (c.says.empty()) {  // a run that may go ahead: its files are not the next case's
      for (const char* f : {"img", "map", "map.bak", "map.acquisition.log", "map.smart.jsonl", "map.headmap"})
        std::filesystem::remove(dir.file(f));
      continue;
    }
    EXPECT_EQ(r.exit_code, 1) << args_text(c.options) << r.describe();
    EXPECT_NE(r.err.find(c.says), std::string::npos) << args_text(c.options) << r.describe();
    // Refused before anything is written: no empty image or map is left behind.
    EXPECT_FALSE(std::filesystem::exists(dir.file("img"))) << args_text(c.options);
    EXPECT_FALSE(std::filesystem::exists(dir.file("map"))) << args_text(c.options);
    std::filesystem::remove(dir.file("img"));
    std::filesystem::remove(dir.file("map"));
  }
}

TEST(HostileNumbers, SimulatorProfilesWithExtremeFloatsAreRefused) {
  TempDir dir;
  const std::vector<std::string> fields = {
      R"("seek_full_stroke_ms": 1e308)", R"("command_overhead_ms": 1e300)", R"("error_latency_ms": 1e20)",
      R"("rpm": 1e-300)",                R"("rpm": 1e308)",                 R"("rate_outer_mbps": 1e-300)",
      R"("rate_inner_mbps": 1e999)",     R"("head_switch_ms": -1)",         R"("reset_ms": {"soft": 1e308})",
      R"("smart": {"heat_minutes": 1e308})", R"("smart": {"temperature_max_c": 1e999})",
  };
  for (const std::string& field : fields) {
    write_file(dir.file("p.json"), R"({"capacity": "1MiB", )" + field + "}");
    const ProcessResult r =
        run_ptrescue({"rescue", "-q", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map")});
    EXPECT_TRUE(ended_cleanly(r)) << field;
    EXPECT_NE(r.exit_code, 0) << field << r.describe();
    EXPECT_NE(r.err.find("simulator profile"), std::string::npos) << field << r.describe();
    std::filesystem::remove(dir.file("img"));
    std::filesystem::remove(dir.file("map"));
  }
}

TEST(HostileNumbers, UnitsBoundWhatTheyParse) {
  EXPECT_EQ(parse_size_up_to("1Mi", 512, "-b", 1 << 20), 1 << 20);
  try {
    parse_size_up_to("2Mi", 512, "-b", 1 << 20);
    ADD_FAILURE() << "2Mi passed a 1 MiB limit";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("up to 1 MiB"), std::string::npos) << e.what();
  }
  EXPECT_EQ(binary_size_text(std::int64_t{1} << 60), "1 EiB");
  EXPECT_EQ(binary_size_text(1536), "1536 B");
  EXPECT_EQ(checked_position_add(5, -2, "x"), 3);
  EXPECT_THROW(checked_position_add(INT64_MAX, 1, "x"), UsageError);
  EXPECT_THROW(parse_duration("nan", "t"), UsageError);
  EXPECT_THROW(parse_duration("101d", "t"), UsageError);
  EXPECT_EQ(parse_duration("100d", "t"), kMaxDuration);
}

// ---- maps that do not fit ---------------------------------------------------

TEST(HostileMaps, FillRefusesAMapReachingFarBeyondTheImage) {
  TempDir dir;
  write_file(dir.file("img"), std::string(64 << 10, 'x'));
  MapFile m(std::int64_t{1} << 40);
  m.set_status(0, 64 << 10, BlockStatus::kFinished);
  m.set_status(64 << 10, m.end_pos() - (64 << 10), BlockStatus::kBadSector);
  write_file(dir.file("map"), m.serialize({}));
  const ProcessResult r = run_ptrescue({"fill", dir.file("img"), dir.file("map")});
  EXPECT_TRUE(ended_cleanly(r));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find(std::to_string(std::int64_t{1} << 40)), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(std::to_string(64 << 10)), std::string::npos) << r.describe();
  EXPECT_EQ(std::filesystem::file_size(dir.file("img")), 64u << 10) << "fill grew the image";
}

TEST(HostileMaps, VerifyRefusesAMapLargerThanTheSource) {
  TempDir dir;
  const std::string data = random_bytes(64 << 10, 3);
  write_file(dir.file("src"), data);
  write_file(dir.file("img"), data);
  write_file(dir.file("map"), map_text(128 << 10, BlockStatus::kFinished));
  const ProcessResult r = run_ptrescue({"verify", dir.file("src"), dir.file("img"), dir.file("map")});
  EXPECT_TRUE(ended_cleanly(r));
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(r.out.find("IDENTICAL"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(std::to_string(128 << 10)), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(std::to_string(64 << 10)), std::string::npos) << r.describe();
}

TEST(HostileMaps, HashOfAnImageShorterThanItsMapIsNotComplete) {
  TempDir dir;
  write_file(dir.file("img"), random_bytes(64 << 10, 4));
  MapFile m(128 << 10);
  m.set_status(0, 64 << 10, BlockStatus::kFinished);
  m.set_status(64 << 10, 64 << 10, BlockStatus::kBadSector);
  write_file(dir.file("map"), m.serialize({}));
  const ProcessResult r = run_ptrescue({"hash", dir.file("img"), "--mapfile", dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string sidecar = read_file(dir.file("map") + ".hash");
  EXPECT_NE(sidecar.find("complete: no"), std::string::npos) << sidecar;
  EXPECT_EQ(sidecar.find("complete: yes"), std::string::npos) << sidecar;
}

// ---- a full disk under the mapfile -----------------------------------------

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// A 64 KiB tmpfs, unmounted however the test ends.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directory(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k") == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST(HostileDisk, AFailedMapfileSaveIsNeverReportedAsSaved) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(1 << 20, 5));
  const SmallTmpfs full(dir.file("full"));
  if (!full.mounted()) {
    if (in_ci()) FAIL() << "cannot mount a tmpfs: " << full.error();
    GTEST_SKIP() << "cannot mount a tmpfs: " << full.error();
  }
  const std::string map = dir.file("full/map");
  const ProcessResult r = run_ptrescue({"rescue", "-q", "-f", dir.file("src"), dir.file("full/img"), map});
  EXPECT_TRUE(ended_cleanly(r));
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.err.find("mapfile was saved"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("could NOT be saved"), std::string::npos) << r.describe();
  // What is on disk is the last save that worked: a map that parses.
  EXPECT_NO_THROW(MapFile::parse(read_file(map)));
}

// ---- messages ---------------------------------------------------------------

TEST(HostileMessages, ADirectoryWhereAFileIsExpectedSaysSo) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(64 << 10, 6));
  std::filesystem::create_directory(dir.file("d"));
  std::filesystem::create_directory(dir.file("d.json"));
  const std::string src = dir.file("src"), img = dir.file("img"), map = dir.file("map"), d = dir.file("d");
  const std::vector<std::vector<std::string>> cases = {
      {"rescue", "-q", "-f", src, img, d},
      {"rescue", "-q", "-f", "-m", d, src, img, map},
      {"rescue", "-q", "-f", "-H", d, src, img, map},
      {"rescue", "-q", "-f", "--head-map", d, src, img, map},
      {"rescue", "-q", "sim:" + dir.file("d.json"), img, map},
      {"fill", src, d},
  };
  for (const auto& args : cases) {
    const ProcessResult r = run_ptrescue(args);
    EXPECT_TRUE(ended_cleanly(r)) << args_text(args);
    EXPECT_NE(r.exit_code, 0) << args_text(args);
    EXPECT_NE(r.err.find("is a directory"), std::string::npos) << args_text(args) << r.describe();
    if (args.front() == "rescue") EXPECT_FALSE(std::filesystem::exists(img)) << args_text(args);
    std::filesystem::remove(img);
    std::filesystem::remove(map);
  }
}

// Nothing but printable text and line ends.
::testing::AssertionResult printable(const std::string& text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\n') || c == 0x7f)
      return ::testing::AssertionFailure() << "byte " << static_cast<int>(c) << " in: " << terminal_safe(text);
  return ::testing::AssertionSuccess();
}

TEST(HostileMessages, BinaryGarbageFromABadFileIsNeverEchoed) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(64 << 10, 8));
  std::string garbage = "\x1b[2J\x1b]0;owned\x07";
  garbage += random_bytes(4096, 9);
  write_file(dir.file("garbage"), garbage);
  write_file(dir.file("garbage.json"), "{\"name\": \"" + garbage + "\"}");
  write_file(dir.file("garbage2.json"), garbage);
  const std::string src = dir.file("src"), img = dir.file("img"), map = dir.file("map"), g = dir.file("garbage");
  const std::vector<std::vector<std::string>> cases = {
      {"rescue", "-q", "-f", src, img, g},
      {"rescue", "-q", "-f", "-m", g, src, img, map},
      {"rescue", "-q", "-f", "--head-map", g, src, img, map},
      {"rescue", "-q", "sim:" + dir.file("garbage.json"), img, map},
      {"rescue", "-q", "sim:" + dir.file("garbage2.json"), img, map},
      {"rescue", "-q", "-f", "--reset", garbage.substr(0, 40), src, img, map},
  };
  for (const auto& args : cases) {
    const ProcessResult r = run_ptrescue(args);
    EXPECT_TRUE(ended_cleanly(r)) << args_text(args);
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(printable(r.err)) << args.back();
    EXPECT_LT(r.err.size(), 1200u) << terminal_safe(r.err);
    std::filesystem::remove(img);
    std::filesystem::remove(map);
  }
}

TEST(HostileMessages, TerminalSafeEscapesControlsAndBrokenUtf8ButKeepsText) {
  EXPECT_EQ(terminal_safe("plain"), "plain");
  EXPECT_EQ(terminal_safe("\x1b[2J"), "\\x1B[2J");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(terminal_safe("\xc2\x9b"), "\\xC2\\x9B");  // C1 CSI
  EXPECT_EQ(terminal_safe("\xff"), "\\xFF");
  EXPECT_EQ(terminal_safe(std::string(50, 'a'), 40), std::string(40, 'a') + "...");
}

TEST(HostileMessages, DuplicatesAndImpossibleValuesAreRefusedAlike) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(64 << 10, 10));
  write_file(dir.file("two-heads.json"), R"({"capacity": "1MiB", "heads": 2, "zones": 1, "stripe": "64KiB"})");
  const std::string sim = "sim:" + dir.file("two-heads.json");
  const std::string src = dir.file("src");
  const std::vector<EdgeCase> cases = {
      {{"--reset", "soft,soft", src}, "given twice"},
      {{"--read-timeout", "copy=1s,copy=2s", src}, "given twice"},
      {{"--head-timeout", "0=1s,0=2s", src}, "given twice"},
      {{"--skip-head", "1,1", src}, "given twice"},
      {{"--hash", "", src}, "empty"},
      {{"--smart-stop", "", src}, "smart-stop"},
      {{"--smart-stop", "pendng+=5", src}, "no SMART metric 'pendng'"},
      {{"--head-map", "sim", "--skip-head", "5", sim}, "beyond the drive's heads"},
      {{"--head-map", "sim", "--head-timeout", "2=1s", sim}, "beyond the drive's heads"},
      {{"--head-map", "sim", "--head-retries", "7=1", sim}, "beyond the drive's heads"},
      {{"--head-map", "sim", "--head-order", "1,3", sim}, "beyond the drive's heads"},
  };
  for (const EdgeCase& c : cases) {
    std::vector<std::string> args{"rescue", "-q", "-f"};
    args.insert(args.end(), c.options.begin(), c.options.end());
    args.insert(args.end(), {dir.file("img"), dir.file("map")});
    const ProcessResult r = run_ptrescue(args);
    EXPECT_TRUE(ended_cleanly(r)) << args_text(c.options);
    EXPECT_EQ(r.exit_code, 1) << args_text(c.options) << r.describe();
    EXPECT_NE(r.err.find(c.says), std::string::npos) << args_text(c.options) << r.describe();
    // Refused before anything is written: no empty image or map is left behind.
    EXPECT_FALSE(std::filesystem::exists(dir.file("img"))) << args_text(c.options);
    EXPECT_FALSE(std::filesystem::exists(dir.file("map"))) << args_text(c.options);
    std::filesystem::remove(dir.file("img"));
    std::filesystem::remove(dir.file("map"));
  }
}

// ---- the lock file -----------------------------------------------------------

// A refused run must not leave a MAPFILE.lock it made (beside a mapfile that
// may not even exist); a finished one neither. A lock file a crash left is
// only a file: the next run takes it, and it is left as found.
TEST(HostileLock, ARunLeavesNoLockFileItMadeAndACrashsLockFileIsHarmless) {
  TempDir dir;
  const std::string src = dir.file("src"), img = dir.file("img"), map = dir.file("map"), lock = map + ".lock";
  write_file(src, random_bytes(64 << 10, 17));
  const std::vector<std::vector<std::string>> refused = {
      {dir.file("no-such-source"), img, map},        // the source cannot be opened
      {"--hash", "md17", src, img, map},             // an option refused after the lock is taken
      {"-i", "1MiB", src, img, map},                 // a position beyond the source
      {"-H", dir.file("no-such-test-map"), src, img, map},
  };
  const auto check_refused = [&](const char* when) {
    for (const auto& args : refused) {
      std::vector<std::string> all{"rescue", "-q"};
      all.insert(all.end(), args.begin(), args.end());
      const ProcessResult r = run_ptrescue(all);
      EXPECT_TRUE(ended_cleanly(r)) << args_text(all);
      EXPECT_NE(r.exit_code, 0) << when << args_text(all) << r.describe();
      EXPECT_FALSE(std::filesystem::exists(lock)) << when << "a lock file was left by " << args_text(all);
      EXPECT_FALSE(std::filesystem::exists(img)) << when << args_text(all);
    }
  };
  check_refused("no mapfile yet: ");
  write_file(map, map_text(128 << 10, BlockStatus::kNonTried));  // larger than the source
  const ProcessResult too_large = run_ptrescue({"rescue", "-q", src, img, map});
  EXPECT_NE(too_large.exit_code, 0) << too_large.describe();
  EXPECT_FALSE(std::filesystem::exists(lock)) << "a lock file was left beside a mapfile that does not fit";
  std::filesystem::remove(map);

  const ProcessResult done = run_ptrescue({"rescue", "-q", src, img, map});
  EXPECT_EQ(done.exit_code, 0) << done.describe();
  EXPECT_FALSE(std::filesystem::exists(lock)) << "a finished run left its lock file";
  std::filesystem::remove(img);
  check_refused("beside a finished mapfile: ");

  std::filesystem::remove(map);
  write_file(lock, "4194303\n");  // as a SIGKILLed run leaves it
  const ProcessResult after_crash = run_ptrescue({"rescue", "-q", src, img, map});
  EXPECT_EQ(after_crash.exit_code, 0) << after_crash.describe();
  EXPECT_EQ(read_file(img), read_file(src));
  EXPECT_TRUE(std::filesystem::exists(lock)) << "a lock file this run did not make was removed";
}

}  // namespace
}  // namespace ptrescue
