/* train-worker.h — UnrollTrainWorker: trains a run (data/run.h) in a thread
 * of its own on a snapshot of the graph, and reports to the main loop it was
 * created in through one mutex-guarded buffer drained by at most one pending
 * idle source. Pause, resume, stop and learning-rate changes reach the
 * training thread between steps. Display-free: GLib only. */
#ifndef UNROLL_TRAIN_WORKER_H
#define UNROLL_TRAIN_WORKER_H

#include <glib-object.h>

#include "run.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_TRAIN_WORKER (unroll_train_worker_get_type())
G_DECLARE_FINAL_TYPE(UnrollTrainWorker, unroll_train_worker, UNROLL, TRAIN_WORKER, GObject)

typedef enum {
    UNROLL_TRAIN_IDLE,      /* nothing started yet */
    UNROLL_TRAIN_RUNNING,   /* preparing (dataset, model) or training */
    UNROLL_TRAIN_PAUSED,    /* the training thread waits between two steps */
    UNROLL_TRAIN_STOPPING,  /* a stop was asked: the current step ends first */
    UNROLL_TRAIN_FINISHED,  /* completed or cancelled */
    UNROLL_TRAIN_FAILED,    /* an error: the "finished" message says which */
} UnrollTrainState;

const char *unroll_train_state_name(UnrollTrainState state);

/* Where training stands, as the "progress" signal carries it. */
typedef struct unroll_train_progress {
    int epoch, epochs;          /* epoch 0-based */
    gint64 step, steps;         /* steps done in this epoch; steps per epoch */
    gint64 global_step;         /* steps done in the run */
    double samples_per_s, steps_per_s;
    double eta_s;               /* seconds to the run's end; -1 while unknown */
    double learning_rate;       /* the one in effect */
} unroll_train_progress;

/* One metric point: "batch_loss" after each step (as the store records it),
 * "loss", "val_loss", "accuracy"... after each epoch. name is interned. */
typedef struct unroll_train_point {
    const char *name;
    gint64 step;
    int epoch;
    double value;
} unroll_train_point;

/* What to start: the run settings besides the model and the fit. */
typedef struct unroll_train_options {
    const char *db_path;        /* NULL: ur_store_default_path() */
    gboolean record;            /* FALSE: no store (nothing resumable) */
    const char *label;          /* may be NULL */
    const char *monitor;        /* NULL: val_loss with validation data, else loss */
    const char *device;         /* "auto" (NULL), "cpu", "cuda", "cuda:N" */
    gboolean exact_math;
    double checkpoint_every;    /* seconds; <= 0: the run's default (5) */
} unroll_train_options;

void unroll_train_options_defaults(unroll_train_options *o);

/* Signals (emitted in the main context the worker was created in):
 *   "progress"      (gpointer const unroll_train_progress *)  the latest position
 *   "points"        (gpointer const unroll_train_point *, guint n)  new points,
 *                   each step's and epoch's exactly once, in order
 *   "state-changed" (gint UnrollTrainState)
 *   "finished"      (gint ur_run_status: COMPLETED, CANCELLED, PAUSED or FAILED,
 *                    const char *message (NULL when completed), gint64 run id
 *                    (0 when nothing was recorded))
 * "finished" comes after the last points and progress; the state is then
 * FINISHED or FAILED and a new run may start. */

UnrollTrainWorker *unroll_train_worker_new(void);

/* Starts a new run of a snapshot of g (copied now: the graph may be edited
 * while it trains) on the dataset spec with fit. FALSE with error when a run
 * is already going or g has errors; everything later (the dataset, a model
 * that does not fit it, the store, NaN) ends in "finished" with FAILED. */
gboolean unroll_train_worker_start(UnrollTrainWorker *self, const ur_graph *g,
                                   const char *data_spec, const ur_fit_config *fit,
                                   const unroll_train_options *opts, GError **error);
/* Continues run_id of the store opts->db_path (ur_run_resume). */
gboolean unroll_train_worker_resume(UnrollTrainWorker *self, gint64 run_id,
                                    const unroll_train_options *opts, GError **error);

/* Pause (the thread waits after the current step, recording a "pause"
 * event), resume (records "resume"), stop (the run ends cancelled; works
 * while paused too). Each returns FALSE when the state does not allow it. */
gboolean unroll_train_worker_pause(UnrollTrainWorker *self);
gboolean unroll_train_worker_resume_training(UnrollTrainWorker *self);
gboolean unroll_train_worker_stop(UnrollTrainWorker *self);
/* A stop that keeps the run for later: it ends paused in the store (with
 * its checkpoint) and "finished" says PAUSED; the runs view's Resume
 * continues it. (A run that is not recorded just stops.) */
gboolean unroll_train_worker_stop_to_resume(UnrollTrainWorker *self);
/* New optimizer settings (of the run's optimizer, in range:
 * ur_optimizer_check), applied by the training thread before its next step
 * (at once while paused) and recorded with the run (ur_run_set_optimizer:
 * an "lr" or "optimizer" event). While the run trains or is paused; FALSE
 * with error otherwise. */
gboolean unroll_train_worker_set_optimizer(UnrollTrainWorker *self, const ur_optimizer_config *c,
                                           GError **error);
/* The settings in effect, or asked for and not yet applied. */
void unroll_train_worker_get_optimizer(UnrollTrainWorker *self, ur_optimizer_config *out);
/* The same for the learning rate alone. */
gboolean unroll_train_worker_set_learning_rate(UnrollTrainWorker *self, double lr);

UnrollTrainState unroll_train_worker_get_state(UnrollTrainWorker *self);
gboolean unroll_train_worker_is_busy(UnrollTrainWorker *self);  /* running, paused or stopping */
/* The run's id once recorded (0 before, or without a store). */
gint64 unroll_train_worker_get_run_id(UnrollTrainWorker *self);
/* Where the model trains ("cpu", "cuda:0"; NULL before the model is built)
 * and why not on a GPU when "auto" chose the CPU ("" when there is no note). */
char *unroll_train_worker_dup_device(UnrollTrainWorker *self);
char *unroll_train_worker_dup_device_note(UnrollTrainWorker *self);
/* The learning rate in effect (or pending). */
double unroll_train_worker_get_learning_rate(UnrollTrainWorker *self);
/* The last progress delivered to the main loop. */
void unroll_train_worker_get_progress(UnrollTrainWorker *self, unroll_train_progress *out);

/* Blocks until the training thread has ended and its last report was
 * delivered (runs the worker's main context meanwhile); for tests and for
 * closing the window. */
void unroll_train_worker_wait(UnrollTrainWorker *self);

G_END_DECLS

#endif
