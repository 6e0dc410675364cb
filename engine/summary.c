/* summary.c — the cells of Keras's model.summary() table: which graphs Keras
 * prints as Sequential, and each layer's name, output shapes and inbound
 * tensors as Keras words them. `unroll summary` and the window share them. */
#include "ur-internal.h"

#include <stdarg.h>
#include <stdio.h>

/* A chain Keras would print as a Sequential model: one Input first, every
 * other layer fed by the previous layer's first output, the last layer's
 * first output the only model output. */
bool ur_graph_summary_is_sequential(const ur_graph *g)
{
    int n = ur_graph_n_layers(g);
    if (n == 0 || ur_graph_n_inputs(g) != 1 || ur_graph_input(g, 0) != ur_graph_layer(g, 0) ||
        ur_graph_n_outputs(g) != 1)
        return false;
    ur_layer *out;
    int out_index;
    ur_graph_output(g, 0, &out, &out_index);
    if (out != ur_graph_layer(g, n - 1) || out_index != 0)
        return false;
    for (int i = 1; i < n; i++) {
        const ur_layer *l = ur_graph_layer(g, i), *src;
        int index;
        bool is_state;
        if (ur_layer_n_inbound(l) != 1)
            return false;
        ur_layer_inbound(g, l, 0, &src, &index, &is_state);
        if (src != ur_graph_layer(g, i - 1) || index != 0 || is_state)
            return false;
    }
    return true;
}

/* Appends printf text at *pos, never past size (the text is cut there). */
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
    if (*pos >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

void ur_layer_summary_name(const ur_layer *l, char *buf, size_t size)
{
    const char *cls = ur_layer_class(l);
    snprintf(buf, size, "%s (%s)", ur_layer_name(l),
             strcmp(cls, "Input") == 0 ? "InputLayer" : cls);
}

void ur_layer_summary_shapes(const ur_layer *l, char *buf, size_t size)
{
    size_t pos = 0;
    int n_out = ur_layer_n_outputs(l);
    buf[0] = '\0';
    for (int k = 0; k < n_out; k++) {
        char s[128];
        ur_shape_format(ur_layer_output_shape(l, k), s, sizeof s);
        append(buf, size, &pos, "%s%s%s%s", k == 0 && n_out > 1 ? "[" : "", s,
               k + 1 < n_out ? ",\n" : "", k + 1 == n_out && n_out > 1 ? "]" : "");
    }
    if (n_out == 0)
        snprintf(buf, size, "?");
}

void ur_layer_summary_connected(const ur_graph *g, const ur_layer *l, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int k = 0; k < ur_layer_n_inbound(l); k++) {
        const ur_layer *src;
        int index;
        bool is_state;
        ur_layer_inbound(g, l, k, &src, &index, &is_state);
        append(buf, size, &pos, "%s%s[0][%d]", k ? ",\n" : "", ur_layer_name(src), index);
    }
    if (!buf[0])
        snprintf(buf, size, "-");
}
