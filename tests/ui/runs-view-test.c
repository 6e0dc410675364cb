/* runs-view-test.c — the Runs view under a display (suite 'ui') on a
 * temporary store filled by the built `unroll train`: the list and its
 * statuses, search, model filter and sorting; three runs differing in seed
 * and optimizer compared ("Differences only" shows exactly those); a run
 * SIGKILLed mid-way shows interrupted and Resume resumes it to the end
 * through the window's train worker; Open Model, Label, Delete (confirmed);
 * exported weights read back, exported metrics equal the CLI's CSV.
 * Screenshots runs.png, runs-compare.png, runs-dark.png. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "json.h"
#include "model-file.h"
#include "npy.h"
#include "runs-view.h"
#include "safetensors.h"
#include "store.h"
#include "train-worker.h"
#include "ui-test.h"

static const char *unroll_exe;
static char *tmp_dir, *db_path, *adding_json, *parity_json;

#define ADDING "synthetic:adding?n=400&timesteps=20"
#define PARITY "synthetic:parity?n=400&timesteps=8"

/* ------------------------------------------------------------ helpers */

/* Runs `unroll ARGS...`; returns its stdout (NULL when it failed, unless
 * failing is expected). */
static char *run_unroll_status(const char *const *args, gboolean may_fail)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)unroll_exe);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *out = NULL, *err = NULL;
    int status = 0;
    GError *error = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error);
    g_ptr_array_unref(argv);
    if (!ok || (!may_fail && !g_spawn_check_wait_status(status, NULL))) {
        g_printerr("unroll %s failed: %s%s\n", args[0], error ? error->message : "", err);
        g_clear_error(&error);
        g_free(out);
        out = NULL;
    }
    g_free(err);
    return out;
}

static char *run_unroll(const char *const *args) { return run_unroll_status(args, FALSE); }

/* Trains a recorded run; returns its id (0 on failure). */
static gint64 train(const char *model, const char *data, const char *loss, const char *seed,
                    const char *optimizer, const char *epochs, const char *label,
                    const char *metrics)
{
    const char *args[32] = {"train", model, "--data", data, "--loss", loss, "--seed", seed,
                            "--optimizer", optimizer, "--epochs", epochs, "--db", db_path,
                            "--threads", "1"};
    int n = 16;
    if (label) {
        args[n++] = "--label";
        args[n++] = label;
    }
    if (metrics) {
        args[n++] = "--metrics";
        args[n++] = metrics;
    }
    args[n] = NULL;
    char *out = run_unroll(args);
    gint64 id = 0;
    if (out && g_str_has_prefix(out, "run "))
        id = g_ascii_strtoll(out + 4, NULL, 10);
    g_free(out);
    CHECK(id > 0, "training %s on %s recorded no run", model, data);
    return id;
}

static gboolean rows_have(char **rows, const char *prefix)
{
    for (char **r = rows; r && *r; r++)
        if (g_str_has_prefix(*r, prefix))
            return TRUE;
    return FALSE;
}

static char *rows_names(char **rows)
{
    GString *s = g_string_new(NULL);
    for (char **r = rows; r && *r; r++) {
        const char *tab = strchr(*r, '\t');
        g_string_append_printf(s, "%s%.*s", s->len ? "," : "",
                               (int)(tab ? tab - *r : (long)strlen(*r)), *r);
    }
    return g_string_free(s, FALSE);
}

static void select_ids(UnrollRunsView *view, const gint64 *ids, guint n)
{
    guint got = unroll_runs_view_select_ids(view, ids, n);
    CHECK(got == n, "selected %u of %u runs", got, n);
    pump(50);
}

/* ------------------------------------------------------- signal capture */

typedef struct {
    int open_count;
    char *model_json;
    gint64 open_id;
    int resume_count;
    gint64 resume_id;
    UnrollTrainWorker *worker;
    gboolean finished;
    int finished_status;
    char *finished_message;
} captured;

static void on_open_model(UnrollRunsView *v, const char *json, gint64 id, captured *c)
{
    (void)v;
    c->open_count++;
    g_free(c->model_json);
    c->model_json = g_strdup(json);
    c->open_id = id;
}

/* What the window does: resume the run through the train worker. */
static void on_resume_run(UnrollRunsView *v, gint64 id, captured *c)
{
    (void)v;
    c->resume_count++;
    c->resume_id = id;
    if (!c->worker)
        return;
    unroll_train_options o;
    unroll_train_options_defaults(&o);
    o.db_path = db_path;
    o.device = "cpu";
    GError *error = NULL;
    CHECK(unroll_train_worker_resume(c->worker, id, &o, &error), "resume: %s",
          error ? error->message : "");
    g_clear_error(&error);
}

static void on_finished(UnrollTrainWorker *w, int status, const char *message, gint64 id,
                        captured *c)
{
    (void)w, (void)id;
    c->finished = TRUE;
    c->finished_status = status;
    c->finished_message = g_strdup(message);
}

