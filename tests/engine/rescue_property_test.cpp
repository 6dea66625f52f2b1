// SPDX-License-Identifier: GPL-3.0-or-later
// A property test of `ptrescue rescue` (issue 16): random option sets, valid
// and invalid, on random small sources (regular files of odd sizes, empty
// files, small simulated drives). Whatever the options, a run
//   - ends by itself with an exit status the README documents (0, 1, 2, 5),
//     never a signal, exit 3 or a sanitizer report;
//   - refuses in one line of stderr (it runs with -q);
//   - writes no path it was not told to write and leaves every input as it was;
//   - leaves an image that equals the source wherever its mapfile says '+'
//     (and, under -H, never '+' over the test map's failing areas).
// Reproducible: PTRESCUE_PROPERTY_SEED sets the seed (printed on failure),
// PTRESCUE_PROPERTY_TRIALS the number of runs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_pattern.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::TempDir;

constexpr std::int64_t kSs = 512;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

class Dice {
 public:
  explicit Dice(std::uint64_t seed) : rng_(seed) {}
  std::int64_t below(std::int64_t n) { return n <= 0 ? 0 : static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[static_cast<std::size_t>(below(static_cast<std::int64_t>(items.size())))]; }
  std::uint64_t next() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

/// What the rescue reads: its command-line name, its bytes, and the byte
/// ranges it cannot read (a simulated drive's bad ranges).
struct Source {
  std::string arg;
  std::string bytes;
  std::vector<std::pair<std::int64_t, std::int64_t>> unreadable;  // [begin, end)
};

Source file_source(Dice& dice, const TempDir& dir) {
  const std::vector<std::int64_t> sizes{0, 1, 511, 512, 513, 4095, 4096, 65536 + 7};
  const std::int64_t size = dice.chance(0.5) ? dice.pick(sizes) : dice.below(300 << 10);
  Source s{dir.file("source.bin"), test::random_bytes(static_cast<std::size_t>(size), dice.next()), {}};
  test::write_file(s.arg, s.bytes);
  return s;
}

// A simulated drive of 64 KiB to 1 MiB with a few bad ranges (docs/SIMULATOR.md);
// its sectors hold fill_sector_pattern(seed, lba).
Source sim_source(Dice& dice, const TempDir& dir) {
  const std::int64_t sectors = 128 + dice.below(1920);
  const std::uint64_t seed = dice.next() % 1000000;
  std::string bad_ranges;
  Source s{"sim:" + dir.file("drive.json"), std::string(static_cast<std::size_t>(sectors * kSs), '\0'), {}};
  for (int i = dice.below(4); i > 0; --i) {
    const std::int64_t length = 1 + dice.below(40);
    const std::int64_t start = dice.below(sectors - length);
    bad_ranges += fmt::format("{}{{\"start\": {}, \"length\": {}}}", bad_ranges.empty() ? "" : ", ", start, length);
    s.unreadable.emplace_back(start * kSs, (start + length) * kSs);
  }
  test::write_file(dir.file("drive.json"),
                   fmt::format(R"({{"name": "prop", "seed": {}, "capacity": {}, "heads": 2, "zones": 2,
                                   "stripe": "64KiB", "bad_ranges": [{}]}})",
                               seed, sectors, bad_ranges));
  fill_sectors_pattern(seed, 0, kSs, std::as_writable_bytes(std::span(s.bytes.data(), s.bytes.size())));
  return s;
}

/// One option value: its text and, for positions given in bytes, the number.
struct Value {
  std::string text;
  std::optional<std::int64_t> bytes;
};

/// One run: the command line and what it was told to write.
struct Trial {
  std::vector<std::string> args;
  std::string image, map, reads_log;
  std::optional<MapFile> test_map;
  std::int64_t image_shift = 0;  // image offset minus source offset (-o minus -i)
};

std::string command_line(const Trial& t) {
  std::string s = "ptrescue";
  for (const auto& a : t.args) s += " '" + a + "'";
  return s;
}

/// An option's values: ones it accepts, and ones it must refuse in one line.
struct OptionValues {
  std::string name;
  std::vector<std::string> valid, invalid;
};

