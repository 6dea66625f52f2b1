// SPDX-License-Identifier: GPL-3.0-or-later
// libnvme's NVMe definitions (opcodes, CNS values, log page identifiers,
// status codes, the Identify and log page structures), made includable from
// C++: libnvme 1.3's <nvme/types.h> has no extern "C" guards and uses size_t
// without declaring it.
#pragma once

#include <cstddef>

extern "C" {
#include <nvme/types.h>
}
