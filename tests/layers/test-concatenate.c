/* test-concatenate.c — Concatenate: output shapes along features and time,
 * values, Keras 3's masks (OR along features when every input is masked,
 * concatenated along time), gradients, and shape and axis errors. */
#include "gradcheck.h"

#include <stdio.h>

static int test_shapes(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [5, 4]},"
                " {'name': 'c', 'class': 'Input', 'shape': [2, 3]},"
                " {'name': 'f', 'class': 'Input', 'shape': [null, 4]},"
                " {'name': 'v', 'class': 'Input', 'shape': [6]},"
                " {'name': 'w', 'class': 'Input', 'shape': [2]},"
                " {'name': 'feat', 'class': 'Concatenate', 'inputs': ['a', 'b', 'f']},"
                " {'name': 'time', 'class': 'Concatenate', 'axis': 1, 'inputs': ['a', 'c']},"
                " {'name': 'free', 'class': 'Concatenate', 'axis': 1, 'inputs': ['f', 'b']},"
                " {'name': 'vec', 'class': 'Concatenate', 'inputs': ['v', 'w']}],"
                " 'outputs': ['feat', 'time', 'free', 'vec']}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "feat", 0, "(None, 5, 11)") +
              gc_expect_shape(g, "time", 0, "(None, 7, 3)") +
              gc_expect_shape(g, "free", 0, "(None, None, 4)") +
              gc_expect_shape(g, "vec", 0, "(None, 8)");
    ur_graph_free(g);
    return bad;
}

static int test_errors(void)
{
    int bad = 0;
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [6, 4]},"
                " {'name': 'cat', 'class': 'Concatenate', 'inputs': ['a', 'b']}]}"),
        "'cat'", "(None, 5, 3)", "(None, 6, 4)", "axis 1 differs", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Concatenate', 'inputs': ['a', 'b']}]}"),
        "same rank", "(None, 5, 3)", "(None, 3)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Concatenate', 'axis': 0, 'inputs': ['a', 'b']}]}"),
        "batch axis", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Concatenate', 'axis': 2, 'inputs': ['a', 'b']}]}"),
        "axis 2 does not exist", "(None, 3)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Concatenate', 'inputs': ['a']}]}"),
        "at least 2 inputs", NULL);
    return bad;
}

static int test_values(void)
{
    int bad = 0;
    static const float a[4] = {1, 2, 3, 4};               /* (2, 2, 1) */
    static const float b[8] = {5, 6, 7, 8, 9, 10, 11, 12}; /* (2, 2, 2) */
    ur_tensor in[2] = {gc_view(UR_F32, a, 3, (int64_t[]){2, 2, 1}),
                       gc_view(UR_F32, b, 3, (int64_t[]){2, 2, 2})};
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [2, 1]},"
                " {'name': 'b', 'class': 'Input', 'shape': [2, 2]},"
                " {'class': 'Concatenate', 'inputs': ['a', 'b']}]}"),
        1);
    if (!m || gc_forward(m, in, false, 1)) {
        ur_model_free(m);
        return 1;
    }
    static const float want[12] = {1, 5, 6, 2, 7, 8, 3, 9, 10, 4, 11, 12};
    bad += gc_expect_close("features", ur_tensor_f32(ur_model_output(m, 0)), want, 12, 0);
    ur_tensor dout = gc_view(UR_F32, want, 3, (int64_t[]){2, 2, 3});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        bad += gc_expect_close("features: gradient of a", ur_tensor_f32(ur_model_input_grad(m, 0)),
                               a, 4, 0);
        bad += gc_expect_close("features: gradient of b", ur_tensor_f32(ur_model_input_grad(m, 1)),
                               b, 8, 0);
    }
    ur_model_free(m);

    /* along time: (2, 1, 2) and (2, 2, 2) */
    in[0] = gc_view(UR_F32, a, 3, (int64_t[]){2, 1, 2});
    m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [1, 2]},"
                " {'name': 'b', 'class': 'Input', 'shape': [2, 2]},"
                " {'class': 'Concatenate', 'axis': 1, 'inputs': ['a', 'b']}]}"),
        1);
    if (!m || gc_forward(m, in, false, 1)) {
        ur_model_free(m);
        return bad + 1;
    }
    static const float want_t[12] = {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12};
    bad += gc_expect_close("time", ur_tensor_f32(ur_model_output(m, 0)), want_t, 12, 0);
    ur_model_free(m);
    return bad;
}

