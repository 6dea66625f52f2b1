// SPDX-License-Identifier: GPL-3.0-or-later
// NVMe builders (golden dwords), the status decoder (KERNEL-FACTS §3: QEMU's
// unrecovered read comes back as 0x281) and the Identify parsers, checked
// against byte offsets taken from the NVMe specification rather than from
// libnvme's structures the parser uses.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <scsi/sg_unaligned.h>

#include "commands/nvme.h"

namespace ptrescue::commands {
namespace {

void put_ascii(std::vector<std::uint8_t>& b, std::size_t at, std::size_t width, const std::string& s) {
  for (std::size_t i = 0; i < width; ++i) b[at + i] = i < s.size() ? s[i] : ' ';
}

TEST(NvmeBuilders, Read) {
  const NvmeCommand cmd = nvme_read(1, 0x123456789ull, 8, 512);
  EXPECT_FALSE(cmd.admin);
  EXPECT_EQ(cmd.opcode, 0x02);
  EXPECT_EQ(cmd.nsid, 1u);
  EXPECT_EQ(cmd.cdw10, 0x23456789u);
  EXPECT_EQ(cmd.cdw11, 0x1u);
  EXPECT_EQ(cmd.cdw12, 7u);  // NLB is 0's based
  EXPECT_EQ(cmd.cdw13, 0u);
  EXPECT_EQ(cmd.direction, DataDirection::kFromDevice);
  EXPECT_EQ(cmd.transfer_bytes, 4096u);

  const NvmeCommand lr = nvme_read(1, 2000, 65536, 512, true);
  EXPECT_EQ(lr.cdw12, 0x8000ffffu);  // Limited Retry | NLB 65535
  EXPECT_EQ(lr.transfer_bytes, 65536u * 512);
  // Extended LBAs: 4096 + 8 bytes of metadata per block.
  EXPECT_EQ(nvme_read(1, 0, 2, 4104).transfer_bytes, 8208u);
}

TEST(NvmeBuilders, ReadRefusesWhatDoesNotFit) {
  EXPECT_THROW(nvme_read(1, 0, 0, 512), CommandRefused);
  EXPECT_THROW(nvme_read(1, 0, 65537, 512), CommandRefused);
  EXPECT_THROW(nvme_read(1, 0, 1, 0), CommandRefused);
  EXPECT_THROW(nvme_read(1, ~0ull, 2, 512), CommandRefused);
  EXPECT_THROW(nvme_read(0, 0, 1, 512), CommandRefused);  // no namespace
}

TEST(NvmeBuilders, AdminCommands) {
  const NvmeCommand ctrl = nvme_identify_controller();
  EXPECT_TRUE(ctrl.admin);
  EXPECT_EQ(ctrl.opcode, 0x06);
  EXPECT_EQ(ctrl.nsid, 0u);
  EXPECT_EQ(ctrl.cdw10, 0x01u);
  EXPECT_EQ(ctrl.transfer_bytes, 4096u);

  const NvmeCommand ns = nvme_identify_namespace(1);
  EXPECT_EQ(ns.opcode, 0x06);
  EXPECT_EQ(ns.nsid, 1u);
  EXPECT_EQ(ns.cdw10, 0x00u);

  // SMART / Health Information (02h), 512 bytes = 128 dwords: NUMDL 127, RAE.
  const NvmeCommand log = nvme_get_log_page(0x02, 0xffffffff, 512);
  EXPECT_EQ(log.opcode, 0x02);
  EXPECT_EQ(log.cdw10, 0x007f8002u);
  EXPECT_EQ(log.cdw11, 0u);
  EXPECT_EQ(log.transfer_bytes, 512u);
  // 1 MiB at offset 4 GiB: NUMD = 262143 = 3FFFFh split into NUMDL/NUMDU.
  const NvmeCommand big = nvme_get_log_page(0x01, 0, 1u << 20, 1ull << 32);
  EXPECT_EQ(big.cdw10, 0xffff8001u);
  EXPECT_EQ(big.cdw11, 0x3u);
  EXPECT_EQ(big.cdw12, 0u);
  EXPECT_EQ(big.cdw13, 1u);
  EXPECT_THROW(nvme_get_log_page(0x02, 0, 510), CommandRefused);
  EXPECT_THROW(nvme_get_log_page(0x02, 0, 512, 2), CommandRefused);
}

TEST(NvmeStatus, QemuUnrecoveredReadIsAMediaError) {
  const DecodedError e = decode_nvme_error(0x281);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_FALSE(e.do_not_retry);
  EXPECT_FALSE(e.lba);
  EXPECT_NE(e.text.find("Unrecovered Read Error"), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("0x281"), std::string::npos) << e.text;
  EXPECT_TRUE(decode_nvme_error(0x4281).do_not_retry);
}

TEST(NvmeStatus, TheFieldIsSplitIntoTypeCodeAndFlags) {
  // SC 7:0, SCT 10:8, CRD 12:11, More 13, DNR 14.
  EXPECT_NE(decode_nvme_error(0x281).text.find("(SCT 2h SC 81h)"), std::string::npos);
  const DecodedError flagged = decode_nvme_error(0x7a81);  // DNR, More, CRD 3, SCT 2, SC 81h
  EXPECT_EQ(flagged.kind, ErrorKind::kMediaError);
  EXPECT_TRUE(flagged.do_not_retry);
  EXPECT_NE(flagged.text.find("(SCT 2h SC 81h, DNR, More)"), std::string::npos) << flagged.text;
}

TEST(NvmeStatus, Table) {
  struct Case {
    std::uint32_t status;
    ErrorKind kind;
  };
  const Case cases[] = {
      {0x000, ErrorKind::kOk},
      {0x281, ErrorKind::kMediaError},
      {0x280, ErrorKind::kAborted},          // Write Fault
      {0x282, ErrorKind::kAborted},          // End-to-end Guard Check Error
      {0x283, ErrorKind::kAborted},          // Application Tag Check
      {0x284, ErrorKind::kAborted},          // Reference Tag Check
      {0x285, ErrorKind::kAborted},          // Compare Failure
      {0x286, ErrorKind::kAborted},          // Access Denied
      {0x287, ErrorKind::kAborted},          // Deallocated or Unwritten Logical Block
      {0x2ff, ErrorKind::kOther},
      {0x007, ErrorKind::kAborted},          // Command Abort Requested
      {0x008, ErrorKind::kAborted},          // Aborted due to SQ Deletion
      {0x004, ErrorKind::kAborted},          // Data Transfer Error
      {0x021, ErrorKind::kAborted},          // Command Interrupted
      {0x371, ErrorKind::kAborted},          // Command Aborted By Host (Linux reset)
      {0x370, ErrorKind::kAborted},          // Host Pathing Error
      {0x302, ErrorKind::kNotReady},         // ANA Inaccessible
      {0x082, ErrorKind::kNotReady},         // Namespace Not Ready
      {0x084, ErrorKind::kNotReady},         // Format In Progress
      {0x01d, ErrorKind::kNotReady},         // Sanitize In Progress
      {0x001, ErrorKind::kIllegalRequest},   // Invalid Command Opcode
      {0x002, ErrorKind::kIllegalRequest},   // Invalid Field in Command
      {0x00b, ErrorKind::kIllegalRequest},   // Invalid Namespace or Format
      {0x080, ErrorKind::kIllegalRequest},   // LBA Out of Range
      {0x013, ErrorKind::kIllegalRequest},   // PRP Offset Invalid
      {0x006, ErrorKind::kHardwareError},    // Internal Error
      {0x181, ErrorKind::kOther},            // command specific
      {0x7ff, ErrorKind::kOther},            // vendor specific
      {0x8000, ErrorKind::kOther},           // not a status field
      {0xffffffff, ErrorKind::kOther},
  };
  for (const auto& c : cases) {
    const DecodedError e = decode_nvme_error(c.status);
    EXPECT_EQ(e.kind, c.kind) << std::hex << c.status << " " << e.text;
    EXPECT_FALSE(e.text.empty());
  }
  // DNR and More are reported whatever the code.
  const DecodedError e = decode_nvme_error(0x6002);
  EXPECT_EQ(e.kind, ErrorKind::kIllegalRequest);
  EXPECT_TRUE(e.do_not_retry);
  EXPECT_NE(e.text.find("DNR"), std::string::npos);
  EXPECT_NE(e.text.find("More"), std::string::npos);
}

TEST(NvmeIdentify, Controller) {
  std::vector<std::uint8_t> data(4096, 0);
  sg_put_unaligned_le16(0x1b36, data.data());           // VID
  put_ascii(data, 4, 20, "deadbeef");   // SN
  put_ascii(data, 24, 40, "QEMU NVMe Ctrl");
  put_ascii(data, 64, 8, "7.2.0");
  data[77] = 7;                         // MDTS
  sg_put_unaligned_le32(0x00010400, data.data() + 80);  // VER 1.4
  sg_put_unaligned_le32(256, data.data() + 516);        // NN
  const auto id = parse_identify_controller(data);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->pci_vendor_id, 0x1b36);
  EXPECT_EQ(id->serial, "deadbeef");
  EXPECT_EQ(id->model, "QEMU NVMe Ctrl");
  EXPECT_EQ(id->firmware, "7.2.0");
  EXPECT_EQ(id->mdts, 7);
  EXPECT_EQ(id->version, 0x00010400u);
  EXPECT_EQ(id->namespace_count, 256u);
  EXPECT_EQ(nvme_max_transfer_bytes(id->mdts), 512u * 1024);  // QEMU: 512 KiB
  EXPECT_FALSE(nvme_max_transfer_bytes(0));

