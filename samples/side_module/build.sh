#!/bin/sh
# Build app.wasm as an emcc-style side module (dylink.0) with clang-14:
# compile position-independent for wasm32-unknown-emscripten, link -shared.
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
cc=${CC:-clang-14}
ld=${WASM_LD:-wasm-ld-14}
"$cc" --target=wasm32-unknown-emscripten -fPIC -O2 -c "$here/app.c" -o "$out/app.o"
"$ld" --experimental-pic -shared --export-all "$out/app.o" -o "$out/app.wasm"
rm -f "$out/app.o"
