/* training-view.c — UnrollTrainingView: the settings column (dataset view,
 * loss, optimizer and its options, batch, epochs, validation split, seed,
 * device, checkpoint monitor; remembered per model in a JSON file), the
 * run's header (state, Train/Pause/Resume/Stop, progress bars, ETA and
 * rates, the optimizer's settings while paused, errors) and three live charts with
 * a shared toolbar (log axis, smoothing) and per-chart export. */
#include "training-view.h"

#include <adwaita.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "json.h"
#include "summary-view.h"

/* Combo choices, in their rows' order. */
static const char *const loss_names[] = {"auto", "mean_squared_error", "mean_absolute_error",
                                         "binary_crossentropy", "categorical_crossentropy",
                                         "sparse_categorical_crossentropy", NULL};
static const char *const loss_titles[] = {"Automatic", "Mean squared error", "Mean absolute error",
                                          "Binary cross-entropy", "Categorical cross-entropy",
                                          "Sparse categorical cross-entropy", NULL};
static const char *const optimizer_names[] = {"adam", "adamw", "rmsprop", "sgd", NULL};
static const char *const optimizer_titles[] = {"Adam", "AdamW", "RMSprop", "SGD", NULL};
static const char *const device_names[] = {"auto", "cpu", "cuda", NULL};
static const char *const device_titles[] = {"Automatic", "CPU", "GPU (CUDA)", NULL};
static const char *const monitor_names[] = {"auto", "loss", "val_loss", "accuracy", "val_accuracy",
                                            "mae", "val_mae", NULL};
static const char *const monitor_titles[] = {"Automatic", "loss", "val_loss", "accuracy",
                                             "val_accuracy", "mae", "val_mae", NULL};

enum { CHART_STEPS, CHART_LOSS, CHART_METRIC, N_CHARTS };
static const char *const chart_keys[N_CHARTS] = {"steps", "loss", "metric"};

/* A point received during the current run (replayed after a resume's history). */
typedef struct received {
    const char *name;
    gint64 step;
    int epoch;
    double value;
} received;

/* The settings that can change while paused, one field each. */
enum { OPT_LR, OPT_MOMENTUM, OPT_NESTEROV, OPT_RHO, OPT_BETA1, OPT_BETA2, OPT_DECAY,
       OPT_CLIP, OPT_N };

struct _UnrollTrainingView {
    GtkWidget parent_instance;

    GtkWidget *paned;
    UnrollDocument *doc;
    char *db_path;
    char *settings_dir;
    char *model_name;             /* whose settings are on show */
    UnrollTrainWorker *worker;
    GSimpleActionGroup *actions;

    /* settings */
    UnrollDatasetView *dataset;
    AdwComboRow *loss_row, *optimizer_row, *device_row, *monitor_row;
    GtkWidget *logits_row, *logits_switch;
    GtkWidget *lr_spin, *momentum_spin, *nesterov_switch, *beta1_spin, *beta2_spin, *decay_spin,
        *clipnorm_spin, *batch_spin, *epochs_spin, *split_spin, *seed_spin;
    GtkWidget *momentum_row, *nesterov_row, *beta1_row, *beta2_row, *decay_row;
    gboolean loading_settings;

    /* the run's header */
    GtkWidget *status_title, *status_subtitle;
    GtkWidget *button_stack, *pause_button;
    GtkWidget *epoch_bar, *run_bar, *epoch_label, *run_label, *stats_label;
    /* while paused: the running optimizer's settings, applied together */
    GtkWidget *lr_revealer, *live_title;
    GtkWidget *live_value[OPT_N]; /* the spin buttons, the Nesterov switch */
    GtkWidget *live_field[OPT_N];
    GtkWidget *error_bar, *error_heading, *error_label;
    char *error;
    char *status_text;
    char *blocker;

    /* charts */
    UnrollChart *charts[N_CHARTS];
    GtkWidget *metric_card;
    GtkWidget *log_toggle;
    GtkAdjustment *smoothing;
    char *metric_name;            /* "accuracy" or "mae" for this run */
    GArray *received;             /* received, this run */
    gint64 resume_run;            /* the run being resumed, until its history is shown */
    GtkNativeDialog *chooser;

    char *gpu_note;
    char *device_tip;             /* the status line with why not on a GPU */
    gint64 last_text_us;          /* when the progress text last changed */
    double shown_lr;
    gint64 shown_run;             /* the run id the state line names */
    gboolean shown_started;       /* the state line says Training, not Preparing */               /* why no GPU ("" when one is usable); NULL until probed */
    GCancellable *probe;
};

G_DEFINE_FINAL_TYPE(UnrollTrainingView, unroll_training_view, GTK_TYPE_WIDGET)

