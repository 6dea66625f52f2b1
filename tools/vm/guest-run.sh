#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one test script inside the guest (already chrooted into the host's
# root): sets up the environment, saves the script's output, its exit status
# and the guest's dmesg on the results share (/tmp/vm-out).
#   usage: guest-run.sh REPO SCRIPT
src=$1 test=$2
export VM_SRC=$src VM_OUT=/tmp/vm-out
cd "$src" || exit 1
[ -f "$VM_OUT/env.sh" ] && . "$VM_OUT/env.sh"
export PTRESCUE=${PTRESCUE:-$src/build/ptrescue}
# ASan's leak checker needs ptrace-like access that this chroot does not
# restrict, but its reports would only add noise to a kernel test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
echo "vm: guest up after $(cut -d' ' -f1 /proc/uptime) s, running $test"
# Kept up to date while the test runs, so a guest that hangs still leaves its log.
dmesg -w >"$VM_OUT/dmesg.txt" 2>/dev/null &
dmesg_pid=$!
start=$(date +%s%N)
bash "$test" 2>&1 | tee "$VM_OUT/log.txt"
rc=${PIPESTATUS[0]}
end=$(date +%s%N)
echo "vm: $test exited with $rc after $(((end - start) / 1000000)) ms"
kill "$dmesg_pid" 2>/dev/null
wait "$dmesg_pid" 2>/dev/null
dmesg >"$VM_OUT/dmesg.txt"
echo "$rc" >"$VM_OUT/status"
sync
exit "$rc"
