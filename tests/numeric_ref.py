"""Reference tables for the numeric layer (CPython only).

Expected results come from wasmtime (PyPI `wasmtime`): one wasm module
exports, per op, a batch function that reads operand bit patterns from
memory, reinterprets them inside wasm (so NaN bits are exact), applies the op
and stores the result bits.  A trap ends a batch; the driver records it for
the case being run (the batch writes the case index to memory first) and
resumes after it.

Tables are written in the line format read by tests/numeric_check.py, which
runs under MicroPython.  NaN results are turned into the spec's property
("N" canonical / "A" arithmetic) for the ops whose NaN result the spec
leaves open; abs/neg/copysign/reinterpret keep exact bits.
"""
import json
import os
import random
import struct

# ------------------------------------------------------------------ ops
# name -> (param types, result type, nan rule); nan rule "n" = spec NaN
# propagation (nans{...}), "x" = exact bits, None = integer result.
OPS = {}


def _op(name, params, result, rule=None):
    OPS[name] = (tuple(params), result, rule)


for P in ("f32", "f64"):
    for o in ("add", "sub", "mul", "div", "min", "max"):
        _op(P + "_" + o, (P, P), P, "n")
    _op(P + "_copysign", (P, P), P, "x")
    for o in ("abs", "neg"):
        _op(P + "_" + o, (P,), P, "x")
    for o in ("ceil", "floor", "trunc", "nearest", "sqrt"):
        _op(P + "_" + o, (P,), P, "n")
    for o in ("eq", "ne", "lt", "gt", "le", "ge"):
        _op(P + "_" + o, (P, P), "i32")
for I in ("i32", "i64"):
    for P in ("f32", "f64"):
        for s in ("s", "u"):
            _op("%s_trunc_%s_%s" % (I, P, s), (P,), I)
            _op("%s_trunc_sat_%s_%s" % (I, P, s), (P,), I)
            _op("%s_convert_%s_%s" % (P, I, s), (I,), P, "x")
_op("f32_demote_f64", ("f64",), "f32", "n")
_op("f64_promote_f32", ("f32",), "f64", "n")
_op("i32_reinterpret_f32", ("f32",), "i32")
_op("i64_reinterpret_f64", ("f64",), "i64")
_op("f32_reinterpret_i32", ("i32",), "f32", "x")
_op("f64_reinterpret_i64", ("i64",), "f64", "x")
for I in ("i32", "i64"):
    for o in ("mul", "div_s", "div_u", "rem_s", "rem_u", "shl", "shr_s",
              "shr_u", "rotl", "rotr", "lt_u", "gt_u", "le_u", "ge_u"):
        _op(I + "_" + o, (I, I), "i32" if o[-2:] == "_u" and o[0] in "lg" else I)
    for o in ("clz", "ctz", "popcnt", "extend8_s", "extend16_s"):
        _op(I + "_" + o, (I,), I)
_op("i64_extend32_s", ("i64",), "i64")
_op("i64_extend_i32_s", ("i32",), "i64")
_op("i64_extend_i32_u", ("i32",), "i64")
_op("i32_wrap_i64", ("i64",), "i32")

WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
TRAPPING = set(n for n in OPS if "_div_" in n or "_rem_" in n
               or ("_trunc_" in n and "_sat_" not in n))


def _wasm_name(name):
    return name.replace("_", ".", 1)


def _load(t, off):
    w = "i64.load offset=%d" % off
    if t == "i32":
        return "(i32.wrap_i64 (%s (local.get $p)))" % w
    if t == "i64":
        return "(%s (local.get $p))" % w
    if t == "f32":
        return "(f32.reinterpret_i32 (i32.wrap_i64 (%s (local.get $p))))" % w
    return "(f64.reinterpret_i64 (%s (local.get $p)))" % w


def _result(t, expr):
    if t == "i32":
        return "(i64.extend_i32_u %s)" % expr
    if t == "i64":
        return expr
    if t == "f32":
        return "(i64.extend_i32_u (i32.reinterpret_f32 %s))" % expr
    return "(i64.reinterpret_f64 %s)" % expr


# memory layout: [0] index of the case being run; cases from 16, 24 bytes
# each (two operand slots and a result slot, all i64).
CASE0 = 16


