/*
 * The portable back end's interpreter: runs the bytecode of tci.h, follows
 * goto_tb chains and goto_ptr into other blocks, and calls helpers through
 * libffi. Globals live in env, so helpers and faults always see them.
 */
#include "tcg/tci/tci.h"

#include <ffi.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STACK_SLOTS 256

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#define LE64(x) (x)
#endif

/* Frames bigger than STACK_SLOTS: one per thread, grown on demand. */
static pthread_key_t frame_key;
static pthread_once_t frame_once = PTHREAD_ONCE_INIT;
static _Thread_local struct { uint64_t *p; size_t n; } big_frame;

static void frame_free(void *p)
{
    free(p);
}

static void frame_key_init(void)
{
    pthread_key_create(&frame_key, frame_free);
}

static uint64_t *frame_get(uint64_t *stack, uint32_t nslots)
{
    if (nslots <= STACK_SLOTS)
        return stack;
    if (nslots > big_frame.n) {
        pthread_once(&frame_once, frame_key_init);
        uint64_t *p = realloc(big_frame.p, sizeof(uint64_t) * nslots);
        if (!p)
            abort();
        big_frame.p = p;
        big_frame.n = nslots;
        pthread_setspecific(frame_key, p);
    }
    return big_frame.p;
}

/* The bases of the operand kinds (tci.h): frame, env, block start. */
typedef struct Tci {
    uint8_t *base[4];
    uint64_t *frame;
    uint8_t *env;
} Tci;

static inline uint64_t rd(const Tci *t, const uint32_t *w)
{
    int32_t loc = (int32_t)*w;
    uint64_t v;
    memcpy(&v, t->base[loc & 3] + (loc >> 2), sizeof(v));
    return v;
}

static inline void wr(const Tci *t, const uint32_t *w, uint64_t v)
{
    int32_t loc = (int32_t)*w;
    memcpy(t->base[loc & 3] + (loc >> 2), &v, sizeof(v));
}

static inline const void *pool_ptr(const uint32_t *w)
{
    return (const uint8_t *)w + (int32_t)*w;
}

/* ---- guest memory ---- */

/* Little-endian accesses of 1, 2, 4 or 8 bytes (guest and env order). */
static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (size) {
    case 1: memcpy(&v8, p, 1); return v8;
    case 2: memcpy(&v16, p, 2); return LE16(v16);
    case 4: memcpy(&v32, p, 4); return LE32(v32);
    default: memcpy(&v64, p, 8); return LE64(v64);
    }
}

static inline void store_le(uint8_t *p, uint64_t v, unsigned size)
{
    uint16_t v16 = LE16((uint16_t)v);
    uint32_t v32 = LE32((uint32_t)v);
    uint64_t v64 = LE64(v);
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: memcpy(p, &v16, 2); break;
    case 4: memcpy(p, &v32, 4); break;
    default: memcpy(p, &v64, 8); break;
    }
}

static uint64_t mem_extend(uint64_t v, uint32_t mi)
{
    switch (mi & (MO_SIZE | MO_SIGN)) {
    case MO_8: return (uint8_t)v;
    case MO_16: return (uint16_t)v;
    case MO_32: return (uint32_t)v;
    case MO_8 | MO_SIGN: return (uint64_t)(int64_t)(int8_t)v;
    case MO_16 | MO_SIGN: return (uint64_t)(int64_t)(int16_t)v;
    case MO_32 | MO_SIGN: return (uint64_t)(int64_t)(int32_t)v;
    default: return v;
    }
}

/* The host address of an aligned access that hits a flag-free TLB entry,
 * else NULL. */
static uint8_t *tlb_fast(const Tci *t, const TCIMemDesc *d, uint64_t addr, uint32_t mi, bool write)
{
    if (!d->fast)
        return NULL;
    uint64_t size = 1ull << (mi & MO_SIZE);
    uint64_t page_mask = ~0ull << d->page_bits;
    uint8_t *e = t->env + d->tlb_offset + (int64_t)(mi >> 8) * d->mmu_stride +
                 ((addr >> d->page_bits) & d->tlb_mask) * d->entry_size;
    uint64_t tag;
    memcpy(&tag, e + (write ? d->off_write : d->off_read), sizeof(tag));
    /* any flag bit in the tag or misalignment of addr: no match */
    if ((tag | (addr & (size - 1))) != (addr & page_mask))
        return NULL;
    uintptr_t addend;
    memcpy(&addend, e + d->off_addend, sizeof(addend));
    return (uint8_t *)((uintptr_t)addr + addend);
}

