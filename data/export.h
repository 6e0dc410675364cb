/* export.h — a recorded run's data written out, as `unroll export` and
 * `unroll runs metrics` do and the window's Runs view does: the weights of a
 * checkpoint as safetensors or .npz, the metric points as CSV or JSON. */
#ifndef UR_EXPORT_H
#define UR_EXPORT_H

#include "store.h"
#include "ur.h"

#include <stdbool.h>

typedef enum ur_weights_format {
    UR_WEIGHTS_SAFETENSORS,
    UR_WEIGHTS_NPZ,
} ur_weights_format;

/* By the file name's extension: ".npz" -> npz, anything else safetensors. */
ur_weights_format ur_weights_format_for_path(const char *path);

/* Writes the weights of run's checkpoint (kind; epoch for UR_CHECKPOINT_EPOCH)
 * to path (atomically): the stored safetensors bytes as they are, or an .npz
 * of the same "<layer>/<weight>" arrays. On success *epoch_out and *step_out
 * (either may be NULL) get the checkpoint's position. Errors name the run's
 * checkpoint ("run 3's best checkpoint") or the file. */
ur_status ur_export_weights(ur_store *s, int64_t run, ur_checkpoint_kind kind, int epoch,
                            ur_weights_format format, const char *path, int *epoch_out,
                            int64_t *step_out, ur_ctx *ctx);
/* "run 3's last checkpoint", "run 3's epoch 2 checkpoint" into buf. */
void ur_export_checkpoint_name(int64_t run, ur_checkpoint_kind kind, int epoch, char *buf,
                               size_t size);

/* Every metric point of a run (only: one metric's, NULL: all) as text,
 * malloc'd, *len its length: CSV "name,step,epoch,value,wall_time" (values
 * %.17g, wall time %.6f), or JSON {"run": N, "metrics": {"loss": [{"step",
 * "epoch", "value", "wall_time"}...]}}. Errors: no such run (the store's
 * message), "run N has no metric 'x'". */
char *ur_export_metrics(ur_store *s, int64_t run, const char *only, bool json, size_t *len,
                        ur_ctx *ctx);

#endif
