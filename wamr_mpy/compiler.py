# wasm function -> Python source: the code generator of the AOT tier
# (tools/wamrc, loaded by aot.py) and of the on-device JIT (jit.py).
#
# One `@micropython.viper` function per wasm function, made by an emitter
# plugged into validator.walk_body (so validation and the typed event stream
# come for free).  See docs/aot.md for the design; in short:
#
# - Every compiled function is `f<i>(W, A, S, C, params...)`: W an
#   array('i') of context words (see ARGS below) and A the address of W's
#   words shifted right by 2 (a small int on every port: the words are
#   word-aligned).  The code reaches W through `ptr32(int(A) << 2)`, not
#   `ptr32(W)`: the buffer protocol behind `ptr32(W)` cost a fifth of a wasm
#   call; W itself only goes on to helpers.  S is the function object being
#   called (recursion calls S: no lookup at all) and C the module's table:
#   C[i] defined function i, after those the helpers, float functions and
#   object constants (ModCtx.gref).  The generated code reads no module
#   global: a viper function that does swaps the module's globals in and
#   out on every call, and each lookup is a hashed dict probe - together a
#   fifth of a recursive call's host instructions.  Params of object kinds
#   follow as Python arguments.
# - i32 (and i64 where the machine word is 64 bits) live in viper `int`
#   locals; everything else is a Python object handled by the float module
#   (fmode) and numeric helpers.  With 64-bit words an i32 expression may be
#   "dirty" (right in its low 32 bits only) until something needs the
#   canonical value: locals, stack variables at control-flow joins, call
#   arguments, comparisons and results are normalised with `x << 32 >> 32`.
# - The wasm operand stack becomes Python expressions, materialised into
#   per-height variables (s<h>i / s<h>o) only at control-flow boundaries,
#   side effects, or when a local they read is written.
# - Structured control flow maps to `while True:` loops (`loop`, and any
#   `block`/`if` that is a branch target) with break/continue; a branch
#   crossing several Python loops sets the flag `br_` and breaks, and a
#   dispatch after each loop finishes the jump.
# - Memory accesses are bounds-checked against W[1]; the pointer (ptr8/16/32
#   on the buffer address) is reloaded after calls that may grow memory.
#   Targets that fault on unaligned access (armv6m, xtensa, riscv) get an
#   alignment test with a byte-wise path.
# - Fuel: one unit per call and per loop back-edge, counted in W[0].
# - Viper literals of 2**30 or more are objects under mpy-cross: such
#   constants are built at function entry from 16-bit pieces.

from .func import I32, I64, F32, F64, V128, FUNCREF, EXTERNREF
from .opnames import helper_name

ABI = 5          # bump when generated code and aot.py stop matching (= aot.ABI)
# W words: 0 fuel, 1 memory bytes, 2 depth limit, 3 pages, 4 call depth,
# 5-6 memory address; from ARGS the arguments and results of calls (values
# of a kind "i" as one word, two for i64/f64), then globals kept as words.
ARGS = 8

# -march name -> (machine word bits, unaligned 16/32-bit access faults)
ARCHS = {
    "x64": (64, False), "x86": (32, False), "armv6m": (32, True),
    "armv7m": (32, False), "armv7em": (32, False), "armv7emsp": (32, False),
    "armv7emdp": (32, False), "xtensa": (32, True), "xtensawin": (32, True),
    "rv32imc": (32, True), "rv64imc": (64, True),
}
# Python locals a native function may have: the Thumb emitter addresses its
# frame (locals and the value stack) with an 8-bit word offset ("too many
# locals for native method" past 255 words); 240 leaves room for the stack.
MAX_LOCALS = {"armv6m": 240, "armv7m": 240, "armv7em": 240, "armv7emsp": 240,
              "armv7emdp": 240}

FLOAT_MODES = ("bits", "native", "helper")
_SMALL = 1 << 30            # viper literal limit under mpy-cross
MAX_DEPTH_EXPR = 6          # expression nesting before a value is stored


class CompileError(Exception):
    pass


class Target:
    """What the generated code may assume about the machine running it."""

    def __init__(self, arch="x64", fuel=True, inline_float=None, strict=None, floats=None):
        if arch not in ARCHS:
            raise CompileError("compiler: unknown arch %r (known: %s)"
                               % (arch, ", ".join(sorted(ARCHS))))
        self.arch = arch
        self.wbits, self.strict = ARCHS[arch]
        if strict is not None:
            self.strict = strict
        self.max_locals = MAX_LOCALS.get(arch)
        # i64 as a pair of machine words (low, high) where words are 32 bits
        self.pairs = self.wbits == 32
        self.fuel = fuel
        # floats: "bits" - f32/f64 as bit patterns in words (f64 a pair on
        # 32-bit words), arithmetic in viper (vfloat.py): no heap object per
        # operation, the same on every port; "native" - Python float objects
        # with inline arithmetic (a + b), only right where floats are C
        # doubles (the 64-bit unix-class ports); "helper" - float objects
        # through the float module (fmode), which also runs on soft-float
        # ports.  inline_float=False (older callers) means "helper".
        if floats is None:
            if inline_float is not None:
                floats = "native" if inline_float else "helper"
            else:
                floats = "bits"
        if floats not in FLOAT_MODES:
            raise CompileError("compiler: unknown float mode %r (known: %s)"
                               % (floats, ", ".join(FLOAT_MODES)))
        self.floats = floats
        self.fbits = floats == "bits"
        self.inline_float = floats == "native"
        # the common cases of f64 add/sub/mul inline (bits, 64-bit words):
        # larger code, no call
        self.fastfloat = self.fbits and self.wbits == 64


# sys.implementation._mpy >> 10: the native code architecture of this
# firmware (MicroPython's MP_NATIVE_ARCH_* numbering, as in .mpy headers).
_MPY_ARCHS = (None, "x86", "x64", None, "armv6m", "armv7m", "armv7em", "armv7emsp",
              "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")


def native_arch():
    """This firmware's native-code arch as an ARCHS name (None: unknown).
    The JIT then assumes what the machine allows: no byte-wise path for
    unaligned accesses on x86 or Cortex-M3 and up, as tools/wamrc would."""
    import sys
    a = getattr(sys.implementation, "_mpy", 0) >> 10
    if a < len(_MPY_ARCHS):
        return _MPY_ARCHS[a]
    return None


def host_target():
    """The Target for code compiled on this machine (the JIT): config.JIT_ARCH
    and config.JIT_FLOATS may choose."""
    import sys
    arch = native_arch()
    if arch is None:
        # 32-bit words, alignment-safe: right on any board
        arch = "x64" if sys.maxsize > 0x7FFFFFFF else "armv6m"
    floats = None
    try:
        from . import config
        arch = getattr(config, "JIT_ARCH", None) or arch
        floats = getattr(config, "JIT_FLOATS", None) or None
    except ImportError:
        pass
    t = Target(arch, floats=floats)
    if t.floats == "native":
        from . import fmode
        if fmode.SOFT_FLOAT:      # no C doubles to compute with here
            t = Target(arch, floats="helper")
    return t


# --- helpers -------------------------------------------------------------

def _idc(c):
    # MicroPython's str has no isalnum()
    return c.isalpha() or c.isdigit() or c == "_"


def _is_name(e):
    """e is a plain variable name (not an expression or a literal)."""
    for c in e:
        if not _idc(c):
            return False
    return bool(e) and not e[0].isdigit()


def _operands(line, fa, fb):
    """A line of the inline f64 code with the operands' own names."""
    if fa != "fa":
        line = _word_sub(line, "fa", fa)
    if fb != "fb":
        line = _word_sub(line, "fb", fb)
    return line


def _word_sub(s, old, new):
    out = []
    i = 0
    n = len(old)
    while True:
        j = s.find(old, i)
        if j < 0:
            out.append(s[i:])
            return "".join(out)
        k = j + n
        if (j and _idc(s[j - 1])) or (k < len(s) and _idc(s[k])):
            out.append(s[i:k])
        else:
            out.append(s[i:j])
            out.append(new)
        i = k


def _lit(v):
    if v == -_SMALL:
        # on a 32-bit port the parser reads "-1073741824" as the negation
        # of 2**30, a big int object (a ViperTypeError in an int local)
        return "(%d - 1)" % (v + 1)
    return str(v) if v >= 0 else "(%d)" % v


def _par(e, atom):
    return e if atom else "(" + e + ")"


class V:
    """A wasm operand-stack entry: a Python expression.  k: 'i' viper int,
    'p' a pair of viper ints (e the low word, eh the high word: i64 where
    words are 32 bits), 'q' a v128 in four word variables e0..e3
    (compiler_simd), 'o' object.  nrm: an i32 is canonical (not only its
    low 32 bits).  deps: variable names the expression reads.  b: a bool
    expression.  A pair's halves read only their own half's variables (or
    it is stored: see FuncGen.pair_to)."""

    def __init__(self, e, k, t, nrm=True, deps=(), atom=False, b=False, depth=0,
                 const=None, eh=None):
        self.e = e
        self.eh = eh
        self.k = k
        self.t = t
        self.nrm = nrm
        self.deps = deps
        self.atom = atom
        self.b = b
        self.depth = depth
        self.const = const


# Control frames.  kind: 'f' function, 'b' block, 'l' loop, 'i' if.
class Fr:
    def __init__(self, kind, parent, h, params, results, fid):
        self.kind = kind
        self.parent = parent
        self.h = h
        self.params = params
        self.results = results
        self.id = fid
        self.pyloop = kind == "l"
        self.cache = []         # callees loaded into locals c<j> before it
        self.targeted = False
        self.exits = []
        self.else_seen = False
        self.dead_entry = False
        self.fallthen = False
        self.cond = None

    def labels(self):
        return self.params if self.kind == "l" else self.results


def _kind(t, target):
    if t == I32 or (t == F32 and target.fbits):
        return "i"
    if t == I64 or (t == F64 and target.fbits):
        return "p" if target.pairs else "i"
    return "o"


def _words(t, target):
    """W words a value of type t takes in a call (0: a Python object)."""
    if _kind(t, target) == "o":
        return 0
    return 2 if t == I64 or t == F64 else 1


def _nwords(types, target):
    n = 0
    for t in types:
        n += _words(t, target)
    return n


# --- module context ------------------------------------------------------

class ModCtx:
    """Module-wide facts the function generator needs, and the module-level
    names (object constants, helpers) the generated functions use."""

    def __init__(self, m, target):
        self.m = m
        self.t = target
        self.nimp = m.n_func_imports
        self.has_mem = bool(m.mems)
        self.consts = {}          # (kind, value) -> module-level name
        self.const_defs = []      # "NAME = expr" lines
        self.helpers = set()      # names from wamr_mpy.aot
        self.fnames = set()       # names from wamr_mpy.fmode
        self.vnames = set()       # names from wamr_mpy.vfloat
        self.n = m.n_bodies
        self.gnames = []          # what C[n + k] holds (gref)
        self.gidx = {}
        self.grows = _may_grow(m)
        self.fgrows = None        # per-function answer, when analyze() ran
        # Globals kept as machine words in W: ints that no one else can
        # write (not imported/exported mutable).
        shared = set()
        gi = 0
        for imp in m.imports:
            if imp.kind == 3:
                if imp.desc[1]:
                    shared.add(gi)
                gi += 1
        for name, kind, idx in m.exports:
            if kind == 3 and m.globals[idx][1]:
                shared.add(idx)
        self.gslot = {}
        self.gwords = []          # (global index, slot, type)
        aw = 4                    # also scratch words for helpers (_split, _pdiv)
        for ft in m.types:
            if getattr(ft, "kind", 0):
                continue        # a GC struct or array type (reftypes.py)
            aw = max(aw, _nwords(ft.params, target), _nwords(ft.results, target))
        slot = ARGS + aw
        for i in range(len(m.globals)):
            t = m.globals[i][0]
            if i in shared or _kind(t, target) == "o":
                continue
            self.gslot[i] = slot
            self.gwords.append((i, slot, t))
            slot += _words(t, target)
        self.nwords = slot
        self.exported = set(idx for n, k, idx in m.exports if k == 0)
        # value types passed as Python objects (aot.Ctx.objt); v128 only
        # reaches interpreted functions (compiled code has none)
        self.objt = bytes(t for t in (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF)
                          if _kind(t, target) == "o")

    def gref(self, name):
        """The expression generated code reads module-level `name` by: an
        entry of its table argument C, after the functions."""
        k = self.gidx.get(name)
        if k is None:
            k = self.n + len(self.gnames)
            self.gidx[name] = k
            self.gnames.append(name)
        return "C[%d]" % k

    def helper(self, name):
        self.helpers.add(name)
        return self.gref(name)

    def fm(self, name):
        self.fnames.add(name)
        return self.gref(name)

    def vf(self, name):
        self.vnames.add(name)
        return self.gref(name)

    def vf_imports(self):
        """(module, names) of the vfloat names the code uses: f64op from
        the module for the target's word size."""
        out = {}
        for k in sorted(self.vnames):
            m = "vfloat_w%d" % self.t.wbits if k == "f64op" else "vfloat"
            out.setdefault(m, []).append(k)
        return sorted(out.items())

    def objconst(self, tag, v):
        key = (tag, v)
        n = self.consts.get(key)
        if n is None:
            n = "C%d" % len(self.consts)
            self.consts[key] = n
            if tag == "I":
                self.const_defs.append("%s = %d" % (n, v))
            elif tag == "B":
                self.const_defs.append("%s = %s" % (n, _bytes_literal(v)))
            else:
                # module-level code: the function by its imported name
                f = "f32_from_bits" if tag == "f" else "f64_from_bits"
                self.fnames.add(f)
                self.const_defs.append("%s = %s(%d)" % (n, f, v))
        return self.gref(n)


def _may_grow(m):
    """True unless no body can contain memory.grow (0x40 0x00): a cheap,
    conservative byte scan."""
    if not m.mems or not m.n_bodies:
        return False
    lo = m.body(0)[0]
    hi = m.body(m.n_bodies - 1)[1]
    if m.data is not None:
        return m.data.find(b"\x40\x00", lo, hi) >= 0
    # loaded from a file (bodies not in RAM): scan it in pieces
    with open(m.path, "rb") as f:
        f.seek(lo)
        prev = b""
        while lo < hi:
            b = f.read(min(4096, hi - lo))
            if not b:
                return True
            if (prev + b).find(b"\x40\x00") >= 0:
                return True
            prev = b[-1:]
            lo += len(b)
    return False


# --- the function generator ----------------------------------------------

