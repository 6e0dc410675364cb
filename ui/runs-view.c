/* runs-view.c — UnrollRunsView: the run store's runs in a GtkColumnView
 * (sorted, searched, filtered to the open model), the selection's curves on
 * UnrollCharts and its settings/metrics/layers side by side (data/run-compare.h),
 * and the actions on runs: open, resume, label, delete, export. */
#include "runs-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "chart.h"
#include "export.h"
#include "run-compare.h"
#include "store.h"

#define POLL_SECONDS 2
#define MAX_CHART_RUNS (UNROLL_CHART_MAX_SERIES / 2)

/* ------------------------------------------------------------ run item */

#define UNROLL_TYPE_RUN_ITEM (unroll_run_item_get_type())
G_DECLARE_FINAL_TYPE(UnrollRunItem, unroll_run_item, UNROLL, RUN_ITEM, GObject)

/* One listed run: its row from the store and what the columns show. */
struct _UnrollRunItem {
    GObject parent_instance;
    ur_run_row row;
    char *name;          /* the label, or "run N" */
    char *haystack;      /* casefolded label, model, dataset, status, "run N" */
    double best_loss;    /* best val_loss, else best loss; NAN: none */
    const char *loss_name;
    double best_acc;     /* best val_accuracy, else accuracy; NAN: none */
    double duration;     /* seconds; -1 unknown */
};

G_DEFINE_FINAL_TYPE(UnrollRunItem, unroll_run_item, G_TYPE_OBJECT)

static void unroll_run_item_finalize(GObject *object)
{
    UnrollRunItem *self = UNROLL_RUN_ITEM(object);
    ur_run_row_clear(&self->row);
    g_free(self->name);
    g_free(self->haystack);
    G_OBJECT_CLASS(unroll_run_item_parent_class)->finalize(object);
}

static void unroll_run_item_class_init(UnrollRunItemClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = unroll_run_item_finalize;
}

static void unroll_run_item_init(UnrollRunItem *self) { (void)self; }

static double best_of(const ur_run_row *r, const char *first, const char *second,
                      const char **which)
{
    int k = ur_run_row_metric_index(r, first);
    if (k < 0 && second)
        k = ur_run_row_metric_index(r, second);
    if (which)
        *which = k < 0 ? NULL : r->metric_names[k];
    return k < 0 ? NAN : r->best_values[k];
}

/* Takes the row (the caller's copy is zeroed). */
static UnrollRunItem *run_item_new(ur_run_row *row)
{
    UnrollRunItem *self = g_object_new(UNROLL_TYPE_RUN_ITEM, NULL);
    self->row = *row;
    memset(row, 0, sizeof *row);
    const ur_run_row *r = &self->row;
    self->name = r->label && *r->label ? g_strdup(r->label)
                                       : g_strdup_printf("run %" G_GINT64_FORMAT, r->id);
    char *hay = g_strdup_printf("%s run %" G_GINT64_FORMAT " %s %s %s", r->label ? r->label : "",
                                r->id, r->model_name ? r->model_name : "",
                                r->dataset_name ? r->dataset_name : "", ur_run_status_name(r->status));
    self->haystack = g_utf8_casefold(hay, -1);
    g_free(hay);
    self->best_loss = best_of(r, "val_loss", "loss", &self->loss_name);
    self->best_acc = best_of(r, "val_accuracy", "accuracy", NULL);
    if (r->ended > 0)
        self->duration = r->ended - r->started;
    else if (r->status == UR_RUN_RUNNING)
        self->duration = (double)g_get_real_time() / G_USEC_PER_SEC - r->started;
    else
        self->duration = -1;
    return self;
}

/* --------------------------------------------------------------- view */

typedef enum {
    COL_STATUS,
    COL_LABEL,
    COL_MODEL,
    COL_DATASET,
    COL_LOSS,
    COL_ACCURACY,
    COL_STARTED,
    COL_DURATION,
    N_COLUMNS
} column_id;

static const char *const column_keys[N_COLUMNS] = {
    "status", "label", "model", "dataset", "loss", "accuracy", "started", "duration",
};

struct _UnrollRunsView {
    GtkWidget parent_instance;

    char *db_path;
    char *model_filter;
    gboolean this_model_only;
    gboolean differences_only;
    char *error;
    char **search_words;     /* casefolded */
    gboolean reloading;      /* selection changes while reloading wait for the end */
    double loaded_at;        /* unix seconds of the last reload */

    GListStore *runs;        /* UnrollRunItem, as the store lists them */
    GtkCustomFilter *filter;
    GtkFilterListModel *filtered;
    GtkSortListModel *sorted;
    GtkMultiSelection *selection;
    GtkColumnViewColumn *columns[N_COLUMNS];

    GtkWidget *toasts;
    AdwToast *toast;             /* the one shown, until dismissed */
    GtkWidget *search_entry;
    GtkWidget *model_toggle;
    GtkWidget *list_stack;       /* "list", "empty", "no-match", "error" */
    GtkWidget *error_page;
    GtkWidget *column_view;
    GtkWidget *context_menu;
    GtkWidget *compare_stack;    /* "none", "compare" */
    GtkWidget *loss_chart, *acc_chart;
    GtkWidget *chart_note;
    GtkWidget *hparam_grid, *metric_grid, *layer_grid, *event_grid;
    GtkWidget *diff_switch;

    /* the comparison shown, as text rows for tests */
    GPtrArray *hparam_rows, *metric_rows, *layer_rows, *event_rows, *series_names;

    guint poll_id;
    GtkWidget *dialog;
    GtkNativeDialog *chooser;
    gboolean chooser_best;
};

G_DEFINE_FINAL_TYPE(UnrollRunsView, unroll_runs_view, GTK_TYPE_WIDGET)

enum { SIGNAL_OPEN_MODEL, SIGNAL_RESUME_RUN, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_THIS_MODEL_ONLY, PROP_DIFFERENCES_ONLY, N_PROPS };
static GParamSpec *props[N_PROPS];

static void rebuild_comparison(UnrollRunsView *self);
static void update_actions(UnrollRunsView *self);

static const char *const style_css =
    ".unroll-run-status { border-radius: 9999px; padding: 1px 8px; font-size: smaller;"
    "  font-weight: bold; }"
    ".unroll-run-status.running { background-color: alpha(@accent_color, 0.16);"
    "  color: @accent_color; }"
    ".unroll-run-status.paused { background-color: alpha(@warning_color, 0.16);"
    "  color: @warning_color; }"
    ".unroll-run-status.completed { background-color: alpha(@success_color, 0.16);"
    "  color: @success_color; }"
    ".unroll-run-status.failed { background-color: alpha(@error_color, 0.16);"
    "  color: @error_color; }"
    ".unroll-run-status.cancelled { background-color: alpha(@window_fg_color, 0.10);"
    "  color: alpha(@window_fg_color, 0.75); }"
    ".unroll-run-status.interrupted { background-color: alpha(@warning_color, 0.16);"
    "  color: @warning_color; }"
    ".unroll-runs-compare-table { padding: 6px 12px; }"
    ".unroll-runs-compare-table .unroll-differs { font-weight: bold; color: @accent_color; }"
    ".unroll-runs-chart { min-height: 240px; }";

static void ensure_style(void)
{
    static gboolean done;
    GdkDisplay *display = gdk_display_get_default();
    if (done || !display)
        return;
    GtkCssProvider *css = gtk_css_provider_new();
    gtk_css_provider_load_from_data(css, style_css, -1);
    gtk_style_context_add_provider_for_display(display, GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    g_object_unref(css);
    done = TRUE;
}

/* ------------------------------------------------------------ helpers */

static char *format_value(double v)
{
    return isnan(v) ? g_strdup("—") : g_strdup_printf("%.4g", v);
}

static char *format_duration(double d)
{
    if (d < 0)
        return g_strdup("—");
    if (d < 60)
        return g_strdup_printf("%.1f s", d);
    if (d < 3600)
        return g_strdup_printf("%d min %02d s", (int)(d / 60), (int)fmod(d, 60));
    return g_strdup_printf("%d h %02d min", (int)(d / 3600), (int)fmod(d, 3600) / 60);
}

static char *format_date(double t)
{
    GDateTime *dt = g_date_time_new_from_unix_local((gint64)t);
    if (!dt)
        return g_strdup("—");
    char *s = g_date_time_format(dt, "%Y-%m-%d %H:%M");
    g_date_time_unref(dt);
    return s;
}

static gboolean resumable(ur_run_status st)
{
    /* what the store takes back (ur_store_run_claim) */
    return st == UR_RUN_INTERRUPTED || st == UR_RUN_PAUSED || st == UR_RUN_FAILED;
}

static void set_error(UnrollRunsView *self, const char *message)
{
    g_free(self->error);
    self->error = g_strdup(message);
}

static void on_toast_dismissed(AdwToast *t, UnrollRunsView *self)
{
    if (self->toast == t)
        self->toast = NULL;
}

/* A message at the view's bottom; a new one replaces the one shown (no
 * queue of stale messages). */
static void toast(UnrollRunsView *self, const char *message)
{
    if (self->toast)
        adw_toast_dismiss(self->toast);
    AdwToast *t = adw_toast_new(message);
    adw_toast_set_timeout(t, 5);
    g_signal_connect_object(t, "dismissed", G_CALLBACK(on_toast_dismissed), self, 0);
    self->toast = t;
    adw_toast_overlay_add_toast(ADW_TOAST_OVERLAY(self->toasts), t);
}

/* A read-write connection (it marks runs whose process died as interrupted);
 * NULL with the message in *error. */
static ur_store *open_store(UnrollRunsView *self, GError **error)
{
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(self->db_path, &ctx);
    if (!s)
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, ctx.message);
    return s;
}

