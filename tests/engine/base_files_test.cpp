// SPDX-License-Identifier: GPL-3.0-or-later
// base/text_file.h and base/durable_file.h, the one way the rooms read a
// whole file and write one whole: what they read and write, and what a
// failure says and leaves behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/durable_file.h"
#include "base/text_file.h"
#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using test::TempDir;
using test::read_file;
using test::write_file;

TEST(BaseFiles, ReadWholeFileReturnsEveryByte) {
  TempDir dir;
  std::string bytes(200000, 'x');
  bytes[7] = '\0';
  bytes.back() = '\n';
  write_file(dir.file("data"), bytes);
  EXPECT_EQ(read_whole_file(dir.file("data")), bytes);
}

TEST(BaseFiles, ReadWholeFileOfADirectorySaysItIsADirectory) {
  TempDir dir;
  fs::create_directory(dir.file("folder"));
  try {
    read_whole_file(dir.file("folder"));
    FAIL() << "no error for a directory";
  } catch (const FileReadError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.file("folder") + ": "));
    EXPECT_THAT(e.what(), HasSubstr("is a directory"));
    EXPECT_EQ(e.error_number(), EISDIR);
  }
}

TEST(BaseFiles, ReplaceFileDurablyWritesTheContentAndLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.file("out.txt");
  replace_file_durably(path, "first\n");
  EXPECT_EQ(read_file(path), "first\n");
  replace_file_durably(path, "second, longer\n");
  EXPECT_EQ(read_file(path), "second, longer\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(BaseFiles, ReplaceFileDurablyThatCannotCreateItsTempFileKeepsTheOldFile) {
  TempDir dir;
  const std::string path = dir.file("out.txt");
  write_file(path, "old\n");
  fs::create_directory(path + ".tmp");  // open(O_CREAT) fails, for root too: EISDIR
  try {
    replace_file_durably(path, "new\n");
    FAIL() << "no error";
  } catch (const DurableWriteError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot create '" + path + ".tmp'"));
    EXPECT_EQ(e.error_number(), EISDIR);
  }
  EXPECT_EQ(read_file(path), "old\n");
}

TEST(BaseFiles, ReplaceFileDurablyThatCannotRenameRemovesItsTempFile) {
  TempDir dir;
  const std::string path = dir.file("out");
  fs::create_directory(path);  // rename(2) of a file over a directory fails
  write_file(path + "/inside", "keep");
  EXPECT_THROW(replace_file_durably(path, "new\n"), DurableWriteError);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_file(path + "/inside"), "keep");
}

TEST(BaseFiles, ReplaceFileDurablyThroughASymlinkReplacesItsTarget) {
  TempDir dir;
  write_file(dir.file("target"), "old\n");
  fs::create_symlink("target", dir.file("link"));
  replace_file_durably(dir.file("link"), "new\n");
  EXPECT_TRUE(fs::is_symlink(dir.file("link")));
  EXPECT_EQ(read_file(dir.file("target")), "new\n");
  EXPECT_FALSE(fs::exists(dir.file("target.tmp")));
}

}  // namespace
}  // namespace ptrescue
