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
int cuk_decay(cu_stream s, float *p, int64_t n, float wd, float lr);
int cuk_sgd(cu_stream s, float *p, const float *g, float *m, int64_t n, float lr, float mu,
            bool nesterov);
int cuk_rmsprop(cu_stream s, float *p, const float *g, float *v, float *a, float *mm, int64_t n,
                float lr, float rho, float r1, float mu, float eps);
int cuk_adam(cu_stream s, float *p, const float *g, float *m, float *v, float *vh, int64_t n,
             float alpha, float c1, float c2, float eps);

#ifdef __cplusplus
}
#endif
#endif
