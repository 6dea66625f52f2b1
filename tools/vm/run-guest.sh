#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck disable=SC2054,SC2317  # QEMU options hold commas; cleanup runs from a trap
# Boots one test guest: Debian's kernel with our initramfs, the host's root
# shared read-only over 9p, a writable results share, and test disks with known
# content (see disk-image.py) on AHCI, virtio-scsi, NVMe and USB (xHCI: usb-storage
# Bulk-Only and usb-uas), optionally with bad
# sectors (blkdebug) and a stall (nbdkit, armed from the guest). Runs SCRIPT in
# the guest, enforces a wall-clock timeout, and prints the guest's output and
# dmesg. Exits with the script's status (124 on timeout, 77 when the bed is not
# installed). The checkout, SCRIPT and the ptrescue binary may be under /tmp or
# /run, which the guest has its own of: those directories are shared too.
#
#   run-guest.sh [options] SCRIPT
#     --disk KIND:SERIAL[:SIZE_MB[:LBS]]  add a disk; KIND is ahci, scsi, nvme, usb
#                                   (usb-storage, Bulk-Only) or uas (usb-uas) (default
#                                   32 MiB); LBS its logical block size, 512 (default) or
#                                   4096 (scsi and nvme: QEMU's IDE disks are 512 only),
#                                   or 512e (ahci and scsi: 512-byte logical sectors on
#                                   4096-byte physical ones)
#     --bad LBA[,LBA|A-B...]        reads of these sectors of the last disk fail (EIO)
#     --stall LBA[+COUNT]           reads of these sectors of the last disk stall while
#                                   the guest's $VM_OUT/stall-SERIAL holds a number of seconds
#     --out DIR                     results directory (default build/vm/results/NAME)
#     --timeout SECONDS             wall-clock limit for the whole boot (default 300)
#     --append TEXT                 more kernel command line
#   Environment: VM_ACCEL=auto|kvm|tcg (auto: KVM only if the CPU shows vmx/svm),
#   VM_CACHE (initramfs cache and results, default build/vm), PTRESCUE (binary used in the guest, default build/ptrescue).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export VM_CACHE=${VM_CACHE:-$repo/build/vm}

die() { echo "run-guest: $*" >&2; exit 2; }
skip() { echo "run-guest: SKIP: $*" >&2; exit 77; }

