# Stalls: nbdkit holds reads of sectors 3000..3007 for STALL seconds once the
# guest arms it. One pass-through read with a 2 s timeout per transport
# records what comes back and when, what the kernel logs, and how long the
# next read takes once the stall is disarmed.
# vm: --disk ahci:PTRVM-SATA-2 --stall 3000+8
# vm: --disk scsi:PTRVM-SCSI-2 --stall 3000+8
# vm: --disk nvme:PTRVM-NVME-2 --stall 3000+8
# vm: --timeout 300
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
# read_back SERIAL: sector 3000 through the block layer is right, and how long it took.
read_back() {
  local t0 got
  t0=$(now_ms)
  got=$(dd if="$(disk_dev "$1")" bs=512 skip=3000 count=1 iflag=direct status=none | head -c 32)
  result "stall.$1.next-read" "$(($(now_ms) - t0)) ms"
  expect "$1 reads sector 3000 after the stall" "$(printf '%-16s%016x' "$1" 3000)" "$got"
}

for s in "${VM_DISKS[@]}"; do
  case ${VM_KIND[$s]} in
    ahci)
      sg=$(disk_sg "$s")
      # ATA PASS-THROUGH(16) READ DMA EXT, LBA 3000 = 0xbb8.
      cdb=(85 0d 0e 00 00 00 01 00 b8 00 0b 00 00 40 25 00)
      sg_cmd "stall.$s.unarmed" "$sg" 2 "${cdb[@]}"
      expect "$s: unarmed read at 3000" 0 "$SG_RC"
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
      cdb=(88 00 00 00 00 00 00 00 0b b8 00 00 00 01 00 00)
      sg_cmd "stall.$s.unarmed" "$sg" 2 "${cdb[@]}"
      expect "$s: unarmed read at 3000" 0 "$SG_RC"
      arm "$s"; mark "stall $s"
      sg_cmd "stall.$s.read16-timeout-2s-stall-${STALL}s" "$sg" 2 "${cdb[@]}"
      disarm "$s"
      # virtio-scsi resets the timer on every timeout: the command waits for the backend.
      expect "$s: the stalled command ends Good (virtio-scsi ignores SG_IO timeouts)" 0 "$SG_RC"
      came_back_late "$s" "$SG_MS"
      ;;
    nvme)
      ng=$(disk_ng "$s")
      nvme_read "stall.$s.unarmed" "$ng" 3000 2000
      expect "$s: unarmed read at 3000" 0 "$NV_RC"
      arm "$s"; mark "stall $s"
      nvme_read "stall.$s.nvme-read-timeout-2s-stall-${STALL}s" "$ng" 3000 2000
      disarm "$s"
      check "$s: the stalled command does not end Good" test "$NV_RC" != 0
      came_back_late "$s" "$NV_MS"
      ;;
  esac
  result "stall.$s.dmesg" "$(dmesg_since "stall $s" | paste -sd'|')"
  read_back "$s"
done
check "nbdkit logged the stalled reads" test -n "$(ls "$VM_OUT"/stall-*.log 2>/dev/null)"
finish
