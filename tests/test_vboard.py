"""tools/vboard: the unix port behind a pty, behaving like a board for
mpremote (soft reset, Ctrl-C, its own filesystem, the board's RAM)."""
import hashlib
import os
import time

import pytest

from boardtest import VBoard, build, run_mpremote, wb

pytestmark = pytest.mark.host_only


@pytest.fixture
def vb(tmp_path):
    os.makedirs(tmp_path / "flash")
    (tmp_path / "flash" / "boot.py").write_text("BOOTED = 'yes'\n")
    b = VBoard(tmp_path, "--dir", str(tmp_path / "flash"), "--no-main")
    yield b
    b.close()


def out(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r.stdout.decode().replace("\r\n", "\n")


def test_exec_soft_reset_and_boot_py(vb):
    # every plain mpremote command soft-resets first: a fresh interpreter,
    # boot.py run again, the board's sys.path and filesystem
    assert out(vb.exec("x = 41\nprint(x + 1)")) == "42\n"
    assert out(vb.exec("print('x' in globals())")) == "False\n"
    assert out(vb.exec("import sys, os\n"
                       "print(BOOTED, sys.path, os.getcwd(), sorted(os.listdir('/')))")) == \
        "yes ['', '.frozen', '/lib'] / ['boot.py']\n"
    # `resume` skips the soft reset
    assert out(run_mpremote(vb.link, "exec", "y = 5")) == ""
    assert out(run_mpremote(vb.link, "resume", "exec", "print(y)")) == "5\n"


def test_filesystem_is_the_board_folder(vb, tmp_path):
    src = tmp_path / "m.py"
    src.write_text("VALUE = 7\n")
    r = run_mpremote(vb.link, "fs", "mkdir", ":/lib", "+", "fs", "cp", str(src), ":/lib/m.py",
                     "+", "exec", "import m; print(m.VALUE)")
    assert out(r).endswith("7\n")
    assert (tmp_path / "flash" / "lib" / "m.py").read_text() == "VALUE = 7\n"


def test_ctrl_c_interrupts_running_code(vb):
    import serial
    s = serial.Serial(vb.link, timeout=0.2)
    try:
        pending = [b""]

        def read_until(marker, timeout=15):
            # returns what came up to and including `marker`, keeps the rest
            buf = pending[0]
            end = time.monotonic() + timeout
            while marker not in buf and time.monotonic() < end:
                buf += s.read(256)
            assert marker in buf, buf
            i = buf.index(marker) + len(marker)
            pending[0] = buf[i:]
            return buf[:i]
        s.write(b"\r\x03\r\x01")
        read_until(b"raw REPL; CTRL-B to exit\r\n>")
        s.write(b"import time\nn = 0\nwhile True:\n    n += 1\n\x04")
        read_until(b"OK")
        time.sleep(0.5)
        s.write(b"\x03")
        got = read_until(b"KeyboardInterrupt")
        assert b"MPY: soft reboot" not in got     # interrupted, not restarted
        read_until(b"\x04>")
        s.write(b"print(n > 0)\x04")
        assert b"True" in read_until(b"\x04>")
        # Ctrl-D at the friendly REPL: a soft reboot and the banner again
        s.write(b"\r\x02")
        read_until(b">>> ")
        s.write(b"\x04")
        got = read_until(b">>> ")
        assert b"MPY: soft reboot\r\n" in got and b"MicroPython" in got
    finally:
        s.close()


def test_binary_data_through_mount(vb, tmp_path):
    # bytes like Ctrl-C (0x03) inside a file must reach the board as data
    data = bytes(range(256)) * 8
    d = tmp_path / "m"
    d.mkdir()
    (d / "b.bin").write_bytes(data)
    r = run_mpremote(vb.link, "mount", str(d), "exec",
                     "import hashlib, binascii\n"
                     "print(binascii.hexlify(hashlib.sha256(open('b.bin', 'rb').read()).digest()).decode())")
    assert out(r).splitlines()[-1] == hashlib.sha256(data).hexdigest()


def test_image_filesystem(tmp_path):
    """--image: the board's LittleFS image as the filesystem; the runtime
    imports from it."""
    info = build("UNIX", tmp_path / "b")
    img = tmp_path / "fs.img"
    img.write_bytes((tmp_path / "b" / "fs.img").read_bytes())
    b = VBoard(tmp_path, "--image", str(img), "--no-main")
    try:
        got = out(b.exec("import os, wamr_mpy\nprint(wamr_mpy.__file__, sorted(os.listdir('/')))\n"
                         "with open('/note.txt', 'w') as f:\n    f.write('kept')"))
        assert got == "/lib/wamr_mpy/__init__.mpy ['boot.py', 'lib', 'main.py']\n"
    finally:
        b.close()
    # what the board wrote is in the image
    files = wb.read_lfs(img.read_bytes(), 4096)
    assert files["/note.txt"] == b"kept"
    assert "/lib/wamr_mpy/__init__.mpy" in files and info["fs_files"]


def test_board_ram(tmp_path):
    b = VBoard(tmp_path, "--board", "RPI_PICO", "--no-main")
    try:
        got = out(b.exec("import gc\ngc.collect()\nprint(gc.mem_free() + gc.mem_alloc())"))
    finally:
        b.close()
    # -X heapsize=192wK: 192 K 32-bit words' worth, twice the bytes on x64
    total = int(got)
    assert 2 * 150 * 1024 < total <= 2 * 192 * 1024


def test_a_slow_host_loses_no_output(vb):
    """A host that reads nothing for a few seconds (a loaded machine) gets
    all the output once it reads again; the board waits meanwhile."""
    import serial
    s = serial.Serial(vb.link, timeout=0.2)
    try:
        buf = b""
        s.write(b"\r\x03\r\x01")
        end = time.monotonic() + 30
        again = time.monotonic() + 3
        while b"raw REPL; CTRL-B to exit\r\n>" not in buf and time.monotonic() < end:
            buf += s.read(256)
            if time.monotonic() > again:
                # a Ctrl-A that came while the board still booted (a soft
                # reboot after the first banner, seen once in CI) is lost
                s.write(b"\r\x03\r\x01")
                again = time.monotonic() + 3
        assert b"raw REPL; CTRL-B to exit\r\n>" in buf, buf
        s.write(b"for i in range(4000):\n    print('%05d' % i + 'x' * 44)\n\x04")
        time.sleep(4)                   # the host is busy elsewhere
        buf = b""
        end = time.monotonic() + 60
        while not buf.endswith(b"\x04\x04>") and time.monotonic() < end:
            buf += s.read(65536)
        lines = buf.split(b"OK", 1)[1].split(b"\x04")[0].replace(b"\r\n", b"\n").split(b"\n")[:-1]
        assert len(lines) == 4000, (len(lines), buf[:200], buf[-200:])
        assert all(l == b"%05dx" % i + b"x" * 43 for i, l in enumerate(lines))
    finally:
        s.close()
