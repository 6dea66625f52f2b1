# SPDX-License-Identifier: GPL-3.0-or-later
# Identify: the kernel shows our three disks and a scsi_debug disk with the
# serials and capacities we gave them, as seen by sg3-utils, nvme-cli and
# smartctl, and `ptrescue identify --json` agrees with those tools on each
# transport (sat on AHCI, scsi on virtio-scsi and scsi_debug, nvme) about
# model, serial, capacity and sector size.
# vm: --disk ahci:PTRVM-SATA-0 --disk scsi:PTRVM-SCSI-0 --disk nvme:PTRVM-NVME-0
# vm: --timeout 240
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish

# What starting a program costs in this guest (9p root, TCG): the timings of
# the other tests include it.
t0=$(now_ms); /bin/true; result identify.exec-true "$(($(now_ms) - t0)) ms"
if [ -x "$PTRESCUE" ]; then
  # Timed by guest-lib.sh's start check, the first start of this boot.
  result identify.exec-ptrescue-version "$PTRESCUE_VERSION_MS ms ($PTRESCUE)"
fi

# scsi_debug as the fourth disk: its own serial (VPD 80h, derived from its
# host/target/LUN numbers) and 16 MiB. Only the oracle tools know its serial.
if scsi_debug_load dev_size_mb=16; then
  VM_DISKS+=(SDEBUG) VM_KIND[SDEBUG]=scsi_debug VM_SECTORS[SDEBUG]=32768
  VM_DEV[SDEBUG]=$SDEBUG_DEV VM_SG[SDEBUG]=$SDEBUG_SG
fi

# ata_string RAW WORD WORDS: an ATA IDENTIFY string (SAT: two bytes per word,
# swapped) from the raw 512 bytes, without padding.
ata_string() { dd if="$1" bs=2 skip="$2" count="$3" conv=swab status=none | tr -d '\0' | sed 's/ *$//; s/^ *//'; }

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  want=${VM_SECTORS[$s]}
  want_serial=$s want_model="" want_transport=""
  if [ "${VM_KIND[$s]}" = nvme ]; then
    ctrl=$(disk_ctrl "$s")
    idc=$(nvme id-ctrl "$ctrl")
    sn=$(sed -n 's/^sn *: *//p' <<<"$idc" | tr -d ' ')
    expect "nvme id-ctrl $ctrl serial" "$s" "$sn"
    want_model=$(sed -n 's/^mn *: *//p' <<<"$idc" | sed 's/ *$//') want_transport=nvme
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
    inq_serial=$(sed -n 's/^ *Unit serial number: *//p' <<<"$inq" | tr -d ' ')
    if [ "$s" = SDEBUG ]; then want_serial=$inq_serial; else expect "sg_inq $sg unit serial" "$s" "$inq_serial"; fi
    # ptrescue's SCSI model is "VENDOR PRODUCT" from standard INQUIRY.
    want_model="$(sed -n 's/^ *Vendor identification: *//p' <<<"$inq" | sed 's/ *$//') $(sed -n 's/^ *Product identification: *//p' <<<"$inq" | sed 's/ *$//')"
    want_transport=scsi
    result "identify.$s.sg_inq" "$(sed -n 's/^ *\(Vendor\|Product\) identification: *//p' <<<"$inq" | paste -sd'|')"
    cap=$(sg_readcap "$sg")
    capacity=$(sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p' <<<"$cap")
    expect "sg_readcap $sg blocks" "$want" "$capacity"
    expect "sg_readcap $sg block length" 512 "$(sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p' <<<"$cap")"
    if [ "${VM_KIND[$s]}" = ahci ]; then
      ata=$(sg_sat_identify "$sg" 2>&1 | head -c 4000)
      result "identify.$s.sg_sat_identify_words10-19" "$(sg_sat_identify -r "$sg" 2>/dev/null | od -An -v -tx1 -j20 -N20 | tr -s ' \n' ' ')"
      check "sg_sat_identify $sg answers" test -n "$ata"
      # IDENTIFY DEVICE words 10-19 (serial) and 27-46 (model), ACS-4 7.13.
      sg_sat_identify -r "$sg" >/tmp/identify.raw 2>/dev/null
      expect "sg_sat_identify $sg serial" "$s" "$(ata_string /tmp/identify.raw 10 10)"
      want_model=$(ata_string /tmp/identify.raw 27 20) want_transport=sat
    fi
  fi
  if [ -x "$PTRESCUE" ]; then
    js=$("$PTRESCUE" identify "$dev" --json)
    result "identify.$s.ptrescue" "$(tr -d '\n' <<<"$js" | tr -s ' ')"
    expect "ptrescue identify $dev transport" "$want_transport" "$(json_field "$js" transport)"
    expect "ptrescue identify $dev serial" "$want_serial" "$(json_field "$js" serial)"
    expect "ptrescue identify $dev model" "$want_model" "$(json_field "$js" model)"
    expect "ptrescue identify $dev capacity_sectors" "$capacity" "$(json_field "$js" capacity_sectors)"
    expect "ptrescue identify $dev logical_sector_size" 512 "$(json_field "$js" logical_sector_size)"
  else
    log "no ptrescue binary at $PTRESCUE: its checks are skipped"
  fi
  # smartctl as a user would run it (QEMU's SMART data is static; scsi-hd has none).
  sm=$(smartctl -i "$dev" 2>&1)
  smrc=$?
  result "identify.$s.smartctl-i" "exit $smrc; $(grep -E '^(Device Model|Model Number|Product|Serial Number|SMART support is)' <<<"$sm" | tr -s ' ' | paste -sd';')"
  case ${VM_KIND[$s]} in
    ahci | nvme) expect "smartctl -i $dev serial" "$s" "$(sed -n 's/^Serial Number: *//p' <<<"$sm" | tr -d ' ')" ;;
  esac
  # scsi_debug starts zeroed; only our generated disks have known content.
  [ "$s" = SDEBUG ] && continue
  # One sector through the block layer, to show the content is what we generated.
  expect "sector 1000 of $dev" \
    "$(printf '%-16s%016x' "$s" 1000)" "$(dd if="$dev" bs=512 skip=1000 count=1 iflag=direct status=none | head -c 32)"
done
finish
