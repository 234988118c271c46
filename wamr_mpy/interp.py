# The portable interpreter: one dispatch loop over the slot-addressed code
# that interp_code.Emitter produces.  Wasm calls push a frame onto a flat
# preallocated list instead of recursing in Python, so call depth is bounded
# by the exec env's stack and ends in "call stack exhausted".
#
# Memory bounds are checked by the buffer operations themselves (struct and
# bytearray indexing raise on an out-of-range offset; addresses are made
# non-negative first), and the one exception handler around the loop turns
# that into the spec trap: no per-access comparison in the hot path.
# struct's check is `buf + offset + size > buf_end` on a C pointer: sound
# while the heap lies below 2 GiB (every MCU's RAM does; on 32-bit words an
# offset >= 2**31 cannot even be converted, which also traps), not on a
# 32-bit Linux process whose heap is mapped high (ports/unix32 maps it low).

import struct

from .errors import Trap, ProcExit, STACK_EXHAUSTED, OUT_OF_FUEL, OUT_OF_MEMORY, element_trap
from . import config

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

# Internal opcodes, in dispatch groups (see execute()): 0-9 the hottest,
# 10-19 fused compare-and-jump, 20-38 binary ops on two slots, 39-48 the
# next most frequent, then the rest.
MOV = const(0)
ADD = const(1)
LD32 = const(2)
BRNZ = const(3)
BR = const(4)
ST32 = const(5)
CALL = const(6)
RET = const(7)
SUB = const(8)
BRZ = const(9)
JEQ = const(10)
JNE = const(11)
JLT_S = const(12)
JLT_U = const(13)
JGT_S = const(14)
JGT_U = const(15)
JLE_S = const(16)
JLE_U = const(17)
JGE_S = const(18)
JGE_U = const(19)
AND = const(20)
SHL = const(21)
OR = const(22)
SHR_U = const(23)
XOR = const(24)
SHR_S = const(25)
MUL = const(26)
EQ = const(27)
NE = const(28)
LT_S = const(29)
LT_U = const(30)
GT_S = const(31)
GT_U = const(32)
LE_S = const(33)
LE_U = const(34)
GE_S = const(35)
GE_U = const(36)
ADD64 = const(37)
SUB64 = const(38)
LD8U = const(39)
ST8 = const(40)
EQZ = const(41)
GGET = const(42)
GSET = const(43)
SELECT = const(44)
LD8S = const(45)
LD16U = const(46)
LD16S = const(47)
ST16 = const(48)
F2 = const(49)
F1 = const(50)
LD64 = const(51)
ST64 = const(52)
LD32U = const(53)
ST32W = const(54)
LDF = const(55)
STF = const(56)
BRT = const(57)
CALLI = const(58)
EXT = const(59)
UNREACH = const(60)
if config.WASM_3:
    # 3.0 (last in the dispatch chain: 2.0 code never reaches them)
    CALLR = const(61)     # call_ref: CALLR slot base
    TAIL = const(62)      # return_call*: TAIL kind x y z base (interp_code3.Emitter3.tail_call)
    ADDR64 = const(63)    # ADDR64 d a: an i64 address (memory64) for the load/store after it

# Ops whose Python-level failure means an out-of-bounds linear memory access.
_MEM_OPS = (LD32, ST32, LD8U, LD8S, LD16U, LD16S, LD32U, LD64, ST8, ST16, ST64,
            ST32W, LDF, STF)

# Helpers (numeric functions, EXT handlers) and call_indirect type keys are
# referenced from code by index into these tables (code words are ints).
FUNCS = []
FUNC_INDEX = {}     # helper name (or EXT opcode) -> index in FUNCS
KEYS = []
if config.WASM_3:
    # EXT keys of the variants of an opcode (interp_ext.ext_fn): loads and
    # stores of other memories or i64-addressed ones; ref.is_null negated
    MEMX = 0x10000
    # id(code) -> (code, handler table) for bodies with try_table (interp_exc.py)
    HANDLERS = {}


class Code:
    """Pre-decoded body of one function."""

    if config.WASM_EXCEPTIONS:
        handlers = None       # try_table handler table (interp_exc.py)

    def __init__(self, code, nparams, ninit, nslots, inits, nresults):
        self.code = code
        self.nparams = nparams
        self.ninit = ninit        # slots [nparams, ninit) are set from `inits` on entry
        self.nslots = nslots
        self.inits = inits
        self.nresults = nresults


