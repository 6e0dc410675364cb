/* test-batch-norm.c — BatchNormalization: Keras parameter counts and weight
 * order, training and inference outputs and the moving-statistics update
 * against numpy (tools/make-layer-fixtures.py), masked moments, gradients in
 * both modes, and option and shape errors. */
#include "gradcheck.h"
#include "layer-fixtures.h"

#include <stdio.h>

static int test_params(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [64]},"
                " {'name': 'bn', 'class': 'BatchNormalization'},"
                " {'name': 'plain', 'class': 'BatchNormalization', 'center': false,"
                "  'scale': false}]}"),
        &ctx);
    if (!g) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    int bad = gc_expect_shape(g, "bn", 0, "(None, 64)");
    const ur_layer *bn = ur_graph_find(g, "bn"), *plain = ur_graph_find(g, "plain");
    int64_t t = ur_layer_count_params(bn, true), nt = ur_layer_count_params(bn, false);
    if (t != 128 || nt != 128) {
        printf("FAIL: BN(64): %lld trainable + %lld non-trainable, Keras has 128 + 128\n",
               (long long)t, (long long)nt);
        bad++;
    }
    if (ur_layer_count_params(plain, true) != 0 || ur_layer_count_params(plain, false) != 128) {
        printf("FAIL: BN(64, center=False, scale=False) should hold 128 non-trainable only\n");
        bad++;
    }
    ur_model *m = ur_model_new(g, &ctx);
    if (!m) {
        printf("FAIL: %s\n", ctx.message);
        return 1;
    }
    static const char *const order[] = {"bn/gamma", "bn/beta", "bn/moving_mean",
                                        "bn/moving_variance", "plain/moving_mean",
                                        "plain/moving_variance"};
    static const bool trainable[] = {true, true, false, false, false, false};
    if (ur_model_n_weights(m) != 6) {
        printf("FAIL: %d weights, expected 6\n", ur_model_n_weights(m));
        bad++;
    } else {
        ur_rng rng;
        ur_rng_seed(&rng, 3);
        ur_model_init_weights(m, &rng);
        for (int i = 0; i < 6; i++) {
            ur_weight_info w;
            ur_model_weight(m, i, &w);
            if (strcmp(w.name, order[i]) != 0 || w.trainable != trainable[i] || w.numel != 64) {
                printf("FAIL: weight %d is %s (trainable %d, %lld values), expected %s\n", i,
                       w.name, w.trainable, (long long)w.numel, order[i]);
                bad++;
            }
            /* Keras initializers: gamma ones, beta zeros, moving mean zeros, variance ones */
            float want = (i == 0 || i == 3 || i == 5) ? 1.0f : 0.0f;
            for (int j = 0; j < 64; j++)
                if (w.data[j] != want) {
                    printf("FAIL: %s[%d] = %g after init, expected %g\n", w.name, j,
                           (double)w.data[j], (double)want);
                    bad++;
                    break;
                }
        }
    }
    ur_model_free(m);
    return bad;
}

/* gamma, beta and the moving statistics of the fixture on layer "bn". */
static int set_fixture_weights(ur_model *m)
{
    return gc_set_weight(m, "bn/gamma", bn_gamma, 4) + gc_set_weight(m, "bn/beta", bn_beta, 4) +
           gc_set_weight(m, "bn/moving_mean", bn_mm, 4) +
           gc_set_weight(m, "bn/moving_variance", bn_mv, 4);
}

