/* cli-util.c — what the `unroll` subcommands share: option parsing with
 * suggestions, help text, messages on stderr, numbers in and out, opening a
 * model file with every layer error reported, and fitting an array to an
 * Input's dtype. No subcommand logic lives here. */
#include "cli-util.h"
#include "model-file.h"
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- messages */

static void vmessage(const char *cmd, const char *fmt, va_list ap)
{
    if (cmd)
        fprintf(stderr, "unroll %s: ", cmd);
    else
        fprintf(stderr, "unroll: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try 'unroll %s --help'.\n", cmd);
    else
        fprintf(stderr, "Try 'unroll --help'.\n");
    return CLI_EXIT_USAGE;
}

/* ----------------------------------------------------------------- options */

static int find_option(const cli_option *opts, const char *name, size_t len)
{
    for (int i = 0; opts[i].name; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return i;
    return -1;
}

/* "unknown option '--epoch' (did you mean '--epochs'?)" */
static void unknown_option(const cli_command *cmd, const char *word, size_t len)
{
    char given[128];
    snprintf(given, sizeof given, "%.*s", (int)(len < 120 ? len : 120), word);
    int n = 0;
    while (cmd->options[n].name)
        n++;
    const char **names = calloc((size_t)n + 2, sizeof *names);
    if (names) {
        for (int i = 0; i < n; i++)
            names[i] = cmd->options[i].name;
        names[n] = "help";
    }
    const char *near = names ? ur_closest(given, names) : NULL;
    if (near)
        cli_usage_error(cmd->name, "unknown option '--%s' (did you mean '--%s'?)", given, near);
    else
        cli_usage_error(cmd->name, "unknown option '--%s'", given);
    free(names);
}

bool cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out)
{
    memset(out, 0, sizeof *out);
    out->items = calloc((size_t)argc + 1, sizeof *out->items);
    out->pos = calloc((size_t)argc + 1, sizeof *out->pos);
    if (!out->items || !out->pos) {
        cli_error(cmd->name, "out of memory");
        return false;
    }
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (only_positional || w[0] != '-' || w[1] == '\0') {
            out->pos[out->n_pos++] = w;
            continue;
        }
        if (strcmp(w, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            out->help = true;
            continue;
        }
        if (w[1] != '-') {
            cli_usage_error(cmd->name, "unknown option '%s' (options are spelled out: '--name')",
                            w);
            return false;
        }
        const char *name = w + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int k = find_option(cmd->options, name, len);
        if (k < 0) {
            unknown_option(cmd, name, len);
            return false;
        }
        const cli_option *o = &cmd->options[k];
        const char *value = NULL;
        if (o->metavar) {
            if (eq) {
                value = eq + 1;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                cli_usage_error(cmd->name, "--%s needs a value (--%s %s)", o->name, o->name,
                                o->metavar);
                return false;
            }
        } else if (eq) {
            cli_usage_error(cmd->name, "--%s takes no value (got '--%s')", o->name, name);
            return false;
        }
        out->items[out->n++] = (cli_arg){k, value};
    }
    return true;
}

void cli_args_free(cli_args *a)
{
    free(a->items);
    free(a->pos);
    memset(a, 0, sizeof *a);
}

const char *cli_get(const cli_command *cmd, const cli_args *a, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < a->n; i++)
        if (strcmp(cmd->options[a->items[i].opt].name, name) == 0)
            v = a->items[i].value;
    return v;
}

bool cli_flag(const cli_command *cmd, const cli_args *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(cmd->options[a->items[i].opt].name, name) == 0)
            return true;
    return false;
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
    fprintf(f, "Usage: unroll %s %s\n\n%s\n", cmd->name, cmd->synopsis, cmd->description);
    fprintf(f, "\nOptions:\n");
    for (int i = 0; cmd->options[i].name; i++) {
        const cli_option *o = &cmd->options[i];
        char head[96];
        snprintf(head, sizeof head, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        /* the help may span lines: indent the continuation under the first */
        const char *h = o->help;
        int first = 1;
        while (*h || first) {
            const char *nl = strchr(h, '\n');
            int n = nl ? (int)(nl - h) : (int)strlen(h);
            if (first && strlen(head) <= 26)
                fprintf(f, "  %-26s %.*s\n", head, n, h);
            else if (first)
                fprintf(f, "  %s\n  %-26s %.*s\n", head, "", n, h);
            else
                fprintf(f, "  %-26s %.*s\n", "", n, h);
            first = 0;
            h += n;
            if (*h == '\n')
                h++;
        }
    }
    fprintf(f, "  %-26s %s\n", "-h, --help", "show this help and exit");
    if (cmd->epilog)
        fprintf(f, "\n%s", cmd->epilog);
}

int cli_run(const cli_command *cmd, int argc, char **argv,
            int (*run)(const cli_command *cmd, const cli_args *a))
{
    cli_args args;
    int status;
    if (!cli_parse(cmd, argc, argv, &args))
        status = CLI_EXIT_USAGE;
    else if (args.help) {
        cli_print_help(cmd, stdout);
        status = CLI_EXIT_OK;
    } else if (args.n_pos == 0)
        status = cli_usage_error(cmd->name, "no model file given");
    else if (args.n_pos > 1)
        status = cli_usage_error(cmd->name, "give one model file, got %d (%s, %s%s)", args.n_pos,
                                 args.pos[0], args.pos[1], args.n_pos > 2 ? ", ..." : "");
    else
        status = run(cmd, &args);
    cli_args_free(&args);
    return status;
}

