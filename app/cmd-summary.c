/* cmd-summary.c — `unroll summary MODEL.json`: the Keras 3 model.summary()
 * table (layer and class, output shapes, parameter counts, "Connected to"
 * for functional graphs) and the parameter totals with their sizes. Column
 * widths and cell wrapping follow Keras's layout as rendered by `rich`. */
#include "cli-util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const cli_option summary_options[] = {
    {"ascii", NULL, "draw the table with plain ASCII characters"},
    {"device", "DEV", "also say how each layer runs on DEV: auto, cpu, cuda or cuda:N\n"
                      "(cudnn, kernels: the GPU's own kernels, cublas, or cpu)"},
    {"gpu-math", "MODE", "fast (default) or exact: the GPU math that --device opens"},
    {NULL, NULL, NULL},
};

static const cli_command summary_command = {
    .name = "summary",
    .synopsis = "MODEL.json [--ascii] [--device DEV]",
    .description =
        "Prints the model's layers as Keras's model.summary() does: each layer with its\n"
        "class, output shape(s) and number of parameters; for functional graphs (several\n"
        "inputs or outputs, explicit \"inputs\" or \"initial_state\") also the Input layers\n"
        "and what each layer is connected to, as layer[0][k] (output k of that layer).\n"
        "Then the total, trainable and non-trainable parameters and their size as\n"
        "float32. A model with errors is not summarised: each error is printed with its\n"
        "file:line:column and the exit status is 1. With --device, the model is also\n"
        "opened there and each layer's path is listed (a layer the GPU cannot run makes\n"
        "--device cuda fail with its name; auto then says why it stays on the CPU).",
    .options = summary_options,
    .epilog = "The table is as wide as Keras makes it: at most 88 columns (108 for graphs), and\n"
              "no wider than the terminal ($COLUMNS, else 80 when not a terminal) minus 4.\n",
};

/* ------------------------------------------------------------------ table */

typedef struct box_chars {
    const char *top[4];    /* left, horizontal, divider, right */
    const char *head[3];   /* left, divider, right of the header row */
    const char *head_sep[4];
    const char *row[3];
    const char *row_sep[4];
    const char *bottom[4];
    const char *ellipsis;
} box_chars;

/* rich's HEAVY_HEAD box, as Keras prints it */
static const box_chars box_heavy_head = {
    {"┏", "━", "┳", "┓"}, {"┃", "┃", "┃"}, {"┡", "━", "╇", "┩"},
    {"│", "│", "│"},      {"├", "─", "┼", "┤"}, {"└", "─", "┴", "┘"}, "…",
};

static const box_chars box_ascii = {
    {"+", "-", "+", "+"}, {"|", "|", "|"}, {"+", "=", "+", "+"},
    {"|", "|", "|"},      {"+", "-", "+", "+"}, {"+", "-", "+", "+"}, "~",
};

#define MAX_COLS 4
#define MAX_CELL_LINES 32

typedef struct table {
    int n_cols;
    const char *header[MAX_COLS];
    bool right[MAX_COLS];
    int width[MAX_COLS];   /* cell widths, padding included */
    const box_chars *box;
} table;

/* Column widths as Keras computes them (int(position * line_length) steps)
 * and as rich then fits them into the line: one cell of padding on each side,
 * borders between, and the excess taken evenly (banker's rounding, as
 * Python's round()) from left to right. */
static void table_layout(table *t, int line_length, const double *positions)
{
    int current = 0, total = 0;
    for (int i = 0; i < t->n_cols; i++) {
        int w = (int)(positions[i] * line_length) - current;
        current += w;
        t->width[i] = w + 2;
        total += t->width[i];
    }
    int max_width = line_length - (t->n_cols + 1);
    if (total <= max_width)
        return;
    double remaining = total - max_width;
    int ratio_left = t->n_cols;
    for (int i = 0; i < t->n_cols; i++) {
        double d = rint(remaining / ratio_left);
        if (d > t->width[i])
            d = t->width[i];
        t->width[i] -= (int)d;
        remaining -= d;
        ratio_left--;
    }
}

