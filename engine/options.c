/* options.c — the declarative option tables of the layer kinds: parsing a
 * layer's JSON object into its config struct (defaults, types, ranges,
 * unknown names with a suggestion) and turning values back into JSON. */
#include "ur-internal.h"

#include <errno.h>
#include <stdio.h>

static const char *const common_keys[] = {"class", "name", "inputs", "initial_state",
                                          "trainable", NULL};

static bool is_common_key(const char *k)
{
    for (int i = 0; common_keys[i]; i++)
        if (strcmp(k, common_keys[i]) == 0)
            return true;
    return false;
}

/* A default given as JSON text: a number, true/false, null, "string". The
 * tables only use these forms, so a full parser is not needed here. */
static ur_value *parse_default(const char *def)
{
    if (!def || strcmp(def, "null") == 0)
        return ur_value_new_null();
    if (strcmp(def, "true") == 0)
        return ur_value_new_bool(true);
    if (strcmp(def, "false") == 0)
        return ur_value_new_bool(false);
    if (def[0] == '"') {
        size_t n = strlen(def);
        UR_ASSERT(n >= 2 && def[n - 1] == '"');
        char buf[128];
        UR_ASSERT(n - 2 < sizeof buf);
        memcpy(buf, def + 1, n - 2);
        buf[n - 2] = '\0';
        return ur_value_new_string(buf);
    }
    char *end;
    double d = strtod(def, &end);
    UR_ASSERT(*end == '\0');
    return ur_value_new_number(d);
}

static void fmt_num(char *buf, size_t n, double v)
{
    if (fabs(v) < 1e15 && v == (double)(int64_t)v)
        snprintf(buf, n, "%lld", (long long)v);
    else
        snprintf(buf, n, "%g", v);
}

static ur_status type_error(ur_ctx *ctx, const ur_option *o, const char *want, const ur_value *v)
{
    return ur_error(ctx, UR_ERR_INVALID, "option '%s' must be %s, got %s", o->name, want,
                    ur_value_type_name(v->type));
}

static ur_status range_check(ur_ctx *ctx, const ur_option *o, double d)
{
    if (o->min < o->max && (d < o->min || d > o->max)) {
        char lo[32], hi[32], got[32];
        fmt_num(lo, sizeof lo, o->min);
        fmt_num(hi, sizeof hi, o->max);
        fmt_num(got, sizeof got, d);
        return ur_error(ctx, UR_ERR_INVALID, "option '%s' must be between %s and %s, got %s",
                        o->name, lo, hi, got);
    }
    return UR_OK;
}

