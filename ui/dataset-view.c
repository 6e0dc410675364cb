/* dataset-view.c — UnrollDatasetView: the dataset chooser (built-ins and
 * .npz import through GtkFileChooserNative), loading in a GTask thread, the
 * preview (digit image or per-feature sequence plot, stepping through
 * samples), shapes and counts, the class-balance bars, and the fit check
 * against the model's inputs and outputs. A CSV series shows its windowing
 * (window, horizon, stride, target and feature columns, validation part,
 * standardization) as rows that rewrite the spec's options. */
#include "dataset-view.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "run.h"
#include "summary-view.h"

/* The built-in choices, in the combo row's order; an imported file comes after. */
static const struct {
    const char *spec, *title;
} builtins[] = {
    {"mnist", "MNIST digits"},
    {"synthetic:adding", "Synthetic: adding problem"},
    {"synthetic:sine", "Synthetic: noisy sine"},
    {"synthetic:parity", "Synthetic: bit parity"},
};
#define N_BUILTINS ((guint)G_N_ELEMENTS(builtins))
#define MAX_CLASSES 32

struct _UnrollDatasetView {
    GtkWidget parent_instance;

    GtkWidget *box;
    AdwComboRow *combo;
    GtkStringList *choices;
    char *file_spec;              /* the imported file, the combo's last entry */
    GtkWidget *import_button;
    GtkWidget *stack;             /* "loading", "error", "digit", "sequence" */
    GtkWidget *digit_area, *sequence_area;
    GtkWidget *sample_label, *prev_button, *next_button;
    GtkWidget *error_label;
    GtkWidget *train_row, *val_row, *x_row, *y_row;
    GtkWidget *balance_row, *balance_area;
    GtkWidget *fit_row, *fit_icon;
    GtkNativeDialog *chooser;

    /* a CSV series' windowing */
    GtkWidget *series_group;
    AdwComboRow *target_row;
    GtkStringList *targets;       /* the columns of numbers */
    GtkWidget *features_row;      /* expander: a check per column of numbers */
    GPtrArray *feature_checks;    /* GtkCheckButton, named by their column */
    GtkWidget *last_toggled;      /* the check a person toggled last */
    GtkWidget *window_spin, *horizon_spin, *stride_spin, *val_spin, *standardize_switch;
    char **columns;               /* of the file on show (NULL-terminated) */
    gboolean *numbers;
    char *columns_path;           /* whose columns these are */
    gboolean updating_series;

    char *spec;
    ur_dataset *ds;
    char *error;
    GCancellable *loading;
    ur_graph *graph;
    gboolean fits;
    char *explanation;
    int sample;
    int n_classes;
    gint64 counts[MAX_CLASSES];
    gboolean updating_combo;
};

G_DEFINE_FINAL_TYPE(UnrollDatasetView, unroll_dataset_view, GTK_TYPE_WIDGET)

