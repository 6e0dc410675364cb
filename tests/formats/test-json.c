/* test-json.c — the JSON parser and writer (data/json.c): values and their
 * positions, escapes and UTF-8, a table of malformed texts with the exact
 * line:column and words each must be refused with, every truncation of a
 * document, writer output (compact and pretty, numbers, escapes), round
 * trips, locale independence, and the shared file helpers. */
#include "format-test.h"
#include "json.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ur_value *parse(const char *text, ur_ctx *ctx)
{
    ur_ctx_clear(ctx);
    return ur_json_parse(text, strlen(text), "t.json", ctx);
}

static void test_values(void)
{
    ur_ctx ctx;
    const char *text =
        "{\n"
        "  \"n\": null, \"t\": true, \"f\": false,\n"
        "  \"num\": [0, -0, 12, -3.5, 1.5e-3, 2E+2, 5e-324, 1e-400],\n"
        "  \"s\": \"\u00e9t\u00e9\", \"e\": \"\",\n"
        "  \"o\": {\"k\": []}\n"
        "}\n";
    ur_value *v = parse(text, &ctx);
    FT_CHECK(v && v->type == UR_VALUE_OBJECT, "parse failed: %s", ctx.message);
    if (!v)
        return;
    FT_CHECK(v->line == 1 && v->column == 1, "root at %d:%d", v->line, v->column);
    FT_CHECK(v->u.obj.n == 7, "7 members, got %zu", v->u.obj.n);
    const char *order[] = {"n", "t", "f", "num", "s", "e", "o"};
    for (size_t i = 0; i < 7 && i < v->u.obj.n; i++)
        FT_CHECK(strcmp(v->u.obj.keys[i], order[i]) == 0, "key %zu is %s", i, v->u.obj.keys[i]);
    ur_value *n = ur_value_get(v, "n"), *t = ur_value_get(v, "t"), *f = ur_value_get(v, "f");
    FT_CHECK(n && n->type == UR_VALUE_NULL && n->line == 2 && n->column == 8,
             "null at 2:8, got %d:%d", n ? n->line : 0, n ? n->column : 0);
    FT_CHECK(t && t->type == UR_VALUE_BOOL && t->u.b && t->column == 19, "true at column 19");
    FT_CHECK(f && f->type == UR_VALUE_BOOL && !f->u.b && f->column == 30, "false at column 30");
    ur_value *num = ur_value_get(v, "num");
    double want[] = {0, -0.0, 12, -3.5, 1.5e-3, 200, 5e-324, 0};
    FT_CHECK(num && num->type == UR_VALUE_ARRAY && num->u.arr.n == 8, "num array");
    for (size_t i = 0; num && i < 8 && i < num->u.arr.n; i++) {
        ur_value *x = num->u.arr.items[i];
        FT_CHECK(x->type == UR_VALUE_NUMBER && x->u.num == want[i] &&
                 signbit(x->u.num) == signbit(want[i]), "num[%zu] = %.17g", i, x->u.num);
        FT_CHECK(x->line == 3, "num[%zu] on line 3, got %d", i, x->line);
    }
    FT_CHECK(num && num->u.arr.items[1]->column == 14, "-0 at column 14, got %d",
             num ? num->u.arr.items[1]->column : 0);
    ur_value *s = ur_value_get(v, "s"), *e = ur_value_get(v, "e");
    FT_CHECK(s && s->type == UR_VALUE_STRING && strcmp(s->u.str, "\u00e9t\u00e9") == 0, "s");
    /* columns count characters: "é" is two bytes but one column */
    FT_CHECK(e && e->type == UR_VALUE_STRING && e->u.str[0] == '\0' && e->line == 4 &&
             e->column == 20, "e at 4:20, got %d:%d", e ? e->line : 0, e ? e->column : 0);
    ur_value *o = ur_value_get(v, "o");
    ur_value *k = ur_value_get(o, "k");
    FT_CHECK(o && o->line == 5 && o->column == 8 && k && k->type == UR_VALUE_ARRAY &&
             k->u.arr.n == 0 && k->column == 14, "o and k positions");
    ur_value_free(v);

    /* a byte order mark is skipped; scalars at the top level */
    v = parse("\xEF\xBB\xBF [1]", &ctx);
    FT_CHECK(v && v->type == UR_VALUE_ARRAY && v->column == 2, "BOM: %s", ctx.message);
    ur_value_free(v);
    v = parse(" \"x\" ", &ctx);
    FT_CHECK(v && v->type == UR_VALUE_STRING && strcmp(v->u.str, "x") == 0, "top-level string");
    ur_value_free(v);
    /* text need not be NUL-terminated: only len bytes are read */
    ur_ctx_clear(&ctx);
    v = ur_json_parse("[1]]]]", 3, NULL, &ctx);
    FT_CHECK(v && v->u.arr.n == 1, "len bounds the text: %s", ctx.message);
    ur_value_free(v);
}