typedef struct {
    UnrollRunsView *view;
    gint64 id;
    const char *status;
} status_wait;

static gboolean has_status(gpointer data)
{
    status_wait *w = data;
    return g_strcmp0(unroll_runs_view_get_status(w->view, w->id), w->status) == 0;
}

/* ---------------------------------------------------------------- tests */

static void test_list(UnrollRunsView *view, const gint64 *ids, guint n)
{
    CHECK(unroll_runs_view_get_error(view) == NULL, "error: %s", unroll_runs_view_get_error(view));
    CHECK(unroll_runs_view_get_n_shown(view) == n, "%u runs shown, not %u",
          unroll_runs_view_get_n_shown(view), n);
    for (guint i = 0; i < n; i++)
        CHECK(g_strcmp0(unroll_runs_view_get_status(view, ids[i]), "completed") == 0,
              "run %" G_GINT64_FORMAT " is %s", ids[i], unroll_runs_view_get_status(view, ids[i]));
    /* newest first by default */
    CHECK(unroll_runs_view_get_shown_id(view, 0) == ids[n - 1], "first shown %" G_GINT64_FORMAT,
          unroll_runs_view_get_shown_id(view, 0));
    CHECK(unroll_runs_view_sort_by(view, "started", TRUE), "sort by started");
    CHECK(unroll_runs_view_get_shown_id(view, 0) == ids[0], "oldest first: %" G_GINT64_FORMAT,
          unroll_runs_view_get_shown_id(view, 0));
    CHECK(unroll_runs_view_sort_by(view, "label", TRUE), "sort by label");
    CHECK(unroll_runs_view_get_shown_id(view, 0) == ids[0], "label adam-1 first: %" G_GINT64_FORMAT,
          unroll_runs_view_get_shown_id(view, 0));
    CHECK(!unroll_runs_view_sort_by(view, "colour", TRUE), "sorted by a column that is not there");
    /* best loss ascending: non-decreasing through the list */
    CHECK(unroll_runs_view_sort_by(view, "loss", TRUE), "sort by loss");
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    double prev = -1;
    for (guint i = 0; s && i < unroll_runs_view_get_n_shown(view); i++) {
        ur_run_row r = {0};
        if (ur_store_run_get(s, unroll_runs_view_get_shown_id(view, i), &r, &ctx) != UR_OK)
            continue;
        double best = -1;
        for (int k = 0; k < r.n_metrics; k++)
            if (strcmp(r.metric_names[k], "val_loss") == 0)
                best = r.best_values[k];
        CHECK(best >= prev, "sorted by loss: %g after %g", best, prev);
        prev = best;
        ur_run_row_clear(&r);
    }
    if (s)
        ur_store_close(s);
    unroll_runs_view_sort_by(view, "started", FALSE);

    /* search: label, model, dataset, status */
    unroll_runs_view_set_search(view, "parity");
    CHECK(unroll_runs_view_get_n_shown(view) == 1 &&
              unroll_runs_view_get_shown_id(view, 0) == ids[3],
          "search parity: %u shown", unroll_runs_view_get_n_shown(view));
    unroll_runs_view_set_search(view, "ADAM completed");
    CHECK(unroll_runs_view_get_n_shown(view) == 2, "search 'ADAM completed': %u shown",
          unroll_runs_view_get_n_shown(view));
    unroll_runs_view_set_search(view, "no such run");
    CHECK(unroll_runs_view_get_n_shown(view) == 0, "search nonsense: %u shown",
          unroll_runs_view_get_n_shown(view));
    unroll_runs_view_set_search(view, NULL);
    CHECK(unroll_runs_view_get_n_shown(view) == n, "search cleared: %u shown",
          unroll_runs_view_get_n_shown(view));

    /* This model only */
    unroll_runs_view_set_model_filter(view, "parity");
    CHECK(unroll_runs_view_get_n_shown(view) == n, "a model filter alone hides runs");
    unroll_runs_view_set_this_model_only(view, TRUE);
    CHECK(unroll_runs_view_get_n_shown(view) == 1, "this model only: %u shown",
          unroll_runs_view_get_n_shown(view));
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.this-model-only", NULL);
    CHECK(unroll_runs_view_get_n_shown(view) == n, "the toggle action did not show all: %u",
          unroll_runs_view_get_n_shown(view));
    unroll_runs_view_set_model_filter(view, NULL);
}

