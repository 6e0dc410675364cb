/* canvas-view.c — UnrollCanvasView: the node editor widget. Cards, ports and
 * wires are laid out by canvas-geometry.c; this file measures text, draws
 * with GtkSnapshot (cached card nodes, culled to the visible rectangle) and
 * turns gestures, drops and keys into UnrollDocument edits. */
#include "canvas-view.h"

#include <math.h>
#include <string.h>

#include "json.h"

/* Card metrics in canvas units (pixels at 100 %). */
#define TITLE_PX 13.5
#define LINE_PX 12.0
#define LABEL_PX 10.0
#define CARD_RADIUS 8.0
#define STRIPE_H 3.0
#define TEXT_X 12.0        /* left margin of card text */
#define LABEL_PAD 7.0      /* text inset of a shape label */
#define TEXT_MAX_W 260.0
#define OPTION_LINE_CHARS 24
#define MAX_OPTION_LINES 3
#define GRID_STEP 24.0
#define ROW_GAP 48.0
#define MIN_COL_GAP 100.0
#define PASTE_STEP 32.0
#define HIT_TOLERANCE 5.0
#define DRAG_THRESHOLD 3.0
#define ZOOM_STEP 1.25
#define FIT_MARGIN 32.0
#define READABLE_ZOOM 0.7 /* the least zoom a model opens at */
#define LOD_TEXT_ZOOM 0.3   /* below: cards without text */
#define LOD_LABEL_ZOOM 0.3  /* below: no shape labels */

typedef struct canvas_colors {
    GdkRGBA fg, bg, card, border, dim, text2, grid, wire, accent, accent_fg, error, shadow,
        label_bg;
    GdkRGBA group[6];
} canvas_colors;

/* A shape label: on a wire (wire >= 0) or beside an output that feeds nothing. */
typedef struct shape_label {
    int wire;          /* -1: a stub beside output `port` of `node` */
    int node, port;
    PangoLayout *layout;
    gboolean masked;
    double w, h;       /* canvas units, the pill with its mask badge */
    unroll_point pos;  /* top-left, canvas units */
    gboolean on_top;   /* no room beside the cards: drawn over them */
    GskRenderNode *render;
} shape_label;

typedef struct node_info {
    PangoLayout *title;
    PangoLayout *lines[2 + MAX_OPTION_LINES]; /* class, options..., params */
    int n_lines;
    int n_option_lines;
    double text_w;
    char *error;              /* NULL when fine */
    char *class_name;
    int group;                /* palette group, for the stripe colour */
    gboolean recurrent;       /* outputs past the first are states */
    gboolean has_pos;         /* the document holds its position */
    gboolean selected;
    GskRenderNode *render;      /* full card at the origin */
    GskRenderNode *render_lod;  /* without text, for small zooms */
} node_info;

typedef enum drag_mode {
    DRAG_NONE,
    DRAG_NODE_PENDING,  /* pressed on a card, not moved yet */
    DRAG_MOVE,
    DRAG_WIRE_OUT,      /* from an output port */
    DRAG_WIRE_IN,       /* from a free input or state port */
    DRAG_WIRE_DETACH,   /* an existing wire's input end, pulled off its port */
    DRAG_BAND_PENDING,
    DRAG_BAND,
} drag_mode;

struct _UnrollCanvasView {
    GtkWidget parent_instance;

    UnrollDocument *doc;
    gulong changed_id, selection_id;

    unroll_canvas *canvas;
    node_info *info;            /* canvas->n_nodes entries */
    shape_label *labels;
    int n_labels;
    unroll_view view;
    double col_gap;
    GHashTable *view_pos;       /* name -> unroll_point: places the view chose itself */
    gboolean pending_fit;
    gboolean auto_fit;          /* fitted on opening and untouched since: refit on resize */
    int selected_wire;

    PangoContext *pango;
    PangoFontDescription *font_title, *font_line, *font_label;
    canvas_colors colors;
    gboolean have_colors;

    /* pointer */
    drag_mode mode;
    unroll_point press, cur;
    GdkModifierType press_state;
    int press_node;
    gboolean select_only_on_release;
    int wire_src, wire_src_port;       /* WIRE_OUT, DETACH */
    int wire_dst, wire_dst_port;       /* WIRE_IN, DETACH */
    unroll_port_kind wire_dst_kind;
    int detached_wire;
    unroll_hit target;                 /* the port a dragged wire would land on */
    int *moving;                       /* DRAG_MOVE: node indices */
    unroll_point *moving_from;
    int n_moving;
    char **band_base;                  /* the selection a Shift/Ctrl band adds to */
    int n_band_base;
    double pointer_x, pointer_y;
    gboolean pointer_inside;
    double pan_last_x, pan_last_y;
    double pinch_zoom0;
    gboolean drop_active;

    char *last_paste;
    int paste_count;
};

G_DEFINE_FINAL_TYPE(UnrollCanvasView, unroll_canvas_view, GTK_TYPE_WIDGET)

