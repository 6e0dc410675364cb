// kernels.cu — the module's own CUDA kernels behind kernels.h: element-wise
// layer work, the Keras <-> cuDNN weight mapping, losses and metrics (one
// thread per row, double arithmetic as losses.c/metrics.c), and the
// optimizer updates with optimizers.c's float formulas.
#include "kernels.h"

#include <cuda_runtime.h>
#include <math.h>

#include "activations.cuh"

#define THREADS 256

static inline unsigned blocks_for(int64_t n)
{
    int64_t b = (n + THREADS - 1) / THREADS;
    if (b < 1)
        b = 1;
    return (unsigned)(b > 65535 * 16 ? 65535 * 16 : b);
}

#define GRID_LOOP(i, n) \
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (int64_t)gridDim.x * blockDim.x)

static int launched(void) { return (int)cudaGetLastError(); }

// ------------------------------------------------------------ elementwise

__global__ void k_add(float *y, const float *x, int64_t n) { GRID_LOOP(i, n) y[i] += x[i]; }

extern "C" int cuk_add(cu_stream s, float *y, const float *x, int64_t n)
{
    if (n <= 0)
        return 0;
    k_add<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(y, x, n);
    return launched();
}

__global__ void k_mul(float *y, const float *a, const float *b, int64_t n)
{
    GRID_LOOP(i, n) y[i] = a[i] * b[i];
}

extern "C" int cuk_mul(cu_stream s, float *y, const float *a, const float *b, int64_t n)
{
    if (n <= 0)
        return 0;
    k_mul<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(y, a, b, n);
    return launched();
}

__global__ void k_fill(float *y, float v, int64_t n) { GRID_LOOP(i, n) y[i] = v; }

extern "C" int cuk_fill(cu_stream s, float *y, float v, int64_t n)
{
    if (n <= 0)
        return 0;
    k_fill<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(y, v, n);
    return launched();
}

__global__ void k_mul_add(float *y, const float *a, const float *b, int64_t n)
{
    GRID_LOOP(i, n) y[i] += a[i] * b[i];
}

extern "C" int cuk_mul_add(cu_stream s, float *y, const float *a, const float *b, int64_t n)
{
    if (n <= 0)
        return 0;
    k_mul_add<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(y, a, b, n);
    return launched();
}

__global__ void k_fill_rows(float *y, const float *b, int64_t rows, int64_t n)
{
    GRID_LOOP(i, rows * n) y[i] = b[i % n];
}

extern "C" int cuk_fill_rows(cu_stream s, float *y, const float *b, int64_t rows, int64_t n)
{
    if (rows * n <= 0)
        return 0;
    k_fill_rows<<<blocks_for(rows * n), THREADS, 0, (cudaStream_t)s>>>(y, b, rows, n);
    return launched();
}

// One block per column chunk: threads stride the rows, then a shared reduction.
__global__ void k_col_sums_add(float *db, const float *dz, int64_t rows, int64_t n)
{
    int64_t j = blockIdx.x;
    __shared__ float part[THREADS];
    float acc = 0.0f;
    for (int64_t r = threadIdx.x; r < rows; r += blockDim.x)
        acc += dz[r * n + j];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int w = THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w)
            part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        db[j] += part[0];
}

extern "C" int cuk_col_sums_add(cu_stream s, float *db, const float *dz, int64_t rows, int64_t n)
{
    if (rows <= 0 || n <= 0)
        return 0;
    k_col_sums_add<<<(unsigned)n, THREADS, 0, (cudaStream_t)s>>>(db, dz, rows, n);
    return launched();
}

__global__ void k_act(int a, float *y, int64_t count) { GRID_LOOP(i, count) y[i] = act1(a, y[i]); }

// softmax: one thread per row (rows are the class axis: small)
__global__ void k_softmax(float *y, int64_t rows, int64_t n)
{
    GRID_LOOP(r, rows) {
        float *v = y + r * n;
        float mx = v[0];
        for (int64_t j = 1; j < n; j++)
            mx = v[j] > mx ? v[j] : mx;
        float s = 0.0f;
        for (int64_t j = 0; j < n; j++) {
            v[j] = expf(v[j] - mx);
            s += v[j];
        }
        for (int64_t j = 0; j < n; j++)
            v[j] /= s;
    }
}

extern "C" int cuk_act_forward(cu_stream s, int act, float *y, int64_t count, int64_t n)
{
    if (count <= 0 || act == 0)
        return 0;
    if (act == 5)
        k_softmax<<<blocks_for(count / n), THREADS, 0, (cudaStream_t)s>>>(y, count / n, n);
    else
        k_act<<<blocks_for(count), THREADS, 0, (cudaStream_t)s>>>(act, y, count);
    return launched();
}

__global__ void k_act_back(int a, const float *y, const float *dy, float *dz, int64_t count)
{
    GRID_LOOP(i, count) dz[i] = dy[i] * act1_grad(a, y[i]);
}

