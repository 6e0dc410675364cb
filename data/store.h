/* store.h — the run store: one SQLite database that records every training
 * run (its model, dataset, hyper-parameters, every metric point, checkpoints
 * and events), finds runs whose process died, and answers queries for the
 * command line (and later the window). Schema: data/schema.sql.
 *
 * One ur_store is one connection: use it from one thread only; open one per
 * thread (the window's reader and the trainer's writer each have their own).
 * Plain C with SQLite; no GLib.
 */
#ifndef UR_STORE_H
#define UR_STORE_H

#include "ur.h"

typedef struct ur_store ur_store;

/* $XDG_DATA_HOME/unroll/unroll.db (~/.local/share/unroll/unroll.db); malloc'd. */
char *ur_store_default_path(void);

/* Opens (creating the file and its folder if needed) and configures the
 * connection (application_id, WAL, synchronous=NORMAL, foreign_keys, busy
 * timeout), migrates the schema (each migration one transaction), and marks
 * runs whose process is gone as interrupted. Refuses, leaving the file
 * untouched: a database written by a newer Unroll ("... was written by a newer
 * Unroll (schema version N); this Unroll reads up to version M"), a SQLite file
 * that is not Unroll's (another application_id, or foreign tables), a file that
 * is not SQLite or is corrupt. path NULL: the default path. */
ur_store *ur_store_open(const char *path, ur_ctx *ctx);
/* Read-only connection for queries (never writes, never migrates). */
ur_store *ur_store_open_readonly(const char *path, ur_ctx *ctx);
void ur_store_close(ur_store *s);
const char *ur_store_path(const ur_store *s);
int ur_store_schema_version(const ur_store *s);

/* ------------------------------------------------------------ recording */

typedef enum ur_run_status {
    UR_RUN_RUNNING,
    UR_RUN_PAUSED,
    UR_RUN_COMPLETED,
    UR_RUN_FAILED,
    UR_RUN_CANCELLED,
    UR_RUN_INTERRUPTED,
} ur_run_status;

const char *ur_run_status_name(ur_run_status st);

/* What a run is made of. The dataset is described so it can be found again:
 * kind "builtin" (mnist), "synthetic" (source = the spec, with the seed) or
 * "file" (source = the path); hash = a content hash (FNV-1a 64 of the arrays)
 * so a changed file is noticed on resume. */
typedef struct ur_run_spec {
    const char *model_json;      /* the exact model document (deduplicated by hash) */
    const char *model_name;
    const char *dataset_name;
    const char *dataset_kind;
    const char *dataset_source;
    uint64_t dataset_hash;
    int64_t n_train, n_val;
    const ur_fit_config *fit;    /* loss, optimizer and its settings, epochs, batch, ... */
    const char *device;          /* "cpu" */
    const char *label;           /* may be NULL */
    int64_t parent_run;          /* resumed or forked from; 0 = none */
} ur_run_spec;

/* Inserts the run as running, owned by this process (pid, process start
 * time, host; heartbeat now). Returns its id (> 0), or 0 with ctx. */
int64_t ur_store_run_begin(ur_store *s, const ur_run_spec *spec, ur_ctx *ctx);
/* Takes an interrupted/paused/failed run back (resume): owned by this
 * process again, status running, an event "resume" at step from_step (where
 * training continues; {"from": the old status, "pid": ...}). */
ur_status ur_store_run_claim(ur_store *s, int64_t run, int64_t from_step, ur_ctx *ctx);
/* Final status and error message (NULL if none); end time now. */
ur_status ur_store_run_end(ur_store *s, int64_t run, ur_run_status status, const char *error,
                           ur_ctx *ctx);
ur_status ur_store_run_set_label(ur_store *s, int64_t run, const char *label, const char *notes,
                                 ur_ctx *ctx);

/* Metric points are buffered and written by ur_store_flush, one transaction
 * per batch (the heartbeat rides along). A trainer flushes at least once a
 * second and at each epoch's end; readers never see half a batch. */
void ur_store_metric(ur_store *s, int64_t run, const char *name, int64_t step, int epoch,
                     double value, double wall_time);
ur_status ur_store_flush(ur_store *s, ur_ctx *ctx);

typedef enum ur_checkpoint_kind {
    UR_CHECKPOINT_LAST,   /* replaced each time */
    UR_CHECKPOINT_BEST,   /* replaced when the monitor improves */
    UR_CHECKPOINT_EPOCH,  /* one per epoch, the oldest beyond `keep` deleted */
} ur_checkpoint_kind;

