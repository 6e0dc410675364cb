/* npy.c — NumPy .npy (versions 1.0, 2.0, 3.0) and .npz (zip of .npy members,
 * stored or deflated, zip64 aware) reading into float32/int32 arrays, and
 * writing .npy 1.0 and stored .npz. Every size read from a file is checked
 * before it is used: the readers are fuzzed (tests/fuzz/). */
#include "npy.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

/* ------------------------------------------------------------ little endian */

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static void wr16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void wr32(unsigned char *p, uint32_t v)
{
    wr16(p, v);
    wr16(p + 2, v >> 16);
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* ------------------------------------------------------------ element types */

typedef enum npy_kind {
    NPY_F32, NPY_F64, NPY_I8, NPY_U8, NPY_I16, NPY_U16, NPY_I32, NPY_U32, NPY_I64, NPY_U64,
    NPY_BOOL,
} npy_kind;

typedef struct npy_type {
    char code[3];       /* descr without the byte-order character: "f4" */
    npy_kind kind;
    size_t size;
    const char *name;
} npy_type;

static const npy_type npy_types[] = {
    {"f4", NPY_F32, 4, "float32"}, {"f8", NPY_F64, 8, "float64"},
    {"i1", NPY_I8, 1, "int8"},     {"u1", NPY_U8, 1, "uint8"},
    {"i2", NPY_I16, 2, "int16"},   {"u2", NPY_U16, 2, "uint16"},
    {"i4", NPY_I32, 4, "int32"},   {"u4", NPY_U32, 4, "uint32"},
    {"i8", NPY_I64, 8, "int64"},   {"u8", NPY_U64, 8, "uint64"},
    {"b1", NPY_BOOL, 1, "bool"},
};

static bool kind_is_float(npy_kind k) { return k == NPY_F32 || k == NPY_F64; }

/* Finds descr ("<f4", "|u1"); NULL with a message for anything else. */
static const npy_type *npy_type_find(const char *descr, const char *name, ur_ctx *ctx)
{
    size_t n = strlen(descr);
    if (n == 3) {
        for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
            const npy_type *t = &npy_types[i];
            if (strcmp(descr + 1, t->code) != 0)
                continue;
            char order = descr[0];
            if (order == '<' || ((order == '|' || order == '=') && t->size == 1) ||
                (order == '=' && host_is_little_endian()))
                return t;
            if (order == '>' || order == '=') {
                ur_error(ctx, UR_ERR_UNSUPPORTED,
                         "%s: big-endian data ('%s') is not supported; save it with "
                         "arr.astype('<%s')", name, descr, t->code);
                return NULL;
            }
            break;
        }
    }
    if (n >= 2 && (descr[1] == 'f' || descr[1] == 'c') && strchr("<>|=", descr[0]))
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: element type '%s' is not supported (float32 or float64 are)", name, descr);
    else
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: element type '%s' is not supported (float32, float64, int8..int64, "
                 "uint8..uint64 and bool are)", name, descr);
    return NULL;
}

/* ------------------------------------------------------------ header parse */

/* The header is a Python dict literal, e.g.
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ended by '\n'. */
typedef struct npy_header {
    char descr[16];
    bool fortran;
    int rank;
    int64_t dim[UR_MAX_RANK];
} npy_header;

typedef struct hdr_lexer {
    const char *p, *start, *end;
    const char *name;
    ur_ctx *ctx;
} hdr_lexer;

