/* test-initializers.c — the initializers: Keras names and the three JSON
 * forms (with their errors), the compact form back, and the fills: value
 * statistics and limits per kind, fans for every rank, orthogonality
 * (W W^T or W^T W = I), the sign fix of the QR, identity, determinism. */
#include "check.h"

#include <stdarg.h>

/* ------------------------------------------------------- building values */

static ur_value *str(const char *s) { return ur_value_new_string(s); }
static ur_value *num(double x) { return ur_value_new_number(x); }

/* An object from key/value pairs, NULL-terminated. */
static ur_value *obj(const char *key, ...)
{
    ur_value *o = ur_value_new_object();
    va_list ap;
    va_start(ap, key);
    for (const char *k = key; k; k = va_arg(ap, const char *))
        ur_value_set(o, k, va_arg(ap, ur_value *));
    va_end(ap);
    return o;
}

/* Parses v (freed) and returns the status; the result in *out. */
static ur_status parse(ur_value *v, ur_init *out, ur_ctx *ctx)
{
    ur_ctx_clear(ctx);
    ur_status st = ur_init_from_value(v, out, "kernel_initializer", ctx);
    ur_value_free(v);
    return st;
}

static void test_parse(void)
{
    ur_init in;
    ur_ctx ctx;
    static const struct {
        const char *name;
        ur_init_kind kind;
    } names[] = {
        {"glorot_uniform", UR_INIT_GLOROT_UNIFORM}, {"GlorotUniform", UR_INIT_GLOROT_UNIFORM},
        {"zeros", UR_INIT_ZEROS}, {"zero", UR_INIT_ZEROS}, {"Ones", UR_INIT_ONES},
        {"one", UR_INIT_ONES}, {"normal", UR_INIT_RANDOM_NORMAL},
        {"uniform", UR_INIT_RANDOM_UNIFORM}, {"TruncatedNormal", UR_INIT_TRUNCATED_NORMAL},
        {"he_normal", UR_INIT_HE_NORMAL}, {"LecunUniform", UR_INIT_LECUN_UNIFORM},
        {"orthogonal", UR_INIT_ORTHOGONAL}, {"Orthogonal", UR_INIT_ORTHOGONAL},
        {"OrthogonalInitializer", UR_INIT_ORTHOGONAL}, {"identity", UR_INIT_IDENTITY},
        {"VarianceScaling", UR_INIT_LECUN_NORMAL}, /* Keras's defaults: 1, fan_in, normal */
    };
    for (size_t i = 0; i < UR_ARRAY_LEN(names); i++)
        CHECK(parse(str(names[i].name), &in, &ctx) == UR_OK && in.kind == names[i].kind,
              "'%s': %s", names[i].name, ctx.message);
    for (int k = 0; k < UR_INIT_COUNT; k++)
        CHECK(parse(str(ur_init_names[k]), &in, &ctx) == UR_OK && (int)in.kind == k,
              "ur_init_names[%d] does not parse", k);
    CHECK(ur_init_names[UR_INIT_COUNT] == NULL, "names not NULL-terminated");

    /* Keras's serialised form, as Keras 3 writes it */
    CHECK(parse(obj("module", str("keras.initializers"), "class_name", str("Constant"),
                    "config", obj("value", num(0.5), NULL), "registered_name",
                    ur_value_new_null(), NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_CONSTANT && in.value == 0.5,
          "Keras Constant: %s", ctx.message);
    CHECK(parse(obj("class_name", str("RandomNormal"), "config",
                    obj("mean", num(1), "stddev", num(2), "seed", ur_value_new_null(), NULL),
                    NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_RANDOM_NORMAL && in.mean == 1 && in.stddev == 2,
          "Keras RandomNormal: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Orthogonal"), "config",
                    obj("gain", num(2), "seed", num(7), NULL), NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_ORTHOGONAL && in.gain == 2,
          "Keras Orthogonal: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Zeros"), "config", obj(NULL), NULL), &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_ZEROS,
          "Keras Zeros: %s", ctx.message);
    CHECK(parse(obj("class_name", str("VarianceScaling"), "config",
                    obj("scale", num(2), "mode", str("fan_in"), "distribution", str("uniform"),
                        "seed", ur_value_new_null(), NULL),
                    NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_HE_UNIFORM,
          "VarianceScaling he_uniform: %s", ctx.message);
    CHECK(parse(obj("class_name", str("VarianceScaling"), "config",
                    obj("scale", num(1), "mode", str("fan_avg"), "distribution",
                        str("truncated_normal"), NULL),
                    NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_GLOROT_NORMAL,
          "VarianceScaling glorot_normal: %s", ctx.message);
    CHECK(parse(obj("class_name", str("VarianceScaling"), "config",
                    obj("scale", num(0.1), "mode", str("fan_out"), NULL), NULL),
                &in, &ctx) == UR_ERR_UNSUPPORTED &&
              strstr(ctx.message, "kernel_initializer") && strstr(ctx.message, "fan_out"),
          "unsupported VarianceScaling: %s", ctx.message);

    /* the compact form */
    CHECK(parse(obj("name", str("constant"), "value", num(-1.5), NULL), &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_CONSTANT && in.value == -1.5,
          "compact constant: %s", ctx.message);
    CHECK(parse(obj("name", str("random_uniform"), "minval", num(-1), "maxval", num(2), NULL),
                &in, &ctx) == UR_OK &&
              in.kind == UR_INIT_RANDOM_UNIFORM && in.minval == -1 && in.maxval == 2,
          "compact random_uniform: %s", ctx.message);
    CHECK(parse(obj("name", str("truncated_normal"), "stddev", num(0.2), NULL), &in, &ctx) ==
                  UR_OK &&
              in.stddev == 0.2 && in.mean == 0,
          "compact truncated_normal keeps the default mean: %s", ctx.message);

    /* errors: what, where, and the closest valid name */
    CHECK(parse(str("glorot_unifrom"), &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "kernel_initializer") &&
              strstr(ctx.message, "did you mean 'glorot_uniform'"),
          "typo: %s", ctx.message);
    CHECK(parse(str("xavier"), &in, &ctx) == UR_ERR_INVALID && strstr(ctx.message, "'xavier'") &&
              strstr(ctx.message, "orthogonal"),
          "unknown: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Constnat"), NULL), &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "'Constant'"),
          "class typo: %s", ctx.message);
    CHECK(parse(obj("name", str("constant"), "valeu", num(1), NULL), &in, &ctx) ==
                  UR_ERR_INVALID &&
              strstr(ctx.message, "did you mean 'value'"),
          "parameter typo: %s", ctx.message);
    CHECK(parse(obj("name", str("constant"), "value", str("one"), NULL), &in, &ctx) ==
                  UR_ERR_INVALID &&
              strstr(ctx.message, "'value' must be a number, not a string"),
          "parameter type: %s", ctx.message);
    CHECK(parse(obj("class_name", str("RandomNormal"), "config",
                    obj("stddev", ur_value_new_bool(true), NULL), NULL),
                &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "'stddev' must be a number"),
          "config type: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Zeros"), "config", obj("seed", num(1), NULL), NULL), &in,
                &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "zeros takes no parameters"),
          "zeros with a parameter: %s", ctx.message);
    CHECK(parse(obj("class_name", str("GlorotUniform"), "config",
                    obj("seed", str("x"), NULL), NULL),
                &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "'seed'"),
          "bad seed: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Constant"), "value", num(1), NULL), &in, &ctx) ==
                  UR_ERR_INVALID &&
              strstr(ctx.message, "\"config\""),
          "parameter beside class_name: %s", ctx.message);
    CHECK(parse(obj("class_name", str("Constant"), "config", num(3), NULL), &in, &ctx) ==
                  UR_ERR_INVALID &&
              strstr(ctx.message, "\"config\" must be an object"),
          "config not an object: %s", ctx.message);
    CHECK(parse(obj("class_name", num(5), NULL), &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "\"class_name\" must be a string"),
          "class_name type: %s", ctx.message);
    CHECK(parse(obj("value", num(1), NULL), &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "\"class_name\"") && strstr(ctx.message, "\"name\""),
          "no name: %s", ctx.message);
    CHECK(parse(num(3), &in, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "name or an object, not a number"),
          "number: %s", ctx.message);
    /* a failed parse leaves *out alone */
    ur_init keep;
    ur_init_default(UR_INIT_ONES, &keep);
    in = keep;
    parse(obj("name", str("constant"), "value", num(2), "bad", num(1), NULL), &in, &ctx);
    CHECK(in.kind == UR_INIT_ONES, "failed parse changed the result");
}