static void test_escapes(void)
{
    ur_ctx ctx;
    ur_value *v = parse("[\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\t\", \"\\u00e9\\u20AC\", "
                        "\"\\ud83d\\ude00\", \"\\uD834\\uDD1E!\", \"\u2713\xF0\x9F\x98\x80\"]",
                        &ctx);
    FT_CHECK(v && v->u.arr.n == 5, "escapes: %s", ctx.message);
    if (!v)
        return;
    const char *want[] = {
        "q\"b\\s/b\bf\fn\nr\rt\t", "\xC3\xA9\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\xF0\x9D\x84\x9E!", "\xE2\x9C\x93\xF0\x9F\x98\x80",
    };
    for (size_t i = 0; i < 5; i++)
        FT_CHECK(strcmp(v->u.arr.items[i]->u.str, want[i]) == 0, "escape string %zu", i);
    ur_value_free(v);
}

typedef struct bad_case {
    const char *text;
    const char *where;   /* "t.json:L:C: " */
    const char *words;
} bad_case;

static void test_malformed(void)
{
    char deep_ok[2 * 256 + 1], deep_bad[2 * 257 + 1];
    for (int i = 0; i < 256; i++) {
        deep_ok[i] = '[';
        deep_ok[256 + i] = ']';
    }
    deep_ok[512] = '\0';
    for (int i = 0; i < 257; i++) {
        deep_bad[i] = '[';
        deep_bad[257 + i] = ']';
    }
    deep_bad[514] = '\0';
    static const bad_case cases[] = {
        {"", "t.json:1:1: ", "expected a value, found end of input"},
        {"   \n  ", "t.json:2:3: ", "end of input"},
        {"[1, 2,]", "t.json:1:7: ", "trailing comma before ']'"},
        {"{\"a\": 1,}", "t.json:1:9: ", "trailing comma before '}'"},
        {"[1,,2]", "t.json:1:4: ", "extra comma"},
        {"\"abc", "t.json:1:1: ", "unterminated string"},
        {"[\"abc\n\"]", "t.json:1:2: ", "unterminated string"},
        {"\"a\\qb\"", "t.json:1:3: ", "invalid escape '\\q'"},
        {"\"a\\", "t.json:1:1: ", "unterminated string"},
        {"\"\\u12G4\"", "t.json:1:2: ", "four hex digits"},
        {"\"\\u12\"", "t.json:1:2: ", "four hex digits"},
        {"\"\\ud800\"", "t.json:1:2: ", "unpaired UTF-16 surrogate \\uD800"},
        {"\"\\udc00\"", "t.json:1:2: ", "unpaired UTF-16 surrogate \\uDC00"},
        {"\"\\ud800\\u0041\"", "t.json:1:2: ", "unpaired"},
        {"\"x\\u0000\"", "t.json:1:3: ", "NUL"},
        {"\"a\tb\"", "t.json:1:3: ", "control character U+0009"},
        {"\"\xFF\"", "t.json:1:2: ", "invalid UTF-8"},
        {"\"ab\xC0\xAF\"", "t.json:1:4: ", "invalid UTF-8"},        /* overlong '/' */
        {"\"\xED\xA0\x80\"", "t.json:1:2: ", "invalid UTF-8"},       /* a surrogate */
        {"\"\xF4\x90\x80\x80\"", "t.json:1:2: ", "invalid UTF-8"},   /* above U+10FFFF */
        {"\"\xE2\x82\"", "t.json:1:2: ", "invalid UTF-8"},           /* cut short */
        {"\"\xE0\x80\xAF\"", "t.json:1:2: ", "invalid UTF-8"},       /* overlong 3-byte */
        {"1e999", "t.json:1:1: ", "number out of range: 1e999"},
        {"[-1.5e400]", "t.json:1:2: ", "out of range"},
        {"01", "t.json:1:1: ", "leading zeros"},
        {"-", "t.json:1:2: ", "expected a digit after '-'"},
        {"[-x]", "t.json:1:3: ", "expected a digit after '-'"},
        {"1.", "t.json:1:3: ", "after the decimal point"},
        {"1.e5", "t.json:1:3: ", "after the decimal point"},
        {"1e", "t.json:1:3: ", "exponent"},
        {"1e+", "t.json:1:4: ", "exponent"},
        {"+1", "t.json:1:1: ", "cannot start with '+'"},
        {".5", "t.json:1:1: ", "digit before the decimal point"},
        {"[True]", "t.json:1:2: ", "'True' is not JSON: write true"},
        {"False", "t.json:1:1: ", "write false"},
        {"{\"a\": None}", "t.json:1:7: ", "write null"},
        {"NaN", "t.json:1:1: ", "'NaN' is not a JSON number"},
        {"[-Infinity]", "t.json:1:2: ", "'-Infinity' is not a JSON number"},
        {"nul", "t.json:1:1: ", "unexpected word 'nul'"},
        {"truex", "t.json:1:1: ", "unexpected word 'truex'"},
        {"{'a': 1}", "t.json:1:2: ", "double quotes"},
        {"['a']", "t.json:1:2: ", "double quotes"},
        {"{a: 1}", "t.json:1:2: ", "expected a string key in double quotes, found 'a'"},
        {"{\"a\" 1}", "t.json:1:6: ", "expected ':' after the key 'a', found '1'"},
        {"{\"a\": 1 \"b\": 2}", "t.json:1:9: ", "expected ',' or '}' after an object member"},
        {"[1 2]", "t.json:1:4: ", "expected ',' or ']' after an array element, found '2'"},
        {"[1", "t.json:1:3: ", "found end of input"},
        {"{\"a\": 1", "t.json:1:8: ", "found end of input"},
        {"// comment\n{}", "t.json:1:1: ", "comments are not allowed"},
        {"{\"a\": 1, \"b\": 2, \"a\": 3}", "t.json:1:18: ",
         "duplicate key 'a' (first at line 1, column 2)"},
        {"[1] x", "t.json:1:5: ", "unexpected 'x' after the end of the JSON document"},
        {"{}{}", "t.json:1:3: ", "after the end"},
        {"[\"\u00e9\", @]", "t.json:1:7: ", "expected a value, found '@'"},
        {"[\x01]", "t.json:1:2: ", "byte 0x01"},
        {"[\"x\"\xC3\xA9]", "t.json:1:5: ", "found '\xC3\xA9'"},
        {"{\n  \"a\": [1,\n   2,,]\n}", "t.json:3:6: ", "expected a value, found ','"},
        {"{\r\n\"a\":\r\n  tru}", "t.json:3:3: ", "unexpected word 'tru'"},
    };
    ur_ctx ctx;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        ur_value *v = parse(c->text, &ctx);
        FT_FAILS(v, &ctx, UR_ERR_FORMAT, c->text, c->where, c->words);
        FT_CHECK(strncmp(ctx.message, c->where, strlen(c->where)) == 0,
                 "case %zu: message \"%s\" should start with \"%s\"", i, ctx.message, c->where);
        ur_value_free(v);
    }
    ur_value *v = parse(deep_ok, &ctx);
    FT_CHECK(v != NULL, "256 levels are allowed: %s", ctx.message);
    ur_value_free(v);
    v = parse(deep_bad, &ctx);
    FT_FAILS(v, &ctx, UR_ERR_FORMAT, "257 levels", "t.json:1:257: ", "nesting deeper than 256");
    ur_value_free(v);
    /* the source name defaults to <input> */
    ur_ctx_clear(&ctx);
    v = ur_json_parse("[", 1, NULL, &ctx);
    FT_FAILS(v, &ctx, UR_ERR_FORMAT, "no source", "<input>:1:2: ");
    ur_value_free(v);
    ur_ctx_clear(&ctx);
    v = ur_json_parse(NULL, 0, "empty", &ctx);
    FT_FAILS(v, &ctx, UR_ERR_FORMAT, "NULL text", "empty:1:1: ");
    ur_value_free(v);
}

