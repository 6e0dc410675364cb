/* train.c — Keras's fit and evaluate loops: batches (shuffled each epoch by
 * the run's generator), forward, losses and their gradients per output,
 * backward, the optimizer step, running metrics, validation, callbacks,
 * cancellation between batches, and a stop with the last good weights when
 * the loss is not finite.
 *
 * On a device backend (backend.h) a step stays on the device: the batch is
 * gathered on the host and uploaded, the loss, its gradient and the metrics
 * are computed there into scalar slots read back once per step, and the
 * optimizer (its slots on the device) updates the device weights. */
#include "backend.h"

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
    /* device backends: the backend the buffers below belong to */
    const ur_backend *dbe;
    void *dxb[MAX_IO], *dyb[MAX_IO];
    float *ddpred[MAX_IO];
    size_t dx_bytes[MAX_IO], dy_bytes[MAX_IO], ddp_bytes[MAX_IO];
} runner;

static void runner_free_device(runner *r)
{
    for (int i = 0; i < MAX_IO && r->dbe; i++) {
        if (r->dxb[i])
            r->dbe->free(r->dbe, r->dxb[i]);
        if (r->dyb[i])
            r->dbe->free(r->dbe, r->dyb[i]);
        if (r->ddpred[i])
            r->dbe->free(r->dbe, r->ddpred[i]);
        r->dxb[i] = r->dyb[i] = NULL;
        r->ddpred[i] = NULL;
        r->dx_bytes[i] = r->dy_bytes[i] = r->ddp_bytes[i] = 0;
    }
    r->dbe = NULL;
}

/* A device buffer of at least bytes in *p (kept between batches). */
static ur_status device_buffer(runner *r, void **p, size_t *have, size_t bytes, ur_ctx *ctx)
{
    if (*p && *have >= bytes)
        return UR_OK;
    if (*p)
        r->dbe->free(r->dbe, *p);
    *p = r->dbe->alloc(r->dbe, bytes + 64);
    *have = *p ? bytes : 0;
    if (!*p)
        return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for a batch (%.1f MB)", r->dbe->name,
                        (double)bytes / 1e6);
    return UR_OK;
}

