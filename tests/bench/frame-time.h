/* frame-time.h — what the window's frame benchmarks share: the calling
 * thread's CPU time (steadier than wall time on a busy machine), one frame
 * of a widget drawn and timed, and the comparison that sorts frame times
 * for their percentiles. */
#ifndef UNROLL_FRAME_TIME_H
#define UNROLL_FRAME_TIME_H

#include <gtk/gtk.h>
#include <time.h>

static inline double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One frame of w as the window draws it: its snapshot, rendered with cairo
 * into surface over the background bg (rgb; NULL: cleared to transparent).
 * Returns the frame's wall-clock milliseconds; *snapshot_ms (may be NULL)
 * gets the snapshot's part and *cpu_ms the thread's CPU time. */
static inline double frame_render(GtkWidget *w, cairo_surface_t *surface, const double *bg,
                                  double *snapshot_ms, double *cpu_ms)
{
    double c0 = thread_cpu_ms();
    gint64 t0 = g_get_monotonic_time();
    GtkSnapshot *s = gtk_snapshot_new();
    GTK_WIDGET_GET_CLASS(w)->snapshot(w, s);
    GskRenderNode *node = gtk_snapshot_free_to_node(s);
    if (snapshot_ms)
        *snapshot_ms = (g_get_monotonic_time() - t0) / 1000.0;
    cairo_t *cr = cairo_create(surface);
    if (bg) {
        cairo_set_source_rgb(cr, bg[0], bg[1], bg[2]);
        cairo_paint(cr);
    } else {
        cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
        cairo_paint(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    }
    if (node)
        gsk_render_node_draw(node, cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    if (node)
        gsk_render_node_unref(node);
    *cpu_ms = thread_cpu_ms() - c0;
    return (g_get_monotonic_time() - t0) / 1000.0;
}

/* Ascending doubles, for qsort and g_array_sort. */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif
