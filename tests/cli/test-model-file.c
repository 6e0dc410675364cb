/* test-model-file.c — data/model-file.c: the envelope ("format", "version")
 * with file:line:column in every message, per-layer errors prefixed with the
 * layer's position, and the atomic writer round-tripping a graph. */
#include "model-file.h"
#include "../common/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char good[] =
    "{\"name\": \"tiny\", \"layers\": [\n"
    "  {\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 3]},\n"
    "  {\"name\": \"gru\", \"class\": \"GRU\", \"units\": 4},\n"
    "  {\"name\": \"out\", \"class\": \"Dense\", \"units\": 2, \"activation\": \"softmax\"}\n"
    "], \"ui\": {\"x\": [10, 20]}}";

static ur_graph *parse(const char *text, ur_ctx *ctx)
{
    ur_ctx_clear(ctx);
    return ur_model_file_parse(text, strlen(text), "m.json", ctx);
}

/* text must be refused with status st and a message starting with prefix. */
static void expect_refused(const char *text, ur_status st, const char *prefix)
{
    ur_ctx ctx;
    ur_graph *g = parse(text, &ctx);
    CHECK(g == NULL, "accepted %s", text);
    CHECK(ctx.status == st, "status %s for %s", ur_status_name(ctx.status), text);
    CHECK(strncmp(ctx.message, prefix, strlen(prefix)) == 0, "message '%s', expected '%s...'",
          ctx.message, prefix);
    ur_graph_free(g);
}

static void test_envelope(void)
{
    ur_ctx ctx;
    ur_graph *g = parse(good, &ctx);
    CHECK(g != NULL, "%s", ctx.message);
    if (g) {
        CHECK(strcmp(ur_graph_name(g), "tiny") == 0, "name %s", ur_graph_name(g));
        CHECK(ur_model_file_check(g, "m.json", &ctx) == UR_OK, "%s", ctx.message);
        ur_graph_free(g);
    }
    g = parse("{\"format\": \"unroll.model\", \"version\": 1, \"layers\": "
              "[{\"class\": \"Input\", \"shape\": [2]}]}", &ctx);
    CHECK(g != NULL, "%s", ctx.message);
    ur_graph_free(g);

    expect_refused("{\"format\": \"keras\", \"layers\": []}", UR_ERR_FORMAT,
                   "m.json:1:12: \"format\" is \"keras\": this is not an Unroll model file");
    expect_refused("{\"format\": 3, \"layers\": []}", UR_ERR_FORMAT,
                   "m.json:1:12: \"format\" must be the string \"unroll.model\"");
    expect_refused("{\"version\": 2, \"layers\": []}", UR_ERR_UNSUPPORTED,
                   "m.json:1:13: was written by a newer Unroll (model format version 2); this "
                   "Unroll reads version 1: upgrade Unroll");
    expect_refused("{\"version\": 1.5, \"layers\": []}", UR_ERR_FORMAT,
                   "m.json:1:13: \"version\" must be a whole number");
    expect_refused("{\"version\": \"1\", \"layers\": []}", UR_ERR_FORMAT,
                   "m.json:1:13: \"version\" must be a whole number");
    expect_refused("{\"version\": 0, \"layers\": []}", UR_ERR_FORMAT,
                   "m.json:1:13: \"version\" must be a whole number");
    expect_refused("\n  [1, 2]", UR_ERR_FORMAT,
                   "m.json:2:3: a model file is a JSON object with \"layers\", got an array");
    expect_refused("{\"name\": \"x\"}", UR_ERR_FORMAT, "m.json:1:1: the model has no \"layers\"");
    expect_refused("{\"layers\": [\n  {\"class\": \"LSTM\" \"units\": 2}]}", UR_ERR_FORMAT,
                   "m.json:2:20: ");
}

