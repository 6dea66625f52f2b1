#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints the path of an uncompressed vmlinux for kernel KVER, extracted once from
# /boot/vmlinuz-KVER into $VM_CACHE (default build/vm/). QEMU boots it through
# its PVH entry point, which skips the self-decompression that costs ~2 s per
# boot under TCG. Prints the vmlinuz path instead if the kernel has no PVH
# entry (XEN_ELFNOTE_PHYS32_ENTRY) or cannot be unpacked.
#   usage: extract-vmlinux.sh [KVER]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=${1:-$("$here/kernel-version.sh")}
cache=${VM_CACHE:-$here/../../build/vm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
vmlinuz=/boot/vmlinuz-$kver
out="$cache/vmlinux-$kver"
if [ -s "$out" ] && [ "$out" -nt "$vmlinuz" ]; then echo "$out"; exit 0; fi

# The payload follows the setup code; find it by its compression format's magic.
unpack() {
  local magic=$1 off
  shift
  off=$(LC_ALL=C grep -abo -m1 -P "$magic" "$vmlinuz" 2>/dev/null | head -n1 | cut -d: -f1) || return 1
  [ -n "$off" ] || return 1
  # Trailing bytes after the stream make the decompressors complain: ignore that.
  tail -c +$((off + 1)) "$vmlinuz" | "$@" >"$out.part" 2>/dev/null || true
  [ "$(head -c 4 "$out.part" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]  # an ELF file
}
if { unpack '\xfd7zXZ\x00' xz -dc || unpack '\x28\xb5\x2f\xfd' zstd -qdc || unpack '\x1f\x8b\x08' gzip -dc; } &&
  readelf -n "$out.part" 2>/dev/null | grep -q '0x00000012'; then
  mv "$out.part" "$out"
  echo "$out"
else
  rm -f "$out.part"
  echo "$vmlinuz"
fi
