/* test-npy.c — .npy reading and writing (data/npy.c): files written by
 * numpy (tools/make-format-fixtures.py) read back with the exact values in
 * both conversion modes, Fortran order, 0-d and 5-d arrays, versions 2 and
 * 3, the types that are refused, write/read round trips and the byte layout
 * of what is written, a table of malformed headers, and every truncation. */
#include "format-test.h"
#include "npy.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ur_array *read_fixture(const char *name, ur_npy_want want, ur_ctx *ctx)
{
    ur_ctx_clear(ctx);
    return ur_npy_read(ft_fixture(name), want, ctx);
}

static bool has_shape(const ur_array *a, int rank, const int64_t *dim)
{
    if (!a || a->t.rank != rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (a->t.dim[i] != dim[i])
            return false;
    return true;
}

static void check_f32(const char *name, ur_npy_want want, int rank, const int64_t *dim,
                      const float *want_values)
{
    ur_ctx ctx;
    ur_array *a = read_fixture(name, want, &ctx);
    FT_CHECK(a != NULL, "%s: %s", name, ctx.message);
    if (!a)
        return;
    FT_CHECK(a->t.dtype == UR_F32, "%s: float32 expected", name);
    FT_CHECK(has_shape(a, rank, dim), "%s: shape", name);
    FT_CHECK(a->name == NULL, "%s: a plain .npy has no name", name);
    int64_t n = ur_tensor_numel(&a->t);
    FT_CHECK(a->t.dtype == UR_F32 && ft_same_floats(ur_tensor_f32(&a->t), want_values, (size_t)n),
             "%s: values differ", name);
    for (int64_t i = 0; i < n && a->t.dtype == UR_F32; i++)
        if (!ft_same_floats(&ur_tensor_f32(&a->t)[i], &want_values[i], 1)) {
            fprintf(stderr, "  %s[%lld] = %.9g, expected %.9g\n", name, (long long)i,
                    ur_tensor_f32(&a->t)[i], want_values[i]);
            break;
        }
    ur_array_free(a);
}

static void check_i32(const char *name, int rank, const int64_t *dim, const int32_t *want_values)
{
    ur_ctx ctx;
    ur_array *a = read_fixture(name, UR_NPY_ANY, &ctx);
    FT_CHECK(a != NULL, "%s: %s", name, ctx.message);
    if (!a)
        return;
    FT_CHECK(a->t.dtype == UR_I32, "%s: int32 expected", name);
    FT_CHECK(has_shape(a, rank, dim), "%s: shape", name);
    int64_t n = ur_tensor_numel(&a->t);
    FT_CHECK(a->t.dtype == UR_I32 &&
             memcmp(ur_tensor_i32(&a->t), want_values, (size_t)n * sizeof(int32_t)) == 0,
             "%s: values differ", name);
    ur_array_free(a);
    /* the same file as float32 */
    float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
    for (int64_t i = 0; i < n; i++)
        f[i] = (float)want_values[i];
    check_f32(name, UR_NPY_FLOAT32, rank, dim, f);
    free(f);
}

static void test_fixtures(void)
{
    /* float64 -> float32: numpy's arange(6) * 0.37 - 2.5, rounded once */
    float f64[6];
    for (int i = 0; i < 6; i++) {
        volatile double prod = (double)i * 0.37; /* no fused multiply-add */
        f64[i] = (float)(prod - 2.5);
    }
    check_f32("f64-2x3.npy", UR_NPY_ANY, 2, (int64_t[]){2, 3}, f64);
    check_f32("f64-2x3.npy", UR_NPY_FLOAT32, 2, (int64_t[]){2, 3}, f64);

    float special[] = {0.0f, -0.0f, 1.5f, INFINITY, -INFINITY, NAN, 1e-45f, 3.4028235e38f,
                       -1.17549435e-38f};
    check_f32("f32-special.npy", UR_NPY_ANY, 1, (int64_t[]){9}, special);
    float special64[] = {INFINITY, -INFINITY, 0.0f, 0.1f, -2.5e-8f};
    check_f32("f64-special.npy", UR_NPY_ANY, 1, (int64_t[]){5}, special64);

    check_i32("i64.npy", 1, (int64_t[]){5},
              (int32_t[]){INT32_MIN, INT32_MAX, 0, -1, 123456789});
    check_i32("bool.npy", 1, (int64_t[]){4}, (int32_t[]){1, 0, 1, 1});
    check_i32("u8.npy", 1, (int64_t[]){4}, (int32_t[]){0, 1, 127, 255});
    check_i32("i8.npy", 1, (int64_t[]){4}, (int32_t[]){-128, -1, 0, 127});
    check_i32("i16.npy", 1, (int64_t[]){3}, (int32_t[]){-32768, 32767, 5});
    check_i32("u16.npy", 1, (int64_t[]){2}, (int32_t[]){0, 65535});
    check_i32("i32.npy", 1, (int64_t[]){3}, (int32_t[]){-5, 7, INT32_MAX});

    /* Fortran order comes back in C order: a[i, j, k] = (12i + 4j + k) / 2 - 3 */
    float f3[24];
    for (int i = 0; i < 24; i++)
        f3[i] = (float)i * 0.5f - 3.0f;
    check_f32("fortran-3d.npy", UR_NPY_ANY, 3, (int64_t[]){2, 3, 4}, f3);
    int32_t f5[48];
    for (int i = 0; i < 48; i++)
        f5[i] = i;
    check_i32("fortran-5d-i32.npy", 5, (int64_t[]){2, 3, 1, 2, 4}, f5);
    float c5[24];
    for (int i = 0; i < 24; i++)
        c5[i] = (float)i * 0.5f;
    check_f32("c-5d-f32.npy", UR_NPY_ANY, 5, (int64_t[]){2, 1, 3, 2, 2}, c5);

    check_f32("scalar-f64.npy", UR_NPY_ANY, 0, NULL, (float[]){3.25f});
    check_i32("scalar-i64.npy", 0, NULL, (int32_t[]){-7});
    check_f32("empty-0x3.npy", UR_NPY_ANY, 2, (int64_t[]){0, 3}, NULL);
    check_f32("v2.npy", UR_NPY_ANY, 1, (int64_t[]){5}, (float[]){0, 1, 2, 3, 4});
    check_i32("v3.npy", 1, (int64_t[]){4}, (int32_t[]){-2, -1, 0, 1});

    /* integers that do not fit int32: refused as int32, fine as float32 */
    ur_ctx ctx;
    ur_array *a = read_fixture("i64-big.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_FORMAT, "i64-big", "i64-big.npy", "1099511627776",
             "does not fit in int32");
    check_f32("i64-big.npy", UR_NPY_FLOAT32, 1, (int64_t[]){2}, (float[]){1.0f, 1099511627776.0f});
    a = read_fixture("u32.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_FORMAT, "u32", "4294967295", "uint32", "does not fit in int32");
    check_f32("u32.npy", UR_NPY_FLOAT32, 1, (int64_t[]){2}, (float[]){0.0f, 4294967296.0f});
    a = read_fixture("u64.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_FORMAT, "u64", "element 1", "does not fit in int32");
    check_f32("u64.npy", UR_NPY_FLOAT32, 1, (int64_t[]){2}, (float[]){3.0f, 18446744073709551616.0f});

    /* refused kinds */
    a = read_fixture("rank6.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_UNSUPPORTED, "rank6", "rank6.npy", "more than 5 axes");
    a = read_fixture("f32-big-endian.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_UNSUPPORTED, "big-endian", "big-endian data ('>f4')",
             "astype('<f4')");
    a = read_fixture("structured.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_UNSUPPORTED, "structured", "structured arrays");
    a = read_fixture("f16.npy", UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_UNSUPPORTED, "f16", "'<f2' is not supported");
    ur_ctx_clear(&ctx);
    a = ur_npy_read(ft_fixture("missing.npy"), UR_NPY_ANY, &ctx);
    FT_FAILS(a, &ctx, UR_ERR_IO, "missing", "missing.npy", "No such file");
}

static ur_array *filled(ur_dtype dtype, int rank, const int64_t *dim)
{
    ur_array *a = ur_array_new(dtype, rank, dim, NULL);
    int64_t n = ur_tensor_numel(&a->t);
    for (int64_t i = 0; i < n; i++) {
        if (dtype == UR_F32)
            ur_tensor_f32(&a->t)[i] = (float)i * -1.25f + 0.1f;
        else
            ur_tensor_i32(&a->t)[i] = (int32_t)(i * 7919 - 100000);
    }
    return a;
}

static void test_round_trip(void)
{
    const int64_t dims[][UR_MAX_RANK] = {
        {0}, {7}, {2, 3}, {0, 4}, {2, 1, 3}, {1, 2, 3, 4}, {2, 2, 1, 3, 2},
    };
    const int ranks[] = {0, 1, 2, 2, 3, 4, 5};
    for (size_t c = 0; c < sizeof ranks / sizeof ranks[0]; c++) {
        for (int dt = 0; dt < 2; dt++) {
            ur_array *a = filled(dt ? UR_I32 : UR_F32, ranks[c], dims[c]);
            size_t len;
            unsigned char *buf = ur_npy_write_mem(&a->t, &len);
            FT_CHECK(buf && len > 10, "write_mem");
            /* layout: magic, version 1.0, header length, data on a 64-byte boundary */
            size_t hlen = buf[8] | buf[9] << 8;
            FT_CHECK(memcmp(buf, "\x93NUMPY\x01\x00", 8) == 0 && (10 + hlen) % 64 == 0 &&
                     buf[10 + hlen - 1] == '\n' &&
                     len == 10 + hlen + (size_t)ur_tensor_numel(&a->t) * 4,
                     "layout of rank %d", ranks[c]);
            ur_ctx ctx;
            ur_ctx_clear(&ctx);
            ur_array *b = ur_npy_read_mem(buf, len, UR_NPY_ANY, "mem", &ctx);
            FT_CHECK(b && b->t.dtype == a->t.dtype && has_shape(b, a->t.rank, a->t.dim) &&
                     memcmp(a->t.data, b->t.data, (size_t)ur_tensor_numel(&a->t) * 4) == 0,
                     "round trip rank %d dtype %d: %s", ranks[c], dt, ctx.message);
            ur_array_free(b);
            free(buf);
            ur_array_free(a);
        }
    }

    /* the header numpy would write */
    ur_array *a = filled(UR_F32, 2, (int64_t[]){2, 3});
    size_t len;
    unsigned char *buf = ur_npy_write_mem(&a->t, &len);
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    FT_CHECK(memcmp(buf + 10, want, strlen(want)) == 0 && buf[10 + strlen(want)] == ' ',
             "header text: %.60s", (const char *)buf + 10);
    FT_CHECK(len == 128 + 24 && buf[127] == '\n', "2x3 float32 is 152 bytes, got %zu", len);
    float first;
    memcpy(&first, buf + 128, 4);
    FT_CHECK(first == 0.1f, "data starts at 128");
    free(buf);
    ur_array *b = filled(UR_I32, 1, (int64_t[]){3});
    buf = ur_npy_write_mem(&b->t, &len);
    want = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
    FT_CHECK(memcmp(buf + 10, want, strlen(want)) == 0, "1-d header: %.60s",
             (const char *)buf + 10);
    free(buf);
    ur_array *s = filled(UR_F32, 0, NULL);
    buf = ur_npy_write_mem(&s->t, &len);
    want = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    FT_CHECK(memcmp(buf + 10, want, strlen(want)) == 0, "0-d header: %.60s",
             (const char *)buf + 10);
    free(buf);

    /* through a file */
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    const char *path = ft_scratch("x.npy");
    FT_CHECK(ur_npy_write(path, &a->t, &ctx) == UR_OK, "npy_write: %s", ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("x.npy.tmp")), "no .tmp left");
    ur_array *back = ur_npy_read(ft_scratch("x.npy"), UR_NPY_ANY, &ctx);
    FT_CHECK(back && has_shape(back, 2, a->t.dim) &&
             ft_same_floats(ur_tensor_f32(&back->t), ur_tensor_f32(&a->t), 6),
             "file round trip: %s", ctx.message);
    ur_array_free(back);
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_npy_write(ft_scratch("no-dir/x.npy"), &a->t, &ctx) == UR_ERR_IO &&
             strstr(ctx.message, "no-dir/x.npy"), "write into a missing folder: %s", ctx.message);
    ur_array_free(a);
    ur_array_free(b);
    ur_array_free(s);
}

/* An .npy file with this header text (padded as numpy pads it) and data. */
static unsigned char *make_npy(int major, const char *header, size_t data_len, size_t *len)
{
    size_t hl = strlen(header) + 1, start = major == 1 ? 10 : 12;
    hl += (64 - (start + hl) % 64) % 64;
    *len = start + hl + data_len;
    unsigned char *b = calloc(1, *len);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[8] = (unsigned char)hl;
    b[9] = (unsigned char)(hl >> 8);
    memcpy(b + start, header, strlen(header));
    memset(b + start + strlen(header), ' ', hl - strlen(header) - 1);
    b[start + hl - 1] = '\n';
    for (size_t i = 0; i < data_len; i++)
        b[start + hl + i] = (unsigned char)(i * 37);
    return b;
}

static bool read_npy(const void *buf, size_t len, const char *name, ur_ctx *ctx)
{
    ur_array *a = ur_npy_read_mem(buf, len, UR_NPY_ANY, name, ctx);
    ur_array_free(a);
    return a != NULL;
}

typedef struct bad_npy {
    const char *header;
    size_t data_len;
    ur_status status;
    const char *word1, *word2;
} bad_npy;

static void test_malformed(void)
{
    static const bad_npy cases[] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, UR_ERR_FORMAT,
         "truncated: header says 6 values of float32, file has 20 bytes of data", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, UR_ERR_FORMAT,
         "4 bytes after the data", NULL},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }", 8, UR_ERR_FORMAT,
         "truncated: header says 1000000000 values of float64, file has 8 bytes", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8,
         UR_ERR_FORMAT, "impossibly large", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }", 8,
         UR_ERR_FORMAT, "impossibly large", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 9223372036854775807), }", 0,
         UR_OK, NULL, NULL},
        {"{'descr': '<f8', 'fortran_order': True, 'shape': (0, 8006024407900225536, 3, 4), }", 0,
         UR_ERR_FORMAT, "impossibly large", NULL},
        {"{'descr': '<f8', 'fortran_order': True, 'shape': (1000000000000, 3, 0), }", 0, UR_OK,
         NULL, NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 007), }", 56, UR_ERR_FORMAT,
         "leading zeros", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
         UR_ERR_FORMAT, "shape entry too large", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4, UR_ERR_FORMAT,
         "non-negative integer", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", 24, UR_ERR_FORMAT,
         "expected ',' or ')'", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': 6, }", 24, UR_ERR_FORMAT,
         "expected '('", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1), }", 4,
         UR_ERR_UNSUPPORTED, "more than 5 axes", NULL},
        {"{'descr': '<f4', 'fortran_order': False}", 4, UR_ERR_FORMAT, "missing 'shape'", NULL},
        {"{'fortran_order': False, 'shape': (1,)}", 4, UR_ERR_FORMAT, "missing 'descr'", NULL},
        {"{'descr': '<f4', 'shape': (1,)}", 4, UR_ERR_FORMAT, "missing 'fortran_order'", NULL},
        {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", 4, UR_ERR_FORMAT,
         "True or False", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4, UR_ERR_FORMAT,
         "unexpected or repeated key 'x'", NULL},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4,
         UR_ERR_FORMAT, "repeated key 'descr'", NULL},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", 4, UR_ERR_FORMAT,
         "expected ',' or '}' at character 18 of \"{'descr': '<f4, 'fortran_order': False, "
         "'shape': (1,)}\"", NULL},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}", 4, UR_ERR_FORMAT,
         "expected ':' after a key", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", 4, UR_ERR_FORMAT,
         "unexpected text after '}'", NULL},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", 4, UR_ERR_FORMAT,
         "expected ',' or '}'", NULL},
        {"['descr', '<f4']", 4, UR_ERR_FORMAT, "expected '{'", "bad .npy header"},
        {"{descr: '<f4'}", 4, UR_ERR_FORMAT, "expected a quoted string", "at character 2"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", 8, UR_ERR_UNSUPPORTED,
         "'<c8' is not supported", NULL},
        {"{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", 4, UR_ERR_UNSUPPORTED,
         "'|f4' is not supported", NULL},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}", 12, UR_ERR_UNSUPPORTED,
         "'<U3' is not supported", "int8..int64"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", 8, UR_ERR_UNSUPPORTED,
         "'|O' is not supported", NULL},
        {"{'descr': '>i8', 'fortran_order': False, 'shape': (1,)}", 8, UR_ERR_UNSUPPORTED,
         "big-endian", NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, UR_OK, NULL, NULL},
        {"{\"descr\": \"|b1\", \"fortran_order\": True, \"shape\": (2L, 1L)}", 2, UR_OK, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_npy *c = &cases[i];
        size_t len;
        unsigned char *b = make_npy(1, c->header, c->data_len, &len);
        FT_CHECK_READ(read_npy, b, len, "bad.npy", c->status, c->word1, c->word2, c->header);
        free(b);
    }

    /* the envelope */
    static const struct {
        const char *bytes;
        size_t len;
        ur_status status;
        const char *words;
    } env[] = {
        {"", 0, UR_ERR_FORMAT, "truncated: the file is empty"},
        {"\x93NUM", 4, UR_ERR_FORMAT, "truncated"},
        {"\x93NUMPY\x01", 7, UR_ERR_FORMAT, "truncated"},
        {"\x93NUMPY\x01\x00\x10", 9, UR_ERR_FORMAT, "truncated"},
        {"\x93NUMPY\x02\x00\x10\x00\x00", 11, UR_ERR_FORMAT, "truncated"},
        {"\x93NUMPY\x01\x00\x40\x00{}", 12, UR_ERR_FORMAT, "truncated: the header is 64 bytes long"},
        {"\x93NUMPZ\x01\x00\x00\x00", 10, UR_ERR_FORMAT, "not a .npy file"},
        {"PK\x03\x04 an npz", 12, UR_ERR_FORMAT, "not a .npy file"},
        {"\x93NUMPY\x04\x00\x00\x00\x00\x00", 12, UR_ERR_UNSUPPORTED, "version 4.0 is not supported"},
        {"\x93NUMPY\x00\x01\x00\x00", 10, UR_ERR_UNSUPPORTED, "version 0.1 is not supported"},
        {"\x93NUMPY\x01\x00\x00\x00", 10, UR_ERR_FORMAT, "expected '{'"},
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        FT_CHECK_READ(read_npy, env[i].bytes, env[i].len, "env.npy", env[i].status, env[i].words,
                      NULL, env[i].words);
}

