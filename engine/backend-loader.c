/* backend-loader.c — finds and loads the CUDA module (unroll-cuda.so) at
 * run time with dlopen, so that one build runs with and without a GPU, and
 * parses device names ("auto", "cpu", "cuda", "cuda:N"). The module is looked
 * for in $UNROLL_CUDA_MODULE, beside the executable, in the build tree's
 * cuda/ folder, and in the install libdir; the first that loads wins. */
#include "backend.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#ifndef UR_CUDA_LIBDIR
#define UR_CUDA_LIBDIR "/usr/local/lib/unroll"
#endif
#define MODULE_NAME "unroll-cuda.so"

ur_status ur_device_parse(const char *device, int *index, ur_ctx *ctx)
{
    *index = 0;
    if (!device)
        return ur_error(ctx, UR_ERR_INVALID, "no device given: use auto, cpu, cuda or cuda:N");
    if (strcmp(device, "auto") == 0 || strcmp(device, "cpu") == 0 || strcmp(device, "cuda") == 0)
        return UR_OK;
    if (strncmp(device, "cuda:", 5) == 0) {
        const char *d = device + 5;
        char *end = NULL;
        long v = (*d >= '0' && *d <= '9') ? strtol(d, &end, 10) : -1;
        if (v >= 0 && v < 1024 && end && *end == '\0') {
            *index = (int)v;
            return UR_OK;
        }
        return ur_error(ctx, UR_ERR_INVALID,
                        "device '%s': the GPU number after 'cuda:' must be 0 to 1023", device);
    }
    static const char *const names[] = {"auto", "cpu", "cuda", NULL};
    const char *near = ur_closest(device, names);
    if (near)
        return ur_error(ctx, UR_ERR_INVALID, "unknown device '%s' (did you mean '%s'?)", device,
                        near);
    return ur_error(ctx, UR_ERR_INVALID, "unknown device '%s': use auto, cpu, cuda or cuda:N",
                    device);
}

/* The module is loaded once per process; its open function stays valid. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static bool load_tried;
static ur_cuda_open_fn open_fn;
static char load_error[512];

/* The folder of the running executable, or "" */
static void exe_dir(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        buf[0] = '\0';
}

/* One line: dlerror() texts can be long; keep their first line. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n')
            *s = ' ';
}

static void *try_open(const char *path, char *err, size_t err_size)
{
    if (access(path, F_OK) != 0)
        return NULL;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h && err[0] == '\0') {
        const char *e = dlerror();
        snprintf(err, err_size, "%.200s does not load: %.280s", path, e ? e : "unknown error");
        one_line(err);
    }
    return h;
}

static void load_module(void)
{
    char err[512] = "", path[4096 + 64], dir[4096];
    void *h = NULL;
    const char *env = getenv("UNROLL_CUDA_MODULE");
    if (env && *env) {
        if (access(env, F_OK) != 0) {
            snprintf(load_error, sizeof load_error, "UNROLL_CUDA_MODULE names %s, which does not "
                     "exist", env);
            return;
        }
        h = try_open(env, err, sizeof err);
    } else {
        exe_dir(dir, sizeof dir);
        static const char *const rel[] = {"", "/../cuda", "/../../cuda", "/../../../cuda",
                                          "/../lib/unroll", NULL};
        for (int i = 0; !h && dir[0] && rel[i]; i++) {
            snprintf(path, sizeof path, "%s%s/" MODULE_NAME, dir, rel[i]);
            h = try_open(path, err, sizeof err);
        }
        if (!h)
            h = try_open(UR_CUDA_LIBDIR "/" MODULE_NAME, err, sizeof err);
    }
    if (!h) {
        if (err[0])
            snprintf(load_error, sizeof load_error, "%s", err);
        else
            snprintf(load_error, sizeof load_error,
                     "this build has no CUDA module (" MODULE_NAME " was not found; it is built "
                     "when nvcc and cuDNN are present)");
        return;
    }
    open_fn = (ur_cuda_open_fn)dlsym(h, UR_CUDA_OPEN_SYMBOL);
    if (!open_fn)
        snprintf(load_error, sizeof load_error, MODULE_NAME " has no " UR_CUDA_OPEN_SYMBOL);
}

/* Keras's `trainable` of a layer's spec (true unless "trainable": false). */
static bool layer_trainable(const ur_layer *l)
{
    const ur_value *t = l->spec ? ur_value_get(l->spec, "trainable") : NULL;
    return !(t && t->type == UR_VALUE_BOOL && !t->u.b);
}

static const ur_cuda_host cuda_host = {
    .version = UR_CUDA_ABI,
    .errorv = ur_errorv,
    .dropout_mask = ur_dropout_mask,
    .layer_trainable = layer_trainable,
};

ur_backend *ur_backend_cuda_open(int device, bool exact, char *why, size_t why_size)
{
    pthread_mutex_lock(&load_lock);
    if (!load_tried) {
        load_tried = true;
        load_module();
    }
    ur_cuda_open_fn fn = open_fn;
    pthread_mutex_unlock(&load_lock);
    if (!fn) {
        snprintf(why, why_size, "%s", load_error);
        return NULL;
    }
    why[0] = '\0';
    ur_backend *be = fn(&cuda_host, device, exact, why, why_size);
    if (!be && why[0] == '\0')
        snprintf(why, why_size, "the CUDA module could not open device %d", device);
    return be;
}
