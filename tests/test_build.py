"""tools/build for every board: .mpy files for the board's arch, the
filesystem image, the flashable forms (ESP32 merged image, UF2, Intel HEX),
the freezing manifest, and the module selection."""
import hashlib
import json
import os
import re
import shutil
import struct

import pytest

from boardtest import ROOT, HELLO, wb, tool, check_tool, build

MPY_VERSION = 6
SMALL_INT_BITS = 31     # what mpy-cross writes for every -march (boards' small ints)


def expected_fs_files(board, info):
    files = {"/boot.py", "/main.py", "/apps/hello.wasm"}
    if board.fs_runtime:
        files |= {"/" + rel for rel in info["mpy"]}
    return files


def check_mpy_headers(board, out, info):
    native = []
    for rel in info["mpy"]:
        with open(os.path.join(out, "mpy", rel), "rb") as f:
            data = f.read()
        version, arch, bits = wb.mpy_header(data)
        assert (version, bits) == (MPY_VERSION, SMALL_INT_BITS), rel
        # bytecode-only files carry no arch; native code must be the board's
        if arch is not None:
            assert arch == board.arch, (rel, arch)
            native.append(rel)
    if not board.native_emitter:
        assert native == [], "native code on a board without a native emitter: %s" % native
    return native


def check_uf2(board, out, info, img):
    with open(os.path.join(out, "fs.uf2"), "rb") as f:
        blocks = wb.uf2_decode(f.read())
    assert blocks
    lo, hi = info["fs_address"], info["fs_address"] + info["fs_size"]
    rebuilt = bytearray(b"\xff" * len(img))
    for i, b in enumerate(blocks):
        assert b["family"] == board.uf2_fs_family
        assert b["flags"] == wb.UF2_FLAG_FAMILY
        assert (b["block_no"], b["num_blocks"]) == (i, len(blocks))
        assert b["size"] == 256 and b["addr"] % 256 == 0
        assert lo <= b["addr"] and b["addr"] + b["size"] <= hi
        rebuilt[b["addr"] - lo:b["addr"] - lo + 256] = b["data"]
    assert bytes(rebuilt) == img
    assert blocks[0]["addr"] == lo          # the superblock is the first block


def parse_ihex(text):
    mem = {}
    upper = 0
    for line in text.split():
        assert line[0] == ":"
        raw = bytes.fromhex(line[1:])
        assert sum(raw) & 0xFF == 0, "bad checksum: " + line
        n, addr, kind = raw[0], (raw[1] << 8) | raw[2], raw[3]
        data = raw[4:4 + n]
        if kind == 4:
            upper = struct.unpack(">H", data)[0] << 16
        elif kind == 0:
            for i, byte in enumerate(data):
                mem[upper + addr + i] = byte
        elif kind == 1:
            break
    return mem


