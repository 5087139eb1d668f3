"""Helpers shared by the command-line test scripts (test-cli.py, test-cli-kvm.py), imported
from the scripts' own directory (Python puts it first on sys.path)."""


def error_line_problems(code, err, needles):
    """The stderr lines of a run that must fail with exactly one 'vessel: ' error line
    naming every string in needles (case-insensitive) and exit status 1, and what is
    wrong with the run (an empty list when nothing is)."""
    lines = [l for l in err.splitlines() if l.strip()]
    problems = []
    if code != 1:
        problems.append(f"exit status {code}, expected 1")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines, expected 1: {err!r}")
    elif not lines[0].startswith("vessel: "):
        problems.append(f"error line does not start with 'vessel: ': {lines[0]!r}")
    else:
        for n in needles:
            if n.lower() not in lines[0].lower():
                problems.append(f"error line lacks {n!r}: {lines[0]!r}")
    return lines, problems


def spin_rom(path):
    """A 64 KiB ROM whose reset vector jumps to itself: a guest that never ends."""
    img = bytearray(64 * 1024)
    img[0xfff0:0xfff2] = b"\xeb\xfe"  # jmp $
    with open(path, "wb") as f:
        f.write(img)
