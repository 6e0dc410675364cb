/* catalog.c — the layer classes as the window's palette and inspector see
 * them: names, groups, descriptions and option descriptions read from the
 * kinds' declarative tables, and the spec a palette entry adds. */
#include "ur-internal.h"

int ur_layer_class_count(void)
{
    int n = 0;
    while (ur_layer_kinds[n])
        n++;
    return n;
}

static const ur_layer_kind *kind_at(int i)
{
    return i >= 0 && i < ur_layer_class_count() ? ur_layer_kinds[i] : NULL;
}

const char *ur_layer_class_name(int i) { return kind_at(i) ? kind_at(i)->class_name : NULL; }
const char *ur_layer_class_group(int i) { return kind_at(i) ? kind_at(i)->group : NULL; }

const char *ur_layer_class_description(int i)
{
    return kind_at(i) ? kind_at(i)->description : NULL;
}

int ur_layer_class_find(const char *class_name)
{
    const ur_layer_kind *k = class_name ? ur_layer_kind_find(class_name) : NULL;
    for (int i = 0; k && ur_layer_kinds[i]; i++)
        if (ur_layer_kinds[i] == k)
            return i;
    return -1;
}

void ur_layer_class_inputs(int i, int *min_inputs, int *max_inputs, bool *accepts_states)
{
    const ur_layer_kind *k = kind_at(i);
    *min_inputs = k ? k->min_inputs : 0;
    *max_inputs = k ? k->max_inputs : 0;
    *accepts_states = k && k->accepts_states;
}

int ur_layer_class_n_options(int i)
{
    const ur_layer_kind *k = kind_at(i);
    int n = 0;
    while (k && k->options[n].name)
        n++;
    return n;
}

static ur_option_kind option_kind(ur_opt_type t)
{
    switch (t) {
    case UR_OPT_INT: return UR_OPTION_INT;
    case UR_OPT_INT_OR_NULL: return UR_OPTION_INT_OR_NULL;
    case UR_OPT_FLOAT: return UR_OPTION_FLOAT;
    case UR_OPT_BOOL: return UR_OPTION_BOOL;
    case UR_OPT_ENUM: return UR_OPTION_CHOICE;
    case UR_OPT_ACTIVATION: return UR_OPTION_ACTIVATION;
    case UR_OPT_INITIALIZER: return UR_OPTION_INITIALIZER;
    case UR_OPT_SHAPE: return UR_OPTION_SHAPE;
    case UR_OPT_LAYER: return UR_OPTION_LAYER;
    case UR_OPT_IGNORED: return UR_OPTION_IGNORED;
    }
    return UR_OPTION_IGNORED;
}

bool ur_layer_class_option(int i, int k, ur_option_info *out)
{
    if (k < 0 || k >= ur_layer_class_n_options(i))
        return false;
    const ur_option *o = &kind_at(i)->options[k];
    *out = (ur_option_info){
        .name = o->name,
        .kind = option_kind(o->type),
        .default_json = o->required ? NULL : (o->def ? o->def : "null"),
        .has_range = o->min < o->max,
        .min = o->min,
        .max = o->max,
        .choices = o->choices,
        .nullable = o->nullable || o->type == UR_OPT_INT_OR_NULL ||
                    o->type == UR_OPT_ACTIVATION,
        .required = o->required,
        .help = o->help,
    };
    if (o->type == UR_OPT_ACTIVATION)
        out->choices = ur_activation_names;
    else if (o->type == UR_OPT_INITIALIZER)
        out->choices = ur_init_names;
    return true;
}

/* Values for required options, chosen so that a freshly added layer is
 * valid on its own and small enough to train at once. */
static ur_value *required_value(const char *class_name, const char *option)
{
    if (strcmp(option, "units") == 0)
        return ur_value_new_number(32);
    if (strcmp(option, "input_dim") == 0)
        return ur_value_new_number(1000);
    if (strcmp(option, "output_dim") == 0)
        return ur_value_new_number(64);
    if (strcmp(option, "rate") == 0)
        return ur_value_new_number(0.5);
    if (strcmp(option, "n") == 0)
        return ur_value_new_number(4);
    if (strcmp(option, "shape") == 0) {
        ur_value *shape = ur_value_new_array();
        ur_value_append(shape, ur_value_new_null());
        ur_value_append(shape, ur_value_new_number(8));
        return shape;
    }
    if (strcmp(option, "layer") == 0) {
        ur_value *inner = ur_value_new_object();
        ur_value_set(inner, "class", ur_value_new_string("LSTM"));
        ur_value_set(inner, "units", ur_value_new_number(32));
        return inner;
    }
    (void)class_name;
    return NULL;
}

ur_value *ur_layer_class_new_spec(int i)
{
    const ur_layer_kind *k = kind_at(i);
    if (!k)
        return NULL;
    ur_value *spec = ur_value_new_object();
    ur_value_set(spec, "class", ur_value_new_string(k->class_name));
    for (const ur_option *o = k->options; o->name; o++) {
        if (!o->required)
            continue;
        ur_value *v = required_value(k->class_name, o->name);
        UR_ASSERT(v); /* every required option has a value above */
        ur_value_set(spec, o->name, v);
    }
    return spec;
}
