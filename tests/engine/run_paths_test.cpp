// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/run_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::TempDir;

TEST(RunPaths, DistinctFilesPass) {
  TempDir dir;
  test::write_file(dir.file("src"), "x");
  EXPECT_NO_THROW(check_run_paths({{dir.file("src"), "source", false},
                                   {dir.file("img"), "image", true},
                                   {dir.file("m.map"), "mapfile", true},
                                   {"", "reads log", true}}));
}

TEST(RunPaths, TheMapfilesTemporaryFileAsSourceIsRefused) {
  TempDir dir;
  test::write_file(dir.file("m.map.tmp"), "precious");
  try {
    check_run_paths({{dir.file("m.map.tmp"), "source", false},
                     {dir.file("o.img"), "image", true},
                     {dir.file("m.map.tmp"), "mapfile's temporary file", true}});
    FAIL() << "no collision found";
  } catch (const PathCollision& e) {
    EXPECT_NE(std::string(e.what()).find("mapfile's temporary file"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("source"), std::string::npos) << e.what();
  }
}

TEST(RunPaths, AHardLinkAndASymlinkAreTheSameFile) {
  TempDir dir;
  test::write_file(dir.file("image"), "data");
  ASSERT_EQ(::link(dir.file("image").c_str(), dir.file("hard").c_str()), 0);
  ASSERT_EQ(::symlink("image", dir.file("soft").c_str()), 0);
  EXPECT_THROW(check_run_paths({{dir.file("image"), "image", true}, {dir.file("hard"), "reads log", true}}),
               PathCollision);
  EXPECT_THROW(check_run_paths({{dir.file("soft"), "source", false}, {dir.file("image"), "image", true}}),
               PathCollision);
}

TEST(RunPaths, FilesNotYetMadeCollideByFolderAndName) {
  TempDir dir;
  ::mkdir(dir.file("sub").c_str(), 0755);
  // Two spellings of one file that does not exist yet.
  EXPECT_THROW(check_run_paths({{dir.file("sub/../new.log"), "reads log", true}, {dir.file("new.log"), "image", true}}),
               PathCollision);
  // A dangling link names the file it will create.
  ASSERT_EQ(::symlink("target.map", dir.file("link.map").c_str()), 0);
  EXPECT_THROW(
      check_run_paths({{dir.file("link.map"), "mapfile", true}, {dir.file("target.map"), "reads log", true}}),
      PathCollision);
}

TEST(RunPaths, TwoReadOnlyPathsMayBeTheSameFile) {
  TempDir dir;
  test::write_file(dir.file("domain.map"), "0 +\n");
  EXPECT_NO_THROW(check_run_paths(
      {{dir.file("domain.map"), "domain mapfile", false}, {dir.file("domain.map"), "test mapfile", false}}));
}

}  // namespace
}  // namespace ptrescue
