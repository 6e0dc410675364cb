/* cuda-backend.c — the module's entry point (ur_cuda_backend_open) and the
 * device half of engine/backend.h's table: the device check, memory and
 * copies on one stream, the scalar slots, and the training operations
 * (losses, metrics, optimizers) on the kernels of kernels.cu. */
#include "cuda-internal.h"

#include <stdarg.h>
#include <stdio.h>

ur_status cu_fail(const cu_backend *cb, ur_ctx *ctx, ur_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ctx) {
        cb->host->errorv(ctx, st, fmt, ap);
    } else if (cb->err[0] == '\0') {
        vsnprintf((char *)cb->err, sizeof cb->err, fmt, ap);
    }
    va_end(ap);
    return st;
}

static ur_status fail_ctx(const cu_backend *cb, ur_ctx *ctx, ur_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cb->host->errorv(ctx, st, fmt, ap);
    va_end(ap);
    return st;
}

ur_status cu_pending(const cu_backend *cb, ur_ctx *ctx)
{
    if (cb->err[0] == '\0')
        return UR_OK;
    ur_status st = fail_ctx(cb, ctx, UR_ERR_INTERNAL, "%s: %s", cb->name, cb->err);
    ((cu_backend *)cb)->err[0] = '\0';
    return st;
}

const void *cu_option(const ur_layer *l, const char *name)
{
    for (const ur_option *o = l->kind->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return (const char *)l->cfg + o->offset;
    return NULL;
}

ur_status cu_workspace(cu_backend *cb, size_t bytes, void **out, ur_ctx *ctx)
{
    if (bytes > cb->work_size) {
        if (cb->work)
            CU_CHECK(cb, ctx, cudaFree(cb->work));
        cb->work = NULL;
        cb->work_size = 0;
        CU_CHECK(cb, ctx, cudaMalloc(&cb->work, bytes));
        cb->work_size = bytes;
    }
    *out = cb->work;
    return UR_OK;
}

/* ------------------------------------------------------------- memory */

static void *cu_alloc(const ur_backend *be, size_t bytes)
{
    cu_backend *cb = cu_of(be);
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 64) != cudaSuccess) {
        cudaGetLastError(); /* out of memory is reported by the caller */
        return NULL;
    }
    if (cudaMemsetAsync(p, 0, bytes, cb->stream) != cudaSuccess) {
        cudaFree(p);
        return NULL;
    }
    return p;
}

static void cu_free(const ur_backend *be, void *p)
{
    cu_backend *cb = cu_of(be);
    cudaError_t e = cudaFree(p);
    if (e != cudaSuccess)
        cu_fail(cb, NULL, UR_ERR_INTERNAL, "cudaFree failed: %s", cudaGetErrorString(e));
}

#define CU_VOID(cb, call)                                                                    \
    do {                                                                                     \
        cudaError_t e_ = (call);                                                             \
        if (e_ != cudaSuccess)                                                               \
            cu_fail(cb, NULL, UR_ERR_INTERNAL, "%s failed at %s:%d: %s", #call, __FILE__,     \
                    __LINE__, cudaGetErrorString(e_));                                       \
    } while (0)

static void cu_memset0(const ur_backend *be, void *p, size_t bytes)
{
    cu_backend *cb = cu_of(be);
    if (bytes)
        CU_VOID(cb, cudaMemsetAsync(p, 0, bytes, cb->stream));
}

static void cu_upload(const ur_backend *be, void *dst, const void *src, size_t bytes)
{
    cu_backend *cb = cu_of(be);
    if (bytes)
        CU_VOID(cb, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, cb->stream));
}

static void cu_download(const ur_backend *be, void *dst, const void *src, size_t bytes)
{
    cu_backend *cb = cu_of(be);
    if (!bytes)
        return;
    CU_VOID(cb, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cb->stream));
    CU_VOID(cb, cudaStreamSynchronize(cb->stream));
}

static void cu_copy(const ur_backend *be, void *dst, const void *src, size_t bytes)
{
    cu_backend *cb = cu_of(be);
    if (bytes)
        CU_VOID(cb, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cb->stream));
}

