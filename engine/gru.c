/* gru.c — Keras GRU, both conventions: reset_after=True (the default, cuDNN's)
 * and reset_after=False. The cell step forward and backward; the loop is
 * rnn.c's.
 *
 * Weights (gate blocks z, r, h along the columns):
 *   kernel (I, 3U), recurrent_kernel (U, 3U),
 *   bias (2, 3U) with reset_after (row 0 input, row 1 recurrent), else (3U)
 */
#include "rnn.h"

static const ur_option gru_options[] = {
    UR_RNN_COMMON_OPTIONS,
    {"recurrent_activation", UR_OPT_ACTIVATION, offsetof(ur_rnn_cfg, recurrent_activation),
     "\"sigmoid\"", .help = "Activation of the update and reset gates"},
    {"reset_after", UR_OPT_BOOL, offsetof(ur_rnn_cfg, reset_after), "true",
     .help = "Apply the reset gate after the recurrent product (cuDNN-compatible)"},
    {NULL},
};

static void gru_build(ur_layer *l, int64_t I)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t U = c->units;
    int64_t kd[2] = {I, 3 * U}, rd[2] = {U, 3 * U};
    ur_layer_add_weight(l, "kernel", 2, kd, &c->kernel_initializer, true);
    ur_layer_add_weight(l, "recurrent_kernel", 2, rd, &c->recurrent_initializer, true);
    if (c->use_bias) {
        if (c->reset_after) {
            int64_t bd[2] = {2, 3 * U};
            ur_layer_add_weight(l, "bias", 2, bd, &c->bias_initializer, true);
        } else {
            int64_t bd[1] = {3 * U};
            ur_layer_add_weight(l, "bias", 1, bd, &c->bias_initializer, true);
        }
    }
}

/* On entry a = zx = x·K + b_in (this step's input projection).
 * reset_after:
 *   q   = h_prev · U + b_rec                   (all three blocks)
 *   z   = rσ(zx_z + q_z)    r = rσ(zx_r + q_r)
 *   hh  = act(zx_h + r ∘ q_h)
 *   h   = z ∘ h_prev + (1 − z) ∘ hh           caches a = [z r hh], extra = q_h
 * reset_after = false:
 *   q   = h_prev · U[:, z r]
 *   z, r as above;  rh = r ∘ (h_prev ∘ m_h)
 *   hh  = act(zx_h + rh · U_h)
 *   h   = z ∘ h_prev + (1 − z) ∘ hh           caches a = [z r hh], extra = rh */
static void gru_step_forward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t B = s->B, U = s->U, GU = 3 * U;
    const float *Uw = l->weights[1].data;
    float *q = s->zr;
    if (c->reset_after) {
        ur_rnn_rec_forward(s->h_prev, s->rm, s->n_rm, Uw, B, U, 3, 0, 3, 0.0f, q, s->tmp);
        if (c->use_bias) {
            const float *br = l->weights[2].data + GU;
            for (int64_t b = 0; b < B; b++)
                for (int64_t j = 0; j < GU; j++)
                    q[b * GU + j] += br[j];
        }
    } else {
        ur_rnn_rec_forward(s->h_prev, s->rm, s->n_rm, Uw, B, U, 3, 0, 2, 0.0f, q, s->tmp);
    }
    for (int64_t b = 0; b < B; b++) {
        float *restrict a = s->a + b * GU;
        const float *restrict qb = q + b * GU;
        for (int64_t j = 0; j < 2 * U; j++)
            a[j] += qb[j];
        ur_fast_act(c->recurrent_activation, a, 2 * U);
    }
    if (c->reset_after) {
        for (int64_t b = 0; b < B; b++) {
            float *restrict a = s->a + b * GU;
            const float *restrict qb = q + b * GU;
            float *restrict ex = s->extra + b * U;
            for (int64_t j = 0; j < U; j++) {
                ex[j] = qb[2 * U + j];
                a[2 * U + j] += a[U + j] * ex[j];
            }
        }
    } else {
        const float *mh = s->rm ? s->rm + 2 * B * U : NULL;
        for (int64_t b = 0; b < B; b++) {
            const float *restrict a = s->a + b * GU;
            const float *restrict hp = s->h_prev + b * U;
            float *restrict ex = s->extra + b * U;
            for (int64_t j = 0; j < U; j++)
                ex[j] = a[U + j] * hp[j] * (mh ? mh[b * U + j] : 1.0f);
        }
        /* a_h += rh · U_h */
        ur_sgemm(false, false, B, U, U, 1.0f, s->extra, U, Uw + 2 * U, GU, 1.0f, s->a + 2 * U,
                 GU);
    }
    for (int64_t b = 0; b < B; b++) {
        float *restrict a = s->a + b * GU;
        ur_fast_act(c->activation, a + 2 * U, U);
        const float *restrict hp = s->h_prev + b * U;
        float *restrict hn = s->h_new + b * U;
        for (int64_t j = 0; j < U; j++)
            hn[j] = a[j] * hp[j] + (1.0f - a[j]) * a[2 * U + j];
    }
}

