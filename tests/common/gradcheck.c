/* gradcheck.c — the layer tests' shared helpers and the gradient check:
 * L = Σ_i Σ out_i ∘ R_i for fixed random R_i; backward with d(out_i) = R_i
 * must match (L(w + ε) − L(w − ε)) / 2ε for every weight and float input. */
#include "gradcheck.h"

#include "json.h"

#include <stdarg.h>
#include <stdio.h>

void gc_options_default(gc_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->batch = 3;
    o->free_size = 4;
    o->training = true;
    o->eps = 1e-2;
    o->atol = 1e-3;
    o->rtol = 1e-2;
    o->max_entries = 0;
    o->weight_scale = 0.5f;
    o->input_scale = 1.0f;
    o->id_low = 1;
    o->id_high = 8;
    o->pad = GC_PAD_NONE;
    o->pad_value = 0.0f;
    o->check_inputs = true;
    o->verbose = getenv("GRADCHECK_VERBOSE") != NULL;
}

const char *gc_json(const char *fmt, ...)
{
    static char bufs[4][16384];
    static int next;
    char *b = bufs[next++ % 4];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    UR_ASSERT(n >= 0 && (size_t)n < sizeof bufs[0]);
    for (char *c = b; *c; c++)
        if (*c == '\'')
            *c = '"';
    return b;
}

int gc_expect_shape(const ur_graph *g, const char *layer, int k, const char *want)
{
    const ur_layer *l = ur_graph_find(g, layer);
    if (!l) {
        printf("FAIL: no layer named %s\n", layer);
        return 1;
    }
    if (ur_layer_error(l)) {
        printf("FAIL: layer %s has an error: %s\n", layer, ur_layer_error(l));
        return 1;
    }
    if (k >= ur_layer_n_outputs(l)) {
        printf("FAIL: layer %s has %d outputs, not %d\n", layer, ur_layer_n_outputs(l), k + 1);
        return 1;
    }
    char buf[128];
    ur_shape_format(ur_layer_output_shape(l, k), buf, sizeof buf);
    if (strcmp(buf, want) != 0) {
        printf("FAIL: layer %s output %d has shape %s, expected %s\n", layer, k, buf, want);
        return 1;
    }
    return 0;
}

ur_graph *gc_graph_from_json(const char *json, ur_ctx *ctx)
{
    ur_value *doc = ur_json_parse(json, strlen(json), "<test>", ctx);
    if (!doc)
        return NULL;
    ur_graph *g = ur_graph_from_value(doc, ctx);
    ur_value_free(doc);
    return g;
}

ur_model *gc_model_from_json(const char *json, uint64_t seed)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(json, &ctx);
    if (!g) {
        printf("FAIL: model document: %s\n", ctx.message);
        return NULL;
    }
    if (ur_graph_check(g, &ctx) != UR_OK) {
        printf("FAIL: graph: %s\n", ctx.message);
        ur_graph_free(g);
        return NULL;
    }
    ur_model *m = ur_model_new(g, &ctx);
    if (!m) {
        printf("FAIL: model: %s\n", ctx.message);
        return NULL;
    }
    ur_rng rng;
    ur_rng_seed(&rng, seed);
    ur_model_init_weights(m, &rng);
    return m;
}

/* 1 (printed) unless msg contains every string of the NULL-terminated list. */
static int gc_message_has(const char *msg, va_list ap)
{
    int bad = 0;
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        if (!strstr(msg, s)) {
            printf("FAIL: error message lacks \"%s\": %s\n", s, msg);
            bad = 1;
        }
    return bad;
}

int gc_expect_graph_error(const char *json, ...)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(json, &ctx);
    if (g) {
        ur_status st = ur_graph_check(g, &ctx);
        ur_graph_free(g);
        if (st == UR_OK) {
            printf("FAIL: expected an error, the graph is fine: %s\n", json);
            return 1;
        }
    }
    va_list ap;
    va_start(ap, json);
    int bad = gc_message_has(ctx.message, ap);
    va_end(ap);
    return bad;
}

float *gc_weight(ur_model *m, const char *name, int64_t *numel)
{
    int i = ur_model_find_weight(m, name);
    if (i < 0) {
        printf("FAIL: no weight named %s\n", name);
        return NULL;
    }
    ur_weight_info w;
    ur_model_weight(m, i, &w);
    if (numel)
        *numel = w.numel;
    return w.data;
}

int gc_set_weight(ur_model *m, const char *name, const float *v, int64_t n)
{
    int64_t numel = 0;
    float *w = gc_weight(m, name, &numel);
    if (!w)
        return 1;
    if (numel != n) {
        printf("FAIL: weight %s has %lld values, not %lld\n", name, (long long)numel,
               (long long)n);
        return 1;
    }
    memcpy(w, v, (size_t)n * sizeof(float));
    return 0;
}

