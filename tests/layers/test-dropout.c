/* test-dropout.c — Dropout: the identity at inference, inverted-dropout
 * statistics while training, masks fixed by the generator's seed, the
 * gradient through the same mask, the sequence mask passing through, and
 * option errors. */
#include "gradcheck.h"

#include <stdio.h>

static const char *model_doc(double rate)
{
    return gc_json("{'layers': [{'class': 'Input', 'shape': [200]},"
                   " {'name': 'drop', 'class': 'Dropout', 'rate': %g}]}",
                   rate);
}

static int test_values(void)
{
    enum { B = 100, F = 200, N = B * F };
    static float x[N], y1[N];
    for (int i = 0; i < N; i++)
        x[i] = 1.0f + (float)(i % 13) * 0.25f;
    ur_tensor in = gc_view(UR_F32, x, 2, (int64_t[]){B, F});
    ur_model *m = gc_model_from_json(model_doc(0.3), 1);
    if (!m)
        return 1;
    int bad = 0;

    /* inference: exactly the input */
    if (gc_forward(m, &in, false, 1)) {
        ur_model_free(m);
        return 1;
    }
    bad += gc_expect_close("inference output", ur_tensor_f32(ur_model_output(m, 0)), x, N, 0);

    /* training: each entry 0 or x / 0.7, with about 30% dropped */
    if (gc_forward(m, &in, true, 1)) {
        ur_model_free(m);
        return 1;
    }
    const float *y = ur_tensor_f32(ur_model_output(m, 0));
    memcpy(y1, y, sizeof y1);
    int64_t zeros = 0, wrong = 0;
    double sum_x = 0, sum_y = 0;
    for (int i = 0; i < N; i++) {
        sum_x += x[i];
        sum_y += y[i];
        if (y[i] == 0.0f)
            zeros++;
        else if (y[i] != x[i] * (1.0f / 0.7f))
            wrong++;
    }
    double frac = (double)zeros / N, sd = sqrt(0.3 * 0.7 / N);
    if (fabs(frac - 0.3) > 5 * sd || wrong) {
        printf("FAIL: dropped %.4f of the entries (expected 0.3 +- %.4f); %lld kept entries "
               "not scaled by 1/0.7\n",
               frac, 5 * sd, (long long)wrong);
        bad++;
    }
    if (fabs(sum_y / sum_x - 1.0) > 0.02) {
        printf("FAIL: training changes the expected sum: ratio %.4f\n", sum_y / sum_x);
        bad++;
    }

    /* the same seed draws the same mask; another seed another one */
    if (gc_forward(m, &in, true, 1) == 0)
        bad += gc_expect_close("same seed", ur_tensor_f32(ur_model_output(m, 0)), y1, N, 0);
    else
        bad++;
    if (gc_forward(m, &in, true, 2) == 0) {
        y = ur_tensor_f32(ur_model_output(m, 0));
        int64_t diff = 0;
        for (int i = 0; i < N; i++)
            diff += y[i] != y1[i];
        if (diff < N / 5) {
            printf("FAIL: another seed changed only %lld entries\n", (long long)diff);
            bad++;
        }
    } else {
        bad++;
    }

    /* backward multiplies by the same mask: dx = dy * y / x for dy = 1 */
    static float ones[N];
    for (int i = 0; i < N; i++)
        ones[i] = 1.0f;
    ur_tensor dout = gc_view(UR_F32, ones, 2, (int64_t[]){B, F});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        static float want[N];
        y = ur_tensor_f32(ur_model_output(m, 0));
        for (int i = 0; i < N; i++)
            want[i] = y[i] == 0.0f ? 0.0f : 1.0f / 0.7f;
        bad += gc_expect_close("dropout gradient", ur_tensor_f32(ur_model_input_grad(m, 0)), want,
                               N, 1e-6);
    }
    ur_model_free(m);

    /* rate 0 while training: the identity */
    m = gc_model_from_json(model_doc(0.0), 1);
    if (!m || gc_forward(m, &in, true, 1)) {
        ur_model_free(m);
        return bad + 1;
    }
    bad += gc_expect_close("rate 0", ur_tensor_f32(ur_model_output(m, 0)), x, N, 0);
    ur_model_free(m);
    return bad;
}

static int test_mask_and_gradients(void)
{
    int bad = 0;
    const char *doc = gc_json("{'layers': [{'class': 'Input', 'shape': [null, 3]},"
                              " {'class': 'Masking'}, {'class': 'Dense', 'units': 4},"
                              " {'name': 'drop', 'class': 'Dropout', 'rate': 0.5}]}");
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(doc, &ctx);
    if (!g || !ur_layer_output_masked(ur_graph_find(g, "drop"), 0)) {
        printf("FAIL: Dropout does not pass the mask on\n");
        bad++;
    }
    ur_graph_free(g);
    gc_options o;
    gc_options_default(&o);
    o.pad = GC_PAD_RIGHT;
    bad += gc_check("Masking -> Dense -> Dropout(0.5), training", doc, &o);
    o.pad = GC_PAD_NONE;
    o.training = false;
    bad += gc_check("Dense -> Dropout(0.5), inference",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [5]},"
                            " {'class': 'Dense', 'units': 4}, {'class': 'Dropout', 'rate': 0.5}]}"),
                    &o);
    return bad;
}

static int test_errors(void)
{
    int bad = 0;
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'name': 'd', 'class': 'Dropout', 'rate': 1}]}"),
        "'d'", "rate must be below 1", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'class': 'Dropout', 'rate': -0.1}]}"),
        "rate", "-0.1", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'class': 'Dropout'}]}"),
        "rate", "required", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3, 4]},"
                " {'class': 'Dropout', 'rate': 0.2, 'noise_shape': [null, 1, 4]}]}"),
        "noise_shape must be null", NULL);
    /* seed and a null noise_shape are accepted */
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3, 4]},"
                " {'name': 'd', 'class': 'Dropout', 'rate': 0.2, 'seed': 42,"
                "  'noise_shape': null}]}"),
        &ctx);
    if (!g || gc_expect_shape(g, "d", 0, "(None, 3, 4)"))
        bad++;
    ur_graph_free(g);
    return bad;
}

int main(void)
{
    int bad = test_values() + test_mask_and_gradients() + test_errors();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
