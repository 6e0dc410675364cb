/* training-test.c — the Train page under a display (suite 'ui'): the loss
 * defaults, the dataset fit check in words (built-ins and imported .npz
 * files), a short synthetic run started with win.train whose chart series
 * grow, win.pause, a learning-rate change while paused, resume and win.stop
 * with the store's status and events following, settings remembered per
 * model, the view switcher's actions, a failed run's message and its resume
 * from the runs view, Open Model, closing the window while training, and
 * screenshots (training.png, training-paused.png, training-dark.png,
 * training-error.png, dataset-mnist.png) in $UNROLL_SCREENSHOT_DIR. The
 * store is a temporary one ($UNROLL_DB). */
#include "ui-test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "application.h"
#include "runs-view.h"
#include "templates.h"
#include "training-view.h"
#include "window.h"

#include "json.h"
#include "npy.h"

static char *tmp_dir;
static char *db_path;

static void activate(UnrollWindow *win, const char *name, GVariant *param)
{
    g_action_group_activate_action(G_ACTION_GROUP(win), name, param);
    pump(20);
}

static UnrollTrainingView *view_of(UnrollWindow *win)
{
    return unroll_window_get_training_view(win);
}

static UnrollTrainWorker *worker_of(UnrollWindow *win)
{
    return unroll_training_view_get_worker(view_of(win));
}

static gboolean dataset_ready(gpointer win)
{
    return !unroll_dataset_view_is_loading(unroll_training_view_get_dataset_view(view_of(win)));
}

static void settings(UnrollWindow *win, const char *json)
{
    g_autoptr(GError) error = NULL;
    CHECK(unroll_training_view_apply_settings_json(view_of(win), json, &error), "settings %s: %s",
          json, error ? error->message : "");
    CHECK(pump_until(dataset_ready, win, 20000), "the dataset loads");
    pump(50);
}

/* A model from JSON text as the window's document; FALSE after a failed
 * check. */
static gboolean open_model_json(UnrollWindow *win, const char *json, const char *what)
{
    ur_ctx ctx = {0};
    g_autoptr(GError) error = NULL;
    ur_value *v = ur_json_parse(json, strlen(json), what, &ctx);
    g_autoptr(UnrollDocument) doc = v ? unroll_document_new_from_value(v, &error) : NULL;
    ur_value_free(v);
    CHECK(doc != NULL, "%s: %s", what, error ? error->message : ctx.message);
    if (doc)
        unroll_window_set_document(win, doc);
    return doc != NULL;
}

static void load_template(UnrollWindow *win, const char *file)
{
    g_autoptr(GError) error = NULL;
    CHECK(unroll_window_load_template(win, file, &error), "template %s: %s", file,
          error ? error->message : "");
    pump(50);
}

static size_t chart_points(UnrollWindow *win, const char *chart, int series)
{
    UnrollChart *c = unroll_training_view_get_chart(view_of(win), chart);
    return c ? unroll_chart_series_count_points(c, series) : 0;
}

typedef struct wait_points {
    UnrollWindow *win;
    const char *chart;
    int series;
    size_t n;
} wait_points;

static gboolean has_points(gpointer data)
{
    wait_points *w = data;
    return chart_points(w->win, w->chart, w->series) >= w->n ||
           !unroll_train_worker_is_busy(worker_of(w->win));
}

static gboolean is_paused(gpointer win)
{
    return g_strcmp0(unroll_training_view_get_status_text(view_of(win)), "Paused") == 0;
}

static gboolean is_done(gpointer win)
{
    UnrollTrainState s = unroll_train_worker_get_state(worker_of(win));
    return s == UNROLL_TRAIN_FINISHED || s == UNROLL_TRAIN_FAILED;
}

/* The page shows how the last run ended. */
static gboolean page_settled(gpointer win)
{
    const char *s = unroll_training_view_get_status_text(view_of(win));
    return g_strcmp0(s, "Failed") == 0 || g_strcmp0(s, "Finished") == 0 ||
           g_strcmp0(s, "Stopped") == 0;
}

static gboolean is_training(gpointer win)
{
    unroll_train_progress p;
    unroll_train_worker_get_progress(worker_of(win), &p);
    return unroll_train_worker_get_state(worker_of(win)) == UNROLL_TRAIN_RUNNING && p.steps > 0;
}

static gboolean worker_done(gpointer worker)
{
    return !unroll_train_worker_is_busy(worker);
}

static gboolean is_mapped(gpointer w) { return gtk_widget_get_mapped(GTK_WIDGET(w)); }

static void store_run(gint64 id, ur_run_row *row, ur_run_event **events, int *n_events)
{
    ur_ctx ctx = {0};
    memset(row, 0, sizeof *row);
    *events = NULL;
    *n_events = 0;
    ur_store *s = ur_store_open_readonly(db_path, &ctx);
    CHECK(s != NULL, "store: %s", ctx.message);
    if (!s)
        return;
    CHECK(ur_store_run_get(s, id, row, &ctx) == UR_OK, "run %lld: %s", (long long)id, ctx.message);
    CHECK(ur_store_events(s, id, events, n_events, &ctx) == UR_OK, "events: %s", ctx.message);
    ur_store_close(s);
}

static AdwMessageDialog *find_dialog(GtkWindow *win)
{
    return find_toplevel(ADW_TYPE_MESSAGE_DIALOG, win);
}

static gboolean has_dialog(gpointer win) { return find_dialog(win) != NULL; }

static gboolean has_class(GtkWidget *w, gconstpointer css_class)
{
    return gtk_widget_has_css_class(w, css_class);
}

static gboolean has_tooltip(GtkWidget *w, gconstpointer tip)
{
    return g_strcmp0(gtk_widget_get_tooltip_text(w), tip) == 0;
}

static gboolean is_row_titled(GtkWidget *w, gconstpointer title)
{
    return ADW_IS_PREFERENCES_ROW(w) &&
           g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(w)), title) == 0;
}

static gboolean is_label_for(GtkWidget *w, gconstpointer text)
{
    return GTK_IS_LABEL(w) && g_strcmp0(gtk_label_get_text(GTK_LABEL(w)), text) == 0 &&
           gtk_label_get_mnemonic_widget(GTK_LABEL(w));
}