static ur_status parse_enum(ur_ctx *ctx, const ur_option *o, const char *const *choices,
                            const ur_value *v, bool nullable, int *out)
{
    if (v->type == UR_VALUE_NULL && nullable) {
        *out = -1;
        return UR_OK;
    }
    if (v->type != UR_VALUE_STRING)
        return type_error(ctx, o, nullable ? "a string or null" : "a string", v);
    for (int i = 0; choices[i]; i++)
        if (strcmp(v->u.str, choices[i]) == 0) {
            *out = i;
            return UR_OK;
        }
    char list[512] = "";
    for (int i = 0; choices[i]; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    const char *near = ur_closest(v->u.str, choices);
    if (near)
        return ur_error(ctx, UR_ERR_INVALID,
                        "option '%s': unknown value '%s' (did you mean '%s'? valid: %s)", o->name,
                        v->u.str, near, list);
    return ur_error(ctx, UR_ERR_INVALID, "option '%s': unknown value '%s' (valid: %s)", o->name,
                    v->u.str, list);
}

static ur_status parse_one(const ur_option *o, const ur_value *v, void *cfg, ur_ctx *ctx)
{
    char *field = (char *)cfg + o->offset;
    ur_status st;
    switch (o->type) {
    case UR_OPT_INT:
    case UR_OPT_INT_OR_NULL:
        if (v->type == UR_VALUE_NULL && o->type == UR_OPT_INT_OR_NULL) {
            *(int64_t *)field = UR_DIM_FREE;
            return UR_OK;
        }
        if (v->type != UR_VALUE_NUMBER)
            return type_error(ctx, o, o->type == UR_OPT_INT ? "an integer" : "an integer or null",
                              v);
        if (v->u.num != floor(v->u.num) || fabs(v->u.num) > 9e15) {
            char got[32];
            fmt_num(got, sizeof got, v->u.num);
            return ur_error(ctx, UR_ERR_INVALID, "option '%s' must be an integer, got %s",
                            o->name, got);
        }
        if ((st = range_check(ctx, o, v->u.num)))
            return st;
        *(int64_t *)field = (int64_t)v->u.num;
        return UR_OK;
    case UR_OPT_FLOAT:
        if (v->type != UR_VALUE_NUMBER)
            return type_error(ctx, o, "a number", v);
        if ((st = range_check(ctx, o, v->u.num)))
            return st;
        *(double *)field = v->u.num;
        return UR_OK;
    case UR_OPT_BOOL:
        if (v->type != UR_VALUE_BOOL)
            return type_error(ctx, o, "true or false", v);
        *(bool *)field = v->u.b;
        return UR_OK;
    case UR_OPT_ENUM:
        return parse_enum(ctx, o, o->choices, v, o->nullable, (int *)field);
    case UR_OPT_ACTIVATION: {
        if (v->type == UR_VALUE_NULL) { /* Keras: None = linear */
            *(ur_activation *)field = UR_ACT_LINEAR;
            return UR_OK;
        }
        int a = 0;
        if ((st = parse_enum(ctx, o, ur_activation_names, v, false, &a)))
            return st;
        *(ur_activation *)field = (ur_activation)a;
        return UR_OK;
    }
    case UR_OPT_INITIALIZER:
        return ur_init_from_value(v, (ur_init *)field, o->name, ctx);
    case UR_OPT_SHAPE: {
        ur_shape *s = (ur_shape *)field;
        if (v->type != UR_VALUE_ARRAY)
            return type_error(ctx, o, "an array of sizes (null for a free axis)", v);
        if (v->u.arr.n + 1 > UR_MAX_RANK)
            return ur_error(ctx, UR_ERR_INVALID, "option '%s' has %zu axes; at most %d are supported",
                            o->name, v->u.arr.n, UR_MAX_RANK - 1);
        s->rank = (int)v->u.arr.n;
        for (size_t i = 0; i < v->u.arr.n; i++) {
            const ur_value *d = v->u.arr.items[i];
            if (d->type == UR_VALUE_NULL) {
                s->dim[i] = UR_DIM_FREE;
            } else if (d->type == UR_VALUE_NUMBER && d->u.num == floor(d->u.num) && d->u.num >= 1 &&
                       d->u.num <= 1e9) {
                s->dim[i] = (int64_t)d->u.num;
            } else {
                return ur_error(ctx, UR_ERR_INVALID,
                                "option '%s': axis %zu must be a positive integer or null", o->name,
                                i);
            }
        }
        return UR_OK;
    }
    case UR_OPT_LAYER:
        if (v->type != UR_VALUE_OBJECT)
            return type_error(ctx, o, "a layer object ({\"class\": ...})", v);
        ur_value_free(*(ur_value **)field);
        *(ur_value **)field = ur_value_copy(v);
        return UR_OK;
    case UR_OPT_IGNORED:
        return UR_OK;
    }
    return ur_error(ctx, UR_ERR_INTERNAL, "option '%s' has an unknown type", o->name);
}

ur_status ur_options_parse(ur_layer *l, ur_ctx *ctx)
{
    const ur_layer_kind *k = l->kind;
    if (l->cfg)
        ur_options_free(k, l->cfg);
    free(l->cfg);
    l->cfg = ur_xcalloc(1, k->cfg_size ? k->cfg_size : 1);

    /* unknown keys first: a typo is the likeliest mistake */
    const ur_value *spec = l->spec;
    for (size_t i = 0; i < spec->u.obj.n; i++) {
        const char *key = spec->u.obj.keys[i];
        if (is_common_key(key))
            continue;
        bool found = false;
        for (const ur_option *o = k->options; o->name; o++)
            if (strcmp(o->name, key) == 0)
                found = true;
        if (found)
            continue;
        const char *names[64];
        int n = 0;
        for (const ur_option *o = k->options; o->name && n < 62; o++)
            names[n++] = o->name;
        for (int c = 0; common_keys[c] && n < 63; c++)
            names[n++] = common_keys[c];
        names[n] = NULL;
        const char *near = ur_closest(key, names);
        if (near)
            return ur_error(ctx, UR_ERR_INVALID, "unknown option '%s' for %s (did you mean '%s'?)",
                            key, k->class_name, near);
        return ur_error(ctx, UR_ERR_INVALID, "unknown option '%s' for %s", key, k->class_name);
    }

    for (const ur_option *o = k->options; o->name; o++) {
        const ur_value *v = ur_value_get(spec, o->name);
        ur_value *def = NULL;
        if (!v) {
            if (o->required)
                return ur_error(ctx, UR_ERR_INVALID, "option '%s' is required", o->name);
            def = parse_default(o->def);
            v = def;
        }
        ur_status st = parse_one(o, v, l->cfg, ctx);
        ur_value_free(def);
        if (st)
            return st;
    }
    if (k->validate)
        return k->validate(l, ctx);
    return UR_OK;
}

void ur_options_free(const ur_layer_kind *kind, void *cfg)
{
    if (!kind || !cfg)
        return;
    for (const ur_option *o = kind->options; o->name; o++)
        if (o->type == UR_OPT_LAYER) {
            ur_value **p = (ur_value **)((char *)cfg + o->offset);
            ur_value_free(*p);
            *p = NULL;
        }
}

ur_value *ur_option_to_value(const ur_option *o, const void *cfg)
{
    const char *field = (const char *)cfg + o->offset;
    switch (o->type) {
    case UR_OPT_INT:
        return ur_value_new_number((double)*(const int64_t *)field);
    case UR_OPT_INT_OR_NULL: {
        int64_t v = *(const int64_t *)field;
        return v == UR_DIM_FREE ? ur_value_new_null() : ur_value_new_number((double)v);
    }
    case UR_OPT_FLOAT:
        return ur_value_new_number(*(const double *)field);
    case UR_OPT_BOOL:
        return ur_value_new_bool(*(const bool *)field);
    case UR_OPT_ENUM: {
        int i = *(const int *)field;
        return i < 0 ? ur_value_new_null() : ur_value_new_string(o->choices[i]);
    }
    case UR_OPT_ACTIVATION:
        return ur_value_new_string(ur_activation_names[*(const ur_activation *)field]);
    case UR_OPT_INITIALIZER:
        return ur_init_to_value((const ur_init *)field);
    case UR_OPT_SHAPE: {
        const ur_shape *s = (const ur_shape *)field;
        ur_value *a = ur_value_new_array();
        for (int i = 0; i < s->rank; i++)
            ur_value_append(a, s->dim[i] == UR_DIM_FREE ? ur_value_new_null()
                                                        : ur_value_new_number((double)s->dim[i]));
        return a;
    }
    case UR_OPT_LAYER: {
        const ur_value *v = *(ur_value *const *)field;
        return v ? ur_value_copy(v) : ur_value_new_null();
    }
    case UR_OPT_IGNORED:
        return ur_value_new_null();
    }
    return ur_value_new_null();
}
