// SPDX-License-Identifier: GPL-3.0-or-later
// Compiled as part of the transport room: the simulated drive is a room
// above it, so this include must not be found.
#include "transport/sim/sim_profile.h"
