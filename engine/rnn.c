/* rnn.c — Keras's generic recurrent loop, shared by SimpleRNN, LSTM and GRU:
 * shape inference, dropout masks (drawn once per sequence), go_backwards,
 * masking (state frozen and output repeated on masked steps), initial and
 * stateful states, return_sequences/return_state, and the batched GEMMs of
 * the input projection and of the weight gradients. The cells (lstm.c,
 * gru.c, simple-rnn.c) supply one step forward and one step backward.
 */
#include "rnn.h"

#include <stdio.h>

const ur_rnn_cell *ur_rnn_cell_of(const ur_layer *l)
{
    if (l->kind == &ur_lstm_kind)
        return &ur_lstm_cell;
    if (l->kind == &ur_gru_kind)
        return &ur_gru_cell;
    return &ur_simple_rnn_cell;
}

/* ------------------------------------------------------------ options */

ur_status ur_rnn_validate(ur_layer *l, ur_ctx *ctx)
{
    ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    if (c->activation == UR_ACT_SOFTMAX || c->recurrent_activation == UR_ACT_SOFTMAX)
        return ur_error(ctx, UR_ERR_INVALID,
                        "softmax is not available inside a recurrent cell (it is not element-wise); "
                        "use tanh, sigmoid, hard_sigmoid, relu or linear");
    /* Keras: recurrent_dropout forces implementation 1 (per-gate masks) */
    if (c->recurrent_dropout != 0.0)
        c->implementation = 1;
    return UR_OK;
}

/* in (B, T, I) [+ initial states (B, U) ...]
 * out: (B, T, U) if return_sequences else (B, U); + states (B, U) each */
ur_status ur_rnn_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                       ur_shape *out, ur_ctx *ctx)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    const ur_rnn_cell *cell = ur_rnn_cell_of(l);
    char buf[128];
    if (in[0].rank != 3)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "expects input of shape (batch, timesteps, features), got %s (rank %d)",
                             ur_shape_format(&in[0], buf, sizeof buf), in[0].rank);
    if (in[0].dim[2] == UR_DIM_FREE)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "the feature axis of its input must be known, got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    if (c->stateful && in[0].dim[0] == UR_DIM_FREE)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "stateful needs a fixed batch size: give the Input a \"batch_size\"");
    int n_states = n_in - 1;
    if (n_states != 0 && n_states != cell->n_states)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "initial_state must list %d tensor%s (%s), got %d", cell->n_states,
                             cell->n_states == 1 ? "" : "s", cell->n_states == 1 ? "h" : "h, c",
                             n_states);
    for (int k = 1; k < n_in; k++) {
        bool ok = in[k].rank == 2 && in[k].dim[1] == c->units &&
                  (in[k].dim[0] == UR_DIM_FREE || in[0].dim[0] == UR_DIM_FREE ||
                   in[k].dim[0] == in[0].dim[0]);
        if (!ok) {
            ur_shape want = {2, {in[0].dim[0], c->units}};
            char b2[128];
            return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                                 "initial_state[%d] must have shape %s (units = %lld), got %s",
                                 k - 1, ur_shape_format(&want, buf, sizeof buf),
                                 (long long)c->units, ur_shape_format(&in[k], b2, sizeof b2));
        }
    }
    out[0].rank = c->return_sequences ? 3 : 2;
    out[0].dim[0] = in[0].dim[0];
    if (c->return_sequences) {
        out[0].dim[1] = in[0].dim[1];
        out[0].dim[2] = c->units;
    } else {
        out[0].dim[1] = c->units;
    }
    l->n_outputs = 1;
    l->out_mask_src[0] = (c->return_sequences && in_mask[0]) ? 0 : UR_MASK_NONE;
    if (c->return_state) {
        for (int k = 0; k < cell->n_states; k++) {
            out[1 + k] = (ur_shape){2, {in[0].dim[0], c->units}};
            l->out_mask_src[1 + k] = UR_MASK_NONE;
        }
        l->n_outputs += cell->n_states;
    }
    return UR_OK;
}

void ur_rnn_build(ur_layer *l, const ur_shape *in, int n_in)
{
    ur_rnn_cell_of(l)->build(l, in[0].dim[2]);
}

size_t ur_rnn_state_size(const ur_layer *l, int64_t batch)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    if (!c->stateful)
        return 0;
    return (size_t)(ur_rnn_cell_of(l)->n_states * batch * c->units);
}

/* ------------------------------------------------------------ the cache */

