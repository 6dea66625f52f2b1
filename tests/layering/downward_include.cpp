// SPDX-License-Identifier: GPL-3.0-or-later
// Compiled as part of the engine room: the heads and mapfile rooms are below
// it, so these includes are found (the control for upward_include.cpp).
#include "src/heads/head_map.h"
#include "src/mapfile/mapfile.h"
#include "transport/device.h"
