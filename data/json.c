/* json.c — JSON text <-> ur_value: a strict RFC 8259 parser that puts a line
 * and column on every value and reports errors as "source:line:col: what",
 * and a writer (compact, or pretty with short containers kept on one line).
 * Also the whole-file read and atomic write that the data/ formats share. */
#include "json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSON_MAX_DEPTH 256
#define JSON_LINE_WIDTH 80  /* pretty form: containers that fit stay on one line */

/* ------------------------------------------------------------ byte buffer */

typedef struct strbuf {
    char *s;
    size_t n, cap;
    bool oom;
} strbuf;

static bool sb_reserve(strbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra <= b->cap - b->n)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n < extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

static void sb_add(strbuf *b, const void *p, size_t n)
{
    if (n && sb_reserve(b, n)) {
        memcpy(b->s + b->n, p, n);
        b->n += n;
    }
}

static void sb_addc(strbuf *b, char c) { sb_add(b, &c, 1); }
static void sb_adds(strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_spaces(strbuf *b, int n)
{
    for (int i = 0; i < n; i++)
        sb_addc(b, ' ');
}

/* Takes the NUL-terminated contents (NULL after an allocation failure). */
static char *sb_finish(strbuf *b)
{
    sb_addc(b, '\0');
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    return b->s;
}

/* ------------------------------------------------------- UTF-8 and numbers */

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;       /* overlong */
        if (c == 0xED) hi = 0x9F;       /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;       /* overlong */
        if (c == 0xF4) hi = 0x8F;       /* above U+10FFFF */
    } else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* strtod and printf follow LC_NUMERIC (a window calls setlocale), JSON
 * always uses '.': swap the point for the locale's one before strtod. */
static double strtod_c(const char *s, size_t len, bool *range_error)
{
    const char *dp = localeconv()->decimal_point;
    size_t dpl = dp && *dp ? strlen(dp) : 1;
    char small[128];
    char *buf = len + dpl + 1 <= sizeof small ? small : malloc(len + dpl + 1);
    if (!buf) {
        *range_error = false;
        return strtod("nan", NULL);
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && dp && *dp) {
            memcpy(buf + o, dp, dpl);
            o += dpl;
        } else
            buf[o++] = s[i];
    }
    buf[o] = '\0';
    double d = strtod(buf, NULL);
    /* Underflow to a tiny or zero value is fine; overflow is not. */
    *range_error = isinf(d);
    if (buf != small)
        free(buf);
    return d;
}

/* snprintf a double, then put back a '.' where the locale wrote its point. */
static void format_c(char *out, size_t size, const char *fmt, int prec, double d)
{
    snprintf(out, size, fmt, prec, d);
    const char *dp = localeconv()->decimal_point;
    if (!dp || !*dp || strcmp(dp, ".") == 0)
        return;
    char *at = strstr(out, dp);
    if (at) {
        size_t dpl = strlen(dp);
        *at = '.';
        memmove(at + 1, at + dpl, strlen(at + dpl) + 1);
    }
}

/* Integers without a fraction; others in the shortest %g form that reads
 * back to the same double. */
