/* value.c — the JSON-like value tree (ur_value) that model documents are
 * held in. Text parsing and writing are data/'s (json.c). */
#include "ur-internal.h"

static ur_value *value_new(ur_value_type t)
{
    ur_value *v = ur_xcalloc(1, sizeof *v);
    v->type = t;
    return v;
}

ur_value *ur_value_new_null(void) { return value_new(UR_VALUE_NULL); }

ur_value *ur_value_new_bool(bool b)
{
    ur_value *v = value_new(UR_VALUE_BOOL);
    v->u.b = b;
    return v;
}

ur_value *ur_value_new_number(double num)
{
    ur_value *v = value_new(UR_VALUE_NUMBER);
    v->u.num = num;
    return v;
}

ur_value *ur_value_new_string(const char *s)
{
    ur_value *v = value_new(UR_VALUE_STRING);
    v->u.str = ur_xstrdup(s);
    return v;
}

ur_value *ur_value_new_array(void) { return value_new(UR_VALUE_ARRAY); }
ur_value *ur_value_new_object(void) { return value_new(UR_VALUE_OBJECT); }

void ur_value_free(ur_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case UR_VALUE_STRING:
        free(v->u.str);
        break;
    case UR_VALUE_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            ur_value_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case UR_VALUE_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            free(v->u.obj.keys[i]);
            ur_value_free(v->u.obj.vals[i]);
        }
        free(v->u.obj.keys);
        free(v->u.obj.vals);
        break;
    default:
        break;
    }
    free(v);
}

ur_value *ur_value_copy(const ur_value *v)
{
    if (!v)
        return NULL;
    ur_value *c;
    switch (v->type) {
    case UR_VALUE_NULL: c = ur_value_new_null(); break;
    case UR_VALUE_BOOL: c = ur_value_new_bool(v->u.b); break;
    case UR_VALUE_NUMBER: c = ur_value_new_number(v->u.num); break;
    case UR_VALUE_STRING: c = ur_value_new_string(v->u.str); break;
    case UR_VALUE_ARRAY:
        c = ur_value_new_array();
        for (size_t i = 0; i < v->u.arr.n; i++)
            ur_value_append(c, ur_value_copy(v->u.arr.items[i]));
        break;
    case UR_VALUE_OBJECT:
        c = ur_value_new_object();
        for (size_t i = 0; i < v->u.obj.n; i++)
            ur_value_set(c, v->u.obj.keys[i], ur_value_copy(v->u.obj.vals[i]));
        break;
    default:
        return NULL;
    }
    c->line = v->line;
    c->column = v->column;
    return c;
}

bool ur_value_equal(const ur_value *a, const ur_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case UR_VALUE_NULL: return true;
    case UR_VALUE_BOOL: return a->u.b == b->u.b;
    case UR_VALUE_NUMBER: return a->u.num == b->u.num;
    case UR_VALUE_STRING: return strcmp(a->u.str, b->u.str) == 0;
    case UR_VALUE_ARRAY:
        if (a->u.arr.n != b->u.arr.n)
            return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!ur_value_equal(a->u.arr.items[i], b->u.arr.items[i]))
                return false;
        return true;
    case UR_VALUE_OBJECT:
        if (a->u.obj.n != b->u.obj.n)
            return false;
        for (size_t i = 0; i < a->u.obj.n; i++) {
            const ur_value *o = ur_value_get(b, a->u.obj.keys[i]);
            if (!o || !ur_value_equal(a->u.obj.vals[i], o))
                return false;
        }
        return true;
    }
    return false;
}

ur_value *ur_value_get(const ur_value *obj, const char *key)
{
    if (!obj || obj->type != UR_VALUE_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (strcmp(obj->u.obj.keys[i], key) == 0)
            return obj->u.obj.vals[i];
    return NULL;
}

void ur_value_set(ur_value *obj, const char *key, ur_value *val)
{
    UR_ASSERT(obj && obj->type == UR_VALUE_OBJECT);
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (strcmp(obj->u.obj.keys[i], key) == 0) {
            ur_value_free(obj->u.obj.vals[i]);
            obj->u.obj.vals[i] = val;
            return;
        }
    if (obj->u.obj.n == obj->u.obj.cap) {
        obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
        obj->u.obj.keys = ur_xrealloc(obj->u.obj.keys, obj->u.obj.cap * sizeof(char *));
        obj->u.obj.vals = ur_xrealloc(obj->u.obj.vals, obj->u.obj.cap * sizeof(ur_value *));
    }
    obj->u.obj.keys[obj->u.obj.n] = ur_xstrdup(key);
    obj->u.obj.vals[obj->u.obj.n] = val;
    obj->u.obj.n++;
}

bool ur_value_remove(ur_value *obj, const char *key)
{
    if (!obj || obj->type != UR_VALUE_OBJECT)
        return false;
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (strcmp(obj->u.obj.keys[i], key) == 0) {
            free(obj->u.obj.keys[i]);
            ur_value_free(obj->u.obj.vals[i]);
            memmove(obj->u.obj.keys + i, obj->u.obj.keys + i + 1,
                    (obj->u.obj.n - i - 1) * sizeof(char *));
            memmove(obj->u.obj.vals + i, obj->u.obj.vals + i + 1,
                    (obj->u.obj.n - i - 1) * sizeof(ur_value *));
            obj->u.obj.n--;
            return true;
        }
    return false;
}

void ur_value_append(ur_value *arr, ur_value *val)
{
    UR_ASSERT(arr && arr->type == UR_VALUE_ARRAY);
    if (arr->u.arr.n == arr->u.arr.cap) {
        arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
        arr->u.arr.items = ur_xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(ur_value *));
    }
    arr->u.arr.items[arr->u.arr.n++] = val;
}

const char *ur_value_type_name(ur_value_type t)
{
    switch (t) {
    case UR_VALUE_NULL: return "null";
    case UR_VALUE_BOOL: return "a boolean";
    case UR_VALUE_NUMBER: return "a number";
    case UR_VALUE_STRING: return "a string";
    case UR_VALUE_ARRAY: return "an array";
    case UR_VALUE_OBJECT: return "an object";
    }
    return "?";
}
