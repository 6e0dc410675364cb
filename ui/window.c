/* window.c — UnrollWindow: builds the header bar with its view switcher,
 * the Model page's three panes (palette, canvas with its zoom tools and
 * error line, inspector/summary side panel), the Train page (training view)
 * and the Runs page (runs view); holds the open document and implements
 * every win.* action: files (new, open, recent, save, save as, the
 * unsaved-changes question), editing, the canvas's viewport, training
 * (train, pause, stop) and the page shown. The views edit the document
 * themselves. */
#include "window.h"

#include <string.h>

#include "canvas-view.h"
#include "inspector.h"
#include "json.h"
#include "palette.h"
#include "runs-view.h"
#include "summary-view.h"
#include "templates.h"
#include "training-view.h"

/* How many recent model files "Open" lists. */
#define RECENT_MAX 8

struct _UnrollWindow {
    AdwApplicationWindow parent_instance;

    UnrollDocument *doc;

    AdwViewSwitcherTitle *title;
    AdwViewStack *pages;          /* "model", "train", "runs" */
    GtkWidget *training, *runs;
    char *db_path;                /* the run store; NULL: the default */
    GtkWidget *new_button;
    GtkWidget *new_list;
    GtkWidget *undo_button, *redo_button;
    GtkWidget *menu_button;
    GMenu *recent_menu;
    AdwToastOverlay *toasts;
    GtkWidget *palette, *canvas, *inspector, *summary;
    GtkWidget *side_stack, *side_panel;
    GtkWidget *outer_paned, *inner_paned;
    int side_width;               /* the side panel's width kept from the last window */
    int restore_ticks;            /* frames spent restoring it */
    GtkWidget *error_revealer, *error_label;

    char *last_toast;
    char *error_line;
    char *last_error;
    gboolean close_confirmed;
    gboolean stopping_to_close;   /* the window closes once the run has stopped */
    gboolean text_focus;          /* a text field has the keyboard focus */
    GtkNativeDialog *chooser;     /* the file chooser on show, if any */
    GtkWidget *question;          /* the unsaved-changes dialog on show (weak), if any */
};

G_DEFINE_FINAL_TYPE(UnrollWindow, unroll_window, ADW_TYPE_APPLICATION_WINDOW)

static void update_title(UnrollWindow *self);
static void update_actions(UnrollWindow *self);

/* ------------------------------------------------------------- messages */

static void show_toast(UnrollWindow *self, const char *text)
{
    g_free(self->last_toast);
    self->last_toast = g_strdup(text);
    AdwToast *toast = adw_toast_new(text);
    adw_toast_set_timeout(toast, 4);
    adw_toast_overlay_add_toast(self->toasts, toast);
}

/* A dialog for what the person must read whole: a file that is no model,
 * with its "file:line:column: message". */
static void show_error(UnrollWindow *self, const char *heading, const char *message)
{
    g_free(self->last_error);
    self->last_error = g_strdup(message);
    GtkWidget *dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, message);
    adw_message_dialog_add_response(ADW_MESSAGE_DIALOG(dialog), "close", "_Close");
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "close");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "close");
    gtk_window_present(GTK_WINDOW(dialog));
}

const char *unroll_window_get_last_toast(UnrollWindow *self) { return self->last_toast; }
const char *unroll_window_get_error_line(UnrollWindow *self) { return self->error_line; }
const char *unroll_window_get_last_error(UnrollWindow *self) { return self->last_error; }

GtkWidget *unroll_window_get_palette(UnrollWindow *self) { return self->palette; }
GtkWidget *unroll_window_get_canvas(UnrollWindow *self) { return self->canvas; }
GtkWidget *unroll_window_get_inspector(UnrollWindow *self) { return self->inspector; }
GtkWidget *unroll_window_get_summary(UnrollWindow *self) { return self->summary; }

static char *file_display_name(GFile *file)
{
    g_autofree char *path = g_file_get_path(file);
    if (!path)
        return g_file_get_uri(file);
    const char *home = g_get_home_dir();
    size_t n = strlen(home);
    if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/')
        return g_strconcat("~", path + n, NULL);
    return g_steal_pointer(&path);
}

/* ------------------------------------------------------ the error line */

static void update_error_line(UnrollWindow *self)
{
    const char *layer = NULL, *message = NULL;
    int n = self->doc ? unroll_document_count_errors(self->doc, &layer, &message) : 0;
    g_clear_pointer(&self->error_line, g_free);
    if (n > 0) {
        g_autofree char *first = layer ? g_strdup_printf("%s: %s", layer, message ? message : "")
                                       : g_strdup(message ? message : "");
        self->error_line = n == 1 ? g_strdup_printf("1 layer has an error: %s", first)
                                  : g_strdup_printf("%d layers have errors: %s", n, first);
        gtk_label_set_text(GTK_LABEL(self->error_label), self->error_line);
        gtk_widget_set_tooltip_text(self->error_label, self->error_line);
    }
    gtk_revealer_set_reveal_child(GTK_REVEALER(self->error_revealer), n > 0);
}

/* ------------------------------------------------------------ the title */

static void update_title(UnrollWindow *self)
{
    if (!self->doc)
        return;
    const char *name = unroll_document_get_title(self->doc);
    gboolean modified = unroll_document_get_modified(self->doc);
    g_autofree char *title = modified ? g_strdup_printf("• %s", name) : g_strdup(name);
    GFile *file = unroll_document_get_file(self->doc);
    g_autofree char *subtitle = file ? file_display_name(file) : g_strdup("Unsaved");
    adw_view_switcher_title_set_title(self->title, title);
    adw_view_switcher_title_set_subtitle(self->title, subtitle);
    g_autofree char *wm_title = g_strdup_printf("%s%s — Unroll", modified ? "• " : "", name);
    gtk_window_set_title(GTK_WINDOW(self), wm_title);
}

static void update_undo_buttons(UnrollWindow *self)
{
    unroll_command_stack *s = unroll_document_get_commands(self->doc);
    const char *undo = unroll_command_stack_undo_label(s);
    const char *redo = unroll_command_stack_redo_label(s);
    g_autofree char *undo_tip = undo ? g_strdup_printf("Undo %s", undo) : g_strdup("Nothing to Undo");
    g_autofree char *redo_tip = redo ? g_strdup_printf("Redo %s", redo) : g_strdup("Nothing to Redo");
    gtk_widget_set_tooltip_text(self->undo_button, undo_tip);
    gtk_widget_set_tooltip_text(self->redo_button, redo_tip);
}

/* -------------------------------------------------------- action states */

static void set_enabled(UnrollWindow *self, const char *name, gboolean enabled)
{
    GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), name);
    if (action)
        g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled);
}

static gboolean on_model_page(UnrollWindow *self)
{
    const char *page = self->pages ? adw_view_stack_get_visible_child_name(self->pages) : NULL;
    return !page || g_str_equal(page, "model");
}

