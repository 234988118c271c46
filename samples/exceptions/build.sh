#!/bin/sh
# Assemble app.wat.  wabt's wat2wasm (1.0.32, Debian 12) does not know the
# WebAssembly 3.0 exception instructions (try_table, throw_ref, exnref), so
# the text goes through wasmtime's wat2wasm (the wasm-tools parser; PyPI
# wasmtime, in requirements.txt), with the project venv's Python when there
# is one.  Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
py=${PYTHON:-$here/../../.venv/bin/python}
[ -x "$py" ] || py=python3
"$py" -c 'import sys, wasmtime
open(sys.argv[2], "wb").write(wasmtime.wat2wasm(open(sys.argv[1]).read()))' \
    "$here/app.wat" "$out/app.wasm"
