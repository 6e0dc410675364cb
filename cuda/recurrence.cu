// recurrence.cu — the module's own recurrent kernels, for what cuDNN cannot
// express (other activations, GRU reset_after=false) and for small layers,
// where one kernel per direction beats cuDNN's step-by-step launches: one
// block per sequence runs the whole recurrence with the recurrent kernel in
// shared memory; the input projection and the weight gradients are GEMMs
// outside (cuBLAS). The formulas are the CPU's (lstm.c, gru.c,
// simple-rnn.c), activations as kernels.cu's.
#include "kernels.h"

#include <cuda_runtime.h>

#include "activations.cuh"

__host__ __device__ static inline int gates_of(int cell) { return cell == CUK_CELL_LSTM ? 4 : cell == CUK_CELL_SIMPLE ? 1 : 3; }

static size_t smem_bytes(int cell, int64_t U)
{
    int64_t GU = gates_of(cell) * U;
    return (size_t)(U * (GU + 1) + 2 * U + 2 * GU) * sizeof(float);
}

// sum_k v[k] w[k * stride] for k < n, four independent chains (32-bit
// indices: the loops are the kernels' inner ones)
__device__ __forceinline__ float dot4(const float *v, const float *w, int stride, int n)
{
    float q0 = 0.0f, q1 = 0.0f, q2 = 0.0f, q3 = 0.0f;
    int k = 0;
#pragma unroll 4
    for (; k + 4 <= n; k += 4) {
        q0 += v[k] * w[k * stride];
        q1 += v[k + 1] * w[(k + 1) * stride];
        q2 += v[k + 2] * w[(k + 2) * stride];
        q3 += v[k + 3] * w[(k + 3) * stride];
    }
    for (; k < n; k++)
        q0 += v[k] * w[k * stride];
    return (q0 + q1) + (q2 + q3);
}

// R (U, GU) into shared memory rows of ld = GU + 1 (no bank conflicts
// down a column or along a row)
__device__ __forceinline__ void load_r(float *Rs, const float *R, int U, int GU, int ld)
{
    /* eight rows' loads in flight at once: one global latency per eight */
    for (int k0 = 0; k0 < U; k0 += 8)
        for (int c = threadIdx.x; c < GU; c += blockDim.x) {
            float v[8];
#pragma unroll
            for (int i = 0; i < 8; i++)
                v[i] = k0 + i < U ? R[(k0 + i) * GU + c] : 0.0f;
#pragma unroll
            for (int i = 0; i < 8; i++)
                if (k0 + i < U)
                    Rs[(k0 + i) * ld + c] = v[i];
        }
}

extern "C" bool cuk_rec_fits(int cell, int64_t U)
{
    int64_t GU = gates_of(cell) * U;
    return GU <= 1024 && smem_bytes(cell, U) <= 160u * 1024u;
}

static unsigned block_threads(int cell, int64_t U)
{
    int64_t n = gates_of(cell) * U;
    return (unsigned)((n + 31) / 32 * 32);
}

// Register variant (U <= 64, U % 4 == 0): sum_k v[k] r[k] with v read from
// shared memory as float4 broadcasts and r the thread's own column or row
// of the recurrent kernel, held in registers
#define REG_U 64
__device__ __forceinline__ float dotr(const float *v, const float (&r)[REG_U], int U)
{
    const float4 *v4 = (const float4 *)v;
    float q0 = 0.0f, q1 = 0.0f, q2 = 0.0f, q3 = 0.0f;
#pragma unroll
    for (int k = 0; k < REG_U; k += 4)
        if (k < U) {
            float4 h = v4[k / 4];
            q0 += h.x * r[k];
            q1 += h.y * r[k + 1];
            q2 += h.z * r[k + 2];
            q3 += h.w * r[k + 3];
        }
    return (q0 + q1) + (q2 + q3);
}

static bool use_regs(int64_t U) { return U <= REG_U && U % 4 == 0; }

