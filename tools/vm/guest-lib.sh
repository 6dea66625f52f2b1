# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the guest test scripts (bash, inside the guest, cwd = the repo).
# Gives the disks of this boot (from run-guest.sh's env.sh), finds their
# device nodes by serial in sysfs, and records checks and observed facts:
#   $VM_OUT/checks.txt   PASS/FAIL lines
#   $VM_OUT/results.txt  "key: value" facts (bytes, timings) for the docs
. "$VM_OUT/env.sh"
VM_FAILED=0
VM_LIB=$VM_SRC/tools/vm

log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }
pass() { echo "PASS $*" | tee -a "$VM_OUT/checks.txt"; }
fail() { echo "FAIL $*" | tee -a "$VM_OUT/checks.txt"; VM_FAILED=1; }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: want '$2', got '$3'"; fi; }
# check NAME CMD...: passes when CMD exits 0.
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n (exit $?: $*)"; fi; }
result() { local k=$1; shift; echo "$k: $*" | tee -a "$VM_OUT/results.txt"; }
finish() { log "done: $(grep -c ^PASS "$VM_OUT/checks.txt" 2>/dev/null) passed, $(grep -c ^FAIL "$VM_OUT/checks.txt" 2>/dev/null) failed"; exit "$VM_FAILED"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Device nodes by serial, filled by scan_disks (every exec costs tens of ms
# under TCG, so sysfs is read once, with as few processes as possible).
declare -A VM_DEV=() VM_SG=() VM_NG=() VM_CTRL=()
scan_disks() {
  local b s g
  VM_DEV=() VM_SG=() VM_NG=() VM_CTRL=()
  for b in /sys/block/sd*; do
    # libata builds the Unit Serial Number VPD page from the ATA IDENTIFY serial.
    s=""
    [ -r "$b/device/vpd_pg80" ] && s=$(tail -c +5 "$b/device/vpd_pg80" | tr -d '\0 ')
    # usb-storage does not ask for VPD pages: the USB device's iSerial, found
    # up the sysfs chain, is the drive's serial (QEMU's usb-storage).
    if [ -z "$s" ]; then
      g=$(readlink -f "$b/device")
      while [ "${#g}" -gt 5 ] && [ ! -r "$g/busnum" ]; do g=${g%/*}; done
      [ -r "$g/serial" ] && read -r s <"$g/serial"
    fi
    [ -n "$s" ] || continue
    VM_DEV[$s]=/dev/${b##*/}
    for g in "$b"/device/scsi_generic/sg*; do [ -e "$g" ] && VM_SG[$s]=/dev/${g##*/}; done
  done
  for b in /sys/block/nvme*n*; do
    [ -r "$b/device/serial" ] || continue
    read -r s <"$b/device/serial"
    VM_DEV[$s]=/dev/${b##*/}
    g=${b##*/}
    VM_NG[$s]=/dev/ng${g#nvme}
    VM_CTRL[$s]=/dev/${g%n*}
  done
}
_lookup() { local -n m=$1; [ -n "${m[$2]:-}" ] || scan_disks; [ -n "${m[$2]:-}" ] && echo "${m[$2]}"; }
# disk_dev SERIAL: the block device (/dev/sdX or /dev/nvmeXnY) with that serial.
disk_dev() { _lookup VM_DEV "$1"; }
# disk_sg SERIAL: the SCSI generic node (/dev/sgN) of that disk.
disk_sg() { _lookup VM_SG "$1"; }
# disk_ng SERIAL: the NVMe generic char node (/dev/ngXnY) of that namespace.
disk_ng() { _lookup VM_NG "$1"; }
# disk_usb SERIAL: the sysfs directory of the USB device a disk is on.
disk_usb() {
  local g
  g=$(readlink -f "/sys/block/$(basename "$(disk_dev "$1")")/device")
  while [ "${#g}" -gt 5 ] && [ ! -r "$g/busnum" ]; do g=${g%/*}; done
  [ -r "$g/busnum" ] && echo "$g"
}
# disk_ctrl SERIAL: the NVMe controller node (/dev/nvmeX).
disk_ctrl() { _lookup VM_CTRL "$1"; }

# Waits until every disk of this boot has a device node (SCSI scanning is
# asynchronous), up to 60 s.
wait_for_disks() {
  local s missing deadline=$((SECONDS + 60))
  while :; do
    scan_disks
    missing=""
    for s in "${VM_DISKS[@]}"; do [ -b "${VM_DEV[$s]:-/nonexistent}" ] || missing="$missing $s"; done
    [ -z "$missing" ] && break
    ((SECONDS < deadline)) || { fail "disks not found by serial:$missing"; ls -l /sys/block; return 1; }
    sleep 0.2
  done
  for s in "${VM_DISKS[@]}"; do
    log "disk $s (${VM_KIND[$s]}): ${VM_DEV[$s]} ${VM_SG[$s]:-}${VM_NG[$s]:-}"
  done
}

# check_image NAME TAG IMAGE MAPFILE [SECTORS BAD]: queues a check that
# run-guest.sh runs on the host after the boot (python is slow to start in the
# guest): every '+' sector equals the content disk-image.py gives disk TAG, and
# the sectors not rescued are exactly BAD. SECTORS and BAD default to those of
# this boot's disk with serial TAG. IMAGE and MAPFILE must be under $VM_OUT.
check_image() {
  local img=${3#"$VM_OUT"/} map=${4#"$VM_OUT"/}
  [[ $img != /* && $map != /* ]] || { fail "$1: $3 and $4 must be under \$VM_OUT"; return; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$img" "$map" "${5:-${VM_SECTORS[$2]}}" \
    "${6-${VM_BAD[$2]}}" >>"$VM_OUT/host-checks.tsv"
}

# lba_list LIST: "2000,5000-5002" as "2000 5000 5001 5002".
lba_list() { local x; for x in ${1//,/ }; do [[ $x == *-* ]] && seq "${x%-*}" "${x#*-}" || echo "$x"; done | paste -sd' '; }
# bad_list MAPFILE: the sectors a mapfile does not mark finished, as "a b c".
bad_list() { ddrescuelog -b 512 -l-/*? "$1" 2>/dev/null | paste -sd' '; }

# mark TEXT: writes TEXT into the kernel log, so dmesg_since can cut there.
mark() { echo "vmtest: $*" >/dev/kmsg; }
# dmesg_since TEXT: the kernel's messages after the last mark TEXT.
dmesg_since() { dmesg | awk -v m="vmtest: $1" 'index($0, m) { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf == "" ? "(nothing)" : buf }'; }

# hexbytes FILE: the file as space-separated hex bytes.
hexbytes() { od -An -v -tx1 "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }

# sg_cmd KEY DEVICE TIMEOUT_S CDB...: sends one data-in command ($SG_LEN bytes,
# default 512) with
# sg_raw and records what came back: exit status, wall time, SCSI status,
# host/driver status and the raw sense bytes (result "KEY: ...").
# Sets SG_RC, SG_MS, SG_SENSE, SG_STATUS, SG_HOST for the caller.
sg_cmd() {
  local key=$1 dev=$2 t=$3 t0 o
  shift 3
  t0=$(now_ms)
  o=$(sg_raw -vvv -t "$t" -r "${SG_LEN:-512}" -o /dev/null "$dev" "$@" 2>&1)
  SG_RC=$?
  SG_MS=$(($(now_ms) - t0))
  SG_STATUS=$(sed -n 's/^ *SCSI Status: *\(.*[^ ]\) *$/\1/p' <<<"$o" | head -n1)
  SG_HOST=$(grep -o 'Host_status=0x[0-9a-f]* \[[A-Z_]*\]' <<<"$o" | head -n1)
  local drv
  drv=$(grep -o 'Driver_status=0x[0-9a-f]* \[[A-Z_]*\]' <<<"$o" | head -n1)
  SG_SENSE=$(awk '/Raw sense data/ { on = 1; next } on && /^ *([0-9a-f][0-9a-f] *)+$/ { printf "%s ", $0; next } on { exit }' <<<"$o" | tr -s ' ' | sed 's/^ //; s/ $//')
  result "$key" "cdb [$*] on $dev, timeout ${t}s: exit $SG_RC after $SG_MS ms; status ${SG_STATUS:-none}${SG_HOST:+; $SG_HOST}${drv:+; $drv}; sense [${SG_SENSE}]$(sed -n 's/^ *\(Sense key: .*\|Additional sense: .*\|Info fld=.*\)$/; \1/p' <<<"$o" | tr -d '\n')"
}

# nvme_read KEY DEVICE LBA TIMEOUT_MS: one 1-sector NVMe Read through
# nvme io-passthru; records exit status, time and what nvme-cli printed.
nvme_read() {
  local key=$1 dev=$2 lba=$3 t=$4 t0 o
  t0=$(now_ms)
  o=$(nvme io-passthru "$dev" --opcode=2 --namespace-id=1 --data-len=512 --read \
    --cdw10=$((lba & 0xffffffff)) --cdw11=$((lba >> 32)) --cdw12=0 --timeout="$t" 2>&1 >/dev/null)
  NV_RC=$?
  NV_MS=$(($(now_ms) - t0))
  result "$key" "NVMe Read LBA $lba on $dev, timeout ${t}ms: exit $NV_RC after $NV_MS ms: $(tr '\n' ' ' <<<"$o" | tr -s ' ')"
}

# sense_key SENSE / sense_info SENSE: the sense key and the INFORMATION field
# (decimal; empty when VALID is 0) of fixed-format sense bytes (SPC-5 4.4.3).
sense_key() { local b; read -ra b <<<"$1"; [ ${#b[@]} -ge 3 ] && echo $((0x${b[2]} & 0x0f)); }
sense_info() { local b; read -ra b <<<"$1"; [ ${#b[@]} -ge 7 ] && ((0x${b[0]} & 0x80)) && echo $((0x${b[3]}${b[4]}${b[5]}${b[6]})); }

# scsi_debug_load PARAMS...: loads scsi_debug and waits for its disk; sets
# SDEBUG_DEV and SDEBUG_SG. SDEBUG_SYSFS is its parameter directory.
SDEBUG_SYSFS=/sys/bus/pseudo/drivers/scsi_debug
scsi_debug_load() {
  local d deadline=$((SECONDS + 30))
  insmod /run/vm-modules/scsi_debug.ko "$@" || { fail "insmod scsi_debug $*"; return 1; }
  while ((SECONDS < deadline)); do
    for d in /sys/class/scsi_device/*/device; do
      [ "$(cat "$d/model" 2>/dev/null)" = "scsi_debug      " ] || continue
      local b g
      for b in "$d"/block/*; do [ -e "$b" ] && SDEBUG_DEV=/dev/${b##*/}; done
      for g in "$d"/scsi_generic/*; do [ -e "$g" ] && SDEBUG_SG=/dev/${g##*/}; done
      [ -b "${SDEBUG_DEV:-}" ] && [ -c "${SDEBUG_SG:-}" ] && { log "scsi_debug: $SDEBUG_DEV $SDEBUG_SG"; return 0; }
    done
    sleep 0.2
  done
  fail "scsi_debug disk did not appear"
  return 1
}
# sense_byte SENSE N: byte N of the sense bytes, as two hex digits.
sense_byte() { local b; read -ra b <<<"$1"; echo "${b[$2]:-}"; }

# json_field JSON KEY: a top-level field of `ptrescue identify --json` (printed
# with two-space indentation), without quotes. Python takes 2 s to start in
# the guest, so the JSON is read with sed.
json_field() { sed -n "s/^  \"$2\": //p" <<<"$1" | head -n1 | sed 's/,$//; s/^"//; s/"$//'; }

# reads_count LOG / reads_ms LOG: the commands a reads log records (ptrescue's
# or ddrescue's --log-reads) and the sum of their durations in ms (ptrescue only).
reads_count() { grep -c '^0x' "$1"; }
# reads_outcomes LOG: how many commands ended with each outcome, "ok:120 media:3".
reads_outcomes() { awk '/^0x/ { n[$5]++ } END { for (k in n) printf "%s:%d ", k, n[k] }' "$1" | sed 's/ $//'; }
# reads_max_ms LOG OUTCOME: the longest duration of the commands with OUTCOME.
reads_max_ms() { awk -v o="$2" '/^0x/ && $5 == o && $6 > m { m = $6 } END { print m + 0 }' "$1"; }
# reads_resets LOG: the reset lines of a reads log, joined with '|'.
reads_resets() { grep '^# reset' "$1" | sed 's/^# //' | paste -sd'|'; }
# map_lines MAPFILE: a mapfile's data lines (no comments, no current-position line):
# two mapfiles with the same lines describe the same result.
map_lines() { grep -v '^#' "$1" | tail -n +2; }

# ptrescue_bg LOG ARGS...: starts ptrescue in the background (PT_PID), its
# stdout and stderr in LOG.
ptrescue_bg() { local out=$1; shift; "$PTRESCUE" "$@" >"$out" 2>&1 & PT_PID=$!; }
# wait_for_line FILE REGEX SECS: waits until FILE has a line matching REGEX.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -qE "$2" "$1" 2>/dev/null; do ((SECONDS < deadline)) || return 1; sleep 0.05; done
}

# measure_slack: sets SLACK_MS, what a deadline may overrun by in this guest
# through scheduling alone: twice the worst lateness of two 1 s waits in the
# shell (two clock reads included), at least 200 ms. One sample is no bound
# on a machine whose load changes from second to second, hence the margin.
measure_slack() {
  local t0 t1 i late=0 seen=""
  [ -p /tmp/vm-never ] || mkfifo /tmp/vm-never
  exec 9<>/tmp/vm-never
  for i in 1 2; do
    t0=$(now_ms); read -r -t 1 -u 9; t1=$(now_ms)
    seen="$seen $((t1 - t0))"
    ((t1 - t0 - 1000 > late)) && late=$((t1 - t0 - 1000))
  done
  exec 9<&-
  SLACK_MS=$((2 * late))
  ((SLACK_MS < 200)) && SLACK_MS=200
  result slack "1 s waits in this guest ended after${seen} ms; deadline slack allowed: $SLACK_MS ms"
}
# reads_covering LOG LBA: the outcomes of the reads that covered sector LBA, in order.
reads_covering() {
  local b=$(($2 * 512)) pos size _ o out=()
  while read -r pos size _ _ o _; do
    [[ $pos == 0x* ]] && ((pos <= b && b < pos + size)) && out+=("$o")
  done <"$1"
  echo "${out[*]}"
}

# require_runnable_ptrescue: run when this file is sourced, at the start of
# every guest run. The host shares its ptrescue when it has one
# (PTRESCUE_ON_HOST=1 in env.sh); then the guest must be able to run it, or
# the test's `[ -x "$PTRESCUE" ]` checks and unchecked calls would pass
# without ptrescue ever running (a missing shared library in the guest is
# exit 127, a binary it cannot execute 126). Without a binary on the host the
# ptrescue checks are skipped with a note, except with VM_REQUIRE=1 (CI).
# Sets PTRESCUE_VERSION_MS, the time of that first (cold) start.
require_runnable_ptrescue() {
  local out rc t0 why
  if [ "${PTRESCUE_ON_HOST:-0}" != 1 ]; then
    [ "${VM_REQUIRE:-0}" = 1 ] && { fail "no ptrescue binary at $PTRESCUE on the host and VM_REQUIRE=1"; finish; }
    return 0
  fi
  t0=$(now_ms)
  out=$("$PTRESCUE" --version 2>&1)
  rc=$?
  PTRESCUE_VERSION_MS=$(($(now_ms) - t0))
  if ((rc == 0)) && [[ $out == ptrescue* ]]; then return 0; fi
  case $rc in
    127) why="not found or a shared library is missing in the guest" ;;
    126) why="the guest cannot execute it" ;;
    0) why="it printed no version" ;;
    *) why="exit $rc" ;;
  esac
  fail "ptrescue cannot run in the guest: '$PTRESCUE --version': $why: $(head -n 3 <<<"$out" | tr -c '[:print:]\n' '?' | paste -sd'|')"
  finish
}
require_runnable_ptrescue
