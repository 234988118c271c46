# The on-device JIT tier ("jit"): the AOT code generator (compiler.py) run
# at run time on a port whose firmware has the native/viper emitters.  Each
# function is compiled lazily, on its first call, by exec() of its
# generated source; the compiled functions are kept per module (shared by
# its instances).  Generated source counts against config.JIT_BUDGET
# (bytes, a proxy for the RAM the native code takes); a function over the
# budget, or one the compiler rejects, runs on the portable interpreter.

from . import aot

# Without config.JIT_BUDGET: 4 MiB of source where words are 64 bits (the
# unix port), 64 KiB on boards.
import sys as _sys
DEFAULT_BUDGET = (4 << 20) if _sys.maxsize > 0x7FFFFFFF else (64 << 10)

used = 0            # generated source bytes compiled so far (all modules)
# Unexpected compiler failures ("f<i>: <exception>", the first few): the
# function still runs, on the interpreter, so only this list tells a bug in
# the compiler from a function it leaves there on purpose (CompileError).
errors = []


def budget():
    from . import config
    return getattr(config, "JIT_BUDGET", DEFAULT_BUDGET)


def available():
    """True when this port can compile viper code at run time."""
    global _avail
    if _avail is None:
        try:
            exec("import micropython\n@micropython.viper\ndef _t(a: int) -> int:\n return a\n",
                 {})
            _avail = True
        except Exception:
            _avail = False
    return _avail


_avail = None


class _State:
    """Per-module JIT state: the namespace the generated code runs in and
    the function table."""

    def __init__(self, m):
        from . import compiler
        self.m = m
        self.mc = compiler.ModCtx(m, compiler.host_target())
        self.nconst = 0
        # The namespace the generated source runs in (its constants'
        # definitions); the code itself reads everything through the table
        # self.fns (compiler.ModCtx.gref), not through globals.
        ns = {}
        import micropython
        ns["micropython"] = micropython
        for k in ("ZERO", "NULL", "ZF32", "ZF64"):
            ns[k] = getattr(aot, k)
        self.ns = ns
        self.stubs = [self.stub(i) for i in range(m.n_bodies)]
        # the table C of the generated code: the functions by index, then
        # what mc.gnames lists (table())
        self.fns = list(self.stubs)
        self.busy = set()         # functions being compiled (call cycles)
        self.compiled = 0
        self.interp = 0

    def stub(self, i):
        def first_call(W, A, S, C, *a):
            fn = self.fns[i]
            if fn is self.stubs[i]:
                fn = self.compile(i)
            return fn(W, A, fn, C, *a)
        return first_call

    def fallback(self, i):
        def run_interp(W, A, S, C, *a):
            return aot._interp(i, W, a)
        return run_interp

    def compile(self, i):
        global used
        from . import compiler
        fn = None
        if available() and used < budget():
            self.busy.add(i)
            try:
                try:
                    g = compiler.new_gen(self.mc)
                    src = compiler.compile_function(self.mc, i, g)
                except MemoryError:
                    import gc
                    gc.collect()      # generating is allocation-heavy: retry once
                    g = compiler.new_gen(self.mc)
                    src = compiler.compile_function(self.mc, i, g)
                self.bind()
                defs = self.mc.const_defs
                if self.nconst < len(defs):
                    exec("\n".join(defs[self.nconst:]), self.ns)
                    self.nconst = len(defs)
                self.table()
                if used + len(src) <= budget():
                    exec(src, self.ns)
                    fn = self.ns.pop("f%d" % i)
                    used += len(src)
                    self.compiled += 1
                    # the functions it calls in loops it holds in locals from
                    # its entry on: they must not be first-call stubs then
                    for j in g.cached:
                        if j not in self.busy and self.fns[j] is self.stubs[j]:
                            self.compile(j)
            except MemoryError:
                fn = None
            except compiler.CompileError:
                fn = None
            except Exception as e:
                if isinstance(e, aot.WasmError):
                    raise
                if len(errors) < 8:
                    errors.append("f%d: %s: %s" % (i, type(e).__name__, e))
                fn = None
        if fn is None:
            fn = self.fallback(i)
            self.interp += 1
        self.install(i, fn)
        return fn

    def bind(self):
        """Adds the run-time helpers generated code uses to its namespace."""
        ns = self.ns
        mc = self.mc
        if mc.fnames:
            from . import fmode
            for k in mc.fnames:
                if k not in ns:
                    ns[k] = getattr(fmode, k)
        for k in mc.helpers:
            if k not in ns:
                ns[k] = getattr(aot, k)
        for m, names in mc.vf_imports():
            mod = __import__("wamr_mpy." + m, None, None, names)
            for k in names:
                if k not in ns:
                    ns[k] = getattr(mod, k)

    def table(self):
        """Appends to the table what the generated code added to
        mc.gnames since (helpers and constants, bound in ns)."""
        C = self.fns
        names = self.mc.gnames
        for k in range(len(C) - self.mc.n, len(names)):
            C.append(self.ns[names[k]])

    def install(self, i, fn):
        self.fns[i] = fn


def state(m):
    st = getattr(m, "_jit", None)
    if st is None:
        st = _State(m)
        m._jit = st
    return st


def run(inst, f, vals):
    """The "jit" tier's entry (instance.tier_runner)."""
    X = getattr(inst, "_aotx", None)
    if X is None:
        st = state(inst.module)
        X = aot.Ctx(inst, st.fns, st.mc.gwords, st.mc.nwords, st.mc.objt)
        inst._aotx = X
    return aot.run_ctx(X, f, vals)
