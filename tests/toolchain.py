"""The toolchains tests build wasm apps with, checked part by part.

`need("c", "wasi")` skips the calling test unless every part is installed
and works: each part's programs and files must be there (a missing one is
named with its Debian package), then a tiny probe build must succeed (so a
clang without its linker, or a linker without wasi-libc, is found out before
the test, not in it).  Results are kept per process.

Parts:
  c     clang-14 + wasm-ld-14 through tools/wasm-cc (libc-builtin apps,
        app framework apps)
  c++   clang++-14, on top of c
  wasi  wasi-libc and the wasm32 compiler-rt builtins, on top of c
  pic   clang-14 + wasm-ld-14 making an emcc-style side module
  rust  Debian's rustc (or $RUSTC), its wasm32 std libraries and rust-lld
  wat   wabt's wat2wasm
  wat3  wasmtime's wat2wasm (PyPI wasmtime: WebAssembly 3.0 text, which
        wabt 1.0.32 does not parse), in this Python
"""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASM_CC = os.path.join(ROOT, "tools", "wasm-cc")

APT = "apt-get install -y %s (make test installs it)"

WASI_SYSROOT = ("/usr/lib/wasm32-wasi/libc.a", "/usr/include/wasm32-wasi/stdio.h")

_cache = {}


def which(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def _rustc():
    return os.environ.get("RUSTC", "/usr/bin/rustc")


def _parts_present(part):
    """(what, Debian package) of the first missing program or file of
    `part`, or None."""
    if part in ("c", "c++", "wasi", "pic"):
        if not which(os.environ.get("WASM_CC_CLANG", "clang-14"), "clang"):
            return "clang-14", "clang-14"
        if not which("wasm-ld-14", "wasm-ld"):
            return "wasm-ld-14", "lld-14"
    if part == "c++" and not which(os.environ.get("WASM_CC_CLANGXX", "clang++-14"), "clang++"):
        return "clang++-14", "clang-14"
    if part == "wasi":
        for f in WASI_SYSROOT:
            if not os.path.exists(f):
                return f, "wasi-libc"
        clang = which(os.environ.get("WASM_CC_CLANG", "clang-14"), "clang")
        res = subprocess.run([clang, "-print-resource-dir"], capture_output=True,
                             text=True).stdout.strip()
        rt = os.path.join(res, "lib", "wasi", "libclang_rt.builtins-wasm32.a")
        if not os.path.exists(rt):
            return rt, "libclang-rt-14-dev-wasm32"
    if part == "rust":
        rustc = _rustc()
        if not (os.path.isfile(rustc) and os.access(rustc, os.X_OK)):
            return rustc, "rustc"
        if not which("rust-lld"):
            return "rust-lld", "lld-14"
        sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True,
                                 text=True).stdout.strip()
        for t in ("wasm32-unknown-unknown", "wasm32-wasi"):
            if not os.path.isdir(os.path.join(sysroot, "lib", "rustlib", t)):
                return "Rust std for %s" % t, "libstd-rust-dev-wasm32"
    if part == "wat" and not which("wat2wasm"):
        return "wat2wasm", "wabt"
    if part == "wat3":
        try:
            import wasmtime  # noqa: F401
        except ImportError:
            return "wasmtime (PyPI)", None
    return None


PROBE_C = "int main(void) { return 0; }\n"
PROBE_CXX = "struct A { virtual int f() { return 1; } };\nint main() { A a; return a.f() - 1; }\n"
PROBE_WASI = ('#include <stdio.h>\nint main(void) { printf("%f %Lf\\n", 1.5, (long double)2); '
              'return 0; }\n')
PROBE_RS = "#![no_std]\n#[panic_handler]\nfn p(_: &core::panic::PanicInfo) -> ! { loop {} }\n"
PROBE_RS_WASI = "fn main() { println!(\"hi\"); }\n"


def _probe(part, d):
    """Builds something small with `part`; returns (command, result)."""
    def src(name, text):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(text)
        return p
    out = os.path.join(d, "probe.wasm")
    if part == "c":
        cmds = [[sys.executable, WASM_CC, src("p.c", PROBE_C), "-o", out]]
    elif part == "c++":
        cmds = [[sys.executable, WASM_CC, src("p.cpp", PROBE_CXX), "-o", out]]
    elif part == "wasi":
        cmds = [[sys.executable, WASM_CC, "--wasi", src("p.c", PROBE_WASI), "-o", out]]
    elif part == "pic":
        obj = os.path.join(d, "p.o")
        cmds = [[which("clang-14", "clang"), "--target=wasm32-unknown-emscripten", "-fPIC",
                 "-c", src("p.c", PROBE_C), "-o", obj],
                [which("wasm-ld-14", "wasm-ld"), "--experimental-pic", "-shared", obj, "-o", out]]
    elif part == "rust":
        cmds = [[_rustc(), "--target", "wasm32-unknown-unknown", "--crate-type", "cdylib",
                 "-C", "panic=abort", src("p.rs", PROBE_RS), "-o", out],
                [_rustc(), "--target", "wasm32-wasi", src("q.rs", PROBE_RS_WASI),
                 "-o", os.path.join(d, "q.wasm")]]
    elif part == "wat":
        cmds = [[which("wat2wasm"), src("p.wat", "(module)"), "-o", out]]
    elif part == "wat3":
        cmds = [[sys.executable, "-c", "import wasmtime; wasmtime.wat2wasm("
                 "'(module (tag) (func (try_table (catch_all 0))))')"]]
    else:
        raise ValueError("unknown toolchain part %r" % part)
    for cmd in cmds:
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=d, timeout=300)
        if r.returncode != 0:
            return cmd, r
    return None, None


def missing(part):
    """None when `part` is installed and builds, else one line saying what
    is missing and how to install it."""
    if part not in _cache:
        gone = _parts_present(part)
        if gone:
            what, pkg = gone
            _cache[part] = "%s not found (%s): %s" % (
                what, part, APT % pkg if pkg else
                "pip install -r requirements.txt (make test installs it)")
        else:
            with tempfile.TemporaryDirectory(prefix="toolchain-") as d:
                cmd, r = _probe(part, d)
            if r is None:
                _cache[part] = None
            else:
                err = (r.stderr or r.stdout).strip().splitlines()
                _cache[part] = "%s toolchain does not build a probe (%s exited %d: %s)" % (
                    part, os.path.basename(cmd[0]) if cmd[0] != sys.executable
                    else os.path.basename(cmd[1]), r.returncode,
                    err[0][:200] if err else "no output")
    return _cache[part]


def need(*parts):
    """Skips the calling test unless every part works (see the module doc)."""
    for part in parts:
        why = missing(part)
        if why:
            pytest.skip(why)
