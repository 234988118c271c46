#!/bin/sh
# Build both Rust apps with Debian's rustc (apt-get install rustc
# libstd-rust-dev-wasm32); the rustup toolchain under ~/.cargo has no wasm
# targets here, so /usr/bin/rustc is used unless RUSTC says otherwise.
#   app_nostd.wasm: no_std, wasm32-unknown-unknown, prints via the runtime's
#                   libc-builtin natives (printf, puts) - one 64 KiB page
#   app_wasi.wasm:  std, wasm32-wasi
# Usage: build.sh [OUTDIR]   (default: this directory)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
rustc=${RUSTC:-/usr/bin/rustc}

"$rustc" --target wasm32-unknown-unknown --crate-type cdylib \
    -C opt-level=s -C panic=abort -C strip=debuginfo \
    -C link-arg=-zstack-size=4096 -C link-arg=--initial-memory=65536 \
    "$here/app_nostd.rs" -o "$out/app_nostd.wasm"

"$rustc" --target wasm32-wasi \
    -C opt-level=s -C panic=abort -C strip=debuginfo \
    -C link-arg=-zstack-size=16384 \
    "$here/app_wasi.rs" -o "$out/app_wasi.wasm"
