/* palette.c — UnrollPalette: a search entry over a GtkListBox of the
 * engine's layer classes, grouped under headings (the catalog's groups in
 * order of first appearance), each row a drag source and activatable. */
#include "palette.h"

#include <adwaita.h>
#include <string.h>

#include "ur.h"

struct _UnrollPalette {
    GtkWidget parent_instance;

    GtkWidget *box;          /* vertical: search bar area, stack */
    GtkWidget *search;       /* GtkSearchEntry */
    GtkWidget *stack;        /* "list" | "empty" */
    GtkWidget *list;         /* GtkListBox */
    char **words;            /* casefolded filter words (NULL: no filter) */
};

G_DEFINE_FINAL_TYPE(UnrollPalette, unroll_palette, GTK_TYPE_WIDGET)

enum { SIGNAL_LAYER_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Per-row data, set on the GtkListBoxRow. */
#define ROW_CLASS "unroll-class-index"

char *unroll_layer_icon_name(const char *class_name)
{
    GString *s = g_string_new("unroll-layer-");
    for (const char *p = class_name; p && *p; p++) {
        if (g_ascii_isupper(*p) && p > class_name &&
            (g_ascii_islower(p[-1]) || g_ascii_isdigit(p[-1])))
            g_string_append_c(s, '-');
        g_string_append_c(s, g_ascii_tolower(*p));
    }
    g_string_append(s, "-symbolic");
    return g_string_free(s, FALSE);
}

static int row_class(GtkListBoxRow *row)
{
    return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(row), ROW_CLASS)) - 1;
}

/* ---------------------------------------------------------------- filter */

static gboolean class_matches(int i, char *const *words)
{
    if (!words || !words[0])
        return TRUE;
    char *name = g_utf8_casefold(ur_layer_class_name(i), -1);
    const char *d = ur_layer_class_description(i);
    char *desc = g_utf8_casefold(d ? d : "", -1);
    gboolean ok = TRUE;
    for (int w = 0; ok && words[w]; w++)
        ok = strstr(name, words[w]) != NULL || strstr(desc, words[w]) != NULL;
    g_free(name);
    g_free(desc);
    return ok;
}

static gboolean filter_func(GtkListBoxRow *row, gpointer data)
{
    UnrollPalette *self = data;
    return class_matches(row_class(row), self->words);
}

static void apply_filter(UnrollPalette *self, const char *text)
{
    g_strfreev(self->words);
    self->words = NULL;
    char *folded = g_utf8_casefold(text ? text : "", -1);
    char *stripped = g_strstrip(folded);
    if (*stripped) {
        GStrvBuilder *b = g_strv_builder_new();
        char **parts = g_strsplit_set(stripped, " \t\n", -1);
        for (int i = 0; parts[i]; i++)
            if (*parts[i])
                g_strv_builder_add(b, parts[i]);
        self->words = g_strv_builder_end(b);
        g_strv_builder_unref(b);
        g_strfreev(parts);
    }
    g_free(folded);
    gtk_list_box_invalidate_filter(GTK_LIST_BOX(self->list));
    gtk_stack_set_visible_child_name(GTK_STACK(self->stack),
                                     unroll_palette_count_visible(self) > 0 ? "list" : "empty");
}

static void search_changed(GtkSearchEntry *entry, UnrollPalette *self)
{
    apply_filter(self, gtk_editable_get_text(GTK_EDITABLE(entry)));
}

static GtkListBoxRow *first_visible_row(UnrollPalette *self)
{
    for (GtkWidget *w = gtk_widget_get_first_child(self->list); w;
         w = gtk_widget_get_next_sibling(w))
        if (GTK_IS_LIST_BOX_ROW(w) && class_matches(row_class(GTK_LIST_BOX_ROW(w)), self->words))
            return GTK_LIST_BOX_ROW(w);
    return NULL;
}