enum { SIG_RUN_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

#define TRAINING_ERROR (g_quark_from_static_string("unroll-training-view-error"))

static void update_state(UnrollTrainingView *self);
static void show_error(UnrollTrainingView *self, const char *heading, const char *message);
static void update_blocker(UnrollTrainingView *self);
static void save_settings(UnrollTrainingView *self);
static void fill_live_settings(UnrollTrainingView *self);

static int index_of(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (g_strcmp0(names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------- default loss */

/* The activation of a layer's spec ("linear" when none). */
static const char *layer_activation(const ur_layer *l)
{
    const ur_value *spec = ur_layer_spec(l);
    const ur_value *a = spec ? ur_value_get(spec, "activation") : NULL;
    return a && a->type == UR_VALUE_STRING ? a->u.str : "linear";
}

/* y is one-hot: whole 0/1 values, one 1 per row. */
static gboolean one_hot(const ur_array *y)
{
    if (y->t.rank < 2 || y->t.dim[y->t.rank - 1] < 2)
        return FALSE;
    int64_t units = y->t.dim[y->t.rank - 1], rows = ur_tensor_numel(&y->t) / units;
    for (int64_t r = 0; r < rows && r < 2000; r++) {
        double sum = 0;
        for (int64_t u = 0; u < units; u++) {
            int64_t i = r * units + u;
            double v = y->t.dtype == UR_I32 ? ur_tensor_i32(&y->t)[i] : ur_tensor_f32(&y->t)[i];
            if (v != 0 && v != 1)
                return FALSE;
            sum += v;
        }
        if (sum != 1)
            return FALSE;
    }
    return TRUE;
}

void unroll_training_default_loss(const ur_graph *g, const ur_dataset *ds, ur_loss *loss,
                                  gboolean *accuracy)
{
    *loss = (ur_loss){UR_LOSS_MSE, false};
    *accuracy = FALSE;
    if (!g || ur_graph_n_outputs(g) < 1)
        return;
    ur_layer *l;
    int index;
    ur_graph_output(g, 0, &l, &index);
    const ur_shape *s = ur_layer_output_shape(l, index);
    int64_t units = s && s->rank > 1 ? s->dim[s->rank - 1] : 0;
    const char *act = layer_activation(l);
    gboolean softmax = g_str_equal(act, "softmax"), sigmoid = g_str_equal(act, "sigmoid");
    const ur_array *y = ds && ds->train.n_y > 0 ? ds->train.y[0] : NULL;
    int classes = 0;
    gboolean labels = y && unroll_dataset_y_classes(y, &classes);
    if (units > 1 && y && one_hot(y) && y->t.rank == s->rank) {
        *loss = (ur_loss){UR_LOSS_CATEGORICAL_CE, !softmax};
        *accuracy = TRUE;
    } else if (units > 1 && (labels || (!y && softmax))) {
        *loss = (ur_loss){UR_LOSS_SPARSE_CATEGORICAL_CE, !softmax};
        *accuracy = TRUE;
    } else if (units == 1 && ((labels && classes <= 2) || (!y && sigmoid))) {
        *loss = (ur_loss){UR_LOSS_BINARY_CE, !sigmoid};
        *accuracy = TRUE;
    }
}

/* ----------------------------------------------------------- settings */

static double spin(GtkWidget *w) { return gtk_spin_button_get_value(GTK_SPIN_BUTTON(w)); }

/* An optimizer's settings as widgets show them, by OPT_ index: the value
 * (a spin button, the Nesterov switch; NULL where a form has none) and the
 * row or field that holds it (NULL: always shown). */
typedef struct opt_widgets {
    GtkWidget *value[OPT_N], *row[OPT_N];
} opt_widgets;

/* Which settings an optimizer of kind k has. */
static void opt_shown(ur_optimizer_kind k, gboolean shown[OPT_N])
{
    gboolean sgd = k == UR_OPT_SGD, rms = k == UR_OPT_RMSPROP;
    gboolean adam = k == UR_OPT_ADAM || k == UR_OPT_ADAMW;
    const gboolean s[OPT_N] = {
        [OPT_LR] = TRUE, [OPT_MOMENTUM] = sgd || rms, [OPT_NESTEROV] = sgd, [OPT_RHO] = rms,
        [OPT_BETA1] = adam, [OPT_BETA2] = adam, [OPT_DECAY] = k == UR_OPT_ADAMW, [OPT_CLIP] = TRUE,
    };
    memcpy(shown, s, sizeof s);
}

static double *opt_number(ur_optimizer_config *o, int i)
{
    switch (i) {
    case OPT_LR: return &o->learning_rate;
    case OPT_MOMENTUM: return &o->momentum;
    case OPT_RHO: return &o->rho;
    case OPT_BETA1: return &o->beta_1;
    case OPT_BETA2: return &o->beta_2;
    case OPT_DECAY: return &o->weight_decay;
    case OPT_CLIP: return &o->clipnorm;
    default: return NULL;
    }
}

/* The rows of o's kind shown and its values in the widgets (with_clip: the
 * clip norm too, 0 for off). */
static void show_optimizer(const opt_widgets *w, const ur_optimizer_config *o, gboolean with_clip)
{
    gboolean shown[OPT_N];
    opt_shown(o->kind, shown);
    ur_optimizer_config c = *o;
    for (int i = 0; i < OPT_N; i++) {
        if (w->row[i])
            gtk_widget_set_visible(w->row[i], shown[i]);
        if (!w->value[i] || (i == OPT_CLIP && !with_clip))
            continue;
        if (i == OPT_NESTEROV)
            gtk_switch_set_active(GTK_SWITCH(w->value[i]), c.nesterov);
        else
            gtk_spin_button_set_value(GTK_SPIN_BUTTON(w->value[i]), MAX(*opt_number(&c, i), 0));
    }
}

/* o's settings of its kind as the widgets say; a clip norm of 0 is off (a
 * clip norm already off stays as it was). */
static void read_optimizer(const opt_widgets *w, ur_optimizer_config *o)
{
    gboolean shown[OPT_N];
    opt_shown(o->kind, shown);
    for (int i = 0; i < OPT_N; i++) {
        if (!w->value[i] || !shown[i])
            continue;
        if (i == OPT_NESTEROV) {
            o->nesterov = gtk_switch_get_active(GTK_SWITCH(w->value[i]));
            continue;
        }
        gtk_spin_button_update(GTK_SPIN_BUTTON(w->value[i]));
        double v = spin(w->value[i]);
        if (i == OPT_CLIP)
            o->clipnorm = v > 0 ? v : o->clipnorm > 0 ? -1 : o->clipnorm;
        else
            *opt_number(o, i) = v;
    }
}

/* The Training group's optimizer rows (they have no rho). */
static opt_widgets settings_opt_widgets(UnrollTrainingView *self)
{
    return (opt_widgets){
        .value = {[OPT_LR] = self->lr_spin, [OPT_MOMENTUM] = self->momentum_spin,
                  [OPT_NESTEROV] = self->nesterov_switch, [OPT_BETA1] = self->beta1_spin,
                  [OPT_BETA2] = self->beta2_spin, [OPT_DECAY] = self->decay_spin,
                  [OPT_CLIP] = self->clipnorm_spin},
        .row = {[OPT_MOMENTUM] = self->momentum_row, [OPT_NESTEROV] = self->nesterov_row,
                [OPT_BETA1] = self->beta1_row, [OPT_BETA2] = self->beta2_row,
                [OPT_DECAY] = self->decay_row},
    };
}

/* The paused panel's fields. */
static opt_widgets live_opt_widgets(UnrollTrainingView *self)
{
    opt_widgets w;
    memcpy(w.value, self->live_value, sizeof w.value);
    memcpy(w.row, self->live_field, sizeof w.row);
    return w;
}


static const char *combo_name(AdwComboRow *row, const char *const *names)
{
    guint i = adw_combo_row_get_selected(row);
    return i < g_strv_length((char **)names) ? names[i] : names[0];
}

static const ur_graph *graph_of(UnrollTrainingView *self)
{
    return self->doc ? unroll_document_get_graph(self->doc) : NULL;
}

/* The loss in effect (automatic resolved) and whether accuracy is watched. */
static void resolve_loss(UnrollTrainingView *self, ur_loss *loss, gboolean *accuracy)
{
    const char *name = combo_name(self->loss_row, loss_names);
    if (g_str_equal(name, "auto")) {
        unroll_training_default_loss(graph_of(self), unroll_dataset_view_get_dataset(self->dataset),
                                     loss, accuracy);
        return;
    }
    ur_ctx ctx = {0};
    ur_loss_parse(name, loss, &ctx);
    loss->from_logits = gtk_switch_get_active(GTK_SWITCH(self->logits_switch));
    *accuracy = loss->kind == UR_LOSS_BINARY_CE || loss->kind == UR_LOSS_CATEGORICAL_CE ||
                loss->kind == UR_LOSS_SPARSE_CATEGORICAL_CE;
}

void unroll_training_view_get_fit(UnrollTrainingView *self, ur_fit_config *fit,
                                  const char **data_spec)
{
    g_return_if_fail(UNROLL_IS_TRAINING_VIEW(self));
    ur_ctx ctx = {0};
    ur_fit_config_defaults(fit);
    gboolean accuracy = FALSE;
    resolve_loss(self, &fit->loss, &accuracy);
    fit->metric_accuracy = accuracy;
    fit->metric_mae = !accuracy;
    ur_optimizer_defaults(combo_name(self->optimizer_row, optimizer_names), &fit->optimizer, &ctx);
    opt_widgets w = settings_opt_widgets(self);
    read_optimizer(&w, &fit->optimizer);
    fit->batch_size = (int64_t)spin(self->batch_spin);
    fit->epochs = (int)spin(self->epochs_spin);
    fit->validation_split = spin(self->split_spin);
    fit->seed = (uint64_t)spin(self->seed_spin);
    if (data_spec)
        *data_spec = unroll_dataset_view_get_spec(self->dataset);
}

char *unroll_training_view_dup_settings_json(UnrollTrainingView *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), NULL);
    ur_value *v = ur_value_new_object();
    ur_value_set(v, "dataset", ur_value_new_string(unroll_dataset_view_get_spec(self->dataset)));
    ur_value_set(v, "loss", ur_value_new_string(combo_name(self->loss_row, loss_names)));
    ur_value_set(v, "from_logits",
                 ur_value_new_bool(gtk_switch_get_active(GTK_SWITCH(self->logits_switch))));
    ur_value_set(v, "optimizer", ur_value_new_string(combo_name(self->optimizer_row, optimizer_names)));
    ur_value_set(v, "learning_rate", ur_value_new_number(spin(self->lr_spin)));
    ur_value_set(v, "momentum", ur_value_new_number(spin(self->momentum_spin)));
    ur_value_set(v, "nesterov",
                 ur_value_new_bool(gtk_switch_get_active(GTK_SWITCH(self->nesterov_switch))));
    ur_value_set(v, "beta_1", ur_value_new_number(spin(self->beta1_spin)));
    ur_value_set(v, "beta_2", ur_value_new_number(spin(self->beta2_spin)));
    ur_value_set(v, "weight_decay", ur_value_new_number(spin(self->decay_spin)));
    ur_value_set(v, "clipnorm", ur_value_new_number(spin(self->clipnorm_spin)));
    ur_value_set(v, "batch_size", ur_value_new_number(spin(self->batch_spin)));
    ur_value_set(v, "epochs", ur_value_new_number(spin(self->epochs_spin)));
    ur_value_set(v, "validation_split", ur_value_new_number(spin(self->split_spin)));
    ur_value_set(v, "seed", ur_value_new_number(spin(self->seed_spin)));
    ur_value_set(v, "device", ur_value_new_string(combo_name(self->device_row, device_names)));
    ur_value_set(v, "monitor", ur_value_new_string(combo_name(self->monitor_row, monitor_names)));
    char *text = ur_json_write(v, 2);
    ur_value_free(v);
    return text;
}

typedef struct number_key {
    const char *key;
    GtkWidget **spin;
} number_key;

gboolean unroll_training_view_apply_settings_json(UnrollTrainingView *self, const char *json,
                                                  GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse(json, strlen(json), "settings", &ctx);
    if (!v || v->type != UR_VALUE_OBJECT) {
        g_set_error(error, TRAINING_ERROR, UR_ERR_FORMAT, "%s",
                    v ? "the settings are not a JSON object" : ctx.message);
        ur_value_free(v);
        return FALSE;
    }
    const number_key numbers[] = {
        {"learning_rate", &self->lr_spin}, {"momentum", &self->momentum_spin},
        {"beta_1", &self->beta1_spin}, {"beta_2", &self->beta2_spin},
        {"weight_decay", &self->decay_spin}, {"clipnorm", &self->clipnorm_spin},
        {"batch_size", &self->batch_spin}, {"epochs", &self->epochs_spin},
        {"validation_split", &self->split_spin}, {"seed", &self->seed_spin},
    };
    static const struct {
        const char *key;
        const char *const *names;
    } choices[] = {{"loss", loss_names}, {"optimizer", optimizer_names},
                   {"device", device_names}, {"monitor", monitor_names}};
    /* check everything first: a bad value changes nothing */
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const char *key = v->u.obj.keys[i];
        const ur_value *val = v->u.obj.vals[i];
        gboolean known = FALSE, ok = TRUE;
        for (size_t k = 0; k < G_N_ELEMENTS(numbers); k++)
            if (g_str_equal(key, numbers[k].key)) {
                known = TRUE;
                GtkAdjustment *adj = gtk_spin_button_get_adjustment(GTK_SPIN_BUTTON(*numbers[k].spin));
                ok = val->type == UR_VALUE_NUMBER && val->u.num >= gtk_adjustment_get_lower(adj) &&
                     val->u.num <= gtk_adjustment_get_upper(adj);
                if (!ok)
                    g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID,
                                "settings: '%s' must be a number from %g to %g", key,
                                gtk_adjustment_get_lower(adj), gtk_adjustment_get_upper(adj));
            }
        for (size_t k = 0; k < G_N_ELEMENTS(choices); k++)
            if (g_str_equal(key, choices[k].key)) {
                known = TRUE;
                ok = val->type == UR_VALUE_STRING && index_of(choices[k].names, val->u.str) >= 0;
                if (!ok) {
                    g_autofree char *list = g_strjoinv(", ", (char **)choices[k].names);
                    g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID,
                                "settings: '%s' must be one of %s", key, list);
                }
            }
        if (g_str_equal(key, "from_logits") || g_str_equal(key, "nesterov")) {
            known = TRUE;
            ok = val->type == UR_VALUE_BOOL;
            if (!ok)
                g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID, "settings: '%s' must be true or false",
                            key);
        }
        if (g_str_equal(key, "dataset")) {
            known = TRUE;
            ok = val->type == UR_VALUE_STRING && *val->u.str;
            if (!ok)
                g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID, "settings: 'dataset' must be a name");
        }
        if (!known)
            g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID, "settings: unknown key '%s'", key);
        if (!known || !ok) {
            ur_value_free(v);
            return FALSE;
        }
    }
    self->loading_settings = TRUE;
    /* the optimizer first: choosing one resets its options to Keras's defaults */
    for (size_t k = 0; k < G_N_ELEMENTS(choices); k++) {
        const ur_value *val = ur_value_get(v, choices[k].key);
        if (!val)
            continue;
        AdwComboRow *row = k == 0 ? self->loss_row : k == 1 ? self->optimizer_row
                         : k == 2 ? self->device_row : self->monitor_row;
        adw_combo_row_set_selected(row, (guint)index_of(choices[k].names, val->u.str));
    }
    for (size_t k = 0; k < G_N_ELEMENTS(numbers); k++) {
        const ur_value *val = ur_value_get(v, numbers[k].key);
        if (val)
            gtk_spin_button_set_value(GTK_SPIN_BUTTON(*numbers[k].spin), val->u.num);
    }
    const ur_value *b;
    if ((b = ur_value_get(v, "from_logits")))
        gtk_switch_set_active(GTK_SWITCH(self->logits_switch), b->u.b);
    if ((b = ur_value_get(v, "nesterov")))
        gtk_switch_set_active(GTK_SWITCH(self->nesterov_switch), b->u.b);
    const ur_value *ds = ur_value_get(v, "dataset");
    if (ds)
        unroll_dataset_view_set_spec(self->dataset, ds->u.str);
    self->loading_settings = FALSE;
    ur_value_free(v);
    update_blocker(self);
    return TRUE;
}

