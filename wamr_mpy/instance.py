# Instantiation (import linking, globals, tables, memories, segments, start)
# and calls from Python into an instance.

from .errors import LinkError, Trap, ProcExit, STACK_EXHAUSTED, out_of_memory
from .func import Func, HostFunc, FuncType, I32, I64, F32, F64, FUNCREF, EXTERNREF
from .memory import Memory, Table, Global, from_py, to_py, from_raw, to_raw
from .module import K_FUNC, K_TABLE, K_MEM, K_GLOBAL
from . import config

_KIND_NAMES = ("function", "table", "memory", "global", "tag")
MAX_REENTRY = 16     # host -> wasm -> host nesting (each level costs Python stack)


def _fm():
    from . import fmode
    return fmode


def _lookup_native(mod, name):
    try:
        from . import native
    except ImportError:
        return None
    return native.lookup(mod, name)


def _incompatible(imp, why):
    raise LinkError("incompatible import type", -1,
                    "instance: import %s.%s (%s)" % (imp.module, imp.name, why))


def _limits_ok(size, mx, imin, imax):
    if size < imin:
        return False
    if imax is not None and (mx is None or mx > imax):
        return False
    return True


def resolve_import(module, imp, imports):
    ns = imports.get(imp.module) if imports else None
    v = None
    if ns is not None:
        try:
            v = ns.get(imp.name) if hasattr(ns, "get") else ns[imp.name]
        except KeyError:
            v = None
    kind = imp.kind
    if v is None and kind == K_FUNC:
        v = _lookup_native(imp.module, imp.name)
    if v is None:
        raise LinkError("unknown import", -1,
                        "instance: %s %s.%s" % (_KIND_NAMES[kind], imp.module, imp.name))
    if kind == K_FUNC:
        want = module.types[imp.desc]
        if not isinstance(v, Func):
            if callable(v) and not isinstance(v, (Memory, Table, Global)):
                # A plain Python callable takes the declared type.
                return HostFunc(v, want, name=imp.name)
            _incompatible(imp, "not a function")
        if v.type.key != want.key and not (config.WASM_GC and want.key[0] == "#" and
                                           _func_sub(v.type, want.key)):
            _incompatible(imp, "%s is not %s" % (v.type.sig, want.sig))
        return v
    if kind == K_TABLE:
        if not isinstance(v, Table):
            _incompatible(imp, "not a table")
        et, lo, hi = imp.desc
        if v.type != et or not _limits_ok(len(v.elems), v.max, lo, hi) or \
                (config.WASM_MEMORY64 and v.addr64 != imp.addr64):
            _incompatible(imp, "table type or limits")
        return v
    if kind == K_MEM:
        if not isinstance(v, Memory):
            _incompatible(imp, "not a memory")
        lo, hi = imp.desc
        if not _limits_ok(v.size, v.max, lo, hi) or \
                (config.WASM_MEMORY64 and v.addr64 != imp.addr64):
            _incompatible(imp, "memory limits")
        return v
    if config.WASM_EXCEPTIONS and kind == 4:
        from .refs import Tag
        if not isinstance(v, Tag):
            _incompatible(imp, "not a tag")
        if v.type.key != module.types[imp.desc].key:
            _incompatible(imp, "tag type")
        return v
    if not isinstance(v, Global):
        _incompatible(imp, "not a global")
    t, mut = imp.desc
    if v.mutable != bool(mut) or (v.t != t and not (config.WASM_TYPES3 and not mut and
                                                      _val_sub(v.t, t))):
        _incompatible(imp, "global type")
    return v


if config.WASM_3:
    def _func_sub(have, key):
        from .reftypes import func_sub
        return func_sub(have, key)

    def _val_sub(have, want):
        from .reftypes import matches
        return matches(have, want)


