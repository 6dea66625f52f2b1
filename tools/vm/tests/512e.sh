# SPDX-License-Identifier: GPL-3.0-or-later
# 512e disks: 512-byte logical sectors on 4096-byte physical ones, through
# SAT (QEMU's AHCI disk, IDENTIFY word 106) and SCSI (virtio-scsi, READ
# CAPACITY(16) LBPPBE). A real 512e drive cannot read any logical sector of
# a damaged physical one, so whole physical sectors are made bad here
# (blkdebug counts 512-byte sectors). ptrescue reports 4096-byte physical
# sectors, and its pass-through rescue ends exactly the bad physical
# sectors '-' with every other byte right; below the copying pass's
# clusters it spends one failed read command per bad physical sector. With
# -b 512 (ddrescue's sector size, the way out) it reads them sector by
# sector like ddrescue -d, one failed command per bad logical sector.
# vm: --disk ahci:PTRVM-SATA-512E:16:512e --bad 96-103,2000-2007,9000-9015
# vm: --disk scsi:PTRVM-SCSI-512E:16:512e --bad 96-103,2000-2007,9000-9015
# vm: --timeout 300
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to check"; finish; }

# failed_reads LOG [MAX_BYTES]: failed read commands (of at most MAX_BYTES).
failed_reads() { awk -v m="${2:-0}" '/^0x/ && $5 != "ok" && (m == 0 || $2 <= m) { n++ } END { print n + 0 }' "$1"; }

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  want=$(lba_list "${VM_BAD[$s]}")
  bad_physical=$(($(wc -w <<<"$want") / 8))
  want_transport=$(case ${VM_KIND[$s]} in ahci) echo sat ;; scsi) echo scsi ;; esac)
  expect "$dev physical block size (sysfs)" 4096 "$(cat "/sys/block/${dev#/dev/}/queue/physical_block_size")"
  js=$("$PTRESCUE" identify --json "$dev")
  expect "ptrescue identify $dev transport" "$want_transport" "$(json_field "$js" transport)"
  expect "ptrescue identify $dev logical_sector_size" 512 "$(json_field "$js" logical_sector_size)"
  expect "ptrescue identify $dev physical_sector_size" 4096 "$(json_field "$js" physical_sector_size)"

  ddrescue -d -q --log-reads="$VM_OUT/ddrescue-$s.reads" "$dev" "$VM_OUT/ddrescue-$s.img" "$VM_OUT/ddrescue-$s.map"
  expect "ddrescue -d $dev exit" 0 "$?"
  expect "ddrescue -d $dev bad sectors" "$want" "$(bad_list "$VM_OUT/ddrescue-$s.map")"

  for mode in physical b512; do
    pt="$VM_OUT/pt-$s-$mode"
    extra=()
    [ "$mode" = b512 ] && extra=(-b 512)
    t0=$(now_ms)
    "$PTRESCUE" rescue "${extra[@]}" --log-reads "$pt.reads" "$dev" "$pt.img" "$pt.map" >"$pt.out" 2>&1
    expect "ptrescue rescue ${extra[*]} $dev exit" 0 "$?"
    ms=$(($(now_ms) - t0))
    expect "ptrescue rescue ${extra[*]} $dev transport" "$want_transport" "$(sed -n 's/^source: .* (\([a-z]*\), .*/\1/p' "$pt.out")"
    expect "ptrescue rescue ${extra[*]} $dev bad sectors (whole physical sectors)" "$want" "$(bad_list "$pt.map")"
    expect "ddrescuelog -t agrees on $dev ($mode)" \
      "$(ddrescuelog -t "$VM_OUT/ddrescue-$s.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')" \
      "$(ddrescuelog -t "$pt.map" | grep -E 'rescued|bad' | tr -s ' ' | paste -sd';')"
    check_image "ptrescue rescue ${extra[*]} $dev image bytes" "$s" "$pt.img" "$pt.map"
    if [ "$mode" = physical ]; then
      # Beyond the copying pass's failed clusters (QEMU names no failing sector).
      expect "failed reads of one sector on $dev: one per bad physical sector" "$bad_physical" "$(failed_reads "$pt.reads" 4096)"
    else
      expect "failed reads of one sector on $dev with -b 512: one per bad logical sector" "$((bad_physical * 8))" "$(failed_reads "$pt.reads" 512)"
    fi
    result "512e.$s.ptrescue-$mode" "$ms ms, $(reads_count "$pt.reads") reads ($(reads_outcomes "$pt.reads"))"
  done
  result "512e.$s.ddrescue-d" "$(reads_count "$VM_OUT/ddrescue-$s.reads") reads"
done
finish
