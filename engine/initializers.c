/* initializers.c — Keras 3 weight initializers: their names and parameters
 * (parsing from and writing to JSON values) and the fill routines, including
 * the orthogonal initializer's own Householder QR. Nothing here knows about
 * layers; ur_model_init_weights calls ur_init_fill once per weight. */
#include "ur-internal.h"

#include <stdio.h>
#include <strings.h>

const char *const ur_init_names[] = {
    [UR_INIT_ZEROS] = "zeros",
    [UR_INIT_ONES] = "ones",
    [UR_INIT_CONSTANT] = "constant",
    [UR_INIT_RANDOM_NORMAL] = "random_normal",
    [UR_INIT_RANDOM_UNIFORM] = "random_uniform",
    [UR_INIT_TRUNCATED_NORMAL] = "truncated_normal",
    [UR_INIT_GLOROT_UNIFORM] = "glorot_uniform",
    [UR_INIT_GLOROT_NORMAL] = "glorot_normal",
    [UR_INIT_HE_UNIFORM] = "he_uniform",
    [UR_INIT_HE_NORMAL] = "he_normal",
    [UR_INIT_LECUN_UNIFORM] = "lecun_uniform",
    [UR_INIT_LECUN_NORMAL] = "lecun_normal",
    [UR_INIT_ORTHOGONAL] = "orthogonal",
    [UR_INIT_IDENTITY] = "identity",
    [UR_INIT_COUNT] = NULL,
};

/* Every name Keras's initializers.get() accepts for a kind we have: the
 * class name, its snake_case form and the aliases (keras/src/initializers/
 * __init__.py). Lookup is case-sensitive, as in Keras. */
static const struct {
    const char *name;
    ur_init_kind kind;
} init_aliases[] = {
    {"zeros", UR_INIT_ZEROS}, {"Zeros", UR_INIT_ZEROS}, {"zero", UR_INIT_ZEROS},
    {"ones", UR_INIT_ONES}, {"Ones", UR_INIT_ONES}, {"one", UR_INIT_ONES},
    {"constant", UR_INIT_CONSTANT}, {"Constant", UR_INIT_CONSTANT},
    {"random_normal", UR_INIT_RANDOM_NORMAL}, {"RandomNormal", UR_INIT_RANDOM_NORMAL},
    {"normal", UR_INIT_RANDOM_NORMAL},
    {"random_uniform", UR_INIT_RANDOM_UNIFORM}, {"RandomUniform", UR_INIT_RANDOM_UNIFORM},
    {"uniform", UR_INIT_RANDOM_UNIFORM},
    {"truncated_normal", UR_INIT_TRUNCATED_NORMAL},
    {"TruncatedNormal", UR_INIT_TRUNCATED_NORMAL},
    {"glorot_uniform", UR_INIT_GLOROT_UNIFORM}, {"GlorotUniform", UR_INIT_GLOROT_UNIFORM},
    {"glorot_normal", UR_INIT_GLOROT_NORMAL}, {"GlorotNormal", UR_INIT_GLOROT_NORMAL},
    {"he_uniform", UR_INIT_HE_UNIFORM}, {"HeUniform", UR_INIT_HE_UNIFORM},
    {"he_normal", UR_INIT_HE_NORMAL}, {"HeNormal", UR_INIT_HE_NORMAL},
    {"lecun_uniform", UR_INIT_LECUN_UNIFORM}, {"LecunUniform", UR_INIT_LECUN_UNIFORM},
    {"lecun_normal", UR_INIT_LECUN_NORMAL}, {"LecunNormal", UR_INIT_LECUN_NORMAL},
    {"orthogonal", UR_INIT_ORTHOGONAL}, {"Orthogonal", UR_INIT_ORTHOGONAL},
    {"OrthogonalInitializer", UR_INIT_ORTHOGONAL},
    {"orthogonal_initializer", UR_INIT_ORTHOGONAL},
    {"identity", UR_INIT_IDENTITY}, {"Identity", UR_INIT_IDENTITY},
};

