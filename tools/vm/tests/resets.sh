# SPDX-License-Identifier: GPL-3.0-or-later
# Timeouts, the reset ladder and the power-cycle hook against a real kernel,
# on scsi_debug (the one disk here that can leave a command unanswered and
# answer the next one). Each run is `ptrescue rescue --read-timeout 1s` of the
# whole disk through its sg node while its first read is ignored: the read must come back at ptrescue's deadline (plus the slack
# measured in this guest), be logged as a timeout, the ladder rung under
# test must be sent to the kernel (its answer and dmesg are recorded), and
# the rescue must then read on and finish with every byte right. The
# power-cycle run detaches the disk from the kernel and re-attaches it
# (scsi_debug's sysfs delete and host rescan) and ptrescue must find it again
# by its serial.
# vm: --timeout 540
. "$VM_SRC/tools/vm/guest-lib.sh"
tag=SDEBUG-R sectors=32768
scsi_debug_load dev_size_mb=16 || finish
dev=$SDEBUG_DEV sg=$SDEBUG_SG
hctl=$(basename "$(readlink -f "/sys/class/scsi_generic/${sg#/dev/}/device")")
serial=$(tail -c +5 "/sys/class/scsi_generic/${sg#/dev/}/device/vpd_pg80" | tr -d '\0 ')
log "scsi_debug $hctl, serial $serial"
python3 "$VM_LIB/disk-image.py" write /dev/stdout --tag "$tag" --sectors "$sectors" |
  dd of="$dev" bs=1M oflag=direct iflag=fullblock status=none
expect "pattern written to $dev" "0 0" "${PIPESTATUS[*]}"

measure_slack
slack=$SLACK_MS
# An fd that never has data: read -t on it is a sleep without a fork.
[ -p /tmp/vm-never ] || mkfifo /tmp/vm-never
exec 9<>/tmp/vm-never

# scsi_debug ignores every NTH-th command while opts has 4 (SDEBUG_OPT_TIMEOUT);
# setting every_nth restarts the count. The command to drop is the rescue's
# first read: NTH is one more than the commands ptrescue sends to open the
# disk, counted below with `ptrescue identify` (the same open). A read that
# times out is trimmed sector by sector afterwards (no LBA comes with a
# timeout): the first read is 64 KiB, a later one 1 MiB, 16 times the work.
disarm() { echo 0 >"$SDEBUG_SYSFS/every_nth"; echo 0 >"$SDEBUG_SYSFS/opts"; }
# Commands the SCSI midlayer has handed to scsi_debug (sysfs iorequest_cnt,
# hex): scsi_debug counts the same ones to pick the NTH-th.
iorequests() { local v; read -r v <"/sys/class/scsi_device/$hctl/device/iorequest_cnt"; echo $((v)); }
c0=$(iorequests)
"$PTRESCUE" identify "$sg" >/dev/null 2>&1
NTH=$(($(iorequests) - c0 + 1))
result resets.open-commands "ptrescue identify sent $((NTH - 1)) commands; the rescues' command $NTH (their first read) is dropped"

# timeout_run NAME ARGS...: one rescue with a timeout armed. Sets RUN (the
# file prefix) and RUN_RC.
timeout_run() {
  local name=$1 base before
  shift
  RUN="$VM_OUT/$name"
  echo 4 >"$SDEBUG_SYSFS/opts"
  echo "$NTH" >"$SDEBUG_SYSFS/every_nth"
  base=$(iorequests)
  mark "$name"
  # --smart=off: a SMART snapshot before the first pass would otherwise be
  # the NTH-th command, not the first read.
  ptrescue_bg "$RUN.out" rescue -q --smart=off --read-timeout 1s --log-reads "$RUN.reads" "$@" "$sg" "$RUN.img" "$RUN.map"
  # Only the one command: once scsi_debug has counted it (and dropped it) the
  # disk answers again, long before the next NTH-th command. Polled from the
  # shell without forking: ptrescue waits a whole second for that command.
  local deadline=$((SECONDS + 60))
  while (($(iorequests) < base + NTH && SECONDS < deadline)); do read -r -t 0.02 -u 9 2>/dev/null; done
  disarm
  wait "$PT_PID"
  RUN_RC=$?
  result "resets.$name.reads" "$(reads_count "$RUN.reads") reads ($(reads_outcomes "$RUN.reads")); $(reads_resets "$RUN.reads")"
  result "resets.$name.dmesg" "$(dmesg_since "$name" | paste -sd'|')"
}
# run_checks NAME: what every run must show.
run_checks() {
  local name=$1 t
  expect "$name: exit" 0 "$RUN_RC"
  expect "$name: one read timed out" 1 "$(grep -c $'\ttimeout\t' "$RUN.reads")"
  t=$(reads_max_ms "$RUN.reads" timeout)
  check "$name: the timed-out read came back at the 1 s deadline ($t ms, slack $slack ms)" \
    test "$t" -ge 1000 -a "$t" -le $((1000 + slack))
  expect "$name: the kernel was given the 1 s timeout" 1000 \
    "$(awk '/^0x/ && $5 == "timeout" { print $7; exit }' "$RUN.reads")"
  expect "$name: every sector rescued afterwards" "" "$(bad_list "$RUN.map")"
  check_image "$name: image bytes" "$tag" "$RUN.img" "$RUN.map" "$sectors" ""
}

if [ ! -x "$PTRESCUE" ]; then
  log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  finish
fi

# The default ladder (soft,device,bus): SCSI has no soft reset, the rung waits
# for the kernel's own error handling (scsi_debug's abort) to end the command.
timeout_run default-ladder
run_checks default-ladder
expect "default ladder: the first rung is soft and brings the disk back" "soft ok" \
  "$(grep -m1 '^# reset' "$RUN.reads" | awk '{ print $3, $4 }' | tr -d :)"

# Each SG_SCSI_RESET kind on its own, so each is sent to the kernel.
for kind in device target bus host; do
  timeout_run "reset-$kind" --reset "$kind"
  run_checks "reset-$kind"
  # scsi_debug implements every reset handler: each is accepted, and after
  # it the disk reports a reset (UNIT ATTENTION 29/00, which sd logs).
  expect "reset $kind: accepted" "$kind ok" "$(grep -m1 '^# reset' "$RUN.reads" | awk '{ print $3, $4 }' | tr -d :)"
  check "reset $kind: the disk reported the reset (dmesg)" grep -q "device reset occurred" <<<"$(dmesg_since "reset-$kind")"
done

# The power-cycle hook: the command detaches the disk (as a pulled cable or a
# relay would), clears the fault and re-attaches it; ptrescue must find the
# disk again by serial (it may come back under another sg node).
cat >/tmp/replug.sh <<EOF
#!/bin/sh
echo 1 >/sys/class/scsi_device/$hctl/device/delete
echo 0 >$SDEBUG_SYSFS/every_nth; echo 0 >$SDEBUG_SYSFS/opts
sleep 1
echo '- - -' >/sys/class/scsi_host/host${hctl%%:*}/scan
EOF
chmod +x /tmp/replug.sh
timeout_run power-cycle --reset power-cycle --power-cycle-cmd /tmp/replug.sh
run_checks power-cycle
expect "power cycle: the rung succeeded" "power-cycle ok" "$(grep -m1 '^# reset' "$RUN.reads" | awk '{ print $3, $4 }' | tr -d :)"
check "power cycle: the kernel saw the disk go and come back" \
  grep -q "Attached SCSI" <<<"$(dmesg_since power-cycle)"
scan_disks
expect "power cycle: the disk is back with its serial" "$serial" \
  "$(tail -c +5 "$(ls -d /sys/class/scsi_device/"$hctl"/device)/vpd_pg80" | tr -d '\0 ')"
finish
