/* test-gpu-parity.c — the CUDA backend against the CPU: for each model the
 * same weights, inputs and output gradients run forward and backward on the
 * CPU and on the GPU, and every output, weight gradient and input gradient
 * must agree (exact FP32 mode: forward <= 1e-5, gradients <= 1e-4 relative
 * error, max|gpu - cpu| / max|cpu|; fast mode: 1e-2). Also: input dropout
 * with the same generator matches exactly, the device round trip of the
 * weights, and unsupported layers are refused with the layer's name.
 * Each recurrent layer runs on cuDNN where it can and on the own recurrence
 * kernels where they can (UNROLL_RNN_PATH), GRU reset_after=false and other
 * activations on the own kernels only.
 * Layers: LSTM, GRU, SimpleRNN, Bidirectional, Dense, Dropout, Flatten,
 * BatchNormalization (batch and moving statistics), RepeatVector,
 * Concatenate, Add.
 * Exits 77 (skipped) where no GPU is usable. */
#include "gradcheck.h"

#include "gpu-test.h"

#include <stdio.h>

static int failures;

static double rel_error(const float *got, const float *want, int64_t n)
{
    double diff = 0.0, scale = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= diff))
            diff = isnan(d) ? INFINITY : d;
        scale = fmax(scale, fabs((double)want[i]));
    }
    return diff / fmax(1e-6, scale);
}

static void fill(ur_rng *r, float *x, int64_t n, float scale)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)((ur_rng_uniform(r) * 2.0 - 1.0) * scale);
}

typedef struct snapshot {
    int n_out, n_in, n_w;
    float *out[8], *din[8], *dw[64];
    int64_t n_outv[8], n_dinv[8], n_dwv[64];
} snapshot;

static void snapshot_free(snapshot *s)
{
    for (int i = 0; i < s->n_out; i++)
        free(s->out[i]);
    for (int i = 0; i < s->n_in; i++)
        free(s->din[i]);
    for (int i = 0; i < s->n_w; i++)
        free(s->dw[i]);
}

static float *dup(const float *x, int64_t n)
{
    float *d = ur_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    memcpy(d, x, (size_t)n * sizeof(float));
    return d;
}

/* Forward (training mode, generator seeded 7) and backward with douts. */
static int run(ur_model *m, const ur_tensor *in, ur_tensor *douts, snapshot *s)
{
    ur_ctx ctx = {0};
    ur_rng rng;
    ur_rng_seed(&rng, 7);
    if (ur_model_forward(m, in, true, &rng, &ctx) || ur_model_backward(m, douts, &ctx)) {
        printf("FAIL: %s: %s\n", ur_model_device(m), ctx.message);
        return 1;
    }
    const ur_graph *g = ur_model_graph(m);
    s->n_out = ur_graph_n_outputs(g);
    for (int k = 0; k < s->n_out; k++) {
        const ur_tensor *y = ur_model_output(m, k);
        s->n_outv[k] = ur_tensor_numel(y);
        s->out[k] = dup(y->data, s->n_outv[k]);
    }
    s->n_in = ur_graph_n_inputs(g);
    for (int i = 0; i < s->n_in; i++) {
        const ur_tensor *d = ur_model_input_grad(m, i);
        s->n_dinv[i] = d ? ur_tensor_numel(d) : 0;
        s->din[i] = d ? dup(d->data, s->n_dinv[i]) : NULL;
    }
    s->n_w = ur_model_n_weights(m);
    for (int i = 0; i < s->n_w; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        s->n_dwv[i] = w.grad ? w.numel : 0;
        s->dw[i] = w.grad ? dup(w.grad, w.numel) : NULL;
    }
    return 0;
}

static void expect(const char *what, const char *tensor, const float *got, const float *want,
                   int64_t n, double tol)
{
    double e = rel_error(got, want, n);
    if (!(e <= tol)) {
        printf("FAIL: %s: %s relative error %.3g > %.0e\n", what, tensor, e, tol);
        failures++;
    } else if (getenv("GPU_TEST_VERBOSE")) {
        printf("  %s: %s %.3g\n", what, tensor, e);
    }
}

