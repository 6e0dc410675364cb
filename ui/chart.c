/* chart.c — UnrollChart: lays out title, legend, axes and plot, and draws
 * series thinned to pixel columns (ui/chart-data.c) with cairo, into the
 * widget's snapshot or an export surface (PNG, SVG); hover readout. */
#include "chart.h"

#include <adwaita.h>
#include <cairo-svg.h>
#include <math.h>
#include <string.h>

#define PAD 12.0
#define MAX_TICKS_Y 6
#define DOTS_BELOW 48 /* a series with fewer points (in view) shows them as dots */
#define HOVER_REACH 28.0 /* px: a series reports a value this far past its ends */

typedef struct {
    unroll_series *s;
    guint color;
    UnrollDash dash;
} chart_series;

struct _UnrollChart {
    GtkWidget parent_instance;
    char *title, *x_label, *y_label;
    gboolean log_y, x_is_epoch;
    double smoothing;
    int n_series;
    chart_series series[UNROLL_CHART_MAX_SERIES];
    gboolean hovering;
    double hover_x, hover_y;
    unroll_column *cols;
    double *env; /* (x, top, bottom) per column: a band being built */
    size_t cols_cap;
};

G_DEFINE_FINAL_TYPE(UnrollChart, unroll_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_TITLE, PROP_X_LABEL, PROP_Y_LABEL, PROP_LOG_Y, PROP_SMOOTHING,
       PROP_X_IS_EPOCH, N_PROPS };
static GParamSpec *props[N_PROPS];

/* ------------------------------------------------------------- colours */
typedef struct {
    GdkRGBA fg, bg, box;
    gboolean dark;
} chart_colors;

/* GNOME palette accents: a darker shade on light backgrounds, a lighter one
 * on dark backgrounds, each readable against its background. */
static const guint32 palette_light[] = {0x1c71d8, 0xe66100, 0x26a269, 0x9141ac,
                                        0xc01c28, 0x0e8a99, 0x986a44, 0x5e5c64};
static const guint32 palette_dark[] = {0x62a0ea, 0xffa348, 0x57e389, 0xdc8add,
                                       0xf66151, 0x5fd3e0, 0xcdab8f, 0xc0bfbc};

static GdkRGBA hex(guint32 v, double a)
{
    GdkRGBA c = {((v >> 16) & 255) / 255.0f, ((v >> 8) & 255) / 255.0f, (v & 255) / 255.0f,
                 (float)a};
    return c;
}

static void set_rgba(cairo_t *cr, GdkRGBA c, double alpha)
{
    cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha * alpha);
}

static GdkRGBA series_color(const chart_colors *c, guint index)
{
    const guint32 *p = c->dark ? palette_dark : palette_light;
    return hex(p[index % G_N_ELEMENTS(palette_light)], 1);
}

static void read_colors(GtkWidget *w, chart_colors *c)
{
    if (!gtk_widget_get_root(w)) {
        /* outside a window GTK computes no style (the colour reads white):
         * libadwaita's colours for the current light or dark scheme */
        c->dark = adw_style_manager_get_dark(adw_style_manager_get_default());
        c->fg = c->dark ? hex(0xffffff, 1) : hex(0x000000, 0.8);
        c->bg = c->dark ? hex(0x1e1e1e, 1) : hex(0xffffff, 1);
        c->box = c->dark ? hex(0x383838, 1) : hex(0xffffff, 1);
        return;
    }
    GtkStyleContext *ctx = gtk_widget_get_style_context(w);
    GdkRGBA fg, bg;
    gtk_style_context_get_color(ctx, &fg); /* 4.8: no gtk_widget_get_color */
    gboolean light_fg = 0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue > 0.5;
    if (!gtk_style_context_lookup_color(ctx, "view_bg_color", &bg) &&
        !gtk_style_context_lookup_color(ctx, "window_bg_color", &bg))
        bg = light_fg ? hex(0x1e1e1e, 1) : hex(0xffffff, 1);
    bg.alpha = 1;
    c->fg = fg;
    c->bg = bg;
    c->dark = 0.299 * bg.red + 0.587 * bg.green + 0.114 * bg.blue < 0.5;
    /* the readout box: a popover-like surface a step off the background */
    GdkRGBA box;
    if (!gtk_style_context_lookup_color(ctx, "popover_bg_color", &box))
        box = c->dark ? hex(0x383838, 1) : hex(0xffffff, 1);
    box.alpha = 1;
    c->box = box;
}

/* -------------------------------------------------------------- layout */
typedef struct {
    double x0, x1;      /* data x range */
    double y0, y1;      /* data y range (log: of the values, not their logs) */
    double px0, px1;    /* plot rectangle in pixels: x from px0 to px1 */
    double py0, py1;    /* y from py0 (top) to py1 (bottom) */
    double dx0, dx1;    /* inner x span where data lands (px0, px1 less a margin) */
    gboolean log_y, has_data;
    double yticks[32], xticks[32], ystep, xstep;
    size_t n_yticks, n_xticks;
} chart_layout;

static double map_x(const chart_layout *l, double x)
{
    return l->x1 > l->x0 ? l->dx0 + (x - l->x0) / (l->x1 - l->x0) * (l->dx1 - l->dx0)
                         : 0.5 * (l->dx0 + l->dx1);
}

static double map_y(const chart_layout *l, double y)
{
    double t = l->log_y ? (log10(y) - log10(l->y0)) / (log10(l->y1) - log10(l->y0))
                        : (y - l->y0) / (l->y1 - l->y0);
    return l->py1 - t * (l->py1 - l->py0);
}

static double unmap_x(const chart_layout *l, double px)
{
    if (!(l->x1 > l->x0) || l->dx1 <= l->dx0)
        return l->x0;
    return l->x0 + (px - l->dx0) / (l->dx1 - l->dx0) * (l->x1 - l->x0);
}

static gboolean data_x_range(UnrollChart *self, double *lo, double *hi)
{
    gboolean any = FALSE;
    for (int i = 0; i < self->n_series; i++) {
        double a, b;
        if (!unroll_series_x_extent(self->series[i].s, &a, &b))
            continue;
        if (!any || a < *lo)
            *lo = a;
        if (!any || b > *hi)
            *hi = b;
        any = TRUE;
    }
    return any;
}

/* Brings every series' smoothing time constant up to date. */
static void update_tau(UnrollChart *self)
{
    double lo = 0, hi = 0;
    double tau = data_x_range(self, &lo, &hi) ? unroll_smoothing_tau(self->smoothing, hi - lo) : 0;
    for (int i = 0; i < self->n_series; i++)
        unroll_series_set_tau(self->series[i].s, tau);
}

