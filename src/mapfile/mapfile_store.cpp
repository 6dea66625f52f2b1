// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/mapfile/mapfile_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/unique_fd.h"

namespace ptrescue {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(fmt::format("mapfile {}: {}: {}", path, what, std::strerror(err)));
}

// Feeds the whole file to the parser through a read-only mapping: the parser
// reads the page cache in place, with no copy into a buffer (a 26 MB mapfile
// loads in about half the time of read() into a buffer and parsing that).
// MADV_POPULATE_READ maps every page up front and, unlike touching the pages,
// reports a read error (or a file shortened meanwhile) as an error rather than
// SIGBUS. False if the file cannot be mapped that way (empty, a file system
// without mmap, a kernel before 5.14, an I/O error): the caller then read()s
// it, which names the error if there is one.
bool feed_mapped(int fd, off_t size, MapFile::Parser& parser) {
#ifdef MADV_POPULATE_READ
  if (size <= 0) return false;
  const auto length = static_cast<std::size_t>(size);
  void* const at = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  if (at == MAP_FAILED) return false;
  const auto unmap = [length](void* p) { ::munmap(p, length); };
  const std::unique_ptr<void, decltype(unmap)> mapping(at, unmap);
  if (::madvise(at, length, MADV_POPULATE_READ) != 0) return false;
  parser.feed_whole(std::string_view(static_cast<const char*>(at), length));
  return true;
#else
  (void)fd;
  (void)size;
  (void)parser;
  return false;
#endif
}

// Reads the file piece by piece into the parser; the buffer stays in the
// CPU cache.
void feed_read(int fd, const std::string& path, MapFile::Parser& parser) {
  constexpr std::size_t kPiece = 256 * 1024;
  const std::unique_ptr<char[]> buf(new char[kPiece]);
  while (true) {
    const ssize_t n = ::read(fd, buf.get(), kPiece);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      fail(path, "read error", err);
    }
    if (n == 0) break;
    parser.feed(std::string_view(buf.get(), static_cast<std::size_t>(n)));
  }
}

}  // namespace

MapFileStore::MapFileStore(std::string path) : path_(std::move(path)) {}

MapFileStore::Fingerprint MapFileStore::fingerprint_of(const MapFile& map) {
  return Fingerprint{map.block_count(), map.begin_pos(), map.end_pos(), map.totals(), map.cursor()};
}

std::optional<MapFile> MapFileStore::load() {
  as_loaded_.reset();
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    fail(path_, "cannot open", err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    fail(path_, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode))
    throw std::runtime_error(fmt::format("mapfile {}: is a directory, not a file", path_));
  if (!S_ISREG(st.st_mode)) fail(path_, "not a regular file", EINVAL);

  try {
    MapFile::Parser parser;
    if (!feed_mapped(fd.get(), st.st_size, parser)) feed_read(fd.get(), path_, parser);
    MapFile map = parser.finish();
    as_loaded_ = fingerprint_of(map);
    return map;
  } catch (const MapFileError& e) {
    throw MalformedMapFile(fmt::format("mapfile {}: {}", path_, e.what()));
  }
}

void MapFileStore::save(const MapFile& map, const std::vector<std::string>& comments) {
  // version() 0: no set_status, extend_to or set_cursor changed it since parsing.
  if (as_loaded_ && map.version() == 0 && fingerprint_of(map) == *as_loaded_) return;
  if (keep_backups_ && saved_) back_up_current();
  try {
    replace_file_durably(path_, map.serialize(comments));
  } catch (const DurableWriteError& e) {
    throw std::runtime_error(fmt::format("mapfile {}: {}", path_, e.what()));
  }
  saved_ = true;
}

std::string mapfile_backup_path(const std::string& mapfile) { return mapfile + ".bak"; }

// A hard link to the file about to be replaced: no copy, and the backup is
// made durable by the folder sync of the replace that follows. A previous
// backup is unlinked first, never written through (it may be a hard link
// of another file, as ddrescue also assumes).
void MapFileStore::back_up_current() const {
  const std::string backup = mapfile_backup_path(path_);
  const std::string current = write_target_of(path_);
  ::unlink(backup.c_str());
  (void)::link(current.c_str(), backup.c_str());
}

}  // namespace ptrescue
