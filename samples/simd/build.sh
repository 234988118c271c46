#!/bin/sh
# Build simd.wasm (the kernels with WebAssembly SIMD, clang-14 -msimd128)
# and scalar.wasm (the same kernels as plain C loops) with the app SDK.
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
"$here/../../tools/wasm-cc" -O2 -msimd128 "$here/simd.c" -o "$out/simd.wasm"
"$here/../../tools/wasm-cc" -O2 "$here/simd.c" -o "$out/scalar.wasm"
# blend.h (the image filter and run(n)) is also built by
# tools/bench/workloads/build.sh: simd_blend.wasm and scalar_blend.wasm
