/* graph.c — the model graph: layers from the model document, their wiring
 * (Sequential chains, "inputs", "initial_state", "name:k" references),
 * topological order, shape and mask inference, and per-layer errors that
 * leave the rest of the graph readable. No weights live here (model.c). */
#include "ur-internal.h"

#include <ctype.h>
#include <stdio.h>

struct ur_graph {
    ur_value *doc;      /* the document without "layers" (kept for round trips) */
    char *name;
    int n_layers;
    ur_layer **layers;
    int *order;         /* topological order of layer indices */
    int n_order;
    int n_inputs;
    int *inputs;        /* Input layers, in file order */
    int n_outputs;
    ur_ref *outputs;
    char *error;        /* graph-level error (outputs, cycles), or NULL */
};

/* ------------------------------------------------------------- layers */

static void layer_set_error(ur_layer *l, const char *msg)
{
    if (!l->error)
        l->error = ur_xstrdup(msg);
    l->broken = true;
}

ur_status ur_layer_fail(ur_layer *l, ur_ctx *ctx, ur_status st, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    layer_set_error(l, msg);
    return ur_error(ctx, st, "%s", msg);
}

void ur_layer_clear_weights(ur_layer *l)
{
    free(l->weights);
    l->weights = NULL;
    l->n_weights = 0;
}

ur_weight *ur_layer_add_weight(ur_layer *l, const char *name, int rank, const int64_t *dim,
                               const ur_init *init, bool trainable)
{
    l->weights = ur_xrealloc(l->weights, (size_t)(l->n_weights + 1) * sizeof(ur_weight));
    ur_weight *w = &l->weights[l->n_weights++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s", name);
    w->rank = rank;
    w->numel = 1;
    for (int i = 0; i < rank; i++) {
        w->dim[i] = dim[i];
        w->numel *= dim[i];
    }
    w->trainable = trainable;
    w->init = *init;
    return w;
}

static void layer_reset(ur_layer *l)
{
    free(l->error);
    l->error = NULL;
    l->broken = false;
    l->n_outputs = 0;
    ur_layer_clear_weights(l);
    for (int i = 0; i < 2; i++) {
        ur_layer_free(l->inner[i]);
        l->inner[i] = NULL;
    }
    free(l->inputs);
    free(l->states);
    l->inputs = l->states = NULL;
    l->n_inputs = l->n_states = 0;
}

void ur_layer_free(ur_layer *l)
{
    if (!l)
        return;
    layer_reset(l);
    if (l->kind && l->kind->free_cfg)
        l->kind->free_cfg(l);
    ur_options_free(l->kind, l->cfg);
    free(l->cfg);
    ur_value_free(l->spec);
    free(l->name);
    free(l->state);
    free(l);
}

/* Kind lookup and options of l->spec; the error (if any) is kept on l. */
static void layer_configure(ur_layer *l)
{
    ur_ctx ctx = {0};
    const ur_value *cls = ur_value_get(l->spec, "class");
    if (!cls || cls->type != UR_VALUE_STRING) {
        layer_set_error(l, "has no \"class\" (a Keras layer class name such as \"LSTM\")");
        l->kind = NULL;
        return;
    }
    l->kind = ur_layer_kind_find(cls->u.str);
    if (!l->kind) {
        const char *names[32];
        int n = 0;
        for (int i = 0; ur_layer_kinds[i] && n < 31; i++)
            names[n++] = ur_layer_kinds[i]->class_name;
        names[n] = NULL;
        const char *near = ur_closest(cls->u.str, names);
        char msg[512];
        if (near)
            snprintf(msg, sizeof msg, "unknown layer class '%s' (did you mean '%s'?)", cls->u.str,
                     near);
        else
            snprintf(msg, sizeof msg, "unknown layer class '%s'", cls->u.str);
        layer_set_error(l, msg);
        return;
    }
    if (ur_options_parse(l, &ctx) != UR_OK)
        layer_set_error(l, ctx.message);
}

ur_layer *ur_layer_new_from_spec(const ur_value *spec, const char *name, ur_ctx *ctx)
{
    ur_layer *l = ur_xcalloc(1, sizeof *l);
    l->spec = ur_value_copy(spec);
    l->name = ur_xstrdup(name);
    l->line = spec->line;
    l->column = spec->column;
    layer_configure(l);
    if (l->error) {
        ur_error(ctx, UR_ERR_INVALID, "%s", l->error);
        ur_layer_free(l);
        return NULL;
    }
    return l;
}

/* Keras's automatic names: "SimpleRNN" -> "simple_rnn", "LSTM" -> "lstm". */
static void auto_name(const char *cls, char *out, size_t size)
{
    if (strcmp(cls, "Input") == 0 || strcmp(cls, "InputLayer") == 0) {
        snprintf(out, size, "input_layer");
        return;
    }
    size_t o = 0, n = strlen(cls);
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        unsigned char c = (unsigned char)cls[i];
        if (isupper(c) && i > 0 &&
            (islower((unsigned char)cls[i - 1]) ||
             (i + 1 < n && islower((unsigned char)cls[i + 1]) && isupper((unsigned char)cls[i - 1]))))
            out[o++] = '_';
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, size, "layer");
}

