"""Host side of the emulated boards (ports/qemu): boots a board's firmware
under QEMU and talks to MicroPython's raw REPL on its UART (CPython).

    with QemuBoard("QEMU_RPI_PICO") as b:
        b.put_file("app.wasm", data)           # a RAM file at /host/app.wasm
        out, err = b.exec("from wamr_mpy import cli\\ncli.main(['/host/app.wasm'])")

The UART is QEMU's `-serial stdio` on pipes (8-bit clean).  Files the host
hands over live in RAM on the board, in a filesystem mounted at /host (the
firmware's VFS imports and opens from it), so `put_file` costs the board
their size in heap.  They go through QEMU's semihosting (the firmware's
_semihost.load reads a host file in one call), and so does the code of a
long exec_file(): over the UART each byte costs 20-50 us of QEMU's CPU
(an interrupt per byte), 0.2-0.7 s for a 14 KB module.  A run that outlives its timeout kills QEMU (the board
is rebooted by the next QemuBoard).
"""
import json
import os
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build", "qemu")
BOARDS = ("QEMU_RPI_PICO", "QEMU_RPI_PICO2", "QEMU_ESP32_C3")


class BoardError(Exception):
    pass


def _die_with_parent():
    """QEMU ends with the process that started it (a killed test run leaves
    no emulator behind: QEMU does not end when its stdin closes)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def board_json(name):
    path = os.path.join(ROOT, "boards", name, "board.json")
    if not os.path.isfile(path):
        raise BoardError("unknown board %s (emulated boards: %s)" % (name, ", ".join(BOARDS)))
    with open(path) as f:
        data = json.load(f)
    if "qemu" not in data:
        raise BoardError("%s is not an emulated board (%s)" % (name, ", ".join(BOARDS)))
    return data


def firmware(name):
    return os.path.join(BUILD, name, "firmware.elf")


def sources_key(name):
    """A hash of what the firmware is built from (the runtime, the port, the
    board's configuration): a cached firmware with another key is stale."""
    import hashlib
    h = hashlib.sha256()
    tops = [os.path.join(ROOT, "wamr_mpy"), os.path.join(ROOT, "ports", "qemu"),
            os.path.join(ROOT, "boards", name), os.path.join(ROOT, "Kconfig"),
            os.path.join(ROOT, "tools", "wamrboard.py")]
    for top in tops:
        files = [top] if os.path.isfile(top) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs
            if not f.endswith(".pyc"))
        for path in files:
            h.update(os.path.relpath(path, ROOT).encode())
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def build_firmware(name, timeout=1800):
    """ports/qemu/build.sh NAME unless its firmware is there and built from
    the current sources; one build at a time (pytest-xdist workers share
    build/)."""
    fw = firmware(name)
    stamp = os.path.join(BUILD, name, "sources.sha256")
    key = sources_key(name)

    def fresh():
        try:
            with open(stamp) as f:
                return os.path.exists(fw) and f.read() == key
        except OSError:
            return False
    if fresh():
        return fw
    import fcntl
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if fresh():
            return fw
        # from scratch: an incremental build misses a module added to the
        # port (MicroPython's generated module table is not remade)
        import shutil
        shutil.rmtree(os.path.join(BUILD, name), ignore_errors=True)
        r = subprocess.run([os.path.join(ROOT, "ports", "qemu", "build.sh"), name],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise BoardError("ports/qemu/build.sh %s failed:\n%s%s" % (
                name, r.stdout[-3000:], r.stderr[-3000:]))
        with open(stamp, "w") as f:
            f.write(key)
    return fw


# The board side of put_file: RAM files under /host, with the methods the
# firmware's VFS calls (stat, open, ilistdir, ...).
HOSTFS = """\
import io, vfs, os, _semihost
class _HostFile(io.IOBase):
    def __init__(self, fs, name, data):
        self.fs = fs; self.name = name; self.data = data; self.off = 0
    def readinto(self, buf):
        n = min(len(buf), len(self.data) - self.off)
        buf[:n] = memoryview(self.data)[self.off:self.off + n]
        self.off += n
        return n
    def read(self, n=-1):
        if n < 0: n = len(self.data) - self.off
        b = bytes(memoryview(self.data)[self.off:self.off + n]); self.off += len(b)
        return b
    def write(self, b):
        d = self.data; end = self.off + len(b)
        if end > len(d): d.extend(bytes(end - len(d)))
        d[self.off:end] = b; self.off = end
        return len(b)
    def seek(self, off, whence=0):
        self.off = off if whence == 0 else (self.off + off if whence == 1 else len(self.data) + off)
        return self.off
    def tell(self): return self.off
    def ioctl(self, req, arg): return 0
    def close(self): pass
    def flush(self): pass
    def __enter__(self): return self
    def __exit__(self, *a): pass
class _SemiFile(io.IOBase):
    def __init__(self, path):
        self.fd = _semihost.open(path); self.off = 0; self.n = _semihost.size(self.fd)
    def readinto(self, buf):
        n = _semihost.readinto(self.fd, buf); self.off += n
        return n
    def read(self, n=-1):
        if n < 0: n = self.n - self.off
        b = bytearray(n); k = self.readinto(b)
        return bytes(b[:k])
    def seek(self, off, whence=0):
        self.off = off if whence == 0 else (self.off + off if whence == 1 else self.n + off)
        _semihost.seek(self.fd, self.off)
        return self.off
    def tell(self): return self.off
    def ioctl(self, req, arg):
        if req == 4: self.close()
        return 0
    def close(self):
        if self.fd is not None: _semihost.close(self.fd); self.fd = None
    def __enter__(self): return self
    def __exit__(self, *a): self.close()
class _HostFS:
    def __init__(self): self.files = {}; self.host = {}
    def mount(self, ro, mkfs): pass
    def umount(self): pass
    def chdir(self, p): pass
    def stat(self, p):
        p = p.strip('/')
        if p == '' or any(k.startswith(p + '/') for k in self.files): return (0x4000,0,0,0,0,0,0,0,0,0)
        if p in self.files: return (0x8000,0,0,0,0,0,len(self.files[p]),0,0,0)
        if p in self.host: return (0x8000,0,0,0,0,0,self.host[p][1],0,0,0)
        raise OSError(2)
    def ilistdir(self, p):
        p = p.strip('/'); pre = p + '/' if p else ''
        seen = []
        for k in list(self.files) + list(self.host):
            if k.startswith(pre):
                n = k[len(pre):].split('/')[0]
                if n not in seen:
                    seen.append(n)
                    yield (n, 0x4000 if '/' in k[len(pre):] else 0x8000, 0, 0)
    def open(self, p, mode):
        p = p.strip('/')
        if 'w' in mode: self.files[p] = bytearray()
        elif p in self.host: return _SemiFile(self.host[p][0])
        elif p not in self.files: raise OSError(2)
        return _HostFile(self, p, self.files[p])
    def remove(self, p):
        p = p.strip('/')
        if p in self.host: del self.host[p]
        else: del self.files[p]
    def mkdir(self, p): pass
_hostfs = _HostFS()
vfs.mount(_hostfs, '/host')
"""


class QemuBoard:
    """One running board.  exec() runs code through the raw REPL and
    returns (stdout, stderr) as bytes; stderr holds the traceback of an
    uncaught exception."""

    def __init__(self, name, timeout=60, log=None):
        self.name = name
        self.info = board_json(name)
        self.fw = firmware(name)
        if not os.path.exists(self.fw):
            raise BoardError("%s: no firmware at %s (ports/qemu/build.sh %s)" % (
                name, self.fw, name))
        self.log = log
        self.proc = None
        self.buf = b""
        self.hostfs = False
        # the files put_file and exec_file hand over through semihosting
        import tempfile
        self.xfer = tempfile.mkdtemp(prefix="qemuboard-")
        self.nxfer = 0
        self.boot(timeout)

    # ------------------------------------------------------------ process
    def command(self):
        cmd = list(self.info["qemu"]) + ["-nographic", "-monitor", "none", "-serial", "stdio",
                                         "-kernel", self.fw]
        # semihosting: SYS_EXIT on ARM, and _semihost.load's host files
        # (put_file) on every board
        cmd.append("-semihosting")
        return cmd

    def boot(self, timeout=60):
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     bufsize=0, preexec_fn=_die_with_parent)
        self.buf = b""
        self.hostfs = False
        self.read_until(b">>> ", timeout)
        self.write(b"\r\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout)

    def close(self):
        if getattr(self, "xfer", None):
            import shutil
            shutil.rmtree(self.xfer, ignore_errors=True)
            self.xfer = None
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def write(self, data):
        try:
            self.proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            raise BoardError("%s: QEMU exited (%s)" % (self.name, self.tail()))

    def tail(self):
        return self.buf[-300:].decode("utf-8", "replace")

    def read_until(self, marker, timeout, fail=None):
        """Bytes up to `marker` (the marker is consumed, not returned); with
        `fail`, a BoardError with the output when that comes first."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out = self.buf[:i]
                self.buf = self.buf[i + len(marker):]
                return out
            if fail is not None and fail in self.buf:
                got = self.buf
                self.buf = b""
                raise BoardError("%s: %s" % (self.name, got.decode("utf-8", "replace")))
            left = deadline - time.monotonic()
            if left <= 0:
                got = self.tail()
                self.close()
                raise BoardError("%s: no %r after %ds; last output: %r" % (
                    self.name, marker, timeout, got))
            r, _, _ = select.select([fd], [], [], min(left, 1.0))
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    got = self.tail()
                    self.close()
                    raise BoardError("%s: QEMU exited; last output: %r" % (self.name, got))
                self.buf += chunk

    # ---------------------------------------------------------- raw REPL
    def exec_start(self, code):
        if isinstance(code, str):
            code = code.encode()
        self.write(code + b"\x04")
        st = self.read_until(b"OK", 30)
        if st.strip(b">"):
            raise BoardError("%s: raw REPL out of step: %r" % (self.name, st))

    def exec_finish(self, timeout):
        out = self.read_until(b"\x04", timeout)
        err = self.read_until(b"\x04>", timeout)
        return out, err

    def exec(self, code, timeout=120):
        self.exec_start(code)
        return self.exec_finish(timeout)

    def host_file(self, data):
        """`data` in a host file the board's _semihost.load reads; its path."""
        if self.xfer is None:
            raise BoardError("%s: the board is closed" % self.name)
        self.nxfer += 1
        path = os.path.join(self.xfer, "x%d" % self.nxfer)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def exec_file(self, code, timeout=120):
        """exec() of code the board reads through semihosting (a long code:
        the UART takes 20-50 us of QEMU CPU a byte)."""
        if isinstance(code, str):
            code = code.encode()
        path = self.host_file(code)
        try:
            return self.exec("import _semihost\nexec(str(_semihost.load(%r), 'utf-8'))" % path,
                             timeout)
        finally:
            os.remove(path)

    def check(self, code, timeout=120):
        """exec(); raises BoardError with the board's traceback on an error."""
        out, err = self.exec_file(code, timeout) if len(code) > 256 else self.exec(code, timeout)
        if err:
            raise BoardError("%s: %s" % (self.name, (out + err).decode("utf-8", "replace")))
        return out.decode("utf-8", "replace")

    def soft_reset(self, timeout=60):
        """Ctrl-D at the raw REPL: a fresh interpreter (the frozen runtime
        is imported again by whatever runs next)."""
        self.write(b"\x04")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout)
        self.hostfs = False

    def put_file(self, name, data, timeout=300, ram=True):
        """`data` as the RAM file /host/NAME on the board (read through
        semihosting); ram=False: a file the board reads from the host as it
        goes (until close()), which costs its heap nothing (a module's .mpy:
        the loader keeps its code, not the file)."""
        if not self.hostfs:
            self.check(HOSTFS)
            self.hostfs = True
        path = self.host_file(bytes(data))
        if not ram:
            self.check("_hostfs.host[%r] = (%r, %d)" % (name.strip("/"), path, len(data)))
            return "/host/" + name.strip("/")
        try:
            # a board error (no room for the data) is the exec's traceback
            out, err = self.exec("_hostfs.files[%r] = _semihost.load(%r)" % (
                name.strip("/"), path), timeout)
        finally:
            os.remove(path)
        if err:
            raise BoardError("%s: put_file %s: %s" % (self.name, name, err.decode("utf-8", "replace")))
        return "/host/" + name.strip("/")


