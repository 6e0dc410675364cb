/* cuda-layers.c — the layers on the GPU: which run here (supports_layer),
 * their caches, forward and backward. Recurrent layers (LSTM, GRU with
 * reset_after, SimpleRNN tanh/relu, Bidirectional) go through the cuDNN 9
 * RNN API with the Keras <-> cuDNN weight mapping of rnn-reference.md §3-4
 * (weights packed into cuDNN's weight space before each forward, gradients
 * unpacked and accumulated after each backward), or through the own
 * recurrence kernels (recurrence.cu) where cuDNN cannot express the layer
 * and for small layers; Dense through cuBLAS; Dropout, Flatten,
 * BatchNormalization, RepeatVector, Concatenate and Add through own kernels. Layers and options not listed in
 * cu_supports_layer make the model refuse this backend up front. */
#include "cuda-internal.h"

#include <stdio.h>

enum { K_OTHER, K_INPUT, K_DENSE, K_LSTM, K_GRU, K_SIMPLE, K_BIDIR, K_DROPOUT, K_FLATTEN, K_BN,
       K_REPEAT, K_CONCAT, K_ADD };

static int kind_of(const ur_layer *l)
{
    static const struct { const char *name; int id; } map[] = {
        {"Input", K_INPUT}, {"Dense", K_DENSE}, {"LSTM", K_LSTM}, {"GRU", K_GRU},
        {"SimpleRNN", K_SIMPLE}, {"Bidirectional", K_BIDIR}, {"Dropout", K_DROPOUT},
        {"Flatten", K_FLATTEN}, {"BatchNormalization", K_BN}, {"RepeatVector", K_REPEAT},
        {"Concatenate", K_CONCAT}, {"Add", K_ADD},
    };
    if (!l->kind)
        return K_OTHER;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(l->kind->class_name, map[i].name) == 0)
            return map[i].id;
    return K_OTHER;
}

static bool is_rnn(int k) { return k == K_LSTM || k == K_GRU || k == K_SIMPLE; }

static const char *act_name(ur_activation a)
{
    static const char *const n[] = {"linear", "tanh", "sigmoid", "hard_sigmoid", "relu",
                                    "softmax"};
    return a >= 0 && a < UR_ACT_COUNT ? n[a] : "?";
}

static int own_cell(const ur_layer *l)
{
    int k = kind_of(l);
    return k == K_LSTM ? CUK_CELL_LSTM
         : k == K_SIMPLE ? CUK_CELL_SIMPLE
         : UR_CFG(l, ur_rnn_cfg)->reset_after ? CUK_CELL_GRU_AFTER : CUK_CELL_GRU_BEFORE;
}

/* Whether cuDNN runs this recurrent configuration; why not in why. */
static bool cudnn_runs(const ur_layer *l, char *why, size_t size)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    int k = kind_of(l);
    if (c->stateful) {
        snprintf(why, size, "stateful recurrent layers do not run on the GPU yet");
        return false;
    }
    if (c->recurrent_dropout > 0 && c->recurrent_dropout < 1) {
        snprintf(why, size, "cuDNN cannot express recurrent_dropout");
        return false;
    }
    if (k == K_SIMPLE) {
        if (c->activation != UR_ACT_TANH && c->activation != UR_ACT_RELU) {
            snprintf(why, size, "cuDNN runs SimpleRNN with tanh and relu only, not %s",
                     act_name(c->activation));
            return false;
        }
        return true;
    }
    if (c->activation != UR_ACT_TANH || c->recurrent_activation != UR_ACT_SIGMOID) {
        snprintf(why, size, "cuDNN runs activation tanh / recurrent_activation sigmoid only, "
                 "not %s / %s", act_name(c->activation), act_name(c->recurrent_activation));
        return false;
    }
    if (k == K_GRU && !c->reset_after) {
        snprintf(why, size, "cuDNN runs GRU's reset-after form only");
        return false;
    }
    if (c->dropout > 0 && c->dropout < 1 && c->implementation == 1) {
        snprintf(why, size, "cuDNN cannot express dropout with implementation=1 (a mask per "
                 "gate)");
        return false;
    }
    return true;
}

/* Whether the own recurrence kernels (recurrence.cu) run it; why not. */
static bool own_runs(const ur_layer *l, char *why, size_t size)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    if (c->stateful) {
        snprintf(why, size, "stateful recurrent layers do not run on the GPU yet");
        return false;
    }
    if (c->recurrent_dropout > 0 && c->recurrent_dropout < 1) {
        snprintf(why, size, "recurrent_dropout does not run on the GPU yet");
        return false;
    }
    if (c->dropout > 0 && c->dropout < 1 && c->implementation == 1) {
        snprintf(why, size, "dropout with implementation=1 (a mask per gate) does not run on the "
                 "GPU yet; use implementation=2");
        return false;
    }
    if (c->activation == UR_ACT_SOFTMAX ||
        (kind_of(l) != K_SIMPLE && c->recurrent_activation == UR_ACT_SOFTMAX)) {
        snprintf(why, size, "a softmax inside a recurrent cell does not run on the GPU");
        return false;
    }
    if (!cuk_rec_fits(own_cell(l), c->units)) {
        snprintf(why, size, "the GPU's own recurrence kernels run up to %s units of this cell, "
                 "not %lld", kind_of(l) == K_LSTM ? "about 90" : kind_of(l) == K_GRU ? "about "
                 "110" : "1024", (long long)c->units);
        return false;
    }
    return true;
}

/* The layer runs on the own kernels (else cuDNN): where cuDNN cannot, and
 * where they fit, as they run a layer in one launch (UNROLL_RNN_PATH=cudnn
 * or kernels forces a path where both can). */
static bool rnn_own(const cu_backend *cb, const ur_layer *l)
{
    char why[256];
    bool dnn = cudnn_runs(l, why, sizeof why), own = own_runs(l, why, sizeof why);
    if (!dnn || !own)
        return own;
    return cb->rnn_path != 1;
}

static bool rnn_supported(const ur_layer *l, char *why, size_t size)
{
    char a[256], b[256];
    if (cudnn_runs(l, a, sizeof a) || own_runs(l, b, sizeof b))
        return true;
    if (strcmp(a, b) == 0)
        snprintf(why, size, "%s", a);
    else
        snprintf(why, size, "%s; %s", a, b);
    return false;
}

bool cu_supports_layer(const ur_backend *be, const ur_layer *l, char *why, size_t size)
{
    switch (kind_of(l)) {
    case K_INPUT:
    case K_DENSE:
    case K_DROPOUT:
    case K_BN:
    case K_REPEAT:
    case K_CONCAT:
    case K_ADD:
        return true;
    case K_FLATTEN: {
        const int *df = cu_option(l, "data_format");
        if (df && *df == 1) {
            snprintf(why, size, "Flatten with data_format channels_first does not run on the "
                     "GPU yet");
            return false;
        }
        return true;
    }
    case K_LSTM:
    case K_GRU:
    case K_SIMPLE:
        return rnn_supported(l, why, size);
    case K_BIDIR:
        if (!l->inner[0] || !l->inner[1]) {
            snprintf(why, size, "the wrapped layer is missing");
            return false;
        }
        /* both directions through cuDNN */
        return cudnn_runs(l->inner[0], why, size) && cudnn_runs(l->inner[1], why, size);
    default:
        snprintf(why, size, "no GPU implementation of %s yet (GPU layers: Dense, LSTM, GRU, "
                 "SimpleRNN, Bidirectional, Dropout, Flatten, BatchNormalization, "
                 "RepeatVector, Concatenate, Add)",
                 l->kind ? l->kind->class_name : "this layer");
        return false;
    }
}