_BIG_FUEL = const(0x3FFFFFFF)   # "unlimited": refilled silently, small int everywhere

unpack_from = struct.unpack_from
pack_into = struct.pack_into


# Slots an exec env starts with; it grows (doubling) up to its stack size
# as calls go deeper, so RAM follows the depth an app really reaches.
_FIRST_SLOTS = const(256)


class ExecEnv:
    """Operand/locals stack and frame stack for one thread of execution
    (WAMR's exec_env).  stack_size is in bytes; a slot counts 8."""

    def __init__(self, stack_size=65536):
        n = stack_size // 8
        if n < 64:
            n = 64
        self.limit = n
        k = n if n < _FIRST_SLOTS else _FIRST_SLOTS
        self.s = [0] * k
        self.fr = [None] * (k // 2)     # 4 entries a frame: a frame per 8 slots, as the fast tier
        self.top = 0     # first free slot (re-entrant calls start here)
        self.ftop = 0    # first free frame entry
        self.fuel = None
        self.depth = 0   # Python-level re-entries (host -> wasm)


# Decoded bodies cost RAM (a list word per operand); on boards each
# instance's total is bounded by config.CODE_CACHE_WORDS and its oldest
# bodies are dropped (and decoded again when next called).  0 means no
# bound.  The record lives on the instance (inst.ccache: [words, f, w, ...]):
# a module-wide list would hold every function it ever saw, and with it
# each dead instance and its linear memory (on a 400 KiB board, a spec file
# left 120 KB that no later module could use).


def grow_stack(env, fsp, need):
    """Makes room for `need` slots and one more frame after frame entry
    fsp; returns (slots, frame-entry limit) for the caller's checks, or
    traps when that passes the stack size.  The lists grow in place, so
    callers' references to env.s and env.fr stay valid."""
    s = env.s
    fr = env.fr
    k = len(s)
    if fsp >= len(fr) - 4 and need <= k:
        need = k + 1
    if need > k:
        if need > env.limit:
            raise Trap("call stack exhausted", STACK_EXHAUSTED)
        n = k * 2
        if n < need:
            n = need
        if n > env.limit:
            n = env.limit
        try:
            s.extend([0] * (n - k))
            fr.extend([None] * (n // 2 - len(fr)))
        except MemoryError:
            raise Trap("call stack exhausted (out of memory)", STACK_EXHAUSTED)
    return len(s), len(fr) - 4


def compile_func(f):
    """Pre-decodes a wasm function's body on first call; returns the call
    tuple (code, nparams, ninit, inits, nslots, inst) the CALL op unpacks."""
    from . import config
    m = f.inst.module
    c = m.codes[f.idx]
    words = 0
    if c is None:
        # imported only here: a body decoded at load time (UNLOAD_LOADER)
        # must not bring the validator back into RAM
        from .interp_code import Emitter
        from .validator import walk_body
        em = Emitter()
        if config.WASM_3 and m.feats and m.feats[f.idx]:
            # the function uses 3.0 features
            from .interp_code3 import Emitter3
            em = Emitter3()
        c = walk_body(m, f.idx, em)
        m.codes[f.idx] = c
        words = len(c.code) + len(c.inits) + 16
    if config.WASM_EXCEPTIONS and c.handlers is not None:
        HANDLERS[id(c.code)] = (c.code, c.handlers)
    f.tc = (c.code, c.nparams, c.ninit, c.inits, c.nslots, f.inst)
    limit = getattr(config, "CODE_CACHE_WORDS", 0)
    if limit:
        inst = f.inst
        cache = inst.ccache
        if cache is None:
            cache = inst.ccache = [0]
        cache.append(f)
        cache.append(words)
        cache[0] += words
        while cache[0] > limit and len(cache) > 3:
            g = cache.pop(1)
            w = cache.pop(1)
            cache[0] -= w
            g.tc = None
            if w and inst.module is not None:
                inst.module.codes[g.idx] = None
    return f.tc


# What a host function raises that goes on as it is (else: a Trap naming it)
_PASS = (Trap, ProcExit)
if config.WASM_EXCEPTIONS:
    from .errors import WasmException
    _PASS = (Trap, ProcExit, WasmException)


def _trap(msg, kind=0):
    raise Trap(msg, kind)


def call_host(env, f, s, nfp, caller):
    """Calls host function f (or a wasm function of an instance running on
    another tier) with its arguments in s[nfp:]; stores the results back at
    s[nfp:]."""
    from .instance import host_args, host_results
    np = len(f.type.params)
    save_top = env.top
    env.top = nfp + np + 1
    try:
        if f.host is None:
            res = f.inst.run(f.inst, f, s[nfp:nfp + np])
        else:
            args = host_args(f, s[nfp:nfp + np])
            if f.pass_instance:
                args.insert(0, caller)
            try:
                r = f.host(*args)
            except _PASS:
                raise
            except Exception as e:
                raise Trap("%s: %s" % (f.name, e) if str(e) else "%s: %s" % (
                    f.name, type(e).__name__), 0, -1, "host")
            res = host_results(f, r)
    finally:
        env.top = save_top
    for i in range(len(res)):
        s[nfp + i] = res[i]


def execute(env, func, fp):
    """Runs wasm function `func` whose arguments and initial locals are
    already in env.s[fp:]; results end up at env.s[fp:]."""
    inst = func.inst
    code = func.tc[0]
    s = env.s
    fr = env.fr
    fsp = env.ftop
    fbase = fsp
    frlim = len(fr) - 4
    slim = len(s)
    mem = inst.mem
    gl = inst.globals
    funcs = inst.funcs
    fns = FUNCS
    limited = env.fuel is not None
    fuel = env.fuel if limited else _BIG_FUEL
    pc = 0
    while True:
        try:
            while True:
                op = code[pc]
                if op < 10:
                    if op == MOV:
                        s[fp + code[pc + 1]] = s[fp + code[pc + 2]]
                        pc += 3
                    elif op == ADD:
                        v = s[fp + code[pc + 2]] + s[fp + code[pc + 3]]
                        if v > 0x7FFFFFFF:
                            v -= 0x100000000
                        elif v < -0x80000000:
                            v += 0x100000000
                        s[fp + code[pc + 1]] = v
                        pc += 4
                    elif op == LD32:
                        a = s[fp + code[pc + 2]]
                        if a < 0:
                            a += 0x100000000
                        s[fp + code[pc + 1]] = unpack_from("<i", mem, a + code[pc + 3])[0]
                        pc += 4
                    elif op == BRNZ:
                        if s[fp + code[pc + 1]]:
                            t = code[pc + 2]
                            if t <= pc:
                                fuel -= 1
                                if fuel <= 0:
                                    if limited:
                                        fuel = 0
                                        _trap("out of fuel", OUT_OF_FUEL)
                                    fuel = _BIG_FUEL
                            pc = t
                        else:
                            pc += 3
                    elif op == BR:
                        t = code[pc + 1]
                        if t <= pc:
                            fuel -= 1
                            if fuel <= 0:
                                if limited:
                                    fuel = 0
                                    _trap("out of fuel", OUT_OF_FUEL)
                                fuel = _BIG_FUEL
                        pc = t
                    elif op == ST32:
                        a = s[fp + code[pc + 1]]
                        if a < 0:
                            a += 0x100000000
                        pack_into("<i", mem, a + code[pc + 3], s[fp + code[pc + 2]])
                        pc += 4
                    elif op == CALL:
                        f = funcs[code[pc + 1]]
                        nfp = fp + code[pc + 2]
                        tc = f.tc
                        if tc is None:
                            if f.host is not None or f.inst.tier != "interp":
                                env.ftop = fsp
                                if limited:
                                    env.fuel = fuel
                                call_host(env, f, s, nfp, inst)
                                if limited:
                                    fuel = env.fuel
                                mem = inst.mem
                                pc += 3
                                continue
                            tc = compile_func(f)
                        fcode, np, ni, ins, ns, finst = tc
                        if fsp >= frlim or nfp + ns > slim:
                            slim, frlim = grow_stack(env, fsp, nfp + ns)
                        fuel -= 1
                        if fuel <= 0:
                            if limited:
                                fuel = 0
                                _trap("out of fuel", OUT_OF_FUEL)
                            fuel = _BIG_FUEL
                        fr[fsp] = pc + 3
                        fr[fsp + 1] = fp
                        fr[fsp + 2] = code
                        fr[fsp + 3] = inst
                        fsp += 4
                        if ni > np:
                            s[nfp + np:nfp + ni] = ins
                        fp = nfp
                        code = fcode
                        pc = 0
                        if finst is not inst:
                            inst = finst
                            mem = inst.mem
                            gl = inst.globals
                            funcs = inst.funcs
                    elif op == RET:
                        n = code[pc + 2]
                        if n:
                            src = fp + code[pc + 1]
                            if n == 1:
                                s[fp] = s[src]
                            elif src != fp:
                                s[fp:fp + n] = s[src:src + n]
                        if fsp == fbase:
                            break
                        fsp -= 4
                        pc = fr[fsp]
                        fp = fr[fsp + 1]
                        code = fr[fsp + 2]
                        i2 = fr[fsp + 3]
                        if i2 is not inst:
                            inst = i2
                            mem = inst.mem
                            gl = inst.globals
                            funcs = inst.funcs
                    elif op == SUB:
                        v = s[fp + code[pc + 2]] - s[fp + code[pc + 3]]
                        if v > 0x7FFFFFFF:
                            v -= 0x100000000
                        elif v < -0x80000000:
                            v += 0x100000000
                        s[fp + code[pc + 1]] = v
                        pc += 4
                    else:  # BRZ
                        if s[fp + code[pc + 1]]:
                            pc += 3
                        else:
                            t = code[pc + 2]
                            if t <= pc:
                                fuel -= 1
                                if fuel <= 0:
                                    if limited:
                                        fuel = 0
                                        _trap("out of fuel", OUT_OF_FUEL)
                                    fuel = _BIG_FUEL
                            pc = t
                elif op < 20:
                    # Fused compare-and-jump: J<cmp> a b target.
                    a = s[fp + code[pc + 1]]
                    b = s[fp + code[pc + 2]]
                    if op == JNE:
                        j = a != b
                    elif op == JEQ:
                        j = a == b
                    elif op == JLT_S:
                        j = a < b
                    elif op == JGE_S:
                        j = a >= b
                    elif op == JGT_S:
                        j = a > b
                    elif op == JLE_S:
                        j = a <= b
                    elif op == JLT_U:
                        j = (a ^ -0x80000000) < (b ^ -0x80000000)
                    elif op == JGE_U:
                        j = (a ^ -0x80000000) >= (b ^ -0x80000000)
                    elif op == JGT_U:
                        j = (a ^ -0x80000000) > (b ^ -0x80000000)
                    else:
                        j = (a ^ -0x80000000) <= (b ^ -0x80000000)
                    if j:
                        t = code[pc + 3]
                        if t <= pc:
                            fuel -= 1
                            if fuel <= 0:
                                if limited:
                                    fuel = 0
                                    _trap("out of fuel", OUT_OF_FUEL)
                                fuel = _BIG_FUEL
                        pc = t
                    else:
                        pc += 4
                elif op < 30:
                    a = s[fp + code[pc + 2]]
                    b = s[fp + code[pc + 3]]
                    if op == AND:
                        v = a & b
                    elif op == SHL:
                        v = (a << (b & 31)) & 0xFFFFFFFF
                        if v > 0x7FFFFFFF:
                            v -= 0x100000000
                    elif op == OR:
                        v = a | b
                    elif op == SHR_U:
                        if a < 0:
                            a += 0x100000000
                        v = a >> (b & 31)
                        if v > 0x7FFFFFFF:
                            v -= 0x100000000
                    elif op == XOR:
                        v = a ^ b
                    elif op == SHR_S:
                        v = a >> (b & 31)
                    elif op == MUL:
                        v = a * b
                        if v > 0x7FFFFFFF or v < -0x80000000:
                            v = ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                    elif op == EQ:
                        v = 1 if a == b else 0
                    elif op == NE:
                        v = 1 if a != b else 0
                    else:  # LT_S
                        v = 1 if a < b else 0
                    s[fp + code[pc + 1]] = v
                    pc += 4
                elif op < 39:
                    a = s[fp + code[pc + 2]]
                    b = s[fp + code[pc + 3]]
                    if op == LT_U:
                        v = 1 if (a ^ -0x80000000) < (b ^ -0x80000000) else 0
                    elif op == GT_S:
                        v = 1 if a > b else 0
                    elif op == GT_U:
                        v = 1 if (a ^ -0x80000000) > (b ^ -0x80000000) else 0
                    elif op == LE_S:
                        v = 1 if a <= b else 0
                    elif op == LE_U:
                        v = 1 if (a ^ -0x80000000) <= (b ^ -0x80000000) else 0
                    elif op == GE_S:
                        v = 1 if a >= b else 0
                    elif op == GE_U:
                        v = 1 if (a ^ -0x80000000) >= (b ^ -0x80000000) else 0
                    elif op == ADD64:
                        v = a + b
                        if v > 0x7FFFFFFFFFFFFFFF or v < -0x8000000000000000:
                            v = ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                    else:  # SUB64
                        v = a - b
                        if v > 0x7FFFFFFFFFFFFFFF or v < -0x8000000000000000:
                            v = ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                    s[fp + code[pc + 1]] = v
                    pc += 4
                elif op < 49:
                    if op == LD8U:
                        a = s[fp + code[pc + 2]]
                        if a < 0:
                            a += 0x100000000
                        s[fp + code[pc + 1]] = mem[a + code[pc + 3]]
                        pc += 4
                    elif op == ST8:
                        a = s[fp + code[pc + 1]]
                        if a < 0:
                            a += 0x100000000
                        mem[a + code[pc + 3]] = s[fp + code[pc + 2]] & 0xFF
                        pc += 4
                    elif op == EQZ:
                        s[fp + code[pc + 1]] = 0 if s[fp + code[pc + 2]] else 1
                        pc += 3
                    elif op == GGET:
                        s[fp + code[pc + 1]] = gl[code[pc + 2]].v
                        pc += 3
                    elif op == GSET:
                        gl[code[pc + 2]].v = s[fp + code[pc + 1]]
                        pc += 3
                    elif op == SELECT:
                        if s[fp + code[pc + 4]]:
                            s[fp + code[pc + 1]] = s[fp + code[pc + 2]]
                        else:
                            s[fp + code[pc + 1]] = s[fp + code[pc + 3]]
                        pc += 5
                    elif op == LD8S:
                        a = s[fp + code[pc + 2]]
                        if a < 0:
                            a += 0x100000000
                        v = mem[a + code[pc + 3]]
                        s[fp + code[pc + 1]] = v - 256 if v > 127 else v
                        pc += 4
                    elif op == LD16U:
                        a = s[fp + code[pc + 2]]
                        if a < 0:
                            a += 0x100000000
                        s[fp + code[pc + 1]] = unpack_from("<H", mem, a + code[pc + 3])[0]
                        pc += 4
                    elif op == LD16S:
                        a = s[fp + code[pc + 2]]
                        if a < 0:
                            a += 0x100000000
                        s[fp + code[pc + 1]] = unpack_from("<h", mem, a + code[pc + 3])[0]
                        pc += 4
                    else:  # ST16
                        a = s[fp + code[pc + 1]]
                        if a < 0:
                            a += 0x100000000
                        pack_into("<H", mem, a + code[pc + 3], s[fp + code[pc + 2]] & 0xFFFF)
                        pc += 4
                elif op == F2:
                    s[fp + code[pc + 1]] = fns[code[pc + 2]](s[fp + code[pc + 3]], s[fp + code[pc + 4]])
                    pc += 5
                elif op == F1:
                    s[fp + code[pc + 1]] = fns[code[pc + 2]](s[fp + code[pc + 3]])
                    pc += 4
                elif op == LD64:
                    a = s[fp + code[pc + 2]]
                    if a < 0:
                        a += 0x100000000
                    s[fp + code[pc + 1]] = unpack_from("<q", mem, a + code[pc + 3])[0]
                    pc += 4
                elif op == ST64:
                    a = s[fp + code[pc + 1]]
                    if a < 0:
                        a += 0x100000000
                    pack_into("<q", mem, a + code[pc + 3], s[fp + code[pc + 2]])
                    pc += 4
                elif op == LD32U:
                    a = s[fp + code[pc + 2]]
                    if a < 0:
                        a += 0x100000000
                    s[fp + code[pc + 1]] = unpack_from("<I", mem, a + code[pc + 3])[0]
                    pc += 4
                elif op == ST32W:
                    a = s[fp + code[pc + 1]]
                    if a < 0:
                        a += 0x100000000
                    pack_into("<I", mem, a + code[pc + 3], s[fp + code[pc + 2]] & 0xFFFFFFFF)
                    pc += 4
                elif op == LDF:
                    a = s[fp + code[pc + 2]]
                    if a < 0:
                        a += 0x100000000
                    s[fp + code[pc + 1]] = fns[code[pc + 4]](mem, a + code[pc + 3])
                    pc += 5
                elif op == STF:
                    a = s[fp + code[pc + 1]]
                    if a < 0:
                        a += 0x100000000
                    fns[code[pc + 4]](mem, a + code[pc + 3], s[fp + code[pc + 2]])
                    pc += 5
                elif op == BRT:
                    i = s[fp + code[pc + 1]]
                    n = code[pc + 2]
                    if i < 0 or i >= n:
                        i = n
                    t = code[pc + 3 + i]
                    if t <= pc:
                        fuel -= 1
                        if fuel <= 0:
                            if limited:
                                fuel = 0
                                _trap("out of fuel", OUT_OF_FUEL)
                            fuel = _BIG_FUEL
                    pc = t
                elif op == CALLI:
                    # The frame push below repeats CALL's on purpose: a shared
                    # helper would cost a Python call per wasm call.
                    tab = inst.tables[code[pc + 2]].elems
                    i = s[fp + code[pc + 3]]
                    if i < 0 or i >= len(tab):
                        raise element_trap(i, True)
                    f = tab[i]
                    if f is None:
                        raise element_trap(i, False)
                    if f.type.key != KEYS[code[pc + 1]]:
                        if config.WASM_GC:
                            _check_sub(f, KEYS[code[pc + 1]])
                        else:
                            _trap("indirect call type mismatch")
                    nfp = fp + code[pc + 4]
                    tc = f.tc
                    if tc is None:
                        if f.host is not None or f.inst.tier != "interp":
                            env.ftop = fsp
                            if limited:
                                env.fuel = fuel
                            call_host(env, f, s, nfp, inst)
                            if limited:
                                fuel = env.fuel
                            mem = inst.mem
                            pc += 5
                            continue
                        tc = compile_func(f)
                    fcode, np, ni, ins, ns, finst = tc
                    if fsp >= frlim or nfp + ns > slim:
                        slim, frlim = grow_stack(env, fsp, nfp + ns)
                    fuel -= 1
                    if fuel <= 0:
                        if limited:
                            fuel = 0
                            _trap("out of fuel", OUT_OF_FUEL)
                        fuel = _BIG_FUEL
                    fr[fsp] = pc + 5
                    fr[fsp + 1] = fp
                    fr[fsp + 2] = code
                    fr[fsp + 3] = inst
                    fsp += 4
                    if ni > np:
                        s[nfp + np:nfp + ni] = ins
                    fp = nfp
                    code = fcode
                    pc = 0
                    if finst is not inst:
                        inst = finst
                        mem = inst.mem
                        gl = inst.globals
                        funcs = inst.funcs
                elif op == EXT:
                    fns[code[pc + 2]](inst, s, fp, code[pc + 3], code[pc + 4], code[pc + 1],
                                      code[pc + 5], code[pc + 6], code[pc + 7])
                    mem = inst.mem
                    pc += 8
                elif op == UNREACH:
                    _trap("unreachable")
                elif config.WASM_TYPED_REFS and op == CALLR:
                    # call_ref: the callee comes from a slot (CALL's frame push again)
                    f = s[fp + code[pc + 1]]
                    if f is None:
                        _trap("null function reference")
                    nfp = fp + code[pc + 2]
                    tc = f.tc
                    if tc is None:
                        if f.host is not None or f.inst.tier != "interp":
                            env.ftop = fsp
                            if limited:
                                env.fuel = fuel
                            call_host(env, f, s, nfp, inst)
                            if limited:
                                fuel = env.fuel
                            mem = inst.mem
                            pc += 3
                            continue
                        tc = compile_func(f)
                    fcode, np, ni, ins, ns, finst = tc
                    if fsp >= frlim or nfp + ns > slim:
                        slim, frlim = grow_stack(env, fsp, nfp + ns)
                    fuel -= 1
                    if fuel <= 0:
                        if limited:
                            fuel = 0
                            _trap("out of fuel", OUT_OF_FUEL)
                        fuel = _BIG_FUEL
                    fr[fsp] = pc + 3
                    fr[fsp + 1] = fp
                    fr[fsp + 2] = code
                    fr[fsp + 3] = inst
                    fsp += 4
                    if ni > np:
                        s[nfp + np:nfp + ni] = ins
                    fp = nfp
                    code = fcode
                    pc = 0
                    if finst is not inst:
                        inst = finst
                        mem = inst.mem
                        gl = inst.globals
                        funcs = inst.funcs
                elif config.WASM_TAIL_CALL and op == TAIL:
                    # return_call*: the callee takes this frame's place
                    k = code[pc + 1]
                    if k == 0:
                        f = funcs[code[pc + 2]]
                    else:
                        f = s[fp + code[pc + 4]]
                        if k == 1:
                            tab = inst.tables[code[pc + 3]].elems
                            if f < 0 or f >= len(tab):
                                _trap("undefined element")
                            f = tab[f]
                            if f is None:
                                _trap("uninitialized element")
                            if f.type.key != KEYS[code[pc + 2]]:
                                if config.WASM_GC:
                                    _check_sub(f, KEYS[code[pc + 2]])
                                else:
                                    _trap("indirect call type mismatch")
                        elif f is None:
                            _trap("null function reference")
                    src = fp + code[pc + 5]
                    tc = f.tc
                    if tc is None:
                        if f.host is not None or f.inst.tier != "interp":
                            env.ftop = fsp
                            if limited:
                                env.fuel = fuel
                            # this frame is gone for a try_table (pc in no
                            # handler's range) while the callee runs
                            pc = -1
                            call_host(env, f, s, src, inst)
                            if limited:
                                fuel = env.fuel
                            n = len(f.type.results)
                            if n:
                                s[fp:fp + n] = s[src:src + n]
                            if fsp == fbase:
                                break
                            fsp -= 4
                            pc = fr[fsp]
                            fp = fr[fsp + 1]
                            code = fr[fsp + 2]
                            inst = fr[fsp + 3]
                            mem = inst.mem
                            gl = inst.globals
                            funcs = inst.funcs
                            continue
                        tc = compile_func(f)
                    fcode, np, ni, ins, ns, finst = tc
                    if np == 1:
                        s[fp] = s[src]
                    elif np:
                        s[fp:fp + np] = s[src:src + np]
                    if fp + ns > slim:
                        slim, frlim = grow_stack(env, fsp, fp + ns)
                    fuel -= 1
                    if fuel <= 0:
                        if limited:
                            fuel = 0
                            _trap("out of fuel", OUT_OF_FUEL)
                        fuel = _BIG_FUEL
                    if ni > np:
                        s[fp + np:fp + ni] = ins
                    code = fcode
                    pc = 0
                    if finst is not inst:
                        inst = finst
                        mem = inst.mem
                        gl = inst.globals
                        funcs = inst.funcs
                elif config.WASM_MEMORY64 and op == ADDR64:
                    # Negative is 2**63 or more: past any memory.  The
                    # load/store ops' checks then see an unsigned address.
                    a = s[fp + code[pc + 2]]
                    s[fp + code[pc + 1]] = a if a >= 0 else 0x4000000000000000
                    pc += 3
                else:
                    raise Trap("interp: bad opcode %d at %d" % (op, pc))
            break
        except Exception as e:
            if config.WASM_EXCEPTIONS and isinstance(e, WasmException) and HANDLERS:
                # a try_table of a frame of this call may catch it
                from .interp_exc import unwind
                h = unwind(e.exn, s, code, pc, fp, inst, fr, fsp, fbase)
                if h is not None:
                    pc, fp, code, inst, fsp = h
                    mem = inst.mem
                    gl = inst.globals
                    funcs = inst.funcs
                    continue
            env.ftop = fbase
            if limited:
                env.fuel = fuel
            if isinstance(e, _PASS):
                raise
            raise _classify(e, code[pc] if pc < len(code) else -1)
    env.ftop = fbase
    if limited:
        env.fuel = fuel


if config.WASM_GC:
    def _check_sub(f, key):
        """call_indirect's slow path: the keys differ, but the function's
        type may be a subtype of the one asked for."""
        if key[0] != "#":
            _trap("indirect call type mismatch")
        from .reftypes import func_sub
        if not func_sub(f.type, key):
            _trap("indirect call type mismatch")


def _classify(e, op):
    if op in _MEM_OPS:
        return Trap("out of bounds memory access")
    if isinstance(e, ZeroDivisionError):
        return Trap("integer divide by zero")
    if isinstance(e, MemoryError):
        return Trap("out of memory: " + str(e), OUT_OF_MEMORY)
    if isinstance(e, RuntimeError) and "recursion" in str(e):
        return Trap("call stack exhausted", STACK_EXHAUSTED)
    return Trap("interp: internal error: %s: %s" % (type(e).__name__, e))
