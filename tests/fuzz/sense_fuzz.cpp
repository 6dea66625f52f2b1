// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the pure protocol layer (commands/): the sense, ATA
// register and NVMe status decoders, the data-in parsers and the allow-list
// must take any bytes without crashing or undefined behaviour, and keep
// their promises:
//  - a decoded LBA is set only for a media error and lies inside the
//    command's range;
//  - a result other than ok always has a text;
//  - an ATA PASS-THROUGH(16) or (12) CDB the allow-list admits is one our
//    encoder produces byte for byte from the decoded taskfile, and a
//    12-byte one carries neither a 48-bit nor a data-out command.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "commands/allow_list.h"
#include "commands/ata_identify.h"
#include "commands/nvme.h"
#include "commands/sat.h"
#include "commands/scsi.h"
#include "commands/sense.h"

namespace {

using namespace ptrescue::commands;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "sense_fuzz: %s\n", what);
    std::abort();
  }
}

std::uint64_t le(std::span<const std::uint8_t> b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i > 0; --i) v = (v << 8) | b[i - 1];
  return v;
}

void check_decoded(const DecodedError& e, std::uint64_t lba, std::uint32_t count) {
  if (e.kind != ErrorKind::kOk) check(!e.text.empty(), "error without text");
  if (e.lba) {
    check(e.kind == ErrorKind::kMediaError, "LBA on something other than a media error");
    check(*e.lba >= lba && *e.lba - lba < count, "LBA outside the command's range");
  }
}

void decoders(std::span<const std::uint8_t> sense, std::uint64_t lba, std::uint32_t count) {
  (void)decode_sense(sense);
  (void)ata_registers_from_sense(sense);
  check_decoded(decode_scsi_read_error(sense, lba, count), lba, count);
  check_decoded(decode_ata_read_error(sense, lba, count), lba, count);
}

void parsers(std::span<const std::uint8_t> data) {
  (void)parse_ata_identify(data);
  (void)parse_read_capacity16(data);
  (void)parse_read_capacity10(data);
  (void)parse_inquiry(data);
  (void)parse_unit_serial_vpd(data);
  (void)parse_ata_information_vpd(data);
  (void)parse_control_mode_page(data);
  // The 4096-byte NVMe pages: the input repeated to size.
  if (!data.empty()) {
    std::vector<std::uint8_t> page(kNvmeIdentifyBytes);
    for (std::size_t i = 0; i < page.size(); ++i) page[i] = data[i % data.size()];
    (void)parse_identify_controller(page);
    if (const auto ns = parse_identify_namespace(page)) {
      check(ns->block_bytes >= 512, "namespace block size below 512");
    }
  }
  if (data.size() >= kAtaIdentifyBytes) {
    if (const auto id = parse_ata_identify(data)) {
      check(id->logical_sector_bytes >= 512, "ATA logical sector below 512");
      check(id->physical_sector_bytes >= id->logical_sector_bytes, "physical below logical");
    }
  }
}

void allow_list(std::span<const std::uint8_t> data) {
  if (data.size() < 18) return;
  ScsiCdb cdb;
  cdb.length = static_cast<std::uint8_t>(data[0] % 17);
  for (std::size_t i = 0; i < 16; ++i) cdb.bytes[i] = data[2 + i];
  cdb.direction = static_cast<DataDirection>(data[1] % 3);
  cdb.transfer_bytes = static_cast<std::uint32_t>(data.size() - 18) * 512;
  if (cdb.direction == DataDirection::kToDevice) cdb.data_out.assign(data.begin() + 18, data.end());
  const bool allowed = is_allowed(cdb);
  if (allowed && cdb.opcode() == kAtaPassThrough16) {
    const auto tf = taskfile_from_pass_through16(cdb);
    check(tf.has_value(), "allowed ATA PASS-THROUGH without a taskfile");
    if (tf->protocol != AtaProtocol::kHardReset && tf->protocol != AtaProtocol::kSoftReset) {
      const bool ck = (cdb.bytes[2] & 0x20) != 0;
      check(ata_pass_through16(*tf, ck) == cdb, "allowed CDB differs from its re-encoding");
    }
  }
  if (allowed && cdb.opcode() == kAtaPassThrough12) {
    const auto tf = taskfile_from_pass_through12(cdb);
    check(tf.has_value(), "allowed ATA PASS-THROUGH(12) without a taskfile");
    check(!tf->ext && tf->direction != DataDirection::kToDevice, "ATA PASS-THROUGH(12) admitted a 48-bit or data-out command");
    const bool ck = (cdb.bytes[2] & 0x20) != 0;
    check(ata_pass_through12(*tf, ck) == cdb, "allowed 12-byte CDB differs from its re-encoding");
  }

  NvmeCommand nvme;
  nvme.admin = (data[1] & 0x80) != 0;
  nvme.opcode = data[2];
  nvme.nsid = static_cast<std::uint32_t>(le(data.subspan(3), 4));
  nvme.cdw10 = static_cast<std::uint32_t>(le(data.subspan(7), 4));
  nvme.cdw11 = static_cast<std::uint32_t>(le(data.subspan(11), 4));
  nvme.direction = static_cast<DataDirection>(data[15] % 3);
  nvme.transfer_bytes = static_cast<std::uint32_t>(le(data.subspan(16), 2)) * 4;
  if (is_allowed(nvme)) {
    check(nvme.opcode == 0x02 || (nvme.admin && nvme.opcode == 0x06), "unexpected NVMe opcode allowed");
    check(nvme.direction == DataDirection::kFromDevice, "allowed NVMe command is not a read");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);

  // The whole input as sense data, for a one-sector and a large command.
  decoders(in, 2000, 1);
  decoders(in, 0, 65536);
  // The first 12 bytes as the command's range, the rest as sense data.
  if (size >= 12) {
    const std::uint64_t lba = le(in, 8);
    const auto count = static_cast<std::uint32_t>(le(in.subspan(8), 4));
    if (count != 0 && count - 1 <= ~std::uint64_t{0} - lba) decoders(in.subspan(12), lba, count);
  }
  if (size >= 4) {
    const auto status = static_cast<std::uint32_t>(le(in, 4));
    const DecodedError e = decode_nvme_error(status);
    check(!e.lba, "NVMe error with an LBA");
    check(e.kind == ErrorKind::kOk || !e.text.empty(), "NVMe error without text");
  }
  parsers(in);
  allow_list(in);
  return 0;
}
