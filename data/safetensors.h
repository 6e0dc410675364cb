/* safetensors.h — the native weight file: an 8-byte little-endian header
 * length, a JSON header {"name": {"dtype": "F32", "shape": [...],
 * "data_offsets": [begin, end]}, "__metadata__": {...}}, then the raw
 * little-endian data. Reads F32 (and F64/F16/BF16 converted to float32);
 * writes F32. Validates everything (header length, JSON, offsets in range
 * and non-overlapping, dtype, shape product vs byte size) with messages that
 * name the file and the tensor. Fuzzed (tests/fuzz/).
 */
#ifndef UR_SAFETENSORS_H
#define UR_SAFETENSORS_H

#include "ur.h"

typedef struct ur_safetensors {
    int n;
    ur_array **arrays;   /* float32, ->name = tensor name, in file order */
    ur_value *metadata;  /* the "__metadata__" object, or NULL */
} ur_safetensors;

ur_safetensors *ur_safetensors_read(const char *path, ur_ctx *ctx);
ur_safetensors *ur_safetensors_read_mem(const void *buf, size_t len, const char *name,
                                        ur_ctx *ctx);
void ur_safetensors_free(ur_safetensors *st);
ur_array *ur_safetensors_get(const ur_safetensors *st, const char *name);

/* Writes n float32 tensors; metadata (string values only) may be NULL.
 * Written to path.tmp then renamed, so a crash never leaves half a file. */
/* The same file's bytes in memory (malloc'd, *len set), or NULL with ctx;
 * path (may be NULL) only names it in messages. */
void *ur_safetensors_write_mem(int n, const char *const *names, const ur_tensor *const *tensors,
                               const ur_value *metadata, const char *path, size_t *len,
                               ur_ctx *ctx);
ur_status ur_safetensors_write(const char *path, int n, const char *const *names,
                               const ur_tensor *const *tensors, const ur_value *metadata,
                               ur_ctx *ctx);

#endif
