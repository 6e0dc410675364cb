/* test-store-runs.c — a run's life in the store: begin, metric points
 * (visible only after a flush), checkpoints and their retention, events,
 * end, the queries (run_get, runs_list with --where/--sort, metrics),
 * a dead owner found interrupted, delete. */
#include "store-test.h"

#include <math.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

static int64_t metric_count(ur_store *r, int64_t run, const char *name)
{
    ur_ctx ctx = {0};
    ur_metric_point *p = NULL;
    int64_t n = -1;
    if (ur_store_metrics(r, run, name, &p, &n, &ctx) != UR_OK)
        printf("metrics: %s\n", ctx.message);
    free(p);
    return n;
}

static double row_metric(const ur_run_row *row, const char *name, bool best)
{
    for (int i = 0; i < row->n_metrics; i++)
        if (strcmp(row->metric_names[i], name) == 0)
            return best ? row->best_values[i] : row->final_values[i];
    return -1;
}

static void list_ids(ur_store *s, const char *where, const char *sort, int64_t *ids, int *n,
                     ur_ctx *ctx)
{
    ur_run_row *rows = NULL;
    *n = -1;
    if (ur_store_runs_list(s, where, sort, 0, &rows, n, ctx) != UR_OK)
        return;
    for (int i = 0; i < *n && i < 8; i++)
        ids[i] = rows[i].id;
    ur_run_rows_free(rows, *n);
}