static bool read_json(const void *buf, size_t len, const char *name, ur_ctx *ctx)
{
    ur_value *v = ur_json_parse(buf, len, name, ctx);
    ur_value_free(v);
    return v != NULL;
}

/* Every proper prefix of a document (an object, so none is complete) must
 * be refused with a positioned message, never crash. */
static void test_truncations(void)
{
    size_t len;
    unsigned char *doc = ft_read(ft_fixture("model.json"), &len);
    /* the file ends with "}\n": the cut that drops only the newline is a
     * complete document */
    FT_CHECK(len > 2 && memcmp(doc + len - 2, "}\n", 2) == 0, "model.json ends with }\\n");
    free(doc);
    ft_check_cuts(read_json, "model.json", "model.json:", len - 1);
}

static void test_big_inputs(void)
{
    /* one long line: positions must not cost O(line length) per value */
    size_t n = 200000;
    char *text = malloc(n * 8 + 16);
    size_t o = 0;
    text[o++] = '[';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(text + o, "%s%zu", i ? "," : "", i % 1000);
    text[o++] = ']';
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    clock_t t0 = clock();
    ur_value *v = ur_json_parse(text, o, "big", &ctx);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    FT_CHECK(v && v->u.arr.n == n, "big array: %s", ctx.message);
    FT_CHECK(v && v->u.arr.items[n - 1]->column == (int)o - 3, "last column %d",
             v ? v->u.arr.items[n - 1]->column : 0);
    FT_CHECK(secs < 5, "parsing %zu numbers on one line took %.1f s", n, secs);
    ur_value_free(v);
    free(text);

    /* many keys: duplicate detection, and the earliest duplicate is named */
    size_t keys = 5000;
    text = malloc(keys * 24 + 64);
    o = 0;
    text[o++] = '{';
    for (size_t i = 0; i < keys; i++)
        o += (size_t)sprintf(text + o, "%s\"k%zu\": %zu", i ? ", " : "", i, i);
    text[o++] = '}';
    ur_ctx_clear(&ctx);
    v = ur_json_parse(text, o, "keys", &ctx);
    FT_CHECK(v && v->u.obj.n == keys && ur_value_get(v, "k4999")->u.num == 4999,
             "5000 keys: %s", ctx.message);
    ur_value_free(v);
    o--;
    o += (size_t)sprintf(text + o, ", \"k17\": 1, \"k3\": 2}");
    ur_ctx_clear(&ctx);
    v = ur_json_parse(text, o, "keys", &ctx);
    FT_FAILS(v, &ctx, UR_ERR_FORMAT, "duplicate among 5000", "duplicate key 'k17'",
             "first at line 1, column 169");
    free(text);
}

