/* test-templates.c — the window's model templates (data/templates/): every
 * file index.json lists loads through the engine without an error, places
 * every layer on the canvas without overlaps, and has the parameter counts
 * worked out by hand (and, where it prints them, by the Keras RNN guide). */
#include "check.h"
#include "json.h"
#include "model-file.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cards are about this big on the canvas; templates leave gaps around them. */
#define CARD_W 200.0
#define CARD_H 110.0

typedef struct expected {
    const char *file;
    int64_t total, trainable;
} expected;

/* Totals per file, layer by layer (Keras: LSTM 4 (U (I + U) + U), GRU with
 * reset_after 3 (U (I + U) + 2 U), SimpleRNN U (I + U) + U, Dense (I + 1) U,
 * Embedding V D, BatchNormalization 4 F of which 2 F train). */
static const expected expectations[] = {
    /* 23,808 + 256 + 650 */
    {"mnist-rows.json", 24714, 24586},
    /* 64,000 + 98,816 + 129 (the guide's Embedding and LSTM(128)) */
    {"sentiment.json", 162945, 162945},
    /* the guide: 64,000 + 247,296 + 49,280 + 1,290 */
    {"gru-simple-rnn.json", 361866, 361866},
    /* the guide: 64,000 + 128,000 + 33,024 + 33,024 + 650 */
    {"encoder-decoder.json", 258698, 258698},
    /* the guide: 38,400 + 41,216 + 650 */
    {"stacked-bidirectional.json", 80266, 80266},
    /* 6,144 + 328,704 + 24,672 */
    {"char-language-model.json", 359520, 359520},
    /* 16,896 + 12,416 + 33 */
    {"forecaster.json", 29345, 29345},
};
#define N_EXPECTED ((int)(sizeof expectations / sizeof expectations[0]))

static const char *dir;

static const expected *find_expected(const char *file)
{
    for (int i = 0; i < N_EXPECTED; i++)
        if (strcmp(expectations[i].file, file) == 0)
            return &expectations[i];
    return NULL;
}

static bool nonempty_string(const ur_value *v)
{
    return v && v->type == UR_VALUE_STRING && v->u.str[0] != '\0';
}

/* A number at key of obj, or false. */
static bool get_number(const ur_value *obj, const char *key, double *out)
{
    const ur_value *v = obj && obj->type == UR_VALUE_OBJECT ? ur_value_get(obj, key) : NULL;
    if (!v || v->type != UR_VALUE_NUMBER)
        return false;
    *out = v->u.num;
    return true;
}

