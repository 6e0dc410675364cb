/* document.c — one open model: the engine graph, its undo stack, its file and
 * the selection. Every edit runs as an undoable command (ui/commands.c),
 * then "changed" is emitted and the properties the header bar binds to
 * (title, modified, can-undo, ...) are notified. */
#include "document.h"

#include "json.h"
#include "model-file.h"

struct _UnrollDocument {
    GObject parent_instance;
    ur_graph *graph;
    unroll_command_stack *commands;
    GFile *file;
    GPtrArray *selection;  /* char *, in layer order, NULL-terminated */
    /* last notified values, so that notify:: fires only on change */
    gboolean modified, can_undo, can_redo;
    char *title, *undo_label, *redo_label;
};

G_DEFINE_TYPE(UnrollDocument, unroll_document, G_TYPE_OBJECT)

G_DEFINE_QUARK(unroll-document-error-quark, unroll_document_error)

enum {
    PROP_0,
    PROP_TITLE,
    PROP_FILE,
    PROP_MODIFIED,
    PROP_CAN_UNDO,
    PROP_CAN_REDO,
    PROP_UNDO_LABEL,
    PROP_REDO_LABEL,
    N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_CHANGED, SIGNAL_SELECTION_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Horizontal distance between a layer and one inserted after it (cards are
 * about 200 units wide). */
#define INSERT_STEP 280.0

static gboolean fail(GError **error, const ur_ctx *ctx)
{
    g_set_error_literal(error, UNROLL_DOCUMENT_ERROR, ctx->status ? (int)ctx->status : UR_ERR_INVALID,
                        ctx->message[0] ? ctx->message : "the edit failed");
    return FALSE;
}

/* ------------------------------------------------------------ lifecycle */

static void unroll_document_finalize(GObject *object)
{
    UnrollDocument *doc = UNROLL_DOCUMENT(object);
    unroll_command_stack_free(doc->commands);
    ur_graph_free(doc->graph);
    g_clear_object(&doc->file);
    g_ptr_array_unref(doc->selection);
    g_free(doc->title);
    g_free(doc->undo_label);
    g_free(doc->redo_label);
    G_OBJECT_CLASS(unroll_document_parent_class)->finalize(object);
}

static void unroll_document_get_property(GObject *object, guint id, GValue *value,
                                         GParamSpec *pspec)
{
    UnrollDocument *doc = UNROLL_DOCUMENT(object);
    switch (id) {
    case PROP_TITLE: g_value_set_string(value, unroll_document_get_title(doc)); break;
    case PROP_FILE: g_value_set_object(value, doc->file); break;
    case PROP_MODIFIED: g_value_set_boolean(value, unroll_document_get_modified(doc)); break;
    case PROP_CAN_UNDO: g_value_set_boolean(value, unroll_document_can_undo(doc)); break;
    case PROP_CAN_REDO: g_value_set_boolean(value, unroll_document_can_redo(doc)); break;
    case PROP_UNDO_LABEL:
        g_value_set_string(value, unroll_command_stack_undo_label(doc->commands));
        break;
    case PROP_REDO_LABEL:
        g_value_set_string(value, unroll_command_stack_redo_label(doc->commands));
        break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void unroll_document_class_init(UnrollDocumentClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->finalize = unroll_document_finalize;
    object_class->get_property = unroll_document_get_property;

    GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_TITLE] = g_param_spec_string("title", NULL, NULL, NULL, ro);
    props[PROP_FILE] = g_param_spec_object("file", NULL, NULL, G_TYPE_FILE, ro);
    props[PROP_MODIFIED] = g_param_spec_boolean("modified", NULL, NULL, FALSE, ro);
    props[PROP_CAN_UNDO] = g_param_spec_boolean("can-undo", NULL, NULL, FALSE, ro);
    props[PROP_CAN_REDO] = g_param_spec_boolean("can-redo", NULL, NULL, FALSE, ro);
    props[PROP_UNDO_LABEL] = g_param_spec_string("undo-label", NULL, NULL, NULL, ro);
    props[PROP_REDO_LABEL] = g_param_spec_string("redo-label", NULL, NULL, NULL, ro);
    g_object_class_install_properties(object_class, N_PROPS, props);

    signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_SELECTION_CHANGED] =
        g_signal_new("selection-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 0);
}

static void unroll_document_init(UnrollDocument *doc)
{
    doc->selection = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(doc->selection, NULL);
}

/* Takes ownership of graph. */
static UnrollDocument *document_with_graph(ur_graph *graph)
{
    UnrollDocument *doc = g_object_new(UNROLL_TYPE_DOCUMENT, NULL);
    doc->graph = graph;
    doc->commands = unroll_command_stack_new(graph);
    unroll_command_stack_mark_clean(doc->commands);
    doc->title = g_strdup(ur_graph_name(graph));
    return doc;
}

UnrollDocument *unroll_document_new(void)
{
    ur_value *v = ur_value_new_object();
    ur_value_set(v, "format", ur_value_new_string("unroll.model"));
    ur_value_set(v, "version", ur_value_new_number(1));
    ur_value_set(v, "name", ur_value_new_string("model"));
    ur_value_set(v, "layers", ur_value_new_array());
    ur_ctx ctx = {0};
    ur_graph *g = ur_graph_from_value(v, &ctx);
    ur_value_free(v);
    g_assert(g); /* an empty document is a valid one */
    return document_with_graph(g);
}

UnrollDocument *unroll_document_new_from_value(const ur_value *value, GError **error)
{
    ur_ctx ctx = {0};
    char *text = ur_json_write(value, -1);
    ur_graph *g = text ? ur_model_file_parse(text, strlen(text), "model", &ctx) : NULL;
    free(text);
    if (!g) {
        fail(error, &ctx);
        return NULL;
    }
    return document_with_graph(g);
}

UnrollDocument *unroll_document_new_from_file(GFile *file, GError **error)
{
    g_autofree char *path = g_file_get_path(file);
    if (!path) {
        g_autofree char *uri = g_file_get_uri(file);
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_IO, "%s: not a local file", uri);
        return NULL;
    }
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_read(path, &ctx);
    if (!g) {
        fail(error, &ctx);
        return NULL;
    }
    UnrollDocument *doc = document_with_graph(g);
    doc->file = g_object_ref(file);
    return doc;
}

/* --------------------------------------------------------------- notify */

static void set_string(char **slot, const char *value, UnrollDocument *doc, int prop)
{
    if (g_strcmp0(*slot, value) == 0)
        return;
    g_free(*slot);
    *slot = g_strdup(value);
    g_object_notify_by_pspec(G_OBJECT(doc), props[prop]);
}

static void set_bool(gboolean *slot, gboolean value, UnrollDocument *doc, int prop)
{
    if (*slot == value)
        return;
    *slot = value;
    g_object_notify_by_pspec(G_OBJECT(doc), props[prop]);
}

static void notify_state(UnrollDocument *doc)
{
    set_string(&doc->title, ur_graph_name(doc->graph), doc, PROP_TITLE);
    set_bool(&doc->modified, unroll_document_get_modified(doc), doc, PROP_MODIFIED);
    set_bool(&doc->can_undo, unroll_document_can_undo(doc), doc, PROP_CAN_UNDO);
    set_bool(&doc->can_redo, unroll_document_can_redo(doc), doc, PROP_CAN_REDO);
    set_string(&doc->undo_label, unroll_command_stack_undo_label(doc->commands), doc,
               PROP_UNDO_LABEL);
    set_string(&doc->redo_label, unroll_command_stack_redo_label(doc->commands), doc,
               PROP_REDO_LABEL);
}

/* Drops selected names that are no longer layers. */
static gboolean prune_selection(UnrollDocument *doc)
{
    gboolean changed = FALSE;
    for (guint i = 0; i + 1 < doc->selection->len;) {
        if (!ur_graph_find(doc->graph, g_ptr_array_index(doc->selection, i))) {
            g_ptr_array_remove_index(doc->selection, i);
            changed = TRUE;
        } else {
            i++;
        }
    }
    return changed;
}

/* After every edit: selection kept valid, signals emitted. */
static void edited(UnrollDocument *doc)
{
    gboolean selection_changed = prune_selection(doc);
    g_signal_emit(doc, signals[SIGNAL_CHANGED], 0);
    if (selection_changed)
        g_signal_emit(doc, signals[SIGNAL_SELECTION_CHANGED], 0);
    notify_state(doc);
}

/* -------------------------------------------------------------- getters */

ur_graph *unroll_document_get_graph(UnrollDocument *doc) { return doc->graph; }
unroll_command_stack *unroll_document_get_commands(UnrollDocument *doc) { return doc->commands; }
GFile *unroll_document_get_file(UnrollDocument *doc) { return doc->file; }
const char *unroll_document_get_title(UnrollDocument *doc) { return ur_graph_name(doc->graph); }

gboolean unroll_document_get_modified(UnrollDocument *doc)
{
    return !unroll_command_stack_is_clean(doc->commands);
}

gboolean unroll_document_can_undo(UnrollDocument *doc)
{
    return unroll_command_stack_can_undo(doc->commands);
}

gboolean unroll_document_can_redo(UnrollDocument *doc)
{
    return unroll_command_stack_can_redo(doc->commands);
}

int unroll_document_count_errors(UnrollDocument *doc, const char **first_layer,
                                 const char **first_message)
{
    int n = 0;
    if (first_layer)
        *first_layer = NULL;
    if (first_message)
        *first_message = NULL;
    for (int i = 0; i < ur_graph_n_layers(doc->graph); i++) {
        const ur_layer *l = ur_graph_layer(doc->graph, i);
        if (!ur_layer_error(l))
            continue;
        if (n++ == 0) {
            if (first_layer)
                *first_layer = ur_layer_name(l);
            if (first_message)
                *first_message = ur_layer_error(l);
        }
    }
    return n;
}

gboolean unroll_document_get_position(UnrollDocument *doc, const char *layer, double *x, double *y)
{
    const ur_value *nodes = ur_value_get(ur_graph_doc_get(doc->graph, "ui"), "nodes");
    const ur_value *p = ur_value_get(nodes, layer);
    const ur_value *px = ur_value_get(p, "x"), *py = ur_value_get(p, "y");
    if (!px || !py || px->type != UR_VALUE_NUMBER || py->type != UR_VALUE_NUMBER)
        return FALSE;
    *x = px->u.num;
    *y = py->u.num;
    return TRUE;
}

/* ----------------------------------------------------------------- files */

gboolean unroll_document_save(UnrollDocument *doc, GFile *file, GError **error)
{
    g_autofree char *path = g_file_get_path(file);
    if (!path) {
        g_autofree char *uri = g_file_get_uri(file);
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_IO, "%s: not a local file", uri);
        return FALSE;
    }
    ur_ctx ctx = {0};
    if (ur_model_file_write(path, doc->graph, &ctx) != UR_OK)
        return fail(error, &ctx);
    unroll_command_stack_mark_clean(doc->commands);
    if (!doc->file || !g_file_equal(doc->file, file)) {
        g_set_object(&doc->file, file);
        g_object_notify_by_pspec(G_OBJECT(doc), props[PROP_FILE]);
    }
    notify_state(doc);
    return TRUE;
}