__global__ void k_softmax_back(const float *y, const float *dy, float *dz, int64_t rows, int64_t n)
{
    GRID_LOOP(r, rows) {
        const float *yr = y + r * n, *dr = dy + r * n;
        float s = 0.0f;
        for (int64_t j = 0; j < n; j++)
            s += dr[j] * yr[j];
        for (int64_t j = 0; j < n; j++)
            dz[r * n + j] = yr[j] * (dr[j] - s);
    }
}

extern "C" int cuk_act_backward(cu_stream s, int act, const float *y, const float *dy, float *dz,
                                int64_t count, int64_t n)
{
    if (count <= 0)
        return 0;
    if (act == 5)
        k_softmax_back<<<blocks_for(count / n), THREADS, 0, (cudaStream_t)s>>>(y, dy, dz,
                                                                              count / n, n);
    else
        k_act_back<<<blocks_for(count), THREADS, 0, (cudaStream_t)s>>>(act, y, dy, dz, count);
    return launched();
}

// --------------------------------------------------------------- sequences

__global__ void k_seq_copy(float *out, const float *x, const float *m, int64_t B, int64_t T,
                           int64_t F, bool reverse, bool add, bool out_tm, bool x_tm)
{
    GRID_LOOP(i, B * T * F) {
        int64_t f = i % F, r = i / F;
        int64_t s = out_tm ? r / B : r % T, b = out_tm ? r % B : r / T;
        int64_t t = reverse ? T - 1 - s : s;
        float v = x[(x_tm ? t * B + b : b * T + t) * F + f];
        if (m)
            v *= m[b * F + f];
        if (add)
            out[i] += v;
        else
            out[i] = v;
    }
}

extern "C" int cuk_seq_copy_tm(cu_stream s, float *out, bool out_tm, const float *x, bool x_tm,
                               const float *m, int64_t B, int64_t T, int64_t F, bool reverse,
                               bool add)
{
    if (B * T * F <= 0)
        return 0;
    k_seq_copy<<<blocks_for(B * T * F), THREADS, 0, (cudaStream_t)s>>>(out, x, m, B, T, F,
                                                                      reverse, add, out_tm, x_tm);
    return launched();
}

extern "C" int cuk_seq_copy(cu_stream s, float *out, const float *x, const float *m, int64_t B,
                            int64_t T, int64_t F, bool reverse, bool add)
{
    return cuk_seq_copy_tm(s, out, false, x, false, m, B, T, F, reverse, add);
}

__global__ void k_merge(int mode, float *y, const float *a, const float *b, int64_t B, int64_t T,
                        int64_t U, bool rev_b)
{
    GRID_LOOP(i, B * T * U) {
        int64_t u = i % U, bt = i / U, t = bt % T, bb = bt / T;
        float av = a[i];
        float bv = b[(bb * T + (rev_b ? T - 1 - t : t)) * U + u];
        switch (mode) {
        case 0:
            y[bt * 2 * U + u] = av;
            y[bt * 2 * U + U + u] = bv;
            break;
        case 1: y[i] = av + bv; break;
        case 2: y[i] = av * bv; break;
        default: y[i] = (av + bv) / 2.0f; break;
        }
    }
}

extern "C" int cuk_merge(cu_stream s, int mode, float *y, const float *a, const float *b,
                         int64_t B, int64_t T, int64_t U, bool rev_b)
{
    if (B * T * U <= 0)
        return 0;
    k_merge<<<blocks_for(B * T * U), THREADS, 0, (cudaStream_t)s>>>(mode, y, a, b, B, T, U, rev_b);
    return launched();
}

__global__ void k_merge_back(int mode, const float *dy, const float *a, const float *b, float *da,
                             float *db, int64_t B, int64_t T, int64_t U, bool rev_b)
{
    GRID_LOOP(i, B * T * U) {
        int64_t u = i % U, bt = i / U, t = bt % T, bb = bt / T;
        int64_t j = (bb * T + (rev_b ? T - 1 - t : t)) * U + u;
        float ga, gb;
        switch (mode) {
        case 0:
            ga = dy[bt * 2 * U + u];
            gb = dy[bt * 2 * U + U + u];
            break;
        case 1: ga = gb = dy[i]; break;
        case 2: ga = dy[i] * b[j]; gb = dy[i] * a[i]; break;
        default: ga = gb = dy[i] / 2.0f; break;
        }
        da[i] += ga;
        db[j] += gb;
    }
}

extern "C" int cuk_merge_backward(cu_stream s, int mode, const float *dy, const float *a,
                                  const float *b, float *da, float *db, int64_t B, int64_t T,
                                  int64_t U, bool rev_b)
{
    if (B * T * U <= 0)
        return 0;
    k_merge_back<<<blocks_for(B * T * U), THREADS, 0, (cudaStream_t)s>>>(mode, dy, a, b, da, db,
                                                                        B, T, U, rev_b);
    return launched();
}

