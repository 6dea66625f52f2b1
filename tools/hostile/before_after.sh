#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the hostile-input examples of issue 16 (tests/engine/hostile_input_test.cpp,
# the CliRefusal, RunPaths, RunLock and source-in-use tests) against one or
# more ptrescue binaries and prints one Markdown table row per example: per
# binary, the exit status, the first line of stderr, which files that existed
# before changed or vanished, and which files appeared. Used to show that an
# old binary misbehaved where the new one refuses (docs/TESTING.md).
#
#   tools/hostile/before_after.sh OLD/ptrescue NEW/ptrescue > table.md
#
# Each example runs in a fresh scratch folder (printed as D/). Examples that
# need root (a tmpfs, loop devices) say "skipped" without it. ONLY="ID ..."
# runs only the examples named. Takes about 5 minutes for two binaries
# (M1 lets an old `fill` grow its image for 60 s, some GB in /tmp).
set -uo pipefail

(($# >= 1)) || { echo "usage: $0 PTRESCUE [PTRESCUE...]" >&2; exit 1; }
BINS=()
for b in "$@"; do
  [[ -x $b ]] || { echo "$0: '$b' is not an executable file" >&2; exit 1; }
  BINS+=("$(realpath "$b")")  # the examples run in their scratch folders
done
SCRATCH=$(mktemp -d /tmp/ptrescue-before-after.XXXXXX)
SHM=/dev/shm
[[ -w $SHM ]] || SHM=$SCRATCH
trap 'rm -rf "$SCRATCH"' EXIT

# ---- helpers -----------------------------------------------------------------

rand() { head -c "$2" /dev/urandom >"$1"; }  # rand FILE BYTES
# A ddrescue mapfile of SIZE bytes, all STATUS (or the given extra block lines).
mapfile_of() { printf '# Rescue Logfile\n0x00000000 +\n0x00000000 0x%08x %s\n' "$2" "$3" >"$1"; }

snapshot() {  # the files of folder $1 with their checksums, one per line
  (cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | sort | while read -r f; do
    printf '%s %s\n' "$f" "$(sha256sum <"$f" 2>/dev/null | cut -c1-16)"
  done)
}

# One cell: what the last run did. Uses D, RC, ERR (file), BEFORE, NOTE.
cell() {
  local after changed new first
  after=$(snapshot "$D")
  changed=$(join -j1 <(echo "$BEFORE" | sed '/^$/d' | sort) <(echo "$after" | sort) -a1 -e GONE -o 0,1.2,2.2 2>/dev/null |
    awk '$2 != $3 {print $1}' | tr '\n' ' ')
  new=$(comm -13 <(echo "$BEFORE" | sed '/^$/d' | cut -d' ' -f1 | sort) <(echo "$after" | sed '/^$/d' | cut -d' ' -f1 | sort) | tr '\n' ' ')
  # The first line that is not a warning (else the first line), printable.
  first=$( (grep -a -v -m1 '^ptrescue: warning:' "$ERR" || head -n1 "$ERR") | head -n1 | tr -d '\n' |
    LC_ALL=C tr -c '[:print:]' '?' | sed "s|$D/|D/|g; s|$SHM/[^ ']*|SHM-FILE|g" | cut -c1-150)
  local text="exit $RC"
  ((RC > 128)) && text="killed by signal $((RC - 128))"
  [[ -n $first ]] && text+="; \`${first//|/\\|}\`"
  [[ -n ${changed// /} ]] && text+="; **changed: ${changed% }**"
  [[ -n ${new// /} ]] && text+="; new: ${new% }"
  [[ -n $NOTE ]] && text+="; $NOTE"
  printf '%s' "$text"
}

run_bin() {  # run_bin BIN ARGS...: RC and ERR of one run with a 60 s limit
  ERR=$D.err
  timeout -s KILL 60 "$1" "${@:2}" >"$D.out" 2>"$ERR" </dev/null
  RC=$?
}

# A fresh scratch folder D for binary number CUR, prepared by SETUP (run in
# it, in this shell: it may set LOOP); false when SETUP failed.
prepare() {
  D=$SCRATCH/$1.$CUR
  mkdir -p "$D"
  NOTE=""
  cd "$D" || return 1
  "$2" >/dev/null 2>&1
  local ok=$?
  cd "$SCRATCH" || return 1
  BEFORE=$(snapshot "$D")
  return $ok
}

# ONLY="C1 L1" runs only those examples.
wanted() { [[ -z ${ONLY:-} || " $ONLY " == *" $1 "* ]]; }

# example ID "description" SETUP ARGS...: D/ in ARGS is the scratch folder,
# $LOOP the loop device SETUP made. CHECK (optional) adds a note after the run.
CHECK=""
example() {
  local id=$1 what=$2 setup=$3
  shift 3
  wanted "$id" || return 0
  local shown
  shown=$(printf '%s' "$*" | LC_ALL=C tr -c '[:print:]' '?')
  local row="| $id | $what | \`ptrescue ${shown//|/\\|}\` |"
  for CUR in "${!BINS[@]}"; do
    if ! prepare "$id" "$setup"; then
      row+=" skipped (set-up failed: needs root?) |"
      cleanup_mounts
      continue
    fi
    local args=() a
    for a in "$@"; do
      a=${a//D\//$D/}
      args+=("${a//\$LOOP/${LOOP:-}}")
    done
    run_bin "${BINS[CUR]}" "${args[@]}"
    [[ -n $CHECK ]] && NOTE=$($CHECK)
    row+=" $(cell) |"
    cleanup_mounts
  done
  CHECK=""
  echo "$row"
}

# A second run on the mapfile of a run still going: the first run (sim:demo)
# is stopped (SIGSTOP) once its image exists, the second runs, the first is
# continued and interrupted a second later. What the second run says, then
# how the first one ended.
example_second_run() {
  wanted "$1" || return 0
  local id=$1 row="| $1 | a second run on the mapfile of a running one | \`ptrescue rescue -q sim:demo D/o.img D/m.map\` twice, the second to D/other.img |"
  for CUR in "${!BINS[@]}"; do
    prepare "$id" true
    "${BINS[CUR]}" rescue -q sim:demo "$D/o.img" "$D/m.map" >/dev/null 2>"$D.first" </dev/null &
    local first=$! n
    for ((n = 0; n < 3000; n++)); do
      [[ -e $D/o.img ]] && break
      sleep 0.01
    done
    kill -STOP "$first"
    run_bin "${BINS[CUR]}" rescue -q sim:demo "$D/other.img" "$D/m.map"
    kill -CONT "$first"
    sleep 1
    kill -INT "$first" 2>/dev/null
    wait "$first"
    local first_rc=$?
    NOTE="the first run then ended with exit $first_rc"
    [[ -s $D.first ]] && NOTE+=" saying \`$(head -n1 "$D.first" | sed "s|$D/|D/|g" | cut -c1-120)\`"
    row+=" $(cell) |"
  done
  echo "$row"
}

MOUNTS=(); LOOPS=()
cleanup_mounts() {
  local m l
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
  for ((l = ${#LOOPS[@]} - 1; l >= 0; l--)); do losetup -d "${LOOPS[l]}" 2>/dev/null; done
  MOUNTS=(); LOOPS=()
}

# ---- set-ups -------------------------------------------------------------------

src64() { rand src 65536; }
src64_tmp() { rand m.map.tmp 65536; }
src64_hash() { rand m.map.hash 65536; }
src64_lock() { rand m.map.lock 65536; }
src64_alias() { rand src 65536 && ln src alias; }
src_rescued_link() { rand src 65536 && "${BINS[CUR]}" rescue -q -f src o.img m.map >/dev/null 2>&1 && ln -s o.img log-link; }
sim_profile() { printf '{"capacity": "1MiB", %s}\n' "$PROFILE_FIELD" >p.json; }
two_heads() { src64 && printf '{"capacity": "1MiB", "heads": 2, "zones": 1, "stripe": "64KiB"}\n' >two-heads.json; }
fill_huge() {  # a 64 KiB image, a map reaching 1 TiB
  rand img 65536
  printf '# Rescue Logfile\n0x00000000 +\n0x00000000 0x00010000 +\n0x00010000 0xFFFFFF0000 -\n' >map
}
verify_larger() { rand src 65536 && cp src img && mapfile_of map 131072 +; }
hash_partial() { rand img 65536 && printf '# Rescue Logfile\n0x00000000 +\n0x00000000 0x00010000 +\n0x00010000 0x00010000 -\n' >map; }
full_tmpfs() {
  [[ $EUID == 0 ]] || return 1
  rand src 1048576 && mkdir full && mount -t tmpfs -o size=64k tmpfs full && MOUNTS+=("$PWD/full")
}
dirs() { src64 && mkdir d d.json; }
garbage() {
  src64
  { printf '\033[2J\033]0;owned\007'; head -c 4096 /dev/urandom; } >garbage
  { printf '{"name": "'; cat garbage; printf '"}'; } >garbage.json
  cp garbage garbage2.json
}
mounted_loop() {
  [[ $EUID == 0 ]] || return 1
  local f=$SHM/ptrescue-ba-$$.img
  head -c 4194304 /dev/zero >"$f" && mkfs.ext2 -q -F "$f" || return 1
  LOOP=$(losetup -f --show "$f") || return 1
  LOOPS+=("$LOOP"); mkdir mnt && mount -o ro "$LOOP" mnt && MOUNTS+=("$PWD/mnt")
  rm -f "$f"  # the loop device keeps it
}
loop_on_loop() {
  [[ $EUID == 0 ]] || return 1
  local f=$SHM/ptrescue-ba-$$.img
  head -c 1048576 /dev/urandom >"$f"
  LOOP=$(losetup -r -f --show "$f") || return 1
  LOOPS+=("$LOOP")
  UPPER=$(losetup -r -f --show "$LOOP") || return 1
  LOOPS+=("$UPPER")
  rm -f "$f"
}
refused_lock() { src64; }

# ---- checks (a note after the run) --------------------------------------------------

note_verify() { grep -q IDENTICAL "$D.out" && echo "**says IDENTICAL**"; }
note_hash() { grep -o 'complete: [a-z]*' "$D/map.hash" 2>/dev/null | sed 's/complete: yes/**sidecar says complete: yes**/'; }
note_fill() { echo "image now $(stat -c %s "$D/img") bytes"; }
note_saved() { grep -q 'mapfile was saved' "$ERR" && echo "**says the mapfile was saved**"; }
note_garbage() {
  LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$ERR") && echo "**control bytes on stderr ($(wc -c <"$ERR") bytes)**"
}

# ---- the examples -----------------------------------------------------------------

echo "| id | example | command (D/ = scratch folder) |$(for b in "${BINS[@]}"; do printf ' %s |' "$b"; done)"
echo "|---|---|---|$(for b in "${BINS[@]}"; do printf -- '---|'; done)"

# Files that collide (CliRefusal, RunPaths).
example C1 "source is the mapfile's temp file" src64_tmp rescue D/m.map.tmp D/o.img D/m.map
example C2 "source is the hash sidecar" src64_hash rescue -q --hash sha256 D/m.map.hash D/o.img D/m.map
example C3 "source is the lock file" src64_lock rescue -q D/m.map.lock D/o.img D/m.map
example C4 "image is the source (hard link)" src64_alias rescue -q D/src D/alias D/m.map
example C5 "reads log is a finished image (symlink)" src_rescued_link rescue -q -f --log-reads D/log-link D/src D/o.img D/m.map
example C6 "reads log is the mapfile" src64 rescue -q -f --log-reads D/m.map D/src D/o.img D/m.map
example C7 "image is the mapfile's temp file" src64 rescue -q -f D/src D/m.map.tmp D/m.map

# Numbers at the edges.
i=0
for opt in "-o 0x7fffffffffff0000" "-o 9223372036854775807" "-i 0x7fffffffffffffff" "-s 9223372036854775807" \
  "-i 8Ei" "--timeout 9999999999999h" "--timeout 900000000000s" "--timeout copy=nan" "--mapfile-interval inf" \
  "--head-timeout 0=900000000000s" "-c 0x7fffffffffffffff" "-b 0x4000000000000000" "-K 4Ei" \
  "-K 1s,0x7fffffffffffffff"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  example "N$i" "number at the edge" src64 rescue -q -f $opt D/src D/img D/map
done
i=0
for PROFILE_FIELD in '"seek_full_stroke_ms": 1e308' '"command_overhead_ms": 1e300' '"error_latency_ms": 1e20' \
  '"rpm": 1e-300' '"rpm": 1e308' '"rate_outer_mbps": 1e-300' '"rate_inner_mbps": 1e999' '"head_switch_ms": -1' \
  '"reset_ms": {"soft": 1e308}' '"smart": {"heat_minutes": 1e308}' '"smart": {"temperature_max_c": 1e999}'; do
  i=$((i + 1))
  example "F$i" "profile {${PROFILE_FIELD//|/}}" sim_profile rescue -q sim:D/p.json D/img D/map
done

# Unbounded work, claims.
CHECK=note_fill; example M1 "fill, map reaching 1 TiB, 64 KiB image" fill_huge fill D/img D/map
CHECK=note_verify; example M2 "verify, map larger than the source" verify_larger verify D/src D/img D/map
CHECK=note_hash; example M3 "hash of an image shorter than its map" hash_partial hash D/img --mapfile D/map
CHECK=note_saved; example M4 "mapfile on a full 64 KiB tmpfs" full_tmpfs rescue -q -f D/src D/full/img D/full/map

# Messages.
example D1 "mapfile is a directory" dirs rescue -q -f D/src D/img D/d
example D2 "-m is a directory" dirs rescue -q -f -m D/d D/src D/img D/map
example D3 "-H is a directory" dirs rescue -q -f -H D/d D/src D/img D/map
example D4 "--head-map is a directory" dirs rescue -q -f --head-map D/d D/src D/img D/map
example D5 "sim profile is a directory" dirs rescue -q sim:D/d.json D/img D/map
example D6 "fill's mapfile is a directory" dirs fill D/src D/d
CHECK=note_garbage; example G1 "mapfile is binary garbage" garbage rescue -q -f D/src D/img D/garbage
CHECK=note_garbage; example G2 "-m is binary garbage" garbage rescue -q -f -m D/garbage D/src D/img D/map
CHECK=note_garbage; example G3 "--head-map is binary garbage" garbage rescue -q -f --head-map D/garbage D/src D/img D/map
CHECK=note_garbage; example G4 "profile name is binary garbage" garbage rescue -q sim:D/garbage.json D/img D/map
CHECK=note_garbage; example G5 "profile is binary garbage" garbage rescue -q sim:D/garbage2.json D/img D/map
CHECK=note_garbage; example G6 "--reset value is binary garbage" garbage rescue -q -f --reset "$(printf '\033[2J\033]0;owned\007')x" D/src D/img D/map
i=0
while IFS='|' read -r opts; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  example "V$i" "duplicate or impossible value" two_heads rescue -q -f $opts D/img D/map
done <<'LIST'
--reset soft,soft D/src
--timeout copy=1s,copy=2s D/src
--head-timeout 0=1s,0=2s D/src
--skip-head 1,1 D/src
--smart-stop pendng+=5 D/src
--head-map sim --skip-head 5 sim:D/two-heads.json
--head-map sim --head-timeout 2=1s sim:D/two-heads.json
--head-map sim --head-retries 7=1 sim:D/two-heads.json
--head-map sim --head-order 1,3 sim:D/two-heads.json
LIST
example V10 "empty --hash" src64 rescue -q -f --hash "" D/src D/img D/map
example V11 "empty --smart-stop" src64 rescue -q -f --smart-stop "" D/src D/img D/map

# The source in use.
# shellcheck disable=SC2016 # $LOOP is replaced when the example runs
example S1 "source is a mounted loop device" mounted_loop rescue -q '$LOOP' D/img D/map
# shellcheck disable=SC2016
example S2 "source has a loop device on it" loop_on_loop rescue -q '$LOOP' D/img D/map

# Concurrent runs and the lock file.
example_second_run L1
example L2 "a run refused after the lock (bad --hash)" src64 rescue -q --hash md17 D/src D/o.img D/m.map
example L3 "a run refused after the lock (no source)" true rescue -q D/no-such-source D/o.img D/m.map