static void test_to_value(void)
{
    ur_init in;
    ur_init_default(UR_INIT_GLOROT_UNIFORM, &in);
    ur_value *v = ur_init_to_value(&in);
    CHECK(v->type == UR_VALUE_STRING && strcmp(v->u.str, "glorot_uniform") == 0,
          "default as a string");
    ur_value_free(v);
    ur_init_default(UR_INIT_CONSTANT, &in);
    in.value = 0.5;
    v = ur_init_to_value(&in);
    ur_value *want = obj("name", str("constant"), "value", num(0.5), NULL);
    CHECK(ur_value_equal(v, want), "constant 0.5 compact form");
    ur_value_free(v);
    ur_value_free(want);
    /* round trips */
    ur_init cases[4];
    ur_init_default(UR_INIT_RANDOM_NORMAL, &cases[0]);
    cases[0].stddev = 0.3;
    ur_init_default(UR_INIT_RANDOM_UNIFORM, &cases[1]);
    cases[1].minval = -2;
    ur_init_default(UR_INIT_ORTHOGONAL, &cases[2]);
    cases[2].gain = 1.5;
    ur_init_default(UR_INIT_HE_NORMAL, &cases[3]);
    for (int i = 0; i < 4; i++) {
        ur_init back;
        ur_ctx ctx;
        CHECK(parse(ur_init_to_value(&cases[i]), &back, &ctx) == UR_OK &&
                  memcmp(&back, &cases[i], sizeof back) == 0,
              "round trip %d: %s", i, ctx.message);
    }
}

