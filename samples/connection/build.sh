#!/bin/sh
# Build the connection app-framework sample with the app SDK (WAMR's
# connection API).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
for app in connection; do
    "$here/../../tools/wasm-cc" --framework "$here/$app.c" -o "$out/$app.wasm"
done
