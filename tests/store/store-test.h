/* store-test.h — helpers the run store tests share: a temporary folder,
 * a small run spec, reading a file's bytes. */
#ifndef UR_TEST_STORE_H
#define UR_TEST_STORE_H

#include "store.h"
#include "check.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

/* The first column of the first row of sql on the file at path (-999 when
 * there is none): reads the database behind the store's back. */
static inline long long query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long long v = -999;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static const char test_model_json[] =
    "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"adding\", \"layers\": ["
    "{\"name\": \"sequence\", \"class\": \"Input\", \"shape\": [null, 2]},"
    "{\"name\": \"lstm\", \"class\": \"LSTM\", \"units\": 32},"
    "{\"name\": \"sum\", \"class\": \"Dense\", \"units\": 1}], \"outputs\": [\"sum\"]}";

static inline ur_run_spec test_spec(ur_fit_config *fit)
{
    ur_fit_config_defaults(fit);
    ur_optimizer_defaults("adam", &fit->optimizer, NULL);
    fit->optimizer.learning_rate = 0.01;
    fit->epochs = 3;
    fit->batch_size = 16;
    fit->seed = 18446744073709551557ull;   /* above INT64_MAX: stored by its bits */
    fit->validation_split = 0.25;
    return (ur_run_spec){
        .model_json = test_model_json, .model_name = "adding", .dataset_name = "adding",
        .dataset_kind = "synthetic", .dataset_source = "adding:n=100,seed=1",
        .dataset_hash = 0xfedcba9876543210ull, .n_train = 75, .n_val = 25, .fit = fit,
        .device = "cpu", .label = "first",
    };
}

static inline char *test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *t = malloc(4096);
    snprintf(t, 4096, "%s/unroll-store-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(t);
}

static inline char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(n + 1);
    *len = fread(b, 1, n, f);
    fclose(f);
    return b;
}

static inline void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