static bool hdr_fail(hdr_lexer *lx, const char *what)
{
    /* quote the header without its padding, cut at 120 characters */
    const char *end = lx->end;
    while (end > lx->start && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\0'))
        end--;
    int shown = (int)(end - lx->start > 120 ? 120 : end - lx->start);
    ur_error(lx->ctx, UR_ERR_FORMAT, "%s: bad .npy header: %s at character %d of \"%.*s%s\"",
             lx->name, what, (int)(lx->p - lx->start) + 1, shown, lx->start,
             end - lx->start > 120 ? "..." : "");
    return false;
}

static void hdr_ws(hdr_lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
        lx->p++;
}

static bool hdr_char(hdr_lexer *lx, char c)
{
    hdr_ws(lx);
    if (lx->p < lx->end && *lx->p == c) {
        lx->p++;
        return true;
    }
    return false;
}

/* A quoted Python string (no escapes: none are needed in these headers). */
static bool hdr_string(hdr_lexer *lx, char *out, size_t size)
{
    hdr_ws(lx);
    if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return hdr_fail(lx, "expected a quoted string");
    char q = *lx->p++;
    const char *s = lx->p;
    while (lx->p < lx->end && *lx->p != q && *lx->p != '\\')
        lx->p++;
    if (lx->p >= lx->end || *lx->p != q)
        return hdr_fail(lx, "unterminated or escaped string");
    size_t n = (size_t)(lx->p - s);
    lx->p++;
    if (n >= size)
        return hdr_fail(lx, "string too long");
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static bool hdr_shape(hdr_lexer *lx, npy_header *h)
{
    if (!hdr_char(lx, '('))
        return hdr_fail(lx, "expected '(' to start the shape");
    h->rank = 0;
    for (;;) {
        if (hdr_char(lx, ')'))
            return true;
        hdr_ws(lx);
        if (lx->p >= lx->end || *lx->p < '0' || *lx->p > '9')
            return hdr_fail(lx, "expected a non-negative integer in the shape");
        if (*lx->p == '0' && lx->end - lx->p > 1 && lx->p[1] >= '0' && lx->p[1] <= '9')
            return hdr_fail(lx, "leading zeros in a shape entry");
        int64_t v = 0;
        while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
            int d = *lx->p++ - '0';
            if (v > (INT64_MAX - d) / 10)
                return hdr_fail(lx, "shape entry too large");
            v = v * 10 + d;
        }
        if (lx->p < lx->end && *lx->p == 'L') /* Python 2 long */
            lx->p++;
        if (h->rank == UR_MAX_RANK) {
            ur_error(lx->ctx, UR_ERR_UNSUPPORTED,
                     "%s: arrays of more than %d axes are not supported", lx->name, UR_MAX_RANK);
            return false;
        }
        h->dim[h->rank++] = v;
        if (hdr_char(lx, ','))
            continue;
        if (hdr_char(lx, ')'))
            return true;
        return hdr_fail(lx, "expected ',' or ')' in the shape");
    }
}

static bool hdr_parse(const char *text, size_t len, const char *name, npy_header *h, ur_ctx *ctx)
{
    hdr_lexer lx = {text, text, text + len, name, ctx};
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    if (!hdr_char(&lx, '{'))
        return hdr_fail(&lx, "expected '{'");
    for (;;) {
        if (hdr_char(&lx, '}'))
            break;
        char key[32];
        if (!hdr_string(&lx, key, sizeof key))
            return false;
        if (!hdr_char(&lx, ':'))
            return hdr_fail(&lx, "expected ':' after a key");
        hdr_ws(&lx);
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            if (lx.p < lx.end && *lx.p == '[') {
                ur_error(ctx, UR_ERR_UNSUPPORTED,
                         "%s: structured arrays (record dtypes) are not supported", name);
                return false;
            }
            if (!hdr_string(&lx, h->descr, sizeof h->descr))
                return false;
            seen_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran) {
            if (lx.end - lx.p >= 4 && memcmp(lx.p, "True", 4) == 0) {
                h->fortran = true;
                lx.p += 4;
            } else if (lx.end - lx.p >= 5 && memcmp(lx.p, "False", 5) == 0) {
                h->fortran = false;
                lx.p += 5;
            } else
                return hdr_fail(&lx, "fortran_order must be True or False");
            seen_fortran = true;
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            if (!hdr_shape(&lx, h))
                return false;
            seen_shape = true;
        } else {
            char what[80];
            snprintf(what, sizeof what, "unexpected or repeated key '%s'", key);
            return hdr_fail(&lx, what);
        }
        if (hdr_char(&lx, ','))
            continue;
        if (hdr_char(&lx, '}'))
            break;
        return hdr_fail(&lx, "expected ',' or '}'");
    }
    hdr_ws(&lx);
    if (lx.p < lx.end && *lx.p != '\0')
        return hdr_fail(&lx, "unexpected text after '}'");
    if (!seen_descr || !seen_fortran || !seen_shape)
        return hdr_fail(&lx, !seen_descr ? "missing 'descr'"
                             : !seen_fortran ? "missing 'fortran_order'" : "missing 'shape'");
    return true;
}

/* ------------------------------------------------------------- conversion */

/* Product of dims; false if the product of the non-zero ones overflows
 * int64 (numpy refuses such shapes too), so that every partial product
 * that later code computes fits. */
static bool shape_numel(int rank, const int64_t *dim, int64_t *out)
{
    int64_t n = 1;
    bool zero = false;
    for (int i = 0; i < rank; i++) {
        if (dim[i] == 0)
            zero = true;
        else if (dim[i] > INT64_MAX / n)
            return false;
        else
            n *= dim[i];
    }
    *out = zero ? 0 : n;
    return true;
}

static float f64_to_f32(double d)
{
    /* out-of-range conversions are undefined in C: saturate to infinity */
    if (d > 3.4028234663852886e38)
        return INFINITY;
    if (d < -3.4028234663852886e38)
        return -INFINITY;
    return (float)d;
}