static uint64_t qemu_ld(const Tci *t, const uint32_t *pc)
{
    TCIMemDesc d;
    memcpy(&d, pool_ptr(pc + 4), sizeof(d));
    uint64_t addr = rd(t, pc + 2);
    uint32_t mi = pc[3];
    uint8_t *host = tlb_fast(t, &d, addr, mi, false);
    uint64_t v;
    if (host) {
        v = load_le(host, 1u << (mi & MO_SIZE));
    } else {
        uint64_t (*slow)(void *, uint64_t, uint32_t) = (void *)(uintptr_t)d.load_slow;
        v = slow(t->env, addr, mi);
    }
    return mem_extend(v, mi);
}

static void qemu_st(const Tci *t, const uint32_t *pc)
{
    TCIMemDesc d;
    memcpy(&d, pool_ptr(pc + 4), sizeof(d));
    uint64_t v = rd(t, pc + 1), addr = rd(t, pc + 2);
    uint32_t mi = pc[3];
    unsigned size = 1u << (mi & MO_SIZE);
    v = mem_extend(v, mi & MO_SIZE);
    uint8_t *host = tlb_fast(t, &d, addr, mi, true);
    if (host) {
        store_le(host, v, size);
    } else {
        void (*slow)(void *, uint64_t, uint64_t, uint32_t) = (void *)(uintptr_t)d.store_slow;
        slow(t->env, addr, v, mi);
    }
}

/* ---- helper calls ---- */

static pthread_mutex_t cif_lock = PTHREAD_MUTEX_INITIALIZER;

static ffi_type *ffi_of(TCGType ty)
{
    switch (ty) {
    case TCG_TYPE_VOID: return &ffi_type_void;
    case TCG_TYPE_I32: return &ffi_type_uint32;
    case TCG_TYPE_I64: return &ffi_type_uint64;
    default: return &ffi_type_pointer;
    }
}

typedef struct HelperCif {
    ffi_cif cif;
    ffi_type *args[TCG_MAX_CALL_ARGS];
} HelperCif;

void *tci_helper_cif(TCGHelperInfo *info)
{
    void *p = __atomic_load_n(&info->priv, __ATOMIC_ACQUIRE);
    if (p)
        return p;
    pthread_mutex_lock(&cif_lock);
    p = info->priv;
    if (!p) {
        HelperCif *h = calloc(1, sizeof(*h));
        if (!h)
            abort();
        for (int i = 0; i < info->nargs; i++)
            h->args[i] = ffi_of(info->args[i]);
        if (ffi_prep_cif(&h->cif, FFI_DEFAULT_ABI, info->nargs, ffi_of(info->ret), h->args) != FFI_OK)
            abort();
        p = h;
        __atomic_store_n(&info->priv, p, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&cif_lock);
    return p;
}

/* Runs the call at pc; returns its length in words. */
static unsigned call(const Tci *t, const uint32_t *pc)
{
    const TCGHelperInfo *info;
    memcpy(&info, pool_ptr(pc + 2), sizeof(info));
    HelperCif *h = __atomic_load_n(&((TCGHelperInfo *)info)->priv, __ATOMIC_ACQUIRE);
    unsigned n = pc[3];
    union { uint32_t u32; uint64_t u64; void *p; } av[TCG_MAX_CALL_ARGS];
    void *avp[TCG_MAX_CALL_ARGS];
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = rd(t, pc + 4 + i);
        switch (info->args[i]) {
        case TCG_TYPE_I32: av[i].u32 = (uint32_t)v; break;
        case TCG_TYPE_I64: av[i].u64 = v; break;
        default: av[i].p = (void *)(uintptr_t)v; break;
        }
        avp[i] = &av[i];
    }
    union { ffi_arg a; uint64_t u64; void *p; } rv;
    memset(&rv, 0, sizeof(rv));
    ffi_call(&h->cif, FFI_FN(info->func), &rv, avp);
    if (pc[1] != TCI_LOC_NONE) {
        uint64_t r;
        switch (info->ret) {
        case TCG_TYPE_I32: r = (uint32_t)rv.a; break;
        case TCG_TYPE_I64: r = rv.u64; break;
        default: r = (uintptr_t)rv.p; break;
        }
        wr(t, pc + 1, r);
    }
    return 4 + n;
}

/* ---- the loop ---- */

static const uint32_t *enter(Tci *t, uint64_t *stack, const void *code)
{
    const uint32_t *pc = (const uint32_t *)(((uintptr_t)code + 7) & ~(uintptr_t)7);
    uint64_t *f = frame_get(stack, pc[0]);
    if (f != t->frame) {
        f[0] = (uintptr_t)t->env;
        t->frame = f;
        t->base[TCI_LOC_FRAME] = (uint8_t *)f;
    }
    t->base[TCI_LOC_POOL] = (uint8_t *)(uintptr_t)pc;
    return pc + 1;
}

static uint64_t rotl(uint64_t a, uint64_t n)
{
    n &= 63;
    return n ? (a << n) | (a >> (64 - n)) : a;
}

#define R(i) rd(&t, pc + (i))
#define W(i, v) wr(&t, pc + (i), (v))
#define BINOP(op, expr) \
    case INDEX_op_##op: { uint64_t a = R(2), b = R(3); W(1, (expr)); pc += 4; break; }
