#!/usr/bin/env python3
"""Debian's Linux kernel with a busybox initramfs, booted directly (-kernel) on
Vessel: the guest reaches userspace, runs guest-script.sh, whose results are
checked here, and powers off, which must end vessel with status 0.
Skips (77) when no kernel is in /boot or busybox-static is missing
(scripts/setup.sh --tests installs both).

Usage: test-linux.py VESSEL [--smp N] [--accel A] [--timeout SECONDS]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))

# What the guest must print: computed on the host with the same tools' semantics.
EXPECTED = {
    'userspace': 'reached',
    'sum': 'e071f707df7bbeee2a6a1eb48011ddd0',  # md5 of `seq 1 20000`
    'arith': '485190',                             # 123456789 * 987 % 1000003
    'float': '11.228206',                          # 1.5 * (1 + 1/2 + ... + 1/1000) in awk's doubles
}


def newest_kernel():
    kernels = sorted(glob.glob('/boot/vmlinuz-*'))
    return kernels[-1] if kernels else None


def parse(output):
    got = {}
    for m in re.finditer(r'VESSEL-TEST: (\w+) (.*?)\r?$', output, re.M):
        got[m.group(1)] = m.group(2).strip()
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('vessel')
    ap.add_argument('--smp', type=int, default=1)
    ap.add_argument('--accel', default='interp')
    ap.add_argument('--timeout', type=float, default=900)
    args = ap.parse_args()
    kernel = newest_kernel()
    if not kernel or not os.path.exists('/bin/busybox'):
        print('skip: needs linux-image-amd64 and busybox-static')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, 'initrd.gz')
        subprocess.run([os.path.join(ROOT, 'scripts', 'make-initramfs.sh'), initrd,
                        os.path.join(HERE, 'guest-script.sh')], check=True)
        cmd = [args.vessel, '-accel', args.accel, '-m', '512M', '-smp', str(args.smp), '-nographic',
               '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet']
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=args.timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'').decode(errors='replace')
            print(out[-3000:])
            print(f'FAIL: no power-off within {args.timeout:.0f} s')
            return 1
    out = p.stdout.decode(errors='replace')
    got = parse(out)
    expected = dict(EXPECTED, cpus=str(args.smp))
    problems = [f'{k}: expected {v!r}, got {got.get(k)!r}' for k, v in expected.items() if got.get(k) != v]
    if got.get('clocksource') not in ('tsc', 'hpet', 'acpi_pm'):
        problems.append(f'clocksource: {got.get("clocksource")!r}')
    if not got.get('ioapic', '0').isdigit() or int(got.get('ioapic', '0')) < 1:
        problems.append(f'no IO-APIC interrupts in /proc/interrupts: {got.get("ioapic")!r}')
    if p.returncode != 0:
        problems.append(f'exit status {p.returncode}, expected 0 (guest power-off)')
    if problems:
        print(out[-3000:])
        print(p.stderr.decode(errors='replace')[-1000:])
        for pr in problems:
            print('FAIL: ' + pr)
        return 1
    print(f'PASS: {kernel} reached userspace with {args.smp} CPU(s); results {got}; powered off')
    return 0


if __name__ == '__main__':
    sys.exit(main())
