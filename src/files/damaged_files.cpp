// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/files/damaged_files.h"

#include <charconv>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "src/files/program_output.h"
#include "src/files/tsk_listing.h"
#include "src/files/unrescued_bytes.h"

namespace ptrescue {
namespace {

// TSK's -f name for a libblkid type; empty lets TSK detect it.
std::string tsk_type(const std::string& blkid_type) {
  if (blkid_type == "ext2" || blkid_type == "ext3" || blkid_type == "ext4") return "ext";
  if (blkid_type == "vfat") return "fat";
  if (blkid_type == "exfat" || blkid_type == "ntfs") return blkid_type;
  return {};
}

bool is_fat(const std::string& t) { return t == "vfat" || t == "exfat"; }
bool is_ext(const std::string& t) { return t == "ext2" || t == "ext3" || t == "ext4"; }

std::int64_t leading_int(std::string_view s) {
  std::int64_t v = -1;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// One volume being read: the TSK command lines for it and what it learned
// about where metadata lives.
class VolumeReader {
 public:
  VolumeReader(const std::string& image, const Volume& v, const UnrescuedBytes& unrescued)
      : image_(image), volume_(v), unrescued_(unrescued) {
    options_ = {"-o", std::to_string(v.offset / 512)};
    if (const std::string t = tsk_type(v.type); !t.empty()) options_.insert(options_.end(), {"-f", t});
  }

  std::vector<FileDamage> read() {
    learn_layout();
    std::vector<FileDamage> out;
    for (const FsEntry& e : parse_fls(run("fls", {"-r", "-p"}))) {
      ids_by_path_[e.path] = e.id;
      out.push_back(assess(e));
    }
    return out;
  }

 private:
  std::string run(const char* program, std::vector<std::string> args, const std::string& last = {}) {
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), options_.begin(), options_.end());
    argv.push_back(image_);
    if (!last.empty()) argv.push_back(last);
    return program_output(argv);
  }

  // The unit of TSK's block addresses and where inodes or MFT entries are.
  void learn_layout() {
    if (is_fat(volume_.type)) {
      // TSK counts FAT and exFAT content in sectors (libblkid's BLOCK_SIZE);
      // its fsstat would list the whole FAT, so it is not asked.
      unit_ = volume_.block_size > 0 ? volume_.block_size : 512;
      return;
    }
    const std::string stat = run("fsstat", {});
    if (is_ext(volume_.type)) {
      unit_ = fsstat_number(stat, "Block Size").value_or(0);
      inodes_per_group_ = fsstat_number(stat, "Inodes per group").value_or(0);
      inode_size_ = fsstat_number(stat, "Inode Size").value_or(0);
      inode_tables_ = fsstat_inode_tables(stat);
    } else if (volume_.type == "ntfs") {
      unit_ = fsstat_number(stat, "Cluster Size").value_or(0);
      mft_entry_size_ = fsstat_number(stat, "Size of MFT Entries").value_or(0);
      mft_runs_ = parse_istat(run("istat", {"-r"}, "0-128-1"), "0-128-1").data;
    } else {
      unit_ = fsstat_number(stat, "Block Size").value_or(fsstat_number(stat, "Cluster Size").value_or(0));
    }
    if (unit_ <= 0) throw ProgramFailed("fsstat names no block size for this filesystem");
  }

  // Bytes not rescued of `runs`, in file order, for the first `size` bytes
  // (size < 0: whole blocks).
  std::int64_t missing_in(const std::vector<BlockRun>& runs, std::int64_t size) const {
    std::int64_t missing = 0, done = 0;
    for (const BlockRun& r : runs) {
      std::int64_t bytes = r.length * unit_;
      if (size >= 0) bytes = std::min(bytes, size - done);
      if (bytes <= 0) break;
      if (!r.sparse) missing += unrescued_.in(volume_.offset + r.start * unit_, bytes);
      done += bytes;
    }
    return missing;
  }