static void search_activate(GtkSearchEntry *entry, UnrollPalette *self)
{
    GtkListBoxRow *row = first_visible_row(self);
    if (row)
        g_signal_emit(self, signals[SIGNAL_LAYER_ACTIVATED], 0,
                      ur_layer_class_name(row_class(row)));
}

/* Down from the search entry moves into the list. */
static void search_next_match(GtkSearchEntry *entry, UnrollPalette *self)
{
    GtkListBoxRow *row = first_visible_row(self);
    if (row)
        gtk_widget_grab_focus(GTK_WIDGET(row));
}

/* --------------------------------------------------------------- headers */

static void header_func(GtkListBoxRow *row, GtkListBoxRow *before, gpointer data)
{
    const char *group = ur_layer_class_group(row_class(row));
    const char *prev = before ? ur_layer_class_group(row_class(before)) : NULL;
    if (prev && g_strcmp0(prev, group) == 0) {
        gtk_list_box_row_set_header(row, NULL);
        return;
    }
    GtkWidget *header = gtk_list_box_row_get_header(row);
    if (header && g_strcmp0(gtk_label_get_text(GTK_LABEL(header)), group) == 0 &&
        gtk_widget_get_margin_top(header) == (before ? 18 : 6))
        return;
    header = gtk_label_new(group);
    gtk_label_set_xalign(GTK_LABEL(header), 0);
    gtk_widget_add_css_class(header, "heading");
    gtk_widget_add_css_class(header, "dim-label");
    gtk_widget_set_margin_start(header, 12);
    gtk_widget_set_margin_end(header, 12);
    gtk_widget_set_margin_top(header, before ? 18 : 6);
    gtk_widget_set_margin_bottom(header, 6);
    gtk_list_box_row_set_header(row, header);
}

/* ---------------------------------------------------------- drag source */

static GdkContentProvider *drag_prepare(GtkDragSource *source, double x, double y,
                                        GtkListBoxRow *row)
{
    g_object_set_data(G_OBJECT(source), "hot-x", GINT_TO_POINTER((int)x));
    g_object_set_data(G_OBJECT(source), "hot-y", GINT_TO_POINTER((int)y));
    char *text = g_strconcat(UNROLL_PALETTE_DRAG_PREFIX, ur_layer_class_name(row_class(row)), NULL);
    GdkContentProvider *p = gdk_content_provider_new_typed(G_TYPE_STRING, text);
    g_free(text);
    return p;
}

static void drag_begin(GtkDragSource *source, GdkDrag *drag, GtkListBoxRow *row)
{
    GdkPaintable *paintable = gtk_widget_paintable_new(GTK_WIDGET(row));
    gtk_drag_source_set_icon(source, paintable,
                             GPOINTER_TO_INT(g_object_get_data(G_OBJECT(source), "hot-x")),
                             GPOINTER_TO_INT(g_object_get_data(G_OBJECT(source), "hot-y")));
    g_object_unref(paintable);
}

/* ------------------------------------------------------------------ rows */

