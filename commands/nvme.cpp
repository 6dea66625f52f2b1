#include "commands/nvme.h"

#include <cstddef>

// libnvme 1.3's headers lack C++ guards and need size_t declared first.
extern "C" {
#include <nvme/types.h>
#include <nvme/util.h>
}

#include <fmt/format.h>

#include "commands/allow_list.h"
#include "commands/ascii_field.h"
#include "commands/byte_order.h"

namespace ptrescue::commands {

// The Identify data layouts come from libnvme (offsetof below); the fields
// are read from the raw bytes as little-endian, the NVMe byte order.
static_assert(sizeof(nvme_id_ctrl) == kNvmeIdentifyBytes);
static_assert(sizeof(nvme_id_ns) == kNvmeIdentifyBytes);
static_assert(sizeof(nvme_lbaf) == 4);

namespace {

std::span<const std::uint8_t> field_bytes(std::span<const std::uint8_t> data, std::size_t offset,
                                          std::size_t size) {
  return data.subspan(offset, size);
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
  cmd.opcode = nvme_opcode::kIoRead;
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
  cmd.opcode = nvme_opcode::kAdminIdentify;
  cmd.cdw10 = kNvmeCnsController;
  cmd.direction = DataDirection::kFromDevice;
  cmd.transfer_bytes = kNvmeIdentifyBytes;
  return require_allowed(cmd);
}

NvmeCommand nvme_identify_namespace(std::uint32_t nsid) {
  NvmeCommand cmd;
  cmd.admin = true;
  cmd.opcode = nvme_opcode::kAdminIdentify;
  cmd.nsid = nsid;
  cmd.cdw10 = kNvmeCnsNamespace;
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
  cmd.opcode = nvme_opcode::kAdminGetLogPage;
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
  const NvmeStatus st = decode_nvme_status(field);
  out.kind = classify(st.sct, st.sc);
  out.do_not_retry = st.dnr;
  out.text = fmt::format("NVMe status 0x{:03x} (SCT {:x}h SC {:02x}h{}{}): {}", field, st.sct, st.sc,
                         st.dnr ? ", DNR" : "", st.more ? ", More" : "", nvme_status_text(field));
  return out;
}

std::optional<NvmeControllerIdentity> parse_identify_controller(std::span<const std::uint8_t> data) {
  if (data.size() < kNvmeIdentifyBytes) return std::nullopt;
  NvmeControllerIdentity id;
  id.pci_vendor_id = static_cast<std::uint16_t>(get_le(data, offsetof(nvme_id_ctrl, vid), 2));
  id.serial = ascii_field(field_bytes(data, offsetof(nvme_id_ctrl, sn), sizeof(nvme_id_ctrl::sn)));
  id.model = ascii_field(field_bytes(data, offsetof(nvme_id_ctrl, mn), sizeof(nvme_id_ctrl::mn)));
  id.firmware = ascii_field(field_bytes(data, offsetof(nvme_id_ctrl, fr), sizeof(nvme_id_ctrl::fr)));
  id.mdts = data[offsetof(nvme_id_ctrl, mdts)];
  id.version = static_cast<std::uint32_t>(get_le(data, offsetof(nvme_id_ctrl, ver), 4));
  id.namespace_count = static_cast<std::uint32_t>(get_le(data, offsetof(nvme_id_ctrl, nn), 4));
  id.error_log_entries = std::uint32_t{data[offsetof(nvme_id_ctrl, elpe)]} + 1;
  if (id.model.empty() && id.serial.empty()) return std::nullopt;  // nothing answered
  return id;
}

std::optional<NvmeNamespaceIdentity> parse_identify_namespace(std::span<const std::uint8_t> data) {
  if (data.size() < kNvmeIdentifyBytes) return std::nullopt;
  NvmeNamespaceIdentity ns;
  ns.size_blocks = get_le(data, offsetof(nvme_id_ns, nsze), 8);
  ns.capacity_blocks = get_le(data, offsetof(nvme_id_ns, ncap), 8);
  if (ns.size_blocks == 0) return std::nullopt;  // inactive namespace
  const std::uint8_t nlbaf = data[offsetof(nvme_id_ns, nlbaf)];  // 0's based
  const std::uint8_t flbas = data[offsetof(nvme_id_ns, flbas)];
  // FLBAS bits 3:0 = format index (3:0); bits 6:5 = index (5:4) when more
  // than 16 formats exist (NVMe 2.0).
  ns.lba_format = static_cast<std::uint8_t>((flbas & 0x0f) | (nlbaf >= 16 ? ((flbas >> 5) & 0x3) << 4 : 0));
  if (ns.lba_format > nlbaf || ns.lba_format >= 64) return std::nullopt;
  const std::size_t lbaf = offsetof(nvme_id_ns, lbaf) + sizeof(nvme_lbaf) * ns.lba_format;
  const std::uint8_t lbads = data[lbaf + offsetof(nvme_lbaf, ds)];
  if (lbads < 9 || lbads > 24) return std::nullopt;
  ns.block_bytes = 1u << lbads;
  ns.metadata_bytes = static_cast<std::uint16_t>(get_le(data, lbaf + offsetof(nvme_lbaf, ms), 2));
  ns.metadata_extended = (flbas & 0x10) != 0;
  ns.protection = data[offsetof(nvme_id_ns, dps)] & 0x07;
  return ns;
}

std::optional<std::uint64_t> nvme_max_transfer_bytes(std::uint8_t mdts, std::uint32_t min_page_bytes) {
  if (mdts == 0) return std::nullopt;
  if (mdts >= 32) return std::uint64_t{1} << 63;  // absurd value: effectively no limit
  return std::uint64_t{min_page_bytes} << mdts;
}

}  // namespace ptrescue::commands