enum { SIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------ the check */

gboolean unroll_dataset_y_classes(const ur_array *y, int *n_classes)
{
    int classes = ur_class_count(y, NULL, 0);
    if (n_classes && classes > 0)
        *n_classes = classes;
    return classes > 0;
}

/* "(N, 28, 28)": an array's shape with its sample axis as N. */
static char *data_shape(const ur_tensor *t)
{
    GString *s = g_string_new("(N");
    for (int i = 1; i < t->rank; i++)
        g_string_append_printf(s, ", %lld", (long long)t->dim[i]);
    g_string_append(s, t->rank == 1 ? ",)" : ")");
    return g_string_free(s, FALSE);
}

/* The fixed axes of the model's shape (past the batch) equal the array's. */
static gboolean dims_fit(const ur_shape *shape, const ur_tensor *t, int rank)
{
    if (t->rank != rank)
        return FALSE;
    for (int i = 1; i < rank && i < shape->rank; i++)
        if (shape->dim[i] != UR_DIM_FREE && shape->dim[i] != t->dim[i])
            return FALSE;
    return TRUE;
}

/* Class numbers y for an output of shape s (…, units): y has the same axes
 * without the last one, or with a last axis of 1. */
static gboolean sparse_fits(const ur_shape *s, const ur_tensor *y)
{
    if (y->rank == s->rank - 1)
        return dims_fit(s, y, s->rank - 1);
    if (y->rank != s->rank || y->dim[y->rank - 1] != 1)
        return FALSE;
    for (int i = 1; i < s->rank - 1; i++)
        if (s->dim[i] != UR_DIM_FREE && s->dim[i] != y->dim[i])
            return FALSE;
    return TRUE;
}

gboolean unroll_dataset_check_fit(const ur_graph *g, ur_dataset *ds, char **explanation)
{
    *explanation = NULL;
    ur_ctx ctx = {0};
    ur_data train, val;
    if (ur_data_map(g, ds, &train, &val, &ctx) != UR_OK) {
        *explanation = g_strdup_printf("The dataset’s arrays do not match the model: %s", ctx.message);
        return FALSE;
    }
    gboolean ok = TRUE;
    char shape_text[128];
    for (int j = 0; ok && j < ur_graph_n_inputs(g); j++) {
        const ur_layer *in = ur_graph_input(g, j);
        const ur_shape *s = ur_layer_output_shape(in, 0);
        const ur_tensor *x = &train.x[j]->t;
        if (!s || !dims_fit(s, x, s->rank)) {
            g_autofree char *have = data_shape(x);
            ur_shape_format(s, shape_text, sizeof shape_text);
            g_autofree char *array = train.n_x > 1 ? g_strdup_printf("x_%s", ur_layer_name(in))
                                                   : g_strdup("x");
            *explanation = g_strdup_printf("The model’s input ‘%s’ takes %s; this dataset’s %s is %s.",
                                           ur_layer_name(in), shape_text, array, have);
            ok = FALSE;
        }
    }
    for (int k = 0; ok && k < ur_graph_n_outputs(g); k++) {
        ur_layer *l;
        int index;
        ur_graph_output(g, k, &l, &index);
        const ur_shape *s = ur_layer_output_shape(l, index);
        const ur_array *y = train.y[k];
        int classes = 0;
        gboolean labels = unroll_dataset_y_classes(y, &classes);
        int64_t units = s && s->rank > 1 ? s->dim[s->rank - 1] : 0;
        gboolean same = s && dims_fit(s, &y->t, s->rank);
        /* sparse class labels: one axis less, or a last axis of 1 */
        gboolean sparse = s && labels && units > 1 && sparse_fits(s, &y->t);
        g_autofree char *have = data_shape(&y->t);
        if (s)
            ur_shape_format(s, shape_text, sizeof shape_text);
        if (sparse && classes > units) {
            *explanation = g_strdup_printf("This dataset’s y holds class %d, but the model’s output "
                                           "‘%s’ has %lld units (classes 0 to %lld).",
                                           classes - 1, ur_layer_name(l), (long long)units,
                                           (long long)units - 1);
            ok = FALSE;
        } else if (!same && !sparse) {
            *explanation = g_strdup_printf("The model’s output ‘%s’ gives %s; this dataset’s y is %s%s.",
                                           ur_layer_name(l), s ? shape_text : "nothing", have,
                                           units > 1 && !labels && y->t.rank < (s ? s->rank : 0)
                                               ? " and holds values, not class numbers" : "");
            ok = FALSE;
        }
    }
    if (ok) {
        GString *s = g_string_new(NULL);
        for (int j = 0; j < ur_graph_n_inputs(g); j++) {
            g_autofree char *have = data_shape(&train.x[j]->t);
            g_string_append_printf(s, "%sx %s → input ‘%s’", s->len ? ", " : "", have,
                                   ur_layer_name(ur_graph_input(g, j)));
        }
        for (int k = 0; k < ur_graph_n_outputs(g); k++) {
            ur_layer *l;
            int index;
            ur_graph_output(g, k, &l, &index);
            g_autofree char *have = data_shape(&train.y[k]->t);
            g_string_append_printf(s, ", y %s → output ‘%s’", have, ur_layer_name(l));
        }
        *explanation = g_string_free(s, FALSE);
    }
    free(train.x);
    free(train.y);
    free(val.x);
    free(val.y);
    return ok;
}

/* --------------------------------------------------------------- loading */

typedef struct load_job {
    char *spec;
} load_job;

/* What the thread found: the dataset or why not, and a CSV's columns
 * (known even when its options make no dataset, so that they can be
 * changed). */
typedef struct load_result {
    ur_dataset *ds;
    char *error;
    char **columns;
    gboolean *numbers;
} load_result;

static void load_job_free(load_job *job)
{
    g_free(job->spec);
    g_free(job);
}

static void load_result_free(load_result *r)
{
    if (r->ds)
        ur_dataset_free(r->ds);
    g_free(r->error);
    g_strfreev(r->columns);
    g_free(r->numbers);
    g_free(r);
}

static void load_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    load_job *job = data;
    load_result *r = g_new0(load_result, 1);
    ur_ctx ctx = {0};
    r->ds = ur_dataset_open(job->spec, 0, &ctx);
    if (!r->ds)
        r->error = g_strdup(ctx.message);
    if (r->ds && r->ds->columns) {
        int n = (int)g_strv_length(r->ds->columns);
        r->columns = g_strdupv(r->ds->columns);
        r->numbers = g_new0(gboolean, n + 1);
        for (int i = 0; i < n; i++)
            r->numbers[i] = r->ds->column_numbers[i];
    } else if (ur_spec_is_csv(job->spec)) {
        /* no series from these options: the file's columns still, to change them */
        char **names = NULL;
        bool *numbers = NULL;
        int n = 0;
        ur_ctx cctx = {0};
        if (ur_csv_columns(job->spec, &names, &numbers, &n, &cctx) == UR_OK) {
            r->columns = g_new0(char *, n + 1);
            r->numbers = g_new0(gboolean, n + 1);
            for (int i = 0; i < n; i++) {
                r->columns[i] = g_strdup(names[i]);
                r->numbers[i] = numbers[i];
                free(names[i]);
            }
        }
        free(names);
        free(numbers);
    }
    g_task_return_pointer(task, r, (GDestroyNotify)load_result_free);
}

static void recheck(UnrollDatasetView *self);
static void update_preview(UnrollDatasetView *self);

static void show_series(UnrollDatasetView *self);
static void series_changed(UnrollDatasetView *self);

static void load_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    load_result *r = g_task_propagate_pointer(G_TASK(result), NULL);
    if (!r || g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(result)))) {
        if (r)
            load_result_free(r);
        return;
    }
    UnrollDatasetView *self = UNROLL_DATASET_VIEW(source);
    g_clear_object(&self->loading);
    ur_dataset *ds = r->ds;
    self->ds = ds;
    r->ds = NULL;
    g_clear_pointer(&self->error, g_free);
    self->error = g_steal_pointer(&r->error);
    if (r->columns) {
        g_strfreev(self->columns);
        g_free(self->numbers);
        self->columns = g_steal_pointer(&r->columns);
        self->numbers = g_steal_pointer(&r->numbers);
    }
    load_result_free(r);
    show_series(self);
    self->sample = 0;
    self->n_classes = 0;
    if (ds && ds->train.n_y > 0) {
        const ur_array *y = ds->train.y[0];
        int classes = ur_class_count(y, self->counts, MAX_CLASSES);
        if (classes <= MAX_CLASSES)
            self->n_classes = classes;
    }
    recheck(self);
    update_preview(self);
    g_signal_emit(self, signals[SIG_CHANGED], 0);
}

/* ------------------------------------------------------------- preview */

static gint64 n_train(const UnrollDatasetView *self)
{
    return self->ds ? ur_data_count(&self->ds->train) : 0;
}

