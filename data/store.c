/* store.c — the run store over SQLite: opening and checking the file,
 * migrations (the schema is data/schema.sql, embedded at build time), runs,
 * buffered metric points, checkpoints, events, liveness and the queries.
 * Nothing here prints; every message starts with the database's path. */
#define _GNU_SOURCE
#include "store.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "schema-sql.h"

#define UR_STORE_APPLICATION_ID 0x556e526c  /* "UnRl" in PRAGMA application_id */
#define UR_STORE_BUSY_MS 5000
#define UR_STORE_STALE_S 600.0              /* another host's run without heartbeat */

/* Schema versions (PRAGMA user_version); section "-- @version N" of
 * schema.sql migrates N-1 to N. */
enum ur_schema_version {
    UR_SCHEMA_NONE = 0,   /* a new, empty file */
    UR_SCHEMA_V1 = 1,     /* the first: models, datasets, runs, metrics, metric_epochs,
                             checkpoints, events and runs_view */
    UR_SCHEMA_LATEST = UR_SCHEMA_V1,
};

typedef struct pending_point {
    int64_t run;
    int name;             /* index into names */
    int epoch;
    int64_t step;
    double value, wall;
} pending_point;

/* Statements prepared once per connection. */
enum { ST_METRIC, ST_EPOCH, ST_HEARTBEAT, ST_COUNT };

struct ur_store {
    sqlite3 *db;
    char *path;
    bool readonly;
    int version;
    char host[256];
    long long self_start;
    sqlite3_stmt *st[ST_COUNT];
    pending_point *buf;
    size_t n_buf, cap_buf;
    bool buf_failed;      /* a point could not be buffered (out of memory) */
    char **names;         /* interned metric and monitor names */
    int n_names, cap_names;
    int64_t *owned;       /* runs this connection began or claimed, still running */
    int n_owned, cap_owned;
};

static const char *const status_names[] = {
    "running", "paused", "completed", "failed", "cancelled", "interrupted",
};
static const char *const checkpoint_kinds[] = {"last", "best", "epoch"};

const char *ur_run_status_name(ur_run_status st)
{
    return (unsigned)st < sizeof status_names / sizeof *status_names ? status_names[st] : "?";
}

static int status_parse(const char *s)
{
    for (int i = 0; i < (int)(sizeof status_names / sizeof *status_names); i++)
        if (s && strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec * 1e-6;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* The start time of process pid in clock ticks after boot (/proc/PID/stat,
 * field 22), or -1 when it cannot be read (no such process). */
static long long proc_start_time(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');   /* the command name may hold spaces and ')' */
    if (!p)
        return -1;
    p++;
    for (int field = 3; field <= 22; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -1;
        if (field == 22)
            return strtoll(p, NULL, 10);
        while (*p && *p != ' ')
            p++;
    }
    return -1;
}

static uint64_t fnv1a64(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* --------------------------------------------------------------- errors */

static ur_status db_error(ur_store *s, ur_ctx *ctx, const char *what)
{
    return ur_error(ctx, UR_ERR_IO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static ur_status exec_sql(ur_store *s, const char *sql, const char *what, ur_ctx *ctx)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, ctx, what);
    return UR_OK;
}

/* Every write goes through BEGIN IMMEDIATE: the write lock is taken (waiting
 * up to the busy timeout) before anything is read, so two writers never meet
 * a lock they cannot wait for. */
static ur_status begin_write(ur_store *s, ur_ctx *ctx)
{
    if (s->readonly)
        return ur_error(ctx, UR_ERR_INVALID, "%s: opened read-only", s->path);
    return exec_sql(s, "BEGIN IMMEDIATE", "starting a write", ctx);
}

static ur_status commit(ur_store *s, ur_ctx *ctx)
{
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        ur_status st = db_error(s, ctx, "committing");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    return UR_OK;
}

static ur_status rollback(ur_store *s, ur_status st)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

static sqlite3_stmt *prepare(ur_store *s, const char *sql, ur_ctx *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_error(s, ctx, "preparing a statement");
        return NULL;
    }
    return st;
}

/* Binding by name; the names exist in the statement (a missing one is a
 * programmer error caught by the tests, bound nowhere). */
static int pidx(sqlite3_stmt *st, const char *name)
{
    return sqlite3_bind_parameter_index(st, name);
}
static void bind_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, pidx(st, name), v);
}
static void bind_f64(sqlite3_stmt *st, const char *name, double v)
{
    sqlite3_bind_double(st, pidx(st, name), v);
}
static void bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
    if (v)
        sqlite3_bind_text(st, pidx(st, name), v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, pidx(st, name));
}

/* Runs a statement that returns no rows (or whose rows are not needed). */
static ur_status step_done(ur_store *s, sqlite3_stmt *st, const char *what, ur_ctx *ctx)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    ur_status r = rc == SQLITE_DONE ? UR_OK : db_error(s, ctx, what);
    sqlite3_reset(st);
    return r;
}

/* -------------------------------------------------------------- opening */

char *ur_store_default_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    if (xdg && xdg[0] == '/')
        snprintf(buf, sizeof buf, "%s/unroll/unroll.db", xdg);
    else
        snprintf(buf, sizeof buf, "%s/.local/share/unroll/unroll.db", home && *home ? home : ".");
    return strdup(buf);
}

static ur_status make_parent_dirs(const char *path, ur_ctx *ctx)
{
    char *d = strdup(path);
    if (!d)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
    char *slash = strrchr(d, '/');
    if (slash && slash != d) {
        *slash = 0;
        for (char *p = d + 1; ; p++) {
            if (*p == '/' || *p == 0) {
                char c = *p;
                *p = 0;
                if (mkdir(d, 0755) != 0 && errno != EEXIST) {
                    ur_status st = ur_error(ctx, UR_ERR_IO, "%s: cannot create the folder %s: %s",
                                            path, d, strerror(errno));
                    free(d);
                    return st;
                }
                *p = c;
                if (!c)
                    break;
            }
        }
    }
    free(d);
    return UR_OK;
}

static int64_t pragma_int(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            v = sqlite3_column_int64(st, 0);
            *rc = SQLITE_OK;
        } else if (*rc == SQLITE_DONE) {
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return v;
}

/* Looks at an existing, non-empty file through a read-only connection and
 * refuses it (never having written to it) unless it is an Unroll database
 * this version can read. *version: its user_version. */
static ur_status inspect_existing(const char *path, int *version, ur_ctx *ctx)
{
    sqlite3 *db = NULL;
    ur_status st = UR_OK;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        st = ur_error(ctx, UR_ERR_IO, "%s: cannot open: %s", path,
                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, UR_STORE_BUSY_MS);
    sqlite3_stmt *q = NULL;
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        int code = sqlite3_errcode(db);
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
            st = ur_error(ctx, UR_ERR_FORMAT,
                          "%s: not an SQLite database, or a damaged one (%s); left untouched", path,
                          sqlite3_errmsg(db));
        else
            st = ur_error(ctx, UR_ERR_IO, "%s: cannot read: %s", path, sqlite3_errmsg(db));
        goto done;
    }
    const char *res = (const char *)sqlite3_column_text(q, 0);
    if (!res || strcmp(res, "ok") != 0) {
        st = ur_error(ctx, UR_ERR_FORMAT, "%s: the database is damaged (quick_check: %s); left untouched",
                      path, res ? res : "?");
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;
    int64_t app = pragma_int(db, "PRAGMA application_id", &rc);
    int64_t ver = rc == SQLITE_OK ? pragma_int(db, "PRAGMA user_version", &rc) : 0;
    int64_t n_objects = rc == SQLITE_OK ? pragma_int(db, "SELECT count(*) FROM sqlite_master", &rc) : 0;
    if (rc != SQLITE_OK) {
        st = ur_error(ctx, UR_ERR_IO, "%s: cannot read: %s", path, sqlite3_errmsg(db));
    } else if (app != 0 && app != UR_STORE_APPLICATION_ID) {
        st = ur_error(ctx, UR_ERR_FORMAT,
                      "%s: an SQLite database of another application (application_id 0x%08" PRIx32
                      "), not Unroll's; left untouched", path, (uint32_t)app);
    } else if (app == 0 && n_objects > 0) {
        st = ur_error(ctx, UR_ERR_FORMAT,
                      "%s: an SQLite database that is not Unroll's (it has tables but no Unroll "
                      "application_id); left untouched", path);
    } else if (ver > UR_SCHEMA_LATEST) {
        st = ur_error(ctx, UR_ERR_UNSUPPORTED,
                      "%s: was written by a newer Unroll (schema version %" PRId64
                      "); this Unroll reads up to version %d", path, ver, UR_SCHEMA_LATEST);
    } else {
        *version = (int)ver;
    }
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return st;
}

static ur_status configure(ur_store *s, ur_ctx *ctx)
{
    sqlite3_busy_timeout(s->db, UR_STORE_BUSY_MS);
    sqlite3_extended_result_codes(s->db, 1);
    if (!s->readonly) {
        sqlite3_stmt *st = prepare(s, "PRAGMA journal_mode=WAL", ctx);
        if (!st)
            return ctx ? ctx->status : UR_ERR_IO;
        int rc = sqlite3_step(st);
        const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        bool wal = mode && strcmp(mode, "wal") == 0;
        sqlite3_finalize(st);
        if (!wal)
            return ur_error(ctx, UR_ERR_IO, "%s: cannot switch to WAL mode: %s", s->path,
                            rc == SQLITE_ROW ? "the file system refuses it" : sqlite3_errmsg(s->db));
    }
    /* A 64 MiB page cache keeps a big batch's index pages in memory; reads map the file. */
    return exec_sql(s, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                       "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;", "configuring", ctx);
}

