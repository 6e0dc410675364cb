/* cmd-runs.c — `unroll runs list|show|compare|metrics|delete`: the recorded
 * runs of the run store (data/store.h) as tables, one run in detail, runs
 * side by side (settings, metrics, the layers that differ), a run's metric
 * points as CSV or JSON, and deleting a run. */
#include "cli-util.h"
#include "json.h"
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

/* Per-batch points ("batch_loss"): their last and lowest values are one
 * batch's, not the run's, so the final/best tables leave them out. */
static bool is_batch_metric(const char *name) { return strncmp(name, "batch_", 6) == 0; }

static int metric_index(const ur_run_row *r, const char *name)
{
    for (int i = 0; i < r->n_metrics; i++)
        if (strcmp(r->metric_names[i], name) == 0)
            return i;
    return -1;
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
        acc = acc || metric_index(&rows[i], "val_accuracy") >= 0 ||
              metric_index(&rows[i], "accuracy") >= 0;
    printf("%-5s %-12s %-14s %-22s %-11s %6s %10s %10s", "id", "label", "model", "dataset",
           "status", "epochs", "best_loss", "best_val");
    if (acc)
        printf(" %8s", "best_acc");
    printf(" %9s\n", "duration");
    for (int i = 0; i < n; i++) {
        const ur_run_row *r = &rows[i];
        char bl[32], bv[32], ba[32], dur[32];
        int k;
        format_value((k = metric_index(r, "loss")) >= 0 ? r->best_values[k] : NAN, bl, sizeof bl);
        format_value((k = metric_index(r, "val_loss")) >= 0 ? r->best_values[k] : NAN, bv,
                     sizeof bv);
        k = metric_index(r, "val_accuracy");
        if (k < 0)
            k = metric_index(r, "accuracy");
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
            if (!is_batch_metric(r.metric_names[i]))
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
            if (ev[i].detail)
                printf("  %s", ev[i].detail);
            printf("\n");
        }
        ur_run_events_free(ev, n_ev);
    }
    ur_run_row_clear(&r);
    ur_store_close(s);
    return status;
}

/* ------------------------------------------------------------- compare */

/* A layer's options other than its name, as "key=value" text. */
static void layer_changes(const ur_value *x, const ur_value *y, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        const ur_value *p = pass ? y : x, *q = pass ? x : y;
        for (size_t i = 0; i < p->u.obj.n && pos < size; i++) {
            const char *key = p->u.obj.keys[i];
            const ur_value *other = ur_value_get(q, key);
            if (strcmp(key, "name") == 0 || strcmp(key, "ui") == 0 || (pass && other))
                continue;
            if (other && ur_value_equal(p->u.obj.vals[i], other))
                continue;
            const ur_value *from = pass ? NULL : p->u.obj.vals[i];
            const ur_value *to = pass ? p->u.obj.vals[i] : other;
            char *f = from ? ur_json_write(from, -1) : NULL, *t = to ? ur_json_write(to, -1) : NULL;
            int w = snprintf(buf + pos, size - pos, "%s%s: %s -> %s", pos ? ", " : "", key,
                             f ? f : "(unset)", t ? t : "(unset)");
            pos += w > 0 ? (size_t)w : 0;
            free(f);
            free(t);
        }
    }
}

static const ur_value *find_layer(const ur_value *layers, const char *name)
{
    for (size_t i = 0; layers && i < layers->u.arr.n; i++) {
        const ur_value *n = ur_value_get(layers->u.arr.items[i], "name");
        if (n && n->type == UR_VALUE_STRING && strcmp(n->u.str, name) == 0)
            return layers->u.arr.items[i];
    }
    return NULL;
}

static const ur_value *model_layers(const ur_value *doc)
{
    const ur_value *l = doc ? ur_value_get(doc, "layers") : NULL;
    return l && l->type == UR_VALUE_ARRAY ? l : NULL;
}

