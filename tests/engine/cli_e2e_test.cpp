// SPDX-License-Identifier: GPL-3.0-or-later
// The `ptrescue` binary end to end: images of regular files, -H test mode,
// refusals of bad input (message and exit status), --json, --log-reads,
// SIGINT/SIGTERM, a read-only loop device and `identify`.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_pattern.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

using test::write_file;
using test::random_bytes;
using test::read_file;
using test::ProcessResult;
using test::run_ptrescue;
using test::TempDir;

constexpr std::int64_t kSs = 512;

bool exists(const std::string& path) { return std::filesystem::exists(path); }

MapFile load_map(const std::string& path) { return MapFile::parse(read_file(path)); }

std::string describe(const MapFile& m) {
  std::string s;
  int n = 0;
  m.for_each([&](const MapBlock& b) {
    if (++n <= 40) s += fmt::format("  0x{:08X} 0x{:08X} {}\n", b.pos, b.size, static_cast<char>(b.status));
  });
  if (n > 40) s += fmt::format("  ... {} blocks in all\n", n);
  return s;
}

// Same blocks (statuses and extents) in both maps.
::testing::AssertionResult same_blocks(const MapFile& got, const MapFile& want) {
  if (got.blocks() == want.blocks()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "map:\n" << describe(got) << "expected:\n" << describe(want);
}

// A ddrescue test map over `size` bytes: '+' but for `areas` random runs of
// 1..64 sectors in the other four statuses (all of which fail under -H).
MapFile random_test_map(std::int64_t size, int areas, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  MapFile m(size);
  m.set_status(0, size, BlockStatus::kFinished);
  const std::int64_t sectors = size / kSs;
  const BlockStatus bad[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                             BlockStatus::kBadSector};
  for (int i = 0; i < areas; ++i) {
    const std::int64_t len = 1 + static_cast<std::int64_t>(rng() % 64);
    const std::int64_t start = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(sectors - len));
    m.set_status(start * kSs, len * kSs, bad[rng() % 4]);
  }
  return m;
}

// What a rescue under -H `test_map` must end with: its non-'+' bytes bad.
MapFile expected_from_test_map(const MapFile& test_map) {
  MapFile want(test_map.end_pos());
  want.set_status(0, test_map.end_pos(), BlockStatus::kFinished);
  test_map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) want.set_status(b.pos, b.size, BlockStatus::kBadSector);
  });
  return want;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---- plain files ----------------------------------------------------------

