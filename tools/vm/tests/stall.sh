# SPDX-License-Identifier: GPL-3.0-or-later
# Stalls: nbdkit holds reads of sectors 64..71 for STALL seconds once the
# guest arms it. 8 MiB disks and sectors inside a rescue's first 64 KiB read:
# a read that timed out is trimmed sector by sector and after an error a
# rescue reads in 64 KiB clusters, ~20-50 ms each under TCG, so the size of
# the first failed read and of the disk make most of the test's time.
# One pass-through read with a 2 s timeout per transport records what comes
# back and when, what the kernel logs, and how long the next read takes once
# the stall is disarmed. Then a ptrescue rescue per
# transport with --read-timeout 3s while the first read of those sectors stalls:
# the read is recorded as a timeout at ptrescue's deadline (QEMU freezes the
# guest during the kernel's reset, ptrescue's clock included), its data is
# never used (the sectors are rescued by a later read), the reset rungs are
# sent to the kernel and recorded, and the rescue completes with every byte
# right.
# vm: --disk ahci:PTRVM-SATA-2:8 --stall 64+8
# vm: --disk scsi:PTRVM-SCSI-2:8 --stall 64+8
# vm: --disk nvme:PTRVM-NVME-2:8 --stall 64+8
# vm: --timeout 420
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
# Long against the 2 s timeout: the NVMe driver aborts at 2 s and resets the
# controller at 4 s; a backend that answers before the reset makes the read
# succeed late, which a loaded machine can turn into a race with 6 s.
STALL=10
# came_back_late SERIAL MS: the ioctl returned only when the stall ended.
came_back_late() { check "$1: the 2 s-timeout command came back when the ${STALL} s stall ended ($2 ms)" test "$2" -ge $((STALL * 1000 - 500)); }

arm() { echo "$STALL" >"$VM_OUT/stall-$1"; }
disarm() { rm -f "$VM_OUT/stall-$1"; }
# read_back SERIAL: sector 64 through the block layer is right, and how long it took.
read_back() {
  local t0 got
  t0=$(now_ms)
  got=$(dd if="$(disk_dev "$1")" bs=512 skip=64 count=1 iflag=direct status=none | head -c 32)
  result "stall.$1.next-read" "$(($(now_ms) - t0)) ms"
  expect "$1 reads sector 64 after the stall" "$(printf '%-16s%016x' "$1" 64)" "$got"
}

for s in "${VM_DISKS[@]}"; do
  case ${VM_KIND[$s]} in
    ahci)
      sg=$(disk_sg "$s")
      # ATA PASS-THROUGH(16) READ DMA EXT, LBA 64 = 0x40.
      cdb=(85 0d 0e 00 00 00 01 00 40 00 00 00 00 40 25 00)
      sg_cmd "stall.$s.unarmed" "$sg" 2 "${cdb[@]}"
      expect "$s: unarmed read at 64" 0 "$SG_RC"
      arm "$s"; mark "stall $s"
      sg_cmd "stall.$s.ata-pt-read-dma-ext-timeout-2s-stall-${STALL}s" "$sg" 2 "${cdb[@]}"
      disarm "$s"
      check "$s: the stalled command does not end Good" test "$SG_RC" != 0
      came_back_late "$s" "$SG_MS"
      # libata's error handling answers for the timed-out command: ABORTED
      # COMMAND with status 0x40 and no ERR bit, unlike a drive's ABRT (0x41).
      expect "$s: ... sense key ABORTED COMMAND" 11 "$(sense_key "$SG_SENSE")"
      expect "$s: ... ATA error, status" "00 40" "$(sense_byte "$SG_SENSE" 8) $(sense_byte "$SG_SENSE" 9)"
      ;;
    scsi)
      sg=$(disk_sg "$s")
      cdb=(88 00 00 00 00 00 00 00 00 40 00 00 00 01 00 00)
      sg_cmd "stall.$s.unarmed" "$sg" 2 "${cdb[@]}"
      expect "$s: unarmed read at 64" 0 "$SG_RC"
      arm "$s"; mark "stall $s"
      sg_cmd "stall.$s.read16-timeout-2s-stall-${STALL}s" "$sg" 2 "${cdb[@]}"
      disarm "$s"
      # virtio-scsi resets the timer on every timeout: the command waits for the backend.
      expect "$s: the stalled command ends Good (virtio-scsi ignores SG_IO timeouts)" 0 "$SG_RC"
      came_back_late "$s" "$SG_MS"
      ;;
    nvme)
      ng=$(disk_ng "$s")
      nvme_read "stall.$s.unarmed" "$ng" 64 2000
      expect "$s: unarmed read at 64" 0 "$NV_RC"
      arm "$s"; mark "stall $s"
      nvme_read "stall.$s.nvme-read-timeout-2s-stall-${STALL}s" "$ng" 64 2000
      disarm "$s"
      check "$s: the stalled command does not end Good" test "$NV_RC" != 0
      came_back_late "$s" "$NV_MS"
      ;;
  esac
  result "stall.$s.dmesg" "$(dmesg_since "stall $s" | paste -sd'|')"
  read_back "$s"
