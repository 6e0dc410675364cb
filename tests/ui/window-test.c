/* window-test.c — the studio window under a display (suite 'ui'): the
 * application starts on the MNIST template, edits made through the widgets'
 * entry points (window actions, palette activation, canvas drop and wiring,
 * inspector text) give the expected graph and summary, undo/redo, every
 * template opens without error with `unroll summary`'s totals, save and
 * reopen, malformed files, the unsaved-changes question, settings, and a
 * screenshot per template (plus the dark style) in $UNROLL_SCREENSHOT_DIR.
 * Usage: window-test PATH/TO/unroll */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "application.h"
#include "canvas-view.h"
#include "inspector.h"
#include "palette.h"
#include "summary-view.h"
#include "templates.h"
#include "ui-test.h"
#include "window.h"

#include "json.h"

static const char *unroll_exe;
static char *tmp_dir;

static gboolean is_mapped(gpointer w) { return gtk_widget_get_mapped(GTK_WIDGET(w)); }

/* The AdwMessageDialog on show over win, or NULL. */
static AdwMessageDialog *find_dialog(UnrollWindow *win)
{
    return find_toplevel(ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW(win));
}

static gboolean has_dialog(gpointer win) { return find_dialog(win) != NULL; }

/* Answers the dialog on show (as a click on the button does). */
static gboolean answer_dialog(UnrollWindow *win, const char *response)
{
    pump_until(has_dialog, win, 2000);
    AdwMessageDialog *d = find_dialog(win);
    if (!d)
        return FALSE;
    /* As a click on the response's button: the answer, then the dialog goes. */
    adw_message_dialog_response(d, response);
    gtk_window_destroy(GTK_WINDOW(d));
    pump(50);
    return TRUE;
}

static void activate(UnrollWindow *win, const char *name, GVariant *param)
{
    g_action_group_activate_action(G_ACTION_GROUP(win), name, param);
    pump(20);
}

static gboolean action_enabled(UnrollWindow *win, const char *name)
{
    return g_action_group_get_action_enabled(G_ACTION_GROUP(win), name);
}

static ur_graph *graph_of(UnrollWindow *win)
{
    return unroll_document_get_graph(unroll_window_get_document(win));
}

static int64_t total_params(UnrollWindow *win)
{
    ur_graph *g = graph_of(win);
    return ur_graph_count_params(g, true) + ur_graph_count_params(g, false);
}

static int64_t summary_total(UnrollWindow *win)
{
    int64_t total = -1, trainable = -1, frozen = -1;
    unroll_summary_view_get_totals(UNROLL_SUMMARY_VIEW(unroll_window_get_summary(win)), &total,
                                   &trainable, &frozen);
    if (total != trainable + frozen)
        return -2;
    return total;
}

/* "Total params: 24,714 (96.54 KB)" in `unroll summary FILE`'s output. */
static int64_t cli_total(const char *path)
{
    const char *argv[] = {unroll_exe, "summary", path, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    g_autoptr(GError) error = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                      &error)) {
        g_printerr("cannot run %s: %s\n", unroll_exe, error->message);
        return -1;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_printerr("unroll summary %s failed: %s\n", path, err);
        return -1;
    }
    const char *p = strstr(out, "Total params: ");
    if (!p)
        return -1;
    int64_t n = 0;
    for (p += strlen("Total params: "); *p && *p != ' '; p++)
        if (g_ascii_isdigit(*p))
            n = n * 10 + (*p - '0');
        else if (*p != ',')
            return -1;
    return n;
}

static char *write_temp(const char *name, const void *data, gsize len)
{
    char *path = g_build_filename(tmp_dir, name, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(path, data, (gssize)len, &error))
        g_error("cannot write %s: %s", path, error->message);
    return path;
}

/* Brings the canvas to a rest after a document change: layout, fit, frames. */
static void settle(UnrollWindow *win)
{
    pump(100);
    activate(win, "fit", NULL);
    pump(250);
}

/* The first descendant of root of type `type` with that tooltip. */
static GtkWidget *find_widget(GtkWidget *root, GType type, const char *tooltip)
{
    if (G_TYPE_CHECK_INSTANCE_TYPE(root, type) &&
        g_strcmp0(gtk_widget_get_tooltip_text(root), tooltip) == 0)
        return root;
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *found = find_widget(c, type, tooltip);
        if (found)
            return found;
    }
    return NULL;
}

/* The first descendant of root that is an actionable bound to action. */
static GtkWidget *find_actionable(GtkWidget *root, const char *action)
{
    if (GTK_IS_ACTIONABLE(root) &&
        g_strcmp0(gtk_actionable_get_action_name(GTK_ACTIONABLE(root)), action) == 0)
        return root;
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *found = find_actionable(c, action);
        if (found)
            return found;
    }
    return NULL;
}