/* ------------------------------------------------------------- the graph */

static int find_layer(const ur_graph *g, const char *name)
{
    for (int i = 0; i < g->n_layers; i++)
        if (strcmp(g->layers[i]->name, name) == 0)
            return i;
    return -1;
}

static const char *closest_layer(const ur_graph *g, const char *name)
{
    const char **names = ur_xcalloc((size_t)g->n_layers + 1, sizeof(char *));
    for (int i = 0; i < g->n_layers; i++)
        names[i] = g->layers[i]->name;
    const char *near = ur_closest(name, names);
    free(names);
    return near;
}

/* "name" or "name:k" -> ref; false with msg on error. */
static bool parse_ref(const ur_graph *g, const ur_value *v, ur_ref *ref, char *msg, size_t size)
{
    if (v->type != UR_VALUE_STRING) {
        snprintf(msg, size, "a tensor reference must be a string \"layer\" or \"layer:k\", got %s",
                 ur_value_type_name(v->type));
        return false;
    }
    char name[256];
    snprintf(name, sizeof name, "%s", v->u.str);
    ref->output = 0;
    char *colon = strrchr(name, ':');
    if (colon) {
        char *end;
        long k = strtol(colon + 1, &end, 10);
        if (*end != '\0' || colon[1] == '\0' || k < 0 || k >= UR_MAX_OUTPUTS) {
            snprintf(msg, size, "bad tensor reference '%s' (expected \"layer\" or \"layer:k\")",
                     v->u.str);
            return false;
        }
        *colon = '\0';
        ref->output = (int)k;
    }
    ref->layer = find_layer(g, name);
    if (ref->layer < 0) {
        const char *near = closest_layer(g, name);
        if (near)
            snprintf(msg, size, "refers to '%s', which is not a layer (did you mean '%s'?)", name,
                     near);
        else
            snprintf(msg, size, "refers to '%s', which is not a layer", name);
        return false;
    }
    return true;
}

/* Reads one of "inputs" / "initial_state" (a string or an array of them). */
static bool parse_refs(const ur_graph *g, const ur_value *v, const char *key, ur_ref **out, int *n,
                       char *msg, size_t size)
{
    *out = NULL;
    *n = 0;
    if (!v)
        return true;
    if (v->type == UR_VALUE_STRING) {
        *out = ur_xcalloc(1, sizeof(ur_ref));
        if (!parse_ref(g, v, &(*out)[0], msg, size)) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "\"%s\": %s", key, msg);
            snprintf(msg, size, "%s", tmp);
            return false;
        }
        *n = 1;
        return true;
    }
    if (v->type != UR_VALUE_ARRAY) {
        snprintf(msg, size, "\"%s\" must be a layer name or an array of them, got %s", key,
                 ur_value_type_name(v->type));
        return false;
    }
    *out = ur_xcalloc(v->u.arr.n ? v->u.arr.n : 1, sizeof(ur_ref));
    for (size_t i = 0; i < v->u.arr.n; i++) {
        if (!parse_ref(g, v->u.arr.items[i], &(*out)[i], msg, size)) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "\"%s\"[%zu]: %s", key, i, msg);
            snprintf(msg, size, "%s", tmp);
            return false;
        }
        (*n)++;
    }
    return true;
}

