/* test-rnn-grad.c — gradient checks (central differences) of the recurrent
 * layers over their options: every cell, return_sequences/return_state,
 * go_backwards, masks (right padding and holes), initial_state, dropout and
 * recurrent_dropout with fixed masks, implementation 1, other activations,
 * no bias, Bidirectional in every merge mode, stacked layers. */
#include "gradcheck.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *what, const char *json, const gc_options *o)
{
    if (gc_check(what, json, o) != 0)
        failures++;
}

/* x (None, None, 3) [-> Masking] -> layer */
static const char *seq_model(const char *layer, bool masking)
{
    return gc_json("{'name': 'm', 'layers': ["
                   "{'name': 'x', 'class': 'Input', 'shape': [null, 3]},"
                   "%s"
                   "%s]}",
                   masking ? "{'name': 'mask', 'class': 'Masking', 'mask_value': 0.0}," : "",
                   layer);
}

int main(void)
{
    static const char *cells[] = {
        "'class': 'SimpleRNN', 'units': 4",
        "'class': 'LSTM', 'units': 4",
        "'class': 'GRU', 'units': 4",
        "'class': 'GRU', 'units': 4, 'reset_after': false",
    };
    static const char *variants[] = {
        "",
        ", 'return_sequences': true",
        ", 'return_state': true",
        ", 'return_sequences': true, 'return_state': true",
        ", 'go_backwards': true",
        ", 'go_backwards': true, 'return_sequences': true",
        ", 'use_bias': false, 'return_sequences': true",
        ", 'activation': 'relu', 'return_sequences': true",
        ", 'activation': 'linear'",
        ", 'dropout': 0.3, 'return_sequences': true",
        ", 'dropout': 0.3, 'implementation': 1",
        ", 'recurrent_dropout': 0.4, 'return_sequences': true",
        ", 'dropout': 0.25, 'recurrent_dropout': 0.4",
    };
    gc_options o;
    char what[256], layer[512];
    for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
        for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
            gc_options_default(&o);
            o.seed = 11 + c * 100 + v;
            if (strstr(variants[v], "relu")) /* keep central differences off the kink */
                o.eps = 1e-3;
            snprintf(layer, sizeof layer, "{'name': 'rnn', %s%s}", cells[c], variants[v]);
            snprintf(what, sizeof what, "%s%s", cells[c], variants[v]);
            check(what, seq_model(gc_json("%s", layer), false), &o);
        }
        /* hard_sigmoid gates (not for SimpleRNN, which has no recurrent activation) */
        if (c > 0) {
            gc_options_default(&o);
            o.weight_scale = 0.3f;
            snprintf(layer, sizeof layer,
                     "{'name': 'rnn', %s, 'recurrent_activation': 'hard_sigmoid', "
                     "'return_sequences': true}",
                     cells[c]);
            snprintf(what, sizeof what, "%s hard_sigmoid", cells[c]);
            check(what, seq_model(gc_json("%s", layer), false), &o);
        }
        /* masks: right padding and holes, sequences and last output, backwards */
        static const char *mvariants[] = {"", ", 'return_sequences': true",
                                          ", 'go_backwards': true, 'return_sequences': true",
                                          ", 'return_sequences': true, 'zero_output_for_mask': true",
                                          ", 'return_state': true"};
        for (size_t v = 0; v < sizeof mvariants / sizeof *mvariants; v++)
            for (int pad = 0; pad < 2; pad++) {
                gc_options_default(&o);
                o.seed = 500 + c * 10 + v;
                o.pad = pad ? GC_PAD_HOLES : GC_PAD_RIGHT;
                o.free_size = 5;
                o.batch = 4;
                snprintf(layer, sizeof layer, "{'name': 'rnn', %s%s}", cells[c], mvariants[v]);
                snprintf(what, sizeof what, "%s%s masked (%s)", cells[c], mvariants[v],
                         pad ? "holes" : "right");
                check(what, seq_model(gc_json("%s", layer), true), &o);
            }
    }

    /* dropout configured but inference mode: no masks in forward or backward */
    gc_options_default(&o);
    o.training = false;
    check("LSTM dropout, inference mode",
          seq_model("{'class': 'LSTM', 'units': 4, 'dropout': 0.5, 'recurrent_dropout': 0.5,"
                    " 'return_sequences': true}", false), &o);

    /* initial_state wired from other inputs, gradients into them */
    gc_options_default(&o);
    check("LSTM initial_state",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'c0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'lstm', 'class': 'LSTM', 'units': 4, 'inputs': 'x',"
                  " 'initial_state': ['h0', 'c0'], 'return_sequences': true, 'return_state': true}],"
                  " 'outputs': ['lstm:0', 'lstm:1', 'lstm:2']}"),
          &o);
    check("GRU initial_state",
          gc_json("{'layers': [{'name': 'x', 'class': 'Input', 'shape': [5, 3]},"
                  "{'name': 'h0', 'class': 'Input', 'shape': [4]},"
                  "{'name': 'gru', 'class': 'GRU', 'units': 4, 'inputs': 'x',"
                  " 'initial_state': ['h0']}]}"),
          &o);
    /* the Keras guide's encoder-decoder: states of one LSTM start another */
    check("encoder-decoder",
          gc_json("{'layers': [{'name': 'enc_in', 'class': 'Input', 'shape': [null, 3]},"
                  "{'name': 'dec_in', 'class': 'Input', 'shape': [null, 2]},"
                  "{'name': 'encoder', 'class': 'LSTM', 'units': 4, 'return_state': true,"
                  " 'inputs': 'enc_in'},"
                  "{'name': 'decoder', 'class': 'LSTM', 'units': 4, 'return_sequences': true,"
                  " 'inputs': 'dec_in', 'initial_state': ['encoder:1', 'encoder:2']},"
                  "{'name': 'out', 'class': 'Dense', 'units': 3, 'activation': 'softmax'}],"
                  " 'outputs': ['out']}"),
          &o);

    /* Bidirectional: every merge mode, sequences or not, masks, states */
    static const char *merges[] = {"'concat'", "'sum'", "'mul'", "'ave'", "null"};
    static const char *inner[] = {"'class': 'LSTM', 'units': 3",
                                  "'class': 'GRU', 'units': 3",
                                  "'class': 'SimpleRNN', 'units': 3"};
    for (size_t mm = 0; mm < 5; mm++)
        for (size_t in = 0; in < 3; in++)
            for (int seq = 0; seq < 2; seq++)
                for (int masked = 0; masked < 2; masked++) {
                    gc_options_default(&o);
                    o.seed = 900 + mm * 40 + in * 8 + seq * 2 + masked;
                    o.pad = masked ? GC_PAD_RIGHT : GC_PAD_NONE;
                    snprintf(layer, sizeof layer,
                             "{'name': 'bi', 'class': 'Bidirectional', 'merge_mode': %s,"
                             " 'layer': {%s, 'return_sequences': %s%s}}",
                             merges[mm], inner[in], seq ? "true" : "false",
                             (mm == 0 && in == 0) ? ", 'return_state': true" : "");
                    snprintf(what, sizeof what, "Bidirectional(%s) merge %s%s%s", inner[in],
                             merges[mm], seq ? " sequences" : "", masked ? " masked" : "");
                    check(what, seq_model(gc_json("%s", layer), masked), &o);
                }

    /* stacked, with Dense per timestep and a final Dense */
    gc_options_default(&o);
    check("stacked LSTM-GRU-Dense",
          seq_model("{'class': 'LSTM', 'units': 4, 'return_sequences': true},"
                    "{'class': 'GRU', 'units': 3, 'return_sequences': true},"
                    "{'class': 'Dense', 'units': 2},"
                    "{'class': 'SimpleRNN', 'units': 2}",
                    false),
          &o);

    if (failures) {
        printf("%d gradient check(s) failed\n", failures);
        return 1;
    }
    printf("all recurrent gradient checks passed\n");
    return 0;
}