def start_pty(name, timeout=60):
    """The board under QEMU with its UART on a pseudo-terminal, for
    mpremote (`mpremote connect PTY ...`, pytest --target qemu:BOARD).
    Returns (QEMU process, pty path); the caller kills the process."""
    info = board_json(name)
    fw = build_firmware(name)
    cmd = list(info["qemu"]) + ["-nographic", "-monitor", "none", "-serial", "pty",
                                "-kernel", fw, "-semihosting"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, bufsize=0,
                            preexec_fn=_die_with_parent)
    deadline = time.monotonic() + timeout
    got = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 1.0)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            got += chunk
            # QEMU: "char device redirected to /dev/pts/N (label serial0)"
            i = got.find(b"redirected to ")
            if i >= 0 and b"(label" in got[i:]:
                path = got[i + 14:].split()[0].decode()
                return proc, path
    proc.kill()
    proc.wait()
    raise BoardError("%s: QEMU gave no pseudo-terminal: %r" % (name, got[-300:]))


# The app manager on the console UART (wamr_mpy.app.run_from_config: the
# board's Kconfig picks the UART transport).  Ctrl-C is a byte like any
# other on the link, so it stops nothing; the manager runs until QEMU ends.
APP_MANAGER = """\
import gc, micropython
micropython.kbd_intr(-1)
from wamr_mpy import app
from wamr_mpy.app import __main__, manager, natives, transport_uart  # noqa
gc.collect()
print('\\x06app-manager', gc.mem_free(), '\\x06')
app.run_from_config()
"""


