/* chart-data.c — series storage, min/max pyramids, x-distance smoothing,
 * ticks and CSV for UnrollChart. No GTK and no drawing: every function here
 * is tested without a display (tests/ui-core/test-chart-data.c). */
#include "chart-data.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(unroll-chart-error-quark, unroll_chart_error)

/* ------------------------------------------------------------- pyramid
 * Level k (k >= 1) holds, for every full block of 2^k consecutive values,
 * the block's minimum, maximum and minimum positive value (non-finite values
 * count as missing). Level 0 is the values themselves. A range [i, j) splits
 * into O(log n) aligned blocks, so a column costs O(log n) whatever its
 * number of points. Appending updates only the blocks that became full. */
#define PYR_LEVELS 48

typedef struct {
    double mn, mx, mp; /* min, max, min over values > 0 */
} minmax;

typedef struct {
    minmax *lv[PYR_LEVELS];
    size_t cap[PYR_LEVELS];
    size_t n; /* values covered */
} pyramid;

static minmax leaf(double v)
{
    minmax m = {INFINITY, -INFINITY, INFINITY};
    if (isfinite(v)) {
        m.mn = m.mx = v;
        if (v > 0)
            m.mp = v;
    }
    return m;
}

static minmax merge(minmax a, minmax b)
{
    minmax m = {a.mn < b.mn ? a.mn : b.mn, a.mx > b.mx ? a.mx : b.mx, a.mp < b.mp ? a.mp : b.mp};
    return m;
}

static void pyramid_free(pyramid *p)
{
    for (int k = 0; k < PYR_LEVELS; k++)
        g_free(p->lv[k]);
    memset(p, 0, sizeof *p);
}

static void pyramid_update(pyramid *p, const double *v, size_t n)
{
    if (n < p->n)
        p->n = 0;
    size_t old = p->n;
    for (int k = 1; k < PYR_LEVELS && ((size_t)1 << k) <= n; k++) {
        size_t len = n >> k, start = old >> k;
        if (len > p->cap[k]) {
            size_t cap = p->cap[k] ? p->cap[k] : 64;
            while (cap < len)
                cap *= 2;
            p->lv[k] = g_renew(minmax, p->lv[k], cap);
            p->cap[k] = cap;
        }
        for (size_t j = start; j < len; j++)
            p->lv[k][j] = k == 1 ? merge(leaf(v[2 * j]), leaf(v[2 * j + 1]))
                                 : merge(p->lv[k - 1][2 * j], p->lv[k - 1][2 * j + 1]);
    }
    p->n = n;
}

static minmax pyramid_query(const pyramid *p, const double *v, size_t i, size_t j)
{
    minmax m = {INFINITY, -INFINITY, INFINITY};
    while (i < j) {
        /* the largest aligned block starting at i that fits in [i, j) */
        int k = i ? __builtin_ctzll((unsigned long long)i) : PYR_LEVELS - 1;
        int fit = 63 - __builtin_clzll((unsigned long long)(j - i));
        if (k > fit)
            k = fit;
        if (k >= PYR_LEVELS)
            k = PYR_LEVELS - 1;
        m = merge(m, k == 0 ? leaf(v[i]) : p->lv[k][i >> k]);
        i += (size_t)1 << k;
    }
    return m;
}

/* -------------------------------------------------------------- series */
struct unroll_series {
    char *label;
    unroll_best best_kind;
    double *x, *y;
    int *epoch;
    size_t n, cap;
    bool has_best;
    size_t best;
    /* smoothing: s[0 .. s_n) are up to date for tau; last_finite is the
     * index of the last finite value among them (SIZE_MAX: none yet) */
    double tau;
    double *s;
    size_t s_n, last_finite;
    pyramid raw, smooth;
};

unroll_series *unroll_series_new(const char *label, unroll_best best)
{
    unroll_series *s = g_new0(unroll_series, 1);
    s->label = g_strdup(label ? label : "");
    s->best_kind = best;
    s->last_finite = SIZE_MAX;
    return s;
}

void unroll_series_free(unroll_series *s)
{
    if (!s)
        return;
    g_free(s->label);
    g_free(s->x);
    g_free(s->y);
    g_free(s->epoch);
    g_free(s->s);
    pyramid_free(&s->raw);
    pyramid_free(&s->smooth);
    g_free(s);
}

