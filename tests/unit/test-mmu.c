/*
 * Unit tests for the x86 paging and guest-memory path: 32-bit paging with
 * 4 KiB and PSE pages, PAE (PDPTE checks, 2 MiB pages, NX), 4-level paging
 * (1 GiB / 2 MiB / 4 KiB pages, canonical checks), U/S, WP, SMEP, SMAP with
 * EFLAGS.AC, reserved bits, accessed/dirty bits, global pages across CR3
 * writes, INVLPG, PCID, page-crossing accesses, exact #PF error codes and
 * CR2.
 */
#include "tests/unit/x86-test-machine.h"

#include "target-x86/cpu-internal.h"
#include "unit-test.h"

#define P   0x1u
#define RW  0x2u
#define US  0x4u
#define ACC 0x20u
#define DRT 0x40u
#define PS  0x80u
#define G   0x100u
#define VAL(o) ASSERT_OK(o)
#define XD  (1ull << 63)

/* ---- 32-bit paging: PD at 0x10000, PT at 0x11000 ---- */

#define PD32 0x10000u
#define PT32 0x11000u

static void paging32(uint64_t cr4, bool wp)
{
    put32(PD32 + 0, PT32 | P | RW | US);
    ASSERT_OK(t_write_cr(4, cr4));
    ASSERT_OK(t_write_cr(3, PD32));
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET | CR0_PG | (wp ? CR0_WP : 0)));
}

static void map32(uint32_t lin, uint32_t pte)
{
    put32(PT32 + ((lin >> 12) & 0x3ff) * 4, pte);
}

START_TEST(test_paging32_translate_and_ad_bits)
{
    uint64_t v = 0;
    paging32(0, false);
    map32(0x1000, 0x30000 | P | RW | US);
    put32(0x30010, 0xdeadbeef);
    v = ASSERT_OK(t_read_lin(0x1010, 4, false));
    ck_assert_uint_eq(v, 0xdeadbeef);
    ck_assert_uint_eq(get32(PD32) & (ACC | DRT), ACC);
    ck_assert_uint_eq(get32(PT32 + 4) & (ACC | DRT), ACC);
    ASSERT_OK(t_write_lin(0x1014, 0x12345678, 4, false));
    ck_assert_uint_eq(get32(0x30014), 0x12345678);
    ck_assert_uint_eq(get32(PT32 + 4) & DRT, DRT);
    ck_assert_uint_eq(get32(PD32) & DRT, 0);   /* D only on the leaf */
    uint64_t pa = 0;
    ck_assert(x86_debug_translate(cpu, 0x1abc, &pa));
    ck_assert_uint_eq(pa, 0x30abc);
    ck_assert(!x86_debug_translate(cpu, 0x2000, &pa));
}
END_TEST

START_TEST(test_paging32_not_present_error_codes)
{
    paging32(0, false);
    ASSERT_FAULT(t_read_lin(0x2abc, 4, false), EXCP_PF, 0);
    ck_assert_uint_eq(cpu->cr2, 0x2abc);
    ASSERT_FAULT(t_write_lin(0x2000, 1, 1, false), EXCP_PF, PF_W);
    ASSERT_FAULT(t_read_lin(0x2000, 1, true), EXCP_PF, PF_U);
    ASSERT_FAULT(t_write_lin(0x2000, 1, 1, true), EXCP_PF, PF_U | PF_W);
    /* PDE not present */
    ASSERT_FAULT(t_read_lin(0x800123, 1, false), EXCP_PF, 0);
    ck_assert_uint_eq(cpu->cr2, 0x800123);
    /* 32-bit paging without NXE/SMEP: no I bit on fetches */
    uint64_t end;
    ASSERT_FAULT(t_code_page(0x2000, &end), EXCP_PF, 0);
}
END_TEST

