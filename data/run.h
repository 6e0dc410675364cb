/* run.h — a run: a model, a dataset and fit settings trained through the
 * engine's trainer, recorded in the run store (optional), checkpointed and
 * resumable. Serves the command line and the window's worker thread alike:
 * no printing; progress through the caller's callbacks; errors as values.
 */
#ifndef UR_RUN_H
#define UR_RUN_H

#include "datasets.h"
#include "store.h"
#include "ur.h"

typedef struct ur_run ur_run;

typedef struct ur_run_settings {
    const char *db_path;       /* the store; NULL: ur_store_default_path() */
    bool record;               /* false: train without the store (no checkpoints) */
    const char *label;         /* may be NULL */
    double checkpoint_every;   /* seconds between LAST checkpoints (5); 0: only at epoch ends */
    double flush_every;        /* seconds between metric batches (0.5; at most 1) */
    int keep_epochs;           /* per-epoch checkpoints kept (3) */
    const char *monitor;       /* BEST by; NULL: val_loss with validation data, else loss */
    /* Where the model trains (ur_model_use_device): NULL or "cpu", "auto",
     * "cuda", "cuda:N"; exact_math for the GPU's exact float32 mode. The run
     * records the device taken, and on a GPU a "device" event with each
     * layer's path ({"device": "cuda:0", "layers": {"lstm": "kernels"}}). */
    const char *device;
    bool exact_math;
} ur_run_settings;

void ur_run_settings_defaults(ur_run_settings *rs);

/* A new run of graph g (taken, also on failure) on the dataset spec
 * (ur_dataset_open, with fit->seed): maps the arrays to the inputs and
 * outputs, builds the model, initialises its weights from fit->seed and,
 * with rs->record, records the run as running. */
ur_run *ur_run_new(ur_graph *g, const char *data_spec, const ur_fit_config *fit,
                   const ur_run_settings *rs, ur_ctx *ctx);
/* Continues run id of the store rs->db_path: its model and settings from the
 * store, the same dataset (refused when its content hash changed), the LAST
 * checkpoint's weights and trainer state (the start, when there is none);
 * metric points after the checkpoint are deleted and the run is claimed. */
ur_run *ur_run_resume(int64_t id, const ur_run_settings *rs, ur_ctx *ctx);
void ur_run_free(ur_run *r);

/* Trains from the current position to the end, a stop (cb->should_stop:
 * UR_ERR_CANCELLED) or an error, recording metrics and checkpoints, and ends
 * the run in the store as completed, cancelled or failed. The callbacks see
 * every step and epoch after it is recorded. */
ur_status ur_run_train(ur_run *r, const ur_callbacks *cb, ur_ctx *ctx);
/* Whether a stop (cb->should_stop) ends the run paused, to be resumed later
 * (ur_run_resume; its LAST checkpoint is written and a "stop" event says
 * {"paused": true}), rather than cancelled (the default: the run is over).
 * The window sets it when it closes while a run trains. Call from the
 * thread that trains (in should_stop) or before ur_run_train. */
void ur_run_set_stop_pauses(ur_run *r, bool pauses);

/* What a window's training controller does between steps, in the thread
 * that trains (inside a callback): the trainer, to change the learning rate
 * (ur_trainer_set_learning_rate); and an event of the run ("pause",
 * "resume", "lr", ... with a JSON detail or NULL) at the current step,
 * written with the pending metric points. Without a store, no event. */
ur_trainer *ur_run_trainer(const ur_run *r);
ur_status ur_run_add_event(ur_run *r, const char *kind, const char *detail_json, ur_ctx *ctx);
/* New optimizer settings from the next step (ur_trainer_set_optimizer, in
 * the thread that trains), recorded as an event of the run: "lr" {"from":
 * a, "to": b} when only the learning rate changed, else "optimizer" with
 * the changed settings by their Keras names {"from": {"momentum": 0},
 * "to": {"momentum": 0.9}}. Nothing changed: no event. A resumed run takes
 * the changes recorded up to its checkpoint again (those of a stretch that
 * a resume went back over do not count). */
ur_status ur_run_set_optimizer(ur_run *r, const ur_optimizer_config *c, ur_ctx *ctx);

int64_t ur_run_id(const ur_run *r);                 /* 0 when not recorded */
/* Why rs->device "auto" stayed on the CPU (one line), or "". */
const char *ur_run_device_note(const ur_run *r);
ur_model *ur_run_model(const ur_run *r);
const ur_fit_config *ur_run_fit(const ur_run *r);
const ur_dataset *ur_run_dataset(const ur_run *r);
int ur_run_epoch(const ur_run *r);                  /* the epoch in progress, 0-based */
int64_t ur_run_global_step(const ur_run *r);        /* steps done */

/* ------------------------------------------------------------- helpers */

/* FNV-1a 64 over the bytes of the dataset's arrays (train x, y, then val). */
uint64_t ur_dataset_hash(const ur_dataset *ds);

/* Converts *a in place to dtype want: integers to float32 always, floats to
 * int32 when every value is whole. what names the array, input the layer. */
ur_status ur_array_fit_dtype(ur_array **a, ur_dtype want, const char *what, const char *input,
                             ur_ctx *ctx);
/* The dataset's arrays in the graph's order of inputs and outputs (by name
 * x_<input>, y_<layer>[_k] when there are several), converted to the
 * inputs' dtypes. train and val borrow the arrays; free their x and y
 * pointer lists. val->n_x == 0 when the dataset has no validation data. */
ur_status ur_data_map(const ur_graph *g, ur_dataset *ds, ur_data *train, ur_data *val,
                      ur_ctx *ctx);

/* The model's weights as safetensors bytes (names "<layer>/<weight>",
 * metadata format unroll.weights and the model name), malloc'd. */
void *ur_model_weights_bytes(const ur_model *m, size_t *len, ur_ctx *ctx);
/* Loads weights by name from safetensors bytes; every weight of the model
 * must be there with its shape. source names the bytes in messages. */
ur_status ur_model_load_weights_bytes(ur_model *m, const void *buf, size_t len,
                                      const char *source, ur_ctx *ctx);

#endif