/* The sample's feature f at time t of x[0] (rank 2 or 3 arrays). */
static double x_at(const ur_array *x, int64_t i, int64_t t, int64_t f)
{
    int64_t T = x->t.rank >= 2 ? x->t.dim[1] : 1, F = x->t.rank >= 3 ? x->t.dim[2] : 1;
    int64_t at = (i * T + t) * F + f;
    return x->t.dtype == UR_I32 ? ur_tensor_i32(&x->t)[at] : ur_tensor_f32(&x->t)[at];
}

static double y_at(const ur_array *y, int64_t i)
{
    int64_t per = y->t.rank > 1 ? ur_tensor_numel(&y->t) / y->t.dim[0] : 1;
    return y->t.dtype == UR_I32 ? ur_tensor_i32(&y->t)[i * per] : ur_tensor_f32(&y->t)[i * per];
}

static gboolean is_image(const UnrollDatasetView *self)
{
    return self->ds && self->ds->train.n_x == 1 && self->ds->train.x[0]->t.rank == 3 &&
           self->ds->train.x[0]->t.dim[1] >= 8 && self->ds->train.x[0]->t.dim[2] >= 8 &&
           g_str_equal(self->spec, "mnist");
}

static void fg_color(GtkWidget *w, GdkRGBA *c)
{
    gtk_style_context_get_color(gtk_widget_get_style_context(w), c);
}

static void draw_digit(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    UnrollDatasetView *self = data;
    if (!is_image(self))
        return;
    const ur_array *x = self->ds->train.x[0];
    int64_t rows = x->t.dim[1], cols = x->t.dim[2];
    double cell = floor(MIN(width / (double)cols, height / (double)rows));
    double ox = (width - cell * cols) / 2, oy = (height - cell * rows) / 2;
    GdkRGBA fg;
    fg_color(GTK_WIDGET(area), &fg);
    /* the image's frame: a faint square, then the ink */
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.06);
    cairo_rectangle(cr, ox, oy, cell * cols, cell * rows);
    cairo_fill(cr);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            double v = x_at(x, self->sample, r, c);
            if (v <= 0.02)
                continue;
            cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, CLAMP(v, 0, 1) * 0.92);
            cairo_rectangle(cr, ox + c * cell, oy + r * cell, cell, cell);
            cairo_fill(cr);
        }
}

/* Colours for features and bars: libadwaita's blue, orange, green, purple, red. */
static const double palette[][3] = {
    {0.21, 0.52, 0.89}, {1.0, 0.47, 0.0}, {0.15, 0.64, 0.41}, {0.57, 0.25, 0.67}, {0.88, 0.11, 0.14},
};

static void draw_sequence(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    UnrollDatasetView *self = data;
    if (!self->ds || self->ds->train.n_x < 1)
        return;
    const ur_array *x = self->ds->train.x[0];
    if (x->t.rank < 2)
        return;
    int64_t T = x->t.dim[1], F = x->t.rank >= 3 ? x->t.dim[2] : 1;
    int64_t nf = MIN(F, 5);
    GdkRGBA fg;
    fg_color(GTK_WIDGET(area), &fg);
    double pad = 6, lane_gap = 6;
    double lane_h = (height - 2 * pad - lane_gap * (nf - 1)) / nf;
    for (int64_t f = 0; f < nf; f++) {
        double top = pad + f * (lane_h + lane_gap);
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t t = 0; t < T; t++) {
            double v = x_at(x, self->sample, t, f);
            lo = MIN(lo, v);
            hi = MAX(hi, v);
        }
        if (!(hi > lo)) {
            lo -= 0.5;
            hi += 0.5;
        }
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.06);
        cairo_rectangle(cr, pad, top, width - 2 * pad, lane_h);
        cairo_fill(cr);
        const double *col = palette[f % G_N_ELEMENTS(palette)];
        cairo_set_source_rgb(cr, col[0], col[1], col[2]);
        cairo_set_line_width(cr, 1.5);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        for (int64_t t = 0; t < T; t++) {
            double px = pad + 4 + (width - 2 * pad - 8) * (T > 1 ? (double)t / (T - 1) : 0.5);
            double py = top + 3 + (lane_h - 6) * (1 - (x_at(x, self->sample, t, f) - lo) / (hi - lo));
            if (t == 0)
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
        }
        cairo_stroke(cr);
        /* the feature's index at the lane's corner */
        char label[32];
        g_snprintf(label, sizeof label, "x[…, %lld]", (long long)f);
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.6);
        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 10);
        cairo_move_to(cr, pad + 6, top + 12);
        cairo_show_text(cr, label);
    }
}

static void draw_balance(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    UnrollDatasetView *self = data;
    if (self->n_classes <= 0)
        return;
    gint64 max = 1;
    for (int c = 0; c < self->n_classes; c++)
        max = MAX(max, self->counts[c]);
    GdkRGBA fg;
    fg_color(GTK_WIDGET(area), &fg);
    double label_h = 14, slot = (double)width / self->n_classes;
    double bar_w = MAX(2, MIN(slot * 0.7, 28));
    cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 9);
    for (int c = 0; c < self->n_classes; c++) {
        double h = (height - label_h - 2) * (double)self->counts[c] / (double)max;
        double x = c * slot + (slot - bar_w) / 2;
        cairo_set_source_rgb(cr, palette[0][0], palette[0][1], palette[0][2]);
        cairo_rectangle(cr, x, height - label_h - h, bar_w, h);
        cairo_fill(cr);
        if (self->n_classes <= 16 || c % 2 == 0) {
            char label[16];
            g_snprintf(label, sizeof label, "%d", c);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, label, &ext);
            cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.7);
            cairo_move_to(cr, c * slot + (slot - ext.x_advance) / 2, height - 2);
            cairo_show_text(cr, label);
        }
    }
}