/* Two token inputs with mask_zero (and one without) in front. */
static const char *mask_doc(const char *axis, const char *third_mask)
{
    return gc_json("{'layers': ["
                   " {'name': 'p', 'class': 'Input', 'shape': [3], 'dtype': 'int32'},"
                   " {'name': 'q', 'class': 'Input', 'shape': [3], 'dtype': 'int32'},"
                   " {'name': 'ep', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 2,"
                   "  'mask_zero': true, 'inputs': ['p']},"
                   " {'name': 'eq', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 2,"
                   "  'mask_zero': %s, 'inputs': ['q']},"
                   " {'name': 'cat', 'class': 'Concatenate', 'axis': %s, 'inputs': ['ep', 'eq']}]}",
                   third_mask, axis);
}

static int test_masks(void)
{
    int bad = 0;
    static const int32_t p[6] = {1, 0, 2, 0, 0, 3};
    static const int32_t q[6] = {0, 0, 1, 2, 0, 3};
    ur_tensor in[2] = {gc_view(UR_I32, p, 2, (int64_t[]){2, 3}),
                       gc_view(UR_I32, q, 2, (int64_t[]){2, 3})};
    static const struct {
        const char *axis, *q_masked;
        int T;
        bool has_mask;
        uint8_t want[12];
    } cases[] = {
        /* features, both masked: p OR q */
        {"-1", "true", 3, true, {1, 0, 1, 1, 0, 1}},
        /* features, q unmasked: every step valid, so no mask */
        {"-1", "false", 3, false, {0}},
        /* time: the masks side by side; an unmasked input counts as valid */
        {"1", "true", 6, true, {1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1}},
        {"1", "false", 6, true, {1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}},
    };
    for (size_t c = 0; c < UR_ARRAY_LEN(cases); c++) {
        ur_model *m = gc_model_from_json(mask_doc(cases[c].axis, cases[c].q_masked), 1);
        if (!m || gc_forward(m, in, false, 1)) {
            ur_model_free(m);
            bad++;
            continue;
        }
        const uint8_t *mask = ur_model_output_mask(m, 0);
        if (!cases[c].has_mask != !mask) {
            printf("FAIL: axis %s, q masked %s: output mask %s\n", cases[c].axis,
                   cases[c].q_masked, mask ? "present" : "missing");
            bad++;
        } else if (mask) {
            for (int i = 0; i < 2 * cases[c].T; i++)
                if (mask[i] != cases[c].want[i]) {
                    printf("FAIL: axis %s, q masked %s: mask[%d] = %d, expected %d\n",
                           cases[c].axis, cases[c].q_masked, i, mask[i], cases[c].want[i]);
                    bad++;
                }
        }
        ur_model_free(m);
    }
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    const char *three =
        "{'layers': [{'name': 'a', 'class': 'Input', 'shape': [null, 2]},"
        " {'name': 'b', 'class': 'Input', 'shape': [null, 3]},"
        " {'name': 'd', 'class': 'Dense', 'units': 2, 'activation': 'tanh', 'inputs': ['a']},"
        " {'name': 'cat', 'class': 'Concatenate', 'axis': %s, 'inputs': ['a', 'b', 'd']},"
        " {'class': 'Dense', 'units': 2}]}";
    int bad = gc_check("Concatenate 3 inputs on features", gc_json(three, "-1"), &o);
    const char *time =
        "{'layers': [{'name': 'a', 'class': 'Input', 'shape': [2, 3]},"
        " {'name': 'b', 'class': 'Input', 'shape': [null, 3]},"
        " {'name': 'cat', 'class': 'Concatenate', 'axis': 1, 'inputs': ['a', 'b', 'a']},"
        " {'class': 'Dense', 'units': 2, 'activation': 'sigmoid'}]}";
    bad += gc_check("Concatenate along time, an input used twice", gc_json("%s", time), &o);
    return bad;
}

int main(void)
{
    int bad = test_shapes() + test_errors() + test_values() + test_masks() + test_gradients();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
