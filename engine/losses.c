/* losses.c — the Keras 3 losses: names, target-shape rules, and the loss
 * value with its gradient d(mean loss)/d(pred) for a whole batch. Metrics
 * live in metrics.c; the reduction ("sum_over_batch_size", masks) is here.
 *
 * Layout: pred is (..., C) with R = numel / C rows (B rows for (B, C), B*T
 * rows for (B, T, C)); one per-row loss l_r is computed over the last axis:
 *   mse  l_r = 1/C sum_c (p - t)^2          mae l_r = 1/C sum_c |p - t|
 *   bce  l_r = 1/C sum_c bce(t, p)          cce l_r = -sum_c t_c log q_c
 *   sparse cce  l_r = -log q_y (y the class id of the row)
 * and the loss is the mean of l_r over the rows, or with a mask (one entry
 * per row: (B, T) for a (B, T, C) output) the mean over valid rows only
 * (Keras 3 apply_mask + sum_over_batch_size; no valid row gives 0). */
#include "ur-internal.h"

#include <stdio.h>

/* Keras backend.epsilon(); the clip bounds are float32 values, as in Keras. */
#define UR_LOSS_EPS 1e-7f
#define UR_LOSS_HI (1.0f - 1e-7f)

/* ------------------------------------------------------------------ names */

static const struct {
    const char *name;
    ur_loss_kind kind;
} loss_names[] = {
    /* function names, class names, and the aliases of keras.losses.get() */
    {"mean_squared_error", UR_LOSS_MSE},
    {"mse", UR_LOSS_MSE},
    {"MSE", UR_LOSS_MSE},
    {"MeanSquaredError", UR_LOSS_MSE},
    {"mean_absolute_error", UR_LOSS_MAE},
    {"mae", UR_LOSS_MAE},
    {"MAE", UR_LOSS_MAE},
    {"MeanAbsoluteError", UR_LOSS_MAE},
    {"binary_crossentropy", UR_LOSS_BINARY_CE},
    {"bce", UR_LOSS_BINARY_CE},
    {"BCE", UR_LOSS_BINARY_CE},
    {"BinaryCrossentropy", UR_LOSS_BINARY_CE},
    {"categorical_crossentropy", UR_LOSS_CATEGORICAL_CE},
    {"CategoricalCrossentropy", UR_LOSS_CATEGORICAL_CE},
    {"sparse_categorical_crossentropy", UR_LOSS_SPARSE_CATEGORICAL_CE},
    {"SparseCategoricalCrossentropy", UR_LOSS_SPARSE_CATEGORICAL_CE},
};

static const char *const loss_suggest[] = {
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "binary_crossentropy", "bce",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "MeanSquaredError",
    "MeanAbsoluteError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", NULL,
};

/* Exact Keras names (keras.losses.get is case-sensitive); a near miss gets a
 * suggestion. from_logits starts false: it is a separate setting. */
ur_status ur_loss_parse(const char *name, ur_loss *out, ur_ctx *ctx)
{
    if (!name || !*name)
        return ur_error(ctx, UR_ERR_INVALID, "loss: missing loss name");
    for (size_t i = 0; i < UR_ARRAY_LEN(loss_names); i++)
        if (strcmp(name, loss_names[i].name) == 0) {
            out->kind = loss_names[i].kind;
            out->from_logits = false;
            return UR_OK;
        }
    const char *near = ur_closest(name, loss_suggest);
    if (near)
        return ur_error(ctx, UR_ERR_INVALID, "loss: unknown loss '%s' (did you mean '%s'?)",
                        name, near);
    return ur_error(ctx, UR_ERR_INVALID,
                    "loss: unknown loss '%s'; expected one of mean_squared_error (mse), "
                    "mean_absolute_error (mae), binary_crossentropy, categorical_crossentropy, "
                    "sparse_categorical_crossentropy",
                    name);
}

const char *ur_loss_name(ur_loss_kind k)
{
    switch (k) {
    case UR_LOSS_MSE: return "mean_squared_error";
    case UR_LOSS_MAE: return "mean_absolute_error";
    case UR_LOSS_BINARY_CE: return "binary_crossentropy";
    case UR_LOSS_CATEGORICAL_CE: return "categorical_crossentropy";
    case UR_LOSS_SPARSE_CATEGORICAL_CE: return "sparse_categorical_crossentropy";
    }
    return "unknown";
}

/* ----------------------------------------------------------- shape rules */

/* The first k dims agree, a free (None) dim agreeing with anything. */
static bool dims_fit(const ur_shape *a, const ur_shape *b, int k)
{
    for (int i = 0; i < k; i++)
        if (a->dim[i] != b->dim[i] && a->dim[i] != UR_DIM_FREE && b->dim[i] != UR_DIM_FREE)
            return false;
    return true;
}

