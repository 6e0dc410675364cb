/* safetensors.c — the native weight file: reading (F32, and F64/F16/BF16
 * converted to float32) with every header field checked, and writing F32
 * atomically. The header is JSON, parsed and written by json.c. */
#include "safetensors.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference implementation's limit on the JSON header. */
#define ST_MAX_HEADER 100000000u
#define ST_METADATA "__metadata__"

typedef enum st_dtype { ST_F32, ST_F64, ST_F16, ST_BF16 } st_dtype;

static const struct {
    const char *name;
    st_dtype dtype;
    size_t size;
} st_dtypes[] = {
    {"F32", ST_F32, 4}, {"F64", ST_F64, 8}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2},
};

/* Valid safetensors dtypes that have no float32 reading here. */
static const char *const st_other_dtypes[] = {
    "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E4M3", "F8_E5M2", NULL,
};

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static float half_to_float(uint16_t h)
{
    int exp = (h >> 10) & 0x1F, man = h & 0x3FF;
    float f;
    if (exp == 0)
        f = ldexpf((float)man, -24);              /* zero and subnormals */
    else if (exp == 31)
        f = man ? NAN : INFINITY;
    else
        f = ldexpf((float)(man | 0x400), exp - 25);
    return (h & 0x8000) ? -f : f;
}

static float bits_to_float(uint32_t u)
{
    union { uint32_t u; float f; } v = {u};
    return v.f;
}

/* ------------------------------------------------------------------ reading */

typedef struct st_entry {
    const char *name;
    st_dtype dtype;
    size_t size;           /* bytes per element */
    int rank;
    int64_t dim[UR_MAX_RANK];
    uint64_t begin, end;   /* relative to the start of the data */
} st_entry;

/* A non-negative integer that a double holds exactly (below 2^53). */
static bool st_uint(const ur_value *v, uint64_t *out)
{
    if (!v || v->type != UR_VALUE_NUMBER || !(v->u.num >= 0) || v->u.num >= 9007199254740992.0 ||
        v->u.num != floor(v->u.num))
        return false;
    *out = (uint64_t)v->u.num;
    return true;
}