_I32_CMP = {0x46: "==", 0x47: "!=", 0x48: "<", 0x4A: ">", 0x4C: "<=", 0x4E: ">="}
_I32_CMPU = {0x49: "<", 0x4B: ">", 0x4D: "<=", 0x4F: ">="}
_I64_CMP = {0x51: "==", 0x52: "!=", 0x53: "<", 0x55: ">", 0x57: "<=", 0x59: ">="}
_I64_CMPU = {0x54: "<", 0x56: ">", 0x58: "<=", 0x5A: ">="}
_F_CMP = {0x5B: "==", 0x5C: "!=", 0x5D: "<", 0x5E: ">", 0x5F: "<=", 0x60: ">=",
          0x61: "==", 0x62: "!=", 0x63: "<", 0x64: ">", 0x65: "<=", 0x66: ">="}
# Helper-only operations (one operand): clz/ctz/popcnt, float unary ops and
# conversions other than wrap/extend; opnames.helper_name gives the function.
def _f1(op):
    return (0x67 <= op <= 0x69 or 0x79 <= op <= 0x7B or 0x8B <= op <= 0x91
            or 0x99 <= op <= 0x9F or 0xA8 <= op <= 0xBF and op not in (0xAC, 0xAD)
            or 0xFC00 <= op <= 0xFC07)


def _f2(op):
    # float binary arithmetic
    return 0x92 <= op <= 0x98 or 0xA0 <= op <= 0xA6
# Helpers that may trap: their result is stored at once (keeps trap order).
_TRAPPING = ("trunc_f", "div", "rem")
# Loads: op -> (bytes, signed, result type); stores: op -> (bytes, type)
_LOADS = {0x28: (4, 0, I32), 0x29: (8, 0, I64), 0x2A: (4, 0, F32), 0x2B: (8, 0, F64),
          0x2C: (1, 1, I32), 0x2D: (1, 0, I32), 0x2E: (2, 1, I32), 0x2F: (2, 0, I32),
          0x30: (1, 1, I64), 0x31: (1, 0, I64), 0x32: (2, 1, I64), 0x33: (2, 0, I64),
          0x34: (4, 1, I64), 0x35: (4, 0, I64)}
_STORES = {0x36: (4, I32), 0x37: (8, I64), 0x38: (4, F32), 0x39: (8, F64),
           0x3A: (1, I32), 0x3B: (2, I32), 0x3C: (1, I64), 0x3D: (2, I64), 0x3E: (4, I64)}
# Bulk/table/ref operations through aot helpers: op -> helper name.
_EXT = {0x3F: None, 0x40: None, 0x25: "_tget", 0x26: "_tset", 0xD2: "_rfunc",
        0xFC08: "_minit", 0xFC09: "_ddrop", 0xFC0A: "_mcopy", 0xFC0B: "_mfill",
        0xFC0C: "_tinit", 0xFC0D: "_edrop", 0xFC0E: "_tcopy", 0xFC0F: "_tgrow",
        0xFC10: "_tsize", 0xFC11: "_tfill"}


# Floats as bit patterns: sign operations inline; helper operations:
# opcode -> (operands, vfloat code); float -> int truncations: opcode ->
# vfloat.ftrunc code (bit 0 signed, 1 to i64, 2 from f64, 3 saturating).
OPW = 7          # = vfloat.OP
SCR = 8          # = vfloat.SCR (= ARGS: free between calls)
_FSIGN = {0x8B: "abs", 0x8C: "neg", 0x98: "copysign",
          0x99: "abs", 0x9A: "neg", 0xA6: "copysign"}
_FHELP = {}
for _b in (0x8B, 0x99):
    for _op, _n, _c in ((2, 1, 7), (3, 1, 8), (4, 1, 9), (5, 1, 10), (6, 1, 4), (7, 2, 0),
                        (8, 2, 1), (9, 2, 2), (10, 2, 3), (11, 2, 5), (12, 2, 6)):
        _FHELP[_b + _op] = (_n, _c)
_FHELP.update({0xB2: (1, 20), 0xB3: (1, 21), 0xB4: (1, 22), 0xB5: (1, 23), 0xB6: (1, 24),
               0xB7: (1, 26), 0xB8: (1, 27), 0xB9: (1, 28), 0xBA: (1, 29), 0xBB: (1, 25)})
_FTRUNC = {0xA8: 1, 0xA9: 0, 0xAA: 5, 0xAB: 4, 0xAE: 3, 0xAF: 2, 0xB0: 7, 0xB1: 6,
           0xFC00: 9, 0xFC01: 8, 0xFC02: 13, 0xFC03: 12, 0xFC04: 11, 0xFC05: 10,
           0xFC06: 15, 0xFC07: 14}
del _b, _op, _n, _c


# Integer operations folded at compile time when every operand is constant.
_FOLD = {
    0x45: "eqz", 0x46: "==", 0x47: "!=", 0x48: "<", 0x49: "i32_lt_u", 0x4A: ">",
    0x4B: "i32_gt_u", 0x4C: "<=", 0x4D: "i32_le_u", 0x4E: ">=", 0x4F: "i32_ge_u",
    0x50: "eqz", 0x51: "==", 0x52: "!=", 0x53: "<", 0x54: "i64_lt_u", 0x55: ">",
    0x56: "i64_gt_u", 0x57: "<=", 0x58: "i64_le_u", 0x59: ">=", 0x5A: "i64_ge_u",
    0x67: "i32_clz", 0x68: "i32_ctz", 0x69: "i32_popcnt",
    0x6A: "+", 0x6B: "-", 0x6C: "*", 0x6D: "i32_div_s", 0x6E: "i32_div_u",
    0x6F: "i32_rem_s", 0x70: "i32_rem_u", 0x71: "&", 0x72: "|", 0x73: "^",
    0x74: "i32_shl", 0x75: "i32_shr_s", 0x76: "i32_shr_u", 0x77: "i32_rotl",
    0x78: "i32_rotr",
    0x79: "i64_clz", 0x7A: "i64_ctz", 0x7B: "i64_popcnt",
    0x7C: "+", 0x7D: "-", 0x7E: "*", 0x7F: "i64_div_s", 0x80: "i64_div_u",
    0x81: "i64_rem_s", 0x82: "i64_rem_u", 0x83: "&", 0x84: "|", 0x85: "^",
    0x86: "i64_shl", 0x87: "i64_shr_s", 0x88: "i64_shr_u", 0x89: "i64_rotl",
    0x8A: "i64_rotr",
    0xA7: "i32_wrap_i64", 0xAC: "i64_extend_i32_s", 0xAD: "i64_extend_i32_u",
    0xC0: "extend8_s", 0xC1: "extend16_s", 0xC2: "extend8_s", 0xC3: "extend16_s",
    0xC4: "i64_extend32_s",
}


