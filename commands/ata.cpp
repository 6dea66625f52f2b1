// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/ata.h"

#include <limits>

#include <fmt/format.h>

#include <scsi/sg_unaligned.h>

#include "commands/allow_list.h"

namespace ptrescue::commands {

static_assert(sct::kKeyPageBytes == 512, "one SMART log page");

namespace {

constexpr std::uint64_t kLba48Limit = 1ull << 48;

// READ SECTORS (EXT) / READ DMA (EXT): ACS-4 gives them the same inputs:
// COUNT = sectors (0 = 65536 / 256), LBA = first sector, DEVICE bit 6 = 1.
AtaTaskfile read_taskfile(std::uint8_t command, bool ext, AtaProtocol protocol, std::uint64_t lba,
                          std::uint32_t blocks, std::uint32_t block_bytes) {
  const std::uint32_t max_blocks = ext ? kMaxSectorsExt : kMaxSectors28;
  if (blocks == 0 || blocks > max_blocks)
    throw CommandRefused(fmt::format("ATA read of {} sectors (must be 1..{})", blocks, max_blocks));
  if (block_bytes < 512 || block_bytes % 2 != 0)
    throw CommandRefused(fmt::format("ATA logical sector size {} is not valid", block_bytes));
  if (ext ? (lba >= kLba48Limit || blocks > kLba48Limit - lba) : !fits_lba28(lba, blocks))
    throw CommandRefused(fmt::format("ATA read of {} sectors at LBA {} does not fit {}-bit addressing",
                                     blocks, lba, ext ? 48 : 28));
  const std::uint64_t bytes = std::uint64_t{blocks} * block_bytes;
  if (bytes > std::numeric_limits<std::uint32_t>::max())
    throw CommandRefused(fmt::format("ATA read of {} bytes is too large", bytes));

  AtaTaskfile tf;
  tf.command = command;
  tf.ext = ext;
  tf.protocol = protocol;
  tf.lba = lba;
  tf.count = static_cast<std::uint16_t>(blocks == max_blocks ? 0 : blocks);
  tf.device = 0x40;  // LBA addressing
  tf.direction = DataDirection::kFromDevice;
  tf.transfer_bytes = static_cast<std::uint32_t>(bytes);
  tf.block_bytes = block_bytes;
  return require_allowed(std::move(tf));
}

// A PIO data-in command reading `pages` 512-byte pages.
AtaTaskfile pio_in(std::uint8_t command, std::uint16_t feature, std::uint64_t lba,
                   std::uint16_t pages, bool ext) {
  AtaTaskfile tf;
  tf.command = command;
  tf.feature = feature;
  tf.count = pages;
  tf.lba = lba;
  tf.ext = ext;
  tf.protocol = AtaProtocol::kPioDataIn;
  tf.direction = DataDirection::kFromDevice;
  tf.transfer_bytes = std::uint32_t{pages} * 512;
  return tf;
}

AtaTaskfile sct_erc(std::uint16_t function, std::uint16_t value) {
  // SCT key page (ACS-4 "SCT command format", "Error Recovery Control
  // command"): word 0 action code, word 1 function code, word 2 selection
  // code, word 3 value; the rest of the 512 bytes zero.
  std::vector<std::uint8_t> page(sct::kKeyPageBytes, 0);
  sg_put_unaligned_le16(sct::kActionErrorRecoveryControl, page.data());
  sg_put_unaligned_le16(function, page.data() + 2);
  sg_put_unaligned_le16(sct::kSelectionReadTimer, page.data() + 4);
  sg_put_unaligned_le16(value, page.data() + 6);

  // SMART WRITE LOG (B0h/D6h) of one page to the SCT Command/Status log.
  AtaTaskfile tf;
  tf.command = ata_opcode::kSmart;
  tf.feature = smart_feature::kWriteLog;
  tf.count = 1;
  tf.lba = kSmartLbaSignature | kSctCommandStatusLog;
  tf.protocol = AtaProtocol::kPioDataOut;
  tf.direction = DataDirection::kToDevice;
  tf.transfer_bytes = sct::kKeyPageBytes;
  tf.data_out = std::move(page);
  return require_allowed(std::move(tf));
}

}  // namespace

AtaTaskfile ata_read_sectors_ext(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  return read_taskfile(ata_opcode::kReadSectorsExt, true, AtaProtocol::kPioDataIn, lba, blocks,
                       block_bytes);
}

AtaTaskfile ata_read_dma_ext(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  return read_taskfile(ata_opcode::kReadDmaExt, true, AtaProtocol::kDma, lba, blocks, block_bytes);
}

AtaTaskfile ata_read_sectors(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  return read_taskfile(ata_opcode::kReadSectors, false, AtaProtocol::kPioDataIn, lba, blocks,
                       block_bytes);
}

AtaTaskfile ata_read_dma(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes) {
  return read_taskfile(ata_opcode::kReadDma, false, AtaProtocol::kDma, lba, blocks, block_bytes);
}

AtaTaskfile ata_identify_device() {
  // COUNT 1 is not required by ACS-4 but SAT's T_LENGTH = COUNT needs it.
  return require_allowed(pio_in(ata_opcode::kIdentifyDevice, 0, 0, 1, false));
}

AtaTaskfile ata_smart_read_data() {
  return require_allowed(
      pio_in(ata_opcode::kSmart, smart_feature::kReadData, kSmartLbaSignature, 1, false));
}

AtaTaskfile ata_smart_read_thresholds() {
  return require_allowed(
      pio_in(ata_opcode::kSmart, smart_feature::kReadThresholds, kSmartLbaSignature, 1, false));
}

AtaTaskfile ata_smart_return_status() {
  AtaTaskfile tf;
  tf.command = ata_opcode::kSmart;
  tf.feature = smart_feature::kReturnStatus;
  tf.lba = kSmartLbaSignature;
  tf.protocol = AtaProtocol::kNonData;
  return require_allowed(std::move(tf));
}

AtaTaskfile ata_smart_read_log(std::uint8_t log_address, std::uint8_t pages) {
  if (pages == 0) throw CommandRefused("SMART READ LOG of 0 pages");
  return require_allowed(pio_in(ata_opcode::kSmart, smart_feature::kReadLog,
                                kSmartLbaSignature | log_address, pages, false));
}

AtaTaskfile ata_read_log_ext(std::uint8_t log_address, std::uint16_t first_page,
                             std::uint16_t pages, bool dma) {
  if (pages == 0) throw CommandRefused("READ LOG EXT of 0 pages");
  const std::uint64_t lba = std::uint64_t{log_address} | std::uint64_t{first_page & 0xffu} << 8 |
                            std::uint64_t{first_page} >> 8 << 32;
  AtaTaskfile tf = pio_in(dma ? ata_opcode::kReadLogDmaExt : ata_opcode::kReadLogExt, 0, lba,
                          pages, true);
  if (dma) tf.protocol = AtaProtocol::kDma;
  return require_allowed(std::move(tf));
}

AtaTaskfile ata_sct_erc_set_read_timer(std::uint16_t deciseconds) {
  return sct_erc(sct::kFunctionSetCurrent, deciseconds);
}

AtaTaskfile ata_sct_erc_get_read_timer() { return sct_erc(sct::kFunctionReturnCurrent, 0); }

std::optional<std::uint16_t> sct_erc_timer_from_registers(const AtaRegisters& regs) {
  if (regs.lba_bits < 8) return std::nullopt;
  const std::uint8_t count_low = static_cast<std::uint8_t>(regs.count);
  const std::uint8_t lba_low = static_cast<std::uint8_t>(regs.lba);
  if (count_low == 1 && lba_low == kSctCommandStatusLog) return std::nullopt;  // unchanged inputs
  return static_cast<std::uint16_t>(count_low | (lba_low << 8));
}

std::optional<bool> smart_threshold_exceeded(const AtaRegisters& regs) {
  if (regs.lba_bits < 24) return std::nullopt;
  const std::uint64_t signature = regs.lba & 0xffff00;
  if (signature == kSmartLbaSignature) return false;
  if (signature == kSmartThresholdExceeded) return true;
  return std::nullopt;
}

}  // namespace ptrescue::commands
