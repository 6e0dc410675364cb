/* json.h — JSON text <-> ur_value. Strict RFC 8259 parsing with line and
 * column in every error; writing with stable key order (insertion order). */
#ifndef UR_JSON_H
#define UR_JSON_H

#include "ur.h"

/* Parses text (len bytes, need not be NUL-terminated). On error returns NULL
 * and sets ctx to UR_ERR_FORMAT with "<source>:<line>:<column>: <what>",
 * e.g. "model.json:3:17: expected ',' or '}' after an object member".
 * source names the text in messages (a file name), may be NULL ("<input>").
 * Every value gets its line and column. Nesting deeper than 256 is refused. */
ur_value *ur_json_parse(const char *text, size_t len, const char *source, ur_ctx *ctx);
/* Reads and parses a file; I/O errors are UR_ERR_IO naming the file. */
ur_value *ur_json_parse_file(const char *path, ur_ctx *ctx);
/* Serialises v. indent < 0: compact on one line; otherwise pretty-printed
 * with that many spaces, short arrays of scalars kept on one line
 * ("shape": [28, 28]). Numbers that are integers print without a fraction;
 * others with the shortest form that reads back the same (%.17g fallback).
 * Non-finite numbers are written as null. Returns a malloc'd string. */
char *ur_json_write(const ur_value *v, int indent);

/* File helpers the data/ formats share. ur_file_read_all returns the whole
 * file, malloc'd, with a NUL after its *len bytes; errors are UR_ERR_IO
 * "<path>: <strerror>". ur_file_write_atomic writes <path>.tmp, syncs it and
 * renames it over path, so a crash never leaves half a file. */
char *ur_file_read_all(const char *path, size_t *len, ur_ctx *ctx);
ur_status ur_file_write_atomic(const char *path, const void *data, size_t len, ur_ctx *ctx);

#endif
