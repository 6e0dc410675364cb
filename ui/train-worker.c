/* train-worker.c — UnrollTrainWorker: the training thread (ur_run_new or
 * ur_run_resume, the device, ur_run_train with callbacks), the buffer it
 * fills under a mutex, the single idle source that drains it into signals on
 * the main loop, and pause/resume/stop and optimizer-settings requests the
 * thread takes up between steps. */
#include "train-worker.h"

#include <math.h>
#include <string.h>

#include "json.h"

struct _UnrollTrainWorker {
    GObject parent_instance;

    GMainContext *context;        /* where signals are emitted */
    GThread *thread;

    /* --- guarded by lock --- */
    GMutex lock;
    GCond cond;
    UnrollTrainState state;       /* as the training thread sees it */
    gboolean pause_requested;
    gboolean stop_requested;
    gboolean stop_pauses;         /* the stop keeps the run for a later resume */
    ur_optimizer_config opt;      /* in effect (the fit's until the run is built) */
    ur_optimizer_config pending_opt;
    gboolean opt_pending;
    gboolean built;               /* the run (its trainer) exists */
    gint64 run_id;
    char *device, *device_note;
    GArray *points;               /* unroll_train_point, not yet delivered */
    unroll_train_progress progress;
    gboolean progress_pending;
    gboolean state_pending;
    gboolean finished_pending;
    int finish_status;            /* ur_run_status */
    char *finish_message;
    gboolean idle_pending;        /* one drain source at most */
    gboolean disposed;

    /* --- main thread only --- */
    UnrollTrainState shown_state; /* the last state emitted */
    unroll_train_progress shown_progress;
    gboolean thread_done;         /* "finished" was emitted */

    /* --- training thread only --- */
    ur_graph *graph;              /* the snapshot (taken by ur_run_new) */
    char *data_spec;
    ur_fit_config fit;
    gint64 resume_id;
    unroll_train_options opts;
    char *opt_db, *opt_label, *opt_monitor, *opt_device;
    ur_run *run;
    gint64 batch_size;
    gint64 session_steps;         /* steps since this thread started training */
    gint64 first_step_time;       /* monotonic µs at the end of the first step */
    gint64 paused_us;             /* time spent paused since then */
};

G_DEFINE_FINAL_TYPE(UnrollTrainWorker, unroll_train_worker, G_TYPE_OBJECT)