def eval_const(inst, expr):
    if config.WASM_3 and (len(expr) > 1 or expr and 0xFB00 <= expr[0][0] < 0xFC00):
        # extended constant expressions, GC instructions
        from .instance3 import eval_const3
        return eval_const3(inst, expr)
    v = None
    for op, imm, p in expr:
        if op == 0x41 or op == 0x42:
            v = imm
        elif op == 0x43:
            v = _fm().f32_from_bits(imm)
        elif op == 0x44:
            v = _fm().f64_from_bits(imm)
        elif op == 0x23:
            v = inst.globals[imm].v
        elif op == 0xD0:
            v = None
        elif op == 0xD2:
            v = inst.funcs[imm]
        elif config.WASM_SIMD and op == 0xFD00C:     # v128.const: its bytes are the value
            v = imm
    return v


class Instance:
    def __init__(self, module, imports=None, stack_size=None, heap_size=None,
                 memory_limit=None, tier=None, fuel=None):
        self.module = module
        self.tier = tier or config.DEFAULT_TIER
        self.run = tier_runner(self.tier)
        self.stack_size = stack_size or config.STACK_SIZE
        self.heap_size = config.HEAP_SIZE if heap_size is None else heap_size
        self.env = None
        self.ccache = None    # interp's bounded record of decoded bodies
        self.fuel = fuel      # bounds the start function too
        self.exception = None
        self.funcs = []
        self.tables = []
        self.memories = []
        self.globals = []
        if config.WASM_EXCEPTIONS:
            self.tags = []
        m = module
        for imp in m.imports:
            v = resolve_import(m, imp, imports)
            k = imp.kind
            if k == K_FUNC:
                self.funcs.append(v)
            elif k == K_TABLE:
                self.tables.append(v)
            elif k == K_MEM:
                self.memories.append(v)
            elif k == K_GLOBAL:
                self.globals.append(v)
            else:
                self.tags.append(v)
        types = m.types
        for i in range(m.n_bodies):
            self.funcs.append(Func(types[m.func_types[m.n_func_imports + i]], self, i))
        for i, expr in enumerate(m.global_inits):
            t, mut = m.globals[m.n_global_imports + i]
            g = Global(t, None, mut)
            g.v = eval_const(self, expr)
            self.globals.append(g)
        if config.WASM_3:
            # tags, tables with initialisers, i64-addressed tables
            from .instance3 import tables3
            tables3(self, m)
        else:
            for et, lo, hi in m.tables[m.n_table_imports:]:
                self.tables.append(Table(et, lo, hi))
        if memory_limit is None:
            memory_limit = getattr(config, "MEMORY_LIMIT", 0) or None
        for i in range(m.n_mem_imports, len(m.mems)):
            lo, hi = m.mems[i]
            if lo > config.MAX_MEMORY_PAGES:
                raise LinkError("memory: %d pages exceed the configured limit %d"
                                % (lo, config.MAX_MEMORY_PAGES))
            self.memories.append(Memory(lo, hi, memory_limit,
                                        config.WASM_MEMORY64 and m.mem64[i]))
        self.memory = self.memories[0] if self.memories else None
        self.mem = self.memory.data if self.memory else None
        self.exports = {}
        for name, kind, idx in m.exports:
            if kind == K_FUNC:
                v = self.funcs[idx]
            elif kind == K_TABLE:
                v = self.tables[idx]
            elif kind == K_MEM:
                v = self.memories[idx]
            elif kind == K_GLOBAL:
                v = self.globals[idx]
            else:
                v = self.tags[idx]
            self.exports[name] = v
        self.elem_segs = []
        for e in m.elems:
            if e.funcidx:
                self.elem_segs.append([self.funcs[i] for i in e.inits])
            else:
                self.elem_segs.append([eval_const(self, x) for x in e.inits])
        # active segments are dropped once copied below
        self.datas = [d.data if d.mode else b"" for d in m.datas]
        # Active segments in order; a trap leaves earlier writes in place.
        for i, e in enumerate(m.elems):
            if e.mode == 0:
                off = eval_const(self, e.offset)
                if off < 0:
                    # an i64 offset (table64) this negative is past any table
                    off += 0x10000000000000000 if config.WASM_MEMORY64 and \
                        m.tab64[e.table] else 0x100000000
                seg = self.elem_segs[i]
                t = self.tables[e.table].elems
                if off + len(seg) > len(t):
                    raise Trap("out of bounds table access")
                t[off:off + len(seg)] = seg
            if e.mode != 1:
                self.elem_segs[i] = ()
        for i, d in enumerate(m.datas):
            if d.mode == 0:
                off = eval_const(self, d.offset)
                if off < 0:
                    off += 0x10000000000000000 if config.WASM_MEMORY64 and \
                        m.mem64[d.mem] else 0x100000000
                mem = self.memories[d.mem].data
                b = m.data_bytes(d)
                if off + len(b) > len(mem):
                    raise Trap("out of bounds memory access")
                mem[off:off + len(b)] = b
        if m.start is not None:
            invoke(self, self.funcs[m.start], [])

    # -- lookups ----------------------------------------------------------
    def lookup_function(self, name):
        f = self.exports.get(name)
        return f if isinstance(f, Func) else None

    def _func(self, f):
        if isinstance(f, Func):
            return f
        g = self.lookup_function(f)
        if g is None:
            raise KeyError("instance: no exported function %r" % (f,))
        return g

    # -- calls --------------------------------------------------------------
    def call(self, f, *args):
        """Calls with Python values; returns None, a value or a tuple."""
        f = self._func(f)
        t = f.type
        if len(args) != len(t.params):
            raise TypeError("instance: %s takes %d arguments, got %d"
                            % (t.sig, len(t.params), len(args)))
        vals = [from_py(t.params[i], args[i]) for i in range(len(args))]
        res = invoke(self, f, vals)
        rt = t.results
        if not rt:
            return None
        if len(rt) == 1:
            return to_py(rt[0], res[0])
        return tuple(to_py(rt[i], res[i]) for i in range(len(rt)))

    def call_raw(self, f, args):
        """Calls with raw values (ints, float bit patterns, references);
        returns a list of raw results (unsigned ints / bit patterns)."""
        f = self._func(f)
        t = f.type
        if len(args) != len(t.params):
            raise TypeError("instance: %s takes %d arguments, got %d"
                            % (t.sig, len(t.params), len(args)))
        vals = [from_raw(t.params[i], args[i]) for i in range(len(args))]
        res = invoke(self, f, vals)
        return [to_raw(t.results[i], res[i]) for i in range(len(res))]

    if config.WASM_EXCEPTIONS:
        def throw(self, tag, values=()):
            """The WasmException a host function raises to throw wasm
            exception `tag` (a tag or the name this instance exports it
            under) with `values` (raw, as call_raw takes them) into the
            wasm code that called it."""
            from .refs import Exn
            from .errors import WasmException
            if isinstance(tag, str):
                tag = self.exports[tag]
            return WasmException(Exn(tag, list(values)))

    def set_fuel(self, n):
        """Limits the wasm work of later calls (loop back-edges + calls);
        None removes the limit.  Running out traps with "out of fuel"."""
        self.fuel = n

    @property
    def heap(self):
        return getattr(self, "_heap", None)

    def deinstantiate(self):
        for name in ("funcs", "tables", "memories", "globals", "exports",
                     "elem_segs", "datas", "tags"):
            setattr(self, name, [] if name != "exports" else {})
        self.memory = None
        self.mem = None
        self.env = None
        self.module = None
        # State the tiers and native libraries keep on the instance.
        for name in ("_fx", "_aotx", "_heap", "_wasi"):
            if hasattr(self, name):
                setattr(self, name, None)