/* Training's actions follow the worker. */
static void update_training_actions(UnrollWindow *self)
{
    UnrollTrainWorker *w = unroll_training_view_get_worker(UNROLL_TRAINING_VIEW(self->training));
    UnrollTrainState st = unroll_train_worker_get_state(w);
    set_enabled(self, "train", !unroll_train_worker_is_busy(w));
    set_enabled(self, "pause", st == UNROLL_TRAIN_RUNNING || st == UNROLL_TRAIN_PAUSED);
    set_enabled(self, "stop", st == UNROLL_TRAIN_RUNNING || st == UNROLL_TRAIN_PAUSED);
}

/* Follows the document; the editing keys (Delete, Ctrl+A/C/V/D) go to a
 * text field while one has the focus, so their actions are off then. */
static void update_actions(UnrollWindow *self)
{
    if (!self->doc)
        return;
    int n_selected = 0;
    unroll_document_get_selection(self->doc, &n_selected);
    int n_layers = ur_graph_n_layers(unroll_document_get_graph(self->doc));
    gboolean editing = !self->text_focus && on_model_page(self);
    set_enabled(self, "undo", unroll_document_can_undo(self->doc));
    set_enabled(self, "redo", unroll_document_can_redo(self->doc));
    set_enabled(self, "save", unroll_document_get_modified(self->doc) ||
                              !unroll_document_get_file(self->doc));
    set_enabled(self, "delete", editing && (n_selected > 0 ||
        unroll_canvas_view_get_selected_wire(UNROLL_CANVAS_VIEW(self->canvas)) >= 0));
    set_enabled(self, "copy", editing && n_selected > 0);
    set_enabled(self, "duplicate", editing && n_selected > 0);
    set_enabled(self, "paste", editing);
    set_enabled(self, "select-all", editing && n_layers > 0);
    set_enabled(self, "fit", n_layers > 0);
    set_enabled(self, "arrange", n_layers > 1);
}

static void focus_changed(UnrollWindow *self)
{
    GtkWidget *focus = gtk_window_get_focus(GTK_WINDOW(self));
    gboolean text = focus && (GTK_IS_EDITABLE(focus) || GTK_IS_TEXT_VIEW(focus));
    if (text != self->text_focus) {
        self->text_focus = text;
        update_actions(self);
    }
}

/* ------------------------------------------------------------ documents */

static void document_changed(UnrollWindow *self)
{
    update_error_line(self);
    update_actions(self);
}

static void document_state_changed(UnrollWindow *self)
{
    if (self->runs && self->doc)
        unroll_runs_view_set_model_filter(UNROLL_RUNS_VIEW(self->runs),
                                          unroll_document_get_title(self->doc));
    update_title(self);
    update_undo_buttons(self);
    update_actions(self);
}

UnrollDocument *unroll_window_get_document(UnrollWindow *self)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), NULL);
    return self->doc;
}

void unroll_window_set_document(UnrollWindow *self, UnrollDocument *doc)
{
    g_return_if_fail(UNROLL_IS_WINDOW(self));
    g_return_if_fail(UNROLL_IS_DOCUMENT(doc));
    if (self->doc == doc)
        return;
    if (self->doc)
        g_signal_handlers_disconnect_by_data(self->doc, self);
    g_set_object(&self->doc, doc);
    g_signal_connect_swapped(doc, "changed", G_CALLBACK(document_changed), self);
    g_signal_connect_swapped(doc, "selection-changed", G_CALLBACK(update_actions), self);
    static const char *const props[] = {"notify::title", "notify::file", "notify::modified",
                                        "notify::can-undo", "notify::can-redo",
                                        "notify::undo-label", "notify::redo-label"};
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++)
        g_signal_connect_swapped(doc, props[i], G_CALLBACK(document_state_changed), self);

    unroll_canvas_view_set_document(UNROLL_CANVAS_VIEW(self->canvas), doc);
    unroll_inspector_set_document(UNROLL_INSPECTOR(self->inspector), doc);
    unroll_summary_view_set_document(UNROLL_SUMMARY_VIEW(self->summary), doc);
    unroll_training_view_set_document(UNROLL_TRAINING_VIEW(self->training), doc);
    unroll_runs_view_set_model_filter(UNROLL_RUNS_VIEW(self->runs), unroll_document_get_title(doc));
    update_error_line(self);
    document_state_changed(self);
}

/* Remembers a model file: the settings' last file and the recent files. */
static void remember_file(UnrollWindow *self, GFile *file)
{
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));
    g_autofree char *path = g_file_get_path(file);
    if (path && UNROLL_IS_APPLICATION(app))
        unroll_application_set_last_file(UNROLL_APPLICATION(app), path);
    g_autofree char *uri = g_file_get_uri(file);
    g_autofree char *name = g_file_get_basename(file);
    GtkRecentData data = {
        .display_name = name,
        .mime_type = (char *)"application/json",
        .app_name = (char *)g_get_application_name(),
        .app_exec = (char *)"unroll %f",
    };
    gtk_recent_manager_add_full(gtk_recent_manager_get_default(), uri, &data);
}

gboolean unroll_window_load_file(UnrollWindow *self, GFile *file, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), FALSE);
    g_return_val_if_fail(G_IS_FILE(file), FALSE);
    g_autoptr(GError) local = NULL;
    g_autoptr(UnrollDocument) doc = unroll_document_new_from_file(file, &local);
    if (!doc) {
        g_autofree char *name = g_file_get_basename(file);
        g_autofree char *heading = g_strdup_printf("Could Not Open “%s”", name);
        show_error(self, heading, local->message);
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    unroll_window_set_document(self, doc);
    remember_file(self, file);
    int n = unroll_document_count_errors(doc, NULL, NULL);
    if (n > 0) {
        g_autofree char *text = n == 1 ? g_strdup("Opened with 1 error")
                                       : g_strdup_printf("Opened with %d errors", n);
        show_toast(self, text);
    }
    return TRUE;
}

gboolean unroll_window_load_template(UnrollWindow *self, const char *file, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), FALSE);
    g_autoptr(UnrollDocument) doc =
        file && *file ? unroll_templates_new_document(file, error) : unroll_document_new();
    if (!doc)
        return FALSE;
    unroll_window_set_document(self, doc);
    return TRUE;
}

void unroll_window_load_startup(UnrollWindow *self)
{
    g_return_if_fail(UNROLL_IS_WINDOW(self));
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));
    g_autofree char *last =
        UNROLL_IS_APPLICATION(app) ? unroll_application_dup_last_file(UNROLL_APPLICATION(app)) : NULL;
    g_autofree char *gone = NULL;
    if (last) {
        if (g_file_test(last, G_FILE_TEST_IS_REGULAR)) {
            g_autoptr(GFile) file = g_file_new_for_path(last);
            if (unroll_window_load_file(self, file, NULL))
                return;
        } else {
            gone = g_path_get_basename(last);
        }
    }
    g_autoptr(GError) error = NULL;
    const unroll_template *first = unroll_templates_count(&error) > 0 ? unroll_templates_get(0) : NULL;
    if (!first || !unroll_window_load_template(self, first->file, &error)) {
        unroll_window_load_template(self, NULL, NULL);
        show_toast(self, error ? error->message : "No templates in this build");
        return;
    }
    if (gone) {
        g_autofree char *text = g_strdup_printf("“%s” is gone; here is a template to start from", gone);
        show_toast(self, text);
    }
}

