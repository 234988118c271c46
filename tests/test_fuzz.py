"""tools/fuzz: a short run of each campaign (the CI subset; `make fuzz` runs
long ones), and each campaign catching a defect planted in a copy of the
runtime: it reports it, prints the replay command and saves the input."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from mp import ROOT

FUZZ = os.path.join(ROOT, "tools", "fuzz.py")
SUMMARY = re.compile(r"^(\w+): seeds (\d+):(\d+), (.*); (\d+) findings \((\d+) unconfirmed\)",
                     re.M)


def fuzz(*args, env=None, timeout=1200):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([sys.executable, FUZZ] + list(args), cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout, env=e)
    return r


def figures(r, campaign):
    """{counter: n} of a campaign's summary line, and its findings."""
    text = r.stdout + r.stderr
    for m in SUMMARY.finditer(text):
        if m.group(1) == campaign:
            c = {}
            for part in m.group(4).split(", "):
                k, _, v = part.rpartition(" ")
                c[k] = int(v)
            return c, int(m.group(5))
    raise AssertionError("no summary for %s:\n%s" % (campaign, text[-3000:]))


def need_wasmtime():
    pytest.importorskip("wasmtime")


# ------------------------------------------------------------- the CI subset

def test_load_mutants_on_every_tier(tmp_path):
    need_wasmtime()
    r = fuzz("load", "--seeds", "0:160", "--out", str(tmp_path))
    c, found = figures(r, "load")
    assert r.returncode == 0 and found == 0, r.stdout[-4000:]
    assert c["mutants"] == 160
    for tier in ("interp", "fast", "jit", "aot"):
        assert c["on " + tier] == 40, c
    # the mutants reach the loader, the validator and the tiers
    assert c["rejected LoadError"] > 40 and c["rejected ValidationError"] > 5, c
    assert c["instantiated"] > 5 and c["calls"] > 20, c


def test_ttf_modules_agree_with_wasmtime(tmp_path):
    need_wasmtime()
    if shutil.which("wasm-opt") is None:
        pytest.skip("wasm-opt (binaryen) not installed (make test installs it)")
    r = fuzz("ttf", "--seeds", "0:2", "--out", str(tmp_path))
    c, found = figures(r, "ttf")
    assert r.returncode == 0 and found == 0, r.stdout[-4000:]
    assert c["modules"] == 2 and c["runs"] == 8 and c["calls"] > 20, c


def test_ttf_wasm3_modules_agree_with_wasmtime(tmp_path):
    """--features 3.0 (`make fuzz-wasm3` runs 500 modules per tier): seed
    146's module has SIMD, tail calls, exceptions thrown and caught (and
    some not caught), a 64-bit memory 0 and a second memory."""
    need_wasmtime()
    if shutil.which("wasm-opt") is None or shutil.which("wasm2wat") is None:
        pytest.skip("wasm-opt (binaryen) or wasm2wat (wabt) not installed (make test "
                    "installs them)")
    r = fuzz("ttf", "--features", "3.0", "--seeds", "146:147", "--out", str(tmp_path))
    c, found = figures(r, "ttf")
    assert r.returncode == 0 and found == 0, r.stdout[-4000:]
    assert c["modules"] == 1 and c["runs"] == 4 and c["calls"] > 20, c
    for f in ("simd", "return_call", "tag", "throw", "try_table", "memory64", "two memories"):
        assert c["with " + f] == 1, c
    assert c["caught exceptions"] > 0 and c["uncaught exceptions"] > 0, c


def test_hostile_native_calls(tmp_path):
    r = fuzz("native", "--seeds", "0:24", "--out", str(tmp_path))
    c, found = figures(r, "native")
    assert r.returncode == 0 and found == 0, r.stdout[-4000:]
    assert c["seeds"] == 24 and c["calls"] == 24 * 40 and c["traps"] > 100, c


@pytest.mark.parametrize("transport", ["tcp", "stdio"])
def test_manager_frames(tmp_path, transport):
    r = fuzz("frames", "--seeds", "0:3", "--transport", transport, "--out", str(tmp_path))
    c, found = figures(r, "frames")
    assert r.returncode == 0 and found == 0, r.stdout[-4000:]
    assert c["frames"] == 300 and c["manager starts"] == 1, c
    # every frame was followed by an answered probe, and the fuzz frames
    # were answered too
    assert c["responses"] > 300, c


