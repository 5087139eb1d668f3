#!/usr/bin/env python3
"""Command-line checks for vessel: every bad input gets exactly one error line
on stderr and exit status 1, never a crash; --version and --help exit 0."""
import os
import subprocess
import sys
import tempfile

from cli_common import error_line_problems, spin_rom

VESSEL = sys.argv[1]
failures = []
passed = 0


def run(args, timeout=20):
    p = subprocess.run([VESSEL] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def expect_error(name, args, needle):
    global passed
    try:
        code, out, err = run(args)
    except subprocess.TimeoutExpired:
        failures.append(f"{name}: timed out (expected an error)")
        return
    lines, problems = error_line_problems(code, err, [needle])
    if problems:
        failures.append(f"{name} {args}: " + "; ".join(problems))
    else:
        passed += 1
        print(f"ok   {name}: {lines[0]}")


def expect_ok(name, args, needle):
    global passed
    code, out, err = run(args)
    if code != 0 or needle not in out:
        failures.append(f"{name}: status {code}, stdout {out[:200]!r}")
    else:
        passed += 1
        print(f"ok   {name}")


def expect_stops(name, rom, how, extra=()):
    """Run a guest that never ends, stop it by a signal or Ctrl-A x, expect status 0 and no crash."""
    global passed
    import signal
    import time
    p = subprocess.Popen([VESSEL, "-bios", rom, "-nographic"] + list(extra), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    if how == "ctrl-a-x":
        p.stdin.write(b"\x01x")
        p.stdin.flush()
    else:
        p.send_signal(how)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        failures.append(f"{name}: did not stop within 10 s")
        return
    if p.returncode != 0 or b"runtime error" in err or b"Sanitizer" in err:
        failures.append(f"{name}: status {p.returncode}, stderr {err[-300:]!r}")
    else:
        passed += 1
        print(f"ok   {name}")


def main():
    tmp = tempfile.mkdtemp(prefix="vessel-cli-")
    small = os.path.join(tmp, "small.rom")
    odd = os.path.join(tmp, "odd.rom")
    huge = os.path.join(tmp, "huge.rom")
    empty = os.path.join(tmp, "empty.rom")
    good = os.path.join(tmp, "good.rom")
    for path, size in ((small, 1000), (odd, 96 * 1024), (huge, 32 << 20), (empty, 0), (good, 64 * 1024)):
        with open(path, "wb") as f:
            f.truncate(size)
    missing = os.path.join(tmp, "does-not-exist.rom")
    bios = ["-bios", good, "-nographic"]

    expect_ok("version", ["--version"], "Vessel emulator version")
    expect_ok("help", ["--help"], "-serial")
    expect_ok("help-short", ["-h"], "-accel")
    expect_ok("log-help", ["-d", "help"], "unimp")

    expect_error("unknown-flag", ["-frobnicate"], "unknown option")
    expect_error("positional", ["disk.img"], "unexpected argument")
    expect_error("missing-arg", ["-m"], "requires an argument")
    expect_error("bad-size", ["-m", "lots"], "invalid size")
    expect_error("bad-size-suffix", ["-m", "12Q"], "invalid size")
    expect_error("zero-size", ["-m", "0"], "too small")
    expect_error("huge-size", ["-m", "5T"], "too large")
    expect_error("negative-size", ["-m", "-5"], "invalid size")
    expect_error("smp-zero", ["-smp", "0"], "out of range")
    expect_error("smp-many", ["-smp", "9"], "out of range")
    expect_error("smp-text", ["-smp", "two"], "invalid")
    expect_error("bios-missing", ["-bios", missing, "-nographic"], "cannot read")
    expect_error("bios-dir", ["-bios", tmp, "-nographic"], "cannot read")
    expect_error("bios-small", ["-bios", small, "-nographic"], "power of two")
    expect_error("bios-odd", ["-bios", odd, "-nographic"], "power of two")
    expect_error("bios-huge", ["-bios", huge, "-nographic"], "power of two")
    expect_error("bios-empty", ["-bios", empty, "-nographic"], "power of two")
    expect_error("accel-unknown", bios + ["-accel", "warp"], "unknown accelerator")
    # -accel tcg properties (accel/tcg/tcg-accel.c)
    expect_error("accel-tcg-backend", bios + ["-accel", "tcg,backend=warp"], "unknown backend 'warp'")
    expect_error("accel-tcg-backend-empty", bios + ["-accel", "tcg,backend="], "unknown backend")
    expect_error("accel-tcg-property", bios + ["-accel", "tcg,turbo=on"], "unknown property 'turbo=on'")
    expect_error("accel-tcg-tb-size", bios + ["-accel", "tcg,tb-size=0"], "tb-size must be 1 to 2048")
    expect_error("accel-tcg-tb-size-text", bios + ["-accel", "tcg,tb-size=big"], "tb-size")
    expect_error("accel-tcg-thread", bios + ["-accel", "tcg,thread=fast"], "unknown property 'thread=fast'")
    # -accel kvm, built or not, usable or not: tests/cli/test-cli-kvm.py
    expect_error("device-unknown", bios + ["-device", "e1000"], "unknown device")
    expect_error("debugexit-bad-iobase", bios + ["-device", "isa-debug-exit,iobase=zz"], "iobase")
    expect_error("debugexit-bad-option", bios + ["-device", "isa-debug-exit,colour=red"], "colour")
    expect_error("debugexit-big-iosize", bios + ["-device", "isa-debug-exit,iosize=0x20000"], "iosize")
    expect_error("serial-backend", bios + ["-serial", "carrier-pigeon"], "carrier-pigeon")
    expect_error("serial-file", bios + ["-serial", "file:" + os.path.join(missing, "x")], "could not open")
    expect_error("serial-tcp-port", bios + ["-serial", "tcp:127.0.0.1:notaport"], "port")
    expect_error("log-item", ["-d", "everything-please"], "unknown log item")
    expect_error("log-file", bios + ["-D", os.path.join(missing, "log")], "cannot open log file")
    expect_error("display", ["-display", "gtk"], "not supported")
    expect_error("initrd-without-kernel", ["-initrd", good], "requires -kernel")
    expect_error("kernel-missing", ["-kernel", missing, "-nographic"], "kernel")
    expect_error("icount", ["-icount", "banana"], "icount")

    import signal
    spin = os.path.join(tmp, "spin.rom")
    spin_rom(spin)
    expect_stops("sigterm", spin, signal.SIGTERM)
    expect_stops("sigint", spin, signal.SIGINT)
    expect_stops("ctrl-a-x", spin, "ctrl-a-x")
    # the JIT: a block chained to itself (jmp $) still leaves for the stop request
    expect_stops("sigterm-tcg", spin, signal.SIGTERM, ["-accel", "tcg"])
    expect_stops("ctrl-a-x-tci", spin, "ctrl-a-x", ["-accel", "tcg,backend=tci"])

    total = passed + len(failures)
    for f in failures:
        print("FAIL " + f)
    print(f"{passed} passed, {len(failures)} failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
