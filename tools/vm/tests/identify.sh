# Identify: the kernel shows our three disks with the serials and capacities
# we gave them, as seen by sg3-utils, nvme-cli, smartctl and ptrescue identify.
# vm: --disk ahci:PTRVM-SATA-0 --disk scsi:PTRVM-SCSI-0 --disk nvme:PTRVM-NVME-0
# vm: --timeout 180
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish

# What starting a program costs in this guest (9p root, TCG): the timings of
# the other tests include it.
t0=$(now_ms); /bin/true; result identify.exec-true "$(($(now_ms) - t0)) ms"
if [ -x "$PTRESCUE" ]; then
  t0=$(now_ms); "$PTRESCUE" --version >/dev/null; result identify.exec-ptrescue-version "$(($(now_ms) - t0)) ms ($PTRESCUE)"
fi

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  want=${VM_SECTORS[$s]}
  if [ "${VM_KIND[$s]}" = nvme ]; then
    ctrl=$(disk_ctrl "$s")
    idc=$(nvme id-ctrl "$ctrl")
    sn=$(sed -n 's/^sn *: *//p' <<<"$idc" | tr -d ' ')
    expect "nvme id-ctrl $ctrl serial" "$s" "$sn"
    result "identify.$s.nvme_id_ctrl" "$(grep -E '^(vid|sn|mn|fr|mdts|ver) ' <<<"$idc" | tr -s ' ' | paste -sd';')"
    idn=$(nvme id-ns "$dev")
    nsze=$(sed -n 's/^nsze *: *//p' <<<"$idn")
    expect "nvme id-ns $dev nsze" "$want" "$((nsze))"
    lbads=$(grep 'in use' <<<"$idn" | sed -n 's/.*lbads:\([0-9]*\).*/\1/p')
    expect "nvme id-ns $dev sector size" 512 "$((1 << lbads))"
    capacity=$((nsze))
  else
    sg=$(disk_sg "$s")
    inq=$(sg_inq "$sg")
    expect "sg_inq $sg unit serial" "$s" "$(sed -n 's/^ *Unit serial number: *//p' <<<"$inq" | tr -d ' ')"
    result "identify.$s.sg_inq" "$(sed -n 's/^ *\(Vendor\|Product\) identification: *//p' <<<"$inq" | paste -sd'|')"
    cap=$(sg_readcap "$sg")
    capacity=$(sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p' <<<"$cap")
    expect "sg_readcap $sg blocks" "$want" "$capacity"
    expect "sg_readcap $sg block length" 512 "$(sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p' <<<"$cap")"
    if [ "${VM_KIND[$s]}" = ahci ]; then
      ata=$(sg_sat_identify "$sg" 2>&1 | head -c 4000)
      result "identify.$s.sg_sat_identify_words10-19" "$(sg_sat_identify -r "$sg" 2>/dev/null | od -An -v -tx1 -j20 -N20 | tr -s ' \n' ' ')"
      check "sg_sat_identify $sg answers" test -n "$ata"
    fi
  fi
  if [ -x "$PTRESCUE" ]; then
    js=$("$PTRESCUE" identify "$dev" --json)
    result "identify.$s.ptrescue" "$(tr -d '\n ' <<<"$js")"
    expect "ptrescue identify $dev capacity_sectors" "$capacity" \
      "$(sed -n 's/.*"capacity_sectors": *\([0-9]*\).*/\1/p' <<<"$js")"
    expect "ptrescue identify $dev logical_sector_size" 512 \
      "$(sed -n 's/.*"logical_sector_size": *\([0-9]*\).*/\1/p' <<<"$js")"
  else
    log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  fi
  # smartctl as a user would run it (QEMU's SMART data is static; scsi-hd has none).
  sm=$(smartctl -i "$dev" 2>&1)
  smrc=$?
  result "identify.$s.smartctl-i" "exit $smrc; $(grep -E '^(Device Model|Model Number|Product|Serial Number|SMART support is)' <<<"$sm" | tr -s ' ' | paste -sd';')"
  if [ "${VM_KIND[$s]}" != scsi ]; then
    expect "smartctl -i $dev serial" "$s" "$(sed -n 's/^Serial Number: *//p' <<<"$sm" | tr -d ' ')"
  fi
  # One sector through the block layer, to show the content is what we generated.
  expect "sector 1000 of $dev" \
    "$(printf '%-16s%016x' "$s" 1000)" "$(dd if="$dev" bs=512 skip=1000 count=1 iflag=direct status=none | head -c 32)"
done
finish