/* The widget a label names (its mnemonic widget), searched under root. */
static GtkWidget *labelled(GtkWidget *root, const char *text)
{
    GtkWidget *label = find_under(root, is_label_for, text);
    return label ? gtk_label_get_mnemonic_widget(GTK_LABEL(label)) : NULL;
}

/* ------------------------------------------------------------- the tests */

/* The loss a model and its targets call for. */
static void test_default_loss(void)
{
    static const struct {
        const char *model, *data;
        ur_loss_kind kind;
        gboolean logits, accuracy;
    } cases[] = {
        /* logits Dense(10) and class numbers */
        {"{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [28, 28]},"
         "{\"class\": \"LSTM\", \"units\": 4}, {\"class\": \"Dense\", \"units\": 10}]}",
         "mnist", UR_LOSS_SPARSE_CATEGORICAL_CE, TRUE, TRUE},
        {"{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [28, 28]},"
         "{\"class\": \"LSTM\", \"units\": 4}, {\"class\": \"Dense\", \"units\": 10,"
         " \"activation\": \"softmax\"}]}",
         "mnist", UR_LOSS_SPARSE_CATEGORICAL_CE, FALSE, TRUE},
        /* one sigmoid unit and 0/1 targets */
        {"{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 1]},"
         "{\"class\": \"GRU\", \"units\": 4}, {\"class\": \"Dense\", \"units\": 1,"
         " \"activation\": \"sigmoid\"}]}",
         "synthetic:parity?n=64", UR_LOSS_BINARY_CE, FALSE, TRUE},
        {"{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 1]},"
         "{\"class\": \"GRU\", \"units\": 4}, {\"class\": \"Dense\", \"units\": 1}]}",
         "synthetic:parity?n=64", UR_LOSS_BINARY_CE, TRUE, TRUE},
        /* regression */
        {"{\"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 2]},"
         "{\"class\": \"LSTM\", \"units\": 4}, {\"class\": \"Dense\", \"units\": 1}]}",
         "synthetic:adding?n=64", UR_LOSS_MSE, FALSE, FALSE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        ur_ctx ctx = {0};
        ur_value *doc = ur_json_parse(cases[i].model, strlen(cases[i].model), "case", &ctx);
        ur_graph *g = doc ? ur_graph_from_value(doc, &ctx) : NULL;
        ur_value_free(doc);
        ur_dataset *ds = ur_dataset_open(cases[i].data, 0, &ctx);
        CHECK(g && ds, "case %zu: %s", i, ctx.message);
        if (!g || !ds) {
            if (g)
                ur_graph_free(g);
            if (ds)
                ur_dataset_free(ds);
            continue;
        }
        ur_loss loss;
        gboolean acc;
        unroll_training_default_loss(g, ds, &loss, &acc);
        CHECK(loss.kind == cases[i].kind && loss.from_logits == cases[i].logits &&
                  acc == cases[i].accuracy,
              "case %zu: %s from_logits %d accuracy %d", i, ur_loss_name(loss.kind),
              loss.from_logits, acc);
        char *why = NULL;
        CHECK(unroll_dataset_check_fit(g, ds, &why), "case %zu fits: %s", i, why ? why : "");
        g_free(why);
        ur_graph_free(g);
        ur_dataset_free(ds);
    }
}

/* MNIST's template against the adding problem: explained, and Train is off. */
static void test_fit_check(UnrollWindow *win)
{
    load_template(win, "mnist-rows.json");
    settings(win, "{\"dataset\": \"synthetic:adding?n=64\"}");
    const char *blocker = unroll_training_view_get_blocker(view_of(win));
    CHECK(blocker && strstr(blocker, "The model’s input ‘pixels’ takes (None, 28, 28); this "
                                      "dataset’s x is (N, 50, 2)."),
          "the misfit in words: %s", blocker ? blocker : "(none)");
    activate(win, "train", NULL);
    CHECK(!unroll_train_worker_is_busy(worker_of(win)), "a misfit does not train");
    const char *toast = unroll_window_get_last_toast(win);
    CHECK(toast && strstr(toast, "takes (None, 28, 28)"), "the toast says why: %s",
          toast ? toast : "(none)");
    settings(win, "{\"dataset\": \"mnist\"}");
    CHECK(unroll_training_view_get_blocker(view_of(win)) == NULL, "MNIST fits: %s",
          unroll_training_view_get_blocker(view_of(win)));
    const char *why = NULL;
    CHECK(unroll_dataset_view_get_fits(unroll_training_view_get_dataset_view(view_of(win)), &why) &&
              why && strstr(why, "input ‘pixels’"),
          "what maps to what: %s", why ? why : "(none)");
    g_autoptr(GError) error = NULL;
    CHECK(!unroll_training_view_apply_settings_json(view_of(win), "{\"epochs\": -2}", &error) &&
              error && strstr(error->message, "epochs"),
          "a bad setting is refused: %s", error ? error->message : "(accepted)");
    g_clear_error(&error);
    CHECK(!unroll_training_view_apply_settings_json(view_of(win), "{\"optimiser\": \"adam\"}",
                                                    &error) && error &&
              strstr(error->message, "optimiser"),
          "an unknown key is refused");
}

/* An .npz of n sequences (T, features) with class labels y: i % (max_class
 * + 1), or labels[i] when given. */
static char *write_npz_labels(const char *name, int64_t n, int64_t T, int64_t features,
                              int max_class, const int *labels)
{
    int64_t xd[3] = {n, T, features}, yd[1] = {n};
    ur_array *x = ur_array_new(UR_F32, 3, xd, "x"), *y = ur_array_new(UR_I32, 1, yd, "y");
    for (int64_t i = 0; i < ur_tensor_numel(&x->t); i++)
        ur_tensor_f32(&x->t)[i] = (float)((i * 37) % 101) / 101.0f;
    for (int64_t i = 0; i < n; i++)
        ur_tensor_i32(&y->t)[i] = labels ? labels[i] : (int32_t)(i % (max_class + 1));
    char *path = g_build_filename(tmp_dir, name, NULL);
    const ur_tensor *arrays[] = {&x->t, &y->t};
    const char *names[] = {"x", "y"};
    ur_ctx ctx = {0};
    CHECK(ur_npz_write(path, 2, arrays, names, &ctx) == UR_OK, "npz: %s", ctx.message);
    ur_array_free(x);
    ur_array_free(y);
    return path;
}

static char *write_npz(const char *name, int64_t n, int64_t T, int64_t features, int max_class)
{
    return write_npz_labels(name, n, T, features, max_class, NULL);
}

static gboolean has_chooser(gpointer unused)
{
    return find_toplevel(GTK_TYPE_FILE_CHOOSER_DIALOG, NULL) != NULL;
}

static gboolean chooser_has_file(gpointer dialog)
{
    g_autoptr(GFile) f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    return f != NULL;
}

static gboolean loaded_spec(gpointer data)
{
    gpointer *args = data;
    UnrollDatasetView *dv = args[0];
    return !unroll_dataset_view_is_loading(dv) &&
           g_strcmp0(unroll_dataset_view_get_spec(dv), args[1]) == 0;
}

/* The height in pixels of the bar-coloured run at column x, from the bottom
 * of the image up (the balance bars are blue: blue well above red). */
static int bar_height(cairo_surface_t *img, int x)
{
    int stride = cairo_image_surface_get_stride(img), h = cairo_image_surface_get_height(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    int top = -1, bottom = -1;
    for (int y = 0; y < h; y++) {
        uint32_t px = *(const uint32_t *)(d + y * stride + 4 * x);
        int r = (px >> 16) & 0xff, b = px & 0xff;
        if (b - r > 90) {
            if (top < 0)
                top = y;
            bottom = y;
        }
    }
    return top < 0 ? 0 : bottom - top + 1;
}

/* Import through the dataset's chooser (GTK's own dialog under Xvfb): an
 * .npz with 20, 10, 5 and 5 samples of classes 0-3 loads, and the balance
 * bars are drawn in those proportions. */
static void test_import_and_balance(UnrollWindow *win)
{
    int labels[40];
    for (int i = 0; i < 40; i++)
        labels[i] = i < 20 ? 0 : i < 30 ? 1 : i < 35 ? 2 : 3;
    g_autofree char *path = write_npz_labels("skewed.npz", 40, 12, 3, 3, labels);
    UnrollDatasetView *dv = unroll_training_view_get_dataset_view(view_of(win));
    GtkWidget *import = find_under(GTK_WIDGET(dv), has_tooltip, "Import a NumPy .npz or CSV File");
    CHECK(import != NULL, "the import button");
    if (!import)
        return;
    g_signal_emit_by_name(import, "clicked");
    if (!pump_until(has_chooser, NULL, 3000)) {
        g_printerr("no GTK file chooser dialog (a portal?): the import dialog not driven\n");
        return;
    }
    GtkWidget *dialog = find_toplevel(GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);
    CHECK(g_strcmp0(gtk_window_get_title(GTK_WINDOW(dialog)), "Import a Dataset") == 0,
          "the chooser: %s", gtk_window_get_title(GTK_WINDOW(dialog)));
    g_autoptr(GFile) file = g_file_new_for_path(path);
    CHECK(gtk_file_chooser_set_file(GTK_FILE_CHOOSER(dialog), file, NULL), "choose %s", path);
    /* the folder loads first; then the file is selected */
    CHECK(pump_until(chooser_has_file, dialog, 5000), "the chooser selects %s", path);
    gtk_dialog_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    gpointer args[2] = {dv, path};
    CHECK(pump_until(loaded_spec, args, 20000), "the chosen file loads: spec %s",
          unroll_dataset_view_get_spec(dv));
    CHECK(unroll_dataset_view_get_dataset(dv) != NULL, "loaded: %s",
          unroll_dataset_view_get_error(dv) ? unroll_dataset_view_get_error(dv) : "");
    int n = 0;
    const gint64 *counts = unroll_dataset_view_get_class_counts(dv, &n);
    CHECK(n == 4 && counts && counts[0] == 20 && counts[1] == 10 && counts[2] == 5 &&
              counts[3] == 5,
          "class counts: %d classes", n);
    GtkWidget *row = find_under(GTK_WIDGET(dv), is_row_titled, "Class balance");
    CHECK(row && gtk_widget_is_drawable(row), "the class balance shows");
    CHECK(row && g_strcmp0(adw_action_row_get_subtitle(ADW_ACTION_ROW(row)), "4 classes") == 0,
          "balance subtitle: %s", row ? adw_action_row_get_subtitle(ADW_ACTION_ROW(row)) : "");
    GtkWidget *area = row ? find_type(row, GTK_TYPE_DRAWING_AREA) : NULL;
    CHECK(area != NULL, "the balance bars");
    if (!area || n != 4)
        return;
    pump(100);
    wait_for_paint(area);
    cairo_surface_t *img = render(area, "balance");
    int width = cairo_image_surface_get_width(img);
    int h[4];
    for (int c = 0; c < 4; c++)
        h[c] = bar_height(img, (int)((c + 0.5) * width / 4));
    CHECK(h[0] > 20, "the tallest bar is %d px", h[0]);
    for (int c = 1; c < 4; c++)
        CHECK(abs(h[c] * 20 - h[0] * (int)counts[c]) <= 2 * 20,
              "bar %d is %d px, the tallest %d: want %lld/20 of it", c, h[c], h[0],
              (long long)counts[c]);
    cairo_surface_destroy(img);
    screenshot(gtk_widget_get_ancestor(GTK_WIDGET(dv), GTK_TYPE_SCROLLED_WINDOW), "dataset-npz");
}

static gboolean is_check_named(GtkWidget *w, gconstpointer name)
{
    return GTK_IS_CHECK_BUTTON(w) && g_strcmp0(gtk_widget_get_name(w), name) == 0;
}

static GtkWidget *row_spin(GtkWidget *root, const char *title)
{
    GtkWidget *row = find_under(root, is_row_titled, title);
    return row ? find_type(row, GTK_TYPE_SPIN_BUTTON) : NULL;
}

/* The x shape of the loaded dataset: (N, T, F) into t and f (0 when none). */
static void x_shape(UnrollDatasetView *dv, int64_t *t, int64_t *f)
{
    const ur_dataset *ds = unroll_dataset_view_get_dataset(dv);
    *t = ds ? ds->train.x[0]->t.dim[1] : 0;
    *f = ds ? ds->train.x[0]->t.dim[2] : 0;
}

/* A CSV series: its windowing rows over the file's columns; the target, a
 * feature, the window and the validation part changed through them rewrite
 * the spec, and the data follows until it fits a two-feature model. */
static void test_csv_series(UnrollWindow *win)
{
    static const char *const model =
        "{\"name\": \"two_features\", \"layers\": ["
        "{\"name\": \"hours\", \"class\": \"Input\", \"shape\": [null, 2]},"
        "{\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 8},"
        "{\"name\": \"next\", \"class\": \"Dense\", \"units\": 1}]}";
    if (!open_model_json(win, model, "csv model"))
        return;
    g_autofree char *csv = g_build_filename(g_getenv("UNROLL_DATADIR"), "examples", "weather.csv",
                                            NULL);
    g_autofree char *json = g_strdup_printf("{\"dataset\": \"%s?window=24&standardize=true\", "
                                            "\"loss\": \"auto\"}", csv);
    settings(win, json);
    UnrollDatasetView *dv = unroll_training_view_get_dataset_view(view_of(win));
    GtkWidget *root = GTK_WIDGET(dv);
    CHECK(unroll_dataset_view_get_dataset(dv) != NULL, "the series loads: %s",
          unroll_dataset_view_get_error(dv));
    const char *why = unroll_training_view_get_blocker(view_of(win));
    CHECK(why && strstr(why, "(None, None, 2)") && strstr(why, "(N, 24, 3)"),
          "three features for a two-feature model: %s", why ? why : "(fits)");
    GtkWidget *target = find_under(root, is_row_titled, "Target");
    GtkWidget *features = find_under(root, is_row_titled, "Features");
    GtkWidget *pressure = find_under(root, is_check_named, "pressure");
    GtkWidget *window = row_spin(root, "Window"), *val = row_spin(root, "Validation part");
    CHECK(target && features && pressure && window && val && gtk_widget_is_drawable(target),
          "the series' rows show");
    if (!target || !features || !pressure || !window || !val)
        return;
    GListModel *names = adw_combo_row_get_model(ADW_COMBO_ROW(target));
    CHECK(g_list_model_get_n_items(names) == 3 &&
              g_str_equal(gtk_string_list_get_string(GTK_STRING_LIST(names), 0), "temp") &&
              g_str_equal(gtk_string_list_get_string(GTK_STRING_LIST(names), 2), "pressure"),
          "the targets are the columns of numbers (not the time)");
    CHECK(adw_combo_row_get_selected(ADW_COMBO_ROW(target)) == 2, "the last one by default");
    CHECK(g_strcmp0(adw_expander_row_get_subtitle(ADW_EXPANDER_ROW(features)),
                    "temp, humidity, pressure") == 0,
          "features: %s", adw_expander_row_get_subtitle(ADW_EXPANDER_ROW(features)));

    adw_combo_row_set_selected(ADW_COMBO_ROW(target), 0);
    CHECK(pump_until(dataset_ready, win, 20000), "loads");
    gtk_check_button_set_active(GTK_CHECK_BUTTON(pressure), FALSE);
    CHECK(pump_until(dataset_ready, win, 20000), "loads");
    const char *spec = unroll_dataset_view_get_spec(dv);
    CHECK(strstr(spec, "target=temp") && strstr(spec, "features=temp,humidity") &&
              strstr(spec, "standardize=true"),
          "the spec follows the rows: %s", spec);
    int64_t t, f;
    x_shape(dv, &t, &f);
    CHECK(t == 24 && f == 2, "x is (N, %lld, %lld)", (long long)t, (long long)f);
    CHECK(unroll_training_view_get_blocker(view_of(win)) == NULL, "now it fits: %s",
          unroll_training_view_get_blocker(view_of(win)));
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(window), 12);
    CHECK(pump_until(dataset_ready, win, 20000), "loads");
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(val), 0.25);
    CHECK(pump_until(dataset_ready, win, 20000), "loads");
    x_shape(dv, &t, &f);
    const ur_dataset *ds = unroll_dataset_view_get_dataset(dv);
    CHECK(t == 12 && ds && ds->val.n_x == 1 && ur_data_count(&ds->val) == 500 - 12,
          "window 12 and a quarter apart: T %lld, %lld validation samples", (long long)t,
          ds && ds->val.n_x ? (long long)ur_data_count(&ds->val) : -1LL);
    /* unchecking every feature keeps one */
    GtkWidget *temp = find_under(root, is_check_named, "temp");
    GtkWidget *humidity = find_under(root, is_check_named, "humidity");
    gtk_check_button_set_active(GTK_CHECK_BUTTON(temp), FALSE);
    pump_until(dataset_ready, win, 20000);
    gtk_check_button_set_active(GTK_CHECK_BUTTON(humidity), FALSE);
    pump_until(dataset_ready, win, 20000);
    x_shape(dv, &t, &f);
    CHECK(f == 1 && gtk_check_button_get_active(GTK_CHECK_BUTTON(humidity)) &&
              strstr(unroll_dataset_view_get_spec(dv), "features=humidity"),
          "the last one unchecked stays: %lld features, %s", (long long)f,
          unroll_dataset_view_get_spec(dv));
    gtk_check_button_set_active(GTK_CHECK_BUTTON(temp), TRUE);
    pump_until(dataset_ready, win, 20000);
    adw_expander_row_set_expanded(ADW_EXPANDER_ROW(features), TRUE);
    screenshot(gtk_widget_get_ancestor(root, GTK_TYPE_SCROLLED_WINDOW), "dataset-csv");
    /* a window too long for the file: the error says so, the rows stay */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(window), 5000);
    CHECK(pump_until(dataset_ready, win, 20000), "loads");
    CHECK(unroll_dataset_view_get_error(dv) && strstr(unroll_dataset_view_get_error(dv), "too few"),
          "a window of 5000: %s", unroll_dataset_view_get_error(dv));
    CHECK(gtk_widget_is_drawable(target), "the rows stay to fix it");
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(window), 24);
    pump_until(dataset_ready, win, 20000);
}

