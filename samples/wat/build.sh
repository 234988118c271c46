#!/bin/sh
# Assemble app.wat with wabt (apt-get install wabt).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
wat2wasm --debug-names "$here/app.wat" -o "$out/app.wasm"