// ------------------------------------------------------------ RNN weights

// Keras element -> weight-space index. which: 0 kernel (I rows), 1
// recurrent kernel (U rows), 2 bias row 0, 3 bias row 1 (GRU recurrent).
__device__ __forceinline__ int64_t rnn_dst(const cuk_rnn_map &m, int which, int64_t row,
                                           int64_t col)
{
    int64_t g = col / m.U, j = col % m.U;
    int id = m.id[g];
    switch (which) {
    case 0: return m.woff[id] + j * m.I + row;
    case 1: return m.woff[id + m.G] + j * m.U + row;
    case 2: return m.boff[id] + j;
    default: return m.boff[id + m.G] + j;
    }
}

__global__ void k_rnn_map(cuk_rnn_map m, bool pack, float *ws, const float *dws, const float *K,
                          const float *R, const float *bias, float *dK, float *dR, float *dbias)
{
    int64_t GU = m.G * m.U, nK = m.I * GU, nR = m.U * GU, nb = m.n_bias_rows * GU;
    GRID_LOOP(i, nK + nR + nb) {
        int which;
        int64_t k;
        if (i < nK) {
            which = 0;
            k = i;
        } else if (i < nK + nR) {
            which = 1;
            k = i - nK;
        } else {
            k = i - nK - nR;
            which = k < GU ? 2 : 3;
            k = k < GU ? k : k - GU;
        }
        int64_t row = k / GU, col = k % GU;
        int64_t d = rnn_dst(m, which, row, col);
        if (which == 3 && m.zero_rec_bias) {
            if (pack)
                ws[d] = 0.0f; /* Keras has one bias: cuDNN's recurrent one is 0 */
        } else if (pack) {
            const float *src = which == 0 ? K : which == 1 ? R : bias;
            ws[d] = src[which == 3 ? GU + k : k];
        } else {
            float *dst = which == 0 ? dK : which == 1 ? dR : dbias;
            dst[which == 3 ? GU + k : k] += dws[d];
        }
    }
}

extern "C" int cuk_rnn_pack(cu_stream s, const cuk_rnn_map *m, float *ws, const float *K,
                            const float *R, const float *bias)
{
    int64_t n = m->G * m->U * (m->I + m->U + m->n_bias_rows + (m->zero_rec_bias ? 1 : 0));
    k_rnn_map<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(*m, true, ws, NULL, K, R, bias, NULL,
                                                             NULL, NULL);
    return launched();
}

extern "C" int cuk_rnn_unpack_add(cu_stream s, const cuk_rnn_map *m, const float *dws, float *dK,
                                  float *dR, float *dbias)
{
    int64_t n = m->G * m->U * (m->I + m->U + m->n_bias_rows);
    k_rnn_map<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(*m, false, NULL, dws, NULL, NULL,
                                                             NULL, dK, dR, dbias);
    return launched();
}

// ----------------------------------------------------------------- scalars

__global__ void k_set_scalar(double *sc, int slot, double v) { sc[slot] = v; }

extern "C" int cuk_set_scalar(cu_stream s, double *scalars, int slot, double v)
{
    k_set_scalar<<<1, 1, 0, (cudaStream_t)s>>>(scalars, slot, v);
    return launched();
}

__global__ void k_all_finite(const float *x, int64_t n, double *sc, int slot)
{
    GRID_LOOP(i, n) {
        if (!isfinite(x[i]))
            sc[slot] = 0.0;
    }
}

extern "C" int cuk_all_finite(cu_stream s, const float *x, int64_t n, double *scalars, int slot)
{
    cuk_set_scalar(s, scalars, slot, 1.0);
    if (n > 0)
        k_all_finite<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(x, n, scalars, slot);
    return launched();
}

// ------------------------------------------------------------------ losses

#define LOSS_EPS 1e-7f
#define LOSS_HI (1.0f - 1e-7f)

__device__ __forceinline__ double tgt(const void *t, bool i32, int64_t i)
{
    return i32 ? (double)((const int32_t *)t)[i] : (double)((const float *)t)[i];
}

__device__ __forceinline__ float clip_prob(float p)
{
    return p < LOSS_EPS ? LOSS_EPS : (p > LOSS_HI ? LOSS_HI : p);
}

__device__ __forceinline__ bool in_clip(float p) { return p >= LOSS_EPS && p <= LOSS_HI; }

__device__ int64_t class_id(const void *t, bool i32, int64_t i, int64_t C)
{
    if (i32) {
        int64_t y = ((const int32_t *)t)[i];
        return y >= 0 && y < C ? y : -1;
    }
    float v = ((const float *)t)[i];
    if (!(v > -1.0f && v < (float)C))
        return -1;
    return (int64_t)v;
}