/* One model: CPU then GPU (exact, then fast math) on the same weights. */
static void check(const char *what, const char *json, int64_t batch, int64_t T)
{
    ur_model *m = gc_model_from_json(json, 3);
    if (!m) {
        failures++;
        return;
    }
    const ur_graph *g = ur_model_graph(m);
    ur_rng r;
    ur_rng_seed(&r, 11);
    /* weights U(-0.5, 0.5) as the gradient checks draw them */
    for (int i = 0; i < ur_model_n_weights(m); i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        if (w.trainable)
            fill(&r, w.data, w.numel, 0.5f);
    }
    int n_in = ur_graph_n_inputs(g), n_out = ur_graph_n_outputs(g);
    ur_tensor in[8], douts[8];
    for (int i = 0; i < n_in; i++) {
        const ur_shape *s = ur_layer_output_shape(ur_graph_input(g, i), 0);
        in[i] = (ur_tensor){.dtype = UR_F32, .rank = s->rank};
        for (int d = 0; d < s->rank; d++)
            in[i].dim[d] = s->dim[d] == UR_DIM_FREE ? (d == 0 ? batch : T) : s->dim[d];
        in[i].data = ur_xmalloc((size_t)ur_tensor_numel(&in[i]) * 4);
        fill(&r, in[i].data, ur_tensor_numel(&in[i]), 1.0f);
    }
    ur_ctx ctx = {0};
    ur_rng dummy;
    ur_rng_seed(&dummy, 7);
    if (ur_model_forward(m, in, true, &dummy, &ctx)) { /* output shapes for the gradients */
        printf("FAIL: %s: %s\n", what, ctx.message);
        failures++;
        ur_model_free(m);
        return;
    }
    for (int k = 0; k < n_out; k++) {
        douts[k] = *ur_model_output(m, k);
        douts[k].data = ur_xmalloc((size_t)ur_tensor_numel(&douts[k]) * 4);
        fill(&r, douts[k].data, ur_tensor_numel(&douts[k]), 1.0f);
    }
    snapshot cpu = {0}, gpu = {0};
    if (run(m, in, douts, &cpu)) {
        failures++;
        goto out;
    }
    /* each recurrent layer on cuDNN where it can, then on the own
     * recurrence kernels where they can (the default for small layers) */
    for (int run_i = 0; run_i < 4; run_i++) {
        int fast = run_i % 2;
        const char *path = run_i < 2 ? "cudnn" : "kernels";
        setenv("UNROLL_RNN_PATH", path, 1);
        double ftol = fast ? 1e-2 : 1e-5, gtol = fast ? 1e-2 : 1e-4;
        char label[256];
        snprintf(label, sizeof label, "%s (%s, %s)", what, fast ? "fast" : "exact", path);
        if (ur_model_use_device(m, "cuda", !fast, NULL, 0, &ctx)) {
            printf("FAIL: %s: %s\n", label, ctx.message);
            failures++;
            break;
        }
        if (run(m, in, douts, &gpu)) {
            failures++;
            snapshot_free(&gpu);
            memset(&gpu, 0, sizeof gpu);
            break;
        }
        for (int k = 0; k < n_out; k++) {
            char t[64];
            snprintf(t, sizeof t, "output %d", k);
            expect(label, t, gpu.out[k], cpu.out[k], cpu.n_outv[k], ftol);
        }
        for (int i = 0; i < n_in; i++)
            if (cpu.din[i]) {
                char t[64];
                snprintf(t, sizeof t, "d input %d", i);
                if (!gpu.din[i]) {
                    printf("FAIL: %s: no %s on the GPU\n", label, t);
                    failures++;
                } else {
                    expect(label, t, gpu.din[i], cpu.din[i], cpu.n_dinv[i], gtol);
                }
            }
        for (int i = 0; i < cpu.n_w; i++)
            if (cpu.dw[i]) {
                ur_weight_info w;
                ur_model_weight(m, i, &w);
                char t[128];
                snprintf(t, sizeof t, "d %s", w.name);
                expect(label, t, gpu.dw[i], cpu.dw[i], cpu.n_dwv[i], gtol);
            }
        snapshot_free(&gpu);
        memset(&gpu, 0, sizeof gpu);
        if (ur_model_use_device(m, "cpu", false, NULL, 0, &ctx)) {
            printf("FAIL: %s: back to the CPU: %s\n", label, ctx.message);
            failures++;
            break;
        }
    }
out:
    snapshot_free(&cpu);
    for (int i = 0; i < n_in; i++)
        free(in[i].data);
    for (int k = 0; k < n_out; k++)
        free(douts[k].data);
    ur_model_free(m);
}

/* A model on an Input (T, I) (T < 0: a free time axis) followed by layer. */
static const char *seq(const char *layer, int T, int I)
{
    char t[32];
    snprintf(t, sizeof t, T < 0 ? "null" : "%d", T);
    return gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [%s, %d]}, %s]}", t, I,
                   layer);
}

