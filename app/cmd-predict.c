/* cmd-predict.c — `unroll predict MODEL.json --input X.npy --output Y.npy`:
 * inference with weights from a safetensors file (matched by name and
 * shape) or from the initializers and a seed; inputs and outputs are NumPy
 * .npy files, one per model input and output. */
#include "cli-util.h"
#include "npy.h"
#include "safetensors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const cli_option predict_options[] = {
    {"input", "[NAME=]X.npy", "an input array (samples on the first axis); repeat it with\n"
                              "NAME= (the Input layer's name) for each of several inputs"},
    {"output", "Y.npy", "where to write the prediction (models with one output)"},
    {"output-dir", "DIR", "write one file per model output into DIR (created if needed)"},
    {"weights", "FILE", "the weights (safetensors, as `unroll train --save` writes them)"},
    {"seed", "S", "without --weights: initialise the weights from this seed (default 0)"},
    {"batch-size", "B", "samples per forward pass (default 32)"},
    {"device", "DEV", "where to run: auto (default: the GPU when one is usable and runs\n"
                      "every layer, else the CPU, saying why), cpu, cuda or cuda:N"},
    {"gpu-math", "MODE", "on a GPU: fast (default; TF32 where the GPU has it) or exact"},
    {NULL, NULL, NULL},
};

static const cli_command predict_command = {
    .name = "predict",
    .synopsis = "MODEL.json [--weights FILE] --input [NAME=]X.npy ... (--output Y.npy | "
                "--output-dir DIR)",
    .description =
        "Runs the model in inference mode (dropout off, batch normalization with its\n"
        "moving statistics) on the input arrays and writes the outputs as float32 .npy.\n"
        "Every weight of the model must be in the --weights file under its name\n"
        "(\"<layer>/<weight>\", e.g. \"lstm/kernel\") with the same shape. Without\n"
        "--weights the layers' initializers and --seed give the weights.\n"
        "\n"
        "Integer arrays feed int32 Inputs (token ids); float arrays given to an int32\n"
        "Input must hold whole numbers. Integer arrays given to a float Input are\n"
        "converted.",
    .options = predict_options,
    .epilog =
        "Outputs: with --output-dir, output k of a layer is written to <layer>.npy for\n"
        "k = 0 and <layer>_<k>.npy for k > 0 (an LSTM with return_state gives lstm.npy,\n"
        "lstm_1.npy for h and lstm_2.npy for c). --output works only for a model with\n"
        "one output.\n"
        "\n"
        "Example:\n"
        "  unroll predict data/examples/adding.json --weights adding.safetensors \\\n"
        "      --input x.npy --output y.npy\n",
};

/* ----------------------------------------------------------------- weights */

/* Loads every model weight from the file by name; an error lists the names
 * that are missing, extra or of another shape. */
static bool load_weights(const char *cmd, ur_model *m, const char *path)
{
    ur_ctx ctx = {0};
    ur_safetensors *st = ur_safetensors_read(path, &ctx);
    if (!st) {
        cli_error(cmd, "%s", ctx.message);
        return false;
    }
    int n = ur_model_n_weights(m);
    char missing[1024] = "", extra[1024] = "", mismatch[2048] = "";
    size_t pm = 0, pe = 0, px = 0;
    int n_missing = 0, n_extra = 0, n_mismatch = 0;
    for (int i = 0; i < n; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        const ur_array *a = ur_safetensors_get(st, w.name);
        if (!a) {
            if (pm < sizeof missing)
                pm += (size_t)snprintf(missing + pm, sizeof missing - pm, "%s%s",
                                       n_missing ? ", " : "", w.name);
            n_missing++;
            continue;
        }
        bool same = a->t.rank == w.rank;
        for (int d = 0; same && d < w.rank; d++)
            same = a->t.dim[d] == w.dim[d];
        if (!same) {
            ur_shape want = {.rank = w.rank}, got = {.rank = a->t.rank};
            for (int d = 0; d < w.rank; d++)
                want.dim[d] = w.dim[d];
            for (int d = 0; d < a->t.rank; d++)
                got.dim[d] = a->t.dim[d];
            char s1[96], s2[96];
            if (px < sizeof mismatch)
                px += (size_t)snprintf(mismatch + px, sizeof mismatch - px,
                                       "%s%s is %s in the file, the model's is %s",
                                       n_mismatch ? "; " : "", w.name,
                                       ur_shape_format(&got, s1, sizeof s1),
                                       ur_shape_format(&want, s2, sizeof s2));
            n_mismatch++;
        }
    }
    for (int i = 0; i < st->n; i++) {
        const char *name = st->arrays[i]->name ? st->arrays[i]->name : "?";
        if (ur_model_find_weight(m, name) >= 0)
            continue;
        if (pe < sizeof extra)
            pe += (size_t)snprintf(extra + pe, sizeof extra - pe, "%s%s", n_extra ? ", " : "",
                                   name);
        n_extra++;
    }
    bool ok = n_missing == 0 && n_extra == 0 && n_mismatch == 0;
    if (!ok) {
        cli_error(cmd, "%s does not fit the model '%s':", path,
                  ur_graph_name(ur_model_graph(m)));
        if (n_missing)
            fprintf(stderr, "  missing from the file (%d): %s\n", n_missing, missing);
        if (n_extra)
            fprintf(stderr, "  in the file but not in the model (%d): %s\n", n_extra, extra);
        if (n_mismatch)
            fprintf(stderr, "  other shapes (%d): %s\n", n_mismatch, mismatch);
    } else {
        for (int i = 0; i < n; i++) {
            ur_weight_info w;
            ur_model_weight(m, i, &w);
            const ur_array *a = ur_safetensors_get(st, w.name);
            memcpy(w.data, a->t.data, (size_t)w.numel * sizeof(float));
        }
    }
    ur_safetensors_free(st);
    return ok;
}

