/* fuzz-model-file.c — libFuzzer target for the whole model-file path: JSON
 * text -> ur_model_file_parse -> graph (options, wiring, shape inference)
 * -> ur_graph_check, and for small valid graphs a model with initialised
 * weights, one forward pass in training mode and one backward pass on
 * inputs of the declared shapes (free axes of size 3). Every input either
 * fails with a message or runs; nothing may crash, leak or hit undefined
 * behaviour. */
#include "model-file.h"
#include "ur-internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_small(ur_graph *g)
{
    ur_ctx ctx = {0};
    if (ur_graph_count_params(g, true) + ur_graph_count_params(g, false) > 20000)
        return;
    int n_in = ur_graph_n_inputs(g);
    if (n_in > 4)
        return;
    ur_array *arrays[4] = {0};
    ur_tensor in[4];
    for (int i = 0; i < n_in; i++) {
        const ur_layer *l = ur_graph_input(g, i);
        const ur_shape *s = ur_layer_output_shape(l, 0);
        int64_t dim[UR_MAX_RANK], n = 1;
        for (int d = 0; d < s->rank; d++) {
            dim[d] = s->dim[d] == UR_DIM_FREE ? 3 : s->dim[d];
            n *= dim[d];
        }
        if (n > 4096)
            goto out;
        bool ints = ur_layer_input_dtype(l) == UR_I32;
        arrays[i] = ur_array_new(ints ? UR_I32 : UR_F32, s->rank, dim, NULL);
        for (int64_t k = 0; k < n; k++) {
            if (ints)
                ur_tensor_i32(&arrays[i]->t)[k] = (int32_t)(k % 3);
            else
                ur_tensor_f32(&arrays[i]->t)[k] = (float)((k % 7) - 3) * 0.25f;
        }
        in[i] = arrays[i]->t;
    }
    ur_graph *copy;
    {
        /* the model takes the graph: build it on a copy of the document */
        ur_value *doc = ur_graph_to_value(g);
        copy = ur_graph_from_value(doc, &ctx);
        ur_value_free(doc);
    }
    if (!copy)
        goto out;
    ur_model *m = ur_model_new(copy, &ctx);
    if (!m) {
        ur_graph_free(copy);
        goto out;
    }
    ur_rng rng;
    ur_rng_seed(&rng, 1);
    ur_model_init_weights(m, &rng);
    if (ur_model_forward(m, in, true, &rng, &ctx) == UR_OK) {
        int n_out = ur_graph_n_outputs(ur_model_graph(m));
        ur_tensor douts[UR_MAX_OUTPUTS * 2];
        ur_array *dv[UR_MAX_OUTPUTS * 2] = {0};
        if (n_out <= UR_MAX_OUTPUTS * 2) {
            for (int k = 0; k < n_out; k++) {
                const ur_tensor *y = ur_model_output(m, k);
                dv[k] = ur_array_new(UR_F32, y->rank, y->dim, NULL);
                for (int64_t j = 0; j < ur_tensor_numel(y); j++)
                    ur_tensor_f32(&dv[k]->t)[j] = 0.5f;
                douts[k] = dv[k]->t;
            }
            ur_model_backward(m, douts, &ctx);
            for (int k = 0; k < n_out; k++)
                ur_array_free(dv[k]);
        }
    }
    ur_model_free(m);
out:
    for (int i = 0; i < n_in; i++)
        ur_array_free(arrays[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_parse((const char *)data, size, "fuzz", &ctx);
    if (!g) {
        if (ctx.status == UR_OK || !ctx.message[0]) {
            fprintf(stderr, "failure without a message\n");
            abort();
        }
        return 0;
    }
    /* the document survives a round trip through the graph */
    ur_value *doc = ur_graph_to_value(g);
    ur_value_free(doc);
    if (ur_model_file_check(g, "fuzz", &ctx) == UR_OK)
        run_small(g);
    else if (!ctx.message[0])
        abort();
    ur_graph_free(g);
    return 0;
}
