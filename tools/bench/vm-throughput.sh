#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Throughput on the kernel test bed (tools/vm): one QEMU guest with a healthy
# 256 MiB disk per transport (AHCI, virtio-scsi, NVMe), each read whole by
#   ptrescue (pass-through: sat / scsi / nvme, chosen by auto-detection),
#   ptrescue -d (block layer), ddrescue -d, dd iflag=direct bs=1M,
# RUNS rounds interleaved (default 3); the best time of each is reported with
# the ratios ptrescue / ddrescue -d and ptrescue / dd (> 1 = ptrescue faster;
# issue 5's goal: ptrescue >= ddrescue on each transport). Images are checked
# against dd's in the guest. Under TCG the guest's CPU is emulated, so the
# numbers compare the tools with each other on the same emulated disks; they
# are not disk speeds.
#
# Usage: tools/bench/vm-throughput.sh   (after tools/vm/setup.sh)
# Environment: RUNS (3), SIZE_MIB (256), VM_CACHE (build/vm), and lib.sh's
# PTRESCUE_RELEASE_DIR / PTRESCUE_NO_BUILD (a Release build is used: the ASan
# one would measure the sanitizer).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-256}
ensure_release_build
export VM_CACHE=${VM_CACHE:-$SOURCE_ROOT/build/vm}
out=$VM_CACHE/results/vm-throughput
PTRESCUE=$PTRESCUE "$SOURCE_ROOT/tools/vm/run-guest.sh" \
  --disk "ahci:PTRVM-BENCH-A:$SIZE_MIB" --disk "scsi:PTRVM-BENCH-S:$SIZE_MIB" --disk "nvme:PTRVM-BENCH-N:$SIZE_MIB" \
  --timeout $((600 + RUNS * 300)) --append "benchruns=$RUNS" --out "$out" \
  "$SOURCE_ROOT/tools/bench/vm-throughput-guest.sh" >"$out.log" 2>&1 || {
  tail -n 40 "$out.log" >&2
  die "the bench guest failed; see $out.log"
}
# results.txt: "bench: TRANSPORT TOOL MS READS"; best of RUNS per pair.
awk -v mib="$SIZE_MIB" '
  $1 == "bench:" { k = $2 " " $3; if (!(k in best) || $4 < best[k]) { best[k] = $4; reads[k] = $5 } }
  END {
    printf "%-6s %-12s %9s %9s %8s\n", "disk", "tool", "best ms", "MiB/s", "commands"
    n = split("sat scsi nvme", ts, " "); m = split("ptrescue ptrescue-d ddrescue-d dd", tools, " ")
    for (i = 1; i <= n; i++) {
      t = ts[i]
      for (j = 1; j <= m; j++) { k = t " " tools[j]; if (k in best) printf "%-6s %-12s %9d %9.1f %8s\n", t, tools[j], best[k], mib * 1000 / best[k], reads[k] }
      p = best[t " ptrescue"]; pd = best[t " ptrescue-d"]; d = best[t " ddrescue-d"]; x = best[t " dd"]
      if (p && d && x) printf "%-6s ratios: ptrescue/ddrescue-d %.2f, ptrescue/dd %.2f, ptrescue-d/ddrescue-d %.2f\n", t, d / p, x / p, d / pd
    }
  }' "$out/results.txt" | tee "$out/summary.txt"
grep -q '^FAIL' "$out/checks.txt" && die "some images or mapfiles were wrong: $(grep '^FAIL' "$out/checks.txt" | head -3)"
exit 0
