/* application.c — UnrollApplication: startup (style sheet, accelerators,
 * settings), activate and open (a window per model), the app.* actions
 * (quit, about, shortcuts, style) and the keyboard shortcuts window built
 * from the one table of accelerators below. */
#include "application.h"

#include <string.h>

#include "window.h"

#ifndef UNROLL_VERSION
#error "UNROLL_VERSION (the meson project version) must be defined"
#endif
#ifndef UNROLL_SCHEMA_BUILD_DIR
#define UNROLL_SCHEMA_BUILD_DIR ""
#endif

struct _UnrollApplication {
    AdwApplication parent_instance;
    GSettings *settings;   /* NULL when the schema is not found: then the fields below */
    int width, height;
    gboolean maximized;
    int palette_width, side_width;
    char *last_file;
    gboolean has_pane_keys;  /* the schema has sidebar-width and inspector-width */
};

G_DEFINE_TYPE(UnrollApplication, unroll_application, ADW_TYPE_APPLICATION)

/* ------------------------------------------------------------ accelerators */

#define ACCELS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const unroll_shortcut shortcuts[] = {
    {"Files", "win.new-from-template('')", ACCELS("<Control>n"), "New empty model"},
    {"Files", "win.open", ACCELS("<Control>o"), "Open a model"},
    {"Files", "win.save", ACCELS("<Control>s"), "Save"},
    {"Files", "win.save-as", ACCELS("<Control><Shift>s"), "Save as"},
    {"Files", "window.close", ACCELS("<Control>w"), "Close the window"},
    {"Files", "app.quit", ACCELS("<Control>q"), "Quit"},
    {"Editing", "win.undo", ACCELS("<Control>z"), "Undo"},
    {"Editing", "win.redo", ACCELS("<Control><Shift>z", "<Control>y"), "Redo"},
    {"Editing", "win.copy", ACCELS("<Control>c"), "Copy the selected layers"},
    {"Editing", "win.paste", ACCELS("<Control>v"), "Paste layers"},
    {"Editing", "win.duplicate", ACCELS("<Control>d"), "Duplicate the selected layers"},
    {"Editing", "win.delete", ACCELS("Delete"), "Delete the selected layers"},
    {"Editing", "win.select-all", ACCELS("<Control>a"), "Select every layer"},
    {"Editing", "win.find-layer", ACCELS("<Control>f"), "Search the layer palette"},
    {"Canvas", "win.zoom-in", ACCELS("<Control>plus", "<Control>equal", "<Control>KP_Add"),
     "Zoom in"},
    {"Canvas", "win.zoom-out", ACCELS("<Control>minus", "<Control>KP_Subtract"), "Zoom out"},
    {"Canvas", "win.zoom-reset", ACCELS("<Control>0", "<Control>KP_0"), "Actual size (100%)"},
    {"Canvas", "win.fit", ACCELS("<Control>1", "<Control>KP_1"), "Fit the model into view"},
    {"Canvas", "win.arrange", ACCELS("<Control>l"), "Arrange the layers automatically"},
    {"Training", "win.train", ACCELS("<Control>Return", "<Control>KP_Enter"), "Train the model"},
    {"Training", "win.pause", ACCELS("<Control>p"), "Pause or resume training"},
    {"Training", "win.stop", ACCELS("<Control>period"), "Stop training"},
    {"Pages", "win.view::model", ACCELS("<Alt>1"), "The model editor"},
    {"Pages", "win.view::train", ACCELS("<Alt>2"), "Training"},
    {"Pages", "win.view::runs", ACCELS("<Alt>3"), "Runs"},
    {"General", "app.shortcuts", ACCELS("<Control>question"), "Keyboard shortcuts"},
    {"General", "win.show-menu", ACCELS("F10"), "Main menu"},
};

const unroll_shortcut *unroll_application_get_shortcuts(int *n)
{
    *n = (int)G_N_ELEMENTS(shortcuts);
    return shortcuts;
}

