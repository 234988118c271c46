/* The SIMD sample's image filter (samples/simd/blend.h) as plain C loops,
 * built without -msimd128: the scalar twin of simd_blend.c (same work, same
 * checksum). */
#include "../../../samples/simd/blend.h"