/* Opens a header bar menu button's popover and takes its picture. */
static void screenshot_menu(UnrollWindow *win, const char *tooltip, const char *name)
{
    GtkWidget *button = find_widget(GTK_WIDGET(win), GTK_TYPE_MENU_BUTTON, tooltip);
    CHECK(button != NULL, "a menu button '%s'", tooltip);
    if (!button)
        return;
    gtk_menu_button_popup(GTK_MENU_BUTTON(button));
    pump(400);
    GtkPopover *popover = gtk_menu_button_get_popover(GTK_MENU_BUTTON(button));
    CHECK(popover && gtk_widget_get_mapped(GTK_WIDGET(popover)), "the '%s' popover shows", tooltip);
    if (popover)
        screenshot(popover, name);
    gtk_menu_button_popdown(GTK_MENU_BUTTON(button));
    pump(100);
}

static ur_layer *find_layer(UnrollWindow *win, const char *name)
{
    return ur_graph_find(graph_of(win), name);
}

static char *shape_of(UnrollWindow *win, const char *layer)
{
    ur_layer *l = find_layer(win, layer);
    if (!l || ur_layer_n_outputs(l) < 1 || ur_layer_error(l))
        return g_strdup("?");
    char buf[64];
    return g_strdup(ur_shape_format(ur_layer_output_shape(l, 0), buf, sizeof buf));
}

/* ------------------------------------------------------------- the tests */

static void test_first_start(UnrollApplication *app, UnrollWindow *win)
{
    CHECK(unroll_application_has_settings(app),
          "the schema compiled into the build folder is found");
    UnrollDocument *doc = unroll_window_get_document(win);
    CHECK(g_strcmp0(unroll_document_get_title(doc), "mnist_rows") == 0,
          "the first start shows the MNIST rows template, not '%s'",
          unroll_document_get_title(doc));
    CHECK(unroll_document_get_file(doc) == NULL, "a template has no file");
    CHECK(!unroll_document_get_modified(doc), "a template opens unmodified");
    CHECK(unroll_window_get_error_line(win) == NULL, "the template has no errors");
    CHECK(summary_total(win) == 24714, "MNIST rows: summary total %" G_GINT64_FORMAT,
          summary_total(win));
    CHECK(!action_enabled(win, "undo") && !action_enabled(win, "redo"),
          "nothing to undo on a fresh template");
    CHECK(!action_enabled(win, "copy") && !action_enabled(win, "delete"),
          "copy and delete are off without a selection");
}

