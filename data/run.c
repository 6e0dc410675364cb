/* run.c — a run: dataset -> arrays matched to the model -> the engine's
 * trainer, with every step's loss and every epoch's metrics buffered into
 * the run store, LAST/EPOCH/BEST checkpoints (weights + trainer state), and
 * resume from the LAST checkpoint. No printing: callbacks and ur_status.
 */
#include "run.h"

#include "json.h"
#include "model-file.h"
#include "safetensors.h"

#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ur_run {
    ur_run_settings rs;
    char *db_path;
    char *monitor;
    ur_store *store;
    int64_t id;
    ur_fit_config fit;
    ur_dataset *ds;
    ur_data train, val;
    ur_model *model;
    ur_trainer *trainer;
    /* during ur_run_train */
    const ur_callbacks *user_cb;
    double last_flush, last_checkpoint;
    double best;
    bool has_best;
    ur_status store_status;
    ur_ctx store_ctx;
    char device_note[600];     /* why "auto" stayed on the CPU */
    bool device_logged;        /* the "device" event is written */
    bool stop_pauses;          /* a stop ends the run paused, not cancelled */
};

void ur_run_settings_defaults(ur_run_settings *rs)
{
    *rs = (ur_run_settings){.record = true, .checkpoint_every = 5, .flush_every = 0.5,
                            .keep_epochs = 3};
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static char *dup_str(const char *s) { return s ? strdup(s) : NULL; }

/* ------------------------------------------------------------ data helpers */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t hash_data(uint64_t h, const ur_data *d)
{
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? d->n_y : d->n_x;
        ur_array **a = pass ? d->y : d->x;
        for (int i = 0; i < n; i++) {
            size_t elem = a[i]->t.dtype == UR_I32 ? sizeof(int32_t) : sizeof(float);
            h = fnv1a(h, a[i]->t.data, (size_t)ur_tensor_numel(&a[i]->t) * elem);
        }
    }
    return h;
}

uint64_t ur_dataset_hash(const ur_dataset *ds)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = hash_data(h, &ds->train);
    return hash_data(h, &ds->val);
}

ur_status ur_array_fit_dtype(ur_array **a, ur_dtype want, const char *what, const char *input,
                             ur_ctx *ctx)
{
    ur_array *src = *a;
    if (src->t.dtype == want)
        return UR_OK;
    ur_array *dst = ur_array_new(want, src->t.rank, src->t.dim, src->name);
    if (!dst)
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory converting %s", what);
    int64_t n = ur_tensor_numel(&src->t);
    if (want == UR_F32) {
        for (int64_t i = 0; i < n; i++)
            ur_tensor_f32(&dst->t)[i] = (float)ur_tensor_i32(&src->t)[i];
    } else {
        for (int64_t i = 0; i < n; i++) {
            float v = ur_tensor_f32(&src->t)[i];
            if (!(v == floorf(v) && fabsf(v) < 2147483520.0f)) {
                ur_array_free(dst);
                return ur_error(ctx, UR_ERR_INVALID,
                                "%s holds float32 values such as %g, but the Input '%s' takes "
                                "int32 (token ids)",
                                what, v, input);
            }
            ur_tensor_i32(&dst->t)[i] = (int32_t)v;
        }
    }
    ur_array_free(src);
    *a = dst;
    return UR_OK;
}

/* The name a dataset's x (or y) array answers to. */
static const char *x_name(const ur_dataset *ds, int i)
{
    if (ds->x_names && ds->x_names[i])
        return ds->x_names[i];
    return ds->train.x[i]->name ? ds->train.x[i]->name : "x";
}

static const char *y_name(const ur_dataset *ds, int i)
{
    return ds->train.y[i]->name ? ds->train.y[i]->name : "y";
}

/* An array the model needs: its name in the dataset and the input or
 * output ("layer" or "layer:k") that takes it. */
typedef struct wanted {
    char array[160];
    char owner[160];
} wanted;

static void join(const char *const *names, int n, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && pos < size; i++) {
        int w = snprintf(buf + pos, size - pos, "%s%s", i ? ", " : "", names[i]);
        pos += w > 0 ? (size_t)w : 0;
    }
}

/* For each wanted array, the index of the dataset array with that name; an
 * error lists what the dataset has and what the model wants. */
