/* tensor.c — shapes, tensor views and owned arrays. */
#include "ur-internal.h"

#include <stdio.h>

char *ur_shape_format(const ur_shape *s, char *buf, size_t size)
{
    size_t pos = 0;
    pos += (size_t)snprintf(buf + pos, size - pos, "(");
    for (int i = 0; i < s->rank && pos < size; i++) {
        if (s->dim[i] == UR_DIM_FREE)
            pos += (size_t)snprintf(buf + pos, size - pos, "%sNone", i ? ", " : "");
        else
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%lld", i ? ", " : "",
                                    (long long)s->dim[i]);
    }
    if (pos < size)
        snprintf(buf + pos, size - pos, s->rank == 1 ? ",)" : ")");
    return buf;
}

bool ur_shape_equal(const ur_shape *a, const ur_shape *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i])
            return false;
    return true;
}

int64_t ur_shape_numel_from(const ur_shape *s, int from)
{
    int64_t n = 1;
    for (int i = from; i < s->rank; i++) {
        if (s->dim[i] == UR_DIM_FREE)
            return -1;
        n *= s->dim[i];
    }
    return n;
}

const char *ur_dtype_name(ur_dtype d) { return d == UR_I32 ? "int32" : "float32"; }

int64_t ur_tensor_numel(const ur_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dim[i];
    return n;
}

ur_array *ur_array_new(ur_dtype dtype, int rank, const int64_t *dim, const char *name)
{
    UR_ASSERT(rank >= 0 && rank <= UR_MAX_RANK);
    ur_array *a = ur_xcalloc(1, sizeof *a);
    a->t.dtype = dtype;
    a->t.rank = rank;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        a->t.dim[i] = dim[i];
        n *= dim[i];
    }
    a->t.data = ur_alloc_aligned((size_t)n * 4);
    if (!a->t.data) {
        free(a);
        return NULL;
    }
    a->name = name ? ur_xstrdup(name) : NULL;
    return a;
}

void ur_array_free(ur_array *a)
{
    if (!a)
        return;
    ur_free_aligned(a->t.data);
    free(a->name);
    free(a);
}

int64_t ur_data_count(const ur_data *d)
{
    if (d->n_x > 0)
        return d->x[0]->t.dim[0];
    return 0;
}