  EXPECT_FALSE(parse_identify_controller(std::vector<std::uint8_t>(4095, 0x41)));
  EXPECT_FALSE(parse_identify_controller(std::vector<std::uint8_t>(4096, 0)));
}

std::vector<std::uint8_t> namespace_page(std::uint8_t nlbaf, std::uint8_t flbas) {
  std::vector<std::uint8_t> data(4096, 0);
  sg_put_unaligned_le64(0x1000000, data.data());       // NSZE
  sg_put_unaligned_le64(0x1000000, data.data() + 8);   // NCAP
  data[25] = nlbaf;
  data[26] = flbas;
  data[29] = 0;                    // DPS
  // LBA formats from byte 128, 4 bytes each: MS (2), LBADS (1), RP (1).
  sg_put_unaligned_le16(0, data.data() + 128 + 0 * 4);
  data[128 + 0 * 4 + 2] = 9;       // 512
  sg_put_unaligned_le16(8, data.data() + 128 + 1 * 4);
  data[128 + 1 * 4 + 2] = 12;      // 4096 + 8 bytes metadata
  data[128 + 17 * 4 + 2] = 12;     // format 17 (NVMe 2.0: > 16 formats)
  return data;
}

TEST(NvmeIdentify, NamespaceFormats) {
  auto ns = parse_identify_namespace(namespace_page(1, 0x00));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->size_blocks, 0x1000000u);
  EXPECT_EQ(ns->capacity_blocks, 0x1000000u);
  EXPECT_EQ(ns->lba_format, 0);
  EXPECT_EQ(ns->block_bytes, 512u);
  EXPECT_EQ(ns->transfer_block_bytes(), 512u);

