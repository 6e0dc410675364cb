/* canvas-geometry.h — the node editor's geometry in plain C (no GTK): node
 * cards and their ports, wires as cubic Bézier curves, hit-testing, the view
 * transform (pan, zoom, fit), rubber-band selection and auto-arrange.
 * The canvas is a view of an engine graph: it holds rectangles, never specs. */
#ifndef UNROLL_CANVAS_GEOMETRY_H
#define UNROLL_CANVAS_GEOMETRY_H

#include <stdbool.h>

#include "ur.h"

typedef struct unroll_point { double x, y; } unroll_point;
/* x, y: the top-left corner; w, h >= 0. */
typedef struct unroll_rect { double x, y, w, h; } unroll_rect;

bool unroll_rect_contains(const unroll_rect *r, unroll_point p);
bool unroll_rect_intersects(const unroll_rect *a, const unroll_rect *b);
/* The rectangle spanned by two corners in any order (a rubber band). */
unroll_rect unroll_rect_from_corners(unroll_point a, unroll_point b);

/* ------------------------------------------------------------ node cards */

/* A card, top to bottom: title (the layer name), class line, one line per
 * key option, the parameter count; ports sit on the left (inputs, then
 * initial states) and right (outputs) edges, one port_pitch apart below
 * the title. Sizes in canvas units; text sizes come from the caller (the
 * widget measures them with Pango; tests pass numbers). */
typedef struct unroll_card_style {
    double title_h;     /* title line height */
    double line_h;      /* height of the other lines */
    double pad;         /* inner margin */
    double min_w;       /* narrowest card */
    double port_r;      /* port radius */
    double port_pitch;  /* distance between neighbouring ports */
} unroll_card_style;

void unroll_card_style_default(unroll_card_style *s);

/* Width and height of a card whose widest text line is text_w wide, with
 * n_option_lines key-option lines and the given port counts:
 *   w = max(min_w, text_w + 2 pad)
 *   h = max(pad + title_h + (2 + n_option_lines) line_h + pad,
 *           title_h + pitch * max(n_in + n_states, n_out) + pad) */
void unroll_card_size(const unroll_card_style *s, double text_w, int n_option_lines, int n_in,
                      int n_states, int n_out, double *w, double *h);

/* --------------------------------------------------------------- canvas */

typedef enum unroll_port_kind {
    UNROLL_PORT_INPUT,   /* a main input (left edge) */
    UNROLL_PORT_STATE,   /* an initial_state tensor (left edge, below the inputs) */
    UNROLL_PORT_OUTPUT,  /* an output, return_state outputs included (right edge) */
} unroll_port_kind;

typedef struct unroll_canvas_node {
    char *name;         /* the layer's name (owned) */
    unroll_rect rect;   /* canvas coordinates */
    int n_inputs;       /* main input ports (connected ones, plus a free one on merge layers) */
    int n_states;       /* initial_state ports (what the layer takes, or what is wired) */
    int n_outputs;      /* output ports */
} unroll_canvas_node;

/* A wire: output src_port of node src into port dst_port (of kind
 * UNROLL_PORT_INPUT or UNROLL_PORT_STATE) of node dst. */
typedef struct unroll_canvas_wire {
    int src, src_port;
    int dst, dst_port;
    unroll_port_kind dst_kind;
} unroll_canvas_wire;

typedef struct unroll_canvas {
    unroll_card_style style;
    int n_nodes;
    unroll_canvas_node *nodes;   /* in the graph's layer order */
    int *z;                      /* drawing order: z[n_nodes - 1] is the topmost node */
    int n_wires;
    unroll_canvas_wire *wires;
} unroll_canvas;

/* Nodes and wires of g, cards sized with text_w[i] as layer i's widest text
 * (NULL: estimated from the name and class lengths) and n_option_lines[i]
 * (NULL: none). Positions are all (0, 0) until placed (see below). */
unroll_canvas *unroll_canvas_new(const ur_graph *g, const unroll_card_style *style,
                                 const double *text_w, const int *n_option_lines);
void unroll_canvas_free(unroll_canvas *c);
int unroll_canvas_find(const unroll_canvas *c, const char *name);
/* Places nodes that have a position under the document's "ui" key
 * ({"ui": {"nodes": {"lstm": {"x": 120, "y": 40}}}}); returns how many did
 * not (they keep their place). */
int unroll_canvas_apply_positions(unroll_canvas *c, const ur_graph *g);
/* Moves node i to the top of the drawing order. */
void unroll_canvas_raise(unroll_canvas *c, int i);

/* Centre of a port in canvas coordinates. Input ports come first on the left
 * edge, state ports after them:
 *   left k-th:  (x, y + title_h + pitch (k + 1/2)),  k = index (+ n_inputs for states)
 *   right k-th: (x + w, y + title_h + pitch (k + 1/2)) */
unroll_point unroll_canvas_port_pos(const unroll_canvas *c, int node, unroll_port_kind kind,
                                    int port);

/* ----------------------------------------------------------------- wires */