enum { SIG_PROGRESS, SIG_POINTS, SIG_STATE_CHANGED, SIG_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *unroll_train_state_name(UnrollTrainState state)
{
    static const char *const names[] = {"idle", "running", "paused", "stopping", "finished",
                                        "failed"};
    return (unsigned)state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

void unroll_train_options_defaults(unroll_train_options *o)
{
    *o = (unroll_train_options){.record = TRUE, .device = "auto"};
}

#define UNROLL_TRAIN_ERROR (g_quark_from_static_string("unroll-train-worker-error"))

/* ---------------------------------------------------- the main-loop side */

static gboolean drain(gpointer data)
{
    UnrollTrainWorker *self = data;
    g_mutex_lock(&self->lock);
    self->idle_pending = FALSE;
    GArray *points = self->points;
    self->points = g_array_new(FALSE, FALSE, sizeof(unroll_train_point));
    gboolean has_progress = self->progress_pending, has_state = self->state_pending;
    gboolean finished = self->finished_pending;
    unroll_train_progress progress = self->progress;
    UnrollTrainState state = self->state;
    int status = self->finish_status;
    char *message = finished ? g_steal_pointer(&self->finish_message) : NULL;
    gint64 run_id = self->run_id;
    self->progress_pending = self->state_pending = self->finished_pending = FALSE;
    g_mutex_unlock(&self->lock);

    if (finished && self->thread) {
        g_thread_join(self->thread);
        self->thread = NULL;
    }
    /* the final state comes with "finished", after the last points */
    if (has_state && !finished && state != self->shown_state) {
        self->shown_state = state;
        g_signal_emit(self, signals[SIG_STATE_CHANGED], 0, (int)state);
    }
    if (points->len > 0)
        g_signal_emit(self, signals[SIG_POINTS], 0, points->data, points->len);
    if (has_progress) {
        self->shown_progress = progress;
        g_signal_emit(self, signals[SIG_PROGRESS], 0, &self->shown_progress);
    }
    if (finished) {
        self->thread_done = TRUE;
        self->shown_state = state;
        g_signal_emit(self, signals[SIG_STATE_CHANGED], 0, (int)state);
        g_signal_emit(self, signals[SIG_FINISHED], 0, status, message, run_id);
    }
    g_array_unref(points);
    g_free(message);
    return G_SOURCE_REMOVE;
}

/* With the lock held: makes sure one drain is on its way. */
static void schedule_locked(UnrollTrainWorker *self)
{
    if (self->idle_pending || self->disposed)
        return;
    self->idle_pending = TRUE;
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT_IDLE);
    g_source_set_callback(source, drain, g_object_ref(self), g_object_unref);
    g_source_set_static_name(source, "unroll-train-worker-drain");
    g_source_attach(source, self->context);
    g_source_unref(source);
}

static void set_state_locked(UnrollTrainWorker *self, UnrollTrainState state)
{
    if (self->state == state)
        return;
    self->state = state;
    self->state_pending = TRUE;
    schedule_locked(self);
}

/* --------------------------------------------------- the training thread */

static void push_point(UnrollTrainWorker *self, const char *name, gint64 step, int epoch,
                       double value)
{
    unroll_train_point pt = {g_intern_string(name), step, epoch, value};
    g_array_append_val(self->points, pt);
}

/* Steps per second over this session, the first (warm-up) step and paused
 * time left out. */
static void fill_progress_locked(UnrollTrainWorker *self, const ur_progress *p, gboolean epoch_end)
{
    unroll_train_progress *pr = &self->progress;
    pr->epoch = p->epoch;
    pr->epochs = p->epochs;
    pr->steps = p->steps;
    pr->step = epoch_end ? p->steps : p->step + 1;
    pr->global_step = p->global_step;
    pr->learning_rate = self->opt.learning_rate;
    gint64 now = g_get_monotonic_time();
    if (!epoch_end) {
        self->session_steps++;
        if (self->session_steps == 1)
            self->first_step_time = now;
    }
    double secs = (double)(now - self->first_step_time - self->paused_us) / 1e6;
    if (self->session_steps > 1 && secs > 0) {
        pr->steps_per_s = (double)(self->session_steps - 1) / secs;
        pr->samples_per_s = pr->steps_per_s * (double)self->batch_size;
        gint64 left = (gint64)(p->epochs - p->epoch) * p->steps - pr->step;
        pr->eta_s = left > 0 ? (double)left / pr->steps_per_s : 0;
    } else {
        pr->eta_s = -1;
    }
    self->progress_pending = TRUE;
}

/* An event of the run; a store that fails here fails the run at its next
 * flush, which says why. */
static void record_event(UnrollTrainWorker *self, const char *kind, const char *detail)
{
    ur_ctx ctx = {0};
    ur_run_add_event(self->run, kind, detail, &ctx);
}

/* With the lock held: optimizer settings asked for meanwhile take effect
 * (ur_run_set_optimizer records the change with the run). They were checked
 * when asked for; what can still fail is memory for new slots, and then the
 * settings in effect stay (and say so through get_optimizer). */
static void apply_opt_locked(UnrollTrainWorker *self)
{
    if (!self->opt_pending)
        return;
    ur_optimizer_config want = self->pending_opt;
    self->opt_pending = FALSE;
    g_mutex_unlock(&self->lock);
    ur_ctx ctx = {0};
    ur_status st = ur_run_set_optimizer(self->run, &want, &ctx);
    if (st)
        g_warning("the optimizer's settings did not change: %s", ctx.message);
    g_mutex_lock(&self->lock);
    self->opt = *ur_trainer_optimizer(ur_run_trainer(self->run));
    self->progress.learning_rate = self->opt.learning_rate;
    self->progress_pending = TRUE;
}

static void on_step(void *user, const ur_progress *p)
{
    UnrollTrainWorker *self = user;
    g_mutex_lock(&self->lock);
    push_point(self, "batch_loss", p->global_step, p->epoch, p->loss);
    fill_progress_locked(self, p, FALSE);
    schedule_locked(self);
    if (self->pause_requested && !self->stop_requested) {
        set_state_locked(self, UNROLL_TRAIN_PAUSED);
        g_mutex_unlock(&self->lock);
        record_event(self, "pause", NULL);
        g_mutex_lock(&self->lock);
        gint64 since = g_get_monotonic_time();
        while (self->pause_requested && !self->stop_requested) {
            g_cond_wait(&self->cond, &self->lock);
            /* new settings while paused apply at once, so that they show */
            apply_opt_locked(self);
            schedule_locked(self);
        }
        self->paused_us += g_get_monotonic_time() - since;
        if (!self->stop_requested) {
            g_mutex_unlock(&self->lock);
            record_event(self, "resume", NULL);
            g_mutex_lock(&self->lock);
            set_state_locked(self, UNROLL_TRAIN_RUNNING);
        }
    }
    apply_opt_locked(self);
    g_mutex_unlock(&self->lock);
}

static void on_epoch(void *user, const ur_progress *p)
{
    UnrollTrainWorker *self = user;
    g_mutex_lock(&self->lock);
    for (int i = 0; i < p->n_metrics; i++)
        push_point(self, p->metric_names[i], p->global_step, p->epoch, p->metric_values[i]);
    fill_progress_locked(self, p, TRUE);
    schedule_locked(self);
    g_mutex_unlock(&self->lock);
}

static bool should_stop(void *user)
{
    UnrollTrainWorker *self = user;
    g_mutex_lock(&self->lock);
    gboolean stop = self->stop_requested, pauses = self->stop_pauses;
    g_mutex_unlock(&self->lock);
    if (stop && self->run)
        ur_run_set_stop_pauses(self->run, pauses);
    return stop;
}

static gpointer train_thread(gpointer data)
{
    UnrollTrainWorker *self = data;
    ur_ctx ctx = {0};
    ur_run_settings rs;
    ur_run_settings_defaults(&rs);
    rs.db_path = self->opts.db_path;
    rs.record = self->opts.record;
    rs.label = self->opts.label;
    rs.monitor = self->opts.monitor;
    if (self->opts.checkpoint_every > 0)
        rs.checkpoint_every = self->opts.checkpoint_every;
    /* the run moves the model before its trainer sizes buffers and before it
     * records itself, so a device that cannot be used records no run */
    rs.device = self->opts.device ? self->opts.device : "auto";
    rs.exact_math = self->opts.exact_math;

    ur_status st;
    ur_run *r;
    if (self->resume_id > 0) {
        r = ur_run_resume(self->resume_id, &rs, &ctx);
    } else {
        r = ur_run_new(self->graph, self->data_spec, &self->fit, &rs, &ctx);
        self->graph = NULL; /* taken, also on failure */
    }
    if (!r) {
        st = ctx.status ? ctx.status : UR_ERR_INTERNAL;
    } else {
        self->run = r;
        st = UR_OK;
        g_mutex_lock(&self->lock);
        self->run_id = ur_run_id(r);
        self->opt = *ur_trainer_optimizer(ur_run_trainer(r));
        self->built = TRUE;
        self->batch_size = ur_run_fit(r)->batch_size;
        g_free(self->device);
        g_free(self->device_note);
        self->device = g_strdup(ur_model_device(ur_run_model(r)));
        self->device_note = g_strdup(ur_run_device_note(r));
        self->progress.epochs = ur_run_fit(r)->epochs;
        self->progress.epoch = ur_run_epoch(r);
        self->progress.global_step = ur_run_global_step(r);
        self->progress.learning_rate = self->opt.learning_rate;
        self->progress.eta_s = -1;
        self->progress_pending = TRUE;
        self->state_pending = TRUE; /* the run id is known: views look again */
        schedule_locked(self);
        g_mutex_unlock(&self->lock);
        ur_callbacks cb = {.user = self, .on_step = on_step, .on_epoch = on_epoch,
                           .should_stop = should_stop};
        st = ur_run_train(r, &cb, &ctx);
    }

    g_mutex_lock(&self->lock);
    self->finish_status = st == UR_OK ? UR_RUN_COMPLETED
                        : st == UR_ERR_CANCELLED ? (self->stop_pauses && self->run_id > 0
                                                        ? UR_RUN_PAUSED : UR_RUN_CANCELLED)
                        : UR_RUN_FAILED;
    g_free(self->finish_message);
    self->finish_message = st == UR_OK ? NULL : g_strdup(ctx.message);
    self->run = NULL;
    self->state = st == UR_OK || st == UR_ERR_CANCELLED ? UNROLL_TRAIN_FINISHED : UNROLL_TRAIN_FAILED;
    self->state_pending = TRUE;
    self->finished_pending = TRUE;
    schedule_locked(self);
    g_mutex_unlock(&self->lock);
    /* the run (model, dataset, store connection) goes in this thread */
    if (r)
        ur_run_free(r);
    return NULL;
}

/* ------------------------------------------------------------ control */

static gboolean begin(UnrollTrainWorker *self, const unroll_train_options *opts, GError **error)
{
    if (unroll_train_worker_is_busy(self) || self->thread) {
        g_set_error(error, UNROLL_TRAIN_ERROR, UR_ERR_INVALID,
                    "A run is training already: stop it first");
        return FALSE;
    }
    unroll_train_options defaults;
    unroll_train_options_defaults(&defaults);
    if (!opts)
        opts = &defaults;
    g_free(self->opt_db);
    g_free(self->opt_label);
    g_free(self->opt_monitor);
    g_free(self->opt_device);
    self->opts = *opts;
    self->opts.db_path = self->opt_db = g_strdup(opts->db_path);
    self->opts.label = self->opt_label = g_strdup(opts->label);
    self->opts.monitor = self->opt_monitor = g_strdup(opts->monitor);
    self->opts.device = self->opt_device = g_strdup(opts->device ? opts->device : "auto");
    self->session_steps = 0;
    self->first_step_time = 0;
    self->paused_us = 0;
    self->thread_done = FALSE;

    g_mutex_lock(&self->lock);
    self->pause_requested = self->stop_requested = self->stop_pauses = FALSE;
    self->opt_pending = FALSE;
    self->built = FALSE;
    self->run_id = 0;
    g_clear_pointer(&self->device, g_free);
    g_clear_pointer(&self->device_note, g_free);
    memset(&self->progress, 0, sizeof self->progress);
    self->progress.eta_s = -1;
    self->state = UNROLL_TRAIN_RUNNING;
    g_mutex_unlock(&self->lock);
    memset(&self->shown_progress, 0, sizeof self->shown_progress);
    self->shown_progress.eta_s = -1;

    self->thread = g_thread_try_new("unroll-train", train_thread, self, error);
    if (!self->thread) {
        g_mutex_lock(&self->lock);
        self->state = UNROLL_TRAIN_FAILED;
        g_mutex_unlock(&self->lock);
        return FALSE;
    }
    self->shown_state = UNROLL_TRAIN_RUNNING;
    g_signal_emit(self, signals[SIG_STATE_CHANGED], 0, (int)UNROLL_TRAIN_RUNNING);
    return TRUE;
}

gboolean unroll_train_worker_start(UnrollTrainWorker *self, const ur_graph *g,
                                   const char *data_spec, const ur_fit_config *fit,
                                   const unroll_train_options *opts, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    g_return_val_if_fail(g && data_spec && fit, FALSE);
    if (unroll_train_worker_is_busy(self)) {
        g_set_error(error, UNROLL_TRAIN_ERROR, UR_ERR_INVALID,
                    "A run is training already: stop it first");
        return FALSE;
    }
    ur_ctx ctx = {0};
    if (ur_graph_check(g, &ctx) != UR_OK) {
        g_set_error(error, UNROLL_TRAIN_ERROR, ctx.status, "The model has an error: %s",
                    ctx.message);
        return FALSE;
    }
    ur_value *doc = ur_graph_to_value(g);
    ur_graph *snapshot = doc ? ur_graph_from_value(doc, &ctx) : NULL;
    ur_value_free(doc);
    if (!snapshot) {
        g_set_error(error, UNROLL_TRAIN_ERROR, ctx.status ? ctx.status : UR_ERR_NOMEM,
                    "Could not copy the model: %s", ctx.message[0] ? ctx.message : "out of memory");
        return FALSE;
    }
    if (self->graph)
        ur_graph_free(self->graph);
    self->graph = snapshot;
    g_free(self->data_spec);
    self->data_spec = g_strdup(data_spec);
    self->fit = *fit;
    g_mutex_lock(&self->lock);
    self->opt = fit->optimizer; /* until the run is built */
    g_mutex_unlock(&self->lock);
    self->resume_id = 0;
    if (!begin(self, opts, error)) {
        ur_graph_free(self->graph);
        self->graph = NULL;
        return FALSE;
    }
    return TRUE;
}

gboolean unroll_train_worker_resume(UnrollTrainWorker *self, gint64 run_id,
                                    const unroll_train_options *opts, GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    if (run_id <= 0) {
        g_set_error(error, UNROLL_TRAIN_ERROR, UR_ERR_INVALID, "No run %" G_GINT64_FORMAT " to resume",
                    run_id);
        return FALSE;
    }
    if (opts && !opts->record) {
        g_set_error_literal(error, UNROLL_TRAIN_ERROR, UR_ERR_INVALID,
                            "A run resumes from the store: recording cannot be off");
        return FALSE;
    }
    self->resume_id = run_id;
    return begin(self, opts, error);
}

gboolean unroll_train_worker_pause(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    g_mutex_lock(&self->lock);
    gboolean ok = self->state == UNROLL_TRAIN_RUNNING && !self->pause_requested &&
                  !self->stop_requested;
    if (ok)
        self->pause_requested = TRUE;
    g_mutex_unlock(&self->lock);
    return ok;
}

gboolean unroll_train_worker_resume_training(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    g_mutex_lock(&self->lock);
    gboolean ok = self->pause_requested && !self->stop_requested;
    if (ok) {
        self->pause_requested = FALSE;
        g_cond_broadcast(&self->cond);
    }
    g_mutex_unlock(&self->lock);
    return ok;
}

static gboolean stop(UnrollTrainWorker *self, gboolean pauses)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    g_mutex_lock(&self->lock);
    gboolean ok = (self->state == UNROLL_TRAIN_RUNNING || self->state == UNROLL_TRAIN_PAUSED) &&
                  !self->stop_requested;
    if (ok) {
        self->stop_requested = TRUE;
        self->stop_pauses = pauses;
        self->pause_requested = FALSE;
        g_cond_broadcast(&self->cond);
        set_state_locked(self, UNROLL_TRAIN_STOPPING);
    }
    g_mutex_unlock(&self->lock);
    return ok;
}

