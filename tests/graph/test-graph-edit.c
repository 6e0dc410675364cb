/* test-graph-edit.c — the graph editing calls the window's commands use:
 * insert (Keras-style unique names), remove (references dropped, chained
 * consumers left with a visible missing input), rename (references follow),
 * set and remove options (errors stay on the layer, the graph stays
 * editable), move, document keys, and the round trip to the model file. */
#include "check.h"
#include "gradcheck.h"

static ur_value *obj(const char *json)
{
    ur_ctx ctx = {0};
    ur_graph *tmp = gc_graph_from_json(gc_json("{'layers': [%s]}", json), &ctx);
    ur_value *v = ur_value_copy(ur_layer_spec(ur_graph_layer(tmp, 0)));
    ur_graph_free(tmp);
    return v;
}

int main(void)
{
    ur_ctx ctx = {0};
    ur_graph *g = gc_graph_from_json(gc_json(
        "{'name': 'm', 'layers': [{'name': 'x', 'class': 'Input', 'shape': [10, 16]},"
        "{'name': 'enc', 'class': 'LSTM', 'units': 8, 'return_state': true},"
        "{'name': 'dec', 'class': 'LSTM', 'units': 8, 'inputs': 'x',"
        " 'initial_state': ['enc:1', 'enc:2']},"
        "{'name': 'out', 'class': 'Dense', 'units': 2}], 'outputs': ['out']}"), &ctx);
    CHECK(g && ur_graph_check(g, &ctx) == UR_OK, "%s", ctx.message);

    /* insert: unique Keras names, written into the spec */
    ur_value *dense = obj("{'class': 'Dense', 'units': 3}");
    ur_layer *a = ur_graph_insert_layer(g, -1, dense, &ctx);
    ur_layer *b = ur_graph_insert_layer(g, -1, dense, &ctx);
    CHECK(a && b && strcmp(ur_layer_name(a), "dense") == 0 && strcmp(ur_layer_name(b), "dense_1") == 0,
          "names %s %s", a ? ur_layer_name(a) : "-", b ? ur_layer_name(b) : "-");
    CHECK(ur_value_get(ur_layer_spec(b), "name") != NULL, "the name is not in the spec");
    ur_value *named = obj("{'class': 'Dense', 'units': 3, 'name': 'out'}");
    CHECK(ur_graph_insert_layer(g, 1, named, &ctx) == NULL && strstr(ctx.message, "'out'"),
          "a clashing name was accepted");
    ur_value_free(named);
    ur_value_free(dense);

    /* rename: references follow, outputs too */
    CHECK(ur_graph_rename_layer(g, "enc", "encoder", &ctx) == UR_OK, "%s", ctx.message);
    const ur_value *st = ur_value_get(ur_layer_spec(ur_graph_find(g, "dec")), "initial_state");
    CHECK(st && st->u.arr.n == 2 && strcmp(st->u.arr.items[0]->u.str, "encoder:1") == 0,
          "initial_state not renamed");
    CHECK(ur_graph_rename_layer(g, "out", "logits", &ctx) == UR_OK, "%s", ctx.message);
    const ur_value *outs = ur_graph_doc_get(g, "outputs");
    CHECK(outs && strcmp(outs->u.arr.items[0]->u.str, "logits") == 0, "outputs not renamed");
    CHECK(ur_graph_rename_layer(g, "logits", "dec", &ctx) == UR_ERR_INVALID, "clash accepted");
    CHECK(ur_graph_rename_layer(g, "logits", "a:b", &ctx) == UR_ERR_INVALID, "':' accepted");

    /* options: counts follow; a bad value is the layer's error, editing goes on */
    int64_t before = ur_graph_count_params(g, true);
    ur_value *u = ur_value_new_number(16);
    CHECK(ur_graph_set_option(g, "dec", "units", u, &ctx) == UR_OK, "%s", ctx.message);
    ur_value_free(u);
    CHECK(ur_graph_count_params(g, true) != before, "units change did not change the counts");
    CHECK(ur_layer_error(ur_graph_find(g, "dec")) != NULL, "initial_state of 8 for units 16 accepted");
    u = ur_value_new_number(8);
    ur_graph_set_option(g, "dec", "units", u, &ctx);
    ur_value_free(u);
    CHECK(ur_graph_check(g, &ctx) == UR_OK, "after undoing: %s", ctx.message);
    ur_value *bad = ur_value_new_number(1.5);
    ur_graph_set_option(g, "dec", "dropout", bad, &ctx);
    ur_value_free(bad);
    CHECK(ur_graph_check(g, &ctx) != UR_OK && strstr(ctx.message, "dropout"), "dropout 1.5: %s",
          ctx.message);
    ur_graph_set_option(g, "dec", "dropout", NULL, &ctx);
    CHECK(ur_graph_check(g, &ctx) == UR_OK, "removing the option: %s", ctx.message);

    /* wiring through "inputs" */
    ur_value *in = ur_value_new_array();
    ur_value_append(in, ur_value_new_string("dec"));
    CHECK(ur_graph_set_option(g, "dense", "inputs", in, &ctx) == UR_OK, "%s", ctx.message);
    ur_value_free(in);
    CHECK(ur_layer_output_shape(ur_graph_find(g, "dense"), 0)->dim[1] == 3, "dense shape");

    /* remove: references go; the chained consumer shows its missing input */
    CHECK(ur_graph_remove_layer(g, "encoder", &ctx) == UR_OK, "%s", ctx.message);
    st = ur_value_get(ur_layer_spec(ur_graph_find(g, "dec")), "initial_state");
    CHECK(st && st->u.arr.n == 0, "references to a removed layer remain");
    CHECK(ur_graph_remove_layer(g, "dec", &ctx) == UR_OK, "%s", ctx.message);
    CHECK(ur_layer_error(ur_graph_find(g, "logits")) != NULL, "the chained consumer has no error");
    CHECK(ur_graph_remove_layer(g, "nope", &ctx) == UR_ERR_INVALID, "missing layer removed");

    /* move and document keys; the round trip keeps the edits */
    CHECK(ur_graph_move_layer(g, "dense_1", 1, &ctx) == UR_OK &&
              strcmp(ur_layer_name(ur_graph_layer(g, 1)), "dense_1") == 0, "move");
    ur_value *ui = ur_value_new_object();
    ur_value_set(ui, "zoom", ur_value_new_number(1.5));
    ur_graph_doc_set(g, "ui", ui);
    ur_graph_doc_set(g, "name", ur_value_new_string("edited"));
    CHECK(strcmp(ur_graph_name(g), "edited") == 0, "name");
    ur_value *doc = ur_graph_to_value(g);
    ur_graph *back = ur_graph_from_value(doc, &ctx);
    ur_value *doc2 = back ? ur_graph_to_value(back) : NULL;
    CHECK(doc2 && ur_value_equal(doc, doc2), "the edited graph does not round-trip");
    CHECK(ur_value_get(doc, "ui") != NULL, "the ui key was lost");
    ur_value_free(doc);
    ur_value_free(doc2);
    ur_graph_free(back);
    ur_graph_free(g);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("graph editing: all checks passed\n");
    return 0;
}