/* The layers of run b's model that differ from run a's, by name. */
static int print_layer_diff(const ur_run_row *a, const ur_run_row *b)
{
    ur_ctx ctx = {0};
    ur_value *da = ur_json_parse(a->model_json, strlen(a->model_json), "model", &ctx);
    ur_value *db = ur_json_parse(b->model_json, strlen(b->model_json), "model", &ctx);
    const ur_value *la = model_layers(da), *lb = model_layers(db);
    int shown = 0;
    for (size_t i = 0; la && i < la->u.arr.n; i++) {
        const ur_value *x = la->u.arr.items[i], *n = ur_value_get(x, "name");
        if (!n || n->type != UR_VALUE_STRING || x->type != UR_VALUE_OBJECT)
            continue;
        const ur_value *y = find_layer(lb, n->u.str);
        char changes[1024];
        if (!y) {
            printf("  run %lld: removed %s\n", (long long)b->id, n->u.str);
            shown++;
        } else if (y->type == UR_VALUE_OBJECT && !ur_value_equal(x, y)) {
            layer_changes(x, y, changes, sizeof changes);
            if (changes[0]) {
                printf("  run %lld: changed %s (%s)\n", (long long)b->id, n->u.str, changes);
                shown++;
            }
        }
    }
    for (size_t i = 0; lb && i < lb->u.arr.n; i++) {
        const ur_value *y = lb->u.arr.items[i], *n = ur_value_get(y, "name");
        if (n && n->type == UR_VALUE_STRING && !find_layer(la, n->u.str)) {
            const ur_value *cls = ur_value_get(y, "class");
            printf("  run %lld: added %s (%s)\n", (long long)b->id, n->u.str,
                   cls && cls->type == UR_VALUE_STRING ? cls->u.str : "?");
            shown++;
        }
    }
    ur_value_free(da);
    ur_value_free(db);
    return shown;
}

