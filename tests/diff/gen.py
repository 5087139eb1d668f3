#!/usr/bin/env python3
"""gen.py - seeded generator of random x86 instruction blocks for the differential test.

Writes one nasm source per ROM (harness.inc + N cases) and a JSON sidecar with, per case,
the instruction list and the mask of arithmetic flags left undefined by the block (the
generator tracks, instruction by instruction and across forward branches, which flags the
Intel SDM leaves undefined; before an instruction that reads an undefined flag it emits a
CMP that defines all six).  Same seed -> same output.

    gen.py --mode real|prot|long --seed S --cases N --out DIR/NAME   (writes NAME.asm, NAME.json)
"""
import argparse
import json
import os
import random

C, P, A, Z, S, O = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ALL = C | P | A | Z | S | O

COND_READS = {'o': O, 'no': O, 'b': C, 'ae': C, 'e': Z, 'ne': Z, 'be': C | Z, 'a': C | Z,
              's': S, 'ns': S, 'p': P, 'np': P, 'l': S | O, 'ge': S | O, 'le': Z | S | O,
              'g': Z | S | O}

REGS64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'] + ['r%d' % i for i in range(8, 16)]
REGS32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] + ['r%dd' % i for i in range(8, 16)]
REGS16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] + ['r%dw' % i for i in range(8, 16)]
REGS8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'] + ['r%db' % i for i in range(8, 16)]
HIGH8 = ['ah', 'ch', 'dh', 'bh']
SIZE_KW = {8: 'byte', 16: 'word', 32: 'dword', 64: 'qword'}
SCRATCH = 0x10100
SCRATCH_LEN = 64
BASE_OFF = 0x20          # the base register points at SCRATCH + BASE_OFF
# DIFF_NO_RIPREL=1 in the environment: no RIP-relative operands (to look past a known bug)
NO_RIPREL = os.environ.get('DIFF_NO_RIPREL') == '1'
# Vessel's CPUID advertises POPCNT and ABM (LZCNT) but not BMI1 (TZCNT); QEMU is started
# with the same set (run-diff.py), so F3 0F BC is tested as BSF.
HAVE_BMI1 = False