disks=() timeout=300 out="" append="" script=""
declare -A bad=() stall=()
while (($#)); do
  case $1 in
    --disk) disks+=("$2"); shift 2 ;;
    --bad) ((${#disks[@]})) || die "--bad before any --disk"; bad[${#disks[@]}]=$2; shift 2 ;;
    --stall) ((${#disks[@]})) || die "--stall before any --disk"; stall[${#disks[@]}]=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --append) append="$append $2"; shift 2 ;;
    -h | --help) sed -n '3,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$script" ] || die "one SCRIPT only"; script=$1; shift ;;
  esac
done
[ -n "$script" ] || die "usage: run-guest.sh [options] SCRIPT (see --help)"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
[ -f "$script" ] || die "no such script $script"
# The guest sees the host's root, but with its own /tmp, /run, /dev, /proc and
# /sys. A host directory it needs that these hide (a checkout under /tmp, as CI
# makes) is shared as one more read-only 9p mount, which guest-init mounts at
# the same path: every path stays the same in the guest.
binds=()
guest_needs() {
  local d=$1 s kept=()
  case $d in
    /tmp/vm-out | /tmp/vm-out/* | /run/vm-modules | /run/vm-modules/*) die "the guest uses $d itself: put it elsewhere" ;;
    /tmp/?* | /run/?* | /dev/shm/?*) ;;
    /tmp | /run | /dev | /dev/* | /proc | /proc/* | /sys | /sys/*) die "the guest cannot see $d: put it elsewhere" ;;
    *) return 0 ;;
  esac
  [[ $d =~ ^[A-Za-z0-9/._+-]+$ ]] || die "$d: the kernel command line and QEMU need a path of [A-Za-z0-9/._+-]"
  for s in "${binds[@]}"; do [[ $d == "$s" || $d == "$s"/* ]] && return 0; done
  for s in "${binds[@]}"; do [[ $s == "$d"/* ]] || kept+=("$s"); done
  binds=("${kept[@]}" "$d")
}
name=$(basename "$script" .sh)
out=${out:-$VM_CACHE/results/$name}

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (run tools/vm/setup.sh)"
kver=$("$here/kernel-version.sh" 2>/dev/null) || skip "no kernel in /boot (run tools/vm/setup.sh)"
[ -r "/boot/vmlinuz-$kver" ] || skip "/boot/vmlinuz-$kver is not readable"
ptrescue=${PTRESCUE:-$repo/build/ptrescue}
# The guest starts in the checkout, not in our directory.
[[ $ptrescue == /* ]] || ptrescue=$PWD/$ptrescue
guest_needs "$repo"
guest_needs "$(dirname "$script")"
# Absent, the test skips its ptrescue checks; there is nothing to share.
[ -e "$ptrescue" ] && guest_needs "$(cd "$(dirname "$ptrescue")" && pwd)"

accel=${VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
  accel=tcg
  # /dev/kvm can exist without hardware virtualisation; such a guest hangs.
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
fi

initrd=$("$here/build-initramfs.sh" "$kver")
kernel=$("$here/extract-vmlinux.sh" "$kver")

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Disk images and sockets (which need a short path).
scratch=$(mktemp -d /tmp/ptrvm.XXXXXX)
nbd_pids=() qemu_pid=""
cleanup() {
  [ -n "$qemu_pid" ] && { kill "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; }
  for p in "${nbd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${nbd_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

qemu=(qemu-system-x86_64 -nodefaults -display none -no-reboot -m 1024 -accel "$accel")
[ "$accel" = kvm ] && qemu+=(-cpu host) || qemu+=(-cpu max)
qemu+=(-chardev stdio,id=console,signal=off -serial chardev:console)
qemu+=(-kernel "$kernel" -initrd "$initrd")
# vmbind=DIR, in the order of their tags vmbind0, vmbind1...
qemu+=(-append "console=ttyS0 loglevel=3 panic=-1 vmsrc=$repo vmtest=$script${binds[*]/#/ vmbind=}$append")
qemu+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
qemu+=(-virtfs "local,path=$out,mount_tag=vmout,security_model=none,multidevs=remap")
for i in "${!binds[@]}"; do
  qemu+=(-virtfs "local,path=${binds[$i]},mount_tag=vmbind$i,security_model=none,readonly=on,multidevs=remap")
done

env_sh="$out/env.sh"
{
  echo "# written by run-guest.sh: the disks of this boot"
  echo "PTRESCUE=$ptrescue"
  # The guest checks that a binary the host has runs there (guest-lib.sh).
  echo "PTRESCUE_ON_HOST=$([ -e "$ptrescue" ] && echo 1 || echo 0)"
  echo "VM_REQUIRE=${VM_REQUIRE:-0}"
  echo "VM_KERNEL=$kver"
  echo "VM_ACCEL=$accel"
  echo "VM_DISKS=()"
  echo "declare -A VM_KIND=() VM_SECTORS=() VM_BAD=() VM_STALL=() VM_LBS=()"
} >"$env_sh"

have_ahci=0 have_scsi=0 have_xhci=0 ahci_port=0 scsi_id=0
i=0
for spec in "${disks[@]}"; do
  i=$((i + 1))
  IFS=: read -r kind serial size_mb lbs <<<"$spec"
  size_mb=${size_mb:-32} lbs=${lbs:-512}
  case $kind:$lbs in
    *:512 | scsi:4096 | nvme:4096 | ahci:512e | scsi:512e) ;;
    *) die "disk '$spec': logical block size $lbs on $kind (512, 4096 on scsi and nvme, 512e on ahci and scsi)" ;;
  esac
  # QEMU device properties for a 4Kn or 512e disk (the image is the same bytes).
  blk_opts=""
  case $lbs in
    4096) blk_opts=",logical_block_size=4096,physical_block_size=4096" ;;
    512e) blk_opts=",logical_block_size=512,physical_block_size=4096" lbs=512 ;;
  esac
  [[ $serial =~ ^[A-Za-z0-9._-]{1,20}$ ]] || die "serial '$serial': 1-20 of [A-Za-z0-9._-]"
  sectors=$((size_mb * 2048))
  # Generated per boot (0.2 s for 32 MiB), so a guest's writes never persist.
  img="$scratch/$serial.img"
  python3 "$here/disk-image.py" write "$img" --tag "$serial" --sectors "$sectors"

  file_opts="file.driver=file,file.filename=$img"
  if [ -n "${stall[$i]:-}" ]; then
    command -v nbdkit >/dev/null || skip "nbdkit is not installed (run tools/vm/setup.sh)"
    s=${stall[$i]}
    sock="$scratch/$serial.sock"
    STALL_IMAGE=$img STALL_LBA=${s%%+*} STALL_COUNT=$([[ $s == *+* ]] && echo "${s#*+}" || echo 1) \
      STALL_ARM="$out/stall-$serial" STALL_LOG="$out/stall-$serial.log" \
      nbdkit --foreground --exit-with-parent --unix "$sock" sh "$here/stall-plugin.sh" &
    nbd_pids+=($!)
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    [ -S "$sock" ] || die "nbdkit did not start for $serial"
    file_opts="file.driver=nbd,file.server.type=unix,file.server.path=$sock"
  fi
  if [ -n "${bad[$i]:-}" ]; then
    conf="$out/blkdebug-$serial.conf"
    : >"$conf"
    for lba in $(python3 "$here/disk-image.py" lbas "${bad[$i]}"); do
      printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%s"\nonce = "off"\n\n' "$lba" >>"$conf"
    done
    # blkdebug sits between the raw format node and the image (file or nbd).
    file_opts="file.driver=blkdebug,file.config=$conf,${file_opts//file./file.image.}"
  fi
  drive="if=none,id=d$i,driver=raw,$file_opts,rerror=report,werror=report"
  case $kind in
    ahci)
      ((have_ahci)) || qemu+=(-device ahci,id=ahci)
      have_ahci=1
      qemu+=(-drive "$drive" -device "ide-hd,bus=ahci.$ahci_port,drive=d$i,serial=$serial,model=PTRVM SATA DISK$blk_opts")
      ahci_port=$((ahci_port + 1)) ;;
    scsi)
      ((have_scsi)) || qemu+=(-device virtio-scsi-pci,id=vs)
      have_scsi=1
      qemu+=(-drive "$drive" -device "scsi-hd,bus=vs.0,scsi-id=$scsi_id,lun=0,drive=d$i,serial=$serial,vendor=PTRVM,product=SCSI DISK$blk_opts")
      scsi_id=$((scsi_id + 1)) ;;
    nvme)
      qemu+=(-drive "$drive" -device "nvme,drive=d$i,serial=$serial$blk_opts") ;;
    usb | uas)
      # One xHCI controller (4 USB 2 + 4 USB 3 ports); usb-storage's USB
      # iSerial is the drive's serial, usb-uas has its own and the drive's
      # comes from VPD page 80h of the scsi-hd behind it.
      ((have_xhci)) || qemu+=(-device qemu-xhci,id=xhci)
      have_xhci=1
      if [ "$kind" = usb ]; then
        qemu+=(-drive "$drive" -device "usb-storage,bus=xhci.0,id=usb$i,drive=d$i,serial=$serial")
      else
        qemu+=(-drive "$drive" -device "usb-uas,bus=xhci.0,id=usb$i"
          -device "scsi-hd,bus=usb$i.0,scsi-id=0,lun=0,drive=d$i,serial=$serial,vendor=PTRVM,product=UAS DISK")
      fi ;;
    *) die "disk kind '$kind': use ahci, scsi, nvme, usb or uas" ;;
  esac
  {
    echo "VM_DISKS+=($serial)"
    echo "VM_KIND[$serial]=$kind VM_SECTORS[$serial]=$sectors VM_BAD[$serial]='${bad[$i]:-}' VM_STALL[$serial]='${stall[$i]:-}' VM_LBS[$serial]=$lbs"
  } >>"$env_sh"
done

echo "run-guest: $name: kernel $kver ($(basename "$kernel")), $accel, ${#disks[@]} disk(s), timeout ${timeout}s"
start=$(date +%s%N)
set +e
# In the background so that a signal to this script runs cleanup at once
# (bash defers traps while a foreground command runs) and stops QEMU too.
timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>"$out/qemu-stderr.txt" &
qemu_pid=$!
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=""
set -e
ms=$((($(date +%s%N) - start) / 1000000))
echo "$ms" >"$out/wall-ms"

# rerror=report makes QEMU print one line per failed backend read: count them.
[ -s "$out/qemu-stderr.txt" ] && { echo "== qemu stderr =="; uniq -c "$out/qemu-stderr.txt"; }
for f in "$out"/stall-*.log; do [ -e "$f" ] && { echo "== $(basename "$f") =="; cat "$f"; }; done
if [ -s "$out/dmesg.txt" ]; then
  echo "== guest dmesg ($name) =="
  cat "$out/dmesg.txt"
fi
if ((qemu_rc == 124 || qemu_rc == 137)); then
  echo "run-guest: $name: TIMEOUT after ${timeout}s, qemu killed"
  exit 124
fi
if [ ! -s "$out/status" ]; then
  echo "run-guest: $name: the guest ended without a result (qemu exit $qemu_rc) after $ms ms"
  exit 1
fi
rc=$(cat "$out/status")
# The image checks the guest queued (see check_image in guest-lib.sh).
if [ -s "$out/host-checks.tsv" ]; then
  while IFS=$'\t' read -r check tag img map sectors badlist; do
    if detail=$(cd "$out" && python3 "$here/disk-image.py" check "$img" "$map" --tag "$tag" \
        --sectors "$sectors" --bad "$badlist"); then
      echo "PASS $check (host: $detail)" | tee -a "$out/checks.txt"
      rm -f "$out/$img"  # kept only when wrong, to look at
    else
      echo "FAIL $check (host: $detail)" | tee -a "$out/checks.txt"
      rc=1
    fi
  done <"$out/host-checks.tsv"
fi
echo "run-guest: $name: exit $rc, boot total $ms ms"
exit "$rc"