static void format_number(double d, char *out, size_t size)
{
    if (!isfinite(d)) {
        snprintf(out, size, "null");
        return;
    }
    if (d == floor(d) && fabs(d) < 1e17) {
        format_c(out, size, "%.*f", 0, d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        format_c(out, size, "%.*g", prec, d);
        bool range;
        if (strtod_c(out, strlen(out), &range) == d)
            return;
    }
}

/* ------------------------------------------------------------------ parser */

typedef struct parser {
    const unsigned char *start, *p, *end;
    const char *source;
    ur_ctx *ctx;
    int depth;
    bool failed;
    /* Position bookkeeping: the current line, where it starts, and a cached
     * (pointer, column) pair that only moves forward, so that columns cost
     * O(n) over the whole text even when it is one long line. */
    int line;
    const unsigned char *line_start;
    const unsigned char *col_ptr;
    int col;
} parser;

typedef struct json_pos {
    int line, column;
} json_pos;

/* Line and column (1-based, in characters) of `at` on the current line. */
static json_pos pos_of(parser *ps, const unsigned char *at)
{
    if (at < ps->col_ptr) {
        ps->col_ptr = ps->line_start;
        ps->col = 1;
    }
    int c = ps->col;
    for (const unsigned char *q = ps->col_ptr; q < at; q++)
        if ((*q & 0xC0) != 0x80)
            c++;
    ps->col_ptr = at;
    ps->col = c;
    return (json_pos){ps->line, c};
}

static void fail_pos(parser *ps, json_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_pos(parser *ps, json_pos pos, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ur_error(ps->ctx, UR_ERR_FORMAT, "%s:%d:%d: %s", ps->source, pos.line, pos.column, what);
}

#define fail_at(ps, at, ...) fail_pos((ps), pos_of((ps), (at)), __VA_ARGS__)

/* How a character reads in a message: 'x', "end of input" or "byte 0xNN". */
static const char *describe(const parser *ps, const unsigned char *at, char *buf, size_t size)
{
    if (at >= ps->end)
        return "end of input";
    if (*at >= 0x20 && *at < 0x7F) {
        snprintf(buf, size, "'%c'", *at);
        return buf;
    }
    size_t n = utf8_seq_len(at, ps->end);
    if (n > 1) {
        snprintf(buf, size, "'%.*s'", (int)n, (const char *)at);
        return buf;
    }
    snprintf(buf, size, "byte 0x%02X", *at);
    return buf;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end) {
        unsigned char c = *ps->p;
        if (c == '\n') {
            ps->line++;
            ps->p++;
            ps->line_start = ps->col_ptr = ps->p;
            ps->col = 1;
        } else if (c == ' ' || c == '\t' || c == '\r')
            ps->p++;
        else
            break;
    }
}

static bool is_word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static ur_value *parse_value(parser *ps);

static ur_value *new_at(ur_value *v, json_pos pos)
{
    v->line = pos.line;
    v->column = pos.column;
    return v;
}

static int hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string at ps->p (on the opening quote); returns its UTF-8 contents
 * (malloc'd, NUL-terminated) or NULL after an error. */
static char *parse_string_raw(parser *ps)
{
    const unsigned char *open = ps->p;
    json_pos open_pos = pos_of(ps, open);
    strbuf b = {0};
    ps->p++;
    for (;;) {
        const unsigned char *run = ps->p;
        while (ps->p < ps->end && *ps->p >= 0x20 && *ps->p < 0x80 && *ps->p != '"' &&
               *ps->p != '\\')
            ps->p++;
        sb_add(&b, run, (size_t)(ps->p - run));
        if (ps->p >= ps->end) {
            fail_pos(ps, open_pos, "unterminated string");
            goto fail;
        }
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c == '\n' || c == '\r') {
            fail_pos(ps, open_pos, "unterminated string (a line break before the closing '\"')");
            goto fail;
        }
        if (c < 0x20) {
            fail_at(ps, ps->p, "control character U+%04X in a string must be escaped", c);
            goto fail;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(ps->p, ps->end);
            if (n == 0) {
                fail_at(ps, ps->p, "invalid UTF-8 in a string (byte 0x%02X)", c);
                goto fail;
            }
            sb_add(&b, ps->p, n);
            ps->p += n;
            continue;
        }
        /* a backslash escape */
        const unsigned char *esc = ps->p;
        if (ps->end - esc < 2) {
            fail_pos(ps, open_pos, "unterminated string");
            goto fail;
        }
        char e = (char)esc[1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            sb_addc(&b, out[simple - "\"\\/bfnrt"]);
            ps->p += 2;
            continue;
        }
        if (e != 'u') {
            if (esc[1] >= 0x20 && esc[1] < 0x7F)
                fail_at(ps, esc, "invalid escape '\\%c' in a string", e);
            else
                fail_at(ps, esc, "invalid escape: '\\' followed by byte 0x%02X in a string", esc[1]);
            goto fail;
        }
        int u = hex4(esc + 2, ps->end);
        if (u < 0) {
            fail_at(ps, esc, "invalid \\u escape: expected four hex digits");
            goto fail;
        }
        unsigned long cp = (unsigned long)u;
        ps->p = esc + 6;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            fail_at(ps, esc, "unpaired UTF-16 surrogate \\u%04X in a string", u);
            goto fail;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            int lo = ps->end - ps->p >= 2 && ps->p[0] == '\\' && ps->p[1] == 'u'
                   ? hex4(ps->p + 2, ps->end) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                fail_at(ps, esc, "unpaired UTF-16 surrogate \\u%04X in a string", u);
                goto fail;
            }
            cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
            ps->p += 6;
        }
        if (cp == 0) {
            fail_at(ps, esc, "\\u0000 (NUL) is not allowed in a string");
            goto fail;
        }
        char enc[4];
        sb_add(&b, enc, utf8_encode(cp, enc));
    }
    char *s = sb_finish(&b);
    if (!s)
        ur_error(ps->ctx, UR_ERR_NOMEM, "%s: out of memory reading a string", ps->source);
    ps->failed = !s;
    return s;