const char *cu_layer_path(const ur_backend *be, const ur_layer *l)
{
    switch (kind_of(l)) {
    case K_LSTM:
    case K_GRU:
    case K_SIMPLE: return rnn_own(cu_of(be), l) ? "kernels" : "cudnn";
    case K_BIDIR: return "cudnn";
    case K_DENSE: return "cublas";
    case K_INPUT: return "none";
    default: return "kernels";
    }
}

/* ---------------------------------------------------------- cuDNN plans */

struct cu_rnn_plan {
    cu_rnn_plan *next;
    const ur_layer *l;       /* the (inner) recurrent layer */
    int64_t B, T, I, U;
    int G;
    bool tm;                 /* time-major (T, B, F) sequences for cuDNN */
    cudnnRNNDescriptor_t rnn;
    cudnnRNNDataDescriptor_t xd, yd;
    cudnnTensorDescriptor_t hd;
    size_t ws_bytes, work_bytes, reserve_bytes;
    cuk_rnn_map map;
    bool dropout_applied;    /* by the last forward */
};

static void plan_free(cu_rnn_plan *p)
{
    if (p->rnn)
        cudnnDestroyRNNDescriptor(p->rnn);
    if (p->xd)
        cudnnDestroyRNNDataDescriptor(p->xd);
    if (p->yd)
        cudnnDestroyRNNDataDescriptor(p->yd);
    if (p->hd)
        cudnnDestroyTensorDescriptor(p->hd);
    free(p);
}

void cu_plans_free(cu_backend *cb)
{
    while (cb->plans) {
        cu_rnn_plan *n = cb->plans->next;
        plan_free(cb->plans);
        cb->plans = n;
    }
}

static ur_status plan_build(cu_backend *cb, cu_rnn_plan *p, ur_ctx *ctx)
{
    const ur_rnn_cfg *c = UR_CFG(p->l, ur_rnn_cfg);
    int k = kind_of(p->l);
    cudnnRNNMode_t mode = k == K_LSTM ? CUDNN_LSTM
                        : k == K_GRU ? CUDNN_GRU
                        : c->activation == UR_ACT_RELU ? CUDNN_RNN_RELU : CUDNN_RNN_TANH;
    /* cuDNN's fastest kernels (the persistent block ones) want two biases:
     * Keras's one bias goes in the input one, the recurrent one stays 0 */
    bool single = k != K_GRU && cb->single_bias;
    cudnnRNNBiasMode_t bias = !c->use_bias ? CUDNN_RNN_NO_BIAS
                            : single ? CUDNN_RNN_SINGLE_INP_BIAS : CUDNN_RNN_DOUBLE_BIAS;
    int64_t B = p->B, T = p->T, I = p->I, U = p->U;
    CU_DNN(cb, ctx, cudnnCreateRNNDescriptor(&p->rnn));
    /* time-major sequences of full length are cuDNN's packed layout, which
     * needs no padded I/O */
    bool packed = p->tm && cb->packed;
    CU_DNN(cb, ctx, cudnnSetRNNDescriptor_v8(
                        p->rnn, (cudnnRNNAlgo_t)cb->rnn_algo, mode, bias, CUDNN_UNIDIRECTIONAL,
                        CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT,
                        cb->exact ? CUDNN_FMA_MATH : (cudnnMathType_t)cb->fast_math,
                        (int32_t)I, (int32_t)U, (int32_t)U, 1, cb->nodrop,
                        packed ? CUDNN_RNN_PADDED_IO_DISABLED : CUDNN_RNN_PADDED_IO_ENABLED));
    int32_t *lens = malloc((size_t)B * sizeof(int32_t));
    if (!lens)
        return cu_fail(cb, ctx, UR_ERR_NOMEM, "out of memory");
    for (int64_t b = 0; b < B; b++)
        lens[b] = (int32_t)T;
    float fill = 0.0f;
    cudnnRNNDataLayout_t layout = packed ? CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED
                                : p->tm  ? CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED
                                         : CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED;
    cudnnStatus_t s1 = cudnnCreateRNNDataDescriptor(&p->xd), s2 = cudnnCreateRNNDataDescriptor(&p->yd);
    if (s1 == CUDNN_STATUS_SUCCESS)
        s1 = cudnnSetRNNDataDescriptor(p->xd, CUDNN_DATA_FLOAT,
                                       layout, (int)T, (int)B, (int)I, lens, &fill);
    if (s2 == CUDNN_STATUS_SUCCESS)
        s2 = cudnnSetRNNDataDescriptor(p->yd, CUDNN_DATA_FLOAT,
                                       layout, (int)T, (int)B, (int)U, lens, &fill);
    free(lens);
    CU_DNN(cb, ctx, s1);
    CU_DNN(cb, ctx, s2);
    CU_DNN(cb, ctx, cudnnCreateTensorDescriptor(&p->hd));
    int dims[3] = {1, (int)B, (int)U}, strides[3] = {(int)(B * U), (int)U, 1};
    CU_DNN(cb, ctx, cudnnSetTensorNdDescriptor(p->hd, CUDNN_DATA_FLOAT, 3, dims, strides));
    CU_DNN(cb, ctx, cudnnGetRNNWeightSpaceSize(cb->dnn, p->rnn, &p->ws_bytes));
    CU_DNN(cb, ctx, cudnnGetRNNTempSpaceSizes(cb->dnn, p->rnn, CUDNN_FWD_MODE_TRAINING, p->xd,
                                              &p->work_bytes, &p->reserve_bytes));

    /* where every gate's matrix and bias lie in the weight space */
    cuk_rnn_map *m = &p->map;
    memset(m, 0, sizeof *m);
    m->G = p->G;
    m->I = I;
    m->U = U;
    static const int gru_ids[3] = {1, 0, 2}; /* Keras z, r, h -> cuDNN r, z, h */
    for (int g = 0; g < p->G; g++)
        m->id[g] = k == K_GRU ? gru_ids[g] : g;
    m->n_bias_rows = !c->use_bias ? 0 : k == K_GRU ? 2 : 1;
    m->zero_rec_bias = c->use_bias && k != K_GRU && !single;
    void *ws = NULL;
    CU_CHECK(cb, ctx, cudaMalloc(&ws, p->ws_bytes));
    cudnnTensorDescriptor_t md = NULL, bd = NULL;
    cudnnStatus_t st = cudnnCreateTensorDescriptor(&md);
    if (st == CUDNN_STATUS_SUCCESS)
        st = cudnnCreateTensorDescriptor(&bd);
    for (int id = 0; id < 2 * p->G && st == CUDNN_STATUS_SUCCESS; id++) {
        void *ma = NULL, *ba = NULL;
        st = cudnnGetRNNWeightParams(cb->dnn, p->rnn, 0, p->ws_bytes, ws, id, md, &ma, bd, &ba);
        m->woff[id] = ma ? ((char *)ma - (char *)ws) / 4 : -1;
        m->boff[id] = ba ? ((char *)ba - (char *)ws) / 4 : -1;
    }
    if (md)
        cudnnDestroyTensorDescriptor(md);
    if (bd)
        cudnnDestroyTensorDescriptor(bd);
    cudaFree(ws);
    CU_DNN(cb, ctx, st);
    for (int id = 0; id < 2 * p->G; id++) {
        bool need_b = (m->n_bias_rows >= 1 && id < p->G) ||
                      ((m->n_bias_rows == 2 || m->zero_rec_bias) && id >= p->G);
        if (m->woff[id] < 0 || (need_b && m->boff[id] < 0))
            return cu_fail(cb, ctx, UR_ERR_INTERNAL, "cuDNN placed no %s for linLayerID %d of "
                           "layer '%s'", m->woff[id] < 0 ? "matrix" : "bias", id, p->l->name);
    }
    return UR_OK;
}

