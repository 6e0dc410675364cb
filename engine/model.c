/* model.c — a graph with weights, and the executor that runs it.
 *
 * Memory: one arena for parameters (trainable weights first, so the
 * optimizer sees one span), one for their gradients, and per (batch, input
 * shapes) plan one arena for activations (outputs, masks, caches) and one for
 * activation gradients. Forward walks the topological order; backward walks
 * it in reverse after zeroing both gradient arenas (see the gradient rule in
 * ur-internal.h). Persistent layer state (stateful RNNs) lives beside.
 *
 * On a device backend (backend.h) the activation and gradient arenas are
 * device memory, and the parameter and gradient arenas have device copies:
 * the host copy is what the public accessors hand out (downloaded when the
 * device changed the weights, uploaded again before the next pass since a
 * caller may have written through it). Graph inputs get device buffers in
 * the activation arena; public outputs and input gradients are downloaded
 * into host mirrors on request.
 */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>

const int *ur_graph_order(const ur_graph *g, int *n);
const ur_ref *ur_graph_output_refs(const ur_graph *g);

typedef struct slot {
    ur_tensor val;       /* the output tensor */
    ur_tensor grad;      /* its gradient (float outputs only; data NULL otherwise) */
    uint8_t *mask;       /* (B, T) or NULL */
    bool needs_grad;     /* a gradient reaches it from a model output */
    void *own;           /* a graph input's device buffer (device backends) */
} slot;

typedef struct layer_plan {
    slot out[UR_MAX_OUTPUTS];
    void *cache;
    size_t cache_bytes;
    bool active;         /* backward runs for this layer */
} layer_plan;

struct ur_model {
    ur_graph *g;
    const ur_backend *be; /* where the layers run (CPU unless set) */
    float *params;
    float *grads;
    size_t n_params, n_trainable;
    int n_weights;
    ur_weight **w;       /* Keras order */
    char **wnames;       /* "<layer>/<weight>" */
    int n_seg;
    size_t *seg_off, *seg_len;

    bool input_grads;    /* compute d(loss)/d(graph inputs) (tests); training does not */

    /* the current plan */
    bool planned;
    int64_t plan_batch;
    int n_in;
    ur_shape plan_in[16];
    ur_dtype plan_dtype[16];
    layer_plan *lp;      /* per layer */
    char *act_arena;
    char *grad_arena;
    size_t grad_bytes;

    /* device backends */
    ur_backend *owned_be;  /* opened by ur_model_use_device; freed with the model */
    float *dparams, *dgrads;
    bool host_stale;       /* the device weights are newer than the host copy */
    bool dev_stale;        /* the host weights may be newer than the device copy */
    bool grads_host_stale;
    ur_tensor *host_out;   /* per model output: a host mirror (data NULL until asked) */
    uint8_t **host_mask;
    ur_tensor *host_din;   /* per graph input: host mirror of its gradient */
    uint64_t plan_id;      /* counts plans (device buffers move with each) */
};

/* ------------------------------------------------- host/device weights */

static bool on_device(const ur_model *m) { return m->be->device_memory; }

static void sync_host(ur_model *m)
{
    if (on_device(m) && m->host_stale) {
        m->be->download(m->be, m->params, m->dparams, m->n_params * sizeof(float));
        m->host_stale = false;
    }
}

static void sync_grads_host(ur_model *m)
{
    if (on_device(m) && m->grads_host_stale) {
        m->be->download(m->be, m->grads, m->dgrads, m->n_trainable * sizeof(float));
        m->grads_host_stale = false;
    }
}

/* A host pointer is out: the caller may write the weights through it. */
static void host_handed_out(ur_model *m)
{
    sync_host(m);
    sync_grads_host(m);
    if (on_device(m))
        m->dev_stale = true;
}

static void sync_device(ur_model *m)
{
    if (on_device(m) && m->dev_stale) {
        m->be->upload(m->be, m->dparams, m->params, m->n_params * sizeof(float));
        m->dev_stale = false;
    }
}

float *ur_model_device_params(ur_model *m)
{
    if (!on_device(m))
        return m->params;
    sync_device(m);
    return m->dparams;
}

void ur_model_sizes(const ur_model *m, size_t *n_params, size_t *n_trainable)
{
    *n_params = m->n_params;
    *n_trainable = m->n_trainable;
}

float *ur_model_device_grads(ur_model *m) { return on_device(m) ? m->dgrads : m->grads; }

void ur_model_weights_changed_on_device(ur_model *m)
{
    if (on_device(m))
        m->host_stale = m->grads_host_stale = true;
}

uint64_t ur_model_plan_id(const ur_model *m) { return m->plan_id; }

/* ------------------------------------------------------------- weights */