enum { SIGNAL_EDIT_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void rebuild(UnrollCanvasView *self);
static void layout_labels(UnrollCanvasView *self);
static void update_actions(UnrollCanvasView *self);
static void fit_view(UnrollCanvasView *self, gboolean readable);

/* ------------------------------------------------------------- helpers */

static void edit_failed(UnrollCanvasView *self, GError *error)
{
    if (error)
        g_signal_emit(self, signals[SIGNAL_EDIT_FAILED], 0, error->message);
    g_clear_error(&error);
}

static const char *node_name(UnrollCanvasView *self, int i)
{
    return self->canvas->nodes[i].name;
}

static unroll_rect inflate(unroll_rect r, double d)
{
    return (unroll_rect){r.x - d, r.y - d, r.w + 2 * d, r.h + 2 * d};
}

static gboolean document_position(const ur_graph *g, const char *name, double *x, double *y)
{
    const ur_value *p = ur_value_get(ur_value_get(ur_graph_doc_get(g, "ui"), "nodes"), name);
    const ur_value *vx = ur_value_get(p, "x"), *vy = ur_value_get(p, "y");
    if (!vx || !vy || vx->type != UR_VALUE_NUMBER || vy->type != UR_VALUE_NUMBER ||
        !isfinite(vx->u.num) || !isfinite(vy->u.num))
        return FALSE;
    if (x)
        *x = vx->u.num;
    if (y)
        *y = vy->u.num;
    return TRUE;
}

/* ------------------------------------------------------------- colours */

static GdkRGBA rgba(double r, double g, double b, double a)
{
    return (GdkRGBA){(float)r, (float)g, (float)b, (float)a};
}

static GdkRGBA with_alpha(GdkRGBA c, double a)
{
    c.alpha = (float)(c.alpha * a);
    return c;
}

/* c drawn over the opaque colour under. */
static GdkRGBA over(GdkRGBA c, GdkRGBA under)
{
    double a = c.alpha;
    return rgba(c.red * a + under.red * (1 - a), c.green * a + under.green * (1 - a),
                c.blue * a + under.blue * (1 - a), 1);
}

static GdkRGBA named_color(GtkWidget *w, const char *name, GdkRGBA fallback)
{
    GdkRGBA c;
    if (gtk_style_context_lookup_color(gtk_widget_get_style_context(w), name, &c))
        return c;
    return fallback;
}

static GdkRGBA hex(guint32 v)
{
    return rgba(((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0, 1);
}

static void read_colors(GtkWidget *w, canvas_colors *c)
{
    GdkRGBA fg;
    gtk_style_context_get_color(gtk_widget_get_style_context(w), &fg); /* 4.8: no gtk_widget_get_color */
    gboolean dark = 0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue > 0.5;
    memset(c, 0, sizeof *c);
    c->fg = named_color(w, "window_fg_color", fg);
    GdkRGBA bg = named_color(w, "window_bg_color", dark ? hex(0x242424) : hex(0xfafafa));
    bg.alpha = 1;
    c->bg = bg;
    GdkRGBA card = named_color(w, "card_bg_color", dark ? rgba(1, 1, 1, 0.08) : hex(0xffffff));
    c->card = over(card, bg);
    c->border = with_alpha(c->fg, dark ? 0.16 : 0.14);
    c->dim = with_alpha(c->fg, 0.55);
    c->text2 = with_alpha(c->fg, 0.82);
    c->grid = with_alpha(c->fg, dark ? 0.14 : 0.16);
    c->wire = with_alpha(c->fg, dark ? 0.50 : 0.42);
    c->accent = named_color(w, "accent_bg_color", hex(0x3584e4));
    c->accent_fg = named_color(w, "accent_fg_color", hex(0xffffff));
    c->error = named_color(w, "error_color", dark ? hex(0xff7b63) : hex(0xc01c28));
    c->shadow = dark ? rgba(0, 0, 0, 0.36) : rgba(0, 0, 0, 0.09);
    c->label_bg = over(with_alpha(c->fg, dark ? 0.10 : 0.05), c->bg);
    /* palette groups: Inputs, Recurrent, Core, Normalization, Merge, other */
    c->group[0] = named_color(w, "blue_3", hex(0x3584e4));
    c->group[1] = named_color(w, "purple_3", hex(0x9141ac));
    c->group[2] = named_color(w, "green_4", hex(0x2ec27e));
    c->group[3] = named_color(w, "yellow_5", hex(0xe5a50a));
    c->group[4] = named_color(w, "orange_3", hex(0xff7800));
    c->group[5] = with_alpha(c->fg, 0.4);
}

static int group_index(const char *class_name)
{
    static const char *const groups[] = {"Inputs", "Recurrent", "Core",
                                         "Normalization & regularization", "Merge"};
    const char *g = ur_layer_class_group(ur_layer_class_find(class_name));
    for (int i = 0; g && i < 5; i++)
        if (strcmp(g, groups[i]) == 0)
            return i;
    return 5;
}

/* --------------------------------------------------------------- text */

static void drop_card_cache(node_info *ni)
{
    g_clear_pointer(&ni->render, gsk_render_node_unref);
    g_clear_pointer(&ni->render_lod, gsk_render_node_unref);
}

static void free_render_nodes(UnrollCanvasView *self)
{
    for (int i = 0; self->info && self->canvas && i < self->canvas->n_nodes; i++)
        drop_card_cache(&self->info[i]);
    for (int i = 0; i < self->n_labels; i++)
        g_clear_pointer(&self->labels[i].render, gsk_render_node_unref);
}

/* Frees the per-node text and the labels of the current canvas (kept). */
static void free_info(UnrollCanvasView *self)
{
    free_render_nodes(self);
    for (int i = 0; self->info && self->canvas && i < self->canvas->n_nodes; i++) {
        node_info *ni = &self->info[i];
        g_clear_object(&ni->title);
        for (int k = 0; k < ni->n_lines; k++)
            g_clear_object(&ni->lines[k]);
        g_free(ni->error);
        g_free(ni->class_name);
    }
    g_clear_pointer(&self->info, g_free);
    for (int i = 0; i < self->n_labels; i++)
        g_clear_object(&self->labels[i].layout);
    g_clear_pointer(&self->labels, g_free);
    self->n_labels = 0;
}

static void free_model(UnrollCanvasView *self)
{
    free_info(self);
    g_clear_pointer(&self->canvas, unroll_canvas_free);
}

static void ensure_pango(UnrollCanvasView *self)
{
    if (self->pango)
        return;
    self->pango = gtk_widget_create_pango_context(GTK_WIDGET(self));
    /* unhinted metrics so that text scales with the zoom without jumping */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(self->pango, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(self->pango, FALSE);

    const PangoFontDescription *base = pango_context_get_font_description(self->pango);
    const char *family = base ? pango_font_description_get_family(base) : NULL;
    self->font_title = pango_font_description_new();
    pango_font_description_set_family(self->font_title, family ? family : "Sans");
    pango_font_description_set_weight(self->font_title, PANGO_WEIGHT_BOLD);
    pango_font_description_set_absolute_size(self->font_title, TITLE_PX * PANGO_SCALE);
    self->font_line = pango_font_description_new();
    pango_font_description_set_family(self->font_line, family ? family : "Sans");
    pango_font_description_set_absolute_size(self->font_line, LINE_PX * PANGO_SCALE);
    self->font_label = pango_font_description_new();
    pango_font_description_set_family(self->font_label, "Monospace");
    pango_font_description_set_absolute_size(self->font_label, LABEL_PX * PANGO_SCALE);
}

static void drop_pango(UnrollCanvasView *self)
{
    g_clear_object(&self->pango);
    g_clear_pointer(&self->font_title, pango_font_description_free);
    g_clear_pointer(&self->font_line, pango_font_description_free);
    g_clear_pointer(&self->font_label, pango_font_description_free);
}

static PangoLayout *make_layout(UnrollCanvasView *self, const PangoFontDescription *font,
                                const char *text, double *width)
{
    PangoLayout *l = pango_layout_new(self->pango);
    pango_layout_set_font_description(l, font);
    pango_layout_set_text(l, text, -1);
    pango_layout_set_width(l, (int)(TEXT_MAX_W * PANGO_SCALE));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_single_paragraph_mode(l, TRUE);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    double w = logical.width / (double)PANGO_SCALE;
    if (width && w > *width)
        *width = w;
    return l;
}

/* "(28, 28)", "(None,)" */
static void append_tuple(GString *s, const ur_value *v)
{
    if (!v || v->type != UR_VALUE_ARRAY) {
        g_string_append(s, "?");
        return;
    }
    g_string_append_c(s, '(');
    for (size_t i = 0; i < v->u.arr.n; i++) {
        const ur_value *d = v->u.arr.items[i];
        if (i)
            g_string_append(s, ", ");
        if (d->type == UR_VALUE_NUMBER)
            g_string_append_printf(s, "%g", d->u.num);
        else
            g_string_append(s, "None");
    }
    g_string_append(s, v->u.arr.n == 1 ? ",)" : ")");
}

static void append_value(GString *s, const ur_value *v)
{
    switch (v->type) {
    case UR_VALUE_NULL: g_string_append(s, "None"); break;
    case UR_VALUE_BOOL: g_string_append(s, v->u.b ? "True" : "False"); break;
    case UR_VALUE_NUMBER: g_string_append_printf(s, "%g", v->u.num); break;
    case UR_VALUE_STRING: g_string_append(s, v->u.str); break;
    case UR_VALUE_ARRAY: append_tuple(s, v); break;
    case UR_VALUE_OBJECT: {
        const ur_value *cls = ur_value_get(v, "class");
        g_string_append(s, cls && cls->type == UR_VALUE_STRING ? cls->u.str : "{…}");
        break;
    }
    }
}

static gboolean is_default(const ur_option_info *o, const ur_value *v)
{
    if (!o->default_json)
        return FALSE;
    ur_ctx ctx = {0};
    ur_value *d = ur_json_parse(o->default_json, strlen(o->default_json), NULL, &ctx);
    if (!d)
        return FALSE;
    gboolean same = ur_value_equal(d, v);
    ur_value_free(d);
    return same;
}

/* The key options of a spec as short tokens: required ones, then every
 * option set to something other than its default (initializers left out). */
static void option_tokens(const ur_value *spec, GPtrArray *tokens, int depth)
{
    const ur_value *cv = ur_value_get(spec, "class");
    if (!cv || cv->type != UR_VALUE_STRING)
        return;
    int ci = ur_layer_class_find(cv->u.str);
    if (ci < 0)
        return;
    const char *cls = ur_layer_class_name(ci);
    if (strcmp(cls, "Input") == 0) {
        GString *s = g_string_new("shape ");
        append_tuple(s, ur_value_get(spec, "shape"));
        g_ptr_array_add(tokens, g_string_free(s, FALSE));
    }
    for (int k = 0; k < ur_layer_class_n_options(ci); k++) {
        ur_option_info o;
        if (!ur_layer_class_option(ci, k, &o))
            break;
        const ur_value *v = ur_value_get(spec, o.name);
        if (!v || o.kind == UR_OPTION_IGNORED || o.kind == UR_OPTION_INITIALIZER ||
            (strcmp(o.name, "shape") == 0 && strcmp(cls, "Input") == 0))
            continue;
        if (!o.required && is_default(&o, v))
            continue;
        if (o.kind == UR_OPTION_LAYER) {
            if (depth == 0 && v->type == UR_VALUE_OBJECT) {
                const ur_value *inner = ur_value_get(v, "class");
                if (inner && inner->type == UR_VALUE_STRING)
                    g_ptr_array_add(tokens, g_strdup(inner->u.str));
                option_tokens(v, tokens, depth + 1);
            }
            continue;
        }
        GString *s = g_string_new(NULL);
        if (v->type == UR_VALUE_BOOL) {
            g_string_append(s, o.name);
            if (!v->u.b)
                g_string_append(s, " off");
        } else if ((o.kind == UR_OPTION_ACTIVATION || strcmp(o.name, "dtype") == 0) &&
                   v->type == UR_VALUE_STRING) {
            g_string_append(s, v->u.str);
        } else {
            g_string_append_printf(s, "%s ", o.name);
            append_value(s, v);
        }
        g_ptr_array_add(tokens, g_string_free(s, FALSE));
    }
}

/* Packs tokens into at most MAX_OPTION_LINES lines joined with " · ". */
static int pack_lines(GPtrArray *tokens, char **lines)
{
    int n = 0;
    GString *line = NULL;
    for (guint i = 0; i < tokens->len; i++) {
        const char *t = g_ptr_array_index(tokens, i);
        if (line && g_utf8_strlen(line->str, -1) + 3 + g_utf8_strlen(t, -1) > OPTION_LINE_CHARS) {
            lines[n++] = g_string_free(line, FALSE);
            line = NULL;
            if (n == MAX_OPTION_LINES) {
                char *last = lines[n - 1];
                lines[n - 1] = g_strconcat(last, " …", NULL);
                g_free(last);
                return n;
            }
        }
        if (!line)
            line = g_string_new(t);
        else
            g_string_append_printf(line, " · %s", t);
    }
    if (line)
        lines[n++] = g_string_free(line, FALSE);
    return n;
}

static char *format_params(int64_t n)
{
    char digits[32];
    g_snprintf(digits, sizeof digits, "%lld", (long long)n);
    GString *s = g_string_new(NULL);
    int len = (int)strlen(digits);
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, digits[i]);
    }
    g_string_append(s, n == 1 ? " param" : " params");
    return g_string_free(s, FALSE);
}

static void build_info(UnrollCanvasView *self, const ur_layer *l, node_info *ni)
{
    memset(ni, 0, sizeof *ni);
    ni->class_name = g_strdup(ur_layer_class(l));
    ni->error = g_strdup(ur_layer_error(l));
    ni->group = group_index(ni->class_name);
    const char *cls = ni->class_name;
    ni->recurrent = strcmp(cls, "LSTM") == 0 || strcmp(cls, "GRU") == 0 ||
                    strcmp(cls, "SimpleRNN") == 0 || strcmp(cls, "Bidirectional") == 0;
    double w = 0;
    ni->title = make_layout(self, self->font_title, ur_layer_name(l), &w);
    if (ni->error)
        w += 22; /* the warning glyph */
    ni->lines[ni->n_lines++] = make_layout(self, self->font_line, cls, &w);
    GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
    option_tokens(ur_layer_spec(l), tokens, 0);
    char *opt[MAX_OPTION_LINES];
    ni->n_option_lines = pack_lines(tokens, opt);
    g_ptr_array_unref(tokens);
    for (int k = 0; k < ni->n_option_lines; k++) {
        ni->lines[ni->n_lines++] = make_layout(self, self->font_line, opt[k], &w);
        g_free(opt[k]);
    }
    char *params = format_params(ur_layer_count_params(l, true) + ur_layer_count_params(l, false));
    ni->lines[ni->n_lines++] = make_layout(self, self->font_line, params, &w);
    g_free(params);
    ni->text_w = ceil(w) + 2 * (TEXT_X - 10) + 4; /* the card's pad is 10; room for ports */
}

/* ------------------------------------------------------ shape labels */

static void init_label(UnrollCanvasView *self, const ur_graph *g, shape_label *lab, int node,
                       int port)
{
    const ur_layer *l = ur_graph_layer(g, node);
    char buf[128] = "?";
    lab->masked = FALSE;
    if (port < ur_layer_n_outputs(l)) {
        const ur_shape *s = ur_layer_output_shape(l, port);
        if (s)
            ur_shape_format(s, buf, sizeof buf);
        lab->masked = ur_layer_output_masked(l, port);
    }
    double tw = 0;
    lab->layout = make_layout(self, self->font_label, buf, &tw);
    PangoRectangle logical;
    pango_layout_get_extents(lab->layout, NULL, &logical);
    lab->h = ceil(logical.height / (double)PANGO_SCALE) + 4;
    lab->w = ceil(tw) + 2 * LABEL_PAD + (lab->masked ? lab->h + 3 : 0);
}

static void build_labels(UnrollCanvasView *self, const ur_graph *g)
{
    const unroll_canvas *c = self->canvas;
    int n = c->n_wires;
    gboolean *fed = NULL;
    int total_out = 0;
    int *first_out = g_new0(int, c->n_nodes + 1);
    for (int i = 0; i < c->n_nodes; i++) {
        first_out[i] = total_out;
        total_out += c->nodes[i].n_outputs;
    }
    fed = g_new0(gboolean, total_out ? total_out : 1);
    for (int w = 0; w < c->n_wires; w++)
        fed[first_out[c->wires[w].src] + c->wires[w].src_port] = TRUE;
    for (int k = 0; k < total_out; k++)
        if (!fed[k])
            n++;
    self->labels = g_new0(shape_label, n ? n : 1);
    self->n_labels = 0;
    for (int w = 0; w < c->n_wires; w++) {
        shape_label *lab = &self->labels[self->n_labels++];
        lab->wire = w;
        lab->node = c->wires[w].src;
        lab->port = c->wires[w].src_port;
        init_label(self, g, lab, lab->node, lab->port);
    }
    for (int i = 0; i < c->n_nodes; i++)
        for (int k = 0; k < c->nodes[i].n_outputs; k++)
            if (!fed[first_out[i] + k]) {
                shape_label *lab = &self->labels[self->n_labels++];
                lab->wire = -1;
                lab->node = i;
                lab->port = k;
                init_label(self, g, lab, i, k);
            }
    g_free(fed);
    g_free(first_out);
}

static double overlap(const unroll_rect *a, const unroll_rect *b)
{
    double w = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
    double h = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);
    return w > 0 && h > 0 ? w * h : 0;
}

/* How much a label at r would cover cards (weighted: text hides there) and
 * the labels placed before it. */
static double label_cost(UnrollCanvasView *self, unroll_rect r, int upto)
{
    const unroll_canvas *c = self->canvas;
    unroll_rect rr = inflate(r, 3);
    double cost = 0;
    for (int i = 0; i < c->n_nodes; i++)
        cost += 4 * overlap(&c->nodes[i].rect, &rr);
    for (int k = 0; k < upto; k++) {
        const shape_label *o = &self->labels[k];
        unroll_rect orr = {o->pos.x, o->pos.y, o->w, o->h};
        cost += overlap(&orr, &rr);
    }
    return cost;
}

/* Places every label where it covers no card and no other label: along its
 * wire from the middle outwards (then a line above or below it), or beside
 * its port for a stub; where nothing is free, where it covers the least. */
static void layout_labels(UnrollCanvasView *self)
{
    static const double ts[] = {0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78};
    static const double shifts[] = {0, -1, 1};
    const unroll_canvas *c = self->canvas;
    for (int k = 0; k < self->n_labels; k++) {
        shape_label *lab = &self->labels[k];
        double best = INFINITY;
        if (lab->wire < 0) {
            unroll_point p = unroll_canvas_port_pos(c, lab->node, UNROLL_PORT_OUTPUT, lab->port);
            for (int step = 0; step < 6 && best > 0; step++) {
                unroll_rect r = {p.x + c->style.port_r + 8 + step * 12, p.y - lab->h / 2, lab->w,
                                 lab->h};
                double cost = label_cost(self, r, k);
                if (cost < best) {
                    best = cost;
                    lab->pos = (unroll_point){r.x, r.y};
                }
            }
            continue;
        }
        unroll_point ctl[4];
        unroll_canvas_wire_controls(c, lab->wire, ctl);
        for (size_t sh = 0; sh < G_N_ELEMENTS(shifts) && best > 0; sh++)
            for (size_t t = 0; t < G_N_ELEMENTS(ts) && best > 0; t++) {
                unroll_point p = unroll_bezier_point(ctl, ts[t]);
                unroll_rect r = {p.x - lab->w / 2, p.y - lab->h / 2 + shifts[sh] * (lab->h + 2),
                                 lab->w, lab->h};
                double cost = label_cost(self, r, k) + (sh ? 1 : 0); /* on the wire if it can */
                if (cost < best) {
                    best = cost;
                    lab->pos = (unroll_point){r.x, r.y};
                }
            }
    }
    for (int k = 0; k < self->n_labels; k++) {
        shape_label *lab = &self->labels[k];
        unroll_rect r = {lab->pos.x, lab->pos.y, lab->w, lab->h};
        lab->on_top = FALSE;
        for (int i = 0; i < c->n_nodes && !lab->on_top; i++)
            lab->on_top = overlap(&c->nodes[i].rect, &r) > 0;
    }
}

/* ----------------------------------------------------------- rebuild */

static int first_source(const unroll_canvas *c, int node)
{
    for (int w = 0; w < c->n_wires; w++)
        if (c->wires[w].dst == node && c->wires[w].dst_kind == UNROLL_PORT_INPUT)
            return c->wires[w].src;
    for (int w = 0; w < c->n_wires; w++)
        if (c->wires[w].dst == node)
            return c->wires[w].src;
    return -1;
}

static gboolean overlaps_any(const unroll_canvas *c, int node, const gboolean *placed)
{
    unroll_rect r = inflate(c->nodes[node].rect, 12);
    for (int i = 0; i < c->n_nodes; i++)
        if (i != node && placed[i] && unroll_rect_intersects(&c->nodes[i].rect, &r))
            return TRUE;
    return FALSE;
}

/* Nodes without a position: right of their first source, else below the
 * others; pushed down until they overlap nothing. */
static void place_new_nodes(UnrollCanvasView *self, gboolean *placed)
{
    unroll_canvas *c = self->canvas;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < c->n_nodes; i++) {
            if (placed[i])
                continue;
            int src = first_source(c, i);
            unroll_rect *r = &c->nodes[i].rect;
            if (src >= 0 && placed[src]) {
                r->x = c->nodes[src].rect.x + c->nodes[src].rect.w + self->col_gap;
                r->y = c->nodes[src].rect.y;
            } else if (pass == 0) {
                continue; /* its source may be placed later in this pass */
            } else {
                gboolean any = FALSE;
                unroll_rect b = {0, 0, 0, 0};
                for (int j = 0; j < c->n_nodes; j++)
                    if (placed[j]) {
                        const unroll_rect *q = &c->nodes[j].rect;
                        if (!any)
                            b = *q;
                        else {
                            double x1 = fmax(b.x + b.w, q->x + q->w),
                                   y1 = fmax(b.y + b.h, q->y + q->h);
                            b.x = fmin(b.x, q->x);
                            b.y = fmin(b.y, q->y);
                            b.w = x1 - b.x;
                            b.h = y1 - b.y;
                        }
                        any = TRUE;
                    }
                r->x = b.x;
                r->y = any ? b.y + b.h + ROW_GAP : 0;
            }
            for (int guard = 0; guard < 1000 && overlaps_any(c, i, placed); guard++)
                r->y += ROW_GAP / 2;
            placed[i] = TRUE;
        }
}