static void set_font(PangoLayout *pl, const PangoFontDescription *base, double scale, int weight)
{
    PangoFontDescription *d = pango_font_description_copy(base);
    int size = pango_font_description_get_size(base);
    if (size <= 0)
        size = 10 * PANGO_SCALE;
    if (pango_font_description_get_size_is_absolute(base))
        pango_font_description_set_absolute_size(d, size * scale);
    else
        pango_font_description_set_size(d, (int)(size * scale));
    pango_font_description_set_weight(d, weight);
    pango_layout_set_font_description(pl, d);
    pango_font_description_free(d);
}

static void text_size(PangoLayout *pl, const char *s, double *w, double *h)
{
    pango_layout_set_text(pl, s, -1);
    int iw, ih;
    pango_layout_get_pixel_size(pl, &iw, &ih);
    *w = iw;
    *h = ih;
}

/* Draws s with its box's (ax, ay) fraction at (x, y). */
static void draw_text(cairo_t *cr, PangoLayout *pl, const char *s, double x, double y, double ax,
                      double ay)
{
    double w, h;
    text_size(pl, s, &w, &h);
    cairo_move_to(cr, round(x - ax * w), round(y - ay * h));
    pango_cairo_show_layout(cr, pl);
    cairo_new_path(cr); /* no current point left for the next arc to join */
}

