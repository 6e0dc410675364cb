/* test-npz.c — .npz reading and writing (data/npy.c): archives made by
 * np.savez, np.savez_compressed and a hand-built zip64 archive read back with
 * the exact values, write/read round trips and the zip layout written, a
 * table of corrupted archives (each refused with the words expected), and
 * every truncation. */
#include "format-test.h"
#include "npy.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned rd16(const unsigned char *p) { return p[0] | p[1] << 8; }

static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void wr16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

/* The members of the fixtures: see tools/make-format-fixtures.py. */
static void check_members(const ur_npz *z, const char *what, ur_npy_want want)
{
    FT_CHECK(z && z->n == 5, "%s: 5 members", what);
    if (!z)
        return;
    const char *names[] = {"a", "b", "c", "f", "s"};
    for (int i = 0; i < 5 && i < z->n; i++)
        FT_CHECK(z->arrays[i]->name && strcmp(z->arrays[i]->name, names[i]) == 0,
                 "%s: member %d is %s", what, i,
                 z->arrays[i]->name ? z->arrays[i]->name : "(unnamed)");
    ur_array *a = ur_npz_get(z, "a"), *b = ur_npz_get(z, "b"), *c = ur_npz_get(z, "c"),
             *f = ur_npz_get(z, "f"), *s = ur_npz_get(z, "s");
    FT_CHECK(a && a->t.dtype == UR_F32 && a->t.rank == 2 && a->t.dim[0] == 2 && a->t.dim[1] == 3,
             "%s: a", what);
    for (int i = 0; a && i < 6; i++) {
        volatile double prod = (double)i * 0.37;
        FT_CHECK(ur_tensor_f32(&a->t)[i] == (float)(prod - 2.5), "%s: a[%d]", what, i);
    }
    int32_t bi[] = {-3, 0, 40000};
    FT_CHECK(b && b->t.rank == 1 && b->t.dim[0] == 3, "%s: b", what);
    for (int i = 0; b && i < 3; i++)
        FT_CHECK(want == UR_NPY_ANY ? b->t.dtype == UR_I32 && ur_tensor_i32(&b->t)[i] == bi[i]
                                    : b->t.dtype == UR_F32 && ur_tensor_f32(&b->t)[i] == bi[i],
                 "%s: b[%d]", what, i);
    int32_t ci[] = {1, 0, 0, 1};
    FT_CHECK(c && c->t.rank == 2 && c->t.dim[0] == 2 && c->t.dim[1] == 2, "%s: c", what);
    for (int i = 0; c && i < 4; i++)
        FT_CHECK(want == UR_NPY_ANY ? c->t.dtype == UR_I32 && ur_tensor_i32(&c->t)[i] == ci[i]
                                    : c->t.dtype == UR_F32 && ur_tensor_f32(&c->t)[i] == ci[i],
                 "%s: c[%d]", what, i);
    FT_CHECK(f && f->t.rank == 3 && f->t.dim[0] == 2 && f->t.dim[1] == 3 && f->t.dim[2] == 4,
             "%s: f", what);
    for (int i = 0; f && i < 24; i++)
        FT_CHECK(ur_tensor_f32(&f->t)[i] == (float)i * 0.5f - 3.0f, "%s: f[%d] (Fortran order)",
                 what, i);
    FT_CHECK(s && s->t.rank == 0 && ur_tensor_f32(&s->t)[0] == 3.25f, "%s: s", what);
    FT_CHECK(ur_npz_get(z, "missing") == NULL && ur_npz_get(z, "a.npy") == NULL,
             "%s: lookups of absent names", what);
}

