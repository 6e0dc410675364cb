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

    size_t k = 0;
    switch (cfg->kind) {
    case UR_OPT_SGD:
        k = cfg->momentum != 0.0 ? 1 : 0;
        break;
    case UR_OPT_RMSPROP:
        k = 1 + (cfg->momentum > 0.0) + (cfg->centered ? 1 : 0);
        break;
    case UR_OPT_ADAM:
    case UR_OPT_ADAMW:
        k = 2 + (cfg->amsgrad ? 1 : 0);
        break;
    }
    o->n_slots = k * n;
    if (o->n_slots) {
        o->slots = ur_alloc_aligned(o->n_slots * sizeof(float));
        if (!o->slots) {
            ur_optimizer_free(o);
            return NULL;
        }
    }
    for (size_t i = 0; i < k; i++)
        o->s[i] = o->slots + i * n;
    if (cfg->kind == UR_OPT_RMSPROP) {
        size_t next = 1;
        if (cfg->momentum > 0.0)
            o->rms_momentum = o->s[next++];
        if (cfg->centered)
            o->rms_average = o->s[next++];
    }
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
