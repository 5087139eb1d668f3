#!/usr/bin/env python3
"""The real gdb against Debian's Linux kernel booted directly on Vessel (issue 5).

Vessel starts with -S; gdb attaches, sets a hardware breakpoint on a kernel
function, continues, and checks at the first hit: rip is the function, CS is a
ring-0 selector, CR0.PG and EFER.LMA are set, and the kernel's banner string
reads back from guest virtual memory as in the kernel image. Then it kills.

Symbols come from /boot/System.map-VERSION when it is the real one
(start_kernel, linux_banner). Debian ships a placeholder there (the real map is
in the -dbg package), so otherwise the vmlinux ELF is extracted from the
bzImage (xz/gzip payload) and the exported function _printk is resolved from
its __ksymtab section; the banner is found in .rodata by its "Linux version "
prefix. Exit 77 (skip) without a kernel, gdb or a readable image.

usage: test-gdb-linux.py --vessel VESSEL [--gdb GDB] [--timeout SECONDS] [--accel A]
"""
import argparse
import glob
import gzip
import lzma
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


def skip(msg):
    print('SKIP:', msg)
    sys.exit(77)


def fail(msg, *outputs):
    print('FAIL:', msg)
    for o in outputs:
        print('----\n' + (o or '')[-4000:])
    sys.exit(1)


def system_map_symbols(path):
    """(function, banner) addresses from a real System.map, or None."""
    syms = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] in ('start_kernel', 'linux_banner'):
                    syms[parts[2]] = int(parts[0], 16)
    except OSError:
        return None
    if len(syms) != 2:
        return None
    return 'start_kernel', syms['start_kernel'], syms['linux_banner'], None


def extract_vmlinux(bzimage):
    """The vmlinux ELF inside a bzImage (boot protocol >= 2.08 payload fields)."""
    d = open(bzimage, 'rb').read()
    if d[0x202:0x206] != b'HdrS':
        return None
    setup_sects = d[0x1f1] or 4
    poff, plen = struct.unpack_from('<II', d, 0x248)
    payload = d[(setup_sects + 1) * 512 + poff:][:plen]
    try:
        if payload.startswith(b'\xfd7zXZ\x00'):
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
        if payload.startswith(b'\x1f\x8b'):
            return gzip.decompress(payload)
    except (lzma.LZMAError, OSError, EOFError):
        return None
    return None


def elf_sections(elf):
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    raw = [struct.unpack_from('<IIQQQQ', elf, shoff + i * shentsize) for i in range(shnum)]
    stro = raw[shstrndx][4]
    secs = {}
    for name, typ, _flags, addr, off, size in raw:
        n = elf[stro + name:elf.index(b'\0', stro + name)].decode()
        if typ != 8:   # not NOBITS
            secs[n] = (addr, off, size)
    return secs


def image_symbols(bzimage):
    """(function, banner address, banner bytes) from the kernel image itself."""
    elf = extract_vmlinux(bzimage)
    if not elf or elf[:4] != b'\x7fELF':
        return None
    secs = elf_sections(elf)

    def file_off(va):
        for addr, off, size in secs.values():
            if addr and addr <= va < addr + size:
                return off + va - addr
        return None

    func = None
    for name in ('__ksymtab', '__ksymtab_gpl'):
        if name not in secs:
            continue
        addr, off, size = secs[name]
        for e in range(0, size - 11, 12):   # struct kernel_symbol, PREL32 offsets
            value_off, name_off, _ = struct.unpack_from('<iii', elf, off + e)
            no = file_off(addr + e + 4 + name_off)
            if no is not None and elf[no:no + 8] == b'_printk\0':
                func = addr + e + value_off
    if func is None or '.rodata' not in secs:
        return None
    addr, off, size = secs['.rodata']
    i = elf.find(b'Linux version ', off, off + size)
    if i < 0:
        return None
    banner = elf[i:elf.index(b'\0', i)]
    return '_printk', func, addr + i - off, banner


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vessel', required=True)
    ap.add_argument('--gdb', default=shutil.which('gdb'))
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--accel', default='interp')
    args = ap.parse_args()
    if not args.gdb or not os.path.exists(args.gdb):
        skip('gdb not found')
    kernels = sorted(glob.glob('/boot/vmlinuz-*'))
    if not kernels or not os.access(kernels[-1], os.R_OK):
        skip('no readable kernel in /boot (apt-get install linux-image-amd64)')
    kernel = kernels[-1]
    version = os.path.basename(kernel)[len('vmlinuz-'):]
    syms = system_map_symbols('/boot/System.map-' + version) or image_symbols(kernel)
    if not syms:
        skip('no symbols for %s (no real System.map, image not extractable)' % kernel)
    fname, func, banner_addr, banner = syms
    print('%s: %s = 0x%x, banner at 0x%x' % (kernel, fname, func, banner_addr))

    port = free_port()
    out_file = tempfile.TemporaryFile()
    v = subprocess.Popen([args.vessel, '-accel', args.accel, '-m', '256M', '-nographic', '-no-reboot', '-S',
                          '-gdb', 'tcp::%d' % port, '-kernel', kernel,
                          '-append', 'console=ttyS0 nokaslr earlyprintk=ttyS0'],
                         stdout=out_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        argv = [args.gdb, '-nx', '-batch', '-ex', 'set pagination off',
                '-ex', 'set architecture i386:x86-64', '-ex', 'target remote :%d' % port]
        for c in ['hbreak *0x%x' % func, 'continue', 'p/x $pc', 'p/x $cs', 'p/x $cr0',
                  'p/x $efer', 'x/s 0x%x' % banner_addr, 'kill']:
            argv += ['-ex', c]
        g = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, _ = g.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(g.pid, signal.SIGKILL)
            out, _ = g.communicate()
            out_file.seek(0)
            fail('no breakpoint hit within %.0f s' % args.timeout, out,
                 out_file.read().decode(errors='replace'))
        out_file.seek(0)
        serial = out_file.read().decode(errors='replace')
        vals = {}
        for line in out.splitlines():
            if line.startswith('$') and ' = ' in line:
                k, val = line.split(' = ', 1)
                vals[k] = val.strip()
        problems = []
        if 'Breakpoint 1, 0x%016x' % func not in out:
            problems.append('no stop at the hardware breakpoint')
        if vals.get('$1') != '0x%x' % func:
            problems.append('rip %r, expected 0x%x' % (vals.get('$1'), func))
        cs = int(vals.get('$2', '0x3'), 16)
        if cs & 3 or cs == 0:
            problems.append('cs %#x is not a ring-0 selector' % cs)
        if not int(vals.get('$3', '0x0'), 16) & 0x80000000:
            problems.append('CR0.PG clear: %r' % vals.get('$3'))
        if not int(vals.get('$4', '0x0'), 16) & 0x400:
            problems.append('EFER.LMA clear: %r' % vals.get('$4'))
        want = '0x%x:\t"%s' % (banner_addr, (banner or b'Linux version').decode(errors='replace')[:40])
        if want not in out:
            problems.append('banner not read back (%r)' % want)
        if problems:
            fail('; '.join(problems), out, serial)
        if v.wait(timeout=20) != 0:
            fail('kill did not end vessel with status 0', out, serial)
    finally:
        if v.poll() is None:
            v.kill()
            v.wait()
    print('PASS: %s hit at 0x%x, ring 0, paging and long mode on, banner read back' % (fname, func))


if __name__ == '__main__':
    main()
