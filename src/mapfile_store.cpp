#include "src/mapfile_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

}  // namespace

MapFileStore::MapFileStore(std::string path) : path_(std::move(path)) {}

std::optional<MapFile> MapFileStore::load() const {
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

  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      fail(path_, "read error", err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  try {
    return MapFile::parse(text);
  } catch (const MapFileError& e) {
    throw MalformedMapFile(fmt::format("mapfile {}: {}", path_, e.what()));
  }
}

void MapFileStore::save(const MapFile& map, const std::vector<std::string>& comments) {
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
