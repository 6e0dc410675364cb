/* fuzz-safetensors.c — libFuzzer target for the safetensors reader
 * (ur_safetensors_read_mem): header length, the JSON header, dtypes,
 * shapes and data offsets. A failure must carry a message naming the input;
 * a file that was read must have named, distinct float32 tensors. */
#include "safetensors.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ur_ctx ctx = {0};
    ur_safetensors *st = ur_safetensors_read_mem(data, size, "fuzz.safetensors", &ctx);
    if (!st) {
        if (ctx.status == UR_OK || strncmp(ctx.message, "fuzz.safetensors: ", 18) != 0) {
            fprintf(stderr, "failure without a message: %s\n", ctx.message);
            abort();
        }
        return 0;
    }
    for (int i = 0; i < st->n; i++) {
        const ur_array *a = st->arrays[i];
        if (!a->name || a->t.dtype != UR_F32 || ur_safetensors_get(st, a->name) != a)
            abort();
    }
    if (st->metadata && st->metadata->type != UR_VALUE_OBJECT)
        abort();
    ur_safetensors_free(st);
    return 0;
}
