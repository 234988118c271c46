/* Call-heavy code that is not recursion: small functions with several
 * i32 and i64 parameters and results, called directly and through a
 * function-pointer table (call_indirect), as in code built from many
 * small accessors and callbacks. */
#include "bench.h"

/* clang runs binaryen's wasm-opt when it is on PATH, and wasm-opt inlines
 * a function with a single call site whatever the attribute says: every
 * function here is called from two places. */
#define NOINLINE __attribute__((noinline))

NOINLINE static uint32_t clamp3(int32_t v, int32_t lo, int32_t hi)
{
    return (uint32_t)(v < lo ? lo : v > hi ? hi : v);
}

NOINLINE static uint64_t acc64(uint64_t a, uint32_t v, uint32_t w)
{
    return a * 31 + v + ((uint64_t)w << 32);
}

NOINLINE static uint32_t lo32(uint64_t a)
{
    return (uint32_t)a ^ (uint32_t)(a >> 40);
}

NOINLINE static int32_t madd(int32_t a, int32_t b, int32_t c, int32_t d)
{
    return a * b + c * d;
}

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 3); }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - (b >> 1); }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static op_fn ops[4] = {op_add, op_xor, op_sub, op_mul};

static inline uint32_t lane(uint32_t h, uint64_t *a, uint32_t r)
{
    uint32_t c = clamp3((int32_t)(r >> 8) - 0x400000, -0x200000, 0x200000);
    *a = acc64(*a, c, r);
    h = ops[r >> 30](h, lo32(*a));
    return h + (uint32_t)madd((int32_t)c, 3, (int32_t)(r & 0xffff), -7);
}

/* n: thousands of rounds of two lanes of 5 calls each; returns a
 * checksum. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t seed = 3, h = 0, g = 1;
    uint64_t a = 1, b = 2;
    int32_t i, rounds = n * 1000;

    for (i = 0; i < rounds; i++) {
        h = lane(h, &a, lcg_next(&seed));
        g = lane(g, &b, lcg_next(&seed));
    }
    return mix(mix(h, g), lo32(a ^ b));
}
