/* commands.c — undoable edits of an engine graph. A command runs through
 * the graph's editing calls (engine/ur.h); before it runs it snapshots the
 * wiring of every layer, "outputs" and the "ui" node positions, and undo
 * reverses the edit itself (insert what was removed, remove what was
 * inserted, put the old option back) and then restores that snapshot. */
#include "commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupstr(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort(); /* out of memory */
    return d;
}

static void *grow(void *p, size_t n, size_t size)
{
    p = realloc(p, (n ? n : 1) * size);
    if (!p)
        abort();
    return p;
}

/* ------------------------------------------------------------- snapshots */

/* What an edit may change besides the layer it is about. */
typedef struct snapshot {
    int n;
    char **names;
    ur_value **inputs, **states; /* copies, NULL where the key is absent */
    ur_value *outputs;           /* the document's "outputs", or NULL */
    ur_value *nodes;             /* "ui" -> "nodes", or NULL */
    bool had_ui;
} snapshot;

static snapshot *snapshot_take(const ur_graph *g)
{
    snapshot *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->n = ur_graph_n_layers(g);
    s->names = grow(NULL, (size_t)s->n, sizeof(char *));
    s->inputs = grow(NULL, (size_t)s->n, sizeof(ur_value *));
    s->states = grow(NULL, (size_t)s->n, sizeof(ur_value *));
    for (int i = 0; i < s->n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        s->names[i] = dupstr(ur_layer_name(l));
        const ur_value *in = ur_value_get(ur_layer_spec(l), "inputs");
        const ur_value *st = ur_value_get(ur_layer_spec(l), "initial_state");
        s->inputs[i] = in ? ur_value_copy(in) : NULL;
        s->states[i] = st ? ur_value_copy(st) : NULL;
    }
    const ur_value *outs = ur_graph_doc_get(g, "outputs");
    s->outputs = outs ? ur_value_copy(outs) : NULL;
    const ur_value *ui = ur_graph_doc_get(g, "ui");
    const ur_value *nodes = ur_value_get(ui, "nodes");
    s->had_ui = ui != NULL;
    s->nodes = nodes ? ur_value_copy(nodes) : NULL;
    return s;
}

static void snapshot_free(snapshot *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        free(s->names[i]);
        ur_value_free(s->inputs[i]);
        ur_value_free(s->states[i]);
    }
    free(s->names);
    free(s->inputs);
    free(s->states);
    ur_value_free(s->outputs);
    ur_value_free(s->nodes);
    free(s);
}

/* Replaces "ui" -> "nodes" with nodes (a copy; NULL removes it), keeping
 * the rest of "ui" (the view); an emptied "ui" goes when keep_ui is false. */
static void ui_set_nodes(ur_graph *g, const ur_value *nodes, bool keep_ui)
{
    const ur_value *cur = ur_graph_doc_get(g, "ui");
    ur_value *ui = cur && cur->type == UR_VALUE_OBJECT ? ur_value_copy(cur) : ur_value_new_object();
    if (nodes)
        ur_value_set(ui, "nodes", ur_value_copy(nodes));
    else
        ur_value_remove(ui, "nodes");
    if (ui->u.obj.n == 0 && !keep_ui) {
        ur_value_free(ui);
        ur_graph_doc_set(g, "ui", NULL);
    } else {
        ur_graph_doc_set(g, "ui", ui);
    }
}

static void restore_key(ur_graph *g, const char *layer, const char *key, const ur_value *want)
{
    const ur_value *cur = ur_value_get(ur_layer_spec(ur_graph_find(g, layer)), key);
    if (!ur_value_equal(cur, want)) {
        ur_ctx ctx = {0};
        ur_graph_set_option(g, layer, key, want, &ctx); /* the layer exists: cannot fail */
    }
}