class Gen:
    def __init__(self, mode, rnd):
        self.mode = mode
        self.r = rnd
        self.nregs = 16 if mode == 'long' else 8
        self.sizes = [8, 16, 32, 64] if mode == 'long' else [8, 16, 32]
        self.lab = 0
        # 16-bit code: real mode, or protected mode with 16-bit CS/SS (prot16); data segment
        # base 0x10000 so the scratch buffer is at offset 0x100
        self.b16 = mode in ('real', 'prot16')
        self.sbase = 0x100 if self.b16 else SCRATCH

    # ---- registers and operands ----
    def reg(self, size, idx):
        return {8: REGS8, 16: REGS16, 32: REGS32, 64: REGS64}[size][idx]

    def dst_idx(self, exclude=()):
        """A register number that may be written (not SP, not the base register BX)."""
        while True:
            i = self.r.randrange(self.nregs)
            if i not in (3, 4) and i not in exclude:
                return i

    def src_idx(self):
        while True:
            i = self.r.randrange(self.nregs)
            if i != 4:
                return i

    def reg8(self, write, legacy_only=False):
        """An 8-bit register name: low bytes, or AH/CH/DH (BH read only)."""
        if self.r.random() < 0.25 or (self.mode != 'long' and self.r.random() < 0.3):
            choices = ['ah', 'ch', 'dh'] + ([] if write else ['bh'])
            return self.r.choice(choices)
        while True:
            i = self.dst_idx() if write else self.src_idx()
            if self.mode != 'long' and i >= 4:
                continue
            if legacy_only and i >= 4:
                continue
            return REGS8[i]

    def rpair8(self):
        d = self.reg8(True)
        legacy = d in HIGH8 or self.mode != 'long'
        s = self.reg8(False, legacy_only=(d in HIGH8))
        if s in HIGH8 and d not in HIGH8 and d in REGS8[4:]:
            s = 'al'
        if d in REGS8[4:] and s in HIGH8:
            s = 'cl'
        return d, s

    def dreg(self, size, exclude=()):
        if size == 8:
            return self.reg8(True)
        return self.reg(size, self.dst_idx(exclude))

    def sreg(self, size):
        if size == 8:
            return self.reg8(False)
        return self.reg(size, self.src_idx())

    def mem(self, size):
        nbytes = size // 8
        if self.mode == 'long' and self.r.random() < 0.3 and not NO_RIPREL:
            off = self.r.randrange(0, SCRATCH_LEN - nbytes + 1)
            return '%s [rel $$ - 0x%x]' % (SIZE_KW[size], 0xF0000 - SCRATCH - off)
        if self.r.random() < 0.3:
            off = self.r.randrange(0, SCRATCH_LEN - nbytes + 1)
            # 16-bit code: sometimes a 32-bit absolute address (67 prefix)
            a32 = 'dword ' if self.b16 and self.r.random() < 0.3 else ''
            return '%s [%s0x%x]' % (SIZE_KW[size], a32, self.sbase + off)
        d = self.r.randrange(-BASE_OFF, SCRATCH_LEN - BASE_OFF - nbytes + 1)
        base = 'bx' if self.b16 else {'prot': 'ebx', 'long': 'rbx'}[self.mode]
        return '%s [%s%+d]' % (SIZE_KW[size], base, d)

    def imm(self, size):
        if size == 8:
            return self.r.randrange(256)
        if size == 16:
            return self.r.randrange(1 << 16)
        v = self.r.choice([self.r.randrange(1 << 32), self.r.randrange(256), 0x7fffffff,
                           0x80000000, 0xffffffff, 0])
        if size == 64 and v >= 0x80000000:
            v -= 1 << 32        # sign-extended imm32
        return v

    def size(self, no8=False):
        s = [x for x in self.sizes if not (no8 and x == 8)]
        return self.r.choice(s)

    def rm(self, size, write=True):
        if self.r.random() < 0.4:
            return self.mem(size), True
        return (self.dreg(size) if write else self.sreg(size)), False

    def lock(self, is_mem):
        return 'lock ' if is_mem and self.r.random() < 0.3 else ''

    # ---- instruction families: each returns (lines, reads, defines, undefined) ----
    def i_alu2(self):
        op = self.r.choice(['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test'])
        sz = self.size()
        form = self.r.randrange(4)
        if form == 0:
            if sz == 8:
                d, s = self.rpair8()
            else:
                d, s = self.dreg(sz), self.sreg(sz)
            txt = '%s %s, %s' % (op, d, s)
        elif form == 1 and op != 'test':
            txt = '%s %s, %s' % (op, self.dreg(sz), self.mem(sz))
        elif form == 2:
            m = self.mem(sz)
            txt = '%s%s %s, %s' % (self.lock(op not in ('cmp', 'test')), op, m,
                                   self.sreg(sz))
        else:
            d, _ = self.rm(sz)
            txt = '%s %s, %s' % (op, d, self.imm(sz))
        reads = C if op in ('adc', 'sbb') else 0
        if op in ('and', 'or', 'xor', 'test'):
            return [txt], reads, ALL & ~A, A
        return [txt], reads, ALL, 0

    def i_alu1(self):
        op = self.r.choice(['inc', 'dec', 'neg', 'not'])
        sz = self.size()
        d, m = self.rm(sz)
        txt = '%s%s %s' % (self.lock(m and op != 'neg' and op != 'not'), op, d)
        if op in ('inc', 'dec'):
            return [txt], 0, ALL & ~C, 0
        if op == 'neg':
            return [txt], 0, ALL, 0
        return [txt], 0, 0, 0

    def i_shift(self):
        op = self.r.choice(['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar'])
        sz = self.size()
        cmask = 0x3f if sz == 64 else 0x1f
        pre = []
        k = self.r.choice([1, 1, self.r.randrange(0, 40), self.r.randrange(0, sz + 2)])
        form = self.r.randrange(3)
        if form == 0:
            k = 1
            cnt = '1'
        elif form == 1:
            cnt = str(k & 0xff)
        else:
            pre.append('mov cl, %d' % k)
            cnt = 'cl'
        while True:
            d, _ = self.rm(sz)
            if not (cnt == 'cl' and d.split()[-1] in ('cl', 'cx', 'ecx', 'rcx', 'ch')):
                break
        m = k & cmask
        reads = C if op in ('rcl', 'rcr') else 0
        lines = pre + ['%s %s, %s' % (op, d, cnt)]
        if m == 0:
            return lines, reads, 0, 0
        if op in ('rol', 'ror', 'rcl', 'rcr'):
            und = O if m != 1 else 0
            return lines, reads, (C | O) & ~und, und
        und = A | (O if m != 1 else 0) | (C if m >= sz else 0)
        if m >= sz:     # 8/16-bit shifted by >= width: result is well-defined, flags partly
            und |= O
        return lines, reads, ALL & ~und, und

    def i_shxd(self):
        op = self.r.choice(['shld', 'shrd'])
        sz = self.r.choice([s for s in self.sizes if s != 8])
        k = self.r.randrange(0, 16 if sz == 16 else (64 if sz == 64 else 32))
        pre = []
        if self.r.random() < 0.5:
            pre.append('mov cl, %d' % (k | (self.r.randrange(2) << 5 if sz != 64 else 0)
                                       if sz != 16 else k))
            cnt = 'cl'
        else:
            cnt = str(k)
        while True:
            d, _ = self.rm(sz)
            s = self.sreg(sz)
            if cnt == 'cl' and d.split()[-1] in ('cx', 'ecx', 'rcx'):
                continue
            # QEMU 7.2 bases a RIP-relative operand of SHLD/SHRD imm8 before the imm8
            # (one byte low; the SDM and Vessel use the next instruction's address):
            # keep that form out of the comparison (tests/diff/repro/riprel-imm.asm).
            if cnt != 'cl' and '[rel' in d:
                continue
            break
        lines = pre + ['%s %s, %s, %s' % (op, d, s, cnt)]
        if k == 0:
            return lines, 0, 0, 0
        und = A | (O if k != 1 else 0)
        return lines, 0, ALL & ~und, und

    def i_mul(self):
        sz = self.size()
        form = self.r.randrange(3) if sz != 8 else 0
        if form == 0:
            op = self.r.choice(['mul', 'imul'])
            s, _ = self.rm(sz, write=False)
            txt = '%s %s' % (op, s)
        elif form == 1:
            s, _ = self.rm(sz, write=False)
            txt = 'imul %s, %s' % (self.dreg(sz), s)
        else:
            s, _ = self.rm(sz, write=False)
            imm = self.r.randrange(-128, 128) if self.r.random() < 0.5 else self.imm(
                min(sz, 32) if sz != 16 else 16)
            if sz == 64 and imm >= 0x80000000:
                imm -= 1 << 32
            txt = 'imul %s, %s, %d' % (self.dreg(sz), s, imm)
        return [txt], 0, C | O, S | Z | A | P

    def i_div(self):
        op = self.r.choice(['div', 'idiv'])
        sz = self.size()
        dv = self.reg(sz, self.dst_idx(exclude=(0, 2))) if sz != 8 else self.r.choice(
            ['cl', 'dl', 'ch', 'dh'] + (['sil', 'r9b'] if self.mode == 'long' else []))
        lines = []
        if sz == 8:
            lines.append('movzx ax, al' if op == 'div' else 'cbw')
        else:
            if op == 'div':
                lines.append('xor %s, %s' % ((self.reg(sz, 2),) * 2))
            else:
                lines.append({16: 'cwd', 32: 'cdq', 64: 'cqo'}[sz])
        if op == 'idiv':
            mask = {8: 0x7f, 16: 0x7fff, 32: 0x7fffffff, 64: 0x7fffffff}[sz]
            lines.append('and %s, 0x%x' % (dv, mask))
        lines.append('or %s, 1' % dv)
        if sz != 8 and self.r.random() < 0.3:
            m = self.mem(sz)
            lines.append('mov %s, %s' % (m, dv))
            lines.append('%s %s' % (op, m))
        else:
            lines.append('%s %s' % (op, dv))
        return lines, 0, 0, ALL

    def i_bcd(self):
        if self.mode == 'long':
            return self.i_alu2()
        op = self.r.choice(['daa', 'das', 'aaa', 'aas', 'aam', 'aad'])
        if op in ('daa', 'das'):
            return [op], C | A, ALL & ~O, O
        if op in ('aaa', 'aas'):
            return [op], A, A | C, O | S | Z | P
        if op == 'aam':
            txt = 'aam %d' % self.r.choice([10, self.r.randrange(1, 256)])
        else:
            txt = 'aad %d' % self.r.choice([10, self.r.randrange(0, 256)])
        return [txt], 0, S | Z | P, O | A | C

    def i_bit(self):
        sz = self.r.choice([s for s in self.sizes if s != 8])
        if self.r.random() < 0.35:
            op = self.r.choice(['bsf', 'bsr'])
            s, ism = self.rm(sz, write=False)
            lines = []
            if ism:
                lines.append('or %s, %d' % (s, 1 << self.r.randrange(sz if sz < 32 else 31)))
            else:
                if s.split()[-1] in (self.reg(sz, 3), self.reg(sz, 4)):
                    s = self.reg(sz, 0)
                lines.append('or %s, %d' % (s, 1 << self.r.randrange(min(sz, 31))))
            lines.append('%s %s, %s' % (op, self.dreg(sz), s))
            return lines, 0, Z, C | O | S | A | P
        op = self.r.choice(['bt', 'bts', 'btr', 'btc'])
        if self.r.random() < 0.3:
            return self.bit_string(op, sz)
        d, ism = self.rm(sz, write=(op != 'bt'))
        if ism or self.r.random() < 0.5:
            txt = '%s%s %s, %d' % (self.lock(ism and op != 'bt'), op, d, self.r.randrange(256))
        else:
            txt = '%s %s, %s' % (op, d, self.sreg(sz))
        return [txt], 0, C, O | S | A | P

    def bit_string(self, op, sz):
        """BT* m, r: the signed bit offset in the register selects an operand-size unit
        before or after the addressed one; chosen so that unit stays in the scratch buffer."""
        nb = sz // 8
        o = self.r.randrange(0, SCRATCH_LEN - nb + 1)
        u = self.r.randrange(-(o // nb), (SCRATCH_LEN - nb - o) // nb + 1)
        k = u * sz + self.r.randrange(sz)
        r = self.reg(sz, self.dst_idx())
        a32 = 'dword ' if self.b16 and self.r.random() < 0.3 else ''
        m = '%s [%s0x%x]' % (SIZE_KW[sz], a32, self.sbase + o)
        lk = 'lock ' if op != 'bt' and self.r.random() < 0.3 else ''
        return ['mov %s, %d' % (r, k), '%s%s %s, %s' % (lk, op, m, r)], 0, C, O | S | A | P

    def i_sreg(self):
        """Segment registers as data: MOV r/m, Sreg (32/64-bit register forms zero-extend),
        PUSH Sreg / POP r, and a reload of a segment register with its own selector
        (MOV Sreg, r for ES/DS/SS; PUSH/POP for FS/GS, which may hold a null selector)."""
        segs = ['es', 'ds', 'ss', 'cs'] + (['fs', 'gs'] if self.mode != 'real' else [])
        sg = self.r.choice(segs)
        k = self.r.randrange(4)
        if k == 0:
            return ['mov %s, %s' % (self.dreg(self.r.choice(self.sizes[1:])), sg)], 0, 0, 0
        if k == 1:
            return ['mov %s, %s' % (self.mem(16), sg)], 0, 0, 0
        dw = self.opw()[0]
        if k == 2:
            if self.mode == 'long' and sg not in ('fs', 'gs'):
                sg = self.r.choice(['fs', 'gs'])
            # a 32/64-bit PUSH Sreg writes either a zero-extended selector or only the low
            # 16 bits (SDM PUSH; recent Intel CPUs and Vessel: 16-bit move, QEMU: zero-
            # extended): compare the selector only
            i = self.dst_idx()
            lines = ['push %s' % sg, 'pop %s' % self.reg(dw, i)]
            if dw != 16:
                lines.append('movzx %s, %s' % (self.reg(dw, i), self.reg(16, i)))
            return lines, 0, 0, 0
        if sg == 'cs':
            sg = 'ds'
        if sg in ('fs', 'gs'):
            return ['push %s' % sg, 'pop %s' % sg], 0, 0, 0
        r = self.reg(16, self.dst_idx())
        return ['mov %s, %s' % (r, sg), 'mov %s, %s' % (sg, r)], 0, 0, 0

    def i_nop(self):
        sz = self.r.choice([16, 32])
        return ['nop %s' % self.mem(sz)], 0, 0, 0

    def i_count(self):
        """POPCNT, LZCNT (CPUID ABM) and F3 0F BC: TZCNT needs BMI1, which Vessel's CPUID
        does not advertise, so there (as on hardware without BMI1) F3 0F BC is BSF."""
        sz = self.r.choice([s for s in self.sizes if s != 8])
        op = self.r.choice(['popcnt', 'lzcnt', 'tzcnt'])
        s, ism = self.rm(sz, write=False)
        lines = []
        if op == 'tzcnt' and not HAVE_BMI1 or self.r.random() < 0.3:
            # BSF semantics: a zero source leaves the destination undefined -> make it
            # non-zero; elsewhere: sometimes a power of two (leading/trailing zeros)
            if not ism and s.split()[-1] in (self.reg(sz, 3), self.reg(sz, 4)):
                s = self.reg(sz, 0)
            if ism or op == 'tzcnt' and not HAVE_BMI1:
                lines.append('or %s, %d' % (s, 1 << self.r.randrange(min(sz, 31))))
            else:
                v = self.r.choice([0, 1 << self.r.randrange(min(sz, 31))])
                lines.append('mov %s, %d' % (s, v))
        lines.append('%s %s, %s' % (op, self.dreg(sz), s))
        if op == 'popcnt':
            return lines, 0, ALL, 0
        if op == 'tzcnt' and not HAVE_BMI1:
            return lines, 0, Z, C | O | S | A | P
        return lines, 0, C | Z, O | S | A | P

    def i_movbe(self):
        # QEMU 7.2 picks MOVBE's operand size from the 66 prefix alone (16 with it, 32
        # without), also in 16-bit code where that is backwards (repro/movbe16.asm)
        if self.b16:
            return self.i_alu2()
        sz = self.r.choice([s for s in self.sizes if s != 8])
        m = self.mem(sz)
        if self.r.random() < 0.5:
            return ['movbe %s, %s' % (self.dreg(sz), m)], 0, 0, 0
        return ['movbe %s, %s' % (m, self.sreg(sz))], 0, 0, 0

    def opw(self):
        """Default operand width of the code segment and the other one (16 <-> 32)."""
        if self.mode == 'long':
            return 64, 16
        return (16, 32) if self.b16 else (32, 16)

    def i_enter(self):
        """ENTER size, level with BP inside the stack page, reads of the new frame, LEAVE.
        Operand size may differ from the stack size in 16/32-bit code."""
        dw, ow = self.opw()
        w = dw if self.mode == 'long' or self.r.random() < 0.6 else ow
        pfx = '' if w == dw else {16: 'o16 ', 32: 'o32 '}[w]
        bp = self.reg(32 if self.mode != 'long' else 64, 5)
        hi = self.r.randrange(1 << 16) << 16 if self.b16 else 0
        lines = ['mov %s, 0x%x' % (bp, hi | (0x8E00 + 2 * self.r.randrange(0x80)))]
        level = self.r.choice([0, 1, self.r.randrange(0, 5), self.r.randrange(0, 32)])
        lines.append('%senter %d, %d' % (pfx, self.r.randrange(0, 0x40), level))
        sbp = 'bp' if self.b16 else bp     # stack address size = code size here
        for k in range(1, min(level, 3) + 1):
            lines.append('mov %s, [%s-%d]' % (self.dreg(w, exclude=(5,)), sbp, k * w // 8))
        if self.r.random() < 0.5:
            lines.append('mov %s, %s' % (self.dreg(w, exclude=(5,)), self.reg(w, 5)))
        lines.append('%sleave' % pfx)
        return lines, 0, 0, 0

    def i_pusha(self):
        """PUSHA/PUSHAD, pop some of the saved registers (SP slot included), push others
        in their place, POPA of the same width."""
        if self.mode == 'long':
            return self.i_movbe()
        dw, ow = self.opw()
        w = dw if self.r.random() < 0.6 else ow
        sfx = 'w' if w == 16 else 'd'
        k = self.r.randrange(0, 9)
        lines = ['pusha' + sfx]
        lines += ['pop %s' % self.dreg(w) for _ in range(k)]
        # the pushes refill slots k-1 ... 0 (0 = DI, 3 = SP (skipped by POPA), 4 = BX):
        # BX, the base of memory operands, gets its own value back
        lines += ['push %s' % (self.reg(w, 3) if k - 1 - j == 4 else self.sreg(w))
                  for j in range(k)]
        lines.append('popa' + sfx)
        return lines, 0, 0, 0

    def i_call(self):
        """Near CALL (direct, register or memory indirect) to a routine that returns with
        RET imm16 over arguments pushed before the call."""
        dw = self.opw()[0]
        self.lab += 1
        f, e = '.F%d' % self.lab, '.E%d' % self.lab
        nargs = self.r.randrange(0, 3)
        lines = ['push %s' % self.sreg(dw) for _ in range(nargs)]
        target = f if self.mode != 'prot' else '0xF0000 + %s' % f
        how = self.r.randrange(3)
        if how == 0:
            lines.append('call %s' % f)
        else:
            r = self.reg(dw, self.dst_idx())
            if self.mode == 'long':
                lines.append('lea %s, [rel %s]' % (r, f))
            else:
                lines.append('mov %s, %s' % (r, target))
            if how == 1:
                lines.append('call %s' % r)
            else:
                m = self.mem(dw)
                lines += ['mov %s, %s' % (m, r), 'call %s' % m]
        lines += ['jmp %s' % e, f + ':']
        if self.r.random() < 0.5:
            lines.append('mov %s, %s' % (self.dreg(dw), self.sreg(dw)))
        lines += ['ret %d' % (nargs * dw // 8) if nargs or self.r.random() < 0.3 else 'ret',
                  e + ':']
        return lines, 0, 0, 0

    def i_bound(self):
        """BOUND with bounds that hold (no #BR): each bound is the index itself or the
        extreme signed value."""
        if self.mode == 'long':
            return self.i_movbe()
        w = self.r.choice([16, 32])
        r = self.sreg(w)
        off = self.r.randrange(0, (SCRATCH_LEN - 2 * w // 8) // 4 + 1) * 4
        lo = '%s [0x%x]' % (SIZE_KW[w], self.sbase + off)
        hi = '%s [0x%x]' % (SIZE_KW[w], self.sbase + off + w // 8)
        lines = ['mov %s, %s' % (lo, r) if self.r.random() < 0.5 else
                 'mov %s, 0x%x' % (lo, 1 << (w - 1)),
                 'mov %s, %s' % (hi, r) if self.r.random() < 0.5 else
                 'mov %s, 0x%x' % (hi, (1 << (w - 1)) - 1),
                 'bound %s, [0x%x]' % (r, self.sbase + off)]
        return lines, 0, 0, 0

    def i_lfp(self):
        """LFS/LGS (and LDS/LES in 16-bit code, with DS's own selector) from a far pointer
        in the scratch buffer, then a load through the segment."""
        w = self.r.choice([16, 32])
        seg = self.r.choice(['fs', 'gs'] + (['es'] if self.b16 else []))
        sel = {'real': 0x1000, 'prot16': 0x28, 'prot': 0x10, 'long': 0x10}[self.mode]
        off = self.r.randrange(0, SCRATCH_LEN - 8 + 1)
        p = self.sbase + off
        d = self.dreg(w)
        val = (self.sbase + self.r.randrange(0, SCRATCH_LEN - 3)) & ((1 << w) - 1)
        if self.mode != 'real' and self.r.random() < 0.2 and seg != 'es':
            sel = 0     # a null selector in FS/GS is fine until used
        lines = ['mov %s [0x%x], 0x%x' % (SIZE_KW[w], p, val),
                 'mov word [0x%x], 0x%x' % (p + w // 8, sel),
                 'l%s %s, [0x%x]' % (seg, d, p)]
        if sel:
            lines.append('mov %s, [%s:0x%x]' % (self.dreg(self.r.choice([16, 32])), seg,
                                                 self.sbase + self.r.randrange(SCRATCH_LEN - 3)))
        return lines, 0, 0, 0

    def i_atomic(self):
        op = self.r.choice(['cmpxchg', 'xadd', 'xchg'])
        sz = self.size()
        if sz == 8:
            d, s = self.rpair8()
            if self.r.random() < 0.5:
                d = self.mem(8)
        else:
            d, _ = self.rm(sz)
            s = self.dreg(sz)
        if self.r.random() < 0.15:
            # CMPXCHG8B / CMPXCHG16B on an aligned scratch slot: only ZF changes (SDM).
            # QEMU 7.2 TCG computes RFLAGS for them from a stale cc_op (garbage in every flag,
            # e.g. `test; cmpxchg8b` gives CF=1 or RFLAGS=EBX|2), unless the translation block
            # starts there: PUSHF/POPF in front ends QEMU's block and changes nothing.
            pf = ['pushfq', 'popfq'] if self.mode == 'long' else ['pushf', 'popf']
            if self.mode == 'long' and self.r.random() < 0.5:
                m = 'oword [0x%x]' % (SCRATCH + 16 * self.r.randrange(4))
                return pf + ['%scmpxchg16b %s' % (self.lock(True), m)], 0, Z, 0
            m = 'qword [0x%x]' % (self.sbase + 8 * self.r.randrange(8))
            return pf + ['%scmpxchg8b %s' % (self.lock(True), m)], 0, Z, 0
        is_mem = '[' in d
        pre = self.lock(is_mem and op != 'xchg')
        txt = '%s%s %s, %s' % (pre, op, d, s)
        if op == 'xchg':
            return [txt], 0, 0, 0
        return [txt], 0, ALL, 0

    def i_cond(self):
        cc = self.r.choice(list(COND_READS))
        if self.r.random() < 0.5:
            d, _ = self.rm(8)
            return ['set%s %s' % (cc, d)], COND_READS[cc], 0, 0
        sz = self.r.choice([s for s in self.sizes if s != 8])
        s, _ = self.rm(sz, write=False)
        return ['cmov%s %s, %s' % (cc, self.dreg(sz), s)], COND_READS[cc], 0, 0

    def i_move(self):
        k = self.r.randrange(7)
        if k == 6:
            op = self.r.choice(['xlatb', 'loop', 'jcxz', 'movsxd', 'xchg'])
            if op == 'movsxd' and self.mode == 'long':
                s, _ = self.rm(32, write=False)
                return ['movsxd %s, %s' % (self.dreg(64), s)], 0, 0, 0
            if op in ('loop', 'jcxz'):
                # a branch over nothing: only the count register changes
                self.lab += 1
                if op == 'jcxz':
                    op = 'jcxz' if self.b16 else {'prot': 'jecxz', 'long': 'jrcxz'}[self.mode]
                return ['%s .M%d' % (op, self.lab), '.M%d:' % self.lab], 0, 0, 0
            if op == 'xchg':
                sz = self.r.choice([s for s in self.sizes if s != 8])
                return ['xchg %s, %s' % (self.reg(sz, 0), self.dreg(sz))], 0, 0, 0
            return ['xlatb'], 0, 0, 0
        if k == 0:
            sz = self.r.choice([s for s in self.sizes if s != 8])
            ssz = self.r.choice([8, 16] if sz > 16 else [8])
            s, _ = self.rm(ssz, write=False)
            if ssz == 8 and s in HIGH8 and self.mode == 'long' and sz == 64:
                s = 'al'
            d = self.dreg(sz)
            if self.mode == 'long' and s in HIGH8 and d in REGS32[8:] + REGS16[8:]:
                s = 'cl'
            return ['%s %s, %s' % (self.r.choice(['movzx', 'movsx']), d, s)], 0, 0, 0
        if k == 1:
            sz = self.r.choice([s for s in self.sizes if s != 8])
            if self.b16:
                b, i = self.r.choice([('bx', 'si'), ('bx', 'di'), ('bp', 'si'), ('bp', 'di')])
                ea = '%s+%s%+d' % (b, i, self.r.randrange(-300, 300))
            else:
                w = 64 if self.mode == 'long' else 32
                b = self.reg(w, self.src_idx())
                i = self.reg(w, self.src_idx())
                ea = '%s+%s*%d%+d' % (b, i, self.r.choice([1, 2, 4, 8]),
                                      self.r.randrange(-0x10000, 0x10000))
            return ['lea %s, [%s]' % (self.dreg(sz), ea)], 0, 0, 0
        if k == 2:
            sz = self.size()
            if sz == 8:
                d, s = self.rpair8()
                return ['mov %s, %s' % (d, s)], 0, 0, 0
            if self.r.random() < 0.5:
                return ['mov %s, %s' % (self.mem(sz), self.sreg(sz))], 0, 0, 0
            return ['mov %s, %s' % (self.dreg(sz), self.mem(sz))], 0, 0, 0
        if k == 3:
            sz = self.r.choice([32, 64] if self.mode == 'long' else [32])
            return ['bswap %s' % self.dreg(sz)], 0, 0, 0
        if k == 4:
            ops = ['cbw', 'cwde', 'cwd', 'cdq'] + (['cdqe', 'cqo'] if self.mode == 'long' else [])
            return [self.r.choice(ops)], 0, 0, 0
        op = self.r.choice(['clc', 'stc', 'cmc', 'lahf', 'sahf', 'pushflags'])
        if op == 'clc' or op == 'stc':
            return [op], 0, C, 0
        if op == 'cmc':
            return [op], C, C, 0
        if op == 'lahf':
            return [op], S | Z | A | P | C, 0, 0
        if op == 'sahf':
            return [op], 0, S | Z | A | P | C, 0
        w = 16 if self.b16 else {'prot': 32, 'long': 64}[self.mode]
        return ['pushf', 'pop %s' % self.dreg(w)], ALL, 0, 0

    def i_string(self):
        sz = self.r.choice(self.sizes)
        nb = sz // 8
        sfx = {8: 'b', 16: 'w', 32: 'd', 64: 'q'}[sz]
        op = self.r.choice(['movs', 'stos', 'lods', 'cmps', 'scas'])
        rep = ''
        cnt = 1
        if self.r.random() < 0.7 and op != 'lods':
            cnt = self.r.randrange(0, 6)
            rep = {'cmps': self.r.choice(['repe ', 'repne ']),
                   'scas': self.r.choice(['repe ', 'repne '])}.get(op, 'rep ')
        std = self.r.random() < 0.3
        span = max(cnt, 1) * nb
        if std:
            a = self.r.randrange(span - nb, SCRATCH_LEN - nb + 1)
        else:
            a = self.r.randrange(0, SCRATCH_LEN - span + 1)
        b = self.r.randrange(span - nb, SCRATCH_LEN - nb + 1) if std else \
            self.r.randrange(0, SCRATCH_LEN - span + 1)
        base = self.sbase
        w = '' if self.b16 else 'e'
        lines = ['std' if std else 'cld',
                 'mov %ssi, 0x%x' % (w, base + a), 'mov %sdi, 0x%x' % (w, base + b)]
        if rep:
            lines.append('mov %scx, %d' % (w, cnt))
        lines.append('%s%s%s' % (rep, op, sfx))
        if op in ('cmps', 'scas') and not (rep and cnt == 0):
            return lines, 0, ALL, 0
        return lines, 0, 0, 0

    def i_stack(self):
        w = {'real': self.r.choice([16, 32]), 'prot16': self.r.choice([16, 16, 32]),
             'prot': self.r.choice([32, 32, 16]),
             'long': self.r.choice([64, 64, 16])}[self.mode]
        if self.depth >= 8 or (self.depth > 0 and self.r.random() < 0.5):
            # pop: only what the block pushed (same width in bytes)
            w = self.pushed.pop()
            self.depth -= 1
            if self.r.random() < 0.3:
                return ['pop %s' % self.mem(w)], 0, 0, 0
            return ['pop %s' % self.dreg(w)], 0, 0, 0
        self.pushed.append(w)
        self.depth += 1
        k = self.r.randrange(3)
        if k == 0:
            return ['push %s' % self.sreg(w)], 0, 0, 0
        if k == 1:
            return ['push %s' % self.mem(w)], 0, 0, 0
        v = self.r.randrange(-128, 128) if w != 16 else self.r.randrange(1 << 16)
        return ['push %s %d' % (SIZE_KW[w], v)], 0, 0, 0

    # ---- a block ----
    def block(self, n):
        fams = [(self.i_alu2, 14), (self.i_alu1, 5), (self.i_shift, 10), (self.i_shxd, 5),
                (self.i_mul, 5), (self.i_div, 4), (self.i_bcd, 4 if self.mode != 'long' else 0),
                (self.i_bit, 6), (self.i_count, 3), (self.i_atomic, 5), (self.i_cond, 6),
                (self.i_move, 8),
                (self.i_string, 4), (self.i_stack, 4), (self.i_movbe, 2), (self.i_enter, 2),
                (self.i_pusha, 2), (self.i_call, 2), (self.i_bound, 1), (self.i_lfp, 2),
                (self.i_sreg, 2), (self.i_nop, 1)]
        fns = [f for f, w in fams for _ in range(w)]
        self.depth = 0
        self.pushed = []
        taint = 0
        pending = []    # (unit index of target, label, taint at branch)
        out = []
        lab = 0
        for u in range(n):
            for p in [p for p in pending if p[0] == u]:
                out.append('.L%d:' % p[1])
                taint |= p[2]
                pending.remove(p)
            if self.r.random() < 0.1 and u < n - 1:
                cc = self.r.choice(list(COND_READS) + ['mp'])
                reads = COND_READS.get(cc, 0)
                if reads & taint:
                    out.append('cmp %s, %s' % (self.sreg(32), self.sreg(32)))
                    taint = 0
                pending.append((self.r.randrange(u + 1, min(n, u + 5) + 1), lab, taint))
                out.append('j%s .L%d' % (cc, lab))
                lab += 1
                continue
            while True:
                f = self.r.choice(fns)
                if f == self.i_stack and pending:
                    continue
                break
            lines, reads, defs, und = f()
            if reads & taint:
                out.append('cmp %s, %s' % (self.sreg(32), self.sreg(32)))
                taint = 0
            out.extend(lines)
            taint = (taint & ~(defs | und)) | und
        for p in pending:
            out.append('.L%d:' % p[1])
            taint |= p[2]
        return out, taint

    # ---- a case: initial state, block, dump ----
    def case(self, idx, nins):
        r = self.r
        lines = ['case_%d:' % idx]
        for i in range(0, SCRATCH_LEN, 4):
            addr = self.sbase + i
            lines.append('mov dword [0x%x], 0x%08x' % (addr, r.randrange(1 << 32)))
        wide = 64 if self.mode == 'long' else 32
        for i in range(self.nregs):
            if i == 4:
                lines.append('mov %s, 0x9000' % self.reg(wide, 4))
            elif i == 3:
                base = self.sbase + BASE_OFF
                hi = r.randrange(1 << 16) << 16 if self.b16 else 0
                lines.append('mov %s, 0x%x' % (self.reg(wide, 3), hi | base))
            else:
                v = r.choice([r.randrange(1 << wide), r.randrange(256), 0, (1 << wide) - 1,
                              1 << (wide - 1), r.randrange(1 << 16)])
                lines.append('mov %s, 0x%x' % (self.reg(wide, i), v))
        fl = 0x2 | (r.randrange(1 << 12) & ALL)
        if self.mode == 'long':
            lines += ['push qword 0x%x' % fl, 'popfq']
        else:
            lines += ['push dword 0x%x' % fl, 'popfd']
        body, taint = self.block(nins)
        lines += body
        res = 0 if self.b16 else 0x10000
        for i in range(self.nregs):
            lines.append('mov [0x%x], %s' % (res + 8 * i, self.reg(wide, i)))
        if self.mode == 'long':
            lines += ['pushfq', 'pop qword [0x%x]' % (res + 0x80)]
        else:
            lines += ['pushfd', 'pop dword [0x%x]' % (res + 0x80)]
        lines.append('call dump')
        return lines, body, taint


def generate(mode, seed, ncases, nins, path):
    rnd = random.Random('%s-%d' % (mode, seed))
    g = Gen(mode, rnd)
    src = ['; generated by tests/diff/gen.py --mode %s --seed %d --cases %d' % (mode, seed, ncases),
           '%%define MODE_%s' % mode.upper(), '%include "harness.inc"',
           {'real': 'bits 16', 'prot16': 'bits 16', 'prot': 'bits 32', 'long': 'bits 64'}[mode],
           'cases:']
    meta = []
    for i in range(ncases):
        lines, body, taint = g.case(i, nins)
        src += lines
        meta.append({'insns': body, 'undef_flags': taint})
    src += ['jmp finish', 'times 0xFFF0 - ($ - $$) db 0xF4', 'bits 16',
            'jmp 0xF000:start', 'times 0x10000 - ($ - $$) db 0xF4']
    with open(path + '.asm', 'w') as f:
        f.write('\n'.join(src) + '\n')
    with open(path + '.json', 'w') as f:
        json.dump({'mode': mode, 'seed': seed, 'cases': meta}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['real', 'prot16', 'prot', 'long'], required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--cases', type=int, default=40)
    ap.add_argument('--insns', type=int, default=24)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    generate(a.mode, a.seed, a.cases, a.insns, a.out)


if __name__ == '__main__':
    main()
