/* The image filter of the SIMD sample and its benchmark: two 8-bit images
 * made from an LCG, blended (rounded average, brightened by k with
 * saturation) with WebAssembly SIMD when built with -msimd128 and as a plain
 * C loop otherwise; `run(n)` makes the images, blends them n times and
 * returns a checksum of the result.  Included by simd.c (the sample) and by
 * tools/bench/workloads/{simd,scalar}_blend.c (freestanding: no libc). */
#ifndef SIMD_SAMPLE_BLEND_H
#define SIMD_SAMPLE_BLEND_H
#include <stdint.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define W 64
#define H 64
#define NPIX (W * H)
#define NVEC 1024

static uint8_t img_a[NPIX], img_b[NPIX], out[NPIX];
static int16_t va[NVEC], vb[NVEC];

static void fill(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < NPIX; i++) {
        x = x * 1103515245u + 12345u;
        img_a[i] = (uint8_t)(x >> 24);
        img_b[i] = (uint8_t)(x >> 16);
    }
    for (int i = 0; i < NVEC; i++) {
        x = x * 1103515245u + 12345u;
        va[i] = (int16_t)(x >> 16);
        vb[i] = (int16_t)(x >> 8);
    }
}

/* The image filter: the rounded average of two images, brightened by k
 * with saturation (o = min(255, avg(a, b) + k)). */
static void blend(const uint8_t *a, const uint8_t *b, uint8_t *o, int n, uint8_t k)
{
#ifdef __wasm_simd128__
    v128_t kv = wasm_u8x16_splat(k);
    for (int i = 0; i < n; i += 16) {
        v128_t x = wasm_v128_load(a + i);
        v128_t y = wasm_v128_load(b + i);
        wasm_v128_store(o + i, wasm_u8x16_add_sat(wasm_u8x16_avgr(x, y), kv));
    }
#else
    for (int i = 0; i < n; i++) {
        int v = ((a[i] + b[i] + 1) >> 1) + k;
        o[i] = (uint8_t)(v > 255 ? 255 : v);
    }
#endif
}

static uint32_t checksum(const uint8_t *p, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

#ifdef __wasm__
__attribute__((export_name("run")))
#endif
int run(int n)
{
    fill();
    for (int r = 0; r < n; r++)
        blend(img_a, img_b, out, NPIX, (uint8_t)(r + 40));
    return (int)checksum(out, NPIX);
}

#endif
