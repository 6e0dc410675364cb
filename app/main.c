/* main.c — the `unroll` executable: dispatches to the subcommands (summary,
 * train, predict, runs, export, datasets), prints the top-level help and version. Run
 * bare, or with a model file (FILE.json), it opens the window when the build
 * has one (UNROLL_HAVE_GUI) and says how to get it otherwise. */
#include "cli-util.h"

#include <string.h>

#ifdef UNROLL_HAVE_GUI
#include "application.h"
#endif

/* project()'s version in meson.build, passed by app/meson.build. */
#ifndef UNROLL_VERSION
#error "UNROLL_VERSION must be defined (app/meson.build passes the project version)"
#endif

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
    {"datasets", cmd_datasets, "list the datasets, or show what one holds"},
    {NULL, NULL, NULL},
};

static void print_help(FILE *f)
{
    fprintf(f,
            "Usage: unroll COMMAND [ARGS...]\n"
            "       unroll [MODEL.json]     open the window (built with -Dgui=enabled)\n"
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

/* GApplication's own options (--gapplication-service, --help-gapplication):
 * the window handles them. */
static bool is_window_option(const char *word)
{
    return strncmp(word, "--gapplication", 14) == 0 || strcmp(word, "--help-gapplication") == 0;
}

static bool is_model_file(const char *word)
{
    size_t n = strlen(word);
    return word[0] != '-' && n > 5 && strcmp(word + n - 5, ".json") == 0;
}

static int open_window(int argc, char **argv)
{
#ifdef UNROLL_HAVE_GUI
    return unroll_application_run(argc, argv);
#else
    (void)argc;
    (void)argv;
    cli_error(NULL, "built without the window (meson -Dgui=enabled); try `unroll --help`");
    return CLI_EXIT_FAIL;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2 || is_window_option(argv[1]))
        return open_window(argc, argv);
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
    if (is_model_file(word))
        return open_window(argc, argv);

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
