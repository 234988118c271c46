/* SIMD kernels on 8-bit images and 16-bit vectors, written twice: with the
 * WebAssembly SIMD intrinsics (wasm_simd128.h, built with -msimd128 into
 * simd.wasm) and as plain C loops (built without it into scalar.wasm).
 * Both builds print the same lines; `run(n)` repeats the image filter n
 * times for the benchmark (tools/bench: simd_blend vs scalar_blend). */
#include <stdio.h>
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

/* Dot product of two i16 vectors (n a multiple of 8). */
static int32_t dot16(const int16_t *a, const int16_t *b, int n)
{
#ifdef __wasm_simd128__
    v128_t acc = wasm_i32x4_splat(0);
    for (int i = 0; i < n; i += 8)
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i),
                                                      wasm_v128_load(b + i)));
    return wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
           wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
#else
    int32_t s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
#endif
}

/* Pixels brighter than t. */
static int count_above(const uint8_t *a, int n, uint8_t t)
{
#ifdef __wasm_simd128__
    v128_t tv = wasm_u8x16_splat(t);
    int c = 0;
    for (int i = 0; i < n; i += 16)
        c += __builtin_popcount(wasm_i8x16_bitmask(wasm_u8x16_gt(wasm_v128_load(a + i), tv)));
    return c;
#else
    int c = 0;
    for (int i = 0; i < n; i++)
        c += a[i] > t;
    return c;
#endif
}

static uint32_t checksum(const uint8_t *p, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

__attribute__((export_name("run")))
int run(int n)
{
    fill();
    for (int r = 0; r < n; r++)
        blend(img_a, img_b, out, NPIX, (uint8_t)(r + 40));
    return (int)checksum(out, NPIX);
}

int main(void)
{
    fill();
    blend(img_a, img_b, out, NPIX, 40);
    printf("blend: %08x\n", (unsigned)checksum(out, NPIX));
    printf("dot16: %d\n", (int)dot16(va, vb, NVEC));
    printf("above 200: %d of %d\n", count_above(out, NPIX, 200), NPIX);
    printf("run(3): %08x\n", (unsigned)run(3));
    return 0;
}
