/* csv-series.c — a time series in a CSV file, cut into windows as Keras's
 * timeseries_dataset_from_array does: x[i] = the feature columns of rows
 * i·stride … i·stride + window − 1, y[i] = the target columns of row
 * i·stride + window + horizon − 1. The file has a header line naming its
 * columns; fields are separated by commas (or by tabs or semicolons when the
 * header has those and no comma); a column that is not all numbers (a date)
 * is left out of the defaults. Every problem names the file, the line and
 * the column.
 *
 * Spec: "PATH.csv[?window=W&horizon=H&stride=S&target=A,B&features=C,D&val=F]"
 *   window    timesteps per sample (default 24)
 *   horizon   how far after the window the target is (default 1: the next row)
 *   stride    rows between the starts of two samples (default 1)
 *   target    the column(s) to predict (default: the last numeric column)
 *   features  the input columns (default: every numeric column)
 *   val       the fraction of rows, from the end, windowed apart as the
 *             validation data (default 0: none)
 *   standardize  true: each used column to zero mean and unit deviation
 *             over the training rows (default false, as Keras's function)
 */
#include "datasets.h"

#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLUMNS 4096

typedef struct csv_table {
    const char *path;
    int n_cols;
    char **names;
    int64_t n_rows;
    int64_t first_line;        /* the first data line's number */
    double *v;                 /* n_rows × n_cols; NAN where a field is not a number */
    int64_t *bad_line;         /* per column: the first line whose field is not a number (0: none) */
    int *bad_col;              /* ... its 1-based field number */
    char **bad_text;           /* ... and the text there */
} csv_table;

static void table_clear(csv_table *t)
{
    for (int c = 0; c < t->n_cols; c++) {
        free(t->names[c]);
        free(t->bad_text[c]);
    }
    free(t->names);
    free(t->bad_text);
    free(t->bad_line);
    free(t->bad_col);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- options */

static ur_status parse_int(const char *path, const char *key, const char *value, int64_t lo,
                           int64_t hi, int64_t *out, ur_ctx *ctx)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (!value[0] || *end || errno || v < lo || v > hi)
        return ur_error(ctx, UR_ERR_INVALID, "%s: option '%s' is '%s', expected an integer from "
                        "%lld to %lld", path, key, value, (long long)lo, (long long)hi);
    *out = v;
    return UR_OK;
}

bool ur_spec_is_csv(const char *spec)
{
    const char *q = spec ? strchr(spec, '?') : NULL;
    size_t n = spec ? (q ? (size_t)(q - spec) : strlen(spec)) : 0;
    return n >= 4 && strncasecmp(spec + n - 4, ".csv", 4) == 0;
}

void ur_csv_options_clear(ur_csv_options *o)
{
    free(o->target);
    free(o->features);
    o->target = o->features = NULL;
}

static ur_status parse_options(const char *path, const char *query, ur_csv_options *o, ur_ctx *ctx)
{
    *o = (ur_csv_options){.window = 24, .horizon = 1, .stride = 1};
    static const char *const keys[] = {"window", "horizon", "stride", "target", "features", "val",
                                       "standardize", NULL};
    ur_status st = UR_OK;
    char *copy = strdup(query ? query : "");
    for (char *save = NULL, *item = strtok_r(copy, "&", &save); item && !st;
         item = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(item, '=');
        const char *value = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        int k = -1;
        for (int i = 0; keys[i]; i++)
            if (strcmp(item, keys[i]) == 0)
                k = i;
        if (k < 0) {
            const char *near = ur_closest(item, keys);
            char hint[64] = "";
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            st = ur_error(ctx, UR_ERR_INVALID, "%s: unknown option '%s'%s; a CSV series takes "
                          "window, horizon, stride, target, features, val and standardize", path,
                          item, hint);
        } else if (!value[0]) {
            st = ur_error(ctx, UR_ERR_INVALID, "%s: option '%s' needs a value", path, item);
        } else if (k == 0) {
            st = parse_int(path, item, value, 1, 1000000, &o->window, ctx);
        } else if (k == 1) {
            st = parse_int(path, item, value, 1, 1000000, &o->horizon, ctx);
        } else if (k == 2) {
            st = parse_int(path, item, value, 1, 1000000, &o->stride, ctx);
        } else if (k == 3) {
            free(o->target);
            o->target = strdup(value);
        } else if (k == 4) {
            free(o->features);
            o->features = strdup(value);
        } else if (k == 6) {
            if (strcmp(value, "true") && strcmp(value, "false"))
                st = ur_error(ctx, UR_ERR_INVALID, "%s: option 'standardize' is '%s', expected "
                              "true or false", path, value);
            o->standardize = strcmp(value, "true") == 0;
        } else {
            char *end;
            o->val = strtod(value, &end);
            if (*end || !(o->val >= 0 && o->val < 1))
                st = ur_error(ctx, UR_ERR_INVALID, "%s: option 'val' is '%s', expected a "
                              "fraction from 0 to below 1", path, value);
        }
    }
    free(copy);
    if (st)
        ur_csv_options_clear(o);
    return st;
}

