#!/usr/bin/env python3
"""Direct kernel boot on Vessel: assemble a tiny Multiboot v1 kernel
(multiboot-probe.asm, nasm + ld), boot it with -kernel and -append, and
check its serial output and exit status. Skips (77) without nasm or ld.

Usage: test-direct-boot.py VESSEL [--timeout SECONDS]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# Like QEMU, the Multiboot command line starts with the kernel's path.
EXPECTED = ' %s\nrsdp at 0xf0000\n'


def build(tmp):
    obj = os.path.join(tmp, 'probe.o')
    elf = os.path.join(tmp, 'probe.elf')
    subprocess.run(['nasm', '-f', 'elf32', '-o', obj,
                    os.path.join(HERE, 'multiboot-probe.asm')], check=True)
    subprocess.run(['ld', '-m', 'elf_i386', '-N', '-Ttext', '0x100000', '--no-warn-rwx-segments',
                    '-o', elf, obj], check=True)
    return elf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('vessel')
    ap.add_argument('--timeout', type=float, default=60)
    args = ap.parse_args()
    if not shutil.which('nasm') or not shutil.which('ld'):
        print('skip: needs nasm and ld')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        try:
            elf = build(tmp)
        except subprocess.CalledProcessError as e:
            print('skip: cannot build the probe kernel: %s' % e)
            return 77
        cmdline = 'probe args=1'
        cmd = [args.vessel, '-nographic', '-m', '64', '-kernel', elf, '-append', cmdline,
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print('FAIL: timed out')
            return 1
    out = p.stdout.decode('latin-1').replace('\r', '')
    want = EXPECTED % cmdline
    if 'multiboot: cmdline=' not in out or want not in out or p.returncode != (0x10 << 1 | 1):
        print('FAIL: status %d (want %d)' % (p.returncode, 0x10 << 1 | 1))
        print('--- stdout ---\n' + out + '--- stderr ---\n' + p.stderr.decode('latin-1'))
        return 1
    print('ok: multiboot kernel booted directly')
    return 0


if __name__ == '__main__':
    sys.exit(main())
