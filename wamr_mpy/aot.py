# The AOT tier ("aot"): modules compiled ahead of time by tools/wamrc into a
# native .mpy (see compiler.py and docs/aot.md), and the run-time support
# the generated code imports.  The JIT tier (jit.py) runs the same generated
# code and shares everything here except loading.
#
# A compiled module carries the original module's bytes with the compiled
# bodies stripped (WASM); loader.load() rebuilds the Module from them, so
# types, imports, exports, tables, globals, elements and data come through
# the ordinary loader and instance.py instantiates it like any module.

import sys
from array import array

from .errors import Trap, ProcExit, LoadError, WasmError, STACK_EXHAUSTED, OUT_OF_FUEL, element_trap
from . import config

ABI = 5              # must match compiler.ABI
_BIG = 0x3FFFFFFF    # fuel chunk / "unlimited" (a small int everywhere)
MAX_REENTRY = 16     # host -> wasm nesting, as in instance.py
# Wasm call depth (each wasm call is a Python call here; MicroPython's own
# recursion limit is the backstop and maps onto the same trap).
MAX_DEPTH = getattr(config, "AOT_MAX_DEPTH", 250)

# The context words W (array('i')) compiled code shares with this module:
# 0 fuel, 1 memory bytes, 2 call depth limit, 3 memory pages, 4 call depth,
# 5-6 the address of the memory's bytes (low, high word), 8.. the
# arguments and results of calls (ARGS: the same place in every module, so
# adapters work for any caller), then globals kept as words.
ARGS = 8             # = compiler.ARGS

# mpy native architecture numbers (the .mpy header) -> -march name
_MPY_ARCH = {1: "x86", 2: "x64", 3: "armv6", 4: "armv6m", 5: "armv7m", 6: "armv7em",
             7: "armv7emsp", 8: "armv7emdp", 9: "xtensa", 10: "xtensawin",
             11: "rv32imc", 12: "rv64imc"}

ZERO = 0
NULL = None
_W64 = sys.maxsize > 0x7FFFFFFF


def _zeros():
    from .fmode import f32_from_bits, f64_from_bits
    return f32_from_bits(0), f64_from_bits(0)


ZF32, ZF64 = _zeros()
# Scratch cell for f64 loads/stores in compiled code (native floats): the
# 8 bytes go through ptr32, the value through the array.
FD = array("d", [0.0])

_CUR = None          # the context of the compiled code running now
_addr = None         # viper: the address of a bytearray's bytes


def _address(b):
    global _addr
    if _addr is None:
        ns = {}
        exec("import micropython\n@micropython.viper\ndef a(b) -> int:\n"
             " return int(ptr8(b))\n", ns)
        _addr = ns["a"]
    return _addr(b)


# --- the per-instance context ------------------------------------------------

class Ctx:
    """What compiled functions of one instance share: M memory bytes, W
    context words (see ARGS), fns the module's table C (compiler.py): the
    callables by defined-function index, then what the code reads by C[k],
    objt the value types the code passes as Python objects (the others go
    through W as one or two words)."""

    def __init__(self, inst, fns, gwords, nwords, objt=b""):
        self.inst = inst
        self.fns = fns
        mem = inst.memory
        self.mem = mem
        self.M = mem.data if mem is not None else bytearray(0)
        self.W = array("i", [0] * nwords)
        self.W[2] = MAX_DEPTH
        self.A = _address(self.W) >> 2     # compiled code's handle on W (compiler.py)
        self.G = inst.globals
        self.funcs = inst.funcs
        self.tabs = inst.tables
        self.nimp = inst.module.n_func_imports
        self.gw = gwords
        self.objt = objt
        self.res = None       # fuel held back from W[0] (None: unlimited)
        self.depth = 0
        self.ninterp = 0      # portable-interpreter calls in progress
        _gin(self)


def _s32(x):
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


