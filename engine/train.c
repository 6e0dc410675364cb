/* train.c — Keras's fit and evaluate loops: batches (shuffled each epoch by
 * the run's generator), forward, losses and their gradients per output,
 * backward, the optimizer step, running metrics, validation, callbacks,
 * cancellation between batches, and a stop with the last good weights when
 * the loss is not finite. */
#include "ur-internal.h"

#include <stdio.h>
#include <time.h>

#define MAX_IO 16
#define MAX_METRICS 32

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ur_fit_config_defaults(ur_fit_config *c)
{
    memset(c, 0, sizeof *c);
    c->loss.kind = UR_LOSS_MSE;
    ur_optimizer_defaults("rmsprop", &c->optimizer, NULL);
    c->epochs = 1;
    c->batch_size = 32;
    c->shuffle = true;
}

static bool all_finite(const float *x, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++)
        acc += x[i] * 0.0f; /* NaN for any NaN or infinity */
    return acc == 0.0f;
}

/* A view of rows [from, from + n) of a sample-major array. */
static ur_tensor rows_view(const ur_tensor *full, int64_t from, int64_t n)
{
    ur_tensor t = *full;
    int64_t row = full->dim[0] ? ur_tensor_numel(full) / full->dim[0] : 0;
    t.dim[0] = n;
    t.data = (char *)full->data + (size_t)(from * row) * 4;
    return t;
}

/* Gathers rows idx[0..n) of src into dst (allocated for the largest batch),
 * converting to dtype (Keras casts inputs to the Input's dtype). */
static void gather(const ur_tensor *src, const int64_t *idx, int64_t n, ur_dtype dtype,
                   ur_tensor *dst)
{
    int64_t row = src->dim[0] ? ur_tensor_numel(src) / src->dim[0] : 0;
    *dst = (ur_tensor){.dtype = dtype, .rank = src->rank, .data = dst->data};
    for (int d = 0; d < src->rank; d++)
        dst->dim[d] = src->dim[d];
    dst->dim[0] = n;
    for (int64_t i = 0; i < n; i++) {
        const char *s = (const char *)src->data + (size_t)(idx[i] * row) * 4;
        char *o = (char *)dst->data + (size_t)(i * row) * 4;
        if (src->dtype == dtype) {
            memcpy(o, s, (size_t)row * 4);
        } else if (dtype == UR_F32) {
            for (int64_t j = 0; j < row; j++)
                ((float *)o)[j] = (float)((const int32_t *)s)[j];
        } else {
            for (int64_t j = 0; j < row; j++)
                ((int32_t *)o)[j] = (int32_t)((const float *)s)[j];
        }
    }
}

static ur_dtype input_dtype(const ur_graph *g, int i)
{
    ur_value *v = ur_layer_get_option(ur_graph_input(g, i), "dtype");
    ur_dtype d = (v && v->type == UR_VALUE_STRING && strcmp(v->u.str, "int32") == 0) ? UR_I32
                                                                                    : UR_F32;
    ur_value_free(v);
    return d;
}

/* Running sums of the loss and metrics over one pass. */
typedef struct tally {
    int n_metrics;
    const char *names[MAX_METRICS];
    ur_metric_kind kind[MAX_METRICS];
    int output[MAX_METRICS];
    double sum[MAX_METRICS], count[MAX_METRICS];
    double loss_sum, loss_count;
    char name_buf[MAX_METRICS][96];
} tally;

static void tally_setup(tally *t, const ur_model *m, const ur_fit_config *cfg,
                        const ur_data *d, int64_t ytrail_check)
{
    memset(t, 0, sizeof *t);
    const ur_graph *g = ur_model_graph(m);
    int n_out = ur_graph_n_outputs(g);
    for (int o = 0; o < n_out; o++) {
        ur_layer *ol;
        int ok;
        ur_graph_output(g, o, &ol, &ok);
        const ur_shape *ps = ur_layer_output_shape(ol, ok);
        ur_shape ts = {.rank = d->y[o]->t.rank};
        for (int k = 0; k < ts.rank; k++)
            ts.dim[k] = d->y[o]->t.dim[k];
        for (int which = 0; which < 2; which++) {
            bool on = which == 0 ? cfg->metric_accuracy : cfg->metric_mae;
            if (!on || t->n_metrics >= MAX_METRICS)
                continue;
            ur_metric_kind k = which == 0 ? ur_accuracy_kind(&cfg->loss, ps, &ts) : UR_METRIC_MAE;
            int i = t->n_metrics++;
            t->kind[i] = k;
            t->output[i] = o;
            if (n_out == 1)
                snprintf(t->name_buf[i], sizeof t->name_buf[i], "%s", ur_metric_name(k));
            else
                snprintf(t->name_buf[i], sizeof t->name_buf[i], "%s_%s", ur_layer_name(ol),
                         ur_metric_name(k));
            t->names[i] = t->name_buf[i];
        }
    }
    (void)ytrail_check;
}

