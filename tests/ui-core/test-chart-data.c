/* test-chart-data.c — the chart's display-free core (ui/chart-data.h):
 * column thinning against brute force, smoothing that does not depend on the
 * number of points, linear and log ticks, labels, best point, nearest point,
 * and the CSV round trip with its errors. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chart-data.h"
#include "check.h"

static uint64_t rng = 88172645463325252ull;
static double rnd(void) /* xorshift64, uniform in [0, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Columns by brute force, with the boundaries unroll_series_thin documents. */
static void brute_thin(const unroll_series *s, const double *v, bool pos, double x0, double x1,
                       size_t n_cols, unroll_column *cols)
{
    const double *x = unroll_series_xs(s);
    size_t n = unroll_series_len(s);
    double w = (x1 - x0) / (double)n_cols;
    for (size_t c = 0; c < n_cols; c++) {
        unroll_column *col = &cols[c];
        col->count = 0;
        col->min = INFINITY;
        col->max = -INFINITY;
        double lo = x0 + (double)c * w, hi = x0 + (double)(c + 1) * w;
        for (size_t i = 0; i < n; i++) {
            bool in = x[i] >= lo && (c + 1 == n_cols ? x[i] <= x1 : x[i] < hi);
            if (!in)
                continue;
            if (!col->count) {
                col->first = v[i];
                col->x_first = x[i];
            }
            col->last = v[i];
            col->count++;
            if (isfinite(v[i]) && (!pos || v[i] > 0)) {
                col->min = fmin(col->min, v[i]);
                col->max = fmax(col->max, v[i]);
            }
        }
    }
}

static bool same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static int compare_thin(unroll_series *s, bool smoothed, bool pos, double x0, double x1,
                        size_t n_cols)
{
    unroll_column *a = g_new(unroll_column, n_cols), *b = g_new(unroll_column, n_cols);
    unroll_series_thin(s, smoothed, pos, x0, x1, n_cols, a);
    const double *v = smoothed ? unroll_series_smoothed(s) : unroll_series_ys(s);
    brute_thin(s, v, pos, x0, x1, n_cols, b);
    int bad = 0;
    for (size_t c = 0; c < n_cols; c++) {
        bool ok = a[c].count == b[c].count;
        if (ok && b[c].count)
            ok = same(a[c].first, b[c].first) && same(a[c].last, b[c].last) &&
                 a[c].x_first == b[c].x_first &&
                 (b[c].min <= b[c].max ? a[c].min == b[c].min && a[c].max == b[c].max
                                       : !(a[c].min <= a[c].max));
        if (!ok && bad++ < 3)
            printf("  column %zu: count %zu/%zu min %g/%g max %g/%g\n", c, a[c].count,
                   b[c].count, a[c].min, b[c].min, a[c].max, b[c].max);
    }
    g_free(a);
    g_free(b);
    return bad;
}