gboolean unroll_window_save_to(UnrollWindow *self, GFile *file, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), FALSE);
    g_autoptr(GError) local = NULL;
    if (!unroll_document_save(self->doc, file, &local)) {
        g_autofree char *name = g_file_get_basename(file);
        g_autofree char *text = g_strdup_printf("Could not save “%s”: %s", name, local->message);
        show_toast(self, text);
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    remember_file(self, file);
    return TRUE;
}

/* --------------------------------------------------------- continuations */

typedef struct then_call {
    UnrollWindowThen then;
    gpointer data;
    GDestroyNotify destroy;
} then_call;

static then_call *then_new(UnrollWindowThen then, gpointer data, GDestroyNotify destroy)
{
    then_call *c = g_new0(then_call, 1);
    c->then = then;
    c->data = data;
    c->destroy = destroy;
    return c;
}

static void then_free(then_call *c)
{
    if (c->destroy)
        c->destroy(c->data);
    g_free(c);
}

static void then_run_and_free(UnrollWindow *self, then_call *c)
{
    if (c->then)
        c->then(self, c->data);
    then_free(c);
}

/* ------------------------------------------------------- file choosers */

static GtkFileFilter *model_filter(void)
{
    GtkFileFilter *filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, "Model files (*.json)");
    gtk_file_filter_add_pattern(filter, "*.json");
    gtk_file_filter_add_mime_type(filter, "application/json");
    return filter;
}

typedef void (*chooser_done)(UnrollWindow *self, GFile *file, then_call *next);

typedef struct chooser_call {
    UnrollWindow *self;
    chooser_done done;
    then_call *next;   /* may be NULL */
} chooser_call;

static void chooser_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    chooser_call *call = user_data;
    UnrollWindow *self = call->self;
    g_autoptr(GFile) file = NULL;
    if (response == GTK_RESPONSE_ACCEPT)
        file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    if (self->chooser == dialog)
        g_clear_object(&self->chooser);
    if (file)
        call->done(self, file, call->next);
    else if (call->next)
        then_free(call->next);
    g_object_unref(self);
    g_free(call);
    g_object_unref(dialog);
}

static void choose_file(UnrollWindow *self, gboolean save, chooser_done done, then_call *next)
{
    GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
        save ? "Save Model" : "Open Model", GTK_WINDOW(self),
        save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
        save ? "_Save" : "_Open", "_Cancel");
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
    GtkFileFilter *filter = model_filter();
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    gtk_file_chooser_set_filter(GTK_FILE_CHOOSER(chooser), filter);
    g_object_unref(filter);
    GFile *current = unroll_document_get_file(self->doc);
    if (current) {
        g_autoptr(GFile) folder = g_file_get_parent(current);
        if (folder)
            gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), folder, NULL);
    }
    if (save) {
        g_autofree char *name = current ? g_file_get_basename(current)
                                        : g_strdup_printf("%s.json",
                                                          unroll_document_get_title(self->doc));
        gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
    }
    chooser_call *call = g_new0(chooser_call, 1);
    call->self = g_object_ref(self);
    call->done = done;
    call->next = next;
    g_signal_connect(chooser, "response", G_CALLBACK(chooser_response), call);
    g_set_object(&self->chooser, GTK_NATIVE_DIALOG(chooser));
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* Save As's chooser chose file: save there, then go on. */
static void save_as_chosen(UnrollWindow *self, GFile *file, then_call *next)
{
    g_autofree char *name = g_file_get_basename(file);
    if (!g_str_has_suffix(name, ".json")) {
        /* The filter shows *.json only: keep the saved file findable. */
        g_autofree char *with = g_strconcat(name, ".json", NULL);
        g_autoptr(GFile) parent = g_file_get_parent(file);
        g_autoptr(GFile) json = parent ? g_file_get_child(parent, with) : g_file_new_for_path(with);
        save_as_chosen(self, json, next);
        return;
    }
    if (unroll_window_save_to(self, file, NULL) && next)
        then_run_and_free(self, next);
    else if (next)
        then_free(next);
}

/* Save (or Save As when the document has no file yet), then next. */
static void save_then(UnrollWindow *self, then_call *next)
{
    GFile *file = unroll_document_get_file(self->doc);
    if (!file) {
        choose_file(self, TRUE, save_as_chosen, next);
        return;
    }
    g_autoptr(GFile) keep = g_object_ref(file);
    if (unroll_window_save_to(self, keep, NULL) && next)
        then_run_and_free(self, next);
    else if (next)
        then_free(next);
}

/* -------------------------------------------- the unsaved-changes question */

static void discard_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    then_call *next = user_data;
    UnrollWindow *self = UNROLL_WINDOW(gtk_window_get_transient_for(GTK_WINDOW(dialog)));
    /* One answer per question, whatever emits "response" again. */
    g_signal_handlers_disconnect_by_func(dialog, discard_response, user_data);
    if (self->question == GTK_WIDGET(dialog)) {
        g_object_remove_weak_pointer(G_OBJECT(dialog), (gpointer *)&self->question);
        self->question = NULL;
    }
    if (g_strcmp0(response, "discard") == 0)
        then_run_and_free(self, next);
    else if (g_strcmp0(response, "save") == 0)
        save_then(self, next);
    else
        then_free(next);
}

void unroll_window_confirm_discard(UnrollWindow *self, UnrollWindowThen then, gpointer data,
                                   GDestroyNotify destroy)
{
    g_return_if_fail(UNROLL_IS_WINDOW(self));
    then_call *next = then_new(then, data, destroy);
    if (!self->doc || !unroll_document_get_modified(self->doc)) {
        then_run_and_free(self, next);
        return;
    }
    if (self->question) {
        /* Asked already (a second Ctrl+W or Ctrl+Q): the first question stands. */
        gtk_window_present(GTK_WINDOW(self->question));
        then_free(next);
        return;
    }
    g_autofree char *heading =
        g_strdup_printf("Save Changes to “%s”?", unroll_document_get_title(self->doc));
    GtkWidget *dialog = adw_message_dialog_new(
        GTK_WINDOW(self), heading,
        "The model has changes that are not saved. If you don’t save, they are lost.");
    AdwMessageDialog *d = ADW_MESSAGE_DIALOG(dialog);
    adw_message_dialog_add_responses(d, "cancel", "_Cancel", "discard", "_Discard", "save",
                                     "_Save", NULL);
    adw_message_dialog_set_response_appearance(d, "discard", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_response_appearance(d, "save", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(d, "save");
    adw_message_dialog_set_close_response(d, "cancel");
    g_signal_connect(dialog, "response", G_CALLBACK(discard_response), next);
    self->question = dialog;
    g_object_add_weak_pointer(G_OBJECT(dialog), (gpointer *)&self->question);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* --------------------------------------------------------- file actions */

static void new_then(UnrollWindow *self, gpointer data)
{
    g_autoptr(GError) error = NULL;
    if (!unroll_window_load_template(self, data, &error))
        show_toast(self, error->message);
}

static void new_from_template_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    const char *file = g_variant_get_string(param, NULL);
    unroll_window_confirm_discard(self, new_then, g_strdup(file), g_free);
}

static void load_then(UnrollWindow *self, gpointer data)
{
    unroll_window_load_file(self, G_FILE(data), NULL);
}

static void open_chosen(UnrollWindow *self, GFile *file, then_call *next)
{
    unroll_window_confirm_discard(self, load_then, g_object_ref(file), g_object_unref);
}

static void open_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    choose_file(user_data, FALSE, open_chosen, NULL);
}

static void open_recent_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    GFile *file = g_file_new_for_uri(g_variant_get_string(param, NULL));
    unroll_window_confirm_discard(self, load_then, file, g_object_unref);
}