static void test_fixtures(void)
{
    const char *files[] = {"savez.npz", "savez-compressed.npz", "zip64.npz"};
    for (size_t i = 0; i < 3; i++) {
        for (int w = 0; w < 2; w++) {
            ur_ctx ctx;
            ur_ctx_clear(&ctx);
            ur_npz *z = ur_npz_read(ft_fixture(files[i]), w ? UR_NPY_FLOAT32 : UR_NPY_ANY, &ctx);
            FT_CHECK(z != NULL, "%s: %s", files[i], ctx.message);
            check_members(z, files[i], w ? UR_NPY_FLOAT32 : UR_NPY_ANY);
            ur_npz_free(z);
        }
    }
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    ur_npz *z = ur_npz_read(ft_fixture("empty.npz"), UR_NPY_ANY, &ctx);
    FT_CHECK(z && z->n == 0, "empty.npz: %s", ctx.message);
    ur_npz_free(z);
    ur_ctx_clear(&ctx);
    z = ur_npz_read(ft_fixture("not-npy-member.npz"), UR_NPY_ANY, &ctx);
    FT_FAILS(z, &ctx, UR_ERR_FORMAT, "not-npy-member", "member 'notes.txt'", "not a .npy file");
    ur_ctx_clear(&ctx);
    z = ur_npz_read(ft_fixture("f64-2x3.npy"), UR_NPY_ANY, &ctx);
    FT_FAILS(z, &ctx, UR_ERR_FORMAT, "an .npy as .npz", "f64-2x3.npy", "not a zip archive");
    ur_ctx_clear(&ctx);
    z = ur_npz_read(ft_fixture("missing.npz"), UR_NPY_ANY, &ctx);
    FT_FAILS(z, &ctx, UR_ERR_IO, "missing", "missing.npz");
}

static void test_round_trip(void)
{
    ur_array *x = ur_array_new(UR_F32, 2, (int64_t[]){3, 2}, NULL);
    ur_array *y = ur_array_new(UR_I32, 1, (int64_t[]){4}, NULL);
    ur_array *s = ur_array_new(UR_F32, 0, NULL, NULL);
    for (int i = 0; i < 6; i++)
        ur_tensor_f32(&x->t)[i] = (float)i / 3.0f;
    for (int i = 0; i < 4; i++)
        ur_tensor_i32(&y->t)[i] = i * 1000 - 7;
    ur_tensor_f32(&s->t)[0] = -0.0f;
    const ur_tensor *ts[] = {&x->t, &y->t, &s->t};
    const char *names[] = {"x_train", "gr\xC3\xB6\xC3\x9F\x65", "scalar"};
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    const char *path = ft_scratch("out.npz");
    FT_CHECK(ur_npz_write(path, 3, ts, names, &ctx) == UR_OK, "npz_write: %s", ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("out.npz.tmp")), "no .tmp left");
    size_t len;
    unsigned char *buf = ft_read(ft_scratch("out.npz"), &len);
    /* layout: a stored local header for x_train.npy first, the end record last */
    FT_CHECK(len > 22 && rd32(buf) == 0x04034b50 && rd16(buf + 8) == 0 &&
             rd16(buf + 26) == 11 && memcmp(buf + 30, "x_train.npy", 11) == 0 &&
             memcmp(buf + 41, "\x93NUMPY\x01\x00", 8) == 0, "first local header");
    const unsigned char *e = buf + len - 22;
    FT_CHECK(rd32(e) == 0x06054b50 && rd16(e + 8) == 3 && rd16(e + 10) == 3 &&
             rd32(e + 16) + rd32(e + 12) == len - 22, "end of central directory");
    const unsigned char *c = buf + rd32(e + 16);
    FT_CHECK(rd32(c) == 0x02014b50 && rd32(c + 42) == 0 && rd32(c + 20) == rd32(c + 24) &&
             rd32(c + 16) == (uint32_t)crc32(0, buf + 41, rd32(c + 20)),
             "first central entry: offset, sizes and CRC");
    /* the second name is UTF-8: general purpose flag bit 11 */
    const unsigned char *c2 = c + 46 + rd16(c + 28);
    FT_CHECK(rd32(c2) == 0x02014b50 && (rd16(c2 + 8) & 0x0800) && !(rd16(c + 8) & 0x0800),
             "UTF-8 flag on the second name only");
    free(buf);

    for (int w = 0; w < 2; w++) {
        ur_ctx_clear(&ctx);
        ur_npz *z = ur_npz_read(ft_scratch("out.npz"), w ? UR_NPY_FLOAT32 : UR_NPY_ANY, &ctx);
        FT_CHECK(z && z->n == 3, "read back: %s", ctx.message);
        ur_array *bx = ur_npz_get(z, "x_train"), *by = ur_npz_get(z, names[1]),
                 *bs = ur_npz_get(z, "scalar");
        FT_CHECK(bx && bx->t.rank == 2 && bx->t.dim[0] == 3 &&
                 ft_same_floats(ur_tensor_f32(&bx->t), ur_tensor_f32(&x->t), 6), "x back");
        FT_CHECK(by && by->t.dtype == (w ? UR_F32 : UR_I32) && by->t.dim[0] == 4, "y back");
        for (int i = 0; by && i < 4; i++)
            FT_CHECK(w ? ur_tensor_f32(&by->t)[i] == (float)(i * 1000 - 7)
                       : ur_tensor_i32(&by->t)[i] == i * 1000 - 7, "y[%d]", i);
        FT_CHECK(bs && bs->t.rank == 0 && signbit(ur_tensor_f32(&bs->t)[0]), "-0 scalar back");
        ur_npz_free(z);
    }

    /* an empty archive */
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_npz_write(ft_scratch("empty.npz"), 0, NULL, NULL, &ctx) == UR_OK, "empty write");
    ur_npz *z = ur_npz_read(ft_scratch("empty.npz"), UR_NPY_ANY, &ctx);
    FT_CHECK(z && z->n == 0, "empty read: %s", ctx.message);
    ur_npz_free(z);

    /* bad requests */
    const char *dup[] = {"a", "a"};
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_npz_write(ft_scratch("bad.npz"), 2, ts, dup, &ctx) == UR_ERR_INVALID &&
             strstr(ctx.message, "two arrays are named 'a'"), "duplicate names: %s", ctx.message);
    const char *empty[] = {""};
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_npz_write(ft_scratch("bad.npz"), 1, ts, empty, &ctx) == UR_ERR_INVALID &&
             strstr(ctx.message, "needs a name"), "empty name: %s", ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("bad.npz")), "nothing written on a bad request");
    ur_array_free(x);
    ur_array_free(y);
    ur_array_free(s);
}