/* A model without remembered settings gets the built-in dataset its input
 * suggests. */
static void test_dataset_guess(UnrollWindow *win)
{
    static const char *const model =
        "{\"name\": \"fresh_adder\", \"layers\": ["
        "{\"name\": \"pairs\", \"class\": \"Input\", \"shape\": [null, 2]},"
        "{\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 4},"
        "{\"name\": \"total\", \"class\": \"Dense\", \"units\": 1}]}";
    if (!open_model_json(win, model, "fresh model"))
        return;
    CHECK(pump_until(dataset_ready, win, 20000), "dataset");
    UnrollDatasetView *dv = unroll_training_view_get_dataset_view(view_of(win));
    CHECK(g_strcmp0(unroll_dataset_view_get_spec(dv), "synthetic:adding") == 0,
          "(None, None, 2) suggests the adding problem: %s", unroll_dataset_view_get_spec(dv));
    CHECK(unroll_training_view_get_blocker(view_of(win)) == NULL, "and it fits: %s",
          unroll_training_view_get_blocker(view_of(win)));
}

/* Imported .npz files: one that fits, labels beyond the output's units, and
 * sequences with the wrong number of features, each explained. */
static void test_npz(UnrollWindow *win)
{
    static const char *const model =
        "{\"name\": \"npz_classifier\", \"layers\": ["
        "{\"name\": \"steps\", \"class\": \"Input\", \"shape\": [null, 3]},"
        "{\"name\": \"gru\", \"class\": \"GRU\", \"units\": 8},"
        "{\"name\": \"classes\", \"class\": \"Dense\", \"units\": 5, \"activation\": \"softmax\"}]}";
    if (!open_model_json(win, model, "npz model"))
        return;
    g_autofree char *good = write_npz("good.npz", 40, 12, 3, 4);
    g_autofree char *labels = write_npz("labels.npz", 40, 12, 3, 7);
    g_autofree char *features = write_npz("features.npz", 40, 12, 2, 4);

    g_autofree char *json = g_strdup_printf("{\"dataset\": \"%s\", \"loss\": \"auto\"}", good);
    settings(win, json);
    UnrollDatasetView *dv = unroll_training_view_get_dataset_view(view_of(win));
    CHECK(unroll_dataset_view_get_dataset(dv) != NULL, "the npz loads: %s",
          unroll_dataset_view_get_error(dv) ? unroll_dataset_view_get_error(dv) : "");
    CHECK(unroll_training_view_get_blocker(view_of(win)) == NULL, "it fits: %s",
          unroll_training_view_get_blocker(view_of(win)));
    ur_fit_config fit;
    unroll_training_view_get_fit(view_of(win), &fit, NULL);
    CHECK(fit.loss.kind == UR_LOSS_SPARSE_CATEGORICAL_CE && !fit.loss.from_logits,
          "softmax and class numbers: sparse categorical cross-entropy, not from logits");

    g_free(json);
    json = g_strdup_printf("{\"dataset\": \"%s\"}", labels);
    settings(win, json);
    const char *why = unroll_training_view_get_blocker(view_of(win));
    CHECK(why && strstr(why, "y holds class 7, but the model’s output ‘classes’ has 5 units"),
          "labels beyond the units: %s", why ? why : "(fits)");

    g_free(json);
    json = g_strdup_printf("{\"dataset\": \"%s\"}", features);
    settings(win, json);
    why = unroll_training_view_get_blocker(view_of(win));
    CHECK(why && strstr(why, "The model’s input ‘steps’ takes (None, None, 3); this dataset’s x is "
                             "(N, 12, 2)."),
          "features: %s", why ? why : "(fits)");

    g_free(json);
    g_autofree char *missing = g_build_filename(tmp_dir, "missing.npz", NULL);
    json = g_strdup_printf("{\"dataset\": \"%s\"}", missing);
    settings(win, json);
    CHECK(unroll_dataset_view_get_error(dv) && strstr(unroll_dataset_view_get_error(dv), "missing.npz"),
          "a missing file: %s", unroll_dataset_view_get_error(dv) ? unroll_dataset_view_get_error(dv) : "");
    CHECK(unroll_training_view_get_blocker(view_of(win)) != NULL, "no training without data");
}

