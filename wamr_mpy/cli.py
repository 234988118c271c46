# `micropython -m wamr_mpy [options] app.wasm [args...]`, like WAMR's iwasm.
# See docs/cli.md.

import sys


def _err(msg):
    try:
        sys.stderr.write("wamr_mpy: " + msg + "\n")
    except AttributeError:
        print("wamr_mpy: " + msg)


def _out(s):
    from . import native
    native.write_stdout(s.encode())


def main(argv=None):
    """Runs the CLI; returns the process exit code."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C: 130, what a shell reports for a program ended by SIGINT
        _err("interrupted")
        return 130
    except OSError as e:
        # stdout closed under us (`... | head`): end quietly, like a C
        # program killed by SIGPIPE.
        if e.args and e.args[0] == 32:
            return 141
        raise


def _main(argv):
    if argv is None:
        argv = sys.argv[1:]
    from . import config as cfg   # folded away in a board's build
    # Before anything else is imported (memory policy for small heaps).
    import wamr_mpy
    wamr_mpy.init()
    from . import cli_args as A
    try:
        o = A.parse_args(argv)
        if o["version"]:
            _out("wamr_mpy %s (tiers: %s)\n" % (wamr_mpy.__version__,
                                                 ", ".join(A.available_tiers())))
            return 0
        if o["help"] or o["file"] is None:
            _out(A.USAGE % (cfg.STACK_SIZE, cfg.HEAP_SIZE,
                            "|".join(n for n, m in A.TIERS)) + "\n")
            return 0 if o["help"] else 2
        kw = A.tier_kwargs(o["tier"])
    except A.UsageError as e:
        _err(str(e))
        return 2
    A = None
    if getattr(cfg, "UNLOAD_LOADER", False):
        wamr_mpy._unload(("cli_args",))
    return run(o, kw)


def _load(path, tier=None):
    import wamr_mpy
    from .errors import os_error_text as _oserr
    try:
        open(path, "rb").close()
    except OSError as e:
        _err("cannot open %s: %s" % (path, _oserr(e)))
        return None
    try:
        # By path: function bodies stay in the file until first called.
        return wamr_mpy.load(path, tier)
    except OSError as e:
        # opens but does not read: a directory
        _err("cannot read %s: %s" % (path, _oserr(e)))
    except wamr_mpy.WasmError as e:
        _err("%s: %s" % (path, e))
    except MemoryError:
        _err("%s: out of memory while loading" % path)
    return None


def _imports_wasi(mod):
    for m, n, k in mod.imports:
        if m == "wasi_snapshot_preview1":
            return True
    return False


def _is_side_module(mod):
    for name, _ in mod.custom_sections:
        if name == "dylink.0" or name == "dylink":
            return True
    return False


def run(o, kw=None):
    from .errors import Trap, ProcExit, LinkError, WasmError
    import gc
    path = o["file"]
    # Import what instantiation needs before the module's big allocations,
    # and collect before the linear memory (one contiguous block) is made:
    # on a small heap fragmentation decides whether that block fits.  With
    # UNLOAD_LOADER the decoder leaves RAM after loading: importing the
    # rest only then keeps the two sets from being in RAM together (the
    # linear memory was reserved by init()).
    from . import config
    if not getattr(config, "UNLOAD_LOADER", False):
        from . import instance, native  # noqa: F401
    mod = _load(path, (kw or {}).get("tier"))
    if mod is not None:
        from . import instance, native  # noqa: F401,F811
    if mod is None:
        return 1
    if getattr(mod._m, "aot", None) is not None:
        # wamrc output runs on the aot tier only
        if o.get("tier") not in (None, "aot"):
            _err("%s: a compiled module (.mpy) runs on tier aot, not %s"
                 % (path, o["tier"]))
            return 2
        kw = {}
    elif o.get("tier") == "aot":
        _err("%s: tier aot runs modules compiled by tools/wamrc (.mpy)" % path)
        return 2
    ctx = None
    if _imports_wasi(mod):
        from . import wasi
        ctx = wasi.WasiCtx([path] + o["args"], o["env"], o["dirs"])
        wasi.set_next(ctx)
    gc.collect()
    side = _is_side_module(mod)
    try:
        if side:
            from . import dylink
            inst = dylink.instantiate(mod, None, o["stack"], o["heap"])
        else:
            inst = mod.instantiate(None, o["stack"], o["heap"], **(kw or {}))
    except LinkError as e:
        _err("%s: %s" % (path, e))
        return 1
    except Trap as e:
        _out("Exception: %s\n" % e.message)
        return 1
    except ProcExit as e:
        return e.code & 0xFF
    except WasmError as e:
        _err("%s: %s" % (path, e))
        return 1
    except MemoryError:
        _err("%s: out of memory while instantiating" % path)
        return 1
    if ctx is not None:
        wasi.set_next(None)
        ctx.bind(inst)
    try:
        if not side:            # dylink.instantiate ran the constructors
            _init_app(inst)
        if o["func"] is not None:
            from .cli_func import call_func
            return call_func(inst, o["func"], o["args"])
        return _run_main(inst, [path] + o["args"])
    except ProcExit as e:
        return e.code & 0xFF
    except Trap as e:
        _out("Exception: %s\n" % e.message)
        return 1
    except MemoryError:
        _out("Exception: out of memory\n")
        return 1
    finally:
        if ctx is not None:
            ctx.close_all()
        # A program that runs apps in turn (a board's main.py) needs the
        # linear memory back now: a stale word on the C stack, which
        # MicroPython's collector takes for a pointer, could otherwise keep
        # the instance and its memory, and the next app's memory not fit.
        inst.deinstantiate()


def _init_app(inst):
    """A module without _start (built with --no-entry, or a WASI reactor)
    gets its C/C++ constructors run once before anything else, as a
    command's _start would: _initialize when exported, else
    __wasm_call_ctors."""
    if inst.lookup_function("_start") is not None:
        return
    for name in ("_initialize", "__wasm_call_ctors"):
        f = inst.lookup_function(name)
        if f is not None and not f.type.params and not f.type.results:
            inst.call(f)
            return


def _run_main(inst, args):
    from . import native
    from .errors import Trap
    f = inst.lookup_function("_start")
    if f is not None:
        inst.call(f)
        return 0
    for name in ("main", "__main_argc_argv", "_main"):
        f = inst.lookup_function(name)
        if f is not None:
            break
    if f is None:
        raise Trap("lookup the entry point symbol (like _start, main, _main, "
                   "__main_argc_argv) failed")
    t = f.type
    if len(t.params) not in (0, 2) or len(t.results) > 1 or \
            t.sig not in ("()", "()i", "(ii)", "(ii)i"):
        raise Trap("invalid function type of main function")
    if t.params:
        argv = _put_argv(inst, args, native)
        if argv is None:
            raise Trap("allocate memory failed")
        r = inst.call(f, len(args), argv)
    else:
        r = inst.call(f)
    return (r or 0) & 0xFF


def _put_argv(inst, args, native):
    """argv strings then the pointer array, in the app heap (like WAMR)."""
    bs = [a.encode() + b"\0" for a in args]
    strsize = (sum(len(b) for b in bs) + 3) & ~3
    base = native.module_malloc(inst, strsize + 4 * (len(bs) + 1))
    if not base:
        return None
    data = inst.memory.data
    p = base
    ptrs = base + strsize
    for i, b in enumerate(bs):
        data[p:p + len(b)] = b
        data[ptrs + 4 * i:ptrs + 4 * i + 4] = p.to_bytes(4, "little")
        p += len(b)
    data[ptrs + 4 * len(bs):ptrs + 4 * len(bs) + 4] = bytes(4)
    return ptrs
