/* cmd-train.c — `unroll train MODEL.json --data SPEC --loss NAME ...`: loads
 * the model and a dataset, matches the dataset's arrays to the model's
 * inputs and outputs, trains with a Keras-like progress line per epoch (a
 * live bar on a terminal), stops cleanly on Ctrl-C or a NaN loss, and saves
 * the weights as safetensors. The training loop itself is the engine's. */
#include "cli-util.h"
#include "datasets.h"
#include "safetensors.h"

#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const cli_option train_options[] = {
    {"data", "SPEC", "the dataset: mnist, synthetic:NAME[?key=value&...] or FILE.npz"},
    {"loss", "NAME", "the Keras loss (required): mean_squared_error (mse),\n"
                     "mean_absolute_error (mae), binary_crossentropy,\n"
                     "categorical_crossentropy, sparse_categorical_crossentropy"},
    {"from-logits", NULL, "the model outputs logits: the loss applies sigmoid/softmax"},
    {"optimizer", "NAME", "sgd, rmsprop (default, as Keras's compile), adam or adamw,\n"
                          "with Keras's default settings"},
    {"lr", "X", "learning rate (default: the optimizer's Keras default)"},
    {"momentum", "X", "momentum for sgd and rmsprop (default 0)"},
    {"nesterov", NULL, "Nesterov momentum for sgd"},
    {"clipnorm", "X", "clip each weight's gradient to this norm"},
    {"clipvalue", "X", "clip each gradient value to [-X, X]"},
    {"epochs", "N", "passes over the training data (default 1)"},
    {"batch-size", "B", "samples per step (default 32)"},
    {"validation-split", "F", "hold out this fraction of the training data (taken from its\n"
                              "end, as Keras) instead of the dataset's validation data"},
    {"seed", "S", "seeds weights, shuffling, dropout and synthetic data (default 0)"},
    {"no-shuffle", NULL, "keep the training samples in order"},
    {"metrics", "LIST", "comma-separated: accuracy, mae"},
    {"save", "FILE", "write the trained weights (safetensors) to FILE"},
    {"threads", "N", "CPU threads for matrix products (default: OpenBLAS's choice)"},
    {NULL, NULL, NULL},
};

static const cli_command train_command = {
    .name = "train",
    .synopsis = "MODEL.json --data SPEC --loss NAME [OPTIONS]",
    .description =
        "Trains the model on a dataset and prints a line per epoch as Keras does: steps,\n"
        "time, time per step, the loss and metrics, and val_loss / val_* when there is\n"
        "validation data. Weights start from the layers' initializers and --seed.\n"
        "\n"
        "Datasets: 'mnist' (8,000 training and 2,000 held-out digits, rows as 28\n"
        "timesteps of 28 pixels; the held-out digits are the validation data),\n"
        "'synthetic:adding', 'synthetic:sine', 'synthetic:parity' (made from --seed), or\n"
        "an .npz file with arrays x, y and optionally x_val, y_val. A model with several\n"
        "inputs takes x_<input name> for each; several outputs take y_<layer name>\n"
        "(y_<layer name>_<k> for a layer's output k > 0).",
    .options = train_options,
    .epilog =
        "Ctrl-C stops training after the current batch; --save still writes the weights\n"
        "(exit status 130). A loss that turns NaN or infinite stops training with the\n"
        "epoch and step; --save then writes the last good weights (exit status 1).\n"
        "\n"
        "Example:\n"
        "  unroll train data/examples/mnist-rows.json --data mnist \\\n"
        "      --loss sparse_categorical_crossentropy --from-logits --optimizer adam \\\n"
        "      --epochs 3 --metrics accuracy --save mnist-rows.safetensors\n",
};

/* --------------------------------------------------------- matching data */

/* The name a dataset's x (or y) array answers to. */
static const char *x_name(const ur_dataset *ds, int i)
{
    if (ds->x_names && ds->x_names[i])
        return ds->x_names[i];
    return ds->train.x[i]->name ? ds->train.x[i]->name : "x";
}

static const char *y_name(const ur_dataset *ds, int i)
{
    return ds->train.y[i]->name ? ds->train.y[i]->name : "y";
}

/* An array the model needs: its name in the dataset and the input or
 * output ("layer" or "layer:k") that takes it. */
