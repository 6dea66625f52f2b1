#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds what the tests run: the Debug + ASan/UBSan build with the test suite
# in build-tests/ (ctest --test-dir build-tests), and the clang tree with the
# libFuzzer targets in build-fuzz/ that its fuzz tests (label fuzz) run.
# Installs the Debian packages first if tools/setup.sh has not.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh --packages-only
cmake -S . -B build-tests -DCMAKE_BUILD_TYPE=Debug -DPTRESCUE_SANITIZE=ON \
  -DPTRESCUE_TESTS=ON >/dev/null
cmake --build build-tests -j"$(nproc)"
# Only the fuzz targets (tests/fuzz/CMakeLists.txt), not the ptrescue binary.
CXX=clang++ cmake -S . -B build-fuzz -DPTRESCUE_FUZZ=ON -DPTRESCUE_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets
echo "build-tests: built the tests in build-tests/ and the fuzz targets in build-fuzz/"