static void snapshot_restore(ur_graph *g, const snapshot *s)
{
    for (int i = 0; i < s->n; i++) {
        if (!ur_graph_find(g, s->names[i]))
            continue;
        restore_key(g, s->names[i], "inputs", s->inputs[i]);
        restore_key(g, s->names[i], "initial_state", s->states[i]);
    }
    if (!ur_value_equal(ur_graph_doc_get(g, "outputs"), s->outputs))
        ur_graph_doc_set(g, "outputs", s->outputs ? ur_value_copy(s->outputs) : NULL);
    const ur_value *ui = ur_graph_doc_get(g, "ui");
    if (!ur_value_equal(ur_value_get(ui, "nodes"), s->nodes) || (ui && !s->had_ui))
        ui_set_nodes(g, s->nodes, s->had_ui);
}

/* --------------------------------------------------------- node positions */

static const ur_value *ui_nodes(const ur_graph *g)
{
    return ur_value_get(ur_graph_doc_get(g, "ui"), "nodes");
}

static void ui_node_set(ur_graph *g, const char *name, ur_value *pos)
{
    const ur_value *cur = ui_nodes(g);
    ur_value *nodes = cur && cur->type == UR_VALUE_OBJECT ? ur_value_copy(cur)
                                                          : ur_value_new_object();
    if (pos)
        ur_value_set(nodes, name, pos);
    else
        ur_value_remove(nodes, name);
    ui_set_nodes(g, nodes, true);
    ur_value_free(nodes);
}

static ur_value *point_value(double x, double y)
{
    ur_value *p = ur_value_new_object();
    ur_value_set(p, "x", ur_value_new_number(x));
    ur_value_set(p, "y", ur_value_new_number(y));
    return p;
}

/* -------------------------------------------------------------- commands */

typedef enum cmd_kind {
    CMD_ADD,     /* spec (named), position, pos */
    CMD_REMOVE,  /* name; index and spec recorded when it runs */
    CMD_SET,     /* name, key, value (NULL: remove); old value recorded */
    CMD_RENAME,  /* name -> to */
    CMD_MOVE,    /* pos: {name: {x, y}, ...} */
    CMD_DOC,     /* key of the document (not "layers"), value (NULL: remove); old recorded */
    CMD_GROUP,   /* children */
} cmd_kind;

typedef struct cmd cmd;
struct cmd {
    cmd_kind kind;
    char *label;
    char *name, *key, *to;
    ur_value *spec, *value, *old, *pos;
    int position;
    snapshot *before;
    cmd **children;
    int n_children;
};

static void cmd_free(cmd *c)
{
    if (!c)
        return;
    free(c->label);
    free(c->name);
    free(c->key);
    free(c->to);
    ur_value_free(c->spec);
    ur_value_free(c->value);
    ur_value_free(c->old);
    ur_value_free(c->pos);
    snapshot_free(c->before);
    for (int i = 0; i < c->n_children; i++)
        cmd_free(c->children[i]);
    free(c->children);
    free(c);
}

static cmd *cmd_new(cmd_kind kind, const char *label)
{
    cmd *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->kind = kind;
    c->label = dupstr(label);
    return c;
}

