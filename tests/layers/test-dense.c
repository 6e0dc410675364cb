/* test-dense.c — Dense through the gradient-check harness: parameter counts
 * as Keras reports them, gradients for each activation on 2-D and 3-D input,
 * and the mask passing through on sequences. */
#include "gradcheck.h"

#include <stdio.h>

static int test_params(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [64]},"
                " {'name': 'd', 'class': 'Dense', 'units': 10},"
                " {'name': 'nb', 'class': 'Dense', 'units': 3, 'use_bias': false}]}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "d", 0, "(None, 10)") + gc_expect_shape(g, "nb", 0, "(None, 3)");
    int64_t d = ur_layer_count_params(ur_graph_find(g, "d"), true);
    int64_t nb = ur_layer_count_params(ur_graph_find(g, "nb"), true);
    if (d != 650 || nb != 30) {
        printf("FAIL: Dense(10) on 64 has %lld params (Keras 650), Dense(3, no bias) %lld (30)\n",
               (long long)d, (long long)nb);
        bad++;
    }
    ur_graph_free(g);
    return bad;
}

static int test_gradients(void)
{
    static const char *const acts[] = {"linear", "tanh", "sigmoid", "relu", "softmax",
                                       "hard_sigmoid"};
    gc_options o;
    gc_options_default(&o);
    int bad = 0;
    for (size_t i = 0; i < UR_ARRAY_LEN(acts); i++) {
        /* ReLU's and hard sigmoid's kinks: a small step keeps pre-activations on their side */
        o.eps = (i == 3 || i == 5) ? 1e-3 : 1e-2;
        char what[64];
        snprintf(what, sizeof what, "Dense(5, %s) on (3, 7)", acts[i]);
        bad += gc_check(what,
                        gc_json("{'layers': [{'class': 'Input', 'shape': [7]},"
                                " {'class': 'Dense', 'units': 5, 'activation': '%s'}]}",
                                acts[i]),
                        &o);
        snprintf(what, sizeof what, "Dense(4, %s) on (3, 4, 6)", acts[i]);
        bad += gc_check(what,
                        gc_json("{'layers': [{'class': 'Input', 'shape': [null, 6]},"
                                " {'class': 'Dense', 'units': 4, 'activation': '%s'}]}",
                                acts[i]),
                        &o);
    }
    return bad;
}

/* Big weights: a random subset of max_entries per tensor is checked. */
static int test_subset(void)
{
    gc_options o;
    gc_options_default(&o);
    o.max_entries = 20;
    ur_model *m = gc_model_from_json(gc_json("{'layers': [{'class': 'Input', 'shape': [64]},"
                                             " {'class': 'Dense', 'units': 32}]}"),
                                     1);
    if (!m)
        return 1;
    gc_result res;
    int bad = gc_check_model(m, "Dense(32) on 64, 20 entries per tensor", &o, &res);
    /* kernel 2048, bias 32 and the (3, 64) input: 20 each */
    if (res.checked != 60) {
        printf("FAIL: checked %lld entries, expected 60\n", (long long)res.checked);
        bad++;
    }
    ur_model_free(m);
    return bad;
}

int main(void)
{
    int bad = test_params() + test_gradients() + test_subset();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