int main(void)
{
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/unroll.db", dir);
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    ur_store *reader = s ? ur_store_open(path, &ctx) : NULL;
    if (!s || !reader) {
        printf("open: %s\n", ctx.message);
        return 1;
    }
    ur_fit_config fit;
    ur_run_spec spec = test_spec(&fit);
    int64_t a = ur_store_run_begin(s, &spec, &ctx);
    CHECK(a > 0, "run_begin: %s", ctx.message);

    /* Points are buffered: a second connection sees none until the flush. */
    int64_t step = 0;
    for (int e = 0; e < 3; e++) {
        for (int k = 0; k < 10; k++, step++)
            ur_store_metric(s, a, "loss", step, e, 2.0 - 0.1 * step, 100.0 + step);
        ur_store_metric(s, a, "loss", step - 1, e, 1.5 - 0.5 * e, 100.0 + step);   /* the epoch's */
        ur_store_metric(s, a, "val_loss", step - 1, e, e == 1 ? 0.5 : 0.8 - 0.01 * e, 100.0 + step);
        ur_store_metric(s, a, "val_accuracy", step - 1, e, e == 1 ? 0.9 : 0.7 + 0.01 * e, 100.0 + step);
        if (e == 0) {
            CHECK(metric_count(reader, a, "loss") == 0, "points visible before the flush");
            CHECK(ur_store_flush(s, &ctx) == UR_OK, "flush: %s", ctx.message);
            CHECK(metric_count(reader, a, "loss") == 11, "after flush: %lld",
                  (long long)metric_count(reader, a, "loss"));
        }
    }
    ur_store_metric(s, a, "nan_metric", 5, 0, NAN, 1.0);

    /* Checkpoints: LAST and BEST replaced, EPOCH kept to the newest 2. The
     * pending points go in with them. */
    unsigned char w[64], st[16];
    for (int e = 1; e <= 4; e++) {
        memset(w, e, sizeof w);
        memset(st, 10 + e, sizeof st);
        ur_checkpoint cp = {UR_CHECKPOINT_LAST, e, e * 10, w, sizeof w, st, sizeof st, "val_loss",
                            1.0 / e};
        CHECK(ur_store_checkpoint(s, a, &cp, 2, &ctx) == UR_OK, "checkpoint: %s", ctx.message);
        cp.kind = UR_CHECKPOINT_EPOCH;
        CHECK(ur_store_checkpoint(s, a, &cp, 2, &ctx) == UR_OK, "checkpoint: %s", ctx.message);
        if (e == 2) {
            cp.kind = UR_CHECKPOINT_BEST;
            CHECK(ur_store_checkpoint(s, a, &cp, 2, &ctx) == UR_OK, "checkpoint: %s", ctx.message);
        }
    }
    CHECK(metric_count(reader, a, "loss") == 33, "checkpoint did not write the pending points: %lld",
          (long long)metric_count(reader, a, "loss"));
    CHECK(query_int(path, "SELECT count(*) FROM checkpoints") == 4, "checkpoints %lld",
          query_int(path, "SELECT count(*) FROM checkpoints"));
    ur_checkpoint got;
    void *gw = NULL, *gs = NULL;
    CHECK(ur_store_checkpoint_get(reader, a, UR_CHECKPOINT_LAST, 0, &got, &gw, &gs, &ctx) == UR_OK,
          "%s", ctx.message);
    CHECK(got.epoch == 4 && got.step == 40 && got.weights_len == 64 && ((unsigned char *)gw)[63] == 4
          && got.state_len == 16 && ((unsigned char *)gs)[0] == 14 && got.monitor &&
          strcmp(got.monitor, "val_loss") == 0 && fabs(got.monitor_value - 0.25) < 1e-15,
          "last checkpoint: epoch %d step %lld", got.epoch, (long long)got.step);
    free(gw);
    free(gs);
    CHECK(ur_store_checkpoint_get(reader, a, UR_CHECKPOINT_BEST, 0, &got, &gw, &gs, &ctx) == UR_OK &&
          got.epoch == 2 && ((unsigned char *)gw)[0] == 2, "best checkpoint: %s", ctx.message);
    free(gw);
    free(gs);
    CHECK(ur_store_checkpoint_get(reader, a, UR_CHECKPOINT_EPOCH, 3, &got, &gw, &gs, &ctx) == UR_OK &&
          got.epoch == 3 && ((unsigned char *)gw)[0] == 3, "epoch 3: %s", ctx.message);
    free(gw);
    free(gs);
    ur_ctx c2 = {0};
    CHECK(ur_store_checkpoint_get(reader, a, UR_CHECKPOINT_EPOCH, 2, &got, &gw, &gs, &c2) != UR_OK &&
          strstr(c2.message, "no checkpoint of epoch 2"), "epoch 2 was kept: %s", c2.message);

    /* Events and the end of the run. */
    CHECK(ur_store_event(s, a, "lr", 12, "{\"learning_rate\": 0.005}", &ctx) == UR_OK, "%s",
          ctx.message);
    c2 = (ur_ctx){0};
    CHECK(ur_store_event(s, a, "lr", 12, "{not json", &c2) != UR_OK && strstr(c2.message, "JSON"),
          "bad detail: %s", c2.message);
    c2 = (ur_ctx){0};
    CHECK(ur_store_event(s, 999, "lr", 12, NULL, &c2) != UR_OK && strstr(c2.message, "no run 999"),
          "no run: %s", c2.message);
    CHECK(ur_store_run_end(s, a, UR_RUN_COMPLETED, NULL, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(ur_store_run_set_label(s, a, "best one", "notes here", &ctx) == UR_OK, "%s", ctx.message);

    /* run_get: everything as recorded, final and best of the epoch-level points. */
    ur_run_row row;
    CHECK(ur_store_run_get(reader, a, &row, &ctx) == UR_OK, "run_get: %s", ctx.message);
    CHECK(row.id == a && row.status == UR_RUN_COMPLETED && strcmp(row.label, "best one") == 0 &&
          strcmp(row.notes, "notes here") == 0 && strcmp(row.model_name, "adding") == 0 &&
          strcmp(row.model_json, test_model_json) == 0 && strcmp(row.dataset_kind, "synthetic") == 0 &&
          row.dataset_hash == 0xfedcba9876543210ull && strcmp(row.device, "cpu") == 0 && !row.error,
          "row fields");
    CHECK(row.ended >= row.started && row.started > 1e9, "times %f %f", row.started, row.ended);
    CHECK(row.fit.seed == 18446744073709551557ull && row.fit.epochs == 3 && row.fit.batch_size == 16 &&
          row.fit.optimizer.kind == UR_OPT_ADAM && row.fit.optimizer.learning_rate == 0.01 &&
          row.fit.optimizer.beta_2 == fit.optimizer.beta_2 && row.fit.validation_split == 0.25 &&
          row.fit.loss.kind == fit.loss.kind, "fit config round trip");
    CHECK(row.hparams_json && strstr(row.hparams_json, "\"seed\":\"18446744073709551557\"") &&
          strstr(row.hparams_json, "\"optimizer\":\"adam\""), "hparams %s", row.hparams_json);
    CHECK(row.epochs_done == 3, "epochs_done %d", row.epochs_done);
    CHECK(fabs(row_metric(&row, "loss", false) - 0.5) < 1e-12, "final loss %g",
          row_metric(&row, "loss", false));
    CHECK(fabs(row_metric(&row, "val_loss", true) - 0.5) < 1e-12, "best val_loss %g",
          row_metric(&row, "val_loss", true));
    CHECK(fabs(row_metric(&row, "val_accuracy", true) - 0.9) < 1e-12, "best val_accuracy %g",
          row_metric(&row, "val_accuracy", true));
    CHECK(fabs(row_metric(&row, "val_accuracy", false) - 0.72) < 1e-12, "final val_accuracy %g",
          row_metric(&row, "val_accuracy", false));
    ur_run_row_clear(&row);

    /* Metrics in step order; NaN comes back as NaN; the names. */
    ur_metric_point *pts = NULL;
    int64_t np = 0;
    CHECK(ur_store_metrics(reader, a, "val_loss", &pts, &np, &ctx) == UR_OK && np == 3 &&
          pts[0].step == 9 && pts[1].epoch == 1 && pts[1].value == 0.5 && pts[2].wall_time == 130.0,
          "val_loss points");
    free(pts);
    CHECK(ur_store_metrics(reader, a, "nan_metric", &pts, &np, &ctx) == UR_OK && np == 1 &&
          isnan(pts[0].value), "NaN point");
    free(pts);
    CHECK(ur_store_metrics(reader, a, NULL, &pts, &np, &ctx) == UR_OK && np == 33 + 3 + 3 + 1,
          "all points %lld", (long long)np);
    free(pts);
    char **names = NULL;
    int nn = 0;
    CHECK(ur_store_metric_names(reader, a, &names, &nn, &ctx) == UR_OK && nn == 4 &&
          strcmp(names[0], "loss") == 0 && strcmp(names[3], "val_loss") == 0, "names %d", nn);
    for (int i = 0; i < nn; i++)
        free(names[i]);
    free(names);

    /* More runs for the list: b (units 64 via Bidirectional, sgd), c (running, this process). */
    static const char model_b[] =
        "{\"format\": \"unroll.model\", \"version\": 1, \"name\": \"bi\", \"layers\": ["
        "{\"name\": \"x\", \"class\": \"Input\", \"shape\": [null, 3]},"
        "{\"name\": \"d0\", \"class\": \"Dense\", \"units\": 5},"
        "{\"name\": \"bi\", \"class\": \"Bidirectional\", \"layer\": {\"class\": \"GRU\", \"units\": 64}},"
        "{\"name\": \"y\", \"class\": \"Dense\", \"units\": 1}], \"outputs\": [\"y\"]}";
    ur_fit_config fit_b = fit;
    ur_optimizer_defaults("sgd", &fit_b.optimizer, NULL);
    ur_run_spec spec_b = spec;
    spec_b.model_json = model_b;
    spec_b.model_name = "bi";
    spec_b.fit = &fit_b;
    spec_b.label = NULL;
    spec_b.parent_run = a;
    int64_t b = ur_store_run_begin(s, &spec_b, &ctx);
    CHECK(b > a, "run b: %s", ctx.message);
    ur_store_metric(s, b, "loss", 0, 0, 0.3, 1.0);
    ur_store_metric(s, b, "val_accuracy", 0, 0, 0.95, 1.0);
    CHECK(ur_store_run_end(s, b, UR_RUN_FAILED, "loss turned NaN", &ctx) == UR_OK, "%s", ctx.message);
    int64_t c = ur_store_run_begin(s, &spec, &ctx);
    CHECK(c > b, "run c: %s", ctx.message);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(query_int(path, "SELECT count(*) FROM models") == 2, "models not deduplicated");
    CHECK(query_int(path, "SELECT count(*) FROM datasets") == 1, "datasets not deduplicated");
    CHECK(query_int(path, "SELECT units FROM runs_view WHERE id = 2") == 64, "units of b");
    CHECK(query_int(path, "SELECT params FROM runs_view WHERE id = 1") == 4 * (2 * 32 + 32 * 32 + 32) + 33,
          "params of a: %lld", query_int(path, "SELECT params FROM runs_view WHERE id = 1"));

    int64_t ids[8];
    int n = 0;
    list_ids(reader, NULL, NULL, ids, &n, &ctx);
    CHECK(n == 3 && ids[0] == c && ids[2] == a, "default order: n %d (%s)", n, ctx.message);
    list_ids(reader, "units >= 64 and best_val_accuracy > 0.9", NULL, ids, &n, &ctx);
    CHECK(n == 1 && ids[0] == b, "where units: n %d (%s)", n, ctx.message);
    list_ids(reader, "status = 'completed' AND final_val_accuracy BETWEEN 0.71 AND 0.73", "-id", ids,
             &n, &ctx);
    CHECK(n == 1 && ids[0] == a, "where final: n %d (%s)", n, ctx.message);
    list_ids(reader, "optimizer <> 'sgd'", "id", ids, &n, &ctx);
    CHECK(n == 2 && ids[0] == a && ids[1] == c, "sort id: n %d (%s)", n, ctx.message);
    list_ids(reader, NULL, "-best_val_accuracy", ids, &n, &ctx);
    CHECK(n == 3 && ids[0] == b && ids[1] == a, "sort -best_val_accuracy: n %d (%s)", n, ctx.message);
    list_ids(reader, "id IN (SELECT run FROM metrics WHERE name = 'nan_metric')", NULL, ids, &n, &ctx);
    CHECK(n == 1 && ids[0] == a, "a reading subquery: n %d (%s)", n, ctx.message);

    static const struct { const char *where, *sort, *want; } bad[] = {
        {"1; DROP TABLE runs", NULL, "no ';'"},
        {"1) ; DROP TABLE runs; --", NULL, "no ';'"},
        {"id IN (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3) "
         "SELECT i FROM c)", NULL, "refused a recursive query"},
        {"(SELECT count(*) FROM pragma_table_info('runs')) > 0", NULL, "refused"},
        {"units >>= 3", NULL, "syntax error"},
        {"unitz > 3", NULL, "did you mean 'units'"},
        {NULL, "-best_val_acuracy", "did you mean 'best_val_accuracy'"},
        {NULL, "id; DROP TABLE runs", "no column"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ur_ctx e = {0};
        ur_run_row *rows = NULL;
        int nr = 0;
        CHECK(ur_store_runs_list(reader, bad[i].where, bad[i].sort, 0, &rows, &nr, &e) != UR_OK &&
              strstr(e.message, bad[i].want) && strstr(e.message, path),
              "where '%s' sort '%s': '%s'", bad[i].where, bad[i].sort, e.message);
        ur_run_rows_free(rows, nr);
    }
    CHECK(query_int(path, "SELECT count(*) FROM runs") == 3, "runs table was changed");

    /* A claim: only interrupted, paused or failed runs. */
    c2 = (ur_ctx){0};
    CHECK(ur_store_run_claim(s, a, 0, &c2) != UR_OK && strstr(c2.message, "is completed"), "%s",
          c2.message);
    CHECK(ur_store_run_claim(s, b, 0, &ctx) == UR_OK, "claim b: %s", ctx.message);
    CHECK(query_int(path, "SELECT count(*) FROM events WHERE run = 2 AND kind = 'resume'") == 1,
          "resume event");
    CHECK(query_int(path, "SELECT count(*) FROM runs WHERE id = 2 AND status = 'running' AND "
                          "ended IS NULL AND error IS NULL") == 1, "claimed b");
    CHECK(ur_store_run_end(s, b, UR_RUN_PAUSED, NULL, &ctx) == UR_OK, "%s", ctx.message);

    /* A dead owner: a running run whose pid is a reaped child's. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE runs SET owner_pid = %d WHERE id = %lld", (int)child, (long long)c);
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_busy_timeout(db, 5000);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    /* and one whose pid is alive (this process) but was started at another time */
    CHECK(sqlite3_exec(db, "UPDATE runs SET status = 'running', owner_start = owner_start + 1 "
                           "WHERE id = 2", NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    /* and another host's run with a fresh heartbeat (kept) */
    int64_t d = ur_store_run_begin(s, &spec, &ctx);
    snprintf(sql, sizeof sql, "UPDATE runs SET host = 'elsewhere', owner_pid = 1 WHERE id = %lld",
             (long long)d);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    ur_store *s2 = ur_store_open(path, &ctx);
    CHECK(s2 != NULL, "reopen: %s", ctx.message);
    ur_store_close(s2);
    CHECK(query_int(path, "SELECT count(*) FROM runs WHERE status = 'interrupted' AND id IN (2, 3)") == 2,
          "dead owners not interrupted");
    CHECK(query_int(path, "SELECT count(*) FROM events WHERE kind = 'interrupted'") == 2,
          "interrupted events");
    snprintf(sql, sizeof sql, "SELECT status = 'running' FROM runs WHERE id = %lld", (long long)d);
    CHECK(query_int(path, sql) == 1, "another host's live run was interrupted");

    /* Chunks: one row per name and flush, sorted by step within it; delete_after drops
     * the chunks after a step, cuts the one that straddles it, and repairs the
     * epoch-level points; overlapping chunks are merged when read. */
    int64_t e = ur_store_run_begin(s, &spec, &ctx);
    CHECK(e > d, "run e: %s", ctx.message);
    for (int k = 0; k < 10; k++)
        ur_store_metric(s, e, "loss", k, 0, k, 200.0 + k);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "%s", ctx.message);
    for (int k = 15; k < 20; k++)   /* written out of step order */
        ur_store_metric(s, e, "loss", k, 1, k, 200.0 + k);
    for (int k = 10; k < 15; k++)
        ur_store_metric(s, e, "loss", k, 1, k, 200.0 + k);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "%s", ctx.message);
    for (int k = 20; k < 25; k++)
        ur_store_metric(s, e, "loss", k, 2, k, 200.0 + k);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "%s", ctx.message);
    snprintf(sql, sizeof sql, "SELECT count(*) * 1000000 + sum(n) * 1000 + max(last_step) FROM metrics "
             "WHERE run = %lld AND name = 'loss'", (long long)e);
    CHECK(query_int(path, sql) == 3 * 1000000 + 25 * 1000 + 24, "chunks before the cut: %lld",
          query_int(path, sql));
    CHECK(ur_store_metrics(reader, e, "loss", &pts, &np, &ctx) == UR_OK && np == 25, "e points %lld",
          (long long)np);
    for (int64_t k = 0; k < np; k++)
        CHECK(pts[k].step == k && pts[k].value == k && pts[k].epoch == (int)(k / 10) &&
              pts[k].wall_time == 200.0 + k, "e point %lld: step %lld", (long long)k,
              (long long)pts[k].step);
    free(pts);
    CHECK(ur_store_metrics_delete_after(s, e, 12, &ctx) == UR_OK, "delete_after: %s", ctx.message);
    snprintf(sql, sizeof sql, "SELECT count(*) * 1000000 + sum(n) * 1000 + max(last_step) FROM metrics "
             "WHERE run = %lld AND name = 'loss'", (long long)e);
    CHECK(query_int(path, sql) == 2 * 1000000 + 13 * 1000 + 12, "chunks after the cut: %lld",
          query_int(path, sql));
    snprintf(sql, sizeof sql, "SELECT max(last_wall) FROM metrics WHERE run = %lld", (long long)e);
    CHECK(query_int(path, sql) == 212, "last_wall after the cut: %lld", query_int(path, sql));
    snprintf(sql, sizeof sql, "SELECT group_concat(epoch || ':' || step || ':' || value, ' ') FROM "
             "(SELECT * FROM metric_epochs WHERE run = %lld ORDER BY epoch)", (long long)e);
    {
        sqlite3 *db2 = NULL;
        sqlite3_stmt *q2 = NULL;
        const char *got_epochs = NULL;
        if (sqlite3_open(path, &db2) == SQLITE_OK &&
            sqlite3_prepare_v2(db2, sql, -1, &q2, NULL) == SQLITE_OK && sqlite3_step(q2) == SQLITE_ROW)
            got_epochs = (const char *)sqlite3_column_text(q2, 0);
        CHECK(got_epochs && strcmp(got_epochs, "0:9:9.0 1:12:12.0") == 0, "metric_epochs after the "
              "cut: %s", got_epochs ? got_epochs : "(none)");
        sqlite3_finalize(q2);
        sqlite3_close(db2);
    }
    for (int k = 5; k < 8; k++)   /* a chunk overlapping the first */
        ur_store_metric(s, e, "loss", k, 0, 100 + k, 300.0);
    CHECK(ur_store_flush(s, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(ur_store_metrics(reader, e, NULL, &pts, &np, &ctx) == UR_OK && np == 16, "merged %lld",
          (long long)np);
    for (int64_t k = 1; k < np; k++)
        CHECK(pts[k - 1].step <= pts[k].step, "merged points out of order at %lld", (long long)k);
    CHECK(np == 16 && pts[5].step == 5 && pts[5].value == 5 && pts[6].step == 5 && pts[6].value == 105 &&
          pts[15].step == 12, "merged: stable order");
    free(pts);

    /* Delete: cascades to points, checkpoints and events; children keep going. */
    CHECK(ur_store_run_delete(s, a, &ctx) == UR_OK, "delete: %s", ctx.message);
    CHECK(query_int(path, "SELECT count(*) FROM metrics WHERE run = 1") == 0 &&
          query_int(path, "SELECT count(*) FROM metric_epochs WHERE run = 1") == 0 &&
          query_int(path, "SELECT count(*) FROM checkpoints") == 0 &&
          query_int(path, "SELECT count(*) FROM events WHERE run = 1") == 0, "delete cascade");
    CHECK(query_int(path, "SELECT count(*) FROM runs WHERE id = 2 AND parent_run IS NULL") == 1,
          "child's parent not cleared");
    c2 = (ur_ctx){0};
    CHECK(ur_store_run_get(reader, a, &row, &c2) != UR_OK && strstr(c2.message, "no run 1"), "%s",
          c2.message);
    CHECK(query_int(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
          == 1, "integrity");

    ur_store_close(reader);
    ur_store_close(s);
    remove_tree(dir);
    free(dir);
    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
