/* palette.h — the layer palette: every layer class of the engine's catalog,
 * grouped under the catalog's groups and searchable; each row is a drag
 * source of "unroll-layer:<Class>" and activating one emits "layer-activated". */
#ifndef UNROLL_PALETTE_H
#define UNROLL_PALETTE_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a palette row's GtkDragSource provides (a G_TYPE_STRING value):
 * the prefix followed by the class name, e.g. "unroll-layer:LSTM". */
#define UNROLL_PALETTE_DRAG_PREFIX "unroll-layer:"

#define UNROLL_TYPE_PALETTE (unroll_palette_get_type())
G_DECLARE_FINAL_TYPE(UnrollPalette, unroll_palette, UNROLL, PALETTE, GtkWidget)

/* Signals:
 *   "layer-activated" (const char *class_name)  a row was double-clicked or
 *                     activated with Enter (also Enter in the search entry:
 *                     the first visible row). */

GtkWidget *unroll_palette_new(void);

/* Filters the rows as the search entry does (and puts text into it): a
 * row stays when every word of text occurs, ignoring case, in its class
 * name or its description. NULL or "" shows every row. */
void unroll_palette_set_filter(UnrollPalette *self, const char *text);
/* The number of rows the current filter leaves visible. */
int unroll_palette_count_visible(UnrollPalette *self);
/* Whether the row of class_name is visible under the current filter. */
gboolean unroll_palette_is_visible(UnrollPalette *self, const char *class_name);
/* Emits "layer-activated" for class_name, as a row activation does; FALSE
 * (and nothing emitted) when class_name is not in the catalog. */
gboolean unroll_palette_activate(UnrollPalette *self, const char *class_name);
/* The search entry, for a window's key capture and its "find" action. */
GtkWidget *unroll_palette_get_search_entry(UnrollPalette *self);

/* The glyph of a class, "unroll-layer-<name>-symbolic": SimpleRNN ->
 * simple-rnn, BatchNormalization -> batch-normalization, RepeatVector ->
 * repeat-vector, other names lower-cased. Owned by the caller. */
char *unroll_layer_icon_name(const char *class_name);

G_END_DECLS

#endif