fail:
    free(b.s);
    return NULL;
}

static ur_value *parse_number(parser *ps)
{
    const unsigned char *s = ps->p, *q = s;
    json_pos pos = pos_of(ps, s);
    if (*q == '-')
        q++;
    if (q >= ps->end || *q < '0' || *q > '9') {
        fail_at(ps, q, "expected a digit after '-'");
        return NULL;
    }
    if (*q == '0' && q + 1 < ps->end && q[1] >= '0' && q[1] <= '9') {
        fail_at(ps, q, "leading zeros are not allowed in numbers");
        return NULL;
    }
    while (q < ps->end && *q >= '0' && *q <= '9')
        q++;
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail_at(ps, q, "expected a digit after the decimal point");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail_at(ps, q, "expected a digit in the exponent");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    bool range;
    double d = strtod_c((const char *)s, (size_t)(q - s), &range);
    if (range || isnan(d)) {
        int n = (int)(q - s);
        fail_pos(ps, pos, "number out of range: %.*s%s", n > 40 ? 40 : n, (const char *)s,
                 n > 40 ? "..." : "");
        return NULL;
    }
    ps->p = q;
    return new_at(ur_value_new_number(d), pos);
}

/* A bare word where a value should be: true/false/null, or a good message. */
static ur_value *parse_word(parser *ps)
{
    const unsigned char *s = ps->p, *q = s;
    json_pos pos = pos_of(ps, s);
    while (q < ps->end && is_word_char(*q))
        q++;
    size_t n = (size_t)(q - s);
    const char *w = (const char *)s;
    if (n == 4 && memcmp(w, "true", 4) == 0) {
        ps->p = q;
        return new_at(ur_value_new_bool(true), pos);
    }
    if (n == 5 && memcmp(w, "false", 5) == 0) {
        ps->p = q;
        return new_at(ur_value_new_bool(false), pos);
    }
    if (n == 4 && memcmp(w, "null", 4) == 0) {
        ps->p = q;
        return new_at(ur_value_new_null(), pos);
    }
    if ((n == 4 && memcmp(w, "True", 4) == 0) || (n == 5 && memcmp(w, "False", 5) == 0))
        fail_pos(ps, pos, "'%.*s' is not JSON: write %s", (int)n, w, n == 4 ? "true" : "false");
    else if (n == 4 && memcmp(w, "None", 4) == 0)
        fail_pos(ps, pos, "'None' is not JSON: write null");
    else if ((n == 3 && memcmp(w, "NaN", 3) == 0) || (n == 8 && memcmp(w, "Infinity", 8) == 0))
        fail_pos(ps, pos, "'%.*s' is not a JSON number", (int)n, w);
    else
        fail_pos(ps, pos, "unexpected word '%.*s%s' (expected a value)", n > 32 ? 32 : (int)n, w,
                 n > 32 ? "..." : "");
    return NULL;
}

typedef struct key_ref {
    const char *key;
    size_t index;
} key_ref;

static int key_ref_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Refuses duplicate keys: sorts (key, index) pairs and reports the earliest
 * second occurrence. kpos holds each key's position. */
static bool check_duplicates(parser *ps, const ur_value *obj, const json_pos *kpos)
{
    size_t n = obj->u.obj.n;
    if (n < 2)
        return true;
    key_ref *refs = malloc(n * sizeof *refs);
    if (!refs) {
        ur_error(ps->ctx, UR_ERR_NOMEM, "%s: out of memory", ps->source);
        ps->failed = true;
        return false;
    }
    for (size_t i = 0; i < n; i++)
        refs[i] = (key_ref){obj->u.obj.keys[i], i};
    qsort(refs, n, sizeof *refs, key_ref_cmp);
    size_t dup = SIZE_MAX, first = 0, group = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(refs[i].key, refs[i - 1].key) != 0) {
            group = i;
            continue;
        }
        if (refs[i].index < dup) {
            dup = refs[i].index;
            first = refs[group].index;
        }
    }
    free(refs);
    if (dup == SIZE_MAX)
        return true;
    fail_pos(ps, kpos[dup], "duplicate key '%s' (first at line %d, column %d)",
             obj->u.obj.keys[dup], kpos[first].line, kpos[first].column);
    return false;
}