/* A synthetic run through the window's actions: series grow, pause holds,
 * a learning-rate change while paused, then β₁ and the clip norm through
 * the paused panel, resume, stop; the store follows. */
static void test_train_pause_stop(UnrollWindow *win)
{
    load_template(win, "forecaster.json");
    settings(win, "{\"dataset\": \"synthetic:sine?n=2048&timesteps=20\", \"epochs\": 4, "
                  "\"batch_size\": 32, \"loss\": \"auto\", \"optimizer\": \"adam\", "
                  "\"device\": \"cpu\"}");
    ur_fit_config fit;
    unroll_training_view_get_fit(view_of(win), &fit, NULL);
    CHECK(fit.loss.kind == UR_LOSS_MSE && fit.metric_mae, "forecaster: mse and mae");
    CHECK(g_action_group_get_action_enabled(G_ACTION_GROUP(win), "train"), "win.train is on");
    CHECK(!g_action_group_get_action_enabled(G_ACTION_GROUP(win), "pause"), "win.pause is off");
    activate(win, "train", NULL);
    g_autoptr(GVariant) page = g_action_group_get_action_state(G_ACTION_GROUP(win), "view");
    CHECK(g_strcmp0(g_variant_get_string(page, NULL), "train") == 0, "Train shows the Train page");
    CHECK(unroll_train_worker_is_busy(worker_of(win)), "training");
    CHECK(!g_action_group_get_action_enabled(G_ACTION_GROUP(win), "train"), "win.train off while busy");

    wait_points wp = {win, "steps", 0, 5};
    CHECK(pump_until(has_points, &wp, 30000), "steps arrive");
    size_t first = chart_points(win, "steps", 0);
    wp.n = first + 10;
    CHECK(pump_until(has_points, &wp, 30000), "more steps arrive");
    size_t second = chart_points(win, "steps", 0);
    CHECK(second > first, "the per-step series grows: %zu -> %zu", first, second);
    CHECK(g_action_group_get_action_enabled(G_ACTION_GROUP(win), "pause"), "win.pause on");

    activate(win, "pause", NULL);
    CHECK(pump_until(is_paused, win, 10000), "paused: %s",
          unroll_training_view_get_status_text(view_of(win)));
    pump(100);
    size_t held = chart_points(win, "steps", 0);
    pump(500);
    CHECK(chart_points(win, "steps", 0) == held, "no steps while paused: %zu -> %zu", held,
          chart_points(win, "steps", 0));
    CHECK(unroll_training_view_apply_learning_rate(view_of(win), 0.0004), "lr while paused");
    pump(100);
    unroll_train_progress p;
    unroll_train_worker_get_progress(worker_of(win), &p);
    CHECK(fabs(p.learning_rate - 0.0004) < 1e-12, "the new rate shows: %g", p.learning_rate);
    /* the paused panel: Adam's fields, filled with the settings in effect;
     * β₁ and the clip norm changed there and applied together */
    GtkWidget *panel = find_under(GTK_WIDGET(view_of(win)), has_class, "unroll-training-lr");
    CHECK(panel && gtk_widget_is_drawable(panel), "the paused panel shows");
    GtkWidget *beta1 = panel ? labelled(panel, "β₁") : NULL;
    GtkWidget *clip = panel ? labelled(panel, "Clip norm") : NULL;
    GtkWidget *momentum = panel ? labelled(panel, "Momentum") : NULL;
    GtkWidget *lr = panel ? labelled(panel, "Learning rate") : NULL;
    CHECK(beta1 && clip && momentum && lr, "the paused panel's fields");
    if (beta1 && clip && momentum && lr) {
        CHECK(gtk_widget_is_drawable(beta1) && gtk_widget_is_drawable(clip) &&
                  !gtk_widget_is_drawable(momentum),
              "Adam's fields show, momentum does not");
        CHECK(fabs(gtk_spin_button_get_value(GTK_SPIN_BUTTON(lr)) - 0.0004) < 1e-9 &&
                  gtk_spin_button_get_value(GTK_SPIN_BUTTON(beta1)) == 0.9,
              "the panel shows the settings in effect: lr %g beta_1 %g",
              gtk_spin_button_get_value(GTK_SPIN_BUTTON(lr)),
              gtk_spin_button_get_value(GTK_SPIN_BUTTON(beta1)));
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(beta1), 0.8);
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(clip), 2);
        CHECK(gtk_widget_activate_action(GTK_WIDGET(view_of(win)), "training.apply-optimizer",
                                         NULL),
              "training.apply-optimizer");
        pump(100);
        ur_optimizer_config o;
        unroll_train_worker_get_optimizer(worker_of(win), &o);
        CHECK(o.beta_1 == 0.8 && o.clipnorm == 2 && fabs(o.learning_rate - 0.0004) < 1e-12 &&
                  o.beta_2 == 0.999,
              "in effect: beta_1 %g clipnorm %g lr %g beta_2 %g", o.beta_1, o.clipnorm,
              o.learning_rate, o.beta_2);
        CHECK(unroll_training_view_get_error(view_of(win)) == NULL, "an error: %s",
              unroll_training_view_get_error(view_of(win)));
    }
    screenshot(win, "training-paused");

    activate(win, "pause", NULL); /* resumes */
    wp.n = held + 5;
    CHECK(pump_until(has_points, &wp, 30000), "steps again after resume");
    CHECK(chart_points(win, "steps", 0) > held, "the series grows after resume");
    activate(win, "stop", NULL);
    CHECK(pump_until(is_done, win, 30000), "the run ends after Stop");
    pump(100);
    gint64 id = unroll_train_worker_get_run_id(worker_of(win));
    CHECK(g_strcmp0(unroll_training_view_get_status_text(view_of(win)), "Stopped") == 0,
          "the page says Stopped: %s", unroll_training_view_get_status_text(view_of(win)));
    const char *toast = unroll_window_get_last_toast(win);
    g_autofree char *want = g_strdup_printf("Run %lld stopped", (long long)id);
    CHECK(g_strcmp0(toast, want) == 0, "toast %s", toast ? toast : "(none)");

    ur_run_row row;
    ur_run_event *events;
    int n;
    store_run(id, &row, &events, &n);
    CHECK(row.status == UR_RUN_CANCELLED, "store status %s", ur_run_status_name(row.status));
    const char *kinds[] = {"pause", "lr", "optimizer", "resume", "stop"};
    CHECK(n == 5, "%d events", n);
    for (int i = 0; i < n && i < 5; i++)
        CHECK(g_strcmp0(events[i].kind, kinds[i]) == 0, "event %d: %s, expected %s", i,
              events[i].kind, kinds[i]);
    if (n >= 3) {
        CHECK(g_strcmp0(events[1].detail, "{\"from\":0.001,\"to\":0.0004}") == 0,
              "lr detail %s", events[1].detail ? events[1].detail : "(none)");
        CHECK(g_strcmp0(events[2].detail, "{\"from\":{\"beta_1\":0.9,\"clipnorm\":-1},"
                                          "\"to\":{\"beta_1\":0.8,\"clipnorm\":2}}") == 0,
              "optimizer detail %s", events[2].detail ? events[2].detail : "(none)");
    }
    ur_run_events_free(events, n);
    ur_run_row_clear(&row);

    /* the runs page lists the run */
    activate(win, "view", g_variant_new_string("runs"));
    pump(300);
    UnrollRunsView *runs = UNROLL_RUNS_VIEW(unroll_window_get_runs_view(win));
    CHECK(g_strcmp0(unroll_runs_view_get_status(runs, id), "cancelled") == 0, "runs view: %s",
          unroll_runs_view_get_status(runs, id) ? unroll_runs_view_get_status(runs, id) : "(none)");
    activate(win, "view", g_variant_new_string("train"));

    /* the settings were remembered for this model */
    g_autofree char *path = unroll_training_view_dup_settings_path(view_of(win));
    g_autofree char *text = NULL;
    CHECK(g_file_get_contents(path, &text, NULL, NULL) && strstr(text, "synthetic:sine"),
          "settings kept in %s", path);
    load_template(win, "mnist-rows.json");
    settings(win, "{\"dataset\": \"mnist\", \"epochs\": 7}");
    load_template(win, "forecaster.json");
    CHECK(pump_until(dataset_ready, win, 20000), "dataset");
    unroll_training_view_get_fit(view_of(win), &fit, NULL);
    const char *spec = unroll_dataset_view_get_spec(unroll_training_view_get_dataset_view(view_of(win)));
    CHECK(fit.epochs == 4 && g_str_has_prefix(spec, "synthetic:sine"),
          "the forecaster's settings come back: %d epochs, %s", fit.epochs, spec);
}

