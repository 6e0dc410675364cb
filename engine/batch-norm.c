/* batch-norm.c — Keras BatchNormalization over the last axis: batch moments
 * while training (masked timesteps excluded, as Keras 3 does) with the
 * moving statistics updated in the same forward, moving statistics at
 * inference. Forward and the full backward through the batch moments. */
#include "ur-internal.h"

typedef struct batch_norm_cfg {
    int64_t axis;
    double momentum;
    double epsilon;
    bool center;
    bool scale;
    ur_init beta_initializer;
    ur_init gamma_initializer;
    ur_init moving_mean_initializer;
    ur_init moving_variance_initializer;
} batch_norm_cfg;

static const ur_option batch_norm_options[] = {
    {"axis", UR_OPT_INT, offsetof(batch_norm_cfg, axis), "-1", -UR_MAX_RANK, UR_MAX_RANK - 1,
     .help = "The features axis that keeps its own statistics; only the last one (-1)"},
    {"momentum", UR_OPT_FLOAT, offsetof(batch_norm_cfg, momentum), "0.99", 0.0, 1.0,
     .help = "Moving statistics: moving = moving * momentum + batch * (1 - momentum)"},
    {"epsilon", UR_OPT_FLOAT, offsetof(batch_norm_cfg, epsilon), "0.001", 0.0, 1e9,
     .help = "Added to the variance before the square root"},
    {"center", UR_OPT_BOOL, offsetof(batch_norm_cfg, center), "true",
     .help = "Add the learned offset beta"},
    {"scale", UR_OPT_BOOL, offsetof(batch_norm_cfg, scale), "true",
     .help = "Multiply by the learned scale gamma"},
    {"beta_initializer", UR_OPT_INITIALIZER, offsetof(batch_norm_cfg, beta_initializer),
     "\"zeros\"", .help = "Initializer of beta"},
    {"gamma_initializer", UR_OPT_INITIALIZER, offsetof(batch_norm_cfg, gamma_initializer),
     "\"ones\"", .help = "Initializer of gamma"},
    {"moving_mean_initializer", UR_OPT_INITIALIZER,
     offsetof(batch_norm_cfg, moving_mean_initializer), "\"zeros\"",
     .help = "Initializer of the moving mean"},
    {"moving_variance_initializer", UR_OPT_INITIALIZER,
     offsetof(batch_norm_cfg, moving_variance_initializer), "\"ones\"",
     .help = "Initializer of the moving variance"},
    {"synchronized", UR_OPT_IGNORED, 0, "false",
     .help = "Accepted for Keras files; training runs on one device"},
    {NULL},
};

/* Keras's backend epsilon, added to the count of valid entries in masked moments. */
#define BN_MASK_EPSILON 1e-7

/* x (B, ..., F) -> y (B, ..., F); a mask needs x of shape (B, T, F) */
static ur_status batch_norm_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                                  ur_shape *out, ur_ctx *ctx)
{
    const batch_norm_cfg *c = UR_CFG(l, batch_norm_cfg);
    char buf[96];
    int rank = in[0].rank;
    if (rank < 2)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE, "expects input of rank 2 or more, got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    int64_t axis = c->axis < 0 ? c->axis + rank : c->axis;
    if (axis < 0 || axis >= rank)
        return ur_layer_fail(l, ctx, UR_ERR_INVALID, "axis %lld does not exist in input %s",
                             (long long)c->axis, ur_shape_format(&in[0], buf, sizeof buf));
    if (axis != rank - 1)
        return ur_layer_fail(l, ctx, UR_ERR_UNSUPPORTED,
                             "axis %lld: only the last axis (-1) can be normalised; input is %s",
                             (long long)c->axis, ur_shape_format(&in[0], buf, sizeof buf));
    if (in[0].dim[rank - 1] == UR_DIM_FREE)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "the last axis of its input must be known, got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    if (in_mask[0] && rank != 3)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "a masked input must be (batch, timesteps, features), got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    out[0] = in[0];
    l->n_outputs = 1;
    l->out_mask_src[0] = in_mask[0] ? 0 : UR_MASK_NONE;
    return UR_OK;
}

/* Keras order: gamma (F), beta (F) trainable; moving_mean (F), moving_variance (F) not. */
static void batch_norm_build(ur_layer *l, const ur_shape *in, int n_in)
{
    const batch_norm_cfg *c = UR_CFG(l, batch_norm_cfg);
    int64_t F = in[0].dim[in[0].rank - 1];
    if (c->scale)
        ur_layer_add_weight(l, "gamma", 1, &F, &c->gamma_initializer, true);
    if (c->center)
        ur_layer_add_weight(l, "beta", 1, &F, &c->beta_initializer, true);
    ur_layer_add_weight(l, "moving_mean", 1, &F, &c->moving_mean_initializer, false);
    ur_layer_add_weight(l, "moving_variance", 1, &F, &c->moving_variance_initializer, false);
}

/* The layer's weights by role; gamma and beta NULL when disabled. */
typedef struct bn_weights {
    ur_weight *gamma, *beta, *moving_mean, *moving_variance;
} bn_weights;