static ur_value *parse_object(parser *ps)
{
    json_pos pos = pos_of(ps, ps->p);
    ur_value *obj = new_at(ur_value_new_object(), pos);
    json_pos *kpos = NULL;
    char *key = NULL;
    char buf[16];
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return obj;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') {
            if (ps->p < ps->end && *ps->p == '}')
                fail_at(ps, ps->p, "trailing comma before '}'");
            else if (ps->p < ps->end && *ps->p == '\'')
                fail_at(ps, ps->p, "strings must be in double quotes");
            else {
                fail_at(ps, ps->p, "expected a string key in double quotes, found %s",
                        describe(ps, ps->p, buf, sizeof buf));
            }
            goto fail;
        }
        json_pos key_pos = pos_of(ps, ps->p);
        key = parse_string_raw(ps);
        if (!key)
            goto fail;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            fail_at(ps, ps->p, "expected ':' after the key '%s', found %s", key,
                    describe(ps, ps->p, buf, sizeof buf));
            goto fail;
        }
        ps->p++;
        ur_value *val = parse_value(ps);
        if (!val)
            goto fail;
        size_t n = obj->u.obj.n;
        if (n == obj->u.obj.cap) {
            size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
            char **keys = realloc(obj->u.obj.keys, cap * sizeof *keys);
            if (keys)
                obj->u.obj.keys = keys;
            ur_value **vals = keys ? realloc(obj->u.obj.vals, cap * sizeof *vals) : NULL;
            if (vals)
                obj->u.obj.vals = vals;
            json_pos *kp = vals ? realloc(kpos, cap * sizeof *kp) : NULL;
            if (!kp) {
                ur_value_free(val);
                ur_error(ps->ctx, UR_ERR_NOMEM, "%s: out of memory", ps->source);
                ps->failed = true;
                goto fail;
            }
            kpos = kp;
            obj->u.obj.cap = cap;
        }
        obj->u.obj.keys[n] = key;
        obj->u.obj.vals[n] = val;
        kpos[n] = key_pos;
        obj->u.obj.n = n + 1;
        key = NULL;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        fail_at(ps, ps->p, "expected ',' or '}' after an object member, found %s",
                describe(ps, ps->p, buf, sizeof buf));
        goto fail;
    }
    if (!check_duplicates(ps, obj, kpos))
        goto fail;
    free(kpos);
    return obj;
fail:
    free(key);
    free(kpos);
    ur_value_free(obj);
    return NULL;
}

static ur_value *parse_array(parser *ps)
{
    json_pos pos = pos_of(ps, ps->p);
    ur_value *arr = new_at(ur_value_new_array(), pos);
    char buf[16];
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return arr;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            fail_at(ps, ps->p, "trailing comma before ']'");
            goto fail;
        }
        ur_value *val = parse_value(ps);
        if (!val)
            goto fail;
        if (arr->u.arr.n == arr->u.arr.cap) {
            size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
            ur_value **items = realloc(arr->u.arr.items, cap * sizeof *items);
            if (!items) {
                ur_value_free(val);
                ur_error(ps->ctx, UR_ERR_NOMEM, "%s: out of memory", ps->source);
                ps->failed = true;
                goto fail;
            }
            arr->u.arr.items = items;
            arr->u.arr.cap = cap;
        }
        arr->u.arr.items[arr->u.arr.n++] = val;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return arr;
        }
        fail_at(ps, ps->p, "expected ',' or ']' after an array element, found %s",
                describe(ps, ps->p, buf, sizeof buf));
        goto fail;
    }
fail:
    ur_value_free(arr);
    return NULL;
}

