/* runs-view.h — the Runs page: the runs of the store in a sortable, filterable
 * list; selecting several overlays their curves and compares their settings,
 * metrics and layers; actions open, resume, label, delete and export them. */
#ifndef UNROLL_RUNS_VIEW_H
#define UNROLL_RUNS_VIEW_H

#include <gtk/gtk.h>
#include <stdint.h>

G_BEGIN_DECLS

#define UNROLL_TYPE_RUNS_VIEW (unroll_runs_view_get_type())
G_DECLARE_FINAL_TYPE(UnrollRunsView, unroll_runs_view, UNROLL, RUNS_VIEW, GtkWidget)

/* Signals:
 *   "open-model" (UnrollRunsView *view, const char *model_json, gint64 run_id)
 *       Open Model on a selected run: the run's exact model document.
 *   "resume-run" (UnrollRunsView *view, gint64 run_id)
 *       Resume on an interrupted, paused or cancelled run.
 *
 * Actions (group "runs" on the widget): runs.open-model, runs.resume,
 * runs.label, runs.delete, runs.export-weights, runs.export-metrics,
 * runs.reload, runs.this-model-only (stateful boolean),
 * runs.differences-only (stateful boolean). Enabled as the selection allows. */

GtkWidget *unroll_runs_view_new(void);

/* Reads runs from the store at db_path (a read connection of its own, opened
 * on demand; NULL: ur_store_default_path()). Reloads. */
void unroll_runs_view_set_store(UnrollRunsView *self, const char *db_path);
const char *unroll_runs_view_get_store(UnrollRunsView *self);
/* The open model's name for "This model only"; NULL: no model (the toggle is
 * then insensitive and all runs show). Setting a name does not switch the
 * toggle on; unroll_runs_view_set_this_model_only does. */
void unroll_runs_view_set_model_filter(UnrollRunsView *self, const char *model_name);
void unroll_runs_view_set_this_model_only(UnrollRunsView *self, gboolean only);
/* Reads the store again, keeping the selection (by run id) where the runs
 * still exist. While the view is mapped and a run is running it also polls
 * the store every 2 seconds. */
void unroll_runs_view_reload(UnrollRunsView *self);

/* ------------------------------------------------ for tests and the window */

/* The last error reading the store (NULL: none); shown in the view too. */
const char *unroll_runs_view_get_error(UnrollRunsView *self);
/* The runs listed after the search and the model filter, in the shown order. */
guint unroll_runs_view_get_n_shown(UnrollRunsView *self);
gint64 unroll_runs_view_get_shown_id(UnrollRunsView *self, guint position);
/* The status name (ur_run_status_name) and label ("" when none) of a listed
 * run by id; NULL when the run is not loaded. */
const char *unroll_runs_view_get_status(UnrollRunsView *self, gint64 run_id);
const char *unroll_runs_view_get_label(UnrollRunsView *self, gint64 run_id);
/* The search entry's text (filters label, model, dataset and status). */
void unroll_runs_view_set_search(UnrollRunsView *self, const char *text);
/* Sorts the list by a column: "status", "label", "model", "dataset", "loss",
 * "accuracy", "started", "duration"; descending when ascending is FALSE. */
gboolean unroll_runs_view_sort_by(UnrollRunsView *self, const char *column, gboolean ascending);

/* Selects exactly these runs (those not listed are ignored); returns how many
 * were selected. */
guint unroll_runs_view_select_ids(UnrollRunsView *self, const gint64 *ids, guint n);
/* The selected run ids in list order; *n gets their count. g_free the result. */
gint64 *unroll_runs_view_get_selected_ids(UnrollRunsView *self, guint *n);

/* The comparison of the selection (oldest run first, the others' layers
 * against its model), as shown: one string per row, cells
 * separated by tabs. Settings: "optimizer\tadam\trmsprop" (a cell per run,
 * "—" where a run lacks it), following the "Differences only" switch;
 * metrics: "loss (final)\t0.1402\t...", "loss (best)\t..."; layers:
 * "lstm\t<run name>\tchanged\t
 * units: 32 -> 16" (kinds removed, changed, added; added's detail is the
 * class); history: "<run name>\tstep 22\tLearning rate 0.001 → 0.0004"
 * (ur_run_event_describe; the step empty for events without one).
 * g_strfreev the result. */
char **unroll_runs_view_get_hparam_rows(UnrollRunsView *self);
char **unroll_runs_view_get_event_rows(UnrollRunsView *self);
char **unroll_runs_view_get_metric_rows(UnrollRunsView *self);
char **unroll_runs_view_get_layer_rows(UnrollRunsView *self);
void unroll_runs_view_set_differences_only(UnrollRunsView *self, gboolean only);
/* The curves drawn for the selection: "<run name> · <metric>" each. */
char **unroll_runs_view_get_series_names(UnrollRunsView *self);

/* The confirmation / label dialog the last Delete or Label presented (NULL
 * when none is open), to answer with adw_message_dialog_response. */
GtkWidget *unroll_runs_view_get_dialog(UnrollRunsView *self);

/* What Export Weights and Export Metrics write, without a file chooser:
 * weights of the first selected run's checkpoint ("last" or "best") as
 * safetensors or npz (by the file's extension), metrics as the CSV of
 * `unroll runs metrics --format csv`. */
gboolean unroll_runs_view_export_weights_to(UnrollRunsView *self, const char *path,
                                            gboolean best, GError **error);
gboolean unroll_runs_view_export_metrics_to(UnrollRunsView *self, const char *path,
                                            GError **error);

G_END_DECLS

#endif