@pytest.mark.parametrize("name", wb.list_boards())
def test_build_board(name, tmp_path):
    board = wb.load_board(name)
    out = str(tmp_path / name)
    info = build(name, out, "--app", HELLO)

    # configuration and module selection
    cfg = info["config"]
    assert cfg["BOARD"] == name and cfg["ARCH"] == board.arch
    assert cfg["SOFT_FLOAT"] == (1 if board.float_bits == 32 else 0)
    assert ("softfloat.py" in info["modules"]) == bool(cfg["SOFT_FLOAT"])
    if not board.native_emitter:
        assert not cfg["TIER_FAST"] and not cfg["TIER_JIT"]
    # the MQTT client is the unix port's by default; a board pays for it
    # only when configured (tests/test_fleet.py builds ESP32 with it)
    mqtt = {"app/mqtt.py", "app/transport_mqtt.py", "app/presence.py"}
    assert (mqtt <= set(info["modules"])) == (board.port == "unix")
    assert (mqtt & set(info["modules"])) in (set(), mqtt)
    src = os.path.join(out, "src", "wamr_mpy")
    on_disk = set(wb._source_files(src))
    assert on_disk == set(info["modules"])
    for rel in info["dropped"]:
        assert not os.path.exists(os.path.join(out, "mpy", "lib", "wamr_mpy", rel[:-3] + ".mpy"))
    # config constants are folded in: no config.NAME read is left to fold
    vals = dict(cfg)
    for rel in on_disk:
        with open(os.path.join(src, rel)) as f:
            text = f.read()
        assert wb.fold_config(text, vals) == text, rel
        compile(text, rel, "exec")

    # .mpy files
    check_mpy_headers(board, out, info)

    # the filesystem image
    with open(os.path.join(out, "fs.img"), "rb") as f:
        img = f.read()
    assert len(img) == board.fs_size
    files = wb.read_lfs(img, board.fs_block_size)
    assert set(files) == expected_fs_files(board, info)
    for rel in info["mpy"]:
        if board.fs_runtime:
            with open(os.path.join(out, "mpy", rel), "rb") as f:
                assert files["/" + rel] == f.read(), rel
    with open(HELLO, "rb") as f:
        assert files["/apps/hello.wasm"] == f.read()
    assert b"app.run_from_config()" in files["/main.py"]

    # flashable forms
    if board.image == "uf2":
        check_uf2(board, out, info, img)
    elif board.image == "hex":
        with open(os.path.join(out, "fs.hex")) as f:
            mem = parse_ihex(f.read())
        base = info["fs_address"]
        assert min(mem) == base
        for i, byte in enumerate(img):
            assert mem.get(base + i, 0xFF) == byte
    want = {"fs"} | ({board.image} if board.image in ("uf2", "hex") else set())
    assert set(info["images"]) == want

    # manifest.py for freezing: run it with stand-ins for MicroPython's
    # manifest functions and check what it would freeze
    calls = []
    env = {
        "include": lambda p, **kw: calls.append(("include", p)),
        "package": lambda n, files=None, base_path=".", opt=None: calls.append(("package", n, base_path)),
        "module": lambda n, base_path=".", opt=None: calls.append(("module", n, base_path)),
    }
    with open(os.path.join(out, "manifest.py")) as f:
        exec(f.read(), env)
    assert ("package", "wamr_mpy", os.path.join(out, "src")) in calls
    inc = [c[1] for c in calls if c[0] == "include"]
    assert inc == [os.path.join(ROOT, "ports", board.port, "manifest.py")]
    assert os.path.isfile(inc[0])
    for c in calls:
        if c[0] == "module":
            assert os.path.isfile(os.path.join(c[2], c[1]))

    # mip package of the build's .mpy files
    with open(os.path.join(out, "package.json")) as f:
        pkg = json.load(f)
    assert pkg["license"] == wb.LICENSE
    assert sorted(u[0] for u in pkg["urls"]) == sorted(r[len("lib/"):] for r in info["mpy"])
    for dest, url in pkg["urls"]:
        assert os.path.isfile(os.path.join(out, url))