static void test_check(void)
{
    ur_ctx ctx;
    ur_graph *g = parse("{\"layers\": [\n"
                        "  {\"name\": \"x\", \"class\": \"Input\", \"shape\": [5, 3]},\n"
                        "  {\"name\": \"a\", \"class\": \"LSTM\", \"units\": 2},\n"
                        "    {\"name\": \"z\", \"class\": \"GRU\", \"units\": 0},\n"
                        "  {\"name\": \"q\", \"class\": \"Dense\", \"unitz\": 1}\n"
                        "]}",
                        &ctx);
    CHECK(g != NULL, "per-layer errors must leave a graph: %s", ctx.message);
    if (!g)
        return;
    ur_ctx_clear(&ctx);
    ur_status st = ur_model_file_check(g, "m.json", &ctx);
    CHECK(st == UR_ERR_INVALID, "status %s", ur_status_name(st));
    const char *want = "m.json:4:5: layer 'z' (GRU): option 'units'";
    CHECK(strncmp(ctx.message, want, strlen(want)) == 0, "message '%s'", ctx.message);
    ur_graph_free(g);

    /* a graph-level error names the file without a position */
    g = parse("{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [3]}],\n"
              " \"outputs\": [\"y\"]}", &ctx);
    CHECK(g != NULL, "%s", ctx.message);
    if (g) {
        st = ur_model_file_check(g, "m.json", &ctx);
        CHECK(st != UR_OK && strncmp(ctx.message, "m.json: ", 8) == 0, "message '%s'",
              ctx.message);
        CHECK(strstr(ctx.message, "'y'") != NULL, "names the missing output: '%s'", ctx.message);
        ur_graph_free(g);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_write(void)
{
    char dir[] = "/tmp/unroll-model-file-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL: mkdtemp\n");
        failures++;
        return;
    }
    char path[256], tmp[300];
    snprintf(path, sizeof path, "%s/model.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);

    ur_ctx ctx;
    ur_graph *g = parse(good, &ctx);
    CHECK(g != NULL, "%s", ctx.message);
    if (!g)
        return;
    CHECK(ur_model_file_write(path, g, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(access(tmp, F_OK) != 0, "%s was left behind", tmp);
    const char *text = slurp(path);
    CHECK(text != NULL, "nothing at %s", path);
    if (text) {
        const char *head = "{\n  \"format\": \"unroll.model\",\n  \"version\": 1,\n  \"name\": \"tiny\"";
        CHECK(strncmp(text, head, strlen(head)) == 0, "file starts:\n%.200s", text);
        CHECK(text[strlen(text) - 1] == '\n', "no final newline");
        CHECK(strstr(text, "\"shape\": [null, 3]") != NULL, "short arrays on one line:\n%s", text);
    }

    /* read back: the same layers, outputs and editor data */
    ur_ctx_clear(&ctx);
    ur_graph *back = ur_model_file_read(path, &ctx);
    CHECK(back != NULL, "%s", ctx.message);
    if (back) {
        ur_value *a = ur_graph_to_value(g), *b = ur_graph_to_value(back);
        const char *keys[] = {"name", "layers", "ui"};
        for (int i = 0; i < 3; i++)
            CHECK(ur_value_equal(ur_value_get(a, keys[i]), ur_value_get(b, keys[i])),
                  "\"%s\" differs after a round trip", keys[i]);
        CHECK(ur_graph_count_params(back, true) == 3 * (3 * 4 + 16 + 8) + 10,
              "params %lld", (long long)ur_graph_count_params(back, true));
        ur_value_free(a);
        ur_value_free(b);
        /* writing the re-read graph gives the same bytes */
        char again[300];
        snprintf(again, sizeof again, "%s/again.json", dir);
        CHECK(ur_model_file_write(again, back, &ctx) == UR_OK, "%s", ctx.message);
        char first[8192];
        snprintf(first, sizeof first, "%s", text ? text : "");
        const char *second = slurp(again);
        CHECK(second && strcmp(first, second) == 0, "second write differs:\n%s", second);
        remove(again);
        ur_graph_free(back);
    }

    /* I/O errors name the file */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/folder/m.json", dir);
    ur_ctx_clear(&ctx);
    CHECK(ur_model_file_write(bad, g, &ctx) == UR_ERR_IO, "status %s", ur_status_name(ctx.status));
    CHECK(strstr(ctx.message, "no/such/folder/m.json") && strstr(ctx.message, "No such file"),
          "message '%s'", ctx.message);
    ur_ctx_clear(&ctx);
    CHECK(ur_model_file_read(bad, &ctx) == NULL && ctx.status == UR_ERR_IO, "status %s",
          ur_status_name(ctx.status));
    CHECK(strstr(ctx.message, "no/such/folder/m.json") != NULL, "message '%s'", ctx.message);

    ur_graph_free(g);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    test_envelope();
    test_check();
    test_write();
    if (failures) {
        printf("%d check(s) failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
