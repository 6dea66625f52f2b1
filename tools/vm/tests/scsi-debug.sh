# SPDX-License-Identifier: GPL-3.0-or-later
# Real SCSI medium errors and clean timeouts from the kernel's scsi_debug:
# MEDIUM ERROR with the LBA in the sense data, ddrescue and ptrescue on the
# block node, ptrescue through the sg node (scsi transport), an unanswered command with a short timeout on the sg node (and
# on the block node, where the kernel raises short SG_IO timeouts to 7 s), a
# slow command, and a good read afterwards.
# vm: --timeout 360
. "$VM_SRC/tools/vm/guest-lib.sh"
tag=SDEBUG sectors=32768 bad=5000-5001
scsi_debug_load dev_size_mb=16 opts=2 medium_error_start=5000 medium_error_count=2 || finish
dev=$SDEBUG_DEV sg=$SDEBUG_SG

# Our known content, so a rescued image can be checked byte by byte (writes are
# not failed by the medium error option).
python3 "$VM_LIB/disk-image.py" write /dev/stdout --tag "$tag" --sectors "$sectors" |
  dd of="$dev" bs=1M oflag=direct iflag=fullblock status=none
expect "pattern written to $dev" "0 0" "${PIPESTATUS[*]}"
expect "sector 1000 of $dev reads back" "$(printf '%-16s%016x' "$tag" 1000)" \
  "$(dd if="$dev" bs=512 skip=1000 count=1 iflag=direct status=none | head -c 32)"

sg_cmd scsi-debug.read16-lba5000 "$sg" 10 88 00 00 00 00 00 00 00 13 88 00 00 00 01 00 00
expect "READ(16) at 5000: sense key MEDIUM ERROR" 3 "$(sense_key "$SG_SENSE")"
expect "READ(16) at 5000: INFORMATION" 5000 "$(sense_info "$SG_SENSE")"
SG_LEN=4096 sg_cmd scsi-debug.read16-lba4996-8sectors "$sg" 10 88 00 00 00 00 00 00 00 13 84 00 00 00 08 00 00
expect "READ(16) of 4996..5003: sense key MEDIUM ERROR" 3 "$(sense_key "$SG_SENSE")"
result scsi-debug.read16-lba4996-8sectors.information "$(sense_info "$SG_SENSE") (scsi_debug reports the command's first LBA, or 0x1234 if that is larger)"
sg_cmd scsi-debug.read16-lba5002 "$sg" 10 88 00 00 00 00 00 00 00 13 8a 00 00 00 01 00 00
expect "READ(16) at 5002 (good): exit" 0 "$SG_RC"

# Descriptor-format sense (D_SENSE=1 in the Control mode page). Changing a
# mode page raises a UNIT ATTENTION (2A/01) on the next command: sg_turs
# takes it first.
if sdparm -q --set D_SENSE=1 "$sg"; then
  sg_turs "$sg" >/dev/null 2>&1
  sg_cmd scsi-debug.read16-lba5000-dsense "$sg" 10 88 00 00 00 00 00 00 00 13 88 00 00 00 01 00 00
  expect "READ(16) at 5000, D_SENSE=1: descriptor sense" 72 "${SG_SENSE%% *}"
  sdparm -q --set D_SENSE=0 "$sg"
  sg_turs "$sg" >/dev/null 2>&1
else
  result scsi-debug.read16-lba5000-dsense "sdparm --set D_SENSE=1 refused"
fi

t0=$(now_ms)
err=$(dd if="$dev" of=/dev/null bs=512 skip=5000 count=1 iflag=direct 2>&1 >/dev/null)
result scsi-debug.dd-block-lba5000 "exit $? after $(($(now_ms) - t0)) ms: $(tr '\n' ' ' <<<"$err")"

# scsi_debug's INFORMATION is max(the command's first LBA, 0x1234): a read
# that starts below 4660 and covers the bad sector names 4660, a sector that
# is good. No real drive does that, and no transport can tell; a 1 MiB read of
# a rescue starting at 3968 got exactly that. So the rescues below run with the
# bad sectors moved to 20000-20001, where every read that covers them starts
# above 4660 and scsi_debug names the command's first LBA (which the
# transports do not take as the failing sector).
SG_LEN=524288 sg_cmd scsi-debug.read16-lba4000-1024sectors "$sg" 10 88 00 00 00 00 00 00 00 0f a0 00 00 04 00 00 00
result scsi-debug.read16-lba4000-1024sectors.information "$(sense_info "$SG_SENSE") (bad sector 5000)"
bad=20000-20001
echo 20000 >/sys/module/scsi_debug/parameters/medium_error_start
expect "medium errors moved to 20000" 20000 "$(cat /sys/module/scsi_debug/parameters/medium_error_start)"
sg_cmd scsi-debug.read16-lba20000 "$sg" 10 88 00 00 00 00 00 00 00 4e 20 00 00 00 01 00 00
expect "READ(16) at 20000: INFORMATION" 20000 "$(sense_info "$SG_SENSE")"
sg_cmd scsi-debug.read16-lba5000-after-move "$sg" 10 88 00 00 00 00 00 00 00 13 88 00 00 00 01 00 00
expect "READ(16) at 5000 after the move: good" 0 "$SG_RC"

