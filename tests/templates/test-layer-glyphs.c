/* test-layer-glyphs.c — the palette's glyphs (ui/icons/): one per layer class
 * of the engine's catalog, named unroll-layer-<class in kebab case>-symbolic
 * (SimpleRNN -> simple-rnn), listed in the GResource bundle, and drawn the way
 * GTK recolours symbolic icons (fills only: GTK overrides the fill of path,
 * rect and circle, so a stroke or another element would keep its colour). */
#include "check.h"
#include "ur.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "BatchNormalization" -> "batch-normalization", "SimpleRNN" -> "simple-rnn",
 * "LSTM" -> "lstm": a dash where a lower-case letter or digit meets a capital
 * (the rule of unroll_layer_icon_name in ui/palette.c). */
static void kebab(const char *cls, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; cls[i] && o + 2 < size; i++) {
        unsigned char c = (unsigned char)cls[i];
        if (i > 0 && isupper(c)) {
            unsigned char prev = (unsigned char)cls[i - 1];
            if (islower(prev) || isdigit(prev))
                out[o++] = '-';
        }
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The rules every symbolic icon follows; size is 16 for symbolic icons. */
static void check_symbolic(const char *path, const char *text)
{
    CHECK(strstr(text, "viewBox=\"0 0 16 16\"") != NULL, "%s: not a 16x16 viewBox", path);
    CHECK(strstr(text, "stroke") == NULL, "%s: has a stroke (GTK recolours fills only)", path);
    CHECK(strstr(text, "fill=\"none\"") == NULL, "%s: has fill=\"none\" (GTK fills it)", path);
    /* image loaders sniff the first bytes for "<svg": nothing long before it */
    const char *svg = strstr(text, "<svg");
    CHECK(svg && svg - text < 64, "%s: <svg> does not open the file", path);
    /* elements: only those GTK's symbolic style sheet recolours */
    static const char *const allowed[] = {"svg", "g", "path", "rect", "circle", NULL};
    for (const char *p = text; (p = strchr(p, '<')); p++) {
        if (p[1] == '?' || p[1] == '!' || p[1] == '/')
            continue;
        size_t len = strcspn(p + 1, " \t\r\n/>");
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            ok = ok || (strlen(allowed[i]) == len && strncmp(allowed[i], p + 1, len) == 0);
        CHECK(ok, "%s: element <%.*s> (GTK recolours only path, rect and circle)", path,
              (int)len, p + 1);
    }
    /* colours: the symbolic foreground only */
    for (const char *p = text; (p = strchr(p, '#')); p++)
        CHECK(strncmp(p, "#2e3436", 7) == 0, "%s: colour %.7s, not #2e3436", path, p);
    CHECK(strstr(text, "#2e3436") != NULL, "%s: draws nothing in #2e3436", path);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ICON-DIR GRESOURCE-XML APP-SYMBOLIC-ICON\n", argv[0]);
        return 1;
    }
    const char *dir = argv[1];
    char *gresource = read_text(argv[2]);
    CHECK(gresource != NULL, "cannot read %s", argv[2]);
    if (!gresource)
        return 1;

    int n_kinds = 0;
    char names[64][64];
    for (int i = 0; i < ur_layer_class_count() && i < 64; i++, n_kinds++) {
        char name[64], file[128], path[4096], alias[256];
        kebab(ur_layer_class_name(i), name, sizeof name);
        snprintf(names[i], sizeof names[i], "%s", name);
        snprintf(file, sizeof file, "unroll-layer-%s-symbolic.svg", name);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        char *text = read_text(path);
        CHECK(text != NULL, "layer class %s has no glyph %s", ur_layer_class_name(i), path);
        if (text)
            check_symbolic(path, text);
        free(text);
        snprintf(alias, sizeof alias, "alias=\"icons/scalable/actions/%s\"", file);
        CHECK(strstr(gresource, alias) != NULL, "%s does not bundle %s", argv[2], file);
    }
    CHECK(n_kinds == 14, "%d layer classes; this test knows the 14 of the catalog", n_kinds);

    /* the naming rule on the classes whose names are not plain words */
    char got[64];
    kebab("SimpleRNN", got, sizeof got);
    CHECK(strcmp(got, "simple-rnn") == 0, "SimpleRNN -> %s", got);
    kebab("BatchNormalization", got, sizeof got);
    CHECK(strcmp(got, "batch-normalization") == 0, "BatchNormalization -> %s", got);
    kebab("LSTM", got, sizeof got);
    CHECK(strcmp(got, "lstm") == 0, "LSTM -> %s", got);

    /* no glyph for a class the engine does not have */
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        const char *prefix = "unroll-layer-", *suffix = "-symbolic.svg";
        size_t len = strlen(de->d_name), pl = strlen(prefix), sl = strlen(suffix);
        if (len <= pl + sl || strncmp(de->d_name, prefix, pl) != 0 ||
            strcmp(de->d_name + len - sl, suffix) != 0)
            continue;
        bool known = false;
        for (int i = 0; i < n_kinds; i++)
            known = known || (strlen(names[i]) == len - pl - sl &&
                              strncmp(names[i], de->d_name + pl, len - pl - sl) == 0);
        CHECK(known, "%s/%s: no layer class of that name", dir, de->d_name);
    }
    if (d)
        closedir(d);

    char *app = read_text(argv[3]);
    CHECK(app != NULL, "cannot read %s", argv[3]);
    if (app)
        check_symbolic(argv[3], app);
    free(app);
    free(gresource);

    if (failures) {
        printf("layer glyphs: %d check(s) failed\n", failures);
        return 1;
    }
    printf("layer glyphs: %d classes, each with a symbolic glyph in the bundle\n", n_kinds);
    return 0;
}