TEST(CliRescue, RegularFileGivesIdenticalImageAndAllFinishedMap) {
  TempDir dir;
  // Not a whole number of sectors: the last partial sector must be copied too.
  const std::string data = random_bytes((5 << 20) + 777, 1);
  write_file(dir.file("src"), data);
  const ProcessResult r = run_ptrescue({"rescue", "-q", "-f", dir.file("src"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(read_file(dir.file("img")) == data) << "image differs from the source";
  const MapFile map = load_map(dir.file("map"));
  MapFile want(static_cast<std::int64_t>(data.size()));
  want.set_status(0, want.end_pos(), BlockStatus::kFinished);
  EXPECT_TRUE(same_blocks(map, want));
  EXPECT_EQ(map.cursor().phase, Phase::kFinished);

  // The same command again has nothing to do and changes nothing.
  const ProcessResult again = run_ptrescue({"rescue", "-q", "-f", dir.file("src"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_TRUE(read_file(dir.file("img")) == data);
  EXPECT_TRUE(same_blocks(load_map(dir.file("map")), want));
}

TEST(CliRescue, TestModeMarksExactlyTheTestMapsBadSectors) {
  TempDir dir;
  const std::int64_t size = 4 << 20;
  const std::string data = random_bytes(static_cast<std::size_t>(size), 2);
  write_file(dir.file("src"), data);
  const MapFile test_map = random_test_map(size, 40, 3);
  write_file(dir.file("test.map"), test_map.serialize({"test map"}));

  const ProcessResult r = run_ptrescue(
      {"rescue", "-q", "-f", "-H", dir.file("test.map"), dir.file("src"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const MapFile map = load_map(dir.file("map"));
  const MapFile want = expected_from_test_map(test_map);
  EXPECT_TRUE(same_blocks(map, want));

  // Every rescued byte equals the source; nothing of a failed read was written.
  std::string image = read_file(dir.file("img"));
  image.resize(static_cast<std::size_t>(size), '\0');  // a bad tail is never written
  map.for_each([&](const MapBlock& b) {
    const auto pos = static_cast<std::size_t>(b.pos);
    const auto n = static_cast<std::size_t>(b.size);
    if (b.status == BlockStatus::kFinished) {
      EXPECT_TRUE(image.compare(pos, n, data, pos, n) == 0) << "rescued block at " << b.pos << " differs";
    }
  });
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kBadSector) return;
    const auto pos = static_cast<std::size_t>(b.pos);
    const auto n = static_cast<std::size_t>(b.size);
    EXPECT_EQ(image.substr(pos, n), std::string(n, '\0')) << "data written into the bad block at " << b.pos;
  });
}

// ---- refusals -------------------------------------------------------------

class CliRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = random_bytes(1 << 20, 4);
    write_file(dir_.file("src"), source_);
  }

  // Runs `rescue args...` and checks the exit status, that the first line of
  // stderr is one "ptrescue: ..." message containing every word of
  // `expected`, that at most a usage hint follows, and that neither an image
  // nor a new mapfile appeared.
  void expect_refused(const std::vector<std::string>& args, int exit_code,
                      const std::vector<std::string>& expected) {
    const bool map_existed = exists(dir_.file("map"));
    const std::string map_before = map_existed ? read_file(dir_.file("map")) : "";
    // -f: the image may share the source's disk here (the tests' one temp
    // folder), so that only the refusal under test can happen.
    std::vector<std::string> full{"rescue", "-f"};
    full.insert(full.end(), args.begin(), args.end());
    const ProcessResult r = run_ptrescue(full);
    EXPECT_EQ(r.exit_code, exit_code) << r.describe();
    const auto lines = lines_of(r.err);
    ASSERT_FALSE(lines.empty()) << r.describe();
    EXPECT_EQ(lines[0].rfind("ptrescue: ", 0), 0u) << lines[0];
    for (const auto& word : expected) EXPECT_NE(lines[0].find(word), std::string::npos) << "'" << word << "' not in: " << lines[0];
    EXPECT_LE(lines.size(), 2u) << r.err;
    if (lines.size() == 2) {
      EXPECT_NE(lines[1].find("--help"), std::string::npos) << r.err;
    }
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(exists(dir_.file("img"))) << "an image was created";
    EXPECT_EQ(exists(dir_.file("map")), map_existed);
    if (map_existed) {
      EXPECT_EQ(read_file(dir_.file("map")), map_before) << "the mapfile was changed";
    }
    EXPECT_FALSE(exists(dir_.file("map.tmp")));
    EXPECT_FALSE(exists(dir_.file("map.lock"))) << "a refused run left its lock file";
  }

  std::string src() const { return dir_.file("src"); }
  std::string img() const { return dir_.file("img"); }
  std::string map() const { return dir_.file("map"); }

  TempDir dir_;
  std::string source_;
};

TEST_F(CliRefusal, MissingSource) {
  expect_refused({"-q", dir_.file("nonexistent"), img(), map()}, 1, {dir_.file("nonexistent"), "No such file"});
}

TEST_F(CliRefusal, ImageIsTheSource) {
  // Through another name, so only the file's identity can tell.
  std::filesystem::create_hard_link(src(), dir_.file("alias"));
  expect_refused({"-q", src(), dir_.file("alias"), map()}, 1, {"image", "source"});
  EXPECT_EQ(read_file(src()), source_) << "the source was modified";
}

// Issue 16: a path the run writes must never be one it was told to read.
TEST_F(CliRefusal, TheMapfilesTemporaryFileAsSourceIsLeftIntact) {
  write_file(dir_.file("map.tmp"), source_);
  const ProcessResult r = run_ptrescue({"rescue", "-q", "-f", dir_.file("map.tmp"), img(), map()});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("temporary file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("source"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir_.file("map.tmp")), source_) << "the source was overwritten";
  EXPECT_FALSE(exists(img()));
  EXPECT_FALSE(exists(map()));
}

TEST_F(CliRefusal, AReadsLogNamingTheImageIsRefusedBeforeAnythingIsWritten) {
  const ProcessResult first = run_ptrescue({"rescue", "-q", "-f", src(), img(), map()});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  const std::string image = read_file(img()), mapfile = read_file(map());
  // Through a symlink, so only the file's identity can tell.
  std::filesystem::create_symlink(img(), dir_.file("log-link"));
  const ProcessResult r =
      run_ptrescue({"rescue", "-q", "-f", "--log-reads", dir_.file("log-link"), src(), img(), map()});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("reads log"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(img()), image) << "the image was changed";
  EXPECT_EQ(read_file(map()), mapfile) << "the mapfile was changed";
}

TEST_F(CliRefusal, ASecondRunOnTheSameMapfileNamesTheFirstRunsPid) {
  test::Process first({PTRESCUE_BINARY, "rescue", "-q", "sim:demo", img(), map()});
  // The mapfile appears once the first run holds its lock and has begun.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!exists(map()) && !first.poll() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(exists(map())) << "the first run never began";
  const ProcessResult second = run_ptrescue({"rescue", "-q", "sim:demo", dir_.file("other.img"), map()});
  first.signal(SIGINT);
  const ProcessResult& r = first.wait();
  EXPECT_EQ(second.exit_code, 1) << second.describe();
  EXPECT_NE(second.err.find(fmt::format("PID {}", first.pid())), std::string::npos) << second.err;
  EXPECT_FALSE(exists(dir_.file("other.img")));
  // The first run was not disturbed: it stopped on the signal with a pair that resumes.
  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r.describe();
  const ProcessResult resumed = run_ptrescue({"rescue", "-q", "sim:demo", img(), map()});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.describe();
}

TEST_F(CliRefusal, MalformedMapfileIsExit2NamingTheLine) {
  write_file(map(),
             "# Mapfile\n0x00000000     ?               1\n0x00000000  0x00010000  +\n"
             "0x00010000  0x00010000  x\n");
  expect_refused({"-q", src(), img(), map()}, 2, {map(), "line 4"});
}

TEST_F(CliRefusal, OverlappingMapfileIsExit2NamingTheLine) {
  write_file(map(),
             "0x00000000     ?               1\n0x00000000  0x00010000  +\n"
             "0x00008000  0x00010000  -\n");
  expect_refused({"-q", src(), img(), map()}, 2, {map(), "line 3"});
}

TEST_F(CliRefusal, MalformedTestMapIsExit2NamingTheLine) {
  write_file(dir_.file("test.map"), "# test\n0x0 + 1\n0x0 0x100000 +\nnot a block\n");
  expect_refused({"-q", "-H", dir_.file("test.map"), src(), img(), map()}, 2,
                 {dir_.file("test.map"), "line 4"});
}

TEST_F(CliRefusal, UnknownOption) { expect_refused({"--frobnicate", src(), img(), map()}, 1, {"frobnicate"}); }

TEST_F(CliRefusal, BadSizeSyntax) { expect_refused({"-q", "-s", "4Xb", src(), img(), map()}, 1, {"4Xb"}); }

TEST_F(CliRefusal, BadDurationSyntax) {
  expect_refused({"-q", "--mapfile-interval", "5parsecs", src(), img(), map()}, 1, {"5parsecs"});
  expect_refused({"-q", "--read-timeout", "copy=fast", src(), img(), map()}, 1, {"fast"});
}

TEST_F(CliRefusal, InputPositionBeyondTheEnd) {
  expect_refused({"-q", "-i", "2Mi", src(), img(), map()}, 1, {"beyond the end"});
}

TEST_F(CliRefusal, MapfileLargerThanTheSource) {
  MapFile big(4 << 20);
  big.set_status(0, 1 << 20, BlockStatus::kFinished);
  write_file(map(), big.serialize({"bigger than the source"}));
  expect_refused({"-q", src(), img(), map()}, 2, {map(), std::to_string(1 << 20)});
}

TEST_F(CliRefusal, WrongNumberOfFiles) { expect_refused({"-q", src()}, 1, {"SOURCE IMAGE [MAPFILE]"}); }

// ---- --json and --log-reads ---------------------------------------------

TEST(CliRescue, JsonStatusLinesEndWithTheMapfilesTotals) {
  TempDir dir;
  const std::int64_t size = 3 << 20;
  write_file(dir.file("src"), random_bytes(static_cast<std::size_t>(size), 5));
  write_file(dir.file("test.map"), random_test_map(size, 12, 6).serialize({}));
  const ProcessResult r = run_ptrescue(
      {"rescue", "--json", "-f", "-H", dir.file("test.map"), dir.file("src"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  std::vector<nlohmann::json> events;
  for (const auto& line : lines) {
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << "not JSON: " << line;
    ASSERT_TRUE(j.is_object() && j.contains("event")) << line;
    events.push_back(j);
  }
  int phases = 0;
  for (const auto& e : events) phases += e["event"] == "phase";
  EXPECT_GE(phases, 3) << "copying, trimming, scraping expected:\n" << r.out;

  const nlohmann::json& last = events.back();
  ASSERT_EQ(last["event"], "status") << last.dump();
  EXPECT_EQ(last["phase"], "Finished");
  const MapTotals t = load_map(dir.file("map")).totals();
  EXPECT_EQ(last["rescued"].get<std::int64_t>(), t.finished);
  EXPECT_EQ(last["bad_sector"].get<std::int64_t>(), t.bad_sector);
  EXPECT_EQ(last["bad_areas"].get<std::int64_t>(), t.bad_areas);
  EXPECT_EQ(last["non_tried"].get<std::int64_t>(), 0);
  EXPECT_EQ(last["rescued"].get<std::int64_t>() + last["bad_sector"].get<std::int64_t>() +
                last["non_tried"].get<std::int64_t>() + last["non_trimmed"].get<std::int64_t>() +
                last["non_scraped"].get<std::int64_t>(),
            size);
  EXPECT_GT(t.bad_sector, 0);
}

TEST(CliRescue, LogReadsIsDdrescuesFormatPlusThreeColumns) {
  TempDir dir;
  const std::string profile = "sim:scattered";
  const ProcessResult r = run_ptrescue({"rescue", "-q", "--read-timeout", "copy=3s,trim=4s,scrape=5s,retry=6s",
                                        "-r", "1", "--log-reads", dir.file("reads.log"), profile,
                                        dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto lines = lines_of(read_file(dir.file("reads.log")));
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("# Reads Logfile. Created by ptrescue", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("# Command line: ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("# Start time:", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("#  Ipos       Size  Copied_size  Error_size", 0), 0u) << lines[3];

  const std::map<std::string, std::int64_t> phase_timeout{
      {"Copying", 3000}, {"Trimming", 4000}, {"Scraping", 5000}, {"Retrying", 6000}};
  const std::set<std::string> words{"ok", "media", "timeout", "aborted", "gone", "other"};
  std::int64_t timeout_now = -1;
  std::int64_t copied_sum = 0;
  std::set<std::string> phases_seen;
  std::int64_t reads = 0, media = 0;
  for (std::size_t i = 4; i < lines.size(); ++i) {
    if (HasFailure()) break;  // the first bad line says it all
    const std::string& line = lines[i];
    if (line.empty()) continue;
    if (line[0] == '#') {
      for (const auto& [word, ms] : phase_timeout)
        if (line.find(word) != std::string::npos) {
          timeout_now = ms;
          phases_seen.insert(word);
        }
      continue;
    }
    std::vector<std::string> cols;
    std::istringstream in(line);
    for (std::string c; std::getline(in, c, '\t');) cols.push_back(c);
    ASSERT_EQ(cols.size(), 7u) << "line " << i + 1 << ": " << line;
    ASSERT_EQ(cols[0].rfind("0x", 0), 0u) << line;
    const std::int64_t ipos = std::stoll(cols[0], nullptr, 16);
    const std::int64_t size = std::stoll(cols[1]);
    const std::int64_t copied = std::stoll(cols[2]);
    const std::int64_t errsize = std::stoll(cols[3]);
    const std::int64_t duration = std::stoll(cols[5]);
    const std::int64_t timeout = std::stoll(cols[6]);
    EXPECT_EQ(ipos % kSs, 0) << line;
    EXPECT_GT(size, 0) << line;
    EXPECT_TRUE(copied >= 0 && copied <= size) << line;
    EXPECT_EQ(errsize, size - copied) << line;
    EXPECT_TRUE(words.count(cols[4])) << line;
    if (cols[4] == "ok") {
      EXPECT_EQ(copied, size) << line;
    }
    // The simulator's bad sector costs its internal retries (1.5 s by default).
    if (cols[4] == "media") {
      EXPECT_GE(duration, 1500) << line;
      ++media;
    }
    EXPECT_LE(duration, timeout) << line;
    EXPECT_EQ(timeout, timeout_now) << "line " << i + 1 << " (timeout of its phase): " << line;
    copied_sum += copied;
    ++reads;
  }
  EXPECT_EQ(phases_seen.size(), 4u);
  EXPECT_GT(media, 0);
  EXPECT_GT(reads, 100);
  const MapTotals t = load_map(dir.file("map")).totals();
  EXPECT_EQ(copied_sum, t.finished) << "sum of column 3 vs rescued bytes";
  EXPECT_EQ(lines.back().rfind("# End time:", 0), 0u) << lines.back();
}

// ---- signals ---------------------------------------------------------------

// The truth of a simulated drive: '-' for every sector that can never be
// read (bad or hang), '+' for the rest.
MapFile sim_truth(const SimPhysics& physics) {
  const SimProfile& p = physics.profile();
  const std::int64_t ss = p.logical_sector_size;
  const Lba cap = p.capacity_sectors;
  MapFile m(static_cast<std::int64_t>(cap) * ss);
  m.set_status(0, m.end_pos(), BlockStatus::kFinished);
  Lba lba = 0;
  while (const auto bad = physics.first_bad_in(lba, cap)) {
    Lba end = *bad + 1;
    while (end < cap && physics.is_bad(end)) ++end;
    m.set_status(static_cast<std::int64_t>(*bad) * ss, static_cast<std::int64_t>(end - *bad) * ss,
                 BlockStatus::kBadSector);
    lba = end;
  }
  for (const SimRange& h : p.hang_ranges)
    m.set_status(static_cast<std::int64_t>(h.start) * ss, static_cast<std::int64_t>(h.length) * ss,
                 BlockStatus::kBadSector);
  return m;
}

// Every '+' block of `map` holds the simulator's pattern in the image.
::testing::AssertionResult finished_blocks_hold_pattern(const MapFile& map, const std::string& image_path,
                                                        std::uint64_t seed) {
  std::ifstream img(image_path, std::ios::binary);
  std::vector<char> buf;
  std::optional<std::int64_t> bad;
  std::optional<MapBlock> unaligned;
  map.for_each([&](const MapBlock& b) {
    if (bad || b.status != BlockStatus::kFinished) return;
    if (b.pos % kSs != 0 || b.size % kSs != 0) {
      unaligned = b;
      bad = b.pos;
      return;
    }
    for (std::int64_t pos = b.pos; pos < b.end() && !bad;) {
      const std::int64_t n = std::min<std::int64_t>(b.end() - pos, 8 << 20);
      buf.assign(static_cast<std::size_t>(n), 0);
      img.clear();
      img.seekg(pos);
      img.read(buf.data(), n);
      if (img.gcount() != n) {
        bad = pos;
        return;
      }
      const auto first = first_pattern_mismatch(
          seed, static_cast<Lba>(pos / kSs), kSs,
          std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf.data()), buf.size()));
      if (first) bad = static_cast<std::int64_t>(*first) * kSs;
      pos += n;
    }
  });
  if (unaligned)
    return ::testing::AssertionFailure() << "rescued block " << unaligned->pos << "+" << unaligned->size
                                         << " is not whole sectors";
  if (!bad) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "image byte " << *bad << " (sector " << *bad / kSs
                                       << ") is marked rescued but does not hold the drive's data";
}

void interrupt_and_resume(int sig) {
  TempDir dir;
  const std::vector<std::string> cmd{PTRESCUE_BINARY, "rescue", "--mapfile-interval", "50ms", "sim:demo",
                                     dir.file("img"), dir.file("map")};
  {
    test::Process p(cmd);
    // Let it get going: the mapfile appears when the first phase begins.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!exists(dir.file("map")) && !p.poll() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    p.signal(sig);
    const ProcessResult& r = p.wait();
    ASSERT_EQ(r.exit_code, 128 + sig) << r.describe();
    EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("resume"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("Interrupted"), std::string::npos) << r.out;
  }
  const MapFile stopped = load_map(dir.file("map"));
  EXPECT_NE(stopped.cursor().phase, Phase::kFinished);
  EXPECT_GT(stopped.totals().finished, 0);
  EXPECT_GT(stopped.totals().non_tried + stopped.totals().non_trimmed + stopped.totals().non_scraped, 0);
  const SimPhysics physics(SimProfile::builtin("demo"));
  EXPECT_TRUE(finished_blocks_hold_pattern(stopped, dir.file("img"), physics.profile().seed));

  std::vector<std::string> args(cmd.begin() + 1, cmd.end());
  const ProcessResult done = run_ptrescue(args);
  ASSERT_EQ(done.exit_code, 0) << done.describe();
  const MapFile map = load_map(dir.file("map"));
  EXPECT_EQ(map.cursor().phase, Phase::kFinished);
  EXPECT_TRUE(same_blocks(map, sim_truth(physics)));
  EXPECT_TRUE(finished_blocks_hold_pattern(map, dir.file("img"), physics.profile().seed));
}

TEST(CliSignals, SigintStopsWithASavedPairThatResumes) { interrupt_and_resume(SIGINT); }
TEST(CliSignals, SigtermStopsWithASavedPairThatResumes) { interrupt_and_resume(SIGTERM); }

// ---- block devices ---------------------------------------------------------

// A read-only loop device over a file, detached on destruction.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& file) {
    const ProcessResult r = test::run_process({"losetup", "--read-only", "--find", "--show", file});
    if (r.exit_code == 0 && !r.out.empty()) path_ = r.out.substr(0, r.out.find('\n'));
    else error_ = r.exited() ? (r.err.empty() ? "losetup failed" : r.err.substr(0, r.err.find('\n'))) : "losetup killed";
  }
  ~LoopDevice() {
    if (!path_.empty()) test::run_process({"losetup", "--detach", path_});
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

TEST(CliRescue, ReadOnlyLoopDeviceGivesIdenticalImage) {
  if (::geteuid() != 0) GTEST_SKIP() << "loop devices need root (losetup), and this test runs as uid " << ::geteuid();
  if (!test::on_path("losetup") && !exists("/usr/sbin/losetup") && !exists("/sbin/losetup"))
    GTEST_SKIP() << "losetup (util-linux) is not installed";
  TempDir dir;
  const std::string data = random_bytes(6 << 20, 7);
  write_file(dir.file("backing"), data);
  LoopDevice loop(dir.file("backing"));
  if (loop.path().empty()) GTEST_SKIP() << "cannot set up a loop device here: " << loop.error();

  for (const std::string direct : {"", "-d"}) {
    SCOPED_TRACE(direct.empty() ? "buffered" : "O_DIRECT");
    const std::string img = dir.file("img" + direct), map = dir.file("map" + direct);
    std::vector<std::string> args{"rescue", "-q", "-f"};
    if (!direct.empty()) args.push_back(direct);
    args.insert(args.end(), {loop.path(), img, map});
    const ProcessResult r = run_ptrescue(args);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(read_file(img) == data) << "image differs from the loop device's contents";
    MapFile want(static_cast<std::int64_t>(data.size()));
    want.set_status(0, want.end_pos(), BlockStatus::kFinished);
    EXPECT_TRUE(same_blocks(load_map(map), want));
  }
  const ProcessResult id = run_ptrescue({"identify", "--json", loop.path()});
  ASSERT_EQ(id.exit_code, 0) << id.describe();
  const auto j = nlohmann::json::parse(id.out);
  EXPECT_EQ(j["transport"], "block");
  EXPECT_EQ(j["capacity_bytes"].get<std::int64_t>(), static_cast<std::int64_t>(data.size()));
}

// ---- identify --------------------------------------------------------------

TEST(CliIdentify, SimulatedDriveAsJson) {
  const ProcessResult r = run_ptrescue({"identify", "sim:demo", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  const SimProfile p = SimProfile::builtin("demo");
  EXPECT_EQ(j["transport"], "sim");
  EXPECT_EQ(j["path"], "sim:demo");
  EXPECT_EQ(j["model"], p.model_name());
  EXPECT_EQ(j["capacity_sectors"].get<std::uint64_t>(), p.capacity_sectors);
  EXPECT_EQ(j["capacity_bytes"].get<std::uint64_t>(), p.capacity_sectors * p.logical_sector_size);
  EXPECT_EQ(j["logical_sector_size"].get<std::uint32_t>(), p.logical_sector_size);
  EXPECT_EQ(j["physical_sector_size"].get<std::uint32_t>(), p.physical_sector_size);
  const std::string serial = j["serial"];
  EXPECT_EQ(serial.size(), 15u) << serial;
  EXPECT_EQ(serial.rfind("SIM", 0), 0u) << serial;
  // The same drive gets the same serial on every run.
  EXPECT_EQ(nlohmann::json::parse(run_ptrescue({"identify", "--json", "sim:demo"}).out)["serial"], serial);
}

TEST(CliIdentify, RegularFile) {
  TempDir dir;
  write_file(dir.file("src"), random_bytes(1234567, 8));
  const ProcessResult text = run_ptrescue({"identify", dir.file("src")});
  ASSERT_EQ(text.exit_code, 0) << text.describe();
  EXPECT_NE(text.out.find("1234567 bytes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("file"), std::string::npos) << text.out;
  const ProcessResult js = run_ptrescue({"identify", "--json", dir.file("src")});
  ASSERT_EQ(js.exit_code, 0) << js.describe();
  const auto j = nlohmann::json::parse(js.out);
  EXPECT_EQ(j["transport"], "file");
  EXPECT_EQ(j["capacity_bytes"].get<std::int64_t>(), 1234567);

  const ProcessResult missing = run_ptrescue({"identify", dir.file("nope")});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  EXPECT_NE(missing.err.find(dir.file("nope")), std::string::npos) << missing.err;
}

// identify and smart read their arguments the same way: one SOURCE, --json
// (or -j), --transport; anything else is one line naming it and exit 1.
TEST(CliDeviceCommands, ArgumentsAreCheckedAlike) {
  for (const std::string cmd : {"identify", "smart"}) {
    SCOPED_TRACE(cmd);
    const ProcessResult js = run_ptrescue({cmd, "-j", "sim:demo"});
    ASSERT_EQ(js.exit_code, 0) << js.describe();
    EXPECT_TRUE(nlohmann::json::accept(js.out)) << js.out;

    const ProcessResult two = run_ptrescue({cmd, "sim:demo", "sim:healthy"});
    EXPECT_EQ(two.exit_code, 1) << two.describe();
    EXPECT_NE(two.err.find("not 'sim:healthy'"), std::string::npos) << two.err;

    const ProcessResult option = run_ptrescue({cmd, "--bogus", "sim:demo"});
    EXPECT_EQ(option.exit_code, 1) << option.describe();
    EXPECT_NE(option.err.find("not '--bogus'"), std::string::npos) << option.err;

    const ProcessResult transport = run_ptrescue({cmd, "sim:demo", "--transport=floppy"});
    EXPECT_EQ(transport.exit_code, 1) << transport.describe();
    EXPECT_NE(transport.err.find("invalid --transport 'floppy'"), std::string::npos) << transport.err;

    const ProcessResult none = run_ptrescue({cmd});
    EXPECT_EQ(none.exit_code, 1) << none.describe();
    EXPECT_NE(none.err.find("usage: ptrescue " + cmd + " SOURCE"), std::string::npos) << none.err;

    const ProcessResult help = run_ptrescue({cmd, "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.describe();
    EXPECT_NE(help.out.find("Usage: ptrescue " + cmd), std::string::npos) << help.out;
  }
}

}  // namespace
}  // namespace ptrescue