static void update_accessible(UnrollCanvasView *self)
{
    int n = self->canvas ? self->canvas->n_nodes : 0, errors = 0;
    for (int i = 0; i < n; i++)
        if (self->info[i].error)
            errors++;
    char *desc;
    if (!self->canvas)
        desc = g_strdup("No model");
    else if (errors)
        desc = g_strdup_printf("%d layers, %d connections, %d with errors", n,
                               self->canvas->n_wires, errors);
    else
        desc = g_strdup_printf("%d layers, %d connections", n, self->canvas->n_wires);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                   -1);
    g_free(desc);
}

static void read_selection(UnrollCanvasView *self)
{
    if (!self->canvas)
        return;
    for (int i = 0; i < self->canvas->n_nodes; i++) {
        gboolean sel = self->doc && unroll_document_is_selected(self->doc, node_name(self, i));
        if (sel != self->info[i].selected) {
            self->info[i].selected = sel;
            drop_card_cache(&self->info[i]);
        }
    }
}

static void reset_drag(UnrollCanvasView *self)
{
    self->mode = DRAG_NONE;
    g_clear_pointer(&self->moving, g_free);
    g_clear_pointer(&self->moving_from, g_free);
    self->n_moving = 0;
    for (int i = 0; i < self->n_band_base; i++)
        g_free(self->band_base[i]);
    g_clear_pointer(&self->band_base, g_free);
    self->n_band_base = 0;
    self->detached_wire = -1;
    self->target.kind = UNROLL_HIT_NONE;
}

static void rebuild(UnrollCanvasView *self)
{
    /* the old canvas stays until the new one is placed: it holds view state */
    free_info(self);
    unroll_canvas *old = self->canvas;
    self->canvas = NULL;
    if (self->mode != DRAG_NONE)
        reset_drag(self);
    self->selected_wire = -1;

    if (!self->doc) {
        unroll_canvas_free(old);
        update_accessible(self);
        update_actions(self);
        gtk_widget_queue_draw(GTK_WIDGET(self));
        return;
    }
    ensure_pango(self);
    const ur_graph *g = unroll_document_get_graph(self->doc);
    int n = ur_graph_n_layers(g);
    self->info = g_new0(node_info, n ? n : 1);
    double *text_w = g_new0(double, n ? n : 1);
    int *n_opt = g_new0(int, n ? n : 1);
    for (int i = 0; i < n; i++) {
        build_info(self, ur_graph_layer(g, i), &self->info[i]);
        text_w[i] = self->info[i].text_w;
        n_opt[i] = self->info[i].n_option_lines;
    }
    unroll_card_style style;
    unroll_card_style_default(&style);
    style.title_h = 24;
    style.line_h = 16;
    style.pad = 10;
    style.min_w = 136;
    style.port_r = 5;
    style.port_pitch = 20;
    self->canvas = unroll_canvas_new(g, &style, text_w, n_opt);
    g_free(text_w);
    g_free(n_opt);
    build_labels(self, g);
    double widest = 0;
    for (int k = 0; k < self->n_labels; k++)
        widest = fmax(widest, self->labels[k].w);
    self->col_gap = fmax(MIN_COL_GAP, widest + 32);

    /* positions: the document's, else the view's own (an arrangement or a
     * placement it chose, never a move), else new ones */
    unroll_canvas *c = self->canvas;
    unroll_canvas_apply_positions(c, g);
    gboolean *placed = g_new0(gboolean, n ? n : 1);
    int n_placed = 0;
    for (int i = 0; i < n; i++) {
        self->info[i].has_pos = document_position(g, c->nodes[i].name, NULL, NULL);
        placed[i] = self->info[i].has_pos;
        const unroll_point *vp = g_hash_table_lookup(self->view_pos, c->nodes[i].name);
        if (!placed[i] && vp) {
            c->nodes[i].rect.x = vp->x;
            c->nodes[i].rect.y = vp->y;
            placed[i] = TRUE;
        }
        n_placed += placed[i];
    }
    gboolean *had = g_new0(gboolean, n ? n : 1);
    memcpy(had, placed, sizeof(gboolean) * (size_t)n);
    if (n > 0 && n_placed == 0) {
        unroll_canvas_arrange(c, self->col_gap, ROW_GAP);
        self->pending_fit = TRUE;
        for (int i = 0; i < n; i++)
            placed[i] = TRUE;
    } else {
        place_new_nodes(self, placed);
    }
    for (int i = 0; i < n; i++)
        if (!had[i]) {
            unroll_point *p = g_new(unroll_point, 1);
            *p = (unroll_point){c->nodes[i].rect.x, c->nodes[i].rect.y};
            g_hash_table_replace(self->view_pos, g_strdup(c->nodes[i].name), p);
        }
    g_free(had);
    g_free(placed);
    /* keep the drawing order of the nodes that were there before */
    if (old) {
        for (int zi = 0; zi < old->n_nodes; zi++) {
            int j = unroll_canvas_find(c, old->nodes[old->z[zi]].name);
            if (j >= 0)
                unroll_canvas_raise(c, j);
        }
    }
    unroll_canvas_free(old);
    layout_labels(self);
    read_selection(self);
    update_accessible(self);
    update_actions(self);
    if (self->pending_fit && gtk_widget_get_width(GTK_WIDGET(self)) > 0)
        fit_view(self, TRUE);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void on_changed(UnrollDocument *doc, UnrollCanvasView *self)
{
    rebuild(self);
}

static void on_selection_changed(UnrollDocument *doc, UnrollCanvasView *self)
{
    int n = 0;
    unroll_document_get_selection(doc, &n);
    if (n > 0)
        self->selected_wire = -1;
    read_selection(self);
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ------------------------------------------------------------ drawing */

/* Cards, ports and label pills are cairo paths (filled, never clipped: a
 * clip costs a mask per shape in the cairo renderer); text is GSK text
 * nodes. A card is one cached node in canvas units, replayed under the view
 * transform, so pan and zoom frames only re-render, never re-build. */

static void round_rect_path(cairo_t *cr, double x, double y, double w, double h, double r_top,
                            double r_bottom)
{
    r_top = fmin(r_top, fmin(w, h) / 2);
    r_bottom = fmin(r_bottom, fmin(w, h) / 2);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r_top, y + r_top, r_top, -G_PI / 2, 0);
    cairo_arc(cr, x + w - r_bottom, y + h - r_bottom, r_bottom, 0, G_PI / 2);
    cairo_arc(cr, x + r_bottom, y + h - r_bottom, r_bottom, G_PI / 2, G_PI);
    cairo_arc(cr, x + r_top, y + r_top, r_top, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
}

static void port_path(cairo_t *cr, unroll_point p, double r, gboolean diamond)
{
    cairo_new_sub_path(cr);
    if (diamond) {
        double d = r * 1.25;
        cairo_move_to(cr, p.x, p.y - d);
        cairo_line_to(cr, p.x + d, p.y);
        cairo_line_to(cr, p.x, p.y + d);
        cairo_line_to(cr, p.x - d, p.y);
        cairo_close_path(cr);
    } else {
        cairo_arc(cr, p.x, p.y, r, 0, 2 * G_PI);
    }
}

/* A port: filled when wired, a ring when free; state tensors are diamonds. */
static void draw_port(cairo_t *cr, const canvas_colors *col, unroll_point p, double r,
                      gboolean diamond, gboolean filled)
{
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* a halo of the card colour keeps the port clear of the card's edge */
    port_path(cr, p, r + 1.5, diamond);
    gdk_cairo_set_source_rgba(cr, &col->card);
    cairo_fill(cr);
    if (filled) {
        port_path(cr, p, r, diamond);
        gdk_cairo_set_source_rgba(cr, &col->wire);
        cairo_fill(cr);
    } else {
        port_path(cr, p, r - 0.8, diamond);
        cairo_set_line_width(cr, 1.6);
        gdk_cairo_set_source_rgba(cr, &col->wire);
        cairo_stroke(cr);
    }
}

static void draw_warning(cairo_t *cr, const GdkRGBA *color, const GdkRGBA *mark, double x,
                         double y, double size)
{
    /* a rounded triangle with an exclamation mark, as dialog-warning-symbolic */
    double h = size * 0.87;
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, size * 0.14);
    gdk_cairo_set_source_rgba(cr, color);
    cairo_move_to(cr, x + size / 2, y + (size - h) / 2);
    cairo_line_to(cr, x + size, y + (size + h) / 2);
    cairo_line_to(cr, x, y + (size + h) / 2);
    cairo_close_path(cr);
    cairo_stroke_preserve(cr);
    cairo_fill(cr);
    gdk_cairo_set_source_rgba(cr, mark);
    cairo_set_line_width(cr, size * 0.13);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, x + size / 2, y + size * 0.40);
    cairo_line_to(cr, x + size / 2, y + size * 0.64);
    cairo_stroke(cr);
    cairo_arc(cr, x + size / 2, y + size * 0.80, size * 0.075, 0, 2 * G_PI);
    cairo_fill(cr);
}

static gboolean output_fed(const unroll_canvas *c, int node, int port)
{
    for (int w = 0; w < c->n_wires; w++)
        if (c->wires[w].src == node && c->wires[w].src_port == port)
            return TRUE;
    return FALSE;
}

/* The wire into an input or state port, or -1. */
static int wire_into(const unroll_canvas *c, int node, unroll_port_kind kind, int port)
{
    for (int w = 0; w < c->n_wires; w++)
        if (c->wires[w].dst == node && c->wires[w].dst_kind == kind && c->wires[w].dst_port == port)
            return w;
    return -1;
}

static double header_h(const unroll_card_style *st)
{
    return st->pad + st->title_h - 3;
}

