/* test-activations.c — the activations: names, Keras 3 values (hard_sigmoid
 * is clip(x/6 + 1/2, 0, 1), not Keras 2's 0.2x + 0.5), a numerically stable
 * softmax, and every backward against central differences, in place too. */
#include "check.h"

static double ref_act(ur_activation a, double x)
{
    switch (a) {
    case UR_ACT_TANH: return tanh(x);
    case UR_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case UR_ACT_HARD_SIGMOID: return fmin(fmax(x / 6.0 + 0.5, 0.0), 1.0);
    case UR_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}

static void test_names(void)
{
    static const char *const want[] = {"linear", "tanh", "sigmoid", "hard_sigmoid", "relu",
                                       "softmax"};
    for (int k = 0; k < UR_ACT_COUNT; k++)
        CHECK(ur_activation_names[k] && strcmp(ur_activation_names[k], want[k]) == 0,
              "name %d: %s", k, ur_activation_names[k] ? ur_activation_names[k] : "(null)");
    CHECK(ur_activation_names[UR_ACT_COUNT] == NULL, "names not NULL-terminated");
}

static void test_forward(void)
{
    /* hard_sigmoid at its corners and in between (Keras 3 values) */
    float hs[7] = {-4.0f, -3.0f, -1.5f, 0.0f, 1.0f, 3.0f, 10.0f};
    const float hs_want[7] = {0.0f, 0.0f, 0.25f, 0.5f, 0.5f + 1.0f / 6.0f, 1.0f, 1.0f};
    ur_act_forward(UR_ACT_HARD_SIGMOID, hs, 7, 7);
    for (int i = 0; i < 7; i++)
        CHECK(close_to(hs[i], hs_want[i], 1e-7, 0), "hard_sigmoid[%d] = %g, want %g", i, hs[i],
              hs_want[i]);

    for (int a = UR_ACT_LINEAR; a <= UR_ACT_RELU; a++) {
        float x[41];
        for (int i = 0; i < 41; i++)
            x[i] = -10.0f + 0.5f * (float)i;
        ur_act_forward((ur_activation)a, x, 41, 41);
        for (int i = 0; i < 41; i++) {
            double xi = -10.0 + 0.5 * i;
            CHECK(close_to(x[i], ref_act((ur_activation)a, xi), 1e-6, 1e-6),
                  "%s(%g) = %.9g, want %.9g", ur_activation_names[a], xi, x[i],
                  ref_act((ur_activation)a, xi));
            CHECK(x[i] == ur_act1((ur_activation)a, (float)xi), "%s(%g): scalar form differs",
                  ur_activation_names[a], xi);
        }
    }
    /* sigmoid far out stays in [0, 1] without NaN */
    float far[2] = {-200.0f, 200.0f};
    ur_act_forward(UR_ACT_SIGMOID, far, 2, 2);
    CHECK(far[0] == 0.0f && far[1] == 1.0f, "sigmoid(+-200) = %g %g", far[0], far[1]);
}

static void test_softmax(void)
{
    /* rows of 3; the second row is the first shifted by 1000 (max subtracted) */
    float x[9] = {1.0f, 2.0f, 3.0f, 1001.0f, 1002.0f, 1003.0f, -1e30f, 0.0f, -1e30f};
    ur_act_forward(UR_ACT_SOFTMAX, x, 9, 3);
    double e1 = exp(-2.0), e2 = exp(-1.0), s = e1 + e2 + 1.0;
    const double want[3] = {e1 / s, e2 / s, 1.0 / s};
    for (int j = 0; j < 3; j++) {
        CHECK(close_to(x[j], want[j], 1e-7, 1e-6), "softmax[%d] = %.9g, want %.9g", j, x[j],
              want[j]);
        CHECK(close_to(x[3 + j], want[j], 1e-7, 1e-6), "shifted softmax[%d] = %.9g", j, x[3 + j]);
    }
    CHECK(x[6] == 0.0f && x[7] == 1.0f && x[8] == 0.0f, "one-hot softmax %g %g %g", x[6], x[7],
          x[8]);
}

/* Element-wise backward against central differences of the forward, with a
 * random upstream gradient; also in place (dx == dy). */
static void test_backward(void)
{
    ur_rng rng;
    ur_rng_seed(&rng, 3);
    enum { N = 64 };
    for (int a = UR_ACT_LINEAR; a <= UR_ACT_RELU; a++) {
        float x[N], y[N], dy[N], dx[N], io[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float)(-5.0 + 10.0 * ur_rng_uniform(&rng));
            /* keep away from the kinks (relu at 0, hard_sigmoid at +-3) */
            if (fabsf(x[i]) < 0.01f || fabsf(fabsf(x[i]) - 3.0f) < 0.01f)
                x[i] += 0.05f;
            y[i] = x[i];
            dy[i] = (float)(ur_rng_uniform(&rng) * 2.0 - 1.0);
            io[i] = dy[i];
        }
        ur_act_forward((ur_activation)a, y, N, N);
        ur_act_backward((ur_activation)a, y, dy, dx, N);
        ur_act_backward((ur_activation)a, y, io, io, N);
        for (int i = 0; i < N; i++) {
            double h = 1e-3;
            double num = (ref_act((ur_activation)a, x[i] + h) - ref_act((ur_activation)a, x[i] - h)) /
                         (2 * h) * dy[i];
            CHECK(close_to(dx[i], num, 1e-5, 1e-4), "%s'(%g): %.7g, numeric %.7g",
                  ur_activation_names[a], x[i], dx[i], num);
            CHECK(io[i] == dx[i], "%s: in-place backward differs", ur_activation_names[a]);
            CHECK(close_to(dx[i], dy[i] * ur_act1_grad((ur_activation)a, y[i]), 1e-7, 0),
                  "%s: scalar gradient differs", ur_activation_names[a]);
        }
    }
    /* hard_sigmoid: 1/6 inside (-3, 3), 0 on the flat parts */
    float hx[4] = {-4.0f, -2.0f, 2.0f, 4.0f}, ones[4] = {1, 1, 1, 1}, hd[4];
    ur_act_forward(UR_ACT_HARD_SIGMOID, hx, 4, 4);
    ur_act_backward(UR_ACT_HARD_SIGMOID, hx, ones, hd, 4);
    CHECK(hd[0] == 0 && close_to(hd[1], 1.0 / 6, 1e-7, 0) && close_to(hd[2], 1.0 / 6, 1e-7, 0) &&
              hd[3] == 0,
          "hard_sigmoid gradient %g %g %g %g", hd[0], hd[1], hd[2], hd[3]);
}