/* ----------------------------------------------------------------- edits */

static gboolean finish(UnrollDocument *doc, ur_status st, const ur_ctx *ctx, GError **error)
{
    if (st != UR_OK)
        return fail(error, ctx);
    edited(doc);
    return TRUE;
}

static void select_one(UnrollDocument *doc, const char *name)
{
    const char *names[1] = {name};
    unroll_document_select(doc, names, 1);
}

char *unroll_document_add_spec(UnrollDocument *doc, const ur_value *spec, gboolean has_pos,
                               double x, double y, GError **error)
{
    ur_ctx ctx = {0};
    char name[256];
    ur_status st = unroll_cmd_add_layer(doc->commands, spec, -1, has_pos, x, y, name, sizeof name,
                                        &ctx);
    if (!finish(doc, st, &ctx, error))
        return NULL;
    select_one(doc, name);
    return g_strdup(name);
}

static ur_value *class_spec(const char *class_name, GError **error)
{
    int i = ur_layer_class_find(class_name);
    if (i < 0) {
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID, "there is no layer class '%s'",
                    class_name);
        return NULL;
    }
    return ur_layer_class_new_spec(i);
}

char *unroll_document_add_layer(UnrollDocument *doc, const char *class_name, double x, double y,
                                GError **error)
{
    ur_value *spec = class_spec(class_name, error);
    if (!spec)
        return NULL;
    /* a dropped node starts unwired (its missing input shows as its error
     * until a wire is drawn); without "inputs" it would read the layer
     * before it in the file, which is rarely the one the user means */
    int min_in, max_in;
    bool states;
    ur_layer_class_inputs(ur_layer_class_find(class_name), &min_in, &max_in, &states);
    if (min_in > 0)
        ur_value_set(spec, "inputs", ur_value_new_array());
    char *name = unroll_document_add_spec(doc, spec, TRUE, x, y, error);
    ur_value_free(spec);
    return name;
}

