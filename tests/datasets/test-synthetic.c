/* test-synthetic.c — the synthetic tasks: shapes and defaults, the same data
 * for the same seed and other data for another, targets recomputed from x
 * (the adding sum, the sine recurrence, the parity), option parsing and its
 * errors. */
#include "check.h"
#include "datasets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ur_dataset *load(const char *spec, uint64_t seed)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_synthetic(spec, seed, &ctx);
    CHECK(ds != NULL, "%s: %s", spec, ctx.message);
    return ds;
}

static bool shape_is(const ur_tensor *t, int64_t d0, int64_t d1, int64_t d2)
{
    if (t->dtype != UR_F32)
        return false;
    if (d2 < 0)
        return t->rank == 2 && t->dim[0] == d0 && t->dim[1] == d1;
    return t->rank == 3 && t->dim[0] == d0 && t->dim[1] == d1 && t->dim[2] == d2;
}

static bool same_array(const ur_array *a, const ur_array *b)
{
    int64_t n = ur_tensor_numel(&a->t);
    return n == ur_tensor_numel(&b->t) && memcmp(a->t.data, b->t.data, (size_t)n * 4) == 0;
}

/* Same seed: identical; other seed: different; validation: not the training data. */
static void check_determinism(const char *spec)
{
    ur_dataset *a = load(spec, 7), *b = load(spec, 7), *c = load(spec, 8);
    if (!a || !b || !c)
        goto out;
    CHECK(same_array(a->train.x[0], b->train.x[0]) && same_array(a->train.y[0], b->train.y[0]),
          "%s: seed 7 twice gives different training data", spec);
    CHECK(same_array(a->val.x[0], b->val.x[0]) && same_array(a->val.y[0], b->val.y[0]),
          "%s: seed 7 twice gives different validation data", spec);
    CHECK(!same_array(a->train.x[0], c->train.x[0]), "%s: seeds 7 and 8 give the same x", spec);
    CHECK(!same_array(a->val.x[0], c->val.x[0]), "%s: seeds 7 and 8 give the same x_val", spec);
    /* the validation set is its own draw, not a prefix of the training set */
    CHECK(memcmp(a->train.x[0]->t.data, a->val.x[0]->t.data,
                 (size_t)ur_tensor_numel(&a->val.x[0]->t) * 4) != 0,
          "%s: x_val repeats x", spec);
out:
    ur_dataset_free(a);
    ur_dataset_free(b);
    ur_dataset_free(c);
}

/* Adding: u in [0, 1), exactly two markers (one per half), y = their sum. */
static void check_adding_data(const ur_data *d, int64_t n, int64_t T, const char *what)
{
    const ur_tensor *x = &d->x[0]->t, *y = &d->y[0]->t;
    CHECK(shape_is(x, n, T, 2) && shape_is(y, n, 1, -1), "%s shapes", what);
    int bad_markers = 0, bad_sum = 0, bad_u = 0;
    double mean_y = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *xs = ur_tensor_f32(x) + i * T * 2;
        int marks = 0, first = 0, second = 0;
        float sum = 0;
        for (int64_t t = 0; t < T; t++) {
            if (!(xs[2 * t] >= 0.0f && xs[2 * t] < 1.0f))
                bad_u++;
            if (xs[2 * t + 1] == 1.0f) {
                marks++;
                sum += xs[2 * t];
                if (t < (T + 1) / 2) first++; else second++;
            } else if (xs[2 * t + 1] != 0.0f) {
                bad_markers++;
            }
        }
        if (marks != 2 || first != 1 || second != 1)
            bad_markers++;
        if (ur_tensor_f32(y)[i] != sum)
            bad_sum++;
        mean_y += ur_tensor_f32(y)[i];
    }
    mean_y /= (double)n;
    CHECK(bad_markers == 0, "%s: %d sequences without one marker in each half", what,
          bad_markers);
    CHECK(bad_u == 0, "%s: %d values outside [0, 1)", what, bad_u);
    CHECK(bad_sum == 0, "%s: %d targets differ from the sum of the marked values", what, bad_sum);
    CHECK(fabs(mean_y - 1.0) < 0.05, "%s: mean target %g, expected about 1", what, mean_y);
}

