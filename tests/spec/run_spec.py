"""WebAssembly spec-test runner for wamr_mpy.

Runs wast2json-style output (NAME.json + NAME.N.wasm) against the public
`wamr_mpy` embedding API (docs/embedding.md): the 2.0 suite (shared/spec)
and the 3.0 suite (shared/spec3, its README lists what is new).  The same
file runs on the MicroPython unix port and on CPython:

    micropython -X heapsize=128M tests/spec/run_spec.py [--verbose] [--json F] FILE.json...
    python3 tests/spec/run_spec.py ...

`tools/spectest` drives it with one subprocess per file (`--stream`) so a
crash or hang in one file is reported and the others still run.

What is counted (one assertion each): every command of the kinds in
COUNTED (`module` also for a module definition, `instance`, `register`,
`action`, `assert_return`, `assert_trap`, `assert_exhaustion`,
`assert_exception`, `assert_invalid`, `assert_malformed`,
`assert_unlinkable`, `assert_uninstantiable`).  Commands whose module is in
the text format (`module_type: "text"`, which needs a WAT parser) are
reported as skipped, not counted - except an `assert_invalid` that also
names the binary form of its module (`binary_filename`, 3.0 data), which
runs on that.

Error messages are compared for every kind that carries one (traps,
exhaustion, invalid, malformed, unlinkable, uninstantiable) with
`msg_matches`.  A wrong message FAILS the assertion (the VM uses the spec's
wording); such failures are also counted in the `msg` column so they can be
told apart from wrong behaviour.

Values (see shared/spec3/README.md): numbers and float lanes are unsigned
bit patterns; a v128 goes to and comes from the VM as one unsigned 128-bit
int (lane 0 in the low bits; bytes of 16 are accepted too); references are
None (null), HostRef objects (`ref.extern N`, also `ref.host N` seen as an
anyref) or whatever the VM returns, classified by `wamr_mpy.ref_kind`
where the VM has it.
"""
import sys
import json

COUNTED = ("module", "register", "action", "assert_return", "assert_trap",
           "assert_exhaustion", "assert_invalid", "assert_malformed",
           "assert_unlinkable", "assert_uninstantiable", "assert_exception",
           "instance")

STREAM_PREFIX = "@@"

# Execution tier from $WAMR_TIER (interp, fast, jit, aot; default: the
# config's).  "aot" compiles every module to a native .mpy first.
# $WAMR_AOT_ARCH: mpy-cross -march for "aot" when not the port's own (a
# compatible sub-arch, e.g. armv7emsp code on an armv7emdp port).
# $WAMR_AOT_CACHE: a folder where another process (tools/spectest
# --aot-compiler) compiled this run's modules already, as DIR/FILE/NAME.wasm.mpy;
# a module not there (one that does not compile) is compiled here.
try:
    from os import getenv as _getenv
    TIER = _getenv("WAMR_TIER")
    AOT_ARCH = _getenv("WAMR_AOT_ARCH")
    AOT_CACHE = _getenv("WAMR_AOT_CACHE")
except ImportError:
    TIER = AOT_ARCH = AOT_CACHE = None

# $WAMR_SPEC_VALUES=python (tools/spectest --python-values): drive the
# suite through the Python-value API (Instance.call, Global.value, non-raw
# host functions) instead of call_raw / Global.raw; every number travels as
# a Python int or float and back, and must keep its bits.
try:
    PY_VALUES = _getenv("WAMR_SPEC_VALUES") == "python"
except NameError:
    PY_VALUES = False

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF

# (sign-cleared canonical NaN, exponent|quiet-bit mask) per float width.
_NAN = {
    "f32": (0x7FC00000, 0x7FC00000, 0x7FFFFFFF),
    "f64": (0x7FF8000000000000, 0x7FF8000000000000, 0x7FFFFFFFFFFFFFFF),
}


# ---------------------------------------------------------------- pure logic

def is_counted(cmd):
    """True when `cmd` is an assertion this runner counts."""
    if cmd.get("module_type") == "text":
        return cmd.get("type") == "assert_invalid" and "binary_filename" in cmd
    return cmd.get("type") in COUNTED


# Texts the spec files give abbreviated.  The reference interpreter appends
# detail to these ("unknown local 3", "uninitialized element 2", "type
# mismatch: instruction requires [i32] but stack has []", "unexpected end of
# section or function", "memory size must be at most 65536 pages (4GiB)",
# "unreachable executed", "start function must not have parameters or
# results") and its harness compares prefixes, so a .wast file may write
# only the start.  Every other text is complete and compared exactly; where
# a file writes the detail ("uninitialized element 2", bulk.wast), that is
# complete.
ABBREVIATED = ("uninitialized element", "undefined element", "unknown local",
               "unknown global", "unknown memory", "unknown table", "unknown function",
               "unknown type", "unknown data segment", "unknown elem segment",
               "unknown label", "unknown tag", "unexpected end", "illegal opcode",
                "type mismatch", "memory size", "unreachable", "start function",
                # 3.0
                "uninitialized local", "table size", "sub type")


