// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/nvme.h"

#include <algorithm>
#include <cstring>

#include <scsi/sg_unaligned.h>

extern "C" {
#include <nvme/util.h>  // after commands/nvme_types.h (via nvme.h): nvme_status_to_string
}

#include <fmt/format.h>

#include "commands/allow_list.h"
#include "commands/ascii_field.h"
#include "commands/block_size.h"

namespace ptrescue::commands {

// The Identify data layouts are libnvme's: the raw bytes are copied into its
// structures and multi-byte fields read as little-endian, the NVMe byte order.
static_assert(sizeof(nvme_id_ctrl) == kNvmeIdentifyBytes);
static_assert(sizeof(nvme_id_ns) == kNvmeIdentifyBytes);
static_assert(sizeof(nvme_lbaf) == 4);

namespace {

template <typename Structure>
Structure copy_structure(std::span<const std::uint8_t> data) {
  Structure out;
  std::memcpy(&out, data.data(), sizeof out);
  return out;
}

ErrorKind classify(std::uint8_t sct, std::uint8_t sc) {
  switch (sct) {
    case NVME_SCT_GENERIC:
      switch (sc) {
        case NVME_SC_SUCCESS:
          return ErrorKind::kOk;
        case NVME_SC_DATA_XFER_ERROR:
        case NVME_SC_POWER_LOSS:
        case NVME_SC_ABORT_REQ:
        case NVME_SC_ABORT_QUEUE:
        case NVME_SC_FUSED_FAIL:
        case NVME_SC_FUSED_MISSING:
        case NVME_SC_CMD_ABORTED_PREMEPT:
        case NVME_SC_CMD_INTERRUPTED:
        case NVME_SC_TRAN_TPORT_ERROR:
          return ErrorKind::kAborted;
        case NVME_SC_INTERNAL:
          return ErrorKind::kHardwareError;
        case NVME_SC_NS_NOT_READY:
        case NVME_SC_FORMAT_IN_PROGRESS:
        case NVME_SC_SANITIZE_IN_PROGRESS:
        case NVME_SC_ADMIN_CMD_MEDIA_NOT_READY:
          return ErrorKind::kNotReady;
        case NVME_SC_INVALID_OPCODE:
        case NVME_SC_INVALID_FIELD:
        case NVME_SC_INVALID_NS:
        case NVME_SC_CMD_SEQ_ERROR:
        case NVME_SC_LBA_RANGE:
          return ErrorKind::kIllegalRequest;
        default:
          // 0Dh..16h: SGL / PRP / atomic-write errors in the request itself.
          if (sc >= NVME_SC_SGL_INVALID_LAST && sc <= NVME_SC_SGL_INVALID_OFFSET)
            return ErrorKind::kIllegalRequest;
          return ErrorKind::kOther;
      }
    case NVME_SCT_MEDIA:
      if (sc == NVME_SC_READ_ERROR) return ErrorKind::kMediaError;
      if (sc == NVME_SC_WRITE_FAULT || (sc >= NVME_SC_GUARD_CHECK && sc <= NVME_SC_STORAGE_TAG_CHECK))
        return ErrorKind::kAborted;
      return ErrorKind::kOther;
    case NVME_SCT_PATH:
      switch (sc) {
        case NVME_SC_ANA_INACCESSIBLE:
        case NVME_SC_ANA_TRANSITION:
          return ErrorKind::kNotReady;
        case NVME_SC_ANA_INTERNAL_PATH_ERROR:
        case NVME_SC_CTRL_PATH_ERROR:
        case NVME_SC_HOST_PATH_ERROR:
        case NVME_SC_CMD_ABORTED_BY_HOST:  // Linux: cancelled by a controller reset
          return ErrorKind::kAborted;
        default:
          return ErrorKind::kOther;
      }
    default:  // command specific, vendor specific, reserved
      return ErrorKind::kOther;
  }
}

}  // namespace

NvmeCommand nvme_read(std::uint32_t nsid, std::uint64_t slba, std::uint32_t blocks,
                      std::uint32_t block_bytes, bool limited_retry) {
  if (blocks == 0 || blocks > kNvmeMaxReadBlocks)
    throw CommandRefused(fmt::format("NVMe Read of {} blocks (must be 1..{})", blocks,
                                     kNvmeMaxReadBlocks));
  if (block_bytes == 0) throw CommandRefused("NVMe Read with a zero block size");
  if (blocks - 1 > ~std::uint64_t{0} - slba) throw CommandRefused("NVMe Read past LBA 2^64-1");
  const std::uint64_t bytes = std::uint64_t{blocks} * block_bytes;
  if (bytes > 0xffffffffu) throw CommandRefused(fmt::format("NVMe Read of {} bytes is too large", bytes));
  NvmeCommand cmd;
  cmd.opcode = nvme_cmd_read;
  cmd.nsid = nsid;
  cmd.cdw10 = static_cast<std::uint32_t>(slba);
  cmd.cdw11 = static_cast<std::uint32_t>(slba >> 32);
  cmd.cdw12 = (blocks - 1) | (limited_retry ? 0x80000000u : 0u);
  cmd.direction = DataDirection::kFromDevice;
  cmd.transfer_bytes = static_cast<std::uint32_t>(bytes);
  return require_allowed(cmd);
}

NvmeCommand nvme_identify_controller() {
  NvmeCommand cmd;
  cmd.admin = true;
  cmd.opcode = nvme_admin_identify;
  cmd.cdw10 = NVME_IDENTIFY_CNS_CTRL;
  cmd.direction = DataDirection::kFromDevice;
  cmd.transfer_bytes = kNvmeIdentifyBytes;
  return require_allowed(cmd);
}

NvmeCommand nvme_identify_namespace(std::uint32_t nsid) {
  NvmeCommand cmd;
  cmd.admin = true;
  cmd.opcode = nvme_admin_identify;
  cmd.nsid = nsid;
  cmd.cdw10 = NVME_IDENTIFY_CNS_NS;
  cmd.direction = DataDirection::kFromDevice;
  cmd.transfer_bytes = kNvmeIdentifyBytes;
  return require_allowed(cmd);
}

NvmeCommand nvme_get_log_page(std::uint8_t lid, std::uint32_t nsid, std::uint32_t bytes,
                              std::uint64_t offset) {
  if (bytes < 4 || bytes % 4 != 0 || offset % 4 != 0)
    throw CommandRefused("Get Log Page length and offset must be multiples of 4 bytes");
  const std::uint32_t numd = bytes / 4 - 1;  // 0's based dword count
  NvmeCommand cmd;
  cmd.admin = true;
  cmd.opcode = nvme_admin_get_log_page;
  cmd.nsid = nsid;
  cmd.cdw10 = lid | (1u << 15) | ((numd & 0xffffu) << 16);
  cmd.cdw11 = numd >> 16;
  cmd.cdw12 = static_cast<std::uint32_t>(offset);
  cmd.cdw13 = static_cast<std::uint32_t>(offset >> 32);
  cmd.direction = DataDirection::kFromDevice;
  cmd.transfer_bytes = bytes;
  return require_allowed(cmd);
}

std::string nvme_status_text(std::uint16_t field) {
  const char* text = nvme_status_to_string(field & 0x7fff, false);
  return text != nullptr ? text : "unknown status";
}

DecodedError decode_nvme_error(std::uint32_t status) {
  DecodedError out;
  if (status > 0x7fff) {
    out.kind = ErrorKind::kOther;
    out.text = fmt::format("0x{:x} is not an NVMe status field", status);
    return out;
  }
  const auto field = static_cast<std::uint16_t>(status);
  const auto sct = static_cast<std::uint8_t>(nvme_status_code_type(field));
  const auto sc = static_cast<std::uint8_t>(nvme_status_code(field));
  const bool dnr = (field & NVME_SC_DNR) != 0;
  out.kind = classify(sct, sc);
  out.do_not_retry = dnr;
  out.text = fmt::format("NVMe status 0x{:03x} (SCT {:x}h SC {:02x}h{}{}): {}", field, sct, sc,
                         dnr ? ", DNR" : "", (field & NVME_SC_MORE) != 0 ? ", More" : "",
                         nvme_status_text(field));
  return out;
}

std::optional<NvmeControllerIdentity> parse_identify_controller(std::span<const std::uint8_t> data) {
  if (data.size() < kNvmeIdentifyBytes) return std::nullopt;
  const auto ctrl = copy_structure<nvme_id_ctrl>(data);
  NvmeControllerIdentity id;
  id.pci_vendor_id = sg_get_unaligned_le16(&ctrl.vid);
  id.serial = ascii_field(ctrl.sn);
  id.model = ascii_field(ctrl.mn);
  id.firmware = ascii_field(ctrl.fr);
  id.mdts = ctrl.mdts;
  id.version = sg_get_unaligned_le32(&ctrl.ver);
  id.namespace_count = sg_get_unaligned_le32(&ctrl.nn);
  id.error_log_entries = std::uint32_t{ctrl.elpe} + 1;
  if (id.model.empty() && id.serial.empty()) return std::nullopt;  // nothing answered
  return id;
}

std::optional<NvmeNamespaceIdentity> parse_identify_namespace(std::span<const std::uint8_t> data) {
  if (data.size() < kNvmeIdentifyBytes) return std::nullopt;
  const auto id_ns = copy_structure<nvme_id_ns>(data);
  NvmeNamespaceIdentity ns;
  ns.size_blocks = sg_get_unaligned_le64(&id_ns.nsze);
  ns.capacity_blocks = sg_get_unaligned_le64(&id_ns.ncap);
  ns.utilization_blocks = sg_get_unaligned_le64(&id_ns.nuse);
  if (ns.size_blocks == 0) return std::nullopt;  // inactive namespace
  const std::uint8_t nlbaf = id_ns.nlbaf;  // 0's based
  const std::uint8_t flbas = id_ns.flbas;
  // FLBAS bits 3:0 = format index (3:0); bits 6:5 = index (5:4) when more
  // than 16 formats exist (NVMe 2.0).
  ns.lba_format = static_cast<std::uint8_t>((flbas & 0x0f) | (nlbaf >= 16 ? ((flbas >> 5) & 0x3) << 4 : 0));
  if (ns.lba_format > nlbaf || ns.lba_format >= 64) return std::nullopt;
  const nvme_lbaf& lbaf = id_ns.lbaf[ns.lba_format];
  // LBADS (a power of two) within commands/block_size.h's bounds: 512 B to 64 KiB.
  if (lbaf.ds < 9 || (std::uint64_t{1} << std::min<unsigned>(lbaf.ds, 63)) > kMaxLogicalBlockBytes) return std::nullopt;
  ns.block_bytes = 1u << lbaf.ds;
  ns.metadata_bytes = sg_get_unaligned_le16(&lbaf.ms);
  ns.metadata_extended = (flbas & 0x10) != 0;
  ns.protection = id_ns.dps & 0x07;
  return ns;
}

std::optional<std::uint64_t> nvme_max_transfer_bytes(std::uint8_t mdts, std::uint32_t min_page_bytes) {
  if (mdts == 0) return std::nullopt;
  if (mdts >= 32) return std::uint64_t{1} << 63;  // absurd value: effectively no limit
  return std::uint64_t{min_page_bytes} << mdts;
}

}  // namespace ptrescue::commands
