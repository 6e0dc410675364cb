/* test-document.c — the window's document without a display: adding from the
 * catalog, inserting after a layer (wired, outputs and positions following),
 * signals and properties, selection upkeep, copy/paste, the model's name,
 * undo back to the exact file, and saving and reopening with "ui" kept. */
#include "document.h"
#include "json.h"
#include "model-file.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static char *datadir_path(const char *rel)
{
    const char *d = g_getenv("UNROLL_DATADIR");
    return g_build_filename(d ? d : "data", rel, NULL);
}

/* The document as JSON text (for exact comparisons). */
static char *doc_text(UnrollDocument *doc)
{
    ur_value *v = ur_graph_to_value(unroll_document_get_graph(doc));
    char *t = ur_json_write(v, -1);
    ur_value_free(v);
    return t;
}

static const char *input_ref(UnrollDocument *doc, const char *layer, int k)
{
    const ur_graph *g = unroll_document_get_graph(doc);
    const ur_layer *l = ur_graph_find(g, layer), *src;
    int index;
    bool is_state;
    if (!l || k >= ur_layer_n_inbound(l))
        return NULL;
    ur_layer_inbound(g, l, k, &src, &index, &is_state);
    return ur_layer_name(src);
}

static void count_signal(GObject *obj, gpointer counter) { (*(int *)counter)++; }
static void count_notify(GObject *obj, GParamSpec *p, gpointer counter) { (*(int *)counter)++; }

static void test_insert_after(void)
{
    g_autofree char *path = datadir_path("examples/mnist-rows.json");
    g_autoptr(GFile) file = g_file_new_for_path(path);
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_file(file, &error);
    CHECK(doc && !error);
    if (!doc)
        return;
    char *before = doc_text(doc);
    const ur_graph *g = unroll_document_get_graph(doc);
    int n0 = ur_graph_n_layers(g);
    int changed = 0, modified = 0, selection = 0;
    g_signal_connect(doc, "changed", G_CALLBACK(count_signal), &changed);
    g_signal_connect(doc, "selection-changed", G_CALLBACK(count_signal), &selection);
    g_signal_connect(doc, "notify::modified", G_CALLBACK(count_notify), &modified);
    CHECK(!unroll_document_get_modified(doc));

    /* the first layer after the Input: pixels -> dropout -> lstm ... */
    const char *first = ur_layer_name(ur_graph_layer(g, 0));
    const char *second = ur_layer_name(ur_graph_layer(g, 1));
    g_autofree char *second_name = g_strdup(second);
    g_autofree char *first_name = g_strdup(first);
    char *name = unroll_document_insert_after(doc, "Dropout", first_name, &error);
    CHECK(name && !error);
    CHECK(ur_graph_n_layers(g) == n0 + 1);
    CHECK(g_strcmp0(input_ref(doc, name, 0), first_name) == 0);
    CHECK(g_strcmp0(input_ref(doc, second_name, 0), name) == 0);
    CHECK(ur_graph_check(g, NULL) == UR_OK);
    CHECK(changed >= 1 && modified == 1 && selection == 1);
    CHECK(unroll_document_get_modified(doc) && unroll_document_can_undo(doc));
    int n_sel;
    const char *const *sel = unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 1 && strcmp(sel[0], name) == 0 && sel[1] == NULL);
    /* the new Dropout has the catalog's required rate */
    const ur_value *rate = ur_value_get(ur_layer_spec(ur_graph_find(g, name)), "rate");
    CHECK(rate && rate->type == UR_VALUE_NUMBER && rate->u.num == 0.5);

    /* one undo step takes it all back, exactly */
    CHECK(unroll_document_undo(doc, &error));
    char *after_undo = doc_text(doc);
    CHECK(strcmp(before, after_undo) == 0);
    CHECK(!unroll_document_get_modified(doc));
    unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 0); /* the selected layer is gone */
    CHECK(unroll_document_redo(doc, &error));
    CHECK(ur_graph_find(g, name) != NULL);
    free(after_undo);
    g_free(name);

    /* a bad class fails without a change */
    int changed_before = changed;
    CHECK(!unroll_document_insert_after(doc, "NoSuchLayer", NULL, &error));
    CHECK(error && strstr(error->message, "NoSuchLayer"));
    g_clear_error(&error);
    CHECK(changed == changed_before);
    free(before);
    g_object_unref(doc);
}