def msg_matches(got, expected):
    """The one rule for comparing error messages: ours must equal the
    spec's text, or extend one of the ABBREVIATED texts with its detail
    (after a space or a colon)."""
    if not isinstance(got, str) or not got:
        return False
    if got == expected:
        return True
    return expected in ABBREVIATED and got.startswith(expected) and \
        got[len(expected)] in " :"


def nan_ok(kind, ftype, bits):
    """Check `bits` (unsigned) against `nan:canonical` / `nan:arithmetic`.

    canonical: sign anything, exponent all ones, payload exactly the
    quiet bit.  arithmetic: sign anything, exponent all ones, quiet bit
    set (any further payload)."""
    canon, quiet_mask, abs_mask = _NAN[ftype]
    if kind == "nan:canonical":
        return bits & abs_mask == canon
    if kind == "nan:arithmetic":
        return bits & quiet_mask == quiet_mask
    raise ValueError("unknown NaN pattern %r" % kind)



class HostRef:
    """The host object that stands for `ref.extern N` in the spec files."""

    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return "<ref.extern %d>" % self.n


class Externs:
    """Identity map N -> HostRef so the same N is always the same object."""

    def __init__(self):
        self.refs = {}

    def get(self, n):
        r = self.refs.get(n)
        if r is None:
            r = HostRef(n)
            self.refs[n] = r
        return r


# v128 lanes: lane type -> (lanes, bits per lane)
LANES = {"i8": (16, 8), "i16": (8, 16), "i32": (4, 32), "i64": (2, 64),
         "f32": (4, 32), "f64": (2, 64)}

# Null reference results: `(ref.null T)` for T in the value's type, and the
# bottom types' nulls; `refnull` is any null.
NULL_TYPES = ("refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref")
# Non-null reference results without a value -> the kinds (`ref_kind`) that match.
REF_KINDS = {
    # an externalized i31/struct/array is a non-null extern too
    "funcref": ("func",), "externref": ("extern", "host", "i31", "struct", "array"),
    "exnref": ("exn",),
    "i31ref": ("i31",), "structref": ("struct",), "arrayref": ("array",),
    "eqref": ("i31", "struct", "array"),
    "anyref": ("i31", "struct", "array", "host"),
}
REF_TYPES = tuple(REF_KINDS) + NULL_TYPES


def v128_from_lanes(lane_type, lanes):
    """Lane values (unsigned bit-pattern strings or ints, lane 0 first) ->
    one unsigned 128-bit int."""
    n, w = LANES[lane_type]
    if len(lanes) != n:
        raise ValueError("v128 %s: %d lanes, expected %d" % (lane_type, len(lanes), n))
    mask = (1 << w) - 1
    v = 0
    for i in range(n):
        v |= (int(lanes[i]) & mask) << (w * i)
    return v


def v128_lanes(lane_type, v):
    """One 128-bit value (int or 16 bytes) -> list of unsigned lane ints."""
    n, w = LANES[lane_type]
    if not isinstance(v, int):
        b = bytes(v)
        v = 0
        for i in range(15, -1, -1):
            v = (v << 8) | b[i]
    mask = (1 << w) - 1
    return [(v >> (w * i)) & mask for i in range(n)]


def parse_arg(v, externs):
    """A JSON argument {"type", "value"} -> the raw value for call_raw."""
    t = v["type"]
    val = v.get("value")
    if t in ("i32", "i64", "f32", "f64"):
        return int(val)
    if t == "v128":
        return v128_from_lanes(v["lane_type"], val)
    if val == "null" and t in REF_TYPES:
        return None
    if t == "externref" or t == "anyref":
        # `ref.host N` as an anyref is the same host object as `ref.extern N`
        return externs.get(int(val))
    if t == "funcref":
        raise ValueError("funcref argument %r cannot be made by the host" % val)
    raise ValueError("unsupported value type %r" % t)


# The Python value of a number (docs/embedding.md): i32/i64 a signed int,
# f64 a float with the same bits, f32 a float of the same value; an f32 NaN
# s|0xff|m is the double NaN s|0x7ff|(m << 29), so a signalling NaN stays
# one (a C float->double conversion, struct 'f', would quiet it).
_I32, _I64, _F32, _F64 = 0x7F, 0x7E, 0x7D, 0x7C
_LETTER_CODE = {"i": _I32, "I": _I64, "f": _F32, "F": _F64}


