// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's ReadStatus for a device error decoded by commands/ (sense
// data, ATA registers, NVMe status): one mapping for every pass-through
// back end.
#pragma once

#include "commands/decoded_error.h"
#include "transport/device.h"

namespace ptrescue {

/// kOk -> ok; kMediaError -> media; kTimeout -> timeout; kAborted and
/// kUnitAttention (the command was not carried out) -> aborted; not ready,
/// illegal request, hardware error and the rest -> other.
ReadStatus read_status_from_error(commands::ErrorKind kind);

}  // namespace ptrescue