/* Everything one pass (training or evaluation) needs. */
typedef struct runner {
    ur_model *m;
    const ur_fit_config *cfg;
    int n_x, n_y;
    ur_dtype xdtype[MAX_IO];
    ur_tensor xb[MAX_IO];   /* batch buffers */
    ur_tensor yb[MAX_IO];
    float *dpred[MAX_IO];
    int64_t cap;            /* rows the buffers hold */
    int64_t *idx;
} runner;

static void runner_free(runner *r)
{
    for (int i = 0; i < MAX_IO; i++) {
        ur_free_aligned(r->xb[i].data);
        ur_free_aligned(r->yb[i].data);
        ur_free_aligned(r->dpred[i]);
    }
    free(r->idx);
}

static ur_status runner_init(runner *r, ur_model *m, const ur_fit_config *cfg, const ur_data *d,
                             ur_ctx *ctx)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->cfg = cfg;
    const ur_graph *g = ur_model_graph(m);
    r->n_x = d->n_x;
    r->n_y = d->n_y;
    r->cap = cfg->batch_size;
    int64_t N = ur_data_count(d);
    r->idx = ur_xcalloc((size_t)(N > 0 ? N : 1), sizeof(int64_t));
    for (int i = 0; i < d->n_x; i++) {
        r->xdtype[i] = input_dtype(g, i);
        int64_t row = ur_tensor_numel(&d->x[i]->t) / (N ? N : 1);
        r->xb[i].data = ur_alloc_aligned((size_t)(r->cap * row) * 4);
        if (!r->xb[i].data)
            return ur_error(ctx, UR_ERR_NOMEM, "out of memory for a batch of inputs");
    }
    for (int o = 0; o < d->n_y; o++) {
        int64_t row = ur_tensor_numel(&d->y[o]->t) / (N ? N : 1);
        r->yb[o].data = ur_alloc_aligned((size_t)(r->cap * row) * 4);
        if (!r->yb[o].data)
            return ur_error(ctx, UR_ERR_NOMEM, "out of memory for a batch of targets");
    }
    return UR_OK;
}

/* Forward (and, when training, backward) on rows idx[0..n) of d.
 * Adds to the tally; returns the batch's total loss in *loss. */
static ur_status run_batch(runner *r, const ur_data *d, const int64_t *idx, int64_t n,
                           bool training, ur_rng *rng, tally *t, double *loss, ur_ctx *ctx)
{
    ur_model *m = r->m;
    for (int i = 0; i < r->n_x; i++)
        gather(&d->x[i]->t, idx, n, r->xdtype[i], &r->xb[i]);
    for (int o = 0; o < r->n_y; o++)
        gather(&d->y[o]->t, idx, n, d->y[o]->t.dtype, &r->yb[o]);
    ur_status st = ur_model_forward(m, r->xb, training, rng, ctx);
    if (st)
        return st;
    double total = 0;
    ur_tensor douts[MAX_IO];
    const ur_graph *g = ur_model_graph(m);
    for (int o = 0; o < r->n_y; o++) {
        const ur_tensor *pred = ur_model_output(m, o);
        const uint8_t *mask = ur_model_output_mask(m, o);
        ur_shape ps = {.rank = pred->rank}, ts = {.rank = r->yb[o].rank};
        for (int k = 0; k < ps.rank; k++)
            ps.dim[k] = pred->dim[k];
        for (int k = 0; k < ts.rank; k++)
            ts.dim[k] = r->yb[o].dim[k];
        st = ur_loss_check(&r->cfg->loss, &ps, &ts, ctx);
        if (st) {
            ur_layer *ol;
            int ok;
            ur_graph_output(g, o, &ol, &ok);
            ur_error_prefix(ctx, "targets for output '%s'", ur_layer_name(ol));
            return st;
        }
        float *dp = NULL;
        if (training) {
            int64_t np = ur_tensor_numel(pred);
            if (!r->dpred[o]) { /* output rows have a fixed size: size for a full batch */
                r->dpred[o] = ur_alloc_aligned((size_t)(r->cap * (np / n)) * 4);
                if (!r->dpred[o])
                    return ur_error(ctx, UR_ERR_NOMEM, "out of memory for output gradients");
            }
            dp = r->dpred[o];
        }
        total += ur_loss_compute(&r->cfg->loss, pred, &r->yb[o], mask, dp);
        douts[o] = *pred;
        douts[o].data = dp;
        for (int i = 0; i < t->n_metrics; i++)
            if (t->output[i] == o)
                ur_metric_accumulate(t->kind[i], &r->cfg->loss, pred, &r->yb[o], mask, &t->sum[i],
                                     &t->count[i]);
    }
    *loss = total;
    if (!isfinite(total))
        return UR_ERR_NUMERIC; /* the caller words the message */
    t->loss_sum += total * (double)n;
    t->loss_count += (double)n;
    if (training) {
        st = ur_model_backward(m, douts, ctx);
        if (st)
            return st;
    }
    return UR_OK;
}