char *unroll_training_view_dup_settings_path(UnrollTrainingView *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), NULL);
    const char *name = self->doc ? unroll_document_get_title(self->doc) : "model";
    /* a file name of the model's name: no separators or leading dots */
    GString *safe = g_string_new(NULL);
    for (const char *p = name; *p; p++)
        g_string_append_c(safe, *p == '/' || *p == '\\' || (*p == '.' && safe->len == 0) ? '_' : *p);
    if (safe->len == 0)
        g_string_append(safe, "model");
    g_string_append(safe, ".json");
    char *path = self->settings_dir
                     ? g_build_filename(self->settings_dir, safe->str, NULL)
                     : g_build_filename(g_get_user_config_dir(), "unroll", "training", safe->str, NULL);
    g_string_free(safe, TRUE);
    return path;
}

/* Writes the settings on show for the model they belong to. */
static void save_settings(UnrollTrainingView *self)
{
    if (!self->doc || self->loading_settings)
        return;
    g_autofree char *path = unroll_training_view_dup_settings_path(self);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *json = unroll_training_view_dup_settings_json(self);
    g_autoptr(GError) error = NULL;
    if (g_mkdir_with_parents(dir, 0755) != 0 ||
        !g_file_set_contents(path, json, -1, &error)) {
        g_autofree char *message = g_strdup_printf("%s: %s", path,
                                                   error ? error->message : g_strerror(errno));
        show_error(self, "The training settings were not kept", message);
    }
}

/* Shows the settings remembered for the document's model, if any. */
static gboolean load_settings(UnrollTrainingView *self)
{
    g_autofree char *path = unroll_training_view_dup_settings_path(self);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    g_autoptr(GError) error = NULL;
    if (!unroll_training_view_apply_settings_json(self, text, &error)) {
        g_autofree char *message = g_strdup_printf("%s: %s", path, error->message);
        show_error(self, "The remembered settings could not be read", message);
    }
    return TRUE;
}

/* For a model without remembered settings: the built-in dataset its input
 * suggests (28x28 → MNIST; sequences of 2 features → adding; of 1 feature →
 * parity under a sigmoid, else sine); NULL when none does. */
static const char *guess_dataset(const ur_graph *g)
{
    if (!g || ur_graph_n_inputs(g) != 1 || ur_graph_n_outputs(g) != 1)
        return NULL;
    const ur_shape *in = ur_layer_output_shape(ur_graph_input(g, 0), 0);
    if (!in || in->rank != 3)
        return NULL;
    if (in->dim[1] == 28 && in->dim[2] == 28)
        return "mnist";
    if (in->dim[2] == 2)
        return "synthetic:adding";
    if (in->dim[2] != 1)
        return NULL;
    ur_layer *out;
    int index;
    ur_graph_output(g, 0, &out, &index);
    return g_str_equal(layer_activation(out), "sigmoid") ? "synthetic:parity" : "synthetic:sine";
}

/* ------------------------------------------------------ state and text */

static void set_enabled(UnrollTrainingView *self, const char *name, gboolean on)
{
    GAction *a = g_action_map_lookup_action(G_ACTION_MAP(self->actions), name);
    g_simple_action_set_enabled(G_SIMPLE_ACTION(a), on);
}

/* Why Train is off, or NULL. */
static void update_blocker(UnrollTrainingView *self)
{
    g_clear_pointer(&self->blocker, g_free);
    const char *explanation = NULL;
    const ur_graph *g = graph_of(self);
    ur_ctx ctx = {0};
    if (!g || ur_graph_n_layers(g) == 0)
        self->blocker = g_strdup("The model has no layers yet");
    else if (ur_graph_check(g, &ctx) != UR_OK)
        self->blocker = g_strdup_printf("The model has an error: %s", ctx.message);
    else if (unroll_dataset_view_is_loading(self->dataset))
        self->blocker = g_strdup("The dataset is loading");
    else if (!unroll_dataset_view_get_dataset(self->dataset))
        self->blocker = g_strdup(unroll_dataset_view_get_error(self->dataset)
                                     ? unroll_dataset_view_get_error(self->dataset)
                                     : "Choose a dataset");
    else if (!unroll_dataset_view_get_fits(self->dataset, &explanation))
        self->blocker = g_strdup(explanation ? explanation : "The dataset does not fit the model");
    update_state(self);
}

static void format_duration(double s, char *buf, size_t size)
{
    if (s < 0)
        g_snprintf(buf, size, "—");
    else if (s >= 3600)
        g_snprintf(buf, size, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s, 3600) / 60,
                   (int)fmod(s, 60));
    else if (s >= 60)
        g_snprintf(buf, size, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
    else
        g_snprintf(buf, size, "%d s", (int)ceil(s));
}

/* The bars follow every report; the text (whose changes lay the page out
 * again) at most LABEL_EVERY_US apart, and always at an epoch's end. */
#define LABEL_EVERY_US 250000

static void show_progress(UnrollTrainingView *self, const unroll_train_progress *p)
{
    gint64 now = g_get_monotonic_time();
    gboolean text_due = now - self->last_text_us >= LABEL_EVERY_US || p->step >= p->steps ||
                        p->learning_rate != self->shown_lr;
    double epoch_frac = p->steps > 0 ? (double)p->step / (double)p->steps : 0;
    double total = (double)p->epochs * (double)p->steps;
    double run_frac = total > 0 ? (double)p->global_step / total : 0;
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->epoch_bar), CLAMP(epoch_frac, 0, 1));
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->run_bar), CLAMP(run_frac, 0, 1));
    if (!text_due)
        return;
    self->last_text_us = now;
    self->shown_lr = p->learning_rate;
    char text[160];
    if (p->epochs > 0 && p->steps == 0) {
        gtk_label_set_text(GTK_LABEL(self->epoch_label), "Epoch —");
        gtk_label_set_text(GTK_LABEL(self->run_label), "Run —");
    } else if (p->epochs > 0) {
        g_snprintf(text, sizeof text, "Epoch %d of %d · step %lld of %lld", MIN(p->epoch + 1, p->epochs),
                   p->epochs, (long long)p->step, (long long)p->steps);
        gtk_label_set_text(GTK_LABEL(self->epoch_label), text);
        g_snprintf(text, sizeof text, "Run · %d%% · step %lld of %.0f", (int)(run_frac * 100 + 0.5),
                   (long long)p->global_step, total);
        gtk_label_set_text(GTK_LABEL(self->run_label), text);
    }
    char eta[32];
    format_duration(p->eta_s, eta, sizeof eta);
    if (p->steps_per_s > 0) {
        g_autofree char *samples = unroll_format_thousands((gint64)(p->samples_per_s + 0.5));
        g_snprintf(text, sizeof text, "ETA %s · %.1f steps/s · %s samples/s · learning rate %g", eta,
                   p->steps_per_s, samples, p->learning_rate);
    } else {
        g_snprintf(text, sizeof text, "ETA — · learning rate %g", p->learning_rate);
    }
    gtk_label_set_text(GTK_LABEL(self->stats_label), text);
}