static void test_thinning(void)
{
    unroll_series *s = unroll_series_new("loss", UNROLL_BEST_MIN);
    /* 100,003 points, steps with repeats, some NaN and infinite and negative
     * values, appended in uneven chunks with thinning in between (the
     * pyramid grows incrementally) */
    size_t n = 100003, done = 0;
    unroll_series_set_tau(s, 40);
    while (done < n) {
        size_t chunk = 1 + (size_t)(rnd() * 9000);
        for (size_t k = 0; k < chunk && done < n; k++, done++) {
            double y = rnd() * 4 - 1;
            if (done % 997 == 0)
                y = NAN;
            if (done % 1499 == 0)
                y = INFINITY;
            CHECK(unroll_series_append(s, (double)(done / 3) * 0.5, (int)(done / 1000), y),
                  "append %zu", done);
        }
        CHECK(compare_thin(s, false, false, 0, (double)(done / 3) * 0.5, 301) == 0,
              "raw columns after %zu points", done);
    }
    CHECK(unroll_series_len(s) == n, "len %zu", unroll_series_len(s));
    CHECK(compare_thin(s, false, false, 1234.25, 15000.5, 1200) == 0, "raw, sub-range");
    CHECK(compare_thin(s, false, true, 0, 16667, 977) == 0, "raw, positive only");
    CHECK(compare_thin(s, true, false, 100, 16000, 640) == 0, "smoothed columns");
    CHECK(compare_thin(s, false, false, -50, 20000, 7) == 0, "range wider than data");
    CHECK(compare_thin(s, false, false, 0, 500, 5000) == 0, "more columns than points");

    /* known data: x = 0..9, y = x^2 - 10 x, two columns [0,5) [5,9] */
    unroll_series *k = unroll_series_new("k", UNROLL_BEST_NONE);
    for (int i = 0; i < 10; i++)
        unroll_series_append(k, i, -1, i * i - 10.0 * i);
    unroll_column c[2];
    unroll_series_thin(k, false, false, 0, 9, 2, c);
    CHECK(c[0].count == 5 && c[0].min == -24 && c[0].max == 0 && c[0].first == 0 &&
              c[0].last == -24,
          "column 0: %zu %g %g %g %g", c[0].count, c[0].min, c[0].max, c[0].first, c[0].last);
    CHECK(c[1].count == 5 && c[1].min == -25 && c[1].max == -9 && c[1].first == -25 &&
              c[1].last == -9 && c[1].x_first == 5,
          "column 1: %zu %g %g %g %g", c[1].count, c[1].min, c[1].max, c[1].first, c[1].last);
    double lo, hi;
    CHECK(unroll_series_y_extent(k, false, false, 2, 7, &lo, &hi) && lo == -25 && hi == -16,
          "y extent on [2, 7]: %g %g", lo, hi);
    CHECK(!unroll_series_y_extent(k, false, true, 0, 9, &lo, &hi), "no positive values");
    CHECK(!unroll_series_y_extent(k, false, false, 9.5, 20, &lo, &hi), "no points in range");
    unroll_series_free(k);
    unroll_series_free(s);
}

static double curve(double x) { return 2 * exp(-x / 300) + 0.3 * sin(x / 25) + 0.1; }

static unroll_series *sampled(size_t n, double tau)
{
    unroll_series *s = unroll_series_new("c", UNROLL_BEST_NONE);
    for (size_t i = 0; i < n; i++) {
        double x = 1000.0 * (double)i / (double)(n - 1);
        unroll_series_append(s, x, -1, curve(x));
    }
    unroll_series_set_tau(s, tau);
    return s;
}