static void wire_layer(ur_graph *g, int i)
{
    ur_layer *l = g->layers[i];
    char msg[512];
    const ur_value *inputs = ur_value_get(l->spec, "inputs");
    if (!parse_refs(g, inputs, "inputs", &l->inputs, &l->n_inputs, msg, sizeof msg)) {
        layer_set_error(l, msg);
        return;
    }
    if (!parse_refs(g, ur_value_get(l->spec, "initial_state"), "initial_state", &l->states,
                    &l->n_states, msg, sizeof msg)) {
        layer_set_error(l, msg);
        return;
    }
    bool is_input = l->kind == &ur_input_kind;
    if (!inputs && !is_input) {
        /* a Sequential chain: the previous layer's first output */
        if (i == 0) {
            layer_set_error(l, "has no input: start the model with an Input layer, or list this "
                               "layer's \"inputs\"");
            return;
        }
        l->inputs = ur_xcalloc(1, sizeof(ur_ref));
        l->inputs[0] = (ur_ref){i - 1, 0};
        l->n_inputs = 1;
    }
    for (int k = 0; k < l->n_inputs + l->n_states; k++) {
        const ur_ref *r = k < l->n_inputs ? &l->inputs[k] : &l->states[k - l->n_inputs];
        if (r->layer == i) {
            layer_set_error(l, "takes its own output as input");
            return;
        }
    }
}

/* Depth-first topological sort; a cycle marks its layers. */
static bool topo_visit(ur_graph *g, int i, char *mark)
{
    if (mark[i] == 2)
        return true;
    if (mark[i] == 1)
        return false;
    mark[i] = 1;
    ur_layer *l = g->layers[i];
    bool ok = true;
    for (int k = 0; k < l->n_inputs + l->n_states; k++) {
        const ur_ref *r = k < l->n_inputs ? &l->inputs[k] : &l->states[k - l->n_inputs];
        if (!topo_visit(g, r->layer, mark)) {
            layer_set_error(l, "is part of a cycle: its inputs depend on its own output");
            ok = false;
        }
    }
    mark[i] = 2;
    g->order[g->n_order++] = i;
    return ok;
}

static void infer_layer(ur_graph *g, ur_layer *l)
{
    if (l->broken)
        return;
    int n_in = l->n_inputs + l->n_states;
    ur_shape in[32];
    bool in_mask[32];
    if (n_in > 32) {
        layer_set_error(l, "has more than 32 inputs");
        return;
    }
    for (int k = 0; k < n_in; k++) {
        const ur_ref *r = k < l->n_inputs ? &l->inputs[k] : &l->states[k - l->n_inputs];
        const ur_layer *src = g->layers[r->layer];
        if (src->broken) {
            l->broken = true; /* no message of its own: the source has one */
            return;
        }
        if (r->output >= src->n_outputs) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "takes output %d of '%s', which has %d output%s (0..%d)%s", r->output,
                     src->name, src->n_outputs, src->n_outputs == 1 ? "" : "s",
                     src->n_outputs - 1,
                     src->n_outputs == 1 ? "; set return_state to get the states" : "");
            layer_set_error(l, msg);
            return;
        }
        in[k] = src->out_shape[r->output];
        in_mask[k] = src->out_mask[r->output];
    }
    const ur_layer_kind *k = l->kind;
    char msg[512];
    if (l->n_inputs < k->min_inputs || (k->max_inputs >= 0 && l->n_inputs > k->max_inputs)) {
        if (k->max_inputs == 0)
            snprintf(msg, sizeof msg, "takes no inputs, got %d", l->n_inputs);
        else if (k->min_inputs == k->max_inputs)
            snprintf(msg, sizeof msg, "takes %d input%s, got %d", k->min_inputs,
                     k->min_inputs == 1 ? "" : "s", l->n_inputs);
        else
            snprintf(msg, sizeof msg, "takes at least %d inputs, got %d", k->min_inputs,
                     l->n_inputs);
        layer_set_error(l, msg);
        return;
    }
    if (l->n_states > 0 && !k->accepts_states) {
        layer_set_error(l, "does not take an initial_state (only recurrent layers do)");
        return;
    }
    ur_ctx ctx = {0};
    for (int o = 0; o < UR_MAX_OUTPUTS; o++)
        l->out_mask_src[o] = UR_MASK_NONE;
    if (k->infer(l, in, in_mask, n_in, l->out_shape, &ctx) != UR_OK) {
        layer_set_error(l, ctx.message[0] ? ctx.message : "shape inference failed");
        return;
    }
    for (int o = 0; o < l->n_outputs; o++) {
        int src = l->out_mask_src[o];
        l->out_mask[o] = src == UR_MASK_OWN ? true : (src >= 0 ? in_mask[src] : false);
    }
    ur_layer_clear_weights(l);
    if (k->build)
        k->build(l, in, n_in);
}

