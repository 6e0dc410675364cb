/* test-fit.c — the training loop end to end: an LSTM learns the adding
 * problem to a loss threshold; the same seed gives the same run; callbacks
 * see every step and epoch with Keras's metric names; cancellation stops
 * between batches; a diverging run stops on a non-finite loss with the last
 * good weights; the optimizer's settings change between steps. */
#include "datasets.h"
#include "check.h"
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct seen {
    int steps, epochs;
    double last_loss, last_val_loss;
    bool has_val_mae;
    int stop_after;
} seen;

static void on_step(void *user, const ur_progress *p)
{
    seen *s = user;
    s->steps++;
}

static void on_epoch(void *user, const ur_progress *p)
{
    seen *s = user;
    s->epochs++;
    for (int i = 0; i < p->n_metrics; i++) {
        if (strcmp(p->metric_names[i], "loss") == 0)
            s->last_loss = p->metric_values[i];
        if (strcmp(p->metric_names[i], "val_loss") == 0)
            s->last_val_loss = p->metric_values[i];
        if (strcmp(p->metric_names[i], "val_mae") == 0)
            s->has_val_mae = true;
    }
}

static bool should_stop(void *user)
{
    seen *s = user;
    return s->stop_after >= 0 && s->steps >= s->stop_after;
}

static const char *adding_model =
    "{'layers': [{'class': 'Input', 'shape': [null, 2]},"
    "{'name': 'lstm', 'class': 'LSTM', 'units': 16},"
    "{'name': 'out', 'class': 'Dense', 'units': 1}]}";

static int run(ur_dataset *ds, uint64_t seed, int epochs, seen *s, float *final_w, ur_ctx *ctx)
{
    ur_model *m = gc_model_from_json(gc_json("%s", adding_model), seed);
    if (!m)
        return 1;
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    ur_loss_parse("mse", &cfg.loss, ctx);
    ur_optimizer_defaults("adam", &cfg.optimizer, ctx);
    cfg.optimizer.learning_rate = 0.01;
    cfg.epochs = epochs;
    cfg.batch_size = 32;
    cfg.seed = seed;
    cfg.metric_mae = true;
    ur_callbacks cb = {.user = s, .on_step = on_step, .on_epoch = on_epoch,
                       .should_stop = should_stop};
    ur_status st = ur_model_fit(m, &cfg, &ds->train, &ds->val, &cb, ctx);
    if (final_w) {
        ur_weight_info wi;
        ur_model_weight(m, 0, &wi);
        memcpy(final_w, wi.data, 8 * sizeof(float));
    }
    ur_model_free(m);
    return st;
}

/* SGD on the adding problem for 30 steps; after step `at` (-1: never) the
 * settings become momentum 0.9 and learning rate 0.05, set in on_step or,
 * with between, by stopping there and running again. The final loss. */
typedef struct change {
    int steps, at;
    bool between;
    ur_ctx *ctx;
} change;

static void set_momentum(ur_trainer *t, ur_ctx *ctx)
{
    ur_optimizer_config o = *ur_trainer_optimizer(t);
    o.momentum = 0.9;
    o.learning_rate = 0.05;
    CHECK(ur_trainer_set_optimizer(t, &o, ctx) == UR_OK, "%s", ctx->message);
}

static void change_on_step(void *user, const ur_progress *p)
{
    change *c = user;
    if (++c->steps == c->at && !c->between)
        set_momentum(p->trainer, c->ctx);
}

static bool change_stop(void *user)
{
    change *c = user;
    return c->steps >= 30 || (c->between && c->steps == c->at);
}

/* The adding model's trainer with mse and plain SGD; *m is its model. */
static ur_trainer *sgd_trainer(ur_dataset *ds, ur_model **m, ur_fit_config *fc, ur_ctx *ctx)
{
    *m = gc_model_from_json(gc_json("%s", adding_model), 4);
    ur_fit_config_defaults(fc);
    ur_loss_parse("mse", &fc->loss, ctx);
    ur_optimizer_defaults("sgd", &fc->optimizer, ctx);
    return ur_trainer_new(*m, fc, &ds->train, NULL, ctx);
}

