// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue report` and the acquisition log (src/engine/acquisition_log.h):
// the log is read back as the text it is and shown in full, since it is the
// record an examiner signs off; a missing log is said, not an error.
#pragma once

#include <string>

namespace ptrescue {

/// The file's text; empty when there is none. Throws std::runtime_error
/// when it exists but cannot be read.
std::string read_acquisition_log(const std::string& path);

/// The report's closing section: "Acquisition log (PATH):" and the text,
/// indented; or one line saying there is none.
std::string acquisition_log_section_text(const std::string& path, const std::string& text);

}  // namespace ptrescue
