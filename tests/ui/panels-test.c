/* panels-test.c — the palette, the inspector and the summary view under a
 * display (suite 'ui'): every catalog class in the palette, search and
 * activation, drag content; the inspector's editors driven through their
 * real widgets change the graph as one undoable edit each, with errors,
 * shapes, renames and Bidirectional's inner layer; the summary's rows and
 * totals equal the engine's. Screenshots (light and dark) of each panel go
 * to $UNROLL_SCREENSHOT_DIR. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "document.h"
#include "inspector.h"
#include "json.h"
#include "palette.h"
#include "summary-view.h"
#include "ui-test.h"

/* The window's GResource bundle (ui/resources): linking it registers the
 * layer glyphs under /io/github/unroll/Unroll/icons. */
GResource *unroll_get_resource(void);

/* Light and dark screenshots of a window's content. */
static void screenshots(GtkWidget *win, const char *name)
{
    AdwStyleManager *sm = adw_style_manager_get_default();
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_LIGHT);
    pump(100);
    screenshot_unfocused(win, name);
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_DARK);
    pump(100);
    char *dark = g_strdup_printf("%s-dark", name);
    screenshot_unfocused(win, dark);
    g_free(dark);
    adw_style_manager_set_color_scheme(sm, ADW_COLOR_SCHEME_FORCE_LIGHT);
    pump(50);
}

static char *example_path(const char *name)
{
    const char *datadir = g_getenv("UNROLL_DATADIR");
    return g_build_filename(datadir ? datadir : "data", "examples", name, NULL);
}

static UnrollDocument *open_example(const char *name)
{
    char *path = example_path(name);
    GFile *file = g_file_new_for_path(path);
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_file(file, &error);
    if (!doc)
        g_error("cannot open %s: %s", path, error->message);
    g_object_unref(file);
    g_free(path);
    return doc;
}

static UnrollDocument *doc_from_json(const char *json)
{
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(json, strlen(json), "test", &ctx);
    if (!v)
        g_error("%s", ctx.message);
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_value(v, &error);
    if (!doc)
        g_error("%s", error->message);
    ur_value_free(v);
    return doc;
}

static void select_one(UnrollDocument *doc, const char *name)
{
    const char *names[] = {name};
    unroll_document_select(doc, names, 1);
}

static const ur_value *spec_value(UnrollDocument *doc, const char *layer, const char *key)
{
    const ur_layer *l = ur_graph_find(unroll_document_get_graph(doc), layer);
    return l ? ur_value_get(ur_layer_spec(l), key) : NULL;
}

static double spec_number(UnrollDocument *doc, const char *layer, const char *key)
{
    const ur_value *v = spec_value(doc, layer, key);
    return v && v->type == UR_VALUE_NUMBER ? v->u.num : -1;
}

static int64_t layer_params(UnrollDocument *doc, const char *layer)
{
    const ur_layer *l = ur_graph_find(unroll_document_get_graph(doc), layer);
    return l ? ur_layer_count_params(l, true) + ur_layer_count_params(l, false) : -1;
}

static int64_t lstm_params(int64_t in, int64_t units)
{
    return 4 * (in * units + units * units + units);
}

static const char *dropdown_text(GtkWidget *dd)
{
    GListModel *m = gtk_drop_down_get_model(GTK_DROP_DOWN(dd));
    guint i = gtk_drop_down_get_selected(GTK_DROP_DOWN(dd));
    return i < g_list_model_get_n_items(m) ? gtk_string_list_get_string(GTK_STRING_LIST(m), i)
                                           : NULL;
}

static guint dropdown_index(GtkWidget *dd, const char *label)
{
    GListModel *m = gtk_drop_down_get_model(GTK_DROP_DOWN(dd));
    for (guint i = 0; i < g_list_model_get_n_items(m); i++)
        if (g_strcmp0(gtk_string_list_get_string(GTK_STRING_LIST(m), i), label) == 0)
            return i;
    return GTK_INVALID_LIST_POSITION;
}

/* ------------------------------------------------------------ palette */

static void on_activated(UnrollPalette *p, const char *class_name, GPtrArray *got)
{
    g_ptr_array_add(got, g_strdup(class_name));
}

static GtkListBoxRow *palette_row(UnrollPalette *p, const char *class_name)
{
    GtkWidget *list = find_type(GTK_WIDGET(p), GTK_TYPE_LIST_BOX);
    for (GtkWidget *c = gtk_widget_get_first_child(list); c; c = gtk_widget_get_next_sibling(c)) {
        if (!GTK_IS_LIST_BOX_ROW(c))
            continue;
        GtkWidget *label = find_type(c, GTK_TYPE_LABEL);
        if (label && g_strcmp0(gtk_label_get_text(GTK_LABEL(label)), class_name) == 0)
            return GTK_LIST_BOX_ROW(c);
    }
    return NULL;
}

