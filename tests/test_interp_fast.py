"""The fast tier (wamr_mpy/interp_fast.py + wamr_mpy/interp_fast_*.py) on the
MicroPython unix port: differential tests against the portable
interpreter (benchmark workloads, generated modules), traps, fuel, call
depth, memory.grow, host calls re-entering wasm, calls between tiers, the
fallback without viper, and the invariants the viper loop relies on."""
import json
import os
import random
import re
import subprocess

import pytest

from mp import ROOT, check_mp, need_tool, wat, MICROPYTHON

WORKLOADS = os.path.join(ROOT, "tools", "bench", "workloads")


# Runs FUNCS (a list of (export, args)) on both tiers; prints one line per
# call: the results or the trap message, for the tiers to be compared.
BOTH = r"""
import wamr_mpy
data = open(%(path)r, 'rb').read()
def mk(tier):
    return wamr_mpy.load(data).instantiate(tier=tier)
insts = [mk('interp'), mk('fast')]
for name, args in %(calls)r:
    outs = []
    for inst in insts:
        try:
            outs.append(repr(inst.call_raw(name, args)))
        except wamr_mpy.Trap as e:
            outs.append('trap ' + e.message)
    print(name, args, outs[0], outs[1])
"""


def run_both(path, calls, **kw):
    out = check_mp(BOTH % {"path": path, "calls": calls}, **kw)
    lines = out.strip().splitlines()
    assert len(lines) == len(calls), out
    return lines


def assert_same(lines):
    bad = []
    for line in lines:
        m = re.match(r"(.*) (\[.*\]|trap .*?) (\[.*\]|trap .*)$", line)
        assert m, line
        if m.group(2) != m.group(3):
            bad.append(line)
    assert bad == [], "\n".join(bad[:20])


def test_available_on_unix():
    out = check_mp("from wamr_mpy import interp_fast\nprint(interp_fast.AVAILABLE)")
    assert out.strip() == "True"


@pytest.mark.parametrize("name", ["fib", "sieve", "crc32", "matmul_int", "matmul_f64",
                                  "sha256", "quicksort", "coremark_mix"])
def test_workloads_match_portable(name):
    exp = json.load(open(os.path.join(WORKLOADS, "expected.json")))[name]
    path = os.path.join(WORKLOADS, exp["file"])
    lines = run_both(path, [("run", [exp["small_n"]])])
    assert_same(lines)
    assert lines[0].split(" ", 2)[2].split()[1] == "[%d]" % exp["small_checksum"]


def test_i64_operations_near_the_word_limits(tmp_path):
    """Every i64 arithmetic, bit-count and compare instruction at the 32-bit
    and 64-bit limits on 64-bit words, where the loop computes on whole
    values (tests/test_unix32.py: the same on 32-bit words)."""
    from i64_cases import i64_cases
    text, cases = i64_cases()
    path = wat(tmp_path, text)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = check_mp(
        "import json, wamr_mpy\n"
        "inst = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier='fast')\n"
        "bad = [c for c in json.load(open(%r)) if inst.call(*c[:-1]) != c[-1]]\n"
        "print(len(bad), bad[:5])\n" % (path, str(tmp_path / "cases.json")), heapsize="64M")
    assert out.startswith("0 "), out