__device__ double row_lse(const float *x, int64_t C)
{
    float mx = x[0];
    for (int64_t c = 1; c < C; c++)
        mx = x[c] > mx ? x[c] : mx;
    double s = 0.0;
    for (int64_t c = 0; c < C; c++)
        s += exp((double)x[c] - mx);
    return mx + log(s);
}

__global__ void k_count_valid(const uint8_t *mask, int64_t R, double *sc, int slot)
{
    GRID_LOOP(r, R) {
        if (mask[r])
            atomicAdd(&sc[slot], 1.0);
    }
}

// one thread per row; w = 1 / valid rows read from sc[count_slot]
__global__ void k_loss(int kind, bool logits, const float *pred, const void *t, bool i32,
                       const uint8_t *mask, int64_t R, int64_t C, float *dpred, double *sc,
                       int slot, int count_slot)
{
    double valid = sc[count_slot];
    GRID_LOOP(r, R) {
        const float *p = pred + r * C;
        float *dp = dpred ? dpred + r * C : NULL;
        if ((mask && !mask[r]) || valid == 0.0) {
            if (dp)
                for (int64_t c = 0; c < C; c++)
                    dp[c] = 0.0f;
            continue;
        }
        double w = 1.0 / valid, l = 0.0;
        int64_t off = r * C;
        switch (kind) {
        case 0: // mse
            for (int64_t c = 0; c < C; c++) {
                double e = (double)p[c] - tgt(t, i32, off + c);
                l += e * e;
                if (dp)
                    dp[c] = (float)(w * 2.0 * e / (double)C);
            }
            l /= (double)C;
            break;
        case 1: // mae
            for (int64_t c = 0; c < C; c++) {
                double e = (double)p[c] - tgt(t, i32, off + c);
                l += fabs(e);
                if (dp)
                    dp[c] = (float)(w * (double)((e > 0) - (e < 0)) / (double)C);
            }
            l /= (double)C;
            break;
        case 2: { // bce
            double wc = w / (double)C;
            for (int64_t c = 0; c < C; c++) {
                double tv = tgt(t, i32, off + c);
                if (logits) {
                    double x = p[c];
                    l += (x > 0 ? x : 0.0) - x * tv + log1p(exp(-fabs(x)));
                    if (dp) {
                        double sg = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
                        dp[c] = (float)(wc * (sg - tv));
                    }
                } else {
                    double q = clip_prob(p[c]);
                    l += -(tv * log(q) + (1.0 - tv) * log(1.0 - q));
                    if (dp)
                        dp[c] = in_clip(p[c]) ? (float)(wc * (-tv / q + (1.0 - tv) / (1.0 - q)))
                                              : 0.0f;
                }
            }
            l /= (double)C;
            break;
        }
        case 3: { // cce
            if (logits) {
                double lse = row_lse(p, C), tsum = 0.0;
                for (int64_t c = 0; c < C; c++) {
                    double tv = tgt(t, i32, off + c);
                    l += tv * (lse - p[c]);
                    tsum += tv;
                }
                if (dp)
                    for (int64_t c = 0; c < C; c++)
                        dp[c] = (float)(w * (exp((double)p[c] - lse) * tsum - tgt(t, i32, off + c)));
            } else {
                double S = 0.0, gq = 0.0;
                for (int64_t c = 0; c < C; c++)
                    S += p[c];
                for (int64_t c = 0; c < C; c++) {
                    float qf = (float)(p[c] / S);
                    double tv = tgt(t, i32, off + c), q = clip_prob(qf);
                    l -= tv * log(q);
                    double g = in_clip(qf) ? -tv / q : 0.0;
                    gq += g * (p[c] / S);
                    if (dp)
                        dp[c] = (float)g;
                }
                if (dp)
                    for (int64_t c = 0; c < C; c++)
                        dp[c] = (float)(w * (dp[c] - gq) / S);
            }
            break;
        }
        default: { // sparse cce
            int64_t y = class_id(t, i32, r, C);
            if (y < 0) {
                l = NAN;
                if (dp)
                    for (int64_t c = 0; c < C; c++)
                        dp[c] = 0.0f;
                break;
            }
            if (logits) {
                double lse = row_lse(p, C);
                if (dp)
                    for (int64_t c = 0; c < C; c++)
                        dp[c] = (float)(w * (exp((double)p[c] - lse) - (c == y)));
                l = lse - p[y];
            } else {
                double S = 0.0;
                for (int64_t c = 0; c < C; c++)
                    S += p[c];
                float qf = (float)(p[y] / S);
                double q = clip_prob(qf);
                if (dp) {
                    double g = in_clip(qf) ? -1.0 / q : 0.0, qy = p[y] / S;
                    for (int64_t c = 0; c < C; c++)
                        dp[c] = (float)(w * g * ((c == y) - qy) / S);
                }
                l = -log(q);
            }
            break;
        }
        }
        atomicAdd(&sc[slot], l * w);
    }
}

