#include "src/cli/rescue_command.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/cli_options.h"
#include "src/mapfile/domain.h"
#include "src/cli/exit_codes.h"
#include "src/engine/head_setup.h"
#include "src/engine/image_file.h"
#include "src/mapfile/mapfile_store.h"
#include "src/verify/on_the_fly_hasher.h"
#include "src/engine/preflight.h"
#include "src/verify/rescue_finishing.h"
#include "src/engine/reads_log.h"
#include "src/engine/rescue_engine.h"
#include "src/smart/smart_diff.h"
#include "src/smart/smart_monitor.h"
#include "src/cli/status_display.h"
#include "src/engine/test_mode_device.h"
#include "base/timestamp.h"
#include "base/units.h"
#include "src/cli/open_device.h"

namespace ptrescue {
namespace {

// The only global state: what a signal handler may touch.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: let a blocking call return early
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

/// Reads a whole (small) file a user named; throws naming it.
std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Parse errors in a file the user gave: exit 2, naming the file.
class BadInputFile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

MapFile parse_named_mapfile(const std::string& path, std::string_view what) {
  const std::string text = read_text_file(path, what);
  try {
    return MapFile::parse(text);
  } catch (const MapFileError& e) {
    throw BadInputFile(fmt::format("{} '{}': {}", what, path, e.what()));
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/// Fans the engine's events out to the display and the reads log.
class ObserverList final : public RescueObserver {
 public:
  void add(RescueObserver* o) { list_.push_back(o); }
  void on_phase(Phase p, int pass, std::string_view d) override {
    for (auto* o : list_) o->on_phase(p, pass, d);
  }
  void on_read(const ReadEvent& e) override {
    for (auto* o : list_) o->on_read(e);
  }
  void on_reset(ResetKind k, const ResetOutcome& r) override {
    for (auto* o : list_) o->on_reset(k, r);
  }
  void on_save() override {
    for (auto* o : list_) o->on_save();
  }

 private:
  std::vector<RescueObserver*> list_;
};

/// The pass-through source's volatile settings for the run: Limited Retry
/// on copy passes only, the notes a reset produces (settings re-applied),
/// and restoring everything when the run ends, however it ends (an
/// interrupted run returns here too, with the mapfile saved).
class DriveSettingsSession final : public RescueObserver {
 public:
  DriveSettingsSession(DriveSettings* settings, const std::vector<std::string>& open_notes)
      : settings_(settings) {
    print(open_notes);
  }
  ~DriveSettingsSession() override {
    if (settings_ == nullptr) return;
    settings_->restore_settings();
    print(settings_->take_notes());
  }
  DriveSettingsSession(const DriveSettingsSession&) = delete;
  DriveSettingsSession& operator=(const DriveSettingsSession&) = delete;

  void on_phase(Phase p, int, std::string_view) override {
    if (settings_ != nullptr) settings_->set_limited_retry(p == Phase::kCopying);
  }
  void on_reset(ResetKind, const ResetOutcome&) override {
    if (settings_ != nullptr) print(settings_->take_notes());
  }

 private:
  static void print(const std::vector<std::string>& notes) {
    for (const auto& n : notes) fmt::print(stderr, "ptrescue: {}\n", n);
  }
  DriveSettings* settings_;
};

SourceOptions source_options(const RescueCommandLine& cl) {
  SourceOptions so;
  so.direct = cl.direct;
  so.sector_size = cl.sector_size;
  so.transport = parse_transport_choice(cl.transport).value_or(TransportChoice::kAuto);
  so.pass_through.erc = cl.erc;
  so.pass_through.dsense = cl.dsense;
  so.pass_through.limited_retry = cl.limited_retry;
  so.pass_through.power_cycle.command = cl.power_cycle_cmd;
  return so;
}

std::string phase_comment(const MapCursor& c) {
  switch (c.phase) {
    case Phase::kCopying: return fmt::format("Copying non-tried blocks... Pass {}", c.pass);
    case Phase::kTrimming: return "Trimming failed blocks...";
    case Phase::kScraping: return "Scraping failed blocks...";
    case Phase::kRetrying: return fmt::format("Retrying bad sectors... Retry {}", c.pass);
    case Phase::kFinished: return "Finished";
    default: return "Interrupted";
  }
}

int rescue(const RescueCommandLine& cl, const std::string& command_line) {
  if (same_file(cl.source, cl.image)) throw std::runtime_error("the image is the source itself");
  if (same_file(cl.source, cl.mapfile) || same_file(cl.image, cl.mapfile))
    throw std::runtime_error("the mapfile is the source or the image");
  if (cl.image == cl.mapfile) throw std::runtime_error("the image and the mapfile are the same file");
  const std::vector<HashAlgorithm> hashes = cl.hash.empty() ? std::vector<HashAlgorithm>{} : parse_hash_list(cl.hash);
  const std::vector<BlockStatus> fill_types = cl.fill.empty() ? std::vector<BlockStatus>{} : parse_fill_types(cl.fill);
  const SmartSchedule smart_schedule = parse_smart_schedule(cl.smart.empty() ? "passes" : cl.smart);
  std::vector<SmartStopRule> smart_rules = cl.smart_stop.empty() ? std::vector<SmartStopRule>{}
                                                                 : parse_smart_stop_rules(cl.smart_stop);
  if (!smart_rules.empty() && smart_schedule.mode == SmartSchedule::Mode::kOff)
    throw UsageError("--smart-stop needs SMART snapshots: drop --smart=off");

  OpenedSource opened_source = open_source_with_notes(cl.source, source_options(cl));
  std::unique_ptr<Device>& opened = opened_source.device;
  DriveSettingsSession drive_settings(opened_source.settings, opened_source.notes);
  Device* source = opened.get();
  std::unique_ptr<TestModeDevice> test_mode;
  if (!cl.test_mapfile.empty()) {
    test_mode = std::make_unique<TestModeDevice>(*opened, parse_named_mapfile(cl.test_mapfile, "test mapfile"));
    source = test_mode.get();
  }
  const DeviceIdentity& id = source->identity();
  const std::uint32_t ss = id.logical_sector_size;
  const auto source_size = static_cast<std::int64_t>(id.capacity_bytes());

  RescueOptions options = cl.engine;
  if (!cl.skip_size.empty()) {
    const auto comma = cl.skip_size.find(',');
    const std::string first = cl.skip_size.substr(0, comma);
    if (!first.empty()) options.skip_initial = parse_size(first, ss, "--skip-size");
    if (comma != std::string::npos)
      options.skip_max = parse_size(cl.skip_size.substr(comma + 1), ss, "--skip-size max");
    if (options.skip_max > 0 && options.skip_max < options.skip_initial)
      throw UsageError("invalid --skip-size: max is below initial");
  }
  const std::int64_t ipos = parse_size(cl.input_position, ss, "--input-position");
  if (ipos >= source_size)
    throw UsageError(fmt::format("--input-position {} is beyond the end of the source ({} bytes)",
                                 ipos, source_size));
  std::int64_t size = source_size - ipos;
  if (!cl.size.empty()) size = std::min(size, parse_size(cl.size, ss, "--size"));
  const std::int64_t opos = cl.output_position.empty() ? ipos : parse_size(cl.output_position, ss, "--output-position");
  options.output_offset = opos - ipos;

  MapFileStore store(cl.mapfile);
  std::optional<MapFile> loaded;
  try {
    loaded = store.load();
  } catch (const MalformedMapFile& e) {
    throw BadInputFile(e.what());
  }
  MapFile map = loaded ? std::move(*loaded) : MapFile(source_size);
  if (map.end_pos() > source_size)
    throw BadInputFile(fmt::format("mapfile '{}' describes {} bytes but the source has only {}",
                                   cl.mapfile, map.end_pos(), source_size));
  map.extend_to(source_size);
  const std::int64_t dpos = std::max(ipos, map.begin_pos());
  const std::int64_t dend = std::min(ipos + size, map.end_pos());
  const Domain domain = cl.domain_mapfile.empty()
                            ? Domain(dpos, std::max<std::int64_t>(0, dend - dpos))
                            : Domain(parse_named_mapfile(cl.domain_mapfile, "domain mapfile"), dpos,
                                     std::max<std::int64_t>(0, dend - dpos));

  // Before anything is created or read: refuse a destination on the
  // source's disk, or too little room for the image.
  enforce_preflight(PreflightInput{cl.source, cl.source.rfind("sim:", 0) != 0, cl.image, cl.mapfile,
                                   cl.log_reads, domain.end_pos() + options.output_offset,
                                   domain.total_size(), cl.sparse, cl.force},
                    BlockTopology(), stderr);

  ImageFile image(cl.image, ImageFileOptions{cl.sparse, cl.preallocate, cl.force,
                                             domain.end_pos() + options.output_offset});

  const std::string start_time = local_timestamp();
  SaveMap save = [&](const MapFile& m) {
    store.save(m, {fmt::format("Mapfile. Created by ptrescue version {}", PTRESCUE_VERSION),
                   "Command line: " + command_line, "Start time:   " + start_time,
                   "Current time: " + local_timestamp(), phase_comment(m.cursor())});
  };

  // Head-aware scheduling, healthy heads first (docs/HEADMAP.md); skipped heads leave the domain.
  HeadSetup heads = setup_head_scheduling(cl.heads, cl.mapfile, *opened, map, domain, options);
  const Domain& run_domain = heads.domain ? *heads.domain : domain;

  ObserverList observers;
  StatusDisplay display(cl.status, stdout, map, source->clock(), run_domain.total_size());
  if (heads.scheduler)
    display.set_extra_line([&] { return heads.scheduler->progress(map, run_domain); });
  observers.add(&display);
  observers.add(&drive_settings);
  std::unique_ptr<ReadsLog> reads_log;
  if (!cl.log_reads.empty()) {
    reads_log = std::make_unique<ReadsLog>(cl.log_reads, command_line, source->clock());
    observers.add(reads_log.get());
  }
  // SMART snapshots of the real drive (not the -H wrapper) into MAPFILE.smart.jsonl.
  std::unique_ptr<SmartMonitor> smart;
  if (smart_schedule.mode != SmartSchedule::Mode::kOff) {
    smart = std::make_unique<SmartMonitor>(*opened, SmartSidecar(smart_sidecar_path(cl.mapfile)), smart_schedule,
                                           std::move(smart_rules), g_stop, stderr,
                                           !cl.smart.empty() || !cl.smart_stop.empty());
    observers.add(smart.get());
  }
  // At the end: the last snapshot, then what changed since the first.
  auto finish_smart = [&] {
    if (!smart) return;
    smart->at_end();
    if (!smart->active() || cl.status == StatusMode::kQuiet) return;
    const auto diff = smart_diff(smart->sidecar().read_all());
    if (!diff) return;
    if (cl.status == StatusMode::kJson)
      fmt::print("{}\n", nlohmann::json{{"smart_diff", smart_diff_json(*diff)}}.dump());
    else
      fmt::print("{}", smart_diff_text(*diff));
  };
  std::unique_ptr<OnTheFlyHasher> hasher;
  if (!hashes.empty()) {
    hasher = std::make_unique<OnTheFlyHasher>(hashes, options.output_offset);
    observers.add(hasher.get());
  }
  const FinishingOptions finishing{
      hashes, fill_types, cl.image, cl.mapfile, options.output_offset,
      domain.end_pos() + options.output_offset, ss, cl.force,
      cl.status == StatusMode::kJson    ? ProgressLine::Style::kJson
      : cl.status == StatusMode::kQuiet ? ProgressLine::Style::kQuiet
      : cl.status == StatusMode::kTerminal ? ProgressLine::Style::kTerminal
                                           : ProgressLine::Style::kPlain,
      &g_stop};
  if (cl.status == StatusMode::kTerminal || cl.status == StatusMode::kPlain)
    fmt::print("ptrescue {}\nsource: {} ({}, {} bytes, {}-byte sectors)\nPress Ctrl-C to interrupt\n",
               PTRESCUE_VERSION, cl.source, id.transport, source_size, ss);

  install_signal_handlers();
  if (smart) smart->before_first_pass();  // a rule firing here stops the run before its first read
  RescueEngine engine(*source, image, map, run_domain, options, save, observers, g_stop);
  if (heads.scheduler) engine.set_head_scheduler(heads.scheduler.get());
  RunEnd end;
  try {
    end = engine.run();
    if (heads.scheduler) {
      heads.scheduler->save_if_changed();
      if (cl.status == StatusMode::kTerminal || cl.status == StatusMode::kPlain)
        fmt::print("{}\n", heads.scheduler->describe());
    }
  } catch (const ImageWriteError& e) {
    display.finish("Stopped: image write failed");
    throw std::runtime_error(fmt::format(
        "{}; the mapfile was saved: make room and run the same command again to resume", e.what()));
  }
  const bool smart_stopped = end == RunEnd::kInterrupted && g_signal == 0 && smart && smart->fired();
  switch (end) {
    case RunEnd::kFinished:
      display.finish("Finished");
      finish_smart();
      if (smart && smart->fired())
        fmt::print(stderr, "ptrescue: SMART stop rule {} at the last snapshot (the run had finished)\n",
                   *smart->fired());
      if (!finish_rescue(finishing, map, hasher.get(), stdout))
        return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
      return exit_code::kOk;
    case RunEnd::kInterrupted:
      if (smart_stopped) {
        display.finish("Stopped: SMART stop rule");
        finish_smart();
        skip_finishing(finishing, stdout);
        fmt::print(stderr,
                   "ptrescue: SMART stop rule {}; stopped, the mapfile is saved ({} has the snapshots). Run "
                   "the same command to resume (raise or drop the rule to go on)\n",
                   *smart->fired(), smart->sidecar().path());
        return exit_code::kSmartStop;
      }
      display.finish("Interrupted");
      finish_smart();
      skip_finishing(finishing, stdout);
      fmt::print(stderr, "ptrescue: interrupted by signal {}; the mapfile is saved, run the same command to resume\n",
                 static_cast<int>(g_signal));
      return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
    case RunEnd::kDeviceGone:
      display.finish("Stopped: source device gone");
      finish_smart();
      skip_finishing(finishing, stdout);
      fmt::print(stderr, "ptrescue: the source stopped answering (device gone or dead); the mapfile is saved, run the same command to resume\n");
      return exit_code::kDeviceGone;
    case RunEnd::kTooManyBadAreas:
      display.finish("Stopped: too many bad areas");
      finish_smart();
      skip_finishing(finishing, stdout);
      fmt::print(stderr, "ptrescue: more than {} bad areas (-e); the mapfile is saved\n", options.max_bad_areas);
      return exit_code::kTooManyBadAreas;
    case RunEnd::kErrorBudgetSpent:
      display.finish("Stopped: --max-error-reads reached");
      finish_smart();
      skip_finishing(finishing, stdout);
      fmt::print(stderr, "ptrescue: {} failed reads (--max-error-reads); the mapfile is saved\n",
                 options.max_error_reads);
      return exit_code::kTooManyBadAreas;
  }
  return exit_code::kInternal;
}

}  // namespace

int run_rescue_command(const std::vector<std::string>& args, const std::string& command_line) {
  try {
    const RescueCommandLine cl = parse_rescue_args(args);
    if (cl.help) {
      fmt::print("{}", rescue_usage());
      return exit_code::kOk;
    }
    if (cl.version) {
      fmt::print("ptrescue {}\n", PTRESCUE_VERSION);
      return exit_code::kOk;
    }
    return rescue(cl, command_line);
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n(try 'ptrescue rescue --help')\n", e.what());
    return exit_code::kEnvironment;
  } catch (const BadInputFile& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const HeadMapFileError& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
