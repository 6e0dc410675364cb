/* canvas-geometry.c — node cards, ports, Bézier wires, hit-testing, the view
 * transform and the layered auto-arrange of the node editor, in plain C so
 * that tests run without a display. Drawing itself is the widget's. */
#include "canvas-geometry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort(); /* out of memory: nothing sensible is left to do in a view */
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xcalloc(n, 1);
    memcpy(d, s, n);
    return d;
}

/* ------------------------------------------------------------ rectangles */

bool unroll_rect_contains(const unroll_rect *r, unroll_point p)
{
    return p.x >= r->x && p.x <= r->x + r->w && p.y >= r->y && p.y <= r->y + r->h;
}

bool unroll_rect_intersects(const unroll_rect *a, const unroll_rect *b)
{
    return a->x <= b->x + b->w && b->x <= a->x + a->w && a->y <= b->y + b->h &&
           b->y <= a->y + a->h;
}

unroll_rect unroll_rect_from_corners(unroll_point a, unroll_point b)
{
    return (unroll_rect){fmin(a.x, b.x), fmin(a.y, b.y), fabs(b.x - a.x), fabs(b.y - a.y)};
}

/* ------------------------------------------------------------ node cards */

void unroll_card_style_default(unroll_card_style *s)
{
    *s = (unroll_card_style){.title_h = 24, .line_h = 16, .pad = 8, .min_w = 140, .port_r = 5,
                             .port_pitch = 20};
}

void unroll_card_size(const unroll_card_style *s, double text_w, int n_option_lines, int n_in,
                      int n_states, int n_out, double *w, double *h)
{
    *w = fmax(s->min_w, text_w + 2 * s->pad);
    double text_h = s->pad + s->title_h + (2 + n_option_lines) * s->line_h + s->pad;
    int left = n_in + n_states, ports = left > n_out ? left : n_out;
    double port_h = s->title_h + s->port_pitch * ports + s->pad;
    *h = fmax(text_h, port_h);
}

/* --------------------------------------------------------------- canvas */

static bool is_merge_class(const char *cls)
{
    static const char *const merge[] = {"Add", "Concatenate", "Multiply", "Average", "Subtract",
                                        "Maximum", "Minimum", "Dot", NULL};
    for (int i = 0; merge[i]; i++)
        if (strcmp(cls, merge[i]) == 0)
            return true;
    return false;
}

/* State tensors a recurrent class takes (and returns with return_state). */
static int class_states(const ur_value *spec)
{
    const ur_value *cls = ur_value_get(spec, "class");
    if (!cls || cls->type != UR_VALUE_STRING)
        return 0;
    if (strcmp(cls->u.str, "LSTM") == 0)
        return 2;
    if (strcmp(cls->u.str, "GRU") == 0 || strcmp(cls->u.str, "SimpleRNN") == 0)
        return 1;
    if (strcmp(cls->u.str, "Bidirectional") == 0)
        return 2 * class_states(ur_value_get(spec, "layer"));
    return 0;
}

static bool spec_flag(const ur_value *spec, const char *key)
{
    const ur_value *v = ur_value_get(spec, key);
    return v && v->type == UR_VALUE_BOOL && v->u.b;
}

static int layer_index(const ur_graph *g, const ur_layer *l)
{
    for (int j = 0; j < ur_graph_n_layers(g); j++)
        if (ur_graph_layer(g, j) == l)
            return j;
    return -1;
}