static void graph_set_error(ur_graph *g, const char *msg)
{
    if (!g->error)
        g->error = ur_xstrdup(msg);
}

void ur_graph_update(ur_graph *g)
{
    free(g->error);
    g->error = NULL;
    for (int i = 0; i < g->n_layers; i++) {
        ur_layer *l = g->layers[i];
        layer_reset(l);
        if (l->kind && l->kind->free_cfg)
            l->kind->free_cfg(l);
        ur_options_free(l->kind, l->cfg);
        free(l->cfg);
        l->cfg = NULL;
        l->index = i;
        layer_configure(l);
    }
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i]->kind || !g->layers[i]->error)
            wire_layer(g, i);
    /* duplicate names make references ambiguous */
    for (int i = 0; i < g->n_layers; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(g->layers[i]->name, g->layers[j]->name) == 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "has the same name as layer %d; names must be unique", j);
                layer_set_error(g->layers[i], msg);
            }

    free(g->order);
    g->order = ur_xcalloc((size_t)g->n_layers + 1, sizeof(int));
    g->n_order = 0;
    char *mark = ur_xcalloc((size_t)g->n_layers + 1, 1);
    for (int i = 0; i < g->n_layers; i++)
        topo_visit(g, i, mark);
    free(mark);

    for (int oi = 0; oi < g->n_order; oi++) {
        ur_layer *l = g->layers[g->order[oi]];
        if (!l->kind)
            continue;
        infer_layer(g, l);
    }

    free(g->inputs);
    g->inputs = ur_xcalloc((size_t)g->n_layers + 1, sizeof(int));
    g->n_inputs = 0;
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i]->kind == &ur_input_kind)
            g->inputs[g->n_inputs++] = i;
    if (g->n_layers > 0 && g->n_inputs == 0)
        graph_set_error(g, "the model has no Input layer");

    free(g->outputs);
    g->outputs = NULL;
    g->n_outputs = 0;
    const ur_value *outs = ur_value_get(g->doc, "outputs");
    if (outs) {
        char msg[512];
        if (!parse_refs(g, outs, "outputs", &g->outputs, &g->n_outputs, msg, sizeof msg))
            graph_set_error(g, msg);
    } else if (g->n_layers > 0) {
        ur_layer *last = g->layers[g->n_layers - 1];
        int n = last->n_outputs > 0 ? last->n_outputs : 1;
        g->outputs = ur_xcalloc((size_t)n, sizeof(ur_ref));
        for (int k = 0; k < n; k++)
            g->outputs[k] = (ur_ref){g->n_layers - 1, k};
        g->n_outputs = n;
    }
    for (int k = 0; k < g->n_outputs && !g->error; k++) {
        const ur_layer *src = g->layers[g->outputs[k].layer];
        if (!src->broken && g->outputs[k].output >= src->n_outputs) {
            char msg[512];
            snprintf(msg, sizeof msg, "output '%s:%d' does not exist: '%s' has %d output%s",
                     src->name, g->outputs[k].output, src->name, src->n_outputs,
                     src->n_outputs == 1 ? "" : "s");
            graph_set_error(g, msg);
        }
    }
    if (g->n_layers == 0)
        graph_set_error(g, "the model has no layers");
}

/* Keras numbering: dense, dense_1, dense_2 ... avoiding the names of layers
 * [0, upto) and every name given in `specs` (NULL: the graph's layers only). */