// One block per sequence b, thread j per gate column (j < U also per unit).
template <bool REG> __global__ void k_rec_forward(cuk_rec a)
{
    extern __shared__ float sm[];
    const int cell = a.cell;
    const int U = (int)a.U, GU = gates_of(cell) * U, ld = GU + 1;
    const int64_t T = a.T;
    /* h is double-buffered: hb[cur] is read by a step, hb[!cur] written */
    float *Rs = sm, *hb[2] = {Rs + U * ld, Rs + U * ld + U}, *zs = hb[1] + U, *rhs = zs + GU;
    const int64_t b = blockIdx.x;
    const int j = threadIdx.x;
    load_r(Rs, a.R, U, GU, ld);
    /* REG: column j of R in registers */
    float rc[REG ? REG_U : 1];
    if constexpr (REG) {
#pragma unroll
        for (int k = 0; k < REG_U; k++)
            rc[k] = k < U && j < GU ? a.R[k * GU + j] : 0.0f;
    }
    float c_reg = 0.0f;
    int cur = 0;
    if (j < U) {
        hb[0][j] = a.h0 ? a.h0[b * U + j] : 0.0f;
        if (cell == CUK_CELL_LSTM)
            c_reg = a.c0 ? a.c0[b * U + j] : 0.0f;
    }
    __syncthreads();
    const int ncol = cell == CUK_CELL_GRU_BEFORE ? 2 * U : GU;
    /* per-thread constants, and each step's inputs loaded one step ahead */
    const bool after = cell == CUK_CELL_GRU_AFTER;
    const float bxj = j < GU && a.bx ? a.bx[j] : 0.0f, rb = j < GU && a.bh ? a.bh[j] : 0.0f;
    const float bxh = after && j < U && a.bx ? a.bx[2 * U + j] : 0.0f;
    float xv_next = j < GU ? a.xz[b * T * GU + j] : 0.0f;
    float xh_next = after && j < U ? a.xz[b * T * GU + 2 * U + j] : 0.0f;
    for (int64_t s = 0; s < T; s++) {
        const int64_t row = b * T + s;
        const float xv_in = xv_next, xh_in = xh_next;
        if (s + 1 < T) {
            if (j < GU)
                xv_next = a.xz[(row + 1) * GU + j];
            if (after && j < U)
                xh_next = a.xz[(row + 1) * GU + 2 * U + j];
        }
        const float *hs = hb[cur];
        if (j < GU) {
            float q = 0.0f;
            if (j < ncol) {
                if constexpr (REG)
                    q = dotr(hs, rc, U);
                else
                    q = dot4(hs, Rs + j, ld, U);
            }
            float xv = xv_in + bxj;
            if (cell == CUK_CELL_GRU_AFTER && j >= 2 * U)
                zs[j] = q + rb; // q_h: the candidate's recurrent part
            else
                zs[j] = xv + q + rb;
        }
        __syncthreads();
        if (cell == CUK_CELL_GRU_BEFORE) {
            if (j < U)
                rhs[j] = act1(a.ract, zs[U + j]) * hs[j];
            __syncthreads();
            if (j >= 2 * U && j < GU) {
                if constexpr (REG)
                    zs[j] += dotr(rhs, rc, U);
                else
                    zs[j] += dot4(rhs, Rs + j, ld, U);
            }
            __syncthreads();
        }
        float h = 0.0f;
        if (j < U) {
            float hp = hs[j];
            float *g = a.gates + row * GU;
            a.hp[row * U + j] = hp;
            if (cell == CUK_CELL_SIMPLE) {
                h = act1(a.act, zs[j]);
            } else if (cell == CUK_CELL_LSTM) {
                float i = act1(a.ract, zs[j]), f = act1(a.ract, zs[U + j]);
                float gg = act1(a.act, zs[2 * U + j]), o = act1(a.ract, zs[3 * U + j]);
                float c = f * c_reg + i * gg;
                h = o * act1(a.act, c);
                g[j] = i;
                g[U + j] = f;
                g[2 * U + j] = gg;
                g[3 * U + j] = o;
                a.extra[row * U + j] = c;
                c_reg = c;
            } else {
                float z = act1(a.ract, zs[j]), r = act1(a.ract, zs[U + j]), hh;
                if (cell == CUK_CELL_GRU_AFTER) {
                    float qh = zs[2 * U + j];
                    hh = act1(a.act, xh_in + bxh + r * qh);
                    a.extra[row * U + j] = qh;
                } else {
                    hh = act1(a.act, zs[2 * U + j]);
                    a.extra[row * U + j] = rhs[j];
                }
                h = z * hp + (1.0f - z) * hh;
                g[j] = z;
                g[U + j] = r;
                g[2 * U + j] = hh;
            }
            a.y[row * U + j] = h;
            hb[cur ^ 1][j] = h;
        }
        cur ^= 1;
        __syncthreads();
    }
    if (j < U) {
        if (a.hT)
            a.hT[b * U + j] = hb[cur][j];
        if (cell == CUK_CELL_LSTM && a.cT)
            a.cT[b * U + j] = c_reg;
    }
}