static ur_status plan_get(cu_backend *cb, const ur_layer *l, int64_t B, int64_t T, int64_t I,
                          bool tm, cu_rnn_plan **out, ur_ctx *ctx)
{
    for (cu_rnn_plan *p = cb->plans; p; p = p->next)
        if (p->l == l && p->B == B && p->T == T && p->I == I && p->tm == tm) {
            *out = p;
            return UR_OK;
        }
    cu_rnn_plan *p = calloc(1, sizeof *p);
    if (!p)
        return cu_fail(cb, ctx, UR_ERR_NOMEM, "out of memory");
    p->l = l;
    p->tm = tm;
    p->B = B;
    p->T = T;
    p->I = I;
    p->U = UR_CFG(l, ur_rnn_cfg)->units;
    p->G = kind_of(l) == K_LSTM ? 4 : kind_of(l) == K_GRU ? 3 : 1;
    ur_status st = plan_build(cb, p, ctx);
    if (st) {
        plan_free(p);
        return st;
    }
    p->next = cb->plans;
    cb->plans = p;
    *out = p;
    return UR_OK;
}

/* ---------------------------------------------------------- the core */

/* One direction's buffers inside a layer's cache. */
typedef struct rnn_core {
    cu_rnn_plan *plan;
    const ur_layer *l;
    float *ws, *dws, *reserve, *xs, *mask, *dx, *y, *dy, *hy, *cy, *dhy, *dcy, *dhx, *dcx;
    float *h0;               /* zeros (B, U): allocated zeroed, never written */
} rnn_core;

static void *carve_bytes(char **cur, size_t bytes)
{
    void *p = *cur;
    *cur = (char *)((uintptr_t)*cur + ((bytes + 255) & ~(size_t)255));
    return p;
}

static size_t core_carve(const cu_rnn_plan *p, char *base, rnn_core *rc)
{
    int64_t B = p->B, T = p->T, I = p->I, U = p->U;
    char *cur = base;
    rnn_core tmp;
    if (!rc)
        rc = &tmp;
    rc->ws = carve_bytes(&cur, p->ws_bytes);
    rc->dws = carve_bytes(&cur, p->ws_bytes);
    rc->reserve = carve_bytes(&cur, p->reserve_bytes);
    rc->xs = carve_bytes(&cur, (size_t)(B * T * I) * 4);
    rc->mask = carve_bytes(&cur, (size_t)(B * I) * 4);
    rc->dx = carve_bytes(&cur, (size_t)(B * T * I) * 4);
    rc->y = carve_bytes(&cur, (size_t)(B * T * U) * 4);
    rc->dy = carve_bytes(&cur, (size_t)(B * T * U) * 4);
    rc->hy = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->cy = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->dhy = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->dcy = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->dhx = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->dcx = carve_bytes(&cur, (size_t)(B * U) * 4);
    rc->h0 = carve_bytes(&cur, (size_t)(B * U) * 4);
    return (size_t)((uintptr_t)cur - (uintptr_t)base);
}

/* Keras weights of the recurrent layer: kernel, recurrent_kernel[, bias],
 * at w[0..n) (the layer's own, or one half of a Bidirectional's). */
typedef struct rnn_weights {
    const ur_weight *w;
} rnn_weights;

static float *wdata(const cu_backend *cb, const ur_weight *w) { return cb->params + w->offset; }
static float *wgrad(const cu_backend *cb, const ur_weight *w)
{
    return w->trainable ? cb->grads + w->offset : NULL;
}

/* A dropout keep mask of n values drawn on the host from the run's
 * generator, exactly as the CPU draws it, into device memory. */
static ur_status upload_dropout_mask(cu_backend *cb, ur_rng *rng, double rate, float *mask,
                                     int64_t n, ur_ctx *ctx)
{
    float *hm = malloc((size_t)n * sizeof(float) + 4);
    if (!hm)
        return cu_fail(cb, ctx, UR_ERR_NOMEM, "out of memory for a dropout mask");
    cb->host->dropout_mask(rng, (float)rate, hm, n);
    cudaError_t e = cudaMemcpyAsync(mask, hm, (size_t)n * 4, cudaMemcpyHostToDevice, cb->stream);
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(cb->stream); /* hm is freed next */
    free(hm);
    CU_CHECK(cb, ctx, e);
    return UR_OK;
}

/* Forward of one direction: x (B, T, I) in input order; hx, cx may be NULL
 * (zeros). Leaves y (processing order), hy, cy in the core. */
static ur_status core_forward(cu_backend *cb, rnn_core *rc, const ur_weight *w, const float *x,
                              const float *hx, const float *cx, const ur_pass *p)
{
    cu_rnn_plan *pl = rc->plan;
    const ur_rnn_cfg *c = UR_CFG(rc->l, ur_rnn_cfg);
    ur_ctx *ctx = p->ctx;
    int64_t B = pl->B, T = pl->T, I = pl->I;
    bool bias = pl->map.n_bias_rows > 0;
    CU_KERNEL(cb, ctx, cuk_rnn_pack(cu_s(cb), &pl->map, rc->ws, wdata(cb, &w[0]),
                                    wdata(cb, &w[1]), bias ? wdata(cb, &w[2]) : NULL));
    /* the input dropout mask: drawn on the host from the run's generator,
     * exactly as the CPU draws it (one (B, I) mask per sequence) */
    pl->dropout_applied = p->training && c->dropout > 0.0 && c->dropout < 1.0;
    if (pl->dropout_applied) {
        ur_status st = upload_dropout_mask(cb, p->rng, c->dropout, rc->mask, B * I, ctx);
        if (st)
            return st;
    }
    CU_KERNEL(cb, ctx, cuk_seq_copy_tm(cu_s(cb), rc->xs, pl->tm, x, false,
                                       pl->dropout_applied ? rc->mask : NULL, B, T, I,
                                       c->go_backwards, false));
    void *work;
    ur_status st = cu_workspace(cb, pl->work_bytes, &work, ctx);
    if (st)
        return st;
    bool lstm = pl->G == 4;
    if (cb->zero_hx) {
        hx = hx ? hx : rc->h0;
        cx = cx ? cx : rc->h0;
    }
    CU_DNN(cb, ctx, cudnnRNNForward(cb->dnn, pl->rnn, CUDNN_FWD_MODE_TRAINING, NULL, pl->xd,
                                    rc->xs, pl->yd, rc->y, pl->hd, hx, rc->hy, pl->hd,
                                    lstm ? cx : NULL, lstm ? rc->cy : NULL, pl->ws_bytes, rc->ws,
                                    pl->work_bytes, work, pl->reserve_bytes, rc->reserve));
    return UR_OK;
}

/* Backward of one direction from rc->dy, dhy, dcy (filled by the caller):
 * accumulates into the Keras weight gradients, dx_acc (input order), and
 * dhx_acc/dcx_acc (initial states) where those are not NULL. */
