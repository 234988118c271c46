"""boards/*: the board definitions, the UNIX board's filesystem image on the
unix port, and sample apps in the RAM of small boards."""
import os

import pytest

from boardtest import HELLO, wb, build, hello_reference
from mp import run_mp

# board -> (MicroPython port, mpy-cross arch)
REQUIRED = {
    "UNIX": ("unix", "x64"),
    "ESP32_GENERIC": ("esp32", "xtensawin"),
    "ESP32_GENERIC_S3": ("esp32", "xtensawin"),
    "RPI_PICO": ("rp2", "armv6m"),
    "RPI_PICO2": ("rp2", "armv7emsp"),
    "NRF52840DK": ("zephyr", "armv7emsp"),
    "PYBV11": ("stm32", "armv7emsp"),
}


def test_required_boards():
    boards = wb.list_boards()
    for name, (port, arch) in REQUIRED.items():
        assert name in boards
        b = wb.load_board(name)
        assert (b.port, b.arch) == (port, arch), name


@pytest.mark.parametrize("name", wb.list_boards())
def test_board_json(name):
    b = wb.load_board(name)
    # only the unix port has a double-precision float
    assert b.float_bits == (64 if b.port == "unix" else 32)
    # upstream Zephyr firmware on ARM has no native emitter
    if b.port == "zephyr":
        assert not b.native_emitter
    assert b.fs_size % b.fs_block_size == 0
    if b.flash_size:
        assert b.fs_offset + b.fs_size <= b.flash_size
    if b.image == "uf2":
        assert b.flash_base == 0x10000000 and b.uf2_family
    if b.image == "esp32":
        assert b.chip and b.fs_offset % 0x1000 == 0
    assert os.path.isfile(b.defconfig)


def test_board_layouts():
    pico = wb.load_board("RPI_PICO")
    assert pico.heap == 192 * 1024
    assert (pico.fs_address, pico.fs_size) == (0x100A0000, 1408 * 1024)
    assert pico.uf2_family == 0xE48BFF56
    pico2 = wb.load_board("RPI_PICO2")
    assert (pico2.fs_address, pico2.fs_size) == (0x10100000, 3 * 1024 * 1024)
    assert pico2.uf2_family == 0xE48BFF59 and pico2.uf2_fs_family == 0xE48BFF57
    esp = wb.load_board("ESP32_GENERIC")
    assert esp.heap == 110 * 1024
    assert (esp.chip, esp.firmware_offset, esp.fs_offset) == ("esp32", 0x1000, 0x200000)
    s3 = wb.load_board("ESP32_GENERIC_S3")
    assert s3.psram and s3.chip == "esp32s3" and s3.firmware_offset == 0
    pyb = wb.load_board("PYBV11")
    assert (pyb.fs_address, pyb.fs_block_size, pyb.fs_mount) == (0x08004000, 512, "/flash")


def test_bad_board_json_is_a_clear_error(tmp_path, monkeypatch):
    d = tmp_path / "boards" / "BAD"
    d.mkdir(parents=True)
    (d / "board.json").write_text('{"port": "amiga", "mpy_arch": "x64", "heap": 1, '
                                  '"float_bits": 64, "fs": {"size": 4096}}')
    monkeypatch.setattr(wb, "BOARDS_DIR", str(tmp_path / "boards"))
    with pytest.raises(wb.BuildError, match="port 'amiga'"):
        wb.load_board("BAD")
    with pytest.raises(wb.BuildError, match="unknown board 'NOPE'"):
        wb.load_board("NOPE")


# A block device over a file, as a board's flash driver would be.
BDEV = r"""
import vfs, sys, os
class FileBlockDev:
    def __init__(self, path, bs):
        self.f = open(path, "r+b")
        self.bs = bs
        self.f.seek(0, 2)
        self.n = self.f.tell() // bs
    def readblocks(self, n, buf, off=0):
        self.f.seek(n * self.bs + off)
        self.f.readinto(buf)
    def writeblocks(self, n, buf, off=None):
        self.f.seek(n * self.bs + (off or 0))
        self.f.write(buf)
    def ioctl(self, op, arg):
        if op == 4:
            return self.n
        if op == 5:
            return self.bs
        return 0
"""