/* One card at the origin, ports included; text only when full. */
static GskRenderNode *render_card(UnrollCanvasView *self, int i, gboolean full)
{
    const unroll_canvas *c = self->canvas;
    const unroll_canvas_node *nd = &c->nodes[i];
    const node_info *ni = &self->info[i];
    const canvas_colors *col = &self->colors;
    const unroll_card_style *st = &c->style;
    double w = nd->rect.w, h = nd->rect.h, r = CARD_RADIUS, m = st->port_r + 6;
    GtkSnapshot *s = gtk_snapshot_new();
    cairo_t *cr = gtk_snapshot_append_cairo(s, &GRAPHENE_RECT_INIT(-m, -m, w + 2 * m, h + 2 * m));

    if (ni->selected) {
        round_rect_path(cr, -2.5, -2.5, w + 5, h + 5, r + 2.5, r + 2.5);
        cairo_set_line_width(cr, 3);
        GdkRGBA glow = with_alpha(col->accent, ni->error ? 0.5 : 0.32);
        gdk_cairo_set_source_rgba(cr, &glow);
        cairo_stroke(cr);
    } else if (full) {
        /* a soft drop shadow: two offset layers, no blur to compute */
        GdkRGBA sh = with_alpha(col->shadow, 0.55);
        round_rect_path(cr, -1, 0, w + 2, h + 3, r + 1, r + 1);
        gdk_cairo_set_source_rgba(cr, &sh);
        cairo_fill(cr);
        round_rect_path(cr, 0, 1, w, h, r, r);
        gdk_cairo_set_source_rgba(cr, &col->shadow);
        cairo_fill(cr);
    }
    /* the body, a tinted header, the group's colour as a cap on top (each
     * shape filled once over the card: no colour leaks at the edges) */
    const GdkRGBA stripe = ni->error ? col->error : col->group[ni->group];
    GdkRGBA head = over(with_alpha(stripe, 0.11), col->card);
    double hh = header_h(st);
    round_rect_path(cr, 0, 0, w, h, r, r);
    gdk_cairo_set_source_rgba(cr, &col->card);
    cairo_fill(cr);
    round_rect_path(cr, 0, 0, w, hh, r, 0);
    gdk_cairo_set_source_rgba(cr, &head);
    cairo_fill(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    round_rect_path(cr, 0, 0, w, 2 * r + STRIPE_H, r, 0);
    round_rect_path(cr, 0, STRIPE_H, w, 2 * r, r, 0);
    gdk_cairo_set_source_rgba(cr, &stripe);
    cairo_fill(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    {
        double bw = ni->selected || ni->error ? 2.0 : 1.0;
        round_rect_path(cr, bw / 2, bw / 2, w - bw, h - bw, r - bw / 2, r - bw / 2);
        cairo_set_line_width(cr, bw);
        gdk_cairo_set_source_rgba(cr, ni->error ? &col->error
                                      : ni->selected ? &col->accent
                                                     : &col->border);
        cairo_stroke(cr);
    }
    if (full && ni->error)
        draw_warning(cr, &col->error, &col->card, w - st->pad - 16, st->pad + 1, 16);

    static const unroll_port_kind kinds[] = {UNROLL_PORT_INPUT, UNROLL_PORT_STATE,
                                             UNROLL_PORT_OUTPUT};
    const int counts[] = {nd->n_inputs, nd->n_states, nd->n_outputs};
    for (int kind = 0; kind < 3; kind++)
        for (int k = 0; k < counts[kind]; k++) {
            unroll_point p = unroll_canvas_port_pos(c, i, kinds[kind], k);
            p.x -= nd->rect.x;
            p.y -= nd->rect.y;
            gboolean out = kinds[kind] == UNROLL_PORT_OUTPUT;
            gboolean diamond = kinds[kind] == UNROLL_PORT_STATE || (out && ni->recurrent && k > 0);
            gboolean fed = out ? output_fed(c, i, k) : wire_into(c, i, kinds[kind], k) >= 0;
            draw_port(cr, col, p, st->port_r, diamond, fed);
        }
    cairo_destroy(cr);

    if (full) {
        double x = TEXT_X, y = st->pad - 1;
        gtk_snapshot_save(s);
        gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(x, y));
        gtk_snapshot_append_layout(s, ni->title, ni->error ? &col->error : &col->fg);
        gtk_snapshot_restore(s);
        y = st->pad + st->title_h;
        for (int k = 0; k < ni->n_lines; k++) {
            gboolean dim = k == 0 || k == ni->n_lines - 1;
            gtk_snapshot_save(s);
            gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(x, y + k * st->line_h));
            gtk_snapshot_append_layout(s, ni->lines[k], dim ? &col->dim : &col->text2);
            gtk_snapshot_restore(s);
        }
    }
    return gtk_snapshot_free_to_node(s);
}

/* The label's text (and its mask mark's "M") at the origin; the pill
 * under it is drawn with the wires. */
static GskRenderNode *render_label(UnrollCanvasView *self, shape_label *lab)
{
    const canvas_colors *col = &self->colors;
    GtkSnapshot *s = gtk_snapshot_new();
    gtk_snapshot_save(s);
    gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(LABEL_PAD, 2));
    gtk_snapshot_append_layout(s, lab->layout, &col->text2);
    gtk_snapshot_restore(s);
    if (lab->masked) {
        PangoLayout *m = pango_layout_new(self->pango);
        PangoFontDescription *f = pango_font_description_copy(self->font_label);
        pango_font_description_set_weight(f, PANGO_WEIGHT_BOLD);
        pango_layout_set_font_description(m, f);
        pango_font_description_free(f);
        pango_layout_set_text(m, "M", -1);
        PangoRectangle logical;
        pango_layout_get_extents(m, NULL, &logical);
        double bx = lab->w - lab->h, bs = lab->h;
        gtk_snapshot_save(s);
        gtk_snapshot_translate(
            s, &GRAPHENE_POINT_INIT(bx + (bs - logical.width / (double)PANGO_SCALE) / 2,
                                    (bs - logical.height / (double)PANGO_SCALE) / 2));
        gtk_snapshot_append_layout(s, m, &col->accent_fg);
        gtk_snapshot_restore(s);
        g_object_unref(m);
    }
    return gtk_snapshot_free_to_node(s);
}

static void update_colors(UnrollCanvasView *self)
{
    canvas_colors now;
    read_colors(GTK_WIDGET(self), &now);
    if (self->have_colors && memcmp(&now, &self->colors, sizeof now) == 0)
        return;
    self->colors = now;
    self->have_colors = TRUE;
    free_render_nodes(self);
}

/* The dotted grid: 2x2 pixel-aligned squares (a fast rectilinear fill). */
static void draw_grid(UnrollCanvasView *self, cairo_t *cr, double w, double h)
{
    double step = GRID_STEP * self->view.zoom;
    while (step < 14)
        step *= 2;
    double ox = fmod(self->view.tx, step), oy = fmod(self->view.ty, step);
    if (ox < 0)
        ox += step;
    if (oy < 0)
        oy += step;
    for (double y = oy; y < h; y += step)
        for (double x = ox; x < w; x += step)
            cairo_rectangle(cr, floor(x) - 1, floor(y) - 1, 2, 2);
    gdk_cairo_set_source_rgba(cr, &self->colors.grid);
    cairo_fill(cr);
}

static void wire_path(cairo_t *cr, const unroll_view *v, const unroll_point ctl[4])
{
    unroll_point p[4];
    for (int k = 0; k < 4; k++)
        p[k] = unroll_view_to_screen(v, ctl[k]);
    cairo_move_to(cr, p[0].x, p[0].y);
    cairo_curve_to(cr, p[1].x, p[1].y, p[2].x, p[2].y, p[3].x, p[3].y);
}

static unroll_rect visible_canvas_rect(UnrollCanvasView *self, double w, double h)
{
    unroll_point a = unroll_view_to_canvas(&self->view, (unroll_point){0, 0});
    unroll_point b = unroll_view_to_canvas(&self->view, (unroll_point){w, h});
    return unroll_rect_from_corners(a, b);
}

static gboolean label_hidden(UnrollCanvasView *self, const shape_label *lab)
{
    return self->mode == DRAG_WIRE_DETACH && lab->wire >= 0 && lab->wire == self->detached_wire;
}

/* The pills under the shape labels (those beside the cards, or those over
 * them), in screen space. */
static void draw_pills(UnrollCanvasView *self, cairo_t *cr, const unroll_rect *visible,
                       gboolean on_top)
{
    const canvas_colors *col = &self->colors;
    const unroll_view *v = &self->view;
    /* pills: fills first, one border stroke, then the mask badges */
    int n_masked = 0;
    for (int pass = 0; pass < 2; pass++) {
        int n = 0;
        for (int k = 0; k < self->n_labels; k++) {
            const shape_label *lab = &self->labels[k];
            unroll_rect r = {lab->pos.x, lab->pos.y, lab->w, lab->h};
            if (lab->on_top != on_top || label_hidden(self, lab) ||
                !unroll_rect_intersects(&r, visible))
                continue;
            unroll_rect sr = unroll_view_rect_to_screen(v, r);
            double pill_w = sr.w - (lab->masked ? (lab->h + 3) * v->zoom : 0);
            round_rect_path(cr, sr.x + 0.5, sr.y + 0.5, pill_w - 1, sr.h - 1, sr.h / 2, sr.h / 2);
            n++;
            if (pass == 0 && lab->masked)
                n_masked++;
        }
        if (!n)
            break;
        if (pass == 0) {
            gdk_cairo_set_source_rgba(cr, &col->label_bg);
            cairo_fill(cr);
        } else {
            cairo_set_line_width(cr, 1);
            gdk_cairo_set_source_rgba(cr, &col->border);
            cairo_stroke(cr);
        }
    }
    if (n_masked) {
        for (int k = 0; k < self->n_labels; k++) {
            const shape_label *lab = &self->labels[k];
            unroll_rect r = {lab->pos.x + lab->w - lab->h, lab->pos.y, lab->h, lab->h};
            if (!lab->masked || lab->on_top != on_top || label_hidden(self, lab) ||
                !unroll_rect_intersects(&r, visible))
                continue;
            unroll_rect sr = unroll_view_rect_to_screen(v, r);
            round_rect_path(cr, sr.x, sr.y, sr.w, sr.h, 4 * v->zoom, 4 * v->zoom);
        }
        gdk_cairo_set_source_rgba(cr, &col->accent);
        cairo_fill(cr);
    }
}

/* Grid, wires and the label pills, in screen space (crisp at every zoom). */
static void draw_under(UnrollCanvasView *self, cairo_t *cr, double w, double h,
                       const unroll_rect *visible)
{
    const canvas_colors *col = &self->colors;
    const unroll_view *v = &self->view;
    const unroll_canvas *c = self->canvas;
    draw_grid(self, cr, w, h);
    if (!c)
        return;
    cairo_set_tolerance(cr, 0.25);
    cairo_set_line_width(cr, fmax(1.0, 2.0 * v->zoom));
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    int drawn = 0;
    for (int k = 0; k < c->n_wires; k++) {
        if (k == self->selected_wire || (self->mode == DRAG_WIRE_DETACH && k == self->detached_wire))
            continue;
        unroll_point ctl[4];
        unroll_canvas_wire_controls(c, k, ctl);
        unroll_rect b = unroll_bezier_bounds(ctl);
        if (!unroll_rect_intersects(&b, visible))
            continue;
        wire_path(cr, v, ctl);
        drawn++;
    }
    if (drawn) {
        gdk_cairo_set_source_rgba(cr, &col->wire);
        cairo_stroke(cr);
    }
    if (self->selected_wire >= 0 && self->selected_wire < c->n_wires) {
        unroll_point ctl[4];
        unroll_canvas_wire_controls(c, self->selected_wire, ctl);
        wire_path(cr, v, ctl);
        cairo_set_line_width(cr, fmax(2.0, 3.0 * v->zoom));
        gdk_cairo_set_source_rgba(cr, &col->accent);
        cairo_stroke(cr);
    }
    if (v->zoom >= LOD_LABEL_ZOOM)
        draw_pills(self, cr, visible, FALSE);
}

static unroll_point dragged_wire_anchor(UnrollCanvasView *self)
{
    const unroll_canvas *c = self->canvas;
    if (self->mode == DRAG_WIRE_IN)
        return unroll_canvas_port_pos(c, self->wire_dst, self->wire_dst_kind, self->wire_dst_port);
    return unroll_canvas_port_pos(c, self->wire_src, UNROLL_PORT_OUTPUT, self->wire_src_port);
}