// Flags and valued options, each present at random; one value in eight is invalid.
void add_plain_options(Dice& dice, Trial& t) {
  for (const char* flag : {"-R", "-n", "-N", "-A", "-p", "-S"})
    if (dice.chance(0.2)) t.args.push_back(flag);
  const std::vector<OptionValues> options{
      {"-r", {"0", "1", "2"}, {"-2", "x", "99999999999999999999"}},
      {"-c", {"1", "3", "16", "128", "1000"}, {"0", "-1", "x", "9223372036854775807"}},
      {"-b", {"512", "4096", "1024"}, {"0", "2Mi", "x"}},
      {"-K", {"64Ki", "64Ki,1Mi", "0"}, {"1Mi,64Ki", "4Ki", "x", ","}},
      {"-e", {"1", "+1", "5"}, {"x", "-1"}},
      {"--segment-hash-size", {"64Ki", "1Mi"}, {"0", "x", "100"}},
      {"--head-map", {"none", "infer"}, {"bogus", ""}},
      {"--read-timeout", {"1s", "500ms", "copy=1s,trim=2s"}, {"0", "-1s", "copy=1s,copy=2s", "x", "9223372036854775807s"}},
      {"--hash", {"md5", "sha1,sha256", "all"}, {"", "nope", "md5,md5"}},
      {"--fill", {"-", "?*/-"}, {"x", ""}},
      {"--mapfile-interval", {"50ms", "1s"}, {"-2", "x"}},
      {"--max-error-reads", {"1", "10"}, {"0", "x"}},
      {"--smart", {"off", "passes", "interval:1s"}, {"bogus"}},
  };
  for (const auto& o : options)
    if (dice.chance(0.2)) t.args.insert(t.args.end(), {o.name, dice.pick(dice.chance(0.125) ? o.invalid : o.valid)});
}

// -i, -o and -s; the image holds source byte P at P + image_shift.
void add_positions(Dice& dice, std::int64_t size, Trial& t) {
  const std::vector<Value> positions{{"0", 0},         {"512", 512},        {"1000", 1000},    {"1Ki", 1024},
                                     {std::to_string(size), size},          {std::to_string(size + 1), size + 1},
                                     {"-1", {}},       {"x", {}},           {"9223372036854775807", {}}};
  std::optional<Value> in, out;
  if (dice.chance(0.2)) in = dice.pick(positions);
  if (dice.chance(0.2)) out = dice.pick(positions);
  if (in) t.args.insert(t.args.end(), {"-i", in->text});
  if (out) t.args.insert(t.args.end(), {"-o", out->text});
  if (dice.chance(0.2)) t.args.insert(t.args.end(), {"-s", dice.pick(positions).text});
  const std::int64_t ipos = in && in->bytes ? *in->bytes : 0;
  if (out && out->bytes) t.image_shift = *out->bytes - ipos;
}

// -H with a test map of random failing areas (of the source's size, or not).
void add_test_map(Dice& dice, const TempDir& dir, std::int64_t size, Trial& t) {
  const std::int64_t map_size = dice.chance(0.8) ? size : dice.below(size + 4096);
  MapFile m(map_size);
  m.set_status(0, map_size, BlockStatus::kFinished);
  const BlockStatus failing[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                                 BlockStatus::kBadSector};
  for (int i = dice.below(6); i > 0 && map_size > 0; --i) {
    const std::int64_t pos = dice.below(map_size);
    m.set_status(pos, std::min<std::int64_t>(1 + dice.below(8 * kSs), map_size - pos), failing[dice.below(4)]);
  }
  test::write_file(dir.file("test.map"), m.serialize({"property test map"}));
  t.args.insert(t.args.end(), {"-H", dir.file("test.map")});
  if (map_size == size) t.test_map = std::move(m);
}

Trial random_trial(Dice& dice, const TempDir& dir, const Source& source) {
  Trial t;
  t.image = dir.file("image.img");
  t.map = dir.file("rescue.map");
  t.args = {"rescue", "-q"};
  add_plain_options(dice, t);
  add_positions(dice, static_cast<std::int64_t>(source.bytes.size()), t);
  if (dice.chance(0.3)) add_test_map(dice, dir, static_cast<std::int64_t>(source.bytes.size()), t);
  if (dice.chance(0.3)) {
    // Mostly a file of its own; now and then one that collides with another path.
    t.reads_log = dice.chance(0.8) ? dir.file("reads.log") : dice.pick(std::vector<std::string>{t.image, source.arg, t.map + ".tmp"});
    t.args.insert(t.args.end(), {"--log-reads", t.reads_log});
  }
  // Now and then an image or mapfile that is the source itself.
  if (source.arg.rfind("sim:", 0) != 0 && dice.chance(0.05)) (dice.chance(0.5) ? t.image : t.map) = source.arg;
  t.args.insert(t.args.end(), {source.arg, t.image, t.map});
  return t;
}

/// Every file under `dir` (relative names) with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    files[std::filesystem::relative(e.path(), dir).string()] = e.is_regular_file() ? test::read_file(e.path()) : "<not a file>";
  return files;
}

void expect_clean_ending(const ProcessResult& r, const std::string& where) {
  EXPECT_TRUE(r.exited()) << where << "ended by signal " << r.term_signal << " (9: hung, killed)\n" << r.describe();
  for (const char* report : {"AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"})
    EXPECT_EQ(r.err.find(report), std::string::npos) << where << "sanitizer report\n" << r.describe();
  const std::set<int> documented{0, 1, 2, 5};
  EXPECT_TRUE(!r.exited() || documented.count(r.exit_code) == 1) << where << "undocumented exit status\n" << r.describe();
  if (r.exited() && (r.exit_code == 1 || r.exit_code == 2)) {
    const std::string err = r.err.substr(0, r.err.find_last_not_of('\n') + 1);
    EXPECT_TRUE(!err.empty() && err.find('\n') == std::string::npos)
        << where << "a refusal under -q must be one line of stderr\n" << r.describe();
  }
}