static bn_weights bn_weights_of(ur_layer *l)
{
    const batch_norm_cfg *c = UR_CFG(l, batch_norm_cfg);
    bn_weights w = {0};
    int i = 0;
    if (c->scale)
        w.gamma = &l->weights[i++];
    if (c->center)
        w.beta = &l->weights[i++];
    w.moving_mean = &l->weights[i++];
    w.moving_variance = &l->weights[i++];
    return w;
}

/* The cache: the mode flag, the statistics forward normalised with, and
 * per-feature double accumulators for backward's sums. */
typedef struct bn_cache {
    float *training; /* [1]: 1 when batch moments were used */
    float *mean;     /* (F) */
    float *inv_std;  /* (F): 1 / sqrt(var + epsilon) */
    double *acc[3];  /* (F) each */
} bn_cache;

static bn_cache bn_cache_carve(void *cache, int64_t F)
{
    bn_cache k;
    char *cur = cache;
    k.training = ur_carve(&cur, 1);
    k.mean = ur_carve(&cur, F);
    k.inv_std = ur_carve(&cur, F);
    for (int i = 0; i < 3; i++)
        k.acc[i] = (double *)ur_carve(&cur, 2 * F);
    return k;
}

static size_t batch_norm_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    int64_t F = in[0].dim[in[0].rank - 1];
    return ur_carve_size(1) + 2 * ur_carve_size(F) + 3 * ur_carve_size(2 * F);
}

/* Weight w_n of position n (all axes but the last): the (B, T) mask entry
 * on masked 3-D input, else 1. */
static inline double bn_weight_at(const uint8_t *mask, int64_t n)
{
    return mask ? (mask[n] ? 1.0 : 0.0) : 1.0;
}

/* Keras 3 normalises with the batch only when `training and self.trainable`:
 * a frozen layer ("trainable": false) keeps its moving statistics. */
static bool bn_uses_batch(const ur_layer *l, const ur_pass *p)
{
    const ur_value *t = l->spec ? ur_value_get(l->spec, "trainable") : NULL;
    return p->training && !(t && t->type == UR_VALUE_BOOL && !t->u.b);
}

/* Training:  D = Σ_n w_n (+1e-7 when masked), N positions n over (B, ...)
 *            μ_f = Σ_n w_n x_nf / D,  σ²_f = Σ_n w_n (x_nf − μ_f)² / D
 *            moving_mean = moving_mean·momentum + μ·(1 − momentum), same for σ²
 * Inference (or a frozen layer): μ = moving_mean, σ² = moving_variance
 * Both:      y_nf = γ_f (x_nf − μ_f) / sqrt(σ²_f + ε) + β_f     x, y (N, F) */
static ur_status batch_norm_forward(ur_layer *l, ur_pass *p)
{
    const batch_norm_cfg *c = UR_CFG(l, batch_norm_cfg);
    const ur_tensor *x = &p->in[0];
    int64_t F = x->dim[x->rank - 1], N = ur_tensor_numel(x) / F;
    const float *X = ur_tensor_f32(x);
    float *Y = ur_tensor_f32(&p->out[0]);
    const uint8_t *mask = p->in_mask ? p->in_mask[0] : NULL;
    bn_weights w = bn_weights_of(l);
    bn_cache k = bn_cache_carve(p->cache, F);
    float *mm = w.moving_mean->data, *mv = w.moving_variance->data;

    bool batch = bn_uses_batch(l, p);
    k.training[0] = batch ? 1.0f : 0.0f;
    if (batch) {
        double *sum = k.acc[0], *sq = k.acc[1];
        double count = 0.0;
        for (int64_t f = 0; f < F; f++)
            sum[f] = sq[f] = 0.0;
        for (int64_t n = 0; n < N; n++) {
            double wn = bn_weight_at(mask, n);
            count += wn;
            if (wn != 0.0)
                for (int64_t f = 0; f < F; f++)
                    sum[f] += X[n * F + f];
        }
        double D = mask ? count + BN_MASK_EPSILON : count;
        for (int64_t f = 0; f < F; f++)
            k.mean[f] = (float)(sum[f] / D);
        for (int64_t n = 0; n < N; n++) {
            if (bn_weight_at(mask, n) == 0.0)
                continue;
            for (int64_t f = 0; f < F; f++) {
                double d = (double)X[n * F + f] - k.mean[f];
                sq[f] += d * d;
            }
        }
        float mom = (float)c->momentum;
        for (int64_t f = 0; f < F; f++) {
            double var = sq[f] / D;
            k.inv_std[f] = (float)(1.0 / sqrt(var + c->epsilon));
            mm[f] = mm[f] * mom + k.mean[f] * (1.0f - mom);
            mv[f] = mv[f] * mom + (float)var * (1.0f - mom);
        }
    } else {
        for (int64_t f = 0; f < F; f++) {
            k.mean[f] = mm[f];
            k.inv_std[f] = (float)(1.0 / sqrt((double)mv[f] + c->epsilon));
        }
    }

    const float *gamma = w.gamma ? w.gamma->data : NULL;
    const float *beta = w.beta ? w.beta->data : NULL;
    for (int64_t n = 0; n < N; n++)
        for (int64_t f = 0; f < F; f++) {
            float v = (X[n * F + f] - k.mean[f]) * k.inv_std[f];
            if (gamma)
                v *= gamma[f];
            if (beta)
                v += beta[f];
            Y[n * F + f] = v;
        }
    return UR_OK;
}

