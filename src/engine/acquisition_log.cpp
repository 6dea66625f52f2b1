// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/acquisition_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/timestamp.h"
#include "base/units.h"

namespace ptrescue {
namespace {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string duration_text(std::int64_t seconds) {
  return fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

/// One line of a value: control characters (a newline in a path) become '?'.
std::string one_line(std::string_view v) {
  std::string s(v);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "(unknown)";
  return one_line(name);
}

std::string field(std::string_view label, std::string_view value) {
  return fmt::format("  {:<22} {}\n", std::string(label) + ":", one_line(value.empty() ? "(not reported)" : value));
}

}  // namespace

std::string acquisition_log_path(const std::string& mapfile) { return mapfile + ".acquisition.log"; }

std::vector<std::string> bad_area_lines(const MapFile& map, std::uint32_t sector_size, std::size_t limit) {
  std::vector<std::string> lines;
  std::size_t more = 0;
  const std::int64_t ss = sector_size;
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kBadSector) return;
    if (lines.size() >= limit) {
      ++more;
      return;
    }
    const std::int64_t first = b.pos / ss, last = (b.end() + ss - 1) / ss - 1;
    lines.push_back(fmt::format("0x{:08X}  0x{:08X}  -   LBA {}-{} ({} sector{})", b.pos, b.size, first, last,
                                last - first + 1, last == first ? "" : "s"));
  });
  if (more > 0) lines.push_back(fmt::format("... and {} more bad areas (the mapfile lists them all)", more));
  return lines;
}

AcquisitionLog::AcquisitionLog(std::string path) : path_(std::move(path)) {
  struct stat st {};
  const bool existed = ::stat(path_.c_str(), &st) == 0;
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_.valid())
    throw std::runtime_error(fmt::format("cannot open acquisition log '{}': {}", path_, std::strerror(errno)));
  if (!existed) sync_folder_of(write_target_of(path_));
}

void AcquisitionLog::append(const std::string& text) {
  if (failed_) return;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done == text.size() && ::fdatasync(fd_.get()) == 0) return;
  failed_ = true;
  fmt::print(stderr, "ptrescue: cannot write the acquisition log '{}': {}; the rescue goes on without it\n", path_,
             std::strerror(errno));
}

void AcquisitionLog::begin(const AcquisitionStart& s) {
  session_started_ = now_seconds();
  const DeviceIdentity& id = s.identity;
  std::string t = fmt::format("\n===== ptrescue acquisition session ({}) =====\n", s.resumed ? "resumed" : "new");
  t += field("Tool", fmt::format("ptrescue {}", PTRESCUE_VERSION));
  t += field("Command line", s.command_line);
  t += field("Host", host_name());
  t += field("Start time (UTC)", utc_timestamp());
  t += "Source\n";
  t += field("Named", s.source);
  t += field("Transport", id.transport);
  t += field("Model", id.model);
  t += field("Serial number", id.serial);
  t += field("Firmware", id.firmware);
  t += field("Capacity", fmt::format("{} bytes ({}), {} sectors", id.capacity_bytes(),
                                     format_size(static_cast<std::int64_t>(id.capacity_bytes())), id.capacity_sectors));
  t += field("Sector size", fmt::format("{} bytes logical, {} bytes physical", id.logical_sector_size,
                                        id.physical_sector_size));
  for (const std::string& line : s.capacity_lines) t += fmt::format("  {}\n", one_line(line));
  t += "Destination\n";
  t += field("Image", s.image);
  t += field("Mapfile", s.mapfile);
  append(t);
}

void AcquisitionLog::close_pass() {
  if (!in_pass_) return;
  const std::int64_t now = now_seconds();
  append(fmt::format("  ended {} after {}: {} bytes rescued, {} failed reads\n", utc_timestamp(),
                     duration_text(now - pass_started_), pass_bytes_, pass_failed_reads_));
  in_pass_ = false;
}

void AcquisitionLog::on_phase(Phase phase, int, std::string_view description) {
  close_pass();
  if (phase == Phase::kFinished) return;  // not a pass: the run's end, recorded by end()
  in_pass_ = true;
  pass_name_ = one_line(description);
  pass_started_ = now_seconds();
  pass_bytes_ = pass_failed_reads_ = 0;
  append(fmt::format("Pass: {}\n  started {}\n", pass_name_, utc_timestamp()));
}

void AcquisitionLog::on_read(const ReadEvent& e) {
  pass_bytes_ += e.copied;
  if (e.outcome != nullptr && !e.outcome->ok()) ++pass_failed_reads_;
}

void AcquisitionLog::add_section(std::string_view title, const std::vector<std::string>& lines) {
  close_pass();
  std::string t = fmt::format("{}\n", one_line(title));
  for (const std::string& line : lines) t += fmt::format("  {}\n", one_line(line));
  append(t);
}

void AcquisitionLog::add_export(std::string_view format, std::string_view path, const std::vector<std::string>& details) {
  std::vector<std::string> lines{fmt::format("{} written to '{}' at {}", format, path, utc_timestamp())};
  lines.insert(lines.end(), details.begin(), details.end());
  add_section("Export", lines);
}

void AcquisitionLog::end(const MapFile& map, std::uint32_t sector_size, std::string_view outcome) {
  close_pass();
  const MapTotals& t = map.totals();
  std::vector<std::string> lines{
      fmt::format("rescued: {} bytes ({})", t.finished, format_size(t.finished)),
      fmt::format("not tried: {} bytes, non-trimmed: {} bytes, non-scraped: {} bytes", t.non_tried, t.non_trimmed,
                  t.non_scraped),
      fmt::format("bad sectors: {} bytes = {} sectors of {} bytes, in {} bad areas (pos size status, as in the mapfile):",
                  t.bad_sector, t.bad_sector / sector_size, sector_size, t.bad_areas)};
  for (std::string& line : bad_area_lines(map, sector_size, kLoggedBadAreas)) lines.push_back("  " + line);
  add_section("Result", lines);
  append(fmt::format("{}{}===== end of session =====\n", field("Outcome", outcome),
                     field("End time (UTC)", fmt::format("{} (session {})", utc_timestamp(),
                                                          duration_text(now_seconds() - session_started_)))));
}

}  // namespace ptrescue
