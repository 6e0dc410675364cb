/* training-view.h — UnrollTrainingView, the Train page: the dataset (ui/
 * dataset-view.h), the training settings (remembered per model), Train,
 * Pause/Resume and Stop with the optimizer's settings changed while paused, progress
 * (epoch, run, ETA, steps/s, samples/s), live charts (per-step loss, per-epoch
 * loss and metric with their validation twins) and errors. Training runs in
 * an UnrollTrainWorker on a snapshot of the open document's graph. */
#ifndef UNROLL_TRAINING_VIEW_H
#define UNROLL_TRAINING_VIEW_H

#include <gtk/gtk.h>

#include "chart.h"
#include "dataset-view.h"
#include "document.h"
#include "train-worker.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_TRAINING_VIEW (unroll_training_view_get_type())
G_DECLARE_FINAL_TYPE(UnrollTrainingView, unroll_training_view, UNROLL, TRAINING_VIEW, GtkWidget)

/* Signals:
 *   "run-finished" (gint ur_run_status, const char *message, gint64 run_id)
 *       a run ended (the window shows a toast and refreshes the runs).
 * Actions (group "training" on the widget): training.train, training.pause
 * (pauses or resumes), training.stop, training.apply-optimizer (the paused
 * panel's settings), training.export
 * ("steps|png", "loss|svg", "metric|csv", ...: a file chooser, then the
 * chart's export). Enabled as the state allows. */

GtkWidget *unroll_training_view_new(void);

/* The model to train (its graph is copied when Train starts; editing goes on). */
void unroll_training_view_set_document(UnrollTrainingView *self, UnrollDocument *doc);
/* The run store (NULL: ur_store_default_path()). */
void unroll_training_view_set_db_path(UnrollTrainingView *self, const char *path);
const char *unroll_training_view_get_db_path(UnrollTrainingView *self);
/* Where the per-model settings files live (NULL: g_get_user_config_dir()
 * /unroll/training); each model's settings are <dir>/<model name>.json. */
void unroll_training_view_set_settings_dir(UnrollTrainingView *self, const char *dir);
char *unroll_training_view_dup_settings_path(UnrollTrainingView *self);

/* Train: a new run of the document's graph with the settings shown. FALSE
 * with error when it cannot start (no dataset yet, a dataset that does not
 * fit, a model with errors, a run already going). */
gboolean unroll_training_view_train(UnrollTrainingView *self, GError **error);
/* Continues run_id of the store (the runs view's Resume), its curves so far
 * shown first. */
gboolean unroll_training_view_resume_run(UnrollTrainingView *self, gint64 run_id, GError **error);
/* Pause when training, resume when paused; FALSE when neither. */
gboolean unroll_training_view_toggle_pause(UnrollTrainingView *self);
gboolean unroll_training_view_stop(UnrollTrainingView *self);
/* While paused: new settings of the run's optimizer (the paused panel shows
 * them), applied before the next step and recorded with the run (an "lr"
 * event for the learning rate alone, else "optimizer"). FALSE with error
 * when not paused, for another optimizer or a value out of range. */
gboolean unroll_training_view_apply_optimizer(UnrollTrainingView *self,
                                              const ur_optimizer_config *o, GError **error);
gboolean unroll_training_view_apply_learning_rate(UnrollTrainingView *self, double lr);

/* The settings as JSON text (what is remembered per model): "dataset",
 * "loss" ("auto" or a Keras name), "from_logits", "optimizer",
 * "learning_rate", "momentum", "nesterov", "beta_1", "beta_2",
 * "weight_decay", "clipnorm" (0: off), "batch_size", "epochs",
 * "validation_split", "seed", "device" ("auto", "cpu", "cuda"), "monitor"
 * ("auto" or a metric). Apply takes any subset; FALSE with error on a bad
 * key or value (nothing changes then). */
char *unroll_training_view_dup_settings_json(UnrollTrainingView *self);
gboolean unroll_training_view_apply_settings_json(UnrollTrainingView *self, const char *json,
                                                  GError **error);
/* What Train would use now: the fit (loss resolved), the dataset spec. */
void unroll_training_view_get_fit(UnrollTrainingView *self, ur_fit_config *fit,
                                  const char **data_spec);

/* The loss a model and its targets call for: softmax or logits with class
 * numbers → sparse_categorical_crossentropy (from_logits when the last layer
 * has no softmax); one-hot targets → categorical_crossentropy; one unit with
 * 0/1 targets → binary_crossentropy (from_logits without sigmoid); anything
 * else → mean_squared_error. ds may be NULL (the last activation decides).
 * *accuracy: whether accuracy is the metric to watch (else mae). */
void unroll_training_default_loss(const ur_graph *g, const ur_dataset *ds, ur_loss *loss,
                                  gboolean *accuracy);

/* The parts, for the window and tests. */
UnrollTrainWorker *unroll_training_view_get_worker(UnrollTrainingView *self);
UnrollDatasetView *unroll_training_view_get_dataset_view(UnrollTrainingView *self);
/* "steps" (per-step loss), "loss" (per-epoch loss and val_loss), "metric"
 * (per-epoch accuracy or mae and its val_ twin); NULL for other names. */
UnrollChart *unroll_training_view_get_chart(UnrollTrainingView *self, const char *which);
/* The error on show (NULL when none) and the state line ("Training",
 * "Paused", ...). */
const char *unroll_training_view_get_error(UnrollTrainingView *self);
const char *unroll_training_view_get_status_text(UnrollTrainingView *self);
/* Why Train is off (NULL when it is on). */
const char *unroll_training_view_get_blocker(UnrollTrainingView *self);

G_END_DECLS

#endif
