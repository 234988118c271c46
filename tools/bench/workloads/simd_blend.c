/* The SIMD sample's image filter (samples/simd/blend.h) built with
 * -msimd128: 16 pixels per WebAssembly SIMD instruction.  Its scalar twin,
 * the same C without -msimd128, is scalar_blend.c: same work, same
 * checksum. */
#include "../../../samples/simd/blend.h"
