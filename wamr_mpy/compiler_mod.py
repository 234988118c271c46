# Whole modules for tools/wamrc: a .wasm -> the Python source of an AOT
# module (compiler.FuncGen per function, the stripped module bytes, the
# metadata aot.py checks).  Not needed on a board (the JIT uses compiler.py
# only).

from .compiler import ABI, Target, FuncGen, ModCtx, CompileError, _bytes_literal


class _Scan:
    """walk_body emitter collecting what the may-grow analysis needs."""

    def begin(self, module, fidx, ftype, local_types):
        self.grow = False
        self.calls = set()

    def op(self, op, imm, pops, push):
        if op == 0x40:
            self.grow = True

    def call(self, fidx, ftype):
        self.calls.add(fidx)

    def call_indirect(self, typeidx, tableidx, ftype):
        self.grow = True      # anything may be behind a table

    def block(self, op, params, results):
        pass

    def else_(self):
        pass

    def end(self):
        pass

    def br(self, depth):
        pass

    def br_if(self, depth):
        pass

    def br_table(self, depths, default):
        pass

    def ret(self):
        pass

    def unreachable(self):
        pass

    def finish(self):
        return self.grow, self.calls


def may_grow_per_function(m):
    """For each defined function: can a call to it grow the memory (itself or
    through what it calls: memory.grow, imports, call_indirect)?"""
    from .validator import walk_body
    nimp = m.n_func_imports
    n = m.n_bodies
    grow = [False] * n
    calls = []
    for i in range(n):
        g, c = walk_body(m, i, _Scan())
        if any(f < nimp for f in c):
            g = True
        grow[i] = g
        calls.append([f - nimp for f in c if f >= nimp])
    changed = True
    while changed:
        changed = False
        for i in range(n):
            if not grow[i]:
                for j in calls[i]:
                    if grow[j]:
                        grow[i] = True
                        changed = True
                        break
    return grow


def fallback_source(defidx):
    """A function left to the portable interpreter (its body stays in the
    module's wasm bytes)."""
    return ("def f%d(M, W, X, d, *a):\n return _interp(X, %d, a)\n" % (defidx, defidx))


def _leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_leb(data, p):
    r = 0
    sh = 0
    while True:
        b = data[p]
        p += 1
        r |= (b & 0x7F) << sh
        if not b & 0x80:
            return r, p
        sh += 7


def strip_module(data, m, keep=()):
    """The module's bytes with compiled function bodies replaced by
    `unreachable` (their code lives in the generated Python) and DWARF
    custom sections dropped; bodies of functions in `keep` stay."""
    out = bytearray(data[:8])
    p = 8
    n = len(data)
    while p < n:
        sid = data[p]
        size, q = _read_leb(data, p + 1)
        end = q + size
        if sid == 0:
            ln, r = _read_leb(data, q)
            name = bytes(data[r:r + ln])
            if name.startswith(b".debug") or name == b"sourceMappingURL":
                p = end
                continue
            out += data[p:end]
        elif sid == 10:
            body = bytearray(_leb(m.n_bodies))
            for i in range(m.n_bodies):
                if i in keep:
                    s, e = m.body(i)
                    body += _leb(e - s)
                    body += data[s:e]
                else:
                    body += b"\x03\x00\x00\x0b"
            out.append(10)
            out += _leb(len(body))
            out += body
        else:
            out += data[p:end]
        p = end
    return bytes(out)


def compile_module(data, target=None, name="module.wasm", interp=()):
    """wasm bytes -> (Python source of the AOT module, info dict).
    `interp`: defined-function indices left to the portable interpreter.
    Raises LoadError / ValidationError for bad modules."""
    from .loader import load
    from .validator import walk_body
    if target is None:
        target = Target()
    m = load(data)
    mc = ModCtx(m, target)
    if mc.grows:
        # the precise (per-function) may-grow analysis: one more walk of
        # every body, worth it ahead of time (fewer reloads after calls)
        mc.fgrows = may_grow_per_function(m)
    fallback = set(interp)
    info_why = {}
    funcs = []
    for i in range(m.n_bodies):
        src = None
        if i not in fallback:
            try:
                src = walk_body(m, i, FuncGen(mc))
            except MemoryError:
                raise
            except Exception as e:
                # a generator limitation (or bug): this function stays on the
                # portable interpreter rather than failing the module
                if not isinstance(e, CompileError):
                    info_why[i] = "%s: %s" % (type(e).__name__, e)
                src = None
        if src is None:
            fallback.add(i)
            src = fallback_source(i)
        funcs.append(src)
    if fallback:
        mc.helper("_interp")
    head = [
        "# wamr_mpy AOT module generated by wamrc from %s (arch %s): do not edit." % (
            name.replace("\n", " "), target.arch),
        "import micropython",
        "from wamr_mpy.aot import ZERO, NULL, ZF32, ZF64" +
        "".join(", " + h for h in sorted(mc.helpers)),
    ]
    if mc.fnames:
        head.append("from wamr_mpy.fmode import " + ", ".join(sorted(mc.fnames)))
    head += [
        "ABI = %d" % ABI,
        "ARCH = %r" % target.arch,
        "WBITS = %d" % target.wbits,
        "FLOAT = %d" % (1 if target.inline_float else 0),
        "FUEL = %d" % (1 if target.fuel else 0),
        "NWORDS = %d" % mc.nwords,
        "GWORDS = (%s)" % "".join("(%d, %d, %d), " % g for g in mc.gwords),
    ]
    head += mc.const_defs
    parts = ["\n".join(head) + "\n"]
    lines = {}
    ln = parts[0].count("\n") + 1
    for i in range(len(funcs)):
        lines[i] = ln
        parts.append(funcs[i])
        ln += funcs[i].count("\n")
    parts.append("FUNCS = (%s)\n" % "".join("f%d, " % i for i in range(len(funcs))))
    parts.append("WASM = %s\n" % _bytes_literal(strip_module(data, m, fallback)))
    info = {"functions": len(funcs), "interp": sorted(fallback), "lines": lines,
            "why": info_why}
    return "".join(parts), info


def function_at_line(info, line):
    """The defined-function index whose source holds `line` (1-based)."""
    best = None
    for i in sorted(info["lines"]):
        if info["lines"][i] <= line:
            best = i
    return best