def _struct():
    import struct
    return struct


def py_value(t, raw):
    """Raw value (unsigned int / bit pattern / reference) of type code `t`
    -> the Python value Instance.call takes."""
    st = _struct()
    if t == _I32:
        raw &= MASK32
        return raw - 0x100000000 if raw & 0x80000000 else raw
    if t == _I64:
        raw &= MASK64
        return raw - 0x10000000000000000 if raw & 0x8000000000000000 else raw
    if t == _F32:
        raw &= MASK32
        if raw & 0x7F800000 == 0x7F800000 and raw & 0x7FFFFF:
            d = ((raw & 0x80000000) << 32) | 0x7FF0000000000000 | ((raw & 0x7FFFFF) << 29)
            return st.unpack("<d", st.pack("<Q", d))[0]
        return st.unpack("<f", st.pack("<I", raw))[0]
    if t == _F64:
        return st.unpack("<d", st.pack("<Q", raw & MASK64))[0]
    return raw


def raw_value(t, x):
    """The Python value `x` of type code `t` -> its raw value (unsigned)."""
    st = _struct()
    if t == _I32:
        return x & MASK32
    if t == _I64:
        return x & MASK64
    if t == _F32:
        if x != x:
            d = st.unpack("<Q", st.pack("<d", x))[0]
            return ((d >> 32) & 0x80000000) | 0x7F800000 | ((d >> 29) & 0x7FFFFF)
        return st.unpack("<I", st.pack("<f", x))[0]
    if t == _F64:
        return st.unpack("<Q", st.pack("<d", x))[0]
    return x


def fmt_raw(t, v):
    """A raw value in failure messages: decimal plus hex for numbers."""
    if isinstance(v, int) and not isinstance(v, bool):
        if v < 0:
            return "%d (negative: not an unsigned bit pattern)" % v
        return "%d (0x%x)" % (v, v)
    return repr(v)


def _bits(t, val, got):
    """One number or float lane: None when `got` matches `val`."""
    if t in ("f32", "f64") and val.startswith("nan:"):
        if got >= 0 and nan_ok(val, t, got):
            return None
        return "%s: expected %s, got %s" % (t, val, fmt_raw(t, got))
    want = int(val)
    if got == want:
        return None
    return "%s: expected %s, got %s" % (t, fmt_raw(t, want), fmt_raw(t, got))


def _ref_kind_default(x):
    # Without the VM's classification: a function or some other object.
    return "func" if hasattr(x, "type") and hasattr(x, "inst") else "host"


def check_value(exp, got, externs, ref_kind=None):
    """Compare one raw result with one expected JSON value.
    Returns None when it matches, else a short reason.  `ref_kind(x)` names
    what a non-null reference is (wamr_mpy.ref_kind)."""
    t = exp["type"]
    val = exp.get("value")
    if t in ("i32", "i64", "f32", "f64"):
        if val is None:
            return None
        if not isinstance(got, int) or isinstance(got, bool):
            return "%s: expected a bit pattern int, got %r" % (t, got)
        return _bits(t, val, got)
    if t == "v128":
        lt = exp["lane_type"]
        if isinstance(got, bool) or not isinstance(got, (int, bytes, bytearray)) or \
                (isinstance(got, int) and not 0 <= got < (1 << 128)) or \
                (not isinstance(got, int) and len(got) != 16):
            return "v128: expected a 128-bit int or 16 bytes, got %r" % (got,)
        lanes = v128_lanes(lt, got)
        for i in range(len(lanes)):
            if lt in ("f32", "f64"):
                r = _bits(lt, val[i], lanes[i])
            else:
                r = None if lanes[i] == int(val[i]) else "x"
            if r is not None:
                return "v128 %s: expected %s, got %s (lane %d)" % (
                    lt, list(val), lanes, i)
        return None
    if t not in REF_TYPES:
        return "unsupported expected type %r" % t
    if val == "null" or t in NULL_TYPES:
        if got is None:
            return None
        return "%s: expected null, got %r" % (t, got)
    if got is None:
        return "%s: expected a non-null reference, got null" % t
    if val is not None:
        if t == "funcref":
            return None     # wabt writes `(ref.func)` as {"value": "0"}
        # `ref.extern N` / `ref.host N`: that very host object
        want = externs.get(int(val))
        if got is want:
            return None
        return "%s: expected %r, got %r" % (t, want, got)
    kind = (ref_kind or _ref_kind_default)(got)
    if kind in REF_KINDS[t]:
        return None
    return "%s: expected a %s reference, got %s %r" % (t, "/".join(REF_KINDS[t]), kind, got)


