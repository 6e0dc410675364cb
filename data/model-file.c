/* model-file.c — the model JSON file (format "unroll.model", version 1):
 * the envelope checks ("format", "version") around the engine's graph, errors
 * that point at file:line:column, and the atomic writer. The JSON text itself
 * is json.c's; the layers and their options are the engine's. */
#include "model-file.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UR_MODEL_FORMAT "unroll.model"
#define UR_MODEL_VERSION 1

/* "file:line:col" of v, or "file" when v was built in memory. */
static const char *where(const char *source, const ur_value *v, char *buf, size_t size)
{
    if (v && v->line > 0)
        snprintf(buf, size, "%s:%d:%d", source, v->line, v->column);
    else
        snprintf(buf, size, "%s", source);
    return buf;
}

/* The envelope: a JSON object whose "format" (if given) names this format and
 * whose "version" (if given) is one this build reads. Hand-written files may
 * leave both out. */
static ur_status check_envelope(const ur_value *doc, const char *source, ur_ctx *ctx)
{
    char at[600];
    if (doc->type != UR_VALUE_OBJECT)
        return ur_error(ctx, UR_ERR_FORMAT,
                        "%s: a model file is a JSON object with \"layers\", got %s",
                        where(source, doc, at, sizeof at), ur_value_type_name(doc->type));

    const ur_value *format = ur_value_get(doc, "format");
    if (format && (format->type != UR_VALUE_STRING || strcmp(format->u.str, UR_MODEL_FORMAT) != 0)) {
        if (format->type == UR_VALUE_STRING)
            return ur_error(ctx, UR_ERR_FORMAT,
                            "%s: \"format\" is \"%s\": this is not an Unroll model file "
                            "(expected \"" UR_MODEL_FORMAT "\")",
                            where(source, format, at, sizeof at), format->u.str);
        return ur_error(ctx, UR_ERR_FORMAT, "%s: \"format\" must be the string \"" UR_MODEL_FORMAT
                        "\", got %s", where(source, format, at, sizeof at),
                        ur_value_type_name(format->type));
    }

    const ur_value *version = ur_value_get(doc, "version");
    if (version) {
        double v = version->type == UR_VALUE_NUMBER ? version->u.num : 0;
        if (!isfinite(v) || v != floor(v) || v < 1)
            return ur_error(ctx, UR_ERR_FORMAT,
                            "%s: \"version\" must be a whole number (this Unroll reads version %d)",
                            where(source, version, at, sizeof at), UR_MODEL_VERSION);
        if (v > UR_MODEL_VERSION)
            return ur_error(ctx, UR_ERR_UNSUPPORTED,
                            "%s: was written by a newer Unroll (model format version %.0f); this "
                            "Unroll reads version %d: upgrade Unroll",
                            where(source, version, at, sizeof at), v, UR_MODEL_VERSION);
    }
    return UR_OK;
}

/* Envelope, then the graph; doc stays the caller's. */
static ur_graph *graph_from_doc(const ur_value *doc, const char *source, ur_ctx *ctx)
{
    if (check_envelope(doc, source, ctx) != UR_OK)
        return NULL;
    ur_graph *g = ur_graph_from_value(doc, ctx);
    if (!g && ctx && strncmp(ctx->message, source, strlen(source)) != 0) {
        /* "3:5: ..." becomes "file:3:5: ...", anything else "file: ..." */
        char msg[sizeof ctx->message];
        memcpy(msg, ctx->message, sizeof msg);
        bool at_line = msg[0] >= '0' && msg[0] <= '9';
        ur_error(ctx, ctx->status, "%s%s%s", source, at_line ? ":" : ": ", msg);
    }
    return g;
}

ur_graph *ur_model_file_parse(const char *text, size_t len, const char *source, ur_ctx *ctx)
{
    if (!source)
        source = "<input>";
    ur_value *doc = ur_json_parse(text, len, source, ctx);
    if (!doc)
        return NULL;
    ur_graph *g = graph_from_doc(doc, source, ctx);
    ur_value_free(doc);
    return g;
}

ur_graph *ur_model_file_read(const char *path, ur_ctx *ctx)
{
    ur_value *doc = ur_json_parse_file(path, ctx);
    if (!doc)
        return NULL;
    ur_graph *g = graph_from_doc(doc, path, ctx);
    ur_value_free(doc);
    return g;
}

ur_status ur_model_file_check(const ur_graph *g, const char *source, ur_ctx *ctx)
{
    ur_status st = ur_graph_check(g, ctx);
    if (st == UR_OK)
        return UR_OK;
    if (!source)
        source = "<input>";
    /* Point at the first layer (in graph order) that has an error of its own. */
    for (int i = 0; i < ur_graph_n_layers(g); i++) {
        const ur_layer *l = ur_graph_layer(g, i);
        if (!ur_layer_error(l))
            continue;
        int line = 0, column = 0;
        ur_layer_position(l, &line, &column);
        if (line > 0)
            ur_error_prefix(ctx, "%s:%d:%d", source, line, column);
        else
            ur_error_prefix(ctx, "%s", source);
        return st;
    }
    ur_error_prefix(ctx, "%s", source);
    return st;
}

/* The document with "format" and "version" first, then everything else the
 * graph keeps, in its order. */
static ur_value *file_document(const ur_graph *g)
{
    ur_value *body = ur_graph_to_value(g);
    ur_value *doc = ur_value_new_object();
    ur_value_set(doc, "format", ur_value_new_string(UR_MODEL_FORMAT));
    ur_value_set(doc, "version", ur_value_new_number(UR_MODEL_VERSION));
    for (size_t i = 0; i < body->u.obj.n; i++) {
        const char *key = body->u.obj.keys[i];
        if (strcmp(key, "format") == 0 || strcmp(key, "version") == 0)
            continue;
        ur_value_set(doc, key, body->u.obj.vals[i]);
        body->u.obj.vals[i] = NULL; /* moved */
    }
    ur_value_free(body);
    return doc;
}

ur_status ur_model_file_write(const char *path, const ur_graph *g, ur_ctx *ctx)
{
    ur_value *doc = file_document(g);
    char *text = ur_json_write(doc, 2);
    ur_value_free(doc);
    if (!text)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory while writing the model", path);
    /* a text file ends with a newline */
    size_t len = strlen(text);
    char *line = realloc(text, len + 2);
    if (!line) {
        free(text);
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory while writing the model", path);
    }
    line[len] = '\n';
    line[len + 1] = '\0';
    ur_status st = ur_file_write_atomic(path, line, len + 1, ctx);
    free(line);
    return st;
}
