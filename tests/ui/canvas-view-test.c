/* canvas-view-test.c — the node editor under a display: the encoder-decoder
 * example in a window, edited through the entry points the gestures use
 * (drop, port drags, clicks, rubber band, delete, undo, zoom, fit), plus
 * screenshots in light and dark style into $UNROLL_SCREENSHOT_DIR. */
#include <adwaita.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "canvas-view.h"
#include "document.h"
#include "ui-test.h"

static void iterate(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;
    while (g_get_monotonic_time() < end) {
        while (g_main_context_pending(NULL))
            g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }
}

static gboolean wait_mapped(GtkWidget *w)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        if (gtk_widget_get_mapped(w) && gtk_widget_get_width(w) > 0)
            return TRUE;
        g_usleep(1000);
    }
    return FALSE;
}

/* Renders the canvas as its snapshot does and writes it as a PNG; returns
 * the luminance of the pixel at (x, y) (the background there). */
static double screenshot_lum(GtkWidget *canvas, const char *file, int x, int y)
{
    int w = gtk_widget_get_width(canvas), h = gtk_widget_get_height(canvas);
    GtkSnapshot *s = gtk_snapshot_new();
    GTK_WIDGET_GET_CLASS(canvas)->snapshot(canvas, s);
    GskRenderNode *node = gtk_snapshot_free_to_node(s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(surface);
    if (node)
        gsk_render_node_draw(node, cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    const guint8 *px = cairo_image_surface_get_data(surface) +
                       y * cairo_image_surface_get_stride(surface) + 4 * x;
    double lum = (0.114 * px[0] + 0.587 * px[1] + 0.299 * px[2]) / 255.0; /* BGRA */
    const char *dir = g_getenv("UNROLL_SCREENSHOT_DIR");
    if (dir && *dir) {
        g_mkdir_with_parents(dir, 0755);
        char *path = g_build_filename(dir, file, NULL);
        CHECK(cairo_surface_write_to_png(surface, path) == CAIRO_STATUS_SUCCESS, "writing %s",
              path);
        printf("screenshot: %s\n", path);
        g_free(path);
    }
    cairo_surface_destroy(surface);
    if (node)
        gsk_render_node_unref(node);
    return lum;
}

static gboolean cards_overlap(const unroll_canvas *c)
{
    for (int i = 0; i < c->n_nodes; i++)
        for (int j = i + 1; j < c->n_nodes; j++) {
            const unroll_rect *a = &c->nodes[i].rect, *b = &c->nodes[j].rect;
            if (a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
                b->y < a->y + a->h)
                return TRUE;
        }
    return FALSE;
}

static gboolean all_inside(GtkWidget *canvas)
{
    UnrollCanvasView *v = UNROLL_CANVAS_VIEW(canvas);
    const unroll_canvas *c = unroll_canvas_view_get_canvas(v);
    double w = gtk_widget_get_width(canvas), h = gtk_widget_get_height(canvas);
    for (int i = 0; i < c->n_nodes; i++) {
        unroll_rect r = unroll_view_rect_to_screen(unroll_canvas_view_get_view(v), c->nodes[i].rect);
        if (r.x < 0 || r.y < 0 || r.x + r.w > w || r.y + r.h > h) {
            fprintf(stderr, "  %s at (%.1f, %.1f, %.1f, %.1f) in %gx%g\n", c->nodes[i].name, r.x,
                    r.y, r.w, r.h, w, h);
            return FALSE;
        }
    }
    return TRUE;
}

static const char *input_ref(UnrollDocument *doc, const char *layer, const char *key, int k)
{
    const ur_layer *l = ur_graph_find(unroll_document_get_graph(doc), layer);
    const ur_value *in = l ? ur_value_get(ur_layer_spec(l), key) : NULL;
    if (in && in->type == UR_VALUE_STRING && k == 0)
        return in->u.str;
    if (!in || in->type != UR_VALUE_ARRAY || (size_t)k >= in->u.arr.n ||
        in->u.arr.items[k]->type != UR_VALUE_STRING)
        return NULL;
    return in->u.arr.items[k]->u.str;
}

static int n_refs(UnrollDocument *doc, const char *layer, const char *key)
{
    const ur_layer *l = ur_graph_find(unroll_document_get_graph(doc), layer);
    const ur_value *in = l ? ur_value_get(ur_layer_spec(l), key) : NULL;
    if (!in)
        return 0;
    return in->type == UR_VALUE_ARRAY ? (int)in->u.arr.n : 1;
}

/* A widget point with nothing under it. */
static gboolean empty_point(UnrollCanvasView *v, double *x, double *y)
{
    GtkWidget *w = GTK_WIDGET(v);
    for (double py = 4; py < gtk_widget_get_height(w); py += 7)
        for (double px = 4; px < gtk_widget_get_width(w); px += 7)
            if (unroll_canvas_view_hit_test(v, px, py).kind == UNROLL_HIT_NONE) {
                *x = px;
                *y = py;
                return TRUE;
            }
    return FALSE;
}

static void test_canvas(GtkWidget *window, GtkWidget *canvas, UnrollDocument *doc)
{
    UnrollCanvasView *v = UNROLL_CANVAS_VIEW(canvas);
    const unroll_canvas *c = unroll_canvas_view_get_canvas(v);
    ur_graph *g = unroll_document_get_graph(doc);
    GError *error = NULL;

    /* a file without positions: arranged as view state, no undo step, fitted */
    CHECK(c && c->n_nodes == ur_graph_n_layers(g), "a card per layer");
    CHECK(c->n_wires == 7, "7 wires in encoder-decoder, got %d", c->n_wires);
    CHECK(!cards_overlap(c), "auto-arranged cards do not overlap");
    CHECK(!unroll_document_can_undo(doc), "arranging a loaded file is not an undo step");
    double px, py;
    CHECK(!unroll_document_get_position(doc, "encoder", &px, &py),
          "view-state positions are not written into the document");
    CHECK(all_inside(canvas), "a loaded file is fitted into the widget");
    int dec = unroll_canvas_find(c, "decoder"), enc = unroll_canvas_find(c, "encoder");
    CHECK(c->nodes[dec].n_states == 2, "decoder shows 2 initial-state ports");
    CHECK(c->nodes[enc].n_outputs == 3, "encoder shows 3 outputs (return_state)");

    /* hit test under a port's screen position finds that port */
    double x, y;
    CHECK(unroll_canvas_view_port_position(v, "decoder", UNROLL_PORT_STATE, 1, &x, &y),
          "decoder state port 1");
    unroll_hit hit = unroll_canvas_view_hit_test(v, x, y);
    CHECK(hit.kind == UNROLL_HIT_PORT && hit.node == dec && hit.port_kind == UNROLL_PORT_STATE &&
              hit.port == 1,
          "hit at decoder state 1 gives kind %d node %d port kind %d port %d", hit.kind, hit.node,
          hit.port_kind, hit.port);
    CHECK(unroll_canvas_view_port_position(v, "encoder", UNROLL_PORT_OUTPUT, 2, &x, &y),
          "encoder output 2");
    hit = unroll_canvas_view_hit_test(v, x + 2, y - 1);
    CHECK(hit.kind == UNROLL_HIT_PORT && hit.node == enc && hit.port_kind == UNROLL_PORT_OUTPUT &&
              hit.port == 2,
          "hit near encoder output 2");

    /* tooltips: a port says what it is and what a drag does; a wire names
     * its ends and shape */
    GdkRectangle area;
    g_autofree char *tip = unroll_canvas_view_dup_tooltip(v, x, y, &area);
    CHECK(tip && g_str_has_prefix(tip, "encoder:2 — state output (None, ") &&
              strstr(tip, "Drag to an input to connect"),
          "encoder output 2's tooltip: %s", tip);
    CHECK(area.x <= x && x <= area.x + area.width && area.y <= y && y <= area.y + area.height,
          "the tooltip's area holds the pointer");
    CHECK(unroll_canvas_view_port_position(v, "decoder", UNROLL_PORT_STATE, 1, &x, &y), "state 1");
    g_free(tip);
    tip = unroll_canvas_view_dup_tooltip(v, x, y, &area);
    CHECK(tip && g_str_equal(tip, "decoder — initial state 1\nDrag off to disconnect or reconnect"),
          "decoder state 1's tooltip: %s", tip);
    int into_state = -1;
    for (int k = 0; k < c->n_wires; k++)
        if (c->wires[k].dst == dec && c->wires[k].dst_kind == UNROLL_PORT_STATE &&
            c->wires[k].dst_port == 1)
            into_state = k;
    double sx, sy;
    CHECK(into_state >= 0 &&
              unroll_canvas_view_port_position(v, "encoder", UNROLL_PORT_OUTPUT,
                                               c->wires[into_state].src_port, &sx, &sy),
          "the wire into decoder state 1");
    g_free(tip);
    tip = unroll_canvas_view_dup_tooltip(v, (sx + x) / 2, (sy + y) / 2, &area);
    CHECK(tip && strstr(tip, "→ decoder (state)") && strstr(tip, "(None, "),
          "the wire's tooltip at its middle: %s", tip);
    CHECK(unroll_canvas_view_dup_tooltip(v, -50, -50, &area) == NULL, "no tooltip off the canvas");

    /* screenshots, light then dark */
    double ex, ey;
    CHECK(empty_point(v, &ex, &ey), "an empty point on the canvas");
    double light = screenshot_lum(canvas, "canvas.png", (int)ex, (int)ey);
    CHECK(light > 0.7, "light style background is light (%.2f)", light);
    AdwStyleManager *sm = adw_style_manager_get_default();
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_DARK);
    iterate(200);
    double dark = screenshot_lum(canvas, "canvas-dark.png", (int)ex, (int)ey);
    CHECK(dark < 0.3, "dark style background is dark (%.2f)", dark);
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_LIGHT);
    iterate(100);
    /* a close look at the encoder and decoder */
    unroll_rect er = c->nodes[enc].rect;
    unroll_canvas_view_zoom_at(v, 1.6, 0, 0);
    const unroll_view *zv = unroll_canvas_view_get_view(v);
    unroll_canvas_view_pan(v, 40 - (er.x * zv->zoom + zv->tx), 60 - (er.y * zv->zoom + zv->ty));
    screenshot_lum(canvas, "canvas-zoomed.png", 1, 1);
    unroll_canvas_view_fit(v);

    /* drop a layer: placed at the drop point in canvas coordinates */
    const unroll_view *view = unroll_canvas_view_get_view(v);
    unroll_canvas_view_zoom_at(v, 0.8, 100, 100);
    unroll_canvas_view_pan(v, -37, 21);
    double dx = gtk_widget_get_width(canvas) * 0.5, dy = gtk_widget_get_height(canvas) - 60;
    unroll_point cp = unroll_view_to_canvas(view, (unroll_point){dx, dy});
    char *dense = unroll_canvas_view_drop_layer(v, "Dense", dx, dy, &error);
    CHECK(dense != NULL, "drop Dense: %s", error ? error->message : "");
    g_clear_error(&error);
    if (!dense)
        return;
    c = unroll_canvas_view_get_canvas(v);
    CHECK(unroll_document_get_position(doc, dense, &px, &py), "dropped layer has a position");
    CHECK(fabs(px - round(cp.x - c->style.min_w / 2)) < 1e-9 &&
              fabs(py - round(cp.y - (c->style.pad + c->style.title_h) / 2)) < 1e-9,
          "dropped at (%g, %g), pointer at canvas (%g, %g)", px, py, cp.x, cp.y);
    int di = unroll_canvas_find(c, dense);
    CHECK(di >= 0 && c->nodes[di].rect.x == px && c->nodes[di].rect.y == py,
          "the card sits where the document says");
    CHECK(unroll_document_is_selected(doc, dense), "the dropped layer is selected");
    /* unwired, it is in error: its card's tooltip says so */
    unroll_rect dr = unroll_view_rect_to_screen(view, c->nodes[di].rect);
    GdkRectangle darea;
    g_autofree char *dtip =
        unroll_canvas_view_dup_tooltip(v, dr.x + dr.w / 2, dr.y + dr.h / 2, &darea);
    g_autofree char *dprefix = g_strdup_printf("%s: ", dense);
    CHECK(dtip && g_str_has_prefix(dtip, dprefix) && strlen(dtip) > strlen(dprefix) + 5,
          "the unwired card's tooltip: %s", dtip);
    CHECK(darea.width >= (int)dr.w && darea.height >= (int)dr.h, "the tooltip covers the card");
    CHECK(unroll_canvas_view_drop_layer(v, "NoSuchLayer", dx, dy, &error) == NULL && error,
          "an unknown class is refused");
    g_clear_error(&error);

    /* connect through the entry point the port drag calls */
    int wires = c->n_wires;
    gboolean had_input = FALSE; /* a layer without "inputs" chains to the one before it */
    for (int k = 0; k < c->n_wires; k++)
        had_input |= c->wires[k].dst == di && c->wires[k].dst_kind == UNROLL_PORT_INPUT;
    CHECK(unroll_canvas_view_connect_ports(v, "decoder", 0, dense, FALSE, 0, &error),
          "connect decoder -> %s: %s", dense, error ? error->message : "");
    g_clear_error(&error);
    c = unroll_canvas_view_get_canvas(v);
    CHECK(c->n_wires == wires + !had_input, "one wire into %s (%d, was %d)", dense, c->n_wires,
          wires);
    di = unroll_canvas_find(c, dense);
    int dec_now = unroll_canvas_find(c, "decoder"), found = 0;
    for (int k = 0; k < c->n_wires; k++)
        found += c->wires[k].dst == di && c->wires[k].src == dec_now &&
                 c->wires[k].dst_kind == UNROLL_PORT_INPUT && c->wires[k].dst_port == 0;
    CHECK(found == 1, "the canvas shows the wire decoder -> %s", dense);
    CHECK(g_strcmp0(input_ref(doc, dense, "inputs", 0), "decoder") == 0,
          "%s reads decoder", dense);
    CHECK(!unroll_canvas_view_connect_ports(v, dense, 0, dense, FALSE, 0, &error) && error,
          "a layer cannot feed itself");
    g_clear_error(&error);

    /* the gestures: pull the wire off the input port onto empty canvas ... */
    double ix, iy, ox, oy;
    CHECK(unroll_canvas_view_port_position(v, dense, UNROLL_PORT_INPUT, 0, &ix, &iy), "input 0");
    CHECK(empty_point(v, &ex, &ey), "an empty point");
    unroll_canvas_view_drag(v, ix, iy, ex, ey, 0);
    CHECK(n_refs(doc, dense, "inputs") == 0, "dragging the wire off disconnects it (%d left)",
          n_refs(doc, dense, "inputs"));
    /* ... and draw it again from the decoder's output */
    CHECK(unroll_canvas_view_port_position(v, "decoder", UNROLL_PORT_OUTPUT, 0, &ox, &oy), "out");
    CHECK(unroll_canvas_view_port_position(v, dense, UNROLL_PORT_INPUT, 0, &ix, &iy), "input 0");
    unroll_canvas_view_drag(v, ox, oy, ix + 3, iy - 2, 0);
    CHECK(g_strcmp0(input_ref(doc, dense, "inputs", 0), "decoder") == 0,
          "a port drag wires decoder -> %s", dense);
    /* a state output into a free initial-state port, from the input side */
    int e_in = n_refs(doc, "decoder", "initial_state");
    CHECK(e_in == 2, "decoder has 2 initial states");

    /* click selects, Delete removes, undo restores */
    unroll_document_select(doc, NULL, 0);
    c = unroll_canvas_view_get_canvas(v);
    di = unroll_canvas_find(c, dense);
    unroll_rect r = unroll_view_rect_to_screen(view, c->nodes[di].rect);
    unroll_canvas_view_click(v, r.x + r.w / 2, r.y + r.h - 6, 0);
    int n_sel = 0;
    const char *const *sel = unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 1 && strcmp(sel[0], dense) == 0, "a click selects the card");
    int layers = ur_graph_n_layers(g);
    CHECK(unroll_canvas_view_delete_selection(v, &error), "delete: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(ur_graph_n_layers(unroll_document_get_graph(doc)) == layers - 1 &&
              !ur_graph_find(unroll_document_get_graph(doc), dense),
          "delete removes the layer");
    CHECK(unroll_document_undo(doc, &error), "undo: %s", error ? error->message : "");
    g_clear_error(&error);
    CHECK(ur_graph_find(unroll_document_get_graph(doc), dense) &&
              g_strcmp0(input_ref(doc, dense, "inputs", 0), "decoder") == 0,
          "undo restores the layer and its wire");

    /* clicking empty canvas clears; Ctrl+click toggles; Shift extends */
    CHECK(empty_point(v, &ex, &ey), "an empty point");
    unroll_canvas_view_click(v, ex, ey, 0);
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 0, "a click on empty canvas clears the selection");
    c = unroll_canvas_view_get_canvas(v);
    r = unroll_view_rect_to_screen(view, c->nodes[unroll_canvas_find(c, "encoder")].rect);
    unroll_canvas_view_click(v, r.x + r.w / 2, r.y + r.h - 6, 0);
    r = unroll_view_rect_to_screen(view, c->nodes[unroll_canvas_find(c, "decoder")].rect);
    unroll_canvas_view_click(v, r.x + r.w / 2, r.y + r.h - 6, GDK_SHIFT_MASK);
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 2, "Shift+click extends the selection (%d)", n_sel);
    unroll_canvas_view_click(v, r.x + r.w / 2, r.y + r.h - 6, GDK_CONTROL_MASK);
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 1 && unroll_document_is_selected(doc, "encoder"),
          "Ctrl+click toggles a card off");

    /* dragging a card: one undo step that also writes the view's positions */
    c = unroll_canvas_view_get_canvas(v);
    int ti = unroll_canvas_find(c, "next_token");
    unroll_rect before = c->nodes[ti].rect;
    double zoom = view->zoom;
    CHECK(unroll_canvas_view_drag_node(v, "next_token", 40, 24), "drag next_token");
    CHECK(unroll_document_get_position(doc, "next_token", &px, &py), "moved node has a position");
    CHECK(fabs(px - round(before.x + 40 / zoom)) < 1e-9 &&
              fabs(py - round(before.y + 24 / zoom)) < 1e-9,
          "moved by the pointer's way in canvas units: (%g, %g) from (%g, %g)", px, py, before.x,
          before.y);
    CHECK(unroll_document_get_position(doc, "encoder_tokens", &px, &py),
          "the first move writes the arranged positions too");
    CHECK(unroll_document_undo(doc, &error), "undo move: %s", error ? error->message : "");
    g_clear_error(&error);
    c = unroll_canvas_view_get_canvas(v);
    ti = unroll_canvas_find(c, "next_token");
    CHECK(!unroll_document_get_position(doc, "next_token", &px, &py) &&
              fabs(c->nodes[ti].rect.x - before.x) < 1e-9 &&
              fabs(c->nodes[ti].rect.y - before.y) < 1e-9,
          "undo puts the card back where the view had it");

    /* rubber band over everything selects everything */
    unroll_canvas_view_fit(v);
    double w = gtk_widget_get_width(canvas), h = gtk_widget_get_height(canvas);
    CHECK(unroll_canvas_view_hit_test(v, 2, 2).kind == UNROLL_HIT_NONE, "corner is empty");
    unroll_canvas_view_drag(v, 2, 2, w - 2, h - 2, 0);
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == ur_graph_n_layers(unroll_document_get_graph(doc)),
          "rubber band selects all (%d)", n_sel);

    /* a wire: click selects it, Delete disconnects it */
    c = unroll_canvas_view_get_canvas(v);
    int wi = -1;
    for (int k = 0; k < c->n_wires; k++)
        if (c->wires[k].dst == unroll_canvas_find(c, "decoder") &&
            c->wires[k].dst_kind == UNROLL_PORT_STATE && c->wires[k].dst_port == 1)
            wi = k;
    CHECK(wi >= 0, "the encoder:2 -> decoder state wire");
    unroll_point ctl[4];
    unroll_canvas_wire_controls(c, wi, ctl);
    unroll_point mid = unroll_view_to_screen(view, unroll_bezier_point(ctl, 0.75));
    unroll_canvas_view_click(v, mid.x, mid.y, 0);
    CHECK(unroll_canvas_view_get_selected_wire(v) == wi, "a click on a wire selects it (%d)",
          unroll_canvas_view_get_selected_wire(v));
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 0, "selecting a wire clears the layer selection");
    CHECK(unroll_canvas_view_delete_selection(v, &error), "delete wire: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(n_refs(doc, "decoder", "initial_state") == 1, "deleting the wire disconnects it");
    CHECK(unroll_document_undo(doc, &error), "undo");
    g_clear_error(&error);
    CHECK(n_refs(doc, "decoder", "initial_state") == 2 &&
              g_strcmp0(input_ref(doc, "decoder", "initial_state", 1), "encoder:2") == 0,
          "undo reconnects it");

    /* zoom about a point keeps that canvas point fixed */
    unroll_point about = {w * 0.3, h * 0.6};
    unroll_point c0 = unroll_view_to_canvas(view, about);
    unroll_canvas_view_zoom_at(v, 2.5, about.x, about.y);
    unroll_point c1 = unroll_view_to_canvas(view, about);
    CHECK(fabs(view->zoom - 2.5) < 1e-12, "zoom set");
    CHECK(fabs(c0.x - c1.x) < 1e-9 && fabs(c0.y - c1.y) < 1e-9,
          "zoom keeps (%g, %g) under the point, now (%g, %g)", c0.x, c0.y, c1.x, c1.y);
    unroll_point centre = unroll_view_to_canvas(view, (unroll_point){w / 2, h / 2});
    unroll_canvas_view_zoom_in(v);
    CHECK(fabs(view->zoom - 2.5 * 1.25) < 1e-9, "zoom in by a step");
    unroll_point centre2 = unroll_view_to_canvas(view, (unroll_point){w / 2, h / 2});
    CHECK(fabs(centre.x - centre2.x) < 1e-9 && fabs(centre.y - centre2.y) < 1e-9,
          "zoom keys keep the centre");
    unroll_canvas_view_zoom_reset(v);
    CHECK(fabs(view->zoom - 1) < 1e-12, "zoom reset to 100 %%");
    unroll_canvas_view_zoom_at(v, 100, 0, 0);
    CHECK(view->zoom == UNROLL_ZOOM_MAX, "zoom clamped");
    CHECK(!all_inside(canvas), "zoomed in, some cards are outside");
    unroll_canvas_view_fit(v);
    CHECK(all_inside(canvas), "fit shows every card");

    /* keys through the widget actions */
    double z0 = view->zoom;
    gtk_widget_activate_action(canvas, "canvas.zoom-out", NULL);
    CHECK(fabs(view->zoom - z0 / 1.25) < 1e-9, "canvas.zoom-out");

    /* arrow keys nudge the selected cards, one undo step */
    const char *only_decoder[] = {"decoder"};
    unroll_document_select(doc, only_decoder, 1);
    c = unroll_canvas_view_get_canvas(v);
    unroll_rect dec_rect = c->nodes[unroll_canvas_find(c, "decoder")].rect;
    gtk_widget_activate_action(canvas, "canvas.nudge", "(dd)", 8.0, -48.0);
    CHECK(unroll_document_get_position(doc, "decoder", &px, &py) &&
              fabs(px - round(dec_rect.x + 8)) < 1e-9 && fabs(py - round(dec_rect.y - 48)) < 1e-9,
          "canvas.nudge moves the selection (%g, %g)", px, py);
    CHECK(unroll_document_undo(doc, &error), "undo nudge");
    g_clear_error(&error);

    /* duplicate keeps outside wires and lands one step aside */
    c = unroll_canvas_view_get_canvas(v);
    unroll_rect enc_rect = c->nodes[unroll_canvas_find(c, "encoder")].rect;
    const char *only_encoder[] = {"encoder"};
    unroll_document_select(doc, only_encoder, 1);
    CHECK(unroll_canvas_view_duplicate(v, &error), "duplicate: %s", error ? error->message : "");
    g_clear_error(&error);
    sel = unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 1 && strcmp(sel[0], "encoder") != 0, "the copy is selected");
    if (n_sel == 1) {
        char *copy = g_strdup(sel[0]);
        CHECK(g_strcmp0(input_ref(doc, copy, "inputs", 0), "encoder_embedding") == 0,
              "duplicate keeps the wire from outside");
        CHECK(unroll_document_get_position(doc, copy, &px, &py) &&
                  fabs(px - (round(enc_rect.x) + 32)) < 1e-9 &&
                  fabs(py - (round(enc_rect.y) + 32)) < 1e-9,
              "the copy sits one step from the original (%g, %g) vs (%g, %g)", px, py,
              enc_rect.x, enc_rect.y);
        g_free(copy);
    }
    CHECK(unroll_document_undo(doc, &error), "undo duplicate");
    g_clear_error(&error);

    /* copy and paste through the clipboard: the copy lands one step aside */
    unroll_document_select(doc, only_encoder, 1);
    unroll_canvas_view_copy(v);
    int before_paste = ur_graph_n_layers(unroll_document_get_graph(doc));
    unroll_canvas_view_paste(v);
    for (int k = 0; k < 200 && ur_graph_n_layers(unroll_document_get_graph(doc)) == before_paste;
         k++)
        iterate(10);
    CHECK(ur_graph_n_layers(unroll_document_get_graph(doc)) == before_paste + 1,
          "paste adds the copied layer");
    sel = unroll_document_get_selection(doc, &n_sel);
    if (n_sel == 1 && strcmp(sel[0], "encoder") != 0) {
        char *copy = g_strdup(sel[0]);
        CHECK(n_refs(doc, copy, "inputs") == 0, "paste drops wires from outside the copy");
        CHECK(unroll_document_get_position(doc, copy, &px, &py) &&
                  fabs(px - (round(enc_rect.x) + 32)) < 1e-9,
              "the pasted layer sits one step aside");
        /* Delete through the widget action removes it */
        gtk_widget_activate_action(canvas, "canvas.delete", NULL);
        CHECK(!ur_graph_find(unroll_document_get_graph(doc), copy), "canvas.delete removes it");
        g_free(copy);
    } else {
        CHECK(FALSE, "the pasted layer is selected");
    }

    /* paste of text that is not a clipboard of layers fails cleanly */
    CHECK(!unroll_canvas_view_paste_text(v, "{\"not\": \"layers\"", &error) && error,
          "a broken clipboard is refused");
    g_clear_error(&error);

    /* auto-arrange: one undo step, every node written, no overlaps */
    unroll_canvas_view_drag_node(v, "decoder", 300, 200);
    CHECK(unroll_canvas_view_arrange(v, &error), "arrange: %s", error ? error->message : "");
    g_clear_error(&error);
    c = unroll_canvas_view_get_canvas(v);
    CHECK(!cards_overlap(c), "arranged cards do not overlap");
    int positioned = 0;
    for (int i = 0; i < c->n_nodes; i++)
        positioned += unroll_document_get_position(doc, c->nodes[i].name, &px, &py);
    CHECK(positioned == c->n_nodes, "arrange writes every position (%d of %d)", positioned,
          c->n_nodes);
    CHECK(all_inside(canvas), "arrange fits the view");

    /* a node in error: drawn, and editing goes on */
    /* the decoder fed a wrongly sized state: an error on the decoder */
    CHECK(unroll_canvas_view_connect_ports(v, "encoder_embedding", 0, "decoder", TRUE, 0, &error),
          "a wrong state wire is accepted as an edit: %s", error ? error->message : "");
    g_clear_error(&error);
    const ur_layer *decl = ur_graph_find(unroll_document_get_graph(doc), "decoder");
    CHECK(decl && ur_layer_error(decl), "the decoder is in error");
    unroll_canvas_view_fit(v);
    screenshot_lum(canvas, "canvas-error.png", 1, 1);
    CHECK(unroll_document_undo(doc, &error), "undo the bad wire");
    g_clear_error(&error);
    g_free(dense);
}