int gc_expect_close(const char *what, const float *got, const float *want, int64_t n, double tol)
{
    int shown = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        if (!(err <= tol * fmax(1.0, fabs(want[i])))) {
            if (shown++ < 5)
                printf("FAIL: %s[%lld] = %.7g, expected %.7g\n", what, (long long)i,
                       (double)got[i], (double)want[i]);
            bad++;
        }
    }
    if (bad > shown)
        printf("FAIL: %s: %lld mismatches in all\n", what, (long long)bad);
    return bad ? 1 : 0;
}

ur_tensor gc_view(ur_dtype dtype, const void *data, int rank, const int64_t *dim)
{
    ur_tensor t = {.dtype = dtype, .rank = rank, .data = (void *)data};
    for (int i = 0; i < rank; i++)
        t.dim[i] = dim[i];
    return t;
}

int gc_forward(ur_model *m, const ur_tensor *inputs, bool training, uint64_t seed)
{
    ur_ctx ctx = {0};
    ur_rng rng;
    ur_rng_seed(&rng, seed);
    if (ur_model_forward(m, inputs, training, &rng, &ctx) != UR_OK) {
        printf("FAIL: forward: %s\n", ctx.message);
        return 1;
    }
    return 0;
}

int gc_expect_forward_error(ur_model *m, const ur_tensor *inputs, int training, ...)
{
    ur_ctx ctx = {0};
    ur_rng rng;
    ur_rng_seed(&rng, 1);
    if (ur_model_forward(m, inputs, training, &rng, &ctx) == UR_OK) {
        printf("FAIL: expected the forward pass to fail; it succeeded\n");
        return 1;
    }
    va_list ap;
    va_start(ap, training);
    int bad = gc_message_has(ctx.message, ap);
    va_end(ap);
    return bad;
}

/* ------------------------------------------------------------ the check */

/* The fed inputs, their storage, and which float entries are padding. */
typedef struct gc_feed {
    int n;
    ur_tensor *t;
    uint8_t **padded; /* per input: 1 per entry written as padding */
} gc_feed;

static bool gc_is_padding(const gc_options *o, int64_t b, int64_t t, int64_t T)
{
    switch (o->pad) {
    case GC_PAD_RIGHT: return t >= T - (b % T);
    case GC_PAD_HOLES: return (b + t) % 3 == 1;
    default: return false;
    }
}

static bool gc_input_is_int(const ur_layer *l)
{
    return ur_layer_input_dtype(l) == UR_I32;
}

static void gc_feed_free(gc_feed *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->t[i].data);
        free(f->padded[i]);
    }
    free(f->t);
    free(f->padded);
}

static void gc_feed_make(gc_feed *f, const ur_graph *g, const gc_options *o, ur_rng *rng)
{
    f->n = ur_graph_n_inputs(g);
    f->t = ur_xcalloc((size_t)f->n, sizeof *f->t);
    f->padded = ur_xcalloc((size_t)f->n, sizeof *f->padded);
    for (int i = 0; i < f->n; i++) {
        const ur_layer *l = ur_graph_input(g, i);
        const ur_shape *s = ur_layer_output_shape(l, 0);
        ur_tensor *t = &f->t[i];
        t->dtype = gc_input_is_int(l) ? UR_I32 : UR_F32;
        t->rank = s->rank;
        for (int d = 0; d < s->rank; d++)
            t->dim[d] = s->dim[d] != UR_DIM_FREE ? s->dim[d] : (d == 0 ? o->batch : o->free_size);
        int64_t n = ur_tensor_numel(t);
        t->data = ur_xcalloc((size_t)n, 4);
        f->padded[i] = ur_xcalloc((size_t)n, 1);
        for (int64_t j = 0; j < n; j++) {
            if (t->dtype == UR_I32)
                ur_tensor_i32(t)[j] =
                    o->id_low + (int32_t)ur_rng_below(rng, (uint64_t)(o->id_high - o->id_low));
            else
                ur_tensor_f32(t)[j] = o->input_scale * (float)(2.0 * ur_rng_uniform(rng) - 1.0);
        }
        if (o->pad == GC_PAD_NONE || t->rank < 2)
            continue;
        int64_t B = t->dim[0], T = t->dim[1], inner = n / (B * T);
        for (int64_t b = 0; b < B; b++)
            for (int64_t s1 = 0; s1 < T; s1++) {
                if (!gc_is_padding(o, b, s1, T))
                    continue;
                for (int64_t k = 0; k < inner; k++) {
                    int64_t j = (b * T + s1) * inner + k;
                    f->padded[i][j] = 1;
                    if (t->dtype == UR_I32)
                        ur_tensor_i32(t)[j] = 0;
                    else
                        ur_tensor_f32(t)[j] = o->pad_value;
                }
            }
    }
}