static int layer_index(const ur_graph *g, const char *name)
{
    for (int i = 0; i < ur_graph_n_layers(g); i++)
        if (strcmp(ur_layer_name(ur_graph_layer(g, i)), name) == 0)
            return i;
    return -1;
}

/* True when the reference string r ("name" or "name:k") names output 0 of layer. */
static gboolean refers_to_first_output(const char *r, const char *layer)
{
    size_t n = strlen(layer);
    return strncmp(r, layer, n) == 0 && (r[n] == '\0' || strcmp(r + n, ":0") == 0);
}

/* A copy of refs (a string or an array of strings) with every reference to
 * output 0 of `from` replaced by `to`; NULL when nothing refers to it. */
static ur_value *retarget(const ur_value *refs, const char *from, const char *to)
{
    if (!refs)
        return NULL;
    if (refs->type == UR_VALUE_STRING)
        return refers_to_first_output(refs->u.str, from) ? ur_value_new_string(to) : NULL;
    if (refs->type != UR_VALUE_ARRAY)
        return NULL;
    gboolean hit = FALSE;
    ur_value *out = ur_value_new_array();
    for (size_t i = 0; i < refs->u.arr.n; i++) {
        const ur_value *r = refs->u.arr.items[i];
        if (r->type == UR_VALUE_STRING && refers_to_first_output(r->u.str, from)) {
            ur_value_append(out, ur_value_new_string(to));
            hit = TRUE;
        } else {
            ur_value_append(out, ur_value_copy(r));
        }
    }
    if (!hit) {
        ur_value_free(out);
        return NULL;
    }
    return out;
}

