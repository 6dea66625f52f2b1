# SPDX-License-Identifier: GPL-3.0-or-later
# Bad sectors: blkdebug fails reads of chosen sectors on each of the three
# disks. ddrescue -d, ptrescue rescue -d (block layer) and ptrescue rescue
# through each pass-through transport (sat on AHCI, scsi on virtio-scsi, nvme)
# each find exactly those sectors bad and every other byte right; ddrescuelog
# reads ptrescue's mapfiles the same way as ddrescue's; the commands and time
# of each are recorded side by side. One pass-through read of a bad sector per
# transport records the status and sense bytes that come back. On the SATA
# disk a pass-through rescue is SIGKILLed mid-run and resumed: same mapfile.
# Sector 100 is bad on every disk so that the first failed read is a rescue's
# first (64 KiB) one: without a failing LBA from the device (QEMU gives none)
# a failed read is trimmed sector by sector, and a 1 MiB one later in a
# healthy stretch would cost 2048 commands (see docs/TESTING.md).
# vm: --disk ahci:PTRVM-SATA-1:16 --bad 100,2000,5000-5002,20000
# vm: --disk scsi:PTRVM-SCSI-1:16 --bad 100,2000,12345
# vm: --disk nvme:PTRVM-NVME-1:16 --bad 100,2000,30000-30001,32767
# vm: --timeout 480
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
  dd_ms=$((t1 - t0))
  expect "ddrescue -d $dev exit" 0 "$rc"
  expect "ddrescue -d $dev bad sectors" "$want" "$(bad_list "$VM_OUT/ddrescue-$s.map")"
  check_image "ddrescue -d $dev image bytes" "$s" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map"
  result "bad-sectors.$s.ddrescue" "$((t1 - t0)) ms, $(grep -c '^0x' "$VM_OUT/ddrescue-$s.reads") reads, bad: $want"

  if [ -x "$PTRESCUE" ]; then
    t0=$(now_ms)
    # --transport block: auto-detection would choose pass-through on these nodes.
    "$PTRESCUE" rescue --transport block -d -q --log-reads "$VM_OUT/ptrescue-$s.reads" "$dev" "$VM_OUT/ptrescue-$s.img" "$VM_OUT/ptrescue-$s.map"
    rc=$?
    t1=$(now_ms)
    expect "ptrescue rescue -d $dev exit" 0 "$rc"
    # The block transport cannot bound a read: its reads log gives no timeout.
    expect "ptrescue rescue -d $dev went through the block layer (applied timeout)" 0 "$(awk '/^0x/ { print $7; exit }' "$VM_OUT/ptrescue-$s.reads")"
    expect "ptrescue rescue -d $dev bad sectors" "$want" "$(bad_list "$VM_OUT/ptrescue-$s.map")"
    expect "ddrescuelog -t agrees on $dev" \
      "$(ddrescuelog -t "$VM_OUT/ddrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')" \
      "$(ddrescuelog -t "$VM_OUT/ptrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')"
    check_image "ptrescue rescue -d $dev image bytes" "$s" "$VM_OUT/ptrescue-$s.img" "$VM_OUT/ptrescue-$s.map"
    result "bad-sectors.$s.ptrescue-block" "$((t1 - t0)) ms, $(grep -c '^0x' "$VM_OUT/ptrescue-$s.reads") reads"
    block_ms=$((t1 - t0))

    # Pass-through: the transport auto-detection picks (sat, scsi, nvme).
    want_transport=$(case ${VM_KIND[$s]} in ahci) echo sat ;; scsi) echo scsi ;; nvme) echo nvme ;; esac)
    pt="$VM_OUT/pt-$s"
    t0=$(now_ms)
    # Without -q: the header names the transport auto-detection chose.
    "$PTRESCUE" rescue --log-reads "$pt.reads" "$dev" "$pt.img" "$pt.map" >"$pt.out" 2>&1
    rc=$?
    t1=$(now_ms)
    expect "ptrescue rescue $dev (pass-through) exit" 0 "$rc"
    expect "ptrescue rescue $dev transport" "$want_transport" "$(sed -n 's/^source: .* (\([a-z]*\), .*/\1/p' "$pt.out")"
    expect "ptrescue rescue $dev ($want_transport) bad sectors" "$want" "$(bad_list "$pt.map")"
    expect "ddrescuelog -t agrees on $dev ($want_transport)" \
      "$(ddrescuelog -t "$VM_OUT/ddrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')" \
      "$(ddrescuelog -t "$pt.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')"
    check "no $want_transport read of $dev timed out" test "$(reads_max_ms "$pt.reads" timeout)" = 0
    check_image "ptrescue rescue $dev ($want_transport) image bytes" "$s" "$pt.img" "$pt.map"
    pt_ms=$((t1 - t0))
    result "bad-sectors.$s.ptrescue-$want_transport" "$pt_ms ms, $(reads_count "$pt.reads") reads ($(reads_outcomes "$pt.reads"))"
    result "bad-sectors.$s.compare" "ddrescue -d: $(reads_count "$VM_OUT/ddrescue-$s.reads") reads in $dd_ms ms;" \
      "ptrescue -d (block): $(reads_count "$VM_OUT/ptrescue-$s.reads") reads in $block_ms ms;" \
      "ptrescue ($want_transport): $(reads_count "$pt.reads") reads in $pt_ms ms"

    if [ "${VM_KIND[$s]}" = ahci ]; then
      # Kill safety: SIGKILL once the first failed read is logged (the map has
      # been saved with finished and failed areas by then: interval 100 ms),
      # then resume with the same image and mapfile.
      k="$VM_OUT/kill-$s"
      ptrescue_bg "$k.out" rescue -q --mapfile-interval 100ms --log-reads "$k.reads1" "$dev" "$k.img" "$k.map"
      wait_for_line "$k.reads1" $'\t(aborted|media)\t' 60
      sleep 0.3
      kill -KILL "$PT_PID"
      wait "$PT_PID" 2>/dev/null
      expect "SIGKILL mid-rescue: ptrescue died of SIGKILL" 137 "$?"
      result "bad-sectors.$s.kill" "killed after $(reads_count "$k.reads1") reads; map then: $(map_lines "$k.map" | awk '{ n[$3]++ } END { for (k in n) printf "%s:%d ", k, n[k] }')"
      check "the mapfile saved before the kill holds rescued data" grep -qE '^0x[0-9A-Fa-f]+ +0x[0-9A-Fa-f]+ +\+' "$k.map"
      "$PTRESCUE" rescue -q --log-reads "$k.reads2" "$dev" "$k.img" "$k.map" 2>>"$k.out"
      expect "resume after SIGKILL: exit" 0 "$?"
      expect "resume after SIGKILL: the same mapfile as the uninterrupted run" "$(map_lines "$pt.map" | paste -sd'|')" "$(map_lines "$k.map" | paste -sd'|')"
      check_image "resume after SIGKILL: image bytes" "$s" "$k.img" "$k.map"
      result "bad-sectors.$s.kill-resume" "resume: $(reads_count "$k.reads2") reads"
    fi
  else
    log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  fi
done
finish