def _wmem(X):
    """W[1]: linear memory bytes (what accesses are checked against), W[3]:
    its size in pages (memory.size; more than W[1] / 65536 when the
    embedder capped the allocation with memory_limit), W[5..6]: where the
    bytes are (memory.grow may move them)."""
    W = X.W
    M = X.M
    W[1] = len(M)
    mem = X.mem
    if mem is not None:
        W[3] = mem.size
    a = _address(M)
    W[5] = _s32(a)
    W[6] = _s32(a >> 32) if _W64 else 0


def _gin(X):
    """Globals: Global objects -> W words."""
    W = X.W
    G = X.G
    for g, slot, t in X.gw:
        _put(W, slot, t, G[g].v)


def _gout(X):
    """Globals: W words -> Global objects (before other code may read them)."""
    W = X.W
    G = X.G
    for g, slot, t in X.gw:
        G[g].v = _get(W, slot, t)


# Values between W words and the internal representation (instance.py):
# i32 one word; i64 two (low, high); f32 / f64 as their bit patterns in one
# or two words (code that keeps floats as objects lists them in objt).

def _put(W, k, t, v):
    if t == 0x7F:
        W[k] = v
        return 1
    if t == 0x7E:
        W[k] = _s32(v)
        W[k + 1] = _s32(v >> 32)
        return 2
    from . import fmode
    if t == 0x7D:
        W[k] = _s32(fmode.f32_to_bits(v))
        return 1
    b = fmode.f64_to_bits(v)
    W[k] = _s32(b)
    W[k + 1] = _s32(b >> 32)
    return 2


def _get(W, k, t):
    if t == 0x7F:
        return W[k]
    if t == 0x7E:
        return (W[k] & 0xFFFFFFFF) | (W[k + 1] << 32)
    from . import fmode
    if t == 0x7D:
        return fmode.f32_from_bits(W[k] & 0xFFFFFFFF)
    return fmode.f64_from_bits((W[k] & 0xFFFFFFFF) | ((W[k + 1] & 0xFFFFFFFF) << 32))


def _obj(t, objt):
    # references are objects (0x6F, 0x70 and WebAssembly 3.0's codes,
    # reftypes.py: 0x69..0x74 and past a byte), and the types in objt
    return t <= 0x74 or t > 255 or t in objt


def _wargs(W, types, objs, objt):
    """The values of a call's arguments: W words and Python objects."""
    vals = []
    k = ARGS
    j = 0
    for t in types:
        if _obj(t, objt):
            vals.append(objs[j])
            j += 1
        else:
            vals.append(_get(W, k, t))
            k += 2 if t == 0x7E or t == 0x7C else 1
    return vals


def _wres(W, types, vals, objt):
    """Stores a call's results: words into W; returns the object results
    (None, the one object, or a tuple of them)."""
    k = ARGS
    objs = []
    for i in range(len(types)):
        t = types[i]
        if _obj(t, objt):
            objs.append(vals[i])
        else:
            k += _put(W, k, t, vals[i])
    if not objs:
        return None
    if len(objs) == 1:
        return objs[0]
    return tuple(objs)


def _fuel_in(X):
    fuel = X.inst.fuel
    if fuel is None:
        X.res = None
        X.W[0] = _BIG
    else:
        if fuel < 0:
            fuel = 0
        take = fuel if fuel < _BIG else _BIG
        X.res = fuel - take
        X.W[0] = take


def _fuel_out(X):
    if X.res is not None:
        w = X.W[0]
        X.inst.fuel = X.res + (w if w > 0 else 0)


