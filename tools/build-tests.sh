#!/usr/bin/env bash
# Builds what the tests run: the Debug + ASan/UBSan build with the test suite
# in build-tests/ (ctest --test-dir build-tests). Installs the Debian packages
# first if tools/setup.sh has not.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh --packages-only
cmake -S . -B build-tests -DCMAKE_BUILD_TYPE=Debug -DPTRESCUE_SANITIZE=ON \
  -DPTRESCUE_TESTS=ON >/dev/null
cmake --build build-tests -j"$(nproc)"
echo "build-tests: built the tests in build-tests/"