static void runner_free(runner *r)
{
    runner_free_device(r);
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
        r->xdtype[i] = ur_layer_input_dtype(ur_graph_input(g, i));
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
static ur_status run_batch_device(runner *r, const ur_data *d, const int64_t *idx, int64_t n,
                                  bool training, ur_rng *rng, tally *t, double *loss,
                                  ur_ctx *ctx);

static ur_status run_batch(runner *r, const ur_data *d, const int64_t *idx, int64_t n,
                           bool training, ur_rng *rng, tally *t, double *loss, ur_ctx *ctx)
{
    ur_model *m = r->m;
    if (ur_model_backend(m)->device_memory)
        return run_batch_device(r, d, idx, n, training, rng, t, loss, ctx);
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

/* The shapes of output o's prediction and its targets fit the loss. */
static ur_status check_output(runner *r, int o, const ur_tensor *pred, const ur_tensor *target,
                              ur_ctx *ctx)
{
    ur_shape ps = {.rank = pred->rank}, ts = {.rank = target->rank};
    for (int k = 0; k < ps.rank; k++)
        ps.dim[k] = pred->dim[k];
    for (int k = 0; k < ts.rank; k++)
        ts.dim[k] = target->dim[k];
    ur_status st = ur_loss_check(&r->cfg->loss, &ps, &ts, ctx);
    if (st) {
        ur_layer *ol;
        int ok;
        ur_graph_output(ur_model_graph(r->m), o, &ol, &ok);
        ur_error_prefix(ctx, "targets for output '%s'", ur_layer_name(ol));
    }
    return st;
}

/* Gathers rows idx[0..n) of d on the host and uploads them into the
 * runner's device batch buffers: dx, dy describe them. */
static ur_status stage_batch(runner *r, const ur_data *d, const int64_t *idx, int64_t n,
                             ur_tensor *dx, ur_tensor *dy, ur_ctx *ctx)
{
    const ur_backend *be = r->dbe;
    ur_status st;
    for (int i = 0; i < r->n_x; i++) {
        gather(&d->x[i]->t, idx, n, r->xdtype[i], &r->xb[i]);
        size_t bytes = (size_t)ur_tensor_numel(&r->xb[i]) * 4;
        if ((st = device_buffer(r, &r->dxb[i], &r->dx_bytes[i], bytes, ctx)))
            return st;
        be->upload(be, r->dxb[i], r->xb[i].data, bytes);
        dx[i] = r->xb[i];
        dx[i].data = r->dxb[i];
    }
    for (int o = 0; o < r->n_y; o++) {
        gather(&d->y[o]->t, idx, n, d->y[o]->t.dtype, &r->yb[o]);
        size_t bytes = (size_t)ur_tensor_numel(&r->yb[o]) * 4;
        if ((st = device_buffer(r, &r->dyb[o], &r->dy_bytes[o], bytes, ctx)))
            return st;
        be->upload(be, r->dyb[o], r->yb[o].data, bytes);
        dy[o] = r->yb[o];
        dy[o].data = r->dyb[o];
    }
    return UR_OK;
}

/* Forward on device inputs dx, then each output's loss into scalar slot o
 * (its gradient into douts[o] when training) and the metrics into slots
 * n_y + 2i, + 1: all enqueued on the device, nothing read back. */
static ur_status device_losses(runner *r, const ur_tensor *dx, const ur_tensor *dy, bool training,
                               ur_rng *rng, const tally *t, ur_tensor *douts, ur_ctx *ctx)
{
    ur_model *m = r->m;
    const ur_backend *be = r->dbe;
    ur_status st;
    if ((st = ur_model_forward_device(m, dx, training, rng, ctx)))
        return st;
    for (int o = 0; o < r->n_y; o++) {
        const ur_tensor *pred = ur_model_output_device(m, o);
        const uint8_t *mask = ur_model_output_mask_device(m, o);
        if ((st = check_output(r, o, pred, &dy[o], ctx)))
            return st;
        float *dp = NULL;
        if (training) {
            void *buf = r->ddpred[o];
            if ((st = device_buffer(r, &buf, &r->ddp_bytes[o],
                                    (size_t)ur_tensor_numel(pred) * 4, ctx)))
                return st;
            r->ddpred[o] = dp = buf;
        }
        if ((st = be->loss(be, &r->cfg->loss, pred, &dy[o], mask, dp, o, ctx)))
            return st;
        douts[o] = *pred;
        douts[o].data = dp;
        for (int i = 0; i < t->n_metrics; i++)
            if (t->output[i] == o &&
                (st = be->metric(be, t->kind[i], pred, &dy[o], mask, r->n_y + 2 * i, ctx)))
                return st;
    }
    return UR_OK;
}

/* run_batch on a device backend (evaluation): one upload of the batch, one
 * read-back of the loss and metric sums. */
static ur_status run_batch_device(runner *r, const ur_data *d, const int64_t *idx, int64_t n,
                                  bool training, ur_rng *rng, tally *t, double *loss, ur_ctx *ctx)
{
    ur_model *m = r->m;
    const ur_backend *be = ur_model_backend(m);
    if (r->dbe && r->dbe != be)
        return ur_error(ctx, UR_ERR_INVALID,
                        "the model moved to %s after this training began on %s; start a new "
                        "trainer", be->name, r->dbe->name);
    r->dbe = be;
    ur_tensor dx[MAX_IO], dy[MAX_IO], douts[MAX_IO];
    ur_status st = stage_batch(r, d, idx, n, dx, dy, ctx);
    if (!st)
        st = device_losses(r, dx, dy, training, rng, t, douts, ctx);
    if (st)
        return st;
    int n_slots = r->n_y + 2 * t->n_metrics;
    double vals[MAX_IO + 2 * MAX_METRICS];
    if ((st = be->read_scalars(be, vals, n_slots, ctx)))
        return st;
    double total = 0;
    for (int o = 0; o < r->n_y; o++)
        total += vals[o];
    for (int i = 0; i < t->n_metrics; i++) {
        t->sum[i] += vals[r->n_y + 2 * i];
        t->count[i] += vals[r->n_y + 2 * i + 1];
    }
    *loss = total;
    if (!isfinite(total))
        return UR_ERR_NUMERIC;
    t->loss_sum += total * (double)n;
    t->loss_count += (double)n;
    if (training)
        return ur_model_backward_device(m, douts, ctx);
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
        double loss = 0;
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

/* ------------------------------------------------------------ the trainer */

struct ur_trainer {
    ur_model *m;
    ur_fit_config cfg;
    /* the training and validation sets (views into the caller's arrays) */
    ur_data train, val;
    ur_array txa[MAX_IO], tya[MAX_IO], vxa[MAX_IO], vya[MAX_IO];
    ur_array *txp[MAX_IO], *typ[MAX_IO], *vxp[MAX_IO], *vyp[MAX_IO];
    bool has_val;
    int64_t n;              /* training samples */
    int64_t steps;          /* per epoch */
    runner r, rv;           /* r.idx holds this epoch's order */
    ur_optimizer *opt;
    float *good;            /* the weights that gave the last finite loss */
    /* device backends: the optimizer with its slots there, the good weights */
    const ur_backend *dbe;
    void *dopt;
    float *dgood;
    bool dslots_stale;      /* the host slots (a loaded state) are newer */
    bool lr_dirty;          /* the device's learning rate is older */
    struct {
        bool data;          /* the training set is on the device */
        void *x[MAX_IO], *y[MAX_IO];
        int64_t xrow[MAX_IO], yrow[MAX_IO];
        int32_t *idx, *hidx; /* this epoch's order (device, host staging) */
        double *hist, *hhist; /* per step: the losses and metric sums */
        int k;              /* values per step in hist */
        int64_t delivered;  /* the first step not yet handed to on_step */
        double last_read;
        bool masks;         /* some layer draws random masks on the host */
        void *graph;        /* the captured step */
        uint64_t graph_key[2], warm_key[2];
        bool warm, no_graph;
        char why[256];      /* why steps are not captured */
    } dv;
    /* the position: what a checkpoint saves besides the weights */
    ur_rng rng;
    int epoch;
    int64_t step;           /* the next step of `epoch`; 0: its order is not drawn yet */
    int64_t global;
    tally t;                /* this epoch's running sums */
};

ur_trainer *ur_trainer_new(ur_model *m, const ur_fit_config *cfg, const ur_data *train_in,
                           const ur_data *val_in, ur_ctx *ctx)
{
    ur_status st = check_data(m, train_in, "training", ctx);
    if (!st)
        st = check_targets(m, cfg, train_in, "training", ctx);
    if (st)
        return NULL;
    if (cfg->batch_size <= 0) {
        ur_error(ctx, UR_ERR_INVALID, "the batch size must be positive, got %lld",
                 (long long)cfg->batch_size);
        return NULL;
    }
    if (cfg->epochs < 0) {
        ur_error(ctx, UR_ERR_INVALID, "the number of epochs must not be negative");
        return NULL;
    }
    if (cfg->validation_split < 0 || cfg->validation_split >= 1) {
        ur_error(ctx, UR_ERR_INVALID, "validation_split must be in [0, 1), got %g",
                 cfg->validation_split);
        return NULL;
    }
    if (val_in && val_in->n_x > 0) {
        st = check_data(m, val_in, "validation", ctx);
        if (!st)
            st = check_targets(m, cfg, val_in, "validation", ctx);
        if (st)
            return NULL;
    }

    ur_trainer *t = ur_xcalloc(1, sizeof *t);
    t->m = m;
    t->cfg = *cfg;
    t->train = *train_in;
    t->n = ur_data_count(train_in);
    if (val_in && val_in->n_x > 0) {
        t->val = *val_in;
        t->has_val = ur_data_count(val_in) > 0;
    } else if (cfg->validation_split > 0) {
        /* Keras: the last fraction, before any shuffling */
        int64_t split_at = (int64_t)floor((double)t->n * (1.0 - cfg->validation_split));
        data_slice(train_in, 0, split_at, &t->train, t->txa, t->tya, t->txp, t->typ);
        data_slice(train_in, split_at, t->n - split_at, &t->val, t->vxa, t->vya, t->vxp, t->vyp);
        t->has_val = t->n - split_at > 0;
        t->n = split_at;
    }
    if (t->n <= 0) {
        ur_error(ctx, UR_ERR_INVALID, "there are no training samples");
        free(t);
        return NULL;
    }
    t->steps = (t->n + cfg->batch_size - 1) / cfg->batch_size;
    ur_rng_seed(&t->rng, cfg->seed);
    ur_model_set_input_grads(m, false);
    st = runner_init(&t->r, m, &t->cfg, &t->train, ctx);
    if (!st && t->has_val)
        st = runner_init(&t->rv, m, &t->cfg, &t->val, ctx);
    size_t n_train_params, n_params;
    ur_model_grads(m, &n_train_params);
    float *params = ur_model_params(m, &n_params);
    const size_t *seg_off, *seg_len;
    int n_seg = ur_model_trainable_segments(m, &seg_off, &seg_len);
    t->opt = ur_optimizer_new(&t->cfg.optimizer, n_train_params, n_seg, seg_off, seg_len);
    t->good = ur_alloc_aligned((n_params + 16) * sizeof(float));
    if (!st && (!t->opt || !t->good))
        st = ur_error(ctx, UR_ERR_NOMEM, "out of memory for the optimizer state");
    if (st) {
        ur_trainer_free(t);
        return NULL;
    }
    memcpy(t->good, params, n_params * sizeof(float));
    tally_setup(&t->t, m, &t->cfg, &t->train, 0);
    return t;
}

void ur_trainer_free(ur_trainer *t)
{
    if (!t)
        return;
    ur_free_aligned(t->good);
    if (t->dbe) {
        const ur_backend *be = t->dbe;
        if (t->dopt)
            be->opt_free(be, t->dopt);
        if (t->dgood)
            be->free(be, t->dgood);
        if (t->dv.graph)
            be->graph_free(be, t->dv.graph);
        for (int i = 0; i < MAX_IO; i++) {
            if (t->dv.x[i])
                be->free(be, t->dv.x[i]);
            if (t->dv.y[i])
                be->free(be, t->dv.y[i]);
        }
        if (t->dv.idx)
            be->free(be, t->dv.idx);
        if (t->dv.hist)
            be->free(be, t->dv.hist);
    }
    free(t->dv.hidx);
    free(t->dv.hhist);
    ur_optimizer_free(t->opt);
    runner_free(&t->r);
    runner_free(&t->rv);
    free(t);
}

int ur_trainer_epoch(const ur_trainer *t) { return t->epoch; }
int64_t ur_trainer_step(const ur_trainer *t) { return t->step; }
int64_t ur_trainer_global_step(const ur_trainer *t) { return t->global; }
int64_t ur_trainer_steps_per_epoch(const ur_trainer *t) { return t->steps; }

/* names/values of the tally as Keras logs them ("loss", "accuracy", ...),
 * with prefix before each name (the validation's "val_"). */
static int tally_logs(const tally *t, const char *prefix, const char **names, double *values,
                      char (*buf)[104])
{
    int k = 0;
    snprintf(buf[k], 104, "%sloss", prefix);
    names[k] = buf[k];
    values[k++] = t->loss_count > 0 ? t->loss_sum / t->loss_count : 0;
    for (int i = 0; i < t->n_metrics; i++, k++) {
        snprintf(buf[k], 104, "%s%s", prefix, t->names[i]);
        names[k] = buf[k];
        values[k] = t->count[i] > 0 ? t->sum[i] / t->count[i] : 0;
    }
    return k;
}

/* Whether a layer (or its wrapped layers) draws random masks on the host
 * while training (dropout rates): such steps cannot be replayed. */
static bool draws_masks(const ur_layer *l)
{
    static const char *const names[] = {"rate", "dropout", "recurrent_dropout"};
    if (!l || !l->kind)
        return false;
    for (const ur_option *o = l->kind->options; o && o->name; o++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (o->type == UR_OPT_FLOAT && strcmp(o->name, names[k]) == 0 &&
                *(const double *)((const char *)l->cfg + o->offset) > 0.0)
                return true;
    return draws_masks(l->inner[0]) || draws_masks(l->inner[1]);
}

/* The training set on the device when it fits in half the free memory
 * (inputs converted to the Input's dtype once), with room for the order. */
static ur_status device_data_setup(ur_trainer *t, ur_ctx *ctx)
{
    const ur_backend *be = t->dbe;
    const ur_data *d = &t->train;
    size_t need = (size_t)t->n * sizeof(int32_t);
    for (int i = 0; i < d->n_x; i++)
        need += (size_t)ur_tensor_numel(&d->x[i]->t) * 4;
    for (int o = 0; o < d->n_y; o++)
        need += (size_t)ur_tensor_numel(&d->y[o]->t) * 4;
    size_t avail = be->mem_available ? be->mem_available(be) : 0;
    if (!be->gather || need > avail / 2 || t->n > INT32_MAX)
        return UR_OK;
    t->dv.idx = be->alloc(be, (size_t)t->n * sizeof(int32_t));
    t->dv.hidx = malloc((size_t)t->n * sizeof(int32_t));
    if (!t->dv.idx || !t->dv.hidx)
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory for the sample order");
    for (int i = 0; i < d->n_x; i++) {
        const ur_tensor *x = &d->x[i]->t;
        int64_t n = ur_tensor_numel(x);
        t->dv.xrow[i] = n / t->n;
        if (!(t->dv.x[i] = be->alloc(be, (size_t)n * 4)))
            return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for the training inputs",
                            be->name);
        if (x->dtype == t->r.xdtype[i]) {
            be->upload(be, t->dv.x[i], x->data, (size_t)n * 4);
            continue;
        }
        void *tmp = malloc((size_t)n * 4 + 4);
        if (!tmp)
            return ur_error(ctx, UR_ERR_NOMEM, "out of memory converting the training inputs");
        for (int64_t j = 0; j < n; j++) {
            if (x->dtype == UR_I32)
                ((float *)tmp)[j] = (float)((const int32_t *)x->data)[j];
            else
                ((int32_t *)tmp)[j] = (int32_t)((const float *)x->data)[j];
        }
        be->upload(be, t->dv.x[i], tmp, (size_t)n * 4);
        free(tmp); /* the upload staged the pageable copy before returning */
    }
    for (int o = 0; o < d->n_y; o++) {
        const ur_tensor *y = &d->y[o]->t;
        int64_t n = ur_tensor_numel(y);
        t->dv.yrow[o] = n / t->n;
        if (!(t->dv.y[o] = be->alloc(be, (size_t)n * 4)))
            return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for the training targets",
                            be->name);
        be->upload(be, t->dv.y[o], y->data, (size_t)n * 4);
    }
    t->dv.data = true;
    return UR_OK;
}

/* The device optimizer, good-weights buffer, step records and (when it
 * fits) the training set for the model's backend, created at the first run
 * on it; the host slots are the optimizer's starting point. */
static ur_status device_setup(ur_trainer *t, ur_ctx *ctx)
{
    const ur_backend *be = ur_model_backend(t->m);
    if (t->dbe == be)
        goto upload;
    if (t->dbe)
        return ur_error(ctx, UR_ERR_INVALID, "the model moved to %s after this training began "
                        "on %s; start a new trainer", be->name, t->dbe->name);
    size_t n_train, n_params;
    ur_model_grads(t->m, &n_train);
    ur_model_params(t->m, &n_params);
    const size_t *seg_off, *seg_len;
    int n_seg = ur_model_trainable_segments(t->m, &seg_off, &seg_len);
    t->dbe = be;
    t->r.dbe = be;
    t->dopt = be->opt_new(be, &t->cfg.optimizer, n_train, n_seg, seg_off, seg_len);
    t->dgood = be->alloc(be, (n_params + 16) * sizeof(float));
    t->dv.k = t->r.n_y + 2 * t->t.n_metrics;
    t->dv.hist = be->alloc(be, (size_t)(t->steps * t->dv.k + 1) * sizeof(double));
    t->dv.hhist = malloc((size_t)(t->steps * t->dv.k + 1) * sizeof(double));
    if (!t->dopt || !t->dgood || !t->dv.hist || !t->dv.hhist)
        return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for the optimizer state", be->name);
    be->copy(be, t->dgood, ur_model_device_params(t->m), n_params * sizeof(float));
    t->dslots_stale = true;
    const ur_graph *g = ur_model_graph(t->m);
    for (int i = 0; i < ur_graph_n_layers(g); i++)
        t->dv.masks |= draws_masks(ur_graph_layer(g, i));
    ur_status st = device_data_setup(t, ctx);
    if (st)
        return st;
    if (!t->dv.data)
        snprintf(t->dv.why, sizeof t->dv.why, "the training set does not fit on %s", be->name);
    else if (t->dv.masks)
        snprintf(t->dv.why, sizeof t->dv.why, "dropout masks are drawn on the host each step");
    else if (!be->capture_begin)
        snprintf(t->dv.why, sizeof t->dv.why, "%s cannot capture steps", be->name);
upload:
    if (t->dslots_stale) {
        size_t n_host, n_dev;
        float *host = ur_optimizer_slots(t->opt, &n_host);
        float *dev = be->opt_slots(be, t->dopt, &n_dev);
        if (n_host != n_dev)
            return ur_error(ctx, UR_ERR_INTERNAL, "the %s optimizer has %zu slot values, the "
                            "host's %zu", be->name, n_dev, n_host);
        if (n_host)
            be->upload(be, dev, host, n_host * sizeof(float));
        t->dslots_stale = false;
    }
    return UR_OK;
}

/* The device's slots into the host optimizer (for a checkpoint). */
static void device_slots_home(const ur_trainer *t)
{
    if (!t->dbe || !t->dopt || t->dslots_stale)
        return;
    size_t n_host, n_dev;
    float *host = ur_optimizer_slots(t->opt, &n_host);
    float *dev = t->dbe->opt_slots(t->dbe, t->dopt, &n_dev);
    if (n_host == n_dev && n_host)
        t->dbe->download(t->dbe, host, dev, n_host * sizeof(float));
}

/* This epoch's order to the device and the step control to step `step`. */
static void device_epoch_begin(ur_trainer *t)
{
    const ur_backend *be = t->dbe;
    if (t->dv.data) {
        for (int64_t i = 0; i < t->n; i++)
            t->dv.hidx[i] = (int32_t)t->r.idx[i];
        be->upload(be, t->dv.idx, t->dv.hidx, (size_t)t->n * sizeof(int32_t));
    }
    be->ctl_set(be, t->step, ur_optimizer_iterations(t->opt), t->cfg.optimizer.learning_rate);
    t->lr_dirty = false;
    t->dv.delivered = t->step;
}

/* One training step enqueued on the device, nothing read back: the batch
 * (gathered there by the step control's index when the set is there),
 * forward, losses and metrics recorded for step s, backward, the good
 * weights kept, the update, the finite check and the step's advance. */
static ur_status device_enqueue(ur_trainer *t, int64_t s, int64_t n, ur_ctx *ctx)
{
    runner *r = &t->r;
    ur_model *m = t->m;
    const ur_backend *be = t->dbe;
    ur_tensor dx[MAX_IO], dy[MAX_IO], douts[MAX_IO];
    ur_status st;
    if (t->dv.data) {
        const ur_data *d = &t->train;
        for (int i = 0; i < r->n_x; i++) {
            size_t bytes = (size_t)(n * t->dv.xrow[i]) * 4;
            if ((st = device_buffer(r, &r->dxb[i], &r->dx_bytes[i], bytes, ctx)))
                return st;
            be->gather(be, r->dxb[i], t->dv.x[i], t->dv.idx, t->cfg.batch_size, n,
                       t->dv.xrow[i]);
            dx[i] = d->x[i]->t;
            dx[i].dtype = r->xdtype[i];
            dx[i].dim[0] = n;
            dx[i].data = r->dxb[i];
        }
        for (int o = 0; o < r->n_y; o++) {
            size_t bytes = (size_t)(n * t->dv.yrow[o]) * 4;
            if ((st = device_buffer(r, &r->dyb[o], &r->dy_bytes[o], bytes, ctx)))
                return st;
            be->gather(be, r->dyb[o], t->dv.y[o], t->dv.idx, t->cfg.batch_size, n,
                       t->dv.yrow[o]);
            dy[o] = d->y[o]->t;
            dy[o].dim[0] = n;
            dy[o].data = r->dyb[o];
        }
    } else if ((st = stage_batch(r, &t->train, r->idx + s * t->cfg.batch_size, n, dx, dy, ctx))) {
        return st;
    }
    if ((st = device_losses(r, dx, dy, true, &t->rng, &t->t, douts, ctx)))
        return st;
    be->record(be, t->dv.hist, t->dv.k, r->n_y);
    if ((st = ur_model_backward_device(m, douts, ctx)))
        return st;
    size_t n_train, n_params;
    ur_model_sizes(m, &n_params, &n_train);
    float *params = ur_model_device_params(m);
    be->snapshot(be, params, t->dgood, n_params);
    be->opt_step(be, t->dopt, params, ur_model_device_grads(m));
    be->finish_step(be, params, t->dgood, n_train, n_params);
    return UR_OK;
}

static bool same_key(const uint64_t *a, const uint64_t *b) { return a[0] == b[0] && a[1] == b[1]; }

/* Step s on the device: a replay of the captured step when nothing it
 * refers to moved; else run once (warm) and capture the next full batch. */
static ur_status device_step(ur_trainer *t, int64_t s, int64_t n, ur_ctx *ctx)
{
    const ur_backend *be = t->dbe;
    ur_model *m = t->m;
    ur_model_device_params(m); /* host edits of the weights go up first */
    if (t->lr_dirty) {
        be->ctl_set_lr(be, t->cfg.optimizer.learning_rate);
        t->lr_dirty = false;
    }
    ur_status st = UR_OK; /* a capture that cannot begin runs the step eagerly */
    bool graphable = t->dv.data && !t->dv.masks && !t->dv.no_graph && be->capture_begin &&
                     n == t->cfg.batch_size;
    uint64_t key[2] = {ur_model_plan_id(m), be->generation(be)};
    if (graphable && t->dv.graph && same_key(key, t->dv.graph_key)) {
        st = be->graph_launch(be, t->dv.graph, ctx);
    } else if (graphable && t->dv.warm && same_key(key, t->dv.warm_key)) {
        /* the old step goes first: freeing it cannot be captured */
        if (t->dv.graph)
            be->graph_free(be, t->dv.graph);
        t->dv.graph = NULL;
        ur_ctx cctx = {0};
        void *g = NULL;
        if (be->capture_begin(be)) {
            st = device_enqueue(t, s, n, &cctx);
            g = be->capture_end(be, t->dv.why, sizeof t->dv.why);
            if (st)
                snprintf(t->dv.why, sizeof t->dv.why, "%.250s", cctx.message);
        } else {
            snprintf(t->dv.why, sizeof t->dv.why, "%s could not begin a capture", be->name);
        }
        if (st || !g) {
            if (g)
                be->graph_free(be, g);
            t->dv.no_graph = true;
            st = device_enqueue(t, s, n, ctx);
        } else {
            t->dv.graph = g;
            memcpy(t->dv.graph_key, key, sizeof key);
            st = be->graph_launch(be, g, ctx);
        }
    } else {
        st = device_enqueue(t, s, n, ctx);
        t->dv.warm = !st && n == t->cfg.batch_size;
        t->dv.warm_key[0] = ur_model_plan_id(m);
        t->dv.warm_key[1] = be->generation(be);
    }
    ur_model_weights_changed_on_device(m);
    return st;
}

/* Adds step s's record (losses, metric sums) to a tally; loss: whether its
 * loss counts (not for a step whose loss was not finite). */
static double fold_step(const ur_trainer *t, tally *ty, int64_t s, bool loss)
{
    const double *row = t->dv.hhist + s * t->dv.k;
    int64_t n = UR_MIN(t->cfg.batch_size, t->n - s * t->cfg.batch_size);
    double total = 0;
    for (int o = 0; o < t->r.n_y; o++)
        total += row[o];
    for (int i = 0; i < ty->n_metrics; i++) {
        ty->sum[i] += row[t->r.n_y + 2 * i];
        ty->count[i] += row[t->r.n_y + 2 * i + 1];
    }
    if (loss) {
        ty->loss_sum += total * (double)n;
        ty->loss_count += (double)n;
    }
    return total;
}

/* Reads the steps enqueued since the last read (waiting for them), adds
 * them to the epoch's tally and hands each to on_step in order. A halt
 * (a loss or the weights not finite) moves the position back to its step:
 * the device already kept the last good weights. */
static ur_status device_deliver(ur_trainer *t, const ur_callbacks *cb, double t0, ur_ctx *ctx)
{
    const ur_backend *be = t->dbe;
    int64_t from = t->dv.delivered, to = t->step;
    ur_step_ctl c;
    ur_status st = be->ctl_read(be, &c, ctx);
    if (st)
        return st;
    t->dv.last_read = now_s();
    if (to > from)
        be->download(be, t->dv.hhist + from * t->dv.k, t->dv.hist + from * t->dv.k,
                     (size_t)((to - from) * t->dv.k) * sizeof(double));
    int64_t end = c.halted ? UR_MAX(from, UR_MIN(c.halt_step, to)) : to;
    tally before = t->t;
    for (int64_t s = from; s < end; s++)
        fold_step(t, &t->t, s, true);
    double bad_loss = 0;
    if (c.halted && end < to) {
        /* as the CPU: a non-finite loss adds the step's metrics only; weights
         * that became non-finite after a finite loss add the whole step */
        bad_loss = fold_step(t, &t->t, end, c.halted == 2);
        t->global -= to - end;
        t->step = end;
        ur_optimizer_set_iterations(t->opt, c.iteration);
    }
    t->dv.delivered = end;
    if (cb && cb->on_step) {
        const char *names[MAX_METRICS + 2];
        double values[MAX_METRICS + 2];
        char nbuf[MAX_METRICS + 2][104];
        tally run = before;
        for (int64_t s = from; s < end; s++) {
            double loss = fold_step(t, &run, s, true);
            int k = tally_logs(&run, "", names, values, nbuf);
            ur_progress p = {.epoch = t->epoch, .epochs = t->cfg.epochs, .step = s,
                             .steps = t->steps, .global_step = t->global - (end - 1 - s),
                             .loss = loss, .n_metrics = k, .metric_names = names,
                             .metric_values = values, .seconds = now_s() - t0, .trainer = t};
            cb->on_step(cb->user, &p);
        }
    }
    if (!c.halted)
        return UR_OK;
    be->ctl_set(be, t->step, c.iteration, t->cfg.optimizer.learning_rate);
    if (c.halted == 1)
        return ur_error(ctx, UR_ERR_NUMERIC,
                        "the loss became %s at epoch %d, step %lld; training stopped with the "
                        "last good weights", isnan(bad_loss) ? "NaN" : "infinite", t->epoch + 1,
                        (long long)t->step + 1);
    return ur_error(ctx, UR_ERR_NUMERIC,
                    "the weights became NaN or infinite at epoch %d, step %lld (lower the "
                    "learning rate or clip the gradients); training stopped with the last good "
                    "weights", t->epoch + 1, (long long)t->step + 1);
}

const char *ur_trainer_graph_note(const ur_trainer *t)
{
    if (!t->dbe)
        return NULL;
    static _Thread_local char note[320];
    if (t->dv.graph) {
        snprintf(note, sizeof note, "each step replays a captured CUDA graph (%s)", t->dv.why);
        return note;
    }
    return t->dv.why[0] ? t->dv.why : NULL;
}

void ur_trainer_set_learning_rate(ur_trainer *t, double lr)
{
    t->cfg.optimizer.learning_rate = lr;
    ur_optimizer_set_learning_rate(t->opt, lr);
    t->lr_dirty = true;
}

const ur_optimizer_config *ur_trainer_optimizer(const ur_trainer *t) { return &t->cfg.optimizer; }

ur_status ur_trainer_set_optimizer(ur_trainer *t, const ur_optimizer_config *c, ur_ctx *ctx)
{
    const ur_optimizer_config *now = &t->cfg.optimizer;
    if (c->kind != now->kind)
        return ur_error(ctx, UR_ERR_INVALID,
                        "the optimizer cannot change from %s to %s within a run: its state "
                        "belongs to %s; start a new run",
                        ur_optimizer_name(now->kind), ur_optimizer_name(c->kind),
                        ur_optimizer_name(now->kind));
    ur_status st = ur_optimizer_check(c, ctx);
    if (st)
        return st;
    /* on a device: a new optimizer there, made first so that a failure
     * changes nothing; the device's slots come home (waiting for the
     * enqueued steps) to be rearranged and go up again */
    const ur_backend *be = t->dbe;
    void *dopt = NULL;
    if (be && t->dopt) {
        size_t n_train;
        ur_model_grads(t->m, &n_train);
        const size_t *seg_off, *seg_len;
        int n_seg = ur_model_trainable_segments(t->m, &seg_off, &seg_len);
        dopt = be->opt_new(be, c, n_train, n_seg, seg_off, seg_len);
        if (!dopt)
            return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for the optimizer state",
                            be->name);
        device_slots_home(t);
    }
    if (!ur_optimizer_reconfigure(t->opt, c)) {
        if (dopt)
            be->opt_free(be, dopt);
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory for the optimizer state");
    }
    t->cfg.optimizer = *c;
    t->lr_dirty = true;
    if (!dopt)
        return UR_OK;
    /* the captured step has the old optimizer's settings in its kernels */
    if (t->dv.graph)
        be->graph_free(be, t->dv.graph);
    t->dv.graph = NULL;
    t->dv.warm = false;
    be->opt_free(be, t->dopt);
    t->dopt = dopt;
    t->dslots_stale = true;
    return device_setup(t, ctx);
}

/* A new epoch: fresh states, order and sums. */
static void epoch_start(ur_trainer *t)
{
    ur_model_reset_states(t->m);
    for (int64_t i = 0; i < t->n; i++)
        t->r.idx[i] = i;
    if (t->cfg.shuffle)
        ur_rng_shuffle(&t->rng, t->r.idx, t->n);
    tally_setup(&t->t, t->m, &t->cfg, &t->train, 0);
}

/* The epoch's end: validation, the position, on_epoch with the logs. */
static ur_status epoch_finish(ur_trainer *t, const ur_callbacks *cb, double t0, ur_ctx *ctx)
{
    const char *names[2 * MAX_METRICS + 2];
    double values[2 * MAX_METRICS + 2];
    char nbuf[2 * MAX_METRICS + 2][104];
    tally tv;
    int k = tally_logs(&t->t, "", names, values, nbuf);
    if (t->has_val) {
        ur_model_reset_states(t->m);
        tally_setup(&tv, t->m, &t->cfg, &t->val, 0);
        ur_status st = evaluate(&t->rv, &t->val, &tv, ctx);
        if (st)
            return st;
        k += tally_logs(&tv, "val_", names + k, values + k, nbuf + k);
    }
    int epoch = t->epoch;
    t->epoch++;
    t->step = 0;
    if (cb && cb->on_epoch) {
        ur_progress p = {.epoch = epoch, .epochs = t->cfg.epochs, .step = t->steps,
                         .steps = t->steps, .global_step = t->global, .loss = values[0],
                         .n_metrics = k, .metric_names = names, .metric_values = values,
                         .seconds = now_s() - t0, .trainer = t};
        cb->on_epoch(cb->user, &p);
    }
    return UR_OK;
}

/* ur_trainer_run on a device backend: steps are enqueued without waiting
 * (replayed as a captured graph when they can be); their losses and metrics
 * are read when due: at the epoch's end, before a stop, and for on_step
 * every 0.2 s, when the steps since the last read are handed over in order. */
static ur_status run_device(ur_trainer *t, const ur_callbacks *cb, ur_ctx *ctx)
{
    const ur_fit_config *cfg = &t->cfg;
    ur_status st = device_setup(t, ctx);
    if (st)
        return st;
    bool begun = false;
    while (t->epoch < cfg->epochs && !st) {
        double t0 = now_s();
        if (t->step == 0) {
            epoch_start(t);
            device_epoch_begin(t);
        } else if (!begun) {
            device_epoch_begin(t); /* resumed inside an epoch */
        }
        begun = true;
        t->dv.last_read = now_s();
        while (t->step < t->steps && !st) {
            int64_t s = t->step;
            if (cb && cb->should_stop && cb->should_stop(cb->user)) {
                if ((st = device_deliver(t, cb, t0, ctx)))
                    break;
                st = ur_error(ctx, UR_ERR_CANCELLED, "training stopped at epoch %d, step %lld",
                              t->epoch + 1, (long long)t->step);
                break;
            }
            int64_t n = UR_MIN(cfg->batch_size, t->n - s * cfg->batch_size);
            if ((st = device_step(t, s, n, ctx)))
                break;
            ur_optimizer_set_iterations(t->opt, ur_optimizer_iterations(t->opt) + 1);
            t->global++;
            t->step++;
            if (t->step == t->steps ||
                (cb && cb->on_step && now_s() - t->dv.last_read >= 0.2))
                st = device_deliver(t, cb, t0, ctx);
        }
        if (st)
            break;
        st = epoch_finish(t, cb, t0, ctx);
    }
    return st;
}

ur_status ur_trainer_run(ur_trainer *t, const ur_callbacks *cb, ur_ctx *ctx)
{
    ur_model *m = t->m;
    const ur_fit_config *cfg = &t->cfg;
    size_t n_train_params, n_params;
    float *grads = ur_model_grads(m, &n_train_params);
    float *params = ur_model_params(m, &n_params);
    const char *names[2 * MAX_METRICS + 2];
    double values[2 * MAX_METRICS + 2];
    char nbuf[2 * MAX_METRICS + 2][104];
    ur_status st = UR_OK;
    if (ur_model_backend(m)->device_memory)
        return run_device(t, cb, ctx);
    while (t->epoch < cfg->epochs && !st) {
        double t0 = now_s();
        if (t->step == 0) {
            epoch_start(t);
        }
        while (t->step < t->steps && !st) {
            int64_t s = t->step;
            if (cb && cb->should_stop && cb->should_stop(cb->user)) {
                st = ur_error(ctx, UR_ERR_CANCELLED, "training stopped at epoch %d, step %lld",
                              t->epoch + 1, (long long)s);
                break;
            }
            int64_t from = s * cfg->batch_size, n = UR_MIN(cfg->batch_size, t->n - from);
            double loss = 0;
            st = run_batch(&t->r, &t->train, t->r.idx + from, n, true, &t->rng, &t->t, &loss, ctx);
            if (st == UR_ERR_NUMERIC) {
                st = ur_error(ctx, UR_ERR_NUMERIC,
                              "the loss became %s at epoch %d, step %lld; training stopped with "
                              "the last good weights",
                              isnan(loss) ? "NaN" : "infinite", t->epoch + 1, (long long)s + 1);
                break;
            }
            if (st)
                break;
            /* these weights gave a finite loss: the ones to keep if the next do not */
            memcpy(t->good, params, n_params * sizeof(float));
            ur_optimizer_step(t->opt, params, grads);
            if (!all_finite(params, n_train_params)) {
                st = ur_error(ctx, UR_ERR_NUMERIC,
                              "the weights became NaN or infinite at epoch %d, step %lld (lower "
                              "the learning rate or clip the gradients); training stopped with "
                              "the last good weights",
                              t->epoch + 1, (long long)s + 1);
                break;
            }
            t->global++;
            t->step++;
            if (cb && cb->on_step) {
                int k = tally_logs(&t->t, "", names, values, nbuf);
                ur_progress p = {.epoch = t->epoch, .epochs = cfg->epochs, .step = s,
                                 .steps = t->steps, .global_step = t->global, .loss = loss,
                                 .n_metrics = k, .metric_names = names, .metric_values = values,
                                 .seconds = now_s() - t0, .trainer = t};
                cb->on_step(cb->user, &p);
            }
        }
        if (st == UR_ERR_NUMERIC)
            memcpy(params, t->good, n_params * sizeof(float));
        if (st)
            break;
        st = epoch_finish(t, cb, t0, ctx);
    }
    return st;
}

/* ------------------------------------------------------ training position */

/* The state format: a magic and a version, then fixed fields, the order of
 * the epoch in progress, the epoch's running sums, the optimizer's
 * iterations and slots, and the stateful layers' states. Weights (BN moving
 * statistics included) are the model's, saved apart. */
#define STATE_MAGIC 0x54535255u /* "URST" */
#define STATE_VERSION 1u

typedef struct state_header {
    uint32_t magic, version;
    int64_t n, steps, epoch, step, global;
    ur_rng rng;
    double loss_sum, loss_count;
    int32_t n_metrics, pad;
    double sum[MAX_METRICS], count[MAX_METRICS];
    int64_t iterations;
    uint64_t n_slots, n_layer_state;
} state_header;

static size_t layer_state_floats(const ur_model *m)
{
    size_t n = 0;
    const ur_graph *g = ur_model_graph(m);
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        if (l->state && l->kind->state_size)
            n += l->kind->state_size(l, l->state_batch);
    }
    return n;
}

