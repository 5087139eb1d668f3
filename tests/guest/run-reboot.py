#!/usr/bin/env python3
"""Run a guest ROM WITHOUT -no-reboot (a guest-requested reset or triple fault reboots the
machine) and compare its serial output with an expected file; otherwise like run-guest.py.

    run-reboot.py (--vessel PATH [--accel A] | --qemu [--qemu-binary PATH]) --rom ROM
                  --expected FILE [--status N] [--timeout S]

Exit status: 0 pass, 1 fail, 77 skip (accelerator not built).
"""
import argparse
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("run_guest", os.path.join(here, "run-guest.py"))
rg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vessel")
    ap.add_argument("--accel")
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("--qemu-binary", default="qemu-system-x86_64")
    ap.add_argument("--rom", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--status", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    if args.qemu:
        cmd = [args.qemu_binary, "-display", "none", "-accel", args.accel or "tcg"]
    elif args.vessel:
        cmd = [args.vessel, "-accel", args.accel or "interp"]
    else:
        ap.error("--vessel PATH or --qemu")
    cmd += ["-bios", args.rom, "-nographic", "-device", "isa-debug-exit"]
    status, out, err, timed_out = rg.run(cmd, args.timeout)
    stderr_text = rg.normalise(err)
    if not timed_out and status == 1 and not out and rg.SKIP_RE.search(stderr_text):
        print(f"run-reboot: SKIP: {stderr_text.strip().splitlines()[-1]}")
        return rg.SKIP
    output = rg.normalise(out)
    with open(args.expected, encoding="utf-8") as f:
        expected = f.read()
    if timed_out or status != args.status or output != expected:
        why = ("timeout" if timed_out else f"exit status {status}, expected {args.status}"
               if status != args.status else "serial output differs")
        print(f"run-reboot: FAIL {os.path.basename(args.rom)}: {why}")
        sys.stdout.writelines(rg.difflib.unified_diff(
            expected.splitlines(True), output.splitlines(True), "expected", "output"))
        sys.stdout.write(stderr_text)
        return 1
    print(f"run-reboot: PASS {os.path.basename(args.rom)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