static char *shapes_text(const ur_data *d, gboolean x)
{
    GString *s = g_string_new(NULL);
    int n = x ? d->n_x : d->n_y;
    for (int i = 0; i < n; i++) {
        const ur_array *a = x ? d->x[i] : d->y[i];
        g_autofree char *shape = data_shape(&a->t);
        g_string_append_printf(s, "%s%s%s%s %s", s->len ? ", " : "", a->name ? a->name : "",
                               a->name ? " " : "", shape, ur_dtype_name(a->t.dtype));
    }
    return g_string_free(s, FALSE);
}

static void update_sample_label(UnrollDatasetView *self)
{
    gint64 n = n_train(self);
    g_autofree char *total = unroll_format_thousands(n);
    g_autofree char *text = NULL;
    if (self->ds && self->ds->train.n_y > 0) {
        double y = y_at(self->ds->train.y[0], self->sample);
        if (self->n_classes > 0)
            text = g_strdup_printf("Sample %d of %s · label <b>%d</b>", self->sample + 1, total, (int)y);
        else
            text = g_strdup_printf("Sample %d of %s · target <b>%.4g</b>", self->sample + 1, total, y);
    } else {
        text = g_strdup_printf("Sample %d of %s", self->sample + 1, total);
    }
    gtk_label_set_markup(GTK_LABEL(self->sample_label), text);
    gtk_widget_set_sensitive(self->prev_button, self->sample > 0);
    gtk_widget_set_sensitive(self->next_button, self->sample + 1 < n);
    gtk_widget_queue_draw(self->digit_area);
    gtk_widget_queue_draw(self->sequence_area);
}

static void update_preview(UnrollDatasetView *self)
{
    GtkStack *stack = GTK_STACK(self->stack);
    if (self->loading) {
        gtk_stack_set_visible_child_name(stack, "loading");
    } else if (!self->ds) {
        gtk_label_set_text(GTK_LABEL(self->error_label), self->error ? self->error : "No dataset");
        gtk_stack_set_visible_child_name(stack, "error");
    } else {
        gtk_stack_set_visible_child_name(stack, is_image(self) ? "digit" : "sequence");
        update_sample_label(self);
    }
    gboolean loaded = self->ds != NULL;
    gtk_widget_set_visible(self->train_row, loaded);
    gtk_widget_set_visible(self->val_row, loaded);
    gtk_widget_set_visible(self->x_row, loaded);
    gtk_widget_set_visible(self->y_row, loaded);
    gtk_widget_set_visible(self->balance_row, loaded && self->n_classes > 0);
    if (loaded) {
        g_autofree char *ntr = unroll_format_thousands(ur_data_count(&self->ds->train));
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->train_row), ntr);
        g_autofree char *nv = self->ds->val.n_x > 0 ? unroll_format_thousands(ur_data_count(&self->ds->val))
                                                    : g_strdup("None (use a validation split)");
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->val_row), nv);
        g_autofree char *xs = shapes_text(&self->ds->train, TRUE);
        g_autofree char *ys = shapes_text(&self->ds->train, FALSE);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->x_row), xs);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->y_row), ys);
        g_autofree char *classes = g_strdup_printf("%d classes", self->n_classes);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self->balance_row), classes);
        gtk_widget_queue_draw(self->balance_area);
    }
}

static void update_fit_row(UnrollDatasetView *self)
{
    gboolean show = self->ds && self->graph;
    gtk_widget_set_visible(self->fit_row, show || self->error);
    if (!self->ds) {
        if (self->error) {
            adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->fit_row), "Could not load the dataset");
            adw_action_row_set_subtitle(ADW_ACTION_ROW(self->fit_row), self->error);
            gtk_image_set_from_icon_name(GTK_IMAGE(self->fit_icon), "dialog-error-symbolic");
            gtk_widget_remove_css_class(self->fit_icon, "success");
            gtk_widget_add_css_class(self->fit_icon, "error");
        }
        return;
    }
    if (!show)
        return;
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->fit_row),
                                  self->fits ? "Fits the model" : "Does not fit the model");
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->fit_row),
                                self->explanation ? self->explanation : "");
    gtk_image_set_from_icon_name(GTK_IMAGE(self->fit_icon),
                                 self->fits ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
    gtk_widget_remove_css_class(self->fit_icon, self->fits ? "warning" : "success");
    gtk_widget_remove_css_class(self->fit_icon, "error");
    gtk_widget_add_css_class(self->fit_icon, self->fits ? "success" : "warning");
}

static void recheck(UnrollDatasetView *self)
{
    g_clear_pointer(&self->explanation, g_free);
    self->fits = FALSE;
    if (self->ds && self->graph) {
        ur_ctx ctx = {0};
        if (ur_graph_check(self->graph, &ctx) != UR_OK) {
            self->explanation = g_strdup_printf("The model has an error: %s", ctx.message);
        } else {
            self->fits = unroll_dataset_check_fit(self->graph, self->ds, &self->explanation);
        }
    }
    update_fit_row(self);
}

/* ----------------------------------------------------------------- API */

/* A spec as the combo shows it: a file's name, or a built-in's title with
 * its options ("Synthetic: noisy sine (n=2048, timesteps=20)"). */
static char *spec_title(const char *spec)
{
    const char *q = strchr(spec, '?');
    for (guint i = 0; q && i < N_BUILTINS; i++)
        if (strncmp(spec, builtins[i].spec, (size_t)(q - spec)) == 0 &&
            builtins[i].spec[q - spec] == '\0') {
            g_auto(GStrv) opts = g_strsplit(q + 1, "&", -1);
            g_autofree char *joined = g_strjoinv(", ", opts);
            return g_strdup_printf("%s (%s)", builtins[i].title, joined);
        }
    g_autofree char *path = q ? g_strndup(spec, (gsize)(q - spec)) : g_strdup(spec);
    return g_path_get_basename(path);
}