ur_status ur_csv_spec_parse(const char *spec, char **path, ur_csv_options *o, ur_ctx *ctx)
{
    const char *query = strchr(spec, '?');
    *path = query ? strndup(spec, (size_t)(query - spec)) : strdup(spec);
    return parse_options(*path, query ? query + 1 : NULL, o, ctx);
}

char *ur_csv_spec_format(const char *path, const ur_csv_options *o)
{
    size_t size = strlen(path) + (o->target ? strlen(o->target) : 0) +
                  (o->features ? strlen(o->features) : 0) + 200;
    char *spec = malloc(size);
    size_t n = (size_t)snprintf(spec, size, "%s?window=%lld", path, (long long)o->window);
    if (o->horizon != 1)
        n += (size_t)snprintf(spec + n, size - n, "&horizon=%lld", (long long)o->horizon);
    if (o->stride != 1)
        n += (size_t)snprintf(spec + n, size - n, "&stride=%lld", (long long)o->stride);
    if (o->target)
        n += (size_t)snprintf(spec + n, size - n, "&target=%s", o->target);
    if (o->features)
        n += (size_t)snprintf(spec + n, size - n, "&features=%s", o->features);
    if (o->val > 0)
        n += (size_t)snprintf(spec + n, size - n, "&val=%g", o->val);
    if (o->standardize)
        snprintf(spec + n, size - n, "&standardize=true");
    return spec;
}

/* ----------------------------------------------------------------- reading */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *t = s + strlen(s);
    while (t > s && isspace((unsigned char)t[-1]))
        *--t = '\0';
    return s;
}

/* Splits line in place into its fields, trimmed, as RFC 4180 quotes them
 * ("a, b" is one field, "" inside quotes is a quote). Stores at most max
 * field pointers into out and returns how many fields there are, or -1
 * with *bad the 1-based column of a quote that is not closed. */
static int split_fields(char *line, char sep, char **out, int max, int *bad)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || (*p == '\t' && sep != '\t'))
            p++;
        char *field = p;
        if (*p == '"') {
            /* quoted: copy down over the quotes and the doubled ones */
            char *w = p;
            p++;
            for (;;) {
                if (!*p) {
                    *bad = (int)(field - line) + 1;
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            char *rest = p;
            while (*p && *p != sep)
                p++;
            /* text after the closing quote joins the field ("a"b -> ab) */
            size_t extra = (size_t)(p - rest);
            memmove(w, rest, extra);
            w[extra] = '\0';
        } else {
            while (*p && *p != sep)
                p++;
        }
        bool end = !*p;
        if (!end)
            *p++ = '\0';
        if (n < max)
            out[n] = trim(field);
        n++;
        if (end)
            return n;
    }
}