unroll_canvas *unroll_canvas_new(const ur_graph *g, const unroll_card_style *style,
                                 const double *text_w, const int *n_option_lines)
{
    unroll_canvas *c = xcalloc(1, sizeof *c);
    if (style)
        c->style = *style;
    else
        unroll_card_style_default(&c->style);
    int n = ur_graph_n_layers(g), n_wires = 0;
    c->n_nodes = n;
    c->nodes = xcalloc((size_t)n, sizeof *c->nodes);
    c->z = xcalloc((size_t)n, sizeof *c->z);
    for (int i = 0; i < n; i++)
        n_wires += ur_layer_n_inbound(ur_graph_layer(g, i));
    c->wires = xcalloc((size_t)n_wires, sizeof *c->wires);

    for (int i = 0; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        const ur_value *spec = ur_layer_spec(l);
        unroll_canvas_node *node = &c->nodes[i];
        node->name = xstrdup(ur_layer_name(l));
        c->z[i] = i;
        int n_in = 0, n_st = 0;
        for (int k = 0; k < ur_layer_n_inbound(l); k++) {
            const ur_layer *src;
            int out;
            bool is_state;
            ur_layer_inbound(g, l, k, &src, &out, &is_state);
            unroll_canvas_wire *w = &c->wires[c->n_wires++];
            w->src = layer_index(g, src);
            w->src_port = out;
            w->dst = i;
            w->dst_kind = is_state ? UNROLL_PORT_STATE : UNROLL_PORT_INPUT;
            w->dst_port = is_state ? n_st++ : n_in++;
        }
        const char *cls = ur_layer_class(l);
        if (strcmp(cls, "Input") == 0)
            node->n_inputs = n_in;
        else if (is_merge_class(cls))
            node->n_inputs = n_in + 1; /* a free port takes one more */
        else
            node->n_inputs = n_in > 1 ? n_in : 1;
        int takes = class_states(spec);
        node->n_states = n_st > takes ? n_st : takes;
        node->n_outputs = ur_layer_n_outputs(l);
        if (node->n_outputs == 0) /* a layer in error: what its options ask for */
            node->n_outputs = 1 + (spec_flag(spec, "return_state") ? takes : 0);
    }
    /* a wire into a missing output (an error the graph reports) still ends on a port */
    for (int k = 0; k < c->n_wires; k++) {
        unroll_canvas_node *src = &c->nodes[c->wires[k].src];
        if (c->wires[k].src_port >= src->n_outputs)
            src->n_outputs = c->wires[k].src_port + 1;
    }
    for (int i = 0; i < n; i++) {
        unroll_canvas_node *node = &c->nodes[i];
        const ur_layer *l = ur_graph_layer(g, i);
        double tw = text_w ? text_w[i]
                           : 7.0 * (double)fmax(strlen(node->name), strlen(ur_layer_class(l)));
        unroll_card_size(&c->style, tw, n_option_lines ? n_option_lines[i] : 0, node->n_inputs,
                         node->n_states, node->n_outputs, &node->rect.w, &node->rect.h);
    }
    return c;
}

void unroll_canvas_free(unroll_canvas *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_nodes; i++)
        free(c->nodes[i].name);
    free(c->nodes);
    free(c->z);
    free(c->wires);
    free(c);
}

int unroll_canvas_find(const unroll_canvas *c, const char *name)
{
    for (int i = 0; i < c->n_nodes; i++)
        if (strcmp(c->nodes[i].name, name) == 0)
            return i;
    return -1;
}

int unroll_canvas_apply_positions(unroll_canvas *c, const ur_graph *g)
{
    const ur_value *nodes = ur_value_get(ur_graph_doc_get(g, "ui"), "nodes");
    int missing = 0;
    for (int i = 0; i < c->n_nodes; i++) {
        const ur_value *p = ur_value_get(nodes, c->nodes[i].name);
        const ur_value *x = ur_value_get(p, "x"), *y = ur_value_get(p, "y");
        if (x && y && x->type == UR_VALUE_NUMBER && y->type == UR_VALUE_NUMBER &&
            isfinite(x->u.num) && isfinite(y->u.num)) {
            c->nodes[i].rect.x = x->u.num;
            c->nodes[i].rect.y = y->u.num;
        } else {
            missing++;
        }
    }
    return missing;
}

void unroll_canvas_raise(unroll_canvas *c, int i)
{
    int at = 0;
    while (at < c->n_nodes && c->z[at] != i)
        at++;
    if (at == c->n_nodes)
        return;
    memmove(c->z + at, c->z + at + 1, (size_t)(c->n_nodes - at - 1) * sizeof(int));
    c->z[c->n_nodes - 1] = i;
}