size_t ur_trainer_state_size(const ur_trainer *t)
{
    size_t n_slots;
    ur_optimizer_slots(t->opt, &n_slots);
    return sizeof(state_header) + (size_t)t->n * sizeof(int64_t) +
           (n_slots + layer_state_floats(t->m)) * sizeof(float);
}

void ur_trainer_save_state(const ur_trainer *t, void *buf)
{
    device_slots_home(t);
    size_t n_slots;
    const float *slots = ur_optimizer_slots(t->opt, &n_slots);
    state_header h = {.magic = STATE_MAGIC, .version = STATE_VERSION, .n = t->n,
                      .steps = t->steps, .epoch = t->epoch, .step = t->step,
                      .global = t->global, .rng = t->rng, .loss_sum = t->t.loss_sum,
                      .loss_count = t->t.loss_count, .n_metrics = t->t.n_metrics,
                      .iterations = ur_optimizer_iterations(t->opt), .n_slots = n_slots,
                      .n_layer_state = layer_state_floats(t->m)};
    memcpy(h.sum, t->t.sum, sizeof h.sum);
    memcpy(h.count, t->t.count, sizeof h.count);
    char *p = buf;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    memcpy(p, t->r.idx, (size_t)t->n * sizeof(int64_t));
    p += (size_t)t->n * sizeof(int64_t);
    if (n_slots) /* plain SGD has none (and no slot array) */
        memcpy(p, slots, n_slots * sizeof(float));
    p += n_slots * sizeof(float);
    const ur_graph *g = ur_model_graph(t->m);
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        if (l->state && l->kind->state_size) {
            size_t k = l->kind->state_size(l, l->state_batch);
            memcpy(p, l->state, k * sizeof(float));
            p += k * sizeof(float);
        }
    }
}

