/* test-rnn-semantics.c — Keras's recurrent semantics checked as identities
 * between models: stateful carries the final state into the next batch and
 * reset_states() clears it; go_backwards equals the forward layer on the
 * reversed sequence (outputs in processing order); Bidirectional equals its
 * two halves merged; masks freeze the state and repeat (or zero) outputs;
 * parameter counts equal Keras's; bad options and shapes name the layer. */
#include "backend.h"
#include "check.h"
#include "gradcheck.h"

#include <stdio.h>
#include <string.h>


static void fill(float *x, int64_t n, uint64_t seed)
{
    ur_rng r;
    ur_rng_seed(&r, seed);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(ur_rng_uniform(&r) * 2 - 1);
}

static void copy_weights(ur_model *dst, const char *dprefix, ur_model *src, const char *sprefix)
{
    static const char *names[] = {"kernel", "recurrent_kernel", "bias"};
    for (int i = 0; i < 3; i++) {
        char a[128], b[128];
        snprintf(a, sizeof a, "%s/%s", dprefix, names[i]);
        snprintf(b, sizeof b, "%s/%s", sprefix, names[i]);
        int64_t n;
        float *w = gc_weight(src, b, &n);
        if (w)
            gc_set_weight(dst, a, w, n);
    }
}

static void test_stateful(void)
{
    /* stateful LSTM over two batches == plain LSTM with initial_state */
    ur_model *s = gc_model_from_json(gc_json(
        "{'layers': [{'class': 'Input', 'shape': [4, 3], 'batch_size': 2},"
        "{'name': 'lstm', 'class': 'LSTM', 'units': 5, 'stateful': true, 'return_state': true}],"
        " 'outputs': ['lstm:0', 'lstm:1', 'lstm:2']}"), 1);
    ur_model *p = gc_model_from_json(gc_json(
        "{'layers': [{'name': 'x', 'class': 'Input', 'shape': [4, 3]},"
        "{'name': 'h', 'class': 'Input', 'shape': [5]}, {'name': 'c', 'class': 'Input', 'shape': [5]},"
        "{'name': 'lstm', 'class': 'LSTM', 'units': 5, 'inputs': 'x', 'initial_state': ['h', 'c']}]}"),
        2);
    if (!s || !p) {
        failures++;
        return;
    }
    copy_weights(p, "lstm", s, "lstm");
    float xa[2 * 4 * 3], xb[2 * 4 * 3], h[10], c[10], y2[10];
    fill(xa, 24, 5);
    fill(xb, 24, 6);
    int64_t xd[3] = {2, 4, 3}, sd[2] = {2, 5};
    ur_tensor ta = gc_view(UR_F32, xa, 3, xd), tb = gc_view(UR_F32, xb, 3, xd);
    gc_forward(s, &ta, false, 1);
    memcpy(h, ur_model_output(s, 1)->data, sizeof h);
    memcpy(c, ur_model_output(s, 2)->data, sizeof c);
    gc_forward(s, &tb, false, 1);
    memcpy(y2, ur_model_output(s, 0)->data, sizeof y2);
    ur_tensor in[3] = {tb, gc_view(UR_F32, h, 2, sd), gc_view(UR_F32, c, 2, sd)};
    gc_forward(p, in, false, 1);
    CHECK(gc_expect_close("stateful second batch", y2, ur_model_output(p, 0)->data, 10, 1e-6) == 0,
          "stateful state not carried");
    /* reset_states: the next batch starts from zeros, like the first one */
    float y1[10];
    ur_model_reset_states(s);
    gc_forward(s, &ta, false, 1);
    memcpy(y1, ur_model_output(s, 0)->data, sizeof y1);
    ur_model_reset_states(s);
    gc_forward(s, &ta, false, 1);
    CHECK(gc_expect_close("after reset_states", y1, ur_model_output(s, 0)->data, 10, 0) == 0,
          "reset_states did not clear the state");
    /* a batch of another size is refused with a message */
    float xc[3 * 4 * 3] = {0};
    int64_t xcd[3] = {3, 4, 3};
    ur_tensor tc = gc_view(UR_F32, xc, 3, xcd);
    CHECK(gc_expect_forward_error(s, &tc, false, "batch", NULL) == 0, "bad batch accepted");
    ur_model_free(s);
    ur_model_free(p);
}

