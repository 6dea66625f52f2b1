// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/e01_options.h"

#include <fmt/format.h>

#include "base/units.h"
#include "src/smart/smart_sidecar.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

constexpr const char* kTextOptions[] = {"case-number", "evidence-number", "examiner", "description",
                                        "notes",       "model",           "serial"};

/// A header value: one line (EWF's header is tab- and newline-separated text).
std::string header_text(const SubcommandArgs& a, const char* name) {
  const std::string text = a.text(name);
  if (text.find_first_of("\t\r\n") != std::string::npos)
    throw UsageError(fmt::format("invalid --{}: tabs and line breaks cannot be stored in an E01 header", name));
  return text;
}

}  // namespace

void add_e01_options(Subcommand& command) {
  // clang-format off
  command.options.add_options()
    ("compression", po::value<std::string>(), "E01 compression: none, empty-block, fast (default) or best")
    ("segment-size", po::value<std::string>(), "largest E01 segment file (default 1500MiB, as ewfacquire; at least 1MiB)")
    ("case-number", po::value<std::string>(), "E01 case number")
    ("evidence-number", po::value<std::string>(), "E01 evidence number")
    ("examiner", po::value<std::string>(), "E01 examiner name")
    ("description", po::value<std::string>(), "E01 description")
    ("notes", po::value<std::string>(), "E01 notes")
    ("model", po::value<std::string>(), "source model to record (default: as identified)")
    ("serial", po::value<std::string>(), "source serial number to record (default: as identified)");
  // clang-format on
}

E01Choices read_e01_choices(const SubcommandArgs& a, std::string out) {
  if (out.empty()) throw UsageError("invalid E01 basename: empty");
  E01Choices c;
  c.out = std::move(out);
  c.case_data.case_number = header_text(a, "case-number");
  c.case_data.evidence_number = header_text(a, "evidence-number");
  c.case_data.examiner = header_text(a, "examiner");
  c.case_data.description = header_text(a, "description");
  c.case_data.notes = header_text(a, "notes");
  c.case_data.model = header_text(a, "model");
  c.case_data.serial = header_text(a, "serial");
  if (a.has("compression")) c.compression = parse_e01_compression(a.text("compression"));
  if (a.has("segment-size")) {
    c.segment_size = parse_size(a.text("segment-size"), 512, "--segment-size");
    if (c.segment_size < kMinE01SegmentSize || c.segment_size > kMaxE01SegmentSize)
      throw UsageError(fmt::format("invalid --segment-size '{}': from 1MiB to 1TiB", a.text("segment-size")));
  }
  return c;
}

bool has_e01_option(const SubcommandArgs& a) {
  for (const char* name : kTextOptions)
    if (a.has(name)) return true;
  return a.has("compression") || a.has("segment-size");
}

RecordedSource recorded_source(const std::string& mapfile) {
  RecordedSource r;
  for (const SmartSnapshot& s : SmartSidecar(smart_sidecar_path(mapfile)).read_all()) {
    if (!s.smart || !s.smart->is_object()) continue;
    const nlohmann::json& j = *s.smart;
    if (r.model.empty() && j.contains("model_name") && j["model_name"].is_string()) r.model = j["model_name"];
    if (r.serial.empty() && j.contains("serial_number") && j["serial_number"].is_string()) r.serial = j["serial_number"];
    if (r.sector_size == 0 && j.contains("logical_block_size") && j["logical_block_size"].is_number_unsigned()) {
      const auto ss = j["logical_block_size"].get<std::uint64_t>();
      if (ss >= 512 && ss <= (1u << 20) && (ss & (ss - 1)) == 0) r.sector_size = static_cast<std::uint32_t>(ss);
    }
  }
  return r;
}

}  // namespace ptrescue
