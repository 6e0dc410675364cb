/* test-commands.c — undo/redo of the canvas's commands: after every undo
 * and redo the graph's document (ur_graph_to_value) equals exactly the one
 * recorded at that point (ur_value_equal); groups are one step; a new
 * command clears redo; the clean marker; the "ui" key survives the model
 * file (ur_model_file_parse / ur_graph_to_value). */
#include "check.h"
#include "commands.h"
#include "gradcheck.h"
#include "json.h"
#include "model-file.h"

#include <stdlib.h>

#define MAX_STEPS 64

static ur_value *history[MAX_STEPS];
static int n_history;

static void record(const ur_graph *g)
{
    history[n_history++] = ur_graph_to_value(g);
}

static bool same(const ur_graph *g, int step)
{
    ur_value *now = ur_graph_to_value(g);
    bool eq = ur_value_equal(now, history[step]);
    if (!eq) {
        char *a = ur_json_write(history[step], 0), *b = ur_json_write(now, 0);
        printf("expected %s\n     got %s\n", a, b);
        free(a);
        free(b);
    }
    ur_value_free(now);
    return eq;
}

static ur_value *json(const char *text)
{
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(text, strlen(text), "test", &ctx);
    if (!v)
        printf("bad test JSON: %s\n", ctx.message);
    return v;
}

static const char *refs(const ur_graph *g, const char *layer, const char *key)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    const ur_value *v = ur_value_get(ur_layer_spec(ur_graph_find(g, layer)), key);
    if (!v || v->type != UR_VALUE_ARRAY) {
        snprintf(b, 512, "%s", v ? "(not an array)" : "(none)");
        return b;
    }
    /* ["a","b:1"] */
    size_t at = (size_t)snprintf(b, 512, "[");
    for (size_t i = 0; i < v->u.arr.n && at < 500; i++)
        at += (size_t)snprintf(b + at, 512 - at, "%s\"%s\"", i ? "," : "",
                               v->u.arr.items[i]->type == UR_VALUE_STRING ? v->u.arr.items[i]->u.str
                                                                          : "?");
    snprintf(b + at, 512 - at, "]");
    return b;
}