static double elem_f64(const unsigned char *p, npy_kind k)
{
    union { uint32_t u; float f; } u32;
    union { uint64_t u; double d; } u64;
    switch (k) {
    case NPY_F32: u32.u = rd32(p); return u32.f;
    case NPY_F64: u64.u = rd64(p); return u64.d;
    case NPY_I8: return (int8_t)p[0];
    case NPY_U8: return p[0];
    case NPY_I16: return (int16_t)rd16(p);
    case NPY_U16: return rd16(p);
    case NPY_I32: return (int32_t)rd32(p);
    case NPY_U32: return rd32(p);
    case NPY_I64: return (double)(int64_t)rd64(p);
    case NPY_U64: return (double)rd64(p);
    case NPY_BOOL: return p[0] != 0;
    }
    return 0;
}

/* Integer kinds as int64 (uint64 above INT64_MAX saturates: it does not fit
 * int32 either way). */
static int64_t elem_i64(const unsigned char *p, npy_kind k)
{
    switch (k) {
    case NPY_I8: return (int8_t)p[0];
    case NPY_U8: return p[0];
    case NPY_I16: return (int16_t)rd16(p);
    case NPY_U16: return rd16(p);
    case NPY_I32: return (int32_t)rd32(p);
    case NPY_U32: return rd32(p);
    case NPY_I64: return (int64_t)rd64(p);
    case NPY_U64: { uint64_t u = rd64(p); return u > INT64_MAX ? INT64_MAX : (int64_t)u; }
    case NPY_BOOL: return p[0] != 0;
    default: return 0;
    }
}

/* Converts numel elements of type t from src (file order) into a (C order).
 * Fortran order: element f of the file is a[i0, i1, ...] with i0 varying
 * fastest; it lands at sum(i_k * cstride_k). */
static bool convert(const unsigned char *src, const npy_type *t, const npy_header *h,
                    int64_t numel, ur_array *a, const char *name, ur_ctx *ctx)
{
    if (numel == 0)
        return true;
    int64_t cstride[UR_MAX_RANK], idx[UR_MAX_RANK] = {0};
    int64_t s = 1;
    for (int k = h->rank - 1; k >= 0; k--) {
        cstride[k] = s;
        s *= h->dim[k];
    }
    bool fortran = h->fortran && h->rank > 1;
    if (!fortran && t->kind == NPY_F32 && a->t.dtype == UR_F32 && host_is_little_endian()) {
        memcpy(a->t.data, src, (size_t)numel * 4);
        return true;
    }
    int64_t dst = 0;
    for (int64_t f = 0; f < numel; f++) {
        const unsigned char *p = src + (size_t)f * t->size;
        if (a->t.dtype == UR_F32)
            ur_tensor_f32(&a->t)[dst] = f64_to_f32(elem_f64(p, t->kind));
        else {
            int64_t v = elem_i64(p, t->kind);
            if (v < INT32_MIN || v > INT32_MAX) {
                ur_error(ctx, UR_ERR_FORMAT,
                         "%s: value %lld (element %lld) of this %s array does not fit in int32",
                         name, (long long)v, (long long)f, t->name);
                return false;
            }
            ur_tensor_i32(&a->t)[dst] = (int32_t)v;
        }
        if (!fortran)
            dst++;
        else {
            for (int k = 0; k < h->rank; k++) {
                dst += cstride[k];
                if (++idx[k] < h->dim[k])
                    break;
                dst -= cstride[k] * idx[k];
                idx[k] = 0;
            }
        }
    }
    return true;
}

/* ---------------------------------------------------------------- .npy read */