static void snapshot_overlay(UnrollCanvasView *self, GtkSnapshot *s, double w, double h)
{
    const canvas_colors *col = &self->colors;
    const unroll_view *v = &self->view;
    if (self->mode == DRAG_WIRE_OUT || self->mode == DRAG_WIRE_IN ||
        self->mode == DRAG_WIRE_DETACH) {
        cairo_t *cr = gtk_snapshot_append_cairo(s, &GRAPHENE_RECT_INIT(0, 0, w, h));
        unroll_point anchor = unroll_view_to_screen(v, dragged_wire_anchor(self));
        unroll_point end = self->cur;
        if (self->target.kind == UNROLL_HIT_PORT)
            end = unroll_view_to_screen(v, unroll_canvas_port_pos(self->canvas, self->target.node,
                                                                 self->target.port_kind,
                                                                 self->target.port));
        unroll_point ctl[4];
        if (self->mode == DRAG_WIRE_IN)
            unroll_wire_controls(end, anchor, ctl);
        else
            unroll_wire_controls(anchor, end, ctl);
        cairo_move_to(cr, ctl[0].x, ctl[0].y);
        cairo_curve_to(cr, ctl[1].x, ctl[1].y, ctl[2].x, ctl[2].y, ctl[3].x, ctl[3].y);
        cairo_set_line_width(cr, fmax(1.5, 2.5 * v->zoom));
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        gdk_cairo_set_source_rgba(cr, &col->accent);
        if (self->target.kind != UNROLL_HIT_PORT) {
            double dash[2] = {6, 5};
            cairo_set_dash(cr, dash, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        if (self->target.kind == UNROLL_HIT_PORT) {
            double r = (self->canvas->style.port_r + 4) * v->zoom;
            cairo_arc(cr, end.x, end.y, r, 0, 2 * G_PI);
            cairo_set_line_width(cr, 2);
            cairo_stroke(cr);
        }
        cairo_destroy(cr);
    }
    if (self->mode == DRAG_BAND) {
        unroll_rect r = unroll_rect_from_corners(self->press, self->cur);
        GdkRGBA fill = with_alpha(col->accent, 0.14);
        graphene_rect_t gr = GRAPHENE_RECT_INIT(r.x, r.y, r.w, r.h);
        gtk_snapshot_append_color(s, &fill, &gr);
        GskRoundedRect rr;
        gsk_rounded_rect_init_from_rect(&rr, &gr, 0);
        const float wd[4] = {1, 1, 1, 1};
        const GdkRGBA bc[4] = {col->accent, col->accent, col->accent, col->accent};
        gtk_snapshot_append_border(s, &rr, wd, bc);
    }
    if (self->drop_active) {
        GskRoundedRect rr;
        gsk_rounded_rect_init_from_rect(&rr, &GRAPHENE_RECT_INIT(0, 0, w, h), 0);
        const float wd[4] = {2, 2, 2, 2};
        const GdkRGBA bc[4] = {col->accent, col->accent, col->accent, col->accent};
        gtk_snapshot_append_border(s, &rr, wd, bc);
    }
}

/* The text of the shape labels, under the view transform. */
static void snapshot_label_text(UnrollCanvasView *self, GtkSnapshot *s, const unroll_rect *visible,
                                gboolean on_top)
{
    for (int k = 0; k < self->n_labels; k++) {
        shape_label *lab = &self->labels[k];
        unroll_rect r = {lab->pos.x, lab->pos.y, lab->w, lab->h};
        if (lab->on_top != on_top || label_hidden(self, lab) ||
            !unroll_rect_intersects(&r, visible))
            continue;
        if (!lab->render)
            lab->render = render_label(self, lab);
        gtk_snapshot_save(s);
        gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(lab->pos.x, lab->pos.y));
        gtk_snapshot_append_node(s, lab->render);
        gtk_snapshot_restore(s);
    }
}

static void unroll_canvas_view_snapshot(GtkWidget *widget, GtkSnapshot *s)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(widget);
    double w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    if (w <= 0 || h <= 0)
        return;
    update_colors(self);
    const canvas_colors *col = &self->colors;
    const unroll_view *v = &self->view;
    const unroll_canvas *c = self->canvas;
    unroll_rect visible = inflate(visible_canvas_rect(self, w, h), 8);

    gtk_snapshot_append_color(s, &col->bg, &GRAPHENE_RECT_INIT(0, 0, w, h));
    cairo_t *cr = gtk_snapshot_append_cairo(s, &GRAPHENE_RECT_INIT(0, 0, w, h));
    draw_under(self, cr, w, h, &visible);
    cairo_destroy(cr);
    if (!c || c->n_nodes == 0) {
        snapshot_overlay(self, s, w, h);
        return;
    }

    gtk_snapshot_save(s);
    gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(v->tx, v->ty));
    gtk_snapshot_scale(s, v->zoom, v->zoom);
    if (v->zoom >= LOD_LABEL_ZOOM)
        snapshot_label_text(self, s, &visible, FALSE);
    gboolean full = v->zoom >= LOD_TEXT_ZOOM;
    for (int zi = 0; zi < c->n_nodes; zi++) {
        int i = c->z[zi];
        unroll_rect r = inflate(c->nodes[i].rect, c->style.port_r + 6);
        if (!unroll_rect_intersects(&r, &visible))
            continue;
        GskRenderNode **cache = full ? &self->info[i].render : &self->info[i].render_lod;
        if (!*cache)
            *cache = render_card(self, i, full);
        gtk_snapshot_save(s);
        gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(c->nodes[i].rect.x, c->nodes[i].rect.y));
        gtk_snapshot_append_node(s, *cache);
        gtk_snapshot_restore(s);
    }
    gtk_snapshot_restore(s);
    if (v->zoom >= LOD_LABEL_ZOOM) {
        gboolean any = FALSE;
        for (int k = 0; k < self->n_labels && !any; k++)
            any = self->labels[k].on_top;
        if (any) {
            cr = gtk_snapshot_append_cairo(s, &GRAPHENE_RECT_INIT(0, 0, w, h));
            draw_pills(self, cr, &visible, TRUE);
            cairo_destroy(cr);
            gtk_snapshot_save(s);
            gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT(v->tx, v->ty));
            gtk_snapshot_scale(s, v->zoom, v->zoom);
            snapshot_label_text(self, s, &visible, TRUE);
            gtk_snapshot_restore(s);
        }
    }
    snapshot_overlay(self, s, w, h);
}

/* ---------------------------------------------------------- viewport */

void unroll_canvas_view_zoom_at(UnrollCanvasView *self, double zoom, double x, double y)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    unroll_view_zoom_at(&self->view, zoom, (unroll_point){x, y});
    self->pending_fit = FALSE;
    self->auto_fit = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void zoom_by(UnrollCanvasView *self, double factor)
{
    unroll_canvas_view_zoom_at(self, self->view.zoom * factor,
                               gtk_widget_get_width(GTK_WIDGET(self)) / 2.0,
                               gtk_widget_get_height(GTK_WIDGET(self)) / 2.0);
}

void unroll_canvas_view_zoom_in(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    zoom_by(self, ZOOM_STEP);
}

void unroll_canvas_view_zoom_out(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    zoom_by(self, 1 / ZOOM_STEP);
}

void unroll_canvas_view_zoom_reset(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    zoom_by(self, 1 / self->view.zoom);
}

void unroll_canvas_view_pan(UnrollCanvasView *self, double dx, double dy)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    unroll_view_pan(&self->view, dx, dy);
    self->pending_fit = FALSE;
    self->auto_fit = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* Fits the view to every card and shape label. When readable, as on
 * opening a model, the zoom stays at READABLE_ZOOM or more: a graph too wide
 * for that shows its start (the inputs, left) and the rest is a pan away. */
static void fit_view(UnrollCanvasView *self, gboolean readable)
{
    int w = gtk_widget_get_width(GTK_WIDGET(self)), h = gtk_widget_get_height(GTK_WIDGET(self));
    if (w <= 0 || h <= 0) {
        self->pending_fit = TRUE; /* once there is a size */
        return;
    }
    self->pending_fit = FALSE;
    self->auto_fit = readable;
    if (!self->canvas || self->canvas->n_nodes == 0)
        return;
    int n = self->canvas->n_nodes;
    unroll_rect *rects = g_new(unroll_rect, n + self->n_labels);
    for (int i = 0; i < n; i++)
        rects[i] = inflate(self->canvas->nodes[i].rect, self->canvas->style.port_r);
    for (int k = 0; k < self->n_labels; k++)
        rects[n + k] = (unroll_rect){self->labels[k].pos.x, self->labels[k].pos.y,
                                     self->labels[k].w, self->labels[k].h};
    unroll_view_fit(&self->view, rects, n + self->n_labels, w, h, FIT_MARGIN);
    if (readable && self->view.zoom < READABLE_ZOOM) {
        unroll_rect b = rects[0];
        for (int k = 1; k < n + self->n_labels; k++) {
            double x1 = fmax(b.x + b.w, rects[k].x + rects[k].w);
            double y1 = fmax(b.y + b.h, rects[k].y + rects[k].h);
            b.x = fmin(b.x, rects[k].x);
            b.y = fmin(b.y, rects[k].y);
            b.w = x1 - b.x;
            b.h = y1 - b.y;
        }
        double z = READABLE_ZOOM;
        self->view.zoom = z;
        self->view.tx = FIT_MARGIN - b.x * z;
        self->view.ty = b.h * z <= h - 2 * FIT_MARGIN ? h / 2.0 - (b.y + b.h / 2) * z
                                                      : FIT_MARGIN - b.y * z;
    }
    g_free(rects);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void unroll_canvas_view_fit(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    fit_view(self, FALSE);
}

/* ------------------------------------------------------------- edits */

static gboolean move_nodes(UnrollCanvasView *self, const int *nodes, int n, GError **error)
{
    /* the moved nodes, and every node whose place was only view state */
    const unroll_canvas *c = self->canvas;
    const char **names = g_new(const char *, c->n_nodes);
    double *xs = g_new(double, c->n_nodes), *ys = g_new(double, c->n_nodes);
    gboolean *in = g_new0(gboolean, c->n_nodes);
    int m = 0;
    for (int k = 0; k < n; k++)
        in[nodes[k]] = TRUE;
    for (int i = 0; i < c->n_nodes; i++)
        if (in[i] || !self->info[i].has_pos) {
            names[m] = c->nodes[i].name;
            xs[m] = round(c->nodes[i].rect.x);
            ys[m] = round(c->nodes[i].rect.y);
            m++;
        }
    gboolean ok = m == 0 || unroll_document_move_nodes(self->doc, names, xs, ys, m, error);
    g_free(names);
    g_free(xs);
    g_free(ys);
    g_free(in);
    return ok;
}

gboolean unroll_canvas_view_arrange(UnrollCanvasView *self, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    if (!self->doc || !self->canvas || self->canvas->n_nodes == 0)
        return TRUE;
    unroll_canvas_arrange(self->canvas, self->col_gap, ROW_GAP);
    int n = self->canvas->n_nodes;
    int *all = g_new(int, n);
    for (int i = 0; i < n; i++)
        all[i] = i;
    gboolean ok = move_nodes(self, all, n, error);
    g_free(all);
    if (!ok)
        rebuild(self);
    unroll_canvas_view_fit(self);
    return ok;
}

gboolean unroll_canvas_view_delete_selection(UnrollCanvasView *self, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    if (!self->doc || !self->canvas)
        return FALSE;
    int n = 0;
    const char *const *sel = unroll_document_get_selection(self->doc, &n);
    if (n > 0) {
        char **copy = g_new0(char *, n + 1);
        for (int i = 0; i < n; i++)
            copy[i] = g_strdup(sel[i]);
        gboolean ok =
            unroll_document_remove_layers(self->doc, (const char *const *)copy, n, error);
        g_strfreev(copy);
        return ok;
    }
    int w = self->selected_wire;
    if (w >= 0 && w < self->canvas->n_wires) {
        const unroll_canvas_wire *wire = &self->canvas->wires[w];
        char *dst = g_strdup(node_name(self, wire->dst));
        gboolean ok = unroll_document_disconnect(
            self->doc, dst, wire->dst_kind == UNROLL_PORT_STATE, wire->dst_port, error);
        g_free(dst);
        return ok;
    }
    return FALSE;
}

/* The selection's clipboard text, with the view's own positions written in
 * for layers whose place the document does not hold yet. */
static char *copy_text(UnrollCanvasView *self)
{
    if (!self->doc)
        return NULL;
    char *text = unroll_document_copy_selection(self->doc);
    if (!text || !self->canvas)
        return text;
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(text, strlen(text), NULL, &ctx);
    if (!v)
        return text;
    ur_value *nodes = ur_value_get(v, "nodes");
    if (!nodes || nodes->type != UR_VALUE_OBJECT) {
        nodes = ur_value_new_object();
        ur_value_set(v, "nodes", nodes);
    }
    const ur_value *layers = ur_value_get(v, "layers");
    for (size_t k = 0; layers && layers->type == UR_VALUE_ARRAY && k < layers->u.arr.n; k++) {
        const ur_value *name = ur_value_get(layers->u.arr.items[k], "name");
        if (!name || name->type != UR_VALUE_STRING || ur_value_get(nodes, name->u.str))
            continue;
        int i = unroll_canvas_find(self->canvas, name->u.str);
        if (i < 0)
            continue;
        ur_value *p = ur_value_new_object();
        ur_value_set(p, "x", ur_value_new_number(round(self->canvas->nodes[i].rect.x)));
        ur_value_set(p, "y", ur_value_new_number(round(self->canvas->nodes[i].rect.y)));
        ur_value_set(nodes, name->u.str, p);
    }
    char *out = ur_json_write(v, -1);
    ur_value_free(v);
    if (!out)
        return text;
    g_free(text);
    char *result = g_strdup(out);
    free(out);
    return result;
}

void unroll_canvas_view_copy(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    char *text = copy_text(self);
    if (!text)
        return;
    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(self)), text);
    g_free(self->last_paste);
    self->last_paste = text; /* the first paste of it goes one step aside */
    self->paste_count = 0;
}

gboolean unroll_canvas_view_paste_text(UnrollCanvasView *self, const char *text, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    g_return_val_if_fail(text != NULL, FALSE);
    if (!self->doc)
        return FALSE;
    if (self->last_paste && strcmp(self->last_paste, text) == 0) {
        self->paste_count++;
    } else {
        g_free(self->last_paste);
        self->last_paste = g_strdup(text);
        self->paste_count = 1;
    }
    double d = PASTE_STEP * self->paste_count;
    return unroll_document_paste(self->doc, text, d, d, FALSE, error);
}

