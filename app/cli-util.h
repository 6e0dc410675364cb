/* cli-util.h — what the `unroll` subcommands share: option parsing (both
 * `--opt value` and `--opt=value`, suggestions for unknown options), help
 * text, messages on stderr, number parsing and formatting, and opening a
 * model file with every layer error reported. */
#ifndef UNROLL_CLI_UTIL_H
#define UNROLL_CLI_UTIL_H

#include "ur.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses: success, a failure while working, a mistake on the command line. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* One option of a subcommand; tables end with {NULL}. */
typedef struct cli_option {
    const char *name;    /* without the leading "--" */
    const char *metavar; /* NULL for a flag that takes no value */
    const char *help;    /* one line (or several separated by \n) */
} cli_option;

/* A subcommand's usage, for --help and for errors. */
typedef struct cli_command {
    const char *name;        /* "train" */
    const char *synopsis;    /* "MODEL.json --data SPEC --loss NAME [OPTIONS]" */
    const char *description; /* a paragraph */
    const cli_option *options;
    const char *epilog;      /* text after the options (may be NULL) */
} cli_command;

/* The parsed command line: options in the order given (repeats kept) and
 * the positional arguments. */
typedef struct cli_arg {
    int opt;            /* index into the options table */
    const char *value;  /* NULL for flags */
} cli_arg;

typedef struct cli_args {
    int n;
    cli_arg *items;
    int n_pos;
    const char **pos;
    bool help;          /* --help or -h was given */
} cli_args;

/* Parses argv[0..argc) (the words after the subcommand name). Returns false
 * after printing the problem (unknown option with the closest one, a missing
 * value, a value given to a flag). */
bool cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out);
void cli_args_free(cli_args *a);
/* The last value given for option name, or NULL. */
const char *cli_get(const cli_command *cmd, const cli_args *a, const char *name);
bool cli_flag(const cli_command *cmd, const cli_args *a, const char *name);

/* Parses argv, answers --help, checks that exactly one positional argument
 * (the model file, a.pos[0]) is given, then calls run; returns the exit
 * status. */
int cli_run(const cli_command *cmd, int argc, char **argv,
            int (*run)(const cli_command *cmd, const cli_args *a));

void cli_print_help(const cli_command *cmd, FILE *f);
/* "unroll <cmd>: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same plus "try 'unroll <cmd> --help'"; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whole-string number parsing with a range; false after printing
 * "--<opt>: expected ..." . */
bool cli_parse_int(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max,
                   int64_t *out);
bool cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
bool cli_parse_double(const char *cmd, const char *opt, const char *s, double min, double max,
                      double *out);

/* 24714 -> "24,714". */
char *cli_thousands(int64_t n, char *buf, size_t size);
/* Display cells of UTF-8 text (one per code point). */
int cli_text_width(const char *s, size_t len);

/* Reads and builds the model file's graph. On any error prints every
 * message (JSON syntax, envelope, each layer's error as file:line:col) and
 * returns NULL. */
ur_graph *cli_open_model(const char *cmd, const char *path);

/* Converts *a in place to dtype want: integers to float32 always, floats to
 * int32 when every value is a whole number; false after printing why not.
 * what names the array in messages, input the Input layer. */
bool cli_fit_dtype(const char *cmd, const char *what, const char *input, ur_array **a,
                   ur_dtype want);

/* "(None, 28, 28) float32" of an array, into buf. */
const char *cli_array_desc(const ur_array *a, char *buf, size_t size);

/* "a, b, c" of names, into buf. */
const char *cli_join(const char *const *names, int n, char *buf, size_t size);

/* The subcommands (cmd-*.c): argv holds the words after the command name;
 * each returns the exit status. */
/* --device and --gpu-math (train, predict): reads them (a usage error is
 * printed, false returned); use_device moves the model there, printing one
 * line: the GPU taken (stdout), or why auto stayed on the CPU (stderr). */
bool cli_read_device(const cli_command *cmd, const cli_args *a, const char **device, bool *exact);
bool cli_use_device(const char *cmd, ur_model *m, const char *device, bool exact);
/* That line for a model already moved (note: why auto stayed on the CPU). */
void cli_report_device(const char *cmd, const ur_model *m, const char *note, bool exact);

int cmd_summary(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_datasets(int argc, char **argv);

#endif