static void select_combo(UnrollDatasetView *self)
{
    /* the list's splice changes the selection too: no reload from it */
    self->updating_combo = TRUE;
    guint pos = GTK_INVALID_LIST_POSITION;
    for (guint i = 0; i < N_BUILTINS; i++)
        if (g_str_equal(self->spec, builtins[i].spec))
            pos = i;
    if (pos == GTK_INVALID_LIST_POSITION) {
        /* a file, or a built-in with options: the extra entry names it */
        g_free(self->file_spec);
        self->file_spec = g_strdup(self->spec);
        g_autofree char *base = spec_title(self->spec);
        guint n = g_list_model_get_n_items(G_LIST_MODEL(self->choices));
        const char *const add[] = {base, NULL};
        gtk_string_list_splice(self->choices, N_BUILTINS, n - N_BUILTINS, add);
        pos = N_BUILTINS;
    }
    adw_combo_row_set_selected(self->combo, pos);
    self->updating_combo = FALSE;
}

void unroll_dataset_view_set_spec(UnrollDatasetView *self, const char *spec)
{
    g_return_if_fail(UNROLL_IS_DATASET_VIEW(self));
    g_return_if_fail(spec != NULL);
    if (self->spec && g_str_equal(self->spec, spec) && (self->ds || self->loading))
        return;
    char *copy = g_strdup(spec); /* spec may be one of ours, freed below */
    g_free(self->spec);
    self->spec = copy;
    select_combo(self);
    if (self->loading) {
        g_cancellable_cancel(self->loading);
        g_clear_object(&self->loading);
    }
    if (self->ds) {
        ur_dataset_free(self->ds);
        self->ds = NULL;
    }
    g_clear_pointer(&self->error, g_free);
    self->n_classes = 0;
    if (!ur_spec_is_csv(self->spec))
        gtk_widget_set_visible(self->series_group, FALSE);
    self->loading = g_cancellable_new();
    load_job *job = g_new0(load_job, 1);
    job->spec = g_strdup(self->spec);
    GTask *task = g_task_new(self, self->loading, load_done, NULL);
    g_task_set_task_data(task, job, (GDestroyNotify)load_job_free);
    g_task_run_in_thread(task, load_thread);
    g_object_unref(task);
    recheck(self);
    update_preview(self);
    g_signal_emit(self, signals[SIG_CHANGED], 0);
}

const char *unroll_dataset_view_get_spec(UnrollDatasetView *self)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), NULL);
    return self->spec;
}

gboolean unroll_dataset_view_is_loading(UnrollDatasetView *self)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), FALSE);
    return self->loading != NULL;
}

const ur_dataset *unroll_dataset_view_get_dataset(UnrollDatasetView *self)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), NULL);
    return self->ds;
}

const char *unroll_dataset_view_get_error(UnrollDatasetView *self)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), NULL);
    return self->error;
}

void unroll_dataset_view_set_graph(UnrollDatasetView *self, const ur_graph *g)
{
    g_return_if_fail(UNROLL_IS_DATASET_VIEW(self));
    if (self->graph)
        ur_graph_free(self->graph);
    self->graph = NULL;
    if (g) {
        ur_ctx ctx = {0};
        ur_value *doc = ur_graph_to_value(g);
        self->graph = doc ? ur_graph_from_value(doc, &ctx) : NULL;
        ur_value_free(doc);
    }
    gboolean was = self->fits;
    g_autofree char *before = g_strdup(self->explanation);
    recheck(self);
    if (was != self->fits || g_strcmp0(before, self->explanation) != 0)
        g_signal_emit(self, signals[SIG_CHANGED], 0);
}

gboolean unroll_dataset_view_get_fits(UnrollDatasetView *self, const char **explanation)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), FALSE);
    if (explanation)
        *explanation = self->explanation;
    return self->fits;
}

void unroll_dataset_view_set_sample(UnrollDatasetView *self, int index)
{
    g_return_if_fail(UNROLL_IS_DATASET_VIEW(self));
    gint64 n = n_train(self);
    self->sample = n > 0 ? (int)CLAMP(index, 0, n - 1) : 0;
    if (self->ds)
        update_sample_label(self);
}

int unroll_dataset_view_get_sample(UnrollDatasetView *self)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), 0);
    return self->sample;
}

/* ----------------------------------------------------- a CSV's windowing */

static gboolean in_list(const char *list, const char *name)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    return g_strv_contains((const char *const *)names, name);
}

static void feature_toggled(GtkWidget *check, UnrollDatasetView *self)
{
    if (!self->updating_series)
        self->last_toggled = check;
    series_changed(self);
}

/* The feature checks for the file's columns of numbers (made again when
 * another file shows). */
static void build_feature_checks(UnrollDatasetView *self)
{
    for (guint i = 0; i < self->feature_checks->len; i++) {
        GtkWidget *check = self->feature_checks->pdata[i];
        GtkWidget *row = gtk_widget_get_ancestor(check, ADW_TYPE_ACTION_ROW);
        adw_expander_row_remove(ADW_EXPANDER_ROW(self->features_row), row);
    }
    g_ptr_array_set_size(self->feature_checks, 0);
    self->last_toggled = NULL;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->targets));
    gtk_string_list_splice(self->targets, 0, n, NULL);
    for (int c = 0; self->columns[c]; c++) {
        if (!self->numbers[c])
            continue;
        gtk_string_list_append(self->targets, self->columns[c]);
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), self->columns[c]);
        GtkWidget *check = gtk_check_button_new();
        gtk_widget_set_name(check, self->columns[c]);
        adw_action_row_add_prefix(ADW_ACTION_ROW(row), check);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), check);
        g_signal_connect(check, "toggled", G_CALLBACK(feature_toggled), self);
        adw_expander_row_add_row(ADW_EXPANDER_ROW(self->features_row), row);
        g_ptr_array_add(self->feature_checks, check);
    }
}

