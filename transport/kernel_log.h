// SPDX-License-Identifier: GPL-3.0-or-later
// What the kernel logged while a reset rung ran, for the rung's event in the
// reads log ("uas_eh_device_reset_handler start", "reset SuperSpeed USB
// device ..."): /dev/kmsg opened non-blocking and positioned at its end when
// the rung starts, read to its end when it is over. Only for the record: a
// kernel log that cannot be read (no /dev/kmsg, no CAP_SYSLOG) is empty.
#pragma once

#include <cstddef>
#include <string>

namespace ptrescue {

class KernelLog {
 public:
  explicit KernelLog(const std::string& path = "/dev/kmsg");
  ~KernelLog();
  KernelLog(const KernelLog&) = delete;
  KernelLog& operator=(const KernelLog&) = delete;

  /// The messages logged since construction, joined with " | "; empty
  /// when none or unreadable. Of a long log the `first` messages (what the
  /// rung set off: a driver unbound, a port reset) and the `last` ones (how
  /// it ended: the disk attached again), with "(N more)" between.
  std::string since(std::size_t first = 8, std::size_t last = 8);

 private:
  int fd_ = -1;
};

}  // namespace ptrescue