static double train_changed(ur_dataset *ds, int at, bool between)
{
    ur_ctx ctx = {0};
    ur_model *m;
    ur_fit_config fc;
    ur_trainer *tr = sgd_trainer(ds, &m, &fc, &ctx);
    change c = {.at = at, .between = between, .ctx = &ctx};
    ur_callbacks cb = {.user = &c, .on_step = change_on_step, .should_stop = change_stop};
    CHECK(ur_trainer_run(tr, &cb, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
    if (between) {
        CHECK(c.steps == at, "stopped after %d steps, not %d", c.steps, at);
        set_momentum(tr, &ctx);
        c.at = -1;
        CHECK(ur_trainer_run(tr, &cb, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
    }
    CHECK(c.steps == 30, "%d steps, not 30", c.steps);
    const char *names[4];
    double values[4];
    int n = 0;
    CHECK(ur_model_evaluate(m, &fc, &ds->train, &n, names, values, &ctx) == UR_OK, "%s",
          ctx.message);
    ur_trainer_free(tr);
    ur_model_free(m);
    return values[0];
}

int main(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_synthetic("synthetic:adding?n=2000&timesteps=20", 3, &ctx);
    if (!ds) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    /* learns: the variance of the target is about 1/6; a mean predictor has
     * MSE ~0.17. The trained LSTM must do far better. */
    seen a = {.stop_after = -1}, b = {.stop_after = -1};
    float wa[8], wb[8];
    CHECK(run(ds, 7, 12, &a, wa, &ctx) == UR_OK, "fit failed: %s", ctx.message);
    printf("adding: loss %.5f val_loss %.5f after %d epochs\n", a.last_loss, a.last_val_loss,
           a.epochs);
    CHECK(a.last_val_loss < 0.01, "val_loss %.4f not below 0.01", a.last_val_loss);
    int64_t steps_per_epoch = (ur_data_count(&ds->train) + 31) / 32;
    CHECK(a.steps == 12 * steps_per_epoch, "%d steps seen, expected %lld", a.steps,
          (long long)(12 * steps_per_epoch));
    CHECK(a.epochs == 12 && a.has_val_mae, "epochs %d, val_mae %d", a.epochs, a.has_val_mae);

    /* same seed, same run */
    CHECK(run(ds, 7, 2, &b, wb, &ctx) == UR_OK, "%s", ctx.message);
    seen c = {.stop_after = -1};
    float wc[8];
    CHECK(run(ds, 7, 2, &c, wc, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(memcmp(wb, wc, sizeof wb) == 0 && b.last_loss == c.last_loss,
          "the same seed gave different runs");
    seen d = {.stop_after = -1};
    float wd[8];
    run(ds, 8, 2, &d, wd, &ctx);
    CHECK(memcmp(wb, wd, sizeof wb) != 0, "another seed gave the same run");

    /* cancellation between batches */
    seen e = {.stop_after = 5};
    ur_ctx_clear(&ctx);
    CHECK(run(ds, 7, 3, &e, NULL, &ctx) == UR_ERR_CANCELLED && e.steps == 5,
          "cancel: status %d after %d steps", ctx.status, e.steps);
    CHECK(strstr(ctx.message, "epoch 1, step 5") != NULL, "cancel message: %s", ctx.message);

    /* a diverging run: stops with the epoch and step, weights stay finite */
    ur_model *m = gc_model_from_json(gc_json("%s", adding_model), 1);
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    ur_loss_parse("mse", &cfg.loss, &ctx);
    ur_optimizer_defaults("sgd", &cfg.optimizer, &ctx);
    cfg.optimizer.learning_rate = 1e6;
    cfg.epochs = 5;
    ur_ctx_clear(&ctx);
    ur_status st = ur_model_fit(m, &cfg, &ds->train, NULL, NULL, &ctx);
    CHECK(st == UR_ERR_NUMERIC && strstr(ctx.message, "epoch") && strstr(ctx.message, "step"),
          "divergence: %d %s", st, ctx.message);
    bool finite = true;
    for (int i = 0; i < ur_model_n_weights(m); i++) {
        ur_weight_info wi;
        ur_model_weight(m, i, &wi);
        for (int64_t k = 0; k < wi.numel; k++)
            finite &= isfinite(wi.data[k]);
    }
    CHECK(finite, "the kept weights are not finite");
    /* validation split: the last fraction, no data of its own */
    ur_fit_config_defaults(&cfg);
    ur_loss_parse("mse", &cfg.loss, &ctx);
    cfg.validation_split = 0.25;
    seen f = {.stop_after = -1};
    ur_callbacks cb = {.user = &f, .on_step = on_step, .on_epoch = on_epoch};
    ur_rng r;
    ur_rng_seed(&r, 1);
    ur_model_init_weights(m, &r);
    CHECK(ur_model_fit(m, &cfg, &ds->train, NULL, &cb, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(f.steps == (int)((1500 + 31) / 32) && f.last_val_loss > 0,
          "validation_split: %d steps (want %d), val_loss %g", f.steps, (1500 + 31) / 32,
          f.last_val_loss);
    ur_model_free(m);

    /* stop mid-epoch, save weights and position, resume in a fresh model and
     * trainer: the rest of the run equals the uninterrupted one */
    {
        ur_fit_config rc;
        ur_fit_config_defaults(&rc);
        ur_loss_parse("mse", &rc.loss, &ctx);
        ur_optimizer_defaults("adam", &rc.optimizer, &ctx);
        rc.epochs = 3;
        rc.seed = 5;
        rc.metric_mae = true;
        const char *sm = gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                                 "{'name': 'lstm', 'class': 'LSTM', 'units': 8, 'dropout': 0.2,"
                                 " 'recurrent_dropout': 0.1}, {'class': 'BatchNormalization'},"
                                 "{'name': 'out', 'class': 'Dense', 'units': 1}]}");
        ur_model *full = gc_model_from_json(sm, 9);
        seen fs = {.stop_after = -1};
        ur_callbacks fcb = {.user = &fs, .on_step = on_step, .on_epoch = on_epoch};
        CHECK(ur_model_fit(full, &rc, &ds->train, &ds->val, &fcb, &ctx) == UR_OK, "%s",
              ctx.message);

        ur_model *part = gc_model_from_json(sm, 9);
        ur_trainer *tr = ur_trainer_new(part, &rc, &ds->train, &ds->val, &ctx);
        seen ps = {.stop_after = 70}; /* inside the second epoch */
        ur_callbacks pcb = {.user = &ps, .on_step = on_step, .on_epoch = on_epoch,
                            .should_stop = should_stop};
        CHECK(ur_trainer_run(tr, &pcb, &ctx) == UR_ERR_CANCELLED, "no stop: %s", ctx.message);
        size_t n = ur_trainer_state_size(tr);
        void *state = malloc(n);
        ur_trainer_save_state(tr, state);
        size_t np;
        float *pw = ur_model_params(part, &np);
        float *saved = malloc(np * sizeof(float));
        memcpy(saved, pw, np * sizeof(float));
        ur_trainer_free(tr);
        ur_model_free(part);

        ur_model *resumed = gc_model_from_json(sm, 123); /* other initial weights */
        float *rw = ur_model_params(resumed, &np);
        memcpy(rw, saved, np * sizeof(float));
        tr = ur_trainer_new(resumed, &rc, &ds->train, &ds->val, &ctx);
        CHECK(ur_trainer_load_state(tr, state, n, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(ur_trainer_epoch(tr) == 1 && ur_trainer_step(tr) == 70 - 63, "position %d/%lld",
              ur_trainer_epoch(tr), (long long)ur_trainer_step(tr));
        seen rs = {.stop_after = -1};
        ur_callbacks rcb = {.user = &rs, .on_step = on_step, .on_epoch = on_epoch};
        CHECK(ur_trainer_run(tr, &rcb, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(ps.steps + rs.steps == fs.steps, "steps %d + %d != %d", ps.steps, rs.steps,
              fs.steps);
        float *fw = ur_model_params(full, &np);
        double worst = 0;
        for (size_t i = 0; i < np; i++)
            worst = fmax(worst, fabs((double)fw[i] - rw[i]));
        CHECK(worst <= 1e-6, "resumed weights differ from the uninterrupted run by %g", worst);
        CHECK(fabs(rs.last_loss - fs.last_loss) <= 1e-6 &&
                  fabs(rs.last_val_loss - fs.last_val_loss) <= 1e-6,
              "resumed metrics differ: loss %.9f vs %.9f, val_loss %.9f vs %.9f", rs.last_loss,
              fs.last_loss, rs.last_val_loss, fs.last_val_loss);
        printf("resume: weights within %g, final loss %.6f = %.6f\n", worst, rs.last_loss,
               fs.last_loss);
        /* a state that does not fit is refused */
        ((char *)state)[0] ^= 1;
        CHECK(ur_trainer_load_state(tr, state, n, &ctx) == UR_ERR_FORMAT, "corrupt state loaded");
        CHECK(ur_trainer_load_state(tr, state, 10, &ctx) == UR_ERR_FORMAT, "short state loaded");
        ur_trainer_free(tr);
        free(state);
        free(saved);
        ur_model_free(full);
        ur_model_free(resumed);
    }
    /* the optimizer's settings changed between steps: from a callback the
     * same as between two runs; other settings give other weights; a new
     * kind or a value out of range is refused and changes nothing */
    {
        double in_step = train_changed(ds, 10, false), between = train_changed(ds, 10, true);
        double none = train_changed(ds, -1, false);
        CHECK(in_step == between, "a change in on_step (%.9g) and between runs (%.9g) differ",
              in_step, between);
        CHECK(in_step != none, "the change made no difference (%.9g)", in_step);
        ur_model *sm;
        ur_fit_config fc;
        ur_trainer *tr = sgd_trainer(ds, &sm, &fc, &ctx);
        ur_optimizer_config o;
        ur_optimizer_defaults("adam", &o, &ctx);
        CHECK(ur_trainer_set_optimizer(tr, &o, &ctx) == UR_ERR_INVALID &&
                  strstr(ctx.message, "from sgd to adam"),
              "a new kind: %s", ctx.message);
        o = *ur_trainer_optimizer(tr);
        o.momentum = 2;
        CHECK(ur_trainer_set_optimizer(tr, &o, &ctx) == UR_ERR_INVALID &&
                  strstr(ctx.message, "momentum"),
              "momentum 2: %s", ctx.message);
        CHECK(ur_trainer_optimizer(tr)->momentum == 0 && ur_trainer_optimizer(tr)->kind == UR_OPT_SGD,
              "a refused change changed the optimizer");
        size_t before = ur_trainer_state_size(tr);
        o.momentum = 0.5;
        CHECK(ur_trainer_set_optimizer(tr, &o, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(ur_trainer_state_size(tr) > before, "momentum's slots are not in the state");
        ur_trainer_free(tr);
        ur_model_free(sm);
    }
    ur_dataset_free(ds);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("fit: all checks passed\n");
    return 0;
}
