# Run-time support of the fast interpreter (pure Python): the per-module
# program (pre-decoded code of every function compiled so far), the
# per-instance exec env (32-bit cell stack, frame stack, state words) and
# the functions the viper loop calls out to: compiling a function on its
# first call, growing the cell stack, fuel refills, traps, calls to host
# functions and other instances, call_indirect.

from array import array

from .errors import Trap, ProcExit, STACK_EXHAUSTED, OUT_OF_FUEL, element_trap
from .func import I32, I64, F32, F64
from . import interp_fast_ops as O
from . import interp_fast_ext
from .interp_fast_ext import read, write, Unsupported
from . import config

FUEL_CHUNK = 0x3FFFFFFF      # largest fuel the loop holds at once (small int on boards)
INTERP = -2                  # ent[] of a function the portable interpreter runs
_EMPTY = object()            # an empty call_indirect cache slot
MAX_REENTRY = 16             # host -> wasm nesting on one env (Python stack)
# first sizes of the cell and frame stacks, doubled as calls need (an app's
# peak heap on a small board)
INITIAL_CELLS = 128
INITIAL_FRAMES = 16

# st words shared with the viper loop
ST_FUEL = 0
ST_PC = 1
ST_FP = 2
ST_FSP = 3
ST_FBASE = 4

_TRAPS = {
    1: "unreachable", 2: "integer divide by zero", 3: "integer overflow",
    4: "invalid conversion to integer", 5: "out of bounds memory access",
    10: "call stack exhausted",
}


def _zeros(n):
    a = array("i", bytes(4 * n))
    if len(a) != n:          # CPython: bytes are not a raw initialiser
        a = array("i")
        a.frombytes(bytes(4 * n))
    return a


def _width(t):
    return 2 if t == I64 or t == F64 else 1


class Prog:
    """Pre-decoded code of one module, shared by its instances."""

    def __init__(self, module):
        self.module = module
        self.code = array("i")
        self.ent = array("i", [-1] * max(1, module.n_bodies))
        self.xh = []            # XOP handlers
        self.xix = {}
        self.xt = []            # XOP1/XOP2 operation tuples
        self.xtix = {}
        self.refs = False
        self.floats = False     # some function has FOP words
        self.ncalli = 0         # call_indirect cache slots (2 per site)
        # globals no other instance or host sees live in the first cells of
        # each instance's cell stack (GGETW/GSETW: no object per access):
        # global index -> cell; gsync: (index, cell, type) of the mutable ones
        self.gcell = {}
        self.gsync = []
        self.ngcells = _own_globals(module, self.gcell, self.gsync)

    def xop_index(self, h):
        i = self.xix.get(h)
        if i is None:
            i = len(self.xh)
            self.xh.append(h)
            self.xix[h] = i
        return i

    def xt_index(self, t):
        i = self.xtix.get(t)
        if i is None:
            i = len(self.xt)
            self.xt.append(t)
            self.xtix[t] = i
        return i

    def compile(self, defidx):
        """Entry index of defined function defidx, compiled on first use, or
        INTERP: the one place that decides what the fast tier runs.  A
        function with an instruction the emitter does not compile (it raises
        Unsupported) runs on the portable interpreter instead."""
        from .validator import walk_body
        from .interp_fast_emit import Emitter
        e = self.ent[defidx]
        if e != -1:
            return e
        m = self.module
        if config.WASM_3 and m.feats and m.feats[defidx]:
            # 3.0 features (validator3.F_*) are not compiled here
            self.ent[defidx] = INTERP
            return INTERP
        base = len(self.code)
        em = Emitter(self, interp_fast_ext)
        if config.WASM_SIMD and getattr(self.module, "v128", False):
            # v128 is not compiled here: such functions run on the interpreter
            from .simd_guard import guard
            em = guard(em, Unsupported)
        try:
            e = walk_body(self.module, defidx, em)
        except Unsupported:
            self.code[base:] = array("i")        # the partial code
            e = INTERP
        except MemoryError:
            # the same, so that a retry reuses the room
            self.code[base:] = array("i")
            raise
        self.ent[defidx] = e
        return e


def _own_globals(m, gcell, gsync):
    """Fills gcell and gsync for the numeric globals of module m that are
    neither imported nor exported mutable; returns the cells they take."""
    shared = m.shared_globals()
    n = 0
    for i in range(len(m.globals)):
        t, mut = m.globals[i]
        if i in shared or t not in (I32, I64, F32, F64):
            continue
        gcell[i] = n
        if mut:
            gsync.append((i, n, t))
        n += _width(t)
    return n


