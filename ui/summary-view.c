/* summary-view.c — UnrollSummaryView: a GtkColumnView of the document's
 * summary rows (the engine's summary cells, as `unroll summary` prints them),
 * the parameter totals below it, and a copy action; rebuilt on "changed". */
#include "summary-view.h"

#include <adwaita.h>
#include <string.h>

/* ------------------------------------------------------------- row item */

#define UNROLL_TYPE_SUMMARY_ROW (unroll_summary_row_get_type())
G_DECLARE_FINAL_TYPE(UnrollSummaryRow, unroll_summary_row, UNROLL, SUMMARY_ROW, GObject)

struct _UnrollSummaryRow {
    GObject parent_instance;
    char *cells[4];   /* name, shapes, params, connected */
    char *error;      /* the layer's error, or NULL */
};

G_DEFINE_FINAL_TYPE(UnrollSummaryRow, unroll_summary_row, G_TYPE_OBJECT)

static void unroll_summary_row_finalize(GObject *object)
{
    UnrollSummaryRow *row = UNROLL_SUMMARY_ROW(object);
    for (int i = 0; i < 4; i++)
        g_free(row->cells[i]);
    g_free(row->error);
    G_OBJECT_CLASS(unroll_summary_row_parent_class)->finalize(object);
}

static void unroll_summary_row_class_init(UnrollSummaryRowClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = unroll_summary_row_finalize;
}

static void unroll_summary_row_init(UnrollSummaryRow *row) {}

/* ------------------------------------------------------------ formatting */

char *unroll_format_thousands(int64_t n)
{
    char digits[32];
    g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT,
               n < 0 ? (guint64)0 - (guint64)n : (guint64)n);
    size_t len = strlen(digits);
    GString *s = g_string_new(n < 0 ? "-" : "");
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, digits[i]);
    }
    return g_string_free(s, FALSE);
}

char *unroll_format_memory_size(double bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (u < 5 && bytes / 1024 >= 1) {
        bytes /= 1024;
        u++;
    }
    /* C locale digits, as the CLI prints them */
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(num, sizeof num, "%.2f", bytes);
    return g_strdup_printf("%s %s", num, units[u]);
}

/* ------------------------------------------------------------ the view */

struct _UnrollSummaryView {
    GtkWidget parent_instance;

    UnrollDocument *doc;
    gulong changed_id;

    GtkWidget *box;
    GtkWidget *title;        /* Model: "name" */
    GtkWidget *stack;        /* "table" | "empty" */
    GtkWidget *column_view;
    GtkColumnViewColumn *connected_column;
    GListStore *rows;
    GtkWidget *total_label, *trainable_label, *frozen_label;

    gboolean sequential;
    int64_t total, trainable, frozen;
};

G_DEFINE_FINAL_TYPE(UnrollSummaryView, unroll_summary_view, GTK_TYPE_WIDGET)

enum { COL_NAME, COL_SHAPES, COL_PARAMS, COL_CONNECTED };
static const char *const column_titles[] = {"Layer (type)", "Output Shape", "Param #",
                                            "Connected to"};

static char *totals_value(int64_t n)
{
    char *num = unroll_format_thousands(n);
    char *mem = unroll_format_memory_size((double)n * 4);
    char *s = g_strdup_printf("%s (%s)", num, mem);
    g_free(num);
    g_free(mem);
    return s;
}