/* Names offered in "did you mean" suggestions (the snake_case ones, plus
 * VarianceScaling, which maps onto the kinds above). */
static const char *const suggest_names[] = {
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "identity", "variance_scaling",
    "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
    "LecunNormal", "Orthogonal", "Identity", "VarianceScaling", NULL,
};

/* The numeric parameters of each kind, Keras names, in Keras order. */
typedef struct init_param {
    const char *key;
    size_t offset;  /* into ur_init */
} init_param;

#define P(field) {#field, offsetof(ur_init, field)}
static const init_param params_constant[] = {P(value), {NULL, 0}};
static const init_param params_normal[] = {P(mean), P(stddev), {NULL, 0}};
static const init_param params_uniform[] = {P(minval), P(maxval), {NULL, 0}};
static const init_param params_gain[] = {P(gain), {NULL, 0}};
static const init_param params_none[] = {{NULL, 0}};
#undef P

static const init_param *kind_params(ur_init_kind k)
{
    switch (k) {
    case UR_INIT_CONSTANT: return params_constant;
    case UR_INIT_RANDOM_NORMAL:
    case UR_INIT_TRUNCATED_NORMAL: return params_normal;
    case UR_INIT_RANDOM_UNIFORM: return params_uniform;
    case UR_INIT_ORTHOGONAL:
    case UR_INIT_IDENTITY: return params_gain;
    default: return params_none;
    }
}

/* Random kinds take a "seed" in Keras configs; we accept and ignore it (one
 * generator per run seeds everything). */
static bool kind_is_random(ur_init_kind k)
{
    return k >= UR_INIT_RANDOM_NORMAL && k <= UR_INIT_ORTHOGONAL;
}

static double *param_ptr(ur_init *init, const init_param *p)
{
    return (double *)((char *)init + p->offset);
}

void ur_init_default(ur_init_kind kind, ur_init *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->value = 0.0;            /* Constant(value=0.0) */
    out->mean = 0.0;
    out->stddev = 0.05;          /* RandomNormal, TruncatedNormal */
    out->minval = -0.05;
    out->maxval = 0.05;          /* RandomUniform */
    out->gain = 1.0;             /* Orthogonal, Identity */
}

static bool lookup_name(const char *name, ur_init_kind *kind)
{
    for (size_t i = 0; i < UR_ARRAY_LEN(init_aliases); i++)
        if (strcmp(name, init_aliases[i].name) == 0) {
            *kind = init_aliases[i].kind;
            return true;
        }
    return false;
}

static bool is_variance_scaling(const char *name)
{
    return strcmp(name, "VarianceScaling") == 0 || strcmp(name, "variance_scaling") == 0;
}

static ur_status unknown_name(const char *name, const char *what, ur_ctx *ctx)
{
    const char *near = ur_closest(name, suggest_names);
    if (near)
        return ur_error(ctx, UR_ERR_INVALID, "%s: unknown initializer '%s' (did you mean '%s'?)",
                        what, name, near);
    return ur_error(ctx, UR_ERR_INVALID,
                    "%s: unknown initializer '%s'; expected one of zeros, ones, constant, "
                    "random_normal, random_uniform, truncated_normal, glorot_uniform, "
                    "glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, "
                    "orthogonal, identity",
                    what, name);
}

/* Reads parameter `key` = v into out (a number), or fails. */
static ur_status read_number(const ur_value *v, const char *key, double *out, const char *what,
                             ur_ctx *ctx)
{
    if (v->type != UR_VALUE_NUMBER)
        return ur_error(ctx, UR_ERR_INVALID, "%s: '%s' must be a number, not %s", what, key,
                        ur_value_type_name(v->type));
    *out = v->u.num;
    return UR_OK;
}

