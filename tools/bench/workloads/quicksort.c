/* Recursive quicksort (Hoare partition, median of three) of i32 keys. */
#include "bench.h"

#define MAX_N 12000
static int32_t a[MAX_N];

static void sort(int32_t *v, int32_t lo, int32_t hi)
{
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2, i = lo - 1, j = hi + 1, p, t;
        /* median of three as the pivot */
        if (v[mid] < v[lo]) { t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
        if (v[hi] < v[lo]) { t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
        if (v[hi] < v[mid]) { t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
        p = v[mid];
        for (;;) {
            do i++; while (v[i] < p);
            do j--; while (v[j] > p);
            if (i >= j)
                break;
            t = v[i]; v[i] = v[j]; v[j] = t;
        }
        /* recurse into the smaller half, loop on the larger */
        if (j - lo < hi - j) {
            sort(v, lo, j);
            lo = j + 1;
        } else {
            sort(v, j + 1, hi);
            hi = j;
        }
    }
}

/* n: number of keys (clamped to 12000); returns a checksum of the sorted
 * keys, or 0xffffffff if the result is not sorted. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t seed = 2024, h = 0;
    int32_t i;

    if (n > MAX_N)
        n = MAX_N;
    for (i = 0; i < n; i++)
        a[i] = (int32_t)lcg_next(&seed);
    if (n > 1)
        sort(a, 0, n - 1);
    for (i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i])
            return 0xffffffffu;
        h = mix(h, (uint32_t)a[i]);
    }
    return h;
}
