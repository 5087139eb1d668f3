#!/usr/bin/env bash
# Installs what Vessel needs on a Debian 12 machine (as root, with apt-get) and
# builds it in build/. Usage: scripts/setup.sh [--guest] [--tests] [--sanitize] [--fuzz]
#   --guest     also install the default guest: SeaBIOS, Debian's kernel, busybox
#   --tests     also install what the test suite compares against (qemu-system-x86)
#   --sanitize  also configure build-asan/ with -Db_sanitize=address,undefined
#   --fuzz      also install clang and configure build-fuzz/ (libFuzzer harnesses)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(meson ninja-build pkg-config gcc libglib2.0-dev libffi-dev zlib1g-dev libpixman-1-dev check
            python3 nasm binutils)
guest_pkgs=(seabios linux-image-amd64 busybox-static cpio)
test_pkgs=(qemu-system-x86 seabios linux-image-amd64 busybox-static cpio gdb)
fuzz_pkgs=(clang libclang-rt-14-dev)
want_guest=0
want_tests=0
want_sanitize=0
want_fuzz=0
for a in "$@"; do
  case "$a" in
    --guest) want_guest=1 ;;
    --tests) want_tests=1 ;;
    --sanitize) want_sanitize=1 ;;
    --fuzz) want_fuzz=1 ;;
    *) echo "setup.sh: unknown option '$a'" >&2; exit 1 ;;
  esac
done

pkgs=("${build_pkgs[@]}")
[ "$want_guest" = 1 ] && pkgs+=("${guest_pkgs[@]}")
[ "$want_tests" = 1 ] && pkgs+=("${test_pkgs[@]}")
[ "$want_fuzz" = 1 ] && pkgs+=("${fuzz_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Configure DIR once with `meson setup DIR ARGS...` (quiet unless it fails).
configure() {
  local dir=$1 out
  shift
  [ -f "$dir/build.ninja" ] && return 0
  if ! out=$(meson setup "$dir" "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "setup.sh: configuring $dir failed (above)" >&2
    exit 1
  fi
}

configure build
ninja -C build
if [ "$want_sanitize" = 1 ]; then
  configure build-asan -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-asan
fi
if [ "$want_fuzz" = 1 ]; then
  CC=clang configure build-fuzz -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-fuzz
fi
