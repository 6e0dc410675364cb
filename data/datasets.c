/* datasets.c — where the bundled data lives, freeing datasets, NumPy .npz
 * datasets (which arrays are inputs, outputs and validation, and the checks
 * that they fit together), and the dispatch on a dataset spec. The MNIST
 * digits are read in mnist.c, the synthetic tasks made in synthetic.c. */
#include "datasets.h"
#include "npy.h"
#include "ur-internal.h"

#include <stdio.h>
#include <unistd.h>

/* ------------------------------------------------------------ data folder */

#define UR_DATADIR_PROBE "mnist-10k.bin.gz" /* the file that marks a data folder */

const char *ur_datadir(void)
{
    const char *env = getenv("UNROLL_DATADIR");
    if (env && env[0])
        return env;
#ifdef UR_DATADIR
    if (access(UR_DATADIR "/" UR_DATADIR_PROBE, R_OK) == 0)
        return UR_DATADIR;
#endif
#ifdef UR_SOURCE_DATADIR
    return UR_SOURCE_DATADIR;
#elif defined(UR_DATADIR)
    return UR_DATADIR;
#else
    return "data";
#endif
}

/* ---------------------------------------------------------------- freeing */

void ur_data_clear(ur_data *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n_x; i++)
        ur_array_free(d->x[i]);
    for (int i = 0; i < d->n_y; i++)
        ur_array_free(d->y[i]);
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

void ur_dataset_free(ur_dataset *ds)
{
    if (!ds)
        return;
    if (ds->x_names)
        for (int i = 0; i < ds->train.n_x; i++)
            free(ds->x_names[i]);
    free(ds->x_names);
    for (char **c = ds->columns; c && *c; c++)
        free(*c);
    free(ds->columns);
    free(ds->column_numbers);
    ur_data_clear(&ds->train);
    ur_data_clear(&ds->val);
    free(ds->name);
    free(ds->description);
    free(ds);
}

/* -------------------------------------------------------------------- npz */

/* The role of an .npz member, from its name:
 *   x, x_<input>            training inputs     y, y_<output>          training targets
 *   x_val, x_val_<input>    validation inputs   y_val, y_val_<output>  validation targets
 * Anything else is not part of the dataset and is left alone. */
enum { ROLE_X, ROLE_Y, ROLE_X_VAL, ROLE_Y_VAL, ROLE_COUNT, ROLE_OTHER = ROLE_COUNT };

static const char *const role_base[ROLE_COUNT] = {"x", "y", "x_val", "y_val"};

/* The role of name and, in *key, what follows "<base>_" ("" for the plain name). */
static int npz_role(const char *name, const char **key)
{
    /* validation first: "x_val_a" is input a's validation array, not input "val_a" */
    static const int order[ROLE_COUNT] = {ROLE_X_VAL, ROLE_Y_VAL, ROLE_X, ROLE_Y};
    for (int k = 0; k < ROLE_COUNT; k++) {
        const char *base = role_base[order[k]];
        size_t n = strlen(base);
        if (strncmp(name, base, n) != 0)
            continue;
        if (name[n] == '\0' || (name[n] == '_' && name[n + 1] != '\0')) {
            *key = name[n] ? name + n + 1 : "";
            return order[k];
        }
    }
    *key = NULL;
    return ROLE_OTHER;
}

/* The members that play one role, in file order. */
typedef struct npz_group {
    int n;
    int *member;       /* index into the archive */
    const char **key;  /* "" for the plain name */
} npz_group;

/* "x, y, labels" into buf: the names of every member, for messages. */
static const char *npz_member_list(const ur_npz *z, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < z->n && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", i ? ", " : "",
                                z->arrays[i]->name ? z->arrays[i]->name : "?");
    if (z->n == 0)
        snprintf(buf, size, "no arrays at all");
    return buf;
}

static const char *array_shape(const ur_array *a, char *buf, size_t size)
{
    ur_shape s = {.rank = a->t.rank};
    for (int i = 0; i < a->t.rank; i++)
        s.dim[i] = a->t.dim[i];
    return ur_shape_format(&s, buf, size);
}

/* A group may use the plain name or per-input names, not both. */
static ur_status npz_check_naming(const ur_npz *z, const npz_group *g, int role,
                                  const char *path, ur_ctx *ctx)
{
    if (g->n < 2)
        return UR_OK;
    for (int i = 0; i < g->n; i++)
        if (g->key[i][0] == '\0') {
            int other = g->member[i == 0 ? 1 : 0];
            return ur_error(ctx, UR_ERR_FORMAT,
                            "%s: holds both '%s' and '%s': use either '%s' alone (one %s) or "
                            "'%s_<name>' for every one of several",
                            path, role_base[role], z->arrays[other]->name, role_base[role],
                            role == ROLE_X || role == ROLE_X_VAL ? "input" : "output",
                            role_base[role]);
        }
    return UR_OK;
}

