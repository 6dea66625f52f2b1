#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nbdkit sh plugin: serves STALL_IMAGE and, while the file STALL_ARM holds a
# number of seconds, makes every read overlapping sectors
# [STALL_LBA, STALL_LBA + STALL_COUNT) sleep that long before answering.
# The guest arms and disarms the stall by writing STALL_ARM on its results
# share; "SECS once" stalls only the first such read and disarms itself, so a
# test can let ptrescue time out once and then see the disk answer again
# without racing the guest's own disarm (the guest is frozen while QEMU waits
# for this read during the kernel's reset). Configured through the environment
# (run-guest.sh sets it).
case $1 in
  thread_model) echo parallel ;;
  get_size) stat -L -c %s "$STALL_IMAGE" ;;
  can_write | can_flush) exit 0 ;;
  pread)
    count=$3 offset=$4
    if [ -s "$STALL_ARM" ]; then
      first=$((STALL_LBA * 512)) end=$(((STALL_LBA + STALL_COUNT) * 512))
      if ((offset < end && offset + count > first)); then
        arm=$(head -c 32 "$STALL_ARM")
        secs=$(tr -dc '0-9.' <<<"${arm%%once*}")
        [[ $arm == *once* ]] && rm -f "$STALL_ARM"
        echo "stall: read of $count bytes at sector $((offset / 512)) held ${secs}s" >>"$STALL_LOG"
        sleep "${secs:-0}"
      fi
    fi
    dd if="$STALL_IMAGE" skip="$offset" count="$count" iflag=skip_bytes,count_bytes status=none
    ;;
  pwrite)
    dd of="$STALL_IMAGE" seek="$4" oflag=seek_bytes conv=notrunc status=none
    ;;
  flush) ;;
  *) exit 2 ;;
esac
