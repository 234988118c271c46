/* Double-precision matrix multiply C = A * B.  wasm has no fused
 * multiply-add, so every runtime must produce the same bits. */
#include "bench.h"

#define MAX_N 64
static double A[MAX_N * MAX_N], B[MAX_N * MAX_N], C[MAX_N * MAX_N];

static uint32_t fold(double d)
{
    union { double d; uint64_t u; } v;
    v.d = d;
    return (uint32_t)v.u ^ (uint32_t)(v.u >> 32);
}

/* n: matrix order (clamped to 64); returns a checksum of C's bits. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t seed = 7, h = 0;
    int32_t i, j, k;

    if (n > MAX_N)
        n = MAX_N;
    for (i = 0; i < n * n; i++) {
        A[i] = (double)(int32_t)(lcg_next(&seed) >> 16) / 4096.0 - 8.0;
        B[i] = 1.0 / ((double)(lcg_next(&seed) >> 24) + 1.5);
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            double s = 0.0;
            for (k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
    for (i = 0; i < n * n; i++)
        h = mix(h, fold(C[i]));
    return h;
}
