/* cuda-backend.c — the module's entry point (ur_cuda_backend_open) and the
 * device half of engine/backend.h's table: the device check, memory and
 * copies on one stream, the scalar slots, and the training operations
 * (losses, metrics, optimizers) on the kernels of kernels.cu. */
#include "cuda-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
        cb->generation++;
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

/* optimizers.c's ur_optimizer_step, on the device; the learning rate and
 * the iteration come from the step control, so a captured step replays */
static void cu_opt_step(const ur_backend *be, void *opt, float *params, float *grads)
{
    cu_backend *cb = cu_of(be);
    cu_opt *o = opt;
    const ur_optimizer_config *c = &o->cfg;
    cu_stream s = cu_s(cb);
    int64_t n = (int64_t)o->n;
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
        OPT_KERNEL(cb, cuk_decay(s, params, n, (float)c->weight_decay, cb->ctl));
    switch (c->kind) {
    case UR_OPT_SGD:
        OPT_KERNEL(cb, cuk_sgd(s, params, grads, c->momentum == 0.0 ? NULL : o->s[0], n,
                               (float)c->momentum, c->nesterov, cb->ctl));
        break;
    case UR_OPT_RMSPROP:
        OPT_KERNEL(cb, cuk_rmsprop(s, params, grads, o->s[0], o->rms_average, o->rms_momentum, n,
                                   (float)c->rho, (float)(1.0 - c->rho), (float)c->momentum,
                                   (float)c->epsilon, cb->ctl));
        break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW:
        OPT_KERNEL(cb, cuk_adam(s, params, grads, o->s[0], o->s[1], c->amsgrad ? o->s[2] : NULL,
                                n, (float)c->beta_1, (float)c->beta_2, (float)(1.0 - c->beta_1),
                                (float)(1.0 - c->beta_2), (float)c->epsilon, cb->ctl));
        break;
    }
}

/* --------------------------------------------------------- step control */

_Static_assert(sizeof(cuk_ctl) == sizeof(ur_step_ctl), "cuk_ctl and ur_step_ctl differ");

#define VOID_KERNEL(cb, call)                                                                \
    do {                                                                                     \
        int e_ = (call);                                                                     \
        if (e_)                                                                              \
            cu_fail(cb, NULL, UR_ERR_INTERNAL, "kernel %s failed at %s:%d: %s", #call,        \
                    __FILE__, __LINE__, cudaGetErrorString((cudaError_t)e_));                 \
    } while (0)

static void cu_ctl_set(const ur_backend *be, int64_t step, int64_t iteration, double lr)
{
    cu_backend *cb = cu_of(be);
    cuk_ctl *h = cb->ctl_host;
    /* the pinned staging copy may still be read by an earlier transfer */
    CU_VOID(cb, cudaStreamSynchronize(cb->stream));
    memset(h, 0, sizeof *h);
    h->counter = step;
    h->iteration = iteration;
    h->lr = (float)lr;
    CU_VOID(cb, cudaMemcpyAsync(cb->ctl, h, sizeof *h, cudaMemcpyHostToDevice, cb->stream));
}

static void cu_ctl_set_lr(const ur_backend *be, double lr)
{
    cu_backend *cb = cu_of(be);
    float v = (float)lr;
    CU_VOID(cb, cudaMemcpyAsync(&cb->ctl->lr, &v, sizeof v, cudaMemcpyHostToDevice, cb->stream));
    CU_VOID(cb, cudaStreamSynchronize(cb->stream));
}

static ur_status cu_ctl_read(const ur_backend *be, ur_step_ctl *out, ur_ctx *ctx)
{
    cu_backend *cb = cu_of(be);
    ur_status st = cu_pending(cb, ctx);
    if (st)
        return st;
    CU_CHECK(cb, ctx, cudaMemcpyAsync(cb->ctl_host, cb->ctl, sizeof(cuk_ctl),
                                      cudaMemcpyDeviceToHost, cb->stream));
    CU_CHECK(cb, ctx, cudaStreamSynchronize(cb->stream));
    memcpy(out, cb->ctl_host, sizeof *out);
    return UR_OK;
}

static void cu_gather(const ur_backend *be, void *dst, const void *src, const int32_t *idx,
                      int64_t stride, int64_t n, int64_t row)
{
    cu_backend *cb = cu_of(be);
    VOID_KERNEL(cb, cuk_gather_rows(cu_s(cb), dst, src, idx, cb->ctl, stride, n, row));
}

static void cu_record(const ur_backend *be, double *hist, int k, int n_loss)
{
    cu_backend *cb = cu_of(be);
    VOID_KERNEL(cb, cuk_record(cu_s(cb), hist, cb->scalars, k, n_loss, cb->ctl));
}

static void cu_snapshot(const ur_backend *be, float *params, float *good, size_t n)
{
    cu_backend *cb = cu_of(be);
    VOID_KERNEL(cb, cuk_snapshot(cu_s(cb), params, good, (int64_t)n, cb->ctl));
}

static void cu_finish_step(const ur_backend *be, float *params, const float *good, size_t n_check,
                           size_t n)
{
    cu_backend *cb = cu_of(be);
    VOID_KERNEL(cb, cuk_finish_step(cu_s(cb), params, good, (int64_t)n_check, (int64_t)n,
                                    cb->ctl));
}

