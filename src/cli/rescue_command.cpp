// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/rescue_command.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <cstdio>
#include <limits>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "src/cli/cli_options.h"
#include "src/cli/command_mode.h"
#include "src/cli/ddrescue_modes.h"
#include "src/cli/ddrescue_syntax.h"
#include "src/mapfile/loose_mapfile.h"
#include "src/mapfile/subsector_join.h"
#include "src/mapfile/domain.h"
#include "src/cli/exit_codes.h"
#include "src/cli/analyze_command.h"
#include "src/cli/export_command.h"
#include "src/export/e01_segments.h"
#include "src/engine/head_setup.h"
#include "src/engine/image_file.h"
#include "src/mapfile/mapfile_store.h"
#include "src/verify/on_the_fly_hasher.h"
#include "src/engine/preflight.h"
#include "src/verify/rescue_finishing.h"
#include "src/engine/reads_log.h"
#include "src/engine/ddrescue_logs.h"
#include "src/engine/rescue_engine.h"
#include "src/smart/smart_diff.h"
#include "src/smart/smart_monitor.h"
#include "src/cli/status_display.h"
#include "src/engine/test_mode_device.h"
#include "src/engine/bad_sector_data_device.h"
#include "base/text_file.h"
#include "base/timestamp.h"
#include "base/units.h"
#include "src/cli/open_device.h"
#include "base/durable_file.h"
#include "src/engine/run_lock.h"
#include "src/engine/run_paths.h"
#include "src/smart/smart_sidecar.h"
#include "src/verify/hash_sidecar.h"
#include "src/verify/segment_hashes.h"
#include "src/cli/rescue_order.h"
#include "src/cli/rescue_record.h"
#include "src/cli/subcommand_args.h"
#include "base/word_list.h"

