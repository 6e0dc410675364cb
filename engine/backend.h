/* backend.h — where a model's layers run. A backend is a table of function
 * pointers behind an opaque implementation (ggml's backend pattern): memory
 * for the activation and gradient arenas, and each layer's forward and
 * backward. The CPU backend (backend-cpu.c) runs the layer kinds' own
 * functions on host memory. A later CUDA backend (cuda/, loaded at run time)
 * fills the same table; supports_layer() lets a model refuse to start when a
 * layer cannot run there rather than fall back silently in the middle. */
#ifndef UR_BACKEND_H
#define UR_BACKEND_H

#include "ur-internal.h"

typedef struct ur_backend ur_backend;
struct ur_backend {
    const char *name;       /* "cpu", "cuda:0" */
    void *impl;             /* the backend's own state */
    /* Zeroed, 64-byte aligned device memory; NULL when out of memory. */
    void *(*alloc)(const ur_backend *be, size_t bytes);
    void (*free)(const ur_backend *be, void *p);
    void (*memset0)(const ur_backend *be, void *p, size_t bytes);
    /* True when the layer can run here; otherwise why (one line) in why. */
    bool (*supports_layer)(const ur_backend *be, const ur_layer *l, char *why, size_t size);
    /* How the layer runs here, for the run's record ("cpu", "cudnn", ...). */
    const char *(*layer_path)(const ur_backend *be, const ur_layer *l);
    ur_status (*forward)(const ur_backend *be, ur_layer *l, ur_pass *p);
    ur_status (*backward)(const ur_backend *be, ur_layer *l, ur_pass *p);
};

/* The CPU backend: host memory, OpenBLAS. Always available. */
const ur_backend *ur_backend_cpu(void);

/* Runs m on be after checking that every layer is supported there (the
 * message names the first that is not). Drops the current plan. */
ur_status ur_model_set_backend(ur_model *m, const ur_backend *be, ur_ctx *ctx);
const ur_backend *ur_model_backend(const ur_model *m);

#endif