ur_model *ur_model_new(ur_graph *g, ur_ctx *ctx)
{
    if (ur_graph_check(g, ctx) != UR_OK)
        return NULL;
    ur_model *m = ur_xcalloc(1, sizeof *m);
    m->g = g;
    m->be = ur_backend_cpu();
    m->input_grads = true;
    int nl = ur_graph_n_layers(g);
    for (int i = 0; i < nl; i++)
        m->n_weights += ur_graph_layer(g, i)->n_weights;
    m->w = ur_xcalloc((size_t)m->n_weights + 1, sizeof(ur_weight *));
    m->wnames = ur_xcalloc((size_t)m->n_weights + 1, sizeof(char *));
    m->seg_off = ur_xcalloc((size_t)m->n_weights + 1, sizeof(size_t));
    m->seg_len = ur_xcalloc((size_t)m->n_weights + 1, sizeof(size_t));
    int k = 0;
    for (int i = 0; i < nl; i++) {
        ur_layer *l = ur_graph_layer(g, i);
        for (int j = 0; j < l->n_weights; j++, k++) {
            m->w[k] = &l->weights[j];
            size_t n = strlen(l->name) + strlen(l->weights[j].name) + 2;
            m->wnames[k] = ur_xmalloc(n);
            snprintf(m->wnames[k], n, "%s/%s", l->name, l->weights[j].name);
        }
    }
    /* trainable first, each weight 16-float aligned */
    size_t off = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < m->n_weights; i++) {
            ur_weight *w = m->w[i];
            if (w->trainable != (pass == 0))
                continue;
            w->offset = off;
            if (pass == 0) {
                m->seg_off[m->n_seg] = off;
                m->seg_len[m->n_seg] = (size_t)w->numel;
                m->n_seg++;
            }
            off += ((size_t)w->numel + 15) & ~(size_t)15;
        }
        if (pass == 0)
            m->n_trainable = off;
    }
    m->n_params = off;
    m->params = ur_alloc_aligned((m->n_params + 16) * sizeof(float));
    m->grads = ur_alloc_aligned((m->n_trainable + 16) * sizeof(float));
    if (!m->params || !m->grads) {
        ur_error(ctx, UR_ERR_NOMEM, "out of memory for %zu parameters", m->n_params);
        m->g = NULL; /* the caller keeps the graph on failure */
        ur_model_free(m);
        return NULL;
    }
    for (int i = 0; i < m->n_weights; i++) {
        ur_weight *w = m->w[i];
        w->data = m->params + w->offset;
        w->grad = w->trainable ? m->grads + w->offset : NULL;
    }
    return m;
}

static void plan_free(ur_model *m)
{
    if (m->act_arena)
        m->be->free(m->be, m->act_arena);
    if (m->grad_arena)
        m->be->free(m->be, m->grad_arena);
    free(m->lp);
    m->act_arena = m->grad_arena = NULL;
    m->lp = NULL;
    m->planned = false;
    if (m->host_out)
        for (int k = 0; k < ur_graph_n_outputs(m->g); k++) {
            ur_free_aligned(m->host_out[k].data);
            ur_free_aligned(m->host_mask[k]);
        }
    if (m->host_din)
        for (int i = 0; i < ur_graph_n_inputs(m->g); i++)
            ur_free_aligned(m->host_din[i].data);
    free(m->host_out);
    free(m->host_mask);
    free(m->host_din);
    m->host_out = NULL;
    m->host_mask = NULL;
    m->host_din = NULL;
}

static void free_device_weights(ur_model *m)
{
    if (m->dparams)
        m->be->free(m->be, m->dparams);
    if (m->dgrads)
        m->be->free(m->be, m->dgrads);
    m->dparams = m->dgrads = NULL;
}

void ur_model_free(ur_model *m)
{
    if (!m)
        return;
    if (m->g)
        plan_free(m);
    free_device_weights(m);
    if (m->owned_be)
        m->owned_be->destroy(m->owned_be);
    for (int i = 0; i < m->n_weights; i++)
        free(m->wnames[i]);
    free(m->wnames);
    free(m->w);
    free(m->seg_off);
    free(m->seg_len);
    ur_free_aligned(m->params);
    ur_free_aligned(m->grads);
    if (m->g) {
        for (int i = 0; i < ur_graph_n_layers(m->g); i++) {
            ur_layer *l = ur_graph_layer(m->g, i);
            free(l->state);
            l->state = NULL;
            l->state_batch = 0;
        }
        ur_graph_free(m->g);
    }
    free(m);
}

ur_graph *ur_model_graph(const ur_model *m) { return m->g; }

