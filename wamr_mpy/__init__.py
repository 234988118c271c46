# wamr-mpy: a WebAssembly micro runtime for MicroPython.  This is the
# embedding API (see docs/embedding.md); WAMR's C names map to the
# functions at the bottom.

from .errors import WasmError, LoadError, ValidationError, LinkError, Trap, ProcExit
from .errors import out_of_memory as _oom
from .func import FuncType, Func, HostFunc
from .memory import Memory, Table, Global
from . import config as _config
if _config.WASM_EXCEPTIONS:
    from .errors import WasmException
if _config.WASM_TYPES3:
    from .refs import Tag, ref_kind

__version__ = "0.1.0"


class Module:
    """A loaded and validated module (WAMR's wasm_module_t)."""

    def __init__(self, m):
        self._m = m

    @property
    def imports(self):
        return [(i.module, i.name, ("func", "table", "memory", "global", "tag")[i.kind])
                for i in self._m.imports]

    @property
    def exports(self):
        return [(n, ("func", "table", "memory", "global", "tag")[k])
                for n, k, i in self._m.exports]

    @property
    def custom_sections(self):
        return self._m.custom()

    def instantiate(self, imports=None, stack_size=None, heap_size=None,
                    memory_limit=None, tier=None, fuel=None):
        """tier: "interp" (portable), "fast" (viper), "jit"; default from
        config.DEFAULT_TIER.  memory_limit: allocate at most this many bytes
        of linear memory (for boards whose RAM cannot hold the pages a
        module declares; accesses beyond trap and memory.grow fails).
        fuel: a limit on the start function's work, as Instance.set_fuel
        gives later calls (what is left stays set on the instance)."""
        if self._m is None:
            raise WasmError("module was unloaded")
        from .memory import release_reserved
        args = (self._m, imports, stack_size, heap_size, memory_limit, tier, fuel)
        try:
            try:
                return _instance(args)
            except MemoryError:
                # as in load(): init()'s reserved linear memory gives way
                if not release_reserved():
                    raise
            return _instance(args)
        except MemoryError as e:
            raise _oom(Trap, "instantiating a module of %d functions, %d globals"
                       % (len(self._m.func_types), len(self._m.globals)), e)

    def unload(self):
        self._m = None


def _instance(args):
    # the import too may be what fails on a full heap: it is inside the
    # caller's handler
    from .instance import Instance
    return Instance(*args)


def load(data, tier=None):
    """bytes of a .wasm -> Module.  Raises LoadError / ValidationError
    (LoadError "out of memory: ..." when the heap cannot hold it).
    `tier`: the tier the module will run on, if known (default: the
    board's DEFAULT_TIER); with config.UNLOAD_LOADER only a module for the
    portable interpreter has its bodies decoded for it at load (the other
    tiers compile from the bodies on first call, and the interpreter's
    modules then stay out of RAM)."""
    from .memory import release_reserved
    try:
        try:
            return _load_module(data, tier)
        except MemoryError:
            # init()'s reserved linear memory took the room: the module
            # comes first (its memory is allocated when it is made)
            if not release_reserved():
                raise
        return _load_module(data, tier)
    except MemoryError as e:
        if isinstance(data, str):
            what = "loading " + data
        else:
            what = "loading a module of %d bytes" % len(data)
        raise _oom(LoadError, what, e)


def _load_module(data, tier=None):
    """bytes of a .wasm -> Module.  Raises LoadError / ValidationError.
    `data` may also be the path of a .wasm file: then only the module's
    metadata stays in RAM and function bodies are read back from the file
    when first called (what a board with little RAM wants).
    A module compiled by tools/wamrc (a .mpy, starting with 'M') loads too
    and runs on the "aot" tier (docs/aot.md)."""
    if isinstance(data, str) and data.endswith(".mpy"):
        from .aot import load_compiled
        return load_compiled(data)
    if not isinstance(data, str) and len(data) > 1 and data[0] == 0x4D:
        from .aot import load as _aot_load
        return _aot_load(data)
    from .loader import load as _load
    m = _load(data)
    from . import config
    if getattr(config, "UNLOAD_LOADER", False):
        _load = None
        _unload(("loader",))      # before the decoder comes in: a lower peak
        if (tier or config.DEFAULT_TIER) == "interp":
            _decode_all_and_unload(m)
        else:
            _unload(_LOAD_TIME)
    return Module(m)


def _unload(names):
    import sys
    import gc
    pkg = sys.modules[__name__]
    for name in names:
        sys.modules.pop(__name__ + "." + name, None)
        if name in pkg.__dict__:
            delattr(pkg, name)
    gc.collect()


