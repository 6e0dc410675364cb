/* input.c — Keras Input: a graph entry point with a fixed per-sample shape,
 * a dtype and an optional fixed batch size. It computes nothing: the
 * executor writes the fed tensor into its output and reads its gradient. */
#include "ur-internal.h"

/* dtype indexes input_dtypes, in ur_dtype's order (0 = UR_F32, 1 = UR_I32);
 * everyone else reads it through ur_layer_input_dtype(). */
typedef struct input_cfg {
    ur_shape shape;     /* without the batch axis; UR_DIM_FREE for null */
    int dtype;
    int64_t batch_size; /* UR_DIM_FREE when null */
} input_cfg;

static const char *const input_dtypes[] = {"float32", "int32", NULL};

static const ur_option input_options[] = {
    {"shape", UR_OPT_SHAPE, offsetof(input_cfg, shape), NULL, .required = true,
     .help = "Shape of one sample, without the batch axis; null marks a free axis"},
    {"dtype", UR_OPT_ENUM, offsetof(input_cfg, dtype), "\"float32\"", .choices = input_dtypes,
     .help = "Data type: float32 for values, int32 for token ids"},
    {"batch_size", UR_OPT_INT_OR_NULL, offsetof(input_cfg, batch_size), "null", 1, 1 << 24,
     .help = "A fixed batch size (stateful recurrent layers need one); null for any"},
    {NULL},
};

/* () -> (batch_size or None, *shape). The option parser has already
 * checked the shape: at most UR_MAX_RANK - 1 axes, each positive or null. */
static ur_status input_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                             ur_shape *out, ur_ctx *ctx)
{
    const input_cfg *c = UR_CFG(l, input_cfg);
    out[0].rank = c->shape.rank + 1;
    out[0].dim[0] = c->batch_size;
    for (int i = 0; i < c->shape.rank; i++)
        out[0].dim[i + 1] = c->shape.dim[i];
    l->n_outputs = 1;
    l->out_mask_src[0] = UR_MASK_NONE;
    return UR_OK;
}

static size_t input_cache_size(const ur_layer *l, const ur_shape *in, int n_in) { return 0; }

/* The executor points this layer's output at the fed batch and reads the
 * output's gradient as the input gradient; it does not call these. They
 * exist so that every kind has both passes, and have nothing to compute. */
static ur_status input_forward(ur_layer *l, ur_pass *p) { return UR_OK; }
static ur_status input_backward(ur_layer *l, ur_pass *p) { return UR_OK; }

const ur_layer_kind ur_input_kind = {
    .class_name = "Input",
    .group = "Inputs",
    .description = "Entry point of the model: the shape and type of one sample",
    .options = input_options,
    .cfg_size = sizeof(input_cfg),
    .min_inputs = 0,
    .max_inputs = 0,
    .infer = input_infer,
    .cache_size = input_cache_size,
    .forward = input_forward,
    .backward = input_backward,
};

ur_dtype ur_layer_input_dtype(const ur_layer *l)
{
    if (l->kind != &ur_input_kind || !l->cfg)
        return UR_F32;
    return UR_CFG(l, input_cfg)->dtype == 1 ? UR_I32 : UR_F32;
}