static GtkWidget *make_row(int i)
{
    const char *name = ur_layer_class_name(i);
    const char *desc = ur_layer_class_description(i);

    GtkWidget *hbox = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_widget_set_margin_top(hbox, 6);
    gtk_widget_set_margin_bottom(hbox, 6);
    gtk_widget_set_margin_start(hbox, 6);
    gtk_widget_set_margin_end(hbox, 6);

    char *icon = unroll_layer_icon_name(name);
    GtkWidget *image = gtk_image_new_from_icon_name(icon);
    g_free(icon);
    gtk_widget_set_valign(image, GTK_ALIGN_START);
    gtk_widget_set_margin_top(image, 2);
    gtk_box_append(GTK_BOX(hbox), image);

    GtkWidget *vbox = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_hexpand(vbox, TRUE);
    GtkWidget *title = gtk_label_new(name);
    gtk_label_set_xalign(GTK_LABEL(title), 0);
    gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_END);
    gtk_box_append(GTK_BOX(vbox), title);
    GtkWidget *sub = gtk_label_new(desc);
    gtk_label_set_xalign(GTK_LABEL(sub), 0);
    gtk_label_set_wrap(GTK_LABEL(sub), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(sub), PANGO_WRAP_WORD_CHAR);
    gtk_label_set_lines(GTK_LABEL(sub), 2);
    gtk_label_set_ellipsize(GTK_LABEL(sub), PANGO_ELLIPSIZE_END);
    gtk_label_set_width_chars(GTK_LABEL(sub), 20);
    gtk_label_set_max_width_chars(GTK_LABEL(sub), 30);
    gtk_widget_add_css_class(sub, "dim-label");
    gtk_widget_add_css_class(sub, "caption");
    gtk_box_append(GTK_BOX(vbox), sub);
    gtk_box_append(GTK_BOX(hbox), vbox);

    GtkWidget *row = gtk_list_box_row_new();
    gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(row), hbox);
    g_object_set_data(G_OBJECT(row), ROW_CLASS, GINT_TO_POINTER(i + 1));
    gtk_widget_set_tooltip_text(row, desc);
    char *label = g_strdup_printf("%s: %s", name, desc ? desc : "");
    gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    g_free(label);

    GtkDragSource *source = gtk_drag_source_new();
    gtk_drag_source_set_actions(source, GDK_ACTION_COPY);
    g_signal_connect(source, "prepare", G_CALLBACK(drag_prepare), row);
    g_signal_connect(source, "drag-begin", G_CALLBACK(drag_begin), row);
    gtk_widget_add_controller(row, GTK_EVENT_CONTROLLER(source));
    return row;
}

static void row_activated(GtkListBox *list, GtkListBoxRow *row, UnrollPalette *self)
{
    g_signal_emit(self, signals[SIGNAL_LAYER_ACTIVATED], 0, ur_layer_class_name(row_class(row)));
}

/* ------------------------------------------------------------ GObject */

static void unroll_palette_dispose(GObject *object)
{
    UnrollPalette *self = UNROLL_PALETTE(object);
    g_clear_pointer(&self->box, gtk_widget_unparent);
    G_OBJECT_CLASS(unroll_palette_parent_class)->dispose(object);
}

static void unroll_palette_finalize(GObject *object)
{
    UnrollPalette *self = UNROLL_PALETTE(object);
    g_strfreev(self->words);
    G_OBJECT_CLASS(unroll_palette_parent_class)->finalize(object);
}