/* Moves every positioned node right of x0 by dx (room for an inserted node). */
static ur_status shift_right_of(UnrollDocument *doc, double x0, double dx, ur_ctx *ctx)
{
    const ur_value *nodes = ur_value_get(ur_graph_doc_get(doc->graph, "ui"), "nodes");
    if (!nodes || nodes->type != UR_VALUE_OBJECT)
        return UR_OK;
    GPtrArray *names = g_ptr_array_new();
    GArray *xs = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *ys = g_array_new(FALSE, FALSE, sizeof(double));
    for (size_t i = 0; i < nodes->u.obj.n; i++) {
        double x, y;
        const char *name = nodes->u.obj.keys[i];
        if (ur_graph_find(doc->graph, name) && unroll_document_get_position(doc, name, &x, &y) &&
            x > x0 + 1) {
            double nx = x + dx;
            g_ptr_array_add(names, (gpointer)name);
            g_array_append_val(xs, nx);
            g_array_append_val(ys, y);
        }
    }
    ur_status st = UR_OK;
    if (names->len > 0)
        st = unroll_cmd_move_nodes(doc->commands, (const char *const *)names->pdata,
                                   (double *)(void *)xs->data, (double *)(void *)ys->data,
                                   (int)names->len, ctx);
    g_ptr_array_unref(names);
    g_array_unref(xs);
    g_array_unref(ys);
    return st;
}

