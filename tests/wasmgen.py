"""Seeded generator of random, valid WebAssembly 2.0 modules (no SIMD), in
the spirit of wasm-smith but small.  CPython only (host side of the
differential test, tests/test_differential.py).

    from wasmgen import generate
    g = generate(seed)          # a Generated: .wat (text), .exports, .calls

The text is compiled with wabt's wat2wasm or wasmtime.wat2wasm.

What a module holds (each part present or not at random):
- a few internal functions $f0.. with random signatures (params/results of
  i32 i64 f32 f64 funcref externref, multi-value) drawn from a small pool of
  types so call_indirect matches often, random locals;
- bodies built by a stack machine that tracks the operand stack and the
  control frames: nested block/loop/if/else with block types and params,
  br/br_if/br_table carrying values, return, unreachable, dead code after
  them, direct calls, call_indirect (through two funcref tables holding
  null entries and functions of other types, so type mismatches, null and
  out-of-range entries trap), select (untyped and typed), locals, globals,
  every numeric instruction, loads/stores of every width with random
  alignment and offsets near the end of memory, memory.size/grow/fill/
  copy/init, data.drop, table.get/set/size/grow/fill/copy/init, elem.drop,
  ref.null/ref.is_null/ref.func;
- constants drawn from interesting sets (0, -1, min/max ints, NaNs with
  payloads, +-0, +-inf, subnormals, values next to truncation and rounding
  boundaries);
- a memory with a max (so memory.grow results are deterministic), active
  and passive data segments; tables with active/passive/declarative
  element segments; mutable and immutable globals; sometimes a start
  function, sometimes an active segment out of bounds (instantiation trap);
- sometimes imports from "env": host functions (a fixed function of their
  arguments, see host_results in test_differential.py/diff_driver.py; some
  raise), immutable and mutable globals (also used in constant
  expressions), a memory, a table; and sometimes a second instance sharing
  them, some of whose host imports are the first instance's exports;
- "big" modules: long bodies, deep nesting, many locals/params/results,
  wide br_tables, tall operand stacks.

Exports: every internal function gets a wrapper "wN" whose params and
results are only i32/i64 (f32/f64 travel as bit patterns and are
reinterpreted inside, references become ref.is_null), so any host can
call it and compare results by bits.  Functions whose signature is
already all-integer are also exported directly as "dN".  "state" returns
every global (floats as bits; $hash, into which most computed values are
folded, first) and the table/memory sizes; "mem" is the memory.  "ops"
runs many numeric instructions on edge-case constants, "xN" one that may
trap.  Sometimes "rec" recurses without bound (call stack exhausted).

Termination is guaranteed by construction:
- every branch back to a loop is `br_if` on a counter local that is set to
  a small constant just before the loop is entered and decremented before
  each back-edge test (br and br_table never target a loop);
- every internal function starts by taking one unit of a global call
  budget ($fuel, reset by each wrapper) and returns default values when it
  is spent, so recursion (direct or through tables) is bounded;
- "rec" is not reachable from other code.

NaNs: the spec lets arithmetic produce any quiet NaN (sign and payload are
nondeterministic), so by default every arithmetic float result goes
through a canonicalization (NaN -> canonical NaN; a *signalling* NaN,
which no arithmetic may return, -> the marker value -777.0 so the bug
shows).  abs/neg/copysign/consts/loads/stores/reinterpret/select keep NaN
bits exactly and are compared exactly.
"""
import copy
import math
import random
import struct

NUM = ("i32", "i64", "f32", "f64")
REF = ("funcref", "externref")

# ---------------------------------------------------------------- constants


def _f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _neighbors(bits, width):
    mask = (1 << width) - 1
    return [(bits - 1) & mask, bits, (bits + 1) & mask]


_BOUNDS = [2.0 ** 31, 2.0 ** 32, 2.0 ** 63, 2.0 ** 64, -2.0 ** 31, -2.0 ** 63,
           -1.0, 1.0, 0.5, -0.5, 2.0 ** 24, 2.0 ** 53]

F32_SPECIAL = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000,
               0xFFC00000, 0x7FA00000, 0x7F800001, 0xFFBFFFFF, 0x7FC00001,
               0x7FFFFFFF, 0xFFFFFFFF, 0x00000001, 0x80000001, 0x007FFFFF,
               0x00800000, 0x80800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000,
               0xBF800000, 0x3F000000, 0xBF000000, 0x3FC00000, 0x40200000,
               0x40600000, 0xC0200000, 0x3EFFFFFF, 0x3F7FFFFF, 0x4B000001,
               0x34000000]
F64_SPECIAL = [0x0000000000000000, 0x8000000000000000, 0x7FF0000000000000,
               0xFFF0000000000000, 0x7FF8000000000000, 0xFFF8000000000000,
               0x7FF4000000000000, 0x7FF0000000000001, 0x7FF8000000000001,
               0xFFF7FFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0x0000000000000001,
               0x8000000000000001, 0x000FFFFFFFFFFFFF, 0x0010000000000000,
               0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x3FF0000000000000,
               0xBFF0000000000000, 0x3FE0000000000000, 0xBFE0000000000000,
               0x3FF8000000000000, 0x4004000000000000, 0xC004000000000000,
               0x3FDFFFFFFFFFFFFF, 0x4330000000000001,
               # f32 range edges for demote: max f32, max + half ulp, tiny
               0x47EFFFFFE0000000, 0x47EFFFFFEFFFFFFF, 0x47EFFFFFF0000000,
               0x36A0000000000000, 0x3690000000000000, 0x3690000000000001,
               0x380FFFFFE0000000, 0x3810000000000000, 0x3FF0000010000000,
               0x3FF0000030000000, 0x3FF0000010000001]
for _b in _BOUNDS:
    F32_SPECIAL += _neighbors(_f32_bits(_b), 32)
    F64_SPECIAL += _neighbors(_f64_bits(_b), 64)
F64_SPECIAL += [_f64_bits(2147483647.0), _f64_bits(4294967295.0),
                _f64_bits(-2147483649.0), _f64_bits(2147483647.5),
                _f64_bits(-2147483648.5)]
F32_SPECIAL = sorted(set(F32_SPECIAL))
F64_SPECIAL = sorted(set(F64_SPECIAL))

I32_SPECIAL = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 0x7F, 0x80, 0xFF,
               0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000,
               0x1000001, 0x1000003, 0x7FFFFFFF, 0x80000000, 0x80000001,
               0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFF80, 0xFFFF8000, 0xAAAAAAAA,
               0x55555555, 0x0000FFF0, 0xFFFFFFF0, 65536 - 1, 65536 - 4,
               65536 - 8, 65536 * 2 - 1, 0xFFFF0000]
I64_SPECIAL = [0, 1, 2, 31, 32, 63, 64, 65, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x100000001,
               0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000001,
               0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFF80000000,
               0xFFFFFFFF00000000, 0x0020000000000001, 0x0020000000000003,
               0x001FFFFFFFFFFFFF, 0x0000000001000001, 0x8000008000000001,
               0x7FFFFF4000000001, 0xFFFFFFFFFFFFF800, 0xAAAAAAAAAAAAAAAA,
               0x5555555555555555, 0x0123456789ABCDEF]