int main(void)
{
    const char *text = gc_json(
        "{'format': 'unroll.model', 'version': 1, 'name': 'ed', 'layers': ["
        "{'name': 'enc_in', 'class': 'Input', 'shape': [null], 'dtype': 'int32'},"
        "{'name': 'dec_in', 'class': 'Input', 'shape': [null], 'dtype': 'int32'},"
        "{'name': 'enc_emb', 'class': 'Embedding', 'input_dim': 100, 'output_dim': 8,"
        " 'inputs': ['enc_in']},"
        "{'name': 'encoder', 'class': 'LSTM', 'units': 16, 'return_state': true},"
        "{'name': 'dec_emb', 'class': 'Embedding', 'input_dim': 100, 'output_dim': 8,"
        " 'inputs': 'dec_in'},"
        "{'name': 'decoder', 'class': 'LSTM', 'units': 16, 'return_sequences': true,"
        " 'initial_state': ['encoder:1', 'encoder:2']},"
        "{'name': 'probs', 'class': 'Dense', 'units': 100, 'activation': 'softmax'}],"
        " 'outputs': ['probs'],"
        " 'ui': {'nodes': {'enc_in': {'x': 0, 'y': 0}, 'encoder': {'x': 400, 'y': 10}},"
        "        'view': {'x': 0, 'y': 0, 'zoom': 1}}}");
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_parse(text, strlen(text), "ed.json", &ctx);
    CHECK(g && ur_graph_check(g, &ctx) == UR_OK, "%s", ctx.message);
    if (!g)
        return 1;

    /* the "ui" key round trip through the model file */
    ur_value *doc = json(text);
    ur_value *back = ur_graph_to_value(g);
    CHECK(ur_value_equal(doc, back), "the document does not come back whole");
    char *written = ur_json_write(back, 2);
    ur_graph *g2 = ur_model_file_parse(written, strlen(written), "written.json", &ctx);
    ur_value *again = g2 ? ur_graph_to_value(g2) : NULL;
    CHECK(again && ur_value_equal(again, doc), "the written document does not parse back equal");
    CHECK(again && ur_value_get(ur_value_get(ur_value_get(again, "ui"), "view"), "zoom"),
          "ui.view lost");
    free(written);
    ur_value_free(again);
    ur_value_free(back);
    ur_value_free(doc);
    ur_graph_free(g2);

    unroll_command_stack *s = unroll_command_stack_new(g);
    CHECK(unroll_command_stack_is_clean(s) && !unroll_command_stack_can_undo(s), "fresh stack");
    record(g); /* 0 */

    /* 1: add a layer in the middle of the decoder chain, placed */
    char name[64];
    ur_value *spec = json("{\"class\": \"Dropout\", \"rate\": 0.25}");
    CHECK(unroll_cmd_add_layer(s, spec, 6, true, 500, 80, name, sizeof name, &ctx) == UR_OK,
          "%s", ctx.message);
    ur_value_free(spec);
    CHECK(strcmp(name, "dropout") == 0, "name %s", name);
    CHECK(ur_graph_find(g, "dropout") && ur_graph_check(g, &ctx) == UR_OK, "after add: %s",
          ctx.message);
    CHECK(strcmp(unroll_command_stack_undo_label(s), "Add Dropout") == 0, "label %s",
          unroll_command_stack_undo_label(s));
    record(g);

    /* 2: set an option, 3: remove an option */
    ur_value *u = ur_value_new_number(32);
    CHECK(unroll_cmd_set_option(s, "encoder", "units", u, &ctx) == UR_OK, "%s", ctx.message);
    ur_value_free(u);
    CHECK(ur_layer_error(ur_graph_find(g, "decoder")) != NULL,
          "decoder's 16 units with 32-unit states accepted");
    record(g);
    CHECK(unroll_cmd_set_option(s, "probs", "activation", NULL, &ctx) == UR_OK, "%s", ctx.message);
    record(g);

    /* 4: connect into the chain-wired decoder: its implicit input is written out first */
    CHECK(unroll_cmd_connect(s, "enc_emb", 0, "decoder", false, -1, &ctx) == UR_OK, "%s",
          ctx.message);
    CHECK(strcmp(refs(g, "decoder", "inputs"), "[\"dec_emb\",\"enc_emb\"]") == 0, "inputs %s",
          refs(g, "decoder", "inputs"));
    record(g);
    /* 5: disconnect the first state, 6: replace input 0 */
    CHECK(unroll_cmd_disconnect(s, "decoder", true, 0, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(strcmp(refs(g, "decoder", "initial_state"), "[\"encoder:2\"]") == 0, "states %s",
          refs(g, "decoder", "initial_state"));
    record(g);
    CHECK(unroll_cmd_connect(s, "encoder", 1, "decoder", false, 0, &ctx) == UR_OK, "%s",
          ctx.message);
    CHECK(strcmp(refs(g, "decoder", "inputs"), "[\"encoder:1\",\"enc_emb\"]") == 0, "inputs %s",
          refs(g, "decoder", "inputs"));
    record(g);
    CHECK(unroll_cmd_disconnect(s, "decoder", true, 5, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "has no initial state 5"),
          "out-of-range disconnect: %s", ctx.message);
    CHECK(unroll_cmd_connect(s, "decoder", 0, "dec_in", false, -1, &ctx) == UR_ERR_INVALID,
          "wiring into an Input accepted");
    CHECK(same(g, 6), "a refused command changed the graph");

    /* 8: rename (references, outputs and the node position follow) */
    CHECK(unroll_cmd_rename(s, "encoder", "enc", &ctx) == UR_OK, "%s", ctx.message);
    CHECK(strcmp(refs(g, "decoder", "initial_state"), "[\"enc:2\"]") == 0, "renamed refs %s",
          refs(g, "decoder", "initial_state"));
    CHECK(ur_value_get(ur_value_get(ur_graph_doc_get(g, "ui"), "nodes"), "enc"),
          "the position did not follow the rename");
    record(g);

    /* 9: move two nodes */
    const char *mv[] = {"enc", "probs"};
    double xs[] = {420, 900}, ys[] = {12, 40};
    CHECK(unroll_cmd_move_nodes(s, mv, xs, ys, 2, &ctx) == UR_OK, "%s", ctx.message);
    record(g);

    /* 10: remove two layers in one step: the encoder (referenced by the
     * decoder's inputs and states) and the chain head enc_emb */
    const char *rm[] = {"enc", "enc_emb"};
    CHECK(unroll_cmd_remove_layers(s, rm, 2, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(!ur_graph_find(g, "enc") && !ur_graph_find(g, "enc_emb"), "not removed");
    CHECK(strcmp(unroll_command_stack_undo_label(s), "Delete 2 Layers") == 0, "label %s",
          unroll_command_stack_undo_label(s));
    record(g);

    /* 11: remove the output layer: "outputs" loses it */
    const char *rm2[] = {"probs"};
    CHECK(unroll_cmd_remove_layers(s, rm2, 1, &ctx) == UR_OK, "%s", ctx.message);
    record(g);

    /* every step back, then every step forward, then back to the start */
    int top = n_history - 1;
    for (int k = top - 1; k >= 0; k--) {
        CHECK(unroll_command_stack_undo(s, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(same(g, k), "undo to step %d", k);
    }
    CHECK(!unroll_command_stack_can_undo(s) && unroll_command_stack_is_clean(s), "at the start");
    CHECK(unroll_command_stack_undo(s, &ctx) == UR_ERR_INVALID, "undo past the start");
    for (int k = 1; k <= top; k++) {
        CHECK(unroll_command_stack_redo(s, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(same(g, k), "redo to step %d", k);
    }
    CHECK(!unroll_command_stack_can_redo(s) && !unroll_command_stack_is_clean(s), "at the end");

    /* clean marker: saved at step top - 2 */
    for (int k = 0; k < 2; k++)
        unroll_command_stack_undo(s, &ctx);
    unroll_command_stack_mark_clean(s);
    CHECK(unroll_command_stack_is_clean(s), "just saved");
    unroll_command_stack_redo(s, &ctx);
    CHECK(!unroll_command_stack_is_clean(s), "redo after save is clean");
    unroll_command_stack_undo(s, &ctx);
    CHECK(unroll_command_stack_is_clean(s), "back at the save point is not clean");
    /* a new command from before the save point makes it unreachable */
    unroll_command_stack_undo(s, &ctx);
    CHECK(same(g, top - 3), "undo to step %d", top - 3);
    u = ur_value_new_number(0.5);
    CHECK(unroll_cmd_set_option(s, "dropout", "rate", u, &ctx) == UR_OK, "%s", ctx.message);
    ur_value_free(u);
    CHECK(!unroll_command_stack_can_redo(s), "a new command kept the redo stack");
    CHECK(!unroll_command_stack_is_clean(s), "the lost save point counts as clean");
    unroll_command_stack_undo(s, &ctx);
    CHECK(same(g, top - 3) && !unroll_command_stack_is_clean(s), "undo of the new command");

    /* copy and paste: fresh names, internal wires renamed, external dropped */
    while (unroll_command_stack_can_undo(s))
        unroll_command_stack_undo(s, &ctx);
    CHECK(same(g, 0), "all the way back");
    const char *cp[] = {"encoder", "decoder", "dec_emb"};
    ur_value *clip = unroll_clipboard_copy(g, cp, 3);
    char **pasted = NULL;
    int n_pasted = 0;
    CHECK(unroll_cmd_paste(s, clip, 30, 30, false, &pasted, &n_pasted, &ctx) == UR_OK, "%s",
          ctx.message);
    CHECK(n_pasted == 3 && strcmp(pasted[0], "encoder_1") == 0 &&
              strcmp(pasted[1], "dec_emb_1") == 0 && strcmp(pasted[2], "decoder_1") == 0,
          "pasted names %s %s %s", n_pasted > 2 ? pasted[0] : "-", n_pasted > 2 ? pasted[1] : "-",
          n_pasted > 2 ? pasted[2] : "-");
    CHECK(strcmp(refs(g, "decoder_1", "initial_state"), "[\"encoder_1:1\",\"encoder_1:2\"]") == 0,
          "pasted states %s", refs(g, "decoder_1", "initial_state"));
    CHECK(strcmp(refs(g, "decoder_1", "inputs"), "[\"dec_emb_1\"]") == 0, "pasted inputs %s",
          refs(g, "decoder_1", "inputs"));
    CHECK(strcmp(refs(g, "encoder_1", "inputs"), "[]") == 0 &&
              strcmp(refs(g, "dec_emb_1", "inputs"), "[]") == 0,
          "external wires kept: %s %s", refs(g, "encoder_1", "inputs"),
          refs(g, "dec_emb_1", "inputs"));
    const ur_value *pos = ur_value_get(ur_value_get(ur_graph_doc_get(g, "ui"), "nodes"),
                                       "encoder_1");
    CHECK(pos && ur_value_get(pos, "x")->u.num == 430 && ur_value_get(pos, "y")->u.num == 40,
          "pasted position");
    for (int i = 0; i < n_pasted; i++)
        free(pasted[i]);
    free(pasted);
    CHECK(unroll_command_stack_undo(s, &ctx) == UR_OK && same(g, 0), "paste is one step");
    /* duplicate keeps the outside wires */
    CHECK(unroll_cmd_paste(s, clip, 0, 0, true, NULL, NULL, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(strcmp(refs(g, "encoder_1", "inputs"), "[\"enc_emb\"]") == 0, "duplicate inputs %s",
          refs(g, "encoder_1", "inputs"));
    CHECK(ur_graph_check(g, &ctx) == UR_OK, "the duplicate is broken: %s", ctx.message);
    ur_value *dup_doc = ur_graph_to_value(g);
    unroll_command_stack_undo(s, &ctx);
    CHECK(same(g, 0), "undo duplicate");
    unroll_command_stack_redo(s, &ctx);
    ur_value *redone = ur_graph_to_value(g);
    CHECK(ur_value_equal(dup_doc, redone), "redo of the duplicate differs");
    ur_value_free(redone);
    ur_value_free(dup_doc);
    unroll_command_stack_undo(s, &ctx);
    ur_value_free(clip);

    /* an explicit group; a failing command inside records nothing */
    unroll_command_stack_begin_group(s, "Tidy");
    u = ur_value_new_number(8);
    unroll_cmd_set_option(s, "decoder", "units", u, &ctx);
    unroll_cmd_set_option(s, "encoder", "units", u, &ctx);
    ur_value_free(u);
    CHECK(unroll_cmd_rename(s, "decoder", "encoder", &ctx) == UR_ERR_INVALID, "clash accepted");
    CHECK(unroll_command_stack_undo(s, &ctx) == UR_ERR_INVALID, "undo inside an open group");
    unroll_command_stack_end_group(s);
    CHECK(strcmp(unroll_command_stack_undo_label(s), "Tidy") == 0, "group label");
    CHECK(ur_graph_check(g, &ctx) == UR_OK, "8 and 8 units: %s", ctx.message);
    unroll_command_stack_undo(s, &ctx);
    CHECK(same(g, 0) && !unroll_command_stack_can_undo(s), "the group is one step");
    unroll_command_stack_begin_group(s, "Nothing");
    unroll_command_stack_end_group(s);
    CHECK(!unroll_command_stack_can_undo(s), "an empty group left a step");

    /* a failed multi-delete changes nothing */
    const char *bad[] = {"decoder", "nope"};
    CHECK(unroll_cmd_remove_layers(s, bad, 2, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "'nope'"),
          "%s", ctx.message);
    CHECK(same(g, 0) && !unroll_command_stack_can_undo(s), "failed delete left traces");

    /* removing a layer with no "ui" key at all, then undo: no "ui" appears */
    ur_graph *plain = gc_graph_from_json(gc_json(
        "{'layers': [{'name': 'x', 'class': 'Input', 'shape': [3, 2]},"
        "{'name': 'r', 'class': 'GRU', 'units': 4}, {'name': 'd', 'class': 'Dense', 'units': 1}]}"),
        &ctx);
    unroll_command_stack *s2 = unroll_command_stack_new(plain);
    ur_value *p0 = ur_graph_to_value(plain);
    const char *rr[] = {"r"};
    CHECK(unroll_cmd_remove_layers(s2, rr, 1, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(strcmp(refs(plain, "d", "inputs"), "[]") == 0, "chained consumer: %s",
          refs(plain, "d", "inputs"));
    unroll_command_stack_undo(s2, &ctx);
    ur_value *p1 = ur_graph_to_value(plain);
    CHECK(ur_value_equal(p0, p1), "remove + undo on a chain without ui differs");
    ur_value *sp = json("{\"class\": \"Dense\", \"units\": 2}");
    unroll_cmd_add_layer(s2, sp, 1, false, 0, 0, NULL, 0, &ctx);
    unroll_command_stack_undo(s2, &ctx);
    ur_value_free(p1);
    p1 = ur_graph_to_value(plain);
    CHECK(ur_value_equal(p0, p1), "add into a chain + undo differs");
    ur_value_free(sp);
    ur_value_free(p0);
    ur_value_free(p1);
    unroll_command_stack_free(s2);
    ur_graph_free(plain);

    unroll_command_stack_free(s);
    ur_graph_free(g);
    for (int i = 0; i < n_history; i++)
        ur_value_free(history[i]);
    return failures ? 1 : 0;
}
