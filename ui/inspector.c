/* inspector.c — UnrollInspector: AdwPreferencesGroups in a scrolled page,
 * built for what is selected (one layer, several, none) and updated in place
 * while the same layer stays selected, so that focus and typing survive the
 * document's "changed" signals that the inspector's own edits cause. */
#include "inspector.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "json.h"
#include "palette.h"
#include "summary-view.h"

/* ------------------------------------------------------------ structures */

typedef struct option_row option_row;

struct _UnrollInspector {
    GtkWidget parent_instance;

    UnrollDocument *doc;
    gulong changed_id, selection_id;

    GtkWidget *scroll;
    GtkWidget *page;         /* the groups, in a clamp in the scrolled window */
    char *signature;         /* what the page was built for (see page_signature) */
    guint generation;        /* counts rebuilds: rows of an older one are gone */
    char *layer;             /* the layer shown, or NULL */
    char *title;
    GPtrArray *rows;         /* option_row * */
    GPtrArray *removed;      /* widgets of the last pages, released when idle */
    guint release_id;
    int updating;            /* > 0 while the inspector itself sets editors */

    /* layer and model pages */
    GtkWidget *title_label;
    GtkWidget *error_box, *error_label;
    GtkWidget *name_row, *name_error_label;
    GtkEventController *name_focus;
    char *name_error;
    char *shown_name;        /* the name the name row was last given */
    GtkWidget *shapes_label, *params_row, *params_label;
    /* model page */
    GtkWidget *layers_label, *model_params_label, *errors_row, *errors_label;
};

G_DEFINE_FINAL_TYPE(UnrollInspector, unroll_inspector, GTK_TYPE_WIDGET)

/* One option's row and editor. */
struct option_row {
    UnrollInspector *self;
    char *key;               /* "units", "layer.units", "layer.class" */
    char *option;            /* the key in its object: "units", "class" */
    gboolean inner;          /* an option of Bidirectional's inner layer */
    gboolean is_class;       /* the inner layer's class selector */
    ur_option_info info;
    ur_value *def;           /* the parsed default, NULL when required */
    GtkWidget *row;          /* AdwActionRow */
    GtkWidget *editor;
    GtkWidget *null_switch;  /* INT_OR_NULL */
    GtkWidget *reset;
    GtkEventController *focus;
    GPtrArray *items;        /* drop-downs: ur_value * per position */
    char *shown;             /* JSON of the value the editor shows */
    char *error;             /* inline error, or NULL */
};

#define INSPECTOR_ERROR G_IO_ERROR
#define INSPECTOR_INVALID G_IO_ERROR_INVALID_ARGUMENT

/* ------------------------------------------------------------------ CSS */

static const char inspector_css[] =
    ".unroll-error-box { background-color: alpha(@error_color, 0.12); border-radius: 12px;"
    "  padding: 12px; }\n"
    ".unroll-error-box .unroll-error-title { color: @error_color; font-weight: bold; }\n"
    "row.unroll-invalid .subtitle { color: @error_color; opacity: 1; }\n"
    ".unroll-layer-glyph { background-color: alpha(@accent_bg_color, 0.15); color: @accent_color;"
    "  border-radius: 9999px; padding: 10px; }\n"
    ".unroll-layer-glyph.unroll-glyph-error { background-color: alpha(@error_color, 0.15);"
    "  color: @error_color; }\n";

static void install_css(void)
{
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        GdkDisplay *display = gdk_display_get_default();
        if (display) {
            GtkCssProvider *p = gtk_css_provider_new();
            gtk_css_provider_load_from_data(p, inspector_css, -1);
            gtk_style_context_add_provider_for_display(display, GTK_STYLE_PROVIDER(p),
                                                       GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
            g_object_unref(p);
        }
        g_once_init_leave(&once, 1);
    }
}

/* ------------------------------------------------------- value helpers */

static void append_number(GString *s, double v)
{
    if (v == rint(v) && fabs(v) < 1e15)
        g_string_append_printf(s, "%.0f", v);
    else {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append(s, g_ascii_dtostr(buf, sizeof buf, v));
    }
}

/* "(None, 28)", "(28,)", "()" as Python writes a tuple. */
static char *format_shape(const ur_value *v)
{
    if (!v || v->type != UR_VALUE_ARRAY) {
        char *json = v ? ur_json_write(v, -1) : NULL;
        char *s = g_strdup(json ? json : "");
        free(json);
        return s;
    }
    GString *s = g_string_new("(");
    for (size_t i = 0; i < v->u.arr.n; i++) {
        const ur_value *d = v->u.arr.items[i];
        if (i)
            g_string_append(s, ", ");
        if (d->type == UR_VALUE_NULL)
            g_string_append(s, "None");
        else if (d->type == UR_VALUE_NUMBER)
            append_number(s, d->u.num);
        else {
            char *json = ur_json_write(d, -1);
            g_string_append(s, json);
            free(json);
        }
    }
    if (v->u.arr.n == 1)
        g_string_append_c(s, ',');
    g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}

/* Parses "None, 28", "(None, 28)", "[null, 28]", "(28,)", "()"; NULL with
 * *problem (owned by the caller) when it does not parse. */
static ur_value *parse_shape(const char *text, char **problem)
{
    char *t = g_strstrip(g_strdup(text ? text : ""));
    size_t len = strlen(t);
    if (len == 0) {
        *problem = g_strdup("Enter a shape such as (None, 28)");
        g_free(t);
        return NULL;
    }
    char *body = t;
    if ((t[0] == '(' && t[len - 1] == ')') || (t[0] == '[' && t[len - 1] == ']')) {
        t[len - 1] = '\0';
        body = t + 1;
    } else if (strchr("([])", t[0]) || strchr("([])", t[len - 1])) {
        *problem = g_strdup("Unbalanced brackets: write (None, 28)");
        g_free(t);
        return NULL;
    }
    ur_value *shape = ur_value_new_array();
    char **parts = g_strsplit(body, ",", -1);
    int n = g_strv_length(parts);
    for (int i = 0; i < n; i++) {
        char *p = g_strstrip(parts[i]);
        if (*p == '\0') {
            /* "(28,)": one trailing comma; "()" and "" inside brackets: no axis */
            if ((i == n - 1 && i > 0) || n == 1)
                continue;
            *problem = g_strdup_printf("Axis %d is empty", i + 1);
            goto fail;
        }
        if (g_ascii_strcasecmp(p, "None") == 0 || strcmp(p, "null") == 0) {
            ur_value_append(shape, ur_value_new_null());
            continue;
        }
        char *end;
        gint64 d = g_ascii_strtoll(p, &end, 10);
        if (*end != '\0' || end == p) {
            *problem = g_strdup_printf("\u201c%s\u201d is not a size or None", p);
            goto fail;
        }
        if (d <= 0 || d > G_MAXINT32) {
            *problem = g_strdup_printf("Axis %d: %s is not a positive size", i + 1, p);
            goto fail;
        }
        ur_value_append(shape, ur_value_new_number((double)d));
    }
    if ((int)shape->u.arr.n > UR_MAX_RANK - 1) {
        *problem = g_strdup_printf("At most %d axes (the batch axis comes on top)", UR_MAX_RANK - 1);
        goto fail;
    }
    g_strfreev(parts);
    g_free(t);
    return shape;
fail:
    g_strfreev(parts);
    g_free(t);
    ur_value_free(shape);
    return NULL;
}