def run_ctx(X, f, vals):
    """Calls wasm function f of X's instance with internal values; returns
    the list of results."""
    global _CUR
    W = X.W
    _wmem(X)
    if X.depth >= MAX_REENTRY:
        raise Trap("call stack exhausted", STACK_EXHAUSTED)
    outer = X.depth == 0
    if outer:
        _fuel_in(X)
    # called from interpreted code of this instance: globals may have moved
    sync = X.ninterp > 0
    if sync:
        _gin(X)
    X.depth += 1
    prev = _CUR
    _CUR = X
    depth = W[4]
    ft = f.type
    objt = X.objt
    try:
        objs = []
        k = ARGS
        for i in range(len(ft.params)):
            t = ft.params[i]
            if _obj(t, objt):
                objs.append(vals[i])
            else:
                k += _put(W, k, t, vals[i])
        fn = X.fns[f.idx]
        r = fn(W, X.A, fn, X.fns, *objs)
        out = []
        k = ARGS
        j = 0
        nobj = 0
        for t in ft.results:
            if _obj(t, objt):
                nobj += 1
        for t in ft.results:
            if _obj(t, objt):
                out.append(r if nobj == 1 else r[j])
                j += 1
            else:
                out.append(_get(W, k, t))
                k += 2 if t == 0x7E or t == 0x7C else 1
    except RuntimeError as e:
        if "recursion" in str(e):
            raise Trap("call stack exhausted", STACK_EXHAUSTED)
        raise
    finally:
        W[4] = depth
        _CUR = prev
        X.depth -= 1
        if sync:
            _gout(X)
        if outer:
            _fuel_out(X)
    return out


def _ctx(inst):
    m = inst.module
    pm = getattr(m, "aot", None)
    if pm is None:
        raise WasmError("aot: module was not compiled by wamrc (load its .mpy)")
    X = Ctx(inst, pm.C, pm.GWORDS, pm.NWORDS, pm.OBJT)
    inst._aotx = X
    return X


def run(inst, f, vals):
    """The "aot" tier's entry (instance.tier_runner)."""
    X = getattr(inst, "_aotx", None)
    if X is None:
        X = _ctx(inst)
    return run_ctx(X, f, vals)


# --- run-time helpers the generated code imports ---------------------------
# They act on _CUR, the context of the code that called them.

def _oob():
    raise Trap("out of bounds memory access")


def _unreach():
    raise Trap("unreachable")


def _divz():
    raise Trap("integer divide by zero")


def _ovf():
    raise Trap("integer overflow")


def _stk():
    raise Trap("call stack exhausted", STACK_EXHAUSTED)


def _fuel():
    """W[0] ran out: the next chunk, or the trap."""
    X = _CUR
    r = X.res
    if r is None:
        return _BIG
    if r > 0:
        take = r if r < _BIG else _BIG
        X.res = r - take
        return take
    X.W[0] = 0
    raise Trap("out of fuel", OUT_OF_FUEL)


def _mem():
    return _CUR.M


def _globals():
    return _CUR.G


def _invoke(X, f, W, objs):
    """Calls f (host, or wasm of another instance or tier) from compiled
    code of X's instance with the arguments in W / objs; stores the results
    the same way."""
    from .instance import host_args, host_results
    objt = X.objt
    a = _wargs(W, f.type.params, objs, objt)
    try:
        if f.host is not None:
            args = host_args(f, a)
            if f.pass_instance:
                args.insert(0, X.inst)
            try:
                r = f.host(*args)
            except (Trap, ProcExit):
                raise
            except Exception as e:
                msg = str(e)
                raise Trap("%s: %s" % (f.name, msg if msg else type(e).__name__),
                           0, -1, "host")
            res = host_results(f, r)
        else:
            res = f.inst.run(f.inst, f, a)
    finally:
        _wmem(X)
    return _wres(W, f.type.results, res, objt)


def _call(k, W, *objs):
    X = _CUR
    return _invoke(X, X.funcs[k], W, objs)


def _adapter(f):
    def ad(W, A, S, C, *objs):
        return _invoke(_CUR, f, W, objs)
    return ad


def _cind(t, key, i):
    X = _CUR
    tab = X.tabs[t].elems
    if i < 0 or i >= len(tab):
        raise element_trap(i, True)
    f = tab[i]
    if f is None:
        raise element_trap(i, False)
    if f.type.key != key:
        raise Trap("indirect call type mismatch")
    if f.inst is X.inst:
        return X.fns[f.idx]
    ad = getattr(f, "_aot_ad", None)
    if ad is None:
        ad = _adapter(f)
        f._aot_ad = ad
    return ad


