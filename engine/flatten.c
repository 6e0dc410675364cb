/* flatten.c — Keras Flatten: (B, d1, ..., dk) -> (B, d1·...·dk), keeping
 * the batch axis; (B,) becomes (B, 1). channels_first moves axis 1 last
 * before flattening, as Keras does. Drops any mask. */
#include "ur-internal.h"

typedef struct flatten_cfg {
    int data_format; /* -1 (null) or 0: channels_last; 1: channels_first */
} flatten_cfg;

static const char *const flatten_formats[] = {"channels_last", "channels_first", NULL};

static const ur_option flatten_options[] = {
    {"data_format", UR_OPT_ENUM, offsetof(flatten_cfg, data_format), "null",
     .choices = flatten_formats, .nullable = true,
     .help = "channels_first flattens (B, C, ...) in the order of (B, ..., C)"},
    {NULL},
};

/* (B, ...) -> (B, prod(...)), None when an axis is free */
static ur_status flatten_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                               ur_shape *out, ur_ctx *ctx)
{
    char buf[96];
    if (in[0].rank < 1)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE, "expects an input with a batch axis, got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    out[0].rank = 2;
    out[0].dim[0] = in[0].dim[0];
    out[0].dim[1] = ur_shape_numel_from(&in[0], 1); /* 1 for (B,), -1 (None) if free */
    l->n_outputs = 1;
    l->out_mask_src[0] = UR_MASK_NONE;
    return UR_OK;
}

static size_t flatten_cache_size(const ur_layer *l, const ur_shape *in, int n_in) { return 0; }

/* Whether the layer permutes: channels_first on an input of rank 3 or more. */
static bool flatten_permutes(const ur_layer *l, const ur_tensor *x)
{
    return UR_CFG(l, flatten_cfg)->data_format == 1 && x->rank >= 3;
}

/* channels_last: y[b, :] = x[b, ...] (a copy)
 * channels_first: x (B, C, S) with S = d2·...·dk:  y[b, s·C + c] = x[b, c, s] */
static ur_status flatten_forward(ur_layer *l, ur_pass *p)
{
    const ur_tensor *x = &p->in[0];
    const float *X = ur_tensor_f32(x);
    float *Y = ur_tensor_f32(&p->out[0]);
    int64_t n = ur_tensor_numel(x);
    if (!flatten_permutes(l, x)) {
        if (Y != X)
            memcpy(Y, X, (size_t)n * sizeof(float));
        return UR_OK;
    }
    int64_t B = x->dim[0], C = x->dim[1], S = n / (B * C);
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t s = 0; s < S; s++)
                Y[b * C * S + s * C + c] = X[(b * C + c) * S + s];
    return UR_OK;
}

/* dx += dy, read back through the same order */
static ur_status flatten_backward(ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dX = ur_tensor_f32(&p->din[0]);
    int64_t n = ur_tensor_numel(x);
    if (!flatten_permutes(l, x)) {
        for (int64_t i = 0; i < n; i++)
            dX[i] += dY[i];
        return UR_OK;
    }
    int64_t B = x->dim[0], C = x->dim[1], S = n / (B * C);
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t s = 0; s < S; s++)
                dX[(b * C + c) * S + s] += dY[b * C * S + s * C + c];
    return UR_OK;
}

const ur_layer_kind ur_flatten_kind = {
    .class_name = "Flatten",
    .group = "Core",
    .description = "Flattens every axis but the batch axis into one",
    .options = flatten_options,
    .cfg_size = sizeof(flatten_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = flatten_infer,
    .cache_size = flatten_cache_size,
    .forward = flatten_forward,
    .backward = flatten_backward,
};
