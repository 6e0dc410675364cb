/* dense.c — Keras Dense: y = act(x · kernel + bias) over the last axis.
 * On 3-D input (B, T, I) it applies per timestep, as Keras does, and passes
 * the input's mask through. Forward and backward; the reference layer for
 * how a kind fills its table. */
#include "ur-internal.h"

typedef struct dense_cfg {
    int64_t units;
    ur_activation activation;
    bool use_bias;
    ur_init kernel_initializer;
    ur_init bias_initializer;
} dense_cfg;

static const ur_option dense_options[] = {
    {"units", UR_OPT_INT, offsetof(dense_cfg, units), NULL, 1, 1 << 24, .required = true,
     .help = "Dimensionality of the output space"},
    {"activation", UR_OPT_ACTIVATION, offsetof(dense_cfg, activation), "\"linear\"",
     .help = "Activation applied to the output"},
    {"use_bias", UR_OPT_BOOL, offsetof(dense_cfg, use_bias), "true",
     .help = "Whether the layer adds a bias vector"},
    {"kernel_initializer", UR_OPT_INITIALIZER, offsetof(dense_cfg, kernel_initializer),
     "\"glorot_uniform\"", .help = "Initializer of the kernel"},
    {"bias_initializer", UR_OPT_INITIALIZER, offsetof(dense_cfg, bias_initializer), "\"zeros\"",
     .help = "Initializer of the bias"},
    {NULL},
};

/* in (..., I) -> out (..., U); rank >= 2 */
static ur_status dense_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                             ur_shape *out, ur_ctx *ctx)
{
    const dense_cfg *c = UR_CFG(l, dense_cfg);
    if (in[0].rank < 2)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "expects input of rank 2 or more, got rank %d", in[0].rank);
    if (in[0].dim[in[0].rank - 1] == UR_DIM_FREE)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "the last axis of its input must be known, got None");
    out[0] = in[0];
    out[0].dim[out[0].rank - 1] = c->units;
    l->n_outputs = 1;
    /* Keras Dense supports masking: the mask passes through on 3-D input */
    l->out_mask_src[0] = (in_mask[0] && in[0].rank == 3) ? 0 : UR_MASK_NONE;
    return UR_OK;
}

/* kernel (I, U), bias (U,) */
static void dense_build(ur_layer *l, const ur_shape *in, int n_in)
{
    const dense_cfg *c = UR_CFG(l, dense_cfg);
    int64_t kdim[2] = {in[0].dim[in[0].rank - 1], c->units};
    ur_layer_add_weight(l, "kernel", 2, kdim, &c->kernel_initializer, true);
    if (c->use_bias)
        ur_layer_add_weight(l, "bias", 1, &c->units, &c->bias_initializer, true);
}

/* No cache: forward's output y is kept by the executor and suffices for the
 * activation gradient; the input x is read again in backward. Softmax and
 * other activations need a scratch (N, U) for dz. */
static size_t dense_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    const dense_cfg *c = UR_CFG(l, dense_cfg);
    int64_t rows = in[0].dim[0] * ur_shape_numel_from(&in[0], 1) / in[0].dim[in[0].rank - 1];
    return ur_carve_size(rows * c->units);
}

/* z = x · K + b          x (N, I), K (I, U), b (U), N = B (or B·T)
 * y = act(z)             y (N, U) */
static ur_status dense_forward(ur_layer *l, ur_pass *p)
{
    const dense_cfg *c = UR_CFG(l, dense_cfg);
    const ur_tensor *x = &p->in[0];
    ur_tensor *y = &p->out[0];
    int64_t I = x->dim[x->rank - 1], U = c->units;
    int64_t N = ur_tensor_numel(x) / I;
    const float *K = l->weights[0].data;
    float *Y = ur_tensor_f32(y);
    if (c->use_bias) {
        const float *b = l->weights[1].data;
        for (int64_t n = 0; n < N; n++)
            memcpy(Y + n * U, b, (size_t)U * sizeof(float));
    }
    ur_sgemm(false, false, N, U, I, 1.0f, ur_tensor_f32(x), I, K, U, c->use_bias ? 1.0f : 0.0f,
             Y, U);
    ur_act_forward(c->activation, Y, N * U, U);
    return UR_OK;
}

/* dz = dy ∘ act'(z)  (softmax: y ∘ (dy − Σ dy∘y))
 * dK += xᵀ · dz      (I, U)
 * db += Σ_n dz       (U)
 * dx += dz · Kᵀ      (N, I) */
static ur_status dense_backward(ur_layer *l, ur_pass *p)
{
    const dense_cfg *c = UR_CFG(l, dense_cfg);
    const ur_tensor *x = &p->in[0];
    if (!p->dout[0].data)
        return UR_OK;
    int64_t I = x->dim[x->rank - 1], U = c->units;
    int64_t N = ur_tensor_numel(x) / I;
    const float *Y = ur_tensor_f32(&p->out[0]);
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dZ = (float *)p->cache;
    if (c->activation == UR_ACT_SOFTMAX)
        ur_softmax_backward(Y, dY, dZ, N, U);
    else
        ur_act_backward(c->activation, Y, dY, dZ, N * U);

    ur_weight *wk = &l->weights[0];
    ur_sgemm(true, false, I, U, N, 1.0f, ur_tensor_f32(x), I, dZ, U, 1.0f, wk->grad, U);
    if (c->use_bias) {
        float *db = l->weights[1].grad;
        for (int64_t n = 0; n < N; n++)
            for (int64_t u = 0; u < U; u++)
                db[u] += dZ[n * U + u];
    }
    if (p->din[0].data)
        ur_sgemm(false, true, N, I, U, 1.0f, dZ, U, wk->data, U, 1.0f, ur_tensor_f32(&p->din[0]),
                 I);
    return UR_OK;
}

const ur_layer_kind ur_dense_kind = {
    .class_name = "Dense",
    .group = "Core",
    .description = "Fully connected layer; on sequences it applies to every timestep",
    .options = dense_options,
    .cfg_size = sizeof(dense_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = dense_infer,
    .build = dense_build,
    .cache_size = dense_cache_size,
    .forward = dense_forward,
    .backward = dense_backward,
};
