/* bench-store.c — the run store's speed targets: flushing 1,000,000 metric
 * points (one transaction; target under 2 s), reading them back for a chart
 * (under 200 ms) and `runs list` over 10,000 runs (under 100 ms). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
    char dir[] = "/tmp/unroll-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/unroll.db", dir);
    ur_ctx ctx = {0};
    ur_store *s = ur_store_open(path, &ctx);
    if (!s) {
        printf("open: %s\n", ctx.message);
        return 1;
    }
    ur_fit_config fit;
    ur_fit_config_defaults(&fit);
    ur_run_spec spec = {.model_json = "{\"name\": \"bench\", \"layers\": []}", .model_name = "bench",
                        .fit = &fit};
    int64_t run = ur_store_run_begin(s, &spec, &ctx);
    const int64_t N = 1000000;
    for (int64_t i = 0; i < N; i++)
        ur_store_metric(s, run, "loss", i, (int)(i / 10000), 1.0 / (i + 1), i * 1e-3);
    double t0 = now();
    ur_status st = ur_store_flush(s, &ctx);
    double t_flush = now() - t0;
    ur_metric_point *p = NULL;
    int64_t n = 0;
    t0 = now();
    st |= ur_store_metrics(s, run, "loss", &p, &n, &ctx);
    double t_read = now() - t0;
    free(p);
    for (int i = 0; i < 10000 && !st; i++) {
        int64_t r = ur_store_run_begin(s, &spec, &ctx);
        ur_store_metric(s, r, "loss", 0, 0, i, 0);
        ur_store_metric(s, r, "val_accuracy", 0, 0, i * 1e-4, 0);
        st |= ur_store_run_end(s, r, UR_RUN_COMPLETED, NULL, &ctx);
    }
    ur_run_row *rows = NULL;
    int nr = 0;
    t0 = now();
    st |= ur_store_runs_list(s, "best_val_accuracy >= 0", "-best_val_accuracy", 0, &rows, &nr, &ctx);
    double t_list = now() - t0;
    ur_run_rows_free(rows, nr);
    if (st)
        printf("failed: %s\n", ctx.message);
    printf("flush %lld points: %.3f s (target < 2 s)\n", (long long)N, t_flush);
    printf("read %lld points: %.3f s (target < 0.2 s)\n", (long long)n, t_read);
    printf("runs list over %d runs: %.3f s (target < 0.1 s)\n", nr, t_list);
    ur_store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return st || n != N || nr != 10000 ? 1 : 0;
}
