#!/usr/bin/env python3
"""Boot time of Debian's Linux kernel to a busybox userspace, Vessel beside
qemu-system-x86_64 -accel tcg in the same run, with the same kernel (the newest
/boot/vmlinuz-*), initramfs (scripts/make-initramfs.sh with the integration
test's guest script) and command line.

For each run it times, from the start of the process:
  userspace  the first line /init prints ("Vessel default guest: ...")
  script     from there to the guest script's last line ("VESSEL-TEST: done")
  total      until the process ends (the guest powers off)
QEMU always boots -kernel through its firmware (SeaBIOS + linuxboot ROM);
Vessel does the same with -bios ("firmware") and, without, boots directly
("direct"). Ratios are Vessel time / QEMU time (lower is better).
Usage: bench/run-boot-bench.py [--vessel build/vessel] [--accel interp]
                               [--modes firmware,direct] [--smp 1] [--repeat 1] [--timeout 1200]
With --repeat N each emulator boots N times and the best time of each column counts.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..'))
BIOS = '/usr/share/seabios/bios-256k.bin'
SCRIPT = os.path.join(ROOT, 'tests', 'integration', 'linux', 'guest-script.sh')
APPEND = 'console=ttyS0 quiet'
USERSPACE_LINE = b'Vessel default guest:'
DONE_LINE = b'VESSEL-TEST: done'


def timed_boot(cmd, timeout):
    """Run cmd; return (t_userspace, t_done, t_exit) in seconds from the start."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    marks = {}
    tail = b''
    try:
        for line in p.stdout:
            now = time.monotonic() - t0
            tail = (tail + line)[-2000:]
            if USERSPACE_LINE in line and 'user' not in marks:
                marks['user'] = now
            if DONE_LINE in line:
                marks['done'] = now
            if now > timeout:
                break
        p.wait(timeout=max(1, timeout - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        pass
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    t_exit = time.monotonic() - t0
    if 'user' not in marks or 'done' not in marks or p.returncode != 0:
        raise RuntimeError(f'{cmd[0]} did not boot and power off (status {p.returncode}): '
                           f'{tail.decode(errors="replace")[-600:]}')
    return marks['user'], marks['done'] - marks['user'], t_exit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vessel', default=os.path.join(ROOT, 'build', 'vessel'))
    ap.add_argument('--accel', default='interp')
    ap.add_argument('--modes', default='firmware,direct', help='Vessel boot modes, comma separated')
    ap.add_argument('--smp', type=int, default=1)
    ap.add_argument('--repeat', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=1200)
    args = ap.parse_args()
    kernels = sorted(glob.glob('/boot/vmlinuz-*'))
    qemu = shutil.which('qemu-system-x86_64')
    if not kernels or not qemu or not os.path.exists('/bin/busybox') or not os.path.exists(BIOS):
        sys.exit('run-boot-bench: needs linux-image-amd64, busybox-static, seabios, qemu-system-x86 '
                 '(scripts/setup.sh --tests)')
    kernel = kernels[-1]
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, 'initrd.gz')
        subprocess.run([os.path.join(ROOT, 'scripts', 'make-initramfs.sh'), initrd, SCRIPT],
                       check=True, stdout=subprocess.DEVNULL)
        common = ['-m', '512M', '-smp', str(args.smp), '-nographic', '-no-reboot',
                  '-kernel', kernel, '-initrd', initrd, '-append', APPEND]
        runs = [('qemu-system-x86_64 -accel tcg', [qemu, '-accel', 'tcg', '-machine', 'pc', '-vga', 'none',
                                                   '-net', 'none'] + common)]
        for mode in args.modes.split(','):
            extra = ['-bios', BIOS] if mode == 'firmware' else []
            runs.append((f'vessel -accel {args.accel} ({mode})', [args.vessel, '-accel', args.accel] +
                         common + extra))
        print(f'kernel {kernel}, -smp {args.smp}, -append "{APPEND}"')
        results = []
        for name, cmd in runs:
            times = [timed_boot(cmd, args.timeout) for _ in range(max(1, args.repeat))]
            r = tuple(min(t[i] for t in times) for i in range(3))
            results.append((name, r))
            print(f'{name:36s} userspace {r[0]:8.2f}s  script {r[1]:7.2f}s  total {r[2]:8.2f}s', flush=True)
    q = results[0][1]
    print('\nratio to QEMU TCG (time / QEMU time):')
    for name, r in results[1:]:
        print(f'{name:36s} userspace {r[0] / q[0]:6.1f}x  script {r[1] / q[1]:6.1f}x  '
              f'total {r[2] / q[2]:6.1f}x')
    return 0


if __name__ == '__main__':
    sys.exit(main())
