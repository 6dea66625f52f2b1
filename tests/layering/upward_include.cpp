// SPDX-License-Identifier: GPL-3.0-or-later
// Compiled as part of the engine room (it links ptrescue_engine only): the
// CLI is above the engine, so this include must not be found.
#include "src/cli/exit_codes.h"
