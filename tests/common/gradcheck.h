/* gradcheck.h — test helpers shared by the layer tests: models from JSON
 * text, weights by name, closeness checks, and the gradient check that
 * compares backward's gradients with central differences of a fixed loss. */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include "ur-internal.h"

/* Padding written into every input's time axis (axis 1 of rank >= 2
 * inputs): id 0 for int32 inputs, pad_value in every feature for float
 * ones, so Embedding(mask_zero) or Masking in the model produce a mask. */
typedef enum gc_pad {
    GC_PAD_NONE,
    GC_PAD_RIGHT, /* sample b keeps T - (b mod T) leading steps */
    GC_PAD_HOLES, /* step t of sample b is padding when (b + t) mod 3 == 1 */
} gc_pad;

typedef struct gc_options {
    uint64_t seed;        /* weights, inputs, R and the dropout generator */
    int64_t batch;        /* samples when the batch axis is free */
    int64_t free_size;    /* size of the other free input axes (timesteps) */
    bool training;        /* forward in training mode */
    double eps;           /* central-difference step */
    double atol, rtol;    /* pass: |a - n| <= atol + rtol * max(|a|, |n|) */
    int64_t max_entries;  /* per tensor, check at most this many random entries; 0: all */
    float weight_scale;   /* trainable weights ~ U(-s, s); 0 keeps the initializers' values */
    float input_scale;    /* float inputs ~ U(-s, s) */
    int32_t id_low, id_high; /* int32 inputs ~ U[id_low, id_high) */
    gc_pad pad;
    float pad_value;      /* padded float entries (Masking's mask_value) */
    bool check_inputs;    /* also check the gradients of float inputs */
    bool verbose;         /* print every tensor's worst entry (GRADCHECK_VERBOSE set) */
} gc_options;

/* seed 1, batch 3, free_size 4, training, eps 1e-2, atol 1e-3, rtol 1e-2,
 * all entries, weights U(-0.5, 0.5), inputs U(-1, 1), ids [1, 8), no
 * padding, inputs checked. */
void gc_options_default(gc_options *o);

/* The result of a check: the worst entry, by err / (atol + rtol * scale). */
typedef struct gc_result {
    int64_t checked;      /* entries compared */
    int64_t failed;       /* entries outside the tolerance */
    double worst_ratio;   /* err / allowed of the worst entry (< 1 passes) */
    char worst[256];      /* "dense/kernel[3] analytic 0.1 numeric 0.2" */
} gc_result;

/* printf into one of four rotating static buffers, then every ' becomes ",
 * so tests can write {'class': 'Dense', 'units': %d} without escapes. */
const char *gc_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses json (data/json.h), builds the graph and the model, initialises the
 * weights with seed. Prints the error and returns NULL on failure. */
ur_model *gc_model_from_json(const char *json, uint64_t seed);
/* The graph only, for shape and error tests: NULL and the message in ctx
 * when the document is structurally wrong. Per-layer errors stay on the
 * layers (ur_graph_check). */
ur_graph *gc_graph_from_json(const char *json, ur_ctx *ctx);
/* 0 when the document's graph fails ur_graph_check with a message that
 * contains every one of the NULL-terminated substrings; prints otherwise. */
int gc_expect_graph_error(const char *json, ...) __attribute__((sentinel));

/* 0 when output k of the named layer has the shape written as want
 * ("(None, 10, 16)") and the layer has no error; prints otherwise. */
int gc_expect_shape(const ur_graph *g, const char *layer, int k, const char *want);

/* Sets weight "<layer>/<weight>" from n values; 1 (printed) when the name
 * or the size is wrong. */
int gc_set_weight(ur_model *m, const char *name, const float *v, int64_t n);
/* The weight's data (and numel), or NULL (printed) when absent. */
float *gc_weight(ur_model *m, const char *name, int64_t *numel);

/* 0 when |got - want| <= tol * max(1, |want|) everywhere; prints the first
 * few mismatches under `what` otherwise. */
int gc_expect_close(const char *what, const float *got, const float *want, int64_t n, double tol);

/* A tensor view of data (not copied) with dims dim[0..rank). */
ur_tensor gc_view(ur_dtype dtype, const void *data, int rank, const int64_t *dim);
/* ur_model_forward with a generator seeded with seed; 1 (printed) on failure. */
int gc_forward(ur_model *m, const ur_tensor *inputs, bool training, uint64_t seed);
/* 0 when that forward fails with a message containing every one of the
 * NULL-terminated substrings; prints otherwise. (training is an int: the
 * last parameter before "..." must not be promoted.) */
int gc_expect_forward_error(ur_model *m, const ur_tensor *inputs, int training, ...)
    __attribute__((sentinel));

/* Runs the gradient check on m (which keeps its weights except where
 * weight_scale re-draws the trainable ones). Returns 0 on success, 1 on a
 * failure (printed with `what`). res may be NULL. */
int gc_check_model(ur_model *m, const char *what, const gc_options *o, gc_result *res);
/* gc_model_from_json + gc_check_model + free. */
int gc_check(const char *what, const char *json, const gc_options *o);

#endif