/* Applies the parameters in obj (skipping the keys in `skip`) to out. */
static ur_status read_params(const ur_value *obj, const char *const *skip, ur_init *out,
                             const char *what, ur_ctx *ctx)
{
    const init_param *params = kind_params(out->kind);
    const char *name = ur_init_names[out->kind];
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        const char *key = obj->u.obj.keys[i];
        const ur_value *val = obj->u.obj.vals[i];
        bool skipped = false;
        for (int s = 0; skip[s]; s++)
            skipped |= strcmp(key, skip[s]) == 0;
        if (skipped)
            continue;
        if (strcmp(key, "seed") == 0 && kind_is_random(out->kind)) {
            if (val->type != UR_VALUE_NULL && val->type != UR_VALUE_NUMBER)
                return ur_error(ctx, UR_ERR_INVALID,
                                "%s: 'seed' must be a number or null, not %s", what,
                                ur_value_type_name(val->type));
            continue;
        }
        const init_param *found = NULL;
        const char *cands[8];
        int nc = 0;
        for (const init_param *p = params; p->key; p++) {
            cands[nc++] = p->key;
            if (strcmp(p->key, key) == 0)
                found = p;
        }
        if (!found) {
            if (kind_is_random(out->kind))
                cands[nc++] = "seed";
            cands[nc] = NULL;
            const char *near = ur_closest(key, cands);
            if (near)
                return ur_error(ctx, UR_ERR_INVALID,
                                "%s: %s has no parameter '%s' (did you mean '%s'?)", what, name,
                                key, near);
            if (nc == 0)
                return ur_error(ctx, UR_ERR_INVALID, "%s: %s takes no parameters (got '%s')",
                                what, name, key);
            return ur_error(ctx, UR_ERR_INVALID, "%s: %s has no parameter '%s'", what, name, key);
        }
        ur_status st = read_number(val, key, param_ptr(out, found), what, ctx);
        if (st != UR_OK)
            return st;
    }
    return UR_OK;
}

/* Keras's VarianceScaling(scale, mode, distribution) maps onto one of our
 * kinds when it is one of the six named variants (GlorotUniform is
 * VarianceScaling(1, "fan_avg", "uniform"), and so on). */
static ur_status read_variance_scaling(const ur_value *config, ur_init *out, const char *what,
                                       ur_ctx *ctx)
{
    double scale = 1.0;
    const char *mode = "fan_in", *dist = "truncated_normal";
    for (size_t i = 0; config && i < config->u.obj.n; i++) {
        const char *key = config->u.obj.keys[i];
        const ur_value *val = config->u.obj.vals[i];
        if (strcmp(key, "scale") == 0) {
            ur_status st = read_number(val, key, &scale, what, ctx);
            if (st != UR_OK)
                return st;
        } else if (strcmp(key, "mode") == 0 || strcmp(key, "distribution") == 0) {
            if (val->type != UR_VALUE_STRING)
                return ur_error(ctx, UR_ERR_INVALID, "%s: '%s' must be a string, not %s", what,
                                key, ur_value_type_name(val->type));
            if (key[0] == 'm')
                mode = val->u.str;
            else
                dist = val->u.str;
        } else if (strcmp(key, "seed") == 0) {
            if (val->type != UR_VALUE_NULL && val->type != UR_VALUE_NUMBER)
                return ur_error(ctx, UR_ERR_INVALID,
                                "%s: 'seed' must be a number or null, not %s", what,
                                ur_value_type_name(val->type));
        } else {
            return ur_error(ctx, UR_ERR_INVALID, "%s: VarianceScaling has no parameter '%s'",
                            what, key);
        }
    }
    bool uniform;
    if (strcasecmp(dist, "uniform") == 0)
        uniform = true;
    else if (strcasecmp(dist, "truncated_normal") == 0 || strcasecmp(dist, "normal") == 0)
        uniform = false;
    else
        return ur_error(ctx, UR_ERR_UNSUPPORTED,
                        "%s: VarianceScaling distribution '%s' is not supported "
                        "(use 'uniform' or 'truncated_normal')",
                        what, dist);
    ur_init_kind kind;
    if (scale == 1.0 && strcmp(mode, "fan_avg") == 0)
        kind = uniform ? UR_INIT_GLOROT_UNIFORM : UR_INIT_GLOROT_NORMAL;
    else if (scale == 2.0 && strcmp(mode, "fan_in") == 0)
        kind = uniform ? UR_INIT_HE_UNIFORM : UR_INIT_HE_NORMAL;
    else if (scale == 1.0 && strcmp(mode, "fan_in") == 0)
        kind = uniform ? UR_INIT_LECUN_UNIFORM : UR_INIT_LECUN_NORMAL;
    else
        return ur_error(ctx, UR_ERR_UNSUPPORTED,
                        "%s: VarianceScaling(scale=%g, mode='%s', distribution='%s') is not "
                        "supported; the glorot, he and lecun variants are",
                        what, scale, mode, dist);
    ur_init_default(kind, out);
    return UR_OK;
}

