// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/command_mode.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "src/engine/sector_span.h"
#include "transport/aligned_buffer.h"

namespace ptrescue {
namespace {

/// One command line with its blanks folded, as ddrescue reads it: empty
/// lines skipped; nullopt at the end of input (a partial line is dropped).
std::optional<std::string> next_command(std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) return std::nullopt;  // no newline: a partial command
    std::string command;
    for (const char c : line) {
      if (!std::isspace(static_cast<unsigned char>(c))) command += c;
      else if (!command.empty() && command.back() != ' ') command += ' ';
    }
    if (!command.empty() && command.back() == ' ') command.pop_back();
    if (!command.empty()) return command;
  }
  return std::nullopt;
}

/// "POS SIZE" after the command letter: both read with base 0, POS >= 0,
/// SIZE > 0.
std::optional<Extent> block_of(const std::string& args) {
  const char* p = args.c_str();
  char* end = nullptr;
  errno = 0;
  const long long pos = std::strtoll(p, &end, 0);
  if (end == p || errno != 0) return std::nullopt;
  p = end;
  const long long size = std::strtoll(p, &end, 0);
  // Anything after SIZE is ignored, as ddrescue's sscanf does.
  if (end == p || errno != 0 || pos < 0 || size <= 0 || size > INT64_MAX - pos) return std::nullopt;
  return Extent{pos, size};
}

class CommandRunner {
 public:
  explicit CommandRunner(const CommandModeSetup& s)
      : s_(s),
        ss_(s.source.identity().logical_sector_size),
        read_bytes_(std::max<std::int64_t>(1, std::min<std::int64_t>(s.options.cluster_sectors,
                                                                     s.source.identity().max_transfer_sectors)) *
                    ss_),
        buffer_(static_cast<std::size_t>(read_bytes_ + ss_)) {}

  /// c: every non-tried byte of the block inside the domain, a cluster per
  /// read; what a read does not deliver becomes bad-sector. Returns the
  /// fatal error, or empty.
  std::string copy(const Extent& block) {
    std::int64_t p = block.pos;
    while (p < block.end()) {
      const auto run = s_.domain.find_forward(s_.map, p, BlockStatus::kNonTried);
      if (!run || run->pos >= block.end()) break;
      const Extent e{run->pos, std::min({run->end(), block.end(), run->pos + read_bytes_}) - run->pos};
      if (std::string gone = read(e); !gone.empty()) return gone;
      p = e.end();
    }
    return {};
  }

  /// s: the map's blocks over the request, clipped to it, in mapfile form.
  void status(const Extent& block, std::FILE* out) const {
    s_.map.for_each([&](const MapBlock& b) {
      const std::int64_t from = std::max(b.pos, block.pos), to = std::min(b.pos + b.size, block.end());
      if (from < to) fmt::print(out, "0x{:08X}  0x{:08X}  {}\n", from, to - from, static_cast<char>(b.status));
    });
  }

  /// u and f: image data first, then the map.
  bool save() {
    try {
      s_.image.sync();
      s_.save(s_.map);
      return true;
    } catch (const std::exception& e) {
      error_ = e.what();
      return false;
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string read(const Extent& e) {
    const SectorSpan span = SectorSpan::of(e, ss_);
    const ReadOutcome r = s_.source.read(span.first, span.count, buffer_.span(), s_.options.timeouts.copy);
    if (r.status == ReadStatus::kDeviceGone) return "input file disappeared";
    const std::int64_t copied = span.delivered(e, r.good_sectors, ss_);
    if (copied > 0) {
      s_.image.write(e.pos + s_.options.output_offset,
                     std::span<const std::byte>(r.data_or(buffer_.span()) + span.offset, static_cast<std::size_t>(copied)));
      s_.map.set_status(e.pos, copied, BlockStatus::kFinished);
    }
    if (copied < e.size) s_.map.set_status(e.pos + copied, e.size - copied, BlockStatus::kBadSector);
    return {};
  }

  const CommandModeSetup& s_;
  const std::int64_t ss_;
  const std::int64_t read_bytes_;
  AlignedBuffer buffer_;
  std::string error_;
};

}  // namespace

int run_command_mode(const CommandModeSetup& s, std::istream& in, std::FILE* out) {
  CommandRunner runner(s);
  int status = 0;
  bool finished = false;
  while (!finished) {
    const std::string command = next_command(in).value_or("f");
    if (command == "q") break;  // no save
    std::string answer = "done";
    if (command == "u" || command == "f") {
      finished = command == "f";
      if (!runner.save()) answer = "error: " + runner.error();
    } else if (command.size() > 1 && (command[0] == 'c' || command[0] == 's')) {
      const auto block = block_of(command.substr(1));
      if (!block) {
        answer = "error";
      } else if (command[0] == 's') {
        runner.status(*block, out);
      } else if (std::string gone = runner.copy(*block); !gone.empty()) {
        answer = "error: " + gone;
        finished = true;
      }
    } else {
      answer = fmt::format("error: unknown command '{}'", command);
    }
    if (answer != "done") status = 1;
    fmt::print(out, "{}\n", answer);
    std::fflush(out);
  }
  return status;
}

}  // namespace ptrescue
