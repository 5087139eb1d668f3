#!/usr/bin/env python3
"""Debian's Linux kernel with a busybox initramfs on Vessel, booted directly
(-kernel) or, with --firmware, through SeaBIOS (-kernel with -bios: fw_cfg and
the linuxboot option ROM): the guest reaches userspace, runs guest-script.sh,
whose results are checked here (data checksum, integer and floating-point
arithmetic, CPU count, the kernel's view of the interrupt controllers and its
clock source), and powers off, which must end vessel with status 0.
Skips (77) when no kernel is in /boot, busybox-static is missing or, with
--firmware, SeaBIOS is missing (scripts/setup.sh --tests installs them).

Usage: test-linux.py VESSEL [--smp N] [--firmware] [--accel A] [--timeout SECONDS]
                            [--silence SECONDS]
"""
import argparse
import glob
import os
import re
import select
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
BIOS = '/usr/share/seabios/bios-256k.bin'

# What the guest must print: computed on the host with the same tools' semantics.
EXPECTED = {
    'userspace': 'reached',
    'sum': 'e071f707df7bbeee2a6a1eb48011ddd0',  # md5 of `seq 1 20000`
    'arith': '485190',                             # 123456789 * 987 % 1000003
    'float': '11.228206',                          # 1.5 * (1 + 1/2 + ... + 1/1000) in awk's doubles
    'madt': '1',              # "Using ACPI (MADT) for SMP configuration information"
    'ioapic-found': '1',      # "IOAPIC[0]: apic_id ..." from the MADT
    'apic-mode': '1',         # "APIC: Switch to symmetric I/O mode setup"
    'done': '',
}


def newest_kernel():
    kernels = sorted(glob.glob('/boot/vmlinuz-*'))
    return kernels[-1] if kernels else None


def parse(output):
    got = {}
    for m in re.finditer(r'VESSEL-TEST: ([\w-]+) ?(.*?)\r?$', output, re.M):
        got[m.group(1)] = m.group(2).strip()
    return got


def vessel_command(args, kernel, initrd):
    # panic=-1: a kernel panic reboots at once and -no-reboot turns that into an
    # exit, so a failing boot ends in seconds instead of at the timeout.
    cmd = [args.vessel, '-accel', args.accel, '-m', '512M', '-smp', str(args.smp), '-nographic',
           '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1']
    if args.firmware:
        cmd += ['-bios', BIOS]
    return cmd


def check_interrupts(got, smp):
    """The kernel's view of the interrupt controllers: problems found."""
    problems = []
    if not got.get('ioapic', '').isdigit() or int(got['ioapic']) < 1:
        problems.append(f'no IO-APIC interrupts in /proc/interrupts: {got.get("ioapic")!r}')
    loc = got.get('loc', '').split()
    if len(loc) != smp or not all(n.isdigit() and int(n) > 0 for n in loc):
        problems.append(f'local APIC timer (LOC in /proc/interrupts) should count on each of '
                        f'{smp} CPU(s): {got.get("loc")!r}')
    if got.get('madt-cpus') != str(smp):
        problems.append(f'MADT: expected {smp} LAPIC(s) ("smpboot: Allowing N CPUs"), '
                        f'got {got.get("madt-cpus")!r}')
    if got.get('clocksource') not in ('tsc', 'hpet', 'acpi_pm'):
        problems.append(f'clocksource: {got.get("clocksource")!r}')
    return problems


def check(got, args, returncode):
    expected = dict(EXPECTED, cpus=str(args.smp))
    # SeaBIOS builds SMBIOS tables; the direct boot has none.
    expected['smbios'] = '1' if args.firmware else '0'
    problems = [f'{k}: expected {v!r}, got {got.get(k)!r}' for k, v in expected.items() if got.get(k) != v]
    problems += check_interrupts(got, args.smp)
    if returncode != 0:
        problems.append(f'exit status {returncode}, expected 0 (guest power-off)')
    return problems


def run(cmd, timeout, silence):
    """Run cmd; (status, stdout, stderr), status None when it had to be killed:
    after `timeout` seconds, or after `silence` seconds without output (a hang)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bufs = {p.stdout: bytearray(), p.stderr: bytearray()}
    start = last = time.monotonic()
    open_fds = list(bufs)
    while open_fds:
        now = time.monotonic()
        if now - start > timeout or now - last > silence:
            p.kill()
            p.wait()
            return None, bytes(bufs[p.stdout]), bytes(bufs[p.stderr])
        ready, _, _ = select.select(open_fds, [], [], 1.0)
        for f in ready:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                open_fds.remove(f)
            bufs[f] += chunk
            last = time.monotonic()
    return p.wait(), bytes(bufs[p.stdout]), bytes(bufs[p.stderr])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('vessel')
    ap.add_argument('--smp', type=int, default=1)
    ap.add_argument('--firmware', action='store_true', help='boot through SeaBIOS (-bios)')
    ap.add_argument('--accel', default='interp')
    ap.add_argument('--timeout', type=float, default=900)
    ap.add_argument('--silence', type=float, default=600,
                    help='fail after this many seconds without serial output (a hang)')
    args = ap.parse_args()
    kernel = newest_kernel()
    if not kernel or not os.path.exists('/bin/busybox'):
        print('skip: needs linux-image-amd64 and busybox-static')
        return 77
    if args.firmware and not os.path.exists(BIOS):
        print(f'skip: {BIOS} is missing (apt-get install seabios)')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, 'initrd.gz')
        subprocess.run([os.path.join(ROOT, 'scripts', 'make-initramfs.sh'), initrd,
                        os.path.join(HERE, 'guest-script.sh')], check=True)
        cmd = vessel_command(args, kernel, initrd)
        print('running: ' + ' '.join(cmd), flush=True)
        status, raw, err = run(cmd, args.timeout, args.silence)
    out = raw.decode(errors='replace')
    if status is None:
        print(out[-3000:])
        print(err.decode(errors='replace')[-1000:])
        print(f'FAIL: no power-off within {args.timeout:.0f} s, or no output for {args.silence:.0f} s')
        return 1
    got = parse(out)
    problems = check(got, args, status)
    if problems:
        print(out[-3000:])
        print(err.decode(errors='replace')[-1000:])
        for pr in problems:
            print('FAIL: ' + pr)
        return 1
    how = 'through SeaBIOS' if args.firmware else 'directly'
    print(f'PASS: {kernel} booted {how} to userspace with {args.smp} CPU(s); results {got}; powered off')
    return 0


if __name__ == '__main__':
    sys.exit(main())