/* The label of a value in a drop-down. */
static char *value_label(const ur_value *v)
{
    if (!v || v->type == UR_VALUE_NULL)
        return g_strdup("None");
    if (v->type == UR_VALUE_STRING)
        return g_strdup(v->u.str);
    if (v->type == UR_VALUE_OBJECT) {
        /* an initializer object: its name and parameters */
        const ur_value *name = ur_value_get(v, "class_name");
        const ur_value *params = v;
        if (name)
            params = ur_value_get(v, "config");
        else
            name = ur_value_get(v, "name");
        GString *s = g_string_new(name && name->type == UR_VALUE_STRING ? name->u.str : "custom");
        int n = 0;
        for (size_t i = 0; params && params->type == UR_VALUE_OBJECT && i < params->u.obj.n; i++) {
            const char *k = params->u.obj.keys[i];
            if (params == v && strcmp(k, "name") == 0)
                continue;
            char *json = ur_json_write(params->u.obj.vals[i], -1);
            g_string_append_printf(s, "%s%s=%s", n++ ? ", " : " (", k, json);
            free(json);
        }
        if (n)
            g_string_append_c(s, ')');
        return g_string_free(s, FALSE);
    }
    char *json = ur_json_write(v, -1);
    char *s = g_strdup(json);
    free(json);
    return s;
}

/* Decimal places that show v exactly (2 to 7). */
static int float_digits(double v)
{
    for (int d = 2; d < 7; d++) {
        double s = v * pow(10, d);
        if (fabs(s - rint(s)) < 1e-6 * fmax(1, fabs(s)))
            return d;
    }
    return 7;
}

static gboolean parse_int_text(const char *text, gint64 *out)
{
    char *t = g_strstrip(g_strdup(text ? text : ""));
    char *end;
    *out = g_ascii_strtoll(t, &end, 10);
    gboolean ok = *t && *end == '\0';
    g_free(t);
    return ok;
}

static gboolean parse_float_text(const char *text, double *out)
{
    char *t = g_strstrip(g_strdup(text ? text : ""));
    char *end;
    *out = g_ascii_strtod(t, &end);
    gboolean ok = *t && *end == '\0' && isfinite(*out);
    g_free(t);
    return ok;
}

static gboolean is_none_text(const char *text)
{
    char *t = g_strstrip(g_strdup(text ? text : ""));
    gboolean none = g_ascii_strcasecmp(t, "None") == 0 || strcmp(t, "null") == 0;
    g_free(t);
    return none;
}

/* ------------------------------------------------------- document reads */

static ur_graph *graph_of(UnrollInspector *self)
{
    return self->doc ? unroll_document_get_graph(self->doc) : NULL;
}

static const ur_layer *shown_layer(UnrollInspector *self)
{
    ur_graph *g = graph_of(self);
    return g && self->layer ? ur_graph_find(g, self->layer) : NULL;
}

static const ur_value *row_container(option_row *r)
{
    const ur_layer *l = shown_layer(r->self);
    const ur_value *spec = l ? ur_layer_spec(l) : NULL;
    if (!spec || !r->inner)
        return spec;
    const ur_value *inner = ur_value_get(spec, "layer");
    return inner && inner->type == UR_VALUE_OBJECT ? inner : NULL;
}

/* The value the editor shows: the spec's, or the default. */
static const ur_value *row_value(option_row *r, gboolean *present)
{
    const ur_value *c = row_container(r);
    const ur_value *v = c ? ur_value_get(c, r->option) : NULL;
    if (present)
        *present = v != NULL;
    return v ? v : r->def;
}

/* ACTIVATION: null means linear. */
static gboolean values_equivalent(const option_row *r, const ur_value *a, const ur_value *b)
{
    if (a && b && ur_value_equal(a, b))
        return TRUE;
    if (r->info.kind == UR_OPTION_ACTIVATION && a && b) {
        const ur_value *n = a->type == UR_VALUE_NULL ? a : b, *s = n == a ? b : a;
        return n->type == UR_VALUE_NULL && s->type == UR_VALUE_STRING &&
               strcmp(s->u.str, "linear") == 0;
    }
    return FALSE;
}

/* ------------------------------------------------------------ row state */

static void row_set_error(option_row *r, const char *message)
{
    if (g_strcmp0(r->error, message) == 0)
        return;
    g_free(r->error);
    r->error = g_strdup(message);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(r->row), message ? message : r->info.help);
    if (message)
        gtk_widget_add_css_class(r->row, "unroll-invalid");
    else
        gtk_widget_remove_css_class(r->row, "unroll-invalid");
    if (GTK_IS_ENTRY(r->editor)) {
        if (message)
            gtk_widget_add_css_class(r->editor, "error");
        else
            gtk_widget_remove_css_class(r->editor, "error");
    }
}

/* Recurrent classes an inner layer may have: the group's classes without a
 * LAYER option of their own (SimpleRNN, LSTM, GRU). */
static gboolean class_is_inner_recurrent(int i)
{
    if (g_strcmp0(ur_layer_class_group(i), "Recurrent") != 0)
        return FALSE;
    for (int k = 0; k < ur_layer_class_n_options(i); k++) {
        ur_option_info o;
        if (ur_layer_class_option(i, k, &o) && o.kind == UR_OPTION_LAYER)
            return FALSE;
    }
    return TRUE;
}

