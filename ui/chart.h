/* chart.h — UnrollChart, a live line chart: series of (step, epoch, value)
 * points drawn with cairo, smoothed curve over the faint raw one, linear or
 * log y axis, legend, best point, hover readout, PNG/SVG/CSV export. Every
 * point is kept; drawing thins to pixel columns (ui/chart-data.h). */
#ifndef UNROLL_CHART_H
#define UNROLL_CHART_H

#include <gtk/gtk.h>

#include "chart-data.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_CHART (unroll_chart_get_type())
G_DECLARE_FINAL_TYPE(UnrollChart, unroll_chart, UNROLL, CHART, GtkWidget)

#define UNROLL_CHART_MAX_SERIES 16

typedef enum { UNROLL_DASH_SOLID, UNROLL_DASH_DASHED, UNROLL_DASH_DOTTED } UnrollDash;

/* Properties (notify::<name>, bindable to switches and scales): "title",
 * "x-label", "y-label" (strings), "log-y" (boolean), "smoothing" (double
 * 0..0.99), "x-is-epoch" (boolean: x is the epoch itself, the readout says
 * "Epoch N" rather than "Step N"). */
GtkWidget *unroll_chart_new(void);

void unroll_chart_set_title(UnrollChart *chart, const char *title);
const char *unroll_chart_get_title(UnrollChart *chart);
void unroll_chart_set_x_label(UnrollChart *chart, const char *label);
void unroll_chart_set_y_label(UnrollChart *chart, const char *label);
/* Log y axis: decade ticks; values <= 0 are not drawn. */
void unroll_chart_set_log_y(UnrollChart *chart, gboolean log_y);
gboolean unroll_chart_get_log_y(UnrollChart *chart);
/* Smoothing strength, clamped to [0, 0.99]; 0: off. The smoothed curve is
 * drawn over the raw one (faint); see unroll_smoothing_tau for the
 * equation: its strength is a fraction of the x range, not of the point
 * count. */
void unroll_chart_set_smoothing(UnrollChart *chart, double strength);
double unroll_chart_get_smoothing(UnrollChart *chart);
void unroll_chart_set_x_is_epoch(UnrollChart *chart, gboolean x_is_epoch);

/* ---------------------------------------------------------------- series */
/* Adds a series and returns its index (0, 1, ...), or -1 when the chart
 * already has UNROLL_CHART_MAX_SERIES. color_index picks from the palette
 * (modulo its size; light and dark variants follow the theme); best marks
 * the series' lowest or highest point with a ring and a label. */
int unroll_chart_add_series(UnrollChart *chart, const char *label, guint color_index,
                            UnrollDash dash, unroll_best best);
int unroll_chart_get_n_series(UnrollChart *chart);
/* The series (for reading; NULL for a bad index). */
unroll_series *unroll_chart_get_series(UnrollChart *chart, int series);

/* Appends a point and queues one redraw (GTK coalesces them to one per
 * frame). step must not decrease within a series: FALSE (nothing appended)
 * when it does, when it is not finite, or for a bad series index. epoch -1:
 * unknown. unroll_chart_append is append_point with epoch -1. */
gboolean unroll_chart_append_point(UnrollChart *chart, int series, double step, int epoch,
                                   double y);
gboolean unroll_chart_append(UnrollChart *chart, int series, double x, double y);
/* Appends n points (epochs may be NULL); returns how many were appended
 * (fewer when a step decreases). */
size_t unroll_chart_append_many(UnrollChart *chart, int series, const double *x,
                                const int *epochs, const double *y, size_t n);
size_t unroll_chart_series_count_points(UnrollChart *chart, int series);
/* Drops every point of every series (the series stay). */
void unroll_chart_clear(UnrollChart *chart);
/* Drops the series too. */
void unroll_chart_remove_all_series(UnrollChart *chart);

/* ---------------------------------------------------------------- hover */
typedef struct {
    gboolean has;     /* the series has a point near the rule */
    double step;      /* that point's step, epoch, raw and smoothed value */
    int epoch;
    double value;
    double smoothed;  /* == value when smoothing is off */
} UnrollChartValue;

typedef struct {
    gboolean valid;   /* FALSE: outside the plot or no data */
    double step;      /* the step under the rule (the nearest point's) */
    int epoch;        /* its epoch, -1 unknown */
    double rule_x;    /* the rule's widget x */
    int n_series;
    UnrollChartValue values[UNROLL_CHART_MAX_SERIES];
} UnrollChartReadout;

/* What the pointer at widget (x, y) reads: the rule snaps to the nearest
 * point of any series; each series reports its point nearest to that step.
 * Also shows the rule, dots and the readout box there (the motion
 * controller calls this); returns readout->valid. readout may be NULL. */
gboolean unroll_chart_hover_at(UnrollChart *chart, double x, double y,
                               UnrollChartReadout *readout);
/* Hides the rule and the readout box (the pointer left). */
void unroll_chart_hover_clear(UnrollChart *chart);

/* --------------------------------------------------------------- export */
/* Renders the chart as it looks now (theme colours, background filled,
 * without the hover readout) at width x height pixels (16..16384) into a PNG
 * or SVG file. */
gboolean unroll_chart_export_png(UnrollChart *chart, const char *path, int width, int height,
                                 GError **error);
gboolean unroll_chart_export_svg(UnrollChart *chart, const char *path, int width, int height,
                                 GError **error);
/* Every point of every series: series,step,epoch,value (ui/chart-data.h). */
gboolean unroll_chart_export_csv(UnrollChart *chart, const char *path, GError **error);

G_END_DECLS

#endif
