#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One short fuzzing run, as a CTest test (tests/fuzz/fuzz_runs.cmake):
#   run_fuzz.sh BINARY CORPUS SECONDS SCRATCH
# runs the libFuzzer target BINARY for SECONDS on a fresh copy of its
# checked-in seed corpus CORPUS (new inputs land in SCRATCH, never in the
# source tree). A finding (crash, leak, timeout) fails the test and leaves the
# input in SCRATCH. A missing binary (build-fuzz/ not built: tools/build-tests.sh
# builds it) fails under CI=true and skips (77) otherwise.
set -euo pipefail
binary=$1 corpus=$2 seconds=$3 scratch=$4
name=$(basename "$binary")
if [[ ! -x $binary ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "$name: $binary is missing; under CI the fuzz tree must be built (tools/build-tests.sh)" >&2
    exit 1
  fi
  echo "$name: skipped, $binary is missing (tools/build-tests.sh builds it; needs clang)"
  exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch/corpus"
cp "$corpus"/* "$scratch/corpus/"
# -timeout: one input taking longer is a hang, a finding. -error_exitcode:
# libFuzzer's own default for a finding is 77, which CTest would call a skip.
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$scratch/" "$scratch/corpus"
