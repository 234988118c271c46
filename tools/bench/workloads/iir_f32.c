/* Single-precision sensor filtering: a synthetic signal (integer noise
 * plus a triangle wave, converted to float) through two cascaded biquad
 * IIR sections, then a running RMS with sqrtf and a peak detector.  f32
 * loads, stores, multiplies, adds, compares, conversions and square
 * roots; wasm has no fused multiply-add, so every runtime computes the
 * same bits. */
#include "bench.h"

#define N 1024
static float in[N], out[N];

struct biquad { float b0, b1, b2, a1, a2, z1, z2; };

static inline float step(struct biquad *q, float x)
{
    float y = q->b0 * x + q->z1;
    q->z1 = q->b1 * x - q->a1 * y + q->z2;
    q->z2 = q->b2 * x - q->a2 * y;
    return y;
}

static uint32_t fbits(float f)
{
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
}

/* n: blocks of 1024 samples; returns a checksum of the outputs' bits. */
EXPORT("run") uint32_t run(int32_t n)
{
    struct biquad s1 = {0.2929f, 0.5858f, 0.2929f, -0.0f, 0.1716f, 0, 0};
    struct biquad s2 = {0.0976f, 0.1953f, 0.0976f, -0.9428f, 0.3333f, 0, 0};
    uint32_t seed = 5, h = 0;
    int32_t blk, i;
    float rms = 0.0f, peak = 0.0f;

    for (blk = 0; blk < n; blk++) {
        for (i = 0; i < N; i++) {
            int32_t tri = (i & 255) < 128 ? (i & 127) : 127 - (i & 127);
            in[i] = (float)(int32_t)(lcg_next(&seed) >> 22) * 0.01f + (float)tri * 0.25f;
        }
        for (i = 0; i < N; i++)
            out[i] = step(&s2, step(&s1, in[i]));
        for (i = 0; i < N; i++) {
            float y = out[i];
            rms = rms * 0.99f + y * y * 0.01f;
            if (y > peak)
                peak = y;
            else
                peak *= 0.999f;
        }
        h = mix(h, fbits(__builtin_sqrtf(rms)));
        h = mix(h, fbits(peak));
        h = mix(h, fbits(out[blk & (N - 1)]));
    }
    return h;
}
