#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the guest's initramfs: busybox-static, tools/vm/guest-init as /init,
# and the kernel modules the guest needs, with their dependencies resolved
# recursively from modinfo and listed in load order. Cached per kernel version
# (and per content of guest-init) under $VM_CACHE (default build/vm/).
#   usage: build-initramfs.sh [KVER]     prints the path of the .cpio.gz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=${1:-$("$here/kernel-version.sh")}
cache=${VM_CACHE:-$here/../../build/vm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Loaded at boot; scsi_debug is packed too (with its dependencies) but loaded by
# the tests that want it, with their own parameters.
boot_modules=(sd_mod sg ahci virtio_pci virtio_scsi nvme xhci_pci usb_storage uas 9pnet_virtio 9p)
extra_modules=(scsi_debug)

stamp=$(cat "$here/guest-init" "$0" | sha256sum | cut -c1-12)
out="$cache/initramfs-$kver-$stamp.cpio.gz"
if [ -s "$out" ]; then echo "$out"; exit 0; fi

# busybox-static installs /bin/busybox; the dynamic busybox package conflicts with it.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is not installed (run tools/vm/setup.sh)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$busybox is dynamically linked: install busybox-static (tools/vm/setup.sh)" >&2; exit 1
fi

# Depth-first, dependencies before dependants; builtins are skipped.
order=()
declare -A seen=()
visit() {
  local m=$1 file dep
  [ -n "${seen[$m]:-}" ] && return
  seen[$m]=1
  file=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null | head -n1) \
    || { echo "module $m not found for kernel $kver" >&2; exit 1; }
  [ -n "$file" ] || { echo "module $m not found for kernel $kver" >&2; exit 1; }
  case $file in (builtin*|"(builtin)") return ;; esac
  for dep in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do visit "$dep"; done
  order+=("$m=$file")
}
for m in "${boot_modules[@]}"; do visit "$m"; done
boot_count=${#order[@]}
for m in "${extra_modules[@]}"; do visit "$m"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,host,modules}
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
cp "$here/guest-init" "$tmp/init"
chmod +x "$tmp/init"
: >"$tmp/modules/boot.list"
i=0
for entry in "${order[@]}"; do
  name=${entry%%=*} file=${entry#*=}
  # busybox insmod wants a plain .ko; newer kernels ship them compressed.
  case $file in
    (*.ko.xz)  xz -dc "$file" >"$tmp/modules/$name.ko" ;;
    (*.ko.zst) zstd -qdc "$file" >"$tmp/modules/$name.ko" ;;
    (*.ko.gz)  gzip -dc "$file" >"$tmp/modules/$name.ko" ;;
    (*)        cp "$file" "$tmp/modules/$name.ko" ;;
  esac
  ((i < boot_count)) && echo "$name" >>"$tmp/modules/boot.list"
  i=$((i + 1))
done
echo "$kver" >"$tmp/modules/kernel-version"
(cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -6 >"$out.part"
rm -f "$cache/initramfs-$kver-"*.cpio.gz  # older builds of our own files
mv "$out.part" "$out"
echo "$out"