static void cu_add(const ur_backend *be, float *dst, const float *src, int64_t n)
{
    cu_backend *cb = cu_of(be);
    int e = cuk_add(cu_s(cb), dst, src, n);
    if (e)
        cu_fail(cb, NULL, UR_ERR_INTERNAL, "kernel add failed: %s",
                cudaGetErrorString((cudaError_t)e));
}

static void cu_bind_weights(const ur_backend *be, float *params, float *grads)
{
    cu_backend *cb = cu_of(be);
    cb->params = params;
    cb->grads = grads;
}

/* ------------------------------------------------------------ training */

static ur_status cu_loss(const ur_backend *be, const ur_loss *loss, const ur_tensor *pred,
                         const ur_tensor *target, const uint8_t *mask, float *dpred, int slot,
                         ur_ctx *ctx)
{
    cu_backend *cb = cu_of(be);
    int64_t n = cu_numel(pred);
    int64_t C = pred->rank >= 1 ? pred->dim[pred->rank - 1] : 1;
    int64_t R = C > 0 ? n / C : 0;
    bool sparse = loss->kind == UR_LOSS_SPARSE_CATEGORICAL_CE;
    if (slot < 0 || slot + 1 >= CU_SCALARS - 1)
        return fail_ctx(cb, ctx, UR_ERR_UNSUPPORTED, "%s: too many outputs for the scalar slots",
                        cb->name);
    if (cu_numel(target) != (sparse ? R : n) || (sparse && C < 1)) {
        /* as ur_loss_compute: a NaN loss (ur_loss_check words the shapes) */
        CU_KERNEL(cb, ctx, cuk_set_scalar(cu_s(cb), cb->scalars, slot, NAN));
        return UR_OK;
    }
    CU_KERNEL(cb, ctx, cuk_loss(cu_s(cb), (int)loss->kind, loss->from_logits, pred->data,
                                target->data, target->dtype == UR_I32, mask, R, C, dpred,
                                cb->scalars, slot, CU_SCALARS - 1));
    return UR_OK;
}

static ur_status cu_metric(const ur_backend *be, ur_metric_kind k, const ur_tensor *pred,
                           const ur_tensor *target, const uint8_t *mask, int slot, ur_ctx *ctx)
{
    cu_backend *cb = cu_of(be);
    int64_t n = cu_numel(pred);
    int64_t C = pred->rank >= 1 ? pred->dim[pred->rank - 1] : 1;
    if (slot < 0 || slot + 1 >= CU_SCALARS - 1)
        return fail_ctx(cb, ctx, UR_ERR_UNSUPPORTED, "%s: too many metrics for the scalar slots",
                        cb->name);
    int64_t R = C > 0 ? n / C : 0;
    int64_t want = k == UR_METRIC_SPARSE_CATEGORICAL_ACCURACY ? R : n;
    if (C <= 0 || n <= 0 || cu_numel(target) != want) { /* adds nothing, as on the CPU */
        CU_KERNEL(cb, ctx, cuk_set_scalar(cu_s(cb), cb->scalars, slot, 0.0));
        CU_KERNEL(cb, ctx, cuk_set_scalar(cu_s(cb), cb->scalars, slot + 1, 0.0));
        return UR_OK;
    }
    CU_KERNEL(cb, ctx, cuk_metric(cu_s(cb), (int)k, pred->data, target->data,
                                  target->dtype == UR_I32, mask, R, C, cb->scalars, slot));
    return UR_OK;
}

static void cu_all_finite(const ur_backend *be, const float *x, size_t n, int slot)
{
    cu_backend *cb = cu_of(be);
    int e = cuk_all_finite(cu_s(cb), x, (int64_t)n, cb->scalars, slot);
    if (e)
        cu_fail(cb, NULL, UR_ERR_INTERNAL, "kernel all_finite failed: %s",
                cudaGetErrorString((cudaError_t)e));
}