/* Section N of schema.sql (between "-- @version N" and the next marker); malloc'd. */
static char *schema_section(int version)
{
    char marker[32];
    snprintf(marker, sizeof marker, "-- @version %d\n", version);
    const char *a = strstr(ur_schema_sql, marker);
    if (!a)
        return NULL;
    a += strlen(marker);
    const char *b = strstr(a, "-- @version ");
    size_t n = b ? (size_t)(b - a) : strlen(a);
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, a, n);
        out[n] = 0;
    }
    return out;
}

/* Brings the schema to UR_SCHEMA_LATEST, one transaction per version, each
 * rolled back whole on its first error. */
static ur_status migrate(ur_store *s, ur_ctx *ctx)
{
    for (;;) {
        int rc;
        int64_t ver = pragma_int(s->db, "PRAGMA user_version", &rc);
        if (rc != SQLITE_OK)
            return db_error(s, ctx, "reading the schema version");
        if (ver >= UR_SCHEMA_LATEST) {
            s->version = (int)ver;
            return UR_OK;
        }
        ur_status st = begin_write(s, ctx);
        if (st)
            return st;
        ver = pragma_int(s->db, "PRAGMA user_version", &rc);   /* another process may have won */
        if (rc != SQLITE_OK)
            return rollback(s, db_error(s, ctx, "reading the schema version"));
        if (ver >= UR_SCHEMA_LATEST) {
            rollback(s, UR_OK);
            continue;
        }
        int next = (int)ver + 1;
        char *sql = schema_section(next);
        if (!sql)
            return rollback(s, ur_error(ctx, UR_ERR_INTERNAL, "%s: no migration to schema version %d",
                                        s->path, next));
        char *err = NULL;
        rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
        free(sql);
        if (rc != SQLITE_OK) {
            st = ur_error(ctx, UR_ERR_IO, "%s: migrating to schema version %d: %s", s->path, next,
                          err ? err : sqlite3_errmsg(s->db));
            sqlite3_free(err);
            return rollback(s, st);
        }
        char pragmas[128];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 UR_STORE_APPLICATION_ID, next);
        if ((st = exec_sql(s, pragmas, "setting the schema version", ctx)))
            return rollback(s, st);
        if ((st = commit(s, ctx)))
            return st;
    }
}

static ur_status add_event(ur_store *s, int64_t run, const char *kind, int64_t step,
                           const char *detail, ur_ctx *ctx);

/* Marks 'running' runs whose owner is gone as interrupted: on this host,
 * when the pid does not exist or now belongs to a process started at
 * another time; on other hosts, when the heartbeat is older than 10 minutes. */
static ur_status mark_interrupted(ur_store *s, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "SELECT id, owner_pid, owner_start, host, heartbeat FROM runs "
                                 "WHERE status = 'running'", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    int64_t *dead = NULL;
    char **why = NULL;
    int n_dead = 0;
    double now = now_seconds();
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        long pid = (long)sqlite3_column_int64(q, 1);
        long long start = sqlite3_column_int64(q, 2);
        const char *host = (const char *)sqlite3_column_text(q, 3);
        double beat = sqlite3_column_double(q, 4);
        char reason[160] = "";
        if (host && strcmp(host, s->host) == 0) {
            if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
                snprintf(reason, sizeof reason, "process %ld on %s is gone", pid, host);
            else {
                long long now_start = proc_start_time(pid);
                if (now_start >= 0 && now_start != start)
                    snprintf(reason, sizeof reason, "process %ld on %s is gone (its pid was reused)",
                             pid, host);
            }
        } else if (now - beat > UR_STORE_STALE_S) {
            snprintf(reason, sizeof reason, "no heartbeat from %s for %.0f s", host ? host : "?",
                     now - beat);
        }
        if (reason[0]) {
            int64_t *d2 = realloc(dead, (n_dead + 1) * sizeof *dead);
            char **w2 = realloc(why, (n_dead + 1) * sizeof *why);
            if (d2)
                dead = d2;
            if (w2)
                why = w2;
            if (!d2 || !w2)
                break;
            dead[n_dead] = id;
            why[n_dead++] = strdup(reason);
        }
    }
    sqlite3_finalize(q);
    ur_status st = UR_OK;
    if (n_dead > 0 && !(st = begin_write(s, ctx))) {
        sqlite3_stmt *u = prepare(s, "UPDATE runs SET status = 'interrupted', "
                                     "ended = coalesce(heartbeat, started) "
                                     "WHERE id = :id AND status = 'running'", ctx);
        st = u ? UR_OK : (ctx ? ctx->status : UR_ERR_IO);
        for (int i = 0; !st && i < n_dead; i++) {
            bind_i64(u, ":id", dead[i]);
            st = step_done(s, u, "marking a run interrupted", ctx);
            if (!st && sqlite3_changes(s->db) > 0) {
                char detail[256];
                snprintf(detail, sizeof detail, "{\"reason\": \"%s\"}", why[i] ? why[i] : "");
                st = add_event(s, dead[i], "interrupted", -1, detail, ctx);
            }
        }
        sqlite3_finalize(u);
        st = st ? rollback(s, st) : commit(s, ctx);
    }
    for (int i = 0; i < n_dead; i++)
        free(why[i]);
    free(why);
    free(dead);
    return st;
}

static ur_status prepare_hot(ur_store *s, ur_ctx *ctx)
{
    static const char *const sql[ST_COUNT] = {
        [ST_METRIC] = "INSERT INTO metrics (run, name, first_step, last_step, n, last_wall, "
                      "points) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [ST_EPOCH] = "INSERT INTO metric_epochs (run, name, epoch, step, value) "
                     "VALUES (:run, :name, :epoch, :step, :value) "
                     "ON CONFLICT (run, name, epoch) DO UPDATE SET step = excluded.step, "
                     "value = excluded.value WHERE excluded.step >= metric_epochs.step",
        [ST_HEARTBEAT] = "UPDATE runs SET heartbeat = :now WHERE id = :run AND status = 'running'",
    };
    for (int i = 0; i < ST_COUNT; i++)
        if (!(s->st[i] = prepare(s, sql[i], ctx)))
            return ctx ? ctx->status : UR_ERR_IO;
    return UR_OK;
}