// unit j's values of step s for backward (see k_rec_backward)
__device__ __forceinline__ void rec_load(const cuk_rec &a, int64_t b, int64_t s, int j, float *v)
{
    const int64_t U = a.U, T = a.T, G = gates_of(a.cell), row = b * T + s;
    v[0] = a.dy ? a.dy[row * U + j] : 0.0f;
    v[1] = a.hp[row * U + j];
    v[2] = a.cell == CUK_CELL_SIMPLE ? a.y[row * U + j] : 0.0f;
    const float *g = a.gates + row * G * U;
    v[3] = G > 1 ? g[j] : 0.0f;
    v[4] = G > 1 ? g[U + j] : 0.0f;
    v[5] = G > 2 ? g[2 * U + j] : 0.0f;
    v[6] = G > 3 ? g[3 * U + j] : 0.0f;
    v[7] = a.cell != CUK_CELL_SIMPLE ? a.extra[row * U + j] : 0.0f;
    v[8] = a.cell == CUK_CELL_LSTM
               ? (s > 0 ? a.extra[(row - 1) * U + j] : (a.c0 ? a.c0[b * U + j] : 0.0f))
               : 0.0f;
}

template <bool REG> __global__ void k_rec_backward(cuk_rec a)
{
    extern __shared__ float sm[];
    const int cell = a.cell;
    const int U = (int)a.U, GU = gates_of(cell) * U, ld = GU + 1;
    const int64_t T = a.T;
    float *Rs = sm, *dhs = Rs + U * ld, *spare = dhs + U, *dzs = spare + U, *part = dzs + GU;
    const int64_t b = blockIdx.x;
    const int j = threadIdx.x;
    load_r(Rs, a.R, U, GU, ld);
    /* REG: thread (blk, u) = j holds row u of R's gate block blk */
    float rr[REG ? REG_U : 1];
    if constexpr (REG) {
        int u = j % U, blk = j / U;
#pragma unroll
        for (int c = 0; c < REG_U; c++)
            rr[c] = c < U && j < GU ? a.R[u * GU + blk * U + c] : 0.0f;
    }
    float dc_reg = 0.0f;
    if (j < U) {
        dhs[j] = a.dhT ? a.dhT[b * U + j] : 0.0f;
        if (cell == CUK_CELL_LSTM)
            dc_reg = a.dcT ? a.dcT[b * U + j] : 0.0f;
    }
    __syncthreads();
    const int ncol = cell == CUK_CELL_GRU_BEFORE ? 2 * U : GU;
    /* unit j's inputs of a step, loaded one step ahead:
     * dy, h_prev, y, gates 0..3, extra, extra of the step before */
    float nx[9];
    if (j < U)
        rec_load(a, b, T - 1, j, nx);
    for (int64_t s = T - 1; s >= 0; s--) {
        const int64_t row = b * T + s;
        float *dzx = a.dzx + row * GU;
        float *dzr = a.dzr ? a.dzr + row * GU : dzx;
        float direct = 0.0f, hp = 0.0f, dah = 0.0f, v[9];
        for (int k = 0; k < 9; k++)
            v[k] = nx[k];
        if (j < U && s > 0)
            rec_load(a, b, s - 1, j, nx);
        if (j < U) {
            float dh = dhs[j] + v[0];
            hp = v[1];
            if (cell == CUK_CELL_SIMPLE) {
                float da = dh * act1_grad(a.act, v[2]);
                dzx[j] = da;
                dzs[j] = da;
            } else if (cell == CUK_CELL_LSTM) {
                float i = v[3], f = v[4], gg = v[5], o = v[6];
                float c = v[7], cp = v[8];
                float ac = act1(a.act, c);
                float dc = dh * o * act1_grad(a.act, ac) + dc_reg;
                float d_o = dh * ac * act1_grad(a.ract, o);
                float di = dc * gg * act1_grad(a.ract, i);
                float dg = dc * i * act1_grad(a.act, gg);
                float df = dc * cp * act1_grad(a.ract, f);
                dc_reg = dc * f;
                dzx[j] = dzs[j] = di;
                dzx[U + j] = dzs[U + j] = df;
                dzx[2 * U + j] = dzs[2 * U + j] = dg;
                dzx[3 * U + j] = dzs[3 * U + j] = d_o;
            } else {
                float z = v[3], r = v[4], hh = v[5];
                float daz = dh * (hp - hh) * act1_grad(a.ract, z);
                dah = dh * (1.0f - z) * act1_grad(a.act, hh);
                direct = dh * z;
                dzx[j] = dzs[j] = daz;
                dzx[2 * U + j] = dah;
                if (cell == CUK_CELL_GRU_AFTER) {
                    float qh = v[7];
                    float dar = dah * qh * act1_grad(a.ract, r);
                    dzx[U + j] = dzs[U + j] = dar;
                    dzr[j] = daz;
                    dzr[U + j] = dar;
                    dzr[2 * U + j] = dzs[2 * U + j] = dah * r;
                } else {
                    dzs[2 * U + j] = dah;
                }
            }
        }
        __syncthreads();
        if (cell == CUK_CELL_GRU_BEFORE) {
            // d(r h) = dah · U_hᵀ; dr = d(rh) h_prev; dh_prev += d(rh) r
            if constexpr (REG) {
                if (j >= 2 * U && j < GU) /* these threads hold U_h's rows */
                    part[j - 2 * U] = dotr(dzs + 2 * U, rr, U);
                __syncthreads();
            }
            if (j < U) {
                float drh;
                if constexpr (REG)
                    drh = part[j];
                else
                    drh = dot4(dzs + 2 * U, Rs + j * ld + 2 * U, 1, U);
                float r = v[4];
                float dar = drh * hp * act1_grad(a.ract, r);
                spare[j] = dar;
                direct += drh * r;
            }
            __syncthreads();
            if (j < U) {
                dzx[U + j] = spare[j];
                dzs[U + j] = spare[j];
            }
            __syncthreads();
        }
        // dh_prev = direct + dzs · Rᵀ: thread (p, u) sums gate block p of unit u
        if (j < ncol) {
            int u = j % U, blk = j / U;
            if constexpr (REG)
                part[j] = dotr(dzs + blk * U, rr, U);
            else
                part[j] = dot4(dzs + blk * U, Rs + u * ld + blk * U, 1, U);
        }
        __syncthreads();
        /* only thread j reads dhs[j] next: no barrier after the write; part
         * and dzs are rewritten after the next step's first barrier */
        if (j < U) {
            float acc = direct;
            for (int blk = 0; blk < ncol / U; blk++)
                acc += part[blk * U + j];
            dhs[j] = acc;
        }
    }
    if (j < U) {
        if (a.dh0)
            a.dh0[b * U + j] = dhs[j];
        if (cell == CUK_CELL_LSTM && a.dc0)
            a.dc0[b * U + j] = dc_reg;
    }
}

