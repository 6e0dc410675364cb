/* kernels.h — the C interface of the module's own CUDA kernels (kernels.cu):
 * element-wise layer work, the Keras <-> cuDNN weight mapping, losses,
 * metrics and optimizer updates. Plain C types only, so the C files of the
 * module include it without CUDA C++; every launcher enqueues on `stream`
 * and returns the launch's error code (0 = cudaSuccess). */
#ifndef UR_CUDA_KERNELS_H
#define UR_CUDA_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CUstream_st *cu_stream;

/* The trainer's step control, in device memory: kernels read the step
 * (counter), the optimizer's iteration and learning rate from it, so that
 * a captured step replays unchanged. halted: 0 running, 1 a non-finite
 * loss, 2 non-finite weights, at step halt_step; once halted, updates stop
 * and the last good weights stay. */
typedef struct cuk_ctl {
    int64_t counter;     /* the step within the epoch */
    int64_t iteration;   /* the optimizer's iterations so far */
    int64_t halt_step;
    int32_t halted;
    int32_t bad;         /* scratch: this step's weights are not finite */
    float lr;
    float pad[3];
} cuk_ctl;

/* y[i] += x[i] */
int cuk_add(cu_stream s, float *y, const float *x, int64_t n);
/* y[i] = a[i] * b[i] */
int cuk_mul(cu_stream s, float *y, const float *a, const float *b, int64_t n);
/* y[i] = v */
int cuk_fill(cu_stream s, float *y, float v, int64_t n);
/* y[i] += a[i] * b[i] */
int cuk_mul_add(cu_stream s, float *y, const float *a, const float *b, int64_t n);
/* y[r, :] = b (rows of length n) */
int cuk_fill_rows(cu_stream s, float *y, const float *b, int64_t rows, int64_t n);
/* db[j] += sum_r dz[r, j] */
int cuk_col_sums_add(cu_stream s, float *db, const float *dz, int64_t rows, int64_t n);
/* Element-wise activations by ur_activation number (softmax: rows of n). */
int cuk_act_forward(cu_stream s, int act, float *y, int64_t count, int64_t n);
/* dz = dy * act'(y)  (softmax: y (dy - sum dy y) per row) */
int cuk_act_backward(cu_stream s, int act, const float *y, const float *dy, float *dz,
                     int64_t count, int64_t n);

/* x (B, T, F): out[b, s] = x[b, T-1-s] (reverse) or x[b, s], times m[b, :]
 * when m is not NULL (a (B, F) mask); add: out += instead of =. */
int cuk_seq_copy(cu_stream s, float *out, const float *x, const float *m, int64_t B, int64_t T,
                 int64_t F, bool reverse, bool add);
/* The same between layouts: a time-major (_tm) tensor is (T, B, F). */
int cuk_seq_copy_tm(cu_stream s, float *out, bool out_tm, const float *x, bool x_tm,
                    const float *m, int64_t B, int64_t T, int64_t F, bool reverse, bool add);
/* y = combine(a, b) for Bidirectional merges: 1 sum, 2 mul, 3 ave; for a
 * (B, T, U) pair with rev_b, b is read time-reversed. concat (0) writes
 * [a | b] into rows of 2U. */
int cuk_merge(cu_stream s, int mode, float *y, const float *a, const float *b, int64_t B,
              int64_t T, int64_t U, bool rev_b);
/* Backward of cuk_merge: da += ..., db += ... (b time-reversed like forward) */
int cuk_merge_backward(cu_stream s, int mode, const float *dy, const float *a, const float *b,
                       float *da, float *db, int64_t B, int64_t T, int64_t U, bool rev_b);

/* The Keras <-> cuDNN weight mapping of one recurrent layer.
 * K (I, G*U), R (U, G*U), bias (G*U) or (2, G*U) (n_bias_rows), row-major.
 * id[g] is cuDNN's linLayerID for Keras gate block g (input GEMM; the
 * recurrent one is id[g] + G). woff/boff: float offsets into the weight
 * space of matrix / bias of every linLayerID (boff -1: none).
 * pack: weight space <- Keras; unpack: Keras grads += weight space. */
typedef struct cuk_rnn_map {
    int G;
    int64_t I, U;
    int id[4];
    int64_t woff[8], boff[8];
    int n_bias_rows;     /* 0, 1 (input bias) or 2 (GRU: input then recurrent) */
    bool zero_rec_bias;  /* one Keras bias in cuDNN's double-bias layout: the
                          * recurrent biases are packed as 0, their gradient unused */
} cuk_rnn_map;
int cuk_rnn_pack(cu_stream s, const cuk_rnn_map *m, float *ws, const float *K, const float *R,
                 const float *bias);
int cuk_rnn_unpack_add(cu_stream s, const cuk_rnn_map *m, const float *dws, float *dK, float *dR,
                       float *dbias);

/* scalars[slot] = v */
int cuk_set_scalar(cu_stream s, double *scalars, int slot, double v);
/* scalars[slot] = 1 if all x finite, else 0 */
int cuk_all_finite(cu_stream s, const float *x, int64_t n, double *scalars, int slot);
/* Loss (ur_loss_kind) over rows of C: scalars[slot] = mean loss (mask rows
 * (B, T) or NULL); dpred (may be NULL) = gradient. target_i32: int32 targets.
 * count_slot: a scratch slot for the number of valid rows. */
int cuk_loss(cu_stream s, int kind, bool from_logits, const float *pred, const void *target,
             bool target_i32, const uint8_t *mask, int64_t R, int64_t C, float *dpred,
             double *scalars, int slot, int count_slot);