/* A layer the GPU does not run is refused by name; auto stays on the CPU. */
static void check_refusal(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'name': 'ids', 'class': 'Input', 'shape': [6], 'dtype': 'int32'},"
                "{'name': 'emb', 'class': 'Embedding', 'input_dim': 10, 'output_dim': 4},"
                "{'name': 'lstm', 'class': 'LSTM', 'units': 3}]}"),
        1);
    if (!m) {
        failures++;
        return;
    }
    ur_ctx ctx = {0};
    if (ur_model_use_device(m, "cuda:0", true, NULL, 0, &ctx) == UR_OK ||
        !strstr(ctx.message, "'emb'") || !strstr(ctx.message, "Embedding")) {
        printf("FAIL: an Embedding model on cuda:0: expected a refusal naming 'emb', got '%s'\n",
               ctx.message);
        failures++;
    }
    ur_model *big = gc_model_from_json(
        seq("{'name': 'wide', 'class': 'LSTM', 'units': 200, 'activation': 'relu'}", 4, 2), 1);
    ur_ctx_clear(&ctx);
    if (!big || ur_model_use_device(big, "cuda", true, NULL, 0, &ctx) == UR_OK ||
        !strstr(ctx.message, "'wide'") || !strstr(ctx.message, "units")) {
        printf("FAIL: LSTM(200, relu) on cuda: expected a refusal naming 'wide' and the units, "
               "got '%s'\n", ctx.message);
        failures++;
    }
    ur_model_free(big);
    char note[512];
    ur_ctx_clear(&ctx);
    if (ur_model_use_device(m, "auto", true, note, sizeof note, &ctx) != UR_OK ||
        strcmp(ur_model_device(m), "cpu") != 0 || !strstr(note, "Embedding")) {
        printf("FAIL: auto with an Embedding: expected the CPU and a note, got %s / '%s'\n",
               ur_model_device(m), note);
        failures++;
    }
    ur_model_free(m);
}

/* Weights written on the host reach the GPU; the GPU's come back. */
static void check_weights_round_trip(void)
{
    ur_model *m = gc_model_from_json(seq("{'class': 'GRU', 'units': 3}", 4, 2), 1);
    if (!m) {
        failures++;
        return;
    }
    ur_ctx ctx = {0};
    if (ur_model_use_device(m, "cuda", true, NULL, 0, &ctx)) {
        printf("FAIL: round trip: %s\n", ctx.message);
        failures++;
        ur_model_free(m);
        return;
    }
    float x[2 * 4 * 2];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i / 16.0f;
    int64_t dim[3] = {2, 4, 2};
    ur_tensor in = gc_view(UR_F32, x, 3, dim);
    int64_t n;
    float *k = gc_weight(m, "gru/kernel", &n);
    for (int64_t i = 0; i < n; i++)
        k[i] = 0.0f;
    float *u = gc_weight(m, "gru/recurrent_kernel", &n);
    for (int64_t i = 0; i < n; i++)
        u[i] = 0.0f;
    /* zero kernels and biases: every gate is sigmoid(0) = 0.5, the candidate
     * tanh(0) = 0, so h stays 0 */
    float *b = gc_weight(m, "gru/bias", &n);
    for (int64_t i = 0; i < n; i++)
        b[i] = 0.0f;
    if (gc_forward(m, &in, false, 1)) {
        failures++;
    } else {
        const ur_tensor *y = ur_model_output(m, 0);
        for (int64_t i = 0; i < ur_tensor_numel(y); i++)
            if (ur_tensor_f32(y)[i] != 0.0f) {
                printf("FAIL: round trip: zeroed weights did not reach the GPU (y[%lld] = %g)\n",
                       (long long)i, ur_tensor_f32(y)[i]);
                failures++;
                break;
            }
    }
    ur_model_free(m);
}

/* Each layer's path on the GPU (what summary --device and runs show). */
static void check_paths(void)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [5, 3]},"
                "{'name': 'small', 'class': 'LSTM', 'units': 8, 'return_sequences': true},"
                "{'name': 'bi', 'class': 'Bidirectional', 'layer':"
                " {'class': 'GRU', 'units': 4, 'return_sequences': true}},"
                "{'name': 'wide', 'class': 'GRU', 'units': 300},"
                "{'name': 'bn', 'class': 'BatchNormalization'},"
                "{'name': 'out', 'class': 'Dense', 'units': 2}]}"), 1);
    ur_ctx ctx = {0};
    if (!m || ur_model_use_device(m, "cuda", true, NULL, 0, &ctx)) {
        printf("FAIL: paths: %s\n", ctx.message);
        failures++;
        ur_model_free(m);
        return;
    }
    static const char *const want[] = {"none", "kernels", "cudnn", "cudnn", "kernels", "cublas"};
    for (int i = 0; i < 6; i++)
        if (strcmp(ur_model_layer_path(m, i), want[i]) != 0) {
            printf("FAIL: layer %d runs on '%s', expected '%s'\n", i, ur_model_layer_path(m, i),
                   want[i]);
            failures++;
        }
    ur_model_free(m);
}

