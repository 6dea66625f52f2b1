// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/mount_table.h"

#include <sys/sysmacros.h>

#include <charconv>

#include "base/text_file.h"
#include "base/word_list.h"

namespace ptrescue {
namespace {

/// Undoes the kernel's octal escapes (\040 for a space) in a mount point.
std::string unescaped(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() &&
        field.substr(i + 1, 3).find_first_not_of("01234567") == std::string_view::npos) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

/// "8:1" -> makedev(8, 1); false if it is not two numbers.
bool parse_device(std::string_view text, dev_t* dev) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned maj = 0, min = 0;
  const auto a = std::from_chars(text.data(), text.data() + colon, maj);
  const auto b = std::from_chars(text.data() + colon + 1, text.data() + text.size(), min);
  if (a.ec != std::errc{} || a.ptr != text.data() + colon || b.ec != std::errc{} ||
      b.ptr != text.data() + text.size())
    return false;
  *dev = makedev(maj, min);
  return true;
}

}  // namespace

MountTable MountTable::parse(std::string_view mountinfo) {
  MountTable table;
  for (const std::string& line : split_list(mountinfo, '\n')) {
    const std::vector<std::string_view> fields = split_words(line);
    dev_t dev{};
    if (fields.size() < 5 || !parse_device(fields[2], &dev)) continue;
    table.points_[dev].push_back(unescaped(fields[4]));
  }
  return table;
}

MountTable MountTable::read(const std::string& path) {
  try {
    return parse(read_whole_file(path));
  } catch (const std::exception&) {
    return {};  // no /proc (a chroot): the check protects against what it can see
  }
}

std::vector<std::string> MountTable::mount_points_of(dev_t dev) const {
  const auto it = points_.find(dev);
  return it == points_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace ptrescue