/* L = Σ_i Σ out_i ∘ R_i after a forward from reset states and a freshly
 * seeded generator (so dropout draws the same masks every time). NAN and
 * a printed message when the forward fails. */
static double gc_loss(ur_model *m, const gc_feed *f, float *const *R, const gc_options *o)
{
    ur_ctx ctx = {0};
    ur_rng rng;
    ur_rng_seed(&rng, o->seed ^ 0x5eedULL);
    ur_model_reset_states(m);
    if (ur_model_forward(m, f->t, o->training, &rng, &ctx) != UR_OK) {
        printf("FAIL: forward: %s\n", ctx.message);
        return NAN;
    }
    double L = 0.0;
    int n_out = ur_graph_n_outputs(ur_model_graph(m));
    for (int i = 0; i < n_out; i++) {
        const ur_tensor *y = ur_model_output(m, i);
        const float *Y = ur_tensor_f32(y);
        int64_t n = ur_tensor_numel(y);
        for (int64_t j = 0; j < n; j++)
            L += (double)Y[j] * R[i][j];
    }
    return L;
}

/* Indices to check in a tensor of n entries: all, or max_entries random ones. */
static int64_t gc_pick(int64_t n, const gc_options *o, ur_rng *rng, int64_t **out)
{
    int64_t *idx = ur_xmalloc((size_t)(n ? n : 1) * sizeof *idx);
    for (int64_t j = 0; j < n; j++)
        idx[j] = j;
    int64_t k = n;
    if (o->max_entries > 0 && n > o->max_entries) {
        ur_rng_shuffle(rng, idx, n);
        k = o->max_entries;
    }
    *out = idx;
    return k;
}

/* Compares analytic gradient a with central differences of value v[j]
 * for the chosen entries; updates res. Returns -1 when a forward failed. */
static int gc_compare(ur_model *m, const gc_feed *f, float *const *R, const gc_options *o,
                      const char *name, float *v, const float *a, int64_t n,
                      const uint8_t *skip, ur_rng *pick_rng, gc_result *res)
{
    int64_t *idx;
    int64_t k = gc_pick(n, o, pick_rng, &idx);
    double worst = -1.0;
    char line[256] = "";
    for (int64_t c = 0; c < k; c++) {
        int64_t j = idx[c];
        if (skip && skip[j])
            continue;
        float v0 = v[j];
        float vp = (float)(v0 + o->eps), vm = (float)(v0 - o->eps);
        v[j] = vp;
        double Lp = gc_loss(m, f, R, o);
        v[j] = vm;
        double Lm = gc_loss(m, f, R, o);
        v[j] = v0;
        if (isnan(Lp) || isnan(Lm)) {
            free(idx);
            return -1;
        }
        double num = (Lp - Lm) / ((double)vp - (double)vm);
        double err = fabs(num - a[j]);
        double allowed = o->atol + o->rtol * fmax(fabs(num), fabs((double)a[j]));
        double ratio = err / allowed;
        res->checked++;
        if (!(ratio <= 1.0)) {
            if (res->failed < 8)
                printf("FAIL: %s[%lld]: analytic %.6g, numeric %.6g (error %.3g, allowed %.3g)\n",
                       name, (long long)j, (double)a[j], num, err, allowed);
            res->failed++;
        }
        if (!(ratio <= worst)) {
            worst = ratio;
            snprintf(line, sizeof line, "%s[%lld] analytic %.6g numeric %.6g", name,
                     (long long)j, (double)a[j], num);
        }
    }
    free(idx);
    if (o->verbose && worst >= 0.0)
        printf("  %s: worst %s (%.3g of the tolerance)\n", name, line, worst);
    if (worst >= 0.0 && !(worst <= res->worst_ratio)) {
        res->worst_ratio = worst;
        memcpy(res->worst, line, sizeof line);
    }
    return 0;
}

