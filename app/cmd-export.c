/* cmd-export.c — `unroll export RUN [--checkpoint last|best|EPOCH] --format
 * safetensors|npz -o FILE`: a recorded run's checkpointed weights, as the
 * safetensors bytes the store holds or as an .npz of the same names. */
#include "cli-util.h"
#include "export.h"
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
    int status = CLI_EXIT_OK, cp_epoch = 0;
    int64_t cp_step = 0;
    char source[96];
    ur_export_checkpoint_name(id, kind, (int)epoch, source, sizeof source);
    if (ur_export_weights(s, id, kind, (int)epoch, npz ? UR_WEIGHTS_NPZ : UR_WEIGHTS_SAFETENSORS,
                          out, &cp_epoch, &cp_step, &ctx) != UR_OK) {
        cli_error(name, "%s", ctx.message); /* the store names its file, the writer the path */
        status = CLI_EXIT_FAIL;
    } else {
        printf("Wrote %s (epoch %d, step %lld) to %s\n", source, cp_epoch, (long long)cp_step,
               out);
    }
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
