/* test-train-worker.c — the window's training worker without a display: a
 * GLib main loop receives its signals while a short synthetic run trains in
 * the worker's thread; every step's point arrives exactly once and matches
 * the store; pause holds the steps, a learning-rate change while paused is
 * an "lr" event with from/to, resume, stop ends the run cancelled (and
 * cannot be resumed); a run failed for want of a GPU resumes on the CPU to
 * its end; a dataset that does not fit the model and a NaN
 * loss finish as failed with their message, in the store too. */
#include "json.h"
#include "train-worker.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            failures++;                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                           \
            fprintf(stderr, "\n");                                                  \
        }                                                                           \
    } while (0)

static const char *const adding_model =
    "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"adding\", \"layers\": ["
    "{\"name\": \"sequence\", \"class\": \"Input\", \"shape\": [null, 2]},"
    "{\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 8},"
    "{\"name\": \"sum\", \"class\": \"Dense\", \"units\": 1}], \"outputs\": [\"sum\"]}";

/* 1024 training sequences of 10 steps: 32 steps per epoch at batch 32. */
#define DATA "synthetic:adding?n=1024&timesteps=10"

/* What the signals brought. */
typedef struct watch {
    UnrollTrainWorker *worker;
    GMainLoop *loop;
    GArray *batch_steps;          /* global steps of batch_loss points */
    GArray *batch_values;
    int n_epoch_points;
    int n_progress;
    gint64 last_global_step;
    int states[64];
    int n_states;
    gboolean finished;
    int status;
    char *message;
    gint64 run_id;
    /* the scenario */
    int phase;
    gint64 paused_at;             /* batch points when the pause began */
    gint64 second_pause_after;    /* pause again once this many steps arrived (0: never) */
} watch;

static void on_points(UnrollTrainWorker *w, const unroll_train_point *pts, guint n, watch *wt)
{
    for (guint i = 0; i < n; i++) {
        if (strcmp(pts[i].name, "batch_loss") == 0) {
            g_array_append_val(wt->batch_steps, pts[i].step);
            g_array_append_val(wt->batch_values, pts[i].value);
        } else {
            wt->n_epoch_points++;
        }
    }
    if (wt->second_pause_after > 0 && (gint64)wt->batch_steps->len >= wt->second_pause_after) {
        wt->second_pause_after = 0;
        unroll_train_worker_pause(w);
    }
}

static void on_progress(UnrollTrainWorker *w, const unroll_train_progress *p, watch *wt)
{
    wt->n_progress++;
    CHECK(p->global_step >= wt->last_global_step, "progress went back from %lld to %lld",
          (long long)wt->last_global_step, (long long)p->global_step);
    wt->last_global_step = p->global_step;
}

static gboolean quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

/* Runs the loop for ms milliseconds. */
static void pump(watch *wt, int ms)
{
    g_timeout_add(ms, quit_loop, wt->loop);
    g_main_loop_run(wt->loop);
}

static void on_state(UnrollTrainWorker *w, int state, watch *wt)
{
    if (wt->n_states < 64)
        wt->states[wt->n_states++] = state;
}

static void on_finished(UnrollTrainWorker *w, int status, const char *message, gint64 run_id,
                        watch *wt)
{
    wt->finished = TRUE;
    wt->status = status;
    g_free(wt->message);
    wt->message = g_strdup(message);
    wt->run_id = run_id;
    g_main_loop_quit(wt->loop);
}

static gboolean timeout_fail(gpointer data)
{
    watch *wt = data;
    CHECK(FALSE, "the run did not finish within 120 s (phase %d)", wt->phase);
    g_main_loop_quit(wt->loop);
    return G_SOURCE_REMOVE;
}

static void watch_init(watch *wt, UnrollTrainWorker *w)
{
    memset(wt, 0, sizeof *wt);
    wt->worker = w;
    wt->loop = g_main_loop_new(NULL, FALSE);
    wt->batch_steps = g_array_new(FALSE, FALSE, sizeof(gint64));
    wt->batch_values = g_array_new(FALSE, FALSE, sizeof(double));
    g_signal_connect(w, "points", G_CALLBACK(on_points), wt);
    g_signal_connect(w, "progress", G_CALLBACK(on_progress), wt);
    g_signal_connect(w, "state-changed", G_CALLBACK(on_state), wt);
    g_signal_connect(w, "finished", G_CALLBACK(on_finished), wt);
}