/* Runs c on g (the first time and on redo). */
static ur_status cmd_do(ur_graph *g, cmd *c, ur_ctx *ctx)
{
    switch (c->kind) {
    case CMD_ADD:
        if (!ur_graph_insert_layer(g, c->position, c->spec, ctx))
            return ctx && ctx->status ? ctx->status : UR_ERR_INVALID;
        if (c->pos)
            ui_node_set(g, ur_value_get(c->spec, "name")->u.str, ur_value_copy(c->pos));
        return UR_OK;
    case CMD_REMOVE: {
        ur_layer *l = ur_graph_find(g, c->name);
        if (!l)
            return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", c->name);
        if (!c->spec) {
            c->spec = ur_value_copy(ur_layer_spec(l));
            for (c->position = 0; ur_graph_layer(g, c->position) != l; c->position++)
                ;
        }
        ur_status st = ur_graph_remove_layer(g, c->name, ctx);
        if (st == UR_OK && ur_value_get(ui_nodes(g), c->name))
            ui_node_set(g, c->name, NULL);
        return st;
    }
    case CMD_SET: {
        ur_layer *l = ur_graph_find(g, c->name);
        if (!l)
            return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", c->name);
        const ur_value *old = ur_value_get(ur_layer_spec(l), c->key);
        ur_value_free(c->old);
        c->old = old ? ur_value_copy(old) : NULL;
        return ur_graph_set_option(g, c->name, c->key, c->value, ctx);
    }
    case CMD_RENAME: {
        ur_status st = ur_graph_rename_layer(g, c->name, c->to, ctx);
        const ur_value *pos = ur_value_get(ui_nodes(g), c->name);
        if (st == UR_OK && pos && strcmp(c->name, c->to) != 0) {
            ur_value *p = ur_value_copy(pos);
            ui_node_set(g, c->name, NULL);
            ui_node_set(g, c->to, p);
        }
        return st;
    }
    case CMD_MOVE:
        for (size_t i = 0; i < c->pos->u.obj.n; i++)
            ui_node_set(g, c->pos->u.obj.keys[i], ur_value_copy(c->pos->u.obj.vals[i]));
        return UR_OK;
    case CMD_DOC: {
        const ur_value *old = ur_graph_doc_get(g, c->key);
        ur_value_free(c->old);
        c->old = old ? ur_value_copy(old) : NULL;
        ur_graph_doc_set(g, c->key, c->value ? ur_value_copy(c->value) : NULL);
        return UR_OK;
    }
    case CMD_GROUP:
        for (int i = 0; i < c->n_children; i++) {
            ur_status st = cmd_do(g, c->children[i], ctx);
            if (st != UR_OK)
                return st;
        }
        return UR_OK;
    }
    return UR_ERR_INTERNAL;
}

static void cmd_undo(ur_graph *g, cmd *c)
{
    ur_ctx ctx = {0};
    switch (c->kind) {
    case CMD_ADD:
        ur_graph_remove_layer(g, ur_value_get(c->spec, "name")->u.str, &ctx);
        break;
    case CMD_REMOVE:
        ur_graph_insert_layer(g, c->position, c->spec, &ctx);
        break;
    case CMD_SET:
        ur_graph_set_option(g, c->name, c->key, c->old, &ctx);
        break;
    case CMD_RENAME:
        ur_graph_rename_layer(g, c->to, c->name, &ctx);
        break;
    case CMD_MOVE:
        break;
    case CMD_DOC:
        ur_graph_doc_set(g, c->key, c->old ? ur_value_copy(c->old) : NULL);
        break;
    case CMD_GROUP:
        for (int i = c->n_children - 1; i >= 0; i--)
            cmd_undo(g, c->children[i]);
        return;
    }
    snapshot_restore(g, c->before);
}

/* ----------------------------------------------------------------- stack */

struct unroll_command_stack {
    ur_graph *g;
    cmd **undo, **redo;
    int n_undo, n_redo;
    int clean;          /* n_undo at the clean point; -1: unreachable */
    cmd **open;         /* open groups, innermost last */
    int n_open;
};

unroll_command_stack *unroll_command_stack_new(ur_graph *g)
{
    unroll_command_stack *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->g = g;
    return s;
}

static void clear_redo(unroll_command_stack *s)
{
    for (int i = 0; i < s->n_redo; i++)
        cmd_free(s->redo[i]);
    s->n_redo = 0;
    if (s->clean > s->n_undo)
        s->clean = -1;
}

void unroll_command_stack_free(unroll_command_stack *s)
{
    if (!s)
        return;
    clear_redo(s);
    for (int i = 0; i < s->n_undo; i++)
        cmd_free(s->undo[i]);
    for (int i = 0; i < s->n_open; i++)
        cmd_free(s->open[i]);
    free(s->undo);
    free(s->redo);
    free(s->open);
    free(s);
}