def f32_lit(b):
    """Exact WAT literal for f32 bit pattern b."""
    s = "-" if b >> 31 else ""
    e = (b >> 23) & 0xFF
    m = b & 0x7FFFFF
    if e == 0xFF:
        return s + ("inf" if m == 0 else "nan:0x%x" % m)
    if e == 0:
        return s + ("0x0p+0" if m == 0 else "0x0.%06xp-126" % (m << 1))
    return s + "0x1.%06xp%+d" % (m << 1, e - 127)


def f64_lit(b):
    s = "-" if b >> 63 else ""
    e = (b >> 52) & 0x7FF
    m = b & 0xFFFFFFFFFFFFF
    if e == 0x7FF:
        return s + ("inf" if m == 0 else "nan:0x%x" % m)
    if e == 0:
        return s + ("0x0p+0" if m == 0 else "0x0.%013xp-1022" % m)
    return s + "0x1.%013xp%+d" % (m, e - 1023)


def signed(v, width):
    v &= (1 << width) - 1
    return v - (1 << width) if v >> (width - 1) else v


WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}


def rand_bits(rng, t):
    """An interesting raw value (unsigned bit pattern) of numeric type t."""
    r = rng.random()
    w = WIDTH[t]
    if t in ("i32", "i64"):
        if r < 0.45:
            v = rng.choice(I32_SPECIAL if t == "i32" else I64_SPECIAL)
            if rng.random() < 0.3:
                v = -v
        elif r < 0.75:
            v = rng.randint(-20, 20)
        elif r < 0.85:
            v = 1 << rng.randrange(w)
            v += rng.choice((-1, 0, 1))
        else:
            v = rng.getrandbits(w)
        return v & ((1 << w) - 1)
    if r < 0.45:
        return rng.choice(F32_SPECIAL if t == "f32" else F64_SPECIAL)
    if r < 0.75:
        x = rng.randint(-40, 40) / rng.choice((1, 2, 4, 8, 3))
        return _f32_bits(x) if t == "f32" else _f64_bits(x)
    if r < 0.85:
        x = rng.uniform(-1e10, 1e10) if rng.random() < 0.5 else math.ldexp(
            rng.random(), rng.randint(-160, 160))
        if t == "f32":
            try:
                return _f32_bits(x)
            except OverflowError:
                return 0x7F800000
        return _f64_bits(x)
    return rng.getrandbits(w)


def const_text(t, bits):
    if t == "i32":
        return "i32.const %d" % signed(bits, 32)
    if t == "i64":
        return "i64.const %d" % signed(bits, 64)
    if t == "f32":
        return "f32.const " + f32_lit(bits)
    return "f64.const " + f64_lit(bits)


# ---------------------------------------------------------------- op tables
# (text, pops, push, flag); flag: "nan" = arithmetic float op (NaN result
# is nondeterministic), "trunc" = trapping/saturating float->int (operand
# drawn from boundary values), None otherwise.

OPS = []


def _add(text, pops, push, flag=None):
    OPS.append((text, tuple(pops), push, flag))


for _t in ("i32", "i64"):
    for _o in ("clz", "ctz", "popcnt", "extend8_s", "extend16_s"):
        _add(_t + "." + _o, [_t], _t)
    _add(_t + ".eqz", [_t], "i32")
    for _o in ("add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or",
               "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"):
        _add(_t + "." + _o, [_t, _t], _t)
    for _o in ("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"):
        _add(_t + "." + _o, [_t, _t], "i32")
_add("i64.extend32_s", ["i64"], "i64")
for _t in ("f32", "f64"):
    for _o in ("abs", "neg"):
        _add(_t + "." + _o, [_t], _t)
    for _o in ("ceil", "floor", "trunc", "nearest", "sqrt"):
        _add(_t + "." + _o, [_t], _t, "nan")
    for _o in ("add", "sub", "mul", "div", "min", "max"):
        _add(_t + "." + _o, [_t, _t], _t, "nan")
    _add(_t + ".copysign", [_t, _t], _t)
    for _o in ("eq", "ne", "lt", "gt", "le", "ge"):
        _add(_t + "." + _o, [_t, _t], "i32")
_add("i32.wrap_i64", ["i64"], "i32")
_add("i64.extend_i32_s", ["i32"], "i64")
_add("i64.extend_i32_u", ["i32"], "i64")
for _it in ("i32", "i64"):
    for _ft in ("f32", "f64"):
        for _sx in ("s", "u"):
            _add("%s.trunc_%s_%s" % (_it, _ft, _sx), [_ft], _it, "trunc")
            _add("%s.trunc_sat_%s_%s" % (_it, _ft, _sx), [_ft], _it, "sat")
            _add("%s.convert_%s_%s" % (_ft, _it, _sx), [_it], _ft)
_add("f32.demote_f64", ["f64"], "f32", "nan")
_add("f64.promote_f32", ["f32"], "f64", "nan")
_add("i32.reinterpret_f32", ["f32"], "i32")
_add("i64.reinterpret_f64", ["f64"], "i64")
_add("f32.reinterpret_i32", ["i32"], "f32")
_add("f64.reinterpret_i64", ["i64"], "f64")

OPS_BY_PUSH = {}
for _op in OPS:
    OPS_BY_PUSH.setdefault(_op[2], []).append(_op)

# (text, result type, natural size)
LOADS = [("i32.load", "i32", 4), ("i64.load", "i64", 8), ("f32.load", "f32", 4),
         ("f64.load", "f64", 8), ("i32.load8_s", "i32", 1), ("i32.load8_u", "i32", 1),
         ("i32.load16_s", "i32", 2), ("i32.load16_u", "i32", 2),
         ("i64.load8_s", "i64", 1), ("i64.load8_u", "i64", 1),
         ("i64.load16_s", "i64", 2), ("i64.load16_u", "i64", 2),
         ("i64.load32_s", "i64", 4), ("i64.load32_u", "i64", 4)]
STORES = [("i32.store", "i32", 4), ("i64.store", "i64", 8), ("f32.store", "f32", 4),
          ("f64.store", "f64", 8), ("i32.store8", "i32", 1), ("i32.store16", "i32", 2),
          ("i64.store8", "i64", 1), ("i64.store16", "i64", 2), ("i64.store32", "i64", 4)]

NAN_MARK = {"f32": _f32_bits(-777.0), "f64": _f64_bits(-777.0)}
CANON = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}
QUIET = {"f32": 0x00400000, "f64": 0x0008000000000000}