static ur_store *store_open(const char *path_in, bool readonly, ur_ctx *ctx)
{
    /* Memory statistics take a global mutex on every allocation (a third of
     * a big flush); off before SQLite initialises (a no-op after). */
    static bool configured;
    if (!configured) {
        configured = true;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    char *def = path_in ? NULL : ur_store_default_path();
    const char *path = path_in ? path_in : def;
    ur_store *s = NULL;
    if (!path) {
        ur_error(ctx, UR_ERR_NOMEM, "unroll.db: out of memory");
        return NULL;
    }
    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    int version = 0;
    if (exists && !S_ISREG(sb.st_mode)) {
        ur_error(ctx, UR_ERR_IO, "%s: not a regular file", path);
        goto fail;
    }
    if (exists && sb.st_size > 0) {
        if (inspect_existing(path, &version, ctx))
            goto fail;
    } else if (readonly) {
        ur_error(ctx, UR_ERR_IO, "%s: %s", path, exists ? "an empty file, not yet a run store"
                                                        : "no such file");
        goto fail;
    }
    if (readonly && version != UR_SCHEMA_LATEST) {
        ur_error(ctx, UR_ERR_UNSUPPORTED, "%s: schema version %d needs migrating to %d; open it "
                 "once read-write (any unroll command that records) first", path, version,
                 UR_SCHEMA_LATEST);
        goto fail;
    }
    if (!exists && make_parent_dirs(path, ctx))
        goto fail;
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    s->readonly = readonly;
    s->version = version;
    if (gethostname(s->host, sizeof s->host - 1) != 0)
        strcpy(s->host, "localhost");
    s->self_start = proc_start_time((long)getpid());
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ur_error(ctx, UR_ERR_IO, "%s: cannot open: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (configure(s, ctx))
        goto fail;
    if (!readonly) {
        if (migrate(s, ctx) || prepare_hot(s, ctx) || mark_interrupted(s, ctx))
            goto fail;
    }
    free(def);
    return s;
fail:
    ur_store_close(s);
    free(def);
    return NULL;
}

ur_store *ur_store_open(const char *path, ur_ctx *ctx)
{
    return store_open(path, false, ctx);
}

ur_store *ur_store_open_readonly(const char *path, ur_ctx *ctx)
{
    return store_open(path, true, ctx);
}

void ur_store_close(ur_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    for (int i = 0; i < s->n_names; i++)
        free(s->names[i]);
    free(s->names);
    free(s->buf);
    free(s->owned);
    free(s->path);
    free(s);
}

const char *ur_store_path(const ur_store *s) { return s->path; }
int ur_store_schema_version(const ur_store *s) { return s->version; }

/* ------------------------------------------------------------ recording */

static int intern_name(ur_store *s, const char *name)
{
    for (int i = s->n_names - 1; i >= 0; i--)
        if (strcmp(s->names[i], name) == 0)
            return i;
    if (s->n_names == s->cap_names) {
        int cap = s->cap_names ? 2 * s->cap_names : 16;
        char **n2 = realloc(s->names, cap * sizeof *n2);
        if (!n2)
            return -1;
        s->names = n2;
        s->cap_names = cap;
    }
    char *d = strdup(name);
    if (!d)
        return -1;
    s->names[s->n_names] = d;
    return s->n_names++;
}

static void own_run(ur_store *s, int64_t run)
{
    for (int i = 0; i < s->n_owned; i++)
        if (s->owned[i] == run)
            return;
    if (s->n_owned == s->cap_owned) {
        int cap = s->cap_owned ? 2 * s->cap_owned : 4;
        int64_t *o = realloc(s->owned, cap * sizeof *o);
        if (!o)
            return;   /* the run then simply gets no heartbeat from flushes */
        s->owned = o;
        s->cap_owned = cap;
    }
    s->owned[s->n_owned++] = run;
}

static void disown_run(ur_store *s, int64_t run)
{
    for (int i = 0; i < s->n_owned; i++)
        if (s->owned[i] == run)
            s->owned[i--] = s->owned[--s->n_owned];
}

static ur_status check_run(ur_store *s, int64_t run, char *status_out, size_t status_cap, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "SELECT status FROM runs WHERE id = :id", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    bind_i64(q, ":id", run);
    int rc = sqlite3_step(q);
    ur_status st = UR_OK;
    if (rc == SQLITE_ROW) {
        if (status_out)
            snprintf(status_out, status_cap, "%s", (const char *)sqlite3_column_text(q, 0));
    } else if (rc == SQLITE_DONE) {
        st = ur_error(ctx, UR_ERR_INVALID, "%s: no run %" PRId64, s->path, run);
    } else {
        st = db_error(s, ctx, "looking up a run");
    }
    sqlite3_finalize(q);
    return st;
}

static ur_status add_event(ur_store *s, int64_t run, const char *kind, int64_t step,
                           const char *detail, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "INSERT INTO events (run, kind, step, time, detail) "
                                 "SELECT :run, :kind, :step, :time, :detail "
                                 "WHERE :detail IS NULL OR json_valid(:detail)", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    bind_i64(q, ":run", run);
    bind_text(q, ":kind", kind);
    if (step >= 0)
        bind_i64(q, ":step", step);
    bind_f64(q, ":time", now_seconds());
    bind_text(q, ":detail", detail);
    ur_status st = step_done(s, q, "recording an event", ctx);
    if (!st && sqlite3_changes(s->db) == 0)
        st = ur_error(ctx, UR_ERR_INVALID, "%s: event '%s' of run %" PRId64 ": the detail is not "
                      "valid JSON: %s", s->path, kind, run, detail);
    sqlite3_finalize(q);
    return st;
}

static int64_t model_id(ur_store *s, const ur_run_spec *spec, ur_ctx *ctx)
{
    size_t len = strlen(spec->model_json);
    char hash[17];
    snprintf(hash, sizeof hash, "%016" PRIx64, fnv1a64(spec->model_json, len));
    /* The parameter count, when the document builds into a graph. */
    int64_t params = -1;
    ur_ctx quiet = {0};
    ur_value *doc = ur_json_parse(spec->model_json, len, "model", &quiet);
    if (doc) {
        ur_graph *g = ur_graph_from_value(doc, &quiet);
        if (g && ur_graph_check(g, &quiet) == UR_OK)
            params = ur_graph_count_params(g, true) + ur_graph_count_params(g, false);
        ur_graph_free(g);
        ur_value_free(doc);
    }
    sqlite3_stmt *q = prepare(s,
        "INSERT INTO models (hash, name, json, units, params, created) VALUES (:hash, :name, :json, "
        " CASE WHEN json_valid(:json) THEN ("
        "  SELECT coalesce(json_extract(value, '$.units'), json_extract(value, '$.layer.units')) "
        "  FROM json_each(:json, '$.layers') "
        "  WHERE json_extract(value, '$.class') IN ('SimpleRNN', 'LSTM', 'GRU') "
        "     OR (json_extract(value, '$.class') = 'Bidirectional' "
        "         AND json_extract(value, '$.layer.class') IN ('SimpleRNN', 'LSTM', 'GRU')) "
        "  ORDER BY key LIMIT 1) END, :params, :now) "
        "ON CONFLICT (hash) DO NOTHING", ctx);
    if (!q)
        return 0;
    bind_text(q, ":hash", hash);
    bind_text(q, ":name", spec->model_name);
    bind_text(q, ":json", spec->model_json);
    if (params >= 0)
        bind_i64(q, ":params", params);
    bind_f64(q, ":now", now_seconds());
    ur_status st = step_done(s, q, "recording the model", ctx);
    sqlite3_finalize(q);
    if (st)
        return 0;
    q = prepare(s, "SELECT id FROM models WHERE hash = :hash", ctx);
    if (!q)
        return 0;
    bind_text(q, ":hash", hash);
    int64_t id = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (!id)
        db_error(s, ctx, "recording the model");
    sqlite3_finalize(q);
    return id;
}

static int64_t dataset_id(ur_store *s, const ur_run_spec *spec, ur_ctx *ctx)
{
    static const char *const sql[2] = {
        "INSERT INTO datasets (name, kind, source, hash, n_train, n_val) "
        "VALUES (:name, :kind, :source, :hash, :n_train, :n_val) ON CONFLICT DO NOTHING",
        "SELECT id FROM datasets WHERE name = :name AND kind = :kind AND source = :source "
        "AND hash = :hash AND n_train = :n_train AND n_val = :n_val",
    };
    int64_t id = 0;
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *q = prepare(s, sql[i], ctx);
        if (!q)
            return 0;
        bind_text(q, ":name", spec->dataset_name);
        bind_text(q, ":kind", spec->dataset_kind ? spec->dataset_kind : "file");
        bind_text(q, ":source", spec->dataset_source ? spec->dataset_source : "");
        bind_i64(q, ":hash", (int64_t)spec->dataset_hash);
        bind_i64(q, ":n_train", spec->n_train);
        bind_i64(q, ":n_val", spec->n_val);
        int rc = sqlite3_step(q);
        if (i == 1 && rc == SQLITE_ROW)
            id = sqlite3_column_int64(q, 0);
        else if (rc != SQLITE_DONE)
            db_error(s, ctx, "recording the dataset");
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            return 0;
    }
    if (!id)
        ur_error(ctx, UR_ERR_INTERNAL, "%s: the dataset row vanished", s->path);
    return id;
}

int64_t ur_store_run_begin(ur_store *s, const ur_run_spec *spec, ur_ctx *ctx)
{
    if (!spec || !spec->model_json || !spec->fit) {
        ur_error(ctx, UR_ERR_INVALID, "%s: a run needs its model document and fit settings",
                 s->path);
        return 0;
    }
    if (begin_write(s, ctx))
        return 0;
    int64_t mid = model_id(s, spec, ctx);
    int64_t did = mid && spec->dataset_name ? dataset_id(s, spec, ctx) : -1;
    if (!mid || !did) {
        rollback(s, UR_OK);
        return 0;
    }
    sqlite3_stmt *q = prepare(s,
        "INSERT INTO runs (model_id, dataset_id, status, device, loss, from_logits, optimizer, "
        " learning_rate, momentum, nesterov, rho, centered, beta_1, beta_2, epsilon, amsgrad, "
        " weight_decay, clipnorm, global_clipnorm, clipvalue, batch_size, epochs, shuffle, "
        " validation_split, seed, metric_accuracy, metric_mae, hparams, started, parent_run, label, "
        " owner_pid, owner_start, host, heartbeat) "
        "VALUES (:model, :dataset, 'running', :device, :loss, :from_logits, :optimizer, "
        " :learning_rate, :momentum, :nesterov, :rho, :centered, :beta_1, :beta_2, :epsilon, :amsgrad, "
        " :weight_decay, :clipnorm, :global_clipnorm, :clipvalue, :batch_size, :epochs, :shuffle, "
        " :validation_split, :seed, :metric_accuracy, :metric_mae, json_object("
        "  'loss', :loss, 'from_logits', json(CASE :from_logits WHEN 1 THEN 'true' ELSE 'false' END), "
        "  'optimizer', :optimizer, 'learning_rate', :learning_rate, 'momentum', :momentum, "
        "  'nesterov', json(CASE :nesterov WHEN 1 THEN 'true' ELSE 'false' END), 'rho', :rho, "
        "  'centered', json(CASE :centered WHEN 1 THEN 'true' ELSE 'false' END), "
        "  'beta_1', :beta_1, 'beta_2', :beta_2, 'epsilon', :epsilon, "
        "  'amsgrad', json(CASE :amsgrad WHEN 1 THEN 'true' ELSE 'false' END), "
        "  'weight_decay', :weight_decay, 'clipnorm', :clipnorm, 'global_clipnorm', :global_clipnorm, "
        "  'clipvalue', :clipvalue, 'batch_size', :batch_size, 'epochs', :epochs, "
        "  'shuffle', json(CASE :shuffle WHEN 1 THEN 'true' ELSE 'false' END), "
        "  'validation_split', :validation_split, 'seed', :seed_text, "
        "  'metric_accuracy', json(CASE :metric_accuracy WHEN 1 THEN 'true' ELSE 'false' END), "
        "  'metric_mae', json(CASE :metric_mae WHEN 1 THEN 'true' ELSE 'false' END)), "
        " :now, :parent, :label, :pid, :pid_start, :host, :now)", ctx);
    if (!q) {
        rollback(s, UR_OK);
        return 0;
    }
    const ur_fit_config *f = spec->fit;
    const ur_optimizer_config *o = &f->optimizer;
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, f->seed);
    bind_i64(q, ":model", mid);
    if (did > 0)
        bind_i64(q, ":dataset", did);
    bind_text(q, ":device", spec->device ? spec->device : "cpu");
    bind_text(q, ":loss", ur_loss_name(f->loss.kind));
    bind_i64(q, ":from_logits", f->loss.from_logits);
    bind_text(q, ":optimizer", ur_optimizer_name(o->kind));
    bind_f64(q, ":learning_rate", o->learning_rate);
    bind_f64(q, ":momentum", o->momentum);
    bind_i64(q, ":nesterov", o->nesterov);
    bind_f64(q, ":rho", o->rho);
    bind_i64(q, ":centered", o->centered);
    bind_f64(q, ":beta_1", o->beta_1);
    bind_f64(q, ":beta_2", o->beta_2);
    bind_f64(q, ":epsilon", o->epsilon);
    bind_i64(q, ":amsgrad", o->amsgrad);
    bind_f64(q, ":weight_decay", o->weight_decay);
    bind_f64(q, ":clipnorm", o->clipnorm);
    bind_f64(q, ":global_clipnorm", o->global_clipnorm);
    bind_f64(q, ":clipvalue", o->clipvalue);
    bind_i64(q, ":batch_size", f->batch_size);
    bind_i64(q, ":epochs", f->epochs);
    bind_i64(q, ":shuffle", f->shuffle);
    bind_f64(q, ":validation_split", f->validation_split);
    bind_i64(q, ":seed", (int64_t)f->seed);
    bind_text(q, ":seed_text", seed_text);
    bind_i64(q, ":metric_accuracy", f->metric_accuracy);
    bind_i64(q, ":metric_mae", f->metric_mae);
    bind_f64(q, ":now", now_seconds());
    if (spec->parent_run > 0)
        bind_i64(q, ":parent", spec->parent_run);
    bind_text(q, ":label", spec->label);
    bind_i64(q, ":pid", (int64_t)getpid());
    bind_i64(q, ":pid_start", s->self_start);
    bind_text(q, ":host", s->host);
    ur_status st = step_done(s, q, "recording the run", ctx);
    sqlite3_finalize(q);
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (st || commit(s, ctx)) {
        rollback(s, UR_OK);
        return 0;
    }
    own_run(s, id);
    return id;
}