static void test_palette(void)
{
    char *icon = unroll_layer_icon_name("SimpleRNN");
    CHECK(strcmp(icon, "unroll-layer-simple-rnn-symbolic") == 0, "%s", icon);
    g_free(icon);
    icon = unroll_layer_icon_name("BatchNormalization");
    CHECK(strcmp(icon, "unroll-layer-batch-normalization-symbolic") == 0, "%s", icon);
    g_free(icon);
    icon = unroll_layer_icon_name("RepeatVector");
    CHECK(strcmp(icon, "unroll-layer-repeat-vector-symbolic") == 0, "%s", icon);
    g_free(icon);
    icon = unroll_layer_icon_name("LSTM");
    CHECK(strcmp(icon, "unroll-layer-lstm-symbolic") == 0, "%s", icon);
    g_free(icon);

    UnrollPalette *p = UNROLL_PALETTE(unroll_palette_new());
    GtkWidget *win = show_in_window(GTK_WIDGET(p), 300, 900);
    GtkIconTheme *theme = gtk_icon_theme_get_for_display(gtk_widget_get_display(win));

    int n = ur_layer_class_count();
    CHECK(n >= 14, "catalog has %d classes", n);
    CHECK(unroll_palette_count_visible(p) == n, "%d of %d visible", unroll_palette_count_visible(p),
          n);
    for (int i = 0; i < n; i++) {
        const char *name = ur_layer_class_name(i);
        CHECK(unroll_palette_is_visible(p, name), "%s not visible", name);
        CHECK(palette_row(p, name) != NULL, "no row for %s", name);
        icon = unroll_layer_icon_name(name);
        CHECK(gtk_icon_theme_has_icon(theme, icon), "no icon %s", icon);
        g_free(icon);
    }
    /* rows in group order: every group's rows together */
    GtkWidget *list = find_type(GTK_WIDGET(p), GTK_TYPE_LIST_BOX);
    GPtrArray *groups_seen = g_ptr_array_new();
    const char *prev = NULL;
    int headers = 0;
    for (GtkWidget *c = gtk_widget_get_first_child(list); c; c = gtk_widget_get_next_sibling(c)) {
        if (!GTK_IS_LIST_BOX_ROW(c))
            continue;
        GtkWidget *label = find_type(c, GTK_TYPE_LABEL);
        const char *group =
            ur_layer_class_group(ur_layer_class_find(gtk_label_get_text(GTK_LABEL(label))));
        if (g_strcmp0(group, prev) != 0) {
            for (guint k = 0; k < groups_seen->len; k++)
                CHECK(strcmp(groups_seen->pdata[k], group) != 0, "group %s split", group);
            g_ptr_array_add(groups_seen, (gpointer)group);
            GtkWidget *h = gtk_list_box_row_get_header(GTK_LIST_BOX_ROW(c));
            CHECK(h && GTK_IS_LABEL(h) && strcmp(gtk_label_get_text(GTK_LABEL(h)), group) == 0,
                  "no header %s", group);
            headers++;
        }
        prev = group;
    }
    CHECK(headers == 5, "%d group headers", headers);
    g_ptr_array_unref(groups_seen);
    screenshots(win, "palette");

    unroll_palette_set_filter(p, "gru");
    CHECK(unroll_palette_count_visible(p) == 1, "filter gru: %d visible",
          unroll_palette_count_visible(p));
    CHECK(unroll_palette_is_visible(p, "GRU"), "GRU hidden");
    CHECK(!unroll_palette_is_visible(p, "LSTM"), "LSTM shown");
    CHECK(strcmp(gtk_editable_get_text(GTK_EDITABLE(unroll_palette_get_search_entry(p))), "gru") ==
              0,
          "search entry text");
    pump(50);
    CHECK(gtk_widget_get_child_visible(GTK_WIDGET(palette_row(p, "GRU"))), "GRU row hidden");
    CHECK(!gtk_widget_get_child_visible(GTK_WIDGET(palette_row(p, "LSTM"))), "LSTM row shown");
    /* the description counts, any case, every word */
    unroll_palette_set_filter(p, "RECURRENT layer");
    CHECK(unroll_palette_is_visible(p, "Bidirectional"), "Bidirectional by description");
    CHECK(!unroll_palette_is_visible(p, "Dense"), "Dense matches 'recurrent layer'");
    unroll_palette_set_filter(p, "zzzz");
    CHECK(unroll_palette_count_visible(p) == 0, "zzzz: %d", unroll_palette_count_visible(p));
    GtkWidget *stack = find_type(GTK_WIDGET(p), GTK_TYPE_STACK);
    CHECK(strcmp(gtk_stack_get_visible_child_name(GTK_STACK(stack)), "empty") == 0,
          "no 'No layers match' page");
    pump(50);
    screenshot_unfocused(win, "palette-empty");
    /* typing into the search entry filters too (search-changed) */
    gtk_editable_set_text(GTK_EDITABLE(unroll_palette_get_search_entry(p)), "dense");
    pump(400);
    CHECK(unroll_palette_count_visible(p) == 1 && unroll_palette_is_visible(p, "Dense"),
          "typed filter: %d", unroll_palette_count_visible(p));
    unroll_palette_set_filter(p, "");
    CHECK(unroll_palette_count_visible(p) == n, "cleared: %d", unroll_palette_count_visible(p));
    CHECK(strcmp(gtk_stack_get_visible_child_name(GTK_STACK(stack)), "list") == 0, "list page");

    GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(p, "layer-activated", G_CALLBACK(on_activated), got);
    CHECK(unroll_palette_activate(p, "LSTM"), "activate LSTM");
    CHECK(!unroll_palette_activate(p, "NoSuchLayer"), "activate unknown");
    /* a row's activation (Enter, double-click) */
    gtk_widget_activate(GTK_WIDGET(palette_row(p, "Dropout")));
    /* Enter in the search entry: the first visible row */
    unroll_palette_set_filter(p, "masking");
    g_signal_emit_by_name(unroll_palette_get_search_entry(p), "activate");
    CHECK(got->len == 3, "%u activations", got->len);
    if (got->len == 3) {
        CHECK(strcmp(got->pdata[0], "LSTM") == 0, "%s", (char *)got->pdata[0]);
        CHECK(strcmp(got->pdata[1], "Dropout") == 0, "%s", (char *)got->pdata[1]);
        CHECK(strcmp(got->pdata[2], "Masking") == 0, "%s", (char *)got->pdata[2]);
    }
    g_ptr_array_unref(got);
    unroll_palette_set_filter(p, NULL);

    /* the drag source's content: "unroll-layer:GRU" */
    GtkListBoxRow *row = palette_row(p, "GRU");
    GtkDragSource *source = NULL;
    GListModel *controllers = gtk_widget_observe_controllers(GTK_WIDGET(row));
    for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
        GObject *c = g_list_model_get_item(controllers, i);
        if (GTK_IS_DRAG_SOURCE(c))
            source = GTK_DRAG_SOURCE(c);
        g_object_unref(c);
    }
    g_object_unref(controllers);
    CHECK(source != NULL, "GRU row has no drag source");
    if (source) {
        GdkContentProvider *content = NULL;
        g_signal_emit_by_name(source, "prepare", 10.0, 10.0, &content);
        CHECK(content != NULL, "no drag content");
        if (content) {
            GValue v = G_VALUE_INIT;
            g_value_init(&v, G_TYPE_STRING);
            CHECK(gdk_content_provider_get_value(content, &v, NULL), "no string value");
            CHECK(g_strcmp0(g_value_get_string(&v), UNROLL_PALETTE_DRAG_PREFIX "GRU") == 0, "%s",
                  g_value_get_string(&v));
            g_value_unset(&v);
            g_object_unref(content);
        }
    }
    gtk_window_destroy(GTK_WINDOW(win));
}

