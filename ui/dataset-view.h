/* dataset-view.h — UnrollDatasetView, the dataset part of the Train page: a
 * built-in dataset (MNIST digits, synthetic adding/sine/parity), an imported
 * .npz file or a CSV time series (with rows for its windowing: target,
 * features, window, horizon, stride, validation part, standardization, that
 * rewrite the spec's options), loaded in a thread; a preview (a digit and its label,
 * or one sequence per feature), shapes, counts and class balance; and a check,
 * in plain words, that the dataset fits the model's inputs and outputs. */
#ifndef UNROLL_DATASET_VIEW_H
#define UNROLL_DATASET_VIEW_H

#include <gtk/gtk.h>

#include "datasets.h"
#include "ur.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_DATASET_VIEW (unroll_dataset_view_get_type())
G_DECLARE_FINAL_TYPE(UnrollDatasetView, unroll_dataset_view, UNROLL, DATASET_VIEW, GtkWidget)

/* Signals:
 *   "changed" ()  the dataset was chosen, finished loading (or failed), or the
 *                 fit check's answer changed. */

GtkWidget *unroll_dataset_view_new(void);

/* Chooses and loads a dataset: "mnist", "synthetic:NAME[?...]", a path to
 * an .npz file or to a .csv with its options (ur_dataset_csv) (loading
 * happens in a thread; "changed" follows). */
void unroll_dataset_view_set_spec(UnrollDatasetView *self, const char *spec);
const char *unroll_dataset_view_get_spec(UnrollDatasetView *self);
gboolean unroll_dataset_view_is_loading(UnrollDatasetView *self);
/* The loaded dataset (NULL while loading or when loading failed) and the
 * loading error (NULL when none). */
const ur_dataset *unroll_dataset_view_get_dataset(UnrollDatasetView *self);
const char *unroll_dataset_view_get_error(UnrollDatasetView *self);

/* The model to check the dataset against (copied; NULL: none). */
void unroll_dataset_view_set_graph(UnrollDatasetView *self, const ur_graph *g);
/* Whether the loaded dataset fits the model; explanation (borrowed, may be
 * NULL) says why not, or what maps to what when it does. */
gboolean unroll_dataset_view_get_fits(UnrollDatasetView *self, const char **explanation);

/* The training samples per class the balance bars show (n_classes 0 and
 * NULL when y is not class numbers). */
const gint64 *unroll_dataset_view_get_class_counts(UnrollDatasetView *self, int *n_classes);

/* The previewed sample (0-based, clamped to the training samples). */
void unroll_dataset_view_set_sample(UnrollDatasetView *self, int index);
int unroll_dataset_view_get_sample(UnrollDatasetView *self);

/* The check itself, display-free: whether ds's arrays fit g's inputs and
 * outputs (names, dtypes, shapes; class labels within the output's units).
 * *explanation (g_free) says why not in plain words, e.g. "The model's input
 * 'pixels' takes (None, 28, 28); this dataset's x is (N, 100, 2)." The
 * dataset's arrays may be converted to the inputs' dtypes (ur_data_map). */
gboolean unroll_dataset_check_fit(const ur_graph *g, ur_dataset *ds, char **explanation);

/* Whether y holds class numbers (whole values >= 0) and how many classes
 * (max + 1); FALSE for regression targets. */
gboolean unroll_dataset_y_classes(const ur_array *y, int *n_classes);

G_END_DECLS

#endif
