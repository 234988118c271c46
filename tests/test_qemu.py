"""The runtime on the emulated boards (ports/qemu): bare-metal MicroPython
firmware with the runtime frozen in, under qemu-system-arm (Cortex-M0,
Cortex-M4F) and qemu-system-riscv32 (RV32IMC).  Native code is the board's
own: Thumb-1, Thumb-2 with the FPU, RV32IMC.

Firmwares are built once into build/qemu/ (ports/qemu/build.sh; `make test`
installs the toolchains) and reused; without the toolchains or QEMU the
tests skip and say what is missing.
"""
import os
import shutil
import subprocess
import sys

import pytest

from boardtest import HELLO, hello_reference
from mp import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemuboard as qb  # noqa: E402

PY = os.path.join(ROOT, ".venv", "bin", "python")
if not os.path.exists(PY):
    PY = sys.executable

BOARDS = list(qb.BOARDS)


def need_board(name):
    info = qb.board_json(name)
    missing = [t for t in (info["qemu"][0], "arm-none-eabi-gcc", "riscv64-unknown-elf-gcc")
               if shutil.which(t) is None]
    if missing:
        pytest.skip("missing %s (make test installs them)" % ", ".join(missing))
    try:
        return qb.build_firmware(name)
    except qb.BoardError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module", params=BOARDS)
def board(request):
    need_board(request.param)
    return request.param


def wamrc(wasm, arch, out):
    r = subprocess.run([PY, os.path.join(ROOT, "tools", "wamrc"), "-q", "-march=" + arch,
                        "-o", str(out), str(wasm)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return str(out)


def qemu_tool(*args, timeout=300):
    return subprocess.run([PY, os.path.join(ROOT, "tools", "qemu")] + [str(a) for a in args],
                          capture_output=True, timeout=timeout)


def test_the_firmware_is_the_boards(board):
    """Arch, word size, float width and heap of the real board; the
    configuration is the board's (frozen from tools/build's manifest)."""
    info = qb.board_json(board)
    with qb.QemuBoard(board) as b:
        out = b.check("""
import sys, gc, micropython
from wamr_mpy import config
from wamr_mpy.aot import native_arch
@micropython.viper
def wrap(x: int) -> int:
    return x + 1
gc.collect()
print(native_arch(), sys.maxsize, wrap(0x7fffffff), 1.0 + 1e-8 == 1.0, config.SOFT_FLOAT,
      config.BOARD, gc.mem_free() + gc.mem_alloc())
""")
    f = out.split()
    assert f[:6] == [info["mpy_arch"], "2147483647", "-2147483648", "True", "1", board], out
    heap = int(info["heap"][:-1]) * 1024
    # the heap is the board's, less the GC's own tables
    assert heap * 0.9 < int(f[6]) <= heap, out


@pytest.mark.parametrize("tier", ["interp", "fast", "aot"])
def test_hello_on_every_tier(board, tier, tmp_path):
    """samples/hello with tools/qemu on each tier the board has (jit is off
    in the boards' configurations), aot as a wamrc .mpy for its arch."""
    if tier == "aot":
        app = wamrc(HELLO, qb.board_json(board)["mpy_arch"], tmp_path / "hello.mpy")
        r = qemu_tool(board, app)
    else:
        r = qemu_tool(board, "--", "--tier", tier, HELLO)
    assert r.returncode == 0, (r.stdout + r.stderr).decode(errors="replace")
    assert r.stdout.decode() == hello_reference()


def test_exit_status_and_traps_come_back(board, tmp_path):
    """A trap prints the CLI's message and gives status 1, as on the unix port."""
    wat = tmp_path / "trap.wat"
    wat.write_text('(module (func (export "main") (result i32) unreachable))')
    wasm = tmp_path / "trap.wasm"
    subprocess.run([shutil.which("wat2wasm") or pytest.skip("wat2wasm missing"), str(wat),
                    "-o", str(wasm)], check=True)
    r = qemu_tool(board, "--", "-f", "main", wasm)
    assert r.returncode == 1, r
    assert b"unreachable" in r.stdout + r.stderr
