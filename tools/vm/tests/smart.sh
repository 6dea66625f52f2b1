# SPDX-License-Identifier: GPL-3.0-or-later
# SMART: `ptrescue smart --json` agrees with `smartctl -j -a` on the emulated
# SATA (AHCI, ptrescue's sat transport) and NVMe disks for every field both
# report: the verdict, temperature, power-on hours, power cycles, each ATA
# attribute (name, value, worst, threshold, flags, raw value), the ATA error
# log count, and every field of the NVMe SMART / Health Information log.
# Both JSON documents are kept in the results for the docs, and the raw
# SMART READ DATA / THRESHOLDS pages (sg_raw) and NVMe SMART / Health log
# (nvme get-log) are recorded as hex for the parser tests. A rescue with --smart-stop on the AHCI
# disk checks the sidecar is written in the guest too.
# vm: --disk ahci:PTRVM-SATA-S --disk nvme:PTRVM-NVME-S
# vm: --timeout 420
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish

if [ ! -x "$PTRESCUE" ]; then
  log "no ptrescue binary at $PTRESCUE: nothing to compare"
  finish
fi
py=$(command -v python3)

# compare KEY OURS THEIRS: prints "name|want|got" for every field both
# documents report (want = smartctl's), then a line "fields|N".
compare() {
  "$py" - "$2" "$3" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d
n = 0
def both(name, path, path2=None):
    global n
    a, b = get(ours, path), get(theirs, path2 or path)
    if a is None or b is None:
        return
    n += 1
    print(f"{name}|{json.dumps(b)}|{json.dumps(a)}")
for p in ["smart_status.passed", "temperature.current", "power_on_time.hours", "power_cycle_count",
          "logical_block_size", "serial_number", "model_name", "firmware_version"]:
    both(p, p)
for log in ["summary", "extended"]:
    both("ata_smart_error_log.count", f"ata_smart_error_log.{log}.count", f"ata_smart_error_log.{log}.count")
theirs_attrs = {a["id"]: a for a in (get(theirs, "ata_smart_attributes.table") or [])}
for a in get(ours, "ata_smart_attributes.table") or []:
    t = theirs_attrs.get(a["id"])
    if t is None:
        print(f"attribute {a['id']} present|missing in smartctl|present")
        continue
    for f in ["name", "value", "worst", "thresh", "flags.value", "raw.value"]:
        x, y = get(a, f), get(t, f)
        if x is not None and y is not None:
            n += 1
            print(f"attribute {a['id']} {f}|{json.dumps(y)}|{json.dumps(x)}")
for a in theirs_attrs:
    if not any(o["id"] == a for o in (get(ours, "ata_smart_attributes.table") or [])):
        print(f"attribute {a} present|present|missing in ptrescue")
h = get(ours, "nvme_smart_health_information_log") or {}
for k in h:
    both(f"nvme.{k}", f"nvme_smart_health_information_log.{k}")
print(f"fields|{n}")
PY
}

# The raw buffers, with other tools than ptrescue (sg_raw: ATA PASS-THROUGH(16)
# of SMART READ DATA / READ THRESHOLDS, the CDBs of commands/ata.h).
for s in "${VM_DISKS[@]}"; do
  if [ "${VM_KIND[$s]}" = ahci ]; then
    sg=$(disk_sg "$s")
    sg_raw -r 512 -o "$VM_OUT/smart-data.bin" "$sg" 85 08 0e 00 d0 00 01 00 00 00 4f 00 c2 40 b0 00 >/dev/null 2>&1
    result "smart.$s.raw-smart-read-data" "exit $?; $(hexbytes "$VM_OUT/smart-data.bin")"
    sg_raw -r 512 -o "$VM_OUT/smart-thresholds.bin" "$sg" 85 08 0e 00 d1 00 01 00 00 00 4f 00 c2 40 b0 00 >/dev/null 2>&1
    result "smart.$s.raw-smart-read-thresholds" "exit $?; $(hexbytes "$VM_OUT/smart-thresholds.bin")"
  elif [ "${VM_KIND[$s]}" = nvme ]; then
    nvme get-log "$(disk_ctrl "$s")" --log-id=2 --log-len=512 --raw-binary >"$VM_OUT/nvme-smart-log.bin" 2>/dev/null
    result "smart.$s.raw-nvme-smart-log" "exit $?; $(hexbytes "$VM_OUT/nvme-smart-log.bin")"
  fi
done

for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  ours="$VM_OUT/smart-$s-ptrescue.json" theirs="$VM_OUT/smart-$s-smartctl.json"
  "$PTRESCUE" smart "$dev" --json >"$ours" 2>"$VM_OUT/smart-$s-ptrescue.err"
  rc=$?
  result "smart.$s.ptrescue" "exit $rc; $(tr -d '\n' <"$ours" | tr -s ' ' | head -c 3000)"
  result "smart.$s.ptrescue-stderr" "$(tr '\n' ';' <"$VM_OUT/smart-$s-ptrescue.err")"
  expect "ptrescue smart $dev exit status" 0 "$rc"
  smartctl -j -a "$dev" >"$theirs" 2>&1
  result "smart.$s.smartctl" "exit $?; $(tr -d '\n' <"$theirs" | tr -s ' ' | head -c 3000)"
  [ "$rc" = 0 ] || continue
  while IFS='|' read -r name want got; do
    if [ "$name" = fields ]; then
      result "smart.$s.fields-compared" "$want"
      check "smart $s: some fields compared" test "$want" -gt 3
    else
      expect "smart $s $name" "$want" "$got"
    fi
  done < <(compare "$s" "$ours" "$theirs")
done

# A rescue with a stop rule that fires before the first read on the AHCI
# disk (its temperature is above 0): exit 8, the sidecar holds the snapshot.
for s in "${VM_DISKS[@]}"; do
  [ "${VM_KIND[$s]}" = ahci ] || continue
  dev=$(disk_dev "$s")
  "$PTRESCUE" rescue "$dev" "$VM_OUT/stop.img" "$VM_OUT/stop.map" -q --smart-stop 'temperature>=1' 2>"$VM_OUT/stop.err"
  rc=$?
  result "smart.$s.stop-rule" "exit $rc; $(tr '\n' ';' <"$VM_OUT/stop.err")"
  expect "rescue $dev --smart-stop temperature>=1 exit status" 8 "$rc"
  check "rescue $dev wrote the SMART sidecar" grep -q '"event":"before"' "$VM_OUT/stop.map.smart.jsonl"
  "$PTRESCUE" rescue "$dev" "$VM_OUT/stop.img" "$VM_OUT/stop.map" -q -s 1Mi --smart=interval:1s >"$VM_OUT/resume.out" 2>&1
  expect "rescue $dev resumes without the rule" 0 "$?"
  result "smart.$s.smart-diff" "$("$PTRESCUE" smart-diff "$VM_OUT/stop.map" | tr '\n' ';')"
done
finish
