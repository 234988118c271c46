"""Every sample builds from source and prints exactly its expected output.

For each sample in samples/ (see samples/README.md for the file conventions):
- `build.sh OUTDIR` rebuilds it from source into a temporary directory (skipped,
  naming the missing package, only when its toolchain is not installed);
- the fresh build and the committed prebuilt .wasm both run on the MicroPython
  unix port (`micropython -m wamr_mpy ...`, or the sample's embedder script)
  from a temporary copy of the repository layout, and stdout (plus any file the
  app must write) is compared byte for byte with the expected files;
- the committed .wasm also runs under wasmtime (CPython) as an independent
  check that the app itself is right.
"""
import os
import shlex
import shutil
import subprocess
import sys

import pytest

import toolchain
from mp import ROOT, run_mp, tool_path

SAMPLES_DIR = os.path.join(ROOT, "samples")

# sample -> its apps (wasm files without .wasm)
SAMPLES = {
    "hello": ["hello"],
    "cpp": ["app"],
    "rust": ["app_nostd", "app_wasi"],
    "assemblyscript": ["app"],
    "wat": ["app"],
    "wasi_files": ["app"],
    "customized": ["customized"],
    "side_module": ["app"],
    "simd": ["simd", "scalar"],
    "exceptions": ["app"],
}

# files an app must write: sample -> {path relative to the sample dir:
# expected content file in the sample dir}
WRITTEN = {
    "wasi_files": {"data/report.txt": "expected_report.txt"},
}


def sample_file(sample, app, suffix):
    """NAME.<suffix> if present, else <suffix> (single-app samples)."""
    d = os.path.join(SAMPLES_DIR, sample)
    for name in (app + "." + suffix, suffix):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def _which(*names):
    for n in names:
        p = tool_path(n)
        if p:
            return p
    return None


# what each sample's build.sh needs (tests/toolchain.py)
PARTS = {"hello": ("c",), "cpp": ("c", "c++"), "customized": ("c",), "wasi_files": ("wasi",),
         "side_module": ("pic",), "rust": ("rust",), "wat": ("wat",),
         "timer": ("c",), "request_response": ("c",), "pubsub": ("c",), "sensor": ("c",),
         "connection": ("c",), "simd": ("c",), "exceptions": ("wat3",)}


def missing_toolchain(sample):
    """None when `sample` can be built here, else what is missing."""
    for part in PARTS.get(sample, ()):
        why = toolchain.missing(part)
        if why:
            return why
    if sample == "assemblyscript":
        if not _which("node") or not _which("npm"):
            return "node / npm not found: apt-get install -y nodejs npm (make test installs it)"
        d = os.path.join(SAMPLES_DIR, sample)
        if not os.path.exists(os.path.join(d, "node_modules", ".bin", "asc")):
            r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                                "--loglevel=error"], cwd=d,
                               capture_output=True, text=True, timeout=600)
            if r.returncode:
                return "assemblyscript from npm (npm install failed: %s)" % (
                    r.stderr.strip()[-300:])
    return None


_builds = {}


def test_every_sample_says_what_it_needs():
    assert set(SAMPLES) - {"assemblyscript"} <= set(PARTS)


