#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test disks' known content, and a checker for rescued images.

Every 512-byte sector of a test disk is
  bytes 0..15   the disk's tag (its serial), ASCII, space padded
  bytes 16..31  the sector's LBA, 16 lower-case hex digits
  bytes 32..511 (k + 7*i) & 0xff for i = 32..511, k = (LBA*131 + seed) & 0xff,
                seed = the sum of the tag's bytes
so a sector read from the wrong place, the wrong disk or with a shifted
offset never matches.

  disk-image.py write IMAGE --tag SERIAL --sectors N
  disk-image.py check IMAGE MAPFILE --tag SERIAL --sectors N --bad LBA[,LBA...]
      every sector the mapfile marks '+' equals the disk's content, and the
      sectors it does not mark '+' are exactly the --bad ones.
  disk-image.py lbas LIST
      prints the sectors of a list like 2000,5000-5002 one per line.
  disk-image.py sector --tag SERIAL LBA
      writes that sector's 512 bytes to stdout.
"""
import argparse
import sys

SECTOR = 512


def tails(tag: str) -> list:
    seed = sum(tag.encode())
    return [bytes((k + 7 * i) & 0xFF for i in range(32, SECTOR)) for k in range(256)], seed


def sector_bytes(tag: str, lba: int, table) -> bytes:
    tails_, seed = table
    head = ("%-16.16s%016x" % (tag, lba)).encode()
    return head + tails_[(lba * 131 + seed) & 0xFF]


def write(args) -> int:
    table = tails(args.tag)
    with open(args.image, "wb") as f:
        chunk = 2048
        for first in range(0, args.sectors, chunk):
            last = min(first + chunk, args.sectors)
            f.write(b"".join(sector_bytes(args.tag, lba, table) for lba in range(first, last)))
    return 0


def read_mapfile(path: str) -> list:
    """Returns [(pos, size, status)] from a ddrescue mapfile."""
    blocks, seen_current = [], False
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if not seen_current:  # the current position / phase line
                seen_current = True
                continue
            pos, size, status = line.split()[:3]
            blocks.append((int(pos, 0), int(size, 0), status))
    return blocks


def parse_lbas(text: str) -> set:
    out = set()
    for item in filter(None, text.replace(" ", ",").split(",")):
        if "-" in item:
            a, b = item.split("-")
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(item))
    return out


def check(args) -> int:
    table = tails(args.tag)
    bad_expected = parse_lbas(args.bad or "")
    problems = []
    not_finished = set()
    covered = 0
    with open(args.image, "rb") as img:
        for pos, size, status in read_mapfile(args.mapfile):
            if pos % SECTOR or size % SECTOR:
                problems.append(f"block {pos:#x}+{size:#x} is not sector aligned")
                continue
            first, count = pos // SECTOR, size // SECTOR
            covered += count
            if status != "+":
                not_finished.update(range(first, first + count))
                continue
            img.seek(pos)
            data = img.read(size)
            for i in range(count):
                lba = first + i
                got = data[i * SECTOR:(i + 1) * SECTOR]
                if got != sector_bytes(args.tag, lba, table):
                    problems.append(f"sector {lba} is marked '+' but its bytes differ "
                                    f"(starts {got[:32]!r})")
                    if len(problems) > 10:
                        break
    if covered != args.sectors:
        problems.append(f"the mapfile covers {covered} sectors, the disk has {args.sectors}")
    if not_finished != bad_expected:
        problems.append("sectors not rescued: %s; injected: %s" % (
            sorted(not_finished)[:20], sorted(bad_expected)[:20]))
    for p in problems:
        print(f"check {args.image}: {p}")
    if not problems:
        print(f"check {args.image}: all {args.sectors - len(bad_expected)} good sectors match, "
              f"bad sectors exactly {sorted(bad_expected)}")
    return 1 if problems else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("image")
    c = sub.add_parser("check")
    c.add_argument("image")
    c.add_argument("mapfile")
    c.add_argument("--bad", default="")
    for s in (w, c):
        s.add_argument("--tag", required=True)
        s.add_argument("--sectors", type=int, required=True)
    l = sub.add_parser("lbas")
    l.add_argument("list")
    o = sub.add_parser("sector")
    o.add_argument("--tag", required=True)
    o.add_argument("lba", type=int)
    args = p.parse_args()
    if args.cmd == "lbas":
        print("\n".join(str(n) for n in sorted(parse_lbas(args.list))))
        return 0
    if args.cmd == "sector":
        sys.stdout.buffer.write(sector_bytes(args.tag, args.lba, tails(args.tag)))
        return 0
    return write(args) if args.cmd == "write" else check(args)


if __name__ == "__main__":
    sys.exit(main())
