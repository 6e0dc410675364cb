/* test-canvas-geometry.c — the node editor's geometry without a display:
 * card sizes and ports (initial states and return_state outputs included),
 * Bézier wires, hit-testing of ports, wires and nodes before and after zoom
 * and pan, screen <-> canvas round trips, fit-to-view, rubber band, and
 * auto-arrange without overlaps on the example models and a 300-node graph. */
#include "canvas-geometry.h"
#include "check.h"
#include "gradcheck.h"
#include "model-file.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static int overlaps(const unroll_canvas *c)
{
    int n = 0;
    for (int i = 0; i < c->n_nodes; i++)
        for (int j = 0; j < i; j++)
            if (unroll_rect_intersects(&c->nodes[i].rect, &c->nodes[j].rect))
                n++;
    return n;
}

/* Every wire goes left to right: its source column lies before its consumer's. */
static int backward_wires(const unroll_canvas *c)
{
    int n = 0;
    for (int w = 0; w < c->n_wires; w++)
        if (c->nodes[c->wires[w].src].rect.x >= c->nodes[c->wires[w].dst].rect.x)
            n++;
    return n;
}

static void test_transforms(void)
{
    unroll_view v;
    unroll_view_init(&v);
    unroll_view_pan(&v, 30, -12);
    unroll_view_zoom_at(&v, 2.5, (unroll_point){200, 100});
    /* the canvas point under the zoom centre stays there */
    unroll_point c = unroll_view_to_canvas(&v, (unroll_point){200, 100});
    CHECK(NEAR(c.x, 170) && NEAR(c.y, 112), "zoom centre moved: %g %g", c.x, c.y);
    for (int i = 0; i < 5; i++) {
        unroll_point p = {-300 + 137.5 * i, 44 - 91.25 * i};
        unroll_point q = unroll_view_to_screen(&v, unroll_view_to_canvas(&v, p));
        CHECK(NEAR(p.x, q.x) && NEAR(p.y, q.y), "round trip %g,%g -> %g,%g", p.x, p.y, q.x, q.y);
    }
    unroll_point s = unroll_view_to_screen(&v, (unroll_point){10, 20});
    CHECK(NEAR(s.x, 10 * 2.5 + v.tx) && NEAR(s.y, 20 * 2.5 + v.ty), "to_screen");
    unroll_view_zoom_at(&v, 100, (unroll_point){0, 0});
    CHECK(v.zoom == UNROLL_ZOOM_MAX, "zoom not clamped high: %g", v.zoom);
    unroll_view_zoom_at(&v, 0.0001, (unroll_point){0, 0});
    CHECK(v.zoom == UNROLL_ZOOM_MIN, "zoom not clamped low: %g", v.zoom);

    /* fit: every rectangle inside the viewport minus the margin, centred */
    unroll_rect rs[3] = {{-100, 0, 50, 40}, {300, 200, 80, 60}, {100, -50, 10, 10}};
    unroll_view_init(&v);
    unroll_view_fit(&v, rs, 3, 800, 600, 20);
    unroll_rect all = {-100, -50, 480, 310};
    unroll_rect sc = unroll_view_rect_to_screen(&v, all);
    CHECK(NEAR(v.zoom, fmin(760.0 / 480, 560.0 / 310) > 1 ? 1 : fmin(760.0 / 480, 560.0 / 310)),
          "fit zoom %g", v.zoom);
    CHECK(sc.x >= 20 - 1e-9 && sc.y >= 20 - 1e-9 && sc.x + sc.w <= 780 + 1e-9 &&
              sc.y + sc.h <= 580 + 1e-9,
          "fit leaves %g,%g %gx%g", sc.x, sc.y, sc.w, sc.h);
    CHECK(NEAR(sc.x + sc.w / 2, 400) && NEAR(sc.y + sc.h / 2, 300), "fit not centred");
    unroll_rect big = {0, 0, 4000, 1000};
    unroll_view_fit(&v, &big, 1, 800, 600, 20);
    CHECK(NEAR(v.zoom, 760.0 / 4000), "fit of a wide graph: zoom %g", v.zoom);
}

