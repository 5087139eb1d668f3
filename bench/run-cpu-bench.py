#!/usr/bin/env python3
"""Guest instructions per second on a CPU-bound integer loop, Vessel beside
qemu-system-x86_64 (TCG) in the same run.

Each emulator runs the loop guest twice, with a short and a long iteration
count; the difference cancels start-up cost, so
    MIPS = (ITER_LONG - ITER_SHORT) * LOOP_INSNS / (t_long - t_short),
with t the emulator's CPU time (user + system), so other load on the
machine does not skew it; wall-clock MIPS are printed alongside.
Usage: bench/run-cpu-bench.py [--vessel build/vessel] [--accel interp] [--repeat 3]
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

LOOP_INSNS = 16
HERE = os.path.dirname(os.path.abspath(__file__))


def build_rom(tmp, iters):
    out = os.path.join(tmp, f"loop-{iters}.rom")
    subprocess.run(["nasm", "-f", "bin", f"-DITER={iters}", os.path.join(HERE, "cpu-loop.asm"), "-o", out],
                   check=True)
    return out


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_run(cmd, repeat):
    """Best of `repeat` runs: (CPU seconds of the emulator process, wall seconds)."""
    best = None
    for _ in range(repeat):
        c0, t0 = cpu_seconds(), time.monotonic()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
        dt, dc = time.monotonic() - t0, cpu_seconds() - c0
        if b"bench done" not in p.stdout or p.returncode != 1:
            raise RuntimeError(f"{cmd[0]} failed: status {p.returncode}, output {p.stdout[-200:]!r}")
        best = (dc, dt) if best is None else (min(best[0], dc), min(best[1], dt))
    return best


def measure(name, base_cmd, roms, iters, repeat):
    """MIPS from CPU time (user + system of the emulator: what one core
    delivers, not disturbed by other load on the machine); wall-clock MIPS
    alongside."""
    c_short, t_short = time_run(base_cmd + ["-bios", roms[0]], repeat)
    c_long, t_long = time_run(base_cmd + ["-bios", roms[1]], repeat)
    insns = (iters[1] - iters[0]) * LOOP_INSNS
    mips = insns / max(c_long - c_short, 1e-6) / 1e6
    wall = insns / max(t_long - t_short, 1e-6) / 1e6
    print(f"{name:28s} cpu short {c_short:7.3f}s long {c_long:7.3f}s  {mips:9.1f} MIPS"
          f"  (wall clock {wall:.1f} MIPS)")
    return mips


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vessel", default=os.path.join(HERE, "..", "build", "vessel"))
    ap.add_argument("--accel", default="interp")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--iters", type=int, default=20_000_000)
    ap.add_argument("--qemu-factor", type=int, default=20,
                    help="QEMU's JIT is much faster: it runs this many times more iterations")
    args = ap.parse_args()
    iters = (args.iters // 10, args.iters)
    qiters = (iters[0] * args.qemu_factor, iters[1] * args.qemu_factor)
    tmp = tempfile.mkdtemp(prefix="vessel-bench-")
    roms = [build_rom(tmp, n) for n in iters]
    qroms = [build_rom(tmp, n) for n in qiters]
    common = ["-nographic", "-device", "isa-debug-exit", "-no-reboot"]
    results = {}
    results["vessel"] = measure(f"vessel -accel {args.accel}", [args.vessel, "-accel", args.accel] + common,
                                roms, iters, args.repeat)
    qemu = shutil.which("qemu-system-x86_64")
    if qemu:
        results["qemu"] = measure("qemu-system-x86_64 -accel tcg",
                                  [qemu, "-accel", "tcg", "-display", "none", "-serial", "stdio",
                                   "-device", "isa-debug-exit", "-no-reboot"], qroms, qiters, args.repeat)
        print(f"ratio vessel/qemu: {results['vessel'] / results['qemu']:.2f}")
    else:
        print("qemu-system-x86_64 not installed (apt-get install qemu-system-x86): no comparison")
    return 0


if __name__ == "__main__":
    sys.exit(main())
