/* masking.c — Keras Masking: marks a timestep as padding when every feature
 * equals mask_value, zeroes those feature vectors and hands the (B, T) mask
 * to the layers that follow. An incoming mask is replaced, as in Keras. */
#include "ur-internal.h"

typedef struct masking_cfg {
    double mask_value;
} masking_cfg;

static const ur_option masking_options[] = {
    {"mask_value", UR_OPT_FLOAT, offsetof(masking_cfg, mask_value), "0.0",
     .help = "Timesteps whose features all equal this value are skipped"},
    {NULL},
};

/* (B, T, F) -> (B, T, F) with its own (B, T) mask */
static ur_status masking_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                               ur_shape *out, ur_ctx *ctx)
{
    char buf[96];
    if (in[0].rank != 3)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "expects sequences of shape (batch, timesteps, features), got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    out[0] = in[0];
    l->n_outputs = 1;
    l->out_mask_src[0] = UR_MASK_OWN;
    return UR_OK;
}

static size_t masking_cache_size(const ur_layer *l, const ur_shape *in, int n_in) { return 0; }

/* keep(b, t) = any_f x[b, t, f] != mask_value. */
static bool masking_keep(const float *row, int64_t F, float v)
{
    for (int64_t f = 0; f < F; f++)
        if (row[f] != v)
            return true;
    return false;
}

/* m[b, t] = any_f x[b, t, f] != v      x, y (B, T, F), m (B, T)
 * y[b, t, :] = x[b, t, :] · m[b, t] */
static ur_status masking_forward(ur_layer *l, ur_pass *p)
{
    const masking_cfg *c = UR_CFG(l, masking_cfg);
    const ur_tensor *x = &p->in[0];
    int64_t F = x->dim[2], N = x->dim[0] * x->dim[1];
    float v = (float)c->mask_value;
    const float *X = ur_tensor_f32(x);
    float *Y = ur_tensor_f32(&p->out[0]);
    uint8_t *mask = p->out_mask[0];
    for (int64_t n = 0; n < N; n++) {
        bool keep = masking_keep(X + n * F, F, v);
        if (mask)
            mask[n] = keep;
        if (keep)
            memcpy(Y + n * F, X + n * F, (size_t)F * sizeof(float));
        else
            memset(Y + n * F, 0, (size_t)F * sizeof(float));
    }
    return UR_OK;
}

/* dx[b, t, :] += dy[b, t, :] · m[b, t]   (the mask itself has no gradient;
 * it is recomputed from x, which backward may read) */
static ur_status masking_backward(ur_layer *l, ur_pass *p)
{
    const masking_cfg *c = UR_CFG(l, masking_cfg);
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    int64_t F = x->dim[2], N = x->dim[0] * x->dim[1];
    float v = (float)c->mask_value;
    const float *X = ur_tensor_f32(x);
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dX = ur_tensor_f32(&p->din[0]);
    for (int64_t n = 0; n < N; n++) {
        if (!masking_keep(X + n * F, F, v))
            continue;
        for (int64_t f = 0; f < F; f++)
            dX[n * F + f] += dY[n * F + f];
    }
    return UR_OK;
}

const ur_layer_kind ur_masking_kind = {
    .class_name = "Masking",
    .group = "Inputs",
    .description = "Skips padded timesteps: those whose features all equal mask_value",
    .options = masking_options,
    .cfg_size = sizeof(masking_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = masking_infer,
    .cache_size = masking_cache_size,
    .forward = masking_forward,
    .backward = masking_backward,
};