/* Builds Input -> LSTM -> Dense through the palette and the inspector. */
static void test_build_model(UnrollWindow *win)
{
    activate(win, "new-from-template", g_variant_new_string(""));
    CHECK(ur_graph_n_layers(graph_of(win)) == 0, "New Empty Model: %d layers",
          ur_graph_n_layers(graph_of(win)));
    UnrollPalette *palette = UNROLL_PALETTE(unroll_window_get_palette(win));
    UnrollInspector *inspector = UNROLL_INSPECTOR(unroll_window_get_inspector(win));
    g_autoptr(GError) error = NULL;

    CHECK(unroll_palette_activate(palette, "Input"), "palette activates Input");
    pump(20);
    CHECK(ur_graph_n_layers(graph_of(win)) == 1, "one layer after Input");
    const char *input = ur_layer_name(ur_graph_layer(graph_of(win), 0));
    g_autofree char *input_name = g_strdup(input);
    CHECK(g_strcmp0(unroll_inspector_get_layer(inspector), input_name) == 0,
          "the inspector shows the new layer '%s'", unroll_inspector_get_layer(inspector));
    CHECK(unroll_inspector_set_option_text(inspector, "shape", "(28, 28)", &error),
          "shape (28, 28): %s", error ? error->message : "");
    g_clear_error(&error);

    CHECK(unroll_palette_activate(palette, "LSTM"), "palette activates LSTM");
    pump(20);
    CHECK(ur_graph_n_layers(graph_of(win)) == 2, "two layers after LSTM");
    g_autofree char *lstm = g_strdup(unroll_inspector_get_layer(inspector));
    CHECK(lstm && find_layer(win, lstm) && strcmp(ur_layer_class(find_layer(win, lstm)), "LSTM") == 0,
          "the LSTM is selected");
    CHECK(unroll_inspector_set_option_text(inspector, "units", "64", &error), "units 64: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(!unroll_inspector_set_option_text(inspector, "units", "0", &error),
          "units 0 is refused");
    g_clear_error(&error);

    CHECK(unroll_palette_activate(palette, "Dense"), "palette activates Dense");
    pump(20);
    g_autofree char *dense = g_strdup(unroll_inspector_get_layer(inspector));
    CHECK(unroll_inspector_set_option_text(inspector, "units", "10", &error), "units 10: %s",
          error ? error->message : "");
    g_clear_error(&error);

    g_autofree char *shape = shape_of(win, dense);
    CHECK(strcmp(shape, "(None, 10)") == 0, "Dense output %s", shape);
    g_autofree char *lstm_shape = shape_of(win, lstm);
    CHECK(strcmp(lstm_shape, "(None, 64)") == 0, "LSTM output %s", lstm_shape);
    /* LSTM: 4 (28 + 64 + 1) 64 = 23,808; Dense: 64 * 10 + 10 = 650. */
    CHECK(total_params(win) == 24458, "graph total %" G_GINT64_FORMAT, total_params(win));
    CHECK(summary_total(win) == 24458, "summary total %" G_GINT64_FORMAT, summary_total(win));
    CHECK(unroll_summary_view_get_n_rows(UNROLL_SUMMARY_VIEW(unroll_window_get_summary(win))) == 2,
          "a Sequential summary lists LSTM and Dense");
    CHECK(unroll_document_get_modified(unroll_window_get_document(win)), "the model is modified");
    CHECK(g_str_has_prefix(gtk_window_get_title(GTK_WINDOW(win)), "• "),
          "a modified model's title has the marker: %s", gtk_window_get_title(GTK_WINDOW(win)));

    /* Undo and redo through the window's actions. */
    CHECK(action_enabled(win, "undo"), "undo is on after edits");
    activate(win, "undo", NULL);
    CHECK(total_params(win) == 23808 + 64 * 32 + 32,
          "undo of units 10 gives Dense its 32 units back: %" G_GINT64_FORMAT, total_params(win));
    CHECK(summary_total(win) == total_params(win), "the summary follows undo");
    CHECK(action_enabled(win, "redo"), "redo is on after undo");
    activate(win, "redo", NULL);
    CHECK(total_params(win) == 24458, "redo: %" G_GINT64_FORMAT, total_params(win));

    /* The canvas's drop and wiring, then Delete through the window. */
    UnrollCanvasView *canvas = UNROLL_CANVAS_VIEW(unroll_window_get_canvas(win));
    g_autofree char *drop = unroll_canvas_view_drop_layer(canvas, "Dropout", 200, 300, &error);
    CHECK(drop != NULL, "drop Dropout: %s", error ? error->message : "");
    g_clear_error(&error);
    pump(20);
    if (drop) {
        CHECK(unroll_canvas_view_connect_ports(canvas, lstm, 0, drop, FALSE, 0, &error),
              "wire LSTM -> Dropout: %s", error ? error->message : "");
        g_clear_error(&error);
        ur_layer *d = find_layer(win, drop);
        const ur_layer *src = NULL;
        int index = -1;
        bool is_state = true;
        if (d && ur_layer_n_inbound(d) == 1)
            ur_layer_inbound(graph_of(win), d, 0, &src, &index, &is_state);
        CHECK(src && strcmp(ur_layer_name(src), lstm) == 0 && index == 0 && !is_state,
              "Dropout reads the LSTM");
        g_autofree char *dshape = shape_of(win, drop);
        CHECK(strcmp(dshape, "(None, 64)") == 0, "Dropout output %s", dshape);
        const char *names[] = {drop};
        unroll_document_select(unroll_window_get_document(win), names, 1);
        pump(20);
        CHECK(action_enabled(win, "delete") && action_enabled(win, "copy"),
              "delete and copy are on with a selection");
        activate(win, "delete", NULL);
        CHECK(find_layer(win, drop) == NULL, "Delete removed the Dropout");
        CHECK(ur_graph_n_layers(graph_of(win)) == 3, "three layers again");
    }

    /* Duplicate, select all, then undo. */
    const char *sel[] = {lstm};
    unroll_document_select(unroll_window_get_document(win), sel, 1);
    activate(win, "duplicate", NULL);
    CHECK(ur_graph_n_layers(graph_of(win)) == 4, "Duplicate adds a layer: %d",
          ur_graph_n_layers(graph_of(win)));
    activate(win, "undo", NULL);
    CHECK(ur_graph_n_layers(graph_of(win)) == 3, "undo of Duplicate");
    activate(win, "select-all", NULL);
    int n = 0;
    unroll_document_get_selection(unroll_window_get_document(win), &n);
    CHECK(n == 3, "Select All selects %d of 3", n);

    /* The undo button's tooltip names the step. */
    unroll_command_stack *stack = unroll_document_get_commands(unroll_window_get_document(win));
    const char *label = unroll_command_stack_undo_label(stack);
    CHECK(label != NULL, "an undo label");
    GtkWidget *undo = find_actionable(GTK_WIDGET(win), "win.undo");
    g_autofree char *want = g_strdup_printf("Undo %s", label ? label : "");
    CHECK(undo && g_strcmp0(gtk_widget_get_tooltip_text(undo), want) == 0,
          "the Undo button says '%s', not '%s'", want,
          undo ? gtk_widget_get_tooltip_text(undo) : "(no button)");

    /* While a text field has the focus, the editing keys are the field's. */
    GtkWidget *search = unroll_palette_get_search_entry(palette);
    gtk_widget_grab_focus(search);
    pump(20);
    CHECK(!action_enabled(win, "delete") && !action_enabled(win, "select-all") &&
          !action_enabled(win, "paste"),
          "Delete, Ctrl+A and Ctrl+V go to the search entry");
    gtk_widget_grab_focus(GTK_WIDGET(canvas));
    pump(20);
    CHECK(action_enabled(win, "delete") && action_enabled(win, "select-all"),
          "back on the canvas, Delete and Ctrl+A are the window's");
    activate(win, "find-layer", NULL);
    GtkWidget *focus = gtk_window_get_focus(GTK_WINDOW(win));
    CHECK(focus && (focus == search || gtk_widget_is_ancestor(focus, search)),
          "Ctrl+F puts the focus into the palette's search");
    gtk_widget_grab_focus(GTK_WIDGET(canvas));
    screenshot(win, "built-model");
}

