#!/usr/bin/env python3
"""Reboot of Debian's Linux kernel on Vessel (issue 4 item 6): the guest's
`reboot -f` resets the machine, which boots the kernel again (through
SeaBIOS with --firmware, else by the direct loader's reset hook); the second
boot sees the mark the first left in CMOS NVRAM and powers off: status 0,
both boots' lines in order. With --no-reboot the reboot ends the process
instead (status 0) and there is no second boot.
Skips (77) like test-linux.py when the kernel, busybox or SeaBIOS is missing.

Usage: test-linux-reboot.py VESSEL [--firmware] [--no-reboot] [--accel A] [--timeout S]
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
_spec = importlib.util.spec_from_file_location('test_linux', os.path.join(HERE, 'test-linux.py'))
linux = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(linux)

BANNER = 'Vessel default guest:'
FIRST = 'VESSEL-TEST: first boot (mark 0), rebooting'
SECOND = 'VESSEL-TEST: second boot'


def command(args, kernel, initrd):
    cmd = [args.vessel, '-accel', args.accel, '-m', '256M', '-nographic',
           '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1']
    if args.no_reboot:
        cmd.append('-no-reboot')
    if args.firmware:
        cmd += ['-bios', linux.BIOS]
    return cmd


def problems_of(out, status, args):
    lines = [l.strip() for l in out.splitlines()]
    events = [l for l in lines if l.startswith(BANNER) or l.startswith('VESSEL-TEST:')]
    banner = next((l for l in events if l.startswith(BANNER)), BANNER)
    want = [banner, FIRST] if args.no_reboot else [banner, FIRST, banner, SECOND]
    problems = []
    if [e if not e.startswith(BANNER) else banner for e in events] != want:
        problems.append(f'expected the lines {want!r}, got {events!r}')
    if status != 0:
        problems.append(f'exit status {status}, expected 0')
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('vessel')
    ap.add_argument('--firmware', action='store_true')
    ap.add_argument('--no-reboot', action='store_true')
    ap.add_argument('--accel', default='interp')
    ap.add_argument('--timeout', type=float, default=900)
    args = ap.parse_args()
    kernel = linux.newest_kernel()
    if not kernel or not os.path.exists('/bin/busybox'):
        print('skip: needs linux-image-amd64 and busybox-static')
        return 77
    if args.firmware and not os.path.exists(linux.BIOS):
        print(f'skip: {linux.BIOS} is missing (apt-get install seabios)')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, 'initrd.gz')
        subprocess.run([os.path.join(ROOT, 'scripts', 'make-initramfs.sh'), initrd,
                        os.path.join(HERE, 'reboot-script.sh')], check=True)
        cmd = command(args, kernel, initrd)
        print('running: ' + ' '.join(cmd), flush=True)
        status, raw, err = linux.run(cmd, args.timeout, 600)
    out = raw.decode(errors='replace')
    if status is None:
        print(out[-3000:])
        print(f'FAIL: no exit within {args.timeout:.0f} s')
        return 1
    problems = problems_of(out, status, args)
    if problems:
        print(out[-3000:])
        print(err.decode(errors='replace')[-1000:])
        for p in problems:
            print('FAIL: ' + p)
        return 1
    print('PASS: ' + ('reboot ended the process (-no-reboot)' if args.no_reboot
                      else 'rebooted and booted again'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