def get_env(inst):
    env = inst.env
    if env is None:
        from . import interp
        env = interp.ExecEnv(inst.stack_size)
        inst.env = env
    return env


# Execution tiers: name -> module providing run(inst, f, vals) -> results.
_TIERS = {"fast": "interp_fast", "jit": "jit", "aot": "aot"}


def tier_runner(name):
    if name == "interp":
        # the tier's code now, before the instance's allocations (fewer
        # holes on a small heap than importing it at the first call)
        from . import interp  # noqa: F401
        return run_interp
    mod = _TIERS.get(name)
    if mod is None:
        raise ValueError("instance: unknown tier %r" % (name,))
    try:
        m = __import__("wamr_mpy." + mod, None, None, ("run",))
    except ImportError:
        raise ValueError("instance: tier %r is not available in this build" % (name,))
    return m.run


def invoke(inst, f, vals):
    """Runs f (wasm or host) with internal values; returns the internal
    result list.  The calls into an instance from Python come through here:
    running out of memory (decoding a function on its first call, growing
    a stack) becomes a Trap, and the instance stays usable."""
    try:
        if f.host is not None:
            r = f.host(*(([inst] if f.pass_instance else []) + host_args(f, vals)))
            return host_results(f, r)
        return f.inst.run(f.inst, f, vals)
    except MemoryError as e:
        raise out_of_memory(Trap, "calling %s" % _fname(inst, f), e)