done
check "nbdkit logged the stalled reads" test -n "$(ls "$VM_OUT"/stall-*.log 2>/dev/null)"

[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: its checks are skipped"; finish; }
measure_slack
# The rungs per transport, chosen so that each reset kind the transport can
# send reaches the kernel: the ladder stops at the first rung that brings the
# disk back. libata has no SG_SCSI_RESET handlers (all refused), virtio-scsi
# only a device (LUN) reset; NVMe has the controller reset.
declare -A LADDER=([ahci]=device,target,bus,host,soft [scsi]=target,bus,host,device [nvme]=device)
# 3 s, not 1 s: on a loaded machine this TCG guest stalls now and then for
# over a second (the kernel logs "Long readout interval"), and a healthy
# read that takes that long would time out too and end bad.
PT_STALL=8 PT_TIMEOUT=3
for s in "${VM_DISKS[@]}"; do
  kind=${VM_KIND[$s]} dev=$(disk_dev "$s") r="$VM_OUT/pt-$s"
  mark "ptrescue $s"
  echo "$PT_STALL once" >"$VM_OUT/stall-$s"
  t0=$(now_ms)
  "$PTRESCUE" rescue -q --read-timeout "${PT_TIMEOUT}s" --reset "${LADDER[$kind]}" --log-reads "$r.reads" "$dev" "$r.img" "$r.map" 2>"$r.err"
  rc=$?
  ms=$(($(now_ms) - t0))
  disarm "$s"
  expect "$s: ptrescue rescue with a ${PT_STALL} s stall: exit" 0 "$rc"
  t=$(reads_max_ms "$r.reads" timeout)
  check "$s: a read timed out at ptrescue's ${PT_TIMEOUT} s deadline ($t ms, slack $SLACK_MS ms)" \
    test "$t" -ge $((PT_TIMEOUT * 1000)) -a "$t" -le $((PT_TIMEOUT * 1000 + SLACK_MS))
  # The first read of sector 64 timed out; a later one delivered it.
  covering=$(reads_covering "$r.reads" 64)
  expect "$s: reads of sector 64: the first timed out, the last was good" "timeout ok" \
    "${covering%% *} ${covering##* }"
  expect "$s: every sector rescued" "" "$(bad_list "$r.map")"
  check_image "$s: ptrescue image bytes after a stall" "$s" "$r.img" "$r.map" "${VM_SECTORS[$s]}" ""
  check "$s: a reset rung brought the disk back" grep -qE '^# reset [a-z-]+: ok' "$r.reads"
  result "stall.$s.ptrescue" "$ms ms, $(reads_count "$r.reads") reads ($(reads_outcomes "$r.reads")); reads of sector 64: $covering"
  result "stall.$s.ptrescue-resets" "$(reads_resets "$r.reads")"
  result "stall.$s.ptrescue-dmesg" "$(dmesg_since "ptrescue $s" | paste -sd'|')"
done
finish
