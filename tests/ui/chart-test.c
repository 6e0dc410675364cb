/* chart-test.c — UnrollChart under a display: a per-step loss chart and a
 * per-epoch train/validation chart in a window, the hover readout, log axis,
 * properties, PNG/SVG/CSV export read back, and screenshots chart.png,
 * chart-dark.png, chart-log.png into $UNROLL_SCREENSHOT_DIR. */
#include <adwaita.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "ui-test.h"

#define STEPS 20000
#define STEPS_PER_EPOCH 1000
#define EPOCHS 20

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double gauss(void) /* sum of 4 uniforms, variance 1 */
{
    double s = 0;
    for (int i = 0; i < 4; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        s += (double)(rng >> 11) / 9007199254740992.0 - 0.5;
    }
    return s * sqrt(3.0);
}

static double batch_loss(int step)
{
    double base = 2.3 * exp(-step / 3500.0) + 0.09;
    return fmax(0.005, base + gauss() * (0.25 * exp(-step / 6000.0) + 0.03));
}

static double epoch_loss(int e, gboolean val)
{
    double l = 2.3 * exp(-e * STEPS_PER_EPOCH / 3500.0) + 0.09;
    return val ? l * 1.05 + 0.04 + 0.006 * fmax(0, e - 11) * (e - 11) : l;
}

static gboolean mapped(gpointer w) { return gtk_widget_get_mapped(w) && gtk_widget_get_width(w) > 0; }

/* Counts pixels of s within 40 (of 255, per channel) of colour c. */
static int count_color(cairo_surface_t *s, guint32 c)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s), n = 0;
    const guint8 *data = cairo_image_surface_get_data(s);
    int r = (c >> 16) & 255, g = (c >> 8) & 255, b = c & 255;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const guint8 *p = data + y * stride + 4 * x; /* BGRA, premultiplied */
            if (p[3] == 255 && abs(p[2] - r) < 40 && abs(p[1] - g) < 40 && abs(p[0] - b) < 40)
                n++;
        }
    return n;
}

static void test_hover(UnrollChart *steps, UnrollChart *epochs, double *loss)
{
    int w = gtk_widget_get_width(GTK_WIDGET(steps)), h = gtk_widget_get_height(GTK_WIDGET(steps));
    UnrollChartReadout r;
    /* the middle: some step, and the value there is that step's loss */
    CHECK(unroll_chart_hover_at(steps, w / 2.0, h / 2.0, &r), "hover in the middle reads");
    int k = (int)r.step;
    CHECK(r.valid && r.step == k && k > STEPS / 4 && k < 3 * STEPS / 4, "middle step %g", r.step);
    CHECK(r.n_series == 1 && r.values[0].has && r.values[0].value == loss[k],
          "value at step %d: %g, want %g", k, r.values[0].value, loss[k]);
    CHECK(r.epoch == k / STEPS_PER_EPOCH + 1, "epoch at step %d: %d", k, r.epoch);
    CHECK(fabs(r.values[0].smoothed - r.values[0].value) < 1.0 &&
              r.values[0].smoothed != r.values[0].value,
          "smoothed value %g beside %g", r.values[0].smoothed, r.values[0].value);
    /* moving right never goes back */
    double last = -1;
    gboolean monotone = TRUE;
    for (double x = 60; x < w - 12; x += 7) {
        if (unroll_chart_hover_at(steps, x, h / 2.0, &r)) {
            monotone = monotone && r.step >= last;
            last = r.step;
        }
    }
    CHECK(monotone, "the rule moves right with the pointer");
    CHECK(unroll_chart_hover_at(steps, w - 13, h / 2.0, &r) && r.step == STEPS - 1,
          "right edge: the last step (%g)", r.step);
    CHECK(!unroll_chart_hover_at(steps, 2, h / 2.0, &r) && !r.valid, "left of the plot: nothing");

    int ew = gtk_widget_get_width(GTK_WIDGET(epochs));
    CHECK(unroll_chart_hover_at(epochs, ew - 13, 50, &r) && r.step == EPOCHS && r.epoch == EPOCHS,
          "epoch chart, right edge: epoch %g / %d", r.step, r.epoch);
    CHECK(r.n_series == 3 && r.values[0].has && r.values[1].has &&
              r.values[0].value == epoch_loss(EPOCHS, FALSE) &&
              r.values[1].value == epoch_loss(EPOCHS, TRUE),
          "train and validation at the last epoch: %g %g", r.values[0].value, r.values[1].value);
    CHECK(!r.values[2].has, "a series that stopped at epoch 5 does not read at epoch %d", EPOCHS);
    double x = 0;
    while (x < ew && !unroll_chart_hover_at(epochs, x, 50, &r))
        x++;
    CHECK(x > 10 && x < ew / 4 && r.step == 1 && r.values[2].has,
          "epoch chart: the plot starts at x %g with epoch %g, where the short series reads", x,
          r.step);
}