def test_seed_range_and_time_budget(tmp_path):
    r = fuzz("frames", "--seeds", "5:", "--time", "1", "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"frames: seeds (\d+):(\d+),", r.stdout)
    assert m and int(m.group(1)) == 5 and int(m.group(2)) > 5, r.stdout
    r = fuzz("nosuch")
    assert r.returncode == 2 and "unknown campaign" in r.stderr


def test_driver_reads_a_huge_mutant_in_one_piece(tmp_path):
    """A 32 MB mutant (like the code section claiming 2^24 bodies found by a long
    `load` run as a 33 MB one) is rejected by the loader well inside the
    campaign's hang bound of 30 s of CPU: the driver read it with read(),
    which grows its buffer 256 bytes at a time on MicroPython (minutes)."""
    import json
    import resource
    from mp import MICROPYTHON
    from wasmbin import MAGIC, leb, section
    wasm = tmp_path / "huge.wasm"
    # a section id no decoder knows in front: rejected at once, so the
    # time is the driver's reading
    wasm.write_bytes(MAGIC + section(0x7F, leb(1 << 24) + b"\x01\x0b" * (16 << 20)))
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"tier": "interp", "modules": [
        {"id": 0, "wasm": str(wasm), "calls": "auto", "lenient": True}]}))

    def cpu_bound():
        resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
    r = subprocess.run([MICROPYTHON, "-X", "heapsize=64M",
                        os.path.join(ROOT, "tests", "diff_driver.py"), str(job)],
                       capture_output=True, text=True, timeout=600, preexec_fn=cpu_bound,
                       env=dict(os.environ, MICROPYPATH=ROOT))
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "malformed section id" in r.stdout, r.stdout[-2000:]