t0=$(now_ms)
ddrescue -d -b 512 -q --log-reads="$VM_OUT/ddrescue.reads" "$dev" "$VM_OUT/ddrescue.img" "$VM_OUT/ddrescue.map"
expect "ddrescue -d $dev exit" 0 "$?"
result scsi-debug.ddrescue "$(($(now_ms) - t0)) ms, $(grep -c '^0x' "$VM_OUT/ddrescue.reads") reads"
expect "ddrescue -d $dev bad sectors" "$(lba_list $bad)" "$(bad_list "$VM_OUT/ddrescue.map")"
check_image "ddrescue -d $dev image bytes" "$tag" "$VM_OUT/ddrescue.img" "$VM_OUT/ddrescue.map" "$sectors" "$bad"
if [ -x "$PTRESCUE" ]; then
  t0=$(now_ms)
  # --transport block: auto-detection would choose scsi pass-through on the sd node.
  "$PTRESCUE" rescue --transport block -d -q --log-reads "$VM_OUT/ptrescue.reads" "$dev" "$VM_OUT/ptrescue.img" "$VM_OUT/ptrescue.map"
  expect "ptrescue rescue -d $dev exit" 0 "$?"
  # The block transport cannot bound a read: its reads log gives no timeout.
  expect "ptrescue rescue -d $dev went through the block layer (applied timeout)" 0 "$(awk '/^0x/ { print $7; exit }' "$VM_OUT/ptrescue.reads")"
  result scsi-debug.ptrescue-block "$(($(now_ms) - t0)) ms, $(grep -c '^0x' "$VM_OUT/ptrescue.reads") reads"
  expect "ptrescue rescue -d $dev bad sectors" "$(lba_list $bad)" "$(bad_list "$VM_OUT/ptrescue.map")"
  check_image "ptrescue rescue -d $dev image bytes" "$tag" "$VM_OUT/ptrescue.img" "$VM_OUT/ptrescue.map" "$sectors" "$bad"

  # Pass-through on the sg node (auto-detection: ATA PASS-THROUGH is refused,
  # so scsi). scsi_debug's INFORMATION names the command's first LBA, not the
  # failing one: a good sector must not be marked bad because of it.
  t0=$(now_ms)
  "$PTRESCUE" rescue --log-reads "$VM_OUT/pt.reads" "$sg" "$VM_OUT/pt.img" "$VM_OUT/pt.map" >"$VM_OUT/pt.out" 2>&1
  expect "ptrescue rescue $sg exit" 0 "$?"
  pt_ms=$(($(now_ms) - t0))
  expect "ptrescue rescue $sg transport" scsi "$(sed -n 's/^source: .* (\([a-z]*\), .*/\1/p' "$VM_OUT/pt.out")"
  expect "ptrescue rescue $sg (scsi) bad sectors" "$(lba_list $bad)" "$(bad_list "$VM_OUT/pt.map")"
  check_image "ptrescue rescue $sg (scsi) image bytes" "$tag" "$VM_OUT/pt.img" "$VM_OUT/pt.map" "$sectors" "$bad"
  result scsi-debug.ptrescue-scsi "$pt_ms ms, $(reads_count "$VM_OUT/pt.reads") reads ($(reads_outcomes "$VM_OUT/pt.reads"))"
  result scsi-debug.compare "ddrescue -d: $(reads_count "$VM_OUT/ddrescue.reads") reads;" \
    "ptrescue -d (block): $(reads_count "$VM_OUT/ptrescue.reads") reads; ptrescue (scsi): $(reads_count "$VM_OUT/pt.reads") reads in $pt_ms ms"
fi

# Unanswered commands: scsi_debug ignores every command while opts has 4
# (SDEBUG_OPT_TIMEOUT) and every_nth is 1.
echo 4 >"$SDEBUG_SYSFS/opts"
echo 1 >"$SDEBUG_SYSFS/every_nth"
mark "timeout sg"
sg_cmd scsi-debug.timeout-1s-sg-node "$sg" 1 88 00 00 00 00 00 00 00 03 e8 00 00 00 01 00 00
expect "unanswered READ(16), 1 s timeout, sg node: DID_TIME_OUT" "Host_status=0x03 [DID_TIME_OUT]" "$SG_HOST"
check "sg node honours a 1 s timeout (came back in $SG_MS ms, < 5000)" test "$SG_MS" -lt 5000
result scsi-debug.timeout-1s-sg-node.dmesg "$(dmesg_since "timeout sg" | paste -sd'|')"
mark "timeout block"
sg_cmd scsi-debug.timeout-1s-block-node "$dev" 1 88 00 00 00 00 00 00 00 03 e8 00 00 00 01 00 00
check "block node raises a 1 s SG_IO timeout (came back in $SG_MS ms, >= 6500)" test "$SG_MS" -ge 6500
result scsi-debug.timeout-1s-block-node.dmesg "$(dmesg_since "timeout block" | paste -sd'|')"
echo 0 >"$SDEBUG_SYSFS/every_nth"
echo 2 >"$SDEBUG_SYSFS/opts"
sg_cmd scsi-debug.after-timeouts-read16-lba1000 "$sg" 10 88 00 00 00 00 00 00 00 03 e8 00 00 00 01 00 00
expect "the disk reads again after the timeouts" 0 "$SG_RC"
expect "device state after the timeouts" running "$(cat /sys/class/scsi_generic/${sg#/dev/}/device/state)"

# A slow command: 250 jiffies (HZ=250 on Debian: 1 s) of delay, 3 s timeout.
echo 250 >"$SDEBUG_SYSFS/delay"
sg_cmd scsi-debug.delay-250-jiffies "$sg" 3 88 00 00 00 00 00 00 00 03 e8 00 00 00 01 00 00
expect "a slow (1 s) command within its 3 s timeout succeeds" 0 "$SG_RC"
echo 1 >"$SDEBUG_SYSFS/delay"
finish