static ur_status core_backward(cu_backend *cb, rnn_core *rc, const ur_weight *w, const float *hx,
                               const float *cx, float *dx_acc, float *dhx_acc, float *dcx_acc,
                               ur_ctx *ctx)
{
    cu_rnn_plan *pl = rc->plan;
    const ur_rnn_cfg *c = UR_CFG(rc->l, ur_rnn_cfg);
    int64_t B = pl->B, T = pl->T, I = pl->I, U = pl->U;
    bool lstm = pl->G == 4, bias = pl->map.n_bias_rows > 0;
    if (cb->zero_hx) {
        hx = hx ? hx : rc->h0;
        cx = cx ? cx : rc->h0;
    }
    void *work;
    ur_status st = cu_workspace(cb, pl->work_bytes, &work, ctx);
    if (st)
        return st;
    CU_DNN(cb, ctx, cudnnRNNBackwardData_v8(cb->dnn, pl->rnn, NULL, pl->yd, rc->y, rc->dy, pl->xd,
                                            rc->dx, pl->hd, hx, rc->dhy, rc->dhx, pl->hd,
                                            lstm ? cx : NULL, lstm ? rc->dcy : NULL,
                                            lstm ? rc->dcx : NULL, pl->ws_bytes, rc->ws,
                                            pl->work_bytes, work, pl->reserve_bytes,
                                            rc->reserve));
    CU_CHECK(cb, ctx, cudaMemsetAsync(rc->dws, 0, pl->ws_bytes, cb->stream));
    CU_DNN(cb, ctx, cudnnRNNBackwardWeights_v8(cb->dnn, pl->rnn, CUDNN_WGRAD_MODE_ADD, NULL, pl->xd,
                                               rc->xs, pl->hd, hx, pl->yd, rc->y, pl->ws_bytes,
                                               rc->dws, pl->work_bytes, work, pl->reserve_bytes,
                                               rc->reserve));
    if (wgrad(cb, &w[0]))
        CU_KERNEL(cb, ctx, cuk_rnn_unpack_add(cu_s(cb), &pl->map, rc->dws, wgrad(cb, &w[0]),
                                              wgrad(cb, &w[1]), bias ? wgrad(cb, &w[2]) : NULL));
    if (dx_acc)
        CU_KERNEL(cb, ctx, cuk_seq_copy_tm(cu_s(cb), dx_acc, false, rc->dx, pl->tm,
                                           pl->dropout_applied ? rc->mask : NULL, B, T, I,
                                           c->go_backwards, true));
    if (dhx_acc)
        CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), dhx_acc, rc->dhx, B * U));
    if (lstm && dcx_acc)
        CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), dcx_acc, rc->dcx, B * U));
    return UR_OK;
}

/* Zeroes the gradient inputs of a core before the caller fills them. */
static ur_status core_zero_grads(cu_backend *cb, rnn_core *rc, ur_ctx *ctx)
{
    cu_rnn_plan *pl = rc->plan;
    size_t bu = (size_t)(pl->B * pl->U) * 4;
    CU_CHECK(cb, ctx, cudaMemsetAsync(rc->dy, 0, (size_t)(pl->B * pl->T * pl->U) * 4, cb->stream));
    CU_CHECK(cb, ctx, cudaMemsetAsync(rc->dhy, 0, bu, cb->stream));
    CU_CHECK(cb, ctx, cudaMemsetAsync(rc->dcy, 0, bu, cb->stream));
    return UR_OK;
}

/* --------------------------------------------------- recurrent layers */

static ur_status copy_dev(cu_backend *cb, void *dst, const void *src, size_t bytes, ur_ctx *ctx)
{
    if (bytes)
        CU_CHECK(cb, ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cb->stream));
    return UR_OK;
}

static ur_status check_no_mask(cu_backend *cb, const ur_layer *l, const ur_pass *p)
{
    if (p->in_mask[0])
        return cu_fail(cb, p->ctx, UR_ERR_UNSUPPORTED,
                       "masked sequences do not run on the GPU yet (layer '%s')", l->name);
    return UR_OK;
}

static size_t rnn_cache_size(cu_backend *cb, const ur_layer *l, const ur_shape *in, bool tm,
                             ur_ctx *ctx)
{
    cu_rnn_plan *p;
    if (plan_get(cb, l, in[0].dim[0], in[0].dim[1], in[0].dim[2], tm, &p, ctx))
        return 0;
    return core_carve(p, NULL, NULL);
}

static ur_status rnn_setup(cu_backend *cb, const ur_layer *l, const ur_tensor *x, bool tm,
                           char *cache, rnn_core *rc, ur_ctx *ctx)
{
    ur_status st = plan_get(cb, l, x->dim[0], x->dim[1], x->dim[2], tm, &rc->plan, ctx);
    if (st)
        return st;
    rc->l = l;
    core_carve(rc->plan, cache, rc);
    return UR_OK;
}

static ur_status rnn_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    rnn_core rc;
    ur_status st = check_no_mask(cb, l, p);
    if (!st)
        st = rnn_setup(cb, l, &p->in[0], cb->seq_major, p->cache, &rc, p->ctx);
    if (st)
        return st;
    bool given = p->n_in > 1;
    st = core_forward(cb, &rc, l->weights, p->in[0].data, given ? p->in[1].data : NULL,
                      given && rc.plan->G == 4 ? p->in[2].data : NULL, p);
    if (st)
        return st;
    size_t bu = (size_t)(rc.plan->B * rc.plan->U) * 4;
    if (c->return_sequences)
        CU_KERNEL(cb, p->ctx, cuk_seq_copy_tm(cu_s(cb), p->out[0].data, false, rc.y, rc.plan->tm,
                                              NULL, rc.plan->B, rc.plan->T, rc.plan->U, false,
                                              false));
    else
        st = copy_dev(cb, p->out[0].data, rc.hy, bu, p->ctx);
    if (!st && c->return_state) {
        st = copy_dev(cb, p->out[1].data, rc.hy, bu, p->ctx);
        if (!st && rc.plan->G == 4)
            st = copy_dev(cb, p->out[2].data, rc.cy, bu, p->ctx);
    }
    return st;
}

static ur_status rnn_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    rnn_core rc;
    ur_status st = rnn_setup(cb, l, &p->in[0], cb->seq_major, p->cache, &rc, p->ctx);
    if (!st)
        st = core_zero_grads(cb, &rc, p->ctx);
    if (st)
        return st;
    ur_ctx *ctx = p->ctx;
    int64_t BU = rc.plan->B * rc.plan->U;
    if (p->dout[0].data) {
        if (c->return_sequences)
            CU_KERNEL(cb, ctx, cuk_seq_copy_tm(cu_s(cb), rc.dy, rc.plan->tm, p->dout[0].data,
                                               false, NULL, rc.plan->B, rc.plan->T, rc.plan->U,
                                               false, true));
        else
            CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), rc.dhy, p->dout[0].data, BU));
    }
    if (c->return_state) {
        if (p->dout[1].data)
            CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), rc.dhy, p->dout[1].data, BU));
        if (rc.plan->G == 4 && p->dout[2].data)
            CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), rc.dcy, p->dout[2].data, BU));
    }
    bool given = p->n_in > 1;
    return core_backward(cb, &rc, l->weights, given ? p->in[1].data : NULL,
                         given && rc.plan->G == 4 ? p->in[2].data : NULL, p->din[0].data,
                         given ? p->din[1].data : NULL,
                         given && rc.plan->G == 4 ? p->din[2].data : NULL, ctx);
}

/* ------------------------------------------- own recurrence kernels */

/* The layer's cache on the own path: sequences in processing order. */
typedef struct own_bufs {
    float *xs, *mask, *xz, *gates, *extra, *hp, *y, *hT, *cT, *dhT, *dcT, *dzx, *dzr, *dxs,
        *dh0, *dc0;
} own_bufs;