static bool st_fail(ur_ctx *ctx, const char *name, const char *tensor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool st_fail(ur_ctx *ctx, const char *name, const char *tensor, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (tensor)
        ur_error(ctx, UR_ERR_FORMAT, "%s: tensor '%s': %s", name, tensor, what);
    else
        ur_error(ctx, UR_ERR_FORMAT, "%s: %s", name, what);
    return false;
}

/* One tensor's header entry: {"dtype", "shape", "data_offsets"}. */
static bool st_parse_entry(const char *key, const ur_value *v, uint64_t data_len, const char *name,
                           st_entry *e, ur_ctx *ctx)
{
    e->name = key;
    if (v->type != UR_VALUE_OBJECT)
        return st_fail(ctx, name, key, "expected an object, found %s", ur_value_type_name(v->type));
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const char *k = v->u.obj.keys[i];
        if (strcmp(k, "dtype") != 0 && strcmp(k, "shape") != 0 && strcmp(k, "data_offsets") != 0)
            return st_fail(ctx, name, key, "unknown field '%s'", k);
    }
    const ur_value *dt = ur_value_get(v, "dtype"), *shape = ur_value_get(v, "shape"),
                   *offs = ur_value_get(v, "data_offsets");
    if (!dt || !shape || !offs)
        return st_fail(ctx, name, key, "missing '%s'",
                       !dt ? "dtype" : !shape ? "shape" : "data_offsets");
    if (dt->type != UR_VALUE_STRING)
        return st_fail(ctx, name, key, "dtype must be a string, found %s",
                       ur_value_type_name(dt->type));
    size_t t;
    for (t = 0; t < sizeof st_dtypes / sizeof st_dtypes[0]; t++)
        if (strcmp(dt->u.str, st_dtypes[t].name) == 0)
            break;
    if (t == sizeof st_dtypes / sizeof st_dtypes[0]) {
        for (int o = 0; st_other_dtypes[o]; o++)
            if (strcmp(dt->u.str, st_other_dtypes[o]) == 0) {
                ur_error(ctx, UR_ERR_UNSUPPORTED,
                         "%s: tensor '%s': dtype %s is not supported (F32, F64, F16 and BF16 "
                         "are)", name, key, dt->u.str);
                return false;
            }
        return st_fail(ctx, name, key, "unknown dtype '%.40s'", dt->u.str);
    }
    e->dtype = st_dtypes[t].dtype;
    e->size = st_dtypes[t].size;
    if (shape->type != UR_VALUE_ARRAY)
        return st_fail(ctx, name, key, "shape must be an array, found %s",
                       ur_value_type_name(shape->type));
    if (shape->u.arr.n > UR_MAX_RANK) {
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: tensor '%s': rank %zu is not supported (at most %d axes)", name, key,
                 shape->u.arr.n, UR_MAX_RANK);
        return false;
    }
    e->rank = (int)shape->u.arr.n;
    /* bytes = numel * size; the product of the non-zero axes must fit in
     * int64 (as numpy requires), so that every partial product fits too */
    uint64_t bytes = e->size;
    bool zero = false;
    for (int i = 0; i < e->rank; i++) {
        uint64_t d;
        if (!st_uint(shape->u.arr.items[i], &d))
            return st_fail(ctx, name, key, "shape entries must be non-negative integers");
        e->dim[i] = (int64_t)d;
        if (d == 0)
            zero = true;
        else if (bytes > INT64_MAX / d)
            return st_fail(ctx, name, key, "shape is impossibly large");
        else
            bytes *= d;
    }
    if (zero)
        bytes = 0;
    if (offs->type != UR_VALUE_ARRAY || offs->u.arr.n != 2 ||
        !st_uint(offs->u.arr.items[0], &e->begin) || !st_uint(offs->u.arr.items[1], &e->end))
        return st_fail(ctx, name, key, "data_offsets must be [begin, end], two non-negative "
                                       "integers");
    if (e->begin > e->end)
        return st_fail(ctx, name, key, "data_offsets [%llu, %llu] end before they begin",
                       (unsigned long long)e->begin, (unsigned long long)e->end);
    if (e->end > data_len)
        return st_fail(ctx, name, key,
                       "truncated: data_offsets [%llu, %llu] run past the end of the data "
                       "(%llu bytes)", (unsigned long long)e->begin, (unsigned long long)e->end,
                       (unsigned long long)data_len);
    if (e->end - e->begin != bytes) {
        char shp[128];
        ur_shape s = {.rank = e->rank};
        memcpy(s.dim, e->dim, sizeof s.dim);
        ur_shape_format(&s, shp, sizeof shp);
        return st_fail(ctx, name, key,
                       "shape %s of %s needs %llu bytes, data_offsets [%llu, %llu] hold %llu", shp,
                       dt->u.str, (unsigned long long)bytes, (unsigned long long)e->begin,
                       (unsigned long long)e->end, (unsigned long long)(e->end - e->begin));
    }
    return true;
}

static int cmp_by_offset(const void *a, const void *b)
{
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The tensors must tile the data exactly: sorted by offset, each begins
 * where the previous one ended, and the last ends at the end of the data. */
static bool st_check_layout(st_entry *e, size_t n, uint64_t data_len, const char *name,
                            ur_ctx *ctx)
{
    st_entry **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &e[i];
    qsort(sorted, n, sizeof *sorted, cmp_by_offset);
    uint64_t at = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const st_entry *s = sorted[i];
        if (s->begin < at)
            ok = st_fail(ctx, name, s->name, "data_offsets [%llu, %llu] overlap tensor '%s'",
                         (unsigned long long)s->begin, (unsigned long long)s->end,
                         sorted[i - 1]->name);
        else if (s->begin > at)
            ok = st_fail(ctx, name, s->name,
                         "a gap in the data: bytes %llu to %llu belong to no tensor",
                         (unsigned long long)at, (unsigned long long)s->begin);
        at = s->end;
    }
    free(sorted);
    if (ok && at != data_len)
        ok = st_fail(ctx, name, NULL, "%llu bytes of data after the last tensor",
                     (unsigned long long)(data_len - at));
    return ok;
}

static void st_convert(const unsigned char *src, const st_entry *e, float *dst)
{
    int64_t n = (int64_t)((e->end - e->begin) / e->size);
    for (int64_t i = 0; i < n; i++) {
        const unsigned char *p = src + (size_t)i * e->size;
        switch (e->dtype) {
        case ST_F32: dst[i] = bits_to_float(rd32(p)); break;
        case ST_F64: {
            union { uint64_t u; double d; } v = {rd64(p)};
            /* out-of-range conversions are undefined in C: saturate */
            dst[i] = v.d > 3.4028234663852886e38 ? INFINITY
                   : v.d < -3.4028234663852886e38 ? -INFINITY : (float)v.d;
            break;
        }
        case ST_F16: dst[i] = half_to_float((uint16_t)(p[0] | p[1] << 8)); break;
        case ST_BF16: dst[i] = bits_to_float((uint32_t)(p[0] | p[1] << 8) << 16); break;
        }
    }
}

