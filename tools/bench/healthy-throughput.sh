#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Healthy-source throughput: ptrescue vs GNU ddrescue vs dd copying the same
# 1 GiB file of random data, twice:
#   1. from the file itself, page cache warm (the source is read once first);
#   2. with direct I/O (-d / iflag=direct) from a read-only loop device over
#      the file (skipped, saying why, where loop devices cannot be created).
# Each contender runs RUNS times (default 5), interleaved round by round, with
# the outputs deleted and the disk synced before each run. Reported: median
# wall time with its spread, throughput, CPU seconds (user+sys) per GiB, and
# the speed ratios, checked against the goals of issue 3 (ptrescue >= 1.2x
# ddrescue, >= 1.0x dd). Every image is compared with the source (cmp) and
# every mapfile must say "all finished", so a fast wrong answer cannot win.
#
# Usage: tools/bench/healthy-throughput.sh
# Environment: RUNS (5), SIZE_MIB (1024), BENCH_DIR (/var/tmp/ptrescue-bench).
# Needs root for the loop device part.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SIZE_MIB="${SIZE_MIB:-1024}"
BENCH_DIR="${BENCH_DIR:-/var/tmp/ptrescue-bench}"
SIZE=$((SIZE_MIB * 1024 * 1024))

ensure_packages gddrescue:ddrescue gddrescue:ddrescuelog time:/usr/bin/time util-linux:losetup diffutils:cmp
ensure_release_build
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"

SRC="$BENCH_DIR/source-${SIZE_MIB}MiB.bin"
if [ ! -f "$SRC" ] || [ "$(stat -c %s "$SRC")" -ne "$SIZE" ]; then
  echo "bench: writing $SIZE_MIB MiB of random data to $SRC" >&2
  head -c "$SIZE" /dev/urandom >"$SRC.part"
  mv "$SRC.part" "$SRC"
fi
avail_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
if [ "$avail_kib" -lt $((SIZE * 3 / 1024)) ]; then
  echo "bench: warning: only $((avail_kib / 1024)) MiB of memory available; the page cache may not stay warm" >&2
fi

IMG="$BENCH_DIR/out.img"
MAP="$BENCH_DIR/out.map"
LOOP=""
cleanup() {
  rm -f "$IMG" "$MAP" "$MAP.tmp" "$MAP.bak"
  [ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null || true
}
trap cleanup EXIT

# contender_cmd NAME SRC: sets CMD to the contender's command line.
contender_cmd() {
  local name=$1 src=$2
  case $name in
    ptrescue)     CMD=("$PTRESCUE" rescue -q "$src" "$IMG" "$MAP") ;;
    ddrescue)     CMD=(ddrescue -q "$src" "$IMG" "$MAP") ;;
    dd)           CMD=(dd if="$src" of="$IMG" bs=1M status=none) ;;
    dd-fdatasync) CMD=(dd if="$src" of="$IMG" bs=1M conv=fdatasync status=none) ;;
    # -f: the loop device and the outputs share this machine's one disk, which
    # preflight refuses for a real source disk.
    ptrescue-d)   CMD=("$PTRESCUE" rescue -d -f -q "$src" "$IMG" "$MAP") ;;
    ddrescue-d)   CMD=(ddrescue -d -q "$src" "$IMG" "$MAP") ;;
    dd-direct)    CMD=(dd if="$src" of="$IMG" bs=1M iflag=direct status=none) ;;
    dd-direct-fdatasync) CMD=(dd if="$src" of="$IMG" bs=1M iflag=direct conv=fdatasync status=none) ;;
    *) die "unknown contender $name" ;;
  esac
}
describe() {
  case $1 in
    ptrescue)     echo "ptrescue rescue -q SRC out.img out.map" ;;
    ddrescue)     echo "ddrescue -q SRC out.img out.map" ;;
    dd)           echo "dd if=SRC of=out.img bs=1M" ;;
    dd-fdatasync) echo "dd if=SRC of=out.img bs=1M conv=fdatasync" ;;
    ptrescue-d)   echo "ptrescue rescue -d -f -q LOOP out.img out.map" ;;
    ddrescue-d)   echo "ddrescue -d -q LOOP out.img out.map" ;;
    dd-direct)    echo "dd if=LOOP of=out.img bs=1M iflag=direct" ;;
    dd-direct-fdatasync) echo "dd if=LOOP of=out.img bs=1M iflag=direct conv=fdatasync" ;;
  esac
}