ur_array *ur_npy_read_mem(const void *buf, size_t len, ur_npy_want want, const char *name,
                          ur_ctx *ctx)
{
    const unsigned char *b = buf;
    name = name ? name : "<npy>";
    if (len == 0) {
        ur_error(ctx, UR_ERR_FORMAT, "%s: truncated: the file is empty", name);
        return NULL;
    }
    if (len < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        if (len < NPY_MAGIC_LEN && memcmp(b, NPY_MAGIC, len) == 0)
            ur_error(ctx, UR_ERR_FORMAT, "%s: truncated: %zu bytes, shorter than a .npy header",
                     name, len);
        else
            ur_error(ctx, UR_ERR_FORMAT, "%s: not a .npy file (the magic \\x93NUMPY is missing)",
                     name);
        return NULL;
    }
    if (len < 8) {
        ur_error(ctx, UR_ERR_FORMAT, "%s: truncated: %zu bytes, shorter than a .npy header",
                 name, len);
        return NULL;
    }
    unsigned major = b[6], minor = b[7];
    size_t hlen, hstart;
    if (major == 1)
        hstart = 10;
    else if (major == 2 || major == 3)
        hstart = 12;
    else {
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: .npy format version %u.%u is not supported (1.0, 2.0 and 3.0 are)", name,
                 major, minor);
        return NULL;
    }
    if (len < hstart) {
        ur_error(ctx, UR_ERR_FORMAT, "%s: truncated: %zu bytes, shorter than a .npy header",
                 name, len);
        return NULL;
    }
    hlen = major == 1 ? rd16(b + 8) : rd32(b + 8);
    if (hlen > len - hstart) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: truncated: the header is %zu bytes long but the file has only %zu after "
                 "its start", name, hlen, len - hstart);
        return NULL;
    }
    npy_header h = {0};
    if (!hdr_parse((const char *)b + hstart, hlen, name, &h, ctx))
        return NULL;
    const npy_type *t = npy_type_find(h.descr, name, ctx);
    if (!t)
        return NULL;
    int64_t numel;
    size_t data_len = len - hstart - hlen;
    if (!shape_numel(h.rank, h.dim, &numel) || (uint64_t)numel > SIZE_MAX / 4 / t->size) {
        ur_error(ctx, UR_ERR_FORMAT, "%s: the shape in the header is impossibly large", name);
        return NULL;
    }
    size_t need = (size_t)numel * t->size;
    if (need != data_len) {
        if (need > data_len)
            ur_error(ctx, UR_ERR_FORMAT,
                     "%s: truncated: header says %lld values of %s, file has %zu bytes of data",
                     name, (long long)numel, t->name, data_len);
        else
            ur_error(ctx, UR_ERR_FORMAT,
                     "%s: %zu bytes after the data (header says %lld values of %s = %zu bytes)",
                     name, data_len - need, (long long)numel, t->name, need);
        return NULL;
    }
    ur_dtype dtype = want == UR_NPY_FLOAT32 || kind_is_float(t->kind) ? UR_F32 : UR_I32;
    ur_array *a = ur_array_new(dtype, h.rank, h.dim, NULL);
    if (!a) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory for %lld values", name, (long long)numel);
        return NULL;
    }
    if (!convert(b + hstart + hlen, t, &h, numel, a, name, ctx)) {
        ur_array_free(a);
        return NULL;
    }
    return a;
}

ur_array *ur_npy_read(const char *path, ur_npy_want want, ur_ctx *ctx)
{
    size_t len;
    char *buf = ur_file_read_all(path, &len, ctx);
    if (!buf)
        return NULL;
    ur_array *a = ur_npy_read_mem(buf, len, want, path, ctx);
    free(buf);
    return a;
}

/* --------------------------------------------------------------- .npy write */

void *ur_npy_write_mem(const ur_tensor *t, size_t *len)
{
    char header[256];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     t->dtype == UR_I32 ? "<i4" : "<f4");
    for (int i = 0; i < t->rank; i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%s%lld", i ? ", " : "",
                      (long long)t->dim[i]);
    n += snprintf(header + n, sizeof header - (size_t)n, "%s), }", t->rank == 1 ? "," : "");
    /* pad with spaces so that the data starts on a 64-byte boundary, then '\n' */
    size_t hlen = (size_t)n + 1;
    hlen += (64 - (10 + hlen) % 64) % 64;
    int64_t numel = ur_tensor_numel(t);
    size_t total = 10 + hlen + (size_t)numel * 4;
    unsigned char *out = malloc(total);
    if (!out)
        return NULL;
    memcpy(out, NPY_MAGIC, NPY_MAGIC_LEN);
    out[6] = 1;
    out[7] = 0;
    wr16(out + 8, (uint32_t)hlen);
    memcpy(out + 10, header, (size_t)n);
    memset(out + 10 + n, ' ', hlen - (size_t)n - 1);
    out[10 + hlen - 1] = '\n';
    unsigned char *d = out + 10 + hlen;
    if (host_is_little_endian())
        memcpy(d, t->data, (size_t)numel * 4);
    else {
        const uint32_t *src = t->data;
        for (int64_t i = 0; i < numel; i++)
            wr32(d + 4 * i, src[i]);
    }
    *len = total;
    return out;
}

ur_status ur_npy_write(const char *path, const ur_tensor *t, ur_ctx *ctx)
{
    size_t len;
    void *buf = ur_npy_write_mem(t, &len);
    if (!buf)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
    ur_status st = ur_file_write_atomic(path, buf, len, ctx);
    free(buf);
    return st;
}

/* -------------------------------------------------------------- .npz read */

/* Zip records (APPNOTE.TXT 4.3). */
#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP64_EOCD_SIG 0x06064b50u
#define ZIP64_LOCATOR_SIG 0x07064b50u
#define ZIP_LOCAL_LEN 30
#define ZIP_CENTRAL_LEN 46
#define ZIP_EOCD_LEN 22
#define ZIP64_EOCD_LEN 56
#define ZIP64_LOCATOR_LEN 20
/* Deflate cannot expand data by more than about 1032:1. */
#define DEFLATE_MAX_RATIO 1032

