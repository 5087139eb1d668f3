/*
 * A small AML byte-code builder for the DSDT: nodes are built bottom-up and
 * appended to their parent; blocks (Scope, Device, Method, Package, Buffer)
 * get their PkgLength when they are appended or finished.
 */
#ifndef VESSEL_HW_ACPI_AML_H
#define VESSEL_HW_ACPI_AML_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Aml Aml;

/* ---- encoding primitives (exposed for tests) ---- */
/* Append the PkgLength for a package whose body (after the PkgLength) is
 * `body_len` bytes. */
void aml_encode_pkglen(GByteArray *out, uint32_t body_len);
/* Append a NameString: "\\_SB.PCI0", "_S5_", "PCI0", "^FOO"; segments
 * shorter than 4 characters are padded with '_'. */
void aml_encode_name(GByteArray *out, const char *name);
/* The 32-bit value of EISAID("PNP0A03"). */
uint32_t aml_eisaid_value(const char *id);

/* ---- terms ---- */
Aml *aml_int(uint64_t value);               /* Zero/One/Ones or the smallest prefix */
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);            /* DWord EISA ID */
Aml *aml_name_ref(const char *name);        /* a NameString as a term */
Aml *aml_name_decl(const char *name, Aml *value);   /* Name(name, value) */
Aml *aml_return(Aml *value);

/* ---- blocks: append children with aml_append ---- */
Aml *aml_scope(const char *name);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, int nargs, bool serialized);
Aml *aml_package(void);                      /* NumElements counts appended children */
Aml *aml_resource_template(void);            /* Buffer ending with an EndTag */

/* ---- resource descriptors (append to a resource template) ---- */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_no_flags(uint8_t irq);
Aml *aml_memory32_fixed(uint32_t base, uint32_t size, bool read_write);
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable);
/* Extended Interrupt descriptor: consumer, level-triggered, active-high,
 * shared (how PCI interrupt links report their IRQ). */
Aml *aml_interrupt_level_high(uint32_t irq);

/* Append `child` to `parent` (consumes child). */
void aml_append(Aml *parent, Aml *child);
/* The encoded bytes of a node (closing its block), appended to `out`;
 * consumes the node. */
void aml_emit(GByteArray *out, Aml *node);
void aml_free(Aml *node);

#endif