/* ------------------------------------------------------------ summary */

/* The summary's text rows against the engine's cells. */
static void check_summary_rows(UnrollSummaryView *view, UnrollDocument *doc)
{
    ur_graph *g = unroll_document_get_graph(doc);
    gboolean seq = ur_graph_summary_is_sequential(g);
    int first = seq ? 1 : 0, n = ur_graph_n_layers(g);
    CHECK((int)unroll_summary_view_get_n_rows(view) == n - first, "%u rows for %d layers",
          unroll_summary_view_get_n_rows(view), n);
    CHECK(unroll_summary_view_has_connected_column(view) == !seq, "connected column");
    char *text = unroll_summary_view_get_text(view);
    char **lines = g_strsplit(text, "\n", -1);
    char *model = g_strdup_printf("Model: \"%s\"", ur_graph_name(g));
    CHECK(strcmp(lines[0], model) == 0, "%s", lines[0]);
    g_free(model);
    CHECK(strcmp(lines[1], seq ? "Layer (type)\tOutput Shape\tParam #"
                               : "Layer (type)\tOutput Shape\tParam #\tConnected to") == 0,
          "header %s", lines[1]);
    for (int i = first; i < n && lines[2 + i - first]; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        char name[512], shapes[1024], connected[2048];
        ur_layer_summary_name(l, name, sizeof name);
        ur_layer_summary_shapes(l, shapes, sizeof shapes);
        ur_layer_summary_connected(g, l, connected, sizeof connected);
        char *params =
            unroll_format_thousands(ur_layer_count_params(l, true) + ur_layer_count_params(l, false));
        char *expect = seq ? g_strdup_printf("%s\t%s\t%s", name, shapes, params)
                           : g_strdup_printf("%s\t%s\t%s\t%s", name, shapes, params, connected);
        g_strdelimit(expect, "\n", ' ');
        char *squeezed = g_strdup(expect);
        /* "a,\n b" -> "a, b": the text joins a cell's lines by one space */
        char *o = squeezed;
        for (char *q = expect; *q; q++)
            if (!(*q == ' ' && o > squeezed && o[-1] == ' '))
                *o++ = *q;
        *o = '\0';
        CHECK(strcmp(lines[2 + i - first], squeezed) == 0, "row %d: '%s' != '%s'", i,
              lines[2 + i - first], squeezed);
        g_free(expect);
        g_free(squeezed);
        g_free(params);
    }
    int64_t total, trainable, frozen;
    unroll_summary_view_get_totals(view, &total, &trainable, &frozen);
    CHECK(trainable == ur_graph_count_params(g, true), "trainable %" G_GINT64_FORMAT, trainable);
    CHECK(frozen == ur_graph_count_params(g, false), "frozen %" G_GINT64_FORMAT, frozen);
    CHECK(total == trainable + frozen, "total");
    char *num = unroll_format_thousands(total), *mem = unroll_format_memory_size(total * 4.0);
    char *line = g_strdup_printf("Total params: %s (%s)", num, mem);
    CHECK(strstr(text, line) != NULL, "no '%s' in\n%s", line, text);
    g_free(line);
    g_free(num);
    g_free(mem);
    g_strfreev(lines);
    g_free(text);
}

static void test_summary(void)
{
    char *s = unroll_format_thousands(1234567);
    CHECK(strcmp(s, "1,234,567") == 0, "%s", s);
    g_free(s);
    s = unroll_format_thousands(999);
    CHECK(strcmp(s, "999") == 0, "%s", s);
    g_free(s);
    s = unroll_format_thousands(0);
    CHECK(strcmp(s, "0") == 0, "%s", s);
    g_free(s);
    s = unroll_format_memory_size(258698 * 4.0);
    CHECK(strcmp(s, "1010.54 KB") == 0, "%s", s);
    g_free(s);
    s = unroll_format_memory_size(1000);
    CHECK(strcmp(s, "1000.00 B") == 0, "%s", s);
    g_free(s);
    s = unroll_format_memory_size(3.5 * 1024 * 1024);
    CHECK(strcmp(s, "3.50 MB") == 0, "%s", s);
    g_free(s);

    /* Sequential: no Input row, no Connected-to column; mnist rows:
     * LSTM 4*(28*64+64*64+64) = 23,808; BatchNormalization 4*64 (half of
     * it non-trainable); Dense 64*10+10 */
    UnrollDocument *doc = open_example("mnist-rows.json");
    UnrollSummaryView *view = UNROLL_SUMMARY_VIEW(unroll_summary_view_new());
    unroll_summary_view_set_document(view, doc);
    GtkWidget *win = show_in_window(GTK_WIDGET(view), 560, 320);
    check_summary_rows(view, doc);
    int64_t total, trainable, frozen;
    unroll_summary_view_get_totals(view, &total, &trainable, &frozen);
    CHECK(total == lstm_params(28, 64) + 4 * 64 + 650, "mnist total %" G_GINT64_FORMAT, total);
    CHECK(frozen == 2 * 64, "mnist frozen %" G_GINT64_FORMAT, frozen);
    CHECK(unroll_summary_view_get_n_rows(view) == 3, "mnist rows");
    screenshots(win, "summary-sequential");

    /* live: an edit shows at once */
    GError *error = NULL;
    ur_value *units = ur_value_new_number(32);
    CHECK(unroll_document_set_option(doc, "lstm", "units", units, &error), "set units");
    ur_value_free(units);
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    CHECK(total == lstm_params(28, 32) + 4 * 32 + 330, "after units 32: %" G_GINT64_FORMAT, total);
    check_summary_rows(view, doc);
    /* an error row: Dense on a (None, 28, 28) input still works; make the
     * LSTM's input rank wrong instead */
    ur_value *shape = ur_value_new_array();
    ur_value_append(shape, ur_value_new_number(28));
    CHECK(unroll_document_set_option(doc, "pixels", "shape", shape, &error), "set shape");
    ur_value_free(shape);
    CHECK(ur_layer_error(ur_graph_find(unroll_document_get_graph(doc), "lstm")) != NULL,
          "lstm on (None, 28) has no error");
    check_summary_rows(view, doc);
    pump(50);
    screenshot_unfocused(win, "summary-error");
    /* copy: the clipboard gets the text */
    CHECK(gtk_widget_activate_action(GTK_WIDGET(view), "summary.copy", NULL), "summary.copy");
    gtk_window_destroy(GTK_WINDOW(win));
    g_object_unref(doc);

    doc = open_example("encoder-decoder.json");
    view = UNROLL_SUMMARY_VIEW(unroll_summary_view_new());
    unroll_summary_view_set_document(view, doc);
    win = show_in_window(GTK_WIDGET(view), 900, 360);
    check_summary_rows(view, doc);
    CHECK(unroll_summary_view_get_n_rows(view) == 7, "functional rows include the Inputs");
    screenshots(win, "summary");
    unroll_summary_view_set_document(view, NULL);
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    CHECK(total == 0 && unroll_summary_view_get_n_rows(view) == 0, "no document");
    gtk_window_destroy(GTK_WINDOW(win));
    g_object_unref(doc);
}