/* With s = 1/sqrt(σ² + ε), x̂ = (x − μ)·s, g = dy·γ (dy when scale is off):
 *   dγ_f += Σ_n dy_nf x̂_nf,   dβ_f += Σ_n dy_nf
 * Inference (μ, σ² constants):  dx = g·s
 * Training (μ, σ² from the batch; sums over every n, masked ones included):
 *   A = Σ_n g_n,  Bs = Σ_n g_n (x_n − μ),  S = Σ_n w_n (x_n − μ)
 *   dσ² = −½ s³ Bs,   dμ = −s A − 2 dσ² S / D
 *   dx_n = g_n s + w_n (2 dσ² (x_n − μ) + dμ) / D */
static ur_status batch_norm_backward(ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    int64_t F = x->dim[x->rank - 1], N = ur_tensor_numel(x) / F;
    const float *X = ur_tensor_f32(x);
    const float *dY = ur_tensor_f32(&p->dout[0]);
    float *dX = p->din[0].data ? ur_tensor_f32(&p->din[0]) : NULL;
    const uint8_t *mask = p->in_mask ? p->in_mask[0] : NULL;
    bn_weights w = bn_weights_of(l);
    bn_cache k = bn_cache_carve(p->cache, F);
    const float *gamma = w.gamma ? w.gamma->data : NULL;
    float *dgamma = w.gamma ? w.gamma->grad : NULL;
    float *dbeta = w.beta ? w.beta->grad : NULL;

    /* Σ dy, Σ dy (x − μ), Σ w (x − μ) per feature */
    double *sdy = k.acc[0], *sdyxc = k.acc[1], *sxc = k.acc[2];
    double count = 0.0;
    for (int64_t f = 0; f < F; f++)
        sdy[f] = sdyxc[f] = sxc[f] = 0.0;
    for (int64_t n = 0; n < N; n++) {
        double wn = bn_weight_at(mask, n);
        count += wn;
        for (int64_t f = 0; f < F; f++) {
            double xc = (double)X[n * F + f] - k.mean[f];
            double dy = dY[n * F + f];
            sdy[f] += dy;
            sdyxc[f] += dy * xc;
            sxc[f] += wn * xc;
        }
    }
    for (int64_t f = 0; f < F; f++) {
        if (dgamma)
            dgamma[f] += (float)(sdyxc[f] * k.inv_std[f]);
        if (dbeta)
            dbeta[f] += (float)sdy[f];
    }
    if (!dX)
        return UR_OK;

    if (k.training[0] == 0.0f) {
        for (int64_t n = 0; n < N; n++)
            for (int64_t f = 0; f < F; f++) {
                float g = dY[n * F + f] * (gamma ? gamma[f] : 1.0f);
                dX[n * F + f] += g * k.inv_std[f];
            }
        return UR_OK;
    }

    double D = mask ? count + BN_MASK_EPSILON : count;
    /* per feature: the coefficients of dx_n = g_n s + w_n (a_f (x_n − μ) + b_f),
     * written over the sums they are made from (same feature, read first) */
    double *coef_a = k.acc[0], *coef_b = k.acc[1];
    for (int64_t f = 0; f < F; f++) {
        double gm = gamma ? gamma[f] : 1.0;
        double s = k.inv_std[f];
        double A = gm * sdy[f];
        double Bs = gm * sdyxc[f];
        double dvar = -0.5 * s * s * s * Bs;
        double dmu = -s * A - 2.0 * dvar * sxc[f] / D;
        coef_a[f] = D > 0.0 ? 2.0 * dvar / D : 0.0;
        coef_b[f] = D > 0.0 ? dmu / D : 0.0;
    }
    for (int64_t n = 0; n < N; n++) {
        double wn = bn_weight_at(mask, n);
        for (int64_t f = 0; f < F; f++) {
            double g = (double)dY[n * F + f] * (gamma ? gamma[f] : 1.0);
            double xc = (double)X[n * F + f] - k.mean[f];
            double v = g * k.inv_std[f];
            if (wn != 0.0)
                v += coef_a[f] * xc + coef_b[f];
            dX[n * F + f] += (float)v;
        }
    }
    return UR_OK;
}

const ur_layer_kind ur_batch_norm_kind = {
    .class_name = "BatchNormalization",
    .group = "Normalization & regularization",
    .description = "Normalises each feature with batch statistics; keeps moving averages",
    .options = batch_norm_options,
    .cfg_size = sizeof(batch_norm_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = batch_norm_infer,
    .build = batch_norm_build,
    .cache_size = batch_norm_cache_size,
    .forward = batch_norm_forward,
    .backward = batch_norm_backward,
};
