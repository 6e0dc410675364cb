/* cmd-export.c — `unroll export RUN [--checkpoint last|best|EPOCH] --format
 * safetensors|npz -o FILE`: a recorded run's checkpointed weights, as the
 * safetensors bytes the store holds or as an .npz of the same names. */
#include "cli-util.h"
#include "json.h"
#include "npy.h"
#include "safetensors.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

static const cli_option export_options[] = {
    {"checkpoint", "WHICH", "last (default), best, or an epoch number (kept per-epoch\n"
                            "checkpoints: the last 3 epochs)"},
    {"format", "F", "safetensors (default) or npz"},
    {"output", "FILE", "the file to write (required; -o FILE is the same)"},
    {"db", "PATH", "the run store (default: $XDG_DATA_HOME/unroll/unroll.db)"},
    {NULL, NULL, NULL},
};

static const cli_command export_command = {
    .name = "export",
    .synopsis = "RUN [--checkpoint last|best|EPOCH] [--format safetensors|npz] -o FILE",
    .description = "Writes the weights of a recorded run's checkpoint to a file, named\n"
                   "\"<layer>/<weight>\" as 'unroll predict --weights' reads them.",
    .options = export_options,
    .epilog = "Example:\n"
              "  unroll export 12 --checkpoint best --format npz -o run12.npz\n",
};

static ur_status write_npz(const char *path, const void *bytes, size_t len, const char *source,
                           ur_ctx *ctx)
{
    ur_safetensors *st = ur_safetensors_read_mem(bytes, len, source, ctx);
    if (!st)
        return ctx->status;
    const char **names = calloc((size_t)st->n + 1, sizeof *names);
    const ur_tensor **tensors = calloc((size_t)st->n + 1, sizeof *tensors);
    ur_status status;
    if (!names || !tensors) {
        status = ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    } else {
        for (int i = 0; i < st->n; i++) {
            names[i] = st->arrays[i]->name;
            tensors[i] = &st->arrays[i]->t;
        }
        status = ur_npz_write(path, st->n, tensors, names, ctx);
    }
    free(names);
    free(tensors);
    ur_safetensors_free(st);
    return status;
}

static int export_run(const cli_command *c, const cli_args *a)
{
    const char *name = c->name;
    char *end;
    long long id = strtoll(a->pos[0], &end, 10);
    if (!*a->pos[0] || *end || id <= 0)
        return cli_usage_error(name, "'%s' is not a run id (a number as 'unroll runs list' "
                               "shows)", a->pos[0]);
    const char *out = cli_get(c, a, "output"), *format = cli_get(c, a, "format");
    const char *which = cli_get(c, a, "checkpoint");
    if (!out)
        return cli_usage_error(name, "-o FILE is required");
    bool npz = format && strcmp(format, "npz") == 0;
    if (format && !npz && strcmp(format, "safetensors") != 0)
        return cli_usage_error(name, "--format: '%s' is not safetensors or npz", format);
    ur_checkpoint_kind kind = UR_CHECKPOINT_LAST;
    int64_t epoch = 0;
    if (which && strcmp(which, "best") == 0)
        kind = UR_CHECKPOINT_BEST;
    else if (which && strcmp(which, "last") != 0) {
        if (!cli_parse_int(name, "checkpoint", which, 1, 1000000, &epoch))
            return CLI_EXIT_USAGE;
        kind = UR_CHECKPOINT_EPOCH;
    }
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(cli_get(c, a, "db"), &ctx);
    if (!s) {
        cli_error(name, "%s", ctx.message);
        return CLI_EXIT_FAIL;
    }
    ur_checkpoint cp = {0};
    void *weights = NULL, *state = NULL;
    int status = CLI_EXIT_OK;
    char source[96];
    if (kind == UR_CHECKPOINT_EPOCH)
        snprintf(source, sizeof source, "run %lld's epoch %lld checkpoint", id, (long long)epoch);
    else
        snprintf(source, sizeof source, "run %lld's %s checkpoint", id,
                 kind == UR_CHECKPOINT_BEST ? "best" : "last");
    if (ur_store_checkpoint_get(s, id, kind, (int)epoch, &cp, &weights, &state, &ctx) != UR_OK) {
        cli_error(name, "%s", ctx.message); /* the store names its file */
        status = CLI_EXIT_FAIL;
    } else if ((npz ? write_npz(out, weights, cp.weights_len, source, &ctx)
                    : ur_file_write_atomic(out, weights, cp.weights_len, &ctx)) != UR_OK) {
        cli_error(name, "%s", ctx.message);
        status = CLI_EXIT_FAIL;
    } else {
        printf("Wrote %s (epoch %d, step %lld) to %s\n", source, cp.epoch, (long long)cp.step,
               out);
    }
    free(weights);
    free(state);
    ur_store_close(s);
    return status;
}

int cmd_export(int argc, char **argv)
{
    cli_args args;
    int status;
    /* -o is short for --output */
    char **words = calloc((size_t)argc + 1, sizeof *words);
    if (!words) {
        cli_error(export_command.name, "out of memory");
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < argc; i++)
        words[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    bool parsed = cli_parse(&export_command, argc, words, &args);
    free(words);
    if (!parsed) {
        cli_args_free(&args);
        return CLI_EXIT_USAGE;
    }
    if (args.help) {
        cli_print_help(&export_command, stdout);
        status = CLI_EXIT_OK;
    } else if (args.n_pos != 1) {
        status = cli_usage_error(export_command.name, "give one run id");
    } else {
        status = export_run(&export_command, &args);
    }
    cli_args_free(&args);
    return status;
}