START_TEST(test_paging32_user_supervisor_and_wp)
{
    uint64_t v = 0;
    paging32(0, false);
    map32(0x3000, 0x31000 | P | RW);          /* supervisor page */
    map32(0x4000, 0x32000 | P | US);          /* user read-only */
    ASSERT_FAULT(t_read_lin(0x3000, 4, true), EXCP_PF, PF_P | PF_U);
    v = ASSERT_OK(t_read_lin(0x3000, 4, false));
    v = ASSERT_OK(t_read_lin(0x4000, 4, true));
    ASSERT_FAULT(t_write_lin(0x4008, 1, 4, true), EXCP_PF, PF_P | PF_W | PF_U);
    ck_assert_uint_eq(cpu->cr2, 0x4008);
    /* WP=0: supervisor may write a read-only page */
    ASSERT_OK(t_write_lin(0x4000, 0x55, 1, false));
    ck_assert_uint_eq(get8(0x32000), 0x55);
    /* WP=1: it may not (CR0 write flushes the TLB) */
    ASSERT_OK(t_write_cr(0, cpu->cr0 | CR0_WP));
    ASSERT_FAULT(t_write_lin(0x4000, 0x66, 1, false), EXCP_PF, PF_P | PF_W);
    ck_assert_uint_eq(get8(0x32000), 0x55);
    /* a supervisor PDE makes every page below it supervisor */
    put32(PD32 + 4, PT32 | P | RW);
    ASSERT_FAULT(t_read_lin(0x404000, 4, true), EXCP_PF, PF_P | PF_U);
    (void)v;
}
END_TEST

START_TEST(test_paging32_pse_and_reserved)
{
    uint64_t v = 0;
    paging32(CR4_PSE, false);
    put32(PD32 + 1 * 4, 0x00c00000 | P | RW | US | PS);
    put32(0xc00123, 0xcafef00d);
    v = ASSERT_OK(t_read_lin(0x400123, 4, false));
    ck_assert_uint_eq(v, 0xcafef00d);
    /* bit 13 of a 4 MiB PDE is reserved without PSE-36 */
    put32(PD32 + 3 * 4, 0x00800000 | P | RW | US | PS | (1u << 13));
    ASSERT_FAULT(t_read_lin(0xc00000, 4, true), EXCP_PF, PF_P | PF_RSVD | PF_U);
    ck_assert_uint_eq(cpu->cr2, 0xc00000);
    /* without CR4.PSE the PS bit is ignored: the PDE points to a PT */
    ASSERT_OK(t_write_cr(4, 0));
    put32(PD32 + 5 * 4, PT32 | P | RW | US | PS);
    map32(0x1000, 0x30000 | P | RW | US);
    put32(0x30000, 0x11223344);
    v = ASSERT_OK(t_read_lin(0x1401000, 4, false));
    ck_assert_uint_eq(v, 0x11223344);
}
END_TEST

START_TEST(test_page_crossing_write_checks_both_pages)
{
    uint64_t v = 0;
    paging32(0, false);
    map32(0x1000, 0x30000 | P | RW | US);
    put32(0x30ffc, 0xaaaaaaaa);
    ASSERT_FAULT(t_write_lin(0x1ffe, 0x11223344, 4, false), EXCP_PF, PF_W);
    ck_assert_uint_eq(cpu->cr2, 0x2000);
    ck_assert_uint_eq(get32(0x30ffc), 0xaaaaaaaa);
    map32(0x2000, 0x40000 | P | RW | US);
    ASSERT_OK(t_write_lin(0x1ffe, 0x11223344, 4, false));
    ck_assert_uint_eq(get16(0x30ffe), 0x3344);
    ck_assert_uint_eq(get16(0x40000), 0x1122);
    v = ASSERT_OK(t_read_lin(0x1ffe, 4, false));
    ck_assert_uint_eq(v, 0x11223344);
}
END_TEST