static gboolean class_has_option(int i, const char *name)
{
    for (int k = 0; i >= 0 && k < ur_layer_class_n_options(i); k++) {
        ur_option_info o;
        if (ur_layer_class_option(i, k, &o) && strcmp(o.name, name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The inner layer with another class: options the new class does not have
 * (unit_forget_bias, reset_after, ...) are dropped, the rest kept. */
static ur_value *inner_with_class(const ur_value *inner, const char *new_class)
{
    ur_value *copy = inner && inner->type == UR_VALUE_OBJECT ? ur_value_copy(inner)
                                                             : ur_value_new_object();
    const ur_value *old = ur_value_get(copy, "class");
    int old_i = old && old->type == UR_VALUE_STRING ? ur_layer_class_find(old->u.str) : -1;
    int new_i = ur_layer_class_find(new_class);
    for (size_t k = 0; k < copy->u.obj.n;) {
        const char *key = copy->u.obj.keys[k];
        if (class_has_option(old_i, key) && !class_has_option(new_i, key))
            ur_value_remove(copy, key);
        else
            k++;
    }
    ur_value_set(copy, "class", ur_value_new_string(new_class));
    return copy;
}

/* Sets the option to value (NULL: the key removed) as one document edit.
 * The document's "changed" may rebuild the page: r is not used after the
 * edit unless the page is the same. */
static gboolean row_commit(option_row *r, const ur_value *value, GError **error)
{
    UnrollInspector *self = r->self;
    if (!self->doc || !self->layer)
        return TRUE;
    gboolean present;
    const ur_value *cur = row_value(r, &present);
    if (value ? values_equivalent(r, cur, value) : !present) {
        row_set_error(r, NULL);
        return TRUE;
    }
    g_autofree char *layer = g_strdup(self->layer);
    guint generation = self->generation;
    GError *err = NULL;
    gboolean ok;
    if (!r->inner) {
        ok = unroll_document_set_option(self->doc, layer, r->option, value, &err);
    } else {
        const ur_layer *l = shown_layer(self);
        const ur_value *inner = l ? ur_value_get(ur_layer_spec(l), "layer") : NULL;
        ur_value *copy;
        if (r->is_class) {
            copy = inner_with_class(inner, value && value->type == UR_VALUE_STRING ? value->u.str
                                                                                : "LSTM");
        } else {
            copy = inner && inner->type == UR_VALUE_OBJECT ? ur_value_copy(inner)
                                                           : ur_value_new_object();
            if (value)
                ur_value_set(copy, r->option, ur_value_copy(value));
            else
                ur_value_remove(copy, r->option);
        }
        ok = unroll_document_set_option(self->doc, layer, "layer", copy, &err);
        ur_value_free(copy);
    }
    if (generation == self->generation)
        row_set_error(r, ok ? NULL : err->message);
    if (!ok)
        g_propagate_error(error, err);
    return ok;
}

/* Drop-down items for the value shown: None (nullable choices), the
 * choices, and the value itself when it is none of them (an initializer
 * object, an alias such as "uniform"): kept unless another is picked. */
static void dropdown_fill(option_row *r, const ur_value *v)
{
    GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)ur_value_free);
    if (r->is_class) {
        for (int i = 0; i < ur_layer_class_count(); i++)
            if (class_is_inner_recurrent(i))
                g_ptr_array_add(items, ur_value_new_string(ur_layer_class_name(i)));
    } else {
        if (r->info.kind == UR_OPTION_CHOICE && r->info.nullable)
            g_ptr_array_add(items, ur_value_new_null());
        for (int i = 0; r->info.choices && r->info.choices[i]; i++)
            g_ptr_array_add(items, ur_value_new_string(r->info.choices[i]));
    }
    guint selected = GTK_INVALID_LIST_POSITION;
    for (guint i = 0; v && i < items->len && selected == GTK_INVALID_LIST_POSITION; i++)
        if (values_equivalent(r, g_ptr_array_index(items, i), v))
            selected = i;
    if (v && selected == GTK_INVALID_LIST_POSITION) {
        g_ptr_array_add(items, ur_value_copy(v));
        selected = items->len - 1;
    }

    GtkStringList *model = GTK_STRING_LIST(gtk_drop_down_get_model(GTK_DROP_DOWN(r->editor)));
    guint n_old = g_list_model_get_n_items(G_LIST_MODEL(model));
    gboolean same = r->items && n_old == items->len;
    for (guint i = 0; same && i < items->len; i++)
        same = ur_value_equal(g_ptr_array_index(r->items, i), g_ptr_array_index(items, i));
    if (!same) {
        char **labels = g_new0(char *, items->len + 1);
        for (guint i = 0; i < items->len; i++)
            labels[i] = value_label(g_ptr_array_index(items, i));
        gtk_string_list_splice(model, 0, n_old, (const char *const *)labels);
        g_strfreev(labels);
        if (r->items)
            g_ptr_array_unref(r->items);
        r->items = items;
    } else {
        g_ptr_array_unref(items);
    }
    gtk_drop_down_set_selected(GTK_DROP_DOWN(r->editor), selected);
}

static void spin_set_float(GtkSpinButton *spin, double v)
{
    int digits = float_digits(v);
    if ((int)gtk_spin_button_get_digits(spin) < digits) {
        gtk_spin_button_set_digits(spin, digits);
        double step = pow(10, -digits);
        gtk_spin_button_set_increments(spin, step, step * 10);
    }
    gtk_spin_button_set_value(spin, v);
}

/* Shows the value again (through "output": "None" for a null INT_OR_NULL). */
static void spin_redisplay(option_row *r)
{
    r->self->updating++;
    g_signal_emit_by_name(gtk_spin_button_get_adjustment(GTK_SPIN_BUTTON(r->editor)),
                          "value-changed");
    r->self->updating--;
}

/* Shows the spec's value in the editor (unless it already shows it, so
 * that typing survives) and the reset button when the key is present. */
static void row_update(option_row *r)
{
    gboolean present;
    const ur_value *v = row_value(r, &present);
    if (r->reset)
        gtk_widget_set_visible(r->reset, present && !r->info.required);
    char *json = v ? ur_json_write(v, -1) : NULL;
    char *shown = g_strdup(json ? json : "");
    free(json);
    if (r->shown && strcmp(r->shown, shown) == 0) {
        /* a refused text leaves its mark on an entry that still shows it;
         * the other editors went back to the value at once */
        if (!GTK_IS_ENTRY(r->editor))
            row_set_error(r, NULL);
        g_free(shown);
        return;
    }
    g_free(r->shown);
    r->shown = shown;

    r->self->updating++;
    switch (r->is_class ? UR_OPTION_CHOICE : r->info.kind) {
    case UR_OPTION_INT:
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(r->editor),
                                  v && v->type == UR_VALUE_NUMBER ? v->u.num
                                  : r->info.has_range             ? r->info.min
                                                                  : 0);
        break;
    case UR_OPTION_INT_OR_NULL: {
        gboolean set = v && v->type == UR_VALUE_NUMBER;
        if (set)
            gtk_spin_button_set_value(GTK_SPIN_BUTTON(r->editor), v->u.num);
        gtk_switch_set_active(GTK_SWITCH(r->null_switch), set);
        gtk_widget_set_sensitive(r->editor, set);
        spin_redisplay(r);
        break;
    }
    case UR_OPTION_FLOAT:
        spin_set_float(GTK_SPIN_BUTTON(r->editor), v && v->type == UR_VALUE_NUMBER ? v->u.num : 0);
        break;
    case UR_OPTION_BOOL:
        gtk_switch_set_active(GTK_SWITCH(r->editor), v && v->type == UR_VALUE_BOOL && v->u.b);
        break;
    case UR_OPTION_CHOICE:
    case UR_OPTION_ACTIVATION:
    case UR_OPTION_INITIALIZER:
        dropdown_fill(r, v);
        break;
    case UR_OPTION_SHAPE: {
        char *text = format_shape(v);
        gtk_editable_set_text(GTK_EDITABLE(r->editor), text);
        g_free(text);
        break;
    }
    case UR_OPTION_LAYER:
    case UR_OPTION_IGNORED:
        break;
    }
    r->self->updating--;
    row_set_error(r, NULL);
}

/* ------------------------------------------------------- editor signals */

static void spin_changed(GtkSpinButton *spin, option_row *r)
{
    if (r->self->updating)
        return;
    double v = gtk_spin_button_get_value(spin);
    if (r->info.kind == UR_OPTION_INT_OR_NULL && !gtk_switch_get_active(GTK_SWITCH(r->null_switch)))
        return;
    ur_value *value = ur_value_new_number(r->info.kind == UR_OPTION_FLOAT ? v : rint(v));
    row_commit(r, value, NULL);
    ur_value_free(value);
}

/* INT_OR_NULL: the spin button reads "None" while the switch is off. */
static gboolean spin_output(GtkSpinButton *spin, option_row *r)
{
    if (r->null_switch && !gtk_switch_get_active(GTK_SWITCH(r->null_switch))) {
        gtk_editable_set_text(GTK_EDITABLE(spin), "None");
        return TRUE;
    }
    return FALSE;
}

static void null_switch_changed(GtkSwitch *sw, GParamSpec *pspec, option_row *r)
{
    gtk_widget_set_sensitive(r->editor, gtk_switch_get_active(sw));
    spin_redisplay(r);
    if (r->self->updating)
        return;
    ur_value *value = gtk_switch_get_active(sw)
                          ? ur_value_new_number(rint(gtk_spin_button_get_value(GTK_SPIN_BUTTON(r->editor))))
                          : ur_value_new_null();
    row_commit(r, value, NULL);
    ur_value_free(value);
}

static void switch_changed(GtkSwitch *sw, GParamSpec *pspec, option_row *r)
{
    if (r->self->updating)
        return;
    ur_value *value = ur_value_new_bool(gtk_switch_get_active(sw));
    row_commit(r, value, NULL);
    ur_value_free(value);
}

static void dropdown_changed(GtkDropDown *dd, GParamSpec *pspec, option_row *r)
{
    if (r->self->updating || !r->items)
        return;
    guint i = gtk_drop_down_get_selected(dd);
    if (i >= r->items->len)
        return;
    ur_value *value = ur_value_copy(g_ptr_array_index(r->items, i));
    row_commit(r, value, NULL);
    ur_value_free(value);
}

/* Validated as typed: the error shows while the text does not parse. */
static void shape_text_changed(GtkEditable *entry, option_row *r)
{
    char *problem = NULL;
    ur_value *v = parse_shape(gtk_editable_get_text(entry), &problem);
    row_set_error(r, problem);
    g_free(problem);
    ur_value_free(v);
}

static gboolean shape_commit(option_row *r, GError **error)
{
    char *problem = NULL;
    ur_value *v = parse_shape(gtk_editable_get_text(GTK_EDITABLE(r->editor)), &problem);
    if (!v) {
        row_set_error(r, problem);
        g_set_error(error, INSPECTOR_ERROR, INSPECTOR_INVALID, "%s: %s", r->key, problem);
        g_free(problem);
        return FALSE;
    }
    gboolean ok = row_commit(r, v, error);
    ur_value_free(v);
    return ok;
}

static void shape_activate(GtkEntry *entry, option_row *r)
{
    if (!r->self->updating)
        shape_commit(r, NULL);
}

static void shape_focus_leave(GtkEventControllerFocus *focus, option_row *r)
{
    if (r->self->updating || r->error)
        return;
    shape_commit(r, NULL);
}

static void reset_clicked(GtkButton *button, option_row *r)
{
    row_commit(r, NULL, NULL);
}

/* ---------------------------------------------------------- row building */

static void option_row_free(option_row *r)
{
    GtkWidget *widgets[] = {r->editor, r->null_switch, r->reset};
    for (size_t i = 0; i < G_N_ELEMENTS(widgets); i++)
        if (widgets[i])
            g_signal_handlers_disconnect_by_data(widgets[i], r);
    if (r->focus)
        g_signal_handlers_disconnect_by_data(r->focus, r);
    if (r->items)
        g_ptr_array_unref(r->items);
    ur_value_free(r->def);
    g_free(r->key);
    g_free(r->option);
    g_free(r->shown);
    g_free(r->error);
    g_free(r);
}

static GtkWidget *new_spin(double lo, double hi, double step, int digits)
{
    GtkWidget *spin = gtk_spin_button_new_with_range(lo, hi, step);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), digits);
    gtk_spin_button_set_increments(GTK_SPIN_BUTTON(spin), step, step * 10);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), FALSE);
    gtk_spin_button_set_update_policy(GTK_SPIN_BUTTON(spin), GTK_UPDATE_IF_VALID);
    gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
    return spin;
}