/* The steps of insert_after, inside one open group. */
static ur_status insert_after(UnrollDocument *doc, ur_value *spec, const char *after,
                              char *name, size_t size, ur_ctx *ctx)
{
    ur_graph *g = doc->graph;
    int at = layer_index(g, after);
    double ax = 0, ay = 0;
    gboolean has_pos = unroll_document_get_position(doc, after, &ax, &ay);
    const char *cls = ur_value_get(spec, "class")->u.str;
    gboolean is_input = strcmp(cls, "Input") == 0;

    if (is_input) {
        /* An Input feeds nothing yet: first in the file, left of the model. */
        return unroll_cmd_add_layer(doc->commands, spec, 0, has_pos, ax - INSERT_STEP, ay + 160,
                                    name, size, ctx);
    }
    /* the layers that read output 0 of `after` explicitly, before the insert */
    int n = ur_graph_n_layers(g);
    GPtrArray *readers = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++) {
        const ur_value *in = ur_value_get(ur_layer_spec(ur_graph_layer(g, i)), "inputs");
        ur_value *re = retarget(in, after, "");
        if (re) {
            g_ptr_array_add(readers, g_strdup(ur_layer_name(ur_graph_layer(g, i))));
            ur_value_free(re);
        }
    }
    ur_status st = has_pos ? shift_right_of(doc, ax, INSERT_STEP, ctx) : UR_OK;
    /* right after `after` in the file, with no "inputs": a chain layer reads
     * the first output of the layer before it, as in a Sequential model */
    if (st == UR_OK)
        st = unroll_cmd_add_layer(doc->commands, spec, at + 1, has_pos, ax + INSERT_STEP, ay, name,
                                  size, ctx);
    for (guint k = 0; st == UR_OK && k < readers->len; k++) {
        const char *reader = g_ptr_array_index(readers, k);
        const ur_value *in = ur_value_get(ur_layer_spec(ur_graph_find(g, reader)), "inputs");
        ur_value *re = retarget(in, after, name);
        if (re)
            st = unroll_cmd_set_option(doc->commands, reader, "inputs", re, ctx);
        ur_value_free(re);
    }
    g_ptr_array_unref(readers);
    /* a model output that was `after` is now the new layer */
    const ur_value *outs = ur_graph_doc_get(g, "outputs");
    ur_value *re = st == UR_OK ? retarget(outs, after, name) : NULL;
    if (re)
        st = unroll_cmd_set_doc_key(doc->commands, "outputs", re, ctx);
    ur_value_free(re);
    return st;
}

char *unroll_document_insert_after(UnrollDocument *doc, const char *class_name, const char *after,
                                   GError **error)
{
    ur_graph *g = doc->graph;
    if (!after) {
        int n_sel;
        const char *const *sel = unroll_document_get_selection(doc, &n_sel);
        if (n_sel > 0)
            after = sel[0];
        else if (ur_graph_n_layers(g) > 0)
            after = ur_layer_name(ur_graph_layer(g, ur_graph_n_layers(g) - 1));
    }
    if (!after) /* an empty model */
        return unroll_document_add_layer(doc, class_name, 0, 0, error);
    if (!ur_graph_find(g, after)) {
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID, "there is no layer named '%s'",
                    after);
        return NULL;
    }
    ur_value *spec = class_spec(class_name, error);
    if (!spec)
        return NULL;
    g_autofree char *after_copy = g_strdup(after); /* the selection may change below */
    char label[128], name[256];
    g_snprintf(label, sizeof label, "Add %s", class_name);
    ur_ctx ctx = {0};
    /* the newest step's label: a different pointer afterwards means the
     * group recorded a step (the old step stays alive on the stack) */
    const char *top_before = unroll_command_stack_undo_label(doc->commands);
    unroll_command_stack_begin_group(doc->commands, label);
    ur_status st = insert_after(doc, spec, after_copy, name, sizeof name, &ctx);
    unroll_command_stack_end_group(doc->commands);
    ur_value_free(spec);
    if (st != UR_OK) {
        /* the group's finished steps are one undo step: take it back */
        ur_ctx undo_ctx = {0};
        if (unroll_command_stack_undo_label(doc->commands) != top_before)
            unroll_command_stack_undo(doc->commands, &undo_ctx);
        edited(doc);
        fail(error, &ctx);
        return NULL;
    }
    edited(doc);
    select_one(doc, name);
    return g_strdup(name);
}