static void test_compare(UnrollRunsView *view, const gint64 *ids)
{
    select_ids(view, ids, 3);
    unroll_runs_view_set_differences_only(view, TRUE);
    char **rows = unroll_runs_view_get_hparam_rows(view);
    char *names = rows_names(rows);
    CHECK(g_strcmp0(names, "optimizer,seed") == 0, "differences only: %s", names);
    CHECK(rows_have(rows, "optimizer\tadam\tadam\trmsprop"), "optimizer row: %s",
          rows && rows[0] ? rows[0] : "");
    CHECK(rows_have(rows, "seed\t1\t2\t1"), "seed row");
    g_free(names);
    g_strfreev(rows);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.differences-only", NULL);
    rows = unroll_runs_view_get_hparam_rows(view);
    CHECK(g_strv_length(rows) > 5 && rows_have(rows, "batch_size\t32\t32\t32"),
          "all settings: %u rows", g_strv_length(rows));
    g_strfreev(rows);
    unroll_runs_view_set_differences_only(view, TRUE);

    rows = unroll_runs_view_get_metric_rows(view);
    CHECK(rows_have(rows, "loss (final)\t") && rows_have(rows, "val_loss (best)\t"),
          "metric rows");
    CHECK(!rows_have(rows, "batch_loss"), "batch_loss among the final/best metrics");
    g_strfreev(rows);
    rows = unroll_runs_view_get_layer_rows(view);
    CHECK(g_strv_length(rows) == 0, "the same model has %u layer differences",
          g_strv_length(rows));
    g_strfreev(rows);
    rows = unroll_runs_view_get_series_names(view);
    CHECK(g_strv_length(rows) == 6 && rows_have(rows, "adam-1 · loss") &&
              rows_have(rows, "adam-2 · val_loss") && rows_have(rows, "run "),
          "series: %u", g_strv_length(rows));
    g_strfreev(rows);

    /* another model: its layers differ */
    gint64 pair[] = {ids[0], ids[3]};
    select_ids(view, pair, 2);
    rows = unroll_runs_view_get_layer_rows(view);
    CHECK(rows_have(rows, "lstm\tparity\tchanged\tunits: 32 -> 8") &&
              rows_have(rows, "sequence\tparity\tremoved\t") &&
              rows_have(rows, "bits\tparity\tadded\tInput"),
          "layer rows: %s", rows && rows[0] ? rows[0] : "(none)");
    g_strfreev(rows);
    rows = unroll_runs_view_get_series_names(view);
    CHECK(rows_have(rows, "parity · accuracy") && rows_have(rows, "parity · val_accuracy"),
          "no accuracy curves");
    g_strfreev(rows);
}

static void test_open_and_label(UnrollRunsView *view, captured *c, const gint64 *ids)
{
    select_ids(view, &ids[3], 1);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.open-model", NULL);
    CHECK(c->open_count == 1 && c->open_id == ids[3], "open-model: %d, run %" G_GINT64_FORMAT,
          c->open_count, c->open_id);
    CHECK(c->model_json && strstr(c->model_json, "\"parity\""), "model json: %s", c->model_json);
    /* a completed run does not resume */
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.resume", NULL);
    CHECK(c->resume_count == 0, "a completed run resumed");

    /* Label: the dialog's entry, answered */
    select_ids(view, &ids[2], 1);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.label", NULL);
    GtkWidget *dialog = unroll_runs_view_get_dialog(view);
    CHECK(ADW_IS_MESSAGE_DIALOG(dialog), "no label dialog");
    if (ADW_IS_MESSAGE_DIALOG(dialog)) {
        GtkWidget *entry = adw_message_dialog_get_extra_child(ADW_MESSAGE_DIALOG(dialog));
        CHECK(GTK_IS_EDITABLE(entry), "no entry in the label dialog");
        gtk_editable_set_text(GTK_EDITABLE(entry), "  rms  ");
        adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "label");
        pump(100);
    }
    CHECK(g_strcmp0(unroll_runs_view_get_label(view, ids[2]), "rms") == 0, "label: %s",
          unroll_runs_view_get_label(view, ids[2]));
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    ur_run_row r = {0};
    CHECK(s && ur_store_run_get(s, ids[2], &r, &ctx) == UR_OK && g_strcmp0(r.label, "rms") == 0,
          "the store's label: %s", r.label);
    ur_run_row_clear(&r);
    if (s)
        ur_store_close(s);
    guint n_sel = 0;
    g_free(unroll_runs_view_get_selected_ids(view, &n_sel));
    CHECK(n_sel == 1, "the selection was lost on reload (%u)", n_sel);
}

static gboolean is_list_cell(GtkWidget *w, gconstpointer position)
{
    GtkListItem *li = g_object_get_data(G_OBJECT(w), "unroll-list-item");
    return li && gtk_widget_is_drawable(w) &&
           gtk_list_item_get_position(li) == GPOINTER_TO_UINT(position);
}

static gboolean is_label_text(GtkWidget *w, gconstpointer text)
{
    return GTK_IS_LABEL(w) && g_strcmp0(gtk_label_get_text(GTK_LABEL(w)), text) == 0;
}