unroll_point unroll_canvas_port_pos(const unroll_canvas *c, int node, unroll_port_kind kind,
                                    int port)
{
    const unroll_canvas_node *nd = &c->nodes[node];
    int k = kind == UNROLL_PORT_STATE ? nd->n_inputs + port : port;
    double y = nd->rect.y + c->style.title_h + c->style.port_pitch * (k + 0.5);
    double x = kind == UNROLL_PORT_OUTPUT ? nd->rect.x + nd->rect.w : nd->rect.x;
    return (unroll_point){x, y};
}

/* ----------------------------------------------------------------- wires */

void unroll_wire_controls(unroll_point a, unroll_point b, unroll_point ctl[4])
{
    double d = fmax(40.0, fabs(b.x - a.x) / 2);
    ctl[0] = a;
    ctl[1] = (unroll_point){a.x + d, a.y};
    ctl[2] = (unroll_point){b.x - d, b.y};
    ctl[3] = b;
}

unroll_point unroll_bezier_point(const unroll_point ctl[4], double t)
{
    double s = 1 - t;
    double b0 = s * s * s, b1 = 3 * s * s * t, b2 = 3 * s * t * t, b3 = t * t * t;
    return (unroll_point){b0 * ctl[0].x + b1 * ctl[1].x + b2 * ctl[2].x + b3 * ctl[3].x,
                          b0 * ctl[0].y + b1 * ctl[1].y + b2 * ctl[2].y + b3 * ctl[3].y};
}

void unroll_bezier_flatten(const unroll_point ctl[4], int n, unroll_point *out)
{
    for (int i = 0; i <= n; i++)
        out[i] = unroll_bezier_point(ctl, (double)i / n);
}

/* Distance from p to the segment ab. */
static double segment_distance(unroll_point a, unroll_point b, unroll_point p)
{
    double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = fmin(1, fmax(0, t));
    return hypot(a.x + t * dx - p.x, a.y + t * dy - p.y);
}

double unroll_bezier_distance(const unroll_point ctl[4], unroll_point p)
{
    unroll_point pts[UNROLL_WIRE_SEGMENTS + 1];
    unroll_bezier_flatten(ctl, UNROLL_WIRE_SEGMENTS, pts);
    double best = INFINITY;
    for (int i = 0; i < UNROLL_WIRE_SEGMENTS; i++)
        best = fmin(best, segment_distance(pts[i], pts[i + 1], p));
    return best;
}

void unroll_canvas_wire_controls(const unroll_canvas *c, int w, unroll_point ctl[4])
{
    const unroll_canvas_wire *wire = &c->wires[w];
    unroll_point a = unroll_canvas_port_pos(c, wire->src, UNROLL_PORT_OUTPUT, wire->src_port);
    unroll_point b = unroll_canvas_port_pos(c, wire->dst, wire->dst_kind, wire->dst_port);
    unroll_wire_controls(a, b, ctl);
}

unroll_rect unroll_bezier_bounds(const unroll_point ctl[4])
{
    double x0 = ctl[0].x, x1 = ctl[0].x, y0 = ctl[0].y, y1 = ctl[0].y;
    for (int i = 1; i < 4; i++) {
        x0 = fmin(x0, ctl[i].x);
        x1 = fmax(x1, ctl[i].x);
        y0 = fmin(y0, ctl[i].y);
        y1 = fmax(y1, ctl[i].y);
    }
    return (unroll_rect){x0, y0, x1 - x0, y1 - y0};
}

/* ------------------------------------------------------------------ view */

void unroll_view_init(unroll_view *v)
{
    *v = (unroll_view){0, 0, 1, UNROLL_ZOOM_MIN, UNROLL_ZOOM_MAX};
}

unroll_point unroll_view_to_screen(const unroll_view *v, unroll_point p)
{
    return (unroll_point){p.x * v->zoom + v->tx, p.y * v->zoom + v->ty};
}

unroll_point unroll_view_to_canvas(const unroll_view *v, unroll_point p)
{
    return (unroll_point){(p.x - v->tx) / v->zoom, (p.y - v->ty) / v->zoom};
}

unroll_rect unroll_view_rect_to_screen(const unroll_view *v, unroll_rect r)
{
    unroll_point a = unroll_view_to_screen(v, (unroll_point){r.x, r.y});
    return (unroll_rect){a.x, a.y, r.w * v->zoom, r.h * v->zoom};
}

