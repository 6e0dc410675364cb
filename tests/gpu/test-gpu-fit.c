/* test-gpu-fit.c — training on the GPU follows the CPU: the same model,
 * data, seed and optimizer trained on both (exact FP32 mode), epoch by
 * epoch the training and validation losses and metrics agree within 1e-3
 * (relative); the GPU-trained weights predict the same on the CPU; the fast
 * mode's curve stays within 5e-2. Covers LSTM + Dense with mse and adam
 * (clipnorm), GRU + Dropout + Dense with binary cross-entropy, accuracy and
 * rmsprop, a Bidirectional SimpleRNN with sgd + momentum, and LSTM +
 * BatchNormalization with adam whose full batches must replay as a CUDA
 * graph; every step's loss reaches on_step in order and matches the CPU's.
 * A diverging run stops at the CPU's step with its last good weights; a
 * recorded run keeps its device and each layer's path. The optimizer's
 * settings changed mid-run (SGD's momentum switched on: a new slot, the
 * captured step rebuilt) follow the CPU too.
 * Exits 77 where no GPU is usable. */
#include "datasets.h"
#include "gradcheck.h"
#include "run.h"

#include "gpu-test.h"

#include <stdio.h>

#define MAX_EPOCHS 8

static int failures;

#define MAX_STEPS 256

typedef struct curve {
    int epochs;
    int n;
    char names[8][32];
    double v[MAX_EPOCHS][8];
    int n_steps;              /* on_step calls, in order */
    double step_loss[MAX_STEPS];
    bool order_ok;            /* global steps came 1, 2, 3, ... */
    char note[256];           /* how the device ran the steps */
} curve;

static void on_step(void *user, const ur_progress *p)
{
    curve *c = user;
    if (p->global_step != c->n_steps + 1)
        c->order_ok = false;
    if (c->n_steps < MAX_STEPS)
        c->step_loss[c->n_steps] = p->loss;
    c->n_steps++;
    const char *note = ur_trainer_graph_note(p->trainer);
    snprintf(c->note, sizeof c->note, "%s", note ? note : "");
}

static void on_epoch(void *user, const ur_progress *p)
{
    curve *c = user;
    if (c->epochs >= MAX_EPOCHS)
        return;
    c->n = p->n_metrics < 8 ? p->n_metrics : 8;
    for (int i = 0; i < c->n; i++) {
        snprintf(c->names[i], sizeof c->names[i], "%s", p->metric_names[i]);
        c->v[c->epochs][i] = p->metric_values[i];
    }
    c->epochs++;
}

/* Trains json on ds on device; fills the curve and the predictions of the
 * first validation samples (made on the CPU from the trained weights). */
static int train(const char *json, ur_dataset *ds, const ur_fit_config *cfg, const char *device,
                 bool exact, curve *c, float *pred, int64_t n_pred)
{
    ur_model *m = gc_model_from_json(json, 5);
    if (!m)
        return 1;
    ur_ctx ctx = {0};
    int rc = 0;
    memset(c, 0, sizeof *c);
    c->order_ok = true;
    ur_callbacks cb = {.user = c, .on_epoch = on_epoch, .on_step = on_step};
    if (ur_model_use_device(m, device, exact, NULL, 0, &ctx) ||
        ur_model_fit(m, cfg, &ds->train, &ds->val, &cb, &ctx) ||
        ur_model_use_device(m, "cpu", false, NULL, 0, &ctx)) {
        printf("FAIL: training on %s: %s\n", device, ctx.message);
        rc = 1;
    } else {
        ur_tensor x = ds->val.x[0]->t;
        x.dim[0] = n_pred;
        ur_array *out[1] = {NULL};
        if (ur_model_predict(m, 1, &x, 32, out, &ctx)) {
            printf("FAIL: predict after training on %s: %s\n", device, ctx.message);
            rc = 1;
        } else {
            memcpy(pred, out[0]->t.data, (size_t)ur_tensor_numel(&out[0]->t) * 4);
            ur_array_free(out[0]);
        }
    }
    ur_model_free(m);
    return rc;
}