/* Every array in groups a and b has the same number of samples; each has a sample axis. */
static ur_status npz_check_counts(const ur_npz *z, const npz_group *a, const npz_group *b,
                                  const char *what, const char *path, ur_ctx *ctx)
{
    const npz_group *gs[2] = {a, b};
    int64_t n0 = -1;
    bool same = true;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < gs[k]->n; i++) {
            const ur_array *arr = z->arrays[gs[k]->member[i]];
            if (arr->t.rank == 0)
                return ur_error(ctx, UR_ERR_SHAPE,
                                "%s: '%s' is a single number; %s arrays need the samples on "
                                "their first axis",
                                path, arr->name, what);
            if (n0 < 0)
                n0 = arr->t.dim[0];
            else if (arr->t.dim[0] != n0)
                same = false;
        }
    if (same && n0 == 0)
        return ur_error(ctx, UR_ERR_SHAPE, "%s: the %s arrays hold no samples", path, what);
    if (same)
        return UR_OK;
    char list[768];
    size_t pos = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < gs[k]->n && pos < sizeof list; i++) {
            const ur_array *arr = z->arrays[gs[k]->member[i]];
            pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s has %lld",
                                    pos ? ", " : "", arr->name, (long long)arr->t.dim[0]);
        }
    return ur_error(ctx, UR_ERR_SHAPE,
                    "%s: the %s arrays disagree on the number of samples (the first axis): %s",
                    path, what, list);
}

/* Validation group v matches training group t member by member: the same
 * names, dtype and shape after the sample axis. Writes v's members in t's
 * order into order[]. */
static ur_status npz_match_val(const ur_npz *z, const npz_group *t, const npz_group *v,
                               int role, int *order, const char *path, ur_ctx *ctx)
{
    const char *base = role_base[role], *vbase = role_base[role + 2];
    for (int j = 0; j < v->n; j++) {
        bool found = false;
        for (int i = 0; i < t->n; i++)
            found = found || strcmp(t->key[i], v->key[j]) == 0;
        if (!found)
            return ur_error(ctx, UR_ERR_FORMAT, "%s: '%s' has no training counterpart '%s%s%s'",
                            path, z->arrays[v->member[j]]->name, base,
                            v->key[j][0] ? "_" : "", v->key[j]);
    }
    for (int i = 0; i < t->n; i++) {
        int m = -1;
        for (int j = 0; j < v->n && m < 0; j++)
            if (strcmp(t->key[i], v->key[j]) == 0)
                m = v->member[j];
        if (m < 0)
            return ur_error(ctx, UR_ERR_FORMAT,
                            "%s: '%s' has no validation counterpart '%s%s%s' (when there is "
                            "validation data, every %s needs it)",
                            path, z->arrays[t->member[i]]->name, vbase,
                            t->key[i][0] ? "_" : "", t->key[i],
                            role == ROLE_X ? "input" : "output");
        const ur_array *ta = z->arrays[t->member[i]], *va = z->arrays[m];
        bool fits = ta->t.dtype == va->t.dtype && ta->t.rank == va->t.rank;
        for (int d = 1; fits && d < ta->t.rank; d++)
            fits = ta->t.dim[d] == va->t.dim[d];
        if (!fits) {
            char s1[96], s2[96];
            return ur_error(ctx, UR_ERR_SHAPE,
                            "%s: '%s' is %s %s but '%s' is %s %s: they must have the same type "
                            "and the same shape after the sample axis",
                            path, va->name, ur_dtype_name(va->t.dtype),
                            array_shape(va, s1, sizeof s1), ta->name, ur_dtype_name(ta->t.dtype),
                            array_shape(ta, s2, sizeof s2));
        }
        order[i] = m;
    }
    return UR_OK;
}

/* Moves the members listed in idx out of z into a new ur_array * list. */
static ur_array **npz_take(ur_npz *z, const int *idx, int n)
{
    ur_array **out = ur_xcalloc((size_t)n, sizeof *out);
    for (int i = 0; i < n; i++) {
        out[i] = z->arrays[idx[i]];
        z->arrays[idx[i]] = NULL;
    }
    return out;
}