/* Parses text (len bytes, a NUL after them; modified in place) named path. */
static ur_status parse_table(char *text, size_t len, const char *path, csv_table *t, ur_ctx *ctx)
{
    if (memchr(text, '\0', len))
        return ur_error(ctx, UR_ERR_FORMAT, "%s: this is not a text file", path);
    memset(t, 0, sizeof *t);
    t->path = path;
    char **fields = malloc((MAX_COLUMNS + 1) * sizeof *fields);
    if (!fields)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
    ur_status st = UR_OK;
    size_t cap = 0;
    char *line = text, *next;
    int64_t line_no = 0;
    char sep = ',';
    for (; line && *line && !st; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (line_no == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
            (unsigned char)line[2] == 0xBF)
            line += 3; /* a byte-order mark */
        bool blank = true;
        for (const char *q = line; *q && blank; q++)
            blank = isspace((unsigned char)*q);
        if (blank)
            continue;
        if (!t->names) {
            if (!strchr(line, ','))
                sep = strchr(line, '\t') ? '\t' : strchr(line, ';') ? ';' : ',';
            int bad = 0, n_cols = split_fields(line, sep, fields, MAX_COLUMNS, &bad);
            if (n_cols < 0) {
                st = ur_error(ctx, UR_ERR_FORMAT, "%s:%lld:%d: a quote that is not closed", path,
                              (long long)line_no, bad);
                break;
            }
            if (n_cols > MAX_COLUMNS) {
                st = ur_error(ctx, UR_ERR_FORMAT, "%s:%lld: %d columns; at most %d", path,
                              (long long)line_no, n_cols, MAX_COLUMNS);
                break;
            }
            t->n_cols = n_cols;
            t->names = calloc((size_t)n_cols, sizeof *t->names);
            t->bad_text = calloc((size_t)n_cols, sizeof *t->bad_text);
            t->bad_line = calloc((size_t)n_cols, sizeof *t->bad_line);
            t->bad_col = calloc((size_t)n_cols, sizeof *t->bad_col);
            for (int c = 0; c < n_cols; c++) {
                const char *name = fields[c];
                if (!name[0]) {
                    st = ur_error(ctx, UR_ERR_FORMAT, "%s:1:%d: the header's column %d has no "
                                  "name", path, c + 1, c + 1);
                    break;
                }
                for (int d = 0; d < c && !st; d++)
                    if (strcmp(t->names[d], name) == 0)
                        st = ur_error(ctx, UR_ERR_FORMAT, "%s:%lld:%d: the column name '%s' "
                                      "is given twice (columns %d and %d)", path,
                                      (long long)line_no, c + 1, name, d + 1, c + 1);
                t->names[c] = strdup(name);
            }
            continue;
        }
        int bad = 0, n_fields = split_fields(line, sep, fields, MAX_COLUMNS, &bad);
        if (n_fields < 0) {
            st = ur_error(ctx, UR_ERR_FORMAT, "%s:%lld:%d: a quote that is not closed", path,
                          (long long)line_no, bad);
            break;
        }
        if (n_fields != t->n_cols) {
            char header[256] = "";
            for (int c = 0; c < t->n_cols && strlen(header) < sizeof header - 8; c++)
                snprintf(header + strlen(header), sizeof header - strlen(header), "%s%s",
                         c ? ", " : "", t->names[c]);
            st = ur_error(ctx, UR_ERR_FORMAT, "%s:%lld: %d fields, but the header names %d "
                          "column%s (%s)", path, (long long)line_no, n_fields, t->n_cols,
                          t->n_cols == 1 ? "" : "s", header);
            break;
        }
        if ((size_t)(t->n_rows + 1) * (size_t)t->n_cols > cap) {
            cap = cap ? cap * 2 : (size_t)t->n_cols * 1024;
            double *grown = realloc(t->v, cap * sizeof(double));
            if (!grown) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory at line %lld", path,
                              (long long)line_no);
                break;
            }
            t->v = grown;
        }
        if (!t->first_line)
            t->first_line = line_no;
        for (int c = 0; c < t->n_cols; c++) {
            const char *f = fields[c];
            char *end;
            double v = f[0] ? strtod(f, &end) : NAN;
            if (!f[0] || *end || !(fabs(v) <= FLT_MAX)) {
                v = NAN;
                if (!t->bad_line[c]) {
                    t->bad_line[c] = line_no;
                    t->bad_col[c] = c + 1;
                    t->bad_text[c] = strdup(f);
                }
            }
            t->v[t->n_rows * t->n_cols + c] = v;
        }
        t->n_rows++;
    }
    free(fields);
    if (!st && !t->names)
        st = ur_error(ctx, UR_ERR_FORMAT, "%s: the file is empty: it needs a header line naming "
                      "the columns, then one line per timestep", path);
    if (st)
        table_clear(t);
    return st;
}

