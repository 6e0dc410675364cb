/* ur.h — the public interface of the Unroll engine.
 *
 * Pure C11: no GLib, no GTK, no CUDA. Holds status codes and the error
 * context, JSON-like values (the model file's in-memory form), tensors and
 * shapes, the model graph, models with their weights, and training. File
 * formats (JSON text, npy, safetensors) live in data/, not here.
 */
#ifndef UR_H
#define UR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

typedef enum ur_status {
    UR_OK = 0,
    UR_ERR_INVALID,     /* a bad option, argument or value */
    UR_ERR_SHAPE,       /* shapes that do not fit */
    UR_ERR_NOMEM,
    UR_ERR_IO,          /* a file could not be read or written */
    UR_ERR_FORMAT,      /* a file is not what it claims to be */
    UR_ERR_NUMERIC,     /* NaN or infinite loss */
    UR_ERR_CANCELLED,
    UR_ERR_UNSUPPORTED,
    UR_ERR_INTERNAL,
} ur_status;

/* The error context: the first failing call writes its message here and
 * returns its status; callers pass the status up. Stack-allocate it and
 * clear it with ur_ctx_clear() (or = {0}). */
typedef struct ur_ctx {
    ur_status status;
    char message[1024];
} ur_ctx;

void ur_ctx_clear(ur_ctx *ctx);
/* Records status and message (printf format) in ctx; returns status.
 * ctx may be NULL. An existing message is replaced. */
