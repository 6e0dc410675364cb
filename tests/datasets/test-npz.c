/* test-npz.c — .npz datasets: one input with validation arrays, several
 * inputs and outputs matched by name, and one fixture per mistake (made by
 * tools/make-dataset-fixtures.py) with the message each must give.
 * Usage: test-npz <tests/fixtures/datasets> */
#include "check.h"
#include "datasets.h"

#include <stdio.h>
#include <string.h>

static const char *dir;

static const char *fixture(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static bool dims_are(const ur_array *a, ur_dtype dtype, int rank, int64_t d0, int64_t d1,
                     int64_t d2)
{
    const int64_t want[3] = {d0, d1, d2};
    if (a->t.dtype != dtype || a->t.rank != rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (a->t.dim[i] != want[i])
            return false;
    return true;
}

static void test_single(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_npz(fixture("single.npz"), &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (!ds)
        return;
    CHECK(strcmp(ds->name, fixture("single.npz")) == 0, "name %s", ds->name);
    CHECK(strstr(ds->description, "6 training and 2 validation samples") &&
              strstr(ds->description, "x (6, 4, 3) float32") &&
              strstr(ds->description, "y (6,) int32"), "description: %s", ds->description);
    CHECK(ds->train.n_x == 1 && ds->train.n_y == 1 && ds->val.n_x == 1 && ds->val.n_y == 1,
          "counts %d %d %d %d", ds->train.n_x, ds->train.n_y, ds->val.n_x, ds->val.n_y);
    CHECK(ds->x_names && ds->x_names[0] == NULL, "plain x has no input name");
    const ur_array *x = ds->train.x[0], *y = ds->train.y[0];
    const ur_array *xv = ds->val.x[0], *yv = ds->val.y[0];
    CHECK(dims_are(x, UR_F32, 3, 6, 4, 3), "x");
    CHECK(dims_are(y, UR_I32, 1, 6, 0, 0), "y: int64 stays an integer (int32)");
    CHECK(dims_are(xv, UR_F32, 3, 2, 4, 3), "x_val: float64 becomes float32");
    CHECK(dims_are(yv, UR_I32, 1, 2, 0, 0), "y_val");
    CHECK(strcmp(x->name, "x") == 0 && strcmp(yv->name, "y_val") == 0, "array names");
    /* x = arange(72) / 10, y = arange(6) % 3, x_val = 100 + arange(24), y_val = [1, 2] */
    int bad = 0;
    for (int i = 0; i < 72; i++)
        bad += ur_tensor_f32(&x->t)[i] != (float)i / 10.0f;
    for (int i = 0; i < 24; i++)
        bad += ur_tensor_f32(&xv->t)[i] != 100.0f + (float)i;
    for (int i = 0; i < 6; i++)
        bad += ur_tensor_i32(&y->t)[i] != i % 3;
    bad += ur_tensor_i32(&yv->t)[0] != 1 || ur_tensor_i32(&yv->t)[1] != 2;
    CHECK(bad == 0, "%d values differ from the fixture's formulas", bad);
    ur_dataset_free(ds);

    /* no validation arrays (and a deflated archive) */
    ctx = (ur_ctx){0};
    ds = ur_dataset_npz(fixture("no-val.npz"), &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (ds) {
        CHECK(ds->val.n_x == 0 && ds->val.n_y == 0 && ur_data_count(&ds->val) == 0, "no val");
        CHECK(dims_are(ds->train.y[0], UR_F32, 2, 5, 1, 0), "no-val y");
        CHECK(ur_tensor_f32(&ds->train.x[0]->t)[9] == 9.0f, "no-val x[4, 1]");
        CHECK(strstr(ds->description, "5 samples, no validation") != NULL, "%s",
              ds->description);
    }
    ur_dataset_free(ds);
}

static void test_multi(void)
{
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_npz(fixture("multi.npz"), &ctx);
    CHECK(ds != NULL, "%s", ctx.message);
    if (!ds)
        return;
    CHECK(ds->train.n_x == 2 && ds->train.n_y == 2, "%d inputs, %d outputs", ds->train.n_x,
          ds->train.n_y);
    CHECK(ds->val.n_x == 2 && ds->val.n_y == 2, "%d val inputs, %d val outputs", ds->val.n_x,
          ds->val.n_y);
    if (ds->train.n_x != 2 || ds->val.n_x != 2 || ds->train.n_y != 2 || ds->val.n_y != 2) {
        ur_dataset_free(ds);
        return;
    }
    /* file order for training; validation matched by name, not by position */
    CHECK(ds->x_names[0] && strcmp(ds->x_names[0], "x_tokens") == 0, "x_names[0] %s",
          ds->x_names[0] ? ds->x_names[0] : "NULL");
    CHECK(ds->x_names[1] && strcmp(ds->x_names[1], "x_extra") == 0, "x_names[1] %s",
          ds->x_names[1] ? ds->x_names[1] : "NULL");
    CHECK(strcmp(ds->train.x[0]->name, "x_tokens") == 0 &&
              strcmp(ds->val.x[0]->name, "x_val_tokens") == 0 &&
              strcmp(ds->val.x[1]->name, "x_val_extra") == 0 &&
              strcmp(ds->val.y[0]->name, "y_val_out_a") == 0 &&
              strcmp(ds->val.y[1]->name, "y_val_out_b") == 0,
          "validation arrays in the order of the training ones");
    CHECK(dims_are(ds->train.x[0], UR_I32, 2, 5, 7, 0), "x_tokens stays int32 (token ids)");
    CHECK(dims_are(ds->train.x[1], UR_F32, 2, 5, 3, 0), "x_extra");
    CHECK(dims_are(ds->train.y[1], UR_F32, 2, 5, 2, 0), "y_out_b");
    CHECK(dims_are(ds->val.x[0], UR_I32, 2, 2, 7, 0), "x_val_tokens");
    CHECK(ur_tensor_i32(&ds->train.x[0]->t)[34] == 34 && ur_tensor_i32(&ds->val.x[0]->t)[13] == 63,
          "token values");
    CHECK(ur_tensor_f32(&ds->train.x[1]->t)[14] == 7.0f &&
              ur_tensor_f32(&ds->val.x[1]->t)[5] == -5.0f,
          "extra values");
    CHECK(ur_tensor_f32(&ds->val.y[0]->t)[1] == 1.0f, "y_val_out_a is the ones");
    CHECK(strstr(ds->description, "x_tokens (5, 7) int32") != NULL, "%s", ds->description);
    ur_dataset_free(ds);
}

/* name must fail with status and a message holding want1 (and want2). */
static void expect_error(const char *name, ur_status status, const char *want1, const char *want2)
{
    ur_ctx ctx = {0};
    check_error(name, ur_dataset_npz(fixture(name), &ctx), &ctx, status, want1, want2);
    CHECK(strstr(ctx.message, name) != NULL, "%s: message does not name the file", name);
}

static void test_errors(void)
{
    expect_error("missing-x.npz", UR_ERR_FORMAT, "no 'x' array", "the file holds: inputs, labels");
    expect_error("missing-y.npz", UR_ERR_FORMAT, "no 'y' array", "the file holds: x, weights");
    expect_error("count-mismatch.npz", UR_ERR_SHAPE, "x has 6, y has 5", "number of samples");
    expect_error("multi-count-mismatch.npz", UR_ERR_SHAPE, "x_a has 6, x_b has 4, y has 6",
                 NULL);
    expect_error("val-count-mismatch.npz", UR_ERR_SHAPE, "validation arrays disagree",
                 "x_val has 2, y_val has 3");
    expect_error("x-val-only.npz", UR_ERR_FORMAT, "has 'x_val' but no 'y_val'", NULL);
    expect_error("y-val-only.npz", UR_ERR_FORMAT, "has 'y_val' but no 'x_val'", NULL);
    expect_error("val-shape-mismatch.npz", UR_ERR_SHAPE, "'x_val' is float32 (2, 4, 2)",
                 "'x' is float32 (6, 4, 3)");
    expect_error("val-dtype-mismatch.npz", UR_ERR_SHAPE, "'x_val' is int32", "'x' is float32");
    expect_error("mixed-naming.npz", UR_ERR_FORMAT, "both 'x' and 'x_b'", NULL);
    expect_error("multi-missing-val.npz", UR_ERR_FORMAT, "'x_b' has no validation counterpart",
                 "'x_val_b'");
    expect_error("stray-val.npz", UR_ERR_FORMAT, "'x_val_c' has no training counterpart 'x_c'",
                 NULL);
    expect_error("scalar-x.npz", UR_ERR_SHAPE, "'x' is a single number", NULL);
    expect_error("empty.npz", UR_ERR_SHAPE, "hold no samples", NULL);

    /* failures of the reader itself pass through with the file named */
    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_npz(fixture("not-a-zip.npz"), &ctx);
    CHECK(ds == NULL && ctx.status != UR_OK, "not-a-zip.npz was accepted");
    CHECK(strstr(ctx.message, "not-a-zip.npz") != NULL, "%s", ctx.message);
    printf("  not-a-zip.npz -> %s\n", ctx.message);
    ur_dataset_free(ds);
    ctx = (ur_ctx){0};
    ds = ur_dataset_npz(fixture("no-such-file.npz"), &ctx);
    CHECK(ds == NULL && ctx.status == UR_ERR_IO, "missing file: %s", ur_status_name(ctx.status));
    CHECK(strstr(ctx.message, "no-such-file.npz") != NULL, "%s", ctx.message);
    printf("  no-such-file.npz -> %s\n", ctx.message);
    ur_dataset_free(ds);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: %s <folder of the .npz fixtures>\n", argv[0]);
        return 1;
    }
    dir = argv[1];
    test_single();
    test_multi();
    test_errors();
    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