static int launch(bool forward, cu_stream s, const cuk_rec *a)
{
    size_t sm = smem_bytes(a->cell, a->U);
    bool reg = use_regs(a->U);
    const void *fn = forward ? (reg ? (const void *)k_rec_forward<true>
                                    : (const void *)k_rec_forward<false>)
                             : (reg ? (const void *)k_rec_backward<true>
                                    : (const void *)k_rec_backward<false>);
    if (sm > 48u * 1024u) {
        cudaError_t e = cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             (int)sm);
        if (e != cudaSuccess)
            return (int)e;
    }
    if (a->B <= 0 || a->T <= 0)
        return 0;
    unsigned th = block_threads(a->cell, a->U);
    if (forward && reg)
        k_rec_forward<true><<<(unsigned)a->B, th, sm, (cudaStream_t)s>>>(*a);
    else if (forward)
        k_rec_forward<false><<<(unsigned)a->B, th, sm, (cudaStream_t)s>>>(*a);
    else if (reg)
        k_rec_backward<true><<<(unsigned)a->B, th, sm, (cudaStream_t)s>>>(*a);
    else
        k_rec_backward<false><<<(unsigned)a->B, th, sm, (cudaStream_t)s>>>(*a);
    return (int)cudaGetLastError();
}

extern "C" int cuk_rec_forward(cu_stream s, const cuk_rec *a) { return launch(true, s, a); }
extern "C" int cuk_rec_backward(cu_stream s, const cuk_rec *a) { return launch(false, s, a); }
