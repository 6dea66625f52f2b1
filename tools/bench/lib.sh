# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Shared by the benchmark scripts in tools/bench/ (sourced, not run).
#
# What it gives them: the packages they need (installed if missing), a Release
# build of ptrescue that is not older than the sources, and timing: each
# contender is run several times, interleaved with the others so that a burst
# of load from other users of the machine hits all of them alike, and each is
# reported as the median with the spread (min-max). Ratios are taken per round
# (paired runs a few seconds apart) and reported the same way.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The tree to build and measure: this checkout unless PTRESCUE_SOURCE_DIR names
# another (e.g. a `git archive` snapshot while others edit this one).
SOURCE_ROOT="$(cd "${PTRESCUE_SOURCE_DIR:-$BENCH_ROOT}" && pwd)"
RELEASE_DIR="${PTRESCUE_RELEASE_DIR:-$SOURCE_ROOT/build-release}"
PTRESCUE="$RELEASE_DIR/ptrescue"
RUNS="${RUNS:-5}"

die() {
  echo "bench: $*" >&2
  exit 1
}

# Installs the Debian packages named (package:command pairs) whose command is
# missing. Idempotent; uses sudo when not root.
ensure_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair#*:}" >/dev/null 2>&1 || missing+=("${pair%%:*}")
  done
  ((${#missing[@]})) || return 0
  echo "bench: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds the Release binary if it is missing or any source is newer than it.
# Its own tree: the tests' Debug/ASan build (build-tests/) would measure the
# sanitizers, and build/ (Release too) is tools/setup.sh's, rebuilt from
# whatever the checkout holds, while a benchmark may measure a snapshot.
ensure_release_build() {
  local stale=""
  if [ -n "${PTRESCUE_NO_BUILD:-}" ]; then
    [ -x "$PTRESCUE" ] || die "PTRESCUE_NO_BUILD is set but $PTRESCUE does not exist"
    return 0
  fi
  if [ ! -x "$PTRESCUE" ]; then
    stale="missing"
  else
    stale=$(find "$SOURCE_ROOT/src" "$SOURCE_ROOT/transport" "$SOURCE_ROOT/commands" \
                 "$SOURCE_ROOT/CMakeLists.txt" -type f \( -name '*.cpp' -o -name '*.h' -o -name CMakeLists.txt \) \
                 -newer "$PTRESCUE" -print -quit 2>/dev/null)
  fi
  [ -z "$stale" ] && return 0
  echo "bench: building the Release binary in $RELEASE_DIR ($([ "$stale" = missing ] && echo missing || echo "stale: $stale is newer"))" >&2
  if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then
    "$SOURCE_ROOT/tools/setup.sh" >&2 || die "tools/setup.sh failed"
  fi
  cmake -S "$SOURCE_ROOT" -B "$RELEASE_DIR" -DCMAKE_BUILD_TYPE=Release -DPTRESCUE_TESTS=OFF >/dev/null 2>&1 ||
    die "cmake configure failed (run: cmake -S $SOURCE_ROOT -B $RELEASE_DIR -DCMAKE_BUILD_TYPE=Release -DPTRESCUE_TESTS=OFF)"
  cmake --build "$RELEASE_DIR" --target ptrescue -j2 >"$RELEASE_DIR/bench-build.log" 2>&1 ||
    die "Release build failed; see $RELEASE_DIR/bench-build.log"
  # The build may leave the binary's mtime untouched when nothing relinked.
  touch "$PTRESCUE"
}

# Which tree is measured: its git commit, or the commit recorded in a
# snapshot's SNAPSHOT file, else "unknown".
source_version() {
  if git -C "$SOURCE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$SOURCE_ROOT" describe --always --dirty
  elif [ -f "$SOURCE_ROOT/SNAPSHOT" ]; then
    echo "snapshot of $(head -n 1 "$SOURCE_ROOT/SNAPSHOT")"
  else
    echo unknown
  fi
}

# A short description of this machine for the report.
machine_line() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "$(date '+%Y-%m-%d %H:%M %Z'), $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# timed RESULTS ROUND NAME LOG CMD...: runs CMD once and appends
# "ROUND NAME WALL USER SYS" (seconds) to RESULTS. CMD's output goes to LOG.
# Fails the script if CMD fails.
timed() {
  local results=$1 round=$2 name=$3 log=$4
  shift 4
  local tfile="$log.time" start end rc=0
  start=$EPOCHREALTIME
  /usr/bin/time -f '%U %S' -o "$tfile" "$@" >"$log" 2>&1 || rc=$?
  end=$EPOCHREALTIME
  if [ "$rc" -ne 0 ]; then
    echo "bench: '$*' failed with status $rc; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  # /usr/bin/time writes a "Command exited..." line first if the command failed.
  local cpu
  cpu=$(tail -n 1 "$tfile")
  echo "$round $name $(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.4f", e - s}') $cpu" >>"$results"
}

# stats RESULTS NAME FIELD: "median min max" of FIELD (wall, user, sys, cpu =
# user+sys) over NAME's runs.
stats() {
  awk -v name="$2" -v field="$3" '
    $2 == name {
      v = field == "wall" ? $3 : field == "user" ? $4 : field == "sys" ? $5 : $4 + $5
      a[n++] = v
    }
    END {
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 1; i < n; i++) { x = a[i]; for (j = i - 1; j >= 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      med = n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
      printf "%.4f %.4f %.4f\n", med, a[0], a[n - 1]
    }' "$1"
}

# paired_ratio RESULTS SLOWER FASTER: per round, wall(SLOWER) / wall(FASTER);
# prints "median min max" of those ratios (> 1 means FASTER is faster).
paired_ratio() {
  awk -v a="$2" -v b="$3" '
    $2 == a { wa[$1] = $3 }
    $2 == b { wb[$1] = $3 }
    END {
      n = 0
      for (r in wa) if ((r in wb) && wb[r] > 0) v[n++] = wa[r] / wb[r]
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      med = n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
      printf "%.2f %.2f %.2f\n", med, v[0], v[n - 1]
    }' "$1"
}

# verdict VALUE GOAL: "met" or "MISSED".
verdict() {
  awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 >= g + 0) ? "met" : "MISSED" }'
}

# rotate N ITEMS...: the items rotated left by N (so each round starts with a
# different contender and none always runs right after the same one).
rotate() {
  local n=$1
  shift
  local items=("$@") i
  local k=${#items[@]}
  for ((i = 0; i < k; i++)); do echo "${items[(i + n) % k]}"; done
}