static void rebuild(UnrollSummaryView *self)
{
    guint old = g_list_model_get_n_items(G_LIST_MODEL(self->rows));
    GPtrArray *items = g_ptr_array_new_with_free_func(g_object_unref);
    ur_graph *g = self->doc ? unroll_document_get_graph(self->doc) : NULL;
    self->sequential = g && ur_graph_summary_is_sequential(g);
    self->trainable = g ? ur_graph_count_params(g, true) : 0;
    self->frozen = g ? ur_graph_count_params(g, false) : 0;
    self->total = self->trainable + self->frozen;

    int n = g ? ur_graph_n_layers(g) : 0;
    for (int i = self->sequential ? 1 : 0; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        UnrollSummaryRow *row = g_object_new(UNROLL_TYPE_SUMMARY_ROW, NULL);
        char name[512], shapes[1024], connected[4096];
        ur_layer_summary_name(l, name, sizeof name);
        ur_layer_summary_shapes(l, shapes, sizeof shapes);
        ur_layer_summary_connected(g, l, connected, sizeof connected);
        row->cells[COL_NAME] = g_strdup(name);
        row->cells[COL_SHAPES] = g_strdup(shapes);
        row->cells[COL_PARAMS] =
            unroll_format_thousands(ur_layer_count_params(l, true) + ur_layer_count_params(l, false));
        row->cells[COL_CONNECTED] = g_strdup(connected);
        row->error = g_strdup(ur_layer_error(l));
        g_ptr_array_add(items, row);
    }
    g_list_store_splice(self->rows, 0, old, items->pdata, items->len);
    g_ptr_array_unref(items);

    gtk_column_view_column_set_visible(self->connected_column, !self->sequential);
    char *title = g ? g_strdup_printf("Model: \u201c%s\u201d", ur_graph_name(g)) : g_strdup("");
    gtk_label_set_text(GTK_LABEL(self->title), title);
    g_free(title);
    gtk_stack_set_visible_child_name(GTK_STACK(self->stack), n > 0 ? "table" : "empty");

    char *s = totals_value(self->total);
    gtk_label_set_text(GTK_LABEL(self->total_label), s);
    g_free(s);
    s = totals_value(self->trainable);
    gtk_label_set_text(GTK_LABEL(self->trainable_label), s);
    g_free(s);
    s = totals_value(self->frozen);
    gtk_label_set_text(GTK_LABEL(self->frozen_label), s);
    g_free(s);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "summary.copy", n > 0);
}

static void document_changed(UnrollDocument *doc, UnrollSummaryView *self)
{
    rebuild(self);
}

/* --------------------------------------------------------------- cells */

static void setup_text(GtkSignalListItemFactory *f, GtkListItem *item, gpointer column)
{
    GtkWidget *label = gtk_label_new(NULL);
    gboolean right = GPOINTER_TO_INT(column) == COL_PARAMS;
    gtk_label_set_xalign(GTK_LABEL(label), right ? 1 : 0);
    gtk_label_set_yalign(GTK_LABEL(label), 0);
    if (right)
        gtk_widget_add_css_class(label, "numeric");
    gtk_list_item_set_child(item, label);
}

static void bind_text(GtkSignalListItemFactory *f, GtkListItem *item, gpointer column)
{
    UnrollSummaryRow *row = gtk_list_item_get_item(item);
    gtk_label_set_text(GTK_LABEL(gtk_list_item_get_child(item)),
                       row->cells[GPOINTER_TO_INT(column)]);
}

static void setup_name(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *icon = gtk_image_new_from_icon_name("dialog-error-symbolic");
    gtk_widget_add_css_class(icon, "error");
    gtk_widget_set_valign(icon, GTK_ALIGN_START);
    gtk_box_append(GTK_BOX(box), icon);
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_yalign(GTK_LABEL(label), 0);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_widget_set_hexpand(label, TRUE);
    gtk_box_append(GTK_BOX(box), label);
    gtk_list_item_set_child(item, box);
}

static void bind_name(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    UnrollSummaryRow *row = gtk_list_item_get_item(item);
    GtkWidget *box = gtk_list_item_get_child(item);
    GtkWidget *icon = gtk_widget_get_first_child(box);
    GtkWidget *label = gtk_widget_get_next_sibling(icon);
    gtk_label_set_text(GTK_LABEL(label), row->cells[COL_NAME]);
    gtk_widget_set_visible(icon, row->error != NULL);
    if (row->error)
        gtk_widget_add_css_class(label, "error");
    else
        gtk_widget_remove_css_class(label, "error");
    gtk_widget_set_tooltip_text(box, row->error ? row->error : row->cells[COL_NAME]);
}

static GtkColumnViewColumn *add_column(UnrollSummaryView *self, int column)
{
    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    if (column == COL_NAME) {
        g_signal_connect(f, "setup", G_CALLBACK(setup_name), NULL);
        g_signal_connect(f, "bind", G_CALLBACK(bind_name), NULL);
    } else {
        g_signal_connect(f, "setup", G_CALLBACK(setup_text), GINT_TO_POINTER(column));
        g_signal_connect(f, "bind", G_CALLBACK(bind_text), GINT_TO_POINTER(column));
    }
    GtkColumnViewColumn *c = gtk_column_view_column_new(column_titles[column], f);
    gtk_column_view_column_set_resizable(c, TRUE);
    gtk_column_view_column_set_expand(c, column != COL_PARAMS);
    gtk_column_view_append_column(GTK_COLUMN_VIEW(self->column_view), c);
    g_object_unref(c);
    return c;
}

/* ----------------------------------------------------------------- copy */