static void test_bezier(void)
{
    unroll_point ctl[4];
    unroll_wire_controls((unroll_point){0, 0}, (unroll_point){200, 100}, ctl);
    CHECK(NEAR(ctl[1].x, 100) && NEAR(ctl[1].y, 0) && NEAR(ctl[2].x, 100) && NEAR(ctl[2].y, 100),
          "control points (%g,%g) (%g,%g)", ctl[1].x, ctl[1].y, ctl[2].x, ctl[2].y);
    unroll_point m = unroll_bezier_point(ctl, 0.5);
    /* B(1/2) = (p0 + 3 p1 + 3 p2 + p3) / 8 */
    CHECK(NEAR(m.x, 100) && NEAR(m.y, 50), "midpoint %g %g", m.x, m.y);
    unroll_point q = unroll_bezier_point(ctl, 0.25);
    CHECK(NEAR(q.x, (27 * 0 + 27 * 100 + 9 * 100 + 200) / 64.0) &&
              NEAR(q.y, (9 * 100 + 100) / 64.0),
          "B(1/4) %g %g", q.x, q.y);
    CHECK(unroll_bezier_distance(ctl, m) < 1e-9, "the curve's own point is off the curve");
    /* B'(1/2) = 3/4 (p1 - p0) + 3/2 (p2 - p1) + 3/4 (p3 - p2) = (150, 150): 3 along the normal */
    unroll_point off = {m.x - 3 / sqrt(2), m.y + 3 / sqrt(2)};
    CHECK(fabs(unroll_bezier_distance(ctl, off) - 3) < 0.05, "distance along the normal: %g",
          unroll_bezier_distance(ctl, off));
    /* a short backward wire still bends out by 40 */
    unroll_wire_controls((unroll_point){100, 0}, (unroll_point){90, 0}, ctl);
    CHECK(NEAR(ctl[1].x, 140) && NEAR(ctl[2].x, 50), "minimum bend");
}

