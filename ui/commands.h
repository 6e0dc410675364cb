/* commands.h — the canvas's edits of an engine graph as undoable commands:
 * add, remove, set option, connect, disconnect, rename, move, paste, and
 * groups of them; an undo and a redo stack and a "clean" (saved) marker.
 * Plain C on engine/ur.h; the widgets call these, never the graph directly. */
#ifndef UNROLL_COMMANDS_H
#define UNROLL_COMMANDS_H

#include <stdbool.h>

#include "ur.h"

/* The stack edits g (borrowed: it must outlive the stack). Every command
 * snapshots the wiring it may touch ("inputs" and "initial_state" of every
 * layer, "outputs", and the node positions under "ui"), so that undo gives
 * back the document exactly as it was (ur_value_equal on ur_graph_to_value).
 * One exception: renaming a layer whose spec has no "name" key leaves the
 * name written into the spec after undo (the same graph, one key more). */
typedef struct unroll_command_stack unroll_command_stack;

unroll_command_stack *unroll_command_stack_new(ur_graph *g);
void unroll_command_stack_free(unroll_command_stack *s);
ur_graph *unroll_command_stack_graph(const unroll_command_stack *s);

bool unroll_command_stack_can_undo(const unroll_command_stack *s);
bool unroll_command_stack_can_redo(const unroll_command_stack *s);
/* "Add LSTM", "Delete 3 Layers"... for the menu; NULL when there is none. */
const char *unroll_command_stack_undo_label(const unroll_command_stack *s);
const char *unroll_command_stack_redo_label(const unroll_command_stack *s);
ur_status unroll_command_stack_undo(unroll_command_stack *s, ur_ctx *ctx);
ur_status unroll_command_stack_redo(unroll_command_stack *s, ur_ctx *ctx);

/* The "unsaved changes" marker: mark_clean when the file is saved;
 * is_clean is true while the graph is back at that point of the history. */
void unroll_command_stack_mark_clean(unroll_command_stack *s);
bool unroll_command_stack_is_clean(const unroll_command_stack *s);

/* Groups: the commands between begin and end are one undo step (a
 * multi-node delete, a paste, a drag of several nodes). Groups nest; an
 * empty group leaves no step. */
void unroll_command_stack_begin_group(unroll_command_stack *s, const char *label);
void unroll_command_stack_end_group(unroll_command_stack *s);

/* Each command below runs at once and becomes the newest undo step (or a
 * part of the open group); it clears the redo stack. On error nothing is
 * changed and nothing is recorded. */

/* Inserts a copy of spec at position (-1: the end; see ur_graph_insert_layer),
 * placed at (x, y) on the canvas when has_pos. The layer's name (given or
 * made unique) is copied into name_out (size bytes) when not NULL. */
ur_status unroll_cmd_add_layer(unroll_command_stack *s, const ur_value *spec, int position,
                               bool has_pos, double x, double y, char *name_out, size_t size,
                               ur_ctx *ctx);
/* Removes layers (one undo step for all of them). */
ur_status unroll_cmd_remove_layers(unroll_command_stack *s, const char *const *names, int n,
                                   ur_ctx *ctx);
/* Sets one key of a layer's spec (value NULL removes it); "name" renames. */
ur_status unroll_cmd_set_option(unroll_command_stack *s, const char *layer, const char *key,
                                const ur_value *value, ur_ctx *ctx);
ur_status unroll_cmd_rename(unroll_command_stack *s, const char *layer, const char *to,
                            ur_ctx *ctx);
/* Sets a key of the document besides "layers" ("name", "outputs"; value
 * NULL removes it). A model's name must be a non-empty string. */
ur_status unroll_cmd_set_doc_key(unroll_command_stack *s, const char *key, const ur_value *value,
                                 ur_ctx *ctx);
/* Wires output src_output of src into slot `slot` of dst's "inputs" (state
 * false) or "initial_state" (state true): slot < the array's length replaces
 * that entry, anything else appends. A Sequential chain layer (no "inputs")
 * first gets its implicit input written out. */
ur_status unroll_cmd_connect(unroll_command_stack *s, const char *src, int src_output,
                             const char *dst, bool state, int slot, ur_ctx *ctx);
/* Removes entry `slot` of dst's "inputs" or "initial_state". */
ur_status unroll_cmd_disconnect(unroll_command_stack *s, const char *dst, bool state, int slot,
                                ur_ctx *ctx);
/* Moves nodes to new canvas positions (under "ui" -> "nodes"). */
ur_status unroll_cmd_move_nodes(unroll_command_stack *s, const char *const *names,
                                const double *x, const double *y, int n, ur_ctx *ctx);

/* Copy and paste. A clipboard is {"layers": [specs], "nodes": {name: {x, y}}}:
 * the specs of the named layers in layer order, each non-Input one with its
 * inputs written out (a chain's implicit input included). */
ur_value *unroll_clipboard_copy(const ur_graph *g, const char *const *names, int n);
/* Inserts the clipboard's layers at the end under fresh names ("lstm" ->
 * "lstm_1" when taken), wires between them renamed to match, positions
 * moved by (dx, dy). References to layers outside the clipboard are kept
 * when keep_external (duplicate) and dropped otherwise (paste). One undo
 * step. The new names go to names_out (n_layers entries, freed by the caller
 * with free()) when not NULL. */
ur_status unroll_cmd_paste(unroll_command_stack *s, const ur_value *clipboard, double dx,
                           double dy, bool keep_external, char ***names_out, int *n_out,
                           ur_ctx *ctx);

#endif