static ur_value *parse_value(parser *ps)
{
    char buf[16];
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail_at(ps, ps->p, "expected a value, found end of input");
        return NULL;
    }
    unsigned char c = *ps->p;
    if (c == '{' || c == '[') {
        if (ps->depth >= JSON_MAX_DEPTH) {
            fail_at(ps, ps->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
            return NULL;
        }
        ps->depth++;
        ur_value *v = c == '{' ? parse_object(ps) : parse_array(ps);
        ps->depth--;
        return v;
    }
    if (c == '"') {
        json_pos pos = pos_of(ps, ps->p);
        char *s = parse_string_raw(ps);
        if (!s)
            return NULL;
        ur_value *v = new_at(ur_value_new_string(""), pos);
        free(v->u.str); /* take s rather than copy it */
        v->u.str = s;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (c == '-' && ps->end - ps->p >= 9 && memcmp(ps->p + 1, "Infinity", 8) == 0) {
            fail_at(ps, ps->p, "'-Infinity' is not a JSON number");
            return NULL;
        }
        return parse_number(ps);
    }
    if (is_word_char(c))
        return parse_word(ps);
    if (c == '\'')
        fail_at(ps, ps->p, "strings must be in double quotes");
    else if (c == '/')
        fail_at(ps, ps->p, "comments are not allowed in JSON");
    else if (c == '+')
        fail_at(ps, ps->p, "numbers cannot start with '+'");
    else if (c == '.')
        fail_at(ps, ps->p, "numbers need a digit before the decimal point");
    else if (c == ',')
        fail_at(ps, ps->p, "expected a value, found ',' (an extra comma?)");
    else
        fail_at(ps, ps->p, "expected a value, found %s", describe(ps, ps->p, buf, sizeof buf));
    return NULL;
}

ur_value *ur_json_parse(const char *text, size_t len, const char *source, ur_ctx *ctx)
{
    parser ps = {0};
    ps.start = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.start + (text ? len : 0);
    ps.source = source ? source : "<input>";
    ps.ctx = ctx;
    ps.line = 1;
    ps.col = 1;
    /* A UTF-8 byte order mark (some Windows editors write one) is skipped. */
    if (ps.end - ps.p >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    ps.line_start = ps.col_ptr = ps.p;
    ur_value *v = parse_value(&ps);
    if (!v)
        return NULL;
    skip_ws(&ps);
    if (ps.p < ps.end) {
        char buf[16];
        fail_at(&ps, ps.p, "unexpected %s after the end of the JSON document",
                describe(&ps, ps.p, buf, sizeof buf));
        ur_value_free(v);
        return NULL;
    }
    return v;
}

/* -------------------------------------------------------------- file I/O */

char *ur_file_read_all(const char *path, size_t *len, ur_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ur_error(ctx, UR_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory reading the file", path);
            return NULL;
        }
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        free(buf);
        ur_error(ctx, UR_ERR_IO, "%s: %s", path, strerror(err ? err : EIO));
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

ur_status ur_file_write_atomic(const char *path, const void *data, size_t len, ur_ctx *ctx)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        ur_error(ctx, UR_ERR_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return UR_ERR_IO;
    }
    errno = 0;
    bool ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int err = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ur_error(ctx, UR_ERR_IO, "%s: %s", path, strerror(err ? err : EIO));
        remove(tmp);
    }
    free(tmp);
    return ok ? UR_OK : UR_ERR_IO;
}

ur_value *ur_json_parse_file(const char *path, ur_ctx *ctx)
{
    size_t len;
    char *text = ur_file_read_all(path, &len, ctx);
    if (!text)
        return NULL;
    ur_value *v = ur_json_parse(text, len, path, ctx);
    free(text);
    return v;
}

/* ------------------------------------------------------------------ writer */

static void write_string(strbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    sb_addc(b, '"');
    while (p < end) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            sb_addc(b, '\\');
            sb_addc(b, (char)c);
            p++;
        } else if (c < 0x20) {
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            char esc[8];
            if (!named) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                named = esc;
            }
            sb_adds(b, named);
            p++;
        } else if (c < 0x80) {
            sb_addc(b, (char)c);
            p++;
        } else {
            size_t n = utf8_seq_len(p, end);
            if (n == 0) {
                sb_adds(b, "\\ufffd"); /* not UTF-8: keep the output valid JSON */
                p++;
            } else {
                sb_add(b, p, n);
                p += n;
            }
        }
    }
    sb_addc(b, '"');
}

