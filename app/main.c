/* main.c — the `unroll` executable: dispatches to the subcommands (summary,
 * train, predict, runs, export), prints the top-level help and version. Run bare, it is
 * meant to open the window; this build has none yet and says so. */
#include "cli-util.h"

#include <string.h>

/* Keep in step with project() in meson.build (tests/cli/basics.sh checks). */
#define UNROLL_VERSION "0.1.0"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} subcommand;

static const subcommand subcommands[] = {
    {"summary", cmd_summary, "print a model's layers, output shapes and parameter counts"},
    {"train", cmd_train, "train a model on a dataset and save its weights"},
    {"predict", cmd_predict, "run a model on .npy inputs and write .npy outputs"},
    {"runs", cmd_runs, "list, show, compare, delete recorded runs; print their metrics"},
    {"export", cmd_export, "write a recorded run's checkpointed weights to a file"},
    {NULL, NULL, NULL},
};

static void print_help(FILE *f)
{
    fprintf(f,
            "Usage: unroll COMMAND [ARGS...]\n"
            "       unroll --help | --version\n"
            "\n"
            "Unroll builds, trains and runs recurrent neural networks (Keras layers: LSTM,\n"
            "GRU, SimpleRNN, Bidirectional, Embedding, Dense, ...) described in a model\n"
            "file (JSON), on the CPU.\n"
            "\n"
            "Commands:\n");
    for (int i = 0; subcommands[i].name; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].what);
    fprintf(f,
            "\n"
            "Run 'unroll COMMAND --help' for a command's options. Example:\n"
            "  unroll summary data/examples/mnist-rows.json\n"
            "  unroll train data/examples/mnist-rows.json --data mnist \\\n"
            "      --loss sparse_categorical_crossentropy --from-logits --optimizer adam \\\n"
            "      --epochs 3 --save mnist-rows.safetensors\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error(NULL, "built without the window (meson -Dgui=enabled); try `unroll --help`");
        return CLI_EXIT_FAIL;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("unroll %s\n", UNROLL_VERSION);
        return CLI_EXIT_OK;
    }
    for (int i = 0; subcommands[i].name; i++)
        if (strcmp(word, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 2, argv + 2);

    const char *names[8];
    int n = 0;
    for (int i = 0; subcommands[i].name; i++)
        names[n++] = subcommands[i].name;
    names[n] = NULL;
    if (word[0] == '-') {
        const char *const top[] = {"help", "version", NULL};
        const char *near = ur_closest(word + strspn(word, "-"), top);
        if (near)
            return cli_usage_error(NULL, "unknown option '%s' (did you mean '--%s'?)", word, near);
        return cli_usage_error(NULL, "unknown option '%s'", word);
    }
    const char *near = ur_closest(word, names);
    if (near)
        return cli_usage_error(NULL, "unknown command '%s' (did you mean '%s'?)", word, near);
    char list[128];
    return cli_usage_error(NULL, "unknown command '%s' (commands: %s)", word,
                           cli_join(names, n, list, sizeof list));
}
