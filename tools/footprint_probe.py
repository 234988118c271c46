# Runs on MicroPython (unix, ports/unix32): where the heap goes while one
# app runs, for tools/footprint, which compiles it to .mpy (its own code
# then takes little heap, and no compiler runs) and imports it with
# sys.argv set to [_, MODE, TIER, APP, FUNC, ARGS...].
# MODE "phases": after each phase (import, load, instantiate, first call,
# steady state) a line "phase NAME ALLOC LINEAR MODULES..." with the heap
# in use after a collection, the linear memory's bytes and the modules the
# phase imported.  MODE "modules": `import` is watched instead, and each
# module's own import cost (what its import took less the modules it
# imported) is a line "module NAME BYTES".  The two are separate runs: the
# watcher's own records would count in the phase figures.  MODE
# "upto:NAME": the same steps, ending after phase NAME (the smallest heap
# that reaches it is the peak up to there).  MODE "run": the app through
# the CLI (tools/footprint's smallest-heap search).
import gc
import sys

mode, tier, app = sys.argv[1], sys.argv[2], sys.argv[3]
func = sys.argv[4] if len(sys.argv) > 4 else None
fargs = [int(a) for a in sys.argv[5:]]

if mode == "run":
    from wamr_mpy import cli
    argv = [] if tier == "default" else ["--tier=" + tier]
    if func:
        argv += ["--function", func]
    argv += [app] + sys.argv[5:]
    sys.exit(cli.main(argv))

_seen = []
if mode == "modules":
    import builtins
    _imp = builtins.__import__
    _cost = {}
    _inner = [0]

    def _absolute(name, g, level):
        # relative imports resolved here: the real __import__ would take
        # this function's module as the importer
        pkg = g["__name__"]
        if "__path__" not in g:
            pkg = pkg.rpartition(".")[0]
        while level > 1:
            pkg = pkg.rpartition(".")[0]
            level -= 1
        return pkg + "." + name if name else pkg

    def _watch(name, g=None, l=None, fromlist=None, level=0):
        if level:
            name = _absolute(name, g, level)
        new = name not in sys.modules
        if new:
            gc.collect()
        before = gc.mem_alloc()
        outer = _inner[0]
        _inner[0] = 0
        try:
            return _imp(name, g, l, fromlist, 0)
        finally:
            if new:
                gc.collect()
                took = gc.mem_alloc() - before
                if name.startswith("wamr_mpy") and name not in _cost:
                    _cost[name] = took - _inner[0]
                _inner[0] = outer + took
            else:
                _inner[0] = outer + _inner[0]

    builtins.__import__ = _watch


def _mods():
    out = []
    for k in sys.modules:
        if k.startswith("wamr_mpy") and k not in _seen:
            out.append(k)
    for k in out:
        _seen.append(k)
    return out


def _phase(name, lin):
    gc.collect()
    a = gc.mem_alloc()
    if mode == "phases":
        new = _mods()
        print("phase", name, a - base, lin, " ".join(sorted(new)))
    elif mode == "upto:" + name:
        print("reached", name)
        sys.exit(0)


def _linear(inst):
    m = getattr(inst, "memory", None)
    d = getattr(m, "data", None) if m is not None else None
    return len(d) if d is not None else 0


gc.collect()
base = gc.mem_alloc()
if mode == "phases":
    print("base", base)     # the interpreter and this probe, before the runtime
import wamr_mpy
_phase("import", 0)
wamr_mpy.init()
from wamr_mpy import memory as _memory
_phase("init", sum(len(b) for b in _memory._reserved))
mod = wamr_mpy.load(app, None if tier == "default" else tier)   # by path, as the CLI loads
_phase("load", sum(len(b) for b in _memory._reserved))
ctx = None
for m, n, k in mod.imports:
    if m == "wasi_snapshot_preview1":
        from wamr_mpy import wasi
        ctx = wasi.WasiCtx([app], [], [])
        wasi.set_next(ctx)
        break
inst = mod.instantiate(tier=None if tier == "default" else tier)
if ctx is not None:
    wasi.set_next(None)
    ctx.bind(inst)
lin = _linear(inst)
_phase("instantiate", lin)
if func is None:
    from wamr_mpy import cli    # what `micropython -m wamr_mpy app.wasm` calls
    cli._init_app(inst)
    cli._run_main(inst, [app])
else:
    inst.call(func, *fargs)
_phase("first-call", _linear(inst))
if func is not None:
    inst.call(func, *fargs)
mod = None
_phase("steady", _linear(inst))
if mode == "modules":
    builtins.__import__ = _imp
    for k in _cost:
        print("module", k, _cost[k])
print("end", _linear(inst))
