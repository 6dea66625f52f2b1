// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue mount`: a real ext4 on a simulated drive with a bad sector in one
// file, served through FUSE, attached read-only with losetup -r and mounted
// read-only. The intact files read back equal, the damaged one fails with
// EIO, and after SIGTERM the mapfile and image are what `ptrescue rescue -m
// MAPFILE.wanted` of the same ranges gives.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::random_bytes;
using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

constexpr std::int64_t kSector = 512;

void sh(const std::string& script) {
  const auto r = run_process({"sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.describe();
}

// Shell commands run at the end of the test whatever happens (unmounts).
struct Cleanup {
  std::vector<std::string> scripts;
  ~Cleanup() {
    for (auto it = scripts.rbegin(); it != scripts.rend(); ++it) run_process({"sh", "-c", *it});
  }
};

// Reads a whole file; the errno of the first failed read, or 0.
int read_all(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return errno;
  char buf[1 << 16];
  int err = 0;
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return err;
}

std::int64_t find_sector(const std::string& image, const std::string& bytes, std::size_t offset) {
  const std::string_view needle = std::string_view(bytes).substr(offset, kSector);
  for (std::size_t pos = 0; pos + kSector <= image.size(); pos += kSector)
    if (std::string_view(image).substr(pos, kSector) == needle) return static_cast<std::int64_t>(pos);
  return -1;
}

TEST(VirtualDisk, MountedExt4ReadsThroughTheRescue) {
  PTRESCUE_REQUIRE_TOOL("mkfs.ext4");
  PTRESCUE_REQUIRE_TOOL("losetup");
  PTRESCUE_REQUIRE_FUSE();
  TempDir dir;
  const std::map<std::string, std::string> files = {{"a.bin", random_bytes(100'000, 1)},
                                                    {"dir/big.bin", random_bytes(400'000, 2)},
                                                    {"dir/small.txt", random_bytes(700, 3)}};
  for (const auto& [path, bytes] : files) {
    std::filesystem::create_directories(std::filesystem::path(dir.file("stage/" + path)).parent_path());
    write_file(dir.file("stage/" + path), bytes);
  }
  sh(fmt::format("mkfs.ext4 -q -b 4096 -d '{}' '{}' 16M", dir.file("stage"), dir.file("fs.img")));
  if (HasFatalFailure()) return;
  const std::string fs = read_file(dir.file("fs.img"));
  const std::int64_t bad = find_sector(fs, files.at("dir/big.bin"), 200 * kSector);
  ASSERT_GE(bad, 0);
  write_file(dir.file("p.json"), fmt::format(R"({{"contents": "fs.img", "heads": 2, "zones": 2, "stripe": "1MiB",
      "bad_ranges": [{{"start": {}, "length": 1}}]}})", bad / kSector));

  const std::string mnt = dir.file("mnt"), fsm = dir.file("fsm");
  std::filesystem::create_directories(mnt);
  std::filesystem::create_directories(fsm);
  Cleanup cleanup;
  cleanup.scripts.push_back(fmt::format("fusermount3 -u '{}' 2>/dev/null", mnt));
  test::Process server({PTRESCUE_BINARY, "mount", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map"), mnt});
  struct stat st {};
  for (int i = 0; i < 2000 && !(::stat((mnt + "/disk").c_str(), &st) == 0 && st.st_size > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(st.st_size, static_cast<off_t>(fs.size())) << server.stderr_so_far();

  const auto loop = run_process({"losetup", "-r", "-f", "--show", mnt + "/disk"});
  ASSERT_EQ(loop.exit_code, 0) << loop.describe();
  const std::string dev = loop.out.substr(0, loop.out.find('\n'));
  cleanup.scripts.push_back(fmt::format("losetup -d '{}'", dev));
  sh(fmt::format("mount -o ro '{}' '{}'", dev, fsm));
  if (HasFatalFailure()) return;
  cleanup.scripts.push_back(fmt::format("umount '{}' 2>/dev/null", fsm));

  for (const char* intact : {"a.bin", "dir/small.txt"}) {
    std::string got;
    EXPECT_EQ(read_all(fsm + "/" + intact, got), 0) << intact;
    EXPECT_TRUE(got == files.at(intact)) << intact << " differs";
  }
  std::string partial;
  EXPECT_EQ(read_all(fsm + "/dir/big.bin", partial), EIO);

  // Unmount everything, then SIGTERM: the server ends cleanly.
  sh(fmt::format("umount '{}' && losetup -d '{}'", fsm, dev));
  server.signal(SIGTERM);
  const auto& done = server.wait(std::chrono::seconds(30));
  EXPECT_EQ(done.exit_code, 0) << done.describe();

  const MapFile map = MapFile::parse(read_file(dir.file("map")));
  EXPECT_EQ(map.status_at(bad), BlockStatus::kBadSector);
  EXPECT_EQ(map.totals().bad_sector, kSector);
  const std::string img = read_file(dir.file("img"));
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const auto p = static_cast<std::size_t>(b.pos), n = static_cast<std::size_t>(b.size);
    ASSERT_GE(img.size(), p + n);
    EXPECT_TRUE(img.compare(p, n, fs, p, n) == 0) << "rescued block at " << b.pos << " differs from the drive";
  });

  // `rescue -m MAPFILE.wanted` of the same drive gives the same map and image.
  const auto r = run_ptrescue({"rescue", "sim:" + dir.file("p.json"), dir.file("img2"), dir.file("map2"), "-m",
                               dir.file("map.wanted")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const MapFile map2 = MapFile::parse(read_file(dir.file("map2")));
  EXPECT_EQ(map.blocks(), map2.blocks());
  const std::string img2 = read_file(dir.file("img2"));
  map2.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const auto p = static_cast<std::size_t>(b.pos), n = static_cast<std::size_t>(b.size);
    EXPECT_TRUE(img.compare(p, n, img2, p, n) == 0) << "block at " << b.pos;
  });
}

// SIGKILL while the disk is being read (a reader copies the whole disk): the
// pair left behind parses, its '+' areas hold the drive's bytes, and a
// `rescue` resumes from it to an image equal to the drive.
TEST(VirtualDisk, KilledServerLeavesAResumablePair) {
  PTRESCUE_REQUIRE_FUSE();
  TempDir dir;
  const std::string drive = random_bytes(8 << 20, 9);
  write_file(dir.file("drive.img"), drive);
  write_file(dir.file("p.json"), R"({"contents": "drive.img", "heads": 2, "zones": 2, "stripe": "1MiB"})");
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directories(mnt);
  Cleanup cleanup;
  cleanup.scripts.push_back(fmt::format("fusermount3 -u -z '{}' 2>/dev/null", mnt));
  test::Process server({PTRESCUE_BINARY, "mount", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map"), mnt});
  struct stat st {};
  for (int i = 0; i < 2000 && !(::stat((mnt + "/disk").c_str(), &st) == 0 && st.st_size > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(st.st_size, static_cast<off_t>(drive.size())) << server.stderr_so_far();
  test::Process reader({"dd", "if=" + mnt + "/disk", "of=/dev/null", "bs=64k", "iflag=direct"});
  // Kill as soon as the mapfile shows progress (or after a while regardless).
  for (int i = 0; i < 500 && !std::filesystem::exists(dir.file("map")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  server.signal(SIGKILL);
  server.wait(std::chrono::seconds(10));
  reader.wait(std::chrono::seconds(10));
  run_process({"fusermount3", "-u", "-z", mnt});

  ASSERT_TRUE(std::filesystem::exists(dir.file("map")));
  const MapFile map = MapFile::parse(read_file(dir.file("map")));
  std::cout << "[ note ] killed with " << map.totals().finished << " of " << drive.size() << " bytes rescued\n";
  const std::string img = read_file(dir.file("img"));
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const auto p = static_cast<std::size_t>(b.pos), n = static_cast<std::size_t>(b.size);
    ASSERT_GE(img.size(), p + n);
    EXPECT_TRUE(img.compare(p, n, drive, p, n) == 0) << "block at " << b.pos;
  });
  const auto r = run_ptrescue({"rescue", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(read_file(dir.file("img")) == drive);
}

// --smart-stop on the virtual disk: snapshots go to MAPFILE.smart.jsonl
// while the disk is read; once pending sectors rise by 5 the drive is not
// read any more: what was rescued still reads, the rest fails with EIO, and
// the mapfile keeps the unread areas non-tried for a later rescue.
TEST(VirtualDisk, ASmartStopRuleEndsTheDrivesReadsNotTheMount) {
  PTRESCUE_REQUIRE_FUSE();
  TempDir dir;
  write_file(dir.file("p.json"), R"({"name": "smart-drive", "capacity": "8MiB", "zones": 2, "stripe": "1MiB",
    "error_latency_ms": 50, "bad_clusters": [{"count": 60, "length": 1}]})");
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directories(mnt);
  Cleanup cleanup;
  cleanup.scripts.push_back(fmt::format("fusermount3 -u -z '{}' 2>/dev/null", mnt));
  test::Process server({PTRESCUE_BINARY, "mount", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map"), mnt,
                        "--smart", "interval:100ms", "--smart-stop", "pending+=5"});
  struct stat st {};
  for (int i = 0; i < 2000 && !(::stat((mnt + "/disk").c_str(), &st) == 0 && st.st_size > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(st.st_size, 8 << 20) << server.stderr_so_far();
  // Every 64 KiB of the disk, in order: some read, then EIO to the end.
  std::vector<int> results;
  const int fd = ::open((mnt + "/disk").c_str(), O_RDONLY | O_DIRECT);
  ASSERT_GE(fd, 0);
  std::vector<char> buf(64 << 10);
  void* aligned = nullptr;
  ASSERT_EQ(::posix_memalign(&aligned, 4096, buf.size()), 0);
  for (off_t at = 0; at < (8 << 20); at += 64 << 10)
    results.push_back(::pread(fd, aligned, buf.size(), at) == static_cast<ssize_t>(buf.size()) ? 0 : errno);
  std::free(aligned);
  ::close(fd);
  run_process({"fusermount3", "-u", mnt});
  const auto done = server.wait(std::chrono::seconds(20));
  EXPECT_EQ(done.exit_code, 0) << done.describe();
  EXPECT_NE(done.err.find("SMART stop rule fired: pending+=5: pending rose from 0 to"), std::string::npos) << done.err;
  EXPECT_EQ(results.back(), EIO);
  const MapFile map = MapFile::parse(read_file(dir.file("map")));
  EXPECT_GT(map.totals().finished, 0);
  EXPECT_GT(map.totals().non_tried, 4 << 20) << "the drive was read on after the rule fired";
  EXPECT_GE(read_file(dir.file("map.smart.jsonl")).size(), 2u);
}

TEST(VirtualDisk, RefusesABadFillWord) {
  const auto r = run_ptrescue({"mount", "sim:healthy", "/tmp/x.img", "/tmp/x.map", "/tmp", "--fuse-fill", "ones"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("--fuse-fill takes eio, zero or pattern"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ptrescue