static ur_status match_arrays(const ur_dataset *ds, bool is_x, int n_want, const wanted *want,
                              int *perm, ur_ctx *ctx)
{
    int n_have = is_x ? ds->train.n_x : ds->train.n_y;
    const char **have = calloc((size_t)n_have + 1, sizeof *have);
    const char **wants = calloc((size_t)n_want + 1, sizeof *wants);
    bool *used = calloc((size_t)n_have + 1, sizeof *used);
    ur_status st = have && wants && used ? UR_OK : ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < n_have; i++)
        have[i] = is_x ? x_name(ds, i) : y_name(ds, i);
    for (int j = 0; !st && j < n_want; j++)
        wants[j] = want[j].array;
    char list[1024], wanted_list[1024];
    if (!st) {
        join(have, n_have, list, sizeof list);
        join(wants, n_want, wanted_list, sizeof wanted_list);
    }
    for (int j = 0; !st && j < n_want; j++) {
        perm[j] = -1;
        for (int i = 0; i < n_have && perm[j] < 0; i++)
            if (!used[i] && strcmp(have[i], want[j].array) == 0) {
                perm[j] = i;
                used[i] = true;
            }
        if (perm[j] < 0)
            st = ur_error(ctx, UR_ERR_INVALID, "the model's %s '%s' needs an array '%s' in %s; it has: %s",
                          is_x ? "input" : "output", want[j].owner, want[j].array, ds->name, list);
    }
    for (int i = 0; !st && i < n_have; i++)
        if (!used[i])
            st = ur_error(ctx, UR_ERR_INVALID, "%s holds '%s', which no %s of the model takes (it takes: %s)",
                          ds->name, have[i], is_x ? "input" : "output", wanted_list);
    free(have);
    free(wants);
    free(used);
    return st;
}

ur_status ur_data_map(const ur_graph *g, ur_dataset *ds, ur_data *train, ur_data *val,
                      ur_ctx *ctx)
{
    int n_in = ur_graph_n_inputs(g), n_out = ur_graph_n_outputs(g);
    int *px = calloc((size_t)n_in + 1, sizeof *px), *py = calloc((size_t)n_out + 1, sizeof *py);
    wanted *want = calloc((size_t)(n_in > n_out ? n_in : n_out) + 1, sizeof *want);
    ur_status st = px && py && want ? UR_OK : ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    *train = (ur_data){0};
    *val = (ur_data){0};

    if (!st && n_in == 1 && ds->train.n_x == 1) {
        px[0] = 0;
    } else if (!st) {
        for (int j = 0; j < n_in; j++) {
            const char *input = ur_layer_name(ur_graph_input(g, j));
            snprintf(want[j].array, sizeof want[j].array, "x_%s", input);
            snprintf(want[j].owner, sizeof want[j].owner, "%s", input);
        }
        st = match_arrays(ds, true, n_in, want, px, ctx);
    }
    if (!st && n_out == 1 && ds->train.n_y == 1) {
        py[0] = 0;
    } else if (!st) {
        for (int k = 0; k < n_out; k++) {
            ur_layer *l;
            int index;
            ur_graph_output(g, k, &l, &index);
            if (index == 0) {
                snprintf(want[k].array, sizeof want[k].array, "y_%s", ur_layer_name(l));
                snprintf(want[k].owner, sizeof want[k].owner, "%s", ur_layer_name(l));
            } else {
                snprintf(want[k].array, sizeof want[k].array, "y_%s_%d", ur_layer_name(l), index);
                snprintf(want[k].owner, sizeof want[k].owner, "%s:%d", ur_layer_name(l), index);
            }
        }
        st = match_arrays(ds, false, n_out, want, py, ctx);
    }

    bool has_val = ds->val.n_x > 0;
    for (int j = 0; !st && j < n_in; j++) {
        ur_layer *in = ur_graph_input(g, j);
        char what[256];
        snprintf(what, sizeof what, "%s array '%s'", ds->name, x_name(ds, px[j]));
        ur_dtype dtype = ur_layer_input_dtype(in);
        st = ur_array_fit_dtype(&ds->train.x[px[j]], dtype, what, ur_layer_name(in), ctx);
        if (!st && has_val)
            st = ur_array_fit_dtype(&ds->val.x[px[j]], dtype, what, ur_layer_name(in), ctx);
    }
    if (!st) {
        *train = (ur_data){n_in, n_out, calloc((size_t)n_in + 1, sizeof(ur_array *)),
                           calloc((size_t)n_out + 1, sizeof(ur_array *))};
        if (has_val)
            *val = (ur_data){n_in, n_out, calloc((size_t)n_in + 1, sizeof(ur_array *)),
                             calloc((size_t)n_out + 1, sizeof(ur_array *))};
        if (!train->x || !train->y || (has_val && (!val->x || !val->y)))
            st = ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; !st && j < n_in; j++) {
        train->x[j] = ds->train.x[px[j]];
        if (has_val)
            val->x[j] = ds->val.x[px[j]];
    }
    for (int k = 0; !st && k < n_out; k++) {
        train->y[k] = ds->train.y[py[k]];
        if (has_val)
            val->y[k] = ds->val.y[py[k]];
    }
    if (st) {
        free(train->x);
        free(train->y);
        free(val->x);
        free(val->y);
        *train = (ur_data){0};
        *val = (ur_data){0};
    }
    free(px);
    free(py);
    free(want);
    return st;
}