static ur_status cu_read_scalars(const ur_backend *be, double *host, int n, ur_ctx *ctx)
{
    cu_backend *cb = cu_of(be);
    ur_status st = cu_pending(cb, ctx);
    if (st)
        return st;
    if (n > CU_SCALARS)
        return fail_ctx(cb, ctx, UR_ERR_INTERNAL, "%d scalar slots asked for, %d exist", n,
                        CU_SCALARS);
    CU_CHECK(cb, ctx, cudaMemcpyAsync(cb->scalars_host, cb->scalars, (size_t)n * sizeof(double),
                                      cudaMemcpyDeviceToHost, cb->stream));
    CU_CHECK(cb, ctx, cudaStreamSynchronize(cb->stream));
    memcpy(host, cb->scalars_host, (size_t)n * sizeof(double));
    return UR_OK;
}

/* ---------------------------------------------------------- optimizers */

typedef struct cu_opt {
    ur_optimizer_config cfg;
    size_t n;
    int n_seg;
    size_t *seg_off, *seg_len;
    float *slots;      /* device: k arrays of n, the layout of optimizers.c */
    size_t n_slots;
    float *s[3];
    float *rms_momentum, *rms_average;
    double *norm;      /* device scratch: sums of squares */
} cu_opt;

static void cu_opt_free(const ur_backend *be, void *opt)
{
    cu_opt *o = opt;
    if (!o)
        return;
    if (o->slots)
        cudaFree(o->slots);
    if (o->norm)
        cudaFree(o->norm);
    free(o->seg_off);
    free(o->seg_len);
    free(o);
}

static void *cu_opt_new(const ur_backend *be, const ur_optimizer_config *cfg, size_t n,
                        int n_segments, const size_t *seg_offset, const size_t *seg_len)
{
    cu_opt *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->cfg = *cfg;
    o->n = n;
    o->n_seg = n_segments > 0 ? n_segments : 1;
    o->seg_off = calloc((size_t)o->n_seg, sizeof(size_t));
    o->seg_len = calloc((size_t)o->n_seg, sizeof(size_t));
    if (!o->seg_off || !o->seg_len) {
        cu_opt_free(be, o);
        return NULL;
    }
    if (n_segments > 0) {
        memcpy(o->seg_off, seg_offset, (size_t)n_segments * sizeof(size_t));
        memcpy(o->seg_len, seg_len, (size_t)n_segments * sizeof(size_t));
    } else {
        o->seg_len[0] = n;
    }
    size_t k = 0;
    switch (cfg->kind) {
    case UR_OPT_SGD: k = cfg->momentum != 0.0 ? 1 : 0; break;
    case UR_OPT_RMSPROP: k = 1 + (cfg->momentum > 0.0) + (cfg->centered ? 1 : 0); break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW: k = 2 + (cfg->amsgrad ? 1 : 0); break;
    }
    o->n_slots = k * n;
    if ((o->n_slots && !(o->slots = be->alloc(be, o->n_slots * sizeof(float)))) ||
        !(o->norm = be->alloc(be, sizeof(double)))) {
        cu_opt_free(be, o);
        return NULL;
    }
    for (size_t i = 0; i < k; i++)
        o->s[i] = o->slots + i * n;
    if (cfg->kind == UR_OPT_RMSPROP) {
        size_t next = 1;
        if (cfg->momentum > 0.0)
            o->rms_momentum = o->s[next++];
        if (cfg->centered)
            o->rms_average = o->s[next++];
    }
    return o;
}

static float *cu_opt_slots(const ur_backend *be, void *opt, size_t *n)
{
    cu_opt *o = opt;
    *n = o->n_slots;
    return o->slots;
}

#define OPT_KERNEL(cb, call)                                                                 \
    do {                                                                                     \
        int e_ = (call);                                                                     \
        if (e_) {                                                                            \
            cu_fail(cb, NULL, UR_ERR_INTERNAL, "kernel %s failed at %s:%d: %s", #call,        \
                    __FILE__, __LINE__, cudaGetErrorString((cudaError_t)e_));                 \
            return;                                                                          \
        }                                                                                    \
    } while (0)