static void set_dash(cairo_t *cr, UnrollDash dash, double width)
{
    if (dash == UNROLL_DASH_DASHED) {
        double d[] = {6 * width / 2, 4 * width / 2};
        cairo_set_dash(cr, d, 2, 0);
    } else if (dash == UNROLL_DASH_DOTTED) {
        double d[] = {0.01, 3 * width / 2 + 1.5};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

typedef struct {
    double x, w;        /* legend entry box */
    int series;
} legend_entry;

/* Computes the layout for a w x h area: title and legend rows on top, y tick
 * labels on the left, x tick labels and x label at the bottom. */
static void compute_layout(UnrollChart *self, PangoLayout *pl, const PangoFontDescription *font,
                           double w, double h, chart_layout *l, double *legend_y,
                           double *title_h)
{
    memset(l, 0, sizeof *l);
    l->log_y = self->log_y;
    double tw = 0, th = 0;
    set_font(pl, font, 1.0, PANGO_WEIGHT_BOLD);
    text_size(pl, self->title && *self->title ? self->title : "Ag", &tw, &th);
    if (!(self->title && *self->title))
        tw = 0;
    set_font(pl, font, 0.9, PANGO_WEIGHT_NORMAL);
    /* legend: right of the title when it fits, else on its own row */
    double lw = 0, lh = 0;
    for (int i = 0; i < self->n_series; i++) {
        double ew, eh;
        text_size(pl, unroll_series_label(self->series[i].s), &ew, &eh);
        lw += (i ? 16 : 0) + 22 + ew;
        lh = MAX(lh, eh);
    }
    double top = PAD;
    gboolean legend_same_row = tw + 24 + lw <= w - 2 * PAD;
    if (self->title && *self->title)
        top += th + 6;
    if (self->n_series && !legend_same_row)
        top += lh + 6;
    *legend_y = legend_same_row ? PAD + (th - lh) / 2 : PAD + ((self->title && *self->title) ? th + 6 : 0);
    *title_h = th;
    top += 4;

    /* data ranges */
    l->has_data = data_x_range(self, &l->x0, &l->x1);
    gboolean any_y = FALSE;
    for (int i = 0; l->has_data && i < self->n_series; i++) {
        double a, b;
        if (!unroll_series_y_extent(self->series[i].s, FALSE, self->log_y, l->x0, l->x1, &a, &b))
            continue;
        if (!any_y || a < l->y0)
            l->y0 = a;
        if (!any_y || b > l->y1)
            l->y1 = b;
        any_y = TRUE;
    }
    if (!any_y) {
        l->has_data = FALSE;
        l->y0 = self->log_y ? 0.1 : 0;
        l->y1 = 1;
    }
    if (l->has_data && l->x1 == l->x0) {
        l->x0 -= 1;
        l->x1 += 1;
    }
    if (!l->has_data) {
        l->x0 = 0;
        l->x1 = 1;
    }
    if (self->log_y) {
        if (l->y1 <= l->y0) {
            l->y0 /= 2;
            l->y1 *= 2;
        }
        double pad = 0.04 * (log10(l->y1) - log10(l->y0));
        l->y0 = pow(10, log10(l->y0) - pad);
        l->y1 = pow(10, log10(l->y1) + pad);
    } else {
        unroll_axis_nice_range(&l->y0, &l->y1, MAX_TICKS_Y);
    }

    /* the plot's height decides the number of y ticks */
    set_font(pl, font, 0.85, PANGO_WEIGHT_NORMAL);
    double dw, dh;
    text_size(pl, "0123456789", &dw, &dh);
    double bottom = h - PAD - dh - 4;
    if (self->x_label && *self->x_label)
        bottom -= dh + 4;
    size_t max_y = (size_t)CLAMP((bottom - top) / (2.8 * dh), 2, MAX_TICKS_Y);
    if (self->log_y)
        l->n_yticks = unroll_ticks_log(l->y0, l->y1, max_y, l->yticks, 32);
    else
        l->n_yticks = unroll_ticks_linear(l->y0, l->y1, max_y, l->yticks, 32, &l->ystep);
    if (self->log_y)
        l->ystep = 0; /* log tick labels carry their own precision */
    double ylab_w = 0;
    char buf[64];
    for (size_t i = 0; i < l->n_yticks; i++) {
        double tw2, th2;
        unroll_format_tick(l->yticks[i], l->ystep, buf, sizeof buf);
        text_size(pl, buf, &tw2, &th2);
        ylab_w = MAX(ylab_w, tw2);
    }
    double left = PAD + ylab_w + 8;
    if (self->y_label && *self->y_label)
        left += dh + 6;
    l->px0 = left;
    l->px1 = w - PAD;
    l->py0 = top;
    l->py1 = bottom;
    if (l->px1 < l->px0 + 10)
        l->px1 = l->px0 + 10;
    if (l->py1 < l->py0 + 10)
        l->py1 = l->py0 + 10;
    double margin = 6;
    l->dx0 = l->px0 + margin;
    l->dx1 = l->px1 - margin;

    /* x ticks: as many as fit with room for their labels */
    unroll_format_tick(l->x1, l->x1 - l->x0, buf, sizeof buf);
    double xw, xh;
    text_size(pl, buf, &xw, &xh);
    size_t max_x = (size_t)CLAMP((l->dx1 - l->dx0) / (xw + 40), 2, 12);
    if (self->x_is_epoch) {
        /* epochs are whole numbers: steps of at least 1 */
        l->n_xticks = unroll_ticks_linear(l->x0, l->x1, max_x, l->xticks, 32, &l->xstep);
        if (l->xstep < 1) {
            l->n_xticks = 0;
            for (double e = ceil(l->x0); e <= l->x1 && l->n_xticks < 32; e++)
                l->xticks[l->n_xticks++] = e;
            l->xstep = 1;
        }
    } else {
        l->n_xticks = unroll_ticks_linear(l->x0, l->x1, max_x, l->xticks, 32, &l->xstep);
    }
}

/* Emits the band of one run of columns: along the tops left to right, back
 * along the bottoms; env holds (x, top, bottom) per column. */
static void envelope_run(cairo_t *cr, const double *env, size_t n, double hw)
{
    if (!n)
        return;
    cairo_move_to(cr, env[0] - hw, env[1]);
    for (size_t i = 0; i < n; i++)
        cairo_line_to(cr, env[3 * i] + (i + 1 == n ? hw : 0), env[3 * i + 1]);
    for (size_t i = n; i-- > 0;)
        cairo_line_to(cr, env[3 * i] + (i + 1 == n ? hw : 0) - (i == 0 ? hw : 0), env[3 * i + 2]);
    cairo_close_path(cr);
}

/* Draws one series (raw or smoothed values) thinned to pixel columns, with
 * the source, line width and dash already set on cr. Where the series has
 * more than two points per column in view and is solid, its line is drawn
 * as a filled band: per column from the lowest to the highest value (and the
 * previous column's last value, so columns join), widened by half the line
 * width; filling one band costs far less than stroking a zigzag through
 * every column's extremes and looks the same. Otherwise a stroked path runs
 * through each column's first, extreme and last values (a lone point at its
 * own x). */
static void draw_series_line(UnrollChart *self, cairo_t *cr, const chart_layout *l,
                             unroll_series *s, gboolean smoothed, UnrollDash dash,
                             double line_width)
{
    size_t n_cols = (size_t)MAX(1.0, ceil(l->dx1 - l->dx0));
    if (n_cols > self->cols_cap) {
        self->cols = g_renew(unroll_column, self->cols, n_cols);
        self->env = g_renew(double, self->env, 3 * n_cols);
        self->cols_cap = n_cols;
    }
    unroll_series_thin(s, smoothed, l->log_y, l->x0, l->x1, n_cols, self->cols);
    double colw = (l->dx1 - l->dx0) / (double)n_cols;
    size_t in_view = 0;
    for (size_t c = 0; c < n_cols; c++)
        in_view += self->cols[c].count;
    cairo_new_path(cr);
    if (dash == UNROLL_DASH_SOLID && in_view > 2 * n_cols) {
        double hw = line_width / 2, prev = NAN;
        size_t run = 0;
        for (size_t c = 0; c < n_cols; c++) {
            const unroll_column *col = &self->cols[c];
            if (!col->count)
                continue;
            if (!(col->min <= col->max)) {
                envelope_run(cr, self->env, run, hw);
                run = 0;
                prev = NAN;
                continue;
            }
            double lo = col->min, hi = col->max;
            if (isfinite(prev)) {
                lo = MIN(lo, prev);
                hi = MAX(hi, prev);
            }
            double *e = &self->env[3 * run++];
            e[0] = col->count == 1 ? map_x(l, col->x_first) : l->dx0 + (c + 0.5) * colw;
            e[1] = map_y(l, hi) - hw;
            e[2] = map_y(l, lo) + hw;
            prev = col->last >= col->min && col->last <= col->max ? col->last : col->max;
        }
        envelope_run(cr, self->env, run, hw);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_fill(cr);
        return;
    }
    gboolean pen = FALSE;
    for (size_t c = 0; c < n_cols; c++) {
        const unroll_column *col = &self->cols[c];
        if (!col->count)
            continue;
        if (!(col->min <= col->max)) {
            pen = FALSE; /* only NaN/inf (or <= 0 on a log axis): a gap */
            continue;
        }
        double x = col->count == 1 ? map_x(l, col->x_first) : l->dx0 + (c + 0.5) * colw;
        double first = col->first, last = col->last;
        if (!(first >= col->min && first <= col->max))
            first = col->min;
        if (!(last >= col->min && last <= col->max))
            last = col->max;
        double yf = map_y(l, first);
        if (pen)
            cairo_line_to(cr, x, yf);
        else
            cairo_move_to(cr, x, yf);
        if (col->count > 1) {
            gboolean down = first - col->min < col->max - first;
            cairo_line_to(cr, x, map_y(l, down ? col->min : col->max));
            cairo_line_to(cr, x, map_y(l, down ? col->max : col->min));
            cairo_line_to(cr, x, map_y(l, last));
        } else if (!pen) {
            cairo_line_to(cr, x + 0.01, yf); /* a lone point still shows with a round cap */
        }
        pen = TRUE;
    }
    cairo_set_line_width(cr, line_width);
    set_dash(cr, dash, line_width);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

static gboolean value_drawable(const chart_layout *l, double v)
{
    return isfinite(v) && (!l->log_y || v > 0);
}

static void format_value(double v, char *buf, size_t len)
{
    if (isnan(v))
        g_snprintf(buf, len, "NaN");
    else if (isinf(v))
        g_snprintf(buf, len, v > 0 ? "∞" : "−∞");
    else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
        g_snprintf(buf, len, "%.3e", v);
    else
        g_snprintf(buf, len, "%.4g", v);
}

/* A readout line's value: the smoothed value and the raw one, or the value. */
static void value_text(const UnrollChartValue *v, gboolean smooth, char *buf, size_t len)
{
    char a[48], b[48];
    format_value(smooth ? v->smoothed : v->value, a, sizeof a);
    if (!smooth) {
        g_snprintf(buf, len, "%s", a);
        return;
    }
    format_value(v->value, b, sizeof b);
    g_snprintf(buf, len, "%s · raw %s", a, b);
}

static void format_step(double step, char *buf, size_t len)
{
    if (step == floor(step) && fabs(step) < 1e15)
        g_snprintf(buf, len, "%.0f", step);
    else
        g_snprintf(buf, len, "%.4g", step);
}

/* Fills r for the pointer at widget x (layout l); FALSE: nothing to read. */
static gboolean compute_readout(UnrollChart *self, const chart_layout *l, double px,
                                UnrollChartReadout *r)
{
    memset(r, 0, sizeof *r);
    r->epoch = -1;
    r->n_series = self->n_series;
    if (!l->has_data || px < l->px0 - 1 || px > l->px1 + 1)
        return FALSE;
    double x = unmap_x(l, px);
    double best_d = INFINITY;
    for (int i = 0; i < self->n_series; i++) {
        unroll_series *s = self->series[i].s;
        size_t k;
        if (!unroll_series_nearest(s, x, &k))
            continue;
        double d = fabs(map_x(l, unroll_series_xs(s)[k]) - px);
        if (d < best_d) {
            best_d = d;
            r->step = unroll_series_xs(s)[k];
            r->epoch = unroll_series_epochs(s)[k];
        }
    }
    if (!isfinite(best_d))
        return FALSE;
    r->rule_x = map_x(l, r->step);
    for (int i = 0; i < self->n_series; i++) {
        unroll_series *s = self->series[i].s;
        UnrollChartValue *v = &r->values[i];
        size_t k;
        if (!unroll_series_nearest(s, r->step, &k))
            continue;
        double sx = unroll_series_xs(s)[k];
        double lo, hi;
        unroll_series_x_extent(s, &lo, &hi);
        if (fabs(map_x(l, sx) - r->rule_x) > HOVER_REACH &&
            (r->step < lo || r->step > hi))
            continue;
        v->has = TRUE;
        v->step = sx;
        v->epoch = unroll_series_epochs(s)[k];
        v->value = unroll_series_ys(s)[k];
        v->smoothed = unroll_series_smoothed(s)[k];
        if (r->epoch < 0 && v->epoch >= 0 && sx == r->step)
            r->epoch = v->epoch;
    }
    if (self->x_is_epoch)
        r->epoch = (int)r->step;
    r->valid = TRUE;
    return TRUE;
}

/* How many pixels of the series' lines (their vertical extents over the
 * box's columns) the box (x, y, w, h) covers. */
static double label_overlap(UnrollChart *self, const chart_layout *l, double x, double y,
                            double w, double h)
{
    double score = 0;
    for (int i = 0; i < self->n_series; i++) {
        unroll_series *s = self->series[i].s;
        double lo, hi, x0 = unmap_x(l, x), x1 = unmap_x(l, x + w);
        size_t a, b, n = unroll_series_len(s);
        const double *xs = unroll_series_xs(s);
        /* widen to the points either side: the segments crossing the box */
        if (!unroll_series_nearest(s, x0, &a) || !unroll_series_nearest(s, x1, &b))
            continue;
        if (xs[a] > x0 && a > 0)
            a--;
        while (b + 1 < n && xs[b] < x1)
            b++;
        if (!unroll_series_y_extent(s, self->smoothing > 0, l->log_y, MIN(xs[a], x0),
                                    MAX(xs[b], x1), &lo, &hi))
            continue;
        double top = map_y(l, hi) - 2, bottom = map_y(l, lo) + 2;
        score += MAX(0, MIN(bottom, y + h) - MAX(top, y));
    }
    return score;
}

/* Where the best point's label (w x h) goes: of the boxes above, below and
 * to either side of the point at (px, py), inside the plot, the one that
 * covers the fewest line pixels; the first (above a minimum, below a
 * maximum) on a tie. */
static void place_label(UnrollChart *self, const chart_layout *l, double px, double py,
                        double w, double h, gboolean above_first, double *tx, double *ty)
{
    double up = py - 9 - h, down = py + 9, mid = py - h / 2;
    double cand[][2] = {
        {px - w / 2, above_first ? up : down}, {px - w / 2, above_first ? down : up},
        {px + 10, above_first ? up : down},    {px - 10 - w, above_first ? up : down},
        {px + 10, above_first ? down : up},    {px - 10 - w, above_first ? down : up},
        {px + 10, mid},                        {px - 10 - w, mid},
        {px - 10 - w, above_first ? up - 16 : down + 16},
        {px + 10, above_first ? up - 16 : down + 16},
    };
    double best = INFINITY;
    *tx = l->px0 + 4;
    *ty = l->py0 + 1;
    for (size_t i = 0; i < G_N_ELEMENTS(cand); i++) {
        double x = CLAMP(cand[i][0], l->px0 + 4, l->px1 - w - 4);
        double y = CLAMP(cand[i][1], l->py0 + 1, l->py1 - h - 1);
        /* a box clamped onto the ring counts as covering it */
        double ring = (px + 7 > x && px - 7 < x + w && py + 7 > y && py - 7 < y + h) ? 1e6 : 0;
        double score = label_overlap(self, l, x - 4, y - 1, w + 8, h + 2) + ring;
        if (score < best - 0.5) {
            best = score;
            *tx = x;
            *ty = y;
        }
    }
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -G_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, G_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, G_PI / 2, G_PI);
    cairo_arc(cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
}

static void draw_readout(UnrollChart *self, cairo_t *cr, PangoLayout *pl,
                         const PangoFontDescription *font, const chart_layout *l,
                         const chart_colors *colors, const UnrollChartReadout *r)
{
    gboolean smooth = self->smoothing > 0;
    /* the rule */
    set_rgba(cr, colors->fg, 0.35);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_move_to(cr, round(r->rule_x) + 0.5, l->py0);
    cairo_line_to(cr, round(r->rule_x) + 0.5, l->py1);
    cairo_stroke(cr);
    /* a dot on each series */
    for (int i = 0; i < r->n_series; i++) {
        const UnrollChartValue *v = &r->values[i];
        double y = smooth ? v->smoothed : v->value;
        if (!v->has || !value_drawable(l, y))
            continue;
        double px = map_x(l, v->step), py = map_y(l, y);
        if (py < l->py0 - 2 || py > l->py1 + 2)
            continue;
        cairo_arc(cr, px, py, 4.5, 0, 2 * G_PI);
        set_rgba(cr, colors->bg, 1);
        cairo_fill_preserve(cr);
        GdkRGBA c = series_color(colors, self->series[i].color);
        set_rgba(cr, c, 1);
        cairo_set_line_width(cr, 2);
        cairo_stroke(cr);
    }
    /* the box: header line, then one line per series */
    char head[128], step[48], val[112];
    format_step(r->step, step, sizeof step);
    if (self->x_is_epoch)
        g_snprintf(head, sizeof head, "Epoch %s", step);
    else if (r->epoch >= 0)
        g_snprintf(head, sizeof head, "Step %s · Epoch %d", step, r->epoch);
    else
        g_snprintf(head, sizeof head, "Step %s", step);
    set_font(pl, font, 0.9, PANGO_WEIGHT_BOLD);
    double hw, hh;
    text_size(pl, head, &hw, &hh);
    set_font(pl, font, 0.9, PANGO_WEIGHT_NORMAL);
    double name_w = 0, val_w = 0, lh = hh;
    int lines = 0;
    for (int i = 0; i < r->n_series; i++) {
        const UnrollChartValue *v = &r->values[i];
        if (!v->has)
            continue;
        double w1, h1;
        text_size(pl, unroll_series_label(self->series[i].s), &w1, &h1);
        name_w = MAX(name_w, w1);
        value_text(v, smooth, val, sizeof val);
        text_size(pl, val, &w1, &h1);
        val_w = MAX(val_w, w1);
        lh = MAX(lh, h1);
        lines++;
    }
    double bw = MAX(hw, 16 + name_w + 16 + val_w) + 20;
    double bh = 10 + hh + lines * (lh + 2) + 8;
    double bx = r->rule_x + 12;
    if (bx + bw > l->px1)
        bx = r->rule_x - 12 - bw;
    if (bx < 2)
        bx = 2;
    double by = l->py0 + 6;
    rounded_rect(cr, bx + 0.5, by + 1.5, bw, bh, 8);
    cairo_set_source_rgba(cr, 0, 0, 0, colors->dark ? 0.35 : 0.10);
    cairo_fill(cr);
    rounded_rect(cr, bx, by, bw, bh, 8);
    set_rgba(cr, colors->box, 0.97);
    cairo_fill_preserve(cr);
    set_rgba(cr, colors->fg, colors->dark ? 0.18 : 0.14);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    set_font(pl, font, 0.9, PANGO_WEIGHT_BOLD);
    set_rgba(cr, colors->fg, 1);
    draw_text(cr, pl, head, bx + 10, by + 6, 0, 0);
    set_font(pl, font, 0.9, PANGO_WEIGHT_NORMAL);
    double y = by + 8 + hh + 2;
    for (int i = 0; i < r->n_series; i++) {
        const UnrollChartValue *v = &r->values[i];
        if (!v->has)
            continue;
        GdkRGBA c = series_color(colors, self->series[i].color);
        set_rgba(cr, c, 1);
        cairo_arc(cr, bx + 14, y + lh / 2, 4, 0, 2 * G_PI);
        cairo_fill(cr);
        set_rgba(cr, colors->fg, 0.75);
        draw_text(cr, pl, unroll_series_label(self->series[i].s), bx + 26, y, 0, 0);
        value_text(v, smooth, val, sizeof val);
        set_rgba(cr, colors->fg, 1);
        draw_text(cr, pl, val, bx + bw - 10, y, 1, 0);
        y += lh + 2;
    }
}

/* Draws the whole chart on cr in a w x h area (background not filled). */
static void draw_chart(UnrollChart *self, cairo_t *cr, PangoContext *pctx, double w, double h,
                       const chart_colors *colors, gboolean with_hover)
{
    update_tau(self);
    PangoLayout *pl = pango_layout_new(pctx);
    const PangoFontDescription *font = pango_context_get_font_description(pctx);
    PangoFontDescription *fallback = NULL;
    if (!font) {
        fallback = pango_font_description_from_string("Sans 10");
        font = fallback;
    }
    chart_layout L, *l = &L;
    double legend_y, title_h;
    compute_layout(self, pl, font, w, h, l, &legend_y, &title_h);
    char buf[64];

    /* title and legend */
    if (self->title && *self->title) {
        set_font(pl, font, 1.0, PANGO_WEIGHT_BOLD);
        set_rgba(cr, colors->fg, 1);
        draw_text(cr, pl, self->title, PAD, PAD, 0, 0);
    }
    set_font(pl, font, 0.9, PANGO_WEIGHT_NORMAL);
    double lw = 0;
    for (int i = 0; i < self->n_series; i++) {
        double ew, eh;
        text_size(pl, unroll_series_label(self->series[i].s), &ew, &eh);
        lw += (i ? 16 : 0) + 22 + ew;
    }
    double tw = 0, th;
    if (self->title && *self->title) {
        set_font(pl, font, 1.0, PANGO_WEIGHT_BOLD);
        text_size(pl, self->title, &tw, &th);
        set_font(pl, font, 0.9, PANGO_WEIGHT_NORMAL);
    }
    gboolean same_row = tw + 24 + lw <= w - 2 * PAD;
    double lx = same_row ? w - PAD - lw : PAD;
    for (int i = 0; i < self->n_series; i++) {
        const char *label = unroll_series_label(self->series[i].s);
        double ew, eh;
        text_size(pl, label, &ew, &eh);
        GdkRGBA c = series_color(colors, self->series[i].color);
        set_rgba(cr, c, 1);
        cairo_set_line_width(cr, 2.5);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        set_dash(cr, self->series[i].dash, 2.5);
        cairo_move_to(cr, lx, legend_y + eh / 2);
        cairo_line_to(cr, lx + 16, legend_y + eh / 2);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        set_rgba(cr, colors->fg, 0.8);
        draw_text(cr, pl, label, lx + 22, legend_y, 0, 0);
        lx += 22 + ew + 16;
    }

    /* grid, ticks and axis labels */
    set_font(pl, font, 0.85, PANGO_WEIGHT_NORMAL);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    for (size_t i = 0; i < l->n_yticks; i++) {
        double y = round(map_y(l, l->yticks[i])) + 0.5;
        if (y < l->py0 - 1 || y > l->py1 + 1)
            continue;
        set_rgba(cr, colors->fg, colors->dark ? 0.10 : 0.08);
        cairo_move_to(cr, l->px0, y);
        cairo_line_to(cr, l->px1, y);
        cairo_stroke(cr);
        unroll_format_tick(l->yticks[i], l->ystep, buf, sizeof buf);
        set_rgba(cr, colors->fg, 0.6);
        draw_text(cr, pl, buf, l->px0 - 8, y, 1, 0.5);
    }
    for (size_t i = 0; i < l->n_xticks; i++) {
        double x = round(map_x(l, l->xticks[i])) + 0.5;
        if (x < l->px0 - 1 || x > l->px1 + 1)
            continue;
        set_rgba(cr, colors->fg, colors->dark ? 0.06 : 0.05);
        cairo_move_to(cr, x, l->py0);
        cairo_line_to(cr, x, l->py1);
        cairo_stroke(cr);
        set_rgba(cr, colors->fg, 0.3);
        cairo_move_to(cr, x, l->py1);
        cairo_line_to(cr, x, l->py1 + 4);
        cairo_stroke(cr);
        unroll_format_tick(l->xticks[i], l->xstep, buf, sizeof buf);
        set_rgba(cr, colors->fg, 0.6);
        draw_text(cr, pl, buf, x, l->py1 + 5, 0.5, 0);
    }
    set_rgba(cr, colors->fg, 0.3);
    cairo_move_to(cr, l->px0, round(l->py1) + 0.5);
    cairo_line_to(cr, l->px1, round(l->py1) + 0.5);
    cairo_stroke(cr);
    double dw, dh;
    text_size(pl, "0", &dw, &dh);
    if (self->x_label && *self->x_label) {
        set_rgba(cr, colors->fg, 0.7);
        draw_text(cr, pl, self->x_label, 0.5 * (l->px0 + l->px1), h - PAD, 0.5, 1);
    }
    if (self->y_label && *self->y_label) {
        set_rgba(cr, colors->fg, 0.7);
        double tw2, th2;
        text_size(pl, self->y_label, &tw2, &th2);
        cairo_save(cr);
        cairo_translate(cr, PAD, 0.5 * (l->py0 + l->py1));
        cairo_rotate(cr, -G_PI / 2);
        cairo_move_to(cr, round(-tw2 / 2), 0);
        pango_cairo_show_layout(cr, pl);
        cairo_new_path(cr);
        cairo_restore(cr);
    }

    if (!l->has_data) {
        set_font(pl, font, 1.0, PANGO_WEIGHT_NORMAL);
        set_rgba(cr, colors->fg, 0.45);
        draw_text(cr, pl, self->n_series ? "No data yet" : "No series", 0.5 * (l->px0 + l->px1),
                  0.5 * (l->py0 + l->py1), 0.5, 0.5);
        if (fallback)
            pango_font_description_free(fallback);
        g_object_unref(pl);
        return;
    }

    /* the series, clipped to the plot */
    cairo_save(cr);
    cairo_rectangle(cr, l->px0, l->py0 - 3, l->px1 - l->px0, l->py1 - l->py0 + 6);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    gboolean smooth = self->smoothing > 0;
    for (int i = 0; i < self->n_series; i++) {
        chart_series *cs = &self->series[i];
        GdkRGBA c = series_color(colors, cs->color);
        if (!unroll_series_len(cs->s))
            continue;
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        if (smooth) {
            set_rgba(cr, c, colors->dark ? 0.30 : 0.22);
            draw_series_line(self, cr, l, cs->s, FALSE, cs->dash, 1.2);
        }
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        set_rgba(cr, c, 1);
        draw_series_line(self, cr, l, cs->s, smooth, cs->dash, 2);
        /* few points (and no smoothing): a dot on each */
        size_t n = unroll_series_len(cs->s);
        if (!smooth && n < DOTS_BELOW && n * 8 < (size_t)(l->dx1 - l->dx0)) {
            const double *xs = unroll_series_xs(cs->s);
            const double *ys = unroll_series_ys(cs->s);
            for (size_t k = 0; k < n; k++) {
                if (!value_drawable(l, ys[k]))
                    continue;
                cairo_arc(cr, map_x(l, xs[k]), map_y(l, ys[k]), 3, 0, 2 * G_PI);
                set_rgba(cr, c, 1);
                cairo_fill(cr);
            }
        }
    }
    /* best points: a ring and a label */
    set_font(pl, font, 0.85, PANGO_WEIGHT_BOLD);
    for (int i = 0; i < self->n_series; i++) {
        chart_series *cs = &self->series[i];
        size_t k;
        if (!unroll_series_best(cs->s, &k))
            continue;
        double bxv = unroll_series_xs(cs->s)[k], byv = unroll_series_ys(cs->s)[k];
        if (!value_drawable(l, byv))
            continue;
        double px = map_x(l, bxv), py = map_y(l, byv);
        GdkRGBA c = series_color(colors, cs->color);
        cairo_arc(cr, px, py, 5.5, 0, 2 * G_PI);
        set_rgba(cr, colors->bg, 1);
        cairo_fill_preserve(cr);
        set_rgba(cr, c, 1);
        cairo_set_line_width(cr, 2.5);
        cairo_stroke(cr);
        cairo_arc(cr, px, py, 2, 0, 2 * G_PI);
        cairo_fill(cr);
        char v[48], label[128];
        format_value(byv, v, sizeof v);
        int ep = unroll_series_epochs(cs->s)[k];
        if (self->x_is_epoch)
            g_snprintf(label, sizeof label, "best %s · epoch %.0f", v, bxv);
        else if (ep >= 0)
            g_snprintf(label, sizeof label, "best %s · epoch %d", v, ep);
        else
            g_snprintf(label, sizeof label, "best %s", v);
        double tw2, th2;
        text_size(pl, label, &tw2, &th2);
        double tx, ty;
        place_label(self, l, px, py, tw2, th2, unroll_series_best_kind(cs->s) == UNROLL_BEST_MIN,
                    &tx, &ty);
        rounded_rect(cr, tx - 4, ty - 1, tw2 + 8, th2 + 2, 4);
        set_rgba(cr, colors->bg, 0.85);
        cairo_fill(cr);
        set_rgba(cr, c, 1);
        draw_text(cr, pl, label, tx, ty, 0, 0);
    }
    cairo_restore(cr);

    if (with_hover && self->hovering) {
        UnrollChartReadout r;
        if (compute_readout(self, l, self->hover_x, &r))
            draw_readout(self, cr, pl, font, l, colors, &r);
    }
    if (fallback)
        pango_font_description_free(fallback);
    g_object_unref(pl);
}

static void unroll_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    UnrollChart *self = UNROLL_CHART(widget);
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    if (w <= 0 || h <= 0)
        return;
    chart_colors colors;
    read_colors(widget, &colors);
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
    draw_chart(self, cr, gtk_widget_get_pango_context(widget), w, h, &colors, TRUE);
    cairo_destroy(cr);
}

static void unroll_chart_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                                 int *minimum, int *natural, int *minimum_baseline,
                                 int *natural_baseline)
{
    if (orientation == GTK_ORIENTATION_HORIZONTAL) {
        *minimum = 200;
        *natural = 480;
    } else {
        *minimum = 140;
        *natural = 260;
    }
}

/* ---------------------------------------------------------------- hover */
static gboolean widget_layout(UnrollChart *self, chart_layout *l)
{
    int w = gtk_widget_get_width(GTK_WIDGET(self)), h = gtk_widget_get_height(GTK_WIDGET(self));
    if (w <= 0 || h <= 0)
        return FALSE;
    update_tau(self);
    PangoContext *pctx = gtk_widget_get_pango_context(GTK_WIDGET(self));
    PangoLayout *pl = pango_layout_new(pctx);
    const PangoFontDescription *font = pango_context_get_font_description(pctx);
    PangoFontDescription *fallback = font ? NULL : pango_font_description_from_string("Sans 10");
    double legend_y, title_h;
    compute_layout(self, pl, font ? font : fallback, w, h, l, &legend_y, &title_h);
    if (fallback)
        pango_font_description_free(fallback);
    g_object_unref(pl);
    return TRUE;
}

gboolean unroll_chart_hover_at(UnrollChart *self, double x, double y, UnrollChartReadout *readout)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), FALSE);
    UnrollChartReadout r;
    chart_layout l;
    gboolean ok = widget_layout(self, &l) && y >= 0 && compute_readout(self, &l, x, &r);
    if (!ok) {
        memset(&r, 0, sizeof r);
        r.epoch = -1;
        r.n_series = self->n_series;
    }
    if (readout)
        *readout = r;
    gboolean was = self->hovering;
    self->hovering = ok;
    self->hover_x = x;
    self->hover_y = y;
    if (ok || was)
        gtk_widget_queue_draw(GTK_WIDGET(self));
    return ok;
}

