// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/ascii_field.h"

namespace ptrescue::commands {

std::string ascii_field(std::span<const std::uint8_t> field) {
  auto is_pad = [](std::uint8_t c) { return c == ' ' || c == 0; };
  std::size_t first = 0;
  std::size_t last = field.size();
  while (first < last && is_pad(field[first])) ++first;
  while (last > first && is_pad(field[last - 1])) --last;
  std::string out;
  out.reserve(last - first);
  for (std::size_t i = first; i < last; ++i) {
    const std::uint8_t c = field[i];
    out += (c >= 0x20 && c <= 0x7e) ? static_cast<char>(c) : '?';
  }
  return out;
}

std::string ascii_field(std::span<const char> field) {
  return ascii_field({reinterpret_cast<const std::uint8_t*>(field.data()), field.size()});
}

}  // namespace ptrescue::commands