static option_row *row_new(UnrollInspector *self, const char *key, const ur_option_info *info,
                           gboolean inner, gboolean is_class)
{
    option_row *r = g_new0(option_row, 1);
    r->self = self;
    r->key = g_strdup(key);
    r->option = g_strdup(is_class ? "class" : info->name);
    r->inner = inner;
    r->is_class = is_class;
    r->info = *info;
    if (info->default_json) {
        ur_ctx ctx = {0};
        r->def = ur_json_parse(info->default_json, strlen(info->default_json), NULL, &ctx);
    }

    r->row = adw_action_row_new();
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(r->row), FALSE);
    /* a narrow panel wraps "kernel_initializer" after its underscore, not
     * inside a word */
    char **parts = g_strsplit(is_class ? "class" : info->name, "_", -1);
    char *title = g_strjoinv("_\u200b", parts);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(r->row), title);
    g_free(title);
    g_strfreev(parts);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(r->row), info->help);
    gtk_widget_set_tooltip_text(r->row, info->help);

    if (!info->required && !is_class) {
        r->reset = gtk_button_new_from_icon_name("edit-undo-symbolic");
        gtk_widget_add_css_class(r->reset, "flat");
        gtk_widget_set_valign(r->reset, GTK_ALIGN_CENTER);
        char *def = r->def ? value_label(r->def) : g_strdup("none");
        if (info->kind == UR_OPTION_ACTIVATION && r->def && r->def->type == UR_VALUE_NULL) {
            g_free(def);
            def = g_strdup("linear");
        }
        char *tip = g_strdup_printf("Reset to Default (%s)", def);
        gtk_widget_set_tooltip_text(r->reset, tip);
        gtk_accessible_update_property(GTK_ACCESSIBLE(r->reset), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       tip, -1);
        g_free(tip);
        g_free(def);
        g_signal_connect(r->reset, "clicked", G_CALLBACK(reset_clicked), r);
        gtk_widget_set_visible(r->reset, FALSE);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->reset);
    }

    switch (is_class ? UR_OPTION_CHOICE : info->kind) {
    case UR_OPTION_INT:
    case UR_OPTION_INT_OR_NULL: {
        double lo = info->has_range ? info->min : G_MININT32;
        double hi = info->has_range ? info->max : G_MAXINT32;
        r->editor = new_spin(lo, hi, 1, 0);
        g_signal_connect(r->editor, "value-changed", G_CALLBACK(spin_changed), r);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->editor);
        if (info->kind == UR_OPTION_INT_OR_NULL) {
            r->null_switch = gtk_switch_new();
            gtk_widget_set_valign(r->null_switch, GTK_ALIGN_CENTER);
            gtk_widget_set_tooltip_text(r->null_switch, "Set a value (off: None)");
            g_signal_connect(r->null_switch, "notify::active", G_CALLBACK(null_switch_changed), r);
            g_signal_connect(r->editor, "output", G_CALLBACK(spin_output), r);
            adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->null_switch);
        }
        break;
    }
    case UR_OPTION_FLOAT: {
        double lo = info->has_range ? info->min : -1e9;
        double hi = info->has_range ? info->max : 1e9;
        int digits = r->def && r->def->type == UR_VALUE_NUMBER ? float_digits(r->def->u.num) : 2;
        r->editor = new_spin(lo, hi, pow(10, -digits), digits);
        g_signal_connect(r->editor, "value-changed", G_CALLBACK(spin_changed), r);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->editor);
        break;
    }
    case UR_OPTION_BOOL:
        r->editor = gtk_switch_new();
        gtk_widget_set_valign(r->editor, GTK_ALIGN_CENTER);
        g_signal_connect(r->editor, "notify::active", G_CALLBACK(switch_changed), r);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->editor);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(r->row), r->editor);
        break;
    case UR_OPTION_CHOICE:
    case UR_OPTION_ACTIVATION:
    case UR_OPTION_INITIALIZER:
        r->editor = gtk_drop_down_new(G_LIST_MODEL(gtk_string_list_new(NULL)), NULL);
        gtk_widget_set_valign(r->editor, GTK_ALIGN_CENTER);
        g_signal_connect(r->editor, "notify::selected", G_CALLBACK(dropdown_changed), r);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->editor);
        break;
    case UR_OPTION_SHAPE:
        r->editor = gtk_entry_new();
        gtk_editable_set_width_chars(GTK_EDITABLE(r->editor), 12);
        gtk_widget_set_valign(r->editor, GTK_ALIGN_CENTER);
        gtk_entry_set_placeholder_text(GTK_ENTRY(r->editor), "(None, 28)");
        g_signal_connect(r->editor, "changed", G_CALLBACK(shape_text_changed), r);
        g_signal_connect(r->editor, "activate", G_CALLBACK(shape_activate), r);
        r->focus = gtk_event_controller_focus_new();
        g_signal_connect(r->focus, "leave", G_CALLBACK(shape_focus_leave), r);
        gtk_widget_add_controller(r->editor, r->focus);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->editor);
        break;
    case UR_OPTION_LAYER:
    case UR_OPTION_IGNORED:
        break;
    }
    if (r->editor)
        gtk_accessible_update_property(GTK_ACCESSIBLE(r->editor), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       is_class ? "class" : info->name, -1);
    g_ptr_array_add(self->rows, r);
    row_update(r);
    return r;
}

