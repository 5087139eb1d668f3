/*
 * The "file:PATH" character device: guest output appended to a file that
 * is created or truncated when the device opens. It never produces input.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "core/chardev-internal.h"
#include "core/chardev.h"

typedef struct FileChardev {
    int fd;
} FileChardev;

static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    FileChardev *f = chr->priv;
    return chardev_write_fd(f->fd, buf, len, -1, false);
}

static void file_close(Chardev *chr)
{
    FileChardev *f = chr->priv;
    close(f->fd);
    g_free(f);
}

static const ChardevClass file_class = {
    .name = "file",
    .write = file_write,
    .close = file_close,
};

Chardev *chardev_file_open(const char *label, const char *path, char **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        *err = g_strdup_printf("could not open serial file '%s': %s", path, g_strerror(errno));
        return NULL;
    }
    Chardev *chr = chardev_alloc(&file_class, label);
    FileChardev *f = g_new0(FileChardev, 1);
    f->fd = fd;
    chr->priv = f;
    return chr;
}
