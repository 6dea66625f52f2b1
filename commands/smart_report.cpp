// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/smart_report.h"

namespace ptrescue::commands {

const char* smart_kind_word(SmartKind k) {
  switch (k) {
    case SmartKind::kAta: return "ata";
    case SmartKind::kNvme: return "nvme";
    case SmartKind::kScsi: return "scsi";
  }
  return "unknown";
}

}  // namespace ptrescue::commands
