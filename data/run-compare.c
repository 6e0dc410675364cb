/* run-compare.c — runs side by side (data/run-compare.h): hyper-parameters
 * parsed from each run's JSON, per-epoch metrics' final and best values, and
 * the layers of each model that differ from the first run's, by layer name. */
#include "run-compare.h"

#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ur_metric_is_batch(const char *name) { return strncmp(name, "batch_", 6) == 0; }

int ur_run_row_metric_index(const ur_run_row *r, const char *name)
{
    for (int i = 0; i < r->n_metrics; i++)
        if (strcmp(r->metric_names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------- events */

/* clipnorm, global_clipnorm or clipvalue at a negative value: off */
static bool clip_off(const char *name, const ur_value *v)
{
    return v->type == UR_VALUE_NUMBER && v->u.num < 0 && strstr(name, "clip");
}

/* A setting's value in words: a number (%g; a clipping that is off: "off"),
 * a boolean, a string. */
static void describe_value(char *buf, size_t size, const char *name, const ur_value *v)
{
    if (v && v->type == UR_VALUE_NUMBER)
        snprintf(buf, size, clip_off(name, v) ? "off" : "%g", v->u.num);
    else if (v && v->type == UR_VALUE_BOOL)
        snprintf(buf, size, "%s", v->u.b ? "true" : "false");
    else if (v && v->type == UR_VALUE_STRING)
        snprintf(buf, size, "%s", v->u.str);
    else
        snprintf(buf, size, "?");
}

/* Appends text to the description (a long one is cut with "…"). */
typedef struct text {
    char buf[1024];
    size_t len;
} text;

static void append(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    t->len += (size_t)n;
    if (t->len >= sizeof t->buf - 1) {
        /* cut at a character's start, then "…" and the NUL */
        size_t cut = sizeof t->buf - 4;
        while (cut > 0 && ((unsigned char)t->buf[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(t->buf + cut, "\xe2\x80\xa6", 4);
        t->len = sizeof t->buf - 1; /* full: later text is dropped */
    }
}

char *ur_run_event_describe(const ur_run_event *e)
{
    ur_value *d = e->detail ? ur_json_parse(e->detail, strlen(e->detail), "event", NULL) : NULL;
    if (d && d->type != UR_VALUE_OBJECT) {
        ur_value_free(d);
        d = NULL;
    }
    const ur_value *from = d ? ur_value_get(d, "from") : NULL;
    const ur_value *to = d ? ur_value_get(d, "to") : NULL;
    const ur_value *epoch = d ? ur_value_get(d, "epoch") : NULL;
    const ur_value *message = d ? ur_value_get(d, "message") : NULL;
    text t = {.len = 0};
    t.buf[0] = 0;
    char a[64], b[64];
    if (strcmp(e->kind, "pause") == 0) {
        append(&t, "Paused");
    } else if (strcmp(e->kind, "resume") == 0) {
        if (from && from->type == UR_VALUE_STRING)
            append(&t, "Resumed (was %s)", from->u.str);
        else
            append(&t, "Resumed");
    } else if (strcmp(e->kind, "lr") == 0 && from && to) {
        describe_value(a, sizeof a, "learning_rate", from);
        describe_value(b, sizeof b, "learning_rate", to);
        append(&t, "Learning rate %s → %s", a, b);
    } else if (strcmp(e->kind, "optimizer") == 0 && to && to->type == UR_VALUE_OBJECT) {
        for (size_t i = 0; i < to->u.obj.n; i++) {
            const char *name = to->u.obj.keys[i];
            describe_value(a, sizeof a, name, from ? ur_value_get(from, name) : NULL);
            describe_value(b, sizeof b, name, to->u.obj.vals[i]);
            append(&t, "%s%s %s → %s", i ? ", " : "",
                   strcmp(name, "learning_rate") == 0 ? "learning rate" : name, a, b);
        }
    } else if (strcmp(e->kind, "stop") == 0) {
        const ur_value *paused = d ? ur_value_get(d, "paused") : NULL;
        append(&t, "%s", paused && paused->type == UR_VALUE_BOOL && paused->u.b
                                         ? "Kept for later" : "Stopped");
        if (epoch && epoch->type == UR_VALUE_NUMBER)
            append(&t, " in epoch %g", epoch->u.num + 1);
    } else if (strcmp(e->kind, "error") == 0) {
        append(&t, "Failed%s%s", message && message->type == UR_VALUE_STRING ? ": " : "",
               message && message->type == UR_VALUE_STRING ? message->u.str : "");
    } else if (strcmp(e->kind, "interrupted") == 0) {
        const ur_value *reason = d ? ur_value_get(d, "reason") : NULL;
        bool has = reason && reason->type == UR_VALUE_STRING && reason->u.str[0];
        append(&t, "Interrupted%s%s", has ? ": " : "", has ? reason->u.str : "");
    } else if (strcmp(e->kind, "device") == 0 && d) {
        const ur_value *dev = ur_value_get(d, "device"), *layers = ur_value_get(d, "layers");
        append(&t, "On %s", dev && dev->type == UR_VALUE_STRING ? dev->u.str : "?");
        if (layers && layers->type == UR_VALUE_OBJECT && layers->u.obj.n > 0) {
            for (size_t i = 0; i < layers->u.obj.n; i++) {
                describe_value(a, sizeof a, "", layers->u.obj.vals[i]);
                append(&t, "%s%s: %s", i ? ", " : " (", layers->u.obj.keys[i], a);
            }
            append(&t, ")");
        }
    } else {
        append(&t, "%s%s%s", e->kind, e->detail ? " " : "", e->detail ? e->detail : "");
    }
    ur_value_free(d);
    return strdup(t.buf);
}

const char *ur_layer_change_kind_name(ur_layer_change_kind kind)
{
    switch (kind) {
    case UR_LAYER_REMOVED: return "removed";
    case UR_LAYER_CHANGED: return "changed";
    case UR_LAYER_ADDED: return "added";
    }
    return "?";
}

static const ur_value *object_get(const ur_value *obj, const char *key)
{
    return obj && obj->type == UR_VALUE_OBJECT ? ur_value_get(obj, key) : NULL;
}

/* A setting as a table cell: strings bare, a clipping that is off (a
 * negative clipnorm, global_clipnorm or clipvalue) as "off", anything else
 * as JSON. */
static char *value_text(const char *key, const ur_value *v)
{
    if (clip_off(key, v))
        return strdup("off");
    return v->type == UR_VALUE_STRING ? strdup(v->u.str) : ur_json_write(v, -1);
}

static ur_value *parse_or_null(const char *text, const char *what)
{
    ur_ctx ctx = {0};
    return text ? ur_json_parse(text, strlen(text), what, &ctx) : NULL;
}

/* ------------------------------------------------------------ layers */

/* A layer's options other than its name (and ui), as "key: from -> to". */
static void layer_changes(const ur_value *x, const ur_value *y, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        const ur_value *p = pass ? y : x, *q = pass ? x : y;
        for (size_t i = 0; i < p->u.obj.n && pos < size; i++) {
            const char *key = p->u.obj.keys[i];
            const ur_value *other = ur_value_get(q, key);
            if (strcmp(key, "name") == 0 || strcmp(key, "ui") == 0 || (pass && other))
                continue;
            if (other && ur_value_equal(p->u.obj.vals[i], other))
                continue;
            const ur_value *from = pass ? NULL : p->u.obj.vals[i];
            const ur_value *to = pass ? p->u.obj.vals[i] : other;
            char *f = from ? ur_json_write(from, -1) : NULL, *t = to ? ur_json_write(to, -1) : NULL;
            int w = snprintf(buf + pos, size - pos, "%s%s: %s -> %s", pos ? ", " : "", key,
                             f ? f : "(unset)", t ? t : "(unset)");
            pos += w > 0 ? (size_t)w : 0;
            free(f);
            free(t);
        }
    }
}

static const ur_value *find_layer(const ur_value *layers, const char *name)
{
    for (size_t i = 0; layers && i < layers->u.arr.n; i++) {
        const ur_value *n = object_get(layers->u.arr.items[i], "name");
        if (n && n->type == UR_VALUE_STRING && strcmp(n->u.str, name) == 0)
            return layers->u.arr.items[i];
    }
    return NULL;
}

static const ur_value *model_layers(const ur_value *doc)
{
    const ur_value *l = object_get(doc, "layers");
    return l && l->type == UR_VALUE_ARRAY ? l : NULL;
}

static bool add_change(ur_run_compare *c, int run, int64_t run_id, ur_layer_change_kind kind,
                       const char *layer, const char *detail)
{
    ur_layer_change *grown = realloc(c->layers, (size_t)(c->n_layers + 1) * sizeof *grown);
    if (!grown)
        return false;
    c->layers = grown;
    ur_layer_change *ch = &c->layers[c->n_layers];
    *ch = (ur_layer_change){.run = run, .run_id = run_id, .kind = kind,
                            .layer = strdup(layer), .detail = detail ? strdup(detail) : NULL};
    c->n_layers++;
    return ch->layer && (!detail || ch->detail);
}

/* The layers of run b's model that differ from run a's. */
static bool layer_diff(ur_run_compare *c, const ur_run_row *a, const ur_run_row *b, int bi)
{
    ur_value *da = parse_or_null(a->model_json, "model");
    ur_value *db = parse_or_null(b->model_json, "model");
    const ur_value *la = model_layers(da), *lb = model_layers(db);
    bool ok = true;
    for (size_t i = 0; ok && la && i < la->u.arr.n; i++) {
        const ur_value *x = la->u.arr.items[i], *n = object_get(x, "name");
        if (!n || n->type != UR_VALUE_STRING)
            continue;
        const ur_value *y = find_layer(lb, n->u.str);
        char changes[1024];
        if (!y) {
            ok = add_change(c, bi, b->id, UR_LAYER_REMOVED, n->u.str, NULL);
        } else if (y->type == UR_VALUE_OBJECT && !ur_value_equal(x, y)) {
            layer_changes(x, y, changes, sizeof changes);
            if (changes[0])
                ok = add_change(c, bi, b->id, UR_LAYER_CHANGED, n->u.str, changes);
        }
    }
    for (size_t i = 0; ok && lb && i < lb->u.arr.n; i++) {
        const ur_value *y = lb->u.arr.items[i], *n = object_get(y, "name");
        if (n && n->type == UR_VALUE_STRING && !find_layer(la, n->u.str)) {
            const ur_value *cls = object_get(y, "class");
            ok = add_change(c, bi, b->id, UR_LAYER_ADDED, n->u.str,
                            cls && cls->type == UR_VALUE_STRING ? cls->u.str : "?");
        }
    }
    ur_value_free(da);
    ur_value_free(db);
    return ok;
}

/* ------------------------------------------------------------- build */

static bool add_hparams(ur_run_compare *c, ur_value **hp, int n)
{
    for (int i = 0; i < n; i++)
        for (size_t k = 0; hp[i] && hp[i]->type == UR_VALUE_OBJECT && k < hp[i]->u.obj.n; k++) {
            const char *key = hp[i]->u.obj.keys[k];
            bool seen = false, differ = false;
            for (int j = 0; j < i && !seen; j++)
                seen = object_get(hp[j], key) != NULL;
            if (seen)
                continue;
            const ur_value *first = object_get(hp[0], key);
            for (int j = 1; j < n; j++) {
                const ur_value *v = object_get(hp[j], key);
                differ = differ || !first || !v || !ur_value_equal(first, v);
            }
            ur_compare_hparam *grown =
                realloc(c->hparams, (size_t)(c->n_hparams + 1) * sizeof *grown);
            if (!grown)
                return false;
            c->hparams = grown;
            ur_compare_hparam *h = &c->hparams[c->n_hparams++];
            *h = (ur_compare_hparam){.name = strdup(key), .cells = calloc((size_t)n, sizeof(char *)),
                                     .differ = differ};
            if (!h->name || !h->cells)
                return false;
            for (int j = 0; j < n; j++) {
                const ur_value *v = object_get(hp[j], key);
                if (v && !(h->cells[j] = value_text(key, v)))
                    return false;
            }
        }
    return true;
}

static bool add_metrics(ur_run_compare *c, const ur_run_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < rows[i].n_metrics; k++) {
            const char *name = rows[i].metric_names[k];
            bool seen = ur_metric_is_batch(name);
            for (int j = 0; j < i && !seen; j++)
                seen = ur_run_row_metric_index(&rows[j], name) >= 0;
            if (seen)
                continue;
            ur_compare_metric *grown =
                realloc(c->metrics, (size_t)(c->n_metrics + 1) * sizeof *grown);
            if (!grown)
                return false;
            c->metrics = grown;
            ur_compare_metric *m = &c->metrics[c->n_metrics++];
            *m = (ur_compare_metric){.name = strdup(name),
                                     .final_values = calloc((size_t)n, sizeof(double)),
                                     .best_values = calloc((size_t)n, sizeof(double))};
            if (!m->name || !m->final_values || !m->best_values)
                return false;
            for (int j = 0; j < n; j++) {
                int x = ur_run_row_metric_index(&rows[j], name);
                m->final_values[j] = x < 0 ? NAN : rows[j].final_values[x];
                m->best_values[j] = x < 0 ? NAN : rows[j].best_values[x];
            }
        }
    return true;
}

ur_status ur_run_compare_build(const ur_run_row *rows, int n, ur_run_compare *out, ur_ctx *ctx)
{
    *out = (ur_run_compare){.n_runs = n};
    if (n < 1)
        return ur_error(ctx, UR_ERR_INVALID, "comparing runs: no runs given");
    ur_value **hp = calloc((size_t)n, sizeof *hp);
    if (!hp)
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        hp[i] = parse_or_null(rows[i].hparams_json, "hyper-parameters");
    bool ok = add_hparams(out, hp, n) && add_metrics(out, rows, n);
    for (int i = 1; ok && i < n; i++)
        ok = layer_diff(out, &rows[0], &rows[i], i);
    for (int i = 0; i < n; i++)
        ur_value_free(hp[i]);
    free(hp);
    if (!ok) {
        ur_run_compare_clear(out);
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    }
    return UR_OK;
}

void ur_run_compare_clear(ur_run_compare *c)
{
    for (int i = 0; i < c->n_hparams; i++) {
        for (int j = 0; c->hparams[i].cells && j < c->n_runs; j++)
            free(c->hparams[i].cells[j]);
        free(c->hparams[i].cells);
        free(c->hparams[i].name);
    }
    for (int i = 0; i < c->n_metrics; i++) {
        free(c->metrics[i].name);
        free(c->metrics[i].final_values);
        free(c->metrics[i].best_values);
    }
    for (int i = 0; i < c->n_layers; i++) {
        free(c->layers[i].layer);
        free(c->layers[i].detail);
    }
    free(c->hparams);
    free(c->metrics);
    free(c->layers);
    *c = (ur_run_compare){0};
}