#define TRAIN_WORKER_ERROR (g_quark_from_static_string("unroll-train-worker-error"))

gboolean unroll_train_worker_set_optimizer(UnrollTrainWorker *self, const ur_optimizer_config *c,
                                           GError **error)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    ur_ctx ctx = {0};
    if (ur_optimizer_check(c, &ctx) != UR_OK) {
        g_set_error(error, TRAIN_WORKER_ERROR, ctx.status, "%s", ctx.message);
        return FALSE;
    }
    g_mutex_lock(&self->lock);
    gboolean ok = (self->state == UNROLL_TRAIN_RUNNING || self->state == UNROLL_TRAIN_PAUSED) &&
                  !self->stop_requested && self->built;
    if (!ok) {
        g_set_error(error, TRAIN_WORKER_ERROR, UR_ERR_INVALID,
                    self->state == UNROLL_TRAIN_RUNNING && !self->built
                        ? "the run is still being prepared"
                        : "no run is training");
    } else if (c->kind != self->opt.kind) {
        g_set_error(error, TRAIN_WORKER_ERROR, UR_ERR_INVALID,
                    "this run trains with %s: the optimizer cannot change within a run",
                    ur_optimizer_name(self->opt.kind));
        ok = FALSE;
    } else {
        self->pending_opt = *c;
        self->opt_pending = TRUE;
        g_cond_broadcast(&self->cond);
    }
    g_mutex_unlock(&self->lock);
    return ok;
}