ur_status ur_error(ur_ctx *ctx, ur_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ur_status ur_errorv(ur_ctx *ctx, ur_status status, const char *fmt, va_list ap);
/* Prefixes the current message with "prefix: " (printf format). */
void ur_error_prefix(ur_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *ur_status_name(ur_status status);
/* The closest of candidates (NULL-terminated) to s, or NULL if none is
 * close: for "did you mean" suggestions (also in ur-internal.h). */
const char *ur_closest(const char *s, const char *const *candidates);

/* ------------------------------------------------------------------ values */

/* A JSON-like tree. Parsed values remember where they came from (line and
 * column, 1-based; 0 when built in memory) so that errors can point there. */
typedef enum ur_value_type {
    UR_VALUE_NULL,
    UR_VALUE_BOOL,
    UR_VALUE_NUMBER,
    UR_VALUE_STRING,
    UR_VALUE_ARRAY,
    UR_VALUE_OBJECT,
} ur_value_type;

typedef struct ur_value ur_value;
struct ur_value {
    ur_value_type type;
    int line, column;
    union {
        bool b;
        double num;
        char *str;
        struct { ur_value **items; size_t n, cap; } arr;
        struct { char **keys; ur_value **vals; size_t n, cap; } obj; /* insertion order */
    } u;
};

ur_value *ur_value_new_null(void);
ur_value *ur_value_new_bool(bool b);
ur_value *ur_value_new_number(double num);
ur_value *ur_value_new_string(const char *s);
ur_value *ur_value_new_array(void);
ur_value *ur_value_new_object(void);
void ur_value_free(ur_value *v);
ur_value *ur_value_copy(const ur_value *v);
bool ur_value_equal(const ur_value *a, const ur_value *b);
/* Object access: get borrows (NULL if absent); set takes ownership of val
 * and replaces an existing key in place. */
ur_value *ur_value_get(const ur_value *obj, const char *key);
void ur_value_set(ur_value *obj, const char *key, ur_value *val);
bool ur_value_remove(ur_value *obj, const char *key);
/* Array append takes ownership. */
void ur_value_append(ur_value *arr, ur_value *val);
const char *ur_value_type_name(ur_value_type t);

/* ------------------------------------------------------------ shapes/tensors */

#define UR_MAX_RANK 5
#define UR_DIM_FREE (-1) /* Keras None: a free axis (batch, or time) */

/* A shape includes the batch axis as dim[0], as Keras prints it. */
typedef struct ur_shape {
    int rank;
    int64_t dim[UR_MAX_RANK];
} ur_shape;

/* "(None, 28, 64)" into buf; returns buf. */
char *ur_shape_format(const ur_shape *s, char *buf, size_t size);
bool ur_shape_equal(const ur_shape *a, const ur_shape *b);
/* Product of dims from axis `from` on; -1 if any of them is free. */
int64_t ur_shape_numel_from(const ur_shape *s, int from);

typedef enum ur_dtype { UR_F32 = 0, UR_I32 = 1 } ur_dtype;
const char *ur_dtype_name(ur_dtype d);

/* A tensor is a view: it never owns its data. Row-major (C order). */
typedef struct ur_tensor {
    ur_dtype dtype;
    int rank;
    int64_t dim[UR_MAX_RANK];
    void *data;
} ur_tensor;

int64_t ur_tensor_numel(const ur_tensor *t);
static inline float *ur_tensor_f32(const ur_tensor *t) { return (float *)t->data; }
static inline int32_t *ur_tensor_i32(const ur_tensor *t) { return (int32_t *)t->data; }

/* An owned array (datasets, predictions, files): a tensor plus its storage. */
typedef struct ur_array {
    ur_tensor t;
    char *name; /* may be NULL */
} ur_array;

ur_array *ur_array_new(ur_dtype dtype, int rank, const int64_t *dim, const char *name);
void ur_array_free(ur_array *a);

/* ------------------------------------------------------------------- random */

/* One seeded generator per run (initialisation, dropout, shuffling). */
typedef struct ur_rng {
    uint64_t s[4]; /* xoshiro256** state */
    bool has_spare;
    double spare;  /* Box-Muller's second normal */
} ur_rng;

void ur_rng_seed(ur_rng *r, uint64_t seed);
uint64_t ur_rng_next(ur_rng *r);
double ur_rng_uniform(ur_rng *r);              /* [0, 1) */
double ur_rng_normal(ur_rng *r);               /* N(0, 1) */
uint64_t ur_rng_below(ur_rng *r, uint64_t n);  /* [0, n), unbiased */
void ur_rng_shuffle(ur_rng *r, int64_t *idx, int64_t n);

/* ------------------------------------------------------------------ threads */

/* Threads the CPU backend's matrix products use (OpenBLAS), e.g. the CLI's
 * --threads (also in ur-internal.h). */
void ur_blas_set_threads(int n);

/* ---------------------------------------------------------- graph and model */

typedef struct ur_graph ur_graph;   /* layers and their wiring, shapes, errors */
typedef struct ur_model ur_model;   /* a graph with allocated weights */
typedef struct ur_layer ur_layer;

/* Builds a graph from a model document (the parsed model file). Structural
 * errors (not an object, "layers" missing, duplicate names) fail with NULL;
 * per-layer errors (an unknown option, a bad value, a shape mismatch) are
 * kept on the layer, so that an editor can show them: ur_graph_check() turns
 * the first into a status. */
ur_graph *ur_graph_from_value(const ur_value *doc, ur_ctx *ctx);
void ur_graph_free(ur_graph *g);
/* The document again (layers with their given options, "outputs", "ui"...). */
ur_value *ur_graph_to_value(const ur_graph *g);
/* Re-runs option parsing, wiring and shape inference after an edit. */
void ur_graph_update(ur_graph *g);
/* UR_OK, or the first error (layer name, what is wrong) in ctx. */
ur_status ur_graph_check(const ur_graph *g, ur_ctx *ctx);

const char *ur_graph_name(const ur_graph *g);
int ur_graph_n_layers(const ur_graph *g);
ur_layer *ur_graph_layer(const ur_graph *g, int i);
ur_layer *ur_graph_find(const ur_graph *g, const char *name);
int ur_graph_n_inputs(const ur_graph *g);
ur_layer *ur_graph_input(const ur_graph *g, int i);
/* Model outputs: a tensor each, as (layer, output index). */
int ur_graph_n_outputs(const ur_graph *g);
void ur_graph_output(const ur_graph *g, int i, ur_layer **layer, int *index);
int64_t ur_graph_count_params(const ur_graph *g, bool trainable);

/* Editing (the window's undoable commands call these). Each edit leaves the
 * graph re-inferred, errors included; a layer keeps its spec (the object of
 * the model file) as the single source of truth, so a graph saves exactly
 * what was edited. */
/* Inserts a copy of spec at position (-1: the end); a missing "name" gets a
 * Keras-style unique one, written into the spec. NULL with ctx on a clash. */
ur_layer *ur_graph_insert_layer(ur_graph *g, int position, const ur_value *spec, ur_ctx *ctx);
/* Removes the layer and every reference to it ("inputs", "initial_state",
 * "outputs"); a layer chained to it implicitly keeps an empty "inputs". */
ur_status ur_graph_remove_layer(ur_graph *g, const char *name, ur_ctx *ctx);
/* Renames the layer and every reference to it. */
ur_status ur_graph_rename_layer(ur_graph *g, const char *name, const char *to, ur_ctx *ctx);
/* Sets (a copy of value) or, value NULL, removes one key of the layer's spec:
 * an option, "inputs" or "initial_state" ("name" renames). */
ur_status ur_graph_set_option(ur_graph *g, const char *layer, const char *key,
                              const ur_value *value, ur_ctx *ctx);
/* Moves the layer to position in the file order (the summary's order). */
ur_status ur_graph_move_layer(ur_graph *g, const char *name, int position, ur_ctx *ctx);
/* The layer's spec (borrowed). */
const ur_value *ur_layer_spec(const ur_layer *l);
/* Document keys besides "layers" ("name", "outputs", the editor's "ui"):
 * get borrows; set takes ownership of value (NULL removes). */
const ur_value *ur_graph_doc_get(const ur_graph *g, const char *key);
void ur_graph_doc_set(ur_graph *g, const char *key, ur_value *value);

/* Per-layer accessors (for summaries and the window). */
const char *ur_layer_name(const ur_layer *l);
const char *ur_layer_class(const ur_layer *l);
const char *ur_layer_error(const ur_layer *l);    /* NULL when fine */
/* Where the layer's object starts in the model file (0, 0 if built in memory). */
void ur_layer_position(const ur_layer *l, int *line, int *column);
int ur_layer_n_outputs(const ur_layer *l);
const ur_shape *ur_layer_output_shape(const ur_layer *l, int k);
bool ur_layer_output_masked(const ur_layer *l, int k);
int64_t ur_layer_count_params(const ur_layer *l, bool trainable);
/* The data type an Input layer takes (its "dtype"); float32 for other layers. */
ur_dtype ur_layer_input_dtype(const ur_layer *l);
/* Inbound tensors as "name" or "name:k"; returns how many (incl. initial states). */
int ur_layer_n_inbound(const ur_layer *l);
void ur_layer_inbound(const ur_graph *g, const ur_layer *l, int i, const ur_layer **src,
                      int *index, bool *is_state);

/* The cells of Keras's model.summary() table (`unroll summary` and the
 * window's summary panel print the same rows). A graph Keras would show as a
 * Sequential model (one Input first, a chain, one output) leaves its Input
 * row out and has no "Connected to" column. */
bool ur_graph_summary_is_sequential(const ur_graph *g);
/* "lstm (LSTM)"; the Input class shows as InputLayer. */
void ur_layer_summary_name(const ur_layer *l, char *buf, size_t size);
/* "(None, 28, 64)"; several outputs as Keras's list, one per line; "?" when
 * the layer has no inferred output (an error). */
void ur_layer_summary_shapes(const ur_layer *l, char *buf, size_t size);
/* "encoder[0][1],\ndecoder_embedding[0][0]" (output k of each source), or "-". */
void ur_layer_summary_connected(const ur_graph *g, const ur_layer *l, char *buf, size_t size);

/* ------------------------------------------------------------ layer catalog */

/* What the window's palette and inspector show: every layer class, in
 * palette order, with its options as the engine's option tables describe
 * them (the same tables that parse model files). */
typedef enum ur_option_kind {
    UR_OPTION_INT,          /* a JSON integer within [min, max] when has_range */
    UR_OPTION_INT_OR_NULL,  /* an integer or null */
    UR_OPTION_FLOAT,        /* a number within [min, max] when has_range */
    UR_OPTION_BOOL,
    UR_OPTION_CHOICE,       /* one of choices (or null when nullable) */
    UR_OPTION_ACTIVATION,   /* an activation name (choices); null = linear */
    UR_OPTION_INITIALIZER,  /* an initializer name (choices) or an object */
    UR_OPTION_SHAPE,        /* an array of positive integers and nulls */
    UR_OPTION_LAYER,        /* a layer object (Bidirectional's inner layer) */
    UR_OPTION_IGNORED,      /* accepted and without effect (unroll) */
} ur_option_kind;

typedef struct ur_option_info {
    const char *name;          /* Keras name */
    ur_option_kind kind;
    const char *default_json;  /* the default as JSON text; NULL when required */
    bool has_range;
    double min, max;           /* inclusive */
    const char *const *choices;/* CHOICE, ACTIVATION, INITIALIZER: NULL-terminated */
    bool nullable;             /* null is a valid value */
    bool required;
    const char *help;          /* one line */
} ur_option_info;

int ur_layer_class_count(void);
/* Class i: its Keras name, palette group ("Inputs", "Recurrent", "Core",
 * "Normalization & regularization", "Merge") and a one-line description;
 * NULL when i is out of range. */
const char *ur_layer_class_name(int i);
const char *ur_layer_class_group(int i);
const char *ur_layer_class_description(int i);
/* The index of a class name ("InputLayer" is Input), or -1. */
int ur_layer_class_find(const char *class_name);
/* Main inputs the class takes (max -1: any number) and whether it takes
 * initial_state tensors. */
void ur_layer_class_inputs(int i, int *min_inputs, int *max_inputs, bool *accepts_states);
int ur_layer_class_n_options(int i);
/* Option k of class i; false when out of range. */
bool ur_layer_class_option(int i, int k, ur_option_info *out);
/* A new spec for a layer of class i as the palette adds it: {"class": ...}
 * with a value for every required option (units 32, rate 0.5, ...). */
ur_value *ur_layer_class_new_spec(int i);

/* A model: graph + weights (parameters, gradients, optimizer state arenas).
 * The model takes ownership of the graph. Fails if the graph has errors. */
ur_model *ur_model_new(ur_graph *g, ur_ctx *ctx);
void ur_model_free(ur_model *m);
ur_graph *ur_model_graph(const ur_model *m);
/* Initialises every weight from its initializer with rng (Keras semantics). */
void ur_model_init_weights(ur_model *m, ur_rng *rng);
/* Zeroes the states of stateful layers (Keras reset_states()). */
void ur_model_reset_states(ur_model *m);

/* Weights, in Keras get_weights() order; names "<layer>/<weight>". */
typedef struct ur_weight_info {
    const char *name;
    int rank;
    const int64_t *dim;
    int64_t numel;
    bool trainable;
    float *data;   /* inside the parameter arena */
    float *grad;   /* inside the gradient arena (NULL if not trainable) */
} ur_weight_info;

int ur_model_n_weights(const ur_model *m);
void ur_model_weight(const ur_model *m, int i, ur_weight_info *out);
int ur_model_find_weight(const ur_model *m, const char *name);
/* All weights as one arena (checkpoints copy it in one go). */
float *ur_model_params(const ur_model *m, size_t *n);

/* Inference: inputs[i] for graph input i (batch on axis 0; float or int32 as
 * the Input says); outputs get one new array per model output, in order. */
ur_status ur_model_predict(ur_model *m, int n_in, const ur_tensor *inputs,
                           int64_t batch_size, ur_array **outputs, ur_ctx *ctx);

/* Where a model runs. device: "auto" (the first CUDA GPU when one is usable
 * and supports every layer, else the CPU), "cpu", "cuda" or "cuda:N".
 * exact_math: on a GPU, float32 with FMA math (the CPU's numbers within
 * float32 rounding) instead of the fast mode (TF32 where the GPU has it).
 * "auto" never fails for want of a GPU: it runs on the CPU and writes why
 * (one line: no module, no driver, no GPU, an unsupported layer) into note
 * (may be NULL); note is "" when the GPU was taken. "cuda..." fails with
 * UR_ERR_UNSUPPORTED and the reason instead. */
ur_status ur_model_use_device(ur_model *m, const char *device, bool exact_math, char *note,
                              size_t note_size, ur_ctx *ctx);
/* "cpu" or "cuda:N" */
const char *ur_model_device(const ur_model *m);
/* How layer `layer` (graph index) runs where the model is: "cpu"; on a GPU
 * "cudnn", "kernels" (the backend's own kernels), "cublas" or "none". */
const char *ur_model_layer_path(const ur_model *m, int layer);
/* Checks a --device value ("auto", "cpu", "cuda", "cuda:N"); N in *index. */
ur_status ur_device_parse(const char *device, int *index, ur_ctx *ctx);

/* ------------------------------------------------------------------ training */

typedef enum ur_loss_kind {
    UR_LOSS_MSE,
    UR_LOSS_MAE,
    UR_LOSS_BINARY_CE,
    UR_LOSS_CATEGORICAL_CE,
    UR_LOSS_SPARSE_CATEGORICAL_CE,
} ur_loss_kind;

typedef struct ur_loss {
    ur_loss_kind kind;
    bool from_logits;
} ur_loss;

/* Parses a Keras loss name ("mse" and "mean_squared_error" both work). */
ur_status ur_loss_parse(const char *name, ur_loss *out, ur_ctx *ctx);
const char *ur_loss_name(ur_loss_kind k);

typedef enum ur_metric_kind {
    UR_METRIC_BINARY_ACCURACY,
    UR_METRIC_CATEGORICAL_ACCURACY,
    UR_METRIC_SPARSE_CATEGORICAL_ACCURACY,
    UR_METRIC_MAE,
} ur_metric_kind;

typedef enum ur_optimizer_kind {
    UR_OPT_SGD,
    UR_OPT_RMSPROP,
    UR_OPT_ADAM,
    UR_OPT_ADAMW,
} ur_optimizer_kind;

/* Keras defaults come from ur_optimizer_defaults(). A negative clipnorm or
 * clipvalue means "off". */
typedef struct ur_optimizer_config {
    ur_optimizer_kind kind;
    double learning_rate;
    double momentum;      /* SGD, RMSprop */
    bool nesterov;        /* SGD */
    double rho;           /* RMSprop */
    bool centered;        /* RMSprop */
    double beta_1, beta_2; /* Adam, AdamW */
    double epsilon;       /* RMSprop, Adam, AdamW */
    bool amsgrad;         /* Adam, AdamW */
    double weight_decay;  /* AdamW (0.004 by default); others 0 */
    double clipnorm;      /* per weight, as Keras */
    double global_clipnorm;
    double clipvalue;
} ur_optimizer_config;

ur_status ur_optimizer_defaults(const char *name, ur_optimizer_config *out, ur_ctx *ctx);
const char *ur_optimizer_name(ur_optimizer_kind k);
/* The settings' ranges: a positive learning rate and epsilon, momentum and
 * rho in [0, 1], beta_1 and beta_2 in [0, 1), weight_decay >= 0, no NaN. */
ur_status ur_optimizer_check(const ur_optimizer_config *c, ur_ctx *ctx);

/* One labelled set of examples: an array per graph input and per graph
 * output, all with the same first (sample) axis. */
typedef struct ur_data {
    int n_x, n_y;
    ur_array **x;
    ur_array **y;
} ur_data;

int64_t ur_data_count(const ur_data *d);

typedef struct ur_trainer ur_trainer;

/* What a training callback sees. */
typedef struct ur_progress {
    int epoch;             /* 0-based */
    int epochs;
    int64_t step;          /* within the epoch, 0-based */
    int64_t steps;         /* per epoch */
    int64_t global_step;
    double loss;           /* this batch's loss (on_step) / the epoch's mean */
    /* Named metric values, Keras names: "loss", "accuracy", "mae",
     * "val_loss", "val_accuracy", ... (on_epoch: all; on_step: training). */
    int n_metrics;
    const char *const *metric_names;
    const double *metric_values;
    double seconds;        /* since the epoch began */
    /* The running trainer: a callback may save its state (a checkpoint is
     * consistent after every step and epoch) or change its learning rate. */
    ur_trainer *trainer;
} ur_progress;

typedef struct ur_callbacks {
    void *user;
    /* Called after every training step. */
    void (*on_step)(void *user, const ur_progress *p);
    /* Called after every epoch, with validation metrics when there are any. */
    void (*on_epoch)(void *user, const ur_progress *p);
    /* Polled between batches: true stops training with UR_ERR_CANCELLED. */
    bool (*should_stop)(void *user);
} ur_callbacks;

typedef struct ur_fit_config {
    ur_loss loss;
    ur_optimizer_config optimizer;
    int epochs;                 /* 1 */
    int64_t batch_size;         /* 32 */
    bool shuffle;               /* true */
    double validation_split;    /* 0: none; taken from the end, as Keras */
    uint64_t seed;
    bool metric_accuracy;       /* add "accuracy" (kind chosen as Keras does) */
    bool metric_mae;
} ur_fit_config;

void ur_fit_config_defaults(ur_fit_config *c);

/* Trains m on train (and val if non-NULL, else validation_split of train).
 * Stops with UR_ERR_NUMERIC (epoch and step in the message) when the loss
 * turns NaN or infinite; the weights then hold the last good values. */
ur_status ur_model_fit(ur_model *m, const ur_fit_config *cfg, const ur_data *train,
                       const ur_data *val, const ur_callbacks *cb, ur_ctx *ctx);

/* The same loop as an object, for runs that are checkpointed and resumed:
 * new checks the data and draws nothing; run trains from the current
 * position to the end (or a stop) and may be called again after a stop. */
ur_trainer *ur_trainer_new(ur_model *m, const ur_fit_config *cfg, const ur_data *train,
                           const ur_data *val, ur_ctx *ctx);
void ur_trainer_free(ur_trainer *t);
ur_status ur_trainer_run(ur_trainer *t, const ur_callbacks *cb, ur_ctx *ctx);
int ur_trainer_epoch(const ur_trainer *t);          /* the epoch in progress, 0-based */
int64_t ur_trainer_step(const ur_trainer *t);       /* the next step within it */
int64_t ur_trainer_global_step(const ur_trainer *t);
int64_t ur_trainer_steps_per_epoch(const ur_trainer *t);
void ur_trainer_set_learning_rate(ur_trainer *t, double lr);
/* The optimizer's settings now, and new ones of the same kind from the next
 * step (between steps: in a callback, or between runs). The optimizer's
 * state is kept; a slot a new setting adds starts at zero, as Keras builds
 * it (SGD's momentum when momentum leaves 0, ...). A different kind, a
 * setting out of range or no memory for the state: an error, nothing
 * changed. On a device, steps already enqueued keep the old settings. */
const ur_optimizer_config *ur_trainer_optimizer(const ur_trainer *t);
ur_status ur_trainer_set_optimizer(ur_trainer *t, const ur_optimizer_config *c, ur_ctx *ctx);
/* The training position besides the weights: epoch and step, the
 * generator, this epoch's sample order and running sums, the optimizer's
 * state and the stateful layers' states. Restoring it together with the
 * weights continues exactly as the uninterrupted run would. */
size_t ur_trainer_state_size(const ur_trainer *t);
void ur_trainer_save_state(const ur_trainer *t, void *buf);
ur_status ur_trainer_load_state(ur_trainer *t, const void *buf, size_t len, ur_ctx *ctx);

/* Mean loss and metrics over d (inference mode). names/values as in
 * ur_progress; values must hold at least 4 entries. */
ur_status ur_model_evaluate(ur_model *m, const ur_fit_config *cfg, const ur_data *d,
                            int *n_metrics, const char **names, double *values,
                            ur_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* UR_H */
