/* test-run-share.c — what `unroll runs compare/metrics`, `unroll export` and
 * the window's Runs view share (data/run-compare.h, data/export.h): settings
 * that differ, final/best metrics without batch points, layers removed,
 * changed and added; a checkpoint's weights as safetensors and .npz; metric
 * points as CSV and JSON; their errors; run events in words. */
#include "store-test.h"

#include "export.h"
#include "json.h"
#include "npy.h"
#include "run-compare.h"
#include "safetensors.h"

#include <math.h>

static const char other_model_json[] =
    "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"adding16\", \"layers\": ["
    "{\"name\": \"sequence\", \"class\": \"Input\", \"shape\": [null, 2]},"
    "{\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 16, \"ui\": {\"x\": 3}},"
    "{\"name\": \"extra\", \"class\": \"Dense\", \"units\": 4}], \"outputs\": [\"extra\"]}";

static const ur_compare_hparam *hparam(const ur_run_compare *c, const char *name)
{
    for (int i = 0; i < c->n_hparams; i++)
        if (strcmp(c->hparams[i].name, name) == 0)
            return &c->hparams[i];
    return NULL;
}

static const ur_compare_metric *metric(const ur_run_compare *c, const char *name)
{
    for (int i = 0; i < c->n_metrics; i++)
        if (strcmp(c->metrics[i].name, name) == 0)
            return &c->metrics[i];
    return NULL;
}

/* Two epochs of points: batch_loss at steps 1..4, loss and val_loss at 2, 4. */
static void record(ur_store *s, int64_t run, double scale)
{
    for (int step = 1; step <= 4; step++)
        ur_store_metric(s, run, "batch_loss", step, (step - 1) / 2, scale * (5 - step), 1000 + step);
    ur_store_metric(s, run, "loss", 2, 0, scale * 2, 1002);
    ur_store_metric(s, run, "loss", 4, 1, scale * 1, 1004);
    ur_store_metric(s, run, "val_loss", 2, 0, scale * 1.5, 1002);
    ur_store_metric(s, run, "val_loss", 4, 1, scale * 1.75, 1004);
}

static void test_compare(ur_store *s, int64_t a, int64_t b)
{
    ur_ctx ctx = {0};
    ur_run_row rows[2] = {{0}};
    CHECK(ur_store_run_get(s, a, &rows[0], &ctx) == UR_OK, "get a: %s", ctx.message);
    CHECK(ur_store_run_get(s, b, &rows[1], &ctx) == UR_OK, "get b: %s", ctx.message);
    ur_run_compare c;
    CHECK(ur_run_compare_build(rows, 2, &c, &ctx) == UR_OK, "compare: %s", ctx.message);
    CHECK(c.n_runs == 2 && c.n_hparams > 10, "%d settings", c.n_hparams);
    const ur_compare_hparam *h = hparam(&c, "seed");
    CHECK(h && h->differ && h->cells[0] && strcmp(h->cells[1], "7") == 0, "seed: %s",
          h ? h->cells[1] : "none");
    h = hparam(&c, "optimizer");
    CHECK(h && h->differ && strcmp(h->cells[0], "adam") == 0 && strcmp(h->cells[1], "sgd") == 0,
          "optimizer");
    h = hparam(&c, "batch_size");
    CHECK(h && !h->differ && strcmp(h->cells[0], "16") == 0, "batch_size");
    h = hparam(&c, "clipnorm");
    CHECK(h && !h->differ && strcmp(h->cells[0], "off") == 0, "clipnorm off: %s",
          h ? h->cells[0] : "none");
    int differ = 0;
    for (int i = 0; i < c.n_hparams; i++)
        differ += c.hparams[i].differ;
    /* the seed and the optimizer, nothing else (both learning rates are 0.01) */
    CHECK(differ == 2, "%d settings differ", differ);

    CHECK(metric(&c, "batch_loss") == NULL, "batch_loss among the final/best metrics");
    const ur_compare_metric *m = metric(&c, "loss");
    CHECK(m && m->final_values[0] == 1 && m->best_values[0] == 1 && m->final_values[1] == 3,
          "loss final/best");
    m = metric(&c, "val_loss");
    CHECK(m && m->final_values[0] == 1.75 && m->best_values[0] == 1.5, "val_loss: %g %g",
          m ? m->final_values[0] : -1, m ? m->best_values[0] : -1);
    m = metric(&c, "val_accuracy");
    CHECK(m && isnan(m->final_values[0]) && m->final_values[1] == 0.5,
          "a metric one run lacks is NAN there");

    CHECK(c.n_layers == 3, "%d layer changes", c.n_layers);
    if (c.n_layers == 3) {
        CHECK(c.layers[0].kind == UR_LAYER_CHANGED && strcmp(c.layers[0].layer, "lstm") == 0 &&
                  strcmp(c.layers[0].detail, "units: 32 -> 16") == 0 && c.layers[0].run == 1 &&
                  c.layers[0].run_id == b,
              "lstm change: %s", c.layers[0].detail);
        CHECK(c.layers[1].kind == UR_LAYER_REMOVED && strcmp(c.layers[1].layer, "sum") == 0 &&
                  !c.layers[1].detail,
              "sum removed");
        CHECK(c.layers[2].kind == UR_LAYER_ADDED && strcmp(c.layers[2].layer, "extra") == 0 &&
                  strcmp(c.layers[2].detail, "Dense") == 0,
              "extra added");
    }
    CHECK(strcmp(ur_layer_change_kind_name(UR_LAYER_ADDED), "added") == 0, "kind name");
    ur_run_compare_clear(&c);
    CHECK(c.n_hparams == 0 && c.hparams == NULL, "clear");

    /* one run: nothing differs; none: an error */
    CHECK(ur_run_compare_build(rows, 1, &c, &ctx) == UR_OK && c.n_layers == 0 && c.n_hparams > 0,
          "one run");
    for (int i = 0; i < c.n_hparams; i++)
        CHECK(!c.hparams[i].differ, "%s differs in one run", c.hparams[i].name);
    ur_run_compare_clear(&c);
    CHECK(ur_run_compare_build(rows, 0, &c, &ctx) == UR_ERR_INVALID, "no runs");

    /* settings and models that do not parse count as none */
    ur_run_row odd[2] = {{.id = 1, .hparams_json = "{\"seed\": 1", .model_json = NULL},
                         {.id = 2, .hparams_json = "[1, 2]", .model_json = "{\"layers\": 3}"}};
    CHECK(ur_run_compare_build(odd, 2, &c, &ctx) == UR_OK && c.n_hparams == 0 &&
              c.n_layers == 0 && c.n_metrics == 0,
          "bad JSON");
    ur_run_compare_clear(&c);
    CHECK(ur_run_row_metric_index(&rows[0], "val_loss") >= 0 &&
              ur_run_row_metric_index(&rows[0], "nope") == -1,
          "metric index");
    CHECK(ur_metric_is_batch("batch_loss") && !ur_metric_is_batch("loss"), "batch metric");
    ur_run_row_clear(&rows[0]);
    ur_run_row_clear(&rows[1]);
}