static void compare(const char *what, const curve *cpu, const curve *gpu, double tol)
{
    if (!gpu->order_ok || gpu->n_steps != cpu->n_steps) {
        printf("FAIL: %s: %d steps reported on the CPU, %d on the GPU%s\n", what, cpu->n_steps,
               gpu->n_steps, gpu->order_ok ? "" : " (out of order)");
        failures++;
        return;
    }
    for (int s = 0; s < cpu->n_steps && s < MAX_STEPS; s++) {
        double a = cpu->step_loss[s], b = gpu->step_loss[s];
        if (!(fabs(a - b) <= tol * fmax(1e-6, fabs(a)))) {
            printf("FAIL: %s: step %d loss: CPU %.8g, GPU %.8g\n", what, s + 1, a, b);
            failures++;
            break;
        }
    }
    if (cpu->epochs != gpu->epochs || cpu->n != gpu->n) {
        printf("FAIL: %s: %d epochs x %d values on the CPU, %d x %d on the GPU\n", what,
               cpu->epochs, cpu->n, gpu->epochs, gpu->n);
        failures++;
        return;
    }
    for (int e = 0; e < cpu->epochs; e++)
        for (int i = 0; i < cpu->n; i++) {
            double a = cpu->v[e][i], b = gpu->v[e][i];
            double err = fabs(a - b) / fmax(1e-6, fabs(a));
            if (!(err <= tol)) {
                printf("FAIL: %s: epoch %d %s: CPU %.8g, GPU %.8g (relative %.2g > %.0e)\n",
                       what, e + 1, cpu->names[i], a, b, err, tol);
                failures++;
            } else if (getenv("GPU_TEST_VERBOSE")) {
                printf("  %s: epoch %d %s: CPU %.8g GPU %.8g\n", what, e + 1, cpu->names[i], a,
                       b);
            }
        }
}

static void check_graph(const char *what, const char *json, const char *data,
                        const ur_fit_config *cfg, bool want_graph);

static void check(const char *what, const char *json, const char *data, const ur_fit_config *cfg)
{
    check_graph(what, json, data, cfg, false);
}

static void check_graph(const char *what, const char *json, const char *data,
                        const ur_fit_config *cfg, bool want_graph)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_synthetic(data, 3, &ctx);
    if (!ds) {
        printf("FAIL: %s: %s\n", what, ctx.message);
        failures++;
        return;
    }
    int64_t n_pred = 16;
    int64_t out_row = 1;
    float pc[64], pg[64], pf[64];
    curve cpu, gpu, fast;
    if (train(json, ds, cfg, "cpu", true, &cpu, pc, n_pred) ||
        train(json, ds, cfg, "cuda", true, &gpu, pg, n_pred) ||
        train(json, ds, cfg, "cuda", false, &fast, pf, n_pred)) {
        failures++;
    } else {
        char label[160];
        snprintf(label, sizeof label, "%s (exact)", what);
        compare(label, &cpu, &gpu, 1e-3);
        snprintf(label, sizeof label, "%s (fast)", what);
        compare(label, &cpu, &fast, 5e-2);
        if (getenv("GPU_TEST_VERBOSE"))
            printf("  %s: %s\n", what, gpu.note);
        if (want_graph && !strstr(gpu.note, "replays")) {
            printf("FAIL: %s: the steps were not replayed as a CUDA graph: %s\n", what,
                   gpu.note);
            failures++;
        }
        for (int64_t i = 0; i < n_pred * out_row; i++)
            if (!(fabs(pc[i] - pg[i]) <= 1e-3 * fmax(1.0, fabs(pc[i])))) {
                printf("FAIL: %s: prediction %lld from GPU-trained weights %.7g, CPU-trained "
                       "%.7g\n", what, (long long)i, pg[i], pc[i]);
                failures++;
                break;
            }
    }
    ur_dataset_free(ds);
}