void unroll_chart_hover_clear(UnrollChart *self)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    if (self->hovering) {
        self->hovering = FALSE;
        gtk_widget_queue_draw(GTK_WIDGET(self));
    }
}

static void on_motion(GtkEventControllerMotion *c, double x, double y, UnrollChart *self)
{
    unroll_chart_hover_at(self, x, y, NULL);
}

static void on_leave(GtkEventControllerMotion *c, UnrollChart *self)
{
    unroll_chart_hover_clear(self);
}

/* --------------------------------------------------------------- export */
static chart_colors export_colors(UnrollChart *self)
{
    chart_colors c;
    read_colors(GTK_WIDGET(self), &c);
    return c;
}

static void render_export(UnrollChart *self, cairo_t *cr, int width, int height)
{
    chart_colors colors = export_colors(self);
    set_rgba(cr, colors.bg, 1);
    cairo_paint(cr);
    PangoContext *pctx = pango_cairo_create_context(cr);
    const PangoFontDescription *font =
        pango_context_get_font_description(gtk_widget_get_pango_context(GTK_WIDGET(self)));
    if (font)
        pango_context_set_font_description(pctx, font);
    draw_chart(self, cr, pctx, width, height, &colors, FALSE);
    g_object_unref(pctx);
}

static gboolean check_size(const char *path, int width, int height, GError **error)
{
    if (width < 16 || height < 16 || width > 16384 || height > 16384) {
        g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_IO,
                    "Cannot export %s: size %dx%d is outside 16..16384 pixels", path, width,
                    height);
        return FALSE;
    }
    return TRUE;
}

