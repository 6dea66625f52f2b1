// SPDX-License-Identifier: GPL-3.0-or-later
// NVMe commands (NVMe Base 2.0, NVM Command Set 1.0), the Identify data
// they return (parsed with libnvme's structure layouts) and the completion
// status the Linux passthrough ioctls return.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "commands/command.h"
#include "commands/decoded_error.h"
#include "commands/nvme_types.h"

namespace ptrescue::commands {

// Opcodes (nvme_admin_identify, nvme_cmd_read, ...), CNS values, log page
// identifiers and status codes are libnvme's (commands/nvme_types.h).

/// Identify data structures are 4096 bytes (NVME_IDENTIFY_DATA_SIZE).
inline constexpr std::uint32_t kNvmeIdentifyBytes = NVME_IDENTIFY_DATA_SIZE;
inline constexpr std::uint32_t kNvmeMaxReadBlocks = 65536;  ///< NLB is a 16-bit 0's based field

/// Read (NVM Command Set 1.0): CDW10/11 = SLBA(31:0)/(63:32); CDW12 bits
/// 15:0 = NLB, 0's based; bit 31 = LR (Limited Retry: the controller should
/// apply limited retry efforts, what a first rescue pass wants); FUA and
/// PRINFO 0. blocks 1..65536. `block_bytes` is the LBA data size, plus the
/// metadata size when the namespace uses extended LBAs (metadata interleaved).
NvmeCommand nvme_read(std::uint32_t nsid, std::uint64_t slba, std::uint32_t blocks,
                      std::uint32_t block_bytes, bool limited_retry = false);
/// Identify (admin 06h), CNS 01h: CDW10 bits 7:0 = CNS; 4096 bytes.
NvmeCommand nvme_identify_controller();
/// Identify (admin 06h), CNS 00h for namespace `nsid`; 4096 bytes.
NvmeCommand nvme_identify_namespace(std::uint32_t nsid);
/// Get Log Page (admin 02h): CDW10 = LID(7:0) | LSP(14:8) = 0 | RAE(15) = 1 |
/// NUMDL(31:16); CDW11 = NUMDU(15:0); CDW12/13 = byte offset. RAE = 1 keeps
/// a pending asynchronous event for its owner (the kernel). `bytes` and
/// `offset` are multiples of 4, bytes >= 4.
NvmeCommand nvme_get_log_page(std::uint8_t lid, std::uint32_t nsid, std::uint32_t bytes,
                              std::uint64_t offset = 0);

/// libnvme's text for a status field ("Unrecovered Read Error: ...").
std::string nvme_status_text(std::uint16_t field);

/// Maps an NVMe status (the positive ioctl result) to an ErrorKind; no LBA
/// (an NVMe completion does not report one). The status is the completion's
/// status field as Linux returns it from NVME_IOCTL_IO_CMD /
/// NVME_IOCTL_ADMIN_CMD (completion DW3 bits 31:17, phase bit dropped):
/// bits 7:0 SC, 10:8 SCT, 12:11 CRD, 13 More, 14 DNR (NVMe Base 2.0
/// "Completion Queue Entry: Status Field"), split with libnvme's
/// nvme_status_code_type() / nvme_status_code() and NVME_SC_DNR / _MORE.
///   0                                 -> kOk
///   SCT 2 SC 81h Unrecovered Read     -> kMediaError
///   SCT 2 SC 80h, 82h..88h (write fault, end-to-end guard / application
///   tag / reference tag / storage tag check, compare, access denied,
///   deallocated block)                -> kAborted
///   SCT 0 07h, 08h, 09h, 0Ah, 04h, 05h, 1Bh, 21h, 22h (aborts, transfer
///   errors, interrupted)              -> kAborted
///   SCT 3 00h, 60h, 70h, 71h (path errors, aborted by host) -> kAborted
///   SCT 0 82h, 84h, 1Dh, 24h; SCT 3 02h, 03h (not ready, format/sanitize
///   in progress, ANA inaccessible/transition) -> kNotReady
///   SCT 0 01h, 02h, 0Bh, 0Ch, 0Dh..16h, 80h (invalid opcode/field/namespace,
///   SGL/PRP errors, LBA out of range) -> kIllegalRequest
///   SCT 0 06h Internal Error          -> kHardwareError
///   anything else (and values above 7FFFh) -> kOther
/// `do_not_retry` carries DNR.
DecodedError decode_nvme_error(std::uint32_t status);

/// Identify Controller (NVMe Base 2.0 "Identify Controller data structure").
struct NvmeControllerIdentity {
  std::uint16_t pci_vendor_id = 0;  ///< VID
  std::string serial;               ///< SN, bytes 4-23
  std::string model;                ///< MN, bytes 24-63
  std::string firmware;             ///< FR, bytes 64-71
  std::uint8_t mdts = 0;            ///< Maximum Data Transfer Size, 2^n minimum pages; 0 = no limit
  std::uint32_t version = 0;        ///< VER (e.g. 00010400h = 1.4)
  std::uint32_t namespace_count = 0;  ///< NN
  /// ELPE + 1: entries the Error Information log holds (ELPE is 0's based).
  std::uint32_t error_log_entries = 1;
};
std::optional<NvmeControllerIdentity> parse_identify_controller(std::span<const std::uint8_t> data);

/// Identify Namespace (NVM Command Set "Identify Namespace data structure").
struct NvmeNamespaceIdentity {
  std::uint64_t size_blocks = 0;      ///< NSZE
  std::uint64_t capacity_blocks = 0;  ///< NCAP
  std::uint64_t utilization_blocks = 0;  ///< NUSE
  std::uint8_t lba_format = 0;        ///< Index from FLBAS
  std::uint32_t block_bytes = 0;      ///< 2^LBADS of that format
  std::uint16_t metadata_bytes = 0;   ///< MS of that format
  bool metadata_extended = false;     ///< FLBAS bit 4: metadata travels with each block
  std::uint8_t protection = 0;        ///< DPS bits 2:0 (0 = none)
  /// Bytes one block takes in a Read's data buffer.
  std::uint32_t transfer_block_bytes() const {
    return block_bytes + (metadata_extended ? metadata_bytes : 0u);
  }
};
/// nullopt for an inactive namespace (all zero, NSZE 0), an FLBAS index
/// beyond NLBAF, or an LBA data size below 512 bytes or above 16 MiB.
std::optional<NvmeNamespaceIdentity> parse_identify_namespace(std::span<const std::uint8_t> data);

/// Largest data transfer from MDTS: 2^mdts * minimum memory page size
/// (CAP.MPSMIN, 4 KiB on nearly every controller; QEMU: MDTS 7 = 512 KiB).
/// nullopt when MDTS is 0 (no limit).
std::optional<std::uint64_t> nvme_max_transfer_bytes(std::uint8_t mdts,
                                                     std::uint32_t min_page_bytes = 4096);

}  // namespace ptrescue::commands
