/* fuzz-npz.c — libFuzzer target for the .npz reader (ur_npz_read_mem):
 * zip directories, zip64 records, stored and deflated members, CRCs and the
 * .npy members inside. A failure must carry a message naming the input; an
 * archive that was read must have named, distinct, findable arrays. */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ur_ctx ctx = {0};
    ur_npz *z = ur_npz_read_mem(data, size, UR_NPY_ANY, "fuzz.npz", &ctx);
    if (!z) {
        if (ctx.status == UR_OK || strncmp(ctx.message, "fuzz.npz: ", 10) != 0) {
            fprintf(stderr, "failure without a message: %s\n", ctx.message);
            abort();
        }
        return 0;
    }
    for (int i = 0; i < z->n; i++) {
        const ur_array *a = z->arrays[i];
        if (!a->name || ur_npz_get(z, a->name) != a)
            abort();
        int64_t n = ur_tensor_numel(&a->t);
        if (n < 0 || (n > 0 && !a->t.data))
            abort();
    }
    ur_npz_free(z);
    return 0;
}
