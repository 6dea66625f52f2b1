// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/acquisition_log_text.h"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/text_file.h"

namespace ptrescue {

std::string read_acquisition_log(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return {};
  return read_whole_file(path);
}

std::string acquisition_log_section_text(const std::string& path, const std::string& text) {
  if (text.empty()) return fmt::format("\nAcquisition log: none ({} does not exist)\n", path);
  std::string s = fmt::format("\nAcquisition log ({}):\n", path);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    s += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return s;
}

}  // namespace ptrescue