/* A device that cannot be used (a GPU this machine lacks) fails the start
 * with its message on the page and records no run, as the CLI does; on the
 * CPU the same model trains, and the runs view's Open Model loads the run's
 * model into the editor. (Resume from the runs view through the worker is
 * tested by runs-view-test on a run killed mid-way.) */
static void test_device_failure_and_open(UnrollWindow *win)
{
    load_template(win, "forecaster.json");
    settings(win, "{\"dataset\": \"synthetic:sine?n=256&timesteps=10\", \"epochs\": 2, "
                  "\"batch_size\": 32, \"device\": \"cuda\"}");
    activate(win, "train", NULL);
    CHECK(pump_until(is_done, win, 60000), "the cuda run ends");
    /* the worker's state first, then its "finished" reaches the page */
    pump_until(page_settled, win, 10000);
    pump(100);
    if (unroll_train_worker_get_state(worker_of(win)) == UNROLL_TRAIN_FINISHED) {
        g_printerr("(a GPU is usable here: the device failure is not tried)\n");
        return;
    }
    const char *error = unroll_training_view_get_error(view_of(win));
    CHECK(error && strstr(error, "cuda"), "the error on the page: %s", error ? error : "(none)");
    CHECK(g_strcmp0(unroll_training_view_get_status_text(view_of(win)), "Failed") == 0, "Failed: %s",
          unroll_training_view_get_status_text(view_of(win)));
    const char *toast = unroll_window_get_last_toast(win);
    CHECK(toast && g_str_has_prefix(toast, "Training failed: "), "toast %s", toast ? toast : "(none)");
    CHECK(unroll_train_worker_get_run_id(worker_of(win)) == 0, "no run recorded: run %lld",
          (long long)unroll_train_worker_get_run_id(worker_of(win)));
    screenshot(win, "training-error");

    settings(win, "{\"device\": \"cpu\"}");
    activate(win, "train", NULL);
    CHECK(pump_until(is_done, win, 60000), "the CPU run ends");
    pump(100);
    gint64 id = unroll_train_worker_get_run_id(worker_of(win));
    CHECK(unroll_train_worker_get_state(worker_of(win)) == UNROLL_TRAIN_FINISHED && id > 0,
          "the CPU run: %s", unroll_training_view_get_error(view_of(win))
                                 ? unroll_training_view_get_error(view_of(win)) : "");
    CHECK(unroll_training_view_get_error(view_of(win)) == NULL, "the error is cleared");
    CHECK(chart_points(win, "steps", 0) == 16 && chart_points(win, "loss", 1) == 2,
          "the run's curves: %zu steps, %zu val_loss", chart_points(win, "steps", 0),
          chart_points(win, "loss", 1));
    ur_run_row row;
    ur_run_event *events;
    int n;
    store_run(id, &row, &events, &n);
    CHECK(row.status == UR_RUN_COMPLETED, "stored: %s", ur_run_status_name(row.status));
    g_autofree char *model_json = g_strdup(row.model_json);
    ur_run_events_free(events, n);
    ur_run_row_clear(&row);
    activate(win, "view", g_variant_new_string("runs"));
    GtkWidget *runs = unroll_window_get_runs_view(win);

    /* Open Model: an empty model in the editor is replaced by the run's */
    load_template(win, "");
    if (model_json) {
        g_signal_emit_by_name(runs, "open-model", model_json, id);
        pump(50);
        CHECK(g_strcmp0(unroll_document_get_title(unroll_window_get_document(win)), "forecaster") == 0,
              "the run's model is open: %s", unroll_document_get_title(unroll_window_get_document(win)));
        g_autoptr(GVariant) now = g_action_group_get_action_state(G_ACTION_GROUP(win), "view");
        CHECK(g_strcmp0(g_variant_get_string(now, NULL), "model") == 0, "on the Model page");
    }
}

