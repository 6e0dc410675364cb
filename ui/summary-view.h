/* summary-view.h — the summary panel: the table `unroll summary` prints
 * (layer and class, output shapes, parameter counts, "Connected to" for
 * functional graphs) and the parameter totals, live with the document. */
#ifndef UNROLL_SUMMARY_VIEW_H
#define UNROLL_SUMMARY_VIEW_H

#include <gtk/gtk.h>
#include <stdint.h>

#include "document.h"

G_BEGIN_DECLS

#define UNROLL_TYPE_SUMMARY_VIEW (unroll_summary_view_get_type())
G_DECLARE_FINAL_TYPE(UnrollSummaryView, unroll_summary_view, UNROLL, SUMMARY_VIEW, GtkWidget)

/* Actions (on the widget): "summary.copy" puts unroll_summary_view_get_text()
 * on the clipboard. */

GtkWidget *unroll_summary_view_new(void);
/* Shows doc's model and follows its "changed" signal; NULL shows nothing. */
void unroll_summary_view_set_document(UnrollSummaryView *self, UnrollDocument *doc);
UnrollDocument *unroll_summary_view_get_document(UnrollSummaryView *self);

/* The totals shown (as ur_graph_count_params); 0 without a document. */
void unroll_summary_view_get_totals(UnrollSummaryView *self, int64_t *total, int64_t *trainable,
                                    int64_t *non_trainable);
/* The rows shown (the Input row left out of a Sequential graph). */
guint unroll_summary_view_get_n_rows(UnrollSummaryView *self);
/* Whether the "Connected to" column is shown (functional graphs). */
gboolean unroll_summary_view_has_connected_column(UnrollSummaryView *self);
/* The table as text (owned by the caller): a 'Model: "name"' line, the
 * header and one line per row with tab-separated cells (a multi-line cell's
 * lines joined by spaces), then the "Total params: 1,234 (4.82 KB)",
 * "Trainable params: ..." and "Non-trainable params: ..." lines. */
char *unroll_summary_view_get_text(UnrollSummaryView *self);

/* 1234567 -> "1,234,567" (as the CLI prints parameter counts). */
char *unroll_format_thousands(int64_t n);
/* Keras's readable memory size of bytes: "48.22 KB" (1024 steps, B to PB). */
char *unroll_format_memory_size(double bytes);

G_END_DECLS

#endif