/* Keras's rules (losses.py, backend nn.py):
 *   mse, mae, bce, cce: targets have the output's shape; as Keras's
 *     squeeze_or_expand_to_same_rank, a trailing axis of 1 on either side
 *     may be missing on the other ((None, 1) output, (None,) targets);
 *   sparse cce: the output's shape without the class axis, or with a
 *     trailing 1 in its place (class ids). */
ur_status ur_loss_check(const ur_loss *loss, const ur_shape *pred, const ur_shape *target,
                        ur_ctx *ctx)
{
    char pb[128], tb[128], eb[128];
    const char *name = ur_loss_name(loss->kind);
    int pr = pred->rank, tr = target->rank;
    bool ok;
    if (loss->kind == UR_LOSS_SPARSE_CATEGORICAL_CE) {
        if (pr < 2)
            return ur_error(ctx, UR_ERR_SHAPE,
                            "loss %s needs an output with a class axis, but the output shape "
                            "is %s",
                            name, ur_shape_format(pred, pb, sizeof pb));
        ok = (tr == pr - 1 && dims_fit(target, pred, tr)) ||
             (tr == pr && target->dim[tr - 1] == 1 && dims_fit(target, pred, tr - 1));
        if (!ok) {
            ur_shape e = *pred;
            e.rank = pr - 1;
            return ur_error(ctx, UR_ERR_SHAPE,
                            "loss %s: targets of shape %s do not fit the output shape %s; "
                            "expected class ids of shape %s",
                            name, ur_shape_format(target, tb, sizeof tb),
                            ur_shape_format(pred, pb, sizeof pb),
                            ur_shape_format(&e, eb, sizeof eb));
        }
        return UR_OK;
    }
    ok = (tr == pr && dims_fit(target, pred, pr)) ||
         (pr >= 1 && tr == pr - 1 && pred->dim[pr - 1] == 1 && dims_fit(target, pred, tr)) ||
         (tr >= 1 && tr == pr + 1 && target->dim[tr - 1] == 1 && dims_fit(target, pred, pr));
    if (!ok)
        return ur_error(ctx, UR_ERR_SHAPE,
                        "loss %s: targets of shape %s do not fit the output shape %s; expected "
                        "targets of shape %s%s",
                        name, ur_shape_format(target, tb, sizeof tb),
                        ur_shape_format(pred, pb, sizeof pb),
                        ur_shape_format(pred, eb, sizeof eb),
                        loss->kind == UR_LOSS_CATEGORICAL_CE
                            ? " (one-hot; for class ids use sparse_categorical_crossentropy)"
                            : "");
    return UR_OK;
}

/* Target element i as a double, for float32 or int32 targets. */
static inline double target_at(const ur_tensor *t, int64_t i)
{
    return t->dtype == UR_I32 ? (double)ur_tensor_i32(t)[i] : (double)ur_tensor_f32(t)[i];
}

/* The class id held by a sparse target entry, or -1 if it is not one of
 * 0..classes-1. Float ids are truncated toward zero, as Keras's cast to an
 * integer type does; NaN is never a class. */
static int64_t class_id(const ur_tensor *t, int64_t i, int64_t classes)
{
    if (t->dtype == UR_I32) {
        int64_t y = ur_tensor_i32(t)[i];
        return y >= 0 && y < classes ? y : -1;
    }
    float v = ur_tensor_f32(t)[i];
    if (!(v > -1.0f && v < (float)classes))
        return -1;
    return (int64_t)v;
}

static void format_index(const ur_tensor *t, int64_t flat, char *buf, size_t size)
{
    int64_t idx[UR_MAX_RANK];
    for (int d = t->rank - 1; d >= 0; d--) {
        int64_t dd = t->dim[d] > 0 ? t->dim[d] : 1;
        idx[d] = flat % dd;
        flat /= dd;
    }
    size_t pos = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < t->rank && pos < size; d++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%lld", d ? ", " : "", (long long)idx[d]);
    if (pos < size)
        snprintf(buf + pos, size - pos, "]");
}

/* Checks the target values once, before training: every value finite, and
 * for sparse_categorical_crossentropy every class id in [0, classes). The
 * message names the first bad entry by its index. */
ur_status ur_loss_check_targets(const ur_loss *loss, int64_t classes, const ur_tensor *target,
                                ur_ctx *ctx)
{
    int64_t n = ur_tensor_numel(target);
    char ib[96];
    for (int64_t i = 0; i < n; i++) {
        double v = target_at(target, i);
        if (!isfinite(v)) {
            format_index(target, i, ib, sizeof ib);
            return ur_error(ctx, UR_ERR_INVALID, "loss %s: target %s is %g, not a finite number",
                            ur_loss_name(loss->kind), ib, v);
        }
        if (loss->kind == UR_LOSS_SPARSE_CATEGORICAL_CE && class_id(target, i, classes) < 0) {
            format_index(target, i, ib, sizeof ib);
            return ur_error(ctx, UR_ERR_INVALID,
                            "loss %s: target %s holds class %g, but the output has %lld "
                            "classes (0 to %lld)",
                            ur_loss_name(loss->kind), ib, v, (long long)classes,
                            (long long)classes - 1);
        }
    }
    return UR_OK;
}