static void test_export(UnrollChart *chart, const char *dir)
{
    GError *error = NULL;
    char *png = g_build_filename(dir, "export.png", NULL);
    char *svg = g_build_filename(dir, "export.svg", NULL);
    char *csv = g_build_filename(dir, "export.csv", NULL);
    CHECK(unroll_chart_export_png(chart, png, 800, 300, &error), "PNG: %s",
          error ? error->message : "");
    g_clear_error(&error);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS &&
              cairo_image_surface_get_width(img) == 800 &&
              cairo_image_surface_get_height(img) == 300,
          "PNG decodes at 800x300 (%dx%d)", cairo_image_surface_get_width(img),
          cairo_image_surface_get_height(img));
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        int blue = count_color(img, 0x1c71d8);
        CHECK(blue > 300, "the series is drawn in the first palette colour (%d pixels)", blue);
        const guint8 *p = cairo_image_surface_get_data(img) + 4; /* (1, 0): background */
        CHECK(p[3] == 255 && p[0] > 200 && p[1] > 200 && p[2] > 200,
              "light background filled: %d %d %d %d", p[0], p[1], p[2], p[3]);
    }
    cairo_surface_destroy(img);

    CHECK(unroll_chart_export_svg(chart, svg, 640, 280, &error), "SVG: %s",
          error ? error->message : "");
    g_clear_error(&error);
    char *text = NULL;
    gsize len = 0;
    CHECK(g_file_get_contents(svg, &text, &len, NULL) && strstr(text, "<svg") &&
              strstr(text, "640") && len > 2000,
          "SVG file with a drawing (%zu bytes)", (size_t)len);
    g_free(text);

    CHECK(unroll_chart_export_csv(chart, csv, &error), "CSV: %s", error ? error->message : "");
    g_clear_error(&error);
    size_t n = 0;
    unroll_series **back = unroll_series_read_csv(csv, &n, &error);
    unroll_series *orig = unroll_chart_get_series(chart, 0);
    CHECK(back && n == 1 && unroll_series_len(back[0]) == STEPS &&
              !strcmp(unroll_series_label(back[0]), "batch_loss"),
          "CSV reads back: %s", error ? error->message : "");
    if (back && n == 1 && unroll_series_len(back[0]) == STEPS) {
        CHECK(memcmp(unroll_series_ys(back[0]), unroll_series_ys(orig), STEPS * sizeof(double)) == 0 &&
                  memcmp(unroll_series_epochs(back[0]), unroll_series_epochs(orig),
                         STEPS * sizeof(int)) == 0,
              "every value and epoch exact");
    }
    unroll_series_array_free(back, n);
    g_clear_error(&error);

    char *bad = g_build_filename(dir, "no-such-dir", "x.png", NULL);
    CHECK(!unroll_chart_export_png(chart, bad, 100, 100, &error) && error &&
              strstr(error->message, "x.png"),
          "PNG into a missing folder fails with the path: %s", error ? error->message : "");
    g_clear_error(&error);
    CHECK(!unroll_chart_export_svg(chart, bad, 100, 100, &error) && error, "SVG there fails");
    g_clear_error(&error);
    CHECK(!unroll_chart_export_csv(chart, bad, &error) && error, "CSV there fails");
    g_clear_error(&error);
    CHECK(!unroll_chart_export_png(chart, png, 0, 100, &error) && error, "zero width refused");
    g_clear_error(&error);
    g_unlink(png);
    g_unlink(svg);
    g_unlink(csv);
    g_free(bad);
    g_free(png);
    g_free(svg);
    g_free(csv);
}

