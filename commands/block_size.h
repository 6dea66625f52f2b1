// SPDX-License-Identifier: GPL-3.0-or-later
// A drive's reported block sizes, checked like user input before anything
// is computed from them: a lying or broken drive (READ CAPACITY, IDENTIFY
// DEVICE words 106 and 117-118) must not make ptrescue divide by zero,
// misalign every read, or size its buffers from garbage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ptrescue::commands {

/// Smallest and largest logical block ptrescue accepts (SBC-4 and ACS-4
/// allow others, e.g. 520 bytes; no disk ptrescue can image uses them).
inline constexpr std::uint64_t kMinLogicalBlockBytes = 512;
inline constexpr std::uint64_t kMaxLogicalBlockBytes = 64 * 1024;

/// nullopt when `logical_bytes` is a power of two from 512 to 64 KiB and
/// `physical_bytes` a power of two at least as large; else what is wrong,
/// naming the values ("logical block size 3000 bytes: not a power of two
/// from 512 to 65536").
std::optional<std::string> block_size_problem(std::uint64_t logical_bytes, std::uint64_t physical_bytes);

}  // namespace ptrescue::commands
