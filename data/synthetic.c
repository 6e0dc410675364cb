/* synthetic.c — sequence tasks generated from a seed: the adding problem,
 * noisy sine forecasting and bit parity. Parses "synthetic:NAME?key=value&..."
 * specs; the training set comes from the seed, the validation set from a seed
 * derived from it, so both are the same on every run with that seed. */
#include "datasets.h"
#include "ur-internal.h"

#include <errno.h>
#include <stdio.h>

const char *const ur_synthetic_names[] = {"adding", "sine", "parity", NULL};

/* ---------------------------------------------------------------- options */

typedef struct syn_options {
    int64_t n;          /* training sequences */
    int64_t timesteps;  /* T */
    double val;         /* validation sequences as a fraction of n */
    double noise;       /* sine: standard deviation of the added noise */
} syn_options;

typedef struct syn_option {
    const char *name;
    bool integer;
    double min, max;    /* inclusive */
    size_t offset;      /* into syn_options */
} syn_option;

enum { OPT_N, OPT_TIMESTEPS, OPT_VAL, OPT_NOISE, OPT_COUNT };

static const syn_option syn_option_table[OPT_COUNT] = {
    [OPT_N] = {"n", true, 1, 10000000, offsetof(syn_options, n)},
    [OPT_TIMESTEPS] = {"timesteps", true, 1, 100000, offsetof(syn_options, timesteps)},
    [OPT_VAL] = {"val", false, 0, 1, offsetof(syn_options, val)},
    [OPT_NOISE] = {"noise", false, 0, 10, offsetof(syn_options, noise)},
};

/* ------------------------------------------------------------------ tasks */

/* Fills x (n, T, F) and y (n, 1) from r. */
typedef void (*syn_make_fn)(ur_rng *r, const syn_options *o, int64_t n, float *x, float *y);

typedef struct syn_task {
    const char *name;
    const char *about;           /* for the description */
    int features;                /* F */
    int64_t timesteps;           /* default T */
    int64_t min_timesteps;
    const char *const *options;  /* accepted option names, NULL-terminated */
    syn_make_fn make;
} syn_task;

/* The adding problem (Hochreiter & Schmidhuber 1997), x (n, T, 2):
 *   x[:, t, 0] = u_t ~ U[0, 1)
 *   x[:, t, 1] = 1 at t = a (first half, t < ceil(T/2)) and t = b (second half), else 0
 *   y = u_a + u_b
 * Computed in float, so y equals x[a, 0] + x[b, 0] exactly. */
static void make_adding(ur_rng *r, const syn_options *o, int64_t n, float *x, float *y)
{
    int64_t T = o->timesteps, half = (T + 1) / 2;
    for (int64_t i = 0; i < n; i++) {
        float *xs = x + i * T * 2;
        for (int64_t t = 0; t < T; t++) {
            xs[2 * t] = (float)ur_rng_uniform(r);
            xs[2 * t + 1] = 0.0f;
        }
        int64_t a = (int64_t)ur_rng_below(r, (uint64_t)half);
        int64_t b = half + (int64_t)ur_rng_below(r, (uint64_t)(T - half));
        xs[2 * a + 1] = 1.0f;
        xs[2 * b + 1] = 1.0f;
        y[i] = xs[2 * a] + xs[2 * b];
    }
}

/* Noisy sine forecasting, x (n, T, 1), per sequence w ~ U[0.1, 0.6) rad per
 * step and phase ~ U[0, 2 pi):
 *   x[:, t, 0] = sin(w t + phase) + noise * N(0, 1)    t = 0 .. T-1
 *   y = sin(w T + phase)                               the next clean value */
static void make_sine(ur_rng *r, const syn_options *o, int64_t n, float *x, float *y)
{
    int64_t T = o->timesteps;
    for (int64_t i = 0; i < n; i++) {
        double w = 0.1 + 0.5 * ur_rng_uniform(r);
        double phase = 2.0 * M_PI * ur_rng_uniform(r);
        for (int64_t t = 0; t < T; t++)
            x[i * T + t] = (float)(sin(w * (double)t + phase) + o->noise * ur_rng_normal(r));
        y[i] = (float)sin(w * (double)T + phase);
    }
}

/* Parity, x (n, T, 1): bits b_t ~ {0, 1}; y = (sum_t b_t) mod 2. */
static void make_parity(ur_rng *r, const syn_options *o, int64_t n, float *x, float *y)
{
    int64_t T = o->timesteps;
    for (int64_t i = 0; i < n; i++) {
        int ones = 0;
        for (int64_t t = 0; t < T; t++) {
            int bit = (int)ur_rng_below(r, 2);
            x[i * T + t] = (float)bit;
            ones += bit;
        }
        y[i] = (float)(ones & 1);
    }
}

