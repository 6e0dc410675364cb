/* test-safetensors.c — safetensors reading and writing
 * (data/safetensors.c): files from the reference layout
 * (tools/make-format-fixtures.py) read back exactly, F64/F16/BF16
 * conversion, the byte layout ur_safetensors_write produces and its
 * round trip, writer refusals, a table of malformed headers and layouts,
 * and every truncation. */
#include "format-test.h"
#include "json.h"
#include "safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool shape_is(const ur_array *a, int rank, const int64_t *dim)
{
    if (!a || a->t.rank != rank || a->t.dtype != UR_F32)
        return false;
    for (int i = 0; i < rank; i++)
        if (a->t.dim[i] != dim[i])
            return false;
    return true;
}

static void check_tensor(const ur_safetensors *st, const char *file, const char *name, int rank,
                         const int64_t *dim, const float *values)
{
    ur_array *a = ur_safetensors_get(st, name);
    FT_CHECK(shape_is(a, rank, dim), "%s: tensor %s shape", file, name);
    if (!a)
        return;
    int64_t n = ur_tensor_numel(&a->t);
    FT_CHECK(ft_same_floats(ur_tensor_f32(&a->t), values, (size_t)n), "%s: tensor %s values",
             file, name);
}

static void check_reference(const char *file, const char *const *order)
{
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    ur_safetensors *st = ur_safetensors_read(ft_fixture(file), &ctx);
    FT_CHECK(st && st->n == 7, "%s: %s", file, ctx.message);
    if (!st)
        return;
    for (int i = 0; i < 7 && i < st->n; i++)
        FT_CHECK(strcmp(st->arrays[i]->name, order[i]) == 0, "%s: tensor %d is %s, expected %s",
                 file, i, st->arrays[i]->name, order[i]);
    float kernel[12];
    for (int i = 0; i < 12; i++)
        kernel[i] = (float)i * 0.25f - 1.0f;
    check_tensor(st, file, "dense/kernel", 2, (int64_t[]){3, 4}, kernel);
    check_tensor(st, file, "dense/bias", 1, (int64_t[]){4}, (float[]){0.5f, -0.5f, 1e-3f, 7.0f});
    /* F64 -> F32: rounded, and saturated to infinity */
    check_tensor(st, file, "f64", 1, (int64_t[]){2}, (float[]){0.1f, -INFINITY});
    check_tensor(st, file, "f16", 1, (int64_t[]){7},
                 (float[]){0.5f, -2.0f, 65504.0f, 5.9604645e-08f, INFINITY, NAN, -0.0f});
    check_tensor(st, file, "bf16", 1, (int64_t[]){3},
                 (float[]){1.0f, -3.140625f, 1.2676506e30f});
    check_tensor(st, file, "scalar", 0, NULL, (float[]){42.5f});
    check_tensor(st, file, "empty", 2, (int64_t[]){0, 3}, NULL);
    FT_CHECK(ur_safetensors_get(st, "nope") == NULL, "absent tensor");
    ur_safetensors_free(st);
}