static void test_smoothing(void)
{
    double tau = unroll_smoothing_tau(0.6, 1000);
    CHECK(tau > 20 && tau < 40, "tau for 0.6 of 1000: %g", tau);
    CHECK(unroll_smoothing_tau(0, 1000) == 0 && unroll_smoothing_tau(0.5, 0) == 0,
          "no smoothing at strength 0 or an empty range");
    CHECK(unroll_smoothing_tau(0.9, 1000) > unroll_smoothing_tau(0.6, 1000), "stronger");
    CHECK(unroll_smoothing_tau(0.6, 1000) == unroll_smoothing_tau(0.6, 1010),
          "tau steps with the range (quantised), not with every point");

    /* one curve at 100 and 10,000 points: x_i (100) == x_{101 i} (10,000) */
    unroll_series *a = sampled(100, tau), *b = sampled(10000, tau);
    const double *sa = unroll_series_smoothed(a), *sb = unroll_series_smoothed(b);
    double worst = 0, effect = 0;
    for (size_t i = 0; i < 100; i++) {
        worst = fmax(worst, fabs(sa[i] - sb[101 * i]));
        effect = fmax(effect, fabs(sa[i] - curve(unroll_series_xs(a)[i])));
    }
    printf("smoothing: tau %.2f, 100 vs 10,000 points differ by at most %.5f; "
           "smoothing moves the curve by up to %.3f\n", tau, worst, effect);
    CHECK(worst < 0.005, "100 and 10,000 points smooth alike: %g apart", worst);
    CHECK(effect > 0.1, "the smoothing does something: %g", effect);

    /* a per-point EMA (TensorBoard's weight 0.6) fails that: its strength
     * depends on the point count */
    double ea = curve(0), eb = curve(0), naive = 0;
    for (size_t j = 1; j < 10000; j++) {
        eb = 0.6 * eb + 0.4 * curve(1000.0 * j / 9999.0);
        if (j % 101 == 0) {
            ea = 0.6 * ea + 0.4 * curve(1000.0 * (j / 101) / 99.0);
            naive = fmax(naive, fabs(ea - eb));
        }
    }
    CHECK(naive > 10 * worst, "a per-point EMA differs more (%g) than ours (%g)", naive, worst);

    /* incremental (append after smoothing) equals smoothing in one go */
    unroll_series *c = unroll_series_new("c", UNROLL_BEST_NONE);
    unroll_series_set_tau(c, tau);
    for (size_t i = 0; i < 10000; i++) {
        unroll_series_append(c, unroll_series_xs(b)[i], -1, unroll_series_ys(b)[i]);
        if (i == 37 || i == 5000)
            (void)unroll_series_smoothed(c);
    }
    CHECK(memcmp(unroll_series_smoothed(c), sb, 10000 * sizeof(double)) == 0,
          "incremental smoothing equals the full pass");
    /* retuning recomputes; tau 0 gives the values back */
    unroll_series_set_tau(c, 0);
    CHECK(memcmp(unroll_series_smoothed(c), unroll_series_ys(c), 10000 * sizeof(double)) == 0,
          "tau 0: no smoothing");

    /* a NaN in the middle is skipped, not spread */
    unroll_series *d = unroll_series_new("d", UNROLL_BEST_NONE);
    unroll_series_set_tau(d, 5);
    double ys[] = {NAN, 1, 1, NAN, 1, 1};
    for (int i = 0; i < 6; i++)
        unroll_series_append(d, i, -1, ys[i]);
    const double *sd = unroll_series_smoothed(d);
    CHECK(isnan(sd[0]) && sd[1] == 1 && sd[3] == 1 && fabs(sd[5] - 1) < 1e-15,
          "NaN skipped: %g %g %g %g", sd[0], sd[1], sd[3], sd[5]);
    /* a step from 0 to 1 at x = 0: s(tau) = 1 - 1/e after one time constant */
    unroll_series *e = unroll_series_new("e", UNROLL_BEST_NONE);
    unroll_series_set_tau(e, 10);
    unroll_series_append(e, 0, -1, 0);
    unroll_series_append(e, 0, -1, 1); /* same x: the jump */
    unroll_series_append(e, 10, -1, 1);
    unroll_series_append(e, 20, -1, 1);
    const double *se = unroll_series_smoothed(e);
    CHECK(fabs(se[2] - (1 - exp(-1))) < 1e-12 && fabs(se[3] - (1 - exp(-2))) < 1e-12,
          "step response: %.15f %.15f", se[2], se[3]);
    unroll_series_free(a);
    unroll_series_free(b);
    unroll_series_free(c);
    unroll_series_free(d);
    unroll_series_free(e);
}

static bool ticks_are(const double *t, size_t n, const double *want, size_t m)
{
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++)
        if (fabs(t[i] - want[i]) > 1e-12 * fmax(1, fabs(want[i])))
            return false;
    return true;
}

