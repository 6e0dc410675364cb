/* test-csv-series.c — CSV time series (data/csv-series.c): windows and
 * targets as Keras's timeseries_dataset_from_array cuts them (window,
 * horizon, stride), the default and chosen columns, the validation part,
 * standardization by the training rows, the separators, quoting, CRLF and
 * a byte-order mark; and each bad input's message with its file, line and
 * column. */
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];

static char *write_file(const char *name, const char *text)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    return path;
}

static ur_dataset *open_spec(const char *path, const char *options, ur_ctx *ctx)
{
    char spec[512];
    snprintf(spec, sizeof spec, "%s%s%s", path, options ? "?" : "", options ? options : "");
    ur_ctx_clear(ctx);
    return ur_dataset_open(spec, 0, ctx);
}

static bool dims(const ur_array *a, int rank, int64_t d0, int64_t d1, int64_t d2)
{
    const int64_t want[3] = {d0, d1, d2};
    if (a->t.rank != rank || a->t.dtype != UR_F32)
        return false;
    for (int i = 0; i < rank; i++)
        if (a->t.dim[i] != want[i])
            return false;
    return true;
}

/* 12 rows: t (0..11), a = 10 t, b = 100 + t, and a date column */
static char *series_file(void)
{
    char text[2048] = "date,t,a,b\n";
    for (int r = 0; r < 12; r++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "2024-01-%02d,%d,%d,%d\n",
                 r + 1, r, 10 * r, 100 + r);
    return write_file("series.csv", text);
}

