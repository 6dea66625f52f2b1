# SPDX-License-Identifier: GPL-3.0-or-later
# The USB rungs of the reset ladder, each proven alone on a USB disk that
# hangs: a Bulk-Only (usb-storage) and a UAS disk, the first read of each
# rescue stalled 6 s (nbdkit) against ptrescue's 3 s deadline. A rescue with
# `--reset usb-reset` (USBDEVFS_RESET on the disk's usbfs node), then one
# with `--reset usb-rebind` (unbind of usb-storage / uas, a USB reset while
# no driver holds the device, bind: the disk comes back under new nodes,
# found by serial): the rung is ok, its detail
# holds what the kernel logged meanwhile, the rescue ends with exactly the
# bad sector left and every other byte right. Before that, `identify` and the
# run's banner name the USB device and the default ladder with the USB rungs.
# The stall and the bad sector are far apart, as in usb.sh: the stall is in
# the first 64 KiB read.
# vm: --disk usb:PTRVM-USBR-1:4 --bad 3000 --stall 64+8
# vm: --disk uas:PTRVM-UASR-1:4 --bad 3000 --stall 64+8
# vm: --timeout 480
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to test"; finish; }
measure_slack
PT_TIMEOUT=3

# kernel_words RUNG: what the kernel must have said during the rung (the
# rung's detail quotes /dev/kmsg): the hub's port reset for a USB device
# reset; the driver probing the interface again for a rebind.
kernel_words() {
  case $1 in
    usb-reset) echo 'kernel: .*reset SuperSpeed USB device' ;;
    usb-rebind) echo 'kernel: .*scsi host[0-9]+: (uas|usb-storage)' ;;
  esac
}

for s in "${VM_DISKS[@]}"; do
  kind=${VM_KIND[$s]} dev=$(disk_dev "$s") r="$VM_OUT/rung-$s"
  js=$("$PTRESCUE" identify "$dev" --json 2>/dev/null)
  result "usb-rungs.$s.identify" "usb $(json_field "$js" usb); default_reset_ladder $(json_field "$js" default_reset_ladder)"
  check "$s ($kind): identify names the USB device" grep -qE '^[0-9]+-[0-9.]+:1\.0 \((uas|usb-storage)\), /dev/bus/usb/' \
    <<<"$(json_field "$js" usb)"
  expect "$s: identify's default ladder" soft,device,bus,usb-reset,usb-rebind "$(json_field "$js" default_reset_ladder)"

  for rung in usb-reset usb-rebind; do
    dev=$(disk_dev "$s") rr="$r-$rung"
    mark "usb-rung $s $rung"
    echo "6 once" >"$VM_OUT/stall-$s"
    t0=$(now_ms)
    "$PTRESCUE" rescue --read-timeout "${PT_TIMEOUT}s" --reset "$rung" --log-reads "$rr.reads" \
      "$dev" "$rr.img" "$rr.map" >"$rr.out" 2>&1
    rc=$?
    ms=$(($(now_ms) - t0))
    rm -f "$VM_OUT/stall-$s"
    scan_disks  # a rebind gives the disk new nodes
    expect "$s: rescue with --reset $rung over a 6 s stall: exit" 0 "$rc"
    check "$s: the banner names the ladder and the USB device" grep -qE "^reset ladder: $rung \(on USB " "$rr.out"
    t=$(reads_max_ms "$rr.reads" timeout)
    check "$s: the stalled read timed out at the ${PT_TIMEOUT} s deadline ($t ms, slack $SLACK_MS ms)" \
      test "$t" -ge $((PT_TIMEOUT * 1000)) -a "$t" -le $((PT_TIMEOUT * 1000 + SLACK_MS))
    line=$(grep -m1 "^# reset $rung: " "$rr.reads")
    check "$s: $rung brought the disk back" grep -q "^# reset $rung: ok" <<<"$line"
    check "$s: $rung's detail quotes the kernel ($(kernel_words "$rung"))" grep -qE "$(kernel_words "$rung")" <<<"$line"
    left=$(bad_list "$rr.map")
    expect "$s: $rung: exactly the bad sectors are left" "$(lba_list "${VM_BAD[$s]}")" "${left:0:80}"
    check_image "$s: $rung: image bytes" "$s" "$rr.img" "$rr.map"
    result "usb-rungs.$s.$rung" "$ms ms, $(reads_count "$rr.reads") reads ($(reads_outcomes "$rr.reads")); nodes after: $(disk_dev "$s") $(disk_sg "$s"); ${line#\# }"
    result "usb-rungs.$s.$rung-dmesg" "$(dmesg_since "usb-rung $s $rung" | head -n 16 | paste -sd'|')"
  done
done
finish