static char *unique_name(const ur_graph *g, int upto, const ur_value *specs, const char *cls)
{
    char base[128], cand[160];
    auto_name(cls, base, sizeof base);
    snprintf(cand, sizeof cand, "%s", base);
    for (int n = 1;; n++) {
        bool taken = false;
        for (int j = 0; j < upto && !taken; j++)
            taken = g->layers[j] && strcmp(g->layers[j]->name, cand) == 0;
        for (size_t j = 0; specs && j < specs->u.arr.n && !taken; j++) {
            const ur_value *on = ur_value_get(specs->u.arr.items[j], "name");
            taken = on && on->type == UR_VALUE_STRING && strcmp(on->u.str, cand) == 0;
        }
        if (!taken)
            return ur_xstrdup(cand);
        snprintf(cand, sizeof cand, "%s_%d", base, n);
    }
}

ur_graph *ur_graph_from_value(const ur_value *doc, ur_ctx *ctx)
{
    if (!doc || doc->type != UR_VALUE_OBJECT) {
        ur_error(ctx, UR_ERR_FORMAT, "a model document must be a JSON object, got %s",
                 doc ? ur_value_type_name(doc->type) : "nothing");
        return NULL;
    }
    const ur_value *layers = ur_value_get(doc, "layers");
    if (!layers || layers->type != UR_VALUE_ARRAY) {
        ur_error(ctx, UR_ERR_FORMAT, "%d:%d: the model has no \"layers\" array", doc->line,
                 doc->column);
        return NULL;
    }
    const ur_value *name = ur_value_get(doc, "name");
    if (name && name->type != UR_VALUE_STRING) {
        ur_error(ctx, UR_ERR_FORMAT, "%d:%d: \"name\" must be a string", name->line, name->column);
        return NULL;
    }
    for (size_t i = 0; i < layers->u.arr.n; i++) {
        const ur_value *spec = layers->u.arr.items[i];
        if (spec->type != UR_VALUE_OBJECT) {
            ur_error(ctx, UR_ERR_FORMAT, "%d:%d: layers[%zu] must be an object, got %s", spec->line,
                     spec->column, i, ur_value_type_name(spec->type));
            return NULL;
        }
        const ur_value *ln = ur_value_get(spec, "name");
        if (ln && ln->type != UR_VALUE_STRING) {
            ur_error(ctx, UR_ERR_FORMAT, "%d:%d: layers[%zu].name must be a string", ln->line,
                     ln->column, i);
            return NULL;
        }
    }

    ur_graph *g = ur_xcalloc(1, sizeof *g);
    g->doc = ur_value_copy(doc);
    ur_value_remove(g->doc, "layers");
    g->name = ur_xstrdup(name ? name->u.str : "model");
    g->n_layers = (int)layers->u.arr.n;
    g->layers = ur_xcalloc((size_t)g->n_layers + 1, sizeof(ur_layer *));
    for (int i = 0; i < g->n_layers; i++) {
        const ur_value *spec = layers->u.arr.items[i];
        ur_layer *l = ur_xcalloc(1, sizeof *l);
        l->spec = ur_value_copy(spec);
        l->line = spec->line;
        l->column = spec->column;
        const ur_value *ln = ur_value_get(spec, "name");
        if (ln) {
            l->name = ur_xstrdup(ln->u.str);
        } else {
            const ur_value *cls = ur_value_get(spec, "class");
            l->name = unique_name(g, i, layers, cls && cls->type == UR_VALUE_STRING ? cls->u.str
                                                                                   : "layer");
        }
        l->index = i;
        g->layers[i] = l;
    }
    ur_graph_update(g);
    return g;
}

void ur_graph_free(ur_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_layers; i++)
        ur_layer_free(g->layers[i]);
    free(g->layers);
    free(g->order);
    free(g->inputs);
    free(g->outputs);
    free(g->error);
    free(g->name);
    ur_value_free(g->doc);
    free(g);
}

