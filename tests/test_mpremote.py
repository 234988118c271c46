"""mpremote against the virtual board: the one-command run of a .wasm
(tools/mprun), installing the runtime (tools/flash --mpremote, mip with
package.json), and the --target test runner."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from boardtest import ROOT, HELLO, VBoard, build, run_mpremote, tool, hello_reference

pytestmark = pytest.mark.host_only

EXIT3_WAT = """(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
"""


@pytest.fixture(scope="module")
def vb(tmp_path_factory):
    b = VBoard(tmp_path_factory.mktemp("vb"), "--no-main")
    yield b
    b.close()


def mprun(*args, **kw):
    kw.setdefault("timeout", 600)
    return tool("mprun", *args, **kw)


def test_mprun_hello_on_a_fresh_virtual_board():
    """The documented one-command run: `tools/mprun --vboard app.wasm`."""
    r = mprun("--vboard", HELLO)
    assert r.returncode == 0, r.stderr
    assert r.stdout == hello_reference()


def test_mprun_runtime_over_the_mount(vb):
    # nothing installed on the board: the repository's runtime is mounted
    r = mprun("-p", vb.link, "--runtime", "source", HELLO)
    assert r.returncode == 0, r.stderr
    assert r.stdout == hello_reference()
    r = mprun("-p", vb.link, "--runtime", "installed", HELLO)
    assert r.returncode != 0 and "runtime is not installed" in r.stderr


@pytest.mark.skipif(shutil.which("wat2wasm") is None, reason="wabt's wat2wasm not installed")
def test_mprun_exit_status_and_copy(vb, tmp_path):
    wat = tmp_path / "exit3.wat"
    wat.write_text(EXIT3_WAT)
    wasm = tmp_path / "exit3.wasm"
    subprocess.run(["wat2wasm", str(wat), "-o", str(wasm)], check=True)
    r = mprun("-p", vb.link, wasm)
    assert r.returncode == 3, (r.stdout, r.stderr)
    # --copy: the app goes to the board's /apps first
    r = mprun("-p", vb.link, "--copy", HELLO)
    assert r.returncode == 0, r.stderr
    assert r.stdout == hello_reference()
    with open(HELLO, "rb") as f:
        assert open(os.path.join(vb.flash, "apps", "hello.wasm"), "rb").read() == f.read()
    r = run_mpremote(vb.link, "exec", "import os; print(os.stat('/apps/hello.wasm')[6])")
    assert int(r.stdout) == os.path.getsize(HELLO)


def test_mprun_rejects_non_wasm(tmp_path):
    bad = tmp_path / "x.wasm"
    bad.write_text("print('hi')")
    r = mprun("--vboard", bad)
    assert r.returncode == 2 and "is not a .wasm binary" in r.stderr


def test_flash_mpremote_installs_the_build(tmp_path):
    """tools/flash BOARD --mpremote copies the build's .mpy runtime, boot.py
    and main.py onto the board; the app then runs on the installed runtime."""
    out = tmp_path / "b"
    info = build("UNIX", out)
    b = VBoard(tmp_path, "--no-main")
    try:
        r = tool("flash", "UNIX", "--build", out, "--port", b.link, "--mpremote", timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        for rel in info["mpy"]:
            assert os.path.isfile(os.path.join(b.flash, rel)), rel
        assert os.path.isfile(os.path.join(b.flash, "main.py"))
        r = mprun("-p", b.link, "--runtime", "installed", HELLO)
        assert r.returncode == 0, r.stderr
        assert r.stdout == hello_reference()
        r = run_mpremote(b.link, "exec", "import wamr_mpy; print(wamr_mpy.__file__)")
        assert r.stdout.strip() == b"/lib/wamr_mpy/__init__.mpy"
    finally:
        b.close()


@pytest.mark.slow
def test_mip_install_from_package_json(tmp_path):
    """`mpremote mip install package.json` (what `mip install github:...`
    fetches) installs the runtime sources; apps then run on them."""
    b = VBoard(tmp_path, "--no-main")
    try:
        r = run_mpremote(b.link, "mip", "install", "package.json", cwd=ROOT, timeout=900)
        assert r.returncode == 0, r.stdout + r.stderr
        assert os.path.isfile(os.path.join(b.flash, "lib", "wamr_mpy", "__init__.py"))
        # the app framework's MQTT client comes with it (docs/fleet.md)
        for m in ("mqtt.py", "transport_mqtt.py", "presence.py"):
            assert os.path.isfile(os.path.join(b.flash, "lib", "wamr_mpy", "app", m)), m
        r = mprun("-p", b.link, "--runtime", "installed", HELLO)
        assert r.returncode == 0, r.stderr
        assert r.stdout == hello_reference()
    finally:
        b.close()


# Test files the --target runner is checked with: the VM core's and the
# native API's (whichever exist), run on the virtual board.
CORE_TESTS = ["tests/test_vm_core.py", "tests/test_loader.py", "tests/test_validator.py",
              "tests/test_interp.py", "tests/test_instance.py", "tests/test_memory.py",
              "tests/test_embedding.py", "tests/test_numeric.py", "tests/test_native.py"]


@pytest.mark.slow
def test_target_runner_passes_core_subset_on_the_virtual_board():
    files = [f for f in CORE_TESTS if os.path.isfile(os.path.join(ROOT, f))]
    assert files, "none of the core test files exist"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "tests") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("WAMR_TARGET", None)
    cmd = [sys.executable, "-m", "pytest", "-p", "target_plugin", "--target", "vboard",
           "-p", "no:cacheprovider", "-m", "not slow and not spec"] + files
    try:
        import xdist  # noqa: F401
        cmd += ["-p", "no:xdist"]
    except ImportError:
        pass
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    tail = "\n".join(r.stdout.splitlines()[-30:])
    assert r.returncode == 0, tail + r.stderr
    assert "wamr-mpy target: vboard" in r.stdout
    assert " passed" in tail and " failed" not in tail


@pytest.mark.parametrize("how", ["vboard", "mount"])
def test_mprun_survives_a_stalled_host(how, vb):
    """On a loaded machine mpremote may not run for a second or more.  Over
    mpremote's mount every file read waits for the host, and mpremote's
    board side gives up after 1 s ("timeout waiting for remote"; once in a
    few runs under load).  So --vboard puts the app into the board's own
    filesystem and mounts nothing, and over a mount (here the whole runtime
    is imported through it) mprun's mpremote lets the board wait 30 s.
    mpremote is frozen for 1.5 s at a time, half of the time, while it runs."""
    import signal
    import threading
    args = ["--vboard"] if how == "vboard" else ["-p", vb.link, "--runtime", "source"]
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "mprun")] + args + [HELLO],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = []

    def descendants(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = [int(c) for c in f.read().split()]
        except OSError:
            return []
        return kids + [d for k in kids for d in descendants(k)]

    def freezer():
        # looks often (an mpremote that runs for less than a second must be
        # caught too), and after a freeze lets it run as long as it was frozen
        while p.poll() is None:
            froze = False
            for d in descendants(p.pid):
                try:
                    with open("/proc/%d/cmdline" % d, "rb") as f:
                        argv = f.read().split(b"\0")
                    if not any(a.endswith(b"mpremote") or b"mpremote.main" in a
                               for a in argv[:3]):
                        continue
                    seen.append(argv)
                    os.kill(d, signal.SIGSTOP)
                    time.sleep(1.5)
                    os.kill(d, signal.SIGCONT)
                    froze = True
                except (OSError, ProcessLookupError):
                    pass
            time.sleep(1.5 if froze else 0.02)
    t = threading.Thread(target=freezer, daemon=True)
    t.start()
    try:
        out, err = p.communicate(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
        t.join(10)
    assert seen, "mpremote was never frozen"
    if how == "vboard":
        assert not [a for a in seen if b"mount" in a], seen
    assert p.returncode == 0, err.decode()
    assert out.decode() == hello_reference()