/* The Bézier control points of a wire from an output at a to an input at b:
 *   p0 = a, p1 = a + (d, 0), p2 = b - (d, 0), p3 = b,
 *   d = max(40, |b.x - a.x| / 2)   (horizontal tangents, as node editors draw)
 * and the point at t in [0, 1]:
 *   B(t) = (1-t)^3 p0 + 3 (1-t)^2 t p1 + 3 (1-t) t^2 p2 + t^3 p3 */
void unroll_wire_controls(unroll_point a, unroll_point b, unroll_point ctl[4]);
unroll_point unroll_bezier_point(const unroll_point ctl[4], double t);
/* The curve as n + 1 points at t = 0, 1/n, ..., 1 (out holds n + 1). */
void unroll_bezier_flatten(const unroll_point ctl[4], int n, unroll_point *out);
/* Shortest distance from p to the curve flattened into UNROLL_WIRE_SEGMENTS segments. */
#define UNROLL_WIRE_SEGMENTS 32
double unroll_bezier_distance(const unroll_point ctl[4], unroll_point p);
/* The control points of wire w of the canvas. */
void unroll_canvas_wire_controls(const unroll_canvas *c, int w, unroll_point ctl[4]);
/* Axis-aligned bounds of the curve (its control polygon's hull contains it). */
unroll_rect unroll_bezier_bounds(const unroll_point ctl[4]);

/* ------------------------------------------------------------------ view */

/* screen = canvas * zoom + (tx, ty);  canvas = (screen - (tx, ty)) / zoom */
typedef struct unroll_view {
    double tx, ty, zoom;
    double min_zoom, max_zoom;
} unroll_view;

#define UNROLL_ZOOM_MIN 0.1
#define UNROLL_ZOOM_MAX 4.0

void unroll_view_init(unroll_view *v); /* identity, zoom range [0.1, 4] */
unroll_point unroll_view_to_screen(const unroll_view *v, unroll_point canvas);
unroll_point unroll_view_to_canvas(const unroll_view *v, unroll_point screen);
unroll_rect unroll_view_rect_to_screen(const unroll_view *v, unroll_rect canvas);
/* Moves the content by (dx, dy) screen pixels. */
void unroll_view_pan(unroll_view *v, double dx, double dy);
/* Sets the zoom (clamped to the range) keeping the canvas point under the
 * screen point `about` where it is: t' = about - (about - t) zoom' / zoom. */
void unroll_view_zoom_at(unroll_view *v, double zoom, unroll_point about);
/* Zoom and translation that show every rectangle inside a viewport of
 * width x height screen pixels with `margin` pixels around, centred; the zoom
 * is clamped to the range (and to at most 1, so small graphs are not blown up).
 * No rectangles: the view is left as it is. */
void unroll_view_fit(unroll_view *v, const unroll_rect *rects, int n, double width,
                     double height, double margin);

/* ----------------------------------------------------------- hit-testing */

typedef enum unroll_hit_kind {
    UNROLL_HIT_NONE,
    UNROLL_HIT_NODE,
    UNROLL_HIT_PORT,
    UNROLL_HIT_WIRE,
} unroll_hit_kind;

typedef struct unroll_hit {
    unroll_hit_kind kind;
    int node;                  /* NODE, PORT */
    unroll_port_kind port_kind;/* PORT */
    int port;                  /* PORT: index among the ports of that kind */
    int wire;                  /* WIRE */
} unroll_hit;

/* What lies under a screen point: nodes from the topmost down, each its ports
 * (within port_r + tolerance) before its body; then the nearest wire within
 * `tolerance` (screen pixels, so the reach is the same at every zoom). */
unroll_hit unroll_canvas_hit_test(const unroll_canvas *c, const unroll_view *v,
                                  unroll_point screen, double tolerance);

/* Rubber band: the nodes whose card intersects the canvas rectangle r, in
 * layer order, into out (room for n_nodes); returns how many. */
int unroll_canvas_select_rect(const unroll_canvas *c, unroll_rect r, int *out);
/* Bounds of every card (n_nodes == 0: an empty rectangle at 0, 0). */
unroll_rect unroll_canvas_bounds(const unroll_canvas *c);

/* ----------------------------------------------------------- auto-arrange */

/* A layered layout, left to right: column = longest path from a source
 * along the wires (nodes on a cycle, which only broken graphs have, go after
 * their placed predecessors); within a column, nodes are ordered by
 * barycenter sweeps (down, up, down, up) to reduce crossings, then placed at
 * the mean height of their predecessors where room allows. Columns are
 * col_gap apart and cards in a column row_gap apart, so no two cards
 * overlap. */
void unroll_canvas_arrange(unroll_canvas *c, double col_gap, double row_gap);
/* Pairs of wires that cross, each wire taken as the straight segment from
 * its output port to its input port; wires sharing a node are not counted
 * (a measure of the layout's tidiness, for tests). */
int unroll_canvas_count_crossings(const unroll_canvas *c);

#endif