static void test_go_backwards(void)
{
    static const char *cls[] = {"LSTM", "GRU", "SimpleRNN"};
    for (int k = 0; k < 3; k++) {
        ur_model *b = gc_model_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                    "{'name': 'r', 'class': '%s', 'units': 4, 'go_backwards': true,"
                    " 'return_sequences': true}]}", cls[k]), 3);
        ur_model *f = gc_model_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                    "{'name': 'r', 'class': '%s', 'units': 4, 'return_sequences': true}]}",
                    cls[k]), 4);
        copy_weights(f, "r", b, "r");
        float x[2 * 5 * 3], xr[2 * 5 * 3];
        fill(x, 30, 7);
        for (int bb = 0; bb < 2; bb++)
            for (int t = 0; t < 5; t++)
                memcpy(xr + (bb * 5 + t) * 3, x + (bb * 5 + 4 - t) * 3, 3 * sizeof(float));
        int64_t xd[3] = {2, 5, 3};
        ur_tensor tx = gc_view(UR_F32, x, 3, xd), txr = gc_view(UR_F32, xr, 3, xd);
        gc_forward(b, &tx, false, 1);
        float yb[2 * 5 * 4];
        memcpy(yb, ur_model_output(b, 0)->data, sizeof yb);
        gc_forward(f, &txr, false, 1);
        /* processing order, not reversed back */
        CHECK(gc_expect_close(cls[k], yb, ur_model_output(f, 0)->data, 40, 1e-6) == 0,
              "%s go_backwards differs from the reversed sequence", cls[k]);
        ur_model_free(b);
        ur_model_free(f);
    }
}

static void test_bidirectional(void)
{
    static const char *modes[] = {"concat", "sum", "mul", "ave"};
    for (int mm = 0; mm < 4; mm++) {
        ur_model *bi = gc_model_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                    "{'name': 'bi', 'class': 'Bidirectional', 'merge_mode': '%s',"
                    " 'layer': {'class': 'GRU', 'units': 4, 'return_sequences': true}}]}",
                    modes[mm]), 5);
        ur_model *fw = gc_model_from_json(gc_json(
            "{'layers': [{'class': 'Input', 'shape': [5, 3]},"
            "{'name': 'r', 'class': 'GRU', 'units': 4, 'return_sequences': true}]}"), 6);
        ur_model *bw = gc_model_from_json(gc_json(
            "{'layers': [{'class': 'Input', 'shape': [5, 3]},"
            "{'name': 'r', 'class': 'GRU', 'units': 4, 'return_sequences': true,"
            " 'go_backwards': true}]}"), 7);
        copy_weights(fw, "r", bi, "bi/forward");
        copy_weights(bw, "r", bi, "bi/backward");
        float x[2 * 5 * 3], yf[40], yb[40], want[80];
        fill(x, 30, 8);
        int64_t xd[3] = {2, 5, 3};
        ur_tensor tx = gc_view(UR_F32, x, 3, xd);
        gc_forward(fw, &tx, false, 1);
        memcpy(yf, ur_model_output(fw, 0)->data, sizeof yf);
        gc_forward(bw, &tx, false, 1);
        memcpy(yb, ur_model_output(bw, 0)->data, sizeof yb);
        int w = mm == 0 ? 8 : 4;
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 5; t++)
                for (int u = 0; u < 4; u++) {
                    float f = yf[(b * 5 + t) * 4 + u], r = yb[(b * 5 + 4 - t) * 4 + u];
                    float *o = want + (b * 5 + t) * w;
                    if (mm == 0) {
                        o[u] = f;
                        o[4 + u] = r;
                    } else {
                        o[u] = mm == 1 ? f + r : mm == 2 ? f * r : (f + r) / 2;
                    }
                }
        gc_forward(bi, &tx, false, 1);
        CHECK(gc_expect_close(modes[mm], ur_model_output(bi, 0)->data, want, 10 * w, 1e-6) == 0,
              "Bidirectional %s differs from its halves", modes[mm]);
        ur_model_free(bi);
        ur_model_free(fw);
        ur_model_free(bw);
    }
}

static void test_masks(void)
{
    /* left padding: leading outputs are 0 and the state stays initial;
     * right padding: outputs after the last valid step repeat it */
    ur_model *m = gc_model_from_json(gc_json(
        "{'layers': [{'class': 'Input', 'shape': [4, 2]}, {'class': 'Masking'},"
        "{'name': 'r', 'class': 'SimpleRNN', 'units': 3, 'return_sequences': true}]}"), 9);
    float x[2 * 4 * 2] = {0, 0, 0, 0, 1, 2, 3, 4, /* sample 0: left padded */
                          1, 2, 3, 4, 0, 0, 0, 0}; /* sample 1: right padded */
    int64_t xd[3] = {2, 4, 2};
    ur_tensor tx = gc_view(UR_F32, x, 3, xd);
    gc_forward(m, &tx, false, 1);
    const float *y = ur_model_output(m, 0)->data;
    float zero[6] = {0};
    CHECK(gc_expect_close("left padding zeros", y, zero, 6, 0) == 0, "left padding");
    CHECK(gc_expect_close("right padding repeats", y + 12 + 6, y + 12 + 3, 3, 0) == 0 &&
              gc_expect_close("right padding repeats", y + 12 + 9, y + 12 + 3, 3, 0) == 0,
          "right padding");
    CHECK(ur_model_output_mask(m, 0) != NULL, "return_sequences passes the mask on");
    ur_model_free(m);
}