def _interp(i, W, objs):
    """A function of this instance run by the portable interpreter (not
    compiled, or over the JIT budget)."""
    from .instance import run_interp
    X = _CUR
    inst = X.inst
    f = inst.funcs[X.nimp + i]
    a = _wargs(W, f.type.params, objs, X.objt)
    _gout(X)
    limited = X.res is not None
    if limited:
        _fuel_out(X)
    X.ninterp += 1
    try:
        r = run_interp(inst, f, a)
    finally:
        X.ninterp -= 1
        if limited:
            _fuel_in(X)
        _gin(X)
        _wmem(X)
    return _wres(W, f.type.results, r, X.objt)


def _u(x):
    return x + 0x100000000 if x < 0 else x


def _mgrow(n):
    X = _CUR
    mem = X.inst.memory
    r = mem.grow(_u(n))
    X.inst.mem = mem.data
    _wmem(X)
    return r


def _mfill(imm, d, v, n):
    d = _u(d)
    n = _u(n)
    M = _CUR.M
    if d + n > len(M):
        _oob()
    if n:
        M[d:d + n] = bytes((v & 0xFF,)) * n


def _mcopy(imm, d, s, n):
    d = _u(d)
    s = _u(s)
    n = _u(n)
    M = _CUR.M
    if s + n > len(M) or d + n > len(M):
        _oob()
    if n:
        M[d:d + n] = M[s:s + n]


def _minit(seg, d, s, n):
    d = _u(d)
    s = _u(s)
    n = _u(n)
    X = _CUR
    data = X.inst.datas[seg]
    M = X.M
    if s + n > len(data) or d + n > len(M):
        _oob()
    if n:
        M[d:d + n] = data[s:s + n]


def _ddrop(seg):
    _CUR.inst.datas[seg] = b""


def _toob():
    raise Trap("out of bounds table access")


def _tget(t, i):
    e = _CUR.tabs[t].elems
    if i < 0 or i >= len(e):
        _toob()
    return e[i]


def _tset(t, i, v):
    e = _CUR.tabs[t].elems
    if i < 0 or i >= len(e):
        _toob()
    e[i] = v


def _tsize(t):
    return len(_CUR.tabs[t].elems)


def _tgrow(t, v, n):
    return _CUR.tabs[t].grow(_u(n), v)


def _tfill(t, i, v, n):
    e = _CUR.tabs[t].elems
    i = _u(i)
    n = _u(n)
    if i + n > len(e):
        _toob()
    for k in range(i, i + n):
        e[k] = v


def _tcopy(dt, st, d, s, n):
    X = _CUR
    td = X.tabs[dt].elems
    ts = X.tabs[st].elems
    d = _u(d)
    s = _u(s)
    n = _u(n)
    if s + n > len(ts) or d + n > len(td):
        _toob()
    if n:
        td[d:d + n] = ts[s:s + n]


def _tinit(seg, t, d, s, n):
    X = _CUR
    sg = X.inst.elem_segs[seg]
    e = X.tabs[t].elems
    d = _u(d)
    s = _u(s)
    n = _u(n)
    if s + n > len(sg) or d + n > len(e):
        _toob()
    if n:
        e[d:d + n] = sg[s:s + n]


def _edrop(seg):
    _CUR.inst.elem_segs[seg] = ()


def _rfunc(k):
    return _CUR.funcs[k]


def _i64(lo, hi):
    """An i64 (Python int) from the words of a pair (32-bit targets)."""
    return (lo & 0xFFFFFFFF) | (hi << 32)


def _split(W, v):
    """An i64 (Python int) into W[ARGS], W[ARGS + 1] (low, high word)."""
    W[ARGS] = _s32(v)
    W[ARGS + 1] = _s32(v >> 32)