/* The file at path, or (text not NULL) len bytes of text named path. */
static ur_status read_table(const char *path, const char *text, size_t len, csv_table *t,
                            ur_ctx *ctx)
{
    char *copy;
    if (text) {
        copy = malloc(len + 1);
        if (!copy)
            return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
        memcpy(copy, text, len);
        copy[len] = '\0';
    } else if (!(copy = ur_file_read_all(path, &len, ctx))) {
        return ctx ? ctx->status : UR_ERR_IO;
    }
    ur_status st = parse_table(copy, len, path, t, ctx);
    free(copy);
    return st;
}

/* ----------------------------------------------------------------- columns */

static int find_column(const csv_table *t, const char *name)
{
    for (int c = 0; c < t->n_cols; c++)
        if (strcmp(t->names[c], name) == 0)
            return c;
    return -1;
}

static bool numeric(const csv_table *t, int c) { return t->bad_line[c] == 0; }

/* A column of text (dates, names): not a number from its first row on. A
 * column of numbers with a hole or a stray word later is not text: it is
 * an error wherever it is used. */
static bool text_column(const csv_table *t, int c) { return t->bad_line[c] == t->first_line; }

static ur_status not_a_number(const csv_table *t, int c, const char *what, ur_ctx *ctx)
{
    char *end;
    const char *text = t->bad_text[c] ? t->bad_text[c] : "";
    double v = strtod(text, &end);
    if (text[0] && !*end && isfinite(v))
        return ur_error(ctx, UR_ERR_FORMAT, "%s:%lld:%d: column '%s' (%s) holds %s, beyond "
                        "float32's range (±3.4e38)", t->path, (long long)t->bad_line[c],
                        t->bad_col[c], t->names[c], what, text);
    return ur_error(ctx, UR_ERR_FORMAT, "%s:%lld:%d: column '%s' (%s) holds '%s', which is not "
                    "a number", t->path, (long long)t->bad_line[c], t->bad_col[c], t->names[c],
                    what, t->bad_text[c] ? t->bad_text[c] : "");
}

/* The columns of a comma list (or, list NULL, the numeric ones; with
 * last_only the last of them), checked to exist and hold numbers. */
static ur_status pick_columns(const csv_table *t, const char *what, const char *list,
                              bool last_only, int **cols, int *n, ur_ctx *ctx)
{
    *cols = calloc((size_t)t->n_cols + 1, sizeof **cols);
    *n = 0;
    if (!list) {
        for (int c = 0; c < t->n_cols; c++)
            if (!text_column(t, c))
                (*cols)[(*n)++] = c;
        if (*n == 0)
            return ur_error(ctx, UR_ERR_FORMAT, "%s: every column holds text, so there is no %s; "
                            "a series needs columns of numbers", t->path, what);
        if (last_only) {
            (*cols)[0] = (*cols)[*n - 1];
            *n = 1;
        }
        for (int k = 0; k < *n; k++)
            if (!numeric(t, (*cols)[k]))
                return not_a_number(t, (*cols)[k], what, ctx);
        return UR_OK;
    }
    char *copy = strdup(list);
    ur_status st = UR_OK;
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name && !st;
         name = strtok_r(NULL, ",", &save)) {
        int c = find_column(t, name);
        if (c < 0) {
            const char **names = calloc((size_t)t->n_cols + 1, sizeof *names);
            for (int k = 0; k < t->n_cols; k++)
                names[k] = t->names[k];
            const char *near = ur_closest(name, names);
            char all[512] = "";
            for (int k = 0; k < t->n_cols; k++)
                snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", k ? ", " : "",
                         t->names[k]);
            char hint[96] = "";
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            st = ur_error(ctx, UR_ERR_INVALID, "%s: no column '%s'%s (for the %s); the columns "
                          "are %s", t->path, name, hint, what, all);
            free(names);
        } else if (!numeric(t, c)) {
            st = not_a_number(t, c, what, ctx);
        } else if (*n < t->n_cols) {
            (*cols)[(*n)++] = c;
        }
    }
    free(copy);
    return st;
}