/* Dropout mask counts: inputs n_im (0, 1 or G), recurrent n_rm (0 or G). */
static int n_input_masks(const ur_rnn_cfg *c, const ur_rnn_cell *cell)
{
    if (!(c->dropout > 0.0 && c->dropout < 1.0))
        return 0;
    return c->implementation == 1 ? cell->gates : 1;
}

static int n_rec_masks(const ur_rnn_cfg *c, const ur_rnn_cell *cell)
{
    if (!(c->recurrent_dropout > 0.0 && c->recurrent_dropout < 1.0))
        return 0;
    return cell->gates;
}

typedef struct rnn_cache {
    float *used; /* [0]: input masks applied in forward, [1]: recurrent masks */
    float *xt;   /* (T, B, I) time-major input in processing order (single mask applied) */
    float *im;   /* (n_im, B, I) input dropout masks */
    float *rm;   /* (n_rm, B, U) recurrent dropout masks */
    float *zx;   /* (T, B, GU) d/d(input projection), written by backward */
    float *a;    /* (T, B, GU) gate values */
    float *h;    /* (T+1, B, U) states h; h[0] initial */
    float *c;    /* (T+1, B, U) LSTM cell states */
    float *ex;   /* (T, B, U) cell extras */
    float *dzr;  /* (T, B, GU) d/d(recurrent projection): GRU only (else = zx) */
    float *zr, *tmp, *tmp2;          /* (B, GU), (B, U), (B, U) */
    float *dh, *dc, *dhn, *dcn, *dhp, *dcp, *dout; /* (B, U) each */
    float *op;   /* (B, U) running last output (return_sequences false) */
    float *xs;   /* (T, B, I) scratch: per-gate masked inputs, dX */
    float *hs;   /* (T, B, U) scratch: masked recurrent inputs */
} rnn_cache;

static size_t carve_cache(const ur_layer *l, int64_t B, int64_t T, int64_t I, char *base,
                          rnn_cache *rc)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    const ur_rnn_cell *cell = ur_rnn_cell_of(l);
    int64_t U = c->units, GU = cell->gates * U;
    int n_im = n_input_masks(c, cell), n_rm = n_rec_masks(c, cell);
    char *cur = base;
    rnn_cache tmp;
    if (!rc)
        rc = &tmp;
    rc->used = ur_carve(&cur, 2);
    rc->xt = ur_carve(&cur, T * B * I);
    rc->im = ur_carve(&cur, n_im * B * I);
    rc->rm = ur_carve(&cur, n_rm * B * U);
    rc->zx = ur_carve(&cur, T * B * GU);
    rc->a = ur_carve(&cur, T * B * GU);
    rc->h = ur_carve(&cur, (T + 1) * B * U);
    rc->c = ur_carve(&cur, cell->n_states == 2 ? (T + 1) * B * U : 0);
    rc->ex = ur_carve(&cur, cell->has_extra ? T * B * U : 0);
    rc->dzr = cell == &ur_gru_cell ? ur_carve(&cur, T * B * GU) : rc->zx;
    rc->zr = ur_carve(&cur, B * GU);
    rc->tmp = ur_carve(&cur, B * U);
    rc->tmp2 = ur_carve(&cur, B * U);
    rc->dh = ur_carve(&cur, B * U);
    rc->dc = ur_carve(&cur, B * U);
    rc->dhn = ur_carve(&cur, B * U);
    rc->dcn = ur_carve(&cur, B * U);
    rc->dhp = ur_carve(&cur, B * U);
    rc->dcp = ur_carve(&cur, B * U);
    rc->dout = ur_carve(&cur, B * U);
    rc->op = ur_carve(&cur, B * U);
    rc->xs = ur_carve(&cur, T * B * I);
    rc->hs = ur_carve(&cur, (n_rm || cell == &ur_gru_cell) ? T * B * U : 0);
    return ur_carved(base, cur);
}

size_t ur_rnn_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    return carve_cache(l, in[0].dim[0], in[0].dim[1], in[0].dim[2], NULL, NULL);
}

/* ------------------------------------------------------- GEMM helpers */