  ns = parse_identify_namespace(namespace_page(1, 0x11));  // format 1, extended LBA
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->block_bytes, 4096u);
  EXPECT_EQ(ns->metadata_bytes, 8);
  EXPECT_TRUE(ns->metadata_extended);
  EXPECT_EQ(ns->transfer_block_bytes(), 4104u);

  ns = parse_identify_namespace(namespace_page(1, 0x01));  // separate metadata buffer
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->transfer_block_bytes(), 4096u);

  // Format index 17 = FLBAS bits 3:0 = 1, bits 6:5 = 01b (NLBAF > 16).
  ns = parse_identify_namespace(namespace_page(20, 0x21));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->lba_format, 17);
  EXPECT_EQ(ns->block_bytes, 4096u);
  // With 16 formats or fewer, bits 6:5 are not part of the index.
  ns = parse_identify_namespace(namespace_page(15, 0x21));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->lba_format, 1);
}

TEST(NvmeIdentify, NamespaceRejectsInactiveAndBadFormats) {
  EXPECT_FALSE(parse_identify_namespace(std::vector<std::uint8_t>(4096, 0)));  // inactive
  EXPECT_FALSE(parse_identify_namespace(namespace_page(1, 0x02)));             // index > NLBAF
  auto bad = namespace_page(3, 0x02);                                         // format 2: LBADS 0
  EXPECT_FALSE(parse_identify_namespace(bad));
  bad[128 + 2 * 4 + 2] = 17;  // LBADS 17: 128 KiB blocks, beyond 64 KiB
  EXPECT_FALSE(parse_identify_namespace(bad));
  bad[128 + 2 * 4 + 2] = 16;  // 64 KiB: the largest accepted
  EXPECT_TRUE(parse_identify_namespace(bad));
  EXPECT_FALSE(parse_identify_namespace(std::vector<std::uint8_t>(100, 0x11)));
}

}  // namespace
}  // namespace ptrescue::commands
