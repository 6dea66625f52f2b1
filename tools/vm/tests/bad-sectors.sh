# Bad sectors: blkdebug fails reads of chosen sectors on each of the three
# disks. ddrescue -d and ptrescue rescue (block device source) each find
# exactly those sectors bad and every other byte right, ddrescuelog reads
# ptrescue's mapfile the same way as ddrescue's; and one pass-through read of
# a bad sector per transport records the status and sense bytes that come back.
# vm: --disk ahci:PTRVM-SATA-1 --bad 2000,5000-5002,40000
# vm: --disk scsi:PTRVM-SCSI-1 --bad 2000,12345
# vm: --disk nvme:PTRVM-NVME-1 --bad 2000,30000-30001,65535
# vm: --timeout 300
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  want=$(lba_list "${VM_BAD[$s]}")

  # One command at a bad sector (2000 = 0x7d0) and at a good one (1000), as the
  # pass-through transports will send them.
  case ${VM_KIND[$s]} in
    ahci)
      sg=$(disk_sg "$s")
      # ATA PASS-THROUGH(16), READ DMA EXT, 1 sector (SAT-4 12.2.2).
      sg_cmd "bad-sectors.$s.ata-pt-read-dma-ext-lba2000" "$sg" 10 85 0d 0e 00 00 00 01 00 d0 00 07 00 00 40 25 00
      expect "ATA PT READ DMA EXT at a bad sector: CHECK CONDITION" "Check Condition" "$SG_STATUS"
      # Fixed-format sense from libata: ATA error at byte 8, status at byte 9.
      expect "... sense key ABORTED COMMAND (QEMU answers every backend error with ABRT)" 11 "$(sense_key "$SG_SENSE")"
      expect "... ATA error, status" "04 41" "$(sense_byte "$SG_SENSE" 8) $(sense_byte "$SG_SENSE" 9)"
      sg_cmd "bad-sectors.$s.ata-pt-read-dma-ext-lba1000" "$sg" 10 85 0d 0e 00 00 00 01 00 e8 00 03 00 00 40 25 00
      expect "ATA PT READ DMA EXT at a good sector: exit" 0 "$SG_RC"
      # SCSI READ(16) translated by libata.
      sg_cmd "bad-sectors.$s.read16-lba2000" "$sg" 10 88 00 00 00 00 00 00 00 07 d0 00 00 00 01 00 00
      ;;
    scsi)
      sg=$(disk_sg "$s")
      sg_cmd "bad-sectors.$s.read16-lba2000" "$sg" 10 88 00 00 00 00 00 00 00 07 d0 00 00 00 01 00 00
      expect "READ(16) at a bad sector: CHECK CONDITION" "Check Condition" "$SG_STATUS"
      sg_cmd "bad-sectors.$s.read16-lba1000" "$sg" 10 88 00 00 00 00 00 00 00 03 e8 00 00 00 01 00 00
      expect "READ(16) at a good sector: exit" 0 "$SG_RC"
      ;;
    nvme)
      nvme_read "bad-sectors.$s.nvme-read-lba2000" "$(disk_ng "$s")" 2000 10000
      check "NVMe Read at a bad sector fails" test "$NV_RC" != 0
      nvme_read "bad-sectors.$s.nvme-read-lba1000" "$(disk_ng "$s")" 1000 10000
      expect "NVMe Read at a good sector: exit" 0 "$NV_RC"
      ;;
  esac

  t0=$(now_ms)
  ddrescue -d -b 512 -q --log-reads="$VM_OUT/ddrescue-$s.reads" "$dev" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map"
  rc=$?
  t1=$(now_ms)
  expect "ddrescue -d $dev exit" 0 "$rc"
  expect "ddrescue -d $dev bad sectors" "$want" "$(bad_list "$VM_OUT/ddrescue-$s.map")"
  check_image "ddrescue -d $dev image bytes" "$s" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map"
  result "bad-sectors.$s.ddrescue" "$((t1 - t0)) ms, $(grep -c '^0x' "$VM_OUT/ddrescue-$s.reads") reads, bad: $want"

  if [ -x "$PTRESCUE" ]; then
    t0=$(now_ms)
    "$PTRESCUE" rescue -d -q --log-reads "$VM_OUT/ptrescue-$s.reads" "$dev" "$VM_OUT/ptrescue-$s.img" "$VM_OUT/ptrescue-$s.map"
    rc=$?
    t1=$(now_ms)
    expect "ptrescue rescue -d $dev exit" 0 "$rc"
    expect "ptrescue rescue -d $dev bad sectors" "$want" "$(bad_list "$VM_OUT/ptrescue-$s.map")"
    expect "ddrescuelog -t agrees on $dev" \
      "$(ddrescuelog -t "$VM_OUT/ddrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')" \
      "$(ddrescuelog -t "$VM_OUT/ptrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')"
    check_image "ptrescue rescue -d $dev image bytes" "$s" "$VM_OUT/ptrescue-$s.img" "$VM_OUT/ptrescue-$s.map"
    result "bad-sectors.$s.ptrescue-block" "$((t1 - t0)) ms, $(grep -c '^0x' "$VM_OUT/ptrescue-$s.reads") reads"
  else
    log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  fi
done
finish
