/* window.h — UnrollWindow, the studio window: header bar (New from a
 * template, Open with recent files, Undo/Redo, the Model | Train | Runs view
 * switcher with the title, Save, main menu); the Model page (layer palette,
 * canvas with its zoom tools and error line, inspector/summary side panel),
 * the Train page (training-view.h) and the Runs page (runs-view.h). It owns
 * one UnrollDocument at a time and every win.* action; loading, saving, the
 * unsaved-changes question and the stop-training question live here. */
#ifndef UNROLL_WINDOW_H
#define UNROLL_WINDOW_H

#include <adwaita.h>

#include "application.h"
#include "document.h"
#include "training-view.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_WINDOW (unroll_window_get_type())
G_DECLARE_FINAL_TYPE(UnrollWindow, unroll_window, UNROLL, WINDOW, AdwApplicationWindow)

/* A window of app showing an empty model (its size restored from the
 * settings). */
UnrollWindow *unroll_window_new(UnrollApplication *app);

UnrollDocument *unroll_window_get_document(UnrollWindow *self);
/* Shows doc (replacing the current document without asking: callers ask
 * first with unroll_window_confirm_discard). */
void unroll_window_set_document(UnrollWindow *self, UnrollDocument *doc);

/* Reads a model file into the window, without asking about unsaved changes.
 * A file with per-layer errors opens with them shown ("Opened with 2
 * errors"); a file that cannot be read or is no model keeps the current
 * document, shows "file:line:column: message" in a dialog and returns FALSE.
 * On success the file becomes the last file and a recent file. */
gboolean unroll_window_load_file(UnrollWindow *self, GFile *file, GError **error);
/* A template (a file name of templates/index.json; "" or NULL: an empty
 * model), unmodified and without a file. */
gboolean unroll_window_load_template(UnrollWindow *self, const char *file, GError **error);
/* What a new window shows: the last model file (settings' last-file), or
 * on the first start (or when that file is gone, with a toast saying so)
 * the first template. */
void unroll_window_load_startup(UnrollWindow *self);
/* Saves the document to file (what Save As does once a file is chosen). */
gboolean unroll_window_save_to(UnrollWindow *self, GFile *file, GError **error);

/* Calls then(self, data) once the document may be replaced: at once when
 * it has no unsaved changes, else after the "Save changes?" dialog was
 * answered Discard, or Save and the save succeeded. Cancel (or a failed or
 * cancelled save) drops it: destroy(data) is called in every case. */
typedef void (*UnrollWindowThen)(UnrollWindow *self, gpointer data);
void unroll_window_confirm_discard(UnrollWindow *self, UnrollWindowThen then, gpointer data,
                                   GDestroyNotify destroy);

/* The parts, for tests that drive the window through the widgets' entry
 * points. */
GtkWidget *unroll_window_get_palette(UnrollWindow *self);
GtkWidget *unroll_window_get_canvas(UnrollWindow *self);
GtkWidget *unroll_window_get_inspector(UnrollWindow *self);
GtkWidget *unroll_window_get_summary(UnrollWindow *self);
/* The Train page's view and the Runs page's view (an UnrollRunsView). */
UnrollTrainingView *unroll_window_get_training_view(UnrollWindow *self);
GtkWidget *unroll_window_get_runs_view(UnrollWindow *self);
/* The run store the Train and Runs pages use (NULL: ur_store_default_path();
 * a new window takes unroll_application_get_db_path's). */
const char *unroll_window_get_db_path(UnrollWindow *self);
void unroll_window_set_db_path(UnrollWindow *self, const char *path);

/* The last toast's text (NULL before the first one), the error line over
 * the canvas (NULL while the model has no errors), and the last error
 * dialog's message (NULL before the first one). */
const char *unroll_window_get_last_toast(UnrollWindow *self);
const char *unroll_window_get_error_line(UnrollWindow *self);
const char *unroll_window_get_last_error(UnrollWindow *self);

G_END_DECLS

#endif