static size_t cu_mem_available(const ur_backend *be)
{
    size_t free_b = 0, total = 0;
    if (cudaMemGetInfo(&free_b, &total) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return free_b;
}

/* ------------------------------------------------------------ CUDA graphs
 * capture_end's why holds "N nodes" when the capture succeeded. */

static bool cu_capture_begin(const ur_backend *be)
{
    cu_backend *cb = cu_of(be);
    if (cudaStreamBeginCapture(cb->stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    cb->capturing = true;
    return true;
}

static void *cu_capture_end(const ur_backend *be, char *why, size_t why_size)
{
    cu_backend *cb = cu_of(be);
    cudaGraph_t g = NULL;
    cudaGraphExec_t x = NULL;
    cudaError_t e = cudaStreamEndCapture(cb->stream, &g);
    cb->capturing = false;
    if (e == cudaSuccess && cb->err[0]) {
        snprintf(why, why_size, "%s", cb->err);
        cb->err[0] = '\0';
        e = cudaErrorStreamCaptureInvalidated;
    } else if (e != cudaSuccess) {
        snprintf(why, why_size, "cudaStreamEndCapture: %s%s%s", cudaGetErrorString(e),
                 cb->err[0] ? ": " : "", cb->err);
        cb->err[0] = '\0';
    } else if ((e = cudaGraphInstantiate(&x, g, 0)) != cudaSuccess) {
        snprintf(why, why_size, "cudaGraphInstantiate: %s", cudaGetErrorString(e));
    } else {
        size_t nodes = 0;
        cudaGraphGetNodes(g, NULL, &nodes);
        snprintf(why, why_size, "%zu nodes", nodes);
    }
    if (g)
        cudaGraphDestroy(g);
    if (e != cudaSuccess) {
        cudaGetLastError();
        if (x)
            cudaGraphExecDestroy(x);
        return NULL;
    }
    return x;
}

static ur_status cu_graph_launch(const ur_backend *be, void *graph, ur_ctx *ctx)
{
    cu_backend *cb = cu_of(be);
    ur_status st = cu_pending(cb, ctx);
    if (st)
        return st;
    CU_CHECK(cb, ctx, cudaGraphLaunch((cudaGraphExec_t)graph, cb->stream));
    return UR_OK;
}

static void cu_graph_free(const ur_backend *be, void *graph)
{
    if (graph)
        cudaGraphExecDestroy((cudaGraphExec_t)graph);
}

static uint64_t cu_generation(const ur_backend *be) { return cu_of(be)->generation; }

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
    if (cb->ctl)
        cudaFree(cb->ctl);
    if (cb->ctl_host)
        cudaFreeHost(cb->ctl_host);
    if (cb->blas_work)
        cudaFree(cb->blas_work);
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
    /* cuDNN's RNN algorithm (cudnnRNNAlgo_t): standard unless the
     * environment asks for another (for measurements) */
    const char *algo = getenv("UNROLL_CUDNN_RNN_ALGO");
    cb->rnn_algo = algo && (algo[0] == '1' || algo[0] == '3') && !algo[1] ? algo[0] - '0' : 0;
    /* time-major sequences (cuDNN's faster layout) unless asked otherwise */
    const char *layout = getenv("UNROLL_CUDNN_LAYOUT");
    cb->seq_major = !(layout && strcmp(layout, "batch") == 0);
    cb->packed = !(layout && strcmp(layout, "unpacked") == 0);
    const char *fm = getenv("UNROLL_CUDNN_FAST_MATH");
    /* fast: cuDNN's default math, TF32 tensor cores on GPUs that have them
     * (ALLOW_CONVERSION would round to FP16; only for measurements) */
    cb->fast_math = fm && strcmp(fm, "convert") == 0 ? CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION
                  : fm && strcmp(fm, "tensor") == 0  ? CUDNN_TENSOR_OP_MATH
                                                     : CUDNN_DEFAULT_MATH;
    const char *bm = getenv("UNROLL_CUDNN_BIAS");
    cb->single_bias = bm && strcmp(bm, "single") == 0;
    const char *rp = getenv("UNROLL_RNN_PATH");
    cb->rnn_path = rp && strcmp(rp, "cudnn") == 0 ? 1 : rp && strcmp(rp, "kernels") == 0 ? 2 : 0;
    const char *zh = getenv("UNROLL_CUDNN_ZERO_HX");
    cb->zero_hx = zh && strcmp(zh, "1") == 0;
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
    if ((e = cudaMalloc((void **)&cb->ctl, sizeof(cuk_ctl))) != cudaSuccess ||
        (e = cudaMallocHost((void **)&cb->ctl_host, sizeof(cuk_ctl))) != cudaSuccess ||
        (e = cudaMalloc(&cb->blas_work, CU_BLAS_WORK)) != cudaSuccess)
        OPEN_FAIL("cannot allocate on CUDA GPU %d: %s", device, cudaGetErrorString(e));
    cudaMemset(cb->ctl, 0, sizeof(cuk_ctl));
    /* a fixed cuBLAS workspace: graph capture allocates nothing */
    cublasSetWorkspace(cb->blas, cb->blas_work, CU_BLAS_WORK);

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
    be->ctl_set = cu_ctl_set;
    be->ctl_set_lr = cu_ctl_set_lr;
    be->ctl_read = cu_ctl_read;
    be->gather = cu_gather;
    be->record = cu_record;
    be->snapshot = cu_snapshot;
    be->finish_step = cu_finish_step;
    be->mem_available = cu_mem_available;
    be->capture_begin = cu_capture_begin;
    be->capture_end = cu_capture_end;
    be->graph_launch = cu_graph_launch;
    be->graph_free = cu_graph_free;
    be->generation = cu_generation;
    return be;
}
