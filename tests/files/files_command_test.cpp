// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue files` on real filesystems built in the test (ext4, FAT32, exFAT,
// NTFS; bare and on GPT and MBR disks). The oracle is independent of The
// Sleuth Kit: every file holds random bytes, so each of its whole sectors is
// found in the image by content, and the test marks chosen ones bad.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

// The files every filesystem gets: path -> content.
std::map<std::string, std::string> sample_files() {
  return {{"a.bin", random_bytes(100'000, 1)},
          {"dir/big.bin", random_bytes(300'000, 2)},
          {"dir/small.txt", random_bytes(700, 3)},
          {"dir/sub/c.bin", random_bytes(20'000, 4)}};
}

void sh(const std::string& script) {
  const auto r = run_process({"sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.describe();
}

// A filesystem of `kind` in the file `image` (`mb` MiB) holding `files`.
void build_fs(const std::string& kind, const std::string& image, int mb, const TempDir& dir,
              const std::map<std::string, std::string>& files) {
  const std::string stage = dir.file("stage-" + kind);
  for (const auto& [path, bytes] : files) {
    std::filesystem::create_directories(std::filesystem::path(stage + "/" + path).parent_path());
    write_file(stage + "/" + path, bytes);
  }
  sh(fmt::format("rm -f '{0}' && truncate -s {1}M '{0}'", image, mb));
  if (kind == "ext4") {
    sh(fmt::format("mkfs.ext4 -q -F -b 4096 -d '{}' '{}'", stage, image));
  } else if (kind == "fat32") {
    sh(fmt::format("mkfs.vfat -F 32 -S 512 '{0}' >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -i '{0}' '{1}'/* ::/", image, stage));
  } else if (kind == "ntfs") {
    const std::string mnt = dir.file("mnt-ntfs");
    sh(fmt::format("mkntfs -F -Q '{0}' >/dev/null 2>&1 && mkdir -p '{1}' && ntfs-3g '{0}' '{1}' && cp -r '{2}'/* '{1}'/ "
                   "&& umount '{1}'", image, mnt, stage));
  } else if (kind == "exfat") {
    // exfat-fuse wants a block device.
    const std::string mnt = dir.file("mnt-exfat");
    sh(fmt::format("mkfs.exfat '{0}' >/dev/null && mkdir -p '{1}' && L=$(losetup -f --show '{0}') && "
                   "mount.exfat-fuse $L '{1}' 2>/dev/null && cp -r '{2}'/* '{1}'/; s=$?; umount '{1}'; losetup -d $L; exit $s",
                   image, mnt, stage));
  }
}

// Where each whole sector of each file lies in the image, found by content.
std::map<std::string, std::vector<std::int64_t>> locate_sectors(const std::string& image_bytes,
                                                                const std::map<std::string, std::string>& files) {
  std::unordered_map<std::string_view, std::int64_t> by_content;
  for (std::int64_t pos = 0; pos + kSector <= static_cast<std::int64_t>(image_bytes.size()); pos += kSector)
    by_content.emplace(std::string_view(image_bytes).substr(static_cast<std::size_t>(pos), kSector), pos);
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto& [path, bytes] : files) {
    for (std::size_t off = 0; off + kSector <= bytes.size(); off += kSector) {
      const auto it = by_content.find(std::string_view(bytes).substr(off, kSector));
      out[path].push_back(it == by_content.end() ? -1 : it->second);
    }
  }
  return out;
}

// A mapfile of `size` bytes, '+' except the sectors at `bad` ('-').
std::string mapfile_with_bad(std::int64_t size, std::vector<std::int64_t> bad) {
  std::sort(bad.begin(), bad.end());
  std::string text = "# test\n0x0 + 1\n";
  std::int64_t pos = 0;
  for (std::int64_t b : bad) {
    if (b > pos) text += fmt::format("0x{:x} 0x{:x} +\n", pos, b - pos);
    text += fmt::format("0x{:x} 0x{:x} -\n", b, kSector);
    pos = b + kSector;
  }
  if (pos < size) text += fmt::format("0x{:x} 0x{:x} +\n", pos, size - pos);
  return text;
}

nlohmann::json run_files_json(const std::string& image, const std::string& map) {
  const auto r = run_ptrescue({"files", image, map, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return nlohmann::json::parse(r.out);
}

// path ("/a.bin" or "p2:/a.bin") -> the damaged entry.
std::map<std::string, nlohmann::json> damaged_by_path(const nlohmann::json& j) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& d : j["damaged"]) {
    const int part = d["partition"].get<int>();
    out[(part == 0 ? "" : fmt::format("p{}:", part)) + d["path"].get<std::string>()] = d;
  }
  return out;
}

class FilesOnFilesystem : public ::testing::TestWithParam<std::string> {};

TEST_P(FilesOnFilesystem, NamesExactlyTheFilesWithBadSectors) {
  PTRESCUE_REQUIRE_TOOL("fls");
  PTRESCUE_REQUIRE_TOOL("istat");
  const std::string kind = GetParam();
  if (kind == "ext4") PTRESCUE_REQUIRE_TOOL("mkfs.ext4");
  if (kind == "fat32") { PTRESCUE_REQUIRE_TOOL("mkfs.vfat"); PTRESCUE_REQUIRE_TOOL("mcopy"); }
  if (kind == "ntfs") { PTRESCUE_REQUIRE_TOOL("mkntfs"); PTRESCUE_REQUIRE_TOOL("ntfs-3g"); }
  if (kind == "exfat") { PTRESCUE_REQUIRE_TOOL("mkfs.exfat"); PTRESCUE_REQUIRE_TOOL("mount.exfat-fuse"); }
  TempDir dir;
  const auto files = sample_files();
  const std::string image = dir.file("fs.img");
  build_fs(kind, image, 64, dir, files);
  if (HasFatalFailure()) return;
  const std::string bytes = read_file(image);
  const auto sectors = locate_sectors(bytes, files);
  for (const auto& [path, where] : sectors)
    for (std::int64_t pos : where) ASSERT_GE(pos, 0) << path << ": a sector of it is not in the image";

  // One sector of big.bin, two of a.bin; nothing of the others.
  const std::vector<std::int64_t> bad = {sectors.at("dir/big.bin")[100], sectors.at("a.bin")[3],
                                         sectors.at("a.bin")[150]};
  write_file(dir.file("map"), mapfile_with_bad(static_cast<std::int64_t>(bytes.size()), bad));
  const nlohmann::json j = run_files_json(image, dir.file("map"));
  const auto damaged = damaged_by_path(j);
  ASSERT_EQ(damaged.size(), 2u) << j.dump(2);
  ASSERT_TRUE(damaged.count("/a.bin")) << j.dump(2);
  ASSERT_TRUE(damaged.count("/dir/big.bin")) << j.dump(2);
  EXPECT_EQ(damaged.at("/a.bin")["missing_bytes"], 2 * kSector);
  EXPECT_EQ(damaged.at("/dir/big.bin")["missing_bytes"], kSector);
  EXPECT_EQ(damaged.at("/a.bin")["size"], 100'000);
  std::set<std::string> intact;
  for (const auto& i : j["intact"]) intact.insert(i["path"].get<std::string>());
  for (const char* p : {"/dir", "/dir/small.txt", "/dir/sub", "/dir/sub/c.bin"}) EXPECT_TRUE(intact.count(p)) << p;

  // The text form says the same.
  const auto text = run_ptrescue({"files", image, dir.file("map")});
  EXPECT_NE(text.out.find("Damaged files: 2\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("/a.bin  1024 of 100000 bytes missing"), std::string::npos) << text.out;
}

INSTANTIATE_TEST_SUITE_P(Kinds, FilesOnFilesystem, ::testing::Values("ext4", "fat32", "exfat", "ntfs"));

// A bad inode: debugfs (e2fsprogs, not TSK) says where a.bin's inode is; the
// file is damaged through its metadata, and so is at most the inode sharing
// that sector.
TEST(FilesMetadata, Ext4InodeSectorMarksTheFile) {
  PTRESCUE_REQUIRE_TOOL("fls");
  PTRESCUE_REQUIRE_TOOL("debugfs");
  TempDir dir;
  const auto files = sample_files();
  const std::string image = dir.file("fs.img");
  build_fs("ext4", image, 64, dir, files);
  if (HasFatalFailure()) return;
  const auto imap = run_process({"debugfs", "-R", "imap /a.bin", image});
  ASSERT_EQ(imap.exit_code, 0) << imap.describe();
  // "Inode 12 is part of block group 0\n\tlocated at block 35, offset 0x0b00"
  long ino = 0, block = 0, offset = 0;
  ASSERT_EQ(std::sscanf(imap.out.c_str(), "Inode %ld is part of block group %*d located at block %ld, offset %lx", &ino,
                        &block, &offset), 3) << imap.out;
  const std::int64_t pos = (block * 4096 + offset) / kSector * kSector;
  write_file(dir.file("map"), mapfile_with_bad(std::filesystem::file_size(image), {pos}));
  const nlohmann::json j = run_files_json(image, dir.file("map"));
  const auto damaged = damaged_by_path(j);
  ASSERT_TRUE(damaged.count("/a.bin")) << j.dump(2);
  EXPECT_EQ(damaged.at("/a.bin")["missing_bytes"], 0);
  EXPECT_EQ(damaged.at("/a.bin")["metadata_missing_bytes"], 256);
  // 256-byte inodes: two per sector.
  const long mate = ((ino - 1) ^ 1) + 1;
  for (const auto& [path, d] : damaged)
    EXPECT_TRUE(d["id"] == std::to_string(ino) || d["id"] == std::to_string(mate)) << path;
}

// An MFT entry left unrescued (zeros in the image, as a rescue leaves it):
// The Sleuth Kit cannot read that file's record, and only that file is
// damaged; the volume's other files are still listed. Where the entry is
// comes from ntfs-3g's ntfsinfo (its inode number) and the boot sector
// (where $MFT starts), not from TSK.
TEST(FilesMetadata, NtfsEntryThatCannotBeReadDamagesOnlyItsFile) {
  PTRESCUE_REQUIRE_TOOL("fls");
  PTRESCUE_REQUIRE_TOOL("mkntfs");
  PTRESCUE_REQUIRE_TOOL("ntfs-3g");
  PTRESCUE_REQUIRE_TOOL("ntfsinfo");
  TempDir dir;
  const std::string image = dir.file("fs.img");
  build_fs("ntfs", image, 64, dir, sample_files());
  if (HasFatalFailure()) return;
  const auto info = run_process({"ntfsinfo", "-F", "/a.bin", image});
  ASSERT_EQ(info.exit_code, 0) << info.describe();
  long inode = -1;
  ASSERT_EQ(std::sscanf(info.out.c_str(), "Dumping Inode %ld", &inode), 1) << info.out;
  std::string bytes = read_file(image);
  // NTFS boot sector: bytes per sector at 0x0B, sectors per cluster at
  // 0x0D, $MFT's first cluster at 0x30; 1 KiB entries (mkntfs's default).
  auto le = [&](std::size_t at, int n) {
    std::int64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  const std::int64_t entry = le(0x30, 8) * le(0x0B, 2) * le(0x0D, 1) + inode * 1024;
  ASSERT_EQ(bytes.substr(static_cast<std::size_t>(entry), 4), "FILE");
  bytes.replace(static_cast<std::size_t>(entry), 1024, std::string(1024, '\0'));
  write_file(image, bytes);
  write_file(dir.file("map"), mapfile_with_bad(static_cast<std::int64_t>(bytes.size()), {entry, entry + kSector}));

  const nlohmann::json j = run_files_json(image, dir.file("map"));
  const auto damaged = damaged_by_path(j);
  ASSERT_TRUE(damaged.count("/a.bin")) << j.dump(2);
  const auto& a = damaged.at("/a.bin");
  EXPECT_FALSE(a["unreadable"].get<std::string>().empty()) << a.dump();
  EXPECT_TRUE(a["size"].is_null()) << a.dump();
  EXPECT_EQ(a["metadata_missing_bytes"], 1024);
  // $MFT's content holds the entry: damaged too; nothing else.
  EXPECT_EQ(damaged.size(), 2u) << j.dump(2);
  EXPECT_TRUE(damaged.count("/$MFT")) << j.dump(2);
  std::set<std::string> intact;
  for (const auto& i : j["intact"]) intact.insert(i["path"].get<std::string>());
  for (const char* p : {"/dir", "/dir/big.bin", "/dir/small.txt", "/dir/sub", "/dir/sub/c.bin"})
    EXPECT_TRUE(intact.count(p)) << p << "\n" << j.dump(2);
  const auto text = run_ptrescue({"files", image, dir.file("map")});
  EXPECT_EQ(text.exit_code, 0) << text.describe();
  EXPECT_NE(text.out.find("/a.bin  its record cannot be read ("), std::string::npos) << text.out;
}

// GPT and MBR disks: an ext4 and a FAT32 partition; the bad sector is in
// the second one's a.bin.
class FilesOnDisk : public ::testing::TestWithParam<std::string> {};

TEST_P(FilesOnDisk, FindsThePartitionsAndNamesTheFile) {
  PTRESCUE_REQUIRE_TOOL("fls");
  PTRESCUE_REQUIRE_TOOL("sfdisk");
  PTRESCUE_REQUIRE_TOOL("mkfs.vfat");
  PTRESCUE_REQUIRE_TOOL("mcopy");
  TempDir dir;
  const auto files = sample_files();
  build_fs("ext4", dir.file("p1.img"), 40, dir, files);
  build_fs("fat32", dir.file("p2.img"), 40, dir, files);
  if (HasFatalFailure()) return;
  const std::string disk = dir.file("disk.img");
  // Partition 1 at 1 MiB, partition 2 at 42 MiB, 40 MiB each.
  sh(fmt::format("truncate -s 100M '{0}' && printf 'label: {1}\\nstart=2048, size=81920\\nstart=86016, size=81920\\n' "
                 "| sfdisk -q '{0}' && dd if='{2}' of='{0}' bs=1M seek=1 conv=notrunc status=none && "
                 "dd if='{3}' of='{0}' bs=1M seek=42 conv=notrunc status=none",
                 disk, GetParam(), dir.file("p1.img"), dir.file("p2.img")));
  const std::string bytes = read_file(dir.file("p2.img"));
  const auto sectors = locate_sectors(bytes, files);
  const std::int64_t bad = 42 * 1048576 + sectors.at("a.bin")[7];
  write_file(dir.file("map"), mapfile_with_bad(100 * 1048576, {bad}));
  const nlohmann::json j = run_files_json(disk, dir.file("map"));
  ASSERT_EQ(j["volumes"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["volumes"][0]["type"], "ext4");
  EXPECT_EQ(j["volumes"][1]["type"], "vfat");
  EXPECT_EQ(j["volumes"][1]["offset"], 42 * 1048576);
  const auto damaged = damaged_by_path(j);
  ASSERT_EQ(damaged.size(), 1u) << j.dump(2);
  ASSERT_TRUE(damaged.count("p2:/a.bin")) << j.dump(2);
  EXPECT_EQ(damaged.at("p2:/a.bin")["missing_bytes"], kSector);
  std::set<std::string> intact;
  for (const auto& i : j["intact"]) intact.insert(fmt::format("p{}:{}", i["partition"].get<int>(), i["path"].get<std::string>()));
  EXPECT_TRUE(intact.count("p1:/a.bin"));
  EXPECT_TRUE(intact.count("p2:/dir/big.bin"));

  // `report --files` shows the damaged file under the rescue's summary.
  const auto report = run_ptrescue({"report", dir.file("map"), "--files", disk});
  EXPECT_EQ(report.exit_code, 0) << report.describe();
  EXPECT_NE(report.out.find("Damaged files: 1\n  p2:/a.bin  512 of 100000 bytes missing"), std::string::npos) << report.out;
}

INSTANTIATE_TEST_SUITE_P(Labels, FilesOnDisk, ::testing::Values("gpt", "dos"));

}  // namespace
}  // namespace ptrescue
