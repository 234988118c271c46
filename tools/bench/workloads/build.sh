#!/bin/sh
# Build the benchmark workloads: freestanding C -> wasm32, no imports,
# exports `run` (and `memory`).  Needs clang-14 and lld-14 (apt).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
cc=${CC:-clang-14}

# name:pages of linear memory (data + 4 KiB stack must fit)
for spec in fib:1 sieve:1 crc32:1 matmul_int:1 matmul_f64:2 sha256:1 \
            quicksort:1 coremark_mix:1 xxhash64:1 mix64:1 iir_f32:1 nbody_f64:1 \
            calls:1 simd_blend:1 scalar_blend:1; do
    name=${spec%:*}
    pages=${spec#*:}
    simd=
    # the SIMD sample's kernel with WebAssembly SIMD (its twin without)
    [ "$name" = simd_blend ] && simd=-msimd128
    "$cc" --target=wasm32 -O2 $simd -ffreestanding -nostdlib \
        -Wl,--no-entry -Wl,-z,stack-size=4096 \
        -Wl,--initial-memory=$((pages * 65536)) \
        -Wl,--max-memory=$((pages * 65536)) \
        -o "$out/$name.wasm" "$here/$name.c"
done
