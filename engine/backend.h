/* backend.h — where a model's layers run. A backend is a table of function
 * pointers behind an opaque implementation (ggml's backend pattern): memory
 * for the activation and gradient arenas, and each layer's forward and
 * backward. The CPU backend (backend-cpu.c) runs the layer kinds' own
 * functions on host memory. The CUDA backend (cuda/, unroll-cuda.so, loaded
 * at run time by backend-loader.c) fills the same table and the device part
 * below; supports_layer() lets a model refuse to start when a layer cannot
 * run there rather than fall back silently in the middle. */
#ifndef UR_BACKEND_H
#define UR_BACKEND_H

#include "ur-internal.h"

typedef struct ur_backend ur_backend;

/* The device step control as the host reads it (cuda/kernels.h's cuk_ctl). */
typedef struct ur_step_ctl {
    int64_t step, iteration, halt_step;
    int32_t halted;      /* 0 running, 1 a non-finite loss, 2 non-finite weights */
    int32_t bad;
    float lr;
    float pad[3];
} ur_step_ctl;
struct ur_backend {
    const char *name;       /* "cpu", "cuda:0" */
    void *impl;             /* the backend's own state */
    /* Zeroed, 64-byte aligned device memory; NULL when out of memory. */
    void *(*alloc)(const ur_backend *be, size_t bytes);
    void (*free)(const ur_backend *be, void *p);
    void (*memset0)(const ur_backend *be, void *p, size_t bytes);
    /* True when the layer can run here; otherwise why (one line) in why. */
    bool (*supports_layer)(const ur_backend *be, const ur_layer *l, char *why, size_t size);
    /* How the layer runs here, for the run's record ("cpu", "cudnn", ...). */
    const char *(*layer_path)(const ur_backend *be, const ur_layer *l);
    ur_status (*forward)(const ur_backend *be, ur_layer *l, ur_pass *p);
    ur_status (*backward)(const ur_backend *be, ur_layer *l, ur_pass *p);

    /* ---- Device backends. Everything below is NULL/false on the CPU, whose
     * memory is the host's. On a device backend every pointer the executor
     * hands to forward/backward (ur_pass tensors, masks, cache) and every
     * pointer given to the functions below is device memory from alloc()
     * unless its name says host. Calls are ordered (one stream): a download
     * waits for the work before it. */
    bool device_memory;
    /* Frees the backend itself (instances are per model; the model that
     * owns one frees it). */
    void (*destroy)(ur_backend *be);
    void (*upload)(const ur_backend *be, void *dst, const void *host_src, size_t bytes);
    void (*download)(const ur_backend *be, void *host_dst, const void *src, size_t bytes);
    void (*copy)(const ur_backend *be, void *dst, const void *src, size_t bytes);
    /* dst[i] += src[i] */
    void (*add)(const ur_backend *be, float *dst, const float *src, int64_t n);
    /* Bytes of the layer's cache here (the kind's cache_size when NULL). */
    size_t (*cache_size)(const ur_backend *be, const ur_layer *l, const ur_shape *in, int n_in);
    /* The device copies of the model's parameter and gradient arenas that the
     * following forward/backward calls use: weight w of a layer is at
     * params + w->offset (its gradient at grads + w->offset). */
    void (*bind_weights)(const ur_backend *be, float *params, float *grads);

    /* Training on the device: results go to device scalar slots (doubles)
     * that read_scalars copies to the host in one transfer (and waits).
     * loss: slot = the batch loss of ur_loss_compute; dpred (may be NULL)
     * as its dpred. metric: slot = sum, slot + 1 = count, as
     * ur_metric_accumulate adds them. target is float32 or int32. */
    ur_status (*loss)(const ur_backend *be, const ur_loss *loss, const ur_tensor *pred,
                      const ur_tensor *target, const uint8_t *mask, float *dpred, int slot,
                      ur_ctx *ctx);
    ur_status (*metric)(const ur_backend *be, ur_metric_kind k, const ur_tensor *pred,
                        const ur_tensor *target, const uint8_t *mask, int slot, ur_ctx *ctx);
    /* slot = 1 when all n values are finite, else 0 */
    void (*all_finite)(const ur_backend *be, const float *x, size_t n, int slot);
    ur_status (*read_scalars)(const ur_backend *be, double *host, int n, ur_ctx *ctx);
    /* An optimizer whose slots live on the device, with the formulas of
     * optimizers.c; step applies update number iteration + 1. slots gives
     * the device array (layout of ur_optimizer_slots) for checkpoints. */
    void *(*opt_new)(const ur_backend *be, const ur_optimizer_config *cfg, size_t n,
                     int n_segments, const size_t *seg_offset, const size_t *seg_len);
    void (*opt_free)(const ur_backend *be, void *opt);
    /* The learning rate and the iteration come from the step control. */
    void (*opt_step)(const ur_backend *be, void *opt, float *params, float *grads);
    float *(*opt_slots)(const ur_backend *be, void *opt, size_t *n);