/* The store, or NULL after a toast that says why not. */
static ur_store *open_store_or_toast(UnrollRunsView *self)
{
    GError *error = NULL;
    ur_store *s = open_store(self, &error);
    if (!s) {
        toast(self, error->message);
        g_error_free(error);
    }
    return s;
}

static UnrollRunItem *find_item(UnrollRunsView *self, gint64 id)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->runs));
    for (guint i = 0; i < n; i++) {
        UnrollRunItem *item = g_list_model_get_item(G_LIST_MODEL(self->runs), i);
        g_object_unref(item); /* the store keeps it */
        if (item->row.id == id)
            return item;
    }
    return NULL;
}

/* The selected items in list order (borrowed, the list keeps them). */
static GPtrArray *selected_items(UnrollRunsView *self)
{
    GPtrArray *items = g_ptr_array_new();
    GListModel *m = G_LIST_MODEL(self->selection);
    guint n = g_list_model_get_n_items(m);
    for (guint i = 0; i < n; i++)
        if (gtk_selection_model_is_selected(GTK_SELECTION_MODEL(self->selection), i)) {
            UnrollRunItem *item = g_list_model_get_item(m, i);
            g_object_unref(item);
            g_ptr_array_add(items, item);
        }
    return items;
}

static UnrollRunItem *single_selected(UnrollRunsView *self)
{
    GPtrArray *items = selected_items(self);
    UnrollRunItem *item = items->len == 1 ? items->pdata[0] : NULL;
    g_ptr_array_unref(items);
    return item;
}

/* ------------------------------------------------------- filter, sort */

static gboolean filter_run(gpointer object, gpointer data)
{
    UnrollRunsView *self = data;
    UnrollRunItem *item = object;
    if (self->this_model_only && self->model_filter &&
        g_strcmp0(item->row.model_name, self->model_filter) != 0)
        return FALSE;
    for (char **w = self->search_words; w && *w; w++)
        if (**w && !strstr(item->haystack, *w))
            return FALSE;
    return TRUE;
}

static int compare_double(double a, double b)
{
    /* runs without the value sort last */
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return a < b ? -1 : a > b;
}

static int compare_runs(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const UnrollRunItem *a = pa, *b = pb;
    int c = 0;
    switch ((column_id)GPOINTER_TO_INT(data)) {
    case COL_STATUS:
        c = g_strcmp0(ur_run_status_name(a->row.status), ur_run_status_name(b->row.status));
        break;
    case COL_LABEL: c = g_utf8_collate(a->name, b->name); break;
    case COL_MODEL: c = g_strcmp0(a->row.model_name, b->row.model_name); break;
    case COL_DATASET: c = g_strcmp0(a->row.dataset_name, b->row.dataset_name); break;
    case COL_LOSS: c = compare_double(a->best_loss, b->best_loss); break;
    case COL_ACCURACY: c = compare_double(a->best_acc, b->best_acc); break;
    case COL_STARTED: c = compare_double(a->row.started, b->row.started); break;
    case COL_DURATION: c = compare_double(a->duration, b->duration); break;
    case N_COLUMNS: break;
    }
    if (c == 0)
        c = a->row.id < b->row.id ? -1 : a->row.id > b->row.id;
    return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* ------------------------------------------------------------ columns */

static void setup_label(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
    (void)f;
    column_id col = GPOINTER_TO_INT(data);
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), col == COL_LOSS || col == COL_ACCURACY ||
                                                   col == COL_DURATION ? 1.0f : 0.0f);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    if (col == COL_LOSS || col == COL_ACCURACY || col == COL_DURATION || col == COL_STARTED)
        gtk_widget_add_css_class(label, "numeric");
    if (col == COL_STATUS) {
        gtk_widget_set_halign(label, GTK_ALIGN_START);
        gtk_widget_set_valign(label, GTK_ALIGN_CENTER);
    }
    g_object_set_data(G_OBJECT(label), "unroll-list-item", li);
    gtk_list_item_set_child(li, label);
}

static void bind_label(GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
    (void)f;
    UnrollRunItem *item = gtk_list_item_get_item(li);
    GtkLabel *label = GTK_LABEL(gtk_list_item_get_child(li));
    const ur_run_row *r = &item->row;
    char *text = NULL;
    switch ((column_id)GPOINTER_TO_INT(data)) {
    case COL_STATUS: {
        const char *st = ur_run_status_name(r->status);
        const char *classes[] = {"unroll-run-status", st, NULL};
        gtk_widget_set_css_classes(GTK_WIDGET(label), classes);
        text = g_strdup(st);
        if (r->error)
            gtk_widget_set_tooltip_text(GTK_WIDGET(label), r->error);
        else
            gtk_widget_set_tooltip_text(GTK_WIDGET(label), NULL);
        break;
    }
    case COL_LABEL:
        text = g_strdup(item->name);
        gtk_widget_set_tooltip_text(GTK_WIDGET(label), r->notes);
        if (r->label && *r->label)
            gtk_widget_remove_css_class(GTK_WIDGET(label), "dim-label");
        else
            gtk_widget_add_css_class(GTK_WIDGET(label), "dim-label");
        break;
    case COL_MODEL: text = g_strdup(r->model_name ? r->model_name : "—"); break;
    case COL_DATASET:
        text = g_strdup(r->dataset_name ? r->dataset_name : "—");
        gtk_widget_set_tooltip_text(GTK_WIDGET(label), r->dataset_source);
        break;
    case COL_LOSS:
        text = format_value(item->best_loss);
        gtk_widget_set_tooltip_text(GTK_WIDGET(label), item->loss_name);
        break;
    case COL_ACCURACY: text = format_value(item->best_acc); break;
    case COL_STARTED: text = format_date(r->started); break;
    case COL_DURATION: text = format_duration(item->duration); break;
    case N_COLUMNS: break;
    }
    gtk_label_set_text(label, text ? text : "");
    g_free(text);
}

static GtkColumnViewColumn *add_column(UnrollRunsView *self, column_id col, const char *title,
                                       gboolean expand, int fixed_width)
{
    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", G_CALLBACK(setup_label), GINT_TO_POINTER(col));
    g_signal_connect(f, "bind", G_CALLBACK(bind_label), GINT_TO_POINTER(col));
    GtkColumnViewColumn *c = gtk_column_view_column_new(title, f);
    GtkCustomSorter *sorter = gtk_custom_sorter_new(compare_runs, GINT_TO_POINTER(col), NULL);
    gtk_column_view_column_set_sorter(c, GTK_SORTER(sorter));
    g_object_unref(sorter);
    gtk_column_view_column_set_expand(c, expand);
    gtk_column_view_column_set_resizable(c, TRUE);
    if (fixed_width > 0)
        gtk_column_view_column_set_fixed_width(c, fixed_width);
    gtk_column_view_append_column(GTK_COLUMN_VIEW(self->column_view), c);
    g_object_unref(c); /* the view keeps it */
    self->columns[col] = c;
    return c;
}

/* ----------------------------------------------------------- loading */

static void update_list_page(UnrollRunsView *self)
{
    const char *page = "list";
    if (self->error)
        page = "error";
    else if (g_list_model_get_n_items(G_LIST_MODEL(self->runs)) == 0)
        page = "empty";
    else if (g_list_model_get_n_items(G_LIST_MODEL(self->filtered)) == 0)
        page = "no-match";
    gtk_stack_set_visible_child_name(GTK_STACK(self->list_stack), page);
}

static gboolean any_running(UnrollRunsView *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->runs));
    gboolean running = FALSE;
    for (guint i = 0; i < n && !running; i++) {
        UnrollRunItem *item = g_list_model_get_item(G_LIST_MODEL(self->runs), i);
        running = item->row.status == UR_RUN_RUNNING;
        g_object_unref(item);
    }
    return running;
}

void unroll_runs_view_reload(UnrollRunsView *self)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    guint n_sel = 0;
    gint64 *keep = unroll_runs_view_get_selected_ids(self, &n_sel);
    ur_run_row *rows = NULL;
    int n = 0;
    GError *error = NULL;
    set_error(self, NULL);
    self->loaded_at = (double)g_get_real_time() / G_USEC_PER_SEC;
    char *path = self->db_path ? g_strdup(self->db_path) : ur_store_default_path();
    /* a store that does not exist yet has no runs: not created just to look */
    if (path && g_file_test(path, G_FILE_TEST_EXISTS)) {
        ur_store *s = open_store(self, &error);
        ur_ctx ctx = {0};
        if (s && ur_store_runs_list(s, NULL, NULL, -1, &rows, &n, &ctx) != UR_OK)
            g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_FAILED, ctx.message);
        if (s)
            ur_store_close(s);
    }
    g_free(path);
    if (error) {
        set_error(self, error->message);
        adw_status_page_set_description(ADW_STATUS_PAGE(self->error_page), error->message);
        g_clear_error(&error);
    }
    GPtrArray *items = g_ptr_array_new_with_free_func(g_object_unref);
    for (int i = 0; i < n; i++)
        g_ptr_array_add(items, run_item_new(&rows[i]));
    ur_run_rows_free(rows, n);

    self->reloading = TRUE;
    g_list_store_splice(self->runs, 0, g_list_model_get_n_items(G_LIST_MODEL(self->runs)),
                        items->pdata, items->len);
    g_ptr_array_unref(items);
    unroll_runs_view_select_ids(self, keep, n_sel);
    self->reloading = FALSE;
    g_free(keep);
    update_list_page(self);
    rebuild_comparison(self);
    update_actions(self);
}