/* Byte offset in s after `cells` display cells. */
static size_t cells_to_bytes(const char *s, size_t len, int cells)
{
    size_t i = 0;
    int w = 0;
    while (i < len) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cells)
                break;
            w++;
        }
        i++;
    }
    return i;
}

typedef struct cell_line {
    const char *text;
    size_t len;
    bool cut;  /* longer than the cell: shown with an ellipsis */
} cell_line;

/* Wraps text into lines of at most width cells: hard breaks at '\n', soft
 * breaks before a word that does not fit; a word longer than a whole line
 * stands alone and is cut with an ellipsis (rich's "ellipsis" overflow). */
static int wrap_cell(const char *text, int width, cell_line *lines, int max_lines)
{
    int n = 0;
    const char *p = text;
    while (n < max_lines) {
        const char *end = strchr(p, '\n');
        size_t para_len = end ? (size_t)(end - p) : strlen(p);
        const char *q = p, *stop = p + para_len;
        const char *line_start = p;
        int offset = 0;
        while (q < stop && n < max_lines) {
            const char *w_end = q;
            while (w_end < stop && *w_end != ' ')
                w_end++;
            const char *w_next = w_end;
            while (w_next < stop && *w_next == ' ')
                w_next++;
            int word = cli_text_width(q, (size_t)(w_end - q));
            int word_all = cli_text_width(q, (size_t)(w_next - q));
            if (offset > 0 && word > width - offset) {
                lines[n++] = (cell_line){line_start, (size_t)(q - line_start), false};
                line_start = q;
                offset = 0;
            }
            offset += word > width ? width + 1 : word_all;
            q = w_next;
        }
        if (n < max_lines)
            lines[n++] = (cell_line){line_start, (size_t)(stop - line_start), false};
        if (!end)
            break;
        p = end + 1;
    }
    for (int i = 0; i < n; i++) {
        while (lines[i].len > 0 && lines[i].text[lines[i].len - 1] == ' ')
            lines[i].len--;
        if (cli_text_width(lines[i].text, lines[i].len) > width) {
            lines[i].len = cells_to_bytes(lines[i].text, lines[i].len, width - 1);
            lines[i].cut = true;
        }
    }
    return n;
}

static void put_repeat(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        fputs(s, stdout);
}

static void rule(const table *t, const char *const *chars)
{
    fputs(chars[0], stdout);
    for (int c = 0; c < t->n_cols; c++) {
        put_repeat(chars[1], t->width[c]);
        fputs(c + 1 < t->n_cols ? chars[2] : chars[3], stdout);
    }
    fputc('\n', stdout);
}

static void row(const table *t, const char *const *cells, const char *const *edge)
{
    cell_line lines[MAX_COLS][MAX_CELL_LINES];
    int n_lines[MAX_COLS], height = 1;
    for (int c = 0; c < t->n_cols; c++) {
        n_lines[c] = wrap_cell(cells[c], t->width[c] - 2, lines[c], MAX_CELL_LINES);
        if (n_lines[c] > height)
            height = n_lines[c];
    }
    for (int k = 0; k < height; k++) {
        fputs(edge[0], stdout);
        for (int c = 0; c < t->n_cols; c++) {
            int inner = t->width[c] - 2;
            const cell_line *l = k < n_lines[c] ? &lines[c][k] : NULL;
            int w = l ? cli_text_width(l->text, l->len) + (l->cut ? 1 : 0) : 0;
            int pad = inner - w;
            fputc(' ', stdout);
            if (t->right[c])
                put_repeat(" ", pad);
            if (l) {
                fwrite(l->text, 1, l->len, stdout);
                if (l->cut)
                    fputs(t->box->ellipsis, stdout);
            }
            if (!t->right[c])
                put_repeat(" ", pad);
            fputc(' ', stdout);
            fputs(c + 1 < t->n_cols ? edge[1] : edge[2], stdout);
        }
        fputc('\n', stdout);
    }
}

/* ---------------------------------------------------------------- summary */

/* Keras's readable_memory_size: B, KB, MB, ... with 1024 steps. */
static const char *memory_size(double bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (u < 5 && bytes / 1024 >= 1) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, size, "%.2f %s", bytes, units[u]);
    return buf;
}