/* Renders into a PNG (svg: FALSE) or SVG file. */
static gboolean export_image(UnrollChart *self, const char *path, int width, int height,
                             gboolean svg, GError **error)
{
    if (!check_size(path, width, height, error))
        return FALSE;
    cairo_surface_t *surface = svg ? cairo_svg_surface_create(path, width, height)
                                   : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cairo_status_t st = cairo_surface_status(surface);
    if (st == CAIRO_STATUS_SUCCESS) {
        cairo_t *cr = cairo_create(surface);
        render_export(self, cr, width, height);
        st = cairo_status(cr);
        cairo_destroy(cr);
        if (st == CAIRO_STATUS_SUCCESS && !svg)
            st = cairo_surface_write_to_png(surface, path);
        cairo_surface_finish(surface); /* an SVG surface writes its file here */
        if (st == CAIRO_STATUS_SUCCESS)
            st = cairo_surface_status(surface);
    }
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_set_error(error, UNROLL_CHART_ERROR, UNROLL_CHART_ERROR_IO, "Cannot write %s: %s",
                    path, cairo_status_to_string(st));
        return FALSE;
    }
    return TRUE;
}

gboolean unroll_chart_export_png(UnrollChart *self, const char *path, int width, int height,
                                 GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self) && path, FALSE);
    return export_image(self, path, width, height, FALSE, error);
}