GtkWindow *unroll_application_new_shortcuts_window(GtkWindow *parent)
{
    GString *xml = g_string_new(
        "<interface><object class=\"GThemedIcon\" id=\"pointer-icon\">"
        "<property name=\"name\">input-mouse-symbolic</property></object>"
        "<object class=\"GtkShortcutsWindow\" id=\"window\">"
        "<property name=\"modal\">true</property>"
        "<child><object class=\"GtkShortcutsSection\">"
        "<property name=\"section-name\">shortcuts</property>"
        "<property name=\"max-height\">16</property>");
    const char *open_group = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(shortcuts); i++) {
        const unroll_shortcut *s = &shortcuts[i];
        if (!open_group || strcmp(open_group, s->section) != 0) {
            if (open_group)
                g_string_append(xml, "</object></child>");
            g_autofree char *title = g_markup_escape_text(s->section, -1);
            g_string_append_printf(xml, "<child><object class=\"GtkShortcutsGroup\">"
                                        "<property name=\"title\">%s</property>", title);
            open_group = s->section;
        }
        /* The keypad's twins (Ctrl+KP_Add) go without saying. */
        GString *shown = g_string_new(NULL);
        for (int k = 0; s->accels[k]; k++)
            if (!strstr(s->accels[k], "KP_"))
                g_string_append_printf(shown, "%s%s", shown->len ? " " : "", s->accels[k]);
        g_autofree char *accel = g_markup_escape_text(shown->str, -1);
        g_string_free(shown, TRUE);
        g_autofree char *title = g_markup_escape_text(s->title, -1);
        g_string_append_printf(xml, "<child><object class=\"GtkShortcutsShortcut\">"
                                    "<property name=\"title\">%s</property>"
                                    "<property name=\"accelerator\">%s</property>"
                                    "</object></child>", title, accel);
    }
    /* Pointer gestures on the canvas, which have no accelerator of their own. */
    static const char *const gestures[][2] = {
        {"Pan the canvas", "Middle-drag, or scroll"},
        {"Zoom at the pointer", "Ctrl + scroll"},
        {"Add to the selection", "Ctrl-click or Shift-click a layer"},
        {"Select several layers", "Drag on an empty spot"},
        {"Wire two layers", "Drag from an output port to an input port"},
    };
    g_string_append(xml, "</object></child><child><object class=\"GtkShortcutsGroup\">"
                         "<property name=\"title\">Pointer</property>");
    /* GtkBuilder takes an object property by id: the icon is an object. */
    g_string_append(xml, "<child><object class=\"GtkShortcutsShortcut\">"
                         "<property name=\"shortcut-type\">gesture-pinch</property>"
                         "<property name=\"title\">Zoom on a touchpad</property>"
                         "</object></child>");
    for (size_t i = 0; i < G_N_ELEMENTS(gestures); i++) {
        g_autofree char *title = g_markup_escape_text(gestures[i][0], -1);
        g_autofree char *sub = g_markup_escape_text(gestures[i][1], -1);
        g_string_append_printf(xml, "<child><object class=\"GtkShortcutsShortcut\">"
                                    "<property name=\"shortcut-type\">gesture</property>"
                                    "<property name=\"icon\">pointer-icon</property>"
                                    "<property name=\"title\">%s</property>"
                                    "<property name=\"subtitle\">%s</property>"
                                    "</object></child>", title, sub);
    }
    g_string_append(xml, "</object></child></object></child></object></interface>");
    g_autoptr(GtkBuilder) builder = gtk_builder_new_from_string(xml->str, (gssize)xml->len);
    g_string_free(xml, TRUE);
    GtkWindow *window = GTK_WINDOW(g_object_ref(gtk_builder_get_object(builder, "window")));
    if (parent)
        gtk_window_set_transient_for(window, parent);
    return window;
}

/* --------------------------------------------------------------- settings */

