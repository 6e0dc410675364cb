/* concatenate.c — Keras Concatenate: joins 2+ tensors along one axis (the
 * features by default, or time); every other axis must match. Masks follow
 * Keras 3: along time they are concatenated (a missing one counts as all
 * valid); along another axis a step is valid if any input's is. */
#include "ur-internal.h"

typedef struct concatenate_cfg {
    int64_t axis;
} concatenate_cfg;

static const ur_option concatenate_options[] = {
    {"axis", UR_OPT_INT, offsetof(concatenate_cfg, axis), "-1", -UR_MAX_RANK, UR_MAX_RANK - 1,
     .help = "The axis to join along: -1 for features, 1 for time"},
    {NULL},
};

/* The axis as a non-negative index for rank, or -1 if it does not exist. */
static int concat_axis(const ur_layer *l, int rank)
{
    int64_t a = UR_CFG(l, concatenate_cfg)->axis;
    if (a < 0)
        a += rank;
    return a >= 0 && a < rank ? (int)a : -1;
}

/* Whether the join runs along time (axis 1), where masks are concatenated. */
static bool concat_along_time(const ur_layer *l, int rank) { return concat_axis(l, rank) == 1; }

/* (B, ..., d_k, ...) for each k -> (B, ..., Σ d_k, ...) */
static ur_status concatenate_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                                   ur_shape *out, ur_ctx *ctx)
{
    char b0[96], b1[96];
    int rank = in[0].rank;
    for (int k = 1; k < n_in; k++)
        if (in[k].rank != rank)
            return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                                 "inputs must have the same rank: input 0 is %s, input %d is %s",
                                 ur_shape_format(&in[0], b0, sizeof b0), k,
                                 ur_shape_format(&in[k], b1, sizeof b1));
    int a = concat_axis(l, rank);
    if (a < 0)
        return ur_layer_fail(l, ctx, UR_ERR_INVALID, "axis %lld does not exist in input %s",
                             (long long)UR_CFG(l, concatenate_cfg)->axis,
                             ur_shape_format(&in[0], b0, sizeof b0));
    if (a == 0)
        return ur_layer_fail(l, ctx, UR_ERR_INVALID,
                             "cannot concatenate along the batch axis (axis %lld)",
                             (long long)UR_CFG(l, concatenate_cfg)->axis);
    out[0] = in[0];
    for (int k = 1; k < n_in; k++)
        for (int d = 0; d < rank; d++) {
            int64_t o = out[0].dim[d], v = in[k].dim[d];
            if (d == a) {
                out[0].dim[d] = (o == UR_DIM_FREE || v == UR_DIM_FREE) ? UR_DIM_FREE : o + v;
            } else if (o == UR_DIM_FREE) {
                out[0].dim[d] = v;
            } else if (v != UR_DIM_FREE && v != o) {
                int j = 0; /* the first input that fixed this size */
                while (in[j].dim[d] != o)
                    j++;
                return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                                     "shapes must match except on the concatenation axis %d: "
                                     "input %d is %s, input %d is %s (axis %d differs)",
                                     a, j, ur_shape_format(&in[j], b0, sizeof b0), k,
                                     ur_shape_format(&in[k], b1, sizeof b1), d);
            }
        }
    l->n_outputs = 1;
    /* Masks are (B, T): they only exist on inputs of rank 3 or more. */
    int masked = 0;
    for (int k = 0; k < n_in; k++)
        masked += in_mask[k] ? 1 : 0;
    if (rank < 3 || masked == 0)
        l->out_mask_src[0] = UR_MASK_NONE;
    else if (concat_along_time(l, rank))
        l->out_mask_src[0] = UR_MASK_OWN;
    else /* OR of the masks; an unmasked input makes every step valid */
        l->out_mask_src[0] = masked == n_in ? UR_MASK_OWN : UR_MASK_NONE;
    return UR_OK;
}

static size_t concatenate_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    return 0;
}

/* Row layout: O = prod(dims before the axis) rows; input k gives a chunk of
 * C_k = d_k · prod(dims after the axis) floats to each output row. */
static int64_t concat_rows(const ur_tensor *t, int a)
{
    int64_t o = 1;
    for (int d = 0; d < a; d++)
        o *= t->dim[d];
    return o;
}

/* y[o, off_k : off_k + C_k] = x_k[o, :]
 * mask along time: m[b, off_k + t] = m_k[b, t] (1 when input k has none);
 * along another axis: m[b, t] = OR_k m_k[b, t] */
static ur_status concatenate_forward(ur_layer *l, ur_pass *p)
{
    const ur_tensor *y = &p->out[0];
    int a = concat_axis(l, y->rank);
    int64_t O = concat_rows(y, a), Cy = ur_tensor_numel(y) / O;
    float *Y = ur_tensor_f32(y);
    int64_t off = 0;
    for (int k = 0; k < p->n_in; k++) {
        const ur_tensor *x = &p->in[k];
        int64_t C = ur_tensor_numel(x) / O;
        const float *X = ur_tensor_f32(x);
        for (int64_t o = 0; o < O; o++)
            memcpy(Y + o * Cy + off, X + o * C, (size_t)C * sizeof(float));
        off += C;
    }

    uint8_t *m = l->out_mask_src[0] == UR_MASK_OWN ? p->out_mask[0] : NULL;
    if (!m)
        return UR_OK;
    int64_t B = y->dim[0], T = y->dim[1];
    if (concat_along_time(l, y->rank)) {
        int64_t t0 = 0;
        for (int k = 0; k < p->n_in; k++) {
            int64_t Tk = p->in[k].dim[1];
            const uint8_t *mk = p->in_mask[k];
            for (int64_t b = 0; b < B; b++)
                for (int64_t t = 0; t < Tk; t++)
                    m[b * T + t0 + t] = mk ? mk[b * Tk + t] != 0 : 1;
            t0 += Tk;
        }
    } else {
        memset(m, 0, (size_t)(B * T));
        for (int k = 0; k < p->n_in; k++)
            for (int64_t i = 0; i < B * T; i++)
                m[i] |= p->in_mask[k][i] != 0;
    }
    return UR_OK;
}

/* dx_k[o, :] += dy[o, off_k : off_k + C_k] */
static ur_status concatenate_backward(ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    const ur_tensor *dy = &p->dout[0];
    int a = concat_axis(l, dy->rank);
    int64_t O = concat_rows(dy, a), Cy = ur_tensor_numel(dy) / O;
    const float *dY = ur_tensor_f32(dy);
    int64_t off = 0;
    for (int k = 0; k < p->n_in; k++) {
        int64_t C = ur_tensor_numel(&p->in[k]) / O;
        if (p->din[k].data) {
            float *dX = ur_tensor_f32(&p->din[k]);
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < C; i++)
                    dX[o * C + i] += dY[o * Cy + off + i];
        }
        off += C;
    }
    return UR_OK;
}

const ur_layer_kind ur_concatenate_kind = {
    .class_name = "Concatenate",
    .group = "Merge",
    .description = "Joins tensors along an axis (features by default)",
    .options = concatenate_options,
    .cfg_size = sizeof(concatenate_cfg),
    .min_inputs = 2,
    .max_inputs = -1,
    .infer = concatenate_infer,
    .cache_size = concatenate_cache_size,
    .forward = concatenate_forward,
    .backward = concatenate_backward,
};