def test_mutating_a_huge_code_count_stays_small():
    """A code section whose count claims 2^20 bodies but holds one: a body
    mutation changes that one body (it listed 2^20 empty bodies past the
    end and wrote a module of 2 MB, and from a count of 2^32 - 1 the host
    grew to 23 GB in a long `load` run)."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import wasm_mutate as W
    from wasmbin import MAGIC, leb, section, vec
    code = section(10, leb(1 << 20) + leb(4) + b"\x00\x41\x00\x0b")
    data = MAGIC + section(1, vec([b"\x60\x00\x01\x7f"])) + section(3, vec([b"\x00"])) + code
    secs = W.sections(data)
    sec, bodies = W._bodies(data, secs)
    assert bodies == [(len(data) - 4, len(data))]
    rng = W.Rng(1)
    for _ in range(50):
        what, out = W._body_mutation(rng, data, (sec, bodies))
        assert len(out) < len(data) + 40, (what, len(out))


def test_frames_device_reads_what_the_apps_print(tmp_path):
    """Over TCP the apps' output (the manager's stdout) is read: unread, it
    filled the pipe after a few thousand frames of a long `frames` run and
    the manager blocked writing to it.  Requests to an app that prints a
    line each, 10 at a time, each 10 followed by a probe, until it printed
    16 KB into a pipe of 4 KB: every probe answered."""
    import fcntl
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import fuzz_frames as F
    P = F.P
    F.BLOCKED = 60          # a blocked manager fails this test sooner
    dev = F.Device(str(tmp_path), "tcp")
    try:
        # a pipe of one page (Linux): a few hundred lines fill it
        fcntl.fcntl(dev.proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
        dev.connect()
        with open(F.APP, "rb") as f:
            wasm = f.read()
        dev.send(F._frame(P.TYPE_INSTALL, F._req("/applet?name=request_handler", P.PUT,
                                                 P.FMT_RAW, wasm, 1)))
        url1 = F._frame(P.TYPE_REQUEST, F._req("/app/request_handler/url1", P.GET, 0, b"", 2))
        for k in range(1000):
            if dev.printed > 16384:
                break
            mid = F.PROBE | k
            dev.send(url1 * 10 + F._frame(P.TYPE_REQUEST, F._req("/applet", P.GET, 0, b"",
                                                                 mid)))
            problem = dev.wait_answer(mid)
            assert problem is None, (k, problem, dev.printed, dev.snapshot_log()[-5:])
        assert dev.printed > 16384, (dev.printed, dev.out[-3:], dev.snapshot_log()[-5:])
        assert dev.proc.poll() is None
    finally:
        dev.stop()


# ------------------------------------------------------------ planted defects

def _planted(tmp_path, path, old, new):
    """A copy of wamr_mpy with `old` replaced by `new` in `path`."""
    root = tmp_path / "tree"
    shutil.copytree(os.path.join(ROOT, "wamr_mpy"), root / "wamr_mpy",
                    ignore=shutil.ignore_patterns("__pycache__"))
    f = root / "wamr_mpy" / path
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new, 1))
    return {"WAMR_DIFF_ROOT": str(root)}


def _caught(r, tmp_path, campaign, what):
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert what in out, out
    m = re.search(r"replay: (tools/fuzz %s --seeds (\d+):\d+.*)" % campaign, out)
    assert m, out
    m = re.search(r"input:  (\S+)", out)
    assert m and os.path.exists(os.path.join(ROOT, m.group(1))), out
    return out


def test_load_catches_an_exception_of_the_loader(tmp_path):
    need_wasmtime()
    env = _planted(tmp_path, "loader.py", "def load(data):",
                   "def load(data):\n    if len(data) % 3 == 0:\n"
                   "        raise IndexError('planted')\n    return _load0(data)\n\n\n"
                   "def _load0(data):")
    r = fuzz("load", "--seeds", "0:12", "--tier", "interp", "--out", str(tmp_path / "o"),
             env=env)
    _caught(r, tmp_path, "load", "IndexError: planted")
    assert os.listdir(tmp_path / "o" / "load")


def test_native_catches_a_native_that_raises(tmp_path):
    env = _planted(tmp_path, "wasi.py", "def random_get(inst, buf, n):",
                   "def random_get(inst, buf, n):\n    raise KeyError('planted')\n\n\n"
                   "def _unused(inst, buf, n):")
    r = fuzz("native", "--seeds", "0:16", "--tier", "interp", "--out", str(tmp_path / "o"),
             env=env)
    _caught(r, tmp_path, "native", "random_get(*~)i")
    assert "raised (as a trap): planted" in r.stdout


def test_frames_catches_an_exception_in_the_manager(tmp_path):
    env = _planted(tmp_path, "app/manager.py", "    def _host_event_reg(self, req):",
                   "    def _host_event_reg(self, req):\n        raise ValueError('planted')\n\n"
                   "    def _unused(self, req):")
    r = fuzz("frames", "--seeds", "0:2", "--out", str(tmp_path / "o"), env=env)
    _caught(r, tmp_path, "frames", "planted")


def test_ttf_catches_a_wrong_value(tmp_path):
    need_wasmtime()
    if shutil.which("wasm-opt") is None:
        pytest.skip("wasm-opt (binaryen) not installed (make test installs it)")
    # host functions (binaryen's log-i32 ...) get their i32 arguments off by one
    env = _planted(tmp_path, "instance.py", "    out = list(vals)\n",
                   "    out = list(vals)\n    if out and isinstance(out[0], int):\n"
                   "        out[0] += 1\n")
    r = fuzz("ttf", "--seeds", "0:1", "--tier", "interp", "--out", str(tmp_path / "o"),
             env=env)
    _caught(r, tmp_path, "ttf", "logged wasmtime")


def test_ttf_wasm3_catches_a_wrong_memory64_address(tmp_path):
    need_wasmtime()
    if shutil.which("wasm-opt") is None or shutil.which("wasm2wat") is None:
        pytest.skip("wasm-opt (binaryen) or wasm2wat (wabt) not installed (make test "
                    "installs them)")
    # every i64 address of memory 0 one byte too far
    env = _planted(tmp_path, "interp.py", "s[fp + code[pc + 1]] = a if a >= 0 else",
                   "s[fp + code[pc + 1]] = a + 1 if a >= 0 else")
    r = fuzz("ttf", "--features", "3.0", "--seeds", "7:8", "--tier", "interp",
             "--out", str(tmp_path / "o"), env=env)
    out = _caught(r, tmp_path, "ttf", "ttf seed 7 tier interp")
    assert "--features 3.0" in out
