#!/usr/bin/env python3
"""run-diff.py - differential test: random instruction blocks under Vessel and under QEMU TCG.

For each ROM (seeded, see gen.py): generate, assemble with nasm, run under
`vessel -accel interp` and `qemu-system-x86_64 -accel tcg`, compare the per-case dumps
(GPRs, RFLAGS with the flags the SDM leaves undefined masked, the 64-byte scratch buffer).
Prints "mode: N cases, M mismatches" per mode and the first differing case in full.
Exit 0 = no mismatch, 1 = mismatch, 2 = harness error, 77 = qemu or nasm missing.

    run-diff.py --vessel build/vessel [--modes real,prot,long] [--roms 10] [--cases 60]
                [--seed 1] [--keep DIR]
    run-diff.py --selftest          QEMU twice (determinism) and QEMU vs QEMU with an injected
                                    difference (must be found) and an undefined-flag one (masked)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, 'gen.py')
DUMP_LEN = 0x140
FLAG_NAMES = [(0x1, 'CF'), (0x4, 'PF'), (0x10, 'AF'), (0x40, 'ZF'), (0x80, 'SF'), (0x400, 'DF'),
              (0x800, 'OF')]


def build_rom(mode, seed, ncases, nins, workdir):
    base = os.path.join(workdir, '%s-%d' % (mode, seed))
    subprocess.run([sys.executable, GEN, '--mode', mode, '--seed', str(seed), '--cases',
                    str(ncases), '--insns', str(nins), '--out', base], check=True)
    subprocess.run(['nasm', '-f', 'bin', '-I', HERE + '/', '-o', base + '.rom', base + '.asm'],
                   check=True)
    with open(base + '.json') as f:
        meta = json.load(f)
    return base + '.rom', meta


# QEMU's CPU with the integer features Vessel's CPUID advertises and the generator uses
# (POPCNT, ABM = LZCNT, MOVBE; no BMI1, so F3 0F BC is BSF in both)
QEMU_CPU = 'qemu64,+popcnt,+abm,+movbe,-bmi1'


def qemu_cmd(qemu, rom):
    return [qemu, '-accel', 'tcg', '-cpu', QEMU_CPU, '-bios', rom, '-display', 'none',
            '-serial', 'stdio', '-device', 'isa-debug-exit', '-no-reboot', '-nodefaults',
            '-m', '64']


VESSEL_ACCEL = ['interp']


def vessel_cmd(vessel, rom):
    return [vessel, '-bios', rom, '-nographic', '-device', 'isa-debug-exit', '-no-reboot',
            '-accel', VESSEL_ACCEL[0]]


def run_both(cmds, timeout):
    """Run the commands concurrently; return their stdout texts (None on timeout)."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL) for c in cmds]
    outs = []
    for p in procs:
        try:
            out, _ = p.communicate(timeout=timeout)
            outs.append(out.decode('latin-1'))
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            outs.append(out.decode('latin-1') + '\n<TIMEOUT>\n')
    return outs


def parse(text):
    """The case dumps (bytes) and whether the run reached the end marker."""
    dumps, done = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('R ') and len(line) == 2 + 2 * DUMP_LEN:
            try:
                dumps.append(bytes.fromhex(line[2:]))
            except ValueError:
                dumps.append(None)
        elif line == 'D':
            done = True
    return dumps, done