def check_either(choices, got, externs, ref_kind=None):
    """`either` results (relaxed SIMD): one result that matches any of
    `choices`; None when it does, else a reason."""
    if not isinstance(got, (list, tuple)) or len(got) != 1:
        return "expected one result (either), got %r" % (got,)
    reasons = []
    for e in choices:
        r = check_value(e, got[0], externs, ref_kind)
        if r is None:
            return None
        reasons.append(r)
    return "none of %d choices: %s" % (len(choices), reasons[0])


def check_results(expected, got, externs, ref_kind=None):
    """Compare a result list; None when all match, else a reason."""
    if not isinstance(got, (list, tuple)):
        return "call_raw returned %r, not a list" % (got,)
    if len(got) != len(expected):
        return "expected %d result(s), got %d: %r" % (len(expected), len(got), list(got))
    for i in range(len(expected)):
        r = check_value(expected[i], got[i], externs, ref_kind)
        if r is not None:
            if len(expected) > 1:
                r = "result %d: %s" % (i, r)
            return r
    return None


def normalize_global(t, v):
    """Global.raw may hold i32/i64 in either sign; bring ints to the
    unsigned bit pattern the spec files use."""
    if isinstance(v, int) and not isinstance(v, bool):
        if t in ("i32", "f32"):
            return v & MASK32
        if t in ("i64", "f64"):
            return v & MASK64
    return v


def join_surrogates(s):
    """MicroPython's json leaves a `\\ud804\\udc7f` escape as two surrogate
    code points where CPython makes the one character they encode."""
    out = None
    i = 0
    n = len(s)
    while i < n:
        c = ord(s[i])
        if 0xD800 <= c < 0xDC00 and i + 1 < n and 0xDC00 <= ord(s[i + 1]) < 0xE000:
            if out is None:
                out = [s[:i]]
            out.append(chr(0x10000 + ((c - 0xD800) << 10) + ord(s[i + 1]) - 0xDC00))
            i += 2
            continue
        if out is not None:
            out.append(s[i])
        i += 1
    return s if out is None else "".join(out)


def one_line(s, limit=300):
    s = str(s).replace("\r", " ").replace("\n", " | ")
    if len(s) > limit:
        s = s[:limit] + "..."
    return s


def describe_exc(e):
    name = type(e).__name__
    msg = getattr(e, "message", None)
    if msg is None:
        msg = str(e)
    return "%s(%r)" % (name, msg)


class FileResult:
    """Per-file numbers.  `failures` holds (line, kind, reason, msg_only)."""

    def __init__(self, name, source=None):
        self.name = name
        self.source = source or (name + ".wast")
        self.passed = 0
        self.failed = 0
        self.msg = 0
        self.skipped = 0
        self.failures = []
        self.error = None
        self.seconds = 0.0
        self.kinds = {}       # command kind -> [passed, total]

    @property
    def total(self):
        return self.passed + self.failed

    def add(self, line, kind, reason=None, msg_only=False):
        k = self.kinds.get(kind)
        if k is None:
            k = self.kinds[kind] = [0, 0]
        k[1] += 1
        if reason is None:
            k[0] += 1
            self.passed += 1
        else:
            self.failed += 1
            if msg_only:
                self.msg += 1
            self.failures.append((line, kind, reason, msg_only))

    def to_dict(self):
        return {
            "source": self.source, "total": self.total,
            "passed": self.passed, "failed": self.failed, "msg": self.msg,
            "skipped": self.skipped, "error": self.error,
            "seconds": round(self.seconds, 2),
            "kinds": self.kinds,
            "failures": [{"line": f[0], "kind": f[1], "reason": f[2],
                          "msg_only": f[3]} for f in self.failures],
        }


def kind_totals(results):
    """[(kind, passed, total)] over `results`, in COUNTED order."""
    tot = {}
    for r in results:
        for k in r.kinds:
            p, t = r.kinds[k]
            a = tot.get(k)
            if a is None:
                a = tot[k] = [0, 0]
            a[0] += p
            a[1] += t
    order = [k for k in COUNTED if k in tot] + sorted(k for k in tot if k not in COUNTED)
    return [(k, tot[k][0], tot[k][1]) for k in order]


