/* test-embedding.c — Embedding: Keras parameter count and initializer,
 * lookups, the mask_zero mask and its way through Dense and Dropout, the
 * out-of-range id error, scatter-add gradients, and option errors. */
#include "gradcheck.h"

#include <stdio.h>

static int test_params(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [10], 'dtype': 'int32'},"
                " {'name': 'emb', 'class': 'Embedding', 'input_dim': 500, 'output_dim': 16}]}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "emb", 0, "(None, 10, 16)");
    int64_t n = ur_graph_count_params(g, true);
    if (n != 8000 || ur_graph_count_params(g, false) != 0) {
        printf("FAIL: Embedding(500, 16) has %lld params, Keras 8000\n", (long long)n);
        bad++;
    }
    if (ur_layer_output_masked(ur_graph_find(g, "emb"), 0)) {
        printf("FAIL: Embedding without mask_zero produces a mask\n");
        bad++;
    }
    ur_model *m = ur_model_new(g, &ctx);
    if (!m) {
        printf("FAIL: %s\n", ctx.message);
        return bad + 1;
    }
    ur_rng rng;
    ur_rng_seed(&rng, 7);
    ur_model_init_weights(m, &rng);
    int64_t numel = 0;
    const float *E = gc_weight(m, "emb/embeddings", &numel);
    if (!E || numel != 8000) {
        bad++;
    } else {
        /* Keras's "uniform": U(-0.05, 0.05) */
        double lo = 1, hi = -1, mean = 0;
        for (int64_t i = 0; i < numel; i++) {
            lo = fmin(lo, E[i]);
            hi = fmax(hi, E[i]);
            mean += E[i] / (double)numel;
        }
        if (lo < -0.05 || hi > 0.05 || lo > -0.049 || hi < 0.049 || fabs(mean) > 0.002) {
            printf("FAIL: initial embeddings span [%g, %g] mean %g, expected U(-0.05, 0.05)\n",
                   lo, hi, mean);
            bad++;
        }
    }
    ur_model_free(m);
    return bad;
}

/* E[v][d] = 10 v + d */
static void fill_table(float *E, int V, int D)
{
    for (int v = 0; v < V; v++)
        for (int d = 0; d < D; d++)
            E[v * D + d] = (float)(10 * v + d);
}

static int test_lookup_and_mask(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [null], 'dtype': 'int32'},"
                " {'name': 'emb', 'class': 'Embedding', 'input_dim': 5, 'output_dim': 3,"
                "  'mask_zero': true}],"
                " 'outputs': ['emb']}"),
        1);
    if (!m)
        return 1;
    float E[15];
    fill_table(E, 5, 3);
    int bad = gc_set_weight(m, "emb/embeddings", E, 15);
    static const int32_t ids[6] = {1, 2, 0, 3, 3, 4};
    ur_tensor x = gc_view(UR_I32, ids, 2, (int64_t[]){2, 3});
    if (bad || gc_forward(m, &x, true, 1)) {
        ur_model_free(m);
        return 1;
    }
    float want[18];
    for (int n = 0; n < 6; n++)
        for (int d = 0; d < 3; d++)
            want[n * 3 + d] = (float)(10 * ids[n] + d);
    const ur_tensor *y = ur_model_output(m, 0);
    if (y->rank != 3 || y->dim[0] != 2 || y->dim[1] != 3 || y->dim[2] != 3) {
        printf("FAIL: output rank %d, expected (2, 3, 3)\n", y->rank);
        bad++;
    } else {
        bad += gc_expect_close("lookup", ur_tensor_f32(y), want, 18, 0);
    }
    const uint8_t *mask = ur_model_output_mask(m, 0);
    static const uint8_t want_mask[6] = {1, 1, 0, 1, 1, 1};
    if (!mask || memcmp(mask, want_mask, 6) != 0) {
        printf("FAIL: mask_zero mask is wrong\n");
        bad++;
    }

    /* a bad id stops the forward pass and says where */
    static const int32_t bad_ids[6] = {1, 2, 0, 3, 7, 4};
    ur_tensor xb = gc_view(UR_I32, bad_ids, 2, (int64_t[]){2, 3});
    bad += gc_expect_forward_error(m, &xb, false, "'emb'", "token id 7", "[1, 1]", "[0, 5)", NULL);
    static const int32_t neg_ids[6] = {1, 2, 0, 3, 1, -2};
    ur_tensor xn = gc_view(UR_I32, neg_ids, 2, (int64_t[]){2, 3});
    bad += gc_expect_forward_error(m, &xn, false, "token id -2", "[1, 2]", NULL);
    ur_model_free(m);
    return bad;
}

