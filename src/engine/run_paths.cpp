// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/run_paths.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "base/durable_file.h"

namespace ptrescue {

namespace {

// What a path reaches: an existing file's device and inode, or, for a file
// still to be made, its folder's identity and its name there.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name_in_folder;  // empty for an existing file
  bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return FileIdentity{st.st_dev, st.st_ino, {}};
  // Not there (yet): a dangling link names the file it will create.
  const std::string target = write_target_of(path);
  const auto slash = target.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
  const std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
  if (::stat(folder.c_str(), &st) != 0) return std::nullopt;  // opening it will fail and say so
  return FileIdentity{st.st_dev, st.st_ino, name};
}

/// The folder and the name in it that `path` spells, links not followed.
std::optional<FileIdentity> name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{st.st_dev, st.st_ino, slash == std::string::npos ? path : path.substr(slash + 1)};
}

bool same_file(const RunPath& a, const std::optional<FileIdentity>& a_id, const RunPath& b,
               const std::optional<FileIdentity>& b_id) {
  if (a.by_name || b.by_name) {
    const auto an = name_of(a.path), bn = name_of(b.path);
    return an && bn && *an == *bn;
  }
  return a_id && b_id && *a_id == *b_id;
}

}  // namespace

void check_run_paths(const std::vector<RunPath>& paths) {
  std::vector<std::optional<FileIdentity>> ids;
  ids.reserve(paths.size());
  for (const auto& p : paths) ids.push_back(p.path.empty() ? std::nullopt : identity_of(p.path));
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = i + 1; j < paths.size(); ++j) {
      if (paths[i].path.empty() || paths[j].path.empty() || !same_file(paths[i], ids[i], paths[j], ids[j])) continue;
      if (!paths[i].written && !paths[j].written) continue;
      const RunPath& w = paths[i].written ? paths[i] : paths[j];
      const RunPath& o = paths[i].written ? paths[j] : paths[i];
      throw PathCollision(fmt::format("the {} '{}' is the same file as the {} '{}': the run would overwrite it "
                                      "(name other files)",
                                      w.role, w.path, o.role, o.path));
    }
  }
}

}  // namespace ptrescue