static void watch_clear(watch *wt)
{
    g_signal_handlers_disconnect_by_data(wt->worker, wt);
    g_main_loop_unref(wt->loop);
    g_array_unref(wt->batch_steps);
    g_array_unref(wt->batch_values);
    g_free(wt->message);
}

/* Runs the loop until "finished" (or a 120 s limit). */
static void run_to_end(watch *wt)
{
    guint t = g_timeout_add_seconds(120, timeout_fail, wt);
    if (!wt->finished)
        g_main_loop_run(wt->loop);
    g_source_remove(t);
}

/* Whether state s was emitted as the from-th state or later. */
static gboolean emitted_since(watch *wt, int from, UnrollTrainState s)
{
    for (int i = from; i < wt->n_states; i++)
        if (wt->states[i] == (int)s)
            return TRUE;
    return FALSE;
}

/* Runs the loop until state s is emitted as the from-th state or later
 * (10 s at most). */
static gboolean wait_state(watch *wt, int from, UnrollTrainState s)
{
    for (int i = 0; i < 1000 && !emitted_since(wt, from, s) && !wt->finished; i++)
        pump(wt, 10);
    return emitted_since(wt, from, s);
}

static ur_graph *adding_graph(void)
{
    ur_ctx ctx = {0};
    ur_value *doc = ur_json_parse(adding_model, strlen(adding_model), "adding", &ctx);
    ur_graph *g = doc ? ur_graph_from_value(doc, &ctx) : NULL;
    ur_value_free(doc);
    if (!g)
        fprintf(stderr, "adding model: %s\n", ctx.message);
    return g;
}

static void fit_defaults(ur_fit_config *fit)
{
    ur_ctx ctx = {0};
    ur_fit_config_defaults(fit);
    ur_loss_parse("mse", &fit->loss, &ctx);
    ur_optimizer_defaults("adam", &fit->optimizer, &ctx);
    fit->epochs = 2;
    fit->batch_size = 32;
    fit->seed = 7;
    fit->metric_mae = true;
}

/* The store's view of a run. */
static void store_run(const char *db, gint64 id, ur_run_row *row, ur_run_event **events, int *n_events,
                      ur_metric_point **batch, int64_t *n_batch)
{
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db, &ctx);
    CHECK(s != NULL, "store: %s", ctx.message);
    memset(row, 0, sizeof *row);
    *events = NULL;
    *n_events = 0;
    if (batch) {
        *batch = NULL;
        *n_batch = 0;
    }
    if (!s)
        return;
    CHECK(ur_store_run_get(s, id, row, &ctx) == UR_OK, "run %lld: %s", (long long)id, ctx.message);
    CHECK(ur_store_events(s, id, events, n_events, &ctx) == UR_OK, "events: %s", ctx.message);
    if (batch)
        CHECK(ur_store_metrics(s, id, "batch_loss", batch, n_batch, &ctx) == UR_OK, "metrics: %s",
              ctx.message);
    ur_store_close(s);
}

/* A watched worker, the adding model, its fit (2 epochs of mse with Adam)
 * and options recording into db on device. */
static ur_graph *setup(UnrollTrainWorker *w, watch *wt, ur_fit_config *fit,
                       unroll_train_options *opts, const char *db, const char *device)
{
    watch_init(wt, w);
    fit_defaults(fit);
    unroll_train_options_defaults(opts);
    opts->db_path = db;
    opts->device = device;
    return adding_graph();
}

/* ------------------------------------------------------------ scenarios */

