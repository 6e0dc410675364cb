/* mnist.c — the bundled MNIST digits: reads ur_datadir()/mnist-10k.bin.gz
 * (made by tools/convert-mnist.js) into 8,000 training and 2,000 validation
 * digits, x (N, 28, 28) float32 in [0, 1], y (N,) int32. Checks the header,
 * the sizes and the labels; never trusts the file. */
#include "datasets.h"
#include "ur-internal.h"

#include <errno.h>
#include <stdio.h>
#include <zlib.h>

#define UR_MNIST_FILE "mnist-10k.bin.gz"
#define UR_MNIST_MAGIC "URMNIST" /* and a NUL: 8 bytes */
#define UR_MNIST_VERSION 1
#define UR_MNIST_HEADER 28       /* magic, then 5 little-endian uint32 */
#define UR_MNIST_CLASSES 10
#define UR_MNIST_MAX_DIGITS 1000000
#define UR_MNIST_MAX_SIDE 1024

/* The folders ur_datadir() tries after $UNROLL_DATADIR, for the message
 * when the file is missing. */
#ifdef UR_DATADIR
#define UR_MNIST_INSTALLED ", then " UR_DATADIR
#else
#define UR_MNIST_INSTALLED ""
#endif
#ifdef UR_SOURCE_DATADIR
#define UR_MNIST_SOURCE ", then " UR_SOURCE_DATADIR
#else
#define UR_MNIST_SOURCE ""
#endif

static uint32_t read_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads exactly n bytes; a short read or a zlib error is an error naming `what`. */
static ur_status gz_read_all(gzFile f, void *buf, size_t n, const char *path, const char *what,
                             ur_ctx *ctx)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (unsigned)UR_MIN(n - got, (size_t)1 << 30);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            size_t plen = strlen(path);
            if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
                msg += plen + 2; /* zlib puts the path in front */
            return ur_error(ctx, code == Z_ERRNO ? UR_ERR_IO : UR_ERR_FORMAT,
                            "%s: reading the %s: %s", path,
                            what, code == Z_ERRNO ? strerror(errno) : msg);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < n)
        return ur_error(ctx, UR_ERR_FORMAT,
                        "%s: truncated: the %s need %zu bytes, the file has %zu; regenerate it "
                        "with tools/convert-mnist.js",
                        path, what, n, got);
    return UR_OK;
}

/* x (n, rows, cols) = pixels / 255 and y (n,) = labels, for digits [from, from + n). */
static ur_status mnist_fill(ur_data *d, const unsigned char *pixels, const unsigned char *labels,
                            int64_t from, int64_t n, int64_t rows, int64_t cols, bool val,
                            ur_ctx *ctx)
{
    int64_t xdim[3] = {n, rows, cols}, ydim[1] = {n};
    ur_array *x = ur_array_new(UR_F32, 3, xdim, val ? "x_val" : "x");
    ur_array *y = ur_array_new(UR_I32, 1, ydim, val ? "y_val" : "y");
    if (!x || !y) {
        ur_array_free(x);
        ur_array_free(y);
        return ur_error(ctx, UR_ERR_NOMEM, "mnist: out of memory for %lld digits", (long long)n);
    }
    float *xf = ur_tensor_f32(&x->t);
    const unsigned char *px = pixels + from * rows * cols;
    for (int64_t i = 0; i < n * rows * cols; i++)
        xf[i] = (float)px[i] / 255.0f;
    int32_t *yi = ur_tensor_i32(&y->t);
    for (int64_t i = 0; i < n; i++)
        yi[i] = labels[from + i];
    d->n_x = d->n_y = 1;
    d->x = ur_xcalloc(1, sizeof *d->x);
    d->y = ur_xcalloc(1, sizeof *d->y);
    d->x[0] = x;
    d->y[0] = y;
    return UR_OK;
}