static void save_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    save_then(user_data, NULL);
}

static void save_as_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    choose_file(user_data, TRUE, save_as_chosen, NULL);
}

/* ------------------------------------------------------- edit actions */

static void report(UnrollWindow *self, GError *error)
{
    if (error)
        show_toast(self, error->message);
}

static void undo_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    g_autoptr(GError) error = NULL;
    if (!unroll_document_undo(self->doc, &error))
        report(self, error);
}

static void redo_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    g_autoptr(GError) error = NULL;
    if (!unroll_document_redo(self->doc, &error))
        report(self, error);
}

static void delete_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    g_autoptr(GError) error = NULL;
    if (!unroll_canvas_view_delete_selection(UNROLL_CANVAS_VIEW(self->canvas), &error))
        report(self, error);
}

static void copy_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    unroll_canvas_view_copy(UNROLL_CANVAS_VIEW(self->canvas));
}

static void paste_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    unroll_canvas_view_paste(UNROLL_CANVAS_VIEW(self->canvas));
}

static void duplicate_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    g_autoptr(GError) error = NULL;
    if (!unroll_canvas_view_duplicate(UNROLL_CANVAS_VIEW(self->canvas), &error))
        report(self, error);
}

static void select_all_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    unroll_canvas_view_select_all(UNROLL_CANVAS_VIEW(self->canvas));
}

static void find_layer_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    gtk_widget_grab_focus(unroll_palette_get_search_entry(UNROLL_PALETTE(self->palette)));
}

/* ----------------------------------------------------- viewport actions */

static void zoom_in_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_canvas_view_zoom_in(UNROLL_CANVAS_VIEW(UNROLL_WINDOW(user_data)->canvas));
}

static void zoom_out_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_canvas_view_zoom_out(UNROLL_CANVAS_VIEW(UNROLL_WINDOW(user_data)->canvas));
}

static void zoom_reset_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_canvas_view_zoom_reset(UNROLL_CANVAS_VIEW(UNROLL_WINDOW(user_data)->canvas));
}

static void fit_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_canvas_view_fit(UNROLL_CANVAS_VIEW(UNROLL_WINDOW(user_data)->canvas));
}

static void arrange_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    g_autoptr(GError) error = NULL;
    if (!unroll_canvas_view_arrange(UNROLL_CANVAS_VIEW(self->canvas), &error))
        report(self, error);
    else
        unroll_canvas_view_fit(UNROLL_CANVAS_VIEW(self->canvas));
}

static void show_menu_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    gtk_menu_button_popup(GTK_MENU_BUTTON(UNROLL_WINDOW(user_data)->menu_button));
}

/* ------------------------------------------------------ training actions */

static UnrollTrainingView *training_of(UnrollWindow *self)
{
    return UNROLL_TRAINING_VIEW(self->training);
}

static void show_page(UnrollWindow *self, const char *page)
{
    g_action_group_change_action_state(G_ACTION_GROUP(self), "view", g_variant_new_string(page));
}

static void train_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    UnrollWindow *self = user_data;
    show_page(self, "train");
    g_autoptr(GError) error = NULL;
    if (!unroll_training_view_train(training_of(self), &error))
        show_toast(self, error->message);
}

static void pause_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_training_view_toggle_pause(training_of(user_data));
}

static void stop_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    unroll_training_view_stop(training_of(user_data));
}

static void view_change_state(GSimpleAction *action, GVariant *value, gpointer user_data)
{
    UnrollWindow *self = user_data;
    const char *page = g_variant_get_string(value, NULL);
    if (!adw_view_stack_get_child_by_name(self->pages, page))
        return;
    g_simple_action_set_state(action, value);
    if (g_strcmp0(adw_view_stack_get_visible_child_name(self->pages), page) != 0)
        adw_view_stack_set_visible_child_name(self->pages, page);
}

/* The switcher (or anything else) changed the page: the action follows. */
static void page_changed(UnrollWindow *self)
{
    const char *page = adw_view_stack_get_visible_child_name(self->pages);
    GAction *view = g_action_map_lookup_action(G_ACTION_MAP(self), "view");
    g_autoptr(GVariant) state = view ? g_action_get_state(view) : NULL;
    if (page && state && g_strcmp0(g_variant_get_string(state, NULL), page) != 0)
        g_simple_action_set_state(G_SIMPLE_ACTION(view), g_variant_new_string(page));
    if (page && g_str_equal(page, "runs"))
        unroll_runs_view_reload(UNROLL_RUNS_VIEW(self->runs));
    update_actions(self);
}

static void training_state_changed(UnrollWindow *self)
{
    update_training_actions(self);
}

static void run_finished(UnrollWindow *self, int status, const char *message, gint64 run_id)
{
    g_autofree char *text = NULL;
    if (status == UR_RUN_COMPLETED)
        text = g_strdup_printf("Run %lld finished", (long long)run_id);
    else if (status == UR_RUN_CANCELLED)
        text = g_strdup_printf("Run %lld stopped", (long long)run_id);
    else if (status == UR_RUN_PAUSED)
        text = g_strdup_printf("Run %lld kept: resume it from the Runs page", (long long)run_id);
    else
        text = g_strdup_printf("Training failed: %s", message ? message : "unknown error");
    show_toast(self, text);
    unroll_runs_view_reload(UNROLL_RUNS_VIEW(self->runs));
    if (self->stopping_to_close) {
        self->stopping_to_close = FALSE;
        gtk_window_close(GTK_WINDOW(self));
    }
}

/* The runs view's Open Model: the run's model as a new document (after the
 * unsaved-changes question), on the Model page. */
static void open_model_then(UnrollWindow *self, gpointer data)
{
    const char *json = data;
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(json, strlen(json), "the run's model", &ctx);
    g_autoptr(GError) error = NULL;
    g_autoptr(UnrollDocument) doc = v ? unroll_document_new_from_value(v, &error) : NULL;
    ur_value_free(v);
    if (!doc) {
        show_error(self, "Could Not Open the Run’s Model", error ? error->message : ctx.message);
        return;
    }
    unroll_window_set_document(self, doc);
    show_page(self, "model");
}

static void runs_open_model(UnrollWindow *self, const char *model_json, gint64 run_id)
{
    unroll_window_confirm_discard(self, open_model_then, g_strdup(model_json), g_free);
}

static void runs_resume_run(UnrollWindow *self, gint64 run_id)
{
    show_page(self, "train");
    g_autoptr(GError) error = NULL;
    if (!unroll_training_view_resume_run(training_of(self), run_id, &error))
        show_toast(self, error->message);
}

UnrollTrainingView *unroll_window_get_training_view(UnrollWindow *self)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), NULL);
    return training_of(self);
}

