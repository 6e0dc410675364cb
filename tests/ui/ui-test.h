/* ui-test.h — what the window's tests under a display share: CHECK (counts
 * failures and goes on), running the main loop for a while or until a
 * condition holds or a frame is painted, and a widget rendered to a PNG in
 * $UNROLL_SCREENSHOT_DIR. One test program per file includes it. */
#ifndef UNROLL_UI_TEST_H
#define UNROLL_UI_TEST_H

#include <glib/gstdio.h>
#include <gtk/gtk.h>

static int failures;

#define CHECK(cond, ...)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            failures++;                                                             \
            g_printerr("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            g_printerr(__VA_ARGS__);                                                \
            g_printerr("\n");                                                       \
        }                                                                           \
    } while (0)

static inline gboolean ui_test_wake(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main loop for ms milliseconds (layout, frames, idle handlers). */
static inline void pump(int ms)
{
    gboolean done = FALSE;
    g_timeout_add(ms, ui_test_wake, &done);
    while (!done)
        g_main_context_iteration(NULL, TRUE);
}

/* Runs the main loop until cond(data) holds or timeout_ms passes; returns cond. */
static inline gboolean pump_until(gboolean (*cond)(gpointer), gpointer data, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!cond(data) && g_get_monotonic_time() < end) {
        gboolean done = FALSE;
        guint id = g_timeout_add(10, ui_test_wake, &done);
        while (!done && !cond(data))
            g_main_context_iteration(NULL, TRUE);
        if (!done)
            g_source_remove(id);
    }
    return cond(data);
}

static inline void ui_test_painted(GdkFrameClock *clock, gboolean *done) { *done = TRUE; }

/* Runs the main loop until w's window has painted a frame (layout done). */
static inline void wait_for_paint(GtkWidget *w)
{
    gboolean done = FALSE;
    GdkFrameClock *clock = gtk_widget_get_frame_clock(w);
    if (!clock)
        return;
    gulong id = g_signal_connect(clock, "after-paint", G_CALLBACK(ui_test_painted), &done);
    gtk_widget_queue_draw(w);
    gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
    while (!done && g_get_monotonic_time() < end)
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(1000);
    g_signal_handler_disconnect(clock, id);
}

/* w as drawn now, at its size; name says what in messages. The caller
 * destroys the image. */
static inline cairo_surface_t *render(GtkWidget *w, const char *name)
{
    int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
    GdkPaintable *paintable = gtk_widget_paintable_new(w);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, snapshot, width, height);
    GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MAX(width, 1), MAX(height, 1));
    cairo_t *cr = cairo_create(surface);
    CHECK(node != NULL, "%s: the widget draws something", name);
    if (node)
        gsk_render_node_draw(node, cr);
    CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "%s: drawing: %s", name,
          cairo_status_to_string(cairo_status(cr)));
    cairo_destroy(cr);
    if (node)
        gsk_render_node_unref(node);
    g_object_unref(paintable);
    cairo_surface_flush(surface);
    return surface;
}

/* w as drawn now, written to $UNROLL_SCREENSHOT_DIR/<name>.png (nothing when
 * the variable is unset). The image is returned (NULL when not written) for
 * tests that look at its pixels; the caller destroys it. */
static inline cairo_surface_t *write_png(GtkWidget *w, const char *name)
{
    const char *dir = g_getenv("UNROLL_SCREENSHOT_DIR");
    if (!dir || !*dir)
        return NULL;
    g_mkdir_with_parents(dir, 0755);
    cairo_surface_t *surface = render(w, name);
    char *file = g_strdup_printf("%s.png", name);
    char *path = g_build_filename(dir, file, NULL);
    cairo_status_t st = cairo_surface_write_to_png(surface, path);
    CHECK(st == CAIRO_STATUS_SUCCESS, "writing %s: %s", path, cairo_status_to_string(st));
    g_free(file);
    g_free(path);
    return surface;
}

/* The first widget under root (root itself first, then depth first) that
 * match accepts. */
typedef gboolean (*ui_test_match)(GtkWidget *w, gconstpointer data);

static inline GtkWidget *find_under(GtkWidget *root, ui_test_match match, gconstpointer data)
{
    if (match(root, data))
        return root;
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *found = find_under(c, match, data);
        if (found)
            return found;
    }
    return NULL;
}

static inline gboolean ui_test_is_type(GtkWidget *w, gconstpointer type)
{
    return G_TYPE_CHECK_INSTANCE_TYPE(w, (GType)GPOINTER_TO_SIZE(type));
}

/* The first widget of a type under root. */
static inline GtkWidget *find_type(GtkWidget *root, GType type)
{
    return find_under(root, ui_test_is_type, GSIZE_TO_POINTER(type));
}

/* The last visible toplevel of type `type` (dialogs, choosers, About),
 * transient for parent when parent is not NULL. */
static inline gpointer find_toplevel(GType type, GtkWindow *parent)
{
    gpointer found = NULL;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (G_TYPE_CHECK_INSTANCE_TYPE(l->data, type) && gtk_widget_get_visible(l->data) &&
            (!parent || gtk_window_get_transient_for(l->data) == parent))
            found = l->data;
    g_list_free(tops);
    return found;
}

/* A window holding widget at the given size, shown. */
static inline GtkWidget *show_in_window(GtkWidget *widget, int width, int height)
{
    GtkWidget *win = gtk_window_new();
    gtk_window_set_decorated(GTK_WINDOW(win), FALSE);
    gtk_window_set_default_size(GTK_WINDOW(win), width, height);
    gtk_window_set_child(GTK_WINDOW(win), widget);
    gtk_window_present(GTK_WINDOW(win));
    pump(150);
    return win;
}

/* widget, once laid out and painted, as $UNROLL_SCREENSHOT_DIR/<name>.png. */
static inline void screenshot(gpointer widget, const char *name)
{
    pump(150); /* a widget with a layout pending draws nothing */
    wait_for_paint(GTK_WIDGET(widget));
    cairo_surface_t *png = write_png(GTK_WIDGET(widget), name);
    if (png)
        cairo_surface_destroy(png);
}

/* The same with no focused entry (and its selected text) in the picture. */
static inline void screenshot_unfocused(GtkWidget *w, const char *name)
{
    gtk_window_set_focus(GTK_WINDOW(gtk_widget_get_root(w)), NULL);
    screenshot(w, name);
}

#endif
