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
    [ -r "$b/device/vpd_pg80" ] || continue
    s=$(tail -c +5 "$b/device/vpd_pg80" | tr -d '\0 ')
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