static size_t own_carve(const ur_layer *l, int64_t B, int64_t T, int64_t I, char *base,
                        own_bufs *o)
{
    int cell = own_cell(l);
    int64_t U = UR_CFG(l, ur_rnn_cfg)->units;
    int64_t G = cell == CUK_CELL_LSTM ? 4 : cell == CUK_CELL_SIMPLE ? 1 : 3, N = B * T;
    own_bufs tmp;
    if (!o)
        o = &tmp;
    char *cur = base;
    o->xs = carve_bytes(&cur, (size_t)(N * I) * 4);
    o->mask = carve_bytes(&cur, (size_t)(B * I) * 4);
    o->xz = carve_bytes(&cur, (size_t)(N * G * U) * 4);
    o->gates = carve_bytes(&cur, (size_t)(N * G * U) * 4);
    o->extra = carve_bytes(&cur, (size_t)(N * U) * 4);
    o->hp = carve_bytes(&cur, (size_t)(N * U) * 4);
    o->y = carve_bytes(&cur, (size_t)(N * U) * 4);
    o->hT = carve_bytes(&cur, (size_t)(B * U) * 4);
    o->cT = carve_bytes(&cur, (size_t)(B * U) * 4);
    o->dhT = carve_bytes(&cur, (size_t)(B * U) * 4);
    o->dcT = carve_bytes(&cur, (size_t)(B * U) * 4);
    o->dzx = carve_bytes(&cur, (size_t)(N * G * U) * 4);
    o->dzr = carve_bytes(&cur, (size_t)(cell == CUK_CELL_GRU_AFTER ? N * G * U : 1) * 4);
    o->dxs = carve_bytes(&cur, (size_t)(N * I) * 4);
    o->dh0 = carve_bytes(&cur, (size_t)(B * U) * 4);
    o->dc0 = carve_bytes(&cur, (size_t)(B * U) * 4);
    return (size_t)((uintptr_t)cur - (uintptr_t)base);
}

/* The kernels' arguments for the layer's pass p. */
static cuk_rec own_args(cu_backend *cb, const ur_layer *l, const ur_pass *p, const own_bufs *o)
{
    const ur_rnn_cfg *c = UR_CFG(l, ur_rnn_cfg);
    cuk_rec a = {.cell = own_cell(l), .act = (int)c->activation,
                 .ract = (int)c->recurrent_activation, .B = p->in[0].dim[0],
                 .T = p->in[0].dim[1], .U = c->units};
    if (a.cell == CUK_CELL_SIMPLE)
        a.ract = a.act;
    int64_t GU = (a.cell == CUK_CELL_LSTM ? 4 : a.cell == CUK_CELL_SIMPLE ? 1 : 3) * a.U;
    a.xz = o->xz;
    a.R = wdata(cb, &l->weights[1]);
    if (c->use_bias) {
        a.bx = wdata(cb, &l->weights[2]);
        if (a.cell == CUK_CELL_GRU_AFTER)
            a.bh = a.bx + GU;
    }
    bool given = p->n_in > 1;
    a.h0 = given ? p->in[1].data : NULL;
    a.c0 = given && a.cell == CUK_CELL_LSTM ? p->in[2].data : NULL;
    a.gates = o->gates;
    a.extra = o->extra;
    a.hp = o->hp;
    a.y = o->y;
    a.hT = o->hT;
    a.cT = o->cT;
    a.dzx = o->dzx;
    a.dzr = a.cell == CUK_CELL_GRU_AFTER ? o->dzr : NULL;
    a.dh0 = o->dh0;
    a.dc0 = o->dc0;
    return a;
}

/* What forward and backward of one pass share. */
typedef struct own_pass {
    const ur_rnn_cfg *c;
    const ur_tensor *x;
    int64_t B, T, I, U, GU;
    own_bufs o;
    cuk_rec a;
} own_pass;

static own_pass own_begin(cu_backend *cb, const ur_layer *l, const ur_pass *p)
{
    own_pass q = {.c = UR_CFG(l, ur_rnn_cfg), .x = &p->in[0]};
    q.B = q.x->dim[0];
    q.T = q.x->dim[1];
    q.I = q.x->dim[2];
    own_carve(l, q.B, q.T, q.I, p->cache, &q.o);
    q.a = own_args(cb, l, p, &q.o);
    q.U = q.a.U;
    q.GU = (q.a.cell == CUK_CELL_LSTM ? 4 : q.a.cell == CUK_CELL_SIMPLE ? 1 : 3) * q.U;
    return q;
}

static ur_status own_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    own_pass q = own_begin(cb, l, p);
    const ur_rnn_cfg *c = q.c;
    const ur_tensor *x = q.x;
    ur_ctx *ctx = p->ctx;
    int64_t B = q.B, T = q.T, I = q.I, GU = q.GU;
    own_bufs o = q.o;
    cuk_rec a = q.a;
    /* the input dropout mask, drawn on the host as the CPU draws it */
    bool drop = p->training && c->dropout > 0.0 && c->dropout < 1.0;
    if (drop) {
        ur_status st = upload_dropout_mask(cb, p->rng, c->dropout, o.mask, B * I, ctx);
        if (st)
            return st;
    } else if (c->dropout > 0.0 && c->dropout < 1.0) {
        /* backward multiplies by the mask of the last forward: ones */
        CU_KERNEL(cb, ctx, cuk_fill(cu_s(cb), o.mask, 1.0f, B * I));
    }
    /* the sequence in processing order (x itself when it already is) */
    const float *xs = x->data;
    if (drop || c->go_backwards) {
        CU_KERNEL(cb, ctx, cuk_seq_copy(cu_s(cb), o.xs, x->data, drop ? o.mask : NULL, B, T, I,
                                        c->go_backwards, false));
        xs = o.xs;
    }
    float one = 1.0f, zero = 0.0f;
    /* xz (N, GU) = xs (N, I) K (I, GU), row-major */
    CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_N, (int)GU, (int)(B * T),
                                 (int)I, &one, wdata(cb, &l->weights[0]), (int)GU, xs, (int)I,
                                 &zero, o.xz, (int)GU));
    CU_KERNEL(cb, ctx, cuk_rec_forward(cu_s(cb), &a));
    size_t bu = (size_t)(B * a.U) * 4;
    ur_status st = c->return_sequences
                       ? copy_dev(cb, p->out[0].data, o.y, bu * (size_t)T, ctx)
                       : copy_dev(cb, p->out[0].data, o.hT, bu, ctx);
    if (!st && c->return_state) {
        st = copy_dev(cb, p->out[1].data, o.hT, bu, ctx);
        if (!st && a.cell == CUK_CELL_LSTM)
            st = copy_dev(cb, p->out[2].data, o.cT, bu, ctx);
    }
    return st;
}

