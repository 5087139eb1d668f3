/*
 * The gdb register map for x86: one layout per gdb session whatever mode the
 * CPU is in, so a session started in real mode keeps working in protected
 * and long mode. Two layouts: i386:x86-64 (the default) and i386 (chosen
 * for the session with `-gdb ...,arch=i386`, for gdb sessions on 32-bit
 * guests); the i386 one shows the low 32 bits of the same registers and
 * writes only those. Outside 64-bit code, `rip`/`eip` is the linear pc
 * (CS.base + IP), the address breakpoints and memory accesses use.
 */
#ifndef VESSEL_TARGET_X86_GDB_REGS_H
#define VESSEL_TARGET_X86_GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

typedef struct X86CPU X86CPU;

enum {
    GDB_REG_RAX = 0, GDB_REG_RIP = 16, GDB_REG_EFLAGS = 17, GDB_REG_CS = 18,
    GDB_REG_ST0 = 24, GDB_REG_FCTRL = 32, GDB_REG_XMM0 = 40, GDB_REG_MXCSR = 56,
    GDB_REG_FS_BASE = 57, GDB_REG_GS_BASE = 58, GDB_REG_CR0 = 59, GDB_REG_CR2 = 60,
    GDB_REG_CR3 = 61, GDB_REG_CR4 = 62, GDB_REG_CR8 = 63, GDB_REG_EFER = 64,
    GDB_NUM_REGS = 65,
};

/* Size in bytes of register `regno`, or -1. */
int gdb_reg_size(int regno);
/* Sum of all register sizes (the `g` packet's payload in bytes). */
size_t gdb_regs_total_size(void);
/* Read into buf (little endian); returns the size or -1. */
int gdb_reg_read(X86CPU *cpu, int regno, uint8_t *buf);
/* Write from buf; returns the size, or -1 if regno is unknown or the value
 * is refused (e.g. a control-register value that would fault). */
int gdb_reg_write(X86CPU *cpu, int regno, const uint8_t *buf);
/* The register name (for monitor output). */
const char *gdb_reg_name(int regno);
/* The target description (target.xml). */
const char *gdb_target_xml(void);

/* ---- the i386 layout: eax..edi, eip, eflags, segments, x87, xmm0-7,
 * mxcsr, fs_base/gs_base, cr0 cr2 cr3 cr4 cr8 (32 bits), efer ---- */
#define GDB_I386_NUM_REGS 49
int gdb_i386_reg_size(int regno);
int gdb_i386_reg_read(X86CPU *cpu, int regno, uint8_t *buf);
int gdb_i386_reg_write(X86CPU *cpu, int regno, const uint8_t *buf);
const char *gdb_i386_target_xml(void);

#endif
