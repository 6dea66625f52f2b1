// SPDX-License-Identifier: GPL-3.0-or-later
// Hashes: the EVP digests against the published test vectors, the on-the-fly
// hasher's in-order rule, the MAPFILE.hash sidecar, and end to end: the
// sidecar of `rescue --hash` equals sha256sum/md5sum/sha1sum of the image and
// of the source, for an in-order rescue (hashed while reading) and others
// (resumed, bad sectors: hashed from the image at the end).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "src/verify/hash_sidecar.h"
#include "src/verify/image_hasher.h"
#include "src/mapfile/mapfile.h"
#include "src/verify/message_digest.h"
#include "src/verify/on_the_fly_hasher.h"
#include "base/units.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::write_file;
using test::random_bytes;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// The hex digest coreutils' `TOOLsum` prints for `path`.
std::string coreutils_sum(const std::string& tool, const std::string& path) {
  const auto r = run_process({tool, path});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return r.out.substr(0, r.out.find(' '));
}

std::string value_of(const HashRecord& r, HashAlgorithm a) {
  for (const auto& v : r.values)
    if (v.algorithm == a) return v.hex;
  return "(missing)";
}

TEST(MessageDigest, MatchesPublishedTestVectors) {
  // FIPS 180 / RFC 1321 examples for "abc".
  MultiDigest d({HashAlgorithm::kMd5, HashAlgorithm::kSha1, HashAlgorithm::kSha256});
  d.update(bytes_of("ab"));
  d.update(bytes_of("c"));
  const auto v = d.finish();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].hex, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(v[1].hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(v[2].hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MessageDigest, ParsesHashLists) {
  EXPECT_EQ(parse_hash_list("sha256"), std::vector<HashAlgorithm>{HashAlgorithm::kSha256});
  EXPECT_EQ(parse_hash_list("sha1,md5"), (std::vector<HashAlgorithm>{HashAlgorithm::kSha1, HashAlgorithm::kMd5}));
  EXPECT_EQ(parse_hash_list("all").size(), 3u);
  EXPECT_THROW(parse_hash_list("sha512"), UsageError);
  EXPECT_THROW(parse_hash_list("md5,md5"), UsageError);
  EXPECT_THROW(parse_hash_list(""), UsageError);
}

// Feeds the hasher read events as the engine would send them.
struct Feeder {
  OnTheFlyHasher& h;
  const std::string& data;
  ReadOutcome ok{};
  void read(std::int64_t pos, std::int64_t size, std::int64_t copied) {
    ReadEvent e;
    e.pos = pos;
    e.size = size;
    e.copied = copied;
    e.outcome = &ok;
    e.data = bytes_of(std::string_view(data).substr(static_cast<std::size_t>(pos), static_cast<std::size_t>(copied)));
    h.on_read(e);
  }
};

TEST(OnTheFlyHasher, InOrderReadsGiveTheDigestOfTheWholeImage) {
  const std::string data = random_bytes(10000, 1);
  OnTheFlyHasher h({HashAlgorithm::kSha256}, 0);
  Feeder f{h, data};
  for (std::int64_t p = 0; p < 10000; p += 3000) f.read(p, std::min<std::int64_t>(3000, 10000 - p), std::min<std::int64_t>(3000, 10000 - p));
  ASSERT_TRUE(h.in_order());
  EXPECT_EQ(h.hashed_bytes(), 10000);
  MultiDigest d({HashAlgorithm::kSha256});
  d.update(bytes_of(data));
  EXPECT_EQ(h.finish(), d.finish());
}

TEST(OnTheFlyHasher, GivesUpOnAGapAFailedReadOrAStartAfterByteZero) {
  const std::string data = random_bytes(8192, 2);
  {
    OnTheFlyHasher h({HashAlgorithm::kMd5}, 0);
    Feeder f{h, data};
    f.read(0, 1024, 1024);
    f.read(2048, 1024, 1024);  // skipped 1024..2048
    EXPECT_FALSE(h.in_order());
    EXPECT_NE(h.gave_up_because().find("out of order"), std::string::npos) << h.gave_up_because();
  }
  {
    OnTheFlyHasher h({HashAlgorithm::kMd5}, 0);
    Feeder f{h, data};
    f.read(0, 1024, 512);  // a failed read: half delivered
    EXPECT_FALSE(h.in_order());
    EXPECT_NE(h.gave_up_because().find("failed"), std::string::npos);
  }
  {
    OnTheFlyHasher h({HashAlgorithm::kMd5}, 0);
    Feeder f{h, data};
    f.read(4096, 1024, 1024);  // a resume, or a reverse pass
    EXPECT_FALSE(h.in_order());
  }
  {
    // -o: source byte 0 goes to image byte 4096; the image's first 4096 bytes never come.
    OnTheFlyHasher h({HashAlgorithm::kMd5}, 4096);
    Feeder f{h, data};
    f.read(0, 1024, 1024);
    EXPECT_FALSE(h.in_order());
  }
}

TEST(HashSidecar, RoundTripsAndRejectsDamage) {
  HashRecord r;
  r.image = "disk.img";
  r.first_byte = 0;
  r.bytes = 123456789;
  r.method = "on-the-fly";
  r.complete = false;
  r.unrescued_bytes = 4096;
  r.unrescued_content = "zeros";
  r.rescued_in_map = 123452693;
  r.time = "2026-11-25 10:00:00";
  r.values = {{HashAlgorithm::kMd5, "00112233445566778899aabbccddeeff"}, {HashAlgorithm::kSha256, std::string(64, 'a')}};
  const HashRecord back = parse_hash_record(format_hash_record(r));
  EXPECT_EQ(back.image, r.image);
  EXPECT_EQ(back.bytes, r.bytes);
  EXPECT_EQ(back.method, r.method);
  EXPECT_EQ(back.complete, r.complete);
  EXPECT_EQ(back.unrescued_bytes, r.unrescued_bytes);
  EXPECT_EQ(back.unrescued_content, r.unrescued_content);
  EXPECT_EQ(back.rescued_in_map, r.rescued_in_map);
  EXPECT_EQ(back.time, r.time);
  EXPECT_EQ(back.values, r.values);

  EXPECT_THROW(parse_hash_record("bytes: 1\n"), std::runtime_error);                     // no format line
  EXPECT_THROW(parse_hash_record("format: ptrescue-hash 1\nbytes: x\n"), std::runtime_error);
  EXPECT_THROW(parse_hash_record("format: ptrescue-hash 9\nbytes: 1\n"), std::runtime_error);
  EXPECT_THROW(parse_hash_record("format: ptrescue-hash 1\nbytes 1\n"), std::runtime_error);

  TempDir dir;
  EXPECT_FALSE(read_hash_sidecar(dir.file("none.hash")));
  write_hash_sidecar(dir.file("m.hash"), r);
  EXPECT_EQ(read_hash_sidecar(dir.file("m.hash"))->values, r.values);
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.hash.tmp")));
}

TEST(ImageHasher, HashesARangeAndStopsAtTheEndOfTheFile) {
  TempDir dir;
  const std::string data = random_bytes(5 << 20, 3);
  write_file(dir.file("img"), data);
  const ImageHash all = hash_file_range(dir.file("img"), 0, -1, {HashAlgorithm::kSha256}, nullptr);
  EXPECT_EQ(all.size, static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(all.values[0].hex, coreutils_sum("sha256sum", dir.file("img")));
  const ImageHash part = hash_file_range(dir.file("img"), 1000, 3000, {HashAlgorithm::kMd5}, nullptr);
  MultiDigest d({HashAlgorithm::kMd5});
  d.update(bytes_of(std::string_view(data).substr(1000, 2000)));
  EXPECT_EQ(part.values, d.finish());
  const ImageHash past = hash_file_range(dir.file("img"), 0, 10 << 20, {HashAlgorithm::kMd5}, nullptr);
  EXPECT_EQ(past.size, static_cast<std::int64_t>(data.size()));
  std::atomic<bool> stop{true};
  EXPECT_TRUE(hash_file_range(dir.file("img"), 0, -1, {HashAlgorithm::kMd5}, nullptr, &stop).interrupted);
}

// ---- end to end ------------------------------------------------------------

class RescueHash : public ::testing::Test {
 protected:
  HashRecord sidecar() {
    auto r = read_hash_sidecar(dir_.file("map.hash"));
    EXPECT_TRUE(r.has_value());
    return r ? *r : HashRecord{};
  }
  TempDir dir_;
};

TEST_F(RescueHash, InOrderRescueIsHashedWhileReadingAndMatchesCoreutils) {
  // Not a whole number of sectors: the last read is short.
  write_file(dir_.file("src"), random_bytes((3 << 20) + 100, 4));
  // -f: the source file lies on the same disk as the image (a test, not a failing drive).
  const auto r = run_ptrescue({"rescue", "-q", "-f", "--hash", "md5,sha1,sha256", dir_.file("src"), dir_.file("img"),
                               dir_.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const HashRecord h = sidecar();
  EXPECT_EQ(h.method, "on-the-fly");
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.bytes, (3 << 20) + 100);
  EXPECT_EQ(h.unrescued_bytes, 0);
  for (const auto& [tool, a] : {std::pair{"sha256sum", HashAlgorithm::kSha256}, std::pair{"md5sum", HashAlgorithm::kMd5},
                                std::pair{"sha1sum", HashAlgorithm::kSha1}}) {
    EXPECT_EQ(value_of(h, a), coreutils_sum(tool, dir_.file("img"))) << tool;
    EXPECT_EQ(value_of(h, a), coreutils_sum(tool, dir_.file("src"))) << tool;
  }
}

TEST_F(RescueHash, ResumedRescueIsHashedFromTheImageAndStillMatchesTheSource) {
  write_file(dir_.file("src"), random_bytes(2 << 20, 5));
  // A first run copies only the second half; the second run reads the first
  // half in order, but the bytes after it never pass through its reads.
  const auto first = run_ptrescue({"rescue", "-q", "-f", "-i", "1Mi", dir_.file("src"), dir_.file("img"), dir_.file("map")});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_FALSE(std::filesystem::exists(dir_.file("map.hash")));
  const auto r = run_ptrescue({"rescue", "-f", "--hash", "sha256", dir_.file("src"), dir_.file("img"), dir_.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const HashRecord h = sidecar();
  EXPECT_EQ(h.method, "image");
  EXPECT_TRUE(h.complete);
  EXPECT_NE(r.out.find("hashing the image read back"), std::string::npos) << r.out;
  EXPECT_EQ(value_of(h, HashAlgorithm::kSha256), coreutils_sum("sha256sum", dir_.file("src")));
  EXPECT_EQ(value_of(h, HashAlgorithm::kSha256), coreutils_sum("sha256sum", dir_.file("img")));
}

TEST_F(RescueHash, RescueWithBadSectorsHashesTheFullSizeImageAndSaysItIsIncomplete) {
  // Bad sectors at the very end too: the image is extended so the hash covers the whole drive.
  write_file(dir_.file("drive.json"), R"({"name": "t", "capacity": "2MiB", "heads": 2, "zones": 2,
    "stripe": "256KiB", "error_latency_ms": 5,
    "bad_ranges": [{"start": 700, "length": 9}, {"start": 4090, "length": 6}]})");
  const auto r = run_ptrescue({"rescue", "-q", "--hash", "sha256,md5", "sim:" + dir_.file("drive.json"),
                               dir_.file("img"), dir_.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const HashRecord h = sidecar();
  EXPECT_EQ(h.method, "image");
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.bytes, 2 << 20);
  EXPECT_EQ(h.unrescued_bytes, 15 * 512);
  EXPECT_NE(h.unrescued_content.find("zeros"), std::string::npos) << h.unrescued_content;
  EXPECT_EQ(std::filesystem::file_size(dir_.file("img")), 2u << 20);
  EXPECT_EQ(value_of(h, HashAlgorithm::kSha256), coreutils_sum("sha256sum", dir_.file("img")));
  EXPECT_EQ(value_of(h, HashAlgorithm::kMd5), coreutils_sum("md5sum", dir_.file("img")));
  EXPECT_EQ(h.rescued_in_map, MapFile::parse(read_file(dir_.file("map"))).totals().finished);
}

TEST_F(RescueHash, FillThenHashCoversTheFillPattern) {
  write_file(dir_.file("drive.json"), R"({"name": "t", "capacity": "1MiB", "heads": 1, "zones": 1,
    "stripe": "256KiB", "error_latency_ms": 5, "bad_ranges": [{"start": 100, "length": 3}]})");
  const auto r = run_ptrescue({"rescue", "-q", "--fill", "-", "--hash", "sha256", "sim:" + dir_.file("drive.json"),
                               dir_.file("img"), dir_.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string img = read_file(dir_.file("img"));
  EXPECT_EQ(img.substr(100 * 512, 41), "BAD SECTOR at LBA 100 (bad-sector)\nBAD SE");
  const HashRecord h = sidecar();
  EXPECT_NE(h.unrescued_content.find("fill pattern"), std::string::npos);
  EXPECT_EQ(value_of(h, HashAlgorithm::kSha256), coreutils_sum("sha256sum", dir_.file("img")));
}

TEST_F(RescueHash, StoppedRescueWritesNoHashesAndRemovesAStaleSidecar) {
  write_file(dir_.file("drive.json"), R"({"name": "t", "capacity": "1MiB", "heads": 1, "zones": 1,
    "stripe": "256KiB", "error_latency_ms": 5, "bad_ranges": [{"start": 10, "length": 1}, {"start": 900, "length": 1}]})");
  write_file(dir_.file("map.hash"), "format: ptrescue-hash 1\nbytes: 1\n");
  // -e 0: stop as soon as there is a bad area.
  const auto r = run_ptrescue({"rescue", "-e", "0", "--hash", "sha256", "sim:" + dir_.file("drive.json"),
                               dir_.file("img"), dir_.file("map")});
  EXPECT_EQ(r.exit_code, 1) << r.describe();  // -e exits 1, as ddrescue
  EXPECT_FALSE(std::filesystem::exists(dir_.file("map.hash")));
  EXPECT_NE(r.out.find("did not finish"), std::string::npos) << r.out;
}

TEST(HashCommand, PrintsLinesThatCoreutilsChecks) {
  TempDir dir;
  write_file(dir.file("img"), random_bytes(777777, 6));
  const auto r = run_ptrescue({"hash", "--hash", "all", dir.file("img")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find(fmt::format("SHA256 ({}) = {}", dir.file("img"), coreutils_sum("sha256sum", dir.file("img")))),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(fmt::format("MD5 ({}) = {}", dir.file("img"), coreutils_sum("md5sum", dir.file("img")))),
            std::string::npos);
  write_file(dir.file("sums"), r.out);
  for (const char* tool : {"sha256sum", "sha1sum", "md5sum"}) {
    const auto c = run_process({tool, "-c", "--ignore-missing", dir.file("sums")});
    EXPECT_NE(c.out.find(": OK"), std::string::npos) << tool << c.describe();
  }
  // Changing one byte changes the digest.
  std::string img = read_file(dir.file("img"));
  img[1234] ^= 1;
  write_file(dir.file("img"), img);
  EXPECT_NE(run_process({"sha256sum", "-c", "--ignore-missing", dir.file("sums")}).exit_code, 0);
}

TEST(HashCommand, WritesTheSidecarWithTheUnrescuedBytesOfAMapfile) {
  TempDir dir;
  write_file(dir.file("img"), random_bytes(8192, 7));
  MapFile m(8192);
  m.set_status(0, 8192, BlockStatus::kFinished);
  m.set_status(1024, 512, BlockStatus::kBadSector);
  write_file(dir.file("map"), m.serialize({}));
  const auto r = run_ptrescue({"hash", "--json", "--mapfile", dir.file("map"), dir.file("img")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto h = read_hash_sidecar(dir.file("map.hash"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->unrescued_bytes, 512);
  EXPECT_FALSE(h->complete);
  EXPECT_EQ(h->bytes, 8192);
  EXPECT_EQ(value_of(*h, HashAlgorithm::kSha256), coreutils_sum("sha256sum", dir.file("img")));
  EXPECT_NE(r.out.find("\"unrescued_bytes\": 512"), std::string::npos) << r.out;
  EXPECT_EQ(run_ptrescue({"hash", "--hash", "crc32", dir.file("img")}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"hash", dir.file("missing")}).exit_code, 1);
}

}  // namespace
}  // namespace ptrescue