/* A whole run: every step's point once, in order, equal to the store's. */
static void test_complete(const char *db)
{
    UnrollTrainWorker *w = unroll_train_worker_new();
    watch wt;
    ur_fit_config fit;
    unroll_train_options opts;
    ur_graph *g = setup(w, &wt, &fit, &opts, db, "cpu");
    opts.label = "complete";
    GError *error = NULL;
    CHECK(unroll_train_worker_start(w, g, DATA, &fit, &opts, &error), "start: %s",
          error ? error->message : "");
    /* the snapshot: the graph is ours to free (and edit) at once */
    ur_graph_free(g);
    CHECK(unroll_train_worker_is_busy(w), "busy after start");
    ur_graph *g2 = adding_graph();
    CHECK(!unroll_train_worker_start(w, g2, DATA, &fit, &opts, NULL), "a second start while busy");
    ur_graph_free(g2);
    run_to_end(&wt);

    CHECK(wt.finished && wt.status == UR_RUN_COMPLETED, "status %d (%s)", wt.status,
          wt.message ? wt.message : "");
    CHECK(wt.message == NULL, "a message on success: %s", wt.message);
    CHECK(wt.run_id > 0, "run id %lld", (long long)wt.run_id);
    CHECK(unroll_train_worker_get_run_id(w) == wt.run_id, "run id getter");
    CHECK(unroll_train_worker_get_state(w) == UNROLL_TRAIN_FINISHED, "state %s",
          unroll_train_state_name(unroll_train_worker_get_state(w)));
    CHECK(wt.batch_steps->len == 64, "%u batch points, expected 2 epochs x 32 steps",
          wt.batch_steps->len);
    for (guint i = 1; i < wt.batch_steps->len; i++)
        CHECK(g_array_index(wt.batch_steps, gint64, i) == g_array_index(wt.batch_steps, gint64, i - 1) + 1,
              "step %u: %lld after %lld", i, (long long)g_array_index(wt.batch_steps, gint64, i),
              (long long)g_array_index(wt.batch_steps, gint64, i - 1));
    /* each epoch: loss, mae, val_loss, val_mae */
    CHECK(wt.n_epoch_points == 8, "%d epoch points, expected 2 x 4", wt.n_epoch_points);
    CHECK(wt.n_progress > 0 && wt.last_global_step == 64, "progress: %d signals, last step %lld",
          wt.n_progress, (long long)wt.last_global_step);
    unroll_train_progress p;
    unroll_train_worker_get_progress(w, &p);
    CHECK(p.epochs == 2 && p.steps == 32 && p.global_step == 64, "progress %d/%d %lld/%lld",
          p.epoch, p.epochs, (long long)p.step, (long long)p.steps);
    CHECK(p.steps_per_s > 0 && p.samples_per_s > p.steps_per_s, "rates %g steps/s %g samples/s",
          p.steps_per_s, p.samples_per_s);
    CHECK(fabs(p.learning_rate - 0.001) < 1e-12, "lr %g", p.learning_rate);
    char *device = unroll_train_worker_dup_device(w);
    CHECK(g_strcmp0(device, "cpu") == 0, "device %s", device);
    g_free(device);
    /* states: running, finished */
    CHECK(wt.n_states >= 2 && wt.states[0] == UNROLL_TRAIN_RUNNING &&
          wt.states[wt.n_states - 1] == UNROLL_TRAIN_FINISHED, "states: %d first %d last %d",
          wt.n_states, wt.states[0], wt.states[wt.n_states - 1]);

    ur_run_row row;
    ur_run_event *events;
    int n_events;
    ur_metric_point *batch;
    int64_t n_batch;
    store_run(db, wt.run_id, &row, &events, &n_events, &batch, &n_batch);
    CHECK(row.status == UR_RUN_COMPLETED, "store status %s", ur_run_status_name(row.status));
    CHECK(n_batch == (int64_t)wt.batch_steps->len, "store %lld batch points, signals %u",
          (long long)n_batch, wt.batch_steps->len);
    for (int64_t i = 0; i < n_batch && i < (int64_t)wt.batch_steps->len; i++) {
        CHECK(batch[i].step == g_array_index(wt.batch_steps, gint64, i), "point %lld step",
              (long long)i);
        CHECK(batch[i].value == g_array_index(wt.batch_values, double, i), "point %lld value %g vs %g",
              (long long)i, batch[i].value, g_array_index(wt.batch_values, double, i));
    }
    free(batch);
    ur_run_events_free(events, n_events);
    ur_run_row_clear(&row);
    watch_clear(&wt);
    g_object_unref(w);
}

/* Pause, an lr change while paused, resume, pause again, other optimizer
 * settings (a new kind and values out of range refused), stop; resuming the
 * cancelled run is refused. */
