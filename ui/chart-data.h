/* chart-data.h — the display-free half of UnrollChart: a series that keeps
 * every point (step, epoch, value), min/max pyramids that thin any x range to
 * pixel columns at draw time, smoothing whose strength does not depend on the
 * number of points, nice linear and log ticks, the best point, and CSV. */
#ifndef UNROLL_CHART_DATA_H
#define UNROLL_CHART_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

G_BEGIN_DECLS

#define UNROLL_CHART_ERROR (unroll_chart_error_quark())
GQuark unroll_chart_error_quark(void);
typedef enum {
    UNROLL_CHART_ERROR_IO,     /* a file could not be read or written */
    UNROLL_CHART_ERROR_PARSE,  /* a CSV line is not series,step,epoch,value */
    UNROLL_CHART_ERROR_ORDER,  /* steps of one series decrease */
} UnrollChartError;

/* Which point of a series is its best: none, the lowest value (a loss) or
 * the highest (an accuracy). Ties keep the earliest point. */
typedef enum { UNROLL_BEST_NONE, UNROLL_BEST_MIN, UNROLL_BEST_MAX } unroll_best;

typedef struct unroll_series unroll_series;

unroll_series *unroll_series_new(const char *label, unroll_best best);
void unroll_series_free(unroll_series *s);
const char *unroll_series_label(const unroll_series *s);
unroll_best unroll_series_best_kind(const unroll_series *s);

/* Appends one point. x (the step) must be finite and not below the last
 * point's x: false (nothing appended) otherwise. epoch may be -1 (unknown).
 * y may be NaN or infinite (a diverged loss): kept, never drawn. */
bool unroll_series_append(unroll_series *s, double x, int epoch, double y);
/* Appends n points (epochs may be NULL: all -1); stops at the first point
 * append refuses and returns how many were appended. */
size_t unroll_series_append_many(unroll_series *s, const double *x, const int *epochs,
                                 const double *y, size_t n);
/* Drops every point (the label and best kind stay). */
void unroll_series_clear(unroll_series *s);

size_t unroll_series_len(const unroll_series *s);
/* Borrowed arrays of unroll_series_len entries, valid until the next append. */
const double *unroll_series_xs(const unroll_series *s);
const double *unroll_series_ys(const unroll_series *s);
const int *unroll_series_epochs(const unroll_series *s);
/* Index of the best point (finite values only); false when there is none or
 * the kind is UNROLL_BEST_NONE. */
bool unroll_series_best(const unroll_series *s, size_t *index);
/* Index of the point whose x is nearest to x (the earlier on a tie); false
 * when the series is empty. */
bool unroll_series_nearest(const unroll_series *s, double x, size_t *index);
/* Smallest and largest x; false when empty. */
bool unroll_series_x_extent(const unroll_series *s, double *lo, double *hi);
/* Smallest and largest finite value (positive_only: of values > 0) among
 * points with x in [x0, x1]; false when there is none. O(log n). */
bool unroll_series_y_extent(unroll_series *s, bool smoothed, bool positive_only, double x0,
                            double x1, double *lo, double *hi);

/* ------------------------------------------------------------ smoothing
 * A continuous-time exponential moving average over x with time constant tau
 * (x units), applied to the piecewise-linear curve through the points:
 *     ds/dx = (y(x) - s(x)) / tau,   s(x_0) = y_0.
 * Between two points (h = x_i - x_{i-1}, a = exp(-h/tau), m = slope) the
 * exact solution is
 *     s_i = y_i - m tau + a (s_{i-1} - y_{i-1} + m tau),
 * so the smoothed value at a given x depends on the curve, not on how densely
 * it was sampled (100 or 10,000 points of one curve give nearly the same s).
 * Non-finite values are skipped (s carries over); tau <= 0: no smoothing.
 * It is causal, so appending points extends the smoothed values in O(new). */
void unroll_series_set_tau(unroll_series *s, double tau);
double unroll_series_get_tau(const unroll_series *s);
/* The smoothed values (len entries; equal to the values when tau <= 0). */
const double *unroll_series_smoothed(unroll_series *s);
/* Time constant for a smoothing strength in [0, 1) and a chart's x range:
 *     tau = 0.02 * range * strength / (1 - strength)
 * (0.6: 3 % of the range, 0.9: 18 %, 0.99: ~2 ranges). The range is rounded
 * up to 2^(k/4) first, so tau changes (and the series re-smooths in full) at
 * most four times per doubling of the range while a run grows. 0 for a
 * strength <= 0 or an empty range. */
double unroll_smoothing_tau(double strength, double x_range);

/* ------------------------------------------------------------- thinning */
typedef struct {
    size_t count;         /* points whose x falls in the column (0: none) */
    double min, max;      /* extremes of their finite values; min > max: none */
    double first, last;   /* values of the first and last point (may be NaN) */
    double x_first;       /* x of the first point */
} unroll_column;

/* Splits [x0, x1] into n_cols equal columns (column c: [x0 + c w, x0 +
 * (c+1) w), the last one closed) and fills cols[c] for the raw (smoothed:
 * false) or smoothed values; positive_only counts only values > 0 in min/max
 * (a log axis). The cost is O(n_cols log n), independent of how many points
 * each column holds: a pyramid of block minima and maxima answers each
 * column's range. */
void unroll_series_thin(unroll_series *s, bool smoothed, bool positive_only, double x0, double x1,
                        size_t n_cols, unroll_column *cols);

/* ---------------------------------------------------------------- ticks */
/* Nice linear ticks: multiples of a step 1, 2 or 5 x 10^k, the smallest such
 * step giving at most max_ticks ticks in [lo, hi]. Writes at most cap ticks,
 * returns how many; *step gets the step (may be NULL). */
size_t unroll_ticks_linear(double lo, double hi, size_t max_ticks, double *ticks, size_t cap,
                           double *step);
/* Ticks for a log axis on [lo, hi] (lo > 0): the decades 10^k inside, every
 * 2nd/5th/10th... decade when more than max_ticks; when fewer than two
 * decades fall inside, 1-2-5 multiples of each decade; when still fewer than
 * two, the linear ticks. Returns 0 for lo <= 0 or hi < lo. */
size_t unroll_ticks_log(double lo, double hi, size_t max_ticks, double *ticks, size_t cap);
/* Nice range for a linear axis: [lo, hi] widened to the enclosing multiples
 * of the tick step; a zero-width range becomes value +- 1 (or +-|v| / 10). */
void unroll_axis_nice_range(double *lo, double *hi, size_t max_ticks);
/* A tick label: step is the tick spacing (0 for log ticks). Uses k/M for
 * large round numbers (12k, 1.5M), scientific for tiny ones (1e-05). */
void unroll_format_tick(double v, double step, char *buf, size_t len);

/* ------------------------------------------------------------------ CSV */
/* Writes "series,step,epoch,value" then one line per point of every series,
 * in series order; labels are quoted when they hold a comma, quote or line
 * break; values with 17 significant digits (round trip exact). */
bool unroll_series_write_csv(const char *path, unroll_series *const *series, size_t n,
                             GError **error);
/* Reads such a file back: one series per distinct label, in order of first
 * appearance (best kind NONE). NULL with error on a malformed line (its
 * number in the message) or decreasing steps. Frees with
 * unroll_series_array_free. */
unroll_series **unroll_series_read_csv(const char *path, size_t *n, GError **error);
void unroll_series_array_free(unroll_series **series, size_t n);

G_END_DECLS

#endif