/* ------------------------------------------------------ per-row losses */

/* Each returns the row loss l_r and, when dp is non-NULL, writes
 * dp = w * d(l_r)/d(p) with w = 1 / (number of rows averaged). */

static inline float clip_prob(float p)
{
    /* NaN stays NaN (so a NaN prediction shows up as a NaN loss) */
    return p < UR_LOSS_EPS ? UR_LOSS_EPS : (p > UR_LOSS_HI ? UR_LOSS_HI : p);
}

/* Clipping is active outside [eps, 1 - eps]: no gradient flows there. */
static inline bool in_clip_range(float p) { return p >= UR_LOSS_EPS && p <= UR_LOSS_HI; }

/* mse: l = 1/C sum (p - t)^2, dl/dp = 2 (p - t) / C */
static double row_mse(const float *p, const ur_tensor *t, int64_t off, int64_t C, float *dp,
                      double w)
{
    double l = 0.0;
    for (int64_t c = 0; c < C; c++) {
        double e = (double)p[c] - target_at(t, off + c);
        l += e * e;
        if (dp)
            dp[c] = (float)(w * 2.0 * e / (double)C);
    }
    return l / (double)C;
}

/* mae: l = 1/C sum |p - t|, dl/dp = sign(p - t) / C (0 where p == t, as TF) */
static double row_mae(const float *p, const ur_tensor *t, int64_t off, int64_t C, float *dp,
                      double w)
{
    double l = 0.0;
    for (int64_t c = 0; c < C; c++) {
        double e = (double)p[c] - target_at(t, off + c);
        l += fabs(e);
        if (dp)
            dp[c] = (float)(w * (double)((e > 0) - (e < 0)) / (double)C);
    }
    return l / (double)C;
}

/* bce from probabilities (Keras: clip, then the two logs):
 *   q = clip(p, eps, 1 - eps), b = -(t log q + (1 - t) log(1 - q)),
 *   db/dp = (q - t) / (q (1 - q)) inside the clip range, 0 outside.
 * bce from logits x (tf.nn.sigmoid_cross_entropy_with_logits):
 *   b = max(x, 0) - x t + log(1 + exp(-|x|)), db/dx = sigmoid(x) - t. */
static double row_bce(const float *p, const ur_tensor *t, int64_t off, int64_t C, bool logits,
                      float *dp, double w)
{
    double l = 0.0, wc = w / (double)C;
    for (int64_t c = 0; c < C; c++) {
        double tv = target_at(t, off + c);
        if (logits) {
            double x = p[c];
            l += (x > 0 ? x : 0.0) - x * tv + log1p(exp(-fabs(x)));
            if (dp) {
                double s = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
                dp[c] = (float)(wc * (s - tv));
            }
        } else {
            double q = clip_prob(p[c]);
            l += -(tv * log(q) + (1.0 - tv) * log(1.0 - q));
            if (dp)
                dp[c] = in_clip_range(p[c]) ? (float)(wc * (-tv / q + (1.0 - tv) / (1.0 - q)))
                                            : 0.0f;
        }
    }
    return l / (double)C;
}

/* max and log-sum-exp of a row of logits (max subtracted for stability) */
static double row_lse(const float *x, int64_t C, double *mx_out)
{
    float mx = x[0];
    for (int64_t c = 1; c < C; c++)
        mx = x[c] > mx ? x[c] : mx;
    double s = 0.0;
    for (int64_t c = 0; c < C; c++)
        s += exp((double)x[c] - mx);
    *mx_out = mx;
    return mx + log(s);
}

/* cce from probabilities (Keras: renormalise, clip, log):
 *   S = sum p, q = clip(p / S, eps, 1 - eps), l = -sum t_c log q_c;
 *   with g_c = -t_c / q_c inside the clip range (0 outside):
 *   dl/dp_j = (g_j - sum_c g_c p_c / S) / S.
 * cce from logits x: l = sum_c t_c (lse(x) - x_c),
 *   dl/dx_j = softmax(x)_j sum_c t_c - t_j. */