/* Whether the store has a run that is running, or that started or ended
 * since the last reload (one started, resumed or finished elsewhere): a
 * cheap read-only look. */
static gboolean store_changed(UnrollRunsView *self)
{
    char *path = self->db_path ? g_strdup(self->db_path) : ur_store_default_path();
    gboolean exists = path && g_file_test(path, G_FILE_TEST_EXISTS);
    ur_ctx ctx = {0};
    ur_store *s = exists ? ur_store_open_readonly(path, &ctx) : NULL;
    g_free(path);
    ur_run_row *rows = NULL;
    int n = 0;
    char since[G_ASCII_DTOSTR_BUF_SIZE];
    /* a second's margin: the clocks are the same machine's, the writes not atomic with it */
    g_ascii_dtostr(since, sizeof since, self->loaded_at - 1.0);
    char *where = g_strdup_printf("status = 'running' OR started >= %s OR ended >= %s", since,
                                  since);
    if (s && ur_store_runs_list(s, where, NULL, 1, &rows, &n, &ctx) == UR_OK)
        ur_run_rows_free(rows, n);
    g_free(where);
    if (s)
        ur_store_close(s);
    return n > 0;
}

/* Every 2 seconds while mapped: a running run's progress (or its end), or
 * a run that started running since the last look. */
static gboolean poll_store(gpointer data)
{
    UnrollRunsView *self = data;
    if (any_running(self) || store_changed(self))
        unroll_runs_view_reload(self);
    return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------- comparison */

static void clear_grid(GtkWidget *grid)
{
    GtkWidget *c;
    while ((c = gtk_widget_get_first_child(grid)))
        gtk_grid_remove(GTK_GRID(grid), c);
}

static GtkWidget *grid_label(GtkWidget *grid, int col, int row, const char *text,
                             const char *css_class)
{
    GtkWidget *l = gtk_label_new(text);
    gtk_label_set_xalign(GTK_LABEL(l), 0);
    gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars(GTK_LABEL(l), 28);
    gtk_label_set_selectable(GTK_LABEL(l), FALSE);
    if (text && g_utf8_strlen(text, -1) > 28)
        gtk_widget_set_tooltip_text(l, text);
    if (css_class)
        gtk_widget_add_css_class(l, css_class);
    gtk_grid_attach(GTK_GRID(grid), l, col, row, 1, 1);
    return l;
}

static void grid_header(GtkWidget *grid, GPtrArray *items)
{
    for (guint i = 0; i < items->len; i++) {
        UnrollRunItem *item = items->pdata[i];
        grid_label(grid, (int)i + 1, 0, item->name, "heading");
    }
}

/* Adds a text row (tab-separated cells) for the tests. */
static void add_text_row(GPtrArray *rows, const char *name, char **cells, int n)
{
    GString *s = g_string_new(name);
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "\t%s", cells[i] ? cells[i] : "—");
    g_ptr_array_add(rows, g_string_free(s, FALSE));
}

static void fill_hparams(UnrollRunsView *self, GPtrArray *items, const ur_run_compare *cmp)
{
    clear_grid(self->hparam_grid);
    g_ptr_array_set_size(self->hparam_rows, 0);
    grid_header(self->hparam_grid, items);
    int row = 1;
    /* one run differs from nothing: all its settings */
    gboolean only_differences = self->differences_only && cmp->n_runs > 1;
    for (int k = 0; k < cmp->n_hparams; k++) {
        const ur_compare_hparam *h = &cmp->hparams[k];
        if (only_differences && !h->differ)
            continue;
        grid_label(self->hparam_grid, 0, row, h->name, "dim-label");
        for (int i = 0; i < cmp->n_runs; i++)
            grid_label(self->hparam_grid, i + 1, row, h->cells[i] ? h->cells[i] : "—",
                       h->differ && !only_differences ? "unroll-differs" : NULL);
        add_text_row(self->hparam_rows, h->name, h->cells, cmp->n_runs);
        row++;
    }
    if (row == 1)
        gtk_grid_attach(GTK_GRID(self->hparam_grid),
                        gtk_label_new(cmp->n_runs > 1 ? _("The runs have the same settings")
                                                      : _("No settings recorded")),
                        0, 1, (int)items->len + 1, 1);
}

static void fill_metrics(UnrollRunsView *self, GPtrArray *items, const ur_run_compare *cmp)
{
    clear_grid(self->metric_grid);
    g_ptr_array_set_size(self->metric_rows, 0);
    grid_header(self->metric_grid, items);
    int row = 1;
    char **cells = g_new0(char *, cmp->n_runs + 1);
    for (int k = 0; k < cmp->n_metrics; k++)
        for (int pass = 0; pass < 2; pass++) {
            const ur_compare_metric *m = &cmp->metrics[k];
            char *name = g_strdup_printf("%s (%s)", m->name, pass ? _("best") : _("final"));
            grid_label(self->metric_grid, 0, row, name, "dim-label");
            for (int i = 0; i < cmp->n_runs; i++) {
                cells[i] = format_value(pass ? m->best_values[i] : m->final_values[i]);
                GtkWidget *l = grid_label(self->metric_grid, i + 1, row, cells[i], "numeric");
                (void)l;
            }
            add_text_row(self->metric_rows, name, cells, cmp->n_runs);
            for (int i = 0; i < cmp->n_runs; i++)
                g_clear_pointer(&cells[i], g_free);
            g_free(name);
            row++;
        }
    g_free(cells);
    if (row == 1)
        gtk_grid_attach(GTK_GRID(self->metric_grid), gtk_label_new(_("No metrics recorded yet")),
                        0, 1, (int)items->len + 1, 1);
}

static void fill_layers(UnrollRunsView *self, GPtrArray *items, const ur_run_compare *cmp)
{
    clear_grid(self->layer_grid);
    g_ptr_array_set_size(self->layer_rows, 0);
    for (int k = 0; k < cmp->n_layers; k++) {
        const ur_layer_change *ch = &cmp->layers[k];
        UnrollRunItem *item = items->pdata[ch->run];
        const char *kind = ur_layer_change_kind_name(ch->kind);
        grid_label(self->layer_grid, 0, k, ch->layer, "heading");
        grid_label(self->layer_grid, 1, k, item->name, NULL);
        grid_label(self->layer_grid, 2, k, kind, ch->kind == UR_LAYER_CHANGED ? "accent"
                                                 : ch->kind == UR_LAYER_ADDED ? "success"
                                                                               : "error");
        GtkWidget *d = grid_label(self->layer_grid, 3, k, ch->detail ? ch->detail : "", NULL);
        gtk_label_set_max_width_chars(GTK_LABEL(d), 60);
        gtk_widget_set_hexpand(d, TRUE);
        char *cells[3] = {item->name, (char *)kind, ch->detail};
        add_text_row(self->layer_rows, ch->layer, cells, 3);
    }
    if (cmp->n_layers == 0) {
        UnrollRunItem *first = items->pdata[0];
        char *text = items->len > 1
                         ? g_strdup(_("The same layers in every model"))
                         : g_strdup_printf(_("Model “%s”"), first->row.model_name
                                                                ? first->row.model_name : "?");
        GtkWidget *l = grid_label(self->layer_grid, 0, 0, text, "dim-label");
        gtk_label_set_max_width_chars(GTK_LABEL(l), 60);
        g_free(text);
    }
}

/* What happened in each run: pauses, changed settings, stops, failures,
 * interruptions and resumes, in words, with their steps. */
static void fill_events(UnrollRunsView *self, ur_store *s, GPtrArray *items)
{
    clear_grid(self->event_grid);
    g_ptr_array_set_size(self->event_rows, 0);
    if (!s)
        return;
    int row = 0;
    for (guint i = 0; i < items->len; i++) {
        UnrollRunItem *item = items->pdata[i];
        ur_run_event *ev = NULL;
        int n = 0;
        ur_ctx ctx = {0};
        if (ur_store_events(s, item->row.id, &ev, &n, &ctx) != UR_OK) {
            toast(self, ctx.message);
            continue;
        }
        for (int k = 0; k < n; k++) {
            char *words = ur_run_event_describe(&ev[k]);
            char *step = ev[k].step >= 0 ? g_strdup_printf(_("step %lld"), (long long)ev[k].step)
                                         : g_strdup("");
            grid_label(self->event_grid, 0, row, item->name, "heading");
            grid_label(self->event_grid, 1, row, step, "numeric");
            GtkWidget *d = grid_label(self->event_grid, 2, row, words, NULL);
            gtk_label_set_max_width_chars(GTK_LABEL(d), 80);
            gtk_widget_set_hexpand(d, TRUE);
            char *cells[2] = {step, words};
            add_text_row(self->event_rows, item->name, cells, 2);
            g_free(step);
            free(words);
            row++;
        }
        ur_run_events_free(ev, n);
    }
    if (row == 0) {
        GtkWidget *l = grid_label(self->event_grid, 0, 0,
                                  items->len > 1 ? _("Nothing happened to these runs but training")
                                                 : _("Nothing happened to this run but training"),
                                  "dim-label");
        gtk_label_set_max_width_chars(GTK_LABEL(l), 60);
    }
}

