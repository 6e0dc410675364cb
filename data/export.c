/* export.c — a run's checkpointed weights and metric points written out
 * (data/export.h), shared by `unroll export`, `unroll runs metrics` and the
 * window's Runs view. */
#include "export.h"

#include "json.h"
#include "npy.h"
#include "safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ur_weights_format ur_weights_format_for_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 4 && strcasecmp(path + n - 4, ".npz") == 0 ? UR_WEIGHTS_NPZ
                                                          : UR_WEIGHTS_SAFETENSORS;
}

void ur_export_checkpoint_name(int64_t run, ur_checkpoint_kind kind, int epoch, char *buf,
                               size_t size)
{
    if (kind == UR_CHECKPOINT_EPOCH)
        snprintf(buf, size, "run %lld's epoch %d checkpoint", (long long)run, epoch);
    else
        snprintf(buf, size, "run %lld's %s checkpoint", (long long)run,
                 kind == UR_CHECKPOINT_BEST ? "best" : "last");
}

static ur_status write_npz(const char *path, const void *bytes, size_t len, const char *source,
                           ur_ctx *ctx)
{
    ur_safetensors *st = ur_safetensors_read_mem(bytes, len, source, ctx);
    if (!st)
        return ctx->status;
    const char **names = calloc((size_t)st->n + 1, sizeof *names);
    const ur_tensor **tensors = calloc((size_t)st->n + 1, sizeof *tensors);
    ur_status status;
    if (!names || !tensors) {
        status = ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    } else {
        for (int i = 0; i < st->n; i++) {
            names[i] = st->arrays[i]->name;
            tensors[i] = &st->arrays[i]->t;
        }
        status = ur_npz_write(path, st->n, tensors, names, ctx);
    }
    free(names);
    free(tensors);
    ur_safetensors_free(st);
    return status;
}

ur_status ur_export_weights(ur_store *s, int64_t run, ur_checkpoint_kind kind, int epoch,
                            ur_weights_format format, const char *path, int *epoch_out,
                            int64_t *step_out, ur_ctx *ctx)
{
    char source[96];
    ur_export_checkpoint_name(run, kind, epoch, source, sizeof source);
    ur_checkpoint cp = {0};
    void *weights = NULL, *state = NULL;
    ur_status st = ur_store_checkpoint_get(s, run, kind, epoch, &cp, &weights, &state, ctx);
    if (st == UR_OK)
        st = format == UR_WEIGHTS_NPZ ? write_npz(path, weights, cp.weights_len, source, ctx)
                                      : ur_file_write_atomic(path, weights, cp.weights_len, ctx);
    if (st == UR_OK) {
        if (epoch_out)
            *epoch_out = cp.epoch;
        if (step_out)
            *step_out = cp.step;
    }
    free(weights);
    free(state);
    return st;
}

char *ur_export_metrics(ur_store *s, int64_t run, const char *only, bool json, size_t *len,
                        ur_ctx *ctx)
{
    ur_run_row row = {0};
    if (ur_store_run_get(s, run, &row, ctx) != UR_OK)
        return NULL; /* the store names its file */
    ur_run_row_clear(&row);
    char **names = NULL;
    int n_names = 0;
    if (ur_store_metric_names(s, run, &names, &n_names, ctx) != UR_OK)
        return NULL;
    bool found = !only;
    for (int i = 0; i < n_names; i++)
        found = found || strcmp(names[i], only) == 0;
    char *text = NULL;
    size_t size = 0;
    FILE *f = NULL;
    if (!found)
        ur_error(ctx, UR_ERR_INVALID, "run %lld has no metric '%s'", (long long)run, only);
    else if (!(f = open_memstream(&text, &size)))
        ur_error(ctx, UR_ERR_NOMEM, "out of memory");
    bool ok = f != NULL;
    if (ok)
        fprintf(f, json ? "{\"run\": %lld, \"metrics\": {" : "name,step,epoch,value,wall_time\n",
                (long long)run);
    int printed = 0;
    for (int i = 0; i < n_names && ok; i++) {
        if (only && strcmp(names[i], only) != 0)
            continue;
        ur_metric_point *p = NULL;
        int64_t np = 0;
        if (ur_store_metrics(s, run, names[i], &p, &np, ctx) != UR_OK) {
            ok = false;
            break;
        }
        if (json)
            fprintf(f, "%s\n  \"%s\": [", printed++ ? "," : "", names[i]);
        for (int64_t k = 0; k < np; k++) {
            if (json)
                fprintf(f, "%s\n    {\"step\": %lld, \"epoch\": %d, \"value\": %.17g, "
                           "\"wall_time\": %.6f}",
                        k ? "," : "", (long long)p[k].step, p[k].epoch,
                        isfinite(p[k].value) ? p[k].value : 0.0, p[k].wall_time);
            else
                fprintf(f, "%s,%lld,%d,%.17g,%.6f\n", names[i], (long long)p[k].step,
                        p[k].epoch, p[k].value, p[k].wall_time);
        }
        if (json)
            fprintf(f, "\n  ]");
        free(p);
    }
    if (ok && json)
        fprintf(f, "\n}}\n");
    if (f && fclose(f) != 0 && ok)
        ok = ur_error(ctx, UR_ERR_NOMEM, "out of memory") == UR_OK;
    for (int i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    if (!ok) {
        free(text);
        return NULL;
    }
    if (len)
        *len = size;
    return text;
}