static void test_fixtures(void)
{
    const char *data_order[] = {"f64", "dense/bias", "dense/kernel", "empty", "scalar", "bf16",
                                "f16"};
    check_reference("reference.safetensors", data_order);
    const char *reverse[] = {"scalar", "f64", "f16", "empty", "dense/kernel", "dense/bias",
                             "bf16"};
    check_reference("reordered.safetensors", reverse);

    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    ur_safetensors *st = ur_safetensors_read(ft_fixture("reference.safetensors"), &ctx);
    const ur_value *meta = st ? st->metadata : NULL;
    const ur_value *fmt = ur_value_get(meta, "format"), *note = ur_value_get(meta, "note");
    FT_CHECK(meta && meta->u.obj.n == 2 && fmt && strcmp(fmt->u.str, "pt") == 0 && note &&
             strcmp(note->u.str, "\xC3\xBCn\xC3\xAF" "code \xE2\x9C\x93") == 0, "metadata");
    ur_safetensors_free(st);
    ur_ctx_clear(&ctx);
    st = ur_safetensors_read(ft_fixture("reordered.safetensors"), &ctx);
    FT_CHECK(st && st->metadata == NULL, "no metadata: %s", ctx.message);
    ur_safetensors_free(st);

    ur_ctx_clear(&ctx);
    st = ur_safetensors_read(ft_fixture("i64.safetensors"), &ctx);
    FT_FAILS(st, &ctx, UR_ERR_UNSUPPORTED, "I64", "i64.safetensors: tensor 'ids'",
             "dtype I64 is not supported");
    ur_ctx_clear(&ctx);
    st = ur_safetensors_read(ft_fixture("missing.safetensors"), &ctx);
    FT_FAILS(st, &ctx, UR_ERR_IO, "missing", "missing.safetensors", "No such file");
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void test_write(void)
{
    ur_array *k = ur_array_new(UR_F32, 2, (int64_t[]){2, 3}, NULL);
    ur_array *b = ur_array_new(UR_F32, 1, (int64_t[]){3}, NULL);
    ur_array *s = ur_array_new(UR_F32, 0, NULL, NULL);
    ur_array *e = ur_array_new(UR_F32, 2, (int64_t[]){0, 5}, NULL);
    for (int i = 0; i < 6; i++)
        ur_tensor_f32(&k->t)[i] = (float)i / 7.0f - 0.5f;
    ur_tensor_f32(&b->t)[0] = NAN;
    ur_tensor_f32(&b->t)[1] = -INFINITY;
    ur_tensor_f32(&b->t)[2] = -0.0f;
    ur_tensor_f32(&s->t)[0] = 1e-40f;
    const ur_tensor *ts[] = {&k->t, &b->t, &s->t, &e->t};
    const char *names[] = {"lstm/kernel", "lstm/bias", "step", "empty"};
    ur_value *meta = ur_value_new_object();
    ur_value_set(meta, "format", ur_value_new_string("unroll"));
    ur_value_set(meta, "model", ur_value_new_string("a \"quoted\" name"));
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    const char *path = ft_scratch("w.safetensors");
    FT_CHECK(ur_safetensors_write(path, 4, names, ts, meta, &ctx) == UR_OK, "write: %s",
             ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("w.safetensors.tmp")), "no .tmp left");

    /* the byte layout */
    size_t len;
    unsigned char *buf = ft_read(ft_scratch("w.safetensors"), &len);
    const char *json = "{\"__metadata__\":{\"format\":\"unroll\",\"model\":\"a \\\"quoted\\\" name\"},"
                       "\"lstm/kernel\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                       "\"lstm/bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
                       "\"step\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[36,40]},"
                       "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[40,40]}}";
    size_t jl = strlen(json);
    uint64_t hlen = len >= 8 ? rd64(buf) : 0;
    FT_CHECK(hlen % 8 == 0 && hlen >= jl && hlen < jl + 8, "header length %llu for %zu bytes of "
             "JSON", (unsigned long long)hlen, jl);
    FT_CHECK(len == 8 + hlen + 40, "file length %zu", len);
    FT_CHECK(len >= 8 + jl && memcmp(buf + 8, json, jl) == 0, "header JSON:\n%.*s", (int)hlen,
             (const char *)buf + 8);
    for (uint64_t i = jl; i < hlen && 8 + i < len; i++)
        FT_CHECK(buf[8 + i] == ' ', "header padded with spaces");
    if (len == 8 + hlen + 40) {
        float data[10];
        for (int i = 0; i < 10; i++) {
            uint32_t u = 0;
            for (int byte = 3; byte >= 0; byte--)
                u = u << 8 | buf[8 + hlen + 4 * (size_t)i + (size_t)byte];
            memcpy(&data[i], &u, 4);
        }
        FT_CHECK(ft_same_floats(data, ur_tensor_f32(&k->t), 6) &&
                 ft_same_floats(data + 6, ur_tensor_f32(&b->t), 3) && data[9] == 1e-40f,
                 "little-endian data back to back");
    }
    free(buf);

    /* read back */
    ur_ctx_clear(&ctx);
    ur_safetensors *st = ur_safetensors_read(ft_scratch("w.safetensors"), &ctx);
    FT_CHECK(st && st->n == 4, "read back: %s", ctx.message);
    for (int i = 0; st && i < 4 && i < st->n; i++) {
        FT_CHECK(strcmp(st->arrays[i]->name, names[i]) == 0, "order %d", i);
        FT_CHECK(shape_is(st->arrays[i], ts[i]->rank, ts[i]->dim) &&
                 ft_same_floats(ur_tensor_f32(&st->arrays[i]->t), ur_tensor_f32(ts[i]),
                                (size_t)ur_tensor_numel(ts[i])), "tensor %s back", names[i]);
    }
    FT_CHECK(st && ur_value_equal(st->metadata, meta), "metadata back");
    ur_safetensors_free(st);

    /* an atomic rewrite replaces the file; no metadata, no tensors */
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_safetensors_write(ft_scratch("w.safetensors"), 0, NULL, NULL, NULL, &ctx) == UR_OK,
             "empty write: %s", ctx.message);
    buf = ft_read(ft_scratch("w.safetensors"), &len);
    FT_CHECK(len == 16 && memcmp(buf, "\x08\0\0\0\0\0\0\0{}      ", 16) == 0,
             "empty file layout");
    free(buf);
    st = ur_safetensors_read(ft_scratch("w.safetensors"), &ctx);
    FT_CHECK(st && st->n == 0 && !st->metadata, "empty file reads: %s", ctx.message);
    ur_safetensors_free(st);

    /* refusals: nothing is written */
    ur_array *ints = ur_array_new(UR_I32, 1, (int64_t[]){2}, NULL);
    const ur_tensor *bad_ts[] = {&k->t, &ints->t};
    static const struct {
        const char *names[2];
        int n;
        bool ints;
        const char *words;
    } bad[] = {
        {{"a", "a"}, 2, false, "tensor 1 ('a') appears twice"},
        {{"__metadata__", "a"}, 1, false, "reserved name __metadata__"},
        {{"a", NULL}, 2, false, "has no name"},
        {{"a", "i"}, 2, true, "tensor 1 ('i') is not float32"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ur_ctx_clear(&ctx);
        const ur_tensor *const *t = bad[i].ints ? bad_ts : ts;
        ur_status r = ur_safetensors_write(ft_scratch("bad.safetensors"), bad[i].n, bad[i].names,
                                           t, NULL, &ctx);
        FT_CHECK(r == UR_ERR_INVALID && strstr(ctx.message, bad[i].words),
                 "refusal %zu: %s", i, ctx.message);
    }
    ur_value *bad_meta = ur_value_new_object();
    ur_value_set(bad_meta, "epochs", ur_value_new_number(3));
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_safetensors_write(ft_scratch("bad.safetensors"), 1, names, ts, bad_meta, &ctx) ==
             UR_ERR_INVALID && strstr(ctx.message, "metadata value 'epochs' must be a string"),
             "numeric metadata: %s", ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("bad.safetensors")), "nothing written on a refusal");
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_safetensors_write(ft_scratch("no-dir/x.safetensors"), 1, names, ts, NULL, &ctx) ==
             UR_ERR_IO && strstr(ctx.message, "no-dir/x.safetensors"),
             "missing folder: %s", ctx.message);
    ur_value_free(bad_meta);
    ur_value_free(meta);
    ur_array_free(ints);
    ur_array_free(k);
    ur_array_free(b);
    ur_array_free(s);
    ur_array_free(e);
}