gboolean unroll_document_remove_layers(UnrollDocument *doc, const char *const *names, int n,
                                       GError **error)
{
    if (n == 0)
        return TRUE;
    ur_ctx ctx = {0};
    ur_status st = unroll_cmd_remove_layers(doc->commands, names, n, &ctx);
    return finish(doc, st, &ctx, error);
}

gboolean unroll_document_set_option(UnrollDocument *doc, const char *layer, const char *key,
                                    const ur_value *value, GError **error)
{
    ur_ctx ctx = {0};
    const ur_layer *l = ur_graph_find(doc->graph, layer);
    /* setting what is already there is no edit (editors echo their value) */
    if (l && strcmp(key, "name") != 0 && ur_value_equal(ur_value_get(ur_layer_spec(l), key), value))
        return TRUE;
    g_autofree char *old_name = g_strdup(layer);
    gboolean was_selected = unroll_document_is_selected(doc, layer);
    ur_status st = unroll_cmd_set_option(doc->commands, layer, key, value, &ctx);
    if (st == UR_OK && strcmp(key, "name") == 0 && was_selected && value &&
        value->type == UR_VALUE_STRING) {
        /* keep a renamed layer selected */
        for (guint i = 0; i + 1 < doc->selection->len; i++)
            if (strcmp(g_ptr_array_index(doc->selection, i), old_name) == 0) {
                g_free(g_ptr_array_index(doc->selection, i));
                g_ptr_array_index(doc->selection, i) = g_strdup(value->u.str);
            }
    }
    return finish(doc, st, &ctx, error);
}

gboolean unroll_document_rename(UnrollDocument *doc, const char *layer, const char *to,
                                GError **error)
{
    if (strcmp(layer, to) == 0)
        return TRUE;
    ur_value *v = ur_value_new_string(to);
    gboolean ok = unroll_document_set_option(doc, layer, "name", v, error);
    ur_value_free(v);
    return ok;
}

gboolean unroll_document_set_name(UnrollDocument *doc, const char *name, GError **error)
{
    if (g_strcmp0(ur_graph_name(doc->graph), name) == 0)
        return TRUE;
    ur_ctx ctx = {0};
    ur_value *v = ur_value_new_string(name);
    ur_status st = unroll_cmd_set_doc_key(doc->commands, "name", v, &ctx);
    ur_value_free(v);
    return finish(doc, st, &ctx, error);
}

gboolean unroll_document_connect(UnrollDocument *doc, const char *src, int src_output,
                                 const char *dst, gboolean state, int slot, GError **error)
{
    ur_ctx ctx = {0};
    ur_status st = unroll_cmd_connect(doc->commands, src, src_output, dst, state, slot, &ctx);
    return finish(doc, st, &ctx, error);
}

gboolean unroll_document_disconnect(UnrollDocument *doc, const char *dst, gboolean state, int slot,
                                    GError **error)
{
    ur_ctx ctx = {0};
    ur_status st = unroll_cmd_disconnect(doc->commands, dst, state, slot, &ctx);
    return finish(doc, st, &ctx, error);
}

gboolean unroll_document_move_nodes(UnrollDocument *doc, const char *const *names,
                                    const double *x, const double *y, int n, GError **error)
{
    if (n == 0)
        return TRUE;
    ur_ctx ctx = {0};
    ur_status st = unroll_cmd_move_nodes(doc->commands, names, x, y, n, &ctx);
    return finish(doc, st, &ctx, error);
}

void unroll_document_begin_group(UnrollDocument *doc, const char *label)
{
    unroll_command_stack_begin_group(doc->commands, label);
}

void unroll_document_end_group(UnrollDocument *doc)
{
    unroll_command_stack_end_group(doc->commands);
    notify_state(doc);
}

gboolean unroll_document_undo(UnrollDocument *doc, GError **error)
{
    if (!unroll_command_stack_can_undo(doc->commands))
        return TRUE;
    ur_ctx ctx = {0};
    return finish(doc, unroll_command_stack_undo(doc->commands, &ctx), &ctx, error);
}