/* ---------------------------------------------------------- inspector */

/* encoder-decoder: token embeddings 1000x64 and 2000x64, two LSTMs of 64
 * and a Dense of 10. */
static int64_t encoder_decoder_total(int64_t encoder_units)
{
    return 1000 * 64 + 2000 * 64 + lstm_params(64, encoder_units) + lstm_params(64, 64) +
           64 * 10 + 10;
}

static void test_inspector(void)
{
    UnrollDocument *doc = open_example("encoder-decoder.json");
    UnrollInspector *insp = UNROLL_INSPECTOR(unroll_inspector_new());
    UnrollSummaryView *view = UNROLL_SUMMARY_VIEW(unroll_summary_view_new());
    unroll_inspector_set_document(insp, doc);
    unroll_summary_view_set_document(view, doc);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_set_size_request(GTK_WIDGET(insp), 380, -1);
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(insp));
    GtkWidget *win = show_in_window(box, 380, 1000);
    GError *error = NULL;
    ur_graph *g = unroll_document_get_graph(doc);

    /* nothing selected: the model */
    CHECK(unroll_inspector_get_layer(insp) == NULL, "a layer shown");
    CHECK(g_strcmp0(unroll_inspector_get_title(insp), "encoder_decoder") == 0, "title %s",
          unroll_inspector_get_title(insp));
    CHECK(ADW_IS_ENTRY_ROW(unroll_inspector_get_row(insp, "name")), "model name row");
    screenshots(win, "inspector-model");
    CHECK(unroll_inspector_set_option_text(insp, "name", "seq2seq", &error), "model name");
    CHECK(strcmp(ur_graph_name(g), "seq2seq") == 0, "model name %s", ur_graph_name(g));
    CHECK(!unroll_inspector_set_option_text(insp, "name", "", NULL), "empty model name taken");
    CHECK(strcmp(ur_graph_name(g), "seq2seq") == 0, "model name %s", ur_graph_name(g));
    CHECK(unroll_document_undo(doc, NULL), "undo model name");
    CHECK(strcmp(ur_graph_name(g), "encoder_decoder") == 0, "undo model name %s",
          ur_graph_name(g));

    /* one LSTM: every option of the class with its editor */
    select_one(doc, "encoder");
    CHECK(g_strcmp0(unroll_inspector_get_layer(insp), "encoder") == 0, "layer %s",
          unroll_inspector_get_layer(insp));
    int ci = ur_layer_class_find("LSTM");
    for (int k = 0; k < ur_layer_class_n_options(ci); k++) {
        ur_option_info o;
        ur_layer_class_option(ci, k, &o);
        GtkWidget *ed = unroll_inspector_get_row(insp, o.name);
        switch (o.kind) {
        case UR_OPTION_INT:
        case UR_OPTION_INT_OR_NULL:
        case UR_OPTION_FLOAT:
            CHECK(GTK_IS_SPIN_BUTTON(ed), "%s: no spin button", o.name);
            break;
        case UR_OPTION_BOOL:
            CHECK(GTK_IS_SWITCH(ed), "%s: no switch", o.name);
            break;
        case UR_OPTION_CHOICE:
        case UR_OPTION_ACTIVATION:
        case UR_OPTION_INITIALIZER:
            CHECK(GTK_IS_DROP_DOWN(ed), "%s: no drop-down", o.name);
            break;
        case UR_OPTION_IGNORED:
            CHECK(ed == NULL, "%s: ignored option shown", o.name);
            break;
        default:
            CHECK(FALSE, "unexpected kind of %s", o.name);
        }
        if (o.kind == UR_OPTION_INT && o.has_range && ed) {
            double lo, hi;
            gtk_spin_button_get_range(GTK_SPIN_BUTTON(ed), &lo, &hi);
            CHECK(lo == o.min && hi == o.max, "%s range %g..%g", o.name, lo, hi);
        }
    }
    GtkWidget *units = unroll_inspector_get_row(insp, "units");
    CHECK(gtk_spin_button_get_value(GTK_SPIN_BUTTON(units)) == 64, "units shows %g",
          gtk_spin_button_get_value(GTK_SPIN_BUTTON(units)));
    CHECK(gtk_switch_get_active(GTK_SWITCH(unroll_inspector_get_row(insp, "return_state"))),
          "return_state off");
    CHECK(!gtk_switch_get_active(GTK_SWITCH(unroll_inspector_get_row(insp, "stateful"))),
          "stateful on");
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "activation")), "tanh") == 0,
          "activation %s", dropdown_text(unroll_inspector_get_row(insp, "activation")));
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "kernel_initializer")),
                    "glorot_uniform") == 0,
          "kernel_initializer");
    CHECK(gtk_spin_button_get_value(GTK_SPIN_BUTTON(unroll_inspector_get_row(insp, "dropout"))) ==
              0,
          "dropout");
    CHECK(unroll_inspector_get_layer_error(insp) == NULL, "encoder in error");
    screenshots(win, "inspector");

    int64_t total;
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    CHECK(total == encoder_decoder_total(64), "total %" G_GINT64_FORMAT, total);
    CHECK(total == ur_graph_count_params(g, true) + ur_graph_count_params(g, false), "engine");

    /* units through the real spin button: one undoable edit; the page is
     * updated in place (the same widget afterwards) */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(units), 128);
    CHECK(spec_number(doc, "encoder", "units") == 128, "units %g",
          spec_number(doc, "encoder", "units"));
    CHECK(layer_params(doc, "encoder") == lstm_params(64, 128), "encoder params %" G_GINT64_FORMAT,
          layer_params(doc, "encoder"));
    CHECK(unroll_inspector_get_row(insp, "units") == units, "units editor rebuilt");
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    /* the decoder's initial state is now 128 wide for 64 units: an error */
    CHECK(ur_layer_error(ur_graph_find(g, "decoder")) != NULL, "decoder not in error");
    CHECK(total == ur_graph_count_params(g, true) + ur_graph_count_params(g, false),
          "summary %" G_GINT64_FORMAT, total);
    CHECK(unroll_document_can_undo(doc), "no undo");
    CHECK(unroll_document_undo(doc, &error), "undo");
    CHECK(spec_number(doc, "encoder", "units") == 64, "undo units %g",
          spec_number(doc, "encoder", "units"));
    CHECK(gtk_spin_button_get_value(GTK_SPIN_BUTTON(units)) == 64, "spin after undo %g",
          gtk_spin_button_get_value(GTK_SPIN_BUTTON(units)));
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    CHECK(total == encoder_decoder_total(64), "total after undo %" G_GINT64_FORMAT, total);
    /* both LSTMs at 96: exact counts again */
    CHECK(unroll_inspector_set_option_text(insp, "units", "96", &error), "units 96");
    select_one(doc, "decoder");
    CHECK(unroll_inspector_set_option_text(insp, "units", "96", &error), "decoder units 96");
    CHECK(ur_layer_error(ur_graph_find(g, "decoder")) == NULL, "decoder: %s",
          ur_layer_error(ur_graph_find(g, "decoder")));
    unroll_summary_view_get_totals(view, &total, NULL, NULL);
    CHECK(total == 1000 * 64 + 2000 * 64 + 2 * lstm_params(64, 96) + 96 * 10 + 10,
          "96 units: %" G_GINT64_FORMAT, total);
    check_summary_rows(view, doc);
    CHECK(unroll_document_undo(doc, NULL) && unroll_document_undo(doc, NULL), "undo twice");
    select_one(doc, "encoder");
    units = unroll_inspector_get_row(insp, "units");

    /* out of range and not a number: refused and shown */
    CHECK(!unroll_inspector_set_option_text(insp, "units", "0", &error), "units 0 taken");
    CHECK(error && strstr(error->message, "between"), "%s", error ? error->message : "");
    g_clear_error(&error);
    CHECK(!unroll_inspector_set_option_text(insp, "units", "many", NULL), "units 'many' taken");
    CHECK(unroll_inspector_get_option_error(insp, "units") != NULL, "no inline error");
    CHECK(spec_number(doc, "encoder", "units") == 64, "units changed");

    /* a value that makes the layer invalid shows at once */
    gtk_switch_set_active(GTK_SWITCH(unroll_inspector_get_row(insp, "stateful")), TRUE);
    const ur_value *stateful = spec_value(doc, "encoder", "stateful");
    CHECK(stateful && stateful->type == UR_VALUE_BOOL && stateful->u.b, "stateful not set");
    const char *err = unroll_inspector_get_layer_error(insp);
    CHECK(err && strstr(err, "batch"), "stateful error: %s", err ? err : "(none)");
    CHECK(g_strcmp0(err, ur_layer_error(ur_graph_find(g, "encoder"))) == 0, "error text");
    pump(50);
    screenshots(win, "inspector-error");
    CHECK(unroll_inspector_reset_option(insp, "stateful", &error), "reset stateful");
    CHECK(spec_value(doc, "encoder", "stateful") == NULL, "stateful still in the spec");
    CHECK(unroll_inspector_get_layer_error(insp) == NULL, "error after reset");
    CHECK(!unroll_inspector_reset_option(insp, "stateful", NULL), "reset shown for absent key");
    CHECK(!unroll_inspector_reset_option(insp, "units", NULL), "reset for a required option");

    /* drop-downs: activation relu, then reset; None for merge_mode below */
    GtkWidget *act = unroll_inspector_get_row(insp, "activation");
    gtk_drop_down_set_selected(GTK_DROP_DOWN(act), dropdown_index(act, "relu"));
    const ur_value *v = spec_value(doc, "encoder", "activation");
    CHECK(v && v->type == UR_VALUE_STRING && strcmp(v->u.str, "relu") == 0, "activation relu");
    CHECK(!unroll_inspector_set_option_text(insp, "activation", "gelu", NULL), "gelu taken");
    CHECK(unroll_inspector_reset_option(insp, "activation", NULL), "reset activation");
    CHECK(spec_value(doc, "encoder", "activation") == NULL, "activation kept");
    CHECK(g_strcmp0(dropdown_text(act), "tanh") == 0, "activation after reset: %s",
          dropdown_text(act));

    /* INT_OR_NULL: seed */
    GtkWidget *seed_switch = unroll_inspector_get_null_switch(insp, "seed");
    CHECK(seed_switch && !gtk_switch_get_active(GTK_SWITCH(seed_switch)), "seed set");
    CHECK(unroll_inspector_set_option_text(insp, "seed", "7", &error), "seed 7");
    CHECK(spec_number(doc, "encoder", "seed") == 7, "seed %g", spec_number(doc, "encoder", "seed"));
    CHECK(gtk_switch_get_active(GTK_SWITCH(seed_switch)), "seed switch off");
    gtk_switch_set_active(GTK_SWITCH(seed_switch), FALSE);
    v = spec_value(doc, "encoder", "seed");
    CHECK(v && v->type == UR_VALUE_NULL, "seed not null");

    /* FLOAT: dropout */
    CHECK(unroll_inspector_set_option_text(insp, "dropout", "0.25", &error), "dropout");
    CHECK(spec_number(doc, "encoder", "dropout") == 0.25, "dropout %g",
          spec_number(doc, "encoder", "dropout"));
    CHECK(!unroll_inspector_set_option_text(insp, "dropout", "1.5", NULL), "dropout 1.5 taken");
    CHECK(spec_number(doc, "encoder", "dropout") == 0.25, "dropout changed");
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(unroll_inspector_get_row(insp, "recurrent_dropout")),
                              0.1);
    CHECK(spec_number(doc, "encoder", "recurrent_dropout") == 0.1, "recurrent_dropout %g",
          spec_number(doc, "encoder", "recurrent_dropout"));

    /* rename: a taken name is refused inline; a free one keeps the page */
    CHECK(!unroll_inspector_set_option_text(insp, "name", "decoder", &error), "taken name");
    g_clear_error(&error);
    CHECK(ur_graph_find(g, "encoder") != NULL, "encoder renamed");
    CHECK(unroll_inspector_get_option_error(insp, "name") != NULL, "no name error");
    CHECK(gtk_widget_has_css_class(unroll_inspector_get_row(insp, "name"), "error"),
          "name row not marked");
    pump(50);
    screenshot_unfocused(win, "inspector-name-error");
    CHECK(!unroll_inspector_set_option_text(insp, "name", "a/b", NULL), "a/b taken");
    CHECK(unroll_inspector_set_option_text(insp, "name", "enc", &error), "rename enc");
    CHECK(ur_graph_find(g, "enc") && !ur_graph_find(g, "encoder"), "not renamed");
    CHECK(g_strcmp0(unroll_inspector_get_layer(insp), "enc") == 0, "shows %s",
          unroll_inspector_get_layer(insp));
    CHECK(unroll_inspector_get_row(insp, "units") == units, "page rebuilt by the rename");
    CHECK(unroll_inspector_get_option_error(insp, "name") == NULL, "name error left");
    CHECK(unroll_document_undo(doc, NULL), "undo rename");
    CHECK(ur_graph_find(g, "encoder") != NULL, "rename not undone");

    /* SHAPE: the Input's shape */
    select_one(doc, "encoder_tokens");
    GtkWidget *shape = unroll_inspector_get_row(insp, "shape");
    CHECK(GTK_IS_ENTRY(shape), "shape editor");
    CHECK(g_strcmp0(gtk_editable_get_text(GTK_EDITABLE(shape)), "(None,)") == 0, "shape text %s",
          gtk_editable_get_text(GTK_EDITABLE(shape)));
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "dtype")), "int32") == 0, "dtype");
    CHECK(!unroll_inspector_set_option_text(insp, "shape", "None, abc", &error), "bad shape");
    g_clear_error(&error);
    v = spec_value(doc, "encoder_tokens", "shape");
    CHECK(v && v->type == UR_VALUE_ARRAY && v->u.arr.n == 1 &&
              v->u.arr.items[0]->type == UR_VALUE_NULL,
          "shape changed by a bad text");
    CHECK(gtk_widget_has_css_class(shape, "error"), "bad shape not marked");
    CHECK(unroll_inspector_get_option_error(insp, "shape") != NULL, "no shape error");
    pump(50);
    screenshot_unfocused(win, "inspector-shape-error");
    /* validated as typed: the mark goes as soon as the text parses */
    gtk_editable_set_text(GTK_EDITABLE(shape), "(12");
    CHECK(gtk_widget_has_css_class(shape, "error"), "'(12' not marked");
    gtk_editable_set_text(GTK_EDITABLE(shape), "12");
    CHECK(!gtk_widget_has_css_class(shape, "error"), "'12' marked");
    g_signal_emit_by_name(shape, "activate");
    v = spec_value(doc, "encoder_tokens", "shape");
    CHECK(v && v->type == UR_VALUE_ARRAY && v->u.arr.n == 1 &&
              v->u.arr.items[0]->type == UR_VALUE_NUMBER && v->u.arr.items[0]->u.num == 12,
          "shape not [12]");
    char buf[64];
    ur_shape_format(ur_layer_output_shape(ur_graph_find(g, "encoder_tokens"), 0), buf, sizeof buf);
    CHECK(strcmp(buf, "(None, 12)") == 0, "output %s", buf);
    CHECK(g_strcmp0(gtk_editable_get_text(GTK_EDITABLE(shape)), "(12,)") == 0, "shape text %s",
          gtk_editable_get_text(GTK_EDITABLE(shape)));
    CHECK(!unroll_inspector_set_option_text(insp, "shape", "(None, 0)", NULL), "zero axis");
    CHECK(!unroll_inspector_set_option_text(insp, "shape", "1, 2, 3, 4, 5", NULL), "rank 6");
    CHECK(unroll_inspector_set_option_text(insp, "shape", "[None, 28]", &error), "[None, 28]");
    v = spec_value(doc, "encoder_tokens", "shape");
    CHECK(v && v->u.arr.n == 2 && v->u.arr.items[1]->u.num == 28, "shape [None, 28]");
    CHECK(unroll_document_undo(doc, NULL) && unroll_document_undo(doc, NULL), "undo shapes");
    v = spec_value(doc, "encoder_tokens", "shape");
    CHECK(v && v->u.arr.n == 1 && v->u.arr.items[0]->type == UR_VALUE_NULL, "undo shape");
    CHECK(g_strcmp0(gtk_editable_get_text(GTK_EDITABLE(shape)), "(None,)") == 0,
          "shape text after undo %s", gtk_editable_get_text(GTK_EDITABLE(shape)));
    CHECK(!gtk_widget_has_css_class(shape, "error"), "shape marked after undo");

    /* INT_OR_NULL with a range: batch_size */
    CHECK(unroll_inspector_set_option_text(insp, "batch_size", "32", &error), "batch 32");
    CHECK(spec_number(doc, "encoder_tokens", "batch_size") == 32, "batch_size");
    ur_shape_format(ur_layer_output_shape(ur_graph_find(g, "encoder_tokens"), 0), buf, sizeof buf);
    CHECK(strcmp(buf, "(32, None)") == 0, "output %s", buf);
    CHECK(unroll_document_undo(doc, NULL), "undo batch");

    /* several selected, then none */
    const char *two[] = {"encoder", "decoder"};
    unroll_document_select(doc, two, 2);
    CHECK(unroll_inspector_get_layer(insp) == NULL, "a layer with two selected");
    CHECK(g_strcmp0(unroll_inspector_get_title(insp), "2 layers selected") == 0, "%s",
          unroll_inspector_get_title(insp));
    CHECK(unroll_inspector_get_row(insp, "units") == NULL, "units with two selected");
    pump(50);
    screenshot_unfocused(win, "inspector-several");
    unroll_document_select(doc, NULL, 0);
    CHECK(g_strcmp0(unroll_inspector_get_title(insp), "encoder_decoder") == 0, "%s",
          unroll_inspector_get_title(insp));

    gtk_window_destroy(GTK_WINDOW(win));
    g_object_unref(doc);
}

