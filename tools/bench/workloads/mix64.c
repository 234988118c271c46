/* 64-bit integer mixing in registers: FNV-1a 64, splitmix64, xorshift
 * with variable rotates, 64-bit unsigned compares, leading/trailing zero
 * counts and population count (the u64 arithmetic of Rust code,
 * timestamps and PRNGs), no memory traffic. */
#include "bench.h"

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    r &= 63;
    return r ? (x << r) | (x >> (64 - r)) : x;
}

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* n: thousands of rounds; returns a checksum of the final state. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint64_t s = 0x0123456789ABCDEFull, fnv = 0xCBF29CE484222325ull;
    uint64_t x = 88172645463325252ull, acc = 0;
    int32_t i, rounds = n * 1000;
    uint32_t bits = 0;

    for (i = 0; i < rounds; i++) {
        uint64_t r = splitmix64(&s);
        /* FNV-1a over the low 4 bytes of r */
        fnv = (fnv ^ (r & 0xff)) * 0x100000001B3ull;
        fnv = (fnv ^ ((r >> 8) & 0xff)) * 0x100000001B3ull;
        fnv = (fnv ^ ((r >> 16) & 0xff)) * 0x100000001B3ull;
        fnv = (fnv ^ ((r >> 24) & 0xff)) * 0x100000001B3ull;
        /* xorshift64 with a data-dependent rotate */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += rotl64(x ^ fnv, (unsigned)(r >> 58)) + (r < x ? 1 : 0);
        if ((int64_t)acc < 0)
            acc ^= r >> 3;
        bits += (uint32_t)__builtin_popcountll(acc) +
                (uint32_t)__builtin_clzll(r | 1) + (uint32_t)__builtin_ctzll(x | (1ull << 63));
    }
    return mix(mix(mix((uint32_t)acc, (uint32_t)(acc >> 32)), (uint32_t)fnv), bits);
}
