# SPDX-License-Identifier: GPL-3.0-or-later
# USB disks behind QEMU's xHCI: usb-storage (Bulk-Only) and usb-uas, with
# bad sectors (blkdebug) and, on UAS, a stall (nbdkit). Per disk: `ptrescue
# identify` chooses SCSI (QEMU's USB disks refuse ATA PASS-THROUGH) and says
# why; a rescue finds exactly the bad sectors and every other byte right. On
# UAS the first read stalls 6 s: it times out at ptrescue's 3 s deadline,
# a reset rung brings the disk back and the rescue completes. On Bulk-Only
# the disk is pulled mid-rescue (the USB device de-authorised: the kernel
# disconnects it as on a pulled cable) and plugged back 2 s later: the
# rescue finds it again by serial under its new node and completes.
# Sector 100 is bad, or 64 stalled, in the first 64 KiB read, so that the
# sector-by-sector trimming of the first failed read stays short. (A stall
# and a bad sector in one read would make the stall hit the trimming pass,
# which leaves a timed-out sector bad until a retry pass.)
# vm: --disk usb:PTRVM-USB-1:12 --bad 100,3000,5000-5002
# vm: --disk uas:PTRVM-UAS-1:8 --bad 3000 --stall 64+8
# vm: --timeout 420
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to test"; finish; }
measure_slack
PT_TIMEOUT=3

for s in "${VM_DISKS[@]}"; do
  kind=${VM_KIND[$s]} dev=$(disk_dev "$s") r="$VM_OUT/usb-$s"
  usbdir=$(disk_usb "$s")
  result "usb.$s.device" "$dev $(disk_sg "$s") on $(basename "$usbdir") (driver $(basename "$(readlink -f "$(ls -d "$usbdir"/*:1.0 | head -n1)/driver")"), speed $(cat "$usbdir/speed") Mb/s), max_hw_sectors_kb $(cat "/sys/block/${dev#/dev/}/queue/max_hw_sectors_kb")"

  js=$("$PTRESCUE" identify "$dev" --json 2>"$r.identify-err")
  result "usb.$s.identify" "$(tr -d '\n' <<<"$js" | tr -s ' ')"
  result "usb.$s.identify-notes" "$(paste -sd'|' "$r.identify-err")"
  expect "$s: identify chooses" scsi "$(json_field "$js" transport)"
  expect "$s: identify serial" "$s" "$(json_field "$js" serial)"
  expect "$s: identify capacity_sectors" "${VM_SECTORS[$s]}" "$(json_field "$js" capacity_sectors)"
  check "$s: identify says why not SAT" grep -q "ATA PASS-THROUGH" <<<"$js$(cat "$r.identify-err")"

  case $kind in
    uas)
      # A stall at sector 64, in the first read: timeout, reset, then on.
      mark "usb-stall $s"
      echo "6 once" >"$VM_OUT/stall-$s"
      t0=$(now_ms)
      "$PTRESCUE" rescue -q --read-timeout "${PT_TIMEOUT}s" --log-reads "$r.reads" "$dev" "$r.img" "$r.map" 2>"$r.err"
      rc=$?
      ms=$(($(now_ms) - t0))
      rm -f "$VM_OUT/stall-$s"
      expect "$s: rescue with a 6 s stall and a bad sector: exit" 0 "$rc"
      t=$(reads_max_ms "$r.reads" timeout)
      check "$s: the stalled read timed out at the ${PT_TIMEOUT} s deadline ($t ms, slack $SLACK_MS ms)" \
        test "$t" -ge $((PT_TIMEOUT * 1000)) -a "$t" -le $((PT_TIMEOUT * 1000 + SLACK_MS))
      check "$s: a reset rung brought the disk back" grep -qE '^# reset [a-z-]+: ok' "$r.reads"
      result "usb.$s.stall" "$ms ms, $(reads_count "$r.reads") reads ($(reads_outcomes "$r.reads")); resets: $(reads_resets "$r.reads")"
      result "usb.$s.stall-dmesg" "$(dmesg_since "usb-stall $s" | head -n 12 | paste -sd'|')"
      ;;
    usb)
      # Pulled once a few reads have landed, plugged back 2 s later.
      mark "usb-pull $s"
      ptrescue_bg "$r.out" rescue -q --read-timeout "${PT_TIMEOUT}s" --reattach-wait 30s --log-reads "$r.reads" "$dev" "$r.img" "$r.map"
      deadline=$((SECONDS + 60))
      while :; do
        n=$(grep -c $'\tok\t' "$r.reads" 2>/dev/null)
        [ "${n:-0}" -ge 8 ] && break
        ((SECONDS < deadline)) || break
        sleep 0.02
      done
      echo 0 >"$usbdir/authorized"
      t0=$(now_ms)
      sleep 2
      echo 1 >"$usbdir/authorized"
      wait "$PT_PID"
      rc=$?
      ms=$(($(now_ms) - t0))
      scan_disks
      expect "$s: rescue of a disk pulled and plugged back: exit" 0 "$rc"
      check "$s: it says where the disk came back" grep -q "came back as" "$r.out" "$r.reads"
      result "usb.$s.pulled" "$(disk_dev "$s") $(disk_sg "$s") after the replug; rescue ended $ms ms after the pull: $(grep -h "came back" "$r.out" "$r.reads" | head -n 2 | paste -sd'|')"
      result "usb.$s.pulled-reads" "$(reads_count "$r.reads") reads ($(reads_outcomes "$r.reads")); resets: $(reads_resets "$r.reads")"
      result "usb.$s.pulled-undone" "$(grep -h '^# undone' "$r.reads" | paste -sd'|')"
      result "usb.$s.pulled-dmesg" "$(dmesg_since "usb-pull $s" | head -n 12 | paste -sd'|')"
      ;;
  esac
  expect "$s: exactly the bad sectors are left" "$(lba_list "${VM_BAD[$s]}")" "$(bad_list "$r.map")"
  check_image "$s: image bytes" "$s" "$r.img" "$r.map"
done
finish