static void update_state(UnrollTrainingView *self)
{
    UnrollTrainState st = unroll_train_worker_get_state(self->worker);
    gboolean busy = unroll_train_worker_is_busy(self->worker);
    gint64 id = unroll_train_worker_get_run_id(self->worker);
    const char *title;
    g_autofree char *subtitle = NULL;
    switch (st) {
    case UNROLL_TRAIN_RUNNING:
    {
        unroll_train_progress p;
        unroll_train_worker_get_progress(self->worker, &p);
        title = p.steps == 0 ? "Preparing" : "Training";
        break;
    }
    case UNROLL_TRAIN_PAUSED: title = "Paused"; break;
    case UNROLL_TRAIN_STOPPING: title = "Stopping"; break;
    case UNROLL_TRAIN_FINISHED: title = "Finished"; break;
    case UNROLL_TRAIN_FAILED: title = "Failed"; break;
    default: title = self->blocker ? "Not Ready to Train" : "Ready to Train"; break;
    }
    if (st == UNROLL_TRAIN_IDLE || (!busy && self->blocker)) {
        subtitle = g_strdup(self->blocker ? self->blocker : "Press Train to start a run");
        if (st != UNROLL_TRAIN_IDLE && !self->blocker)
            g_clear_pointer(&subtitle, g_free);
    }
    if (!subtitle) {
        g_autofree char *device = unroll_train_worker_dup_device(self->worker);
        g_autofree char *note = unroll_train_worker_dup_device_note(self->worker);
        GString *s = g_string_new(NULL);
        if (id > 0)
            g_string_append_printf(s, "Run %lld", (long long)id);
        else if (busy)
            g_string_append(s, "Loading the dataset and building the model");
        else
            g_string_append(s, "Not recorded");
        if (device)
            g_string_append_printf(s, " · on %s", g_str_equal(device, "cpu") ? "the CPU" : device);
        subtitle = g_string_free(s, FALSE);
        if (note && *note) {
            /* the whole reason goes to the tooltip; the line stays short */
            g_free(self->device_tip);
            self->device_tip = g_strdup_printf("%s — %s", subtitle, note);
        }
    }
    g_free(self->status_text);
    self->status_text = g_strdup(title);
    gtk_label_set_text(GTK_LABEL(self->status_title), title);
    gtk_label_set_text(GTK_LABEL(self->status_subtitle), subtitle);
    gtk_widget_set_tooltip_text(self->status_subtitle,
                                self->device_tip && g_str_has_prefix(self->device_tip, subtitle)
                                    ? self->device_tip : subtitle);

    gtk_stack_set_visible_child_name(GTK_STACK(self->button_stack), busy ? "running" : "idle");
    gtk_button_set_label(GTK_BUTTON(self->pause_button), st == UNROLL_TRAIN_PAUSED ? "_Resume" : "_Pause");
    gtk_widget_set_tooltip_text(self->pause_button,
                                st == UNROLL_TRAIN_PAUSED ? "Resume Training" : "Pause Training");
    set_enabled(self, "train", !busy && !self->blocker);
    set_enabled(self, "pause", st == UNROLL_TRAIN_RUNNING || st == UNROLL_TRAIN_PAUSED);
    set_enabled(self, "stop", st == UNROLL_TRAIN_RUNNING || st == UNROLL_TRAIN_PAUSED);
    set_enabled(self, "apply-optimizer", st == UNROLL_TRAIN_PAUSED);
    if (st == UNROLL_TRAIN_PAUSED && !gtk_revealer_get_reveal_child(GTK_REVEALER(self->lr_revealer)))
        fill_live_settings(self);
    gtk_revealer_set_reveal_child(GTK_REVEALER(self->lr_revealer), st == UNROLL_TRAIN_PAUSED);
}

/* The error banner: heading and message (NULL message: hidden). */
static void show_error(UnrollTrainingView *self, const char *heading, const char *message)
{
    g_free(self->error);
    self->error = g_strdup(message);
    if (message) {
        gtk_label_set_text(GTK_LABEL(self->error_heading), heading);
        gtk_label_set_text(GTK_LABEL(self->error_label), message);
    }
    gtk_widget_set_visible(self->error_bar, message != NULL);
}

/* ---------------------------------------------------------- charts */

static void setup_metric_chart(UnrollTrainingView *self, const char *metric)
{
    UnrollChart *c = self->charts[CHART_METRIC];
    unroll_chart_remove_all_series(c);
    g_free(self->metric_name);
    self->metric_name = g_strdup(metric);
    gboolean acc = g_str_equal(metric, "accuracy");
    unroll_chart_set_title(c, acc ? "Accuracy" : "Mean absolute error");
    unroll_chart_set_y_label(c, metric);
    g_autofree char *val = g_strconcat("val_", metric, NULL);
    unroll_chart_add_series(c, metric, 0, UNROLL_DASH_SOLID, acc ? UNROLL_BEST_MAX : UNROLL_BEST_MIN);
    unroll_chart_add_series(c, val, 1, UNROLL_DASH_SOLID, acc ? UNROLL_BEST_MAX : UNROLL_BEST_MIN);
}

static void chart_point(UnrollTrainingView *self, const char *name, gint64 step, int epoch,
                        double value)
{
    if (g_str_equal(name, "batch_loss")) {
        unroll_chart_append_point(self->charts[CHART_STEPS], 0, (double)step, epoch, value);
        return;
    }
    gboolean val = g_str_has_prefix(name, "val_");
    const char *base = val ? name + 4 : name;
    if (g_str_equal(base, "loss"))
        unroll_chart_append_point(self->charts[CHART_LOSS], val, epoch + 1, epoch, value);
    else if (self->metric_name && g_str_equal(base, self->metric_name))
        unroll_chart_append_point(self->charts[CHART_METRIC], val, epoch + 1, epoch, value);
}

static void clear_charts(UnrollTrainingView *self, const char *metric)
{
    unroll_chart_clear(self->charts[CHART_STEPS]);
    unroll_chart_clear(self->charts[CHART_LOSS]);
    setup_metric_chart(self, metric);
    g_array_set_size(self->received, 0);
}

/* After a resume: the run's points up to where it continues, then what
 * arrived meanwhile. */
static void show_history(UnrollTrainingView *self, gint64 run_id, gint64 upto)
{
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open_readonly(self->db_path, &ctx);
    if (!s)
        return;
    char **names = NULL;
    int n_names = 0;
    ur_run_row row = {0};
    if (ur_store_run_get(s, run_id, &row, &ctx) == UR_OK)
        setup_metric_chart(self, row.fit.metric_accuracy ? "accuracy" : "mae");
    ur_run_row_clear(&row);
    unroll_chart_clear(self->charts[CHART_STEPS]);
    unroll_chart_clear(self->charts[CHART_LOSS]);
    if (ur_store_metric_names(s, run_id, &names, &n_names, &ctx) == UR_OK) {
        for (int i = 0; i < n_names; i++) {
            ur_metric_point *pts = NULL;
            int64_t n = 0;
            if (ur_store_metrics(s, run_id, names[i], &pts, &n, &ctx) != UR_OK)
                continue;
            for (int64_t k = 0; k < n; k++)
                if (pts[k].step <= upto)
                    chart_point(self, names[i], pts[k].step, pts[k].epoch, pts[k].value);
            free(pts);
        }
        for (int i = 0; i < n_names; i++)
            free(names[i]);
        free(names);
    }
    ur_store_close(s);
    for (guint i = 0; i < self->received->len; i++) {
        received *r = &g_array_index(self->received, received, i);
        if (r->step > upto)
            chart_point(self, r->name, r->step, r->epoch, r->value);
    }
}

/* ------------------------------------------------------- worker signals */

static void worker_points(UnrollTrainingView *self, const unroll_train_point *pts, guint n)
{
    for (guint i = 0; i < n; i++) {
        received r = {pts[i].name, pts[i].step, pts[i].epoch, pts[i].value};
        g_array_append_val(self->received, r);
        if (self->resume_run == 0)
            chart_point(self, pts[i].name, pts[i].step, pts[i].epoch, pts[i].value);
    }
}

static void worker_progress(UnrollTrainingView *self, const unroll_train_progress *p)
{
    if (self->resume_run > 0 && unroll_train_worker_get_run_id(self->worker) == self->resume_run) {
        /* the run is claimed: its store now ends where training continues */
        gint64 from = p->global_step;
        for (guint i = 0; i < self->received->len; i++)
            from = MIN(from, g_array_index(self->received, received, i).step - 1);
        show_history(self, self->resume_run, from);
        self->resume_run = 0;
    }
    show_progress(self, p);
    /* the state line names the run once its id is known */
    gint64 id = unroll_train_worker_get_run_id(self->worker);
    if (id != self->shown_run || (p->steps > 0) != self->shown_started) {
        self->shown_run = id;
        self->shown_started = p->steps > 0;
        update_state(self);
    }
}

static void worker_state(UnrollTrainingView *self, int state)
{
    update_state(self);
}

static void worker_finished(UnrollTrainingView *self, int status, const char *message, gint64 id)
{
    self->resume_run = 0;
    if (status == UR_RUN_FAILED)
        show_error(self, "Training failed", message ? message : "unknown error");
    update_state(self);
    if (status == UR_RUN_CANCELLED || status == UR_RUN_PAUSED) {
        const char *title = status == UR_RUN_PAUSED ? "Kept for Later" : "Stopped";
        gtk_label_set_text(GTK_LABEL(self->status_title), title);
        g_free(self->status_text);
        self->status_text = g_strdup(title);
    }
    g_signal_emit(self, signals[SIG_RUN_FINISHED], 0, status, message, id);
}

/* ------------------------------------------------------------ commands */

static void fill_options(UnrollTrainingView *self, unroll_train_options *opts)
{
    unroll_train_options_defaults(opts);
    opts->db_path = self->db_path;
    const char *monitor = combo_name(self->monitor_row, monitor_names);
    opts->monitor = g_str_equal(monitor, "auto") ? NULL : monitor;
    opts->device = combo_name(self->device_row, device_names);
}