GtkWidget *unroll_window_get_runs_view(UnrollWindow *self)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), NULL);
    return self->runs;
}

const char *unroll_window_get_db_path(UnrollWindow *self)
{
    g_return_val_if_fail(UNROLL_IS_WINDOW(self), NULL);
    return self->db_path;
}

void unroll_window_set_db_path(UnrollWindow *self, const char *path)
{
    g_return_if_fail(UNROLL_IS_WINDOW(self));
    g_free(self->db_path);
    self->db_path = g_strdup(path);
    unroll_training_view_set_db_path(training_of(self), path);
    unroll_runs_view_set_store(UNROLL_RUNS_VIEW(self->runs), path);
}

static const GActionEntry win_actions[] = {
    {"new-from-template", new_from_template_activated, "s", NULL, NULL, {0}},
    {"open", open_activated, NULL, NULL, NULL, {0}},
    {"open-recent", open_recent_activated, "s", NULL, NULL, {0}},
    {"save", save_activated, NULL, NULL, NULL, {0}},
    {"save-as", save_as_activated, NULL, NULL, NULL, {0}},
    {"undo", undo_activated, NULL, NULL, NULL, {0}},
    {"redo", redo_activated, NULL, NULL, NULL, {0}},
    {"delete", delete_activated, NULL, NULL, NULL, {0}},
    {"copy", copy_activated, NULL, NULL, NULL, {0}},
    {"paste", paste_activated, NULL, NULL, NULL, {0}},
    {"duplicate", duplicate_activated, NULL, NULL, NULL, {0}},
    {"select-all", select_all_activated, NULL, NULL, NULL, {0}},
    {"find-layer", find_layer_activated, NULL, NULL, NULL, {0}},
    {"zoom-in", zoom_in_activated, NULL, NULL, NULL, {0}},
    {"zoom-out", zoom_out_activated, NULL, NULL, NULL, {0}},
    {"zoom-reset", zoom_reset_activated, NULL, NULL, NULL, {0}},
    {"fit", fit_activated, NULL, NULL, NULL, {0}},
    {"arrange", arrange_activated, NULL, NULL, NULL, {0}},
    {"show-menu", show_menu_activated, NULL, NULL, NULL, {0}},
    {"train", train_activated, NULL, NULL, NULL, {0}},
    {"pause", pause_activated, NULL, NULL, NULL, {0}},
    {"stop", stop_activated, NULL, NULL, NULL, {0}},
    {"view", NULL, "s", "'model'", view_change_state, {0}},
};

/* --------------------------------------------------------- recent files */

static int compare_recent(gconstpointer a, gconstpointer b)
{
    GtkRecentInfo *ia = *(GtkRecentInfo **)a, *ib = *(GtkRecentInfo **)b;
    return g_date_time_compare(gtk_recent_info_get_modified(ib), gtk_recent_info_get_modified(ia));
}

/* "_" starts a mnemonic in menu labels: a file name keeps its own. */
static char *escape_mnemonics(const char *s)
{
    GString *out = g_string_new(NULL);
    for (; *s; s++) {
        if (*s == '_')
            g_string_append_c(out, '_');
        g_string_append_c(out, *s);
    }
    return g_string_free(out, FALSE);
}

static void rebuild_recent(UnrollWindow *self)
{
    GList *items = gtk_recent_manager_get_items(gtk_recent_manager_get_default());
    GPtrArray *models = g_ptr_array_new();
    const char *app = g_get_application_name();
    for (GList *l = items; l; l = l->next) {
        GtkRecentInfo *info = l->data;
        const char *uri = gtk_recent_info_get_uri(info);
        if (g_str_has_suffix(uri, ".json") && gtk_recent_info_is_local(info) &&
            (!app || gtk_recent_info_has_application(info, app)) && gtk_recent_info_exists(info))
            g_ptr_array_add(models, info);
    }
    g_ptr_array_sort(models, compare_recent);
    g_menu_remove_all(self->recent_menu);
    for (guint i = 0; i < models->len && i < RECENT_MAX; i++) {
        GtkRecentInfo *info = models->pdata[i];
        g_autoptr(GFile) file = g_file_new_for_uri(gtk_recent_info_get_uri(info));
        g_autofree char *base = g_file_get_basename(file);
        g_autofree char *label = escape_mnemonics(base);
        g_autoptr(GMenuItem) item = g_menu_item_new(label, NULL);
        g_menu_item_set_action_and_target_value(item, "win.open-recent",
            g_variant_new_string(gtk_recent_info_get_uri(info)));
        g_menu_append_item(self->recent_menu, item);
    }
    if (models->len == 0)
        g_menu_append(self->recent_menu, "No Recent Models", "win.no-recent");
    g_ptr_array_unref(models);
    g_list_free_full(items, (GDestroyNotify)gtk_recent_info_unref);
}

/* --------------------------------------------------------------- layout */

static void layer_activated(UnrollWindow *self, const char *class_name)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *name = unroll_document_insert_after(self->doc, class_name, NULL, &error);
    if (!name)
        report(self, error);
}

static void canvas_edit_failed(UnrollWindow *self, const char *message)
{
    show_toast(self, message);
}

static GtkWidget *new_template_row(const char *title, const char *description, const char *file)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_margin_top(box, 6);
    gtk_widget_set_margin_bottom(box, 6);
    gtk_widget_set_margin_start(box, 6);
    gtk_widget_set_margin_end(box, 6);
    GtkWidget *t = gtk_label_new(title);
    gtk_label_set_xalign(GTK_LABEL(t), 0);
    gtk_widget_add_css_class(t, "heading");
    GtkWidget *d = gtk_label_new(description);
    gtk_label_set_xalign(GTK_LABEL(d), 0);
    gtk_label_set_wrap(GTK_LABEL(d), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(d), 44);
    gtk_label_set_width_chars(GTK_LABEL(d), 44);
    gtk_widget_add_css_class(d, "dim-label");
    gtk_widget_add_css_class(d, "caption");
    gtk_box_append(GTK_BOX(box), t);
    gtk_box_append(GTK_BOX(box), d);
    GtkWidget *row = gtk_list_box_row_new();
    gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(row), box);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "win.new-from-template");
    gtk_actionable_set_action_target_value(GTK_ACTIONABLE(row), g_variant_new_string(file));
    return row;
}

static void new_row_activated(GtkListBox *list, GtkListBoxRow *row, gpointer user_data)
{
    UnrollWindow *self = user_data;
    gtk_menu_button_popdown(GTK_MENU_BUTTON(self->new_button));
}

static void new_list_header(GtkListBoxRow *row, GtkListBoxRow *before, gpointer user_data)
{
    if (before && !gtk_list_box_row_get_header(row) && gtk_list_box_row_get_index(row) == 1) {
        GtkWidget *label = gtk_label_new("Templates");
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        gtk_widget_add_css_class(label, "dim-label");
        gtk_widget_add_css_class(label, "caption-heading");
        gtk_widget_set_margin_top(label, 12);
        gtk_widget_set_margin_start(label, 12);
        gtk_widget_set_margin_bottom(label, 6);
        gtk_list_box_row_set_header(row, label);
    }
}

