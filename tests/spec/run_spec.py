"""WebAssembly spec-test runner for wamr_mpy.

Runs wast2json output (NAME.json + NAME.N.wasm) against the public
`wamr_mpy` embedding API (docs/embedding.md).  The same file runs on the
MicroPython unix port and on CPython:

    micropython -X heapsize=128M tests/spec/run_spec.py [--verbose] [--json F] FILE.json...
    python3 tests/spec/run_spec.py ...

`tools/spectest` drives it with one subprocess per file (`--stream`) so a
crash or hang in one file is reported and the others still run.

What is counted (one assertion each): binary `module`, `register`, `action`,
`assert_return`, `assert_trap`, `assert_exhaustion`, `assert_invalid`,
`assert_malformed`, `assert_unlinkable`, `assert_uninstantiable`.  Commands
whose module is in the text format (`module_type: "text"`, which needs a WAT
parser) are reported as skipped, not counted.

Error messages are compared for every kind that carries one (traps,
exhaustion, invalid, malformed, unlinkable, uninstantiable) with
`msg_matches`.  A wrong message FAILS the assertion (the VM uses the spec's
wording); such failures are also counted in the `msg` column so they can be
told apart from wrong behaviour.
"""
import sys
import json

COUNTED = ("module", "register", "action", "assert_return", "assert_trap",
           "assert_exhaustion", "assert_invalid", "assert_malformed",
           "assert_unlinkable", "assert_uninstantiable")

STREAM_PREFIX = "@@"

# Execution tier from $WAMR_TIER (interp, fast, jit, aot; default: the
# config's).  "aot" compiles every module to a native .mpy first.
try:
    from os import getenv as _getenv
    TIER = _getenv("WAMR_TIER")
except ImportError:
    TIER = None

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
        return False
    return cmd.get("type") in COUNTED


def msg_matches(got, expected):
    """The one rule for comparing error messages: ours must be non-empty
    and either message must be a prefix of the other (the spec sometimes
    appends detail, e.g. "unknown elem segment 4", and so may we)."""
    if not isinstance(got, str) or not got:
        return False
    return got.startswith(expected) or expected.startswith(got)


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


def parse_arg(v, externs):
    """A JSON argument {"type", "value"} -> the raw value for call_raw."""
    t = v["type"]
    val = v.get("value")
    if t in ("i32", "i64", "f32", "f64"):
        return int(val)
    if t == "externref":
        if val == "null":
            return None
        return externs.get(int(val))
    if t == "funcref":
        if val == "null":
            return None
        raise ValueError("funcref argument %r cannot be made by the host" % val)
    raise ValueError("unsupported value type %r" % t)


def fmt_raw(t, v):
    """A raw value in failure messages: decimal plus hex for numbers."""
    if isinstance(v, int) and not isinstance(v, bool):
        if v < 0:
            return "%d (negative: not an unsigned bit pattern)" % v
        return "%d (0x%x)" % (v, v)
    return repr(v)


def check_value(exp, got, externs):
    """Compare one raw result with one expected JSON value.
    Returns None when it matches, else a short reason."""
    t = exp["type"]
    if "value" not in exp:
        return None
    val = exp["value"]
    if t in ("i32", "i64", "f32", "f64"):
        if not isinstance(got, int) or isinstance(got, bool):
            return "%s: expected a bit pattern int, got %r" % (t, got)
        if t in ("f32", "f64") and val.startswith("nan:"):
            if got >= 0 and nan_ok(val, t, got):
                return None
            return "%s: expected %s, got %s" % (t, val, fmt_raw(t, got))
        want = int(val)
        if got == want:
            return None
        return "%s: expected %s, got %s" % (t, fmt_raw(t, want), fmt_raw(t, got))
    if t == "externref":
        if val == "null":
            if got is None:
                return None
            return "externref: expected null, got %r" % (got,)
        want = externs.get(int(val))
        if got is want:
            return None
        return "externref: expected %r, got %r" % (want, got)
    if t == "funcref":
        if val == "null":
            if got is None:
                return None
            return "funcref: expected null, got %r" % (got,)
        if got is not None:
            return None
        return "funcref: expected a non-null reference, got null"
    return "unsupported expected type %r" % t


def check_results(expected, got, externs):
    """Compare a result list; None when all match, else a reason."""
    if not isinstance(got, (list, tuple)):
        return "call_raw returned %r, not a list" % (got,)
    if len(got) != len(expected):
        return "expected %d result(s), got %d: %r" % (len(expected), len(got), list(got))
    for i in range(len(expected)):
        r = check_value(expected[i], got[i], externs)
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

    @property
    def total(self):
        return self.passed + self.failed

    def add(self, line, kind, reason=None, msg_only=False):
        if reason is None:
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
            "failures": [{"line": f[0], "kind": f[1], "reason": f[2],
                          "msg_only": f[3]} for f in self.failures],
        }