#define UNOP(op, expr) \
    case INDEX_op_##op: { uint64_t a = R(2); W(1, (expr)); pc += 3; break; }
#define LD(op, size, expr) \
    case INDEX_op_##op: { uint64_t v = load_le(t.env + (int32_t)pc[2], size); W(1, (expr)); pc += 3; break; }
#define ST(op, size) \
    case INDEX_op_##op: store_le(t.env + (int32_t)pc[2], R(1), size); pc += 3; break;

uintptr_t tci_exec(const uint8_t *prologue, void *env, const uint8_t *code)
{
    (void)prologue;
    uint64_t stack[STACK_SLOTS];
    Tci t = { .base = { NULL, env, NULL, NULL }, .frame = NULL, .env = env };
    const uint32_t *pc = enter(&t, stack, code);
    for (;;) {
        uint32_t opc = pc[0];
        switch (opc) {
        case TCI_NOP:
            pc += 1;
            break;
        case INDEX_op_mov:
            W(1, R(2));
            pc += 3;
            break;
        BINOP(add, a + b)
        BINOP(sub, a - b)
        BINOP(mul, a * b)
        BINOP(and, a & b)
        BINOP(or, a | b)
        BINOP(xor, a ^ b)
        BINOP(andc, a & ~b)
        BINOP(shl, a << (b & 63))
        BINOP(shr, a >> (b & 63))
        BINOP(sar, (uint64_t)((int64_t)a >> (b & 63)))
        BINOP(rotl, rotl(a, b))
        BINOP(rotr, rotl(a, 64 - (b & 63)))
        UNOP(neg, -a)
        UNOP(not, ~a)
        UNOP(ext8s, (uint64_t)(int64_t)(int8_t)a)
        UNOP(ext8u, (uint8_t)a)
        UNOP(ext16s, (uint64_t)(int64_t)(int16_t)a)
        UNOP(ext16u, (uint16_t)a)
        UNOP(ext32s, (uint64_t)(int64_t)(int32_t)a)
        UNOP(ext32u, (uint32_t)a)
        UNOP(bswap64, __builtin_bswap64(a))
        case INDEX_op_mulu2:
        case INDEX_op_muls2: {
            uint64_t lo, hi;
            tcg_mul2_eval(opc, R(3), R(4), &lo, &hi);
            W(1, lo);
            W(2, hi);
            pc += 5;
            break;
        }
        case INDEX_op_setcond:
            W(1, tcg_cond_eval((TCGCond)pc[4], R(2), R(3)));
            pc += 5;
            break;
        case INDEX_op_movcond: {
            uint64_t v = tcg_cond_eval((TCGCond)pc[6], R(2), R(3)) ? R(4) : R(5);
            W(1, v);
            pc += 7;
            break;
        }
        LD(ld8u, 1, (uint8_t)v)
        LD(ld8s, 1, (uint64_t)(int64_t)(int8_t)v)
        LD(ld16u, 2, (uint16_t)v)
        LD(ld16s, 2, (uint64_t)(int64_t)(int16_t)v)
        LD(ld32u, 4, (uint32_t)v)
        LD(ld32s, 4, (uint64_t)(int64_t)(int32_t)v)
        LD(ld64, 8, v)
        ST(st8, 1)
        ST(st16, 2)
        ST(st32, 4)
        ST(st64, 8)
        case INDEX_op_qemu_ld:
            W(1, qemu_ld(&t, pc));
            pc += 5;
            break;
        case INDEX_op_qemu_st:
            qemu_st(&t, pc);
            pc += 5;
            break;
        case INDEX_op_call:
            pc += call(&t, pc);
            break;
        case INDEX_op_br:
            pc = (const uint32_t *)pool_ptr(pc + 1);
            break;
        case INDEX_op_brcond:
            if (tcg_cond_eval((TCGCond)pc[3], R(1), R(2)))
                pc = (const uint32_t *)pool_ptr(pc + 4);
            else
                pc += 5;
            break;
        case INDEX_op_goto_tb: {
            const void *dst = __atomic_load_n((const void *const *)(const void *)(pc + 1), __ATOMIC_ACQUIRE);
            if (dst && dst != (const void *)(pc + TCI_LEN_GOTO_TB))
                pc = enter(&t, stack, dst);
            else
                pc += TCI_LEN_GOTO_TB;
            break;
        }
        case INDEX_op_exit_tb:
            return (uintptr_t)((uint64_t)pc[1] | (uint64_t)pc[2] << 32);
        case INDEX_op_goto_ptr: {
            uint64_t dst = R(1);
            if (!dst)
                return 0;
            pc = enter(&t, stack, (const void *)(uintptr_t)dst);
            break;
        }
        default:
            abort();    /* not an instruction: a bug in tci-gen.c */
        }
    }
}