static option_row *find_row(UnrollInspector *self, const char *key)
{
    for (guint i = 0; key && i < self->rows->len; i++) {
        option_row *r = g_ptr_array_index(self->rows, i);
        if (strcmp(r->key, key) == 0)
            return r;
    }
    return NULL;
}

/* --------------------------------------------------------------- names */

/* Why text cannot be the name (of the layer shown, or of the model). */
static char *name_problem(UnrollInspector *self, const char *text)
{
    if (!text || !*text)
        return g_strdup("A name cannot be empty");
    if (!self->layer)
        return NULL;
    if (strchr(text, ':') || strchr(text, '/'))
        return g_strdup("A layer name cannot contain \u201c:\u201d or \u201c/\u201d");
    ur_graph *g = graph_of(self);
    if (strcmp(text, self->layer) != 0 && g && ur_graph_find(g, text))
        return g_strdup_printf("\u201c%s\u201d is the name of another layer", text);
    return NULL;
}

static void name_set_error(UnrollInspector *self, const char *message)
{
    g_free(self->name_error);
    self->name_error = g_strdup(message);
    if (!self->name_row)
        return;
    if (message)
        gtk_widget_add_css_class(self->name_row, "error");
    else
        gtk_widget_remove_css_class(self->name_row, "error");
    gtk_label_set_text(GTK_LABEL(self->name_error_label), message ? message : "");
    gtk_widget_set_visible(self->name_error_label, message != NULL);
}

static void name_text_changed(GtkEditable *editable, UnrollInspector *self)
{
    if (self->updating)
        return;
    char *problem = name_problem(self, gtk_editable_get_text(editable));
    name_set_error(self, problem);
    g_free(problem);
}

/* Renames the layer (or the model) to the row's text. */
static gboolean name_commit(UnrollInspector *self, GError **error)
{
    if (!self->doc || !self->name_row)
        return TRUE;
    g_autofree char *text = g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->name_row)));
    char *problem = name_problem(self, text);
    if (problem) {
        name_set_error(self, problem);
        g_set_error(error, INSPECTOR_ERROR, INSPECTOR_INVALID, "name: %s", problem);
        g_free(problem);
        return FALSE;
    }
    GError *err = NULL;
    gboolean ok;
    if (self->layer) {
        if (strcmp(text, self->layer) == 0) {
            name_set_error(self, NULL);
            return TRUE;
        }
        /* the page stays: it shows the same layer under its new name (the
         * document keeps a renamed layer selected) */
        g_autofree char *old = self->layer;
        self->layer = g_strdup(text);
        ok = unroll_document_rename(self->doc, old, text, &err);
        if (!ok) {
            g_free(self->layer);
            self->layer = g_steal_pointer(&old);
        }
    } else {
        ok = unroll_document_set_name(self->doc, text, &err);
    }
    name_set_error(self, ok ? NULL : err->message);
    if (!ok)
        g_propagate_error(error, err);
    return ok;
}

static void name_activated(AdwEntryRow *row, UnrollInspector *self)
{
    if (!self->updating)
        name_commit(self, NULL);
}

static void name_focus_leave(GtkEventControllerFocus *focus, UnrollInspector *self)
{
    if (!self->updating && !self->name_error)
        name_commit(self, NULL);
}

static GtkWidget *new_name_group(UnrollInspector *self, const char *title, const char *text)
{
    GtkWidget *group = adw_preferences_group_new();
    self->name_row = adw_entry_row_new();
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(self->name_row), FALSE);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->name_row), title);
    gtk_editable_set_text(GTK_EDITABLE(self->name_row), text);
    g_free(self->shown_name);
    self->shown_name = g_strdup(text);
    g_signal_connect(self->name_row, "changed", G_CALLBACK(name_text_changed), self);
    g_signal_connect(self->name_row, "entry-activated", G_CALLBACK(name_activated), self);
    self->name_focus = gtk_event_controller_focus_new();
    g_signal_connect(self->name_focus, "leave", G_CALLBACK(name_focus_leave), self);
    gtk_widget_add_controller(self->name_row, self->name_focus);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), self->name_row);

    self->name_error_label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->name_error_label), 0);
    gtk_label_set_wrap(GTK_LABEL(self->name_error_label), TRUE);
    gtk_widget_add_css_class(self->name_error_label, "error");
    gtk_widget_add_css_class(self->name_error_label, "caption");
    gtk_widget_set_margin_top(self->name_error_label, 6);
    gtk_widget_set_margin_start(self->name_error_label, 12);
    gtk_widget_set_visible(self->name_error_label, FALSE);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), self->name_error_label);
    return group;
}

/* Puts the name into the row unless the row already shows it (typing
 * survives a "changed" caused by another edit). */
static void name_update(UnrollInspector *self, const char *name)
{
    if (!self->name_row || g_strcmp0(self->shown_name, name) == 0)
        return;
    g_free(self->shown_name);
    self->shown_name = g_strdup(name);
    self->updating++;
    gtk_editable_set_text(GTK_EDITABLE(self->name_row), name);
    self->updating--;
    name_set_error(self, NULL);
}

/* ---------------------------------------------------------------- pages */

static gboolean release_removed(gpointer data)
{
    UnrollInspector *self = data;
    self->release_id = 0;
    g_ptr_array_set_size(self->removed, 0);
    return G_SOURCE_REMOVE;
}

/* A rebuild may run inside an editor's own signal (the inner layer's class
 * drop-down): the old page's widgets stay alive until the main loop is idle
 * again, with every handler of the inspector already disconnected. */
static void page_clear(UnrollInspector *self)
{
    self->generation++;
    g_ptr_array_set_size(self->rows, 0);
    if (self->name_row) {
        g_signal_handlers_disconnect_by_data(self->name_row, self);
        g_signal_handlers_disconnect_by_data(self->name_focus, self);
    }
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(self->page))) {
        g_ptr_array_add(self->removed, g_object_ref(child));
        gtk_box_remove(GTK_BOX(self->page), child);
    }
    if (self->removed->len > 0 && !self->release_id)
        self->release_id = g_idle_add(release_removed, self);
    self->title_label = self->error_box = self->error_label = NULL;
    self->name_row = self->name_error_label = NULL;
    self->name_focus = NULL;
    self->shapes_label = self->params_row = self->params_label = NULL;
    self->layers_label = self->model_params_label = self->errors_row = self->errors_label = NULL;
    g_clear_pointer(&self->name_error, g_free);
    g_clear_pointer(&self->shown_name, g_free);
}

static void set_title(UnrollInspector *self, const char *title)
{
    g_free(self->title);
    self->title = g_strdup(title);
    if (self->title_label)
        gtk_label_set_text(GTK_LABEL(self->title_label), title);
}

static GtkWidget *info_row(GtkWidget *group, const char *title, GtkWidget **value_label)
{
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), 1);
    gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_RIGHT);
    gtk_widget_add_css_class(label, "numeric");
    gtk_widget_set_valign(label, GTK_ALIGN_CENTER);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
    *value_label = label;
    return row;
}