static double row_cce(const float *p, const ur_tensor *t, int64_t off, int64_t C, bool logits,
                      float *dp, double w)
{
    double l = 0.0;
    if (logits) {
        double mx, lse = row_lse(p, C, &mx), tsum = 0.0;
        for (int64_t c = 0; c < C; c++) {
            double tv = target_at(t, off + c);
            l += tv * (lse - p[c]);
            tsum += tv;
        }
        if (dp)
            for (int64_t c = 0; c < C; c++)
                dp[c] = (float)(w * (exp((double)p[c] - lse) * tsum - target_at(t, off + c)));
        return l;
    }
    double S = 0.0, gq = 0.0;
    for (int64_t c = 0; c < C; c++)
        S += p[c];
    for (int64_t c = 0; c < C; c++) {
        float qf = (float)(p[c] / S);
        double tv = target_at(t, off + c), q = clip_prob(qf);
        l -= tv * log(q);
        double g = in_clip_range(qf) ? -tv / q : 0.0;
        gq += g * (p[c] / S);
        if (dp)
            dp[c] = (float)g; /* finished below */
    }
    if (dp)
        for (int64_t c = 0; c < C; c++)
            dp[c] = (float)(w * (dp[c] - gq) / S);
    return l;
}

/* sparse cce with class y. From probabilities (Keras 3's JAX, torch and
 * NumPy backends: renormalise, clip, log; the TF backend skips the
 * renormalisation, which only differs when rows do not sum to 1):
 *   l = -log q_y, q = clip(p / S, eps, 1 - eps),
 *   dl/dp_j = g (delta_jy - p_y / S) / S, g = -1 / q_y inside the range, else 0.
 * From logits: l = lse(x) - x_y, dl/dx_j = softmax(x)_j - delta_jy. */
static double row_sparse(const float *p, int64_t y, int64_t C, bool logits, float *dp, double w)
{
    if (logits) {
        double mx, lse = row_lse(p, C, &mx);
        if (dp)
            for (int64_t c = 0; c < C; c++)
                dp[c] = (float)(w * (exp((double)p[c] - lse) - (c == y)));
        return lse - p[y];
    }
    double S = 0.0;
    for (int64_t c = 0; c < C; c++)
        S += p[c];
    float qf = (float)(p[y] / S);
    double q = clip_prob(qf);
    if (dp) {
        double g = in_clip_range(qf) ? -1.0 / q : 0.0;
        double qy = p[y] / S;
        for (int64_t c = 0; c < C; c++)
            dp[c] = (float)(w * g * ((c == y) - qy) / S);
    }
    return -log(q);
}

/* The batch loss (see the top of the file) and, if dpred is non-NULL, its
 * gradient d(loss)/d(pred) for every entry (0 on masked rows).
 * Bad input does not crash: targets whose size does not fit pred (callers
 * should run ur_loss_check first) and sparse class ids outside [0, C) give
 * NAN, so training stops with a NaN-loss error; ur_loss_check_targets finds
 * such ids up front with a message. */
double ur_loss_compute(const ur_loss *loss, const ur_tensor *pred, const ur_tensor *target,
                       const uint8_t *mask, float *dpred)
{
    int64_t n = ur_tensor_numel(pred);
    int64_t C = pred->rank >= 1 ? pred->dim[pred->rank - 1] : 1;
    int64_t R = C > 0 ? n / C : 0;
    bool sparse = loss->kind == UR_LOSS_SPARSE_CATEGORICAL_CE;
    int64_t want = sparse ? R : n;
    if (dpred && n > 0)
        memset(dpred, 0, (size_t)n * sizeof(float));
    if (ur_tensor_numel(target) != want || (sparse && C < 1))
        return NAN;
    int64_t valid = R;
    if (mask) {
        valid = 0;
        for (int64_t r = 0; r < R; r++)
            valid += mask[r] != 0;
    }
    if (valid == 0)
        return 0.0; /* Keras: divide_no_nan(sum, 0) */
    const float *p = ur_tensor_f32(pred);
    double w = 1.0 / (double)valid, sum = 0.0;
    bool bad = false;
    for (int64_t r = 0; r < R; r++) {
        if (mask && !mask[r])
            continue;
        const float *pr = p + r * C;
        float *dp = dpred ? dpred + r * C : NULL;
        switch (loss->kind) {
        case UR_LOSS_MSE:
            sum += row_mse(pr, target, r * C, C, dp, w);
            break;
        case UR_LOSS_MAE:
            sum += row_mae(pr, target, r * C, C, dp, w);
            break;
        case UR_LOSS_BINARY_CE:
            sum += row_bce(pr, target, r * C, C, loss->from_logits, dp, w);
            break;
        case UR_LOSS_CATEGORICAL_CE:
            sum += row_cce(pr, target, r * C, C, loss->from_logits, dp, w);
            break;
        case UR_LOSS_SPARSE_CATEGORICAL_CE: {
            int64_t y = class_id(target, r, C);
            if (y < 0)
                bad = true;
            else
                sum += row_sparse(pr, y, C, loss->from_logits, dp, w);
            break;
        }
        }
    }
    return bad ? NAN : sum * w;
}