static const char *const adding_options[] = {"n", "timesteps", "val", NULL};
static const char *const sine_options[] = {"n", "timesteps", "val", "noise", NULL};
static const char *const parity_options[] = {"n", "timesteps", "val", NULL};

/* In the order of ur_synthetic_names. */
static const syn_task syn_tasks[] = {
    {"adding", "the adding problem (Hochreiter & Schmidhuber 1997): add the two marked values",
     2, 50, 2, adding_options, make_adding},
    {"sine", "noisy sine forecasting: predict the next value", 1, 40, 1, sine_options,
     make_sine},
    {"parity", "bit parity: 1 if the count of ones is odd", 1, 12, 1, parity_options,
     make_parity},
};

/* ---------------------------------------------------------------- parsing */

static const char *join_names(const char *const *names, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

static const syn_option *find_option(const char *name)
{
    for (int k = 0; k < OPT_COUNT; k++)
        if (strcmp(syn_option_table[k].name, name) == 0)
            return &syn_option_table[k];
    return NULL;
}

/* Parses one "key=value" (len bytes) into o. */
static ur_status parse_option(const syn_task *task, const char *item, size_t len, syn_options *o,
                              bool *seen, ur_ctx *ctx)
{
    char buf[128], list[128];
    if (len >= sizeof buf)
        return ur_error(ctx, UR_ERR_INVALID, "synthetic:%s: option '%.40s...' is too long",
                        task->name, item);
    memcpy(buf, item, len);
    buf[len] = '\0';
    char *eq = strchr(buf, '=');
    if (eq)
        *eq = '\0';
    const char *key = buf, *value = eq ? eq + 1 : NULL;

    bool accepted = false;
    for (int i = 0; task->options[i]; i++)
        accepted = accepted || strcmp(task->options[i], key) == 0;
    if (!accepted) {
        const char *near = ur_closest(key, task->options);
        char hint[96] = "";
        if (near)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
        return ur_error(ctx, UR_ERR_INVALID, "synthetic:%s: unknown option '%s'%s; %s takes: %s",
                        task->name, key, hint, task->name,
                        join_names(task->options, list, sizeof list));
    }
    const syn_option *opt = find_option(key);
    int k = (int)(opt - syn_option_table);
    if (seen[k])
        return ur_error(ctx, UR_ERR_INVALID, "synthetic:%s: option '%s' is given twice",
                        task->name, key);
    seen[k] = true;
    if (!value || !value[0])
        return ur_error(ctx, UR_ERR_INVALID, "synthetic:%s: option '%s' needs a value (%s=<%s>)",
                        task->name, key, key, opt->integer ? "integer" : "number");

    char *end;
    errno = 0;
    double v;
    if (opt->integer) {
        long long iv = strtoll(value, &end, 10);
        v = (double)iv;
    } else {
        v = strtod(value, &end);
    }
    bool overflow = errno == ERANGE;
    if (*end != '\0' || end == value || (!isfinite(v) && !overflow))
        return ur_error(ctx, UR_ERR_INVALID, "synthetic:%s: option '%s': '%s' is not %s",
                        task->name, key, value, opt->integer ? "an integer" : "a number");
    double min = k == OPT_TIMESTEPS ? (double)task->min_timesteps : opt->min;
    if (overflow || v < min || v > opt->max)
        return ur_error(ctx, UR_ERR_INVALID,
                        "synthetic:%s: option '%s' is %s, expected %.15g to %.15g", task->name, key,
                        value, min, opt->max);
    if (opt->integer)
        *(int64_t *)((char *)o + opt->offset) = (int64_t)v;
    else
        *(double *)((char *)o + opt->offset) = v;
    return UR_OK;
}

/* "synthetic:adding?n=10" (the prefix is optional) into the task and its options. */
static const syn_task *parse_spec(const char *spec, syn_options *o, ur_ctx *ctx)
{
    const char *s = strncmp(spec, "synthetic:", 10) == 0 ? spec + 10 : spec;
    const char *q = strchr(s, '?');
    size_t name_len = q ? (size_t)(q - s) : strlen(s);
    const syn_task *task = NULL;
    for (size_t i = 0; i < UR_ARRAY_LEN(syn_tasks); i++)
        if (strlen(syn_tasks[i].name) == name_len && strncmp(s, syn_tasks[i].name, name_len) == 0)
            task = &syn_tasks[i];
    if (!task) {
        char name[64], hint[96] = "", list[128];
        snprintf(name, sizeof name, "%.*s", (int)UR_MIN(name_len, sizeof name - 1), s);
        const char *near = ur_closest(name, ur_synthetic_names);
        if (near)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
        ur_error(ctx, UR_ERR_INVALID, "unknown synthetic task '%s'%s; the tasks are: %s", name,
                 hint, join_names(ur_synthetic_names, list, sizeof list));
        return NULL;
    }

    *o = (syn_options){.n = 4000, .timesteps = task->timesteps, .val = 0.2, .noise = 0.05};
    bool seen[OPT_COUNT] = {false};
    for (const char *item = q ? q + 1 : NULL; item && *item;) {
        const char *amp = strchr(item, '&');
        size_t len = amp ? (size_t)(amp - item) : strlen(item);
        if (len > 0 && parse_option(task, item, len, o, seen, ctx) != UR_OK)
            return NULL;
        item = amp ? amp + 1 : NULL;
    }
    return task;
}

/* ------------------------------------------------------------- generating */

/* The validation set's seed: a different stream for every seed. */
static uint64_t val_seed(uint64_t seed)
{
    uint64_t z = seed + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static ur_status syn_generate(const syn_task *task, const syn_options *o, int64_t n,
                              uint64_t seed, bool val, ur_data *d, ur_ctx *ctx)
{
    int64_t xdim[3] = {n, o->timesteps, task->features}, ydim[2] = {n, 1};
    ur_array *x = ur_array_new(UR_F32, 3, xdim, val ? "x_val" : "x");
    ur_array *y = ur_array_new(UR_F32, 2, ydim, val ? "y_val" : "y");
    if (!x || !y) {
        ur_array_free(x);
        ur_array_free(y);
        return ur_error(ctx, UR_ERR_NOMEM, "synthetic:%s: out of memory for %lld sequences",
                        task->name, (long long)n);
    }
    ur_rng r;
    ur_rng_seed(&r, seed);
    task->make(&r, o, n, ur_tensor_f32(&x->t), ur_tensor_f32(&y->t));
    d->n_x = d->n_y = 1;
    d->x = ur_xcalloc(1, sizeof *d->x);
    d->y = ur_xcalloc(1, sizeof *d->y);
    d->x[0] = x;
    d->y[0] = y;
    return UR_OK;
}

ur_dataset *ur_dataset_synthetic(const char *spec, uint64_t seed, ur_ctx *ctx)
{
    syn_options o;
    const syn_task *task = parse_spec(spec, &o, ctx);
    if (!task)
        return NULL;
    int64_t n_val = (int64_t)llround(o.val * (double)o.n);
    double values = (double)(o.n + n_val) * (double)o.timesteps * task->features;
    if (values > (double)((int64_t)1 << 30)) {
        ur_error(ctx, UR_ERR_INVALID,
                 "synthetic:%s: %lld sequences of %lld steps are %.3g values, more than 2^30; "
                 "lower n or timesteps",
                 task->name, (long long)(o.n + n_val), (long long)o.timesteps, values);
        return NULL;
    }

    ur_dataset *ds = ur_xcalloc(1, sizeof *ds);
    const char *rest = strncmp(spec, "synthetic:", 10) == 0 ? spec + 10 : spec;
    size_t name_len = strlen(rest) + 11;
    ds->name = ur_xmalloc(name_len);
    snprintf(ds->name, name_len, "synthetic:%s", rest);
    ds->x_names = ur_xcalloc(2, sizeof *ds->x_names);
    char desc[512];
    int len = snprintf(desc, sizeof desc,
                       "%s; %lld training and %lld validation sequences, x (N, %lld, %d), "
                       "y (N, 1); seed %llu",
                       task->about, (long long)o.n, (long long)n_val, (long long)o.timesteps,
                       task->features, (unsigned long long)seed);
    if (task->make == make_sine && len > 0 && (size_t)len < sizeof desc)
        snprintf(desc + len, sizeof desc - (size_t)len, ", noise %g", o.noise);
    ds->description = ur_xstrdup(desc);

    ur_status st = syn_generate(task, &o, o.n, seed, false, &ds->train, ctx);
    if (st == UR_OK && n_val > 0)
        st = syn_generate(task, &o, n_val, val_seed(seed), true, &ds->val, ctx);
    if (st != UR_OK) {
        ur_dataset_free(ds);
        return NULL;
    }
    return ds;
}