namespace ptrescue {
namespace {

// The only global state: what a signal handler may touch.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_stop_again{false};  // a second signal: stops the range hashing of a stopped run
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  if (g_stop.exchange(true)) g_stop_again.store(true);
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
  void on_reopen(const ResetOutcome& r) override {
    for (auto* o : list_) o->on_reopen(r);
  }
  void on_reset(ResetKind k, const ResetOutcome& r) override {
    for (auto* o : list_) o->on_reset(k, r);
  }
  void on_failures_undone(int reads, std::int64_t bytes) override {
    for (auto* o : list_) o->on_failures_undone(reads, bytes);
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
  so.pass_through.reattach.wait = cl.reattach_wait;
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

/// A private folder (mkdtemp under $TMPDIR), removed with its files.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ptrescue-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
    path_ = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int signal_exit_status() { return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT); }

/// Every file the run reads or writes, in its role. Sidecars are listed
/// whether or not this run writes them: a later resume may.
std::vector<RunPath> run_paths(const RescueCommandLine& cl) {
  const bool simulated = cl.source.rfind("sim:", 0) == 0;
  const std::string head_map = cl.heads.source == HeadOptions::MapSource::kFile ? cl.heads.map_path : "";
  std::vector<RunPath> paths{
      {simulated ? "" : cl.source, "source", false},
      {cl.domain_mapfile == "-" ? "" : cl.domain_mapfile, "domain mapfile", false},
      {cl.test_mapfile == "-" ? "" : cl.test_mapfile, "test mapfile", false},
      {head_map, "head map", false},
      {cl.image, "image", true},
      {cl.mapfile, "mapfile", true},
      {temporary_path_for(cl.mapfile), "mapfile's temporary file", true},
      {cl.mapfile.empty() ? "" : mapfile_backup_path(cl.mapfile), "mapfile's backup", true, /*by_name=*/true},
      {lock_path_for(cl.mapfile), "mapfile's lock file", true},
      {hash_sidecar_path(cl.mapfile), "hash sidecar", true},
      {temporary_path_for(hash_sidecar_path(cl.mapfile)), "hash sidecar's temporary file", true},
      {smart_sidecar_path(cl.mapfile), "SMART sidecar", true},
      {head_map_path_for(cl.mapfile), "head map file", true},
      {temporary_path_for(head_map_path_for(cl.mapfile)), "head map's temporary file", true},
      {cl.log_reads, "reads log", true},
      {cl.ddrescue.log_events, "events log", true},
      {cl.ddrescue.log_rates, "rates log", true},
      {cl.e01 ? first_segment_path(cl.e01->out) : "", "E01 first segment", true},
      {cl.e01 ? staging_folder_of(cl.e01->out) : "", "E01 staging folder", true},
      {segment_hashes_path(cl.mapfile), "range hashes", true},
      {temporary_path_for(segment_hashes_path(cl.mapfile)), "range hashes' temporary file", true},
      {acquisition_log_path(cl.mapfile), "acquisition log", true},
  };
  if (!cl.order.empty())
    for (const std::string& f : order_files(cl.order, cl.mapfile)) paths.push_back({f, "--order domain mapfile", false});
  return paths;
}

/// --hash, --fill, --smart and --smart-stop, checked before the source is opened.
struct RunChoices {
  std::vector<HashAlgorithm> hashes;
  std::vector<BlockStatus> fill_types;
  SmartSchedule smart_schedule;
  std::vector<SmartStopRule> smart_rules;
};

RunChoices parse_run_choices(const RescueCommandLine& cl) {
  RunChoices c;
  if (!cl.hash.empty()) c.hashes = parse_hash_list(cl.hash);
  if (!cl.fill.empty()) c.fill_types = parse_fill_types(cl.fill);
  c.smart_schedule = parse_smart_schedule(cl.smart.empty() ? "passes" : cl.smart);
  if (!cl.smart_stop.empty()) c.smart_rules = parse_smart_stop_rules(cl.smart_stop);
  if (!c.smart_rules.empty() && c.smart_schedule.mode == SmartSchedule::Mode::kOff)
    throw UsageError("--smart-stop needs SMART snapshots: drop --smart=off");
  return c;
}

/// The image's size now (0 if it does not exist): for -s output.
std::int64_t image_size_now(const std::string& image) {
  struct stat st {};
  return ::stat(image.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

/// -i and -s as the source bytes asked for; sets the output offset from -o.
Extent wanted_range(const RescueCommandLine& cl, std::uint32_t ss, std::int64_t source_size, RescueOptions& options) {
  const std::int64_t ipos = parse_ddrescue_number(cl.input_position, ss, "--input-position", 0);
  const std::int64_t opos =
      cl.output_position.empty() ? ipos : parse_ddrescue_number(cl.output_position, ss, "--output-position", 0);
  if (ipos >= source_size)
    throw UsageError(fmt::format("--input-position {} is beyond the end of the source ({} bytes)", ipos, source_size));
  std::int64_t size = source_size - ipos;
  // -s output: as much as the image holds from -o on (ddrescue 1.30).
  if (cl.ddrescue.size_of_output) size = std::min(size, std::max<std::int64_t>(0, image_size_now(cl.image) - opos));
  else if (!cl.size.empty()) {
    const std::int64_t limit = parse_ddrescue_number(cl.size, ss, "--size", -1);
    if (limit >= 0) size = std::min(size, limit);  // -1: no limit
  }
  // Where the image then ends is a checked add once the domain is known (rescue()).
  options.output_offset = opos - ipos;
  return Extent{ipos, size};
}

/// `map` with a non-tried block from 0 to where it started.
MapFile from_zero(const MapFile& map) {
  MapFile whole(map.end_pos());
  map.for_each([&](const MapBlock& b) { whole.set_status(b.pos, b.size, b.status); });
  whole.set_cursor(map.cursor());
  return whole;
}

/// The mapfile of an earlier run (to resume), or a new one over the source.
/// -C keeps the mapfile's limits; -I refuses a source of another size.
MapFile load_or_start_map(MapFileStore& store, const RescueCommandLine& cl, std::int64_t source_size) {
  std::optional<MapFile> loaded;
  try {
    loaded = store.load();
  } catch (const MalformedMapFile& e) {
    throw BadInputFile(e.what());
  }
  if (loaded && cl.ddrescue.check_input_size && loaded->end_pos() != source_size)
    throw std::runtime_error(fmt::format("the source's size ({} bytes) differs from the size in mapfile '{}' ({} bytes) (-I)",
                                         source_size, cl.mapfile, loaded->end_pos()));
  MapFile map = loaded ? std::move(*loaded) : MapFile(source_size);
  // -C reads only within the mapfile's limits: a longer mapfile is then
  // used as far as the source goes.
  if (map.end_pos() > source_size && !cl.ddrescue.complete_only)
    throw BadInputFile(fmt::format("mapfile '{}' describes {} bytes but the source has only {}", cl.mapfile,
                                   map.end_pos(), source_size));
  if (!(loaded && cl.ddrescue.complete_only)) {
    map.extend_to(source_size);
    // A mapfile that starts after 0 (written with -i, or cut by hand) is
    // extended to 0 as non-tried, as ddrescue does, so that part is read too.
    if (map.begin_pos() > 0) map = from_zero(map);
  }
  return map;
}

/// A domain or test mapfile: '-' is standard input; -L reads it loosely.
MapFile side_mapfile(const std::string& path, std::string_view what, bool loose) {
  if (path != "-" && !loose) return load_named_mapfile(path, what);
  std::string text;
  if (path == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    text = in.str();
  } else {
    text = read_named_file(path, what);
  }
  try {
    return loose ? parse_loose_mapfile(text) : MapFile::parse(text);
  } catch (const MapFileError& e) {
    throw BadInputFile(fmt::format("{} '{}': {}", what, path == "-" ? "(standard input)" : path, e.what()));
  }
}

/// The bytes to rescue: the wanted range within the mapfile, and only the
/// '+' blocks of -m's domain mapfile when given.
Domain rescue_domain(const RescueCommandLine& cl, const MapFile& map, const Extent& wanted) {
  const std::int64_t begin = std::max(wanted.pos, map.begin_pos());
  const std::int64_t size = std::max<std::int64_t>(0, std::min(wanted.pos + wanted.size, map.end_pos()) - begin);
  if (cl.domain_mapfile.empty()) return Domain(begin, size);
  return Domain(side_mapfile(cl.domain_mapfile, "domain mapfile", cl.ddrescue.loose_domain), begin, size);
}

/// The run's stages: --order's, or the one domain of -i/-s/-m.
std::vector<RescueStage> rescue_stages(const RescueCommandLine& cl, const MapFile& map, const Extent& wanted) {
  if (cl.order.empty()) return {RescueStage{cl.domain_mapfile, rescue_domain(cl, map, wanted)}};
  const std::int64_t begin = std::max(wanted.pos, map.begin_pos());
  const std::int64_t size = std::max<std::int64_t>(0, std::min(wanted.pos + wanted.size, map.end_pos()) - begin);
  return load_rescue_stages(cl.order, cl.mapfile, map.end_pos(), begin, size);
}

/// Whether the latest mapfile save reached the disk: the engine keeps going
/// past a failed save after an image write error, and a message may say
/// "saved" only when it is true.
struct SaveRecord {
  bool last_failed = false;
  std::string failure;
};

SaveMap mapfile_saver(MapFileStore& store, const std::string& command_line, SaveRecord& record) {
  return [&store, &record, command_line, start_time = local_timestamp()](const MapFile& m) {
    try {
      store.save(m, {fmt::format("Mapfile. Created by ptrescue version {}", PTRESCUE_VERSION),
                     "Command line: " + command_line, "Start time:   " + start_time,
                     "Current time: " + local_timestamp(), phase_comment(m.cursor())});
      record = SaveRecord{};
    } catch (const std::exception& e) {
      record = SaveRecord{true, e.what()};
      throw;
    }
  };
}

/// What watches the run besides the display: the reads log, SMART
/// snapshots of the real drive (not the -H wrapper) and the hasher.
struct RunWatchers {
  std::unique_ptr<ReadsLog> reads_log;
  std::unique_ptr<EventsLog> events_log;  ///< --log-events
  std::unique_ptr<RatesLog> rates_log;    ///< --log-rates
  std::unique_ptr<SmartMonitor> smart;
  std::unique_ptr<OnTheFlyHasher> hasher;
};

RunWatchers attach_watchers(const RescueCommandLine& cl, const std::string& command_line, RunChoices& choices,
                            Device& drive, const Clock& clock, std::int64_t output_offset,
                            const RunProgress& progress, ObserverList& observers) {
  RunWatchers w;
  if (!cl.log_reads.empty()) {
    w.reads_log = std::make_unique<ReadsLog>(cl.log_reads, command_line, clock);
    observers.add(w.reads_log.get());
  }
  if (!cl.ddrescue.log_events.empty()) {
    w.events_log = std::make_unique<EventsLog>(cl.ddrescue.log_events, command_line, progress);
    observers.add(w.events_log.get());
  }
  if (!cl.ddrescue.log_rates.empty()) {
    w.rates_log = std::make_unique<RatesLog>(cl.ddrescue.log_rates, command_line, progress);
    observers.add(w.rates_log.get());
  }
  if (choices.smart_schedule.mode != SmartSchedule::Mode::kOff) {
    w.smart = std::make_unique<SmartMonitor>(drive, SmartSidecar(smart_sidecar_path(cl.mapfile)),
                                             choices.smart_schedule, std::move(choices.smart_rules), g_stop, stderr,
                                             !cl.smart.empty() || !cl.smart_stop.empty());
    observers.add(w.smart.get());
  }
  if (!choices.hashes.empty()) {
    w.hasher = std::make_unique<OnTheFlyHasher>(choices.hashes, output_offset);
    observers.add(w.hasher.get());
  }
  return w;
}

ProgressLine::Style progress_style_of(StatusMode status) {
  switch (status) {
    case StatusMode::kJson: return ProgressLine::Style::kJson;
    case StatusMode::kQuiet: return ProgressLine::Style::kQuiet;
    case StatusMode::kTerminal: return ProgressLine::Style::kTerminal;
    default: return ProgressLine::Style::kPlain;
  }
}

bool shows_text(StatusMode status) { return status == StatusMode::kTerminal || status == StatusMode::kPlain; }

/// How the run ends, and what it needs to say so.
struct RunEnding {
  StatusDisplay& display;
  SmartMonitor* smart;
  StatusMode status;
  const FinishingOptions& finishing;
  const RescueOptions& options;
};

/// At the end: the last SMART snapshot, then what changed since the first.
void finish_smart(const RunEnding& e) {
  if (e.smart == nullptr) return;
  e.smart->at_end();
  if (!e.smart->active() || e.status == StatusMode::kQuiet) return;
  const auto diff = smart_diff(e.smart->sidecar().read_all());
  if (!diff) return;
  if (e.status == StatusMode::kJson) fmt::print("{}\n", nlohmann::json{{"smart_diff", smart_diff_json(*diff)}}.dump());
  else fmt::print("{}", smart_diff_text(*diff));
}

/// A run that ended before finishing: no hashing or filling; the message
/// says why and that the same command resumes.
int stop_early(const RunEnding& e, std::string_view status_line, const std::string& message, int exit_status) {
  e.display.finish(status_line);
  finish_smart(e);
  skip_finishing(e.finishing, stdout);
  fmt::print(stderr, "ptrescue: {}\n", message);
  return exit_status;
}

int finish_run(const RunEnding& e, MapFile& map, OnTheFlyHasher* hasher) {
  e.display.finish("Finished");
  finish_smart(e);
  if (e.smart != nullptr && e.smart->fired())
    fmt::print(stderr, "ptrescue: SMART stop rule {} at the last snapshot (the run had finished)\n",
               *e.smart->fired());
  if (!finish_rescue(e.finishing, map, hasher, stdout)) return signal_exit_status();
  return exit_code::kOk;
}

int end_run(RunEnd end, const RunEnding& e, MapFile& map, OnTheFlyHasher* hasher) {
  switch (end) {
    case RunEnd::kFinished:
      return finish_run(e, map, hasher);
    case RunEnd::kInterrupted:
      if (g_signal == 0 && e.smart != nullptr && e.smart->fired())
        return stop_early(e, "Stopped: SMART stop rule",
                          fmt::format("SMART stop rule {}; stopped, the mapfile is saved ({} has the snapshots). Run "
                                      "the same command to resume (raise or drop the rule to go on)",
                                      *e.smart->fired(), e.smart->sidecar().path()),
                          exit_code::kSmartStop);
      return stop_early(e, "Interrupted",
                        fmt::format("interrupted by signal {}; the mapfile is saved, run the same command to resume",
                                    static_cast<int>(g_signal)),
                        signal_exit_status());
    case RunEnd::kDeviceGone:
      return stop_early(e, "Stopped: source device gone",
                        "the source stopped answering (device gone or dead); the mapfile is saved, run the same "
                        "command to resume",
                        exit_code::kDeviceGone);
    case RunEnd::kTooManyBadAreas:
      // ddrescue exits 1 here; the mapfile is saved and the same command resumes.
      return stop_early(e, "Stopped: too many bad areas",
                        fmt::format("more than {} bad areas (-e); the mapfile is saved, run the same command (with a "
                                    "higher -e) to resume",
                                    e.options.max_bad_areas),
                        exit_code::kEnvironment);
    case RunEnd::kDdrescueLimit:
      return exit_code::kEnvironment;
    case RunEnd::kErrorBudgetSpent:
      return stop_early(e, "Stopped: --max-error-reads reached",
                        fmt::format("{} failed reads (--max-error-reads); the mapfile is saved", e.options.max_error_reads),
                        exit_code::kTooManyBadAreas);
  }
  return exit_code::kInternal;
}

/// Why a run stopped, in ddrescue's words where it has them (--log-events).
std::vector<std::string> stop_reasons(RunEnd end, const std::string& limit_reason) {
  switch (end) {
    case RunEnd::kFinished: return {};
    case RunEnd::kInterrupted: return {g_signal != 0 ? "Interrupted by user" : "Stopped by a SMART stop rule"};
    case RunEnd::kDeviceGone: return {"Input file disappeared"};
    case RunEnd::kTooManyBadAreas: return {"Too many bad areas in input file"};
    case RunEnd::kErrorBudgetSpent: return {"Too many read errors"};
    case RunEnd::kDdrescueLimit: return {limit_reason};
  }
  return {};
}

/// Runs the engine; a full disk stops it, with the mapfile saved if its
/// save could succeed.
RunEnd run_engine(RescueEngine& engine, HeadSetup& heads, StatusDisplay& display, StatusMode status,
                  const SaveRecord& saves) {
  try {
    const RunEnd end = engine.run();
    if (heads.scheduler) {
      heads.scheduler->save_if_changed();
      if (shows_text(status)) fmt::print("{}\n", heads.scheduler->describe());
    }
    return end;
  } catch (const ImageWriteError& e) {
    display.finish("Stopped: image write failed");
    if (saves.last_failed)
      throw std::runtime_error(fmt::format(
          "{}; the mapfile could NOT be saved ({}): it still holds the last save; make room and run the same "
          "command again to resume from there",
          e.what(), saves.failure));
    throw std::runtime_error(fmt::format(
        "{}; the mapfile was saved: make room and run the same command again to resume", e.what()));
  }
}

/// Opens the image once the preflight passed: before anything is created
/// or read, a destination on the source's disk, or too little room for the
/// image, is refused.
ImageFile checked_image(const RescueCommandLine& cl, const Domain& domain, std::int64_t image_end) {
  enforce_preflight(PreflightInput{cl.source, cl.source.rfind("sim:", 0) != 0, cl.image, cl.mapfile, cl.log_reads,
                                   image_end, domain.total_size(), cl.sparse, cl.force},
                    BlockTopology(), stderr);
  return ImageFile(cl.image, ImageFileOptions{cl.sparse, cl.preallocate, cl.force, image_end,
                                               cl.ddrescue.compare_before_write});
}

/// The banner; the reset ladder where resets reach a drive (not a file or
/// a block device) and, for a disk on USB, the USB device.
void print_banner(const std::string& source, const DeviceIdentity& id, const std::vector<ResetKind>& ladder) {
  fmt::print("ptrescue {}\nsource: {} ({}, {} bytes, {}-byte sectors)\n", PTRESCUE_VERSION, source, id.transport,
             id.capacity_bytes(), id.logical_sector_size);
  if (id.transport != "file" && id.transport != "block")
    fmt::print("reset ladder: {}{}\n", reset_ladder_text(ladder), id.usb.empty() ? "" : " (on USB " + id.usb + ")");
  fmt::print("Press Ctrl-C to interrupt\n");
}

/// The source the engine reads: the drive, or -H's test-mode wrapper of it.
std::unique_ptr<TestModeDevice> test_mode_of(const RescueCommandLine& cl, Device& drive) {
  if (cl.test_mapfile.empty()) return nullptr;
  return std::make_unique<TestModeDevice>(drive, side_mapfile(cl.test_mapfile, "test mapfile", cl.ddrescue.loose_domain));
}

/// --bad-sector-data (ddrescue 1.30): sectors holding FILE's data read as errors.
std::unique_ptr<BadSectorDataDevice> bad_sector_data_of(const RescueCommandLine& cl, Device& source) {
  const std::string& file = cl.ddrescue.bad_sector_data;
  if (file.empty()) return nullptr;
  return std::make_unique<BadSectorDataDevice>(source, read_whole_file(file), file);
}

/// --same-file lets SOURCE and IMAGE be one file (ddrescue's option, for
/// moving data within a file); every other pair is still checked.
void check_paths(const RescueCommandLine& cl) {
  struct stat st {};
  const std::string backup = mapfile_backup_path(cl.mapfile);
  if (!cl.mapfile.empty() && ::stat(backup.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw std::runtime_error(fmt::format("the mapfile's backup '{}' exists and is not a regular file", backup));
  std::vector<RunPath> paths = run_paths(cl);
  if (!cl.ddrescue.same_file) return check_run_paths(paths);
  const auto without = [&](std::string_view role) {
    std::vector<RunPath> rest;
    for (const RunPath& p : paths)
      if (p.role != role) rest.push_back(p);
    return rest;
  };
  check_run_paths(without("image"));
  check_run_paths(without("source"));
}

/// --ask: what is about to happen, then y to go on.
void ask_to_proceed(const RescueCommandLine& cl, std::int64_t bytes) {
  fmt::print("About to copy {} bytes from '{}' to '{}'\nProceed (y/N)? ", bytes, cl.source, cl.image);
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y") throw std::runtime_error("not confirmed: nothing done (--ask)");
}

/// -t: the image starts empty (a regular file only; a device is never cut).
void truncate_image(const RescueCommandLine& cl) {
  struct stat st {};
  if (!cl.ddrescue.truncate || ::stat(cl.image.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (::truncate(cl.image.c_str(), 0) != 0)
    throw std::runtime_error(fmt::format("cannot truncate image '{}': {}", cl.image, std::strerror(errno)));
}

/// -x: the image is at least this long when the run ends (a regular file);
/// -x 0 (ddrescue 1.30): as long as the source.
void extend_image(const RescueCommandLine& cl, std::uint32_t ss, std::int64_t source_size) {
  if (cl.ddrescue.extend_outfile.empty()) return;
  std::int64_t wanted = parse_ddrescue_number(cl.ddrescue.extend_outfile, ss, "--extend-outfile", 0);
  if (wanted == 0) wanted = source_size;
  struct stat st {};
  if (::stat(cl.image.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= wanted) return;
  if (::truncate(cl.image.c_str(), wanted) != 0)
    throw std::runtime_error(fmt::format("cannot extend image '{}': {}", cl.image, std::strerror(errno)));
}

int rescue(const RescueCommandLine& cl, const std::string& command_line) {
  check_paths(cl);
  if (cl.e01) check_rescue_export_target(*cl.e01, cl.force);
  enforce_source_check(cl.source, cl.force, BlockTopology(), stderr);
  const MapFileLock map_lock(cl.mapfile);
  RunChoices choices = parse_run_choices(cl);
  OpenedSource opened = open_source_with_notes(cl.source, source_options(cl));
  Device& drive = *opened.device;
  DriveSettingsSession drive_settings(opened.settings, opened.notes);
  const std::unique_ptr<TestModeDevice> test_mode = test_mode_of(cl, drive);
  Device& tested = test_mode ? *test_mode : drive;
  const std::unique_ptr<BadSectorDataDevice> pattern_check = bad_sector_data_of(cl, tested);
  Device& source = pattern_check ? *pattern_check : tested;
  const DeviceIdentity& id = source.identity();
  const std::uint32_t ss = id.logical_sector_size;
  const auto source_size = static_cast<std::int64_t>(id.capacity_bytes());

  RescueOptions options = cl.engine;
  options.reset_ladder = reset_ladder_for(cl, drive.identity());
  if (!cl.skip_size.empty()) apply_ddrescue_skip_size(cl.skip_size, ss, options);
  // MAPFILE.hashes with --hash or --segment-hash-size (docs/FORENSICS.md); checked before the image is created.
  const std::int64_t segment_bytes = !cl.segment_hash_size.empty() ? parse_segment_hash_size(cl.segment_hash_size, ss)
                                     : choices.hashes.empty()       ? 0
                                                                    : kDefaultSegmentBytes / ss * ss;
  const Extent wanted = wanted_range(cl, ss, source_size, options);
  MapFileStore store(cl.mapfile);
  store.keep_backups();  // ddrescue's MAPFILE.bak
  MapFile map = load_or_start_map(store, cl, source_size);
  join_subsectors(map, ss);
  // --order: stages rescued one after the other (docs/FILES.md); else one stage, the domain.
  const std::vector<RescueStage> stages = rescue_stages(cl, map, wanted);
  const Domain domain = stages.size() == 1 ? stages.front().domain : union_of(stages, map.end_pos());
  const std::int64_t image_end =
      checked_position_add(domain.end_pos(), options.output_offset, "--output-position plus the size to copy");
  // Head-aware scheduling, healthy heads first (docs/HEADMAP.md); skipped heads leave the domain.
  // Set up before the image is made, so a bad head map or head option leaves no file behind.
  // --analyze: the triage first; its read times seed the head-map inference.
  HeadOptions head_options = cl.heads;
  if (head_options.analyze) head_options.latency_seed = analyze_before_rescue(drive, shows_text(cl.status));
  HeadSetup heads = setup_head_scheduling(head_options, cl.mapfile, drive, map, stages.front().domain, options);
  const Domain* run_domain = heads.domain ? &*heads.domain : &stages.front().domain;
  if (cl.ddrescue.ask) ask_to_proceed(cl, domain.total_size());
  truncate_image(cl);
  ImageFile image = checked_image(cl, domain, image_end);
  lock_image(image.fd(), cl.image);
  SaveRecord saves;
  const SaveMap save = mapfile_saver(store, command_line, saves);
  if (cl.ddrescue.command_mode) return run_command_mode({source, image, map, domain, options, save}, std::cin, stdout);

  // The bytes this run reads: the stages' union, or the one domain less any skipped head.
  const std::int64_t run_bytes = stages.size() == 1 ? run_domain->total_size() : domain.total_size();
  StatusDisplay display(cl.status, stdout, map, source.clock(), run_bytes);
  display.set_data_preview(cl.ddrescue.data_preview);  // -P
  if (heads.scheduler) display.set_extra_line([&] { return heads.scheduler->progress(map, *run_domain); });
  ObserverList observers;
  observers.add(&display);
  observers.add(&drive_settings);
  const RunWatchers watchers =
      attach_watchers(cl, command_line, choices, drive, source.clock(), options.output_offset,
                      RunProgress{map, run_bytes, source.clock()}, observers);
  FinishingOptions finishing{choices.hashes, choices.fill_types, cl.image, cl.mapfile, options.output_offset,
                             image_end, ss, cl.force, progress_style_of(cl.status), &g_stop};
  finishing.segment_bytes = segment_bytes;
  finishing.map = &map;
  finishing.stop_again = &g_stop_again;
  RescueRecord record({command_line, cl.source, cl.image, cl.mapfile, &drive}, map);
  observers.add(&record.log());
  if (shows_text(cl.status)) print_banner(cl.source, id, options.reset_ladder);

  install_signal_handlers();
  if (watchers.smart) watchers.smart->before_first_pass();  // a rule firing here stops the run before its first read
  RunEnd end = RunEnd::kFinished;
  std::string stop_reason;
  std::int64_t errors_so_far = 0;
  // With --order, every stage's copying passes (every head's, a given-up
  // weak head's too) before any stage's trimming or scraping: trimming a bad
  // cluster costs a failed read per sector, and on a dead head a stage's
  // trimming alone can spend the drive's life before the next stage's
  // readable blocks are copied (docs/FILES.md, the benchmark).
  const std::vector<bool> steps = stages.size() > 1 ? std::vector<bool>{true, false} : std::vector<bool>{false};
  bool first = true;
  for (const bool copy_only : steps)
    for (std::size_t i = 0; i < stages.size() && end == RunEnd::kFinished; ++i) {
      if (!first) {
        // Each stage's scheduler learns again from the map (and MAPFILE.headmap, once inferred).
        heads = setup_head_scheduling(head_options, cl.mapfile, drive, map, stages[i].domain, options);
        run_domain = heads.domain ? &*heads.domain : &stages[i].domain;
      }
      first = false;
      if (stages.size() > 1 && shows_text(cl.status))
        fmt::print("Stage {}/{}{}: {} ({} bytes)\n", i + 1, stages.size(), copy_only ? ", copying" : "",
                   stages[i].path, run_domain->total_size());
      if (run_domain->empty()) continue;
      // --max-error-reads is the run's budget, not each stage's.
      RescueOptions stage_options = options;
      if (options.max_error_reads > 0) stage_options.max_error_reads = options.max_error_reads - errors_so_far;
      if (copy_only) {
        stage_options.no_trim = stage_options.no_scrape = true;
        stage_options.retry_passes = 0;
      }
      RescueEngine engine(source, image, map, *run_domain, stage_options, save, observers, g_stop);
      if (heads.scheduler) engine.set_head_scheduler(heads.scheduler.get());
      end = run_engine(engine, heads, display, cl.status, saves);
      stop_reason = engine.stop_reason();
      errors_so_far += engine.read_errors();
    }
  if (watchers.events_log) watchers.events_log->finish(stop_reasons(end, stop_reason));
  if (watchers.rates_log) watchers.rates_log->finish();
  extend_image(cl, ss, source_size);
  int status = 0;
  if (end == RunEnd::kErrorBudgetSpent && cl.ddrescue.max_read_errors) {
    display.finish("Stopped");
    fmt::print(stderr, "ptrescue: too many read errors (-X); the mapfile is saved\n");
    status = exit_code::kEnvironment;
  } else if (end == RunEnd::kDdrescueLimit) {
    display.finish("Stopped");
    fmt::print(stderr, "ptrescue: {}; the mapfile is saved\n", stop_reason);
    status = exit_code::kEnvironment;
  } else {
    status = end_run(end, RunEnding{display, watchers.smart.get(), cl.status, finishing, options}, map,
                     watchers.hasher.get());
  }
  // --e01: a finished run, or one the user stopped, delivers what it has.
  if (cl.e01 && (end == RunEnd::kFinished || (end == RunEnd::kInterrupted && g_signal != 0))) {
    const E01Result e01 =
        export_after_rescue(RescueExport{*cl.e01, cl.image, cl.mapfile, options.output_offset, ss,
                                         drive.identity().model, drive.identity().serial, cl.force, cl.status},
                            map);
    record.log().add_export("E01", e01.segments.front(),
                            {fmt::format("{} segment(s), MD5 {}, SHA-1 {}, {} unrescued sectors declared",
                                         e01.segments.size(), e01.md5, e01.sha1, e01.unrescued_sectors)});
  }
  if (end == RunEnd::kTooManyBadAreas) record.close_with("stopped: too many bad areas, -e (resume with the same command)");
  else record.close(status);
  return status;
}

}  // namespace

int run_rescue_command(const std::vector<std::string>& args, const std::string& command_line) {
  return run_subcommand("rescue", [&] {
    const RescueCommandLine cl = parse_rescue_args(args);
    if (cl.help) return print_usage(rescue_command());
    if (cl.version) {
      fmt::print("ptrescue {}\n", PTRESCUE_VERSION);
      return exit_code::kOk;
    }
    if (!cl.ddrescue.fill_types.empty() || cl.ddrescue.generate) {
      check_paths(cl);
      const MapFileLock map_lock(cl.mapfile);
      return cl.ddrescue.generate ? run_generate_mode(cl, command_line) : run_fill_mode(cl);
    }
    if (!cl.mapfile.empty()) return rescue(cl, command_line);
    // No mapfile (ddrescue's `ddrescue IN OUT`): the map and its sidecars
    // live in a private folder removed when the run ends, so nothing is
    // left beside the image; such a run cannot be resumed (as ddrescue's).
    const TemporaryFolder folder;
    RescueCommandLine with_map = cl;
    with_map.mapfile = folder.path() + "/mapfile";
    return rescue(with_map, command_line);
  });
}

}  // namespace ptrescue