gboolean unroll_chart_export_svg(UnrollChart *self, const char *path, int width, int height,
                                 GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self) && path, FALSE);
    return export_image(self, path, width, height, TRUE, error);
}

gboolean unroll_chart_export_csv(UnrollChart *self, const char *path, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self) && path, FALSE);
    unroll_series *list[UNROLL_CHART_MAX_SERIES];
    for (int i = 0; i < self->n_series; i++)
        list[i] = self->series[i].s;
    return unroll_series_write_csv(path, list, (size_t)self->n_series, error);
}

/* --------------------------------------------------------------- series */
int unroll_chart_add_series(UnrollChart *self, const char *label, guint color_index,
                            UnrollDash dash, unroll_best best)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), -1);
    if (self->n_series >= UNROLL_CHART_MAX_SERIES)
        return -1;
    chart_series *cs = &self->series[self->n_series];
    cs->s = unroll_series_new(label, best);
    cs->color = color_index;
    cs->dash = dash;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    return self->n_series++;
}

int unroll_chart_get_n_series(UnrollChart *self)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), 0);
    return self->n_series;
}

unroll_series *unroll_chart_get_series(UnrollChart *self, int series)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), NULL);
    return series >= 0 && series < self->n_series ? self->series[series].s : NULL;
}

gboolean unroll_chart_append_point(UnrollChart *self, int series, double step, int epoch, double y)
{
    unroll_series *s = unroll_chart_get_series(self, series);
    if (!s || !unroll_series_append(s, step, epoch, y))
        return FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    return TRUE;
}