/* "x (6, 4, 3) float32, y (6,) int32" for the description. */
static void describe_arrays(const ur_data *d, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int k = 0; k < d->n_x + d->n_y && pos < size; k++) {
        const ur_array *a = k < d->n_x ? d->x[k] : d->y[k - d->n_x];
        char s[96];
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%s %s %s", k ? ", " : "", a->name,
                                array_shape(a, s, sizeof s), ur_dtype_name(a->t.dtype));
    }
}

static ur_dataset *npz_build(ur_npz *z, const char *path, ur_ctx *ctx)
{
    npz_group g[ROLE_COUNT];
    int *members = ur_xcalloc((size_t)z->n * ROLE_COUNT + 1, sizeof *members);
    const char **keys = ur_xcalloc((size_t)z->n * ROLE_COUNT + 1, sizeof *keys);
    for (int r = 0; r < ROLE_COUNT; r++)
        g[r] = (npz_group){0, members + (size_t)r * z->n, keys + (size_t)r * z->n};
    for (int i = 0; i < z->n; i++) {
        const char *key;
        const char *name = z->arrays[i]->name ? z->arrays[i]->name : "";
        int r = npz_role(name, &key);
        if (r == ROLE_OTHER)
            continue;
        g[r].member[g[r].n] = i;
        g[r].key[g[r].n] = key;
        g[r].n++;
    }

    ur_dataset *ds = NULL;
    int *val_x = ur_xcalloc((size_t)g[ROLE_X].n + 1, sizeof *val_x);
    int *val_y = ur_xcalloc((size_t)g[ROLE_Y].n + 1, sizeof *val_y);
    char list[512];
    ur_status st = UR_OK;
    if (g[ROLE_X].n == 0 || g[ROLE_Y].n == 0) {
        bool no_x = g[ROLE_X].n == 0;
        st = ur_error(ctx, UR_ERR_FORMAT,
                      "%s: no '%s' array (inputs are 'x', or 'x_<input name>' for each of "
                      "several; targets 'y' or 'y_<output name>'); the file holds: %s",
                      path, no_x ? "x" : "y", npz_member_list(z, list, sizeof list));
        goto done;
    }
    for (int r = 0; r < ROLE_COUNT && st == UR_OK; r++)
        st = npz_check_naming(z, &g[r], r, path, ctx);
    if (st != UR_OK)
        goto done;
    if ((g[ROLE_X_VAL].n > 0) != (g[ROLE_Y_VAL].n > 0)) {
        bool has_x = g[ROLE_X_VAL].n > 0;
        const ur_array *given = z->arrays[g[has_x ? ROLE_X_VAL : ROLE_Y_VAL].member[0]];
        st = ur_error(ctx, UR_ERR_FORMAT,
                      "%s: has '%s' but no '%s': validation data needs both inputs and targets; "
                      "the file holds: %s",
                      path, given->name, has_x ? "y_val" : "x_val",
                      npz_member_list(z, list, sizeof list));
        goto done;
    }
    st = npz_check_counts(z, &g[ROLE_X], &g[ROLE_Y], "training", path, ctx);
    if (st != UR_OK)
        goto done;
    bool has_val = g[ROLE_X_VAL].n > 0;
    if (has_val) {
        st = npz_check_counts(z, &g[ROLE_X_VAL], &g[ROLE_Y_VAL], "validation", path, ctx);
        if (st == UR_OK)
            st = npz_match_val(z, &g[ROLE_X], &g[ROLE_X_VAL], ROLE_X, val_x, path, ctx);
        if (st == UR_OK)
            st = npz_match_val(z, &g[ROLE_Y], &g[ROLE_Y_VAL], ROLE_Y, val_y, path, ctx);
        if (st != UR_OK)
            goto done;
    }

    ds = ur_xcalloc(1, sizeof *ds);
    ds->name = ur_xstrdup(path);
    int nx = g[ROLE_X].n, ny = g[ROLE_Y].n;
    ds->x_names = ur_xcalloc((size_t)nx + 1, sizeof *ds->x_names);
    for (int i = 0; i < nx; i++)
        if (g[ROLE_X].key[i][0])
            ds->x_names[i] = ur_xstrdup(z->arrays[g[ROLE_X].member[i]]->name);
    ds->train = (ur_data){nx, ny, npz_take(z, g[ROLE_X].member, nx),
                          npz_take(z, g[ROLE_Y].member, ny)};
    if (has_val)
        ds->val = (ur_data){nx, ny, npz_take(z, val_x, nx), npz_take(z, val_y, ny)};

    char arrays[512], desc[1024];
    describe_arrays(&ds->train, arrays, sizeof arrays);
    if (has_val)
        snprintf(desc, sizeof desc, "%s: %lld training and %lld validation samples; %s", path,
                 (long long)ur_data_count(&ds->train), (long long)ur_data_count(&ds->val),
                 arrays);
    else
        snprintf(desc, sizeof desc, "%s: %lld samples, no validation arrays; %s", path,
                 (long long)ur_data_count(&ds->train), arrays);
    ds->description = ur_xstrdup(desc);

done:
    free(val_x);
    free(val_y);
    free(members);
    free(keys);
    return ds;
}