static gboolean is_context_menu(GtkWidget *w, gconstpointer view)
{
    return GTK_IS_POPOVER_MENU(w) && gtk_widget_get_parent(w) == view;
}

/* A right click on a row that is not selected selects it alone and opens
 * the runs' menu there, with the actions the toolbar has. */
static void test_context_menu(UnrollRunsView *view, const gint64 *ids)
{
    select_ids(view, &ids[0], 1);
    GtkWidget *cv = find_type(GTK_WIDGET(view), GTK_TYPE_COLUMN_VIEW);
    GtkWidget *cell = cv ? find_under(cv, is_list_cell, GUINT_TO_POINTER(1)) : NULL;
    GtkWidget *menu = find_under(GTK_WIDGET(view), is_context_menu, view);
    CHECK(cv && cell && menu, "the list, the second row's cell and the menu");
    if (!cv || !cell || !menu)
        return;
    gint64 want = unroll_runs_view_get_shown_id(view, 1);
    graphene_point_t p;
    CHECK(gtk_widget_compute_point(cell, cv, &GRAPHENE_POINT_INIT(4, 4), &p), "the cell's place");
    GtkEventController *click = NULL;
    GListModel *controllers = gtk_widget_observe_controllers(cv);
    for (guint i = 0; i < g_list_model_get_n_items(controllers) && !click; i++) {
        GtkEventController *ec = g_list_model_get_item(controllers, i);
        if (GTK_IS_GESTURE_CLICK(ec) &&
            gtk_gesture_single_get_button(GTK_GESTURE_SINGLE(ec)) == GDK_BUTTON_SECONDARY)
            click = ec;
        g_object_unref(ec);
    }
    g_object_unref(controllers);
    CHECK(click != NULL, "a right-click gesture on the list");
    if (!click)
        return;
    g_signal_emit_by_name(click, "pressed", 1, (double)p.x, (double)p.y);
    pump(100);
    guint n = 0;
    g_autofree gint64 *sel = unroll_runs_view_get_selected_ids(view, &n);
    CHECK(n == 1 && sel[0] == want, "the right click selects run %lld alone (%u selected, first %lld)",
          (long long)want, n, n ? (long long)sel[0] : 0LL);
    CHECK(gtk_widget_get_visible(menu), "the context menu shows");
    GMenuModel *model = gtk_popover_menu_get_menu_model(GTK_POPOVER_MENU(menu));
    GString *actions = g_string_new(NULL);
    for (int i = 0; model && i < g_menu_model_get_n_items(model); i++) {
        GMenuModel *section = g_menu_model_get_item_link(model, i, G_MENU_LINK_SECTION);
        for (int k = 0; section && k < g_menu_model_get_n_items(section); k++) {
            char *action = NULL;
            g_menu_model_get_item_attribute(section, k, G_MENU_ATTRIBUTE_ACTION, "s", &action);
            g_string_append_printf(actions, "%s ", action);
            g_free(action);
        }
        g_clear_object(&section);
    }
    CHECK(g_str_equal(actions->str, "runs.open-model runs.resume runs.label runs.export-weights "
                                    "runs.export-weights runs.export-metrics runs.delete "),
          "the menu's actions: %s", actions->str);
    g_string_free(actions, TRUE);
    /* the menu is a surface of its own: its picture apart from the view's */
    screenshot(view, "runs-context-row");
    screenshot(menu, "runs-context-menu");
    gtk_popover_popdown(GTK_POPOVER(menu));
    pump(50);
}

static void test_delete(UnrollRunsView *view, gint64 id)
{
    guint before = unroll_runs_view_get_n_shown(view);
    select_ids(view, &id, 1);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.delete", NULL);
    GtkWidget *dialog = unroll_runs_view_get_dialog(view);
    CHECK(ADW_IS_MESSAGE_DIALOG(dialog), "no delete confirmation");
    if (!ADW_IS_MESSAGE_DIALOG(dialog))
        return;
    CHECK(adw_message_dialog_get_response_appearance(ADW_MESSAGE_DIALOG(dialog), "delete") ==
              ADW_RESPONSE_DESTRUCTIVE, "delete is not destructive");
    adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    pump(50);
    CHECK(unroll_runs_view_get_status(view, id) != NULL, "cancel deleted the run");
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.delete", NULL);
    dialog = unroll_runs_view_get_dialog(view);
    if (ADW_IS_MESSAGE_DIALOG(dialog))
        adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "delete");
    pump(100);
    CHECK(unroll_runs_view_get_status(view, id) == NULL, "the deleted run is still listed");
    CHECK(unroll_runs_view_get_n_shown(view) == before - 1, "%u shown after delete",
          unroll_runs_view_get_n_shown(view));
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    ur_run_row r = {0};
    CHECK(s && ur_store_run_get(s, id, &r, &ctx) != UR_OK, "the store still has the run");
    ur_run_row_clear(&r);
    if (s)
        ur_store_close(s);
}