ur_status ur_store_run_claim(ur_store *s, int64_t run, int64_t from_step, ur_ctx *ctx)
{
    char status[32];
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, status, sizeof status, ctx)))
        return rollback(s, st);
    if (strcmp(status, "interrupted") && strcmp(status, "paused") && strcmp(status, "failed"))
        return rollback(s, ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 " is %s; only an "
                                    "interrupted, paused or failed run can be resumed", s->path, run,
                                    status));
    sqlite3_stmt *q = prepare(s, "UPDATE runs SET status = 'running', ended = NULL, error = NULL, "
                                 "owner_pid = :pid, owner_start = :pid_start, host = :host, "
                                 "heartbeat = :now WHERE id = :id", ctx);
    if (!q)
        return rollback(s, ctx ? ctx->status : UR_ERR_IO);
    bind_i64(q, ":pid", (int64_t)getpid());
    bind_i64(q, ":pid_start", s->self_start);
    bind_text(q, ":host", s->host);
    bind_f64(q, ":now", now_seconds());
    bind_i64(q, ":id", run);
    st = step_done(s, q, "claiming the run", ctx);
    sqlite3_finalize(q);
    char detail[96];
    snprintf(detail, sizeof detail, "{\"from\": \"%s\", \"pid\": %ld}", status, (long)getpid());
    if (st || (st = add_event(s, run, "resume", from_step, detail, ctx)) || (st = commit(s, ctx)))
        return rollback(s, st);
    own_run(s, run);
    return UR_OK;
}

/* ------------------------------------------------------ metric chunks */

/* A chunk's points: records of UR_POINT_BYTES, little-endian (schema.sql):
 * int64 step, int32 epoch, int32 0, double value, double wall_time. */
#define UR_POINT_BYTES 32
#define UR_CHUNK_MAX 65536    /* points per chunk row at most */

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_f64(unsigned char *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put_le64(p, v);
}

static double get_f64(const unsigned char *p)
{
    uint64_t v = get_le64(p);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

static void encode_point(unsigned char *p, const ur_metric_point *pt)
{
    put_le64(p, (uint64_t)pt->step);
    put_le64(p + 8, (uint64_t)(uint32_t)pt->epoch);   /* epoch, then the int32 0 */
    put_f64(p + 16, pt->value);
    put_f64(p + 24, pt->wall_time);
}

static void decode_point(const unsigned char *p, ur_metric_point *pt)
{
    pt->step = (int64_t)get_le64(p);
    pt->epoch = (int32_t)(uint32_t)get_le64(p + 8);
    pt->value = get_f64(p + 16);
    pt->wall_time = get_f64(p + 24);
}

/* Stable merge sort of p[0..n) by step; tmp holds n points. */
static void sort_points(ur_metric_point *p, ur_metric_point *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_points(p, tmp, h);
    sort_points(p + h, tmp, n - h);
    if (p[h - 1].step <= p[h].step)
        return;
    memcpy(tmp, p, n * sizeof *p);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        p[k++] = tmp[j].step < tmp[i].step ? tmp[j++] : tmp[i++];
    while (i < h)
        p[k++] = tmp[i++];
    while (j < n)
        p[k++] = tmp[j++];
}

/* Sorts p[0..n) by step (stable) unless it already is; false when out of memory. */
static bool sort_if_needed(ur_metric_point *p, size_t n)
{
    size_t i = 1;
    while (i < n && p[i - 1].step <= p[i].step)
        i++;
    if (i >= n)
        return true;
    ur_metric_point *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return false;
    sort_points(p, tmp, n);
    free(tmp);
    return true;
}

/* Writes p[0..n) (in step order) of one run and name as chunk rows. */
static ur_status write_chunks(ur_store *s, int64_t run, const char *name, const ur_metric_point *p,
                              size_t n, unsigned char *blob, ur_ctx *ctx)
{
    sqlite3_stmt *m = s->st[ST_METRIC];
    for (size_t a = 0; a < n; a += UR_CHUNK_MAX) {
        size_t c = n - a < UR_CHUNK_MAX ? n - a : UR_CHUNK_MAX;
        double last_wall = p[a].wall_time;
        for (size_t k = 0; k < c; k++) {
            encode_point(blob + k * UR_POINT_BYTES, &p[a + k]);
            if (p[a + k].wall_time > last_wall || isnan(last_wall))
                last_wall = p[a + k].wall_time;
        }
        sqlite3_bind_int64(m, 1, run);
        sqlite3_bind_text(m, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(m, 3, p[a].step);
        sqlite3_bind_int64(m, 4, p[a + c - 1].step);
        sqlite3_bind_int64(m, 5, (int64_t)c);
        sqlite3_bind_double(m, 6, isnan(last_wall) ? 0.0 : last_wall);
        sqlite3_bind_blob64(m, 7, blob, (sqlite3_uint64)c * UR_POINT_BYTES, SQLITE_STATIC);
        ur_status st = step_done(s, m, "writing metric points", ctx);
        sqlite3_clear_bindings(m);
        if (st)
            return st;
    }
    return UR_OK;
}

/* The buffered points grouped by (run, name) in the order first seen, each
 * group sorted by step (stable), and written as chunks. */
static ur_status write_point_chunks(ur_store *s, ur_ctx *ctx)
{
    size_t n = s->n_buf;
    if (n == 0)
        return UR_OK;
    typedef struct { int64_t run; int name; size_t count, at; } group;
    group *g = NULL;
    size_t n_g = 0, cap_g = 0, hit = 0;
    uint32_t *gid = malloc(n * sizeof *gid);
    ur_metric_point *pts = malloc(n * sizeof *pts);
    unsigned char *blob = malloc((n < UR_CHUNK_MAX ? n : UR_CHUNK_MAX) * UR_POINT_BYTES);
    ur_status st = UR_OK;
    if (!gid || !pts || !blob)
        st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
    for (size_t k = 0; k < n && !st; k++) {
        const pending_point *p = &s->buf[k];
        if (!(hit < n_g && g[hit].run == p->run && g[hit].name == p->name)) {
            for (hit = 0; hit < n_g && !(g[hit].run == p->run && g[hit].name == p->name); hit++)
                ;
            if (hit == n_g) {
                if (n_g == cap_g) {
                    cap_g = cap_g ? 2 * cap_g : 16;
                    group *g2 = realloc(g, cap_g * sizeof *g2);
                    if (!g2) {
                        st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
                        break;
                    }
                    g = g2;
                }
                g[n_g++] = (group){p->run, p->name, 0, 0};
            }
        }
        gid[k] = (uint32_t)hit;
        g[hit].count++;
    }
    for (size_t i = 1; i < n_g; i++)
        g[i].at = g[i - 1].at + g[i - 1].count;
    for (size_t k = 0; k < n && !st; k++) {
        const pending_point *p = &s->buf[k];
        pts[g[gid[k]].at++] = (ur_metric_point){p->step, p->epoch, p->value, p->wall};
    }
    for (size_t i = 0, at = 0; i < n_g && !st; at += g[i].count, i++) {
        if (!sort_if_needed(pts + at, g[i].count))
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
        else
            st = write_chunks(s, g[i].run, s->names[g[i].name], pts + at, g[i].count, blob, ctx);
    }
    free(g);
    free(gid);
    free(pts);
    free(blob);
    return st;
}

/* Writes the buffered points and the heartbeat of this connection's runs;
 * inside a write transaction. The buffer is emptied by the caller after
 * the commit. */
static ur_status write_pending(ur_store *s, ur_ctx *ctx)
{
    if (s->buf_failed)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: metric points were lost: out of memory", s->path);
    size_t n = s->n_buf;
    /* Only a (run, name, epoch)'s last point in the batch can be its
     * epoch-level point: mark those, scanning backwards (a small set of seen
     * keys; past it every point is upserted, which is still right). */
    enum { SEEN_MAX = 256 };
    struct { int64_t run; int name, epoch; } seen[SEEN_MAX];
    int n_seen = 0, hit = 0;
    unsigned char *last = malloc(n ? n : 1);
    if (!last)
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
    for (size_t k = n; k-- > 0;) {
        const pending_point *p = &s->buf[k];
        int j = hit < n_seen && seen[hit].run == p->run && seen[hit].name == p->name &&
                seen[hit].epoch == p->epoch ? hit : 0;
        while (j < n_seen && !(seen[j].run == p->run && seen[j].name == p->name &&
                               seen[j].epoch == p->epoch))
            j++;
        if (j < n_seen) {
            last[k] = 0;
            hit = j;
        } else {
            last[k] = 1;
            if (n_seen < SEEN_MAX) {
                seen[n_seen].run = p->run;
                seen[n_seen].name = p->name;
                seen[n_seen++].epoch = p->epoch;
            }
        }
    }
    sqlite3_stmt *e = s->st[ST_EPOCH];
    ur_status st = write_point_chunks(s, ctx);
    for (size_t k = 0; k < n && !st; k++) {
        const pending_point *p = &s->buf[k];
        const char *name = s->names[p->name];
        if (last[k]) {
            bind_i64(e, ":run", p->run);
            sqlite3_bind_text(e, pidx(e, ":name"), name, -1, SQLITE_STATIC);
            bind_i64(e, ":epoch", p->epoch);
            bind_i64(e, ":step", p->step);
            bind_f64(e, ":value", p->value);   /* NaN is stored as NULL */
            st = step_done(s, e, "writing metric points", ctx);
        }
    }
    free(last);
    sqlite3_stmt *h = s->st[ST_HEARTBEAT];
    double now = now_seconds();
    for (int i = 0; i < s->n_owned && !st; i++) {
        bind_f64(h, ":now", now);
        bind_i64(h, ":run", s->owned[i]);
        st = step_done(s, h, "renewing the heartbeat", ctx);
    }
    if (st && ctx && strstr(ctx->message, "FOREIGN KEY"))
        ur_error(ctx, UR_ERR_INVALID, "%s: metric points of a run that does not exist", s->path);
    return st;
}

void ur_store_metric(ur_store *s, int64_t run, const char *name, int64_t step, int epoch,
                     double value, double wall_time)
{
    int ni = name ? intern_name(s, name) : -1;
    if (ni < 0) {
        s->buf_failed = true;
        return;
    }
    if (s->n_buf == s->cap_buf) {
        size_t cap = s->cap_buf ? 2 * s->cap_buf : 1024;
        pending_point *b = realloc(s->buf, cap * sizeof *b);
        if (!b) {
            s->buf_failed = true;
            return;
        }
        s->buf = b;
        s->cap_buf = cap;
    }
    s->buf[s->n_buf++] = (pending_point){run, ni, epoch, step, value, wall_time};
}

ur_status ur_store_flush(ur_store *s, ur_ctx *ctx)
{
    if (s->n_buf == 0 && s->n_owned == 0 && !s->buf_failed)
        return UR_OK;
    ur_status st = begin_write(s, ctx);
    if (st || (st = write_pending(s, ctx)) || (st = commit(s, ctx))) {
        rollback(s, st);
        s->buf_failed = false;   /* reported once; the buffer stays for another try */
        return st;
    }
    s->n_buf = 0;
    return UR_OK;
}

ur_status ur_store_run_end(ur_store *s, int64_t run, ur_run_status status, const char *error,
                           ur_ctx *ctx)
{
    if ((unsigned)status > UR_RUN_INTERRUPTED)
        return ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 ": no status %d", s->path, run,
                        (int)status);
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, NULL, 0, ctx)) || (st = write_pending(s, ctx)))
        return rollback(s, st);
    sqlite3_stmt *q = prepare(s, "UPDATE runs SET status = :status, error = :error, ended = "
                                 "CASE WHEN :status IN ('running', 'paused') THEN NULL ELSE :now END, "
                                 "heartbeat = :now WHERE id = :id", ctx);
    if (!q)
        return rollback(s, ctx ? ctx->status : UR_ERR_IO);
    bind_text(q, ":status", ur_run_status_name(status));
    bind_text(q, ":error", error);
    bind_f64(q, ":now", now_seconds());
    bind_i64(q, ":id", run);
    st = step_done(s, q, "ending the run", ctx);
    sqlite3_finalize(q);
    if (st || (st = commit(s, ctx)))
        return rollback(s, st);
    s->n_buf = 0;
    if (status != UR_RUN_RUNNING)
        disown_run(s, run);
    return UR_OK;
}

