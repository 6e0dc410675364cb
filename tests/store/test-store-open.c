/* test-store-open.c — opening the run store: a new file is created and
 * configured, reopening keeps it, and files that are not ours (a newer
 * schema, another application's database, garbage) are refused untouched. */
#include "store-test.h"

#include <sqlite3.h>

static void exec_on(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open %s", path);
    char *err = NULL;
    CHECK(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
}

/* Opening path must fail with a message containing want and leave its bytes as they were. */
static void expect_refused(const char *path, const char *want)
{
    size_t n0 = 0, n1 = 0;
    char *before = read_bytes(path, &n0);
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    CHECK(s == NULL, "%s was opened", path);
    ur_store_close(s);
    CHECK(strstr(ctx.message, want) != NULL, "message '%s' lacks '%s'", ctx.message, want);
    CHECK(strstr(ctx.message, path) != NULL, "message '%s' does not name the file", ctx.message);
    ur_ctx ctx2 = {0};
    s = ur_store_open_readonly(path, &ctx2);
    CHECK(s == NULL && strstr(ctx2.message, want), "read-only: '%s'", ctx2.message);
    ur_store_close(s);
    char *after = read_bytes(path, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0, "%s was changed", path);
    free(before);
    free(after);
}

int main(void)
{
    char *dir = test_tmpdir();
    if (!dir) {
        printf("cannot make a temporary folder\n");
        return 1;
    }
    char path[4200], other[4200], junk[4200], newer[4200], v1copy[9000];
    snprintf(path, sizeof path, "%s/sub/folder/unroll.db", dir);

    /* A new file in a new folder: created, migrated to the latest version, configured. */
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    CHECK(s != NULL, "open: %s", ctx.message);
    if (!s)
        return 1;
    CHECK(ur_store_schema_version(s) == 1, "version %d", ur_store_schema_version(s));
    CHECK(strcmp(ur_store_path(s), path) == 0, "path %s", ur_store_path(s));
    ur_fit_config fit;
    ur_run_spec spec = test_spec(&fit);
    int64_t run = ur_store_run_begin(s, &spec, &ctx);
    CHECK(run > 0, "run_begin: %s", ctx.message);
    CHECK(ur_store_run_end(s, run, UR_RUN_COMPLETED, NULL, &ctx) == UR_OK, "%s", ctx.message);
    ur_store_close(s);
    CHECK(query_int(path, "PRAGMA application_id") == 0x556e526c, "application_id %llx",
          query_int(path, "PRAGMA application_id"));
    CHECK(query_int(path, "PRAGMA user_version") == 1, "user_version");
    CHECK(query_int(path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1,
          "journal mode is not WAL");
    CHECK(query_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('models', 'datasets', "
                          "'runs', 'metrics', 'metric_epochs', 'checkpoints', 'events', 'runs_view', "
                          "'metrics_run_name_step')") == 9, "tables missing");

    /* Reopen: the run is still there; a v1 database opens unchanged (its bytes). */
    size_t n0, n1;
    char *b0 = read_bytes(path, &n0);
    s = ur_store_open(path, &ctx);
    CHECK(s != NULL, "reopen: %s", ctx.message);
    ur_run_row row;
    CHECK(s && ur_store_run_get(s, run, &row, &ctx) == UR_OK, "run_get: %s", ctx.message);
    CHECK(s && row.status == UR_RUN_COMPLETED, "status %d", row.status);
    if (s)
        ur_run_row_clear(&row);
    ur_store_close(s);
    char *b1 = read_bytes(path, &n1);
    CHECK(b0 && b1 && n0 == n1 && memcmp(b0, b1, n0) == 0, "reopening a v1 database changed it");
    free(b0);
    free(b1);

    /* Read-only connection reads; refuses writes. */
    s = ur_store_open_readonly(path, &ctx);
    CHECK(s != NULL, "readonly: %s", ctx.message);
    if (s) {
        CHECK(ur_store_run_get(s, run, &row, &ctx) == UR_OK, "%s", ctx.message);
        ur_run_row_clear(&row);
        ur_ctx c2 = {0};
        CHECK(ur_store_run_delete(s, run, &c2) != UR_OK && strstr(c2.message, "read-only"),
              "delete on a read-only store: '%s'", c2.message);
        ur_store_close(s);
    }

    /* A database from a newer Unroll. */
    snprintf(newer, sizeof newer, "%s/newer.db", dir);
    snprintf(v1copy, sizeof v1copy, "cp '%s' '%s'", path, newer);
    CHECK(system(v1copy) == 0, "cp");
    exec_on(newer, "PRAGMA user_version = 7");
    expect_refused(newer, "was written by a newer Unroll (schema version 7); this Unroll reads up "
                          "to version 1");

    /* Another application's SQLite file, and one with tables but no application_id. */
    snprintf(other, sizeof other, "%s/other.db", dir);
    exec_on(other, "PRAGMA application_id = 1234; CREATE TABLE notes (x TEXT); "
                   "INSERT INTO notes VALUES ('mine')");
    expect_refused(other, "another application");
    snprintf(other, sizeof other, "%s/plain.db", dir);
    exec_on(other, "CREATE TABLE runs (x TEXT); INSERT INTO runs VALUES ('not unroll')");
    expect_refused(other, "not Unroll's");

    /* Garbage, short and long, and a damaged database (a page overwritten). */
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    FILE *f = fopen(junk, "wb");
    for (int i = 0; i < 10000; i++)
        fputc("garbage!"[i % 8], f);
    fclose(f);
    expect_refused(junk, "not an SQLite database");
    f = fopen(junk, "wb");
    fputs("hello", f);
    fclose(f);
    expect_refused(junk, "not an SQLite database");
    snprintf(junk, sizeof junk, "%s/damaged.db", dir);
    exec_on(junk, "PRAGMA application_id = 1433293420; PRAGMA user_version = 1; "
                  "CREATE TABLE t (x TEXT); CREATE INDEX ti ON t (x); "
                  "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) "
                  "INSERT INTO t SELECT printf('%0100d', i) FROM c");
    f = fopen(junk, "r+b");
    fseek(f, 4096 * 3 + 200, SEEK_SET);
    for (int i = 0; i < 3000; i++)
        fputc(0x5a, f);
    fclose(f);
    expect_refused(junk, "damaged");

    /* An empty file becomes a store (nothing to lose); read-only refuses it. */
    snprintf(junk, sizeof junk, "%s/empty.db", dir);
    fclose(fopen(junk, "wb"));
    ur_ctx c3 = {0};
    s = ur_store_open_readonly(junk, &c3);
    CHECK(!s && strstr(c3.message, "not yet a run store"), "read-only empty: '%s'", c3.message);
    s = ur_store_open(junk, &ctx);
    CHECK(s && ur_store_schema_version(s) == 1, "empty file: %s", ctx.message);
    ur_store_close(s);

    /* The default path follows XDG_DATA_HOME. */
    setenv("XDG_DATA_HOME", "/x/data", 1);
    char *def = ur_store_default_path();
    CHECK(strcmp(def, "/x/data/unroll/unroll.db") == 0, "default %s", def);
    free(def);

    remove_tree(dir);
    free(dir);
    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