def _decode_all_and_unload(m):
    """Decodes every body now, then drops the load-time modules from RAM
    (config.UNLOAD_LOADER).  Decoding a body later (another tier, or one
    the code cache dropped) imports them again."""
    from .validator import walk_body
    from .interp_code import Emitter
    for i in range(m.n_bodies):
        if m.codes[i] is None:
            em = Emitter()
            if _config.WASM_3 and m.feats and m.feats[i]:
                from .interp_code3 import Emitter3
                em = Emitter3()
            m.codes[i] = walk_body(m, i, em)
    walk_body = Emitter = None
    _unload(_LOAD_TIME)


# modules a load needs and a run (on the interpreter: once decoded) does not
_LOAD_TIME = ("validator", "reader", "interp_code", "interp_code3", "opnames")


# --- WAMR-style surface -------------------------------------------------

def init(reserve=None):
    """Applies the board's memory policy (like wasm_runtime_init): on a
    small heap, collect garbage every config.GC_THRESHOLD bytes allocated
    (-1: a sixteenth of the heap) so long-lived objects stay packed and
    large blocks remain available, and reserve config.MEMORY_LIMIT bytes
    (or `reserve` bytes: 0 for a program whose modules have no linear
    memory) of linear memory before the heap fragments.  A long-running
    program calls it again between apps: the reservation the last memory
    took is made again once that memory's instance is gone."""
    if reserve is not None and (not isinstance(reserve, int) or reserve < 0):
        raise ValueError("wamr_mpy.init: reserve is a number of bytes >= 0, not %r"
                         % (reserve,))
    import gc
    from . import config
    from . import memory
    th = getattr(config, "GC_THRESHOLD", -1)
    if th and hasattr(gc, "threshold"):
        if th < 0:
            heap = gc.mem_free() + gc.mem_alloc()
            th = heap // 16 if heap < 4 * 1024 * 1024 else 0
        if th:
            gc.threshold(th)
    lim = getattr(config, "MEMORY_LIMIT", 0) if reserve is None else reserve
    if lim:
        gc.collect()
        memory.reserve(lim)
    return True


def destroy():
    import gc
    gc.collect()


def unload(module):
    module.unload()


def instantiate(module, stack_size=None, heap_size=None, imports=None):
    return module.instantiate(imports, stack_size, heap_size)


def deinstantiate(inst):
    inst.deinstantiate()


def lookup_function(inst, name, signature=None):
    return inst.lookup_function(name)


class ExecEnv:
    def __init__(self, inst, stack_size=None):
        self.inst = inst
        self.stack_size = stack_size


def create_exec_env(inst, stack_size=None):
    if stack_size and inst.env is None:
        inst.stack_size = stack_size
    return ExecEnv(inst, stack_size)


def destroy_exec_env(env):
    env.inst = None


def _cells_to_vals(types, argv):
    """WAMR's argv: 32-bit cells, 64-bit values take two (low word first)."""
    from .func import I64, F64
    vals = []
    i = 0
    for t in types:
        if t == I64 or t == F64:
            vals.append((argv[i] & 0xFFFFFFFF) | ((argv[i + 1] & 0xFFFFFFFF) << 32))
            i += 2
        else:
            vals.append(argv[i] & 0xFFFFFFFF if isinstance(argv[i], int) else argv[i])
            i += 1
    return vals


def _vals_to_cells(types, vals, argv):
    from .func import I64, F64
    i = 0
    for t, v in zip(types, vals):
        if t == I64 or t == F64:
            lo, hi = v & 0xFFFFFFFF, (v >> 32) & 0xFFFFFFFF
            for j, c in ((i, lo), (i + 1, hi)):
                if j < len(argv):
                    argv[j] = c
                else:
                    argv.append(c)
            i += 2
        else:
            if i < len(argv):
                argv[i] = v
            else:
                argv.append(v)
            i += 1


def call_wasm(inst, env, func, argv):
    """Like wasm_runtime_call_wasm: argv holds the arguments as 32-bit
    cells and receives the results the same way.  Returns False on a trap
    (see get_exception)."""
    if isinstance(func, str):
        func = inst.lookup_function(func)
    t = func.type
    try:
        res = inst.call_raw(func, _cells_to_vals(t.params, argv))
    except Trap as e:
        inst.exception = e.message
        return False
    except ProcExit as e:
        inst.exception = "exit(%d)" % e.code
        return False
    _vals_to_cells(t.results, res, argv)
    return True


def get_exception(inst):
    return inst.exception


def clear_exception(inst):
    inst.exception = None
