// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/scsi.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include <scsi/sg_unaligned.h>

#include "commands/allow_list.h"
#include "commands/ascii_field.h"

namespace ptrescue::commands {

// SAT-5 ATA Information VPD page: 60 bytes of header, then IDENTIFY data.
static_assert(kAtaInformationVpdBytes == 60 + sizeof(AtaInformationVpd::identify));
static_assert(kModeHeader10Bytes + kControlModePageBytes == 20);

namespace {

ScsiCdb make_cdb(std::uint8_t opcode, std::uint8_t length, DataDirection direction,
                 std::uint32_t transfer_bytes) {
  ScsiCdb cdb;
  cdb.bytes[0] = opcode;
  cdb.length = length;
  cdb.direction = direction;
  cdb.transfer_bytes = transfer_bytes;
  return cdb;
}

std::uint32_t read_bytes(std::uint32_t blocks, std::uint32_t block_bytes) {
  if (block_bytes == 0) throw CommandRefused("SCSI read with a zero block size");
  const std::uint64_t bytes = std::uint64_t{blocks} * block_bytes;
  if (bytes > std::numeric_limits<std::uint32_t>::max())
    throw CommandRefused(fmt::format("SCSI read of {} bytes is too large", bytes));
  return static_cast<std::uint32_t>(bytes);
}

ScsiCdb data_in(std::uint8_t opcode, std::uint8_t length, std::uint32_t allocation_length) {
  return make_cdb(opcode, length, DataDirection::kFromDevice, allocation_length);
}

}  // namespace

ScsiCdb scsi_read16(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  if (blocks == 0) throw CommandRefused("READ(16) of 0 blocks (transfers nothing)");
  if (blocks - 1 > std::numeric_limits<std::uint64_t>::max() - lba)
    throw CommandRefused("READ(16) past the last addressable LBA");
  ScsiCdb cdb = make_cdb(scsi_opcode::kRead16, 16, DataDirection::kFromDevice,
                         read_bytes(blocks, block_bytes));
  // Byte 1 (RDPROTECT, DPO, FUA, RARC) = 0: a plain read, no protection checks.
  sg_put_unaligned_be64(lba, cdb.bytes.data() + 2);
  sg_put_unaligned_be32(blocks, cdb.bytes.data() + 10);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_read10(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  if (!fits_read10(lba, blocks))
    throw CommandRefused(fmt::format("READ(10) cannot address {} blocks at LBA {}", blocks, lba));
  ScsiCdb cdb = make_cdb(scsi_opcode::kRead10, 10, DataDirection::kFromDevice,
                         read_bytes(blocks, block_bytes));
  sg_put_unaligned_be32(lba, cdb.bytes.data() + 2);
  sg_put_unaligned_be16(blocks, cdb.bytes.data() + 7);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_read_capacity10() { return require_allowed(data_in(scsi_opcode::kReadCapacity10, 10, 8)); }

ScsiCdb scsi_read_capacity16() {
  constexpr std::uint32_t kAllocation = 32;
  ScsiCdb cdb = data_in(scsi_opcode::kServiceActionIn16, 16, kAllocation);
  cdb.bytes[1] = scsi_opcode::kReadCapacity16ServiceAction;
  sg_put_unaligned_be32(kAllocation, cdb.bytes.data() + 10);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_inquiry(std::uint16_t allocation_length) {
  ScsiCdb cdb = data_in(scsi_opcode::kInquiry, 6, allocation_length);
  sg_put_unaligned_be16(allocation_length, cdb.bytes.data() + 3);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_inquiry_vpd(std::uint8_t page, std::uint16_t allocation_length) {
  ScsiCdb cdb = data_in(scsi_opcode::kInquiry, 6, allocation_length);
  cdb.bytes[1] = 0x01;  // EVPD
  cdb.bytes[2] = page;
  sg_put_unaligned_be16(allocation_length, cdb.bytes.data() + 3);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_test_unit_ready() {
  return require_allowed(make_cdb(scsi_opcode::kTestUnitReady, 6, DataDirection::kNone, 0));
}

ScsiCdb scsi_request_sense(bool descriptor, std::uint8_t allocation_length) {
  ScsiCdb cdb = data_in(scsi_opcode::kRequestSense, 6, allocation_length);
  cdb.bytes[1] = descriptor ? 0x01 : 0x00;
  cdb.bytes[4] = allocation_length;
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_log_sense(std::uint8_t page, std::uint8_t subpage, std::uint16_t allocation_length) {
  if (page > 0x3f) throw CommandRefused("LOG SENSE page code above 3Fh");
  ScsiCdb cdb = data_in(scsi_opcode::kLogSense, 10, allocation_length);
  cdb.bytes[2] = static_cast<std::uint8_t>(0x40 | page);  // PC = 01b: cumulative values
  cdb.bytes[3] = subpage;
  sg_put_unaligned_be16(allocation_length, cdb.bytes.data() + 7);
  return require_allowed(std::move(cdb));
}

ScsiCdb scsi_mode_sense10_control(ModePageControl pc, std::uint16_t allocation_length) {
  ScsiCdb cdb = data_in(scsi_opcode::kModeSense10, 10, allocation_length);
  cdb.bytes[1] = 0x08;  // DBD: no block descriptors
  cdb.bytes[2] = static_cast<std::uint8_t>((static_cast<std::uint8_t>(pc) << 6) | kControlModePage);
  sg_put_unaligned_be16(allocation_length, cdb.bytes.data() + 7);
  return require_allowed(std::move(cdb));
}

std::optional<ControlModePage> parse_control_mode_page(std::span<const std::uint8_t> data) {
  // Mode parameter header(10): MODE DATA LENGTH (bytes 0-1) counts the bytes
  // after itself; BLOCK DESCRIPTOR LENGTH is bytes 6-7.
  if (data.size() < kModeHeader10Bytes) return std::nullopt;
  const std::size_t length = std::min<std::size_t>(data.size(), 2 + sg_get_unaligned_be16(data.data()));
  const std::size_t page = kModeHeader10Bytes + sg_get_unaligned_be16(data.data() + 6);
  if (page + kControlModePageBytes > length) return std::nullopt;
  // PS (bit 7) may be set; SPF (bit 6) must be clear for the 0Ah page itself.
  if ((data[page] & 0x7f) != kControlModePage || data[page + 1] != kControlModePageBytes - 2)
    return std::nullopt;
  ControlModePage out;
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(page), kControlModePageBytes,
              out.bytes.begin());
  return out;
}

ScsiCdb scsi_mode_select10_d_sense(const ControlModePage& current, bool d_sense) {
  constexpr std::uint32_t kListBytes = kModeHeader10Bytes + kControlModePageBytes;
  ScsiCdb cdb = make_cdb(scsi_opcode::kModeSelect10, 10, DataDirection::kToDevice, kListBytes);
  cdb.bytes[1] = 0x10;  // PF = 1 (page format), SP = 0 (do not save)
  sg_put_unaligned_be16(kListBytes, cdb.bytes.data() + 7);
  // The mode parameter header(10) is all zero: MODE DATA LENGTH is reserved
  // in MODE SELECT, medium type and device-specific parameter 0, no block
  // descriptors.
  cdb.data_out.assign(kModeHeader10Bytes, 0);
  cdb.data_out.insert(cdb.data_out.end(), current.bytes.begin(), current.bytes.end());
  auto page = std::span(cdb.data_out).subspan(kModeHeader10Bytes);
  page[0] &= 0x3f;  // PS is reserved in MODE SELECT
  page[2] = static_cast<std::uint8_t>(d_sense ? (page[2] | 0x04) : (page[2] & ~0x04));
  return require_allowed(std::move(cdb));
}

std::optional<ReadCapacity> parse_read_capacity16(std::span<const std::uint8_t> data) {
  if (data.size() < 12) return std::nullopt;
  ReadCapacity rc;
  rc.last_lba = sg_get_unaligned_be64(data.data());
  rc.block_bytes = static_cast<std::uint32_t>(sg_get_unaligned_be32(data.data() + 8));
  if (rc.block_bytes == 0 || rc.last_lba == std::numeric_limits<std::uint64_t>::max())
    return std::nullopt;
  if (data.size() >= 13) {
    rc.protection_enabled = (data[12] & 0x01) != 0;
    rc.protection_type = (data[12] >> 1) & 0x07;
  }
  if (data.size() >= 14) rc.logical_per_physical_exponent = data[13] & 0x0f;
  if (data.size() >= 16) rc.lowest_aligned_lba = static_cast<std::uint16_t>(sg_get_unaligned_be16(data.data() + 14) & 0x3fff);
  return rc;
}

std::optional<ReadCapacity> parse_read_capacity10(std::span<const std::uint8_t> data) {
  if (data.size() < 8) return std::nullopt;
  ReadCapacity rc;
  rc.last_lba = sg_get_unaligned_be32(data.data());
  rc.block_bytes = static_cast<std::uint32_t>(sg_get_unaligned_be32(data.data() + 4));
  if (rc.last_lba == 0xffffffff || rc.block_bytes == 0) return std::nullopt;
  return rc;
}

std::optional<InquiryData> parse_inquiry(std::span<const std::uint8_t> data) {
  if (data.size() < 5) return std::nullopt;
  const std::size_t length = std::min<std::size_t>(data.size(), 5u + data[4]);
  if (length < 36) return std::nullopt;
  InquiryData inq;
  inq.peripheral_qualifier = data[0] >> 5;
  inq.device_type = data[0] & 0x1f;
  inq.removable = (data[1] & 0x80) != 0;
  inq.version = data[2];
  inq.vendor = ascii_field(data.subspan(8, 8));
  inq.product = ascii_field(data.subspan(16, 16));
  inq.revision = ascii_field(data.subspan(32, 4));
  return inq;
}

std::optional<std::string> parse_unit_serial_vpd(std::span<const std::uint8_t> data) {
  if (data.size() < 4 || data[1] != 0x80) return std::nullopt;
  const std::size_t length = std::min<std::size_t>(data.size(), 4 + sg_get_unaligned_be16(data.data() + 2));
  return ascii_field(data.subspan(4, length - 4));
}

std::optional<AtaInformationVpd> parse_ata_information_vpd(std::span<const std::uint8_t> data) {
  if (data.size() < kAtaInformationVpdBytes || data[1] != 0x89) return std::nullopt;
  if (std::size_t{4} + sg_get_unaligned_be16(data.data() + 2) < kAtaInformationVpdBytes) return std::nullopt;
  AtaInformationVpd vpd;
  vpd.sat_vendor = ascii_field(data.subspan(8, 8));
  vpd.sat_product = ascii_field(data.subspan(16, 16));
  vpd.sat_revision = ascii_field(data.subspan(32, 4));
  vpd.command_code = data[56];
  std::copy_n(data.begin() + 60, vpd.identify.size(), vpd.identify.begin());
  return vpd;
}

}  // namespace ptrescue::commands