def start_app_manager(name, timeout=60):
    """The board under QEMU with the app manager serving its UART on a
    pseudo-terminal, for `tools/host_tool -D PTY`.  Returns (QEMU process,
    pty path, free heap once the app framework is imported); the caller
    kills the process.  Requests sent while the manager is still starting
    wait in the board's UART (it holds QEMU's input back when its buffer is
    full)."""
    proc, path = start_pty(name, timeout)
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            got = prev = b""
            deadline = time.monotonic() + timeout

            def until(marker, what):
                nonlocal got, prev
                while marker not in got:
                    left = deadline - time.monotonic()
                    # \x04: the code ended (an error: it never returns)
                    if left <= 0 or proc.poll() is not None or b"\x04" in got:
                        raise BoardError("%s: no %s on %s; last output: %r" % (
                            name, what, path, got[-300:]))
                    r, _, _ = select.select([fd], [], [], min(left, 1.0))
                    if r:
                        got += os.read(fd, 4096)
                i = got.index(marker)
                prev, got = got[:i], got[i + len(marker):]
            os.write(fd, b"\r\x03\x03\x01")
            until(b"raw REPL; CTRL-B to exit\r\n>", "raw REPL")
            os.write(fd, APP_MANAGER.encode() + b"\x04")
            until(b"OK", "raw REPL answer")
            until(b"\x06app-manager", "app manager start")
            until(b"\x06", "free heap figure")
            free = int(prev.split()[0])
        finally:
            os.close(fd)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, path, free