static GtkWidget *build_new_button(UnrollWindow *self)
{
    GtkWidget *list = gtk_list_box_new();
    gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
    gtk_widget_add_css_class(list, "navigation-sidebar");
    gtk_list_box_append(GTK_LIST_BOX(list),
                        new_template_row("Empty Model", "Start from a blank canvas", ""));
    int n = unroll_templates_count(NULL);
    for (int i = 0; i < n; i++) {
        const unroll_template *t = unroll_templates_get(i);
        gtk_list_box_append(GTK_LIST_BOX(list), new_template_row(t->title, t->description, t->file));
    }
    gtk_list_box_set_header_func(GTK_LIST_BOX(list), new_list_header, NULL, NULL);
    g_signal_connect(list, "row-activated", G_CALLBACK(new_row_activated), self);
    self->new_list = list;

    GtkWidget *scroller = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroller), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scroller), TRUE);
    gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroller), 560);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), list);
    GtkWidget *popover = gtk_popover_new();
    gtk_popover_set_child(GTK_POPOVER(popover), scroller);

    GtkWidget *button = gtk_menu_button_new();
    gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(button), "list-add-symbolic");
    gtk_menu_button_set_popover(GTK_MENU_BUTTON(button), popover);
    gtk_widget_set_tooltip_text(button, "New Model");
    return button;
}

static GMenuModel *build_main_menu(void)
{
    GMenu *menu = g_menu_new();
    GMenu *style = g_menu_new();
    g_menu_append(style, "Follow System Style", "app.style::default");
    g_menu_append(style, "Light Style", "app.style::light");
    g_menu_append(style, "Dark Style", "app.style::dark");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(style));
    g_object_unref(style);
    GMenu *files = g_menu_new();
    g_menu_append(files, "_New Empty Model", "win.new-from-template::");
    g_menu_append(files, "Save _As…", "win.save-as");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(files));
    g_object_unref(files);
    GMenu *view = g_menu_new();
    g_menu_append(view, "_Fit to View", "win.fit");
    g_menu_append(view, "A_rrange Layers", "win.arrange");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(view));
    g_object_unref(view);
    GMenu *training = g_menu_new();
    g_menu_append(training, "_Train", "win.train");
    g_menu_append(training, "_Pause or Resume Training", "win.pause");
    g_menu_append(training, "_Stop Training", "win.stop");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(training));
    g_object_unref(training);
    GMenu *help = g_menu_new();
    g_menu_append(help, "_Keyboard Shortcuts", "app.shortcuts");
    g_menu_append(help, "_About Unroll", "app.about");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(help));
    g_object_unref(help);
    return G_MENU_MODEL(menu);
}

static GtkWidget *icon_button(const char *icon, const char *action, const char *tooltip)
{
    GtkWidget *b = gtk_button_new_from_icon_name(icon);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(b), action);
    gtk_widget_set_tooltip_text(b, tooltip);
    return b;
}

static GtkWidget *build_header(UnrollWindow *self)
{
    GtkWidget *header = adw_header_bar_new();
    self->new_button = build_new_button(self);
    adw_header_bar_pack_start(ADW_HEADER_BAR(header), self->new_button);

    GtkWidget *open = adw_split_button_new();
    adw_split_button_set_label(ADW_SPLIT_BUTTON(open), "_Open");
    adw_split_button_set_use_underline(ADW_SPLIT_BUTTON(open), TRUE);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(open), "win.open");
    gtk_widget_set_tooltip_text(open, "Open a Model File");
    adw_split_button_set_dropdown_tooltip(ADW_SPLIT_BUTTON(open), "Recent Models");
    GMenu *recent_root = g_menu_new();
    g_menu_append_section(recent_root, "Recent Models", G_MENU_MODEL(self->recent_menu));
    adw_split_button_set_menu_model(ADW_SPLIT_BUTTON(open), G_MENU_MODEL(recent_root));
    g_object_unref(recent_root);
    adw_header_bar_pack_start(ADW_HEADER_BAR(header), open);

    GtkWidget *undo_redo = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_add_css_class(undo_redo, "linked");
    self->undo_button = icon_button("edit-undo-symbolic", "win.undo", "Undo");
    self->redo_button = icon_button("edit-redo-symbolic", "win.redo", "Redo");
    gtk_box_append(GTK_BOX(undo_redo), self->undo_button);
    gtk_box_append(GTK_BOX(undo_redo), self->redo_button);
    adw_header_bar_pack_start(ADW_HEADER_BAR(header), undo_redo);

    self->title = ADW_VIEW_SWITCHER_TITLE(adw_view_switcher_title_new());
    adw_view_switcher_title_set_title(self->title, "Unroll");
    adw_view_switcher_title_set_stack(self->title, self->pages);
    adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), GTK_WIDGET(self->title));

    self->menu_button = gtk_menu_button_new();
    gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(self->menu_button), "open-menu-symbolic");
    g_autoptr(GMenuModel) menu = build_main_menu();
    gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(self->menu_button), menu);
    gtk_widget_set_tooltip_text(self->menu_button, "Main Menu");
    adw_header_bar_pack_end(ADW_HEADER_BAR(header), self->menu_button);

    GtkWidget *save = gtk_button_new_with_mnemonic("_Save");
    gtk_actionable_set_action_name(GTK_ACTIONABLE(save), "win.save");
    gtk_widget_set_tooltip_text(save, "Save the Model");
    adw_header_bar_pack_end(ADW_HEADER_BAR(header), save);
    return header;
}

