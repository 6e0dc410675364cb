/* document.h — one open model in the window: the engine graph, its undo
 * stack (ui/commands.h), the file it came from, the selection, and the
 * signals every view listens to. Views read the graph and edit it only
 * through the functions below, so that every edit is one undoable command
 * and every view redraws after it. */
#ifndef UNROLL_DOCUMENT_H
#define UNROLL_DOCUMENT_H

#include <gio/gio.h>

#include "commands.h"
#include "ur.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_DOCUMENT (unroll_document_get_type())
G_DECLARE_FINAL_TYPE(UnrollDocument, unroll_document, UNROLL, DOCUMENT, GObject)

#define UNROLL_DOCUMENT_ERROR (unroll_document_error_quark())
GQuark unroll_document_error_quark(void);
/* GError codes: the engine's ur_status values (UR_ERR_INVALID, ...). */

/* Signals:
 *   "changed" ()            after every edit, undo, redo, load and revert:
 *                           the graph may have new layers, wires, options,
 *                           shapes, errors and positions. Views rebuild.
 *   "selection-changed" ()  the selected layer names changed.
 * Properties (notify::<name>): "title" (the model's name, or "Untitled"),
 *   "file" (GFile or NULL), "modified", "can-undo", "can-redo",
 *   "undo-label", "redo-label" (NULL when there is nothing to undo). */

/* An empty model ("name": "model", no layers). */
UnrollDocument *unroll_document_new(void);
/* A model from a parsed model document (a template, a clipboard); file is
 * NULL, the document is unmodified. NULL with error when the document is not
 * a model at all (no "layers" array, duplicate names: ur_graph_from_value's
 * structural errors). Per-layer errors stay on the layers. */
UnrollDocument *unroll_document_new_from_value(const ur_value *doc, GError **error);
/* Reads a model file. A file with per-layer errors opens with the errors on
 * the layers (see ur_layer_error); only a file that cannot be read or is not
 * a model file at all fails, with "file:line:column: message". */
UnrollDocument *unroll_document_new_from_file(GFile *file, GError **error);
/* Writes the model (layers, outputs and the "ui" key with node positions)
 * to file atomically, then file becomes the document's file and the
 * document is unmodified. */
gboolean unroll_document_save(UnrollDocument *doc, GFile *file, GError **error);

ur_graph *unroll_document_get_graph(UnrollDocument *doc);   /* read it; never edit it directly */
unroll_command_stack *unroll_document_get_commands(UnrollDocument *doc);
GFile *unroll_document_get_file(UnrollDocument *doc);       /* NULL for a new model */
const char *unroll_document_get_title(UnrollDocument *doc);
gboolean unroll_document_get_modified(UnrollDocument *doc);
/* The number of layers in error, and the first error as "layer: message". */
int unroll_document_count_errors(UnrollDocument *doc, const char **first_layer,
                                 const char **first_message);

/* ---------------------------------------------------------------- edits */

/* Each edit is one undo step (or part of an open group), emits "changed"
 * and updates the properties; on error nothing changes and error says why. */

/* Adds a layer of the catalog's class (ur_layer_class_new_spec) at canvas
 * position (x, y), unwired ("inputs": [], so it shows a missing-input error
 * until a wire is drawn); the new layer's name is returned (owned by the
 * caller) and it becomes the selection. */
char *unroll_document_add_layer(UnrollDocument *doc, const char *class_name, double x, double y,
                                GError **error);
/* Adds a layer after `after` (a layer name; NULL: the first selected layer,
 * or the last layer when nothing is selected): placed to its right, fed by
 * its first output, and the layers that read that output now read the new
 * layer's. One undo step. With no layer at all it is simply added. */
char *unroll_document_insert_after(UnrollDocument *doc, const char *class_name, const char *after,
                                   GError **error);
/* Adds a copy of spec (used by paste, templates of sub-graphs, tests). */
char *unroll_document_add_spec(UnrollDocument *doc, const ur_value *spec, gboolean has_pos,
                               double x, double y, GError **error);
gboolean unroll_document_remove_layers(UnrollDocument *doc, const char *const *names, int n,
                                       GError **error);
/* Sets one option (value NULL: back to its default, the key removed). */
gboolean unroll_document_set_option(UnrollDocument *doc, const char *layer, const char *key,
                                    const ur_value *value, GError **error);
gboolean unroll_document_rename(UnrollDocument *doc, const char *layer, const char *to,
                                GError **error);
/* Wires output src_output of src into dst's input slot (state: its
 * initial_state slot); slot past the end appends. See unroll_cmd_connect. */
gboolean unroll_document_connect(UnrollDocument *doc, const char *src, int src_output,
                                 const char *dst, gboolean state, int slot, GError **error);
gboolean unroll_document_disconnect(UnrollDocument *doc, const char *dst, gboolean state, int slot,
                                    GError **error);
/* Node positions (canvas units) into the "ui" key; one undo step. */
gboolean unroll_document_move_nodes(UnrollDocument *doc, const char *const *names,
                                    const double *x, const double *y, int n, GError **error);
/* The node position saved for a layer; FALSE when it has none yet. */
gboolean unroll_document_get_position(UnrollDocument *doc, const char *layer, double *x, double *y);
/* Sets the model's name (the "name" key); undoable. */
gboolean unroll_document_set_name(UnrollDocument *doc, const char *name, GError **error);

/* Groups several edits into one undo step (a drag of several nodes). */
void unroll_document_begin_group(UnrollDocument *doc, const char *label);
void unroll_document_end_group(UnrollDocument *doc);

gboolean unroll_document_undo(UnrollDocument *doc, GError **error);
gboolean unroll_document_redo(UnrollDocument *doc, GError **error);
gboolean unroll_document_can_undo(UnrollDocument *doc);
gboolean unroll_document_can_redo(UnrollDocument *doc);

/* Copy: the selected layers as a clipboard value (see unroll_clipboard_copy),
 * serialised as JSON text (owned by the caller); NULL when nothing is
 * selected. Paste: the clipboard's layers added under fresh names, offset by
 * (dx, dy), wires to layers outside dropped (duplicate keeps them); the
 * pasted layers become the selection. */
char *unroll_document_copy_selection(UnrollDocument *doc);
gboolean unroll_document_paste(UnrollDocument *doc, const char *clipboard_json, double dx,
                               double dy, gboolean keep_external, GError **error);

/* ------------------------------------------------------------ selection */

/* Selected layer names in layer order (NULL-terminated, borrowed until the
 * next change). */
const char *const *unroll_document_get_selection(UnrollDocument *doc, int *n);
gboolean unroll_document_is_selected(UnrollDocument *doc, const char *layer);
/* Replaces the selection (names that are not layers are ignored). */
void unroll_document_select(UnrollDocument *doc, const char *const *names, int n);
/* Adds or removes one layer (Ctrl+click). */
void unroll_document_toggle_selected(UnrollDocument *doc, const char *layer);
void unroll_document_select_all(UnrollDocument *doc);

G_END_DECLS

#endif
