/* fuzz-csv.c — libFuzzer target for the CSV series reader
 * (ur_dataset_csv_mem): headers, separators, quoting, ragged rows, holes and
 * words among numbers, and the windowing options (the input's first byte
 * picks a set). A failure must carry a message naming the input; a dataset
 * that was made must have windows of the asked shape and finite values
 * taken from the file. */
#include "datasets.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const specs[] = {
        "fuzz.csv?window=1",
        "fuzz.csv?window=2&horizon=2&stride=3",
        "fuzz.csv?window=1&val=0.5&standardize=true",
        "fuzz.csv?window=1&target=a&features=a,b",
        "fuzz.csv",
    };
    if (size == 0)
        return 0;
    const char *spec = specs[data[0] % (sizeof specs / sizeof specs[0])];
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_csv_mem((const char *)data + 1, size - 1, spec, &ctx);
    if (!ds) {
        if (ctx.status == UR_OK || strncmp(ctx.message, "fuzz.csv", 8) != 0) {
            fprintf(stderr, "failure without a message: %s\n", ctx.message);
            abort();
        }
        return 0;
    }
    const ur_data *parts[2] = {&ds->train, &ds->val};
    for (int p = 0; p < 2; p++) {
        const ur_data *d = parts[p];
        if (d->n_x == 0)
            continue;
        const ur_array *x = d->x[0], *y = d->y[0];
        if (d->n_x != 1 || d->n_y != 1 || x->t.rank != 3 || y->t.rank != 2 ||
            x->t.dim[0] != y->t.dim[0] || x->t.dim[0] < 1)
            abort();
        for (int64_t i = 0; i < ur_tensor_numel(&x->t); i++)
            if (!isfinite(ur_tensor_f32(&x->t)[i]))
                abort();
        for (int64_t i = 0; i < ur_tensor_numel(&y->t); i++)
            if (!isfinite(ur_tensor_f32(&y->t)[i]))
                abort();
    }
    ur_dataset_free(ds);
    return 0;
}