/* ------------------------------------------------------------------ inputs */

/* Reads the --input arrays into inputs[] in the graph's input order. */
static bool read_inputs(const char *cmd, const ur_graph *g, const char *const *specs, int n_specs,
                        ur_array **inputs)
{
    int n_in = ur_graph_n_inputs(g);
    const char *names[64];
    for (int j = 0; j < n_in && j < 63; j++)
        names[j] = ur_layer_name(ur_graph_input(g, j));
    names[n_in < 63 ? n_in : 63] = NULL;
    char list[1024];
    cli_join(names, n_in < 63 ? n_in : 63, list, sizeof list);

    for (int s = 0; s < n_specs; s++) {
        const char *spec = specs[s], *path = spec;
        int slot = -1;
        const char *eq = strchr(spec, '=');
        if (eq) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
            for (int j = 0; j < n_in; j++)
                if (strcmp(names[j], name) == 0)
                    slot = j;
            if (slot < 0 && !strchr(name, '/') && !strchr(name, '.')) {
                const char *near = ur_closest(name, names);
                if (near)
                    cli_error(cmd, "--input %s: the model has no input '%s' (did you mean "
                              "'%s'?); its inputs: %s", spec, name, near, list);
                else
                    cli_error(cmd, "--input %s: the model has no input '%s'; its inputs: %s",
                              spec, name, list);
                return false;
            }
            if (slot >= 0)
                path = eq + 1;
        }
        if (slot < 0) {
            if (n_in > 1) {
                cli_error(cmd, "--input %s: the model has %d inputs (%s): name each one, "
                          "--input NAME=X.npy", spec, n_in, list);
                return false;
            }
            slot = 0;
        }
        if (inputs[slot]) {
            cli_error(cmd, "--input %s: input '%s' was given twice", spec, names[slot]);
            return false;
        }
        ur_ctx ctx = {0};
        inputs[slot] = ur_npy_read(path, UR_NPY_ANY, &ctx);
        if (!inputs[slot]) {
            cli_error(cmd, "%s", ctx.message);
            return false;
        }
        /* the rank must be the Input's (batch axis included) */
        const ur_layer *in = ur_graph_input(g, slot);
        const ur_shape *want = ur_layer_output_shape(in, 0);
        if (inputs[slot]->t.rank != want->rank) {
            char s1[160], s2[160];
            cli_error(cmd, "%s is %s, but the Input '%s' takes %s (samples first)", path,
                      cli_array_desc(inputs[slot], s1, sizeof s1), names[slot],
                      ur_shape_format(want, s2, sizeof s2));
            return false;
        }
        if (!cli_fit_dtype(cmd, path, names[slot], &inputs[slot], ur_layer_input_dtype(in)))
            return false;
    }
    for (int j = 0; j < n_in; j++)
        if (!inputs[j]) {
            if (n_specs == 0)
                cli_error(cmd, "no --input given; the model's input%s: %s", n_in == 1 ? "" : "s",
                          list);
            else
                cli_error(cmd, "no --input for the model's input '%s' (--input %s=X.npy)",
                          names[j], names[j]);
            return false;
        }
    return true;
}

/* ----------------------------------------------------------------- outputs */

/* <dir>/<layer>.npy or <dir>/<layer>_<k>.npy */
static void output_path(const char *dir, const ur_layer *l, int index, char *buf, size_t size)
{
    if (index == 0)
        snprintf(buf, size, "%s/%s.npy", dir, ur_layer_name(l));
    else
        snprintf(buf, size, "%s/%s_%d.npy", dir, ur_layer_name(l), index);
}

static bool make_dir(const char *cmd, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                cli_error(cmd, "--output-dir %s: cannot create %s: %s", dir, path,
                          strerror(errno));
                return false;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_error(cmd, "--output-dir %s: not a folder", dir);
        return false;
    }
    return true;
}