static void check_written(const ur_value *v, int indent, const char *want)
{
    char *got = ur_json_write(v, indent);
    FT_CHECK(got && strcmp(got, want) == 0, "write(indent %d):\n%s\nexpected:\n%s", indent,
             got ? got : "(null)", want);
    free(got);
}

static void check_number(double d, const char *want)
{
    ur_value *v = ur_value_new_number(d);
    check_written(v, -1, want);
    ur_value_free(v);
}

static void test_writer(void)
{
    check_number(0, "0");
    check_number(-0.0, "-0");
    check_number(100, "100");
    check_number(-42, "-42");
    check_number(0.1, "0.1");
    check_number(1.0 / 3.0, "0.3333333333333333");
    check_number(2.0 / 3.0, "0.6666666666666666");
    check_number(1e-7, "1e-07");
    check_number(1e20, "1e+20");
    check_number(9007199254740993.0, "9007199254740992");
    check_number(1.7976931348623157e308, "1.7976931348623157e+308");
    check_number(5e-324, "5e-324");
    check_number(1.5e300, "1.5e+300");
    check_number(NAN, "null");
    check_number(INFINITY, "null");
    check_number(-INFINITY, "null");

    ur_value *s = ur_value_new_string("a\"b\\c\n\t\x01\x7F\xC3\xA9 \xFF end");
    check_written(s, -1, "\"a\\\"b\\\\c\\n\\t\\u0001\x7F\xC3\xA9 \\ufffd end\"");
    ur_value_free(s);

    ur_ctx ctx;
    const char *doc = "{\"a\": 1, \"b\": [1, 2.5, \"x\", null, true, false], \"c\": {}, \"d\": [],"
                      " \"e\": {\"f\": [[1, 2], {\"g\": 3}]}}";
    ur_value *v = parse(doc, &ctx);
    FT_CHECK(v != NULL, "writer doc: %s", ctx.message);
    check_written(v, -1, "{\"a\":1,\"b\":[1,2.5,\"x\",null,true,false],\"c\":{},\"d\":[],"
                         "\"e\":{\"f\":[[1,2],{\"g\":3}]}}");
    check_written(v, 2,
                  "{\n"
                  "  \"a\": 1,\n"
                  "  \"b\": [1, 2.5, \"x\", null, true, false],\n"
                  "  \"c\": {},\n"
                  "  \"d\": [],\n"
                  "  \"e\": {\"f\": [[1, 2], {\"g\": 3}]}\n"
                  "}");
    check_written(v, 4,
                  "{\n"
                  "    \"a\": 1,\n"
                  "    \"b\": [1, 2.5, \"x\", null, true, false],\n"
                  "    \"c\": {},\n"
                  "    \"d\": [],\n"
                  "    \"e\": {\"f\": [[1, 2], {\"g\": 3}]}\n"
                  "}");
    ur_value_free(v);

    /* the model file reads as DESIGN.md shows it */
    size_t len;
    unsigned char *model = ft_read(ft_fixture("model.json"), &len);
    ur_ctx_clear(&ctx);
    v = ur_json_parse((const char *)model, len, "model.json", &ctx);
    free(model);
    FT_CHECK(v != NULL, "model.json: %s", ctx.message);
    check_written(v, 2,
                  "{\n"
                  "  \"format\": \"unroll.model\",\n"
                  "  \"version\": 1,\n"
                  "  \"name\": \"mnist_rows\",\n"
                  "  \"layers\": [\n"
                  "    {\"name\": \"pixels\", \"class\": \"Input\", \"shape\": [28, 28]},\n"
                  "    {\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 64},\n"
                  "    {\"name\": \"bn\", \"class\": \"BatchNormalization\"},\n"
                  "    {\"name\": \"logits\", \"class\": \"Dense\", \"units\": 10}\n"
                  "  ],\n"
                  "  \"outputs\": [\"logits\"]\n"
                  "}");
    ur_value_free(v);

    /* what does not fit in 80 columns expands, one member per line */
    v = ur_value_new_object();
    ur_value *arr = ur_value_new_array();
    for (int i = 0; i < 30; i++)
        ur_value_append(arr, ur_value_new_number(i * 100));
    ur_value_set(v, "long", arr);
    ur_value *o = ur_value_new_object();
    ur_value_set(o, "kernel_initializer", ur_value_new_string("glorot_uniform"));
    ur_value_set(o, "recurrent_initializer", ur_value_new_string("orthogonal"));
    ur_value_set(o, "bias", ur_value_new_array());
    ur_value_set(v, "cfg", o);
    char *got = ur_json_write(v, 2);
    FT_CHECK(got && strstr(got, "  \"long\": [\n    0,\n    100,\n") &&
             strstr(got, "    2900\n  ],\n") &&
             strstr(got, "  \"cfg\": {\n    \"kernel_initializer\": \"glorot_uniform\",\n") &&
             strstr(got, "    \"bias\": []\n  }\n}"), "long containers expand:\n%s", got ? got : "(null)");
    /* every line fits */
    size_t line = 0;
    for (const char *p = got; p && *p; p++)
        line = *p == '\n' ? 0 : line + 1, FT_CHECK(line <= 80, "line longer than 80");
    free(got);
    ur_value_free(v);

    v = ur_value_new_array();
    check_written(v, 2, "[]");
    ur_value_free(v);
    check_written(NULL, -1, "null");
}