static void check_template(const char *file, const expected *want)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_read(path, &ctx);
    CHECK(g != NULL, "%s: %s", file, ctx.message);
    if (!g)
        return;
    ur_ctx_clear(&ctx);
    CHECK(ur_model_file_check(g, path, &ctx) == UR_OK, "%s", ctx.message);
    int n = ur_graph_n_layers(g);
    CHECK(n >= 3, "%s: %d layers", file, n);
    CHECK(ur_graph_n_outputs(g) >= 1, "%s: no outputs", file);
    for (int i = 0; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        CHECK(ur_layer_error(l) == NULL, "%s: %s: %s", file, ur_layer_name(l),
              ur_layer_error(l));
    }

    int64_t total = ur_graph_count_params(g, true) + ur_graph_count_params(g, false);
    int64_t trainable = ur_graph_count_params(g, true);
    CHECK(total == want->total, "%s: %lld parameters, expected %lld", file, (long long)total,
          (long long)want->total);
    CHECK(trainable == want->trainable, "%s: %lld trainable, expected %lld", file,
          (long long)trainable, (long long)want->trainable);

    /* every layer has a place under "ui" -> "nodes", and only layers do */
    const ur_value *ui = ur_graph_doc_get(g, "ui");
    const ur_value *nodes = ui && ui->type == UR_VALUE_OBJECT ? ur_value_get(ui, "nodes") : NULL;
    CHECK(nodes && nodes->type == UR_VALUE_OBJECT, "%s: no \"ui\": {\"nodes\": {...}}", file);
    if (!nodes || nodes->type != UR_VALUE_OBJECT) {
        ur_graph_free(g);
        return;
    }
    double *x = calloc((size_t)n, sizeof *x), *y = calloc((size_t)n, sizeof *y);
    bool *placed = calloc((size_t)n, sizeof *placed);
    for (int i = 0; i < n; i++) {
        const char *name = ur_layer_name(ur_graph_layer(g, i));
        const ur_value *pos = ur_value_get(nodes, name);
        placed[i] = get_number(pos, "x", &x[i]) && get_number(pos, "y", &y[i]);
        CHECK(placed[i], "%s: layer '%s' has no \"x\" and \"y\" under \"ui\"", file, name);
        if (placed[i])
            CHECK(x[i] >= 0 && y[i] >= 0, "%s: '%s' at (%g, %g), left of or above the origin",
                  file, name, x[i], y[i]);
    }
    for (size_t k = 0; k < nodes->u.obj.n; k++)
        CHECK(ur_graph_find(g, nodes->u.obj.keys[k]) != NULL,
              "%s: \"ui\" places '%s', which is no layer", file, nodes->u.obj.keys[k]);
    /* no two cards overlap (a card is about CARD_W x CARD_H) */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (!placed[i] || !placed[j])
                continue;
            bool apart = x[i] + CARD_W <= x[j] || x[j] + CARD_W <= x[i] ||
                         y[i] + CARD_H <= y[j] || y[j] + CARD_H <= y[i];
            CHECK(apart, "%s: the cards of '%s' and '%s' overlap", file,
                  ur_layer_name(ur_graph_layer(g, i)), ur_layer_name(ur_graph_layer(g, j)));
        }
    /* wires run left to right: every input sits left of its consumer */
    for (int i = 0; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        for (int k = 0; k < ur_layer_n_inbound(l); k++) {
            const ur_layer *src = NULL;
            int index = 0;
            bool is_state = false;
            ur_layer_inbound(g, l, k, &src, &index, &is_state);
            for (int s = 0; src && s < n; s++)
                if (ur_graph_layer(g, s) == src && placed[s] && placed[i])
                    CHECK(x[s] < x[i], "%s: '%s' feeds '%s' but is not left of it", file,
                          ur_layer_name(src), ur_layer_name(l));
        }
    }
    free(x);
    free(y);
    free(placed);
    ur_graph_free(g);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEMPLATES-FOLDER\n", argv[0]);
        return 1;
    }
    dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/index.json", dir);
    ur_ctx ctx = {0};
    ur_value *index = ur_json_parse_file(path, &ctx);
    CHECK(index != NULL, "%s", ctx.message);
    if (!index)
        return 1;
    CHECK(index->type == UR_VALUE_ARRAY, "index.json is a %s, not an array",
          ur_value_type_name(index->type));
    if (index->type != UR_VALUE_ARRAY)
        return 1;

    /* the entries: file, title and description, in the expected order of files */
    size_t n = index->u.arr.n;
    CHECK(n == (size_t)N_EXPECTED, "index.json lists %zu templates, expected %d", n, N_EXPECTED);
    for (size_t i = 0; i < n; i++) {
        const ur_value *e = index->u.arr.items[i];
        if (e->type != UR_VALUE_OBJECT) {
            CHECK(false, "index.json entry %zu is a %s, not an object", i,
                  ur_value_type_name(e->type));
            continue;
        }
        const ur_value *file = ur_value_get(e, "file");
        CHECK(nonempty_string(file), "index.json entry %zu has no \"file\"", i);
        CHECK(nonempty_string(ur_value_get(e, "title")), "index.json entry %zu has no \"title\"", i);
        CHECK(nonempty_string(ur_value_get(e, "description")),
              "index.json entry %zu has no \"description\"", i);
        if (!nonempty_string(file))
            continue;
        if (i == 0)
            CHECK(strcmp(file->u.str, "mnist-rows.json") == 0,
                  "the first template (the one a first start opens) is %s, not mnist-rows.json",
                  file->u.str);
        for (size_t j = 0; j < i; j++) {
            const ur_value *other = ur_value_get(index->u.arr.items[j], "file");
            CHECK(!nonempty_string(other) || strcmp(other->u.str, file->u.str) != 0,
                  "index.json lists %s twice", file->u.str);
        }
        const expected *want = find_expected(file->u.str);
        CHECK(want != NULL, "index.json lists %s, which this test has no counts for",
              file->u.str);
        if (want)
            check_template(file->u.str, want);
    }

    /* every template in the folder is listed (a forgotten one never shows) */
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    int n_files = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
            strcmp(de->d_name, "index.json") == 0)
            continue;
        n_files++;
        bool listed = false;
        for (size_t i = 0; i < n; i++) {
            const ur_value *file = index->u.arr.items[i]->type == UR_VALUE_OBJECT
                                       ? ur_value_get(index->u.arr.items[i], "file")
                                       : NULL;
            listed = listed || (nonempty_string(file) && strcmp(file->u.str, de->d_name) == 0);
        }
        CHECK(listed, "%s is in %s but not in index.json", de->d_name, dir);
    }
    if (d)
        closedir(d);
    CHECK(n_files == N_EXPECTED, "%d template files, expected %d", n_files, N_EXPECTED);
    ur_value_free(index);

    if (failures) {
        printf("templates: %d check(s) failed\n", failures);
        return 1;
    }
    printf("templates: %d templates load, are placed and count as expected\n", N_EXPECTED);
    return 0;
}