static void test_export(UnrollRunsView *view, gint64 id)
{
    select_ids(view, &id, 1);
    GError *error = NULL;
    char *st_path = g_build_filename(tmp_dir, "last.safetensors", NULL);
    CHECK(unroll_runs_view_export_weights_to(view, st_path, FALSE, &error), "export: %s",
          error ? error->message : "");
    g_clear_error(&error);
    /* the same bytes as the store's last checkpoint, read back into the model */
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    ur_checkpoint cp = {0};
    void *weights = NULL, *state = NULL;
    CHECK(s && ur_store_checkpoint_get(s, id, UR_CHECKPOINT_LAST, 0, &cp, &weights, &state,
                                       &ctx) == UR_OK, "checkpoint: %s", ctx.message);
    if (s)
        ur_store_close(s);
    char *bytes = NULL;
    gsize len = 0;
    CHECK(g_file_get_contents(st_path, &bytes, &len, NULL) && len == cp.weights_len &&
              weights && memcmp(bytes, weights, len) == 0,
          "the exported file differs from the checkpoint");
    ur_graph *g = ur_model_file_read(adding_json, &ctx);
    ur_model *m = g ? ur_model_new(g, &ctx) : NULL;
    CHECK(m && ur_model_load_weights_bytes(m, bytes, len, st_path, &ctx) == UR_OK,
          "the model does not read the exported weights: %s", ctx.message);
    if (m)
        ur_model_free(m);
    g_free(bytes);
    free(weights);
    free(state);

    /* `unroll predict` reads them too */
    float xs[3 * 20 * 2];
    for (int i = 0; i < 3 * 20 * 2; i++)
        xs[i] = (float)((i * 7) % 10) / 10.0f;
    ur_tensor x = {.dtype = UR_F32, .rank = 3, .dim = {3, 20, 2}, .data = xs};
    char *x_path = g_build_filename(tmp_dir, "x.npy", NULL);
    char *y_path = g_build_filename(tmp_dir, "y.npy", NULL);
    CHECK(ur_npy_write(x_path, &x, &ctx) == UR_OK, "x.npy: %s", ctx.message);
    const char *args[] = {"predict", adding_json, "--weights", st_path, "--input", x_path,
                          "--output", y_path, NULL};
    char *out = run_unroll(args);
    CHECK(out && g_file_test(y_path, G_FILE_TEST_EXISTS), "predict with the exported weights");
    g_free(out);

    char *npz_path = g_build_filename(tmp_dir, "best.npz", NULL);
    CHECK(unroll_runs_view_export_weights_to(view, npz_path, TRUE, &error), "export npz: %s",
          error ? error->message : "");
    g_clear_error(&error);
    ur_npz *z = ur_npz_read(npz_path, UR_NPY_ANY, &ctx);
    ur_array *k = z ? ur_npz_get(z, "lstm/kernel") : NULL;
    CHECK(k && k->t.rank == 2 && k->t.dim[0] == 2 && k->t.dim[1] == 128,
          "the npz has no lstm/kernel (2, 128): %s", ctx.message);
    if (z)
        ur_npz_free(z);

    /* metrics: the CLI's CSV */
    char *csv_path = g_build_filename(tmp_dir, "metrics.csv", NULL);
    CHECK(unroll_runs_view_export_metrics_to(view, csv_path, &error), "export metrics: %s",
          error ? error->message : "");
    g_clear_error(&error);
    char *id_text = g_strdup_printf("%" G_GINT64_FORMAT, id);
    const char *margs[] = {"runs", "metrics", id_text, "--db", db_path, "--format", "csv", NULL};
    char *cli = run_unroll(margs);
    char *mine = NULL;
    CHECK(g_file_get_contents(csv_path, &mine, NULL, NULL) && cli && strcmp(mine, cli) == 0 &&
              g_str_has_prefix(mine, "name,step,epoch,value,wall_time\n"),
          "the exported CSV differs from `unroll runs metrics`");
    g_free(mine);
    g_free(cli);
    g_free(id_text);
    g_free(csv_path);
    g_free(npz_path);
    g_free(x_path);
    g_free(y_path);
    g_free(st_path);
}

/* The visible GTK file chooser dialog (GtkFileChooserNative shows GTK's own
 * where no desktop portal answers, as under Xvfb), or NULL. */
static gpointer find_chooser(void)
{
    gpointer found = NULL;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (GTK_IS_FILE_CHOOSER_DIALOG(l->data) && gtk_widget_get_visible(l->data))
            found = l->data;
    g_list_free(tops);
    return found;
}

static gboolean has_chooser(gpointer unused)
{
    (void)unused;
    return find_chooser() != NULL;
}

static gboolean is_file(gpointer path) { return g_file_test(path, G_FILE_TEST_IS_REGULAR); }