static bool write_outputs(const char *cmd, const ur_graph *g, ur_array **outputs,
                          const char *output, const char *dir)
{
    int n_out = ur_graph_n_outputs(g);
    for (int k = 0; k < n_out; k++) {
        ur_layer *l;
        int index;
        ur_graph_output(g, k, &l, &index);
        char path[4096];
        if (output)
            snprintf(path, sizeof path, "%s", output);
        else
            output_path(dir, l, index, path, sizeof path);
        ur_ctx ctx = {0};
        if (ur_npy_write(path, &outputs[k]->t, &ctx) != UR_OK) {
            cli_error(cmd, "%s", ctx.message);
            return false;
        }
        char desc[160];
        printf("Wrote %s: %s\n", path, cli_array_desc(outputs[k], desc, sizeof desc));
    }
    return true;
}

/* ----------------------------------------------------------------- predict */

/* Output names "layer" / "layer:k", for messages. */
static const char *output_list(const ur_graph *g, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int k = 0; k < ur_graph_n_outputs(g) && pos < size; k++) {
        ur_layer *l;
        int index;
        ur_graph_output(g, k, &l, &index);
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", k ? ", " : "", ur_layer_name(l));
        if (index && pos < size)
            pos += (size_t)snprintf(buf + pos, size - pos, ":%d", index);
    }
    return buf;
}

static int predict(const cli_command *cmd, const cli_args *a)
{
    const char *name = cmd->name;
    const char *output = cli_get(cmd, a, "output"), *dir = cli_get(cmd, a, "output-dir");
    const char *weights = cli_get(cmd, a, "weights"), *v;
    uint64_t seed = 0;
    int64_t batch = 32;
    if (output && dir)
        return cli_usage_error(name, "give --output or --output-dir, not both");
    if (!output && !dir)
        return cli_usage_error(name, "say where to write: --output Y.npy or --output-dir DIR");
    if ((v = cli_get(cmd, a, "seed")) && !cli_parse_u64(name, "seed", v, &seed))
        return CLI_EXIT_USAGE;
    if ((v = cli_get(cmd, a, "batch-size")) &&
        !cli_parse_int(name, "batch-size", v, 1, INT32_MAX, &batch))
        return CLI_EXIT_USAGE;
    const char *device;
    bool exact;
    if (!cli_read_device(cmd, a, &device, &exact))
        return CLI_EXIT_USAGE;

    ur_graph *g = cli_open_model(name, a->pos[0]);
    if (!g)
        return CLI_EXIT_FAIL;
    int n_out = ur_graph_n_outputs(g), n_in = ur_graph_n_inputs(g);
    char outs[1024];
    if (output && n_out > 1) {
        ur_layer *l;
        int index;
        ur_graph_output(g, 1, &l, &index);
        char example[512];
        output_path("DIR", l, index, example, sizeof example);
        cli_error(name, "the model has %d outputs (%s): use --output-dir DIR, which writes one "
                  "file per output (e.g. %s)", n_out, output_list(g, outs, sizeof outs), example);
        ur_graph_free(g);
        return CLI_EXIT_USAGE;
    }

    /* the specs of every --input, in order */
    const char **specs = calloc((size_t)a->n + 1, sizeof *specs);
    ur_array **inputs = calloc((size_t)n_in + 1, sizeof *inputs);
    ur_array **outputs = calloc((size_t)n_out + 1, sizeof *outputs);
    int n_specs = 0, status = CLI_EXIT_FAIL;
    for (int i = 0; i < a->n; i++)
        if (strcmp(cmd->options[a->items[i].opt].name, "input") == 0)
            specs[n_specs++] = a->items[i].value;
    ur_model *m = NULL;
    ur_ctx ctx = {0};
    if (!read_inputs(name, g, specs, n_specs, inputs))
        goto out;
    m = ur_model_new(g, &ctx);
    if (!m) {
        cli_error(name, "%s: %s", a->pos[0], ctx.message);
        goto out;
    }
    g = NULL; /* the model's now */
    if (weights) {
        if (!load_weights(name, m, weights))
            goto out;
    } else {
        ur_rng rng;
        ur_rng_seed(&rng, seed);
        ur_model_init_weights(m, &rng);
    }
    if (!cli_use_device(name, m, device, exact))
        goto out;
    ur_tensor *views = calloc((size_t)n_in + 1, sizeof *views);
    for (int j = 0; j < n_in; j++)
        views[j] = inputs[j]->t;
    ur_status st = ur_model_predict(m, n_in, views, batch, outputs, &ctx);
    free(views);
    if (st != UR_OK) {
        cli_error(name, "%s", ctx.message);
        goto out;
    }
    if (dir && !make_dir(name, dir))
        goto out;
    if (write_outputs(name, ur_model_graph(m), outputs, output, dir))
        status = CLI_EXIT_OK;
out:
    for (int j = 0; j < n_in; j++)
        ur_array_free(inputs[j]);
    for (int k = 0; k < n_out; k++)
        ur_array_free(outputs[k]);
    free(inputs);
    free(outputs);
    free(specs);
    ur_model_free(m);
    ur_graph_free(g);
    return status;
}

int cmd_predict(int argc, char **argv)
{
    return cli_run(&predict_command, argc, argv, predict);
}
