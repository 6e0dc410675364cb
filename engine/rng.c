/* rng.c — the seeded generator of a run: xoshiro256** seeded through
 * splitmix64, uniform, normal (Box-Muller), bounded integers, shuffling. */
#include "ur-internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ur_rng_seed(ur_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->has_spare = false;
    r->spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ur_rng_next(ur_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ur_rng_uniform(ur_rng *r) { return (double)(ur_rng_next(r) >> 11) * 0x1.0p-53; }

double ur_rng_normal(ur_rng *r)
{
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u1, u2;
    do
        u1 = ur_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = ur_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    r->spare = rad * sin(2.0 * M_PI * u2);
    r->has_spare = true;
    return rad * cos(2.0 * M_PI * u2);
}

uint64_t ur_rng_below(ur_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = ur_rng_next(r);
    while (x >= limit);
    return x % n;
}

void ur_rng_shuffle(ur_rng *r, int64_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)ur_rng_below(r, (uint64_t)i + 1);
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

void ur_dropout_mask(ur_rng *rng, float rate, float *mask, int64_t n)
{
    float keep = 1.0f / (1.0f - rate);
    for (int64_t i = 0; i < n; i++)
        mask[i] = ur_rng_uniform(rng) < rate ? 0.0f : keep;
}