ur_value *ur_graph_to_value(const ur_graph *g)
{
    ur_value *doc = ur_value_new_object();
    /* keep the document's key order: envelope keys, then layers, then the rest */
    bool placed = false;
    for (size_t i = 0; i < g->doc->u.obj.n; i++) {
        const char *key = g->doc->u.obj.keys[i];
        if (!placed && (strcmp(key, "outputs") == 0 || strcmp(key, "ui") == 0)) {
            ur_value *layers = ur_value_new_array();
            for (int j = 0; j < g->n_layers; j++)
                ur_value_append(layers, ur_value_copy(g->layers[j]->spec));
            ur_value_set(doc, "layers", layers);
            placed = true;
        }
        ur_value_set(doc, key, ur_value_copy(g->doc->u.obj.vals[i]));
    }
    if (!placed) {
        ur_value *layers = ur_value_new_array();
        for (int j = 0; j < g->n_layers; j++)
            ur_value_append(layers, ur_value_copy(g->layers[j]->spec));
        ur_value_set(doc, "layers", layers);
    }
    return doc;
}

ur_status ur_graph_check(const ur_graph *g, ur_ctx *ctx)
{
    for (int i = 0; i < g->n_layers; i++) {
        const ur_layer *l = g->layers[i];
        if (l->error) {
            const ur_value *cls = ur_value_get(l->spec, "class");
            return ur_error(ctx, UR_ERR_INVALID, "layer '%s' (%s): %s", l->name,
                            cls && cls->type == UR_VALUE_STRING ? cls->u.str : "?", l->error);
        }
    }
    if (g->error)
        return ur_error(ctx, UR_ERR_INVALID, "%s", g->error);
    return UR_OK;
}

const char *ur_graph_name(const ur_graph *g) { return g->name; }
int ur_graph_n_layers(const ur_graph *g) { return g->n_layers; }
ur_layer *ur_graph_layer(const ur_graph *g, int i) { return g->layers[i]; }
ur_layer *ur_graph_find(const ur_graph *g, const char *name)
{
    int i = find_layer(g, name);
    return i < 0 ? NULL : g->layers[i];
}
int ur_graph_n_inputs(const ur_graph *g) { return g->n_inputs; }
ur_layer *ur_graph_input(const ur_graph *g, int i) { return g->layers[g->inputs[i]]; }
int ur_graph_n_outputs(const ur_graph *g) { return g->n_outputs; }
void ur_graph_output(const ur_graph *g, int i, ur_layer **layer, int *index)
{
    *layer = g->layers[g->outputs[i].layer];
    *index = g->outputs[i].output;
}

/* Internal: the order and refs, for model.c. */
const int *ur_graph_order(const ur_graph *g, int *n);
const int *ur_graph_order(const ur_graph *g, int *n)
{
    *n = g->n_order;
    return g->order;
}
const ur_ref *ur_graph_output_refs(const ur_graph *g);
const ur_ref *ur_graph_output_refs(const ur_graph *g) { return g->outputs; }

int64_t ur_graph_count_params(const ur_graph *g, bool trainable)
{
    int64_t n = 0;
    for (int i = 0; i < g->n_layers; i++)
        n += ur_layer_count_params(g->layers[i], trainable);
    return n;
}

const char *ur_layer_name(const ur_layer *l) { return l->name; }
const char *ur_layer_class(const ur_layer *l)
{
    if (l->kind)
        return l->kind->class_name;
    const ur_value *cls = ur_value_get(l->spec, "class");
    return cls && cls->type == UR_VALUE_STRING ? cls->u.str : "?";
}
const char *ur_layer_error(const ur_layer *l) { return l->error; }
void ur_layer_position(const ur_layer *l, int *line, int *column)
{
    *line = l->line;
    *column = l->column;
}
int ur_layer_n_outputs(const ur_layer *l) { return l->n_outputs; }
const ur_shape *ur_layer_output_shape(const ur_layer *l, int k) { return &l->out_shape[k]; }
bool ur_layer_output_masked(const ur_layer *l, int k) { return l->out_mask[k]; }
int64_t ur_layer_count_params(const ur_layer *l, bool trainable)
{
    int64_t n = 0;
    for (int i = 0; i < l->n_weights; i++)
        if (l->weights[i].trainable == trainable)
            n += l->weights[i].numel;
    return n;
}
int ur_layer_n_inbound(const ur_layer *l) { return l->n_inputs + l->n_states; }
void ur_layer_inbound(const ur_graph *g, const ur_layer *l, int i, const ur_layer **src,
                      int *index, bool *is_state)
{
    const ur_ref *r = i < l->n_inputs ? &l->inputs[i] : &l->states[i - l->n_inputs];
    *src = g->layers[r->layer];
    *index = r->output;
    *is_state = i >= l->n_inputs;
}

