/* bidirectional.c — Keras Bidirectional: a forward copy and a backward copy
 * (go_backwards flipped) of a recurrent layer over the same input, merged by
 * merge_mode (concat, sum, mul, ave, or null for both outputs). With
 * return_sequences the backward output is flipped along time so that it
 * lines up with the input; both copies output zeros on masked steps then
 * (Keras forces zero_output_for_mask = return_sequences).
 *
 * Weights: "forward/<w>" then "backward/<w>" for each inner weight w.
 * Outputs: [y, *forward states, *backward states], or with merge_mode null
 * [y_forward, y_backward, *forward states, *backward states].
 */
#include "rnn.h"

#include <stdio.h>

static const char *const merge_modes[] = {"concat", "sum", "mul", "ave", NULL};
enum { MERGE_NONE = -1, MERGE_CONCAT = 0, MERGE_SUM, MERGE_MUL, MERGE_AVE };

typedef struct bidir_cfg {
    ur_value *layer;
    int merge_mode;
} bidir_cfg;

static const ur_option bidir_options[] = {
    {"layer", UR_OPT_LAYER, offsetof(bidir_cfg, layer), NULL, .required = true,
     .help = "The recurrent layer to run in both directions"},
    {"merge_mode", UR_OPT_ENUM, offsetof(bidir_cfg, merge_mode), "\"concat\"",
     .choices = merge_modes, .nullable = true,
     .help = "How the two directions are combined (null: return both)"},
    {NULL},
};

static bool is_recurrent(const ur_layer_kind *k)
{
    return k == &ur_lstm_kind || k == &ur_gru_kind || k == &ur_simple_rnn_kind;
}

static const ur_rnn_cfg *inner_cfg(const ur_layer *l) { return UR_CFG(l->inner[0], ur_rnn_cfg); }

/* Builds the two inner layers from the "layer" spec. */
static ur_status bidir_validate(ur_layer *l, ur_ctx *ctx)
{
    bidir_cfg *c = UR_CFG(l, bidir_cfg);
    const ur_value *cls = ur_value_get(c->layer, "class");
    const ur_layer_kind *k =
        (cls && cls->type == UR_VALUE_STRING) ? ur_layer_kind_find(cls->u.str) : NULL;
    if (!k || !is_recurrent(k))
        return ur_error(ctx, UR_ERR_INVALID,
                        "option 'layer' must be a recurrent layer (SimpleRNN, LSTM or GRU), got %s",
                        cls && cls->type == UR_VALUE_STRING ? cls->u.str : "no \"class\"");
    const ur_value *rs = ur_value_get(c->layer, "return_sequences");
    bool ret_seq = rs && rs->type == UR_VALUE_BOOL && rs->u.b;
    const ur_value *gb = ur_value_get(c->layer, "go_backwards");
    bool go_back = gb && gb->type == UR_VALUE_BOOL && gb->u.b;
    const ur_value *nm = ur_value_get(c->layer, "name");
    const char *base = (nm && nm->type == UR_VALUE_STRING) ? nm->u.str : cls->u.str;

    for (int d = 0; d < 2; d++) {
        ur_value *spec = ur_value_copy(c->layer);
        ur_value_remove(spec, "name");
        ur_value_set(spec, "zero_output_for_mask", ur_value_new_bool(ret_seq));
        if (d == 1)
            ur_value_set(spec, "go_backwards", ur_value_new_bool(!go_back));
        char name[256];
        snprintf(name, sizeof name, "%s_%s", d == 0 ? "forward" : "backward", base);
        ur_layer *inner = ur_layer_new_from_spec(spec, name, ctx);
        ur_value_free(spec);
        if (!inner) {
            ur_error_prefix(ctx, "option 'layer'");
            return ctx ? ctx->status : UR_ERR_INVALID;
        }
        ur_layer_free(l->inner[d]);
        l->inner[d] = inner;
    }
    return UR_OK;
}

static int n_rnn_states(const ur_layer *l) { return ur_rnn_cell_of(l->inner[0])->n_states; }