gboolean unroll_document_redo(UnrollDocument *doc, GError **error)
{
    if (!unroll_command_stack_can_redo(doc->commands))
        return TRUE;
    ur_ctx ctx = {0};
    return finish(doc, unroll_command_stack_redo(doc->commands, &ctx), &ctx, error);
}

/* ------------------------------------------------------- copy and paste */

char *unroll_document_copy_selection(UnrollDocument *doc)
{
    int n;
    const char *const *names = unroll_document_get_selection(doc, &n);
    if (n == 0)
        return NULL;
    ur_value *clip = unroll_clipboard_copy(doc->graph, names, n);
    if (!clip)
        return NULL;
    char *json = ur_json_write(clip, -1);
    ur_value_free(clip);
    char *out = g_strdup(json);
    free(json);
    return out;
}

gboolean unroll_document_paste(UnrollDocument *doc, const char *clipboard_json, double dx,
                               double dy, gboolean keep_external, GError **error)
{
    ur_ctx ctx = {0};
    ur_value *clip = ur_json_parse(clipboard_json, strlen(clipboard_json), "clipboard", &ctx);
    if (!clip)
        return fail(error, &ctx);
    char **names = NULL;
    int n = 0;
    ur_status st = unroll_cmd_paste(doc->commands, clip, dx, dy, keep_external, &names, &n, &ctx);
    ur_value_free(clip);
    if (!finish(doc, st, &ctx, error))
        return FALSE;
    unroll_document_select(doc, (const char *const *)names, n);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return TRUE;
}

/* ------------------------------------------------------------ selection */

const char *const *unroll_document_get_selection(UnrollDocument *doc, int *n)
{
    if (n)
        *n = (int)doc->selection->len - 1;
    return (const char *const *)doc->selection->pdata;
}

gboolean unroll_document_is_selected(UnrollDocument *doc, const char *layer)
{
    for (guint i = 0; i + 1 < doc->selection->len; i++)
        if (strcmp(g_ptr_array_index(doc->selection, i), layer) == 0)
            return TRUE;
    return FALSE;
}

/* Sets the selection to the layers for which keep[i] is true, in layer
 * order; emits selection-changed when it differs. */
static void set_selection(UnrollDocument *doc, const gboolean *keep)
{
    GPtrArray *sel = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < ur_graph_n_layers(doc->graph); i++)
        if (keep[i])
            g_ptr_array_add(sel, g_strdup(ur_layer_name(ur_graph_layer(doc->graph, i))));
    g_ptr_array_add(sel, NULL);
    gboolean same = sel->len == doc->selection->len;
    for (guint i = 0; same && i + 1 < sel->len; i++)
        same = strcmp(g_ptr_array_index(sel, i), g_ptr_array_index(doc->selection, i)) == 0;
    if (same) {
        g_ptr_array_unref(sel);
        return;
    }
    g_ptr_array_unref(doc->selection);
    doc->selection = sel;
    g_signal_emit(doc, signals[SIGNAL_SELECTION_CHANGED], 0);
}

void unroll_document_select(UnrollDocument *doc, const char *const *names, int n)
{
    int count = ur_graph_n_layers(doc->graph);
    g_autofree gboolean *keep = g_new0(gboolean, count + 1);
    for (int k = 0; k < n; k++) {
        int i = layer_index(doc->graph, names[k]);
        if (i >= 0)
            keep[i] = TRUE;
    }
    set_selection(doc, keep);
}

void unroll_document_toggle_selected(UnrollDocument *doc, const char *layer)
{
    int count = ur_graph_n_layers(doc->graph);
    g_autofree gboolean *keep = g_new0(gboolean, count + 1);
    for (int i = 0; i < count; i++)
        keep[i] = unroll_document_is_selected(doc, ur_layer_name(ur_graph_layer(doc->graph, i)));
    int i = layer_index(doc->graph, layer);
    if (i >= 0)
        keep[i] = !keep[i];
    set_selection(doc, keep);
}

void unroll_document_select_all(UnrollDocument *doc)
{
    int count = ur_graph_n_layers(doc->graph);
    g_autofree gboolean *keep = g_new0(gboolean, count + 1);
    for (int i = 0; i < count; i++)
        keep[i] = TRUE;
    set_selection(doc, keep);
}
