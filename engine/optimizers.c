/* optimizers.c — SGD (momentum, Nesterov), RMSprop (momentum, centered),
 * Adam and AdamW (amsgrad) with Keras 3's exact update formulas, gradient
 * clipping (clipnorm per weight, global_clipnorm, clipvalue) and decoupled
 * weight decay, over one flat parameter span. The optimizer owns its slot
 * arrays (m, v, ...) as one contiguous block, so a checkpoint is one copy.
 *
 * A step follows keras/src/optimizers/base_optimizer.py apply():
 *   1. clip the gradients: clipnorm, else global_clipnorm, else clipvalue
 *      (Keras refuses more than one; the first set in that order wins here);
 *   2. weight decay, when weight_decay > 0:  p <- p - p * wd * lr;
 *   3. the update of the kind below, with t = iterations + 1;
 *   4. iterations += 1. */
#include "ur-internal.h"

#include <strings.h>

struct ur_optimizer {
    ur_optimizer_config cfg;
    size_t n;              /* parameters */
    int n_segments;        /* weights, for per-weight clipnorm */
    size_t *seg_offset, *seg_len;
    int64_t iterations;
    float *slots;          /* n_slots floats: the arrays below, back to back */
    size_t n_slots;
    /* SGD: s[0] = momentum (if momentum != 0)
     * RMSprop: s[0] = velocity, then momentum (if momentum > 0), then
     *          average_gradient (if centered)
     * Adam, AdamW: s[0] = momentum (m), s[1] = velocity (v), s[2] =
     *          velocity_hat (if amsgrad) — Keras's variable order. */
    float *s[3];
    float *rms_momentum, *rms_average;
};

/* ----------------------------------------------------------------- names */

static const char *const optimizer_names[] = {"sgd", "rmsprop", "adam", "adamw", NULL};

const char *ur_optimizer_name(ur_optimizer_kind k)
{
    switch (k) {
    case UR_OPT_SGD: return "sgd";
    case UR_OPT_RMSPROP: return "rmsprop";
    case UR_OPT_ADAM: return "adam";
    case UR_OPT_ADAMW: return "adamw";
    }
    return "unknown";
}

/* Keras 3 constructor defaults; names are case-insensitive as in
 * keras.optimizers.get ("SGD", "sgd", "RMSprop", "AdamW", ...). */
ur_status ur_optimizer_defaults(const char *name, ur_optimizer_config *out, ur_ctx *ctx)
{
    if (!name || !*name)
        return ur_error(ctx, UR_ERR_INVALID, "optimizer: missing optimizer name");
    int kind = -1;
    for (int i = 0; optimizer_names[i]; i++)
        if (strcasecmp(name, optimizer_names[i]) == 0)
            kind = i;
    if (kind < 0) {
        const char *near = ur_closest(name, optimizer_names);
        if (near)
            return ur_error(ctx, UR_ERR_INVALID,
                            "optimizer: unknown optimizer '%s' (did you mean '%s'?)", name, near);
        return ur_error(ctx, UR_ERR_INVALID,
                        "optimizer: unknown optimizer '%s'; expected one of sgd, rmsprop, adam, "
                        "adamw",
                        name);
    }
    memset(out, 0, sizeof *out);
    out->kind = (ur_optimizer_kind)kind;
    out->momentum = 0.0;
    out->nesterov = false;
    out->rho = 0.9;
    out->centered = false;
    out->beta_1 = 0.9;
    out->beta_2 = 0.999;
    out->epsilon = 1e-7;
    out->amsgrad = false;
    out->weight_decay = 0.0;
    out->clipnorm = -1.0;
    out->global_clipnorm = -1.0;
    out->clipvalue = -1.0;
    switch (out->kind) {
    case UR_OPT_SGD:
        out->learning_rate = 0.01;
        break;
    case UR_OPT_RMSPROP:
    case UR_OPT_ADAM:
        out->learning_rate = 0.001;
        break;
    case UR_OPT_ADAMW:
        out->learning_rate = 0.001;
        out->weight_decay = 0.004;
        break;
    }
    return UR_OK;
}

/* ------------------------------------------------------------- lifecycle */

/* What each slot array holds, in the order of the slot block. */
typedef enum slot_role {
    SLOT_MOMENTUM,      /* SGD's momentum, Adam's m */
    SLOT_VELOCITY,      /* RMSprop's and Adam's v */
    SLOT_RMS_MOMENTUM,
    SLOT_RMS_AVERAGE,   /* RMSprop centered */
    SLOT_VELOCITY_HAT,  /* Adam amsgrad */
} slot_role;

