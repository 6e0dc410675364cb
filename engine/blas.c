/* blas.c — the one place that calls BLAS (OpenBLAS's cblas), and where its
 * threads are chosen per product: OpenBLAS's own threading makes the small
 * products of a recurrent step (tens of microseconds) several times slower,
 * so they run on one thread and only big products use all of them. */
#include "ur-internal.h"

#include <cblas.h>

/* Below this many multiply-adds a product runs on one thread. */
#define UR_GEMM_THREAD_MIN (16.0 * 1024 * 1024)

static int want_threads = 0;   /* 0: not chosen yet (OpenBLAS's default) */
static int cur_threads = 0;

static void use_threads(int n)
{
    if (n != cur_threads) {
        openblas_set_num_threads(n);
        cur_threads = n;
    }
}


void ur_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb,
              float beta, float *C, int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) {
        /* C = beta * C: BLAS would do this too, but be explicit */
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return;
    }
    if (want_threads == 0)
        want_threads = cur_threads = openblas_get_num_threads();
    if (want_threads > 1)
        use_threads((double)M * (double)N * (double)K < UR_GEMM_THREAD_MIN ? 1 : want_threads);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void ur_blas_set_threads(int n)
{
    want_threads = n > 0 ? n : 1;
    use_threads(want_threads);
}

int ur_blas_threads(void) { return want_threads ? want_threads : openblas_get_num_threads(); }
