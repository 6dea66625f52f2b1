#!/usr/bin/env bash
# Installs what ptrescue needs on Debian 12 (idempotent) and builds the
# Debug + ASan/UBSan build in build/ that the tests and the demo use.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libsgutils2-dev libnvme-dev libjson-c-dev  # (libnvme.pc requires json-c)
  libboost-program-options-dev libfmt-dev libssl-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev
  gddrescue   # GNU ddrescue + ddrescuelog: the oracle the tests compare against
  clang       # libFuzzer targets
  chromium    # renders the HTML report in a test (headless screenshot)
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

cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DPTRESCUE_SANITIZE=ON >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/ptrescue"