ur_status ur_model_set_backend(ur_model *m, const ur_backend *be, ur_ctx *ctx)
{
    int nl = ur_graph_n_layers(m->g);
    for (int i = 0; i < nl; i++) {
        ur_layer *l = ur_graph_layer(m->g, i);
        char why[256] = "";
        if (!be->supports_layer(be, l, why, sizeof why))
            return ur_error(ctx, UR_ERR_UNSUPPORTED, "layer '%s' (%s) cannot run on %s%s%s",
                            l->name, ur_layer_class(l), be->name, why[0] ? ": " : "", why);
    }
    if (be == m->be)
        return UR_OK;
    float *dp = NULL, *dg = NULL;
    if (be->device_memory) {
        dp = be->alloc(be, (m->n_params + 16) * sizeof(float));
        dg = be->alloc(be, (m->n_trainable + 16) * sizeof(float));
        if (!dp || !dg) {
            if (dp)
                be->free(be, dp);
            if (dg)
                be->free(be, dg);
            return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for %zu parameters", be->name,
                            m->n_params);
        }
    }
    plan_free(m);
    sync_host(m);
    free_device_weights(m);
    m->be = be;
    m->dparams = dp;
    m->dgrads = dg;
    m->host_stale = m->grads_host_stale = false;
    m->dev_stale = dp != NULL;
    return UR_OK;
}

const ur_backend *ur_model_backend(const ur_model *m) { return m->be; }

const char *ur_model_device(const ur_model *m) { return m->be->name; }

const char *ur_model_layer_path(const ur_model *m, int layer)
{
    if (layer < 0 || layer >= ur_graph_n_layers(m->g) || !m->be->layer_path)
        return "cpu";
    return m->be->layer_path(m->be, ur_graph_layer(m->g, layer));
}

ur_status ur_model_use_device(ur_model *m, const char *device, bool exact_math, char *note,
                              size_t note_size, ur_ctx *ctx)
{
    int index = 0;
    char why[512] = "";
    if (note && note_size)
        note[0] = '\0';
    ur_status st = ur_device_parse(device, &index, ctx);
    if (st)
        return st;
    bool is_auto = strcmp(device, "auto") == 0;
    if (strcmp(device, "cpu") == 0) {
        ur_backend *old = m->owned_be;
        st = ur_model_set_backend(m, ur_backend_cpu(), ctx);
        if (!st && old) {
            old->destroy(old);
            m->owned_be = NULL;
        }
        return st;
    }
    ur_backend *be = ur_backend_cuda_open(index, exact_math, why, sizeof why);
    if (be) {
        ur_ctx sctx = {0};
        st = ur_model_set_backend(m, be, &sctx);
        if (!st) {
            if (m->owned_be)
                m->owned_be->destroy(m->owned_be);
            m->owned_be = be;
            return UR_OK;
        }
        be->destroy(be);
        snprintf(why, sizeof why, "%.500s", sctx.message);
        if (!is_auto)
            return ur_error(ctx, st, "%s", why);
    } else if (!is_auto) {
        return ur_error(ctx, UR_ERR_UNSUPPORTED, "cannot use %s: %s", device, why);
    }
    /* auto: the CPU, and why */
    if (note && note_size)
        snprintf(note, note_size, "running on the CPU: %s", why);
    ur_backend *old = m->owned_be;
    st = ur_model_set_backend(m, ur_backend_cpu(), ctx);
    if (!st && old) {
        old->destroy(old);
        m->owned_be = NULL;
    }
    return st;
}

void ur_model_init_weights(ur_model *m, ur_rng *rng)
{
    int nl = ur_graph_n_layers(m->g);
    for (int i = 0; i < nl; i++) {
        ur_layer *l = ur_graph_layer(m->g, i);
        for (int j = 0; j < l->n_weights; j++) {
            ur_weight *w = &l->weights[j];
            ur_init_fill(&w->init, w->data, w->rank, w->dim, rng);
        }
        if (l->kind->init)
            l->kind->init(l, rng);
    }
    m->host_stale = false;
    if (on_device(m))
        m->dev_stale = true;
}

void ur_model_reset_states(ur_model *m)
{
    int nl = ur_graph_n_layers(m->g);
    for (int i = 0; i < nl; i++) {
        ur_layer *l = ur_graph_layer(m->g, i);
        if (l->state && l->kind->state_size)
            memset(l->state, 0, l->kind->state_size(l, l->state_batch) * sizeof(float));
    }
}

int ur_model_n_weights(const ur_model *m) { return m->n_weights; }

void ur_model_weight(const ur_model *m, int i, ur_weight_info *out)
{
    host_handed_out((ur_model *)m);
    const ur_weight *w = m->w[i];
    out->name = m->wnames[i];
    out->rank = w->rank;
    out->dim = w->dim;
    out->numel = w->numel;
    out->trainable = w->trainable;
    out->data = w->data;
    out->grad = w->grad;
}

int ur_model_find_weight(const ur_model *m, const char *name)
{
    for (int i = 0; i < m->n_weights; i++)
        if (strcmp(m->wnames[i], name) == 0)
            return i;
    return -1;
}

float *ur_model_params(const ur_model *m, size_t *n)
{
    host_handed_out((ur_model *)m);
    *n = m->n_params;
    return m->params;
}

