#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints the version of the newest kernel in /boot that has its modules
# installed; exits 1 if there is none.
set -euo pipefail
best=""
for k in /boot/vmlinuz-*; do
  [ -e "$k" ] || continue
  v=${k#/boot/vmlinuz-}
  [ -d "/lib/modules/$v/kernel" ] || continue
  best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n1)
done
[ -n "$best" ] || { echo "no kernel with modules in /boot (run tools/vm/setup.sh)" >&2; exit 1; }
echo "$best"