static void test_outputs_and_positions(void)
{
    /* a functional model with explicit outputs and positions */
    const char *text =
        "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"m\", \"layers\": ["
        "{\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 4]},"
        "{\"name\": \"rnn\", \"class\": \"GRU\", \"units\": 8, \"inputs\": [\"x\"]},"
        "{\"name\": \"head\", \"class\": \"Dense\", \"units\": 2, \"inputs\": [\"rnn\"]}],"
        "\"outputs\": [\"head\"],"
        "\"ui\": {\"nodes\": {\"x\": {\"x\": 0, \"y\": 0}, \"rnn\": {\"x\": 280, \"y\": 0},"
        "\"head\": {\"x\": 560, \"y\": 0}}}}";
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(text, strlen(text), "t", &ctx);
    GError *error = NULL;
    UnrollDocument *doc = unroll_document_new_from_value(v, &error);
    ur_value_free(v);
    CHECK(doc != NULL);
    if (!doc)
        return;
    const ur_graph *g = unroll_document_get_graph(doc);

    /* insert after the model's output: the outputs follow */
    char *bn = unroll_document_insert_after(doc, "BatchNormalization", "head", &error);
    CHECK(bn != NULL);
    const ur_value *outs = ur_graph_doc_get(g, "outputs");
    CHECK(outs && outs->type == UR_VALUE_ARRAY && outs->u.arr.n == 1 &&
          strcmp(outs->u.arr.items[0]->u.str, bn) == 0);
    double x, y;
    CHECK(unroll_document_get_position(doc, bn, &x, &y) && x == 840 && y == 0);

    /* insert between rnn and head: head (explicit inputs) is rewired and
     * shifted right, with what follows it */
    char *drop = unroll_document_insert_after(doc, "Dropout", "rnn", &error);
    CHECK(drop != NULL);
    CHECK(g_strcmp0(input_ref(doc, "head", 0), drop) == 0);
    CHECK(g_strcmp0(input_ref(doc, drop, 0), "rnn") == 0);
    CHECK(unroll_document_get_position(doc, drop, &x, &y) && x == 560);
    CHECK(unroll_document_get_position(doc, "head", &x, &y) && x == 840);
    CHECK(unroll_document_get_position(doc, bn, &x, &y) && x == 1120);
    CHECK(unroll_document_get_position(doc, "x", &x, &y) && x == 0);
    CHECK(ur_graph_check(g, NULL) == UR_OK);
    CHECK(g_strcmp0(unroll_document_get_commands(doc) ? unroll_command_stack_undo_label(
                        unroll_document_get_commands(doc)) : NULL, "Add Dropout") == 0);

    /* an Input goes first and unwired */
    char *in2 = unroll_document_insert_after(doc, "Input", "rnn", &error);
    CHECK(in2 && ur_graph_layer(g, 0) == ur_graph_find(g, in2));
    CHECK(ur_graph_n_inputs(g) == 2);

    /* rename keeps the selection and rewires */
    const char *one[] = {"rnn"};
    unroll_document_select(doc, one, 1);
    CHECK(unroll_document_rename(doc, "rnn", "encoder", &error));
    CHECK(unroll_document_is_selected(doc, "encoder") && !unroll_document_is_selected(doc, "rnn"));
    CHECK(g_strcmp0(input_ref(doc, drop, 0), "encoder") == 0);
    CHECK(!unroll_document_rename(doc, "encoder", "head", &error));
    CHECK(error != NULL);
    g_clear_error(&error);

    /* options: a bad value keeps the layer (with its error), undo clears it */
    ur_value *neg = ur_value_new_number(-3);
    CHECK(unroll_document_set_option(doc, "encoder", "units", neg, &error));
    CHECK(ur_layer_error(ur_graph_find(g, "encoder")) != NULL);
    const char *bad_layer, *bad_msg;
    CHECK(unroll_document_count_errors(doc, &bad_layer, &bad_msg) >= 1 &&
          strcmp(bad_layer, "encoder") == 0 && strstr(bad_msg, "units"));
    ur_value_free(neg);
    CHECK(unroll_document_undo(doc, &error));
    CHECK(unroll_document_count_errors(doc, NULL, NULL) == 0);

    /* the model's name, undoable, with notify::title */
    int titles = 0;
    g_signal_connect(doc, "notify::title", G_CALLBACK(count_notify), &titles);
    CHECK(unroll_document_set_name(doc, "forecaster", &error));
    CHECK(strcmp(unroll_document_get_title(doc), "forecaster") == 0 && titles == 1);
    CHECK(!unroll_document_set_name(doc, "", &error));
    g_clear_error(&error);
    CHECK(unroll_document_undo(doc, &error));
    CHECK(strcmp(unroll_document_get_title(doc), "m") == 0 && titles == 2);

    /* copy and paste: fresh names, wired among themselves, selected */
    const char *two[] = {"encoder", drop};
    unroll_document_select(doc, two, 2);
    char *clip = unroll_document_copy_selection(doc);
    CHECK(clip != NULL);
    int n_before = ur_graph_n_layers(g);
    CHECK(unroll_document_paste(doc, clip, 40, 40, FALSE, &error));
    CHECK(ur_graph_n_layers(g) == n_before + 2);
    int n_sel;
    const char *const *sel = unroll_document_get_selection(doc, &n_sel);
    CHECK(n_sel == 2 && strcmp(sel[0], "encoder") != 0);
    if (n_sel == 2)
        CHECK(g_strcmp0(input_ref(doc, sel[1], 0), sel[0]) == 0);
    CHECK(!unroll_document_paste(doc, "{not json", 0, 0, FALSE, &error));
    CHECK(error && strstr(error->message, "clipboard"));
    g_clear_error(&error);
    g_free(clip);

    /* save, reopen: the same document, positions included, unmodified */
    g_autofree char *dir = g_dir_make_tmp("unroll-doc-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "m.json", NULL);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    CHECK(unroll_document_save(doc, file, &error));
    CHECK(!unroll_document_get_modified(doc) && unroll_document_get_file(doc));
    UnrollDocument *again = unroll_document_new_from_file(file, &error);
    CHECK(again != NULL);
    if (again) {
        char *a = doc_text(doc), *b = doc_text(again);
        CHECK(strcmp(a, b) == 0);
        CHECK(unroll_document_get_position(again, "head", &x, &y) && x == 840);
        free(a);
        free(b);
        g_object_unref(again);
    }
    /* edits after a save make it modified; undoing them, clean again */
    CHECK(unroll_document_remove_layers(doc, (const char *const[]){"head"}, 1, &error));
    CHECK(unroll_document_get_modified(doc));
    CHECK(unroll_document_undo(doc, &error));
    CHECK(!unroll_document_get_modified(doc));
    g_unlink(path);
    g_rmdir(dir);

    /* a file that is not a model fails with where */
    g_autofree char *bad = g_build_filename(dir, "bad.json", NULL);
    g_mkdir(dir, 0700);
    g_file_set_contents(bad, "{\"layers\": [1,\n}", -1, NULL);
    g_autoptr(GFile) badf = g_file_new_for_path(bad);
    CHECK(unroll_document_new_from_file(badf, &error) == NULL);
    CHECK(error && strstr(error->message, "bad.json:2:1"));
    g_clear_error(&error);
    g_unlink(bad);
    g_rmdir(dir);

    g_free(bn);
    g_free(drop);
    g_free(in2);
    g_object_unref(doc);
}

static void test_empty(void)
{
    UnrollDocument *doc = unroll_document_new();
    GError *error = NULL;
    CHECK(strcmp(unroll_document_get_title(doc), "model") == 0);
    CHECK(unroll_document_count_errors(doc, NULL, NULL) == 0);
    /* insert into an empty model simply adds, at the origin */
    char *in = unroll_document_insert_after(doc, "Input", NULL, &error);
    CHECK(in != NULL);
    char *lstm = unroll_document_insert_after(doc, "LSTM", NULL, &error);
    CHECK(lstm && g_strcmp0(input_ref(doc, lstm, 0), in) == 0);
    CHECK(ur_graph_check(unroll_document_get_graph(doc), NULL) == UR_OK);
    unroll_document_select_all(doc);
    int n;
    unroll_document_get_selection(doc, &n);
    CHECK(n == 2);
    unroll_document_toggle_selected(doc, in);
    CHECK(!unroll_document_is_selected(doc, in) && unroll_document_is_selected(doc, lstm));
    char *added = unroll_document_add_layer(doc, "Bidirectional", 500, 80, &error);
    CHECK(added != NULL);
    double x, y;
    CHECK(unroll_document_get_position(doc, added, &x, &y) && x == 500 && y == 80);
    /* dropped, it is unwired and says so */
    const ur_layer *al = ur_graph_find(unroll_document_get_graph(doc), added);
    CHECK(ur_layer_n_inbound(al) == 0 && ur_layer_error(al) != NULL);
    CHECK(unroll_document_connect(doc, in, 0, added, FALSE, 0, &error)); /* (None, None, 8) */
    CHECK(ur_layer_n_inbound(al) == 1 && ur_layer_error(al) == NULL);
    const ur_value *inner = ur_value_get(ur_layer_spec(ur_graph_find(
        unroll_document_get_graph(doc), added)), "layer");
    CHECK(inner && inner->type == UR_VALUE_OBJECT);
    g_free(in);
    g_free(lstm);
    g_free(added);
    g_object_unref(doc);
}

int main(void)
{
    test_insert_after();
    test_outputs_and_positions();
    test_empty();
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("document: all checks passed\n");
    return 0;
}