def test_unix_image_mounts_and_runs_hello(tmp_path):
    """The UNIX board's LittleFS image, mounted through vfs.VfsLfs2 on the
    unix port: the runtime imports from it (.mpy files only, nothing from
    the repository) and runs samples/hello from its /apps."""
    info = build("UNIX", tmp_path / "b", "--app", HELLO)
    img = tmp_path / "fs.img"
    img.write_bytes((tmp_path / "b" / "fs.img").read_bytes())
    code = BDEV + r"""
vfs.mount(vfs.VfsLfs2(FileBlockDev(%r, 4096)), "/flash")
sys.path[:] = ["/flash/lib"]
print(sorted(os.listdir("/flash")))
from wamr_mpy import cli
os.chdir("/flash/apps")
rc = cli.main(["hello.wasm"])
mods = [m for m in sys.modules if m.startswith("wamr_mpy")]
bad = [m for m in mods if not sys.modules[m].__file__.startswith("/flash/lib/wamr_mpy/")
       or not sys.modules[m].__file__.endswith(".mpy")]
print("rc", rc, "modules", len(mods), "not from the image", bad)
""" % str(img)
    r = run_mp(code)
    out = r.stdout.decode()
    assert r.returncode == 0, out
    lines = out.splitlines()
    assert lines[0] == "['apps', 'boot.py', 'lib', 'main.py']"
    assert lines[-1].startswith("rc 0 modules ") and lines[-1].endswith("not from the image []")
    assert "\n".join(lines[1:-1]) + "\n" == hello_reference()
    assert info["fs_files"] and "/apps/hello.wasm" in info["fs_files"]


@pytest.mark.host_only
@pytest.mark.parametrize("name", ["RPI_PICO", "ESP32_GENERIC"])
def test_sample_app_in_small_board_heap(name, tmp_path):
    """A sample app with the board's configuration (its build, compiled for
    the unix port's arch) in a heap the size of the board's RAM.  The heap
    is given as `-X heapsize=<KiB>wK`: sized in 32-bit words, so that the
    64-bit unix port holds as many objects as the 32-bit board (a pointer
    is 8 bytes here, 4 there)."""
    board = wb.load_board(name)
    info = build(name, tmp_path / "b")
    lib = tmp_path / "lib"
    src = tmp_path / "b" / "src"
    jobs = []
    for rel in ["wamr_mpy/" + m for m in info["modules"]]:
        out = lib / (rel[:-3] + ".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((str(src / rel), str(out), rel))
    wb.mpy_cross_many(jobs, "x64", info["config"].get("MPY_OPT", 0))
    code = r"""
import gc, os
sys.path[:] = [%r]
from wamr_mpy import config, cli
os.chdir(%r)
gc.collect()
print("free before", gc.mem_free())
rc = cli.main(["hello.wasm"])
gc.collect()
print("loader resident", [m for m in ("loader", "validator", "reader", "interp_code",
                                      "opnames", "cli_args")
                         if "wamr_mpy." + m in sys.modules],
      "unload", bool(getattr(config, "UNLOAD_LOADER", False)))
print("board", config.BOARD, "soft float", config.SOFT_FLOAT, "rc", rc,
      "free after", gc.mem_free(), "heap", gc.mem_free() + gc.mem_alloc())
""" % (str(lib), os.path.dirname(HELLO))
    r = run_mp(code, heapsize="%dwK" % (board.heap // 1024))
    out = r.stdout.decode()
    print("%s (%d KiB heap):\n%s%s" % (name, board.heap // 1024, out, r.stderr.decode()))
    out += r.stderr.decode()
    assert r.returncode == 0, out
    lines = out.splitlines()
    last = lines[-1].split()
    assert last[:7] == ["board", name, "soft", "float", "1", "rc", "0"], out
    heap = int(last[-1])
    assert heap <= board.heap * 2
    assert int(last[-3]) > 0
    # with UNLOAD_LOADER every body was decoded at load time: running the
    # app must not import the load-time modules back into RAM
    res = [l for l in lines if l.startswith("loader resident")]
    assert res and res[0].endswith("unload False" if name == "RPI_PICO" else "[] unload True"), res
    assert "\n".join(lines[1:-2]) + "\n" == hello_reference()