void ur_rnn_rec_forward(const float *h, const float *rm, int n_rm, const float *Uw, int64_t B,
                        int64_t U, int G, int g0, int g1, float beta, float *zr, float *tmp)
{
    int64_t GU = (int64_t)G * U;
    if (!rm || n_rm == 0) {
        ur_sgemm(false, false, B, (g1 - g0) * U, U, 1.0f, h, U, Uw + g0 * U, GU, beta,
                 zr + g0 * U, GU);
        return;
    }
    for (int g = g0; g < g1; g++) {
        const float *m = rm + (int64_t)g * B * U;
        for (int64_t i = 0; i < B * U; i++)
            tmp[i] = h[i] * m[i];
        ur_sgemm(false, false, B, U, U, 1.0f, tmp, U, Uw + g * U, GU, beta, zr + g * U, GU);
    }
}

void ur_rnn_rec_backward(const float *dzr, const float *rm, int n_rm, const float *Uw, int64_t B,
                         int64_t U, int G, int g0, int g1, float *dh, float *tmp)
{
    int64_t GU = (int64_t)G * U;
    if (!rm || n_rm == 0) {
        ur_sgemm(false, true, B, U, (g1 - g0) * U, 1.0f, dzr + g0 * U, GU, Uw + g0 * U, GU, 1.0f,
                 dh, U);
        return;
    }
    for (int g = g0; g < g1; g++) {
        const float *m = rm + (int64_t)g * B * U;
        ur_sgemm(false, true, B, U, U, 1.0f, dzr + g * U, GU, Uw + g * U, GU, 0.0f, tmp, U);
        for (int64_t i = 0; i < B * U; i++)
            dh[i] += tmp[i] * m[i];
    }
}

/* out[s, b, :] = xt[s, b, :] ∘ m[b, :] over (T, B, I); out may be xt. */
static void apply_input_mask(const float *xt, const float *m, int64_t T, int64_t B, int64_t I,
                             float *out)
{
    for (int64_t r = 0; r < T * B; r++) {
        const float *mr = m + (r % B) * I;
        for (int64_t i = 0; i < I; i++)
            out[r * I + i] = xt[r * I + i] * mr[i];
    }
}

/* ------------------------------------------------------------- forward */

/* Weights of every cell: kernel (I, GU), recurrent_kernel (U, GU), then the
 * bias: (GU) or, GRU reset_after, (2, GU) whose row 0 is the input bias. */
static const float *input_bias(const ur_layer *l)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    return c->use_bias ? l->weights[2].data : NULL;
}

/* Forward, Keras's generic loop:
 *   xt[s] = x[:, t(s)] (∘ input mask)                       (T, B, I)
 *   a     = xt · K + b_in   (one GEMM, or one per gate with per-gate masks)
 *   for s: h_new, c_new = cell(a[s], h[s], c[s])   (the cell turns a[s] into gate values)
 *          h[s+1] = mask ? h_new : h[s]   (and c)
 *          y[s]   = mask ? h_new : (zero_output_for_mask ? 0 : y[s-1])
 * Caches: xt, masks, gate values a, states h/c, cell extras. */
