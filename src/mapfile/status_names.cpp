// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/mapfile/status_names.h"

namespace ptrescue {

std::string_view block_status_name(BlockStatus s) {
  switch (s) {
    case BlockStatus::kNonTried: return "non-tried";
    case BlockStatus::kNonTrimmed: return "non-trimmed";
    case BlockStatus::kNonScraped: return "non-scraped";
    case BlockStatus::kBadSector: return "bad-sector";
    case BlockStatus::kFinished: return "finished";
  }
  return "unknown";
}

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::kCopying: return "copying";
    case Phase::kTrimming: return "trimming";
    case Phase::kScraping: return "scraping";
    case Phase::kRetrying: return "retrying";
    case Phase::kFilling: return "filling";
    case Phase::kGenerating: return "generating";
    case Phase::kFinished: return "finished";
  }
  return "unknown";
}

}  // namespace ptrescue