static bool read_npz(const void *buf, size_t len, const char *name, ur_ctx *ctx)
{
    ur_npz *z = ur_npz_read_mem(buf, len, UR_NPY_ANY, name, ctx);
    ur_npz_free(z);
    return z != NULL;
}

/* Offsets inside an archive without a comment. */
typedef struct zip_map {
    size_t eocd, cd;     /* end record, first central entry */
    size_t cd2;          /* second central entry */
    size_t local, local2; /* local headers of the first two members */
    size_t data;         /* first member's data */
} zip_map;

static zip_map map_zip(const unsigned char *b, size_t len)
{
    zip_map m;
    m.eocd = len - 22;
    m.cd = rd32(b + m.eocd + 16);
    if (rd32(b + m.eocd + 16) == 0xFFFFFFFF) { /* zip64: the record before the locator */
        size_t z64 = (size_t)rd32(b + m.eocd - 20 + 8);
        m.cd = (size_t)rd32(b + z64 + 48);
    }
    m.cd2 = m.cd + 46 + rd16(b + m.cd + 28) + rd16(b + m.cd + 30) + rd16(b + m.cd + 32);
    m.local = rd32(b + m.cd + 42);
    m.local2 = rd32(b + m.cd2 + 42);
    if (m.local == 0xFFFFFFFF) { /* zip64 extra: local offset after the two sizes */
        const unsigned char *x = b + m.cd + 46 + rd16(b + m.cd + 28);
        m.local = rd32(x + 4 + 16);
        x = b + m.cd2 + 46 + rd16(b + m.cd2 + 28);
        m.local2 = rd32(x + 4 + 16);
    }
    m.data = m.local + 30 + rd16(b + m.local + 26) + rd16(b + m.local + 28);
    return m;
}