static void test_bidirectional(void)
{
    UnrollDocument *doc = open_example("bidirectional.json");
    UnrollInspector *insp = UNROLL_INSPECTOR(unroll_inspector_new());
    unroll_inspector_set_document(insp, doc);
    GtkWidget *win = show_in_window(GTK_WIDGET(insp), 380, 1400);
    ur_graph *g = unroll_document_get_graph(doc);
    GError *error = NULL;

    select_one(doc, "bi_lstm");
    GtkWidget *cls = unroll_inspector_get_row(insp, "layer.class");
    CHECK(GTK_IS_DROP_DOWN(cls), "no layer.class");
    CHECK(g_strcmp0(dropdown_text(cls), "LSTM") == 0, "inner class %s", dropdown_text(cls));
    GtkWidget *units = unroll_inspector_get_row(insp, "layer.units");
    CHECK(GTK_IS_SPIN_BUTTON(units), "no layer.units");
    CHECK(gtk_spin_button_get_value(GTK_SPIN_BUTTON(units)) == 64, "inner units");
    CHECK(gtk_switch_get_active(GTK_SWITCH(unroll_inspector_get_row(insp, "layer.return_sequences"))),
          "inner return_sequences");
    CHECK(GTK_IS_DROP_DOWN(unroll_inspector_get_row(insp, "merge_mode")), "merge_mode");
    CHECK(unroll_inspector_get_row(insp, "layer") == NULL, "layer has an editor of its own");
    CHECK(unroll_inspector_get_row(insp, "layer.unroll") == NULL, "ignored inner option");
    CHECK(layer_params(doc, "bi_lstm") == 2 * lstm_params(10, 64), "bi params %" G_GINT64_FORMAT,
          layer_params(doc, "bi_lstm"));
    screenshots(win, "inspector-bidirectional");

    /* an inner option: the whole inner object written back at once */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(units), 16);
    const ur_value *inner = spec_value(doc, "bi_lstm", "layer");
    const ur_value *u = inner ? ur_value_get(inner, "units") : NULL;
    CHECK(u && u->type == UR_VALUE_NUMBER && u->u.num == 16, "inner units not 16");
    const ur_value *rs = inner ? ur_value_get(inner, "return_sequences") : NULL;
    CHECK(rs && rs->type == UR_VALUE_BOOL && rs->u.b, "inner return_sequences lost");
    CHECK(layer_params(doc, "bi_lstm") == 2 * lstm_params(10, 16), "bi params %" G_GINT64_FORMAT,
          layer_params(doc, "bi_lstm"));
    /* bi_lstm_1 reads 2*16 features now */
    CHECK(layer_params(doc, "bi_lstm_1") == 2 * lstm_params(32, 32), "bi_1 params %" G_GINT64_FORMAT,
          layer_params(doc, "bi_lstm_1"));
    CHECK(unroll_inspector_get_row(insp, "layer.units") == units, "rebuilt by an inner option");
    CHECK(unroll_document_undo(doc, NULL), "undo inner units");
    CHECK(layer_params(doc, "bi_lstm") == 2 * lstm_params(10, 64), "undo inner units");

    /* LSTM -> GRU: LSTM-only options go, the GRU's show */
    CHECK(unroll_inspector_set_option_text(insp, "layer.unit_forget_bias", "false", &error),
          "unit_forget_bias");
    gtk_drop_down_set_selected(GTK_DROP_DOWN(cls), dropdown_index(cls, "GRU"));
    inner = spec_value(doc, "bi_lstm", "layer");
    const ur_value *c = inner ? ur_value_get(inner, "class") : NULL;
    CHECK(c && c->type == UR_VALUE_STRING && strcmp(c->u.str, "GRU") == 0, "inner class not GRU");
    CHECK(inner && ur_value_get(inner, "unit_forget_bias") == NULL, "unit_forget_bias kept");
    CHECK(inner && ur_value_get(inner, "units") != NULL, "units dropped");
    CHECK(unroll_inspector_get_row(insp, "layer.reset_after") != NULL, "no reset_after");
    CHECK(unroll_inspector_get_row(insp, "layer.unit_forget_bias") == NULL, "unit_forget_bias row");
    /* GRU (reset_after): 3*(I*U + U*U + 2U) per direction */
    CHECK(layer_params(doc, "bi_lstm") == 2 * 3 * (10 * 64 + 64 * 64 + 2 * 64),
          "bi GRU params %" G_GINT64_FORMAT, layer_params(doc, "bi_lstm"));
    CHECK(ur_layer_error(ur_graph_find(g, "bi_lstm")) == NULL, "%s",
          ur_layer_error(ur_graph_find(g, "bi_lstm")));
    CHECK(unroll_inspector_set_option_text(insp, "layer.class", "SimpleRNN", &error), "SimpleRNN");
    CHECK(layer_params(doc, "bi_lstm") == 2 * (10 * 64 + 64 * 64 + 64), "bi SimpleRNN params");
    CHECK(!unroll_inspector_set_option_text(insp, "layer.class", "Dense", NULL), "Dense inner");
    CHECK(unroll_document_undo(doc, NULL) && unroll_document_undo(doc, NULL), "undo classes");
    CHECK(layer_params(doc, "bi_lstm") == 2 * lstm_params(10, 64), "undo classes");
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "layer.class")), "LSTM") == 0,
          "class after undo");

    /* merge_mode None: both directions returned */
    CHECK(unroll_inspector_set_option_text(insp, "merge_mode", "None", &error), "merge None");
    const ur_value *mm = spec_value(doc, "bi_lstm", "merge_mode");
    CHECK(mm && mm->type == UR_VALUE_NULL, "merge_mode not null");
    CHECK(ur_layer_n_outputs(ur_graph_find(g, "bi_lstm")) == 2, "outputs %d",
          ur_layer_n_outputs(ur_graph_find(g, "bi_lstm")));
    CHECK(unroll_document_undo(doc, NULL), "undo merge");
    gtk_window_destroy(GTK_WINDOW(win));
    g_object_unref(doc);
}

