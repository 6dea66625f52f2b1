// SPDX-License-Identifier: GPL-3.0-or-later
// ddrescue's -O (--reopen-on-error) on the file and block back end: the
// source is opened again and reads go on through the new descriptor; a path
// that now names another file is refused and the open one kept, so a
// reopen can never switch the rescue to a different source.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/file_bytes.h"
#include "support/temp_dir.h"
#include "transport/file_device.h"

namespace ptrescue {
namespace {

using test::TempDir;
using test::write_file;

std::string sector_of(std::uint8_t fill) { return std::string(512, static_cast<char>(fill)); }

std::uint8_t first_byte_read(FileDevice& d, Lba lba) {
  std::vector<std::byte> buf(512);
  const ReadOutcome r = d.read(lba, 1, buf, Millis(1000));
  EXPECT_TRUE(r.ok()) << r.detail;
  return static_cast<std::uint8_t>(buf[0]);
}

TEST(FileReopen, ReopensTheSameFileAndRefusesAnotherUnderItsName) {
  TempDir dir;
  const std::string path = dir.file("source");
  write_file(path, sector_of(0xa1) + sector_of(0xa2));
  auto dev = FileDevice::open(path, {});
  EXPECT_EQ(first_byte_read(*dev, 1), 0xa2);

  const ResetOutcome again = dev->reopen();
  EXPECT_TRUE(again.ok) << again.detail;
  EXPECT_EQ(first_byte_read(*dev, 0), 0xa1);

  // Another file renamed over the path: not the source any more.
  const std::string other = dir.file("other");
  write_file(other, sector_of(0xb1) + sector_of(0xb2));
  ASSERT_EQ(std::rename(other.c_str(), path.c_str()), 0);
  const ResetOutcome refused = dev->reopen();
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.detail.find("another file"), std::string::npos) << refused.detail;
  EXPECT_EQ(first_byte_read(*dev, 1), 0xa2) << "the source kept open";

  // Gone: refused, still reading the one it has.
  ASSERT_EQ(std::remove(path.c_str()), 0);
  const ResetOutcome gone = dev->reopen();
  EXPECT_FALSE(gone.ok);
  EXPECT_NE(gone.detail.find("cannot open"), std::string::npos) << gone.detail;
  EXPECT_EQ(first_byte_read(*dev, 0), 0xa1);
}

}  // namespace
}  // namespace ptrescue
