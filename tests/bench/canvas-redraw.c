/* canvas-redraw.c — benchmark: a 300-node graph (chains of LSTM blocks with
 * branches merged by Add) on the canvas in a 1600x1000 window; times the
 * canvas's snapshot plus its rendering with cairo (what GSK_RENDERER=cairo
 * does) for 100 pan and 100 zoom frames, against a 16 ms frame budget. */
#include <adwaita.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canvas-view.h"
#include "document.h"
#include "frame-time.h"

#define BUDGET_MS 16.0
#define FRAMES 100
#define N_NODES 300

static ur_value *layer(const char *name, const char *cls, const char *in1, const char *in2)
{
    ur_value *l = ur_value_new_object();
    ur_value_set(l, "name", ur_value_new_string(name));
    ur_value_set(l, "class", ur_value_new_string(cls));
    if (in1) {
        ur_value *in = ur_value_new_array();
        ur_value_append(in, ur_value_new_string(in1));
        if (in2)
            ur_value_append(in, ur_value_new_string(in2));
        ur_value_set(l, "inputs", in);
    }
    return l;
}

/* Input -> [LSTM -> Dropout -> (Dense a, Dense b) -> Add] x k -> tail, 300 layers. */
static ur_value *big_model(void)
{
    ur_value *doc = ur_value_new_object();
    ur_value_set(doc, "name", ur_value_new_string("bench"));
    ur_value *layers = ur_value_new_array();
    ur_value *in = layer("x", "Input", NULL, NULL);
    ur_value *shape = ur_value_new_array();
    ur_value_append(shape, ur_value_new_number(28));
    ur_value_append(shape, ur_value_new_number(16));
    ur_value_set(in, "shape", shape);
    ur_value_append(layers, in);
    int n = 1, block = 0;
    char prev[64] = "x", a[64], b[64], c[64], d[64], e[64];
    while (n + 5 <= N_NODES) {
        snprintf(a, sizeof a, "lstm_%d", block);
        snprintf(b, sizeof b, "dropout_%d", block);
        snprintf(c, sizeof c, "dense_a_%d", block);
        snprintf(d, sizeof d, "dense_b_%d", block);
        snprintf(e, sizeof e, "add_%d", block);
        ur_value *l = layer(a, "LSTM", prev, NULL);
        ur_value_set(l, "units", ur_value_new_number(16));
        ur_value_set(l, "return_sequences", ur_value_new_bool(true));
        ur_value_append(layers, l);
        l = layer(b, "Dropout", a, NULL);
        ur_value_set(l, "rate", ur_value_new_number(0.1));
        ur_value_append(layers, l);
        l = layer(c, "Dense", b, NULL);
        ur_value_set(l, "units", ur_value_new_number(16));
        ur_value_set(l, "activation", ur_value_new_string("relu"));
        ur_value_append(layers, l);
        l = layer(d, "Dense", b, NULL);
        ur_value_set(l, "units", ur_value_new_number(16));
        ur_value_append(layers, l);
        ur_value_append(layers, layer(e, "Add", c, d));
        snprintf(prev, sizeof prev, "%s", e);
        n += 5;
        block++;
    }
    while (n < N_NODES) {
        snprintf(a, sizeof a, "tail_%d", n);
        ur_value *l = layer(a, "Dense", prev, NULL);
        ur_value_set(l, "units", ur_value_new_number(8));
        ur_value_append(layers, l);
        snprintf(prev, sizeof prev, "%s", a);
        n++;
    }
    ur_value_set(doc, "layers", layers);
    return doc;
}

static double snapshot_ms_total, cpu_ms;

/* One frame's wall-clock milliseconds; its CPU time goes to cpu_ms. */
static double frame(GtkWidget *canvas, cairo_surface_t *surface)
{
    double snapshot_ms;
    double ms = frame_render(canvas, surface, NULL, &snapshot_ms, &cpu_ms);
    snapshot_ms_total += snapshot_ms;
    return ms;
}

static void report(const char *what, double *ms, int n, double *p50, double *p99)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    *p50 = ms[n / 2];
    *p99 = ms[(int)ceil(0.99 * n) - 1];
    printf("%-5s frames: %d  median %6.2f ms  p99 %6.2f ms  max %6.2f ms  "
           "median/budget %.2f  p99/budget %.2f\n",
           what, n, *p50, *p99, ms[n - 1], *p50 / BUDGET_MS, *p99 / BUDGET_MS);
}