/* Training and inference on the fixture batch (6, 4), momentum 0.9. */
static int test_values(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'name': 'bn', 'class': 'BatchNormalization', 'momentum': 0.9}]}"),
        1);
    if (!m)
        return 1;
    int bad = set_fixture_weights(m);
    float *mm = gc_weight(m, "bn/moving_mean", NULL);
    float *mv = gc_weight(m, "bn/moving_variance", NULL);
    ur_tensor x = gc_view(UR_F32, bn_x, 2, (int64_t[]){6, 4});
    if (bad || !mm || !mv)
        goto out;

    /* inference: moving statistics, which stay as they are */
    bad += gc_forward(m, &x, false, 1);
    bad += gc_expect_close("inference y", ur_tensor_f32(ur_model_output(m, 0)), bn_infer_y, 24,
                           1e-5);
    bad += gc_expect_close("moving_mean after inference", mm, bn_mm, 4, 0);
    bad += gc_expect_close("moving_variance after inference", mv, bn_mv, 4, 0);

    /* training: batch moments; one update of the moving statistics, which
     * backward leaves alone */
    bad += gc_forward(m, &x, true, 1);
    bad += gc_expect_close("training y", ur_tensor_f32(ur_model_output(m, 0)), bn_train_y, 24,
                           1e-5);
    float dy[24];
    for (int i = 0; i < 24; i++)
        dy[i] = 0.1f * (float)(i % 7) - 0.3f;
    ur_tensor dout = gc_view(UR_F32, dy, 2, (int64_t[]){6, 4});
    ur_ctx ctx = {0};
    if (ur_model_backward(m, &dout, &ctx) != UR_OK) {
        printf("FAIL: backward: %s\n", ctx.message);
        bad++;
    }
    bad += gc_expect_close("moving_mean after a training step", mm, bn_train_mm, 4, 1e-6);
    bad += gc_expect_close("moving_variance after a training step", mv, bn_train_mv, 4, 1e-6);

    /* training output normalises: each feature has mean beta and standard
     * deviation gamma·sqrt(var / (var + epsilon)) (biased variances) */
    const float *y = ur_tensor_f32(ur_model_output(m, 0));
    for (int f = 0; f < 4; f++) {
        double s = 0, s2 = 0, xm = 0, xv = 0;
        for (int n = 0; n < 6; n++) {
            s += y[n * 4 + f];
            xm += bn_x[n * 4 + f];
        }
        s /= 6;
        xm /= 6;
        for (int n = 0; n < 6; n++) {
            s2 += (y[n * 4 + f] - s) * (y[n * 4 + f] - s);
            xv += (bn_x[n * 4 + f] - xm) * (bn_x[n * 4 + f] - xm);
        }
        xv /= 6;
        double sd = sqrt(s2 / 6), want_sd = bn_gamma[f] * sqrt(xv / (xv + 1e-3));
        if (fabs(s - bn_beta[f]) > 1e-5 || fabs(sd - want_sd) > 1e-5) {
            printf("FAIL: feature %d: mean %g std %g, expected %g and about %g\n", f, s, sd,
                   (double)bn_beta[f], want_sd);
            bad++;
        }
    }
out:
    ur_model_free(m);
    return bad;
}

/* A frozen layer ("trainable": false) normalises with its moving statistics
 * even while training, and leaves them alone (Keras 3). */
static int test_frozen(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'name': 'bn', 'class': 'BatchNormalization', 'momentum': 0.9,"
                "  'trainable': false}]}"),
        1);
    if (!m)
        return 1;
    int bad = set_fixture_weights(m);
    ur_tensor x = gc_view(UR_F32, bn_x, 2, (int64_t[]){6, 4});
    if (!bad && !gc_forward(m, &x, true, 1)) {
        bad += gc_expect_close("frozen BN while training", ur_tensor_f32(ur_model_output(m, 0)),
                               bn_infer_y, 24, 1e-5);
        bad += gc_expect_close("frozen moving_mean", gc_weight(m, "bn/moving_mean", NULL), bn_mm,
                               4, 0);
    } else {
        bad++;
    }
    ur_model_free(m);
    return bad;
}

/* Masked moments: Masking(0) marks steps [[1, 1, 1, 0], [1, 1, 0, 0]]. */
static int test_masked(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4, 3]}, {'class': 'Masking'},"
                " {'name': 'bn', 'class': 'BatchNormalization'}]}"),
        1);
    if (!m)
        return 1;
    ur_tensor x = gc_view(UR_F32, bnm_x, 3, (int64_t[]){2, 4, 3});
    int bad = gc_forward(m, &x, true, 1);
    if (bad)
        goto out;
    bad += gc_expect_close("masked training y", ur_tensor_f32(ur_model_output(m, 0)),
                           bnm_train_y, 24, 1e-5);
    bad += gc_expect_close("masked moving_mean", gc_weight(m, "bn/moving_mean", NULL),
                           bnm_train_mm, 3, 1e-6);
    bad += gc_expect_close("masked moving_variance", gc_weight(m, "bn/moving_variance", NULL),
                           bnm_train_mv, 3, 1e-6);
    const uint8_t *mask = ur_model_output_mask(m, 0);
    static const uint8_t want[8] = {1, 1, 1, 0, 1, 1, 0, 0};
    if (!mask || memcmp(mask, want, 8) != 0) {
        printf("FAIL: BatchNormalization does not pass the mask through\n");
        bad++;
    }
