/*
 * AML byte-code builder (ACPI specification, "ACPI Machine Language"):
 * PkgLength and NameString encodings, integer and string data objects,
 * the Scope/Device/Method/Package/Buffer blocks and the resource
 * descriptors a PCI root bridge's _CRS needs.
 */
#include "hw/acpi/aml.h"

#include <stdlib.h>
#include <string.h>

enum {
    AML_ZERO_OP = 0x00, AML_ONE_OP = 0x01, AML_NAME_OP = 0x08, AML_BYTE_PREFIX = 0x0a,
    AML_WORD_PREFIX = 0x0b, AML_DWORD_PREFIX = 0x0c, AML_STRING_PREFIX = 0x0d,
    AML_QWORD_PREFIX = 0x0e, AML_SCOPE_OP = 0x10, AML_BUFFER_OP = 0x11,
    AML_PACKAGE_OP = 0x12, AML_METHOD_OP = 0x14, AML_DUAL_NAME_PREFIX = 0x2e,
    AML_MULTI_NAME_PREFIX = 0x2f, AML_EXT_OP_PREFIX = 0x5b, AML_DEVICE_OP = 0x82,
    AML_RETURN_OP = 0xa4, AML_ONES_OP = 0xff,
};

typedef enum AmlKind {
    AML_RAW,         /* body only */
    AML_BLOCK,       /* op PkgLength head body */
    AML_EXT_BLOCK,   /* 0x5b op PkgLength head body */
    AML_PACKAGE,     /* 0x12 PkgLength NumElements body */
    AML_RES_TEMPLATE /* 0x11 PkgLength BufferSize body EndTag */
} AmlKind;

struct Aml {
    AmlKind kind;
    uint8_t op;
    GByteArray *head;   /* name and flags between PkgLength and children */
    GByteArray *body;
    unsigned nelems;
};

static Aml *aml_new(AmlKind kind, uint8_t op)
{
    Aml *a = g_new0(Aml, 1);
    a->kind = kind;
    a->op = op;
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

void aml_free(Aml *node)
{
    if (!node)
        return;
    g_byte_array_free(node->head, TRUE);
    g_byte_array_free(node->body, TRUE);
    g_free(node);
}

static void push(GByteArray *out, uint8_t b)
{
    g_byte_array_append(out, &b, 1);
}

static void push_le(GByteArray *out, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        push(out, (uint8_t)(v >> (8 * i)));
}

/* ---- encodings ---- */

void aml_encode_pkglen(GByteArray *out, uint32_t body_len)
{
    if (body_len + 1 <= 0x3f) {
        push(out, (uint8_t)(body_len + 1));
        return;
    }
    unsigned n = body_len + 2 < (1u << 12) ? 2 : body_len + 3 < (1u << 20) ? 3 : 4;
    uint32_t len = body_len + n;
    push(out, (uint8_t)(((n - 1) << 6) | (len & 0x0f)));
    len >>= 4;
    for (unsigned i = 1; i < n; i++, len >>= 8)
        push(out, (uint8_t)len);
}

static void encode_nameseg(GByteArray *out, const char *seg, size_t len)
{
    for (size_t i = 0; i < 4; i++)
        push(out, i < len ? (uint8_t)seg[i] : '_');
}

void aml_encode_name(GByteArray *out, const char *name)
{
    while (*name == '\\' || *name == '^')
        push(out, (uint8_t)*name++);
    if (!*name) {
        push(out, 0x00);   /* NullName */
        return;
    }
    gchar **segs = g_strsplit(name, ".", -1);
    unsigned n = g_strv_length(segs);
    if (n == 2)
        push(out, AML_DUAL_NAME_PREFIX);
    else if (n > 2) {
        push(out, AML_MULTI_NAME_PREFIX);
        push(out, (uint8_t)n);
    }
    for (unsigned i = 0; i < n; i++)
        encode_nameseg(out, segs[i], MIN(strlen(segs[i]), 4));
    g_strfreev(segs);
}

uint32_t aml_eisaid_value(const char *id)
{
    uint32_t v = 0;
    if (strlen(id) != 7)
        return 0;
    for (int i = 0; i < 3; i++)
        v |= (uint32_t)((id[i] - 0x40) & 0x1f) << (26 - 5 * i);
    v |= (uint32_t)strtoul(id + 3, NULL, 16) & 0xffff;
    return GUINT32_SWAP_LE_BE(v);
}

/* ---- terms ---- */

static void encode_int(GByteArray *out, uint64_t v)
{
    if (v == 0)
        push(out, AML_ZERO_OP);
    else if (v == 1)
        push(out, AML_ONE_OP);
    else if (v == UINT64_MAX)
        push(out, AML_ONES_OP);
    else if (v <= 0xff) {
        push(out, AML_BYTE_PREFIX);
        push_le(out, v, 1);
    } else if (v <= 0xffff) {
        push(out, AML_WORD_PREFIX);
        push_le(out, v, 2);
    } else if (v <= 0xffffffffu) {
        push(out, AML_DWORD_PREFIX);
        push_le(out, v, 4);
    } else {
        push(out, AML_QWORD_PREFIX);
        push_le(out, v, 8);
    }
}

Aml *aml_int(uint64_t value)
{
    Aml *a = aml_new(AML_RAW, 0);
    encode_int(a->body, value);
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, AML_STRING_PREFIX);
    g_byte_array_append(a->body, (const guint8 *)s, (guint)strlen(s) + 1);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, AML_DWORD_PREFIX);
    push_le(a->body, aml_eisaid_value(id), 4);
    return a;
}

