#!/bin/sh
# Build hello.wasm (libc-builtin C app) with the app SDK.
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
"$here/../../tools/wasm-cc" "$here/hello.c" -o "$out/hello.wasm"