def format_table(results, kinds=False):
    """Per-file table (with `kinds`: then passed/total per command kind)
    followed by the final `spec: PASSED/TOTAL` line."""
    w = 8
    for r in results:
        if len(r.name) > w:
            w = len(r.name)
    if kinds and w < 21:
        w = 21      # assert_uninstantiable
    head = "%-*s %7s %7s %7s %5s %7s %8s  %s" % (
        w, "file", "total", "passed", "failed", "msg", "skipped", "seconds", "note")
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    tp = tf = tm = ts = 0
    tsec = 0.0
    for r in results:
        lines.append(("%-*s %7d %7d %7d %5d %7d %8.1f  %s" % (
            w, r.name, r.total, r.passed, r.failed, r.msg, r.skipped,
            r.seconds, r.error or "")).rstrip())
        tp += r.passed
        tf += r.failed
        tm += r.msg
        ts += r.skipped
        tsec += r.seconds
    lines.append("-" * len(head.rstrip()))
    lines.append(("%-*s %7d %7d %7d %5d %7d %8.1f" % (
        w, "TOTAL", tp + tf, tp, tf, tm, ts, tsec)).rstrip())
    if kinds:
        lines.append("")
        for k, p, t in kind_totals(results):
            lines.append("%-*s %7d %7d %7d" % (w, k, t, p, t - p))
    lines.append("spec: %d/%d" % (tp, tp + tf))
    return "\n".join(lines)


def summary_dict(results):
    files = {}
    tp = tt = 0
    for r in results:
        files[r.name] = r.to_dict()
        tp += r.passed
        tt += r.total
    return {"passed": tp, "total": tt, "files": files}


def path_dir(p):
    i = p.rfind("/")
    if i < 0:
        return "."
    return p[:i] or "/"


def path_stem(p):
    base = p[p.rfind("/") + 1:]
    if base.endswith(".json"):
        base = base[:-5]
    return base


def _now():
    import time
    return time.time()   # a float on the unix port and on CPython


# ------------------------------------------------------------- the runner

class _Fail(Exception):
    """Internal: an assertion failed; `msg_only` when only the message differs."""

    def __init__(self, reason, msg_only=False):
        super().__init__(reason)
        self.reason = reason
        self.msg_only = msg_only


class Spectest:
    """The `spectest` host module the suite imports (see shared/spec/README).
    Its memory and tables are made at the first import that names them: a
    64 KiB memory that no module of the file imports would take a board a
    sixth of its heap, and push the file's own memory up to where it
    cannot grow (nop.wast's memory.grow on a 400 KiB board)."""

    def __init__(self, w):
        def nop(*args):
            return None
        raw = not PY_VALUES
        self.w = w
        self.d = {
            "print": w.HostFunc(nop, "", "", raw=raw),
            "print_i32": w.HostFunc(nop, "i", "", raw=raw),
            "print_i64": w.HostFunc(nop, "I", "", raw=raw),
            "print_f32": w.HostFunc(nop, "f", "", raw=raw),
            "print_f64": w.HostFunc(nop, "F", "", raw=raw),
            "print_i32_f32": w.HostFunc(nop, "if", "", raw=raw),
            "print_f64_f64": w.HostFunc(nop, "FF", "", raw=raw),
            "global_i32": w.Global("i", 666),
            "global_i64": w.Global("I", 666),
            # 666.6 as bits: a single-float port's literal 666.6 is only
            # binary32 (imports.wast:289 of spec3 reads the f64 back)
            "global_f32": w.Global("f", raw=0x4426A666),
            "global_f64": w.Global("F", raw=0x4084D4CCCCCCCCCD),
        }

    def get(self, name, default=None):
        v = self.d.get(name)
        if v is None:
            w = self.w
            if name == "memory":
                v = w.Memory(1, 2)
            elif name == "table":
                v = w.Table("funcref", 10, 20)
            elif name == "table64":
                try:
                    # 3.0: an i64-indexed table; a VM without table64 just
                    # lacks it (modules importing it are then unlinkable)
                    v = w.Table("funcref", 10, 20, addr64=True)
                except TypeError:
                    pass
            if v is not None:
                self.d[name] = v
        return default if v is None else v

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v