static void copy_action(GtkWidget *widget, const char *action_name, GVariant *param)
{
    UnrollSummaryView *self = UNROLL_SUMMARY_VIEW(widget);
    char *text = unroll_summary_view_get_text(self);
    gdk_clipboard_set_text(gtk_widget_get_clipboard(widget), text);
    g_free(text);
}

/* ------------------------------------------------------------ GObject */

static void unroll_summary_view_dispose(GObject *object)
{
    UnrollSummaryView *self = UNROLL_SUMMARY_VIEW(object);
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_object(&self->doc);
    }
    g_clear_pointer(&self->box, gtk_widget_unparent);
    g_clear_object(&self->rows);
    G_OBJECT_CLASS(unroll_summary_view_parent_class)->dispose(object);
}

static void unroll_summary_view_class_init(UnrollSummaryViewClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = unroll_summary_view_dispose;
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "unroll-summary");
    gtk_widget_class_install_action(widget_class, "summary.copy", NULL, copy_action);
}

static GtkWidget *totals_row(GtkGrid *grid, int row, const char *key)
{
    GtkWidget *k = gtk_label_new(key);
    gtk_label_set_xalign(GTK_LABEL(k), 0);
    gtk_widget_add_css_class(k, "dim-label");
    gtk_grid_attach(grid, k, 0, row, 1, 1);
    GtkWidget *v = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(v), 0);
    gtk_label_set_selectable(GTK_LABEL(v), TRUE);
    gtk_widget_add_css_class(v, "numeric");
    gtk_grid_attach(grid, v, 1, row, 1, 1);
    return v;
}

static void unroll_summary_view_init(UnrollSummaryView *self)
{
    self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_widget_set_parent(self->box, GTK_WIDGET(self));

    GtkWidget *top = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_widget_set_margin_start(top, 12);
    gtk_widget_set_margin_end(top, 6);
    gtk_widget_set_margin_top(top, 6);
    gtk_widget_set_margin_bottom(top, 6);
    self->title = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->title), 0);
    gtk_label_set_ellipsize(GTK_LABEL(self->title), PANGO_ELLIPSIZE_END);
    gtk_widget_set_hexpand(self->title, TRUE);
    gtk_widget_add_css_class(self->title, "heading");
    gtk_box_append(GTK_BOX(top), self->title);
    GtkWidget *copy = gtk_button_new_from_icon_name("edit-copy-symbolic");
    gtk_widget_add_css_class(copy, "flat");
    gtk_widget_set_tooltip_text(copy, "Copy Summary");
    gtk_actionable_set_action_name(GTK_ACTIONABLE(copy), "summary.copy");
    gtk_box_append(GTK_BOX(top), copy);
    gtk_box_append(GTK_BOX(self->box), top);

    self->rows = g_list_store_new(UNROLL_TYPE_SUMMARY_ROW);
    GtkSelectionModel *sel = GTK_SELECTION_MODEL(gtk_no_selection_new(
        G_LIST_MODEL(g_object_ref(self->rows))));
    self->column_view = gtk_column_view_new(sel);
    gtk_widget_add_css_class(self->column_view, "data-table");
    gtk_column_view_set_show_row_separators(GTK_COLUMN_VIEW(self->column_view), TRUE);
    gtk_column_view_set_show_column_separators(GTK_COLUMN_VIEW(self->column_view), TRUE);
    gtk_column_view_set_reorderable(GTK_COLUMN_VIEW(self->column_view), FALSE);
    for (int c = COL_NAME; c <= COL_CONNECTED; c++) {
        GtkColumnViewColumn *col = add_column(self, c);
        if (c == COL_CONNECTED)
            self->connected_column = col;
    }
    GtkWidget *scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), self->column_view);
    gtk_widget_set_vexpand(scroll, TRUE);

    GtkWidget *empty = adw_status_page_new();
    adw_status_page_set_icon_name(ADW_STATUS_PAGE(empty), "view-list-symbolic");
    adw_status_page_set_title(ADW_STATUS_PAGE(empty), "No Layers");
    adw_status_page_set_description(ADW_STATUS_PAGE(empty),
                                    "Add layers from the palette to see the summary");
    gtk_widget_add_css_class(empty, "compact");

    self->stack = gtk_stack_new();
    gtk_stack_add_named(GTK_STACK(self->stack), scroll, "table");
    gtk_stack_add_named(GTK_STACK(self->stack), empty, "empty");
    gtk_widget_set_vexpand(self->stack, TRUE);
    gtk_box_append(GTK_BOX(self->box), self->stack);

    gtk_box_append(GTK_BOX(self->box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
    GtkWidget *grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_grid_set_row_spacing(GTK_GRID(grid), 3);
    gtk_widget_set_margin_start(grid, 12);
    gtk_widget_set_margin_end(grid, 12);
    gtk_widget_set_margin_top(grid, 8);
    gtk_widget_set_margin_bottom(grid, 8);
    self->total_label = totals_row(GTK_GRID(grid), 0, "Total params");
    self->trainable_label = totals_row(GTK_GRID(grid), 1, "Trainable params");
    self->frozen_label = totals_row(GTK_GRID(grid), 2, "Non-trainable params");
    gtk_box_append(GTK_BOX(self->box), grid);

    rebuild(self);
}

GtkWidget *unroll_summary_view_new(void)
{
    return g_object_new(UNROLL_TYPE_SUMMARY_VIEW, NULL);
}

void unroll_summary_view_set_document(UnrollSummaryView *self, UnrollDocument *doc)
{
    g_return_if_fail(UNROLL_IS_SUMMARY_VIEW(self));
    if (self->doc == doc)
        return;
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_object(&self->doc);
    }
    if (doc) {
        self->doc = g_object_ref(doc);
        self->changed_id = g_signal_connect(doc, "changed", G_CALLBACK(document_changed), self);
    }
    rebuild(self);
}