static GSettings *open_settings(void)
{
    GSettingsSchemaSource *source = g_settings_schema_source_get_default();
    g_autoptr(GSettingsSchema) schema =
        source ? g_settings_schema_source_lookup(source, UNROLL_APP_ID, TRUE) : NULL;
    g_autoptr(GError) error = NULL;
    if (!schema && UNROLL_SCHEMA_BUILD_DIR[0]) {
        /* Running from the build tree: packaging/ holds the compiled schema. */
        g_autoptr(GSettingsSchemaSource) build =
            g_settings_schema_source_new_from_directory(UNROLL_SCHEMA_BUILD_DIR, source, FALSE,
                                                        &error);
        if (build)
            schema = g_settings_schema_source_lookup(build, UNROLL_APP_ID, FALSE);
    }
    if (!schema) {
        g_printerr("unroll: window size, style and the last model are not kept: the settings "
                   "schema %s is not installed%s%s\n", UNROLL_APP_ID,
                   error ? " and the build tree has none: " : "", error ? error->message : "");
        return NULL;
    }
    static const char *const keys[] = {"window-width", "window-height", "window-maximized",
                                       "last-file", "style"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (!g_settings_schema_has_key(schema, keys[i])) {
            g_printerr("unroll: the settings schema %s has no key '%s': settings are not kept\n",
                       UNROLL_APP_ID, keys[i]);
            return NULL;
        }
    return g_settings_new_full(schema, NULL, NULL);
}

static gboolean settings_has_key(GSettings *settings, const char *key)
{
    g_autoptr(GSettingsSchema) schema = NULL;
    g_object_get(settings, "settings-schema", &schema, NULL);
    return schema && g_settings_schema_has_key(schema, key);
}

/* A value within the key's range (g_settings_set_int refuses others). */
static void set_int_in_range(GSettings *settings, const char *key, int value)
{
    g_autoptr(GSettingsSchema) schema = NULL;
    g_object_get(settings, "settings-schema", &schema, NULL);
    g_autoptr(GSettingsSchemaKey) k = g_settings_schema_get_key(schema, key);
    g_autoptr(GVariant) v = g_variant_new_int32(value);
    if (!g_settings_schema_key_range_check(k, v)) {
        g_autoptr(GVariant) range = g_settings_schema_key_get_range(k);
        const char *type = NULL;
        g_autoptr(GVariant) detail = NULL;
        g_variant_get(range, "(&sv)", &type, &detail);
        if (g_strcmp0(type, "range") == 0) {
            int lo = 0, hi = 0;
            g_variant_get(detail, "(ii)", &lo, &hi);
            value = CLAMP(value, lo, hi);
        }
    }
    g_settings_set_int(settings, key, value);
}

const char *unroll_application_get_db_path(UnrollApplication *app)
{
    g_return_val_if_fail(UNROLL_IS_APPLICATION(app), NULL);
    const char *db = g_getenv("UNROLL_DB");
    return db && *db ? db : NULL;
}

gboolean unroll_application_has_settings(UnrollApplication *app)
{
    g_return_val_if_fail(UNROLL_IS_APPLICATION(app), FALSE);
    return app->settings != NULL;
}

char *unroll_application_dup_last_file(UnrollApplication *app)
{
    g_return_val_if_fail(UNROLL_IS_APPLICATION(app), NULL);
    g_autofree char *path =
        app->settings ? g_settings_get_string(app->settings, "last-file") : g_strdup(app->last_file);
    return path && *path ? g_steal_pointer(&path) : NULL;
}

void unroll_application_set_last_file(UnrollApplication *app, const char *path)
{
    g_return_if_fail(UNROLL_IS_APPLICATION(app));
    if (app->settings)
        g_settings_set_string(app->settings, "last-file", path ? path : "");
    else {
        g_free(app->last_file);
        app->last_file = g_strdup(path);
    }
}

void unroll_application_get_window_state(UnrollApplication *app, int *width, int *height,
                                         gboolean *maximized)
{
    g_return_if_fail(UNROLL_IS_APPLICATION(app));
    if (app->settings) {
        *width = g_settings_get_int(app->settings, "window-width");
        *height = g_settings_get_int(app->settings, "window-height");
        *maximized = g_settings_get_boolean(app->settings, "window-maximized");
    } else {
        *width = app->width;
        *height = app->height;
        *maximized = app->maximized;
    }
}

void unroll_application_set_window_state(UnrollApplication *app, int width, int height,
                                         gboolean maximized)
{
    g_return_if_fail(UNROLL_IS_APPLICATION(app));
    if (app->settings) {
        g_settings_delay(app->settings);
        set_int_in_range(app->settings, "window-width", width);
        set_int_in_range(app->settings, "window-height", height);
        g_settings_set_boolean(app->settings, "window-maximized", maximized);
        g_settings_apply(app->settings);
    } else {
        app->width = width;
        app->height = height;
        app->maximized = maximized;
    }
}

void unroll_application_get_pane_widths(UnrollApplication *app, int *palette, int *side)
{
    g_return_if_fail(UNROLL_IS_APPLICATION(app));
    if (app->settings && app->has_pane_keys) {
        *palette = g_settings_get_int(app->settings, "sidebar-width");
        *side = g_settings_get_int(app->settings, "inspector-width");
    } else {
        *palette = app->palette_width;
        *side = app->side_width;
    }
}

void unroll_application_set_pane_widths(UnrollApplication *app, int palette, int side)
{
    g_return_if_fail(UNROLL_IS_APPLICATION(app));
    if (app->settings && app->has_pane_keys) {
        g_settings_delay(app->settings);
        set_int_in_range(app->settings, "sidebar-width", palette);
        set_int_in_range(app->settings, "inspector-width", side);
        g_settings_apply(app->settings);
    } else {
        app->palette_width = palette;
        app->side_width = side;
    }
}

/* ------------------------------------------------------------------ style */

static gboolean valid_style(const char *style)
{
    return strcmp(style, "default") == 0 || strcmp(style, "light") == 0 ||
           strcmp(style, "dark") == 0;
}

static void apply_style(const char *style)
{
    AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;
    if (strcmp(style, "light") == 0)
        scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
    else if (strcmp(style, "dark") == 0)
        scheme = ADW_COLOR_SCHEME_FORCE_DARK;
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(), scheme);
}

