/* fuzz-npy.c — libFuzzer target for the .npy reader (ur_npy_read_mem) in
 * both conversion modes. A failure must carry a message naming the input;
 * an array that was read must survive ur_npy_write_mem and a second read
 * bit for bit. */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int w = 0; w < 2; w++) {
        ur_npy_want want = w ? UR_NPY_FLOAT32 : UR_NPY_ANY;
        ur_ctx ctx = {0};
        ur_array *a = ur_npy_read_mem(data, size, want, "fuzz.npy", &ctx);
        if (!a) {
            if (ctx.status == UR_OK || strncmp(ctx.message, "fuzz.npy: ", 10) != 0) {
                fprintf(stderr, "failure without a message: %s\n", ctx.message);
                abort();
            }
            continue;
        }
        if (w == 1 && a->t.dtype != UR_F32)
            abort();
        size_t len;
        void *buf = ur_npy_write_mem(&a->t, &len);
        ur_array *b = buf ? ur_npy_read_mem(buf, len, UR_NPY_ANY, "again", &ctx) : NULL;
        if (!b || b->t.dtype != a->t.dtype || b->t.rank != a->t.rank ||
            memcmp(b->t.dim, a->t.dim, sizeof(int64_t) * (size_t)a->t.rank) != 0 ||
            memcmp(b->t.data, a->t.data, (size_t)ur_tensor_numel(&a->t) * 4) != 0) {
            fprintf(stderr, "write/read round trip failed: %s\n", ctx.message);
            abort();
        }
        ur_array_free(b);
        free(buf);
        ur_array_free(a);
    }
    return 0;
}