static ur_status own_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    own_pass q = own_begin(cb, l, p);
    const ur_rnn_cfg *c = q.c;
    const ur_tensor *x = q.x;
    ur_ctx *ctx = p->ctx;
    int64_t B = q.B, T = q.T, I = q.I, U = q.U, GU = q.GU;
    own_bufs o = q.o;
    cuk_rec a = q.a;
    int64_t N = B * T, BU = B * U;
    /* the final states' gradients: the last output and the state outputs
     * (used in place when only one of them has one) */
    const float *dh_parts[2] = {!c->return_sequences ? p->dout[0].data : NULL,
                                c->return_state ? p->dout[1].data : NULL};
    a.dhT = dh_parts[0] ? dh_parts[0] : dh_parts[1];
    if (dh_parts[0] && dh_parts[1]) {
        CU_CHECK(cb, ctx, cudaMemcpyAsync(o.dhT, dh_parts[0], (size_t)BU * 4,
                                          cudaMemcpyDeviceToDevice, cb->stream));
        CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), o.dhT, dh_parts[1], BU));
        a.dhT = o.dhT;
    }
    a.dcT = c->return_state && a.cell == CUK_CELL_LSTM ? p->dout[2].data : NULL;
    a.dy = c->return_sequences ? p->dout[0].data : NULL;
    CU_KERNEL(cb, ctx, cuk_rec_backward(cu_s(cb), &a));
    float one = 1.0f, zero = 0.0f;
    const ur_weight *wk = &l->weights[0], *wr = &l->weights[1];
    /* dK (I, GU) += xsᵀ dzx */
    bool drop_any = c->dropout > 0.0 && c->dropout < 1.0;
    const float *xs = drop_any || c->go_backwards ? o.xs : x->data;
    if (wgrad(cb, wk))
        CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_T, (int)GU, (int)I, (int)N,
                                     &one, o.dzx, (int)GU, xs, (int)I, &one, wgrad(cb, wk),
                                     (int)GU));
    /* dR (U, GU) += hpᵀ dzr; GRU reset_after=false: its candidate block from
     * (r h_prev)ᵀ dzx_h */
    if (wgrad(cb, wr)) {
        const float *dzr = a.dzr ? a.dzr : o.dzx;
        int64_t cols = a.cell == CUK_CELL_GRU_BEFORE ? 2 * U : GU;
        CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_T, (int)cols, (int)U,
                                     (int)N, &one, dzr, (int)GU, o.hp, (int)U, &one,
                                     wgrad(cb, wr), (int)GU));
        if (a.cell == CUK_CELL_GRU_BEFORE)
            CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_T, (int)U, (int)U,
                                         (int)N, &one, o.dzx + 2 * U, (int)GU, o.extra, (int)U,
                                         &one, wgrad(cb, wr) + 2 * U, (int)GU));
    }
    if (c->use_bias && wgrad(cb, &l->weights[2])) {
        float *db = wgrad(cb, &l->weights[2]);
        CU_KERNEL(cb, ctx, cuk_col_sums_add(cu_s(cb), db, o.dzx, N, GU));
        if (a.cell == CUK_CELL_GRU_AFTER)
            CU_KERNEL(cb, ctx, cuk_col_sums_add(cu_s(cb), db + GU, o.dzr, N, GU));
    }
    if (p->din[0].data) {
        /* dxs (N, I) = dzx Kᵀ, then back to input order through the mask */
        CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)I, (int)N, (int)GU,
                                     &one, wdata(cb, wk), (int)GU, o.dzx, (int)GU, &zero, o.dxs,
                                     (int)I));
        CU_KERNEL(cb, ctx, cuk_seq_copy(cu_s(cb), p->din[0].data, o.dxs,
                                        drop_any ? o.mask : NULL, B, T, I, c->go_backwards,
                                        true));
    }
    bool given = p->n_in > 1;
    if (given && p->din[1].data)
        CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), p->din[1].data, o.dh0, BU));
    if (given && a.cell == CUK_CELL_LSTM && p->din[2].data)
        CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), p->din[2].data, o.dc0, BU));
    return UR_OK;
}

/* ------------------------------------------------------ Bidirectional */

/* merge_mode: -1 none, 0 concat, 1 sum, 2 mul, 3 ave (bidirectional.c) */
static int merge_mode(const ur_layer *l)
{
    const int *m = cu_option(l, "merge_mode");
    return m ? *m : 0;
}

static size_t bidir_cache_size(cu_backend *cb, const ur_layer *l, const ur_shape *in,
                               ur_ctx *ctx)
{
    size_t a = rnn_cache_size(cb, l->inner[0], in, false, ctx);
    size_t b = rnn_cache_size(cb, l->inner[1], in, false, ctx);
    return a && b ? a + b : 0;
}

static ur_status bidir_setup(cu_backend *cb, const ur_layer *l, const ur_pass *p, rnn_core *rc)
{
    cu_rnn_plan *p0;
    ur_status st = plan_get(cb, l->inner[0], p->in[0].dim[0], p->in[0].dim[1], p->in[0].dim[2],
                            false, &p0, p->ctx);
    if (st)
        return st;
    size_t first = core_carve(p0, NULL, NULL);
    st = rnn_setup(cb, l->inner[0], &p->in[0], false, p->cache, &rc[0], p->ctx);
    if (!st)
        st = rnn_setup(cb, l->inner[1], &p->in[0], false, (char *)p->cache + first, &rc[1],
                       p->ctx);
    return st;
}

static ur_status bidir_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l->inner[0], ur_rnn_cfg);
    rnn_core rc[2];
    ur_status st = check_no_mask(cb, l, p);
    if (!st)
        st = bidir_setup(cb, l, p, rc);
    if (st)
        return st;
    ur_ctx *ctx = p->ctx;
    int ns = rc[0].plan->G == 4 ? 2 : 1, nw = l->inner[0]->n_weights;
    bool given = p->n_in > 1;
    for (int d = 0; d < 2 && !st; d++)
        st = core_forward(cb, &rc[d], l->weights + d * nw, p->in[0].data,
                          given ? p->in[1 + d * ns].data : NULL,
                          given && ns == 2 ? p->in[2 + d * ns].data : NULL, p);
    if (st)
        return st;
    int64_t B = rc[0].plan->B, T = c->return_sequences ? rc[0].plan->T : 1, U = rc[0].plan->U;
    const float *y0 = c->return_sequences ? rc[0].y : rc[0].hy;
    const float *y1 = c->return_sequences ? rc[1].y : rc[1].hy;
    int mode = merge_mode(l), k = 1;
    if (mode < 0) {
        CU_KERNEL(cb, ctx, cuk_seq_copy(cu_s(cb), p->out[0].data, y0, NULL, B, T, U, false, false));
        CU_KERNEL(cb, ctx, cuk_seq_copy(cu_s(cb), p->out[1].data, y1, NULL, B, T, U,
                                        c->return_sequences, false));
        k = 2;
    } else {
        CU_KERNEL(cb, ctx, cuk_merge(cu_s(cb), mode, p->out[0].data, y0, y1, B, T, U,
                                     c->return_sequences));
    }
    if (c->return_state)
        for (int d = 0; d < 2 && !st; d++) {
            st = copy_dev(cb, p->out[k++].data, rc[d].hy, (size_t)(B * U) * 4, ctx);
            if (!st && ns == 2)
                st = copy_dev(cb, p->out[k++].data, rc[d].cy, (size_t)(B * U) * 4, ctx);
        }
    return st;
}

static ur_status bidir_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_rnn_cfg *c = UR_CFG(l->inner[0], ur_rnn_cfg);
    rnn_core rc[2];
    ur_status st = bidir_setup(cb, l, p, rc);
    for (int d = 0; d < 2 && !st; d++)
        st = core_zero_grads(cb, &rc[d], p->ctx);
    if (st)
        return st;
    ur_ctx *ctx = p->ctx;
    int ns = rc[0].plan->G == 4 ? 2 : 1, nw = l->inner[0]->n_weights;
    int64_t B = rc[0].plan->B, T = c->return_sequences ? rc[0].plan->T : 1, U = rc[0].plan->U;
    const float *y0 = c->return_sequences ? rc[0].y : rc[0].hy;
    const float *y1 = c->return_sequences ? rc[1].y : rc[1].hy;
    float *g0 = c->return_sequences ? rc[0].dy : rc[0].dhy;
    float *g1 = c->return_sequences ? rc[1].dy : rc[1].dhy;
    int mode = merge_mode(l), k = 1;
    if (mode < 0) {
        if (p->dout[0].data)
            CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), g0, p->dout[0].data, B * T * U));
        if (p->dout[1].data)
            CU_KERNEL(cb, ctx, cuk_seq_copy(cu_s(cb), g1, p->dout[1].data, NULL, B, T, U,
                                            c->return_sequences, true));
        k = 2;
    } else if (p->dout[0].data) {
        CU_KERNEL(cb, ctx, cuk_merge_backward(cu_s(cb), mode, p->dout[0].data, y0, y1, g0, g1, B,
                                              T, U, c->return_sequences));
    }
    if (c->return_state)
        for (int d = 0; d < 2; d++)
            for (int j = 0; j < ns; j++, k++)
                if (p->dout[k].data)
                    CU_KERNEL(cb, ctx, cuk_add(cu_s(cb), j == 0 ? rc[d].dhy : rc[d].dcy,
                                               p->dout[k].data, B * U));
    bool given = p->n_in > 1;
    for (int d = 0; d < 2 && !st; d++)
        st = core_backward(cb, &rc[d], l->weights + d * nw,
                           given ? p->in[1 + d * ns].data : NULL,
                           given && ns == 2 ? p->in[2 + d * ns].data : NULL, p->din[0].data,
                           given ? p->din[1 + d * ns].data : NULL,
                           given && ns == 2 ? p->din[2 + d * ns].data : NULL, ctx);
    return st;
}

