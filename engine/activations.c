/* activations.c — the element-wise activations (Keras 3 formulas) and the
 * row softmax, forward and backward over flat float arrays. The scalar
 * versions for fused gate loops live in ur-internal.h (ur_act1, ur_act1_grad);
 * the loops here use them, so both paths compute the same numbers. */
#include "ur-internal.h"

const char *const ur_activation_names[] = {
    [UR_ACT_LINEAR] = "linear",
    [UR_ACT_TANH] = "tanh",
    [UR_ACT_SIGMOID] = "sigmoid",
    [UR_ACT_HARD_SIGMOID] = "hard_sigmoid",
    [UR_ACT_RELU] = "relu",
    [UR_ACT_SOFTMAX] = "softmax",
    [UR_ACT_COUNT] = NULL,
};

/* Softmax over each row of length `row` (x: rows x row, in place):
 *   y_j = exp(x_j - max(x)) / sum_k exp(x_k - max(x))
 * Subtracting the row maximum keeps exp() finite for any finite input. */
static void softmax_rows(float *x, int64_t rows, int64_t row)
{
    for (int64_t r = 0; r < rows; r++) {
        float *restrict v = x + r * row;
        float mx = v[0];
        for (int64_t j = 1; j < row; j++)
            mx = v[j] > mx ? v[j] : mx;
        double sum = 0.0;
        for (int64_t j = 0; j < row; j++) {
            v[j] = expf(v[j] - mx);
            sum += v[j];
        }
        float inv = (float)(1.0 / sum);
        for (int64_t j = 0; j < row; j++)
            v[j] *= inv;
    }
}

/* y = act(x) in place over n values.
 *   tanh:         y = tanh(x)
 *   sigmoid:      y = 1 / (1 + exp(-x))
 *   hard_sigmoid: y = clip(x / 6 + 1/2, 0, 1)       (Keras 3: relu6(x + 3) / 6)
 *   relu:         y = max(x, 0)
 *   softmax:      rows of length `row` (n / row rows), see softmax_rows
 *   linear:       y = x */
void ur_act_forward(ur_activation a, float *x, int64_t n, int64_t row)
{
    /* One loop per case: the switch stays outside, the bodies vectorise. */
    switch (a) {
    case UR_ACT_LINEAR:
    case UR_ACT_COUNT:
        return;
    case UR_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            x[i] = tanhf(x[i]);
        return;
    case UR_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            x[i] = 1.0f / (1.0f + expf(-x[i]));
        return;
    case UR_ACT_HARD_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            x[i] = ur_act1(UR_ACT_HARD_SIGMOID, x[i]);
        return;
    case UR_ACT_RELU:
        for (int64_t i = 0; i < n; i++)
            x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        return;
    case UR_ACT_SOFTMAX:
        if (row > 0 && n > 0)
            softmax_rows(x, n / row, row);
        return;
    }
}

/* dx = dy * act'(x), the derivative written through y = act(x):
 *   tanh: 1 - y^2   sigmoid: y (1 - y)   hard_sigmoid: 1/6 where 0 < y < 1
 *   relu: 1 where y > 0   linear: 1.
 * dx may alias dy (so no restrict on those two). Softmax is not element-wise:
 * use ur_softmax_backward. */
void ur_act_backward(ur_activation a, const float *y, const float *dy, float *dx, int64_t n)
{
    switch (a) {
    case UR_ACT_LINEAR:
    case UR_ACT_SOFTMAX: /* programmer error; treat as identity rather than crash */
    case UR_ACT_COUNT:
        if (dx != dy)
            memmove(dx, dy, (size_t)n * sizeof(float));
        return;
    case UR_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        return;
    case UR_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
        return;
    case UR_ACT_HARD_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            dx[i] = dy[i] * ur_act1_grad(UR_ACT_HARD_SIGMOID, y[i]);
        return;
    case UR_ACT_RELU:
        for (int64_t i = 0; i < n; i++)
            dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        return;
    }
}

/* Softmax backward per row (y, dy, dx: rows x row):
 *   dx_j = y_j * (dy_j - sum_k dy_k y_k)
 * dx may alias dy: the row's dot product is taken before any write. */
void ur_softmax_backward(const float *y, const float *dy, float *dx, int64_t rows, int64_t row)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * row;
        const float *dyr = dy + r * row;
        float *dxr = dx + r * row;
        double dot = 0.0;
        for (int64_t j = 0; j < row; j++)
            dot += (double)dyr[j] * yr[j];
        float s = (float)dot;
        for (int64_t j = 0; j < row; j++)
            dxr[j] = yr[j] * (dyr[j] - s);
    }
}
