/*
 * String instructions: MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/
 * REPNE, 16/32/64-bit address sizes, DS (overridable) source and ES
 * destination, DF direction. rCX/rSI/rDI are committed per iteration;
 * a REP runs in chunks and re-executes (rip left at the instruction) so
 * pending interrupts are taken between chunks.
 */
#include "target-x86/interp.h"

#define REP_CHUNK 4096

typedef struct StrOp {
    unsigned size;      /* element size */
    unsigned asize;     /* address size */
    uint64_t amask;
    int64_t step;
    int src_seg;
} StrOp;

static unsigned element_size(const X86Insn *insn)
{
    for (unsigned i = 0; i < insn->row->nops; i++)
        if (insn->row->op[i].kind == OPK_X || insn->row->op[i].kind == OPK_Y)
            return insn->opsz[i];
    return 1;
}

static StrOp str_setup(X86CPU *cpu, const X86Insn *insn)
{
    StrOp s;
    s.size = element_size(insn);
    s.asize = insn->addrsize;
    s.amask = addr_mask(insn->addrsize);
    s.step = (cpu->rflags & DF_MASK) ? -(int64_t)s.size : (int64_t)s.size;
    s.src_seg = insn->seg_override != SEG_NONE ? insn->seg_override : R_DS;
    return s;
}

static uint64_t si(X86CPU *cpu, const StrOp *s) { return cpu->regs[R_ESI] & s->amask; }
static uint64_t di(X86CPU *cpu, const StrOp *s) { return cpu->regs[R_EDI] & s->amask; }

static void advance(X86CPU *cpu, const StrOp *s, int reg)
{
    reg_write(cpu, reg, s->asize, cpu->regs[reg] + (uint64_t)s->step, false);
}

typedef enum { STEP_GO, STEP_STOP } StepResult;
typedef StepResult (*StrStep)(X86CPU *cpu, const X86Insn *insn, const StrOp *s);

/* Run `step` once, or under REP up to REP_CHUNK times. */
static void run_string(X86CPU *cpu, const X86Insn *insn, StrStep step)
{
    StrOp s = str_setup(cpu, insn);
    if (!insn->rep) {
        step(cpu, insn, &s);
        return;
    }
    /* single-stepping traps after every iteration */
    unsigned chunk = (cpu->rflags & TF_MASK) ? 1 : REP_CHUNK;
    for (unsigned n = 0; n < chunk; n++) {
        uint64_t count = cpu->regs[R_ECX] & s.amask;
        if (count == 0)
            return;
        StepResult r = step(cpu, insn, &s);
        reg_write(cpu, R_ECX, s.asize, count - 1, false);
        if (r == STEP_STOP || count == 1)
            return;
    }
    cpu->rip = cpu->insn_start_rip;   /* more to do: re-execute after events */
}

/* REPE/REPNE termination for CMPS/SCAS. */
static StepResult compare_done(X86CPU *cpu, const X86Insn *insn, uint64_t a, uint64_t b,
                               unsigned size)
{
    uint64_t res = (a - b) & mask_for(size);
    cc_set(cpu, CC_OP_SUB, size, res, b, 0);
    if (insn->rep == 0xf3)
        return res == 0 ? STEP_GO : STEP_STOP;
    return res != 0 ? STEP_GO : STEP_STOP;
}

static StepResult movs_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint64_t v = mem_read(cpu, s->src_seg, si(cpu, s), s->size);
    mem_write(cpu, R_ES, di(cpu, s), v, s->size);
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return STEP_GO;
}

static StepResult cmps_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint64_t a = mem_read(cpu, s->src_seg, si(cpu, s), s->size);
    uint64_t b = mem_read(cpu, R_ES, di(cpu, s), s->size);
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return compare_done(cpu, insn, a, b, s->size);
}

static StepResult stos_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    mem_write(cpu, R_ES, di(cpu, s), cpu->regs[R_EAX], s->size);
    advance(cpu, s, R_EDI);
    return STEP_GO;
}

static StepResult lods_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint64_t v = mem_read(cpu, s->src_seg, si(cpu, s), s->size);
    reg_write(cpu, R_EAX, s->size, v, false);
    advance(cpu, s, R_ESI);
    return STEP_GO;
}

static StepResult scas_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint64_t b = mem_read(cpu, R_ES, di(cpu, s), s->size);
    advance(cpu, s, R_EDI);
    return compare_done(cpu, insn, reg_read(cpu, R_EAX, s->size, false), b, s->size);
}

static StepResult ins_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    x86_check_io(cpu, port, s->size);
    /* probe the destination first so a fault does not repeat the read */
    x86_seg_linear(cpu, R_ES, di(cpu, s), s->size, ACC_WRITE);
    uint64_t v = x86_io_read(cpu, port, s->size);
    mem_write(cpu, R_ES, di(cpu, s), v, s->size);
    advance(cpu, s, R_EDI);
    return STEP_GO;
}

static StepResult outs_step(X86CPU *cpu, const X86Insn *insn, const StrOp *s)
{
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    x86_check_io(cpu, port, s->size);
    uint64_t v = mem_read(cpu, s->src_seg, si(cpu, s), s->size);
    x86_io_write(cpu, port, (uint32_t)v, s->size);
    advance(cpu, s, R_ESI);
    return STEP_GO;
}

void h_movs(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, movs_step); }
void h_cmps(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, cmps_step); }
void h_stos(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, stos_step); }
void h_lods(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, lods_step); }
void h_scas(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, scas_step); }
void h_ins(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, ins_step); }
void h_outs(X86CPU *cpu, const X86Insn *insn) { run_string(cpu, insn, outs_step); }