/* mask_zero's mask reaches the model output through Dense and Dropout. */
static int test_mask_propagation(void)
{
    ur_ctx ctx = {0};
    const char *doc = gc_json(
        "{'layers': [{'class': 'Input', 'shape': [4], 'dtype': 'int32'},"
        " {'name': 'emb', 'class': 'Embedding', 'input_dim': 9, 'output_dim': 5,"
        " 'mask_zero': true},"
        " {'name': 'd', 'class': 'Dense', 'units': 3},"
        " {'name': 'drop', 'class': 'Dropout', 'rate': 0.5}]}");
    ur_graph *g = gc_graph_from_json(doc, &ctx);
    int bad = 0;
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    static const char *const masked[] = {"emb", "d", "drop"};
    for (int i = 0; i < 3; i++)
        if (!ur_layer_output_masked(ur_graph_find(g, masked[i]), 0)) {
            printf("FAIL: %s's output should carry the mask\n", masked[i]);
            bad++;
        }
    ur_graph_free(g);

    ur_model *m = gc_model_from_json(doc, 1);
    if (!m)
        return bad + 1;
    static const int32_t ids[8] = {3, 0, 5, 0, 0, 0, 8, 1};
    ur_tensor x = gc_view(UR_I32, ids, 2, (int64_t[]){2, 4});
    if (!gc_forward(m, &x, true, 5)) {
        const uint8_t *mask = ur_model_output_mask(m, 0);
        for (int i = 0; i < 8 && mask; i++)
            if (mask[i] != (ids[i] != 0)) {
                printf("FAIL: output mask[%d] = %d, id %d\n", i, mask[i], ids[i]);
                bad++;
            }
        if (!mask) {
            printf("FAIL: the model output has no mask\n");
            bad++;
        }
    } else {
        bad++;
    }
    ur_model_free(m);
    return bad;
}

/* Keras casts float ids to int32: truncation toward zero. */
static int test_float_ids(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3]},"
                " {'name': 'emb', 'class': 'Embedding', 'input_dim': 4, 'output_dim': 2}]}"),
        1);
    if (!m)
        return 1;
    float E[8];
    fill_table(E, 4, 2);
    int bad = gc_set_weight(m, "emb/embeddings", E, 8);
    static const float ids[3] = {1.0f, 2.7f, 0.2f};
    ur_tensor x = gc_view(UR_F32, ids, 2, (int64_t[]){1, 3});
    if (!bad && !gc_forward(m, &x, false, 1)) {
        static const float want[6] = {10, 11, 20, 21, 0, 1};
        bad += gc_expect_close("float ids", ur_tensor_f32(ur_model_output(m, 0)), want, 6, 0);
    } else {
        bad++;
    }
    static const float big[3] = {1.0f, 4.0f, 0.0f};
    ur_tensor xb = gc_view(UR_F32, big, 2, (int64_t[]){1, 3});
    bad += gc_expect_forward_error(m, &xb, false, "token id 4", "[0, 1]", "[0, 4)", NULL);
    ur_model_free(m);
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    o.batch = 4;
    o.free_size = 5;
    o.id_low = 0;
    o.id_high = 6; /* 20 ids over 6 rows: repeated ids exercise the scatter-add */
    int bad = gc_check("Embedding(6, 3)",
                       gc_json("{'layers': [{'class': 'Input', 'shape': [null], 'dtype': 'int32'},"
                               " {'class': 'Embedding', 'input_dim': 6, 'output_dim': 3}]}"),
                       &o);
    bad += gc_check("Embedding(8, 4) on (B,) ids, then Dense",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [], 'dtype': 'int32'},"
                            " {'class': 'Embedding', 'input_dim': 8, 'output_dim': 4},"
                            " {'class': 'Dense', 'units': 2, 'activation': 'tanh'}]}"),
                    &o);
    o.id_low = 1;
    o.pad = GC_PAD_RIGHT;
    bad += gc_check("Embedding(mask_zero) -> Dense -> Dropout, padded",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null], 'dtype': 'int32'},"
                            " {'class': 'Embedding', 'input_dim': 6, 'output_dim': 3,"
                            "  'mask_zero': true},"
                            " {'class': 'Dense', 'units': 2, 'activation': 'sigmoid'},"
                            " {'class': 'Dropout', 'rate': 0.3}]}"),
                    &o);
    return bad;
}

static int test_errors(void)
{
    int bad = 0;
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4], 'dtype': 'int32'},"
                " {'class': 'Embedding', 'output_dim': 4}]}"),
        "input_dim", "required", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4], 'dtype': 'int32'},"
                " {'class': 'Embedding', 'input_dim': 0, 'output_dim': 4}]}"),
        "input_dim", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [], 'dtype': 'int32'},"
                " {'name': 'e', 'class': 'Embedding', 'input_dim': 5, 'output_dim': 4,"
                "  'mask_zero': true}]}"),
        "'e'", "mask_zero", "(batch, timesteps)", "(None,)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [2, 2, 2, 2], 'dtype': 'int32'},"
                " {'class': 'Embedding', 'input_dim': 5, 'output_dim': 4}]}"),
        "too many axes", "(None, 2, 2, 2, 2)", NULL);
    /* Keras 2's input_length is accepted and changes nothing */
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [7], 'dtype': 'int32'},"
                " {'name': 'e', 'class': 'Embedding', 'input_dim': 5, 'output_dim': 4,"
                "  'input_length': 7}]}"),
        &ctx);
    if (!g || gc_expect_shape(g, "e", 0, "(None, 7, 4)"))
        bad++;
    ur_graph_free(g);
    return bad;
}

int main(void)
{
    int bad = test_params() + test_lookup_and_mask() + test_mask_propagation() +
              test_float_ids() + test_gradients() + test_errors();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
