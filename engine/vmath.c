/* vmath.c — vectorised exp, sigmoid and tanh for the recurrent cells' inner
 * loops: AVX2/FMA (8 floats at a time) with the same Cephes polynomials as
 * the scalar ur_fast_expf/ur_fast_tanhf in ur-internal.h, which handle the
 * tails and builds without AVX2. About 1 ulp from libm. */
#include "ur-internal.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365447504f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fmadd_ps(fx, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)),
                                  23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static inline __m256 sigmoid8(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

static inline __m256 tanh8(__m256 x)
{
    __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 s = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(2.06390887954E-2f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-5.37397155531E-2f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.33314422036E-1f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-3.33332819422E-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, s), x, x);
    __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    __m256 e = exp8(_mm256_mul_ps(two, ax));
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
    big = _mm256_or_ps(big, _mm256_and_ps(sign, x));
    __m256 use_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, use_small);
}
#endif

void ur_fast_act(ur_activation a, float *x, int64_t n)
{
    int64_t i = 0;
    switch (a) {
    case UR_ACT_TANH:
#if defined(__AVX2__) && defined(__FMA__)
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(x + i, tanh8(_mm256_loadu_ps(x + i)));
#endif
        for (; i < n; i++)
            x[i] = ur_fast_tanhf(x[i]);
        break;
    case UR_ACT_SIGMOID:
#if defined(__AVX2__) && defined(__FMA__)
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(x + i, sigmoid8(_mm256_loadu_ps(x + i)));
#endif
        for (; i < n; i++)
            x[i] = ur_fast_sigmoidf(x[i]);
        break;
    case UR_ACT_HARD_SIGMOID:
        for (; i < n; i++) {
            float y = x[i] / 6.0f + 0.5f;
            x[i] = y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
        }
        break;
    case UR_ACT_RELU:
        for (; i < n; i++)
            x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    default:
        break;
    }
}
