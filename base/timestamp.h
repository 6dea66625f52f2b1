// SPDX-License-Identifier: GPL-3.0-or-later
// The wall-clock time as text, in the two forms ptrescue writes.
#pragma once

#include <string>

namespace ptrescue {

/// "2026-11-25 09:03:49", local time, as ddrescue writes it in mapfiles and
/// reads logs (and ptrescue in its hash and report records).
std::string local_timestamp();

/// "2026-12-03T09:00:00Z": ISO 8601 in UTC, for JSON records (SMART snapshots).
std::string utc_timestamp();

}  // namespace ptrescue