static void test_adding(void)
{
    ur_dataset *ds = load("synthetic:adding", 42);
    if (!ds)
        return;
    CHECK(strcmp(ds->name, "synthetic:adding") == 0, "name %s", ds->name);
    CHECK(strstr(ds->description, "4000 training and 800 validation") &&
              strstr(ds->description, "seed 42"), "description: %s", ds->description);
    CHECK(ds->x_names && ds->x_names[0] == NULL, "single input has no x name");
    check_adding_data(&ds->train, 4000, 50, "adding train");
    check_adding_data(&ds->val, 800, 50, "adding val");
    ur_dataset_free(ds);

    ds = load("synthetic:adding?n=1000&timesteps=30", 3);
    if (ds) {
        CHECK(strcmp(ds->name, "synthetic:adding?n=1000&timesteps=30") == 0, "name %s",
              ds->name);
        check_adding_data(&ds->train, 1000, 30, "adding n=1000");
        check_adding_data(&ds->val, 200, 30, "adding n=1000 val");
    }
    ur_dataset_free(ds);

    /* the smallest: two steps, both marked */
    ds = load("adding?timesteps=2&n=5&val=0", 1);
    if (ds) {
        CHECK(strcmp(ds->name, "synthetic:adding?timesteps=2&n=5&val=0") == 0, "name %s",
              ds->name);
        check_adding_data(&ds->train, 5, 2, "adding T=2");
        CHECK(ds->val.n_x == 0 && ds->val.n_y == 0, "val=0 still made validation data");
    }
    ur_dataset_free(ds);
    check_determinism("synthetic:adding?n=50");
}

/* Sine: without noise, x[t+1] + x[t-1] = 2 cos(w) x[t], and y continues it. */
static void test_sine(void)
{
    ur_dataset *ds = load("synthetic:sine?noise=0&n=300", 5);
    if (!ds)
        return;
    const ur_tensor *x = &ds->train.x[0]->t, *y = &ds->train.y[0]->t;
    CHECK(shape_is(x, 300, 40, 1) && shape_is(y, 300, 1, -1), "sine shapes");
    CHECK(ds->val.n_x == 1 && ur_data_count(&ds->val) == 60, "sine val %lld",
          (long long)ur_data_count(&ds->val));
    double worst = 0, w_lo = 10, w_hi = 0;
    int out_of_range = 0;
    for (int64_t i = 0; i < 300; i++) {
        const float *s = ur_tensor_f32(x) + i * 40;
        double num = 0, den = 0;
        for (int t = 1; t < 39; t++) {
            num += (double)s[t] * (s[t + 1] + s[t - 1]);
            den += 2.0 * s[t] * s[t];
        }
        for (int t = 0; t < 40; t++)
            if (fabsf(s[t]) > 1.0f) out_of_range++;
        double c = num / den; /* cos(w) */
        double w = acos(c);
        w_lo = w < w_lo ? w : w_lo;
        w_hi = w > w_hi ? w : w_hi;
        double next = 2.0 * c * s[39] - s[38];
        double err = fabs(next - ur_tensor_f32(y)[i]);
        worst = err > worst ? err : worst;
    }
    CHECK(out_of_range == 0, "%d clean values outside [-1, 1]", out_of_range);
    CHECK(worst < 1e-4, "y is not the next value of the sine: off by %g", worst);
    CHECK(w_lo >= 0.1 - 1e-3 && w_hi < 0.6 + 1e-3 && w_hi - w_lo > 0.3,
          "frequencies span [%g, %g], expected within [0.1, 0.6)", w_lo, w_hi);
    ur_dataset_free(ds);

    /* with noise: the recurrence no longer holds; its residual is about
     * noise * sqrt(2 + 4 cos^2 w) */
    ds = load("synthetic:sine?n=200&noise=0.1&timesteps=20", 5);
    if (ds) {
        CHECK(shape_is(&ds->train.x[0]->t, 200, 20, 1), "sine T=20 shape");
        CHECK(strstr(ds->description, "noise 0.1") != NULL, "%s", ds->description);
        double ss = 0;
        int count = 0;
        for (int64_t i = 0; i < 200; i++) {
            const float *s = ur_tensor_f32(&ds->train.x[0]->t) + i * 20;
            for (int t = 1; t < 19; t++) {
                /* the second difference of a slow sine is small next to the noise */
                double r = s[t + 1] - 2.0 * s[t] + s[t - 1];
                ss += r * r;
                count++;
            }
        }
        double rms = sqrt(ss / count); /* noise * sqrt(6) plus at most 0.36 of signal */
        CHECK(rms > 0.1 * sqrt(6.0) * 0.8 && rms < 0.1 * sqrt(6.0) * 1.2 + 0.2,
              "second-difference rms %g for noise 0.1", rms);
    }
    ur_dataset_free(ds);
    check_determinism("synthetic:sine?n=40");
}