/* Every template: no errors, the same total as `unroll summary`, a screenshot. */
static void test_templates(UnrollWindow *win)
{
    g_autoptr(GError) error = NULL;
    int n = unroll_templates_count(&error);
    CHECK(n >= 7, "index.json lists %d templates (%s)", n, error ? error->message : "");
    gboolean asked = FALSE;
    for (int i = 0; i < n; i++) {
        const unroll_template *t = unroll_templates_get(i);
        gboolean modified = unroll_document_get_modified(unroll_window_get_document(win));
        g_action_group_activate_action(G_ACTION_GROUP(win), "new-from-template",
                                       g_variant_new_string(t->file));
        pump(20);
        if (modified) {
            /* The model built above is unsaved: the question comes first. */
            CHECK(find_dialog(win) != NULL, "New over unsaved changes asks first");
            CHECK(answer_dialog(win, "discard"), "the dialog can be answered");
            asked = TRUE;
        }
        UnrollDocument *doc = unroll_window_get_document(win);
        g_autoptr(GBytes) bytes = unroll_templates_dup_bytes(t->file, NULL);
        CHECK(bytes != NULL, "%s is in the bundle", t->file);
        if (!bytes)
            continue;
        ur_ctx ctx = {0};
        gsize len = 0;
        const char *text = g_bytes_get_data(bytes, &len);
        ur_value *v = ur_json_parse(text, len, t->file, &ctx);
        const ur_value *name = v ? ur_value_get(v, "name") : NULL;
        CHECK(name && g_strcmp0(unroll_document_get_title(doc), name->u.str) == 0,
              "%s: the window shows '%s'", t->file, unroll_document_get_title(doc));
        ur_value_free(v);
        CHECK(unroll_document_count_errors(doc, NULL, NULL) == 0, "%s opens without errors",
              t->file);
        CHECK(unroll_window_get_error_line(win) == NULL, "%s: no error line", t->file);
        CHECK(!unroll_document_get_modified(doc), "%s opens unmodified", t->file);
        g_autofree char *path = write_temp(t->file, text, len);
        int64_t cli = cli_total(path);
        CHECK(cli > 0, "unroll summary %s prints a total", t->file);
        CHECK(summary_total(win) == cli, "%s: summary panel %" G_GINT64_FORMAT
              ", unroll summary %" G_GINT64_FORMAT, t->file, summary_total(win), cli);
        CHECK(total_params(win) == cli, "%s: graph total", t->file);
        settle(win);
        g_autofree char *stem = g_strndup(t->file, strlen(t->file) - strlen(".json"));
        g_autofree char *shot = g_strdup_printf("template-%s", stem);
        screenshot(win, shot);
    }
    CHECK(asked, "the unsaved-changes question was asked once");
}

static gboolean positions_equal(UnrollDocument *a, UnrollDocument *b)
{
    ur_graph *g = unroll_document_get_graph(a);
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const char *name = ur_layer_name(ur_graph_layer(g, i));
        double ax, ay, bx, by;
        if (!unroll_document_get_position(a, name, &ax, &ay) ||
            !unroll_document_get_position(b, name, &bx, &by) || ax != bx || ay != by)
            return FALSE;
    }
    return TRUE;
}

static gboolean recent_has(gpointer uri)
{
    return gtk_recent_manager_has_item(gtk_recent_manager_get_default(), uri);
}

/* The Open button's menu (a "Recent Models" section) lists a model. */
static gboolean recent_listed(gpointer menu)
{
    g_autoptr(GMenuModel) recent = g_menu_model_get_item_link(menu, 0, G_MENU_LINK_SECTION);
    g_autofree char *target = NULL;
    return recent && g_menu_model_get_n_items(recent) > 0 &&
           g_menu_model_get_item_attribute(recent, 0, G_MENU_ATTRIBUTE_TARGET, "s", &target);
}