/* A checkpoint: weights as safetensors bytes, the trainer's state
 * (ur_trainer_save_state) and the position. Written in one transaction with
 * the pending metric points, so a checkpoint never lies ahead of them. */
typedef struct ur_checkpoint {
    ur_checkpoint_kind kind;
    int epoch;                   /* epochs completed */
    int64_t step;                /* global step */
    const void *weights;
    size_t weights_len;
    const void *state;
    size_t state_len;
    const char *monitor;         /* "val_loss" */
    double monitor_value;
} ur_checkpoint;

ur_status ur_store_checkpoint(ur_store *s, int64_t run, const ur_checkpoint *cp, int keep_epochs,
                              ur_ctx *ctx);
/* Events: "pause", "resume", "stop", "lr", "error" with a JSON detail. */
ur_status ur_store_event(ur_store *s, int64_t run, const char *kind, int64_t step,
                         const char *detail_json, ur_ctx *ctx);

/* ------------------------------------------------------------- reading */

typedef struct ur_run_row {
    int64_t id;
    char *label, *model_name, *model_json, *dataset_name, *dataset_kind, *dataset_source;
    uint64_t dataset_hash;
    ur_run_status status;
    char *device, *error, *notes;
    int64_t parent_run;
    double started, ended;       /* unix seconds; ended 0 while running */
    int epochs_done;             /* from the metrics */
    ur_fit_config fit;           /* the hyper-parameters as recorded */
    char *hparams_json;          /* every hyper-parameter as a JSON object */
    /* final and best of each per-epoch metric: names "loss", "val_accuracy"... */
    int n_metrics;
    char **metric_names;
    double *final_values, *best_values;
} ur_run_row;

void ur_run_row_clear(ur_run_row *r);

ur_status ur_store_run_get(ur_store *s, int64_t run, ur_run_row *out, ur_ctx *ctx);
/* Runs matching `where` (NULL: all), ordered by `sort` ("started", "-best_val_accuracy",
 * any column of the runs_view; '-' for descending; NULL: newest first). `where` is
 * read-only SQL over the documented view runs_view (data/schema.sql): columns
 * id, label, model, dataset, status, device, loss, optimizer, learning_rate,
 * batch_size, epochs, validation_split, seed, units, params, started, ended,
 * duration, final_<metric>, best_<metric> for loss, accuracy, mae and their
 * val_ forms. Anything but a read-only expression is refused. */
ur_status ur_store_runs_list(ur_store *s, const char *where, const char *sort, int64_t limit,
                             ur_run_row **rows, int *n, ur_ctx *ctx);
void ur_run_rows_free(ur_run_row *rows, int n);

typedef struct ur_metric_point {
    int64_t step;
    int epoch;
    double value;
    double wall_time;
} ur_metric_point;

/* Every point of one metric of a run, in step order (name NULL: all metrics,
 * then names[i] tells each point's metric). */
ur_status ur_store_metrics(ur_store *s, int64_t run, const char *name, ur_metric_point **points,
                           int64_t *n, ur_ctx *ctx);
/* Deletes the run's metric points at steps after `step` (a resume records
 * them again from its checkpoint's step on). */
ur_status ur_store_metrics_delete_after(ur_store *s, int64_t run, int64_t step, ur_ctx *ctx);
/* The names of a run's metrics. */
ur_status ur_store_metric_names(ur_store *s, int64_t run, char ***names, int *n, ur_ctx *ctx);

/* The checkpoint of a kind (epoch: the one of that epoch, kind EPOCH; or for
 * LAST/BEST ignored), copied out (malloc'd buffers). */
ur_status ur_store_checkpoint_get(ur_store *s, int64_t run, ur_checkpoint_kind kind, int epoch,
                                  ur_checkpoint *out, void **weights, void **state, ur_ctx *ctx);

ur_status ur_store_run_delete(ur_store *s, int64_t run, ur_ctx *ctx);

/* A run's events in the order they happened ("resume", "interrupted",
 * "stop", "error", "lr", ...), with their step (-1 when none), time and JSON
 * detail (NULL when none). */
typedef struct ur_run_event {
    char *kind;
    int64_t step;
    double time;
    char *detail;
} ur_run_event;

ur_status ur_store_events(ur_store *s, int64_t run, ur_run_event **events, int *n, ur_ctx *ctx);
void ur_run_events_free(ur_run_event *events, int n);

#endif
