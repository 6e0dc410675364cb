/* simple-rnn.c — Keras SimpleRNN: h = act(x · K + b + h_prev · U). The cell
 * step forward and backward; the loop is rnn.c's.
 *
 * Weights: kernel (I, U), recurrent_kernel (U, U), bias (U)
 */
#include "rnn.h"

static const ur_option simple_rnn_options[] = {
    UR_RNN_COMMON_OPTIONS,
    {NULL},
};

static void simple_rnn_build(ur_layer *l, int64_t I)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t U = c->units;
    int64_t kd[2] = {I, U}, rd[2] = {U, U};
    ur_layer_add_weight(l, "kernel", 2, kd, &c->kernel_initializer, true);
    ur_layer_add_weight(l, "recurrent_kernel", 2, rd, &c->recurrent_initializer, true);
    if (c->use_bias)
        ur_layer_add_weight(l, "bias", 1, &U, &c->bias_initializer, true);
}

/* h = act(a + h_prev · U), a = x·K + b on entry; caches a = h (before masking) */
static void simple_rnn_step_forward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t n = s->B * s->U;
    ur_rnn_rec_forward(s->h_prev, s->rm, s->n_rm, l->weights[1].data, s->B, s->U, 1, 0, 1, 1.0f,
                       s->a, s->tmp);
    ur_fast_act(c->activation, s->a, n);
    memcpy(s->h_new, s->a, (size_t)n * sizeof(float));
}

/* dz = dh ∘ act'(h);  dh_prev = dz · Uᵀ */
static void simple_rnn_step_backward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t n = s->B * s->U;
    memcpy(s->dzx, s->dh, (size_t)n * sizeof(float));
    ur_fast_act_grad(c->activation, s->a, s->dzx, n);
    memset(s->dh_prev, 0, (size_t)n * sizeof(float));
    ur_rnn_rec_backward(s->dzx, s->rm, s->n_rm, l->weights[1].data, s->B, s->U, 1, 0, 1,
                        s->dh_prev, s->tmp);
}

const ur_rnn_cell ur_simple_rnn_cell = {
    .gates = 1,
    .n_states = 1,
    .has_extra = false,
    .build = simple_rnn_build,
    .step_forward = simple_rnn_step_forward,
    .step_backward = simple_rnn_step_backward,
};

const ur_layer_kind ur_simple_rnn_kind = {
    .class_name = "SimpleRNN",
    .description = "Fully connected recurrence: the simplest RNN cell",
    .options = simple_rnn_options,
    UR_RNN_KIND_COMMON,
};
