// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/files/program_output.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/unique_fd.h"

extern char** environ;

namespace ptrescue {
namespace {

std::string read_all(int fd, bool from_start) {
  std::string text;
  char buf[1 << 16];
  off_t off = 0;
  while (true) {
    const ssize_t n = from_start ? ::pread(fd, buf, sizeof buf, off) : ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  return text;
}

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return text.substr(0, end == std::string::npos ? text.size() : end);
}

}  // namespace

std::string program_output(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw ProgramFailed(fmt::format("pipe: {}", std::strerror(errno)));
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  // stderr goes to a memory file, so a chatty program never blocks on a
  // second pipe while stdout is read.
  UniqueFd err(::memfd_create("stderr", MFD_CLOEXEC));
  if (!err.valid()) throw ProgramFailed(fmt::format("memfd_create: {}", std::strerror(errno)));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.get(), STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (rc != 0) throw ProgramFailed(fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));

  std::string out = read_all(read_end.get(), false);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
  const std::string why = first_line(read_all(err.get(), true));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && why.empty())
    throw ProgramFailed(fmt::format("{} is not installed (apt-get install sleuthkit)", argv[0]));
  throw ProgramFailed(fmt::format("{} failed{}{}", argv[0], why.empty() ? "" : ": ", why));
}

}  // namespace ptrescue
