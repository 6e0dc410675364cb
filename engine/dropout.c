/* dropout.c — Keras Dropout: inverted dropout while training (each entry
 * kept with probability 1 - rate and scaled by 1 / (1 - rate)), the identity
 * at inference. Any shape; the input's mask passes through. */
#include "ur-internal.h"

typedef struct dropout_cfg {
    double rate;
} dropout_cfg;

static const ur_option dropout_options[] = {
    {"rate", UR_OPT_FLOAT, offsetof(dropout_cfg, rate), NULL, 0.0, 1.0, .required = true,
     .help = "Fraction of the inputs dropped while training (0 to just below 1)"},
    {"noise_shape", UR_OPT_IGNORED, 0, "null",
     .help = "Only null (an independent draw for every entry) is supported"},
    {"seed", UR_OPT_IGNORED, 0, "null",
     .help = "Accepted for Keras files; the run's seed drives every dropout mask"},
    {NULL},
};

static ur_status dropout_validate(ur_layer *l, ur_ctx *ctx)
{
    const dropout_cfg *c = UR_CFG(l, dropout_cfg);
    if (c->rate >= 1.0)
        return ur_layer_fail(l, ctx, UR_ERR_INVALID,
                             "rate must be below 1 (1 would drop every entry), got %g", c->rate);
    const ur_value *ns = l->spec ? ur_value_get(l->spec, "noise_shape") : NULL;
    if (ns && ns->type != UR_VALUE_NULL)
        return ur_layer_fail(l, ctx, UR_ERR_UNSUPPORTED,
                             "noise_shape must be null: masks shared across axes are not "
                             "supported; remove the option to drop every entry independently");
    return UR_OK;
}

/* x (B, ...) -> y (B, ...) */
static ur_status dropout_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                               ur_shape *out, ur_ctx *ctx)
{
    out[0] = in[0];
    l->n_outputs = 1;
    l->out_mask_src[0] = in_mask[0] ? 0 : UR_MASK_NONE;
    return UR_OK;
}

/* Cache: a flag (was a mask applied?) and the scaled keep mask, one per entry. */
static size_t dropout_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    return ur_carve_size(1) + ur_carve_size(in[0].dim[0] * ur_shape_numel_from(&in[0], 1));
}

/* training, rate > 0:  m ~ {0 w.p. rate, 1/(1-rate) otherwise};  y = x ∘ m
 * otherwise:           y = x */
static ur_status dropout_forward(ur_layer *l, ur_pass *p)
{
    const dropout_cfg *c = UR_CFG(l, dropout_cfg);
    const ur_tensor *x = &p->in[0];
    int64_t n = ur_tensor_numel(x);
    const float *X = ur_tensor_f32(x);
    float *Y = ur_tensor_f32(&p->out[0]);
    char *cur = p->cache;
    float *applied = ur_carve(&cur, 1);
    float *mask = ur_carve(&cur, n);
    if (!p->training || c->rate <= 0.0) {
        applied[0] = 0.0f;
        if (Y != X)
            memcpy(Y, X, (size_t)n * sizeof(float));
        return UR_OK;
    }
    if (!p->rng)
        return ur_error(p->ctx, UR_ERR_INTERNAL,
                        "training needs a random generator for dropout");
    applied[0] = 1.0f;
    ur_dropout_mask(p->rng, (float)c->rate, mask, n);
    for (int64_t i = 0; i < n; i++)
        Y[i] = X[i] * mask[i];
    return UR_OK;
}

/* dx += dy ∘ m   (dx += dy when no mask was applied) */
static ur_status dropout_backward(ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    int64_t n = ur_tensor_numel(&p->dout[0]);
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dX = ur_tensor_f32(&p->din[0]);
    char *cur = p->cache;
    const float *applied = ur_carve(&cur, 1);
    const float *mask = ur_carve(&cur, n);
    if (applied[0] != 0.0f)
        for (int64_t i = 0; i < n; i++)
            dX[i] += dY[i] * mask[i];
    else
        for (int64_t i = 0; i < n; i++)
            dX[i] += dY[i];
    return UR_OK;
}

const ur_layer_kind ur_dropout_kind = {
    .class_name = "Dropout",
    .group = "Normalization & regularization",
    .description = "Randomly zeroes inputs while training to reduce overfitting",
    .options = dropout_options,
    .cfg_size = sizeof(dropout_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .validate = dropout_validate,
    .infer = dropout_infer,
    .cache_size = dropout_cache_size,
    .forward = dropout_forward,
    .backward = dropout_backward,
};
