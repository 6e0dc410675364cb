/* test-metrics.c — which accuracy "accuracy" means (the compile-time table)
 * and the metric sums: Keras docstring examples, argmax ties, thresholds,
 * multi-label rows, masks, int32 targets and exact epoch means. */
#include "check.h"

static void test_kind_table(void)
{
    const int64_t N = UR_DIM_FREE;
    static const char *const names[] = {"binary", "categorical", "sparse", "mae"};
    struct {
        ur_loss_kind loss;
        ur_shape pred, target;
        ur_metric_kind want;
    } rows[] = {
        {UR_LOSS_BINARY_CE, shape(2, N, 1, 0), shape(2, N, 1, 0), UR_METRIC_BINARY_ACCURACY},
        /* multi-label: binary because of the loss */
        {UR_LOSS_BINARY_CE, shape(2, N, 5, 0), shape(2, N, 5, 0), UR_METRIC_BINARY_ACCURACY},
        {UR_LOSS_MSE, shape(2, N, 1, 0), shape(2, N, 1, 0), UR_METRIC_BINARY_ACCURACY},
        {UR_LOSS_MSE, shape(2, N, 1, 0), shape(1, N, 0, 0), UR_METRIC_BINARY_ACCURACY},
        {UR_LOSS_SPARSE_CATEGORICAL_CE, shape(2, N, 10, 0), shape(1, N, 0, 0),
         UR_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {UR_LOSS_SPARSE_CATEGORICAL_CE, shape(2, N, 10, 0), shape(2, N, 1, 0),
         UR_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {UR_LOSS_SPARSE_CATEGORICAL_CE, shape(3, N, 7, 10), shape(2, N, 7, 0),
         UR_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {UR_LOSS_SPARSE_CATEGORICAL_CE, shape(3, N, 7, 10), shape(3, N, 7, 1),
         UR_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {UR_LOSS_CATEGORICAL_CE, shape(2, N, 10, 0), shape(2, N, 10, 0),
         UR_METRIC_CATEGORICAL_ACCURACY},
        {UR_LOSS_CATEGORICAL_CE, shape(3, N, 7, 10), shape(3, N, 7, 10),
         UR_METRIC_CATEGORICAL_ACCURACY},
        /* Keras's rule looks at shapes only: mse on 3 outputs is categorical */
        {UR_LOSS_MSE, shape(2, N, 3, 0), shape(2, N, 3, 0), UR_METRIC_CATEGORICAL_ACCURACY},
    };
    for (size_t i = 0; i < UR_ARRAY_LEN(rows); i++) {
        ur_loss l = {rows[i].loss, false};
        ur_metric_kind got = ur_accuracy_kind(&l, &rows[i].pred, &rows[i].target);
        char pb[64], tb[64];
        CHECK(got == rows[i].want, "row %zu: %s, %s vs %s: %s, want %s", i,
              ur_loss_name(rows[i].loss), ur_shape_format(&rows[i].pred, pb, sizeof pb),
              ur_shape_format(&rows[i].target, tb, sizeof tb), names[got], names[rows[i].want]);
    }
    CHECK(strcmp(ur_metric_name(UR_METRIC_MAE), "mae") == 0, "mae name");
    CHECK(strcmp(ur_metric_name(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY), "accuracy") == 0,
          "accuracy name");
}

static double metric(ur_metric_kind k, const ur_tensor *p, const ur_tensor *t,
                     const uint8_t *mask, double *count)
{
    ur_loss l = {UR_LOSS_MSE, false};
    double sum = 0.0, cnt = 0.0;
    ur_metric_accumulate(k, &l, p, t, mask, &sum, &cnt);
    if (count)
        *count = cnt;
    return cnt > 0 ? sum / cnt : NAN;
}

static void test_values(void)
{
    double cnt;
    /* keras BinaryAccuracy docstring: 0.75 */
    float bp[4] = {0.98f, 1.0f, 0.0f, 0.6f}, bt[4] = {1, 1, 0, 0};
    ur_tensor p = tensor(UR_F32, bp, 2, 4, 1, 0), t = tensor(UR_F32, bt, 2, 4, 1, 0);
    double v = metric(UR_METRIC_BINARY_ACCURACY, &p, &t, NULL, &cnt);
    CHECK(v == 0.75 && cnt == 4, "binary accuracy %g over %g", v, cnt);
    /* the threshold is strict: 0.5 is class 0 */
    float half[1] = {0.5f}, one[1] = {1.0f};
    p = tensor(UR_F32, half, 2, 1, 1, 0);
    t = tensor(UR_F32, one, 2, 1, 1, 0);
    CHECK(metric(UR_METRIC_BINARY_ACCURACY, &p, &t, NULL, NULL) == 0.0, "0.5 counted as 1");
    /* multi-label rows: each row's mean, then the mean over rows */
    float mp[6] = {0.9f, 0.2f, 0.7f, 0.1f, 0.8f, 0.3f}, mt[6] = {1, 1, 1, 0, 0, 0};
    p = tensor(UR_F32, mp, 2, 2, 3, 0);
    t = tensor(UR_F32, mt, 2, 2, 3, 0);
    v = metric(UR_METRIC_BINARY_ACCURACY, &p, &t, NULL, &cnt);
    CHECK(close_to(v, (2.0 / 3 + 2.0 / 3) / 2, 1e-12, 0) && cnt == 2, "multi-label %g", v);

    /* keras CategoricalAccuracy docstring: 0.5 */
    float cp[6] = {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.0f}, ct[6] = {0, 0, 1, 0, 1, 0};
    p = tensor(UR_F32, cp, 2, 2, 3, 0);
    t = tensor(UR_F32, ct, 2, 2, 3, 0);
    CHECK(metric(UR_METRIC_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 0.5, "categorical");
    /* keras SparseCategoricalAccuracy docstring: 0.5, float and int32 ids */
    float sp[6] = {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0.0f}, st[2] = {2, 1};
    int32_t si[2] = {2, 1};
    p = tensor(UR_F32, sp, 2, 2, 3, 0);
    t = tensor(UR_F32, st, 2, 2, 1, 0);
    CHECK(metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 0.5, "sparse");
    t = tensor(UR_I32, si, 1, 2, 0, 0);
    CHECK(metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 0.5,
          "sparse int32");
    /* argmax ties go to the first index, as numpy */
    float tp[3] = {0.4f, 0.4f, 0.2f};
    int32_t c0 = 0, c1 = 1;
    p = tensor(UR_F32, tp, 2, 1, 3, 0);
    t = tensor(UR_I32, &c0, 1, 1, 0, 0);
    CHECK(metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 1.0, "tie -> 0");
    t = tensor(UR_I32, &c1, 1, 1, 0, 0);
    CHECK(metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 0.0, "tie -> 1");
    float tt[3] = {0.5f, 0.5f, 0.0f}; /* tie in the one-hot too: both pick 0 */
    t = tensor(UR_F32, tt, 2, 1, 3, 0);
    CHECK(metric(UR_METRIC_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 1.0, "double tie");
    /* a class id that cannot be predicted is a miss, not a crash */
    int32_t c9 = 9;
    t = tensor(UR_I32, &c9, 1, 1, 0, 0);
    CHECK(metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &p, &t, NULL, NULL) == 0.0, "id 9");

    /* mae: mean |p - t| over the last axis, then over rows */
    float ap[4] = {1.0f, 2.0f, -1.0f, 0.5f}, at[4] = {0.0f, 0.0f, 1.0f, 0.5f};
    p = tensor(UR_F32, ap, 2, 2, 2, 0);
    t = tensor(UR_F32, at, 2, 2, 2, 0);
    v = metric(UR_METRIC_MAE, &p, &t, NULL, &cnt);
    CHECK(v == (1.5 + 1.0) / 2 && cnt == 2, "mae %g", v);
}

static void test_masks_and_sums(void)
{
    /* (B, T, C) = (2, 3, 2); step predictions argmax: 0 1 0 / 1 1 0 */
    float p[12] = {0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f, 0.1f, 0.9f, 0.7f, 0.3f};
    int32_t y[6] = {0, 0, 0, 1, 0, 1};
    uint8_t mask[6] = {1, 1, 0, 1, 0, 1};
    ur_tensor pt = tensor(UR_F32, p, 3, 2, 3, 2), yt = tensor(UR_I32, y, 2, 2, 3, 0);
    double cnt;
    /* unmasked: hits at steps 0, 3 -> 2/6 ... step 2 (0 vs 0) too: 3/6 */
    double v = metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &pt, &yt, NULL, &cnt);
    CHECK(v == 0.5 && cnt == 6, "unmasked %g over %g", v, cnt);
    /* masked: valid steps 0, 1, 3, 5 -> hits 0 and 3 */
    v = metric(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &pt, &yt, mask, &cnt);
    CHECK(v == 0.5 && cnt == 4, "masked %g over %g", v, cnt);
    float tf[12] = {0, 0, 0, 0, 5, 5, 0, 0, -5, -5, 0, 0}; /* far off on masked steps */
    ur_tensor tft = tensor(UR_F32, tf, 3, 2, 3, 2);
    v = metric(UR_METRIC_MAE, &pt, &tft, NULL, &cnt);
    CHECK(close_to(v, (0.5 + 0.5 + 4.5 + 0.5 + 5.5 + 0.5) / 6, 1e-7, 0) && cnt == 6,
          "unmasked mae %g", v);
    v = metric(UR_METRIC_MAE, &pt, &tft, mask, &cnt);
    CHECK(close_to(v, (0.5 + 0.5 + 0.5 + 0.5) / 4, 1e-7, 0) && cnt == 4, "masked mae %g", v);

    /* sums accumulate, so epoch means over uneven batches are exact */
    ur_loss l = {UR_LOSS_SPARSE_CATEGORICAL_CE, false};
    double sum = 0.0, count = 0.0;
    ur_metric_accumulate(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &l, &pt, &yt, mask, &sum, &count);
    ur_tensor first = tensor(UR_F32, p, 3, 1, 3, 2), yfirst = tensor(UR_I32, y, 2, 1, 3, 0);
    ur_metric_accumulate(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &l, &first, &yfirst, NULL, &sum,
                         &count);
    CHECK(sum == 2 + 2 && count == 4 + 3, "accumulated %g / %g", sum, count);
    /* targets that do not fit add nothing */
    ur_tensor wrong = tensor(UR_I32, y, 1, 5, 0, 0);
    ur_metric_accumulate(UR_METRIC_SPARSE_CATEGORICAL_ACCURACY, &l, &pt, &wrong, NULL, &sum,
                         &count);
    CHECK(sum == 4 && count == 7, "misfit targets counted");
}

int main(void)
{
    test_kind_table();
    test_values();
    test_masks_and_sums();
    return check_done("metrics");
}
