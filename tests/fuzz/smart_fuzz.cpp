// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the SMART parsers (commands/): ATA SMART data and
// thresholds, the ATA error logs and Device Statistics, the NVMe SMART /
// Health and Error Information logs, SCSI log pages. Any bytes must parse
// without crashing or undefined behaviour, and the parsers keep their
// promises:
//  - a refused buffer always says why (non-empty error);
//  - an accepted ATA SMART page has a good checksum and at most 30
//    attributes, none with ID 0; an error log's entries are at most 5;
//  - an accepted log page's parameters lie inside the buffer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "commands/ata_smart.h"
#include "commands/nvme_smart.h"
#include "commands/scsi_log.h"

namespace {

using namespace ptrescue::commands;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "smart_fuzz: %s\n", what);
    std::abort();
  }
}

template <class T>
void refused_says_why(const Parsed<T>& p) {
  check(p.ok() || !p.error.empty(), "a refused buffer without a reason");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);

  const auto attrs = parse_ata_smart_data(in);
  refused_says_why(attrs);
  if (attrs.ok()) {
    check(ata_page_checksum_ok(in), "accepted a SMART page with a bad checksum");
    check(attrs.value->size() <= kAtaSmartAttributeSlots, "more than 30 attributes");
    for (const auto& a : *attrs.value) check(a.id != 0 && !a.name.empty(), "an unused attribute slot");
  }
  const auto thresholds = parse_ata_smart_thresholds(in);
  refused_says_why(thresholds);
  if (attrs.ok() && thresholds.ok()) {
    auto copy = *attrs.value;
    apply_ata_thresholds(copy, *thresholds.value);
    SmartReport r;
    r.ata_attributes = copy;
    summarize_ata_report(r);
  }
  const auto summary = parse_ata_summary_error_log(in);
  refused_says_why(summary);
  if (summary.ok()) check(summary.value->entries.size() <= 5, "more than 5 summary error entries");
  const auto ext = parse_ata_ext_error_log(in);
  refused_says_why(ext);
  if (ext.ok()) check(ext.value->entries.size() <= 4, "more than 4 extended error entries on a page");
  refused_says_why(parse_ata_statistics_page_list(in));
  refused_says_why(parse_ata_statistics_page(in, size > 2 ? data[2] : 1));

  const auto health = parse_nvme_smart_log(in);
  refused_says_why(health);
  if (health.ok()) {
    const SmartReport r = nvme_smart_report(*health.value);
    check(r.passed.has_value(), "an NVMe report without a verdict");
  }
  const auto errors = parse_nvme_error_log(in);
  refused_says_why(errors);
  if (errors.ok()) check(errors.value->size() <= size / kNvmeErrorLogEntryBytes, "more entries than the log holds");

  const std::uint8_t page = size > 0 ? (data[0] & 0x3f) : 0;
  const auto log = parse_log_page(in, page);
  refused_says_why(log);
  if (log.ok()) {
    std::size_t bytes = 0;
    for (const auto& p : log.value->parameters) bytes += 4 + p.value.size();
    check(4 + bytes + log.value->supported_pages.size() <= size, "log parameters beyond the buffer");
    ScsiHealth h;
    apply_scsi_log_page(h, *log.value);
    (void)scsi_smart_report(h);
  }
  return 0;
}