typedef enum mutation {
    M_ENTRY_COUNT, M_CD_OFFSET, M_CD_SIG, M_CD_NAME_LEN, M_METHOD, M_ENCRYPTED, M_LOCAL_OFFSET,
    M_CRC, M_DATA_BYTE, M_STORED_SIZES, M_HUGE_SIZES, M_LOCAL_NAME, M_DUP_NAME, M_NOT_NPY,
    M_MULTI_DISK, M_GARBAGE, M_NPY_INSIDE, M_DEFLATE_BYTE, M_UNCOMP_MORE, M_UNCOMP_LESS,
    M_UNCOMP_BOMB, M_COMP_LESS, M_Z64_LOCATOR, M_Z64_EXTRA_SHORT,
} mutation;

typedef struct bad_zip {
    const char *file;
    mutation m;
    ur_status status;
    const char *word1, *word2;
} bad_zip;

static void mutate(unsigned char *b, size_t *len, const zip_map *m, mutation mu)
{
    unsigned char *c = b + m->cd, *c2 = b + m->cd2;
    switch (mu) {
    case M_ENTRY_COUNT: wr16(b + m->eocd + 10, 0xFFFE); break;
    case M_CD_OFFSET: wr32(b + m->eocd + 16, (uint32_t)*len); break;
    case M_CD_SIG: c[0] = 'X'; break;
    case M_CD_NAME_LEN: wr16(c + 28, 0xFFFF); break;
    case M_METHOD: wr16(c + 10, 12); break;
    case M_ENCRYPTED: wr16(c + 8, rd16(c + 8) | 1); break;
    case M_LOCAL_OFFSET: wr32(c + 42, (uint32_t)m->local + 1); break;
    case M_CRC: wr32(c + 16, rd32(c + 16) ^ 1); break;
    case M_DATA_BYTE: b[m->data + 130] ^= 0x40; break;
    case M_STORED_SIZES: wr32(c + 20, rd32(c + 20) - 1); break;
    case M_HUGE_SIZES: wr32(c + 20, 0x7FFFFFFF); wr32(c + 24, 0x7FFFFFFF); break;
    case M_LOCAL_NAME: b[m->local + 30] = 'z'; break;
    case M_DUP_NAME: c2[46] = 'a'; b[m->local2 + 30] = 'a'; break;
    case M_NOT_NPY: c[46 + 4] = 'z'; b[m->local + 30 + 4] = 'z'; break;
    case M_MULTI_DISK: wr16(b + m->eocd + 4, 1); break;
    case M_GARBAGE: memset(b, 'x', *len); break;
    case M_NPY_INSIDE: {
        /* '<f8' -> '>f8' in a.npy, with the CRC fixed so that the .npy
         * reader is the one to complain */
        unsigned char *d = b + m->data;
        uint32_t size = rd32(c + 24);
        unsigned char *q = memchr(d, '<', size);
        *q = '>';
        wr32(c + 16, (uint32_t)crc32(0, d, size));
        break;
    }
    case M_DEFLATE_BYTE: b[m->data + 20] ^= 0xFF; break;
    case M_UNCOMP_MORE: wr32(c + 24, rd32(c + 24) + 10); break;
    case M_UNCOMP_LESS: wr32(c + 24, rd32(c + 24) - 10); break;
    case M_UNCOMP_BOMB: wr32(c + 24, rd32(c + 20) * 2000); break;
    case M_COMP_LESS: wr32(c + 20, rd32(c + 20) - 10); break;
    case M_Z64_LOCATOR: wr32(b + m->eocd - 20 + 8, (uint32_t)m->eocd); break;
    case M_Z64_EXTRA_SHORT: {
        unsigned char *x = c + 46 + rd16(c + 28);
        wr16(x + 2, 16);
        break;
    }
    }
}

