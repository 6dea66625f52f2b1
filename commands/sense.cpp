// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/sense.h"

#include <scsi/sg_lib.h>

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

namespace ptrescue::commands {

namespace {

// sg_get_asc_ascq_str() prefixes its text with this; the prefix adds nothing
// to our one-line texts.
constexpr std::string_view kAdditionalSensePrefix = "Additional sense: ";

// Descriptor format (SPC-5 4.4.2): the length up to the last descriptor
// that is wholly present. libsgutils2 checks only that a descriptor starts
// inside the buffer, then reads its whole body (a SEGV the sense fuzzer found
// in sg_get_sense_info_fld): a cut descriptor is dropped before it is asked.
std::size_t whole_descriptors_length(std::span<const std::uint8_t> sense, std::size_t length) {
  std::size_t end = 8;
  while (end + 2 <= length) {
    const std::size_t next = end + 2 + sense[end + 1];
    if (next > length) break;
    end = next;
  }
  return end;
}

}  // namespace

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(bytes.size(), 32);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ' ';
    out += fmt::format("{:02x}", bytes[i]);
  }
  if (bytes.size() > n) out += " ...";
  return out;
}

std::string sense_key_name(std::uint8_t key) {
  std::array<char, 80> buf{};
  sg_get_sense_key_str(key, static_cast<int>(buf.size()), buf.data());
  return buf.data();
}

std::string asc_ascq_text(std::uint8_t asc, std::uint8_t ascq) {
  std::array<char, 160> buf{};
  sg_get_asc_ascq_str(asc, ascq, static_cast<int>(buf.size()), buf.data());
  std::string_view text(buf.data());
  if (text.starts_with(kAdditionalSensePrefix)) text.remove_prefix(kAdditionalSensePrefix.size());
  return std::string(text);
}

std::optional<SenseData> decode_sense(std::span<const std::uint8_t> sense) {
  // SPC-5 4.4.2/4.4.3: bytes 0..7 are present in both formats; byte 7 is
  // the ADDITIONAL SENSE LENGTH in both.
  if (sense.size() < 8) return std::nullopt;
  const std::uint8_t response_code = sense[0] & 0x7f;
  if (response_code < 0x70 || response_code > 0x73) return std::nullopt;
  std::size_t length = std::min<std::size_t>(sense.size(), 8u + sense[7]);
  if (response_code >= 0x72) length = whole_descriptors_length(sense, length);

  sg_scsi_sense_hdr hdr{};
  if (!sg_scsi_normalize_sense(sense.data(), static_cast<int>(length), &hdr)) return std::nullopt;

  SenseData s;
  s.response_code = response_code;
  s.descriptor_format = response_code >= 0x72;
  s.deferred = response_code == 0x71 || response_code == 0x73;
  s.sense_key = hdr.sense_key & 0x0f;
  s.asc = hdr.asc;
  s.ascq = hdr.ascq;
  s.length = length;
  // Fixed: INFORMATION is bytes 3..6 and only meaningful with VALID (byte 0
  // bit 7). Descriptor: the Information descriptor (type 00h, SPC-5
  // 4.4.2.2) carries its own VALID bit. libsgutils2 returns VALID for both.
  std::uint64_t info = 0;
  if (sg_get_sense_info_fld(sense.data(), static_cast<int>(length), &info)) s.information = info;
  return s;
}

std::string sense_text(const SenseData& s) {
  std::string text = fmt::format("{}: {} ({:02x}/{:02x})", sense_key_name(s.sense_key),
                                 asc_ascq_text(s.asc, s.ascq), s.asc, s.ascq);
  if (s.information) text += fmt::format(", information 0x{:x}", *s.information);
  if (s.deferred) text += ", deferred error (from an earlier command)";
  return text;
}

ErrorKind kind_from_sense_key(const SenseData& s) {
  if (s.deferred) return ErrorKind::kOther;
  switch (s.sense_key) {
    case SPC_SK_RECOVERED_ERROR: return ErrorKind::kOk;
    case SPC_SK_NOT_READY: return ErrorKind::kNotReady;
    case SPC_SK_MEDIUM_ERROR: return ErrorKind::kMediaError;
    case SPC_SK_HARDWARE_ERROR: return ErrorKind::kHardwareError;
    case SPC_SK_ILLEGAL_REQUEST: return ErrorKind::kIllegalRequest;
    case SPC_SK_UNIT_ATTENTION: return ErrorKind::kUnitAttention;
    case SPC_SK_ABORTED_COMMAND: return ErrorKind::kAborted;
    default: return ErrorKind::kOther;  // NO SENSE, DATA PROTECT, MISCOMPARE, vendor...
  }
}

DecodedError undecodable_sense(std::span<const std::uint8_t> sense) {
  DecodedError out;
  out.kind = ErrorKind::kOther;
  out.text = sense.empty() ? "CHECK CONDITION without sense data"
                           : fmt::format("undecodable sense data ({} bytes: {})", sense.size(), hex_bytes(sense));
  return out;
}

DecodedError decode_scsi_read_error(std::span<const std::uint8_t> sense, std::uint64_t cmd_lba,
                                    std::uint32_t cmd_count) {
  const auto s = decode_sense(sense);
  if (!s) return undecodable_sense(sense);
  DecodedError out;
  out.kind = kind_from_sense_key(*s);
  out.text = sense_text(*s);
  if (out.kind == ErrorKind::kMediaError && s->information) {
    // SBC-4 4.18.x: for a MEDIUM ERROR on a read, INFORMATION is the LBA of
    // the first unrecoverable block. Trust it only inside the command.
    out.lba = bounded_lba(*s->information, cmd_lba, cmd_count);
    if (!out.lba) out.text += " (reported LBA outside the command's range, ignored)";
  }
  return out;
}

}  // namespace ptrescue::commands
