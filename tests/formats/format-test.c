/* format-test.c — helpers shared by the tests/formats programs (see
 * format-test.h). */
#include "format-test.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ft_failures;
static const char *fixture_dir;
static char scratch_dir[512];

void ft_check(bool ok, const char *file, int line, const char *fmt, ...)
{
    if (ok)
        return;
    ft_failures++;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool ft_init(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
        return false;
    }
    fixture_dir = argv[1];
    return true;
}

const char *ft_fixture(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", fixture_dir, name);
    return buf;
}

const char *ft_scratch(const char *name)
{
    static char buf[1024];
    if (!scratch_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch_dir, sizeof scratch_dir, "%s/unroll-formats-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch_dir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    snprintf(buf, sizeof buf, "%s/%s", scratch_dir, name);
    return buf;
}

unsigned char *ft_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", path);
        exit(1);
    }
    *len = n;
    return buf;
}

bool ft_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void ft_expect_fail(bool got, const ur_ctx *ctx, ur_status status, const char *what,
                    const char *file, int line, ...)
{
    if (got) {
        ft_check(false, file, line, "%s: expected a failure, got a result", what);
        return;
    }
    ft_check(ctx->status == status, file, line, "%s: status %s, expected %s (message: %s)", what,
             ur_status_name(ctx->status), ur_status_name(status), ctx->message);
    va_list ap;
    va_start(ap, line);
    for (const char *w; (w = va_arg(ap, const char *));)
        ft_check(strstr(ctx->message, w) != NULL, file, line,
                 "%s: message \"%s\" lacks \"%s\"", what, ctx->message, w);
    va_end(ap);
}

bool ft_try_read(ft_reader read, const void *buf, size_t len, const char *name, ur_ctx *ctx)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, buf, len);
    ur_ctx_clear(ctx);
    bool ok = read(copy, len, name, ctx);
    free(copy);
    return ok;
}

void ft_check_read(ft_reader read, const void *buf, size_t len, const char *name,
                   ur_status status, const char *word1, const char *word2, const char *what,
                   const char *file, int line)
{
    ur_ctx ctx;
    bool ok = ft_try_read(read, buf, len, name, &ctx);
    if (status == UR_OK) {
        ft_check(ok, file, line, "%s: should read, got: %s", what, ctx.message);
        return;
    }
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s: ", name);
    ft_expect_fail(ok, &ctx, status, what, file, line, prefix, word1 ? word1 : "",
                   word2 ? word2 : "", (char *)NULL);
}

void ft_check_cuts(ft_reader read, const char *fixture, const char *word, size_t skip)
{
    size_t len;
    unsigned char *buf = ft_read(ft_fixture(fixture), &len);
    for (size_t cut = 0; cut < len; cut++) {
        if (cut == skip)
            continue;
        ur_ctx ctx;
        bool ok = ft_try_read(read, buf, cut, fixture, &ctx);
        ft_check(!ok && strncmp(ctx.message, fixture, strlen(fixture)) == 0 &&
                 (!word || strstr(ctx.message, word)), __FILE__, __LINE__,
                 "%s cut at %zu: %s", fixture, cut, ctx.message);
    }
    free(buf);
}

bool ft_same_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i]))
            continue;
        if (a[i] != b[i] || signbit(a[i]) != signbit(b[i]))
            return false;
    }
    return true;
}

int ft_finish(const char *test)
{
    if (scratch_dir[0]) {
        DIR *d = opendir(scratch_dir);
        struct dirent *e;
        char path[1024];
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", scratch_dir, e->d_name);
            remove(path);
        }
        if (d)
            closedir(d);
        rmdir(scratch_dir);
    }
    if (ft_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", test, ft_failures);
        return 1;
    }
    printf("%s: all checks passed\n", test);
    return 0;
}
