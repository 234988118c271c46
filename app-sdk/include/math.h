/*
 * wamr-mpy app SDK: the part of <math.h> that WebAssembly computes with
 * single instructions.  The runtime exports no math natives; everything here
 * compiles to wasm opcodes inside the app.
 */
#ifndef WAMR_MPY_MATH_H
#define WAMR_MPY_MATH_H

#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define HUGE_VAL (__builtin_huge_val())
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x) __builtin_signbit(x)

#define WAMR_MATH1(name)                                                   \
    static inline double name(double x) { return __builtin_##name(x); }   \
    static inline float name##f(float x) { return __builtin_##name##f(x); }

WAMR_MATH1(sqrt)
WAMR_MATH1(fabs)
WAMR_MATH1(floor)
WAMR_MATH1(ceil)
WAMR_MATH1(trunc)
WAMR_MATH1(rint)
WAMR_MATH1(nearbyint)
#undef WAMR_MATH1

static inline double copysign(double x, double y) { return __builtin_copysign(x, y); }
static inline float copysignf(float x, float y) { return __builtin_copysignf(x, y); }

/* C semantics (a NaN argument loses to a number); wasm's min/max would
 * propagate the NaN, so these are not single instructions. */
static inline double fmin(double a, double b)
{
    return a != a ? b : b != b ? a : a < b ? a : b;
}
static inline double fmax(double a, double b)
{
    return a != a ? b : b != b ? a : a > b ? a : b;
}
static inline float fminf(float a, float b)
{
    return a != a ? b : b != b ? a : a < b ? a : b;
}
static inline float fmaxf(float a, float b)
{
    return a != a ? b : b != b ? a : a > b ? a : b;
}

#endif
