// SPDX-License-Identifier: GPL-3.0-or-later
// MapFileStore: load/save round trips, and that a failed save throws, cleans
// up its temporary file and leaves the previous mapfile as it was. The tests
// run as root, so failures are provoked with things that fail for root too:
// a parent that is a regular file, a directory in the way, a file size limit.
#include "src/mapfile/mapfile_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using test::TempDir;
using test::read_file;
using test::write_file;

MapFile sample_map() {
  MapFile m(1 << 20);
  m.set_status(0, 4096, BlockStatus::kFinished);
  m.set_status(8192, 512, BlockStatus::kBadSector);
  m.set_status(65536, 1024, BlockStatus::kNonTrimmed);
  m.set_cursor(MapCursor{8704, Phase::kTrimming, 2});
  return m;
}

// The message of the std::runtime_error that `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(MapFileStore, LoadOfAMissingFileIsNullopt) {
  TempDir dir;
  EXPECT_FALSE(MapFileStore(dir.file("none.map")).load().has_value());
}

TEST(MapFileStore, SaveThenLoadRoundTrips) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  MapFileStore store(path);
  EXPECT_EQ(store.path(), path);
  const MapFile m = sample_map();
  store.save(m, {"Mapfile. Created by ptrescue", "Command line: ptrescue x y"});

  EXPECT_EQ(read_file(path), m.serialize({"Mapfile. Created by ptrescue", "Command line: ptrescue x y"}));
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  const std::optional<MapFile> back = MapFileStore(path).load();
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->blocks(), m.blocks());
  EXPECT_EQ(back->cursor(), m.cursor());
  EXPECT_EQ(back->totals(), m.totals());
}

TEST(MapFileStore, SaveReplacesThePreviousMapfile) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  MapFileStore store(path);
  store.save(MapFile(100), {});
  MapFile m = sample_map();
  store.save(m, {"second"});
  EXPECT_EQ(store.load()->blocks(), m.blocks());
  EXPECT_EQ(read_file(path), m.serialize({"second"}));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(MapFileStore, SaveIntoTheCurrentFolderWorks) {
  TempDir dir;
  struct Chdir {
    fs::path old = fs::current_path();
    ~Chdir() { fs::current_path(old); }
  } restore;
  fs::current_path(dir.file(""));
  MapFileStore store("relative.map");
  EXPECT_NO_THROW(store.save(sample_map(), {}));
  EXPECT_EQ(read_file(dir.file("relative.map")), sample_map().serialize({}));
}

TEST(MapFileStore, LoadReportsTheLineOfAMalformedFile) {
  TempDir dir;
  const std::string path = dir.file("bad.map");
  write_file(path, "# c\n0 + 1\n0 10 +\n20 10 -\n");
  const std::string err = error_of([&] { MapFileStore(path).load(); });
  EXPECT_THAT(err, HasSubstr("mapfile " + path + ": line 4: gap"));
}

TEST(MapFileStore, LoadOfAnUnreadablePathThrows) {
  TempDir dir;
  EXPECT_THAT(error_of([&] { MapFileStore(dir.file("")).load(); }),
              HasSubstr("is a directory"));
  write_file(dir.file("plain"), "x");
  EXPECT_THAT(error_of([&] { MapFileStore(dir.file("plain/disk.map")).load(); }),
              HasSubstr("Not a directory"));
}

TEST(MapFileStore, SaveUnderARegularFileThrowsAndCreatesNothing) {
  TempDir dir;
  write_file(dir.file("plain"), "not a folder");
  const std::string path = dir.file("plain/disk.map");
  const std::string err = error_of([&] { MapFileStore(path).save(sample_map(), {}); });
  EXPECT_THAT(err, HasSubstr("mapfile " + path));
  EXPECT_THAT(err, HasSubstr("Not a directory"));
  EXPECT_EQ(read_file(dir.file("plain")), "not a folder");
}