START_TEST(test_global_pages_survive_cr3_write_and_invlpg)
{
    uint64_t v = 0;
    paging32(CR4_PGE, false);
    map32(0x5000, 0x33000 | P | RW | US | G);
    map32(0x6000, 0x34000 | P | RW | US);
    put32(0x33000, 1); put32(0x34000, 2); put32(0x35000, 3); put32(0x36000, 4);
    v = ASSERT_OK(t_read_lin(0x5000, 4, false));
    ck_assert_uint_eq(v, 1);
    v = ASSERT_OK(t_read_lin(0x6000, 4, false));
    ck_assert_uint_eq(v, 2);
    map32(0x5000, 0x35000 | P | RW | US | G);
    map32(0x6000, 0x36000 | P | RW | US);
    ASSERT_OK(t_write_cr(3, PD32));
    v = ASSERT_OK(t_read_lin(0x5000, 4, false));
    ck_assert_uint_eq(v, 1);                    /* global: stale entry kept */
    v = ASSERT_OK(t_read_lin(0x6000, 4, false));
    ck_assert_uint_eq(v, 4);                    /* non-global: re-walked */
    x86_invlpg(cpu, 0x5000);
    v = ASSERT_OK(t_read_lin(0x5000, 4, false));
    ck_assert_uint_eq(v, 3);
    /* toggling CR4.PGE flushes globals too */
    map32(0x5000, 0x33000 | P | RW | US | G);
    ASSERT_OK(t_write_cr(4, 0));
    v = ASSERT_OK(t_read_lin(0x5000, 4, false));
    ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(test_invlpg_in_large_page)
{
    uint64_t v = 0;
    paging32(CR4_PSE, false);
    put32(PD32 + 1 * 4, 0x00c00000 | P | RW | US | PS);
    put32(0xc05000, 7);
    put32(0x805000, 8);
    v = ASSERT_OK(t_read_lin(0x405000, 4, false));
    ck_assert_uint_eq(v, 7);
    put32(PD32 + 1 * 4, 0x00800000 | P | RW | US | PS);
    x86_invlpg(cpu, 0x400000);   /* another address in the same 4 MiB page */
    v = ASSERT_OK(t_read_lin(0x405000, 4, false));
    ck_assert_uint_eq(v, 8);
}
END_TEST

/* ---- PAE: PDPT at 0x40000, PD at 0x41000, PT at 0x42000 ---- */

#define PDPT_PAE 0x40000u
#define PD_PAE   0x41000u
#define PT_PAE   0x42000u

static void paging_pae(bool nxe)
{
    put64(PDPT_PAE, PD_PAE | P);
    put64(PD_PAE, PT_PAE | P | RW | US);
    ASSERT_OK(t_write_cr(4, CR4_PAE));
    ASSERT_OK(t_write_cr(3, PDPT_PAE));
    if (nxe)
        ck_assert(x86_wrmsr(cpu, MSR_EFER, EFER_NXE));
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET | CR0_PG));
}

START_TEST(test_pae_translate_2m_and_nx)
{
    uint64_t v = 0, end = 0;
    paging_pae(true);
    put64(PT_PAE + 1 * 8, 0x50000 | P | RW | US);
    put64(PT_PAE + 2 * 8, 0x51000 | P | RW | US | XD);
    put64(PD_PAE + 1 * 8, 0x600000 | P | RW | US | PS);
    put32(0x50004, 0xabcd1234);
    put32(0x6abcd0, 0x600d600d);
    v = ASSERT_OK(t_read_lin(0x1004, 4, false));
    ck_assert_uint_eq(v, 0xabcd1234);
    v = ASSERT_OK(t_read_lin(0x2abcd0, 4, false));
    ck_assert_uint_eq(v, 0x600d600d);
    /* XD page: readable, not executable; I bit because NXE=1 */
    v = ASSERT_OK(t_read_lin(0x2000, 4, false));
    ASSERT_FAULT(t_code_page(0x2000, &end), EXCP_PF, PF_P | PF_I);
    ck_assert_uint_eq(cpu->cr2, 0x2000);
    const uint8_t *p = NULL;
    p = (const uint8_t *)(uintptr_t)ASSERT_OK(t_code_page(0x1ff0, &end));
    ck_assert_ptr_eq(p, tm_ram.ram + 0x50ff0);
    ck_assert_uint_eq(end, 0x2000);
    /* not-present fetch with NXE reports I */
    ASSERT_FAULT(t_code_page(0x5000, &end), EXCP_PF, PF_I);
}
END_TEST

