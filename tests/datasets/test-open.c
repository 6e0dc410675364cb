/* test-open.c — ur_dataset_open()'s dispatch on a spec, its suggestions for
 * misspelt ones, ur_datadir()'s choice of folder, and freeing empty things.
 * Usage: test-open <tests/fixtures/datasets> */
#include "check.h"
#include "datasets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_error(const char *spec, ur_status status, const char *want)
{
    ur_ctx ctx = {0};
    check_error(spec, ur_dataset_open(spec, 1, &ctx), &ctx, status, want, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: %s <folder of the .npz fixtures>\n", argv[0]);
        return 1;
    }
    char npz[1024], csv[64];
    snprintf(npz, sizeof npz, "%s/single.npz", argv[1]);

    /* the data folder: $UNROLL_DATADIR first, else one that holds the digits */
    const char *env = getenv("UNROLL_DATADIR");
    char saved[1024] = "";
    if (env)
        snprintf(saved, sizeof saved, "%s", env);
    setenv("UNROLL_DATADIR", "/some/where", 1);
    CHECK(strcmp(ur_datadir(), "/some/where") == 0, "datadir %s", ur_datadir());
    setenv("UNROLL_DATADIR", "", 1);
    CHECK(strcmp(ur_datadir(), "") != 0, "an empty UNROLL_DATADIR counts as unset");
    unsetenv("UNROLL_DATADIR");
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/mnist-10k.bin.gz", ur_datadir());
    CHECK(access(probe, R_OK) == 0, "without UNROLL_DATADIR the digits are not found: %s", probe);
    printf("  data folder without UNROLL_DATADIR: %s\n", ur_datadir());
    if (saved[0])
        setenv("UNROLL_DATADIR", saved, 1);

    ur_ctx ctx = {0};
    ur_dataset *ds = ur_dataset_open("mnist", 0, &ctx);
    CHECK(ds && strcmp(ds->name, "mnist") == 0 && ur_data_count(&ds->train) == 8000, "mnist: %s",
          ctx.message);
    ur_dataset_free(ds);

    ctx = (ur_ctx){0};
    ur_dataset *a = ur_dataset_open("synthetic:parity?n=20&timesteps=4", 11, &ctx);
    ur_dataset *b = ur_dataset_synthetic("synthetic:parity?n=20&timesteps=4", 11, &ctx);
    CHECK(a && b && ur_data_count(&a->train) == 20 && a->train.x[0]->t.dim[1] == 4,
          "synthetic: %s", ctx.message);
    CHECK(a && b && memcmp(a->train.x[0]->t.data, b->train.x[0]->t.data, 20 * 4 * 4) == 0,
          "open passes the seed on");
    ur_dataset_free(a);
    ur_dataset_free(b);

    ctx = (ur_ctx){0};
    ds = ur_dataset_open(npz, 0, &ctx);
    CHECK(ds && strcmp(ds->name, npz) == 0 && ur_data_count(&ds->val) == 2, "npz: %s",
          ctx.message);
    ur_dataset_free(ds);

    expect_error("mnsit", UR_ERR_INVALID, "did you mean 'mnist'?");
    expect_error("adding?n=5", UR_ERR_INVALID, "did you mean 'synthetic:adding?n=5'?");
    expect_error("synthetic", UR_ERR_INVALID, "did you mean 'synthetic:adding'?");
    expect_error("cifar10", UR_ERR_INVALID,
                 "use 'mnist', 'synthetic:<task>' (adding, sine, parity)");
    expect_error("", UR_ERR_INVALID, "no dataset given");
    expect_error("synthetic:sinus", UR_ERR_INVALID, "did you mean 'sine'?");
    expect_error("missing.npz", UR_ERR_IO, "missing.npz");
    /* an existing file that is neither an .npz nor a .csv; an empty .csv */
    snprintf(csv, sizeof csv, "/tmp/ur-test-open-XXXXXX.txt");
    int fd = mkstemps(csv, 4);
    CHECK(fd >= 0, "mkstemps");
    if (fd >= 0) {
        close(fd);
        expect_error(csv, UR_ERR_UNSUPPORTED, "NumPy .npz");
        unlink(csv);
    }
    snprintf(csv, sizeof csv, "/tmp/ur-test-open-XXXXXX.csv");
    fd = mkstemps(csv, 4);
    if (fd >= 0) {
        close(fd);
        expect_error(csv, UR_ERR_FORMAT, "the file is empty");
        unlink(csv);
    }

    /* freeing nothing is fine */
    ur_dataset_free(NULL);
    ur_data_clear(NULL);
    ur_data d = {0};
    ur_data_clear(&d);
    CHECK(d.n_x == 0 && d.x == NULL, "cleared");

    if (failures)
        printf("%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