/* Training stopped after `at` steps, the optimizer's settings changed to
 * `later` (ur_trainer_set_optimizer) and trained to the end; the curve
 * holds both parts. should_stop is asked before every step on both
 * devices, so the change lands on the same step. */
typedef struct stopper {
    curve c;                  /* first: the curve callbacks take the stopper */
    int calls, at;
} stopper;

static bool stop_at(void *user)
{
    stopper *s = user;
    return ++s->calls > s->at;
}

static int train_changed(const char *json, ur_dataset *ds, const ur_fit_config *cfg,
                         const ur_optimizer_config *later, int at, const char *device, curve *c)
{
    ur_model *m = gc_model_from_json(json, 5);
    if (!m)
        return 1;
    ur_ctx ctx = {0};
    int rc = 1;
    stopper s = {.at = at};
    s.c.order_ok = true;
    ur_callbacks cb = {.user = &s, .on_epoch = on_epoch, .on_step = on_step, .should_stop = stop_at};
    ur_trainer *t = NULL;
    if (ur_model_use_device(m, device, true, NULL, 0, &ctx) ||
        !(t = ur_trainer_new(m, cfg, &ds->train, &ds->val, &ctx))) {
        printf("FAIL: %s: %s\n", device, ctx.message);
    } else if (ur_trainer_run(t, &cb, &ctx) != UR_ERR_CANCELLED || s.c.n_steps != at) {
        printf("FAIL: %s: no stop after %d steps (%d): %s\n", device, at, s.c.n_steps,
               ctx.message);
    } else if (ur_trainer_set_optimizer(t, later, &ctx)) {
        printf("FAIL: %s: changing the optimizer: %s\n", device, ctx.message);
    } else {
        s.at = 1 << 30;
        if (ur_trainer_run(t, &cb, &ctx))
            printf("FAIL: %s: after the change: %s\n", device, ctx.message);
        else
            rc = 0;
    }
    *c = s.c;
    ur_trainer_free(t);
    ur_model_free(m);
    return rc;
}

static void check_optimizer_change(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_synthetic("synthetic:adding?n=640&timesteps=12&val=0.1", 3, &ctx);
    if (!ds) {
        printf("FAIL: optimizer change: %s\n", ctx.message);
        failures++;
        return;
    }
    const char *json = gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                               "{'class': 'LSTM', 'units': 16}, {'class': 'Dense', 'units': 1}]}");
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_MSE;
    ur_optimizer_defaults("sgd", &cfg.optimizer, NULL);
    cfg.optimizer.learning_rate = 0.05;
    cfg.epochs = 3;
    cfg.batch_size = 32;
    cfg.seed = 6;
    ur_optimizer_config later = cfg.optimizer;
    later.momentum = 0.9;
    later.learning_rate = 0.02;
    later.clipnorm = 1.0;
    curve cpu, gpu;
    if (train_changed(json, ds, &cfg, &later, 25, "cpu", &cpu) ||
        train_changed(json, ds, &cfg, &later, 25, "cuda", &gpu))
        failures++;
    else
        compare("SGD, momentum and clipnorm from step 26", &cpu, &gpu, 1e-3);
    ur_dataset_free(ds);
}

/* A learning rate that blows the weights up: the GPU stops where the CPU
 * does, with the same message and the same last good weights. */
