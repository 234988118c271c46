/* Integer matrix multiply C = A * B (i32, wrapping). */
#include "bench.h"

#define MAX_N 64
static int32_t A[MAX_N * MAX_N], B[MAX_N * MAX_N], C[MAX_N * MAX_N];

/* n: matrix order (clamped to 64); returns a checksum of C. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t seed = 42, h = 0;
    int32_t i, j, k;

    if (n > MAX_N)
        n = MAX_N;
    for (i = 0; i < n * n; i++) {
        A[i] = (int32_t)(lcg_next(&seed) >> 20) - 2048;
        B[i] = (int32_t)(lcg_next(&seed) >> 20) - 2048;
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            int32_t s = 0;
            for (k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
    for (i = 0; i < n * n; i++)
        h = mix(h, (uint32_t)C[i]);
    return h;
}