TEST(MapFileStore, SaveOverADirectoryThrowsAndRemovesTheTempFile) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  fs::create_directory(path);
  write_file(path + "/inside", "keep");
  const std::string err = error_of([&] { MapFileStore(path).save(sample_map(), {}); });
  EXPECT_THAT(err, HasSubstr("mapfile " + path + ": cannot rename"));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_file(path + "/inside"), "keep");
}

TEST(MapFileStore, SaveThroughASymlinkKeepsTheLinkAndUpdatesItsTarget) {
  TempDir dir;
  fs::create_directory(dir.file("real"));
  const std::string target = dir.file("real/disk.map");
  const std::string link = dir.file("disk.map");
  MapFileStore(target).save(MapFile(4096), {"old"});
  fs::create_symlink("real/disk.map", link);

  MapFileStore store(link);
  MapFile changed = *store.load();
  changed.set_status(0, 512, BlockStatus::kFinished);
  store.save(changed, {"new"});

  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), "real/disk.map");
  EXPECT_EQ(read_file(target), changed.serialize({"new"}));
  EXPECT_FALSE(fs::exists(target + ".tmp"));
  EXPECT_FALSE(fs::exists(link + ".tmp"));
}

TEST(MapFileStore, AMapUnchangedSinceLoadIsNotWrittenAgainButAnyChangeIs) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  MapFileStore(path).save(sample_map(), {"first"});
  const std::string first = read_file(path);

  MapFileStore store(path);
  MapFile loaded = *store.load();
  store.save(loaded, {"second"});
  EXPECT_EQ(read_file(path), first);  // the same map: the file already says it

  // A different map that also never changed since it was made is written.
  store.save(MapFile(4096), {"other"});
  EXPECT_EQ(read_file(path), MapFile(4096).serialize({"other"}));

  // The loaded map after a change, and after a cursor move, is written.
  MapFileStore store2(path);
  MapFile again = *store2.load();
  MapFile moved = again;
  MapCursor c = moved.cursor();
  c.pos += 512;
  moved.set_cursor(c);
  store2.save(moved, {"moved"});
  EXPECT_EQ(read_file(path), moved.serialize({"moved"}));
  again.set_status(0, 512, BlockStatus::kBadSector);
  store2.save(again, {"changed"});
  EXPECT_EQ(read_file(path), again.serialize({"changed"}));
}

TEST(MapFileStore, FailedTempFileCreationKeepsThePreviousMapfile) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  MapFileStore store(path);
  const MapFile old = sample_map();
  store.save(old, {"old"});
  const std::string before = read_file(path);

  fs::create_directory(path + ".tmp");  // open(O_CREAT|O_WRONLY) fails: EISDIR
  MapFile changed = old;
  changed.set_status(0, 1 << 20, BlockStatus::kFinished);
  const std::string err = error_of([&] { store.save(changed, {"new"}); });
  EXPECT_THAT(err, HasSubstr("mapfile " + path + ": cannot create '" + path + ".tmp'"));
  EXPECT_THAT(err, HasSubstr("Is a directory"));
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(store.load()->blocks(), old.blocks());
}

// A write that fails half-way, like ENOSPC: RLIMIT_FSIZE binds root as well.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // make write() fail with EFBIG instead
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int);
};

TEST(MapFileStore, FailedWriteKeepsThePreviousMapfileAndRemovesTheTempFile) {
  TempDir dir;
  const std::string path = dir.file("disk.map");
  MapFileStore store(path);
  const MapFile old = sample_map();
  store.save(old, {"old"});
  const std::string before = read_file(path);

  MapFile big(1 << 30);
  for (std::int64_t i = 0; i < 2000; ++i) big.set_status(i * 4096, 512, BlockStatus::kBadSector);
  std::string err;
  {
    FileSizeLimit limit(4096);
    err = error_of([&] { store.save(big, {"new"}); });
  }
  EXPECT_THAT(err, HasSubstr("mapfile " + path + ": cannot write '" + path + ".tmp'"));
  EXPECT_THAT(err, HasSubstr("File too large"));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_file(path), before);

  // And the next save, with room again, succeeds.
  store.save(big, {"new"});
  EXPECT_EQ(store.load()->totals(), big.totals());
}

}  // namespace
}  // namespace ptrescue
