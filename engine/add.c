/* add.c — Keras Add: the element-wise sum of 2+ tensors of one shape.
 * Masks follow Keras 3's merge layers: when every input is masked the
 * output's mask is their OR; otherwise the output has none. */
#include "ur-internal.h"

static const ur_option add_options[] = {
    {NULL},
};

/* (B, ...) each -> (B, ...) */
static ur_status add_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                           ur_shape *out, ur_ctx *ctx)
{
    char b0[96], b1[96];
    out[0] = in[0];
    for (int k = 1; k < n_in; k++) {
        bool fits = in[k].rank == out[0].rank;
        for (int d = 0; fits && d < in[k].rank; d++) {
            int64_t o = out[0].dim[d], v = in[k].dim[d];
            if (o == UR_DIM_FREE)
                out[0].dim[d] = v;
            else if (v != UR_DIM_FREE && v != o)
                fits = false;
        }
        if (!fits)
            return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                                 "all inputs must have the same shape: input 0 is %s, "
                                 "input %d is %s",
                                 ur_shape_format(&in[0], b0, sizeof b0), k,
                                 ur_shape_format(&in[k], b1, sizeof b1));
    }
    l->n_outputs = 1;
    bool all_masked = out[0].rank >= 3;
    for (int k = 0; k < n_in; k++)
        all_masked = all_masked && in_mask[k];
    l->out_mask_src[0] = all_masked ? UR_MASK_OWN : UR_MASK_NONE;
    return UR_OK;
}

static size_t add_cache_size(const ur_layer *l, const ur_shape *in, int n_in) { return 0; }

/* y = Σ_k x_k;   m[b, t] = OR_k m_k[b, t] when every input is masked */
static ur_status add_forward(ur_layer *l, ur_pass *p)
{
    ur_tensor *y = &p->out[0];
    int64_t n = ur_tensor_numel(y);
    float *Y = ur_tensor_f32(y);
    memcpy(Y, p->in[0].data, (size_t)n * sizeof(float));
    for (int k = 1; k < p->n_in; k++) {
        const float *X = ur_tensor_f32(&p->in[k]);
        for (int64_t i = 0; i < n; i++)
            Y[i] += X[i];
    }
    if (l->out_mask_src[0] == UR_MASK_OWN && p->out_mask[0]) {
        int64_t bt = y->dim[0] * y->dim[1];
        uint8_t *m = p->out_mask[0];
        memset(m, 0, (size_t)bt);
        for (int k = 0; k < p->n_in; k++)
            for (int64_t i = 0; i < bt; i++)
                m[i] |= p->in_mask[k][i] != 0;
    }
    return UR_OK;
}

/* dx_k += dy */
static ur_status add_backward(ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    int64_t n = ur_tensor_numel(&p->dout[0]);
    const float *dY = ur_tensor_f32(&p->dout[0]);
    for (int k = 0; k < p->n_in; k++) {
        if (!p->din[k].data)
            continue;
        float *dX = ur_tensor_f32(&p->din[k]);
        for (int64_t i = 0; i < n; i++)
            dX[i] += dY[i];
    }
    return UR_OK;
}

const ur_layer_kind ur_add_kind = {
    .class_name = "Add",
    .group = "Merge",
    .description = "Adds tensors of the same shape element by element",
    .options = add_options,
    .cfg_size = 0,
    .min_inputs = 2,
    .max_inputs = -1,
    .infer = add_infer,
    .cache_size = add_cache_size,
    .forward = add_forward,
    .backward = add_backward,
};
