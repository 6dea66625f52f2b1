// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's fatal read errnos and --continue-on-errno on `ptrescue
// rescue`, against a FUSE file that fails one range with a chosen errno
// (tests/support/errno_file.cpp). Debian's ddrescue 1.27 is the oracle: on
// EACCES or ENOMEM both stop at once with exit 1 and leave the same mapfile;
// 1.27 has no --continue-on-errno, so for a listed errno ptrescue must leave
// what 1.27 leaves when the same range fails with EIO, an ordinary read error.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;

constexpr std::int64_t kSize = 1 << 20;
constexpr std::int64_t kFirst = 200'000, kLength = 1'024;  // sectors 390-392 fail

/// errno_file mounted at a folder of `dir`: its /disk fails [kFirst,
/// kFirst + kLength) with `error`. Unmounted on destruction.
class ErrnoFile {
 public:
  ErrnoFile(const TempDir& dir, int error) : mnt_(dir.file(fmt::format("mnt{}", error))) {
    std::filesystem::create_directories(mnt_);
    server_ = std::make_unique<test::Process>(std::vector<std::string>{
        ERRNO_FILE_BINARY, mnt_, std::to_string(kSize), std::to_string(kFirst), std::to_string(kLength),
        std::to_string(error)});
    struct stat st {};
    for (int i = 0; i < 500 && !(::stat(path().c_str(), &st) == 0 && st.st_size == kSize); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    mounted_ = st.st_size == kSize;
  }
  ~ErrnoFile() {
    run_process({"fusermount3", "-u", mnt_});
    server_.reset();
  }
  bool mounted() const { return mounted_; }
  std::string path() const { return mnt_ + "/disk"; }
  std::string server_error() const { return server_->stderr_so_far(); }

 private:
  std::string mnt_;
  std::unique_ptr<test::Process> server_;
  bool mounted_ = false;
};

class FatalErrno : public ::testing::Test {
 protected:
  void SetUp() override {
    PTRESCUE_REQUIRE_TOOL("ddrescue");
    PTRESCUE_REQUIRE_FUSE();
  }
  ProcessResult gnu(const std::string& source, const std::string& name) {
    return run_process({"ddrescue", "-q", source, dir_.file(name + ".img"), dir_.file(name + ".map")});
  }
  ProcessResult ours(const std::string& source, const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"rescue", "-q", "--head-map", "none", "--smart", "off"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {source, dir_.file(name + ".img"), dir_.file(name + ".map")});
    return run_ptrescue(args);
  }
  std::vector<MapBlock> blocks(const std::string& name) {
    return MapFile::parse(read_file(dir_.file(name + ".map"))).blocks();
  }
  std::string image(const std::string& name) { return read_file(dir_.file(name + ".img")); }

  TempDir dir_;
};

TEST_F(FatalErrno, AFatalErrnoEndsTheRunWithNothingMarkedAsGnuDdrescue) {
  for (int error : {EACCES, ENOMEM}) {
    SCOPED_TRACE(std::strerror(error));
    ErrnoFile file(dir_, error);
    ASSERT_TRUE(file.mounted()) << file.server_error();
    const std::string g = fmt::format("gnu{}", error), o = fmt::format("ours{}", error);
    const ProcessResult gr = gnu(file.path(), g), orr = ours(file.path(), o);
    EXPECT_EQ(gr.exit_code, 1) << gr.describe();
    EXPECT_EQ(orr.exit_code, 1) << orr.describe();
    EXPECT_NE(orr.err.find(fmt::format("Fatal error reading the input file: {}", std::strerror(error))),
              std::string::npos)
        << orr.err;
    EXPECT_EQ(blocks(o), blocks(g));
    EXPECT_EQ(image(o), image(g));
    // The same command resumes from there and stops at the same read again.
    const ProcessResult again = ours(file.path(), o);
    EXPECT_EQ(again.exit_code, 1) << again.describe();
    EXPECT_EQ(blocks(o), blocks(g));
  }
}

TEST_F(FatalErrno, AListedErrnoIsAReadErrorLikeEio) {
  ErrnoFile eio(dir_, EIO), eacces(dir_, EACCES);
  ASSERT_TRUE(eio.mounted()) << eio.server_error();
  ASSERT_TRUE(eacces.mounted()) << eacces.server_error();
  const ProcessResult gr = gnu(eio.path(), "gnu");
  ASSERT_EQ(gr.exit_code, 0) << gr.describe();
  const ProcessResult orr = ours(eacces.path(), "ours", {"--continue-on-errno=5,13"});
  ASSERT_EQ(orr.exit_code, 0) << orr.describe();
  EXPECT_EQ(blocks("ours"), blocks("gnu"));
  EXPECT_EQ(image("ours"), image("gnu"));
  const MapFile map = MapFile::parse(read_file(dir_.file("ours.map")));
  EXPECT_EQ(map.totals().bad_sector, 3 * 512);  // exactly the sectors the range touches
}

// ENODEV: ddrescue ends the run (exit 1); ptrescue ends it as a source gone
// (exit 4), the mapfile saved to resume, unless it is listed.
TEST_F(FatalErrno, EnodevIsTheSourceGoneUnlessListed) {
  ErrnoFile eio(dir_, EIO), enodev(dir_, ENODEV);
  ASSERT_TRUE(eio.mounted()) << eio.server_error();
  ASSERT_TRUE(enodev.mounted()) << enodev.server_error();
  const ProcessResult gone = ours(enodev.path(), "gone");
  EXPECT_EQ(gone.exit_code, 4) << gone.describe();
  EXPECT_EQ(MapFile::parse(read_file(dir_.file("gone.map"))).totals().bad_sector, 0);
  ASSERT_EQ(gnu(eio.path(), "gnu").exit_code, 0);
  const ProcessResult listed = ours(enodev.path(), "listed", {"--continue-on-errno=19"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_EQ(blocks("listed"), blocks("gnu"));
}

}  // namespace
}  // namespace ptrescue