/* Charts that are not in a window, empty, a single point, all NaN, tiny. */
static void test_edges(const char *dir)
{
    GtkWidget *w = g_object_ref_sink(unroll_chart_new());
    UnrollChart *c = UNROLL_CHART(w);
    UnrollChartReadout r;
    char *png = g_build_filename(dir, "edge.png", NULL);
    GError *error = NULL;
    CHECK(unroll_chart_export_png(c, png, 200, 100, &error), "no series: %s",
          error ? error->message : "");
    g_clear_error(&error);
    int s = unroll_chart_add_series(c, "one", 0, UNROLL_DASH_SOLID, UNROLL_BEST_MIN);
    CHECK(!unroll_chart_hover_at(c, 10, 10, &r) && !r.valid, "no size: no readout");
    CHECK(unroll_chart_append_point(c, s, 5, 0, NAN), "a NaN value is kept");
    CHECK(unroll_chart_export_png(c, png, 200, 100, &error), "only NaN: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(unroll_chart_append_point(c, s, 7, 0, 0.25), "one finite point");
    unroll_chart_set_log_y(c, TRUE);
    CHECK(unroll_chart_export_png(c, png, 16, 16, &error), "16x16, log, one point: %s",
          error ? error->message : "");
    g_clear_error(&error);
    /* outside a window the export still has dark text on a light background */
    unroll_chart_set_log_y(c, FALSE);
    unroll_chart_set_title(c, "Accuracy");
    CHECK(unroll_chart_export_png(c, png, 300, 150, &error), "unrooted export: %s",
          error ? error->message : "");
    g_clear_error(&error);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        const guint8 *p = cairo_image_surface_get_data(img) + 4;
        CHECK(p[0] > 200 && p[1] > 200 && p[2] > 200, "light background outside a window");
        CHECK(count_color(img, 0x333333) > 10, "dark title text outside a window (%d pixels)",
              count_color(img, 0x333333));
    }
    cairo_surface_destroy(img);
    unroll_chart_set_log_y(c, FALSE);
    unroll_chart_set_smoothing(c, 0.9);
    CHECK(unroll_chart_export_svg(c, png, 300, 150, &error), "SVG, one point, smoothed: %s",
          error ? error->message : "");
    g_clear_error(&error);
    g_unlink(png);
    g_free(png);
    g_object_unref(w);
}