def fields(mode, d):
    """Name -> value of every compared field of one dump."""
    out = {}
    if mode == 'long':
        names = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'] + \
                ['r%d' % i for i in range(8, 16)]
        for i, n in enumerate(names):
            out[n] = int.from_bytes(d[8 * i:8 * i + 8], 'little')
    else:
        for i, n in enumerate(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi']):
            out[n] = int.from_bytes(d[8 * i:8 * i + 4], 'little')
    out['flags'] = int.from_bytes(d[0x80:0x88], 'little')
    for i in range(0, 64, 8):
        out['mem+%02x' % i] = int.from_bytes(d[0x100 + i:0x108 + i], 'little')
    return out


def compare_case(mode, undef, a, b):
    """List of (field, value a, value b) that differ; flags compared outside `undef`."""
    if a is None or b is None:
        return [('dump', a, b)]
    fa, fb = fields(mode, a), fields(mode, b)
    diffs = []
    for k in fa:
        va, vb = fa[k], fb[k]
        if k == 'flags':
            va &= ~undef
            vb &= ~undef
        if va != vb:
            diffs.append((k, fa[k], fb[k]))
    return diffs


def flag_str(v):
    return ' '.join(n for m, n in FLAG_NAMES if v & m) or '-'


def report_case(mode, meta, idx, a, b, names):
    case = meta['cases'][idx]
    print('--- first mismatch: mode %s seed %d case %d (undefined flags masked: %s)' %
          (mode, meta['seed'], idx, flag_str(case['undef_flags'])))
    print('    instructions:')
    for ins in case['insns']:
        print('      ' + ins)
    for nm, d in zip(names, (a, b)):
        if d is None:
            print('    %s: <no dump>' % nm)
            continue
        f = fields(mode, d)
        print('    %s: ' % nm + ' '.join('%s=%x' % (k, v) for k, v in f.items()
                                       if not k.startswith('mem')))
        print('    %s: flags %s   mem %s' % (nm, flag_str(f['flags']), d[0x100:0x140].hex()))
    for k, va, vb in compare_case(mode, case['undef_flags'], a, b):
        if isinstance(va, int) and isinstance(vb, int):
            print('    differs: %s %s=%x %s=%x' % (k, names[0], va, names[1], vb))


def compare_run(mode, meta, out_a, out_b, names, state):
    """Compare two runs of one ROM; update state counters; return mismatching case count."""
    da, done_a = parse(out_a)
    db, done_b = parse(out_b)
    n = len(meta['cases'])
    bad = 0
    if not done_a or len(da) != n:
        print('harness error: %s gave %d of %d cases (seed %d, mode %s)' %
              (names[0], len(da), n, meta['seed'], mode))
        state['errors'] += 1
    for i in range(n):
        a = da[i] if i < len(da) else None
        b = db[i] if i < len(db) else None
        if a is None and b is None:
            continue
        if compare_case(mode, meta['cases'][i]['undef_flags'], a, b):
            bad += 1
            if state['first'] is None or state['verbose']:
                state['first'] = (mode, meta['seed'], i)
                report_case(mode, meta, i, a, b, names)
    return bad


def find_tool(name, given=None):
    if given:
        return given if os.path.exists(given) else None
    return shutil.which(name)


def selftest(args, qemu, workdir):
    ok = True
    rom, meta = build_rom('prot', args.seed, 30, args.insns, workdir)
    o1, o2 = run_both([qemu_cmd(qemu, rom), qemu_cmd(qemu, rom)], 60)
    if o1 != o2:
        print('selftest FAIL: two QEMU runs differ')
        ok = False
    state = {'errors': 0, 'first': None, 'verbose': False}
    if compare_run('prot', meta, o1, o2, ('qemu', 'qemu'), state) or state['errors']:
        print('selftest FAIL: QEMU vs QEMU mismatch')
        ok = False
    # injected difference: one bit of ESI in case 7 -> exactly one mismatch
    lines = o2.splitlines()
    rlines = [i for i, l in enumerate(lines) if l.startswith('R ')]
    li = rlines[7]
    d = bytearray.fromhex(lines[li][2:])
    d[6 * 8] ^= 0x10
    lines[li] = 'R ' + d.hex()
    state = {'errors': 0, 'first': None, 'verbose': False}
    n = compare_run('prot', meta, o1, '\n'.join(lines), ('qemu', 'qemu-injected'), state)
    if n != 1 or state['first'][2] != 7:
        print('selftest FAIL: injected difference found %d times' % n)
        ok = False
    # a difference only in an undefined flag must be masked
    undef_cases = [i for i, c in enumerate(meta['cases']) if c['undef_flags']]
    if undef_cases:
        i = undef_cases[0]
        lines = o2.splitlines()
        li = rlines[i]
        d = bytearray.fromhex(lines[li][2:])
        bit = meta['cases'][i]['undef_flags'] & -meta['cases'][i]['undef_flags']
        d[0x80] ^= bit & 0xff
        d[0x81] ^= bit >> 8
        lines[li] = 'R ' + d.hex()
        state = {'errors': 0, 'first': None, 'verbose': False}
        if compare_run('prot', meta, o1, '\n'.join(lines), ('qemu', 'qemu-flag'), state):
            print('selftest FAIL: undefined flag difference not masked')
            ok = False
    print('selftest %s' % ('ok' if ok else 'FAILED'))
    return 0 if ok else 1


def reduce_case(args, qemu, workdir):
    """Delta-reduce one mismatching case (MODE:SEED:CASE) to a minimal block by dropping
    one instruction line at a time while QEMU and Vessel still differ."""
    mode, seed, idx = args.reduce.split(':')
    seed, idx = int(seed), int(idx)
    rom, meta = build_rom(mode, seed, args.cases, args.insns, workdir)
    with open(rom[:-4] + '.asm') as f:
        src = f.read().splitlines()
    start = src.index('case_%d:' % idx)
    end = start + src[start:].index('call dump')
    head = src[:src.index('cases:') + 1]
    tail = ['call dump', 'jmp finish', 'times 0xFFF0 - ($ - $$) db 0xF4', 'bits 16',
            'jmp 0xF000:start', 'times 0x10000 - ($ - $$) db 0xF4']
    case = src[start:end]
    pop = max(i for i, l in enumerate(case) if l.startswith('popf'))
    save = min(i for i, l in enumerate(case) if l.startswith('mov [0x'))
    prefix, block, suffix = case[:pop + 1], case[pop + 1:save], case[save:]
    undef = meta['cases'][idx]['undef_flags']

    def differs(blk):
        path = os.path.join(workdir, 'reduce')
        with open(path + '.asm', 'w') as f:
            f.write('\n'.join(head + prefix + blk + suffix + tail) + '\n')
        if subprocess.run(['nasm', '-f', 'bin', '-I', HERE + '/', '-o', path + '.rom',
                           path + '.asm'], stderr=subprocess.DEVNULL).returncode:
            return None
        oq, ov = run_both([qemu_cmd(qemu, path + '.rom'), vessel_cmd(args.vessel, path + '.rom')],
                          30)
        dq, dv = parse(oq)[0], parse(ov)[0]
        if not dq:
            return None
        return bool(compare_case(mode, undef, dq[0], dv[0] if dv else None)), dq[0], \
            (dv[0] if dv else None)

    r = differs(block)
    if not r or not r[0]:
        print('reduce: case does not differ on its own')
        return 1
    changed = True
    while changed:      # passes until nothing more can go (a guard goes after its user)
        changed = False
        i = 0
        while i < len(block):
            if block[i].endswith(':'):
                i += 1
                continue
            trial = block[:i] + block[i + 1:]
            t = differs(trial)     # None: the trial faults (no dump), keep the line
            if t and t[0]:
                block = trial
                changed = True
            else:
                i += 1
    t = differs(block)
    meta['cases'][idx]['insns'] = block
    print('reduced block (%d lines), initial state:' % len(block))
    for l in prefix[1:]:
        print('      ' + l)
    report_case(mode, meta, idx, t[1], t[2], ('qemu', 'vessel'))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vessel')
    ap.add_argument('--qemu')
    ap.add_argument('--modes', default='real,prot,long')
    ap.add_argument('--roms', type=int, default=10)
    ap.add_argument('--cases', type=int, default=60)
    ap.add_argument('--insns', type=int, default=24)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--accel', default='interp', help="Vessel's accelerator (default interp)")
    ap.add_argument('--keep')
    ap.add_argument('--verbose', action='store_true', help='print every mismatching case')
    ap.add_argument('--selftest', action='store_true')
    ap.add_argument('--reduce', metavar='MODE:SEED:CASE',
                    help='minimise one mismatching case (needs --vessel)')
    args = ap.parse_args()
    VESSEL_ACCEL[0] = args.accel

    qemu = find_tool('qemu-system-x86_64', args.qemu)
    if not qemu or not shutil.which('nasm'):
        print('SKIP: qemu-system-x86_64 or nasm not found')
        return 77
    workdir = args.keep or tempfile.mkdtemp(prefix='vessel-diff-')
    os.makedirs(workdir, exist_ok=True)
    try:
        if args.selftest:
            return selftest(args, qemu, workdir)
        if not args.vessel or not os.path.exists(args.vessel):
            print('error: --vessel binary not found')
            return 2
        if args.reduce:
            return reduce_case(args, qemu, workdir)
        state = {'errors': 0, 'first': None, 'verbose': args.verbose}
        total_bad = 0
        for mode in args.modes.split(','):
            ncases = bad = 0
            for r in range(args.roms):
                seed = args.seed + r
                rom, meta = build_rom(mode, seed, args.cases, args.insns, workdir)
                oq, ov = run_both([qemu_cmd(qemu, rom), vessel_cmd(args.vessel, rom)], 60)
                bad += compare_run(mode, meta, oq, ov, ('qemu', 'vessel'), state)
                ncases += len(meta['cases'])
            print('%s: %d cases, %d mismatches' % (mode, ncases, bad), flush=True)
            total_bad += bad
        if state['errors']:
            return 2
        return 1 if total_bad else 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