static void test_pause_lr_stop(const char *db)
{
    UnrollTrainWorker *w = unroll_train_worker_new();
    watch wt;
    ur_fit_config fit;
    unroll_train_options opts;
    ur_graph *g = setup(w, &wt, &fit, &opts, db, "cpu");
    fit.epochs = 20; /* long enough that the second pause lands mid-run */
    CHECK(!unroll_train_worker_pause(w), "pause while idle");
    CHECK(!unroll_train_worker_set_learning_rate(w, 0.01), "lr while idle");
    CHECK(unroll_train_worker_start(w, g, DATA, &fit, &opts, NULL), "start");
    ur_graph_free(g);
    /* asked at once: the thread pauses after its first step */
    CHECK(unroll_train_worker_pause(w), "pause");
    CHECK(!unroll_train_worker_pause(w), "a second pause");
    wt.phase = 1;
    CHECK(wait_state(&wt, 0, UNROLL_TRAIN_PAUSED), "paused: state %s",
          unroll_train_state_name(unroll_train_worker_get_state(w)));
    pump(&wt, 50);
    guint held = wt.batch_steps->len;
    gint64 held_step = wt.last_global_step;
    CHECK(held == 1, "%u steps before the pause took effect, expected 1", held);
    pump(&wt, 400);
    CHECK(wt.batch_steps->len == held, "steps went on while paused: %u -> %u", held,
          wt.batch_steps->len);
    CHECK(wt.last_global_step == held_step, "progress went on while paused");
    CHECK(!unroll_train_worker_set_learning_rate(w, -1), "a negative lr");
    CHECK(!unroll_train_worker_set_learning_rate(w, NAN), "a NaN lr");
    CHECK(unroll_train_worker_set_learning_rate(w, 0.005), "lr while paused");
    pump(&wt, 100);
    unroll_train_progress p;
    unroll_train_worker_get_progress(w, &p);
    CHECK(fabs(p.learning_rate - 0.005) < 1e-12, "the new lr shows while paused: %g", p.learning_rate);
    CHECK(wt.batch_steps->len == held, "the lr change did not resume");
    CHECK(fabs(unroll_train_worker_get_learning_rate(w) - 0.005) < 1e-12, "lr getter");

    wt.second_pause_after = held + 5;
    int n_before = wt.n_states;
    CHECK(unroll_train_worker_resume_training(w), "resume");
    CHECK(!unroll_train_worker_resume_training(w), "a second resume");
    wt.phase = 2;
    CHECK(wait_state(&wt, n_before, UNROLL_TRAIN_RUNNING), "running again");
    CHECK(wait_state(&wt, n_before + 1, UNROLL_TRAIN_PAUSED), "paused again");
    guint before_stop = wt.batch_steps->len;
    CHECK(before_stop > held && before_stop < 640, "%u steps at the second pause", before_stop);
    ur_optimizer_config o;
    unroll_train_worker_get_optimizer(w, &o);
    CHECK(o.kind == UR_OPT_ADAM && o.learning_rate == 0.005 && o.beta_1 == 0.9,
          "the settings in effect: %s lr %g beta_1 %g", ur_optimizer_name(o.kind), o.learning_rate,
          o.beta_1);
    ur_optimizer_config sgd;
    ur_optimizer_defaults("sgd", &sgd, NULL);
    GError *err = NULL;
    CHECK(!unroll_train_worker_set_optimizer(w, &sgd, &err) && err &&
              strstr(err->message, "cannot change"),
          "another optimizer: %s", err ? err->message : "accepted");
    g_clear_error(&err);
    ur_optimizer_config bad = o;
    bad.beta_2 = 1.0;
    CHECK(!unroll_train_worker_set_optimizer(w, &bad, &err) && err &&
              strstr(err->message, "beta_2"),
          "beta_2 = 1: %s", err ? err->message : "accepted");
    g_clear_error(&err);
    o.beta_1 = 0.5;
    o.clipnorm = 1.0;
    CHECK(unroll_train_worker_set_optimizer(w, &o, &err), "settings while paused: %s",
          err ? err->message : "");
    g_clear_error(&err);
    pump(&wt, 100);
    ur_optimizer_config now;
    unroll_train_worker_get_optimizer(w, &now);
    CHECK(now.beta_1 == 0.5 && now.clipnorm == 1.0 && now.learning_rate == 0.005,
          "in effect after the change: beta_1 %g clipnorm %g", now.beta_1, now.clipnorm);
    CHECK(wt.batch_steps->len == before_stop, "the settings change resumed training");
    CHECK(unroll_train_worker_stop(w), "stop while paused");
    CHECK(!unroll_train_worker_stop(w), "a second stop");
    CHECK(unroll_train_worker_get_state(w) == UNROLL_TRAIN_STOPPING, "stopping");
    wt.phase = 3;
    run_to_end(&wt);
    CHECK(wt.finished && wt.status == UR_RUN_CANCELLED, "status %d (%s)", wt.status,
          wt.message ? wt.message : "");
    CHECK(wt.batch_steps->len == before_stop, "steps after the stop: %u -> %u", before_stop,
          wt.batch_steps->len);
    CHECK(unroll_train_worker_get_state(w) == UNROLL_TRAIN_FINISHED, "finished state");

    ur_run_row row;
    ur_run_event *events;
    int n_events;
    gint64 id = wt.run_id;
    store_run(db, id, &row, &events, &n_events, NULL, NULL);
    CHECK(row.status == UR_RUN_CANCELLED, "store status %s", ur_run_status_name(row.status));
    const char *want[] = {"pause", "lr", "resume", "pause", "optimizer", "stop"};
    CHECK(n_events == 6, "%d events", n_events);
    for (int i = 0; i < n_events && i < 6; i++)
        CHECK(strcmp(events[i].kind, want[i]) == 0, "event %d is %s, expected %s", i,
              events[i].kind, want[i]);
    if (n_events >= 2) {
        CHECK(events[0].step == 1, "pause at step %lld", (long long)events[0].step);
        ur_ctx ctx = {0};
        ur_value *d = events[1].detail ? ur_json_parse(events[1].detail, strlen(events[1].detail),
                                                       "lr", &ctx) : NULL;
        ur_value *from = d ? ur_value_get(d, "from") : NULL, *to = d ? ur_value_get(d, "to") : NULL;
        CHECK(from && to && fabs(from->u.num - 0.001) < 1e-12 && fabs(to->u.num - 0.005) < 1e-12,
              "lr detail %s", events[1].detail ? events[1].detail : "(none)");
        ur_value_free(d);
    }
    if (n_events >= 5)
        CHECK(g_strcmp0(events[4].detail, "{\"from\":{\"beta_1\":0.9,\"clipnorm\":-1},"
                                          "\"to\":{\"beta_1\":0.5,\"clipnorm\":1}}") == 0,
              "optimizer detail %s", events[4].detail ? events[4].detail : "(none)");
    ur_run_events_free(events, n_events);
    ur_run_row_clear(&row);

    /* a cancelled run is over: resuming it is refused with the store's reason */
    watch_clear(&wt);
    watch_init(&wt, w);
    CHECK(unroll_train_worker_resume(w, id, &opts, NULL), "resume run");
    run_to_end(&wt);
    CHECK(wt.finished && wt.status == UR_RUN_FAILED && wt.message && strstr(wt.message, "cancelled"),
          "resuming a cancelled run: %d %s", wt.status, wt.message ? wt.message : "");
    watch_clear(&wt);
    g_object_unref(w);
}