ur_graph *unroll_command_stack_graph(const unroll_command_stack *s) { return s->g; }
bool unroll_command_stack_can_undo(const unroll_command_stack *s)
{
    return s->n_undo > 0 && s->n_open == 0;
}
bool unroll_command_stack_can_redo(const unroll_command_stack *s)
{
    return s->n_redo > 0 && s->n_open == 0;
}
const char *unroll_command_stack_undo_label(const unroll_command_stack *s)
{
    return s->n_undo ? s->undo[s->n_undo - 1]->label : NULL;
}
const char *unroll_command_stack_redo_label(const unroll_command_stack *s)
{
    return s->n_redo ? s->redo[s->n_redo - 1]->label : NULL;
}
void unroll_command_stack_mark_clean(unroll_command_stack *s) { s->clean = s->n_undo; }
bool unroll_command_stack_is_clean(const unroll_command_stack *s)
{
    return s->clean == s->n_undo;
}

static void push_done(unroll_command_stack *s, cmd *c)
{
    if (s->n_open > 0) {
        cmd *grp = s->open[s->n_open - 1];
        grp->children = grow(grp->children, (size_t)grp->n_children + 1, sizeof(cmd *));
        grp->children[grp->n_children++] = c;
        return;
    }
    clear_redo(s);
    s->undo = grow(s->undo, (size_t)s->n_undo + 1, sizeof(cmd *));
    s->undo[s->n_undo++] = c;
}

/* Runs a new command: snapshot, do, record (or free it on error). */
static ur_status run(unroll_command_stack *s, cmd *c, ur_ctx *ctx)
{
    c->before = snapshot_take(s->g);
    ur_status st = cmd_do(s->g, c, ctx);
    if (st != UR_OK) {
        cmd_free(c);
        return st;
    }
    push_done(s, c);
    return UR_OK;
}