/* ---------------------------------------------------------------- Dense */

static ur_status dense_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_tensor *x = &p->in[0];
    int64_t I = x->dim[x->rank - 1], U = *(const int64_t *)cu_option(l, "units");
    int64_t N = cu_numel(x) / I;
    ur_activation act = *(const ur_activation *)cu_option(l, "activation");
    bool bias = l->n_weights > 1;
    float *Y = p->out[0].data;
    ur_ctx *ctx = p->ctx;
    if (bias)
        CU_KERNEL(cb, ctx, cuk_fill_rows(cu_s(cb), Y, wdata(cb, &l->weights[1]), N, U));
    /* row-major Y (N, U) = X (N, I) K (I, U): column-major Yᵀ = Kᵀ Xᵀ */
    float one = 1.0f, beta = bias ? 1.0f : 0.0f;
    CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_N, (int)U, (int)N, (int)I, &one,
                                 wdata(cb, &l->weights[0]), (int)U, x->data, (int)I, &beta, Y,
                                 (int)U));
    CU_KERNEL(cb, ctx, cuk_act_forward(cu_s(cb), (int)act, Y, N * U, U));
    return UR_OK;
}

static ur_status dense_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    int64_t I = x->dim[x->rank - 1], U = *(const int64_t *)cu_option(l, "units");
    int64_t N = cu_numel(x) / I;
    ur_activation act = *(const ur_activation *)cu_option(l, "activation");
    /* dZ = dY act'(Y), or dY itself for a linear Dense */
    const float *dZ = p->dout[0].data;
    ur_ctx *ctx = p->ctx;
    if (act != UR_ACT_LINEAR) {
        CU_KERNEL(cb, ctx, cuk_act_backward(cu_s(cb), (int)act, p->out[0].data, p->dout[0].data,
                                            p->cache, N * U, U));
        dZ = p->cache;
    }
    float one = 1.0f;
    const ur_weight *wk = &l->weights[0];
    /* dK (I, U) += Xᵀ dZ: column-major dKᵀ (U, I) += dZᵀ (U, N) X (N, I) */
    if (wgrad(cb, wk))
        CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_N, CUBLAS_OP_T, (int)U, (int)I, (int)N,
                                     &one, dZ, (int)U, x->data, (int)I, &one, wgrad(cb, wk),
                                     (int)U));
    if (l->n_weights > 1 && wgrad(cb, &l->weights[1]))
        CU_KERNEL(cb, ctx, cuk_col_sums_add(cu_s(cb), wgrad(cb, &l->weights[1]), dZ, N, U));
    /* dX (N, I) += dZ Kᵀ: column-major dXᵀ (I, N) += K (I, U) dZᵀ (U, N) */
    if (p->din[0].data)
        CU_BLAS(cb, ctx, cublasSgemm(cb->blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)I, (int)N, (int)U,
                                     &one, wdata(cb, wk), (int)U, dZ, (int)U, &one,
                                     p->din[0].data, (int)I));
    return UR_OK;
}

/* ------------------------------------------------- Dropout and Flatten */

/* Dropout: the keep mask is drawn on the host from the run's generator, as
 * the CPU draws it, and kept in the cache (ones when none was applied). */
static ur_status dropout_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    int64_t n = cu_numel(&p->in[0]);
    double rate = *(const double *)cu_option(l, "rate");
    float *mask = p->cache;
    ur_ctx *ctx = p->ctx;
    if (p->training && p->rng && rate > 0.0 && rate < 1.0) {
        ur_status st = upload_dropout_mask(cb, p->rng, rate, mask, n, ctx);
        if (st)
            return st;
        CU_KERNEL(cb, ctx, cuk_mul(cu_s(cb), p->out[0].data, p->in[0].data, mask, n));
        return UR_OK;
    }
    CU_KERNEL(cb, ctx, cuk_fill(cu_s(cb), mask, 1.0f, n));
    return copy_dev(cb, p->out[0].data, p->in[0].data, (size_t)n * 4, ctx);
}

/* dx += dy * mask */
static ur_status dropout_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    CU_KERNEL(cb, p->ctx, cuk_mul_add(cu_s(cb), p->din[0].data, p->dout[0].data, p->cache,
                                      cu_numel(&p->in[0])));
    return UR_OK;
}

static ur_status flatten_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    return copy_dev(cb, p->out[0].data, p->in[0].data, (size_t)cu_numel(&p->in[0]) * 4,
                    p->ctx);
}

static ur_status flatten_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    CU_KERNEL(cb, p->ctx, cuk_add(cu_s(cb), p->din[0].data, p->dout[0].data,
                                  cu_numel(&p->in[0])));
    return UR_OK;
}

/* -------------------------------------------------- BatchNormalization */

/* batch-norm.c's weights: gamma, beta (when scale, center), moving_mean,
 * moving_variance; the cache: flag, mean, inv_std */
typedef struct bn_parts {
    const ur_weight *gamma, *beta, *mm, *mv;
    float *flag, *mean, *inv_std;
    int64_t F, N;
    double eps;
    float momentum;
} bn_parts;

static bn_parts bn_of(const ur_layer *l, const ur_tensor *x, void *cache)
{
    bn_parts b = {0};
    int i = 0;
    if (*(const bool *)cu_option(l, "scale"))
        b.gamma = &l->weights[i++];
    if (*(const bool *)cu_option(l, "center"))
        b.beta = &l->weights[i++];
    b.mm = &l->weights[i++];
    b.mv = &l->weights[i++];
    b.F = x->dim[x->rank - 1];
    b.N = cu_numel(x) / b.F;
    b.eps = *(const double *)cu_option(l, "epsilon");
    b.momentum = (float)*(const double *)cu_option(l, "momentum");
    char *cur = cache;
    b.flag = carve_bytes(&cur, 4);
    b.mean = carve_bytes(&cur, (size_t)b.F * 4);
    b.inv_std = carve_bytes(&cur, (size_t)b.F * 4);
    return b;
}

static size_t bn_cache_size(const ur_shape *in)
{
    int64_t F = in[0].dim[in[0].rank - 1];
    char *cur = NULL;
    carve_bytes(&cur, 4);
    carve_bytes(&cur, (size_t)F * 4);
    carve_bytes(&cur, (size_t)F * 4);
    return (size_t)(uintptr_t)cur;
}