static ur_status bidir_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                             ur_shape *out, ur_ctx *ctx)
{
    const bidir_cfg *c = UR_CFG(l, bidir_cfg);
    const ur_rnn_cfg *ic = inner_cfg(l);
    int ns = n_rnn_states(l);
    int n_states = n_in - 1;
    if (n_states != 0 && n_states != 2 * ns)
        return ur_layer_fail(l, ctx, UR_ERR_SHAPE,
                             "initial_state must list %d tensors (forward states, then backward "
                             "states), got %d",
                             2 * ns, n_states);
    ur_shape io[2][UR_MAX_OUTPUTS];
    for (int d = 0; d < 2; d++) {
        ur_shape sub[1 + 2];
        bool sub_mask[1 + 2] = {in_mask[0], false, false};
        sub[0] = in[0];
        for (int k = 0; k < (n_states ? ns : 0); k++)
            sub[1 + k] = in[1 + d * ns + k];
        ur_ctx ictx = {0};
        if (ur_rnn_infer(l->inner[d], sub, sub_mask, n_states ? 1 + ns : 1, io[d], &ictx))
            return ur_layer_fail(l, ctx, UR_ERR_SHAPE, "%s", ictx.message);
    }
    int k = 0;
    if (c->merge_mode == MERGE_NONE) {
        out[k++] = io[0][0];
        out[k++] = io[1][0];
    } else {
        out[k] = io[0][0];
        if (c->merge_mode == MERGE_CONCAT)
            out[k].dim[out[k].rank - 1] *= 2;
        k++;
    }
    int n_y = k;
    if (ic->return_state) {
        for (int d = 0; d < 2; d++)
            for (int j = 0; j < ns; j++)
                out[k++] = io[d][1 + j];
    }
    l->n_outputs = k;
    for (int o = 0; o < k; o++)
        l->out_mask_src[o] = (o < n_y && ic->return_sequences && in_mask[0]) ? 0 : UR_MASK_NONE;
    return UR_OK;
}

static void bidir_build(ur_layer *l, const ur_shape *in, int n_in)
{
    for (int d = 0; d < 2; d++) {
        ur_layer *inner = l->inner[d];
        ur_layer_clear_weights(inner);
        ur_rnn_build(inner, in, 1);
        for (int j = 0; j < inner->n_weights; j++) {
            const ur_weight *w = &inner->weights[j];
            char name[128];
            snprintf(name, sizeof name, "%s/%s", d == 0 ? "forward" : "backward", w->name);
            ur_layer_add_weight(l, name, w->rank, w->dim, &w->init, w->trainable);
        }
    }
}

/* The inner layers' weights and state live in the outer layer's. */
static void sync_inner(ur_layer *l)
{
    int j = 0;
    for (int d = 0; d < 2; d++) {
        ur_layer *inner = l->inner[d];
        for (int k = 0; k < inner->n_weights; k++, j++) {
            inner->weights[k].data = l->weights[j].data;
            inner->weights[k].grad = l->weights[j].grad;
        }
        if (l->state) {
            size_t per = ur_rnn_state_size(inner, l->state_batch);
            inner->state = l->state + d * per;
            inner->state_batch = l->state_batch;
        }
    }
}

static void bidir_init(ur_layer *l, ur_rng *rng)
{
    sync_inner(l);
    for (int d = 0; d < 2; d++)
        if (l->inner[d]->kind->init)
            l->inner[d]->kind->init(l->inner[d], rng);
}

static size_t bidir_state_size(const ur_layer *l, int64_t batch)
{
    return 2 * ur_rnn_state_size(l->inner[0], batch);
}

/* Cache: per direction its own cache, its outputs and their gradients. */
typedef struct bidir_cache {
    char *inner_cache[2];
    ur_tensor y[2][1 + 2];   /* inner outputs: y, states */
    ur_tensor dy[2][1 + 2];
} bidir_cache;

static size_t carve(const ur_layer *l, const ur_shape *in, int n_in, char *base, bidir_cache *bc)
{
    const ur_rnn_cfg *ic = inner_cfg(l);
    int ns = n_rnn_states(l);
    int64_t B = in[0].dim[0], T = in[0].dim[1], U = ic->units;
    char *cur = base;
    for (int d = 0; d < 2; d++) {
        size_t cs = ur_rnn_cache_size(l->inner[d], in, 1);
        if (bc)
            bc->inner_cache[d] = cur;
        cur = (char *)((uintptr_t)cur + ((cs + 63) & ~(size_t)63));
        int n_out = 1 + (ic->return_state ? ns : 0);
        for (int k = 0; k < n_out; k++) {
            int64_t n = (k == 0 && ic->return_sequences) ? B * T * U : B * U;
            float *yv = ur_carve(&cur, n);
            float *dv = ur_carve(&cur, n);
            if (bc) {
                ur_tensor *y = &bc->y[d][k], *dy = &bc->dy[d][k];
                y->dtype = UR_F32;
                if (k == 0 && ic->return_sequences) {
                    y->rank = 3;
                    y->dim[0] = B, y->dim[1] = T, y->dim[2] = U;
                } else {
                    y->rank = 2;
                    y->dim[0] = B, y->dim[1] = U;
                }
                *dy = *y;
                y->data = yv;
                dy->data = dv;
            }
        }
    }
    return ur_carved(base, cur);
}