void unroll_train_worker_get_optimizer(UnrollTrainWorker *self, ur_optimizer_config *out)
{
    g_return_if_fail(UNROLL_IS_TRAIN_WORKER(self));
    g_mutex_lock(&self->lock);
    *out = self->opt_pending ? self->pending_opt : self->opt;
    g_mutex_unlock(&self->lock);
}

gboolean unroll_train_worker_set_learning_rate(UnrollTrainWorker *self, double lr)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    ur_optimizer_config c;
    unroll_train_worker_get_optimizer(self, &c);
    c.learning_rate = lr;
    return unroll_train_worker_set_optimizer(self, &c, NULL);
}

gboolean unroll_train_worker_stop(UnrollTrainWorker *self) { return stop(self, FALSE); }

gboolean unroll_train_worker_stop_to_resume(UnrollTrainWorker *self) { return stop(self, TRUE); }

UnrollTrainState unroll_train_worker_get_state(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), UNROLL_TRAIN_IDLE);
    g_mutex_lock(&self->lock);
    UnrollTrainState s = self->state;
    g_mutex_unlock(&self->lock);
    return s;
}

gboolean unroll_train_worker_is_busy(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), FALSE);
    UnrollTrainState s = unroll_train_worker_get_state(self);
    return s == UNROLL_TRAIN_RUNNING || s == UNROLL_TRAIN_PAUSED || s == UNROLL_TRAIN_STOPPING;
}

