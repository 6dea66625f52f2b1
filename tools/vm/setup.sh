#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what the kernel test bed needs (idempotent, quiet) and prints the
# version of the newest installed kernel, which the guest boots (it may differ
# from the kernel the host is running).
set -euo pipefail

packages=(
  qemu-system-x86 qemu-utils   # the guest and qemu-img
  linux-image-amd64            # the guest kernel and its modules (/boot, /lib/modules)
  busybox-static               # the initramfs shell
  kmod                         # modinfo, to resolve module dependencies
  nbdkit                       # the stalling disk backend
  sg3-utils sdparm nvme-cli smartmontools gddrescue hdparm  # the oracle tools run in the guest
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "vm setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

"$(dirname "$0")/kernel-version.sh"