static void check_divergence(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_synthetic("synthetic:sine?n=320&timesteps=8&val=0.1", 3, &ctx);
    if (!ds) {
        printf("FAIL: divergence: %s\n", ctx.message);
        failures++;
        return;
    }
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_MSE;
    ur_optimizer_defaults("sgd", &cfg.optimizer, NULL);
    cfg.optimizer.learning_rate = 1e30;
    cfg.epochs = 2;
    cfg.batch_size = 16;
    cfg.seed = 1;
    char msg[2][1100];
    float w[2][64] = {{0}};
    for (int k = 0; k < 2; k++) {
        ur_model *m = gc_model_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [null, 1]},"
                    "{'class': 'SimpleRNN', 'units': 4}, {'class': 'Dense', 'units': 1}]}"), 5);
        ur_ctx c = {0};
        if (!m || ur_model_use_device(m, k ? "cuda" : "cpu", true, NULL, 0, &c)) {
            printf("FAIL: divergence: %s\n", c.message);
            failures++;
            ur_model_free(m);
            ur_dataset_free(ds);
            return;
        }
        ur_status st = ur_model_fit(m, &cfg, &ds->train, NULL, NULL, &c);
        /* NaN or infinite may differ with the summation order: not the step */
        char *w_ = strstr(c.message, "infinite");
        if (w_)
            memcpy(w_, "NaN-ish ", 8);
        snprintf(msg[k], sizeof msg[k], "%d %s", (int)st, c.message);
        w_ = strstr(msg[k], "NaN ");
        if (w_)
            memcpy(w_, "X   ", 4);
        w_ = strstr(msg[k], "NaN-ish ");
        if (w_)
            memcpy(w_, "X       ", 8);
        size_t n;
        const float *p = ur_model_params(m, &n);
        memcpy(w[k], p, (n < 64 ? n : 64) * sizeof(float));
        ur_model_free(m);
    }
    if (strcmp(msg[0], msg[1]) != 0 || !strstr(msg[0], "last good weights")) {
        printf("FAIL: divergence: the CPU says '%s', the GPU '%s'\n", msg[0], msg[1]);
        failures++;
    } else {
        for (int i = 0; i < 64; i++)
            if (!(fabsf(w[0][i] - w[1][i]) <= 1e-4f * fmaxf(1.0f, fabsf(w[0][i])))) {
                printf("FAIL: divergence: last good weight %d: CPU %g, GPU %g\n", i, w[0][i],
                       w[1][i]);
                failures++;
                break;
            }
    }
    if (getenv("GPU_TEST_VERBOSE"))
        printf("  divergence: %s\n", msg[1]); else if (getenv("GPU_TEST_VERBOSE")) {
        printf("  divergence: %s\n", msg[1]);
    }
    ur_dataset_free(ds);
}

/* A run trained on the GPU records its device and each layer's path (the
 * "device" event), and the runs table's device column. */
static void check_run_records_device(void)
{
    char dir[] = "/tmp/unroll-gpu-run-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL: run record: no temporary folder\n");
        failures++;
        return;
    }
    char db[128];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [null, 1]},"
                "{'name': 'rec', 'class': 'GRU', 'units': 8, 'reset_after': false},"
                "{'name': 'out', 'class': 'Dense', 'units': 1}]}"), &ctx);
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    cfg.epochs = 1;
    cfg.seed = 3;
    ur_run_settings rs;
    ur_run_settings_defaults(&rs);
    rs.db_path = db;
    rs.device = "cuda";
    rs.exact_math = true;
    ur_run *r = g ? ur_run_new(g, "synthetic:sine?n=64&timesteps=6", &cfg, &rs, &ctx) : NULL;
    ur_store *st = NULL;
    ur_run_event *ev = NULL;
    int n_ev = 0;
    ur_run_row row = {0};
    if (!r || ur_run_train(r, NULL, &ctx) || !(st = ur_store_open(db, &ctx)) ||
        ur_store_events(st, ur_run_id(r), &ev, &n_ev, &ctx) ||
        ur_store_run_get(st, ur_run_id(r), &row, &ctx)) {
        printf("FAIL: run record: %s\n", ctx.message);
        failures++;
    } else {
        const char *detail = NULL;
        for (int i = 0; i < n_ev; i++)
            if (strcmp(ev[i].kind, "device") == 0)
                detail = ev[i].detail;
        if (!detail || !strstr(detail, "\"device\": \"cuda:0\"") ||
            !strstr(detail, "\"rec\": \"kernels\"") || !strstr(detail, "\"out\": \"cublas\"")) {
            printf("FAIL: run record: device event '%s'\n", detail ? detail : "(none)");
            failures++;
        }
        if (!row.device || strcmp(row.device, "cuda:0") != 0) {
            printf("FAIL: run record: device column '%s'\n", row.device ? row.device : "");
            failures++;
        }
        if (getenv("GPU_TEST_VERBOSE"))
            printf("  run record: %s, %s\n", row.device, detail ? detail : "");
    }
    ur_run_row_clear(&row);
    ur_run_events_free(ev, n_ev);
    ur_store_close(st);
    ur_run_free(r);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("note: %s was not removed\n", dir);
}

