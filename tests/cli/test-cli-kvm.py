#!/usr/bin/env python3
"""-accel kvm where KVM cannot be used: exactly one error line on stderr and exit
status 1, never a crash or a hang.  VESSEL_KVM_DEVICE (documented in accel/kvm/kvm.c and
the README) names the KVM device instead of /dev/kvm; pointing it at a missing file or at
a device that is not KVM stands for a host without usable KVM.

    test-cli-kvm.py VESSEL yes|no      (whether this vessel was built with KVM)
"""
import os
import subprocess
import sys
import tempfile

from cli_common import error_line_problems, spin_rom


def run(vessel, args, device):
    env = dict(os.environ, VESSEL_KVM_DEVICE=device)
    p = subprocess.run([vessel] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30, env=env)
    return p.returncode, p.stdout, p.stderr


def check(name, vessel, args, device, needles):
    code, out, err = run(vessel, args, device)
    lines, problems = error_line_problems(code, err, needles)
    if out:
        problems.append(f"unexpected guest output {out[:100]!r}")
    if problems:
        print(f"FAIL {name}: " + "; ".join(problems))
        return False
    print(f"ok   {name}: {lines[0]}")
    return True


def main():
    vessel, built = sys.argv[1], sys.argv[2] == "yes"
    tmp = tempfile.mkdtemp(prefix="vessel-cli-kvm-")
    rom = os.path.join(tmp, "spin.rom")
    spin_rom(rom)
    base = ["-bios", rom, "-nographic"]
    missing = os.path.join(tmp, "no-such-kvm")
    ok = True
    if not built:
        ok &= check("kvm-unbuilt", vessel, base + ["-accel", "kvm"], missing, ["not built"])
        ok &= check("enable-kvm-unbuilt", vessel, base + ["-enable-kvm"], missing, ["not built"])
    else:
        ok &= check("kvm-missing-device", vessel, base + ["-accel", "kvm"], missing,
                    ["kvm is not available", missing])
        ok &= check("enable-kvm-missing-device", vessel, base + ["-enable-kvm"], missing,
                    ["kvm is not available", missing])
        ok &= check("kvm-not-a-kvm-device", vessel, base + ["-accel", "kvm"], "/dev/null",
                    ["kvm is not available", "/dev/null", "not a KVM device"])
        ok &= check("kvm-directory", vessel, base + ["-accel", "kvm"], tmp,
                    ["kvm is not available", tmp])
        ok &= check("kvm-icount", vessel, base + ["-accel", "kvm", "-icount", "3"], missing,
                    ["-icount is not supported with -accel kvm"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
