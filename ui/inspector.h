/* inspector.h — the inspector panel: the selected layer's name, class,
 * error, output shapes, parameter count and every Keras option of its class
 * with a fitting editor; the model's name and counts when nothing is
 * selected. Every change is one undoable document edit. */
#ifndef UNROLL_INSPECTOR_H
#define UNROLL_INSPECTOR_H

#include <gtk/gtk.h>

#include "document.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_INSPECTOR (unroll_inspector_get_type())
G_DECLARE_FINAL_TYPE(UnrollInspector, unroll_inspector, UNROLL, INSPECTOR, GtkWidget)

GtkWidget *unroll_inspector_new(void);
/* Shows doc's selection and follows its "changed" and "selection-changed"
 * signals; NULL shows nothing. */
void unroll_inspector_set_document(UnrollInspector *self, UnrollDocument *doc);
UnrollDocument *unroll_inspector_get_document(UnrollInspector *self);

/* The layer being edited (exactly one selected), or NULL. */
const char *unroll_inspector_get_layer(UnrollInspector *self);
/* The heading shown: the layer's name, "N layers selected", or the
 * model's name when nothing is selected. */
const char *unroll_inspector_get_title(UnrollInspector *self);

/* Editors are found by key: an option's Keras name ("units"), "layer.<option>"
 * and "layer.class" for Bidirectional's inner layer, and "name" (the layer's
 * name, or the model's when nothing is selected). The editor widget of key:
 * a GtkSpinButton (INT, FLOAT, and the value of INT_OR_NULL), GtkSwitch
 * (BOOL), GtkDropDown (choices, activations, initializers, the inner
 * layer's class), GtkEntry (SHAPE) or AdwEntryRow (name); NULL when the
 * key has no editor shown (not an option of the class, IGNORED). */
GtkWidget *unroll_inspector_get_row(UnrollInspector *self, const char *key);
/* INT_OR_NULL only: the switch that says whether the value is set. */
GtkWidget *unroll_inspector_get_null_switch(UnrollInspector *self, const char *key);
/* Edits key as typing text into its editor and confirming does (the same
 * path an editor's change takes): "128", "0.25", "true", "None", "relu",
 * "(None, 28)", "GRU" (layer.class), a new name. Text the editor would not
 * take (not a number, out of range, not a choice, a bad shape, a taken
 * name) changes nothing, is shown at the editor and returned as error
 * (G_IO_ERROR_INVALID_ARGUMENT); an edit the document refuses likewise. */
gboolean unroll_inspector_set_option_text(UnrollInspector *self, const char *key,
                                          const char *text, GError **error);
/* What the "reset to default" button of key does (the key removed from the
 * spec); FALSE with error when key has no such button shown. */
gboolean unroll_inspector_reset_option(UnrollInspector *self, const char *key, GError **error);
/* The inline error shown at key's editor (a text that does not parse, a
 * refused edit), or NULL. */
const char *unroll_inspector_get_option_error(UnrollInspector *self, const char *key);
/* The layer's error as the error box shows it, or NULL when it is hidden. */
const char *unroll_inspector_get_layer_error(UnrollInspector *self);

G_END_DECLS

#endif
