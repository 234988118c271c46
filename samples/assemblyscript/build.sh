#!/bin/sh
# Build app.wasm with AssemblyScript 0.28 (npm), installed into
# ./node_modules on first use (package.json pins the version).
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
cd "$here"
if [ ! -x node_modules/.bin/asc ]; then
    npm install --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/asc app.ts -O3 --runtime stub --use abort=app/fail \
    --initialMemory 1 -o "$out/app.wasm"