class FuncGen:
    """walk_body emitter producing the source of one function."""

    def __init__(self, mc):
        self.mc = mc
        self.t = mc.t
        self.w64 = mc.t.wbits == 64     # i32 in 64-bit words: normalise
        self.pairs = mc.t.pairs          # i64 as two 32-bit words

    # -- begin / finish --------------------------------------------------
    def begin(self, module, fidx, ftype, local_types):
        self.fidx = fidx
        self.didx = fidx - self.mc.nimp
        self.ftype = ftype
        self.ltypes = local_types
        self.np = len(ftype.params)
        self.items = []
        self.stack = []
        self.nfr = 0
        self.ff = self.new_frame("f", None, 0, b"", ftype.results)
        self.frames = [self.ff]
        self.dead = False
        self.xind = 0
        self.kconsts = {}       # hoisted big int constants: value -> name
        self.kdefs = []
        self.lims = set()
        self.uses_mem = False
        self.uses_flag = False
        self.uses_mk = False
        self.uses_G = False
        self.uses_fd = False
        self.uses_M = False
        self.cached = []        # callees called in loops: held in locals c<j>
        self.callees = set()    # defined functions it calls directly
        self.uses_ci = False
        self.chk = {}           # address expression -> checked end offset
        self.chkdeps = {}
        self.ntemp = 0
        self.items.append(["P", self.ff, 0, None])

    def new_frame(self, kind, parent, h, params, results):
        self.nfr += 1
        return Fr(kind, parent, h, params, results, self.nfr)

    # -- emitting --------------------------------------------------------
    def line(self, text):
        if "C[" in text:
            text = self.loop_names(text)
        self.items.append(["L", self.frames[-1], self.xind, text])

    def loop_names(self, text):
        """In a loop, the table's names (helpers, constants: entries that
        never change) read from locals c<k> loaded before the outermost
        loop: a tuple subscript per use would cost float-heavy loops a
        twentieth of their time."""
        for f in self.frames:
            if f.kind == "l":
                break
        else:
            return text
        n = self.mc.n
        out = []
        i = 0
        while True:
            j = text.find("C[", i)
            if j < 0 or (j and (text[j - 1].isalpha() or text[j - 1].isdigit() or
                                text[j - 1] == "_")):
                if j < 0:
                    out.append(text[i:])
                    return "".join(out)
                out.append(text[i:j + 2])
                i = j + 2
                continue
            e = text.find("]", j)
            k = int(text[j + 2:e])
            if k < n:           # a function: call() decides
                out.append(text[i:e + 1])
            else:
                if k not in f.cache:
                    f.cache.append(k)
                out.append(text[i:j])
                out.append("c%d" % k)
            i = e + 1

    def temp(self):
        self.ntemp += 1
        return "t%d" % self.ntemp

    # -- constants -------------------------------------------------------
    def kconst(self, v, bits):
        """Name of a local holding the big int constant v (built at entry)."""
        n = self.kconsts.get(v)
        if n is None:
            n = "k%d" % len(self.kconsts)
            self.kconsts[v] = n
            if bits == 32:
                hi = v >> 16
                self.kdefs.append("%s = %s" % (n, _lit(hi)))
                self.kdefs.append("%s = (%s << 16) | %d" % (n, n, v & 0xFFFF))
            else:
                hi = v >> 48
                self.kdefs.append("%s = %s" % (n, _lit(hi)))
                for sh in (32, 16, 0):
                    self.kdefs.append("%s = (%s << 16) | %d" % (n, n, (v >> sh) & 0xFFFF))
        return n

    def word(self, v):
        """A 32-bit word's constant (signed) as an expression."""
        v = ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        return _lit(v) if -_SMALL <= v < _SMALL else self.kconst(v, 32)

    def iconst(self, v, t):
        if _kind(t, self.mc.t) == "p":
            return V(self.word(v), "p", t, True, (), True, const=v, eh=self.word(v >> 32))
        if -_SMALL <= v < _SMALL:
            return V(_lit(v), "i", t, True, (), True, const=v)
        return V(self.kconst(v, 32 if t == I32 or t == F32 else 64), "i", t, True, (), True,
                 const=v)

    def mk(self):
        self.uses_mk = True
        return "mk"

    # -- value expressions -----------------------------------------------
    def ival(self, v):
        """An int expression (bools become 0/1)."""
        if v.b:
            return "int(" + v.e + ")"
        return v.e

    def ipar(self, v):
        if v.b:
            return "int(" + v.e + ")"
        return _par(v.e, v.atom)

    def nexpr(self, v):
        """Canonical (normalised) int expression."""
        if v.b:
            return "int(" + v.e + ")"
        if v.k == "i" and self.w64 and (v.t == I32 or v.t == F32) and not v.nrm:
            return "(%s << 32 >> 32)" % _par(v.e, v.atom)
        return v.e

    def npar(self, v):
        if v.b:
            return "int(" + v.e + ")"
        if v.k == "i" and self.w64 and (v.t == I32 or v.t == F32) and not v.nrm:
            return "(%s << 32 >> 32)" % _par(v.e, v.atom)
        return _par(v.e, v.atom)

    def uexpr(self, v):
        """i32 as an unsigned value usable in comparisons."""
        if self.w64:
            if v.const is not None and v.const >= 0:
                return v.e
            if v.b:
                return "int(" + v.e + ")"
            return "(%s & %s)" % (self.ipar(v), self.mk())
        return "uint(%s)" % self.ival(v)

    def cond(self, v):
        """A Python condition true when the i32 v is not zero."""
        if v.const is not None:
            # A literal condition would let MicroPython's compiler drop the
            # dead branch, and a variable first assigned there then has no
            # type in viper ("NotImplementedError: casting").  One name per
            # use: the condition is read where the branch is emitted.
            self.ncf = n = getattr(self, "ncf", 0) + 1
            self.line("cf%d = %s" % (n, v.e))
            return "cf%d" % n
        if v.b:
            return v.e
        if self.w64 and not v.nrm:
            return "(%s & %s)" % (self.ipar(v), self.mk())
        return v.e

    def mkv(self, e, t, nrm=True, deps=(), b=False, depth=0, k=None):
        if k is None:
            k = _kind(t, self.mc.t)
        return V(e, k, t, nrm, deps, False, b, depth)

    # -- stack -----------------------------------------------------------
    def push(self, v):
        self.stack.append(v)
        if v.depth > MAX_DEPTH_EXPR or len(v.e) > 160 or (v.eh and len(v.eh) > 160):
            self.materialize(len(self.stack) - 1, False)

    def pop(self):
        return self.stack.pop()

    def svar(self, h, k):
        return "s%d%s" % (h, k)

    def forget(self, var, skip=-1):
        """Stores every stack entry that reads var (about to change) and
        drops bounds checks that depended on it."""
        st = self.stack
        for i in range(len(st)):
            if i != skip and var in st[i].deps:
                self.materialize(i, False)
        if self.chk:
            for k in list(self.chk):
                if var in self.chkdeps[k]:
                    del self.chk[k]

    def assign(self, var, expr, skip=-1):
        """Emits `var = expr` after storing any stack entry that reads var."""
        self.forget(var, skip)
        self.line("%s = %s" % (var, expr))

    def pair_to(self, lo, hi, v, skip=-1, direct=False):
        """Emits `lo, hi = v` (a pair) as two assignments; the high half goes
        through the scratch ph when it may read the low variable."""
        if not direct:
            self.forget(lo, skip)
            self.forget(hi, skip)
        el, eh = v.e, v.eh
        if el == lo and eh == hi:
            return
        if el != lo and lo in v.deps and eh != hi:
            self.line("pz = " + eh)
            eh = "pz"
        if el != lo:
            self.line("%s = %s" % (lo, el))
        if eh != hi:
            self.line("%s = %s" % (hi, eh))

    def push_pair(self, lo, hi, t=I64):
        """Pushes the pair in variables lo, hi (scratch such as pl, ph) by
        storing it in the new top's height variables."""
        vl, vh = self.pvars(len(self.stack))
        self.forget(vl)
        self.forget(vh)
        self.line("%s = %s" % (vl, lo))
        self.line("%s = %s" % (vh, hi))
        self.stack.append(self.pv(vl, vh, t))

    def pvars(self, h):
        return "s%dp" % h, "s%dq" % h

    def pv(self, lo, hi, t=I64):
        return V(lo, "p", t, True, (lo, hi), True, eh=hi)

    def materialize(self, i, norm=True, force=False):
        """Stores stack entry i in its height variable (constants only when
        forced: at control-flow joins every entry must be in its variable)."""
        v = self.stack[i]
        if not force and (v.const is not None or
                          (v.atom and v.e.startswith("C["))):   # table entries: NULL, constants
            return
        if v.k == "q":
            from . import compiler_simd
            return compiler_simd.materialize(self, i)
        if v.k == "p":
            lo, hi = self.pvars(i)
            self.pair_to(lo, hi, v, i)
            self.stack[i] = self.pv(lo, hi, v.t)
            return
        var = self.svar(i, v.k)
        if v.e == var and (v.nrm or not norm):
            return
        if v.k == "i":
            e = self.nexpr(v) if norm else self.ival(v)
            nrm = True if norm else (v.nrm or v.b)
        else:
            e = v.e
            nrm = True
        if e != var:
            self.assign(var, e, i)
        self.stack[i] = V(var, v.k, v.t, nrm, (var,), True)

    def materialize_all(self, lo=0):
        for i in range(lo, len(self.stack)):
            self.materialize(i, True)

    def home(self, h, t):
        """The stack entry for a value stored in its height variable."""
        k = _kind(t, self.mc.t)
        if k == "p":
            lo, hi = self.pvars(h)
            return self.pv(lo, hi, t)
        var = self.svar(h, k)
        return V(var, k, t, True, (var,), True)

    def store_label(self, frame, n):
        """Assigns the top n entries to frame's label variables."""
        st = self.stack
        base = len(st) - n
        for i in range(n):
            v = st[base + i]
            h = frame.h + i
            if v.k == "p":
                lo, hi = self.pvars(h)
                self.pair_to(lo, hi, v, direct=True)
                continue
            var = self.svar(h, v.k)
            e = self.nexpr(v) if v.k == "i" else v.e
            if e != var:
                self.line("%s = %s" % (var, e))

    # -- straight-line ops ------------------------------------------------
    def op(self, op, imm, pops, push):
        if self.dead:
            return
        if op >= 0xFD000 or (op <= 0x22 and op >= 0x20 and self.ltypes[imm] == V128):
            from . import compiler_simd
            return compiler_simd.op(self, op, imm)
        if op == 0x20:
            n = "l%d" % imm
            t = self.ltypes[imm]
            k = _kind(t, self.mc.t)
            if k == "p":
                self.push(self.pv(n, n + "h", t))
                return
            self.push(V(n, k, t, True, (n,), True))
            return
        if (op == 0x21 or op == 0x22) and self.stack[-1].k == "p":
            v = self.pop()
            n = "l%d" % imm
            self.pair_to(n, n + "h", v)
            if op == 0x22:
                self.push(self.pv(n, n + "h", v.t))
            return
        if op == 0x21 or op == 0x22:
            v = self.pop()
            n = "l%d" % imm
            e = self.nexpr(v) if v.k == "i" else v.e
            if e != n:
                self.assign(n, e)
            if op == 0x22:
                t = self.ltypes[imm]
                self.push(V(n, v.k, t, True, (n,), True))
            return
        if op == 0x41 or op == 0x42:
            self.push(self.iconst(imm, push))
            return
        if self.t.fbits and self.fop(op, imm, push):
            return
        if op == 0x43 or op == 0x44:
            self.push(V(self.mc.objconst("f" if op == 0x43 else "F", imm), "o", push,
                        True, (), True))
            return
        if op == 0xD0:
            self.push(V(self.mc.gref("NULL"), "o", push, True, (), True))
            return
        if op == 0x1A:
            self.pop()
            return
        if op == 0x1B:
            c = self.pop()
            b = self.pop()
            a = self.pop()
            if c.const is not None:
                # operands on the stack are pure expressions: keep the chosen one
                self.push(a if c.const else b)
                return
            if a.k == "p":
                cc = self.cond(c)
                self.line("pl = %s if %s else %s" % (_par(a.e, a.atom), _par(cc, c.atom and not c.b),
                                                    _par(b.e, b.atom)))
                self.line("ph = %s if %s else %s" % (_par(a.eh, a.atom), _par(cc, c.atom and not c.b),
                                                    _par(b.eh, b.atom)))
                self.push_pair("pl", "ph", a.t)
                return
            if a.k == "i":
                ea, eb = self.npar(a), self.npar(b)
                nrm = True
            else:
                ea, eb = _par(a.e, a.atom), _par(b.e, b.atom)
                nrm = True
            cc = self.cond(c)
            e = "%s if %s else %s" % (ea, cc if (c.atom and not c.b) else "(" + cc + ")", eb)
            self.push(self.mkv(e, a.t, nrm, _deps(a, b, c),
                               depth=max(a.depth, b.depth, c.depth) + 1, k=a.k))
            return
        if op in _LOADS:
            return self.load(op, imm)
        if op in _STORES:
            return self.store(op, imm)
        if op == 0x23 or op == 0x24:
            return self.glob(op, imm)
        if op in _EXT:
            return self.ext(op, imm, pops, push)
        if op in _FOLD and self.fold(op, pops, push):
            return
        if op == 0xD1:       # ref.is_null
            a = self.pop()
            self.push(self.mkv("%s is %s" % (_par(a.e, a.atom), self.mc.gref("NULL")), I32, True, a.deps, True,
                               a.depth + 1))
            return
        if op == 0x50 and self.stack[-1].k == "p":
            a = self.pop()
            e = "(%s | %s) == 0" % (_par(a.e, a.atom), _par(a.eh, a.atom))
            self.push(self.mkv(e, I32, True, a.deps, True, a.depth + 1))
            return
        if (op in _I64_CMP or op in _I64_CMPU) and self.stack[-1].k == "p":
            return self.pcompare(op)
        if op == 0x45 or op == 0x50:
            a = self.pop()
            if a.k == "i":
                if a.t == I32 and self.w64 and not a.nrm:
                    e = "(%s & %s) == 0" % (self.ipar(a), self.mk())
                else:
                    e = "%s == 0" % self.npar(a)
            else:
                e = "%s == %s" % (_par(a.e, a.atom), self.mc.gref("ZERO"))
            self.push(self.mkv(e, I32, True, a.deps, True, a.depth + 1))
            return
        if op in _I32_CMP or op in _I64_CMP:
            b = self.pop()
            a = self.pop()
            sym = _I32_CMP.get(op) or _I64_CMP[op]
            if a.k == "i":
                if op in (0x46, 0x47) and self.w64 and a.t == I32 and not (a.nrm and b.nrm):
                    e = "(%s ^ %s) & %s %s 0" % (self.ipar(a), self.ipar(b), self.mk(), sym)
                else:
                    e = "%s %s %s" % (self.npar(a), sym, self.npar(b))
            else:
                e = "%s %s %s" % (_par(a.e, a.atom), sym, _par(b.e, b.atom))
            self.push(self.mkv(e, I32, True, _deps(a, b), True,
                               max(a.depth, b.depth) + 1))
            return
        if op in _I32_CMPU or op in _I64_CMPU:
            b = self.pop()
            a = self.pop()
            sym = _I32_CMPU.get(op) or _I64_CMPU[op]
            if a.t == I32 and self.w64:
                # canonical (sign-extended) i32s order as unsigned words as
                # they do as u32: no mask (whose constant costs every call)
                e = "uint(%s) %s uint(%s)" % (self.nexpr(a), sym, self.nexpr(b))
            elif a.t == I32:
                e = "%s %s %s" % (self.uexpr(a), sym, self.uexpr(b))
            elif a.k == "i":
                e = "uint(%s) %s uint(%s)" % (a.e, sym, b.e)
            else:
                fn = {0x54: "i64_lt_u", 0x56: "i64_gt_u", 0x58: "i64_le_u",
                      0x5A: "i64_ge_u"}[op]
                return self.call_helper(fn, (a, b), I32, False)
            self.push(self.mkv(e, I32, True, _deps(a, b), True,
                               max(a.depth, b.depth) + 1))
            return
        if op in _F_CMP:
            b = self.pop()
            a = self.pop()
            if self.t.inline_float:
                e = "%s %s %s" % (_par(a.e, a.atom), _F_CMP[op], _par(b.e, b.atom))
                self.push(self.mkv(e, I32, True, _deps(a, b), True,
                                   max(a.depth, b.depth) + 1))
                return
            self.stack.append(a)
            self.stack.append(b)
            return self.call_helper(helper_name(op), None, I32, False, 2)
        if 0x6A <= op <= 0x78:
            return self.i32bin(op)
        if 0x7C <= op <= 0x8A:
            if self.pairs:
                return self.pbin(op)
            return self.i64bin(op)
        if _f2(op):
            b = self.pop()
            a = self.pop()
            if self.t.inline_float and op in (0xA0, 0xA1, 0xA2):
                sym = {0xA0: "+", 0xA1: "-", 0xA2: "*"}[op]
                e = "%s %s %s" % (_par(a.e, a.atom), sym, _par(b.e, b.atom))
                self.push(self.mkv(e, push, True, _deps(a, b),
                                   depth=max(a.depth, b.depth) + 1))
                return
            self.stack.append(a)
            self.stack.append(b)
            return self.call_helper(helper_name(op), None, push, False, 2)
        if op == 0x9A and self.t.inline_float:
            a = self.pop()
            self.push(self.mkv("-" + _par(a.e, a.atom), push, True, a.deps,
                               depth=a.depth + 1))
            return
        if 0x67 <= op <= 0x69 or 0x79 <= op <= 0x7B:
            if op >= 0x79 and self.pairs:
                return self.pbitcount(op)
            return self.bitcount(op)
        if _f1(op):
            name = helper_name(op)
            trapping = "trunc_f" in name
            return self.call_helper(name, None, push, trapping, 1)
        return self.conv(op, push)

    # -- floats as bit patterns (Target.fbits) -------------------------------
    def fop(self, op, imm, push):
        """f32/f64 operations on bit patterns: sign bits and comparisons
        inline, the rest through vfloat's viper helpers on W's words.
        Returns False for other opcodes."""
        if op == 0x43 or op == 0x44:
            return self.fconst(op, imm, push)
        if op in _F_CMP:
            if op <= 0x60:
                self.fcmp1(op, F32)
            elif self.pairs:
                self.fcmp2(op)
            else:
                self.fcmp1(op, F64)
            return True
        if op in _FSIGN:
            self.fsign(op)
            return True
        if op in (0xA0, 0xA1, 0xA2, 0xA3) and self.w64 and self.t.fastfloat:
            self.f64fast(op)
            return True
        if op == 0x9F and self.w64 and self.t.fastfloat:
            self.f64sqrt()
            return True
        if op in (0x92, 0x93, 0x94) and self.w64 and self.t.fastfloat:
            self.f32fast(op)
            return True
        if op in _FHELP:
            n, code = _FHELP[op]
            args = self.stack[len(self.stack) - n:]
            del self.stack[len(self.stack) - n:]
            t = args[0].t
            self.to_words(args, 2 if t == F64 or t == I64 else 1)
            self.line("w[%d] = %d" % (OPW, code))
            if op <= 0x98 or 0xB2 <= op <= 0xB6:
                self.line("%s(W)" % self.mc.vf("f32op"))
            else:
                self.line("%s(W)" % self.mc.vf("f64op"))
            self.from_words(push)
            return True
        if op in _FTRUNC:
            a = self.pop()
            self.to_words([a], 2)
            self.line("w[%d] = %d" % (OPW, _FTRUNC[op]))
            self.line("%s(W)" % self.mc.vf("ftrunc"))
            self.from_words(push)
            return True
        if op in (0xBC, 0xBD, 0xBE, 0xBF):       # reinterpret: the same bits
            a = self.pop()
            v = V(a.e, a.k, push, a.nrm, a.deps, a.atom, a.b, a.depth, a.const, a.eh)
            self.push(v)
            return True
        return False

    def f64fast(self, op):
        """f64 add, sub, mul, div in 64-bit words: inline when the operands
        and the result are normal numbers (the common case), else vfloat.
        Straight-line code: the helper's call is written out on both ways
        to it, rather than a flag tested after the fast path."""
        b = self.pop()
        a = self.pop()
        L = self.line
        M52 = self.kconst((1 << 52) - 1, 64)
        H52 = self.kconst(1 << 52, 64)
        SG = self.kconst(-(1 << 63), 64)
        # operands that are variables are read where they are (nothing
        # below assigns them: the result is assigned last)
        fa = a.e if _is_name(a.e) else "fa"
        fb = b.e if _is_name(b.e) else "fb"
        if fa == "fa":
            L("fa = " + a.e)
        if fb == "fb":
            L("fb = " + b.e)
        L("fe = (%s >> 52) & 2047" % fa)
        L("fg = (%s >> 52) & 2047" % fb)
        L("if uint(fe - 1) < uint(2046) and uint(fg - 1) < uint(2046):")
        if op == 0xA3:
            # q0 = fx * 2**55 // fy (55 or 56 bits) by hardware divisions of
            # 10 bits (the remainder < fy < 2**53: fx << 10 fits a word)
            code = ["fx = (fa & %s) | %s" % (M52, H52), "fy = (fb & %s) | %s" % (M52, H52),
                    "q0 = fx // fy", "fx = fx - q0 * fy"]
            for k in (10, 10, 10, 10, 10, 5):
                code += ["fx = fx << %d" % k, "q1 = fx // fy", "fx = fx - q1 * fy",
                         "q0 = (q0 << %d) | q1" % k]
            code += ["fe = fe - fg + 1022", "if q0 >> 55:", " q1 = q0 & 7", " q0 = q0 >> 3",
                     " fe += 1", " q2 = 4", "else:", " q1 = q0 & 3", " q0 = q0 >> 2",
                     " q2 = 2",
                     "if q1 > q2 or (q1 == q2 and (fx or (q0 & 1))):", " q0 += 1",
                     "if uint(fe - 1) < uint(2046):",
                     " fr = ((fa ^ fb) & %s) | (((fe - 1) << 52) + q0)" % SG]
        elif op == 0xA2:
            M51 = self.kconst((1 << 51) - 1, 64)
            code = [# the 106-bit product from 26/27-bit limbs of the
                    # significands (the high ones with the hidden bit): fx =
                    # its top 53 or 54 bits, q6 the 52 below
                    "q0 = fa & 67108863", "q1 = ((fa >> 26) & 67108863) | 67108864",
                    "q2 = fb & 67108863", "q3 = ((fb >> 26) & 67108863) | 67108864",
                    "q5 = q0 * q3 + q1 * q2",
                    "q6 = q0 * q2 + ((q5 & 67108863) << 26)",
                    "fx = q1 * q3 + (q5 >> 26) + (q6 >> 52)", "q6 = q6 & " + M52,
                    "fe = fe + fg - 1023", "if fx >> 53:", " fy = fx & 1", " fx = fx >> 1",
                    " fe += 1", " if fy and (q6 or (fx & 1)):", "  fx += 1", "else:",
                    " fy = q6 >> 51", " if fy and ((q6 & %s) or (fx & 1)):" % M51,
                    "  fx += 1", "if uint(fe - 1) < uint(2046):",
                    # the rounding carry, if any, goes into the exponent
                    " fr = ((fa ^ fb) & %s) | (((fe - 1) << 52) + fx)" % SG]
        else:
            M63 = self.kconst((1 << 63) - 1, 64)
            # fc: the operand of the larger magnitude (the result's sign),
            # fe its exponent, q1 how far the other is shifted
            fd = "fb" if op == 0xA0 else "fd"
            code = ([] if op == 0xA0 else ["fd = fb ^ " + SG]) + [
                    "fx = fa & " + M63, "fy = fd & " + M63, "fc = fa",
                    "if fx < fy:", " fc = fd", " q0 = fx", " fx = fy", " fy = q0",
                    " q1 = fg - fe", " fe = fg", "else:", " q1 = fe - fg",
                    # 3 guard bits; the smaller operand aligned, a sticky bit
                    "fx = ((fx & %s) | %s) << 3" % (M52, H52),
                    "fy = ((fy & %s) | %s) << 3" % (M52, H52),
                    "if q1 > 56:", " fy = 1", "elif q1:", " q0 = fy >> q1",
                    " if (q0 << q1) != fy:", "  q0 |= 1", " fy = q0",
                    "if (fa ^ fd) >= 0:", " fx = fx + fy", " if fx >> 56:",
                    "  fx = (fx >> 1) | (fx & 1)", "  fe += 1", "else:", " fx = fx - fy",
                    # cancellation: exact (at most one bit went into the
                    # guard bits when it can be more than one)
                    " if fx:", "  while fx >> 55 == 0:", "   fx = fx << 1", "   fe -= 1",
                    # a zero, overflow, subnormal: vfloat
                    # round to nearest even: 3 + the kept lsb carries out of
                    # the guard bits from 5 up, or from 4 when the lsb is 1
                    "if fx >> 55 and uint(fe - 1) < uint(2046):",
                    " fx = (fx + 3 + ((fx >> 3) & 1)) >> 3",
                    " fr = (fc & %s) | (((fe - 1) << 52) + fx)" % SG]
            code = [_word_sub(x, "fd", fd) for x in code]
        slow = ("w[8] = fa", "w[9] = fa >> 32", "w[10] = fb", "w[11] = fb >> 32",
                "w[%d] = %d" % (OPW, _FHELP[op][1]), "%s(W)" % self.mc.vf("f64op"),
                "fr = int(w[8]) | (int(w[9]) << 32)")
        code.append("else:")
        code += [" " + x for x in slow]
        for x in code:
            L(" " + _operands(x, fa, fb))
        L("else:")
        for x in slow:
            L(" " + _operands(x, fa, fb))
        h = len(self.stack)
        var = self.svar(h, "i")
        self.assign(var, "fr")
        self.stack.append(V(var, "i", F64, True, (var,), True))

    def f64sqrt(self):
        """f64.sqrt in 64-bit words, inline for positive normal operands
        (vfloat_w64's algorithm without its call and dispatch: a call cost
        about 1000 host instructions).  q0 = isqrt(fx * 2**56) by Newton's
        method from the tangent at 2**61 (3 steps leave it less than one
        too high), then one tangent step for the low 24 bits, mended by the
        exact remainder q2; 2 guard bits and a sticky bit round it."""
        a = self.pop()
        L = self.line
        M52 = self.kconst((1 << 52) - 1, 64)
        H52 = self.kconst(1 << 52, 64)
        H31 = self.kconst(1 << 31, 32)
        fa = a.e if _is_name(a.e) else "fa"
        if fa == "fa":
            L("fa = " + a.e)
        # the sign bit makes fe negative: negative operands go to vfloat
        code = ["fe = %s >> 52" % fa, "if uint(fe - 1) < uint(2046):",
                " fx = (%s & %s) | %s" % (fa, M52, H52), " fe = fe - 1075",
                " if fe & 1:", "  fx = fx << 1", "  fe -= 1",
                " q1 = fx << 8", " q0 = (((q1 >> 30) + %s) * 23171) >> 16" % H31,
                " q0 = (q0 + q1 // q0) >> 1", " q0 = (q0 + q1 // q0) >> 1",
                " q0 = (q0 + q1 // q0) >> 1",
                " while q0 * q0 > q1:", "  q0 -= 1",
                " while (q0 + 1) * (q0 + 1) <= q1:", "  q0 += 1",
                " q2 = q1 - q0 * q0", " q3 = (q2 << 23) // q0",
                " q2 = (((q2 << 24) - ((q0 * q3) << 1)) << 24) - q3 * q3",
                " q0 = (q0 << 24) + q3", " while q2 < 0:", "  q0 -= 1",
                "  q2 = q2 + (q0 << 1) + 1",
                # q0 in [2**54, 2**55): round off 2 bits, the sticky in bit 0
                " if q2:", "  q0 |= 1",
                " fr = ((((fe - 56) >> 1) + 1076) << 52) + ((q0 + 1 + ((q0 >> 2) & 1)) >> 2)",
                "else:", " w[8] = %s" % fa, " w[9] = %s >> 32" % fa,
                " w[%d] = %d" % (OPW, _FHELP[0x9F][1]), " %s(W)" % self.mc.vf("f64op"),
                " fr = int(w[8]) | (int(w[9]) << 32)"]
        for x in code:
            L(x)
        h = len(self.stack)
        var = self.svar(h, "i")
        self.assign(var, "fr")
        self.stack.append(V(var, "i", F64, True, (var,), True))

    def f32fast(self, op):
        """f32 add, sub, mul in 64-bit words (the product of two 24-bit
        significands fits): inline when operands and result are normal."""
        b = self.pop()
        a = self.pop()
        L = self.line
        SG = self.kconst(-0x80000000, 32)
        L("fa = " + self.nexpr(a))
        L("fb = " + self.nexpr(b))
        L("fe = (fa >> 23) & 255")
        L("fg = (fb >> 23) & 255")
        L("fk = 0")
        L("if uint(fe - 1) < uint(254) and uint(fg - 1) < uint(254):")
        if op == 0x94:
            code = ("fx = ((fa & 8388607) | 8388608) * ((fb & 8388607) | 8388608)",
                    "fe = fe + fg - 127", "if fx >> 47:", " q0 = fx & 16777215",
                    " fx = fx >> 24", " fe += 1", "else:", " q0 = (fx & 8388607) << 1",
                    " fx = fx >> 23",
                    "if q0 > 8388608 or (q0 == 8388608 and (fx & 1)):", " fx += 1",
                    "if uint(fe - 1) < uint(254):",
                    " fr = ((fa ^ fb) & %s) | (((fe - 1) << 23) + fx)" % SG, " fk = 1")
        else:
            M31 = self.kconst(0x7FFFFFFF, 32)
            code = ("fc = fa", "fd = fb" if op == 0x92 else "fd = fb ^ " + SG,
                    "fx = fc & " + M31, "fy = fd & " + M31,
                    "if fx < fy:", " q0 = fc", " fc = fd", " fd = q0", " q0 = fx",
                    " fx = fy", " fy = q0", " q0 = fe", " fe = fg", " fg = q0",
                    "q1 = fe - fg", "fx = ((fx & 8388607) | 8388608) << 3",
                    "fy = ((fy & 8388607) | 8388608) << 3",
                    "if q1 > 27:", " fy = 1", "elif q1:", " q0 = fy >> q1",
                    " if (q0 << q1) != fy:", "  q0 |= 1", " fy = q0",
                    "if (fc ^ fd) >= 0:", " fx = fx + fy", " if fx >> 27:",
                    "  fx = (fx >> 1) | (fx & 1)", "  fe += 1", "else:", " fx = fx - fy",
                    " if fx >> 26 == 0 and fx >> 25:", "  fx = fx << 1", "  fe -= 1",
                    "if fx >> 26 and uint(fe - 1) < uint(254):", " q0 = fx & 7",
                    " fx = fx >> 3", " if q0 > 4 or (q0 == 4 and (fx & 1)):", "  fx += 1",
                    " fr = (fc & %s) | (((fe - 1) << 23) + fx)" % SG, " fk = 1")
        for x in code:
            L(" " + x)
        L("if fk == 0:")
        for x in ("w[8] = fa", "w[9] = fb", "w[%d] = %d" % (OPW, _FHELP[op][1]),
                  "%s(W)" % self.mc.vf("f32op"), "fr = int(w[8]) << 32 >> 32"):
            L(" " + x)
        h = len(self.stack)
        var = self.svar(h, "i")
        self.assign(var, "fr")
        self.stack.append(V(var, "i", F32, True, (var,), True))

    def fconst(self, op, v, push):
        if op == 0x43:
            v = ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        else:
            v = ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
        self.push(self.iconst(v, push))
        return True

    def to_words(self, args, stride):
        """Stores operands in the helper words from SCR (vfloat.py): an
        operand per `stride` words (a one-word value in the first)."""
        k = SCR
        for a in args:
            if a.k == "p":
                self.line("w[%d] = %s" % (k, a.e))
                self.line("w[%d] = %s" % (k + 1, a.eh))
            elif (a.t == I64 or a.t == F64) and self.w64:
                x = a.e
                if not (a.atom or a.const is not None):
                    self.line("fx = " + a.e)
                    x = "fx"
                self.line("w[%d] = %s" % (k, x))
                self.line("w[%d] = %s >> 32" % (k + 1, x))
            else:
                self.line("w[%d] = %s" % (k, self.ival(a)))
            k += stride

    def from_words(self, t):
        """Pushes the helper's result (W[SCR..]) as a value of type t."""
        if _kind(t, self.mc.t) == "p":
            self.push_pair("int(w[%d])" % SCR, "int(w[%d])" % (SCR + 1), t)
            return
        h = len(self.stack)
        var = self.svar(h, "i")
        if t == I64 or t == F64:
            self.assign(var, "int(w[%d]) | (int(w[%d]) << 32)" % (SCR, SCR + 1))
            nrm = True
        else:
            self.assign(var, "int(w[%d])" % SCR)
            nrm = not self.w64
        self.stack.append(V(var, "i", t, nrm, (var,), True))

    def fsign(self, op):
        """abs, neg, copysign: bit operations on the sign."""
        t = F32 if op <= 0x98 else F64
        b = self.pop() if op == 0x98 or op == 0xA6 else None
        a = self.pop()
        what = _FSIGN[op]
        if a.k == "p":
            m = self.kconst(0x7FFFFFFF, 32)
            sg = self.kconst(-0x80000000, 32)
            if what == "abs":
                hi = "%s & %s" % (_par(a.eh, a.atom), m)
            elif what == "neg":
                hi = "%s ^ %s" % (_par(a.eh, a.atom), sg)
            else:
                hi = "(%s & %s) | (%s & %s)" % (_par(a.eh, a.atom), m, _par(b.eh, b.atom), sg)
            self.line("pl = " + a.e)
            self.line("ph = " + hi)
            self.push_pair("pl", "ph", t)
            return
        if t == F32:
            m = self.kconst(0x7FFFFFFF, 32)
            sg = self.kconst(-0x80000000, 32)
            ea = self.npar(a)
        else:
            m = self.kconst(0x7FFFFFFFFFFFFFFF, 64)
            sg = self.kconst(-0x8000000000000000, 64)
            ea = _par(a.e, a.atom)
        if what == "abs":
            e = "%s & %s" % (ea, m)
        elif what == "neg":
            e = "%s ^ %s" % (ea, sg)
        else:
            eb = self.npar(b) if t == F32 else _par(b.e, b.atom)
            e = "(%s & %s) | (%s & %s)" % (ea, m, eb, sg)
        deps = _deps(a, b) if b is not None else a.deps
        self.push(self.mkv(e, t, True, deps, depth=a.depth + 1))

    def fcmp1(self, op, t):
        """A comparison of f32 patterns (canonical i32) or of f64 patterns
        in 64-bit words: NaN tests and a sign-magnitude order key."""
        b = self.pop()
        a = self.pop()
        if t == F32:
            m = self.kconst(0x7FFFFFFF, 32)
            inf = self.kconst(0x7F800000, 32)
            ea, eb = self.nexpr(a), self.nexpr(b)
        else:
            m = self.kconst(0x7FFFFFFFFFFFFFFF, 64)
            inf = self.kconst(0x7FF0000000000000, 64)
            ea, eb = a.e, b.e
        L = self.line
        L("fa = " + ea)
        L("fb = " + eb)
        L("fx = fa & " + m)
        L("fy = fb & " + m)
        kind = (op - 0x5B) % 6       # eq ne lt gt le ge
        if kind == 0:
            e = "(fa == fb and fx <= %s) or (fx | fy) == 0" % inf
        elif kind == 1:
            e = "(fa != fb or fx > %s) and (fx | fy) != 0" % inf
        else:
            ka = "(fx if fa >= 0 else 0 - fx)"
            kb = "(fy if fb >= 0 else 0 - fy)"
            sym = {2: "<", 3: ">", 4: "<=", 5: ">="}[kind]
            e = "fx <= %s and fy <= %s and %s %s %s" % (inf, inf, ka, sym, kb)
        r = self.temp()
        L("%s = int(%s)" % (r, e))
        self.push(V(r, "i", I32, True, (r,), True))

    def fcmp2(self, op):
        """A comparison of f64 patterns held in pairs of 32-bit words."""
        b = self.pop()
        a = self.pop()
        m = self.kconst(0x7FFFFFFF, 32)
        inf = self.kconst(0x7FF00000, 32)
        L = self.line
        L("fa = " + a.e)
        L("fah = " + a.eh)
        L("fb = " + b.e)
        L("fbh = " + b.eh)
        L("fx = fah & " + m)
        L("fy = fbh & " + m)
        # fn: a NaN operand; fz: both zero (+0 == -0)
        L("fn = int(fx > %s or (fx == %s and fa != 0) or fy > %s or (fy == %s and fb != 0))"
          % (inf, inf, inf, inf))
        L("fz = int((fx | fa | fy | fb) == 0)")
        r = self.temp()
        kind = (op - 0x61) % 6
        if kind == 0:
            L("%s = int(fn == 0 and (fz or (fah == fbh and fa == fb)))" % r)
        elif kind == 1:
            L("%s = int(fn or (fz == 0 and (fah != fbh or fa != fb)))" % r)
        else:
            # a < b on the magnitudes and signs; le/ge: not (b < a), no NaN
            lt = kind == 2 or kind == 5     # lt(a, b); ge = not lt(a, b)
            if kind == 3 or kind == 4:      # gt(a, b) = lt(b, a); le = not lt(b, a)
                x, xh, xm, y, yh, ym = "fb", "fbh", "fy", "fa", "fah", "fx"
            else:
                x, xh, xm, y, yh, ym = "fa", "fah", "fx", "fb", "fbh", "fy"
            L("if fn or fz:")
            L(" fc = 0")
            L("elif %s < 0:" % xh)
            L(" fc = int(%s >= 0 or %s > %s or (%s == %s and uint(%s) > uint(%s)))"
              % (yh, xm, ym, xm, ym, x, y))
            L("elif %s < 0:" % yh)
            L(" fc = 0")
            L("else:")
            L(" fc = int(%s < %s or (%s == %s and uint(%s) < uint(%s)))" % (xm, ym, xm, ym, x, y))
            if kind == 2 or kind == 3:
                L("%s = fc" % r)
            else:
                # le / ge: ordered and not the strict opposite (fz: equal)
                L("%s = int(fn == 0 and fc == 0)" % r)
        self.push(V(r, "i", I32, True, (r,), True))

    def popcnt(self, x, bits):
        """Emits the population count of the unsigned value in variable x
        (bits wide, in a machine word as wide or wider); returns it (an
        expression to assign at once: it reads the scratch variable bq)."""
        t = "bq"
        if bits == 64:
            m1 = self.kconst(0x5555555555555555, 64)
            m2 = self.kconst(0x3333333333333333, 64)
            m4 = self.kconst(0x0F0F0F0F0F0F0F0F, 64)
            h = self.kconst(0x0101010101010101, 64)
            self.line("%s = %s - (int(uint(%s) >> 1) & %s)" % (t, x, x, m1))
            self.line("%s = (%s & %s) + (int(uint(%s) >> 2) & %s)" % (t, t, m2, t, m2))
            self.line("%s = (%s + int(uint(%s) >> 4)) & %s" % (t, t, t, m4))
            return "int(uint(%s * %s) >> 56)" % (t, h)
        m1 = self.kconst(0x55555555, 32)
        self.line("%s = %s - (int(uint(%s) >> 1) & %s)" % (t, x, x, m1))
        self.line("%s = (%s & 0x33333333) + (int(uint(%s) >> 2) & 0x33333333)" % (t, t, t))
        self.line("%s = (%s + int(uint(%s) >> 4)) & 0x0f0f0f0f" % (t, t, t))
        return "(int(uint(%s * 0x01010101) >> 24) & 255)" % t

    def bitcount(self, op):
        """clz / ctz / popcnt inline (bit tricks on a word; i64 only where it
        is one word)."""
        a = self.pop()
        bits = 32 if op <= 0x69 else 64
        kind = (op - 0x67) % 18
        x = "bx"
        if bits == 32:
            self.line("%s = %s" % (x, self.uexpr(a) if self.w64 else self.ival(a)))
        else:
            self.line("%s = %s" % (x, a.e))
        if kind == 0:      # clz: smear the top bit down, count the ones
            sh = 1
            while sh < bits:
                self.line("%s = %s | int(uint(%s) >> %d)" % (x, x, x, sh))
                sh += sh
            e = "%d - %s" % (bits, self.popcnt(x, bits))
        elif kind == 1:    # ctz: the ones below the lowest set bit
            if bits == 32 and self.w64:
                self.line("%s = ((%s & (0 - %s)) - 1) & %s" % (x, x, x, self.mk()))
            else:
                self.line("%s = (%s & (0 - %s)) - 1" % (x, x, x))
            e = self.popcnt(x, bits)
        else:
            e = self.popcnt(x, bits)
        y = self.temp()
        self.line("%s = %s" % (y, e))
        self.push(V(y, "i", I32 if bits == 32 else I64, True, (y,), True))

    def pbitcount(self, op):
        """i64 clz / ctz / popcnt on a pair: from the two words' counts."""
        a = self.pop()
        L = self.line
        if op == 0x7B:
            L("bx = " + a.e)
            L("bz = " + self.popcnt("bx", 32))
            L("bx = " + a.eh)
            L("bz = bz + " + self.popcnt("bx", 32))
        elif op == 0x79:      # clz: of the high word, else 32 + of the low
            L("bx = " + a.eh)
            L("bz = 0")
            L("if bx == 0:")
            L(" bx = " + a.e)
            L(" bz = 32")
            for sh in (1, 2, 4, 8, 16):
                L("bx = bx | int(uint(bx) >> %d)" % sh)
            L("bz = bz + 32 - " + self.popcnt("bx", 32))
        else:                 # ctz: of the low word, else 32 + of the high
            L("bx = " + a.e)
            L("bz = 0")
            L("if bx == 0:")
            L(" bx = " + a.eh)
            L(" bz = 32")
            L("bx = (bx & (0 - bx)) - 1")
            L("bz = bz + " + self.popcnt("bx", 32))
        self.push_pair("bz", "0")

    def fold(self, op, pops, push):
        """Computes an integer operation on constants here (mpy-cross would
        fold the expression into a big literal, an object in viper)."""
        n = len(pops)
        args = self.stack[len(self.stack) - n:]
        for a in args:
            if a.const is None or a.k == "o":
                return False
        from . import numeric as N
        name = _FOLD[op]
        vals = [a.const for a in args]
        try:
            if name[0] in "+-*&|^":
                w = N.wrap32 if push == I32 else N.wrap64
                a, b = vals
                r = w({"+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b,
                       "^": a ^ b}[name[0]])
            elif name[0] in "=!<>":
                a, b = vals
                r = 1 if {"==": a == b, "!=": a != b, "<": a < b, ">": a > b,
                          "<=": a <= b, ">=": a >= b}[name] else 0
            elif name == "eqz":
                r = 1 if vals[0] == 0 else 0
            else:
                r = getattr(N, name)(*vals)
        except Exception:
            return False      # a trap (division by zero...): at run time
        del self.stack[len(self.stack) - n:]
        self.push(self.iconst(r, push))
        return True

    def call_helper(self, name, args, rt, store, n=0):
        """Pushes fmode.name(args) (args: Vals, or the top n entries)."""
        if args is None:
            args = self.stack[len(self.stack) - n:]
            del self.stack[len(self.stack) - n:]
        parts = []
        for a in args:
            if a.k == "p":     # the helpers take Python ints
                parts.append("%s(%s, %s)" % (self.mc.helper("_i64"), a.e, a.eh))
            else:
                parts.append(self.nexpr(a) if a.k == "i" else a.e)
        e = "%s(%s)" % (self.mc.fm(name), ", ".join(parts))
        k = _kind(rt, self.mc.t) if rt else "o"
        if k == "p":
            self.line("%s(W, %s)" % (self.mc.helper("_split"), e))
            self.push_pair("int(w[%d])" % ARGS, "int(w[%d])" % (ARGS + 1), rt)
            return
        if k == "i":
            e = "int(%s)" % e
        v = self.mkv(e, rt, True, _deps(*args), depth=max([a.depth for a in args] + [0]) + 1, k=k)
        self.push(v)
        if store:
            self.materialize(len(self.stack) - 1, False)

    def conv(self, op, push):
        """Conversions not covered by _f1 (wrap and extend)."""
        a = self.pop()
        if op == 0xA7:      # i32.wrap_i64: the low word
            if a.k == "p":
                self.push(V(a.e, "i", I32, True, a.deps, a.atom, depth=a.depth,
                            const=None if a.const is None else N_wrap32(a.const)))
                return
            self.push(self.mkv(a.e, I32, False, a.deps, depth=a.depth, k="i"))
            self.stack[-1].atom = a.atom
            return
        if op == 0xAC or op == 0xAD:   # i64.extend_i32_s/u
            if self.pairs:
                if op == 0xAD:
                    self.push(V(self.ival(a), "p", I64, True, a.deps, a.atom and not a.b,
                                depth=a.depth + 1, eh="0"))
                    return
                self.line("pl = " + self.ival(a))
                self.push_pair("pl", "pl >> 31")
                return
            if op == 0xAC:
                self.push(self.mkv(self.nexpr(a), I64, True, a.deps, depth=a.depth + 1))
            else:
                self.push(self.mkv(self.uexpr(a), I64, True, a.deps, depth=a.depth + 1))
            return
        if op == 0xC0 or op == 0xC1 or op == 0xC2 or op == 0xC3:
            m, sg = (255, 128) if op in (0xC0, 0xC2) else (65535, 32768)
            if a.k == "p":
                self.line("pl = ((%s & %d) ^ %d) - %d" % (_par(a.e, a.atom), m, sg, sg))
                self.push_pair("pl", "pl >> 31")
                return
            e = "((%s & %d) ^ %d) - %d" % (self.ipar(a), m, sg, sg)
            self.push(self.mkv(e, push, True, a.deps, depth=a.depth + 1))
            return
        if op == 0xC4:      # i64.extend32_s
            if a.k == "p":
                self.line("pl = " + a.e)
                self.push_pair("pl", "pl >> 31")
                return
            self.push(self.mkv("(%s << 32 >> 32)" % self.ipar(a), I64, True, a.deps,
                               depth=a.depth + 1))
            return
        raise CompileError("compiler: opcode 0x%x not supported" % op)

    # -- i64 as a pair of 32-bit words -----------------------------------------
    def pcompare(self, op):
        b = self.pop()
        a = self.pop()
        al, ah = _par(a.e, a.atom), _par(a.eh, a.atom)
        bl, bh = _par(b.e, b.atom), _par(b.eh, b.atom)
        if op == 0x51 or op == 0x52:
            e = "((%s ^ %s) | (%s ^ %s)) %s 0" % (al, bl, ah, bh, "==" if op == 0x51 else "!=")
        else:
            if op in (0x55, 0x56, 0x59, 0x5A):     # gt, ge: swap the operands
                al, ah, bl, bh = bl, bh, al, ah
            strict = op in (0x53, 0x54, 0x55, 0x56)
            if op in _I64_CMPU:
                hi = "uint(%s) < uint(%s)" % (ah, bh)
            else:
                hi = "%s < %s" % (ah, bh)
            e = "%s or (%s == %s and uint(%s) %s uint(%s))" % (hi, ah, bh, al,
                                                             "<" if strict else "<=", bl)
        self.push(self.mkv(e, I32, True, _deps(a, b), True, max(a.depth, b.depth) + 1))

    def pmul(self, a, b):
        """Emits pl, ph = a * b (64 bits of the product; the low words'
        32x32 -> 64 product from 16-bit halves)."""
        x = a.e
        if not a.atom:
            self.line("ma = " + a.e)
            x = "ma"
        y = b.e
        if not b.atom:
            self.line("mb = " + b.e)
            y = "mb"
        L = self.line
        L("q0 = %s & 0xffff" % x)
        L("q1 = int(uint(%s) >> 16)" % x)
        cross = []
        if b.const is not None and 0 <= b.const < 0x10000:
            c = b.const
            L("q4 = q0 * %d" % c)
            L("q6 = q1 * %d" % c)
            L("q5 = int(uint(q4) >> 16) + (q6 & 0xffff)")
            hi = "int(uint(q6) >> 16) + int(uint(q5) >> 16)"
            if a.eh != "0":
                cross.append("%s * %d" % (_par(a.eh, a.atom), c))
        else:
            L("q2 = %s & 0xffff" % y)
            L("q3 = int(uint(%s) >> 16)" % y)
            L("q4 = q0 * q2")
            L("q6 = q1 * q2")
            L("q7 = q0 * q3")
            L("q5 = int(uint(q4) >> 16) + (q6 & 0xffff) + (q7 & 0xffff)")
            hi = ("q1 * q3 + int(uint(q6) >> 16) + int(uint(q7) >> 16) + "
                  "int(uint(q5) >> 16)")
            if b.eh != "0":
                cross.append("%s * %s" % (x, _par(b.eh, b.atom)))
            if a.eh != "0":
                cross.append("%s * %s" % (_par(a.eh, a.atom), y))
        L("ph = " + " + ".join([hi] + cross))
        L("pl = (q4 & 0xffff) | (q5 << 16)")

    def pshift(self, op, a, b):
        """Emits pl, ph = a shifted / rotated by b (the low word's & 63)."""
        L = self.line
        al, ah = _par(a.e, a.atom), _par(a.eh, a.atom)
        if b.const is not None:
            c = b.const & 63
            if op == 0x8A:                       # rotr c = rotl 64 - c
                op, c = 0x89, (64 - c) & 63
            if c == 0:
                L("pl = " + a.e)
                L("ph = " + a.eh)
            elif op == 0x86:                     # shl
                if c < 32:
                    L("ph = (%s << %d) | int(uint(%s) >> %d)" % (ah, c, al, 32 - c))
                    L("pl = %s << %d" % (al, c))
                else:
                    L("ph = %s << %d" % (al, c - 32))
                    L("pl = 0")
            elif op == 0x87 or op == 0x88:       # shr_s, shr_u
                if c < 32:
                    L("pl = int(uint(%s) >> %d) | (%s << %d)" % (al, c, ah, 32 - c))
                    L("ph = %s" % ("%s >> %d" % (ah, c) if op == 0x87 else
                                   "int(uint(%s) >> %d)" % (ah, c)))
                else:
                    if op == 0x87:
                        L("pl = %s >> %d" % (ah, c - 32))
                        L("ph = %s >> 31" % ah)
                    else:
                        L("pl = int(uint(%s) >> %d)" % (ah, c - 32))
                        L("ph = 0")
            else:                                # rotl
                x, y = (al, ah) if c < 32 else (ah, al)
                c &= 31
                if c == 0:
                    L("pl = " + x)
                    L("ph = " + y)
                else:
                    L("q1 = " + x)
                    L("q2 = " + y)
                    L("pl = (q1 << %d) | int(uint(q2) >> %d)" % (c, 32 - c))
                    L("ph = (q2 << %d) | int(uint(q1) >> %d)" % (c, 32 - c))
            return
        if op == 0x8A:
            L("q0 = (64 - (%s & 63)) & 63" % _par(b.e, b.atom))
            op = 0x89
        else:
            L("q0 = %s & 63" % _par(b.e, b.atom))
        L("q1 = " + a.e)
        L("q2 = " + a.eh)
        if op == 0x89:
            L("if q0 & 32:")
            L(" q3 = q1")
            L(" q1 = q2")
            L(" q2 = q3")
            L("q0 = q0 & 31")
            L("if q0:")
            L(" pl = (q1 << q0) | int(uint(q2) >> (32 - q0))")
            L(" ph = (q2 << q0) | int(uint(q1) >> (32 - q0))")
            L("else:")
            L(" pl = q1")
            L(" ph = q2")
            return
        L("if q0 >= 32:")
        if op == 0x86:
            L(" ph = q1 << (q0 - 32)")
            L(" pl = 0")
            L("elif q0:")
            L(" ph = (q2 << q0) | int(uint(q1) >> (32 - q0))")
            L(" pl = q1 << q0")
        else:
            L(" pl = q2 >> (q0 - 32)" if op == 0x87 else " pl = int(uint(q2) >> (q0 - 32))")
            L(" ph = q2 >> 31" if op == 0x87 else " ph = 0")
            L("elif q0:")
            L(" pl = int(uint(q1) >> q0) | (q2 << (32 - q0))")
            L(" ph = q2 >> q0" if op == 0x87 else " ph = int(uint(q2) >> q0)")
        L("else:")
        L(" pl = q1")
        L(" ph = q2")

    def pbin(self, op):
        b = self.pop()
        a = self.pop()
        deps = _deps(a, b)
        if op in (0x83, 0x84, 0x85):
            sym = {0x83: "&", 0x84: "|", 0x85: "^"}[op]
            self.push(V("%s %s %s" % (_par(a.e, a.atom), sym, _par(b.e, b.atom)), "p", I64,
                        True, deps, False, depth=max(a.depth, b.depth) + 1,
                        eh="%s %s %s" % (_par(a.eh, a.atom), sym, _par(b.eh, b.atom))))
            return
        al, ah = _par(a.e, a.atom), _par(a.eh, a.atom)
        bl, bh = _par(b.e, b.atom), _par(b.eh, b.atom)
        if op == 0x7C:
            self.line("pl = %s + %s" % (al, bl))
            self.line("ph = %s + %s + int(uint(pl) < uint(%s))" % (ah, bh, al))
        elif op == 0x7D:
            self.line("ph = %s - %s - int(uint(%s) < uint(%s))" % (ah, bh, al, bl))
            self.line("pl = %s - %s" % (al, bl))
        elif op == 0x7E:
            self.pmul(a, b)
        elif 0x86 <= op <= 0x8A:
            self.pshift(op, a, b)
        else:
            # division: through a helper on the words (may trap)
            k = ARGS
            for x in (a.e, a.eh, b.e, b.eh):
                self.line("w[%d] = %s" % (k, x))
                k += 1
            self.line("%s(W, %d)" % (self.mc.helper("_pdiv"), op))
            self.line("pl = int(w[%d])" % ARGS)
            self.line("ph = int(w[%d])" % (ARGS + 1))
        self.push_pair("pl", "ph")

    # -- integer arithmetic ----------------------------------------------
    def i32bin(self, op):
        b = self.pop()
        a = self.pop()
        w64 = self.w64
        deps = _deps(a, b)
        depth = max(a.depth, b.depth) + 1
        if op in (0x6A, 0x6B, 0x6C):
            sym = {0x6A: "+", 0x6B: "-", 0x6C: "*"}[op]
            e = "%s %s %s" % (self.ipar(a), sym, self.ipar(b))
            self.push(self.mkv(e, I32, not w64, deps, depth=depth))
            return
        if op in (0x71, 0x72, 0x73):
            sym = {0x71: "&", 0x72: "|", 0x73: "^"}[op]
            nrm = (a.nrm or a.b) and (b.nrm or b.b)
            if op == 0x71 and ((a.const is not None and a.const >= 0) or
                               (b.const is not None and b.const >= 0)):
                nrm = True
            e = "%s %s %s" % (self.ipar(a), sym, self.ipar(b))
            self.push(self.mkv(e, I32, nrm or not w64, deps, depth=depth))
            return
        if op in (0x74, 0x75, 0x76):
            if b.const is not None:
                c = b.const & 31
                if c == 0:
                    self.stack.append(a)
                    return
                sh = str(c)
            else:
                c = -1
                sh = "(%s & 31)" % self.ipar(b)
            if op == 0x74:
                e = "%s << %s" % (self.ipar(a), sh)
                self.push(self.mkv(e, I32, not w64, deps, depth=depth))
            elif op == 0x75:
                e = "%s >> %s" % (self.npar(a), sh)
                self.push(self.mkv(e, I32, True, deps, depth=depth))
            else:
                if w64:
                    e = "%s >> %s" % (self.uexpr(a), sh)
                    self.push(self.mkv(e, I32, c > 0, deps, depth=depth))
                else:
                    e = "int(uint(%s) >> %s)" % (self.ival(a), sh)
                    self.push(self.mkv(e, I32, True, deps, depth=depth))
            return
        if op in (0x77, 0x78):
            if b.const is not None:
                c = b.const & 31
                if op == 0x78:
                    c = (32 - c) & 31
                if c == 0:
                    self.stack.append(a)
                    return
                x = self.temp()
                if w64:
                    self.line("%s = %s" % (x, self.uexpr(a)))
                    e = "(%s << %d) | (%s >> %d)" % (x, c, x, 32 - c)
                    self.push(self.mkv(e, I32, False, (x,), depth=1))
                else:
                    self.line("%s = %s" % (x, self.ival(a)))
                    e = "(%s << %d) | int(uint(%s) >> %d)" % (x, c, x, 32 - c)
                    self.push(self.mkv(e, I32, True, (x,), depth=1))
                return
            x = self.temp()
            c = self.temp()
            self.line("%s = %s" % (x, self.uexpr(a) if w64 else self.ival(a)))
            if op == 0x77:
                self.line("%s = %s & 31" % (c, self.ipar(b)))
            else:
                self.line("%s = (32 - %s) & 31" % (c, self.ipar(b)))
            if w64:
                e = "(%s << %s) | (%s >> ((32 - %s) & 31))" % (x, c, x, c)
                self.push(self.mkv(e, I32, False, (x, c), depth=1))
            else:
                e = "(%s << %s) | int(uint(%s) >> ((32 - %s) & 31))" % (x, c, x, c)
                self.push(self.mkv(e, I32, True, (x, c), depth=1))
            return
        # div / rem
        return self.idiv(op, a, b, I32)

    def i64bin(self, op):
        b = self.pop()
        a = self.pop()
        deps = _deps(a, b)
        depth = max(a.depth, b.depth) + 1
        if op in (0x7C, 0x7D, 0x7E, 0x83, 0x84, 0x85):
            sym = {0x7C: "+", 0x7D: "-", 0x7E: "*", 0x83: "&", 0x84: "|", 0x85: "^"}[op]
            e = "%s %s %s" % (a.e if a.atom else "(" + a.e + ")", sym,
                              b.e if b.atom else "(" + b.e + ")")
            self.push(self.mkv(e, I64, True, deps, depth=depth))
            return
        if op in (0x86, 0x87, 0x88):
            if b.const is not None:
                c = b.const & 63
                if c == 0:
                    self.stack.append(a)
                    return
                sh = str(c)
            else:
                sh = "(%s & 63)" % _par(b.e, b.atom)
            if op == 0x86:
                e = "%s << %s" % (_par(a.e, a.atom), sh)
            elif op == 0x87:
                e = "%s >> %s" % (_par(a.e, a.atom), sh)
            else:
                e = "int(uint(%s) >> %s)" % (a.e, sh)
            self.push(self.mkv(e, I64, True, deps, depth=depth))
            return
        if op in (0x89, 0x8A):
            x = self.temp()
            self.line("%s = %s" % (x, a.e))
            if b.const is not None:
                c = b.const & 63
                if op == 0x8A:
                    c = (64 - c) & 63
                if c == 0:
                    self.push(V(x, "i", I64, True, (x,), True))
                    return
                e = "(%s << %d) | int(uint(%s) >> %d)" % (x, c, x, 64 - c)
                self.push(self.mkv(e, I64, True, (x,), depth=1))
                return
            c = self.temp()
            if op == 0x89:
                self.line("%s = %s & 63" % (c, _par(b.e, b.atom)))
            else:
                self.line("%s = (64 - %s) & 63" % (c, _par(b.e, b.atom)))
            e = "(%s << %s) | int(uint(%s) >> ((64 - %s) & 63))" % (x, c, x, c)
            self.push(self.mkv(e, I64, True, (x, c), depth=1))
            return
        # viper's // and % are only right within the small-int range
        name = {0x7F: "i64_div_s", 0x80: "i64_div_u", 0x81: "i64_rem_s",
                0x82: "i64_rem_u"}[op]
        return self.call_helper(name, (a, b), I64, True)

    def idiv(self, op, a, b, t):
        """Signed division/remainder inline (guarded: viper divides with the
        machine instruction), unsigned i32 inline where the operands fit."""
        kind = {0x6D: "ds", 0x6E: "du", 0x6F: "rs", 0x70: "ru",
                0x7F: "ds", 0x81: "rs"}[op]
        bits = 32 if t == I32 else 64
        x = self.temp()
        y = self.temp()
        q = self.temp()
        if kind in ("du", "ru"):
            if not self.w64:
                # 32-bit words: inline when both operands are below 2**31
                name = self.mc.fm("i32_div_u" if kind == "du" else "i32_rem_u")
                self.line("%s = %s" % (x, self.ival(a)))
                self.line("%s = %s" % (y, self.ival(b)))
                self.line("if %s > 0 and %s >= 0:" % (y, x))
                self.line(" %s = %s %s %s" % (q, x, "//" if kind == "du" else "%", y))
                self.line("else:")
                self.line(" %s = int(%s(%s, %s))" % (q, name, x, y))
                self.push(V(q, "i", I32, True, (q,), True))
                return
            self.line("%s = %s" % (x, self.uexpr(a)))
            self.line("%s = %s" % (y, self.uexpr(b)))
            self.line("if %s == 0: %s()" % (y, self.mc.helper("_divz")))
            if kind == "du":
                self.line("%s = %s // %s" % (q, x, y))
            else:
                self.line("%s = %s %% %s" % (q, x, y))
            self.push(self.mkv(q, I32, False, (q,), depth=0))
            self.stack[-1].atom = True
            return
        self.line("%s = %s" % (x, self.nexpr(a)))
        self.line("%s = %s" % (y, self.nexpr(b)))
        self.line("if %s == 0: %s()" % (y, self.mc.helper("_divz")))
        mn = self.kconst(-(1 << (bits - 1)), bits)
        if kind == "ds":
            self.line("if %s == -1:" % y)
            self.line(" if %s == %s: %s()" % (x, mn, self.mc.helper("_ovf")))
            self.line(" %s = 0 - %s" % (q, x))
            if not self.w64:
                # viper's // moves x by |y| - 1 towards zero's other side
                # first: keep that in a 32-bit word (both directions)
                mx = self.kconst((1 << (bits - 1)) - 1, bits)
                self.line("elif (%s < 0 and %s > 0 and %s < %s + %s) or "
                          "(%s > 0 and %s < 0 and %s - 1 > %s + %s):"
                          % (x, y, x, y, mn, x, y, x, mx, y))
                self.line(" %s = int(%s(%s, %s))" % (q, self.mc.fm("i32_div_s"), x, y))
            self.line("else:")
            self.line(" %s = %s // %s" % (q, x, y))
            self.line(" if %s < 0 and %s * %s != %s: %s += 1" % (q, q, y, x, q))
        else:
            self.line("if %s == -1:" % y)
            self.line(" %s = 0" % q)
            self.line("else:")
            self.line(" %s = %s %% %s" % (q, x, y))
            self.line(" if %s != 0 and (%s ^ %s) < 0: %s -= %s" % (q, x, y, q, y))
        # MIN / -1 traps, so the quotient and remainder are canonical
        self.push(V(q, "i", t, True, (q,), True))

    # -- memory -------------------------------------------------------------
    def address(self, a, off, n):
        """Emits the bounds check of an n-byte access; returns the expression
        of the effective address (an int)."""
        self.uses_mem = True
        self.lims.add(n)
        lim = "m%d" % n
        oob = self.mc.helper("_oob")
        # A check of the same address expression in this straight-line run
        # that reached as far covers this access (memory never shrinks).
        if a.const is not None:
            key = "#"
            end = (a.const & 0xFFFFFFFF) + off + n
        else:
            key = a.e
            end = off + n
        known = self.chk.get(key)
        check = known is None or known < end
        if check:
            self.chk[key] = end
            self.chkdeps[key] = a.deps
        if self.w64:
            if a.const is not None:
                ea = (a.const & 0xFFFFFFFF) + off
                e = _lit(ea) if ea < _SMALL else self.kconst(ea, 64)
                self.line("ea = %s" % e)
            elif off == 0:
                self.line("ea = %s" % self.uexpr(a))
            else:
                offe = str(off) if off < _SMALL else self.kconst(off, 64)
                self.line("ea = %s + %s" % (self.uexpr(a), offe))
            if check:
                self.line("if ea > %s: %s()" % (lim, oob))
            return "ea"
        if off >= _SMALL:
            self.line("%s()" % oob)
            self.line("ea = 0")
            return "ea"
        self.line("ea = %s" % self.ival(a))
        if off:
            if check:
                self.line("if ea < 0 or ea > %s - %d: %s()" % (lim, off, oob))
            return "(ea + %d)" % off
        if check:
            self.line("if ea < 0 or ea > %s: %s()" % (lim, oob))
        return "ea"

    def rd(self, p, n):
        """Little-endian read of n (1, 2, 4) bytes at address expression p."""
        if n == 1:
            return "int(ptr8(%s)[0])" % p
        ty = "ptr16" if n == 2 else "ptr32"
        direct = "int(%s(%s)[0])" % (ty, p)
        if not self.t.strict:
            return direct
        parts = ["int(ptr8(%s)[%d])%s" % (p, i, (" << %d" % (8 * i)) if i else "")
                 for i in range(n)]
        return "(%s if (%s & %d) == 0 else (%s))" % (direct, p, n - 1, " | ".join(parts))

    def wr(self, p, n, v):
        if n == 1:
            self.line("ptr8(%s)[0] = %s" % (p, v))
            return
        ty = "ptr16" if n == 2 else "ptr32"
        if not self.t.strict:
            self.line("%s(%s)[0] = %s" % (ty, p, v))
            return
        self.line("if (%s & %d) == 0: %s(%s)[0] = %s" % (p, n - 1, ty, p, v))
        self.line("else:")
        self.line(" q8 = ptr8(%s)" % p)
        for i in range(n):
            self.line(" q8[%d] = %s" % (i, v if i == 0 else "%s >> %d" % (v, 8 * i)))

    def load(self, op, off):
        n, signed, t = _LOADS[op]
        a = self.pop()
        ea = self.address(a, off, n)
        if t == F64 and self.t.inline_float:
            # through an array('d') scratch cell: no helper call, no tuple
            self.uses_fd = True
            self.line("pa = mb + " + ea)
            self.line("fdp[0] = %s" % self.rd("pa", 4))
            self.line("fdp[1] = %s" % self.rd("pa + 4", 4))
            self.push(self.mkv("fd[0]", t, True, (), k="o"))
            self.materialize(len(self.stack) - 1, False)
            return
        if (t == F32 or t == F64) and not self.t.fbits:
            self.uses_M = True
            e = "%s(M, %s)" % (self.mc.fm("f32_load" if t == F32 else "f64_load"), ea)
            self.push(self.mkv(e, t, True, (), k="o"))
            self.materialize(len(self.stack) - 1, False)
            return
        p = "mb + " + ea
        if _kind(t, self.mc.t) == "p":
            self.line("pa = " + p)
            if n == 8:
                self.line("pl = " + self.rd("pa", 4))
                self.line("ph = " + self.rd("pa + 4", 4))
                self.push_pair("pl", "ph", t)
                return
            e = self.rd("pa", n)
            if signed and n < 4:
                sg = 1 << (8 * n - 1)
                e = "(%s ^ %d) - %d" % (e, sg, sg)
            self.line("pl = " + e)
            self.push_pair("pl", "pl >> 31" if signed else "0")
            return
        if n == 8:
            self.line("pa = " + p)
            e = "%s | (%s << 32)" % (self.rd("pa", 4), self.rd("pa + 4", 4))
            nrm = True
        else:
            e = self.rd(p, n)
            nrm = True
            if n == 4:
                if self.w64:
                    if t == I64 and signed:
                        e = "((%s) << 32 >> 32)" % e
                    elif t == I32 or t == F32:
                        nrm = False
            elif signed:
                s = 1 << (8 * n - 1)
                e = "(%s ^ %d) - %d" % (e, s, s)
        if self.t.strict and n in (2, 4) and "pa" not in e:
            # the strict read names its address three times: keep it in pa
            self.line("pa = " + p)
            e = e.replace(p, "pa")
        self.push(self.mkv(e, t, nrm, (), k="i"))
        self.materialize(len(self.stack) - 1, False)

    def store(self, op, off):
        n, t = _STORES[op]
        v = self.pop()
        a = self.pop()
        ea = self.address(a, off, n)
        if t == F64 and self.t.inline_float:
            self.uses_fd = True
            self.line("fd[0] = %s" % v.e)
            self.line("pa = mb + " + ea)
            self.wr("pa", 4, "fdp[0]")
            self.wr("pa + 4", 4, "fdp[1]")
            return
        if (t == F32 or t == F64) and not self.t.fbits:
            self.uses_M = True
            self.line("%s(M, %s, %s)" % (self.mc.fm("f32_store" if t == F32 else "f64_store"),
                                         ea, v.e))
            return
        p = "mb + " + ea
        if v.k == "p":      # i64 on 32-bit words: the low word (and the high)
            self.line("pa = " + p)
            if n == 8:
                if not v.atom:
                    self.line("pl = " + v.e)
                    self.line("ph = " + v.eh)
                self.wr("pa", 4, v.e if v.atom else "pl")
                self.wr("pa + 4", 4, v.eh if v.atom else "ph")
                return
            val = v.e
            if self.t.strict and not v.atom:
                self.line("pl = " + v.e)
                val = "pl"
            self.wr("pa", n, val)
            return
        val = self.ival(v)
        if self.t.strict or n == 8:
            self.line("pa = " + p)
            p = "pa"
        if (self.t.strict or n == 8) and not (v.atom or v.const is not None):
            x = self.temp()
            self.line("%s = %s" % (x, val))
            val = x
        if n == 8:
            self.wr("pa", 4, val)
            self.wr("pa + 4", 4, "(%s >> 32)" % val)
            return
        self.wr(p, n, val)

    # -- globals ------------------------------------------------------------
    def glob(self, op, idx):
        mc = self.mc
        t = mc.m.globals[idx][0]
        slot = mc.gslot.get(idx)
        # a shared (imported or exported mutable) global holds its value as
        # a Python object (Global.v): floats kept as bits and i64 pairs go
        # through W's scratch words (aot._put / _get convert)
        scratch = slot is None and _kind(t, mc.t) != "o" and t != I32 and \
            (t != I64 or _kind(t, mc.t) == "p")
        if op == 0x23:
            if scratch:
                self.uses_G = True
                self.line("%s(W, %d, %d, G[%d].v)" % (mc.helper("_put"), ARGS, t, idx))
                slot = ARGS
            if _kind(t, mc.t) == "p":
                self.push_pair("int(w[%d])" % slot, "int(w[%d])" % (slot + 1), t)
                return
            if slot is not None:
                if _words(t, mc.t) == 2:
                    e = "int(w[%d]) | (int(w[%d]) << 32)" % (slot, slot + 1)
                    self.push(self.mkv(e, t, True, ()))
                else:
                    self.push(self.mkv("int(w[%d])" % slot, t, not self.w64, ()))
            else:
                self.uses_G = True
                k = _kind(t, mc.t)
                e = "G[%d].v" % idx
                if k == "i":
                    e = "int(%s)" % e
                self.push(self.mkv(e, t, True, (), k=k))
            self.materialize(len(self.stack) - 1, False)
            return
        v = self.pop()
        set_g = None
        if scratch:
            self.uses_G = True
            set_g = "G[%d].v = %s(W, %d, %d)" % (idx, mc.helper("_get"), ARGS, t)
            slot = ARGS
        if v.k == "p":
            self.line("w[%d] = %s" % (slot, v.e))
            self.line("w[%d] = %s" % (slot + 1, v.eh))
            if set_g:
                self.line(set_g)
            return
        if slot is not None:
            if _words(t, mc.t) == 2:
                x = v.e
                if not v.atom:
                    x = self.temp()
                    self.line("%s = %s" % (x, v.e))
                self.line("w[%d] = %s" % (slot, x))
                self.line("w[%d] = %s >> 32" % (slot + 1, x))
            else:
                self.line("w[%d] = %s" % (slot, self.ival(v)))
            if set_g:
                self.line(set_g)
            return
        self.uses_G = True
        e = self.nexpr(v) if v.k == "i" else v.e
        self.line("G[%d].v = %s" % (idx, e))

    # -- rare instructions through helpers -------------------------------
    def ext(self, op, imm, pops, push):
        mc = self.mc
        args = self.stack[len(self.stack) - len(pops):]
        del self.stack[len(self.stack) - len(pops):]
        parts = [self.nexpr(a) if a.k == "i" else a.e for a in args]
        if op == 0x3F:
            self.uses_mem = True
            self.push(self.mkv("int(w[3])", I32, True, ()))
            self.materialize(len(self.stack) - 1, False)
            return
        if op == 0x40:
            self.uses_mem = True
            e = "int(%s(%s))" % (mc.helper("_mgrow"), parts[0])
            self.push(self.mkv(e, I32, True, ()))
            self.materialize(len(self.stack) - 1, False)
            self.items.append(["R", self.frames[-1], self.xind, None])
            return
        name = mc.helper(_EXT[op])
        if isinstance(imm, tuple):
            pre = [str(x) for x in imm]
        else:
            pre = [str(imm)]
        e = "%s(%s)" % (name, ", ".join(pre + parts))
        if push is None:
            self.line(e)
            return
        k = _kind(push, mc.t)
        if k == "i":
            e = "int(%s)" % e
        self.push(self.mkv(e, push, True, (), k=k))
        self.materialize(len(self.stack) - 1, False)

    # -- calls ---------------------------------------------------------------
    def put_args(self, types):
        """Stores the call's arguments (the top len(types) entries) in W's
        argument words; returns the Python arguments (objects)."""
        n = len(types)
        args = self.stack[len(self.stack) - n:] if n else []
        del self.stack[len(self.stack) - n:]
        objs = []
        k = ARGS
        for a in args:
            if a.k == "o":
                objs.append(a.e)
                continue
            if a.k == "p":
                self.line("w[%d] = %s" % (k, a.e))
                self.line("w[%d] = %s" % (k + 1, a.eh))
                k += 2
                continue
            if a.t == I64 or a.t == F64:
                x = a.e
                if not (a.atom or a.const is not None):
                    x = self.temp()
                    self.line("%s = %s" % (x, a.e))
                self.line("w[%d] = %s" % (k, x))
                self.line("w[%d] = %s >> 32" % (k + 1, _par(x, True)))
                k += 2
            else:
                self.line("w[%d] = %s" % (k, self.ival(a)))
                k += 1
        return objs

    def get_results(self, call, types):
        """Emits the call statement and takes its results: words from W,
        objects from the Python return value (one, or a tuple)."""
        objk = [i for i in range(len(types)) if _kind(types[i], self.mc.t) == "o"]
        if not objk:
            self.line(call)
        elif len(types) == 1:
            h = len(self.stack)
            var = self.svar(h, "o")
            self.assign(var, call)
            self.stack.append(V(var, "o", types[0], True, (var,), True))
            return
        else:
            self.line("mr = " + call)
        k = ARGS
        for i in range(len(types)):
            t = types[i]
            h = len(self.stack)
            if i in objk:
                var = self.svar(h, "o")
                e = "mr" if len(objk) == 1 else "mr[%d]" % objk.index(i)
                self.assign(var, e)
                self.stack.append(V(var, "o", t, True, (var,), True))
                continue
            if _kind(t, self.mc.t) == "p":
                lo, hi = self.pvars(h)
                self.assign(lo, "int(w[%d])" % k)
                self.assign(hi, "int(w[%d])" % (k + 1))
                self.stack.append(self.pv(lo, hi, t))
                k += 2
                continue
            var = self.svar(h, "i")
            if t == I64 or t == F64:
                self.assign(var, "int(w[%d]) | (int(w[%d]) << 32)" % (k, k + 1))
                k += 2
                nrm = True
            else:
                self.assign(var, "int(w[%d])" % k)
                k += 1
                nrm = not self.w64       # zero-extended on 64-bit words
            self.stack.append(V(var, "i", t, nrm, (var,), True))

    def reload(self):
        if self.mc.has_mem:
            self.items.append(["R", self.frames[-1], self.xind, None])

    def call(self, fidx, ftype):
        if self.dead:
            return
        mc = self.mc
        objs = self.put_args(ftype.params)
        if fidx < mc.nimp:
            e = "%s(%s)" % (mc.helper("_call"), ", ".join([str(fidx), "W"] + objs))
            self.get_results(e, ftype.results)
            self.reload()
            return
        j = fidx - mc.nimp
        self.callees.add(j)
        name = "c%d" % j
        if j == self.didx:
            name = "S"          # recursion: the function object it was called as
        else:
            for f in self.frames:
                if f.kind == "l":
                    # in a loop: the function in a local, loaded once before
                    # the outermost loop (at the loop, not the entry, so
                    # calls that return before it - recursion's leaves - do
                    # not pay for it)
                    if j not in self.cached:
                        self.cached.append(j)
                    if j not in f.cache:
                        f.cache.append(j)
                    break
            else:
                self.line("%s = C[%d]" % (name, j))
        e = "%s(%s)" % (name, ", ".join(["W", "A", name, "C"] + objs))
        self.get_results(e, ftype.results)
        if mc.grows if mc.fgrows is None else mc.fgrows[fidx - mc.nimp]:
            self.reload()

    def call_indirect(self, typeidx, tableidx, ftype):
        if self.dead:
            return
        mc = self.mc
        i = self.pop()
        name = mc.helper("_cind")
        if any(f.kind == "l" for f in self.frames):
            self.uses_ci = True       # in a loop: the helper in a local
            name = "ci"
        self.line("cfn = %s(%d, %r, %s)" % (name, tableidx, ftype.key, self.nexpr(i)))
        objs = self.put_args(ftype.params)
        self.get_results("cfn(%s)" % ", ".join(["W", "A", "cfn", "C"] + objs), ftype.results)
        self.reload()

    # -- control -------------------------------------------------------------
    def block(self, op, params, results):
        self.chk = {}
        kind = {0x02: "b", 0x03: "l", 0x04: "i"}[op]
        cur = self.frames[-1]
        if self.dead:
            f = self.new_frame(kind, cur, len(self.stack), params, results)
            f.dead_entry = True
            self.frames.append(f)
            return
        cond = None
        if op == 0x04:
            # the condition (on top) stays an expression for the `if`
            for i in range(len(self.stack) - 1):
                self.materialize(i, True)
            c = self.pop()
            cond = self.cond(c)
        else:
            self.materialize_all()
        for i in range(len(self.stack) - len(params), len(self.stack)):
            self.materialize(i, True, True)
        f = self.new_frame(kind, cur, len(self.stack) - len(params), params, results)
        f.cond = cond
        self.items.append(["H", f, self.xind, None])
        f.xind = self.xind
        self.frames.append(f)
        self.xind = 0

    def fall_results(self, f):
        """The fallthrough: results into the frame's variables."""
        n = len(f.results)
        base = len(self.stack) - n
        for i in range(n):
            self.materialize(base + i, True, True)

    def else_(self):
        self.chk = {}
        f = self.frames[-1]
        if f.dead_entry:
            return
        if not self.dead:
            self.fall_results(f)
            f.fallthen = True
        f.else_seen = True
        self.items.append(["E", f, 0, None])
        del self.stack[f.h:]
        for i in range(len(f.params)):
            self.stack.append(self.home(f.h + i, f.params[i]))
        self.dead = False

    def end(self):
        self.chk = {}
        f = self.frames[-1]
        if f.dead_entry:
            self.frames.pop()
            return
        if f.kind == "f":
            if not self.dead:
                for x in self.ret_lines():
                    self.line(x)
            self.frames.pop()
            return
        fall = not self.dead
        if fall:
            self.fall_results(f)
        self.frames.pop()
        if f.kind != "l" or fall:
            self.items.append(["K", f, 0, None])     # closing break (if pyloop)
        self.xind = f.xind
        reach = fall or (f.kind != "l" and f.targeted) or \
            (f.kind == "i" and (f.fallthen or not f.else_seen))
        del self.stack[f.h:]
        for i in range(len(f.results)):
            self.stack.append(self.home(f.h + i, f.results[i]))
        self.items.append(["X", f, self.xind, None])
        self.dead = not reach

    def ret_lines(self):
        """Stores the results (words in W, objects returned) and returns."""
        rs = self.ftype.results
        n = len(rs)
        vals = self.stack[len(self.stack) - n:] if n else []
        out = []
        objs = []
        k = ARGS
        for v in vals:
            if v.k == "o":
                objs.append(v.e)
            elif v.k == "p":
                out.append("w[%d] = %s" % (k, v.e))
                out.append("w[%d] = %s" % (k + 1, v.eh))
                k += 2
            elif v.t == I64 or v.t == F64:
                x = v.e
                if not (v.atom or v.const is not None):
                    x = "rv"
                    out.append("rv = " + v.e)
                out.append("w[%d] = %s" % (k, x))
                out.append("w[%d] = %s >> 32" % (k + 1, _par(x, True)))
                k += 2
            else:
                out.append("w[%d] = %s" % (k, self.ival(v)))
                k += 1
        out.append("w[4] = dd - 1")
        if not objs:
            out.append("return")
        elif len(objs) == 1:
            out.append("return " + objs[0])
        else:
            out.append("return (%s,)" % ", ".join(objs))
        return out

    def branch(self, depth):
        """Emits the jump to label `depth` (values already on the stack)."""
        t = self.frames[-1 - depth]
        if t.kind == "f":
            for x in self.ret_lines():
                self.line(x)
            return
        t.targeted = True
        if t.kind != "l":
            t.pyloop = True
        self.store_label(t, len(t.labels()))
        inner = self.frames[len(self.frames) - depth:]
        self.items.append(["B", self.frames[-1], self.xind, (t, inner)])

    def br(self, depth):
        if self.dead:
            return
        self.branch(depth)
        self.dead = True

    def br_if(self, depth):
        if self.dead:
            return
        c = self.pop()
        t = self.frames[-1 - depth]
        if t.kind != "f" and len(t.labels()):
            # the values stay on the stack for the fallthrough: store once
            n = len(t.labels())
            for i in range(len(self.stack) - n, len(self.stack)):
                self.materialize(i, True)
        self.line("if %s:" % self.cond(c))
        self.xind += 1
        self.branch(depth)
        self.xind -= 1

    def br_table(self, depths, default):
        if self.dead:
            return
        c = self.pop()
        lab = self.frames[-1 - default].labels()
        n = len(lab)
        for i in range(len(self.stack) - n, len(self.stack)):
            self.materialize(i, True)
        if c.atom or c.const is not None:
            x = self.nexpr(c)
        else:
            x = self.temp()
            self.line("%s = %s" % (x, self.nexpr(c)))
        # runs of equal targets over [0, len(depths))
        runs = []
        for i in range(len(depths)):
            d = depths[i]
            if runs and runs[-1][2] == d:
                runs[-1][1] = i
            else:
                runs.append([i, i, d])
        if not runs:
            self.branch(default)
            self.dead = True
            return
        self.line("if %s < 0 or %s >= %d:" % (x, x, len(depths)))
        self.xind += 1
        self.branch(default)
        self.xind -= 1
        self.line("else:")
        self.xind += 1
        targets = []
        for d in depths:
            if d not in targets:
                targets.append(d)
        if len(runs) > 8 and len(targets) < 256:
            # a table of target numbers instead of a search over many runs
            tbl = self.mc.objconst("B", bytes(targets.index(d) for d in depths))
            y = self.temp()
            self.line("%s = int(ptr8(%s)[%s])" % (y, tbl, x))
            self.tree(y, [[i, i, targets[i]] for i in range(len(targets))], 0,
                      len(targets))
        else:
            self.tree(x, runs, 0, len(runs))
        self.xind -= 1
        self.dead = True

    def tree(self, x, runs, lo, hi):
        if hi - lo == 1:
            self.branch(runs[lo][2])
            return
        if hi - lo <= 3:
            for i in range(lo, hi):
                r = runs[i]
                if i < hi - 1:
                    kw = "if" if i == lo else "elif"
                    self.line("%s %s <= %d:" % (kw, x, r[1]))
                else:
                    self.line("else:")
                self.xind += 1
                self.branch(r[2])
                self.xind -= 1
            return
        mid = (lo + hi) // 2
        self.line("if %s < %d:" % (x, runs[mid][0]))
        self.xind += 1
        self.tree(x, runs, lo, mid)
        self.xind -= 1
        self.line("else:")
        self.xind += 1
        self.tree(x, runs, mid, hi)
        self.xind -= 1

    def ret(self):
        if self.dead:
            return
        for x in self.ret_lines():
            self.line(x)
        self.dead = True

    def unreachable(self):
        if self.dead:
            return
        self.line("%s()" % self.mc.helper("_unreach"))
        self.dead = True

    # -- rendering -----------------------------------------------------------
    def finish(self):
        # Which Python loops each flagged branch crosses.
        for it in self.items:
            if it[0] == "B":
                t, inner = it[3]
                crossed = [f for f in inner if f.pyloop]
                it[3] = (t, crossed)
                if crossed:
                    self.uses_flag = True
                    for f in crossed:
                        if t not in f.exits:
                            f.exits.append(t)
        out = []
        for it in self.items:
            self.render(it, out)
        lines = _fix_suites(out)
        src = self.header() + "\n".join(" " * lv + tx for lv, tx in lines) + "\n"
        lim = self.t.max_locals
        if lim is not None:
            n = _count_locals(src)
            if n > lim:
                raise CompileError("too many locals for the %s native emitter (%d > %d)"
                                   % (self.t.arch, n, lim))
        return src

    def body_level(self, f):
        if f.kind == "f":
            return 1
        lv = self.body_level(f.parent) + f.xind
        if f.pyloop:
            lv += 1
        if f.kind == "i":
            lv += 1
        return lv

    def base_level(self, f):
        return self.body_level(f.parent) + f.xind

    def fuel_lines(self):
        if not self.t.fuel:
            return []
        return ["fu = int(w[0])", "if fu <= 0: fu = int(%s())" % self.mc.helper("_fuel"),
                "w[0] = fu - 1"]

    def jump(self, t, crossed):
        if crossed:
            return ["br_ = %d" % t.id, "break"]
        if t.kind == "l":
            return self.fuel_lines() + ["continue"]
        return ["break"]

    def render(self, it, out):
        kind, f, xind, data = it
        if kind == "L":
            out.append((self.body_level(f) + xind, data))
        elif kind == "H":
            lv = self.base_level(f)
            for j in f.cache:
                out.append((lv, "c%d = C[%d]" % (j, j)))
            if f.pyloop:
                out.append((lv, "while True:"))
                lv += 1
            if f.kind == "i":
                out.append((lv, "if %s:" % f.cond))
        elif kind == "E":
            out.append((self.base_level(f) + (1 if f.pyloop else 0), "else:"))
        elif kind == "K":
            if f.pyloop:
                out.append((self.base_level(f) + 1, "break"))
        elif kind == "B":
            t, crossed = data
            lv = self.body_level(f) + xind
            for s in self.jump(t, crossed):
                out.append((lv, s))
        elif kind == "X":
            if not (f.pyloop and f.exits):
                return
            lv = self.base_level(f)
            p = f.parent
            while p.kind != "f" and not p.pyloop:
                p = p.parent
            local = p in f.exits
            others = [t for t in f.exits if t is not p]
            out.append((lv, "if br_:"))
            if local:
                j = self.fuel_lines() + ["continue"] if p.kind == "l" else ["break"]
                if others:
                    out.append((lv + 1, "if br_ == %d:" % p.id))
                    out.append((lv + 2, "br_ = 0"))
                    for s in j:
                        out.append((lv + 2, s))
                    out.append((lv + 1, "break"))
                else:
                    out.append((lv + 1, "br_ = 0"))
                    for s in j:
                        out.append((lv + 1, s))
            else:
                out.append((lv + 1, "break"))
        elif kind == "R":
            if self.uses_mem:
                lv = self.body_level(f) + xind
                for s in self.mem_lines():
                    out.append((lv, s))
        elif kind == "P":
            pass

    def mem_lines(self):
        if self.w64:
            out = ["mb = int(w[5]) | (int(w[6]) << 32)", "ms = int(w[1])"]
        else:
            out = ["mb = int(w[5])", "ms = int(w[1])"]
        for n in sorted(self.lims):
            out.append("m%d = ms - %d" % (n, n))
        return out

    def header(self):
        mc = self.mc
        ps = ["W", "A", "S", "C"]
        lt = self.ltypes
        b = " "
        body = [b + "w = ptr32(int(A) << 2)"]
        # parameters: words from W first (anything called later reuses them)
        k = ARGS
        for i in range(self.np):
            t = lt[i]
            if _kind(t, mc.t) == "o":
                ps.append("l%d" % i)
            elif _kind(t, mc.t) == "p":
                body.append(b + "l%d = int(w[%d])" % (i, k))
                body.append(b + "l%dh = int(w[%d])" % (i, k + 1))
                k += 2
            elif t == I64 or t == F64:
                body.append(b + "l%d = int(w[%d]) | (int(w[%d]) << 32)" % (i, k, k + 1))
                k += 2
            else:
                body.append(b + ("l%d = int(w[%d]) << 32 >> 32" if self.w64 else
                                 "l%d = int(w[%d])") % (i, k))
                k += 1
        out = ["@micropython.viper", "def f%d(%s):" % (self.didx, ", ".join(ps))]
        out += body
        out.append(b + "dd = int(w[4]) + 1")
        out.append(b + "if dd > int(w[2]): %s()" % mc.helper("_stk"))
        out.append(b + "w[4] = dd")
        for s in self.fuel_lines():
            out.append(b + s)
        if self.uses_mk:
            out.append(b + "mk = 0xffff")
            out.append(b + "mk = (mk << 16) | 0xffff")
        for s in self.kdefs:
            out.append(b + s)
        if self.uses_mem:
            for s in self.mem_lines():
                out.append(b + s)
        if self.uses_ci:
            out.append(b + "ci = %s" % mc.helper("_cind"))
        if self.uses_M:
            out.append(b + "M = %s()" % mc.helper("_mem"))
        if self.uses_G:
            out.append(b + "G = %s()" % mc.helper("_globals"))
        if self.uses_fd:
            out.append(b + "fd = %s" % mc.helper("FD"))
            out.append(b + "fdp = ptr32(fd)")
        for i in range(self.np, len(lt)):
            t = lt[i]
            if t == V128:
                for j in range(4):
                    out.append(b + "l%dv%d = 0" % (i, j))
            elif _kind(t, mc.t) == "p":
                out.append(b + "l%d = 0" % i)
                out.append(b + "l%dh = 0" % i)
            elif _kind(t, mc.t) == "i":
                out.append(b + "l%d = 0" % i)
            else:
                out.append(b + "l%d = %s" % (i, _zero_name(t, mc)))
        if self.uses_flag:
            out.append(b + "br_ = 0")
        return "\n".join(out) + "\n"