/* Accepts the three forms:
 *   "glorot_uniform"                                        (any Keras name)
 *   {"class_name": "Constant", "config": {"value": 1}}      (Keras serialised)
 *   {"name": "constant", "value": 1}                        (compact) */
ur_status ur_init_from_value(const ur_value *v, ur_init *out, const char *what, ur_ctx *ctx)
{
    if (!what)
        what = "initializer";
    if (!v)
        return ur_error(ctx, UR_ERR_INVALID, "%s: missing initializer", what);
    if (v->type == UR_VALUE_STRING) {
        ur_init_kind kind;
        if (is_variance_scaling(v->u.str))
            return read_variance_scaling(NULL, out, what, ctx);
        if (!lookup_name(v->u.str, &kind))
            return unknown_name(v->u.str, what, ctx);
        ur_init_default(kind, out);
        return UR_OK;
    }
    if (v->type != UR_VALUE_OBJECT)
        return ur_error(ctx, UR_ERR_INVALID,
                        "%s: an initializer is a name or an object, not %s", what,
                        ur_value_type_name(v->type));

    const ur_value *class_name = ur_value_get(v, "class_name");
    const ur_value *name = ur_value_get(v, "name");
    const ur_value *key_value = class_name ? class_name : name;
    if (!key_value)
        return ur_error(ctx, UR_ERR_INVALID,
                        "%s: an initializer object needs \"class_name\" (Keras form) or "
                        "\"name\" (compact form)",
                        what);
    if (key_value->type != UR_VALUE_STRING)
        return ur_error(ctx, UR_ERR_INVALID, "%s: \"%s\" must be a string, not %s", what,
                        class_name ? "class_name" : "name", ur_value_type_name(key_value->type));

    ur_init tmp;
    ur_init_kind kind;
    const char *kname = key_value->u.str;
    if (class_name) {
        /* Keras form: parameters under "config"; module and registered_name
         * come with Keras 3 files and carry nothing we need. */
        const ur_value *config = ur_value_get(v, "config");
        for (size_t i = 0; i < v->u.obj.n; i++) {
            const char *k = v->u.obj.keys[i];
            if (strcmp(k, "class_name") && strcmp(k, "config") && strcmp(k, "module") &&
                strcmp(k, "registered_name"))
                return ur_error(ctx, UR_ERR_INVALID,
                                "%s: unexpected key '%s' beside \"class_name\" (parameters "
                                "go under \"config\")",
                                what, k);
        }
        if (config && config->type == UR_VALUE_NULL)
            config = NULL;
        if (config && config->type != UR_VALUE_OBJECT)
            return ur_error(ctx, UR_ERR_INVALID, "%s: \"config\" must be an object, not %s",
                            what, ur_value_type_name(config->type));
        if (is_variance_scaling(kname))
            return read_variance_scaling(config, out, what, ctx);
        if (!lookup_name(kname, &kind))
            return unknown_name(kname, what, ctx);
        ur_init_default(kind, &tmp);
        static const char *const none[] = {NULL};
        if (config) {
            ur_status st = read_params(config, none, &tmp, what, ctx);
            if (st != UR_OK)
                return st;
        }
    } else {
        static const char *const skip[] = {"name", NULL};
        if (is_variance_scaling(kname)) {
            /* compact VarianceScaling: the parameters sit beside "name" */
            ur_value *config = ur_value_copy(v);
            ur_value_remove(config, "name");
            ur_status st = read_variance_scaling(config, out, what, ctx);
            ur_value_free(config);
            return st;
        }
        if (!lookup_name(kname, &kind))
            return unknown_name(kname, what, ctx);
        ur_init_default(kind, &tmp);
        ur_status st = read_params(v, skip, &tmp, what, ctx);
        if (st != UR_OK)
            return st;
    }
    *out = tmp;
    return UR_OK;
}