/* Specs with wrong types and objects: shown, never a crash; an initializer
 * object is kept unless changed. */
static void test_odd_values(void)
{
    UnrollDocument *doc = doc_from_json(
        "{\"name\": \"odd\", \"layers\": ["
        "{\"name\": \"in\", \"class\": \"Input\", \"shape\": \"wide\"},"
        "{\"name\": \"d\", \"class\": \"Dense\", \"units\": \"many\", \"activation\": 5,"
        " \"kernel_initializer\": {\"class_name\": \"Constant\", \"config\": {\"value\": 1}},"
        " \"bias_initializer\": \"Zeros\"},"
        "{\"name\": \"e\", \"class\": \"Embedding\", \"input_dim\": 50, \"output_dim\": 8},"
        "{\"name\": \"lin\", \"class\": \"Dense\", \"units\": 2, \"activation\": null},"
        "{\"name\": \"x\", \"class\": \"NoSuchLayer\", \"units\": 3}]}");
    UnrollInspector *insp = UNROLL_INSPECTOR(unroll_inspector_new());
    unroll_inspector_set_document(insp, doc);
    GtkWidget *win = show_in_window(GTK_WIDGET(insp), 380, 900);
    GError *error = NULL;

    select_one(doc, "in");
    CHECK(unroll_inspector_get_layer_error(insp) != NULL, "bad shape without error");
    select_one(doc, "d");
    CHECK(unroll_inspector_get_layer_error(insp) != NULL, "bad units without error");
    GtkWidget *ki = unroll_inspector_get_row(insp, "kernel_initializer");
    CHECK(g_strcmp0(dropdown_text(ki), "Constant (value=1)") == 0, "initializer shows %s",
          dropdown_text(ki));
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "bias_initializer")), "Zeros") ==
              0,
          "alias shows %s", dropdown_text(unroll_inspector_get_row(insp, "bias_initializer")));
    CHECK(unroll_inspector_set_option_text(insp, "units", "4", &error), "units 4");
    CHECK(unroll_inspector_set_option_text(insp, "activation", "relu", &error), "relu");
    const ur_value *k = spec_value(doc, "d", "kernel_initializer");
    CHECK(k && k->type == UR_VALUE_OBJECT, "initializer object lost");
    pump(50);
    screenshot_unfocused(win, "inspector-initializer");
    gtk_drop_down_set_selected(GTK_DROP_DOWN(ki), dropdown_index(ki, "he_normal"));
    k = spec_value(doc, "d", "kernel_initializer");
    CHECK(k && k->type == UR_VALUE_STRING && strcmp(k->u.str, "he_normal") == 0,
          "initializer not he_normal");
    /* Embedding's default initializer "uniform" is an alias outside the list */
    select_one(doc, "e");
    CHECK(g_strcmp0(dropdown_text(unroll_inspector_get_row(insp, "embeddings_initializer")),
                    "uniform") == 0,
          "embeddings_initializer %s",
          dropdown_text(unroll_inspector_get_row(insp, "embeddings_initializer")));
    /* an activation of null is linear */
    select_one(doc, "lin");
    GtkWidget *act = unroll_inspector_get_row(insp, "activation");
    CHECK(g_strcmp0(dropdown_text(act), "linear") == 0, "null activation shows %s",
          dropdown_text(act));
    CHECK(unroll_inspector_set_option_text(insp, "activation", "linear", &error), "linear");
    const ur_value *a = spec_value(doc, "lin", "activation");
    CHECK(a && a->type == UR_VALUE_NULL, "null activation rewritten as linear");
    CHECK(unroll_inspector_set_option_text(insp, "activation", "softmax", &error), "softmax");
    a = spec_value(doc, "lin", "activation");
    CHECK(a && a->type == UR_VALUE_STRING && strcmp(a->u.str, "softmax") == 0, "softmax");
    select_one(doc, "x");
    CHECK(g_strcmp0(unroll_inspector_get_layer(insp), "x") == 0, "unknown class not shown");
    CHECK(unroll_inspector_get_layer_error(insp) != NULL, "unknown class without error");
    CHECK(unroll_inspector_get_row(insp, "units") == NULL, "options of an unknown class");
    /* the document goes away: nothing shown */
    unroll_inspector_set_document(insp, NULL);
    CHECK(unroll_inspector_get_layer(insp) == NULL, "layer without a document");
    gtk_window_destroy(GTK_WINDOW(win));
    g_object_unref(doc);
}

int main(int argc, char **argv)
{
    if (!gtk_init_check()) {
        g_printerr("panels-test: no display: skipped\n");
        return 77;
    }
    adw_init();
    GBytes *glyph = g_resources_lookup_data("/io/github/unroll/Unroll/icons/scalable/actions/"
                                            "unroll-layer-lstm-symbolic.svg",
                                            G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
    if (glyph)
        g_bytes_unref(glyph);
    else
        g_resources_register(unroll_get_resource());
    gtk_icon_theme_add_resource_path(gtk_icon_theme_get_for_display(gdk_display_get_default()),
                                     "/io/github/unroll/Unroll/icons");
    g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, NULL);

    test_palette();
    test_summary();
    test_inspector();
    test_bidirectional();
    test_odd_values();

    if (failures) {
        g_printerr("panels-test: %d failure(s)\n", failures);
        return 1;
    }
    g_print("panels-test: ok\n");
    return 0;
}
