/* backend-cpu.c — the CPU backend: host memory and the layer kinds' own
 * forward and backward (OpenBLAS through ur_sgemm). Every layer runs here. */
#include "backend.h"

static void *cpu_alloc(const ur_backend *be, size_t bytes) { return ur_alloc_aligned(bytes); }
static void cpu_free(const ur_backend *be, void *p) { ur_free_aligned(p); }
static void cpu_memset0(const ur_backend *be, void *p, size_t bytes) { memset(p, 0, bytes); }

static bool cpu_supports(const ur_backend *be, const ur_layer *l, char *why, size_t size)
{
    return l->kind && l->kind->forward && l->kind->backward;
}

static const char *cpu_layer_path(const ur_backend *be, const ur_layer *l) { return "cpu"; }

static ur_status cpu_forward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    return l->kind->forward(l, p);
}

static ur_status cpu_backward(const ur_backend *be, ur_layer *l, ur_pass *p)
{
    return l->kind->backward(l, p);
}

static const ur_backend cpu_backend = {
    .name = "cpu",
    .alloc = cpu_alloc,
    .free = cpu_free,
    .memset0 = cpu_memset0,
    .supports_layer = cpu_supports,
    .layer_path = cpu_layer_path,
    .forward = cpu_forward,
    .backward = cpu_backward,
};

const ur_backend *ur_backend_cpu(void) { return &cpu_backend; }