static void write_compact(strbuf *b, const ur_value *v, bool spaced)
{
    char num[40];
    switch (v ? v->type : UR_VALUE_NULL) {
    case UR_VALUE_NULL: sb_adds(b, "null"); break;
    case UR_VALUE_BOOL: sb_adds(b, v->u.b ? "true" : "false"); break;
    case UR_VALUE_NUMBER:
        format_number(v->u.num, num, sizeof num);
        sb_adds(b, num);
        break;
    case UR_VALUE_STRING: write_string(b, v->u.str); break;
    case UR_VALUE_ARRAY:
        sb_addc(b, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i)
                sb_adds(b, spaced ? ", " : ",");
            write_compact(b, v->u.arr.items[i], spaced);
        }
        sb_addc(b, ']');
        break;
    case UR_VALUE_OBJECT:
        sb_addc(b, '{');
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (i)
                sb_adds(b, spaced ? ", " : ",");
            write_string(b, v->u.obj.keys[i]);
            sb_adds(b, spaced ? ": " : ":");
            write_compact(b, v->u.obj.vals[i], spaced);
        }
        sb_addc(b, '}');
        break;
    }
}

static bool is_container(const ur_value *v)
{
    return v && (v->type == UR_VALUE_ARRAY || v->type == UR_VALUE_OBJECT);
}

static size_t n_children(const ur_value *v)
{
    return v->type == UR_VALUE_ARRAY ? v->u.arr.n : v->u.obj.n;
}

/* Whether v's one-line form fits in `room` columns; measures member by
 * member and stops as soon as it is too long. */
static bool fits_inline(const ur_value *v, size_t *room)
{
    if (!is_container(v)) {
        strbuf probe = {0};
        write_compact(&probe, v, true);
        bool fits = !probe.oom && probe.n <= *room;
        *room -= fits ? probe.n : 0;
        free(probe.s);
        return fits;
    }
    bool is_obj = v->type == UR_VALUE_OBJECT;
    size_t n = n_children(v);
    /* brackets, and ", " between members */
    size_t frame = 2 + (n ? 2 * (n - 1) : 0);
    if (frame > *room)
        return false;
    *room -= frame;
    for (size_t i = 0; i < n; i++) {
        if (is_obj) {
            size_t key = strlen(v->u.obj.keys[i]) + 4; /* quotes, ": " */
            if (key > *room)
                return false;
            *room -= key;
        }
        if (!fits_inline(is_obj ? v->u.obj.vals[i] : v->u.arr.items[i], room))
            return false;
    }
    return true;
}

/* Pretty form: containers expand one member per line unless their one-line
 * form fits the line, with room for a comma after it (the root always
 * expands), e.g.
 *   {
 *     "layers": [
 *       {"name": "pixels", "class": "Input", "shape": [28, 28]},
 * v starts at column col of the current line. */
static void write_pretty(strbuf *b, const ur_value *v, int indent, int level, size_t col)
{
    size_t room = col + 1 < JSON_LINE_WIDTH ? JSON_LINE_WIDTH - col - 1 : 0;
    if (!is_container(v) || n_children(v) == 0 || (level > 0 && fits_inline(v, &room))) {
        write_compact(b, v, true);
        return;
    }
    bool is_obj = v->type == UR_VALUE_OBJECT;
    size_t n = n_children(v);
    int inner = indent * (level + 1);
    sb_addc(b, is_obj ? '{' : '[');
    for (size_t i = 0; i < n; i++) {
        sb_addc(b, '\n');
        sb_spaces(b, inner);
        size_t c = (size_t)inner;
        const ur_value *child;
        if (is_obj) {
            size_t before = b->n;
            write_string(b, v->u.obj.keys[i]);
            sb_adds(b, ": ");
            c += b->n - before;
            child = v->u.obj.vals[i];
        } else
            child = v->u.arr.items[i];
        write_pretty(b, child, indent, level + 1, c);
        if (i + 1 < n)
            sb_addc(b, ',');
    }
    sb_addc(b, '\n');
    sb_spaces(b, indent * level);
    sb_addc(b, is_obj ? '}' : ']');
}

char *ur_json_write(const ur_value *v, int indent)
{
    strbuf b = {0};
    if (indent < 0)
        write_compact(&b, v, false);
    else
        write_pretty(&b, v, indent, 0, 0);
    return sb_finish(&b);
}
