/* test-repeat-vector.c — RepeatVector: (B, F) -> (B, n, F) values, the
 * summed gradient, and errors for other ranks and a missing n. */
#include "gradcheck.h"

#include <stdio.h>

static int test_values(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [2]},"
                " {'name': 'rep', 'class': 'RepeatVector', 'n': 3}]}"),
        1);
    if (!m)
        return 1;
    static const float x[4] = {1, 2, 3, 4};
    ur_tensor in = gc_view(UR_F32, x, 2, (int64_t[]){2, 2});
    int bad = gc_forward(m, &in, false, 1);
    if (bad) {
        ur_model_free(m);
        return 1;
    }
    static const float want[12] = {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4};
    bad += gc_expect_close("RepeatVector output", ur_tensor_f32(ur_model_output(m, 0)), want, 12,
                           0);
    static const float dy[12] = {1, 10, 2, 20, 3, 30, -1, 0, -2, 0, 0.5f, 4};
    ur_tensor dout = gc_view(UR_F32, dy, 3, (int64_t[]){2, 3, 2});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        static const float want_dx[4] = {6, 60, -2.5f, 4};
        bad += gc_expect_close("RepeatVector gradient", ur_tensor_f32(ur_model_input_grad(m, 0)),
                               want_dx, 4, 0);
    }
    ur_model_free(m);
    return bad;
}

static int test_shapes_and_errors(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(gc_json("{'layers': [{'class': 'Input', 'shape': [16]},"
                                             " {'name': 'rep', 'class': 'RepeatVector', 'n': 7}]}"),
                                     &ctx);
    int bad = (!g || gc_expect_shape(g, "rep", 0, "(None, 7, 16)")) ? 1 : 0;
    ur_graph_free(g);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'rep', 'class': 'RepeatVector', 'n': 2}]}"),
        "'rep'", "(batch, features)", "(None, 5, 3)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5]},"
                " {'class': 'RepeatVector'}]}"),
        "'n'", "required", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5]},"
                " {'class': 'RepeatVector', 'n': 0}]}"),
        "'n'", NULL);
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    return gc_check("Dense -> RepeatVector(4) -> Dense",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [3]},"
                            " {'class': 'Dense', 'units': 2, 'activation': 'tanh'},"
                            " {'class': 'RepeatVector', 'n': 4},"
                            " {'class': 'Dense', 'units': 3, 'activation': 'sigmoid'}]}"),
                    &o);
}

int main(void)
{
    int bad = test_values() + test_shapes_and_errors() + test_gradients();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
