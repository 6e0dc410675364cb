/* check.h — the small harness of the training tests: CHECK (prints and
 * counts a failure, goes on), tolerant comparison, tensor and shape views
 * of test arrays, and the exit status meson expects. */
#ifndef TRAINING_CHECK_H
#define TRAINING_CHECK_H

#include "ur-internal.h"

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);               \
            printf(__VA_ARGS__);                                      \
            printf("\n");                                             \
            failures++;                                               \
        }                                                             \
    } while (0)

/* |a - b| <= atol + rtol * max(|a|, |b|) */
static inline bool close_to(double a, double b, double atol, double rtol)
{
    return fabs(a - b) <= atol + rtol * fmax(fabs(a), fabs(b));
}

/* A tensor view of a test array, rank <= 3. */
static inline ur_tensor tensor(ur_dtype dtype, const void *data, int rank, int64_t d0,
                               int64_t d1, int64_t d2)
{
    ur_tensor t = {.dtype = dtype, .rank = rank, .data = (void *)data};
    int64_t d[3] = {d0, d1, d2};
    for (int i = 0; i < rank; i++)
        t.dim[i] = d[i];
    return t;
}

static inline ur_shape shape(int rank, int64_t d0, int64_t d1, int64_t d2)
{
    ur_shape s = {.rank = rank, .dim = {d0, d1, d2}};
    return s;
}

/* main's return value: 0 when every CHECK held, 1 otherwise. */
static inline int check_done(const char *what)
{
    if (failures) {
        printf("%s: %d failure(s)\n", what, failures);
        return 1;
    }
    printf("%s: all passed\n", what);
    return 0;
}

#endif
