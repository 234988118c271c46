# Whole modules for tools/wamrc: a .wasm -> the Python source of an AOT
# module (compiler.FuncGen per function, the stripped module bytes, the
# metadata aot.py checks).  Not needed on a board (the JIT uses compiler.py
# only).

from .compiler import ABI, Target, ModCtx, CompileError, _bytes_literal, new_gen, \
    compile_function
from .validator import NullEmitter


class _Scan(NullEmitter):
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

    def finish(self):
        return self.grow, self.calls


def may_grow_per_function(m):
    """For each defined function: can a call to it grow the memory (itself or
    through what it calls: memory.grow, imports, call_indirect)?"""
    from .validator import walk_body
    nimp = m.n_func_imports
    n = m.n_bodies
    grow = [False] * n
    callers = [[] for _ in range(n)]
    for i in range(n):
        g, c = walk_body(m, i, _Scan())
        for f in c:
            if f < nimp:
                g = True
            else:
                callers[f - nimp].append(i)
        grow[i] = g
    # growing spreads to the callers: each function is visited once
    todo = [i for i in range(n) if grow[i]]
    while todo:
        j = todo.pop()
        for i in callers[j]:
            if not grow[i]:
                grow[i] = True
                todo.append(i)
    return grow


def fallback_source(defidx):
    """A function left to the portable interpreter (its body stays in the
    module's wasm bytes)."""
    return ("def f%d(W, A, S, C, *a):\n return _interp(%d, W, a)\n" % (defidx, defidx))


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
    keep = set(keep)
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


# Generated sources past this size go to mpy-cross in pieces: its time per
# function grows with the size of the file it compiles (the allocator scans
# the whole parse tree), so one big module costs quadratic time.
CHUNK_BYTES = 256 * 1024


def compile_module(data, target=None, name="module.wasm", interp=(), progress=None,
                   chunk_bytes=CHUNK_BYTES):
    """wasm bytes -> (Python source of the AOT module, info dict).
    `interp`: defined-function indices left to the portable interpreter;
    `progress(done, total)`: called now and then while generating.
    Raises LoadError / ValidationError for bad modules.

    info: "functions", "interp" (sorted indices), "why" (index -> reason
    the function stays interpreted), "lines" (index -> first line in its
    source), "chunks": None, or when the functions' source is bigger than
    chunk_bytes, a list of (source, first index, last index + 1) of
    separate modules holding the functions (the main source then has
    NPARTS: their .mpy files follow the main one's, compiler_mpy.add_trailer)."""
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
    n = m.n_bodies
    for i in range(n):
        src = None
        if i not in fallback:
            try:
                g = new_gen(mc)
                src = compile_function(mc, i, g)
            except MemoryError:
                raise
            except Exception as e:
                # a generator limit (too many locals for the arch...) or an
                # unsupported feature: this function stays on the portable
                # interpreter rather than failing the module
                info_why[i] = str(e) if isinstance(e, CompileError) else \
                    "%s: %s" % (type(e).__name__, e)
                src = None
        if src is None:
            fallback.add(i)
            src = fallback_source(i)
        funcs.append(src)
        if progress is not None and (i & 1023) == 1023:
            progress(i + 1, n)
    if fallback:
        mc.helper("_interp")
    imports = [
        "import micropython",
        "from wamr_mpy.aot import ZERO, NULL, ZF32, ZF64" +
        "".join(", " + h for h in sorted(mc.helpers)),
    ]
    if mc.fnames:
        imports.append("from wamr_mpy.fmode import " + ", ".join(sorted(mc.fnames)))
    for vmod, names in mc.vf_imports():
        imports.append("from wamr_mpy.%s import %s" % (vmod, ", ".join(names)))
    head = [
        "# wamr_mpy AOT module generated by wamrc from %s (arch %s): do not edit." % (
            name.replace("\n", " "), target.arch)] + imports + [
        "ABI = %d" % ABI,
        "ARCH = %r" % target.arch,
        "WBITS = %d" % target.wbits,
        "FLOAT = %d" % (1 if target.inline_float else 0),
        "FUEL = %d" % (1 if target.fuel else 0),
        "NWORDS = %d" % mc.nwords,
        "GWORDS = (%s)" % "".join("(%d, %d, %d), " % g for g in mc.gwords),
        "OBJT = %r" % mc.objt,
        # what the table C holds after the functions (aot.load_module)
        "GNAMES = (%s)" % "".join("%r, " % k for k in mc.gnames),
    ]
    info = {"functions": n, "interp": sorted(fallback), "why": info_why, "lines": {},
            "chunks": None, "src": funcs,
            "prelude": "\n".join(imports + mc.const_defs) + "\n"}
    total = 0
    for f in funcs:
        total += len(f)
    wasm = "WASM = %s\n" % _bytes_literal(strip_module(data, m, fallback))
    if chunk_bytes is None or total <= chunk_bytes:
        parts = ["\n".join(head + mc.const_defs) + "\n"]
        _place(parts, funcs, 0, n, info["lines"])
        parts.append("FUNCS = (%s)\n" % "".join("f%d, " % i for i in range(n)))
        parts.append(wasm)
        return "".join(parts), info
    # in pieces: each a module of consecutive functions (calls go through
    # the table C the loader makes of all of them)
    chunks = []
    lo = 0
    while lo < n:
        hi = lo
        size = 0
        while hi < n and (hi == lo or size + len(funcs[hi]) <= chunk_bytes):
            size += len(funcs[hi])
            hi += 1
        parts = ["# wamr_mpy AOT module part (functions %d-%d)\n" % (lo, hi - 1),
                 "\n".join(imports + mc.const_defs) + "\n"]
        _place(parts, funcs, lo, hi, info["lines"])
        parts.append("FUNCS = (%s)\n" % "".join("f%d, " % i for i in range(lo, hi)))
        chunks.append(("".join(parts), lo, hi))
        lo = hi
    info["chunks"] = chunks
    return "\n".join(head) + "\nNPARTS = %d\n" % len(chunks) + wasm, info


def _place(parts, funcs, lo, hi, lines):
    """Appends funcs[lo:hi] to parts, noting each one's first line."""
    ln = 1
    for p in parts:
        ln += p.count("\n")
    for i in range(lo, hi):
        lines[i] = ln
        parts.append(funcs[i])
        ln += funcs[i].count("\n")


def function_at_line(info, line, lo=0, hi=None):
    """The defined-function index whose source holds `line` (1-based) in
    the module, or in the part holding functions lo .. hi - 1."""
    best = None
    lines = info["lines"]
    for i in range(lo, info["functions"] if hi is None else hi):
        if lines.get(i, line + 1) <= line:
            best = i
    return best