static int runs_compare(const cli_command *c, const cli_args *a)
{
    if (a->n_pos < 2)
        return cli_usage_error(c->name, "give two or more run ids");
    int n = a->n_pos;
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    ur_run_row *rows = calloc((size_t)n, sizeof *rows);
    ur_value **hp = calloc((size_t)n, sizeof *hp);
    if (!ids || !rows || !hp) {
        free(ids);
        free(rows);
        free(hp);
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
    if (!status) {
        bool diff_only = cli_flag(c, a, "diff-only");
        ur_ctx ctx = {0};
        for (int i = 0; i < n; i++)
            hp[i] = rows[i].hparams_json ? ur_json_parse(rows[i].hparams_json,
                                                         strlen(rows[i].hparams_json),
                                                         "hyper-parameters", &ctx) : NULL;
        /* columns as wide as the widest cell (14 to 40 characters) */
        int w = 14;
        for (int i = 0; i < n; i++) {
            const char *names[2] = {rows[i].model_name, rows[i].dataset_name};
            for (int k = 0; k < 2; k++)
                if (names[k])
                    w = (int)strlen(names[k]) > w ? (int)strlen(names[k]) : w;
            for (size_t k = 0; hp[i] && hp[i]->type == UR_VALUE_OBJECT && k < hp[i]->u.obj.n; k++) {
                const ur_value *v = hp[i]->u.obj.vals[k];
                char *t = v->type == UR_VALUE_STRING ? strdup(v->u.str) : ur_json_write(v, -1);
                if (t)
                    w = (int)strlen(t) > w ? (int)strlen(t) : w;
                free(t);
            }
        }
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
        /* every key of any run, in first-seen order */
        for (int i = 0; i < n; i++)
            for (size_t k = 0; hp[i] && hp[i]->type == UR_VALUE_OBJECT && k < hp[i]->u.obj.n; k++) {
                const char *key = hp[i]->u.obj.keys[k];
                bool seen = false, differ = false;
                for (int j = 0; j < i && !seen; j++)
                    seen = hp[j] && ur_value_get(hp[j], key);
                if (seen)
                    continue;
                const ur_value *first = ur_value_get(hp[0], key);
                for (int j = 1; j < n; j++) {
                    const ur_value *v = hp[j] ? ur_value_get(hp[j], key) : NULL;
                    differ = differ || !first || !v || !ur_value_equal(first, v);
                }
                if (diff_only && !differ)
                    continue;
                printf("  %-20s", key);
                for (int j = 0; j < n; j++) {
                    const ur_value *v = hp[j] ? ur_value_get(hp[j], key) : NULL;
                    char *t = v ? (v->type == UR_VALUE_STRING ? strdup(v->u.str)
                                                              : ur_json_write(v, -1))
                                : NULL;
                    printf(" %-*s", w, t ? t : "-");
                    free(t);
                }
                printf("%s\n", differ && !diff_only ? "  *" : "");
            }
        printf("metrics (final / best):\n");
        for (int i = 0; i < n; i++)
            for (int k = 0; k < rows[i].n_metrics; k++) {
                const char *name = rows[i].metric_names[k];
                bool seen = is_batch_metric(name);
                for (int j = 0; j < i && !seen; j++)
                    seen = metric_index(&rows[j], name) >= 0;
                if (seen)
                    continue;
                for (int pass = 0; pass < 2; pass++) {
                    printf("  %-20s", pass ? "" : name);
                    for (int j = 0; j < n; j++) {
                        int m = metric_index(&rows[j], name);
                        char buf[32];
                        format_value(m < 0 ? NAN : pass ? rows[j].best_values[m]
                                                        : rows[j].final_values[m],
                                     buf, sizeof buf);
                        printf(" %-*s", w, buf);
                    }
                    printf("  %s\n", pass ? "best" : "final");
                }
            }
        printf("layers (against run %s):\n", a->pos[0]);
        int shown = 0;
        for (int i = 1; i < n; i++)
            shown += print_layer_diff(&rows[0], &rows[i]);
        if (!shown)
            printf("  the same layers\n");
    }
    for (int i = 0; i < n; i++) {
        ur_value_free(hp[i]);
        ur_run_row_clear(&rows[i]);
    }
    free(ids);
    free(rows);
    free(hp);
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
    char **names = NULL;
    int n_names = 0;
    const char *only = cli_get(c, a, "name");
    ur_run_row row = {0};
    int status = CLI_EXIT_OK;
    if (!get_run(c->name, s, id, &row))
        status = CLI_EXIT_FAIL;
    else if (ur_store_metric_names(s, id, &names, &n_names, &ctx) != UR_OK) {
        cli_error(c->name, "%s", ctx.message);
        status = CLI_EXIT_FAIL;
    }
    ur_run_row_clear(&row);
    bool found = !only;
    for (int i = 0; i < n_names; i++)
        found = found || strcmp(names[i], only) == 0;
    if (!status && !found) {
        cli_error(c->name, "run %lld has no metric '%s'", (long long)id, only);
        status = CLI_EXIT_FAIL;
    }
    if (!status)
        printf(json ? "{\"run\": %lld, \"metrics\": {" : "name,step,epoch,value,wall_time\n",
               (long long)id);
    int printed = 0;
    for (int i = 0; i < n_names && !status; i++) {
        if (only && strcmp(names[i], only) != 0)
            continue;
        ur_metric_point *p = NULL;
        int64_t np = 0;
        if (ur_store_metrics(s, id, names[i], &p, &np, &ctx) != UR_OK) {
            cli_error(c->name, "%s", ctx.message);
            status = CLI_EXIT_FAIL;
            break;
        }
        if (json)
            printf("%s\n  \"%s\": [", printed++ ? "," : "", names[i]);
        for (int64_t k = 0; k < np; k++) {
            if (json)
                printf("%s\n    {\"step\": %lld, \"epoch\": %d, \"value\": %.17g, "
                       "\"wall_time\": %.6f}",
                       k ? "," : "", (long long)p[k].step, p[k].epoch,
                       isfinite(p[k].value) ? p[k].value : 0.0, p[k].wall_time);
            else
                printf("%s,%lld,%d,%.17g,%.6f\n", names[i], (long long)p[k].step, p[k].epoch,
                       p[k].value, p[k].wall_time);
        }
        if (json)
            printf("\n  ]");
        free(p);
    }
    if (!status && json)
        printf("\n}}\n");
    for (int i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
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
