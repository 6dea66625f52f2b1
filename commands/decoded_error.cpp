// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/decoded_error.h"

#include <ostream>

namespace ptrescue::commands {

std::string_view kind_word(ErrorKind k) {
  switch (k) {
    case ErrorKind::kOk: return "ok";
    case ErrorKind::kMediaError: return "media";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kAborted: return "aborted";
    case ErrorKind::kNotReady: return "not-ready";
    case ErrorKind::kIllegalRequest: return "illegal";
    case ErrorKind::kUnitAttention: return "unit-attention";
    case ErrorKind::kHardwareError: return "hardware";
    case ErrorKind::kOther: return "other";
  }
  return "other";
}

std::ostream& operator<<(std::ostream& os, ErrorKind k) { return os << kind_word(k); }

}  // namespace ptrescue::commands