/* Save to a file, move a node, save again, reopen: graph and positions kept. */
static char *test_save_and_reopen(UnrollApplication *app, UnrollWindow *win)
{
    g_autoptr(GError) error = NULL;
    CHECK(unroll_window_load_template(win, "encoder-decoder.json", &error), "template: %s",
          error ? error->message : "");
    g_clear_error(&error);
    UnrollDocument *doc = unroll_window_get_document(win);
    const char *first = ur_layer_name(ur_graph_layer(unroll_document_get_graph(doc), 0));
    const char *names[] = {first};
    double x = 12.5, y = -40;
    CHECK(unroll_document_move_nodes(doc, names, &x, &y, 1, &error), "move: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(unroll_document_get_modified(doc), "moving a node modifies the model");
    char *path = g_build_filename(tmp_dir, "saved-model.json", NULL);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    CHECK(unroll_window_save_to(win, file, &error), "save: %s", error ? error->message : "");
    g_clear_error(&error);
    CHECK(!unroll_document_get_modified(doc), "saved: unmodified");
    CHECK(unroll_document_get_file(doc) && g_file_equal(unroll_document_get_file(doc), file),
          "the document now has the file");
    CHECK(!action_enabled(win, "save"), "nothing to save after saving");
    g_autofree char *last = unroll_application_dup_last_file(app);
    CHECK(g_strcmp0(last, path) == 0, "last-file is the saved file: %s", last);
    g_autofree char *uri = g_file_get_uri(file);
    CHECK(pump_until(recent_has, uri, 2000), "the saved file is a recent file");

    /* The Open button's menu lists it among the recent models. */
    GtkWidget *open = find_actionable(GTK_WIDGET(win), "win.open");
    CHECK(ADW_IS_SPLIT_BUTTON(open), "Open is a split button");
    if (ADW_IS_SPLIT_BUTTON(open)) {
        GMenuModel *menu = adw_split_button_get_menu_model(ADW_SPLIT_BUTTON(open));
        pump_until(recent_listed, menu, 3000);
        GMenuModel *recent = g_menu_model_get_item_link(menu, 0, G_MENU_LINK_SECTION);
        g_autofree char *label = NULL, *target = NULL;
        if (recent && g_menu_model_get_n_items(recent) > 0) {
            g_menu_model_get_item_attribute(recent, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label);
            g_menu_model_get_item_attribute(recent, 0, G_MENU_ATTRIBUTE_TARGET, "s", &target);
        }
        CHECK(g_strcmp0(label, "saved-model.json") == 0 && g_strcmp0(target, uri) == 0,
              "Recent Models starts with the saved file: %s (%s)", label, target);
        g_clear_object(&recent);
    }

    g_autoptr(UnrollDocument) saved = g_object_ref(doc);
    CHECK(unroll_window_load_file(win, file, &error), "reopen: %s", error ? error->message : "");
    g_clear_error(&error);
    UnrollDocument *reopened = unroll_window_get_document(win);
    CHECK(reopened != saved, "a new document");
    ur_value *a = ur_graph_to_value(unroll_document_get_graph(saved));
    ur_value *b = ur_graph_to_value(unroll_document_get_graph(reopened));
    CHECK(ur_value_equal(a, b), "the reopened graph equals the saved one");
    ur_value_free(a);
    ur_value_free(b);
    CHECK(positions_equal(saved, reopened), "node positions kept under \"ui\"");
    double rx = 0, ry = 0;
    CHECK(unroll_document_get_position(reopened, first, &rx, &ry) && rx == 12.5 && ry == -40,
          "the moved node is at (%g, %g)", rx, ry);
    g_autofree char *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    CHECK(text && strstr(text, "\"ui\""), "the file has a \"ui\" key");
    CHECK(strstr(gtk_window_get_title(GTK_WINDOW(win)), "• ") == NULL,
          "a saved model's title has no marker: %s", gtk_window_get_title(GTK_WINDOW(win)));
    return path;
}

static gboolean is_file(gpointer path) { return g_file_test(path, G_FILE_TEST_IS_REGULAR); }

static GtkDialog *find_chooser(void) { return find_toplevel(GTK_TYPE_FILE_CHOOSER_DIALOG, NULL); }
static gboolean has_chooser(gpointer unused) { return find_chooser() != NULL; }

/* Save As through the file chooser: GtkFileChooserNative shows GTK's own
 * dialog where no desktop portal answers (as under Xvfb); the test fills it
 * in and accepts. With a portal there is nothing to drive: skipped. */
static void test_save_as_chooser(UnrollWindow *win)
{
    g_autoptr(GError) error = NULL;
    unroll_window_load_template(win, "forecaster.json", &error);
    activate(win, "save-as", NULL);
    if (!pump_until(has_chooser, NULL, 3000)) {
        g_printerr("no GTK file chooser dialog (a portal?): Save As's dialog not driven\n");
        return;
    }
    GtkDialog *dialog = find_chooser();
    const char *name = gtk_file_chooser_get_current_name(GTK_FILE_CHOOSER(dialog));
    CHECK(g_strcmp0(name, "forecaster.json") == 0, "Save As proposes the model's name: %s", name);
    g_autoptr(GFile) folder = g_file_new_for_path(tmp_dir);
    gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(dialog), folder, NULL);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), "chosen");
    gtk_dialog_response(dialog, GTK_RESPONSE_ACCEPT);
    g_autofree char *path = g_build_filename(tmp_dir, "chosen.json", NULL);
    CHECK(pump_until(is_file, path, 3000), "Save As wrote %s (.json added)", path);
    GFile *file = unroll_document_get_file(unroll_window_get_document(win));
    g_autofree char *now = file ? g_file_get_path(file) : NULL;
    CHECK(g_strcmp0(now, path) == 0, "the model's file is now %s", now);

    /* Open through the chooser: the malformed-file path is tested below; here
     * a cancelled chooser changes nothing. */
    UnrollDocument *before = unroll_window_get_document(win);
    activate(win, "open", NULL);
    if (pump_until(has_chooser, NULL, 3000)) {
        gtk_dialog_response(find_chooser(), GTK_RESPONSE_CANCEL);
        pump(50);
        CHECK(unroll_window_get_document(win) == before, "a cancelled Open keeps the model");
    }
}