/* The rows show the spec's options over the file's columns. */
static void show_series(UnrollDatasetView *self)
{
    gboolean csv = ur_spec_is_csv(self->spec) && self->columns;
    gtk_widget_set_visible(self->series_group, csv);
    if (!csv)
        return;
    self->updating_series = TRUE;
    char *path = NULL;
    ur_csv_options o;
    ur_csv_spec_parse(self->spec, &path, &o, NULL); /* a bad option: the defaults (and the error shows) */
    if (g_strcmp0(path, self->columns_path) != 0) {
        build_feature_checks(self);
        g_free(self->columns_path);
        self->columns_path = g_strdup(path);
    }
    guint n_targets = g_list_model_get_n_items(G_LIST_MODEL(self->targets));
    const char *target = o.target;
    guint pick = n_targets ? n_targets - 1 : GTK_INVALID_LIST_POSITION;
    for (guint i = 0; target && i < n_targets; i++)
        if (in_list(target, gtk_string_list_get_string(self->targets, i))) {
            pick = i;
            break;
        }
    adw_combo_row_set_selected(self->target_row, pick);
    const char *features = o.features;
    GString *chosen = g_string_new(NULL);
    for (guint i = 0; i < self->feature_checks->len; i++) {
        GtkWidget *check = self->feature_checks->pdata[i];
        const char *name = gtk_widget_get_name(check);
        gboolean on = !features || in_list(features, name);
        gtk_check_button_set_active(GTK_CHECK_BUTTON(check), on);
        if (on)
            g_string_append_printf(chosen, "%s%s", chosen->len ? ", " : "", name);
    }
    adw_expander_row_set_subtitle(ADW_EXPANDER_ROW(self->features_row), chosen->str);
    g_string_free(chosen, TRUE);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->window_spin), (double)o.window);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->horizon_spin), (double)o.horizon);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->stride_spin), (double)o.stride);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->val_spin), o.val);
    gtk_switch_set_active(GTK_SWITCH(self->standardize_switch), o.standardize);
    ur_csv_options_clear(&o);
    free(path);
    self->updating_series = FALSE;
}

/* The spec the rows say, loaded. At least one feature stays chosen. */
static void series_changed(UnrollDatasetView *self)
{
    if (self->updating_series || !ur_spec_is_csv(self->spec) || !self->columns)
        return;
    ur_csv_options o = {
        .window = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(self->window_spin)),
        .horizon = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(self->horizon_spin)),
        .stride = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(self->stride_spin)),
        .val = gtk_spin_button_get_value(GTK_SPIN_BUTTON(self->val_spin)),
        .standardize = gtk_switch_get_active(GTK_SWITCH(self->standardize_switch)),
    };
    guint pick = adw_combo_row_get_selected(self->target_row);
    g_autofree char *target = pick != GTK_INVALID_LIST_POSITION
                                  ? g_strdup(gtk_string_list_get_string(self->targets, pick))
                                  : NULL;
    o.target = target;
    GString *features = g_string_new(NULL);
    guint on = 0;
    for (guint i = 0; i < self->feature_checks->len; i++)
        if (gtk_check_button_get_active(GTK_CHECK_BUTTON(self->feature_checks->pdata[i]))) {
            g_string_append_printf(features, "%s%s", on ? "," : "",
                                   gtk_widget_get_name(self->feature_checks->pdata[i]));
            on++;
        }
    if (on == 0 && self->feature_checks->len > 0) {
        /* no features is no series: the last one unchecked comes back */
        GtkWidget *back = self->last_toggled ? self->last_toggled : self->feature_checks->pdata[0];
        self->updating_series = TRUE;
        gtk_check_button_set_active(GTK_CHECK_BUTTON(back), TRUE);
        self->updating_series = FALSE;
        g_string_append(features, gtk_widget_get_name(back));
        on = 1;
    }
    o.features = on < self->feature_checks->len ? features->str : NULL;
    char *path = NULL;
    ur_csv_options old;
    ur_csv_spec_parse(self->spec, &path, &old, NULL);
    ur_csv_options_clear(&old);
    char *spec = ur_csv_spec_format(path, &o);
    unroll_dataset_view_set_spec(self, spec);
    free(spec);
    free(path);
    g_string_free(features, TRUE);
}

static GtkWidget *series_spin(UnrollDatasetView *self, const char *title, const char *subtitle,
                              double lo, double hi, double step, int digits, GtkWidget **spin)
{
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    if (subtitle)
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    *spin = gtk_spin_button_new_with_range(lo, hi, step);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(*spin), (guint)digits);
    gtk_widget_set_valign(*spin, GTK_ALIGN_CENTER);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), *spin);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), *spin);
    g_signal_connect_swapped(*spin, "value-changed", G_CALLBACK(series_changed), self);
    return row;
}

static GtkWidget *build_series(UnrollDatasetView *self)
{
    self->series_group = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(self->series_group), "Series");
    adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(self->series_group),
                                          "How the file’s rows become samples: a window of "
                                          "rows predicts the target a horizon later");
    self->targets = gtk_string_list_new(NULL);
    self->target_row = ADW_COMBO_ROW(adw_combo_row_new());
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->target_row), "Target");
    adw_combo_row_set_model(self->target_row, G_LIST_MODEL(self->targets));
    g_object_unref(self->targets);
    g_signal_connect_swapped(self->target_row, "notify::selected", G_CALLBACK(series_changed),
                             self);
    self->features_row = adw_expander_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->features_row), "Features");
    self->feature_checks = g_ptr_array_new();
    self->standardize_switch = gtk_switch_new();
    gtk_widget_set_valign(self->standardize_switch, GTK_ALIGN_CENTER);
    g_signal_connect_swapped(self->standardize_switch, "notify::active",
                             G_CALLBACK(series_changed), self);
    GtkWidget *standardize = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(standardize), "Standardize");
    adw_action_row_set_subtitle(ADW_ACTION_ROW(standardize),
                                "Each column to mean 0 and deviation 1 over the training rows");
    adw_action_row_add_suffix(ADW_ACTION_ROW(standardize), self->standardize_switch);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(standardize), self->standardize_switch);
    GtkWidget *rows[] = {
        GTK_WIDGET(self->target_row),
        self->features_row,
        series_spin(self, "Window", "Rows per sample", 1, 100000, 1, 0, &self->window_spin),
        series_spin(self, "Horizon", "Rows from the window’s end to the target", 1, 100000, 1, 0,
                    &self->horizon_spin),
        series_spin(self, "Stride", "Rows between two samples’ starts", 1, 100000, 1, 0,
                    &self->stride_spin),
        series_spin(self, "Validation part", "The last fraction of the rows, windowed apart", 0,
                    0.9, 0.05, 2, &self->val_spin),
        standardize,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(self->series_group), rows[i]);
    gtk_widget_set_visible(self->series_group, FALSE);
    return self->series_group;
}

