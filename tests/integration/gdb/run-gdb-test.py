#!/usr/bin/env python3
"""Drive the real gdb (batch mode) and raw protocol clients against vessel's gdb stub.

usage: run-gdb-test.py --vessel VESSEL --rom ROM --case NAME [--gdb GDB]
Cases: modes, interrupt, hostile, unix, i386 (gdbguest.asm); syswatch, sysread, step (gdbsys.asm).  Exit 77 (skip) if gdb is missing.
The guest (gdbguest.asm) lists its labels at ROM offset 0xFF00.
"""
import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

LABELS = ['real_bp', 'prot_bp', 'long_bp', 'reg_bp', 'watch_store', 'spin', 'hw_bp']
SYS_LABELS = ['int_bp', 'after_int', 'int_handler', 'ud_insn', 'ud_handler', 'irq_bp',
              'irq_handler', 'hlt_bp', 'after_hlt', 'watch_slot']   # gdbsys.asm


def fail(msg, *outputs):
    print('FAIL:', msg)
    for o in outputs:
        print('----\n' + (o or ''))
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def labels(rom, names=LABELS):
    data = open(rom, 'rb').read()
    return dict(zip(names, struct.unpack_from('<%dI' % len(names), data, 0xFF00)))


class Vessel:
    def __init__(self, args, gdb_spec, stopped=True):
        cmd = [args.vessel, '-bios', args.rom, '-nographic', '-device', 'isa-debug-exit',
               '-gdb', gdb_spec, '-accel', args.accel]
        if stopped:
            cmd.append('-S')
        self.out = tempfile.TemporaryFile()
        self.p = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)

    def output(self):
        self.out.seek(0)
        return self.out.read().decode(errors='replace')

    def wait(self, timeout=20):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def run_gdb(args, target, cmds, timeout=40, sigint_after=None, arch='i386:x86-64'):
    argv = [args.gdb, '-nx', '-batch', '-ex', 'set architecture ' + arch,
            '-ex', 'set pagination off', '-ex', 'target remote ' + target]
    for c in cmds:
        argv += ['-ex', c]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    if sigint_after is not None:
        time.sleep(sigint_after)
        p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        fail('gdb timed out', out)
    return out


def expect(out, *needles, vessel=None):
    for n in needles:
        if n not in out:
            fail('expected %r in gdb output' % n, out, vessel.output() if vessel else '')
    for bad in ('too long', 'Remote failure', 'Segmentation fault'):
        if bad in out:
            fail('unexpected %r in gdb output' % bad, out)


def case_modes(args):
    L = labels(args.rom)
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port)
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, [
            'break *0x%x' % L['real_bp'], 'continue',
            'info registers rip cs', 'stepi', 'p/x $pc',
            'break *0x%x' % L['prot_bp'], 'continue', 'p/x $cr0', 'p/x $cs',
            'break *0x%x' % L['long_bp'], 'continue', 'info registers',
            'p/x $efer', 'p/x $cr3',
            'set {long}0x8100 = 0x1122334455667788', 'x/2wx 0x8100',
            'break *0x%x' % L['reg_bp'], 'continue', 'set $rbx = 0x5566778899',
            'watch *(int*)0x8200', 'continue',
            'hbreak *0x%x' % L['hw_bp'], 'continue', 'p/x $pc',
            'monitor info registers',
            'delete', 'set {int}0x8300 = 1', 'continue',
        ])
        status = v.wait()
        serial = v.output()
        expect(out, 'Breakpoint 1, 0x%016x' % L['real_bp'], 'cs             0xf000',
                '$1 = 0x%x' % (L['real_bp'] + 1), 'Breakpoint 2, 0x%016x' % L['prot_bp'],
                '$3 = 0x8', 'Breakpoint 3, 0x%016x' % L['long_bp'], 'cr0', 'efer',
                '0x8100:\t0x55667788\t0x11223344', 'Breakpoint 4, 0x%016x' % L['reg_bp'],
                'Hardware watchpoint 5', 'New value = 4660',
                'Breakpoint 6, 0x%016x' % L['hw_bp'], 'CR0=e0000011', 'EFER=',
                vessel=v)
        if 'value=1122334455667788' not in serial or 'rbx=0000005566778899' not in serial:
            fail('memory/register writes not seen by the guest', serial, out)
        if 'done' not in serial or status != 1:
            fail('guest did not finish (status %s)' % status, serial, out)
    finally:
        v.kill()