START_TEST(test_pae_reserved_bits)
{
    uint64_t v = 0;
    paging_pae(false);
    /* XD without NXE is reserved */
    put64(PT_PAE + 2 * 8, 0x51000 | P | RW | US | XD);
    ASSERT_FAULT(t_read_lin(0x2000, 4, false), EXCP_PF, PF_P | PF_RSVD);
    /* bits above MAXPHYADDR are reserved */
    put64(PT_PAE + 3 * 8, (1ull << 45) | P | RW | US);
    ASSERT_FAULT(t_write_lin(0x3000, 0, 4, true), EXCP_PF, PF_P | PF_RSVD | PF_W | PF_U);
    /* a PD pointing outside RAM reads all ones: reserved-bit fault */
    put64(PD_PAE + 2 * 8, 0x7f00000000ull | P | RW | US);
    ASSERT_FAULT(t_read_lin(0x400000, 4, false), EXCP_PF, PF_P | PF_RSVD);
    /* 2 MiB page with bit 13 set */
    put64(PD_PAE + 3 * 8, 0x600000 | P | RW | PS | (1u << 13));
    ASSERT_FAULT(t_read_lin(0x600000, 4, false), EXCP_PF, PF_P | PF_RSVD);
    /* PDPTE reserved bits fault on the CR3 load itself */
    put64(PDPT_PAE + 0x100 + 8, 0x43000 | P | (1u << 5));
    ASSERT_FAULT(t_write_cr(3, PDPT_PAE + 0x100), EXCP_GP, 0);
    ck_assert_uint_eq(cpu->cr3, PDPT_PAE);
    /* a not-present PDPTE gives a plain not-present fault */
    put64(PDPT_PAE + 8, 0);
    ASSERT_FAULT(t_read_lin(0x40000000, 4, false), EXCP_PF, 0);
    (void)v;
}
END_TEST

/* ---- 4-level: PML4 0x60000, PDPT 0x61000, PD 0x62000, PT 0x63000 ---- */

#define PML4 0x60000u
#define PDPT 0x61000u
#define PD64 0x62000u
#define PT64 0x63000u

static void paging_long(uint64_t extra_cr4)
{
    put64(PML4, PDPT | P | RW | US);
    put64(PDPT, PD64 | P | RW | US);
    put64(PD64, PT64 | P | RW | US);
    ASSERT_OK(t_write_cr(4, CR4_PAE));
    ASSERT_OK(t_write_cr(3, PML4));
    ck_assert(x86_wrmsr(cpu, MSR_EFER, EFER_LME | EFER_NXE));
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET | CR0_PG | CR0_WP));
    ck_assert(cpu->efer & EFER_LMA);
    ck_assert(cpu->lma);
    if (extra_cr4)
        ASSERT_OK(t_write_cr(4, CR4_PAE | extra_cr4));
}