/* ----------------------------------------------------------------- weights */

void *ur_model_weights_bytes(const ur_model *m, size_t *len, ur_ctx *ctx)
{
    int n = ur_model_n_weights(m);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    ur_tensor *tensors = calloc((size_t)n + 1, sizeof *tensors);
    const ur_tensor **ptrs = calloc((size_t)n + 1, sizeof *ptrs);
    void *out = NULL;
    if (!names || !tensors || !ptrs) {
        ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    } else {
        for (int i = 0; i < n; i++) {
            ur_weight_info w;
            ur_model_weight(m, i, &w);
            names[i] = w.name;
            tensors[i] = (ur_tensor){.dtype = UR_F32, .rank = w.rank, .data = w.data};
            for (int d = 0; d < w.rank; d++)
                tensors[i].dim[d] = w.dim[d];
            ptrs[i] = &tensors[i];
        }
        ur_value *meta = ur_value_new_object();
        ur_value_set(meta, "format", ur_value_new_string("unroll.weights"));
        ur_value_set(meta, "model", ur_value_new_string(ur_graph_name(ur_model_graph(m))));
        out = ur_safetensors_write_mem(n, names, ptrs, meta, NULL, len, ctx);
        ur_value_free(meta);
    }
    free(names);
    free(tensors);
    free(ptrs);
    return out;
}

ur_status ur_model_load_weights_bytes(ur_model *m, const void *buf, size_t len,
                                      const char *source, ur_ctx *ctx)
{
    ur_safetensors *st = ur_safetensors_read_mem(buf, len, source, ctx);
    if (!st)
        return ctx ? ctx->status : UR_ERR_FORMAT;
    ur_status status = UR_OK;
    for (int i = 0; !status && i < ur_model_n_weights(m); i++) {
        ur_weight_info w;
        ur_model_weight(m, i, &w);
        ur_array *a = ur_safetensors_get(st, w.name);
        bool same = a && a->t.rank == w.rank;
        for (int d = 0; same && d < w.rank; d++)
            same = a->t.dim[d] == w.dim[d];
        if (!a)
            status = ur_error(ctx, UR_ERR_FORMAT, "%s: the weight '%s' is missing", source, w.name);
        else if (!same)
            status = ur_error(ctx, UR_ERR_FORMAT, "%s: the weight '%s' has another shape", source,
                              w.name);
        else
            memcpy(w.data, a->t.data, (size_t)w.numel * sizeof(float));
    }
    ur_safetensors_free(st);
    return status;
}

/* ------------------------------------------------------------------ set-up */

static void run_free_parts(ur_run *r)
{
    ur_trainer_free(r->trainer);
    ur_model_free(r->model);
    free(r->train.x);
    free(r->train.y);
    free(r->val.x);
    free(r->val.y);
    ur_dataset_free(r->ds);
    ur_store_close(r->store);
    free(r->db_path);
    free(r->monitor);
}

void ur_run_free(ur_run *r)
{
    if (!r)
        return;
    run_free_parts(r);
    free(r);
}

static const char *dataset_kind(const char *spec)
{
    if (strcmp(spec, "mnist") == 0)
        return "builtin";
    if (strncmp(spec, "synthetic:", 10) == 0)
        return "synthetic";
    return "file";
}

/* Opens the dataset, maps it, builds the model from g (taken) and the
 * trainer. *hash gets the dataset's content hash before any conversion. */
static ur_status run_build(ur_run *r, ur_graph *g, const char *spec, uint64_t *hash, ur_ctx *ctx)
{
    r->ds = ur_dataset_open(spec, r->fit.seed, ctx);
    if (!r->ds) {
        ur_graph_free(g);
        return ctx->status;
    }
    *hash = ur_dataset_hash(r->ds);
    ur_status st = ur_data_map(g, r->ds, &r->train, &r->val, ctx);
    if (st) {
        ur_graph_free(g);
        return st;
    }
    r->model = ur_model_new(g, ctx); /* takes g, except on failure */
    if (!r->model) {
        ur_graph_free(g);
        return ctx->status;
    }
    ur_rng rng;
    ur_rng_seed(&rng, r->fit.seed);
    ur_model_init_weights(r->model, &rng);
    const ur_data *val = r->fit.validation_split <= 0 && r->val.n_x > 0 ? &r->val : NULL;
    /* the device first: the trainer sizes its buffers for it */
    if (r->rs.device && strcmp(r->rs.device, "cpu") != 0 &&
        (st = ur_model_use_device(r->model, r->rs.device, r->rs.exact_math, r->device_note,
                                  sizeof r->device_note, ctx)) != UR_OK)
        return st;
    r->trainer = ur_trainer_new(r->model, &r->fit, &r->train, val, ctx);
    if (!r->trainer)
        return ctx->status;
    bool has_val = val || r->fit.validation_split > 0;
    r->monitor = strdup(r->rs.monitor ? r->rs.monitor : has_val ? "val_loss" : "loss");
    return UR_OK;
}