def module_wat(names):
    out = ['(module (memory (export "mem") %d)' % 1]
    for n in names:
        params, res, _ = OPS[n]
        args = " ".join(_load(t, 8 * i) for i, t in enumerate(params))
        expr = "(%s %s)" % (_wasm_name(n), args)
        out.append(
            '(func (export "%s") (param $i i32) (param $n i32) (local $p i32)\n'
            ' (block $done (loop $next\n'
            '  (br_if $done (i32.ge_u (local.get $i) (local.get $n)))\n'
            '  (i32.store (i32.const 0) (local.get $i))\n'
            '  (local.set $p (i32.add (i32.const %d) (i32.mul (local.get $i) (i32.const 24))))\n'
            '  (i64.store offset=16 (local.get $p) %s)\n'
            '  (local.set $i (i32.add (local.get $i) (i32.const 1)))\n'
            '  (br $next))))' % (n, CASE0, _result(res, expr)))
    out.append(")")
    return "\n".join(out)


_TRAP_MESSAGES = ("integer divide by zero", "integer overflow",
                  "invalid conversion to integer")


class Reference:
    """wasmtime instance exporting a batch function per op in OPS."""

    def __init__(self, names=None):
        import wasmtime
        self.wasmtime = wasmtime
        self.names = sorted(names or OPS)
        self.store = wasmtime.Store()
        module = wasmtime.Module(self.store.engine, module_wat(self.names))
        self.inst = wasmtime.Instance(self.store, module, [])
        ex = self.inst.exports(self.store)
        self.mem = ex["mem"]
        self.funcs = dict((n, ex[n]) for n in self.names)

    def run(self, name, cases):
        """cases: list of operand tuples (unsigned bit patterns).  Returns a
        list of unsigned result bits or trap message strings."""
        s, mem = self.store, self.mem
        need = CASE0 + 24 * len(cases)
        page = 65536
        have = mem.size(s) * page
        if need > have:
            mem.grow(s, (need - have + page - 1) // page)
        buf = bytearray(24 * len(cases))
        for i, c in enumerate(cases):
            for j, v in enumerate(c):
                struct.pack_into("<Q", buf, 24 * i + 8 * j, v & 0xffffffffffffffff)
        mem.write(s, buf, CASE0)
        res = [None] * len(cases)
        f = self.funcs[name]
        i = 0
        while i < len(cases):
            try:
                f(s, i, len(cases))
                break
            except self.wasmtime.Trap as e:
                k = struct.unpack("<I", mem.read(s, 0, 4))[0]
                text = str(e)
                msg = [m for m in _TRAP_MESSAGES if m in text]
                assert len(msg) == 1, text
                res[k] = msg[0]
                i = k + 1
        out = mem.read(s, CASE0, CASE0 + 24 * len(cases))
        rw = WIDTH[OPS[name][1]]
        for i in range(len(cases)):
            if res[i] is None:
                v = struct.unpack_from("<Q", out, 24 * i + 16)[0]
                res[i] = v & ((1 << rw) - 1)
        return res


# --------------------------------------------------------------- inputs

def d2u(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f2u(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f32_specials():
    s = [0, 1, 2, 3, 0x7fffff, 0x7ffffe, 0x400000, 0x400001, 0x800000, 0x800001,
         0x7f7fffff, 0x7f7ffffe, 0x7f000000, 0x7f800000,
         0x7fc00000, 0x7fa00000, 0x7f800001, 0x7fffffff, 0x7fc00001, 0x7fe12345,
         0x33800000, 0x33800001, 0x34000000, 0x0c000000, 0x00ffffff, 0x3effffff,
         0x3f7fffff, 0x3f800001, 0x4affffff, 0x4b000000, 0x4b000001, 0x4b7fffff,
         0x4b800000, 0x4effffff, 0x4f000000, 0x4f000001, 0x4f7fffff, 0x4f800000,
         0x5effffff, 0x5f000000, 0x5f000001, 0x5f7fffff, 0x5f800000, 0x40490fdb,
         0x1f800000, 0x60000000]
    for x in (0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.5, 0.75, 1e-3, 10.0, 1e10, 1e30,
              3.4e38, 1e-40, 8388607.5, 8388608.5, 2147483647.0, 2147483520.0,
              4294967040.0, 1.0 / 3, 6.1e-5, 1e-38):
        s.append(f2u(x))
    s += [u | 0x80000000 for u in s]
    return sorted(set(s))


def _f64_specials():
    s = [0, 1, 2, 0xfffffffffffff, 0x8000000000000, 0x10000000000000,
         0x10000000000001, 0x7fefffffffffffff, 0x7feffffffffffffe, 0x7ff0000000000000,
         0x7ff8000000000000, 0x7ff4000000000000, 0x7ff0000000000001,
         0x7fffffffffffffff, 0x7ff8000000000001, 0x7ffc000012345678,
         0x7ff8000020000000, 0x7ff0000020000000, 0x7ff000001fffffff,
         0x3fdfffffffffffff, 0x3fe0000000000001, 0x3fefffffffffffff,
         0x3ff0000000000001, 0x432fffffffffffff, 0x4330000000000000,
         0x4330000000000001, 0x433fffffffffffff, 0x4340000000000000,
         0x41dfffffffffffff, 0x41e0000000000000, 0x41e0000000000001,
         0x41efffffffffffff, 0x41f0000000000000, 0x41f0000000000001,
         0x43dfffffffffffff, 0x43e0000000000000, 0x43e0000000000001,
         0x43efffffffffffff, 0x43f0000000000000, 0x43f0000000000001,
         0x47efffffe0000000, 0x47effffff0000000, 0x47efffffefffffff,
         0x47effffff0000001, 0x47f0000000000000, 0x36a0000000000000,
         0x3690000000000000, 0x3690000000000001, 0x368fffffffffffff,
         0x36a8000000000000, 0x3680000000000000, 0x380fffffffffffff,
         0x3810000000000000, 0x380ffffff0000000, 0x380fffffe0000000,
         0x3ff0000010000000, 0x3ff0000030000000, 0x3ff0000010000001,
         0x400921fb54442d18, 0x2000000000000000, 0x6000000000000000]
    for x in (0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.5, 0.75, 1e-3, 10.0, 1e10, 1e300,
              1e-310, 4503599627370495.5, 4503599627370496.5, 2147483647.5,
              2147483648.5, 2147483647.0, 4294967295.5, 4294967295.0,
              4294967296.5, 1.0 / 3, 1e-308, 9007199254740993.0, 2147483649.0):
        s.append(d2u(x))
    s += [u | 0x8000000000000000 for u in s]
    s += [d2u(-2147483648.5), d2u(-2147483648.9), d2u(-2147483649.0), d2u(-0.9999)]
    return sorted(set(s))


def _int_specials(w):
    m = (1 << w) - 1
    s = set([0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256,
             0x7fff, 0x8000, 0xffff, 0x10000, 0x12345678, 0xdeadbeef,
             1 << (w - 1), (1 << (w - 1)) - 1, (1 << (w - 1)) + 1])
    for k in range(0, w, 5):
        s.add(1 << k)
        s.add((1 << k) - 1)
    # values that are halfway/close cases for int -> float
    for k in (24, 25, 31, 32, 53, 54, 55, 62, 63):
        if k < w:
            base = 1 << k
            for d in (1, 2, 3, 0x80, 0x81, 0x7f, 0x100, 0x180, 0x400, 0x401, 0x800,
                      0x801, 0xc00):
                s.add((base + d) & m)
                s.add((base - d) & m)
            # 24-bit and 53-bit halfway with sticky bits far below
            s.add(((0xffffff << (k - 23)) | (1 << (k - 24))) & m)
            s.add(((0xffffff << (k - 23)) | (1 << (k - 24)) | 1) & m)
    s |= set((-x) & m for x in list(s))
    return sorted(s)


def _rand_float(r, t):
    """Random bit pattern with a spread of exponents and mantissa shapes."""
    if t == "f32":
        E, MB = 8, 23
    else:
        E, MB = 11, 52
    k = r.random()
    sign = r.getrandbits(1) << (E + MB)
    if k < 0.3:
        return r.getrandbits(E + MB + 1)
    e = r.randrange(0, (1 << E) - 1)
    if k < 0.5:
        # few mantissa bits: exact results, ties
        m = r.getrandbits(r.randrange(1, 8)) << r.randrange(0, MB - 7)
    elif k < 0.6:
        # near-integer values
        bias = (1 << (E - 1)) - 1
        e = bias + r.randrange(-2, MB + 12)
        m = r.getrandbits(MB)
    else:
        m = r.getrandbits(MB)
    return sign | (e << MB) | (m & ((1 << MB) - 1))


def _near_pair(r, t, a):
    """An operand near a in exponent (cancellation and sticky-bit cases)."""
    MB = 23 if t == "f32" else 52
    E = 8 if t == "f32" else 11
    e = (a >> MB) & ((1 << E) - 1)
    d = r.choice((0, 0, 1, 1, 2, 3, r.randrange(4, MB + 8), r.randrange(0, 70)))
    e2 = min(max(e - d if r.random() < 0.7 else e + d, 0), (1 << E) - 2)
    m = r.getrandbits(MB)
    if r.random() < 0.3:
        m = (a & ((1 << MB) - 1)) ^ (1 << r.randrange(0, MB))
    return (r.getrandbits(1) << (E + MB)) | (e2 << MB) | m


def inputs(t, r, n_random):
    if t == "f32":
        sp = _f32_specials()
    elif t == "f64":
        sp = _f64_specials()
    else:
        sp = _int_specials(WIDTH[t])
    vals = list(sp)
    for _ in range(n_random):
        if t[0] == "f":
            vals.append(_rand_float(r, t))
        else:
            w = WIDTH[t]
            k = r.random()
            if k < 0.4:
                vals.append(r.getrandbits(w))
            else:
                v = r.getrandbits(r.randrange(1, w + 1))
                vals.append(v if r.random() < 0.5 else (-v) & ((1 << w) - 1))
    return sp, vals


_CORE = {
    "f32": [0, 1, 0x7fffff, 0x800000, 0x3f000000, 0x3f800000, 0x3fc00000,
            0x40200000, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7fa00000,
            0x7fc00001, 0x4b000000, 0x4f000000, 0x33800000, 0x40490fdb],
    "f64": [0, 1, 0xfffffffffffff, 0x10000000000000, 0x3fe0000000000000,
            0x3ff0000000000000, 0x3ff8000000000000, 0x4004000000000000,
            0x7fefffffffffffff, 0x7ff0000000000000, 0x7ff8000000000000,
            0x7ff4000000000000, 0x7ff8000000000001, 0x4330000000000000,
            0x43e0000000000000, 0x3ca0000000000000, 0x400921fb54442d18],
}


def _core(t):
    if t in _CORE:
        sb = 1 << (WIDTH[t] - 1)
        return _CORE[t] + [u | sb for u in _CORE[t]]
    w = WIDTH[t]
    m = (1 << w) - 1
    c = [0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0x7fff, 0x8000, 0x10000,
         0x12345678, (1 << (w - 1)) - 1, (1 << (w - 1)) - 2]
    return c + [(-x) & m for x in c if x]


def cases_for(name, seed=1, scale=1.0):
    """Operand tuples for op `name` (deterministic for a seed): every special
    value for unary ops; for binary ops all pairs of a core set, each special
    against random values, pairs with nearby exponents (cancellation, sticky
    bits) and random pairs."""
    params = OPS[name][0]
    r = random.Random("%s/%d" % (name, seed))
    nr = int(600 * scale)
    t = params[0]
    sp, vals = inputs(t, r, nr * (2 if len(params) == 1 else 1))
    if len(params) == 1:
        return [(v,) for v in vals]
    core = _core(t)
    out = [(a, b) for a in core for b in core]
    for a in sp:
        for _ in range(1 if len(sp) > 200 else 2):
            b = r.choice(vals)
            out.append((a, b))
            out.append((b, a))
    w = WIDTH[t]
    for _ in range(int(1200 * scale)):
        a = r.choice(vals)
        if t[0] == "f":
            b = _near_pair(r, t, a)
        else:
            k = r.random()
            if k < 0.3:
                b = r.randrange(0, 2 * w + 3)      # shift counts
            elif k < 0.6:
                b = r.getrandbits(r.randrange(1, 12))
                if r.random() < 0.5:
                    b = (-b) & ((1 << w) - 1)
            else:
                b = r.choice(vals)
        out.append((a, b))
    for _ in range(int(500 * scale)):
        out.append((r.choice(vals), r.choice(vals)))
    return out


# ------------------------------------------------------------ expectations

def _is_nan(t, u):
    if t == "f32":
        return (u & 0x7f800000) == 0x7f800000 and (u & 0x7fffff) != 0
    if t == "f64":
        return (u & 0x7ff0000000000000) == 0x7ff0000000000000 and (u & 0xfffffffffffff) != 0
    return False


def _is_canonical(t, u):
    if t == "f32":
        return (u & 0x7fffffff) == 0x7fc00000
    return (u & 0x7fffffffffffffff) == 0x7ff8000000000000


def expectation(name, args, result):
    """Table code for one case given wasmtime's result."""
    params, rt, rule = OPS[name]
    if isinstance(result, str):
        return "T" + result.replace(" ", "_")
    if rule == "n" and _is_nan(rt, result):
        nan_in = [a for t, a in zip(params, args) if _is_nan(t, a)]
        if all(_is_canonical(t, a) for t, a in zip(params, args) if _is_nan(t, a)):
            return "N"
        assert nan_in
        return "A"
    return "=%x" % result


def write_table(path, rows):
    """rows: iterable of (name, args, expect-code)."""
    seen = set()
    with open(path, "w") as f:
        for name, args, exp in rows:
            if name not in seen:
                seen.add(name)
                params, rt, _ = OPS[name]
                f.write("S %s %s -> %s\n" % (name, " ".join(params), rt))
            f.write("C %s %s %s\n" % (name, " ".join("%x" % a for a in args), exp))


def reference_rows(names, ref=None, seed=1, scale=1.0):
    ref = ref or Reference(names)
    for name in names:
        cs = cases_for(name, seed, scale)
        for args, res in zip(cs, ref.run(name, cs)):
            yield name, args, expectation(name, args, res)


# ------------------------------------------------------- spec JSON tests

SPEC_FILES = ("f32", "f64", "f32_cmp", "f64_cmp", "f32_bitwise", "f64_bitwise",
              "conversions", "float_misc", "i32", "i64", "float_literals",
              "float_memory")


def _spec_name(fname, field):
    if "." in field:
        return field.replace(".", "_")
    return fname.split("_")[0] + "_" + field


def spec_rows(spec_dir):
    """Cases from the spec's assert_return/assert_trap commands whose export
    name maps onto an op of OPS (e.g. f32.json "add" -> f32_add,
    conversions.json "i32.trunc_f32_s" -> i32_trunc_f32_s)."""
    for fname in SPEC_FILES:
        path = os.path.join(spec_dir, fname, fname + ".json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            cmds = json.load(f)["commands"]
        for c in cmds:
            if c["type"] not in ("assert_return", "assert_trap"):
                continue
            act = c["action"]
            if act["type"] != "invoke":
                continue
            name = _spec_name(fname, act["field"])
            if name not in OPS:
                continue
            params, rt, rule = OPS[name]
            argv = act["args"]
            if [a["type"] for a in argv] != list(params):
                continue
            args = [int(a["value"]) for a in argv]
            if c["type"] == "assert_trap":
                exp = "T" + c["text"].replace(" ", "_")
            else:
                e = c["expected"][0]
                if e["type"] != rt:
                    continue
                v = e["value"]
                if v == "nan:canonical":
                    exp = "N"
                elif v == "nan:arithmetic":
                    exp = "A"
                else:
                    exp = "=%x" % int(v)
            yield name, args, exp


# ------------------------------------------------------------ table files

_TABLES = {}
_TMP = []


def _tmpdir():
    if not _TMP:
        import atexit
        import shutil
        import tempfile
        d = tempfile.mkdtemp(prefix="wamr_numeric_")
        atexit.register(shutil.rmtree, d, True)
        _TMP.append(d)
    return _TMP[0]


def scale():
    """WAMR_NUMERIC_SCALE multiplies the random case counts (default 1)."""
    return float(os.environ.get("WAMR_NUMERIC_SCALE", "1"))


def table(kind, spec_dir=None):
    """Path of a table file, built once per process.  kind: "ref" (wasmtime
    on generated cases, every op of OPS) or "spec" (the spec JSON files in
    spec_dir, the tests' spec_json fixture)."""
    if kind not in _TABLES:
        path = os.path.join(_tmpdir(), kind + ".txt")
        if kind == "ref":
            rows = reference_rows(sorted(OPS), scale=scale())
        else:
            rows = list(spec_rows(spec_dir))
        write_table(path, rows)
        _TABLES[kind] = path
    return _TABLES[kind]


def interface_names(doc_path):
    """Every name of the float-module interface listed in docs/internals.md
    (P_x expanded for f32 and f64, the `...` of the saturating truncations
    filled in)."""
    import re
    text = open(doc_path).read()
    start = text.index("### The float module interface")
    block = text[text.index("```", start) + 3:]
    block = block[:block.index("```")]
    names = set()
    for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", block):
        if tok.startswith("P_"):
            names.add("f32" + tok[1:])
            names.add("f64" + tok[1:])
        elif re.match(r"[fi](32|64)_", tok):
            names.add(tok)
    for i in ("i32", "i64"):
        for p in ("f32", "f64"):
            for s in ("s", "u"):
                names.add("%s_trunc_sat_%s_%s" % (i, p, s))
    return sorted(names)


# ---------------------------------------------------------- running checks

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numeric_check.py")


def run_checker(interp, mode, table):
    """Run tests/numeric_check.py under "micropython" (the unix port, via
    tests/mp.py) or "cpython"; returns (ok, output)."""
    import subprocess
    import sys
    from mp import ROOT, run_mp
    if interp == "micropython":
        r = run_mp(script=CHECKER, args=(mode, table, "30"), timeout=900)
    else:
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT
        r = subprocess.run([sys.executable, CHECKER, mode, table, "30"],
                           capture_output=True, timeout=900, env=env)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    return r.returncode == 0 and "failed 0" in out, out


def checked_count(out):
    for line in out.splitlines():
        if line.startswith("checked "):
            return int(line.split()[1])
    return 0
