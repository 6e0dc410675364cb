/* test-masking.c — Masking: the (B, T) mask from any(x != mask_value), the
 * zeroed padded vectors, an incoming mask replaced, gradients that skip
 * padded steps, and the rank error. */
#include "gradcheck.h"

#include <stdio.h>

static int test_forward(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                " {'name': 'mask', 'class': 'Masking', 'mask_value': 2.5}]}"),
        1);
    if (!m)
        return 1;
    /* steps: (1, 2) kept, (2.5, 2.5) padding, (2.5, 0) kept, (0, 0) kept */
    static const float x[8] = {1, 2, 2.5f, 2.5f, 2.5f, 0, 0, 0};
    ur_tensor in = gc_view(UR_F32, x, 3, (int64_t[]){2, 2, 2});
    int bad = gc_forward(m, &in, false, 1);
    if (bad) {
        ur_model_free(m);
        return 1;
    }
    static const float want[8] = {1, 2, 0, 0, 2.5f, 0, 0, 0};
    bad += gc_expect_close("Masking output", ur_tensor_f32(ur_model_output(m, 0)), want, 8, 0);
    const uint8_t *mask = ur_model_output_mask(m, 0);
    static const uint8_t want_mask[4] = {1, 0, 1, 1};
    if (!mask || memcmp(mask, want_mask, 4) != 0) {
        printf("FAIL: Masking's mask is wrong\n");
        bad++;
    }
    /* backward: padded steps get no gradient */
    static const float dy[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    ur_tensor dout = gc_view(UR_F32, dy, 3, (int64_t[]){2, 2, 2});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    } else {
        static const float want_dx[8] = {1, 1, 0, 0, 1, 1, 1, 1};
        bad += gc_expect_close("Masking input gradient", ur_tensor_f32(ur_model_input_grad(m, 0)),
                               want_dx, 8, 0);
    }
    ur_model_free(m);
    return bad;
}

/* Masking computes its own mask: Embedding's mask_zero mask is replaced. */
static int test_replaces_mask(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [3], 'dtype': 'int32'},"
                " {'name': 'e', 'class': 'Embedding', 'input_dim': 3, 'output_dim': 2,"
                "  'mask_zero': true},"
                " {'class': 'Masking', 'mask_value': 0.5}]}"),
        1);
    if (!m)
        return 1;
    static const float E[6] = {1, 2, 3, 4, 0.5f, 0.5f};
    static const int32_t ids[3] = {1, 0, 2};
    ur_tensor in = gc_view(UR_I32, ids, 2, (int64_t[]){1, 3});
    int bad = gc_set_weight(m, "e/embeddings", E, 6);
    if (!bad && !gc_forward(m, &in, false, 1)) {
        const uint8_t *mask = ur_model_output_mask(m, 0);
        static const uint8_t want_mask[3] = {1, 1, 0};
        if (!mask || memcmp(mask, want_mask, 3) != 0) {
            printf("FAIL: Masking did not replace the incoming mask\n");
            bad++;
        }
    } else {
        bad++;
    }
    ur_model_free(m);
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    o.pad = GC_PAD_RIGHT;
    int bad = gc_check("Masking -> Dense, right padding",
                       gc_json("{'layers': [{'class': 'Input', 'shape': [null, 3]},"
                               " {'class': 'Masking'},"
                               " {'class': 'Dense', 'units': 2, 'activation': 'tanh'}]}"),
                       &o);
    o.pad = GC_PAD_HOLES;
    o.pad_value = 0.25f;
    bad += gc_check("Masking(0.25) -> Dense, holes",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                            " {'class': 'Masking', 'mask_value': 0.25},"
                            " {'class': 'Dense', 'units': 3}]}"),
                    &o);
    return bad;
}

static int test_errors(void)
{
    int bad = gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'name': 'mk', 'class': 'Masking'}]}"),
        "'mk'", "(batch, timesteps, features)", "(None, 4)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4, 2]},"
                " {'class': 'Masking', 'mask_value': 'zero'}]}"),
        "mask_value", "number", NULL);
    return bad;
}

int main(void)
{
    int bad = test_forward() + test_replaces_mask() + test_gradients() + test_errors();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