/* parse(write(v)) == v for the compact and pretty forms, and for doubles
 * with random bit patterns. */
static void test_round_trips(void)
{
    ur_ctx ctx;
    const char *doc = "{\"layers\": [{\"name\": \"a\\u0001\\\"\u00e9\", \"w\": [1e-300, -2.5, "
                      "123456789.125, 0.1, 1e21]}, [], {}, [[[]]]], \"x\": null, \"y\": false}";
    ur_value *v = parse(doc, &ctx);
    FT_CHECK(v != NULL, "round-trip doc: %s", ctx.message);
    for (int indent = -1; indent <= 3 && v; indent++) {
        char *text = ur_json_write(v, indent);
        ur_ctx_clear(&ctx);
        ur_value *back = ur_json_parse(text, strlen(text), "back", &ctx);
        FT_CHECK(back && ur_value_equal(v, back), "round trip with indent %d: %s\n%s", indent,
                 ctx.message, text);
        ur_value_free(back);
        free(text);
    }
    ur_value_free(v);

    uint64_t x = 0x9E3779B97F4A7C15u;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        union { uint64_t u; double d; } u = {x};
        if (!isfinite(u.d))
            continue;
        ur_value *num = ur_value_new_number(i % 2 ? u.d : (double)(int64_t)(x >> 12) / 1024.0);
        char *text = ur_json_write(num, -1);
        ur_ctx_clear(&ctx);
        ur_value *back = ur_json_parse(text, strlen(text), "num", &ctx);
        if (!back || back->u.num != num->u.num) {
            if (bad++ < 5)
                FT_CHECK(false, "number %.17g wrote as %s, read back as %.17g", num->u.num, text,
                         back ? back->u.num : NAN);
        }
        ur_value_free(back);
        ur_value_free(num);
        free(text);
    }
    FT_CHECK(bad == 0, "%d numbers did not round-trip", bad);
}

