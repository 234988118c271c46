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


def test_float_arguments_and_results_read_and_print_as_on_unix(board, tmp_path):
    """f64 in and out through the board's CLI.  The frozen code's "." was
    "_dot_" (a port C file's MP_QSTR__dot_ took the qstr with its own name
    as value), so "1.5" was refused and results printed as 2_dot_47..."""
    wat = tmp_path / "f.wat"
    wat.write_text('(module (func (export "add") (param f64 f64) (result f64)'
                   ' (f64.add (local.get 0) (local.get 1)))'
                   ' (func (export "bits") (param i64) (result f64)'
                   ' (f64.reinterpret_i64 (local.get 0))))')
    wasm = tmp_path / "f.wasm"
    subprocess.run([shutil.which("wat2wasm") or pytest.skip("wat2wasm missing"), str(wat),
                    "-o", str(wasm)], check=True)
    for args, want in ((("add", "1.5", "2.25"), "3.75:f64"),
                       (("bits", "5"), "2.470328e-323:f64")):
        r = qemu_tool(board, "--", "--tier", "interp", "-f", args[0], wasm, *args[1:])
        assert r.returncode == 0, (r.stdout + r.stderr).decode(errors="replace")
        assert r.stdout.decode().split() == [want], r.stdout


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


def test_select_polls_the_uart(board):
    """ports/qemu's select (modselect.c): what mpremote's mount and
    asyncio-style loops use; nothing to read times out, a byte sent makes
    stdin readable."""
    with qb.QemuBoard(board) as b:
        b.exec_start("import select, sys, time\n"
                     "p = select.poll()\n"
                     "p.register(sys.stdin, select.POLLIN)\n"
                     "t = time.ticks_ms()\n"
                     "print('idle', p.poll(50), time.ticks_diff(time.ticks_ms(), t) >= 50)\n"
                     "print('\\x06go')\n"
                     "r = [ev for o, ev in p.ipoll(5000)]\n"
                     "print('ready', r, sys.stdin.read(1))\n"
                     "p.unregister(sys.stdin)\n"
                     "print('empty', p.poll(0))\n")
        first = b.read_until(b"\x06go\r\n", 30)
        b.write(b"x")
        out, err = b.exec_finish(30)
    assert not err, err
    lines = (first + out).decode().split("\r\n")
    assert lines[:3] == ["idle [] True", "ready [1] x", "empty []"], lines


def test_uart_input_is_not_lost_when_the_board_reads_late(board):
    """More input than the console's ring holds arrives while the board is
    busy: the ring fills, the UART holds the rest back, and every byte is
    read later.  (A byte taken from the UART with the ring full was dropped:
    put_file after a soft reset hung for 300 s in CI.)"""
    data = bytes(range(256)) * 16
    with qb.QemuBoard(board) as b:
        b.exec_start("import micropython, sys, time\n"
                     "micropython.kbd_intr(-1)\n"
                     "_b = bytearray(%d)\n"
                     "print('\\x06go')\n"
                     "time.sleep_ms(300)\n"
                     "n = sys.stdin.buffer.readinto(_b)\n"
                     "micropython.kbd_intr(3)\n"
                     "print(n, sum(_b), bytes(_b[-3:]))\n" % len(data))
        b.read_until(b"\x06go\r\n", 30)
        b.write(data)
        out, err = b.exec_finish(30)
    assert not err, err
    assert out.decode().split() == [str(len(data)), str(sum(data)), repr(data[-3:])], out


def test_pytest_target_runs_tests_on_the_board(board):
    """pytest --target qemu:BOARD (tests/target_plugin.py): run_mp's code
    runs on the emulated board through mpremote, the repository mounted."""
    r = subprocess.run([PY, "-m", "pytest", "-p", "no:cacheprovider", "--target",
                        "qemu:" + board, "-n", "0", "-q",
                        os.path.join(ROOT, "tests", "test_embedding.py") +
                        "::test_calls_values_and_results"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]


def test_measure_gives_the_heap_table(tmp_path):
    """tools/qemu --measure (docs/boards.md's heap table): the runtime's
    import and each tier's hello cost heap; the largest block after import
    is what a linear memory can take."""
    need_board("QEMU_RPI_PICO2")
    r = qemu_tool("--measure", "QEMU_RPI_PICO2", timeout=600)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    row = [l for l in r.stdout.decode().splitlines() if l.startswith("| `QEMU_RPI_PICO2`")]
    assert row, r.stdout
    cells = [c.strip() for c in row[0].strip("|").split("|")]
    boot, after, largest, hello = (float(c.split()[0]) for c in cells[2:6])
    assert 390 < boot <= 409.6 and largest <= after < boot and hello < after, cells


def test_the_boards_largest_memory_allocates_after_a_run(board, tmp_path):
    """The linear memory the board's configuration allows (MEMORY_LIMIT, or
    MAX_MEMORY_PAGES pages where there is no limit) allocates after the
    frozen runtime has been imported and an app has run on each tier in
    the same heap (issue 13: a 64 KiB memory once failed on QEMU_RPI_PICO2
    after a spec file)."""
    app = wamrc(HELLO, qb.board_json(board)["mpy_arch"], tmp_path / "hello.mpy")
    with open(HELLO, "rb") as f:
        wasm = f.read()
    with open(app, "rb") as f:
        mpy = f.read()
    with qb.QemuBoard(board) as b:
        b.put_file("hello.wasm", wasm)
        b.put_file("hello.mpy", mpy)
        out = b.check("import gc, os, wamr_mpy\nfrom wamr_mpy import cli, config\n"
                      "from wamr_mpy.memory import Memory\nos.chdir('/host')\n"
                      "for a in (['--tier', 'interp', 'hello.wasm'], "
                      "['--tier', 'fast', 'hello.wasm'], ['hello.mpy']):\n"
                      "    try:\n        cli.main(a)\n    except SystemExit:\n        pass\n"
                      "_hostfs.files.clear()\nwamr_mpy.init()\n"
                      "lim = config.MEMORY_LIMIT\n"
                      "pages = 1 if lim else config.MAX_MEMORY_PAGES\n"
                      "m = Memory(pages, pages, lim or None)\n"
                      "print('@mem', len(m.data), pages, lim)\n", timeout=300)
    size, pages, lim = (int(x) for x in out.rsplit("@mem", 1)[1].split()[:3])
    assert size == (lim or pages * 65536) and size >= 24576, out