/* ------------------------------------------------------------------ fills */

typedef struct stats {
    double mean, std, min, max;
} stats;

static stats stats_of(const float *w, int64_t n)
{
    stats s = {0, 0, INFINITY, -INFINITY};
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += w[i];
        sq += (double)w[i] * w[i];
        s.min = fmin(s.min, w[i]);
        s.max = fmax(s.max, w[i]);
    }
    s.mean = sum / n;
    s.std = sqrt(fmax(sq / n - s.mean * s.mean, 0));
    return s;
}

static stats fill_stats(ur_init_kind kind, int rank, const int64_t *dim, float *w, uint64_t seed)
{
    ur_init in;
    ur_init_default(kind, &in);
    ur_rng rng;
    ur_rng_seed(&rng, seed);
    ur_init_fill(&in, w, rank, dim, &rng);
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dim[i];
    return stats_of(w, n);
}

/* uniform on [-L, L): every value inside, extremes near L, std L / sqrt(3) */
static void expect_uniform(const char *what, stats s, double limit)
{
    CHECK(s.min >= -limit && s.max < limit, "%s: range [%g, %g] outside +-%g", what, s.min,
          s.max, limit);
    CHECK(s.max > 0.98 * limit && s.min < -0.98 * limit, "%s: [%g, %g] does not reach +-%g",
          what, s.min, s.max, limit);
    CHECK(close_to(s.std, limit / sqrt(3.0), 0, 0.03) && fabs(s.mean) < 0.03 * limit,
          "%s: mean %g std %g, want 0 and %g", what, s.mean, s.std, limit / sqrt(3.0));
}

/* truncated normal with pre-truncation stddev sd: inside +-2 sd, std 0.8796 sd */
static void expect_truncated(const char *what, stats s, double mean, double sd)
{
    CHECK(s.min >= mean - 2 * sd - 1e-6 && s.max <= mean + 2 * sd + 1e-6,
          "%s: [%g, %g] beyond 2 stddev %g", what, s.min, s.max, sd);
    CHECK(close_to(s.std, 0.87962566103423978 * sd, 0, 0.03) && fabs(s.mean - mean) < 0.03 * sd,
          "%s: mean %g std %g, want %g and %g", what, s.mean, s.std, mean,
          0.87962566103423978 * sd);
}