/* The per-epoch points of one metric of a run onto a chart series. */
static void chart_metric(UnrollRunsView *self, ur_store *s, UnrollChart *chart,
                         UnrollRunItem *item, guint color, const char *metric, UnrollDash dash,
                         gboolean mark_best)
{
    if (ur_run_row_metric_index(&item->row, metric) < 0)
        return;
    char *label = g_strdup_printf("%s · %s", item->name, metric);
    /* one run: its best validation point marked; several: the curves alone */
    unroll_best best = UNROLL_BEST_NONE;
    if (mark_best && dash == UNROLL_DASH_DASHED)
        best = strstr(metric, "accuracy") ? UNROLL_BEST_MAX : UNROLL_BEST_MIN;
    int series = unroll_chart_add_series(chart, label, color, dash, best);
    if (series >= 0) {
        g_ptr_array_add(self->series_names, label);
        label = NULL;
        ur_metric_point *p = NULL;
        int64_t np = 0;
        ur_ctx ctx = {0};
        if (ur_store_metrics(s, item->row.id, metric, &p, &np, &ctx) == UR_OK)
            for (int64_t k = 0; k < np; k++)
                unroll_chart_append_point(chart, series, p[k].epoch + 1, p[k].epoch, p[k].value);
        free(p);
    }
    g_free(label);
}

static void fill_charts(UnrollRunsView *self, ur_store *s, GPtrArray *items)
{
    UnrollChart *loss = UNROLL_CHART(self->loss_chart), *acc = UNROLL_CHART(self->acc_chart);
    unroll_chart_remove_all_series(loss);
    unroll_chart_remove_all_series(acc);
    g_ptr_array_set_size(self->series_names, 0);
    if (!s)
        return;
    gboolean has_acc = FALSE;
    guint n = MIN(items->len, MAX_CHART_RUNS);
    for (guint i = 0; i < n; i++) {
        UnrollRunItem *item = items->pdata[i];
        chart_metric(self, s, loss, item, i, "loss", UNROLL_DASH_SOLID, n == 1);
        chart_metric(self, s, loss, item, i, "val_loss", UNROLL_DASH_DASHED, n == 1);
        has_acc = has_acc || ur_run_row_metric_index(&item->row, "accuracy") >= 0 ||
                  ur_run_row_metric_index(&item->row, "val_accuracy") >= 0;
    }
    for (guint i = 0; i < n && has_acc; i++) {
        UnrollRunItem *item = items->pdata[i];
        chart_metric(self, s, acc, item, i, "accuracy", UNROLL_DASH_SOLID, n == 1);
        chart_metric(self, s, acc, item, i, "val_accuracy", UNROLL_DASH_DASHED, n == 1);
    }
    gtk_widget_set_visible(self->acc_chart, has_acc);
    if (items->len > MAX_CHART_RUNS) {
        char *note = g_strdup_printf(_("The curves of the first %d selected runs are drawn"),
                                     MAX_CHART_RUNS);
        gtk_label_set_text(GTK_LABEL(self->chart_note), note);
        g_free(note);
    }
    gtk_widget_set_visible(self->chart_note, items->len > MAX_CHART_RUNS);
}

static int compare_ids(gconstpointer pa, gconstpointer pb)
{
    const UnrollRunItem *a = *(UnrollRunItem *const *)pa, *b = *(UnrollRunItem *const *)pb;
    return a->row.id < b->row.id ? -1 : a->row.id > b->row.id;
}

static void rebuild_comparison(UnrollRunsView *self)
{
    if (self->reloading)
        return;
    /* oldest first, whatever the list's order: the others against it */
    GPtrArray *items = selected_items(self);
    g_ptr_array_sort(items, compare_ids);
    g_ptr_array_set_size(self->hparam_rows, 0);
    g_ptr_array_set_size(self->metric_rows, 0);
    g_ptr_array_set_size(self->layer_rows, 0);
    g_ptr_array_set_size(self->event_rows, 0);
    if (items->len == 0) {
        g_ptr_array_set_size(self->series_names, 0);
        unroll_chart_remove_all_series(UNROLL_CHART(self->loss_chart));
        unroll_chart_remove_all_series(UNROLL_CHART(self->acc_chart));
        gtk_stack_set_visible_child_name(GTK_STACK(self->compare_stack), "none");
        g_ptr_array_unref(items);
        return;
    }
    ur_run_row *rows = g_new(ur_run_row, items->len);
    for (guint i = 0; i < items->len; i++)
        rows[i] = ((UnrollRunItem *)items->pdata[i])->row; /* shallow: read only */
    ur_run_compare cmp = {0};
    ur_ctx ctx = {0};
    if (ur_run_compare_build(rows, (int)items->len, &cmp, &ctx) != UR_OK) {
        toast(self, ctx.message);
    } else {
        fill_hparams(self, items, &cmp);
        gtk_widget_set_visible(gtk_widget_get_parent(self->diff_switch), items->len > 1);
        fill_metrics(self, items, &cmp);
        fill_layers(self, items, &cmp);
        ur_run_compare_clear(&cmp);
    }
    g_free(rows);
    /* the curves and the history from one connection to the store */
    ur_store *s = open_store_or_toast(self);
    fill_events(self, s, items);
    fill_charts(self, s, items);
    if (s)
        ur_store_close(s);
    gtk_stack_set_visible_child_name(GTK_STACK(self->compare_stack), "compare");
    g_ptr_array_unref(items);
}

/* ------------------------------------------------------------ actions */

static void update_actions(UnrollRunsView *self)
{
    GPtrArray *items = selected_items(self);
    UnrollRunItem *one = items->len == 1 ? items->pdata[0] : NULL;
    GtkWidget *w = GTK_WIDGET(self);
    gtk_widget_action_set_enabled(w, "runs.open-model", one && one->row.model_json);
    gtk_widget_action_set_enabled(w, "runs.resume", one && resumable(one->row.status));
    gtk_widget_action_set_enabled(w, "runs.label", items->len > 0);
    gtk_widget_action_set_enabled(w, "runs.delete", items->len > 0);
    gtk_widget_action_set_enabled(w, "runs.export-weights", one != NULL);
    gtk_widget_action_set_enabled(w, "runs.export-metrics", one != NULL);
    gtk_widget_action_set_enabled(w, "runs.this-model-only", self->model_filter != NULL);
    g_ptr_array_unref(items);
}

static void on_selection_changed(GtkSelectionModel *m, guint pos, guint n, gpointer data)
{
    (void)m, (void)pos, (void)n;
    UnrollRunsView *self = data;
    if (self->reloading)
        return;
    rebuild_comparison(self);
    update_actions(self);
}

static GtkWindow *parent_window(UnrollRunsView *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    return GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL;
}

static void action_open_model(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    UnrollRunItem *item = single_selected(self);
    if (item && item->row.model_json)
        g_signal_emit(self, signals[SIGNAL_OPEN_MODEL], 0, item->row.model_json, item->row.id);
}

static void action_resume(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    UnrollRunItem *item = single_selected(self);
    if (item && resumable(item->row.status))
        g_signal_emit(self, signals[SIGNAL_RESUME_RUN], 0, item->row.id);
}

static void action_reload(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    unroll_runs_view_reload(UNROLL_RUNS_VIEW(w));
}

static void action_search(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    gtk_widget_grab_focus(UNROLL_RUNS_VIEW(w)->search_entry);
}

static void dialog_closed(UnrollRunsView *self, GtkWidget *dialog)
{
    if (self->dialog == dialog)
        g_clear_pointer(&self->dialog, g_object_unref);
}

/* Applies fn to each id of the dialog's "ids" with one connection; the
 * first error is toasted. Returns how many succeeded. */
static int for_each_run(UnrollRunsView *self, GArray *ids,
                        ur_status (*fn)(ur_store *, int64_t, const char *, ur_ctx *),
                        const char *arg)
{
    GError *error = NULL;
    ur_store *s = open_store(self, &error);
    if (!s) {
        toast(self, error->message);
        g_error_free(error);
        return 0;
    }
    int done = 0;
    for (guint i = 0; i < ids->len; i++) {
        ur_ctx ctx = {0};
        if (fn(s, g_array_index(ids, gint64, i), arg, &ctx) != UR_OK) {
            toast(self, ctx.message);
            break;
        }
        done++;
    }
    ur_store_close(s);
    return done;
}

static ur_status delete_one(ur_store *s, int64_t run, const char *arg, ur_ctx *ctx)
{
    (void)arg;
    return ur_store_run_delete(s, run, ctx);
}

static ur_status label_one(ur_store *s, int64_t run, const char *label, ur_ctx *ctx)
{
    return ur_store_run_set_label(s, run, label, NULL, ctx);
}

static GArray *selected_id_array(UnrollRunsView *self)
{
    guint n = 0;
    gint64 *ids = unroll_runs_view_get_selected_ids(self, &n);
    GArray *a = g_array_sized_new(FALSE, FALSE, sizeof(gint64), n);
    g_array_append_vals(a, ids, n);
    g_free(ids);
    return a;
}