ur_dataset *ur_dataset_npz(const char *path, ur_ctx *ctx)
{
    ur_npz *z = ur_npz_read(path, UR_NPY_ANY, ctx);
    if (!z)
        return NULL;
    ur_dataset *ds = npz_build(z, path, ctx);
    /* What the dataset did not take is freed here, so that ur_npz_free()
     * only releases the (now empty) archive. */
    for (int i = 0; i < z->n; i++) {
        ur_array_free(z->arrays[i]);
        z->arrays[i] = NULL;
    }
    z->n = 0;
    ur_npz_free(z);
    return ds;
}

/* ---------------------------------------------------------------- classes */

int ur_class_count(const ur_array *y, int64_t *counts, int max_counts)
{
    int64_t n = ur_tensor_numel(&y->t), max = -1;
    for (int64_t i = 0; i < n; i++) {
        double v = y->t.dtype == UR_I32 ? ur_tensor_i32(&y->t)[i] : ur_tensor_f32(&y->t)[i];
        if (!(v >= 0) || v != floor(v) || v > 1e6)
            return 0;
        if ((int64_t)v > max)
            max = (int64_t)v;
    }
    if (n == 0)
        return 0;
    int classes = (int)(max + 1);
    if (counts && classes <= max_counts) {
        memset(counts, 0, (size_t)classes * sizeof *counts);
        for (int64_t i = 0; i < n; i++)
            counts[y->t.dtype == UR_I32 ? ur_tensor_i32(&y->t)[i]
                                        : (int64_t)ur_tensor_f32(&y->t)[i]]++;
    }
    return classes;
}

/* --------------------------------------------------------------- dispatch */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

ur_dataset *ur_dataset_open(const char *spec, uint64_t seed, ur_ctx *ctx)
{
    if (!spec || !spec[0]) {
        ur_error(ctx, UR_ERR_INVALID,
                 "no dataset given: use 'mnist', 'synthetic:<task>' or a path to an .npz or .csv "
                 "file");
        return NULL;
    }
    if (strcmp(spec, "mnist") == 0)
        return ur_dataset_mnist(ctx);
    if (strncmp(spec, "synthetic:", 10) == 0)
        return ur_dataset_synthetic(spec, seed, ctx);
    if (ends_with(spec, ".npz"))
        return ur_dataset_npz(spec, ctx);
    if (ur_spec_is_csv(spec))
        return ur_dataset_csv(spec, ctx);

    if (access(spec, F_OK) == 0) {
        ur_error(ctx, UR_ERR_UNSUPPORTED,
                 "%s: datasets are read from NumPy .npz files (arrays x, y and optionally "
                 "x_val, y_val; save them with numpy.savez) or CSV time series (.csv)",
                 spec);
        return NULL;
    }
    char tasks[256];
    size_t pos = 0;
    for (int i = 0; ur_synthetic_names[i] && pos < sizeof tasks; i++)
        pos += (size_t)snprintf(tasks + pos, sizeof tasks - pos, "%s%s", i ? ", " : "",
                                ur_synthetic_names[i]);
    /* "mnsit" -> mnist; "adding" -> synthetic:adding; "synthetic" -> synthetic:adding */
    const char *query = strchr(spec, '?');
    char head[64];
    snprintf(head, sizeof head, "%.*s", (int)(query ? query - spec : 63), spec);
    const char *const known[] = {"mnist", "synthetic", NULL};
    const char *near = ur_closest(head, known);
    const char *task = ur_closest(head, ur_synthetic_names);
    char hint[160] = "";
    if (task)
        snprintf(hint, sizeof hint, " (did you mean 'synthetic:%s%s'?)", task, query ? query : "");
    else if (near && strcmp(near, "mnist") == 0)
        snprintf(hint, sizeof hint, " (did you mean 'mnist'?)");
    else if (near)
        snprintf(hint, sizeof hint, " (did you mean 'synthetic:%s'?)", ur_synthetic_names[0]);
    ur_error(ctx, UR_ERR_INVALID,
             "unknown dataset '%s'%s: use 'mnist', 'synthetic:<task>' (%s) or the path of an "
             ".npz or .csv file",
             spec, hint, tasks);
    return NULL;
}
