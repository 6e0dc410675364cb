/* templates.h — the model templates the "New" menu offers: their list, read
 * once from the bundled resource templates/index.json (file, title, one-line
 * description), and each template's model document. */
#ifndef UNROLL_TEMPLATES_H
#define UNROLL_TEMPLATES_H

#include <gio/gio.h>

#include "document.h"

G_BEGIN_DECLS

#define UNROLL_TEMPLATES_PATH "/io/github/unroll/Unroll/templates/"

typedef struct unroll_template {
    const char *file;         /* "mnist-rows.json" (a resource under UNROLL_TEMPLATES_PATH) */
    const char *title;        /* "MNIST rows classifier" */
    const char *description;  /* one line */
} unroll_template;

/* The templates in index.json's order (the first is the one a newcomer
 * sees); 0 with error when the index is missing or malformed. The list is
 * read on the first call and kept; entries are borrowed for the program's
 * lifetime. */
int unroll_templates_count(GError **error);
const unroll_template *unroll_templates_get(int i);
/* The entry of a file name, or NULL. */
const unroll_template *unroll_templates_find(const char *file);
/* The template file's bytes (the JSON text), or NULL with error. */
GBytes *unroll_templates_dup_bytes(const char *file, GError **error);
/* A new unmodified document (no file) holding the template's model. */
UnrollDocument *unroll_templates_new_document(const char *file, GError **error);

G_END_DECLS

#endif
