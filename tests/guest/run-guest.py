#!/usr/bin/env python3
"""Run one Vessel guest ROM and compare its serial output with an expected file.

    run-guest.py --vessel PATH --accel ACCEL --rom ROM --expected FILE [--status N] [--timeout S]
                 [--emulator-args "ARGS"]
    run-guest.py --qemu [--qemu-binary PATH] --rom ROM --expected FILE     (cross-check with QEMU)
    run-guest.py --qemu --rom ROM --regen FILE                             (write FILE from QEMU)

The emulator runs as `EMU -bios ROM -nographic -device isa-debug-exit -no-reboot -accel ACCEL
[ARGS]` with stdin from /dev/null; its stdout is the guest's serial output.  CRLF is normalised
to LF.  Exit status of this script: 0 pass, 1 fail (output differs, wrong exit status, timeout,
emulator could not run), 77 skip (the emulator exited 1 without guest output, saying the
accelerator is not built / not available).
"""
import argparse
import difflib
import os
import re
import shlex
import signal
import subprocess
import sys

SKIP = 77
SKIP_RE = re.compile(r"not built|not available|not supported|is not compiled", re.I)


def normalise(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def run(cmd, timeout):
    """Run cmd in its own process group; return (status, stdout, stderr, timed_out)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err, False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return proc.returncode, out, err, True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vessel", help="path of the emulator to test")
    ap.add_argument("--accel", default=None, help="accelerator (-accel); default: interp, or tcg with --qemu")
    ap.add_argument("--rom", required=True, help="guest ROM image (-bios)")
    ap.add_argument("--expected", help="file with the expected serial output")
    ap.add_argument("--status", type=int, default=1,
                    help="expected exit status (default 1: isa-debug-exit with value 0)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before the emulator is killed")
    ap.add_argument("--emulator-args", default="", help="extra arguments for the emulator (shell-quoted)")
    ap.add_argument("--qemu", action="store_true", help="run qemu-system-x86_64 instead of vessel")
    ap.add_argument("--qemu-binary", default="qemu-system-x86_64")
    ap.add_argument("--regen", metavar="FILE", help="with --qemu: write the output to FILE")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the command and stderr")
    args = ap.parse_args(argv)

    if args.qemu:
        emu = args.qemu_binary
        accel = args.accel or "tcg"
    else:
        if not args.vessel:
            ap.error("--vessel PATH is required (or --qemu)")
        emu = args.vessel
        accel = args.accel or "interp"
    if not args.expected and not args.regen:
        ap.error("--expected FILE is required (or --regen FILE with --qemu)")
    if args.regen and not args.qemu:
        ap.error("--regen only with --qemu: expected files come from the reference")
    if not os.path.isfile(args.rom):
        print(f"run-guest: ROM not found: {args.rom}")
        return 1

    cmd = [emu, "-bios", args.rom, "-nographic", "-device", "isa-debug-exit", "-no-reboot",
           "-accel", accel] + shlex.split(args.emulator_args)
    if args.qemu:
        cmd += ["-display", "none"] if "-display" not in args.emulator_args else []
    name = os.path.basename(args.rom)
    if args.verbose:
        print("run-guest: " + shlex.join(cmd))
    try:
        status, out, err, timed_out = run(cmd, args.timeout)
    except OSError as e:
        print(f"run-guest: cannot run {emu}: {e}")
        return 1
    stderr_text = normalise(err)
    if args.verbose and stderr_text:
        sys.stdout.write(stderr_text)

    # "accelerator 'tcg' is not built yet", "kvm: /dev/kvm not available": exit 1, no guest output
    if not timed_out and status == 1 and not out and SKIP_RE.search(stderr_text):
        print(f"run-guest: SKIP {name}: {stderr_text.strip().splitlines()[-1]}")
        return SKIP

    output = normalise(out)
    if args.regen:
        if timed_out or status != args.status:
            why = "timed out" if timed_out else f"exit status {status}, expected {args.status}"
            print(f"run-guest: not regenerating {args.regen}: {why}")
            sys.stdout.write(output)
            return 1
        with open(args.regen, "w") as f:
            f.write(output)
        print(f"run-guest: wrote {args.regen} ({len(output.splitlines())} lines)")
        return 0

    with open(args.expected, encoding="utf-8") as f:
        expected = f.read().replace("\r\n", "\n")
    ok = True
    if timed_out:
        print(f"run-guest: FAIL {name}: timeout after {args.timeout:g}s (emulator killed)")
        ok = False
    elif status != args.status:
        print(f"run-guest: FAIL {name}: exit status {status}, expected {args.status}")
        ok = False
    if output != expected:
        print(f"run-guest: FAIL {name}: serial output differs from {args.expected}")
        sys.stdout.writelines(difflib.unified_diff(
            expected.splitlines(keepends=True), output.splitlines(keepends=True),
            fromfile=args.expected, tofile="serial output"))
        if output and not output.endswith("\n"):
            print()
        ok = False
    if not ok:
        print("run-guest: command: " + shlex.join(cmd))
        if stderr_text.strip():
            print("run-guest: emulator stderr:")
            sys.stdout.write(stderr_text)
        return 1
    print(f"run-guest: PASS {name} ({len(output.splitlines())} lines, status {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