gboolean unroll_chart_append(UnrollChart *self, int series, double x, double y)
{
    return unroll_chart_append_point(self, series, x, -1, y);
}

size_t unroll_chart_append_many(UnrollChart *self, int series, const double *x, const int *epochs,
                                const double *y, size_t n)
{
    unroll_series *s = unroll_chart_get_series(self, series);
    if (!s || !n)
        return 0;
    size_t k = unroll_series_append_many(s, x, epochs, y, n);
    if (k)
        gtk_widget_queue_draw(GTK_WIDGET(self));
    return k;
}

size_t unroll_chart_series_count_points(UnrollChart *self, int series)
{
    unroll_series *s = unroll_chart_get_series(self, series);
    return s ? unroll_series_len(s) : 0;
}

void unroll_chart_clear(UnrollChart *self)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    for (int i = 0; i < self->n_series; i++)
        unroll_series_clear(self->series[i].s);
    self->hovering = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void unroll_chart_remove_all_series(UnrollChart *self)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    for (int i = 0; i < self->n_series; i++)
        unroll_series_free(self->series[i].s);
    memset(self->series, 0, sizeof self->series);
    self->n_series = 0;
    self->hovering = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ----------------------------------------------------------- properties */
static void set_string(UnrollChart *self, char **field, const char *value, int prop)
{
    if (g_strcmp0(*field, value) == 0)
        return;
    g_free(*field);
    *field = g_strdup(value);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

void unroll_chart_set_title(UnrollChart *self, const char *title)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    set_string(self, &self->title, title, PROP_TITLE);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   title ? title : "Chart", -1);
}

