/* cmd-runs.c — `unroll runs list|show|compare|metrics|delete`: the recorded
 * runs of the run store (data/store.h) as tables, one run in detail, runs
 * side by side (settings, metrics, the layers that differ), a run's metric
 * points as CSV or JSON, and deleting a run. */
#include "cli-util.h"
#include "export.h"
#include "json.h"
#include "run-compare.h"
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const db_help = "the run store (default: $XDG_DATA_HOME/unroll/unroll.db)";

static const cli_option list_options[] = {
    {"db", "PATH", NULL},
    {"where", "EXPR", "an SQL expression over the columns below, e.g.\n"
                      "\"units >= 64 and best_val_loss < 0.01\""},
    {"sort", "KEY", "a column to sort by; -KEY for descending (default: -started)"},
    {"limit", "N", "at most N runs"},
    {NULL, NULL, NULL},
};
static const cli_option db_options[] = {{"db", "PATH", NULL}, {NULL, NULL, NULL}};
static const cli_option compare_options[] = {
    {"db", "PATH", NULL},
    {"diff-only", NULL, "only the settings that differ"},
    {NULL, NULL, NULL},
};
static const cli_option metrics_options[] = {
    {"db", "PATH", NULL},
    {"format", "F", "csv (default) or json"},
    {"name", "METRIC", "only this metric (loss, val_loss, accuracy, ...)"},
    {NULL, NULL, NULL},
};

static const cli_command list_command = {
    .name = "runs list",
    .synopsis = "[--where EXPR] [--sort KEY|-KEY] [--limit N] [--db PATH]",
    .description = "Lists the recorded runs, newest first: id, label, model, dataset, status,\n"
                   "epochs, the best loss and val_loss (and accuracy when recorded), duration.",
    .options = list_options,
    .epilog = "Columns for --where and --sort (the view runs_view): id, label, model, dataset,\n"
              "status, device, loss, optimizer, learning_rate, batch_size, epochs,\n"
              "validation_split, seed, units, params, started, ended, duration, and\n"
              "final_<metric>, best_<metric> for loss, accuracy, mae and val_loss,\n"
              "val_accuracy, val_mae. Only read-only expressions are accepted.\n",
};
static const cli_command show_command = {
    .name = "runs show", .synopsis = "RUN [--db PATH]",
    .description = "Shows one run: status, model, dataset, settings, final and best metrics.",
    .options = db_options};
static const cli_command compare_command = {
    .name = "runs compare", .synopsis = "RUN RUN... [--diff-only] [--db PATH]",
    .description = "Shows runs side by side: their settings, final and best metrics, and the\n"
                   "layers that differ between their models (added, removed, changed options).",
    .options = compare_options};
static const cli_command metrics_command = {
    .name = "runs metrics", .synopsis = "RUN [--format csv|json] [--name METRIC] [--db PATH]",
    .description = "Prints every metric point of a run: name, step (global), epoch (0-based),\n"
                   "value and wall time (unix seconds). Per-step training loss is 'loss' at\n"
                   "each step; per-epoch metrics sit at the epoch's last step.",
    .options = metrics_options};
static const cli_command delete_command = {
    .name = "runs delete", .synopsis = "RUN [--db PATH]",
    .description = "Deletes a run with its metrics and checkpoints.",
    .options = db_options};

/* ------------------------------------------------------------- helpers */

static ur_store *open_store(const char *cmd, const cli_command *c, const cli_args *a, bool ro)
{
    ur_ctx ctx = {0};
    const char *db = cli_get(c, a, "db");
    ur_store *s = ro ? ur_store_open_readonly(db, &ctx) : ur_store_open(db, &ctx);
    if (!s)
        cli_error(cmd, "%s", ctx.message);
    return s;
}

static bool parse_run(const char *cmd, const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) {
        cli_usage_error(cmd, "'%s' is not a run id (a number as 'unroll runs list' shows)", s);
        return false;
    }
    *id = v;
    return true;
}

/* The one run id a subcommand takes. */
static bool one_run(const cli_command *c, const cli_args *a, int64_t *id)
{
    if (a->n_pos != 1) {
        cli_usage_error(c->name, "give one run id");
        return false;
    }
    return parse_run(c->name, a->pos[0], id);
}

