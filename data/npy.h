/* npy.h — NumPy .npy and .npz files (read and write).
 *
 * Reads: format versions 1.0, 2.0, 3.0; little-endian float32, float64
 * (converted to float32), int32, int64, uint8, int8, int16, uint16, bool
 * (integers converted to int32 when they fit, else an error), C order
 * (fortran_order True is transposed on read), rank 0..UR_MAX_RANK.
 * .npz: a zip archive of .npy members, stored or deflated (zlib), with
 * zip64 records when present. Every failure is a clear message naming the
 * file, the member and what is wrong ("x.npz: member 'y.npy': truncated:
 * header says 8000 values of float32, file has 3120 bytes of data"), never a
 * crash: the readers are fuzzed (tests/fuzz/).
 */
#ifndef UR_NPY_H
#define UR_NPY_H

#include "ur.h"

/* Which element types a reader converts to. */
typedef enum ur_npy_want {
    UR_NPY_ANY,      /* float kinds -> float32, integer/bool kinds -> int32 */
    UR_NPY_FLOAT32,  /* everything -> float32 */
} ur_npy_want;

/* From memory: buf of len bytes; name is used in messages. */
ur_array *ur_npy_read_mem(const void *buf, size_t len, ur_npy_want want, const char *name,
                          ur_ctx *ctx);
ur_array *ur_npy_read(const char *path, ur_npy_want want, ur_ctx *ctx);
/* Writes version 1.0 '<f4' or '<i4'. */
ur_status ur_npy_write(const char *path, const ur_tensor *t, ur_ctx *ctx);
/* The same bytes in memory (malloc'd; *len set). */
void *ur_npy_write_mem(const ur_tensor *t, size_t *len);

/* An .npz archive: its arrays by member name without ".npy". */
typedef struct ur_npz {
    int n;
    ur_array **arrays; /* each with ->name set */
} ur_npz;

ur_npz *ur_npz_read(const char *path, ur_npy_want want, ur_ctx *ctx);
ur_npz *ur_npz_read_mem(const void *buf, size_t len, ur_npy_want want, const char *name,
                        ur_ctx *ctx);
void ur_npz_free(ur_npz *z);
/* Borrowed; NULL if absent. */
ur_array *ur_npz_get(const ur_npz *z, const char *name);
/* Writes arrays (names from names[i]) as a stored (uncompressed) zip that
 * numpy.load reads. */
ur_status ur_npz_write(const char *path, int n, const ur_tensor *const *arrays,
                       const char *const *names, ur_ctx *ctx);

#endif