/* optimizers.c's ur_optimizer_step, on the device */
static void cu_opt_step(const ur_backend *be, void *opt, float *params, float *grads,
                        int64_t iteration, double learning_rate)
{
    cu_backend *cb = cu_of(be);
    cu_opt *o = opt;
    const ur_optimizer_config *c = &o->cfg;
    cu_stream s = cu_s(cb);
    int64_t n = (int64_t)o->n;
    float lr = (float)learning_rate;
    if (c->clipnorm > 0) {
        for (int k = 0; k < o->n_seg; k++) {
            float *gs = grads + o->seg_off[k];
            OPT_KERNEL(cb, cuk_sum_squares(s, gs, (int64_t)o->seg_len[k], o->norm));
            OPT_KERNEL(cb, cuk_clip_scale(s, gs, (int64_t)o->seg_len[k], o->norm, c->clipnorm,
                                          false));
        }
    } else if (c->global_clipnorm > 0) {
        OPT_KERNEL(cb, cuk_sum_squares(s, grads, n, o->norm));
        OPT_KERNEL(cb, cuk_clip_scale(s, grads, n, o->norm, c->global_clipnorm, true));
    } else if (c->clipvalue > 0) {
        OPT_KERNEL(cb, cuk_clip_value(s, grads, n, (float)c->clipvalue));
    }
    if (c->weight_decay > 0)
        OPT_KERNEL(cb, cuk_decay(s, params, n, (float)c->weight_decay, lr));
    double t = (double)(iteration + 1);
    switch (c->kind) {
    case UR_OPT_SGD:
        OPT_KERNEL(cb, cuk_sgd(s, params, grads, c->momentum == 0.0 ? NULL : o->s[0], n, lr,
                               (float)c->momentum, c->nesterov));
        break;
    case UR_OPT_RMSPROP:
        OPT_KERNEL(cb, cuk_rmsprop(s, params, grads, o->s[0], o->rms_average, o->rms_momentum, n,
                                   lr, (float)c->rho, (float)(1.0 - c->rho), (float)c->momentum,
                                   (float)c->epsilon));
        break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW: {
        float b1p = powf((float)c->beta_1, (float)t), b2p = powf((float)c->beta_2, (float)t);
        float alpha = lr * sqrtf(1.0f - b2p) / (1.0f - b1p);
        OPT_KERNEL(cb, cuk_adam(s, params, grads, o->s[0], o->s[1], c->amsgrad ? o->s[2] : NULL,
                                n, alpha, (float)(1.0 - c->beta_1), (float)(1.0 - c->beta_2),
                                (float)c->epsilon));
        break;
    }
    }
}

/* --------------------------------------------------------------- open */

static void cu_destroy(ur_backend *be)
{
    cu_backend *cb = cu_of(be);
    cudaSetDevice(cb->device);
    if (cb->stream)
        cudaStreamSynchronize(cb->stream);
    cu_plans_free(cb);
    if (cb->work)
        cudaFree(cb->work);
    if (cb->scalars)
        cudaFree(cb->scalars);
    if (cb->scalars_host)
        cudaFreeHost(cb->scalars_host);
    if (cb->nodrop)
        cudnnDestroyDropoutDescriptor(cb->nodrop);
    if (cb->dnn)
        cudnnDestroy(cb->dnn);
    if (cb->blas)
        cublasDestroy(cb->blas);
    if (cb->stream)
        cudaStreamDestroy(cb->stream);
    free(cb);
}

#define OPEN_FAIL(...)                                                                       \
    do {                                                                                     \
        snprintf(why, why_size, __VA_ARGS__);                                                \
        cu_destroy(&cb->be);                                                                 \
        return NULL;                                                                         \
    } while (0)