START_TEST(test_long_mode_page_sizes)
{
    uint64_t v = 0;
    paging_long(0);
    put64(PT64 + 8, 0x30000 | P | RW | US);
    put64(PD64 + 8, 0x800000 | P | RW | US | PS);
    put64(PDPT + 8, 0 | P | RW | US | PS);              /* 1 GiB at 1 GiB -> phys 0 */
    put32(0x30008, 0x01010101);
    put32(0x800010, 0x02020202);
    put32(0x123450, 0x03030303);
    v = ASSERT_OK(t_read_lin(0x1008, 4, false));
    ck_assert_uint_eq(v, 0x01010101);
    v = ASSERT_OK(t_read_lin(0x200010, 4, false));
    ck_assert_uint_eq(v, 0x02020202);
    v = ASSERT_OK(t_read_lin(0x40123450, 4, false));
    ck_assert_uint_eq(v, 0x03030303);
    /* high half via PML4[511] */
    put64(PML4 + 511 * 8, PDPT | P | RW | US);
    v = ASSERT_OK(t_read_lin(0xffffff8000001008ull, 4, false));
    ck_assert_uint_eq(v, 0x01010101);
    /* non-canonical linear address: #GP(0), not #PF */
    ASSERT_FAULT(t_read_lin(0x0000800000000000ull, 4, false), EXCP_GP, 0);
    /* PS in a PML4E and bit 13 of a 1 GiB page are reserved */
    put64(PML4 + 8, PDPT | P | RW | US | PS);
    ASSERT_FAULT(t_read_lin(0x8000000000ull, 4, false), EXCP_PF, PF_P | PF_RSVD);
    ck_assert_uint_eq(cpu->cr2, 0x8000000000ull);
    put64(PDPT + 16, (1u << 13) | P | RW | US | PS);
    ASSERT_FAULT(t_read_lin(0x80000000ull, 4, false), EXCP_PF, PF_P | PF_RSVD);
    /* accessed bits set on every level */
    ck_assert(get64(PML4) & ACC);
    ck_assert(get64(PDPT) & ACC);
    ck_assert(get64(PD64) & ACC);
    ck_assert(get64(PT64 + 8) & ACC);
}
END_TEST

START_TEST(test_long_mode_rw_combined_and_nx)
{
    uint64_t v = 0, end;
    paging_long(0);
    put64(PD64 + 16, 0xa00000 | P | US | PS);           /* read-only 2 MiB at 4 MiB */
    put64(PT64 + 2 * 8, 0x31000 | P | RW | US | XD);
    ASSERT_FAULT(t_write_lin(0x400000, 1, 1, false), EXCP_PF, PF_P | PF_W);
    v = ASSERT_OK(t_read_lin(0x400000, 1, true));
    ASSERT_FAULT(t_code_page(0x2000, &end), EXCP_PF, PF_P | PF_I);
    (void)v;
}
END_TEST

START_TEST(test_smep_smap)
{
    uint64_t v = 0, end;
    paging_long(CR4_SMEP | CR4_SMAP);
    put64(PT64 + 8, 0x30000 | P | RW | US);              /* user page */
    put64(PT64 + 16, 0x31000 | P | RW);                  /* supervisor page */
    put32(0x30000, 0x5a5a5a5a);
    ck_assert_int_eq(cpu->cpl, 0);
    /* SMEP: supervisor fetch from a user page */
    ASSERT_FAULT(t_code_page(0x1000, &end), EXCP_PF, PF_P | PF_I);
    ASSERT_OK(t_code_page(0x2000, &end));
    /* SMAP: explicit supervisor data access to a user page, AC clear */
    ASSERT_FAULT(t_read(R_DS, 0x1000, 4), EXCP_PF, PF_P);
    ASSERT_FAULT(t_write(R_DS, 0x1000, 1, 4), EXCP_PF, PF_P | PF_W);
    /* with EFLAGS.AC it is allowed */
    cpu->rflags |= AC_MASK;
    v = ASSERT_OK(t_read(R_DS, 0x1000, 4));
    ck_assert_uint_eq(v, 0x5a5a5a5a);
    /* implicit supervisor accesses ignore AC */
    ASSERT_FAULT(t_read_lin(0x1000, 4, false), EXCP_PF, PF_P);
    cpu->rflags &= ~(uint64_t)AC_MASK;
    /* user accesses are unaffected; supervisor pages still refuse them */
    v = ASSERT_OK(t_read_lin(0x1000, 4, true));
    ASSERT_FAULT(t_read_lin(0x2000, 4, true), EXCP_PF, PF_P | PF_U);
}
END_TEST