static void test_ticks(void)
{
    double t[64], step;
    size_t n = unroll_ticks_linear(0, 2.3, 6, t, 64, &step);
    CHECK(ticks_are(t, n, (double[]){0, 0.5, 1, 1.5, 2}, 5) && step == 0.5, "[0, 2.3]: %zu", n);
    n = unroll_ticks_linear(-1, 1, 5, t, 64, &step);
    CHECK(ticks_are(t, n, (double[]){-1, -0.5, 0, 0.5, 1}, 5), "[-1, 1]: %zu, step %g", n, step);
    n = unroll_ticks_linear(0, 60000, 7, t, 64, &step);
    CHECK(n == 7 && step == 10000, "[0, 60000]: %zu ticks, step %g", n, step);
    n = unroll_ticks_linear(0.001, 0.0019, 5, t, 64, &step);
    CHECK(n >= 2 && n <= 5 && fabs(step - 0.0002) < 1e-15, "tiny range: %zu, step %g", n, step);
    CHECK(unroll_ticks_linear(1, 0, 5, t, 64, &step) == 0, "reversed range: no ticks");
    CHECK(unroll_ticks_linear(NAN, 1, 5, t, 64, &step) == 0, "NaN: no ticks");

    n = unroll_ticks_log(0.003, 20, 6, t, 64);
    CHECK(ticks_are(t, n, (double[]){0.01, 0.1, 1, 10}, 4), "log [0.003, 20]: %zu", n);
    n = unroll_ticks_log(1e-8, 1e4, 6, t, 64);
    CHECK(ticks_are(t, n, (double[]){1e-5, 1}, 2), "log 12 decades, max 6: every 5th: %zu %g",
          n, n ? t[0] : 0);
    n = unroll_ticks_log(1e-6, 1e4, 6, t, 64);
    CHECK(ticks_are(t, n, (double[]){1e-6, 1e-4, 1e-2, 1, 1e2, 1e4}, 6),
          "log 11 decades: every 2nd: %zu", n);
    n = unroll_ticks_log(0.15, 0.9, 6, t, 64);
    CHECK(ticks_are(t, n, (double[]){0.2, 0.5}, 2), "log under a decade: 1-2-5: %zu", n);
    n = unroll_ticks_log(0.25, 0.45, 6, t, 64);
    CHECK(n >= 2 && t[0] >= 0.25 && t[n - 1] <= 0.45, "log, no 1-2-5 inside: linear (%zu)", n);
    CHECK(unroll_ticks_log(0, 10, 6, t, 64) == 0 && unroll_ticks_log(-1, 10, 6, t, 64) == 0,
          "log of a range reaching 0: no ticks");

    double lo = 0.05, hi = 2.3;
    unroll_axis_nice_range(&lo, &hi, 6);
    CHECK(lo == 0 && hi == 2.5, "nice range [0.05, 2.3] -> [%g, %g]", lo, hi);
    lo = hi = 3;
    unroll_axis_nice_range(&lo, &hi, 6);
    CHECK(lo < 3 && hi > 3, "zero-width range widened: [%g, %g]", lo, hi);

    char buf[64];
    struct { double v, step; const char *want; } fmt[] = {
        {12000, 2000, "12k"}, {1500000, 500000, "1.5M"}, {0.5, 0.1, "0.5"},
        {0.25, 0.05, "0.25"}, {3, 1, "3"}, {0, 0.5, "0"}, {1e-5, 0, "1e-5"},
        {0.01, 0, "0.01"}, {1e6, 0, "1e6"}, {250, 50, "250"}, {-1.5, 0.5, "-1.5"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fmt); i++) {
        unroll_format_tick(fmt[i].v, fmt[i].step, buf, sizeof buf);
        CHECK(!strcmp(buf, fmt[i].want), "label of %g (step %g): \"%s\", want \"%s\"", fmt[i].v,
              fmt[i].step, buf, fmt[i].want);
    }
}

