/* cmd-train.c — `unroll train MODEL.json --data SPEC --loss NAME ...` and
 * `unroll train --resume RUN`: a run (data/run.h: dataset, model, the
 * engine's trainer, recorded in the run store) with a Keras-like progress
 * line per epoch (a live bar on a terminal), stopping cleanly on Ctrl-C or a
 * NaN loss, and saving the weights as safetensors. */
#include "cli-util.h"
#include "datasets.h"
#include "json.h"
#include "run.h"

#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const cli_option train_options[] = {
    {"data", "SPEC", "the dataset: mnist, synthetic:NAME[?key=value&...], FILE.npz or\n"
                     "FILE.csv[?window=W&horizon=H&stride=S&target=COLS&features=COLS&val=F\n"
                     "&standardize=true]"},
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
    {"device", "DEV", "where to train: auto (default: the GPU when one is usable and runs\n"
                      "every layer, else the CPU, saying why), cpu, cuda or cuda:N"},
    {"gpu-math", "MODE", "on a GPU: fast (default; TF32 where the GPU has it) or exact\n"
                         "(float32 with FMA math, the CPU's numbers within rounding)"},
    {"db", "PATH", "the run store to record into (default: $XDG_DATA_HOME/unroll/unroll.db)"},
    {"no-store", NULL, "do not record the run (no checkpoints, no resume)"},
    {"label", "TEXT", "a label for the recorded run"},
    {"resume", "RUN", "continue the interrupted run RUN from its last checkpoint, with its\n"
                      "own model and settings (give no model file or training options)"},
    {"checkpoint-every", "S", "seconds between checkpoints within an epoch (default 5;\n"
                              "0: only at each epoch's end)"},
    {"keep-checkpoints", "N", "per-epoch checkpoints kept (default 3; 0 keeps all); the last\n"
                              "and the best are always kept"},
    {"monitor", "NAME", "the metric that picks the best checkpoint (default val_loss,\n"
                        "or loss without validation data; *acc* metrics count upwards)"},
    {NULL, NULL, NULL},
};