ur_status unroll_command_stack_undo(unroll_command_stack *s, ur_ctx *ctx)
{
    if (s->n_open > 0)
        return ur_error(ctx, UR_ERR_INVALID, "cannot undo while a group of edits is open");
    if (s->n_undo == 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is nothing to undo");
    cmd *c = s->undo[--s->n_undo];
    cmd_undo(s->g, c);
    s->redo = grow(s->redo, (size_t)s->n_redo + 1, sizeof(cmd *));
    s->redo[s->n_redo++] = c;
    return UR_OK;
}

ur_status unroll_command_stack_redo(unroll_command_stack *s, ur_ctx *ctx)
{
    if (s->n_open > 0)
        return ur_error(ctx, UR_ERR_INVALID, "cannot redo while a group of edits is open");
    if (s->n_redo == 0)
        return ur_error(ctx, UR_ERR_INVALID, "there is nothing to redo");
    cmd *c = s->redo[s->n_redo - 1];
    /* the graph is where the command first ran, so it runs the same way */
    ur_status st = cmd_do(s->g, c, ctx);
    if (st != UR_OK)
        return st;
    s->n_redo--;
    s->undo = grow(s->undo, (size_t)s->n_undo + 1, sizeof(cmd *));
    s->undo[s->n_undo++] = c;
    return UR_OK;
}

void unroll_command_stack_begin_group(unroll_command_stack *s, const char *label)
{
    s->open = grow(s->open, (size_t)s->n_open + 1, sizeof(cmd *));
    s->open[s->n_open++] = cmd_new(CMD_GROUP, label);
}

void unroll_command_stack_end_group(unroll_command_stack *s)
{
    if (s->n_open == 0)
        return;
    cmd *grp = s->open[--s->n_open];
    if (grp->n_children == 0)
        cmd_free(grp);
    else
        push_done(s, grp);
}

/* Drops the innermost open group after its commands are undone (a failed
 * multi-step command). */
static void abort_group(unroll_command_stack *s)
{
    cmd *grp = s->open[--s->n_open];
    for (int i = grp->n_children - 1; i >= 0; i--)
        cmd_undo(s->g, grp->children[i]);
    cmd_free(grp);
}

/* ------------------------------------------------------ the edits themselves */

ur_status unroll_cmd_add_layer(unroll_command_stack *s, const ur_value *spec, int position,
                               bool has_pos, double x, double y, char *name_out, size_t size,
                               ur_ctx *ctx)
{
    if (!spec || spec->type != UR_VALUE_OBJECT)
        return ur_error(ctx, UR_ERR_INVALID, "a layer must be an object");
    const ur_value *cls = ur_value_get(spec, "class");
    char label[160];
    snprintf(label, sizeof label, "Add %s",
             cls && cls->type == UR_VALUE_STRING ? cls->u.str : "Layer");
    cmd *c = cmd_new(CMD_ADD, label);
    c->spec = ur_value_copy(spec);
    c->position = position;
    c->before = snapshot_take(s->g);
    ur_layer *l = ur_graph_insert_layer(s->g, position, c->spec, ctx);
    if (!l) {
        cmd_free(c);
        return ctx && ctx->status ? ctx->status : UR_ERR_INVALID;
    }
    /* the name the graph chose, so that redo inserts the same layer */
    ur_value_set(c->spec, "name", ur_value_new_string(ur_layer_name(l)));
    if (has_pos) {
        c->pos = point_value(x, y);
        ui_node_set(s->g, ur_layer_name(l), ur_value_copy(c->pos));
    }
    if (name_out && size)
        snprintf(name_out, size, "%s", ur_layer_name(l));
    push_done(s, c);
    return UR_OK;
}

ur_status unroll_cmd_remove_layers(unroll_command_stack *s, const char *const *names, int n,
                                   ur_ctx *ctx)
{
    for (int i = 0; i < n; i++) {
        if (!ur_graph_find(s->g, names[i]))
            return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", names[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return ur_error(ctx, UR_ERR_INVALID, "layer '%s' is listed twice", names[i]);
    }
    char label[160];
    if (n == 1)
        snprintf(label, sizeof label, "Delete %s", names[0]);
    else
        snprintf(label, sizeof label, "Delete %d Layers", n);
    unroll_command_stack_begin_group(s, label);
    for (int i = 0; i < n; i++) {
        cmd *c = cmd_new(CMD_REMOVE, label);
        c->name = dupstr(names[i]);
        ur_status st = run(s, c, ctx);
        if (st != UR_OK) {
            abort_group(s);
            return st;
        }
    }
    unroll_command_stack_end_group(s);
    return UR_OK;
}

ur_status unroll_cmd_rename(unroll_command_stack *s, const char *layer, const char *to,
                            ur_ctx *ctx)
{
    if (!ur_graph_find(s->g, layer))
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", layer);
    if (strcmp(layer, to) == 0)
        return UR_OK; /* nothing to undo */
    char label[320];
    snprintf(label, sizeof label, "Rename %s", layer);
    cmd *c = cmd_new(CMD_RENAME, label);
    c->name = dupstr(layer);
    c->to = dupstr(to);
    return run(s, c, ctx);
}

ur_status unroll_cmd_set_option(unroll_command_stack *s, const char *layer, const char *key,
                                const ur_value *value, ur_ctx *ctx)
{
    if (strcmp(key, "name") == 0) {
        if (!value || value->type != UR_VALUE_STRING)
            return ur_error(ctx, UR_ERR_INVALID, "a layer's name must be a string");
        return unroll_cmd_rename(s, layer, value->u.str, ctx);
    }
    if (!ur_graph_find(s->g, layer))
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", layer);
    char label[320];
    snprintf(label, sizeof label, "%s %s", value ? "Set" : "Reset", key);
    cmd *c = cmd_new(CMD_SET, label);
    c->name = dupstr(layer);
    c->key = dupstr(key);
    c->value = value ? ur_value_copy(value) : NULL;
    return run(s, c, ctx);
}

ur_status unroll_cmd_set_doc_key(unroll_command_stack *s, const char *key, const ur_value *value,
                                 ur_ctx *ctx)
{
    if (strcmp(key, "layers") == 0 || strcmp(key, "format") == 0 || strcmp(key, "version") == 0)
        return ur_error(ctx, UR_ERR_INVALID, "the document key '%s' is not edited this way", key);
    if (strcmp(key, "name") == 0 && (!value || value->type != UR_VALUE_STRING || !value->u.str[0]))
        return ur_error(ctx, UR_ERR_INVALID, "a model's name must be a non-empty string");
    char label[320];
    snprintf(label, sizeof label, strcmp(key, "name") == 0 ? "Rename Model" : "Set %s", key);
    cmd *c = cmd_new(CMD_DOC, label);
    c->key = dupstr(key);
    c->value = value ? ur_value_copy(value) : NULL;
    return run(s, c, ctx);
}

/* dst's "inputs" (or "initial_state") as an array: a chain layer's implicit
 * input written out, a single string wrapped. */
static ur_value *explicit_refs(const ur_graph *g, const char *dst, bool state, ur_ctx *ctx)
{
    const ur_layer *l = ur_graph_find(g, dst);
    if (!l) {
        ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", dst);
        return NULL;
    }
    const char *key = state ? "initial_state" : "inputs";
    const ur_value *cur = ur_value_get(ur_layer_spec(l), key);
    if (cur && cur->type == UR_VALUE_ARRAY)
        return ur_value_copy(cur);
    ur_value *arr = ur_value_new_array();
    if (cur && cur->type == UR_VALUE_STRING) {
        ur_value_append(arr, ur_value_copy(cur));
    } else if (cur) {
        ur_value_free(arr);
        ur_error(ctx, UR_ERR_INVALID, "layer '%s': \"%s\" is a %s, not a list of layers", dst,
                 key, ur_value_type_name(cur->type));
        return NULL;
    } else if (!state && strcmp(ur_layer_class(l), "Input") != 0) {
        int i = 0;
        while (ur_graph_layer(g, i) != l)
            i++;
        if (i > 0) /* the Sequential chain: the previous layer's first output */
            ur_value_append(arr, ur_value_new_string(ur_layer_name(ur_graph_layer(g, i - 1))));
    }
    return arr;
}

ur_status unroll_cmd_connect(unroll_command_stack *s, const char *src, int src_output,
                             const char *dst, bool state, int slot, ur_ctx *ctx)
{
    if (!ur_graph_find(s->g, src))
        return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", src);
    if (strcmp(src, dst) == 0)
        return ur_error(ctx, UR_ERR_INVALID, "layer '%s' cannot take its own output", src);
    if (src_output < 0)
        return ur_error(ctx, UR_ERR_INVALID, "output %d of '%s' does not exist", src_output, src);
    const ur_layer *d = ur_graph_find(s->g, dst);
    if (d && !state && strcmp(ur_layer_class(d), "Input") == 0)
        return ur_error(ctx, UR_ERR_INVALID, "'%s' is an Input layer: it takes no inputs", dst);
    ur_value *arr = explicit_refs(s->g, dst, state, ctx);
    if (!arr)
        return ctx && ctx->status ? ctx->status : UR_ERR_INVALID;
    char ref[320];
    if (src_output > 0)
        snprintf(ref, sizeof ref, "%s:%d", src, src_output);
    else
        snprintf(ref, sizeof ref, "%s", src);
    if (slot >= 0 && (size_t)slot < arr->u.arr.n) {
        ur_value_free(arr->u.arr.items[slot]);
        arr->u.arr.items[slot] = ur_value_new_string(ref);
    } else {
        ur_value_append(arr, ur_value_new_string(ref));
    }
    cmd *c = cmd_new(CMD_SET, "Connect");
    c->name = dupstr(dst);
    c->key = dupstr(state ? "initial_state" : "inputs");
    c->value = arr;
    return run(s, c, ctx);
}

ur_status unroll_cmd_disconnect(unroll_command_stack *s, const char *dst, bool state, int slot,
                                ur_ctx *ctx)
{
    ur_value *arr = explicit_refs(s->g, dst, state, ctx);
    if (!arr)
        return ctx && ctx->status ? ctx->status : UR_ERR_INVALID;
    if (slot < 0 || (size_t)slot >= arr->u.arr.n) {
        size_t n = arr->u.arr.n;
        ur_value_free(arr);
        return ur_error(ctx, UR_ERR_INVALID, "layer '%s' has no %s %d (it has %zu)", dst,
                        state ? "initial state" : "input", slot, n);
    }
    ur_value_free(arr->u.arr.items[slot]);
    memmove(arr->u.arr.items + slot, arr->u.arr.items + slot + 1,
            (arr->u.arr.n - (size_t)slot - 1) * sizeof(ur_value *));
    arr->u.arr.n--;
    cmd *c = cmd_new(CMD_SET, "Disconnect");
    c->name = dupstr(dst);
    c->key = dupstr(state ? "initial_state" : "inputs");
    c->value = arr;
    return run(s, c, ctx);
}

ur_status unroll_cmd_move_nodes(unroll_command_stack *s, const char *const *names,
                                const double *x, const double *y, int n, ur_ctx *ctx)
{
    for (int i = 0; i < n; i++)
        if (!ur_graph_find(s->g, names[i]))
            return ur_error(ctx, UR_ERR_INVALID, "there is no layer named '%s'", names[i]);
    if (n == 0)
        return UR_OK;
    cmd *c = cmd_new(CMD_MOVE, n == 1 ? "Move" : "Move Layers");
    c->pos = ur_value_new_object();
    for (int i = 0; i < n; i++)
        ur_value_set(c->pos, names[i], point_value(x[i], y[i]));
    return run(s, c, ctx);
}

/* ------------------------------------------------------------ copy, paste */

ur_value *unroll_clipboard_copy(const ur_graph *g, const char *const *names, int n)
{
    ur_value *clip = ur_value_new_object(), *layers = ur_value_new_array();
    ur_value *nodes = ur_value_new_object();
    const ur_value *pos = ui_nodes(g);
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        bool wanted = false;
        for (int k = 0; k < n && !wanted; k++)
            wanted = strcmp(names[k], ur_layer_name(l)) == 0;
        if (!wanted)
            continue;
        ur_value *spec = ur_value_copy(ur_layer_spec(l));
        ur_value_set(spec, "name", ur_value_new_string(ur_layer_name(l)));
        if (!ur_value_get(spec, "inputs") && strcmp(ur_layer_class(l), "Input") != 0) {
            ur_value *in = ur_value_new_array();
            if (i > 0)
                ur_value_append(in, ur_value_new_string(ur_layer_name(ur_graph_layer(g, i - 1))));
            ur_value_set(spec, "inputs", in);
        }
        ur_value_append(layers, spec);
        const ur_value *p = ur_value_get(pos, ur_layer_name(l));
        if (p)
            ur_value_set(nodes, ur_layer_name(l), ur_value_copy(p));
    }
    ur_value_set(clip, "layers", layers);
    ur_value_set(clip, "nodes", nodes);
    return clip;
}