static GtkWidget *build_canvas_area(UnrollWindow *self)
{
    self->canvas = unroll_canvas_view_new();
    gtk_widget_set_hexpand(self->canvas, TRUE);
    gtk_widget_set_vexpand(self->canvas, TRUE);
    g_signal_connect_swapped(self->canvas, "edit-failed", G_CALLBACK(canvas_edit_failed), self);

    GtkWidget *overlay = gtk_overlay_new();
    gtk_overlay_set_child(GTK_OVERLAY(overlay), self->canvas);

    /* The error line: a floating bar at the top while the model has errors. */
    GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_widget_add_css_class(bar, "unroll-error-bar");
    gtk_box_append(GTK_BOX(bar), gtk_image_new_from_icon_name("dialog-warning-symbolic"));
    self->error_label = gtk_label_new(NULL);
    gtk_label_set_ellipsize(GTK_LABEL(self->error_label), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars(GTK_LABEL(self->error_label), 90);
    gtk_label_set_xalign(GTK_LABEL(self->error_label), 0);
    gtk_box_append(GTK_BOX(bar), self->error_label);
    self->error_revealer = gtk_revealer_new();
    gtk_revealer_set_transition_type(GTK_REVEALER(self->error_revealer),
                                     GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
    gtk_revealer_set_child(GTK_REVEALER(self->error_revealer), bar);
    gtk_widget_set_halign(self->error_revealer, GTK_ALIGN_CENTER);
    gtk_widget_set_valign(self->error_revealer, GTK_ALIGN_START);
    gtk_overlay_add_overlay(GTK_OVERLAY(overlay), self->error_revealer);

    /* Viewport tools, bottom right. */
    GtkWidget *tools = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 2);
    gtk_widget_add_css_class(tools, "osd");
    gtk_widget_add_css_class(tools, "toolbar");
    gtk_widget_add_css_class(tools, "unroll-canvas-tools");
    gtk_box_append(GTK_BOX(tools), icon_button("zoom-out-symbolic", "win.zoom-out", "Zoom Out"));
    gtk_box_append(GTK_BOX(tools),
                   icon_button("zoom-original-symbolic", "win.zoom-reset", "Actual Size"));
    gtk_box_append(GTK_BOX(tools), icon_button("zoom-in-symbolic", "win.zoom-in", "Zoom In"));
    gtk_box_append(GTK_BOX(tools), gtk_separator_new(GTK_ORIENTATION_VERTICAL));
    gtk_box_append(GTK_BOX(tools), icon_button("zoom-fit-best-symbolic", "win.fit", "Fit to View"));
    gtk_box_append(GTK_BOX(tools),
                   icon_button("view-grid-symbolic", "win.arrange", "Arrange Layers"));
    gtk_widget_set_halign(tools, GTK_ALIGN_END);
    gtk_widget_set_valign(tools, GTK_ALIGN_END);
    gtk_widget_set_margin_end(tools, 12);
    gtk_widget_set_margin_bottom(tools, 12);
    gtk_overlay_add_overlay(GTK_OVERLAY(overlay), tools);

    self->toasts = ADW_TOAST_OVERLAY(adw_toast_overlay_new());
    gtk_widget_add_css_class(GTK_WIDGET(self->toasts), "unroll-canvas-area");
    adw_toast_overlay_set_child(self->toasts, overlay);
    return GTK_WIDGET(self->toasts);
}

static GtkWidget *build_side_panel(UnrollWindow *self)
{
    self->inspector = unroll_inspector_new();
    self->summary = unroll_summary_view_new();
    AdwViewStack *stack = ADW_VIEW_STACK(adw_view_stack_new());
    adw_view_stack_add_titled_with_icon(stack, self->inspector, "inspector", "Inspector",
                                        "document-properties-symbolic");
    adw_view_stack_add_titled_with_icon(stack, self->summary, "summary", "Summary",
                                        "view-list-bullet-symbolic");
    gtk_widget_set_vexpand(GTK_WIDGET(stack), TRUE);
    self->side_stack = GTK_WIDGET(stack);

    GtkWidget *switcher = adw_view_switcher_new();
    adw_view_switcher_set_stack(ADW_VIEW_SWITCHER(switcher), stack);
    adw_view_switcher_set_policy(ADW_VIEW_SWITCHER(switcher), ADW_VIEW_SWITCHER_POLICY_WIDE);
    GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_add_css_class(bar, "unroll-side-switcher");
    gtk_widget_set_hexpand(switcher, TRUE);
    gtk_box_append(GTK_BOX(bar), switcher);

    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_widget_add_css_class(box, "unroll-side-panel");
    gtk_box_append(GTK_BOX(box), bar);
    gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(stack));
    gtk_widget_set_size_request(box, 280, -1);
    self->side_panel = box;
    return box;
}

static GtkWidget *build_body(UnrollWindow *self)
{
    self->palette = unroll_palette_new();
    gtk_widget_add_css_class(self->palette, "unroll-palette-pane");
    g_signal_connect_swapped(self->palette, "layer-activated", G_CALLBACK(layer_activated), self);
    gtk_widget_set_size_request(self->palette, 220, -1);

    GtkWidget *inner = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
    gtk_paned_set_start_child(GTK_PANED(inner), build_canvas_area(self));
    gtk_paned_set_end_child(GTK_PANED(inner), build_side_panel(self));
    gtk_paned_set_resize_start_child(GTK_PANED(inner), TRUE);
    gtk_paned_set_resize_end_child(GTK_PANED(inner), FALSE);
    gtk_paned_set_shrink_start_child(GTK_PANED(inner), FALSE);
    gtk_paned_set_shrink_end_child(GTK_PANED(inner), FALSE);

    GtkWidget *outer = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
    gtk_paned_set_start_child(GTK_PANED(outer), self->palette);
    gtk_paned_set_end_child(GTK_PANED(outer), inner);
    gtk_paned_set_resize_start_child(GTK_PANED(outer), FALSE);
    gtk_paned_set_resize_end_child(GTK_PANED(outer), TRUE);
    gtk_paned_set_shrink_start_child(GTK_PANED(outer), FALSE);
    gtk_paned_set_shrink_end_child(GTK_PANED(outer), FALSE);
    gtk_paned_set_position(GTK_PANED(outer), 260);
    gtk_widget_set_vexpand(outer, TRUE);
    self->outer_paned = outer;
    self->inner_paned = inner;
    return outer;
}

/* The Model page (the editor), the Train page and the Runs page. */
static GtkWidget *build_pages(UnrollWindow *self)
{
    self->pages = ADW_VIEW_STACK(adw_view_stack_new());
    adw_view_stack_add_titled_with_icon(self->pages, build_body(self), "model", "Model",
                                        "unroll-layer-lstm-symbolic");
    self->training = unroll_training_view_new();
    adw_view_stack_add_titled_with_icon(self->pages, self->training, "train", "Train",
                                        "media-playback-start-symbolic");
    self->runs = unroll_runs_view_new();
    adw_view_stack_add_titled_with_icon(self->pages, self->runs, "runs", "Runs",
                                        "document-open-recent-symbolic");
    gtk_widget_set_vexpand(GTK_WIDGET(self->pages), TRUE);
    g_signal_connect_swapped(self->pages, "notify::visible-child-name", G_CALLBACK(page_changed), self);
    UnrollTrainWorker *w = unroll_training_view_get_worker(UNROLL_TRAINING_VIEW(self->training));
    g_signal_connect_swapped(w, "state-changed", G_CALLBACK(training_state_changed), self);
    g_signal_connect_swapped(self->training, "run-finished", G_CALLBACK(run_finished), self);
    g_signal_connect_swapped(self->runs, "open-model", G_CALLBACK(runs_open_model), self);
    g_signal_connect_swapped(self->runs, "resume-run", G_CALLBACK(runs_resume_run), self);
    return GTK_WIDGET(self->pages);
}

/* ------------------------------------------------------------ lifecycle */

/* The side panel gets its kept width once the panes have their size (the
 * inner pane's position counts from its left edge). */
/* The side panel's kept width, set once the paned has one and again each
 * frame until the panel has it (the window's first allocations may still
 * change; a minimum width may also refuse it: then after a second). */