static int slot_roles(const ur_optimizer_config *cfg, slot_role role[3])
{
    int k = 0;
    switch (cfg->kind) {
    case UR_OPT_SGD:
        if (cfg->momentum != 0.0)
            role[k++] = SLOT_MOMENTUM;
        break;
    case UR_OPT_RMSPROP:
        role[k++] = SLOT_VELOCITY;
        if (cfg->momentum > 0.0)
            role[k++] = SLOT_RMS_MOMENTUM;
        if (cfg->centered)
            role[k++] = SLOT_RMS_AVERAGE;
        break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW:
        role[k++] = SLOT_MOMENTUM;
        role[k++] = SLOT_VELOCITY;
        if (cfg->amsgrad)
            role[k++] = SLOT_VELOCITY_HAT;
        break;
    }
    return k;
}

/* The slot pointers into the block, for o->cfg. */
static void place_slots(ur_optimizer *o)
{
    slot_role role[3];
    int k = slot_roles(&o->cfg, role);
    o->s[0] = o->s[1] = o->s[2] = NULL;
    o->rms_momentum = o->rms_average = NULL;
    for (int i = 0; i < k; i++) {
        o->s[i] = o->slots + (size_t)i * o->n;
        if (role[i] == SLOT_RMS_MOMENTUM)
            o->rms_momentum = o->s[i];
        if (role[i] == SLOT_RMS_AVERAGE)
            o->rms_average = o->s[i];
    }
}

static bool in_range(double v, double lo, double hi) { return v >= lo && v <= hi; }

ur_status ur_optimizer_check(const ur_optimizer_config *c, ur_ctx *ctx)
{
    const char *name = ur_optimizer_name(c->kind);
    if (!(c->learning_rate > 0) || !isfinite(c->learning_rate))
        return ur_error(ctx, UR_ERR_INVALID, "%s: learning_rate must be a positive number, not %g",
                        name, c->learning_rate);
    if (!in_range(c->momentum, 0, 1))
        return ur_error(ctx, UR_ERR_INVALID, "%s: momentum must be in [0, 1], not %g", name,
                        c->momentum);
    if (!in_range(c->rho, 0, 1))
        return ur_error(ctx, UR_ERR_INVALID, "%s: rho must be in [0, 1], not %g", name, c->rho);
    if (!in_range(c->beta_1, 0, 1) || c->beta_1 == 1 || !in_range(c->beta_2, 0, 1) ||
        c->beta_2 == 1)
        return ur_error(ctx, UR_ERR_INVALID, "%s: beta_1 and beta_2 must be in [0, 1), not %g and %g",
                        name, c->beta_1, c->beta_2);
    if (!(c->epsilon > 0) || !isfinite(c->epsilon))
        return ur_error(ctx, UR_ERR_INVALID, "%s: epsilon must be a positive number, not %g", name,
                        c->epsilon);
    if (!in_range(c->weight_decay, 0, INFINITY))
        return ur_error(ctx, UR_ERR_INVALID, "%s: weight_decay must be 0 or more, not %g", name,
                        c->weight_decay);
    const double clip[3] = {c->clipnorm, c->global_clipnorm, c->clipvalue};
    static const char *const clip_name[3] = {"clipnorm", "global_clipnorm", "clipvalue"};
    for (int i = 0; i < 3; i++)
        if (isnan(clip[i]))
            return ur_error(ctx, UR_ERR_INVALID, "%s: %s is NaN", name, clip_name[i]);
    return UR_OK;
}

ur_optimizer *ur_optimizer_new(const ur_optimizer_config *cfg, size_t n, int n_segments,
                               const size_t *seg_offset, const size_t *seg_len)
{
    ur_optimizer *o = ur_xcalloc(1, sizeof *o);
    o->cfg = *cfg;
    o->n = n;
    if (n_segments > 0 && seg_offset && seg_len) {
        o->n_segments = n_segments;
        o->seg_offset = ur_xmalloc((size_t)n_segments * sizeof(size_t));
        o->seg_len = ur_xmalloc((size_t)n_segments * sizeof(size_t));
        memcpy(o->seg_offset, seg_offset, (size_t)n_segments * sizeof(size_t));
        memcpy(o->seg_len, seg_len, (size_t)n_segments * sizeof(size_t));
    } else {
        /* no boundaries given: the span is one weight */
        o->n_segments = 1;
        o->seg_offset = ur_xcalloc(1, sizeof(size_t));
        o->seg_len = ur_xmalloc(sizeof(size_t));
        o->seg_len[0] = n;
    }

    slot_role role[3];
    int k = slot_roles(cfg, role);
    o->n_slots = (size_t)k * n;
    if (o->n_slots) {
        o->slots = ur_alloc_aligned(o->n_slots * sizeof(float));
        if (!o->slots) {
            ur_optimizer_free(o);
            return NULL;
        }
    }
    place_slots(o);
    return o;
}

