# SPDX-License-Identifier: GPL-3.0-or-later
# A disk that vanishes in the middle of a rescue (a pulled cable: the SCSI
# device is deleted through sysfs while ptrescue reads it, on AHCI through
# sat and on virtio-scsi through scsi; the NVMe controller's PCI function is
# removed, under nvme; virtio-scsi and NVMe read the disk too fast to be
# caught, so they are pulled while nbdkit holds one of their reads): ptrescue
# waits --reattach-wait (2 s here) for it to come back, then ends with exit 4
# (device gone) leaving a consistent mapfile that covers the disk; once the disk is
# back (host or PCI rescan, found again by its serial, maybe under another name)
# the same command line resumes it to the end, and every byte of the image
# is right.
# vm: --disk ahci:PTRVM-SATA-V:128
# vm: --disk scsi:PTRVM-SCSI-V:64 --stall 65536+8
# vm: --disk nvme:PTRVM-NVME-V:64 --stall 65536+8
# vm: --timeout 300
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to test"; finish; }

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  sg=$(disk_sg "$s")
  hctl=$(basename "$(readlink -f "/sys/block/${dev#/dev/}/device")")
  # NVMe: the controller's PCI function is pulled, and a PCI rescan brings it back.
  pci=""
  [ "${VM_KIND[$s]}" = nvme ] && pci=$(readlink -f "/sys/class/nvme/$(basename "$(disk_ctrl "$s")")/device")
  v="$VM_OUT/vanish-$s"
  [ -n "${VM_STALL[$s]}" ] && echo "6 once" >"$VM_OUT/stall-$s"
  ptrescue_bg "$v.out" rescue -q --read-timeout 30s --reattach-wait 2s --mapfile-interval 100ms --log-reads "$v.reads1" "$dev" "$v.img" "$v.map"
  if [ -n "${VM_STALL[$s]}" ]; then
    # Pull it while nbdkit holds a read.
    wait_for_line "$VM_OUT/stall-$s.log" held 60 || fail "$s: the stall never came"
  else
    # Pull it once a few reads have landed.
    deadline=$((SECONDS + 60))
    while :; do
      n=$(grep -c $'\tok\t' "$v.reads1" 2>/dev/null)
      [ "${n:-0}" -ge 8 ] && break
      ((SECONDS < deadline)) || break
      sleep 0.02
    done
  fi
  mark "vanish-$s"
  if [ -n "$pci" ]; then echo 1 >"$pci/remove"; else echo 1 >"/sys/class/scsi_device/$hctl/device/delete"; fi
  wait "$PT_PID"
  rc=$?
  expect "$s pulled mid-rescue: ptrescue exit (4: device gone)" 4 "$rc"
  result "vanish.$s.pulled" "exit $rc after $(reads_count "$v.reads1") reads ($(reads_outcomes "$v.reads1")); said: $(tail -n 3 "$v.out" | paste -sd'|')"
  result "vanish.$s.dmesg" "$(dmesg_since "vanish-$s" | head -n 8 | paste -sd'|')"
  check "$s: the mapfile left behind is one ddrescuelog reads" ddrescuelog -t "$v.map"
  check "$s: it holds rescued data" grep -qE '^0x[0-9A-Fa-f]+ +0x[0-9A-Fa-f]+ +\+' "$v.map"
  expect "$s: it covers the whole disk" $((VM_SECTORS[$s] * 512)) \
    "$(map_lines "$v.map" | awk '{ e = $1 + $2 } END { printf "%d", e }' 2>/dev/null)"

  # Plug it back: the host rescans and the disk comes back, found by serial.
  mark "replug-$s"
  if [ -n "$pci" ]; then echo 1 >/sys/bus/pci/rescan; else echo '- - -' >"/sys/class/scsi_host/host${hctl%%:*}/scan"; fi
  wait_for_disks || continue
  dev2=$(disk_dev "$s")
  result "vanish.$s.back" "$dev came back as $dev2"
  "$PTRESCUE" rescue -q --log-reads "$v.reads2" "$dev2" "$v.img" "$v.map" >>"$v.out" 2>&1
  expect "$s: resume after the replug: exit" 0 "$?"
  expect "$s: nothing left unrescued" "" "$(bad_list "$v.map")"
  check_image "$s: vanished and resumed: image bytes" "$s" "$v.img" "$v.map"
  result "vanish.$s.resumed" "$(reads_count "$v.reads2") reads after the replug"
done
finish
