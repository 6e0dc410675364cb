/* rnn.h — what the recurrent kinds (simple-rnn.c, lstm.c, gru.c) share with
 * the generic driver in rnn.c: the common options, the cell interface, and
 * the cache layout. The driver owns everything that is the same for every
 * cell (Keras's generic RNN loop): dropout masks, go_backwards, masks,
 * initial/stateful state, return_sequences/return_state, the batched input
 * projection and the batched weight-gradient GEMMs. A cell owns one step
 * forward and one step backward.
 *
 * Letters: B batch, T timesteps, I input features, U units, G gates
 * (LSTM 4, GRU 3, SimpleRNN 1). Processing order s = 0..T-1 reads input
 * step t(s) = go_backwards ? T-1-s : s; outputs are stored in processing
 * order, as Keras does.
 */
#ifndef UR_RNN_H
#define UR_RNN_H

#include "ur-internal.h"

typedef struct ur_rnn_cfg {
    int64_t units;
    ur_activation activation;
    ur_activation recurrent_activation;
    bool use_bias;
    ur_init kernel_initializer;
    ur_init recurrent_initializer;
    ur_init bias_initializer;
    bool unit_forget_bias;      /* LSTM */
    bool reset_after;           /* GRU */
    double dropout;
    double recurrent_dropout;
    bool return_sequences;
    bool return_state;
    bool go_backwards;
    bool stateful;
    bool zero_output_for_mask;
    int64_t implementation;     /* 1: per-gate dropout masks; forced by recurrent_dropout */
    int64_t seed;               /* accepted; the run's generator draws the masks */
} ur_rnn_cfg;

/* Option table entries every recurrent kind has. */
#define UR_RNN_COMMON_OPTIONS                                                                    \
    {"units", UR_OPT_INT, offsetof(ur_rnn_cfg, units), NULL, 1, 1 << 20, .required = true,     \
     .help = "Dimensionality of the output space (and of the state)"},                         \
    {"activation", UR_OPT_ACTIVATION, offsetof(ur_rnn_cfg, activation), "\"tanh\"",            \
     .help = "Activation of the candidate and the output"},                                    \
    {"use_bias", UR_OPT_BOOL, offsetof(ur_rnn_cfg, use_bias), "true",                          \
     .help = "Whether the layer uses a bias vector"},                                          \
    {"kernel_initializer", UR_OPT_INITIALIZER, offsetof(ur_rnn_cfg, kernel_initializer),       \
     "\"glorot_uniform\"", .help = "Initializer of the input kernel"},                         \
    {"recurrent_initializer", UR_OPT_INITIALIZER, offsetof(ur_rnn_cfg, recurrent_initializer), \
     "\"orthogonal\"", .help = "Initializer of the recurrent kernel"},                         \
    {"bias_initializer", UR_OPT_INITIALIZER, offsetof(ur_rnn_cfg, bias_initializer),           \
     "\"zeros\"", .help = "Initializer of the bias"},                                          \
    {"dropout", UR_OPT_FLOAT, offsetof(ur_rnn_cfg, dropout), "0", 0, 1,                        \
     .help = "Fraction of the inputs to drop (one mask per sequence)"},                        \
    {"recurrent_dropout", UR_OPT_FLOAT, offsetof(ur_rnn_cfg, recurrent_dropout), "0", 0, 1,    \
     .help = "Fraction of the recurrent state to drop (one mask per sequence)"},               \
    {"return_sequences", UR_OPT_BOOL, offsetof(ur_rnn_cfg, return_sequences), "false",         \
     .help = "Return the output of every timestep, not only the last"},                        \
    {"return_state", UR_OPT_BOOL, offsetof(ur_rnn_cfg, return_state), "false",                 \
     .help = "Also return the final states as extra outputs"},                                 \
    {"go_backwards", UR_OPT_BOOL, offsetof(ur_rnn_cfg, go_backwards), "false",                 \
     .help = "Process the sequence from the last timestep to the first"},                      \
    {"stateful", UR_OPT_BOOL, offsetof(ur_rnn_cfg, stateful), "false",                         \
     .help = "Carry the final state of each batch into the next"},                             \
    {"zero_output_for_mask", UR_OPT_BOOL, offsetof(ur_rnn_cfg, zero_output_for_mask),          \
     "false", .help = "Output zeros, not the previous output, on masked timesteps"},           \
    {"implementation", UR_OPT_INT, offsetof(ur_rnn_cfg, implementation), "2", 1, 2,            \
     .help = "1: separate dropout masks per gate (forced by recurrent_dropout)"},              \
    {"seed", UR_OPT_INT_OR_NULL, offsetof(ur_rnn_cfg, seed), "null", .help = "Dropout seed"},  \
    {"unroll", UR_OPT_IGNORED, 0, NULL, .help = "Accepted; changes nothing"},                  \
    {"use_cudnn", UR_OPT_IGNORED, 0, NULL, .help = "Accepted; the backend decides"}