static void test_bad_files(UnrollWindow *win, const char *good_path)
{
    g_autoptr(GError) error = NULL;
    UnrollDocument *before = unroll_window_get_document(win);
    static const char broken[] = "{\n  \"layers\": [\n    {\"name\": \"a\" \"class\": \"LSTM\"}\n  ]\n}\n";
    g_autofree char *path = write_temp("broken.json", broken, sizeof broken - 1);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    CHECK(!unroll_window_load_file(win, file, &error), "a malformed file does not open");
    CHECK(error && strstr(error->message, "broken.json:3:"),
          "the error names file and line: %s", error ? error->message : "(none)");
    CHECK(unroll_window_get_document(win) == before, "the current document is kept");
    CHECK(unroll_window_get_last_error(win) && strstr(unroll_window_get_last_error(win), ":3:"),
          "the error is shown: %s", unroll_window_get_last_error(win));
    CHECK(answer_dialog(win, "close"), "an error dialog is on show");
    g_clear_error(&error);

    g_autoptr(GFile) missing = g_file_new_build_filename(tmp_dir, "missing.json", NULL);
    CHECK(!unroll_window_load_file(win, missing, &error), "a missing file does not open");
    CHECK(error && strstr(error->message, "missing.json"), "the error names the file");
    answer_dialog(win, "close");
    g_clear_error(&error);

    /* Per-layer errors: opens with the errors shown and the rest kept. */
    static const char layer_errors[] =
        "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"faulty\", \"layers\": [\n"
        "  {\"name\": \"x\", \"class\": \"Input\", \"shape\": [10, 4]},\n"
        "  {\"name\": \"rnn\", \"class\": \"LSTM\", \"units\": 0},\n"
        "  {\"name\": \"out\", \"class\": \"Dense\", \"units\": 3}\n]}\n";
    g_autofree char *epath = write_temp("faulty.json", layer_errors, sizeof layer_errors - 1);
    g_autoptr(GFile) efile = g_file_new_for_path(epath);
    CHECK(unroll_window_load_file(win, efile, &error), "a file with layer errors opens: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(ur_graph_n_layers(graph_of(win)) == 3, "every layer kept");
    CHECK(g_str_has_prefix(unroll_window_get_last_toast(win), "Opened with "),
          "a toast says so: %s", unroll_window_get_last_toast(win));
    const char *line = unroll_window_get_error_line(win);
    CHECK(line && strstr(line, "rnn"), "the error line names the layer: %s", line);
    settle(win);
    screenshot(win, "layer-errors");

    /* The unsaved-changes question before opening over a modified model. */
    UnrollPalette *palette = UNROLL_PALETTE(unroll_window_get_palette(win));
    unroll_palette_activate(palette, "Dropout");
    pump(20);
    g_autoptr(UnrollDocument) modified = g_object_ref(unroll_window_get_document(win));
    CHECK(unroll_document_get_modified(modified), "modified");
    g_autoptr(GFile) good = g_file_new_for_path(good_path);
    g_autofree char *good_uri = g_file_get_uri(good);
    activate(win, "open-recent", g_variant_new_string(good_uri));
    CHECK(find_dialog(win) != NULL, "opening over unsaved changes asks first");
    answer_dialog(win, "cancel");
    CHECK(unroll_window_get_document(win) == modified, "Cancel keeps the model");
    CHECK(unroll_document_get_modified(modified), "still modified after Cancel");

    /* Save: the model is written to its file, then the other one opens. */
    activate(win, "open-recent", g_variant_new_string(good_uri));
    answer_dialog(win, "save");
    CHECK(unroll_window_get_document(win) != modified, "Save, then the file opened");
    CHECK(!unroll_document_get_modified(modified), "the faulty model was saved");
    g_autofree char *text = NULL;
    g_file_get_contents(epath, &text, NULL, NULL);
    CHECK(text && strstr(text, "Dropout"), "the saved file has the added Dropout");
    GFile *now = unroll_document_get_file(unroll_window_get_document(win));
    CHECK(now && g_file_equal(now, good), "the chosen file is open");

    /* Discard. */
    unroll_palette_activate(palette, "Dense");
    pump(20);
    activate(win, "open-recent", g_variant_new_string(good_uri));
    answer_dialog(win, "discard");
    CHECK(!unroll_document_get_modified(unroll_window_get_document(win)),
          "Discard opened the file unmodified");
}

static void test_style(UnrollApplication *app, UnrollWindow *win)
{
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("dark"));
    pump(50);
    CHECK(strcmp(unroll_application_get_style(app), "dark") == 0, "style dark");
    CHECK(adw_style_manager_get_dark(adw_style_manager_get_default()), "the window is dark");
    g_autoptr(GError) error = NULL;
    unroll_window_load_template(win, "encoder-decoder.json", &error);
    const char *sel[] = {"decoder"};
    unroll_document_select(unroll_window_get_document(win), sel, 1);
    settle(win);
    screenshot(win, "window-dark");
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("light"));
    pump(50);
    CHECK(!adw_style_manager_get_dark(adw_style_manager_get_default()), "light again");
    screenshot(win, "window-light");
    screenshot_menu(win, "New Model", "menu-new");
    screenshot_menu(win, "Main Menu", "menu-main");
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("purple"));
    CHECK(strcmp(unroll_application_get_style(app), "light") == 0, "an unknown style is ignored");
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("default"));
    pump(20);
}