ur_status ur_store_run_set_label(ur_store *s, int64_t run, const char *label, const char *notes,
                                 ur_ctx *ctx)
{
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, NULL, 0, ctx)))
        return rollback(s, st);
    sqlite3_stmt *q = prepare(s, "UPDATE runs SET label = coalesce(:label, label), "
                                 "notes = coalesce(:notes, notes) WHERE id = :id", ctx);
    if (!q)
        return rollback(s, ctx ? ctx->status : UR_ERR_IO);
    bind_text(q, ":label", label);
    bind_text(q, ":notes", notes);
    bind_i64(q, ":id", run);
    st = step_done(s, q, "setting the label", ctx);
    sqlite3_finalize(q);
    return st ? rollback(s, st) : commit(s, ctx);
}

ur_status ur_store_checkpoint(ur_store *s, int64_t run, const ur_checkpoint *cp, int keep_epochs,
                              ur_ctx *ctx)
{
    if (!cp || (unsigned)cp->kind > UR_CHECKPOINT_EPOCH || (!cp->weights && cp->weights_len))
        return ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 ": a bad checkpoint", s->path, run);
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, NULL, 0, ctx)) || (st = write_pending(s, ctx)))
        return rollback(s, st);
    const char *kind = checkpoint_kinds[cp->kind];
    sqlite3_stmt *del = prepare(s, "DELETE FROM checkpoints WHERE run = :run AND kind = :kind "
                                   "AND (kind <> 'epoch' OR epoch = :epoch)", ctx);
    sqlite3_stmt *ins = del ? prepare(s, "INSERT INTO checkpoints (run, kind, epoch, step, weights, "
                                         "state, monitor, monitor_value, created) VALUES (:run, "
                                         ":kind, :epoch, :step, :weights, :state, :monitor, :value, "
                                         ":now)", ctx) : NULL;
    sqlite3_stmt *trim = ins ? prepare(s, "DELETE FROM checkpoints WHERE run = :run AND kind = 'epoch' "
                                          "AND id NOT IN (SELECT id FROM checkpoints WHERE run = :run "
                                          "AND kind = 'epoch' ORDER BY epoch DESC LIMIT :keep)", ctx)
                             : NULL;
    if (!trim) {
        st = ctx ? ctx->status : UR_ERR_IO;
    } else {
        bind_i64(del, ":run", run);
        bind_text(del, ":kind", kind);
        bind_i64(del, ":epoch", cp->epoch);
        st = step_done(s, del, "replacing a checkpoint", ctx);
        bind_i64(ins, ":run", run);
        bind_text(ins, ":kind", kind);
        bind_i64(ins, ":epoch", cp->epoch);
        bind_i64(ins, ":step", cp->step);
        sqlite3_bind_blob64(ins, pidx(ins, ":weights"), cp->weights ? cp->weights : "",
                            cp->weights_len, SQLITE_STATIC);
        if (cp->state)
            sqlite3_bind_blob64(ins, pidx(ins, ":state"), cp->state, cp->state_len, SQLITE_STATIC);
        bind_text(ins, ":monitor", cp->monitor);
        if (cp->monitor)
            bind_f64(ins, ":value", cp->monitor_value);
        bind_f64(ins, ":now", now_seconds());
        if (!st)
            st = step_done(s, ins, "writing a checkpoint", ctx);
        if (!st && cp->kind == UR_CHECKPOINT_EPOCH && keep_epochs > 0) {
            bind_i64(trim, ":run", run);
            bind_i64(trim, ":keep", keep_epochs);
            st = step_done(s, trim, "deleting old checkpoints", ctx);
        }
    }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(trim);
    if (st || (st = commit(s, ctx)))
        return rollback(s, st);
    s->n_buf = 0;
    return UR_OK;
}

ur_status ur_store_event(ur_store *s, int64_t run, const char *kind, int64_t step,
                         const char *detail_json, ur_ctx *ctx)
{
    if (!kind || !*kind)
        return ur_error(ctx, UR_ERR_INVALID, "%s: an event needs a kind", s->path);
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, NULL, 0, ctx)) ||
        (st = add_event(s, run, kind, step, detail_json, ctx)))
        return rollback(s, st);
    return commit(s, ctx);
}

/* ------------------------------------------------------------- reading */

void ur_run_row_clear(ur_run_row *r)
{
    if (!r)
        return;
    free(r->label);
    free(r->model_name);
    free(r->model_json);
    free(r->dataset_name);
    free(r->dataset_kind);
    free(r->dataset_source);
    free(r->device);
    free(r->error);
    free(r->notes);
    free(r->hparams_json);
    for (int i = 0; i < r->n_metrics; i++)
        free(r->metric_names[i]);
    free(r->metric_names);
    free(r->final_values);
    free(r->best_values);
    memset(r, 0, sizeof *r);
}

/* Lower is better except for accuracies. */
static bool higher_is_better(const char *name)
{
    return strstr(name, "accuracy") != NULL;
}

