/* util.c — the error context, allocation helpers and name suggestions.
 * Nothing here prints or exits, except UR_ASSERT on a programmer error. */
#include "ur-internal.h"

#include <stdio.h>

void ur_ctx_clear(ur_ctx *ctx)
{
    if (ctx) {
        ctx->status = UR_OK;
        ctx->message[0] = '\0';
    }
}

ur_status ur_errorv(ur_ctx *ctx, ur_status status, const char *fmt, va_list ap)
{
    if (ctx) {
        ctx->status = status;
        vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
    }
    return status;
}

ur_status ur_error(ur_ctx *ctx, ur_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ur_errorv(ctx, status, fmt, ap);
    va_end(ap);
    return status;
}

void ur_error_prefix(ur_ctx *ctx, const char *fmt, ...)
{
    if (!ctx)
        return;
    char prefix[512], old[sizeof ctx->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, ctx->message, sizeof old);
    size_t np = strlen(prefix), cap = sizeof ctx->message;
    if (np > cap - 3)
        np = cap - 3;
    memcpy(ctx->message, prefix, np);
    memcpy(ctx->message + np, ": ", 2);
    size_t rest = strnlen(old, sizeof old);
    if (rest > cap - np - 3)
        rest = cap - np - 3;
    memcpy(ctx->message + np + 2, old, rest);
    ctx->message[np + 2 + rest] = '\0';
}

const char *ur_status_name(ur_status status)
{
    switch (status) {
    case UR_OK: return "ok";
    case UR_ERR_INVALID: return "invalid value";
    case UR_ERR_SHAPE: return "shape mismatch";
    case UR_ERR_NOMEM: return "out of memory";
    case UR_ERR_IO: return "input/output error";
    case UR_ERR_FORMAT: return "bad file format";
    case UR_ERR_NUMERIC: return "numeric error";
    case UR_ERR_CANCELLED: return "cancelled";
    case UR_ERR_UNSUPPORTED: return "unsupported";
    case UR_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

_Noreturn void ur_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "unroll: internal error: assertion '%s' failed at %s:%d\n", cond, file, line);
    abort();
}

void *ur_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    UR_ASSERT(p != NULL);
    return p;
}

void *ur_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    UR_ASSERT(p != NULL);
    return p;
}

void *ur_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    UR_ASSERT(p != NULL);
    return p;
}

char *ur_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ur_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

void *ur_alloc_aligned(size_t bytes)
{
    void *p = NULL;
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
        return NULL;
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

void ur_free_aligned(void *p) { free(p); }

int ur_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (int)(la > lb ? la : lb);
    int prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = prev[j - 1] + cost;
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *ur_closest(const char *s, const char *const *candidates)
{
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int i = 0; candidates[i]; i++) {
        int d = ur_edit_distance(s, candidates[i]);
        /* case-insensitive equality counts as very close */
        if (strcasecmp(s, candidates[i]) == 0)
            d = 0;
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t len = strlen(s);
    int limit = len <= 4 ? 2 : (int)(len / 2);
    return best_d <= limit ? best : NULL;
}