/* ----------------------------------------------------------------- numbers */

bool cli_parse_int(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max,
                   int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE) {
        cli_usage_error(cmd, "--%s: expected a whole number, got '%s'", opt, s);
        return false;
    }
    if (v < min || v > max) {
        if (max == INT64_MAX)
            cli_usage_error(cmd, "--%s: must be at least %lld, got %lld", opt, (long long)min, v);
        else
            cli_usage_error(cmd, "--%s: must be between %lld and %lld, got %lld", opt,
                            (long long)min, (long long)max, v);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno == ERANGE) {
        cli_usage_error(cmd, "--%s: expected a whole number from 0 to %llu, got '%s'", opt,
                        (unsigned long long)UINT64_MAX, s);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_double(const char *cmd, const char *opt, const char *s, double min, double max,
                      double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        cli_usage_error(cmd, "--%s: expected a number, got '%s'", opt, s);
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error(cmd, "--%s: must be between %g and %g, got %g", opt, min, max, v);
        return false;
    }
    *out = v;
    return true;
}

char *cli_thousands(int64_t n, char *buf, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
    size_t len = strlen(digits), o = 0;
    char tmp[48];
    if (n < 0)
        tmp[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(buf, size, "%s", tmp);
    return buf;
}

int cli_text_width(const char *s, size_t len)
{
    int w = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

const char *cli_join(const char *const *names, int n, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

const char *cli_array_desc(const ur_array *a, char *buf, size_t size)
{
    ur_shape s = {.rank = a->t.rank};
    for (int i = 0; i < a->t.rank; i++)
        s.dim[i] = a->t.dim[i];
    char shape[160];
    snprintf(buf, size, "%s %s", ur_shape_format(&s, shape, sizeof shape),
             ur_dtype_name(a->t.dtype));
    return buf;
}

/* ------------------------------------------------------------------ models */

ur_graph *cli_open_model(const char *cmd, const char *path)
{
    ur_ctx ctx = {0};
    ur_graph *g = ur_model_file_read(path, &ctx);
    if (!g) {
        cli_error(cmd, "%s", ctx.message);
        return NULL;
    }
    if (ur_graph_check(g, &ctx) == UR_OK)
        return g;
    /* Every layer's own error, each where it stands in the file. */
    int shown = 0;
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        if (!ur_layer_error(l))
            continue;
        int line = 0, column = 0;
        ur_layer_position(l, &line, &column);
        char at[64] = "";
        if (line > 0)
            snprintf(at, sizeof at, ":%d:%d", line, column);
        cli_error(cmd, "%s%s: layer '%s' (%s): %s", path, at, ur_layer_name(l),
                  ur_layer_class(l), ur_layer_error(l));
        shown++;
    }
    if (shown == 0) {
        /* a graph-level error (outputs, no Input) */
        ur_model_file_check(g, path, &ctx);
        cli_error(cmd, "%s", ctx.message);
    }
    ur_graph_free(g);
    return NULL;
}

/* Converts *a in place to the dtype an Input takes: integers to float32
 * always, floats to int32 when every value is a whole number. */
bool cli_fit_dtype(const char *cmd, const char *what, const char *input, ur_array **a,
                   ur_dtype want)
{
    ur_ctx ctx = {0};
    if (ur_array_fit_dtype(a, want, what, input, &ctx) == UR_OK)
        return true;
    cli_error(cmd, "%s", ctx.message);
    return false;
}


/* ------------------------------------------------------------- devices */

bool cli_read_device(const cli_command *cmd, const cli_args *a, const char **device, bool *exact)
{
    *device = cli_get(cmd, a, "device");
    if (!*device)
        *device = "auto";
    int index;
    ur_ctx ctx = {0};
    if (ur_device_parse(*device, &index, &ctx) != UR_OK) {
        cli_usage_error(cmd->name, "--device: %s", ctx.message);
        return false;
    }
    const char *math = cli_get(cmd, a, "gpu-math");
    *exact = math && strcmp(math, "exact") == 0;
    if (math && !*exact && strcmp(math, "fast") != 0) {
        cli_usage_error(cmd->name, "--gpu-math: unknown mode '%s' (fast or exact)", math);
        return false;
    }
    return true;
}

void cli_report_device(const char *cmd, const ur_model *m, const char *note, bool exact)
{
    if (note && note[0])
        fprintf(stderr, "unroll %s: %s\n", cmd, note);
    else if (strcmp(ur_model_device(m), "cpu") != 0)
        printf("Device: %s%s\n", ur_model_device(m), exact ? " (exact float32 math)" : "");
    fflush(stdout);
}

bool cli_use_device(const char *cmd, ur_model *m, const char *device, bool exact)
{
    char note[600];
    ur_ctx ctx = {0};
    if (ur_model_use_device(m, device, exact, note, sizeof note, &ctx) != UR_OK) {
        cli_error(cmd, "%s", ctx.message);
        return false;
    }
    cli_report_device(cmd, m, note, exact);
    return true;
}