def _build_locked(sample, tmp_factory):
    missing = missing_toolchain(sample)
    if missing:
        return ("skip", "%s: %s" % (sample, missing))
    out = str(tmp_factory.mktemp("build_" + sample))
    r = subprocess.run(["sh", os.path.join(SAMPLES_DIR, sample, "build.sh"),
                        out], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        return ("fail", "build.sh failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    return ("ok", out)


def build(sample, tmp_factory):
    """Build `sample` once per session; returns the output directory."""
    if sample not in _builds:
        # pytest-xdist workers build the same sample each; one at a time,
        # since a first build installs tools into the sample's folder (npm)
        import fcntl
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        with open(os.path.join(ROOT, "build", ".sample-%s.lock" % sample), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _builds[sample] = _build_locked(sample, tmp_factory)
    state, value = _builds[sample]
    if state == "skip":
        pytest.skip(value)
    assert state == "ok", value
    return value


def is_valid_wasm(path, wasm3=False):
    """wabt's wasm-validate; wasmtime's validator for WebAssembly 3.0 (wasm3),
    which wabt 1.0.32 does not know."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head != b"\0asm\x01\0\0\0":
        return False
    if wasm3:
        import wasmtime
        with open(path, "rb") as f:
            try:
                wasmtime.Module.validate(wasmtime.Engine(), f.read())
            except wasmtime.WasmtimeError:
                return False
        return True
    validate = _which("wasm-validate")
    if validate:
        return subprocess.run([validate, path], capture_output=True).returncode == 0
    return True


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_build(sample, tmp_path_factory):
    out = build(sample, tmp_path_factory)
    for app in SAMPLES[sample]:
        path = os.path.join(out, app + ".wasm")
        assert os.path.exists(path), "%s: build.sh made no %s.wasm" % (sample, app)
        assert is_valid_wasm(path, "wat3" in PARTS.get(sample, ())), \
            "%s: %s.wasm is not valid" % (sample, app)


def mirror(sample, app, wasm, tmp_path):
    """A copy of the repo layout holding the sample (its data, its embedder)
    with `wasm` as samples/<sample>/<app>.wasm.  Returns (cwd, wasm arg)."""
    src = os.path.join(SAMPLES_DIR, sample)
    dst = os.path.join(str(tmp_path), "samples", sample)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
        "node_modules", "*.wasm", "report.txt", "*.tmp"))
    rel = "samples/%s/%s.wasm" % (sample, app)
    shutil.copyfile(wasm, os.path.join(str(tmp_path), rel))
    return str(tmp_path), rel


def command(sample, app, rel):
    args_file = sample_file(sample, app, "run.args")
    line = "{wasm}"
    if args_file:
        with open(args_file) as f:
            line = f.read().strip()
    args = [a.replace("{wasm}", rel) for a in shlex.split(line)]
    return args


def run_on_micropython(sample, app, wasm, tmp_path):
    cwd, rel = mirror(sample, app, wasm, tmp_path)
    args = command(sample, app, rel)
    if args[0].endswith(".py"):
        r = run_mp(script=args[0], args=args[1:], cwd=cwd, timeout=300)
    else:
        # run_mp appends `script` to the command line: "-m" + module name
        r = run_mp(script="-m", args=["wamr_mpy"] + args, cwd=cwd, timeout=300)
    return cwd, r


def check_run(sample, app, wasm, tmp_path):
    cwd, r = run_on_micropython(sample, app, wasm, tmp_path)
    with open(sample_file(sample, app, "expected.txt"), "rb") as f:
        expected = f.read()
    detail = "%s/%s.wasm exited %d\n--- stdout\n%s\n--- stderr\n%s" % (
        sample, app, r.returncode, r.stdout.decode("utf-8", "replace"),
        r.stderr.decode("utf-8", "replace"))
    assert r.returncode == 0, detail
    assert r.stdout == expected, detail
    for rel, exp in WRITTEN.get(sample, {}).items():
        written = os.path.join(cwd, "samples", sample, rel)
        assert os.path.exists(written), "%s: app did not write %s" % (sample, rel)
        with open(written, "rb") as f, \
                open(os.path.join(SAMPLES_DIR, sample, exp), "rb") as g:
            assert f.read() == g.read(), "%s: %s differs from %s" % (sample, rel, exp)


APPS = [(s, a) for s in sorted(SAMPLES) for a in SAMPLES[s]]
IDS = ["%s-%s" % sa for sa in APPS]


@pytest.mark.parametrize("sample,app", APPS, ids=IDS)
def test_committed_wasm_runs(sample, app, tmp_path):
    wasm = os.path.join(SAMPLES_DIR, sample, app + ".wasm")
    assert os.path.exists(wasm), "prebuilt %s is not committed" % wasm
    check_run(sample, app, wasm, tmp_path)


@pytest.mark.parametrize("sample,app", APPS, ids=IDS)
def test_fresh_build_runs(sample, app, tmp_path, tmp_path_factory):
    out = build(sample, tmp_path_factory)
    check_run(sample, app, os.path.join(out, app + ".wasm"), tmp_path)


@pytest.mark.parametrize("sample,app", APPS, ids=IDS)
def test_reference_wasmtime(sample, app, tmp_path):
    """The committed app under wasmtime + a CPython libc-builtin: checks the
    app, independently of wamr_mpy.  Heap addresses differ there, and the
    `customized` natives come from its embedder, so those lines are left out."""
    pytest.importorskip("wasmtime")
    if sample == "side_module":
        pytest.skip("a dylink side module needs a dynamic linker; wasmtime has none")
    cwd, rel = mirror(sample, app, os.path.join(SAMPLES_DIR, sample, app + ".wasm"),
                      tmp_path)
    args = command(sample, app, rel)
    if args[0].endswith(".py"):   # an embedder: stub its natives instead
        args = ["--stub", "customized=41", "--stub", "vendor_log=4"] + args[1:]
    r = subprocess.run([sys.executable, os.path.join(SAMPLES_DIR, "wasmtime_run.py")]
                       + args, cwd=cwd, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    with open(sample_file(sample, app, "expected.txt"), "rb") as f:
        expected = f.read().splitlines()
    got = r.stdout.splitlines()
    if sample == "hello":
        assert got[1].startswith(b"buf ptr: 0x") and len(got[1]) == 19, got
        got[1] = expected[1]
    if sample == "customized":
        expected = [b"customized() returned 41"] * 2
    if sample == "exceptions":
        # wasmtime_run.py runs `main` only: the lines its embedder adds are not there
        expected = expected[:expected.index(b"main returned 0")]
    assert got == expected
    for rel_out, exp in WRITTEN.get(sample, {}).items():
        with open(os.path.join(cwd, "samples", sample, rel_out), "rb") as f, \
                open(os.path.join(SAMPLES_DIR, sample, exp), "rb") as g:
            assert f.read() == g.read()