static size_t bidir_cache_size(const ur_layer *l, const ur_shape *in, int n_in)
{
    return carve(l, in, n_in, NULL, NULL);
}

/* Inner pass for direction d over x (and its initial states). */
static void inner_pass(ur_layer *l, const ur_pass *p, int d, bidir_cache *bc, ur_pass *ip,
                       ur_tensor *in, const uint8_t **in_mask, ur_tensor *din)
{
    int ns = n_rnn_states(l);
    int n_states = p->n_in - 1;
    in[0] = p->in[0];
    in_mask[0] = p->in_mask[0];
    din[0] = p->din ? p->din[0] : (ur_tensor){0};
    for (int k = 0; k < (n_states ? ns : 0); k++) {
        in[1 + k] = p->in[1 + d * ns + k];
        in_mask[1 + k] = NULL;
        din[1 + k] = p->din ? p->din[1 + d * ns + k] : (ur_tensor){0};
    }
    *ip = *p;
    ip->n_in = n_states ? 1 + ns : 1;
    ip->in = in;
    ip->in_mask = in_mask;
    ip->din = din;
    ip->n_out = 1 + (inner_cfg(l)->return_state ? ns : 0);
    ip->out = bc->y[d];
    ip->dout = bc->dy[d];
    ip->cache = bc->inner_cache[d];
}

/* The cache views and the inner layers' weights for one pass. */
static void setup(ur_layer *l, const ur_shape *in0, const ur_pass *p, bidir_cache *bc)
{
    carve(l, in0, 1, p->cache, bc);
    sync_inner(l);
}

/* Forward or backward of both directions. */
static ur_status run_inner(ur_layer *l, const ur_pass *p, bidir_cache *bc, bool backward)
{
    for (int d = 0; d < 2; d++) {
        ur_pass ip;
        ur_tensor in[3], din[3];
        const uint8_t *in_mask[3];
        inner_pass(l, p, d, bc, &ip, in, in_mask, din);
        ur_status st = backward ? ur_rnn_backward(l->inner[d], &ip)
                                : ur_rnn_forward(l->inner[d], &ip);
        if (st)
            return st;
    }
    return UR_OK;
}

/* y_b is in processing order; with sequences, flip it to input order:
 *   concat: y = [y_f, y_b']   sum: y_f + y_b'   mul: y_f ∘ y_b'   ave: (y_f + y_b') / 2 */
static ur_status bidir_forward(ur_layer *l, ur_pass *p)
{
    const bidir_cfg *c = UR_CFG(l, bidir_cfg);
    const ur_rnn_cfg *ic = inner_cfg(l);
    int ns = n_rnn_states(l);
    ur_shape in0 = {p->in[0].rank, {p->in[0].dim[0], p->in[0].dim[1], p->in[0].dim[2]}};
    bidir_cache bc;
    setup(l, &in0, p, &bc);
    ur_status st = run_inner(l, p, &bc, false);
    if (st)
        return st;
    int64_t B = in0.dim[0], T = in0.dim[1], U = ic->units;
    int64_t steps = ic->return_sequences ? T : 1;
    const float *yf = bc.y[0][0].data, *yb = bc.y[1][0].data;
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < steps; t++) {
            const float *f = yf + (b * steps + t) * U;
            const float *r = yb + (b * steps + (ic->return_sequences ? T - 1 - t : 0)) * U;
            switch (c->merge_mode) {
            case MERGE_NONE:
                memcpy(ur_tensor_f32(&p->out[0]) + (b * steps + t) * U, f, (size_t)U * 4);
                memcpy(ur_tensor_f32(&p->out[1]) + (b * steps + t) * U, r, (size_t)U * 4);
                break;
            case MERGE_CONCAT: {
                float *o = ur_tensor_f32(&p->out[0]) + (b * steps + t) * 2 * U;
                memcpy(o, f, (size_t)U * 4);
                memcpy(o + U, r, (size_t)U * 4);
                break;
            }
            default: {
                float *o = ur_tensor_f32(&p->out[0]) + (b * steps + t) * U;
                for (int64_t u = 0; u < U; u++)
                    o[u] = c->merge_mode == MERGE_SUM   ? f[u] + r[u]
                           : c->merge_mode == MERGE_MUL ? f[u] * r[u]
                                                        : (f[u] + r[u]) * 0.5f;
                break;
            }
            }
        }
    int k = c->merge_mode == MERGE_NONE ? 2 : 1;
    if (ic->return_state)
        for (int d = 0; d < 2; d++)
            for (int j = 0; j < ns; j++, k++)
                memcpy(p->out[k].data, bc.y[d][1 + j].data, (size_t)(B * U) * 4);
    return UR_OK;
}

