/* registry.c — every layer kind, in palette order, and lookup by class name. */
#include "ur-internal.h"

const ur_layer_kind *const ur_layer_kinds[] = {
    &ur_input_kind,
    &ur_embedding_kind,
    &ur_masking_kind,
    &ur_simple_rnn_kind,
    &ur_lstm_kind,
    &ur_gru_kind,
    &ur_bidirectional_kind,
    &ur_dense_kind,
    &ur_dropout_kind,
    &ur_batch_norm_kind,
    &ur_repeat_vector_kind,
    &ur_flatten_kind,
    &ur_concatenate_kind,
    &ur_add_kind,
    NULL,
};

const ur_layer_kind *ur_layer_kind_find(const char *class_name)
{
    for (int i = 0; ur_layer_kinds[i]; i++)
        if (strcmp(ur_layer_kinds[i]->class_name, class_name) == 0)
            return ur_layer_kinds[i];
    /* Keras's own name for the input layer */
    if (strcmp(class_name, "InputLayer") == 0)
        return &ur_input_kind;
    return NULL;
}