typedef struct wanted {
    char array[160];
    char owner[160];
} wanted;

/* For each wanted array, the index of the dataset array with that name; an
 * error lists what the dataset has and what the model wants. */
static bool match_arrays(const char *cmd, const ur_dataset *ds, bool is_x, int n_want,
                         const wanted *want, int *perm)
{
    int n_have = is_x ? ds->train.n_x : ds->train.n_y;
    const char **have = calloc((size_t)n_have + 1, sizeof *have);
    const char **wants = calloc((size_t)n_want + 1, sizeof *wants);
    bool *used = calloc((size_t)n_have + 1, sizeof *used);
    bool ok = have && wants && used;
    for (int i = 0; ok && i < n_have; i++)
        have[i] = is_x ? x_name(ds, i) : y_name(ds, i);
    for (int j = 0; ok && j < n_want; j++)
        wants[j] = want[j].array;
    char list[1024], wanted_list[1024];
    if (ok) {
        cli_join(have, n_have, list, sizeof list);
        cli_join(wants, n_want, wanted_list, sizeof wanted_list);
    }
    for (int j = 0; ok && j < n_want; j++) {
        perm[j] = -1;
        for (int i = 0; i < n_have && perm[j] < 0; i++)
            if (!used[i] && strcmp(have[i], want[j].array) == 0) {
                perm[j] = i;
                used[i] = true;
            }
        if (perm[j] < 0) {
            cli_error(cmd, "the model's %s '%s' needs an array '%s' in %s; it has: %s",
                      is_x ? "input" : "output", want[j].owner, want[j].array, ds->name, list);
            ok = false;
        }
    }
    for (int i = 0; ok && i < n_have; i++)
        if (!used[i]) {
            cli_error(cmd, "%s holds '%s', which no %s of the model takes (it takes: %s)",
                      ds->name, have[i], is_x ? "input" : "output", wanted_list);
            ok = false;
        }
    free(have);
    free(wants);
    free(used);
    return ok;
}

/* The dataset's arrays in the graph's order of inputs and outputs. train
 * and val borrow the arrays (only their pointer lists are the caller's). */
static bool map_data(const char *cmd, const ur_graph *g, ur_dataset *ds, ur_data *train,
                     ur_data *val)
{
    int n_in = ur_graph_n_inputs(g), n_out = ur_graph_n_outputs(g);
    int *px = calloc((size_t)n_in + 1, sizeof *px), *py = calloc((size_t)n_out + 1, sizeof *py);
    wanted *want = calloc((size_t)(n_in > n_out ? n_in : n_out) + 1, sizeof *want);
    bool ok = px && py && want;

    if (ok && n_in == 1 && ds->train.n_x == 1) {
        px[0] = 0;
    } else if (ok) {
        for (int j = 0; j < n_in; j++) {
            const char *input = ur_layer_name(ur_graph_input(g, j));
            snprintf(want[j].array, sizeof want[j].array, "x_%s", input);
            snprintf(want[j].owner, sizeof want[j].owner, "%s", input);
        }
        ok = match_arrays(cmd, ds, true, n_in, want, px);
    }
    if (ok && n_out == 1 && ds->train.n_y == 1) {
        py[0] = 0;
    } else if (ok) {
        for (int k = 0; k < n_out; k++) {
            ur_layer *l;
            int index;
            ur_graph_output(g, k, &l, &index);
            if (index == 0) {
                snprintf(want[k].array, sizeof want[k].array, "y_%s", ur_layer_name(l));
                snprintf(want[k].owner, sizeof want[k].owner, "%s", ur_layer_name(l));
            } else {
                snprintf(want[k].array, sizeof want[k].array, "y_%s_%d", ur_layer_name(l), index);
                snprintf(want[k].owner, sizeof want[k].owner, "%s:%d", ur_layer_name(l), index);
            }
        }
        ok = match_arrays(cmd, ds, false, n_out, want, py);
    }

    bool has_val = ds->val.n_x > 0;
    for (int j = 0; ok && j < n_in; j++) {
        ur_layer *in = ur_graph_input(g, j);
        char what[256];
        snprintf(what, sizeof what, "%s array '%s'", ds->name, x_name(ds, px[j]));
        ur_dtype dtype = cli_input_dtype(g, in);
        ok = cli_fit_dtype(cmd, what, ur_layer_name(in), &ds->train.x[px[j]], dtype);
        if (ok && has_val)
            ok = cli_fit_dtype(cmd, what, ur_layer_name(in), &ds->val.x[px[j]], dtype);
    }
    if (ok) {
        *train = (ur_data){n_in, n_out, calloc((size_t)n_in, sizeof(ur_array *)),
                           calloc((size_t)n_out, sizeof(ur_array *))};
        *val = (ur_data){0};
        if (has_val)
            *val = (ur_data){n_in, n_out, calloc((size_t)n_in, sizeof(ur_array *)),
                             calloc((size_t)n_out, sizeof(ur_array *))};
        for (int j = 0; j < n_in; j++) {
            train->x[j] = ds->train.x[px[j]];
            if (has_val)
                val->x[j] = ds->val.x[px[j]];
        }
        for (int k = 0; k < n_out; k++) {
            train->y[k] = ds->train.y[py[k]];
            if (has_val)
                val->y[k] = ds->val.y[py[k]];
        }
    }
    free(px);
    free(py);
    free(want);
    return ok;
}