/* Whether [off, off + n) lies inside a buffer of len bytes. */
static bool in_range(uint64_t off, uint64_t n, size_t len)
{
    return off <= len && n <= len - off;
}

static bool npz_fail(ur_ctx *ctx, const char *name, const char *what)
{
    ur_error(ctx, UR_ERR_FORMAT, "%s: %s", name, what);
    return false;
}

typedef struct zip_dir {
    uint64_t entries, cd_size, cd_off;
} zip_dir;

/* Whether b starts like a zip archive: a local header, or the end record of
 * an empty archive (possibly cut short). */
static bool zip_start(const unsigned char *b, size_t len)
{
    size_t n = len < 4 ? len : 4;
    if (n == 0)
        return true;
    return memcmp(b, "PK\x03\x04", n) == 0 || memcmp(b, "PK\x05\x06", n) == 0;
}

/* Finds the end of central directory (and its zip64 form when present). */
static bool zip_find_dir(const unsigned char *b, size_t len, const char *name, zip_dir *d,
                         ur_ctx *ctx)
{
    const char *missing = zip_start(b, len)
        ? "truncated: the zip archive has no end of central directory record"
        : "not a zip archive (an .npz file is one)";
    if (len < ZIP_EOCD_LEN)
        return npz_fail(ctx, name, missing);
    size_t pos = len - ZIP_EOCD_LEN, stop = pos > 0xFFFF ? pos - 0xFFFF : 0;
    for (;; pos--) {
        if (rd32(b + pos) == ZIP_EOCD_SIG && pos + ZIP_EOCD_LEN + rd16(b + pos + 20) <= len)
            break;
        if (pos == stop)
            return npz_fail(ctx, name, missing);
    }
    const unsigned char *e = b + pos;
    if (rd16(e + 4) != 0 || (rd16(e + 6) != 0 && rd16(e + 6) != 0xFFFF))
        return npz_fail(ctx, name, "multi-disk zip archives are not supported");
    d->entries = rd16(e + 10);
    d->cd_size = rd32(e + 12);
    d->cd_off = rd32(e + 16);
    if (pos >= ZIP64_LOCATOR_LEN && rd32(b + pos - ZIP64_LOCATOR_LEN) == ZIP64_LOCATOR_SIG) {
        uint64_t z = rd64(b + pos - ZIP64_LOCATOR_LEN + 8);
        if (!in_range(z, ZIP64_EOCD_LEN, pos) || rd32(b + z) != ZIP64_EOCD_SIG)
            return npz_fail(ctx, name, "bad zip64 end of central directory record");
        const unsigned char *z64 = b + z;
        if (rd32(z64 + 16) != 0 || rd32(z64 + 20) != 0)
            return npz_fail(ctx, name, "multi-disk zip archives are not supported");
        if (d->entries == 0xFFFF)
            d->entries = rd64(z64 + 32);
        if (d->cd_size == 0xFFFFFFFF)
            d->cd_size = rd64(z64 + 40);
        if (d->cd_off == 0xFFFFFFFF)
            d->cd_off = rd64(z64 + 48);
    }
    if (!in_range(d->cd_off, d->cd_size, len))
        return npz_fail(ctx, name, "truncated: the zip central directory lies past the end of "
                                   "the file");
    if (d->entries > d->cd_size / ZIP_CENTRAL_LEN)
        return npz_fail(ctx, name, "the zip central directory is too small for its entry count");
    return true;
}

typedef struct zip_entry {
    char *name;           /* member name as stored ("x.npy") */
    uint32_t crc;
    unsigned method, flags;
    uint64_t comp, uncomp, local_off;
} zip_entry;

/* Reads the central directory entry at *off; advances *off. */
static bool zip_read_entry(const unsigned char *b, size_t len, const zip_dir *d, uint64_t *off,
                           const char *name, zip_entry *z, ur_ctx *ctx)
{
    uint64_t end = d->cd_off + d->cd_size;
    if (end - *off < ZIP_CENTRAL_LEN || rd32(b + *off) != ZIP_CENTRAL_SIG)
        return npz_fail(ctx, name, "bad zip central directory entry");
    const unsigned char *c = b + *off;
    size_t nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
    if (end - *off - ZIP_CENTRAL_LEN < (uint64_t)nlen + xlen + clen)
        return npz_fail(ctx, name, "bad zip central directory entry (its names run past it)");
    z->flags = rd16(c + 8);
    z->method = rd16(c + 10);
    z->crc = rd32(c + 16);
    z->comp = rd32(c + 20);
    z->uncomp = rd32(c + 24);
    z->local_off = rd32(c + 42);
    if (memchr(c + ZIP_CENTRAL_LEN, '\0', nlen))
        return npz_fail(ctx, name, "a zip member name contains a NUL byte");
    z->name = malloc(nlen + 1);
    if (!z->name) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
        return false;
    }
    memcpy(z->name, c + ZIP_CENTRAL_LEN, nlen);
    z->name[nlen] = '\0';
    /* zip64 extra field: the 8-byte values of whichever fields are saturated,
     * in this order */
    const unsigned char *x = c + ZIP_CENTRAL_LEN + nlen, *xend = x + xlen;
    while (xend - x >= 4) {
        unsigned id = rd16(x), size = rd16(x + 2);
        if ((size_t)(xend - x - 4) < size)
            break;
        if (id == 0x0001) {
            const unsigned char *v = x + 4, *vend = v + size;
            uint64_t *fields[] = {&z->uncomp, &z->comp, &z->local_off};
            for (int i = 0; i < 3; i++) {
                if (*fields[i] != 0xFFFFFFFF)
                    continue;
                if (vend - v < 8)
                    return npz_fail(ctx, name, "zip64 extra field too short");
                *fields[i] = rd64(v);
                v += 8;
            }
        }
        x += 4 + size;
    }
    *off += ZIP_CENTRAL_LEN + nlen + xlen + clen;
    return true;
}

