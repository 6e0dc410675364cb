/* repeat-vector.c — Keras RepeatVector: (B, F) -> (B, n, F), the same
 * vector at every one of n timesteps (an encoder state fed to a decoder).
 * Backward sums the n copies' gradients. */
#include "ur-internal.h"

typedef struct repeat_vector_cfg {
    int64_t n;
} repeat_vector_cfg;

static const ur_option repeat_vector_options[] = {
    {"n", UR_OPT_INT, offsetof(repeat_vector_cfg, n), NULL, 1, 1 << 24, .required = true,
     .help = "How many timesteps to repeat the input over"},
    {NULL},
};

/* (B, F) -> (B, n, F) */
static ur_status repeat_vector_infer(ur_layer *l, const ur_shape *in, const bool *in_mask,
                                     int n_in, ur_shape *out, ur_ctx *ctx)
{
    const repeat_vector_cfg *c = UR_CFG(l, repeat_vector_cfg);
    char buf[96];
    if (in[0].rank != 2)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "expects vectors of shape (batch, features), got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    out[0].rank = 3;
    out[0].dim[0] = in[0].dim[0];
    out[0].dim[1] = c->n;
    out[0].dim[2] = in[0].dim[1];
    l->n_outputs = 1;
    l->out_mask_src[0] = UR_MASK_NONE;
    return UR_OK;
}

static size_t repeat_vector_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    return 0;
}

/* y[b, i, :] = x[b, :]      x (B, F), y (B, n, F) */
static ur_status repeat_vector_forward(ur_layer *l, ur_pass *p)
{
    const repeat_vector_cfg *c = UR_CFG(l, repeat_vector_cfg);
    const ur_tensor *x = &p->in[0];
    int64_t B = x->dim[0], F = x->dim[1], R = c->n;
    const float *X = ur_tensor_f32(x);
    float *Y = ur_tensor_f32(&p->out[0]);
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < R; i++)
            memcpy(Y + (b * R + i) * F, X + b * F, (size_t)F * sizeof(float));
    return UR_OK;
}

/* dx[b, :] += Σ_i dy[b, i, :] */
static ur_status repeat_vector_backward(ur_layer *l, ur_pass *p)
{
    const repeat_vector_cfg *c = UR_CFG(l, repeat_vector_cfg);
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    int64_t B = x->dim[0], F = x->dim[1], R = c->n;
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dX = ur_tensor_f32(&p->din[0]);
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < R; i++) {
            const float *g = dY + (b * R + i) * F;
            for (int64_t f = 0; f < F; f++)
                dX[b * F + f] += g[f];
        }
    return UR_OK;
}

const ur_layer_kind ur_repeat_vector_kind = {
    .class_name = "RepeatVector",
    .group = "Core",
    .description = "Repeats a vector over n timesteps, e.g. to feed a decoder",
    .options = repeat_vector_options,
    .cfg_size = sizeof(repeat_vector_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = repeat_vector_infer,
    .cache_size = repeat_vector_cache_size,
    .forward = repeat_vector_forward,
    .backward = repeat_vector_backward,
};