static double col_f64(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

static ur_status fill_metrics(ur_store *s, sqlite3_stmt *q, int64_t run, ur_run_row *r, ur_ctx *ctx)
{
    sqlite3_bind_int64(q, 1, run);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        double v = col_f64(q, 2);
        int k = r->n_metrics - 1;
        if (k < 0 || strcmp(r->metric_names[k], name) != 0) {
            k = r->n_metrics;
            char **n2 = realloc(r->metric_names, (k + 1) * sizeof *n2);
            if (n2)
                r->metric_names = n2;
            double *f2 = n2 ? realloc(r->final_values, (k + 1) * sizeof *f2) : NULL;
            if (f2)
                r->final_values = f2;
            double *b2 = f2 ? realloc(r->best_values, (k + 1) * sizeof *b2) : NULL;
            if (b2)
                r->best_values = b2;
            if (!b2 || !(r->metric_names[k] = strdup(name))) {
                sqlite3_reset(q);
                return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
            }
            r->n_metrics++;
            r->best_values[k] = v;
        } else if (!isnan(v)) {
            double b = r->best_values[k];
            if (isnan(b) || (higher_is_better(name) ? v > b : v < b))
                r->best_values[k] = v;
        }
        r->final_values[k] = v;
        if (strcmp(name, "loss") == 0)
            r->epochs_done++;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? UR_OK : db_error(s, ctx, "reading a run's metrics");
}

static const char run_row_sql[] =
    "SELECT r.id, r.label, m.name, m.json, d.name, d.kind, d.source, d.hash, r.status, r.device, "
    " r.error, r.notes, r.parent_run, r.started, r.ended, r.loss, r.from_logits, r.optimizer, "
    " r.learning_rate, r.momentum, r.nesterov, r.rho, r.centered, r.beta_1, r.beta_2, r.epsilon, "
    " r.amsgrad, r.weight_decay, r.clipnorm, r.global_clipnorm, r.clipvalue, r.batch_size, r.epochs, "
    " r.shuffle, r.validation_split, r.seed, r.metric_accuracy, r.metric_mae, r.hparams "
    "FROM runs AS r JOIN models AS m ON m.id = r.model_id LEFT JOIN datasets AS d ON d.id = r.dataset_id "
    "WHERE r.id = ?1";
static const char run_metrics_sql[] =
    "SELECT name, epoch, value FROM metric_epochs WHERE run = ?1 ORDER BY name, epoch";

static ur_status fill_row(ur_store *s, sqlite3_stmt *q, sqlite3_stmt *mq, int64_t run, ur_run_row *r,
                          ur_ctx *ctx)
{
    memset(r, 0, sizeof *r);
    sqlite3_bind_int64(q, 1, run);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? ur_error(ctx, UR_ERR_INVALID, "%s: no run %" PRId64, s->path, run)
                                 : db_error(s, ctx, "reading a run");
    }
    int c = 0;
    r->id = sqlite3_column_int64(q, c++);
    r->label = col_dup(q, c++);
    r->model_name = col_dup(q, c++);
    r->model_json = col_dup(q, c++);
    r->dataset_name = col_dup(q, c++);
    r->dataset_kind = col_dup(q, c++);
    r->dataset_source = col_dup(q, c++);
    r->dataset_hash = (uint64_t)sqlite3_column_int64(q, c++);
    int stn = status_parse((const char *)sqlite3_column_text(q, c++));
    r->status = stn < 0 ? UR_RUN_FAILED : (ur_run_status)stn;
    r->device = col_dup(q, c++);
    r->error = col_dup(q, c++);
    r->notes = col_dup(q, c++);
    r->parent_run = sqlite3_column_int64(q, c++);
    r->started = sqlite3_column_double(q, c++);
    r->ended = sqlite3_column_double(q, c++);
    ur_fit_config *f = &r->fit;
    ur_fit_config_defaults(f);
    const char *loss = (const char *)sqlite3_column_text(q, c++);
    if (loss)
        ur_loss_parse(loss, &f->loss, NULL);
    f->loss.from_logits = sqlite3_column_int(q, c++);
    const char *opt = (const char *)sqlite3_column_text(q, c++);
    if (opt)
        ur_optimizer_defaults(opt, &f->optimizer, NULL);
    ur_optimizer_config *o = &f->optimizer;
    o->learning_rate = sqlite3_column_double(q, c++);
    o->momentum = sqlite3_column_double(q, c++);
    o->nesterov = sqlite3_column_int(q, c++);
    o->rho = sqlite3_column_double(q, c++);
    o->centered = sqlite3_column_int(q, c++);
    o->beta_1 = sqlite3_column_double(q, c++);
    o->beta_2 = sqlite3_column_double(q, c++);
    o->epsilon = sqlite3_column_double(q, c++);
    o->amsgrad = sqlite3_column_int(q, c++);
    o->weight_decay = sqlite3_column_double(q, c++);
    o->clipnorm = sqlite3_column_double(q, c++);
    o->global_clipnorm = sqlite3_column_double(q, c++);
    o->clipvalue = sqlite3_column_double(q, c++);
    f->batch_size = sqlite3_column_int64(q, c++);
    f->epochs = sqlite3_column_int(q, c++);
    f->shuffle = sqlite3_column_int(q, c++);
    f->validation_split = sqlite3_column_double(q, c++);
    f->seed = (uint64_t)sqlite3_column_int64(q, c++);
    f->metric_accuracy = sqlite3_column_int(q, c++);
    f->metric_mae = sqlite3_column_int(q, c++);
    r->hparams_json = col_dup(q, c++);
    sqlite3_reset(q);
    ur_status st = fill_metrics(s, mq, run, r, ctx);
    if (st)
        ur_run_row_clear(r);
    return st;
}

ur_status ur_store_run_get(ur_store *s, int64_t run, ur_run_row *out, ur_ctx *ctx)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = prepare(s, run_row_sql, ctx);
    sqlite3_stmt *mq = q ? prepare(s, run_metrics_sql, ctx) : NULL;
    ur_status st = mq ? UR_OK : (ctx ? ctx->status : UR_ERR_IO);
    /* One read transaction: the run and its metrics from the same snapshot. */
    if (!st)
        st = exec_sql(s, "BEGIN", "reading a run", ctx);
    if (!st) {
        st = fill_row(s, q, mq, run, out, ctx);
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(mq);
    return st;
}

void ur_run_rows_free(ur_run_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        ur_run_row_clear(&rows[i]);
    free(rows);
}

/* The authorizer for --where: reading and calling functions only. */
typedef struct where_auth {
    int denied;          /* the first refused action code, 0 if none */
    char what[128];
} where_auth;

static int where_authorizer(void *user, int action, const char *a, const char *b, const char *db,
                            const char *trigger)
{
    where_auth *w = user;
    if (action == SQLITE_SELECT || action == SQLITE_READ || action == SQLITE_FUNCTION)
        return SQLITE_OK;
    if (!w->denied) {
        static const struct { int code; const char *name; } names[] = {
            {SQLITE_INSERT, "an INSERT"}, {SQLITE_UPDATE, "an UPDATE"}, {SQLITE_DELETE, "a DELETE"},
            {SQLITE_DROP_TABLE, "a DROP TABLE"}, {SQLITE_PRAGMA, "a PRAGMA"},
            {SQLITE_ATTACH, "an ATTACH"}, {SQLITE_TRANSACTION, "a transaction"},
            {SQLITE_CREATE_TABLE, "a CREATE TABLE"}, {SQLITE_RECURSIVE, "a recursive query"},
        };
        w->denied = action;
        snprintf(w->what, sizeof w->what, "an operation (code %d)", action);
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (names[i].code == action)
                snprintf(w->what, sizeof w->what, "%s%s%s", names[i].name, a ? " of " : "",
                         a ? a : "");
    }
    return SQLITE_DENY;
}

/* The columns of runs_view, NULL-terminated; malloc'd. */
static char **view_columns(ur_store *s, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "SELECT * FROM runs_view LIMIT 0", ctx);
    if (!q)
        return NULL;
    int n = sqlite3_column_count(q);
    char **cols = calloc(n + 1, sizeof *cols);
    for (int i = 0; cols && i < n; i++)
        cols[i] = strdup(sqlite3_column_name(q, i));
    sqlite3_finalize(q);
    if (!cols)
        ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
    return cols;
}

static void free_columns(char **cols)
{
    for (int i = 0; cols && cols[i]; i++)
        free(cols[i]);
    free(cols);
}

ur_status ur_store_runs_list(ur_store *s, const char *where, const char *sort, int64_t limit,
                             ur_run_row **rows_out, int *n_out, ur_ctx *ctx)
{
    *rows_out = NULL;
    *n_out = 0;
    char **cols = view_columns(s, ctx);
    if (!cols)
        return ctx ? ctx->status : UR_ERR_IO;
    ur_status st = UR_OK;
    char order[160] = "started DESC, id DESC";
    if (sort && *sort) {
        bool desc = sort[0] == '-';
        const char *key = desc ? sort + 1 : sort;
        int i = 0;
        while (cols[i] && strcmp(cols[i], key) != 0)
            i++;
        if (!cols[i]) {
            const char *near = ur_closest(key, (const char *const *)cols);
            if (near)
                st = ur_error(ctx, UR_ERR_INVALID, "%s: --sort: no column '%s' in runs_view; did you "
                              "mean '%s'?", s->path, key, near);
            else
                st = ur_error(ctx, UR_ERR_INVALID, "%s: --sort: no column '%s' in runs_view (see "
                              "data/schema.sql for its columns)", s->path, key);
            free_columns(cols);
            return st;
        }
        snprintf(order, sizeof order, "\"%s\" %s, id %s", cols[i], desc ? "DESC" : "ASC",
                 desc ? "DESC" : "ASC");
    }
    size_t wlen = where ? strlen(where) : 1;
    char *sql = malloc(wlen + sizeof order + 128);
    if (!sql) {
        free_columns(cols);
        return ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
    }
    sprintf(sql, "SELECT id FROM runs_view WHERE (\n%s\n) ORDER BY %s LIMIT %" PRId64,
            where && *where ? where : "1", order, limit > 0 ? limit : (int64_t)-1);
    where_auth auth = {0};
    sqlite3_stmt *q = NULL;
    const char *tail = NULL;
    sqlite3_set_authorizer(s->db, where_authorizer, &auth);
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, &tail);
    sqlite3_set_authorizer(s->db, NULL, NULL);
    if (rc == SQLITE_OK && tail && tail[strspn(tail, " \t\r\n")]) {
        sqlite3_finalize(q);
        q = NULL;
        rc = SQLITE_ERROR;
    }
    free(sql); /* tail pointed into it */
    if (rc != SQLITE_OK || !q) {
        const char *msg = sqlite3_errmsg(s->db);
        if (auth.denied)
            st = ur_error(ctx, UR_ERR_INVALID, "%s: --where \"%s\": refused %s: only a read-only "
                          "expression over runs_view is allowed", s->path, where, auth.what);
        else if (where && strchr(where, ';'))
            st = ur_error(ctx, UR_ERR_INVALID, "%s: --where \"%s\": one read-only expression over "
                          "runs_view, no ';' and no further statements", s->path, where);
        else if (strncmp(msg, "no such column: ", 16) == 0 &&
                 ur_closest(msg + 16, (const char *const *)cols))
            st = ur_error(ctx, UR_ERR_INVALID, "%s: --where \"%s\": %s; did you mean '%s'?", s->path,
                          where, msg, ur_closest(msg + 16, (const char *const *)cols));
        else
            st = ur_error(ctx, UR_ERR_INVALID, "%s: --where \"%s\": %s%s", s->path, where ? where : "",
                          msg, strstr(msg, "syntax error") ? "" : " (an SQL expression over runs_view)");
        free_columns(cols);
        return st;
    }
    free_columns(cols);
    /* One read transaction: the ids and their rows from the same snapshot. */
    if ((st = exec_sql(s, "BEGIN", "listing runs", ctx))) {
        sqlite3_finalize(q);
        return st;
    }
    int64_t *ids = NULL;
    int n = 0, cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *i2 = realloc(ids, cap * sizeof *i2);
            if (!i2) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
                break;
            }
            ids = i2;
        }
        ids[n++] = sqlite3_column_int64(q, 0);
    }
    if (!st && rc != SQLITE_DONE)
        st = ur_error(ctx, UR_ERR_INVALID, "%s: --where \"%s\": %s", s->path, where ? where : "",
                      sqlite3_errmsg(s->db));
    sqlite3_finalize(q);
    ur_run_row *rows = NULL;
    int done = 0;
    if (!st && n > 0) {
        rows = calloc(n, sizeof *rows);
        sqlite3_stmt *rq = prepare(s, run_row_sql, ctx);
        sqlite3_stmt *mq = rq ? prepare(s, run_metrics_sql, ctx) : NULL;
        if (!rows)
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
        else if (!mq)
            st = ctx ? ctx->status : UR_ERR_IO;
        for (; !st && done < n; done++)
            st = fill_row(s, rq, mq, ids[done], &rows[done], ctx);
        sqlite3_finalize(rq);
        sqlite3_finalize(mq);
    }
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    free(ids);
    if (st) {
        ur_run_rows_free(rows, done);
        return st;
    }
    *rows_out = rows;
    *n_out = n;
    return UR_OK;
}