ur_safetensors *ur_safetensors_read_mem(const void *buf, size_t len, const char *name,
                                        ur_ctx *ctx)
{
    const unsigned char *b = buf;
    name = name ? name : "<safetensors>";
    if (len < 8) {
        st_fail(ctx, name, NULL, "truncated: %zu bytes, shorter than the 8-byte header length",
                len);
        return NULL;
    }
    uint64_t hlen = rd64(b);
    if (hlen > ST_MAX_HEADER) {
        st_fail(ctx, name, NULL, "header length %llu is larger than the %u bytes allowed (not a "
                "safetensors file?)", (unsigned long long)hlen, ST_MAX_HEADER);
        return NULL;
    }
    if (hlen > len - 8) {
        st_fail(ctx, name, NULL, "truncated: the header is %llu bytes long, the file has %zu "
                "after the length", (unsigned long long)hlen, len - 8);
        return NULL;
    }
    if (hlen < 2 || b[8] != '{') {
        st_fail(ctx, name, NULL, "the header does not start with '{' (not a safetensors file?)");
        return NULL;
    }
    char source[512];
    snprintf(source, sizeof source, "%s: JSON header", name);
    ur_value *hdr = ur_json_parse((const char *)b + 8, (size_t)hlen, source, ctx);
    if (!hdr)
        return NULL;
    ur_safetensors *st = calloc(1, sizeof *st);
    st_entry *entries = calloc(hdr->type == UR_VALUE_OBJECT && hdr->u.obj.n ? hdr->u.obj.n : 1,
                               sizeof *entries);
    if (!st || !entries) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    if (hdr->type != UR_VALUE_OBJECT) {
        st_fail(ctx, name, NULL, "the header must be a JSON object, found %s",
                ur_value_type_name(hdr->type));
        goto fail;
    }
    const unsigned char *data = b + 8 + hlen;
    uint64_t data_len = len - 8 - hlen;
    size_t n = 0;
    for (size_t i = 0; i < hdr->u.obj.n; i++) {
        const char *key = hdr->u.obj.keys[i];
        ur_value *v = hdr->u.obj.vals[i];
        if (strcmp(key, ST_METADATA) == 0) {
            if (v->type != UR_VALUE_OBJECT) {
                st_fail(ctx, name, NULL, "__metadata__ must be an object, found %s",
                        ur_value_type_name(v->type));
                goto fail;
            }
            for (size_t j = 0; j < v->u.obj.n; j++)
                if (v->u.obj.vals[j]->type != UR_VALUE_STRING) {
                    st_fail(ctx, name, NULL, "__metadata__ value '%s' must be a string, found %s",
                            v->u.obj.keys[j], ur_value_type_name(v->u.obj.vals[j]->type));
                    goto fail;
                }
            st->metadata = v;
            hdr->u.obj.vals[i] = NULL; /* taken */
            continue;
        }
        if (!st_parse_entry(key, v, data_len, name, &entries[n], ctx))
            goto fail;
        n++;
    }
    if (n > INT32_MAX) {
        st_fail(ctx, name, NULL, "too many tensors");
        goto fail;
    }
    if (!st_check_layout(entries, n, data_len, name, ctx))
        goto fail;
    st->arrays = calloc(n ? n : 1, sizeof *st->arrays);
    if (!st->arrays) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        ur_array *a = ur_array_new(UR_F32, entries[i].rank, entries[i].dim, entries[i].name);
        if (!a) {
            ur_error(ctx, UR_ERR_NOMEM, "%s: tensor '%s': out of memory", name, entries[i].name);
            goto fail;
        }
        st_convert(data + entries[i].begin, &entries[i], ur_tensor_f32(&a->t));
        st->arrays[st->n++] = a;
    }
    free(entries);
    ur_value_free(hdr);
    return st;
fail:
    free(entries);
    ur_value_free(hdr);
    ur_safetensors_free(st);
    return NULL;
}

ur_safetensors *ur_safetensors_read(const char *path, ur_ctx *ctx)
{
    size_t len;
    char *buf = ur_file_read_all(path, &len, ctx);
    if (!buf)
        return NULL;
    ur_safetensors *st = ur_safetensors_read_mem(buf, len, path, ctx);
    free(buf);
    return st;
}

void ur_safetensors_free(ur_safetensors *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++)
        ur_array_free(st->arrays[i]);
    free(st->arrays);
    ur_value_free(st->metadata);
    free(st);
}