static void paste_ready(GObject *source, GAsyncResult *result, gpointer data)
{
    UnrollCanvasView *self = data;
    GError *error = NULL;
    char *text = gdk_clipboard_read_text_finish(GDK_CLIPBOARD(source), result, &error);
    if (text && !unroll_canvas_view_paste_text(self, text, &error) && !error)
        error = g_error_new_literal(UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID, "Nothing to paste");
    if (!text && !error)
        error = g_error_new_literal(UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID,
                                    "The clipboard holds no text");
    edit_failed(self, error);
    g_free(text);
    g_object_unref(self);
}

void unroll_canvas_view_paste(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    gdk_clipboard_read_text_async(gtk_widget_get_clipboard(GTK_WIDGET(self)), NULL, paste_ready,
                                  g_object_ref(self));
}

gboolean unroll_canvas_view_duplicate(UnrollCanvasView *self, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    char *text = copy_text(self);
    if (!text)
        return FALSE;
    gboolean ok = unroll_document_paste(self->doc, text, PASTE_STEP, PASTE_STEP, TRUE, error);
    g_free(text);
    return ok;
}

/* Moves the selected cards by (dx, dy) canvas units: arrow keys, one undo step. */
static gboolean nudge(UnrollCanvasView *self, double dx, double dy, GError **error)
{
    if (!self->doc || !self->canvas)
        return TRUE;
    int *moving = g_new(int, self->canvas->n_nodes + 1), n = 0;
    for (int i = 0; i < self->canvas->n_nodes; i++)
        if (self->info[i].selected) {
            moving[n++] = i;
            self->canvas->nodes[i].rect.x += dx;
            self->canvas->nodes[i].rect.y += dy;
        }
    gboolean ok = n == 0 || move_nodes(self, moving, n, error);
    g_free(moving);
    if (!ok)
        rebuild(self);
    return ok;
}

void unroll_canvas_view_select_all(UnrollCanvasView *self)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    if (self->doc)
        unroll_document_select_all(self->doc);
}

char *unroll_canvas_view_drop_layer(UnrollCanvasView *self, const char *class_name, double x,
                                    double y, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), NULL);
    g_return_val_if_fail(class_name != NULL, NULL);
    if (!self->doc) {
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID, "No model is open");
        return NULL;
    }
    unroll_card_style st;
    unroll_card_style_default(&st);
    const unroll_card_style *style = self->canvas ? &self->canvas->style : &st;
    unroll_point p = unroll_view_to_canvas(&self->view, (unroll_point){x, y});
    double cx = round(p.x - style->min_w / 2), cy = round(p.y - (style->pad + style->title_h) / 2);
    return unroll_document_add_layer(self->doc, class_name, cx, cy, error);
}

gboolean unroll_canvas_view_connect_ports(UnrollCanvasView *self, const char *src, int src_output,
                                          const char *dst, gboolean is_state, int slot,
                                          GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    if (!self->doc)
        return FALSE;
    if (g_strcmp0(src, dst) == 0) {
        g_set_error(error, UNROLL_DOCUMENT_ERROR, UR_ERR_INVALID,
                    "%s: a layer cannot feed itself", dst);
        return FALSE;
    }
    return unroll_document_connect(self->doc, src, src_output, dst, is_state, slot, error);
}

gboolean unroll_canvas_view_disconnect_port(UnrollCanvasView *self, const char *dst,
                                            gboolean is_state, int slot, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    if (!self->doc)
        return FALSE;
    return unroll_document_disconnect(self->doc, dst, is_state, slot, error);
}

/* ----------------------------------------------------------- pointer */

unroll_hit unroll_canvas_view_hit_test(UnrollCanvasView *self, double x, double y)
{
    unroll_hit none = {.kind = UNROLL_HIT_NONE, .node = -1, .port = -1, .wire = -1};
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), none);
    if (!self->canvas)
        return none;
    return unroll_canvas_hit_test(self->canvas, &self->view, (unroll_point){x, y}, HIT_TOLERANCE);
}

/* The named layer's node index, or -1. */
static int find_node(UnrollCanvasView *self, const char *layer)
{
    return self->canvas && layer ? unroll_canvas_find(self->canvas, layer) : -1;
}

gboolean unroll_canvas_view_port_position(UnrollCanvasView *self, const char *layer,
                                          unroll_port_kind kind, int port, double *x, double *y)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    int i = find_node(self, layer);
    if (i < 0)
        return FALSE;
    const unroll_canvas_node *nd = &self->canvas->nodes[i];
    int count = kind == UNROLL_PORT_INPUT ? nd->n_inputs
              : kind == UNROLL_PORT_STATE ? nd->n_states
                                          : nd->n_outputs;
    if (port < 0 || port >= count)
        return FALSE;
    unroll_point p =
        unroll_view_to_screen(&self->view, unroll_canvas_port_pos(self->canvas, i, kind, port));
    *x = p.x;
    *y = p.y;
    return TRUE;
}

int unroll_canvas_view_get_selected_wire(UnrollCanvasView *self)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), -1);
    return self->selected_wire;
}

static void select_names(UnrollCanvasView *self, const char *const *names, int n)
{
    unroll_document_select(self->doc, names, n);
}

static void press(UnrollCanvasView *self, double x, double y, GdkModifierType state)
{
    reset_drag(self);
    self->press = self->cur = (unroll_point){x, y};
    self->press_state = state;
    self->select_only_on_release = FALSE;
    if (!self->doc || !self->canvas)
        return;
    unroll_hit hit = unroll_canvas_view_hit_test(self, x, y);
    gboolean ctrl = (state & GDK_CONTROL_MASK) != 0, shift = (state & GDK_SHIFT_MASK) != 0;
    switch (hit.kind) {
    case UNROLL_HIT_PORT:
        if (hit.port_kind == UNROLL_PORT_OUTPUT) {
            self->mode = DRAG_WIRE_OUT;
            self->wire_src = hit.node;
            self->wire_src_port = hit.port;
        } else {
            int w = wire_into(self->canvas, hit.node, hit.port_kind, hit.port);
            self->wire_dst = hit.node;
            self->wire_dst_kind = hit.port_kind;
            self->wire_dst_port = hit.port;
            if (w >= 0) {
                self->mode = DRAG_WIRE_DETACH;
                self->detached_wire = w;
                self->wire_src = self->canvas->wires[w].src;
                self->wire_src_port = self->canvas->wires[w].src_port;
            } else {
                self->mode = DRAG_WIRE_IN;
            }
        }
        break;
    case UNROLL_HIT_NODE: {
        const char *name = node_name(self, hit.node);
        gboolean selected = unroll_document_is_selected(self->doc, name);
        self->press_node = hit.node;
        unroll_canvas_raise(self->canvas, hit.node);
        if (ctrl) {
            unroll_document_toggle_selected(self->doc, name);
        } else if (shift) {
            if (!selected) {
                int n = 0;
                const char *const *sel = unroll_document_get_selection(self->doc, &n);
                const char **names = g_new(const char *, n + 1);
                for (int i = 0; i < n; i++)
                    names[i] = sel[i];
                names[n] = name;
                select_names(self, names, n + 1);
                g_free(names);
            }
        } else if (!selected) {
            select_names(self, &name, 1);
        } else {
            self->select_only_on_release = TRUE;
        }
        self->mode = DRAG_NODE_PENDING;
        gtk_widget_queue_draw(GTK_WIDGET(self));
        break;
    }
    case UNROLL_HIT_WIRE:
        self->selected_wire = hit.wire;
        select_names(self, NULL, 0);
        self->selected_wire = hit.wire; /* selection-changed leaves it */
        update_actions(self);
        gtk_widget_queue_draw(GTK_WIDGET(self));
        break;
    case UNROLL_HIT_NONE:
        self->mode = DRAG_BAND_PENDING;
        if (ctrl || shift) {
            int n = 0;
            const char *const *sel = unroll_document_get_selection(self->doc, &n);
            self->band_base = g_new0(char *, n + 1);
            for (int i = 0; i < n; i++)
                self->band_base[i] = g_strdup(sel[i]);
            self->n_band_base = n;
        }
        break;
    }
}

static gboolean wire_target_ok(UnrollCanvasView *self, const unroll_hit *hit)
{
    if (hit->kind != UNROLL_HIT_PORT)
        return FALSE;
    if (self->mode == DRAG_WIRE_IN)
        return hit->port_kind == UNROLL_PORT_OUTPUT && hit->node != self->wire_dst;
    return hit->port_kind != UNROLL_PORT_OUTPUT && hit->node != self->wire_src;
}

static void start_move(UnrollCanvasView *self)
{
    const unroll_canvas *c = self->canvas;
    self->moving = g_new(int, c->n_nodes);
    self->moving_from = g_new(unroll_point, c->n_nodes);
    self->n_moving = 0;
    gboolean pressed_selected = self->info[self->press_node].selected;
    for (int i = 0; i < c->n_nodes; i++)
        if (pressed_selected ? self->info[i].selected : i == self->press_node) {
            self->moving[self->n_moving] = i;
            self->moving_from[self->n_moving] = (unroll_point){c->nodes[i].rect.x,
                                                               c->nodes[i].rect.y};
            self->n_moving++;
        }
    self->mode = DRAG_MOVE;
}

static void motion(UnrollCanvasView *self, double x, double y)
{
    self->cur = (unroll_point){x, y};
    gboolean moved = hypot(x - self->press.x, y - self->press.y) > DRAG_THRESHOLD;
    switch (self->mode) {
    case DRAG_NODE_PENDING:
        if (!moved)
            return;
        start_move(self);
        G_GNUC_FALLTHROUGH;
    case DRAG_MOVE: {
        double dx = (x - self->press.x) / self->view.zoom, dy = (y - self->press.y) / self->view.zoom;
        for (int k = 0; k < self->n_moving; k++) {
            unroll_rect *r = &self->canvas->nodes[self->moving[k]].rect;
            r->x = self->moving_from[k].x + dx;
            r->y = self->moving_from[k].y + dy;
        }
        layout_labels(self);
        break;
    }
    case DRAG_WIRE_OUT:
    case DRAG_WIRE_IN:
    case DRAG_WIRE_DETACH: {
        unroll_hit hit = unroll_canvas_view_hit_test(self, x, y);
        self->target = wire_target_ok(self, &hit) ? hit : (unroll_hit){.kind = UNROLL_HIT_NONE};
        break;
    }
    case DRAG_BAND_PENDING:
        if (!moved)
            return;
        self->mode = DRAG_BAND;
        G_GNUC_FALLTHROUGH;
    case DRAG_BAND: {
        const unroll_canvas *c = self->canvas;
        unroll_point a = unroll_view_to_canvas(&self->view, self->press);
        unroll_point b = unroll_view_to_canvas(&self->view, self->cur);
        int *hits = g_new(int, c->n_nodes + 1);
        int n = unroll_canvas_select_rect(c, unroll_rect_from_corners(a, b), hits);
        const char **names = g_new(const char *, n + self->n_band_base + 1);
        int m = 0;
        for (int k = 0; k < self->n_band_base; k++)
            names[m++] = self->band_base[k];
        for (int k = 0; k < n; k++)
            names[m++] = c->nodes[hits[k]].name;
        select_names(self, names, m);
        g_free(names);
        g_free(hits);
        break;
    }
    case DRAG_NONE:
        return;
    }
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* The first free main input of a node, or -1. */
static int free_input(const unroll_canvas *c, int node)
{
    for (int k = 0; k < c->nodes[node].n_inputs; k++)
        if (wire_into(c, node, UNROLL_PORT_INPUT, k) < 0)
            return k;
    return -1;
}

static void finish_wire(UnrollCanvasView *self, const unroll_hit *hit)
{
    GError *error = NULL;
    const unroll_canvas *c = self->canvas;
    /* names copied: every edit rebuilds the canvas */
    char *src = g_strdup(node_name(self, self->wire_src));
    char *dst = NULL;
    gboolean state = FALSE;
    int slot = -1;
    unroll_hit t = *hit;
    if (self->mode == DRAG_WIRE_IN) {
        g_free(src);
        src = NULL;
        if (t.kind == UNROLL_HIT_NODE && t.node != self->wire_dst)
            t = (unroll_hit){.kind = UNROLL_HIT_PORT, .node = t.node,
                             .port_kind = UNROLL_PORT_OUTPUT, .port = 0};
        if (wire_target_ok(self, &t)) {
            gboolean ok = unroll_canvas_view_connect_ports(
                self, node_name(self, t.node), t.port,
                node_name(self, self->wire_dst), self->wire_dst_kind == UNROLL_PORT_STATE,
                self->wire_dst_port, &error);
            if (!ok)
                edit_failed(self, error);
        }
        return;
    }
    if (t.kind == UNROLL_HIT_NODE && t.node != self->wire_src) {
        int k = free_input(c, t.node);
        if (k >= 0)
            t = (unroll_hit){.kind = UNROLL_HIT_PORT, .node = t.node,
                             .port_kind = UNROLL_PORT_INPUT, .port = k};
    }
    if (wire_target_ok(self, &t)) {
        dst = g_strdup(node_name(self, t.node));
        state = t.port_kind == UNROLL_PORT_STATE;
        slot = t.port;
    }
    if (self->mode == DRAG_WIRE_OUT) {
        if (dst && !unroll_canvas_view_connect_ports(self, src, self->wire_src_port, dst, state,
                                                     slot, &error))
            edit_failed(self, error);
    } else { /* DETACH */
        gboolean old_state = self->wire_dst_kind == UNROLL_PORT_STATE;
        int old_slot = self->wire_dst_port;
        char *old_dst = g_strdup(node_name(self, self->wire_dst));
        if (dst && strcmp(dst, old_dst) == 0 && state == old_state && slot == old_slot) {
            /* dropped back where it was */
        } else if (dst) {
            if (strcmp(dst, old_dst) == 0 && state == old_state && slot > old_slot)
                slot--; /* the entries after the removed one move up */
            unroll_document_begin_group(self->doc, "Reconnect");
            gboolean off = unroll_document_disconnect(self->doc, old_dst, old_state, old_slot,
                                                      &error);
            gboolean on = off && unroll_document_connect(self->doc, src, self->wire_src_port,
                                                         dst, state, slot, &error);
            unroll_document_end_group(self->doc);
            if (!on) {
                edit_failed(self, error);
                /* a half-done reconnect (disconnected, not connected) is put back */
                GError *undo_error = NULL;
                if (off && !unroll_document_undo(self->doc, &undo_error))
                    edit_failed(self, undo_error);
            }
        } else if (hit->kind == UNROLL_HIT_NONE || hit->kind == UNROLL_HIT_WIRE) {
            if (!unroll_canvas_view_disconnect_port(self, old_dst, old_state, old_slot, &error))
                edit_failed(self, error);
        }
        g_free(old_dst);
    }
    g_free(src);
    g_free(dst);
}

static void release(UnrollCanvasView *self, double x, double y)
{
    motion(self, x, y);
    GError *error = NULL;
    switch (self->mode) {
    case DRAG_NODE_PENDING:
        if (self->select_only_on_release) {
            const char *name = node_name(self, self->press_node);
            select_names(self, &name, 1);
        }
        break;
    case DRAG_MOVE:
        if (!move_nodes(self, self->moving, self->n_moving, &error)) {
            edit_failed(self, error);
            rebuild(self);
        }
        break;
    case DRAG_WIRE_OUT:
    case DRAG_WIRE_IN:
    case DRAG_WIRE_DETACH: {
        unroll_hit hit = unroll_canvas_view_hit_test(self, x, y);
        finish_wire(self, &hit);
        break;
    }
    case DRAG_BAND_PENDING:
        if (!(self->press_state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK))) {
            self->selected_wire = -1;
            select_names(self, NULL, 0);
        }
        break;
    case DRAG_BAND:
    case DRAG_NONE:
        break;
    }
    reset_drag(self);
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void unroll_canvas_view_click(UnrollCanvasView *self, double x, double y, GdkModifierType state)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    press(self, x, y, state);
    release(self, x, y);
}