START_TEST(test_pcid_tagging)
{
    uint64_t v = 0;
    paging_long(0);
    put64(PT64 + 8, 0x30000 | P | RW | US);
    put32(0x30000, 0x1111);
    put32(0x37000, 0x2222);
    /* PCIDE needs CR3[11:0] = 0 */
    ASSERT_OK(t_write_cr(3, PML4 | 1));
    ASSERT_FAULT(t_write_cr(4, CR4_PAE | CR4_PCIDE), EXCP_GP, 0);
    ASSERT_OK(t_write_cr(3, PML4));
    ASSERT_OK(t_write_cr(4, CR4_PAE | CR4_PCIDE));
    ASSERT_OK(t_write_cr(3, PML4 | 1));
    ck_assert_uint_eq(cpu->cr3, PML4 | 1);
    v = ASSERT_OK(t_read_lin(0x1000, 4, false));
    ck_assert_uint_eq(v, 0x1111);
    put64(PT64 + 8, 0x37000 | P | RW | US);
    /* same PCID with the no-flush bit: the old translation may stay */
    ASSERT_OK(t_write_cr(3, PML4 | 1 | (1ull << 63)));
    ck_assert_uint_eq(cpu->cr3, PML4 | 1);
    v = ASSERT_OK(t_read_lin(0x1000, 4, false));
    ck_assert_uint_eq(v, 0x1111);
    /* without it, the PCID's entries are flushed */
    ASSERT_OK(t_write_cr(3, PML4 | 1));
    v = ASSERT_OK(t_read_lin(0x1000, 4, false));
    ck_assert_uint_eq(v, 0x2222);
    /* clearing PAE in long mode is refused */
    ASSERT_FAULT(t_write_cr(4, CR4_PCIDE), EXCP_GP, 0);
}
END_TEST

/* ---- segmentation in x86_seg_linear ---- */

START_TEST(test_seg_linear_checks)
{
    uint64_t lin = 0;
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET));
    x86_set_seg_cache(cpu, R_DS, 0x10, 0x1000, 0xfff, 0x91);      /* read-only data */
    x86_set_seg_cache(cpu, R_ES, 0x18, 0x2000, 0xfff, 0x9b);      /* code, readable */
    x86_set_seg_cache(cpu, R_FS, 0x20, 0x3000, 0xfff, 0x99);      /* code, exec-only */
    x86_set_seg_cache(cpu, R_GS, 0x28, 0x0, 0xfff, 0x97 | SEG_ATTR_DB); /* expand-down */
    x86_set_seg_cache(cpu, R_SS, 0x30, 0x0, 0xfff, 0x93 | SEG_ATTR_DB);
    lin = ASSERT_OK(t_seg_linear(R_DS, 0xffc, 4, ACC_READ));
    ck_assert_uint_eq(lin, 0x1ffc);
    ASSERT_FAULT(t_seg_linear(R_DS, 0xffd, 4, ACC_READ), EXCP_GP, 0);
    ASSERT_FAULT(t_seg_linear(R_DS, 0, 1, ACC_WRITE), EXCP_GP, 0);
    ASSERT_OK(t_seg_linear(R_ES, 0, 4, ACC_READ));
    ASSERT_FAULT(t_seg_linear(R_ES, 0, 4, ACC_WRITE), EXCP_GP, 0);
    ASSERT_FAULT(t_seg_linear(R_FS, 0, 4, ACC_READ), EXCP_GP, 0);
    ASSERT_FAULT(t_seg_linear(R_GS, 0xfff, 1, ACC_READ), EXCP_GP, 0);
    lin = ASSERT_OK(t_seg_linear(R_GS, 0x1000, 4, ACC_WRITE));
    ASSERT_OK(t_seg_linear(R_GS, 0xfffffffc, 4, ACC_WRITE));
    ASSERT_FAULT(t_seg_linear(R_GS, 0xfffffffe, 4, ACC_WRITE), EXCP_GP, 0);
    ASSERT_FAULT(t_seg_linear(R_SS, 0x1000, 1, ACC_READ), EXCP_SS, 0);
    x86_set_seg_cache(cpu, R_DS, 0, 0, 0, SEG_ATTR_UNUSABLE);
    ASSERT_FAULT(t_seg_linear(R_DS, 0, 1, ACC_READ), EXCP_GP, 0);
}
END_TEST

