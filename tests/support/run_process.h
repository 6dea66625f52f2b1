// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a program (normally the ptrescue binary, PTRESCUE_BINARY) from a test:
// to completion with its stdout/stderr captured, or in the background so the
// test can signal it (SIGINT, SIGTERM, SIGKILL) at a moment of its choosing.
// Output goes to anonymous memory files rather than pipes, so a chatty child
// can never block on a full pipe while the test sleeps.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ptrescue::test {

/// How a child ended and what it printed.
struct ProcessResult {
  int exit_code = -1;   ///< The exit status, or -1 if killed by a signal.
  int term_signal = 0;  ///< The signal that killed it, or 0.
  std::string out;
  std::string err;
  bool exited() const { return term_signal == 0; }
  /// For assertion messages.
  std::string describe() const {
    return (exited() ? "exit " + std::to_string(exit_code) : "signal " + std::to_string(term_signal)) +
           "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  }
};

namespace detail {

inline int make_capture_file(const char* name) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  return fd;
}

inline std::string read_capture_file(int fd) {
  std::string text;
  char buf[1 << 14];
  off_t off = 0;
  while (true) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  return text;
}

}  // namespace detail

/// A child process started with fork/exec; killed (SIGKILL) and reaped on
/// destruction if the test did not wait for it.
class Process {
 public:
  /// argv[0] is the program path (not searched on PATH unless it has no '/').
  /// stdin is /dev/null.
  explicit Process(const std::vector<std::string>& argv) {
    if (argv.empty()) throw std::invalid_argument("Process: empty argv");
    out_fd_ = detail::make_capture_file("stdout");
    err_fd_ = detail::make_capture_file("stderr");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
      ::dup2(out_fd_, STDOUT_FILENO);
      ::dup2(err_fd_, STDERR_FILENO);
      // The test runner may block or ignore signals; the child must not inherit that.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !result_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  void signal(int sig) const {
    if (!result_) ::kill(pid_, sig);
  }

  /// True once the child has ended (reaps it).
  bool poll() {
    if (result_) return true;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      finish(status);
      return true;
    }
    return false;
  }

  /// Waits for the child to end; after `limit` it is killed with SIGKILL
  /// (and the result says so), so a hung child cannot hang the test.
  const ProcessResult& wait(std::chrono::milliseconds limit = std::chrono::minutes(2)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!poll()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        finish(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return *result_;
  }

  /// What the child printed so far (it may still be running).
  std::string stdout_so_far() const { return detail::read_capture_file(out_fd_); }
  std::string stderr_so_far() const { return detail::read_capture_file(err_fd_); }

 private:
  void finish(int status) {
    ProcessResult r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
    r.out = detail::read_capture_file(out_fd_);
    r.err = detail::read_capture_file(err_fd_);
    result_ = std::move(r);
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::optional<ProcessResult> result_;
};

/// Runs argv to completion (killed after `limit`).
inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds limit = std::chrono::minutes(2)) {
  Process p(argv);
  return p.wait(limit);
}

/// `ptrescue ARGS...` with the binary under test.
inline ProcessResult run_ptrescue(std::vector<std::string> args,
                                  std::chrono::milliseconds limit = std::chrono::minutes(2)) {
  args.insert(args.begin(), PTRESCUE_BINARY);
  return run_process(args, limit);
}

/// Whether `program` is an executable on PATH.
inline bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs = path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

}  // namespace ptrescue::test