const char *unroll_series_label(const unroll_series *s) { return s->label; }
unroll_best unroll_series_best_kind(const unroll_series *s) { return s->best_kind; }
size_t unroll_series_len(const unroll_series *s) { return s->n; }
const double *unroll_series_xs(const unroll_series *s) { return s->x; }
const double *unroll_series_ys(const unroll_series *s) { return s->y; }
const int *unroll_series_epochs(const unroll_series *s) { return s->epoch; }

bool unroll_series_append(unroll_series *s, double x, int epoch, double y)
{
    if (!isfinite(x) || (s->n && x < s->x[s->n - 1]))
        return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->x = g_renew(double, s->x, s->cap);
        s->y = g_renew(double, s->y, s->cap);
        s->epoch = g_renew(int, s->epoch, s->cap);
        s->s = g_renew(double, s->s, s->cap);
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->epoch[s->n] = epoch < -1 ? -1 : epoch;
    if (isfinite(y) && s->best_kind != UNROLL_BEST_NONE &&
        (!s->has_best || (s->best_kind == UNROLL_BEST_MIN ? y < s->y[s->best] : y > s->y[s->best]))) {
        s->best = s->n;
        s->has_best = true;
    }
    s->n++;
    return true;
}

size_t unroll_series_append_many(unroll_series *s, const double *x, const int *epochs,
                                 const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!unroll_series_append(s, x[i], epochs ? epochs[i] : -1, y[i]))
            return i;
    return n;
}

void unroll_series_clear(unroll_series *s)
{
    s->n = 0;
    s->s_n = 0;
    s->last_finite = SIZE_MAX;
    s->has_best = false;
    s->raw.n = 0;
    s->smooth.n = 0;
}

bool unroll_series_best(const unroll_series *s, size_t *index)
{
    if (!s->has_best || s->best_kind == UNROLL_BEST_NONE)
        return false;
    if (index)
        *index = s->best;
    return true;
}

