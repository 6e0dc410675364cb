/* model-file.h — the model JSON file (format "unroll.model", version 1):
 * reading it into an engine graph with errors that say where, and writing a
 * graph back. See DESIGN.md section 7. */
#ifndef UR_MODEL_FILE_H
#define UR_MODEL_FILE_H

#include "ur.h"

/* Reads and checks the envelope ("format", "version": a newer version is
 * refused with a message saying so) and builds the graph. JSON syntax errors
 * carry file:line:column. Per-layer errors stay on the layers (see
 * ur_graph_check) and are prefixed with the file and the layer's line. */
ur_graph *ur_model_file_read(const char *path, ur_ctx *ctx);
ur_graph *ur_model_file_parse(const char *text, size_t len, const char *source, ur_ctx *ctx);
/* ur_graph_check() with "<file>:<line>:<col>: " before the message. */
ur_status ur_model_file_check(const ur_graph *g, const char *source, ur_ctx *ctx);
/* Writes the graph's document, pretty-printed, atomically (tmp + rename). */
ur_status ur_model_file_write(const char *path, const ur_graph *g, ur_ctx *ctx);

#endif