static void test_hits(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_read(gc_json("%s/examples/encoder-decoder.json",
                                             getenv("UNROLL_DATADIR")), &ctx);
    CHECK(g, "%s", ctx.message);
    if (!g)
        return;
    unroll_canvas *c = unroll_canvas_new(g, NULL, NULL, NULL);
    CHECK(c->n_nodes == 7 && c->n_wires == 7, "%d nodes %d wires", c->n_nodes, c->n_wires);
    int enc = unroll_canvas_find(c, "encoder"), dec = unroll_canvas_find(c, "decoder");
    CHECK(c->nodes[enc].n_outputs == 3, "return_state LSTM: %d outputs", c->nodes[enc].n_outputs);
    CHECK(c->nodes[dec].n_inputs == 1 && c->nodes[dec].n_states == 2, "decoder ports %d+%d",
          c->nodes[dec].n_inputs, c->nodes[dec].n_states);
    CHECK(c->nodes[unroll_canvas_find(c, "encoder_tokens")].n_inputs == 0, "Input has inputs");
    unroll_canvas_arrange(c, 80, 30);
    CHECK(overlaps(c) == 0 && backward_wires(c) == 0, "arrange: overlaps %d backward %d",
          overlaps(c), backward_wires(c));

    unroll_view v;
    unroll_view_init(&v);
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1)
            unroll_view_zoom_at(&v, 2.0, (unroll_point){123, 45});
        if (pass == 2) {
            unroll_view_pan(&v, -250, 77);
            unroll_view_zoom_at(&v, 0.5, (unroll_point){-40, 300});
        }
        /* the decoder's second state port: the state ports follow the input */
        unroll_point sp = unroll_canvas_port_pos(c, dec, UNROLL_PORT_STATE, 1);
        CHECK(NEAR(sp.x, c->nodes[dec].rect.x) &&
                  NEAR(sp.y, c->nodes[dec].rect.y + c->style.title_h + c->style.port_pitch * 2.5),
              "state port position");
        unroll_point s = unroll_view_to_screen(&v, sp);
        unroll_hit h = unroll_canvas_hit_test(c, &v, (unroll_point){s.x + 3, s.y - 2}, 4);
        CHECK(h.kind == UNROLL_HIT_PORT && h.node == dec && h.port_kind == UNROLL_PORT_STATE &&
                  h.port == 1,
              "pass %d: state port hit kind %d node %d port %d", pass, h.kind, h.node, h.port);
        /* the encoder's cell-state output (return_state output 2) */
        s = unroll_view_to_screen(&v, unroll_canvas_port_pos(c, enc, UNROLL_PORT_OUTPUT, 2));
        h = unroll_canvas_hit_test(c, &v, s, 4);
        CHECK(h.kind == UNROLL_HIT_PORT && h.node == enc && h.port_kind == UNROLL_PORT_OUTPUT &&
                  h.port == 2,
              "pass %d: output port hit", pass);
        /* a card's centre is the node */
        unroll_rect r = c->nodes[enc].rect;
        h = unroll_canvas_hit_test(c, &v,
                                   unroll_view_to_screen(&v, (unroll_point){r.x + r.w / 2,
                                                                           r.y + r.h - 3}),
                                   4);
        CHECK(h.kind == UNROLL_HIT_NODE && h.node == enc, "pass %d: node hit %d", pass, h.kind);
        /* the middle of the wire encoder:2 -> decoder state 1, 3 screen px off */
        int w = -1;
        for (int k = 0; k < c->n_wires; k++)
            if (c->wires[k].src == enc && c->wires[k].src_port == 2)
                w = k;
        CHECK(w >= 0 && c->wires[w].dst == dec && c->wires[w].dst_kind == UNROLL_PORT_STATE &&
                  c->wires[w].dst_port == 1,
              "wire encoder:2");
        unroll_point ctl[4];
        unroll_canvas_wire_controls(c, w, ctl);
        unroll_point mid = unroll_view_to_screen(&v, unroll_bezier_point(ctl, 0.5));
        h = unroll_canvas_hit_test(c, &v, (unroll_point){mid.x, mid.y + 3}, 5);
        CHECK(h.kind == UNROLL_HIT_WIRE && h.wire == w, "pass %d: wire hit kind %d wire %d/%d",
              pass, h.kind, h.wire, w);
        /* beyond the tolerance in screen pixels: nothing (unless another wire is near) */
        h = unroll_canvas_hit_test(c, &v, (unroll_point){mid.x, mid.y + 3}, 2);
        CHECK(h.kind != UNROLL_HIT_WIRE || h.wire != w, "pass %d: tolerance ignored", pass);
        /* far away */
        unroll_rect b = unroll_view_rect_to_screen(&v, unroll_canvas_bounds(c));
        h = unroll_canvas_hit_test(c, &v, (unroll_point){b.x - 100, b.y - 100}, 5);
        CHECK(h.kind == UNROLL_HIT_NONE, "pass %d: hit outside everything", pass);
    }

    /* topmost first: put the decoder's card over the encoder's */
    c->nodes[dec].rect.x = c->nodes[enc].rect.x + 10;
    c->nodes[dec].rect.y = c->nodes[enc].rect.y + 10;
    unroll_point inside = {c->nodes[enc].rect.x + 60, c->nodes[enc].rect.y + 30};
    unroll_view_init(&v);
    unroll_canvas_raise(c, enc);
    unroll_hit h = unroll_canvas_hit_test(c, &v, inside, 2);
    CHECK(h.kind == UNROLL_HIT_NODE && h.node == enc, "raised encoder not hit first");
    unroll_canvas_raise(c, dec);
    h = unroll_canvas_hit_test(c, &v, inside, 2);
    CHECK(h.kind == UNROLL_HIT_NODE && h.node == dec, "raised decoder not hit first");

    /* rubber band: corners in any order, intersecting cards count */
    unroll_canvas_arrange(c, 80, 30);
    unroll_rect er = c->nodes[enc].rect;
    int sel[16];
    int n = unroll_canvas_select_rect(
        c, unroll_rect_from_corners((unroll_point){er.x + er.w - 1, er.y + 5},
                                    (unroll_point){er.x + 5, er.y + er.h - 5}),
        sel);
    CHECK(n == 1 && sel[0] == enc, "band inside the encoder selects %d", n);
    n = unroll_canvas_select_rect(c, unroll_canvas_bounds(c), sel);
    CHECK(n == 7, "band over everything selects %d", n);
    n = unroll_canvas_select_rect(c, (unroll_rect){-1000, -1000, 10, 10}, sel);
    CHECK(n == 0, "empty band selects %d", n);
    unroll_canvas_free(c);
    ur_graph_free(g);
}

