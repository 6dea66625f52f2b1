#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every benchmark in tools/bench/ and ends with a summary of the ratios
# against the goals of issue 3. See docs/PERFORMANCE.md.
#
# Usage: tools/bench/run-all.sh            (as root, for the loop device part)
# Environment: as the scripts it runs (RUNS, BENCH_DIR, SIZE_MIB, FRAGMENTS,
# UPDATE, PTRESCUE_SOURCE_DIR, PTRESCUE_NO_BUILD).
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib.sh"
BENCH_DIR="${BENCH_DIR:-/var/tmp/ptrescue-bench}"
export BENCH_DIR
mkdir -p "$BENCH_DIR"
rm -f "$BENCH_DIR/summary" "$BENCH_DIR/summary-mapfile"

# Build once here so that the scripts below measure the same binary.
ensure_packages gddrescue:ddrescue
ensure_release_build
export PTRESCUE_NO_BUILD=1

status=0
"$here/healthy-throughput.sh" || status=$?
echo
"$here/mapfile-1m.sh" || status=$?

echo
echo "== summary ($(machine_line))"
echo "   ptrescue $(source_version), $(ddrescue --version | head -n 1)"
cat "$BENCH_DIR/summary" "$BENCH_DIR/summary-mapfile" 2>/dev/null | sed 's/^RESULT /   /'
[ "$status" -eq 0 ] || echo "   (a benchmark failed: status $status; see above)"
exit "$status"
