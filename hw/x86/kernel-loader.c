/*
 * -kernel: read the kernel and initrd files with size limits, detect the
 * format (Linux bzImage or Multiboot v1) and hand over to its loader.
 */
#include "hw/x86/kernel-loader.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/x86/linuxboot.h"
#include "hw/x86/multiboot.h"

static bool read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

bool boot_read_file(const char *what, const char *path, uint64_t limit, uint8_t **data,
                    size_t *len, char **err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    const char *why = fd < 0 || fstat(fd, &st) < 0 ? g_strerror(errno)
                      : !S_ISREG(st.st_mode)     ? "not a regular file" : NULL;
    if (why) {
        *err = g_strdup_printf("%s: cannot read '%s': %s", what, path, why);
        if (fd >= 0)
            close(fd);
        return false;
    }
    if ((uint64_t)st.st_size > limit) {
        *err = g_strdup_printf("%s: '%s' (%" G_GUINT64_FORMAT " KiB) does not fit in guest RAM (%"
                               G_GUINT64_FORMAT " KiB below 4 GiB)", what, path,
                               (uint64_t)st.st_size >> 10, limit >> 10);
        close(fd);
        return false;
    }
    *len = (size_t)st.st_size;
    *data = g_malloc(*len ? *len : 1);
    bool ok = read_all(fd, *data, *len);
    close(fd);
    if (!ok) {
        *err = g_strdup_printf("%s: error reading '%s'", what, path);
        g_free(*data);
        *data = NULL;
    }
    return ok;
}

/* Split "a b,c,,d" into module strings "a b" and "c,d". */
static GPtrArray *split_modules(const char *spec)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = spec; ; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            g_ptr_array_add(out, g_string_free(cur, FALSE));
            if (*p == '\0')
                break;
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return out;
}

/* Files of the modules: the word before the first space of each string. */
static bool read_modules(const DirectBootConfig *dc, bool multi, GPtrArray *strs,
                         BootModule *mods, int *nr, char **err)
{
    *nr = 0;
    if (!dc->initrd)
        return true;
    if (!multi)
        g_ptr_array_add(strs, g_strdup(dc->initrd));
    else
        g_ptr_array_extend_and_steal(strs, split_modules(dc->initrd));
    if (strs->len > BOOT_MAX_MODULES) {
        *err = g_strdup_printf("-initrd: at most %d modules", BOOT_MAX_MODULES);
        return false;
    }
    for (unsigned i = 0; i < strs->len; i++) {
        const char *s = g_ptr_array_index(strs, i);
        char *file = multi ? g_strndup(s, strcspn(s, " ")) : g_strdup(s);
        uint8_t *data;
        size_t len;
        bool ok = boot_read_file("-initrd", file, dc->ram_below_4g, &data, &len, err);
        g_free(file);
        if (!ok)
            return false;
        mods[(*nr)++] = (BootModule){ data, len, s };
    }
    return true;
}

static bool boot_image(AddressSpace *as, const DirectBootConfig *dc, BootImage *img,
                       BootEntry *entry, char **err)
{
    bool is_linux = linux_probe(img->kernel, img->kernel_len);
    if (!is_linux && !multiboot_probe(img->kernel, img->kernel_len)) {
        *err = g_strdup_printf("'%s' is neither a Linux bzImage nor a Multiboot kernel", dc->kernel);
        return false;
    }
    BootModule mods[BOOT_MAX_MODULES];
    GPtrArray *strs = g_ptr_array_new_with_free_func(g_free);
    bool ok = read_modules(dc, !is_linux, strs, mods, &img->nr_modules, err);
    img->modules = mods;
    if (ok)
        ok = is_linux ? linux_load(as, img, entry, err) : multiboot_load(as, img, entry, err);
    for (int i = 0; i < img->nr_modules; i++)
        g_free((void *)mods[i].data);
    g_ptr_array_free(strs, TRUE);
    return ok;
}

bool pc_direct_boot(AddressSpace *as, const DirectBootConfig *dc, BootEntry *entry, char **err)
{
    BootImage img = { .name = dc->kernel, .cmdline = dc->append, .e820 = dc->e820,
                      .ram_below_4g = dc->ram_below_4g, .acpi_rsdp = dc->acpi_rsdp };
    uint8_t *kernel;
    if (!boot_read_file("-kernel", dc->kernel, dc->ram_below_4g, &kernel, &img.kernel_len, err))
        return false;
    img.kernel = kernel;
    bool ok = boot_image(as, dc, &img, entry, err);
    g_free(kernel);
    return ok;
}
