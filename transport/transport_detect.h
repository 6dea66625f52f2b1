// SPDX-License-Identifier: GPL-3.0-or-later
// Which back end reads a device node, and opening it:
//   /dev/sdX, /dev/sgN   -> SAT when ATA IDENTIFY DEVICE through ATA
//                           PASS-THROUGH answers, else SCSI (both on the sg
//                           node found through sysfs);
//   /dev/nvmeXnY, ngXnY  -> NVMe;
//   regular files, partitions and other block devices (dm, md, loop,
//   virtio-blk...) -> the block layer (FileDevice).
// `--transport sat|scsi|nvme|block` forces one, with a clear error when the
// node cannot speak it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/device.h"
#include "transport/file_device.h"
#include "transport/pass_through_options.h"
#include "transport/sys_io.h"

namespace ptrescue {

enum class TransportChoice : std::uint8_t { kAuto, kSat, kScsi, kNvme, kBlock };

/// "auto", "sat", "scsi", "nvme", "block"; nullopt for anything else.
std::optional<TransportChoice> parse_transport_choice(std::string_view word);
std::string_view transport_choice_word(TransportChoice c);

/// Opens `path` as `choice` says. Throws TransportError (or FileDevice's
/// std::runtime_error) with a one-line reason. `notes` receives what the
/// user should know about the choice made (e.g. a fallback to the block
/// layer and why) and the drive settings applied.
std::unique_ptr<Device> open_device_node(SysIo& io, const std::string& path, TransportChoice choice,
                                         const PassThroughOptions& options,
                                         const FileDeviceOptions& file_options,
                                         std::vector<std::string>& notes);

}  // namespace ptrescue
