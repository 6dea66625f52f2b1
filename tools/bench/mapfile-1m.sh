#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Resuming a finished mapfile of 1,000,000 fragments: ptrescue vs GNU ddrescue.
#
# The mapfile (tools/bench/gen-finished-mapfile.sh) alternates 3584-byte '+'
# runs with 512-byte '-' bad sectors, status line phase '+', over a sparse
# source of the same size (2,048,000,000 bytes). Each tool is given it with no
# retry passes (-r 0), so there is nothing to read: it loads the map, finds
# nothing to do, saves it and exits. Each run starts from a fresh copy of the
# mapfile; afterwards the block lines must be exactly the ones given (all
# N of them) and the phase still '+'; whether the tool rewrote the file is
# reported (ddrescue does; skipping the save of an unchanged map is fine).
# RUNS rounds (default 9), interleaved; reported: median wall time with its
# spread and the paired ratio against the goal of
# issue 3 (ptrescue >= 10x faster). Then, for the analysis, where ptrescue's
# time goes (parse, serialize, save, free) from tools/bench/mapfile_phases.cpp.
#
# Usage: tools/bench/mapfile-1m.sh
# Environment: RUNS (9), FRAGMENTS (1000000), BENCH_DIR (/var/tmp/ptrescue-bench).
set -euo pipefail
RUNS="${RUNS:-9}"
source "$(dirname "$0")/lib.sh"

FRAGMENTS="${FRAGMENTS:-1000000}"
BENCH_DIR="${BENCH_DIR:-/var/tmp/ptrescue-bench}"

ensure_packages gddrescue:ddrescue time:/usr/bin/time coreutils:md5sum
ensure_release_build
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"

PRISTINE="$BENCH_DIR/finished-$FRAGMENTS.map"
size=$("$BENCH_ROOT/tools/bench/gen-finished-mapfile.sh" "$FRAGMENTS" 2>&1 >"$PRISTINE" | sed -n 's/^size=//p')
SRC="$BENCH_DIR/sparse-$size.src"
if [ ! -f "$SRC" ] || [ "$(stat -c %s "$SRC")" -ne "$size" ]; then
  rm -f "$SRC"
  truncate -s "$size" "$SRC"
fi
IMG="$BENCH_DIR/mapbench.img"
MAP="$BENCH_DIR/mapbench.map"
trap 'rm -f "$IMG" "$MAP" "$MAP.tmp" "$MAP.bak"' EXIT

# The block lines (everything after the status line), which both tools must
# give back unchanged.
blocks_of() { grep -v '^#' "$1" | tail -n +2; }
want_md5=$(blocks_of "$PRISTINE" | md5sum)

contender_cmd() {
  case $1 in
    ptrescue) CMD=("$PTRESCUE" rescue -q -r 0 "$SRC" "$IMG" "$MAP") ;;
    ddrescue) CMD=(ddrescue -q -r 0 "$SRC" "$IMG" "$MAP") ;;
    *) die "unknown contender $1" ;;
  esac
}

check_map() {
  local name=$1 round=$2 count status_line
  count=$(blocks_of "$MAP" | wc -l)
  [ "$count" -eq "$FRAGMENTS" ] || die "$name: the mapfile has $count blocks after the run, not $FRAGMENTS (round $round)"
  [ "$(blocks_of "$MAP" | md5sum)" = "$want_md5" ] || die "$name: the mapfile's blocks changed (round $round)"
  status_line=$(awk '!/^#/ {print; exit}' "$MAP")
  [ "$(echo "$status_line" | awk '{print $2}')" = "+" ] || die "$name: the phase is no longer '+': $status_line (round $round)"
  # Whether it saved the map again (ddrescue does; a tool may rightly skip
  # saving a map that did not change): reported, not required.
  if cmp -s "$PRISTINE" "$MAP"; then echo "$name" >>"$BENCH_DIR/mapfile-not-rewritten"; fi
  return 0
}

results="$BENCH_DIR/mapfile-1m.results"
: >"$results"
: >"$BENCH_DIR/mapfile-not-rewritten"
: >"$BENCH_DIR/summary-mapfile"
echo "mapfile-1m: $(machine_line)"
echo "ptrescue: $PTRESCUE ($(source_version)); $(ddrescue --version | head -n 1)"
echo "mapfile: $PRISTINE ($FRAGMENTS blocks, $(stat -c %s "$PRISTINE") bytes); source: sparse $SRC ($size bytes)"
echo
echo "== resume a finished $FRAGMENTS-fragment mapfile: $RUNS rounds"
for ((round = 1; round <= RUNS; round++)); do
  for name in $(rotate $((round - 1)) ptrescue ddrescue); do
    rm -f "$IMG" "$MAP" "$MAP.tmp"
    cp "$PRISTINE" "$MAP"
    sync
    contender_cmd "$name"
    timed "$results" "$round" "$name" "$BENCH_DIR/mapfile-$name.log" "${CMD[@]}"
    check_map "$name" "$round"
  done
  echo -n "  round $round done:" >&2
  awk -v r="$round" '$1 == r {printf " %s %.3fs", $2, $3}' "$results" >&2
  echo >&2
done

