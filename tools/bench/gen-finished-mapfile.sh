#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes a finished GNU ddrescue mapfile of N fragments to stdout: alternating
# GOOD-byte '+' runs and BAD-byte '-' areas (one bad sector each by default),
# status line "pos + 1" (phase finished), in ddrescue 1.27's layout. The map
# covers N/2 * (GOOD + BAD) bytes, printed to stderr as "size=BYTES".
#
# Usage: tools/bench/gen-finished-mapfile.sh [N [GOOD [BAD]]] >MAPFILE
set -euo pipefail
n=${1:-1000000}
good=${2:-3584}
bad=${3:-512}
[ $((n % 2)) -eq 0 ] || { echo "gen-finished-mapfile: N must be even" >&2; exit 2; }
# mawk's printf clips %X at 2^31 - 1: larger values are converted digit by
# digit (doubles are exact far beyond any disk size).
awk -v n="$n" -v good="$good" -v bad="$bad" '
function hex(v,   s) {
  if (v < 2147483648) return sprintf("0x%08X", v)
  s = ""
  while (v > 0) { s = substr("0123456789ABCDEF", v % 16 + 1, 1) s; v = (v - v % 16) / 16 }
  return "0x" s
}
BEGIN {
  total = (n / 2) * (good + bad)
  print "# Mapfile. Created by tools/bench/gen-finished-mapfile.sh"
  print "# Finished"
  print "# current_pos  current_status  current_pass"
  printf "%s     +               1\n", hex(total - bad)
  print "#      pos        size  status"
  pos = 0
  for (i = 0; i < n / 2; i++) {
    printf "%s  %s  +\n", hex(pos), hex(good); pos += good
    printf "%s  %s  -\n", hex(pos), hex(bad); pos += bad
  }
  printf "size=%.0f\n", total > "/dev/stderr"
}'