const char *unroll_chart_get_title(UnrollChart *self)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), NULL);
    return self->title;
}

void unroll_chart_set_x_label(UnrollChart *self, const char *label)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    set_string(self, &self->x_label, label, PROP_X_LABEL);
}

void unroll_chart_set_y_label(UnrollChart *self, const char *label)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    set_string(self, &self->y_label, label, PROP_Y_LABEL);
}

void unroll_chart_set_log_y(UnrollChart *self, gboolean log_y)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    log_y = !!log_y;
    if (self->log_y == log_y)
        return;
    self->log_y = log_y;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOG_Y]);
}

gboolean unroll_chart_get_log_y(UnrollChart *self)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), FALSE);
    return self->log_y;
}

void unroll_chart_set_smoothing(UnrollChart *self, double strength)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    if (!isfinite(strength) || strength < 0)
        strength = 0;
    if (strength > 0.99)
        strength = 0.99;
    if (self->smoothing == strength)
        return;
    self->smoothing = strength;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SMOOTHING]);
}

double unroll_chart_get_smoothing(UnrollChart *self)
{
    g_return_val_if_fail(UNROLL_IS_CHART(self), 0);
    return self->smoothing;
}

void unroll_chart_set_x_is_epoch(UnrollChart *self, gboolean x_is_epoch)
{
    g_return_if_fail(UNROLL_IS_CHART(self));
    x_is_epoch = !!x_is_epoch;
    if (self->x_is_epoch == x_is_epoch)
        return;
    self->x_is_epoch = x_is_epoch;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_X_IS_EPOCH]);
}

static void unroll_chart_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
    UnrollChart *self = UNROLL_CHART(object);
    switch (prop_id) {
    case PROP_TITLE: g_value_set_string(value, self->title); break;
    case PROP_X_LABEL: g_value_set_string(value, self->x_label); break;
    case PROP_Y_LABEL: g_value_set_string(value, self->y_label); break;
    case PROP_LOG_Y: g_value_set_boolean(value, self->log_y); break;
    case PROP_SMOOTHING: g_value_set_double(value, self->smoothing); break;
    case PROP_X_IS_EPOCH: g_value_set_boolean(value, self->x_is_epoch); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void unroll_chart_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec)
{
    UnrollChart *self = UNROLL_CHART(object);
    switch (prop_id) {
    case PROP_TITLE: unroll_chart_set_title(self, g_value_get_string(value)); break;
    case PROP_X_LABEL: unroll_chart_set_x_label(self, g_value_get_string(value)); break;
    case PROP_Y_LABEL: unroll_chart_set_y_label(self, g_value_get_string(value)); break;
    case PROP_LOG_Y: unroll_chart_set_log_y(self, g_value_get_boolean(value)); break;
    case PROP_SMOOTHING: unroll_chart_set_smoothing(self, g_value_get_double(value)); break;
    case PROP_X_IS_EPOCH: unroll_chart_set_x_is_epoch(self, g_value_get_boolean(value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void unroll_chart_finalize(GObject *object)
{
    UnrollChart *self = UNROLL_CHART(object);
    for (int i = 0; i < self->n_series; i++)
        unroll_series_free(self->series[i].s);
    g_free(self->title);
    g_free(self->x_label);
    g_free(self->y_label);
    g_free(self->cols);
    g_free(self->env);
    G_OBJECT_CLASS(unroll_chart_parent_class)->finalize(object);
}

static void unroll_chart_class_init(UnrollChartClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    oc->finalize = unroll_chart_finalize;
    oc->get_property = unroll_chart_get_property;
    oc->set_property = unroll_chart_set_property;
    wc->snapshot = unroll_chart_snapshot;
    wc->measure = unroll_chart_measure;
    GParamFlags f = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
    props[PROP_TITLE] = g_param_spec_string("title", "Title", "Shown above the plot", NULL, f);
    props[PROP_X_LABEL] = g_param_spec_string("x-label", "X label", "Below the x axis", NULL, f);
    props[PROP_Y_LABEL] = g_param_spec_string("y-label", "Y label", "Beside the y axis", NULL, f);
    props[PROP_LOG_Y] = g_param_spec_boolean("log-y", "Log y", "Logarithmic y axis", FALSE, f);
    props[PROP_SMOOTHING] = g_param_spec_double("smoothing", "Smoothing",
                                                "Smoothing strength (fraction of the x range)",
                                                0, 0.99, 0, f);
    props[PROP_X_IS_EPOCH] = g_param_spec_boolean("x-is-epoch", "X is epoch",
                                                  "The x values are epochs", FALSE, f);
    g_object_class_install_properties(oc, N_PROPS, props);
    gtk_widget_class_set_css_name(wc, "chart");
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void unroll_chart_init(UnrollChart *self)
{
    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
    gtk_widget_add_controller(GTK_WIDGET(self), motion);
}

GtkWidget *unroll_chart_new(void)
{
    return g_object_new(UNROLL_TYPE_CHART, NULL);
}