static void test_export_weights(ur_store *s, int64_t a, const char *dir)
{
    ur_ctx ctx = {0};
    char st_path[4200], npz_path[4200], bad[4200];
    snprintf(st_path, sizeof st_path, "%s/w.safetensors", dir);
    snprintf(npz_path, sizeof npz_path, "%s/w.NPZ", dir);
    snprintf(bad, sizeof bad, "%s/no/such/dir/w.safetensors", dir);
    CHECK(ur_weights_format_for_path(npz_path) == UR_WEIGHTS_NPZ &&
              ur_weights_format_for_path(st_path) == UR_WEIGHTS_SAFETENSORS &&
              ur_weights_format_for_path("npz") == UR_WEIGHTS_SAFETENSORS &&
              ur_weights_format_for_path(NULL) == UR_WEIGHTS_SAFETENSORS,
          "formats by extension");

    int epoch = -1;
    int64_t step = -1;
    CHECK(ur_export_weights(s, a, UR_CHECKPOINT_LAST, 0, UR_WEIGHTS_SAFETENSORS, st_path, &epoch,
                            &step, &ctx) == UR_OK, "export: %s", ctx.message);
    CHECK(epoch == 2 && step == 4, "position: epoch %d step %lld", epoch, (long long)step);
    ur_checkpoint cp = {0};
    void *w = NULL, *state = NULL;
    CHECK(ur_store_checkpoint_get(s, a, UR_CHECKPOINT_LAST, 0, &cp, &w, &state, &ctx) == UR_OK,
          "checkpoint");
    size_t len = 0;
    char *bytes = read_bytes(st_path, &len);
    CHECK(bytes && w && len == cp.weights_len && memcmp(bytes, w, len) == 0,
          "the file is not the checkpoint's bytes");
    free(bytes);
    free(w);
    free(state);

    CHECK(ur_export_weights(s, a, UR_CHECKPOINT_BEST, 0, UR_WEIGHTS_NPZ, npz_path, NULL, NULL,
                            &ctx) == UR_OK, "export npz: %s", ctx.message);
    ur_npz *z = ur_npz_read(npz_path, UR_NPY_FLOAT32, &ctx);
    ur_array *k = z ? ur_npz_get(z, "lstm/kernel") : NULL;
    CHECK(k && k->t.rank == 2 && k->t.dim[0] == 2 && k->t.dim[1] == 3 &&
              ur_tensor_f32(&k->t)[5] == 5.0f,
          "npz lstm/kernel: %s", ctx.message);
    if (z)
        ur_npz_free(z);

    ctx = (ur_ctx){0};
    CHECK(ur_export_weights(s, a, UR_CHECKPOINT_EPOCH, 9, UR_WEIGHTS_SAFETENSORS, st_path, NULL,
                            NULL, &ctx) != UR_OK && strstr(ctx.message, "epoch 9"),
          "a missing epoch: %s", ctx.message);
    ctx = (ur_ctx){0};
    CHECK(ur_export_weights(s, 999, UR_CHECKPOINT_LAST, 0, UR_WEIGHTS_SAFETENSORS, st_path, NULL,
                            NULL, &ctx) != UR_OK && strstr(ctx.message, "999"),
          "a missing run: %s", ctx.message);
    ctx = (ur_ctx){0};
    CHECK(ur_export_weights(s, a, UR_CHECKPOINT_LAST, 0, UR_WEIGHTS_SAFETENSORS, bad, NULL, NULL,
                            &ctx) != UR_OK && strstr(ctx.message, "no/such/dir"),
          "an unwritable path: %s", ctx.message);
    char name[96];
    ur_export_checkpoint_name(3, UR_CHECKPOINT_EPOCH, 2, name, sizeof name);
    CHECK(strcmp(name, "run 3's epoch 2 checkpoint") == 0, "%s", name);
    ur_export_checkpoint_name(3, UR_CHECKPOINT_BEST, 0, name, sizeof name);
    CHECK(strcmp(name, "run 3's best checkpoint") == 0, "%s", name);
}

