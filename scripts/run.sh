#!/usr/bin/env bash
# Sets up (packages, build, initramfs) and boots the default guest: Debian's
# Linux kernel with a busybox shell on the serial console (this terminal).
# Ctrl-A x quits. Extra arguments are passed to vessel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --guest
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "run: no kernel in /boot (apt-get install linux-image-amd64)" >&2; exit 1; }
[ -f build/initramfs.cpio.gz ] || scripts/make-initramfs.sh build/initramfs.cpio.gz
exec build/vessel -m 512M -nographic -kernel "$kernel" -initrd build/initramfs.cpio.gz \
  -append "console=ttyS0 quiet" "$@"