extern "C" int cuk_loss(cu_stream s, int kind, bool from_logits, const float *pred,
                        const void *target, bool target_i32, const uint8_t *mask, int64_t R,
                        int64_t C, float *dpred, double *scalars, int slot, int count_slot)
{
    cudaStream_t st = (cudaStream_t)s;
    cuk_set_scalar(s, scalars, slot, 0.0);
    if (mask) {
        cuk_set_scalar(s, scalars, count_slot, 0.0);
        k_count_valid<<<blocks_for(R), THREADS, 0, st>>>(mask, R, scalars, count_slot);
    } else {
        cuk_set_scalar(s, scalars, count_slot, (double)R);
    }
    if (R > 0)
        k_loss<<<blocks_for(R), THREADS, 0, st>>>(kind, from_logits, pred, target, target_i32, mask,
                                                  R, C, dpred, scalars, slot, count_slot);
    return launched();
}

// ----------------------------------------------------------------- metrics

// numpy.argmax: first maximum, a NaN counts as the maximum
__device__ int64_t argmax_row(const float *x, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++) {
        if (isnan(x[best]))
            break;
        if (x[i] > x[best] || isnan(x[i]))
            best = i;
    }
    return best;
}

__device__ int64_t argmax_tgt(const void *t, bool i32, int64_t off, int64_t n)
{
    int64_t best = 0;
    double bv = tgt(t, i32, off);
    for (int64_t i = 1; i < n; i++) {
        double v = tgt(t, i32, off + i);
        if (isnan(bv))
            break;
        if (v > bv || isnan(v)) {
            best = i;
            bv = v;
        }
    }
    return best;
}

__global__ void k_metric(int kind, const float *pred, const void *t, bool i32, const uint8_t *mask,
                         int64_t R, int64_t C, double *sc, int slot)
{
    GRID_LOOP(r, R) {
        if (mask && !mask[r])
            continue;
        const float *pr = pred + r * C;
        int64_t off = r * C;
        double s = 0.0;
        switch (kind) {
        case 0: {
            int64_t hits = 0;
            for (int64_t c = 0; c < C; c++)
                hits += (pr[c] > 0.5f ? 1.0 : 0.0) == tgt(t, i32, off + c);
            s = (double)hits / (double)C;
            break;
        }
        case 1: s = argmax_row(pr, C) == argmax_tgt(t, i32, off, C); break;
        case 2: s = (double)argmax_row(pr, C) == tgt(t, i32, r); break;
        default: {
            double a = 0.0;
            for (int64_t c = 0; c < C; c++)
                a += fabs((double)pr[c] - tgt(t, i32, off + c));
            s = a / (double)C;
            break;
        }
        }
        atomicAdd(&sc[slot], s);
        atomicAdd(&sc[slot + 1], 1.0);
    }
}

extern "C" int cuk_metric(cu_stream s, int kind, const float *pred, const void *target,
                          bool target_i32, const uint8_t *mask, int64_t R, int64_t C,
                          double *scalars, int slot)
{
    cuk_set_scalar(s, scalars, slot, 0.0);
    cuk_set_scalar(s, scalars, slot + 1, 0.0);
    if (R > 0)
        k_metric<<<blocks_for(R), THREADS, 0, (cudaStream_t)s>>>(kind, pred, target, target_i32,
                                                                mask, R, C, scalars, slot);
    return launched();
}

// -------------------------------------------------------------- optimizers

__global__ void k_sum_squares(const float *g, int64_t n, double *out)
{
    __shared__ double part[THREADS];
    double acc = 0.0;
    GRID_LOOP(i, n) acc += (double)g[i] * g[i];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int w = THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w)
            part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        atomicAdd(out, part[0]);
}

extern "C" int cuk_sum_squares(cu_stream s, const float *g, int64_t n, double *out)
{
    cudaMemsetAsync(out, 0, sizeof(double), (cudaStream_t)s);
    unsigned b = blocks_for(n);
    k_sum_squares<<<b > 1024 ? 1024 : b, THREADS, 0, (cudaStream_t)s>>>(g, n, out);
    return launched();
}

__global__ void k_clip_scale(float *g, int64_t n, const double *sumsq, double c, bool global)
{
    double norm = sqrt(*sumsq);
    float sc;
    if (global) {
        double s = c * fmin(1.0 / norm, 1.0 / c) + (norm - norm);
        if (s == 1.0)
            return;
        sc = (float)s;
    } else {
        if (norm <= c)
            return;
        sc = (float)(c / norm);
    }
    GRID_LOOP(i, n) g[i] *= sc;
}

extern "C" int cuk_clip_scale(cu_stream s, float *g, int64_t n, const double *sumsq, double c,
                              bool global)
{
    if (n <= 0)
        return 0;
    k_clip_scale<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(g, n, sumsq, c, global);
    return launched();
}