static void test_fill_stats(void)
{
    enum { N = 200000 };
    float *w = malloc(N * sizeof(float));
    int64_t d2[2] = {400, 500}; /* fan_in 400, fan_out 500 */
    stats s;

    ur_init c;
    ur_init_default(UR_INIT_CONSTANT, &c);
    c.value = 0.25;
    ur_init_fill(&c, w, 2, d2, NULL);
    s = stats_of(w, N);
    CHECK(s.min == 0.25 && s.max == 0.25, "constant 0.25: [%g, %g]", s.min, s.max);
    s = fill_stats(UR_INIT_ONES, 2, d2, w, 1);
    CHECK(s.min == 1 && s.max == 1, "ones");
    s = fill_stats(UR_INIT_ZEROS, 2, d2, w, 1);
    CHECK(s.min == 0 && s.max == 0, "zeros");

    ur_init rn;
    ur_init_default(UR_INIT_RANDOM_NORMAL, &rn);
    rn.mean = 1.0;
    rn.stddev = 2.0;
    ur_rng rng;
    ur_rng_seed(&rng, 9);
    ur_init_fill(&rn, w, 2, d2, &rng);
    s = stats_of(w, N);
    CHECK(fabs(s.mean - 1.0) < 0.03 && close_to(s.std, 2.0, 0, 0.01) && s.max > 1 + 2 * 4,
          "random_normal(1, 2): mean %g std %g max %g", s.mean, s.std, s.max);
    s = fill_stats(UR_INIT_RANDOM_NORMAL, 2, d2, w, 2);
    CHECK(fabs(s.mean) < 0.001 && close_to(s.std, 0.05, 0, 0.01), "random_normal: %g %g", s.mean,
          s.std);
    expect_uniform("random_uniform", fill_stats(UR_INIT_RANDOM_UNIFORM, 2, d2, w, 3), 0.05);
    expect_truncated("truncated_normal", fill_stats(UR_INIT_TRUNCATED_NORMAL, 2, d2, w, 4), 0,
                     0.05);

    /* VarianceScaling kinds: glorot n = (400 + 500) / 2, he and lecun n = 400 */
    expect_uniform("glorot_uniform", fill_stats(UR_INIT_GLOROT_UNIFORM, 2, d2, w, 5),
                   sqrt(6.0 / 900));
    expect_uniform("he_uniform", fill_stats(UR_INIT_HE_UNIFORM, 2, d2, w, 6), sqrt(6.0 / 400));
    expect_uniform("lecun_uniform", fill_stats(UR_INIT_LECUN_UNIFORM, 2, d2, w, 7),
                   sqrt(3.0 / 400));
    const double k = 0.87962566103423978;
    expect_truncated("glorot_normal", fill_stats(UR_INIT_GLOROT_NORMAL, 2, d2, w, 8), 0,
                     sqrt(2.0 / 900) / k);
    expect_truncated("he_normal", fill_stats(UR_INIT_HE_NORMAL, 2, d2, w, 9), 0,
                     sqrt(2.0 / 400) / k);
    expect_truncated("lecun_normal", fill_stats(UR_INIT_LECUN_NORMAL, 2, d2, w, 10), 0,
                     sqrt(1.0 / 400) / k);
    /* so the normal kinds end with the nominal stddev after truncation */
    s = fill_stats(UR_INIT_HE_NORMAL, 2, d2, w, 11);
    CHECK(close_to(s.std, sqrt(2.0 / 400), 0, 0.02), "he_normal std %g, want %g", s.std,
          sqrt(2.0 / 400));

    /* fans for other ranks: (5, 200, 200): rf 5, fan_in = fan_out = 1000 */
    int64_t d3[3] = {5, 200, 200};
    expect_uniform("glorot_uniform rank 3", fill_stats(UR_INIT_GLOROT_UNIFORM, 3, d3, w, 12),
                   sqrt(6.0 / 2000));
    /* rank 1 (n,): fan_in = fan_out = n */
    int64_t d1[1] = {100000};
    expect_uniform("glorot_uniform rank 1", fill_stats(UR_INIT_GLOROT_UNIFORM, 1, d1, w, 13),
                   sqrt(6.0 / 200000));
    expect_uniform("he_uniform rank 1", fill_stats(UR_INIT_HE_UNIFORM, 1, d1, w, 14),
                   sqrt(6.0 / 100000));
    /* rank 0: fans 1, 1 */
    s = fill_stats(UR_INIT_HE_UNIFORM, 0, NULL, w, 15);
    CHECK(fabs(w[0]) < sqrt(6.0) && w[1] == w[1], "rank 0 he_uniform %g", w[0]);
    /* small fans: max(1, n) keeps the scale finite */
    int64_t dz[2] = {0, 5};
    fill_stats(UR_INIT_GLOROT_UNIFORM, 2, dz, w, 16); /* no entries, no crash */

    /* the same seed gives the same weights; another seed others */
    float *w2 = malloc(N * sizeof(float));
    fill_stats(UR_INIT_GLOROT_NORMAL, 2, d2, w, 77);
    fill_stats(UR_INIT_GLOROT_NORMAL, 2, d2, w2, 77);
    CHECK(memcmp(w, w2, N * sizeof(float)) == 0, "same seed, different weights");
    fill_stats(UR_INIT_GLOROT_NORMAL, 2, d2, w2, 78);
    CHECK(memcmp(w, w2, N * sizeof(float)) != 0, "different seeds, same weights");
    free(w2);
    free(w);
}