gint64 unroll_train_worker_get_run_id(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), 0);
    g_mutex_lock(&self->lock);
    gint64 id = self->run_id;
    g_mutex_unlock(&self->lock);
    return id;
}

char *unroll_train_worker_dup_device(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), NULL);
    g_mutex_lock(&self->lock);
    char *d = g_strdup(self->device);
    g_mutex_unlock(&self->lock);
    return d;
}

char *unroll_train_worker_dup_device_note(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), NULL);
    g_mutex_lock(&self->lock);
    char *d = g_strdup(self->device_note ? self->device_note : "");
    g_mutex_unlock(&self->lock);
    return d;
}

double unroll_train_worker_get_learning_rate(UnrollTrainWorker *self)
{
    g_return_val_if_fail(UNROLL_IS_TRAIN_WORKER(self), 0);
    ur_optimizer_config c;
    unroll_train_worker_get_optimizer(self, &c);
    return c.learning_rate;
}

void unroll_train_worker_get_progress(UnrollTrainWorker *self, unroll_train_progress *out)
{
    g_return_if_fail(UNROLL_IS_TRAIN_WORKER(self));
    *out = self->shown_progress;
}

void unroll_train_worker_wait(UnrollTrainWorker *self)
{
    g_return_if_fail(UNROLL_IS_TRAIN_WORKER(self));
    g_object_ref(self);
    while (self->thread && !self->thread_done)
        g_main_context_iteration(self->context, TRUE);
    g_object_unref(self);
}

