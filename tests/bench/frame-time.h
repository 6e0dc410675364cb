/* frame-time.h — what the window's frame benchmarks share: the calling
 * thread's CPU time (steadier than wall time on a busy machine) and the
 * comparison that sorts frame times for their percentiles. */
#ifndef UNROLL_FRAME_TIME_H
#define UNROLL_FRAME_TIME_H

#include <time.h>

static inline double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Ascending doubles, for qsort and g_array_sort. */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif
