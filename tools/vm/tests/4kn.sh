# SPDX-License-Identifier: GPL-3.0-or-later
# 4Kn disks: virtio-scsi and NVMe with 4096-byte logical blocks and bad
# sectors under them (blkdebug counts 512-byte sectors: a read of a 4 KiB
# block holding one fails whole). The kernel and ptrescue identify report
# 4096-byte sectors and the capacity in them; ddrescue -d -b 4096 and a
# pass-through rescue (scsi, nvme) both end exactly the 4 KiB blocks that
# hold a bad sector '-', with every other byte right.
# vm: --disk scsi:PTRVM-SCSI-4K:16:4096 --bad 100,2001,9000-9009
# vm: --disk nvme:PTRVM-NVME-4K:16:4096 --bad 100,2001,30000
# vm: --timeout 300
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish

# The 512-byte sectors of the 4 KiB blocks that hold a listed sector, as
# ranges "a-b,c-d" (what lba_list and the image check take).
blocks_of() {
  local x
  for x in $(lba_list "$1"); do echo $((x / 8)); done | sort -un |
    awk '{ printf "%s%d-%d", (NR > 1 ? "," : ""), $1 * 8, $1 * 8 + 7 }'
}

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  bad4k=$(blocks_of "${VM_BAD[$s]}")
  want=$(lba_list "$bad4k")
  expect "$dev logical block size (sysfs)" 4096 "$(cat "/sys/block/${dev#/dev/}/queue/logical_block_size")"

  t0=$(now_ms)
  ddrescue -d -b 4096 -q --log-reads="$VM_OUT/ddrescue-$s.reads" "$dev" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map"
  expect "ddrescue -d -b 4096 $dev exit" 0 "$?"
  dd_ms=$(($(now_ms) - t0))
  expect "ddrescue $dev bad sectors (whole 4 KiB blocks)" "$want" "$(bad_list "$VM_OUT/ddrescue-$s.map")"
  check_image "ddrescue $dev image bytes" "$s" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map" "" "$bad4k"

  if [ -x "$PTRESCUE" ]; then
    want_transport=$(case ${VM_KIND[$s]} in scsi) echo scsi ;; nvme) echo nvme ;; esac)
    js=$("$PTRESCUE" identify --json "$dev")
    expect "ptrescue identify $dev transport" "$want_transport" "$(json_field "$js" transport)"
    expect "ptrescue identify $dev logical_sector_size" 4096 "$(json_field "$js" logical_sector_size)"
    expect "ptrescue identify $dev capacity_sectors (of 4096 bytes)" $((VM_SECTORS[$s] / 8)) "$(json_field "$js" capacity_sectors)"

    pt="$VM_OUT/pt-$s"
    t0=$(now_ms)
    "$PTRESCUE" rescue --log-reads "$pt.reads" "$dev" "$pt.img" "$pt.map" >"$pt.out" 2>&1
    expect "ptrescue rescue $dev (pass-through) exit" 0 "$?"
    pt_ms=$(($(now_ms) - t0))
    expect "ptrescue rescue $dev transport" "$want_transport" "$(sed -n 's/^source: .* (\([a-z]*\), .*/\1/p' "$pt.out")"
    expect "ptrescue rescue $dev ($want_transport) bad sectors (whole 4 KiB blocks)" "$want" "$(bad_list "$pt.map")"
    expect "ddrescuelog -t agrees on $dev ($want_transport)" \
      "$(ddrescuelog -t "$VM_OUT/ddrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')" \
      "$(ddrescuelog -t "$pt.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')"
    unaligned=0
    while read -r pos size _; do
      [[ $pos == 0x* ]] || continue
      ((pos % 4096 || size % 4096)) && unaligned=$((unaligned + 1))
    done <"$pt.reads"
    expect "reads of $dev ($want_transport) not in whole 4 KiB blocks" 0 "$unaligned"
    check_image "ptrescue rescue $dev ($want_transport) image bytes" "$s" "$pt.img" "$pt.map" "" "$bad4k"
    result "4kn.$s.compare" "ddrescue -d -b 4096: $(reads_count "$VM_OUT/ddrescue-$s.reads") reads in $dd_ms ms;" \
      "ptrescue ($want_transport): $(reads_count "$pt.reads") reads in $pt_ms ms ($(reads_outcomes "$pt.reads"))"
  else
    log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  fi
done
finish