def format_table(results):
    """Per-file table followed by the final `spec: PASSED/TOTAL` line."""
    w = 8
    for r in results:
        if len(r.name) > w:
            w = len(r.name)
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


def make_spectest(w):
    """The `spectest` host module the suite imports (see shared/spec/README)."""
    def nop(*args):
        return None
    return {
        "print": w.HostFunc(nop, "", "", raw=True),
        "print_i32": w.HostFunc(nop, "i", "", raw=True),
        "print_i64": w.HostFunc(nop, "I", "", raw=True),
        "print_f32": w.HostFunc(nop, "f", "", raw=True),
        "print_f64": w.HostFunc(nop, "F", "", raw=True),
        "print_i32_f32": w.HostFunc(nop, "if", "", raw=True),
        "print_f64_f64": w.HostFunc(nop, "FF", "", raw=True),
        "global_i32": w.Global("i", 666),
        "global_i64": w.Global("I", 666),
        "global_f32": w.Global("f", 666.6),
        "global_f64": w.Global("F", 666.6),
        "table": w.Table("funcref", 10, 20),
        "memory": w.Memory(1, 2),
    }


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
        self.current = None
        self.current_line = 0
        self.result = FileResult(path_stem(path))

    # -- helpers

    def _read(self, filename):
        with open(self.dir + "/" + filename, "rb") as f:
            return f.read()

    def _imports(self):
        if self.spectest is None:
            self.spectest = make_spectest(self.w)
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
        if t == "invoke":
            args = [parse_arg(a, self.externs) for a in action.get("args", ())]
            return inst.call_raw(action["field"], args)
        if t == "get":
            g = inst.exports[action["field"]]
            return [g.raw]
        raise _Fail("unsupported action type %r" % t)

    def _expect_error(self, exc, cls, clsname, text):
        """`exc` was raised where a `cls` with message `text` is expected."""
        if not isinstance(exc, cls):
            raise _Fail("expected %s %r, got %s" % (clsname, text, describe_exc(exc)))
        got = getattr(exc, "message", None)
        if not msg_matches(got, text):
            raise _Fail("message: expected %r, got %r" % (text, got), True)

    def _load(self, filename):
        data = self._read(filename)
        if TIER == "aot":
            # compile with wamrc's generator + mpy-cross, load the .mpy
            from wamr_mpy.compiler_mpy import wasm_to_mpy
            data = wasm_to_mpy(data)
            from wamr_mpy.aot import can_import_bytes
            if not can_import_bytes():
                return self._load_file(data)
        return self.w.load(data)

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
        self.current = None
        self.current_line = cmd["line"]
        name = cmd.get("name")
        if name is not None:
            self.named[name] = None
        try:
            inst = self._load(cmd["filename"]).instantiate(imports=self._imports())
        except Exception as e:
            raise _Fail("module failed: %s" % describe_exc(e))
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
        expected = cmd.get("expected", ())
        if action["type"] == "get" and expected:
            got = [normalize_global(expected[0]["type"], got[0])]
        r = check_results(expected, got, self.externs)
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

    def _assert_load_error(self, cmd, cls, clsname):
        try:
            self._load(cmd["filename"])
        except Exception as e:
            self._expect_error(e, cls, clsname, cmd["text"])
            return
        raise _Fail("loaded, expected %s %r" % (clsname, cmd["text"]))

    def cmd_assert_invalid(self, cmd):
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
                self.emit("%s + %d" % (STREAM_PREFIX, line))
            else:
                self.emit("%s - %d %s %d %s" % (
                    STREAM_PREFIX, line, kind, 1 if msg_only else 0, one_line(reason)))

    def run(self):
        t0 = _now()
        res = self.result
        try:
            with open(self.path) as f:
                data = json.load(f)
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
            self._record(line, kind)
        data = None
        res.seconds = _now() - t0
        if self.emit:
            self.emit("%s T %.3f" % (STREAM_PREFIX, res.seconds))
            self.emit("%s END" % STREAM_PREFIX)
        return res


def run_file(path, wamr, emit=None):
    return SpecFile(path, wamr, emit).run()


def _out(s):
    sys.stdout.write(s + "\n")


def main(argv):
    usage = ("usage: run_spec.py [--stream] [--verbose] [--json FILE] FILE.json...\n"
             "(tools/spectest runs each file in its own process)")
    stream = verbose = False
    json_out = None
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--stream":
            stream = True
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a == "--json":
            i += 1
            if i >= len(argv):
                _out(usage)
                return 2
            json_out = argv[i]
        elif a in ("-h", "--help"):
            _out(usage)
            return 0
        elif a.startswith("-"):
            _out("unknown option %s\n%s" % (a, usage))
            return 2
        else:
            files.append(a)
        i += 1
    if not files:
        _out(usage)
        return 2
    import wamr_mpy
    if TIER and TIER != "aot":
        import wamr_mpy.config
        wamr_mpy.config.DEFAULT_TIER = TIER
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