void unroll_view_pan(unroll_view *v, double dx, double dy)
{
    v->tx += dx;
    v->ty += dy;
}

static double clamp_zoom(const unroll_view *v, double zoom)
{
    if (!isfinite(zoom))
        return v->zoom;
    return fmin(v->max_zoom, fmax(v->min_zoom, zoom));
}

void unroll_view_zoom_at(unroll_view *v, double zoom, unroll_point about)
{
    zoom = clamp_zoom(v, zoom);
    unroll_point c = unroll_view_to_canvas(v, about);
    v->zoom = zoom;
    v->tx = about.x - c.x * zoom;
    v->ty = about.y - c.y * zoom;
}

void unroll_view_fit(unroll_view *v, const unroll_rect *rects, int n, double width,
                     double height, double margin)
{
    if (n <= 0)
        return;
    double x0 = rects[0].x, y0 = rects[0].y;
    double x1 = rects[0].x + rects[0].w, y1 = rects[0].y + rects[0].h;
    for (int i = 1; i < n; i++) {
        x0 = fmin(x0, rects[i].x);
        y0 = fmin(y0, rects[i].y);
        x1 = fmax(x1, rects[i].x + rects[i].w);
        y1 = fmax(y1, rects[i].y + rects[i].h);
    }
    double aw = fmax(1, width - 2 * margin), ah = fmax(1, height - 2 * margin);
    double bw = fmax(1e-9, x1 - x0), bh = fmax(1e-9, y1 - y0);
    double zoom = fmin(1.0, fmin(aw / bw, ah / bh));
    v->zoom = fmin(v->max_zoom, fmax(v->min_zoom, zoom));
    /* the bounds' centre at the viewport's centre */
    v->tx = width / 2 - (x0 + x1) / 2 * v->zoom;
    v->ty = height / 2 - (y0 + y1) / 2 * v->zoom;
}

/* ----------------------------------------------------------- hit-testing */

static bool hit_ports(const unroll_canvas *c, int i, unroll_point p, double reach, unroll_hit *hit)
{
    const unroll_canvas_node *nd = &c->nodes[i];
    static const unroll_port_kind kinds[] = {UNROLL_PORT_INPUT, UNROLL_PORT_STATE,
                                             UNROLL_PORT_OUTPUT};
    int counts[] = {nd->n_inputs, nd->n_states, nd->n_outputs};
    double best = INFINITY;
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < counts[k]; j++) {
            unroll_point q = unroll_canvas_port_pos(c, i, kinds[k], j);
            double d = hypot(q.x - p.x, q.y - p.y);
            if (d <= reach && d < best) {
                best = d;
                *hit = (unroll_hit){.kind = UNROLL_HIT_PORT, .node = i, .port_kind = kinds[k],
                                    .port = j, .wire = -1};
            }
        }
    return best < INFINITY;
}

unroll_hit unroll_canvas_hit_test(const unroll_canvas *c, const unroll_view *v,
                                  unroll_point screen, double tolerance)
{
    unroll_hit hit = {.kind = UNROLL_HIT_NONE, .node = -1, .port = -1, .wire = -1};
    unroll_point p = unroll_view_to_canvas(v, screen);
    double tol = tolerance / v->zoom; /* screen pixels in canvas units */
    for (int zi = c->n_nodes - 1; zi >= 0; zi--) {
        int i = c->z[zi];
        if (hit_ports(c, i, p, c->style.port_r + tol, &hit))
            return hit;
        if (unroll_rect_contains(&c->nodes[i].rect, p)) {
            hit.kind = UNROLL_HIT_NODE;
            hit.node = i;
            return hit;
        }
    }
    double best = INFINITY;
    for (int w = 0; w < c->n_wires; w++) {
        unroll_point ctl[4];
        unroll_canvas_wire_controls(c, w, ctl);
        unroll_rect b = unroll_bezier_bounds(ctl);
        b.x -= tol;
        b.y -= tol;
        b.w += 2 * tol;
        b.h += 2 * tol;
        if (!unroll_rect_contains(&b, p))
            continue;
        double d = unroll_bezier_distance(ctl, p);
        if (d <= tol && d < best) {
            best = d;
            hit.kind = UNROLL_HIT_WIRE;
            hit.wire = w;
        }
    }
    return hit;
}