  // The inode record or MFT entry of `id`: its bytes not rescued.
  std::int64_t record_missing(const FsEntry& e) const {
    const std::int64_t n = leading_int(e.id);
    if (n < 0) return 0;
    if (is_ext(volume_.type) && inodes_per_group_ > 0 && n >= 1) {
      const auto group = static_cast<std::size_t>((n - 1) / inodes_per_group_);
      if (group >= inode_tables_.size()) return 0;
      const std::int64_t pos = inode_tables_[group] * unit_ + ((n - 1) % inodes_per_group_) * inode_size_;
      return unrescued_.in(volume_.offset + pos, inode_size_);
    }
    if (volume_.type == "ntfs" && mft_entry_size_ > 0) {
      // Entry n is at byte n * size of $MFT's content: find its run.
      std::int64_t offset = n * mft_entry_size_;
      for (const BlockRun& r : mft_runs_) {
        const std::int64_t bytes = r.length * unit_;
        if (offset < bytes) return unrescued_.in(volume_.offset + r.start * unit_ + offset, mft_entry_size_);
        offset -= bytes;
      }
    }
    return 0;
  }

  const InodeLayout& layout_of(const std::string& id) {
    auto it = layouts_.find(id);
    if (it == layouts_.end()) it = layouts_.emplace(id, parse_istat(run("istat", {"-r"}, id), id)).first;
    return it->second;
  }

  // On FAT and exFAT a file's entry lives in its parent directory's content.
  std::int64_t parent_entry_missing(const FsEntry& e) {
    const auto slash = e.path.rfind('/');
    std::string parent = "2";  // TSK's root directory on FAT and exFAT
    if (slash != std::string::npos) {
      const auto it = ids_by_path_.find(e.path.substr(0, slash));
      if (it == ids_by_path_.end()) return 0;
      parent = it->second;
    }
    const InodeLayout& p = layout_of(parent);
    return missing_in(p.data, p.size > 0 ? p.size : -1);
  }

  // A record TSK cannot read (an MFT entry or inode left unrescued, or
  // damaged on the drive) damages its file, not the volume's listing.
  FileDamage assess(const FsEntry& e) {
    try {
      return assess_readable(e);
    } catch (const ProgramFailed& failed) {
      layouts_.erase(e.id);
      return {.path = "/" + e.path, .type = e.type, .id = e.id, .size = 0,
              .metadata_missing_bytes = record_missing(e), .unreadable = failed.what()};
    }
  }

  FileDamage assess_readable(const FsEntry& e) {
    const InodeLayout layout = layout_of(e.id);
    FileDamage d{.path = "/" + e.path, .type = e.type, .id = e.id, .size = layout.size};
    d.missing_bytes = missing_in(layout.data, layout.size);
    d.metadata_missing_bytes = missing_in(layout.metadata, -1) + record_missing(e);
    if (is_fat(volume_.type)) d.metadata_missing_bytes += parent_entry_missing(e);
    layouts_.erase(e.id);  // only directories are asked for again
    if (e.type == 'd') layouts_.emplace(e.id, layout);
    return d;
  }

  const std::string& image_;
  const Volume& volume_;
  const UnrescuedBytes& unrescued_;
  std::vector<std::string> options_;
  std::int64_t unit_ = 0;
  std::int64_t inodes_per_group_ = 0, inode_size_ = 0;
  std::vector<std::int64_t> inode_tables_;
  std::int64_t mft_entry_size_ = 0;
  std::vector<BlockRun> mft_runs_;
  std::map<std::string, std::string> ids_by_path_;
  std::map<std::string, InodeLayout> layouts_;
};

}  // namespace

std::vector<VolumeFiles> assess_files(const std::string& image, const MapFile& map) {
  const UnrescuedBytes unrescued(map);
  std::vector<VolumeFiles> out;
  for (const Volume& v : find_volumes(image)) {
    VolumeFiles vf;
    vf.volume = v;
    if (v.type.empty()) {
      vf.error = "no filesystem found";
    } else {
      try {
        vf.files = VolumeReader(image, vf.volume, unrescued).read();
      } catch (const ProgramFailed& e) {
        vf.error = e.what();
      }
    }
    out.push_back(std::move(vf));
  }
  return out;
}

}  // namespace ptrescue
