"""No Python traceback reaches a user: at every entry point (micropython -m
wamr_mpy, micropython -m wamr_mpy.app, the tools/ commands) a directory
where a file belongs, a store or device that cannot be used, and Ctrl-C
each give one line and an exit status (130 for Ctrl-C, as a shell reports
SIGINT)."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from mp import MICROPYTHON, ROOT, need_tool

pytestmark = pytest.mark.host_only

# prints "go" through WASI, then loops until stopped
LOOP_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "go\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop (br 0))))
"""


def _env():
    return dict(os.environ, MICROPYPATH=ROOT + ":.frozen")


def _no_traceback(r):
    text = r.stdout + r.stderr
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    return text


def _interrupt(cmd, ready, **kw):
    """Starts cmd, waits for `ready` on its stdout (or stderr), sends SIGINT;
    returns the CompletedProcess (text)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    seen = b""
    try:
        os.set_blocking(p.stdout.fileno(), False)
        os.set_blocking(p.stderr.fileno(), False)
        end = time.monotonic() + 120
        while ready.encode() not in seen and time.monotonic() < end and p.poll() is None:
            for f in (p.stdout, p.stderr):
                seen += f.read() or b""
            time.sleep(0.05)
        assert ready.encode() in seen, seen
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return subprocess.CompletedProcess(cmd, p.returncode, (seen + (out or b"")).decode(),
                                       (err or b"").decode())


# ----------------------------------------------------------- the CLI

def test_cli_directory_as_app():
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy", "samples"], cwd=ROOT, env=_env(),
                       capture_output=True, text=True, timeout=60)
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (1, "wamr_mpy: cannot read samples: is a directory\n")


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_cli_ctrl_c(tier, tmp_path):
    wat = tmp_path / "loop.wat"
    wat.write_text(LOOP_WAT)
    app = str(tmp_path / "loop.wasm")
    subprocess.run([need_tool("wat2wasm"), str(wat), "-o", app], check=True)
    if tier == "aot":
        # native code without fuel checks: nothing but MicroPython's own
        # pending-exception check stops the loop
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "--no-fuel", "-q",
                        app, "-o", app[:-5] + ".mpy"], check=True)
        app = app[:-5] + ".mpy"
    r = _interrupt([MICROPYTHON, "-m", "wamr_mpy", "--tier", tier, app],
                   "go\n", cwd=ROOT, env=_env())
    _no_traceback(r)
    assert r.returncode == 130
    assert r.stderr == "wamr_mpy: interrupted\n"


# ------------------------------------------------------ the app manager

def _app(*args):
    return subprocess.run([MICROPYTHON, "-m", "wamr_mpy.app", "--quiet"] + list(args), cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=60)


def test_app_manager_bad_store_device_and_address(tmp_path):
    r = _app("--uart", "samples")
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (1, "wamr_mpy.app: --uart samples: is a directory\n")
    r = _app("--tcp", "127.0.0.1:99999")    # not a port (not one modulo 65536 either)
    _no_traceback(r)
    assert r.returncode == 2 and r.stderr.startswith(
        "wamr_mpy.app: --tcp wants HOST:PORT (PORT 0-65535), got '127.0.0.1:99999'\n"), r.stderr
    r = _app("--store", "README.md", "--tcp", "127.0.0.1:0")
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (1, "wamr_mpy.app: --store README.md: not a directory\n")
    (tmp_path / "f").write_text("a file where a folder belongs")
    r = _app("--store", str(tmp_path / "f" / "x"), "--tcp", "127.0.0.1:0")
    _no_traceback(r)
    assert r.returncode == 1 and r.stderr.startswith("wamr_mpy.app: ") and \
        r.stderr.count("\n") == 1, r.stderr
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        r = _app("--tcp", "127.0.0.1:%d" % port)
    finally:
        busy.close()
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (1, "wamr_mpy.app: --tcp 127.0.0.1:%d: address in use\n"
                                        % port)


def test_app_manager_ctrl_c():
    r = _interrupt([MICROPYTHON, "-m", "wamr_mpy.app", "--tcp", "127.0.0.1:0"], "listening on",
                   cwd=ROOT, env=_env())
    _no_traceback(r)
    assert r.returncode == 130
    assert r.stderr.endswith("wamr_mpy.app: interrupted\n"), r.stderr


# ------------------------------------------------------------- tools/

def _tool(name, *args, **kw):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", name)] + list(args),
                          cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def test_every_python_tool_ends_through_entry():
    """tools/entry.py is how each command ends (one way, checked here so a
    new tool does not forget it): every Python file under tools/ that runs
    as a program."""
    found = []
    for dirpath, dirs, names in os.walk(os.path.join(ROOT, "tools")):
        dirs[:] = [d for d in dirs if d not in ("workloads", "__pycache__")]
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                text = f.read()
            if text.startswith(b"#!/usr/bin/env python3") or n == "__main__.py" or (
                    n.endswith(".py") and b'if __name__ == "__main__":' in text):
                found.append(os.path.relpath(p, ROOT))
    assert len(found) >= 13, found
    bad = [p for p in found if b"entry.run(" not in open(os.path.join(ROOT, p), "rb").read()]
    assert not bad, bad


def test_tools_given_a_directory(tmp_path):
    r = _tool("wamrc", "samples")
    _no_traceback(r)
    assert r.returncode == 1 and r.stderr.startswith("wamrc: ") and r.stderr.count("\n") == 1
    r = _tool("mprun", "samples")
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (2, "mprun: samples is a directory, not a .wasm file\n")
    r = _tool("build", "UNIX", "--out", str(tmp_path / "b"), "--app", "samples")
    _no_traceback(r)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    r = _tool("qemu", "QEMU_RPI_PICO", "samples")      # said before any firmware is built
    _no_traceback(r)
    assert (r.returncode, r.stderr) == (2, "tools/qemu: samples is a directory, not an app\n")


def test_tools_given_a_missing_file_or_a_bad_option():
    r = _tool("wamrc", "nofile.wasm")
    assert (r.returncode, r.stderr) == (1, "wamrc: cannot read nofile.wasm: no such file\n")
    r = _tool("qemu", "QEMU_RPI_PICO", "nofile.wasm")
    assert (r.returncode, r.stderr) == (2, "tools/qemu: nofile.wasm not found\n")
    r = _tool("qemu", "--bogus", "app.wasm")
    assert (r.returncode, r.stderr) == (2, "tools/qemu: unknown option --bogus (tools/qemu --help)\n")
    r = _tool("wasm-cc", "nofile.c")
    assert (r.returncode, r.stderr) == (2, "wasm-cc: error: nofile.c: no such file\n")
    # no device listens: the file is read before connecting, so that is what is said
    r = _tool("host_tool.py", "-P", "1", "-i", "x", "-f", "nofile.wasm")
    assert (r.returncode, r.stderr) == (255, "host_tool: cannot read nofile.wasm: "
                                        "No such file or directory\n")


def _silent_device():
    """A TCP 'device' that accepts host_tool and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_host_tool_given_a_directory():
    dev = _silent_device()
    try:
        r = _tool("host_tool.py", "-P", str(dev.getsockname()[1]), "-i", "x", "-f", "samples")
    finally:
        dev.close()
    _no_traceback(r)
    assert r.returncode != 0 and r.stderr.startswith("host_tool: cannot read samples: ")
    assert r.stderr.count("\n") == 1