static ur_status check_data(const ur_model *m, const ur_data *d, const char *what, ur_ctx *ctx)
{
    const ur_graph *g = ur_model_graph(m);
    if (d->n_x != ur_graph_n_inputs(g))
        return ur_error(ctx, UR_ERR_INVALID, "the model has %d input%s, the %s data has %d array%s",
                        ur_graph_n_inputs(g), ur_graph_n_inputs(g) == 1 ? "" : "s", what, d->n_x,
                        d->n_x == 1 ? "" : "s");
    if (d->n_y != ur_graph_n_outputs(g))
        return ur_error(ctx, UR_ERR_INVALID,
                        "the model has %d output%s, the %s data has %d target array%s",
                        ur_graph_n_outputs(g), ur_graph_n_outputs(g) == 1 ? "" : "s", what,
                        d->n_y, d->n_y == 1 ? "" : "s");
    if (d->n_x > MAX_IO || d->n_y > MAX_IO)
        return ur_error(ctx, UR_ERR_UNSUPPORTED, "at most %d inputs and outputs", MAX_IO);
    int64_t N = ur_data_count(d);
    for (int i = 0; i < d->n_x; i++)
        if (d->x[i]->t.dim[0] != N || d->x[i]->t.rank < 1)
            return ur_error(ctx, UR_ERR_SHAPE, "%s input arrays have different sample counts", what);
    for (int o = 0; o < d->n_y; o++)
        if (d->y[o]->t.rank < 1 || d->y[o]->t.dim[0] != N)
            return ur_error(ctx, UR_ERR_SHAPE,
                            "the %s targets have %lld samples, the inputs %lld", what,
                            (long long)(d->y[o]->t.rank ? d->y[o]->t.dim[0] : 0), (long long)N);
    return UR_OK;
}

/* Target values once, before anything runs: finite, class ids in range. */
static ur_status check_targets(const ur_model *m, const ur_fit_config *cfg, const ur_data *d,
                               const char *what, ur_ctx *ctx)
{
    const ur_graph *g = ur_model_graph(m);
    for (int o = 0; o < d->n_y; o++) {
        ur_layer *ol;
        int k;
        ur_graph_output(g, o, &ol, &k);
        const ur_shape *ps = ur_layer_output_shape(ol, k);
        ur_status st = ur_loss_check_targets(&cfg->loss, ps->dim[ps->rank - 1], &d->y[o]->t, ctx);
        if (st) {
            ur_error_prefix(ctx, "%s targets for output '%s'", what, ur_layer_name(ol));
            return st;
        }
    }
    return UR_OK;
}

/* A sub-range of d as views (validation_split takes the last rows). */
static void data_slice(const ur_data *d, int64_t from, int64_t n, ur_data *out, ur_array *xa,
                       ur_array *ya, ur_array **xp, ur_array **yp)
{
    out->n_x = d->n_x;
    out->n_y = d->n_y;
    for (int i = 0; i < d->n_x; i++) {
        xa[i] = *d->x[i];
        xa[i].t = rows_view(&d->x[i]->t, from, n);
        xp[i] = &xa[i];
    }
    for (int o = 0; o < d->n_y; o++) {
        ya[o] = *d->y[o];
        ya[o].t = rows_view(&d->y[o]->t, from, n);
        yp[o] = &ya[o];
    }
    out->x = xp;
    out->y = yp;
}

static ur_status evaluate(runner *r, const ur_data *d, tally *t, ur_ctx *ctx)
{
    int64_t N = ur_data_count(d);
    ur_rng rng;
    ur_rng_seed(&rng, 0);
    for (int64_t i = 0; i < N; i++)
        r->idx[i] = i;
    for (int64_t from = 0; from < N; from += r->cap) {
        int64_t n = UR_MIN(r->cap, N - from);
        double loss;
        ur_status st = run_batch(r, d, r->idx + from, n, false, &rng, t, &loss, ctx);
        if (st == UR_ERR_NUMERIC)
            return ur_error(ctx, UR_ERR_NUMERIC, "the validation loss is %s", isnan(loss) ? "NaN"
                                                                                           : "infinite");
        if (st)
            return st;
    }
    return UR_OK;
}