gboolean unroll_training_view_train(UnrollTrainingView *self, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    update_blocker(self);
    if (self->blocker) {
        g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID, "%s", self->blocker);
        return FALSE;
    }
    ur_fit_config fit;
    const char *spec;
    unroll_training_view_get_fit(self, &fit, &spec);
    unroll_train_options opts;
    fill_options(self, &opts);
    show_error(self, NULL, NULL);
    clear_charts(self, fit.metric_accuracy ? "accuracy" : "mae");
    self->resume_run = 0;
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->epoch_bar), 0);
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->run_bar), 0);
    if (!unroll_train_worker_start(self->worker, graph_of(self), spec, &fit, &opts, error))
        return FALSE;
    save_settings(self);
    update_state(self);
    return TRUE;
}

gboolean unroll_training_view_resume_run(UnrollTrainingView *self, gint64 run_id, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    unroll_train_options opts;
    fill_options(self, &opts);
    opts.monitor = NULL; /* the run keeps its own */
    show_error(self, NULL, NULL);
    clear_charts(self, "accuracy");
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->epoch_bar), 0);
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->run_bar), 0);
    self->resume_run = run_id;
    if (!unroll_train_worker_resume(self->worker, run_id, &opts, error)) {
        self->resume_run = 0;
        return FALSE;
    }
    update_state(self);
    return TRUE;
}

gboolean unroll_training_view_toggle_pause(UnrollTrainingView *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    UnrollTrainState st = unroll_train_worker_get_state(self->worker);
    gboolean ok = st == UNROLL_TRAIN_PAUSED ? unroll_train_worker_resume_training(self->worker)
                                            : unroll_train_worker_pause(self->worker);
    return ok;
}

gboolean unroll_training_view_stop(UnrollTrainingView *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    return unroll_train_worker_stop(self->worker);
}

/* The paused panel shows the fields of the run's optimizer, filled with the
 * settings in effect. */
static void fill_live_settings(UnrollTrainingView *self)
{
    ur_optimizer_config o;
    unroll_train_worker_get_optimizer(self->worker, &o);
    opt_widgets w = live_opt_widgets(self);
    show_optimizer(&w, &o, TRUE);
    g_autofree char *title = g_strdup_printf("%s settings from the next step",
                                             optimizer_titles[MAX(0, index_of(optimizer_names,
                                                                ur_optimizer_name(o.kind)))]);
    gtk_label_set_text(GTK_LABEL(self->live_title), title);
}

/* The running optimizer's settings as the paused panel shows them. */
static void live_settings(UnrollTrainingView *self, ur_optimizer_config *o)
{
    unroll_train_worker_get_optimizer(self->worker, o);
    opt_widgets w = live_opt_widgets(self);
    read_optimizer(&w, o);
}

gboolean unroll_training_view_apply_optimizer(UnrollTrainingView *self,
                                              const ur_optimizer_config *o, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    if (unroll_train_worker_get_state(self->worker) != UNROLL_TRAIN_PAUSED) {
        g_set_error(error, TRAINING_ERROR, UR_ERR_INVALID,
                    "The optimizer’s settings change while the run is paused");
        return FALSE;
    }
    if (!unroll_train_worker_set_optimizer(self->worker, o, error))
        return FALSE;
    show_error(self, NULL, NULL);
    fill_live_settings(self);
    return TRUE;
}

gboolean unroll_training_view_apply_learning_rate(UnrollTrainingView *self, double lr)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), FALSE);
    ur_optimizer_config o;
    unroll_train_worker_get_optimizer(self->worker, &o);
    o.learning_rate = lr;
    return unroll_training_view_apply_optimizer(self, &o, NULL);
}

/* --------------------------------------------------------------- actions */

static void train_activated(GSimpleAction *a, GVariant *p, gpointer data)
{
    UnrollTrainingView *self = data;
    g_autoptr(GError) error = NULL;
    if (!unroll_training_view_train(self, &error))
        show_error(self, "Training did not start", error->message);
}

static void pause_activated(GSimpleAction *a, GVariant *p, gpointer data)
{
    unroll_training_view_toggle_pause(data);
}

static void stop_activated(GSimpleAction *a, GVariant *p, gpointer data)
{
    unroll_training_view_stop(data);
}

static void apply_optimizer_activated(GSimpleAction *a, GVariant *p, gpointer data)
{
    UnrollTrainingView *self = data;
    ur_optimizer_config o;
    live_settings(self, &o);
    g_autoptr(GError) error = NULL;
    if (!unroll_training_view_apply_optimizer(self, &o, &error))
        show_error(self, "The settings did not change", error->message);
}

typedef struct export_call {
    UnrollTrainingView *self;
    int chart;
    char *format;
} export_call;

static void export_response(GtkNativeDialog *dialog, int response, gpointer data)
{
    export_call *call = data;
    UnrollTrainingView *self = call->self;
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        g_autofree char *path = file ? g_file_get_path(file) : NULL;
        g_autoptr(GError) error = NULL;
        UnrollChart *c = self->charts[call->chart];
        int w = MAX(gtk_widget_get_width(GTK_WIDGET(c)), 640), h = MAX(gtk_widget_get_height(GTK_WIDGET(c)), 360);
        gboolean ok = !path ? FALSE
                    : g_str_equal(call->format, "png") ? unroll_chart_export_png(c, path, w, h, &error)
                    : g_str_equal(call->format, "svg") ? unroll_chart_export_svg(c, path, w, h, &error)
                                                       : unroll_chart_export_csv(c, path, &error);
        if (!ok)
            show_error(self, "The chart was not exported",
                       error ? error->message : "the chosen file has no local path");
    }
    if (self->chooser == dialog)
        g_clear_object(&self->chooser);
    g_free(call->format);
    g_object_unref(call->self);
    g_free(call);
}

static void export_activated(GSimpleAction *a, GVariant *p, gpointer data)
{
    UnrollTrainingView *self = data;
    const char *target = g_variant_get_string(p, NULL);
    g_auto(GStrv) parts = g_strsplit(target, "|", 2);
    int chart = parts[0] ? index_of(chart_keys, parts[0]) : -1;
    if (chart < 0 || !parts[1] || index_of((const char *const[]){"png", "svg", "csv", NULL}, parts[1]) < 0)
        return;
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    g_autofree char *title = g_strdup_printf("Export the Chart as %s", parts[1]);
    for (char *c = title + strlen(title) - 3; *c; c++)
        *c = g_ascii_toupper(*c);
    GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
        title, GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL, GTK_FILE_CHOOSER_ACTION_SAVE,
        "_Export", "_Cancel");
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
    const char *model = self->doc ? unroll_document_get_title(self->doc) : "model";
    g_autofree char *name = g_strdup_printf("%s-%s.%s", model, chart_keys[chart], parts[1]);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
    export_call *call = g_new0(export_call, 1);
    call->self = g_object_ref(self);
    call->chart = chart;
    call->format = g_strdup(parts[1]);
    g_signal_connect(chooser, "response", G_CALLBACK(export_response), call);
    g_set_object(&self->chooser, GTK_NATIVE_DIALOG(chooser));
    g_object_unref(chooser);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static const GActionEntry actions[] = {
    {"train", train_activated, NULL, NULL, NULL, {0}},
    {"pause", pause_activated, NULL, NULL, NULL, {0}},
    {"stop", stop_activated, NULL, NULL, NULL, {0}},
    {"apply-optimizer", apply_optimizer_activated, NULL, NULL, NULL, {0}},
    {"export", export_activated, "s", NULL, NULL, {0}},
};

/* ----------------------------------------------------------- document */

static void document_changed(UnrollTrainingView *self)
{
    unroll_dataset_view_set_graph(self->dataset, graph_of(self));
    update_blocker(self);
}

static void document_renamed(UnrollTrainingView *self)
{
    const char *name = self->doc ? unroll_document_get_title(self->doc) : NULL;
    if (g_strcmp0(name, self->model_name) == 0)
        return;
    g_free(self->model_name);
    self->model_name = g_strdup(name);
    if (!load_settings(self)) {
        const char *guess = guess_dataset(graph_of(self));
        if (guess && !g_str_equal(guess, unroll_dataset_view_get_spec(self->dataset)))
            unroll_dataset_view_set_spec(self->dataset, guess);
    }
}

void unroll_training_view_set_document(UnrollTrainingView *self, UnrollDocument *doc)
{
    g_return_if_fail(UNROLL_IS_TRAINING_VIEW(self));
    if (self->doc == doc)
        return;
    if (self->doc) {
        save_settings(self);
        g_signal_handlers_disconnect_by_data(self->doc, self);
    }
    g_set_object(&self->doc, doc);
    if (doc) {
        g_signal_connect_swapped(doc, "changed", G_CALLBACK(document_changed), self);
        g_signal_connect_swapped(doc, "notify::title", G_CALLBACK(document_renamed), self);
    }
    document_renamed(self);
    document_changed(self);
}

void unroll_training_view_set_db_path(UnrollTrainingView *self, const char *path)
{
    g_return_if_fail(UNROLL_IS_TRAINING_VIEW(self));
    g_free(self->db_path);
    self->db_path = g_strdup(path);
}

const char *unroll_training_view_get_db_path(UnrollTrainingView *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAINING_VIEW(self), NULL);
    return self->db_path;
}

void unroll_training_view_set_settings_dir(UnrollTrainingView *self, const char *dir)
{
    g_return_if_fail(UNROLL_IS_TRAINING_VIEW(self));
    g_free(self->settings_dir);
    self->settings_dir = g_strdup(dir);
    load_settings(self);
}

UnrollTrainWorker *unroll_training_view_get_worker(UnrollTrainingView *self)
{
    return self->worker;
}

UnrollDatasetView *unroll_training_view_get_dataset_view(UnrollTrainingView *self)
{
    return self->dataset;
}

UnrollChart *unroll_training_view_get_chart(UnrollTrainingView *self, const char *which)
{
    int i = index_of(chart_keys, which);
    return i >= 0 ? self->charts[i] : NULL;
}