/* The member's uncompressed bytes (malloc'd) after checking its local
 * header, its sizes and its CRC; msg_name is "x.npz: member 'y.npy'". */
static unsigned char *zip_extract(const unsigned char *b, size_t len, const zip_entry *z,
                                  const char *msg_name, ur_ctx *ctx)
{
    if (z->flags & 1) {
        npz_fail(ctx, msg_name, "encrypted zip members are not supported");
        return NULL;
    }
    if (z->method != 0 && z->method != 8) {
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: zip compression method %u is not supported (stored and deflated are)",
                 msg_name, z->method);
        return NULL;
    }
    if (!in_range(z->local_off, ZIP_LOCAL_LEN, len) || rd32(b + z->local_off) != ZIP_LOCAL_SIG) {
        npz_fail(ctx, msg_name, "bad zip local header offset");
        return NULL;
    }
    const unsigned char *l = b + z->local_off;
    size_t nlen = rd16(l + 26), xlen = rd16(l + 28);
    uint64_t data_off = z->local_off + ZIP_LOCAL_LEN + nlen + xlen;
    if (!in_range(z->local_off + ZIP_LOCAL_LEN, nlen, len) || nlen != strlen(z->name) ||
        memcmp(l + ZIP_LOCAL_LEN, z->name, nlen) != 0) {
        npz_fail(ctx, msg_name, "the zip local header does not match the central directory");
        return NULL;
    }
    if (!in_range(data_off, z->comp, len)) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: truncated: %llu bytes of member data run past the end of the archive",
                 msg_name, (unsigned long long)z->comp);
        return NULL;
    }
    if (z->method == 0 && z->comp != z->uncomp) {
        npz_fail(ctx, msg_name, "a stored zip member has different packed and unpacked sizes");
        return NULL;
    }
    if (z->method == 8 && z->uncomp > z->comp * DEFLATE_MAX_RATIO + 1024) {
        ur_error(ctx, UR_ERR_FORMAT,
                 "%s: declares %llu unpacked bytes from %llu packed ones, more than deflate "
                 "can produce", msg_name, (unsigned long long)z->uncomp,
                 (unsigned long long)z->comp);
        return NULL;
    }
    if (z->uncomp >= SIZE_MAX) {
        npz_fail(ctx, msg_name, "member too large for this machine");
        return NULL;
    }
    unsigned char *out = malloc(z->uncomp ? (size_t)z->uncomp : 1);
    if (!out) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory for %llu bytes", msg_name,
                 (unsigned long long)z->uncomp);
        return NULL;
    }
    const unsigned char *src = b + data_off;
    if (z->method == 0)
        memcpy(out, src, (size_t)z->uncomp);
    else {
        z_stream zs = {0};
        if (inflateInit2(&zs, -15) != Z_OK) {
            free(out);
            ur_error(ctx, UR_ERR_NOMEM, "%s: cannot start zlib", msg_name);
            return NULL;
        }
        uint64_t in_left = z->comp, out_left = z->uncomp;
        zs.next_in = (unsigned char *)src;
        zs.next_out = out;
        int zr = Z_OK;
        while (zr == Z_OK) {
            /* avail_in/out are 32-bit: feed at most 1 GiB at a time */
            if (zs.avail_in == 0 && in_left) {
                zs.avail_in = (uInt)(in_left < (1u << 30) ? in_left : (1u << 30));
                in_left -= zs.avail_in;
            }
            if (zs.avail_out == 0 && out_left) {
                zs.avail_out = (uInt)(out_left < (1u << 30) ? out_left : (1u << 30));
                out_left -= zs.avail_out;
            }
            zr = inflate(&zs, Z_NO_FLUSH); /* Z_BUF_ERROR: no progress possible */
        }
        bool full = zs.avail_out == 0 && out_left == 0;
        uint64_t produced = zs.total_out;
        inflateEnd(&zs);
        if (zr != Z_STREAM_END || produced != z->uncomp) {
            free(out);
            if (zr == Z_MEM_ERROR)
                ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory in zlib", msg_name);
            else
                ur_error(ctx, UR_ERR_FORMAT, "%s: %s", msg_name,
                         zr == Z_STREAM_END ? "deflate data shorter than the declared size"
                         : zr == Z_BUF_ERROR && full ? "deflate data longer than the declared size"
                         : zr == Z_BUF_ERROR ? "truncated deflate data"
                         : "corrupt deflate data");
            return NULL;
        }
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t done = 0; done < z->uncomp;) {
        uInt n = (uInt)(z->uncomp - done < (1u << 30) ? z->uncomp - done : (1u << 30));
        crc = crc32(crc, out + done, n);
        done += n;
    }
    if ((uint32_t)crc != z->crc) {
        free(out);
        ur_error(ctx, UR_ERR_FORMAT, "%s: CRC mismatch (the archive is corrupt)", msg_name);
        return NULL;
    }
    return out;
}

