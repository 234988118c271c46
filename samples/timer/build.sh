#!/bin/sh
# Build the timer app-framework sample with the app SDK (WAMR 2019 app API).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
for app in timer; do
    "$here/../../tools/wasm-cc" --framework "$here/$app.c" -o "$out/$app.wasm"
done