static void test_windows(void)
{
    ur_ctx ctx = {0};
    char *path = series_file();
    /* defaults but the window: every numeric column a feature, the last (b)
     * the target, the next row's */
    ur_dataset *ds = open_spec(path, "window=4", &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (ds) {
        const ur_array *x = ds->train.x[0], *y = ds->train.y[0];
        /* 12 rows, window 4 + horizon 1: 8 samples */
        CHECK(dims(x, 3, 8, 4, 3) && dims(y, 2, 8, 1, 0), "shapes (%lld, %lld, %lld) (%lld, %lld)",
              (long long)x->t.dim[0], (long long)x->t.dim[1], (long long)x->t.dim[2],
              (long long)y->t.dim[0], (long long)y->t.dim[1]);
        const float *xs = ur_tensor_f32(&x->t), *ys = ur_tensor_f32(&y->t);
        bool ok = true;
        for (int i = 0; i < 8; i++) {
            for (int s = 0; s < 4; s++) {
                int r = i + s;
                ok &= xs[(i * 4 + s) * 3 + 0] == r && xs[(i * 4 + s) * 3 + 1] == 10 * r &&
                      xs[(i * 4 + s) * 3 + 2] == 100 + r;
            }
            ok &= ys[i] == 100 + i + 4;
        }
        CHECK(ok, "window values: x[0] = %g %g %g, y[0] = %g", xs[0], xs[1], xs[2], ys[0]);
        CHECK(ds->val.n_x == 0, "validation data without val");
        CHECK(strstr(ds->description, "12 rows") && strstr(ds->description, "t, a, b predict b"),
              "description: %s", ds->description);
        ur_dataset_free(ds);
    }
    /* chosen columns, horizon 3 and stride 2: x[i] rows 2i..2i+2, y row 2i + 5 */
    ds = open_spec(path, "window=3&horizon=3&stride=2&features=a&target=t,a", &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (ds) {
        const ur_array *x = ds->train.x[0], *y = ds->train.y[0];
        /* (12 - 6) / 2 + 1 = 4 samples */
        CHECK(dims(x, 3, 4, 3, 1) && dims(y, 2, 4, 2, 0), "strided shapes");
        const float *xs = ur_tensor_f32(&x->t), *ys = ur_tensor_f32(&y->t);
        bool ok = true;
        for (int i = 0; i < 4; i++) {
            for (int s = 0; s < 3; s++)
                ok &= xs[i * 3 + s] == 10 * (2 * i + s);
            ok &= ys[2 * i] == 2 * i + 5 && ys[2 * i + 1] == 10 * (2 * i + 5);
        }
        CHECK(ok, "strided values: x[1] = %g %g %g, y[1] = %g %g", xs[3], xs[4], xs[5], ys[2],
              ys[3]);
        ur_dataset_free(ds);
    }
    /* val: the last quarter of the rows (3) windowed apart: rows 0..8 give
     * 9 - 3 = 6 training windows of 2 + horizon 1, rows 9..11 one */
    ds = open_spec(path, "window=2&val=0.25", &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (ds) {
        CHECK(ds->val.n_x == 1 && dims(ds->train.x[0], 3, 7, 2, 3) &&
                  dims(ds->val.x[0], 3, 1, 2, 3) &&
                  ur_tensor_f32(&ds->val.y[0]->t)[0] == 111 &&
                  ur_tensor_f32(&ds->val.x[0]->t)[0] == 9,
              "validation part: %lld training, %lld validation samples",
              (long long)ds->train.x[0]->t.dim[0],
              ds->val.n_x ? (long long)ds->val.x[0]->t.dim[0] : -1LL);
        ur_dataset_free(ds);
    }
    /* standardize: the training rows' columns to mean 0 and deviation 1 */
    ds = open_spec(path, "window=1&horizon=1&val=0.5&standardize=true&features=t&target=t", &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (ds) {
        /* rows 0..5: mean 2.5, deviation sqrt(35/12) */
        double sd = sqrt(35.0 / 12.0);
        const float *xs = ur_tensor_f32(&ds->train.x[0]->t);
        const float *vy = ur_tensor_f32(&ds->val.y[0]->t);
        CHECK(fabs(xs[0] - (0 - 2.5) / sd) < 1e-6 && fabs(vy[0] - (7 - 2.5) / sd) < 1e-6,
              "standardized: x[0] = %g, val y[0] = %g", xs[0], vy[0]);
        CHECK(strstr(ds->description, "standardized"), "description: %s", ds->description);
        ur_dataset_free(ds);
    }
    free(path);
}

static void test_columns(void)
{
    ur_ctx ctx = {0};
    char *path = series_file();
    char **names = NULL;
    bool *numbers = NULL;
    int n = 0;
    char spec[300];
    snprintf(spec, sizeof spec, "%s?window=99", path);
    CHECK(ur_csv_columns(spec, &names, &numbers, &n, &ctx) == UR_OK, "%s", ctx.message);
    CHECK(n == 4 && names && strcmp(names[0], "date") == 0 && strcmp(names[3], "b") == 0 &&
              !names[4] && !numbers[0] && numbers[1] && numbers[2] && numbers[3],
          "columns: %d", n);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(numbers);
    free(path);
    path = write_file("hole2.csv", "a,b\n1,2\n3,\n");
    CHECK(ur_csv_columns(path, &names, &numbers, &n, &ctx) == UR_OK && n == 2 && numbers[1],
          "a column of numbers with a hole counts as numbers");
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(numbers);
    free(path);
}

/* The spec's options parsed and written back: the defaults left out but
 * the window, what is given kept. */
static void test_spec(void)
{
    ur_ctx ctx = {0};
    CHECK(ur_spec_is_csv("a/b.CSV?window=3") && ur_spec_is_csv("x.csv") &&
              !ur_spec_is_csv("x.csv.npz") && !ur_spec_is_csv("mnist") && !ur_spec_is_csv(NULL),
          "which specs are CSV series");
    char *path = NULL;
    ur_csv_options o;
    CHECK(ur_csv_spec_parse("d/w.csv", &path, &o, &ctx) == UR_OK && strcmp(path, "d/w.csv") == 0 &&
              o.window == 24 && o.horizon == 1 && o.stride == 1 && o.val == 0 && !o.standardize &&
              !o.target && !o.features,
          "the defaults: %s", ctx.message);
    char *spec = ur_csv_spec_format(path, &o);
    CHECK(strcmp(spec, "d/w.csv?window=24") == 0, "defaults written: %s", spec);
    free(spec);
    free(path);
    const char *full = "w.csv?window=5&horizon=2&stride=3&target=t&features=a,b&val=0.25"
                       "&standardize=true";
    CHECK(ur_csv_spec_parse(full, &path, &o, &ctx) == UR_OK, "%s", ctx.message);
    spec = ur_csv_spec_format(path, &o);
    CHECK(strcmp(spec, full) == 0, "written back: %s", spec);
    free(spec);
    free(path);
    ur_csv_options_clear(&o);
    CHECK(ur_csv_spec_parse("w.csv?stride=0", &path, &o, &ctx) == UR_ERR_INVALID &&
              strstr(ctx.message, "w.csv: option 'stride' is '0'") && !o.target,
          "a bad option: %s", ctx.message);
    free(path);
}

static void test_formats(void)
{
    ur_ctx ctx = {0};
    /* semicolons, a quoted header, CRLF, a byte-order mark, blank lines */
    char *path = write_file("semi.csv", "\xEF\xBB\xBF\"x\";\"y\"\r\n1;2\r\n\r\n3;4\r\n5;6\r\n");
    ur_dataset *ds = open_spec(path, "window=1", &ctx);
    CHECK(ds && dims(ds->train.x[0], 3, 2, 1, 2) &&
              ur_tensor_f32(&ds->train.y[0]->t)[1] == 6,
          "semicolons: %s", ds ? "wrong windows" : ctx.message);
    ur_dataset_free(ds);
    free(path);
    /* quoted fields: a separator and a doubled quote inside quotes */
    path = write_file("quoted.csv", "\"day, hour\",\"the \"\"value\"\"\"\n"
                                    "\"Jan 1, 00\",1.5\n\"Jan 1, 01\",2.5\n\"Jan 1, 02\",3.5\n");
    ur_ctx qctx = {0};
    ur_dataset *qds = open_spec(path, "window=1&target=the \"value\"", &qctx);
    CHECK(qds && dims(qds->train.x[0], 3, 2, 1, 1) &&
              ur_tensor_f32(&qds->train.y[0]->t)[1] == 3.5f,
          "quoted fields: %s", qds ? "wrong windows" : qctx.message);
    ur_dataset_free(qds);
    free(path);
    path = write_file("open-quote.csv", "a,b\n1,\"2\n");
    check_error("an unclosed quote", open_spec(path, "window=1", &qctx), &qctx, UR_ERR_FORMAT,
                "open-quote.csv:2:3: a quote that is not closed", NULL);
    free(path);
    path = write_file("tabs.csv", "x\ty\n1\t2\n3\t4\n");
    ds = open_spec(path, "window=1&target=x", &ctx);
    CHECK(ds && ur_tensor_f32(&ds->train.y[0]->t)[0] == 3, "tabs: %s",
          ds ? "wrong target" : ctx.message);
    ur_dataset_free(ds);
    free(path);
}

/* Bad inputs: each a file (NULL: series.csv; "" a missing one), options, the
 * status and what the message must hold. */
static const struct {
    const char *what, *file, *text, *options;
    ur_status status;
    const char *want1, *want2;
} bad_inputs[] = {
    {"an unknown column", NULL, NULL, "target=tmp", UR_ERR_INVALID,
     "no column 'tmp' (did you mean 't'?) (for the target)", "the columns are date, t, a, b"},
    {"a column of dates", NULL, NULL, "features=date,t", UR_ERR_FORMAT,
     "series.csv:2:1: column 'date' (features)", "'2024-01-01', which is not a number"},
    {"an unknown option", NULL, NULL, "windw=3", UR_ERR_INVALID,
     "unknown option 'windw' (did you mean 'window'?)", NULL},
    {"a window of 0", NULL, NULL, "window=0", UR_ERR_INVALID, "option 'window' is '0'", NULL},
    {"a bad fraction", NULL, NULL, "val=1", UR_ERR_INVALID, "option 'val' is '1'", NULL},
    {"too few rows", NULL, NULL, "window=12", UR_ERR_INVALID,
     "the file has 12 rows, too few for one window of 12 steps", NULL},
    {"too few validation rows", NULL, NULL, "window=4&val=0.2", UR_ERR_INVALID,
     "the validation part (val) has 3 rows", NULL},
    {"a stray field", "stray.csv", "a,b\n1,2\n3,4,5\n", "window=1", UR_ERR_FORMAT,
     "stray.csv:3: 3 fields, but the header names 2 columns (a, b)", NULL},
    {"an empty field", "hole.csv", "a,b\n1,2\n3,\n5,6\n", "window=1", UR_ERR_FORMAT,
     "hole.csv:3:2: column 'b' (target)", "holds '', which is not a number"},
    {"an empty field in a feature", "hole.csv", "a,b\n1,2\n3,\n5,6\n", "window=1&target=a",
     UR_ERR_FORMAT, "hole.csv:3:2: column 'b' (features)", NULL},
    {"a number beyond float32", "huge.csv", "a,b\n1,2\n3,1e39\n", "window=1", UR_ERR_FORMAT,
     "huge.csv:3:2: column 'b' (target) holds 1e39, beyond float32's range", NULL},
    {"an outlier standardized beyond float32", "outlier.csv", "a\n1\n1.5\n2\n3e38\n",
     "window=1&val=0.25&standardize=true", UR_ERR_INVALID,
     "column 'a' of data row 4 (3e+38) is beyond float32's range", NULL},
    {"a name twice", "twice.csv", "a,b,a\n1,2,3\n", NULL, UR_ERR_FORMAT,
     "twice.csv:1:3: the column name 'a' is given twice", NULL},
    {"an empty file", "empty.csv", "\n\n", NULL, UR_ERR_FORMAT, "empty.csv: the file is empty",
     NULL},
    {"no numbers", "words.csv", "name,city\nann,oslo\n", NULL, UR_ERR_FORMAT,
     "every column holds text", NULL},
    {"a missing file", "missing.csv", NULL, NULL, UR_ERR_IO, "missing.csv", NULL},
};

static void test_errors(void)
{
    ur_ctx ctx = {0};
    char *series = series_file();
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        char *path = NULL;
        if (!bad_inputs[i].file) {
            path = strdup(series);
        } else if (bad_inputs[i].text) {
            path = write_file(bad_inputs[i].file, bad_inputs[i].text);
        } else {
            path = malloc(256);
            snprintf(path, 256, "%s/%s", dir, bad_inputs[i].file);
        }
        check_error(bad_inputs[i].what, open_spec(path, bad_inputs[i].options, &ctx), &ctx,
                    bad_inputs[i].status, bad_inputs[i].want1, bad_inputs[i].want2);
        free(path);
    }
    free(series);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/unroll-csv-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL: mkdtemp\n");
        return 1;
    }
    test_windows();
    test_formats();
    test_spec();
    test_columns();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("csv series: all checks passed\n");
    return 0;
}