static void on_delete_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    UnrollRunsView *self = data;
    GArray *ids = g_object_get_data(G_OBJECT(dialog), "ids");
    if (g_strcmp0(response, "delete") == 0) {
        int done = for_each_run(self, ids, delete_one, NULL);
        if (done > 0) {
            char *msg = done == 1 ? g_strdup_printf(_("Deleted run %" G_GINT64_FORMAT),
                                                    g_array_index(ids, gint64, 0))
                                  : g_strdup_printf(_("Deleted %d runs"), done);
            toast(self, msg);
            g_free(msg);
        }
        unroll_runs_view_reload(self);
    }
    dialog_closed(self, GTK_WIDGET(dialog));
}

static void present_dialog(UnrollRunsView *self, GtkWidget *dialog, GArray *ids,
                           GCallback on_response)
{
    g_object_set_data_full(G_OBJECT(dialog), "ids", ids, (GDestroyNotify)g_array_unref);
    g_signal_connect_object(dialog, "response", on_response, self, 0);
    g_clear_pointer(&self->dialog, g_object_unref);
    self->dialog = g_object_ref(dialog);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void action_delete(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    GArray *ids = selected_id_array(self);
    if (ids->len == 0) {
        g_array_unref(ids);
        return;
    }
    char *heading;
    if (ids->len == 1) {
        UnrollRunItem *item = find_item(self, g_array_index(ids, gint64, 0));
        heading = g_strdup_printf(_("Delete “%s”?"), item ? item->name : "?");
    } else {
        heading = g_strdup_printf(_("Delete %u Runs?"), ids->len);
    }
    GtkWidget *dialog = adw_message_dialog_new(
        parent_window(self), heading,
        ids->len == 1 ? _("Its metrics and checkpoints are deleted too. This cannot be undone.")
                      : _("Their metrics and checkpoints are deleted too. This cannot be undone."));
    g_free(heading);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("_Cancel"), "delete",
                                     _("_Delete"), NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "delete",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    present_dialog(self, dialog, ids, G_CALLBACK(on_delete_response));
}

static void on_label_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    UnrollRunsView *self = data;
    GArray *ids = g_object_get_data(G_OBJECT(dialog), "ids");
    GtkEditable *entry = g_object_get_data(G_OBJECT(dialog), "entry");
    if (g_strcmp0(response, "label") == 0) {
        char *label = g_strstrip(g_strdup(gtk_editable_get_text(entry)));
        for_each_run(self, ids, label_one, label);
        g_free(label);
        unroll_runs_view_reload(self);
    }
    dialog_closed(self, GTK_WIDGET(dialog));
}

static void action_label(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    GArray *ids = selected_id_array(self);
    if (ids->len == 0) {
        g_array_unref(ids);
        return;
    }
    UnrollRunItem *first = find_item(self, g_array_index(ids, gint64, 0));
    char *heading = ids->len == 1 ? g_strdup_printf(_("Label Run %" G_GINT64_FORMAT),
                                                    g_array_index(ids, gint64, 0))
                                  : g_strdup_printf(_("Label %u Runs"), ids->len);
    GtkWidget *dialog = adw_message_dialog_new(parent_window(self), heading,
                                               _("The label names the run in lists, charts "
                                                 "and comparisons."));
    g_free(heading);
    GtkWidget *entry = gtk_entry_new();
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    gtk_entry_set_placeholder_text(GTK_ENTRY(entry), _("Label"));
    if (first && first->row.label)
        gtk_editable_set_text(GTK_EDITABLE(entry), first->row.label);
    adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(dialog), entry);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("_Cancel"), "label",
                                     _("_Set Label"), NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "label",
                                               ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "label");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_object_set_data(G_OBJECT(dialog), "entry", entry);
    present_dialog(self, dialog, ids, G_CALLBACK(on_label_response));
    gtk_widget_grab_focus(entry);
}

/* --------------------------------------------------------------- export */

/* The one selected run and a connection to the store, or NULL with error
 * ("Select one run to export its <what>"). */
static ur_store *open_for_export(UnrollRunsView *self, const char *what, UnrollRunItem **item,
                                 GError **error)
{
    *item = single_selected(self);
    if (!*item) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("Select one run to export its %s"), what);
        return NULL;
    }
    return open_store(self, error);
}

static gboolean export_weights(UnrollRunsView *self, const char *path, gboolean best,
                               GError **error)
{
    UnrollRunItem *item;
    ur_store *s = open_for_export(self, _("weights"), &item, error);
    if (!s)
        return FALSE;
    ur_ctx ctx = {0};
    int epoch = 0;
    ur_checkpoint_kind kind = best ? UR_CHECKPOINT_BEST : UR_CHECKPOINT_LAST;
    ur_status st = ur_export_weights(s, item->row.id, kind, 0, ur_weights_format_for_path(path),
                                     path, &epoch, NULL, &ctx);
    ur_store_close(s);
    if (st != UR_OK) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, ctx.message);
        return FALSE;
    }
    char what[96];
    ur_export_checkpoint_name(item->row.id, kind, 0, what, sizeof what);
    char *base = g_path_get_basename(path);
    char *msg = g_strdup_printf(_("Exported %s (epoch %d) to %s"), what, epoch, base);
    toast(self, msg);
    g_free(msg);
    g_free(base);
    return TRUE;
}

static gboolean export_metrics(UnrollRunsView *self, const char *path, GError **error)
{
    UnrollRunItem *item;
    ur_store *s = open_for_export(self, _("metrics"), &item, error);
    if (!s)
        return FALSE;
    ur_ctx ctx = {0};
    size_t len = 0;
    char *csv = ur_export_metrics(s, item->row.id, NULL, false, &len, &ctx);
    ur_store_close(s);
    if (!csv) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, ctx.message);
        return FALSE;
    }
    gboolean ok = g_file_set_contents(path, csv, (gssize)len, error);
    free(csv);
    if (ok) {
        char *base = g_path_get_basename(path);
        char *msg = g_strdup_printf(_("Exported the metrics of run %" G_GINT64_FORMAT " to %s"),
                                    item->row.id, base);
        toast(self, msg);
        g_free(msg);
        g_free(base);
    }
    return ok;
}

static void add_filter(GtkFileChooser *chooser, const char *name, const char *pattern)
{
    GtkFileFilter *f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, name);
    gtk_file_filter_add_pattern(f, pattern);
    gtk_file_chooser_add_filter(chooser, f);
    g_object_unref(f);
}

static void on_chooser_response(GtkNativeDialog *native, int response, gpointer data)
{
    UnrollRunsView *self = data;
    gboolean weights = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(native), "weights"));
    if (response == GTK_RESPONSE_ACCEPT) {
        GFile *file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(native));
        char *path = file ? g_file_get_path(file) : NULL;
        GError *error = NULL;
        if (path && weights) {
            /* no known extension: the chosen filter's */
            if (!g_str_has_suffix(path, ".npz") && !g_str_has_suffix(path, ".safetensors")) {
                GtkFileFilter *f = gtk_file_chooser_get_filter(GTK_FILE_CHOOSER(native));
                const char *fname = f ? gtk_file_filter_get_name(f) : NULL;
                char *full = g_strconcat(path, fname && strstr(fname, "NumPy") ? ".npz"
                                                                                : ".safetensors",
                                         NULL);
                g_free(path);
                path = full;
            }
            if (!export_weights(self, path, self->chooser_best, &error))
                toast(self, error->message);
        } else if (path) {
            if (!export_metrics(self, path, &error))
                toast(self, error->message);
        } else if (file) {
            toast(self, _("Choose a local file to export to"));
        }
        g_clear_error(&error);
        g_free(path);
        g_clear_object(&file);
    }
    if (self->chooser == native)
        g_clear_object(&self->chooser);
}

static void present_chooser(UnrollRunsView *self, gboolean weights, gboolean best)
{
    UnrollRunItem *item = single_selected(self);
    if (!item)
        return;
    if (self->chooser) {
        gtk_native_dialog_destroy(self->chooser);
        g_clear_object(&self->chooser);
    }
    GtkFileChooserNative *native = gtk_file_chooser_native_new(
        weights ? (best ? _("Export Best Weights") : _("Export Last Weights"))
                : _("Export Metrics"),
        parent_window(self), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
    GtkFileChooser *chooser = GTK_FILE_CHOOSER(native);
    char *name;
    if (weights) {
        add_filter(chooser, _("Safetensors weights"), "*.safetensors");
        add_filter(chooser, _("NumPy archive (.npz)"), "*.npz");
        name = g_strdup_printf("run-%" G_GINT64_FORMAT "-%s.safetensors", item->row.id,
                               best ? "best" : "last");
    } else {
        add_filter(chooser, _("CSV"), "*.csv");
        name = g_strdup_printf("run-%" G_GINT64_FORMAT "-metrics.csv", item->row.id);
    }
    gtk_file_chooser_set_current_name(chooser, name);
    g_free(name);
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(native), TRUE);
    g_object_set_data(G_OBJECT(native), "weights", GINT_TO_POINTER(weights));
    self->chooser_best = best;
    self->chooser = GTK_NATIVE_DIALOG(native);
    g_signal_connect_object(native, "response", G_CALLBACK(on_chooser_response), self, 0);
    gtk_native_dialog_show(self->chooser);
}

static void action_export_weights(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name;
    present_chooser(UNROLL_RUNS_VIEW(w), TRUE,
                    param && g_strcmp0(g_variant_get_string(param, NULL), "best") == 0);
}