ur_value *ur_init_to_value(const ur_init *init)
{
    ur_init def;
    ur_init_default(init->kind, &def);
    const init_param *params = kind_params(init->kind);
    bool all_default = true;
    for (const init_param *p = params; p->key; p++)
        all_default &= *param_ptr((ur_init *)init, p) == *param_ptr(&def, p);
    if (all_default)
        return ur_value_new_string(ur_init_names[init->kind]);
    ur_value *obj = ur_value_new_object();
    ur_value_set(obj, "name", ur_value_new_string(ur_init_names[init->kind]));
    for (const init_param *p = params; p->key; p++)
        ur_value_set(obj, p->key, ur_value_new_number(*param_ptr((ur_init *)init, p)));
    return obj;
}

/* ------------------------------------------------------------------ fills */

/* keras.initializers compute_fans: rank 0 -> (1, 1); rank 1 -> (d0, d0);
 * rank 2 -> (d0, d1); higher: rf = prod(dims[:-2]), (d[-2] rf, d[-1] rf). */
static void compute_fans(int rank, const int64_t *dim, double *fan_in, double *fan_out)
{
    if (rank < 1) {
        *fan_in = *fan_out = 1.0;
    } else if (rank == 1) {
        *fan_in = *fan_out = (double)dim[0];
    } else if (rank == 2) {
        *fan_in = (double)dim[0];
        *fan_out = (double)dim[1];
    } else {
        double rf = 1.0;
        for (int i = 0; i < rank - 2; i++)
            rf *= (double)dim[i];
        *fan_in = (double)dim[rank - 2] * rf;
        *fan_out = (double)dim[rank - 1] * rf;
    }
}

/* N(0, 1) redrawn while |z| > 2: the TruncatedNormal of every Keras backend. */
static double truncated_std_normal(ur_rng *rng)
{
    double z;
    do
        z = ur_rng_normal(rng);
    while (fabs(z) > 2.0);
    return z;
}

static void fill_uniform(float *w, int64_t n, double lo, double hi, ur_rng *rng)
{
    for (int64_t i = 0; i < n; i++)
        w[i] = (float)(lo + (hi - lo) * ur_rng_uniform(rng));
}

static void fill_truncated(float *w, int64_t n, double mean, double stddev, ur_rng *rng)
{
    for (int64_t i = 0; i < n; i++)
        w[i] = (float)(mean + stddev * truncated_std_normal(rng));
}

/* The 2-D view Keras's Orthogonal and our Identity use:
 * r = prod(shape[:-1]), c = shape[-1] (rank 0 -> 1 x 1, rank 1 -> 1 x d0). */
static void flat_2d(int rank, const int64_t *dim, int64_t *r, int64_t *c)
{
    *r = 1;
    for (int i = 0; i < rank - 1; i++)
        *r *= dim[i];
    *c = rank >= 1 ? dim[rank - 1] : 1;
}

