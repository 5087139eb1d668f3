#!/usr/bin/env python3
"""Boot Debian's SeaBIOS on Vessel with -nographic and check that its banner
and its boot attempt appear on the serial console (SeaBIOS's sercon).

Usage: test-seabios.py VESSEL [--accel interp] [--timeout SECONDS]
Exit 0 on success, 1 on failure, 77 (skip) when the firmware is missing.
"""
import argparse
import os
import subprocess
import sys
import time

BIOS = '/usr/share/seabios/bios-256k.bin'
BANNER = b'SeaBIOS (version '
BOOT_LINES = (b'Booting from ', b'No bootable device')


def run(vessel, accel, timeout):
    """Run until the boot attempt shows up or the time is over; return the output."""
    cmd = [vessel, '-nographic', '-accel', accel, '-m', '128', '-no-reboot']
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    out = b''
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        chunk = proc.stdout.read() or b''
        out += chunk
        if BANNER in out and any(line in out for line in BOOT_LINES):
            break
        if not chunk:
            time.sleep(0.05)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    out += proc.stdout.read() or b''
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('vessel')
    ap.add_argument('--accel', default='interp')
    ap.add_argument('--timeout', type=float, default=100)
    args = ap.parse_args()
    if not os.path.exists(BIOS):
        print('skip: %s is missing (apt-get install seabios)' % BIOS)
        return 77
    out = run(args.vessel, args.accel, args.timeout)
    text = out.decode('latin-1')
    if BANNER not in out and ('is not available' in text or 'not built' in text):
        print('skip: ' + text.strip().splitlines()[-1])   # e.g. -accel kvm without /dev/kvm
        return 77
    ok = True
    if BANNER not in out:
        print('FAIL: no SeaBIOS banner on the serial console')
        ok = False
    if not any(line in out for line in BOOT_LINES):
        print('FAIL: SeaBIOS did not reach its boot attempt')
        ok = False
    if not ok:
        print('--- output ---')
        print(text[-4000:])
        return 1
    print('ok: banner and boot attempt seen')
    return 0


if __name__ == '__main__':
    sys.exit(main())