static void test_export_metrics(ur_store *s, int64_t a)
{
    ur_ctx ctx = {0};
    size_t len = 0;
    char *csv = ur_export_metrics(s, a, "val_loss", false, &len, &ctx);
    const char *want = "name,step,epoch,value,wall_time\n"
                       "val_loss,2,0,1.5,1002.000000\n"
                       "val_loss,4,1,1.75,1004.000000\n";
    CHECK(csv && strcmp(csv, want) == 0 && len == strlen(want), "csv:\n%s", csv ? csv : ctx.message);
    free(csv);
    csv = ur_export_metrics(s, a, NULL, false, &len, &ctx);
    int lines = 0;
    for (const char *p = csv; p && *p; p++)
        lines += *p == '\n';
    CHECK(lines == 1 + 4 + 2 + 2, "every point once: %d lines", lines);
    free(csv);
    char *json = ur_export_metrics(s, a, "loss", true, &len, &ctx);
    ur_value *v = json ? ur_json_parse(json, len, "metrics json", &ctx) : NULL;
    const ur_value *pts = v ? ur_value_get(ur_value_get(v, "metrics"), "loss") : NULL;
    CHECK(pts && pts->type == UR_VALUE_ARRAY && pts->u.arr.n == 2 &&
              ur_value_get(pts->u.arr.items[1], "value")->u.num == 1.0 &&
              ur_value_get(v, "run")->u.num == (double)a,
          "json: %s", json ? json : ctx.message);
    ur_value_free(v);
    free(json);
    ctx = (ur_ctx){0};
    CHECK(!ur_export_metrics(s, a, "acuracy", false, &len, &ctx) &&
              strstr(ctx.message, "has no metric 'acuracy'"),
          "unknown metric: %s", ctx.message);
    ctx = (ur_ctx){0};
    CHECK(!ur_export_metrics(s, 999, NULL, false, &len, &ctx) && strstr(ctx.message, "999"),
          "missing run: %s", ctx.message);
}

