// SPDX-License-Identifier: GPL-3.0-or-later
// Every subcommand reads its command line the same way: --help and -h
// answer with its usage (exit 0), an unknown option is one line naming it
// (exit 1), and `ptrescue --help` lists them all. Also: JSON output stays
// JSON whatever the names in it hold.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

// The words that start each subcommand's command line.
const std::vector<std::vector<std::string>> kSubcommands = {
    {"rescue"},        {"demo"},         {"identify"},    {"smart"},       {"smart-diff"},
    {"hash"},          {"verify"},       {"fill"},        {"report"},      {"export"},      {"headmap", "infer"},
    {"headmap", "show"}, {"sim", "replay"}, {"sim", "testmap"}, {"sim", "ceiling"}};

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::vector<std::string> with(std::vector<std::string> words, const std::string& last) {
  words.push_back(last);
  return words;
}

// `text` as one line, or "" if it is not exactly one line.
std::string single_line(const std::string& text) {
  const auto newline = text.find('\n');
  return newline + 1 == text.size() ? text.substr(0, newline) : std::string();
}

TEST(CliArguments, EverySubcommandAnswersHelp) {
  for (const auto& command : kSubcommands) {
    for (const std::string help : {"--help", "-h"}) {
      SCOPED_TRACE(joined(command) + " " + help);
      const ProcessResult r = run_ptrescue(with(command, help));
      EXPECT_EQ(r.exit_code, 0) << r.describe();
      EXPECT_EQ(r.out.rfind("Usage: ptrescue " + joined(command) + " ", 0), 0u) << r.out;
      EXPECT_NE(r.out.find("--help"), std::string::npos) << r.out;
      EXPECT_TRUE(r.err.empty()) << r.err;
    }
  }
}

TEST(CliArguments, EverySubcommandRefusesAnUnknownOptionInOneLine) {
  for (const auto& command : kSubcommands) {
    const std::string name = joined(command);
    SCOPED_TRACE(name);
    const ProcessResult r = run_ptrescue(with(command, "--no-such-option"));
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    const std::string line = single_line(r.err);
    ASSERT_FALSE(line.empty()) << r.err;
    // The same words for every subcommand.
    EXPECT_EQ(line.rfind("ptrescue: " + name + " takes ", 0), 0u) << line;
    EXPECT_NE(line.find(", not '--no-such-option' (try 'ptrescue " + name + " --help')"), std::string::npos) << line;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CliArguments, GroupsRefuseAnUnknownWordInOneLine) {
  for (const std::string group : {"headmap", "sim"}) {
    SCOPED_TRACE(group);
    const ProcessResult help = run_ptrescue({group, "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.describe();
    EXPECT_EQ(help.out.rfind("Usage: ptrescue " + group + " ", 0), 0u) << help.out;

    const ProcessResult r = run_ptrescue({group, "--no-such-option"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    const std::string line = single_line(r.err);
    ASSERT_FALSE(line.empty()) << r.err;
    EXPECT_NE(line.find("not '--no-such-option' (try 'ptrescue " + group + " --help')"), std::string::npos) << line;
  }
}

TEST(CliArguments, TopLevelHelpListsEverySubcommand) {
  const ProcessResult r = run_ptrescue({"--help"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const auto& command : kSubcommands) EXPECT_NE(r.out.find("  " + command[0] + " "), std::string::npos) << command[0];
}

TEST(CliArguments, AFileTooManyIsNamed) {
  const ProcessResult r = run_ptrescue({"report", "a.map", "b.map"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(single_line(r.err).find("report takes [options] MAPFILE, not 'b.map'"), std::string::npos) << r.err;
}

// A profile's name comes from its file name; a quote in it must not break
// the JSON that `sim replay --json` prints.
TEST(CliArguments, SimReplayJsonSurvivesAQuoteInTheProfileName) {
  TempDir dir;
  const std::string profile = dir.file("odd \"quoted\" drive.json");
  write_file(profile, R"({"capacity": 4096})");
  const std::string log = dir.file("reads.log");
  const ProcessResult ceiling = run_ptrescue({"sim", "ceiling", profile, log});
  ASSERT_EQ(ceiling.exit_code, 0) << ceiling.describe();

  const ProcessResult r = run_ptrescue({"sim", "replay", profile, log, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["profile"], "odd \"quoted\" drive");
  EXPECT_GT(j["reads"].get<std::int64_t>(), 0);
  EXPECT_TRUE(j["pct_rescued"].is_number());
}

}  // namespace
}  // namespace ptrescue