int unroll_canvas_select_rect(const unroll_canvas *c, unroll_rect r, int *out)
{
    int n = 0;
    for (int i = 0; i < c->n_nodes; i++)
        if (unroll_rect_intersects(&c->nodes[i].rect, &r))
            out[n++] = i;
    return n;
}

unroll_rect unroll_canvas_bounds(const unroll_canvas *c)
{
    if (c->n_nodes == 0)
        return (unroll_rect){0, 0, 0, 0};
    unroll_rect r = c->nodes[0].rect;
    double x1 = r.x + r.w, y1 = r.y + r.h;
    for (int i = 1; i < c->n_nodes; i++) {
        const unroll_rect *q = &c->nodes[i].rect;
        r.x = fmin(r.x, q->x);
        r.y = fmin(r.y, q->y);
        x1 = fmax(x1, q->x + q->w);
        y1 = fmax(y1, q->y + q->h);
    }
    r.w = x1 - r.x;
    r.h = y1 - r.y;
    return r;
}

/* ----------------------------------------------------------- auto-arrange */

/* Longest-path columns: Kahn's topological order, col(v) = max col(u) + 1
 * over the wires u -> v. Nodes left on a cycle are placed after whatever
 * predecessors have a column, in layer order. */
static int assign_columns(const unroll_canvas *c, int *col)
{
    int n = c->n_nodes;
    int *indeg = xcalloc((size_t)n, sizeof(int)), *queue = xcalloc((size_t)n, sizeof(int));
    bool *done = xcalloc((size_t)n, sizeof(bool));
    for (int w = 0; w < c->n_wires; w++)
        if (c->wires[w].src != c->wires[w].dst)
            indeg[c->wires[w].dst]++;
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++) {
        col[i] = 0;
        if (indeg[i] == 0)
            queue[tail++] = i;
    }
    for (;;) {
        while (head < tail) {
            int u = queue[head++];
            done[u] = true;
            for (int w = 0; w < c->n_wires; w++) {
                const unroll_canvas_wire *e = &c->wires[w];
                if (e->src != u || e->dst == u || done[e->dst])
                    continue;
                if (col[e->dst] < col[u] + 1)
                    col[e->dst] = col[u] + 1;
                if (--indeg[e->dst] == 0)
                    queue[tail++] = e->dst;
            }
        }
        /* a cycle: release its first node in layer order and go on */
        int next = -1;
        for (int i = 0; i < n && next < 0; i++)
            if (!done[i] && indeg[i] > 0)
                next = i;
        if (next < 0)
            break;
        indeg[next] = 0;
        queue[tail++] = next;
    }
    int n_cols = 0;
    for (int i = 0; i < n; i++)
        if (col[i] + 1 > n_cols)
            n_cols = col[i] + 1;
    free(indeg);
    free(queue);
    free(done);
    return n_cols;
}

/* Stable insertion sort of ids by key. */
static void sort_by_key(int *ids, int n, const double *key)
{
    for (int i = 1; i < n; i++) {
        int v = ids[i], j = i - 1;
        while (j >= 0 && key[ids[j]] > key[v]) {
            ids[j + 1] = ids[j];
            j--;
        }
        ids[j + 1] = v;
    }
}

/* One barycenter pass: each node of a column takes as key the mean relative
 * position ((rank + 1/2) / column size) of its neighbours on the given side
 * (predecessors when down, successors when up); nodes without any keep their
 * own position. */
static void barycenter_pass(const unroll_canvas *c, int **cols, const int *size, int n_cols,
                            const int *col, double *pos, double *key, bool down)
{
    for (int s = 0; s < n_cols; s++) {
        int ci = down ? s : n_cols - 1 - s;
        for (int r = 0; r < size[ci]; r++) {
            int v = cols[ci][r];
            double sum = 0;
            int cnt = 0;
            for (int w = 0; w < c->n_wires; w++) {
                const unroll_canvas_wire *e = &c->wires[w];
                int other = down ? (e->dst == v ? e->src : -1) : (e->src == v ? e->dst : -1);
                if (other < 0 || other == v || (down ? col[other] >= ci : col[other] <= ci))
                    continue;
                sum += pos[other];
                cnt++;
            }
            key[v] = cnt ? sum / cnt : pos[v];
        }
        sort_by_key(cols[ci], size[ci], key);
        for (int r = 0; r < size[ci]; r++)
            pos[cols[ci][r]] = (r + 0.5) / size[ci];
    }
}