/* Events in words, as the Runs view lists them. */
static void test_event_words(void)
{
    static const struct {
        const char *kind, *detail, *want;
    } cases[] = {
        {"pause", NULL, "Paused"},
        {"resume", NULL, "Resumed"},
        {"resume", "{\"from\": \"interrupted\", \"pid\": 12}", "Resumed (was interrupted)"},
        {"lr", "{\"from\":0.001,\"to\":0.0004}", "Learning rate 0.001 → 0.0004"},
        {"optimizer", "{\"from\":{\"beta_1\":0.9,\"clipnorm\":-1},\"to\":{\"beta_1\":0.8,"
                      "\"clipnorm\":2}}", "beta_1 0.9 → 0.8, clipnorm off → 2"},
        {"optimizer", "{\"from\":{\"learning_rate\":0.01,\"nesterov\":false},\"to\":"
                      "{\"learning_rate\":0.02,\"nesterov\":true}}",
         "learning rate 0.01 → 0.02, nesterov false → true"},
        {"stop", "{\"epoch\": 2}", "Stopped in epoch 3"},
        {"stop", "{\"epoch\": 0, \"paused\": true}", "Kept for later in epoch 1"},
        {"error", "{\"epoch\": 1, \"message\": \"the loss became NaN\"}",
         "Failed: the loss became NaN"},
        {"interrupted", "{\"reason\": \"process 12 is gone\"}", "Interrupted: process 12 is gone"},
        {"interrupted", "{\"reason\": \"\"}", "Interrupted"},
        {"device", "{\"device\": \"cuda:0\", \"layers\": {\"lstm\": \"kernels\", "
                   "\"logits\": \"cublas\"}}", "On cuda:0 (lstm: kernels, logits: cublas)"},
        {"label", "{\"x\": 1}", "label {\"x\": 1}"},
        {"lr", "not json", "lr not json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ur_run_event e = {.kind = (char *)cases[i].kind, .step = 3,
                          .detail = (char *)cases[i].detail};
        char *words = ur_run_event_describe(&e);
        CHECK(words && strcmp(words, cases[i].want) == 0, "%s %s: \"%s\", want \"%s\"",
              cases[i].kind, cases[i].detail ? cases[i].detail : "", words, cases[i].want);
        free(words);
    }
    /* a long detail is cut at a character's start, ending in "…" */
    char detail[4000] = "{\"device\": \"cuda:0\", \"layers\": {";
    for (int k = 0; k < 120; k++)
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s\"lstm_é_%d\": \"kernels\"",
                 k ? ", " : "", k);
    strcat(detail, "}}");
    ur_run_event e = {.kind = "device", .step = 1, .detail = detail};
    char *words = ur_run_event_describe(&e);
    size_t n = strlen(words);
    CHECK(n < 1024 && n > 1000 && strcmp(words + n - 3, "\xe2\x80\xa6") == 0,
          "a long description: %zu bytes, ends %s", n, words + (n > 8 ? n - 8 : 0));
    free(words);
}

int main(void)
{
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/unroll.db", dir);
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    if (!s) {
        printf("open: %s\n", ctx.message);
        return 1;
    }
    ur_fit_config fit, fit_b;
    ur_run_spec spec = test_spec(&fit);
    int64_t a = ur_store_run_begin(s, &spec, &ctx);
    ur_run_spec spec_b = test_spec(&fit_b);
    ur_optimizer_defaults("sgd", &fit_b.optimizer, NULL);
    fit_b.optimizer.learning_rate = 0.01;
    fit_b.seed = 7;
    spec_b.model_json = other_model_json;
    spec_b.model_name = "adding16";
    int64_t b = ur_store_run_begin(s, &spec_b, &ctx);
    CHECK(a > 0 && b > 0, "runs: %s", ctx.message);
    record(s, a, 1.0);
    record(s, b, 3.0);
    ur_store_metric(s, b, "val_accuracy", 4, 1, 0.5, 1004);

    /* a checkpoint whose weights are real safetensors bytes */
    float kernel[6] = {0, 1, 2, 3, 4, 5}, bias[3] = {7, 8, 9};
    ur_tensor tk = {.dtype = UR_F32, .rank = 2, .dim = {2, 3}, .data = kernel};
    ur_tensor tb = {.dtype = UR_F32, .rank = 1, .dim = {3}, .data = bias};
    const char *names[] = {"lstm/kernel", "lstm/bias"};
    const ur_tensor *tensors[] = {&tk, &tb};
    size_t wlen = 0;
    void *weights = ur_safetensors_write_mem(2, names, tensors, NULL, NULL, &wlen, &ctx);
    CHECK(weights, "safetensors: %s", ctx.message);
    for (int kind = UR_CHECKPOINT_LAST; kind <= UR_CHECKPOINT_EPOCH; kind++) {
        ur_checkpoint cp = {.kind = (ur_checkpoint_kind)kind, .epoch = 2, .step = 4,
                            .weights = weights, .weights_len = wlen, .state = "s",
                            .state_len = 1, .monitor = "val_loss", .monitor_value = 1.5};
        CHECK(ur_store_checkpoint(s, a, &cp, 3, &ctx) == UR_OK, "checkpoint: %s", ctx.message);
    }
    free(weights);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "flush: %s", ctx.message);
    CHECK(ur_store_run_end(s, a, UR_RUN_COMPLETED, NULL, &ctx) == UR_OK, "end a");
    CHECK(ur_store_run_end(s, b, UR_RUN_COMPLETED, NULL, &ctx) == UR_OK, "end b");

    test_compare(s, a, b);
    test_export_weights(s, a, dir);
    test_export_metrics(s, a);
    test_event_words();

    ur_store_close(s);
    remove_tree(dir);
    free(dir);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