ur_status ur_rnn_forward(ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    const ur_rnn_cell *cell = ur_rnn_cell_of(l);
    const ur_tensor *x = &p->in[0];
    int64_t B = x->dim[0], T = x->dim[1], I = x->dim[2], U = c->units;
    int G = cell->gates;
    int64_t GU = G * U, BU = B * U;
    rnn_cache rc;
    carve_cache(l, B, T, I, p->cache, &rc);
    const uint8_t *mask = p->in_mask[0];
    const float *X = ur_tensor_f32(x);
    const float *K = l->weights[0].data;

    int n_im = p->training ? n_input_masks(c, cell) : 0;
    int n_rm = p->training ? n_rec_masks(c, cell) : 0;
    rc.used[0] = (float)n_im;
    rc.used[1] = (float)n_rm;
    if (n_im)
        ur_dropout_mask(p->rng, (float)c->dropout, rc.im, n_im * B * I);
    if (n_rm)
        ur_dropout_mask(p->rng, (float)c->recurrent_dropout, rc.rm, n_rm * B * U);

    /* time-major copy in processing order */
    for (int64_t s = 0; s < T; s++) {
        int64_t t = c->go_backwards ? T - 1 - s : s;
        for (int64_t b = 0; b < B; b++) {
            const float *src = X + (b * T + t) * I;
            float *dst = rc.xt + (s * B + b) * I;
            if (n_im == 1) {
                const float *m = rc.im + b * I;
                for (int64_t i = 0; i < I; i++)
                    dst[i] = src[i] * m[i];
            } else {
                memcpy(dst, src, (size_t)I * sizeof(float));
            }
        }
    }
    /* input projections, bias first */
    /* straight into the gate buffer: each step adds its recurrent product in place */
    const float *bin = input_bias(l);
    if (bin) {
        for (int64_t r = 0; r < T * B; r++)
            memcpy(rc.a + r * GU, bin, (size_t)GU * sizeof(float));
    }
    if (n_im <= 1) {
        ur_sgemm(false, false, T * B, GU, I, 1.0f, rc.xt, I, K, GU, bin ? 1.0f : 0.0f, rc.a, GU);
    } else {
        for (int g = 0; g < G; g++) {
            apply_input_mask(rc.xt, rc.im + (int64_t)g * B * I, T, B, I, rc.xs);
            ur_sgemm(false, false, T * B, U, I, 1.0f, rc.xs, I, K + g * U, GU, bin ? 1.0f : 0.0f,
                     rc.a + g * U, GU);
        }
    }

    /* initial states: given tensors, else the stateful state, else zeros */
    bool given = p->n_in > 1;
    float *st = c->stateful ? l->state : NULL;
    for (int k = 0; k < cell->n_states; k++) {
        float *dst = k == 0 ? rc.h : rc.c;
        if (given)
            memcpy(dst, p->in[1 + k].data, (size_t)BU * sizeof(float));
        else if (st)
            memcpy(dst, st + k * BU, (size_t)BU * sizeof(float));
        else
            memset(dst, 0, (size_t)BU * sizeof(float));
    }

    float *Y = ur_tensor_f32(&p->out[0]);
    memset(rc.op, 0, (size_t)BU * sizeof(float));
    ur_rnn_step step = {.B = B, .U = U, .rm = n_rm ? rc.rm : NULL, .n_rm = n_rm,
                        .zr = rc.zr, .tmp = rc.tmp};
    for (int64_t s = 0; s < T; s++) {
        int64_t t = c->go_backwards ? T - 1 - s : s;
        step.a = rc.a + s * B * GU;
        step.extra = cell->has_extra ? rc.ex + s * BU : NULL;
        step.h_prev = rc.h + s * BU;
        step.h_new = rc.h + (s + 1) * BU;
        if (cell->n_states == 2) {
            step.c_prev = rc.c + s * BU;
            step.c_new = rc.c + (s + 1) * BU;
        }
        cell->step_forward(l, &step);
        for (int64_t b = 0; b < B; b++) {
            bool valid = !mask || mask[b * T + t];
            float *hn = step.h_new + b * U;
            if (!valid) {
                memcpy(hn, step.h_prev + b * U, (size_t)U * sizeof(float));
                if (cell->n_states == 2)
                    memcpy(step.c_new + b * U, step.c_prev + b * U, (size_t)U * sizeof(float));
            }
            float *yo = c->return_sequences ? Y + (b * T + s) * U : rc.op + b * U;
            if (valid) {
                memcpy(yo, hn, (size_t)U * sizeof(float));
            } else if (c->zero_output_for_mask) {
                memset(yo, 0, (size_t)U * sizeof(float));
            } else if (c->return_sequences) {
                if (s == 0)
                    memset(yo, 0, (size_t)U * sizeof(float));
                else
                    memcpy(yo, Y + (b * T + s - 1) * U, (size_t)U * sizeof(float));
            } /* else: the running last output stays */
        }
    }
    if (!c->return_sequences)
        memcpy(Y, rc.op, (size_t)BU * sizeof(float));
    if (c->return_state) {
        memcpy(p->out[1].data, rc.h + T * BU, (size_t)BU * sizeof(float));
        if (cell->n_states == 2)
            memcpy(p->out[2].data, rc.c + T * BU, (size_t)BU * sizeof(float));
    }
    if (st) {
        memcpy(st, rc.h + T * BU, (size_t)BU * sizeof(float));
        if (cell->n_states == 2)
            memcpy(st + BU, rc.c + T * BU, (size_t)BU * sizeof(float));
    }
    return UR_OK;
}

/* ------------------------------------------------------------ backward */

/* Backward through time, s = T-1 .. 0:
 *   g_out = carry_out + dY[s]
 *   valid rows:  dh_new = dh + g_out, dc_new = dc;  carry_out = 0
 *   masked rows: dh_new = dc_new = 0; carry_out = zero_output ? 0 : g_out;
 *                dh, dc pass through unchanged
 *   cell: dzx[s], dzr[s], dh_prev, dc_prev;  valid rows: dh = dh_prev, dc = dc_prev
 * then, batched over all steps:
 *   dK += xtᵀ · dzx      db_in += Σ dzx      dU += h[0..T-1]ᵀ · dzr
 *   dx[:, t(s)] += (dzx[s] · Kᵀ) (∘ input mask)
 *   d initial_state += dh, dc */