/* col <- (I - tau v v^T) col over len entries: one Householder reflection. */
static void reflect(const double *restrict v, double tau, int64_t len, double *restrict col)
{
    double dot = 0.0;
    for (int64_t i = 0; i < len; i++)
        dot += v[i] * col[i];
    dot *= tau;
    for (int64_t i = 0; i < len; i++)
        col[i] -= dot * v[i];
}

/* Orthogonal (Keras 3, random_initializers.py):
 *   A ~ N(0, 1) of shape (m, n) = (max(r, c), min(r, c)), drawn row-major;
 *   A = Q R (Householder, in double), Q: (m, n) with orthonormal columns;
 *   Q <- Q diag(sign(diag(R)))  (makes the factorisation unique);
 *   W = gain * (r >= c ? Q : Q^T), reshaped to the weight's shape.
 * So a (u, 4u) recurrent kernel gets orthonormal rows over its whole width.
 * Keras raises for rank < 2; here such shapes take the 2-D view above (a
 * vector becomes one unit-norm row). Keras's sign(0) = 0 would zero a column
 * in the measure-zero case of an exactly zero diagonal; we keep the sign +1. */
static void fill_orthogonal(float *w, int rank, const int64_t *dim, double gain, ur_rng *rng)
{
    int64_t r, c;
    flat_2d(rank, dim, &r, &c);
    if (r <= 0 || c <= 0)
        return;
    int64_t m = UR_MAX(r, c), n = UR_MIN(r, c);
    /* Column-major storage: column j is a[j*m .. j*m + m). Householder
     * vectors end up below the diagonal, R on and above it. */
    double *a = ur_xmalloc((size_t)(m * n) * sizeof(double));
    double *q = ur_xmalloc((size_t)(m * n) * sizeof(double));
    double *tau = ur_xmalloc((size_t)n * sizeof(double));
    double *diag = ur_xmalloc((size_t)n * sizeof(double));
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            a[j * m + i] = ur_rng_normal(rng);

    /* Householder: H_k = I - tau_k v_k v_k^T with v_k[k] = 1, chosen so that
     * H_k zeroes column k below the diagonal; R_kk = beta. */
    for (int64_t k = 0; k < n; k++) {
        double *x = a + k * m + k;
        int64_t len = m - k;
        double norm2 = 0.0;
        for (int64_t i = 0; i < len; i++)
            norm2 += x[i] * x[i];
        double alpha = x[0], norm = sqrt(norm2);
        if (norm == 0.0) {
            tau[k] = 0.0;
            diag[k] = 0.0;
            continue;
        }
        double beta = alpha >= 0 ? -norm : norm;
        double v0 = alpha - beta;
        tau[k] = (beta - alpha) / beta;
        diag[k] = beta;
        x[0] = 1.0;
        for (int64_t i = 1; i < len; i++)
            x[i] /= v0;
        for (int64_t j = k + 1; j < n; j++)
            reflect(x, tau[k], len, a + j * m + k);
    }

    /* Q = H_0 H_1 ... H_{n-1} [I_n; 0], applied from the last reflector on;
     * H_k touches rows k.. and only columns j >= k are non-zero there. */
    memset(q, 0, (size_t)(m * n) * sizeof(double));
    for (int64_t j = 0; j < n; j++)
        q[j * m + j] = 1.0;
    for (int64_t k = n - 1; k >= 0; k--) {
        const double *v = a + k * m + k;
        int64_t len = m - k;
        if (tau[k] == 0.0)
            continue;
        for (int64_t j = k; j < n; j++)
            reflect(v, tau[k], len, q + j * m + k);
    }

    for (int64_t j = 0; j < n; j++) {
        double s = (diag[j] < 0 ? -1.0 : 1.0) * gain;
        for (int64_t i = 0; i < m; i++)
            q[j * m + i] *= s;
    }
    if (r >= c) {
        /* W (r x c) = Q (m = r, n = c) */
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++)
                w[i * c + j] = (float)q[j * m + i];
    } else {
        /* W (r x c) = Q^T, Q is (m = c, n = r): W[i][j] = Q[j][i] */
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++)
                w[i * c + j] = (float)q[i * m + j];
    }
    free(a);
    free(q);
    free(tau);
    free(diag);
}

