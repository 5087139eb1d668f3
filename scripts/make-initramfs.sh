#!/usr/bin/env bash
# Builds the default guest's initramfs from Debian's busybox-static:
# a busybox userspace whose /init mounts /proc, /sys and /dev and starts a
# shell on the console. Usage: scripts/make-initramfs.sh OUT.cpio.gz [EXTRA-INIT-SCRIPT]
# With EXTRA-INIT-SCRIPT, /init runs that script instead of an interactive shell.
set -euo pipefail
out=$(realpath -m "$1")
extra=${2:-}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-initramfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file "$busybox" 2>/dev/null | grep -q "statically linked" || [ ! -x /usr/bin/file ] || {
  echo "make-initramfs: $busybox is not static (apt-get install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "Vessel default guest: busybox $(busybox | head -1 | cut -d' ' -f2) on Linux $(uname -r)"
if [ -x /test.sh ]; then
  /test.sh
  poweroff -f
fi
exec setsid cttyhack sh -l
INIT
chmod +x "$root/init"
if [ -n "$extra" ]; then
  cp "$extra" "$root/test.sh"
  chmod +x "$root/test.sh"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "make-initramfs: wrote $out"