/* -------------------------------------------------------------- progress */

typedef struct progress {
    bool tty;
    int epochs;
    int header_epoch;        /* the last "Epoch k/N" printed (1-based), 0 before */
    double last_draw;        /* seconds into the epoch of the last bar drawn */
    double first_step;       /* seconds into the epoch when step 1 ended */
    int prev_width;          /* cells of the last bar, to blank what is left of it */
    int last_epoch;          /* the last epoch that ended (1-based) */
    int64_t last_steps;
} progress;

static void print_header(progress *pr, int epoch)
{
    if (pr->header_epoch < epoch + 1) {
        printf("Epoch %d/%d\n", epoch + 1, pr->epochs);
        pr->header_epoch = epoch + 1;
    }
}

/* Keras's Progbar._format_time: " 16ms/step". */
static void format_step_time(double t, char *buf, size_t size)
{
    if (t >= 1 || t == 0)
        snprintf(buf, size, " %.0fs/step", t);
    else if (t >= 1e-3)
        snprintf(buf, size, " %.0fms/step", t * 1e3);
    else
        snprintf(buf, size, " %.0fus/step", t * 1e6);
}

/* Keras's per-step estimate: the first step (warm-up) is left out once
 * there are others. */
static double step_time(const progress *pr, int64_t current, double now)
{
    if (current <= 0)
        return 0;
    if (current > 1 && pr->first_step >= 0)
        return (now - pr->first_step) / (double)(current - 1);
    return now / (double)current;
}

/* " - accuracy: 0.9123 - loss: 0.2871 - val_accuracy: ..." in Keras 3's
 * order: training metrics by name, then validation metrics by name. */
static size_t format_metrics(const ur_progress *p, bool abs_small, char *buf, size_t size)
{
    int order[16], n = p->n_metrics < 16 ? p->n_metrics : 16;
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            const char *a = p->metric_names[order[j - 1]], *b = p->metric_names[order[j]];
            bool va = strncmp(a, "val_", 4) == 0, vb = strncmp(b, "val_", 4) == 0;
            if (va > vb || (va == vb && strcmp(a, b) > 0)) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        }
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && pos < size; i++) {
        double v = p->metric_values[order[i]];
        const char *name = p->metric_names[order[i]];
        int w;
        if (isnan(v))
            w = snprintf(buf + pos, size - pos, " - %s: nan", name);
        else if (isinf(v))
            w = snprintf(buf + pos, size - pos, " - %s: %sinf", name, v < 0 ? "-" : "");
        else if ((abs_small ? fabs(v) : v) > 1e-3)
            w = snprintf(buf + pos, size - pos, " - %s: %.4f", name, v);
        else
            w = snprintf(buf + pos, size - pos, " - %s: %.4e", name, v);
        pos += w > 0 ? (size_t)w : 0;
    }
    return pos;
}