static void test_shortcuts(UnrollApplication *app, UnrollWindow *win)
{
    int n = 0;
    const unroll_shortcut *s = unroll_application_get_shortcuts(&n);
    for (int i = 0; i < n; i++) {
        g_autofree char *name = NULL;
        g_autoptr(GVariant) target = NULL;
        g_action_parse_detailed_name(s[i].action, &name, &target, NULL);
        const char *dot = strchr(name, '.');
        gboolean exists = FALSE;
        if (g_str_has_prefix(name, "win."))
            exists = g_action_group_has_action(G_ACTION_GROUP(win), dot + 1);
        else if (g_str_has_prefix(name, "app."))
            exists = g_action_group_has_action(G_ACTION_GROUP(app), dot + 1);
        else
            exists = g_str_equal(name, "window.close");
        CHECK(exists, "the accelerator's action %s exists", s[i].action);
        g_auto(GStrv) accels = gtk_application_get_accels_for_action(GTK_APPLICATION(app),
                                                                     s[i].action);
        CHECK(accels && accels[0] && g_strv_length(accels) == g_strv_length((char **)s[i].accels),
              "%s has its accelerators", s[i].action);
    }
    GtkWindow *shortcuts = unroll_application_new_shortcuts_window(GTK_WINDOW(win));
    CHECK(GTK_IS_SHORTCUTS_WINDOW(shortcuts), "the shortcuts window builds");
    gtk_window_present(shortcuts);
    pump(300);
    CHECK(gtk_widget_get_mapped(GTK_WIDGET(shortcuts)), "the shortcuts window shows");
    screenshot(shortcuts, "shortcuts");
    gtk_window_destroy(shortcuts);
    g_object_unref(shortcuts);

    g_action_group_activate_action(G_ACTION_GROUP(app), "about", NULL);
    pump(200);
    AdwAboutWindow *about = find_toplevel(ADW_TYPE_ABOUT_WINDOW, NULL);
    CHECK(about != NULL, "app.about shows an AdwAboutWindow");
    if (about) {
        CHECK(g_strcmp0(adw_about_window_get_version(about), UNROLL_VERSION) == 0,
              "About shows version %s", adw_about_window_get_version(about));
        CHECK(adw_about_window_get_license_type(about) == GTK_LICENSE_MIT_X11, "MIT license");
        CHECK(g_strcmp0(adw_about_window_get_application_name(about), "Unroll") == 0, "name");
        screenshot(about, "about");
        gtk_window_destroy(GTK_WINDOW(about));
    }
}

/* Later starts open the last model; a vanished one falls back to the
 * template with a toast. Window size is kept on close. */
static void test_startup(UnrollApplication *app, const char *saved_path)
{
    unroll_application_set_last_file(app, saved_path);
    unroll_application_set_pane_widths(app, 300, 360);
    UnrollWindow *second = unroll_window_new(app);
    unroll_window_load_startup(second);
    GFile *file = unroll_document_get_file(unroll_window_get_document(second));
    g_autofree char *path = file ? g_file_get_path(file) : NULL;
    CHECK(g_strcmp0(path, saved_path) == 0, "a later start opens the last file: %s", path);
    gtk_window_set_default_size(GTK_WINDOW(second), 1100, 700);
    gtk_window_present(GTK_WINDOW(second));
    pump_until(is_mapped, second, 3000);
    pump(200);
    gtk_window_close(GTK_WINDOW(second));
    pump(50);
    int w = 0, h = 0;
    gboolean maximized = TRUE;
    unroll_application_get_window_state(app, &w, &h, &maximized);
    CHECK(w == 1100 && h == 700 && !maximized, "the closed window's size is kept: %dx%d", w, h);
    int palette = 0, side = 0;
    unroll_application_get_pane_widths(app, &palette, &side);
    CHECK(palette == 300 && side == 360, "the panes' widths are kept: %d, %d", palette,
          side);

    g_autofree char *gone = g_build_filename(tmp_dir, "gone.json", NULL);
    unroll_application_set_last_file(app, gone);
    UnrollWindow *third = unroll_window_new(app);
    unroll_window_load_startup(third);
    UnrollDocument *doc = unroll_window_get_document(third);
    CHECK(g_strcmp0(unroll_document_get_title(doc), "mnist_rows") == 0,
          "a vanished last file gives the first template");
    CHECK(unroll_window_get_last_toast(third) && strstr(unroll_window_get_last_toast(third), "gone.json"),
          "a toast names the vanished file: %s", unroll_window_get_last_toast(third));
    int w2 = 0, h2 = 0;
    gtk_window_get_default_size(GTK_WINDOW(third), &w2, &h2);
    CHECK(w2 == 1100 && h2 == 700, "a new window takes the kept size: %dx%d", w2, h2);
    gtk_window_destroy(GTK_WINDOW(third));
    pump(20);
}

/* Files given on the command line (GApplication's open): into the window
 * when it still shows an untouched template, else into a new window. */