/* A device that cannot be used (a GPU this machine lacks) fails the start
 * with its reason and records no run, as `unroll train --device cuda`
 * does. (Resuming a run through the worker is tested by the runs view's
 * test, on a run killed mid-way.) */
static void test_device(const char *db)
{
    UnrollTrainWorker *w = unroll_train_worker_new();
    watch wt;
    ur_fit_config fit;
    unroll_train_options opts;
    ur_graph *g = setup(w, &wt, &fit, &opts, db, "cuda");
    CHECK(unroll_train_worker_start(w, g, DATA, &fit, &opts, NULL), "start on cuda");
    ur_graph_free(g);
    run_to_end(&wt);
    if (wt.status == UR_RUN_COMPLETED) {
        fprintf(stderr, "(a GPU is usable here: the device failure is not tried)\n");
        watch_clear(&wt);
        g_object_unref(w);
        return;
    }
    CHECK(wt.status == UR_RUN_FAILED && wt.message && strstr(wt.message, "cuda"), "cuda: %d %s",
          wt.status, wt.message ? wt.message : "");
    fprintf(stderr, "(no GPU: %s)\n", wt.message ? wt.message : "");
    CHECK(wt.run_id == 0, "no run recorded for an unusable device: run %lld",
          (long long)wt.run_id);
    watch_clear(&wt);
    g_object_unref(w);
}

