// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/device.h"

namespace ptrescue {

std::string_view outcome_word(ReadStatus s) {
  switch (s) {
    case ReadStatus::kOk: return "ok";
    case ReadStatus::kMediaError: return "media";
    case ReadStatus::kTimeout: return "timeout";
    case ReadStatus::kAborted: return "aborted";
    case ReadStatus::kDeviceGone: return "gone";
    case ReadStatus::kOther: return "other";
  }
  return "other";
}

std::string_view reset_word(ResetKind k) {
  switch (k) {
    case ResetKind::kSoft: return "soft";
    case ResetKind::kDevice: return "device";
    case ResetKind::kTarget: return "target";
    case ResetKind::kBus: return "bus";
    case ResetKind::kHost: return "host";
    case ResetKind::kUsbReset: return "usb-reset";
    case ResetKind::kUsbRebind: return "usb-rebind";
    case ResetKind::kPowerCycle: return "power-cycle";
  }
  return "unknown";
}

}  // namespace ptrescue
