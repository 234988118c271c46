"""Helpers shared by the board/build/vboard/mpremote tests (host side)."""
import os
import shutil
import subprocess
import sys
import time

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import wamrboard as wb  # noqa: E402

HELLO = os.path.join(ROOT, "samples", "hello", "hello.wasm")


def tool(name, *args, **kw):
    """Run tools/NAME with this Python; returns CompletedProcess (text)."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 600)
    return subprocess.run([sys.executable, os.path.join(TOOLS, name)] + [str(a) for a in args], **kw)


def check_tool(name, *args, **kw):
    r = tool(name, *args, **kw)
    assert r.returncode == 0, "tools/%s %s failed (%d):\n%s\n%s" % (
        name, " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
    return r


def build(board, out, *extra):
    """tools/build BOARD --out OUT (quiet); returns build.json as a dict."""
    import json
    check_tool("build", board, "--out", out, "-q", *extra)
    with open(os.path.join(str(out), "build.json")) as f:
        return json.load(f)


def mpremote():
    return wb.mpremote_cmd()


def run_mpremote(port, *args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(mpremote() + ["connect", port] + list(args), **kw)


class VBoard:
    """tools/vboard in the background, for one test or module."""

    def __init__(self, tmpdir, *args):
        self.dir = str(tmpdir)
        self.link = os.path.join(self.dir, "tty")
        self.flash = os.path.join(self.dir, "flash")
        args = list(args)
        if "--image" not in args and "--dir" not in args:
            os.makedirs(self.flash, exist_ok=True)
            args += ["--dir", self.flash]
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, "vboard"), "--link", self.link] + args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("vboard: ready"):
            self.close()
            raise RuntimeError("vboard did not start: %r %s" % (
                line, self.proc.stderr.read().decode(errors="replace")))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def exec(self, code, *more, **kw):
        return run_mpremote(self.link, "exec", code, *more, **kw)


def micropython_cli_output(*args, cwd=None):
    """stdout of `micropython -m wamr_mpy ARGS` on the unix port (the
    reference for what a board prints for the same app; run it with the
    same argv: the app sees its arguments in memory)."""
    from mp import MICROPYTHON
    env = dict(os.environ)
    env["MICROPYPATH"] = ROOT + ":.frozen"
    env.pop("WAMR_CONFIG", None)
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy"] + list(args), cwd=cwd or ROOT, env=env,
                       capture_output=True, timeout=300)
    return r.returncode, r.stdout


def hello_reference():
    """What samples/hello prints when run as `hello.wasm` from its folder."""
    rc, out = micropython_cli_output("hello.wasm", cwd=os.path.dirname(HELLO))
    assert rc == 0, out
    return out.decode()


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def have(cmd):
    return shutil.which(cmd) is not None
