/* test-add.c — Add: element-wise sums of 2+ inputs, the gradient reaching
 * every input, Keras 3's merge mask (OR when every input is masked, none
 * otherwise), and the shape-mismatch error naming both shapes. */
#include "gradcheck.h"

#include <stdio.h>

static int test_values(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3]},"
                " {'name': 'c', 'class': 'Input', 'shape': [null]},"
                " {'name': 'sum', 'class': 'Add', 'inputs': ['a', 'b', 'c']}]}"),
        1);
    if (!m)
        return 1;
    static const float a[6] = {1, 2, 3, 4, 5, 6};
    static const float b[6] = {10, 20, 30, 40, 50, 60};
    static const float c[6] = {0.5f, -1, 0, 2, 0, -6};
    ur_tensor in[3] = {gc_view(UR_F32, a, 2, (int64_t[]){2, 3}),
                       gc_view(UR_F32, b, 2, (int64_t[]){2, 3}),
                       gc_view(UR_F32, c, 2, (int64_t[]){2, 3})};
    int bad = gc_forward(m, in, false, 1);
    if (bad) {
        ur_model_free(m);
        return 1;
    }
    static const float want[6] = {11.5f, 21, 33, 46, 55, 60};
    bad += gc_expect_close("Add output", ur_tensor_f32(ur_model_output(m, 0)), want, 6, 0);
    ur_tensor dout = gc_view(UR_F32, c, 2, (int64_t[]){2, 3});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        for (int i = 0; i < 3; i++)
            bad += gc_expect_close("Add gradient", ur_tensor_f32(ur_model_input_grad(m, i)), c, 6,
                                   0);
    }
    ur_model_free(m);
    return bad;
}

static int test_masks(void)
{
    int bad = 0;
    static const int32_t p[6] = {1, 0, 2, 0, 0, 3};
    static const int32_t q[6] = {0, 0, 1, 2, 0, 3};
    ur_tensor in[2] = {gc_view(UR_I32, p, 2, (int64_t[]){2, 3}),
                       gc_view(UR_I32, q, 2, (int64_t[]){2, 3})};
    for (int q_masked = 0; q_masked < 2; q_masked++) {
        ur_model *m = gc_model_from_json(
            gc_json("{'layers': ["
                    " {'name': 'p', 'class': 'Input', 'shape': [3], 'dtype': 'int32'},"
                    " {'name': 'q', 'class': 'Input', 'shape': [3], 'dtype': 'int32'},"
                    " {'name': 'ep', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 2,"
                    "  'mask_zero': true, 'inputs': ['p']},"
                    " {'name': 'eq', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 2,"
                    "  'mask_zero': %s, 'inputs': ['q']},"
                    " {'class': 'Add', 'inputs': ['ep', 'eq']}]}",
                    q_masked ? "true" : "false"),
            1);
        if (!m || gc_forward(m, in, false, 1)) {
            ur_model_free(m);
            bad++;
            continue;
        }
        const uint8_t *mask = ur_model_output_mask(m, 0);
        static const uint8_t want[6] = {1, 0, 1, 1, 0, 1};
        if (q_masked && (!mask || memcmp(mask, want, 6) != 0)) {
            printf("FAIL: Add of two masked inputs: the mask is not their OR\n");
            bad++;
        }
        if (!q_masked && mask) {
            printf("FAIL: Add with an unmasked input still has a mask\n");
            bad++;
        }
        ur_model_free(m);
    }
    return bad;
}

static int test_shapes_and_errors(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [null, 4]},"
                " {'name': 'b', 'class': 'Input', 'shape': [6, 4]},"
                " {'name': 'sum', 'class': 'Add', 'inputs': ['a', 'b']}]}"),
        &ctx);
    int bad = (!g || gc_expect_shape(g, "sum", 0, "(None, 6, 4)")) ? 1 : 0;
    ur_graph_free(g);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [5, 4]},"
                " {'name': 'sum', 'class': 'Add', 'inputs': ['a', 'b']}]}"),
        "'sum'", "same shape", "(None, 5, 3)", "(None, 5, 4)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3, 1]},"
                " {'name': 'sum', 'class': 'Add', 'inputs': ['a', 'b']}]}"),
        "(None, 3)", "(None, 3, 1)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Add', 'inputs': ['a']}]}"),
        "at least 2 inputs", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [3]},"
                " {'name': 'b', 'class': 'Input', 'shape': [3]},"
                " {'class': 'Add', 'axis': 1, 'inputs': ['a', 'b']}]}"),
        "unknown option 'axis'", NULL);
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    return gc_check("Add of an input, its Dense and a second input",
                    gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [null, 3]},"
                            " {'name': 'b', 'class': 'Input', 'shape': [null, 3]},"
                            " {'name': 'd', 'class': 'Dense', 'units': 3, 'activation': 'tanh',"
                            "  'inputs': ['a']},"
                            " {'name': 'sum', 'class': 'Add', 'inputs': ['a', 'd', 'b']},"
                            " {'class': 'Dense', 'units': 2}]}"),
                    &o);
}

int main(void)
{
    int bad = test_values() + test_masks() + test_shapes_and_errors() + test_gradients();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