int gc_check_model(ur_model *m, const char *what, const gc_options *o, gc_result *res_out)
{
    ur_graph *g = ur_model_graph(m);
    ur_rng rng;
    ur_rng_seed(&rng, o->seed);
    gc_result res = {0};
    int nw = ur_model_n_weights(m);
    if (o->weight_scale > 0.0f)
        for (int i = 0; i < nw; i++) {
            ur_weight_info w;
            ur_model_weight(m, i, &w);
            if (!w.trainable)
                continue;
            for (int64_t j = 0; j < w.numel; j++)
                w.data[j] = o->weight_scale * (float)(2.0 * ur_rng_uniform(&rng) - 1.0);
        }

    gc_feed f;
    gc_feed_make(&f, g, o, &rng);
    int n_out = ur_graph_n_outputs(g);
    float **R = ur_xcalloc((size_t)n_out, sizeof *R);
    ur_tensor *dout = ur_xcalloc((size_t)n_out, sizeof *dout);
    float **wgrad = ur_xcalloc((size_t)(nw ? nw : 1), sizeof *wgrad);
    float **igrad = ur_xcalloc((size_t)(f.n ? f.n : 1), sizeof *igrad);
    int rc = 1;

    /* A first forward fixes the output shapes; R is drawn from them. */
    {
        ur_ctx ctx = {0};
        ur_rng drop;
        ur_rng_seed(&drop, o->seed ^ 0x5eedULL);
        ur_model_reset_states(m);
        if (ur_model_forward(m, f.t, o->training, &drop, &ctx) != UR_OK) {
            printf("FAIL: %s: forward: %s\n", what, ctx.message);
            goto out;
        }
    }
    for (int i = 0; i < n_out; i++) {
        dout[i] = *ur_model_output(m, i);
        int64_t n = ur_tensor_numel(&dout[i]);
        R[i] = ur_xmalloc((size_t)(n ? n : 1) * sizeof(float));
        for (int64_t j = 0; j < n; j++)
            R[i][j] = (float)(2.0 * ur_rng_uniform(&rng) - 1.0);
        dout[i].data = R[i];
    }
    if (isnan(gc_loss(m, &f, R, o)))
        goto out;
    {
        ur_ctx ctx = {0};
        if (ur_model_backward(m, dout, &ctx) != UR_OK) {
            printf("FAIL: %s: backward: %s\n", what, ctx.message);
            goto out;
        }
    }
    /* Keep the analytic gradients: the differences' forwards may reuse memory. */
    for (int i = 0; i < nw; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        if (!w.trainable)
            continue;
        wgrad[i] = ur_xmalloc((size_t)w.numel * sizeof(float));
        memcpy(wgrad[i], w.grad, (size_t)w.numel * sizeof(float));
    }
    for (int i = 0; i < f.n; i++) {
        const ur_tensor *gi = ur_model_input_grad(m, i);
        if (f.t[i].dtype != UR_F32 || !gi || !o->check_inputs)
            continue;
        int64_t n = ur_tensor_numel(&f.t[i]);
        igrad[i] = ur_xmalloc((size_t)n * sizeof(float));
        memcpy(igrad[i], gi->data, (size_t)n * sizeof(float));
    }

    for (int i = 0; i < nw; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        if (!wgrad[i])
            continue;
        if (gc_compare(m, &f, R, o, w.name, w.data, wgrad[i], w.numel, NULL, &rng, &res) < 0)
            goto out;
    }
    for (int i = 0; i < f.n; i++) {
        if (!igrad[i])
            continue;
        char name[96];
        snprintf(name, sizeof name, "input %s", ur_layer_name(ur_graph_input(g, i)));
        if (gc_compare(m, &f, R, o, name, ur_tensor_f32(&f.t[i]), igrad[i],
                       ur_tensor_numel(&f.t[i]), f.padded[i], &rng, &res) < 0)
            goto out;
    }
    if (res.checked == 0) {
        printf("FAIL: %s: no gradient entry was checked\n", what);
        goto out;
    }
    if (res.failed) {
        printf("FAIL: %s: %lld of %lld gradient entries off; worst %s\n", what,
               (long long)res.failed, (long long)res.checked, res.worst);
        goto out;
    }
    if (o->verbose)
        printf("ok: %s: %lld entries, worst %s (%.3g of the tolerance)\n", what,
               (long long)res.checked, res.worst, res.worst_ratio);
    rc = 0;
out:
    for (int i = 0; i < nw; i++)
        free(wgrad[i]);
    for (int i = 0; i < f.n; i++)
        free(igrad[i]);
    for (int i = 0; i < n_out; i++)
        free(R[i]);
    free(wgrad);
    free(igrad);
    free(R);
    free(dout);
    gc_feed_free(&f);
    if (res_out)
        *res_out = res;
    return rc;
}

int gc_check(const char *what, const char *json, const gc_options *o)
{
    ur_model *m = gc_model_from_json(json, o->seed);
    if (!m) {
        printf("FAIL: %s: the model could not be built\n", what);
        return 1;
    }
    int rc = gc_check_model(m, what, o, NULL);
    ur_model_free(m);
    return rc;
}