MEASURE = """\
import gc
gc.collect()
print('@boot', gc.mem_free())
import wamr_mpy
from wamr_mpy import cli, instance, interp, loader, validator  # noqa
gc.collect()
print('@import', gc.mem_free())
lo, hi = 0, gc.mem_free() // 4096 + 1
while hi - lo > 1:
    mid = (lo + hi) // 2
    try:
        b = bytearray(mid * 4096)
        b = None
        lo = mid
    except MemoryError:
        hi = mid
    gc.collect()
print('@largest', lo * 4096)
"""


def measure(board, hello, tiers=("interp", "fast", "aot"), hello_mpy=None):
    """Heap figures of the board's firmware: free heap at boot, after
    importing the frozen runtime, the largest block then (what a linear
    memory can take), and free heap after running `hello` on each tier
    (each on a fresh heap).  Returns a dict."""
    res = {}
    with QemuBoard(board) as b:
        out = b.check(MEASURE)
        for line in out.splitlines():
            if line.startswith("@"):
                k, v = line[1:].split()
                res[k] = int(v)
        for tier in tiers:
            b.soft_reset()
            data = hello_mpy if tier == "aot" else hello
            if data is None:
                continue
            name = "hello.mpy" if tier == "aot" else "hello.wasm"
            b.put_file(name, data)
            args = [] if tier == "aot" else ["--tier", tier]
            out = b.check("import gc, os\nos.chdir('/host')\nfrom wamr_mpy import cli\n"
                          "try:\n    cli.main(%r)\nexcept SystemExit:\n    pass\n"
                          "_hostfs.files.clear()\ngc.collect()\nprint('@free', gc.mem_free())\n"
                          % (args + [name]))
            res["hello_" + tier] = int(out.rsplit("@free", 1)[1].split()[0])
    return res


def run_app(board, wasm, args=(), cli_args=(), timeout=600, out=None):
    """Runs a .wasm (or wamrc .mpy) with the board's wamr_mpy.cli, its
    output to `out` (a binary stream) at the end; returns the exit status."""
    out = out or sys.stdout.buffer
    with open(wasm, "rb") as f:
        data = f.read()
    with QemuBoard(board) as b:
        b.put_file(os.path.basename(wasm), data)
        # run from /host with the file's own name (the app sees it as argv[0])
        path = os.path.basename(wasm)
        code = ("import os\nos.chdir('/host')\nfrom wamr_mpy import cli\n_rc = 0\n"
                "try:\n    _rc = cli.main(%r)\n"
                "except SystemExit as e:\n    _rc = e.args[0] if e.args else 0\n"
                "print('\\x00qemu-exit=%%s' %% _rc)\n"
                % (list(cli_args) + [path] + list(args)))
        got, err = b.exec(code, timeout)
        text = got.replace(b"\r\n", b"\n")
        mark = b"\x00qemu-exit="
        i = text.rfind(mark)
        rc = 1
        if i >= 0:
            try:
                rc = int(text[i + len(mark):].split(b"\n", 1)[0].strip() or b"0")
            except ValueError:
                rc = 1
            text = text[:i]
        out.write(text)
        out.flush()
        if err:
            sys.stderr.buffer.write(err.replace(b"\r\n", b"\n"))
            rc = rc or 1
        return rc