/* The heading: glyph, title and class, description. */
static GtkWidget *new_header(UnrollInspector *self, const char *icon, const char *title,
                             const char *subtitle, const char *description)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *top = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    GtkWidget *image = gtk_image_new_from_icon_name(icon);
    gtk_image_set_pixel_size(GTK_IMAGE(image), 24);
    gtk_widget_add_css_class(image, "unroll-layer-glyph");
    gtk_widget_set_valign(image, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(top), image);
    GtkWidget *texts = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_valign(texts, GTK_ALIGN_CENTER);
    self->title_label = gtk_label_new(title);
    gtk_label_set_xalign(GTK_LABEL(self->title_label), 0);
    gtk_label_set_ellipsize(GTK_LABEL(self->title_label), PANGO_ELLIPSIZE_END);
    gtk_widget_add_css_class(self->title_label, "title-3");
    gtk_box_append(GTK_BOX(texts), self->title_label);
    if (subtitle) {
        GtkWidget *sub = gtk_label_new(subtitle);
        gtk_label_set_xalign(GTK_LABEL(sub), 0);
        gtk_widget_add_css_class(sub, "dim-label");
        gtk_box_append(GTK_BOX(texts), sub);
    }
    gtk_box_append(GTK_BOX(top), texts);
    gtk_box_append(GTK_BOX(box), top);
    if (description) {
        GtkWidget *desc = gtk_label_new(description);
        gtk_label_set_xalign(GTK_LABEL(desc), 0);
        gtk_label_set_wrap(GTK_LABEL(desc), TRUE);
        gtk_widget_add_css_class(desc, "dim-label");
        gtk_box_append(GTK_BOX(box), desc);
    }
    return box;
}

static GtkWidget *new_error_box(UnrollInspector *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_widget_add_css_class(box, "unroll-error-box");
    GtkWidget *icon = gtk_image_new_from_icon_name("dialog-error-symbolic");
    gtk_widget_add_css_class(icon, "error");
    gtk_widget_set_valign(icon, GTK_ALIGN_START);
    gtk_box_append(GTK_BOX(box), icon);
    GtkWidget *texts = gtk_box_new(GTK_ORIENTATION_VERTICAL, 3);
    GtkWidget *title = gtk_label_new("This layer has an error");
    gtk_label_set_xalign(GTK_LABEL(title), 0);
    gtk_widget_add_css_class(title, "unroll-error-title");
    gtk_box_append(GTK_BOX(texts), title);
    self->error_label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->error_label), 0);
    gtk_label_set_wrap(GTK_LABEL(self->error_label), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(self->error_label), PANGO_WRAP_WORD_CHAR);
    gtk_box_append(GTK_BOX(texts), self->error_label);
    gtk_widget_set_hexpand(texts, TRUE);
    gtk_box_append(GTK_BOX(box), texts);
    self->error_box = box;
    return box;
}

/* Values of the layer page that are not editors: title, error, shapes,
 * parameters. */
static void layer_page_update(UnrollInspector *self)
{
    const ur_layer *l = shown_layer(self);
    if (!l)
        return;
    set_title(self, ur_layer_name(l));
    name_update(self, ur_layer_name(l));

    const char *err = ur_layer_error(l);
    gtk_widget_set_visible(self->error_box, err != NULL);
    gtk_label_set_text(GTK_LABEL(self->error_label), err ? err : "");
    GtkWidget *glyph = gtk_widget_get_first_child(gtk_widget_get_first_child(
        gtk_widget_get_first_child(self->page)));
    if (glyph && err)
        gtk_widget_add_css_class(glyph, "unroll-glyph-error");
    else if (glyph)
        gtk_widget_remove_css_class(glyph, "unroll-glyph-error");

    GString *shapes = g_string_new(NULL);
    for (int k = 0; k < ur_layer_n_outputs(l); k++) {
        char buf[128];
        ur_shape_format(ur_layer_output_shape(l, k), buf, sizeof buf);
        g_string_append_printf(shapes, "%s%s%s", k ? "\n" : "", buf,
                               ur_layer_output_masked(l, k) ? " \u00b7 masked" : "");
    }
    if (ur_layer_n_outputs(l) == 0)
        g_string_append(shapes, "\u2014");
    gtk_label_set_text(GTK_LABEL(self->shapes_label), shapes->str);
    g_string_free(shapes, TRUE);

    int64_t trainable = ur_layer_count_params(l, true), frozen = ur_layer_count_params(l, false);
    char *total = unroll_format_thousands(trainable + frozen);
    gtk_label_set_text(GTK_LABEL(self->params_label), total);
    g_free(total);
    if (frozen > 0) {
        char *t = unroll_format_thousands(trainable), *f = unroll_format_thousands(frozen);
        char *sub = g_strdup_printf("%s trainable, %s non-trainable", t, f);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->params_row), sub);
        g_free(sub);
        g_free(t);
        g_free(f);
    } else {
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->params_row), "");
    }
    for (guint i = 0; i < self->rows->len; i++)
        row_update(g_ptr_array_index(self->rows, i));
}

static void add_option_rows(UnrollInspector *self, GtkWidget *group, int class_index,
                            const char *prefix)
{
    for (int k = 0; k < ur_layer_class_n_options(class_index); k++) {
        ur_option_info o;
        if (!ur_layer_class_option(class_index, k, &o) || o.kind == UR_OPTION_IGNORED ||
            o.kind == UR_OPTION_LAYER)
            continue;
        char *key = prefix ? g_strdup_printf("%s.%s", prefix, o.name) : g_strdup(o.name);
        option_row *r = row_new(self, key, &o, prefix != NULL, FALSE);
        g_free(key);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), r->row);
    }
}

static void build_layer_page(UnrollInspector *self, const ur_layer *l)
{
    const char *cls = ur_layer_class(l);
    int ci = ur_layer_class_find(cls);
    char *icon = unroll_layer_icon_name(ci >= 0 ? ur_layer_class_name(ci) : cls);
    gtk_box_append(GTK_BOX(self->page),
                   new_header(self, icon, ur_layer_name(l), cls,
                              ci >= 0 ? ur_layer_class_description(ci) : NULL));
    g_free(icon);
    gtk_box_append(GTK_BOX(self->page), new_error_box(self));
    gtk_box_append(GTK_BOX(self->page), new_name_group(self, "Name", ur_layer_name(l)));

    GtkWidget *out = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(out), "Output");
    info_row(out, "Shape", &self->shapes_label);
    self->params_row = info_row(out, "Parameters", &self->params_label);
    gtk_box_append(GTK_BOX(self->page), out);

    if (ci < 0) {
        set_title(self, ur_layer_name(l));
        layer_page_update(self);
        return;
    }
    GtkWidget *options = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(options), "Options");
    add_option_rows(self, options, ci, NULL);
    /* a class whose only option is its inner layer (none yet) shows no
     * empty Options group */
    if (gtk_widget_get_first_child(options) && self->rows->len > 0)
        gtk_box_append(GTK_BOX(self->page), options);
    else
        g_object_ref_sink(options), g_object_unref(options);

    for (int k = 0; k < ur_layer_class_n_options(ci); k++) {
        ur_option_info o;
        if (!ur_layer_class_option(ci, k, &o) || o.kind != UR_OPTION_LAYER)
            continue;
        GtkWidget *group = adw_preferences_group_new();
        adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), "Wrapped Layer");
        char *desc = g_strdup_printf("%s (option \u201c%s\u201d)", o.help, o.name);
        adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group), desc);
        g_free(desc);
        char *class_key = g_strdup_printf("%s.class", o.name);
        ur_option_info class_info = {.name = "class", .kind = UR_OPTION_CHOICE, .required = true,
                                     .help = "The recurrent layer's class"};
        option_row *cr = row_new(self, class_key, &class_info, TRUE, TRUE);
        g_free(class_key);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), cr->row);
        const ur_value *inner = ur_value_get(ur_layer_spec(l), o.name);
        const ur_value *icls = inner && inner->type == UR_VALUE_OBJECT
                                   ? ur_value_get(inner, "class") : NULL;
        int ii = icls && icls->type == UR_VALUE_STRING ? ur_layer_class_find(icls->u.str) : -1;
        if (ii >= 0 && class_is_inner_recurrent(ii))
            add_option_rows(self, group, ii, o.name);
        gtk_box_append(GTK_BOX(self->page), group);
    }
    layer_page_update(self);
}