static int cmp_array_name(const void *a, const void *b)
{
    return strcmp((*(ur_array *const *)a)->name, (*(ur_array *const *)b)->name);
}

ur_npz *ur_npz_read_mem(const void *buf, size_t len, ur_npy_want want, const char *name,
                        ur_ctx *ctx)
{
    const unsigned char *b = buf;
    name = name ? name : "<npz>";
    zip_dir d;
    if (!zip_find_dir(b, len, name, &d, ctx))
        return NULL;
    ur_npz *z = calloc(1, sizeof *z);
    ur_array **arrays = calloc(d.entries ? (size_t)d.entries : 1, sizeof *arrays);
    if (!z || !arrays) {
        free(z);
        free(arrays);
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    z->arrays = arrays;
    uint64_t off = d.cd_off;
    char msg_name[512];
    for (uint64_t i = 0; i < d.entries; i++) {
        zip_entry e = {0};
        if (!zip_read_entry(b, len, &d, &off, name, &e, ctx)) {
            free(e.name);
            goto fail;
        }
        snprintf(msg_name, sizeof msg_name, "%s: member '%s'", name, e.name);
        size_t nlen = strlen(e.name);
        if (nlen < 4 || strcmp(e.name + nlen - 4, ".npy") != 0) {
            ur_error(ctx, UR_ERR_FORMAT, "%s: not a .npy file (an .npz holds only .npy members)",
                     msg_name);
            free(e.name);
            goto fail;
        }
        unsigned char *data = zip_extract(b, len, &e, msg_name, ctx);
        ur_array *a = data ? ur_npy_read_mem(data, (size_t)e.uncomp, want, msg_name, ctx) : NULL;
        free(data);
        if (!a) {
            free(e.name);
            goto fail;
        }
        e.name[nlen - 4] = '\0';
        a->name = e.name;
        z->arrays[z->n++] = a;
    }
    /* duplicate names would make lookups ambiguous */
    if (z->n > 1) {
        ur_array **sorted = malloc((size_t)z->n * sizeof *sorted);
        if (!sorted) {
            ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
            goto fail;
        }
        memcpy(sorted, z->arrays, (size_t)z->n * sizeof *sorted);
        qsort(sorted, (size_t)z->n, sizeof *sorted, cmp_array_name);
        for (int i = 1; i < z->n; i++)
            if (strcmp(sorted[i]->name, sorted[i - 1]->name) == 0) {
                ur_error(ctx, UR_ERR_FORMAT, "%s: member '%s.npy' appears twice", name,
                         sorted[i]->name);
                free(sorted);
                goto fail;
            }
        free(sorted);
    }
    return z;
fail:
    ur_npz_free(z);
    return NULL;
}

ur_npz *ur_npz_read(const char *path, ur_npy_want want, ur_ctx *ctx)
{
    size_t len;
    char *buf = ur_file_read_all(path, &len, ctx);
    if (!buf)
        return NULL;
    ur_npz *z = ur_npz_read_mem(buf, len, want, path, ctx);
    free(buf);
    return z;
}

void ur_npz_free(ur_npz *z)
{
    if (!z)
        return;
    for (int i = 0; i < z->n; i++)
        ur_array_free(z->arrays[i]);
    free(z->arrays);
    free(z);
}

ur_array *ur_npz_get(const ur_npz *z, const char *name)
{
    for (int i = 0; z && i < z->n; i++)
        if (strcmp(z->arrays[i]->name, name) == 0)
            return z->arrays[i];
    return NULL;
}

/* -------------------------------------------------------------- .npz write */

/* The 26 bytes that local and central headers share, from "version needed"
 * to "extra length": stored, no extra field, DOS date 1980-01-01 00:00. */
static void zip_common_fields(unsigned char *h, const char *name, uint32_t crc, uint32_t size)
{
    bool utf8 = false;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        utf8 = utf8 || *c >= 0x80;
    wr16(h, 20);                      /* version needed: 2.0 */
    wr16(h + 2, utf8 ? 0x0800 : 0);   /* flags: UTF-8 name */
    wr16(h + 4, 0);                   /* method: stored */
    wr16(h + 6, 0);                   /* time */
    wr16(h + 8, 0x21);                /* date */
    wr32(h + 10, crc);
    wr32(h + 14, size);               /* packed */
    wr32(h + 18, size);               /* unpacked */
    wr16(h + 22, (uint32_t)strlen(name) + 4);
    wr16(h + 24, 0);                  /* extra length */
}

/* A stored zip: per member a local header, "<name>.npy" and the .npy bytes;
 * then the central directory and its end record. No zip64: the archive
 * stays under 4 GiB. */
ur_status ur_npz_write(const char *path, int n, const ur_tensor *const *arrays,
                       const char *const *names, ur_ctx *ctx)
{
    if (n < 0 || n > 0xFFFF)
        return ur_error(ctx, UR_ERR_INVALID, "%s: %d arrays do not fit in an .npz (at most %d)",
                        path, n, 0xFFFF);
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || strlen(names[i]) > 0xFFFF - 4)
            return ur_error(ctx, UR_ERR_INVALID, "%s: array %d needs a name", path, i);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return ur_error(ctx, UR_ERR_INVALID, "%s: two arrays are named '%s'", path,
                                names[i]);
    }
    size_t slots = n ? (size_t)n : 1;
    void **npy = calloc(slots, sizeof *npy);
    size_t *npy_len = calloc(slots, sizeof *npy_len);
    uint32_t *crc = calloc(slots, sizeof *crc), *local = calloc(slots, sizeof *local);
    unsigned char *zip = NULL;
    ur_status st = UR_OK;
    if (!npy || !npy_len || !crc || !local) {
        st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    uint64_t total = ZIP_EOCD_LEN;
    for (int i = 0; i < n; i++) {
        npy[i] = ur_npy_write_mem(arrays[i], &npy_len[i]);
        if (!npy[i]) {
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
        crc[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), npy[i], (uInt)npy_len[i]);
        total += ZIP_LOCAL_LEN + ZIP_CENTRAL_LEN + 2 * (strlen(names[i]) + 4) + npy_len[i];
    }
    if (total >= 0xFFFFFFFFu || total > SIZE_MAX) {
        st = ur_error(ctx, UR_ERR_UNSUPPORTED,
                      "%s: %llu bytes is too large for an .npz without zip64 (4 GiB); save the "
                      "arrays as separate .npy files", path, (unsigned long long)total);
        goto done;
    }
    zip = malloc((size_t)total);
    if (!zip) {
        st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    size_t pos = 0;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        local[i] = (uint32_t)pos;
        wr32(zip + pos, ZIP_LOCAL_SIG);
        zip_common_fields(zip + pos + 4, names[i], crc[i], (uint32_t)npy_len[i]);
        pos += ZIP_LOCAL_LEN;
        memcpy(zip + pos, names[i], nl);
        memcpy(zip + pos + nl, ".npy", 4);
        pos += nl + 4;
        memcpy(zip + pos, npy[i], npy_len[i]);
        pos += npy_len[i];
    }
    size_t cd_start = pos;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        unsigned char *c = zip + pos;
        memset(c, 0, ZIP_CENTRAL_LEN);
        wr32(c, ZIP_CENTRAL_SIG);
        wr16(c + 4, 20);              /* made by: MS-DOS, version 2.0 */
        zip_common_fields(c + 6, names[i], crc[i], (uint32_t)npy_len[i]);
        wr32(c + 42, local[i]);
        pos += ZIP_CENTRAL_LEN;
        memcpy(zip + pos, names[i], nl);
        memcpy(zip + pos + nl, ".npy", 4);
        pos += nl + 4;
    }
    unsigned char *e = zip + pos;
    memset(e, 0, ZIP_EOCD_LEN);
    wr32(e, ZIP_EOCD_SIG);
    wr16(e + 8, (uint32_t)n);
    wr16(e + 10, (uint32_t)n);
    wr32(e + 12, (uint32_t)(pos - cd_start));
    wr32(e + 16, (uint32_t)cd_start);
    pos += ZIP_EOCD_LEN;
    st = ur_file_write_atomic(path, zip, pos, ctx);
done:
    for (int i = 0; npy && i < n; i++)
        free(npy[i]);
    free(npy);
    free(npy_len);
    free(crc);
    free(local);
    free(zip);
    return st;
}
