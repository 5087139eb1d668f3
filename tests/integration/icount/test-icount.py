#!/usr/bin/env python3
"""-icount determinism across accelerators: icount.asm records its loop count at each PIT
tick; with -icount the ticks come after a fixed number of guest instructions, so every run
under every accelerator given must print the same counts (and they must be real counts:
increasing, one per tick).

Usage: test-icount.py VESSEL ROM ACCEL [ACCEL...]   (ACCEL as for -accel, e.g. tcg,backend=tci)
"""
import subprocess
import sys

NTICKS = 6


def run(vessel, rom, accel):
    cmd = [vessel, '-accel', accel, '-icount', '3', '-bios', rom, '-nographic',
           '-device', 'isa-debug-exit']
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=100)
    if p.returncode != 1:   # EXIT_OK: isa-debug-exit value 0
        raise SystemExit(f'FAIL: {accel}: exit status {p.returncode}\n{p.stdout}{p.stderr}')
    lines = p.stdout.split('ticks recorded:')[-1].split()
    try:
        counts = [int(x, 16) for x in lines]
    except ValueError:
        raise SystemExit(f'FAIL: {accel}: unexpected output {p.stdout!r}')
    if len(counts) != NTICKS or any(b <= a for a, b in zip(counts, counts[1:])):
        raise SystemExit(f'FAIL: {accel}: not {NTICKS} increasing counts: {p.stdout!r}')
    return counts


def main():
    vessel, rom, accels = sys.argv[1], sys.argv[2], sys.argv[3:]
    results = {}
    for a in accels:
        for n in (1, 2):
            results[f'{a} run {n}'] = run(vessel, rom, a)
    first = next(iter(results.values()))
    bad = {k: v for k, v in results.items() if v != first}
    for k, v in results.items():
        print(f'{k}: {" ".join(f"{c:#x}" for c in v)}')
    if bad:
        print('FAIL: the runs differ')
        return 1
    print('ok: identical tick counts in every run')
    return 0


if __name__ == '__main__':
    sys.exit(main())