static bool read_st(const void *buf, size_t len, const char *name, ur_ctx *ctx)
{
    ur_safetensors *st = ur_safetensors_read_mem(buf, len, name, ctx);
    ur_safetensors_free(st);
    return st != NULL;
}

/* A file with this header text (padded to 8) followed by data_len bytes. */
static unsigned char *make_st(const char *header, size_t data_len, size_t *len)
{
    size_t hl = (strlen(header) + 7) & ~(size_t)7;
    *len = 8 + hl + data_len;
    unsigned char *b = calloc(1, *len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memset(b + 8, ' ', hl);
    memcpy(b + 8, header, strlen(header));
    return b;
}

typedef struct bad_st {
    const char *header;
    size_t data_len;
    ur_status status;
    const char *word1, *word2;
} bad_st;

static void test_malformed(void)
{
#define T(name, body) "\"" name "\":{" body "}"
#define F32(shape, b, e) "\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]"
    static const bad_st cases[] = {
        {"{" T("a", F32("[2]", 0, 8)) "}", 8, UR_OK, NULL, NULL},
        {"{" T("a", F32("[2]", 0, 8)) "}", 4, UR_ERR_FORMAT, "tensor 'a'",
         "truncated: data_offsets [0, 8] run past the end of the data (4 bytes)"},
        {"{" T("a", F32("[2,3]", 0, 20)) "}", 20, UR_ERR_FORMAT, "tensor 'a'",
         "shape (2, 3) of F32 needs 24 bytes, data_offsets [0, 20] hold 20"},
        {"{" T("a", F32("[2]", 0, 8)) "," T("b", F32("[2]", 4, 12)) "}", 12, UR_ERR_FORMAT,
         "tensor 'b'", "overlap tensor 'a'"},
        {"{" T("a", F32("[2]", 0, 8)) "," T("b", F32("[2]", 12, 20)) "}", 20, UR_ERR_FORMAT,
         "tensor 'b'", "a gap in the data: bytes 8 to 12"},
        {"{" T("a", F32("[2]", 4, 12)) "}", 12, UR_ERR_FORMAT, "tensor 'a'", "gap"},
        {"{" T("a", F32("[2]", 0, 8)) "}", 12, UR_ERR_FORMAT,
         "4 bytes of data after the last tensor", NULL},
        {"{" T("a", F32("[2]", 8, 0)) "}", 8, UR_ERR_FORMAT, "end before they begin", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]") "}", 8, UR_ERR_FORMAT,
         "data_offsets must be [begin, end]", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]") "}", 8,
         UR_ERR_FORMAT, "data_offsets must be", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]") "}", 8,
         UR_ERR_FORMAT, "data_offsets must be", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0,8\"") "}", 8,
         UR_ERR_FORMAT, "data_offsets must be", NULL},
        {"{" T("a", F32("[-2]", 0, 8)) "}", 8, UR_ERR_FORMAT, "shape entries must be", NULL},
        {"{" T("a", F32("[2.5]", 0, 8)) "}", 8, UR_ERR_FORMAT, "shape entries must be", NULL},
        {"{" T("a", F32("[\"2\"]", 0, 8)) "}", 8, UR_ERR_FORMAT, "shape entries must be", NULL},
        {"{" T("a", F32("2", 0, 8)) "}", 8, UR_ERR_FORMAT, "shape must be an array, found a number",
         NULL},
        {"{" T("a", F32("[1,1,1,1,1,2]", 0, 8)) "}", 8, UR_ERR_UNSUPPORTED, "tensor 'a'",
         "rank 6 is not supported"},
        {"{" T("a", F32("[4294967296,4294967296,4294967296]", 0, 8)) "}", 8, UR_ERR_FORMAT,
         "shape is impossibly large", NULL},
        {"{" T("a", F32("[1e300]", 0, 8)) "}", 8, UR_ERR_FORMAT, "shape entries must be", NULL},
        {"{" T("a", F32("[4294967296,4294967296,0]", 0, 0)) "}", 0, UR_ERR_FORMAT,
         "shape is impossibly large", NULL},
        {"{" T("a", F32("[1000000000000,3,0]", 0, 0)) "}", 0, UR_OK, NULL, NULL},
        {"{" T("a", "\"dtype\":\"F99\",\"shape\":[2],\"data_offsets\":[0,8]") "}", 8,
         UR_ERR_FORMAT, "unknown dtype 'F99'", NULL},
        {"{" T("a", "\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]") "}", 2,
         UR_ERR_UNSUPPORTED, "dtype BOOL is not supported", NULL},
        {"{" T("a", "\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]") "}", 8, UR_ERR_FORMAT,
         "dtype must be a string", NULL},
        {"{" T("a", "\"shape\":[2],\"data_offsets\":[0,8]") "}", 8, UR_ERR_FORMAT,
         "missing 'dtype'", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"data_offsets\":[0,8]") "}", 8, UR_ERR_FORMAT,
         "missing 'shape'", NULL},
        {"{" T("a", "\"dtype\":\"F32\",\"shape\":[2]") "}", 8, UR_ERR_FORMAT,
         "missing 'data_offsets'", NULL},
        {"{" T("a", F32("[2]", 0, 8) ",\"extra\":1") "}", 8, UR_ERR_FORMAT,
         "unknown field 'extra'", NULL},
        {"{\"a\":[1,2]}", 0, UR_ERR_FORMAT, "tensor 'a'", "expected an object, found an array"},
        {"{\"__metadata__\":[]}", 0, UR_ERR_FORMAT, "__metadata__ must be an object", NULL},
        {"{\"__metadata__\":{\"n\":1}}", 0, UR_ERR_FORMAT,
         "__metadata__ value 'n' must be a string, found a number", NULL},
        {"{" T("a", F32("[2]", 0, 8)) "," T("a", F32("[2]", 0, 8)) "}", 8, UR_ERR_FORMAT,
         "duplicate key 'a'", NULL},
        {"{\"a\":{\"dtype\":\"F32\",}}", 8, UR_ERR_FORMAT, "bad.safetensors: JSON header:1:21: ",
         "trailing comma"},
        {"{\"a\":1} x", 8, UR_ERR_FORMAT, "JSON header:1:9: ", "after the end"},
        {"[1]", 0, UR_ERR_FORMAT, "does not start with '{'", NULL},
        {" {}", 0, UR_ERR_FORMAT, "does not start with '{'", NULL},
        {"{}", 0, UR_OK, NULL, NULL},
    };
