/* test-run-optimizer.c — a run's optimizer settings changed between steps
 * (ur_run_set_optimizer, what the window does while paused): the events it
 * records ("lr" for the learning rate alone, "optimizer" with the changed
 * settings), and a resume that takes the changes up to its checkpoint again
 * (the slots they added included) and goes on exactly as the uninterrupted
 * run, while a change of a stretch a later resume went back over is not
 * taken. */
#include "store-test.h"

#include "json.h"
#include "model-file.h"
#include "run.h"

#include <math.h>
#include <unistd.h>

#define DATA "synthetic:adding?n=256&timesteps=8"

static const char model_json[] =
    "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"adding-gru\", \"layers\": ["
    "{\"name\": \"sequence\", \"class\": \"Input\", \"shape\": [null, 2]},"
    "{\"name\": \"gru\", \"class\": \"GRU\", \"units\": 8},"
    "{\"name\": \"sum\", \"class\": \"Dense\", \"units\": 1}], \"outputs\": [\"sum\"]}";

/* What a training does at which step (1-based, counted over the run's
 * whole life): momentum 0.9 after step 5, the learning rate 0.02 after 6,
 * a stop after stop_at (0: none). */
typedef struct plan {
    ur_run *run;
    int64_t stop_at;
    bool changes;
    ur_ctx *ctx;
} plan;

static void plan_step(void *user, const ur_progress *p)
{
    plan *pl = user;
    if (!pl->changes)
        return;
    ur_optimizer_config o = *ur_trainer_optimizer(p->trainer);
    if (p->global_step == 5) {
        o.momentum = 0.9;
        CHECK(ur_run_set_optimizer(pl->run, &o, pl->ctx) == UR_OK, "%s", pl->ctx->message);
    } else if (p->global_step == 6) {
        o.learning_rate = 0.02;
        CHECK(ur_run_set_optimizer(pl->run, &o, pl->ctx) == UR_OK, "%s", pl->ctx->message);
        /* the same settings again: no event */
        CHECK(ur_run_set_optimizer(pl->run, &o, pl->ctx) == UR_OK, "%s", pl->ctx->message);
    }
}

static bool plan_stop(void *user)
{
    plan *pl = user;
    return pl->stop_at > 0 && ur_run_global_step(pl->run) >= pl->stop_at;
}

static void fit_config(ur_fit_config *fit)
{
    ur_fit_config_defaults(fit);
    ur_loss_parse("mse", &fit->loss, NULL);
    ur_optimizer_defaults("sgd", &fit->optimizer, NULL);
    fit->epochs = 2;
    fit->batch_size = 32;
    fit->seed = 3;
}

static ur_run *new_run(const char *db, ur_ctx *ctx)
{
    ur_graph *g = ur_model_file_parse(model_json, strlen(model_json), "model", ctx);
    CHECK(g != NULL, "%s", ctx->message);
    ur_fit_config fit;
    fit_config(&fit);
    ur_run_settings rs;
    ur_run_settings_defaults(&rs);
    rs.db_path = db;
    rs.checkpoint_every = 0;
    ur_run *r = ur_run_new(g, DATA, &fit, &rs, ctx);
    CHECK(r != NULL, "%s", ctx->message);
    return r;
}

/* Trains r (with the plan's changes) until stop_at or the end. */
static ur_status train(ur_run *r, int64_t stop_at, bool changes, ur_ctx *ctx)
{
    plan pl = {.run = r, .stop_at = stop_at, .changes = changes, .ctx = ctx};
    ur_callbacks cb = {.user = &pl, .on_step = plan_step, .should_stop = plan_stop};
    return ur_run_train(r, &cb, ctx);
}

/* A stopped run as though its process had died after its checkpoint. */
static void interrupt(const char *db, int64_t id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE runs SET status = 'interrupted' WHERE id = %lld",
             (long long)id);
    sqlite3 *h = NULL;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK && sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_changes(h) == 1,
          "could not mark run %lld interrupted", (long long)id);
    sqlite3_close(h);
}

static ur_run *resume(const char *db, int64_t id, ur_ctx *ctx)
{
    ur_run_settings rs;
    ur_run_settings_defaults(&rs);
    rs.db_path = db;
    rs.checkpoint_every = 0;
    ur_run *r = ur_run_resume(id, &rs, ctx);
    CHECK(r != NULL, "resume: %s", ctx->message);
    return r;
}

static double max_diff(ur_run *a, ur_run *b)
{
    size_t na, nb;
    const float *pa = ur_model_params(ur_run_model(a), &na);
    const float *pb = ur_model_params(ur_run_model(b), &nb);
    CHECK(na == nb, "%zu and %zu weights", na, nb);
    double worst = 0;
    for (size_t i = 0; i < na && i < nb; i++)
        worst = fmax(worst, fabs((double)pa[i] - pb[i]));
    return worst;
}