def _pdiv(W, op):
    """i64 division / remainder on pairs: operands in W[ARGS..ARGS + 3],
    the result into W[ARGS], W[ARGS + 1] (may trap)."""
    from . import numeric as N
    a = _get(W, ARGS, 0x7E)
    b = _get(W, ARGS + 2, 0x7E)
    if op == 0x7F:
        r = N.i64_div_s(a, b)
    elif op == 0x80:
        r = N.i64_div_u(a, b)
    elif op == 0x81:
        r = N.i64_rem_s(a, b)
    else:
        r = N.i64_rem_u(a, b)
    _split(W, r)


# --- loading compiled modules ----------------------------------------------

def native_arch():
    """The -march name of this port's native code (None without one)."""
    v = getattr(sys.implementation, "_mpy", None)
    if v is None:
        return None
    return _MPY_ARCH.get((v >> 10) & 0x3F)


_TRAILER = b"WAMRAOT\x01"      # compiler_mpy.TRAILER
_TRAILER_PARTS = b"WAMRAOT\x02"


def _u32(b, i):
    return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)


# Thumb arches in MicroPython's order: code for one runs on every later one
# (MicroPython's own import rule), e.g. armv7emsp .mpy files on a Cortex-M7
# (armv7emdp) port
_THUMB = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")


def arch_runs_on(arch, here):
    """True when .mpy native code for `arch` imports on a port of arch `here`."""
    if arch == here:
        return True
    return arch in _THUMB and here in _THUMB and _THUMB.index(arch) <= _THUMB.index(here)


def check_trailer(tail, size):
    """`tail`: the last 12 bytes of a file of `size` bytes.  Returns the
    length of the main .mpy; the file holds parts when that is shorter than
    size - 12 (compiler_mpy.add_trailer)."""
    n = _u32(tail, 8) if len(tail) == 12 else -1
    if len(tail) != 12 or not ((tail[:8] == _TRAILER and n == size - 12) or
                               (tail[:8] == _TRAILER_PARTS and 0 < n < size - 16)):
        raise LoadError("not a complete wamrc module (missing or bad trailer: "
                        "truncated, or not made by tools/wamrc)", size, "aot")
    return n


def _parts_table(data, size, n):
    """(offset, length) of each part of a module compiled in parts, from
    the bytes before the trailer: the parts' lengths and their count."""
    k = _u32(data, len(data) - 16)
    if k <= 0 or 16 + 4 * k > size - n:
        raise LoadError("bad parts table in a wamrc module", size, "aot")
    lens = data[len(data) - 16 - 4 * k:len(data) - 16]
    out = []
    off = n
    for i in range(k):
        ln = _u32(lens, 4 * i)
        out.append((off, ln))
        off += ln
    if off != size - 16 - 4 * k:
        raise LoadError("bad parts table in a wamrc module", size, "aot")
    return out


def check_header(data):
    """Raises LoadError unless `data` is a .mpy this port can import."""
    if len(data) < 4 or data[0] != 0x4D:
        raise LoadError("magic header not detected", 0, "aot")
    if data[1] != 6:
        raise LoadError("unsupported .mpy version %d (this runtime reads 6)" % data[1],
                        1, "aot")
    if data[2] >> 2 == 0:
        return          # no native code (a module without functions)
    arch = _MPY_ARCH.get(data[2] >> 2)
    here = native_arch()
    if here is None:
        raise LoadError("compiled for %s; this port runs no native code" % arch, 2, "aot")
    if not arch_runs_on(arch, here):
        raise LoadError("compiled for %s; this port is %s (run wamrc -march=%s)"
                        % (arch, here, here), 2, "aot")


try:
    from io import IOBase as _IOBase
except ImportError:
    _IOBase = object


class _MemFile(_IOBase):
    def __init__(self, data):
        self.data = data
        self.off = 0

    def readinto(self, buf):
        n = len(self.data) - self.off
        if n > len(buf):
            n = len(buf)
        buf[:n] = self.data[self.off:self.off + n]
        self.off += n
        return n

    def read(self, n=-1):
        if n < 0:
            n = len(self.data) - self.off
        b = self.data[self.off:self.off + n]
        self.off += len(b)
        return b

    def ioctl(self, req, arg):
        return 0

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        pass