def test_native_module_gets_the_board_arch(tmp_path):
    """A viper module in the runtime is compiled for the board's arch, and
    left out where the board has no native emitter."""
    rt = tmp_path / "wamr_mpy"
    shutil.copytree(os.path.join(ROOT, "wamr_mpy"), rt,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (rt / "interp_fast_probe.py").write_text(
        "import micropython\n\n\n@micropython.viper\ndef add(a: int, b: int) -> int:\n"
        "    return a + b\n")
    for name in ("RPI_PICO", "ESP32_GENERIC", "RPI_PICO2", "NRF52840DK", "UNIX"):
        board = wb.load_board(name)
        out = str(tmp_path / name)
        # the fast tier (its modules' pattern) where the board can have it:
        # RPI_PICO leaves it out by default
        fast = ("-D", "TIER_FAST=y") if board.native_emitter else ()
        info = build(name, out, "--runtime-dir", rt, *fast)
        native = check_mpy_headers(board, out, info)
        if board.native_emitter:
            assert "lib/wamr_mpy/interp_fast_probe.mpy" in native, name
        else:
            assert "interp_fast_probe.py" in info["dropped"] and native == []


def test_64_bit_word_code_left_out_of_32_bit_boards(tmp_path):
    """`_W64 = const(1)` (code for 64-bit machine words, such as the fast
    loop's one-word f64 arithmetic) becomes const(0) for a board whose words
    have 32 bits, so MicroPython's compiler leaves that code out there."""
    for name in ("RPI_PICO", "UNIX"):
        out = str(tmp_path / name)
        build(name, out, "-D", "TIER_FAST=y")
        src = open(os.path.join(out, "src", "wamr_mpy", "interp_fast_loop.py")).read()
        assert ("_W64 = const(0)" in src) == (name == "RPI_PICO"), name
        assert ("_W64 = const(1)" in src) == (name == "UNIX"), name
    assert wb.fold_config("_W64 = const(1)\n", {"ARCH": "xtensawin"}) == "_W64 = const(0)\n"
    assert wb.fold_config("_W64 = const(1)\n", {"ARCH": "x64"}) == "_W64 = const(1)\n"


def _partition_table(entries):
    rows = b""
    for label, ptype, sub, off, size in entries:
        rows += b"\xaa\x50" + struct.pack("<BBII", ptype, sub, off, size) + \
            label.encode().ljust(16, b"\0") + b"\0" * 4
    rows += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(rows).digest()
    return rows + b"\xff" * (0xC00 - len(rows))


def _esp32_firmware(vfs_off, vfs_size, fw_offset=0x1000, size=0x30000):
    """A stand-in for MicroPython's firmware.bin: bootloader bytes, the
    partition table at flash 0x8000, app bytes."""
    fw = bytearray(os.urandom(size))
    table = _partition_table([("nvs", 1, 2, 0x9000, 0x6000), ("phy_init", 1, 1, 0xF000, 0x1000),
                              ("factory", 0, 0, 0x10000, 0x1F0000), ("vfs", 1, 0x81, vfs_off, vfs_size)])
    at = 0x8000 - fw_offset
    fw[at:at + len(table)] = table
    return bytes(fw)


def test_esp32_merged_image(tmp_path):
    board = wb.load_board("ESP32_GENERIC")
    fw = _esp32_firmware(0x200000, 0x200000)
    (tmp_path / "firmware.bin").write_bytes(fw)
    out = str(tmp_path / "b")
    info = build("ESP32_GENERIC", out, "--firmware", tmp_path / "firmware.bin")
    assert info["images"]["merged"] == "firmware-fs.bin"
    with open(os.path.join(out, "firmware-fs.bin"), "rb") as f:
        merged = f.read()
    with open(os.path.join(out, "fs.img"), "rb") as f:
        img = f.read()
    # written from flash offset 0: firmware at 0x1000, filesystem at 0x200000
    assert merged[:0x1000] == b"\xff" * 0x1000
    assert merged[board.firmware_offset:board.firmware_offset + len(fw)] == fw
    assert merged[0x200000:] == img and len(img) == 0x200000
    parts = wb.esp_partitions(merged[board.firmware_offset:], board.firmware_offset)
    assert wb.esp_vfs_partition(parts)[3:] == (0x200000, 0x200000)
    # tools/flash writes the same pieces with esptool
    r = check_tool("flash", "ESP32_GENERIC", "--build", out, "--port", "/dev/ttyUSB9", "--dry-run")
    cmd = r.stdout.strip().splitlines()[-1].split()
    assert cmd[cmd.index("--chip") + 1] == "esp32" and cmd[cmd.index("--port") + 1] == "/dev/ttyUSB9"
    assert cmd[cmd.index("write-flash") + 1:] == ["0x0", os.path.join(out, "firmware-fs.bin")]
    r = check_tool("flash", "ESP32_GENERIC", "--build", out, "--port", "/dev/ttyUSB9",
                   "--firmware", tmp_path / "firmware.bin", "--dry-run")
    cmd = r.stdout.strip().splitlines()[-1].split()
    assert cmd[cmd.index("write-flash") + 1:] == [
        "0x1000", str(tmp_path / "firmware.bin"), "0x200000", os.path.join(out, "fs.img")]


def test_esp32_partition_table_of_the_firmware_wins(tmp_path):
    fw = _esp32_firmware(0x310000, 0xF0000, fw_offset=0)
    (tmp_path / "fw.bin").write_bytes(fw)
    out = str(tmp_path / "b")
    info = build("ESP32_GENERIC_S3", out, "--firmware", tmp_path / "fw.bin")
    assert (info["fs_offset"], info["fs_size"]) == (0x310000, 0xF0000)
    with open(os.path.join(out, "fs.img"), "rb") as f:
        img = f.read()
    assert len(img) == 0xF0000
    with open(os.path.join(out, "firmware-fs.bin"), "rb") as f:
        merged = f.read()
    assert merged[:len(fw)] == fw and merged[0x310000:] == img


def _fw_uf2(family, base=0x10000000, nblocks=40, extra=None):
    chunks = [(base + 256 * i, os.urandom(256)) for i in range(nblocks)]
    data = wb.uf2_encode(chunks, family)
    if extra:
        data = extra + data
    return data, chunks


@pytest.mark.parametrize("name", ["RPI_PICO", "RPI_PICO2"])
def test_uf2_merged_with_firmware(name, tmp_path):
    board = wb.load_board(name)
    extra = None
    if name == "RPI_PICO2":
        # what pico-sdk puts first in RP2350 images: one 'absolute' block
        head = struct.pack("<8I", wb.UF2_MAGIC0, wb.UF2_MAGIC1, wb.UF2_FLAG_FAMILY,
                           0x10FFFF00, 256, 0, 2, 0xE48BFF57)
        extra = head + b"\xef" * 256 + b"\0" * 220 + struct.pack("<I", wb.UF2_MAGIC_END)
    fw, chunks = _fw_uf2(board.uf2_family, extra=extra)
    (tmp_path / "firmware.uf2").write_bytes(fw)
    out = str(tmp_path / "b")
    info = build(name, out, "--firmware", tmp_path / "firmware.uf2")
    with open(os.path.join(out, "firmware-fs.uf2"), "rb") as f:
        blocks = wb.uf2_decode(f.read())
    with open(os.path.join(out, "fs.uf2"), "rb") as f:
        fs_blocks = wb.uf2_decode(f.read())
    main = [b for b in blocks if b["family"] == board.uf2_family]
    other = [b for b in blocks if b["family"] != board.uf2_family]
    assert len(main) == len(chunks) + len(fs_blocks)
    for i, b in enumerate(main):
        assert (b["block_no"], b["num_blocks"]) == (i, len(main))
    assert [(b["addr"], b["data"]) for b in main[:len(chunks)]] == chunks
    assert [(b["addr"], b["data"]) for b in main[len(chunks):]] == \
        [(b["addr"], b["data"]) for b in fs_blocks]
    assert main[len(chunks)]["addr"] == info["fs_address"]
    if name == "RPI_PICO2":
        assert len(other) == 1 and other[0]["addr"] == 0x10FFFF00
        assert (other[0]["block_no"], other[0]["num_blocks"]) == (0, 2)
    else:
        assert other == []


def test_flash_copies_uf2_to_the_bootsel_drive(tmp_path):
    out = str(tmp_path / "b")
    build("RPI_PICO", out)
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    r = tool("flash", "RPI_PICO", "--build", out, "--drive", drive)
    assert r.returncode == 2 and "INFO_UF2.TXT" in r.stderr
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nBoard-ID: RPI-RP2\n")
    check_tool("flash", "RPI_PICO", "--build", out, "--drive", drive)
    with open(os.path.join(out, "fs.uf2"), "rb") as f:
        assert (drive / "fs.uf2").read_bytes() == f.read()


def test_flash_hex_tools(tmp_path):
    out = str(tmp_path / "b")
    build("NRF52840DK", out)
    r = tool("flash", "NRF52840DK", "--build", out)
    assert r.returncode == 2 and "fs.hex" in r.stderr
    r = check_tool("flash", "NRF52840DK", "--build", out, "--tool", "nrfjprog", "--dry-run")
    assert r.stdout.split()[:3] == ["nrfjprog", "--program", os.path.join(out, "fs.hex")]


def test_flash_needs_a_build(tmp_path):
    r = tool("flash", "RPI_PICO", "--build", tmp_path / "nothing")
    assert r.returncode == 2 and "run tools/build RPI_PICO first" in r.stderr


def test_build_errors_are_clear(tmp_path):
    r = tool("build", "NO_SUCH_BOARD", "--out", tmp_path)
    assert r.returncode == 1 and "unknown board 'NO_SUCH_BOARD'" in r.stderr
    (tmp_path / "x.wasm").write_bytes(b"not wasm")
    r = tool("build", "UNIX", "--out", tmp_path / "b", "--app", tmp_path / "x.wasm")
    assert r.returncode == 1 and "is not a .wasm binary" in r.stderr
    big = tmp_path / "big.wasm"
    big.write_bytes(b"\0asm\1\0\0\0" + os.urandom(64 * 1024))
    r = tool("build", "NRF52840DK", "--out", tmp_path / "c", "--app", big)
    assert r.returncode == 1 and "too small" in r.stderr


def test_package_json_lists_the_runtime():
    with open(os.path.join(ROOT, "package.json")) as f:
        pkg = json.load(f)
    listed = sorted(u[0] for u in pkg["urls"])
    have = sorted("wamr_mpy/" + rel for rel in wb._source_files(os.path.join(ROOT, "wamr_mpy")))
    assert listed == have, "package.json is out of date: run tools/build --package-json"
    for dest, url in pkg["urls"]:
        assert dest == url and os.path.isfile(os.path.join(ROOT, url))


def test_license_is_declared():
    """LICENSE holds the license package.json (and each build's) declares."""
    with open(os.path.join(ROOT, "package.json")) as f:
        pkg = json.load(f)
    assert pkg["license"] == wb.LICENSE == "Apache-2.0 WITH LLVM-exception"
    with open(os.path.join(ROOT, "LICENSE")) as f:
        text = f.read()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "---- LLVM Exceptions to the Apache 2.0 License ----" in text
    assert wb.LICENSE in text


def test_module_table_covers_the_runtime():
    """Every runtime module has a row in the selection table (a module
    without one is built for every board; tools/build says so)."""
    unmapped = [rel for rel in wb._source_files(os.path.join(ROOT, "wamr_mpy"))
                if wb._match(rel, wb.RUNTIME_MODULES)[0] is None]
    assert unmapped == [], "add these to RUNTIME_MODULES in tools/wamrboard.py: %s" % unmapped


def test_fold_config():
    vals = {"SOFT_FLOAT": 1, "TIER_JIT": False, "BOARD": "X"}
    src = ("from . import config\nfrom . import config as _c\n"
           "if config.SOFT_FLOAT:\n    pass\n"
           "x = _c.TIER_JIT or config.OTHER\n"
           "config.SOFT_FLOAT = 2\n"
           "y = wamr_mpy.config.BOARD\n"
           "s = 'config.BOARD'  # config.BOARD\n")
    got = wb.fold_config(src, vals)
    # _c is read no more once folded: its import goes (config stays: read)
    assert got == ("from . import config\npass\n"
                   "if 1:\n    pass\n"
                   "x = False or config.OTHER\n"
                   "config.SOFT_FLOAT = 2\n"
                   "y = wamr_mpy.config.BOARD\n"
                   "s = 'config.BOARD'  # config.BOARD\n")



def test_fast_tier_opcode_numbers_are_folded_in():
    """A board never imports interp_fast_ops (~150 names, a dictionary in
    RAM): its `O.NAME` uses become the numbers, and the import goes."""
    ops = wb.module_consts("interp_fast_ops")
    assert len(ops) > 100 and ops["CALLX"] != ops["CALL"]
    for name in ("interp_fast_emit", "interp_fast_run"):
        with open(os.path.join(ROOT, "wamr_mpy", name + ".py")) as f:
            src = f.read()
        got = wb.fold_config(src, {"ARCH": "armv6m"})
        assert "interp_fast_ops" not in got and not re.search(r"\bO\.", got), name
        assert got.count("\n") == src.count("\n")
    src = "from . import interp_fast_ops as O\nx = O.CALLX + O.NOPE\ny = a.O.CALL\n"
    assert wb.fold_config(src, {}) == (
        "from . import interp_fast_ops as O\nx = %d + O.NOPE\ny = a.O.CALL\n" % ops["CALLX"])

def test_module_imports_closure():
    src = ("from . import config\nfrom .a import x\nif False:\n    from . import b\n"
           "if SOFT:\n    from . import c\ntry:\n    from .d import y\nexcept ImportError:\n    pass\n"
           "def f():\n    from . import e\n")
    got = wb.module_imports("SOFT = 0\n" + src, "app/m.py")
    assert {"app/a.py", "app/d.py", "app/config.py"} <= got
    assert not {"app/b.py", "app/c.py", "app/e.py"} & got
    got = wb.module_imports("from .. import native\nfrom ..errors import Trap\n", "app/m.py")
    assert {"native.py", "errors.py"} <= got
