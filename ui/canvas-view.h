/* canvas-view.h — UnrollCanvasView, the node editor: draws a document's graph
 * as cards, ports and wires with tensor shapes, and turns clicks, drags,
 * drops, scrolls and keys into undoable edits of the document. */
#ifndef UNROLL_CANVAS_VIEW_H
#define UNROLL_CANVAS_VIEW_H

#include <gtk/gtk.h>

#include "canvas-geometry.h"
#include "document.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_CANVAS_VIEW (unroll_canvas_view_get_type())
G_DECLARE_FINAL_TYPE(UnrollCanvasView, unroll_canvas_view, UNROLL, CANVAS_VIEW, GtkWidget)

/* What the drop target accepts: a G_TYPE_STRING "unroll-layer:<Class>". */
#define UNROLL_CANVAS_DROP_PREFIX "unroll-layer:"

/* Signals:
 *   "edit-failed" (const char *message)  an edit made with the pointer or a
 *       key was refused (a wire the graph does not take, a paste of text that
 *       is not a clipboard of layers); the window shows it as a toast.
 * Widget actions (bound to keys while the canvas has the focus; the window
 * may bind its own accelerators to the functions below):
 *   canvas.zoom-in (+, =), canvas.zoom-out (-), canvas.zoom-reset (0),
 *   canvas.fit (F), canvas.arrange, canvas.delete (Delete, BackSpace),
 *   canvas.copy (Ctrl+C), canvas.paste (Ctrl+V), canvas.duplicate (Ctrl+D),
 *   canvas.select-all (Ctrl+A), canvas.select-none (Escape),
 *   canvas.nudge "(dd)" (arrows: the selected cards 8 units, Shift: 48). */

GtkWidget *unroll_canvas_view_new(void);
/* Shows doc (NULL: nothing); the view holds a reference and follows its
 * "changed" and "selection-changed" signals. A graph without any saved
 * node position is auto-arranged as view state (no undo step) until a node
 * is moved. Once the widget has a size the view fits the graph at a zoom of
 * at least 70 % (readable); a graph too wide for that shows its inputs. */
void unroll_canvas_view_set_document(UnrollCanvasView *view, UnrollDocument *doc);
UnrollDocument *unroll_canvas_view_get_document(UnrollCanvasView *view);

/* The view transform and the canvas (cards, ports, wires) as drawn now. */
const unroll_view *unroll_canvas_view_get_view(UnrollCanvasView *view);
const unroll_canvas *unroll_canvas_view_get_canvas(UnrollCanvasView *view);

/* ------------------------------------------------------------- viewport */

/* Zoom in/out by one step (x1.25) about the widget's centre; reset: 100 %. */
void unroll_canvas_view_zoom_in(UnrollCanvasView *view);
void unroll_canvas_view_zoom_out(UnrollCanvasView *view);
void unroll_canvas_view_zoom_reset(UnrollCanvasView *view);
/* Sets the zoom (clamped to [0.1, 4]) keeping the canvas point under the
 * widget point (x, y) where it is (Ctrl+scroll and pinch call this). */
void unroll_canvas_view_zoom_at(UnrollCanvasView *view, double zoom, double x, double y);
/* Moves the content by (dx, dy) widget pixels (scroll, middle drag). */
void unroll_canvas_view_pan(UnrollCanvasView *view, double dx, double dy);
/* Shows every node (at most at 100 %), centred. */
void unroll_canvas_view_fit(UnrollCanvasView *view);

/* --------------------------------------------------------------- edits */

/* Auto-arranges the graph, written as one undoable move of every node. */
gboolean unroll_canvas_view_arrange(UnrollCanvasView *view, GError **error);
/* Deletes the selected layers (one undo step), or disconnects the selected
 * wire when no layer is selected. FALSE without error when nothing is selected. */
gboolean unroll_canvas_view_delete_selection(UnrollCanvasView *view, GError **error);
/* Puts the selected layers (with their positions) on the clipboard as JSON text. */
void unroll_canvas_view_copy(UnrollCanvasView *view);
/* Pastes the clipboard's layers, offset from where they were copied
 * (further on each paste of the same text); failures emit "edit-failed". */
void unroll_canvas_view_paste(UnrollCanvasView *view);
/* Pastes clipboard JSON text (what paste does once the text is read). */
gboolean unroll_canvas_view_paste_text(UnrollCanvasView *view, const char *text, GError **error);
/* Copies the selected layers next to themselves, keeping their wires from
 * layers outside the selection. */
gboolean unroll_canvas_view_duplicate(UnrollCanvasView *view, GError **error);
void unroll_canvas_view_select_all(UnrollCanvasView *view);

/* What the drop target does with "unroll-layer:<class_name>" dropped at
 * widget point (x, y): adds a layer of that class with its title centred
 * under the point (canvas coordinates). Returns the new layer's name. */
char *unroll_canvas_view_drop_layer(UnrollCanvasView *view, const char *class_name, double x,
                                    double y, GError **error);
/* What releasing a wire on a port does: output src_output of src into slot
 * `slot` of dst's inputs (is_state: its initial_state); a slot past the
 * wired ones appends. */
gboolean unroll_canvas_view_connect_ports(UnrollCanvasView *view, const char *src, int src_output,
                                          const char *dst, gboolean is_state, int slot,
                                          GError **error);
/* What dropping a wire's input end on empty canvas does. */
gboolean unroll_canvas_view_disconnect_port(UnrollCanvasView *view, const char *dst,
                                            gboolean is_state, int slot, GError **error);

/* ------------------------------------------- pointer (the gestures' path) */

/* What lies under widget point (x, y) (see unroll_canvas_hit_test). */
unroll_hit unroll_canvas_view_hit_test(UnrollCanvasView *view, double x, double y);
/* Where a port of the named layer is drawn, in widget coordinates. */
gboolean unroll_canvas_view_port_position(UnrollCanvasView *view, const char *layer,
                                          unroll_port_kind kind, int port, double *x, double *y);
/* A primary-button press and release without motion at (x, y): selects
 * the node (Ctrl toggles, Shift extends) or the wire under it, or clears the
 * selection on empty canvas. */
void unroll_canvas_view_click(UnrollCanvasView *view, double x, double y, GdkModifierType state);
/* A primary-button drag from (x0, y0) to (x1, y1), as the drag gesture does
 * it: moves nodes (one undo step on release), wires ports, or selects with a
 * rubber band, depending on what lies under (x0, y0). */
void unroll_canvas_view_drag(UnrollCanvasView *view, double x0, double y0, double x1, double y1,
                             GdkModifierType state);
/* Drags the named layer's card (and the other selected ones with it) by
 * (dx, dy) widget pixels. FALSE when there is no such layer. */
gboolean unroll_canvas_view_drag_node(UnrollCanvasView *view, const char *layer, double dx,
                                      double dy);
/* The tooltip at widget point (x, y): a card in error, its message; a
 * port, what it is (output shape, masked) and what a drag does there; a
 * wire, its ends and shape. NULL where there is none; *area is where the
 * tooltip stays valid. */
char *unroll_canvas_view_dup_tooltip(UnrollCanvasView *view, double x, double y,
                                     GdkRectangle *area);
/* The wire selected by a click (an index into the canvas's wires), or -1. */
int unroll_canvas_view_get_selected_wire(UnrollCanvasView *view);

G_END_DECLS

#endif
