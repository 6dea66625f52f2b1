#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files-first benchmark (docs/FILES.md): how many files come back
byte-identical before a dying drive dies, for four ways of rescuing it.

For each filesystem (ext4, NTFS, FAT32, exFAT; built here, about a third
full: many small files, some medium, a few large written into the holes
left by deleted files, so fragmented) and each simulated dying drive (a weak
head, a dead head, scattered damage; the drive dies after a set number of
failed reads, before a full image):

  dd        GNU ddrescue, defaults (-H TESTMAP on a sparse source, as the
            head-map benchmark runs it; --log-reads);
  dd+pc     GNU ddrescue with partclone's domain mapfile of the *healthy*
            filesystem (-m), then the rest (the expert workflow of
            ddrescue's manual, the domain given for free);
  pt        ptrescue rescue, defaults, reading the simulated drive (its
            profile's "contents" is the filesystem image);
  pt-fs     ptrescue plan (--log-reads) then ptrescue rescue --order fs.

The ceiling: the files intact when every readable sector is rescued.

One cost model for all: each run's reads log (the two logs of dd+pc and of
pt-fs one after the other) is costed by `ptrescue sim replay` on one fresh
drive of the profile, which writes what was rescued before the drive died
(--rescued-map). The image a contender would hold is rebuilt from the
healthy filesystem image (those bytes, zeros elsewhere); The Sleuth Kit's
tsk_recover -a extracts every allocated file from it, and a file counts as
intact when its path and SHA-256 match the checksum list taken when the
filesystem was built. The image is also checked with the filesystem's fsck
(-n), TSK's fls, and a read-only mount (ext4: the kernel; NTFS: ntfs-3g;
exFAT: exfat-fuse; FAT32: mtools' mdir -/, the kernel here has no vfat).

Needs root (loop and FUSE mounts to build the filesystems), mkfs.ext4,
mkntfs, mkfs.vfat, mtools, mkfs.exfat, mount.exfat-fuse, ntfs-3g,
partclone, ddrescue, tsk_recover, fls.

Usage: bench.py [--ptrescue BIN] [--ddrescue BIN] [--size-mib N] [--fs ext4,ntfs,fat32,exfat]
                [--profiles weak,dead,scattered] [--work DIR] [--json OUT] [--seed-offset K]
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# The drives: 4 heads, 1 MiB stripes, 3 s per failed read; each dies after
# a number of failed reads well short of what a full image needs.
BASE = {"heads": 4, "stripe": "1MiB", "error_latency_ms": 3000}
PROFILES = {
    "weak": dict(BASE, seed=1, die_after_error_reads=300,
                 weak_heads=[{"head": 2, "extra_latency_ms": 30, "bad_fraction": 0.25, "cluster": "64KiB"}]),
    "dead": dict(BASE, seed=2, die_after_error_reads=300, dead_heads=[1]),
    "scattered": dict(BASE, seed=3, die_after_error_reads=150,
                      bad_clusters=[{"count": 200, "length": 8}, {"count": 30, "length": 128}]),
}
PARTCLONE = {"ext4": "partclone.ext4", "ntfs": "partclone.ntfs", "fat32": "partclone.fat", "exfat": "partclone.exfat"}


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return r


# ---- building the filesystems ------------------------------------------------

def file_plan(size_bytes, seed):
    """(phase, relative path, size) of the files: phase 1 small files, some
    deleted in phase 2, large ones written in phase 3 (into the holes), more
    small ones in phase 4. About a third of the filesystem in the end."""
    rng = random.Random(seed)
    budget = size_bytes // 3
    dirs = [f"d{i:02d}" + ("" if i % 3 else f"/sub{i % 7}") for i in range(40)]
    out = []
    n = 0

    def add(phase, size):
        nonlocal n
        out.append((phase, f"{rng.choice(dirs)}/f{n:05d}.bin", size))
        n += 1

    large = [int(budget * f) for f in (0.08, 0.06, 0.05)]          # a few large
    medium = [rng.randint(512 << 10, 4 << 20) for _ in range(budget * 3 // 10 // (2 << 20) + 1)]
    small_budget = budget - sum(large) - sum(medium)
    small = []
    while sum(small) < small_budget:
        small.append(int(2 ** rng.uniform(9, 18)))                   # 512 B .. 256 KiB
    first = small[: len(small) * 2 // 3]
    for s in first:
        add(1, s)
    for s in medium[: len(medium) // 2]:
        add(1, s)
    for s in large + medium[len(medium) // 2:]:
        add(3, s)
    for s in small[len(small) * 2 // 3:]:
        add(4, s)
    deleted = {p for (ph, p, _) in out if ph == 1 and rng.random() < 0.3}
    return out, deleted


def content(path, size):
    """Deterministic, incompressible bytes of a file."""
    seed = int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "little")
    return random.Random(seed).randbytes(size)


def write_tree(root, plan, deleted, phases_done):
    """Writes the plan's phases into a mounted filesystem at root."""
    for phase in (1, 2, 3, 4):
        for (ph, p, s) in plan:
            full = os.path.join(root, p)
            if phase == 2 and ph == 1 and p in deleted:
                os.remove(full)
            elif ph == phase and phase != 2:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as f:
                    f.write(content(p, s))
        run(["sync"])
        phases_done.append(phase)


def build_fs(kind, img, size_bytes, work, seed):
    plan, deleted = file_plan(size_bytes, seed)
    with open(img, "wb") as f:
        f.truncate(size_bytes)
    mnt = os.path.join(work, "mnt-" + kind)
    os.makedirs(mnt, exist_ok=True)
    done = []
    if kind == "ext4":
        run(["mkfs.ext4", "-q", "-F", "-b", "4096", img])
        run(["mount", "-o", "loop", img, mnt])
        try:
            write_tree(mnt, plan, deleted, done)
        finally:
            run(["umount", mnt])
    elif kind == "ntfs":
        run(["mkntfs", "-F", "-Q", "-q", img])
        run(["ntfs-3g", img, mnt])
        try:
            write_tree(mnt, plan, deleted, done)
        finally:
            run(["umount", mnt])
    elif kind == "exfat":
        run(["mkfs.exfat", img])
        loop = run(["losetup", "-f", "--show", img]).stdout.strip()  # exfat-fuse wants a block device
        try:
            run(["mount.exfat-fuse", loop, mnt])
            try:
                write_tree(mnt, plan, deleted, done)
            finally:
                run(["umount", mnt])
        finally:
            run(["losetup", "-d", loop])
    elif kind == "fat32":
        run(["mkfs.vfat", "-F", "32", img])
        # No vfat in this kernel: mtools writes it, phase by phase (mcopy
        # takes the first free clusters, so phase 3 fills phase 2's holes).
        stage = os.path.join(work, "stage-fat32")
        shutil.rmtree(stage, ignore_errors=True)
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        made = set()
        for phase in (1, 2, 3, 4):
            if phase == 2:
                gone = [f"::/{p}" for (ph, p, _) in plan if ph == 1 and p in deleted]
                for i in range(0, len(gone), 200):
                    run(["mdel", "-i", img] + gone[i:i + 200], env=env)
                continue
            for (ph, p, s) in plan:
                if ph != phase:
                    continue
                parts = p.split("/")[:-1]
                for k in range(1, len(parts) + 1):
                    d = "/".join(parts[:k])
                    if d not in made:
                        run(["mmd", "-i", img, "::/" + d], env=env)
                        made.add(d)
            # One mcopy per directory: many files per call.
            by_dir = {}
            for (ph, p, s) in plan:
                if ph == phase:
                    full = os.path.join(stage, f"p{phase}", p)
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, "wb") as f:
                        f.write(content(p, s))
                    by_dir.setdefault(os.path.dirname(p), []).append(full)
            for d, files in by_dir.items():
                run(["mcopy", "-i", img] + files + ["::/" + d + "/"], env=env)
        shutil.rmtree(stage, ignore_errors=True)
    else:
        raise ValueError(kind)
    sums = {p: hashlib.sha256(content(p, s)).hexdigest() for (ph, p, s) in plan if p not in deleted}
    return sums


# ---- judging an image ----------------------------------------------------------

def parse_map(path):
    """The '+' ranges of a ddrescue mapfile."""
    out = []
    first = True
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            w = line.split()
            if first:  # the status line
                first = False
                continue
            if w[2] == "+":
                out.append((int(w[0], 0), int(w[1], 0)))
    return out


def rebuild(fs_img, rescued_map, out):
    """The image a contender holds: the healthy bytes where rescued, zeros elsewhere."""
    size = os.path.getsize(fs_img)
    with open(fs_img, "rb") as src, open(out, "wb") as dst:
        dst.truncate(size)
        for pos, n in parse_map(rescued_map):
            src.seek(pos)
            dst.seek(pos)
            dst.write(src.read(n))


def intact_files(img, sums, work):
    out = os.path.join(work, "recovered")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run(["tsk_recover", "-a", img, out], check=False)
    intact = 0
    for p, digest in sums.items():
        full = os.path.join(out, p)
        if os.path.isfile(full):
            with open(full, "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() == digest:
                    intact += 1
    shutil.rmtree(out, ignore_errors=True)
    return intact


def fsck_clean(kind, img):
    cmd = {"ext4": ["e2fsck", "-f", "-n", img], "ntfs": ["ntfsfix", "-n", img],
           "fat32": ["fsck.vfat", "-n", img], "exfat": ["fsck.exfat", "-n", img]}[kind]
    try:
        return run(cmd, check=False, timeout=300).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def fls_reads(img):
    try:
        return run(["fls", "-r", img], check=False, timeout=300).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def mounts(kind, img, work):
    mnt = os.path.join(work, "mnt-check")
    os.makedirs(mnt, exist_ok=True)
    if kind == "fat32":
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        return run(["mdir", "-/", "-i", img, "::/"], check=False, env=env, timeout=300).returncode == 0
    loop = run(["losetup", "-r", "-f", "--show", img]).stdout.strip() if kind == "exfat" else ""
    cmd = {"ext4": ["mount", "-o", "ro,noload,loop", img, mnt], "ntfs": ["ntfs-3g", "-o", "ro", img, mnt],
           "exfat": ["mount.exfat-fuse", "-o", "ro", loop, mnt]}[kind]
    try:
        ok = run(cmd, check=False, timeout=120).returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    if ok:
        # Mounted and its whole tree lists.
        ok = run(["ls", "-R", mnt], check=False, timeout=300).returncode == 0
        run(["umount", mnt], check=False)
    if loop:
        run(["losetup", "-d", loop], check=False)
    return ok


# ---- the contenders --------------------------------------------------------------

def cat(out, *logs):
    with open(out, "w") as f:
        for log in logs:
            with open(log) as g:
                f.write(g.read())


def clear_outputs(d):
    """Every file a contender leaves, sidecars too: a head map saved beside
    the mapfile would otherwise be the next contender's (or the next run's)."""
    for n in os.listdir(d):
        if n in ("out.img", "zero.img") or n.startswith("out.map"):
            os.remove(os.path.join(d, n))


def contend(name, kind, fs_img, prof, d, a):
    pt, dd = a.ptrescue, a.ddrescue
    clear_outputs(d)
    size = os.path.getsize(fs_img)
    f = lambda n: os.path.join(d, n)
    sparse = f("zero.img")
    with open(sparse, "wb") as z:
        z.truncate(size)
    t = time.time()
    if name == "dd":
        run([dd, "-q", "-S", "-H", f("test.map"), "--log-reads=" + f("dd.log"), sparse, f("out.img"), f("out.map")])
    elif name == "dd+pc":
        run([PARTCLONE[kind], "-D", "-s", fs_img, "-o", f("pc.domain"), "-L", f("pc.log"), "-q"])
        run([dd, "-q", "-S", "-H", f("test.map"), "-m", f("pc.domain"), "--log-reads=" + f("dd+pc.1.log"), sparse,
             f("out.img"), f("out.map")])
        run([dd, "-q", "-S", "-H", f("test.map"), "--log-reads=" + f("dd+pc.2.log"), sparse, f("out.img"),
             f("out.map")])
        cat(f("dd+pc.log"), f("dd+pc.1.log"), f("dd+pc.2.log"))
    elif name == "pt":
        # Exit 4 when the simulated drive dies: expected.
        r = run([pt, "rescue", "-f", "-q", "-S", "--log-reads", f("pt.log"), "sim:" + prof, f("out.img"),
                 f("out.map")], check=False)
        if r.returncode not in (0, 4):
            raise RuntimeError(f"ptrescue rescue: {r.stderr}")
    elif name == "pt-fs":
        r = run([pt, "plan", "--log-reads", f("pt-fs.plan.log"), "sim:" + prof, f("out.img"), f("out.map")],
                check=False)
        if r.returncode != 0:
            raise RuntimeError(f"ptrescue plan: {r.stderr}")
        r = run([pt, "rescue", "-f", "-q", "-S", "--order", "fs", "--log-reads", f("pt-fs.rescue.log"),
                 "sim:" + prof, f("out.img"), f("out.map")], check=False)
        if r.returncode not in (0, 4):
            raise RuntimeError(f"ptrescue rescue --order fs: {r.stderr}")
        cat(f("pt-fs.log"), f("pt-fs.plan.log"), f("pt-fs.rescue.log"))
    wall = time.time() - t
    rep = json.loads(run([pt, "sim", "replay", prof, f(name + ".log"), "--json", "--rescued-map",
                          f(name + ".rescued")]).stdout)
    clear_outputs(d)
    return rep, wall


def bench_fs(kind, a, work):
    fs_img = os.path.join(work, kind + ".img")
    sums_path = fs_img + ".sha256.json"
    size = a.size_mib << 20
    if not (os.path.exists(sums_path) and os.path.getsize(fs_img) == size):
        t = time.time()
        sums = build_fs(kind, fs_img, size, work, seed=sum(map(ord, kind)))
        with open(sums_path, "w") as f:
            json.dump(sums, f)
        print(f"{kind}: built, {len(sums)} files ({time.time() - t:.0f} s)", file=sys.stderr, flush=True)
    with open(sums_path) as f:
        sums = json.load(f)
    healthy = intact_files(fs_img, sums, work)
    results = []
    for pname in a.profiles:
        d = os.path.join(work, f"{kind}-{pname}")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        prof = os.path.join(d, "profile.json")
        with open(prof, "w") as f:
            prof_json = dict(PROFILES[pname], name=f"{kind}-{pname}", contents=fs_img)
            prof_json["seed"] += a.seed_offset
            json.dump(prof_json, f, indent=1)
        run([a.ptrescue, "sim", "testmap", prof, os.path.join(d, "test.map")])
        row = {"fs": kind, "profile": pname, "files": len(sums), "healthy_intact": healthy,
               "readable_intact": readable_intact(fs_img, d, sums, work)}
        for who in ("dd", "dd+pc", "pt", "pt-fs"):
            rep, wall = contend(who, kind, fs_img, prof, d, a)
            img = os.path.join(d, who + ".rebuilt.img")
            rebuild(fs_img, os.path.join(d, who + ".rescued"), img)
            row[who] = {"intact": intact_files(img, sums, work), "pct_rescued": rep["pct_rescued"],
                        "died_at_s": rep["died_at_s"], "error_reads": rep["error_reads"],
                        "fsck": fsck_clean(kind, img), "fls": fls_reads(img), "mounts": mounts(kind, img, work),
                        "wall_s": round(wall, 1)}
            os.remove(img)
            print(f"{kind} {pname} {who}: {row[who]}", file=sys.stderr, flush=True)
        results.append(row)
    return results


def readable_intact(fs_img, d, sums, work):
    """The ceiling: files intact if every readable sector were rescued (the test map's '+')."""
    img = os.path.join(d, "readable.rebuilt.img")
    rebuild(fs_img, os.path.join(d, "test.map"), img)
    n = intact_files(img, sums, work)
    os.remove(img)
    return n


def table(results):
    rows = ["| fs | drive | files (readable ceiling) | intact: dd / dd+pc / pt / pt-fs | pt-fs vs dd | pt-fs vs dd+pc | "
            "rescued % dd / dd+pc / pt / pt-fs | mounts (fsck -n clean) dd / dd+pc / pt / pt-fs | goal |",
            "|---|---|---|---|---|---|---|---|---|"]
    who = ("dd", "dd+pc", "pt", "pt-fs")
    for r in results:
        i = [r[w]["intact"] for w in who]
        vs_dd = f"{i[3] / i[0]:.2f}x" if i[0] else ("inf" if i[3] else "-")
        vs_pc = f"{i[3] / i[1]:.2f}x" if i[1] else ("inf" if i[3] else "-")
        pct = " / ".join(f"{r[w]['pct_rescued']:.1f}" for w in who)
        m = " / ".join(("yes" if r[w]["mounts"] else "no") + (" (clean)" if r[w]["fsck"] else "") for w in who)
        ceiling = r.get("readable_intact")
        if r["profile"] == "scattered":
            goal = "n/a (not a head profile)"
        elif ceiling == 0:
            goal = "n/a (no file readable)"
        else:
            met = i[3] >= 1.5 * i[0] and i[3] > i[1]
            goal = "met" if met else "NOT met"
            if not met and ceiling is not None and i[0] and ceiling < 1.5 * i[0]:
                goal += f" (1.5x unreachable: ceiling {ceiling / i[0]:.2f}x dd)"
        rows.append(f"| {r['fs']} | {r['profile']} | {r['files']} ({r.get('readable_intact', '?')}) | {' / '.join(map(str, i))} | {vs_dd} | {vs_pc} | "
                    f"{pct} | {m} | {goal} |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ptrescue", default=os.path.join(ROOT, "build-release", "ptrescue"))
    ap.add_argument("--ddrescue", default=shutil.which("ddrescue") or "ddrescue")
    ap.add_argument("--size-mib", type=int, default=512)
    ap.add_argument("--fs", default="ext4,ntfs,fat32,exfat")
    ap.add_argument("--profiles", default="weak,dead,scattered")
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", default=None)
    # Other drives of the same kinds: the seed places the damage and the zones.
    ap.add_argument("--seed-offset", type=int, default=0)
    a = ap.parse_args()
    a.profiles = a.profiles.split(",")
    for p in a.profiles:
        if p not in PROFILES:
            sys.exit(f"bench.py: no profile named '{p}' (weak, dead, scattered)")
    work = a.work or tempfile.mkdtemp(prefix="files-first-")
    os.makedirs(work, exist_ok=True)
    results = []
    for kind in a.fs.split(","):
        results += bench_fs(kind, a, work)
    print(table(results))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
