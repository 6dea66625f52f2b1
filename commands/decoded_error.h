// SPDX-License-Identifier: GPL-3.0-or-later
// What a failed (or not quite failed) read command means, decoded from the
// bytes the drive returned: sense data, ATA registers or an NVMe status. The
// transport layer maps an ErrorKind onto its own outcome type; commands/
// knows nothing of transport/.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace ptrescue::commands {

enum class ErrorKind : std::uint8_t {
  kOk,              ///< The data is good (includes RECOVERED ERROR and the CK_COND register return).
  kMediaError,      ///< Unrecoverable read error (ATA UNC, MEDIUM ERROR, NVMe 2h/81h).
  kTimeout,         ///< The host gave up on the command (libata's report of a timed-out ATA command).
  kAborted,         ///< The drive or the transport aborted the command (ATA ABRT, ABORTED COMMAND).
  kNotReady,        ///< NOT READY, namespace not ready, format/sanitize in progress.
  kIllegalRequest,  ///< The command was rejected (invalid field, LBA out of range, unsupported).
  kUnitAttention,   ///< UNIT ATTENTION (reset, power on, media change): retry the command.
  kHardwareError,   ///< HARDWARE ERROR, ATA device fault, NVMe internal error.
  kOther,           ///< Anything else, including sense data that cannot be decoded.
};

/// One word per kind, for logs: ok, media, timeout, aborted, not-ready,
/// illegal, unit-attention, hardware, other.
std::string_view kind_word(ErrorKind k);
std::ostream& operator<<(std::ostream& os, ErrorKind k);  // kind_word(), for logs and tests

struct DecodedError {
  ErrorKind kind = ErrorKind::kOther;
  /// First failing LBA the drive reported; set only for kMediaError and only
  /// when it lies inside the command's own range [lba, lba + count).
  std::optional<std::uint64_t> lba;
  /// The drive reported only the low bits of the LBA (Linux < 6.11 fixed
  /// format sense: 8 bits; SAT fixed format with LBA UPPER NONZERO: 24 bits);
  /// the high bits were taken from the command's range, where exactly one
  /// LBA matches the reported low bits.
  bool lba_inferred = false;
  /// NVMe Do Not Retry: the controller says the same command will fail again.
  bool do_not_retry = false;
  /// Human-readable decode for logs (never empty when kind != kOk).
  std::string text;
};

/// The LBA a drive reported, kept only when it lies in [first, first + count).
constexpr std::optional<std::uint64_t> bounded_lba(std::uint64_t reported, std::uint64_t first,
                                                   std::uint64_t count) {
  if (reported >= first && reported - first < count) return reported;
  return std::nullopt;
}
static_assert(bounded_lba(5, 5, 1) == 5 && !bounded_lba(6, 5, 1) && !bounded_lba(4, 5, 8));

/// Completes an LBA of which only the low `known_bits` bits were reported,
/// using the command's range [first, first + count): the result is the one
/// LBA in the range with those low bits, or nullopt if there is none or more
/// than one.
constexpr std::optional<std::uint64_t> infer_lba(std::uint64_t low_bits, unsigned known_bits,
                                                 std::uint64_t first, std::uint64_t count) {
  if (count == 0) return std::nullopt;
  if (known_bits >= 64) return bounded_lba(low_bits, first, count);
  const std::uint64_t modulus = std::uint64_t{1} << known_bits;
  const std::uint64_t want = low_bits & (modulus - 1);
  const std::uint64_t candidate = first + ((want - first) & (modulus - 1));
  if (candidate < first || candidate - first >= count) return std::nullopt;  // none in range
  if (count > modulus && candidate - first + modulus < count) return std::nullopt;  // ambiguous
  return candidate;
}
static_assert(infer_lba(0xd0, 8, 2000, 1) == 2000);          // 2000 = 0x7d0
static_assert(infer_lba(0xd0, 8, 1990, 20) == 2000);
static_assert(!infer_lba(0xd0, 8, 2001, 10));                // not in range
static_assert(!infer_lba(0xd0, 8, 0, 1000));                 // 0xd0, 0x1d0, ... ambiguous
static_assert(infer_lba(0xd0, 8, 0x7c0, 256) == 0x7d0);      // 256 sectors: still unique

}  // namespace ptrescue::commands