const char *unroll_training_view_get_error(UnrollTrainingView *self) { return self->error; }
const char *unroll_training_view_get_status_text(UnrollTrainingView *self) { return self->status_text; }
const char *unroll_training_view_get_blocker(UnrollTrainingView *self) { return self->blocker; }

/* ------------------------------------------------------ the GPU probe */

static void probe_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    static const char *const model =
        "{\"name\": \"probe\", \"layers\": [{\"name\": \"x\", \"class\": \"Input\", \"shape\": [4]},"
        "{\"name\": \"y\", \"class\": \"Dense\", \"units\": 1}]}";
    ur_ctx ctx = {0};
    ur_value *doc = ur_json_parse(model, strlen(model), "probe", &ctx);
    ur_graph *g = doc ? ur_graph_from_value(doc, &ctx) : NULL;
    ur_value_free(doc);
    ur_model *m = g ? ur_model_new(g, &ctx) : NULL;
    if (!m) {
        if (g)
            ur_graph_free(g);
        g_task_return_pointer(task, g_strdup(ctx.message), g_free);
        return;
    }
    char note[600] = "";
    if (ur_model_use_device(m, "cuda", false, note, sizeof note, &ctx) != UR_OK)
        g_task_return_pointer(task, g_strdup(ctx.message), g_free);
    else
        g_task_return_pointer(task, g_strdup(""), g_free);
    ur_model_free(m);
}

static void probe_done(GObject *source, GAsyncResult *result, gpointer data)
{
    char *note = g_task_propagate_pointer(G_TASK(result), NULL);
    if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(result)))) {
        g_free(note);
        return;
    }
    UnrollTrainingView *self = UNROLL_TRAINING_VIEW(source);
    g_free(self->gpu_note);
    self->gpu_note = note;
    g_autofree char *sub = note && *note ? g_strdup_printf("No GPU: %s", note)
                                         : g_strdup("A CUDA GPU is available");
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->device_row), sub);
}

/* ---------------------------------------------------------- building */

static GtkWidget *spin_row(const char *title, const char *subtitle, double lower, double upper,
                           double step, int digits, GtkWidget **spin_out)
{
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    if (subtitle)
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    GtkAdjustment *adj = gtk_adjustment_new(lower, lower, upper, step, step * 10, 0);
    GtkWidget *spin = gtk_spin_button_new(adj, step, (guint)digits);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), TRUE);
    gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
    gtk_editable_set_width_chars(GTK_EDITABLE(spin), 8);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
    *spin_out = spin;
    return row;
}

static GtkWidget *switch_row(const char *title, const char *subtitle, GtkWidget **switch_out)
{
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    if (subtitle)
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    GtkWidget *sw = gtk_switch_new();
    gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
    *switch_out = sw;
    return row;
}

static AdwComboRow *combo_row(const char *title, const char *const *titles)
{
    AdwComboRow *row = ADW_COMBO_ROW(adw_combo_row_new());
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    GtkStringList *list = gtk_string_list_new((const char *const *)titles);
    adw_combo_row_set_model(row, G_LIST_MODEL(list));
    g_object_unref(list);
    return row;
}

/* The optimizer's rows and Keras's defaults for it. */
static void optimizer_changed(UnrollTrainingView *self)
{
    const char *name = combo_name(self->optimizer_row, optimizer_names);
    ur_optimizer_config o;
    ur_ctx ctx = {0};
    ur_optimizer_defaults(name, &o, &ctx);
    /* Keras's defaults for the new kind; the clip norm stays as chosen */
    opt_widgets w = settings_opt_widgets(self);
    show_optimizer(&w, &o, FALSE);
}

/* The loss row's subtitle says what Automatic chose; from-logits shows
 * for cross-entropies chosen by hand. */
static void loss_changed(UnrollTrainingView *self)
{
    const char *name = combo_name(self->loss_row, loss_names);
    gboolean is_auto = g_str_equal(name, "auto");
    ur_loss loss;
    gboolean accuracy;
    resolve_loss(self, &loss, &accuracy);
    g_autofree char *sub = g_strdup_printf("%s%s%s", is_auto ? "Chosen: " : "",
                                           ur_loss_name(loss.kind),
                                           loss.from_logits ? " (from logits)" : "");
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->loss_row), sub);
    gtk_widget_set_visible(self->logits_row, !is_auto && loss.kind != UR_LOSS_MSE &&
                                                 loss.kind != UR_LOSS_MAE);
}

static void dataset_changed(UnrollTrainingView *self)
{
    loss_changed(self);
    update_blocker(self);
}

static GtkWidget *build_settings(UnrollTrainingView *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
    gtk_widget_set_margin_top(box, 18);
    gtk_widget_set_margin_bottom(box, 18);
    gtk_widget_set_margin_start(box, 18);
    gtk_widget_set_margin_end(box, 18);

    self->dataset = UNROLL_DATASET_VIEW(unroll_dataset_view_new());
    g_signal_connect_swapped(self->dataset, "changed", G_CALLBACK(dataset_changed), self);
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(self->dataset));

    GtkWidget *fit = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(fit), "Training");
    self->loss_row = combo_row("Loss", loss_titles);
    g_signal_connect_swapped(self->loss_row, "notify::selected", G_CALLBACK(loss_changed), self);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit), GTK_WIDGET(self->loss_row));
    self->logits_row = switch_row("From logits", "The model’s last layer has no softmax or sigmoid",
                                  &self->logits_switch);
    g_signal_connect_swapped(self->logits_switch, "notify::active", G_CALLBACK(loss_changed), self);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit), self->logits_row);

    self->optimizer_row = combo_row("Optimizer", optimizer_titles);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit), GTK_WIDGET(self->optimizer_row));
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit),
                              spin_row("Learning rate", NULL, 1e-6, 10, 1e-4, 6, &self->lr_spin));
    GtkWidget *expander = adw_expander_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(expander), "Optimizer settings");
    adw_expander_row_set_subtitle(ADW_EXPANDER_ROW(expander), "Keras defaults unless changed");
    self->momentum_row = spin_row("Momentum", NULL, 0, 0.999, 0.01, 3, &self->momentum_spin);
    self->nesterov_row = switch_row("Nesterov momentum", NULL, &self->nesterov_switch);
    self->beta1_row = spin_row("β₁", "Decay of the first moment", 0, 0.9999, 0.001, 4, &self->beta1_spin);
    self->beta2_row = spin_row("β₂", "Decay of the second moment", 0, 0.99999, 0.0001, 5, &self->beta2_spin);
    self->decay_row = spin_row("Weight decay", NULL, 0, 1, 0.001, 4, &self->decay_spin);
    GtkWidget *clip_row = spin_row("Clip norm", "Per weight; 0 is off", 0, 1000, 0.1, 2,
                                   &self->clipnorm_spin);
    GtkWidget *rows[] = {self->momentum_row, self->nesterov_row, self->beta1_row, self->beta2_row,
                         self->decay_row, clip_row};
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
        adw_expander_row_add_row(ADW_EXPANDER_ROW(expander), rows[i]);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit), expander);
    g_signal_connect_swapped(self->optimizer_row, "notify::selected", G_CALLBACK(optimizer_changed),
                             self);

    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit),
                              spin_row("Batch size", NULL, 1, 65536, 1, 0, &self->batch_spin));
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit),
                              spin_row("Epochs", NULL, 1, 100000, 1, 0, &self->epochs_spin));
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit),
                              spin_row("Validation split", "0: the dataset’s own validation data",
                                       0, 0.9, 0.05, 2, &self->split_spin));
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(fit),
                              spin_row("Seed", "Weights, shuffling, dropout and synthetic data", 0,
                                       2147483647, 1, 0, &self->seed_spin));
    gtk_box_append(GTK_BOX(box), fit);

    GtkWidget *run = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(run), "Run");
    self->device_row = combo_row("Device", device_titles);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->device_row), "Looking for a GPU…");
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(run), GTK_WIDGET(self->device_row));
    self->monitor_row = combo_row("Best checkpoint by", monitor_titles);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->monitor_row),
                                "Automatic: val_loss with validation data, else loss");
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(run), GTK_WIDGET(self->monitor_row));
    gtk_box_append(GTK_BOX(box), run);

    /* defaults: Adam at Keras's settings, 32 per batch, 5 epochs */
    adw_combo_row_set_selected(self->optimizer_row, 0);
    optimizer_changed(self);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->clipnorm_spin), 0);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->batch_spin), 32);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->epochs_spin), 5);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->split_spin), 0);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->seed_spin), 0);

    GtkWidget *scroller = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroller), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    GtkWidget *clamp = adw_clamp_new();
    adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 460);
    adw_clamp_set_child(ADW_CLAMP(clamp), box);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), clamp);
    gtk_widget_set_size_request(scroller, 360, -1);
    gtk_widget_add_css_class(scroller, "unroll-training-settings");
    return scroller;
}

static GtkWidget *text_button(const char *label, const char *action, const char *tooltip,
                              const char *css)
{
    GtkWidget *b = gtk_button_new_with_mnemonic(label);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(b), action);
    gtk_widget_set_tooltip_text(b, tooltip);
    if (css)
        gtk_widget_add_css_class(b, css);
    gtk_widget_add_css_class(b, "pill");
    return b;
}