START_TEST(test_seg_linear_64bit)
{
    uint64_t lin = 0;
    paging_long(0);
    x86_set_seg_cache(cpu, R_CS, 0x8, 0, 0xffffffff, 0x9b | SEG_ATTR_L);
    ck_assert(cpu->code64);
    x86_set_seg_cache(cpu, R_DS, 0x10, 0x5000, 0x10, 0x93);
    x86_set_seg_cache(cpu, R_FS, 0, 0x7000, 0, SEG_ATTR_UNUSABLE);
    lin = ASSERT_OK(t_seg_linear(R_DS, 0x100000, 8, ACC_WRITE));
    ck_assert_uint_eq(lin, 0x100000);            /* no base, no limit */
    lin = ASSERT_OK(t_seg_linear(R_FS, 0x10, 8, ACC_READ));
    ck_assert_uint_eq(lin, 0x7010);              /* FS base applies */
    ASSERT_FAULT(t_seg_linear(R_DS, 0x00007ffffffffffcull, 8, ACC_READ), EXCP_GP, 0);
    ASSERT_FAULT(t_seg_linear(R_SS, 0x8000000000000000ull, 8, ACC_READ), EXCP_SS, 0);
}
END_TEST

START_TEST(test_real_mode_and_fetch)
{
    uint64_t v = 0;
    uint8_t b = 0;
    put32(0x12340 + 0x10, 0xfeedface);
    x86_set_seg_cache(cpu, R_DS, 0x1234, 0x12340, 0xffff, 0x93);
    v = ASSERT_OK(t_read(R_DS, 0x10, 4));
    ck_assert_uint_eq(v, 0xfeedface);
    ASSERT_FAULT(t_read(R_DS, 0xfffe, 4), EXCP_GP, 0);
    /* the reset vector: CS base 0xffff0000 is unassigned here, reads 0xff */
    ck_assert_uint_eq(cpu->rip, 0xfff0);
    b = (uint8_t)ASSERT_OK(t_fetch(0xfff0));
    ck_assert_uint_eq(b, 0xff);
    ASSERT_FAULT(t_fetch(0x10000), EXCP_GP, 0);
    x86_set_seg_cache(cpu, R_CS, 0x1234, 0x12340, 0xffff, 0x9b);
    const uint8_t *p = NULL;
    p = (const uint8_t *)(uintptr_t)ASSERT_OK(t_code_ptr(0x10));
    ck_assert_ptr_eq(p, tm_ram.ram + 0x12350);
    ck_assert_uint_eq(tm_avail, 0x13000 - 0x12350);
    ASSERT_OK(t_code_ptr(0xfffe));
    ck_assert_uint_eq(tm_avail, 2);
}
END_TEST

/* ---- MMIO pages go through the address space ---- */

static uint64_t mmio_last_addr;
static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    mmio_last_addr = addr;
    return 0x42;
}
static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    mmio_last_addr = addr | 0x10000;
}
static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write,
    .valid = { .max_access_size = 8 }, .impl = { .max_access_size = 4 },
};

START_TEST(test_mmio_and_map_change)
{
    static MemoryRegion dev;
    uint64_t v = 0;
    paging32(0, false);
    map32(0x7000, 0xfee00000u | P | RW);
    memory_region_init_io(&dev, "dev", &mmio_ops, NULL, 0x1000);
    memory_region_add_subregion(&tm_machine.system_root, 0xfee00000u, &dev);
    v = ASSERT_OK(t_read_lin(0x7020, 4, false));
    ck_assert_uint_eq(v, 0x42);
    ck_assert_uint_eq(mmio_last_addr, 0x20);
    ASSERT_OK(t_write_lin(0x7030, 1, 4, false));
    ck_assert_uint_eq(mmio_last_addr, 0x10030);
    /* RAM page cached, then the map changes under it: the TLB notices */
    map32(0x8000, 0x30000 | P | RW);
    put32(0x30000, 0x77);
    v = ASSERT_OK(t_read_lin(0x8000, 4, false));
    ck_assert_uint_eq(v, 0x77);
    static MemoryRegion dev2;
    memory_region_init_io(&dev2, "dev2", &mmio_ops, NULL, 0x1000);
    memory_region_add_subregion_overlap(&tm_machine.system_root, 0x30000, &dev2, 1);
    v = ASSERT_OK(t_read_lin(0x8000, 4, false));
    ck_assert_uint_eq(v, 0x42);
    memory_region_del_subregion(&tm_machine.system_root, &dev2);
    memory_region_del_subregion(&tm_machine.system_root, &dev);
}
END_TEST