    /* The step control (one per backend, in device memory): the step within
     * the epoch, the optimizer's iteration and learning rate, read by the
     * kernels at run time so that a captured step replays unchanged, and
     * the halt: once a loss or the weights are not finite, later updates do
     * nothing and the last good weights stay (train.c reads it when due).
     * ctl_set clears the halt. */
    void (*ctl_set)(const ur_backend *be, int64_t step, int64_t iteration, double lr);
    void (*ctl_set_lr)(const ur_backend *be, double lr);
    ur_status (*ctl_read)(const ur_backend *be, ur_step_ctl *out, ur_ctx *ctx);
    /* dst row i = src row idx[step * stride + i], n rows of `row` 4-byte values */
    void (*gather)(const ur_backend *be, void *dst, const void *src, const int32_t *idx,
                   int64_t stride, int64_t n, int64_t row);
    /* hist[step * k + j] = scalar slot j (j < k); halts when the sum of slots
     * 0..n_loss-1 is not finite */
    void (*record)(const ur_backend *be, double *hist, int k, int n_loss);
    /* before the update: good = params (at the halting step: params = good) */
    void (*snapshot)(const ur_backend *be, float *params, float *good, size_t n);
    /* after the update: halt and restore good when params[0..n_check) are
     * not all finite; the step (and the iteration) advance */
    void (*finish_step)(const ur_backend *be, float *params, const float *good, size_t n_check,
                        size_t n);
    /* Free device memory in bytes (0 when unknown). */
    size_t (*mem_available)(const ur_backend *be);
    /* CUDA graphs: the work enqueued between capture_begin and capture_end
     * is recorded, not run; capture_end returns the replayable step or NULL
     * with why. generation changes whenever the backend reallocates memory
     * a captured step refers to (workspaces, plans). */
    bool (*capture_begin)(const ur_backend *be);
    void *(*capture_end)(const ur_backend *be, char *why, size_t why_size);
    ur_status (*graph_launch)(const ur_backend *be, void *graph, ur_ctx *ctx);
    void (*graph_free)(const ur_backend *be, void *graph);
    uint64_t (*generation)(const ur_backend *be);
};

/* The CPU backend: host memory, OpenBLAS. Always available. */
const ur_backend *ur_backend_cpu(void);

/* Runs m on be after checking that every layer is supported there (the
 * message names the first that is not). Drops the current plan. A device
 * backend gets device copies of the weights; back on the CPU they are
 * copied home. The model does not take be (see ur_model_use_device). */
ur_status ur_model_set_backend(ur_model *m, const ur_backend *be, ur_ctx *ctx);
const ur_backend *ur_model_backend(const ur_model *m);

/* ------------------------------------------------------ the CUDA module */

/* What the engine lends the module (it links no engine code itself). */
typedef struct ur_cuda_host {
    int version;                /* UR_CUDA_ABI */
    ur_status (*errorv)(ur_ctx *ctx, ur_status st, const char *fmt, va_list ap);
    void (*dropout_mask)(ur_rng *rng, float rate, float *mask, int64_t n);
    bool (*layer_trainable)(const ur_layer *l);
} ur_cuda_host;

#define UR_CUDA_ABI 2
/* The module's one exported symbol: a new backend on CUDA device `device`,
 * or NULL with the reason (one line) in why. exact: FP32 with FMA math (CPU
 * parity); otherwise TF32 where the GPU has it. */
typedef ur_backend *(*ur_cuda_open_fn)(const ur_cuda_host *host, int device, bool exact,
                                       char *why, size_t why_size);
#define UR_CUDA_OPEN_SYMBOL "ur_cuda_backend_open"

/* backend-loader.c: loads unroll-cuda.so ($UNROLL_CUDA_MODULE, else beside
 * the executable, its build tree's cuda/, or the install libdir) once and
 * opens device n. NULL with why (one line) when no module, driver or GPU. */
ur_backend *ur_backend_cuda_open(int device, bool exact, char *why, size_t why_size);

/* ------------------------------------------- device-side model access */

/* For train.c: the device arenas (syncing host edits up first); mark the
 * host copy stale after the device changed the weights. */
float *ur_model_device_params(ur_model *m);
float *ur_model_device_grads(ur_model *m);
void ur_model_weights_changed_on_device(ur_model *m);
/* Changes whenever the model's device buffers move (a new plan). */
uint64_t ur_model_plan_id(const ur_model *m);
/* Floats in the parameter arena and its trainable part (no sync). */
void ur_model_sizes(const ur_model *m, size_t *n_params, size_t *n_trainable);
/* Forward from device-resident inputs and backward from device-resident
 * output gradients (train.c); outputs then live on the device:
 * ur_model_output_device. On the CPU these are ur_model_forward/backward. */
ur_status ur_model_forward_device(ur_model *m, const ur_tensor *inputs, bool training,
                                  ur_rng *rng, ur_ctx *ctx);
ur_status ur_model_backward_device(ur_model *m, const ur_tensor *douts, ur_ctx *ctx);
const ur_tensor *ur_model_output_device(const ur_model *m, int i);
const uint8_t *ur_model_output_mask_device(const ur_model *m, int i);

/* train.c: how the trainer's device steps run ("each step replays a
 * captured CUDA graph", or why they are not captured); NULL on the CPU. */
const char *ur_trainer_graph_note(const ur_trainer *t);

#endif