static void action_export_metrics(GtkWidget *w, const char *name, GVariant *param)
{
    (void)name, (void)param;
    present_chooser(UNROLL_RUNS_VIEW(w), FALSE, FALSE);
}

/* -------------------------------------------------------- context menu */

static void on_right_click(GtkGestureClick *g, int n_press, double x, double y, gpointer data)
{
    (void)n_press;
    UnrollRunsView *self = data;
    GtkWidget *cv = self->column_view;
    GtkWidget *hit = gtk_widget_pick(cv, x, y, GTK_PICK_DEFAULT);
    GtkListItem *li = NULL;
    for (GtkWidget *w = hit; w && w != cv && !li; w = gtk_widget_get_parent(w))
        li = g_object_get_data(G_OBJECT(w), "unroll-list-item");
    if (!li) {
        /* a row's padding: its cells are children of the row widget */
        for (GtkWidget *w = hit; w && w != cv && !li; w = gtk_widget_get_parent(w))
            for (GtkWidget *c = gtk_widget_get_first_child(w); c && !li;
                 c = gtk_widget_get_next_sibling(c))
                for (GtkWidget *cc = gtk_widget_get_first_child(c); cc && !li;
                     cc = gtk_widget_get_next_sibling(cc))
                    li = g_object_get_data(G_OBJECT(cc), "unroll-list-item");
    }
    if (!li)
        return;
    guint pos = gtk_list_item_get_position(li);
    if (pos != GTK_INVALID_LIST_POSITION &&
        !gtk_selection_model_is_selected(GTK_SELECTION_MODEL(self->selection), pos))
        gtk_selection_model_select_item(GTK_SELECTION_MODEL(self->selection), pos, TRUE);
    gtk_gesture_set_state(GTK_GESTURE(g), GTK_EVENT_SEQUENCE_CLAIMED);
    graphene_point_t p;
    if (!gtk_widget_compute_point(cv, GTK_WIDGET(self), &GRAPHENE_POINT_INIT((float)x, (float)y),
                                  &p))
        return;
    gtk_popover_set_pointing_to(GTK_POPOVER(self->context_menu),
                                &(GdkRectangle){(int)p.x, (int)p.y, 1, 1});
    gtk_popover_popup(GTK_POPOVER(self->context_menu));
}

static void on_row_activated(GtkColumnView *cv, guint pos, gpointer data)
{
    (void)cv, (void)pos;
    /* double-click or Enter: open the run's model */
    gtk_widget_activate_action(GTK_WIDGET(data), "runs.open-model", NULL);
}

/* -------------------------------------------------------------- build */

static GMenuModel *actions_menu(gboolean with_open)
{
    GMenu *menu = g_menu_new(), *sec = g_menu_new();
    if (with_open) {
        g_menu_append(sec, _("_Open Model"), "runs.open-model");
        g_menu_append(sec, _("_Resume"), "runs.resume");
        g_menu_append_section(menu, NULL, G_MENU_MODEL(sec));
        g_object_unref(sec);
        sec = g_menu_new();
        g_menu_append(sec, _("_Label…"), "runs.label");
        g_menu_append_section(menu, NULL, G_MENU_MODEL(sec));
        g_object_unref(sec);
        sec = g_menu_new();
    }
    g_menu_append(sec, _("Export _Last Weights…"), "runs.export-weights::last");
    g_menu_append(sec, _("Export _Best Weights…"), "runs.export-weights::best");
    g_menu_append(sec, _("Export _Metrics (CSV)…"), "runs.export-metrics");
    g_menu_append_section(menu, NULL, G_MENU_MODEL(sec));
    g_object_unref(sec);
    if (with_open) {
        sec = g_menu_new();
        g_menu_append(sec, _("_Delete…"), "runs.delete");
        g_menu_append_section(menu, NULL, G_MENU_MODEL(sec));
        g_object_unref(sec);
    }
    return G_MENU_MODEL(menu);
}

static GtkWidget *icon_button(const char *icon, const char *tooltip, const char *action)
{
    GtkWidget *b = gtk_button_new_from_icon_name(icon);
    gtk_widget_set_tooltip_text(b, tooltip);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(b), action);
    return b;
}

static GtkWidget *build_toolbar(UnrollRunsView *self)
{
    GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_widget_add_css_class(bar, "toolbar");
    self->search_entry = gtk_search_entry_new();
    g_object_set(self->search_entry, "placeholder-text", _("Search runs"), NULL);
    gtk_widget_set_size_request(self->search_entry, 260, -1);
    gtk_box_append(GTK_BOX(bar), self->search_entry);
    self->model_toggle = gtk_toggle_button_new_with_label(_("This Model Only"));
    gtk_actionable_set_action_name(GTK_ACTIONABLE(self->model_toggle), "runs.this-model-only");
    gtk_widget_set_tooltip_text(self->model_toggle, _("Only the runs of the open model"));
    gtk_box_append(GTK_BOX(bar), self->model_toggle);
    GtkWidget *spacer = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_set_hexpand(spacer, TRUE);
    gtk_box_append(GTK_BOX(bar), spacer);

    GtkWidget *open = gtk_button_new_with_mnemonic(_("_Open Model"));
    gtk_actionable_set_action_name(GTK_ACTIONABLE(open), "runs.open-model");
    gtk_widget_set_tooltip_text(open, _("Open the run's model in the editor"));
    gtk_box_append(GTK_BOX(bar), open);
    GtkWidget *resume = gtk_button_new_with_mnemonic(_("_Resume"));
    gtk_actionable_set_action_name(GTK_ACTIONABLE(resume), "runs.resume");
    gtk_widget_set_tooltip_text(resume, _("Continue an interrupted or paused run"));
    gtk_box_append(GTK_BOX(bar), resume);
    GtkWidget *group = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_add_css_class(group, "linked");
    gtk_box_append(GTK_BOX(group), icon_button("document-edit-symbolic", _("Label… (F2)"),
                                               "runs.label"));
    GtkWidget *export = gtk_menu_button_new();
    gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(export), "document-save-symbolic");
    gtk_widget_set_tooltip_text(export, _("Export"));
    GMenuModel *menu = actions_menu(FALSE);
    gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(export), menu);
    g_object_unref(menu);
    gtk_box_append(GTK_BOX(group), export);
    gtk_box_append(GTK_BOX(bar), group);
    GtkWidget *del = icon_button("user-trash-symbolic", _("Delete… (Delete)"), "runs.delete");
    gtk_box_append(GTK_BOX(bar), del);
    gtk_box_append(GTK_BOX(bar), icon_button("view-refresh-symbolic", _("Reload (F5)"),
                                             "runs.reload"));
    return bar;
}

static GtkWidget *status_page(const char *icon, const char *title, const char *description)
{
    GtkWidget *p = adw_status_page_new();
    adw_status_page_set_icon_name(ADW_STATUS_PAGE(p), icon);
    adw_status_page_set_title(ADW_STATUS_PAGE(p), title);
    adw_status_page_set_description(ADW_STATUS_PAGE(p), description);
    gtk_widget_add_css_class(p, "compact");
    return p;
}

static GtkWidget *build_list(UnrollRunsView *self)
{
    self->column_view = gtk_column_view_new(GTK_SELECTION_MODEL(g_object_ref(self->selection)));
    gtk_column_view_set_show_column_separators(GTK_COLUMN_VIEW(self->column_view), FALSE);
    gtk_column_view_set_reorderable(GTK_COLUMN_VIEW(self->column_view), FALSE);
    gtk_widget_add_css_class(self->column_view, "data-table");
    add_column(self, COL_STATUS, _("Status"), FALSE, 120);
    add_column(self, COL_LABEL, _("Label"), TRUE, -1);
    add_column(self, COL_MODEL, _("Model"), TRUE, -1);
    add_column(self, COL_DATASET, _("Dataset"), TRUE, -1);
    add_column(self, COL_LOSS, _("Best Loss"), FALSE, 100);
    add_column(self, COL_ACCURACY, _("Best Accuracy"), FALSE, 120);
    add_column(self, COL_STARTED, _("Started"), FALSE, 150);
    add_column(self, COL_DURATION, _("Duration"), FALSE, 110);
    gtk_sort_list_model_set_sorter(self->sorted,
                                   gtk_column_view_get_sorter(GTK_COLUMN_VIEW(self->column_view)));
    gtk_column_view_sort_by_column(GTK_COLUMN_VIEW(self->column_view), self->columns[COL_STARTED],
                                   GTK_SORT_DESCENDING);
    g_signal_connect(self->column_view, "activate", G_CALLBACK(on_row_activated), self);

    GtkGesture *click = gtk_gesture_click_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click), GDK_BUTTON_SECONDARY);
    g_signal_connect(click, "pressed", G_CALLBACK(on_right_click), self);
    gtk_widget_add_controller(self->column_view, GTK_EVENT_CONTROLLER(click));

    GtkWidget *scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), self->column_view);
    gtk_widget_set_vexpand(scroll, TRUE);

    self->list_stack = gtk_stack_new();
    gtk_stack_add_named(GTK_STACK(self->list_stack), scroll, "list");
    gtk_stack_add_named(GTK_STACK(self->list_stack),
                        status_page("document-open-recent-symbolic", _("No Runs Yet"),
                                    _("Runs appear here when a model is trained.")),
                        "empty");
    gtk_stack_add_named(GTK_STACK(self->list_stack),
                        status_page("edit-find-symbolic", _("No Matching Runs"),
                                    _("No run's label, model, dataset or status matches the "
                                      "search.")),
                        "no-match");
    self->error_page = status_page("dialog-error-symbolic", _("Cannot Read the Run Store"), NULL);
    gtk_stack_add_named(GTK_STACK(self->list_stack), self->error_page, "error");
    return self->list_stack;
}

