/* embedding.c — Keras Embedding: token ids (B, T) -> vectors (B, T, D) by
 * table lookup, with mask_zero producing the (B, T) mask token != 0.
 * Backward scatter-adds into the table's gradient; ids get no gradient. */
#include "ur-internal.h"

#include <stdio.h>

typedef struct embedding_cfg {
    int64_t input_dim;
    int64_t output_dim;
    ur_init embeddings_initializer;
    bool mask_zero;
} embedding_cfg;

static const ur_option embedding_options[] = {
    {"input_dim", UR_OPT_INT, offsetof(embedding_cfg, input_dim), NULL, 1, 1 << 30,
     .required = true, .help = "Vocabulary size: ids run from 0 to input_dim - 1"},
    {"output_dim", UR_OPT_INT, offsetof(embedding_cfg, output_dim), NULL, 1, 1 << 24,
     .required = true, .help = "Length of each embedding vector"},
    /* Keras's default "uniform" is RandomUniform(-0.05, 0.05) */
    {"embeddings_initializer", UR_OPT_INITIALIZER,
     offsetof(embedding_cfg, embeddings_initializer), "\"uniform\"",
     .help = "Initializer of the embedding table"},
    {"mask_zero", UR_OPT_BOOL, offsetof(embedding_cfg, mask_zero), "false",
     .help = "Treat id 0 as padding: later layers skip those timesteps"},
    {"input_length", UR_OPT_IGNORED, 0, "null",
     .help = "Accepted for Keras 2 files; the Input's shape decides the length"},
    {NULL},
};

/* ids (B, ...) -> vectors (B, ..., D); with mask_zero the ids must be (B, T) */
static ur_status embedding_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                                 ur_shape *out, ur_ctx *ctx)
{
    const embedding_cfg *c = UR_CFG(l, embedding_cfg);
    char buf[96];
    if (in[0].rank + 1 > UR_MAX_RANK)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "input %s has too many axes: the output would have %d (at most %d)",
                             ur_shape_format(&in[0], buf, sizeof buf), in[0].rank + 1,
                             UR_MAX_RANK);
    if (c->mask_zero && in[0].rank != 2)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "mask_zero needs token ids of shape (batch, timesteps), got %s",
                             ur_shape_format(&in[0], buf, sizeof buf));
    out[0] = in[0];
    out[0].rank = in[0].rank + 1;
    out[0].dim[in[0].rank] = c->output_dim;
    l->n_outputs = 1;
    l->out_mask_src[0] = c->mask_zero ? UR_MASK_OWN : UR_MASK_NONE;
    return UR_OK;
}

/* embeddings (input_dim, output_dim) */
static void embedding_build(ur_layer *l, const ur_shape *in, int n_in)
{
    const embedding_cfg *c = UR_CFG(l, embedding_cfg);
    int64_t dim[2] = {c->input_dim, c->output_dim};
    ur_layer_add_weight(l, "embeddings", 2, dim, &c->embeddings_initializer, true);
}

static size_t embedding_cache_size(const ur_layer *l, const ur_shape *in, int n_in) { return 0; }

/* "[3, 7]" for flat index n of tensor t. */
static void format_position(const ur_tensor *t, int64_t n, char *buf, size_t size)
{
    int64_t idx[UR_MAX_RANK];
    for (int i = t->rank - 1; i >= 0; i--) {
        idx[i] = n % t->dim[i];
        n /= t->dim[i];
    }
    size_t pos = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < t->rank && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%lld", i ? ", " : "",
                                (long long)idx[i]);
    if (pos < size)
        snprintf(buf + pos, size - pos, "]");
}

/* The id at flat index n, or -1 after reporting one outside [0, V) (the
 * executor prefixes the layer's name). Float ids are truncated toward zero,
 * as Keras's cast to int32 does. */
static int64_t token_at(const ur_tensor *x, int64_t n, int64_t V, ur_ctx *ctx)
{
    char pos[64];
    if (x->dtype == UR_I32) {
        int64_t id = ur_tensor_i32(x)[n];
        if (id >= 0 && id < V)
            return id;
        format_position(x, n, pos, sizeof pos);
        ur_error(ctx, UR_ERR_INVALID,
                 "token id %lld at position %s is outside [0, %lld) (input_dim = %lld)",
                 (long long)id, pos, (long long)V, (long long)V);
        return -1;
    }
    float v = ur_tensor_f32(x)[n];
    if (v > -1.0f && v < (float)V)
        return (int64_t)v;
    format_position(x, n, pos, sizeof pos);
    ur_error(ctx, UR_ERR_INVALID,
             "token id %g at position %s is outside [0, %lld) (input_dim = %lld)",
             (double)v, pos, (long long)V, (long long)V);
    return -1;
}

/* y[n, :] = E[x[n], :]        x (N) ids, E (V, D), y (N, D), N = B·T
 * mask[n] = x[n] != 0          (mask_zero) */
static ur_status embedding_forward(ur_layer *l, ur_pass *p)
{
    const embedding_cfg *c = UR_CFG(l, embedding_cfg);
    const ur_tensor *x = &p->in[0];
    int64_t N = ur_tensor_numel(x), V = c->input_dim, D = c->output_dim;
    const float *E = l->weights[0].data;
    float *Y = ur_tensor_f32(&p->out[0]);
    uint8_t *mask = c->mask_zero ? p->out_mask[0] : NULL;
    for (int64_t n = 0; n < N; n++) {
        int64_t id = token_at(x, n, V, p->ctx);
        if (id < 0)
            return UR_ERR_INVALID;
        memcpy(Y + n * D, E + id * D, (size_t)D * sizeof(float));
        if (mask)
            mask[n] = id != 0;
    }
    return UR_OK;
}

/* dE[x[n], :] += dy[n, :]; ids have no gradient (Keras: None). */
static ur_status embedding_backward(ur_layer *l, ur_pass *p)
{
    const embedding_cfg *c = UR_CFG(l, embedding_cfg);
    float *dE = l->weights[0].grad;
    if (!p->dout[0].data || !dE)
        return UR_OK;
    const ur_tensor *x = &p->in[0];
    int64_t N = ur_tensor_numel(x), V = c->input_dim, D = c->output_dim;
    const float *dY = ur_tensor_f32(&p->dout[0]);
    for (int64_t n = 0; n < N; n++) {
        int64_t id = token_at(x, n, V, p->ctx);
        if (id < 0)
            return UR_ERR_INVALID;
        float *row = dE + id * D;
        const float *g = dY + n * D;
        for (int64_t d = 0; d < D; d++)
            row[d] += g[d];
    }
    return UR_OK;
}

const ur_layer_kind ur_embedding_kind = {
    .class_name = "Embedding",
    .group = "Inputs",
    .description = "Turns token ids into learned vectors; can mark id 0 as padding",
    .options = embedding_options,
    .cfg_size = sizeof(embedding_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = embedding_infer,
    .build = embedding_build,
    .cache_size = embedding_cache_size,
    .forward = embedding_forward,
    .backward = embedding_backward,
};
