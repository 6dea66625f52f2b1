# SPDX-License-Identifier: GPL-3.0-or-later
# The virtual disk over a real kernel disk: an ext4 with files is written to
# an AHCI disk whose sector 30000 fails reads (blkdebug); `ptrescue mount`
# serves it through FUSE (ATA through SAT, its own deadlines), `losetup -r`
# and `mount -o ro` mount the filesystem from it, and every file reads back:
# the one holding sector 30000 (found with debugfs) fails with EIO, every
# other one is byte-equal to what was written. After the unmount the mapfile
# marks exactly sector 30000 bad, and `ptrescue rescue -m MAPFILE.wanted` of
# the same disk gives the same bad sector and the same image bytes.
# vm: --disk ahci:PTRVM-FUSE-1:48 --bad 30000
# vm: --timeout 300
. "$VM_SRC/tools/vm/guest-lib.sh"
wait_for_disks || finish
[ -x "$PTRESCUE" ] || { log "no ptrescue binary at $PTRESCUE: nothing to test"; finish; }
s=${VM_DISKS[0]}
dev=$(disk_dev "$s")
w="$VM_OUT/fuse"
mkdir -p "$w" /tmp/files/dir /tmp/mnt /tmp/fs
modprobe fuse 2>/dev/null
modprobe loop 2>/dev/null
modprobe ext4 2>/dev/null

# Files: many small, a few large; the large ones cover the middle of the disk.
for i in $(seq 1 40); do head -c $((RANDOM % 9000 + 100)) /dev/urandom >"/tmp/files/small-$i.txt"; done
head -c 3M /dev/urandom >/tmp/files/dir/a.bin
head -c 9M /dev/urandom >/tmp/files/dir/b.bin
head -c 6M /dev/urandom >/tmp/files/c.bin
(cd /tmp/files && find . -type f -exec md5sum {} + | sort -k2) >"$w/written.md5"
# Made in memory and written with direct I/O around sector 30000, which
# QEMU's blkdebug fails for writes as well as reads (a buffered write of part
# of a page would also read it first).
truncate -s "$((VM_SECTORS[$s] * 512))" /tmp/fs.img
mkfs.ext4 -q -F -b 4096 -d /tmp/files /tmp/fs.img 2>"$w/mkfs.err"
check "mkfs.ext4 -d" test $? -eq 0
dd if=/tmp/fs.img of="$dev" bs=512 count=30000 oflag=direct status=none &&
  dd if=/tmp/fs.img of="$dev" bs=512 skip=30001 seek=30001 oflag=direct status=none
check "the filesystem written to the disk but sector 30000" test $? -eq 0
inode=$(debugfs -R "icheck $((30000 / 8))" /tmp/fs.img 2>/dev/null | awk 'NR == 2 { print $2 }')
damaged=$(debugfs -R "ncheck $inode" /tmp/fs.img 2>/dev/null | awk 'NR == 2 { print $2 }')
result "fuse.damaged" "sector 30000 = block $((30000 / 8)) = inode $inode = $damaged"
check "sector 30000 lies in a file" test -n "$damaged"

t0=$(now_ms)
ptrescue_bg "$w/mount.out" mount --read-timeout 5s "$dev" "$w/img" "$w/map" /tmp/mnt
for _ in $(seq 1 300); do [ -s /tmp/mnt/disk ] && break; sleep 0.1; done
check "the virtual disk appears" test -s /tmp/mnt/disk
loopdev=$(losetup -r -f --show /tmp/mnt/disk)
mount -o ro,noload "$loopdev" /tmp/fs
check "the ext4 mounts from the virtual disk" mountpoint -q /tmp/fs
ok=0 eio=0 wrong=0 other=""
while read -r sum path; do
  if got=$(md5sum <"/tmp/fs/${path#./}" 2>"$w/read.err"); then
    if [ "${got%% *}" = "$sum" ]; then ok=$((ok + 1)); else wrong=$((wrong + 1)); fi
  elif grep -q "Input/output error" "$w/read.err"; then
    eio=$((eio + 1)); other="$other ${path#.}"
  fi
done <"$w/written.md5"
ms=$(($(now_ms) - t0))
result "fuse.read" "$ok files equal, $eio with EIO ($other), $wrong different, in $ms ms"
expect "files that read back equal" "$(($(wc -l <"$w/written.md5") - 1))" "$ok"
expect "the file that fails with EIO" "$damaged" "${other# }"
expect "files that read back different" 0 "$wrong"
umount /tmp/fs
losetup -d "$loopdev"
fusermount3 -u /tmp/mnt
wait "$PT_PID"
expect "ptrescue mount ends after the unmount: exit" 0 "$?"
result "fuse.mount" "$(tail -n 1 "$w/mount.out")"
expect "the mapfile's bad sectors" 30000 "$(ddrescuelog -b 512 -l- "$w/map" | paste -sd' ')"

"$PTRESCUE" rescue -q -m "$w/map.wanted" "$dev" "$w/img2" "$w/map2" 2>"$w/rescue.err"
expect "rescue -m MAPFILE.wanted: exit" 0 "$?"
ddrescuelog -b 512 -l- "$w/map" >"$w/bad1"
ddrescuelog -b 512 -l- "$w/map2" >"$w/bad2"
check "... the same bad sectors" cmp -s "$w/bad1" "$w/bad2"
n=$(stat -c %s "$w/img"); n2=$(stat -c %s "$w/img2"); ((n2 < n)) && n=$n2
check "... the same image bytes (first $n)" cmp -s -n "$n" "$w/img" "$w/img2"
result "fuse.wanted" "$(grep -c '+' "$w/map.wanted") '+' lines in MAPFILE.wanted; images compared over $n bytes"
finish