static GtkWidget *section(GtkWidget *box, const char *title, GtkWidget **grid,
                          GtkWidget *suffix)
{
    GtkWidget *head = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    GtkWidget *label = gtk_label_new(title);
    gtk_widget_add_css_class(label, "heading");
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_widget_set_hexpand(label, TRUE);
    gtk_box_append(GTK_BOX(head), label);
    if (suffix)
        gtk_box_append(GTK_BOX(head), suffix);
    gtk_widget_set_margin_top(head, 12);
    gtk_box_append(GTK_BOX(box), head);
    *grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(*grid), 24);
    gtk_grid_set_row_spacing(GTK_GRID(*grid), 6);
    gtk_widget_add_css_class(*grid, "card");
    gtk_widget_add_css_class(*grid, "unroll-runs-compare-table");
    gtk_box_append(GTK_BOX(box), *grid);
    return head;
}

static GtkWidget *build_compare(UnrollRunsView *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_margin_start(box, 18);
    gtk_widget_set_margin_end(box, 18);
    gtk_widget_set_margin_top(box, 12);
    gtk_widget_set_margin_bottom(box, 18);

    GtkWidget *charts = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_box_set_homogeneous(GTK_BOX(charts), TRUE);
    self->loss_chart = unroll_chart_new();
    unroll_chart_set_title(UNROLL_CHART(self->loss_chart), _("Loss"));
    self->acc_chart = unroll_chart_new();
    unroll_chart_set_title(UNROLL_CHART(self->acc_chart), _("Accuracy"));
    GtkWidget *chart_widgets[] = {self->loss_chart, self->acc_chart};
    for (int i = 0; i < 2; i++) {
        UnrollChart *c = UNROLL_CHART(chart_widgets[i]);
        unroll_chart_set_x_label(c, _("Epoch"));
        unroll_chart_set_x_is_epoch(c, TRUE);
        gtk_widget_add_css_class(chart_widgets[i], "unroll-runs-chart");
        gtk_widget_set_hexpand(chart_widgets[i], TRUE);
        gtk_box_append(GTK_BOX(charts), chart_widgets[i]);
    }
    gtk_box_append(GTK_BOX(box), charts);
    self->chart_note = gtk_label_new(NULL);
    gtk_widget_add_css_class(self->chart_note, "dim-label");
    gtk_widget_add_css_class(self->chart_note, "caption");
    gtk_widget_set_visible(self->chart_note, FALSE);
    gtk_box_append(GTK_BOX(box), self->chart_note);

    GtkWidget *diff = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *diff_label = gtk_label_new(_("Differences Only"));
    gtk_widget_add_css_class(diff_label, "dim-label");
    self->diff_switch = gtk_switch_new();
    gtk_widget_set_valign(self->diff_switch, GTK_ALIGN_CENTER);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(self->diff_switch), "runs.differences-only");
    gtk_box_append(GTK_BOX(diff), diff_label);
    gtk_box_append(GTK_BOX(diff), self->diff_switch);
    section(box, _("Settings"), &self->hparam_grid, diff);
    section(box, _("Metrics"), &self->metric_grid, NULL);
    section(box, _("Layers That Differ"), &self->layer_grid, NULL);
    section(box, _("History"), &self->event_grid, NULL);

    GtkWidget *clamp = adw_clamp_new();
    adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 1400);
    adw_clamp_set_child(ADW_CLAMP(clamp), box);
    GtkWidget *scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), clamp);

    self->compare_stack = gtk_stack_new();
    gtk_stack_add_named(GTK_STACK(self->compare_stack),
                        status_page("view-list-symbolic", _("No Run Selected"),
                                    _("Select a run to see its curves and settings, or several "
                                      "(Ctrl or Shift) to compare them.")),
                        "none");
    gtk_stack_add_named(GTK_STACK(self->compare_stack), scroll, "compare");
    return self->compare_stack;
}

static void on_search_changed(GtkSearchEntry *entry, gpointer data)
{
    UnrollRunsView *self = data;
    char *folded = g_utf8_casefold(gtk_editable_get_text(GTK_EDITABLE(entry)), -1);
    g_strfreev(self->search_words);
    self->search_words = g_strsplit_set(folded, " \t", -1);
    g_free(folded);
    gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
    update_list_page(self);
}

static void on_map(GtkWidget *w, gpointer data)
{
    (void)data;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    if (!self->poll_id)
        self->poll_id = g_timeout_add_seconds(POLL_SECONDS, poll_store, self);
    /* runs may have changed while hidden */
    if (any_running(self) || store_changed(self))
        unroll_runs_view_reload(self);
}

static void on_unmap(GtkWidget *w, gpointer data)
{
    (void)data;
    UnrollRunsView *self = UNROLL_RUNS_VIEW(w);
    if (self->poll_id) {
        g_source_remove(self->poll_id);
        self->poll_id = 0;
    }
}

static void unroll_runs_view_init(UnrollRunsView *self)
{
    ensure_style();
    self->hparam_rows = g_ptr_array_new_with_free_func(g_free);
    self->metric_rows = g_ptr_array_new_with_free_func(g_free);
    self->layer_rows = g_ptr_array_new_with_free_func(g_free);
    self->event_rows = g_ptr_array_new_with_free_func(g_free);
    self->series_names = g_ptr_array_new_with_free_func(g_free);

    self->runs = g_list_store_new(UNROLL_TYPE_RUN_ITEM);
    self->filter = gtk_custom_filter_new(filter_run, self, NULL);
    self->filtered = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->runs)),
                                               GTK_FILTER(g_object_ref(self->filter)));
    self->sorted = gtk_sort_list_model_new(G_LIST_MODEL(g_object_ref(self->filtered)), NULL);
    self->selection = gtk_multi_selection_new(G_LIST_MODEL(g_object_ref(self->sorted)));
    g_signal_connect(self->selection, "selection-changed", G_CALLBACK(on_selection_changed), self);

    GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_box_append(GTK_BOX(outer), build_toolbar(self));
    gtk_box_append(GTK_BOX(outer), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
    GtkWidget *paned = gtk_paned_new(GTK_ORIENTATION_VERTICAL);
    gtk_paned_set_start_child(GTK_PANED(paned), build_list(self));
    gtk_paned_set_end_child(GTK_PANED(paned), build_compare(self));
    gtk_paned_set_resize_start_child(GTK_PANED(paned), FALSE);
    gtk_paned_set_shrink_start_child(GTK_PANED(paned), FALSE);
    gtk_paned_set_shrink_end_child(GTK_PANED(paned), FALSE);
    gtk_paned_set_position(GTK_PANED(paned), 240);
    gtk_widget_set_vexpand(paned, TRUE);
    gtk_box_append(GTK_BOX(outer), paned);

    self->toasts = adw_toast_overlay_new();
    adw_toast_overlay_set_child(ADW_TOAST_OVERLAY(self->toasts), outer);
    gtk_widget_set_parent(self->toasts, GTK_WIDGET(self));

    GMenuModel *menu = actions_menu(TRUE);
    self->context_menu = gtk_popover_menu_new_from_model(menu);
    g_object_unref(menu);
    gtk_popover_set_has_arrow(GTK_POPOVER(self->context_menu), FALSE);
    gtk_widget_set_halign(self->context_menu, GTK_ALIGN_START);
    gtk_widget_set_parent(self->context_menu, GTK_WIDGET(self));

    g_signal_connect(self->search_entry, "search-changed", G_CALLBACK(on_search_changed), self);
    g_signal_connect(self, "map", G_CALLBACK(on_map), NULL);
    g_signal_connect(self, "unmap", G_CALLBACK(on_unmap), NULL);
    update_list_page(self);
    update_actions(self);
}

static void unroll_runs_view_dispose(GObject *object)
{
    UnrollRunsView *self = UNROLL_RUNS_VIEW(object);
    if (self->poll_id) {
        g_source_remove(self->poll_id);
        self->poll_id = 0;
    }
    if (self->chooser) {
        gtk_native_dialog_destroy(self->chooser);
        g_clear_object(&self->chooser);
    }
    g_clear_pointer(&self->dialog, g_object_unref);
    g_clear_pointer(&self->context_menu, gtk_widget_unparent);
    g_clear_pointer(&self->toasts, gtk_widget_unparent);
    if (self->selection)
        g_signal_handlers_disconnect_by_data(self->selection, self);
    g_clear_object(&self->selection);
    g_clear_object(&self->sorted);
    g_clear_object(&self->filtered);
    g_clear_object(&self->filter);
    g_clear_object(&self->runs);
    G_OBJECT_CLASS(unroll_runs_view_parent_class)->dispose(object);
}

