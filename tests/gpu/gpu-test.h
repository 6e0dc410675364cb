/* gpu-test.h — what the GPU tests share: skip (exit 77) when no GPU is
 * usable, and the closing line with the failure count. */
#ifndef GPU_TEST_H
#define GPU_TEST_H

#include "backend.h"

#include <stdio.h>
#include <stdlib.h>

/* Exits 77 with the reason when cuda:0 cannot be opened. */
static inline void gpu_test_require(void)
{
    char why[512];
    ur_backend *be = ur_backend_cuda_open(0, true, why, sizeof why);
    if (!be) {
        printf("SKIP: no usable GPU: %s\n", why);
        exit(77);
    }
    be->destroy(be);
}

/* The exit status for failures, after a last line saying how it went. */
static inline int gpu_test_done(int failures, const char *ok)
{
    if (failures)
        printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
    else
        printf("%s\n", ok);
    return failures ? 1 : 0;
}

#endif