/* Metric (ur_metric_kind): scalars[slot] = sum, scalars[slot + 1] = rows. */
int cuk_metric(cu_stream s, int kind, const float *pred, const void *target, bool target_i32,
               const uint8_t *mask, int64_t R, int64_t C, double *scalars, int slot);

/* Optimizer pieces (optimizers.c's formulas). */
int cuk_sum_squares(cu_stream s, const float *g, int64_t n, double *out);
/* g *= scale(norm) with scale = c / norm when !(norm <= c) (clipnorm), or
 * the global_clipnorm rule when global (c min(1/N, 1/c) + (N - N)). */
int cuk_clip_scale(cu_stream s, float *g, int64_t n, const double *sumsq, double c, bool global);
int cuk_clip_value(cu_stream s, float *g, int64_t n, float v);
/* The updates read the learning rate (and Adam its iteration) from ctl and
 * do nothing once it halted. */
int cuk_decay(cu_stream s, float *p, int64_t n, float wd, const cuk_ctl *ctl);
int cuk_sgd(cu_stream s, float *p, const float *g, float *m, int64_t n, float mu, bool nesterov,
            const cuk_ctl *ctl);
int cuk_rmsprop(cu_stream s, float *p, const float *g, float *v, float *a, float *mm, int64_t n,
                float rho, float r1, float mu, float eps, const cuk_ctl *ctl);
int cuk_adam(cu_stream s, float *p, const float *g, float *m, float *v, float *vh, int64_t n,
             float beta_1, float beta_2, float c1, float c2, float eps, const cuk_ctl *ctl);

/* Step control. dst row i = src row idx[ctl->counter * stride + i], rows
 * of `row` 4-byte values. */
int cuk_gather_rows(cu_stream s, void *dst, const void *src, const int32_t *idx,
                    const cuk_ctl *ctl, int64_t stride, int64_t n, int64_t row);
/* hist[counter * k + j] = scalars[j] (j < k); halts (1) when the sum of
 * the first n_loss is not finite. */
int cuk_record(cu_stream s, double *hist, const double *scalars, int k, int n_loss,
               cuk_ctl *ctl);
/* Before the update: good = params; at the step whose loss halted,
 * params = good (the last good weights). */
int cuk_snapshot(cu_stream s, float *params, float *good, int64_t n, const cuk_ctl *ctl);
/* After the update: non-finite params[0..n_check) halt (2) and restore
 * params[0..n) from good; then the counter (and, running, the iteration)
 * advance. */
int cuk_finish_step(cu_stream s, float *params, const float *good, int64_t n_check, int64_t n,
                    cuk_ctl *ctl);

/* BatchNormalization over the last axis of x (N, F), batch-norm.c's
 * formulas: batch moments when batch (the moving statistics then updated
 * unless ctl halted), else the moving ones; mean, inv_std (F) and flag (1)
 * are kept for backward. gamma/beta and their gradients may be NULL. */
int cuk_bn_forward(cu_stream s, const float *x, float *y, const uint8_t *mask, int64_t N,
                   int64_t F, const float *gamma, const float *beta, float *mm, float *mv,
                   float *mean, float *inv_std, float *flag, bool batch, float momentum,
                   double eps, const cuk_ctl *ctl);
int cuk_bn_backward(cu_stream s, const float *x, const float *dy, float *dx, const uint8_t *mask,
                    int64_t N, int64_t F, const float *gamma, float *dgamma, float *dbeta,
                    const float *mean, const float *inv_std, const float *flag);

/* dst[o * dld + doff + j] (+)= src[o * sld + soff + j] for o < rows, j < w
 * (Concatenate, RepeatVector) */
int cuk_slab(cu_stream s, float *dst, int64_t dld, int64_t doff, const float *src, int64_t sld,
             int64_t soff, int64_t rows, int64_t w, bool add);

/* ---- own recurrence kernels (recurrence.cu) */
enum { CUK_CELL_SIMPLE, CUK_CELL_LSTM, CUK_CELL_GRU_AFTER, CUK_CELL_GRU_BEFORE };
/* One recurrent layer's sequences in processing order, rows b * T + s.
 * Forward reads xz (x · kernel, no bias), R (the Keras recurrent kernel
 * (U, G*U)), bx (input bias) and bh (GRU reset_after's recurrent bias),
 * h0/c0 (NULL: zeros); writes gates (activated: LSTM i f g o, GRU z r hh),
 * extra (LSTM c, GRU q_h or r*h_prev), hp (h before each step), y (h after)
 * and hT/cT. Backward reads those and dy (NULL: none), dhT/dcT; writes dzx
 * (the gradient of the input pre-activations), dzr (GRU: of the recurrent
 * ones; NULL otherwise, where they are dzx) and dh0/dc0. */
typedef struct cuk_rec {
    int cell, act, ract;
    int64_t B, T, U;
    const float *xz, *R, *bx, *bh, *h0, *c0;
    float *gates, *extra, *hp, *y, *hT, *cT;
    const float *dy, *dhT, *dcT;
    float *dzx, *dzr, *dh0, *dc0;
} cuk_rec;
/* Whether the kernels run a layer of U units (the recurrent kernel fits in
 * shared memory and its gate columns in one block). */
bool cuk_rec_fits(int cell, int64_t U);
int cuk_rec_forward(cu_stream s, const cuk_rec *a);
int cuk_rec_backward(cu_stream s, const cuk_rec *a);

#ifdef __cplusplus
}
#endif
#endif