static void unroll_runs_view_finalize(GObject *object)
{
    UnrollRunsView *self = UNROLL_RUNS_VIEW(object);
    g_free(self->db_path);
    g_free(self->model_filter);
    g_free(self->error);
    g_strfreev(self->search_words);
    g_ptr_array_unref(self->hparam_rows);
    g_ptr_array_unref(self->metric_rows);
    g_ptr_array_unref(self->layer_rows);
    g_ptr_array_unref(self->event_rows);
    g_ptr_array_unref(self->series_names);
    G_OBJECT_CLASS(unroll_runs_view_parent_class)->finalize(object);
}

static void unroll_runs_view_get_property(GObject *object, guint id, GValue *value,
                                          GParamSpec *pspec)
{
    UnrollRunsView *self = UNROLL_RUNS_VIEW(object);
    switch (id) {
    case PROP_THIS_MODEL_ONLY: g_value_set_boolean(value, self->this_model_only); break;
    case PROP_DIFFERENCES_ONLY: g_value_set_boolean(value, self->differences_only); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void unroll_runs_view_set_property(GObject *object, guint id, const GValue *value,
                                          GParamSpec *pspec)
{
    UnrollRunsView *self = UNROLL_RUNS_VIEW(object);
    switch (id) {
    case PROP_THIS_MODEL_ONLY:
        unroll_runs_view_set_this_model_only(self, g_value_get_boolean(value));
        break;
    case PROP_DIFFERENCES_ONLY:
        unroll_runs_view_set_differences_only(self, g_value_get_boolean(value));
        break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void unroll_runs_view_class_init(UnrollRunsViewClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    oc->dispose = unroll_runs_view_dispose;
    oc->finalize = unroll_runs_view_finalize;
    oc->get_property = unroll_runs_view_get_property;
    oc->set_property = unroll_runs_view_set_property;

    props[PROP_THIS_MODEL_ONLY] =
        g_param_spec_boolean("this-model-only", NULL, NULL, FALSE,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    props[PROP_DIFFERENCES_ONLY] =
        g_param_spec_boolean("differences-only", NULL, NULL, FALSE,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);

    signals[SIGNAL_OPEN_MODEL] =
        g_signal_new("open-model", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);
    signals[SIGNAL_RESUME_RUN] =
        g_signal_new("resume-run", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

    gtk_widget_class_install_action(wc, "runs.open-model", NULL, action_open_model);
    gtk_widget_class_install_action(wc, "runs.resume", NULL, action_resume);
    gtk_widget_class_install_action(wc, "runs.label", NULL, action_label);
    gtk_widget_class_install_action(wc, "runs.delete", NULL, action_delete);
    gtk_widget_class_install_action(wc, "runs.export-weights", "s", action_export_weights);
    gtk_widget_class_install_action(wc, "runs.export-metrics", NULL, action_export_metrics);
    gtk_widget_class_install_action(wc, "runs.reload", NULL, action_reload);
    gtk_widget_class_install_action(wc, "runs.search", NULL, action_search);
    gtk_widget_class_install_property_action(wc, "runs.this-model-only", "this-model-only");
    gtk_widget_class_install_property_action(wc, "runs.differences-only", "differences-only");

    gtk_widget_class_add_binding_action(wc, GDK_KEY_Delete, 0, "runs.delete", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_F2, 0, "runs.label", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_F5, 0, "runs.reload", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_r, GDK_CONTROL_MASK, "runs.reload", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_f, GDK_CONTROL_MASK, "runs.search", NULL);

    gtk_widget_class_set_layout_manager_type(wc, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(wc, "unroll-runs-view");
}

/* ------------------------------------------------------------- public */

GtkWidget *unroll_runs_view_new(void) { return g_object_new(UNROLL_TYPE_RUNS_VIEW, NULL); }

void unroll_runs_view_set_store(UnrollRunsView *self, const char *db_path)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    g_free(self->db_path);
    self->db_path = g_strdup(db_path);
    unroll_runs_view_reload(self);
}

const char *unroll_runs_view_get_store(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return self->db_path;
}

void unroll_runs_view_set_model_filter(UnrollRunsView *self, const char *model_name)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    if (g_strcmp0(self->model_filter, model_name) == 0)
        return;
    g_free(self->model_filter);
    self->model_filter = g_strdup(model_name);
    char *tip = model_name ? g_strdup_printf(_("Only the runs of “%s”"), model_name)
                           : g_strdup(_("Open a model to see only its runs"));
    gtk_widget_set_tooltip_text(self->model_toggle, tip);
    g_free(tip);
    if (self->this_model_only)
        gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
    update_list_page(self);
    update_actions(self);
}

void unroll_runs_view_set_this_model_only(UnrollRunsView *self, gboolean only)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    only = !!only;
    if (self->this_model_only == only)
        return;
    self->this_model_only = only;
    gtk_filter_changed(GTK_FILTER(self->filter), only ? GTK_FILTER_CHANGE_MORE_STRICT
                                                      : GTK_FILTER_CHANGE_LESS_STRICT);
    update_list_page(self);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_THIS_MODEL_ONLY]);
}

void unroll_runs_view_set_differences_only(UnrollRunsView *self, gboolean only)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    only = !!only;
    if (self->differences_only == only)
        return;
    self->differences_only = only;
    rebuild_comparison(self);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DIFFERENCES_ONLY]);
}

const char *unroll_runs_view_get_error(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return self->error;
}

guint unroll_runs_view_get_n_shown(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), 0);
    return g_list_model_get_n_items(G_LIST_MODEL(self->sorted));
}

gint64 unroll_runs_view_get_shown_id(UnrollRunsView *self, guint position)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), 0);
    UnrollRunItem *item = g_list_model_get_item(G_LIST_MODEL(self->sorted), position);
    if (!item)
        return 0;
    gint64 id = item->row.id;
    g_object_unref(item);
    return id;
}

const char *unroll_runs_view_get_status(UnrollRunsView *self, gint64 run_id)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    UnrollRunItem *item = find_item(self, run_id);
    return item ? ur_run_status_name(item->row.status) : NULL;
}

const char *unroll_runs_view_get_label(UnrollRunsView *self, gint64 run_id)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    UnrollRunItem *item = find_item(self, run_id);
    return item ? (item->row.label ? item->row.label : "") : NULL;
}

void unroll_runs_view_set_search(UnrollRunsView *self, const char *text)
{
    g_return_if_fail(UNROLL_IS_RUNS_VIEW(self));
    gtk_editable_set_text(GTK_EDITABLE(self->search_entry), text ? text : "");
    /* the entry reports changes after a delay: apply now */
    on_search_changed(GTK_SEARCH_ENTRY(self->search_entry), self);
}

gboolean unroll_runs_view_sort_by(UnrollRunsView *self, const char *column, gboolean ascending)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), FALSE);
    for (int i = 0; i < N_COLUMNS; i++)
        if (g_strcmp0(column, column_keys[i]) == 0) {
            gtk_column_view_sort_by_column(GTK_COLUMN_VIEW(self->column_view), self->columns[i],
                                           ascending ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
            return TRUE;
        }
    return FALSE;
}

guint unroll_runs_view_select_ids(UnrollRunsView *self, const gint64 *ids, guint n)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), 0);
    GListModel *m = G_LIST_MODEL(self->selection);
    guint total = g_list_model_get_n_items(m), selected = 0;
    GtkBitset *set = gtk_bitset_new_empty(), *mask = gtk_bitset_new_range(0, total);
    for (guint i = 0; i < total; i++) {
        UnrollRunItem *item = g_list_model_get_item(m, i);
        for (guint k = 0; k < n; k++)
            if (item->row.id == ids[k]) {
                gtk_bitset_add(set, i);
                selected++;
                break;
            }
        g_object_unref(item);
    }
    if (total > 0)
        gtk_selection_model_set_selection(GTK_SELECTION_MODEL(self->selection), set, mask);
    gtk_bitset_unref(set);
    gtk_bitset_unref(mask);
    return selected;
}

gint64 *unroll_runs_view_get_selected_ids(UnrollRunsView *self, guint *n)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    GPtrArray *items = selected_items(self);
    gint64 *ids = g_new0(gint64, items->len + 1);
    for (guint i = 0; i < items->len; i++)
        ids[i] = ((UnrollRunItem *)items->pdata[i])->row.id;
    if (n)
        *n = items->len;
    g_ptr_array_unref(items);
    return ids;
}

static char **rows_copy(GPtrArray *rows)
{
    char **out = g_new0(char *, rows->len + 1);
    for (guint i = 0; i < rows->len; i++)
        out[i] = g_strdup(rows->pdata[i]);
    return out;
}

char **unroll_runs_view_get_hparam_rows(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return rows_copy(self->hparam_rows);
}

char **unroll_runs_view_get_metric_rows(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return rows_copy(self->metric_rows);
}

char **unroll_runs_view_get_event_rows(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return rows_copy(self->event_rows);
}

char **unroll_runs_view_get_layer_rows(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return rows_copy(self->layer_rows);
}

char **unroll_runs_view_get_series_names(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return rows_copy(self->series_names);
}

GtkWidget *unroll_runs_view_get_dialog(UnrollRunsView *self)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), NULL);
    return self->dialog;
}

gboolean unroll_runs_view_export_weights_to(UnrollRunsView *self, const char *path,
                                            gboolean best, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), FALSE);
    return export_weights(self, path, best, error);
}

gboolean unroll_runs_view_export_metrics_to(UnrollRunsView *self, const char *path,
                                            GError **error)
{
    g_return_val_if_fail(UNROLL_IS_RUNS_VIEW(self), FALSE);
    return export_metrics(self, path, error);
}
