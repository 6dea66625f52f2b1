// SPDX-License-Identifier: GPL-3.0-or-later
// A simulator profile whose "contents" names a file: the drive holds that
// file's bytes, with its bad sectors where the profile puts them, so a rescue
// gives back exactly the file where it says '+'.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_profile.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {
namespace {

using test::random_bytes;
using test::read_file;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

constexpr std::size_t kBytes = 4 << 20;

TEST(SimContents, RescueGivesTheFileWhereTheMapSaysFinished) {
  TempDir dir;
  const std::string data = random_bytes(kBytes, 17);
  std::filesystem::create_directory(dir.file("drive"));
  write_file(dir.file("drive/disk.img"), data);
  // Relative to the profile's folder; the size comes from the file.
  write_file(dir.file("drive/p.json"), R"({"contents": "disk.img", "heads": 2, "zones": 2, "stripe": "1MiB",
     "bad_ranges": [{"start": 1000, "length": 9}, {"start": 7000, "length": 1}]})");
  const auto r = run_ptrescue({"rescue", "sim:" + dir.file("drive/p.json"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  const std::string image = read_file(dir.file("img"));
  const MapFile map = MapFile::parse(read_file(dir.file("map")));
  ASSERT_EQ(map.end_pos(), static_cast<std::int64_t>(kBytes));
  std::int64_t finished = 0;
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    finished += b.size;
    const auto pos = static_cast<std::size_t>(b.pos), size = static_cast<std::size_t>(b.size);
    ASSERT_GE(image.size(), pos + size);
    EXPECT_TRUE(image.compare(pos, size, data, pos, size) == 0) << fmt::format("block at {} differs", b.pos);
  });
  // Exactly the profile's 10 bad sectors are missing.
  EXPECT_EQ(finished, static_cast<std::int64_t>(kBytes) - 10 * 512);
  EXPECT_EQ(map.status_at(1000 * 512), BlockStatus::kBadSector);
  EXPECT_EQ(map.status_at(7000 * 512), BlockStatus::kBadSector);
}

TEST(SimContents, CapacityBeyondTheFileReadsZeros) {
  TempDir dir;
  write_file(dir.file("small.img"), std::string(4096, 'x'));
  write_file(dir.file("p.json"), R"({"contents": "small.img", "capacity": 16})");
  SimulatedDevice dev(SimProfile::from_json_file(dir.file("p.json")));
  ASSERT_EQ(dev.identity().capacity_sectors, 16u);
  std::vector<std::byte> buf(16 * 512);
  ASSERT_TRUE(dev.read(0, 16, buf, Millis(1000)).ok());
  for (std::size_t i = 0; i < buf.size(); ++i)
    ASSERT_EQ(buf[i], i < 4096 ? std::byte{'x'} : std::byte{0}) << "byte " << i;
}

TEST(SimContents, BadContentsAreNamed) {
  TempDir dir;
  write_file(dir.file("odd.img"), std::string(1000, 'x'));
  write_file(dir.file("a.json"), R"({"contents": "odd.img"})");
  write_file(dir.file("b.json"), R"({"contents": "missing.img"})");
  EXPECT_THROW(
      {
        try {
          SimProfile::from_json_file(dir.file("a.json"));
        } catch (const SimProfileError& e) {
          EXPECT_NE(std::string(e.what()).find("whole number of 512-byte sectors"), std::string::npos) << e.what();
          throw;
        }
      },
      SimProfileError);
  EXPECT_THROW(SimProfile::from_json_file(dir.file("b.json")), SimProfileError);
}

}  // namespace
}  // namespace ptrescue