def N_wrap32(v):
    return ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _zero_name(t, mc):
    if t == F32:
        return mc.gref("ZF32")
    if t == F64:
        return mc.gref("ZF64")
    if t == I64:
        return mc.gref("ZERO")
    return mc.gref("NULL")


def _deps(*vals):
    out = ()
    for v in vals:
        for d in v.deps:
            if d not in out:
                out = out + (d,)
    return out


def _count_locals(src):
    """Distinct names the function source assigns or takes as parameters (its
    Python locals)."""
    names = set()
    i = src.find("(")
    j = src.find(")", i)
    for p in src[i + 1:j].split(","):
        p = p.split(":")[0].strip()
        if p:
            names.add(p)
    for ln in src.split("\n"):
        ln = ln.lstrip(" ")
        k = 0
        n = len(ln)
        while k < n and (ln[k].isalpha() or ln[k].isdigit() or ln[k] == "_"):
            k += 1
        if 0 < k < n and ln[k] == " " and ln[k + 1:k + 2] in ("=", "+", "-", "|", "&", "^", "<", ">") \
                and not ln.startswith(("if ", "elif ", "while ", "return ")):
            rest = ln[k + 1:]
            if rest.startswith("=="):
                continue
            if rest.startswith("=") or rest[1:2] == "=" or rest[:3] in ("<<=", ">>="):
                names.add(ln[:k])
    return len(names)