__global__ void k_clip_value(float *g, int64_t n, float v)
{
    GRID_LOOP(i, n) g[i] = g[i] < -v ? -v : (g[i] > v ? v : g[i]);
}

extern "C" int cuk_clip_value(cu_stream s, float *g, int64_t n, float v)
{
    if (n <= 0)
        return 0;
    k_clip_value<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(g, n, v);
    return launched();
}

__global__ void k_decay(float *p, int64_t n, float wd, const cuk_ctl *ctl)
{
    if (ctl->halted)
        return;
    float lr = ctl->lr;
    GRID_LOOP(i, n) p[i] -= p[i] * wd * lr;
}

extern "C" int cuk_decay(cu_stream s, float *p, int64_t n, float wd, const cuk_ctl *ctl)
{
    if (n <= 0)
        return 0;
    k_decay<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(p, n, wd, ctl);
    return launched();
}

__global__ void k_sgd(float *p, const float *g, float *m, int64_t n, float mu, bool nesterov,
                      const cuk_ctl *ctl)
{
    if (ctl->halted)
        return;
    float lr = ctl->lr;
    GRID_LOOP(i, n) {
        if (!m) {
            p[i] -= g[i] * lr;
        } else {
            m[i] = m[i] * mu - g[i] * lr;
            if (nesterov)
                p[i] += m[i] * mu - g[i] * lr;
            else
                p[i] += m[i];
        }
    }
}

extern "C" int cuk_sgd(cu_stream s, float *p, const float *g, float *m, int64_t n, float mu,
                       bool nesterov, const cuk_ctl *ctl)
{
    if (n <= 0)
        return 0;
    k_sgd<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(p, g, m, n, mu, nesterov, ctl);
    return launched();
}

__global__ void k_rmsprop(float *p, const float *g, float *v, float *a, float *mm, int64_t n,
                          float rho, float r1, float mu, float eps, const cuk_ctl *ctl)
{
    if (ctl->halted)
        return;
    float lr = ctl->lr;
    GRID_LOOP(i, n) {
        v[i] = rho * v[i] + r1 * (g[i] * g[i]);
        float d = v[i];
        if (a) {
            a[i] = rho * a[i] + r1 * g[i];
            d = v[i] - a[i] * a[i];
        }
        if (mm) {
            mm[i] = mu * mm[i] + lr * g[i] / sqrtf(d + eps);
            p[i] -= mm[i];
        } else {
            p[i] -= lr * g[i] / sqrtf(d + eps);
        }
    }
}

extern "C" int cuk_rmsprop(cu_stream s, float *p, const float *g, float *v, float *a, float *mm,
                           int64_t n, float rho, float r1, float mu, float eps, const cuk_ctl *ctl)
{
    if (n <= 0)
        return 0;
    k_rmsprop<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(p, g, v, a, mm, n, rho, r1, mu, eps,
                                                             ctl);
    return launched();
}

// alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t), t = iteration + 1, in
// float as optimizers.c computes it
__global__ void k_adam(float *p, const float *g, float *m, float *v, float *vh, int64_t n,
                       float beta_1, float beta_2, float c1, float c2, float eps,
                       const cuk_ctl *ctl)
{
    if (ctl->halted)
        return;
    float t = (float)(ctl->iteration + 1);
    float b1p = powf(beta_1, t), b2p = powf(beta_2, t);
    float alpha = ctl->lr * sqrtf(1.0f - b2p) / (1.0f - b1p);
    GRID_LOOP(i, n) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (g[i] * g[i] - v[i]) * c2;
        float d = v[i];
        if (vh) {
            vh[i] = vh[i] > v[i] ? vh[i] : v[i];
            d = vh[i];
        }
        p[i] -= (m[i] * alpha) / (sqrtf(d) + eps);
    }
}

extern "C" int cuk_adam(cu_stream s, float *p, const float *g, float *m, float *v, float *vh,
                        int64_t n, float beta_1, float beta_2, float c1, float c2, float eps,
                        const cuk_ctl *ctl)
{
    if (n <= 0)
        return 0;
    k_adam<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(p, g, m, v, vh, n, beta_1, beta_2, c1,
                                                          c2, eps, ctl);
    return launched();
}

// ------------------------------------------------------ the step control

// dst row i = src row idx[ctl->counter * stride + i] (4-byte elements)
__global__ void k_gather_rows(uint32_t *dst, const uint32_t *src, const int32_t *idx,
                              const cuk_ctl *ctl, int64_t stride, int64_t n, int64_t row)
{
    const int32_t *ix = idx + ctl->counter * stride;
    GRID_LOOP(e, n * row) {
        int64_t i = e / row, j = e - i * row;
        dst[e] = src[(int64_t)ix[i] * row + j];
    }
}