ur_status ur_model_evaluate(ur_model *m, const ur_fit_config *cfg, const ur_data *d,
                            int *n_metrics, const char **names, double *values, ur_ctx *ctx)
{
    ur_status st = check_data(m, d, "evaluation", ctx);
    if (!st)
        st = check_targets(m, cfg, d, "evaluation", ctx);
    if (st)
        return st;
    if (ur_data_count(d) <= 0)
        return ur_error(ctx, UR_ERR_INVALID, "there are no samples to evaluate");
    runner r;
    st = runner_init(&r, m, cfg, d, ctx);
    tally t;
    tally_setup(&t, m, cfg, d, 0);
    if (!st)
        st = evaluate(&r, d, &t, ctx);
    if (!st) {
        static const char loss_name[] = "loss";
        names[0] = loss_name;
        values[0] = t.loss_sum / t.loss_count;
        for (int i = 0; i < t.n_metrics && i + 1 < 4; i++) {
            names[1 + i] = ur_metric_name(t.kind[i]);
            values[1 + i] = t.count[i] > 0 ? t.sum[i] / t.count[i] : 0;
        }
        *n_metrics = 1 + UR_MIN(t.n_metrics, 3);
    }
    runner_free(&r);
    return st;
}

ur_status ur_model_fit(ur_model *m, const ur_fit_config *cfg, const ur_data *train_in,
                       const ur_data *val_in, const ur_callbacks *cb, ur_ctx *ctx)
{
    ur_status st = check_data(m, train_in, "training", ctx);
    if (!st)
        st = check_targets(m, cfg, train_in, "training", ctx);
    if (st)
        return st;
    if (cfg->batch_size <= 0)
        return ur_error(ctx, UR_ERR_INVALID, "the batch size must be positive, got %lld",
                        (long long)cfg->batch_size);
    if (cfg->epochs < 0)
        return ur_error(ctx, UR_ERR_INVALID, "the number of epochs must not be negative");
    if (cfg->validation_split < 0 || cfg->validation_split >= 1)
        return ur_error(ctx, UR_ERR_INVALID, "validation_split must be in [0, 1), got %g",
                        cfg->validation_split);

    /* the training and validation sets (views) */
    ur_array txa[MAX_IO], tya[MAX_IO], vxa[MAX_IO], vya[MAX_IO];
    ur_array *txp[MAX_IO], *typ[MAX_IO], *vxp[MAX_IO], *vyp[MAX_IO];
    ur_data train = *train_in, val = {0};
    bool has_val = false;
    int64_t N = ur_data_count(train_in);
    if (val_in && val_in->n_x > 0) {
        st = check_data(m, val_in, "validation", ctx);
        if (!st)
            st = check_targets(m, cfg, val_in, "validation", ctx);
        if (st)
            return st;
        val = *val_in;
        has_val = ur_data_count(val_in) > 0;
    } else if (cfg->validation_split > 0) {
        int64_t split_at = (int64_t)floor((double)N * (1.0 - cfg->validation_split));
        data_slice(train_in, 0, split_at, &train, txa, tya, txp, typ);
        data_slice(train_in, split_at, N - split_at, &val, vxa, vya, vxp, vyp);
        has_val = N - split_at > 0;
        N = split_at;
    }
    if (N <= 0)
        return ur_error(ctx, UR_ERR_INVALID, "there are no training samples");

    ur_rng rng;
    ur_rng_seed(&rng, cfg->seed);
    ur_model_set_input_grads(m, false);
    runner r;
    st = runner_init(&r, m, cfg, &train, ctx);
    runner rv = {0};
    if (!st && has_val)
        st = runner_init(&rv, m, cfg, &val, ctx);
    size_t n_train_params, n_params;
    float *grads = ur_model_grads(m, &n_train_params);
    float *params = ur_model_params(m, &n_params);
    const size_t *seg_off, *seg_len;
    int n_seg = ur_model_trainable_segments(m, &seg_off, &seg_len);
    ur_optimizer *opt = ur_optimizer_new(&cfg->optimizer, n_train_params, n_seg, seg_off, seg_len);
    float *good = ur_alloc_aligned((n_params + 16) * sizeof(float));
    if (!st && (!opt || !good))
        st = ur_error(ctx, UR_ERR_NOMEM, "out of memory for the optimizer state");
    if (good)
        memcpy(good, params, n_params * sizeof(float));

    int64_t steps = (N + cfg->batch_size - 1) / cfg->batch_size;
    int64_t global = 0;
    tally t, tv;
    const char *names[2 * MAX_METRICS + 2];
    double values[2 * MAX_METRICS + 2];
    char vnames[MAX_METRICS + 1][104];
    for (int epoch = 0; epoch < cfg->epochs && !st; epoch++) {
        double t0 = now_s();
        ur_model_reset_states(m);
        for (int64_t i = 0; i < N; i++)
            r.idx[i] = i;
        if (cfg->shuffle)
            ur_rng_shuffle(&rng, r.idx, N);
        tally_setup(&t, m, cfg, &train, 0);
        for (int64_t s = 0; s < steps && !st; s++) {
            if (cb && cb->should_stop && cb->should_stop(cb->user)) {
                st = ur_error(ctx, UR_ERR_CANCELLED, "training stopped at epoch %d, step %lld",
                              epoch + 1, (long long)s);
                break;
            }
            int64_t from = s * cfg->batch_size, n = UR_MIN(cfg->batch_size, N - from);
            double loss;
            st = run_batch(&r, &train, r.idx + from, n, true, &rng, &t, &loss, ctx);
            if (st == UR_ERR_NUMERIC) {
                st = ur_error(ctx, UR_ERR_NUMERIC,
                              "the loss became %s at epoch %d, step %lld; training stopped with "
                              "the last good weights",
                              isnan(loss) ? "NaN" : "infinite", epoch + 1, (long long)s + 1);
                break;
            }
            if (st)
                break;
            /* these weights gave a finite loss: the ones to keep if the next do not */
            memcpy(good, params, n_params * sizeof(float));
            ur_optimizer_step(opt, params, grads);
            if (!all_finite(params, n_train_params)) {
                st = ur_error(ctx, UR_ERR_NUMERIC,
                              "the weights became NaN or infinite at epoch %d, step %lld (lower "
                              "the learning rate or clip the gradients); training stopped with "
                              "the last good weights",
                              epoch + 1, (long long)s + 1);
                break;
            }
            global++;
            if (cb && cb->on_step) {
                int k = 0;
                names[k] = "loss";
                values[k++] = t.loss_sum / t.loss_count;
                for (int i = 0; i < t.n_metrics; i++, k++) {
                    names[k] = t.names[i];
                    values[k] = t.count[i] > 0 ? t.sum[i] / t.count[i] : 0;
                }
                ur_progress p = {.epoch = epoch, .epochs = cfg->epochs, .step = s,
                                 .steps = steps, .global_step = global, .loss = loss,
                                 .n_metrics = k, .metric_names = names, .metric_values = values,
                                 .seconds = now_s() - t0};
                cb->on_step(cb->user, &p);
            }
        }
        if (st == UR_ERR_NUMERIC)
            memcpy(params, good, n_params * sizeof(float));
        if (st)
            break;
        int k = 0;
        names[k] = "loss";
        values[k++] = t.loss_sum / t.loss_count;
        for (int i = 0; i < t.n_metrics; i++, k++) {
            names[k] = t.names[i];
            values[k] = t.count[i] > 0 ? t.sum[i] / t.count[i] : 0;
        }
        if (has_val) {
            ur_model_reset_states(m);
            tally_setup(&tv, m, cfg, &val, 0);
            st = evaluate(&rv, &val, &tv, ctx);
            if (st)
                break;
            snprintf(vnames[0], sizeof vnames[0], "val_loss");
            names[k] = vnames[0];
            values[k++] = tv.loss_sum / tv.loss_count;
            for (int i = 0; i < tv.n_metrics; i++, k++) {
                snprintf(vnames[1 + i], sizeof vnames[1 + i], "val_%s", tv.names[i]);
                names[k] = vnames[1 + i];
                values[k] = tv.count[i] > 0 ? tv.sum[i] / tv.count[i] : 0;
            }
        }
        if (cb && cb->on_epoch) {
            ur_progress p = {.epoch = epoch, .epochs = cfg->epochs, .step = steps,
                             .steps = steps, .global_step = global, .loss = values[0],
                             .n_metrics = k, .metric_names = names, .metric_values = values,
                             .seconds = now_s() - t0};
            cb->on_epoch(cb->user, &p);
        }
    }
    ur_free_aligned(good);
    ur_optimizer_free(opt);
    runner_free(&r);
    if (has_val)
        runner_free(&rv);
    return st;
}