/* A dataset whose x does not fit the model's input; a NaN loss. */
static void test_failures(const char *db)
{
    UnrollTrainWorker *w = unroll_train_worker_new();
    watch wt;
    ur_fit_config fit;
    unroll_train_options opts;
    ur_graph *g = setup(w, &wt, &fit, &opts, db, "cpu");
    /* sine's x is (N, T, 1); the model's input takes (None, None, 2) */
    CHECK(unroll_train_worker_start(w, g, "synthetic:sine?n=64&timesteps=5", &fit, &opts, NULL),
          "start");
    ur_graph_free(g);
    run_to_end(&wt);
    CHECK(wt.finished && wt.status == UR_RUN_FAILED, "status %d", wt.status);
    CHECK(wt.message && *wt.message, "no message");
    CHECK(wt.message && strstr(wt.message, "sequence"), "the message names the input: %s",
          wt.message ? wt.message : "");
    CHECK(unroll_train_worker_get_state(w) == UNROLL_TRAIN_FAILED, "failed state");
    CHECK(wt.batch_steps->len == 0, "steps of a run that never started");
    fprintf(stderr, "(a dataset that does not fit: %s)\n", wt.message ? wt.message : "");

    /* NaN: plain SGD with an absurd rate */
    watch_clear(&wt);
    watch_init(&wt, w);
    g = adding_graph();
    ur_ctx ctx = {0};
    ur_optimizer_defaults("sgd", &fit.optimizer, &ctx);
    fit.optimizer.learning_rate = 1e30;
    CHECK(unroll_train_worker_start(w, g, DATA, &fit, &opts, NULL), "start nan");
    ur_graph_free(g);
    run_to_end(&wt);
    CHECK(wt.finished && wt.status == UR_RUN_FAILED, "nan status %d", wt.status);
    CHECK(wt.message && (strstr(wt.message, "NaN") || strstr(wt.message, "nan") ||
                         strstr(wt.message, "inf")),
          "nan message: %s", wt.message ? wt.message : "");
    ur_run_row row;
    ur_run_event *events;
    int n_events;
    store_run(db, wt.run_id, &row, &events, &n_events, NULL, NULL);
    CHECK(row.status == UR_RUN_FAILED, "store status %s", ur_run_status_name(row.status));
    CHECK(row.error && wt.message && strcmp(row.error, wt.message) == 0, "store error %s",
          row.error ? row.error : "(none)");
    ur_run_events_free(events, n_events);
    ur_run_row_clear(&row);

    /* a model with an error does not start */
    ur_value *doc = ur_value_new_object();
    ur_value *layers = ur_value_new_array();
    ur_value *in = ur_value_new_object();
    ur_value_set(in, "name", ur_value_new_string("x"));
    ur_value_set(in, "class", ur_value_new_string("Input"));
    ur_value *shape = ur_value_new_array();
    ur_value_append(shape, ur_value_new_null());
    ur_value_append(shape, ur_value_new_number(2));
    ur_value_set(in, "shape", shape);
    ur_value_append(layers, in);
    ur_value *bad = ur_value_new_object();
    ur_value_set(bad, "name", ur_value_new_string("lstm"));
    ur_value_set(bad, "class", ur_value_new_string("LSTM"));
    ur_value_set(bad, "units", ur_value_new_number(-3));
    ur_value_append(layers, bad);
    ur_value_set(doc, "layers", layers);
    g = ur_graph_from_value(doc, &ctx);
    ur_value_free(doc);
    GError *error = NULL;
    CHECK(g && !unroll_train_worker_start(w, g, DATA, &fit, &opts, &error), "a broken model started");
    CHECK(error && strstr(error->message, "lstm"), "error: %s", error ? error->message : "(none)");
    g_clear_error(&error);
    if (g)
        ur_graph_free(g);
    watch_clear(&wt);
    g_object_unref(w);
}

/* Dropping the worker while it trains stops the thread. */
static void test_dispose_while_training(const char *db)
{
    UnrollTrainWorker *w = unroll_train_worker_new();
    watch wt;
    ur_fit_config fit;
    unroll_train_options opts;
    ur_graph *g = setup(w, &wt, &fit, &opts, db, "cpu");
    watch_clear(&wt);
    fit.epochs = 50;
    CHECK(unroll_train_worker_start(w, g, DATA, &fit, &opts, NULL), "start");
    ur_graph_free(g);
    g_usleep(100000);
    gint64 t0 = g_get_monotonic_time();
    g_object_unref(w);
    CHECK(g_get_monotonic_time() - t0 < 5000000, "dispose took %.1f s",
          (g_get_monotonic_time() - t0) / 1e6);
}

int main(void)
{
    char *dir = g_dir_make_tmp("unroll-train-worker-XXXXXX", NULL);
    char *db = g_build_filename(dir, "runs.db", NULL);
    test_complete(db);
    test_pause_lr_stop(db);
    test_failures(db);
    test_device(db);
    test_dispose_while_training(db);
    char *rm = g_strdup_printf("rm -rf '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    g_free(rm);
    g_free(db);
    g_free(dir);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("train worker: all checks passed\n");
    return failures ? 1 : 0;
}