/* ------------------------------------------------------------------ windows */

/* Windows of rows [from, to): x (N, window, F), y (N, K). */
static ur_status make_windows(const csv_table *t, const ur_csv_options *o, const int *fc, int nf,
                              const int *tc, int nt, int64_t from, int64_t to, const char *part,
                              ur_data *d, ur_ctx *ctx)
{
    int64_t rows = to - from, span = o->window + o->horizon;
    if (rows < span)
        return ur_error(ctx, UR_ERR_INVALID, "%s: %s %lld row%s, too few for one window of %lld "
                        "steps and a target %lld after it (window + horizon = %lld rows)",
                        t->path, part, (long long)rows, rows == 1 ? "" : "s",
                        (long long)o->window, (long long)o->horizon, (long long)span);
    int64_t n = (rows - span) / o->stride + 1;
    int64_t xd[3] = {n, o->window, nf}, yd[2] = {n, nt};
    ur_array *x = ur_array_new(UR_F32, 3, xd, "x"), *y = ur_array_new(UR_F32, 2, yd, "y");
    if (!x || !y) {
        ur_array_free(x);
        ur_array_free(y);
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory for %lld windows", t->path,
                        (long long)n);
    }
    float *xs = ur_tensor_f32(&x->t), *ys = ur_tensor_f32(&y->t);
    for (int64_t i = 0; i < n; i++) {
        int64_t start = from + i * o->stride;
        for (int64_t s = 0; s < o->window; s++)
            for (int f = 0; f < nf; f++)
                xs[(i * o->window + s) * nf + f] =
                    (float)t->v[(start + s) * t->n_cols + fc[f]];
        int64_t target_row = start + o->window + o->horizon - 1;
        for (int k = 0; k < nt; k++)
            ys[i * nt + k] = (float)t->v[target_row * t->n_cols + tc[k]];
    }
    d->n_x = d->n_y = 1;
    d->x = malloc(sizeof *d->x);
    d->y = malloc(sizeof *d->y);
    d->x[0] = x;
    d->y[0] = y;
    return UR_OK;
}

/* Each used column to zero mean and unit deviation over the training rows
 * [0, split) (a constant column: its mean taken away only), in place. A
 * value that lands beyond float32's range (an outlier far from a narrow
 * training part) is an error. */
static ur_status standardize(csv_table *t, const int *fc, int nf, const int *tc, int nt,
                             int64_t split, ur_ctx *ctx)
{
    for (int c = 0; c < t->n_cols; c++) {
        bool used = false;
        for (int f = 0; f < nf; f++)
            used |= fc[f] == c;
        for (int k = 0; k < nt; k++)
            used |= tc[k] == c;
        if (!used || split <= 0)
            continue;
        double mean = 0, sq = 0;
        for (int64_t r = 0; r < split; r++)
            mean += t->v[r * t->n_cols + c];
        mean /= (double)split;
        for (int64_t r = 0; r < split; r++) {
            double d = t->v[r * t->n_cols + c] - mean;
            sq += d * d;
        }
        double sd = sqrt(sq / (double)split);
        if (!(sd > 0))
            sd = 1;
        for (int64_t r = 0; r < t->n_rows; r++) {
            double *v = &t->v[r * t->n_cols + c];
            double z = (*v - mean) / sd;
            if (!(fabs(z) <= FLT_MAX))
                return ur_error(ctx, UR_ERR_INVALID, "%s: standardized by the training rows "
                                "(mean %g, deviation %g), column '%s' of data row %lld (%g) is "
                                "beyond float32's range", t->path, mean, sd, t->names[c],
                                (long long)r + 1, *v);
            *v = z;
        }
    }
    return UR_OK;
}