/* Softmax backward: L = sum_j w_j softmax(x)_j, dL/dx against differences. */
static void test_softmax_backward(void)
{
    ur_rng rng;
    ur_rng_seed(&rng, 5);
    enum { R = 3, C = 5 };
    float x[R * C], y[R * C], w[R * C], dx[R * C], io[R * C];
    for (int i = 0; i < R * C; i++) {
        x[i] = (float)(ur_rng_normal(&rng) * 2.0);
        w[i] = (float)ur_rng_normal(&rng);
        io[i] = w[i];
    }
    memcpy(y, x, sizeof y);
    ur_act_forward(UR_ACT_SOFTMAX, y, R * C, C);
    ur_softmax_backward(y, w, dx, R, C);
    ur_softmax_backward(y, io, io, R, C);
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) {
            float t[C];
            double l[2];
            for (int s = 0; s < 2; s++) {
                memcpy(t, x + r * C, sizeof t);
                t[j] += s ? -1e-2f : 1e-2f;
                ur_act_forward(UR_ACT_SOFTMAX, t, C, C);
                l[s] = 0;
                for (int k = 0; k < C; k++)
                    l[s] += (double)w[r * C + k] * t[k];
            }
            double num = (l[0] - l[1]) / 2e-2;
            CHECK(close_to(dx[r * C + j], num, 1e-4, 1e-3), "softmax'[%d][%d] %.7g, numeric %.7g",
                  r, j, dx[r * C + j], num);
            CHECK(io[r * C + j] == dx[r * C + j], "in-place softmax backward differs");
        }
}

int main(void)
{
    test_names();
    test_forward();
    test_softmax();
    test_backward();
    test_softmax_backward();
    return check_done("activations");
}
