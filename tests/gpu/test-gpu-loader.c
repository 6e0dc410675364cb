/* test-gpu-loader.c — device selection without a GPU (runs everywhere):
 * --device names are parsed with clear errors; with the CUDA module
 * missing (UNROLL_CUDA_MODULE names a file that does not exist) "cuda"
 * fails saying why, "auto" stays on the CPU with that reason as its note,
 * and "cpu" is always accepted; the model then trains as before. */
#include "gradcheck.h"

#include "backend.h"

#include <stdio.h>

static int failures;

static void expect_parse(const char *dev, bool ok, int index, const char *msg)
{
    ur_ctx ctx = {0};
    int got = -1;
    ur_status st = ur_device_parse(dev, &got, &ctx);
    if (ok && (st != UR_OK || got != index)) {
        printf("FAIL: parse '%s': expected index %d, got %d (%s)\n", dev, index, got,
               ctx.message);
        failures++;
    } else if (!ok && (st == UR_OK || !strstr(ctx.message, msg))) {
        printf("FAIL: parse '%s': expected an error with '%s', got '%s'\n", dev, msg, ctx.message);
        failures++;
    }
}

int main(void)
{
    expect_parse("auto", true, 0, NULL);
    expect_parse("cpu", true, 0, NULL);
    expect_parse("cuda", true, 0, NULL);
    expect_parse("cuda:3", true, 3, NULL);
    expect_parse("cuda:", false, 0, "0 to 1023");
    expect_parse("cuda:-1", false, 0, "0 to 1023");
    expect_parse("cuda:2x", false, 0, "0 to 1023");
    expect_parse("gpu", false, 0, "unknown device 'gpu'");
    expect_parse("cudda", false, 0, "did you mean 'cuda'");

    const char *env = getenv("UNROLL_CUDA_MODULE");
    if (!env || !strstr(env, "nonexistent")) {
        printf("FAIL: run me with UNROLL_CUDA_MODULE naming a missing file\n");
        return 1;
    }
    char why[512];
    ur_backend *be = ur_backend_cuda_open(0, true, why, sizeof why);
    if (be || !strstr(why, "does not exist")) {
        printf("FAIL: a missing module: expected a reason naming the file, got '%s'\n", why);
        failures++;
        if (be)
            be->destroy(be);
    }
    ur_model *m = gc_model_from_json(
        gc_json("{'layers': [{'class': 'Input', 'shape': [4, 2]}, {'class': 'LSTM', 'units': 3}]}"),
        1);
    if (!m)
        return 1;
    ur_ctx ctx = {0};
    if (ur_model_use_device(m, "cuda", true, NULL, 0, &ctx) != UR_ERR_UNSUPPORTED ||
        !strstr(ctx.message, "cannot use cuda") || !strstr(ctx.message, "does not exist")) {
        printf("FAIL: cuda without a module: got '%s'\n", ctx.message);
        failures++;
    }
    char note[600] = "unchanged";
    ur_ctx_clear(&ctx);
    if (ur_model_use_device(m, "auto", false, note, sizeof note, &ctx) != UR_OK ||
        strcmp(ur_model_device(m), "cpu") != 0 || !strstr(note, "running on the CPU: ") ||
        !strstr(note, "does not exist")) {
        printf("FAIL: auto without a module: device %s, note '%s' (%s)\n", ur_model_device(m),
               note, ctx.message);
        failures++;
    }
    ur_ctx_clear(&ctx);
    if (ur_model_use_device(m, "cpu", false, note, sizeof note, &ctx) != UR_OK || note[0]) {
        printf("FAIL: cpu: %s / note '%s'\n", ctx.message, note);
        failures++;
    }
    for (int i = 0; i < 2; i++)
        if (strcmp(ur_model_layer_path(m, i), "cpu") != 0) {
            printf("FAIL: layer %d on the CPU: path '%s'\n", i, ur_model_layer_path(m, i));
            failures++;
        }
    float x[2 * 4 * 2] = {0.5f, -0.5f};
    int64_t dim[3] = {2, 4, 2};
    ur_tensor in = gc_view(UR_F32, x, 3, dim);
    if (gc_forward(m, &in, false, 1))
        failures++;
    ur_model_free(m);
    if (!failures)
        printf("device selection without a module works\n");
    return failures ? 1 : 0;
}
