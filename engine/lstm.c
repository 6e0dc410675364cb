/* lstm.c — Keras LSTM: the cell step forward and backward, its weights and
 * options. The loop around the cell (masks, dropout, go_backwards, states,
 * batched GEMMs) is rnn.c's.
 *
 * Weights (gate blocks i, f, c, o along the columns):
 *   kernel (I, 4U), recurrent_kernel (U, 4U), bias (4U)
 */
#include "rnn.h"

static const ur_option lstm_options[] = {
    UR_RNN_COMMON_OPTIONS,
    {"recurrent_activation", UR_OPT_ACTIVATION, offsetof(ur_rnn_cfg, recurrent_activation),
     "\"sigmoid\"", .help = "Activation of the input, forget and output gates"},
    {"unit_forget_bias", UR_OPT_BOOL, offsetof(ur_rnn_cfg, unit_forget_bias), "true",
     .help = "Initialise the forget gate's bias to 1"},
    {NULL},
};

static void lstm_build(ur_layer *l, int64_t I)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t U = c->units;
    int64_t kd[2] = {I, 4 * U}, rd[2] = {U, 4 * U}, bd[1] = {4 * U};
    ur_layer_add_weight(l, "kernel", 2, kd, &c->kernel_initializer, true);
    ur_layer_add_weight(l, "recurrent_kernel", 2, rd, &c->recurrent_initializer, true);
    if (c->use_bias)
        ur_layer_add_weight(l, "bias", 1, bd, &c->bias_initializer, true);
}

/* unit_forget_bias: bias = [init(U), ones(U), init(2U)] (Keras sets the
 * forget block to exactly 1). */
static void lstm_init(ur_layer *l, ur_rng *rng)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    if (!c->use_bias || !c->unit_forget_bias)
        return;
    float *b = l->weights[2].data;
    for (int64_t u = 0; u < c->units; u++)
        b[c->units + u] = 1.0f;
}

/* One step, rows b of the batch, columns j of a gate block:
 *   z   = a + h_prev · U            (a holds x·K + b on entry)
 *   i   = rσ(z_i)    f = rσ(z_f)    g = act(z_c)    o = rσ(z_o)
 *   c   = f ∘ c_prev + i ∘ g
 *   h   = o ∘ act(c)
 * Caches a = [i f g o], extra = act(c). */
static void lstm_step_forward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t B = s->B, U = s->U, GU = 4 * U;
    ur_rnn_rec_forward(s->h_prev, s->rm, s->n_rm, l->weights[1].data, B, U, 4, 0, 4, 1.0f, s->a,
                       s->tmp);
    for (int64_t b = 0; b < B; b++) {
        float *restrict a = s->a + b * GU;
        ur_fast_act(c->recurrent_activation, a, 2 * U);
        ur_fast_act(c->activation, a + 2 * U, U);
        ur_fast_act(c->recurrent_activation, a + 3 * U, U);
        const float *restrict cp = s->c_prev + b * U;
        float *restrict cn = s->c_new + b * U;
        float *restrict tc = s->extra + b * U;
        float *restrict hn = s->h_new + b * U;
        for (int64_t j = 0; j < U; j++) {
            cn[j] = a[U + j] * cp[j] + a[j] * a[2 * U + j];
            tc[j] = cn[j];
        }
        ur_fast_act(c->activation, tc, U);
        for (int64_t j = 0; j < U; j++)
            hn[j] = a[3 * U + j] * tc[j];
    }
}

/* Given dh, dc for the new state:
 *   dc~  = dc + dh ∘ o ∘ act'(act(c))
 *   dz_i = dc~ ∘ g ∘ rσ'(i)     dz_f = dc~ ∘ c_prev ∘ rσ'(f)
 *   dz_c = dc~ ∘ i ∘ act'(g)    dz_o = dh ∘ act(c) ∘ rσ'(o)
 *   dc_prev = dc~ ∘ f           dh_prev = dz · Uᵀ
 * dzr = dzx (the same pre-activation receives both projections). */
static void lstm_step_backward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t B = s->B, U = s->U, GU = 4 * U;
    for (int64_t b = 0; b < B; b++) {
        const float *restrict a = s->a + b * GU;
        const float *restrict tc = s->extra + b * U;
        const float *restrict cp = s->c_prev + b * U;
        const float *restrict dh = s->dh + b * U;
        float *restrict dc = s->dc + b * U;
        float *restrict dz = s->dzx + b * GU;
        float *restrict dcp = s->dc_prev + b * U;
        float *restrict t = s->tmp + b * U;
        /* t = dh ∘ o, then through act at c */
        for (int64_t j = 0; j < U; j++)
            t[j] = dh[j] * a[3 * U + j];
        ur_fast_act_grad(c->activation, tc, t, U);
        for (int64_t j = 0; j < U; j++) {
            float dct = dc[j] + t[j];
            dz[j] = dct * a[2 * U + j];            /* d i */
            dz[U + j] = dct * cp[j];               /* d f */
            dz[2 * U + j] = dct * a[j];            /* d g */
            dz[3 * U + j] = dh[j] * tc[j];         /* d o */
            dcp[j] = dct * a[U + j];
        }
        ur_fast_act_grad(c->recurrent_activation, a, dz, 2 * U);
        ur_fast_act_grad(c->activation, a + 2 * U, dz + 2 * U, U);
        ur_fast_act_grad(c->recurrent_activation, a + 3 * U, dz + 3 * U, U);
    }
    memset(s->dh_prev, 0, (size_t)(B * U) * sizeof(float));
    ur_rnn_rec_backward(s->dzx, s->rm, s->n_rm, l->weights[1].data, B, U, 4, 0, 4, s->dh_prev,
                        s->tmp);
}

const ur_rnn_cell ur_lstm_cell = {
    .gates = 4,
    .n_states = 2,
    .has_extra = true,
    .build = lstm_build,
    .step_forward = lstm_step_forward,
    .step_backward = lstm_step_backward,
};

const ur_layer_kind ur_lstm_kind = {
    .class_name = "LSTM",
    .description = "Long Short-Term Memory: gated cell state that keeps information over long spans",
    .options = lstm_options,
    .init = lstm_init,
    UR_RNN_KIND_COMMON,
};