void unroll_canvas_view_drag(UnrollCanvasView *self, double x0, double y0, double x1, double y1,
                             GdkModifierType state)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    press(self, x0, y0, state);
    /* a few motion events on the way, as a pointer sends them */
    for (int k = 1; k < 4; k++)
        motion(self, x0 + (x1 - x0) * k / 4, y0 + (y1 - y0) * k / 4);
    release(self, x1, y1);
}

gboolean unroll_canvas_view_drag_node(UnrollCanvasView *self, const char *layer, double dx,
                                      double dy)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), FALSE);
    int i = find_node(self, layer);
    if (i < 0)
        return FALSE;
    const unroll_canvas_node *nd = &self->canvas->nodes[i];
    /* the middle of the title, clear of the ports */
    unroll_point p = unroll_view_to_screen(
        &self->view, (unroll_point){nd->rect.x + nd->rect.w / 2,
                                    nd->rect.y + (self->canvas->style.pad + self->canvas->style.title_h) / 2});
    unroll_canvas_view_drag(self, p.x, p.y, p.x + dx, p.y + dy, 0);
    return TRUE;
}

/* ------------------------------------------------------- controllers */

static GdkModifierType controller_state(GtkEventController *c)
{
    return gtk_event_controller_get_current_event_state(c) &
           (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK);
}

static void on_drag_begin(GtkGestureDrag *g, double x, double y, UnrollCanvasView *self)
{
    if (gtk_widget_get_focusable(GTK_WIDGET(self)))
        gtk_widget_grab_focus(GTK_WIDGET(self));
    press(self, x, y, controller_state(GTK_EVENT_CONTROLLER(g)));
    gtk_gesture_set_state(GTK_GESTURE(g), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void on_drag_update(GtkGestureDrag *g, double dx, double dy, UnrollCanvasView *self)
{
    double x, y;
    gtk_gesture_drag_get_start_point(g, &x, &y);
    motion(self, x + dx, y + dy);
}

static void on_drag_end(GtkGestureDrag *g, double dx, double dy, UnrollCanvasView *self)
{
    double x, y;
    gtk_gesture_drag_get_start_point(g, &x, &y);
    release(self, x + dx, y + dy);
}

static void on_drag_cancel(GtkGesture *g, GdkEventSequence *seq, UnrollCanvasView *self)
{
    if (self->mode == DRAG_MOVE)
        for (int k = 0; k < self->n_moving; k++) {
            self->canvas->nodes[self->moving[k]].rect.x = self->moving_from[k].x;
            self->canvas->nodes[self->moving[k]].rect.y = self->moving_from[k].y;
        }
    if (self->mode == DRAG_MOVE && self->canvas)
        layout_labels(self);
    reset_drag(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void on_pan_begin(GtkGestureDrag *g, double x, double y, UnrollCanvasView *self)
{
    self->pan_last_x = 0;
    self->pan_last_y = 0;
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self), "grabbing");
}

static void on_pan_update(GtkGestureDrag *g, double dx, double dy, UnrollCanvasView *self)
{
    unroll_canvas_view_pan(self, dx - self->pan_last_x, dy - self->pan_last_y);
    self->pan_last_x = dx;
    self->pan_last_y = dy;
}

static void on_pan_end(GtkGestureDrag *g, double dx, double dy, UnrollCanvasView *self)
{
    gtk_widget_set_cursor(GTK_WIDGET(self), NULL);
}

static gboolean on_scroll(GtkEventControllerScroll *c, double dx, double dy,
                          UnrollCanvasView *self)
{
    GdkModifierType state = controller_state(GTK_EVENT_CONTROLLER(c));
    gboolean wheel = gtk_event_controller_scroll_get_unit(c) == GDK_SCROLL_UNIT_WHEEL;
    if (state & GDK_CONTROL_MASK) {
        double x = self->pointer_inside ? self->pointer_x : gtk_widget_get_width(GTK_WIDGET(self)) / 2.0;
        double y = self->pointer_inside ? self->pointer_y : gtk_widget_get_height(GTK_WIDGET(self)) / 2.0;
        double factor = pow(wheel ? 1.15 : 1.01, -dy);
        unroll_canvas_view_zoom_at(self, self->view.zoom * factor, x, y);
        return TRUE;
    }
    double k = wheel ? 48 : 1;
    if ((state & GDK_SHIFT_MASK) && dx == 0) {
        dx = dy;
        dy = 0;
    }
    unroll_canvas_view_pan(self, -dx * k, -dy * k);
    return TRUE;
}

static void on_motion(GtkEventControllerMotion *c, double x, double y, UnrollCanvasView *self)
{
    self->pointer_x = x;
    self->pointer_y = y;
    self->pointer_inside = TRUE;
    /* the cursor says what a press would do: wire from a port, move a card */
    const char *cursor = NULL;
    if (self->mode == DRAG_MOVE) {
        cursor = "grabbing";
    } else if (self->mode == DRAG_NONE && self->canvas) {
        unroll_hit hit = unroll_canvas_view_hit_test(self, x, y);
        cursor = hit.kind == UNROLL_HIT_PORT ? "crosshair"
               : hit.kind == UNROLL_HIT_WIRE ? "pointer"
                                             : NULL;
    }
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self), cursor);
}

static void on_leave(GtkEventControllerMotion *c, UnrollCanvasView *self)
{
    self->pointer_inside = FALSE;
}

static void on_zoom_begin(GtkGesture *g, GdkEventSequence *seq, UnrollCanvasView *self)
{
    self->pinch_zoom0 = self->view.zoom;
}

static void on_zoom_scale(GtkGestureZoom *g, double scale, UnrollCanvasView *self)
{
    double x, y;
    if (!gtk_gesture_get_bounding_box_center(GTK_GESTURE(g), &x, &y))
        return;
    unroll_canvas_view_zoom_at(self, self->pinch_zoom0 * scale, x, y);
}

static gboolean on_drop(GtkDropTarget *t, const GValue *value, double x, double y,
                        UnrollCanvasView *self)
{
    self->drop_active = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    if (!G_VALUE_HOLDS_STRING(value))
        return FALSE;
    const char *s = g_value_get_string(value);
    if (!s || !g_str_has_prefix(s, UNROLL_CANVAS_DROP_PREFIX))
        return FALSE;
    GError *error = NULL;
    char *name = unroll_canvas_view_drop_layer(self, s + strlen(UNROLL_CANVAS_DROP_PREFIX), x, y,
                                               &error);
    if (!name) {
        edit_failed(self, error);
        return FALSE;
    }
    g_free(name);
    gtk_widget_grab_focus(GTK_WIDGET(self));
    return TRUE;
}

static GdkDragAction on_drop_enter(GtkDropTarget *t, double x, double y, UnrollCanvasView *self)
{
    self->drop_active = TRUE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
    return GDK_ACTION_COPY;
}

static void on_drop_leave(GtkDropTarget *t, UnrollCanvasView *self)
{
    self->drop_active = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static char *port_tooltip(UnrollCanvasView *self, const unroll_hit *hit)
{
    const ur_graph *g = unroll_document_get_graph(self->doc);
    const char *name = node_name(self, hit->node);
    if (hit->port_kind == UNROLL_PORT_OUTPUT) {
        const ur_layer *l = ur_graph_find(g, name);
        char shape[128] = "?";
        if (l && hit->port < ur_layer_n_outputs(l))
            ur_shape_format(ur_layer_output_shape(l, hit->port), shape, sizeof shape);
        gboolean masked = l && hit->port < ur_layer_n_outputs(l) &&
                          ur_layer_output_masked(l, hit->port);
        const char *what = self->info[hit->node].recurrent && hit->port > 0 ? "state output"
                                                                              : "output";
        return g_strdup_printf("%s:%d — %s %s%s\nDrag to an input to connect", name, hit->port,
                               what, shape, masked ? ", masked" : "");
    }
    gboolean fed = wire_into(self->canvas, hit->node, hit->port_kind, hit->port) >= 0;
    return g_strdup_printf("%s — %s %d\n%s", name,
                           hit->port_kind == UNROLL_PORT_STATE ? "initial state" : "input",
                           hit->port,
                           fed ? "Drag off to disconnect or reconnect"
                               : "Drag to an output to connect");
}

char *unroll_canvas_view_dup_tooltip(UnrollCanvasView *self, double x, double y,
                                     GdkRectangle *area)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), NULL);
    if (!self->canvas || !self->doc || self->mode != DRAG_NONE)
        return NULL;
    unroll_hit hit = unroll_canvas_view_hit_test(self, x, y);
    char *text = NULL;
    if (hit.kind == UNROLL_HIT_NODE && self->info[hit.node].error)
        text = g_strdup_printf("%s: %s", node_name(self, hit.node), self->info[hit.node].error);
    else if (hit.kind == UNROLL_HIT_PORT)
        text = port_tooltip(self, &hit);
    else if (hit.kind == UNROLL_HIT_WIRE) {
        for (int k = 0; k < self->n_labels; k++)
            if (self->labels[k].wire == hit.wire) {
                const unroll_canvas_wire *w = &self->canvas->wires[hit.wire];
                text = g_strdup_printf(
                    "%s:%d → %s%s\n%s%s", node_name(self, w->src), w->src_port,
                    node_name(self, w->dst), w->dst_kind == UNROLL_PORT_STATE ? " (state)" : "",
                    pango_layout_get_text(self->labels[k].layout),
                    self->labels[k].masked ? ", carries a mask" : "");
                break;
            }
    }
    if (!text)
        return NULL;
    /* a new query once the pointer leaves the thing it is about */
    *area = (GdkRectangle){(int)x - 4, (int)y - 4, 8, 8};
    if (hit.kind == UNROLL_HIT_NODE) {
        unroll_rect r = unroll_view_rect_to_screen(&self->view, self->canvas->nodes[hit.node].rect);
        *area = (GdkRectangle){(int)r.x, (int)r.y, (int)ceil(r.w), (int)ceil(r.h)};
    }
    return text;
}