void ur_optimizer_free(ur_optimizer *o)
{
    if (!o)
        return;
    ur_free_aligned(o->slots);
    free(o->seg_offset);
    free(o->seg_len);
    free(o);
}

int64_t ur_optimizer_iterations(const ur_optimizer *o) { return o->iterations; }

float *ur_optimizer_slots(ur_optimizer *o, size_t *n)
{
    *n = o->n_slots;
    return o->slots;
}

void ur_optimizer_set_iterations(ur_optimizer *o, int64_t it) { o->iterations = it; }

void ur_optimizer_set_learning_rate(ur_optimizer *o, double lr) { o->cfg.learning_rate = lr; }

bool ur_optimizer_reconfigure(ur_optimizer *o, const ur_optimizer_config *cfg)
{
    slot_role old_role[3], new_role[3];
    int k_old = slot_roles(&o->cfg, old_role), k_new = slot_roles(cfg, new_role);
    bool same = cfg->kind == o->cfg.kind && k_old == k_new;
    for (int i = 0; same && i < k_new; i++)
        same = old_role[i] == new_role[i];
    if (!same) {
        /* a slot kept moves to its new place; a new one starts at zero */
        float *slots = NULL;
        if (k_new) {
            slots = ur_alloc_aligned((size_t)k_new * o->n * sizeof(float));
            if (!slots)
                return false;
        }
        for (int i = 0; i < k_new; i++)
            for (int j = 0; j < k_old; j++)
                if (new_role[i] == old_role[j])
                    memcpy(slots + (size_t)i * o->n, o->slots + (size_t)j * o->n,
                           o->n * sizeof(float));
        ur_free_aligned(o->slots);
        o->slots = slots;
        o->n_slots = (size_t)k_new * o->n;
    }
    o->cfg = *cfg;
    place_slots(o);
    return true;
}

/* -------------------------------------------------------------- clipping */

static double sum_squares(const float *restrict g, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return s;
}

static void scale_span(float *restrict g, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        g[i] *= s;
}

/* Clipping as base_optimizer._clip_gradients:
 *   clipnorm c, per weight:  g <- g c / max(||g||, c)
 *   global_clipnorm c:       N = sqrt(sum over all weights of ||g||^2),
 *                            g <- g (c min(1/N, 1/c) + (N - N))
 *                            (a non-finite N turns every gradient NaN)
 *   clipvalue v:             g <- clip(g, -v, v) (NaN stays NaN) */
static void clip_gradients(const ur_optimizer *o, float *restrict g)
{
    const ur_optimizer_config *c = &o->cfg;
    if (c->clipnorm > 0) {
        for (int k = 0; k < o->n_segments; k++) {
            float *gs = g + o->seg_offset[k];
            size_t len = o->seg_len[k];
            double norm = sqrt(sum_squares(gs, len));
            if (!(norm <= c->clipnorm)) /* NaN norms scale to NaN, as Keras */
                scale_span(gs, len, (float)(c->clipnorm / norm));
        }
    } else if (c->global_clipnorm > 0) {
        double norm = sqrt(sum_squares(g, o->n));
        double s = c->global_clipnorm * fmin(1.0 / norm, 1.0 / c->global_clipnorm) + (norm - norm);
        if (s != 1.0)
            scale_span(g, o->n, (float)s);
    } else if (c->clipvalue > 0) {
        float v = (float)c->clipvalue;
        for (size_t i = 0; i < o->n; i++)
            g[i] = g[i] < -v ? -v : (g[i] > v ? v : g[i]);
    }
}

/* ---------------------------------------------------------------- updates */

/* Weight decay (base_optimizer._apply_weight_decay): p <- p - p wd lr */
static void decay(float *restrict p, size_t n, float wd, float lr)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= p[i] * wd * lr;
}

/* SGD, momentum 0:  p <- p - lr g */
static void sgd_plain(float *restrict p, const float *restrict g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= g[i] * lr;
}

/* SGD with momentum mu:  m <- mu m - lr g;  p <- p + m */
static void sgd_momentum(float *restrict p, const float *restrict g, float *restrict m, size_t n,
                         float lr, float mu)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = m[i] * mu - g[i] * lr;
        p[i] += m[i];
    }
}

/* SGD, Nesterov:  m <- mu m - lr g;  p <- p + mu m - lr g */
static void sgd_nesterov(float *restrict p, const float *restrict g, float *restrict m, size_t n,
                         float lr, float mu)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = m[i] * mu - g[i] * lr;
        p[i] += m[i] * mu - g[i] * lr;
    }
}

