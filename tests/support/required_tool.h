// SPDX-License-Identifier: GPL-3.0-or-later
// Tests that compare with an outside tool (GNU ddrescue, ddrescuelog,
// Chromium) skip when it is missing on a developer's machine. Under CI
// (CI=true) a missing tool is a failure instead, as VM_REQUIRE=1 is for the
// kernel test bed: a CI run must not pass by skipping its oracles.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "support/run_process.h"

namespace ptrescue::test {

/// Whether the tests run under CI (the CI sets CI=true).
inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

/// The Debian package that provides `program` (tools/setup.sh installs each).
inline std::string package_providing(std::string_view program) {
  if (program == "ddrescue" || program == "ddrescuelog") return "gddrescue";
  if (program == "chromium" || program == "chromium-browser") return "chromium";
  if (program == "ewfverify" || program == "ewfinfo" || program == "ewfexport") return "ewf-tools";
  if (program == "fls" || program == "istat") return "sleuthkit";
  if (program == "mkfs.ext4" || program == "debugfs") return "e2fsprogs";
  if (program == "mkfs.vfat") return "dosfstools";
  if (program == "mkfs.exfat") return "exfatprogs";
  if (program == "mkntfs") return "ntfs-3g";
  if (program == "mcopy") return "mtools";
  if (program == "mount.exfat-fuse") return "exfat-fuse";
  if (program == "sfdisk") return "fdisk";
  if (program == "fusermount3") return "fuse3";
  if (program == "losetup") return "mount";
  if (program.starts_with("partclone.")) return "partclone";
  if (program == "dd" || program == "md5sum" || program == "sha256sum") return "coreutils";
  return std::string(program);
}

/// "ddrescue is not on PATH: apt-get install gddrescue (tools/setup.sh does)".
inline std::string missing_tool_message(std::string_view program) {
  return std::string(program) + " is not on PATH: apt-get install " + package_providing(program) +
         " (tools/setup.sh does)";
}

/// For an optional cross-check inside a longer test: true when `program` is
/// on PATH; when it is not, a failure under CI and a note otherwise.
inline bool cross_check_tool_present(const std::string& program) {
  if (on_path(program)) return true;
  if (running_in_ci())
    ADD_FAILURE() << missing_tool_message(program) << "; CI=true requires every oracle tool";
  else
    std::cout << "[ note ] " << missing_tool_message(program) << "; cross-check left out\n";
  return false;
}

}  // namespace ptrescue::test

/// At the top of a test (or its fixture's SetUp): skips the test when
/// `program` is not on PATH, or fails it under CI=true. A macro because
/// GTEST_SKIP and FAIL return from the function they are written in.
#define PTRESCUE_REQUIRE_TOOL(program)                                                     \
  do {                                                                                    \
    if (!::ptrescue::test::on_path(program)) {                                            \
      if (::ptrescue::test::running_in_ci())                                              \
        FAIL() << ::ptrescue::test::missing_tool_message(program)                         \
               << "; CI=true requires every oracle tool";                                 \
      GTEST_SKIP() << ::ptrescue::test::missing_tool_message(program);                    \
    }                                                                                     \
  } while (0)

/// FUSE tests: fusermount3 (PTRESCUE_REQUIRE_TOOL), root and /dev/fuse;
/// a skip on a developer's machine without them, a failure under CI=true.
#define PTRESCUE_REQUIRE_FUSE()                                                            \
  do {                                                                                    \
    PTRESCUE_REQUIRE_TOOL("fusermount3");                                                 \
    if (::access("/dev/fuse", R_OK | W_OK) != 0 || ::geteuid() != 0) {                    \
      if (::ptrescue::test::running_in_ci()) FAIL() << "CI=true needs root and /dev/fuse"; \
      GTEST_SKIP() << "needs root and /dev/fuse";                                         \
    }                                                                                     \
  } while (0)