const char *unroll_application_get_style(UnrollApplication *app)
{
    g_return_val_if_fail(UNROLL_IS_APPLICATION(app), "default");
    GAction *action = g_action_map_lookup_action(G_ACTION_MAP(app), "style");
    if (!action)
        return "default";
    g_autoptr(GVariant) state = g_action_get_state(action);
    /* The state's string lives as long as the action holds that state. */
    const char *s = g_variant_get_string(state, NULL);
    static const char *const names[] = {"default", "light", "dark"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(s, names[i]) == 0)
            return names[i];
    return "default";
}

static void style_change_state(GSimpleAction *action, GVariant *value, gpointer user_data)
{
    UnrollApplication *app = user_data;
    const char *style = g_variant_get_string(value, NULL);
    if (!valid_style(style))
        return;
    g_simple_action_set_state(action, value);
    apply_style(style);
    if (app->settings) {
        g_autofree char *stored = g_settings_get_string(app->settings, "style");
        if (strcmp(stored, style) != 0)
            g_settings_set_string(app->settings, "style", style);
    }
}

static void style_setting_changed(GSettings *settings, const char *key, gpointer user_data)
{
    UnrollApplication *app = user_data;
    g_autofree char *style = g_settings_get_string(settings, "style");
    if (valid_style(style))
        g_action_group_change_action_state(G_ACTION_GROUP(app), "style",
                                           g_variant_new_string(style));
}

/* ---------------------------------------------------------------- actions */

static void quit_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    /* Each window asks about its unsaved changes before it closes; the
     * application ends with the last one. */
    GList *windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(user_data)));
    for (GList *l = windows; l; l = l->next)
        gtk_window_close(GTK_WINDOW(l->data));
    g_list_free(windows);
}

static void about_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    static const char *const developers[] = {"The Unroll developers", NULL};
    GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(user_data));
    GtkWidget *about = g_object_new(ADW_TYPE_ABOUT_WINDOW,
        "transient-for", parent,
        "modal", TRUE,
        "application-name", "Unroll",
        "application-icon", UNROLL_APP_ID,
        "version", UNROLL_VERSION,
        "developer-name", "The Unroll developers",
        "developers", developers,
        "comments", "Draw recurrent neural networks from Keras layers, see every tensor's shape "
                    "while you edit, and train them.",
        "website", "https://github.com/unroll/unroll",
        "issue-url", "https://github.com/unroll/unroll/issues",
        "copyright", "© The Unroll developers",
        "license-type", GTK_LICENSE_MIT_X11,
        NULL);
    gtk_window_present(GTK_WINDOW(about));
}

static void shortcuts_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(user_data));
    GtkWindow *window = unroll_application_new_shortcuts_window(parent);
    gtk_window_present(window);
    g_object_unref(window);
}

/* ------------------------------------------------------------- lifecycle */