static void test_malformed(void)
{
    static const bad_zip cases[] = {
        {"savez.npz", M_ENTRY_COUNT, UR_ERR_FORMAT, "too small for its entry count", NULL},
        {"savez.npz", M_CD_OFFSET, UR_ERR_FORMAT, "central directory lies past the end", NULL},
        {"savez.npz", M_CD_SIG, UR_ERR_FORMAT, "bad zip central directory entry", NULL},
        {"savez.npz", M_CD_NAME_LEN, UR_ERR_FORMAT, "names run past it", NULL},
        {"savez.npz", M_METHOD, UR_ERR_UNSUPPORTED, "member 'a.npy'", "method 12"},
        {"savez.npz", M_ENCRYPTED, UR_ERR_FORMAT, "member 'a.npy'", "encrypted"},
        {"savez.npz", M_LOCAL_OFFSET, UR_ERR_FORMAT, "member 'a.npy'", "bad zip local header"},
        {"savez.npz", M_CRC, UR_ERR_FORMAT, "member 'a.npy'", "CRC mismatch"},
        {"savez.npz", M_DATA_BYTE, UR_ERR_FORMAT, "member 'a.npy'", "CRC mismatch"},
        {"savez.npz", M_STORED_SIZES, UR_ERR_FORMAT, "different packed and unpacked sizes", NULL},
        {"savez.npz", M_HUGE_SIZES, UR_ERR_FORMAT, "truncated", "run past the end"},
        {"savez.npz", M_LOCAL_NAME, UR_ERR_FORMAT, "does not match the central directory", NULL},
        {"savez.npz", M_DUP_NAME, UR_ERR_FORMAT, "member 'a.npy' appears twice", NULL},
        {"savez.npz", M_NOT_NPY, UR_ERR_FORMAT, "member 'a.npz'", "not a .npy file"},
        {"savez.npz", M_MULTI_DISK, UR_ERR_FORMAT, "multi-disk", NULL},
        {"savez.npz", M_GARBAGE, UR_ERR_FORMAT, "not a zip archive", NULL},
        {"savez.npz", M_NPY_INSIDE, UR_ERR_UNSUPPORTED, "savez.npz: member 'a.npy': big-endian",
         NULL},
        {"savez-compressed.npz", M_UNCOMP_MORE, UR_ERR_FORMAT, "member 'a.npy'",
         "shorter than the declared size"},
        {"savez-compressed.npz", M_UNCOMP_LESS, UR_ERR_FORMAT, "member 'a.npy'",
         "longer than the declared size"},
        {"savez-compressed.npz", M_UNCOMP_BOMB, UR_ERR_FORMAT, "member 'a.npy'",
         "more than deflate can produce"},
        {"savez-compressed.npz", M_COMP_LESS, UR_ERR_FORMAT, "member 'a.npy'",
         "truncated deflate data"},
        {"savez-compressed.npz", M_DEFLATE_BYTE, UR_ERR_FORMAT, "member 'a.npy'", NULL},
        {"zip64.npz", M_Z64_LOCATOR, UR_ERR_FORMAT, "bad zip64 end of central directory", NULL},
        {"zip64.npz", M_Z64_EXTRA_SHORT, UR_ERR_FORMAT, "zip64 extra field too short", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_zip *bz = &cases[i];
        size_t len;
        unsigned char *b = ft_read(ft_fixture(bz->file), &len);
        zip_map m = map_zip(b, len);
        mutate(b, &len, &m, bz->m);
        char what[64];
        snprintf(what, sizeof what, "%s mutation %d", bz->file, (int)bz->m);
        FT_CHECK_READ(read_npz, b, len, bz->file, bz->status, bz->word1, bz->word2, what);
        free(b);
    }
}

/* Every cut of the fixtures loses the end record: "truncated", never a crash. */
static void test_cuts(void)
{
    const char *files[] = {"savez.npz", "savez-compressed.npz", "zip64.npz", "empty.npz"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
        ft_check_cuts(read_npz, files[f], "truncated", SIZE_MAX);
}

int main(int argc, char **argv)
{
    if (!ft_init(argc, argv))
        return 1;
    test_fixtures();
    test_round_trip();
    test_malformed();
    test_cuts();
    return ft_finish("test-npz");
}