/* First index with x[i] >= v (upper: x[i] > v). */
static size_t lower_bound(const double *x, size_t n, double v, bool upper)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (upper ? x[mid] <= v : x[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool unroll_series_nearest(const unroll_series *s, double x, size_t *index)
{
    if (!s->n)
        return false;
    size_t i = lower_bound(s->x, s->n, x, false);
    if (i == s->n)
        i = s->n - 1;
    else if (i > 0) {
        /* the earlier of two equally near points; among equal x, the first */
        size_t p = lower_bound(s->x, s->n, s->x[i - 1], false);
        if (x - s->x[i - 1] <= s->x[i] - x)
            i = p;
    }
    if (index)
        *index = i;
    return true;
}

bool unroll_series_x_extent(const unroll_series *s, double *lo, double *hi)
{
    if (!s->n)
        return false;
    *lo = s->x[0];
    *hi = s->x[s->n - 1];
    return true;
}

/* ----------------------------------------------------------- smoothing */
void unroll_series_set_tau(unroll_series *s, double tau)
{
    if (!isfinite(tau) || tau < 0)
        tau = 0;
    if (tau == s->tau)
        return;
    s->tau = tau;
    s->s_n = 0;
    s->last_finite = SIZE_MAX;
    s->smooth.n = 0;
}

double unroll_series_get_tau(const unroll_series *s) { return s->tau; }

static void smooth_update(unroll_series *s)
{
    for (size_t i = s->s_n; i < s->n; i++) {
        double y = s->y[i];
        if (!isfinite(y)) {
            s->s[i] = s->last_finite == SIZE_MAX ? NAN : s->s[i - 1];
            continue;
        }
        if (s->tau <= 0 || s->last_finite == SIZE_MAX) {
            s->s[i] = y;
        } else {
            size_t p = s->last_finite;
            double h = s->x[i] - s->x[p], yp = s->y[p], sp = s->s[p];
            if (h <= 0) {
                s->s[i] = sp;
            } else {
                /* exact EMA of the line from (x_p, y_p) to (x_i, y_i):
                 * s_i = y_p + a (s_p - y_p) + (y_i - y_p)(1 - (1 - a) tau / h) */
                double r = h / s->tau, a = exp(-r), g = -expm1(-r) / r;
                s->s[i] = yp + a * (sp - yp) + (y - yp) * (1 - g);
            }
        }
        s->last_finite = i;
    }
    s->s_n = s->n;
}

const double *unroll_series_smoothed(unroll_series *s)
{
    smooth_update(s);
    return s->s;
}

double unroll_smoothing_tau(double strength, double x_range)
{
    if (!(strength > 0) || !(x_range > 0) || !isfinite(x_range))
        return 0;
    if (strength > 0.99)
        strength = 0.99;
    double r = exp2(ceil(4 * log2(x_range) - 1e-9) / 4);
    return 0.02 * r * strength / (1 - strength);
}

/* ------------------------------------------------------------ thinning */
static const double *track(unroll_series *s, bool smoothed, const pyramid **p)
{
    if (smoothed) {
        smooth_update(s);
        pyramid_update(&s->smooth, s->s, s->n);
        *p = &s->smooth;
        return s->s;
    }
    pyramid_update(&s->raw, s->y, s->n);
    *p = &s->raw;
    return s->y;
}

bool unroll_series_y_extent(unroll_series *s, bool smoothed, bool positive_only, double x0,
                            double x1, double *lo, double *hi)
{
    const pyramid *p;
    const double *v = track(s, smoothed, &p);
    size_t i = lower_bound(s->x, s->n, x0, false), j = lower_bound(s->x, s->n, x1, true);
    if (i >= j)
        return false;
    minmax m = pyramid_query(p, v, i, j);
    double mn = positive_only ? m.mp : m.mn;
    if (!(mn <= m.mx))
        return false;
    *lo = mn;
    *hi = m.mx;
    return true;
}

void unroll_series_thin(unroll_series *s, bool smoothed, bool positive_only, double x0, double x1,
                        size_t n_cols, unroll_column *cols)
{
    if (!n_cols)
        return;
    const pyramid *p;
    const double *v = track(s, smoothed, &p);
    double w = (x1 - x0) / (double)n_cols;
    size_t i = lower_bound(s->x, s->n, x0, false);
    for (size_t c = 0; c < n_cols; c++) {
        size_t j = c + 1 == n_cols ? lower_bound(s->x, s->n, x1, true)
                                   : lower_bound(s->x, s->n, x0 + (double)(c + 1) * w, false);
        if (j < i)
            j = i;
        unroll_column *col = &cols[c];
        col->count = j - i;
        col->min = INFINITY;
        col->max = -INFINITY;
        col->first = col->last = col->x_first = NAN;
        if (j > i) {
            minmax m = pyramid_query(p, v, i, j);
            col->min = positive_only ? m.mp : m.mn;
            col->max = m.mx;
            if (positive_only && !(m.mx > 0))
                col->max = -INFINITY;
            col->first = v[i];
            col->last = v[j - 1];
            col->x_first = s->x[i];
        }
        i = j;
    }
}

/* --------------------------------------------------------------- ticks */
size_t unroll_ticks_linear(double lo, double hi, size_t max_ticks, double *ticks, size_t cap,
                           double *step)
{
    if (!isfinite(lo) || !isfinite(hi) || hi < lo || max_ticks == 0)
        return 0;
    double span = hi - lo;
    if (span == 0) {
        if (step)
            *step = 0;
        if (cap)
            ticks[0] = lo;
        return cap ? 1 : 0;
    }
    static const double mult[] = {1, 2, 5};
    double base = pow(10, floor(log10(span / (double)max_ticks)) - 1);
    double st = base;
    double a = 0, b = -1;
    for (int e = 0; e < 40; e++) {
        st = mult[e % 3] * base * pow(10, e / 3);
        a = ceil(lo / st - 1e-9);
        b = floor(hi / st + 1e-9);
        if (b - a + 1 <= (double)max_ticks)
            break;
    }
    if (step)
        *step = st;
    size_t n = 0;
    for (double k = a; k <= b && n < cap; k++) {
        double v = k * st;
        if (fabs(v) < st * 1e-9)
            v = 0;
        ticks[n++] = v;
    }
    return n;
}

size_t unroll_ticks_log(double lo, double hi, size_t max_ticks, double *ticks, size_t cap)
{
    if (!(lo > 0) || !isfinite(hi) || hi < lo || max_ticks == 0)
        return 0;
    double l0 = log10(lo), l1 = log10(hi);
    int k0 = (int)ceil(l0 - 1e-9), k1 = (int)floor(l1 + 1e-9);
    size_t n = 0;
    if (k1 - k0 + 1 >= 2) {
        static const int strides[] = {1, 2, 5, 10, 20, 50, 100};
        int stride = 100;
        for (size_t t = 0; t < G_N_ELEMENTS(strides); t++) {
            int st = strides[t];
            int first = (int)ceil((double)k0 / st) * st;
            int count = first > k1 ? 0 : (k1 - first) / st + 1;
            if ((size_t)count <= max_ticks) {
                stride = st;
                break;
            }
        }
        for (int k = (int)ceil((double)k0 / stride) * stride; k <= k1 && n < cap; k += stride)
            ticks[n++] = pow(10, k);
        if (n >= 2)
            return n;
        n = 0;
    }
    static const double mult[] = {1, 2, 5};
    for (int d = (int)floor(l0); d <= (int)floor(l1) && n < cap; d++)
        for (int m = 0; m < 3 && n < cap; m++) {
            double v = mult[m] * pow(10, d);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                ticks[n++] = v;
        }
    if (n >= 2 && n <= max_ticks)
        return n;
    return unroll_ticks_linear(lo, hi, max_ticks, ticks, cap, NULL);
}

void unroll_axis_nice_range(double *lo, double *hi, size_t max_ticks)
{
    if (!isfinite(*lo) || !isfinite(*hi))
        return;
    if (*hi < *lo) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    if (*hi == *lo) {
        double d = *lo == 0 ? 1 : fabs(*lo) / 10;
        *lo -= d;
        *hi += d;
    }
    for (int pass = 0; pass < 2; pass++) {
        double st = 0, t[64];
        unroll_ticks_linear(*lo, *hi, max_ticks, t, G_N_ELEMENTS(t), &st);
        if (st > 0) {
            *lo = floor(*lo / st + 1e-9) * st;
            *hi = ceil(*hi / st - 1e-9) * st;
        }
    }
}

void unroll_format_tick(double v, double step, char *buf, size_t len)
{
    double a = fabs(v);
    if (a < 1e-300 || (step > 0 && a < step * 1e-9)) {
        g_snprintf(buf, len, "0");
        return;
    }
    if (step <= 0) {
        if (a >= 1e5 || a < 1e-3) {
            int e = (int)floor(log10(a) + 1e-9);
            double m = v / pow(10, e);
            if (fabs(m - round(m)) < 1e-6)
                g_snprintf(buf, len, "%.0fe%d", round(m), e);
            else
                g_snprintf(buf, len, "%.2ge%d", m, e);
        } else {
            g_snprintf(buf, len, "%.6g", v);
        }
        return;
    }
    const char *suffix = "";
    double scale = 1;
    if (a >= 1e6 && step >= 1e5) {
        suffix = "M";
        scale = 1e6;
    } else if (a >= 1e3 && step >= 100) {
        suffix = "k";
        scale = 1e3;
    }
    double sst = step / scale;
    if (sst < 1e-5 && !*suffix) {
        int e = (int)floor(log10(a) + 1e-9);
        int dec = (int)ceil(e - log10(step) - 1e-9);
        g_snprintf(buf, len, "%.*e", dec < 0 ? 0 : dec > 6 ? 6 : dec, v);
        return;
    }
    int dec = (int)ceil(-log10(sst) - 1e-9);
    if (dec < 0)
        dec = 0;
    if (dec > 9)
        dec = 9;
    g_snprintf(buf, len, "%.*f%s", dec, v / scale, suffix);
}

/* ----------------------------------------------------------------- CSV */
static void write_field(GString *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        g_string_append(out, s);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

bool unroll_series_write_csv(const char *path, unroll_series *const *series, size_t n,
                             GError **error)
{
    GString *out = g_string_new("series,step,epoch,value\n");
    char num[2][G_ASCII_DTOSTR_BUF_SIZE];
    for (size_t k = 0; k < n; k++) {
        const unroll_series *s = series[k];
        for (size_t i = 0; i < s->n; i++) {
            write_field(out, s->label);
            double y = s->y[i];
            const char *ys = isnan(y) ? "nan" : isinf(y) ? (y > 0 ? "inf" : "-inf")
                                                         : g_ascii_formatd(num[1], sizeof num[1], "%.17g", y);
            g_string_append_printf(out, ",%s,%d,%s\n",
                                   g_ascii_formatd(num[0], sizeof num[0], "%.17g", s->x[i]),
                                   s->epoch[i], ys);
        }
    }
    GError *err = NULL;
    bool ok = g_file_set_contents(path, out->str, (gssize)out->len, &err);
    g_string_free(out, TRUE);
    if (!ok) {
        g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_IO, "Cannot write %s: %s", path,
                    err->message);
        g_error_free(err);
    }
    return ok;
}

void unroll_series_array_free(unroll_series **series, size_t n)
{
    if (!series)
        return;
    for (size_t i = 0; i < n; i++)
        unroll_series_free(series[i]);
    g_free(series);
}

/* Parses one CSV field at *p (quoted or not) into out; *p ends after the
 * separating comma or at the line end. false: an unterminated quote. */
static bool read_field(const char **p, GString *out, bool *comma)
{
    const char *q = *p;
    g_string_truncate(out, 0);
    if (*q == '"') {
        q++;
        for (;;) {
            if (!*q)
                return false;
            if (*q == '"') {
                if (q[1] == '"') {
                    g_string_append_c(out, '"');
                    q += 2;
                    continue;
                }
                q++;
                break;
            }
            g_string_append_c(out, *q++);
        }
    } else {
        while (*q && *q != ',' && *q != '\n' && *q != '\r')
            g_string_append_c(out, *q++);
    }
    *comma = *q == ',';
    if (*comma)
        q++;
    else if (*q && *q != '\n' && *q != '\r')
        return false;
    *p = q;
    return true;
}

static bool parse_double(const char *s, double *v)
{
    if (!g_ascii_strcasecmp(s, "nan")) {
        *v = NAN;
        return true;
    }
    if (!g_ascii_strcasecmp(s, "inf")) {
        *v = INFINITY;
        return true;
    }
    if (!g_ascii_strcasecmp(s, "-inf")) {
        *v = -INFINITY;
        return true;
    }
    char *end;
    errno = 0;
    *v = g_ascii_strtod(s, &end);
    return *s && !*end && errno != ERANGE;
}

unroll_series **unroll_series_read_csv(const char *path, size_t *n_out, GError **error)
{
    char *text = NULL;
    GError *err = NULL;
    *n_out = 0;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_IO, "Cannot read %s: %s", path,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    GPtrArray *list = g_ptr_array_new();
    GHashTable *by_label = g_hash_table_new(g_str_hash, g_str_equal);
    GString *f[4];
    for (int k = 0; k < 4; k++)
        f[k] = g_string_new(NULL);
    bool ok = true;
    const char *p = text;
    size_t line = 0;
    while (*p && ok) {
        line++;
        if (*p == '\n' || *p == '\r') {
            p += p[0] == '\r' && p[1] == '\n' ? 2 : 1;
            continue;
        }
        const char *start = p;
        bool fields = true;
        for (int k = 0; k < 4 && fields; k++) {
            bool comma = false;
            fields = read_field(&p, f[k], &comma) && comma == (k < 3);
        }
        while (*p == '\r')
            p++;
        if (*p == '\n')
            p++;
        else if (*p)
            fields = false;
        if (line == 1 && fields && !strcmp(f[0]->str, "series") && !strcmp(f[1]->str, "step"))
            continue;
        double step, value;
        char *end;
        long epoch = 0;
        if (fields) {
            errno = 0;
            epoch = strtol(f[2]->str, &end, 10);
            fields = *f[2]->str && !*end && errno == 0 && epoch >= -1 && epoch <= INT32_MAX &&
                     parse_double(f[1]->str, &step) && isfinite(step) &&
                     parse_double(f[3]->str, &value);
        }
        if (!fields) {
            const char *eol = strpbrk(start, "\r\n");
            int l = eol ? (int)(eol - start) : (int)strlen(start);
            g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_PARSE,
                        "%s:%zu: expected series,step,epoch,value, got \"%.*s\"", path, line,
                        l > 80 ? 80 : l, start);
            ok = false;
            break;
        }
        unroll_series *s = g_hash_table_lookup(by_label, f[0]->str);
        if (!s) {
            s = unroll_series_new(f[0]->str, UNROLL_BEST_NONE);
            g_ptr_array_add(list, s);
            g_hash_table_insert(by_label, s->label, s);
        }
        if (!unroll_series_append(s, step, (int)epoch, value)) {
            g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_ORDER,
                        "%s:%zu: step %g of series \"%s\" is below the previous step %g", path,
                        line, step, s->label, s->x[s->n - 1]);
            ok = false;
        }
    }
    for (int k = 0; k < 4; k++)
        g_string_free(f[k], TRUE);
    g_hash_table_destroy(by_label);
    g_free(text);
    size_t n = list->len;
    unroll_series **arr = (unroll_series **)g_ptr_array_free(list, FALSE);
    if (!ok) {
        unroll_series_array_free(arr, n);
        return NULL;
    }
    *n_out = n;
    return arr;
}