class _MemFS:
    """A read-only filesystem of in-memory files, mounted so that `import`
    can load a .mpy held in a bytes object."""

    def __init__(self):
        self.files = {}

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def stat(self, path):
        d = self.files.get(path.lstrip("/"))
        if d is None:
            raise OSError(2)
        return (0x8000, 0, 0, 0, 0, 0, 0 if isinstance(d, str) else len(d), 0, 0, 0)

    def ilistdir(self, path):
        for n in self.files:
            yield (n, 0x8000, 0, 0)

    def open(self, path, mode):
        d = self.files.get(path.lstrip("/"))
        if d is None:
            raise OSError(2)
        if isinstance(d, str):
            return open(d, "rb")      # a file: read as the importer goes
        return _MemFile(d)

    def chdir(self, path):
        pass

    def getcwd(self):
        return "/"


_FS = None
_MOUNT = "/__wamr_aot"
_count = 0


def _vfs():
    """The module with mount() (vfs, or os on older ports), or None."""
    try:
        import vfs
    except ImportError:
        try:
            import os as vfs
        except ImportError:
            return None
    return vfs if hasattr(vfs, "mount") else None


def can_import_bytes():
    """True when .mpy bytes import from memory here; else (no vfs.mount, as
    on minimal builds) a compiled module loads only from a file."""
    return _vfs() is not None


def import_mpy(data):
    """Imports .mpy bytes (or the .mpy file at path `data`) as a fresh Python
    module (not kept in sys.modules)."""
    global _FS, _count
    vfs = _vfs()
    if vfs is None:
        if isinstance(data, str):
            # a port without a VFS (minimal builds) imports files only
            # through sys.path: import the file from its own directory
            return _import_file(data)
        raise LoadError("this port cannot import .mpy from memory (no vfs.mount)", 0, "aot")
    if _FS is None:
        _FS = _MemFS()
        vfs.mount(_FS, _MOUNT)
    _count += 1
    name = "wamr_aot_%d" % _count
    _FS.files[name + ".mpy"] = data if isinstance(data, str) else bytes(data)
    sys.path.insert(0, _MOUNT)
    try:
        pm = __import__(name)
    except MemoryError:
        raise
    except Exception as e:
        raise LoadError("cannot import compiled module: %s: %s" % (type(e).__name__, e),
                        0, "aot")
    finally:
        del _FS.files[name + ".mpy"]
        if sys.path and sys.path[0] == _MOUNT:
            sys.path.pop(0)
        if name in sys.modules:
            del sys.modules[name]
    return pm


def _import_file(path):
    d, _, f = path.rpartition("/")
    name = f[:-4] if f.endswith(".mpy") else ""
    if not name or not (name[0].isalpha() or name[0] == "_") or \
            not all(c.isalpha() or c.isdigit() or c == "_" for c in name):
        raise LoadError("this port has no vfs.mount: a compiled module loads only from "
                        "a file named like a Python module (not %r)" % f, 0, "aot")
    if name in sys.modules:
        raise LoadError("a module named %r is already imported" % name, 0, "aot")
    sys.path.insert(0, d or ".")
    try:
        return __import__(name)
    except MemoryError:
        raise
    except Exception as e:
        raise LoadError("cannot import compiled module: %s: %s" % (type(e).__name__, e),
                        0, "aot")
    finally:
        if sys.path and sys.path[0] == (d or "."):
            sys.path.pop(0)
        sys.modules.pop(name, None)