static void unroll_application_startup(GApplication *gapp)
{
    UnrollApplication *app = UNROLL_APPLICATION(gapp);
    G_APPLICATION_CLASS(unroll_application_parent_class)->startup(gapp);
    g_set_application_name("Unroll");
    gtk_window_set_default_icon_name(UNROLL_APP_ID);

    app->settings = open_settings();
    app->has_pane_keys = app->settings && settings_has_key(app->settings, "sidebar-width") &&
                         settings_has_key(app->settings, "inspector-width");
    g_autofree char *style = app->settings ? g_settings_get_string(app->settings, "style")
                                           : g_strdup("default");
    if (!valid_style(style)) {
        g_free(style);
        style = g_strdup("default");
    }
    const GActionEntry entries[] = {
        {"quit", quit_activated, NULL, NULL, NULL, {0}},
        {"about", about_activated, NULL, NULL, NULL, {0}},
        {"shortcuts", shortcuts_activated, NULL, NULL, NULL, {0}},
        {"style", NULL, "s", "'default'", style_change_state, {0}},
    };
    g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), app);
    g_action_group_change_action_state(G_ACTION_GROUP(app), "style", g_variant_new_string(style));
    apply_style(style);
    if (app->settings)
        g_signal_connect_object(app->settings, "changed::style", G_CALLBACK(style_setting_changed),
                                app, 0);

    for (size_t i = 0; i < G_N_ELEMENTS(shortcuts); i++)
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), shortcuts[i].action,
                                              shortcuts[i].accels);
}

static void unroll_application_activate(GApplication *gapp)
{
    GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(gapp));
    if (!window) {
        UnrollWindow *win = unroll_window_new(UNROLL_APPLICATION(gapp));
        unroll_window_load_startup(win);
        window = GTK_WINDOW(win);
    }
    gtk_window_present(window);
}

/* A window that still shows what it opened with, untouched: a file opened
 * from the command line or the desktop goes there instead of a new one. */
static UnrollWindow *reusable_window(UnrollApplication *app)
{
    GtkWindow *active = gtk_application_get_active_window(GTK_APPLICATION(app));
    if (!UNROLL_IS_WINDOW(active))
        return NULL;
    UnrollDocument *doc = unroll_window_get_document(UNROLL_WINDOW(active));
    if (unroll_document_get_modified(doc) || unroll_document_can_undo(doc) ||
        unroll_document_get_file(doc))
        return NULL;
    return UNROLL_WINDOW(active);
}

static void unroll_application_open(GApplication *gapp, GFile **files, int n_files,
                                    const char *hint)
{
    UnrollApplication *app = UNROLL_APPLICATION(gapp);
    for (int i = 0; i < n_files; i++) {
        UnrollWindow *win = reusable_window(app);
        gboolean fresh = win == NULL;
        if (fresh)
            win = unroll_window_new(app);
        if (!unroll_window_load_file(win, files[i], NULL) && fresh)
            unroll_window_load_startup(win);   /* the error stays on show over the template */
        gtk_window_present(GTK_WINDOW(win));
    }
}

static void unroll_application_finalize(GObject *object)
{
    UnrollApplication *app = UNROLL_APPLICATION(object);
    g_clear_object(&app->settings);
    g_free(app->last_file);
    G_OBJECT_CLASS(unroll_application_parent_class)->finalize(object);
}

static void unroll_application_class_init(UnrollApplicationClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = unroll_application_finalize;
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
    app_class->startup = unroll_application_startup;
    app_class->activate = unroll_application_activate;
    app_class->open = unroll_application_open;
}

static void unroll_application_init(UnrollApplication *app)
{
    app->width = 1280;
    app->height = 800;
    app->palette_width = 260;
    app->side_width = 320;
}

UnrollApplication *unroll_application_new(GApplicationFlags extra_flags)
{
    return g_object_new(UNROLL_TYPE_APPLICATION,
                        "application-id", UNROLL_APP_ID,
                        "flags", G_APPLICATION_HANDLES_OPEN | extra_flags,
                        "resource-base-path", "/io/github/unroll/Unroll",
                        NULL);
}

int unroll_application_run(int argc, char **argv)
{
    if (!gtk_init_check()) {
        g_printerr("unroll: cannot open a display for the window (is $DISPLAY or "
                   "$WAYLAND_DISPLAY set?); the command line works without one: unroll --help\n");
        return 1;
    }
    g_autoptr(UnrollApplication) app = unroll_application_new(G_APPLICATION_DEFAULT_FLAGS);
    return g_application_run(G_APPLICATION(app), argc, argv);
}