static void test_open_files(UnrollApplication *app, UnrollWindow *win, const char *saved_path)
{
    g_autoptr(GError) error = NULL;
    CHECK(unroll_window_load_template(win, "forecaster.json", &error), "template");
    g_autoptr(GFile) file = g_file_new_for_path(saved_path);
    GFile *files[] = {file};
    g_application_open(G_APPLICATION(app), files, 1, "");
    pump(100);
    CHECK(g_list_length(gtk_application_get_windows(GTK_APPLICATION(app))) == 1,
          "an untouched template's window takes the file");
    GFile *shown = unroll_document_get_file(unroll_window_get_document(win));
    CHECK(shown && g_file_equal(shown, file), "the window shows the file");

    g_application_open(G_APPLICATION(app), files, 1, "");
    pump(100);
    GList *windows = gtk_application_get_windows(GTK_APPLICATION(app));
    CHECK(g_list_length(windows) == 2, "a window with a file keeps it: a new window opens");
    UnrollWindow *opened = NULL;
    for (GList *l = windows; l; l = l->next)
        if (l->data != win && UNROLL_IS_WINDOW(l->data))
            opened = l->data;
    shown = opened ? unroll_document_get_file(unroll_window_get_document(opened)) : NULL;
    CHECK(shown && g_file_equal(shown, file), "the new window shows the file");
    if (opened)
        gtk_window_destroy(GTK_WINDOW(opened));
    pump(20);
}

/* Quit asks about unsaved changes; Cancel keeps the window. */
static void test_quit(UnrollApplication *app, UnrollWindow *win)
{
    unroll_palette_activate(UNROLL_PALETTE(unroll_window_get_palette(win)), "Dense");
    pump(20);
    g_object_ref(win);
    g_action_group_activate_action(G_ACTION_GROUP(app), "quit", NULL);
    pump(20);
    CHECK(find_dialog(win) != NULL, "quitting over unsaved changes asks first");
    AdwMessageDialog *first = find_dialog(win);
    g_action_group_activate_action(G_ACTION_GROUP(app), "quit", NULL);
    pump(20);
    int n_dialogs = 0;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        n_dialogs += ADW_IS_MESSAGE_DIALOG(l->data) && gtk_widget_get_visible(l->data);
    g_list_free(tops);
    CHECK(n_dialogs == 1 && find_dialog(win) == first, "a second Ctrl+Q asks no second time");
    answer_dialog(win, "cancel");
    CHECK(gtk_widget_get_visible(GTK_WIDGET(win)), "Cancel keeps the window");
    g_action_group_activate_action(G_ACTION_GROUP(app), "quit", NULL);
    pump(20);
    answer_dialog(win, "discard");
    pump(50);
    CHECK(gtk_application_get_windows(GTK_APPLICATION(app)) == NULL, "Discard closes the window");
    g_object_unref(win);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        g_printerr("usage: %s PATH/TO/unroll\n", argv[0]);
        return 1;
    }
    unroll_exe = argv[1];
    /* What g_application_run() would set; GTK's file chooser writes it into
     * the recent files as the program to open them with. */
    g_set_prgname("unroll");
    tmp_dir = g_dir_make_tmp("unroll-window-test-XXXXXX", NULL);
    /* Recent files and settings stay out of the user's home. */
    g_autofree char *data_home = g_build_filename(tmp_dir, "data", NULL);
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    g_setenv("GSETTINGS_BACKEND", "memory", TRUE);
    if (!gtk_init_check()) {
        g_printerr("no display: skipped\n");
        return 77;
    }

    g_autoptr(UnrollApplication) app = unroll_application_new(G_APPLICATION_NON_UNIQUE);
    g_autoptr(GError) error = NULL;
    if (!g_application_register(G_APPLICATION(app), NULL, &error)) {
        g_printerr("FAIL: register: %s\n", error->message);
        return 1;
    }
    g_application_hold(G_APPLICATION(app));
    g_application_activate(G_APPLICATION(app));
    GtkWindow *active = gtk_application_get_active_window(GTK_APPLICATION(app));
    if (!UNROLL_IS_WINDOW(active)) {
        g_printerr("FAIL: activate opened no UnrollWindow\n");
        return 1;
    }
    UnrollWindow *win = UNROLL_WINDOW(active);
    CHECK(pump_until(is_mapped, win, 5000), "the window maps");
    settle(win);
    screenshot(win, "first-start");
    /* The editor as the metainfo shows it: the first model, its LSTM selected. */
    const char *lstm[] = {"lstm"};
    unroll_document_select(unroll_window_get_document(win), lstm, 1);
    settle(win);
    screenshot(win, "editor");
    unroll_document_select(unroll_window_get_document(win), NULL, 0);

    test_first_start(app, win);
    test_build_model(win);
    test_templates(win);
    g_autofree char *saved = test_save_and_reopen(app, win);
    test_save_as_chooser(win);
    test_bad_files(win, saved);
    test_style(app, win);
    test_shortcuts(app, win);
    test_startup(app, saved);
    test_open_files(app, win, saved);
    test_quit(app, win);
    g_application_release(G_APPLICATION(app));

    if (failures)
        g_printerr("%d check(s) failed\n", failures);
    else
        g_print("window: all checks passed\n");
    return failures ? 1 : 0;
}