def load_module(pm, parts=None):
    """Module from an imported wamrc output (e.g. frozen into firmware, where
    its native code runs from flash); returns a wamr_mpy Module.  `parts`:
    the .mpy bytes of the parts of a big module (load() finds them)."""
    if getattr(pm, "ABI", None) != ABI or not hasattr(pm, "WASM"):
        raise LoadError("not a wamrc module of ABI %d" % ABI, 0, "aot")
    wbits = 64 if sys.maxsize > 0x7FFFFFFF else 32
    if pm.WBITS != wbits:
        raise LoadError("compiled for %d-bit words; this port has %d" % (pm.WBITS, wbits),
                        0, "aot")
    if pm.FLOAT:
        from . import fmode
        if fmode.SOFT_FLOAT:
            raise LoadError("compiled for native double floats; this port uses soft "
                            "floats", 0, "aot")
    src = pm
    if getattr(pm, "NPARTS", 0):
        if parts is None or len(parts) != pm.NPARTS:
            raise LoadError("a module compiled in %d parts loads from its wamrc file "
                            "(wamr_mpy.load(path or bytes))" % pm.NPARTS, 0, "aot")
        src = _join_parts(pm, parts)
    if getattr(pm, "C", None) is None:
        # the table compiled code gets as C: the functions, then the
        # helpers and constants GNAMES names (each part imports them all)
        pm.C = tuple(pm.FUNCS) + tuple(getattr(src, k) for k in pm.GNAMES)
        pm.FUNCS = None
    from .loader import load as _wload
    m = _wload(pm.WASM)
    m.aot = pm
    if getattr(config, "UNLOAD_LOADER", False):
        _unload_loader()
    return AotModule(m)


def _join_parts(pm, blobs):
    """A big module compiled in parts (compiler_mod.CHUNK_BYTES): import
    each part and give the module the whole function table; returns the
    first part (it holds the helpers and constants the code reads)."""
    parts = []
    for i in range(len(blobs)):
        parts.append(import_mpy(blobs[i]))
        blobs[i] = None
    fns = []
    for p in parts:
        fns.extend(p.FUNCS)
        p.FUNCS = None
    pm.FUNCS = tuple(fns)
    return parts[0]


def _unload_loader():
    """config.UNLOAD_LOADER: compiled code needs no decoder, so the
    load-time modules leave RAM (a function left to the interpreter imports
    them again when first called)."""
    import gc
    pkg = sys.modules.get("wamr_mpy")
    for name in ("loader", "validator", "reader"):
        sys.modules.pop("wamr_mpy." + name, None)
        if pkg is not None and name in pkg.__dict__:
            delattr(pkg, name)
    gc.collect()


def load(data):
    """bytes of a wamrc .mpy -> Module (the `\\0aot` path of wamr_mpy.load)."""
    check_header(data)
    n = check_trailer(data[-12:], len(data))
    parts = None
    if n != len(data) - 12:
        parts = [bytes(data[o:o + ln]) for o, ln in _parts_table(data, len(data), n)]
        data = bytes(data[:n])
    return load_module(import_mpy(data), parts)


def load_compiled(path):
    """Module from a wamrc .mpy file (imported from the file, without a copy
    of it in RAM)."""
    with open(path, "rb") as f:
        head = f.read(4)
        size = f.seek(0, 2)
        f.seek(size - 12 if size >= 12 else 0)
        tail = f.read(12)
    check_header(head)
    n = check_trailer(tail, size)
    parts = None
    if n != size - 12:
        with open(path, "rb") as f:
            f.seek(size - 16)
            k = _u32(f.read(4), 0)
            f.seek(max(0, size - 16 - 4 * k))
            table = f.read(4 * k) + f.read(4) + tail
            parts = []
            for o, ln in _parts_table(table, size, n):
                f.seek(o)
                parts.append(f.read(ln))
    return load_module(import_mpy(path), parts)


def _module_class():
    from . import Module

    class AotModule(Module):
        """A module compiled by wamrc: it instantiates on tier "aot" only."""

        def instantiate(self, *args, **kw):
            tier = kw.get("tier")
            if tier not in (None, "aot"):
                raise WasmError("aot: a compiled module runs on tier 'aot', not %r" % (tier,))
            kw["tier"] = "aot"
            return Module.instantiate(self, *args, **kw)
    return AotModule


_AotModule = None


def AotModule(m):
    global _AotModule
    if _AotModule is None:
        _AotModule = _module_class()
    return _AotModule(m)
