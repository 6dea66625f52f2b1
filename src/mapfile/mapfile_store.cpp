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

namespace ptrescue {

namespace {

// Owns a file descriptor; close errors that matter are checked by the caller
// through close_checked().
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // close() can report a delayed write error (NFS, some FUSE file systems).
  bool close_checked() {
    const int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(fmt::format("mapfile {}: {}: {}", path, what, std::strerror(err)));
}

bool write_all(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
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
  Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
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
  if (!S_ISREG(st.st_mode)) fail(path_, "not a regular file", S_ISDIR(st.st_mode) ? EISDIR : EINVAL);

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
  const std::string text = map.serialize(comments);
  const std::string tmp = path_ + ".tmp";

  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (!fd.valid()) {
    const int err = errno;
    fail(path_, "cannot create " + tmp, err);
  }
  // From here on a failure must not leave the temporary file behind.
  const auto abandon = [&](const char* what) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path_, fmt::format("cannot {} {}", what, tmp), err);
  };
  if (!write_all(fd.get(), text)) abandon("write");
  if (::fsync(fd.get()) != 0) abandon("fsync");
  if (!fd.close_checked()) abandon("close");
  if (::rename(tmp.c_str(), path_.c_str()) != 0) abandon("rename over it");

  // The rename is durable only once the folder's entry is on disk.
  const std::string folder = folder_of(path_);
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    const int err = errno;
    fail(path_, "cannot open folder " + folder, err);
  }
  if (::fsync(dir.get()) != 0) {
    const int err = errno;
    fail(path_, "cannot fsync folder " + folder, err);
  }
}

}  // namespace ptrescue
