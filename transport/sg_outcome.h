// SPDX-License-Identifier: GPL-3.0-or-later
// How one read over the sg driver ended, as the engine's ReadOutcome: the
// mapping rules of docs/TRANSPORTS.md ("What comes back"), shared by the
// SAT and the SCSI back ends. Only the mapping: data is copied by the
// caller, and only for kOk.
#pragma once

#include <cstdint>
#include <span>

#include "commands/decoded_error.h"
#include "transport/device.h"
#include "transport/read_status.h"
#include "transport/sg_channel.h"

namespace ptrescue {

/// Decodes the sense data of a CHECK CONDITION on a read of [lba, lba+count):
/// commands::decode_ata_read_error or commands::decode_scsi_read_error.
using SenseDecoder = commands::DecodedError (*)(std::span<const std::uint8_t> sense,
                                                std::uint64_t lba, std::uint32_t count);

/// The outcome of a read of `count` sectors at `lba` (good_sectors is
/// `count` on kOk, else 0; duration and timeout_applied from `c`).
ReadOutcome read_outcome_from_sg(const SgCompletion& c, Lba lba, std::uint32_t count,
                                 std::uint32_t sector_size, SenseDecoder decode);

}  // namespace ptrescue