def _fname(inst, f):
    for name in inst.exports:
        if inst.exports[name] is f:
            return "%r (function %d)" % (name, _findex(f))
    return "function %d" % _findex(f)


def _findex(f):
    if f.inst is None or f.inst.module is None:
        return -1
    return f.inst.module.n_func_imports + f.idx


def run_interp(inst, f, vals):
    """The portable interpreter's entry (the "interp" tier)."""
    # imported here: the other tiers need the interpreter only for what they
    # do not compile, and on a small heap every module counts
    from . import interp
    env = get_env(f.inst)
    tc = f.tc
    if tc is None:
        tc = interp.compile_func(f)
    s = env.s
    base = env.top
    if env.depth >= MAX_REENTRY:
        raise Trap("call stack exhausted", STACK_EXHAUSTED)
    if base + tc[4] > len(s):
        interp.grow_stack(env, env.ftop, base + tc[4])
    n = len(vals)
    s[base:base + n] = vals
    if tc[2] > n:
        s[base + n:base + tc[2]] = tc[3]
    outer = env.depth == 0
    if outer:
        env.fuel = inst.fuel
    env.depth += 1
    try:
        interp.execute(env, f, base)
    except RuntimeError as e:
        # MicroPython's own recursion limit (deep host re-entry).
        if "recursion" in str(e):
            raise Trap("call stack exhausted", STACK_EXHAUSTED)
        raise
    finally:
        env.depth -= 1
        if outer and inst.fuel is not None:
            inst.fuel = env.fuel
    return s[base:base + len(f.type.results)]


# --- host functions ----------------------------------------------------------

def host_args(f, vals):
    t = f.type.params
    out = list(vals)
    for i in range(len(out)):
        ti = t[i]
        if ti == F32 or ti == F64 or (config.WASM_SIMD and ti == 0x7B):
            out[i] = to_raw(ti, out[i]) if f.raw else to_py(ti, out[i])
    return out


def host_results(f, r):
    rt = f.type.results
    n = len(rt)
    if r is None:
        vals = []
    elif n == 1:
        vals = [r]
    else:
        vals = list(r) if isinstance(r, (tuple, list)) else [r]
    if len(vals) != n:
        raise Trap("host function %s returned %d values, expected %d"
                   % (f.name, len(vals), n))
    conv = from_raw if f.raw else from_py
    for i in range(n):
        vals[i] = conv(rt[i], vals[i])
    return vals


def call_host_py(f, args):
    """Calling a HostFunc from Python directly: it is just the callable."""
    return f.host(*args)
