/* XXH64-style 64-bit hash over a 4 KiB buffer: 64-bit loads, multiplies,
 * rotates, shifts and xors (the i64 work of a real hash function).  The
 * algorithm follows the published XXH64 description; written here for
 * the benchmark. */
#include "bench.h"

#define BUF_SIZE 4096
static uint8_t buf[BUF_SIZE];

static const uint64_t P1 = 0x9E3779B185EBCA87ull;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
static const uint64_t P3 = 0x165667B19E3779F9ull;
static const uint64_t P4 = 0x85EBCA77C2B2AE63ull;
static const uint64_t P5 = 0x27D4EB2F165667C5ull;

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t merge64(uint64_t acc, uint64_t v)
{
    acc ^= round64(0, v);
    return acc * P1 + P4;
}

static uint64_t xxh64(const uint8_t *p, uint32_t len, uint64_t seed)
{
    const uint8_t *end = p + len;
    uint64_t h;

    if (len >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        const uint8_t *limit = end - 32;
        do {
            v1 = round64(v1, rd64(p));
            v2 = round64(v2, rd64(p + 8));
            v3 = round64(v3, rd64(p + 16));
            v4 = round64(v4, rd64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = merge64(h, v1);
        h = merge64(h, v2);
        h = merge64(h, v3);
        h = merge64(h, v4);
    } else {
        h = seed + P5;
    }
    h += len;
    while (p + 8 <= end) {
        h ^= round64(0, rd64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t)rd32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (*p++) * P5;
        h = rotl64(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* n: hash passes; each pass hashes the buffer and then a short tail of
 * it (len 4093: the 8/4/1-byte tail loops) with the previous hash as the
 * seed.  Returns the two 32-bit halves of the last hash, mixed. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t seed = 99, i;
    uint64_t h = 0;
    int32_t k;

    for (i = 0; i < BUF_SIZE; i++)
        buf[i] = (uint8_t)(lcg_next(&seed) >> 24);
    for (k = 0; k < n; k++) {
        h = xxh64(buf, BUF_SIZE, h);
        h = xxh64(buf + 3, BUF_SIZE - 3, h);
    }
    return mix((uint32_t)h, (uint32_t)(h >> 32));
}