/* Reads the chunk rows of a run (one name, or all names ordered by name) in
 * first_step order and concatenates their points; a name whose chunks
 * overlap in steps is merge-sorted (stable: equal steps in chunk order). */
ur_status ur_store_metrics(ur_store *s, int64_t run, const char *name, ur_metric_point **points,
                           int64_t *n_out, ur_ctx *ctx)
{
    *points = NULL;
    *n_out = 0;
    /* size the result once: growing a buffer of a million points costs more than reading it */
    int64_t total = 0;
    sqlite3_stmt *cq = prepare(s, name ? "SELECT coalesce(sum(n), 0) FROM metrics "
                                         "WHERE run = ?1 AND name = ?2"
                                       : "SELECT coalesce(sum(n), 0) FROM metrics WHERE run = ?1",
                               ctx);
    if (!cq)
        return ctx ? ctx->status : UR_ERR_IO;
    sqlite3_bind_int64(cq, 1, run);
    if (name)
        sqlite3_bind_text(cq, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(cq) == SQLITE_ROW)
        total = sqlite3_column_int64(cq, 0);
    sqlite3_finalize(cq);
    sqlite3_stmt *q = prepare(s, name ? "SELECT name, first_step, last_step, n, points FROM metrics "
                                        "WHERE run = ?1 AND name = ?2 ORDER BY first_step, rowid"
                                      : "SELECT name, first_step, last_step, n, points FROM metrics "
                                        "WHERE run = ?1 ORDER BY name, first_step, rowid", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    sqlite3_bind_int64(q, 1, run);
    if (name)
        sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    ur_metric_point *p = NULL;
    int64_t n = 0, cap = 0, group_at = 0, group_last = 0;
    char *group = NULL;          /* the name of the points from group_at on */
    bool unsorted = false;       /* a chunk of the group began before the last one ended */
    int rc;
    ur_status st = UR_OK;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *nm = (const char *)sqlite3_column_text(q, 0);
        int64_t first = sqlite3_column_int64(q, 1), last = sqlite3_column_int64(q, 2);
        int64_t c = sqlite3_column_int64(q, 3);
        const unsigned char *blob = sqlite3_column_blob(q, 4);
        int64_t bytes = sqlite3_column_bytes(q, 4);
        if (!nm || c <= 0 || bytes != c * UR_POINT_BYTES) {
            st = ur_error(ctx, UR_ERR_FORMAT, "%s: run %" PRId64 ", metric '%s': a damaged chunk "
                          "(%" PRId64 " points in %" PRId64 " bytes)", s->path, run, nm ? nm : "?",
                          c, bytes);
            break;
        }
        if (!group || strcmp(group, nm) != 0) {
            if (unsorted && !sort_if_needed(p + group_at, (size_t)(n - group_at))) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory sorting metric points", s->path);
                break;
            }
            free(group);
            if (!(group = strdup(nm))) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
                break;
            }
            group_at = n;
            unsorted = false;
        } else if (first < group_last) {
            unsorted = true;
        }
        if (n == group_at || last > group_last)
            group_last = last;
        if (n + c > cap) {
            int64_t cap2 = cap ? 2 * cap : (total > 0 ? total : 4096);
            while (cap2 < n + c)
                cap2 *= 2;
            ur_metric_point *p2 = realloc(p, (size_t)cap2 * sizeof *p2);
            if (!p2) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory reading %" PRId64 " points",
                              s->path, n + c);
                break;
            }
            p = p2;
            cap = cap2;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* the records are ur_metric_point's own layout here: one copy */
        if (sizeof *p == UR_POINT_BYTES && offsetof(ur_metric_point, epoch) == 8 &&
            offsetof(ur_metric_point, value) == 16 && offsetof(ur_metric_point, wall_time) == 24)
            memcpy(p + n, blob, (size_t)bytes);
        else
#endif
            for (int64_t k = 0; k < c; k++)
                decode_point(blob + k * UR_POINT_BYTES, &p[n + k]);
        n += c;
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, ctx, "reading metric points");
    if (!st && unsorted && !sort_if_needed(p + group_at, (size_t)(n - group_at)))
        st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory sorting metric points", s->path);
    sqlite3_finalize(q);
    free(group);
    if (st) {
        free(p);
        return st;
    }
    *points = p;
    *n_out = n;
    return UR_OK;
}

ur_status ur_store_metric_names(ur_store *s, int64_t run, char ***names_out, int *n_out, ur_ctx *ctx)
{
    *names_out = NULL;
    *n_out = 0;
    /* Every point is a candidate epoch-level point, so every name is in metric_epochs. */
    sqlite3_stmt *q = prepare(s, "SELECT DISTINCT name FROM metric_epochs WHERE run = ?1 ORDER BY name",
                              ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    sqlite3_bind_int64(q, 1, run);
    char **names = NULL;
    int n = 0, rc;
    ur_status st = UR_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char **n2 = realloc(names, (n + 1) * sizeof *n2);
        if (!n2 || !(n2[n] = col_dup(q, 0))) {
            if (n2)
                names = n2;
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
            break;
        }
        names = n2;
        n++;
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, ctx, "reading metric names");
    sqlite3_finalize(q);
    if (st) {
        for (int i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return st;
    }
    *names_out = names;
    *n_out = n;
    return UR_OK;
}

ur_status ur_store_checkpoint_get(ur_store *s, int64_t run, ur_checkpoint_kind kind, int epoch,
                                  ur_checkpoint *out, void **weights, void **state, ur_ctx *ctx)
{
    memset(out, 0, sizeof *out);
    *weights = NULL;
    *state = NULL;
    if ((unsigned)kind > UR_CHECKPOINT_EPOCH)
        return ur_error(ctx, UR_ERR_INVALID, "%s: no checkpoint kind %d", s->path, (int)kind);
    bool by_epoch = kind == UR_CHECKPOINT_EPOCH && epoch >= 0;
    sqlite3_stmt *q = prepare(s, by_epoch
        ? "SELECT epoch, step, weights, state, monitor, monitor_value FROM checkpoints "
          "WHERE run = :run AND kind = :kind AND epoch = :epoch ORDER BY id DESC LIMIT 1"
        : "SELECT epoch, step, weights, state, monitor, monitor_value FROM checkpoints "
          "WHERE run = :run AND kind = :kind ORDER BY epoch DESC, id DESC LIMIT 1", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    bind_i64(q, ":run", run);
    bind_text(q, ":kind", checkpoint_kinds[kind]);
    if (by_epoch)
        bind_i64(q, ":epoch", epoch);
    int rc = sqlite3_step(q);
    ur_status st = UR_OK;
    if (rc == SQLITE_ROW) {
        out->kind = kind;
        out->epoch = sqlite3_column_int(q, 0);
        out->step = sqlite3_column_int64(q, 1);
        size_t wl = (size_t)sqlite3_column_bytes(q, 2), sl = (size_t)sqlite3_column_bytes(q, 3);
        void *w = malloc(wl ? wl : 1), *sb = malloc(sl ? sl : 1);
        const char *mon = (const char *)sqlite3_column_text(q, 4);
        int mi = mon ? intern_name(s, mon) : -1;
        if (!w || !sb || (mon && mi < 0)) {
            free(w);
            free(sb);
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
        } else {
            if (wl)
                memcpy(w, sqlite3_column_blob(q, 2), wl);
            if (sl)
                memcpy(sb, sqlite3_column_blob(q, 3), sl);
            *weights = w;
            *state = sb;
            out->weights = w;
            out->weights_len = wl;
            out->state = sb;
            out->state_len = sl;
            out->monitor = mon ? s->names[mi] : NULL;   /* lives as long as the store */
            out->monitor_value = col_f64(q, 5);
        }
    } else if (rc == SQLITE_DONE) {
        if (by_epoch)
            st = ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 " has no checkpoint of epoch %d",
                          s->path, run, epoch);
        else
            st = ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 " has no '%s' checkpoint", s->path,
                          run, checkpoint_kinds[kind]);
    } else {
        st = db_error(s, ctx, "reading a checkpoint");
    }
    sqlite3_finalize(q);
    return st;
}