static int terminal_columns(void)
{
    const char *env = getenv("COLUMNS");
    if (env && atoi(env) > 0)
        return atoi(env);
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static void print_summary(const ur_graph *g, bool ascii)
{
    bool sequential = ur_graph_summary_is_sequential(g);
    static const double seq_positions[] = {0.45, 0.80, 1.0};
    static const double graph_positions[] = {0.3, 0.56, 0.74, 1.0};
    table t = {
        .n_cols = sequential ? 3 : 4,
        .header = {"Layer (type)", "Output Shape", "Param #", "Connected to"},
        .right = {false, false, true, false},
        .box = ascii ? &box_ascii : &box_heavy_head,
    };
    int line_length = sequential ? 88 : 108;
    int columns = terminal_columns() - 4;
    if (columns < line_length)
        line_length = columns < 40 ? 40 : columns;
    table_layout(&t, line_length, sequential ? seq_positions : graph_positions);

    printf("Model: \"%s\"\n", ur_graph_name(g));
    rule(&t, t.box->top);
    row(&t, t.header, t.box->head);
    rule(&t, t.box->head_sep);

    int n = ur_graph_n_layers(g);
    for (int i = sequential ? 1 : 0; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        char name[512], shapes[1024], params[32], connected[2048];
        ur_layer_summary_name(l, name, sizeof name);
        ur_layer_summary_shapes(l, shapes, sizeof shapes);
        cli_thousands(ur_layer_count_params(l, true) + ur_layer_count_params(l, false), params,
                      sizeof params);
        ur_layer_summary_connected(g, l, connected, sizeof connected);

        const char *cells[MAX_COLS] = {name, shapes, params, connected};
        if (i > (sequential ? 1 : 0))
            rule(&t, t.box->row_sep);
        row(&t, cells, t.box->row);
    }
    rule(&t, t.box->bottom);

    int64_t trainable = ur_graph_count_params(g, true);
    int64_t frozen = ur_graph_count_params(g, false);
    char num[32], mem[32];
    printf(" Total params: %s (%s)\n", cli_thousands(trainable + frozen, num, sizeof num),
           memory_size((double)(trainable + frozen) * 4, mem, sizeof mem));
    printf(" Trainable params: %s (%s)\n", cli_thousands(trainable, num, sizeof num),
           memory_size((double)trainable * 4, mem, sizeof mem));
    printf(" Non-trainable params: %s (%s)\n", cli_thousands(frozen, num, sizeof num),
           memory_size((double)frozen * 4, mem, sizeof mem));
}

/* --device: the model on that device, and each layer's path there. */
static int print_paths(const char *cmd, ur_graph *g, const char *device, bool exact)
{
    ur_ctx ctx = {0};
    ur_model *m = ur_model_new(g, &ctx); /* takes g */
    if (!m) {
        cli_error(cmd, "%s", ctx.message);
        return CLI_EXIT_FAIL;
    }
    int status = CLI_EXIT_FAIL;
    if (cli_use_device(cmd, m, device, exact)) {
        const ur_graph *mg = ur_model_graph(m);
        printf(" Layers on %s:\n", ur_model_device(m));
        for (int i = 0; i < ur_graph_n_layers(mg); i++) {
            const ur_layer *l = ur_graph_layer(mg, i);
            printf("   %s (%s): %s\n", ur_layer_name(l), ur_layer_class(l),
                   ur_model_layer_path(m, i));
        }
        status = CLI_EXIT_OK;
    }
    ur_model_free(m);
    return status;
}

static int summary(const cli_command *cmd, const cli_args *a)
{
    const char *device = NULL;
    bool exact = false;
    if (cli_get(cmd, a, "device") && !cli_read_device(cmd, a, &device, &exact))
        return CLI_EXIT_USAGE;
    ur_graph *g = cli_open_model(cmd->name, a->pos[0]);
    if (!g)
        return CLI_EXIT_FAIL;
    print_summary(g, cli_flag(cmd, a, "ascii"));
    if (device)
        return print_paths(cmd->name, g, device, exact);
    ur_graph_free(g);
    return CLI_EXIT_OK;
}

int cmd_summary(int argc, char **argv)
{
    return cli_run(&summary_command, argc, argv, summary);
}