static ur_dataset *csv_dataset(const char *spec, const char *text, size_t len, ur_ctx *ctx)
{
    char *path = NULL;
    ur_csv_options o = {0};
    csv_table t = {0};
    int *fc = NULL, *tc = NULL, nf = 0, nt = 0;
    ur_dataset *ds = NULL;
    ur_status st = ur_csv_spec_parse(spec, &path, &o, ctx);
    if (!st)
        st = read_table(path, text, len, &t, ctx); /* t stays empty on failure */
    if (!st)
        st = pick_columns(&t, "target", o.target, true, &tc, &nt, ctx);
    if (!st)
        st = pick_columns(&t, "features", o.features, false, &fc, &nf, ctx);
    int64_t split = t.n_rows;
    if (!st && o.val > 0)
        split = (int64_t)floor((double)t.n_rows * (1.0 - o.val));
    if (!st && o.standardize)
        st = standardize(&t, fc, nf, tc, nt, split, ctx);
    ur_data train = {0}, val = {0};
    if (!st)
        st = make_windows(&t, &o, fc, nf, tc, nt, 0, split,
                          o.val > 0 ? "the training part has" : "the file has",
                          &train, ctx);
    if (!st && o.val > 0)
        st = make_windows(&t, &o, fc, nf, tc, nt, split, t.n_rows,
                          "the validation part (val) has", &val, ctx);
    if (!st) {
        ds = calloc(1, sizeof *ds);
        ds->name = strdup(spec);
        ds->train = train;
        ds->val = val;
        char feats[256] = "", targets[160] = "";
        for (int f = 0; f < nf; f++)
            snprintf(feats + strlen(feats), sizeof feats - strlen(feats), "%s%s", f ? ", " : "",
                     t.names[fc[f]]);
        for (int k = 0; k < nt; k++)
            snprintf(targets + strlen(targets), sizeof targets - strlen(targets), "%s%s",
                     k ? ", " : "", t.names[tc[k]]);
        char desc[640], valpart[64] = "no validation data";
        if (val.n_x)
            snprintf(valpart, sizeof valpart, "%lld validation samples",
                     (long long)ur_data_count(&val));
        snprintf(desc, sizeof desc, "%s: %lld rows; windows of %lld steps of %s predict %s %lld "
                 "step%s later%s: %lld training samples, %s",
                 path, (long long)t.n_rows, (long long)o.window, feats, targets,
                 (long long)o.horizon, o.horizon == 1 ? "" : "s",
                 o.standardize ? " (standardized by the training rows)" : "",
                 (long long)ur_data_count(&train), valpart);
        ds->description = strdup(desc);
        ds->columns = calloc((size_t)t.n_cols + 1, sizeof *ds->columns);
        ds->column_numbers = calloc((size_t)t.n_cols + 1, sizeof *ds->column_numbers);
        for (int c = 0; c < t.n_cols; c++) {
            ds->columns[c] = strdup(t.names[c]);
            ds->column_numbers[c] = !text_column(&t, c);
        }
    } else {
        ur_data_clear(&train);
        ur_data_clear(&val);
    }
    table_clear(&t);
    free(fc);
    free(tc);
    ur_csv_options_clear(&o);
    free(path);
    return ds;
}

ur_dataset *ur_dataset_csv(const char *spec, ur_ctx *ctx) { return csv_dataset(spec, NULL, 0, ctx); }

ur_dataset *ur_dataset_csv_mem(const char *text, size_t len, const char *spec, ur_ctx *ctx)
{
    return csv_dataset(spec, text, len, ctx);
}

ur_status ur_csv_columns(const char *spec, char ***names, bool **numbers, int *n, ur_ctx *ctx)
{
    const char *query = strchr(spec, '?');
    char *path = query ? strndup(spec, (size_t)(query - spec)) : strdup(spec);
    csv_table t = {0};
    *names = NULL;
    *numbers = NULL;
    *n = 0;
    ur_status st = read_table(path, NULL, 0, &t, ctx);
    if (!st) {
        *names = calloc((size_t)t.n_cols + 1, sizeof **names);
        *numbers = calloc((size_t)t.n_cols + 1, sizeof **numbers);
        for (int c = 0; c < t.n_cols; c++) {
            (*names)[c] = strdup(t.names[c]);
            (*numbers)[c] = !text_column(&t, c);
        }
        *n = t.n_cols;
    }
    table_clear(&t);
    free(path);
    return st;
}
