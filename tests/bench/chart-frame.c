/* chart-frame.c — benchmark: an UnrollChart at 1200x500 holding 1,000,000
 * points in 3 series (smoothed, with the hover readout shown); times the
 * chart's snapshot plus its cairo rendering (what GSK_RENDERER=cairo does)
 * per frame, p50/p99 against the 16 ms frame budget, for a still chart and
 * for frames that each append a batch of points (live training). */
#include <adwaita.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "chart.h"
#include "frame-time.h"

#define BUDGET_MS 16.0
#define FRAMES 100
#define N_SERIES 3
#define N_POINTS 1000000 /* in all */
#define WIDTH 1200
#define HEIGHT 500

static uint64_t rng = 0x2545f4914f6cdd1dull;
static double noise(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 - 0.5;
}

static double cpu_ms; /* the last frame's CPU time (steadier than wall time on a busy machine) */

static double frame(GtkWidget *chart, cairo_surface_t *surface)
{
    static const double window_bg[3] = {0.98, 0.98, 0.98};
    return frame_render(chart, surface, window_bg, NULL, &cpu_ms);
}

static void report(const char *what, double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    double p50 = ms[n / 2], p99 = ms[(int)ceil(0.99 * n) - 1];
    printf("%-14s frames: %d  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  "
           "p50/budget %.2f  p99/budget %.2f\n",
           what, n, p50, p99, ms[n - 1], p50 / BUDGET_MS, p99 / BUDGET_MS);
}

int main(void)
{
    if (!gtk_init_check()) {
        fprintf(stderr, "chart-frame: no display: skipped\n");
        return 77;
    }
    adw_init();
    GtkWidget *window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(window), WIDTH, HEIGHT);
    GtkWidget *w = unroll_chart_new();
    UnrollChart *chart = UNROLL_CHART(w);
    gtk_window_set_child(GTK_WINDOW(window), w);
    unroll_chart_set_title(chart, "Training loss");
    unroll_chart_set_x_label(chart, "Step");
    unroll_chart_set_smoothing(chart, 0.6);
    const char *names[N_SERIES] = {"run 1", "run 2", "run 3"};
    int per = (N_POINTS + N_SERIES - 1) / N_SERIES, reserve = 20 * FRAMES; /* appended during the live frames */
    double *x = g_new(double, per), *y = g_new(double, per);
    int *ep = g_new(int, per);
    gint64 t0 = g_get_monotonic_time();
    for (int k = 0; k < N_SERIES; k++) {
        int s = unroll_chart_add_series(chart, names[k], (guint)k, UNROLL_DASH_SOLID,
                                        UNROLL_BEST_MIN);
        for (int i = 0; i < per; i++) {
            x[i] = i;
            ep[i] = i / 10000 + 1;
            y[i] = (2.0 + k * 0.3) * exp(-i / 120000.0) + 0.1 + noise() * 0.2 * exp(-i / 300000.0);
        }
        int n = k == N_SERIES - 1 ? N_POINTS - per * (N_SERIES - 1) : per;
        unroll_chart_append_many(chart, s, x, ep, y, (size_t)(n - (k == 0 ? reserve : 0)));
    }
    double load_ms = (g_get_monotonic_time() - t0) / 1000.0;
    gtk_window_present(GTK_WINDOW(window));
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while ((!gtk_widget_get_mapped(w) || gtk_widget_get_width(w) <= 0) &&
           g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, FALSE);
    for (int i = 0; i < 20; i++)
        g_main_context_iteration(NULL, FALSE);
    int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
    size_t total = 0;
    for (int k = 0; k < N_SERIES; k++)
        total += unroll_chart_series_count_points(chart, k);
    printf("chart: %dx%d, %zu points in %d series; appending them %.1f ms\n", width, height,
           total, N_SERIES, load_ms);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    /* the first frame smooths every series and builds the min/max pyramids */
    double first = frame(w, surface);
    printf("first frame (smoothing + pyramids for %zu points): %.2f ms\n", total, first);

    double still[FRAMES], live[FRAMES], still_cpu[FRAMES], live_cpu[FRAMES];
    for (int i = 0; i < FRAMES; i++) {
        unroll_chart_hover_at(chart, 100 + i * (width - 200) / FRAMES, height / 2.0, NULL);
        still[i] = frame(w, surface);
        still_cpu[i] = cpu_ms;
    }
    /* live: 20 new points per frame on the first series, then a frame */
    int next = per - reserve;
    for (int i = 0; i < FRAMES; i++) {
        gint64 a = g_get_monotonic_time();
        double c = thread_cpu_ms();
        for (int j = 0; j < 20; j++, next++)
            unroll_chart_append_point(chart, 0, x[next], ep[next], y[next]);
        frame(w, surface);
        live[i] = (g_get_monotonic_time() - a) / 1000.0; /* the appends included */
        live_cpu[i] = thread_cpu_ms() - c;
    }
    total = 0;
    for (int k = 0; k < N_SERIES; k++)
        total += unroll_chart_series_count_points(chart, k);
    printf("after the live frames: %zu points\n", total);
    report("still+hover", still, FRAMES);
    report("  (CPU time)", still_cpu, FRAMES);
    report("live appends", live, FRAMES);
    report("  (CPU time)", live_cpu, FRAMES);
    const char *dir = g_getenv("UNROLL_SCREENSHOT_DIR");
    if (dir && *dir) {
        g_mkdir_with_parents(dir, 0755);
        char *path = g_build_filename(dir, "chart-bench.png", NULL);
        if (cairo_surface_write_to_png(surface, path) == CAIRO_STATUS_SUCCESS)
            printf("last frame: %s\n", path);
        g_free(path);
    }
    cairo_surface_destroy(surface);
    g_free(x);
    g_free(y);
    g_free(ep);
    gtk_window_destroy(GTK_WINDOW(window));
    return 0;
}