static void test_best_and_nearest(void)
{
    unroll_series *lo = unroll_series_new("loss", UNROLL_BEST_MIN);
    unroll_series *hi = unroll_series_new("acc", UNROLL_BEST_MAX);
    unroll_series *none = unroll_series_new("x", UNROLL_BEST_NONE);
    double ys[] = {3, 1, 2, 1, NAN, -INFINITY, 1.5};
    for (int i = 0; i < 7; i++) {
        unroll_series_append(lo, i, i + 1, ys[i]);
        unroll_series_append(hi, i, i + 1, -ys[i]);
        unroll_series_append(none, i, i + 1, ys[i]);
    }
    size_t k = 99;
    CHECK(unroll_series_best(lo, &k) && k == 1, "lowest, earliest of ties, inf skipped: %zu", k);
    CHECK(unroll_series_best(hi, &k) && k == 1, "highest: %zu", k);
    CHECK(!unroll_series_best(none, &k), "no best for BEST_NONE");
    CHECK(unroll_series_epochs(lo)[1] == 2, "epoch kept");
    CHECK(!unroll_series_append(lo, 5, 0, 0), "a decreasing step is refused");
    CHECK(!unroll_series_append(lo, NAN, 0, 0), "a NaN step is refused");
    CHECK(unroll_series_append(lo, 6, 0, 0.5) && unroll_series_best(lo, &k) && k == 7,
          "a new best: %zu", k);
    double xs[] = {7, 8, 9, 8.5}, vs[] = {1, 1, 1, 1};
    CHECK(unroll_series_append_many(lo, xs, NULL, vs, 4) == 3, "append_many stops at 8.5");
    CHECK(unroll_series_epochs(lo)[8] == -1, "NULL epochs: -1");
    unroll_series_clear(lo);
    CHECK(unroll_series_len(lo) == 0 && !unroll_series_best(lo, &k), "clear");
    CHECK(unroll_series_append(lo, 0, 0, 1), "after clear, any step again");

    unroll_series *s = unroll_series_new("s", UNROLL_BEST_NONE);
    CHECK(!unroll_series_nearest(s, 1, &k), "empty: no nearest");
    double px[] = {0, 10, 10, 20, 40};
    for (int i = 0; i < 5; i++)
        unroll_series_append(s, px[i], -1, i);
    struct { double x; size_t want; } q[] = {{-5, 0}, {4, 0}, {5, 0}, {6, 1}, {10, 1}, {14, 1},
                                             {15, 1}, {16, 3}, {31, 4}, {100, 4}};
    for (size_t i = 0; i < G_N_ELEMENTS(q); i++)
        CHECK(unroll_series_nearest(s, q[i].x, &k) && k == q[i].want, "nearest to %g: %zu, want %zu",
              q[i].x, k, q[i].want);
    unroll_series_free(s);
    unroll_series_free(lo);
    unroll_series_free(hi);
    unroll_series_free(none);
}

static void write_file(const char *path, const char *text)
{
    g_file_set_contents(path, text, -1, NULL);
}