ur_array *ur_safetensors_get(const ur_safetensors *st, const char *name)
{
    for (int i = 0; st && i < st->n; i++)
        if (strcmp(st->arrays[i]->name, name) == 0)
            return st->arrays[i];
    return NULL;
}

/* ------------------------------------------------------------------ writing */

/* Layout: u64 header length N, N bytes of compact JSON padded with spaces
 * to a multiple of 8 (so the data is 8-byte aligned), then the tensors'
 * float32 data back to back in the order given. */
void *ur_safetensors_write_mem(int n, const char *const *names, const ur_tensor *const *tensors,
                               const ur_value *metadata, const char *path, size_t *len,
                               ur_ctx *ctx)
{
    if (!path)
        path = "<memory>";
    if (n < 0) {
        ur_error(ctx, UR_ERR_INVALID, "%s: negative tensor count", path);
        return NULL;
    }
    if (metadata && metadata->type != UR_VALUE_OBJECT) {
        ur_error(ctx, UR_ERR_INVALID, "%s: metadata must be an object", path);
        return NULL;
    }
    ur_value *hdr = ur_value_new_object();
    if (metadata && metadata->u.obj.n) {
        for (size_t j = 0; j < metadata->u.obj.n; j++)
            if (metadata->u.obj.vals[j]->type != UR_VALUE_STRING) {
                ur_value_free(hdr);
                ur_error(ctx, UR_ERR_INVALID, "%s: metadata value '%s' must be a string, not %s",
                         path, metadata->u.obj.keys[j],
                         ur_value_type_name(metadata->u.obj.vals[j]->type));
                return NULL;
            }
        ur_value_set(hdr, ST_METADATA, ur_value_copy(metadata));
    }
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const ur_tensor *t = tensors[i];
        const char *why = !names[i] ? "has no name"
                        : strcmp(names[i], ST_METADATA) == 0 ? "uses the reserved name __metadata__"
                        : ur_value_get(hdr, names[i]) ? "appears twice"
                        : t->dtype != UR_F32 ? "is not float32"
                        : t->rank < 0 || t->rank > UR_MAX_RANK ? "has a bad rank" : NULL;
        if (why) {
            ur_value_free(hdr);
            ur_error(ctx, UR_ERR_INVALID, "%s: tensor %d ('%s') %s", path, i,
                     names[i] ? names[i] : "", why);
            return NULL;
        }
        ur_value *e = ur_value_new_object(), *shape = ur_value_new_array(),
                 *offs = ur_value_new_array();
        for (int k = 0; k < t->rank; k++)
            ur_value_append(shape, ur_value_new_number((double)t->dim[k]));
        uint64_t bytes = (uint64_t)ur_tensor_numel(t) * 4;
        ur_value_append(offs, ur_value_new_number((double)offset));
        ur_value_append(offs, ur_value_new_number((double)(offset + bytes)));
        offset += bytes;
        ur_value_set(e, "dtype", ur_value_new_string("F32"));
        ur_value_set(e, "shape", shape);
        ur_value_set(e, "data_offsets", offs);
        ur_value_set(hdr, names[i], e);
    }
    char *json = ur_json_write(hdr, -1);
    ur_value_free(hdr);
    if (!json) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    size_t jlen = strlen(json), hlen = (jlen + 7) & ~(size_t)7;
    size_t total = 8 + hlen + (size_t)offset;
    unsigned char *out = malloc(total);
    if (!out) {
        free(json);
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory for %zu bytes", path, total);
        return NULL;
    }
    wr64(out, hlen);
    memcpy(out + 8, json, jlen);
    memset(out + 8 + jlen, ' ', hlen - jlen);
    free(json);
    unsigned char *d = out + 8 + hlen;
    for (int i = 0; i < n; i++) {
        const ur_tensor *t = tensors[i];
        int64_t numel = ur_tensor_numel(t);
        const float *src = ur_tensor_f32(t);
        for (int64_t k = 0; k < numel; k++) {
            union { float f; uint32_t u; } v = {src[k]};
            for (int byte = 0; byte < 4; byte++)
                *d++ = (unsigned char)(v.u >> (8 * byte));
        }
    }
    *len = total;
    return out;
}

ur_status ur_safetensors_write(const char *path, int n, const char *const *names,
                               const ur_tensor *const *tensors, const ur_value *metadata,
                               ur_ctx *ctx)
{
    size_t len;
    void *bytes = ur_safetensors_write_mem(n, names, tensors, metadata, path, &len, ctx);
    if (!bytes)
        return ctx && ctx->status ? ctx->status : UR_ERR_NOMEM;
    ur_status st = ur_file_write_atomic(path, bytes, len, ctx);
    free(bytes);
    return st;
}
