/* test-flatten.c — Flatten: output shapes ((B,) -> (B, 1), free axes stay
 * None), row-major values, channels_first against numpy
 * (tools/make-layer-fixtures.py), gradients, and the mask dropped. */
#include "gradcheck.h"
#include "layer-fixtures.h"

#include <stdio.h>

static int test_shapes(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [4, 5]},"
                " {'name': 'fa', 'class': 'Flatten', 'inputs': ['a']},"
                " {'name': 'b', 'class': 'Input', 'shape': []},"
                " {'name': 'fb', 'class': 'Flatten', 'inputs': ['b']},"
                " {'name': 'c', 'class': 'Input', 'shape': [null, 3]},"
                " {'name': 'fc', 'class': 'Flatten', 'inputs': ['c']},"
                " {'name': 'd', 'class': 'Input', 'shape': [2, 3, 4, 5], 'batch_size': 6},"
                " {'name': 'fd', 'class': 'Flatten', 'inputs': ['d'],"
                "  'data_format': 'channels_first'},"
                " {'name': 'm', 'class': 'Masking', 'inputs': ['a']},"
                " {'name': 'fm', 'class': 'Flatten', 'inputs': ['m']}],"
                " 'outputs': ['fa', 'fb', 'fc', 'fd', 'fm']}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "fa", 0, "(None, 20)") + gc_expect_shape(g, "fb", 0, "(None, 1)") +
              gc_expect_shape(g, "fc", 0, "(None, None)") +
              gc_expect_shape(g, "fd", 0, "(6, 120)") + gc_expect_shape(g, "fm", 0, "(None, 20)");
    if (ur_layer_output_masked(ur_graph_find(g, "fm"), 0)) {
        printf("FAIL: Flatten keeps a mask\n");
        bad++;
    }
    ur_graph_free(g);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4, 5]},"
                " {'class': 'Flatten', 'data_format': 'channels_middle'}]}"),
        "channels_middle", "channels_last", NULL);
    return bad;
}

static int test_values(void)
{
    int bad = 0;
    float x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;
    ur_tensor in = gc_view(UR_F32, x, 3, (int64_t[]){2, 3, 4});
    for (int cf = 0; cf < 2; cf++) {
        ur_model *m = gc_model_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [3, 4]},"
                    " {'class': 'Flatten', 'data_format': '%s'}]}",
                    cf ? "channels_first" : "channels_last"),
            1);
        if (!m || gc_forward(m, &in, false, 1)) {
            ur_model_free(m);
            return bad + 1;
        }
        const ur_tensor *y = ur_model_output(m, 0);
        if (y->rank != 2 || y->dim[0] != 2 || y->dim[1] != 12) {
            printf("FAIL: Flatten output is not (2, 12)\n");
            bad++;
        } else {
            bad += gc_expect_close(cf ? "channels_first" : "channels_last", ur_tensor_f32(y),
                                   cf ? flat_cf_y : x, 24, 0);
        }
        /* the gradient goes back to where each value came from */
        ur_tensor dout = gc_view(UR_F32, cf ? flat_cf_y : x, 2, (int64_t[]){2, 12});
        ur_ctx ctx = {0};
        if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
            printf("FAIL: backward: %s\n", ctx.message);
            bad++;
        } else {
            bad += gc_expect_close("Flatten gradient", ur_tensor_f32(ur_model_input_grad(m, 0)), x,
                                   24, 0);
        }
        ur_model_free(m);
    }
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    int bad = gc_check("Flatten -> Dense",
                       gc_json("{'layers': [{'class': 'Input', 'shape': [3, 2]},"
                               " {'class': 'Flatten'}, {'class': 'Dense', 'units': 2}]}"),
                       &o);
    bad += gc_check("Flatten(channels_first) -> Dense",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [2, 3, 2]},"
                            " {'class': 'Flatten', 'data_format': 'channels_first'},"
                            " {'class': 'Dense', 'units': 2, 'activation': 'tanh'}]}"),
                    &o);
    return bad;
}

int main(void)
{
    int bad = test_shapes() + test_values() + test_gradients();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