def wrap_type(t):
    """Type of the value a wrapper export passes for internal type t."""
    return {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64"}.get(t, "i32")


# ---------------------------------------------------------------- module


class Options:
    """Knobs; the defaults are what the differential test uses."""

    def __init__(self, **kw):
        self.max_funcs = 6
        self.max_budget = 45          # stack-machine actions per body
        self.max_depth = 3            # nesting of blocks
        self.max_expr = 3             # depth of operand expression trees
        self.max_loop_iters = 4       # back-edges per loop entry
        self.call_fuel = 12           # internal calls per wrapper call
        self.canon_nans = True
        self.refs = True              # ref-typed params/locals/globals
        self.memory = 0.9             # probability of a memory
        self.p_rec = 0.15             # probability of the "rec" export
        self.p_bad_segment = 0.03     # active segment out of bounds
        self.p_start = 0.15
        self.p_big = 0.15
        self.p_ops = 0.7              # the "ops" export (edge-case op checks)
        self.p_imports = 0.3          # host functions, imported globals/memory/table
        self.p_dual = 0.3             # a second instance of the module
        self.max_pages = None         # memories of at most this many pages (a board's)
        for k, v in kw.items():
            if not hasattr(self, k):
                raise TypeError("Options: unknown option %s" % k)
            setattr(self, k, v)


class Generated:
    def __init__(self, seed, wat, exports, calls, state_types):
        self.seed = seed
        self.wat = wat
        self.exports = exports          # name -> (params, results) wrapper types
        self.calls = calls              # [(name, [raw args]), ...]
        self.state_types = state_types  # result types of "state"
        self.imports = None
        self.dual = False               # run a second instance too
        self.link = {}                  # its host import -> export of the first


class ModuleGen:
    def __init__(self, seed, opts=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.o = copy.copy(opts or Options())
        # some modules are "big": long bodies, deep nesting, many locals,
        # params and results, wide br_tables, tall operand stacks
        self.big = self.rng.random() < self.o.p_big
        if self.big:
            self.o.max_budget *= 3
            self.o.max_depth += 3

    # -- module-level choices -------------------------------------------
    def rtype(self, allow_ref=True):
        r = self.rng.random()
        if allow_ref and self.o.refs and r < 0.06:
            return self.rng.choice(REF)
        return self.rng.choice(NUM)

    def generate(self):
        rng = self.rng
        o = self.o
        # signatures
        self.sigs = []
        for _ in range(rng.randint(2, 5)):
            np_ = rng.choice((0, 1, 1, 2, 2, 3, 4))
            nr = rng.choice((0, 1, 1, 1, 2, 3))
            if self.big and rng.random() < 0.5:
                np_ = rng.randint(4, 12)
                nr = rng.randint(2, 8)
            self.sigs.append((tuple(self.rtype() for _ in range(np_)),
                              tuple(self.rtype() for _ in range(nr))))
        # imports (host functions, globals, memory, table from "env")
        self.hosts = []         # (name, sig index, kind, salt)
        imp_globals = []        # (name, type, mutable, None, bits)
        importing = rng.random() < o.p_imports
        if importing:
            for i in range(rng.randint(1, 3)):
                p = tuple(rng.choice(("i32", "i64")) for _ in range(rng.randint(0, 3)))
                r = tuple(rng.choice(("i32", "i64")) for _ in range(rng.choice((0, 1, 1, 2))))
                if rng.random() < 0.5:
                    # the type of some wrapper export, so a second instance
                    # can import the first one's export here
                    p0, r0 = rng.choice(self.sigs)
                    p = tuple(wrap_type(t) for t in p0 if t in NUM)
                    r = tuple(wrap_type(t) for t in r0)
                self.sigs.append((p, r))
                self.hosts.append(("$h%d" % i, len(self.sigs) - 1,
                                   "trap" if rng.random() < 0.2 else "mix", rng.getrandbits(32)))
            for i in range(rng.randint(0, 3)):
                t = rng.choice(NUM)
                bits = rand_bits(rng, t)
                if t == "i32" and rng.random() < 0.5:
                    bits = rng.randint(0, 200)      # usable as a segment offset
                if (t == "f32" and (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF) or (
                        t == "f64" and (bits >> 52) & 0x7FF == 0x7FF and bits & (1 << 52) - 1):
                    bits = 0                        # host APIs may not keep NaN bits
                imp_globals.append(("$gi%d" % i, t, rng.random() < 0.5, None, bits))
        self.nfuncs = rng.randint(2, o.max_funcs)
        self.func_sig = [rng.randrange(len(self.sigs)) for _ in range(self.nfuncs)]
        # every function a table or call may reach: (name, sig index)
        self.callables = [(h[0], h[1]) for h in self.hosts] + [
            ("$f%d" % f, self.func_sig[f]) for f in range(self.nfuncs)]
        self.sig_of = dict(self.callables)
        # memory
        self.has_mem = rng.random() < o.memory
        self.imp_mem = False
        if self.has_mem:
            self.mem_min = rng.choice((0,) + (1,) * 14 + (2,) * 5)
            self.mem_max = self.mem_min + rng.choice((0, 1, 1, 2))
            if self.mem_max == 0:
                self.mem_max = 1
            if o.max_pages is not None:
                self.mem_min = min(self.mem_min, o.max_pages)
                self.mem_max = min(self.mem_max, o.max_pages)
            self.imp_mem = importing and rng.random() < 0.5
        # tables: T0, T1 funcref; TE externref
        self.tables = []
        for name, et in (("$T0", "funcref"), ("$T1", "funcref"), ("$TE", "externref")):
            if name == "$T0" or rng.random() < 0.5:
                lo = rng.randint(0, 6) if name != "$T0" else rng.randint(1, 8)
                hi = lo + rng.randint(0, 5)
                self.tables.append((name, et, lo, hi))
        self.ftables = [t for t in self.tables if t[1] == "funcref"]
        self.imp_table = None
        if importing and rng.random() < 0.5:
            self.imp_table = rng.choice(self.ftables)
        # globals: (name, type, mutable, init text or None if imported, bits)
        self.globals = list(imp_globals)
        for i in range(rng.randint(1, 6)):
            t = self.rtype()
            if t == "funcref":
                init = "ref.null func" if rng.random() < 0.5 else "ref.func " + self.rand_func()
            elif t == "externref":
                init = "ref.null extern"
            else:
                init = const_text(t, rand_bits(rng, t))
                gi = [g for g in imp_globals if g[1] == t and not g[2]]
                if gi and rng.random() < 0.4:
                    init = "global.get " + rng.choice(gi)[0]
            self.globals.append(("$g%d" % i, t, rng.random() < 0.75, init, None))
        # data segments: (name, mode, offset, bytes)
        self.datas = []
        if self.has_mem:
            for i in range(rng.randint(0, 4)):
                n = rng.choice((0, 1, 3, 8, 16, 33))
                data = bytes(rng.getrandbits(8) if rng.random() < 0.7 else rng.choice((0, 0xFF, 0x80, 0x7F))
                             for _ in range(n))
                if rng.random() < 0.35:
                    self.datas.append(("$d%d" % i, "passive", None, data))
                else:
                    size = self.mem_min * 65536
                    if size == 0:
                        off = 0
                        data = b"" if rng.random() > o.p_bad_segment else data
                    elif rng.random() < 0.5:
                        off = rng.randint(0, min(size - n, 300)) if size >= n else 0
                    else:
                        off = size - n - rng.randint(0, 4)
                    if rng.random() < o.p_bad_segment:
                        off = size - n + rng.randint(1, 8)
                    off = max(off, 0)
                    gi = [g for g in imp_globals if g[1] == "i32" and not g[2]
                          and g[4] + n <= size]
                    if gi and rng.random() < 0.5:
                        off = rng.choice(gi)[0]     # offset from an imported global
                    self.datas.append(("$d%d" % i, "active", off, data))
        # element segments: (name, mode, table, offset, type, items)
        self.elems = []
        if rng.random() < 0.8:
            lo = self.tables[0][2]
            items = [("ref.null func" if rng.random() < 0.1 else
                      "ref.func " + self.rand_func()) for _ in range(lo)]
            self.elems.append(("$e9", "active", self.tables[0], 0, "funcref", items))
        for i in range(rng.randint(0, 4)):
            tab = rng.choice(self.tables)
            n = rng.randint(0, 5)
            if tab[1] == "funcref":
                items = [("ref.null func" if rng.random() < 0.2 else
                          "ref.func " + self.rand_func()) for _ in range(n)]
            else:
                items = ["ref.null extern"] * n
            if rng.random() < 0.4:
                self.elems.append(("$e%d" % i, "passive", tab, None, tab[1], items))
            else:
                lo = tab[2]
                off = rng.randint(0, max(lo - n, 0))
                if n > lo:
                    items = items[:lo]
                if rng.random() < o.p_bad_segment:
                    off = lo - len(items) + rng.randint(1, 3)
                self.elems.append(("$e%d" % i, "active", tab, off, tab[1], items))
        # where active segments put functions: (table, index, function)
        self.layout = []
        for name, mode, tab, off, et, items in self.elems:
            if mode == "active":
                for i, x in enumerate(items):
                    if x.startswith("ref.func"):
                        self.layout.append((tab, off + i, self.sig_of[x.split()[1]]))
        # functions
        bodies = []
        for f in range(self.nfuncs):
            fg = FuncGen(self, f, self.sigs[self.func_sig[f]])
            bodies.append(fg.generate())
        return self.assemble(bodies)

    def rand_func(self):
        return self.rng.choice(self.callables)[0]

    # -- text ---------------------------------------------------------------
    def assemble(self, bodies):
        rng = self.rng
        o = self.o
        out = ["(module"]
        imports = {"funcs": [], "globals": [], "memory": None, "table": None}
        for i, (p, r) in enumerate(self.sigs):
            out.append("  (type $s%d (func%s%s))" % (i, _params(p), _results(r)))
        for name, sig, kind, salt in self.hosts:
            out.append('  (import "env" "%s" (func %s (type $s%d)))' % (name[1:], name, sig))
            p, r = self.sigs[sig]
            imports["funcs"].append([name[1:], list(p), list(r), kind, salt])
        for name, t, mut, init, bits in self.globals:
            if init is None:
                tt = "(mut %s)" % t if mut else t
                out.append('  (import "env" "%s" (global %s %s))' % (name[1:], name, tt))
                imports["globals"].append([name[1:], t, bits, mut])
        if self.has_mem and self.imp_mem:
            out.append('  (import "env" "mem" (memory $m %d %d))' % (self.mem_min, self.mem_max))
            out.append('  (export "mem" (memory $m))')
            imports["memory"] = [self.mem_min, self.mem_max]
        if self.imp_table:
            name, et, lo, hi = self.imp_table
            out.append('  (import "env" "tab" (table %s %d %d %s))' % (name, lo, hi, et))
            imports["table"] = [lo, hi]
        for tab in self.tables:
            if tab is not self.imp_table:
                out.append("  (table %s %d %d %s)" % (tab[0], tab[2], tab[3], tab[1]))
        if self.has_mem and not self.imp_mem:
            out.append('  (memory $m (export "mem") %d %d)' % (self.mem_min, self.mem_max))
        out.append("  (global $fuel (mut i32) (i32.const %d))" % o.call_fuel)
        out.append("  (global $hash (mut i64) (i64.const 0))")
        for name, t, mut, init, bits in self.globals:
            if init is not None:
                tt = "(mut %s)" % t if mut else t
                out.append("  (global %s %s (%s))" % (name, tt, init))
        for name, mode, off, data in self.datas:
            s = "".join("\\%02x" % b for b in data)
            if mode == "passive":
                out.append('  (data %s "%s")' % (name, s))
            elif isinstance(off, str):
                out.append('  (data %s (global.get %s) "%s")' % (name, off, s))
            else:
                out.append('  (data %s (i32.const %d) "%s")' % (name, off, s))
        for name, mode, tab, off, et, items in self.elems:
            it = " ".join("(%s)" % x for x in items)
            if mode == "passive":
                out.append("  (elem %s %s %s)" % (name, et, it))
            else:
                out.append("  (elem %s (table %s) (i32.const %d) %s %s)"
                           % (name, tab[0], off, et, it))
        out.append("  (elem declare func %s)" % " ".join(c[0] for c in self.callables))
        out.extend(bodies)
        # wrappers
        exports = {}
        calls = []
        for f in range(self.nfuncs):
            p, r = self.sigs[self.func_sig[f]]
            wp = tuple(wrap_type(t) for t in p if t in NUM)
            wr = tuple(wrap_type(t) for t in r)
            name = "w%d" % f
            exports[name] = (wp, wr)
            out.append(self.wrapper(f, name, p, r, wp, wr))
            if all(t in ("i32", "i64") for t in p + r) and rng.random() < 0.5:
                out.append('  (export "d%d" (func $f%d))' % (f, f))
                exports["d%d" % f] = (p, r)
        # straight-line numeric checks on edge-case operands
        once = []
        if rng.random() < o.p_ops:
            out.extend(self.op_checks(exports, once))
        # state
        st = ["i64"]
        body = ["global.get $hash"]
        for name, t, mut, init, bits in self.globals:
            body.append("global.get " + name)
            if t == "f32":
                body.append("i32.reinterpret_f32")
            elif t == "f64":
                body.append("i64.reinterpret_f64")
            elif t in REF:
                body.append("ref.is_null")
            st.append(wrap_type(t))
        for name, et, lo, hi in self.tables:
            body.append("table.size " + name)
            st.append("i32")
            for i in range(min(lo, 4)):
                body.append("i32.const %d" % i)
                body.append("table.get " + name)
                body.append("ref.is_null")
                st.append("i32")
        if self.has_mem:
            body.append("memory.size")
            st.append("i32")
        out.append('  (func (export "state")%s\n    %s)' % (_results(st), "\n    ".join(body)))
        if rng.random() < o.p_start:
            cands = [f for f in range(self.nfuncs) if self.sigs[self.func_sig[f]] == ((), ())]
            if cands:
                out.append("  (start $f%d)" % rng.choice(cands))
        if rng.random() < o.p_rec:
            out.append('  (func $rec (export "rec") (param i64) (result i64)\n'
                       '    local.get 0\n    i64.const 1\n    i64.add\n'
                       '    call $rec\n    local.get 0\n    i64.add)')
            exports["rec"] = (("i64",), ("i64",))
        out.append(")")
        # call list: every export a few times with interesting args, shuffled
        for name, (p, r) in exports.items():
            if name == "rec" or name in once:
                continue
            for _ in range(rng.randint(1, 3)):
                calls.append((name, [rand_bits(rng, t) for t in p]))
        rng.shuffle(calls)
        for name in once:
            calls.insert(rng.randint(0, len(calls)), (name, []))
        if "rec" in exports:
            calls.insert(rng.randint(0, len(calls)), ("rec", [rng.randint(0, 5)]))
        g = Generated(self.seed, "\n".join(out) + "\n", exports, calls, tuple(st))
        g.imports = imports
        # a second instance sharing the imports; some of its host
        # functions are the first instance's wrappers of the same type
        if rng.random() < o.p_dual:
            g.dual = True
            for h in self.hosts:
                sig = self.sigs[h[1]]
                ws = [n for n, t in exports.items() if n[0] == "w" and t == sig]
                if ws and rng.random() < 0.6:
                    g.link[h[0][1:]] = rng.choice(ws)
            g.calls = [c + (1,) if rng.random() < 0.4 else c for c in calls]
        return g

    def op_checks(self, exports, once):
        """"ops": many numeric instructions on edge-case constants, every
        result folded into $hash (a trapping instruction would end the
        function, so the ones that may trap get an export each: "xN")."""
        rng = self.rng
        fg = FuncGen(self, -1, ((), ()))
        fg.locals = []
        fg.nuser = 0
        fg.frames.append(Frame("func", (), (), 0))
        funcs = []
        ntrap = 0
        for _ in range(rng.randint(20, 80)):
            text, pops, push, flag = rng.choice(OPS)
            mayt = flag == "trunc" or ("div" in text or "rem" in text) and text[0] == "i"
            if mayt and ntrap >= 6:
                continue
            g = fg if not mayt else FuncGen(self, -1, ((), ()))
            if mayt:
                g.locals = []
                g.nuser = 0
                g.frames.append(Frame("func", (), (), 0))
            for pt in pops:
                g.special_const(pt) if pt[0] == "f" and rng.random() < 0.8 else g.emit(
                    const_text(pt, rng.choice(I32_SPECIAL if pt == "i32" else I64_SPECIAL)
                               if pt[0] == "i" and rng.random() < 0.8 else rand_bits(rng, pt)))
            g.emit(text)
            if flag == "nan":
                g.canon(push)
            if mayt:
                name = "x%d" % ntrap
                ntrap += 1
                rt = wrap_type(push)
                if push == "f32":
                    g.emit("i32.reinterpret_f32")
                elif push == "f64":
                    g.emit("i64.reinterpret_f64")
                loc = " (local %s)" % " ".join(g.locals) if g.locals else ""
                funcs.append('  (func (export "%s") (result %s)%s\n%s)'
                             % (name, rt, loc, "\n".join(g.lines)))
                exports[name] = ((), (rt,))
                once.append(name)
            else:
                fg.fold(push)
        loc = " (local %s)" % " ".join(fg.locals) if fg.locals else ""
        funcs.append('  (func (export "ops")%s\n%s)' % (loc, "\n".join(fg.lines) or "    nop"))
        exports["ops"] = ((), ())
        once.append("ops")
        return funcs

    def wrapper(self, f, name, p, r, wp, wr):
        rng = self.rng
        lines = ["i32.const %d" % self.o.call_fuel, "global.set $fuel"]
        k = 0
        for t in p:
            if t in NUM:
                lines.append("local.get %d" % k)
                k += 1
                if t == "f32":
                    lines.append("f32.reinterpret_i32")
                elif t == "f64":
                    lines.append("f64.reinterpret_i64")
            elif t == "funcref":
                lines.append("ref.null func" if rng.random() < 0.4 else
                             "ref.func " + self.rand_func())
            else:
                lines.append("ref.null extern")
        lines.append("call $f%d" % f)
        nl = len(wp)
        for i in reversed(range(len(r))):
            lines.append("local.set %d" % (nl + i))
        for i, t in enumerate(r):
            lines.append("local.get %d" % (nl + i))
            if t == "f32":
                lines.append("i32.reinterpret_f32")
            elif t == "f64":
                lines.append("i64.reinterpret_f64")
            elif t in REF:
                lines.append("ref.is_null")
        loc = " (local %s)" % " ".join(r) if r else ""
        return '  (func $%s (export "%s")%s%s%s\n    %s)' % (
            name, name, _params(wp), _results(wr), loc, "\n    ".join(lines))


def _params(ts):
    return " (param %s)" % " ".join(ts) if ts else ""


def _results(ts):
    return " (result %s)" % " ".join(ts) if ts else ""


# ---------------------------------------------------------------- bodies


class Frame:
    __slots__ = ("kind", "params", "results", "height", "unreachable", "counter")

    def __init__(self, kind, params, results, height, counter=None):
        self.kind = kind
        self.params = tuple(params)
        self.results = tuple(results)
        self.height = height
        self.unreachable = False
        self.counter = counter

    @property
    def label(self):
        return self.params if self.kind == "loop" else self.results


class FuncGen:
    def __init__(self, mg, fidx, sig):
        self.m = mg
        self.rng = mg.rng
        self.o = mg.o
        self.fidx = fidx
        self.params, self.results = sig
        self.locals = list(self.params)
        for _ in range(self.rng.randint(0, 5) if not mg.big else self.rng.randint(10, 80)):
            self.locals.append(mg.rtype())
        self.max_stack = 5 if not mg.big else 16
        self.nuser = len(self.locals)      # locals random code may touch
        self.temps = {}                    # type -> reserved temp local
        self.lines = []
        self.stack = []
        self.frames = []
        self.budget = 0
        self.protect = 0                   # stack values below are not reusable

    # -- bookkeeping -------------------------------------------------------
    def emit(self, s):
        self.lines.append("    " + "  " * (len(self.frames) - 1) + s)

    def new_local(self, t):
        self.locals.append(t)
        return len(self.locals) - 1

    def temp(self, t):
        if t not in self.temps:
            self.temps[t] = self.new_local(t)
        return self.temps[t]

    def push(self, t):
        self.stack.append(t)

    def pop(self, n=1):
        fr = self.frames[-1]
        for _ in range(n):
            if len(self.stack) > fr.height:
                self.stack.pop()
            else:
                assert fr.unreachable, "generator: stack underflow"

    def avail(self):
        return self.stack[max(self.frames[-1].height, self.protect):]

    def have(self, types):
        cur = self.avail()
        n = len(types)
        if len(cur) >= n:
            return tuple(cur[len(cur) - n:]) == tuple(types) if n else True
        fr = self.frames[-1]
        if not fr.unreachable or self.protect > fr.height:
            return False
        # polymorphic bottom in dead code
        return tuple(cur) == tuple(types[n - len(cur):])

    def need(self, types, gens=None):
        """Make `types` the top of the stack: reuse what is there (sometimes)
        or push fresh operands; then pop them."""
        if not (self.have(types) and self.rng.random() < 0.75):
            for i, t in enumerate(types):
                g = gens[i] if gens and gens[i] else None
                if g:
                    g()
                else:
                    self.value(t, 1)
        self.pop(len(types))

    # -- values (expression trees) ------------------------------------------
    def const(self, t):
        if t == "funcref":
            self.emit("ref.null func")
        elif t == "externref":
            self.emit("ref.null extern")
        else:
            self.emit(const_text(t, rand_bits(self.rng, t)))
        self.push(t)

    def pick(self, loc):
        """A local from `loc`, biased to the first ones, so that reads,
        writes and values still on the stack meet the same locals often."""
        rng = self.rng
        if len(loc) > 1 and rng.random() < 0.6:
            return loc[0] if rng.random() < 0.7 else loc[1]
        return rng.choice(loc)

    def locals_of(self, t):
        return [i for i in range(self.nuser) if self.locals[i] == t]

    def globals_of(self, t, mutable=False):
        return [g[0] for g in self.m.globals if g[1] == t and (g[2] or not mutable)]

    def value(self, t, depth):
        """Emit code pushing exactly one value of type t (and touching no
        value already on the stack)."""
        saved = self.protect
        self.protect = len(self.stack)
        self._value(t, depth)
        self.protect = saved

    def _value(self, t, depth):
        rng = self.rng
        leaf = depth >= self.o.max_expr or rng.random() < 0.25
        r = rng.random()
        if t in REF:
            return self.ref_value(t, depth, leaf)
        if leaf or r < 0.15:
            r2 = rng.random()
            loc = self.locals_of(t)
            if loc and r2 < 0.4:
                self.emit("local.get %d" % self.pick(loc))
                self.push(t)
                return
            gl = self.globals_of(t)
            if gl and r2 < 0.55:
                self.emit("global.get " + rng.choice(gl))
                self.push(t)
                return
            return self.const(t)
        if r < 0.55:
            return self.numeric(t, depth)
        if r < 0.68 and self.m.has_mem:
            return self.load(t, depth)
        if r < 0.74:
            return self.select(t, depth)
        if r < 0.80 and depth < 2 and len(self.frames) <= self.o.max_depth:
            self.structured(rng.choice(("block", "if", "loop")), (), (t,), rng.randint(1, 4))
            return
        if r < 0.86:
            fs = [c for c in self.m.callables if self.m.sigs[c[1]][1] == (t,)]
            if fs:
                f, sig = rng.choice(fs)
                self.need(self.m.sigs[sig][0])
                self.emit("call " + f)
                self.push(t)
                return
        if t == "i32" and r < 0.93:
            return self.misc_i32(depth)
        if r < 0.96:
            loc = self.locals_of(t)
            if loc:
                self.value(t, depth + 1)
                self.pop()
                self.emit("local.tee %d" % self.pick(loc))
                self.push(t)
                return
        return self.const(t)

    def ref_value(self, t, depth, leaf):
        rng = self.rng
        r = rng.random()
        loc = self.locals_of(t)
        if loc and r < 0.25:
            self.emit("local.get %d" % self.pick(loc))
        elif self.globals_of(t) and r < 0.4:
            self.emit("global.get " + rng.choice(self.globals_of(t)))
        elif t == "funcref" and r < 0.65:
            self.emit("ref.func " + self.m.rand_func())
        elif not leaf and r < 0.85 and [x for x in self.m.tables if x[1] == t]:
            tab = rng.choice([x for x in self.m.tables if x[1] == t])
            self.table_index(tab, depth)
            self.pop()
            self.emit("table.get " + tab[0])
        elif not leaf and r < 0.92:
            return self.select(t, depth)
        else:
            return self.const(t)
        self.push(t)

    def numeric(self, t, depth):
        rng = self.rng
        op = rng.choice(OPS_BY_PUSH[t])
        text, pops, push, flag = op
        edge = rng.random() < 0.3       # operands straight from the edge-case lists
        for pt in pops:
            if edge and flag != "trunc":
                self.emit(const_text(pt, rand_bits(rng, pt) if rng.random() < 0.2 else rng.choice(
                    {"i32": I32_SPECIAL, "i64": I64_SPECIAL, "f32": F32_SPECIAL,
                     "f64": F64_SPECIAL}[pt])))
                self.push(pt)
            elif (flag == "sat" and rng.random() < 0.6) or (flag == "trunc" and rng.random() < 0.25):
                self.emit(const_text(pt, rng.choice(F32_SPECIAL if pt == "f32" else F64_SPECIAL)))
                self.push(pt)
            else:
                self.value(pt, depth + 1)
        self.pop(len(pops))
        self.nonzero(text)
        self.emit(text)
        self.push(push)
        if flag == "nan":
            self.canon(push)

    def nonzero(self, text):
        """Before most divisions, make the divisor (top of stack) nonzero so
        that fewer calls end in a trap."""
        if ("div" in text or "rem" in text) and text[0] == "i" and self.rng.random() < 0.8:
            t = text[:3]
            self.emit("%s.const %d" % (t, self.rng.choice((1, 2, 8, 0x100, -0x80000000))))
            self.emit("%s.or" % t)

    def canon(self, t):
        """Top of stack: float result of an arithmetic op -> deterministic."""
        if not self.o.canon_nans:
            return
        tmp = self.temp(t)
        ib = "i32" if t == "f32" else "i64"
        self.emit("local.tee %d" % tmp)
        # replacement if NaN: canonical if quiet, marker if signalling
        self.emit(const_text(t, CANON[t]))
        self.emit(const_text(t, NAN_MARK[t]))
        self.emit("local.get %d" % tmp)
        self.emit("%s.reinterpret_%s" % (ib, t))
        self.emit("%s.const %d" % (ib, QUIET[t]))
        self.emit("%s.and" % ib)
        if ib == "i64":
            self.emit("i64.const 0")
            self.emit("i64.ne")
        self.emit("select")
        self.emit("local.get %d" % tmp)
        self.emit("local.get %d" % tmp)
        self.emit("%s.eq" % t)
        self.emit("select")

    def addr(self, depth=1):
        """An i32 address: mostly in bounds, sometimes near the end of
        memory (in or out by a few bytes), rarely arbitrary."""
        rng = self.rng
        r = rng.random()
        if r < 0.7:
            self.emit("i32.const %d" % rng.randint(0, 300))
        elif r < 0.85:
            self.value("i32", depth + 1)
            self.pop()
            self.emit("i32.const %d" % rng.choice((0xFF, 0xFFF, 0x3FFF)))
            self.emit("i32.and")
        elif r < 0.95:
            self.emit("memory.size")
            self.emit("i32.const 16")
            self.emit("i32.shl")
            self.emit("i32.const %d" % rng.randint(1, 24))
            self.emit("i32.sub")
        elif r < 0.975:
            self.emit("i32.const %d" % signed(rand_bits(rng, "i32"), 32))
        else:
            self.value("i32", depth + 1)
            self.pop()
        self.push("i32")

    def memarg(self, size):
        rng = self.rng
        r = rng.random()
        s = ""
        if r < 0.8:
            pass
        elif r < 0.98:
            s = " offset=%d" % rng.randint(1, 40)
        elif r < 0.995:
            s = " offset=%d" % rng.randint(65520, 65540)
        else:
            s = " offset=%d" % rng.choice((0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF0))
        if rng.random() < 0.4:
            s += " align=%d" % rng.choice([a for a in (1, 2, 4, 8) if a <= size])
        return s

    def load(self, t, depth):
        text, _, size = self.rng.choice([x for x in LOADS if x[1] == t])
        self.addr(depth)
        self.pop()
        self.emit(text + self.memarg(size))
        self.push(t)

    def select(self, t, depth):
        typed = t in REF or self.rng.random() < 0.3
        self.value(t, depth + 1)
        self.value(t, depth + 1)
        self.value("i32", depth + 1)
        self.pop(3)
        self.emit("select (result %s)" % t if typed else "select")
        self.push(t)

    def table_index(self, tab, depth):
        rng = self.rng
        r = rng.random()
        if r < 0.85 and tab[2] > 0:
            self.emit("i32.const %d" % rng.randrange(tab[2]))
            self.push("i32")
        elif r < 0.95:
            self.emit("i32.const %d" % rng.randint(0, tab[3] + 1))
            self.push("i32")
        else:
            self.value("i32", depth + 1)

    def misc_i32(self, depth):
        rng = self.rng
        r = rng.random()
        if self.m.has_mem and r < 0.3:
            self.emit("memory.size")
        elif self.m.has_mem and r < 0.45:
            if rng.random() < 0.7:
                self.emit("i32.const %d" % rng.choice((0, 0, 1, 1, 2, 3, -1, 65536)))
                self.push("i32")
            else:
                self.value("i32", depth + 1)
            self.pop()
            self.emit("memory.grow")
        elif r < 0.6:
            self.emit("table.size " + rng.choice(self.m.tables)[0])
        elif r < 0.75:
            tab = rng.choice(self.m.tables)
            self.value(tab[1], depth + 1)
            if rng.random() < 0.7:
                self.emit("i32.const %d" % rng.choice((0, 1, 2, 5, -1, 0x7FFFFFFF)))
                self.push("i32")
            else:
                self.value("i32", depth + 1)
            self.pop(2)
            self.emit("table.grow " + tab[0])
        else:
            self.value(rng.choice(REF), depth + 1)
            self.pop()
            self.emit("ref.is_null")
        self.push("i32")

    # -- statements (stack machine) ----------------------------------------
    def generate(self):
        p, r = self.params, self.results
        self.frames.append(Frame("func", (), r, 0))
        # call budget: spent -> return defaults (bounds recursion)
        self.emit("global.get $fuel")
        self.emit("i32.eqz")
        self.emit("if")
        for t in r:
            self.emit("  " + _default(t))
        self.emit("  return")
        self.emit("end")
        self.emit("global.get $fuel")
        self.emit("i32.const 1")
        self.emit("i32.sub")
        self.emit("global.set $fuel")
        self.budget = self.rng.randint(3, self.o.max_budget)
        self.body()
        if not self.frames[-1].unreachable and self.rng.random() < 0.7:
            self.fold_locals()
        self.fix_to(r)
        self.frames.pop()
        head = "  (func $f%d (type $s%d)%s%s" % (
            self.fidx, self.m.func_sig[self.fidx], _params(p), _results(r))
        extra = self.locals[len(p):]
        if extra:
            head += " (local %s)" % " ".join(extra)
        return head + "\n" + "\n".join(self.lines) + ")"

    def body(self):
        """Random statements until the budget (shared by the function) runs
        out or the block decides to stop after a branch."""
        rng = self.rng
        n = rng.randint(1, 8)
        while n > 0 and self.budget > 0:
            n -= 1
            self.budget -= 1
            fr = self.frames[-1]
            if fr.unreachable and rng.random() < 0.6:
                return
            self.statement()

    def statement(self):
        rng = self.rng
        m = self.m
        fr = self.frames[-1]
        cur = self.avail()
        r = rng.random()
        if len(cur) > self.max_stack and r < 0.5:
            return self.consume_top()
        if self.nuser and rng.random() < 0.12:
            # leave a local's value on the stack for later instructions
            i = self.pick(list(range(self.nuser)))
            self.emit("local.get %d" % i)
            self.push(self.locals[i])
            return
        if r < 0.22:
            text, pops, push, flag = rng.choice(OPS)
            gens = None
            if flag in ("trunc", "sat"):
                gens = [lambda pt=pops[0]: self.special_const(pt)] if rng.random() < (
                    0.25 if flag == "trunc" else 0.6) else None
            self.need(pops, gens)
            self.nonzero(text)
            self.emit(text)
            self.push(push)
            if flag == "nan":
                self.canon(push)
        elif r < 0.32:
            self.value(m.rtype(), 0)
        elif r < 0.40:
            if cur:
                self.consume_top()
            else:
                self.value(m.rtype(), 0)
        elif r < 0.52 and len(self.frames) <= self.o.max_depth:
            kind = rng.choice(("block", "block", "loop", "loop", "if", "if"))
            params = tuple(m.rtype() for _ in range(rng.choice((0, 0, 0, 1, 1, 2))))
            results = tuple(m.rtype() for _ in range(rng.choice((0, 0, 1, 1, 2))))
            if m.big and rng.random() < 0.3:
                params = tuple(m.rtype() for _ in range(rng.randint(0, 6)))
                results = tuple(m.rtype() for _ in range(rng.randint(0, 6)))
            self.structured(kind, params, results, rng.randint(2, 10))
        elif r < 0.62:
            self.branch()
        elif r < 0.72:
            self.call()
        elif r < 0.82 and m.has_mem:
            self.memory_stmt()
        elif r < 0.88:
            self.table_stmt()
        elif r < 0.94:
            t = m.rtype()
            ts = [(i, self.locals[i]) for i in range(self.nuser)]
            gs = [g for g in m.globals if g[2]]
            if ts and (rng.random() < 0.6 or not gs):
                i, t = ts[self.pick(list(range(len(ts))))]
                self.need((t,))
                if rng.random() < 0.5:
                    self.emit("local.tee %d" % i)
                    self.push(t)
                else:
                    self.emit("local.set %d" % i)
            elif gs:
                g = rng.choice(gs)
                self.need((g[1],))
                self.emit("global.set " + g[0])
        elif r < 0.96:
            self.emit("nop")
        elif r < 0.964:
            self.emit("unreachable")
            self.set_unreachable()
        else:
            t = m.rtype()
            self.need((t, t, "i32"))
            self.emit("select (result %s)" % t if t in REF or rng.random() < 0.3 else "select")
            self.push(t)

    def special_const(self, t):
        self.emit(const_text(t, self.rng.choice(F32_SPECIAL if t == "f32" else F64_SPECIAL)))
        self.push(t)

    def consume_top(self):
        cur = self.avail()
        if not cur:
            return
        t = cur[-1]
        rng = self.rng
        loc = self.locals_of(t)
        gl = self.globals_of(t, mutable=True)
        r = rng.random()
        if loc and r < 0.2:
            self.emit("local.set %d" % self.pick(loc))
        elif gl and r < 0.27:
            self.emit("global.set " + rng.choice(gl))
        elif r < 0.9:
            self.fold(t)
        else:
            self.emit("drop")
        self.pop()

    def fold(self, t):
        """Consume the top value (type t) into the $hash global, so that
        every computed value is observable through "state"."""
        if t == "i32":
            self.emit("i64.extend_i32_u")
        elif t == "f32":
            self.emit("i32.reinterpret_f32")
            self.emit("i64.extend_i32_u")
        elif t == "f64":
            self.emit("i64.reinterpret_f64")
        elif t in REF:
            self.emit("ref.is_null")
            self.emit("i64.extend_i32_u")
        self.emit("global.get $hash")
        self.emit("i64.const 1099511628211")
        self.emit("i64.mul")
        self.emit("i64.xor")
        self.emit("global.set $hash")

    def fold_locals(self):
        for i in range(self.nuser):
            if self.rng.random() < 0.5:
                self.emit("local.get %d" % i)
                self.fold(self.locals[i])

    def set_unreachable(self):
        fr = self.frames[-1]
        del self.stack[fr.height:]
        fr.unreachable = True

    def fix_to(self, want):
        """Make the values above the frame's base exactly `want`."""
        fr = self.frames[-1]
        cur = self.avail()
        k = 0
        while k < len(cur) and k < len(want) and cur[k] == want[k]:
            k += 1
        for _ in range(len(cur) - k):
            self.consume_top()
        for t in want[k:]:
            self.value(t, 1)
        assert self.avail() == list(want)

    def structured(self, kind, params, results, budget):
        rng = self.rng
        if kind == "if":
            self.need(tuple(params) + ("i32",))
        else:
            self.need(tuple(params))
        counter = None
        if kind == "loop":
            counter = self.new_local("i32")
            self.emit("i32.const %d" % rng.randint(0, self.o.max_loop_iters))
            self.emit("local.set %d" % counter)
        bt = _params(params) + _results(results)
        self.emit(kind + bt)
        fr = Frame(kind, params, results, len(self.stack), counter)
        self.frames.append(fr)
        self.stack.extend(params)
        saved = self.budget
        self.budget = min(self.budget, budget)
        used0 = self.budget
        self.body()
        if kind == "loop" and not fr.unreachable and rng.random() < 0.7:
            self.back_edge(0)
        self.fix_to(results)
        if kind == "if" and (params != results or rng.random() < 0.6):
            self.lines.append("    " + "  " * (len(self.frames) - 2) + "else")
            del self.stack[fr.height:]
            self.stack.extend(params)
            fr.unreachable = False
            self.body()
            self.fix_to(results)
        self.frames.pop()
        self.emit("end")
        del self.stack[fr.height:]
        self.stack.extend(results)
        self.budget = saved - (used0 - self.budget)

    def back_edge(self, depth):
        """Counter-guarded branch to the loop `depth` labels out."""
        fr = self.frames[-1 - depth]
        self.need(fr.params)
        c = fr.counter
        self.emit("local.get %d" % c)
        self.emit("i32.const 1")
        self.emit("i32.sub")
        self.emit("local.tee %d" % c)
        self.emit("i32.const 0")
        self.emit("i32.gt_s")
        self.emit("br_if %d" % depth)
        self.stack.extend(fr.params)

    def branch(self):
        rng = self.rng
        nf = len(self.frames)
        d = rng.randrange(nf)
        fr = self.frames[-1 - d]
        r = rng.random()
        if fr.kind == "loop":
            if r < 0.8:
                return self.back_edge(d)
            return
        lt = fr.label
        if r < 0.3:
            self.need(lt)
            self.emit("br %d" % d)
            self.set_unreachable()
        elif r < 0.65:
            self.need(tuple(lt) + ("i32",))
            self.emit("br_if %d" % d)
            self.stack.extend(lt)
        elif r < 0.85:
            cands = [i for i in range(nf) if self.frames[-1 - i].kind != "loop"
                     and self.frames[-1 - i].label == lt]
            targets = [rng.choice(cands) for _ in range(
                rng.randint(0, 4) if not self.m.big else rng.randint(0, 40))]

            def idx():
                if rng.random() < 0.6:
                    self.emit("i32.const %d" % rng.randint(-1, len(targets) + 1))
                    self.push("i32")
                else:
                    self.value("i32", 1)
            self.need(tuple(lt) + ("i32",), [None] * len(lt) + [idx])
            self.emit("br_table %s" % " ".join(str(x) for x in targets + [d]))
            self.set_unreachable()
        else:
            self.need(self.results)
            self.emit("return")
            self.set_unreachable()

    def call(self):
        rng = self.rng
        m = self.m
        if rng.random() < 0.5:
            f, sig = rng.choice(m.callables)
            p, r = m.sigs[sig]
            self.need(p)
            self.emit("call " + f)
        else:
            if m.layout and rng.random() < 0.8:
                # a slot an active segment filled: usually the right type
                tab, pos, s = rng.choice(m.layout)
                p, r = m.sigs[s]

                def idx():
                    self.emit("i32.const %d" % pos)
                    self.push("i32")
            else:
                s = rng.randrange(len(m.sigs))
                p, r = m.sigs[s]
                tab = rng.choice(m.ftables)

                def idx():
                    self.table_index(tab, 1)
            self.need(tuple(p) + ("i32",), [None] * len(p) + [idx])
            self.emit("call_indirect %s (type $s%d)" % (tab[0], s))
        self.stack.extend(r)

    def memory_stmt(self):
        rng = self.rng
        m = self.m
        r = rng.random()
        n_gen = self.length_value
        if r < 0.55:
            text, t, size = rng.choice(STORES)
            self.need(("i32", t), [self.addr, None])
            self.emit(text + self.memarg(size))
        elif r < 0.7:
            self.need(("i32", "i32", "i32"), [self.addr, None, n_gen])
            self.emit("memory.fill")
        elif r < 0.85:
            self.need(("i32", "i32", "i32"), [self.addr, self.addr, n_gen])
            self.emit("memory.copy")
        elif m.datas:
            d = self.segment(m.datas, 1)
            if rng.random() < 0.97:
                if rng.random() < 0.85:
                    src = rng.randint(0, len(d[3]))
                    n = rng.randint(0, len(d[3]) - src)
                    gens = [self.addr, self.konst(src), self.konst(n)]
                else:
                    gens = [self.addr, self.small_value, n_gen]
                self.need(("i32", "i32", "i32"), gens)
                self.emit("memory.init " + d[0])
            else:
                self.emit("data.drop " + d[0])

    def segment(self, segs, mode_at):
        """Mostly a passive segment (active ones are dropped at
        instantiation, so using them traps)."""
        passive = [x for x in segs if x[mode_at] == "passive"]
        if passive and self.rng.random() < 0.95:
            return self.rng.choice(passive)
        return self.rng.choice(segs)

    def konst(self, v):
        def gen():
            self.emit("i32.const %d" % v)
            self.push("i32")
        return gen

    def small_value(self):
        rng = self.rng
        if rng.random() < 0.9:
            self.emit("i32.const %d" % rng.choice((0, 0, 1, 1, 1, 2)))
        else:
            self.emit("i32.const %d" % rng.choice((4, 8, 16, 33, 34, -1)))
        self.push("i32")

    def length_value(self):
        rng = self.rng
        r = rng.random()
        if r < 0.8:
            self.emit("i32.const %d" % rng.choice((0, 0, 1, 2, 3, 4, 7, 8, 16, 20)))
            self.push("i32")
        elif r < 0.9:
            self.emit("i32.const %d" % rng.choice((100, 65536, -1, 0x10001)))
            self.push("i32")
        else:
            self.value("i32", 1)

    def table_stmt(self):
        rng = self.rng
        m = self.m
        tab = rng.choice(m.tables)
        et = tab[1]
        idx = lambda: self.table_index(tab, 1)  # noqa: E731
        r = rng.random()
        if r < 0.35:
            self.need(("i32", et), [idx, None])
            self.emit("table.set " + tab[0])
        elif r < 0.5:
            if rng.random() < 0.85:
                d = rng.randint(0, tab[2])
                gens = [self.konst(d), None, self.konst(rng.randint(0, tab[2] - d))]
            else:
                gens = [idx, None, self.small_value]
            self.need(("i32", et, "i32"), gens)
            self.emit("table.fill " + tab[0])
        elif r < 0.7:
            src = rng.choice([x for x in m.tables if x[1] == et])
            if rng.random() < 0.85:
                d = rng.randint(0, tab[2])
                s = rng.randint(0, src[2])
                gens = [self.konst(d), self.konst(s),
                        self.konst(rng.randint(0, min(tab[2] - d, src[2] - s)))]
            else:
                gens = [idx, lambda: self.table_index(src, 1), self.small_value]
            self.need(("i32", "i32", "i32"), gens)
            self.emit("table.copy %s %s" % (tab[0], src[0]))
        else:
            segs = [e for e in m.elems if e[4] == et]
            if not segs:
                return
            e = self.segment(segs, 1)
            if rng.random() < 0.97:
                if rng.random() < 0.85:
                    n_el = len(e[5])
                    d = rng.randint(0, tab[2])
                    s = rng.randint(0, n_el)
                    gens = [self.konst(d), self.konst(s),
                            self.konst(rng.randint(0, min(n_el - s, tab[2] - d)))]
                else:
                    gens = [idx, self.small_value, self.small_value]
                self.need(("i32", "i32", "i32"), gens)
                self.emit("table.init %s %s" % (tab[0], e[0]))
            else:
                self.emit("elem.drop " + e[0])


def _default(t):
    if t == "funcref":
        return "ref.null func"
    if t == "externref":
        return "ref.null extern"
    return "%s.const 0" % t


def generate(seed, opts=None):
    return ModuleGen(seed, opts).generate()


if __name__ == "__main__":
    import sys
    g = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.stdout.write(g.wat)
    sys.stderr.write("calls: %r\n" % (g.calls,))