static void model_page_update(UnrollInspector *self)
{
    ur_graph *g = graph_of(self);
    set_title(self, ur_graph_name(g));
    name_update(self, ur_graph_name(g));
    char *n = g_strdup_printf("%d", ur_graph_n_layers(g));
    gtk_label_set_text(GTK_LABEL(self->layers_label), n);
    g_free(n);
    int64_t trainable = ur_graph_count_params(g, true), frozen = ur_graph_count_params(g, false);
    char *total = unroll_format_thousands(trainable + frozen);
    gtk_label_set_text(GTK_LABEL(self->model_params_label), total);
    g_free(total);
    char *t = unroll_format_thousands(trainable), *f = unroll_format_thousands(frozen);
    char *size = unroll_format_memory_size((double)(trainable + frozen) * 4);
    char *sub = g_strdup_printf("%s trainable, %s non-trainable (%s)", t, f, size);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(gtk_widget_get_ancestor(
                                    self->model_params_label, ADW_TYPE_ACTION_ROW)),
                                sub);
    g_free(sub);
    g_free(size);
    g_free(t);
    g_free(f);
    const char *first_layer = NULL, *first_message = NULL;
    int errors = self->doc ? unroll_document_count_errors(self->doc, &first_layer, &first_message)
                           : 0;
    char *e = g_strdup_printf("%d", errors);
    gtk_label_set_text(GTK_LABEL(self->errors_label), e);
    g_free(e);
    char *first = errors > 0 ? g_strdup_printf("%s: %s", first_layer, first_message)
                             : g_strdup("");
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->errors_row), first);
    g_free(first);
    if (errors > 0)
        gtk_widget_add_css_class(self->errors_row, "unroll-invalid");
    else
        gtk_widget_remove_css_class(self->errors_row, "unroll-invalid");
}

static void build_model_page(UnrollInspector *self)
{
    ur_graph *g = graph_of(self);
    gtk_box_append(GTK_BOX(self->page),
                   new_header(self, "view-grid-symbolic", ur_graph_name(g), "Model",
                              "Select a layer on the canvas to edit its options."));
    gtk_box_append(GTK_BOX(self->page), new_name_group(self, "Model Name", ur_graph_name(g)));
    GtkWidget *group = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), "Contents");
    info_row(group, "Layers", &self->layers_label);
    info_row(group, "Parameters", &self->model_params_label);
    self->errors_row = info_row(group, "Errors", &self->errors_label);
    gtk_box_append(GTK_BOX(self->page), group);
    model_page_update(self);
}

static void build_status_page(UnrollInspector *self, const char *icon, const char *title,
                              const char *description)
{
    GtkWidget *status = adw_status_page_new();
    adw_status_page_set_icon_name(ADW_STATUS_PAGE(status), icon);
    adw_status_page_set_title(ADW_STATUS_PAGE(status), title);
    adw_status_page_set_description(ADW_STATUS_PAGE(status), description);
    gtk_widget_add_css_class(status, "compact");
    gtk_widget_set_vexpand(status, TRUE);
    gtk_box_append(GTK_BOX(self->page), status);
    set_title(self, title);
}

/* What the page shows, as a string, and the layer's name apart: a page is
 * updated in place while both stay the same and rebuilt when either changes
 * (a rename through the name row sets self->layer to the new name first). */
static char *page_signature(UnrollInspector *self, const char **name)
{
    *name = NULL;
    ur_graph *g = graph_of(self);
    if (!g)
        return g_strdup("none");
    int n;
    const char *const *sel = unroll_document_get_selection(self->doc, &n);
    if (n == 0)
        return g_strdup("model");
    if (n > 1)
        return g_strdup_printf("several %d", n);
    const ur_layer *l = ur_graph_find(g, sel[0]);
    if (!l)
        return g_strdup("model");
    const ur_value *inner = ur_value_get(ur_layer_spec(l), "layer");
    const ur_value *icls = inner && inner->type == UR_VALUE_OBJECT ? ur_value_get(inner, "class")
                                                                   : NULL;
    *name = ur_layer_name(l);
    return g_strdup_printf("layer\n%s\n%s", ur_layer_class(l),
                           icls && icls->type == UR_VALUE_STRING ? icls->u.str : "-");
}

static void refresh(UnrollInspector *self)
{
    const char *name;
    char *sig = page_signature(self, &name);
    gboolean same = self->signature && strcmp(sig, self->signature) == 0 &&
                    g_strcmp0(name, self->layer) == 0;
    if (same) {
        g_free(sig);
        if (self->layer)
            layer_page_update(self);
        else if (self->layers_label)
            model_page_update(self);
        return;
    }
    self->updating++;
    page_clear(self);
    g_free(self->signature);
    self->signature = sig;
    g_clear_pointer(&self->layer, g_free);
    ur_graph *g = graph_of(self);
    if (!g) {
        build_status_page(self, "document-edit-symbolic", "No Model", "Open or create a model");
    } else {
        int n;
        const char *const *sel = unroll_document_get_selection(self->doc, &n);
        const ur_layer *l = n == 1 ? ur_graph_find(g, sel[0]) : NULL;
        if (l) {
            self->layer = g_strdup(ur_layer_name(l));
            build_layer_page(self, l);
        } else if (n > 1) {
            char *title = g_strdup_printf("%d layers selected", n);
            build_status_page(self, "edit-select-all-symbolic", title,
                              "Select a single layer to edit its options");
            g_free(title);
        } else {
            build_model_page(self);
        }
    }
    self->updating--;
}

static void document_changed(UnrollDocument *doc, UnrollInspector *self)
{
    refresh(self);
}

/* ------------------------------------------------------------ GObject */

static void unroll_inspector_dispose(GObject *object)
{
    UnrollInspector *self = UNROLL_INSPECTOR(object);
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_signal_handler(&self->selection_id, self->doc);
        g_clear_object(&self->doc);
    }
    if (self->rows)
        page_clear(self);
    g_clear_handle_id(&self->release_id, g_source_remove);
    if (self->removed)
        g_ptr_array_set_size(self->removed, 0);
    g_clear_pointer(&self->scroll, gtk_widget_unparent);
    G_OBJECT_CLASS(unroll_inspector_parent_class)->dispose(object);
}

static void unroll_inspector_finalize(GObject *object)
{
    UnrollInspector *self = UNROLL_INSPECTOR(object);
    g_ptr_array_unref(self->rows);
    g_ptr_array_unref(self->removed);
    g_free(self->signature);
    g_free(self->layer);
    g_free(self->title);
    g_free(self->name_error);
    g_free(self->shown_name);
    G_OBJECT_CLASS(unroll_inspector_parent_class)->finalize(object);
}

static void unroll_inspector_class_init(UnrollInspectorClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    object_class->dispose = unroll_inspector_dispose;
    object_class->finalize = unroll_inspector_finalize;
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "unroll-inspector");
}

static void unroll_inspector_init(UnrollInspector *self)
{
    install_css();
    self->rows = g_ptr_array_new_with_free_func((GDestroyNotify)option_row_free);
    self->removed = g_ptr_array_new_with_free_func(g_object_unref);
    self->scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(self->scroll), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    gtk_widget_set_parent(self->scroll, GTK_WIDGET(self));
    GtkWidget *clamp = adw_clamp_new();
    adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 600);
    self->page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
    gtk_widget_set_margin_top(self->page, 18);
    gtk_widget_set_margin_bottom(self->page, 18);
    gtk_widget_set_margin_start(self->page, 12);
    gtk_widget_set_margin_end(self->page, 12);
    adw_clamp_set_child(ADW_CLAMP(clamp), self->page);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(self->scroll), clamp);
    refresh(self);
}

/* --------------------------------------------------------------- public */

