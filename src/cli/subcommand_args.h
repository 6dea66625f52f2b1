// Parsing a small subcommand's arguments with Boost.Program_options: named
// options plus positional file names, errors as UsageError.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

struct SubcommandArgs {
  boost::program_options::variables_map options;
  std::vector<std::string> files;
  bool has(const char* name) const { return options.count(name) > 0; }
  std::string text(const char* name, std::string fallback = {}) const {
    return has(name) ? options[name].as<std::string>() : fallback;
  }
};

/// Throws UsageError with Boost's one-line message.
SubcommandArgs parse_subcommand_args(const std::vector<std::string>& args,
                                     const boost::program_options::options_description& named);

std::string describe_options(const boost::program_options::options_description& named);

/// A malformed mapfile the user named (exit 2); what() names it and the line.
class BadMapfile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads and parses a mapfile given on the command line. Throws BadMapfile if
/// it is malformed, std::runtime_error if it is missing or unreadable.
MapFile load_named_mapfile(const std::string& path);

}  // namespace ptrescue