/* Every cut of valid files fails with "truncated" and the name; every byte
 * of the header replaced by a few others never crashes (ASan/UBSan builds
 * make that check real) and fails with a message that names the file. */
static void test_cuts_and_flips(void)
{
    const char *files[] = {"f64-2x3.npy", "fortran-5d-i32.npy", "v2.npy", "v3.npy",
                           "scalar-i64.npy", "bool.npy"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        ft_check_cuts(read_npy, files[f], "truncated", SIZE_MAX);
        size_t len;
        unsigned char *buf = ft_read(ft_fixture(files[f]), &len);
        size_t header_end = buf[6] == 1 ? 10 + (size_t)(buf[8] | buf[9] << 8) : len;
        const unsigned char repl[] = {0, '\'', '(', ')', ',', ':', '9', 0x80, 0xFF, '{', '}'};
        for (size_t pos = 0; pos < header_end; pos++)
            for (size_t r = 0; r < sizeof repl; r++) {
                unsigned char saved = buf[pos];
                buf[pos] = repl[r];
                ur_ctx ctx;
                bool ok = ft_try_read(read_npy, buf, len, files[f], &ctx);
                FT_CHECK(ok || (ctx.status != UR_OK &&
                                strncmp(ctx.message, files[f], strlen(files[f])) == 0),
                         "%s with byte %zu = 0x%02X: %s", files[f], pos, repl[r], ctx.message);
                buf[pos] = saved;
            }
        free(buf);
    }
}

int main(int argc, char **argv)
{
    if (!ft_init(argc, argv))
        return 1;
    test_fixtures();
    test_round_trip();
    test_malformed();
    test_cuts_and_flips();
    return ft_finish("test-npy");
}
