// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/export/e01_segments.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/unique_fd.h"

namespace fs = std::filesystem;

namespace ptrescue {
namespace {

constexpr const char* kStagedLeaf = "segment";

/// Whether `ext` (after the dot) is a segment extension: E01..E99, then
/// three letters from EAA on (libewf's naming for the EnCase formats).
bool is_segment_extension(std::string_view ext) {
  if (ext.size() != 3 || ext[0] < 'E' || ext[0] > 'Z') return false;
  const bool digits = std::isdigit(static_cast<unsigned char>(ext[1])) && std::isdigit(static_cast<unsigned char>(ext[2]));
  const bool letters = std::isupper(static_cast<unsigned char>(ext[1])) && std::isupper(static_cast<unsigned char>(ext[2]));
  return ext[0] == 'E' ? (digits && ext.substr(1) != "00") || letters : letters;
}

/// Segment files named `leaf`.EXT in `folder`, sorted so that E01 comes first
/// (digits sort before letters, E before F).
std::vector<fs::path> segments_in(const fs::path& folder, const std::string& leaf) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == leaf.size() + 4 && name.compare(0, leaf.size(), leaf) == 0 && name[leaf.size()] == '.' &&
        is_segment_extension(std::string_view(name).substr(leaf.size() + 1)))
      found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string extension_of(const fs::path& p) { return p.filename().string().substr(p.filename().string().size() - 3); }

void fsync_file(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0 || !fd.close_checked())
    throw std::runtime_error(fmt::format("cannot sync E01 segment '{}': {}", p.string(), std::strerror(errno)));
}

void remove_file(const fs::path& p, std::string_view what) {
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error(fmt::format("cannot remove {} '{}': {}", what, p.string(), std::strerror(errno)));
}

}  // namespace

std::string first_segment_path(const std::string& out) { return out + ".E01"; }
std::string staging_folder_of(const std::string& out) { return out + ".e01-partial"; }

std::vector<std::string> existing_segments(const std::string& out) {
  const fs::path p(out);
  std::vector<std::string> names;
  for (const fs::path& s : segments_in(p.parent_path(), p.filename().string())) names.push_back(s.string());
  return names;
}

E01Staging::E01Staging(std::string out, bool replace)
    : out_(std::move(out)), stage_(staging_folder_of(out_)), replace_(replace) {
  const fs::path out_path(out_);
  if (out_path.filename().empty()) throw std::runtime_error(fmt::format("E01 basename '{}' names a folder", out_));
  const auto old = existing_segments(out_);
  if (!old.empty() && !replace_)
    throw std::runtime_error(fmt::format("'{}' exists (an E01 set named '{}'); use --force to replace it", old.front(), out_));
  std::error_code ec;
  if (fs::is_directory(stage_, ec)) {
    // What a killed export left: its segments, never finalized. Remove them
    // and nothing else, so a staging folder that is not ours stays as it is.
    std::vector<fs::path> left;
    for (fs::directory_iterator it(stage_, ec), end; !ec && it != end; it.increment(ec)) left.push_back(it->path());
    const auto ours = segments_in(stage_, kStagedLeaf);
    if (left.size() != ours.size())
      throw std::runtime_error(fmt::format("'{}' holds files that are not E01 segments; move them away", stage_));
    for (const fs::path& s : ours) remove_file(s, "unfinished E01 segment");
  } else if (::mkdir(stage_.c_str(), 0777) != 0) {
    throw std::runtime_error(fmt::format("cannot create '{}': {}", stage_, std::strerror(errno)));
  }
}

E01Staging::~E01Staging() {
  if (delivered_) return;
  for (const fs::path& s : segments_in(stage_, kStagedLeaf)) ::unlink(s.c_str());
  ::rmdir(stage_.c_str());
}

std::string E01Staging::basename() const { return (fs::path(stage_) / kStagedLeaf).string(); }

std::vector<std::string> E01Staging::deliver() {
  const auto staged = segments_in(stage_, kStagedLeaf);
  if (staged.empty() || extension_of(staged.front()) != "E01")
    throw std::runtime_error(fmt::format("libewf wrote no first segment in '{}'", stage_));
  for (const fs::path& s : staged) fsync_file(s);
  // An older set goes first, its first segment before the rest, so no
  // moment shows a first segment of one set beside segments of another.
  if (replace_)
    for (const std::string& s : existing_segments(out_)) remove_file(s, "old E01 segment");
  std::vector<std::string> delivered(staged.size());
  for (std::size_t i = staged.size(); i-- > 0;) {
    delivered[i] = out_ + "." + extension_of(staged[i]);
    if (::rename(staged[i].c_str(), delivered[i].c_str()) != 0)
      throw std::runtime_error(fmt::format("cannot move '{}' to '{}': {}", staged[i].string(), delivered[i],
                                           std::strerror(errno)));
  }
  delivered_ = true;
  sync_folder_of(out_);
  if (::rmdir(stage_.c_str()) == 0) sync_folder_of(out_);
  return delivered;
}

}  // namespace ptrescue