UnrollDocument *unroll_summary_view_get_document(UnrollSummaryView *self)
{
    g_return_val_if_fail(UNROLL_IS_SUMMARY_VIEW(self), NULL);
    return self->doc;
}

void unroll_summary_view_get_totals(UnrollSummaryView *self, int64_t *total, int64_t *trainable,
                                    int64_t *non_trainable)
{
    g_return_if_fail(UNROLL_IS_SUMMARY_VIEW(self));
    if (total)
        *total = self->total;
    if (trainable)
        *trainable = self->trainable;
    if (non_trainable)
        *non_trainable = self->frozen;
}

guint unroll_summary_view_get_n_rows(UnrollSummaryView *self)
{
    g_return_val_if_fail(UNROLL_IS_SUMMARY_VIEW(self), 0);
    return g_list_model_get_n_items(G_LIST_MODEL(self->rows));
}

gboolean unroll_summary_view_has_connected_column(UnrollSummaryView *self)
{
    g_return_val_if_fail(UNROLL_IS_SUMMARY_VIEW(self), FALSE);
    return !self->sequential;
}

/* One cell, its lines joined by spaces. */
static void append_cell(GString *s, const char *cell)
{
    for (const char *p = cell; *p; p++)
        if (*p == '\n' || *p == '\t') {
            while (s->len > 0 && s->str[s->len - 1] == ' ')
                g_string_truncate(s, s->len - 1);
            g_string_append_c(s, ' ');
            while (p[1] == ' ')
                p++;
        } else {
            g_string_append_c(s, *p);
        }
}

char *unroll_summary_view_get_text(UnrollSummaryView *self)
{
    g_return_val_if_fail(UNROLL_IS_SUMMARY_VIEW(self), NULL);
    GString *s = g_string_new(NULL);
    ur_graph *g = self->doc ? unroll_document_get_graph(self->doc) : NULL;
    g_string_append_printf(s, "Model: \"%s\"\n", g ? ur_graph_name(g) : "");
    int n_cols = self->sequential ? 3 : 4;
    for (int c = 0; c < n_cols; c++)
        g_string_append_printf(s, "%s%s", c ? "\t" : "", column_titles[c]);
    g_string_append_c(s, '\n');
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->rows));
    for (guint i = 0; i < n; i++) {
        UnrollSummaryRow *row = g_list_model_get_item(G_LIST_MODEL(self->rows), i);
        for (int c = 0; c < n_cols; c++) {
            if (c)
                g_string_append_c(s, '\t');
            append_cell(s, row->cells[c]);
        }
        g_string_append_c(s, '\n');
        g_object_unref(row);
    }
    const struct { const char *key; int64_t n; } totals[] = {
        {"Total params", self->total},
        {"Trainable params", self->trainable},
        {"Non-trainable params", self->frozen},
    };
    for (int i = 0; i < 3; i++) {
        char *v = totals_value(totals[i].n);
        g_string_append_printf(s, "%s: %s\n", totals[i].key, v);
        g_free(v);
    }
    return g_string_free(s, FALSE);
}
