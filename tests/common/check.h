/* check.h — the CHECK macro the tests share: a failed condition is printed
 * with its file, line and a note, and counted in `failures`; a test runs all
 * its checks and returns 1 at the end when any failed. */
#ifndef UR_TEST_COMMON_CHECK_H
#define UR_TEST_COMMON_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
            failures++;                                                    \
        }                                                                  \
    } while (0)

#endif