/* Export Best Weights and Export Metrics through their file choosers. */
static void test_export_choosers(UnrollRunsView *view, gint64 id)
{
    select_ids(view, &id, 1);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.export-weights", "s", "best");
    if (!pump_until(has_chooser, NULL, 3000)) {
        g_printerr("no GTK file chooser dialog (a portal?): the export choosers not driven\n");
        return;
    }
    GtkDialog *dialog = find_chooser();
    char *want = g_strdup_printf("run-%" G_GINT64_FORMAT "-best.safetensors", id);
    const char *name = gtk_file_chooser_get_current_name(GTK_FILE_CHOOSER(dialog));
    CHECK(g_strcmp0(name, want) == 0, "the proposed name: %s", name);
    g_free(want);
    /* the chooser opens in the working directory: the test's folder (main) */
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), "chosen");
    pump(300); /* the chooser loads its folder */
    gtk_dialog_response(dialog, GTK_RESPONSE_ACCEPT);
    char *path = g_build_filename(tmp_dir, "chosen.safetensors", NULL);
    CHECK(pump_until(is_file, path, 3000), "Export Best Weights wrote no %s", path);
    ur_ctx ctx = {0};
    ur_safetensors *st = ur_safetensors_read(path, &ctx);
    CHECK(st && ur_safetensors_get(st, "lstm/kernel"), "chosen.safetensors: %s", ctx.message);
    if (st)
        ur_safetensors_free(st);
    g_free(path);

    gtk_widget_activate_action(GTK_WIDGET(view), "runs.export-metrics", NULL);
    if (pump_until(has_chooser, NULL, 3000)) {
        dialog = find_chooser();
        gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), "chosen.csv");
        pump(300);
        gtk_dialog_response(dialog, GTK_RESPONSE_ACCEPT);
        path = g_build_filename(tmp_dir, "chosen.csv", NULL);
        CHECK(pump_until(is_file, path, 3000), "Export Metrics wrote no %s", path);
        char *csv = NULL;
        CHECK(g_file_get_contents(path, &csv, NULL, NULL) &&
                  g_str_has_prefix(csv, "name,step,epoch,value,wall_time\n"),
              "chosen.csv is not the metrics CSV");
        g_free(csv);
        g_free(path);
    }
    /* a cancelled chooser writes nothing */
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.export-weights", "s", "last");
    if (pump_until(has_chooser, NULL, 3000)) {
        gtk_dialog_response(find_chooser(), GTK_RESPONSE_CANCEL);
        pump(50);
        path = g_build_filename(tmp_dir, "run-1-last.safetensors", NULL);
        CHECK(!g_file_test(path, G_FILE_TEST_EXISTS), "a cancelled export wrote a file");
        g_free(path);
    }
}

/* Starts a long `unroll train`, waits for its first checkpoint, kills it. */
static gint64 killed_run(const char *label)
{
    const char *argv[] = {unroll_exe, "train", adding_json, "--data", ADDING, "--loss", "mse",
                          "--epochs", "400", "--seed", "7", "--db", db_path, "--threads", "1",
                          "--checkpoint-every", "0", "--label", label, NULL};
    GPid pid = 0;
    GError *error = NULL;
    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &pid, &error)) {
        CHECK(FALSE, "spawn: %s", error->message);
        g_error_free(error);
        return 0;
    }
    gint64 id = 0, end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        g_usleep(50000);
        ur_ctx ctx = {0};
        ur_store *s = ur_store_open_readonly(db_path, &ctx);
        if (!s)
            continue;
        ur_run_row *rows = NULL;
        int n = 0;
        char *where = g_strdup_printf("label = '%s'", label);
        ur_status listed = ur_store_runs_list(s, where, NULL, 1, &rows, &n, &ctx);
        g_free(where);
        if (listed == UR_OK &&
            n == 1 && rows[0].epochs_done >= 2) {
            ur_checkpoint cp = {0};
            void *w = NULL, *st = NULL;
            if (ur_store_checkpoint_get(s, rows[0].id, UR_CHECKPOINT_LAST, 0, &cp, &w, &st,
                                        &ctx) == UR_OK)
                id = rows[0].id;
            free(w);
            free(st);
        }
        ur_run_rows_free(rows, n);
        ur_store_close(s);
        if (id)
            break;
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    CHECK(id > 0, "the long run wrote no checkpoint within a minute");
    return id;
}