/* A name for a pasted layer: `name` when free, else its stem ("dense_1" ->
 * "dense") with the first free "_k". Taken: the graph's names and taken[]. */
static char *fresh_name(const ur_graph *g, const char *name, char **taken, int n_taken)
{
    char stem[256], cand[300];
    snprintf(stem, sizeof stem, "%s", name);
    size_t len = strlen(stem), d = len;
    while (d > 0 && isdigit((unsigned char)stem[d - 1]))
        d--;
    if (d > 1 && d < len && stem[d - 1] == '_')
        stem[d - 1] = '\0';
    snprintf(cand, sizeof cand, "%s", name);
    for (int k = 1;; k++) {
        bool used = ur_graph_find(g, cand) != NULL;
        for (int i = 0; i < n_taken && !used; i++)
            used = strcmp(taken[i], cand) == 0;
        if (!used)
            return dupstr(cand);
        snprintf(cand, sizeof cand, "%s_%d", stem, k);
    }
}

/* The reference "name" or "name:k" renamed through the paste's map, kept
 * (an outside layer, keep_external) or dropped (NULL). */
static ur_value *remap_ref(const ur_graph *g, const ur_value *ref, char **from, char **to, int n,
                           bool keep_external)
{
    if (ref->type != UR_VALUE_STRING)
        return NULL;
    char name[256];
    snprintf(name, sizeof name, "%s", ref->u.str);
    char *colon = strrchr(name, ':');
    const char *suffix = colon ? ref->u.str + (colon - name) : "";
    if (colon)
        *colon = '\0';
    for (int i = 0; i < n; i++)
        if (strcmp(from[i], name) == 0) {
            char buf[400];
            snprintf(buf, sizeof buf, "%s%s", to[i], suffix);
            return ur_value_new_string(buf);
        }
    return keep_external && ur_graph_find(g, name) ? ur_value_copy(ref) : NULL;
}