def case_interrupt(args):
    L = labels(args.rom)
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port)
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, ['continue', 'p/x $pc', 'set {int}0x8300 = 1', 'kill'],
                      sigint_after=2.5)
        expect(out, 'Program received signal SIGINT', vessel=v)
        if 'spinning' not in v.output():
            fail('guest did not run before the interrupt', v.output(), out)
        status = v.wait()
        if status != 0:
            fail('k should end vessel with status 0, got %s' % status, out, v.output())
    finally:
        v.kill()


def pkt(p):
    return b'$' + p + b'#%02x' % (sum(p) & 0xff)


class Raw:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.buf = b''

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        """The next packet's payload (acks skipped)."""
        while True:
            i = self.buf.find(b'$')
            j = self.buf.find(b'#', i + 1) if i >= 0 else -1
            if i >= 0 and j >= 0 and len(self.buf) >= j + 3:
                p = self.buf[i + 1:j]
                self.buf = self.buf[j + 3:]
                return p
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d

    def cmd(self, p):
        self.send(pkt(p))
        return self.reply()


def case_hostile(args):
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port, stopped=False)
    try:
        time.sleep(0.5)
        c = Raw(port)
        if not c.cmd(b'?').startswith(b'T05'):
            fail('no stop reply')
        # a second client is refused cleanly
        c2 = socket.create_connection(('127.0.0.1', port), timeout=5)
        data = c2.recv(100)
        if not data.startswith(b'$E') or c2.recv(100) != b'':
            fail('second client not refused: %r' % data)
        c2.close()
        # bad checksum -> NAK
        c.send(b'$g#00')
        if c.s.recv(1) != b'-':
            fail('bad checksum not refused')
        # overlong packet -> NAK
        c.send(b'$' + b'A' * 100000 + b'#00')
        time.sleep(0.2)
        checks = [
            (b'mzz,4', b'E'), (b'm0,ffffffffffffffff', None), (b'mffff800000000000,4', b'E'),
            (b'm123456789abcdef01234,4', b'E'), (b'Mfff0,2:zz', b'E'), (b'X1000,ffffff:', b'E'),
            (b'p1000', b'E'), (b'Pzz=1', b'E'), (b'Gabc', b'E'), (b'Hg99', b'E'),
            (b'Z9,0,1', b''), (b'Z0,zz', b'E'), (b'qXfer:features:read:target.xml:ffffffff,10', b'l'),
            (b'vCont;x', b'E'), (b'unknown-packet', b''), (b'qRcmd,zz', b'E'),
            (b'qSupported:swbreak+', b'PacketSize='), (b'qfThreadInfo', b'm1'),
            (b'qC', b'QC1'), (b'qAttached', b'1'), (b'm8100,4', b'00000000'),
        ]
        c.buf = b''
        for p, want in checks:
            r = c.cmd(p)
            if want is not None and not r.startswith(want):
                fail('%r -> %r, expected %r' % (p, r, want))
        xml = b''
        while True:
            r = c.cmd(b'qXfer:features:read:target.xml:%x,800' % len(xml))
            xml += r[1:]
            if not r.startswith(b'm') or len(xml) > 100000:
                break
        if b'i386:x86-64' not in xml or b'cr3' not in xml:
            fail('bad target.xml %r' % xml[:200])
        if not c.cmd(b'QStartNoAckMode') == b'OK':
            fail('QStartNoAckMode')
        if c.cmd(b'D') != b'OK':
            fail('detach')
        c.s.close()
        time.sleep(0.5)
        # reattach with gdb twice; the guest keeps running between sessions
        for _ in range(2):
            out = run_gdb(args, ':%d' % port, ['p/x $cr0', 'detach'])
            expect(out, 'Inferior 1 (Remote target) detached', '$1 = 0x', vessel=v)
        if v.p.poll() is not None:
            fail('vessel died', v.output())
    finally:
        v.kill()


