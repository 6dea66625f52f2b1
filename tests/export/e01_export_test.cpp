// SPDX-License-Identifier: GPL-3.0-or-later
// E01 export, checked by libewf's own tools run in the test: ewfverify
// passes, ewfinfo shows the case data, the source's model and serial and
// exactly the unrescued sectors as acquisition errors, and ewfexport gives
// back the image byte for byte. Sim and file sources, with and without bad
// sectors, a filled image, small segments, `rescue --e01` finished and
// interrupted, a SIGKILL during the export, and the refusals.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "src/export/e01_export.h"
#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

/// One acquisition-error run as ewfinfo prints it: "at sector(s): A - B number: N".
struct ErrorRun {
  std::int64_t first = 0, count = 0;
  friend bool operator==(const ErrorRun&, const ErrorRun&) = default;
};

std::ostream& operator<<(std::ostream& os, const ErrorRun& r) { return os << r.first << "+" << r.count; }

/// ewfinfo's value of "NAME:" (its lines are "\tNAME:\t\tVALUE"); "" if absent.
std::string ewfinfo_field(const std::string& info, const std::string& name) {
  std::istringstream in(info);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(name + ":");
    if (at == std::string::npos || line.find_first_not_of('\t') != at) continue;
    const auto value = line.find_first_not_of('\t', at + name.size() + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

std::vector<ErrorRun> ewfinfo_error_runs(const std::string& info) {
  std::vector<ErrorRun> runs;
  const std::regex line(R"(at sector\(s\): (\d+) - (\d+) number: (\d+))");
  for (std::sregex_iterator it(info.begin(), info.end(), line), end; it != end; ++it) {
    const std::int64_t first = std::stoll((*it)[1]), last = std::stoll((*it)[2]), n = std::stoll((*it)[3]);
    EXPECT_EQ(last - first + 1, n) << it->str();
    runs.push_back({first, n});
  }
  return runs;
}

/// The test's own reading of a mapfile: every sector holding a byte that is
/// not '+' is missing; neighbouring missing sectors form one run.
std::vector<ErrorRun> missing_sectors_of(const std::string& mapfile_text, std::int64_t ss) {
  const MapFile map = MapFile::parse(mapfile_text);
  std::vector<bool> missing(static_cast<std::size_t>((map.end_pos() + ss - 1) / ss), false);
  for (const MapBlock& b : map.blocks())
    if (b.status != BlockStatus::kFinished)
      for (std::int64_t s = b.pos / ss; s * ss < b.end(); ++s) missing[static_cast<std::size_t>(s)] = true;
  std::vector<ErrorRun> runs;
  for (std::size_t s = 0; s < missing.size(); ++s) {
    if (!missing[s]) continue;
    if (!runs.empty() && runs.back().first + runs.back().count == static_cast<std::int64_t>(s)) ++runs.back().count;
    else runs.push_back({static_cast<std::int64_t>(s), 1});
  }
  return runs;
}

class E01Export : public ::testing::Test {
 protected:
  void SetUp() override {
    PTRESCUE_REQUIRE_TOOL("ewfverify");
    PTRESCUE_REQUIRE_TOOL("ewfinfo");
    PTRESCUE_REQUIRE_TOOL("ewfexport");
  }
  std::string path(const std::string& name) const { return dir_.file(name); }

  ProcessResult ewfverify(const std::string& first_segment) const {
    return run_process({"ewfverify", "-q", "-d", "sha1", first_segment});
  }
  std::string ewfinfo(const std::string& first_segment) const {
    const ProcessResult r = run_process({"ewfinfo", first_segment});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }
  /// The media of the set as raw bytes, through ewfexport.
  std::string ewfexport(const std::string& first_segment) const {
    const std::string base = path("exported");
    fs::remove(base + ".raw");
    const ProcessResult r = run_process({"ewfexport", "-q", "-u", "-f", "raw", "-t", base, first_segment});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return read_file(base + ".raw");
  }
  /// The three checks every delivered set must pass: it verifies (MD5 and
  /// SHA-1), its media is the image, and its errors are the map's missing sectors.
  void expect_set_matches(const std::string& out, const std::string& image, const std::string& mapfile,
                          std::int64_t ss = 512) {
    const ProcessResult v = ewfverify(out + ".E01");
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    EXPECT_NE(v.out.find("SUCCESS"), std::string::npos) << v.describe();
    const std::string raw = ewfexport(out + ".E01");
    const std::string img = read_file(image);
    const std::int64_t media = (MapFile::parse(read_file(mapfile)).end_pos() + ss - 1) / ss * ss;
    ASSERT_EQ(static_cast<std::int64_t>(raw.size()), media);
    // Past the image's end (a rescue stopped early) the media holds zeros.
    EXPECT_TRUE(raw.compare(0, img.size(), img) == 0) << "ewfexport differs from the image";
    EXPECT_EQ(raw.find_first_not_of('\0', img.size()), std::string::npos);
    EXPECT_EQ(ewfinfo_error_runs(ewfinfo(out + ".E01")), missing_sectors_of(read_file(mapfile), ss));
  }
  /// A small simulated drive with scattered bad clusters.
  std::string small_failing_profile() const {
    const std::string p = path("small.json");
    write_file(p, R"({"seed": 7, "capacity": "6MiB", "model": "E01 TEST DRIVE", "heads": 2, "zones": 2,
                      "stripe": "1MiB", "bad_clusters": [{"count": 12, "length": 1}, {"count": 3, "length": 8}]})");
    return "sim:" + p;
  }

  TempDir dir_;
};

TEST_F(E01Export, SimRescueWithBadSectorsCarriesCaseDataIdentityAndErrors) {
  const std::string source = small_failing_profile();
  const ProcessResult r = run_ptrescue({"rescue", "-q", source, path("img"), path("map"), "--e01", path("ev"),
                                        "--case-number", "2026-018", "--evidence-number", "E-7", "--examiner",
                                        "A. Examiner", "--description", "small failing drive", "--notes",
                                        "seized 2026-12-07", "--compression", "best"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  const std::string info = ewfinfo(path("ev.E01"));
  EXPECT_EQ(ewfinfo_field(info, "Case number"), "2026-018");
  EXPECT_EQ(ewfinfo_field(info, "Evidence number"), "E-7");
  EXPECT_EQ(ewfinfo_field(info, "Examiner name"), "A. Examiner");
  EXPECT_EQ(ewfinfo_field(info, "Description"), "small failing drive");
  EXPECT_EQ(ewfinfo_field(info, "Notes").rfind("seized 2026-12-07 | ptrescue: ", 0), 0u) << info;
  EXPECT_NE(ewfinfo_field(info, "Notes").find("the image holds zeros there"), std::string::npos) << info;
  const auto id = nlohmann::json::parse(run_ptrescue({"identify", "--json", source}).out);
  EXPECT_EQ(ewfinfo_field(info, "Model"), id["model"].get<std::string>());
  EXPECT_EQ(ewfinfo_field(info, "Serial number"), id["serial"].get<std::string>());
  EXPECT_EQ(ewfinfo_field(info, "Media size"), "6.0 MiB (6291456 bytes)");
  EXPECT_EQ(ewfinfo_field(info, "Bytes per sector"), "512");
  EXPECT_EQ(ewfinfo_field(info, "Compression level"), "best compression");
  EXPECT_FALSE(ewfinfo_error_runs(info).empty()) << "the profile has bad sectors";
  EXPECT_FALSE(fs::exists(path("ev.e01-partial")));

  // `export` of the same rescue reads model and serial from MAPFILE.smart.jsonl; --model overrides.
  const ProcessResult e = run_ptrescue({"export", "-q", path("img"), path("map"), path("again"), "--model", "OVERRIDE"});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  expect_set_matches(path("again"), path("img"), path("map"));
  const std::string again = ewfinfo(path("again.E01"));
  EXPECT_EQ(ewfinfo_field(again, "Model"), "OVERRIDE");
  EXPECT_EQ(ewfinfo_field(again, "Serial number"), id["serial"].get<std::string>());
}

TEST_F(E01Export, FileSourceWithoutBadSectorsHasNoErrorsAndTheSourceBytes) {
  write_file(path("source"), test::random_bytes(3 << 20, 18));
  const ProcessResult r = run_ptrescue({"rescue", "-q", "--smart=off", path("source"), path("img"), path("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const ProcessResult e = run_ptrescue({"export", "--json", path("img"), path("map"), path("ev"), "--format", "e01"});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  EXPECT_EQ(ewfexport(path("ev.E01")), read_file(path("source")));
  const std::string info = ewfinfo(path("ev.E01"));
  EXPECT_EQ(info.find("Read errors during acquiry"), std::string::npos) << info;
  EXPECT_EQ(ewfinfo_field(info, "Notes"), "ptrescue: every sector rescued");
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(ewfinfo_field(info, "MD5"), j["md5"].get<std::string>());
  EXPECT_EQ(ewfinfo_field(info, "SHA1"), j["sha1"].get<std::string>());
  EXPECT_EQ(j["unrescued_sectors"], 0);
}

TEST_F(E01Export, OddSizedFileSourceIsPaddedToAWholeSector) {
  write_file(path("source"), test::random_bytes(1000001, 11));
  ASSERT_EQ(run_ptrescue({"rescue", "-q", "--smart=off", path("source"), path("img"), path("map")}).exit_code, 0);
  const ProcessResult e = run_ptrescue({"export", "-q", path("img"), path("map"), path("ev")});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  EXPECT_EQ(ewfexport(path("ev.E01")), read_file(path("source")) + std::string(1953 * 512 + 512 - 1000001, '\0'));
  EXPECT_NE(ewfinfo_field(ewfinfo(path("ev.E01")), "Notes").find("adds 447 zero bytes"), std::string::npos);
}

TEST_F(E01Export, FilledImageKeepsItsFillAndDeclaresTheSectors) {
  // A map with bad areas that are not sector aligned: the partly missing
  // sectors are declared whole.
  write_file(path("img"), test::random_bytes(1 << 20, 5));
  write_file(path("map"),
             "# hand made\n0x100000 + 1\n#  pos size status\n"
             "0x0 0x1000 +\n0x1000 0x300 -\n0x1300 0x40000 +\n0x41300 0x10 /\n0x41310 0xBECE0 +\n0xFFFF0 0x10 -\n");
  ASSERT_EQ(run_ptrescue({"fill", "-q", path("img"), path("map"), "--types", "-/"}).exit_code, 0);
  const ProcessResult e = run_ptrescue({"export", "-q", path("img"), path("map"), path("ev")});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  const std::string info = ewfinfo(path("ev.E01"));
  EXPECT_EQ(ewfinfo_error_runs(info), (std::vector<ErrorRun>{{8, 2}, {521, 1}, {2047, 1}}));
  EXPECT_NE(ewfinfo_field(info, "Notes").find("a fill (not zeros)"), std::string::npos) << info;
}

TEST_F(E01Export, SmallSegmentSizeSplitsTheSet) {
  write_file(path("img"), test::random_bytes(5 << 20, 9));
  write_file(path("map"), "# m\n0x500000 + 1\n0x0 0x500000 +\n");
  const ProcessResult e = run_ptrescue(
      {"export", "-q", path("img"), path("map"), path("ev"), "--segment-size", "1MiB", "--compression", "none"});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  // Random bytes do not compress: 5 MiB of media needs at least 5 segments of 1 MiB.
  for (const char* ext : {"E01", "E02", "E03", "E04", "E05"}) EXPECT_TRUE(fs::exists(path(std::string("ev.") + ext))) << ext;
  expect_set_matches(path("ev"), path("img"), path("map"));
  // Again without --force: refused, the set untouched; with --force: replaced.
  const ProcessResult again = run_ptrescue({"export", "-q", path("img"), path("map"), path("ev")});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("use --force"), std::string::npos) << again.err;
  ASSERT_EQ(run_ptrescue({"export", "-q", "-f", path("img"), path("map"), path("ev")}).exit_code, 0);
  EXPECT_FALSE(fs::exists(path("ev.E02"))) << "the old set's segments are gone";
  expect_set_matches(path("ev"), path("img"), path("map"));
}

/// Every file named *.E01 under `folder`, staging folders included.
std::vector<std::string> first_segments_under(const std::string& folder) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.path().extension() == ".E01") found.push_back(entry.path().string());
  return found;
}

TEST_F(E01Export, KillDuringExportLeavesNoSetThatVerifies) {
  // Large enough that the export is still writing when it is killed.
  {
    std::string block = test::random_bytes(1 << 20, 3);
    std::string image;
    for (int i = 0; i < 96; ++i) image += block;
    write_file(path("img"), image);
  }
  write_file(path("map"), "# m\n0x6000000 + 1\n0x0 0x6000000 +\n");
  int killed = 0;
  for (const int kill_after_bytes : {0, 8 << 20, 40 << 20}) {
    test::Process p({PTRESCUE_BINARY, "export", "-q", path("img"), path("map"), path("ev"), "--compression", "none",
                     "--segment-size", "16MiB"});
    const std::string staged = path("ev.e01-partial/segment.E01");
    // Wait until the export has written that much of its first segment, or up to 60 s.
    for (int i = 0; i < 6000 && !p.poll(); ++i) {
      struct stat st {};
      if (::stat(staged.c_str(), &st) == 0 && st.st_size >= kill_after_bytes) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    p.signal(SIGKILL);
    const ProcessResult& r = p.wait();
    if (r.exited()) {  // finished before the kill: a machine too fast for this step
      fs::remove_all(path("ev.e01-partial"));
      for (const auto& s : first_segments_under(dir_.path())) fs::remove(s);
      for (const auto& entry : fs::directory_iterator(dir_.path()))
        if (entry.path().filename().string().rfind("ev.E", 0) == 0) fs::remove(entry.path());
      continue;
    }
    ++killed;
    EXPECT_FALSE(fs::exists(path("ev.E01"))) << "killed after " << kill_after_bytes;
    for (const std::string& s : first_segments_under(dir_.path())) {
      const ProcessResult v = ewfverify(s);
      EXPECT_NE(v.exit_code, 0) << s << " verifies after a kill\n" << v.describe();
    }
  }
  EXPECT_GT(killed, 0) << "every export finished before its kill: the test proved nothing";
  // The next export clears what the killed one left and delivers a good set.
  const ProcessResult e = run_ptrescue({"export", "-q", path("img"), path("map"), path("ev")});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  EXPECT_FALSE(fs::exists(path("ev.e01-partial")));
}

TEST_F(E01Export, InterruptedRescueExportsWhatItHas) {
  test::Process p({PTRESCUE_BINARY, "rescue", "-q", "--mapfile-interval", "100ms", "sim:scattered", path("img"),
                   path("map"), "--e01", path("ev")});
  // Stop it once it has saved some progress, well before it finishes.
  for (int i = 0; i < 3000 && !p.poll(); ++i) {
    if (fs::exists(path("map")) && MapFile::parse(read_file(path("map"))).totals().finished > (1 << 20)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p.signal(SIGINT);
  const ProcessResult& r = p.wait();
  ASSERT_EQ(r.exit_code, 130) << r.describe();
  expect_set_matches(path("ev"), path("img"), path("map"));
  const MapFile map = MapFile::parse(read_file(path("map")));
  ASSERT_GT(map.totals().non_tried, 0) << "the run was to be stopped before its end";
  const auto runs = ewfinfo_error_runs(ewfinfo(path("ev.E01")));
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ((runs.back().first + runs.back().count) * 512, map.end_pos()) << "the unread tail is declared";
}

/// Exit 1 and one line on stderr naming the problem.
void expect_refusal(const ProcessResult& r, const std::string& words) {
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
}

TEST_F(E01Export, BadArgumentsGiveOneLineErrors) {
  write_file(path("img"), std::string(4096, 'x'));
  write_file(path("map"), "# m\n0x1000 + 1\n0x0 0x1000 +\n");
  const std::string img = path("img"), map = path("map"), out = path("ev");
  expect_refusal(run_ptrescue({"export", img, map, out, "--format", "aff4"}), "only e01");
  expect_refusal(run_ptrescue({"export", img, map, out, "--compression", "zip"}), "invalid --compression 'zip'");
  expect_refusal(run_ptrescue({"export", img, map, out, "--segment-size", "4KiB"}), "invalid --segment-size");
  expect_refusal(run_ptrescue({"export", img, map, out, "--notes", "two\tfields"}), "invalid --notes");
  expect_refusal(run_ptrescue({"export", img, map}), "usage:");
  expect_refusal(run_ptrescue({"export", img, map, out, "extra"}), "'extra'");
  expect_refusal(run_ptrescue({"export", path("nothing"), map, out}), "nothing");
  // OUT.E01 may not be the image or the mapfile.
  write_file(path("disk.E01"), std::string(4096, 'y'));
  expect_refusal(run_ptrescue({"export", path("disk.E01"), map, path("disk")}), "image");
  expect_refusal(run_ptrescue({"rescue", img, path("r.img"), path("r.map"), "--case-number", "1"}), "need --e01");
  EXPECT_FALSE(fs::exists(out + ".E01"));
  // rescue --e01 refuses an existing set before it reads anything.
  ASSERT_EQ(run_ptrescue({"export", "-q", img, map, out}).exit_code, 0);
  expect_refusal(run_ptrescue({"rescue", "-q", "--smart=off", img, path("r.img"), path("r.map"), "--e01", out}),
                 "use -f");
  EXPECT_FALSE(fs::exists(path("r.map")));
}

TEST(E01Runs, PartlyMissingSectorsCountWholeAndNeighboursMerge) {
  MapFile map(10 * 512);
  map.set_status(0, 10 * 512, BlockStatus::kFinished);
  map.set_status(512 + 100, 10, BlockStatus::kBadSector);         // inside sector 1
  map.set_status(2 * 512 + 500, 30, BlockStatus::kNonScraped);    // sectors 2 and 3: joins nothing before
  map.set_status(9 * 512, 512, BlockStatus::kNonTried);           // the last sector
  EXPECT_EQ(unrescued_sector_runs(map, 512), (std::vector<Extent>{{1, 3}, {9, 1}}));
  EXPECT_EQ(unrescued_sector_runs(map, 4096), (std::vector<Extent>{{0, 2}}));
}

}  // namespace
}  // namespace ptrescue