/* Given dh for the new state:
 *   dz  = dh ∘ (h_prev − hh) ∘ rσ'(z)       dh_prev  = dh ∘ z  + ...
 *   dah = dh ∘ (1 − z) ∘ act'(hh)           dzx_h = dah
 * reset_after:  dzr_h = dah ∘ r;  dr = dah ∘ q_h
 * reset_after = false: d(rh) = dah · U_hᵀ;  dr = d(rh) ∘ h_prev∘m_h;
 *                      dh_prev += d(rh) ∘ r ∘ m_h;  dzr_h = dah
 *   dzx_r = dzr_r = dr ∘ rσ'(r);  dzx_z = dzr_z = dz
 *   dh_prev += Σ_g dzr_g · U_gᵀ over the gates that multiply h_prev */
static void gru_step_backward(const ur_layer *l, ur_rnn_step *s)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int64_t B = s->B, U = s->U, GU = 3 * U;
    const float *Uw = l->weights[1].data;
    for (int64_t b = 0; b < B; b++) {
        const float *restrict a = s->a + b * GU;
        const float *restrict hp = s->h_prev + b * U;
        const float *restrict dh = s->dh + b * U;
        float *restrict dzx = s->dzx + b * GU;
        float *restrict dhp = s->dh_prev + b * U;
        for (int64_t j = 0; j < U; j++) {
            dzx[j] = dh[j] * (hp[j] - a[2 * U + j]);
            dzx[2 * U + j] = dh[j] * (1.0f - a[j]);
            dhp[j] = dh[j] * a[j];
        }
        ur_fast_act_grad(c->recurrent_activation, a, dzx, U);
        ur_fast_act_grad(c->activation, a + 2 * U, dzx + 2 * U, U);
    }
    if (c->reset_after) {
        for (int64_t b = 0; b < B; b++) {
            const float *restrict a = s->a + b * GU;
            const float *restrict ex = s->extra + b * U;
            float *restrict dzx = s->dzx + b * GU;
            float *restrict dzr = s->dzr + b * GU;
            for (int64_t j = 0; j < U; j++) {
                dzr[2 * U + j] = dzx[2 * U + j] * a[U + j];
                dzx[U + j] = dzx[2 * U + j] * ex[j];
            }
            ur_fast_act_grad(c->recurrent_activation, a + U, dzx + U, U);
            memcpy(dzr, dzx, (size_t)(2 * U) * sizeof(float));
        }
        ur_rnn_rec_backward(s->dzr, s->rm, s->n_rm, Uw, B, U, 3, 0, 3, s->dh_prev, s->tmp);
    } else {
        /* d(rh) = dah · U_hᵀ into tmp */
        float *drh = s->tmp;
        ur_sgemm(false, true, B, U, U, 1.0f, s->dzx + 2 * U, GU, Uw + 2 * U, GU, 0.0f, drh, U);
        const float *mh = s->rm ? s->rm + 2 * B * U : NULL;
        for (int64_t b = 0; b < B; b++) {
            const float *restrict a = s->a + b * GU;
            const float *restrict hp = s->h_prev + b * U;
            float *restrict dzx = s->dzx + b * GU;
            float *restrict dzr = s->dzr + b * GU;
            float *restrict dhp = s->dh_prev + b * U;
            const float *restrict d = drh + b * U;
            for (int64_t j = 0; j < U; j++) {
                float m = mh ? mh[b * U + j] : 1.0f;
                dzx[U + j] = d[j] * hp[j] * m;
                dhp[j] += d[j] * a[U + j] * m;
            }
            ur_fast_act_grad(c->recurrent_activation, a + U, dzx + U, U);
            memcpy(dzr, dzx, (size_t)GU * sizeof(float));
        }
        /* tmp is free again: the z and r gates */
        ur_rnn_rec_backward(s->dzr, s->rm, s->n_rm, Uw, B, U, 3, 0, 2, s->dh_prev, s->tmp);
    }
}

/* reset_after = false: the h block's recurrent product takes r ∘ h_prev. */
static const float *gru_rec_input(const ur_layer *l, int g, const float *hprev, const float *extra)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    return (!c->reset_after && g == 2) ? extra : NULL;
}

const ur_rnn_cell ur_gru_cell = {
    .gates = 3,
    .n_states = 1,
    .has_extra = true,
    .build = gru_build,
    .step_forward = gru_step_forward,
    .step_backward = gru_step_backward,
    .rec_input = gru_rec_input,
};

const ur_layer_kind ur_gru_kind = {
    .class_name = "GRU",
    .description = "Gated Recurrent Unit: update and reset gates, one state",
    .options = gru_options,
    UR_RNN_KIND_COMMON,
};