/* -------------------------------------------------------------- widgets */

static void combo_selected(UnrollDatasetView *self)
{
    if (self->updating_combo)
        return;
    guint pos = adw_combo_row_get_selected(self->combo);
    if (pos < N_BUILTINS)
        unroll_dataset_view_set_spec(self, builtins[pos].spec);
    else if (self->file_spec)
        unroll_dataset_view_set_spec(self, self->file_spec);
}

static void chooser_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    UnrollDatasetView *self = user_data;
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        g_autofree char *path = file ? g_file_get_path(file) : NULL;
        if (path && ur_spec_is_csv(path)) {
            /* a series starts standardized, as forecasting examples do */
            char *bare = NULL;
            ur_csv_options o;
            ur_csv_spec_parse(path, &bare, &o, NULL); /* the defaults */
            o.standardize = true;
            char *spec = ur_csv_spec_format(bare, &o);
            unroll_dataset_view_set_spec(self, spec);
            free(spec);
            free(bare);
        } else if (path) {
            unroll_dataset_view_set_spec(self, path);
        }
    }
    if (self->chooser == dialog)
        g_clear_object(&self->chooser);
    g_object_unref(self);
}

static void import_clicked(UnrollDatasetView *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
        "Import a Dataset", GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
        GTK_FILE_CHOOSER_ACTION_OPEN, "_Import", "_Cancel");
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
    static const struct {
        const char *name, *patterns[3];
    } filters[] = {
        {"Datasets (*.npz, *.csv)", {"*.npz", "*.csv", NULL}},
        {"NumPy archives (*.npz)", {"*.npz", NULL}},
        {"CSV time series (*.csv)", {"*.csv", NULL}},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(filters); i++) {
        GtkFileFilter *filter = gtk_file_filter_new();
        gtk_file_filter_set_name(filter, filters[i].name);
        for (int k = 0; filters[i].patterns[k]; k++)
            gtk_file_filter_add_pattern(filter, filters[i].patterns[k]);
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
        g_object_unref(filter);
    }
    g_signal_connect(chooser, "response", G_CALLBACK(chooser_response), g_object_ref(self));
    g_set_object(&self->chooser, GTK_NATIVE_DIALOG(chooser));
    g_object_unref(chooser);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

const gint64 *unroll_dataset_view_get_class_counts(UnrollDatasetView *self, int *n_classes)
{
    g_return_val_if_fail(UNROLL_IS_DATASET_VIEW(self), NULL);
    *n_classes = self->ds ? self->n_classes : 0;
    return *n_classes > 0 ? self->counts : NULL;
}

static void prev_clicked(UnrollDatasetView *self)
{
    unroll_dataset_view_set_sample(self, self->sample - 1);
}

static void next_clicked(UnrollDatasetView *self)
{
    unroll_dataset_view_set_sample(self, self->sample + 1);
}

static GtkWidget *info_row(const char *title)
{
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    gtk_widget_add_css_class(row, "property");
    return row;
}

static GtkWidget *build_preview(UnrollDatasetView *self)
{
    self->stack = gtk_stack_new();
    gtk_stack_set_transition_type(GTK_STACK(self->stack), GTK_STACK_TRANSITION_TYPE_CROSSFADE);
    gtk_stack_set_vhomogeneous(GTK_STACK(self->stack), FALSE);

    GtkWidget *spinner = gtk_spinner_new();
    gtk_spinner_start(GTK_SPINNER(spinner));
    gtk_widget_set_size_request(spinner, 32, 32);
    GtkWidget *loading = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    gtk_widget_set_valign(loading, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(loading), spinner);
    GtkWidget *loading_label = gtk_label_new("Loading the dataset…");
    gtk_widget_add_css_class(loading_label, "dim-label");
    gtk_box_append(GTK_BOX(loading), loading_label);
    gtk_widget_set_size_request(loading, -1, 160);
    gtk_stack_add_named(GTK_STACK(self->stack), loading, "loading");

    self->error_label = gtk_label_new(NULL);
    gtk_label_set_wrap(GTK_LABEL(self->error_label), TRUE);
    gtk_widget_add_css_class(self->error_label, "error");
    gtk_widget_set_margin_top(self->error_label, 24);
    gtk_widget_set_margin_bottom(self->error_label, 24);
    gtk_stack_add_named(GTK_STACK(self->stack), self->error_label, "error");

    self->digit_area = gtk_drawing_area_new();
    gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(self->digit_area), 140);
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(self->digit_area), 140);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(self->digit_area), draw_digit, self, NULL);
    gtk_widget_set_halign(self->digit_area, GTK_ALIGN_CENTER);
    gtk_stack_add_named(GTK_STACK(self->stack), self->digit_area, "digit");

    self->sequence_area = gtk_drawing_area_new();
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(self->sequence_area), 140);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(self->sequence_area), draw_sequence, self, NULL);
    gtk_stack_add_named(GTK_STACK(self->stack), self->sequence_area, "sequence");

    self->prev_button = gtk_button_new_from_icon_name("go-previous-symbolic");
    gtk_widget_set_tooltip_text(self->prev_button, "Previous Sample");
    gtk_widget_add_css_class(self->prev_button, "flat");
    gtk_widget_add_css_class(self->prev_button, "circular");
    g_signal_connect_swapped(self->prev_button, "clicked", G_CALLBACK(prev_clicked), self);
    self->next_button = gtk_button_new_from_icon_name("go-next-symbolic");
    gtk_widget_set_tooltip_text(self->next_button, "Next Sample");
    gtk_widget_add_css_class(self->next_button, "flat");
    gtk_widget_add_css_class(self->next_button, "circular");
    g_signal_connect_swapped(self->next_button, "clicked", G_CALLBACK(next_clicked), self);
    self->sample_label = gtk_label_new(NULL);
    gtk_widget_set_hexpand(self->sample_label, TRUE);
    gtk_widget_add_css_class(self->sample_label, "caption");
    gtk_widget_add_css_class(self->sample_label, "numeric");
    GtkWidget *nav = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
    gtk_box_append(GTK_BOX(nav), self->prev_button);
    gtk_box_append(GTK_BOX(nav), self->sample_label);
    gtk_box_append(GTK_BOX(nav), self->next_button);

    GtkWidget *card = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_add_css_class(card, "card");
    gtk_widget_set_margin_top(card, 0);
    GtkWidget *inner = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_margin_top(inner, 10);
    gtk_widget_set_margin_bottom(inner, 6);
    gtk_widget_set_margin_start(inner, 10);
    gtk_widget_set_margin_end(inner, 10);
    gtk_box_append(GTK_BOX(inner), self->stack);
    gtk_box_append(GTK_BOX(inner), nav);
    gtk_box_append(GTK_BOX(card), inner);
    return card;
}