out:
    ur_model_free(m);
    return bad;
}

static int test_gradients(void)
{
    gc_options o;
    gc_options_default(&o);
    o.batch = 5;
    int bad = 0;
    bad += gc_check("BN training (5, 4)",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                            " {'class': 'BatchNormalization'}]}"),
                    &o);
    bad += gc_check("BN training (5, 4, 3) after Dense",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null, 3]},"
                            " {'class': 'Dense', 'units': 3},"
                            " {'class': 'BatchNormalization', 'epsilon': 0.01}]}"),
                    &o);
    bad += gc_check("BN training without scale and center",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [3, 2]},"
                            " {'class': 'BatchNormalization', 'scale': false,"
                            "  'center': false}]}"),
                    &o);
    bad += gc_check("BN training with scale only",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [3]},"
                            " {'class': 'BatchNormalization', 'center': false}]}"),
                    &o);
    o.pad = GC_PAD_RIGHT;
    bad += gc_check("BN training, right-padded mask",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null, 3]},"
                            " {'class': 'Masking'}, {'class': 'BatchNormalization'}]}"),
                    &o);
    o.pad = GC_PAD_HOLES;
    o.pad_value = -1.0f;
    bad += gc_check("BN training, mask with holes",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null, 2]},"
                            " {'class': 'Masking', 'mask_value': -1},"
                            " {'class': 'BatchNormalization'}]}"),
                    &o);
    o.pad = GC_PAD_NONE;
    bad += gc_check("frozen BN while training",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [3]},"
                            " {'class': 'BatchNormalization', 'trainable': false,"
                            "  'moving_variance_initializer': {'class_name': 'Constant',"
                            "   'config': {'value': 0.7}}}]}"),
                    &o);
    o.training = false;
    bad += gc_check("BN inference",
                    gc_json("{'layers': [{'class': 'Input', 'shape': [null, 3]},"
                            " {'class': 'BatchNormalization',"
                            "  'moving_variance_initializer': {'class_name': 'Constant',"
                            "   'config': {'value': 0.7}},"
                            "  'moving_mean_initializer': {'class_name': 'Constant',"
                            "   'config': {'value': 0.2}}}]}"),
                    &o);
    return bad;
}

static int test_errors(void)
{
    int bad = 0;
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                " {'name': 'bn', 'class': 'BatchNormalization', 'axis': 1}]}"),
        "'bn'", "axis 1", "only the last axis", "(None, 5, 3)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                " {'class': 'BatchNormalization', 'axis': 3}]}"),
        "axis 3 does not exist", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': []},"
                " {'class': 'BatchNormalization'}]}"),
        "rank 2 or more", "(None,)", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'class': 'BatchNormalization', 'momentun': 0.9}]}"),
        "momentun", "momentum", NULL);
    bad += gc_expect_graph_error(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4]},"
                " {'class': 'BatchNormalization', 'momentum': 1.5}]}"),
        "momentum", "1.5", NULL);
    /* -1 and the explicit last axis are the same */
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                                             " {'name': 'bn', 'class': 'BatchNormalization',"
                                             "  'axis': 2}]}"),
                                     &ctx);
    if (!g || gc_expect_shape(g, "bn", 0, "(None, 5, 3)"))
        bad++;
    ur_graph_free(g);
    return bad;
}

int main(void)
{
    int bad = test_params() + test_values() + test_frozen() + test_masked() + test_gradients() +
              test_errors();
    if (bad)
        printf("%d failure(s)\n", bad);
    return bad ? 1 : 0;
}