float *ur_model_grads(const ur_model *m, size_t *n_trainable)
{
    host_handed_out((ur_model *)m);
    *n_trainable = m->n_trainable;
    return m->grads;
}

int ur_model_trainable_segments(const ur_model *m, const size_t **offset, const size_t **len)
{
    *offset = m->seg_off;
    *len = m->seg_len;
    return m->n_seg;
}

/* -------------------------------------------------------------- planning */

static const ur_ref *layer_ref(const ur_layer *l, int k)
{
    return k < l->n_inputs ? &l->inputs[k] : &l->states[k - l->n_inputs];
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static void tensor_from_shape(ur_tensor *t, const ur_shape *s, ur_dtype dtype)
{
    t->dtype = dtype;
    t->rank = s->rank;
    for (int i = 0; i < s->rank; i++)
        t->dim[i] = s->dim[i];
    t->data = NULL;
}

/* Plans activations for these concrete inputs. */
static ur_status plan(ur_model *m, const ur_tensor *inputs, ur_ctx *ctx)
{
    ur_graph *g = m->g;
    int n_in = ur_graph_n_inputs(g);
    int64_t B = inputs[0].dim[0];

    /* reuse the plan when nothing changed */
    if (m->planned && m->plan_batch == B && m->n_in == n_in) {
        bool same = true;
        for (int i = 0; i < n_in && same; i++) {
            ur_shape s = {.rank = inputs[i].rank};
            for (int d = 0; d < s.rank; d++)
                s.dim[d] = inputs[i].dim[d];
            same = ur_shape_equal(&s, &m->plan_in[i]) && inputs[i].dtype == m->plan_dtype[i];
        }
        if (same)
            return UR_OK;
    }
    plan_free(m);
    if (n_in > 16)
        return ur_error(ctx, UR_ERR_UNSUPPORTED, "at most 16 model inputs are supported");

    int nl = ur_graph_n_layers(g), n_order;
    const int *order = ur_graph_order(g, &n_order);
    m->lp = ur_xcalloc((size_t)nl, sizeof(layer_plan));

    /* pass 1: concrete shapes and sizes */
    size_t act = 0, grad = 0;
    size_t *mask_off = ur_xcalloc((size_t)nl * UR_MAX_OUTPUTS, sizeof(size_t));
    size_t *val_off = ur_xcalloc((size_t)nl * UR_MAX_OUTPUTS, sizeof(size_t));
    size_t *grad_off = ur_xcalloc((size_t)nl * UR_MAX_OUTPUTS, sizeof(size_t));
    size_t *cache_off = ur_xcalloc((size_t)nl, sizeof(size_t));
    ur_status st = UR_OK;
    for (int oi = 0; oi < n_order && !st; oi++) {
        int li = order[oi];
        ur_layer *l = ur_graph_layer(g, li);
        layer_plan *p = &m->lp[li];
        if (l->kind == &ur_input_kind) {
            int ii = 0;
            while (ii < n_in && ur_graph_input(g, ii) != l)
                ii++;
            const ur_tensor *x = &inputs[ii];
            const ur_shape *decl = &l->out_shape[0];
            ur_dtype want = ur_layer_input_dtype(l);
            bool ok = x->rank == decl->rank;
            for (int d = 1; ok && d < decl->rank; d++)
                ok = decl->dim[d] == UR_DIM_FREE || decl->dim[d] == x->dim[d];
            if (ok && decl->dim[0] != UR_DIM_FREE && decl->dim[0] != x->dim[0]) {
                st = ur_error(ctx, UR_ERR_SHAPE,
                              "input '%s' has a fixed batch size of %lld, got a batch of %lld",
                              l->name, (long long)decl->dim[0], (long long)x->dim[0]);
                break;
            }
            if (!ok) {
                char a[128], b[128];
                ur_shape got = {.rank = x->rank};
                for (int d = 0; d < x->rank; d++)
                    got.dim[d] = x->dim[d];
                st = ur_error(ctx, UR_ERR_SHAPE, "input '%s' expects shape %s, got %s", l->name,
                              ur_shape_format(decl, a, sizeof a),
                              ur_shape_format(&got, b, sizeof b));
                break;
            }
            if (x->dtype != want) {
                st = ur_error(ctx, UR_ERR_INVALID, "input '%s' expects %s data, got %s", l->name,
                              ur_dtype_name(want), ur_dtype_name(x->dtype));
                break;
            }
            p->out[0].val = *x;
            p->out[0].val.data = NULL;
            if (on_device(m)) { /* a device buffer the host batch is uploaded into */
                val_off[li * UR_MAX_OUTPUTS] = act;
                act += align64((size_t)ur_tensor_numel(x) * 4);
            }
            if (x->dtype == UR_F32) {
                grad_off[li * UR_MAX_OUTPUTS] = grad;
                grad += align64((size_t)ur_tensor_numel(x) * 4);
            }
            continue;
        }
        int nin = l->n_inputs + l->n_states;
        ur_shape in[32], out[UR_MAX_OUTPUTS];
        bool in_mask[32];
        for (int k = 0; k < nin; k++) {
            const ur_ref *r = layer_ref(l, k);
            const ur_tensor *t = &m->lp[r->layer].out[r->output].val;
            in[k].rank = t->rank;
            for (int d = 0; d < t->rank; d++)
                in[k].dim[d] = t->dim[d];
            in_mask[k] = ur_graph_layer(g, r->layer)->out_mask[r->output];
        }
        if (l->kind->infer(l, in, in_mask, nin, out, ctx) != UR_OK) {
            ur_error_prefix(ctx, "layer '%s'", l->name);
            st = ctx ? ctx->status : UR_ERR_SHAPE;
            break;
        }
        for (int k = 0; k < l->n_outputs; k++) {
            tensor_from_shape(&p->out[k].val, &out[k], UR_F32);
            size_t bytes = (size_t)ur_tensor_numel(&p->out[k].val) * 4;
            val_off[li * UR_MAX_OUTPUTS + k] = act;
            act += align64(bytes);
            grad_off[li * UR_MAX_OUTPUTS + k] = grad;
            grad += align64(bytes);
            if (l->out_mask_src[k] == UR_MASK_OWN) {
                mask_off[li * UR_MAX_OUTPUTS + k] = act;
                act += align64((size_t)(out[k].dim[0] * (out[k].rank >= 2 ? out[k].dim[1] : 1)));
            }
        }
        if (m->be->cache_size)
            p->cache_bytes = m->be->cache_size(m->be, l, in, nin);
        else
            p->cache_bytes = l->kind->cache_size ? l->kind->cache_size(l, in, nin) : 0;
        cache_off[li] = act;
        act += align64(p->cache_bytes);
        /* persistent state: allocated once, for a fixed batch */
        size_t ss = l->kind->state_size ? l->kind->state_size(l, B) : 0;
        if (ss > 0) {
            if (l->state && l->state_batch != B) {
                st = ur_error(ctx, UR_ERR_SHAPE,
                              "layer '%s' is stateful with a batch size of %lld, got a batch of "
                              "%lld; every batch must have that size",
                              l->name, (long long)l->state_batch, (long long)B);
                break;
            }
            if (!l->state) {
                l->state = calloc(ss, sizeof(float));
                if (!l->state) {
                    st = ur_error(ctx, UR_ERR_NOMEM, "out of memory for the state of '%s'",
                                  l->name);
                    break;
                }
                l->state_batch = B;
            }
        }
    }
    if (!st) {
        m->act_arena = m->be->alloc(m->be, act + 64);
        m->grad_arena = m->be->alloc(m->be, grad + 64);
        m->grad_bytes = grad;
        if (!m->act_arena || !m->grad_arena)
            st = ur_error(ctx, UR_ERR_NOMEM,
                          "out of memory: a batch of %lld needs %.1f MB for activations",
                          (long long)B, (double)(act + grad) / 1e6);
    }
    if (st) {
        free(mask_off);
        free(val_off);
        free(grad_off);
        free(cache_off);
        plan_free(m);
        return st;
    }

    /* pass 2: pointers (masks of pass-through outputs alias their source) */
    for (int oi = 0; oi < n_order; oi++) {
        int li = order[oi];
        ur_layer *l = ur_graph_layer(g, li);
        layer_plan *p = &m->lp[li];
        if (l->kind == &ur_input_kind) {
            if (on_device(m))
                p->out[0].own = p->out[0].val.data = m->act_arena + val_off[li * UR_MAX_OUTPUTS];
            if (p->out[0].val.dtype == UR_F32) {
                p->out[0].grad = p->out[0].val;
                p->out[0].grad.data = m->grad_arena + grad_off[li * UR_MAX_OUTPUTS];
            }
            continue;
        }
        p->cache = m->act_arena + cache_off[li];
        for (int k = 0; k < l->n_outputs; k++) {
            slot *s = &p->out[k];
            s->val.data = m->act_arena + val_off[li * UR_MAX_OUTPUTS + k];
            s->grad = s->val;
            s->grad.data = m->grad_arena + grad_off[li * UR_MAX_OUTPUTS + k];
            int src = l->out_mask_src[k];
            if (src == UR_MASK_OWN) {
                s->mask = (uint8_t *)(m->act_arena + mask_off[li * UR_MAX_OUTPUTS + k]);
            } else if (src >= 0) {
                const ur_ref *r = layer_ref(l, src);
                s->mask = m->lp[r->layer].out[r->output].mask;
            }
        }
    }
    free(mask_off);
    free(val_off);
    free(grad_off);
    free(cache_off);

    /* which tensors receive gradients: outputs, and inputs of active layers */
    const ur_ref *outs = ur_graph_output_refs(g);
    for (int k = 0; k < ur_graph_n_outputs(g); k++)
        m->lp[outs[k].layer].out[outs[k].output].needs_grad = true;
    for (int oi = n_order - 1; oi >= 0; oi--) {
        int li = order[oi];
        ur_layer *l = ur_graph_layer(g, li);
        layer_plan *p = &m->lp[li];
        p->active = false;
        for (int k = 0; k < l->n_outputs; k++)
            p->active |= p->out[k].needs_grad;
        if (!p->active || l->kind == &ur_input_kind)
            continue;
        for (int k = 0; k < l->n_inputs + l->n_states; k++) {
            const ur_ref *r = layer_ref(l, k);
            m->lp[r->layer].out[r->output].needs_grad = true;
        }
    }

    /* graph inputs need no gradient unless asked for */
    for (int i = 0; i < n_in; i++)
        m->lp[ur_graph_input(g, i)->index].out[0].needs_grad &= m->input_grads;

    if (on_device(m)) {
        m->host_out = ur_xcalloc((size_t)ur_graph_n_outputs(g) + 1, sizeof(ur_tensor));
        m->host_mask = ur_xcalloc((size_t)ur_graph_n_outputs(g) + 1, sizeof(uint8_t *));
        m->host_din = ur_xcalloc((size_t)n_in + 1, sizeof(ur_tensor));
    }
    m->planned = true;
    m->plan_id++;
    m->plan_batch = B;
    m->n_in = n_in;
    for (int i = 0; i < n_in; i++) {
        m->plan_in[i].rank = inputs[i].rank;
        m->plan_dtype[i] = inputs[i].dtype;
        for (int d = 0; d < inputs[i].rank; d++)
            m->plan_in[i].dim[d] = inputs[i].dim[d];
    }
    return UR_OK;
}

/* ------------------------------------------------------------- executing */

typedef struct pass_arrays {
    ur_tensor in[32], din[32];
    const uint8_t *in_mask[32];
    ur_tensor out[UR_MAX_OUTPUTS], dout[UR_MAX_OUTPUTS];
    uint8_t *out_mask[UR_MAX_OUTPUTS];
} pass_arrays;

static void fill_pass(ur_model *m, ur_layer *l, layer_plan *p, pass_arrays *a, ur_pass *ps,
                      bool backward)
{
    int nin = l->n_inputs + l->n_states;
    for (int k = 0; k < nin; k++) {
        const ur_ref *r = layer_ref(l, k);
        slot *s = &m->lp[r->layer].out[r->output];
        a->in[k] = s->val;
        a->in_mask[k] = s->mask;
        a->din[k] = s->grad;
        if (!backward || !s->grad.data || s->val.dtype != UR_F32 || !s->needs_grad)
            a->din[k].data = NULL;
    }
    for (int k = 0; k < l->n_outputs; k++) {
        a->out[k] = p->out[k].val;
        a->out_mask[k] = p->out[k].mask;
        a->dout[k] = p->out[k].grad;
        if (!backward || !p->out[k].needs_grad)
            a->dout[k].data = NULL;
    }
    ps->n_in = nin;
    ps->in = a->in;
    ps->in_mask = a->in_mask;
    ps->n_out = l->n_outputs;
    ps->out = a->out;
    ps->out_mask = a->out_mask;
    ps->din = a->din;
    ps->dout = a->dout;
    ps->cache = p->cache;
}

static ur_status forward_impl(ur_model *m, const ur_tensor *inputs, bool training, ur_rng *rng,
                              bool inputs_on_device, ur_ctx *ctx)
{
    ur_graph *g = m->g;
    int n_in = ur_graph_n_inputs(g);
    for (int i = 1; i < n_in; i++)
        if (inputs[i].dim[0] != inputs[0].dim[0])
            return ur_error(ctx, UR_ERR_SHAPE,
                            "inputs '%s' and '%s' have different batch sizes (%lld and %lld)",
                            ur_graph_input(g, 0)->name, ur_graph_input(g, i)->name,
                            (long long)inputs[0].dim[0], (long long)inputs[i].dim[0]);
    ur_status st = plan(m, inputs, ctx);
    if (st)
        return st;
    for (int i = 0; i < n_in; i++) {
        slot *s = &m->lp[ur_graph_input(g, i)->index].out[0];
        if (on_device(m) && !inputs_on_device) {
            s->val.data = s->own;
            m->be->upload(m->be, s->own, inputs[i].data, (size_t)ur_tensor_numel(&inputs[i]) * 4);
        } else {
            s->val.data = inputs[i].data;
        }
    }
    if (on_device(m)) {
        sync_device(m);
        m->be->bind_weights(m->be, m->dparams, m->dgrads);
    }
    int n_order;
    const int *order = ur_graph_order(g, &n_order);
    pass_arrays a;
    for (int oi = 0; oi < n_order; oi++) {
        ur_layer *l = ur_graph_layer(g, order[oi]);
        if (l->kind == &ur_input_kind)
            continue;
        ur_pass ps = {.batch = m->plan_batch, .training = training, .rng = rng, .ctx = ctx};
        fill_pass(m, l, &m->lp[l->index], &a, &ps, false);
        st = m->be->forward(m->be, l, &ps);
        if (st) {
            ur_error_prefix(ctx, "layer '%s'", l->name);
            return st;
        }
    }
    /* training forwards update non-trainable weights (moving statistics) */
    if (training && on_device(m) && m->n_params > m->n_trainable)
        m->host_stale = true;
    return UR_OK;
}

ur_status ur_model_forward(ur_model *m, const ur_tensor *inputs, bool training, ur_rng *rng,
                           ur_ctx *ctx)
{
    return forward_impl(m, inputs, training, rng, false, ctx);
}

ur_status ur_model_forward_device(ur_model *m, const ur_tensor *inputs, bool training,
                                  ur_rng *rng, ur_ctx *ctx)
{
    return forward_impl(m, inputs, training, rng, true, ctx);
}

const ur_tensor *ur_model_output_device(const ur_model *m, int i)
{
    const ur_ref *r = &ur_graph_output_refs(m->g)[i];
    return &m->lp[r->layer].out[r->output].val;
}

const uint8_t *ur_model_output_mask_device(const ur_model *m, int i)
{
    const ur_ref *r = &ur_graph_output_refs(m->g)[i];
    return m->lp[r->layer].out[r->output].mask;
}

/* A host copy of a device tensor in *mirror (allocated once per plan). */
static const ur_tensor *download_mirror(const ur_model *m, const ur_tensor *src, ur_tensor *mirror)
{
    if (!mirror->data) {
        mirror->data = ur_alloc_aligned((size_t)ur_tensor_numel(src) * 4 + 64);
        if (!mirror->data)
            return NULL;
    }
    void *data = mirror->data;
    *mirror = *src;
    mirror->data = data;
    m->be->download(m->be, data, src->data, (size_t)ur_tensor_numel(src) * 4);
    return mirror;
}

const ur_tensor *ur_model_output(const ur_model *m, int i)
{
    const ur_tensor *t = ur_model_output_device(m, i);
    if (!on_device(m))
        return t;
    return download_mirror(m, t, &m->host_out[i]);
}

const uint8_t *ur_model_output_mask(const ur_model *m, int i)
{
    const uint8_t *mask = ur_model_output_mask_device(m, i);
    if (!on_device(m) || !mask)
        return mask;
    const ur_tensor *t = ur_model_output_device(m, i);
    size_t n = (size_t)(t->dim[0] * (t->rank >= 2 ? t->dim[1] : 1));
    if (!m->host_mask[i] && !(m->host_mask[i] = ur_alloc_aligned(n + 64)))
        return NULL;
    m->be->download(m->be, m->host_mask[i], mask, n);
    return m->host_mask[i];
}

static ur_status backward_impl(ur_model *m, const ur_tensor *douts, bool douts_on_device,
                               ur_ctx *ctx)
{
    if (!m->planned)
        return ur_error(ctx, UR_ERR_INTERNAL, "backward without a forward pass");
    ur_graph *g = m->g;
    const ur_backend *be = m->be;
    if (on_device(m)) {
        sync_device(m);
        be->memset0(be, m->dgrads, m->n_trainable * sizeof(float));
    } else {
        memset(m->grads, 0, m->n_trainable * sizeof(float));
    }
    be->memset0(be, m->grad_arena, m->grad_bytes);
    const ur_ref *outs = ur_graph_output_refs(g);
    for (int k = 0; k < ur_graph_n_outputs(g); k++) {
        if (!douts[k].data)
            continue;
        slot *s = &m->lp[outs[k].layer].out[outs[k].output];
        int64_t n = ur_tensor_numel(&s->val);
        if (ur_tensor_numel(&douts[k]) != n)
            return ur_error(ctx, UR_ERR_SHAPE, "the gradient of output %d has %lld values, not %lld",
                            k, (long long)ur_tensor_numel(&douts[k]), (long long)n);
        float *dst = ur_tensor_f32(&s->grad);
        const float *src = ur_tensor_f32(&douts[k]);
        if (on_device(m) && douts_on_device) {
            be->add(be, dst, src, n);
        } else if (on_device(m)) {
            float *tmp = be->alloc(be, (size_t)n * 4 + 64);
            if (!tmp)
                return ur_error(ctx, UR_ERR_NOMEM, "out of %s memory for output gradients",
                                be->name);
            be->upload(be, tmp, src, (size_t)n * 4);
            be->add(be, dst, tmp, n);
            be->free(be, tmp);
        } else {
            for (int64_t j = 0; j < n; j++)
                dst[j] += src[j];
        }
    }
    if (on_device(m))
        be->bind_weights(be, m->dparams, m->dgrads);
    int n_order;
    const int *order = ur_graph_order(g, &n_order);
    pass_arrays a;
    for (int oi = n_order - 1; oi >= 0; oi--) {
        ur_layer *l = ur_graph_layer(g, order[oi]);
        layer_plan *p = &m->lp[l->index];
        if (l->kind == &ur_input_kind || !p->active)
            continue;
        ur_pass ps = {.batch = m->plan_batch, .training = true, .ctx = ctx};
        fill_pass(m, l, p, &a, &ps, true);
        ur_status st = be->backward(be, l, &ps);
        if (st) {
            ur_error_prefix(ctx, "layer '%s' (backward)", l->name);
            return st;
        }
    }
    if (on_device(m))
        m->grads_host_stale = true;
    return UR_OK;
}

ur_status ur_model_backward(ur_model *m, const ur_tensor *douts, ur_ctx *ctx)
{
    return backward_impl(m, douts, false, ctx);
}

ur_status ur_model_backward_device(ur_model *m, const ur_tensor *douts, ur_ctx *ctx)
{
    return backward_impl(m, douts, true, ctx);
}

const ur_tensor *ur_model_input_grad(const ur_model *m, int i)
{
    const ur_layer *l = ur_graph_input(m->g, i);
    const slot *s = &m->lp[l->index].out[0];
    if (!(s->grad.data && s->needs_grad))
        return NULL;
    if (!on_device(m))
        return &s->grad;
    return download_mirror(m, &s->grad, &m->host_din[i]);
}

void ur_model_set_input_grads(ur_model *m, bool on)
{
    if (m->input_grads != on)
        m->planned = false;
    m->input_grads = on;
}

/* ------------------------------------------------------------- predict */

/* Copies rows [from, from + n) of a (sample-major) array into a batch view. */
static void batch_view(const ur_tensor *full, int64_t from, int64_t n, ur_tensor *out)
{
    *out = *full;
    out->dim[0] = n;
    int64_t row = ur_tensor_numel(full) / (full->dim[0] ? full->dim[0] : 1);
    out->data = (char *)full->data + (size_t)(from * row) * 4;
}

ur_status ur_model_predict(ur_model *m, int n_in, const ur_tensor *inputs, int64_t batch_size,
                           ur_array **outputs, ur_ctx *ctx)
{
    ur_graph *g = m->g;
    if (n_in != ur_graph_n_inputs(g))
        return ur_error(ctx, UR_ERR_INVALID, "the model has %d input%s, got %d",
                        ur_graph_n_inputs(g), ur_graph_n_inputs(g) == 1 ? "" : "s", n_in);
    if (n_in > 16)
        return ur_error(ctx, UR_ERR_UNSUPPORTED, "at most 16 model inputs are supported");
    int64_t N = inputs[0].dim[0];
    for (int i = 1; i < n_in; i++)
        if (inputs[i].dim[0] != N)
            return ur_error(ctx, UR_ERR_SHAPE, "inputs have different sample counts (%lld and %lld)",
                            (long long)N, (long long)inputs[i].dim[0]);
    if (N <= 0)
        return ur_error(ctx, UR_ERR_INVALID, "there are no samples to predict");
    if (batch_size <= 0)
        batch_size = 32;
    int n_out = ur_graph_n_outputs(g);
    for (int k = 0; k < n_out; k++)
        outputs[k] = NULL;
    ur_rng rng;
    ur_rng_seed(&rng, 0);
    ur_tensor views[16];
    for (int64_t from = 0; from < N; from += batch_size) {
        int64_t n = UR_MIN(batch_size, N - from);
        for (int i = 0; i < n_in; i++)
            batch_view(&inputs[i], from, n, &views[i]);
        ur_status st = ur_model_forward(m, views, false, &rng, ctx);
        if (st) {
            for (int k = 0; k < n_out; k++) {
                ur_array_free(outputs[k]);
                outputs[k] = NULL;
            }
            return st;
        }
        for (int k = 0; k < n_out; k++) {
            const ur_tensor *y = ur_model_output(m, k);
            if (!outputs[k]) {
                int64_t dim[UR_MAX_RANK];
                for (int d = 0; d < y->rank; d++)
                    dim[d] = y->dim[d];
                dim[0] = N;
                outputs[k] = ur_array_new(UR_F32, y->rank, dim, NULL);
                if (!outputs[k]) {
                    for (int j = 0; j < k; j++)
                        ur_array_free(outputs[j]);
                    return ur_error(ctx, UR_ERR_NOMEM, "out of memory for the predictions");
                }
            }
            int64_t row = ur_tensor_numel(y) / n;
            memcpy((float *)outputs[k]->t.data + from * row, y->data, (size_t)(n * row) * 4);
        }
    }
    return UR_OK;
}
