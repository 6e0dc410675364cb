/* test-parity.c — the recurrent layers against an independent implementation:
 * forward outputs and backward gradients (input and every weight) compared
 * with PyTorch 1.13 fixtures (tools/make-rnn-fixtures.py, which documents the
 * npz members) for LSTM, GRU, SimpleRNN, Bidirectional, stacked, masked and
 * go_backwards models. Argument: the fixture folder (tests/fixtures/rnn). */
#include "gradcheck.h"

#include "npy.h"

#include <stdio.h>

/* Relative errors per tensor: max|got - want| / max(1e-6, max|want|). */
#define FORWARD_TOL 1e-5
#define GRADIENT_TOL 1e-4
/* A fixture must tell a wrong gate order apart by this much. */
#define SENSITIVITY_MIN 1e-3

static const char *const cases[] = {
    "lstm-sequences",
    "lstm-last-state",
    "gru-sequences",
    "simple-rnn",
    "bidirectional-lstm",
    "stacked-lstm-gru",
    "masked-lstm-gru",
    "lstm-go-backwards",
    "masked-bidirectional-gru",
    "bidirectional-lstm-state-sum",
    "masked-gru-go-backwards",
};

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("FAIL: cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = ur_xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            UR_ASSERT(grown);
            buf = grown;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static double rel_error(const float *got, const float *want, int64_t n)
{
    double diff = 0.0, scale = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= diff)) /* NaN counts as the worst */
            diff = isnan(d) ? INFINITY : d;
        scale = fmax(scale, fabs((double)want[i]));
    }
    return diff / fmax(1e-6, scale);
}

static bool same_dims(int rank, const int64_t *dim, const ur_tensor *t)
{
    if (rank != t->rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (dim[i] != t->dim[i])
            return false;
    return true;
}

/* "bi/forward/kernel" -> prefix + "bi__forward__kernel" (the npz member). */
static void member_name(char *buf, size_t size, const char *prefix, const char *weight)
{
    size_t k = (size_t)snprintf(buf, size, "%s", prefix);
    for (const char *c = weight; *c && k + 3 < size; c++) {
        if (*c == '/') {
            buf[k++] = '_';
            buf[k++] = '_';
        } else {
            buf[k++] = *c;
        }
    }
    buf[k] = '\0';
}

static const ur_array *member(const ur_npz *z, const char *case_name, const char *name)
{
    const ur_array *a = ur_npz_get(z, name);
    if (!a)
        printf("FAIL: %s: the fixture has no member '%s'\n", case_name, name);
    return a;
}

/* Compares a tensor (rank, dims, values) with a fixture member; prints the error. */
static int compare(const char *case_name, const char *what, const float *got, int rank,
                   const int64_t *dim, const ur_array *want, double tol)
{
    if (!same_dims(rank, dim, &want->t)) {
        printf("FAIL: %s: %s: the engine's shape differs from the fixture's\n", case_name,
               what);
        return 1;
    }
    double err = rel_error(got, ur_tensor_f32(&want->t), ur_tensor_numel(&want->t));
    bool ok = err <= tol;
    printf("  %-34s rel. error %.2e (tolerance %.0e)%s\n", what, err, tol,
           ok ? "" : "  <-- FAIL");
    return ok ? 0 : 1;
}

/* The largest relative error over the model outputs against the fixture. */
static double forward_error(ur_model *m, const ur_npz *z)
{
    double worst = 0.0;
    int n_out = ur_graph_n_outputs(ur_model_graph(m));
    for (int k = 0; k < n_out; k++) {
        char name[32];
        snprintf(name, sizeof name, "y_%d", k);
        const ur_array *want = ur_npz_get(z, name);
        const ur_tensor *y = ur_model_output(m, k);
        if (!want || ur_tensor_numel(y) != ur_tensor_numel(&want->t))
            return INFINITY;
        worst = fmax(worst, rel_error(ur_tensor_f32(y), ur_tensor_f32(&want->t),
                                      ur_tensor_numel(y)));
    }
    return worst;
}

/* Swaps gate blocks a and b (each U wide) along the last axis of a
 * (rows, cols) weight. */
static void swap_blocks(float *w, int64_t rows, int64_t cols, int64_t U, int a, int b)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < U; j++) {
            float *p = &w[r * cols + a * U + j], *q = &w[r * cols + b * U + j];
            float t = *p;
            *p = *q;
            *q = t;
        }
}

/* One wrong convention applied to a layer's weights: its gate blocks a and
 * b swapped in kernel, recurrent_kernel and bias together (a = b = -1:
 * GRU's input and recurrent bias rows swapped). */
