// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/fatal_read_errno.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ptrescue {

bool continues_on(int sys_errno, std::span<const int> continue_on_errno) {
  return sys_errno != 0 &&
         std::find(continue_on_errno.begin(), continue_on_errno.end(), sys_errno) != continue_on_errno.end();
}

std::optional<std::string> fatal_read_error(int sys_errno, std::span<const int> continue_on_errno) {
  switch (sys_errno) {
    // The list of GNU ddrescue 1.27 and 1.30 (rescuebook.cc, copy_block).
    case EACCES: case EBADF: case EBUSY: case EISDIR: case ENOBUFS: case ENODEV:
    case ENOENT: case ENOMEM: case ENOSYS: case ENXIO: case EPERM: case ESPIPE:
      if (continues_on(sys_errno, continue_on_errno)) return std::nullopt;
      return fmt::format("Fatal error reading the input file: {} (errno {}; --continue-on-errno={} reads on)",
                         std::strerror(sys_errno), sys_errno, sys_errno);
    case EINVAL:
      return std::string("Unaligned read error. Is sector size correct? (EINVAL)");
    default:
      return std::nullopt;
  }
}

}  // namespace ptrescue