static void remap_key(const ur_graph *g, ur_value *spec, const char *key, char **from, char **to,
                      int n, bool keep_external)
{
    const ur_value *cur = ur_value_get(spec, key);
    if (!cur)
        return;
    ur_value *arr = ur_value_new_array();
    if (cur->type == UR_VALUE_ARRAY) {
        for (size_t i = 0; i < cur->u.arr.n; i++) {
            ur_value *r = remap_ref(g, cur->u.arr.items[i], from, to, n, keep_external);
            if (r)
                ur_value_append(arr, r);
        }
    } else {
        ur_value *r = remap_ref(g, cur, from, to, n, keep_external);
        if (r)
            ur_value_append(arr, r);
    }
    ur_value_set(spec, key, arr);
}

ur_status unroll_cmd_paste(unroll_command_stack *s, const ur_value *clipboard, double dx,
                           double dy, bool keep_external, char ***names_out, int *n_out,
                           ur_ctx *ctx)
{
    const ur_value *layers = ur_value_get(clipboard, "layers");
    if (!layers || layers->type != UR_VALUE_ARRAY)
        return ur_error(ctx, UR_ERR_INVALID, "the clipboard holds no \"layers\" array");
    int n = (int)layers->u.arr.n;
    for (int i = 0; i < n; i++) {
        const ur_value *spec = layers->u.arr.items[i];
        const ur_value *nm = ur_value_get(spec, "name");
        if (spec->type != UR_VALUE_OBJECT || !nm || nm->type != UR_VALUE_STRING || !nm->u.str[0])
            return ur_error(ctx, UR_ERR_INVALID, "clipboard layer %d is not a named layer object",
                            i);
    }
    char **from = grow(NULL, (size_t)n, sizeof(char *)), **to = grow(NULL, (size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) {
        from[i] = ur_value_get(layers->u.arr.items[i], "name")->u.str;
        to[i] = fresh_name(s->g, from[i], to, i);
    }
    const ur_value *nodes = ur_value_get(clipboard, "nodes");
    unroll_command_stack_begin_group(s, n == 1 ? "Paste Layer" : "Paste Layers");
    ur_status st = UR_OK;
    for (int i = 0; i < n && st == UR_OK; i++) {
        ur_value *spec = ur_value_copy(layers->u.arr.items[i]);
        ur_value_set(spec, "name", ur_value_new_string(to[i]));
        remap_key(s->g, spec, "inputs", from, to, n, keep_external);
        remap_key(s->g, spec, "initial_state", from, to, n, keep_external);
        const ur_value *p = ur_value_get(nodes, from[i]);
        const ur_value *px = ur_value_get(p, "x"), *py = ur_value_get(p, "y");
        bool has = px && py && px->type == UR_VALUE_NUMBER && py->type == UR_VALUE_NUMBER;
        st = unroll_cmd_add_layer(s, spec, -1, has, has ? px->u.num + dx : 0,
                                  has ? py->u.num + dy : 0, NULL, 0, ctx);
        ur_value_free(spec);
    }
    if (st != UR_OK)
        abort_group(s);
    else
        unroll_command_stack_end_group(s);
    if (st == UR_OK && names_out) {
        *names_out = to;
        *n_out = n;
    } else {
        for (int i = 0; i < n; i++)
            free(to[i]);
        free(to);
    }
    free(from);
    return st;
}