void unroll_canvas_arrange(unroll_canvas *c, double col_gap, double row_gap)
{
    int n = c->n_nodes;
    if (n == 0)
        return;
    int *col = xcalloc((size_t)n, sizeof(int));
    int n_cols = assign_columns(c, col);
    int *size = xcalloc((size_t)n_cols, sizeof(int));
    int **cols = xcalloc((size_t)n_cols, sizeof(int *));
    for (int i = 0; i < n; i++)
        size[col[i]]++;
    for (int k = 0; k < n_cols; k++) {
        cols[k] = xcalloc((size_t)size[k], sizeof(int));
        size[k] = 0;
    }
    double *pos = xcalloc((size_t)n, sizeof(double)), *key = xcalloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++)
        cols[col[i]][size[col[i]]++] = i;
    for (int k = 0; k < n_cols; k++)
        for (int r = 0; r < size[k]; r++)
            pos[cols[k][r]] = (r + 0.5) / size[k];
    for (int sweep = 0; sweep < 4; sweep++)
        barycenter_pass(c, cols, size, n_cols, col, pos, key, sweep % 2 == 0);

    /* coordinates: columns left to right, each as wide as its widest card;
     * a card sits at its predecessors' mean centre height when the card
     * above leaves room, else just below that card */
    double x = 0;
    for (int k = 0; k < n_cols; k++) {
        double width = 0, bottom = -INFINITY;
        for (int r = 0; r < size[k]; r++) {
            unroll_canvas_node *nd = &c->nodes[cols[k][r]];
            width = fmax(width, nd->rect.w);
            double sum = 0;
            int cnt = 0;
            for (int w = 0; w < c->n_wires; w++) {
                const unroll_canvas_wire *e = &c->wires[w];
                if (e->dst == cols[k][r] && col[e->src] < k) {
                    const unroll_rect *s = &c->nodes[e->src].rect;
                    sum += s->y + s->h / 2;
                    cnt++;
                }
            }
            double top = cnt ? sum / cnt - nd->rect.h / 2 : (r == 0 ? 0 : bottom + row_gap);
            if (r > 0 && top < bottom + row_gap)
                top = bottom + row_gap;
            nd->rect.x = x;
            nd->rect.y = top;
            bottom = top + nd->rect.h;
        }
        x += width + col_gap;
    }
    for (int k = 0; k < n_cols; k++)
        free(cols[k]);
    free(cols);
    free(size);
    free(col);
    free(pos);
    free(key);
}

static double orient(unroll_point a, unroll_point b, unroll_point p)
{
    return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

int unroll_canvas_count_crossings(const unroll_canvas *c)
{
    int n = 0;
    for (int i = 0; i < c->n_wires; i++) {
        const unroll_canvas_wire *a = &c->wires[i];
        unroll_point a0 = unroll_canvas_port_pos(c, a->src, UNROLL_PORT_OUTPUT, a->src_port);
        unroll_point a1 = unroll_canvas_port_pos(c, a->dst, a->dst_kind, a->dst_port);
        for (int j = i + 1; j < c->n_wires; j++) {
            const unroll_canvas_wire *b = &c->wires[j];
            if (a->src == b->src || a->src == b->dst || a->dst == b->src || a->dst == b->dst)
                continue;
            unroll_point b0 = unroll_canvas_port_pos(c, b->src, UNROLL_PORT_OUTPUT, b->src_port);
            unroll_point b1 = unroll_canvas_port_pos(c, b->dst, b->dst_kind, b->dst_port);
            double d1 = orient(a0, a1, b0), d2 = orient(a0, a1, b1);
            double d3 = orient(b0, b1, a0), d4 = orient(b0, b1, a1);
            if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) &&
                ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
                n++;
        }
    }
    return n;
}
