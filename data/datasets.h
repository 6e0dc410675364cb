/* datasets.h — the datasets a run trains on: the built-in MNIST digits,
 * synthetic sequence tasks made from a seed, and NumPy .npz files.
 *
 * A dataset is a training ur_data and an optional validation ur_data whose
 * arrays line up with a model's inputs (x) and outputs (y).
 */
#ifndef UR_DATASETS_H
#define UR_DATASETS_H

#include "ur.h"

typedef struct ur_dataset {
    char *name;        /* "mnist", "synthetic:adding", "path/to/file.npz" */
    char *description; /* one line: source, sizes */
    ur_data train;
    ur_data val;       /* n_x == 0 when there is none */
    /* Names of the x arrays for multi-input models ("x_<input name>"), so
     * they can be matched to Input layers; NULL entries when single. */
    char **x_names;
    /* A CSV series' columns (NULL-terminated) and whether each holds
     * numbers (ur_csv_columns); NULL for other datasets. */
    char **columns;
    bool *column_numbers;
} ur_dataset;

void ur_data_clear(ur_data *d);          /* frees the arrays, zeroes d */
void ur_dataset_free(ur_dataset *ds);

/* The folder that holds the bundled data files: $UNROLL_DATADIR if set, else
 * the installed datadir, else the source tree's data/. */
const char *ur_datadir(void);

/* "mnist": 8,000 training and 2,000 held-out digits (the validation data)
 * as x (N, 28, 28) float32 in [0, 1] (row = timestep) and y (N,) int32
 * labels. From data/mnist-10k.bin.gz. */
ur_dataset *ur_dataset_mnist(ur_ctx *ctx);

/* "synthetic:NAME[?key=value&...]": tasks generated from seed:
 *   adding  — x (N, T, 2): a random value in [0,1) and a 0/1 marker that is
 *             1 at exactly two steps; y (N, 1) the sum of the two marked
 *             values (Hochreiter & Schmidhuber 1997). Options n (4000),
 *             timesteps (50), val (0.2 of n generated separately).
 *   sine    — noisy sine forecasting: x (N, T, 1) windows of
 *             sin(w t + phase) + noise, y (N, 1) the next value. Options
 *             n (4000), timesteps (40), noise (0.05).
 *   parity  — x (N, T, 1) bits, y (N, 1) 1 if the count of ones is odd
 *             (binary classification). Options n, timesteps (12).
 * Unknown names or options: an error listing the known ones. */
ur_dataset *ur_dataset_synthetic(const char *spec, uint64_t seed, ur_ctx *ctx);
/* Names of the synthetic tasks, NULL-terminated. */
extern const char *const ur_synthetic_names[];

/* An .npz file: arrays x, y, optional x_val, y_val; for several inputs
 * x_<input name> (and x_val_<input name>), for several outputs y_<output
 * name>. Integer arrays stay int32 (token ids, sparse labels), floats are
 * float32. Checks that all x/y share the sample count and says which differ. */
ur_dataset *ur_dataset_npz(const char *path, ur_ctx *ctx);

/* A time series in a CSV file (a header line naming the columns, then one
 * line per timestep; fields separated by commas, or tabs or semicolons),
 * windowed as Keras's timeseries_dataset_from_array: x (N, window, F)
 * float32 from the feature columns, y (N, K) the target columns horizon rows
 * after each window. Spec "PATH.csv[?window=24&horizon=1&stride=1&target=A
 * &features=B,C&val=0&standardize=false]": target defaults to the last
 * numeric column, features to every numeric column; val > 0 windows the
 * last fraction of the rows apart as validation data; standardize scales
 * each used column by the training rows' mean and deviation. Errors name the file, line and column
 * (a field that is not a number, a row with a stray field, an unknown
 * column). */
ur_dataset *ur_dataset_csv(const char *spec, ur_ctx *ctx);

/* Whether spec names a CSV series: "PATH.csv" or "PATH.csv?OPTIONS". */
bool ur_spec_is_csv(const char *spec);

/* A CSV series' options, as its spec gives them (the defaults where not). */
typedef struct ur_csv_options {
    int64_t window, horizon, stride;   /* 24, 1, 1 */
    double val;                        /* 0 */
    bool standardize;                  /* false */
    char *target, *features;           /* comma lists; NULL: the defaults */
} ur_csv_options;

/* The path part of spec (malloc'd) and its options; an unknown option or a
 * value out of range is an error naming the file (o is then cleared). */
ur_status ur_csv_spec_parse(const char *spec, char **path, ur_csv_options *o, ur_ctx *ctx);
void ur_csv_options_clear(ur_csv_options *o);
/* The spec for path and o (malloc'd): the window always, the other options
 * where they differ from the defaults. */
char *ur_csv_spec_format(const char *path, const ur_csv_options *o);
/* The same from len bytes of text in memory; spec names them (its path part
 * in messages) and gives the options. */
ur_dataset *ur_dataset_csv_mem(const char *text, size_t len, const char *spec, ur_ctx *ctx);
/* The columns of a CSV series (spec as above, its options ignored): names
 * (NULL-terminated) and whether each holds numbers rather than text (a
 * column of numbers with a hole still counts as numbers). Free each name,
 * names and numbers. */
ur_status ur_csv_columns(const char *spec, char ***names, bool **numbers, int *n, ur_ctx *ctx);

/* Whether y holds class numbers (whole values from 0, at most 1e6): how
 * many classes (the largest + 1), or 0 when it does not or is empty. counts,
 * when given and the classes are at most max_counts, gets the samples per
 * class. */
int ur_class_count(const ur_array *y, int64_t *counts, int max_counts);

/* Dispatches on spec: "mnist", "synthetic:...", a path ending in .npz, or a
 * path ending in .csv (with its options). */
ur_dataset *ur_dataset_open(const char *spec, uint64_t seed, ur_ctx *ctx);

#endif
