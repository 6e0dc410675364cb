/* application.h — UnrollApplication, the AdwApplication behind the window:
 * app-wide actions (quit, about, keyboard shortcuts, style), accelerators,
 * GSettings (with a fallback when the schema is not installed), and the
 * entry point `unroll` calls when run without a subcommand. */
#ifndef UNROLL_APPLICATION_H
#define UNROLL_APPLICATION_H

#include <adwaita.h>

G_BEGIN_DECLS

#define UNROLL_APP_ID "io.github.unroll.Unroll"

#define UNROLL_TYPE_APPLICATION (unroll_application_get_type())
G_DECLARE_FINAL_TYPE(UnrollApplication, unroll_application, UNROLL, APPLICATION, AdwApplication)

/* A new application (G_APPLICATION_HANDLES_OPEN | extra_flags; tests pass
 * G_APPLICATION_NON_UNIQUE so that a running Unroll does not take over). */
UnrollApplication *unroll_application_new(GApplicationFlags extra_flags);
/* Runs the window: argv may hold model files to open (and GApplication's
 * options). Returns the exit status; 1 with a message on stderr when there
 * is no display. */
int unroll_application_run(int argc, char **argv);

/* The run store windows train into and list: $UNROLL_DB when set (tests,
 * a second store), else NULL (ur_store_default_path()). */
const char *unroll_application_get_db_path(UnrollApplication *app);

/* Settings (GSettings io.github.unroll.Unroll when its schema is found,
 * else defaults for this run only). */
gboolean unroll_application_has_settings(UnrollApplication *app);
/* The model file opened or saved last (a path), or NULL. */
char *unroll_application_dup_last_file(UnrollApplication *app);
void unroll_application_set_last_file(UnrollApplication *app, const char *path);
void unroll_application_get_window_state(UnrollApplication *app, int *width, int *height,
                                         gboolean *maximized);
void unroll_application_set_window_state(UnrollApplication *app, int width, int height,
                                         gboolean maximized);
/* The palette's and the side panel's widths (logical pixels). */
void unroll_application_get_pane_widths(UnrollApplication *app, int *palette, int *side);
void unroll_application_set_pane_widths(UnrollApplication *app, int palette, int side);
/* "default" (follow the system), "light" or "dark": the state of app.style. */
const char *unroll_application_get_style(UnrollApplication *app);

/* Every accelerator, for the shortcuts window and the tests: the action's
 * detailed name, its accelerators (NULL-terminated) and what it does. */
typedef struct unroll_shortcut {
    const char *section;
    const char *action;
    const char *const *accels;
    const char *title;
} unroll_shortcut;
const unroll_shortcut *unroll_application_get_shortcuts(int *n);
/* The keyboard shortcuts window, transient for parent (as app.shortcuts shows it). */
GtkWindow *unroll_application_new_shortcuts_window(GtkWindow *parent);

G_END_DECLS

#endif
