/* check.h — what the dataset tests share: CHECK prints a failed condition
 * with its file, line and a note and counts it in `failures` (a test runs
 * every check and returns 1 at the end); check_error checks a call that must
 * fail. */
#ifndef UR_TEST_CHECK_H
#define UR_TEST_CHECK_H

#include "datasets.h"

#include <stdio.h>
#include <string.h>

#include "../common/check.h"

/* what returned ds and left ctx: it must have failed with status and a
 * message holding want1 and, when not NULL, want2. Frees ds. */
static inline void check_error(const char *what, ur_dataset *ds, const ur_ctx *ctx,
                               ur_status status, const char *want1, const char *want2)
{
    CHECK(ds == NULL, "%s was accepted", what);
    ur_dataset_free(ds);
    CHECK(ctx->status == status, "%s: status %s, expected %s (%s)", what,
          ur_status_name(ctx->status), ur_status_name(status), ctx->message);
    CHECK(strstr(ctx->message, want1) != NULL, "%s: message '%s' lacks '%s'", what,
          ctx->message, want1);
    CHECK(!want2 || strstr(ctx->message, want2) != NULL, "%s: message '%s' lacks '%s'", what,
          ctx->message, want2);
    printf("  %s -> %s\n", what, ctx->message);
}

#endif
