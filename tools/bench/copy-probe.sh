#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What-if measurements for healthy-source throughput: tools/bench/copy_probe.cpp
# (a bare pread/pwrite copier ending with fdatasync, as ptrescue does) with a
# chosen read size and early write-back (sync_file_range every N bytes),
# interleaved with ptrescue and ddrescue on the same 1 GiB file as
# healthy-throughput.sh, page cache warm and with direct I/O from a loop
# device. Shows which engine change would reach the goals, and by how much.
#
# Usage: tools/bench/copy-probe.sh [file|direct|both]   (default both)
# Environment: RUNS (7), SIZE_MIB (1024), BENCH_DIR (/var/tmp/ptrescue-bench),
# FILE_VARIANTS / DIRECT_VARIANTS: space-separated READ_BYTES,WRITEBACK_BYTES.
set -euo pipefail
RUNS="${RUNS:-7}"
source "$(dirname "$0")/lib.sh"

part="${1:-both}"
SIZE_MIB="${SIZE_MIB:-1024}"
BENCH_DIR="${BENCH_DIR:-/var/tmp/ptrescue-bench}"
SIZE=$((SIZE_MIB * 1024 * 1024))
FILE_VARIANTS="${FILE_VARIANTS:-64K,0 64K,8M 64K,32M 1M,8M}"
DIRECT_VARIANTS="${DIRECT_VARIANTS:-64K,0 64K,8M 256K,8M 1M,8M 1M,0}"

ensure_packages gddrescue:ddrescue time:/usr/bin/time util-linux:losetup diffutils:cmp
ensure_release_build
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"
PROBE="$BENCH_DIR/copy_probe"
g++ -O2 -std=c++20 -Wall -Wextra -o "$PROBE" "$BENCH_ROOT/tools/bench/copy_probe.cpp"

SRC="$BENCH_DIR/source-${SIZE_MIB}MiB.bin"
if [ ! -f "$SRC" ] || [ "$(stat -c %s "$SRC")" -ne "$SIZE" ]; then
  head -c "$SIZE" /dev/urandom >"$SRC.part"
  mv "$SRC.part" "$SRC"
fi
IMG="$BENCH_DIR/probe.img"
MAP="$BENCH_DIR/probe.map"
LOOP=""
trap 'rm -f "$IMG" "$MAP" "$MAP.tmp"; [ -z "$LOOP" ] || losetup -d "$LOOP"' EXIT

bytes() { numfmt --from=iec "$1"; }

# probe_part TITLE TAG SRC DIRECT(0|1) VARIANTS...
probe_part() {
  local title=$1 tag=$2 src=$3 direct=$4
  shift 4
  local names=(ptrescue ddrescue) v results="$BENCH_DIR/probe-$tag.results" round name
  for v in "$@"; do names+=("probe:$v"); done
  : >"$results"
  echo
  echo "== $title: $SIZE_MIB MiB, $RUNS rounds"
  for ((round = 1; round <= RUNS; round++)); do
    cat "$SRC" >/dev/null
    for name in $(rotate $((round - 1)) "${names[@]}"); do
      rm -f "$IMG" "$MAP" "$MAP.tmp"
      sync
      local d=()
      [ "$direct" = 1 ] && d=(-d)
      case $name in
        ptrescue) CMD=("$PTRESCUE" rescue "${d[@]}" -q "$src" "$IMG" "$MAP") ;;
        ddrescue) CMD=(ddrescue "${d[@]}" -q "$src" "$IMG" "$MAP") ;;
        probe:*)
          IFS=, read -r rb wb <<<"${name#probe:}"
          CMD=("$PROBE" "$src" "$IMG" "$(bytes "$rb")" "$direct" "$(bytes "$wb")") ;;
      esac
      timed "$results" "$round" "$name" "$BENCH_DIR/probe.log" "${CMD[@]}"
      cmp -s "$SRC" "$IMG" || die "$name: the image differs from the source"
    done
  done
  printf '  %-16s %-24s %10s  %s\n' contender "wall s median (min-max)" "CPU s/GiB" "vs ddrescue, paired (median, min-max)"
  for name in "${names[@]}"; do
    read -r med lo hi < <(stats "$results" "$name" wall)
    read -r cpu _ _ < <(stats "$results" "$name" cpu)
    read -r r rlo rhi < <(paired_ratio "$results" ddrescue "$name")
    printf '  %-16s %-24s %10.2f  %sx (%s-%s)\n' "$name" "$(printf '%.3f (%.3f-%.3f)' "$med" "$lo" "$hi")" \
      "$(awk -v c="$cpu" -v s="$SIZE" 'BEGIN {print c / (s / 1073741824)}')" "$r" "$rlo" "$rhi"
  done
  echo "  (probe:READ,WRITEBACK = copy_probe with READ-byte reads and sync_file_range every WRITEBACK bytes, 0 = only the final fdatasync)"
}

echo "copy-probe: $(machine_line)"
echo "ptrescue: $PTRESCUE ($(source_version)); $(ddrescue --version | head -n 1)"
if [ "$part" = file ] || [ "$part" = both ]; then
  # shellcheck disable=SC2086
  probe_part "file, page cache warm" file "$SRC" 0 $FILE_VARIANTS
fi
if [ "$part" = direct ] || [ "$part" = both ]; then
  if LOOP=$(losetup -r -f --show "$SRC" 2>"$BENCH_DIR/losetup.err"); then
    # shellcheck disable=SC2086
    probe_part "direct I/O from $LOOP" direct "$LOOP" 1 $DIRECT_VARIANTS
  else
    LOOP=""
    echo "== direct I/O: SKIPPED: cannot create a loop device: $(cat "$BENCH_DIR/losetup.err")"
  fi
fi
