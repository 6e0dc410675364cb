/* format-test.h — what the tests/formats programs share: failure-counting
 * checks, fixture paths (argv[1] is the fixture folder), a scratch folder,
 * whole-file reads and the "fails with a message saying X" assertion. */
#ifndef FORMAT_TEST_H
#define FORMAT_TEST_H

#include "ur.h"

#include <stdbool.h>
#include <stddef.h>

extern int ft_failures;

void ft_check(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define FT_CHECK(cond, ...) ft_check((cond), __FILE__, __LINE__, __VA_ARGS__)

/* Sets the fixture folder from argv (argv[1]); false if it is missing. */
bool ft_init(int argc, char **argv);
/* "<fixtures>/<name>" in a static buffer (valid until the next call). */
const char *ft_fixture(const char *name);
/* A fresh scratch folder (removed with its files by ft_finish). */
const char *ft_scratch(const char *name);
/* Whole file, malloc'd; aborts the test (exit 1) if it cannot be read. */
unsigned char *ft_read(const char *path, size_t *len);
bool ft_exists(const char *path);

/* Checks that a reader failed (got is NULL or false) with `status` and a
 * message containing every word of the NULL-terminated list. */
void ft_expect_fail(bool got, const ur_ctx *ctx, ur_status status, const char *what,
                    const char *file, int line, ...);
#define FT_FAILS(got, ctx, status, what, ...) \
    ft_expect_fail((got) ? true : false, (ctx), (status), (what), __FILE__, __LINE__, \
                   __VA_ARGS__, (char *)NULL)

/* A reader under test: reads len bytes and frees what it read; true if it
 * read them, false (with ctx set) if it refused them. */
typedef bool (*ft_reader)(const void *buf, size_t len, const char *name, ur_ctx *ctx);
/* Runs read on a copy of exactly len bytes, so that ASan sees any read past
 * the end; ctx is cleared first. */
bool ft_try_read(ft_reader read, const void *buf, size_t len, const char *name, ur_ctx *ctx);
/* One row of a table of inputs: status UR_OK means "must read"; otherwise
 * it must be refused with that status, "<name>: " and word1, word2 (either
 * may be NULL) in the message. */
void ft_check_read(ft_reader read, const void *buf, size_t len, const char *name,
                   ur_status status, const char *word1, const char *word2, const char *what,
                   const char *file, int line);
#define FT_CHECK_READ(read, buf, len, name, status, w1, w2, what) \
    ft_check_read((read), (buf), (len), (name), (status), (w1), (w2), (what), __FILE__, __LINE__)
/* Every proper prefix of the fixture is refused with a message that starts
 * with its name and contains word (if not NULL). skip: a cut length that is
 * a valid input, or SIZE_MAX. */
void ft_check_cuts(ft_reader read, const char *fixture, const char *word, size_t skip);

/* Exact comparison of float arrays (NaN equals NaN; -0 differs from +0). */
bool ft_same_floats(const float *a, const float *b, size_t n);

/* Prints the summary, removes the scratch folder; the exit code. */
int ft_finish(const char *test);

#endif