int main(void)
{
    if (!gtk_init_check()) {
        fprintf(stderr, "chart-test: no display: skipped\n");
        return 77;
    }
    adw_init();
    AdwStyleManager *sm = adw_style_manager_get_default();
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_LIGHT);

    GtkWidget *window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(window), 960, 640);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_window_set_child(GTK_WINDOW(window), box);
    GtkWidget *steps_w = unroll_chart_new(), *epochs_w = unroll_chart_new();
    UnrollChart *steps = UNROLL_CHART(steps_w), *epochs = UNROLL_CHART(epochs_w);
    gtk_widget_set_vexpand(steps_w, TRUE);
    gtk_widget_set_vexpand(epochs_w, TRUE);
    gtk_box_append(GTK_BOX(box), steps_w);
    gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
    gtk_box_append(GTK_BOX(box), epochs_w);

    unroll_chart_set_title(steps, "Training loss");
    unroll_chart_set_x_label(steps, "Step");
    unroll_chart_set_smoothing(steps, 0.6);
    int s = unroll_chart_add_series(steps, "batch_loss", 0, UNROLL_DASH_SOLID, UNROLL_BEST_NONE);
    CHECK(s == 0, "first series index %d", s);
    static double loss[STEPS];
    for (int i = 0; i < STEPS; i++) {
        loss[i] = batch_loss(i);
        CHECK(unroll_chart_append_point(steps, s, i, i / STEPS_PER_EPOCH + 1, loss[i]),
              "append step %d", i);
    }
    CHECK(!unroll_chart_append_point(steps, s, 10, 1, 1.0), "a step going back is refused");
    CHECK(!unroll_chart_append(steps, 7, 1, 1), "a bad series index is refused");
    CHECK(unroll_chart_series_count_points(steps, s) == STEPS, "every point kept: %zu",
          unroll_chart_series_count_points(steps, s));

    unroll_chart_set_title(epochs, "Loss per epoch");
    unroll_chart_set_x_label(epochs, "Epoch");
    unroll_chart_set_x_is_epoch(epochs, TRUE);
    int tr = unroll_chart_add_series(epochs, "loss", 0, UNROLL_DASH_SOLID, UNROLL_BEST_NONE);
    int va = unroll_chart_add_series(epochs, "val_loss", 1, UNROLL_DASH_DASHED, UNROLL_BEST_MIN);
    int sh = unroll_chart_add_series(epochs, "short run", 2, UNROLL_DASH_DOTTED, UNROLL_BEST_NONE);
    double ex[EPOCHS], ey[EPOCHS], vy[EPOCHS];
    for (int e = 1; e <= EPOCHS; e++) {
        ex[e - 1] = e;
        ey[e - 1] = epoch_loss(e, FALSE);
        vy[e - 1] = epoch_loss(e, TRUE);
    }
    CHECK(unroll_chart_append_many(epochs, tr, ex, NULL, ey, EPOCHS) == EPOCHS, "append_many");
    CHECK(unroll_chart_append_many(epochs, va, ex, NULL, vy, EPOCHS) == EPOCHS, "append_many");
    for (int e = 1; e <= 5; e++)
        unroll_chart_append(epochs, sh, e, epoch_loss(e, TRUE) * 1.3 + 0.1);
    size_t best, want = 0;
    for (size_t e = 1; e < EPOCHS; e++)
        if (vy[e] < vy[want])
            want = e;
    CHECK(want > 5 && want < EPOCHS - 2, "the validation loss turns up (best at %zu)", want);
    CHECK(unroll_series_best(unroll_chart_get_series(epochs, va), &best) && best == want,
          "best validation epoch index %zu, want %zu", best, want);

    /* properties */
    g_object_set(steps, "smoothing", 0.5, NULL);
    double strength;
    g_object_get(steps, "smoothing", &strength, NULL);
    CHECK(strength == 0.5 && unroll_chart_get_smoothing(steps) == 0.5, "smoothing property %g",
          strength);
    unroll_chart_set_smoothing(steps, 5);
    CHECK(unroll_chart_get_smoothing(steps) == 0.99, "smoothing clamped to 0.99");
    unroll_chart_set_smoothing(steps, 0.6);
    CHECK(!strcmp(unroll_chart_get_title(steps), "Training loss"), "title");

    gtk_window_present(GTK_WINDOW(window));
    CHECK(pump_until(mapped, steps_w, 10000), "the chart is shown");
    wait_for_paint(window);
    pump(100);

    test_hover(steps, epochs, loss);

    /* screenshots: light, with the readout; the pixels show the series */
    int w = gtk_widget_get_width(steps_w), h = gtk_widget_get_height(steps_w);
    unroll_chart_hover_at(steps, w * 0.42, h / 2.0, NULL);
    unroll_chart_hover_at(epochs, w * 0.55, 60, NULL);
    wait_for_paint(window);
    cairo_surface_t *shot = write_png(window, "chart");
    if (shot) {
        CHECK(count_color(shot, 0x1c71d8) > 500, "blue series pixels in chart.png");
        CHECK(count_color(shot, 0xe66100) > 200, "orange validation pixels in chart.png");
        cairo_surface_destroy(shot);
    }

    char *dir = g_dir_make_tmp("chart-test-XXXXXX", NULL);
    test_export(steps, dir);
    test_edges(dir);

    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_DARK);
    pump(100);
    wait_for_paint(window);
    shot = write_png(window, "chart-dark");
    if (shot) {
        CHECK(count_color(shot, 0x62a0ea) > 500, "light blue series pixels in chart-dark.png");
        cairo_surface_destroy(shot);
    }
    char *dark_png = g_build_filename(dir, "dark.png", NULL);
    CHECK(unroll_chart_export_png(steps, dark_png, 300, 200, NULL), "dark export");
    cairo_surface_t *img = cairo_image_surface_create_from_png(dark_png);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        const guint8 *p = cairo_image_surface_get_data(img) + 4;
        CHECK(p[0] < 80 && p[1] < 80 && p[2] < 80, "dark background in the export");
    }
    cairo_surface_destroy(img);
    g_unlink(dark_png);
    g_free(dark_png);
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_LIGHT);

    /* log axis: decades; a series with values <= 0 is skipped there */
    unroll_chart_hover_clear(epochs);
    unroll_chart_set_log_y(steps, TRUE);
    g_object_set(epochs, "log-y", TRUE, NULL);
    CHECK(unroll_chart_get_log_y(epochs), "log-y property");
    int neg = unroll_chart_add_series(epochs, "shifted", 3, UNROLL_DASH_SOLID, UNROLL_BEST_MAX);
    for (int e = 1; e <= EPOCHS; e++)
        unroll_chart_append(epochs, neg, e, 0.3 - 0.03 * e);
    unroll_chart_set_title(epochs, "Loss per epoch (log)");
    unroll_chart_hover_at(steps, w * 0.7, h / 2.0, NULL);
    pump(50);
    wait_for_paint(window);
    shot = write_png(window, "chart-log");
    if (shot)
        cairo_surface_destroy(shot);
    UnrollChartReadout r;
    CHECK(unroll_chart_hover_at(epochs, gtk_widget_get_width(epochs_w) - 13, 50, &r) &&
              r.values[3].has && r.values[3].value < 0,
          "the readout still gives a value a log axis cannot draw");

    /* clear and remove */
    unroll_chart_clear(epochs);
    CHECK(unroll_chart_get_n_series(epochs) == 4 && unroll_chart_series_count_points(epochs, 0) == 0,
          "clear keeps the series, drops the points");
    CHECK(!unroll_chart_hover_at(epochs, 200, 50, &r), "no data: no readout");
    wait_for_paint(window);
    unroll_chart_remove_all_series(epochs);
    CHECK(unroll_chart_get_n_series(epochs) == 0, "series removed");
    for (int i = 0; i < UNROLL_CHART_MAX_SERIES; i++)
        unroll_chart_add_series(epochs, "s", (guint)i, UNROLL_DASH_SOLID, UNROLL_BEST_NONE);
    CHECK(unroll_chart_add_series(epochs, "one too many", 0, UNROLL_DASH_SOLID, UNROLL_BEST_NONE) == -1,
          "at most %d series", UNROLL_CHART_MAX_SERIES);
    wait_for_paint(window);

    g_rmdir(dir);
    g_free(dir);
    gtk_window_destroy(GTK_WINDOW(window));
    if (failures) {
        printf("chart-test: %d check(s) failed\n", failures);
        return 1;
    }
    printf("chart-test: all checks passed\n");
    return 0;
}
