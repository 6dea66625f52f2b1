// SPDX-License-Identifier: GPL-3.0-or-later
// What every subcommand shares about its command line: Boost.Program_options
// for named options plus positional file names, --help/-h, and one wording
// (and exit status) for every refusal, so all subcommands say the same
// things in the same words.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "base/progress_line.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// A subcommand's usage line, help paragraph and options. Every one has
/// --help/-h; the others are added by the subcommand.
struct Subcommand {
  Subcommand(std::string name, std::string synopsis, std::string about);

  std::string name;      ///< "verify", "sim replay"
  std::string synopsis;  ///< "[options] SOURCE IMAGE [MAPFILE]"
  std::string about;     ///< what --help says under the usage line
  boost::program_options::options_description options{"Options"};

  /// "Usage: ptrescue NAME SYNOPSIS", the paragraph and the options.
  std::string usage() const;
  /// "NAME takes SYNOPSIS, not 'WORD'": an unknown option or a file too many.
  std::string refusal_of(std::string_view word) const;
};

struct SubcommandArgs {
  boost::program_options::variables_map options;
  std::vector<std::string> files;
  bool has(const char* name) const { return options.count(name) > 0; }
  std::string text(const char* name, std::string fallback = {}) const {
    return has(name) ? options[name].as<std::string>() : fallback;
  }
  bool help() const { return has("help"); }
};

/// The one wording of a Boost.Program_options error: an unknown option
/// reads as command.refusal_of(option), the others as Boost's sentence.
std::string describe_option_error(const boost::program_options::error& e, const Subcommand& command);

/// Parses `args` (no program or subcommand words). Throws UsageError.
SubcommandArgs parse_subcommand_args(const std::vector<std::string>& args, const Subcommand& command);

/// Refuses fewer than `least` files ("usage: ptrescue NAME SYNOPSIS") or
/// more than `most` (refusal_of the first one too many). Throws UsageError.
void expect_files(const SubcommandArgs& a, const Subcommand& command, std::size_t least, std::size_t most);

/// --json and -q/--quiet of the commands that show a progress line
/// (hash, verify, fill).
void add_progress_options(Subcommand& command);
/// The progress line those options ask for, on stderr.
ProgressLine::Style progress_style(const SubcommandArgs& a);

/// Prints command.usage() to stdout; returns exit status 0.
int print_usage(const Subcommand& command);

/// A malformed file the user named (mapfile, profile, head map, reads log):
/// exit 2; what() names the file and the line.
class BadInputFile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs a subcommand and turns what it throws into one line on stderr and
/// the exit status every subcommand uses: UsageError "ptrescue: REASON (try
/// 'ptrescue NAME --help')" exit 1; BadInputFile (and a malformed head map)
/// exit 2; any other error exit 1.
int run_subcommand(const std::string& name, const std::function<int()>& body);

/// The whole of a file the user named; a failure reads "cannot read WHAT
/// PATH: reason" (`what` is "reads log", "head map", ...).
std::string read_named_file(const std::string& path, std::string_view what);

/// The usual shape of a subcommand: parses `args`, answers --help, else
/// runs `body` on the parsed arguments, all under run_subcommand.
int run_subcommand(const Subcommand& command, const std::vector<std::string>& args,
                   const std::function<int(const SubcommandArgs&)>& body);

/// Parses a mapfile given on the command line; `what` names it in errors
/// ("mapfile", "test mapfile"). Throws BadInputFile if it is malformed,
/// std::runtime_error if it cannot be read.
MapFile load_named_mapfile(const std::string& path, std::string_view what = "mapfile");

/// -b/--sector-size text: a power of two from 512 to 1 MiB. Throws UsageError.
std::uint32_t parse_sector_size_option(const std::string& text);

/// -c/--cluster text: sectors per read, from 1 up to 1048576 (reads are at
/// most the drive's largest transfer anyway; the bound keeps a typo from
/// sizing buffers by it). Throws UsageError naming `option`.
std::int64_t parse_cluster_sectors_option(const std::string& text, std::string_view option);

}  // namespace ptrescue