GtkWidget *unroll_inspector_new(void)
{
    return g_object_new(UNROLL_TYPE_INSPECTOR, NULL);
}

void unroll_inspector_set_document(UnrollInspector *self, UnrollDocument *doc)
{
    g_return_if_fail(UNROLL_IS_INSPECTOR(self));
    if (self->doc == doc)
        return;
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_signal_handler(&self->selection_id, self->doc);
        g_clear_object(&self->doc);
    }
    if (doc) {
        self->doc = g_object_ref(doc);
        self->changed_id = g_signal_connect(doc, "changed", G_CALLBACK(document_changed), self);
        self->selection_id =
            g_signal_connect(doc, "selection-changed", G_CALLBACK(document_changed), self);
    }
    g_clear_pointer(&self->signature, g_free);
    refresh(self);
}

UnrollDocument *unroll_inspector_get_document(UnrollInspector *self)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    return self->doc;
}

const char *unroll_inspector_get_layer(UnrollInspector *self)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    return self->layer;
}

const char *unroll_inspector_get_title(UnrollInspector *self)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    return self->title;
}

GtkWidget *unroll_inspector_get_row(UnrollInspector *self, const char *key)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    if (g_strcmp0(key, "name") == 0)
        return self->name_row;
    option_row *r = find_row(self, key);
    return r ? r->editor : NULL;
}

GtkWidget *unroll_inspector_get_null_switch(UnrollInspector *self, const char *key)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    option_row *r = find_row(self, key);
    return r ? r->null_switch : NULL;
}

static gboolean refuse(option_row *r, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean refuse(option_row *r, GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    row_set_error(r, message);
    g_set_error(error, INSPECTOR_ERROR, INSPECTOR_INVALID, "%s: %s", r->key, message);
    g_free(message);
    return FALSE;
}

/* After an editor was set: its commit's outcome (the row may be gone when
 * the page was rebuilt, e.g. after the inner layer's class changed). */
static gboolean editor_outcome(UnrollInspector *self, guint generation, option_row *r,
                               GError **error)
{
    if (generation != self->generation || !r->error)
        return TRUE;
    g_set_error(error, INSPECTOR_ERROR, INSPECTOR_INVALID, "%s: %s", r->key, r->error);
    return FALSE;
}

gboolean unroll_inspector_set_option_text(UnrollInspector *self, const char *key,
                                          const char *text, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), FALSE);
    if (g_strcmp0(key, "name") == 0 && self->name_row) {
        gtk_editable_set_text(GTK_EDITABLE(self->name_row), text ? text : "");
        return name_commit(self, error);
    }
    option_row *r = find_row(self, key);
    if (!r) {
        g_set_error(error, INSPECTOR_ERROR, G_IO_ERROR_NOT_FOUND,
                    "%s: no such option is shown", key ? key : "(null)");
        return FALSE;
    }
    guint generation = self->generation;
    switch (r->is_class ? UR_OPTION_CHOICE : r->info.kind) {
    case UR_OPTION_INT:
    case UR_OPTION_INT_OR_NULL: {
        if (r->info.kind == UR_OPTION_INT_OR_NULL && is_none_text(text)) {
            gtk_switch_set_active(GTK_SWITCH(r->null_switch), FALSE);
            return editor_outcome(self, generation, r, error);
        }
        gint64 v;
        if (!parse_int_text(text, &v))
            return refuse(r, error, "\u201c%s\u201d is not a whole number", text);
        double lo, hi;
        gtk_spin_button_get_range(GTK_SPIN_BUTTON(r->editor), &lo, &hi);
        if ((double)v < lo || (double)v > hi)
            return refuse(r, error, "%" G_GINT64_FORMAT " is not between %.0f and %.0f", v, lo, hi);
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(r->editor), (double)v);
        if (r->null_switch && !gtk_switch_get_active(GTK_SWITCH(r->null_switch)))
            gtk_switch_set_active(GTK_SWITCH(r->null_switch), TRUE);
        return editor_outcome(self, generation, r, error);
    }
    case UR_OPTION_FLOAT: {
        double v;
        if (!parse_float_text(text, &v))
            return refuse(r, error, "\u201c%s\u201d is not a number", text);
        double lo, hi;
        gtk_spin_button_get_range(GTK_SPIN_BUTTON(r->editor), &lo, &hi);
        if (v < lo || v > hi)
            return refuse(r, error, "%g is not between %g and %g", v, lo, hi);
        spin_set_float(GTK_SPIN_BUTTON(r->editor), v);
        return editor_outcome(self, generation, r, error);
    }
    case UR_OPTION_BOOL: {
        char *t = g_strstrip(g_strdup(text ? text : ""));
        int b = -1;
        if (!g_ascii_strcasecmp(t, "true") || !strcmp(t, "1") || !g_ascii_strcasecmp(t, "on"))
            b = 1;
        else if (!g_ascii_strcasecmp(t, "false") || !strcmp(t, "0") ||
                 !g_ascii_strcasecmp(t, "off"))
            b = 0;
        g_free(t);
        if (b < 0)
            return refuse(r, error, "\u201c%s\u201d is neither true nor false", text);
        gtk_switch_set_active(GTK_SWITCH(r->editor), b);
        return editor_outcome(self, generation, r, error);
    }
    case UR_OPTION_CHOICE:
    case UR_OPTION_ACTIVATION:
    case UR_OPTION_INITIALIZER: {
        GListModel *model = gtk_drop_down_get_model(GTK_DROP_DOWN(r->editor));
        guint n = g_list_model_get_n_items(model);
        for (guint i = 0; i < n; i++) {
            const char *label = gtk_string_list_get_string(GTK_STRING_LIST(model), i);
            if (g_strcmp0(label, text) == 0 ||
                (is_none_text(text) && g_strcmp0(label, "None") == 0)) {
                gtk_drop_down_set_selected(GTK_DROP_DOWN(r->editor), i);
                return editor_outcome(self, generation, r, error);
            }
        }
        GString *all = g_string_new(NULL);
        for (guint i = 0; i < n; i++)
            g_string_append_printf(all, "%s%s", i ? ", " : "",
                                   gtk_string_list_get_string(GTK_STRING_LIST(model), i));
        gboolean ok = refuse(r, error, "\u201c%s\u201d is not one of %s", text, all->str);
        g_string_free(all, TRUE);
        return ok;
    }
    case UR_OPTION_SHAPE:
        gtk_editable_set_text(GTK_EDITABLE(r->editor), text ? text : "");
        return shape_commit(r, error);
    case UR_OPTION_LAYER:
    case UR_OPTION_IGNORED:
        break;
    }
    g_set_error(error, INSPECTOR_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s has no editor", key);
    return FALSE;
}

gboolean unroll_inspector_reset_option(UnrollInspector *self, const char *key, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), FALSE);
    option_row *r = find_row(self, key);
    if (!r || !r->reset || !gtk_widget_get_visible(r->reset)) {
        g_set_error(error, INSPECTOR_ERROR, G_IO_ERROR_NOT_FOUND,
                    "%s: no reset button is shown (the option is not set or required)",
                    key ? key : "(null)");
        return FALSE;
    }
    g_signal_emit_by_name(r->reset, "clicked");
    return TRUE;
}

const char *unroll_inspector_get_option_error(UnrollInspector *self, const char *key)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    if (g_strcmp0(key, "name") == 0)
        return self->name_error;
    option_row *r = find_row(self, key);
    return r ? r->error : NULL;
}

const char *unroll_inspector_get_layer_error(UnrollInspector *self)
{
    g_return_val_if_fail(UNROLL_IS_INSPECTOR(self), NULL);
    if (!self->error_box || !gtk_widget_get_visible(self->error_box))
        return NULL;
    return gtk_label_get_text(GTK_LABEL(self->error_label));
}