static void unroll_dataset_view_dispose(GObject *object)
{
    UnrollDatasetView *self = UNROLL_DATASET_VIEW(object);
    if (self->loading) {
        g_cancellable_cancel(self->loading);
        g_clear_object(&self->loading);
    }
    if (self->chooser)
        gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
    g_clear_pointer(&self->box, gtk_widget_unparent);
    G_OBJECT_CLASS(unroll_dataset_view_parent_class)->dispose(object);
}

static void unroll_dataset_view_finalize(GObject *object)
{
    UnrollDatasetView *self = UNROLL_DATASET_VIEW(object);
    if (self->ds)
        ur_dataset_free(self->ds);
    if (self->graph)
        ur_graph_free(self->graph);
    g_free(self->spec);
    g_free(self->file_spec);
    g_free(self->error);
    g_free(self->explanation);
    g_strfreev(self->columns);
    g_free(self->numbers);
    g_free(self->columns_path);
    g_ptr_array_unref(self->feature_checks);
    G_OBJECT_CLASS(unroll_dataset_view_parent_class)->finalize(object);
}

static void unroll_dataset_view_class_init(UnrollDatasetViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = unroll_dataset_view_dispose;
    object_class->finalize = unroll_dataset_view_finalize;
    gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
    signals[SIG_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void unroll_dataset_view_init(UnrollDatasetView *self)
{
    self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    gtk_widget_set_parent(self->box, GTK_WIDGET(self));

    GtkWidget *group = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), "Dataset");
    self->import_button = gtk_button_new_from_icon_name("document-open-symbolic");
    gtk_widget_set_tooltip_text(self->import_button, "Import a NumPy .npz or CSV File");
    gtk_widget_add_css_class(self->import_button, "flat");
    gtk_widget_set_valign(self->import_button, GTK_ALIGN_CENTER);
    g_signal_connect_swapped(self->import_button, "clicked", G_CALLBACK(import_clicked), self);
    adw_preferences_group_set_header_suffix(ADW_PREFERENCES_GROUP(group), self->import_button);

    self->choices = gtk_string_list_new(NULL);
    for (guint i = 0; i < N_BUILTINS; i++)
        gtk_string_list_append(self->choices, builtins[i].title);
    self->combo = ADW_COMBO_ROW(adw_combo_row_new());
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->combo), "Data");
    adw_combo_row_set_model(self->combo, G_LIST_MODEL(self->choices));
    g_object_unref(self->choices);
    g_signal_connect_swapped(self->combo, "notify::selected", G_CALLBACK(combo_selected), self);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), GTK_WIDGET(self->combo));

    self->fit_row = adw_action_row_new();
    adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(self->fit_row), 6);
    self->fit_icon = gtk_image_new_from_icon_name("emblem-ok-symbolic");
    adw_action_row_add_prefix(ADW_ACTION_ROW(self->fit_row), self->fit_icon);
    gtk_widget_set_visible(self->fit_row, FALSE);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), self->fit_row);
    gtk_box_append(GTK_BOX(self->box), group);
    gtk_box_append(GTK_BOX(self->box), build_series(self));

    gtk_box_append(GTK_BOX(self->box), build_preview(self));

    GtkWidget *info = adw_preferences_group_new();
    self->train_row = info_row("Training samples");
    self->val_row = info_row("Validation samples");
    self->x_row = info_row("Inputs (x)");
    self->y_row = info_row("Targets (y)");
    self->balance_row = info_row("Class balance");
    self->balance_area = gtk_drawing_area_new();
    gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(self->balance_area), 150);
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(self->balance_area), 44);
    gtk_widget_set_margin_top(self->balance_area, 6);
    gtk_widget_set_margin_bottom(self->balance_area, 6);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(self->balance_area), draw_balance, self, NULL);
    adw_action_row_add_suffix(ADW_ACTION_ROW(self->balance_row), self->balance_area);
    GtkWidget *rows[] = {self->train_row, self->val_row, self->x_row, self->y_row, self->balance_row};
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(info), rows[i]);
    gtk_box_append(GTK_BOX(self->box), info);
}

GtkWidget *unroll_dataset_view_new(void)
{
    return g_object_new(UNROLL_TYPE_DATASET_VIEW, NULL);
}
