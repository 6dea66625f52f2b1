// SPDX-License-Identifier: GPL-3.0-or-later
#include "base/timestamp.h"

#include <ctime>

namespace ptrescue {

namespace {

std::string format_now(bool utc, const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (utc) gmtime_r(&now, &tm);
  else localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string local_timestamp() { return format_now(false, "%Y-%m-%d %H:%M:%S"); }

std::string utc_timestamp() { return format_now(true, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace ptrescue