#undef T
#undef F32
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_st *c = &cases[i];
        size_t len;
        unsigned char *b = make_st(c->header, c->data_len, &len);
        FT_CHECK_READ(read_st, b, len, "bad.safetensors", c->status, c->word1, c->word2,
                      c->header);
        free(b);
    }

    static const struct {
        const char *bytes;
        size_t len;
        const char *words;
    } env[] = {
        {"", 0, "truncated: 0 bytes"},
        {"\x10\0\0\0", 4, "truncated: 4 bytes"},
        {"\x10\0\0\0\0\0\0\0{}", 10, "truncated: the header is 16 bytes long, the file has 2"},
        {"\0\xE1\xF5\x05\0\0\0\0{}", 10, "truncated: the header is 100000000 bytes long"},
        {"\x01\xE1\xF5\x05\0\0\0\0{}", 10, "header length 100000001 is larger than"},
        {"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF{}", 10, "header length 18446744073709551615"},
        {"\0\0\0\0\0\0\0\0", 8, "does not start with '{'"},
        {"\x01\0\0\0\0\0\0\0{", 9, "does not start with '{'"},
        {"\x02\0\0\0\0\0\0\0{\xFF", 10, "JSON header:1:2: "},
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        FT_CHECK_READ(read_st, env[i].bytes, env[i].len, "env.safetensors", UR_ERR_FORMAT,
                      env[i].words, NULL, env[i].words);
}

/* Every cut of a valid file fails, naming the file, with "truncated". */
static void test_cuts(void)
{
    ft_check_cuts(read_st, "reference.safetensors", "truncated", SIZE_MAX);
    ft_check_cuts(read_st, "reordered.safetensors", "truncated", SIZE_MAX);
}

int main(int argc, char **argv)
{
    if (!ft_init(argc, argv))
        return 1;
    test_fixtures();
    test_write();
    test_malformed();
    test_cuts();
    return ft_finish("test-safetensors");
}
