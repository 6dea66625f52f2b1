// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/subcommand_args.h"

#include <sstream>

#include <fmt/format.h>

#include "base/text_file.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/terminal_text.h"
#include "src/engine/head_setup.h"

namespace po = boost::program_options;

namespace ptrescue {

Subcommand::Subcommand(std::string name_, std::string synopsis_, std::string about_)
    : name(std::move(name_)), synopsis(std::move(synopsis_)), about(std::move(about_)) {
  options.add_options()("help,h", "show this help");
}

std::string Subcommand::usage() const {
  std::ostringstream os;
  os << "Usage: ptrescue " << name << ' ' << synopsis << '\n' << about << "\n\n" << options;
  std::string text = os.str();
  if (!text.ends_with('\n')) text += '\n';
  return text;
}

std::string Subcommand::refusal_of(std::string_view word) const {
  return fmt::format("{} takes {}, not '{}'", name, synopsis, word);
}

std::string describe_option_error(const po::error& e, const Subcommand& command) {
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&e))
    return command.refusal_of(unknown->get_option_name());
  return e.what();
}

namespace {

// Boost 1.74 fills an option error's message template by replacing
// "%value%", "%option%"... until none is left, so a word of the user's that
// holds its own placeholder makes what() loop forever, growing the message
// (found by tests/fuzz/rescue_args_fuzz). Such an error names the option only.
bool holds_boost_placeholder(const std::vector<std::string>& args) {
  static constexpr std::string_view kPlaceholders[] = {"%value%", "%option%", "%canonical_option%",
                                                      "%original_token%", "%prefix%"};
  for (const std::string& arg : args)
    for (std::string_view p : kPlaceholders)
      if (arg.find(p) != std::string::npos) return true;
  return false;
}

std::string describe_option_error_safely(const po::error& e, const Subcommand& command,
                                         const std::vector<std::string>& args) {
  const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
  const bool unknown = dynamic_cast<const po::unknown_option*>(&e) != nullptr;  // what() unused
  if (named && !unknown && holds_boost_placeholder(args))
    return fmt::format("the argument for option '{}' is invalid", named->get_option_name());
  return describe_option_error(e, command);
}

}  // namespace

SubcommandArgs parse_subcommand_args(const std::vector<std::string>& args, const Subcommand& command) {
  po::options_description all;
  all.add(command.options);
  all.add_options()("positional", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("positional", -1);
  SubcommandArgs out;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), out.options);
    po::notify(out.options);
  } catch (const po::error& e) {
    throw UsageError(describe_option_error_safely(e, command, args));
  }
  if (out.options.count("positional")) out.files = out.options["positional"].as<std::vector<std::string>>();
  return out;
}

void expect_files(const SubcommandArgs& a, const Subcommand& command, std::size_t least, std::size_t most) {
  if (a.help()) return;
  if (a.files.size() < least) throw UsageError(fmt::format("usage: ptrescue {} {}", command.name, command.synopsis));
  if (a.files.size() > most) throw UsageError(command.refusal_of(a.files[most]));
}

void add_progress_options(Subcommand& command) {
  command.options.add_options()("json", "the result (and progress) as JSON")("quiet,q", "no progress");
}

ProgressLine::Style progress_style(const SubcommandArgs& a) {
  return ProgressLine::style_for(stderr, a.has("json"), a.has("quiet"));
}

int print_usage(const Subcommand& command) {
  fmt::print("{}", command.usage());
  return exit_code::kOk;
}

int run_subcommand(const std::string& name, const std::function<int()>& body) {
  // A message may quote a bad file or argument: terminal_safe escapes it.
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {} (try 'ptrescue {} --help')\n", terminal_safe(e.what()), name);
    return exit_code::kEnvironment;
  } catch (const BadInputFile& e) {
    fmt::print(stderr, "ptrescue: {}\n", terminal_safe(e.what()));
    return exit_code::kBadInput;
  } catch (const HeadMapFileError& e) {
    fmt::print(stderr, "ptrescue: {}\n", terminal_safe(e.what()));
    return exit_code::kBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", terminal_safe(e.what()));
    return exit_code::kEnvironment;
  }
}

int run_subcommand(const Subcommand& command, const std::vector<std::string>& args,
                   const std::function<int(const SubcommandArgs&)>& body) {
  return run_subcommand(command.name, [&] {
    const SubcommandArgs a = parse_subcommand_args(args, command);
    if (a.help()) return print_usage(command);
    return body(a);
  });
}

std::string read_named_file(const std::string& path, std::string_view what) {
  try {
    return read_whole_file(path);
  } catch (const FileReadError& e) {
    throw std::runtime_error(fmt::format("cannot read {} {}", what, e.what()));
  }
}

MapFile load_named_mapfile(const std::string& path, std::string_view what) {
  const std::string text = read_named_file(path, what);
  try {
    return MapFile::parse(text);
  } catch (const MapFileError& e) {
    throw BadInputFile(fmt::format("{} '{}': {}", what, path, e.what()));
  }
}

std::uint32_t parse_sector_size_option(const std::string& text) {
  const auto b = parse_size(text, 512, "--sector-size");
  if (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0)
    throw UsageError(fmt::format("invalid --sector-size {}: must be a power of two from 512 up to 1 MiB", b));
  return static_cast<std::uint32_t>(b);
}

std::int64_t parse_cluster_sectors_option(const std::string& text, std::string_view option) {
  constexpr std::int64_t kMaxClusterSectors = 1 << 20;
  const std::int64_t n = parse_size(text, 1, option);
  if (n < 1 || n > kMaxClusterSectors)
    throw UsageError(fmt::format("invalid {}: from 1 up to {} sectors", option, kMaxClusterSectors));
  return n;
}

}  // namespace ptrescue