static gboolean restore_side_width(GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
    UnrollWindow *self = UNROLL_WINDOW(widget);
    int width = gtk_widget_get_width(self->inner_paned);
    int side = gtk_widget_get_width(self->side_panel);
    if (width <= 0 || side <= 0)
        return self->restore_ticks++ < 120 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    if (side == self->side_width)
        return G_SOURCE_REMOVE;
    int handle = width - side - gtk_paned_get_position(GTK_PANED(self->inner_paned));
    gtk_paned_set_position(GTK_PANED(self->inner_paned),
                           MAX(width - self->side_width - MAX(handle, 0), 0));
    return self->restore_ticks++ < 60 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void close_then(UnrollWindow *self, gpointer data)
{
    self->close_confirmed = TRUE;
    gtk_window_close(GTK_WINDOW(self));
}

static void stop_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    UnrollWindow *self = UNROLL_WINDOW(gtk_window_get_transient_for(GTK_WINDOW(dialog)));
    g_signal_handlers_disconnect_by_func(dialog, stop_response, user_data);
    if (g_strcmp0(response, "keep") != 0 && g_strcmp0(response, "stop") != 0)
        return;
    UnrollTrainWorker *w = unroll_training_view_get_worker(training_of(self));
    /* the window closes when "finished" arrives (run_finished) */
    self->stopping_to_close = TRUE;
    gboolean keep = g_strcmp0(response, "keep") == 0;
    if (!(keep ? unroll_train_worker_stop_to_resume(w) : unroll_train_worker_stop(w)) &&
        !unroll_train_worker_is_busy(w)) {
        self->stopping_to_close = FALSE;
        gtk_window_close(GTK_WINDOW(self));
    }
}

/* Closing while a run trains: ask first. Pause and Close keeps the run for
 * later (it ends paused with its checkpoint; the Runs page resumes it);
 * Stop and Close ends it cancelled. */
static gboolean ask_stop_training(UnrollWindow *self)
{
    UnrollTrainWorker *w = unroll_training_view_get_worker(training_of(self));
    if (!unroll_train_worker_is_busy(w))
        return FALSE;
    if (self->stopping_to_close)
        return TRUE;
    gint64 id = unroll_train_worker_get_run_id(w);
    g_autofree char *body = id > 0
        ? g_strdup_printf("Run %lld is still training. Pausing keeps it, with what it has learned "
                          "so far, to be resumed later from the Runs page; stopping ends it.",
                          (long long)id)
        : g_strdup("A run is still starting. Stop it before closing the window.");
    GtkWidget *dialog = adw_message_dialog_new(GTK_WINDOW(self), "Stop Training?", body);
    AdwMessageDialog *d = ADW_MESSAGE_DIALOG(dialog);
    adw_message_dialog_add_responses(d, "cancel", "_Keep Training", NULL);
    if (id > 0)
        adw_message_dialog_add_responses(d, "keep", "_Pause and Close", NULL);
    adw_message_dialog_add_responses(d, "stop", "_Stop and Close", NULL);
    adw_message_dialog_set_response_appearance(d, "stop", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_default_response(d, "cancel");
    adw_message_dialog_set_close_response(d, "cancel");
    g_signal_connect(dialog, "response", G_CALLBACK(stop_response), NULL);
    g_free(self->last_error);
    self->last_error = g_strdup(body);
    gtk_window_present(GTK_WINDOW(dialog));
    return TRUE;
}

static gboolean unroll_window_close_request(GtkWindow *window)
{
    UnrollWindow *self = UNROLL_WINDOW(window);
    if (ask_stop_training(self))
        return TRUE;
    if (!self->close_confirmed && self->doc && unroll_document_get_modified(self->doc)) {
        unroll_window_confirm_discard(self, close_then, NULL, NULL);
        return TRUE;
    }
    GtkApplication *app = gtk_window_get_application(window);
    if (UNROLL_IS_APPLICATION(app)) {
        int width = 0, height = 0;
        gtk_window_get_default_size(window, &width, &height);
        unroll_application_set_window_state(UNROLL_APPLICATION(app), width, height,
                                            gtk_window_is_maximized(window));
        if (gtk_widget_get_mapped(self->side_panel))
            unroll_application_set_pane_widths(UNROLL_APPLICATION(app),
                                               gtk_paned_get_position(GTK_PANED(self->outer_paned)),
                                               gtk_widget_get_width(self->side_panel));
    }
    return GTK_WINDOW_CLASS(unroll_window_parent_class)->close_request(window);
}

static void unroll_window_dispose(GObject *object)
{
    UnrollWindow *self = UNROLL_WINDOW(object);
    if (self->doc)
        g_signal_handlers_disconnect_by_data(self->doc, self);
    g_signal_handlers_disconnect_by_data(gtk_recent_manager_get_default(), self);
    if (self->question) {
        g_object_remove_weak_pointer(G_OBJECT(self->question), (gpointer *)&self->question);
        self->question = NULL;
    }
    if (self->chooser)
        gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
    g_clear_object(&self->doc);
    if (self->training)
        g_signal_handlers_disconnect_by_data(
            unroll_training_view_get_worker(UNROLL_TRAINING_VIEW(self->training)), self);
    G_OBJECT_CLASS(unroll_window_parent_class)->dispose(object);
}

static void unroll_window_finalize(GObject *object)
{
    UnrollWindow *self = UNROLL_WINDOW(object);
    g_clear_object(&self->recent_menu);
    g_free(self->last_toast);
    g_free(self->error_line);
    g_free(self->last_error);
    g_free(self->db_path);
    G_OBJECT_CLASS(unroll_window_parent_class)->finalize(object);
}

static void unroll_window_class_init(UnrollWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = unroll_window_dispose;
    object_class->finalize = unroll_window_finalize;
    GTK_WINDOW_CLASS(klass)->close_request = unroll_window_close_request;
}

static void unroll_window_init(UnrollWindow *self)
{
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);
    self->recent_menu = g_menu_new();
    rebuild_recent(self);
    g_signal_connect_swapped(gtk_recent_manager_get_default(), "changed",
                             G_CALLBACK(rebuild_recent), self);

    GtkWidget *content = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    GtkWidget *pages = build_pages(self);
    gtk_box_append(GTK_BOX(content), build_header(self));
    gtk_box_append(GTK_BOX(content), pages);
    GtkWidget *bar = adw_view_switcher_bar_new();
    adw_view_switcher_bar_set_stack(ADW_VIEW_SWITCHER_BAR(bar), self->pages);
    g_object_bind_property(self->title, "title-visible", bar, "reveal", G_BINDING_SYNC_CREATE);
    gtk_box_append(GTK_BOX(content), bar);
    adw_application_window_set_content(ADW_APPLICATION_WINDOW(self), content);
    g_signal_connect_swapped(self, "notify::focus-widget", G_CALLBACK(focus_changed), self);

    g_autoptr(UnrollDocument) doc = unroll_document_new();
    unroll_window_set_document(self, doc);
    update_training_actions(self);
}

UnrollWindow *unroll_window_new(UnrollApplication *app)
{
    g_return_val_if_fail(UNROLL_IS_APPLICATION(app), NULL);
    UnrollWindow *self = g_object_new(UNROLL_TYPE_WINDOW, "application", app, NULL);
    int width = 1280, height = 800;
    gboolean maximized = FALSE;
    unroll_application_get_window_state(app, &width, &height, &maximized);
    gtk_window_set_default_size(GTK_WINDOW(self), MAX(width, 640), MAX(height, 480));
    if (maximized)
        gtk_window_maximize(GTK_WINDOW(self));
    int palette = 260, side = 320;
    unroll_application_get_pane_widths(app, &palette, &side);
    gtk_paned_set_position(GTK_PANED(self->outer_paned), palette);
    self->side_width = side;
    gtk_widget_add_tick_callback(GTK_WIDGET(self), restore_side_width, NULL, NULL);
    unroll_window_set_db_path(self, unroll_application_get_db_path(app));
    return self;
}