/* "  3/125 ━━━━━━━━━━━━━━━━━━━━ 2s 16ms/step - ..." (bar) drawn in place. */
static void draw_bar(progress *pr, const ur_progress *p, int64_t current, bool final)
{
    int digits = snprintf(NULL, 0, "%lld", (long long)p->steps);
    char count[64], info[96], tstep[32], metrics[1024];
    snprintf(count, sizeof count, "%*lld/%lld", digits, (long long)current, (long long)p->steps);
    double tps = step_time(pr, current, p->seconds);
    format_step_time(tps, tstep, sizeof tstep);
    if (final) {
        snprintf(info, sizeof info, " %.0fs%s", p->seconds, tstep);
    } else {
        double eta = tps * (double)(p->steps - current);
        if (eta > 3600)
            snprintf(info, sizeof info, " %d:%02d:%02d%s", (int)(eta / 3600),
                     (int)fmod(eta, 3600) / 60, (int)fmod(eta, 60), tstep);
        else if (eta > 60)
            snprintf(info, sizeof info, " %d:%02d%s", (int)(eta / 60), (int)fmod(eta, 60), tstep);
        else
            snprintf(info, sizeof info, " %ds%s", (int)eta, tstep);
    }
    format_metrics(p, true, metrics, sizeof metrics);

    const int bar = 20;
    int done = p->steps > 0 ? (int)(bar * current / p->steps) : bar;
    printf("\r\033[1m%s\033[0m \033[32m", count);
    for (int i = 0; i < done; i++)
        fputs("━", stdout);
    printf("\033[37m");
    for (int i = done; i < bar; i++)
        fputs("━", stdout);
    printf("\033[0m\033[1m%s\033[0m%s", info, metrics);
    int width = (int)strlen(count) + 1 + bar + (int)strlen(info) + (int)strlen(metrics);
    if (pr->prev_width > width)
        printf("%*s", pr->prev_width - width, "");
    pr->prev_width = width;
    if (final)
        fputc('\n', stdout);
    fflush(stdout);
}

static void on_step(void *user, const ur_progress *p)
{
    progress *pr = user;
    print_header(pr, p->epoch);
    if (p->step == 0) {
        pr->first_step = p->seconds;
        pr->last_draw = -1;
        pr->prev_width = 0;
    }
    if (!pr->tty || p->step + 1 >= p->steps)
        return;
    if (pr->last_draw >= 0 && p->seconds - pr->last_draw < 0.1)
        return;
    pr->last_draw = p->seconds;
    draw_bar(pr, p, p->step + 1, false);
}

static void on_epoch(void *user, const ur_progress *p)
{
    progress *pr = user;
    print_header(pr, p->epoch);
    pr->last_epoch = p->epoch + 1;
    pr->last_steps = p->steps;
    if (pr->tty) {
        draw_bar(pr, p, p->steps, true);
        return;
    }
    int digits = snprintf(NULL, 0, "%lld", (long long)p->steps);
    char tstep[32], metrics[1024];
    format_step_time(step_time(pr, p->steps, p->seconds), tstep, sizeof tstep);
    format_metrics(p, false, metrics, sizeof metrics);
    printf("%*lld/%lld - %.0fs -%s%s\n", digits, (long long)p->steps, (long long)p->steps,
           p->seconds, tstep, metrics);
    fflush(stdout);
}

/* Ctrl-C: the first asks training to stop between batches, the second
 * (the default action again) ends the process. */
static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
    static const char msg[] =
        "\nunroll train: stopping after this batch (Ctrl-C again to quit at once)\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)r;
}

static bool should_stop(void *user)
{
    (void)user;
    return stop_requested != 0;
}

/* ------------------------------------------------------------------ saving */

static ur_status save_weights(const char *path, const ur_model *m, ur_ctx *ctx)
{
    int n = ur_model_n_weights(m);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    ur_tensor *tensors = calloc((size_t)n + 1, sizeof *tensors);
    const ur_tensor **ptrs = calloc((size_t)n + 1, sizeof *ptrs);
    if (!names || !tensors || !ptrs) {
        free(names);
        free(tensors);
        free(ptrs);
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        names[i] = w.name;
        tensors[i] = (ur_tensor){.dtype = UR_F32, .rank = w.rank, .data = w.data};
        for (int d = 0; d < w.rank; d++)
            tensors[i].dim[d] = w.dim[d];
        ptrs[i] = &tensors[i];
    }
    ur_value *meta = ur_value_new_object();
    ur_value_set(meta, "format", ur_value_new_string("unroll.weights"));
    ur_value_set(meta, "model", ur_value_new_string(ur_graph_name(ur_model_graph(m))));
    ur_status st = ur_safetensors_write(path, n, names, ptrs, meta, ctx);
    ur_value_free(meta);
    free(names);
    free(tensors);
    free(ptrs);
    return st;
}