def _f32_cases(n=1500, seed=5):
    """f32 add/sub/mul/compares of normal numbers: exponents equal, close,
    far apart and at the ends of the range (overflow, subnormal results),
    equal and opposite operands; results from C doubles rounded to f32
    (exact: a double holds more than twice an f32's precision)."""
    import struct
    rnd = random.Random(seed)

    def f2b(x):
        return struct.unpack("<I", struct.pack("<f", x))[0]

    def b2f(b):
        return struct.unpack("<f", struct.pack("<I", b))[0]

    cases = []
    for _ in range(n):
        e1 = rnd.randint(1, 254)
        e2 = e1 + rnd.choice([0, 0, 1, -1, 2, -2, rnd.randint(-30, 30), rnd.randint(-254, 254)])
        e2 = min(max(e2, 1), 254)
        a = (rnd.getrandbits(1) << 31) | (e1 << 23) | rnd.getrandbits(23)
        b = (rnd.getrandbits(1) << 31) | (e2 << 23) | rnd.choice(
            [rnd.getrandbits(23), a & 0x7FFFFF, (a & 0x7FFFFF) ^ 1, 0])
        if rnd.random() < 0.1:
            b = a ^ 0x80000000
        x, y = b2f(a), b2f(b)
        for op, r in (("add", x + y), ("sub", x - y), ("mul", x * y)):
            try:
                r = f2b(r)
            except OverflowError:
                r = 0xFF800000 if r < 0 else 0x7F800000
            cases.append([op, a, b, r])
        for op, r in (("lt", x < y), ("le", x <= y), ("eq", x == y), ("ne", x != y),
                      ("gt", x > y), ("ge", x >= y)):
            cases.append([op, a, b, int(r)])
    wat = ["(module"]
    for op in ("add", "sub", "mul", "lt", "le", "eq", "ne", "gt", "ge"):
        wat.append('(func (export "%s") (param i32 i32) (result i32) local.get 0 '
                   'f32.reinterpret_i32 local.get 1 f32.reinterpret_i32 f32.%s%s)'
                   % (op, op, " i32.reinterpret_f32" if op in ("add", "sub", "mul") else ""))
    return "\n".join(wat) + ")", cases


def test_f32_arithmetic_of_normal_numbers(tmp_path):
    """f32 add, sub, mul and compares, which the loop computes in one
    64-bit word when both operands are normal numbers (interp_fast_float
    otherwise), on 13,500 cases."""
    text, cases = _f32_cases()
    path = wat(tmp_path, text)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = check_mp(
        "import json, wamr_mpy\n"
        "inst = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier='fast')\n"
        "bad = [c for c in json.load(open(%r)) if inst.call_raw(c[0], c[1:3])[0] != c[3]]\n"
        "print(len(bad), bad[:5])\n" % (path, str(tmp_path / "cases.json")), heapsize="64M")
    assert out.startswith("0 "), out


@pytest.mark.parametrize("viper", [1, 0])
@pytest.mark.parametrize("soft", [1, 0])
def test_float_modes(soft, viper):
    """Floats are bit patterns in cells: f32/f64 work through the viper
    float code (FAST_VIPER_FLOAT) or the float module, in both modes."""
    exp = json.load(open(os.path.join(WORKLOADS, "expected.json")))["matmul_f64"]
    out = check_mp(
        "import wamr_mpy.config as c\nc.SOFT_FLOAT = %d\nc.FAST_VIPER_FLOAT = %d\n"
        "import wamr_mpy\nfrom wamr_mpy import fmode, interp_fast_emit\n"
        "assert fmode.SOFT_FLOAT == c.SOFT_FLOAT\n"
        "i = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier='fast')\n"
        "print(i.call('run', %d) & 0xffffffff,\n"
        "      i._fx.prog.floats, len(i._fx.prog.xt) > 0)\n"
        % (soft, viper, os.path.join(WORKLOADS, exp["file"]), exp["small_n"]))
    assert out.split() == [str(exp["small_checksum"]), str(bool(viper)), str(not viper)]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "fastloop"])
def test_viper_float_ops_against_wasmtime(mode):
    """Every float operation of interp_fast_float.fop ("fast"), and each
    as a wasm function on the fast tier ("fastloop": also the loop's own f64
    compares and arithmetic on 64-bit words), against wasmtime's results
    (tests/numeric_ref.py)."""
    pytest.importorskip("wasmtime")
    import numeric_ref as R
    ok, out = R.run_checker("micropython", mode, R.table("ref"))
    assert ok, out
    assert R.checked_count(out) > 100000, out


def test_viper_float_ops_spec_json(spec_json):
    import numeric_ref as R
    ok, out = R.run_checker("micropython", "fast", R.table("spec", spec_json))
    assert ok, out
    assert R.checked_count(out) > 5000, out


# -- generated modules ------------------------------------------------------------

I32_BIN = ["i32.add", "i32.sub", "i32.mul", "i32.and", "i32.or", "i32.xor", "i32.shl",
           "i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr", "i32.div_s", "i32.div_u",
           "i32.rem_s", "i32.rem_u", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u",
           "i32.gt_s", "i32.gt_u", "i32.le_s", "i32.le_u", "i32.ge_s", "i32.ge_u"]
