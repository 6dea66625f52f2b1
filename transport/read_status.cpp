// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/read_status.h"

namespace ptrescue {

ReadStatus read_status_from_error(commands::ErrorKind kind) {
  using commands::ErrorKind;
  switch (kind) {
    case ErrorKind::kOk: return ReadStatus::kOk;
    case ErrorKind::kMediaError: return ReadStatus::kMediaError;
    case ErrorKind::kTimeout: return ReadStatus::kTimeout;
    // UNIT ATTENTION: the command was not executed (a reset or power-on
    // happened); like an abort, it says nothing about the sectors.
    case ErrorKind::kAborted:
    case ErrorKind::kUnitAttention: return ReadStatus::kAborted;
    case ErrorKind::kNotReady:
    case ErrorKind::kIllegalRequest:
    case ErrorKind::kHardwareError:
    case ErrorKind::kOther: return ReadStatus::kOther;
  }
  return ReadStatus::kOther;
}

}  // namespace ptrescue