/* ----------------------------------------------------------------- options */

/* --metrics accuracy,mae */
static bool parse_metrics(const char *cmd, const char *list, ur_fit_config *cfg)
{
    static const char *const known[] = {"accuracy", "mae", NULL};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        tok += strspn(tok, " ");
        if (strcmp(tok, "accuracy") == 0 || strcmp(tok, "acc") == 0) {
            cfg->metric_accuracy = true;
        } else if (strcmp(tok, "mae") == 0 || strcmp(tok, "mean_absolute_error") == 0) {
            cfg->metric_mae = true;
        } else {
            const char *near = ur_closest(tok, known);
            if (near)
                cli_usage_error(cmd, "--metrics: unknown metric '%s' (did you mean '%s'?)", tok,
                                near);
            else
                cli_usage_error(cmd, "--metrics: unknown metric '%s' (known: accuracy, mae)", tok);
            return false;
        }
    }
    return true;
}

/* The options that set a number of the fit configuration, and their ranges. */
typedef struct real_option {
    const char *name;
    double min, max;
    size_t offset; /* into ur_fit_config */
} real_option;

static const real_option real_options[] = {
    {"lr", 0, 1e6, offsetof(ur_fit_config, optimizer.learning_rate)},
    {"momentum", 0, 1, offsetof(ur_fit_config, optimizer.momentum)},
    {"clipnorm", 0, 1e30, offsetof(ur_fit_config, optimizer.clipnorm)},
    {"clipvalue", 0, 1e30, offsetof(ur_fit_config, optimizer.clipvalue)},
    {"validation-split", 0, 0.99, offsetof(ur_fit_config, validation_split)},
};