__attribute__((visibility("default"))) ur_backend *
ur_cuda_backend_open(const ur_cuda_host *host, int device, bool exact, char *why, size_t why_size)
{
    if (!host || host->version != UR_CUDA_ABI) {
        snprintf(why, why_size, "unroll-cuda.so was built for another version of Unroll "
                 "(interface %d, the engine has %d)", UR_CUDA_ABI, host ? host->version : -1);
        return NULL;
    }
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        snprintf(why, why_size, "no usable CUDA driver or GPU (%s)", cudaGetErrorString(e));
        return NULL;
    }
    if (count == 0) {
        snprintf(why, why_size, "no CUDA GPU found");
        return NULL;
    }
    if (device >= count) {
        snprintf(why, why_size, "there is no CUDA GPU %d (%d found: cuda:0%s)", device, count,
                 count > 1 ? " to cuda:N-1" : "");
        return NULL;
    }
    size_t dnn_version = cudnnGetVersion();
    if (dnn_version < 90000) {
        snprintf(why, why_size, "cuDNN %zu is too old: the RNN API needs cuDNN 9", dnn_version);
        return NULL;
    }
    cu_backend *cb = calloc(1, sizeof *cb);
    if (!cb) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    cb->host = host;
    cb->device = device;
    cb->exact = exact;
    snprintf(cb->name, sizeof cb->name, "cuda:%d", device);
    struct cudaDeviceProp prop;
    if ((e = cudaSetDevice(device)) != cudaSuccess ||
        (e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess)
        OPEN_FAIL("cannot use CUDA GPU %d: %s", device, cudaGetErrorString(e));
    snprintf(cb->gpu, sizeof cb->gpu, "%.120s", prop.name);
    if ((e = cudaStreamCreateWithFlags(&cb->stream, cudaStreamNonBlocking)) != cudaSuccess)
        OPEN_FAIL("cannot create a CUDA stream on GPU %d: %s", device, cudaGetErrorString(e));
    cublasStatus_t bs = cublasCreate(&cb->blas);
    if (bs != CUBLAS_STATUS_SUCCESS)
        OPEN_FAIL("cuBLAS does not start: %s", cublasGetStatusString(bs));
    cublasSetStream(cb->blas, cb->stream);
    cublasSetMathMode(cb->blas, exact ? CUBLAS_DEFAULT_MATH : CUBLAS_TF32_TENSOR_OP_MATH);
    cudnnStatus_t ds = cudnnCreate(&cb->dnn);
    if (ds != CUDNN_STATUS_SUCCESS)
        OPEN_FAIL("cuDNN does not start: %s", cudnnGetErrorString(ds));
    cudnnSetStream(cb->dnn, cb->stream);
    if ((ds = cudnnCreateDropoutDescriptor(&cb->nodrop)) != CUDNN_STATUS_SUCCESS ||
        (ds = cudnnSetDropoutDescriptor(cb->nodrop, cb->dnn, 0.0f, NULL, 0, 0)) !=
            CUDNN_STATUS_SUCCESS)
        OPEN_FAIL("cuDNN dropout descriptor: %s", cudnnGetErrorString(ds));
    if ((e = cudaMalloc((void **)&cb->scalars, CU_SCALARS * sizeof(double))) != cudaSuccess ||
        (e = cudaMallocHost((void **)&cb->scalars_host, CU_SCALARS * sizeof(double))) !=
            cudaSuccess)
        OPEN_FAIL("cannot allocate on CUDA GPU %d: %s", device, cudaGetErrorString(e));
    cudaMemset(cb->scalars, 0, CU_SCALARS * sizeof(double));

    ur_backend *be = &cb->be;
    be->name = cb->name;
    be->impl = cb;
    be->alloc = cu_alloc;
    be->free = cu_free;
    be->memset0 = cu_memset0;
    be->supports_layer = cu_supports_layer;
    be->layer_path = cu_layer_path;
    be->forward = cu_forward;
    be->backward = cu_backward;
    be->device_memory = true;
    be->destroy = cu_destroy;
    be->upload = cu_upload;
    be->download = cu_download;
    be->copy = cu_copy;
    be->add = cu_add;
    be->cache_size = cu_cache_size;
    be->bind_weights = cu_bind_weights;
    be->loss = cu_loss;
    be->metric = cu_metric;
    be->all_finite = cu_all_finite;
    be->read_scalars = cu_read_scalars;
    be->opt_new = cu_opt_new;
    be->opt_free = cu_opt_free;
    be->opt_step = cu_opt_step;
    be->opt_slots = cu_opt_slots;
    return be;
}