static void test_interrupted(UnrollRunsView *view, captured *c)
{
    gint64 id = killed_run("killed");
    if (!id)
        return;
    unroll_runs_view_reload(view);
    CHECK(g_strcmp0(unroll_runs_view_get_status(view, id), "interrupted") == 0,
          "the killed run is %s", unroll_runs_view_get_status(view, id));
    select_ids(view, &id, 1);
    c->worker = unroll_train_worker_new();
    g_signal_connect(c->worker, "finished", G_CALLBACK(on_finished), c);
    gtk_widget_activate_action(GTK_WIDGET(view), "runs.resume", NULL);
    CHECK(c->resume_count == 1 && c->resume_id == id, "resume-run: %d, %" G_GINT64_FORMAT,
          c->resume_count, c->resume_id);
    /* the view's poll sees it running, then completed */
    status_wait w = {view, id, "running"};
    CHECK(pump_until(has_status, &w, 10000), "the resumed run is %s, not running",
          unroll_runs_view_get_status(view, id));
    w.status = "completed";
    CHECK(pump_until(has_status, &w, 120000), "the resumed run is %s, not completed (%s)",
          unroll_runs_view_get_status(view, id),
          c->finished_message ? c->finished_message : "no message");
    unroll_train_worker_wait(c->worker);
    CHECK(c->finished && c->finished_status == UR_RUN_COMPLETED, "worker finished %d: %s",
          c->finished_status, c->finished_message ? c->finished_message : "");
    g_clear_object(&c->worker);
    /* every epoch recorded once */
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    ur_run_row r = {0};
    CHECK(s && ur_store_run_get(s, id, &r, &ctx) == UR_OK && r.epochs_done == 400,
          "the resumed run has %d epochs", r.epochs_done);
    ur_run_row_clear(&r);
    if (s)
        ur_store_close(s);
    /* its history says what happened, in words and order */
    unroll_runs_view_reload(view);
    pump(300);
    select_ids(view, &id, 1);
    char **events = unroll_runs_view_get_event_rows(view);
    g_autofree char *joined = events ? g_strjoinv(" | ", events) : g_strdup("(none)");
    int interrupted = -1, resumed = -1;
    for (int i = 0; events && events[i]; i++) {
        if (strstr(events[i], "\tInterrupted") && interrupted < 0)
            interrupted = i;
        if (strstr(events[i], "\tResumed (was interrupted)"))
            resumed = i;
    }
    CHECK(interrupted >= 0 && resumed > interrupted, "the history: %s", joined);
    CHECK(resumed < 0 || g_str_has_prefix(events[resumed], "killed\tstep "),
          "the resume names the run and its step: %s", resumed >= 0 ? events[resumed] : "");
    g_strfreev(events);
    /* the picture with the history in sight */
    GtkWidget *heading = find_under(GTK_WIDGET(view), is_label_text, "History");
    GtkWidget *scroll = heading ? gtk_widget_get_ancestor(heading, GTK_TYPE_SCROLLED_WINDOW) : NULL;
    CHECK(scroll != NULL, "the History section");
    if (scroll) {
        GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(GTK_SCROLLED_WINDOW(scroll));
        gtk_adjustment_set_value(adj, gtk_adjustment_get_upper(adj));
    }
    screenshot(view, "runs-history");
}

static void test_bad_store(void)
{
    char *bad = g_build_filename(tmp_dir, "not-a-store.db", NULL);
    g_file_set_contents(bad, "this is not SQLite, just text that is long enough to look", -1,
                        NULL);
    GtkWidget *v = unroll_runs_view_new();
    g_object_ref_sink(v);
    unroll_runs_view_set_store(UNROLL_RUNS_VIEW(v), bad);
    CHECK(unroll_runs_view_get_error(UNROLL_RUNS_VIEW(v)) != NULL, "a text file read as a store");
    CHECK(unroll_runs_view_get_n_shown(UNROLL_RUNS_VIEW(v)) == 0, "runs from a text file");
    char *missing = g_build_filename(tmp_dir, "missing", "none.db", NULL);
    unroll_runs_view_set_store(UNROLL_RUNS_VIEW(v), missing);
    CHECK(unroll_runs_view_get_error(UNROLL_RUNS_VIEW(v)) == NULL, "a missing store is an error");
    CHECK(!g_file_test(missing, G_FILE_TEST_EXISTS), "looking created the store");
    GError *error = NULL;
    CHECK(!unroll_runs_view_export_metrics_to(UNROLL_RUNS_VIEW(v), bad, &error) && error,
          "exported with nothing selected");
    g_clear_error(&error);
    g_object_unref(v);
    g_free(missing);
    g_free(bad);
}

