/* bench-gpu.c — training speed on the GPU (issue 6's workloads), to be run
 * in the same call as shared/bench/torch_rnn_gpu.py: MNIST-rows models
 * (batch 64, 28 steps of 28 features, RNN(64) -> BatchNormalization ->
 * Dense(10), sparse CE from logits, SGD, as the PyTorch script) and a large
 * LSTM/GRU(1024) -> Dense(10) on (256, 100, 512). Random data of the
 * workload's shape; one epoch to warm up, then the median of the epoch
 * times; prints ms/step, samples/s, how the steps ran (graph replay or
 * why not) and the device memory the model took (free memory after the
 * device opened minus the lowest free memory seen at an epoch's end).
 * Usage: bench-gpu [fast|exact] [small|large|all] */
#include "gradcheck.h"

#include "backend.h"

#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct times {
    int n;
    double t[16];
    double last;
    const ur_backend *be;
    size_t free_min;
    char note[256];
} times;

static void on_epoch(void *user, const ur_progress *p)
{
    times *t = user;
    double now = now_s();
    if (t->n < 16)
        t->t[t->n++] = now - t->last;
    size_t f = t->be && t->be->mem_available ? t->be->mem_available(t->be) : 0;
    if (f && (!t->free_min || f < t->free_min))
        t->free_min = f;
    const char *note = ur_trainer_graph_note(p->trainer);
    snprintf(t->note, sizeof t->note, "%s", note ? note : "");
    t->last = now_s();
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int bench(const char *label, const char *layer, int64_t B, int64_t T, int64_t I,
                 int64_t steps, int epochs, const char *device, bool exact)
{
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [%lld, %lld]}, %s,"
                " {'class': 'Dense', 'units': 10}]}", (long long)T, (long long)I, layer), 1);
    if (!m)
        return 1;
    ur_ctx ctx = {0};
    if (ur_model_use_device(m, device, exact, NULL, 0, &ctx)) {
        printf("%s: %s\n", label, ctx.message);
        ur_model_free(m);
        return 1;
    }
    const ur_backend *be = ur_model_backend(m);
    size_t free0 = be->mem_available ? be->mem_available(be) : 0;
    int64_t N = B * steps;
    int64_t xd[3] = {N, T, I}, yd[1] = {N};
    ur_array *x = ur_array_new(UR_F32, 3, xd, "x"), *y = ur_array_new(UR_I32, 1, yd, "y");
    ur_rng r;
    ur_rng_seed(&r, 1);
    for (int64_t i = 0; i < N * T * I; i++)
        ur_tensor_f32(&x->t)[i] = (float)ur_rng_uniform(&r);
    for (int64_t i = 0; i < N; i++)
        ur_tensor_i32(&y->t)[i] = (int32_t)ur_rng_below(&r, 10);
    ur_array *xs[1] = {x}, *ys[1] = {y};
    ur_data d = {.n_x = 1, .n_y = 1, .x = xs, .y = ys};
    ur_fit_config cfg;
    ur_fit_config_defaults(&cfg);
    cfg.loss.kind = UR_LOSS_SPARSE_CATEGORICAL_CE;
    cfg.loss.from_logits = true;
    ur_optimizer_defaults("sgd", &cfg.optimizer, NULL);
    cfg.epochs = epochs;
    cfg.batch_size = B;
    cfg.shuffle = true;
    times t = {.last = now_s(), .be = be};
    ur_callbacks cb = {.user = &t, .on_epoch = on_epoch};
    int rc = 0;
    if (ur_model_fit(m, &cfg, &d, NULL, &cb, &ctx)) {
        printf("%s: %s\n", label, ctx.message);
        rc = 1;
    } else {
        qsort(t.t + 1, (size_t)(t.n - 1), sizeof(double), cmp); /* epoch 1 warms up */
        double med = t.t[1 + (t.n - 1) / 2];
        printf("unroll %s %s %s: %.3f ms/step, %.0f samples/s (epoch of %lld steps: %.3f s; "
               "warm-up epoch %.3f s); device memory %.1f MiB of which the data set %.1f MiB; "
               "%s\n", label, device, exact ? "exact" : "fast", 1e3 * med / (double)steps,
               (double)N / med, (long long)steps, med, t.t[0],
               free0 && t.free_min ? (double)(free0 - t.free_min) / 1048576.0 : 0.0,
               (double)(N * T * I + 2 * N) * 4 / 1048576.0, t.note);
    }
    fflush(stdout);
    ur_array_free(x);
    ur_array_free(y);
    ur_model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    bool exact = argc > 1 && strcmp(argv[1], "exact") == 0;
    const char *which = argc > 2 ? argv[2] : "all";
    const char *dev = getenv("BENCH_DEVICE") ? getenv("BENCH_DEVICE") : "cuda";
    /* BENCH_QUICK: one MNIST-rows LSTM epoch of 4 steps (for a profiler) */
    if (getenv("BENCH_QUICK"))
        return bench("quick LSTM(64)+BN b64",
                     "{'class': 'LSTM', 'units': 64}, {'class': 'BatchNormalization'}", 64, 28,
                     28, 4, 2, dev, exact);
    int rc = 0;
    if (strcmp(which, "large") != 0) {
        rc |= bench("mnist-rows LSTM(64)+BN b64",
                    "{'class': 'LSTM', 'units': 64}, {'class': 'BatchNormalization'}", 64, 28, 28,
                    938, 4, dev, exact);
        rc |= bench("mnist-rows GRU(64)+BN b64",
                    "{'class': 'GRU', 'units': 64}, {'class': 'BatchNormalization'}", 64, 28, 28,
                    938, 4, dev, exact);
        rc |= bench("mnist-rows SimpleRNN(64)+BN b64",
                    "{'class': 'SimpleRNN', 'units': 64}, {'class': 'BatchNormalization'}", 64,
                    28, 28, 938, 4, dev, exact);
    }
    if (strcmp(which, "small") != 0) {
        rc |= bench("LSTM(1024) B=256 T=100 I=512", "{'class': 'LSTM', 'units': 1024}", 256, 100,
                    512, 10, 4, dev, exact);
        rc |= bench("GRU(1024) B=256 T=100 I=512", "{'class': 'GRU', 'units': 1024}", 256, 100,
                    512, 10, 4, dev, exact);
    }
    return rc;
}