static void test_csv(void)
{
    char *dir = g_dir_make_tmp("chart-csv-XXXXXX", NULL);
    char *path = g_build_filename(dir, "a.csv", NULL);
    unroll_series *in[2] = {unroll_series_new("train, \"smoothed\"", UNROLL_BEST_MIN),
                            unroll_series_new("val_loss", UNROLL_BEST_MIN)};
    double vals[] = {1.0 / 3, NAN, INFINITY, -INFINITY, 1e-300, -2.5e17, 0.1 + 0.2};
    for (int i = 0; i < 7; i++) {
        unroll_series_append(in[0], i * 0.1, i / 3, vals[i]);
        unroll_series_append(in[1], 100 + i, -1, vals[6 - i]);
    }
    GError *error = NULL;
    CHECK(unroll_series_write_csv(path, in, 2, &error), "write: %s", error ? error->message : "");
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    CHECK(text && g_str_has_prefix(text, "series,step,epoch,value\n\"train, \"\"smoothed\"\"\",0,0,"),
          "header and a quoted label: %.60s", text ? text : "");
    g_free(text);
    size_t n = 0;
    unroll_series **out = unroll_series_read_csv(path, &n, &error);
    CHECK(out && n == 2, "read back: %s", error ? error->message : "");
    for (size_t k = 0; out && k < 2 && k < n; k++) {
        CHECK(!strcmp(unroll_series_label(out[k]), unroll_series_label(in[k])), "label %zu: %s", k,
              unroll_series_label(out[k]));
        CHECK(unroll_series_len(out[k]) == 7, "points of %zu: %zu", k, unroll_series_len(out[k]));
        for (size_t i = 0; i < 7 && i < unroll_series_len(out[k]); i++) {
            CHECK(unroll_series_xs(out[k])[i] == unroll_series_xs(in[k])[i] &&
                      unroll_series_epochs(out[k])[i] == unroll_series_epochs(in[k])[i] &&
                      same(unroll_series_ys(out[k])[i], unroll_series_ys(in[k])[i]),
                  "series %zu point %zu: %.17g %d %.17g", k, i, unroll_series_xs(out[k])[i],
                  unroll_series_epochs(out[k])[i], unroll_series_ys(out[k])[i]);
        }
    }
    unroll_series_array_free(out, n);

    struct { const char *text; int code; const char *in_message; } bad[] = {
        {"series,step,epoch,value\na,1,0,0.5\na,x,0,1\n", UNROLL_CHART_ERROR_PARSE, ":3:"},
        {"a,1,0\n", UNROLL_CHART_ERROR_PARSE, ":1:"},
        {"a,1,0,1,9\n", UNROLL_CHART_ERROR_PARSE, ":1:"},
        {"\"a,1,0,1\n", UNROLL_CHART_ERROR_PARSE, ":1:"},
        {"a,1,-7,1\n", UNROLL_CHART_ERROR_PARSE, ":1:"},
        {"a,inf,0,1\n", UNROLL_CHART_ERROR_PARSE, ":1:"},
        {"a,2,0,1\r\nb,1,0,1\r\na,1,0,1\r\n", UNROLL_CHART_ERROR_ORDER, ":3:"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        write_file(path, bad[i].text);
        g_clear_error(&error);
        out = unroll_series_read_csv(path, &n, &error);
        CHECK(!out && error && error->code == bad[i].code && strstr(error->message, bad[i].in_message),
              "bad CSV %zu: %s", i, error ? error->message : "(accepted)");
        unroll_series_array_free(out, n);
    }
    g_clear_error(&error);
    write_file(path, "a,1,0,1\n\nb,1,2,nan\n");
    out = unroll_series_read_csv(path, &n, &error);
    CHECK(out && n == 2 && isnan(unroll_series_ys(out[1])[0]) &&
              unroll_series_epochs(out[1])[0] == 2,
          "no header, a blank line, nan: %s", error ? error->message : "");
    unroll_series_array_free(out, n);
    g_clear_error(&error);
    char *missing = g_build_filename(dir, "missing.csv", NULL);
    out = unroll_series_read_csv(missing, &n, &error);
    CHECK(!out && error && error->code == UNROLL_CHART_ERROR_IO, "missing file");
    g_clear_error(&error);
    char *nodir = g_build_filename(dir, "no", "such", "dir.csv", NULL);
    CHECK(!unroll_series_write_csv(nodir, in, 2, &error) && error &&
              error->code == UNROLL_CHART_ERROR_IO,
          "unwritable path");
    g_clear_error(&error);
    g_unlink(path);
    g_rmdir(dir);
    g_free(nodir);
    g_free(missing);
    g_free(path);
    g_free(dir);
    unroll_series_free(in[0]);
    unroll_series_free(in[1]);
}

int main(void)
{
    test_thinning();
    test_smoothing();
    test_ticks();
    test_best_and_nearest();
    test_csv();
    if (failures) {
        printf("%d check(s) failed\n", failures);
        return 1;
    }
    printf("chart-data: all checks passed\n");
    return 0;
}