extern "C" int cuk_gather_rows(cu_stream s, void *dst, const void *src, const int32_t *idx,
                               const cuk_ctl *ctl, int64_t stride, int64_t n, int64_t row)
{
    if (n * row <= 0)
        return 0;
    k_gather_rows<<<blocks_for(n * row), THREADS, 0, (cudaStream_t)s>>>(
        (uint32_t *)dst, (const uint32_t *)src, idx, ctl, stride, n, row);
    return launched();
}

// hist[counter * k + j] = sc[j]; a non-finite sum of the n_loss losses halts
__global__ void k_record(double *hist, const double *sc, int k, int n_loss, cuk_ctl *ctl)
{
    double total = 0.0;
    for (int j = 0; j < k; j++) {
        hist[ctl->counter * k + j] = sc[j];
        if (j < n_loss)
            total += sc[j];
    }
    if (!ctl->halted && !isfinite(total)) {
        ctl->halted = 1;
        ctl->halt_step = ctl->counter;
    }
}

extern "C" int cuk_record(cu_stream s, double *hist, const double *scalars, int k, int n_loss,
                          cuk_ctl *ctl)
{
    k_record<<<1, 1, 0, (cudaStream_t)s>>>(hist, scalars, k, n_loss, ctl);
    return launched();
}

// before the update: good = params, or (the loss of this step halted) params = good
__global__ void k_snapshot(float *p, float *good, int64_t n, const cuk_ctl *ctl)
{
    if (!ctl->halted) {
        GRID_LOOP(i, n) good[i] = p[i];
    } else if (ctl->halted == 1 && ctl->halt_step == ctl->counter) {
        GRID_LOOP(i, n) p[i] = good[i];
    }
}

extern "C" int cuk_snapshot(cu_stream s, float *params, float *good, int64_t n,
                            const cuk_ctl *ctl)
{
    if (n <= 0)
        return 0;
    k_snapshot<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(params, good, n, ctl);
    return launched();
}

__global__ void k_check_finite(const float *p, int64_t n, cuk_ctl *ctl)
{
    if (ctl->halted)
        return;
    GRID_LOOP(i, n) {
        if (!isfinite(p[i]))
            ctl->bad = 1;
    }
}

__global__ void k_restore_bad(float *p, const float *good, int64_t n, const cuk_ctl *ctl)
{
    if (ctl->halted || !ctl->bad)
        return;
    GRID_LOOP(i, n) p[i] = good[i];
}

__global__ void k_advance(cuk_ctl *ctl)
{
    if (!ctl->halted && ctl->bad) {
        ctl->halted = 2;
        ctl->halt_step = ctl->counter;
    }
    ctl->bad = 0;
    if (!ctl->halted)
        ctl->iteration++;
    ctl->counter++;
}

extern "C" int cuk_finish_step(cu_stream s, float *params, const float *good, int64_t n_check,
                               int64_t n, cuk_ctl *ctl)
{
    if (n_check > 0)
        k_check_finite<<<blocks_for(n_check), THREADS, 0, (cudaStream_t)s>>>(params, n_check, ctl);
    if (n > 0)
        k_restore_bad<<<blocks_for(n), THREADS, 0, (cudaStream_t)s>>>(params, good, n, ctl);
    k_advance<<<1, 1, 0, (cudaStream_t)s>>>(ctl);
    return launched();
}

// ------------------------------------------------------ batch normalization

// One block per feature f of x (N, F); mask (N) or NULL; double sums as
// batch-norm.c. Training: batch moments, moving statistics updated unless
// the step control halted; else the moving statistics.
__device__ double block_sum(double v, double *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w)
            sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

__global__ void k_bn_forward(const float *x, float *y, const uint8_t *mask, int64_t N, int64_t F,
                             const float *gamma, const float *beta, float *mm, float *mv,
                             float *mean, float *inv_std, float *flag, bool batch, float mom,
                             double eps, const cuk_ctl *ctl)
{
    __shared__ double sh[THREADS];
    int64_t f = blockIdx.x;
    float mu, s;
    if (batch) {
        double sum = 0.0, cnt = 0.0;
        for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
            double w = mask ? (mask[n] ? 1.0 : 0.0) : 1.0;
            cnt += w;
            if (w != 0.0)
                sum += x[n * F + f];
        }
        sum = block_sum(sum, sh);
        cnt = block_sum(cnt, sh);
        double D = mask ? cnt + 1e-7 : cnt;
        mu = (float)(sum / D);
        double sq = 0.0;
        for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
            if (mask && !mask[n])
                continue;
            double d = (double)x[n * F + f] - mu;
            sq += d * d;
        }
        sq = block_sum(sq, sh);
        double var = sq / D;
        s = (float)(1.0 / sqrt(var + eps));
        if (threadIdx.x == 0 && !(ctl && ctl->halted)) {
            mm[f] = mm[f] * mom + mu * (1.0f - mom);
            mv[f] = mv[f] * mom + (float)var * (1.0f - mom);
        }
    } else {
        mu = mm[f];
        s = (float)(1.0 / sqrt((double)mv[f] + eps));
    }
    if (threadIdx.x == 0) {
        mean[f] = mu;
        inv_std[f] = s;
        if (f == 0)
            flag[0] = batch ? 1.0f : 0.0f;
    }
    for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
        float v = (x[n * F + f] - mu) * s;
        if (gamma)
            v *= gamma[f];
        if (beta)
            v += beta[f];
        y[n * F + f] = v;
    }
}