class SpecFile:
    """Runs the commands of one spec JSON file against `wamr` (the imported
    wamr_mpy package).  `emit(line)` receives stream lines when set."""

    def __init__(self, path, wamr, emit=None):
        self.path = path
        self.dir = path_dir(path)
        self.w = wamr
        self.emit = emit
        self.externs = Externs()
        self.spectest = None
        self.registered = {}
        self.named = {}
        self.defs = {}        # module definitions (3.0 `module definition`)
        self.ref_kind = getattr(wamr, "ref_kind", None)
        self.current = None
        self.current_line = 0
        self.result = FileResult(path_stem(path))

    # -- helpers

    def _read(self, filename):
        with open(self.dir + "/" + filename, "rb") as f:
            return f.read()

    def _imports(self):
        if self.spectest is None:
            self.spectest = Spectest(self.w)
        imp = {"spectest": self.spectest}
        for k in self.registered:
            imp[k] = self.registered[k]
        return imp

    def _instance(self, name):
        if name is None:
            if self.current is None:
                if self.current_line:
                    raise _Fail("no module: the module at line %d failed" % self.current_line)
                raise _Fail("no module defined")
            return self.current
        if name not in self.named:
            raise _Fail("unknown module name %s" % name)
        inst = self.named[name]
        if inst is None:
            raise _Fail("no module: module %s failed to load" % name)
        return inst

    def _do_action(self, action):
        inst = self._instance(action.get("module"))
        t = action["type"]
        field = join_surrogates(action["field"])
        if t == "invoke":
            args = [parse_arg(a, self.externs) for a in action.get("args", ())]
            if PY_VALUES:
                return self._call_py(inst, field, args)
            return inst.call_raw(field, args)
        if t == "get":
            g = inst.exports[field]
            if PY_VALUES:
                return [raw_value(_LETTER_CODE.get(g.type), g.value)]
            return [g.raw]
        raise _Fail("unsupported action type %r" % t)

    def _call_py(self, inst, field, args):
        """call_raw done through Instance.call and Python values."""
        f = inst.exports.get(field)
        ft = getattr(f, "type", None)
        if ft is None or len(ft.params) != len(args):
            return inst.call_raw(field, args)   # let the VM report the misuse
        r = inst.call(f, *[py_value(ft.params[i], args[i]) for i in range(len(args))])
        rt = ft.results
        if not rt:
            return []
        if len(rt) == 1:
            r = (r,)
        return [raw_value(rt[i], r[i]) for i in range(len(rt))]

    def _expect_error(self, exc, cls, clsname, text):
        """`exc` was raised where a `cls` with message `text` is expected."""
        if not isinstance(exc, cls):
            raise _Fail("expected %s %r, got %s" % (clsname, text, describe_exc(exc)))
        got = getattr(exc, "message", None)
        if not msg_matches(got, text):
            raise _Fail("message: expected %r, got %r" % (text, got), True)

    def _load(self, filename):
        if TIER == "aot":
            data = self._cached_mpy(filename)
            if data is None:
                # compile with wamrc's generator + mpy-cross, load the .mpy
                from wamr_mpy.compiler_mpy import wasm_to_mpy
                data = wasm_to_mpy(self._read(filename), AOT_ARCH)
            from wamr_mpy.aot import can_import_bytes
            if not can_import_bytes():
                return self._load_file(data)
        else:
            data = self._read(filename)
        return self.w.load(data)

    def _cached_mpy(self, filename):
        if not AOT_CACHE:
            return None
        try:
            with open("%s/%s/%s.mpy" % (AOT_CACHE, path_stem(self.path), filename), "rb") as f:
                return f.read()
        except OSError:
            return None

    def _load_file(self, data):
        # A port without vfs.mount (ports/unix32) imports a .mpy only from a
        # file, as a board loads a wamrc .mpy from its filesystem.
        import os
        if not hasattr(self, "ftag"):
            # parallel runner processes share $TMPDIR and, on a port with a
            # fixed heap address, id()s: a random tag keeps their files apart
            self.ftag = "".join("%02x" % b for b in os.urandom(6))
            self.nfile = 0
        self.nfile += 1
        path = "%s/wamr_spec_%s_%d.mpy" % (os.getenv("TMPDIR") or "/tmp", self.ftag, self.nfile)
        with open(path, "wb") as f:
            f.write(data)
        try:
            return self.w.load(path)
        finally:
            os.remove(path)

    # -- commands

    def cmd_module(self, cmd):
        name = cmd.get("name")
        if cmd.get("definition"):
            # loaded (decoded, validated), not instantiated; `instance`
            # commands make instances of it
            self.defs[name] = None
            try:
                self.defs[name] = self._load(cmd["filename"])
            except Exception as e:
                raise _Fail("module definition failed: %s" % describe_exc(e))
            return
        self.current = None
        self.current_line = cmd["line"]
        if name is not None:
            self.named[name] = None
        try:
            inst = self._load(cmd["filename"]).instantiate(imports=self._imports())
        except Exception as e:
            raise _Fail("module failed: %s" % describe_exc(e))
        self.current = inst
        if name is not None:
            self.named[name] = inst

    def cmd_instance(self, cmd):
        self.current = None
        self.current_line = cmd["line"]
        name = cmd.get("instance")
        if name is not None:
            self.named[name] = None
        mod = self.defs.get(cmd.get("definition"))
        if mod is None:
            raise _Fail("no module definition %s" % cmd.get("definition"))
        try:
            inst = mod.instantiate(imports=self._imports())
        except Exception as e:
            raise _Fail("instance failed: %s" % describe_exc(e))
        self.current = inst
        if name is not None:
            self.named[name] = inst

    def cmd_register(self, cmd):
        inst = self._instance(cmd.get("name"))
        self.registered[cmd["as"]] = inst.exports

    def cmd_action(self, cmd):
        try:
            self._do_action(cmd["action"])
        except _Fail:
            raise
        except Exception as e:
            raise _Fail("raised %s" % describe_exc(e))

    def cmd_assert_return(self, cmd):
        action = cmd["action"]
        try:
            got = self._do_action(action)
        except _Fail:
            raise
        except Exception as e:
            raise _Fail("raised %s" % describe_exc(e))
        if "either" in cmd:
            r = check_either(cmd["either"], got, self.externs, self.ref_kind)
            if r is not None:
                raise _Fail(r)
            return
        expected = cmd.get("expected", ())
        if action["type"] == "get" and expected:
            got = [normalize_global(expected[0]["type"], got[0])]
        r = check_results(expected, got, self.externs, self.ref_kind)
        if r is not None:
            raise _Fail(r)

    def cmd_assert_trap(self, cmd):
        try:
            got = self._do_action(cmd["action"])
        except _Fail:
            raise
        except Exception as e:
            self._expect_error(e, self.w.Trap, "Trap", cmd["text"])
            return
        raise _Fail("expected trap %r, returned %r" % (cmd["text"], got))

    cmd_assert_exhaustion = cmd_assert_trap

    def cmd_assert_exception(self, cmd):
        # a wasm exception that no handler caught leaves the call as
        # wamr_mpy.WasmException
        cls = getattr(self.w, "WasmException", None)
        try:
            got = self._do_action(cmd["action"])
        except _Fail:
            raise
        except Exception as e:
            if cls is None or not isinstance(e, cls):
                raise _Fail("expected an uncaught wasm exception, got %s" % describe_exc(e))
            return
        raise _Fail("expected an uncaught wasm exception, returned %r" % (got,))

    def _assert_load_error(self, cmd, cls, clsname):
        try:
            self._load(cmd["filename"])
        except Exception as e:
            self._expect_error(e, cls, clsname, cmd["text"])
            return
        raise _Fail("loaded, expected %s %r" % (clsname, cmd["text"]))

    def cmd_assert_invalid(self, cmd):
        if cmd.get("module_type") == "text":
            # a quoted module with its binary form (3.0 data)
            cmd = dict(cmd)
            cmd["filename"] = cmd["binary_filename"]
        self._assert_load_error(cmd, self.w.ValidationError, "ValidationError")

    def cmd_assert_malformed(self, cmd):
        self._assert_load_error(cmd, self.w.LoadError, "LoadError")

    def _assert_inst_error(self, cmd, cls, clsname):
        try:
            mod = self._load(cmd["filename"])
        except Exception as e:
            raise _Fail("load failed: %s" % describe_exc(e))
        try:
            mod.instantiate(imports=self._imports())
        except Exception as e:
            self._expect_error(e, cls, clsname, cmd["text"])
            return
        raise _Fail("instantiated, expected %s %r" % (clsname, cmd["text"]))

    def cmd_assert_unlinkable(self, cmd):
        self._assert_inst_error(cmd, self.w.LinkError, "LinkError")

    def cmd_assert_uninstantiable(self, cmd):
        self._assert_inst_error(cmd, self.w.Trap, "Trap")

    # -- driver

    def _record(self, line, kind, reason=None, msg_only=False):
        self.result.add(line, kind, reason, msg_only)
        if self.emit:
            if reason is None:
                self.emit("%s + %d %s" % (STREAM_PREFIX, line, kind))
            else:
                self.emit("%s - %d %s %d %s" % (
                    STREAM_PREFIX, line, kind, 1 if msg_only else 0, one_line(reason)))

    def run(self):
        t0 = _now()
        res = self.result
        try:
            with open(self.path) as f:
                # read whole: MicroPython's json.load from a stream is ~10x
                # slower (30 s for simd_f32x4_pmin_pmax.json's 2.5 MB)
                data = json.loads(f.read())
        except Exception as e:
            res.error = one_line("cannot read: %s" % describe_exc(e))
            if self.emit:
                self.emit("%s E %s" % (STREAM_PREFIX, res.error))
            return res
        res.source = data.get("source_filename", res.source)
        if self.emit:
            self.emit("%s F %s %s" % (STREAM_PREFIX, res.name, res.source))
        for cmd in data["commands"]:
            kind = cmd.get("type")
            line = cmd.get("line", 0)
            if not is_counted(cmd):
                res.skipped += 1
                if self.emit:
                    self.emit("%s s %d" % (STREAM_PREFIX, line))
                continue
            try:
                getattr(self, "cmd_" + kind)(cmd)
            except _Fail as f:
                self._record(line, kind, f.reason, f.msg_only)
                continue
            except Exception as e:
                # a bug in the runner or an API misuse it did not foresee
                self._record(line, kind, "runner error: " + describe_exc(e))
                continue
            if TIER == "jit" and _jit_errors():
                # right results, but a function fell back to the interpreter
                # because the compiler failed: a compiler bug
                self._record(line, kind, "jit compiler error: " + _jit_errors(True))
                continue
            self._record(line, kind)
        data = None
        res.seconds = _now() - t0
        if self.emit:
            self.emit("%s T %.3f" % (STREAM_PREFIX, res.seconds))
            self.emit("%s END" % STREAM_PREFIX)
        return res