def case_unix(args):
    d = tempfile.mkdtemp()
    path = os.path.join(d, 'gdb.sock')
    v = Vessel(args, 'unix:%s,server' % path)
    try:
        for _ in range(50):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        L = labels(args.rom)
        out = run_gdb(args, path, ['hbreak *0x%x' % L['long_bp'], 'continue', 'p/x $efer',
                                   'stepi', 'p/x $pc', 'kill'])
        expect(out, 'Breakpoint 1, 0x%016x' % L['long_bp'], '$1 = 0x500', vessel=v)
        if v.wait() != 0:
            fail('kill did not end vessel', v.output())
    finally:
        v.kill()
        shutil.rmtree(d, ignore_errors=True)


def case_i386(args):
    """The i386 layout (-gdb ...,arch=i386) with gdb's i386 architecture: 32-bit
    registers in protected mode, and the same layout still working in long mode."""
    L = labels(args.rom)
    port = free_port()
    v = Vessel(args, 'tcp::%d,arch=i386' % port)
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, [
            'info registers eip', 'break *0x%x' % L['prot_bp'], 'continue',
            'info registers eip', 'p/x $cs', 'p/x $cr0', 'p/x $esp', 'stepi', 'p/x $eip',
            'p/x $fs_base', 'monitor arch',
            'hbreak *0x%x' % L['reg_bp'], 'continue', 'p/x $eip', 'p/x $efer',
            'set $ebx = 0x5566', 'kill'], arch='i386')
        expect(out, 'eip            0xfffffff0', 'Breakpoint 1, 0x%08x' % L['prot_bp'],
               'eip            0x%x' % L['prot_bp'], '$1 = 0x8', '$2 = 0x60000011',
               '$3 = 0x80000', '$4 = 0x%x' % (L['prot_bp'] + 1), '$5 = 0x0',
               'register layout: i386', 'Breakpoint 2, 0x%08x' % L['reg_bp'],
               '$6 = 0x%x' % L['reg_bp'], '$7 = 0x500', vessel=v)
        if 'architecture is set to "i386"' not in out or 'warning: Selected architecture' in out:
            fail('gdb did not accept the i386 description', out)
        if v.wait() != 0:
            fail('kill did not end vessel', v.output())
    finally:
        v.kill()


def case_syswatch(args):
    """A watchpoint on the stack slot the CPU itself writes when it delivers an
    INT n (stop after the INT, in the handler) and a #UD (stop before the handler's
    first instruction)."""
    L = labels(args.rom, SYS_LABELS)
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port)
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, [
            'break *0x%x' % L['int_bp'], 'continue', 'delete',
            'watch *(long*)0x%x' % L['watch_slot'], 'continue', 'p/x $pc',
            'continue', 'p/x $pc', 'p/x *(long*)0x%x' % L['watch_slot'], 'delete', 'kill'])
        expect(out, 'Hardware watchpoint 2: *(long*)0x%x' % L['watch_slot'],
               'New value = %d' % L['after_int'], '$1 = 0x%x' % L['int_handler'],
               'New value = %d' % L['ud_insn'], '$2 = 0x%x' % L['ud_handler'],
               '$3 = 0x%x' % L['ud_insn'], vessel=v)
        if v.wait() != 0:
            fail('kill did not end vessel', v.output())
    finally:
        v.kill()