ur_status ur_rnn_backward(ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    const ur_rnn_cell *cell = ur_rnn_cell_of(l);
    const ur_tensor *x = &p->in[0];
    int64_t B = x->dim[0], T = x->dim[1], I = x->dim[2], U = c->units;
    int G = cell->gates;
    int64_t GU = G * U, BU = B * U;
    rnn_cache rc;
    carve_cache(l, B, T, I, p->cache, &rc);
    const uint8_t *mask = p->in_mask[0];
    const float *K = l->weights[0].data;
    /* the dropout masks that forward applied (none in inference mode) */
    int n_im = (int)rc.used[0], n_rm = (int)rc.used[1];

    const float *dY = p->dout[0].data ? ur_tensor_f32(&p->dout[0]) : NULL;
    memset(rc.dh, 0, (size_t)BU * sizeof(float));
    memset(rc.dc, 0, (size_t)BU * sizeof(float));
    memset(rc.dout, 0, (size_t)BU * sizeof(float));
    if (c->return_state) {
        if (p->dout[1].data)
            memcpy(rc.dh, p->dout[1].data, (size_t)BU * sizeof(float));
        if (cell->n_states == 2 && p->dout[2].data)
            memcpy(rc.dc, p->dout[2].data, (size_t)BU * sizeof(float));
    }
    if (dY && !c->return_sequences)
        memcpy(rc.dout, dY, (size_t)BU * sizeof(float));

    ur_rnn_step step = {.B = B, .U = U, .rm = n_rm ? rc.rm : NULL, .n_rm = n_rm,
                        .zr = rc.zr, .tmp = rc.tmp, .dh = rc.dhn, .dc = rc.dcn,
                        .dh_prev = rc.dhp, .dc_prev = rc.dcp};
    for (int64_t s = T - 1; s >= 0; s--) {
        int64_t t = c->go_backwards ? T - 1 - s : s;
        for (int64_t b = 0; b < B; b++) {
            bool valid = !mask || mask[b * T + t];
            float *dhn = rc.dhn + b * U, *dcn = rc.dcn + b * U, *co = rc.dout + b * U;
            const float *dh = rc.dh + b * U, *dc = rc.dc + b * U;
            const float *dys = (dY && c->return_sequences) ? dY + (b * T + s) * U : NULL;
            if (valid) {
                for (int64_t u = 0; u < U; u++) {
                    dhn[u] = dh[u] + co[u] + (dys ? dys[u] : 0.0f);
                    co[u] = 0.0f;
                }
                if (cell->n_states == 2)
                    memcpy(dcn, dc, (size_t)U * sizeof(float));
            } else {
                for (int64_t u = 0; u < U; u++) {
                    float g = co[u] + (dys ? dys[u] : 0.0f);
                    co[u] = c->zero_output_for_mask ? 0.0f : g;
                    dhn[u] = 0.0f;
                }
                if (cell->n_states == 2)
                    memset(dcn, 0, (size_t)U * sizeof(float));
            }
        }
        step.a = rc.a + s * B * GU;
        step.extra = cell->has_extra ? rc.ex + s * BU : NULL;
        step.h_prev = rc.h + s * BU;
        step.h_new = rc.h + (s + 1) * BU;
        if (cell->n_states == 2) {
            step.c_prev = rc.c + s * BU;
            step.c_new = rc.c + (s + 1) * BU;
        }
        step.dzx = rc.zx + s * B * GU;
        step.dzr = rc.dzr + s * B * GU;
        cell->step_backward(l, &step);
        if (!mask) {
            memcpy(rc.dh, rc.dhp, (size_t)BU * sizeof(float));
            if (cell->n_states == 2)
                memcpy(rc.dc, rc.dcp, (size_t)BU * sizeof(float));
        } else {
            for (int64_t b = 0; b < B; b++) {
                if (!mask[b * T + t])
                    continue;
                memcpy(rc.dh + b * U, rc.dhp + b * U, (size_t)U * sizeof(float));
                if (cell->n_states == 2)
                    memcpy(rc.dc + b * U, rc.dcp + b * U, (size_t)U * sizeof(float));
            }
        }
    }
    const float *dzx = rc.zx;

    /* initial state gradients */
    if (p->n_in > 1) {
        for (int k = 0; k < cell->n_states; k++) {
            if (!p->din[1 + k].data)
                continue;
            float *d = ur_tensor_f32(&p->din[1 + k]);
            const float *src = k == 0 ? rc.dh : rc.dc;
            for (int64_t i = 0; i < BU; i++)
                d[i] += src[i];
        }
    }

    /* kernel and input bias */
    float *dK = l->weights[0].grad, *dU = l->weights[1].grad;
    if (n_im <= 1) {
        ur_sgemm(true, false, I, GU, T * B, 1.0f, rc.xt, I, dzx, GU, 1.0f, dK, GU);
    } else {
        for (int g = 0; g < G; g++) {
            apply_input_mask(rc.xt, rc.im + (int64_t)g * B * I, T, B, I, rc.xs);
            ur_sgemm(true, false, I, U, T * B, 1.0f, rc.xs, I, dzx + g * U, GU, 1.0f, dK + g * U,
                     GU);
        }
    }
    if (c->use_bias) {
        float *db = l->weights[2].grad;
        for (int64_t r = 0; r < T * B; r++) {
            const float *row = dzx + r * GU;
            for (int64_t j = 0; j < GU; j++)
                db[j] += row[j];
        }
        if (cell == &ur_gru_cell && c->reset_after) {
            float *dbr = db + GU;
            for (int64_t r = 0; r < T * B; r++) {
                const float *row = rc.dzr + r * GU;
                for (int64_t j = 0; j < GU; j++)
                    dbr[j] += row[j];
            }
        }
    }

    /* recurrent kernel: dU_g += rin_gᵀ · dzr_g, rin = h[0..T-1] (∘ rec mask) or the cell's */
    bool special = false;
    if (cell->rec_input)
        for (int g = 0; g < G; g++)
            special |= cell->rec_input(l, g, rc.h, rc.ex) != NULL;
    if (n_rm == 0 && !special) {
        ur_sgemm(true, false, U, GU, T * B, 1.0f, rc.h, U, rc.dzr, GU, 1.0f, dU, GU);
    } else {
        for (int g = 0; g < G; g++) {
            const float *rin = cell->rec_input ? cell->rec_input(l, g, rc.h, rc.ex) : NULL;
            if (!rin && n_rm) {
                const float *m = rc.rm + (int64_t)g * BU;
                for (int64_t s = 0; s < T; s++)
                    for (int64_t i = 0; i < BU; i++)
                        rc.hs[s * BU + i] = rc.h[s * BU + i] * m[i];
                rin = rc.hs;
            } else if (!rin) {
                rin = rc.h;
            }
            ur_sgemm(true, false, U, U, T * B, 1.0f, rin, U, rc.dzr + g * U, GU, 1.0f, dU + g * U,
                     GU);
        }
    }

    /* input gradient */
    if (p->din[0].data) {
        float *dX = ur_tensor_f32(&p->din[0]);
        if (n_im <= 1) {
            ur_sgemm(false, true, T * B, I, GU, 1.0f, dzx, GU, K, GU, 0.0f, rc.xs, I);
            if (n_im == 1)
                apply_input_mask(rc.xs, rc.im, T, B, I, rc.xs);
        } else {
            memset(rc.xs, 0, (size_t)(T * B * I) * sizeof(float));
            for (int g = 0; g < G; g++) {
                /* xs += (dzx_g · K_gᵀ) ∘ m_g */
                const float *m = rc.im + (int64_t)g * B * I;
                for (int64_t s = 0; s < T; s++) {
                    float *tmpx = rc.xs + s * B * I;
                    for (int64_t b = 0; b < B; b++) {
                        const float *dz = dzx + (s * B + b) * GU + g * U;
                        const float *mr = m + b * I;
                        for (int64_t i = 0; i < I; i++) {
                            const float *krow = K + i * GU + g * U;
                            float acc = 0.0f;
                            for (int64_t u = 0; u < U; u++)
                                acc += dz[u] * krow[u];
                            tmpx[b * I + i] += acc * mr[i];
                        }
                    }
                }
            }
        }
        for (int64_t s = 0; s < T; s++) {
            int64_t t = c->go_backwards ? T - 1 - s : s;
            for (int64_t b = 0; b < B; b++) {
                float *dst = dX + (b * T + t) * I;
                const float *src = rc.xs + (s * B + b) * I;
                for (int64_t i = 0; i < I; i++)
                    dst[i] += src[i];
            }
        }
    }
    return UR_OK;
}