int main(void)
{
    gpu_test_require();

    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_MSE;
    ur_optimizer_defaults("adam", &cfg.optimizer, NULL);
    cfg.optimizer.clipnorm = 1.0;
    cfg.epochs = 3;
    cfg.batch_size = 32;
    cfg.seed = 9;
    cfg.metric_mae = true;
    check("LSTM adding, adam + clipnorm",
          gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                  "{'class': 'LSTM', 'units': 16}, {'class': 'Dense', 'units': 1}]}"),
          "synthetic:adding?n=640&timesteps=20&val=0.1", &cfg);

    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_BINARY_CE;
    ur_optimizer_defaults("rmsprop", &cfg.optimizer, NULL);
    cfg.epochs = 3;
    cfg.batch_size = 16;
    cfg.seed = 4;
    cfg.metric_accuracy = true;
    check("GRU parity, dropout, binary CE + rmsprop",
          gc_json("{'layers': [{'class': 'Input', 'shape': [null, 1]},"
                  "{'class': 'GRU', 'units': 12, 'dropout': 0.2},"
                  "{'class': 'Dropout', 'rate': 0.1},"
                  "{'class': 'Dense', 'units': 1, 'activation': 'sigmoid'}]}"),
          "synthetic:parity?n=320&timesteps=8&val=0.1", &cfg);

    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_MSE;
    ur_optimizer_defaults("sgd", &cfg.optimizer, NULL);
    cfg.optimizer.momentum = 0.9;
    cfg.optimizer.nesterov = true;
    cfg.epochs = 3;
    cfg.batch_size = 32;
    cfg.seed = 2;
    check("Bidirectional SimpleRNN sine, sgd nesterov",
          gc_json("{'layers': [{'class': 'Input', 'shape': [null, 1]},"
                  "{'class': 'Bidirectional', 'merge_mode': 'ave', 'layer':"
                  " {'class': 'SimpleRNN', 'units': 8}},"
                  "{'class': 'Dense', 'units': 1}]}"),
          "synthetic:sine?n=640&timesteps=16&val=0.1", &cfg);

    /* BatchNormalization, a partial last batch (270 = 8 x 32 + 14), data on
     * the device and the full batches replayed as a captured graph */
    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_BINARY_CE;
    ur_optimizer_defaults("adam", &cfg.optimizer, NULL);
    cfg.epochs = 3;
    cfg.batch_size = 32;
    cfg.seed = 5;
    cfg.metric_accuracy = true;
    check_graph("LSTM BatchNormalization, graph replay, adam",
                gc_json("{'layers': [{'class': 'Input', 'shape': [null, 1]},"
                        "{'class': 'LSTM', 'units': 16},"
                        "{'class': 'BatchNormalization'},"
                        "{'class': 'Dense', 'units': 1, 'activation': 'sigmoid'}]}"),
                "synthetic:parity?n=300&timesteps=8&val=0.1", &cfg, true);

    check_divergence();
    check_run_records_device();
    check_optimizer_change();
    return gpu_test_done(failures, "GPU training follows the CPU");
}