/* Per-step views handed to a cell. Pointers are (B, ·) row-major blocks. */
typedef struct ur_rnn_step {
    int64_t B, U;
    float *a;           /* (B, GU) in: the input projection of this step (input bias
                           included); out: the gate values after their activations */
    float *extra;       /* (B, U)  cache: cell-specific (see each cell) */
    const float *h_prev;/* (B, U) */
    float *h_new;       /* (B, U) cell output (= new h), before masking */
    const float *c_prev;/* LSTM only */
    float *c_new;
    const float *rm;    /* recurrent dropout masks (n_rm, B, U) or NULL */
    int n_rm;
    float *zr;          /* scratch (B, GU) */
    float *tmp;         /* scratch (B, U) */
    /* backward only */
    float *dh;          /* (B, U) d/dh_new (masked rows zero) — may be modified */
    float *dc;          /* (B, U) d/dc_new (LSTM) — may be modified */
    float *dzx;         /* (B, GU) out: d/d(input projection) */
    float *dzr;         /* (B, GU) out: d/d(recurrent projection output) */
    float *dh_prev;     /* (B, U) out (overwrite) */
    float *dc_prev;     /* (B, U) out (overwrite), LSTM */
} ur_rnn_step;

typedef struct ur_rnn_cell {
    int gates;          /* G */
    int n_states;       /* 1, or 2 for LSTM ([h, c]) */
    bool has_extra;
    /* Declares kernel, recurrent_kernel, bias (shapes per cell). */
    void (*build)(ur_layer *l, int64_t I);
    void (*step_forward)(const ur_layer *l, ur_rnn_step *s);
    void (*step_backward)(const ur_layer *l, ur_rnn_step *s);
    /* The recurrent-GEMM input of gate g for weight gradients, given the
     * (T, B, U) stack of h_prev (masks applied) and of the cell's extras;
     * NULL means "h_prev stack" (the usual case). */
    const float *(*rec_input)(const ur_layer *l, int g, const float *hprev, const float *extra);
} ur_rnn_cell;

/* Helpers for cells: zr[:, g0·U .. g1·U) = Σ (h ∘ rm_g) · U_g (one GEMM
 * when there are no masks); ldc = G·U. tmp is (B, U). */
void ur_rnn_rec_forward(const float *h, const float *rm, int n_rm, const float *Uw, int64_t B,
                        int64_t U, int G, int g0, int g1, float beta, float *zr, float *tmp);
/* dh += Σ_g (dzr_g · U_gᵀ) ∘ rm_g over gates [g0, g1). */
void ur_rnn_rec_backward(const float *dzr, const float *rm, int n_rm, const float *Uw, int64_t B,
                         int64_t U, int G, int g0, int g1, float *dh, float *tmp);

/* The shared kind functions; each recurrent kind's table points here and
 * differs only in its options and its cell (looked up by rnn_cell_of()). */
ur_status ur_rnn_validate(ur_layer *l, ur_ctx *ctx);
ur_status ur_rnn_infer(ur_layer *l, const ur_shape *in, const bool *in_mask, int n_in,
                       ur_shape *out, ur_ctx *ctx);
void ur_rnn_build(ur_layer *l, const ur_shape *in, int n_in);
size_t ur_rnn_cache_size(const ur_layer *l, const ur_shape *in, int n_in);
ur_status ur_rnn_forward(ur_layer *l, ur_pass *p);
ur_status ur_rnn_backward(ur_layer *l, ur_pass *p);
size_t ur_rnn_state_size(const ur_layer *l, int64_t batch);

/* The ur_layer_kind fields every recurrent kind shares. */
#define UR_RNN_KIND_COMMON                                                                       \
    .group = "Recurrent", .cfg_size = sizeof(ur_rnn_cfg), .min_inputs = 1, .max_inputs = 1,  \
    .accepts_states = true, .validate = ur_rnn_validate, .infer = ur_rnn_infer,               \
    .build = ur_rnn_build, .cache_size = ur_rnn_cache_size, .forward = ur_rnn_forward,        \
    .backward = ur_rnn_backward, .state_size = ur_rnn_state_size

const ur_rnn_cell *ur_rnn_cell_of(const ur_layer *l);
extern const ur_rnn_cell ur_lstm_cell, ur_gru_cell, ur_simple_rnn_cell;

#endif
