# Python side of the fast interpreter's rare instructions (floats, i64
# division, bulk memory, tables, references, non-i32 globals,
# memory.size/grow, huge memarg offsets).
#
# Numeric instructions become XOP1/XOP2 words naming a tuple
# (fn, reader..., writer): the loop reads the operands with the readers,
# calls the numeric.py / fmode function and stores the result with the
# writer.  Readers and writers convert between 32-bit cells (env.cells,
# array('i'); i64/f64 take two cells, low word first; references live in
# env.R) and the VM's internal values (docs/internals.md), so the numeric
# helpers work unchanged.  The other instructions are XOP words whose
# handler h(env, pc, fp) reads its operands from the code.
#
# Every function here keeps its frame within 11 slots: MicroPython puts a
# larger frame on the heap, and heap frames mixed with float allocations
# make calls from the loop 50x slower.

import struct

from .errors import Trap
from .opnames import helper_name
from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
from . import config

_pack_into = struct.pack_into
_unpack_from = struct.unpack_from
_M32 = 0xFFFFFFFF


class Unsupported(Exception):
    """An instruction the fast tier does not compile: the function runs on
    the portable interpreter (interp_fast_run.Prog.compile)."""


def _oob():
    raise Trap("out of bounds memory access")


def _oob_table():
    raise Trap("out of bounds table access")


# -- cell readers / writers ---------------------------------------------------

def rd_i32(env, i):
    return env.cells[i]


def wr_i32(env, i, v):
    env.cells[i] = v


def rd_i64(env, i):
    S = env.cells
    return (S[i + 1] << 32) | (S[i] & _M32)


def wr_i64(env, i, v):
    S = env.cells
    S[i] = v
    S[i + 1] = v >> 32


def rd_ref(env, i):
    return env.R[i]


def wr_ref(env, i, v):
    env.R[i] = v


# Float readers/writers need the float module (numeric.py or softfloat.py),
# imported on first use so integer-only programs do not load it.
_RD = {I32: rd_i32, I64: rd_i64, FUNCREF: rd_ref, EXTERNREF: rd_ref}
_WR = {I32: wr_i32, I64: wr_i64, FUNCREF: wr_ref, EXTERNREF: wr_ref}


def _floats():
    from . import fmode as F
    if F.SOFT_FLOAT:
        # soft floats are their own bit patterns in signed canonical form
        _RD[F32] = rd_i32
        _WR[F32] = wr_i32
        _RD[F64] = rd_i64
        _WR[F64] = wr_i64
        return
    f32_from_bits = F.f32_from_bits
    f32_to_bits = F.f32_to_bits

    def rd_f32(env, i):
        return f32_from_bits(env.cells[i] & _M32)

    def wr_f32(env, i, v):
        env.cells[i] = f32_to_bits(v)

    def rd_f64(env, i):
        return _unpack_from("<d", env.cells, i << 2)[0]

    def wr_f64(env, i, v):
        _pack_into("<d", env.cells, i << 2, v)

    _RD[F32] = rd_f32
    _WR[F32] = wr_f32
    _RD[F64] = rd_f64
    _WR[F64] = wr_f64


def rd(t):
    f = _RD.get(t)
    if f is None:
        if config.WASM_TYPES3 and (0x69 <= t <= 0x74 or t > 255):
            return rd_ref        # a 3.0 reference type (reftypes.py)
        _floats()
        f = _RD[t]
    return f


def wr(t):
    f = _WR.get(t)
    if f is None:
        if config.WASM_TYPES3 and (0x69 <= t <= 0x74 or t > 255):
            return wr_ref        # a 3.0 reference type (reftypes.py)
        _floats()
        f = _WR[t]
    return f


def read(env, t, i):
    return rd(t)(env, i)


def write(env, t, i, v):
    wr(t)(env, i, v)


# -- numeric operations through numeric.py / fmode -----------------------------

def _through_helper(op):
    # float compares, float arithmetic and the float conversions (not
    # i64.extend_i32_s/u)
    return (0x5B <= op <= 0x66 or 0x8B <= op <= 0xA6
            or 0xA8 <= op <= 0xBB and op not in (0xAC, 0xAD) or 0xFC00 <= op <= 0xFC07)


def _fn(name):
    from . import numeric as N
    from . import fmode as F
    f = getattr(F, name, None)
    if f is None:
        f = getattr(N, name)
    return f