/* Cuts the chunks of a run that straddle `step` to their points at or before
 * it (inside the caller's write transaction). */
static ur_status cut_straddling_chunks(ur_store *s, int64_t run, int64_t step, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "SELECT rowid, n, points FROM metrics WHERE run = ?1 AND "
                                 "last_step > ?2 AND first_step <= ?2", ctx);
    sqlite3_stmt *u = q ? prepare(s, "UPDATE metrics SET first_step = ?2, last_step = ?3, n = ?4, "
                                     "last_wall = ?5, points = ?6 WHERE rowid = ?1", ctx) : NULL;
    sqlite3_stmt *d = u ? prepare(s, "DELETE FROM metrics WHERE rowid = ?1", ctx) : NULL;
    ur_status st = d ? UR_OK : (ctx ? ctx->status : UR_ERR_IO);
    /* The straddling chunks are read first (one per name, usually), then rewritten. */
    typedef struct { int64_t rowid, n; unsigned char *pts; } chunk;
    chunk *ch = NULL;
    int n_ch = 0, rc = SQLITE_DONE;
    if (!st) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, step);
    }
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t c = sqlite3_column_int64(q, 1);
        int64_t bytes = sqlite3_column_bytes(q, 2);
        if (c <= 0 || bytes != c * UR_POINT_BYTES) {
            st = ur_error(ctx, UR_ERR_FORMAT, "%s: run %" PRId64 ": a damaged metric chunk (%" PRId64
                          " points in %" PRId64 " bytes)", s->path, run, c, bytes);
            break;
        }
        chunk *c2 = realloc(ch, (n_ch + 1) * sizeof *c2);
        unsigned char *b = malloc((size_t)bytes);
        if (c2)
            ch = c2;
        if (!c2 || !b) {
            free(b);
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
            break;
        }
        memcpy(b, sqlite3_column_blob(q, 2), (size_t)bytes);
        ch[n_ch++] = (chunk){sqlite3_column_int64(q, 0), c, b};
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, ctx, "reading metric chunks");
    for (int i = 0; i < n_ch && !st; i++) {
        /* keep the records at or before step, in their order, packed in place */
        int64_t kept = 0;
        ur_metric_point pt, first = {0}, lastp = {0};
        double last_wall = 0;
        for (int64_t k = 0; k < ch[i].n; k++) {
            decode_point(ch[i].pts + k * UR_POINT_BYTES, &pt);
            if (pt.step > step)
                continue;
            if (kept == 0 || pt.wall_time > last_wall)
                last_wall = pt.wall_time;
            if (kept == 0)
                first = pt;
            lastp = pt;
            memmove(ch[i].pts + kept * UR_POINT_BYTES, ch[i].pts + k * UR_POINT_BYTES,
                    UR_POINT_BYTES);
            kept++;
        }
        if (kept == 0) {
            sqlite3_bind_int64(d, 1, ch[i].rowid);
            st = step_done(s, d, "deleting metric points after a checkpoint", ctx);
            continue;
        }
        sqlite3_bind_int64(u, 1, ch[i].rowid);
        sqlite3_bind_int64(u, 2, first.step);
        sqlite3_bind_int64(u, 3, lastp.step);
        sqlite3_bind_int64(u, 4, kept);
        sqlite3_bind_double(u, 5, isnan(last_wall) ? 0.0 : last_wall);
        sqlite3_bind_blob64(u, 6, ch[i].pts, (sqlite3_uint64)kept * UR_POINT_BYTES, SQLITE_STATIC);
        st = step_done(s, u, "deleting metric points after a checkpoint", ctx);
    }
    for (int i = 0; i < n_ch; i++)
        free(ch[i].pts);
    free(ch);
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    sqlite3_finalize(d);
    return st;
}

/* The epoch-level points after `step` went with their points: each becomes
 * the latest point left of its name and epoch (highest step, then the
 * latest written), or goes when none is left. Inside the caller's write
 * transaction, after the chunks were cut. */
static ur_status repair_metric_epochs(ur_store *s, int64_t run, int64_t step, ur_ctx *ctx)
{
    sqlite3_stmt *q = prepare(s, "SELECT name, epoch FROM metric_epochs WHERE run = ?1 AND step > ?2 "
                                 "ORDER BY name", ctx);
    sqlite3_stmt *u = q ? prepare(s, "UPDATE metric_epochs SET step = ?4, value = ?5 "
                                     "WHERE run = ?1 AND name = ?2 AND epoch = ?3", ctx) : NULL;
    sqlite3_stmt *d = u ? prepare(s, "DELETE FROM metric_epochs WHERE run = ?1 AND name = ?2 AND "
                                     "epoch = ?3", ctx) : NULL;
    ur_status st = d ? UR_OK : (ctx ? ctx->status : UR_ERR_IO);
    typedef struct { char *name; int epoch; } key;
    key *keys = NULL;
    int n_keys = 0, rc = SQLITE_DONE;
    if (!st) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, step);
    }
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        key *k2 = realloc(keys, (n_keys + 1) * sizeof *k2);
        if (k2)
            keys = k2;
        if (!k2 || !(keys[n_keys].name = col_dup(q, 0))) {
            st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory", s->path);
            break;
        }
        keys[n_keys++].epoch = sqlite3_column_int(q, 1);
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, ctx, "reading epoch-level points");
    ur_metric_point *p = NULL;
    int64_t np = 0;
    for (int i = 0; i < n_keys && !st; i++) {
        if (i == 0 || strcmp(keys[i].name, keys[i - 1].name) != 0) {
            free(p);
            p = NULL;
            if ((st = ur_store_metrics(s, run, keys[i].name, &p, &np, ctx)))
                break;
        }
        int64_t k = np;
        while (k > 0 && p[k - 1].epoch != keys[i].epoch)
            k--;
        sqlite3_stmt *w = k > 0 ? u : d;
        sqlite3_bind_int64(w, 1, run);
        sqlite3_bind_text(w, 2, keys[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w, 3, keys[i].epoch);
        if (k > 0) {
            sqlite3_bind_int64(w, 4, p[k - 1].step);
            if (isnan(p[k - 1].value))
                sqlite3_bind_null(w, 5);
            else
                sqlite3_bind_double(w, 5, p[k - 1].value);
        }
        st = step_done(s, w, "repairing epoch-level points", ctx);
    }
    free(p);
    for (int i = 0; i < n_keys; i++)
        free(keys[i].name);
    free(keys);
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    sqlite3_finalize(d);
    return st;
}

/* Metric points after a checkpoint's step go (a resume records them again):
 * chunks wholly after it are deleted, the ones that straddle it cut, and
 * metric_epochs follows. */
ur_status ur_store_metrics_delete_after(ur_store *s, int64_t run, int64_t step, ur_ctx *ctx)
{
    char status[32];
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, status, sizeof status, ctx)))
        return rollback(s, st);
    sqlite3_stmt *q = prepare(s, "DELETE FROM metrics WHERE run = :run AND first_step > :step", ctx);
    if (!q)
        return rollback(s, ctx ? ctx->status : UR_ERR_IO);
    bind_i64(q, ":run", run);
    bind_i64(q, ":step", step);
    st = step_done(s, q, "deleting metric points after a checkpoint", ctx);
    sqlite3_finalize(q);
    if (st || (st = cut_straddling_chunks(s, run, step, ctx)) ||
        (st = repair_metric_epochs(s, run, step, ctx)))
        return rollback(s, st);
    return commit(s, ctx);
}

ur_status ur_store_run_delete(ur_store *s, int64_t run, ur_ctx *ctx)
{
    char status[32];
    ur_status st = begin_write(s, ctx);
    if (st || (st = check_run(s, run, status, sizeof status, ctx)))
        return rollback(s, st);
    if (strcmp(status, "running") == 0)
        return rollback(s, ur_error(ctx, UR_ERR_INVALID, "%s: run %" PRId64 " is running; stop it "
                                    "before deleting it", s->path, run));
    sqlite3_stmt *q = prepare(s, "DELETE FROM runs WHERE id = :id", ctx);
    if (!q)
        return rollback(s, ctx ? ctx->status : UR_ERR_IO);
    bind_i64(q, ":id", run);
    st = step_done(s, q, "deleting the run", ctx);
    sqlite3_finalize(q);
    return st ? rollback(s, st) : commit(s, ctx);
}

ur_status ur_store_events(ur_store *s, int64_t run, ur_run_event **events, int *n_out,
                          ur_ctx *ctx)
{
    *events = NULL;
    *n_out = 0;
    sqlite3_stmt *q = prepare(s, "SELECT kind, step, time, detail FROM events WHERE run = ?1 "
                                 "ORDER BY id", ctx);
    if (!q)
        return ctx ? ctx->status : UR_ERR_IO;
    sqlite3_bind_int64(q, 1, run);
    ur_run_event *ev = NULL;
    int n = 0, cap = 0, rc;
    ur_status st = UR_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            ur_run_event *e2 = realloc(ev, (size_t)cap * sizeof *e2);
            if (!e2) {
                st = ur_error(ctx, UR_ERR_NOMEM, "%s: out of memory reading events", s->path);
                break;
            }
            ev = e2;
        }
        ur_run_event *e = &ev[n++];
        const char *kind = (const char *)sqlite3_column_text(q, 0);
        const char *detail = (const char *)sqlite3_column_text(q, 3);
        e->kind = strdup(kind ? kind : "");
        e->step = sqlite3_column_type(q, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 1);
        e->time = sqlite3_column_double(q, 2);
        e->detail = detail ? strdup(detail) : NULL;
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, ctx, "reading events");
    sqlite3_finalize(q);
    if (st) {
        ur_run_events_free(ev, n);
        return st;
    }
    *events = ev;
    *n_out = n;
    return UR_OK;
}

void ur_run_events_free(ur_run_event *events, int n)
{
    for (int i = 0; i < n; i++) {
        free(events[i].kind);
        free(events[i].detail);
    }
    free(events);
}