def case_sysread(args):
    """A read watchpoint on the IDT entry of vector 0x40: the CPU's own read of
    the gate while delivering INT 0x40 stops in the handler."""
    L = labels(args.rom, SYS_LABELS)
    gate = 0x3000 + 0x40 * 16          # IDT64_BASE in tests/guest/lib/rom.inc
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port)
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, [
            'break *0x%x' % L['int_bp'], 'continue', 'delete',
            'rwatch *(long*)0x%x' % gate, 'continue', 'p/x $pc', 'delete', 'kill'])
        expect(out, 'Hardware read watchpoint 2: *(long*)0x%x' % gate,
               '$1 = 0x%x' % L['int_handler'], vessel=v)
        if v.wait() != 0:
            fail('kill did not end vessel', v.output())
    finally:
        v.kill()


def case_step(args):
    """Stepping with an interrupt pending does not enter its handler unless
    Qqemu.sstep allows it; stepping over HLT returns, and stepping a halted vCPU
    returns at once without moving."""
    L = labels(args.rom, SYS_LABELS)
    port = free_port()
    v = Vessel(args, 'tcp::%d' % port)
    b = L['irq_bp']
    try:
        time.sleep(0.3)
        out = run_gdb(args, ':%d' % port, [
            'break *0x%x' % b, 'continue', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc',
            'stepi', 'p/x $pc', 'maintenance packet qqemu.sstepbits',
            'maintenance packet qqemu.sstep', 'maintenance packet Qqemu.sstep=0x1',
            'stepi', 'p/x $pc', 'maintenance packet Qqemu.sstep=0x7',
            'delete', 'break *0x%x' % L['hlt_bp'], 'continue',
            'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc',
            'monitor info registers', 'kill'])
        expect(out, 'Breakpoint 1, 0x%016x' % b, '$1 = 0x%x' % (b + 1), '$2 = 0x%x' % (b + 2),
               '$3 = 0x%x' % (b + 3), 'received: "ENABLE=1,NOIRQ=2,NOTIMER=4"',
               'received: "0x7"', 'received: "OK"', '$4 = 0x%x' % L['irq_handler'],
               'Breakpoint 2, 0x%016x' % L['hlt_bp'], '$5 = 0x%x' % (L['hlt_bp'] + 1),
               '$6 = 0x%x' % L['after_hlt'], '$7 = 0x%x' % L['after_hlt'], 'HLT=1', vessel=v)
        if 'irqs=00000001' not in v.output():
            fail('the interrupt was not taken exactly once', v.output(), out)
        if v.wait() != 0:
            fail('kill did not end vessel', v.output())
    finally:
        v.kill()


def kvm_usable(args):
    """Whether vessel can start under -accel kvm (it says 'not available' if not)."""
    try:
        p = subprocess.Popen([args.vessel, '-accel', 'kvm', '-bios', args.rom, '-nographic',
                              '-S'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        _, err = p.communicate(timeout=2)
        return 'not available' not in err and 'not built' not in err
    except subprocess.TimeoutExpired:   # started and waits, stopped: usable
        p.kill()
        p.wait()
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vessel', required=True)
    ap.add_argument('--rom', required=True)
    ap.add_argument('--gdb', default=shutil.which('gdb'))
    ap.add_argument('--case', required=True)
    ap.add_argument('--accel', default='interp')
    args = ap.parse_args()
    if not args.gdb or not os.path.exists(args.gdb):
        print('SKIP: gdb not found')
        sys.exit(77)
    if args.accel == 'kvm' and not kvm_usable(args):
        print('SKIP: -accel kvm is not available here')
        sys.exit(77)
    {'modes': case_modes, 'interrupt': case_interrupt, 'hostile': case_hostile,
     'unix': case_unix, 'i386': case_i386, 'syswatch': case_syswatch, 'sysread': case_sysread,
     'step': case_step}[args.case](args)
    print('PASS')


if __name__ == '__main__':
    main()
