/* test-store-concurrent.c — two writer processes (fork) record into one
 * database while a reader polls: no "database is locked", every point
 * present exactly once, and the reader never sees half a batch. */
#include "store-test.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BATCHES = 60, PER_BATCH = 500 };

/* One writer: its own connection, a run, BATCHES flushes of PER_BATCH points. */
static int writer(const char *path)
{
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    if (!s) {
        printf("writer %d: open: %s\n", (int)getpid(), ctx.message);
        return 1;
    }
    ur_fit_config fit;
    ur_run_spec spec = test_spec(&fit);
    int64_t run = ur_store_run_begin(s, &spec, &ctx);
    int rc = run > 0 ? 0 : 1;
    for (int b = 0; !rc && b < BATCHES; b++) {
        for (int k = 0; k < PER_BATCH; k++)
            ur_store_metric(s, run, "loss", (int64_t)b * PER_BATCH + k, b, k, b);
        if (ur_store_flush(s, &ctx) != UR_OK)
            rc = 1;
        if (b % 10 == 9) {
            unsigned char w[4096] = {0};
            ur_checkpoint cp = {UR_CHECKPOINT_EPOCH, b, b, w, sizeof w, NULL, 0, NULL, 0};
            if (ur_store_checkpoint(s, run, &cp, 2, &ctx) != UR_OK)
                rc = 1;
        }
    }
    if (!rc && ur_store_run_end(s, run, UR_RUN_COMPLETED, NULL, &ctx) != UR_OK)
        rc = 1;
    if (rc)
        printf("writer %d: %s\n", (int)getpid(), ctx.message);
    ur_store_close(s);
    return rc;
}

int main(void)
{
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/unroll.db", dir);
    ur_ctx ctx = {0};
    ur_store *r = ur_store_open(path, &ctx);   /* creates the schema first */
    if (!r) {
        printf("open: %s\n", ctx.message);
        return 1;
    }
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(writer(path));
    }
    /* Poll: every run's points come in whole batches. */
    int polls = 0, running = 2;
    while (running > 0) {
        for (int64_t run = 1; run <= 2; run++) {
            ur_metric_point *p = NULL;
            int64_t n = 0;
            if (ur_store_metrics(r, run, "loss", &p, &n, &ctx) != UR_OK) {
                CHECK(0, "reader: %s", ctx.message);
                running = 0;
            }
            CHECK(n % PER_BATCH == 0, "reader saw %lld points of run %lld: half a batch", (long long)n,
                  (long long)run);
            free(p);
        }
        ur_run_row *rows = NULL;
        int nr = 0;
        if (ur_store_runs_list(r, "final_loss >= 0", "-epochs_done", 0, &rows, &nr, &ctx) != UR_OK) {
            CHECK(0, "reader list: %s", ctx.message);
            running = 0;
        }
        ur_run_rows_free(rows, nr);
        polls++;
        for (int i = 0; i < 2; i++) {
            int status;
            if (kids[i] > 0 && waitpid(kids[i], &status, WNOHANG) == kids[i]) {
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", i);
                kids[i] = 0;
                running--;
            }
        }
    }
    for (int64_t run = 1; run <= 2; run++) {
        ur_metric_point *p = NULL;
        int64_t n = 0;
        CHECK(ur_store_metrics(r, run, "loss", &p, &n, &ctx) == UR_OK, "%s", ctx.message);
        CHECK(n == BATCHES * PER_BATCH, "run %lld: %lld points", (long long)run, (long long)n);
        int64_t bad = 0;
        for (int64_t i = 0; i < n; i++)
            bad += p[i].step != i || p[i].value != (double)(i % PER_BATCH);
        CHECK(bad == 0, "run %lld: %lld points lost, duplicated or wrong", (long long)run,
              (long long)bad);
        free(p);
        ur_run_row row;
        CHECK(ur_store_run_get(r, run, &row, &ctx) == UR_OK && row.status == UR_RUN_COMPLETED &&
              row.epochs_done == BATCHES, "run %lld: status or epochs", (long long)run);
        ur_run_row_clear(&row);
    }
    printf("%d polls while writing\n", polls);
    ur_store_close(r);
    remove_tree(dir);
    free(dir);
    return failures ? 1 : 0;
}
