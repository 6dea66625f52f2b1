#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what ptrescue needs on Debian 12 (idempotent) and builds the
# Release ptrescue in build/: the binary a recovery engineer runs on a real
# drive, and the tree `cmake --install build` and `cpack` (in build/) package.
# The tests use their own Debug + ASan/UBSan build: tools/build-tests.sh.
#
#   tools/setup.sh [--packages-only]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libsgutils2-dev libnvme-dev libjson-c-dev  # (libnvme.pc requires json-c)
  libboost-program-options-dev libfmt-dev libssl-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev
  libewf-dev ewf-tools  # E01 export (libewf) and its oracle: ewfverify, ewfinfo, ewfexport
  sleuthkit libblkid-dev libfuse3-dev fuse3 e2fsprogs dosfstools exfatprogs ntfs-3g mtools exfat-fuse fdisk partclone  # files, mount, plan: TSK programs, partitions, FUSE, partclone's domain; the tests build filesystems
  gddrescue   # GNU ddrescue + ddrescuelog: the oracle the tests compare against
  clang       # libFuzzer targets
  chromium    # renders the HTML report in a test (headless screenshot)
  file        # CPack's Debian package generator finds the binaries to scan with it
  man-db groff-base  # the install test renders the packaged man page
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "${1:-}" = --packages-only ] && exit 0

# The options are spelled out so that a build/ configured otherwise before
# (it held the Debug + ASan build once) turns into the Release build.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPTRESCUE_SANITIZE=OFF \
  -DPTRESCUE_TESTS=OFF -DPTRESCUE_FUZZ=OFF >/dev/null
cmake --build build --target ptrescue -j"$(nproc)"
echo "setup: built build/ptrescue (Release)"