ur_status ur_trainer_load_state(ur_trainer *t, const void *buf, size_t len, ur_ctx *ctx)
{
    state_header h;
    if (len < sizeof h)
        return ur_error(ctx, UR_ERR_FORMAT, "the training state is truncated (%zu bytes)", len);
    memcpy(&h, buf, sizeof h);
    if (h.magic != STATE_MAGIC)
        return ur_error(ctx, UR_ERR_FORMAT, "this is not an Unroll training state");
    if (h.version != STATE_VERSION)
        return ur_error(ctx, UR_ERR_FORMAT,
                        "the training state has version %u; this Unroll reads version %u",
                        h.version, STATE_VERSION);
    size_t n_slots;
    float *slots = ur_optimizer_slots(t->opt, &n_slots);
    if (h.n != t->n || h.steps != t->steps || h.n_slots != n_slots ||
        h.n_layer_state != layer_state_floats(t->m) || h.n_metrics != t->t.n_metrics)
        return ur_error(ctx, UR_ERR_INVALID,
                        "the training state does not fit this run (%lld samples in %lld steps, "
                        "%llu optimizer values; this run has %lld in %lld, %zu): was the "
                        "dataset, the batch size, the model or the optimizer changed?",
                        (long long)h.n, (long long)h.steps, (unsigned long long)h.n_slots,
                        (long long)t->n, (long long)t->steps, n_slots);
    if (len != ur_trainer_state_size(t))
        return ur_error(ctx, UR_ERR_FORMAT, "the training state has %zu bytes, expected %zu", len,
                        ur_trainer_state_size(t));
    if (h.epoch < 0 || h.step < 0 || h.step > h.steps)
        return ur_error(ctx, UR_ERR_FORMAT, "the training state's position is out of range");
    const char *p = (const char *)buf + sizeof h;
    const int64_t *order = (const int64_t *)p;
    for (int64_t i = 0; i < h.n; i++)
        if (order[i] < 0 || order[i] >= h.n)
            return ur_error(ctx, UR_ERR_FORMAT, "the training state's sample order is corrupt");
    memcpy(t->r.idx, p, (size_t)h.n * sizeof(int64_t));
    p += (size_t)h.n * sizeof(int64_t);
    if (n_slots)
        memcpy(slots, p, n_slots * sizeof(float));
    p += n_slots * sizeof(float);
    t->dslots_stale = true;
    ur_optimizer_set_iterations(t->opt, h.iterations);
    ur_graph *g = ur_model_graph(t->m);
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        ur_layer *l = ur_graph_layer(g, i);
        if (l->state && l->kind->state_size) {
            size_t k = l->kind->state_size(l, l->state_batch);
            memcpy(l->state, p, k * sizeof(float));
            p += k * sizeof(float);
        }
    }
    t->epoch = (int)h.epoch;
    t->step = h.step;
    t->global = h.global;
    t->rng = h.rng;
    t->t.loss_sum = h.loss_sum;
    t->t.loss_count = h.loss_count;
    memcpy(t->t.sum, h.sum, sizeof h.sum);
    memcpy(t->t.count, h.count, sizeof h.count);
    return UR_OK;
}

ur_status ur_model_fit(ur_model *m, const ur_fit_config *cfg, const ur_data *train,
                       const ur_data *val, const ur_callbacks *cb, ur_ctx *ctx)
{
    ur_trainer *t = ur_trainer_new(m, cfg, train, val, ctx);
    if (!t)
        return ctx ? ctx->status : UR_ERR_INVALID;
    ur_status st = ur_trainer_run(t, cb, ctx);
    ur_trainer_free(t);
    return st;
}