/* MNIST training with curves on show (light and dark), and the dataset view. */
static void test_mnist_screens(UnrollApplication *app, UnrollWindow *win)
{
    load_template(win, "mnist-rows.json");
    settings(win, "{\"dataset\": \"mnist\", \"epochs\": 3, \"batch_size\": 64, "
                  "\"optimizer\": \"adam\", \"learning_rate\": 0.003, \"validation_split\": 0}");
    ur_fit_config fit;
    unroll_training_view_get_fit(view_of(win), &fit, NULL);
    CHECK(fit.loss.kind == UR_LOSS_SPARSE_CATEGORICAL_CE && fit.loss.from_logits &&
              fit.metric_accuracy,
          "MNIST rows: sparse categorical cross-entropy from logits, accuracy");
    UnrollDatasetView *dv = unroll_training_view_get_dataset_view(view_of(win));
    unroll_dataset_view_set_sample(dv, 2);
    activate(win, "train", NULL);
    /* two epochs' points on the epoch charts, the third under way */
    wait_points wp = {win, "metric", 1, 2};
    CHECK(pump_until(has_points, &wp, 240000), "two epochs of MNIST");
    CHECK(chart_points(win, "loss", 0) >= 2 && chart_points(win, "loss", 1) >= 2,
          "loss and val_loss per epoch: %zu %zu", chart_points(win, "loss", 0),
          chart_points(win, "loss", 1));
    CHECK(chart_points(win, "steps", 0) >= 250, "per-step points: %zu", chart_points(win, "steps", 0));
    UnrollChart *acc = unroll_training_view_get_chart(view_of(win), "metric");
    unroll_series *val = unroll_chart_get_series(acc, 1);
    CHECK(val != NULL, "a val_accuracy series");
    screenshot(win, "training");
    /* the settings column, its dataset part on top */
    screenshot(gtk_widget_get_ancestor(GTK_WIDGET(dv), GTK_TYPE_SCROLLED_WINDOW), "dataset-mnist");
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("dark"));
    pump(100);
    screenshot(win, "training-dark");
    g_action_group_activate_action(G_ACTION_GROUP(app), "style", g_variant_new_string("light"));
    CHECK(unroll_dataset_view_get_sample(dv) == 2, "the third digit on show");

    if (unroll_train_worker_is_busy(worker_of(win))) {
        activate(win, "stop", NULL);
        CHECK(pump_until(is_done, win, 60000), "MNIST stops");
    }
    pump(100);

    /* closing while a long run trains asks first; Pause and Close keeps the
     * run (paused in the store), and a new window's Runs page resumes it */
    load_template(win, "forecaster.json");
    settings(win, "{\"dataset\": \"synthetic:sine?n=2048&timesteps=20\", \"epochs\": 500}");
    activate(win, "train", NULL);
    wait_points wp2 = {win, "steps", 0, 3};
    CHECK(pump_until(has_points, &wp2, 30000), "the long run trains");
    gint64 id = unroll_train_worker_get_run_id(worker_of(win));
    /* the window goes once the run has stopped: keep what to look at */
    UnrollTrainWorker *worker = g_object_ref(worker_of(win));
    g_object_ref(win);
    gtk_window_close(GTK_WINDOW(win));
    CHECK(pump_until(has_dialog, win, 3000), "the stop-training question");
    CHECK(unroll_train_worker_is_busy(worker), "still training while asked");
    CHECK(gtk_application_get_windows(GTK_APPLICATION(app)) != NULL, "the window waits");
    AdwMessageDialog *d = find_dialog(GTK_WINDOW(win));
    CHECK(d && adw_message_dialog_has_response(d, "keep") && adw_message_dialog_has_response(d, "stop"),
          "the question offers Pause and Close and Stop and Close");
    if (d) {
        adw_message_dialog_response(d, "keep");
        gtk_window_destroy(GTK_WINDOW(d));
    }
    CHECK(pump_until(worker_done, worker, 60000), "the run stops");
    pump(200);
    g_object_unref(worker);
    g_object_unref(win);
    CHECK(gtk_application_get_windows(GTK_APPLICATION(app)) == NULL, "the window closed");
    ur_run_row row;
    ur_run_event *events;
    int n;
    store_run(id, &row, &events, &n);
    CHECK(row.status == UR_RUN_PAUSED, "closed mid-run: %s", ur_run_status_name(row.status));
    CHECK(n > 0 && g_strcmp0(events[n - 1].kind, "stop") == 0 && events[n - 1].detail &&
              strstr(events[n - 1].detail, "\"paused\":true"),
          "the last event: %s %s", n > 0 ? events[n - 1].kind : "(none)",
          n > 0 && events[n - 1].detail ? events[n - 1].detail : "");
    int64_t kept_step = n > 0 ? events[n - 1].step : 0;
    ur_run_events_free(events, n);
    ur_run_row_clear(&row);

    UnrollWindow *again = unroll_window_new(app);
    gtk_window_set_default_size(GTK_WINDOW(again), 1400, 900);
    gtk_window_present(GTK_WINDOW(again));
    CHECK(pump_until(is_mapped, again, 5000), "a new window maps");
    activate(again, "view", g_variant_new_string("runs"));
    pump(300);
    UnrollRunsView *runs = UNROLL_RUNS_VIEW(unroll_window_get_runs_view(again));
    CHECK(g_strcmp0(unroll_runs_view_get_status(runs, id), "paused") == 0, "the kept run shows %s",
          unroll_runs_view_get_status(runs, id));
    CHECK(unroll_runs_view_select_ids(runs, &id, 1) == 1, "select the kept run");
    gtk_widget_activate_action(GTK_WIDGET(runs), "runs.resume", NULL);
    CHECK(pump_until(is_training, again, 30000), "the kept run trains again");
    unroll_train_progress p;
    unroll_train_worker_get_progress(worker_of(again), &p);
    CHECK(unroll_train_worker_get_run_id(worker_of(again)) == id && p.global_step >= kept_step,
          "run %lld resumed at step %lld (kept at %lld)",
          (long long)unroll_train_worker_get_run_id(worker_of(again)), (long long)p.global_step,
          (long long)kept_step);
    activate(again, "stop", NULL);
    CHECK(pump_until(is_done, again, 60000), "the resumed run stops");
    gtk_window_destroy(GTK_WINDOW(again));
    pump(100);
}