Aml *aml_name_ref(const char *name)
{
    Aml *a = aml_new(AML_RAW, 0);
    aml_encode_name(a->body, name);
    return a;
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, AML_NAME_OP);
    aml_encode_name(a->body, name);
    aml_emit(a->body, value);
    return a;
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, AML_RETURN_OP);
    aml_emit(a->body, value);
    return a;
}

/* ---- blocks ---- */

Aml *aml_scope(const char *name)
{
    Aml *a = aml_new(AML_BLOCK, AML_SCOPE_OP);
    aml_encode_name(a->head, name);
    return a;
}

Aml *aml_device(const char *name)
{
    Aml *a = aml_new(AML_EXT_BLOCK, AML_DEVICE_OP);
    aml_encode_name(a->head, name);
    return a;
}

Aml *aml_method(const char *name, int nargs, bool serialized)
{
    Aml *a = aml_new(AML_BLOCK, AML_METHOD_OP);
    aml_encode_name(a->head, name);
    push(a->head, (uint8_t)((nargs & 7) | (serialized ? 0x08 : 0)));
    return a;
}

Aml *aml_package(void)
{
    return aml_new(AML_PACKAGE, AML_PACKAGE_OP);
}

Aml *aml_resource_template(void)
{
    return aml_new(AML_RES_TEMPLATE, AML_BUFFER_OP);
}

void aml_append(Aml *parent, Aml *child)
{
    parent->nelems++;
    aml_emit(parent->body, child);
}

static void emit_res_template(GByteArray *out, Aml *node)
{
    static const uint8_t end_tag[2] = { 0x79, 0x00 };  /* checksum 0: not checked */
    g_byte_array_append(node->body, end_tag, 2);
    GByteArray *size = g_byte_array_new();
    encode_int(size, node->body->len);
    push(out, AML_BUFFER_OP);
    aml_encode_pkglen(out, size->len + node->body->len);
    g_byte_array_append(out, size->data, size->len);
    g_byte_array_append(out, node->body->data, node->body->len);
    g_byte_array_free(size, TRUE);
}

void aml_emit(GByteArray *out, Aml *node)
{
    switch (node->kind) {
    case AML_RAW:
        g_byte_array_append(out, node->body->data, node->body->len);
        break;
    case AML_EXT_BLOCK:
        push(out, AML_EXT_OP_PREFIX);
        /* fall through */
    case AML_BLOCK:
        push(out, node->op);
        aml_encode_pkglen(out, node->head->len + node->body->len);
        g_byte_array_append(out, node->head->data, node->head->len);
        g_byte_array_append(out, node->body->data, node->body->len);
        break;
    case AML_PACKAGE:
        push(out, AML_PACKAGE_OP);
        aml_encode_pkglen(out, 1 + node->body->len);
        push(out, (uint8_t)node->nelems);
        g_byte_array_append(out, node->body->data, node->body->len);
        break;
    case AML_RES_TEMPLATE:
        emit_res_template(out, node);
        break;
    }
    aml_free(node);
}

/* ---- resource descriptors ---- */

static Aml *raw_bytes(const uint8_t *bytes, size_t len)
{
    Aml *a = aml_new(AML_RAW, 0);
    g_byte_array_append(a->body, bytes, (guint)len);
    return a;
}

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    uint8_t d[8] = { 0x47, 0x01 /* 16-bit decode */, (uint8_t)min, (uint8_t)(min >> 8),
                     (uint8_t)max, (uint8_t)(max >> 8), align, len };
    return raw_bytes(d, sizeof(d));
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    uint16_t mask = (uint16_t)(1u << (irq & 15));
    uint8_t d[3] = { 0x22, (uint8_t)mask, (uint8_t)(mask >> 8) };
    return raw_bytes(d, sizeof(d));
}

Aml *aml_memory32_fixed(uint32_t base, uint32_t size, bool read_write)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, 0x86);
    push_le(a->body, 9, 2);
    push(a->body, read_write ? 1 : 0);
    push_le(a->body, base, 4);
    push_le(a->body, size, 4);
    return a;
}

/* Word address space descriptor: producer, MinFixed, MaxFixed, PosDecode. */
static Aml *word_space(uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, 0x88);
    push_le(a->body, 13, 2);
    push(a->body, type);
    push(a->body, 0x0c);
    push(a->body, type_flags);
    push_le(a->body, 0, 2);                      /* granularity */
    push_le(a->body, min, 2);
    push_le(a->body, max, 2);
    push_le(a->body, 0, 2);                      /* translation */
    push_le(a->body, (uint32_t)max - min + 1, 2);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return word_space(2, 0, min, max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return word_space(1, 0x03 /* entire range */, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, 0x87);
    push_le(a->body, 23, 2);
    push(a->body, 0);                            /* memory range */
    push(a->body, 0x0c);
    push(a->body, (uint8_t)(0x01 | (cacheable ? 0x02 : 0)));  /* read-write */
    push_le(a->body, 0, 4);
    push_le(a->body, min, 4);
    push_le(a->body, max, 4);
    push_le(a->body, 0, 4);
    push_le(a->body, (uint64_t)max - min + 1, 4);
    return a;
}

Aml *aml_interrupt_level_high(uint32_t irq)
{
    Aml *a = aml_new(AML_RAW, 0);
    push(a->body, 0x89);
    push_le(a->body, 6, 2);
    push(a->body, 0x09);                         /* consumer, level, active-high, shared */
    push(a->body, 1);                            /* one interrupt */
    push_le(a->body, irq, 4);
    return a;
}
