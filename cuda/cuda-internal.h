/* cuda-internal.h — what the module's C files share: the backend's state
 * (stream, cuBLAS and cuDNN handles, bound weights, scalar slots), the
 * status checks that name the call, file and line, and the layer entry
 * points of cuda-layers.c. */
#ifndef UR_CUDA_INTERNAL_H
#define UR_CUDA_INTERNAL_H

#include "backend.h"
#include "kernels.h"
#include "rnn.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#define CU_SCALARS 256
#define CU_BLAS_WORK (32u << 20)

typedef struct cu_rnn_plan cu_rnn_plan;

typedef struct cu_backend {
    ur_backend be;           /* the table; be.impl points back here */
    const ur_cuda_host *host;
    int device;
    bool exact;
    char name[32];
    char gpu[128];           /* the GPU's name */
    cudaStream_t stream;
    cublasHandle_t blas;
    cudnnHandle_t dnn;
    cudnnDropoutDescriptor_t nodrop; /* rate 0: cuDNN's dropout between layers, unused */
    float *params, *grads;   /* bound by bind_weights */
    double *scalars;         /* device slots */
    double *scalars_host;    /* pinned */
    void *work;              /* cuDNN workspace, grown on demand */
    size_t work_size;
    cu_rnn_plan *plans;      /* cuDNN descriptors per (layer, shape) */
    cuk_ctl *ctl;            /* the step control (device) */
    cuk_ctl *ctl_host;       /* pinned staging */
    void *blas_work;         /* cuBLAS's workspace, fixed */
    uint64_t generation;     /* bumped when memory a captured step uses moves */
    bool capturing;          /* a CUDA graph capture is open */
    int rnn_algo;            /* cudnnRNNAlgo_t for new plans */
    bool seq_major;          /* recurrent layers hand cuDNN time-major sequences */
    bool packed;             /* ... in its packed layout */
    int fast_math;           /* cudnnMathType_t of the fast mode */
    bool single_bias;        /* LSTM/SimpleRNN in cuDNN's single-bias mode */
    bool zero_hx;            /* hand cuDNN zero initial states, not NULL */
    int rnn_path;            /* 0 auto, 1 cuDNN where it can, 2 own kernels where they can */
    char err[512];           /* the first failure of a call that has no ur_ctx */
} cu_backend;

static inline cu_backend *cu_of(const ur_backend *be) { return (cu_backend *)be->impl; }
static inline cu_stream cu_s(const cu_backend *cb) { return (cu_stream)cb->stream; }

/* Records the failure in ctx (or, ctx NULL, in cb->err); returns status. */
ur_status cu_fail(const cu_backend *cb, ur_ctx *ctx, ur_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A pending failure from a call without a ctx, moved into ctx. */
ur_status cu_pending(const cu_backend *cb, ur_ctx *ctx);

#define CU_CHECK(cb, ctx, call)                                                              \
    do {                                                                                     \
        cudaError_t e_ = (call);                                                             \
        if (e_ != cudaSuccess)                                                               \
            return cu_fail(cb, ctx, e_ == cudaErrorMemoryAllocation ? UR_ERR_NOMEM            \
                                                                    : UR_ERR_INTERNAL,       \
                           "%s failed at %s:%d: %s", #call, __FILE__, __LINE__,               \
                           cudaGetErrorString(e_));                                           \
    } while (0)
#define CU_KERNEL(cb, ctx, call)                                                             \
    do {                                                                                     \
        int e_ = (call);                                                                     \
        if (e_ != 0)                                                                         \
            return cu_fail(cb, ctx, UR_ERR_INTERNAL, "kernel %s failed at %s:%d: %s", #call,  \
                           __FILE__, __LINE__, cudaGetErrorString((cudaError_t)e_));          \
    } while (0)
#define CU_DNN(cb, ctx, call)                                                                \
    do {                                                                                     \
        cudnnStatus_t e_ = (call);                                                           \
        if (e_ != CUDNN_STATUS_SUCCESS)                                                      \
            return cu_fail(cb, ctx, e_ == CUDNN_STATUS_ALLOC_FAILED ? UR_ERR_NOMEM             \
                                                                   : UR_ERR_INTERNAL,        \
                           "%s failed at %s:%d: %s", #call, __FILE__, __LINE__,               \
                           cudnnGetErrorString(e_));                                          \
    } while (0)
#define CU_BLAS(cb, ctx, call)                                                               \
    do {                                                                                     \
        cublasStatus_t e_ = (call);                                                          \
        if (e_ != CUBLAS_STATUS_SUCCESS)                                                     \
            return cu_fail(cb, ctx, e_ == CUBLAS_STATUS_ALLOC_FAILED ? UR_ERR_NOMEM           \
                                                                     : UR_ERR_INTERNAL,      \
                           "%s failed at %s:%d: %s", #call, __FILE__, __LINE__,               \
                           cublasGetStatusString(e_));                                        \
    } while (0)

/* Element counts (the module links no engine code). */
static inline int64_t cu_numel(const ur_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dim[i];
    return n;
}
static inline int64_t cu_shape_numel(const ur_shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= s->dim[i];
    return n;
}

/* The cuDNN workspace of at least bytes. */
ur_status cu_workspace(cu_backend *cb, size_t bytes, void **out, ur_ctx *ctx);

/* An option's value read through the kind's option table (the kinds' own
 * config structs are private to their files). */
const void *cu_option(const ur_layer *l, const char *name);

/* The module's entry point (engine/backend.h: ur_cuda_open_fn). */
__attribute__((visibility("default"))) ur_backend *
ur_cuda_backend_open(const ur_cuda_host *host, int device, bool exact, char *why, size_t why_size);

/* cuda-layers.c */
bool cu_supports_layer(const ur_backend *be, const ur_layer *l, char *why, size_t size);
const char *cu_layer_path(const ur_backend *be, const ur_layer *l);
size_t cu_cache_size(const ur_backend *be, const ur_layer *l, const ur_shape *in, int n_in);
ur_status cu_forward(const ur_backend *be, ur_layer *l, ur_pass *p);
ur_status cu_backward(const ur_backend *be, ur_layer *l, ur_pass *p);
void cu_plans_free(cu_backend *cb);

#endif