I32_UN = ["i32.eqz", "i32.clz", "i32.ctz", "i32.popcnt", "i32.extend8_s",
          "i32.extend16_s"]
I64_BIN = ["i64.add", "i64.sub", "i64.mul", "i64.and", "i64.or", "i64.xor", "i64.shl",
           "i64.shr_s", "i64.shr_u", "i64.rotl", "i64.div_s", "i64.rem_u"]
I64_CMP = ["i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u",
           "i64.le_s", "i64.le_u", "i64.ge_s", "i64.ge_u"]
CONSTS = [0, 1, -1, 2, 7, 31, 32, 255, 0x7FFFFFFF, -0x80000000, 0x12345678, 65535,
          -65536, 1 << 30]


def gen_i32(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.2:
        k = rng.random()
        if k < 0.4:
            return "(local.get %d)" % rng.randrange(2)
        if k < 0.55:
            return "(local.get 3)"
        return "(i32.const %d)" % rng.choice(CONSTS)
    if r < 0.6:
        return "(%s %s %s)" % (rng.choice(I32_BIN), gen_i32(rng, depth - 1),
                               gen_i32(rng, depth - 1))
    if r < 0.7:
        return "(%s %s)" % (rng.choice(I32_UN), gen_i32(rng, depth - 1))
    if r < 0.78:
        return "(select %s %s %s)" % (gen_i32(rng, depth - 1), gen_i32(rng, depth - 1),
                                      gen_i32(rng, depth - 1))
    if r < 0.84:
        return "(%s %s %s)" % (rng.choice(I64_CMP), gen_i64(rng, depth - 1),
                               gen_i64(rng, depth - 1))
    if r < 0.9:
        return "(i32.wrap_i64 %s)" % gen_i64(rng, depth - 1)
    if r < 0.95:
        return "(%s (i32.and %s (i32.const 0xfff8)))" % (
            rng.choice(["i32.load", "i32.load8_s", "i32.load8_u", "i32.load16_s",
                        "i32.load16_u"]), gen_i32(rng, depth - 1))
    return "(local.tee 3 %s)" % gen_i32(rng, depth - 1)


def gen_i64(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.25:
        if r < 0.12:
            return "(local.get 2)"
        return "(i64.const %d)" % rng.choice([0, 1, -1, 63, 64, 1 << 32, -(1 << 63),
                                              (1 << 63) - 1, 0x123456789ABCDEF])
    if r < 0.7:
        return "(%s %s %s)" % (rng.choice(I64_BIN), gen_i64(rng, depth - 1),
                               gen_i64(rng, depth - 1))
    if r < 0.8:
        return "(i64.extend_i32_%s %s)" % (rng.choice("su"), gen_i32(rng, depth - 1))
    if r < 0.9:
        return "(%s (i32.and %s (i32.const 0xfff0)))" % (
            rng.choice(["i64.load", "i64.load32_s", "i64.load32_u", "i64.load8_s",
                        "i64.load16_u"]), gen_i32(rng, depth - 1))
    return "(i64.extend32_s %s)" % gen_i64(rng, depth - 1)


def gen_module(rng, nfuncs):
    funcs = []
    for k in range(nfuncs):
        body = []
        # a few statements: stores, local updates, a bounded loop, a branch
        for _ in range(rng.randrange(1, 4)):
            c = rng.random()
            if c < 0.3:
                body.append("(i32.store%s (i32.and %s (i32.const 0xfff8)) %s)" % (
                    rng.choice(["", "8", "16"]), gen_i32(rng, 2), gen_i32(rng, 3)))
            elif c < 0.5:
                body.append("(i64.store (i32.and %s (i32.const 0xfff0)) %s)" % (
                    gen_i32(rng, 2), gen_i64(rng, 3)))
            elif c < 0.7:
                body.append("(local.set %d %s)" % (rng.randrange(2), gen_i32(rng, 3)))
            elif c < 0.85:
                body.append(
                    "(block (loop (local.set 4 (i32.add (local.get 4) (i32.const 1)))"
                    " (local.set 0 (i32.add (local.get 0) %s))"
                    " (br_if 1 (i32.ge_u (local.get 4) (i32.const %d)))"
                    " (br_if 0 %s)))" % (gen_i32(rng, 2), rng.randrange(1, 20),
                                         gen_i32(rng, 2)))
            else:
                body.append("(if (result i32) %s (then %s) (else %s)) (local.set 1)" % (
                    gen_i32(rng, 2), gen_i32(rng, 3), gen_i32(rng, 3)))
        body.append("(i64.add (i64.extend_i32_u %s) (i64.shl %s (i64.const 7)))" % (
            gen_i32(rng, 4), gen_i64(rng, 3)))
        funcs.append('(func (export "f%d") (param i32 i32 i64) (result i64) '
                     "(local i32 i32)\n  %s)" % (k, "\n  ".join(body)))
    return "(module (memory 1)\n%s)\n" % "\n".join(funcs)


@pytest.mark.parametrize("seed", range(6))
def test_generated_modules(tmp_path, seed):
    rng = random.Random(seed)
    path = wat(tmp_path, gen_module(rng, 6))
    calls = []
    for k in range(6):
        for _ in range(6):
            calls.append(("f%d" % k, [rng.choice(CONSTS + [rng.getrandbits(32)]),
                                      rng.choice(CONSTS + [rng.getrandbits(32)]),
                                      rng.getrandbits(64)]))
    assert_same(run_both(path, calls))


# -- traps, limits -----------------------------------------------------------------

TRAPS = r"""
(module
  (memory 1 3)
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "divu") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "ld") (param i32) (result i32) (i32.load offset=2 (local.get 0)))
  (func (export "ld64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "st16") (param i32) (i32.store16 offset=1 (local.get 0) (i32.const 7)))
  (func (export "far") (param i32) (result i32) (i32.load offset=0x7fffffff (local.get 0)))
  (func (export "unr") (unreachable))
  ;; i32.add of a constant fused into the address: the sum wraps at 32 bits
  (func (export "ldadd") (param i32) (result i32)
    (i32.load offset=4 (i32.add (local.get 0) (i32.const 8))))
  (func (export "ld8add") (param i32) (result i32)
    (i32.load8_u (i32.add (local.get 0) (i32.const -3))))
  (func (export "stadd") (param i32 i32)
    (i32.store (i32.add (local.get 0) (i32.const 16)) (local.get 1)))
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))
      (else (i32.const 0))))
  (func $inf (export "inf") (call $inf))
  (func (export "grow") (param i32) (result i32) (local i32)
    ;; grows one page per iteration and writes into each new page
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (memory.grow (i32.const 1)))
      (br_if 1 (i32.lt_s (local.get 1) (i32.const 0)))
      (i32.store (i32.mul (local.get 1) (i32.const 65536)) (local.get 1))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (i32.add (memory.size) (i32.load (i32.const 131072))))
)
"""


def test_traps_and_limits(tmp_path):
    path = wat(tmp_path, TRAPS)
    calls = [("div", [7, 0]), ("div", [0x80000000, 0xFFFFFFFF]), ("div", [-7, 2]),
             ("divu", [0xFFFFFFFF, 3]), ("divu", [5, 0]), ("rem", [0x80000000, 0xFFFFFFFF]),
             ("rem", [-7, 2]), ("ld", [65530]), ("ld", [65534]), ("ld", [0xFFFFFFFF]),
             ("ld", [65533]), ("ld64", [65528]), ("ld64", [65529]), ("st16", [65534]),
             ("st16", [65533]), ("far", [0]), ("far", [0x80000000]), ("unr", []),
             ("rec", [100]), ("rec", [100000]), ("inf", []), ("rec", [5]),
             ("grow", [5]), ("ld", [100000]), ("grow", [5]),
             ("stadd", [0xFFFFFFF0, 0x12345678]), ("ldadd", [0xFFFFFFF4]), ("ldadd", [0]),
             ("ldadd", [0xFFFFFFF0]), ("ldadd", [0x7FFFFFF8]), ("ld8add", [3]),
             ("ld8add", [2]), ("stadd", [0xFFFFFFFF, 1]), ("stadd", [1, 0xABCDEF01]),
             ("ldadd", [0xFFFFFFF9])]
    lines = run_both(path, calls)
    assert_same(lines)
    out = "\n".join(lines)
    for msg in ("integer divide by zero", "integer overflow",
                "out of bounds memory access", "unreachable", "call stack exhausted"):
        assert "trap " + msg in out
    # after the traps the instance still works, memory grew to the limit
    assert lines[21].endswith("[5] [5]")
    assert lines[22].endswith("[5] [5]")
    # the wrapped address 0xfffffff0 + 16 = 0 is in bounds on both tiers
    assert lines[30] == "ld8add [3] [120] [120]"
    assert lines[26].endswith("trap out of bounds memory access")


FUEL = r"""
(module
  (func (export "spin") (loop (br 0)))
  (func $f (param i32) (result i32) (local.get 0))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (call $f (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))
    (local.get 1)))
"""


def test_fuel(tmp_path):
    path = wat(tmp_path, FUEL)
    out = check_mp(
        "import wamr_mpy\n"
        "data = open(%r, 'rb').read()\n"
        "for tier in ('interp', 'fast'):\n"
        "    i = wamr_mpy.load(data).instantiate(tier=tier)\n"
        "    i.set_fuel(10000)\n"
        "    try:\n"
        "        i.call('spin')\n"
        "        print('no trap')\n"
        "    except wamr_mpy.Trap as e:\n"
        "        print(tier, e.message, i.fuel)\n"
        "    i.set_fuel(1000)\n"
        "    print(tier, i.call('count', 100), i.fuel)\n"
        "    i.set_fuel(3 * 2**30)\n"
        "    print(tier, i.call('count', 1000), i.fuel)\n"
        "    i.set_fuel(None)\n"
        "    print(tier, i.call('count', 300), i.fuel)\n" % path)
    lines = out.strip().splitlines()
    assert lines[0] == "interp out of fuel 0"
    assert lines[4] == "fast out of fuel 0"
    for k in (1, 2, 3):   # same results and the same fuel left on both tiers
        assert lines[k].split(" ", 1)[1] == lines[k + 4].split(" ", 1)[1]
    assert lines[5] == "fast 5050 801"     # 100 calls + 99 back-edges
    assert lines[7] == "fast 45150 None"


HOST = r"""
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "fl" (func $fl (param f64 i64) (result f64)))
  (memory (export "mem") 1)
  (func $fact (export "fact") (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get 0) (call $cb (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $g))
    (global.get $g))
  (func (export "fl") (result f64) (call $fl (f64.const 1.5) (i64.const -3)))
)
"""


def test_host_calls_reenter_wasm(tmp_path):
    """A host function that calls back into the instance (fact -> cb ->
    fact ...), with pass_instance, a shared mutable global and floats."""
    path = wat(tmp_path, HOST)
    out = check_mp(
        "import wamr_mpy\n"
        "data = open(%r, 'rb').read()\n"
        "for tier in ('interp', 'fast'):\n"
        "    g = wamr_mpy.Global('i', 40, mutable=True)\n"
        "    def cb(inst, n):\n"
        "        inst.memory.grow(1)\n"
        "        return inst.call('fact', n)\n"
        "    imp = {'env': {'cb': wamr_mpy.HostFunc(cb, 'i', 'i', pass_instance=True),\n"
        "                   'g': g,\n"
        "                   'fl': wamr_mpy.HostFunc(lambda x, y: x * y, 'FI', 'F')}}\n"
        "    i = wamr_mpy.load(data).instantiate(imports=imp, tier=tier)\n"
        "    print(tier, i.call('fact', 10), i.memory.size, i.call('bump'),\n"
        "          g.value, i.memory.data[0], i.call('fl'))\n"
        "    i = None\n" % path, heapsize="8M")
    lines = out.strip().splitlines()
    assert lines[0] == "interp 3628800 10 41 41 41 -4.5"
    assert lines[1] == "fast 3628800 10 41 41 41 -4.5"


CROSS_A = r"""
(module
  (memory (export "mem") 1)
  (global (export "g") (mut i64) (i64.const -5))
  (table (export "tab") 2 funcref)
  (func $sq (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (elem (i32.const 0) $sq)
  (func (export "peek") (result i32) (i32.load (i32.const 8))))
"""
CROSS_B = r"""
(module
  (import "a" "mem" (memory 1))
  (import "a" "g" (global $g (mut i64)))
  (import "a" "tab" (table 2 funcref))
  (import "a" "sq" (func $sq (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (elem (i32.const 1) $neg)
  (func (export "run") (param i32) (result i32)
    (global.set $g (i64.add (global.get $g) (i64.extend_i32_s (local.get 0))))
    (i32.store (i32.const 8) (call $sq (local.get 0)))
    (i32.add (call_indirect (type $t) (local.get 0) (i32.const 0))
             (call_indirect (type $t) (local.get 0) (i32.const 1)))))
"""


@pytest.mark.parametrize("tiers", [("interp", "fast"), ("fast", "interp"), ("fast", "fast")])
def test_calls_between_instances_and_tiers(tmp_path, tiers):
    a = wat(tmp_path, CROSS_A, "a")
    b = wat(tmp_path, CROSS_B, "b")
    out = check_mp(
        "import wamr_mpy\n"
        "A = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier=%r)\n"
        "B = wamr_mpy.load(open(%r, 'rb').read()).instantiate(imports={'a': A.exports},"
        " tier=%r)\n"
        "print(B.call('run', 7), A.call('peek'), A.exports['g'].value)\n"
        "print(A.exports['tab'].get(1)(5))\n" % (a, tiers[0], b, tiers[1]))
    assert out.split() == ["42", "49", "2", "-5"]


FALLBACK_WAT = """(module
  (memory 1)
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $fill $twice)
  (func $fill (param $n i32) (result i32)
    (memory.fill (i32.const 100) (local.get $n) (i32.const 8))
    (i32.add (i32.load (i32.const 104)) (call $twice (local.get $n))))
  (func $twice (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
  (func (export "direct") (param i32) (result i32)
    (i32.add (call $fill (local.get 0)) (call $fill (i32.const 1))))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 0)))
  (func (export "fill") (param i32) (result i32) (call $fill (local.get 0))))
"""


def test_function_the_emitter_does_not_compile_runs_on_the_interpreter(tmp_path):
    """A function with an instruction the fast emitter does not compile
    (here memory.fill, its handler removed) runs on the portable
    interpreter, entered from Python, by call and by call_indirect; the rest
    of the module stays on the fast tier."""
    path = wat(tmp_path, FALLBACK_WAT)
    out = check_mp(
        "import wamr_mpy\nfrom wamr_mpy import interp_fast_ext as X, interp_fast_run as R\n"
        "del X._SPECIAL[0xFC0B]\n"
        "data = open(%r, 'rb').read()\n"
        "ref = wamr_mpy.load(data).instantiate(tier='interp')\n"
        "inst = wamr_mpy.load(data).instantiate(tier='fast')\n"
        "for name, arg in (('direct', 3), ('indirect', 5), ('fill', 7), ('direct', 9)):\n"
        "    print(inst.call(name, arg) == ref.call(name, arg), end=' ')\n"
        "ent = inst._fx.prog.ent\n"
        "print(ent[0] == R.INTERP, ent[1] >= 0, ent[2] >= 0)\n" % path)
    assert out.split() == ["True"] * 7, out


GLOBALS_WAT = """(module
 (import "env" "cb" (func $cb (param i32)))
 (memory 1)
 (global $h (mut i64) (i64.const 0x0123456789ABCDEF))
 (global $x (mut f64) (f64.const 1.5))
 (global $s (mut f32) (f32.const 0.25))
 (global $i (mut i32) (i32.const -1))
 (global $k i64 (i64.const 0x100000001B3))
 (global $e (export "e") (mut i64) (i64.const 7))
 ;; the interpreter runs this one (memory.fill's handler removed)
 (func $slow (param i32)
  i32.const 0 i32.const 0 local.get 0 memory.fill
  global.get $h i64.const 1 i64.add global.set $h
  global.get $x f64.const 2 f64.mul global.set $x)
 (func (export "step") (param $n i32) (result i64)
  (block (loop
   local.get $n i32.eqz br_if 1
   global.get $h global.get $k i64.mul i64.const 23 i64.rotl global.set $h
   global.get $x f64.const 1.25 f64.mul f64.sqrt global.set $x
   global.get $s global.get $x f32.demote_f64 f32.add global.set $s
   global.get $i i32.const 0x5bd1e995 i32.mul global.set $i
   global.get $e global.get $h i64.xor global.set $e
   local.get $n i32.const 3 i32.and i32.eqz
   if local.get $n call $slow end
   local.get $n i32.const 5 i32.and i32.eqz
   if local.get $n call $cb end
   local.get $n i32.const 1 i32.sub local.set $n
   br 0))
  global.get $h global.get $x i64.reinterpret_f64 i64.xor
  global.get $s i32.reinterpret_f32 global.get $i i32.xor i64.extend_i32_u i64.xor)
 (func (export "h") (result i64) global.get $h)
 (func (export "boom") (param i32) (result i32)
  i64.const 99 global.set $h
  local.get 0 i32.const 0 i32.div_s))
"""


def test_globals_of_the_instance_live_in_cells(tmp_path):
    """Globals no other instance sees live in the fast tier's cells (no
    object per global.get/set): their values reach the interpreter running
    a function of the same instance, a host function calling back into the
    instance, the next call and a trap's aftermath as on the interp tier."""
    path = wat(tmp_path, GLOBALS_WAT)
    out = check_mp(
        "import wamr_mpy\nfrom wamr_mpy import interp_fast_ext as X\n"
        "del X._SPECIAL[0xFC0B]\n"
        "data = open(%r, 'rb').read()\n"
        "def inst(tier):\n"
        "    box = []\n"
        "    def cb(n):\n"
        "        box.append(box[0].call('h'))\n"
        "    i = wamr_mpy.load(data).instantiate(tier=tier, imports={'env': {'cb': cb}})\n"
        "    box.append(i)\n"
        "    return i, box\n"
        "def go(tier):\n"
        "    i, box = inst(tier)\n"
        "    r = [i.call('step', 40), i.call('step', 7)]\n"
        "    try:\n"
        "        i.call('boom', 1)\n"
        "    except wamr_mpy.Trap as e:\n"
        "        r.append(str(e))\n"
        "    r += [i.call('h'), i.exports['e'].value, box[1:], [g.value for g in i.globals]]\n"
        "    return r\n"
        "a = go('interp')\n"
        "b = go('fast')\n"
        "print(a == b, len(a[5]) > 10, b[0] != b[1])\n"
        "if a != b:\n"
        "    print(a)\n"
        "    print(b)\n" % path)
    assert out.split() == ["True"] * 3, out


def test_fallback_without_viper():
    """A port without the native emitter rejects @micropython.viper when it
    compiles interp_fast_loop (SyntaxError): interp_fast must then report
    AVAILABLE = False and run on the portable interpreter."""
    exp = json.load(open(os.path.join(WORKLOADS, "expected.json")))["crc32"]
    out = check_mp(
        "import builtins\n"
        "real = builtins.__import__\n"
        "def imp(name, *a):\n"
        "    if 'interp_fast_loop' in name or any(\n"
        "            isinstance(x, (tuple, list)) and 'interp_fast_loop' in x for x in a):\n"
        "        raise SyntaxError('invalid micropython decorator')\n"
        "    return real(name, *a)\n"
        "builtins.__import__ = imp\n"
        "import wamr_mpy\n"
        "from wamr_mpy import interp_fast\n"
        "builtins.__import__ = real\n"
        "i = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier='fast')\n"
        "print(interp_fast.AVAILABLE, i.call('run', %d) & 0xffffffff,"
        " getattr(i, '_fx', None))\n"
        % (os.path.join(WORKLOADS, exp["file"]), exp["small_n"]))
    assert out.split() == ["False", str(exp["small_checksum"]), "None"]


def test_config_can_leave_the_tier_out():
    out = check_mp("from wamr_mpy import interp_fast\nprint(interp_fast.AVAILABLE)",
                   env={"WAMR_CONFIG": "TIER_FAST=0"})
    assert out.strip() == "False"


SMALL_HEAP = r"""
import gc, sys
sys.path.insert(0, %r)
import wamr_mpy
from wamr_mpy import instance, interp_fast
mod = wamr_mpy.load(%r)
inst = mod.instantiate(stack_size=4096, memory_limit=8192, tier='fast')
print(interp_fast.AVAILABLE, inst.call('run', %d) & 0xffffffff, inst._fx is not None)
gc.collect()
print(gc.mem_free())
"""


def test_crc32_runs_in_192k_heap(mpy_runtime):
    """The CRC32 benchmark at full size on the fast tier inside an
    RP2040-class heap (-X heapsize=192K; objects are twice a board's size
    here).  CRC32 touches the first 6 KiB of its one page, so the page is
    allocated in part (memory_limit), as an embedder on a board would."""
    exp = json.load(open(os.path.join(WORKLOADS, "expected.json")))["crc32"]
    env = dict(os.environ)
    env.pop("MICROPYPATH", None)
    r = subprocess.run([MICROPYTHON, "-X", "heapsize=192K", "-c", SMALL_HEAP % (
        mpy_runtime, os.path.join(WORKLOADS, exp["file"]), exp["n"])],
        capture_output=True, timeout=300, env=env, cwd=mpy_runtime)
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    lines = out.split("\n")
    assert lines[0].split() == ["True", str(exp["checksum"]), "True"]


# -- invariants ------------------------------------------------------------------------

def test_loop_opcodes_match_emitter():
    """interp_fast_loop repeats the opcode numbers of interp_fast_ops as
    private const()s."""
    def consts(path, prefix):
        out = {}
        for m in re.finditer(r"^%s([A-Z0-9_]+) = const\((\d+)\)" % prefix,
                             open(path).read(), re.M):
            out[m.group(1)] = int(m.group(2))
        return out
    ops = consts(os.path.join(ROOT, "wamr_mpy", "interp_fast_ops.py"), "")
    loop = consts(os.path.join(ROOT, "wamr_mpy", "interp_fast_loop.py"), "_")
    assert loop.pop("W64") == 1         # the word-size switch tools/build sets
    assert len(ops) > 100
    assert ops == loop


def test_python_side_frames_fit_on_the_c_stack():
    """Functions the loop calls per instruction keep their frame within 11
    slots and without try blocks (a heap frame makes each call ~50x slower
    once floats are allocated too)."""
    path = os.path.join(ROOT, "wamr_mpy", "interp_fast_ext.py")
    r = subprocess.run([MICROPYTHON, "-v", "-v", path], capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    sizes = {}
    name = state = None
    for line in out.splitlines():
        if "code block '" in line:
            name = line.split("code block '")[1].split("'")[0]
        elif line.startswith("(N_STATE "):
            state = int(line.split()[1].rstrip(")"))
        elif line.startswith("(N_EXC_STACK ") and name:
            sizes[name] = (state, int(line.split()[1].rstrip(")")))
    if not sizes:
        pytest.skip("this micropython build prints no bytecode dump")
    hot = ("rd_i32", "wr_i32", "rd_i64", "wr_i64", "rd_ref", "wr_ref", "rd_f32",
           "wr_f32", "rd_f64", "wr_f64")
    assert "rd_i64" in sizes
    big = dict((n, s) for n, s in sizes.items()
               if n in hot and (s[0] > 11 or s[1] > 0))
    assert big == {}


def test_precomputed_layout_table():
    out = check_mp("from wamr_mpy import interp_fast_emit\n"
                   "t = interp_fast_emit._layouts()\n"
                   "print(bytes(t[:len(interp_fast_emit.layout())]) == interp_fast_emit.layout(),"
                   " max(i for i in range(256) if t[2 * i]) * 2 + 2 == len(interp_fast_emit.layout()))")
    assert out.split() == ["True", "True"]


def test_many_constants(tmp_path):
    """More constants than the frame's constant area holds (they are then
    stored by CONST instructions)."""
    body = "".join("(local.set 0 (i64.add (local.get 0) (i64.const %d)))"
                   "(local.set 1 (i32.xor (local.get 1) (select (i32.const %d) (i32.const %d)"
                   " (i32.wrap_i64 (local.get 0)))))" % (k * 0x10000000F, k * 7919, -k)
                   for k in range(1, 90))
    path = wat(tmp_path, '(module (func (export "f") (param i64 i32) (result i64)'
                         ' %s (i64.add (local.get 0) (i64.extend_i32_u (local.get 1)))))'
               % body)
    assert_same(run_both(path, [("f", [3, 5]), ("f", [-1, 0]), ("f", [1 << 40, -7])]))