typedef struct mutation {
    int a, b;
    const char *what;
} mutation;

/* The fixture's power: for every gated layer (a recurrent kernel (U, G·U)
 * with G > 1), an engine that read the weights in another gate order (LSTM
 * i,f,o,c as on ROCm, or i<->f; GRU without the z,r swap, or r<->h) or with
 * GRU's two bias rows exchanged must miss the fixture's outputs by more
 * than SENSITIVITY_MIN. Weights are restored afterwards. */
static int check_sensitivity(const char *case_name, ur_model *m, const ur_tensor *x,
                             const ur_npz *z)
{
    int bad = 0, tried = 0;
    double least = INFINITY;
    char least_what[300] = "";
    for (int i = 0; i < ur_model_n_weights(m); i++) {
        ur_weight_info r;
        ur_model_weight(m, i, &r);
        const char *slash = strrchr(r.name, '/');
        if (!slash || strcmp(slash, "/recurrent_kernel") != 0 || r.dim[1] / r.dim[0] < 2)
            continue;
        int64_t U = r.dim[0];
        int G = (int)(r.dim[1] / U);
        int plen = (int)(slash - r.name);
        ur_weight_info w[3];
        int nw = 0, bias = -1; /* w[bias] is the bias, when the layer has one */
        for (int k = 0; k < 3; k++) {
            static const char *const suffix[] = {"kernel", "recurrent_kernel", "bias"};
            char wn[256];
            snprintf(wn, sizeof wn, "%.*s/%s", plen, r.name, suffix[k]);
            int wi = ur_model_find_weight(m, wn);
            if (wi < 0)
                continue;
            if (k == 2)
                bias = nw;
            ur_model_weight(m, wi, &w[nw++]);
        }
        const mutation muts[] = {
            {0, 1, G == 4 ? "gates i and f swapped" : "gates z and r swapped"},
            {G - 2, G - 1, G == 4 ? "gates c and o swapped" : "gates r and h swapped"},
            {-1, -1, "bias rows swapped"},
        };
        for (int k = 0; k < 3; k++) {
            const mutation *mu = &muts[k];
            bool rows = mu->a < 0;
            if (rows && !(bias >= 0 && w[bias].rank == 2 && w[bias].dim[0] == 2))
                continue;
            float *saved[3];
            for (int j = 0; j < nw; j++) {
                int64_t cols = w[j].dim[w[j].rank - 1];
                saved[j] = ur_xmalloc((size_t)w[j].numel * sizeof(float));
                memcpy(saved[j], w[j].data, (size_t)w[j].numel * sizeof(float));
                if (rows && j == bias)
                    swap_blocks(w[j].data, 1, 2 * cols, cols, 0, 1);
                else if (!rows)
                    swap_blocks(w[j].data, w[j].numel / cols, cols, U, mu->a, mu->b);
            }
            double err = gc_forward(m, x, false, 1) == 0 ? forward_error(m, z) : INFINITY;
            for (int j = 0; j < nw; j++) {
                memcpy(w[j].data, saved[j], (size_t)w[j].numel * sizeof(float));
                free(saved[j]);
            }
            char what[300];
            snprintf(what, sizeof what, "%.*s, %s", plen, r.name, mu->what);
            tried++;
            if (!(err > SENSITIVITY_MIN)) {
                printf("FAIL: %s: %s moves the outputs by only %.2e: the fixture cannot "
                       "tell that convention apart\n", case_name, what, err);
                bad = 1;
            }
            if (err < least) {
                least = err;
                snprintf(least_what, sizeof least_what, "%s", what);
            }
        }
    }
    if (tried)
        printf("  %-34s %d wrong conventions, least output change %.2e (%s)\n",
               "sensitivity:", tried, least, least_what);
    return bad;
}

