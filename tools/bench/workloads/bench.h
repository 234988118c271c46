/*
 * Shared definitions for the wamr-mpy benchmark workloads.
 *
 * Every workload is freestanding C (no libc, no imports) and exports
 *     uint32_t run(int32_t n)
 * which does an amount of work chosen by `n` and returns a checksum of the
 * result, so the same module can be compared across runtimes.  run() resets
 * its state on every call: calling it twice gives the same checksum.
 */
#ifndef WAMR_MPY_BENCH_H
#define WAMR_MPY_BENCH_H

#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else /* a native build, used to cross-check the checksums */
#define EXPORT(name)
#endif

/* A small deterministic generator for input data (Numerical Recipes LCG). */
static inline uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

/* Mix a word into a running checksum (order sensitive). */
static inline uint32_t mix(uint32_t h, uint32_t v)
{
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

#endif