/* --------------------------------------------------------------- editing */

static ur_status check_spec(const ur_value *spec, ur_ctx *ctx)
{
    if (!spec || spec->type != UR_VALUE_OBJECT)
        return ur_error(ctx, UR_ERR_INVALID, "a layer must be an object");
    const ur_value *ln = ur_value_get(spec, "name");
    if (ln && ln->type != UR_VALUE_STRING)
        return ur_error(ctx, UR_ERR_INVALID, "a layer's \"name\" must be a string");
    return UR_OK;
}

ur_layer *ur_graph_insert_layer(ur_graph *g, int position, const ur_value *spec, ur_ctx *ctx)
{
    if (check_spec(spec, ctx))
        return NULL;
    if (position < 0 || position > g->n_layers)
        position = g->n_layers;
    ur_layer *l = ur_xcalloc(1, sizeof *l);
    l->spec = ur_value_copy(spec);
    const ur_value *ln = ur_value_get(spec, "name");
    if (ln) {
        if (ur_graph_find(g, ln->u.str)) {
            ur_error(ctx, UR_ERR_INVALID, "there is already a layer named '%s'", ln->u.str);
            ur_layer_free(l);
            return NULL;
        }
        l->name = ur_xstrdup(ln->u.str);
    } else {
        const ur_value *cls = ur_value_get(spec, "class");
        l->name = unique_name(g, g->n_layers, NULL,
                              cls && cls->type == UR_VALUE_STRING ? cls->u.str : "layer");
        ur_value_set(l->spec, "name", ur_value_new_string(l->name));
    }
    g->layers = ur_xrealloc(g->layers, (size_t)(g->n_layers + 2) * sizeof(ur_layer *));
    memmove(g->layers + position + 1, g->layers + position,
            (size_t)(g->n_layers - position) * sizeof(ur_layer *));
    g->layers[position] = l;
    g->n_layers++;
    ur_graph_update(g);
    return l;
}

/* Every reference to `name` ("name" or "name:k") in inputs, initial_state
 * and outputs: renamed to `to`, or removed when to is NULL. */
static void rewrite_refs_in(ur_value *v, const char *name, const char *to)
{
    if (!v)
        return;
    size_t n = strlen(name);
    if (v->type == UR_VALUE_STRING) {
        const char *s = v->u.str;
        if (strncmp(s, name, n) == 0 && (s[n] == '\0' || s[n] == ':') && to) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s%s", to, s + n);
            free(v->u.str);
            v->u.str = ur_xstrdup(buf);
        }
        return;
    }
    if (v->type != UR_VALUE_ARRAY)
        return;
    for (size_t i = 0; i < v->u.arr.n;) {
        ur_value *it = v->u.arr.items[i];
        const char *s = it->type == UR_VALUE_STRING ? it->u.str : NULL;
        if (s && !to && strncmp(s, name, n) == 0 && (s[n] == '\0' || s[n] == ':')) {
            ur_value_free(it);
            memmove(v->u.arr.items + i, v->u.arr.items + i + 1,
                    (v->u.arr.n - i - 1) * sizeof(ur_value *));
            v->u.arr.n--;
            continue;
        }
        rewrite_refs_in(it, name, to);
        i++;
    }
}

static void rewrite_refs(ur_graph *g, const char *name, const char *to)
{
    for (int i = 0; i < g->n_layers; i++) {
        ur_value *spec = g->layers[i]->spec;
        static const char *const keys[] = {"inputs", "initial_state"};
        for (int k = 0; k < 2; k++) {
            ur_value *v = ur_value_get(spec, keys[k]);
            if (!v)
                continue;
            if (!to && v->type == UR_VALUE_STRING) {
                size_t n = strlen(name);
                if (strncmp(v->u.str, name, n) == 0 &&
                    (v->u.str[n] == '\0' || v->u.str[n] == ':'))
                    ur_value_set(spec, keys[k], ur_value_new_array());
                continue;
            }
            rewrite_refs_in(v, name, to);
        }
    }
    rewrite_refs_in(ur_value_get(g->doc, "outputs"), name, to);
}