static const cli_command train_command = {
    .name = "train",
    .synopsis = "MODEL.json --data SPEC --loss NAME [OPTIONS]\n"
                "       unroll train --resume RUN [--db PATH]",
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
        "(y_<layer name>_<k> for a layer's output k > 0). A CSV time series (a header\n"
        "naming the columns, a line per timestep) is cut into windows as Keras's\n"
        "timeseries_dataset_from_array does: window steps of the feature columns (default:\n"
        "every column of numbers) predict the target columns (default: the last one)\n"
        "horizon rows later; val windows the last fraction of rows apart for validation;\n"
        "standardize=true scales each column by the training rows' mean and deviation.\n"
        "\n"
        "Every run is recorded in the run store (see 'unroll runs --help'): its model,\n"
        "dataset and settings, each step's loss, each epoch's metrics and checkpoints\n"
        "(the last, the best by val_loss (else loss), and the last 3 epochs'). It prints\n"
        "'run N' first; a run killed mid-way is found interrupted and continues with\n"
        "'unroll train --resume N', exactly as it would have gone on.",
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
        cli_usage_error(name, "--data is required: mnist, synthetic:NAME, FILE.npz or FILE.csv");
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------- train */

/* The run's own settings: what --resume accepts besides itself. */
static const char *const resume_options[] = {"resume", "db", "checkpoint-every", "threads",
                                             "save", "label", "keep-checkpoints", "device",
                                             "gpu-math", NULL};

static bool read_run_settings(const cli_command *cmd, const cli_args *a, ur_run_settings *rs)
{
    const char *v;
    ur_run_settings_defaults(rs);
    rs->db_path = cli_get(cmd, a, "db");
    rs->record = !cli_flag(cmd, a, "no-store");
    rs->label = cli_get(cmd, a, "label");
    if ((v = cli_get(cmd, a, "checkpoint-every")) &&
        !cli_parse_double(cmd->name, "checkpoint-every", v, 0, 1e9, &rs->checkpoint_every))
        return false;
    int64_t keep;
    if ((v = cli_get(cmd, a, "keep-checkpoints"))) {
        if (!cli_parse_int(cmd->name, "keep-checkpoints", v, 0, 1000000, &keep))
            return false;
        rs->keep_epochs = (int)keep;
    }
    rs->monitor = cli_get(cmd, a, "monitor");
    if (!rs->record && (rs->db_path || cli_get(cmd, a, "resume") || rs->label)) {
        cli_usage_error(cmd->name, "--no-store records nothing: it cannot go with %s",
                        rs->db_path ? "--db" : rs->label ? "--label" : "--resume");
        return false;
    }
    return true;
}

/* A new run from the model file and the options, or the run --resume names. */
static ur_run *open_run(const cli_command *cmd, const cli_args *a, const ur_run_settings *rs,
                        int *status)
{
    const char *name = cmd->name, *resume = cli_get(cmd, a, "resume");
    ur_ctx ctx = {0};
    *status = CLI_EXIT_USAGE;
    if (resume) {
        for (int i = 0; i < a->n; i++) {
            const char *opt = cmd->options[a->items[i].opt].name;
            bool allowed = false;
            for (int k = 0; resume_options[k]; k++)
                allowed = allowed || strcmp(opt, resume_options[k]) == 0;
            if (!allowed) {
                cli_usage_error(name, "--resume continues with the run's own settings: drop --%s",
                                opt);
                return NULL;
            }
        }
        if (a->n_pos > 0) {
            cli_usage_error(name, "--resume takes the run's own model: drop '%s'", a->pos[0]);
            return NULL;
        }
        int64_t id;
        if (!cli_parse_int(name, "resume", resume, 1, INT64_MAX, &id))
            return NULL;
        *status = CLI_EXIT_FAIL;
        ur_run *r = ur_run_resume(id, rs, &ctx);
        if (!r)
            cli_error(name, "%s", ctx.message);
        return r;
    }
    if (a->n_pos == 0) {
        cli_usage_error(name, "no model file given");
        return NULL;
    }
    if (a->n_pos > 1) {
        cli_usage_error(name, "give one model file, got %d (%s, %s%s)", a->n_pos, a->pos[0],
                        a->pos[1], a->n_pos > 2 ? ", ..." : "");
        return NULL;
    }
    ur_fit_config cfg;
    int threads;
    if (!read_options(cmd, a, &cfg, &threads))
        return NULL;
    *status = CLI_EXIT_FAIL;
    ur_graph *g = cli_open_model(name, a->pos[0]);
    if (!g)
        return NULL;
    ur_run *r = ur_run_new(g, cli_get(cmd, a, "data"), &cfg, rs, &ctx);
    if (!r) {
        /* model errors name the file; dataset and store errors name themselves */
        cli_error(name, "%s", ctx.message);
    }
    return r;
}

static int train(const cli_command *cmd, const cli_args *a)
{
    const char *name = cmd->name, *v;
    ur_run_settings rs;
    if (!read_run_settings(cmd, a, &rs))
        return CLI_EXIT_USAGE;
    int64_t threads;
    if ((v = cli_get(cmd, a, "threads"))) {
        if (!cli_parse_int(name, "threads", v, 1, 1024, &threads))
            return CLI_EXIT_USAGE;
        ur_blas_set_threads((int)threads);
    }
    const char *device;
    bool exact;
    if (!cli_read_device(cmd, a, &device, &exact))
        return CLI_EXIT_USAGE;
    /* the run moves the model before it records itself, with the device */
    rs.device = device;
    rs.exact_math = exact;
    int status;
    ur_run *r = open_run(cmd, a, &rs, &status);
    if (!r)
        return status;
    cli_report_device(name, ur_run_model(r), ur_run_device_note(r), exact);
    const ur_fit_config *cfg = ur_run_fit(r);
    const ur_dataset *ds = ur_run_dataset(r);
    if (ur_run_id(r) > 0) {
        if (cli_get(cmd, a, "resume"))
            printf("run %lld (resumed at epoch %d, step %lld)\n", (long long)ur_run_id(r),
                   ur_run_epoch(r) + 1, (long long)ur_run_global_step(r));
        else
            printf("run %lld\n", (long long)ur_run_id(r));
    }
    if (ds->description)
        printf("%s\n", ds->description);
    fflush(stdout);

    progress pr = {.tty = isatty(STDOUT_FILENO) != 0, .epochs = cfg->epochs, .first_step = -1};
    ur_callbacks cb = {.user = &pr, .on_step = on_step, .on_epoch = on_epoch,
                       .should_stop = should_stop};
    struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND}, old;
    sigemptyset(&sa.sa_mask);
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old);
    ur_ctx ctx = {0};
    ur_status st = ur_run_train(r, &cb, &ctx);
    sigaction(SIGINT, &old, NULL);
    if (pr.tty && pr.prev_width > 0 && st != UR_OK)
        fputc('\n', stdout); /* leave the unfinished bar */
    fflush(stdout);

    status = CLI_EXIT_OK;
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
        ur_model *m = ur_run_model(r);
        size_t len;
        void *bytes = ur_model_weights_bytes(m, &len, &sctx);
        if (!bytes || ur_file_write_atomic(save, bytes, len, &sctx) != UR_OK) {
            cli_error(name, "%s", sctx.message);
            status = CLI_EXIT_FAIL;
        } else {
            printf("Saved %d weight tensors%s to %s\n", ur_model_n_weights(m),
                   st == UR_ERR_NUMERIC ? " (the last good values)" : "", save);
        }
        free(bytes);
    }
    ur_run_free(r);
    return status;
}

int cmd_train(int argc, char **argv)
{
    cli_args args;
    int status;
    if (!cli_parse(&train_command, argc, argv, &args)) {
        cli_args_free(&args);
        return CLI_EXIT_USAGE;
    }
    if (args.help) {
        cli_print_help(&train_command, stdout);
        status = CLI_EXIT_OK;
    } else {
        status = train(&train_command, &args);
    }
    cli_args_free(&args);
    return status;
}