static ur_run *run_alloc(const ur_fit_config *fit, const ur_run_settings *rs, ur_ctx *ctx)
{
    ur_run *r = calloc(1, sizeof *r);
    if (!r) {
        ur_error(ctx, UR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (rs)
        r->rs = *rs;
    else
        ur_run_settings_defaults(&r->rs);
    r->rs.label = NULL;
    r->rs.monitor = NULL;
    if (fit)
        r->fit = *fit;
    if (r->rs.flush_every <= 0 || r->rs.flush_every > 1)
        r->rs.flush_every = r->rs.flush_every <= 0 ? 0.5 : 1;
    return r;
}

static ur_status open_store(ur_run *r, ur_ctx *ctx)
{
    r->db_path = r->rs.db_path ? strdup(r->rs.db_path) : ur_store_default_path();
    if (!r->db_path)
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    r->rs.db_path = r->db_path;
    r->store = ur_store_open(r->db_path, ctx);
    return r->store ? UR_OK : ctx->status;
}

ur_run *ur_run_new(ur_graph *g, const char *data_spec, const ur_fit_config *fit,
                   const ur_run_settings *rs, ur_ctx *ctx)
{
    ur_run *r = run_alloc(fit, rs, ctx);
    if (!r) {
        ur_graph_free(g);
        return NULL;
    }
    if (rs && rs->monitor)
        r->rs.monitor = rs->monitor; /* used by run_build only */
    char *model_json = NULL;
    {
        ur_value *doc = ur_graph_to_value(g);
        model_json = doc ? ur_json_write(doc, 2) : NULL;
        ur_value_free(doc);
    }
    char *model_name = dup_str(ur_graph_name(g));
    uint64_t hash = 0;
    ur_status st = model_json ? UR_OK : ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    if (st)
        ur_graph_free(g);
    else
        st = run_build(r, g, data_spec, &hash, ctx);
    r->rs.monitor = NULL;
    if (!st && r->rs.record)
        st = open_store(r, ctx);
    if (!st && r->rs.record) {
        /* files by absolute path, so that a resume from elsewhere finds them */
        const char *kind = dataset_kind(data_spec);
        char *abs = strcmp(kind, "file") == 0 ? realpath(data_spec, NULL) : NULL;
        ur_run_spec spec = {
            .model_json = model_json,
            .model_name = model_name,
            .dataset_name = r->ds->name,
            .dataset_kind = kind,
            .dataset_source = abs ? abs : data_spec,
            .dataset_hash = hash,
            .n_train = ur_data_count(&r->train),
            .n_val = r->val.n_x > 0 ? ur_data_count(&r->val) : 0,
            .fit = &r->fit,
            .device = ur_model_device(r->model),
            .label = rs ? rs->label : NULL,
        };
        r->id = ur_store_run_begin(r->store, &spec, ctx);
        free(abs);
        if (r->id <= 0)
            st = ctx->status ? ctx->status : UR_ERR_INTERNAL;
    }
    free(model_json);
    free(model_name);
    if (st) {
        ur_run_free(r);
        return NULL;
    }
    return r;
}

static ur_status replay_optimizer_changes(ur_run *r, int64_t upto, ur_ctx *ctx);

ur_run *ur_run_resume(int64_t id, const ur_run_settings *rs, ur_ctx *ctx)
{
    ur_run *r = run_alloc(NULL, rs, ctx);
    if (!r)
        return NULL;
    r->rs.record = true;
    ur_run_row row = {0};
    ur_checkpoint cp = {0};
    void *weights = NULL, *state = NULL;
    char where[64];
    snprintf(where, sizeof where, "run %lld", (long long)id);
    ur_status st = open_store(r, ctx);
    if (!st)
        st = ur_store_run_get(r->store, id, &row, ctx);
    if (!st && row.status == UR_RUN_COMPLETED)
        st = ur_error(ctx, UR_ERR_INVALID, "%s has completed: there is nothing to resume", where);
    if (!st && row.status == UR_RUN_RUNNING)
        st = ur_error(ctx, UR_ERR_INVALID,
                      "%s is running in another process: stop it first (or wait until it is "
                      "found interrupted)",
                      where);
    ur_graph *g = NULL;
    if (!st) {
        r->fit = row.fit;
        r->id = id;
        char source[96];
        snprintf(source, sizeof source, "%s's model", where);
        g = ur_model_file_parse(row.model_json, strlen(row.model_json), source, ctx);
        if (!g)
            st = ctx->status;
        else if ((st = ur_model_file_check(g, source, ctx)) != UR_OK) {
            ur_graph_free(g);
            g = NULL;
        }
    }
    uint64_t hash = 0;
    if (!st) {
        r->rs.monitor = rs ? rs->monitor : NULL;
        st = run_build(r, g, row.dataset_source, &hash, ctx);
        r->rs.monitor = NULL;
        if (st)
            ur_error_prefix(ctx, "%s: dataset %s", where, row.dataset_source);
    }
    if (!st && hash != row.dataset_hash)
        st = ur_error(ctx, UR_ERR_INVALID,
                      "%s: the dataset %s has changed since the run began (content hash "
                      "%016llx, recorded %016llx): resume needs the same data",
                      where, row.dataset_source, (unsigned long long)hash,
                      (unsigned long long)row.dataset_hash);
    int64_t from_step = 0;
    if (!st) {
        ur_ctx cctx = {0};
        if (ur_store_checkpoint_get(r->store, id, UR_CHECKPOINT_LAST, 0, &cp, &weights, &state,
                                    &cctx) == UR_OK) {
            st = ur_model_load_weights_bytes(r->model, weights, cp.weights_len, where, ctx);
            /* the settings the state was saved with: its slots fit them */
            if (!st)
                st = replay_optimizer_changes(r, cp.step, ctx);
            if (!st)
                st = ur_trainer_load_state(r->trainer, state, cp.state_len, ctx);
            if (st)
                ur_error_prefix(ctx, "%s: the last checkpoint", where);
            from_step = cp.step;
        }
        /* no checkpoint yet: the run starts again from its seed */
    }
    if (!st)
        st = ur_store_metrics_delete_after(r->store, id, from_step, ctx);
    if (!st)
        st = ur_store_run_claim(r->store, id, from_step, ctx);
    free(weights);
    free(state);
    ur_run_row_clear(&row);
    if (st) {
        ur_run_free(r);
        return NULL;
    }
    return r;
}

/* --------------------------------------------------------------- training */

const char *ur_run_device_note(const ur_run *r) { return r->device_note; }

int64_t ur_run_id(const ur_run *r) { return r->id; }
ur_model *ur_run_model(const ur_run *r) { return r->model; }
const ur_fit_config *ur_run_fit(const ur_run *r) { return &r->fit; }
const ur_dataset *ur_run_dataset(const ur_run *r) { return r->ds; }
int ur_run_epoch(const ur_run *r) { return ur_trainer_epoch(r->trainer); }
int64_t ur_run_global_step(const ur_run *r) { return ur_trainer_global_step(r->trainer); }
ur_trainer *ur_run_trainer(const ur_run *r) { return r->trainer; }

ur_status ur_run_add_event(ur_run *r, const char *kind, const char *detail_json, ur_ctx *ctx)
{
    if (!r->store)
        return UR_OK;
    ur_status st = ur_store_event(r->store, r->id, kind, ur_trainer_global_step(r->trainer),
                                  detail_json, ctx);
    if (st == UR_OK)
        st = ur_store_flush(r->store, ctx);
    return st;
}

/* ------------------------------------------------- optimizer changes */

/* The settings an event names, by their Keras names. */
typedef struct opt_field {
    const char *name;
    size_t offset;
    bool flag;               /* a bool; else a double */
} opt_field;

#define OPT_FIELD(f, flag) {#f, offsetof(ur_optimizer_config, f), flag}
static const opt_field opt_fields[] = {
    OPT_FIELD(learning_rate, false), OPT_FIELD(momentum, false), OPT_FIELD(nesterov, true),
    OPT_FIELD(rho, false), OPT_FIELD(centered, true), OPT_FIELD(beta_1, false),
    OPT_FIELD(beta_2, false), OPT_FIELD(epsilon, false), OPT_FIELD(amsgrad, true),
    OPT_FIELD(weight_decay, false), OPT_FIELD(clipnorm, false),
    OPT_FIELD(global_clipnorm, false), OPT_FIELD(clipvalue, false),
};
#undef OPT_FIELD
#define N_OPT_FIELDS (sizeof opt_fields / sizeof opt_fields[0])

static ur_value *opt_field_value(const ur_optimizer_config *c, const opt_field *f)
{
    const char *p = (const char *)c + f->offset;
    return f->flag ? ur_value_new_bool(*(const bool *)p) : ur_value_new_number(*(const double *)p);
}

static bool opt_field_equal(const ur_optimizer_config *a, const ur_optimizer_config *b,
                            const opt_field *f)
{
    const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
    return f->flag ? *(const bool *)pa == *(const bool *)pb
                   : *(const double *)pa == *(const double *)pb;
}

/* The event for a change from a to b (malloc'd JSON, *kind "lr" or
 * "optimizer"), or NULL when nothing changed. */
static char *optimizer_change(const ur_optimizer_config *a, const ur_optimizer_config *b,
                              const char **kind)
{
    ur_value *from = ur_value_new_object(), *to = ur_value_new_object();
    for (size_t i = 0; i < N_OPT_FIELDS; i++)
        if (!opt_field_equal(a, b, &opt_fields[i])) {
            ur_value_set(from, opt_fields[i].name, opt_field_value(a, &opt_fields[i]));
            ur_value_set(to, opt_fields[i].name, opt_field_value(b, &opt_fields[i]));
        }
    char *json = NULL;
    if (to->u.obj.n == 1 && ur_value_get(to, "learning_rate")) {
        *kind = "lr";
        ur_value *v = ur_value_new_object();
        ur_value_set(v, "from", ur_value_copy(ur_value_get(from, "learning_rate")));
        ur_value_set(v, "to", ur_value_copy(ur_value_get(to, "learning_rate")));
        json = ur_json_write(v, -1);
        ur_value_free(v);
    } else if (to->u.obj.n > 0) {
        *kind = "optimizer";
        ur_value *v = ur_value_new_object();
        ur_value_set(v, "from", from);
        ur_value_set(v, "to", to);
        from = to = NULL;
        json = ur_json_write(v, -1);
        ur_value_free(v);
    }
    ur_value_free(from);
    ur_value_free(to);
    return json;
}

/* Applies an "lr" or "optimizer" event's "to" to c. */
static ur_status optimizer_change_apply(ur_optimizer_config *c, const ur_run_event *e,
                                        ur_ctx *ctx)
{
    char source[64];
    snprintf(source, sizeof source, "the %s event at step %lld", e->kind, (long long)e->step);
    ur_value *v = e->detail ? ur_json_parse(e->detail, strlen(e->detail), source, ctx) : NULL;
    if (!v)
        return e->detail ? ctx->status
                         : ur_error(ctx, UR_ERR_FORMAT, "%s has no detail", source);
    const ur_value *to = v->type == UR_VALUE_OBJECT ? ur_value_get(v, "to") : NULL;
    ur_status st = UR_OK;
    if (strcmp(e->kind, "lr") == 0) {
        if (to && to->type == UR_VALUE_NUMBER)
            c->learning_rate = to->u.num;
        else
            st = ur_error(ctx, UR_ERR_FORMAT, "%s: \"to\" is not a number", source);
    } else if (!to || to->type != UR_VALUE_OBJECT) {
        st = ur_error(ctx, UR_ERR_FORMAT, "%s: \"to\" is not an object", source);
    } else {
        for (size_t k = 0; k < to->u.obj.n && !st; k++) {
            const opt_field *f = NULL;
            for (size_t i = 0; i < N_OPT_FIELDS; i++)
                if (strcmp(opt_fields[i].name, to->u.obj.keys[k]) == 0)
                    f = &opt_fields[i];
            const ur_value *x = to->u.obj.vals[k];
            char *p = f ? (char *)c + f->offset : NULL;
            if (f && f->flag && x->type == UR_VALUE_BOOL)
                *(bool *)p = x->u.b;
            else if (f && !f->flag && x->type == UR_VALUE_NUMBER)
                *(double *)p = x->u.num;
            else
                st = ur_error(ctx, UR_ERR_FORMAT, "%s: the setting \"%s\" is unknown or not a %s",
                              source, to->u.obj.keys[k], f && f->flag ? "boolean" : "number");
        }
    }
    ur_value_free(v);
    return st;
}

ur_status ur_run_set_optimizer(ur_run *r, const ur_optimizer_config *c, ur_ctx *ctx)
{
    ur_optimizer_config from = *ur_trainer_optimizer(r->trainer);
    ur_status st = ur_trainer_set_optimizer(r->trainer, c, ctx);
    if (st)
        return st;
    const char *kind = NULL;
    char *detail = optimizer_change(&from, c, &kind);
    if (detail)
        st = ur_run_add_event(r, kind, detail, ctx);
    free(detail);
    return st;
}

/* On resume: the optimizer changes recorded up to step upto, in order. A
 * resume (the store's claim, at the step where training went on) drops the
 * changes recorded after its step: that stretch was trained again. */
static ur_status replay_optimizer_changes(ur_run *r, int64_t upto, ur_ctx *ctx)
{
    ur_run_event *ev = NULL;
    int n = 0;
    ur_status st = ur_store_events(r->store, r->id, &ev, &n, ctx);
    if (st)
        return st;
    bool *live = calloc((size_t)n + 1, sizeof *live);
    if (!live) {
        ur_run_events_free(ev, n);
        return ur_error(ctx, UR_ERR_NOMEM, "out of memory for the run's events");
    }
    for (int i = 0; i < n; i++) {
        bool change = strcmp(ev[i].kind, "lr") == 0 || strcmp(ev[i].kind, "optimizer") == 0;
        live[i] = change && ev[i].step >= 0;
        /* the store's claim has {"from": status}; a window's resume none */
        if (strcmp(ev[i].kind, "resume") == 0 && ev[i].detail && ev[i].step >= 0)
            for (int j = 0; j < i; j++)
                if (live[j] && ev[j].step > ev[i].step)
                    live[j] = false;
    }
    ur_optimizer_config c = *ur_trainer_optimizer(r->trainer);
    bool changed = false;
    for (int i = 0; i < n && !st; i++)
        if (live[i] && ev[i].step <= upto) {
            st = optimizer_change_apply(&c, &ev[i], ctx);
            changed = true;
        }
    if (!st && changed)
        st = ur_trainer_set_optimizer(r->trainer, &c, ctx);
    if (st)
        ur_error_prefix(ctx, "the run's recorded optimizer changes");
    free(live);
    ur_run_events_free(ev, n);
    return st;
}

void ur_run_set_stop_pauses(ur_run *r, bool pauses) { r->stop_pauses = pauses; }

/* Keeps the first store error; training stops at the next poll. */
static void store_failed(ur_run *r, ur_status st, const ur_ctx *ctx)
{
    if (st && !r->store_status) {
        r->store_status = st;
        r->store_ctx = *ctx;
    }
}

static void flush(ur_run *r)
{
    ur_ctx ctx = {0};
    store_failed(r, ur_store_flush(r->store, &ctx), &ctx);
    r->last_flush = mono_now();
}

static void checkpoint(ur_run *r, ur_checkpoint_kind kind, int epoch, double monitor_value)
{
    ur_ctx ctx = {0};
    size_t wlen = 0, slen = ur_trainer_state_size(r->trainer);
    void *weights = ur_model_weights_bytes(r->model, &wlen, &ctx);
    void *state = malloc(slen ? slen : 1);
    if (!weights || !state) {
        store_failed(r, weights ? ur_error(&ctx, UR_ERR_NOMEM, "out of memory") : ctx.status,
                     &ctx);
    } else {
        ur_trainer_save_state(r->trainer, state);
        ur_checkpoint cp = {.kind = kind, .epoch = epoch,
                            .step = ur_trainer_global_step(r->trainer), .weights = weights,
                            .weights_len = wlen, .state = state, .state_len = slen,
                            .monitor = r->monitor, .monitor_value = monitor_value};
        store_failed(r, ur_store_checkpoint(r->store, r->id, &cp, r->rs.keep_epochs, &ctx), &ctx);
    }
    free(weights);
    free(state);
    r->last_checkpoint = mono_now();
    r->last_flush = r->last_checkpoint; /* a checkpoint writes the pending points too */
}

static void run_on_step(void *user, const ur_progress *p)
{
    ur_run *r = user;
    if (r->store) {
        /* "batch_loss" (as TensorBoard names it): each batch's own loss; the
         * epoch's mean "loss" comes with the epoch's metrics */
        ur_store_metric(r->store, r->id, "batch_loss", p->global_step, p->epoch, p->loss,
                        wall_now());
        double now = mono_now();
        /* the epoch's last step is checkpointed by on_epoch, with its metrics */
        bool last = p->step + 1 >= p->steps;
        if (!last && r->rs.checkpoint_every > 0 && now - r->last_checkpoint >= r->rs.checkpoint_every)
            checkpoint(r, UR_CHECKPOINT_LAST, p->epoch, NAN);
        else if (now - r->last_flush >= r->rs.flush_every)
            flush(r);
    }
    if (r->user_cb && r->user_cb->on_step)
        r->user_cb->on_step(r->user_cb->user, p);
}

static void run_on_epoch(void *user, const ur_progress *p)
{
    ur_run *r = user;
    if (r->store) {
        double wall = wall_now(), monitor = NAN;
        for (int i = 0; i < p->n_metrics; i++) {
            ur_store_metric(r->store, r->id, p->metric_names[i], p->global_step, p->epoch,
                            p->metric_values[i], wall);
            if (strcmp(p->metric_names[i], r->monitor) == 0)
                monitor = p->metric_values[i];
        }
        checkpoint(r, UR_CHECKPOINT_LAST, p->epoch + 1, monitor);
        checkpoint(r, UR_CHECKPOINT_EPOCH, p->epoch + 1, monitor);
        /* accuracy-like monitors improve upwards */
        bool up = strstr(r->monitor, "acc") != NULL;
        if (isfinite(monitor) && (!r->has_best || (up ? monitor > r->best : monitor < r->best))) {
            r->best = monitor;
            r->has_best = true;
            checkpoint(r, UR_CHECKPOINT_BEST, p->epoch + 1, monitor);
        }
    }
    if (r->user_cb && r->user_cb->on_epoch)
        r->user_cb->on_epoch(r->user_cb->user, p);
}

static bool run_should_stop(void *user)
{
    ur_run *r = user;
    if (r->store_status)
        return true;
    return r->user_cb && r->user_cb->should_stop && r->user_cb->should_stop(r->user_cb->user);
}

/* The best monitor value among the run's BEST checkpoint (after a resume). */
static void load_best(ur_run *r)
{
    ur_checkpoint cp = {0};
    void *w = NULL, *s = NULL;
    ur_ctx ctx = {0};
    if (ur_store_checkpoint_get(r->store, r->id, UR_CHECKPOINT_BEST, 0, &cp, &w, &s, &ctx) ==
            UR_OK &&
        isfinite(cp.monitor_value)) {
        r->best = cp.monitor_value;
        r->has_best = true;
    }
    free(w);
    free(s);
}

ur_status ur_run_train(ur_run *r, const ur_callbacks *cb, ur_ctx *ctx)
{
    r->user_cb = cb;
    r->store_status = UR_OK;
    r->last_flush = r->last_checkpoint = mono_now();
    r->has_best = false;
    if (r->store)
        load_best(r);
    if (r->store && !r->device_logged && strcmp(ur_model_device(r->model), "cpu") != 0) {
        /* where each layer runs, with the run: {"device": ..., "layers": {...}} */
        ur_value *detail = ur_value_new_object(), *layers = ur_value_new_object();
        const ur_graph *g = ur_model_graph(r->model);
        for (int i = 0; i < ur_graph_n_layers(g); i++)
            ur_value_set(layers, ur_layer_name(ur_graph_layer(g, i)),
                         ur_value_new_string(ur_model_layer_path(r->model, i)));
        ur_value_set(detail, "device", ur_value_new_string(ur_model_device(r->model)));
        ur_value_set(detail, "layers", layers);
        char *json = ur_json_write(detail, 0);
        ur_value_free(detail);
        ur_ctx ectx = {0};
        ur_status est = json ? ur_store_event(r->store, r->id, "device",
                                              ur_trainer_global_step(r->trainer), json, &ectx)
                             : ur_error(&ectx, UR_ERR_NOMEM, "out of memory");
        free(json);
        if (est) {
            *ctx = ectx;
            return est;
        }
        r->device_logged = true;
    }
    ur_callbacks mine = {.user = r, .on_step = run_on_step, .on_epoch = run_on_epoch,
                         .should_stop = run_should_stop};
    ur_status st = ur_trainer_run(r->trainer, &mine, ctx);
    r->user_cb = NULL;
    if (r->store_status) {
        st = r->store_status;
        *ctx = r->store_ctx;
        ur_error_prefix(ctx, "run %lld: the store", (long long)r->id);
    }
    if (!r->store)
        return st;
    ur_ctx ectx = {0};
    ur_status fst = ur_store_flush(r->store, &ectx);
    ur_run_status end = st == UR_OK ? UR_RUN_COMPLETED
                      : st == UR_ERR_CANCELLED ? (r->stop_pauses ? UR_RUN_PAUSED : UR_RUN_CANCELLED)
                      : UR_RUN_FAILED;
    if (st == UR_ERR_CANCELLED)
        checkpoint(r, UR_CHECKPOINT_LAST, ur_trainer_epoch(r->trainer), NAN);
    if (st) {
        /* the run's events: a stop (with where) or the error (with its message) */
        ur_value *detail = ur_value_new_object();
        ur_value_set(detail, "epoch", ur_value_new_number(ur_trainer_epoch(r->trainer)));
        if (st != UR_ERR_CANCELLED)
            ur_value_set(detail, "message", ur_value_new_string(ctx->message));
        else if (r->stop_pauses)
            ur_value_set(detail, "paused", ur_value_new_bool(true));
        char *json = ur_json_write(detail, -1);
        ur_store_event(r->store, r->id, st == UR_ERR_CANCELLED ? "stop" : "error",
                       ur_trainer_global_step(r->trainer), json, &ectx);
        free(json);
        ur_value_free(detail);
    }
    ur_status est = ur_store_run_end(r->store, r->id, end, st && st != UR_ERR_CANCELLED ? ctx->message : NULL,
                                     &ectx);
    if (!st && (fst || est)) {
        *ctx = ectx;
        st = ectx.status;
    }
    return st;
}