static void write_parity_model(void)
{
    parity_json = g_build_filename(tmp_dir, "parity.json", NULL);
    const char *json = "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"parity\",\n"
                       " \"layers\": [\n"
                       "  {\"name\": \"bits\", \"class\": \"Input\", \"shape\": [null, 1]},\n"
                       "  {\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 8},\n"
                       "  {\"name\": \"odd\", \"class\": \"Dense\", \"units\": 1,"
                       " \"activation\": \"sigmoid\"}],\n"
                       " \"outputs\": [\"odd\"]}\n";
    g_file_set_contents(parity_json, json, -1, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        g_printerr("usage: runs-view-test UNROLL\n");
        return 1;
    }
    unroll_exe = g_canonicalize_filename(argv[1], NULL); /* before the chdir below */
    /* what g_application_run() would set; the file chooser records recent files under it */
    g_set_prgname("unroll");
    if (!gtk_init_check()) {
        g_printerr("runs-view-test: no display: skipped\n");
        return 77;
    }
    adw_init();
    g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, NULL);
    tmp_dir = g_dir_make_tmp("unroll-runs-view-XXXXXX", NULL);
    /* where the export choosers open: nothing lands in the build tree */
    if (!tmp_dir || g_chdir(tmp_dir) != 0) {
        g_printerr("runs-view-test: no temporary folder\n");
        return 1;
    }
    db_path = g_build_filename(tmp_dir, "runs.db", NULL);
    const char *datadir = g_getenv("UNROLL_DATADIR");
    adding_json = g_build_filename(datadir ? datadir : "data", "examples", "adding.json", NULL);
    write_parity_model();

    test_bad_store();

    gint64 ids[5];
    ids[0] = train(adding_json, ADDING, "mse", "1", "adam", "6", "adam-1", NULL);
    ids[1] = train(adding_json, ADDING, "mse", "2", "adam", "6", "adam-2", NULL);
    ids[2] = train(adding_json, ADDING, "mse", "1", "rmsprop", "6", NULL, NULL);
    ids[3] = train(parity_json, PARITY, "binary_crossentropy", "1", "adam", "6", "parity",
                   "accuracy");
    ids[4] = train(adding_json, ADDING, "mse", "5", "sgd", "1", "doomed", NULL);
    if (failures) {
        g_printerr("runs-view-test: could not train the runs\n");
        return 1;
    }

    GtkWidget *widget = unroll_runs_view_new();
    UnrollRunsView *view = UNROLL_RUNS_VIEW(widget);
    captured c = {0};
    g_signal_connect(view, "open-model", G_CALLBACK(on_open_model), &c);
    g_signal_connect(view, "resume-run", G_CALLBACK(on_resume_run), &c);
    GtkWidget *win = show_in_window(widget, 1280, 860);
    unroll_runs_view_set_store(view, db_path);
    CHECK(g_strcmp0(unroll_runs_view_get_store(view), db_path) == 0, "store path");

    test_list(view, ids, 5);
    test_delete(view, ids[4]);
    test_compare(view, ids);
    test_open_and_label(view, &c, ids);
    test_context_menu(view, ids);
    test_export(view, ids[0]);
    test_export_choosers(view, ids[0]);
    test_interrupted(view, &c);

    /* a run left interrupted and one that diverged, for the pictures too */
    gint64 crashed = killed_run("crashed");
    const char *nan_args[] = {"train", adding_json, "--data", ADDING, "--loss", "mse",
                              "--optimizer", "sgd", "--lr", "1e6", "--epochs", "2", "--db",
                              db_path, "--threads", "1", "--label", "diverged", NULL};
    g_free(run_unroll_status(nan_args, TRUE));
    unroll_runs_view_reload(view);
    CHECK(g_strcmp0(unroll_runs_view_get_status(view, crashed), "interrupted") == 0,
          "crashed: %s", unroll_runs_view_get_status(view, crashed));
    unroll_runs_view_set_search(view, "diverged failed");
    CHECK(unroll_runs_view_get_n_shown(view) == 1, "no failed run 'diverged' (%u shown)",
          unroll_runs_view_get_n_shown(view));
    unroll_runs_view_set_search(view, NULL);

    /* screenshots (once the toasts are gone): one run; three compared
     * (differences only); dark */
    pump(5500);
    unroll_runs_view_sort_by(view, "started", FALSE);
    select_ids(view, &ids[3], 1);
    char **rows = unroll_runs_view_get_hparam_rows(view);
    CHECK(g_strv_length(rows) > 5, "one run with differences only shows %u settings",
          g_strv_length(rows));
    g_strfreev(rows);
    screenshot_unfocused(win, "runs");
    gint64 three[] = {ids[0], ids[1], ids[2]};
    select_ids(view, three, 3);
    unroll_runs_view_set_differences_only(view, TRUE);
    screenshot_unfocused(win, "runs-compare");
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                       ADW_COLOR_SCHEME_FORCE_DARK);
    pump(100);
    screenshot_unfocused(win, "runs-dark");
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                       ADW_COLOR_SCHEME_FORCE_LIGHT);

    gtk_window_destroy(GTK_WINDOW(win));
    pump(50);
    g_free(c.model_json);
    g_free(c.finished_message);
    if (failures) {
        g_printerr("runs-view-test: %d failure(s); store kept in %s\n", failures, tmp_dir);
        return 1;
    }
    char *rm[] = {"rm", "-rf", tmp_dir, NULL};
    g_spawn_sync(NULL, rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_print("runs-view-test: ok\n");
    return 0;
}