static GtkWidget *build_header(UnrollTrainingView *self)
{
    self->status_title = gtk_label_new("Ready to Train");
    gtk_label_set_xalign(GTK_LABEL(self->status_title), 0);
    gtk_widget_add_css_class(self->status_title, "title-2");
    self->status_subtitle = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->status_subtitle), 0);
    gtk_label_set_ellipsize(GTK_LABEL(self->status_subtitle), PANGO_ELLIPSIZE_END);
    gtk_widget_add_css_class(self->status_subtitle, "dim-label");
    GtkWidget *titles = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_hexpand(titles, TRUE);
    gtk_widget_set_valign(titles, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(titles), self->status_title);
    gtk_box_append(GTK_BOX(titles), self->status_subtitle);

    self->button_stack = gtk_stack_new();
    gtk_stack_set_transition_type(GTK_STACK(self->button_stack), GTK_STACK_TRANSITION_TYPE_CROSSFADE);
    GtkWidget *train = text_button("_Train", "training.train", "Train the Model (Ctrl+Enter)",
                                   "suggested-action");
    gtk_widget_set_halign(train, GTK_ALIGN_END);
    gtk_stack_add_named(GTK_STACK(self->button_stack), train, "idle");
    GtkWidget *running = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_widget_set_halign(running, GTK_ALIGN_END);
    self->pause_button = text_button("_Pause", "training.pause", "Pause Training", NULL);
    gtk_box_append(GTK_BOX(running), self->pause_button);
    gtk_box_append(GTK_BOX(running),
                   text_button("_Stop", "training.stop", "Stop Training", "destructive-action"));
    gtk_stack_add_named(GTK_STACK(self->button_stack), running, "running");
    gtk_widget_set_valign(self->button_stack, GTK_ALIGN_CENTER);

    GtkWidget *top = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_box_append(GTK_BOX(top), titles);
    gtk_box_append(GTK_BOX(top), self->button_stack);

    /* the error: a banner with a heading line and the message under it (a
     * wrapped label beside an icon reports heights GTK 4.8 finds
     * inconsistent, so the icon sits on the heading line) */
    GtkWidget *heading = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_box_append(GTK_BOX(heading), gtk_image_new_from_icon_name("dialog-error-symbolic"));
    self->error_heading = gtk_label_new(NULL);
    gtk_widget_add_css_class(self->error_heading, "heading");
    gtk_box_append(GTK_BOX(heading), self->error_heading);
    self->error_label = gtk_label_new(NULL);
    gtk_label_set_wrap(GTK_LABEL(self->error_label), TRUE);
    gtk_label_set_xalign(GTK_LABEL(self->error_label), 0);
    gtk_label_set_selectable(GTK_LABEL(self->error_label), TRUE);
    GtkWidget *error_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
    gtk_widget_add_css_class(error_box, "unroll-training-error");
    gtk_box_append(GTK_BOX(error_box), heading);
    gtk_box_append(GTK_BOX(error_box), self->error_label);
    self->error_bar = error_box;
    gtk_widget_set_visible(error_box, FALSE);

    /* progress */
    self->epoch_label = gtk_label_new("Epoch —");
    self->run_label = gtk_label_new("Run —");
    self->epoch_bar = gtk_progress_bar_new();
    self->run_bar = gtk_progress_bar_new();
    GtkWidget *grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(grid), 18);
    gtk_grid_set_row_spacing(GTK_GRID(grid), 4);
    gtk_grid_set_column_homogeneous(GTK_GRID(grid), TRUE);
    GtkWidget *labels[] = {self->epoch_label, self->run_label};
    for (int i = 0; i < 2; i++) {
        gtk_label_set_xalign(GTK_LABEL(labels[i]), 0);
        gtk_widget_add_css_class(labels[i], "caption");
        gtk_widget_add_css_class(labels[i], "numeric");
        gtk_grid_attach(GTK_GRID(grid), labels[i], i, 0, 1, 1);
    }
    gtk_grid_attach(GTK_GRID(grid), self->epoch_bar, 0, 1, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), self->run_bar, 1, 1, 1, 1);
    self->stats_label = gtk_label_new("ETA —");
    gtk_label_set_xalign(GTK_LABEL(self->stats_label), 0);
    gtk_widget_add_css_class(self->stats_label, "caption");
    gtk_widget_add_css_class(self->stats_label, "numeric");
    gtk_widget_add_css_class(self->stats_label, "dim-label");

    /* the optimizer's settings while paused */
    self->live_title = gtk_label_new("Settings from the next step");
    gtk_label_set_xalign(GTK_LABEL(self->live_title), 0);
    gtk_widget_set_hexpand(self->live_title, TRUE);
    gtk_widget_add_css_class(self->live_title, "heading");
    GtkWidget *apply = gtk_button_new_with_mnemonic("_Apply");
    gtk_actionable_set_action_name(GTK_ACTIONABLE(apply), "training.apply-optimizer");
    gtk_widget_set_tooltip_text(apply, "Change the optimizer’s settings (recorded with the run)");
    gtk_widget_set_valign(apply, GTK_ALIGN_CENTER);
    GtkWidget *head = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_box_append(GTK_BOX(head), gtk_image_new_from_icon_name("media-playback-pause-symbolic"));
    gtk_box_append(GTK_BOX(head), self->live_title);
    gtk_box_append(GTK_BOX(head), apply);
    GtkWidget *fields = gtk_flow_box_new();
    gtk_flow_box_set_selection_mode(GTK_FLOW_BOX(fields), GTK_SELECTION_NONE);
    gtk_flow_box_set_max_children_per_line(GTK_FLOW_BOX(fields), 8);
    gtk_flow_box_set_column_spacing(GTK_FLOW_BOX(fields), 18);
    gtk_flow_box_set_row_spacing(GTK_FLOW_BOX(fields), 4);
    static const struct {
        const char *label;
        double lower, upper, step;
        int digits;
    } live[OPT_N] = {
        [OPT_LR] = {"Learning rate", 1e-6, 10, 1e-4, 6},
        [OPT_MOMENTUM] = {"Momentum", 0, 1, 0.01, 3},
        [OPT_NESTEROV] = {"Nesterov", 0, 0, 0, 0},
        [OPT_RHO] = {"ρ", 0, 1, 0.01, 3},
        [OPT_BETA1] = {"β₁", 0, 0.9999, 0.001, 4},
        [OPT_BETA2] = {"β₂", 0, 0.99999, 0.0001, 5},
        [OPT_DECAY] = {"Weight decay", 0, 1, 0.001, 4},
        [OPT_CLIP] = {"Clip norm", 0, 1000, 0.1, 2},
    };
    for (int i = 0; i < OPT_N; i++) {
        GtkWidget *w;
        if (i == OPT_NESTEROV) {
            w = gtk_switch_new();
        } else {
            w = gtk_spin_button_new_with_range(live[i].lower, live[i].upper, live[i].step);
            gtk_spin_button_set_digits(GTK_SPIN_BUTTON(w), live[i].digits);
            gtk_editable_set_width_chars(GTK_EDITABLE(w), live[i].digits + 3);
        }
        gtk_widget_set_valign(w, GTK_ALIGN_CENTER);
        self->live_value[i] = w;
        GtkWidget *label = gtk_label_new(live[i].label);
        gtk_label_set_mnemonic_widget(GTK_LABEL(label), w);
        gtk_widget_add_css_class(label, "dim-label");
        GtkWidget *field = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
        gtk_box_append(GTK_BOX(field), label);
        gtk_box_append(GTK_BOX(field), w);
        gtk_flow_box_append(GTK_FLOW_BOX(fields), field);
        self->live_field[i] = gtk_widget_get_parent(field); /* the flow box's child */
        gtk_widget_set_focusable(self->live_field[i], FALSE);
    }
    GtkWidget *lr_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_add_css_class(lr_box, "unroll-training-lr");
    gtk_box_append(GTK_BOX(lr_box), head);
    gtk_box_append(GTK_BOX(lr_box), fields);
    self->lr_revealer = gtk_revealer_new();
    gtk_revealer_set_child(GTK_REVEALER(self->lr_revealer), lr_box);

    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
    gtk_box_append(GTK_BOX(box), top);
    gtk_box_append(GTK_BOX(box), self->error_bar);
    gtk_box_append(GTK_BOX(box), grid);
    gtk_box_append(GTK_BOX(box), self->stats_label);
    gtk_box_append(GTK_BOX(box), self->lr_revealer);
    return box;
}

static GtkWidget *chart_card(UnrollTrainingView *self, int which, const char *title)
{
    GtkWidget *chart = unroll_chart_new();
    self->charts[which] = UNROLL_CHART(chart);
    gtk_widget_set_hexpand(chart, TRUE);
    gtk_widget_set_vexpand(chart, TRUE);
    gtk_widget_set_size_request(chart, 240, 160);
    g_object_bind_property(self->log_toggle, "active", chart, "log-y", G_BINDING_SYNC_CREATE);
    g_object_bind_property(self->smoothing, "value", chart, "smoothing", G_BINDING_SYNC_CREATE);

    GMenu *menu = g_menu_new();
    static const char *const formats[][2] = {{"png", "Export as _PNG…"}, {"svg", "Export as _SVG…"},
                                             {"csv", "Export Points as _CSV…"}};
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_autofree char *target = g_strdup_printf("%s|%s", chart_keys[which], formats[i][0]);
        g_autoptr(GMenuItem) item = g_menu_item_new(formats[i][1], NULL);
        g_menu_item_set_action_and_target_value(item, "training.export", g_variant_new_string(target));
        g_menu_append_item(menu, item);
    }
    GtkWidget *more = gtk_menu_button_new();
    gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(more), "document-save-as-symbolic");
    gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(more), G_MENU_MODEL(menu));
    g_object_unref(menu);
    gtk_widget_add_css_class(more, "flat");
    gtk_widget_set_tooltip_text(more, "Export the Chart");
    /* the card's bottom-left corner is free: under the y ticks, left of the x axis */
    gtk_widget_set_halign(more, GTK_ALIGN_START);
    gtk_widget_set_valign(more, GTK_ALIGN_END);
    gtk_widget_set_margin_start(more, 2);
    gtk_widget_set_margin_bottom(more, 2);

    unroll_chart_set_title(UNROLL_CHART(chart), title);
    GtkWidget *overlay = gtk_overlay_new();
    gtk_overlay_set_child(GTK_OVERLAY(overlay), chart);
    gtk_overlay_add_overlay(GTK_OVERLAY(overlay), more);
    gtk_widget_add_css_class(overlay, "card");
    gtk_widget_set_overflow(overlay, GTK_OVERFLOW_HIDDEN);
    return overlay;
}