/* max |G - gain^2 I| for G = W W^T (rows) or W^T W (columns) of W (r x c) */
static double gram_error(const float *w, int64_t r, int64_t c, bool rows, double gain)
{
    int64_t m = rows ? r : c;
    double worst = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < m; j++) {
            double g = 0;
            for (int64_t k = 0; k < (rows ? c : r); k++)
                g += rows ? (double)w[i * c + k] * w[j * c + k] : (double)w[k * c + i] * w[k * c + j];
            worst = fmax(worst, fabs(g - (i == j ? gain * gain : 0.0)));
        }
    return worst;
}

/* The sign fix: with Q the orthonormal factor (W, or W^T when r < c) and A
 * the normal matrix the fill drew (same seed), R = Q^T A must be upper
 * triangular with a positive diagonal. */
static void check_sign_fix(const float *w, int64_t r, int64_t c, uint64_t seed, const char *what)
{
    int64_t m = UR_MAX(r, c), n = UR_MIN(r, c);
    double *a = malloc((size_t)(m * n) * sizeof(double));
    ur_rng rng;
    ur_rng_seed(&rng, seed);
    for (int64_t i = 0; i < m * n; i++)
        a[i] = ur_rng_normal(&rng); /* row-major (m, n) */
    double min_diag = INFINITY, max_below = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double rij = 0;
            for (int64_t k = 0; k < m; k++) {
                double qki = r >= c ? w[k * c + i] : w[i * c + k]; /* Q[k][i] */
                rij += qki * a[k * n + j];
            }
            if (i == j)
                min_diag = fmin(min_diag, rij);
            if (i > j)
                max_below = fmax(max_below, fabs(rij));
        }
    CHECK(min_diag > 0 && max_below < 1e-4, "%s: diag(R) min %g, below-diagonal max %g", what,
          min_diag, max_below);
    free(a);
}

static void test_orthogonal(void)
{
    const int64_t U = 16;
    struct {
        int rank;
        int64_t dim[3];
        double gain;
    } cases[] = {
        {2, {U, 4 * U}, 1.0}, /* LSTM recurrent kernel: orthonormal rows over 4u */
        {2, {4 * U, U}, 1.0}, /* tall: orthonormal columns */
        {2, {U, U}, 1.0},
        {2, {U, 3 * U}, 2.0},
        {3, {2, 4, 16}, 1.0}, /* r = 8, c = 16 */
        {1, {9}, 1.0},        /* a vector: one unit row */
        {2, {1, 1}, 1.0},
    };
    float w[64 * 64];
    for (size_t k = 0; k < UR_ARRAY_LEN(cases); k++) {
        ur_init in;
        ur_init_default(UR_INIT_ORTHOGONAL, &in);
        in.gain = cases[k].gain;
        ur_rng rng;
        uint64_t seed = 100 + k;
        ur_rng_seed(&rng, seed);
        ur_init_fill(&in, w, cases[k].rank, cases[k].dim, &rng);
        int64_t r = 1, c = cases[k].dim[cases[k].rank - 1];
        for (int i = 0; i < cases[k].rank - 1; i++)
            r *= cases[k].dim[i];
        char what[64];
        snprintf(what, sizeof what, "orthogonal %lldx%lld gain %g", (long long)r, (long long)c,
                 cases[k].gain);
        double err = gram_error(w, r, c, r <= c, cases[k].gain);
        CHECK(err < 1e-5, "%s: Gram matrix off by %g", what, err);
        if (r == c) {
            err = gram_error(w, r, c, false, cases[k].gain);
            CHECK(err < 1e-5, "%s: W^T W off by %g", what, err);
        }
        if (cases[k].gain == 1.0)
            check_sign_fix(w, r, c, seed, what);
    }
    /* a bigger one still orthonormal in float */
    int64_t big[2] = {64, 64};
    ur_init in;
    ur_init_default(UR_INIT_ORTHOGONAL, &in);
    ur_rng rng;
    ur_rng_seed(&rng, 1);
    ur_init_fill(&in, w, 2, big, &rng);
    CHECK(gram_error(w, 64, 64, true, 1.0) < 1e-5, "64x64 orthogonal");
    check_sign_fix(w, 64, 64, 1, "64x64");
}

static void test_identity(void)
{
    ur_init in;
    ur_init_default(UR_INIT_IDENTITY, &in);
    in.gain = 2.0;
    float w[15];
    int64_t d[2] = {3, 5};
    ur_init_fill(&in, w, 2, d, NULL);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++)
            CHECK(w[i * 5 + j] == (i == j ? 2.0f : 0.0f), "identity[%d][%d] = %g", i, j,
                  w[i * 5 + j]);
}

int main(void)
{
    test_parse();
    test_to_value();
    test_fill_stats();
    test_orthogonal();
    test_identity();
    return check_done("initializers");
}