extern "C" int cuk_bn_forward(cu_stream s, const float *x, float *y, const uint8_t *mask,
                              int64_t N, int64_t F, const float *gamma, const float *beta,
                              float *mm, float *mv, float *mean, float *inv_std, float *flag,
                              bool batch, float momentum, double eps, const cuk_ctl *ctl)
{
    if (F <= 0)
        return 0;
    k_bn_forward<<<(unsigned)F, THREADS, 0, (cudaStream_t)s>>>(x, y, mask, N, F, gamma, beta, mm,
                                                               mv, mean, inv_std, flag, batch,
                                                               momentum, eps, ctl);
    return launched();
}

__global__ void k_bn_backward(const float *x, const float *dy, float *dx, const uint8_t *mask,
                              int64_t N, int64_t F, const float *gamma, float *dgamma,
                              float *dbeta, const float *mean, const float *inv_std,
                              const float *flag)
{
    __shared__ double sh[THREADS];
    int64_t f = blockIdx.x;
    float mu = mean[f];
    double s = inv_std[f];
    double sdy = 0.0, sdyxc = 0.0, sxc = 0.0, cnt = 0.0;
    for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
        double w = mask ? (mask[n] ? 1.0 : 0.0) : 1.0;
        double xc = (double)x[n * F + f] - mu;
        double d = dy[n * F + f];
        cnt += w;
        sdy += d;
        sdyxc += d * xc;
        sxc += w * xc;
    }
    sdy = block_sum(sdy, sh);
    sdyxc = block_sum(sdyxc, sh);
    sxc = block_sum(sxc, sh);
    cnt = block_sum(cnt, sh);
    if (threadIdx.x == 0) {
        if (dgamma)
            dgamma[f] += (float)(sdyxc * inv_std[f]);
        if (dbeta)
            dbeta[f] += (float)sdy;
    }
    if (!dx)
        return;
    double gm = gamma ? gamma[f] : 1.0;
    if (flag[0] == 0.0f) {
        for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
            float g = dy[n * F + f] * (gamma ? gamma[f] : 1.0f);
            dx[n * F + f] += g * inv_std[f];
        }
        return;
    }
    double D = mask ? cnt + 1e-7 : cnt;
    double A = gm * sdy, Bs = gm * sdyxc;
    double dvar = -0.5 * s * s * s * Bs;
    double dmu = -s * A - 2.0 * dvar * sxc / D;
    double ca = D > 0.0 ? 2.0 * dvar / D : 0.0, cb = D > 0.0 ? dmu / D : 0.0;
    for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
        double g = (double)dy[n * F + f] * gm;
        double xc = (double)x[n * F + f] - mu;
        double v = g * s;
        if (!mask || mask[n])
            v += ca * xc + cb;
        dx[n * F + f] += (float)v;
    }
}

extern "C" int cuk_bn_backward(cu_stream s, const float *x, const float *dy, float *dx,
                               const uint8_t *mask, int64_t N, int64_t F, const float *gamma,
                               float *dgamma, float *dbeta, const float *mean,
                               const float *inv_std, const float *flag)
{
    if (F <= 0)
        return 0;
    k_bn_backward<<<(unsigned)F, THREADS, 0, (cudaStream_t)s>>>(x, dy, dx, mask, N, F, gamma,
                                                                dgamma, dbeta, mean, inv_std,
                                                                flag);
    return launched();
}

// ------------------------------------------------------------------ slabs

// dst[o * dld + doff + j] (+)= src[o * sld + soff + j], o < rows, j < w
__global__ void k_slab(float *dst, int64_t dld, int64_t doff, const float *src, int64_t sld,
                       int64_t soff, int64_t rows, int64_t w, bool add)
{
    GRID_LOOP(e, rows * w) {
        int64_t o = e / w, j = e - o * w;
        float v = src[o * sld + soff + j];
        float *d = dst + o * dld + doff + j;
        *d = add ? *d + v : v;
    }
}

extern "C" int cuk_slab(cu_stream s, float *dst, int64_t dld, int64_t doff, const float *src,
                        int64_t sld, int64_t soff, int64_t rows, int64_t w, bool add)
{
    if (rows * w <= 0)
        return 0;
    k_slab<<<blocks_for(rows * w), THREADS, 0, (cudaStream_t)s>>>(dst, dld, doff, src, sld, soff,
                                                                  rows, w, add);
    return launched();
}