ur_status ur_graph_remove_layer(ur_graph *g, const char *name, ur_ctx *ctx)
{
    int i = find_layer(g, name);
    if (i < 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", name);
    /* layers wired implicitly to it (a chain) keep an explicit, empty input */
    if (i + 1 < g->n_layers && !ur_value_get(g->layers[i + 1]->spec, "inputs") &&
        g->layers[i + 1]->kind != &ur_input_kind)
        ur_value_set(g->layers[i + 1]->spec, "inputs", ur_value_new_array());
    char *victim = ur_xstrdup(name);
    ur_layer_free(g->layers[i]);
    memmove(g->layers + i, g->layers + i + 1, (size_t)(g->n_layers - i - 1) * sizeof(ur_layer *));
    g->n_layers--;
    rewrite_refs(g, victim, NULL);
    free(victim);
    ur_graph_update(g);
    return UR_OK;
}

ur_status ur_graph_rename_layer(ur_graph *g, const char *name, const char *to, ur_ctx *ctx)
{
    int i = find_layer(g, name);
    if (i < 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", name);
    if (!to[0] || strchr(to, ':') || strchr(to, '/'))
        return ur_error(ctx, UR_ERR_INVALID, "'%s' cannot be a layer name (empty, ':' or '/')", to);
    if (strcmp(name, to) == 0)
        return UR_OK;
    if (find_layer(g, to) >= 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is already a layer named '%s'", to);
    char *old = ur_xstrdup(name);
    ur_layer *l = g->layers[i];
    free(l->name);
    l->name = ur_xstrdup(to);
    ur_value_set(l->spec, "name", ur_value_new_string(to));
    rewrite_refs(g, old, to);
    free(old);
    ur_graph_update(g);
    return UR_OK;
}

ur_status ur_graph_set_option(ur_graph *g, const char *layer, const char *key,
                              const ur_value *value, ur_ctx *ctx)
{
    ur_layer *l = ur_graph_find(g, layer);
    if (!l)
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", layer);
    if (strcmp(key, "name") == 0)
        return value && value->type == UR_VALUE_STRING
                   ? ur_graph_rename_layer(g, layer, value->u.str, ctx)
                   : ur_error(ctx, UR_ERR_INVALID, "a layer's name must be a string");
    if (value)
        ur_value_set(l->spec, key, ur_value_copy(value));
    else
        ur_value_remove(l->spec, key);
    ur_graph_update(g);
    return UR_OK;
}

ur_status ur_graph_move_layer(ur_graph *g, const char *name, int position, ur_ctx *ctx)
{
    int i = find_layer(g, name);
    if (i < 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", name);
    if (position < 0 || position >= g->n_layers)
        position = g->n_layers - 1;
    ur_layer *l = g->layers[i];
    if (position > i)
        memmove(g->layers + i, g->layers + i + 1, (size_t)(position - i) * sizeof(ur_layer *));
    else
        memmove(g->layers + position + 1, g->layers + position,
                (size_t)(i - position) * sizeof(ur_layer *));
    g->layers[position] = l;
    ur_graph_update(g);
    return UR_OK;
}

const ur_value *ur_layer_spec(const ur_layer *l) { return l->spec; }

const ur_value *ur_graph_doc_get(const ur_graph *g, const char *key)
{
    if (strcmp(key, "layers") == 0)
        return NULL;
    return ur_value_get(g->doc, key);
}

void ur_graph_doc_set(ur_graph *g, const char *key, ur_value *value)
{
    UR_ASSERT(strcmp(key, "layers") != 0);
    if (value)
        ur_value_set(g->doc, key, value);
    else
        ur_value_remove(g->doc, key);
    if (strcmp(key, "name") == 0) {
        const ur_value *n = ur_value_get(g->doc, "name");
        free(g->name);
        g->name = ur_xstrdup(n && n->type == UR_VALUE_STRING ? n->u.str : "model");
    }
    if (strcmp(key, "outputs") == 0 || strcmp(key, "name") == 0)
        ur_graph_update(g);
}
