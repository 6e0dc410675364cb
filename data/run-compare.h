/* run-compare.h — recorded runs side by side, as `unroll runs compare` prints
 * them and the window's Runs view shows them: every hyper-parameter with
 * whether it differs, each per-epoch metric's final and best values, and the
 * layers that differ between the runs' models (against the first run). */
#ifndef UR_RUN_COMPARE_H
#define UR_RUN_COMPARE_H

#include "store.h"
#include "ur.h"

#include <stdbool.h>

/* One hyper-parameter across the runs: cells[i] is run i's value as text
 * (strings bare, a clipping that is off as "off", anything else as JSON),
 * NULL when run i lacks it. */
typedef struct ur_compare_hparam {
    char *name;
    char **cells;
    bool differ;               /* not the same in every run (or missing in one) */
} ur_compare_hparam;

/* One per-epoch metric (batch_* points left out): NAN where a run lacks it. */
typedef struct ur_compare_metric {
    char *name;
    double *final_values, *best_values;
} ur_compare_metric;

typedef enum ur_layer_change_kind {
    UR_LAYER_REMOVED,          /* in the first run's model, not in this one's */
    UR_LAYER_CHANGED,          /* options differ: detail "units: 32 -> 16, ..." */
    UR_LAYER_ADDED,            /* detail: its class */
} ur_layer_change_kind;

typedef struct ur_layer_change {
    int run;                   /* index of the run (>= 1) whose model differs */
    int64_t run_id;
    ur_layer_change_kind kind;
    char *layer;
    char *detail;
} ur_layer_change;

typedef struct ur_run_compare {
    int n_runs;
    int n_hparams;
    ur_compare_hparam *hparams;   /* every key of any run, in first-seen order */
    int n_metrics;
    ur_compare_metric *metrics;   /* in first-seen order */
    int n_layers;
    ur_layer_change *layers;      /* run 1's changes, then run 2's, ... */
} ur_run_compare;

/* Compares n >= 1 runs (rows as ur_store_run_get fills them). A run whose
 * hyper-parameters or model do not parse counts as having none. Fails only
 * when out of memory. */
ur_status ur_run_compare_build(const ur_run_row *rows, int n, ur_run_compare *out, ur_ctx *ctx);
void ur_run_compare_clear(ur_run_compare *c);

/* "removed", "changed", "added". */
const char *ur_layer_change_kind_name(ur_layer_change_kind kind);

/* The index of a run's metric by name, -1 when it has none. */
int ur_run_row_metric_index(const ur_run_row *r, const char *name);
/* Per-batch metrics ("batch_loss"): their last and lowest values are one
 * batch's, not the run's, so final/best tables leave them out. */
bool ur_metric_is_batch(const char *name);

/* A run event in words, for people: "Paused", "Resumed (was interrupted)",
 * "Learning rate 0.001 → 0.0004", "beta_1 0.9 → 0.8, clipnorm off → 2",
 * "Stopped in epoch 3", "Kept for later in epoch 3", "Failed: <message>",
 * "Interrupted: <reason>", "On cuda:0 (lstm: kernels, logits: cublas)"; an
 * unknown kind as its name and detail. malloc'd. */
char *ur_run_event_describe(const ur_run_event *e);

#endif
