#!/bin/sh
# Build app.wasm (WASI C app, Debian's wasi-libc: apt-get install wasi-libc).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
"$here/../../tools/wasm-cc" --wasi "$here/app.c" -o "$out/app.wasm"
