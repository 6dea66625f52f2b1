# SPDX-License-Identifier: GPL-3.0-or-later
# Guest half of tools/bench/vm-throughput.sh (run by tools/vm/run-guest.sh,
# not a test): each healthy disk of this boot is read whole by ptrescue
# through its pass-through transport, ptrescue -d through the block layer,
# ddrescue -d and dd iflag=direct bs=1M, BENCH_RUNS rounds, interleaved. The
# images go to the guest's tmpfs (RAM), so the disk read is what is timed.
# Every image must equal dd's (md5) and every mapfile be all finished, so a
# fast wrong answer cannot win. Writes "bench: TRANSPORT TOOL MS READS" lines
# to results.txt.
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
runs=$(sed -n 's/.*benchruns=\([0-9]*\).*/\1/p' /proc/cmdline)
runs=${runs:-1}
img=/tmp/bench.img map=/tmp/bench.map reads=/tmp/bench.reads
# tool_run TOOL DEV: one read of the whole disk; sets MS and READS.
tool_run() {
  local t0
  rm -f "$img" "$map" "$reads"
  t0=$(now_ms)
  case $1 in
    ptrescue) "$PTRESCUE" rescue -q --log-reads "$reads" "$2" "$img" "$map" ;;
    ptrescue-d) "$PTRESCUE" rescue -q --transport block -d --log-reads "$reads" "$2" "$img" "$map" ;;
    ddrescue-d) ddrescue -q -d --log-reads="$reads" "$2" "$img" "$map" ;;
    dd) dd if="$2" of="$img" bs=1M iflag=direct status=none && : >"$reads" ;;
  esac
  RC=$?
  MS=$(($(now_ms) - t0))
  READS=$( [ -s "$reads" ] && grep -c '^0x' "$reads" || echo "-")
}
for s in "${VM_DISKS[@]}"; do
  dev=$(disk_dev "$s")
  transport=$(case ${VM_KIND[$s]} in ahci) echo sat ;; scsi) echo scsi ;; nvme) echo nvme ;; esac)
  tool_run dd "$dev"
  want=$(md5sum <"$img" | cut -d' ' -f1)
  for ((i = 1; i <= runs; i++)); do
    for tool in ptrescue ptrescue-d ddrescue-d dd; do
      tool_run "$tool" "$dev"
      expect "$s $tool exit" 0 "$RC"
      if [ "$tool" != dd ]; then
        expect "$s $tool: all finished" "" "$(bad_list "$map")"
        # ptrescue's header says which transport auto-detection chose.
      fi
      expect "$s $tool: image equals dd's" "$want" "$(md5sum <"$img" | cut -d' ' -f1)"
      result bench "$transport $tool $MS $READS"
    done
  done
  rm -f "$img"
done
finish
