/* test-input.c — Input: output shapes from shape and batch_size, the dtype
 * deciding whether the input gets a gradient, the data passing through
 * untouched, Keras's InputLayer name, and option errors. */
#include "gradcheck.h"

#include <stdio.h>

static int test_shapes(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'name': 'img', 'class': 'Input', 'shape': [28, 28]},"
                " {'name': 'seq', 'class': 'Input', 'shape': [null, 5], 'batch_size': 8},"
                " {'name': 'scalar', 'class': 'Input', 'shape': []},"
                " {'name': 'legacy', 'class': 'InputLayer', 'shape': [3], 'dtype': 'int32'}],"
                " 'outputs': ['img', 'seq', 'scalar', 'legacy']}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "img", 0, "(None, 28, 28)") +
              gc_expect_shape(g, "seq", 0, "(8, None, 5)") +
              gc_expect_shape(g, "scalar", 0, "(None,)") +
              gc_expect_shape(g, "legacy", 0, "(None, 3)");
    if (ur_graph_n_inputs(g) != 4) {
        printf("FAIL: %d graph inputs, expected 4\n", ur_graph_n_inputs(g));
        bad++;
    }
    const ur_layer *legacy = ur_graph_find(g, "legacy");
    if (legacy && strcmp(ur_layer_class(legacy), "Input") != 0) {
        printf("FAIL: InputLayer is class %s, expected Input\n", ur_layer_class(legacy));
        bad++;
    }
    for (int i = 0; i < ur_graph_n_layers(g); i++)
        if (ur_layer_count_params(ur_graph_layer(g, i), true) ||
            ur_layer_output_masked(ur_graph_layer(g, i), 0)) {
            printf("FAIL: an Input has weights or a mask\n");
            bad++;
        }
    ur_graph_free(g);
    return bad;
}

/* The fed data is the output; the output's gradient is the input's. */
static int test_pass_through(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [3]},"
                " {'name': 'ids', 'class': 'Input', 'shape': [2], 'dtype': 'int32'},"
                " {'name': 'e', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 3,"
                "  'inputs': ['ids']}],"
                " 'outputs': ['x', 'e']}"),
        1);
    if (!m)
        return 1;
    static const float xv[12] = {1, 2, 3, 4, 5, 6};
    static const int32_t iv[4] = {0, 1, 2, 3};
    ur_tensor in[2] = {gc_view(UR_F32, xv, 2, (int64_t[]){2, 3}),
                       gc_view(UR_I32, iv, 2, (int64_t[]){2, 2})};
    int bad = gc_forward(m, in, true, 1);
    if (bad) {
        ur_model_free(m);
        return 1;
    }
    bad += gc_expect_close("Input output", ur_tensor_f32(ur_model_output(m, 0)), xv, 6, 0);
    static const float dv[12] = {0.5f, -1, 2, 0, 3, -4};
    float de[12] = {0};
    ur_tensor douts[2] = {gc_view(UR_F32, dv, 2, (int64_t[]){2, 3}),
                          gc_view(UR_F32, de, 3, (int64_t[]){2, 2, 3})};
    ur_ctx ctx = {0};
    if (ur_model_backward(m, douts, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        const ur_tensor *gx = ur_model_input_grad(m, 0);
        if (!gx)
            bad++, printf("FAIL: a float input has no gradient\n");
        else
            bad += gc_expect_close("Input gradient", ur_tensor_f32(gx), dv, 6, 0);
        if (ur_model_input_grad(m, 1)) {
            printf("FAIL: an int32 input has a gradient\n");
            bad++;
        }
    }
    ur_model_free(m);

    /* dtype and fixed batch are checked when data is fed */
    m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [3], 'batch_size': 4}]}"), 1);
    if (!m)
        return bad + 1;
    ur_tensor wrong = gc_view(UR_I32, iv, 2, (int64_t[]){4, 1});
    bad += gc_expect_forward_error(m, &wrong, false, "'x'", "(4, 3)", "(4, 1)", NULL);
    wrong = gc_view(UR_I32, xv, 2, (int64_t[]){2, 3});
    bad += gc_expect_forward_error(m, &wrong, false, "'x'", "batch size of 4", NULL);
    wrong = gc_view(UR_I32, dv, 2, (int64_t[]){4, 3});
    bad += gc_expect_forward_error(m, &wrong, false, "'x'", "float32", "int32", NULL);
    ur_model_free(m);
    return bad;
}

static int test_errors(void)
{
    int bad = 0;
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input'}]}"),
        "shape", "required", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3], 'dtype': 'float64'}]}"),
        "float64", "float32", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [2, 2, 2, 2, 2]}]}"),
        "shape", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3, 0]}]}"),
        "shape", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3], 'batch_size': 0}]}"),
        "batch_size", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3], 'batch_shape': [2, 3]}]}"),
        "batch_shape", NULL);
    return bad;
}

int main(void)
{
    int bad = test_shapes() + test_pass_through() + test_errors();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