/* RMSprop (epsilon inside the square root):
 *   v <- rho v + (1 - rho) g^2
 *   centered: a <- rho a + (1 - rho) g;  d = v - a^2 + eps;  else d = v + eps
 *   inc = lr g / sqrt(d)
 *   momentum mu > 0: mm <- mu mm + inc;  p <- p - mm;  else p <- p - inc
 * a and mm are NULL when not used; the four loops keep branches out.
 * r1 = 1 - rho, rounded once from the double as Keras does. */
static void rmsprop(float *restrict p, const float *restrict g, float *restrict v,
                    float *restrict a, float *restrict mm, size_t n, float lr, float rho,
                    float r1, float mu, float eps)
{
    if (a && mm) {
        for (size_t i = 0; i < n; i++) {
            v[i] = rho * v[i] + r1 * (g[i] * g[i]);
            a[i] = rho * a[i] + r1 * g[i];
            mm[i] = mu * mm[i] + lr * g[i] / sqrtf(v[i] - a[i] * a[i] + eps);
            p[i] -= mm[i];
        }
    } else if (a) {
        for (size_t i = 0; i < n; i++) {
            v[i] = rho * v[i] + r1 * (g[i] * g[i]);
            a[i] = rho * a[i] + r1 * g[i];
            p[i] -= lr * g[i] / sqrtf(v[i] - a[i] * a[i] + eps);
        }
    } else if (mm) {
        for (size_t i = 0; i < n; i++) {
            v[i] = rho * v[i] + r1 * (g[i] * g[i]);
            mm[i] = mu * mm[i] + lr * g[i] / sqrtf(v[i] + eps);
            p[i] -= mm[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            v[i] = rho * v[i] + r1 * (g[i] * g[i]);
            p[i] -= lr * g[i] / sqrtf(v[i] + eps);
        }
    }
}

/* Adam (AdamW shares it; its decay ran before):
 *   alpha = lr sqrt(1 - b2^t) / (1 - b1^t)
 *   m <- m + (g - m)(1 - b1);  v <- v + (g^2 - v)(1 - b2)
 *   amsgrad: vh <- max(vh, v), used in place of v
 *   p <- p - alpha m / (sqrt(v) + eps) */
static void adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                 size_t n, float alpha, float c1, float c2, float eps)
{
    for (size_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (g[i] * g[i] - v[i]) * c2;
        p[i] -= (m[i] * alpha) / (sqrtf(v[i]) + eps);
    }
}

static void adam_amsgrad(float *restrict p, const float *restrict g, float *restrict m,
                         float *restrict v, float *restrict vh, size_t n, float alpha, float c1,
                         float c2, float eps)
{
    for (size_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (g[i] * g[i] - v[i]) * c2;
        vh[i] = vh[i] > v[i] ? vh[i] : v[i];
        p[i] -= (m[i] * alpha) / (sqrtf(vh[i]) + eps);
    }
}

/* One step over params (o->n floats) with grads (clipped in place). */
void ur_optimizer_step(ur_optimizer *o, float *params, float *grads)
{
    const ur_optimizer_config *c = &o->cfg;
    size_t n = o->n;
    float lr = (float)c->learning_rate;
    clip_gradients(o, grads);
    if (c->weight_decay > 0)
        decay(params, n, (float)c->weight_decay, lr);
    double t = (double)(o->iterations + 1);
    switch (c->kind) {
    case UR_OPT_SGD:
        if (c->momentum == 0.0)
            sgd_plain(params, grads, n, lr);
        else if (c->nesterov)
            sgd_nesterov(params, grads, o->s[0], n, lr, (float)c->momentum);
        else
            sgd_momentum(params, grads, o->s[0], n, lr, (float)c->momentum);
        break;
    case UR_OPT_RMSPROP:
        rmsprop(params, grads, o->s[0], o->rms_average, o->rms_momentum, n, lr, (float)c->rho,
                (float)(1.0 - c->rho), (float)c->momentum, (float)c->epsilon);
        break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW: {
        /* in float32, as Keras computes it for float32 weights: the
         * rounding of beta_2 shows in 1 - beta_2^t at the first steps */
        float b1p = powf((float)c->beta_1, (float)t), b2p = powf((float)c->beta_2, (float)t);
        float alpha = lr * sqrtf(1.0f - b2p) / (1.0f - b1p);
        float c1 = (float)(1.0 - c->beta_1), c2 = (float)(1.0 - c->beta_2);
        if (c->amsgrad)
            adam_amsgrad(params, grads, o->s[0], o->s[1], o->s[2], n, alpha, c1, c2,
                         (float)c->epsilon);
        else
            adam(params, grads, o->s[0], o->s[1], n, alpha, c1, c2, (float)c->epsilon);
        break;
    }
    }
    o->iterations++;
}