static GtkWidget *build_charts(UnrollTrainingView *self)
{
    self->log_toggle = gtk_toggle_button_new();
    gtk_button_set_child(GTK_BUTTON(self->log_toggle), gtk_label_new("Log Scale"));
    gtk_widget_set_tooltip_text(self->log_toggle, "Logarithmic Loss Axis");
    self->smoothing = gtk_adjustment_new(0.6, 0, 0.99, 0.01, 0.1, 0);
    g_object_ref_sink(self->smoothing);
    GtkWidget *scale = gtk_scale_new(GTK_ORIENTATION_HORIZONTAL, self->smoothing);
    gtk_scale_set_draw_value(GTK_SCALE(scale), TRUE);
    gtk_scale_set_digits(GTK_SCALE(scale), 2);
    gtk_scale_set_value_pos(GTK_SCALE(scale), GTK_POS_RIGHT);
    gtk_widget_set_size_request(scale, 160, -1);
    gtk_widget_set_tooltip_text(scale, "Smoothing (the raw curve stays faint underneath)");
    GtkWidget *smooth_label = gtk_label_new("Smoothing");
    gtk_widget_add_css_class(smooth_label, "dim-label");
    GtkWidget *tools = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    GtkWidget *charts_title = gtk_label_new("Curves");
    gtk_widget_add_css_class(charts_title, "heading");
    gtk_widget_set_hexpand(charts_title, TRUE);
    gtk_label_set_xalign(GTK_LABEL(charts_title), 0);
    gtk_box_append(GTK_BOX(tools), charts_title);
    gtk_box_append(GTK_BOX(tools), smooth_label);
    gtk_box_append(GTK_BOX(tools), scale);
    gtk_box_append(GTK_BOX(tools), self->log_toggle);

    GtkWidget *steps = chart_card(self, CHART_STEPS, "Training loss per step");
    UnrollChart *c = self->charts[CHART_STEPS];
    unroll_chart_set_x_label(c, "step");
    unroll_chart_set_y_label(c, "batch_loss");
    unroll_chart_add_series(c, "batch_loss", 0, UNROLL_DASH_SOLID, UNROLL_BEST_NONE);

    GtkWidget *loss = chart_card(self, CHART_LOSS, "Loss per epoch");
    c = self->charts[CHART_LOSS];
    unroll_chart_set_x_is_epoch(c, TRUE);
    unroll_chart_set_x_label(c, "epoch");
    unroll_chart_set_y_label(c, "loss");
    unroll_chart_add_series(c, "loss", 0, UNROLL_DASH_SOLID, UNROLL_BEST_MIN);
    unroll_chart_add_series(c, "val_loss", 1, UNROLL_DASH_SOLID, UNROLL_BEST_MIN);

    self->metric_card = chart_card(self, CHART_METRIC, "Accuracy");
    c = self->charts[CHART_METRIC];
    unroll_chart_set_x_is_epoch(c, TRUE);
    unroll_chart_set_x_label(c, "epoch");
    setup_metric_chart(self, "accuracy");

    GtkWidget *grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_grid_set_row_spacing(GTK_GRID(grid), 12);
    gtk_grid_set_column_homogeneous(GTK_GRID(grid), TRUE);
    gtk_grid_set_row_homogeneous(GTK_GRID(grid), TRUE);
    gtk_grid_attach(GTK_GRID(grid), steps, 0, 0, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), loss, 0, 1, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), self->metric_card, 1, 1, 1, 1);
    gtk_widget_set_vexpand(grid, TRUE);

    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
    gtk_box_append(GTK_BOX(box), tools);
    gtk_box_append(GTK_BOX(box), grid);
    gtk_widget_set_vexpand(box, TRUE);
    return box;
}

/* The page's own styles: the error banner and the paused line. */
static void install_css(void)
{
    static gboolean done;
    GdkDisplay *display = gdk_display_get_default();
    if (done || !display)
        return;
    done = TRUE;
    GtkCssProvider *css = gtk_css_provider_new();
    gtk_css_provider_load_from_data(css,
        ".unroll-training-error { background-color: alpha(@error_color, 0.12); color: @error_color;"
        " border-radius: 12px; padding: 10px 14px; }"
        ".unroll-training-lr { background-color: alpha(@warning_color, 0.12);"
        " border-radius: 12px; padding: 6px 10px 6px 14px; }"
        ".unroll-training-main { background-color: @window_bg_color; }"
        ".unroll-training-settings { background-color: @view_bg_color; }",
        -1);
    gtk_style_context_add_provider_for_display(display, GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    g_object_unref(css);
}

static void unroll_training_view_dispose(GObject *object)
{
    UnrollTrainingView *self = UNROLL_TRAINING_VIEW(object);
    if (self->doc) {
        save_settings(self);
        g_signal_handlers_disconnect_by_data(self->doc, self);
        g_clear_object(&self->doc);
    }
    if (self->dataset)
        g_signal_handlers_disconnect_by_data(self->dataset, self);
    if (self->worker) {
        g_signal_handlers_disconnect_by_data(self->worker, self);
        g_clear_object(&self->worker); /* stops a run still going */
    }
    if (self->probe) {
        g_cancellable_cancel(self->probe);
        g_clear_object(&self->probe);
    }
    if (self->chooser)
        gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
    g_clear_object(&self->smoothing);
    g_clear_object(&self->actions);
    g_clear_pointer(&self->paned, gtk_widget_unparent);
    G_OBJECT_CLASS(unroll_training_view_parent_class)->dispose(object);
}

static void unroll_training_view_finalize(GObject *object)
{
    UnrollTrainingView *self = UNROLL_TRAINING_VIEW(object);
    g_free(self->db_path);
    g_free(self->settings_dir);
    g_free(self->model_name);
    g_free(self->error);
    g_free(self->status_text);
    g_free(self->blocker);
    g_free(self->metric_name);
    g_free(self->gpu_note);
    g_free(self->device_tip);
    g_array_unref(self->received);
    G_OBJECT_CLASS(unroll_training_view_parent_class)->finalize(object);
}

static void unroll_training_view_class_init(UnrollTrainingViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = unroll_training_view_dispose;
    object_class->finalize = unroll_training_view_finalize;
    gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
    signals[SIG_RUN_FINISHED] = g_signal_new("run-finished", G_TYPE_FROM_CLASS(klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                             G_TYPE_INT, G_TYPE_STRING, G_TYPE_INT64);
}

static void unroll_training_view_init(UnrollTrainingView *self)
{
    install_css();
    self->received = g_array_new(FALSE, FALSE, sizeof(received));
    self->worker = unroll_train_worker_new();
    g_signal_connect_swapped(self->worker, "points", G_CALLBACK(worker_points), self);
    g_signal_connect_swapped(self->worker, "progress", G_CALLBACK(worker_progress), self);
    g_signal_connect_swapped(self->worker, "state-changed", G_CALLBACK(worker_state), self);
    g_signal_connect_swapped(self->worker, "finished", G_CALLBACK(worker_finished), self);

    self->actions = g_simple_action_group_new();
    g_action_map_add_action_entries(G_ACTION_MAP(self->actions), actions, G_N_ELEMENTS(actions), self);
    gtk_widget_insert_action_group(GTK_WIDGET(self), "training", G_ACTION_GROUP(self->actions));

    GtkWidget *settings = build_settings(self);
    GtkWidget *main = gtk_box_new(GTK_ORIENTATION_VERTICAL, 16);
    gtk_widget_set_margin_top(main, 18);
    gtk_widget_set_margin_bottom(main, 18);
    gtk_widget_set_margin_start(main, 18);
    gtk_widget_set_margin_end(main, 18);
    gtk_box_append(GTK_BOX(main), build_header(self));
    gtk_box_append(GTK_BOX(main), build_charts(self));
    GtkWidget *main_bg = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_widget_add_css_class(main_bg, "unroll-training-main");
    gtk_box_append(GTK_BOX(main_bg), main);

    self->paned = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
    gtk_paned_set_start_child(GTK_PANED(self->paned), settings);
    gtk_paned_set_end_child(GTK_PANED(self->paned), main_bg);
    gtk_paned_set_resize_start_child(GTK_PANED(self->paned), FALSE);
    gtk_paned_set_shrink_start_child(GTK_PANED(self->paned), FALSE);
    gtk_paned_set_shrink_end_child(GTK_PANED(self->paned), FALSE);
    gtk_paned_set_position(GTK_PANED(self->paned), 400);
    gtk_widget_set_parent(self->paned, GTK_WIDGET(self));

    self->probe = g_cancellable_new();
    GTask *task = g_task_new(self, self->probe, probe_done, NULL);
    g_task_run_in_thread(task, probe_thread);
    g_object_unref(task);

    unroll_dataset_view_set_spec(self->dataset, "mnist");
    loss_changed(self);
    update_blocker(self);
}

GtkWidget *unroll_training_view_new(void)
{
    return g_object_new(UNROLL_TYPE_TRAINING_VIEW, NULL);
}
