// SPDX-License-Identifier: GPL-3.0-or-later
// Where an E01 set is written and how it is delivered. libewf names the
// segments of basename OUT as OUT.E01 ... OUT.E99, OUT.EAA ... OUT.ZZZ.
// They are written first as STAGE/segment.E01 ..., STAGE being the folder
// OUT.e01-partial beside OUT, and moved to OUT.Exx only after libewf has
// finalized the set: each file fsync'd, renamed with OUT.E01 last, the
// folder fsync'd. A kill before that leaves no OUT.E01 at all; a kill
// between renames leaves segments without their first one, which no tool
// opens as a set. A set never mixes an old export with a new one: the old
// segments are removed (OUT.E01 first) before the new ones arrive.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

/// "OUT.E01": the name every tool opens the set by.
std::string first_segment_path(const std::string& out);
/// The staging folder of `out`: "OUT.e01-partial".
std::string staging_folder_of(const std::string& out);

/// The files beside OUT that are segments of an E01 set named OUT
/// ("OUT.E01", "OUT.E7Z", "OUT.FAA"), sorted, OUT.E01 first.
std::vector<std::string> existing_segments(const std::string& out);

/// The segment set being written for `out`.
class E01Staging {
 public:
  /// Refuses (std::runtime_error naming one) existing segments of `out`
  /// unless `replace`; empties a staging folder an interrupted export left
  /// (only segment files; anything else there is refused) and creates it.
  E01Staging(std::string out, bool replace);
  /// Before deliver(): removes the staged segments (an export that failed
  /// leaves nothing behind; a killed one leaves them for the next to clear).
  ~E01Staging();
  E01Staging(const E01Staging&) = delete;
  E01Staging& operator=(const E01Staging&) = delete;

  /// The basename to hand libewf.
  std::string basename() const;
  /// Moves the finalized segments to OUT.Exx as described above; returns
  /// their final paths, OUT.E01 first. Throws std::runtime_error naming the
  /// step and the file.
  std::vector<std::string> deliver();

 private:
  std::string out_;
  std::string stage_;
  bool replace_;
  bool delivered_ = false;
};

}  // namespace ptrescue