static void unroll_palette_class_init(UnrollPaletteClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    object_class->dispose = unroll_palette_dispose;
    object_class->finalize = unroll_palette_finalize;
    signals[SIGNAL_LAYER_ACTIVATED] =
        g_signal_new("layer-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "unroll-palette");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void unroll_palette_init(UnrollPalette *self)
{
    self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_widget_set_parent(self->box, GTK_WIDGET(self));

    self->search = gtk_search_entry_new();
    g_object_set(self->search, "placeholder-text", "Search layers", NULL);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->search), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Search layers", -1);
    gtk_widget_set_margin_top(self->search, 6);
    gtk_widget_set_margin_bottom(self->search, 6);
    gtk_widget_set_margin_start(self->search, 6);
    gtk_widget_set_margin_end(self->search, 6);
    g_signal_connect(self->search, "search-changed", G_CALLBACK(search_changed), self);
    g_signal_connect(self->search, "activate", G_CALLBACK(search_activate), self);
    g_signal_connect(self->search, "next-match", G_CALLBACK(search_next_match), self);
    gtk_box_append(GTK_BOX(self->box), self->search);

    self->list = gtk_list_box_new();
    gtk_widget_add_css_class(self->list, "navigation-sidebar");
    gtk_list_box_set_selection_mode(GTK_LIST_BOX(self->list), GTK_SELECTION_NONE);
    gtk_list_box_set_activate_on_single_click(GTK_LIST_BOX(self->list), FALSE);
    gtk_list_box_set_filter_func(GTK_LIST_BOX(self->list), filter_func, self, NULL);
    gtk_list_box_set_header_func(GTK_LIST_BOX(self->list), header_func, NULL, NULL);
    g_signal_connect(self->list, "row-activated", G_CALLBACK(row_activated), self);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Layers", -1);

    /* Rows grouped: the groups in order of first appearance, the classes of
     * each in catalog order. */
    int n = ur_layer_class_count();
    gboolean *done = g_new0(gboolean, n);
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        const char *group = ur_layer_class_group(i);
        for (int j = i; j < n; j++)
            if (!done[j] && g_strcmp0(ur_layer_class_group(j), group) == 0) {
                gtk_list_box_append(GTK_LIST_BOX(self->list), make_row(j));
                done[j] = TRUE;
            }
    }
    g_free(done);

    GtkWidget *scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), self->list);
    gtk_widget_set_vexpand(scroll, TRUE);

    GtkWidget *empty = adw_status_page_new();
    adw_status_page_set_icon_name(ADW_STATUS_PAGE(empty), "edit-find-symbolic");
    adw_status_page_set_title(ADW_STATUS_PAGE(empty), "No layers match");
    adw_status_page_set_description(ADW_STATUS_PAGE(empty), "Try a different search");
    gtk_widget_add_css_class(empty, "compact");
    gtk_widget_set_vexpand(empty, TRUE);

    self->stack = gtk_stack_new();
    gtk_stack_add_named(GTK_STACK(self->stack), scroll, "list");
    gtk_stack_add_named(GTK_STACK(self->stack), empty, "empty");
    gtk_stack_set_visible_child_name(GTK_STACK(self->stack), "list");
    gtk_box_append(GTK_BOX(self->box), self->stack);
}

GtkWidget *unroll_palette_new(void)
{
    return g_object_new(UNROLL_TYPE_PALETTE, NULL);
}

void unroll_palette_set_filter(UnrollPalette *self, const char *text)
{
    g_return_if_fail(UNROLL_IS_PALETTE(self));
    if (g_strcmp0(gtk_editable_get_text(GTK_EDITABLE(self->search)), text ? text : "") != 0) {
        g_signal_handlers_block_by_func(self->search, search_changed, self);
        gtk_editable_set_text(GTK_EDITABLE(self->search), text ? text : "");
        g_signal_handlers_unblock_by_func(self->search, search_changed, self);
    }
    apply_filter(self, text);
}

int unroll_palette_count_visible(UnrollPalette *self)
{
    g_return_val_if_fail(UNROLL_IS_PALETTE(self), 0);
    int n = 0;
    for (GtkWidget *w = gtk_widget_get_first_child(self->list); w;
         w = gtk_widget_get_next_sibling(w))
        if (GTK_IS_LIST_BOX_ROW(w) && class_matches(row_class(GTK_LIST_BOX_ROW(w)), self->words))
            n++;
    return n;
}

gboolean unroll_palette_is_visible(UnrollPalette *self, const char *class_name)
{
    g_return_val_if_fail(UNROLL_IS_PALETTE(self), FALSE);
    int i = ur_layer_class_find(class_name);
    return i >= 0 && class_matches(i, self->words);
}

gboolean unroll_palette_activate(UnrollPalette *self, const char *class_name)
{
    g_return_val_if_fail(UNROLL_IS_PALETTE(self), FALSE);
    int i = class_name ? ur_layer_class_find(class_name) : -1;
    if (i < 0)
        return FALSE;
    g_signal_emit(self, signals[SIGNAL_LAYER_ACTIVATED], 0, ur_layer_class_name(i));
    return TRUE;
}

GtkWidget *unroll_palette_get_search_entry(UnrollPalette *self)
{
    g_return_val_if_fail(UNROLL_IS_PALETTE(self), NULL);
    return self->search;
}
