/* metrics.c — the training metrics: which accuracy "accuracy" means for a
 * loss and shapes, and the per-batch sums behind exact epoch means
 * (accuracy kinds and MAE, Keras 3 formulas, masks honoured). */
#include "ur-internal.h"

/* What "accuracy" becomes at compile time (Keras 3 compile_utils.get_metric):
 *   binary      if the output's last dim is 1, and (as Keras 2 did, and
 *               as multi-label outputs need) whenever the loss is
 *               binary_crossentropy;
 *   sparse      if the targets have fewer axes than the output, or a
 *               trailing 1 while the output's last dim is > 1;
 *   categorical otherwise. */
ur_metric_kind ur_accuracy_kind(const ur_loss *loss, const ur_shape *pred, const ur_shape *target)
{
    int64_t p_last = pred->rank >= 1 ? pred->dim[pred->rank - 1] : 1;
    int64_t t_last = target->rank >= 1 ? target->dim[target->rank - 1] : 1;
    if (loss->kind == UR_LOSS_BINARY_CE || p_last == 1)
        return UR_METRIC_BINARY_ACCURACY;
    if (target->rank < pred->rank || (t_last == 1 && p_last > 1))
        return UR_METRIC_SPARSE_CATEGORICAL_ACCURACY;
    return UR_METRIC_CATEGORICAL_ACCURACY;
}

const char *ur_metric_name(ur_metric_kind k)
{
    return k == UR_METRIC_MAE ? "mae" : "accuracy";
}

static inline double value_at(const ur_tensor *t, int64_t i)
{
    return t->dtype == UR_I32 ? (double)ur_tensor_i32(t)[i] : (double)ur_tensor_f32(t)[i];
}

/* First index of the maximum, as numpy.argmax (a NaN counts as the maximum). */
static int64_t argmax_f32(const float *x, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++) {
        if (isnan(x[best]))
            break;
        if (x[i] > x[best] || isnan(x[i]))
            best = i;
    }
    return best;
}

static int64_t argmax_target(const ur_tensor *t, int64_t off, int64_t n)
{
    int64_t best = 0;
    double bv = value_at(t, off);
    for (int64_t i = 1; i < n; i++) {
        double v = value_at(t, off + i);
        if (isnan(bv))
            break;
        if (v > bv || isnan(v)) {
            best = i;
            bv = v;
        }
    }
    return best;
}

/* Adds the batch's metric sum to *sum and the rows it covers to *count, so
 * that sum / count over an epoch is Keras's epoch value. Rows are the
 * output's entries without its last axis (R = numel / C); with a mask (one
 * entry per row, (B, T) for a (B, T, C) output) only valid rows count.
 * Per row, with p the output row and t the targets:
 *   binary:      1/C sum_c [ (p_c > 0.5) == t_c ]
 *   categorical: [ argmax p == argmax t ]
 *   sparse:      [ argmax p == t ]            (t a class id, float or int)
 *   mae:         1/C sum_c |p_c - t_c|
 * Keras weighs samples equally and averages inside a sample; every sample
 * has the same number of rows, so summing rows gives the same means.
 * Targets whose size does not fit the output add nothing (ur_loss_check is
 * the place to report them). */
void ur_metric_accumulate(ur_metric_kind k, const ur_loss *loss, const ur_tensor *pred,
                          const ur_tensor *target, const uint8_t *mask,
                          double *sum, double *count)
{
    (void)loss; /* Keras thresholds at 0.5 whatever the loss, logits included */
    int64_t n = ur_tensor_numel(pred);
    int64_t C = pred->rank >= 1 ? pred->dim[pred->rank - 1] : 1;
    if (C <= 0 || n <= 0)
        return;
    int64_t R = n / C;
    int64_t want = k == UR_METRIC_SPARSE_CATEGORICAL_ACCURACY ? R : n;
    if (ur_tensor_numel(target) != want)
        return;
    const float *p = ur_tensor_f32(pred);
    double s = 0.0;
    int64_t rows = 0;
    for (int64_t r = 0; r < R; r++) {
        if (mask && !mask[r])
            continue;
        const float *pr = p + r * C;
        int64_t off = r * C;
        rows++;
        switch (k) {
        case UR_METRIC_BINARY_ACCURACY: {
            int64_t hits = 0;
            for (int64_t c = 0; c < C; c++)
                hits += (pr[c] > 0.5f ? 1.0 : 0.0) == value_at(target, off + c);
            s += (double)hits / (double)C;
            break;
        }
        case UR_METRIC_CATEGORICAL_ACCURACY:
            s += argmax_f32(pr, C) == argmax_target(target, off, C);
            break;
        case UR_METRIC_SPARSE_CATEGORICAL_ACCURACY:
            s += (double)argmax_f32(pr, C) == value_at(target, r);
            break;
        case UR_METRIC_MAE: {
            double a = 0.0;
            for (int64_t c = 0; c < C; c++)
                a += fabs((double)pr[c] - value_at(target, off + c));
            s += a / (double)C;
            break;
        }
        }
    }
    *sum += s;
    *count += (double)rows;
}