/* The run's events of kind (their details joined with " | "). */
static char *events_of(const char *db, int64_t id, const char *kind, int *count)
{
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(db, &ctx);
    ur_run_event *ev = NULL;
    int n = 0;
    CHECK(s && ur_store_events(s, id, &ev, &n, &ctx) == UR_OK, "events: %s", ctx.message);
    char *out = calloc(1, 4096);
    *count = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(ev[i].kind, kind) == 0) {
            snprintf(out + strlen(out), 4096 - strlen(out), "%s%lld %s", *count ? " | " : "",
                     (long long)ev[i].step, ev[i].detail ? ev[i].detail : "null");
            ++*count;
        }
    ur_run_events_free(ev, n);
    ur_store_close(s);
    return out;
}

int main(void)
{
    char *dir = test_tmpdir();
    char db[4200];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    ur_ctx ctx = {0};

    /* the uninterrupted run with both changes */
    ur_run *whole = new_run(db, &ctx);
    CHECK(train(whole, 0, true, &ctx) == UR_OK, "%s", ctx.message);
    int n = 0;
    char *opt = events_of(db, ur_run_id(whole), "optimizer", &n);
    CHECK(n == 1 && strcmp(opt, "5 {\"from\":{\"momentum\":0},\"to\":{\"momentum\":0.9}}") == 0,
          "optimizer events: %s", opt);
    free(opt);
    char *lr = events_of(db, ur_run_id(whole), "lr", &n);
    CHECK(n == 1 && strcmp(lr, "6 {\"from\":0.01,\"to\":0.02}") == 0, "lr events: %s", lr);
    free(lr);
    CHECK(ur_trainer_optimizer(ur_run_trainer(whole))->momentum == 0.9, "momentum not kept");

    /* stopped after step 9 (its checkpoint), then resumed: the changes come
     * back before the state (whose momentum slots need them) */
    ur_run *part = new_run(db, &ctx);
    int64_t id = ur_run_id(part);
    CHECK(train(part, 9, true, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
    ur_run_free(part);
    interrupt(db, id);
    ur_run *rest = resume(db, id, &ctx);
    if (rest) {
        const ur_optimizer_config *o = ur_trainer_optimizer(ur_run_trainer(rest));
        CHECK(o->momentum == 0.9 && o->learning_rate == 0.02,
              "resumed with momentum %g and learning rate %g", o->momentum, o->learning_rate);
        CHECK(ur_run_global_step(rest) == 9, "resumed at step %lld",
              (long long)ur_run_global_step(rest));
        CHECK(train(rest, 0, false, &ctx) == UR_OK, "%s", ctx.message);
        double d = max_diff(whole, rest);
        CHECK(d == 0, "the resumed run's weights differ from the uninterrupted run's by %g", d);
        ur_run_free(rest);
    }

    /* a stretch gone over again: stopped at 4 (before the changes), a
     * change recorded at step 5 by a life that died before its next
     * checkpoint, resumed from 4 without it to step 12, then resumed from
     * 12: the change at 5 is not taken */
    ur_run *early = new_run(db, &ctx);
    id = ur_run_id(early);
    CHECK(train(early, 4, false, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
    ur_run_free(early);
    ur_store *s = ur_store_open(db, &ctx);
    CHECK(s && ur_store_event(s, id, "optimizer", 5,
                              "{\"from\": {\"momentum\": 0}, \"to\": {\"momentum\": 0.5}}",
                              &ctx) == UR_OK && ur_store_flush(s, &ctx) == UR_OK,
          "%s", ctx.message);
    ur_store_close(s);
    interrupt(db, id);
    ur_run *again = resume(db, id, &ctx);
    if (again) {
        CHECK(ur_trainer_optimizer(ur_run_trainer(again))->momentum == 0,
              "a change after the checkpoint was taken");
        CHECK(train(again, 12, false, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
        ur_run_free(again);
    }
    interrupt(db, id);
    ur_run *last = resume(db, id, &ctx);
    if (last) {
        CHECK(ur_run_global_step(last) == 12, "resumed at step %lld",
              (long long)ur_run_global_step(last));
        CHECK(ur_trainer_optimizer(ur_run_trainer(last))->momentum == 0,
              "the change of a stretch trained again was taken");
        ur_run_free(last);
    }

    /* a recorded change that does not parse fails the resume, saying which */
    interrupt(db, id);
    s = ur_store_open(db, &ctx);
    CHECK(s && ur_store_event(s, id, "optimizer", 1, "{\"to\": {\"momentum\": \"fast\"}}", &ctx) ==
                   UR_OK && ur_store_flush(s, &ctx) == UR_OK,
          "%s", ctx.message);
    ur_store_close(s);
    ur_ctx_clear(&ctx);
    ur_run_settings rs;
    ur_run_settings_defaults(&rs);
    rs.db_path = db;
    ur_run *bad = ur_run_resume(id, &rs, &ctx);
    CHECK(!bad && strstr(ctx.message, "optimizer event at step 1") &&
              strstr(ctx.message, "momentum"),
          "a bad recorded change: %s", ctx.message);
    ur_run_free(bad);

    ur_run_free(whole);
    remove_tree(dir);
    free(dir);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