static void test_examples(void)
{
    static const char *const names[] = {"adding", "bidirectional", "encoder-decoder",
                                        "mnist-rows", "sentiment"};
    for (int i = 0; i < 5; i++) {
        ur_ctx ctx = {0};
        ur_graph *g = ur_model_file_read(
            gc_json("%s/examples/%s.json", getenv("UNROLL_DATADIR"), names[i]), &ctx);
        CHECK(g, "%s: %s", names[i], ctx.message);
        if (!g)
            continue;
        unroll_canvas *c = unroll_canvas_new(g, NULL, NULL, NULL);
        CHECK(unroll_canvas_apply_positions(c, g) == c->n_nodes, "%s has positions", names[i]);
        unroll_canvas_arrange(c, 60, 24);
        CHECK(overlaps(c) == 0, "%s: %d overlaps", names[i], overlaps(c));
        CHECK(backward_wires(c) == 0, "%s: %d backward wires", names[i], backward_wires(c));
        CHECK(unroll_canvas_count_crossings(c) == 0, "%s: %d crossings", names[i],
              unroll_canvas_count_crossings(c));
        unroll_canvas_free(c);
        ur_graph_free(g);
    }
}

/* Two chains fed in crossed order: a0 -> b1, a1 -> b0 in file order; the
 * barycenter sweep uncrosses them. */
static void test_crossings(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(gc_json(
        "{'layers': [{'name': 'x', 'class': 'Input', 'shape': [4]},"
        "{'name': 'a0', 'class': 'Dense', 'units': 2, 'inputs': ['x']},"
        "{'name': 'a1', 'class': 'Dense', 'units': 2, 'inputs': ['x']},"
        "{'name': 'b0', 'class': 'Dense', 'units': 2, 'inputs': ['a1']},"
        "{'name': 'b1', 'class': 'Dense', 'units': 2, 'inputs': ['a0']},"
        "{'name': 'c0', 'class': 'Dense', 'units': 2, 'inputs': ['b1']},"
        "{'name': 'c1', 'class': 'Dense', 'units': 2, 'inputs': ['b0']},"
        "{'name': 'sum', 'class': 'Add', 'inputs': ['c0', 'c1']}]}"), &ctx);
    CHECK(g, "%s", ctx.message);
    if (!g)
        return;
    unroll_canvas *c = unroll_canvas_new(g, NULL, NULL, NULL);
    CHECK(c->nodes[7].n_inputs == 3, "Add: two wired ports and a free one, got %d",
          c->nodes[7].n_inputs);
    /* the file order stacked in columns crosses */
    for (int i = 0; i < c->n_nodes; i++) {
        int col = i == 0 ? 0 : (i + 1) / 2;
        c->nodes[i].rect.x = col * 300;
        c->nodes[i].rect.y = i == 0 || i == 7 ? 0 : ((i + 1) % 2) * 200;
    }
    int before = unroll_canvas_count_crossings(c);
    CHECK(before > 0, "the crossed layout has no crossings");
    unroll_canvas_arrange(c, 60, 24);
    CHECK(unroll_canvas_count_crossings(c) == 0 && overlaps(c) == 0,
          "after arrange: %d crossings (before %d), %d overlaps",
          unroll_canvas_count_crossings(c), before, overlaps(c));
    unroll_canvas_free(c);
    ur_graph_free(g);
}