/* Everything the options say, checked before any file is read. */
static bool read_options(const cli_command *cmd, const cli_args *a, ur_fit_config *cfg,
                         int *threads)
{
    const char *name = cmd->name, *v;
    ur_ctx ctx = {0};
    ur_fit_config_defaults(cfg);

    v = cli_get(cmd, a, "loss");
    if (!v) {
        enum { N_LOSSES = UR_LOSS_SPARSE_CATEGORICAL_CE + 1 };
        const char *names[N_LOSSES];
        char list[512];
        for (int k = 0; k < N_LOSSES; k++)
            names[k] = ur_loss_name((ur_loss_kind)k);
        cli_usage_error(name, "--loss is required: one of %s",
                        cli_join(names, N_LOSSES, list, sizeof list));
        return false;
    }
    if (ur_loss_parse(v, &cfg->loss, &ctx) != UR_OK) {
        cli_usage_error(name, "--%s", ctx.message);
        return false;
    }
    cfg->loss.from_logits = cli_flag(cmd, a, "from-logits");

    v = cli_get(cmd, a, "optimizer");
    if (ur_optimizer_defaults(v ? v : "rmsprop", &cfg->optimizer, &ctx) != UR_OK) {
        cli_usage_error(name, "--%s", ctx.message);
        return false;
    }
    cfg->optimizer.nesterov = cli_flag(cmd, a, "nesterov");
    for (size_t i = 0; i < sizeof real_options / sizeof real_options[0]; i++) {
        const real_option *o = &real_options[i];
        double *field = (double *)((char *)cfg + o->offset);
        if ((v = cli_get(cmd, a, o->name)) && !cli_parse_double(name, o->name, v, o->min, o->max,
                                                               field))
            return false;
    }
    int64_t n;
    if ((v = cli_get(cmd, a, "epochs"))) {
        if (!cli_parse_int(name, "epochs", v, 1, 1000000, &n))
            return false;
        cfg->epochs = (int)n;
    }
    if ((v = cli_get(cmd, a, "batch-size"))) {
        if (!cli_parse_int(name, "batch-size", v, 1, INT32_MAX, &n))
            return false;
        cfg->batch_size = n;
    }
    cfg->seed = 0;
    if ((v = cli_get(cmd, a, "seed")) && !cli_parse_u64(name, "seed", v, &cfg->seed))
        return false;
    cfg->shuffle = !cli_flag(cmd, a, "no-shuffle");
    if ((v = cli_get(cmd, a, "metrics")) && !parse_metrics(name, v, cfg))
        return false;
    *threads = 0;
    if ((v = cli_get(cmd, a, "threads"))) {
        if (!cli_parse_int(name, "threads", v, 1, 1024, &n))
            return false;
        *threads = (int)n;
    }
    if (!cli_get(cmd, a, "data")) {
        cli_usage_error(name, "--data is required: mnist, synthetic:NAME or FILE.npz");
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------- train */

static int train(const cli_command *cmd, const cli_args *a)
{
    const char *name = cmd->name;
    ur_fit_config cfg;
    int threads;
    if (!read_options(cmd, a, &cfg, &threads))
        return CLI_EXIT_USAGE;
    if (threads > 0)
        ur_blas_set_threads(threads);

    ur_graph *g = cli_open_model(name, a->pos[0]);
    if (!g)
        return CLI_EXIT_FAIL;
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_open(cli_get(cmd, a, "data"), cfg.seed, &ctx);
    if (!ds) {
        cli_error(name, "%s", ctx.message);
        ur_graph_free(g);
        return CLI_EXIT_FAIL;
    }
    ur_data train_data = {0}, val_data = {0};
    if (!map_data(name, g, ds, &train_data, &val_data)) {
        ur_dataset_free(ds);
        ur_graph_free(g);
        return CLI_EXIT_FAIL;
    }
    ur_model *m = ur_model_new(g, &ctx); /* takes g, except on failure */
    if (!m) {
        cli_error(name, "%s: %s", a->pos[0], ctx.message);
        ur_graph_free(g);
        free(train_data.x);
        free(train_data.y);
        free(val_data.x);
        free(val_data.y);
        ur_dataset_free(ds);
        return CLI_EXIT_FAIL;
    }
    ur_rng rng;
    ur_rng_seed(&rng, cfg.seed);
    ur_model_init_weights(m, &rng);

    const ur_data *val = NULL;
    if (cfg.validation_split <= 0 && val_data.n_x > 0)
        val = &val_data;
    if (ds->description)
        printf("%s\n", ds->description);
    fflush(stdout);

    progress pr = {.tty = isatty(STDOUT_FILENO) != 0, .epochs = cfg.epochs, .first_step = -1};
    ur_callbacks cb = {.user = &pr, .on_step = on_step, .on_epoch = on_epoch,
                       .should_stop = should_stop};
    struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND}, old;
    sigemptyset(&sa.sa_mask);
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old);
    ur_status st = ur_model_fit(m, &cfg, &train_data, val, &cb, &ctx);
    sigaction(SIGINT, &old, NULL);
    if (pr.tty && pr.prev_width > 0 && st != UR_OK)
        fputc('\n', stdout); /* leave the unfinished bar */
    fflush(stdout);

    int status = CLI_EXIT_OK;
    if (st == UR_ERR_CANCELLED) {
        cli_error(name, "%s (Ctrl-C)", ctx.message);
        status = 130;
    } else if (st != UR_OK) {
        cli_error(name, "%s", ctx.message);
        status = CLI_EXIT_FAIL;
    }
    const char *save = cli_get(cmd, a, "save");
    bool trained = st == UR_OK || st == UR_ERR_CANCELLED || st == UR_ERR_NUMERIC;
    if (save && trained) {
        ur_ctx sctx = {0};
        if (save_weights(save, m, &sctx) != UR_OK) {
            cli_error(name, "%s", sctx.message);
            status = CLI_EXIT_FAIL;
        } else {
            printf("Saved %d weight tensors%s to %s\n", ur_model_n_weights(m),
                   st == UR_ERR_NUMERIC ? " (the last good values)" : "", save);
        }
    }
    ur_model_free(m);
    free(train_data.x);
    free(train_data.y);
    free(val_data.x);
    free(val_data.y);
    ur_dataset_free(ds);
    return status;
}

int cmd_train(int argc, char **argv)
{
    return cli_run(&train_command, argc, argv, train);
}