/* Fills w (row-major, shape dim[0..rank)) as Keras 3 would, drawing from rng:
 *   zeros/ones/constant: the value
 *   random_normal:    mean + stddev N(0, 1)
 *   random_uniform:   U[minval, maxval)
 *   truncated_normal: mean + stddev z, z ~ N(0, 1) redrawn while |z| > 2
 *   VarianceScaling kinds, s = scale / max(1, n):
 *     glorot: scale 1, n = (fan_in + fan_out) / 2; he: scale 2, n = fan_in;
 *     lecun: scale 1, n = fan_in;
 *     *_uniform: U[-sqrt(3 s), sqrt(3 s));
 *     *_normal: truncated normal, stddev sqrt(s) / 0.87962566103423978
 *   orthogonal: see fill_orthogonal
 *   identity: gain * eye(r, c) on the 2-D view (Keras allows rank 2 only). */
void ur_init_fill(const ur_init *init, float *w, int rank, const int64_t *dim, ur_rng *rng)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dim[i];
    if (n <= 0)
        return;
    double fan_in, fan_out;
    compute_fans(rank, dim, &fan_in, &fan_out);
    double scale = 0.0;
    bool uniform = false;
    switch (init->kind) {
    case UR_INIT_ZEROS:
        memset(w, 0, (size_t)n * sizeof(float));
        return;
    case UR_INIT_ONES:
    case UR_INIT_CONSTANT: {
        float val = init->kind == UR_INIT_ONES ? 1.0f : (float)init->value;
        for (int64_t i = 0; i < n; i++)
            w[i] = val;
        return;
    }
    case UR_INIT_RANDOM_NORMAL:
        for (int64_t i = 0; i < n; i++)
            w[i] = (float)(init->mean + init->stddev * ur_rng_normal(rng));
        return;
    case UR_INIT_RANDOM_UNIFORM:
        fill_uniform(w, n, init->minval, init->maxval, rng);
        return;
    case UR_INIT_TRUNCATED_NORMAL:
        fill_truncated(w, n, init->mean, init->stddev, rng);
        return;
    case UR_INIT_GLOROT_UNIFORM:
    case UR_INIT_GLOROT_NORMAL:
        scale = 1.0 / UR_MAX(1.0, (fan_in + fan_out) / 2.0);
        uniform = init->kind == UR_INIT_GLOROT_UNIFORM;
        break;
    case UR_INIT_HE_UNIFORM:
    case UR_INIT_HE_NORMAL:
        scale = 2.0 / UR_MAX(1.0, fan_in);
        uniform = init->kind == UR_INIT_HE_UNIFORM;
        break;
    case UR_INIT_LECUN_UNIFORM:
    case UR_INIT_LECUN_NORMAL:
        scale = 1.0 / UR_MAX(1.0, fan_in);
        uniform = init->kind == UR_INIT_LECUN_UNIFORM;
        break;
    case UR_INIT_ORTHOGONAL:
        fill_orthogonal(w, rank, dim, init->gain, rng);
        return;
    case UR_INIT_IDENTITY: {
        int64_t r, c;
        flat_2d(rank, dim, &r, &c);
        memset(w, 0, (size_t)n * sizeof(float));
        for (int64_t i = 0; i < UR_MIN(r, c); i++)
            w[i * c + i] = (float)init->gain;
        return;
    }
    case UR_INIT_COUNT:
        UR_ASSERT(!"bad initializer kind");
    }
    if (uniform) {
        double limit = sqrt(3.0 * scale);
        fill_uniform(w, n, -limit, limit, rng);
    } else {
        fill_truncated(w, n, 0.0, sqrt(scale) / 0.87962566103423978, rng);
    }
}