int main(void)
{
    if (!gtk_init_check()) {
        fprintf(stderr, "canvas-redraw: no display: skipped\n");
        return 77;
    }
    adw_init();
    ur_value *model = big_model();
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_value(model, &error);
    ur_value_free(model);
    if (!doc) {
        fprintf(stderr, "canvas-redraw: %s\n", error->message);
        return 1;
    }
    const ur_graph *g = unroll_document_get_graph(doc);
    const char *first_layer = NULL, *first_message = NULL;
    int errors = unroll_document_count_errors(doc, &first_layer, &first_message);
    printf("graph: %d layers, %d in error%s%s%s\n", ur_graph_n_layers(g), errors,
           errors ? " (first: " : "", errors ? first_message : "", errors ? ")" : "");

    GtkWidget *window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(window), 1600, 1000);
    GtkWidget *canvas = unroll_canvas_view_new();
    gtk_window_set_child(GTK_WINDOW(window), canvas);
    gint64 t0 = g_get_monotonic_time();
    unroll_canvas_view_set_document(UNROLL_CANVAS_VIEW(canvas), doc);
    double load_ms = (g_get_monotonic_time() - t0) / 1000.0;
    gtk_window_present(GTK_WINDOW(window));
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while ((!gtk_widget_get_mapped(canvas) || gtk_widget_get_width(canvas) <= 0) &&
           g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, FALSE);
    if (!gtk_widget_get_mapped(canvas)) {
        fprintf(stderr, "canvas-redraw: the window was never mapped\n");
        return 1;
    }
    for (int i = 0; i < 20; i++)
        g_main_context_iteration(NULL, FALSE);
    int w = gtk_widget_get_width(canvas), h = gtk_widget_get_height(canvas);
    UnrollCanvasView *v = UNROLL_CANVAS_VIEW(canvas);
    printf("canvas: %dx%d, %d nodes, %d wires; set_document (text, arrange) %.1f ms\n", w, h,
           unroll_canvas_view_get_canvas(v)->n_nodes, unroll_canvas_view_get_canvas(v)->n_wires,
           load_ms);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);

    /* a first frame fills the caches of the cards in view */
    unroll_canvas_view_zoom_reset(v);
    double first = frame(canvas, surface);
    double pan[FRAMES], zoom[FRAMES], pan_cpu[FRAMES], zoom_cpu[FRAMES], pan_snap, zoom_snap;
    snapshot_ms_total = 0;
    /* pan: 100 frames of 12 px at 100 % across the graph's middle rows */
    for (int i = 0; i < FRAMES; i++) {
        unroll_canvas_view_pan(v, -12, i % 20 < 10 ? 3 : -3);
        pan[i] = frame(canvas, surface);
        pan_cpu[i] = cpu_ms;
    }
    pan_snap = snapshot_ms_total / FRAMES;
    snapshot_ms_total = 0;
    /* zoom: 100 frames from 10 % (the whole graph in view) to 200 % and back */
    for (int i = 0; i < FRAMES; i++) {
        double t = i < FRAMES / 2 ? i / (FRAMES / 2.0 - 1) : (FRAMES - 1 - i) / (FRAMES / 2.0 - 1);
        double z = 0.1 * pow(20.0, t);
        unroll_canvas_view_zoom_at(v, z, w * 0.5, h * 0.5);
        zoom[i] = frame(canvas, surface);
        zoom_cpu[i] = cpu_ms;
    }
    zoom_snap = snapshot_ms_total / FRAMES;
    /* an edit: a node moved and released, the canvas rebuilt from the graph */
    const char *name = "lstm_3";
    double x = 0, y = 0;
    unroll_document_get_position(doc, name, &x, &y);
    t0 = g_get_monotonic_time();
    unroll_document_move_nodes(doc, &name, &x, &y, 1, NULL);
    double edit_ms = (g_get_monotonic_time() - t0) / 1000.0;

    printf("first frame (cold card cache) %.2f ms; an edit (rebuild on \"changed\") %.1f ms\n",
           first, edit_ms);
    double pan50, pan99, zoom50, zoom99, c50, c99;
    printf("wall-clock time per frame:\n");
    report("pan", pan, FRAMES, &pan50, &pan99);
    report("zoom", zoom, FRAMES, &zoom50, &zoom99);
    printf("CPU time per frame (what the frame costs, without other processes' share):\n");
    report("pan", pan_cpu, FRAMES, &c50, &c99);
    report("zoom", zoom_cpu, FRAMES, &c50, &c99);
    printf("of which building the snapshot (mean): pan %.2f ms, zoom %.2f ms; the rest is "
           "cairo rendering\n", pan_snap, zoom_snap);
    const char *dir = g_getenv("UNROLL_SCREENSHOT_DIR");
    if (dir && *dir) {
        unroll_canvas_view_fit(v);
        frame(canvas, surface);
        g_mkdir_with_parents(dir, 0755);
        char *path = g_build_filename(dir, "canvas-300.png", NULL);
        cairo_surface_write_to_png(surface, path);
        g_free(path);
    }
    cairo_surface_destroy(surface);
    gtk_window_destroy(GTK_WINDOW(window));
    g_object_unref(doc);
    int ok = pan50 < BUDGET_MS && zoom50 < BUDGET_MS;
    printf("%s: median pan and zoom frames %s the %.0f ms budget\n", ok ? "PASS" : "FAIL",
           ok ? "within" : "over", BUDGET_MS);
    return ok ? 0 : 1;
}