def gin(env):
    """The instance's own mutable globals: Global objects -> cells (on
    entry to the loop, and after a call out of it)."""
    G = env.gl
    for g, c, t in env.prog.gsync:
        write(env, t, c, G[g].v)


def gout(env):
    """Cells -> Global objects (before Python code may read them)."""
    G = env.gl
    for g, c, t in env.prog.gsync:
        G[g].v = read(env, t, c)


def prog_of(module):
    p = getattr(module, "_fx_prog", None)
    if p is None:
        p = Prog(module)
        module._fx_prog = p
    return p


class Env:
    """Cell stack, frame stack and loop state for one instance (WAMR's
    exec_env of the fast interpreter)."""

    def __init__(self, inst, prog):
        self.inst = inst
        self.prog = prog
        self.code = prog.code
        self.ent = prog.ent
        self.xh = prog.xh
        self.xt = prog.xt
        ss = inst.stack_size
        self.maxcells = max(ss // 4, 256)
        self.cells = _zeros(min(INITIAL_CELLS, self.maxcells))
        self.maxframes = max(ss // 64, 16)
        self.frames = _zeros(2 * min(INITIAL_FRAMES, self.maxframes) + 2)
        self.R = None
        self.st = _zeros(8)
        self.xa = [0, 0, 0]
        self.fop = None
        self.te = [t.elems for t in inst.tables]
        self.ic = []            # per call_indirect site: callee, its index
        self.fx = _zeros(24)    # fop's operands, result and scratch
        self.mem = inst.memory.data if inst.memory is not None else bytearray(8)
        self.gl = inst.globals
        self.top = prog.ngcells
        self.ftop = 0
        for g, c in prog.gcell.items():
            write(self, inst.globals[g].t, c, inst.globals[g].v)
        self.depth = 0
        self.limited = False
        self.reserve = 0
        self.sync()

    def sync(self):
        """What functions compiled since need: the reference list, fop."""
        if self.prog.refs and self.R is None:
            self.R = [None] * len(self.cells)
        n = self.prog.ncalli - len(self.ic)
        if n > 0:
            # no table element is _EMPTY (None is: an uninitialized one)
            self.ic.extend([_EMPTY, 0] * (n // 2))
        if self.prog.floats and self.fop is None:
            from .interp_fast_float import fop
            self.fop = fop

    def ensure(self, need):
        """Makes the cell stack at least `need` cells; False past the limit."""
        n = len(self.cells)
        if need <= n:
            return True
        if need > self.maxcells:
            return False
        m = n * 2
        while m < need:
            m *= 2
        if m > self.maxcells:
            m = self.maxcells
        try:
            self.cells.extend(_zeros(m - n))
            if self.R is not None:
                self.R.extend([None] * (m - n))
        except MemoryError:
            return False
        return True

    def ensure_frames(self, fsp):
        """Room for a frame at frame-stack index fsp; False past the limit."""
        n = len(self.frames)
        if fsp + 2 <= n - 2:
            return True
        m = (n - 2) // 2
        if m >= self.maxframes:
            return False
        m = min(m * 2, self.maxframes)
        try:
            self.frames.extend(_zeros(2 * m + 2 - n))
        except MemoryError:
            return False
        return True


def get_env(inst):
    env = getattr(inst, "_fx", None)
    if env is None:
        env = Env(inst, prog_of(inst.module))
        inst._fx = env
    return env


# -- call-outs from the viper loop ---------------------------------------------

def trap(env, kind):
    raise Trap(_TRAPS.get(kind, "trap"), kind)


def refuel(env):
    """The loop's fuel counter reached 0: next chunk, or the fuel trap."""
    r = env.reserve
    if r > 0:
        n = r if r < FUEL_CHUNK else FUEL_CHUNK
        env.reserve = r - n
        return n
    if env.limited:
        env.st[ST_FUEL] = 0
        raise Trap("out of fuel", OUT_OF_FUEL)
    return FUEL_CHUNK


def grow(env, need, fsp):
    """A call needs `need` cells or one more frame than the stack holds."""
    if not env.ensure(need) or not env.ensure_frames(fsp):
        raise Trap("call stack exhausted", STACK_EXHAUSTED)
    return 0


def compile_fn(env, defidx, pc):
    """Compiles defined function defidx for the CALL at code index pc (or
    -1); a function left to the interpreter turns that CALL into a CALLX,
    which runs it from Python."""
    prog = env.prog
    if prog.compile(defidx) == INTERP and pc >= 0:
        env.code[pc] = O.CALLX
        env.code[pc + 1] = prog.module.n_func_imports + defidx
    env.sync()
    return 0


def _call_out(env, f, base, fsp):
    """Calls host function f, or wasm function f of another instance, with
    its arguments at cells[base:]; stores the results there."""
    from .instance import host_args, host_results
    params = f.type.params
    vals = []
    off = 0
    for t in params:
        vals.append(read(env, t, base + off))
        off += _width(t)
    save_top = env.top
    save_ftop = env.ftop
    env.top = base + off + 1
    env.ftop = fsp
    sync = env.prog.gsync
    if sync:
        gout(env)
    try:
        if f.host is None:
            res = f.inst.run(f.inst, f, vals)
        else:
            args = host_args(f, vals)
            if f.pass_instance:
                args.insert(0, env.inst)
            try:
                r = f.host(*args)
            except (Trap, ProcExit):
                raise
            except Exception as e:
                raise Trap("%s: %s" % (f.name, e) if str(e) else "%s: %s" % (
                    f.name, type(e).__name__), 0, -1, "host")
            res = host_results(f, r)
    finally:
        env.top = save_top
        env.ftop = save_ftop
        if sync:
            gin(env)
    env.sync()
    off = 0
    rt = f.type.results
    for i in range(len(rt)):
        write(env, rt[i], base + off, res[i])
        off += _width(rt[i])
    env.mem = env.inst.memory.data if env.inst.memory is not None else env.mem
    return 0


def callx(env, pc, fp, fsp):
    code = env.code
    f = env.inst.funcs[code[pc + 1]]
    return _call_out(env, f, fp + code[pc + 2], fsp)


def calli(env, pc, fp, fsp):
    """call_indirect: returns the defined-function index when the callee
    runs in this loop, else -1 after calling it from Python."""
    code = env.code
    inst = env.inst
    i = env.cells[fp + code[pc + 3]]
    elems = inst.tables[code[pc + 2]].elems
    if i < 0 or i >= len(elems):
        raise element_trap(i, True)
    f = elems[i]
    if f is None:
        raise element_trap(i, False)
    if f.type.key != inst.module.types[code[pc + 1]].key:
        raise Trap("indirect call type mismatch")
    if f.host is None and f.inst is inst:
        if env.ent[f.idx] == -1:
            compile_fn(env, f.idx, -1)
        if env.ent[f.idx] >= 0:
            # the call site's cache: the loop calls f without coming here
            # while element i stays f
            k = code[pc + 5]
            env.ic[k] = f
            env.ic[k + 1] = f.idx
            return f.idx
    _call_out(env, f, fp + code[pc + 4], fsp)
    return -1


# -- entry from Python ---------------------------------------------------------

def run(inst, f, vals, loop):
    fi = f.inst
    env = get_env(fi)
    prog = env.prog
    e = prog.ent[f.idx]
    if e < 0:
        e = prog.compile(f.idx)
        if e == INTERP:
            from .instance import run_interp
            return run_interp(inst, f, vals)
    env.sync()
    code = prog.code
    base = env.top
    fsp = env.ftop
    if env.depth >= MAX_REENTRY or not env.ensure_frames(fsp) \
            or not env.ensure(base + code[e]):
        raise Trap("call stack exhausted", STACK_EXHAUSTED)
    S = env.cells
    off = 0
    params = f.type.params
    for i in range(len(params)):
        write(env, params[i], base + off, vals[i])
        off += _width(params[i])
    k = base + code[e + 1]
    for _ in range(code[e + 2]):
        S[k] = 0
        k += 1
    cp = code[e + 4]
    for j in range(code[e + 3]):
        S[k] = code[cp + j]
        k += 1
    st = env.st
    outer = env.depth == 0
    if outer:
        fuel = inst.fuel
        if fuel is None:
            env.limited = False
            env.reserve = 0
            st[ST_FUEL] = FUEL_CHUNK
        else:
            env.limited = True
            n = fuel if fuel < FUEL_CHUNK else FUEL_CHUNK
            if n < 0:
                n = 0
            st[ST_FUEL] = n
            env.reserve = fuel - n if fuel > n else 0
    st[ST_PC] = e + 5
    st[ST_FP] = base
    st[ST_FSP] = fsp
    st[ST_FBASE] = fsp
    env.mem = fi.memory.data if fi.memory is not None else env.mem
    sync = prog.gsync
    if sync:
        gin(env)
    env.depth += 1
    try:
        loop(st, st, env)
    finally:
        env.depth -= 1
        if sync:
            gout(env)
        env.top = base
        env.ftop = fsp
        if outer and env.limited:
            inst.fuel = st[ST_FUEL] + env.reserve
    out = []
    off = 0
    for t in f.type.results:
        out.append(read(env, t, base + off))
        off += _width(t)
    return out