static void test_counts(void)
{
    struct { const char *layer; int64_t trainable; } cases[] = {
        {"{'class': 'LSTM', 'units': 32}", 6272},
        {"{'class': 'GRU', 'units': 32}", 4800},
        {"{'class': 'GRU', 'units': 32, 'reset_after': false}", 4704},
        {"{'class': 'SimpleRNN', 'units': 32}", 1568},
        {"{'class': 'Bidirectional', 'layer': {'class': 'LSTM', 'units': 32}}", 12544},
        {"{'class': 'LSTM', 'units': 32, 'use_bias': false}", 6144},
        {"{'class': 'LSTM', 'units': 32, 'unroll': true}", 6272},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ur_ctx ctx = {0};
        ur_graph *g = gc_graph_from_json(
            gc_json("{'layers': [{'class': 'Input', 'shape': [10, 16]}, %s]}", cases[i].layer),
            &ctx);
        CHECK(g && ur_graph_check(g, &ctx) == UR_OK, "%s: %s", cases[i].layer, ctx.message);
        if (!g)
            continue;
        int64_t n = ur_graph_count_params(g, true);
        CHECK(n == cases[i].trainable, "%s: %lld params, Keras has %lld", cases[i].layer,
              (long long)n, (long long)cases[i].trainable);
        CHECK(ur_graph_count_params(g, false) == 0, "%s: non-trainable", cases[i].layer);
        ur_graph_free(g);
    }
}

static void test_errors(void)
{
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'units': 4, 'stateful': true}]}"),
                                "'l'", "stateful", "batch_size", NULL) == 0, "stateful");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [3]},"
                                        "{'name': 'l', 'class': 'GRU', 'units': 4}]}"),
                                "'l'", "(None, 3)", NULL) == 0, "rank");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'units': 0}]}"),
                                "'l'", "units", NULL) == 0, "units 0");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'units': 4, 'dropout': 1.5}]}"),
                                "'l'", "dropout", "1.5", NULL) == 0, "dropout 1.5");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'unit': 4}]}"),
                                "'l'", "unit", "units", NULL) == 0, "unknown option");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LTSM', 'units': 4}]}"),
                                "LTSM", "LSTM", NULL) == 0, "unknown class");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'h', 'class': 'Input', 'shape': [7]},"
                                        "{'name': 'l', 'class': 'GRU', 'units': 4, 'inputs': 'x',"
                                        " 'initial_state': ['h']}]}"),
                                "'l'", "initial_state", "(None, 4)", "(None, 7)", NULL) == 0,
          "initial_state size");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'units': 4,"
                                        " 'activation': 'softmax'}]}"),
                                "'l'", "softmax", NULL) == 0, "softmax");
    CHECK(gc_expect_graph_error(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                        "{'name': 'l', 'class': 'LSTM', 'units': 4},"
                                        "{'name': 'd', 'class': 'Dense', 'units': 2, 'inputs': 'l:1'}]}"),
                                "'d'", "return_state", NULL) == 0, "missing state output");
}

/* A backend that runs on the CPU but counts calls and refuses GRU layers. */
static int fwd_calls, bwd_calls;
static bool count_supports(const ur_backend *be, const ur_layer *l, char *why, size_t n)
{
    if (strcmp(ur_layer_class(l), "GRU") == 0) {
        snprintf(why, n, "no GRU here");
        return false;
    }
    return true;
}
static ur_status count_forward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    fwd_calls++;
    return ur_backend_cpu()->forward(ur_backend_cpu(), l, p);
}
static ur_status count_backward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    bwd_calls++;
    return ur_backend_cpu()->backward(ur_backend_cpu(), l, p);
}

static void test_backend(void)
{
    ur_backend be = *ur_backend_cpu();
    be.name = "counting";
    be.supports_layer = count_supports;
    be.forward = count_forward;
    be.backward = count_backward;
    ur_model *m = gc_model_from_json(gc_json(
        "{'layers': [{'class': 'Input', 'shape': [5, 3]}, {'name': 'l', 'class': 'LSTM', 'units': 4},"
        "{'class': 'Dense', 'units': 2}]}"), 1);
    ur_ctx ctx = {0};
    CHECK(ur_model_set_backend(m, &be, &ctx) == UR_OK, "%s", ctx.message);
    gc_options o;
    gc_options_default(&o);
    CHECK(gc_check_model(m, "LSTM through the counting backend", &o, NULL) == 0, "gradients");
    CHECK(fwd_calls > 0 && bwd_calls > 0, "the executor bypassed the backend (%d, %d)", fwd_calls,
          bwd_calls);
    ur_model_free(m);
    m = gc_model_from_json(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                   "{'name': 'g', 'class': 'GRU', 'units': 4}]}"), 1);
    CHECK(ur_model_set_backend(m, &be, &ctx) == UR_ERR_UNSUPPORTED &&
              strstr(ctx.message, "'g'") && strstr(ctx.message, "no GRU here"),
          "unsupported layer accepted: %s", ctx.message);
    CHECK(ur_model_backend(m) == ur_backend_cpu(), "a refused backend was kept");
    ur_model_free(m);
}

int main(void)
{
    test_backend();
    test_stateful();
    test_go_backwards();
    test_bidirectional();
    test_masks();
    test_counts();
    test_errors();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("recurrent semantics: all checks passed\n");
    return 0;
}