def _fix_suites(lines):
    """Adds `pass` to empty suites (a header line ending in ':').  A line's
    leading spaces (nested statements of one emitted group) count as
    levels."""
    for i in range(len(lines)):
        lv, tx = lines[i]
        if tx.startswith(" "):
            t = tx.lstrip(" ")
            lines[i] = (lv + len(tx) - len(t), t)
    out = []
    n = len(lines)
    for i in range(n):
        lv, tx = lines[i]
        out.append((lv, tx))
        if tx.endswith(":") and (i + 1 >= n or lines[i + 1][0] <= lv):
            out.append((lv + 1, "pass"))
    return out


# --- helpers used by the JIT and by compiler_mod ---------------------------

def new_gen(mc):
    """The function generator for module context mc."""
    from . import config
    if config.WASM_SIMD and getattr(mc.m, "v128", False):
        # v128 inside a body is compiled (compiler_simd); across calls,
        # blocks and globals the function stays on the interpreter
        from .simd_guard import guard
        return guard(FuncGen(mc), CompileError, True)
    return FuncGen(mc)


def compile_function(mc, defidx, gen=None):
    """Source of defined function `defidx` (raises CompileError, LoadError,
    ValidationError); `gen`: the FuncGen to use (its facts: .cached)."""
    from .validator import walk_body
    from . import config
    m = mc.m
    # v128 (validator3.F_SIMD, 64) is compiled here
    if config.WASM_3 and m.feats and m.feats[defidx] & 63:
        raise CompileError("3.0 features (%s): this tier leaves the function to the "
                           "interpreter" % feature_names(m.feats[defidx] & 63))
    return walk_body(m, defidx, gen or new_gen(mc))


def feature_names(feats):
    names = ("tail calls", "multiple memories", "memory64", "exceptions",
             "typed references", "GC")
    return ", ".join(names[i] for i in range(len(names)) if feats & (1 << i))


def _bytes_literal(b):
    """A bytes literal (repr() is fine on CPython and MicroPython, but keep
    lines short for editors and mpy-cross's lexer)."""
    parts = []
    step = 64
    for i in range(0, len(b), step):
        parts.append(repr(bytes(b[i:i + step])))
    if not parts:
        return "b''"
    return "(\n " + "\n ".join(parts) + ")"