def _jit_errors(take=False):
    from wamr_mpy import jit
    if not take:
        return jit.errors
    e = "; ".join(jit.errors)
    del jit.errors[:]
    return e


def run_file(path, wamr, emit=None):
    return SpecFile(path, wamr, emit).run()


def _out(s):
    sys.stdout.write(s + "\n")


# The commands whose module the runner loads and expects to load (the
# others' modules are invalid or malformed).
LOADED = ("module", "assert_unlinkable", "assert_uninstantiable")


def compile_file(path, out):
    """--compile OUT: compiles the modules of spec file `path` for tier aot
    ($WAMR_AOT_ARCH) into OUT/FILE/NAME.wasm.mpy, where a runner with
    $WAMR_AOT_CACHE=OUT takes them.  A module that does not compile is
    left out: the runner compiles it itself and reports its error."""
    import os
    from wamr_mpy.compiler_mpy import wasm_to_mpy
    d = "%s/%s" % (out, path_stem(path))
    try:
        os.mkdir(d)
    except OSError:
        pass
    with open(path) as f:
        data = json.loads(f.read())
    src = path_dir(path)
    n = 0
    for cmd in data["commands"]:
        fn = cmd.get("filename")
        if cmd.get("type") not in LOADED or not fn or cmd.get("module_type") == "text":
            continue
        with open(src + "/" + fn, "rb") as f:
            wasm = f.read()
        try:
            mpy = wasm_to_mpy(wasm, AOT_ARCH)
        except Exception:
            continue
        wasm = None
        with open("%s/%s.mpy" % (d, fn), "wb") as f:
            f.write(mpy)
        n += 1
    return n


