/* fuzz-json.c — libFuzzer target for the model-file reader's first step,
 * ur_json_parse on arbitrary bytes. Every input either fails with a
 * "source:line:col: " message or gives a tree whose compact and pretty
 * forms parse back to an equal tree. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ur_ctx ctx = {0};
    ur_value *v = ur_json_parse((const char *)data, size, "fuzz", &ctx);
    if (!v) {
        if (ctx.status == UR_OK || strncmp(ctx.message, "fuzz:", 5) != 0) {
            fprintf(stderr, "failure without a positioned message: %s\n", ctx.message);
            abort();
        }
        return 0;
    }
    for (int indent = -1; indent <= 2; indent += 3) {
        char *text = ur_json_write(v, indent);
        ur_ctx back_ctx = {0};
        ur_value *back = text ? ur_json_parse(text, strlen(text), "back", &back_ctx) : NULL;
        if (!back || !ur_value_equal(v, back)) {
            fprintf(stderr, "round trip failed (indent %d): %s\n%s\n", indent, back_ctx.message,
                    text ? text : "(no text)");
            abort();
        }
        ur_value_free(back);
        free(text);
    }
    ur_value_free(v);
    return 0;
}
