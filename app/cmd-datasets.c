/* cmd-datasets.c — `unroll datasets [SPEC]`: without a spec, the datasets
 * there are and how to name them; with one, what it holds as a run would see
 * it: the description, the training and validation samples with each
 * array's shape and dtype, the classes and their counts when the targets
 * are class numbers, and a CSV file's columns. */
#include "cli-util.h"
#include "datasets.h"

#include <stdlib.h>
#include <string.h>

static const cli_option datasets_options[] = {
    {"seed", "S", "the seed a synthetic task is made from (default 0, as 'train')"},
    {NULL, NULL, NULL},
};

static const cli_command datasets_command = {
    .name = "datasets",
    .synopsis = "[SPEC] [--seed S]",
    .description = "Without SPEC, lists the datasets there are and how to name them. With\n"
                   "SPEC (what 'unroll train --data' takes), loads it and prints what it\n"
                   "holds: samples, each array's shape and dtype, the classes of class\n"
                   "targets with their counts, and a CSV file's columns.",
    .options = datasets_options,
    .epilog = "Examples:\n"
              "  unroll datasets\n"
              "  unroll datasets mnist\n"
              "  unroll datasets 'data/examples/weather.csv?window=24&target=temp'\n",
};

static void print_list(void)
{
    printf("Datasets ('unroll train --data SPEC', the window's Train page):\n"
           "  mnist                      8,000 training and 2,000 validation digits, x (N, 28, "
           "28)\n"
           "                             float32 in [0, 1] read row by row, y (N,) labels 0-9\n");
    for (int i = 0; ur_synthetic_names[i]; i++)
        printf("  synthetic:%-16s made from --seed; options ?n=...&timesteps=...&val=...\n",
               ur_synthetic_names[i]);
    printf("  FILE.npz                   arrays x, y and optionally x_val, y_val (x_<input>,\n"
           "                             y_<output> for several)\n"
           "  FILE.csv[?OPTIONS]         a time series, a header line naming the columns;\n"
           "                             window, horizon, stride, target, features, val,\n"
           "                             standardize (see 'unroll train --help')\n");
}

/* The arrays of one part: "x (N, 24, 3) float32, y (N, 1) float32". */
static void print_part(const char *title, const ur_data *d)
{
    if (d->n_x == 0) {
        printf("%-12s none (train with --validation-split to hold some out)\n", title);
        return;
    }
    char count[32], desc[96];
    printf("%-12s %s samples:", title, cli_thousands(ur_data_count(d), count, sizeof count));
    for (int i = 0; i < d->n_x; i++)
        printf(" %s %s%s", d->x[i]->name ? d->x[i]->name : "x",
               cli_array_desc(d->x[i], desc, sizeof desc), ",");
    for (int i = 0; i < d->n_y; i++)
        printf(" %s %s%s", d->y[i]->name ? d->y[i]->name : "y",
               cli_array_desc(d->y[i], desc, sizeof desc), i + 1 < d->n_y ? "," : "");
    printf("\n");
}

/* "classes 10: 0=789, 1=912, ..." when y holds class numbers (at most 100). */
static void print_classes(const ur_array *y)
{
    int64_t counts[100];
    int classes = ur_class_count(y, counts, 100);
    if (classes <= 0 || classes > 100)
        return;
    printf("%-12s %d:", "classes", classes);
    char count[32];
    for (int c = 0; c < classes; c++)
        printf(" %d=%s%s", c, cli_thousands(counts[c], count, sizeof count),
               c + 1 < classes ? "," : "");
    printf("\n");
}

static void print_columns(const ur_dataset *ds)
{
    printf("%-12s", "columns");
    for (int i = 0; ds->columns[i]; i++)
        printf(" %s%s%s", ds->columns[i], ds->column_numbers[i] ? "" : " (text)",
               ds->columns[i + 1] ? "," : "");
    printf("\n");
}

static int show(const cli_command *c, const cli_args *a)
{
    uint64_t seed = 0;
    const char *s = cli_get(c, a, "seed");
    if (s && !cli_parse_u64(c->name, "seed", s, &seed))
        return CLI_EXIT_USAGE;
    const char *spec = a->pos[0];
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_open(spec, seed, &ctx);
    if (!ds) {
        cli_error(c->name, "%s", ctx.message);
        return CLI_EXIT_FAIL;
    }
    printf("%s\n", ds->description ? ds->description : ds->name);
    print_part("training", &ds->train);
    print_part("validation", &ds->val);
    if (ds->train.n_y == 1)
        print_classes(ds->train.y[0]);
    if (ds->columns)
        print_columns(ds);
    ur_dataset_free(ds);
    return CLI_EXIT_OK;
}

int cmd_datasets(int argc, char **argv)
{
    cli_args args;
    if (!cli_parse(&datasets_command, argc, argv, &args)) {
        cli_args_free(&args);
        return CLI_EXIT_USAGE;
    }
    int status;
    if (args.help) {
        cli_print_help(&datasets_command, stdout);
        status = CLI_EXIT_OK;
    } else if (args.n_pos == 0) {
        print_list();
        status = CLI_EXIT_OK;
    } else if (args.n_pos > 1) {
        status = cli_usage_error(datasets_command.name, "give one dataset (quote a spec with "
                                 "'&' in it)");
    } else {
        status = show(&datasets_command, &args);
    }
    cli_args_free(&args);
    return status;
}
