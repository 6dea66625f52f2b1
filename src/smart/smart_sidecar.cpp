// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_sidecar.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/text_file.h"
#include "base/timestamp.h"
#include "base/unique_fd.h"
#include "base/word_list.h"

namespace ptrescue {

std::string smart_sidecar_path(const std::string& mapfile) { return mapfile + ".smart.jsonl"; }

SmartSnapshot stamped_snapshot(std::string event) {
  SmartSnapshot s;
  s.event = std::move(event);
  s.time = utc_timestamp();
  s.time_t_value = static_cast<std::int64_t>(std::time(nullptr));
  return s;
}

nlohmann::json SmartSnapshot::to_json() const {
  nlohmann::json j = smart ? *smart : nlohmann::json::object();
  // smartctl's local_time: the report labels snapshots with asctime.
  const std::time_t t = static_cast<std::time_t>(time_t_value);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y %Z", &tm);
  j["local_time"] = {{"time_t", time_t_value}, {"asctime", buf}};
  nlohmann::json p = {{"event", event}, {"label", label}, {"phase", phase}, {"pass", pass},
                      {"device_seconds", device_seconds}, {"time", time}};
  if (!smart) p["error"] = error;
  j["ptrescue"] = p;
  return j;
}

std::optional<SmartSnapshot> SmartSnapshot::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  SmartSnapshot s;
  if (auto lt = j.find("local_time"); lt != j.end() && lt->is_object()) {
    if (auto t = lt->find("time_t"); t != lt->end() && t->is_number_integer()) s.time_t_value = t->get<std::int64_t>();
    if (auto a = lt->find("asctime"); a != lt->end() && a->is_string()) s.time = a->get<std::string>();
  }
  const auto p = j.find("ptrescue");
  if (p == j.end() || !p->is_object()) {
    // smartctl -j output appended by hand: a snapshot if it says anything about health.
    if (!j.contains("smart_status") && !j.contains("ata_smart_attributes") &&
        !j.contains("nvme_smart_health_information_log") && !j.contains("temperature"))
      return std::nullopt;
    s.event = "external";
    s.smart = j;
    return s;
  }
  auto str = [&](const char* key) -> std::string {
    const auto it = p->find(key);
    return it != p->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  s.event = str("event");
  if (s.event.empty()) return std::nullopt;
  s.label = str("label");
  s.phase = str("phase");
  if (auto t = str("time"); !t.empty()) s.time = t;
  if (auto it = p->find("pass"); it != p->end() && it->is_number_integer()) s.pass = it->get<int>();
  if (auto it = p->find("device_seconds"); it != p->end() && it->is_number()) s.device_seconds = it->get<double>();
  if (auto e = p->find("error"); e != p->end()) {
    s.error = e->is_string() ? e->get<std::string>() : std::string("unknown error");
    return s;
  }
  s.smart = j;
  return s;
}

namespace {

// Opens the sidecar for appending; `created` says whether this made the file.
UniqueFd open_for_append(const std::string& path, bool& created) {
  created = false;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    created = fd.valid();
  }
  if (!fd.valid())
    throw std::runtime_error(fmt::format("cannot open the SMART sidecar '{}': {}", path, std::strerror(errno)));
  return fd;
}

}  // namespace

void SmartSidecar::append(const SmartSnapshot& s) const {
  const std::string line = s.to_json().dump() + "\n";
  bool created = false;
  UniqueFd fd = open_for_append(path_, created);
  const auto fail = [&](const char* what) {
    throw std::runtime_error(fmt::format("cannot {} the SMART sidecar '{}': {}", what, path_, std::strerror(errno)));
  };
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  // The line is on disk before append() returns; a new file's name too.
  if (::fdatasync(fd.get()) != 0) fail("sync");
  if (!fd.close_checked()) fail("close");
  if (created) sync_folder_of(write_target_of(path_));
}

std::vector<SmartSnapshot> SmartSidecar::read_all(std::size_t* skipped) const {
  std::vector<SmartSnapshot> out;
  std::size_t bad = 0;
  std::string text;
  try {
    text = read_whole_file(path_);
  } catch (const FileReadError&) {
    text.clear();  // no sidecar (yet): no snapshots
  }
  for (const std::string& line : split_list(text, '\n')) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (auto s = SmartSnapshot::from_json(j)) out.push_back(std::move(*s));
    else ++bad;
  }
  if (skipped) *skipped = bad;
  return out;
}

}  // namespace ptrescue
