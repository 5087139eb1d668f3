#!/usr/bin/env python3
"""Self-test of run-guest.py with fake emulators (no nasm, no real emulator needed)."""
import os
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run-guest.py")

FAKE = r'''#!/usr/bin/env python3
import sys, time
args = sys.argv[1:]
mode = {mode!r}
if "-accel" not in args or "-bios" not in args or "-no-reboot" not in args \
        or args[args.index("-device") + 1] != "isa-debug-exit":
    sys.stderr.write("fake: bad command line %r\n" % args)
    sys.exit(2)
if mode == "ok":
    sys.stdout.write("Hello\r\nworld\n")
    sys.stdout.flush()
    sys.exit(1)
if mode == "status":
    sys.stdout.write("Hello\nworld\n")
    sys.exit(3)
if mode == "hang":
    sys.stdout.write("Hello\n")
    sys.stdout.flush()
    time.sleep(60)
if mode == "unbuilt":
    sys.stderr.write("vessel: accelerator '%s' is not built yet in this version of vessel\n"
                     % args[args.index("-accel") + 1])
    sys.exit(1)
if mode == "nokvm":
    sys.stderr.write("vessel: kvm: /dev/kvm not available: No such file or directory\n")
    sys.exit(1)
if mode == "crash":
    sys.stderr.write("vessel: cannot open ROM: not available\n")
    sys.stdout.write("Hello\n")
    sys.exit(1)
if mode == "args":
    sys.stdout.write(" ".join(args[args.index("-accel") + 2:]) + "\n")
    sys.exit(1)
'''


def make_fake(tmp, mode):
    path = os.path.join(tmp, "fake-" + mode)
    with open(path, "w") as f:
        f.write(FAKE.format(mode=mode))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def runner(*args):
    p = subprocess.run([sys.executable, RUNNER] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return p.returncode, p.stdout


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        rom = os.path.join(tmp, "guest.rom")
        with open(rom, "wb") as f:
            f.write(b"\xf4" * 65536)
        good = os.path.join(tmp, "good.expected")
        with open(good, "w") as f:
            f.write("Hello\nworld\n")
        bad = os.path.join(tmp, "bad.expected")
        with open(bad, "w") as f:
            f.write("Hello\nmars\n")
        argsexp = os.path.join(tmp, "args.expected")
        with open(argsexp, "w") as f:
            f.write("-m 64M -smp 1\n")

        def check(name, want_rc, want_text, *args):
            nonlocal failures
            rc, out = runner(*args)
            ok = rc == want_rc and (want_text is None or want_text in out)
            print(("ok   " if ok else "FAIL ") + f"{name}: rc={rc} (want {want_rc})")
            if not ok:
                print("     runner output:\n" + "".join("     | " + l + "\n" for l in out.splitlines()))
                failures += 1

        base = ["--rom", rom, "--accel", "interp"]
        check("pass on the right output (CRLF normalised)", 0, "PASS",
              "--vessel", make_fake(tmp, "ok"), "--expected", good, *base)
        check("fail on a wrong expectation, with a diff", 1, "+world",
              "--vessel", make_fake(tmp, "ok"), "--expected", bad, *base)
        check("fail on a wrong exit status", 1, "exit status 3",
              "--vessel", make_fake(tmp, "status"), "--expected", good, *base)
        check("pass when the expected status is given", 0, "PASS",
              "--vessel", make_fake(tmp, "status"), "--expected", good, "--status", "3", *base)
        check("timeout kills the emulator and fails", 1, "timeout",
              "--vessel", make_fake(tmp, "hang"), "--expected", good, "--timeout", "1", *base)
        check("skip (77) on an unbuilt accelerator", 77, "SKIP",
              "--vessel", make_fake(tmp, "unbuilt"), "--expected", good, "--rom", rom, "--accel", "tcg")
        check("skip (77) when KVM is not available", 77, "SKIP",
              "--vessel", make_fake(tmp, "nokvm"), "--expected", good, "--rom", rom, "--accel", "kvm")
        check("no skip once the guest has printed", 1, "FAIL",
              "--vessel", make_fake(tmp, "crash"), "--expected", good, *base)
        check("--emulator-args are passed through", 0, "PASS",
              "--vessel", make_fake(tmp, "args"), "--expected", argsexp, "--emulator-args", "-m 64M -smp 1",
              *base)
        check("missing emulator fails", 1, "cannot run",
              "--vessel", os.path.join(tmp, "no-such-emulator"), "--expected", good, *base)
        check("missing ROM fails", 1, "ROM not found",
              "--vessel", make_fake(tmp, "ok"), "--expected", good, "--rom", rom + ".missing")
        regen = os.path.join(tmp, "regen.expected")
        check("--regen writes the reference output", 0, "wrote",
              "--qemu", "--qemu-binary", make_fake(tmp, "ok"), "--rom", rom, "--regen", regen)
        if open(regen).read() != "Hello\nworld\n":
            print("FAIL --regen file content")
            failures += 1
        check("--regen refuses a run with the wrong status", 1, "not regenerating",
              "--qemu", "--qemu-binary", make_fake(tmp, "status"), "--rom", rom, "--regen", regen)
    print("runner self-test: " + ("FAILED" if failures else "all passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