/* 300 layers: Dense layers taking a random earlier layer, some Adds of two,
 * some LSTMs with states; arrange must not overlap and keep wires forward. */
static void test_large(void)
{
    ur_rng rng;
    ur_rng_seed(&rng, 7);
    ur_value *doc = ur_value_new_object(), *layers = ur_value_new_array();
    char name[32], ref[40];
    for (int i = 0; i < 300; i++) {
        ur_value *l = ur_value_new_object();
        snprintf(name, sizeof name, "n%d", i);
        ur_value_set(l, "name", ur_value_new_string(name));
        ur_value *in = ur_value_new_array();
        if (i == 0 || i % 97 == 0) {
            ur_value_set(l, "class", ur_value_new_string("Input"));
            ur_value *shape = ur_value_new_array();
            ur_value_append(shape, ur_value_new_number(8));
            ur_value_set(l, "shape", shape);
            ur_value_free(in);
            ur_value_append(layers, l);
            continue;
        }
        int k = i % 7 == 0 ? 2 : 1;
        ur_value_set(l, "class", ur_value_new_string(k == 2 ? "Add" : "Dense"));
        if (k == 1)
            ur_value_set(l, "units", ur_value_new_number(8));
        for (int j = 0; j < k; j++) {
            int src = i - 1 - (int)ur_rng_below(&rng, (uint64_t)(i < 12 ? i : 12));
            snprintf(ref, sizeof ref, "n%d", src);
            ur_value_append(in, ur_value_new_string(ref));
        }
        ur_value_set(l, "inputs", in);
        ur_value_append(layers, l);
    }
    ur_value_set(doc, "layers", layers);
    ur_ctx ctx = {0};
    ur_graph *g = ur_graph_from_value(doc, &ctx);
    ur_value_free(doc);
    CHECK(g && ur_graph_n_layers(g) == 300, "%s", ctx.message);
    if (!g)
        return;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unroll_canvas *c = unroll_canvas_new(g, NULL, NULL, NULL);
    unroll_canvas_arrange(c, 60, 24);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("300-node graph: canvas and auto-arrange in %.2f ms (%d wires)\n",
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, c->n_wires);
    CHECK(overlaps(c) == 0, "300 nodes: %d overlaps", overlaps(c));
    CHECK(backward_wires(c) == 0, "300 nodes: %d backward wires", backward_wires(c));
    /* hit-testing every card's centre finds that card */
    unroll_view v;
    unroll_view_init(&v);
    unroll_rect r = unroll_canvas_bounds(c);
    unroll_view_fit(&v, &r, 1, 1920, 1080, 24);
    int missed = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < c->n_nodes; i++) {
        unroll_rect q = c->nodes[i].rect;
        unroll_hit h = unroll_canvas_hit_test(
            c, &v, unroll_view_to_screen(&v, (unroll_point){q.x + q.w / 2, q.y + q.h / 2}), 0);
        missed += h.kind != UNROLL_HIT_NODE || h.node != i;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("300 hit tests in %.2f ms\n", (t1.tv_sec - t0.tv_sec) * 1e3 +
                                             (t1.tv_nsec - t0.tv_nsec) / 1e6);
    CHECK(missed == 0, "%d card centres not hit", missed);
    unroll_canvas_free(c);
    ur_graph_free(g);
}

int main(void)
{
    if (!getenv("UNROLL_DATADIR")) {
        printf("UNROLL_DATADIR is not set (meson test sets it)\n");
        return 77;
    }
    test_transforms();
    test_bezier();
    test_hits();
    test_examples();
    test_crossings();
    test_large();
    return failures ? 1 : 0;
}
