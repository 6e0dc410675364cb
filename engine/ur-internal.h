/* ur-internal.h — what the engine's own files share: layer kinds and their
 * option tables, weights, the forward/backward pass record, activations,
 * initializers, BLAS, and small helpers. Not installed; not for data/ or ui/.
 *
 * The gradient rule, once: every backward ACCUMULATES (+=) into parameter
 * gradients and into input gradients (din). The executor zeroes the
 * parameter-gradient arena and the activation-gradient arena once per step,
 * so a tensor consumed by several layers receives the sum of their
 * gradients without any special case. Caches written by forward are
 * read-only in backward unless the layer says otherwise.
 */
#ifndef UR_INTERNAL_H
#define UR_INTERNAL_H

#include "ur.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* Programmer errors only; never for bad input. */
#define UR_ASSERT(cond) \
    do { if (!(cond)) ur_assert_fail(#cond, __FILE__, __LINE__); } while (0)
_Noreturn void ur_assert_fail(const char *cond, const char *file, int line);

void *ur_xmalloc(size_t n);  /* aborts on failure: tiny bookkeeping only */
void *ur_xcalloc(size_t n, size_t size);
void *ur_xrealloc(void *p, size_t n);
char *ur_xstrdup(const char *s);
/* 64-byte aligned, zeroed; NULL on failure (big buffers: report NOMEM). */
void *ur_alloc_aligned(size_t bytes);
void ur_free_aligned(void *p);

/* Levenshtein distance, for "did you mean" suggestions. */
int ur_edit_distance(const char *a, const char *b);
/* The closest of candidates (NULL-terminated) to s, or NULL if none is close. */
const char *ur_closest(const char *s, const char *const *candidates);

/* ------------------------------------------------------------- activations */

typedef enum ur_activation {
    UR_ACT_LINEAR = 0,
    UR_ACT_TANH,
    UR_ACT_SIGMOID,
    UR_ACT_HARD_SIGMOID, /* Keras 3: clip(x / 6 + 0.5, 0, 1) */
    UR_ACT_RELU,
    UR_ACT_SOFTMAX,      /* Dense only: over the last axis */
    UR_ACT_COUNT
} ur_activation;

extern const char *const ur_activation_names[]; /* indexed by ur_activation, NULL-terminated */
/* y = act(x) in place over n values (softmax: rows of length `row`). */
void ur_act_forward(ur_activation a, float *x, int64_t n, int64_t row);
/* dx = dy * act'(x) given y = act(x), for element-wise activations
 * (everything but softmax): dx[i] = dy[i] * d(y[i]); dx may alias dy. */
void ur_act_backward(ur_activation a, const float *y, const float *dy, float *dx, int64_t n);
/* Softmax rows: dx = y * (dy - sum(dy * y)). */
void ur_softmax_backward(const float *y, const float *dy, float *dx, int64_t rows, int64_t row);
/* Scalar versions for fused loops. */
static inline float ur_act1(ur_activation a, float x)
{
    switch (a) {
    case UR_ACT_TANH: return tanhf(x);
    case UR_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case UR_ACT_HARD_SIGMOID: { float y = x / 6.0f + 0.5f; return y < 0 ? 0 : (y > 1 ? 1 : y); }
    case UR_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}
/* Branch-free float exp/sigmoid/tanh (Cephes' expf range reduction and
 * polynomial, about 1 ulp) that compilers vectorise; the recurrent cells'
 * inner loops use them. Inputs are clamped, so they never overflow. */
static inline float ur_fast_expf(float x)
{
    x = x > 88.3762626647949f ? 88.3762626647949f : x;
    x = x < -87.3365447504f ? -87.3365447504f : x;
    /* floor through a truncating conversion: floorf() is a libm call here */
    float v = x * 1.44269504088896341f + 0.5f;
    float fx = (float)(int32_t)v;
    fx -= fx > v ? 1.0f : 0.0f;
    float r = x - fx * 0.693359375f + fx * 2.12194440e-4f;
    float z = r * r;
    float y = ((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r +
                4.1665795894E-2f) * r + 1.6666665459E-1f) * r + 5.0000001201E-1f;
    y = y * z + r + 1.0f;
    union { int32_t i; float f; } bits = {.i = ((int32_t)fx + 127) << 23};
    return y * bits.f;
}
static inline float ur_fast_sigmoidf(float x) { return 1.0f / (1.0f + ur_fast_expf(-x)); }
static inline float ur_fast_tanhf(float x)
{
    float ax = fabsf(x);
    float s = x * x;
    float small = ((((-5.70498872745E-3f * s + 2.06390887954E-2f) * s - 5.37397155531E-2f) * s +
                    1.33314422036E-1f) * s - 3.33332819422E-1f) * s * x + x;
    float big = 1.0f - 2.0f / (ur_fast_expf(2.0f * ax) + 1.0f);
    big = x < 0 ? -big : big;
    return ax < 0.625f ? small : big;
}
/* y = act(x) in place over n values with the fast forms (element-wise kinds
 * only): AVX2/FMA when the build targets it (vmath.c). */
void ur_fast_act(ur_activation a, float *x, int64_t n);

/* d[i] *= act'(x[i]) given y[i] = act(x[i]): the derivative through the output. */
static inline void ur_fast_act_grad(ur_activation a, const float *restrict y, float *restrict d,
                                    int64_t n)
{
    switch (a) {
    case UR_ACT_TANH:
        for (int64_t i = 0; i < n; i++) d[i] *= 1.0f - y[i] * y[i];
        break;
    case UR_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++) d[i] *= y[i] * (1.0f - y[i]);
        break;
    case UR_ACT_HARD_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            d[i] = (y[i] > 0.0f && y[i] < 1.0f) ? d[i] * (1.0f / 6.0f) : 0.0f;
        break;
    case UR_ACT_RELU:
        for (int64_t i = 0; i < n; i++) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
        break;
    default:
        break;
    }
}

/* Derivative expressed through the output y = act(x). */
static inline float ur_act1_grad(ur_activation a, float y)
{
    switch (a) {
    case UR_ACT_TANH: return 1.0f - y * y;
    case UR_ACT_SIGMOID: return y * (1.0f - y);
    case UR_ACT_HARD_SIGMOID: return (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
    case UR_ACT_RELU: return y > 0 ? 1.0f : 0.0f;
    default: return 1.0f;
    }
}

/* ------------------------------------------------------------ initializers */

typedef enum ur_init_kind {
    UR_INIT_ZEROS = 0,
    UR_INIT_ONES,
    UR_INIT_CONSTANT,
    UR_INIT_RANDOM_NORMAL,
    UR_INIT_RANDOM_UNIFORM,
    UR_INIT_TRUNCATED_NORMAL,
    UR_INIT_GLOROT_UNIFORM,
    UR_INIT_GLOROT_NORMAL,
    UR_INIT_HE_UNIFORM,
    UR_INIT_HE_NORMAL,
    UR_INIT_LECUN_UNIFORM,
    UR_INIT_LECUN_NORMAL,
    UR_INIT_ORTHOGONAL,
    UR_INIT_IDENTITY,
    UR_INIT_COUNT
} ur_init_kind;

/* Parameters use Keras's names and defaults. */
typedef struct ur_init {
    ur_init_kind kind;
    double value;          /* constant */
    double mean, stddev;   /* random_normal, truncated_normal (0, 0.05) */
    double minval, maxval; /* random_uniform (-0.05, 0.05) */
    double gain;           /* orthogonal, identity (1) */
} ur_init;

extern const char *const ur_init_names[]; /* Keras snake_case names, NULL-terminated */
void ur_init_default(ur_init_kind kind, ur_init *out);
/* From "glorot_uniform", {"class_name": "Constant", "config": {"value": 1}}
 * or {"name": "constant", "value": 1}. what names the option in errors. */
ur_status ur_init_from_value(const ur_value *v, ur_init *out, const char *what, ur_ctx *ctx);
/* The compact JSON form ("zeros", or an object when it has parameters). */
ur_value *ur_init_to_value(const ur_init *init);
/* Fills w (shape dim[0..rank)) as Keras would: fans from the shape as
 * keras.initializers compute_fans; orthogonal over the full matrix. */
void ur_init_fill(const ur_init *init, float *w, int rank, const int64_t *dim, ur_rng *rng);

/* ------------------------------------------------------------------- BLAS */

/* Every matrix product goes through here (row-major):
 * C[M,N] = alpha * op(A) op(B) + beta * C, op = transpose when ta/tb. */
void ur_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb,
              float beta, float *C, int64_t ldc);
void ur_blas_set_threads(int n);
int ur_blas_threads(void);

/* ------------------------------------------------------------ layer kinds */

#define UR_MAX_OUTPUTS 8  /* Bidirectional LSTM return_state: 5; merge None: 6 */

/* Option types of the declarative option tables. */
typedef enum ur_opt_type {
    UR_OPT_INT,         /* int64_t; min/max checked */
    UR_OPT_INT_OR_NULL, /* int64_t, UR_DIM_FREE for null */
    UR_OPT_FLOAT,       /* double; min/max checked (inclusive) */
    UR_OPT_BOOL,        /* bool */
    UR_OPT_ENUM,        /* int: index into `choices`; JSON null allowed if nullable */
    UR_OPT_ACTIVATION,  /* ur_activation; JSON null = linear (Keras None) */
    UR_OPT_INITIALIZER, /* ur_init */
    UR_OPT_SHAPE,       /* ur_shape without the batch axis; null entries free */
    UR_OPT_LAYER,       /* ur_value * (copied); Bidirectional's inner layer */
    UR_OPT_IGNORED,     /* accepted, changes nothing (unroll) */
} ur_opt_type;

typedef struct ur_option {
    const char *name;        /* Keras name */
    ur_opt_type type;
    size_t offset;           /* into the kind's config struct */
    const char *def;         /* default as JSON text: "64", "true", "\"tanh\"", "null" */
    double min, max;         /* numeric range (inclusive) when min < max */
    const char *const *choices; /* ENUM: NULL-terminated names */
    bool nullable;           /* ENUM: null is a choice (index -1) */
    bool required;           /* no default; missing is an error */
    const char *help;        /* one line for the inspector */
} ur_option;

typedef struct ur_pass ur_pass;

/* Where an output's mask comes from. */
enum { UR_MASK_NONE = -1, UR_MASK_OWN = -2 }; /* or >= 0: passes input k's mask */

typedef struct ur_layer_kind {
    const char *class_name;   /* Keras class name */
    const char *group;        /* palette group: "Inputs", "Recurrent", "Core",
                                 "Normalization & regularization", "Merge" */
    const char *description;  /* one line */
    const ur_option *options; /* terminated by {NULL} */
    size_t cfg_size;
    int min_inputs, max_inputs; /* main inputs (not initial states); max -1 = any */
    bool accepts_states;      /* initial_state allowed */

    /* Cross-option checks after the table was parsed (optional). */
    ur_status (*validate)(ur_layer *l, ur_ctx *ctx);
    /* Output shapes and masks from input shapes (state shapes follow the main
     * inputs in `in`); n_in counts both. Sets l->n_outputs, out mask sources.
     * Must be pure: it is called again with concrete shapes at run time. */
    ur_status (*infer)(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                       ur_shape *out, ur_ctx *ctx);
    /* Declares weights with ur_layer_add_weight(), given inferred input
     * shapes (optional: layers without weights leave it NULL). */
    void (*build)(ur_layer *l, const ur_shape *in, int n_in);
    /* Initialises weights after the generic per-weight initialisation
     * (optional: LSTM's unit_forget_bias). */
    void (*init)(ur_layer *l, ur_rng *rng);
    /* Bytes of cache for one forward+backward at these concrete shapes. */
    size_t (*cache_size)(const ur_layer *l, const ur_shape *in, int n_in);
    ur_status (*forward)(ur_layer *l, ur_pass *p);
    ur_status (*backward)(ur_layer *l, ur_pass *p);
    /* Persistent run-time state (stateful RNNs, ...): size in floats for a
     * fixed batch (optional). The executor allocates it zeroed and resets it
     * with ur_model_reset_states(). */
    size_t (*state_size)(const ur_layer *l, int64_t batch);
    void (*free_cfg)(ur_layer *l); /* optional: frees what validate allocated */
} ur_layer_kind;

/* The registry: every kind, NULL-terminated, in palette order. */
extern const ur_layer_kind *const ur_layer_kinds[];
const ur_layer_kind *ur_layer_kind_find(const char *class_name);

typedef struct ur_ref {
    int layer;   /* index in the graph */
    int output;  /* output index of that layer */
} ur_ref;

typedef struct ur_weight {
    char name[96];        /* Keras weight name: "kernel", "forward/bias" */
    int rank;
    int64_t dim[UR_MAX_RANK];
    int64_t numel;
    bool trainable;
    ur_init init;
    size_t offset;        /* floats into the model's arenas */
    float *data;          /* set when the model is allocated */
    float *grad;          /* NULL for non-trainable weights */
} ur_weight;

struct ur_layer {
    const ur_layer_kind *kind;  /* NULL if the class is unknown */
    char *name;
    int index;
    ur_value *spec;             /* the layer's object as given (owned) */
    void *cfg;                  /* parsed options, kind->cfg_size bytes */
    int line, column;           /* in the model file */

    int n_inputs;               /* main inputs */
    ur_ref *inputs;
    int n_states;               /* initial_state tensors */
    ur_ref *states;

    int n_outputs;
    ur_shape out_shape[UR_MAX_OUTPUTS];
    int out_mask_src[UR_MAX_OUTPUTS]; /* UR_MASK_* or an input index */
    bool out_mask[UR_MAX_OUTPUTS];    /* the output carries a mask */

    int n_weights;
    ur_weight *weights;

    char *error;                /* this layer's own error, or NULL */
    bool broken;                /* own error, or an input is broken */

    /* Bidirectional's two copies of its inner layer (owned). */
    ur_layer *inner[2];
    /* Persistent run-time state (see state_size), owned by the model. */
    float *state;
    int64_t state_batch;
};

/* Declares a weight during build(); returns it. */
ur_weight *ur_layer_add_weight(ur_layer *l, const char *name, int rank, const int64_t *dim,
                               const ur_init *init, bool trainable);
/* Sets l->error (formatted) unless one is set; returns UR_ERR_INVALID. */
ur_status ur_layer_fail(ur_layer *l, ur_ctx *ctx, ur_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The kind's config struct. */
#define UR_CFG(l, type) ((type *)(l)->cfg)

/* --------------------------------------------------------- the pass record */

/* Everything a layer's forward or backward sees. Tensor shapes are concrete
 * (no free axes). Inputs: n_in = n_inputs + n_states, states last. */
struct ur_pass {
    int64_t batch;
    bool training;
    ur_rng *rng;                 /* dropout masks are drawn here in forward */
    int n_in;
    const ur_tensor *in;         /* [n_in] */
    const uint8_t *const *in_mask; /* [n_in]: (B, T) masks, NULL if none */
    int n_out;
    ur_tensor *out;              /* [n_out] */
    uint8_t **out_mask;          /* [n_out]: to fill where the source is UR_MASK_OWN */
    /* backward only */
    ur_tensor *din;              /* [n_in]: accumulate; data NULL = not needed */
    const ur_tensor *dout;       /* [n_out]: data NULL = no gradient (zeros) */
    /* forward's cache, kept for backward: cache_size() bytes, 64-aligned */
    void *cache;
    ur_ctx *ctx;
};

/* Carves n floats (64-byte aligned) from a cache cursor. */
static inline float *ur_carve(char **cursor, int64_t n)
{
    /* integer arithmetic: size-only passes carve from a NULL base */
    float *p = (float *)*cursor;
    *cursor = (char *)((uintptr_t)*cursor + (((size_t)n * sizeof(float) + 63) & ~(size_t)63));
    return p;
}
/* Bytes carved since base (which may be NULL). */
static inline size_t ur_carved(const char *base, const char *cursor)
{
    return (size_t)((uintptr_t)cursor - (uintptr_t)base);
}
static inline size_t ur_carve_size(int64_t n) { return ((size_t)n * sizeof(float) + 63) & ~(size_t)63; }

/* Draws an inverted-dropout mask: each entry 0 or 1/(1-rate). */
void ur_dropout_mask(ur_rng *rng, float rate, float *mask, int64_t n);

/* ------------------------------------------------------------- the kinds */

extern const ur_layer_kind ur_input_kind;
extern const ur_layer_kind ur_embedding_kind;
extern const ur_layer_kind ur_masking_kind;
extern const ur_layer_kind ur_simple_rnn_kind;
extern const ur_layer_kind ur_lstm_kind;
extern const ur_layer_kind ur_gru_kind;
extern const ur_layer_kind ur_bidirectional_kind;
extern const ur_layer_kind ur_dense_kind;
extern const ur_layer_kind ur_dropout_kind;
extern const ur_layer_kind ur_batch_norm_kind;
extern const ur_layer_kind ur_repeat_vector_kind;
extern const ur_layer_kind ur_flatten_kind;
extern const ur_layer_kind ur_concatenate_kind;
extern const ur_layer_kind ur_add_kind;

/* ----------------------------------------------------- losses and metrics */

/* Loss over pred/target (both as the model output, or sparse integer
 * targets of one rank less, or with a trailing 1), averaged Keras's way
 * ("sum_over_batch_size"; with a (B, T) mask from the output: the mean over
 * valid entries). Writes dpred (overwrite) = d(loss)/d(pred) if non-NULL.
 * Returns the loss. */
double ur_loss_compute(const ur_loss *loss, const ur_tensor *pred, const ur_tensor *target,
                       const uint8_t *mask, float *dpred);
/* Checks that targets fit the prediction for this loss; message names both shapes. */
ur_status ur_loss_check(const ur_loss *loss, const ur_shape *pred, const ur_shape *target,
                        ur_ctx *ctx);
/* Checks target values once before training: all finite and, for the sparse
 * loss, class ids in [0, classes) (classes = the output's last dim). The
 * message names the first bad entry; ur_loss_compute gives NAN for them. */
ur_status ur_loss_check_targets(const ur_loss *loss, int64_t classes, const ur_tensor *target,
                                ur_ctx *ctx);
/* Keras's choice for "accuracy" given the loss and shapes. */
ur_metric_kind ur_accuracy_kind(const ur_loss *loss, const ur_shape *pred, const ur_shape *target);
const char *ur_metric_name(ur_metric_kind k); /* "accuracy" or "mae" */
/* Sum of the metric over the batch and the number of entries it covers
 * (so means over an epoch are exact). */
void ur_metric_accumulate(ur_metric_kind k, const ur_loss *loss, const ur_tensor *pred,
                          const ur_tensor *target, const uint8_t *mask,
                          double *sum, double *count);

/* ------------------------------------------------------------- optimizers */

typedef struct ur_optimizer ur_optimizer;
/* n floats of parameters; slots (m, v, ...) are allocated inside. The
 * per-weight clipnorm needs the weight boundaries: n_segments offsets. */
ur_optimizer *ur_optimizer_new(const ur_optimizer_config *cfg, size_t n,
                               int n_segments, const size_t *seg_offset,
                               const size_t *seg_len);
void ur_optimizer_free(ur_optimizer *o);
/* One update of params from grads (grads may be modified by clipping). */
void ur_optimizer_step(ur_optimizer *o, float *params, float *grads);
/* State for checkpoints: the iteration count and slot arrays. */
int64_t ur_optimizer_iterations(const ur_optimizer *o);
float *ur_optimizer_slots(ur_optimizer *o, size_t *n);
void ur_optimizer_set_iterations(ur_optimizer *o, int64_t it);
void ur_optimizer_set_learning_rate(ur_optimizer *o, double lr);
/* New settings of the same kind from the next step: the slots a setting
 * adds (SGD's or RMSprop's momentum, RMSprop's centered average, Adam's
 * amsgrad maximum) start at zero, as Keras builds them; those it removes
 * are dropped; the others keep their values. false: out of memory (o is
 * unchanged). */
bool ur_optimizer_reconfigure(ur_optimizer *o, const ur_optimizer_config *cfg);

#endif /* UR_INTERNAL_H */

/* --------------------------------------------------------------- executor */

/* The step-level interface of model.c, used by train.c and by tests.
 * inputs[i] feed graph input i, with `batch` samples; shapes are checked
 * against the Inputs (free axes take the given size). Activations stay
 * valid until the next forward. */
ur_status ur_model_forward(ur_model *m, const ur_tensor *inputs, bool training, ur_rng *rng,
                           ur_ctx *ctx);
/* Model output i of the last forward, and its (B, T) mask or NULL. */
const ur_tensor *ur_model_output(const ur_model *m, int i);
const uint8_t *ur_model_output_mask(const ur_model *m, int i);
/* Zeroes all gradients, then back-propagates d(loss)/d(output i) = douts[i]
 * (douts[i].data NULL: no gradient from that output). Parameter gradients
 * land in the gradient arena (ur_weight_info.grad). */
ur_status ur_model_backward(ur_model *m, const ur_tensor *douts, ur_ctx *ctx);
/* d(loss)/d(graph input i) after backward, or NULL for integer inputs or
 * when input gradients are off. */
const ur_tensor *ur_model_input_grad(const ur_model *m, int i);
/* On by default (gradient checks); training turns it off to save the work. */
void ur_model_set_input_grads(ur_model *m, bool on);
/* The trainable parameters as one contiguous span (arena start) and their
 * gradients; non-trainable weights lie after n_trainable. */
float *ur_model_grads(const ur_model *m, size_t *n_trainable);
/* Trainable weight boundaries in the arena, for per-weight clipnorm. */
int ur_model_trainable_segments(const ur_model *m, const size_t **offset, const size_t **len);

/* ---------------------------------------------------- options and layers */

/* Parses l->spec against l->kind->options into l->cfg (allocated here):
 * defaults, types, ranges, unknown keys (with the closest valid name).
 * Keys every layer has ("class", "name", "inputs", "initial_state",
 * "trainable") are skipped. The message names the option, not the layer. */
ur_status ur_options_parse(ur_layer *l, ur_ctx *ctx);
/* Frees what parsing allocated inside cfg (UR_OPT_LAYER values). */
void ur_options_free(const ur_layer_kind *kind, void *cfg);
/* The current value of option o in cfg, as a new ur_value. */
ur_value *ur_option_to_value(const ur_option *o, const void *cfg);

/* A stand-alone layer from its spec (Bidirectional's inner layers): kind
 * lookup and options; not wired into a graph. NULL with ctx on error. */
ur_layer *ur_layer_new_from_spec(const ur_value *spec, const char *name, ur_ctx *ctx);
void ur_layer_free(ur_layer *l);
/* Clears l's weights (before build() declares them again). */
void ur_layer_clear_weights(ur_layer *l);
