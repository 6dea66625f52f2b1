// SPDX-License-Identifier: GPL-3.0-or-later
// The E01 options `export` and `rescue --e01` share: case data named like
// ewfacquire's fields, the source's model and serial (overriding what was
// identified), compression and segment size (docs/EXPORT.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/cli/subcommand_args.h"
#include "src/export/e01_export.h"

namespace ptrescue {

struct E01Choices {
  std::string out;  ///< segment basename
  E01CaseData case_data;
  EwfCompression compression = EwfCompression::kFast;
  std::int64_t segment_size = kDefaultE01SegmentSize;
};

/// Adds --case-number ... --serial, --compression and --segment-size.
void add_e01_options(Subcommand& command);

/// The E01 options given, with `out` as the basename. Throws UsageError
/// naming a bad value.
E01Choices read_e01_choices(const SubcommandArgs& a, std::string out);

/// Whether any E01 option other than the basename was given (rescue refuses
/// them without --e01).
bool has_e01_option(const SubcommandArgs& a);

/// The source's model and serial as a rescue's SMART sidecar of `mapfile`
/// recorded them (the first snapshot that names them), and its logical
/// sector size; empty / 0 when the sidecar is missing or names none.
struct RecordedSource {
  std::string model, serial;
  std::uint32_t sector_size = 0;
};
RecordedSource recorded_source(const std::string& mapfile);

}  // namespace ptrescue