static ur_status bn_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_tensor *x = &p->in[0];
    bn_parts b = bn_of(l, x, p->cache);
    const uint8_t *mask = p->in_mask ? p->in_mask[0] : NULL;
    bool batch = p->training && cb->host->layer_trainable(l);
    CU_KERNEL(cb, p->ctx, cuk_bn_forward(cu_s(cb), x->data, p->out[0].data, mask, b.N, b.F,
                                         b.gamma ? wdata(cb, b.gamma) : NULL,
                                         b.beta ? wdata(cb, b.beta) : NULL, wdata(cb, b.mm),
                                         wdata(cb, b.mv), b.mean, b.inv_std, b.flag, batch,
                                         b.momentum, b.eps, cb->ctl));
    return UR_OK;
}

static ur_status bn_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    bn_parts b = bn_of(l, x, p->cache);
    const uint8_t *mask = p->in_mask ? p->in_mask[0] : NULL;
    CU_KERNEL(cb, p->ctx, cuk_bn_backward(cu_s(cb), x->data, p->dout[0].data, p->din[0].data,
                                          mask, b.N, b.F, b.gamma ? wdata(cb, b.gamma) : NULL,
                                          b.gamma ? wgrad(cb, b.gamma) : NULL,
                                          b.beta ? wgrad(cb, b.beta) : NULL, b.mean, b.inv_std,
                                          b.flag));
    return UR_OK;
}

/* ------------------------------------ RepeatVector, Concatenate, Add */

/* y[b, i, :] = x[b, :] for i < n; backward dx[b, :] += Σ_i dy[b, i, :] */
static ur_status repeat_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    int64_t B = p->in[0].dim[0], F = p->in[0].dim[1], R = *(const int64_t *)cu_option(l, "n");
    for (int64_t i = 0; i < R; i++)
        CU_KERNEL(cb, p->ctx, cuk_slab(cu_s(cb), p->out[0].data, R * F, i * F, p->in[0].data, F, 0,
                                       B, F, false));
    return UR_OK;
}

static ur_status repeat_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data || !p->din[0].data)
        return UR_OK;
    int64_t B = p->in[0].dim[0], F = p->in[0].dim[1], R = *(const int64_t *)cu_option(l, "n");
    for (int64_t i = 0; i < R; i++)
        CU_KERNEL(cb, p->ctx, cuk_slab(cu_s(cb), p->din[0].data, F, 0, p->dout[0].data, R * F,
                                       i * F, B, F, true));
    return UR_OK;
}

/* the rows before the axis (concatenate.c's concat_rows) */
static int64_t concat_outer(const ur_layer *l, const ur_tensor *y)
{
    int64_t a = *(const int64_t *)cu_option(l, "axis");
    if (a < 0)
        a += y->rank;
    int64_t o = 1;
    for (int d = 0; d < a && d < y->rank; d++)
        o *= y->dim[d];
    return o;
}

static ur_status concat_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    const ur_tensor *y = &p->out[0];
    int64_t O = concat_outer(l, y), Cy = cu_numel(y) / O, off = 0;
    for (int k = 0; k < p->n_in; k++) {
        int64_t C = cu_numel(&p->in[k]) / O;
        CU_KERNEL(cb, p->ctx, cuk_slab(cu_s(cb), y->data, Cy, off, p->in[k].data, C, 0, O, C,
                                       false));
        off += C;
    }
    return UR_OK;
}

static ur_status concat_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    const ur_tensor *dy = &p->dout[0];
    int64_t O = concat_outer(l, dy), Cy = cu_numel(dy) / O, off = 0;
    for (int k = 0; k < p->n_in; k++) {
        int64_t C = cu_numel(&p->in[k]) / O;
        if (p->din[k].data)
            CU_KERNEL(cb, p->ctx, cuk_slab(cu_s(cb), p->din[k].data, C, 0, dy->data, Cy, off, O,
                                           C, true));
        off += C;
    }
    return UR_OK;
}

static ur_status add_forward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    int64_t n = cu_numel(&p->out[0]);
    ur_status st = copy_dev(cb, p->out[0].data, p->in[0].data, (size_t)n * 4, p->ctx);
    for (int k = 1; k < p->n_in && !st; k++)
        CU_KERNEL(cb, p->ctx, cuk_add(cu_s(cb), p->out[0].data, p->in[k].data, n));
    return st;
}

static ur_status add_backward(cu_backend *cb, ur_layer *l, ur_pass *p)
{
    if (!p->dout[0].data)
        return UR_OK;
    int64_t n = cu_numel(&p->dout[0]);
    for (int k = 0; k < p->n_in; k++)
        if (p->din[k].data)
            CU_KERNEL(cb, p->ctx, cuk_add(cu_s(cb), p->din[k].data, p->dout[0].data, n));
    return UR_OK;
}

/* ------------------------------------------------------------- dispatch */

size_t cu_cache_size(const ur_backend *be, const ur_layer *l, const ur_shape *in, int n_in)
{
    cu_backend *cb = cu_of(be);
    switch (kind_of(l)) {
    case K_LSTM:
    case K_GRU:
    case K_SIMPLE:
        if (rnn_own(cb, l))
            return own_carve(l, in[0].dim[0], in[0].dim[1], in[0].dim[2], NULL, NULL);
        return rnn_cache_size(cb, l, in, cb->seq_major, NULL);
    case K_BIDIR: return bidir_cache_size(cb, l, in, NULL);
    case K_DENSE: {
        int64_t U = *(const int64_t *)cu_option(l, "units");
        int64_t rows = cu_shape_numel(&in[0]) / in[0].dim[in[0].rank - 1];
        return (size_t)(rows * U) * 4;
    }
    case K_DROPOUT: return (size_t)(cu_shape_numel(&in[0])) * 4;
    case K_BN: return bn_cache_size(in);
    default: return 0;
    }
}

ur_status cu_forward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    cu_backend *cb = cu_of(be);
    ur_status st = cu_pending(cb, p->ctx);
    if (st)
        return st;
    switch (kind_of(l)) {
    case K_LSTM:
    case K_GRU:
    case K_SIMPLE: return rnn_own(cb, l) ? own_forward(cb, l, p) : rnn_forward(cb, l, p);
    case K_BIDIR: return bidir_forward(cb, l, p);
    case K_DENSE: return dense_forward(cb, l, p);
    case K_DROPOUT: return dropout_forward(cb, l, p);
    case K_FLATTEN: return flatten_forward(cb, l, p);
    case K_BN: return bn_forward(cb, l, p);
    case K_REPEAT: return repeat_forward(cb, l, p);
    case K_CONCAT: return concat_forward(cb, l, p);
    case K_ADD: return add_forward(cb, l, p);
    default:
        return cu_fail(cb, p->ctx, UR_ERR_UNSUPPORTED, "%s does not run on %s",
                       l->kind ? l->kind->class_name : "?", cb->name);
    }
}

ur_status cu_backward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    cu_backend *cb = cu_of(be);
    ur_status st = cu_pending(cb, p->ctx);
    if (st)
        return st;
    switch (kind_of(l)) {
    case K_LSTM:
    case K_GRU:
    case K_SIMPLE: return rnn_own(cb, l) ? own_backward(cb, l, p) : rnn_backward(cb, l, p);
    case K_BIDIR: return bidir_backward(cb, l, p);
    case K_DENSE: return dense_backward(cb, l, p);
    case K_DROPOUT: return dropout_backward(cb, l, p);
    case K_FLATTEN: return flatten_backward(cb, l, p);
    case K_BN: return bn_backward(cb, l, p);
    case K_REPEAT: return repeat_backward(cb, l, p);
    case K_CONCAT: return concat_backward(cb, l, p);
    case K_ADD: return add_backward(cb, l, p);
    default:
        return cu_fail(cb, p->ctx, UR_ERR_UNSUPPORTED, "%s does not run on %s",
                       l->kind ? l->kind->class_name : "?", cb->name);
    }
}
