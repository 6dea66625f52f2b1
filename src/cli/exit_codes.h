// SPDX-License-Identifier: GPL-3.0-or-later
// Exit statuses (documented in README.md and docs/USAGE.md). 0-3 keep GNU
// ddrescue's meanings; the others tell a script why a rescue stopped early.
#pragma once

namespace ptrescue::exit_code {
inline constexpr int kOk = 0;              ///< Finished (bad sectors found are not an error).
inline constexpr int kEnvironment = 1;     ///< Bad option, unopenable file, write error, no space.
inline constexpr int kBadInput = 2;        ///< Malformed mapfile, test mapfile or profile.
inline constexpr int kInternal = 3;        ///< A bug: please report it.
inline constexpr int kDeviceGone = 4;      ///< The source vanished or died; resumable.
inline constexpr int kTooManyBadAreas = 5; ///< --max-error-reads stopped the run; resumable (-e exits 1, as ddrescue).
// 6 and 7 belong to `verify` (image differs / sectors unreadable again).
inline constexpr int kSmartStop = 8;       ///< A --smart-stop rule stopped the run; resumable.
// Interrupted by a signal: 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
}  // namespace ptrescue::exit_code