static ur_dataset *mnist_read(gzFile f, const char *path, ur_ctx *ctx)
{
    unsigned char h[UR_MNIST_HEADER];
    if (gz_read_all(f, h, sizeof h, path, "header", ctx) != UR_OK)
        return NULL;
    if (memcmp(h, UR_MNIST_MAGIC, 8) != 0) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: not an Unroll MNIST file (it does not start with \"URMNIST\"); "
                 "regenerate it with tools/convert-mnist.js",
                 path);
        return NULL;
    }
    uint32_t version = read_u32le(h + 8), n_train = read_u32le(h + 12),
             n_val = read_u32le(h + 16), rows = read_u32le(h + 20), cols = read_u32le(h + 24);
    if (version != UR_MNIST_VERSION) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: format version %u, but this build of Unroll reads version %d; use the "
                 "mnist-10k.bin.gz that came with this version (or regenerate it with "
                 "tools/convert-mnist.js)",
                 path, version, UR_MNIST_VERSION);
        return NULL;
    }
    if (n_train == 0 || n_train > UR_MNIST_MAX_DIGITS || n_val > UR_MNIST_MAX_DIGITS ||
        rows == 0 || rows > UR_MNIST_MAX_SIDE || cols == 0 || cols > UR_MNIST_MAX_SIDE) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: implausible header: %u training and %u validation digits of %u x %u "
                 "pixels",
                 path, n_train, n_val, rows, cols);
        return NULL;
    }

    int64_t n = (int64_t)n_train + n_val, side = (int64_t)rows * cols;
    unsigned char *pixels = malloc((size_t)(n * side));
    unsigned char *labels = malloc((size_t)n);
    ur_dataset *ds = NULL;
    if (!pixels || !labels) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory for %lld digits", path, (long long)n);
        goto done;
    }
    if (gz_read_all(f, pixels, (size_t)(n * side), path, "pixels", ctx) != UR_OK ||
        gz_read_all(f, labels, (size_t)n, path, "labels", ctx) != UR_OK)
        goto done;
    char extra;
    if (gzread(f, &extra, 1) > 0) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: has data after the %lld labels; the header or the file is wrong", path,
                 (long long)n);
        goto done;
    }
    for (int64_t i = 0; i < n; i++)
        if (labels[i] >= UR_MNIST_CLASSES) {
            ur_error(ctx, UR_ERR_FORMAT, "%s: digit %lld has label %u, expected 0 to %d", path,
                     (long long)i, labels[i], UR_MNIST_CLASSES - 1);
            goto done;
        }

    ds = ur_xcalloc(1, sizeof *ds);
    ds->name = ur_xstrdup("mnist");
    ds->x_names = ur_xcalloc(2, sizeof *ds->x_names);
    char desc[256];
    snprintf(desc, sizeof desc,
             "MNIST handwritten digits (LeCun & Cortes): %u training and %u validation images "
             "of %u x %u pixels, one row per timestep; 10 classes",
             n_train, n_val, rows, cols);
    ds->description = ur_xstrdup(desc);
    if (mnist_fill(&ds->train, pixels, labels, 0, n_train, rows, cols, false, ctx) != UR_OK ||
        (n_val > 0 &&
         mnist_fill(&ds->val, pixels, labels, n_train, n_val, rows, cols, true, ctx) != UR_OK)) {
        ur_dataset_free(ds);
        ds = NULL;
    }
done:
    free(pixels);
    free(labels);
    return ds;
}

ur_dataset *ur_dataset_mnist(ur_ctx *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ur_datadir(), UR_MNIST_FILE);
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f) {
        const char *env = getenv("UNROLL_DATADIR");
        char where[2048];
        snprintf(where, sizeof where, "$UNROLL_DATADIR (%s)" UR_MNIST_INSTALLED UR_MNIST_SOURCE,
                 env && env[0] ? env : "not set");
        ur_error(ctx, UR_ERR_IO,
                 "mnist: cannot open %s: %s. The bundled digits are looked for in %s; set "
                 "UNROLL_DATADIR to the folder that holds " UR_MNIST_FILE
                 " (the source tree's data/), or make the file with tools/convert-mnist.js",
                 path, errno ? strerror(errno) : "out of memory", where);
        return NULL;
    }
    ur_dataset *ds = mnist_read(f, path, ctx);
    gzclose(f);
    return ds;
}
