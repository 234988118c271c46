"""Wasm fixtures for the native/libc/WASI/CLI/dylink tests (CPython).

Every fixture is built from its source here (C with clang-14, WAT with
wat2wasm) into a temporary directory when the toolchain is installed; the
prebuilt .wasm committed beside the source is used otherwise.  Regenerate
the committed files with:

    python3 tests/wasm/wasmfix.py
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(HERE))

import toolchain  # noqa: E402  (tests/toolchain.py)

CC = "clang-14"
WASM_LD = "wasm-ld-14"
WAT2WASM = "wat2wasm"

FREE = ["--target=wasm32", "-O2", "-nostdlib", "-Wno-format",
        "-Wl,--no-entry", "-Wl,--export-dynamic", "-Wl,--allow-undefined"]
WASI = ["--target=wasm32-wasi", "-O2", "-Wno-format", "-Wl,--strip-debug"]
SMALL = ["-Wl,-z,stack-size=16384"]

# output name -> (kind, source, extra flags)
RECIPES = {
    "native_calls.wasm": ("wat", "native_calls.wat", []),
    "cli_funcs.wasm": ("wat", "cli_funcs.wat", []),
    "libc_huge_sizes.wasm": ("wat", "libc_huge_sizes.wat", []),
    "wasi_seek_big.wasm": ("cc", "wasi_seek_big.c", WASI),
    "cli_main.wasm": ("cc", "cli_main.c", FREE + ["-Wl,--export=__main_argc_argv"]),
    "printf_cases.wasm": ("cc", "printf_cases.c", FREE + ["-Wl,--export=main"]),
    "printf_cases_wasi.wasm": ("cc", "printf_cases.c", WASI),
    "libc_cases.wasm": ("cc", "libc_cases.c", FREE + ["-fno-builtin", "-Wl,--export=main"]),
    "libc_cases_wasi.wasm": ("cc", "libc_cases.c", WASI + ["-fno-builtin"]),
    "heap_app.wasm": ("cc", "heap_app.c", FREE + ["-Wl,--export=__heap_base"]),
    "wasi_confine.wasm": ("cc", "wasi_confine.c", WASI),
    "wasi_misc.wasm": ("cc", "wasi_misc.c", WASI),
    "wasi_escape.wasm": ("cc", "wasi_escape.c", WASI),
    "wasi_race.wasm": ("cc", "wasi_race.c", WASI),
    "textproc.wasm": ("cc", "textproc.c", WASI + SMALL),
    "side_demo.wasm": ("side", "side_demo.c", []),
}


class ToolMissing(Exception):
    pass


def _run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))


def _missing(kind, flags):
    """Why this machine cannot build a fixture of `kind`, or None."""
    if kind == "wat":
        return None if shutil.which(WAT2WASM) else "%s not found" % WAT2WASM
    for prog in (CC, WASM_LD):
        if not shutil.which(prog):
            return "%s not found" % prog
    parts = {"side": ["pic"], "cc": ["c"] + (["wasi"] if "--target=wasm32-wasi" in flags
                                             else [])}[kind]
    for part in parts:
        why = toolchain.missing(part)
        if why:
            return why
    return None


def build(name, outdir):
    """Build fixture `name` into outdir; returns its path."""
    kind, src, flags = RECIPES[name]
    src = os.path.join(HERE, src)
    out = os.path.join(outdir, name)
    # every part the build needs, not only the compiler: clang-14 without
    # wasm-ld-14 or wasi-libc fails to link, and the committed .wasm serves
    why = _missing(kind, flags)
    if why:
        raise ToolMissing(why)
    if kind == "wat":
        _run([WAT2WASM, src, "-o", out])
    elif kind == "cc":
        _run([CC] + flags + [src, "-o", out])
    elif kind == "side":
        obj = out + ".o"
        _run([CC, "--target=wasm32-unknown-emscripten", "-fPIC", "-O2",
              "-Wno-format", "-c", src, "-o", obj])
        _run([WASM_LD, "--experimental-pic", "-shared", "--export-all",
              obj, "-o", out])
        os.remove(obj)
    return out


class Fixtures:
    """Builds each fixture once into `outdir` (prebuilt when no toolchain)."""

    def __init__(self, outdir):
        self.outdir = str(outdir)
        self.paths = {}

    def get(self, name):
        p = self.paths.get(name)
        if p is None:
            try:
                p = build(name, self.outdir)
            except ToolMissing:
                p = os.path.join(HERE, name)
            self.paths[name] = p
        return p


_WT_CACHE = {}


def run_wasmtime(path, args=(), dirs=(), env=(), cwd=None, stdin=b""):
    """Run a WASI module under wasmtime (PyPI): (stdout bytes, exit code)."""
    import tempfile
    import wasmtime
    cfg = wasmtime.WasiConfig()
    cfg.argv = [os.path.basename(path)] + list(args)
    if env:
        cfg.env = [tuple(e.split("=", 1)) for e in env]
    for d in dirs:
        host = os.path.join(cwd, d) if cwd else d
        cfg.preopen_dir(host, d)
    tmp = tempfile.mkdtemp()
    outp = os.path.join(tmp, "out")
    cfg.stdout_file = outp
    inp = os.path.join(tmp, "in")
    with open(inp, "wb") as f:
        f.write(stdin)
    cfg.stdin_file = inp
    if path not in _WT_CACHE:
        engine = wasmtime.Engine()
        _WT_CACHE[path] = (engine, wasmtime.Module.from_file(engine, path))
    engine, module = _WT_CACHE[path]
    store = wasmtime.Store(engine)
    store.set_wasi(cfg)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    inst = linker.instantiate(store, module)
    code = 0
    try:
        inst.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        code = e.code
    with open(outp, "rb") as f:
        out = f.read()
    shutil.rmtree(tmp)
    return out, code


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(RECIPES)
    for n in names:
        print("build", n, "->", build(n, HERE))
