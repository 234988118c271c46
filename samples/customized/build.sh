#!/bin/sh
# Build customized.wasm (libc-builtin C app calling vendor natives).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
"$here/../../tools/wasm-cc" "$here/customized.c" -o "$out/customized.wasm"