static bool get_run(const char *cmd, ur_store *s, int64_t id, ur_run_row *row)
{
    ur_ctx ctx = {0};
    if (ur_store_run_get(s, id, row, &ctx) == UR_OK)
        return true;
    cli_error(cmd, "%s", ctx.message); /* the store names its file */
    return false;
}

static void format_value(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.4g", v);
}

static void format_duration(const ur_run_row *r, char *buf, size_t size)
{
    double d = (r->ended > 0 ? r->ended : r->started) - r->started;
    if (r->ended <= 0 && r->status != UR_RUN_RUNNING)
        snprintf(buf, size, "-");
    else if (d < 60)
        snprintf(buf, size, "%.1fs", d);
    else if (d < 3600)
        snprintf(buf, size, "%dm%02ds", (int)(d / 60), (int)fmod(d, 60));
    else
        snprintf(buf, size, "%dh%02dm", (int)(d / 3600), (int)fmod(d, 3600) / 60);
}

/* ---------------------------------------------------------------- list */

static int runs_list(const cli_command *c, const cli_args *a)
{
    int64_t limit = -1;
    const char *v;
    if (a->n_pos > 0)
        return cli_usage_error(c->name, "unexpected argument '%s'", a->pos[0]);
    if ((v = cli_get(c, a, "limit")) && !cli_parse_int(c->name, "limit", v, 1, INT64_MAX, &limit))
        return CLI_EXIT_USAGE;
    ur_store *s = open_store(c->name, c, a, false);
    if (!s)
        return CLI_EXIT_FAIL;
    ur_ctx ctx = {0};
    ur_run_row *rows = NULL;
    int n = 0;
    if (ur_store_runs_list(s, cli_get(c, a, "where"), cli_get(c, a, "sort"), limit, &rows, &n,
                           &ctx) != UR_OK) {
        cli_error(c->name, "%s", ctx.message);
        ur_store_close(s);
        return CLI_EXIT_FAIL;
    }
    bool acc = false;
    for (int i = 0; i < n; i++)
        acc = acc || ur_run_row_metric_index(&rows[i], "val_accuracy") >= 0 ||
              ur_run_row_metric_index(&rows[i], "accuracy") >= 0;
    printf("%-5s %-12s %-14s %-22s %-11s %6s %10s %10s", "id", "label", "model", "dataset",
           "status", "epochs", "best_loss", "best_val");
    if (acc)
        printf(" %8s", "best_acc");
    printf(" %9s\n", "duration");
    for (int i = 0; i < n; i++) {
        const ur_run_row *r = &rows[i];
        char bl[32], bv[32], ba[32], dur[32];
        int k;
        k = ur_run_row_metric_index(r, "loss");
        format_value(k >= 0 ? r->best_values[k] : NAN, bl, sizeof bl);
        k = ur_run_row_metric_index(r, "val_loss");
        format_value(k >= 0 ? r->best_values[k] : NAN, bv, sizeof bv);
        k = ur_run_row_metric_index(r, "val_accuracy");
        if (k < 0)
            k = ur_run_row_metric_index(r, "accuracy");
        format_value(k >= 0 ? r->best_values[k] : NAN, ba, sizeof ba);
        format_duration(r, dur, sizeof dur);
        printf("%-5lld %-12.12s %-14.14s %-22.22s %-11s %6d %10s %10s", (long long)r->id,
               r->label ? r->label : "-", r->model_name ? r->model_name : "-",
               r->dataset_name ? r->dataset_name : "-", ur_run_status_name(r->status),
               r->epochs_done, bl, bv);
        if (acc)
            printf(" %8s", ba);
        printf(" %9s\n", dur);
    }
    ur_run_rows_free(rows, n);
    ur_store_close(s);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- show */

static void print_scalar(const ur_value *v)
{
    char *text = ur_json_write(v, -1);
    if (v->type == UR_VALUE_STRING)
        printf("%s", v->u.str);
    else
        printf("%s", text ? text : "?");
    free(text);
}

static int runs_show(const cli_command *c, const cli_args *a)
{
    int64_t id;
    if (!one_run(c, a, &id))
        return CLI_EXIT_USAGE;
    ur_store *s = open_store(c->name, c, a, false);
    if (!s)
        return CLI_EXIT_FAIL;
    ur_run_row r = {0};
    if (!get_run(c->name, s, id, &r)) {
        ur_store_close(s);
        return CLI_EXIT_FAIL;
    }
    char dur[32];
    format_duration(&r, dur, sizeof dur);
    printf("run %lld%s%s\n", (long long)r.id, r.label ? ": " : "", r.label ? r.label : "");
    printf("  status:    %s\n", ur_run_status_name(r.status));
    if (r.error)
        printf("  error:     %s\n", r.error);
    printf("  model:     %s\n", r.model_name ? r.model_name : "-");
    printf("  dataset:   %s (%s: %s, hash %016llx)\n", r.dataset_name ? r.dataset_name : "-",
           r.dataset_kind ? r.dataset_kind : "-", r.dataset_source ? r.dataset_source : "-",
           (unsigned long long)r.dataset_hash);
    printf("  device:    %s\n", r.device ? r.device : "-");
    if (r.parent_run)
        printf("  parent:    run %lld\n", (long long)r.parent_run);
    printf("  epochs:    %d done\n", r.epochs_done);
    printf("  duration:  %s\n", dur);
    if (r.notes)
        printf("  notes:     %s\n", r.notes);
    ur_ctx ctx = {0};
    ur_value *hp = r.hparams_json ? ur_json_parse(r.hparams_json, strlen(r.hparams_json),
                                                  "hyper-parameters", &ctx) : NULL;
    if (hp && hp->type == UR_VALUE_OBJECT) {
        printf("settings:\n");
        for (size_t i = 0; i < hp->u.obj.n; i++) {
            printf("  %-18s ", hp->u.obj.keys[i]);
            print_scalar(hp->u.obj.vals[i]);
            printf("\n");
        }
    }
    ur_value_free(hp);
    if (r.n_metrics > 0) {
        printf("metrics:\n  %-18s %12s %12s\n", "", "final", "best");
        for (int i = 0; i < r.n_metrics; i++)
            if (!ur_metric_is_batch(r.metric_names[i]))
                printf("  %-18s %12.6g %12.6g\n", r.metric_names[i], r.final_values[i],
                       r.best_values[i]);
    }
    ur_run_event *ev;
    int n_ev;
    int status = CLI_EXIT_OK;
    if (ur_store_events(s, id, &ev, &n_ev, &ctx) != UR_OK) {
        cli_error(c->name, "%s", ctx.message);
        status = CLI_EXIT_FAIL;
    } else if (n_ev > 0) {
        printf("events:\n");
        for (int i = 0; i < n_ev; i++) {
            char when[32] = "";
            time_t t = (time_t)ev[i].time;
            struct tm tm;
            if (localtime_r(&t, &tm))
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
            printf("  %s  %-12s", when, ev[i].kind);
            if (ev[i].step >= 0)
                printf(" step %lld", (long long)ev[i].step);
            char *words = ur_run_event_describe(&ev[i]);
            printf("  %s\n", words);
            free(words);
        }
        ur_run_events_free(ev, n_ev);
    }
    ur_run_row_clear(&r);
    ur_store_close(s);
    return status;
}

/* ------------------------------------------------------------- compare */

static int runs_compare(const cli_command *c, const cli_args *a)
{
    if (a->n_pos < 2)
        return cli_usage_error(c->name, "give two or more run ids");
    int n = a->n_pos;
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    ur_run_row *rows = calloc((size_t)n, sizeof *rows);
    if (!ids || !rows) {
        free(ids);
        free(rows);
        cli_error(c->name, "out of memory");
        return CLI_EXIT_FAIL;
    }
    int status = CLI_EXIT_OK;
    for (int i = 0; i < n && !status; i++)
        if (!parse_run(c->name, a->pos[i], &ids[i]))
            status = CLI_EXIT_USAGE;
    ur_store *s = status ? NULL : open_store(c->name, c, a, false);
    if (!status && !s)
        status = CLI_EXIT_FAIL;
    for (int i = 0; i < n && !status; i++)
        if (!get_run(c->name, s, ids[i], &rows[i]))
            status = CLI_EXIT_FAIL;
    ur_run_compare cmp = {0};
    ur_ctx ctx = {0};
    if (!status && ur_run_compare_build(rows, n, &cmp, &ctx) != UR_OK) {
        cli_error(c->name, "%s", ctx.message);
        status = CLI_EXIT_FAIL;
    }
    if (!status) {
        bool diff_only = cli_flag(c, a, "diff-only");
        /* columns as wide as the widest cell (14 to 40 characters) */
        int w = 14;
        for (int i = 0; i < n; i++) {
            const char *names[2] = {rows[i].model_name, rows[i].dataset_name};
            for (int k = 0; k < 2; k++)
                if (names[k])
                    w = (int)strlen(names[k]) > w ? (int)strlen(names[k]) : w;
        }
        for (int k = 0; k < cmp.n_hparams; k++)
            for (int i = 0; i < n; i++)
                if (cmp.hparams[k].cells[i])
                    w = (int)strlen(cmp.hparams[k].cells[i]) > w
                            ? (int)strlen(cmp.hparams[k].cells[i]) : w;
        w = w > 40 ? 40 : w;
        printf("%-22s", "");
        for (int i = 0; i < n; i++)
            printf(" %-*s", w, a->pos[i]);
        printf("\n%-22s", "model");
        for (int i = 0; i < n; i++)
            printf(" %-*s", w, rows[i].model_name ? rows[i].model_name : "-");
        printf("\n%-22s", "dataset");
        for (int i = 0; i < n; i++)
            printf(" %-*s", w, rows[i].dataset_name ? rows[i].dataset_name : "-");
        printf("\n%-22s", "status");
        for (int i = 0; i < n; i++)
            printf(" %-*s", w, ur_run_status_name(rows[i].status));
        printf("\nsettings:\n");
        for (int k = 0; k < cmp.n_hparams; k++) {
            const ur_compare_hparam *h = &cmp.hparams[k];
            if (diff_only && !h->differ)
                continue;
            printf("  %-20s", h->name);
            for (int j = 0; j < n; j++)
                printf(" %-*s", w, h->cells[j] ? h->cells[j] : "-");
            printf("%s\n", h->differ && !diff_only ? "  *" : "");
        }
        printf("metrics (final / best):\n");
        for (int k = 0; k < cmp.n_metrics; k++)
            for (int pass = 0; pass < 2; pass++) {
                const ur_compare_metric *m = &cmp.metrics[k];
                printf("  %-20s", pass ? "" : m->name);
                for (int j = 0; j < n; j++) {
                    char buf[32];
                    format_value(pass ? m->best_values[j] : m->final_values[j], buf, sizeof buf);
                    printf(" %-*s", w, buf);
                }
                printf("  %s\n", pass ? "best" : "final");
            }
        printf("layers (against run %s):\n", a->pos[0]);
        for (int k = 0; k < cmp.n_layers; k++) {
            const ur_layer_change *ch = &cmp.layers[k];
            printf("  run %lld: %s %s%s%s%s\n", (long long)ch->run_id,
                   ur_layer_change_kind_name(ch->kind), ch->layer, ch->detail ? " (" : "",
                   ch->detail ? ch->detail : "", ch->detail ? ")" : "");
        }
        if (!cmp.n_layers)
            printf("  the same layers\n");
    }
    ur_run_compare_clear(&cmp);
    for (int i = 0; i < n; i++)
        ur_run_row_clear(&rows[i]);
    free(ids);
    free(rows);
    ur_store_close(s);
    return status;
}

/* ------------------------------------------------------------- metrics */

static int runs_metrics(const cli_command *c, const cli_args *a)
{
    int64_t id;
    if (!one_run(c, a, &id))
        return CLI_EXIT_USAGE;
    const char *format = cli_get(c, a, "format");
    bool json = format && strcmp(format, "json") == 0;
    if (format && !json && strcmp(format, "csv") != 0)
        return cli_usage_error(c->name, "--format: '%s' is not csv or json", format);
    ur_store *s = open_store(c->name, c, a, true);
    if (!s)
        return CLI_EXIT_FAIL;
    ur_ctx ctx = {0};
    size_t len = 0;
    char *text = ur_export_metrics(s, id, cli_get(c, a, "name"), json, &len, &ctx);
    int status = CLI_EXIT_OK;
    if (!text) {
        cli_error(c->name, "%s", ctx.message); /* the store names its file */
        status = CLI_EXIT_FAIL;
    } else {
        fwrite(text, 1, len, stdout);
    }
    free(text);
    ur_store_close(s);
    return status;
}

/* -------------------------------------------------------------- delete */

static int runs_delete(const cli_command *c, const cli_args *a)
{
    int64_t id;
    if (!one_run(c, a, &id))
        return CLI_EXIT_USAGE;
    ur_store *s = open_store(c->name, c, a, false);
    if (!s)
        return CLI_EXIT_FAIL;
    ur_ctx ctx = {0};
    int status = CLI_EXIT_OK;
    if (ur_store_run_delete(s, id, &ctx) != UR_OK) {
        cli_error(c->name, "%s", ctx.message); /* the store names its file */
        status = CLI_EXIT_FAIL;
    } else {
        printf("deleted run %lld\n", (long long)id);
    }
    ur_store_close(s);
    return status;
}

/* ------------------------------------------------------------ dispatch */

typedef struct runs_sub {
    const cli_command *cmd;
    int (*run)(const cli_command *c, const cli_args *a);
} runs_sub;

static const runs_sub subs[] = {
    {&list_command, runs_list},       {&show_command, runs_show},
    {&compare_command, runs_compare}, {&metrics_command, runs_metrics},
    {&delete_command, runs_delete},   {NULL, NULL},
};

static void print_runs_help(FILE *f)
{
    fprintf(f, "Usage: unroll runs SUBCOMMAND [ARGS...]\n\n"
               "The runs recorded by 'unroll train' in the run store (--db PATH; default\n"
               "$XDG_DATA_HOME/unroll/unroll.db, i.e. ~/.local/share/unroll/unroll.db).\n\n"
               "Subcommands:\n");
    for (int i = 0; subs[i].cmd; i++)
        fprintf(f, "  %-8s %s\n", subs[i].cmd->name + 5, subs[i].cmd->synopsis);
    fprintf(f, "\nRun 'unroll runs SUBCOMMAND --help' for its options.\n");
}

int cmd_runs(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error("runs", "give a subcommand: list, show, compare, metrics, delete");
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_runs_help(stdout);
        return CLI_EXIT_OK;
    }
    const char *names[8];
    int n = 0;
    for (int i = 0; subs[i].cmd; i++) {
        names[n++] = subs[i].cmd->name + 5;
        if (strcmp(argv[0], subs[i].cmd->name + 5) != 0)
            continue;
        cli_option *opts = NULL;
        cli_command c = *subs[i].cmd;
        /* the --db help is shared */
        size_t k = 0;
        while (c.options[k].name)
            k++;
        opts = calloc(k + 1, sizeof *opts);
        if (!opts) {
            cli_error("runs", "out of memory");
            return CLI_EXIT_FAIL;
        }
        for (size_t j = 0; j < k; j++) {
            opts[j] = c.options[j];
            if (!opts[j].help)
                opts[j].help = db_help;
        }
        c.options = opts;
        cli_args args;
        int status;
        if (!cli_parse(&c, argc - 1, argv + 1, &args)) {
            cli_args_free(&args);
            free(opts);
            return CLI_EXIT_USAGE;
        }
        if (args.help) {
            cli_print_help(&c, stdout);
            status = CLI_EXIT_OK;
        } else {
            status = subs[i].run(&c, &args);
        }
        cli_args_free(&args);
        free(opts);
        return status;
    }
    names[n] = NULL;
    const char *near = ur_closest(argv[0], names);
    if (near)
        return cli_usage_error("runs", "unknown subcommand '%s' (did you mean '%s'?)", argv[0],
                               near);
    char list[128];
    return cli_usage_error("runs", "unknown subcommand '%s' (subcommands: %s)", argv[0],
                           cli_join(names, n, list, sizeof list));
}
