#!/bin/sh
# Build app.wasm (freestanding C++ on the libc-builtin natives).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
"$here/../../tools/wasm-cc" "$here/app.cpp" -o "$out/app.wasm"
