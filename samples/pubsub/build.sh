#!/bin/sh
# Build the pubsub app-framework sample with the app SDK (WAMR 2019 app API).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
for app in event_publisher event_subscriber; do
    "$here/../../tools/wasm-cc" --framework "$here/$app.c" -o "$out/$app.wasm"
done
