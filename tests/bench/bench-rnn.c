/* bench-rnn.c — Unroll's training (and inference) throughput on the
 * workloads of shared/bench/torch_rnn_cpu.py, measured the same way: fixed
 * random data, warm-up, then repetitions of whole steps for at least
 * --min-time seconds each; min/median/max steps/s. One JSON line per
 * (workload, threads) with --json, for run.sh to compare with PyTorch. */
#include "ur-internal.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct workload {
    const char *name;
    const char *model;   /* JSON, single quotes */
    int64_t batch, T, I; /* I = 0: int tokens in [0, vocab) */
    int64_t vocab, classes;
    const char *loss, *opt;
    double lr;
    bool train;
    double fwd_flops;    /* per step, as the torch script counts */
} workload;

static double rnn_flops(double B, double T, double I, double H, double G)
{
    return T * (2 * B * I * G * H + 2 * B * H * G * H);
}

static char *squote(const char *s)
{
    char *d = ur_xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *models = "mnist-lstm,mnist-gru,mnist-rnn,big-lstm,big-lstm-infer,imdb-lstm";
    const char *threads = "2,1";
    const char *json_path = NULL;
    int reps = 5;
    double min_time = 2.0, warmup = 2.0;
    static struct option lo[] = {{"models", 1, 0, 'm'}, {"threads", 1, 0, 't'},
                                 {"reps", 1, 0, 'r'},   {"min-time", 1, 0, 'n'},
                                 {"warmup-s", 1, 0, 'w'}, {"json", 1, 0, 'j'},
                                 {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'm': models = optarg; break;
        case 't': threads = optarg; break;
        case 'r': reps = atoi(optarg); break;
        case 'n': min_time = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'j': json_path = optarg; break;
        default:
            printf("usage: bench-rnn [--models a,b] [--threads 2,1] [--reps 5] [--min-time 2]"
                   " [--warmup-s 2] [--json FILE]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    static const char mnist_tpl[] =
        "{'name': '%s', 'layers': [{'class': 'Input', 'shape': [28, 28]},"
        "{'name': 'rnn', 'class': '%s', 'units': 64},"
        "{'name': 'bn', 'class': 'BatchNormalization'},"
        "{'name': 'logits', 'class': 'Dense', 'units': 10}]}";
    char mnist_lstm[512], mnist_gru[512], mnist_rnn[512];
    snprintf(mnist_lstm, sizeof mnist_lstm, mnist_tpl, "mnist-lstm", "LSTM");
    snprintf(mnist_gru, sizeof mnist_gru, mnist_tpl, "mnist-gru", "GRU");
    snprintf(mnist_rnn, sizeof mnist_rnn, mnist_tpl, "mnist-rnn", "SimpleRNN");
    const char *big =
        "{'layers': [{'class': 'Input', 'shape': [100, 128]},"
        "{'name': 'lstm', 'class': 'LSTM', 'units': 512},"
        "{'name': 'fc', 'class': 'Dense', 'units': 10}]}";
    const char *imdb =
        "{'layers': [{'class': 'Input', 'shape': [500], 'dtype': 'int32'},"
        "{'name': 'emb', 'class': 'Embedding', 'input_dim': 10000, 'output_dim': 32},"
        "{'name': 'lstm', 'class': 'LSTM', 'units': 32},"
        "{'name': 'fc', 'class': 'Dense', 'units': 1}]}";
    workload wl[] = {
        {"mnist-lstm", mnist_lstm, 64, 28, 28, 0, 10, "sparse_categorical_crossentropy", "sgd",
         0.01, true, rnn_flops(64, 28, 28, 64, 4) + 2 * 64 * 64 * 10},
        {"mnist-gru", mnist_gru, 64, 28, 28, 0, 10, "sparse_categorical_crossentropy", "sgd", 0.01,
         true, rnn_flops(64, 28, 28, 64, 3) + 2 * 64 * 64 * 10},
        {"mnist-rnn", mnist_rnn, 64, 28, 28, 0, 10, "sparse_categorical_crossentropy", "sgd", 0.01,
         true, rnn_flops(64, 28, 28, 64, 1) + 2 * 64 * 64 * 10},
        {"big-lstm", big, 64, 100, 128, 0, 10, "sparse_categorical_crossentropy", "sgd", 0.01,
         true, rnn_flops(64, 100, 128, 512, 4) + 2 * 64 * 512 * 10},
        {"big-lstm-infer", big, 64, 100, 128, 0, 10, "sparse_categorical_crossentropy", "sgd",
         0.01, false, rnn_flops(64, 100, 128, 512, 4) + 2 * 64 * 512 * 10},
        {"imdb-lstm", imdb, 128, 500, 0, 10000, 2, "binary_crossentropy", "rmsprop", 0.001, true,
         rnn_flops(128, 500, 32, 32, 4) + 2 * 128 * 32},
    };
    FILE *jf = json_path ? fopen(json_path, "a") : NULL;
    printf("# unroll bench-rnn; OPENBLAS_CORETYPE=%s\n",
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "(unset)");
    char tl[64];
    snprintf(tl, sizeof tl, "%s", threads);
    for (char *tsave = NULL, *tt = strtok_r(tl, ",", &tsave); tt; tt = strtok_r(NULL, ",", &tsave)) {
        int nt = atoi(tt);
        ur_blas_set_threads(nt);
        printf("## threads: openblas %d\n", nt);
        for (size_t w = 0; w < UR_ARRAY_LEN(wl); w++) {
            const workload *k = &wl[w];
            if (!strstr(models, k->name))
                continue;
            /* exact names only: "big-lstm" must not select big-lstm-infer */
            bool exact = false;
            char ml[256];
            snprintf(ml, sizeof ml, "%s", models);
            for (char *s2 = NULL, *m = strtok_r(ml, ",", &s2); m; m = strtok_r(NULL, ",", &s2))
                exact |= strcmp(m, k->name) == 0;
            if (!exact)
                continue;
            ur_ctx ctx = {0};
            char *js = squote(k->model);
            ur_value *doc = ur_json_parse(js, strlen(js), k->name, &ctx);
            free(js);
            ur_graph *g = doc ? ur_graph_from_value(doc, &ctx) : NULL;
            ur_value_free(doc);
            ur_model *m = g ? ur_model_new(g, &ctx) : NULL;
            if (!m) {
                fprintf(stderr, "bench-rnn: %s: %s\n", k->name, ctx.message);
                return 1;
            }
            ur_rng rng;
            ur_rng_seed(&rng, 0);
            ur_model_init_weights(m, &rng);
            ur_model_set_input_grads(m, false);
            ur_array *x;
            if (k->I) {
                x = ur_array_new(UR_F32, 3, (int64_t[]){k->batch, k->T, k->I}, "x");
                for (int64_t i = 0; i < ur_tensor_numel(&x->t); i++)
                    ur_tensor_f32(&x->t)[i] = (float)ur_rng_normal(&rng);
            } else {
                x = ur_array_new(UR_I32, 2, (int64_t[]){k->batch, k->T}, "x");
                for (int64_t i = 0; i < ur_tensor_numel(&x->t); i++)
                    ur_tensor_i32(&x->t)[i] = (int32_t)ur_rng_below(&rng, (uint64_t)k->vocab);
            }
            bool binary = k->classes == 2;
            ur_array *y = binary ? ur_array_new(UR_F32, 2, (int64_t[]){k->batch, 1}, "y")
                                 : ur_array_new(UR_I32, 1, (int64_t[]){k->batch}, "y");
            for (int64_t i = 0; i < k->batch; i++) {
                if (binary)
                    ur_tensor_f32(&y->t)[i] = (float)ur_rng_below(&rng, 2);
                else
                    ur_tensor_i32(&y->t)[i] = (int32_t)ur_rng_below(&rng, (uint64_t)k->classes);
            }
            ur_loss loss;
            ur_loss_parse(k->loss, &loss, &ctx);
            loss.from_logits = true;
            ur_optimizer_config oc;
            ur_optimizer_defaults(k->opt, &oc, &ctx);
            oc.learning_rate = k->lr;
            size_t ntr, np;
            float *grads = ur_model_grads(m, &ntr);
            float *params = ur_model_params(m, &np);
            const size_t *so, *sl;
            int ns = ur_model_trainable_segments(m, &so, &sl);
            ur_optimizer *opt = ur_optimizer_new(&oc, ntr, ns, so, sl);
            float *dpred = ur_alloc_aligned((size_t)(k->batch * (binary ? 1 : k->classes)) * 4);

            double t0 = now_s();
            int64_t n = 0;
            double *rates = ur_xcalloc((size_t)reps, sizeof(double));
            ur_status st = UR_OK;
            for (int rep = -1; rep < reps && !st; rep++) {
                double start = now_s(), limit = rep < 0 ? warmup : min_time;
                int64_t steps = 0;
                for (;;) {
                    st = ur_model_forward(m, &x->t, k->train, &rng, &ctx);
                    if (!st && k->train) {
                        const ur_tensor *pred = ur_model_output(m, 0);
                        ur_loss_compute(&loss, pred, &y->t, NULL, dpred);
                        ur_tensor d = *pred;
                        d.data = dpred;
                        st = ur_model_backward(m, &d, &ctx);
                        ur_optimizer_step(opt, params, grads);
                    }
                    if (st)
                        break;
                    steps++;
                    n++;
                    double dt = now_s() - start;
                    if (dt >= limit && (rep >= 0 || steps >= 2)) {
                        if (rep >= 0)
                            rates[rep] = (double)steps / dt;
                        break;
                    }
                }
            }
            (void)t0;
            if (st) {
                fprintf(stderr, "bench-rnn: %s: %s\n", k->name, ctx.message);
                return 1;
            }
            qsort(rates, (size_t)reps, sizeof(double), cmp_d);
            double med = rates[reps / 2];
            double fl = k->fwd_flops * (k->train ? 3 : 1);
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            printf("%-15s thr=%d %s steps/s min %8.3f med %8.3f max %8.3f  samples/s med %9.1f"
                   "  GFLOP/s med %7.2f  maxrss %ld MB\n",
                   k->name, nt, k->train ? "train" : "infer", rates[0], med, rates[reps - 1],
                   med * (double)k->batch, med * fl / 1e9, ru.ru_maxrss / 1024);
            fflush(stdout);
            if (jf) {
                fprintf(jf,
                        "{\"impl\": \"unroll\", \"model\": \"%s\", \"threads\": %d, \"train\": %s,"
                        " \"batch\": %lld, \"steps_per_s_med\": %.6g, \"steps_per_s_min\": %.6g,"
                        " \"steps_per_s_max\": %.6g, \"gflops_med\": %.6g, \"maxrss_mb\": %ld}\n",
                        k->name, nt, k->train ? "true" : "false", (long long)k->batch, med,
                        rates[0], rates[reps - 1], med * fl / 1e9, ru.ru_maxrss / 1024);
                fflush(jf);
            }
            free(rates);
            ur_free_aligned(dpred);
            ur_optimizer_free(opt);
            ur_array_free(x);
            ur_array_free(y);
            ur_model_free(m);
        }
    }
    if (jf)
        fclose(jf);
    return 0;
}
