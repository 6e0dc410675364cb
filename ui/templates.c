/* templates.c — the "New" menu's model templates: index.json from the
 * GResource bundle parsed once into a table, and a template's JSON turned
 * into a document. Nothing here touches widgets. */
#include "templates.h"

#include <string.h>

#include "json.h"

/* The bundle ui/resources compiles in (gnome.compile_resources, c_name
 * 'unroll'). Reading through it keeps its object file, whose constructor
 * also registers the bundle for icons, in every link of the static library. */
GResource *unroll_get_resource(void);

static unroll_template *templates;
static int n_templates = -1;   /* -1: not read yet */
static char *index_error;      /* why the index could not be read (kept for later calls) */

static gboolean read_index(GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GBytes) bytes = unroll_templates_dup_bytes("index.json", &local);
    if (!bytes) {
        index_error = g_strdup(local->message);
        return FALSE;
    }
    gsize len = 0;
    const char *text = g_bytes_get_data(bytes, &len);
    ur_ctx ctx = {0};
    ur_value *list = ur_json_parse(text, len, "templates/index.json", &ctx);
    if (!list) {
        index_error = g_strdup(ctx.message);
        return FALSE;
    }
    if (list->type != UR_VALUE_ARRAY) {
        index_error = g_strdup("templates/index.json: expected an array of templates");
        ur_value_free(list);
        return FALSE;
    }
    templates = g_new0(unroll_template, list->u.arr.n + 1);
    int n = 0;
    for (size_t i = 0; i < list->u.arr.n; i++) {
        const ur_value *e = list->u.arr.items[i];
        const ur_value *file = ur_value_get(e, "file");
        const ur_value *title = ur_value_get(e, "title");
        const ur_value *desc = ur_value_get(e, "description");
        if (e->type != UR_VALUE_OBJECT || !file || file->type != UR_VALUE_STRING || !title ||
            title->type != UR_VALUE_STRING) {
            index_error = g_strdup_printf("templates/index.json:%d:%d: a template needs a \"file\" "
                                          "and a \"title\" string", e->line, e->column);
            ur_value_free(list);
            for (int k = 0; k < n; k++) {
                g_free((char *)templates[k].file);
                g_free((char *)templates[k].title);
                g_free((char *)templates[k].description);
            }
            g_clear_pointer(&templates, g_free);
            return FALSE;
        }
        templates[n].file = g_strdup(file->u.str);
        templates[n].title = g_strdup(title->u.str);
        templates[n].description =
            g_strdup(desc && desc->type == UR_VALUE_STRING ? desc->u.str : "");
        n++;
    }
    ur_value_free(list);
    n_templates = n;
    return TRUE;
}

int unroll_templates_count(GError **error)
{
    if (n_templates < 0 && !index_error)
        read_index(error);
    if (n_templates < 0) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, index_error);
        return 0;
    }
    return n_templates;
}

const unroll_template *unroll_templates_get(int i)
{
    if (i < 0 || i >= unroll_templates_count(NULL))
        return NULL;
    return &templates[i];
}

const unroll_template *unroll_templates_find(const char *file)
{
    g_return_val_if_fail(file != NULL, NULL);
    int n = unroll_templates_count(NULL);
    for (int i = 0; i < n; i++)
        if (strcmp(templates[i].file, file) == 0)
            return &templates[i];
    return NULL;
}

GBytes *unroll_templates_dup_bytes(const char *file, GError **error)
{
    g_return_val_if_fail(file != NULL, NULL);
    if (!*file || strchr(file, '/')) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                    "“%s” is not a template file name", file);
        return NULL;
    }
    g_autofree char *path = g_strconcat(UNROLL_TEMPLATES_PATH, file, NULL);
    g_autoptr(GError) local = NULL;
    GBytes *bytes = g_resource_lookup_data(unroll_get_resource(), path,
                                           G_RESOURCE_LOOKUP_FLAGS_NONE, &local);
    if (!bytes)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no template “%s” in the bundle: %s",
                    file, local->message);
    return bytes;
}

UnrollDocument *unroll_templates_new_document(const char *file, GError **error)
{
    g_autoptr(GBytes) bytes = unroll_templates_dup_bytes(file, error);
    if (!bytes)
        return NULL;
    gsize len = 0;
    const char *text = g_bytes_get_data(bytes, &len);
    ur_ctx ctx = {0};
    ur_value *doc = ur_json_parse(text, len, file, &ctx);
    if (!doc) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, ctx.message);
        return NULL;
    }
    UnrollDocument *d = unroll_document_new_from_value(doc, error);
    ur_value_free(doc);
    return d;
}