int main(void)
{
    if (!gtk_init_check()) {
        fprintf(stderr, "canvas-view-test: no display: skipped\n");
        return 77;
    }
    adw_init();
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                       ADW_COLOR_SCHEME_FORCE_LIGHT);
    const char *datadir = g_getenv("UNROLL_DATADIR");
    char *path = g_build_filename(datadir ? datadir : "data", "examples", "encoder-decoder.json",
                                  NULL);
    GFile *file = g_file_new_for_path(path);
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_file(file, &error);
    g_object_unref(file);
    if (!doc) {
        fprintf(stderr, "FAIL: %s: %s\n", path, error->message);
        return 1;
    }

    GtkWidget *window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(window), 1100, 640);
    GtkWidget *canvas = unroll_canvas_view_new();
    gtk_window_set_child(GTK_WINDOW(window), canvas);
    unroll_canvas_view_set_document(UNROLL_CANVAS_VIEW(canvas), doc);
    gtk_window_present(GTK_WINDOW(window));
    if (!wait_mapped(canvas)) {
        fprintf(stderr, "FAIL: the canvas was never mapped\n");
        return 1;
    }
    iterate(200);
    test_canvas(window, canvas, doc);

    /* a model too wide for a small canvas opens readable, inputs in view */
    GtkWidget *small = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(small), 480, 360);
    GtkWidget *canvas2 = unroll_canvas_view_new();
    gtk_window_set_child(GTK_WINDOW(small), canvas2);
    file = g_file_new_for_path(path);
    UnrollDocument *doc2 = unroll_document_new_from_file(file, &error);
    g_object_unref(file);
    CHECK(doc2 != NULL, "second document");
    if (doc2) {
        unroll_canvas_view_set_document(UNROLL_CANVAS_VIEW(canvas2), doc2);
        gtk_window_present(GTK_WINDOW(small));
        CHECK(wait_mapped(canvas2), "small window mapped");
        iterate(100);
        UnrollCanvasView *v2 = UNROLL_CANVAS_VIEW(canvas2);
        const unroll_view *view2 = unroll_canvas_view_get_view(v2);
        CHECK(fabs(view2->zoom - 0.7) < 1e-9, "opens at the readable zoom (%g)", view2->zoom);
        const unroll_canvas *c2 = unroll_canvas_view_get_canvas(v2);
        unroll_rect first = unroll_view_rect_to_screen(
            view2, c2->nodes[unroll_canvas_find(c2, "encoder_tokens")].rect);
        CHECK(first.x >= 0 && first.x < 80, "the inputs are in view (x %g)", first.x);
        unroll_canvas_view_fit(v2);
        CHECK(view2->zoom < 0.7 && all_inside(canvas2), "an explicit fit shows it all");
        gtk_window_destroy(GTK_WINDOW(small));
        g_object_unref(doc2);
    }

    unroll_canvas_view_set_document(UNROLL_CANVAS_VIEW(canvas), NULL);
    CHECK(unroll_canvas_view_get_canvas(UNROLL_CANVAS_VIEW(canvas)) == NULL,
          "no document, no canvas");
    gtk_window_destroy(GTK_WINDOW(window));
    g_object_unref(doc);
    g_free(path);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("canvas-view: all checks passed\n");
    return 0;
}