def numop(op, pops, push):
    """(fn, reader..., writer) for a numeric instruction run through a
    numeric.py / fmode function: the loop's XOP1 / XOP2 call these directly,
    so no Python frame of ours sits between the loop and the operation."""
    key = (op, bytes(pops), push)
    t = _CACHE.get(key)
    if t is None:
        if not _through_helper(op):
            raise Unsupported("interp_fast: no handler for opcode 0x%x" % op)
        name = helper_name(op)
        t = (_fn(name),) + tuple(rd(x) for x in pops) + (wr(push),)
        _CACHE[key] = t
    return t


def is_numeric(op):
    return _through_helper(op)


# -- special handlers: h(env, pc, fp) -------------------------------------------
# XOP words: [XOP, handler, d, a, b, c, imm, imm2]; code words read from
# Python are signed already.  Kept small: MicroPython puts a frame of more
# than 11 slots on the heap.

def _u32(v):
    return v & _M32


def _mem_size(env, pc, fp):
    env.cells[fp + env.code[pc + 2]] = env.inst.memory.size


def _mem_grow(env, pc, fp):
    c = env.code
    m = env.inst.memory
    n = _u32(env.cells[fp + c[pc + 3]])
    env.cells[fp + c[pc + 2]] = m.grow(n)
    env.mem = m.data


def _args3(env, pc, fp):
    """The three u32 operands a, b, c of a bulk instruction, in env.xa."""
    c = env.code
    S = env.cells
    xa = env.xa
    xa[0] = S[fp + c[pc + 3]] & _M32
    xa[1] = S[fp + c[pc + 4]] & _M32
    xa[2] = S[fp + c[pc + 5]] & _M32
    return xa


def _mem_fill(env, pc, fp):
    dst, val, n = _args3(env, pc, fp)
    mem = env.mem
    if dst + n > len(mem):
        _oob()
    if n:
        mem[dst:dst + n] = bytes((val & 0xFF,)) * n


def _mem_copy(env, pc, fp):
    dst, src, n = _args3(env, pc, fp)
    mem = env.mem
    if src + n > len(mem) or dst + n > len(mem):
        _oob()
    if n:
        mem[dst:dst + n] = mem[src:src + n]


def _mem_init(env, pc, fp):
    dst, src, n = _args3(env, pc, fp)
    seg = env.inst.datas[env.code[pc + 6]]
    mem = env.mem
    if src + n > len(seg) or dst + n > len(mem):
        _oob()
    if n:
        mem[dst:dst + n] = seg[src:src + n]


def _data_drop(env, pc, fp):
    env.inst.datas[env.code[pc + 6]] = b""


# loads/stores with a memarg offset of 2**30 or more: wasm op -> (struct
# format, size, result type)
_FAR_LOAD = {0x28: ("<i", 4, I32), 0x29: ("<q", 8, I64), 0x2A: ("<i", 4, I32),
             0x2B: ("<q", 8, I64), 0x2C: ("<b", 1, I32), 0x2D: ("<B", 1, I32),
             0x2E: ("<h", 2, I32), 0x2F: ("<H", 2, I32), 0x30: ("<b", 1, I64),
             0x31: ("<B", 1, I64), 0x32: ("<h", 2, I64), 0x33: ("<H", 2, I64),
             0x34: ("<i", 4, I64), 0x35: ("<I", 4, I64)}
_FAR_STORE = {0x36: ("<I", 4, I32), 0x38: ("<I", 4, I32), 0x3E: ("<I", 4, I32),
              0x37: ("<Q", 8, I64), 0x39: ("<Q", 8, I64), 0x3A: ("<B", 1, I32),
              0x3C: ("<B", 1, I32), 0x3B: ("<H", 2, I32), 0x3D: ("<H", 2, I32)}
_MASK = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF, 8: 0xFFFFFFFFFFFFFFFF}


def _far_ea(env, pc, fp, size):
    c = env.code
    ea = _u32(env.cells[fp + c[pc + 3]]) + (c[pc + 6] | (c[pc + 7] << 30))
    if ea + size > len(env.mem):
        _oob()
    return ea


def _far_load(fmt, size, rt):
    wd = wr(rt)

    def h(env, pc, fp):
        ea = _far_ea(env, pc, fp, size)
        wd(env, fp + env.code[pc + 2], _unpack_from(fmt, env.mem, ea)[0])
    return h


def _far_store(fmt, size, vt):
    rv = rd_i64 if vt == I64 else rd_i32
    mask = _MASK[size]

    def h(env, pc, fp):
        ea = _far_ea(env, pc, fp, size)
        _pack_into(fmt, env.mem, ea, rv(env, fp + env.code[pc + 4]) & mask)
    return h