/* ---- hostile page tables: any entry ends in a translation or #PF/#GP ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void) { return tm_xorshift64(&rng_state); }

/* Entries that mostly point back into the table area, sometimes anywhere. */
static uint64_t random_pte(void)
{
    uint64_t r = rng();
    if ((r & 7) == 0)
        return rng();
    uint64_t addr = 0x60000 + ((r >> 8) % 8) * 0x1000;
    return addr | (rng() & 0x1e7) | ((r & 0x10) ? XD : 0) | 1;
}

START_TEST(test_hostile_page_tables)
{
    static const uint64_t cr4s[] = { 0, CR4_PSE, CR4_PAE, CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP };
    for (int round = 0; round < 200; round++) {
        tm_teardown();
        tm_setup();
        for (unsigned i = 0; i < 8 * 512; i++)
            put64(0x60000 + i * 8, random_pte());
        uint64_t cr4 = cr4s[round % 4];
        bool lm = (round % 8) == 3;
        ck_assert(x86_wrmsr(cpu, MSR_EFER, (lm ? EFER_LME : 0) | ((round & 16) ? EFER_NXE : 0)));
        ASSERT_OK(t_write_cr(4, cr4));
        ASSERT_OK(t_write_cr(3, 0x60000));
        Outcome o = t_write_cr(0, CR0_PE | CR0_ET | CR0_PG | ((round & 32) ? CR0_WP : 0));
        if (o.vector >= 0) {   /* PAE PDPTEs with reserved bits */
            ck_assert(cr4 & CR4_PAE);
            ck_assert_int_eq(o.vector, EXCP_GP);
            ck_assert(!(cpu->cr0 & CR0_PG));
            continue;
        }
        for (int i = 0; i < 500; i++) {
            uint64_t lin = lm ? rng() : (rng() & 0xffffffffull);
            if (rng() & 1)
                lin &= 0x00007fffffffffffull;
            unsigned size = 1u << (rng() % 4);
            switch (rng() % 3) {
            case 0: o = t_read_lin(lin, size, rng() & 1); break;
            case 1: o = t_write_lin(lin, rng(), size, rng() & 1); break;
            default: { uint64_t end; o = t_code_page(lin, &end); } break;
            }
            ck_assert(o.vector == -1 || o.vector == EXCP_PF || o.vector == EXCP_GP);
            if (o.vector == EXCP_PF)
                ck_assert((o.error & ~0x1fu) == 0);
            if (rng() % 16 == 0)
                x86_invlpg(cpu, lin);
        }
    }
}
END_TEST

int main(void)
{
    return unit_run_tcase("mmu", "paging", tm_setup, tm_teardown, UNIT_TESTS(
        test_paging32_translate_and_ad_bits, test_paging32_not_present_error_codes,
        test_paging32_user_supervisor_and_wp, test_paging32_pse_and_reserved,
        test_page_crossing_write_checks_both_pages, test_global_pages_survive_cr3_write_and_invlpg,
        test_invlpg_in_large_page, test_pae_translate_2m_and_nx, test_pae_reserved_bits,
        test_long_mode_page_sizes, test_long_mode_rw_combined_and_nx, test_smep_smap,
        test_pcid_tagging, test_seg_linear_checks, test_seg_linear_64bit, test_real_mode_and_fetch,
        test_mmio_and_map_change, test_hostile_page_tables));
}