static void test_parity(void)
{
    ur_dataset *ds = load("synthetic:parity", 9);
    if (!ds)
        return;
    const ur_tensor *x = &ds->train.x[0]->t, *y = &ds->train.y[0]->t;
    CHECK(shape_is(x, 4000, 12, 1) && shape_is(y, 4000, 1, -1), "parity shapes");
    int bad_bits = 0, bad_y = 0, odd = 0;
    for (int64_t i = 0; i < 4000; i++) {
        int ones = 0;
        for (int t = 0; t < 12; t++) {
            float b = ur_tensor_f32(x)[i * 12 + t];
            if (b != 0.0f && b != 1.0f) bad_bits++;
            ones += b == 1.0f;
        }
        if (ur_tensor_f32(y)[i] != (float)(ones % 2)) bad_y++;
        odd += ones % 2;
    }
    CHECK(bad_bits == 0, "%d entries are not bits", bad_bits);
    CHECK(bad_y == 0, "%d targets are not the parity", bad_y);
    CHECK(odd > 1800 && odd < 2200, "%d of 4000 odd", odd);
    ur_dataset_free(ds);
    ds = load("synthetic:parity?timesteps=1&n=64", 9);
    if (ds) {
        const float *xs = ur_tensor_f32(&ds->train.x[0]->t);
        const float *ys = ur_tensor_f32(&ds->train.y[0]->t);
        int bad = 0;
        for (int i = 0; i < 64; i++)
            bad += xs[i] != ys[i];
        CHECK(bad == 0, "one step: y must equal the bit (%d differ)", bad);
    }
    ur_dataset_free(ds);
    check_determinism("synthetic:parity?n=100");
}

/* A spec that must fail with UR_ERR_INVALID and a message holding want1 (and want2). */
static void expect_error(const char *spec, const char *want1, const char *want2)
{
    ur_ctx ctx = {0};
    check_error(spec, ur_dataset_synthetic(spec, 1, &ctx), &ctx, UR_ERR_INVALID, want1, want2);
}

static void test_errors(void)
{
    CHECK(strcmp(ur_synthetic_names[0], "adding") == 0 &&
              strcmp(ur_synthetic_names[1], "sine") == 0 &&
              strcmp(ur_synthetic_names[2], "parity") == 0 && ur_synthetic_names[3] == NULL,
          "task names");
    expect_error("synthetic:addng", "did you mean 'adding'?", "adding, sine, parity");
    expect_error("synthetic:sin?n=3", "did you mean 'sine'?", "adding, sine, parity");
    expect_error("synthetic:xyzzy", "unknown synthetic task 'xyzzy'", "adding, sine, parity");
    expect_error("synthetic:", "unknown synthetic task ''", "adding, sine, parity");
    expect_error("synthetic:adding?timestep=3", "did you mean 'timesteps'?", "n, timesteps, val");
    expect_error("synthetic:adding?noise=0.1", "unknown option 'noise'", "n, timesteps, val");
    expect_error("synthetic:sine?nosie=0.1", "did you mean 'noise'?", "n, timesteps, val, noise");
    expect_error("synthetic:adding?n=abc", "'abc' is not an integer", NULL);
    expect_error("synthetic:adding?n=1.5", "'1.5' is not an integer", NULL);
    expect_error("synthetic:adding?n=0", "expected 1 to 10000000", NULL);
    expect_error("synthetic:adding?n=99999999999999999999", "expected 1 to", NULL);
    expect_error("synthetic:adding?timesteps=1", "expected 2 to", NULL);
    expect_error("synthetic:parity?timesteps=0", "expected 1 to", NULL);
    expect_error("synthetic:adding?val=1.5", "expected 0 to 1", NULL);
    expect_error("synthetic:sine?noise=-1", "expected 0 to", NULL);
    expect_error("synthetic:sine?noise=nan", "not a number", NULL);
    expect_error("synthetic:adding?n=10&n=20", "given twice", NULL);
    expect_error("synthetic:adding?n", "needs a value", NULL);
    expect_error("synthetic:adding?n=", "needs a value", NULL);
    expect_error("synthetic:adding?n=10000000&timesteps=100000", "lower n or timesteps", NULL);

    /* empty items are harmless */
    ur_dataset *ds = load("synthetic:parity?&n=4&", 1);
    CHECK(ds && ur_data_count(&ds->train) == 4 && ur_data_count(&ds->val) == 1,
          "parity?&n=4&: %lld", ds ? (long long)ur_data_count(&ds->train) : -1LL);
    ur_dataset_free(ds);
}

int main(void)
{
    test_adding();
    test_sine();
    test_parity();
    test_errors();
    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