static ur_status bidir_backward(ur_layer *l, ur_pass *p)
{
    const bidir_cfg *c = UR_CFG(l, bidir_cfg);
    const ur_rnn_cfg *ic = inner_cfg(l);
    int ns = n_rnn_states(l);
    ur_shape in0 = {p->in[0].rank, {p->in[0].dim[0], p->in[0].dim[1], p->in[0].dim[2]}};
    bidir_cache bc;
    setup(l, &in0, p, &bc);
    int64_t B = in0.dim[0], T = in0.dim[1], U = ic->units;
    int64_t steps = ic->return_sequences ? T : 1;
    const float *yf = bc.y[0][0].data, *yb = bc.y[1][0].data;
    float *dyf = bc.dy[0][0].data, *dyb = bc.dy[1][0].data;
    const float *dy0 = p->dout[0].data;
    const float *dy1 = c->merge_mode == MERGE_NONE ? p->dout[1].data : NULL;
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < steps; t++) {
            int64_t tb = ic->return_sequences ? T - 1 - t : 0;
            float *df = dyf + (b * steps + t) * U;
            float *dr = dyb + (b * steps + tb) * U;
            const float *f = yf + (b * steps + t) * U;
            const float *r = yb + (b * steps + tb) * U;
            for (int64_t u = 0; u < U; u++) {
                float gf = 0, gr = 0;
                switch (c->merge_mode) {
                case MERGE_NONE:
                    gf = dy0 ? dy0[(b * steps + t) * U + u] : 0;
                    gr = dy1 ? dy1[(b * steps + t) * U + u] : 0;
                    break;
                case MERGE_CONCAT:
                    gf = dy0 ? dy0[(b * steps + t) * 2 * U + u] : 0;
                    gr = dy0 ? dy0[(b * steps + t) * 2 * U + U + u] : 0;
                    break;
                case MERGE_SUM:
                    gf = gr = dy0 ? dy0[(b * steps + t) * U + u] : 0;
                    break;
                case MERGE_MUL: {
                    float g = dy0 ? dy0[(b * steps + t) * U + u] : 0;
                    gf = g * r[u];
                    gr = g * f[u];
                    break;
                }
                case MERGE_AVE:
                    gf = gr = dy0 ? 0.5f * dy0[(b * steps + t) * U + u] : 0;
                    break;
                }
                df[u] = gf;
                dr[u] = gr;
            }
        }
    int k = c->merge_mode == MERGE_NONE ? 2 : 1;
    if (ic->return_state)
        for (int d = 0; d < 2; d++)
            for (int j = 0; j < ns; j++, k++) {
                if (p->dout[k].data)
                    memcpy(bc.dy[d][1 + j].data, p->dout[k].data, (size_t)(B * U) * 4);
                else
                    memset(bc.dy[d][1 + j].data, 0, (size_t)(B * U) * 4);
            }
    return run_inner(l, p, &bc, true);
}

const ur_layer_kind ur_bidirectional_kind = {
    .class_name = "Bidirectional",
    .group = "Recurrent",
    .description = "Runs a recurrent layer forwards and backwards and merges the two",
    .options = bidir_options,
    .cfg_size = sizeof(bidir_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .accepts_states = true,
    .validate = bidir_validate,
    .infer = bidir_infer,
    .build = bidir_build,
    .init = bidir_init,
    .cache_size = bidir_cache_size,
    .forward = bidir_forward,
    .backward = bidir_backward,
    .state_size = bidir_state_size,
};