void expect_only_told_paths(const std::map<std::string, std::string>& inputs,
                            const std::map<std::string, std::string>& after, const Trial& t,
                            const std::string& dir, const std::string& where) {
  const auto name = [&](const std::string& path) { return std::filesystem::relative(path, dir).string(); };
  std::set<std::string> allowed{name(t.image), name(t.map)};
  for (const char* side : {".bak", ".lock", ".hash", ".hashes", ".smart.jsonl", ".headmap", ".acquisition.log"})
    allowed.insert(name(t.map + side));
  if (!t.reads_log.empty()) allowed.insert(name(t.reads_log));
  for (const auto& [file, bytes] : after) {
    if (inputs.count(file) == 0) {
      EXPECT_EQ(allowed.count(file), 1u) << where << "wrote " << file << ", a path it was not told to write";
    }
  }
  for (const auto& [file, bytes] : inputs) {
    const auto now = after.find(file);
    EXPECT_TRUE(now != after.end() && now->second == bytes) << where << "changed or removed its input " << file;
  }
}

void expect_image_true_where_rescued(const Trial& t, const Source& source, const std::string& where) {
  if (!std::filesystem::exists(t.map) || t.map == source.arg || t.image == source.arg) return;
  const std::string image = test::read_file(t.image);
  const MapFile map = MapFile::parse(test::read_file(t.map));
  const auto src_size = static_cast<std::int64_t>(source.bytes.size());
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    EXPECT_LE(b.end(), src_size) << where << "'+' beyond the source's end at " << b.pos;
    const std::int64_t at = b.pos + t.image_shift;
    const std::int64_t n = std::min(b.end(), src_size) - b.pos;
    EXPECT_TRUE(at >= 0 && at + n <= static_cast<std::int64_t>(image.size()) &&
                image.compare(static_cast<std::size_t>(at), static_cast<std::size_t>(n), source.bytes,
                              static_cast<std::size_t>(b.pos), static_cast<std::size_t>(n)) == 0)
        << where << "image differs from the source in the '+' block at " << b.pos << " size " << b.size;
    for (const auto& [begin, end] : source.unreadable)
      EXPECT_FALSE(b.pos < end && begin < b.end()) << where << "'+' over the drive's bad range at " << begin;
    if (t.test_map)
      t.test_map->for_each([&](const MapBlock& h) {
        EXPECT_FALSE(h.status != BlockStatus::kFinished && h.pos < b.end() && b.pos < h.end())
            << where << "'+' at " << b.pos << " over the test map's failing area at " << h.pos;
      });
  });
}

TEST(RescueProperty, RandomOptionSetsNeitherCrashNorWriteElsewhereAndKeepRescuedBytesTrue) {
  const std::uint64_t seed = env_number("PTRESCUE_PROPERTY_SEED", 16);
  const std::uint64_t trials = env_number("PTRESCUE_PROPERTY_TRIALS", 80);
  std::map<int, int> exits;
  for (std::uint64_t i = 0; i < trials; ++i) {
    Dice dice(seed * 1000003 + i);
    TempDir dir;
    const Source source = dice.chance(0.3) ? sim_source(dice, dir) : file_source(dice, dir);
    const Trial trial = random_trial(dice, dir, source);
    // The files there before the first run are its inputs; a second run with
    // the same command (a resume, one trial in four) is held to the same rules.
    const auto inputs = snapshot(dir.path());
    const int runs = dice.chance(0.25) ? 2 : 1;
    for (int run = 1; run <= runs; ++run) {
      const ProcessResult r = test::run_ptrescue(trial.args, std::chrono::seconds(20));
      const std::string where =
          fmt::format("PTRESCUE_PROPERTY_SEED={} trial {} run {}: {}\n", seed, i, run, command_line(trial));
      expect_clean_ending(r, where);
      expect_only_told_paths(inputs, snapshot(dir.path()), trial, dir.path(), where);
      expect_image_true_where_rescued(trial, source, where);
      ++exits[r.exited() ? r.exit_code : 128 + r.term_signal];
    }
    if (HasFailure()) break;  // one reproducible case is enough
  }
  std::string spread;
  for (const auto& [code, n] : exits) spread += fmt::format(" exit {}: {};", code, n);
  std::cout << "[ seed " << seed << " ] " << trials << " trials:" << spread << "\n";
  // Both outcomes must occur, or the generator has drifted into testing one path.
  EXPECT_GT(exits[0], 0);
  EXPECT_GT(exits[1], 0);
}

}  // namespace
}  // namespace ptrescue
