/* SIMD kernels on 8-bit images and 16-bit vectors, written twice: with the
 * WebAssembly SIMD intrinsics (wasm_simd128.h, built with -msimd128 into
 * simd.wasm) and as plain C loops (built without it into scalar.wasm).
 * Both builds print the same lines.  The image filter and `run(n)` are in
 * blend.h, which tools/bench also builds (simd_blend vs scalar_blend). */
#include <stdio.h>
#include "blend.h"

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