printf '  %-10s %-26s %10s %10s %10s %9s  %s\n' contender "wall s median (min-max)" "user s" "sys s" "max RSS" "rewrote" command
for name in ptrescue ddrescue; do
  read -r med lo hi < <(stats "$results" "$name" wall)
  read -r usr _ _ < <(stats "$results" "$name" user)
  read -r sys _ _ < <(stats "$results" "$name" sys)
  contender_cmd "$name"
  rm -f "$IMG"
  cp "$PRISTINE" "$MAP"
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "${CMD[@]}" >/dev/null 2>&1
  rss=$(tail -n 1 "$BENCH_DIR/rss")
  rewrote=yes
  grep -qx "$name" "$BENCH_DIR/mapfile-not-rewritten" && rewrote=no
  printf '  %-10s %-26s %10.3f %10.3f %6d MiB %9s  %s\n' "$name" "$(printf '%.3f (%.3f-%.3f)' "$med" "$lo" "$hi")" \
    "$usr" "$sys" $((rss / 1024)) "$rewrote" "${CMD[*]/#$BENCH_DIR\//}"
done
read -r ratio lo hi < <(paired_ratio "$results" ddrescue ptrescue)
printf '  speed ratio ptrescue / ddrescue, paired per round: %.2fx (%.2f-%.2f), goal >= 10x: %s\n' \
  "$ratio" "$lo" "$hi" "$(verdict "$ratio" 10)"
echo "RESULT mapfile-1m ptrescue/ddrescue ${ratio}x (${lo}-${hi}) goal>=10x $(verdict "$ratio" 10)" >>"$BENCH_DIR/summary-mapfile"

# Where ptrescue's time goes: its own MapFile and MapFileStore, step by step.
echo
echo "== ptrescue's steps on this mapfile (tools/bench/mapfile_phases.cpp, 3 runs)"
phases="$RELEASE_DIR/bench-mapfile-phases"
if g++ -O2 -std=c++20 -I"$SOURCE_ROOT" "$BENCH_ROOT/tools/bench/mapfile_phases.cpp" \
      "$RELEASE_DIR/libptrescue_mapfile.a" "$RELEASE_DIR/libptrescue_base.a" -lfmt -o "$phases" 2>"$BENCH_DIR/phases-build.log"; then
  for i in 1 2 3; do "$phases" "$PRISTINE" "$BENCH_DIR/phases-scratch.map" | sed 's/^/  /'; done
  rm -f "$BENCH_DIR/phases-scratch.map"
else
  echo "  (skipped: could not build it; see $BENCH_DIR/phases-build.log)"
fi

# Optional (UPDATE=1): the same map *updated*, which is where an interval map
# with O(log n) updates matters. One retry pass (-r 1) over its 500,000 bad
# sectors, which all read fine now (the sparse source is all zeros), so every
# '-' becomes '+' and merges with its neighbours until one block is left.
# One run each (ddrescue takes minutes: its map is a vector, each merge moves
# the blocks after it); UPDATE_FRAGMENTS (default FRAGMENTS) scales it down.
if [ "${UPDATE:-0}" = 1 ]; then
  ufrag="${UPDATE_FRAGMENTS:-$FRAGMENTS}"
  upristine="$BENCH_DIR/finished-$ufrag.map"
  usize=$("$BENCH_ROOT/tools/bench/gen-finished-mapfile.sh" "$ufrag" 2>&1 >"$upristine" | sed -n 's/^size=//p')
  usrc="$BENCH_DIR/sparse-$usize.src"
  if [ ! -f "$usrc" ] || [ "$(stat -c %s "$usrc")" -ne "$usize" ]; then
    rm -f "$usrc"
    truncate -s "$usize" "$usrc"
  fi
  uresults="$BENCH_DIR/mapfile-update.results"
  : >"$uresults"
  echo
  echo "== update a finished $ufrag-fragment mapfile: one retry pass (-r 1) rescuing all $((ufrag / 2)) bad sectors, 1 run each"
  for name in ptrescue ddrescue; do
    rm -f "$IMG" "$MAP" "$MAP.tmp"
    cp "$upristine" "$MAP"
    sync
    case $name in
      ptrescue) CMD=("$PTRESCUE" rescue -q -r 1 "$usrc" "$IMG" "$MAP") ;;
      ddrescue) CMD=(ddrescue -q -r 1 "$usrc" "$IMG" "$MAP") ;;
    esac
    timed "$uresults" 1 "$name" "$BENCH_DIR/update-$name.log" "${CMD[@]}"
    want=$(printf '0x%08X  0x%08X  +' 0 "$usize")
    [ "$(blocks_of "$MAP")" = "$want" ] || die "$name: after the retry pass the map is not the single block '$want'"
    read -r w u s < <(awk '{print $3, $4, $5}' <(grep " $name " "$uresults"))
    printf '  %-10s wall %8.2f s  user %7.2f s  sys %6.2f s  %s\n' "$name" "$w" "$u" "$s" "${CMD[*]/#$BENCH_DIR\//}"
  done
  read -r ratio _ _ < <(paired_ratio "$uresults" ddrescue ptrescue)
  printf '  speed ratio ptrescue / ddrescue: %.1fx (one run each; no goal in issue 3)\n' "$ratio"
  echo "RESULT mapfile-update-$ufrag ptrescue/ddrescue ${ratio}x (1 run) info" >>"$BENCH_DIR/summary-mapfile"
fi