def _serve(wamr):
    """--serve: stream file after file, one path a line from stdin, each
    closed by `@@ DONE` (also after a file that could not be read), until
    stdin ends.  One process for many files: under emulation (qemu-arm)
    starting the VM and importing the runtime costs as much as a small
    file.  tools/spectest starts a new process after one that crashed."""
    import gc
    while True:
        p = sys.stdin.readline()
        if not p:
            return 0
        p = p.strip()
        if p:
            run_file(p, wamr, _out)
            _out("%s DONE" % STREAM_PREFIX)
            if hasattr(sys.stdout, "flush"):
                sys.stdout.flush()
        # what one file left behind is not the next one's heap
        gc.collect()


def main(argv):
    usage = ("usage: run_spec.py [--stream] [--verbose] [--json FILE] FILE.json...\n"
             "       run_spec.py --serve (paths from stdin, streamed)\n"
             "       run_spec.py --compile DIR FILE.json... (aot: modules to DIR)\n"
             "(tools/spectest runs each file in its own process)")
    stream = verbose = serve = False
    json_out = compile_to = None
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--stream":
            stream = True
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a == "--serve":
            serve = True
        elif a in ("--compile", "--json"):
            i += 1
            if i >= len(argv):
                _out(usage)
                return 2
            if a == "--json":
                json_out = argv[i]
            else:
                compile_to = argv[i]
        elif a in ("-h", "--help"):
            _out(usage)
            return 0
        elif a.startswith("-"):
            _out("unknown option %s\n%s" % (a, usage))
            return 2
        else:
            files.append(a)
        i += 1
    if not files and not serve:
        _out(usage)
        return 2
    import wamr_mpy
    if TIER and TIER != "aot":
        import wamr_mpy.config
        wamr_mpy.config.DEFAULT_TIER = TIER
    if serve:
        return _serve(wamr_mpy)
    if compile_to:
        for p in files:
            compile_file(p, compile_to)
        return 0
    results = []
    for p in files:
        r = run_file(p, wamr_mpy, _out if stream else None)
        results.append(r)
        if verbose:
            for f in r.failures:
                _out("%s:%d: %s: %s" % (r.source, f[0], f[1], f[2]))
    if stream:
        return 0
    _out(format_table(results))
    if json_out:
        with open(json_out, "w") as f:
            f.write(json.dumps(summary_dict(results)))
    return 0


if __name__ == "__main__":
    # Repo root on the path so `import wamr_mpy` works from anywhere.
    _here = path_dir(__file__) if "/" in __file__ else "."
    sys.path.insert(0, _here + "/../..")
    sys.exit(main(sys.argv[1:]))