# bench_part TITLE TAG SRC CONTENDERS...: runs the rounds, checks every output,
# prints the table and the ratios (the first contender is ptrescue, the second
# ddrescue, the third dd as the issue states it).
bench_part() {
  local title=$1 tag=$2 src=$3
  shift 3
  local contenders=("$@") results="$BENCH_DIR/$tag.results" round name
  : >"$results"
  echo
  echo "== $title: $SIZE_MIB MiB, $RUNS rounds"
  for ((round = 1; round <= RUNS; round++)); do
    cat "$SRC" >/dev/null  # keep the source warm in the page cache
    for name in $(rotate $((round - 1)) "${contenders[@]}"); do
      rm -f "$IMG" "$MAP" "$MAP.tmp"
      sync  # write-back of the previous run's output must not land in this one
      contender_cmd "$name" "$src"
      timed "$results" "$round" "$name" "$BENCH_DIR/$name.log" "${CMD[@]}"
      cmp -s "$SRC" "$IMG" || die "$name: the image differs from the source (round $round)"
      if [ -f "$MAP" ]; then
        ddrescuelog -D "$MAP" || die "$name: the mapfile does not say all finished (round $round)"
      fi
    done
    echo -n "  round $round done:" >&2
    awk -v r="$round" '$1 == r {printf " %s %.2fs", $2, $3}' "$results" >&2
    echo >&2
  done

  printf '  %-20s %-24s %9s %12s  %s\n' contender "wall s median (min-max)" "MB/s" "CPU s/GiB" command
  for name in "${contenders[@]}"; do
    read -r med lo hi < <(stats "$results" "$name" wall)
    read -r cpu _ _ < <(stats "$results" "$name" cpu)
    printf '  %-20s %-24s %9.0f %12.2f  %s\n' "$name" "$(printf '%.3f (%.3f-%.3f)' "$med" "$lo" "$hi")" \
      "$(awk -v s="$SIZE" -v t="$med" 'BEGIN {print s / t / 1e6}')" \
      "$(awk -v c="$cpu" -v s="$SIZE" 'BEGIN {print c / (s / 1073741824)}')" "$(describe "$name")"
  done

  local p=${contenders[0]} other goal ratio lo hi
  echo "  speed ratios, paired per round (median, min-max):"
  for other in "${contenders[@]:1}"; do
    case $other in
      ddrescue*) goal=1.2 ;;
      dd|dd-direct) goal=1.0 ;;
      *) goal="" ;;
    esac
    read -r ratio lo hi < <(paired_ratio "$results" "$other" "$p")
    if [ -n "$goal" ]; then
      printf '    %s / %s: %.2fx (%.2f-%.2f), goal >= %.1fx: %s\n' "$p" "$other" "$ratio" "$lo" "$hi" "$goal" "$(verdict "$ratio" "$goal")"
      echo "RESULT $tag $p/$other ${ratio}x (${lo}-${hi}) goal>=${goal}x $(verdict "$ratio" "$goal")" >>"$BENCH_DIR/summary"
    else
      printf '    %s / %s: %.2fx (%.2f-%.2f) (same durability as %s: image fdatasync-ed)\n' "$p" "$other" "$ratio" "$lo" "$hi" "$p"
      echo "RESULT $tag $p/$other ${ratio}x (${lo}-${hi}) info" >>"$BENCH_DIR/summary"
    fi
  done
}

: >"$BENCH_DIR/summary"
echo "healthy-throughput: $(machine_line)"
echo "ptrescue: $PTRESCUE ($(source_version)); $(ddrescue --version | head -n 1); source $SRC; outputs in $BENCH_DIR ($(df -T "$BENCH_DIR" | awk 'NR == 2 {print $2}'))"
cat "$SRC" >/dev/null

bench_part "file, page cache warm" file "$SRC" ptrescue ddrescue dd dd-fdatasync

if LOOP=$(losetup -r -f --show "$SRC" 2>"$BENCH_DIR/losetup.err"); then
  dio=$(cat "/sys/block/$(basename "$LOOP")/loop/dio" 2>/dev/null || echo "?")
  bench_part "direct I/O from read-only loop device $LOOP over the file (loop dio=$dio)" direct "$LOOP" \
    ptrescue-d ddrescue-d dd-direct dd-direct-fdatasync
else
  LOOP=""
  echo
  echo "== direct I/O from a loop device: SKIPPED: cannot create a loop device here: $(cat "$BENCH_DIR/losetup.err")"
  echo "RESULT direct SKIPPED (no loop device: $(head -n 1 "$BENCH_DIR/losetup.err"))" >>"$BENCH_DIR/summary"
fi