/* --------------------------------------------------------------- object */

static void unroll_train_worker_dispose(GObject *object)
{
    UnrollTrainWorker *self = UNROLL_TRAIN_WORKER(object);
    if (self->thread) {
        /* nobody listens any more: stop, wait, and report nothing */
        g_mutex_lock(&self->lock);
        self->disposed = TRUE;
        self->stop_requested = TRUE;
        self->pause_requested = FALSE;
        g_cond_broadcast(&self->cond);
        g_mutex_unlock(&self->lock);
        g_thread_join(self->thread);
        self->thread = NULL;
    }
    G_OBJECT_CLASS(unroll_train_worker_parent_class)->dispose(object);
}

static void unroll_train_worker_finalize(GObject *object)
{
    UnrollTrainWorker *self = UNROLL_TRAIN_WORKER(object);
    if (self->graph)
        ur_graph_free(self->graph);
    g_array_unref(self->points);
    g_free(self->finish_message);
    g_free(self->device);
    g_free(self->device_note);
    g_free(self->data_spec);
    g_free(self->opt_db);
    g_free(self->opt_label);
    g_free(self->opt_monitor);
    g_free(self->opt_device);
    g_main_context_unref(self->context);
    g_mutex_clear(&self->lock);
    g_cond_clear(&self->cond);
    G_OBJECT_CLASS(unroll_train_worker_parent_class)->finalize(object);
}

static void unroll_train_worker_class_init(UnrollTrainWorkerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = unroll_train_worker_dispose;
    object_class->finalize = unroll_train_worker_finalize;
    signals[SIG_PROGRESS] = g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    signals[SIG_POINTS] = g_signal_new("points", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER,
                                       G_TYPE_UINT);
    signals[SIG_STATE_CHANGED] = g_signal_new("state-changed", G_TYPE_FROM_CLASS(klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_INT);
    signals[SIG_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT,
                                         G_TYPE_STRING, G_TYPE_INT64);
}

static void unroll_train_worker_init(UnrollTrainWorker *self)
{
    g_mutex_init(&self->lock);
    g_cond_init(&self->cond);
    self->context = g_main_context_ref_thread_default();
    self->points = g_array_new(FALSE, FALSE, sizeof(unroll_train_point));
    self->state = self->shown_state = UNROLL_TRAIN_IDLE;
    self->progress.eta_s = self->shown_progress.eta_s = -1;
}

UnrollTrainWorker *unroll_train_worker_new(void)
{
    return g_object_new(UNROLL_TYPE_TRAIN_WORKER, NULL);
}
