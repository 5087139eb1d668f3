/*
 * Text dump of a context's ops (-d op): one line per op, temps by name
 * (env, globals' names, tN for locals, $0x.. for constants).
 */
#include "tcg/tcg.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const cond_names[] = {
    "never", "always", "eq", "ne", "lt", "ge", "le", "gt",
    "ltu", "geu", "leu", "gtu", "tsteq", "tstne",
};

static const char *cond_name(uint64_t c)
{
    return c < sizeof(cond_names) / sizeof(cond_names[0]) ? cond_names[c] : "?";
}

static void temp_name(const TCGContext *s, uint64_t t, char *buf, size_t size)
{
    if (t >= (uint64_t)s->nb_temps) {
        snprintf(buf, size, "<bad %" PRIu64 ">", t);
        return;
    }
    const TCGTemp *tp = &s->temps[t];
    switch (tp->kind) {
    case TEMP_ENV: snprintf(buf, size, "env"); break;
    case TEMP_GLOBAL: snprintf(buf, size, "%s", tp->name ? tp->name : "global"); break;
    case TEMP_CONST: snprintf(buf, size, "$0x%" PRIx64, tp->val); break;
    case TEMP_LOCAL: snprintf(buf, size, "t%" PRIu64, t); break;
    }
}

/* The constant arguments of op, as text. */
static void cargs_text(const TCGOp *op, char *buf, size_t size)
{
    const uint64_t *k = op->args + op->nb_oargs + op->nb_iargs;
    switch (op->opc) {
    case INDEX_op_setcond:
    case INDEX_op_movcond:
        snprintf(buf, size, "%s", cond_name(k[0]));
        break;
    case INDEX_op_brcond:
        snprintf(buf, size, "%s, L%" PRIu64, cond_name(k[0]), k[1]);
        break;
    case INDEX_op_br:
    case INDEX_op_set_label:
        snprintf(buf, size, "L%" PRIu64, k[0]);
        break;
    case INDEX_op_call: {
        const TCGHelperInfo *info = (const TCGHelperInfo *)(uintptr_t)k[0];
        snprintf(buf, size, "%s", info->name ? info->name : "helper");
        break;
    }
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st:
        snprintf(buf, size, "%s%u, mmu%" PRIu64, (k[0] & MO_SIGN) ? "s" : "u",
                 8u << (k[0] & MO_SIZE), k[1]);
        break;
    default:
        buf[0] = 0;
        for (int i = 0, n = 0; i < op->nb_cargs; i++)
            n += snprintf(buf + n, size - (size_t)n, "%s$0x%" PRIx64, i ? ", " : "", k[i]);
        break;
    }
}

void tcg_dump_ops(const TCGContext *s, void (*out)(const char *fmt, ...))
{
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        char line[512], name[64];
        int n = snprintf(line, sizeof(line), "%s", tcg_op_defs[op->opc].name);
        int nt = op->nb_oargs + op->nb_iargs;
        for (int k = 0; k < nt; k++) {
            temp_name(s, op->args[k], name, sizeof(name));
            n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", k ? ", " : " ", name);
        }
        char kbuf[256];
        cargs_text(op, kbuf, sizeof(kbuf));
        if (kbuf[0])
            n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", nt ? ", " : " ", kbuf);
        if (op->dead_args)
            snprintf(line + n, sizeof(line) - (size_t)n, "  dead: 0x%x", op->dead_args);
        out(" %s\n", line);
    }
}