int main(void)
{
    gpu_test_require();

    /* LSTM */
    check("LSTM sequences", seq("{'class': 'LSTM', 'units': 5, 'return_sequences': true}", 7, 3),
          4, 7);
    check("LSTM last", seq("{'class': 'LSTM', 'units': 6}", 9, 4), 3, 9);
    check("LSTM state", seq("{'name': 'l', 'class': 'LSTM', 'units': 4, 'return_state': true}], "
                            "'outputs': ['l:0', 'l:1', 'l:2'", 5, 3), 2, 5);
    check("LSTM go_backwards",
          seq("{'class': 'LSTM', 'units': 4, 'go_backwards': true, 'return_sequences': true}", 6,
              3), 3, 6);
    check("LSTM no bias", seq("{'class': 'LSTM', 'units': 4, 'use_bias': false}", 5, 2), 3, 5);
    check("LSTM dropout",
          seq("{'class': 'LSTM', 'units': 4, 'dropout': 0.3, 'return_sequences': true}", 5, 6), 4,
          5);
    check("LSTM initial_state",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'c0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'lstm', 'class': 'LSTM', 'units': 4, 'inputs': 'x',"
                  " 'initial_state': ['h0', 'c0'], 'return_sequences': true,"
                  " 'return_state': true}], 'outputs': ['lstm:0', 'lstm:1', 'lstm:2']}"),
          3, 5);
    /* GRU */
    check("GRU sequences", seq("{'class': 'GRU', 'units': 5, 'return_sequences': true}", 7, 3), 4,
          7);
    check("GRU last go_backwards", seq("{'class': 'GRU', 'units': 3, 'go_backwards': true}", 6, 2),
          3, 6);
    check("GRU state no bias",
          seq("{'name': 'g', 'class': 'GRU', 'units': 4, 'use_bias': false, 'return_state': true}]"
              ", 'outputs': ['g:0', 'g:1'", 5, 3), 2, 5);
    check("GRU initial_state",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'gru', 'class': 'GRU', 'units': 4, 'inputs': 'x',"
                  " 'initial_state': ['h0']}]}"),
          3, 5);
    /* SimpleRNN */
    check("SimpleRNN tanh", seq("{'class': 'SimpleRNN', 'units': 5, 'return_sequences': true}", 6,
                                3), 3, 6);
    check("SimpleRNN relu",
          seq("{'class': 'SimpleRNN', 'units': 4, 'activation': 'relu', 'go_backwards': true}", 6,
              3), 3, 6);
    /* Bidirectional */
    static const char *const modes[] = {"concat", "sum", "mul", "ave"};
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "Bidirectional LSTM %s", modes[i]);
        check(name, seq(gc_json("{'class': 'Bidirectional', 'merge_mode': '%s', 'layer': "
                                "{'class': 'LSTM', 'units': 4, 'return_sequences': true}}",
                                modes[i]), 5, 3), 3, 5);
        snprintf(name, sizeof name, "Bidirectional GRU last %s", modes[i]);
        check(name, seq(gc_json("{'class': 'Bidirectional', 'merge_mode': '%s', 'layer': "
                                "{'class': 'GRU', 'units': 3}}", modes[i]), 5, 3), 3, 5);
    }
    check("Bidirectional merge none + states",
          seq("{'name': 'bi', 'class': 'Bidirectional', 'merge_mode': null, 'layer': "
              "{'class': 'LSTM', 'units': 3, 'return_sequences': true, 'return_state': true}}], "
              "'outputs': ['bi:0', 'bi:1', 'bi:2', 'bi:3', 'bi:4', 'bi:5'", 4, 2), 2, 4);
    /* stacks with Dense, Dropout and Flatten */
    check("stacked LSTM GRU Dense softmax",
          seq("{'class': 'LSTM', 'units': 6, 'return_sequences': true},"
              "{'class': 'Dropout', 'rate': 0.25},"
              "{'class': 'GRU', 'units': 5, 'return_sequences': true},"
              "{'class': 'Flatten'},"
              "{'class': 'Dense', 'units': 4, 'activation': 'softmax'}", 5, 3), 4, 5);
    check("free time axis, Dense per step",
          seq("{'class': 'SimpleRNN', 'units': 4, 'return_sequences': true},"
              "{'class': 'Dense', 'units': 2, 'activation': 'tanh'}", -1, 3), 3, 7);
    /* BatchNormalization: batch moments (training), a frozen layer's moving
     * statistics, on (B, F) and on sequences (B, T, F) */
    check("LSTM BatchNormalization Dense",
          seq("{'class': 'LSTM', 'units': 6},"
              "{'class': 'BatchNormalization', 'momentum': 0.9},"
              "{'class': 'Dense', 'units': 3}", 5, 4), 8, 5);
    check("BatchNormalization on sequences, no scale",
          seq("{'class': 'GRU', 'units': 5, 'return_sequences': true},"
              "{'class': 'BatchNormalization', 'scale': false, 'epsilon': 0.01}", 4, 3), 3, 4);
    check("BatchNormalization frozen (moving statistics)",
          seq("{'class': 'SimpleRNN', 'units': 4},"
              "{'class': 'BatchNormalization', 'trainable': false, 'center': false}", 5, 3), 6,
          5);
    /* RepeatVector, Concatenate (features and time), Add */
    check("encoder RepeatVector decoder",
          seq("{'class': 'LSTM', 'units': 5}, {'class': 'RepeatVector', 'n': 4},"
              "{'class': 'GRU', 'units': 3, 'return_sequences': true}", 6, 2), 3, 6);
    check("Concatenate features and time, Add",
          gc_json("{'layers': [{'name': 'a', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'b', 'class': 'Input', 'shape': [5, 2]},"
                  "{'name': 'la', 'class': 'LSTM', 'units': 4, 'return_sequences': true,"
                  " 'inputs': 'a'},"
                  "{'name': 'lb', 'class': 'GRU', 'units': 4, 'return_sequences': true,"
                  " 'inputs': 'b'},"
                  "{'name': 'feat', 'class': 'Concatenate', 'inputs': ['la', 'b', 'lb']},"
                  "{'name': 'time', 'class': 'Concatenate', 'axis': 1, 'inputs': ['la', 'lb']},"
                  "{'name': 'sum', 'class': 'Add', 'inputs': ['la', 'lb', 'la']},"
                  "{'name': 'd', 'class': 'Dense', 'units': 2, 'inputs': 'feat'}],"
                  " 'outputs': ['d', 'time', 'sum']}"),
          3, 5);
    /* what only the own recurrence kernels run */
    check("GRU reset_after=false go_backwards",
          seq("{'class': 'GRU', 'units': 5, 'reset_after': false, 'return_sequences': true,"
              " 'go_backwards': true}", 6, 3), 3, 6);
    check("GRU reset_after=false state no bias",
          seq("{'name': 'g', 'class': 'GRU', 'units': 4, 'reset_after': false, 'use_bias': false,"
              " 'return_state': true}], 'outputs': ['g:0', 'g:1'", 5, 3), 2, 5);
    check("GRU reset_after=false initial_state, linear, dropout",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'gru', 'class': 'GRU', 'units': 4, 'inputs': 'x', 'reset_after': false,"
                  " 'activation': 'linear', 'dropout': 0.25, 'initial_state': ['h0'],"
                  " 'return_sequences': true}]}"),
          3, 5);
    check("LSTM relu / hard_sigmoid",
          seq("{'class': 'LSTM', 'units': 4, 'activation': 'relu',"
              " 'recurrent_activation': 'hard_sigmoid', 'return_sequences': true}", 5, 3), 3, 5);
    check("LSTM initial_state sigmoid / tanh",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [4, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [5]},"
                  "{'name': 'c0', 'class': 'Input', 'shape': [5]},"
                  "{'name': 'lstm', 'class': 'LSTM', 'units': 5, 'inputs': 'x',"
                  " 'activation': 'sigmoid', 'recurrent_activation': 'tanh',"
                  " 'initial_state': ['h0', 'c0'], 'return_state': true}],"
                  " 'outputs': ['lstm:0', 'lstm:1', 'lstm:2']}"),
          3, 4);
    check("SimpleRNN sigmoid state",
          seq("{'name': 's', 'class': 'SimpleRNN', 'units': 4, 'activation': 'sigmoid',"
              " 'return_state': true}], 'outputs': ['s:0', 's:1'", 5, 3), 2, 5);
    check("GRU reset_after GRU 64 units",
          seq("{'class': 'GRU', 'units': 64, 'return_sequences': true},"
              "{'class': 'LSTM', 'units': 64}", 7, 5), 4, 7);
    check_refusal();
    check_weights_round_trip();
    check_paths();
    return gpu_test_done(failures, "all GPU parity checks passed");
}
