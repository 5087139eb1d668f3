/*
 * Plain driver for the fuzz-cpu entry point (no libFuzzer needed): runs every
 * file given on the command line (a directory: every file in it), or, with
 * no file arguments, N pseudo-random inputs from a fixed seed, stopping early
 * after a time limit. Options: -n N (inputs, default 20000), -s SEED, -t SECONDS
 * (default 50). A crash or sanitizer report ends the process (the test fails).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t x = rng_state;   /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

static int run_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return 1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        rc |= run_path(p, count);
    }
    closedir(d);
    return rc;
}

/* Random input biased towards real instruction shapes: common opcodes,
 * prefixes and ModRM bytes mixed with uniform bytes. */
static size_t random_input(uint8_t *buf, size_t max)
{
    static const uint8_t common[] = {
        0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x48, 0x4c, 0x41,
        0x0f, 0x0f, 0x0f, 0x89, 0x8b, 0x01, 0x03, 0x31, 0xc7, 0xff, 0xf7, 0xd3, 0xc1, 0xe8,
        0xcd, 0xcf, 0xca, 0x9a, 0xea, 0x8e, 0x8c, 0xa5, 0xab, 0xc4, 0xc5, 0x62, 0x0f, 0x00,
    };
    size_t n = 1 + rng() % max;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng();
        buf[i] = (r & 3) == 0 ? common[(r >> 8) % sizeof(common)] : (uint8_t)(r >> 16);
    }
    return n;
}

int main(int argc, char **argv)
{
    unsigned long n = 20000, seed = 1, tmax = 50;
    int first_file = argc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-s") && i + 1 < argc)
            seed = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            tmax = strtoul(argv[++i], NULL, 0);
        else {
            first_file = i;
            break;
        }
    }
    if (first_file < argc) {
        unsigned count = 0;
        int rc = 0;
        for (int i = first_file; i < argc; i++)
            rc |= run_path(argv[i], &count);
        printf("fuzz-main: ran %u inputs\n", count);
        return rc;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    time_t start = time(NULL);
    static uint8_t buf[512];
    unsigned long i;
    for (i = 0; i < n; i++) {
        size_t len = random_input(buf, sizeof(buf));
        if (getenv("FUZZ_MAIN_DUMP")) {
            FILE *f = fopen(getenv("FUZZ_MAIN_DUMP"), "wb");
            if (f) {
                fwrite(buf, 1, len, f);
                fclose(f);
            }
        }
        LLVMFuzzerTestOneInput(buf, len);
        if ((i & 63) == 0 && (unsigned long)(time(NULL) - start) >= tmax) {
            i++;
            break;
        }
    }
    printf("fuzz-main: ran %lu random inputs (seed %lu) in %lds\n", i, seed,
           (long)(time(NULL) - start));
    return 0;
}