# -- tables and references --------------------------------------------------------

def _table(env, pc):
    return env.inst.tables[env.code[pc + 6]].elems


def _table_get(env, pc, fp):
    t = _table(env, pc)
    i = env.cells[fp + env.code[pc + 3]]
    if i < 0 or i >= len(t):
        _oob_table()
    env.R[fp + env.code[pc + 2]] = t[i]


def _table_set(env, pc, fp):
    t = _table(env, pc)
    i = env.cells[fp + env.code[pc + 3]]
    if i < 0 or i >= len(t):
        _oob_table()
    t[i] = env.R[fp + env.code[pc + 4]]


def _table_size(env, pc, fp):
    env.cells[fp + env.code[pc + 2]] = len(_table(env, pc))


def _table_grow(env, pc, fp):
    c = env.code
    n = _u32(env.cells[fp + c[pc + 4]])
    r = env.inst.tables[c[pc + 6]].grow(n, env.R[fp + c[pc + 3]])
    env.cells[fp + c[pc + 2]] = r


def _table_fill(env, pc, fp):
    t = _table(env, pc)
    i, v, n = _args3(env, pc, fp)
    v = env.R[fp + env.code[pc + 4]]
    if i + n > len(t):
        _oob_table()
    for k in range(i, i + n):
        t[k] = v


def _table_copy(env, pc, fp):
    td = _table(env, pc)
    ts = env.inst.tables[env.code[pc + 7]].elems
    dst, src, n = _args3(env, pc, fp)
    if src + n > len(ts) or dst + n > len(td):
        _oob_table()
    if n:
        td[dst:dst + n] = ts[src:src + n]


def _table_init(env, pc, fp):
    seg = env.inst.elem_segs[env.code[pc + 6]]
    t = env.inst.tables[env.code[pc + 7]].elems
    dst, src, n = _args3(env, pc, fp)
    if src + n > len(seg) or dst + n > len(t):
        _oob_table()
    if n:
        t[dst:dst + n] = seg[src:src + n]


def _elem_drop(env, pc, fp):
    env.inst.elem_segs[env.code[pc + 6]] = ()


def _ref_is_null(env, pc, fp):
    c = env.code
    env.cells[fp + c[pc + 2]] = 1 if env.R[fp + c[pc + 3]] is None else 0


def _ref_func(env, pc, fp):
    c = env.code
    env.R[fp + c[pc + 2]] = env.inst.funcs[c[pc + 6]]


_SPECIAL = {
    0x3F: _mem_size, 0x40: _mem_grow, 0x25: _table_get, 0x26: _table_set,
    0xD1: _ref_is_null, 0xD2: _ref_func,
    0xFC08: _mem_init, 0xFC09: _data_drop, 0xFC0A: _mem_copy, 0xFC0B: _mem_fill,
    0xFC0C: _table_init, 0xFC0D: _elem_drop, 0xFC0E: _table_copy,
    0xFC0F: _table_grow, 0xFC10: _table_size, 0xFC11: _table_fill,
}

_CACHE = {}


def handler(op):
    """The XOP handler of a wasm instruction that is neither numeric nor
    run by the loop itself."""
    h = _SPECIAL.get(op)
    if h is None:
        raise Unsupported("interp_fast: no handler for opcode 0x%x" % op)
    return h


def far_load(op):
    key = ("L", op)
    h = _CACHE.get(key)
    if h is None:
        fmt, size, rt = _FAR_LOAD[op]
        h = _CACHE[key] = _far_load(fmt, size, rt)
    return h


def far_store(op):
    key = ("S", op)
    h = _CACHE.get(key)
    if h is None:
        fmt, size, vt = _FAR_STORE[op]
        h = _CACHE[key] = _far_store(fmt, size, vt)
    return h


def gget(t):
    key = ("G", t)
    h = _CACHE.get(key)
    if h is None:
        wd = wr(t)

        def h(env, pc, fp):
            c = env.code
            wd(env, fp + c[pc + 2], env.inst.globals[c[pc + 6]].v)
        _CACHE[key] = h
    return h


def gset(t):
    key = ("g", t)
    h = _CACHE.get(key)
    if h is None:
        rv = rd(t)

        def h(env, pc, fp):
            c = env.code
            env.inst.globals[c[pc + 6]].v = rv(env, fp + c[pc + 3])
        _CACHE[key] = h
    return h