static gboolean unroll_canvas_view_query_tooltip(GtkWidget *widget, int x, int y,
                                                 gboolean keyboard, GtkTooltip *tooltip)
{
    GdkRectangle area;
    char *text = unroll_canvas_view_dup_tooltip(UNROLL_CANVAS_VIEW(widget), x, y, &area);
    if (!text)
        return FALSE;
    gtk_tooltip_set_text(tooltip, text);
    gtk_tooltip_set_tip_area(tooltip, &area);
    g_free(text);
    return TRUE;
}

/* ----------------------------------------------------------- actions */

static void update_actions(UnrollCanvasView *self)
{
    int n = 0;
    if (self->doc)
        unroll_document_get_selection(self->doc, &n);
    gboolean has_nodes = self->canvas && self->canvas->n_nodes > 0;
    GtkWidget *w = GTK_WIDGET(self);
    gtk_widget_action_set_enabled(w, "canvas.delete", n > 0 || self->selected_wire >= 0);
    gtk_widget_action_set_enabled(w, "canvas.copy", n > 0);
    gtk_widget_action_set_enabled(w, "canvas.duplicate", n > 0);
    gtk_widget_action_set_enabled(w, "canvas.paste", self->doc != NULL);
    gtk_widget_action_set_enabled(w, "canvas.select-all", has_nodes);
    gtk_widget_action_set_enabled(w, "canvas.arrange", has_nodes);
    gtk_widget_action_set_enabled(w, "canvas.fit", has_nodes);
}

static void action_activate(GtkWidget *w, const char *name, GVariant *param)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(w);
    GError *error = NULL;
    if (strcmp(name, "canvas.zoom-in") == 0)
        unroll_canvas_view_zoom_in(self);
    else if (strcmp(name, "canvas.zoom-out") == 0)
        unroll_canvas_view_zoom_out(self);
    else if (strcmp(name, "canvas.zoom-reset") == 0)
        unroll_canvas_view_zoom_reset(self);
    else if (strcmp(name, "canvas.fit") == 0)
        unroll_canvas_view_fit(self);
    else if (strcmp(name, "canvas.arrange") == 0)
        unroll_canvas_view_arrange(self, &error);
    else if (strcmp(name, "canvas.delete") == 0)
        unroll_canvas_view_delete_selection(self, &error);
    else if (strcmp(name, "canvas.copy") == 0)
        unroll_canvas_view_copy(self);
    else if (strcmp(name, "canvas.paste") == 0)
        unroll_canvas_view_paste(self);
    else if (strcmp(name, "canvas.duplicate") == 0)
        unroll_canvas_view_duplicate(self, &error);
    else if (strcmp(name, "canvas.select-all") == 0)
        unroll_canvas_view_select_all(self);
    else if (strcmp(name, "canvas.nudge") == 0) {
        double dx = 0, dy = 0;
        g_variant_get(param, "(dd)", &dx, &dy);
        nudge(self, dx, dy, &error);
    } else if (strcmp(name, "canvas.select-none") == 0 && self->doc) {
        self->selected_wire = -1;
        unroll_document_select(self->doc, NULL, 0);
        gtk_widget_queue_draw(w);
    }
    edit_failed(self, error);
}

/* -------------------------------------------------------------- class */

static void unroll_canvas_view_size_allocate(GtkWidget *widget, int width, int height,
                                             int baseline)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(widget);
    if ((self->pending_fit || self->auto_fit) && width > 0 && height > 0 && self->canvas)
        fit_view(self, TRUE);
}

static void unroll_canvas_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                                       int *minimum, int *natural, int *min_baseline,
                                       int *nat_baseline)
{
    *minimum = 120;
    *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 420;
}

static void unroll_canvas_view_system_setting_changed(GtkWidget *widget,
                                                      GtkSystemSetting setting)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(widget);
    GTK_WIDGET_CLASS(unroll_canvas_view_parent_class)->system_setting_changed(widget, setting);
    if (setting == GTK_SYSTEM_SETTING_FONT_NAME || setting == GTK_SYSTEM_SETTING_FONT_CONFIG ||
        setting == GTK_SYSTEM_SETTING_DPI) {
        drop_pango(self);
        if (self->doc)
            rebuild(self);
    }
}

void unroll_canvas_view_set_document(UnrollCanvasView *self, UnrollDocument *doc)
{
    g_return_if_fail(UNROLL_IS_CANVAS_VIEW(self));
    g_return_if_fail(doc == NULL || UNROLL_IS_DOCUMENT(doc));
    if (self->doc == doc)
        return;
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_signal_handler(&self->selection_id, self->doc);
        g_clear_object(&self->doc);
    }
    reset_drag(self);
    free_model(self);
    g_clear_pointer(&self->last_paste, g_free);
    self->paste_count = 0;
    g_hash_table_remove_all(self->view_pos);
    unroll_view_init(&self->view);
    if (doc) {
        self->doc = g_object_ref(doc);
        self->changed_id = g_signal_connect(doc, "changed", G_CALLBACK(on_changed), self);
        self->selection_id =
            g_signal_connect(doc, "selection-changed", G_CALLBACK(on_selection_changed), self);
    }
    self->pending_fit = TRUE;
    rebuild(self);
}

UnrollDocument *unroll_canvas_view_get_document(UnrollCanvasView *self)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), NULL);
    return self->doc;
}

const unroll_view *unroll_canvas_view_get_view(UnrollCanvasView *self)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), NULL);
    return &self->view;
}

const unroll_canvas *unroll_canvas_view_get_canvas(UnrollCanvasView *self)
{
    g_return_val_if_fail(UNROLL_IS_CANVAS_VIEW(self), NULL);
    return self->canvas;
}

static void unroll_canvas_view_dispose(GObject *object)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(object);
    if (self->doc) {
        g_clear_signal_handler(&self->changed_id, self->doc);
        g_clear_signal_handler(&self->selection_id, self->doc);
        g_clear_object(&self->doc);
    }
    reset_drag(self);
    free_model(self);
    drop_pango(self);
    G_OBJECT_CLASS(unroll_canvas_view_parent_class)->dispose(object);
}

static void unroll_canvas_view_finalize(GObject *object)
{
    UnrollCanvasView *self = UNROLL_CANVAS_VIEW(object);
    g_free(self->last_paste);
    g_hash_table_unref(self->view_pos);
    G_OBJECT_CLASS(unroll_canvas_view_parent_class)->finalize(object);
}

static void unroll_canvas_view_class_init(UnrollCanvasViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    object_class->dispose = unroll_canvas_view_dispose;
    object_class->finalize = unroll_canvas_view_finalize;
    widget_class->snapshot = unroll_canvas_view_snapshot;
    widget_class->size_allocate = unroll_canvas_view_size_allocate;
    widget_class->measure = unroll_canvas_view_measure;
    widget_class->query_tooltip = unroll_canvas_view_query_tooltip;
    widget_class->system_setting_changed = unroll_canvas_view_system_setting_changed;

    signals[SIGNAL_EDIT_FAILED] =
        g_signal_new("edit-failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    static const char *const actions[] = {
        "canvas.zoom-in",   "canvas.zoom-out", "canvas.zoom-reset", "canvas.fit",
        "canvas.arrange",   "canvas.delete",   "canvas.copy",       "canvas.paste",
        "canvas.duplicate", "canvas.select-all", "canvas.select-none"};
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++)
        gtk_widget_class_install_action(widget_class, actions[i], NULL, action_activate);
    gtk_widget_class_install_action(widget_class, "canvas.nudge", "(dd)", action_activate);
    static const struct { guint key; double dx, dy; } arrows[] = {
        {GDK_KEY_Left, -1, 0}, {GDK_KEY_Right, 1, 0}, {GDK_KEY_Up, 0, -1}, {GDK_KEY_Down, 0, 1}};
    for (size_t i = 0; i < G_N_ELEMENTS(arrows); i++) {
        gtk_widget_class_add_binding_action(widget_class, arrows[i].key, 0, "canvas.nudge", "(dd)",
                                            arrows[i].dx * 8, arrows[i].dy * 8);
        gtk_widget_class_add_binding_action(widget_class, arrows[i].key, GDK_SHIFT_MASK,
                                            "canvas.nudge", "(dd)", arrows[i].dx * 48,
                                            arrows[i].dy * 48);
    }
    static const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
        {GDK_KEY_plus, 0, "canvas.zoom-in"},         {GDK_KEY_equal, 0, "canvas.zoom-in"},
        {GDK_KEY_KP_Add, 0, "canvas.zoom-in"},       {GDK_KEY_plus, GDK_SHIFT_MASK, "canvas.zoom-in"},
        {GDK_KEY_minus, 0, "canvas.zoom-out"},       {GDK_KEY_KP_Subtract, 0, "canvas.zoom-out"},
        {GDK_KEY_0, 0, "canvas.zoom-reset"},         {GDK_KEY_KP_0, 0, "canvas.zoom-reset"},
        {GDK_KEY_f, 0, "canvas.fit"},                {GDK_KEY_F, GDK_SHIFT_MASK, "canvas.fit"},
        {GDK_KEY_Delete, 0, "canvas.delete"},        {GDK_KEY_KP_Delete, 0, "canvas.delete"},
        {GDK_KEY_BackSpace, 0, "canvas.delete"},     {GDK_KEY_c, GDK_CONTROL_MASK, "canvas.copy"},
        {GDK_KEY_v, GDK_CONTROL_MASK, "canvas.paste"}, {GDK_KEY_d, GDK_CONTROL_MASK, "canvas.duplicate"},
        {GDK_KEY_a, GDK_CONTROL_MASK, "canvas.select-all"}, {GDK_KEY_Escape, 0, "canvas.select-none"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        gtk_widget_class_add_binding_action(widget_class, keys[i].key, keys[i].mods,
                                            keys[i].action, NULL);

    gtk_widget_class_set_css_name(widget_class, "canvas");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void unroll_canvas_view_init(UnrollCanvasView *self)
{
    GtkWidget *w = GTK_WIDGET(self);
    unroll_view_init(&self->view);
    self->view_pos = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->selected_wire = -1;
    self->detached_wire = -1;
    gtk_widget_set_focusable(w, TRUE);
    gtk_widget_set_overflow(w, GTK_OVERFLOW_HIDDEN);
    gtk_widget_set_has_tooltip(w, TRUE);
    gtk_widget_set_hexpand(w, TRUE);
    gtk_widget_set_vexpand(w, TRUE);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Model canvas", -1);

    GtkGesture *drag = gtk_gesture_drag_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(drag), GDK_BUTTON_PRIMARY);
    g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
    g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), self);
    g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
    g_signal_connect(drag, "cancel", G_CALLBACK(on_drag_cancel), self);
    gtk_widget_add_controller(w, GTK_EVENT_CONTROLLER(drag));

    GtkGesture *pan = gtk_gesture_drag_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(pan), GDK_BUTTON_MIDDLE);
    g_signal_connect(pan, "drag-begin", G_CALLBACK(on_pan_begin), self);
    g_signal_connect(pan, "drag-update", G_CALLBACK(on_pan_update), self);
    g_signal_connect(pan, "drag-end", G_CALLBACK(on_pan_end), self);
    gtk_widget_add_controller(w, GTK_EVENT_CONTROLLER(pan));

    GtkEventController *scroll =
        gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
    g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), self);
    gtk_widget_add_controller(w, scroll);

    GtkEventController *motion_ctl = gtk_event_controller_motion_new();
    g_signal_connect(motion_ctl, "enter", G_CALLBACK(on_motion), self);
    g_signal_connect(motion_ctl, "motion", G_CALLBACK(on_motion), self);
    g_signal_connect(motion_ctl, "leave", G_CALLBACK(on_leave), self);
    gtk_widget_add_controller(w, motion_ctl);

    GtkGesture *zoom = gtk_gesture_zoom_new();
    g_signal_connect(zoom, "begin", G_CALLBACK(on_zoom_begin), self);
    g_signal_connect(zoom, "scale-changed", G_CALLBACK(on_zoom_scale), self);
    gtk_widget_add_controller(w, GTK_EVENT_CONTROLLER(zoom));

    GtkDropTarget *drop = gtk_drop_target_new(G_TYPE_STRING, GDK_ACTION_COPY);
    g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
    g_signal_connect(drop, "enter", G_CALLBACK(on_drop_enter), self);
    g_signal_connect(drop, "leave", G_CALLBACK(on_drop_leave), self);
    gtk_widget_add_controller(w, GTK_EVENT_CONTROLLER(drop));

    update_actions(self);
}

GtkWidget *unroll_canvas_view_new(void)
{
    return g_object_new(UNROLL_TYPE_CANVAS_VIEW, NULL);
}