def _as_a_shell_starts_it():
    # SIGINT at its default and not blocked, as a shell starts a command: a
    # child inherits both from the process that starts it, and in two full
    # runs (not alone, not under load) host_tool took no notice of SIGINT
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def _signal_state(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return [l.strip() for l in f if l.startswith(("SigBlk", "SigIgn", "SigCgt"))]
    except OSError:
        return []


def test_host_tool_ctrl_c():
    dev = _silent_device()
    dev.settimeout(60)
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "host_tool.py"), "-P",
                          str(dev.getsockname()[1]), "-q", "-t", "60000"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=_as_a_shell_starts_it)
    try:
        conn, _ = dev.accept()
        # its request read: past connecting, waiting for the answer (a
        # SIGINT right at accept() could land while it was still connecting;
        # in one full run it then ran on to its 60 s timeout)
        conn.settimeout(60)
        assert conn.recv(64)
        state = _signal_state(p.pid)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("host_tool ran on after SIGINT; its signal state then: %s"
                        % state)
        conn.close()
    finally:
        dev.close()
        if p.poll() is None:
            p.kill()
    r = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    _no_traceback(r)
    assert r.returncode == 130
    assert r.stderr.endswith("host_tool: interrupted\n"), r.stderr


def test_a_closed_stdout_ends_quietly():
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "wasm-cc"), "--help"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()                    # `tools/wasm-cc --help | head -0`
    err = p.stderr.read().decode()
    p.wait(60)
    assert "Traceback" not in err and "Exception ignored" not in err, err
