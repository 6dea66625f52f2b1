#include "src/cli/subcommand_args.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {

SubcommandArgs parse_subcommand_args(const std::vector<std::string>& args,
                                     const po::options_description& named) {
  po::options_description all;
  all.add(named);
  all.add_options()("positional", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("positional", -1);
  SubcommandArgs out;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), out.options);
    po::notify(out.options);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (out.options.count("positional")) out.files = out.options["positional"].as<std::vector<std::string>>();
  return out;
}

MapFile load_named_mapfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open mapfile '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return MapFile::parse(ss.str());
  } catch (const MapFileError& e) {
    throw BadMapfile(fmt::format("mapfile '{}': {}", path, e.what()));
  }
}

std::string describe_options(const po::options_description& named) {
  std::ostringstream os;
  os << named;
  return os.str();
}

}  // namespace ptrescue
