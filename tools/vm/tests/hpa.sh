# SPDX-License-Identifier: GPL-3.0-or-later
# Hidden capacity: on QEMU's AHCI disk (libata, SAT) `ptrescue identify`
# asks READ NATIVE MAX ADDRESS EXT through ATA PASS-THROUGH with CK_COND,
# and its native max LBA must be what `hdparm -N` reads and what QEMU was
# given (QEMU keeps no HPA: native = user-visible, "HPA present: no"). First
# with the kernel's default fixed-format sense (Linux < 6.11 keeps only
# LBA(7:0) there: then "unknown", naming --dsense), then with D_SENSE set,
# where the whole LBA comes back. The NVMe namespace reports NSZE/NCAP/NUSE.
# vm: --disk ahci:PTRVM-SATA-0 --disk nvme:PTRVM-NVME-0
# vm: --timeout 240
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to check"; finish; }

# nested_field JSON KEY: a field of the "hidden_capacity" object.
nested_field() { sed -n "s/^    \"$2\": //p" <<<"$1" | head -n1 | sed 's/,$//; s/^"//; s/"$//'; }

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  want_max=$((VM_SECTORS[$s] - 1))
  if [ "${VM_KIND[$s]}" = nvme ]; then
    js=$("$PTRESCUE" identify --json "$dev")
    result "hpa.$s.ptrescue" "$(tr -d '\n' <<<"$js" | tr -s ' ')"
    expect "ptrescue identify $dev nvme_nsze" "${VM_SECTORS[$s]}" "$(nested_field "$js" nvme_nsze)"
    expect "nvme id-ns $dev ncap = ptrescue nvme_ncap" \
      "$(($(nvme id-ns "$dev" | sed -n 's/^ncap *: *//p')))" "$(nested_field "$js" nvme_ncap)"
    continue
  fi
  js=$("$PTRESCUE" identify --json "$dev")
  result "hpa.$s.ptrescue-fixed-sense" "$(tr -d '\n' <<<"$js" | tr -s ' ')"
  native=$(nested_field "$js" native_max_lba)
  if [ "$native" = null ]; then
    check "ptrescue identify $dev (fixed sense) says why the native size is unknown" grep -q -- '--dsense' <<<"$js"
  else
    expect "ptrescue identify $dev (fixed sense) native_max_lba" "$want_max" "$native"
  fi
  sdparm -q --set D_SENSE=1 "$dev"
  expect "sdparm D_SENSE on $dev" 1 "$(sdparm -q --get D_SENSE "$dev" | awk '{print $2}')"
  js=$("$PTRESCUE" identify --json "$dev")
  result "hpa.$s.ptrescue" "$(tr -d '\n' <<<"$js" | tr -s ' ')"
  expect "ptrescue identify $dev user_max_lba" "$want_max" "$(nested_field "$js" user_max_lba)"
  expect "ptrescue identify $dev native_max_lba (QEMU's disk size)" "$want_max" "$(nested_field "$js" native_max_lba)"
  expect "ptrescue identify $dev hpa_present" false "$(nested_field "$js" hpa_present)"
  if command -v hdparm >/dev/null; then
    hn=$(hdparm -N "$dev" 2>&1)
    result "hpa.$s.hdparm-N" "$(tr -s ' \n' ' ' <<<"$hn")"
    hd_native=$(sed -n 's/.*max sectors *= *[0-9]*\/\([0-9]*\).*/\1/p' <<<"$hn")
    expect "hdparm -N $dev native sectors = ptrescue native_max_lba + 1" "$hd_native" \
      "$(($(nested_field "$js" native_max_lba) + 1))"
  else
    log "no hdparm in the guest: compared with QEMU's disk size only"
  fi
  sdparm -q --set D_SENSE=0 "$dev"
done
finish