static int run_case(const char *dir, const char *name)
{
    char path[1024];
    int bad = 0;
    printf("%s\n", name);

    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    char *json = read_text(path);
    if (!json)
        return 1;
    ur_model *m = gc_model_from_json(json, 1);
    free(json);
    if (!m) {
        printf("FAIL: %s: the model could not be built\n", name);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s.npz", dir, name);
    ur_ctx ctx = {0};
    ur_npz *z = ur_npz_read(path, UR_NPY_FLOAT32, &ctx);
    if (!z) {
        printf("FAIL: %s\n", ctx.message);
        ur_model_free(m);
        return 1;
    }
    ur_graph *g = ur_model_graph(m);
    int n_out = ur_graph_n_outputs(g);
    int n_w = ur_model_n_weights(m);
    ur_tensor *douts = ur_xcalloc((size_t)n_out, sizeof *douts);
    const ur_array *x = member(z, name, "x");
    const ur_array *dx = member(z, name, "dx");
    if (!x || !dx || ur_graph_n_inputs(g) != 1) {
        printf("FAIL: %s: expected one model input and members x, dx\n", name);
        bad = 1;
        goto out;
    }

    /* Every model weight comes from the fixture, and every fixture weight
     * is a model weight (the members other than x, dx, y_k, dy_k, d_*). */
    int n_members = 0;
    for (int i = 0; i < z->n; i++) {
        const char *mn = z->arrays[i]->name;
        if (strcmp(mn, "x") != 0 && strcmp(mn, "dx") != 0 && strncmp(mn, "y_", 2) != 0 &&
            strncmp(mn, "dy_", 3) != 0 && strncmp(mn, "d_", 2) != 0)
            n_members++;
    }
    if (n_members != n_w) {
        printf("FAIL: %s: the fixture has %d weights, the model %d\n", name, n_members, n_w);
        bad = 1;
        goto out;
    }
    for (int i = 0; i < n_w; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        char mn[256];
        member_name(mn, sizeof mn, "", w.name);
        const ur_array *a = member(z, name, mn);
        if (!a) {
            bad = 1;
            goto out;
        }
        if (!same_dims(w.rank, w.dim, &a->t)) {
            printf("FAIL: %s: weight %s has another shape than the fixture's\n", name, w.name);
            bad = 1;
            goto out;
        }
        memcpy(w.data, a->t.data, (size_t)w.numel * sizeof(float));
    }

    /* Forward (inference mode: there is no dropout) against y_k. */
    if (gc_forward(m, &x->t, false, 1) != 0) {
        bad = 1;
        goto out;
    }
    for (int k = 0; k < n_out; k++) {
        char yn[32], dyn[32], what[64];
        snprintf(yn, sizeof yn, "y_%d", k);
        snprintf(dyn, sizeof dyn, "dy_%d", k);
        snprintf(what, sizeof what, "output %d", k);
        const ur_array *want = member(z, name, yn);
        const ur_array *dy = member(z, name, dyn);
        if (!want || !dy) {
            bad = 1;
            goto out;
        }
        const ur_tensor *y = ur_model_output(m, k);
        bad |= compare(name, what, ur_tensor_f32(y), y->rank, y->dim, want, FORWARD_TOL);
        if (!same_dims(y->rank, y->dim, &dy->t)) {
            printf("FAIL: %s: %s has another shape than output %d\n", name, dyn, k);
            bad = 1;
            goto out;
        }
        douts[k] = dy->t;
    }
    char extra[32];
    snprintf(extra, sizeof extra, "y_%d", n_out);
    if (ur_npz_get(z, extra)) {
        printf("FAIL: %s: the fixture has more outputs than the model's %d\n", name, n_out);
        bad = 1;
    }

    /* Backward with dy_k against dx and d_<weight>. */
    if (ur_model_backward(m, douts, &ctx) != UR_OK) {
        printf("FAIL: %s: backward: %s\n", name, ctx.message);
        bad = 1;
        goto out;
    }
    const ur_tensor *gx = ur_model_input_grad(m, 0);
    if (!gx) {
        printf("FAIL: %s: no input gradient\n", name);
        bad = 1;
    } else {
        bad |= compare(name, "d input", ur_tensor_f32(gx), gx->rank, gx->dim, dx, GRADIENT_TOL);
    }
    for (int i = 0; i < n_w; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        char mn[256], what[300];
        member_name(mn, sizeof mn, "d_", w.name);
        snprintf(what, sizeof what, "d %s", w.name);
        const ur_array *want = member(z, name, mn);
        if (!want || !w.grad) {
            if (want)
                printf("FAIL: %s: weight %s has no gradient\n", name, w.name);
            bad = 1;
            continue;
        }
        bad |= compare(name, what, w.grad, w.rank, w.dim, want, GRADIENT_TOL);
    }

    bad |= check_sensitivity(name, m, &x->t, z);
out:
    free(douts);
    ur_npz_free(z);
    ur_model_free(m);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: %s FIXTURE-DIR (tests/fixtures/rnn)\n", argv[0]);
        return 1;
    }
    int failed = 0;
    int n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++)
        if (run_case(argv[1], cases[i]) != 0) {
            printf("FAIL: case %s\n", cases[i]);
            failed++;
        }
    if (failed) {
        printf("%d of %d cases failed\n", failed, n);
        return 1;
    }
    printf("all %d cases agree with PyTorch\n", n);
    return 0;
}