int main(int argc, char **argv)
{
    g_set_prgname("unroll");
    tmp_dir = g_dir_make_tmp("unroll-training-test-XXXXXX", NULL);
    g_autofree char *data_home = g_build_filename(tmp_dir, "data", NULL);
    g_autofree char *config_home = g_build_filename(tmp_dir, "config", NULL);
    db_path = g_build_filename(tmp_dir, "runs.db", NULL);
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    g_setenv("XDG_CONFIG_HOME", config_home, TRUE);
    g_setenv("UNROLL_DB", db_path, TRUE);
    g_setenv("GSETTINGS_BACKEND", "memory", TRUE);
    if (!gtk_init_check()) {
        g_printerr("no display: skipped\n");
        return 77;
    }
    test_default_loss();

    g_autoptr(UnrollApplication) app = unroll_application_new(G_APPLICATION_NON_UNIQUE);
    g_autoptr(GError) error = NULL;
    if (!g_application_register(G_APPLICATION(app), NULL, &error)) {
        g_printerr("FAIL: register: %s\n", error->message);
        return 1;
    }
    g_application_hold(G_APPLICATION(app));
    UnrollWindow *win = unroll_window_new(app);
    gtk_window_set_default_size(GTK_WINDOW(win), 1400, 900);
    gtk_window_present(GTK_WINDOW(win));
    CHECK(pump_until(is_mapped, win, 5000), "the window maps");
    CHECK(g_strcmp0(unroll_window_get_db_path(win), db_path) == 0, "the window uses $UNROLL_DB");
    CHECK(g_strcmp0(unroll_training_view_get_db_path(view_of(win)), db_path) == 0,
          "the Train page uses $UNROLL_DB");

    /* the pages and their accelerators */
    activate(win, "view", g_variant_new_string("train"));
    CHECK(gtk_widget_get_mapped(GTK_WIDGET(view_of(win))), "the Train page shows");
    CHECK(!g_action_group_get_action_enabled(G_ACTION_GROUP(win), "delete"),
          "editing keys are off away from the model");
    activate(win, "view", g_variant_new_string("model"));
    CHECK(!gtk_widget_get_mapped(GTK_WIDGET(view_of(win))), "the Model page shows");
    g_auto(GStrv) accels = gtk_application_get_accels_for_action(GTK_APPLICATION(app),
                                                                  "win.view::runs");
    CHECK(accels && accels[0] && g_str_equal(accels[0], "<Alt>3"), "Alt+3 shows the runs");

    test_fit_check(win);
    test_dataset_guess(win);
    test_npz(win);
    test_import_and_balance(win);
    test_csv_series(win);
    test_train_pause_stop(win);
    test_device_failure_and_open(win);
    test_mnist_screens(app, win);
    g_application_release(G_APPLICATION(app));

    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
    if (system(rm) != 0)
        g_printerr("could not remove %s\n", tmp_dir);
    if (failures)
        g_printerr("%d check(s) failed\n", failures);
    else
        g_print("training: all checks passed\n");
    return failures ? 1 : 0;
}
