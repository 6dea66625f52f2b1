// SPDX-License-Identifier: GPL-3.0-or-later
// The `ptrescue rescue` command line, in GNU ddrescue's letters where
// ddrescue has one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "src/heads/head_options.h"
#include "src/engine/rescue_options.h"
#include "src/cli/e01_options.h"
#include "src/cli/status_display.h"
#include "src/cli/subcommand_args.h"

namespace ptrescue {

/// GNU ddrescue options the command (not the engine) acts on.
struct DdrescueChoices {
  std::string fill_types;           ///< -F: fill mode with these types (empty = rescue mode)
  bool generate = false;            ///< -G
  bool complete_only = false;       ///< -C
  bool check_input_size = false;    ///< -I
  bool loose_domain = false;        ///< -L
  bool truncate = false;            ///< -t
  std::string extend_outfile;       ///< -x (raw text)
  bool size_of_output = false;      ///< -s output
  bool ask = false;                 ///< --ask
  bool same_file = false;           ///< --same-file
  bool ignore_write_errors = false; ///< -w (fill mode)
  bool binary_prefixes = false;     ///< -B
  bool max_read_errors = false;     ///< -X given: its stop exits 1, as ddrescue's
  bool compare_before_write = false; ///< -W
  int data_preview = 0;             ///< -P lines (0: none)
  bool command_mode = false;        ///< --command-mode (src/cli/command_mode.h)
  std::string log_events, log_rates, bad_sector_data;
  std::string max_error_rate, max_read_rate;  ///< -E -Z (raw text)
};

struct RescueCommandLine {
  std::string source, image, mapfile;  ///< mapfile empty: none (the run cannot be resumed)
  RescueOptions engine;
  std::uint32_t sector_size = 0;    ///< -b; 0 = the device's
  std::string skip_size;            ///< -K, parsed once the sector size is known
  std::string input_position = "0", output_position, size;  ///< -i -o -s (raw text)
  std::string domain_mapfile;       ///< -m
  std::string order;                ///< --order fs|FILE[,FILE...]: stages (docs/FILES.md)
  std::string test_mapfile;         ///< -H
  std::string log_reads;            ///< --log-reads
  /// Pass-through sources (docs/TRANSPORTS.md): --transport, --erc,
  /// --dsense, --[no-]limited-retry, --power-cycle-cmd.
  std::string transport = "auto";
  std::optional<std::chrono::milliseconds> erc;
  bool dsense = false;
  bool limited_retry = true;
  std::string power_cycle_cmd;
  /// --reset was given: its ladder (engine.reset_ladder) holds for every
  /// source; else the source decides (reset_ladder_for).
  bool reset_given = false;
  /// --reattach-wait: how long a drive that dropped off may take to return.
  std::chrono::milliseconds reattach_wait{std::chrono::seconds(60)};
  HeadOptions heads;                ///< --head-map, --head-timeout, ... (docs/HEADMAP.md)
  std::string hash;                 ///< --hash md5,sha1,sha256 (raw text)
  std::string fill;                 ///< --fill TYPES: fill these statuses after a finished run
  std::string segment_hash_size;    ///< --segment-hash-size SIZE (raw text; docs/FORENSICS.md)
  std::string smart;                ///< --smart off|passes|interval:DUR (docs/SMART.md); empty = passes, implicitly
  std::string smart_stop;           ///< --smart-stop RULES (raw text; parsed by the command)
  std::optional<E01Choices> e01;   ///< --e01 OUT and its case options (docs/EXPORT.md)
  bool preallocate = false, sparse = false, direct = false, force = false;
  DdrescueChoices ddrescue;         ///< GNU ddrescue's options beyond the engine's
  StatusMode status = StatusMode::kTerminal;
  int verbosity = 0;
  bool help = false, version = false;
};

/// Parses `rescue` arguments (without the program and subcommand words).
/// Throws UsageError with a one-line reason.
RescueCommandLine parse_rescue_args(const std::vector<std::string>& args);

/// -K [initial][,max] as ddrescue reads it (initial 0 = no skipping);
/// `ss` is the sector size for an 's' unit. Throws UsageError.
void apply_ddrescue_skip_size(const std::string& text, std::uint32_t ss, RescueOptions& options);

/// "2s" (every phase) or "copy=300ms,trim=1s,scrape=3s,retry=10s".
PhaseTimeouts parse_phase_timeouts(const std::string& text);
/// "soft,device,target,bus,host" (and "power-cycle").
std::vector<ResetKind> parse_reset_ladder(const std::string& text);

/// The ladder for this source: --reset's as given, else the default for
/// where it sits (with the USB rungs when `source.usb` names a USB device),
/// a --power-cycle-cmd's rung last.
std::vector<ResetKind> reset_ladder_for(const RescueCommandLine& c, const DeviceIdentity& source);
/// "soft,device,bus": a ladder as --reset spells it.
std::string reset_ladder_text(const std::vector<ResetKind>& ladder);

/// The `rescue` command line: usage, about and the options above.
Subcommand rescue_command();

}  // namespace ptrescue