/* A window calls setlocale(LC_ALL, ""): in a locale with a decimal comma,
 * JSON must still read and write '.'. */
static void test_locale(void)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE",
                           "fr_FR", "ru_RU.UTF-8", NULL};
    const char *found = NULL;
    for (int i = 0; names[i] && !found; i++)
        if (setlocale(LC_NUMERIC, names[i]) && strcmp(localeconv()->decimal_point, ",") == 0)
            found = names[i];
    if (!found) {
        setlocale(LC_NUMERIC, "C");
        printf("no locale with a decimal comma here: locale checks skipped\n");
        return;
    }
    ur_ctx ctx;
    ur_value *v = parse("[1.5, 2.25e1, 3]", &ctx);
    FT_CHECK(v && v->u.arr.items[0]->u.num == 1.5 && v->u.arr.items[1]->u.num == 22.5,
             "parsing in %s: %s", found, ctx.message);
    check_written(v, -1, "[1.5,22.5,3]");
    ur_value_free(v);
    setlocale(LC_NUMERIC, "C");
}

static void test_files(void)
{
    ur_ctx ctx;
    ur_ctx_clear(&ctx);
    ur_value *v = ur_json_parse_file(ft_fixture("model.json"), &ctx);
    ur_value *layers = ur_value_get(v, "layers");
    FT_CHECK(v && layers && layers->u.arr.n == 4 && layers->line == 5 && layers->column == 13,
             "model.json: %s", ctx.message);
    ur_value_free(v);

    char missing[1024];
    snprintf(missing, sizeof missing, "%s", ft_scratch("no-such.json"));
    ur_ctx_clear(&ctx);
    v = ur_json_parse_file(missing, &ctx);
    FT_FAILS(v, &ctx, UR_ERR_IO, "missing file", missing, "No such file");
    ur_ctx_clear(&ctx);
    const char *dir = ft_scratch("");
    v = ur_json_parse_file(dir, &ctx);
    FT_FAILS(v, &ctx, UR_ERR_IO, "a directory", dir);

    /* syntax errors name the file */
    const char *bad = ft_scratch("bad.json");
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_file_write_atomic(bad, "{\n  \"a\": [1,]\n}\n", 16, &ctx) == UR_OK,
             "write: %s", ctx.message);
    FT_CHECK(!ft_exists(ft_scratch("bad.json.tmp")), "the .tmp file is renamed away");
    ur_ctx_clear(&ctx);
    v = ur_json_parse_file(ft_scratch("bad.json"), &ctx);
    char where[1100];
    snprintf(where, sizeof where, "%s:2:11: trailing comma", ft_scratch("bad.json"));
    FT_FAILS(v, &ctx, UR_ERR_FORMAT, "bad.json", where);

    size_t len;
    ur_ctx_clear(&ctx);
    char *text = ur_file_read_all(ft_scratch("bad.json"), &len, &ctx);
    FT_CHECK(text && len == 16 && text[16] == '\0' && memcmp(text, "{\n  \"a\"", 7) == 0,
             "read back what was written");
    free(text);
    /* an atomic write replaces the old contents */
    ur_ctx_clear(&ctx);
    FT_CHECK(ur_file_write_atomic(ft_scratch("bad.json"), "[]", 2, &ctx) == UR_OK, "rewrite");
    text = ur_file_read_all(ft_scratch("bad.json"), &len, &ctx);
    FT_CHECK(text && len == 2 && strcmp(text, "[]") == 0, "rewritten contents");
    free(text);

    char nodir[1100];
    snprintf(nodir, sizeof nodir, "%s/x.json", missing);
    ur_ctx_clear(&ctx);
    ur_status st = ur_file_write_atomic(nodir, "[]", 2, &ctx);
    FT_CHECK(st == UR_ERR_IO && strstr(ctx.message, "x.json.tmp") &&
             strstr(ctx.message, "No such file"), "write into a missing folder: %s", ctx.message);
}

int main(int argc, char **argv)
{
    if (!ft_init(argc, argv))
        return 1;
    test_values();
    test_escapes();
    test_malformed();
    test_truncations();
    test_big_inputs();
    test_writer();
    test_round_trips();
    test_locale();
    test_files();
    return ft_finish("test-json");
}
