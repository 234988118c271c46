# The portable interpreter's SIMD instructions: interp_code.Emitter hands
# every op of simd_ops.OP + sub here.  A v128 is one slot holding 16 bytes
# (docs/internals.md), so the interpreter's loop needs nothing new: lane
# operations are F1/F2 words calling simd_lanes' function for the
# instruction (its immediate, a lane or shuffle pattern, bound in), three
# operand ones and memory accesses EXT words, v128.const a constant slot.

from struct import unpack

from . import interp as I
from . import simd_ops as S
from . import simd_lanes as L
from .errors import Trap


def _index(key, make):
    """Index in interp.FUNCS of the function for `key`, made once."""
    i = I.FUNC_INDEX.get(key)
    if i is None:
        i = I.FUNC_INDEX[key] = len(I.FUNCS)
        I.FUNCS.append(make())
    return i


def _at(inst, s, fp, a, off, x, n):
    """(bytes of memory x, effective address) of an n-byte access at the
    address in slot a plus off; traps when it does not fit."""
    mm = inst.memories[x]
    ea = s[fp + a]
    if ea < 0:
        ea += 0x10000000000000000 if getattr(mm, "addr64", False) else 0x100000000
    ea += off
    mem = mm.data
    if ea + n > len(mem):
        raise Trap("out of bounds memory access")
    return mem, ea


# Loads that widen or splat what they read: the v128 they make of the n
# bytes read (padded to 16 with zeros) is this lane function's result.
_WIDEN = {0x01: 0x87, 0x02: 0x89, 0x03: 0xA7, 0x04: 0xA9, 0x05: 0xC7, 0x06: 0xC9}


def _load(sub, x):
    n = S.mem_bytes(sub)
    w = _WIDEN.get(sub)
    wf = L.fn(w) if w else None
    splat = 0x07 <= sub <= 0x0A
    pad = b"\0" * (16 - n)

    def h(inst, s, fp, imm, imm2, d, a, b, c):
        mem, ea = _at(inst, s, fp, a, imm, x, n)
        v = bytes(mem[ea:ea + n])
        if splat:
            v = v * (16 // n)
        elif n < 16:
            v += pad
            if wf is not None:
                v = wf(v)
        s[fp + d] = v
    return h


def _store(x):
    def h(inst, s, fp, imm, imm2, d, a, b, c):
        mem, ea = _at(inst, s, fp, a, imm, x, 16)
        mem[ea:ea + 16] = s[fp + b]
    return h


def _load_lane(sub, x):
    n = S.mem_bytes(sub)

    def h(inst, s, fp, imm, imm2, d, a, b, c):
        mem, ea = _at(inst, s, fp, a, imm, x, n)
        v = s[fp + b]
        k = imm2 * n
        s[fp + d] = v[:k] + bytes(mem[ea:ea + n]) + v[k + n:]
    return h


def _store_lane(sub, x):
    n = S.mem_bytes(sub)

    def h(inst, s, fp, imm, imm2, d, a, b, c):
        mem, ea = _at(inst, s, fp, a, imm, x, n)
        k = imm2 * n
        mem[ea:ea + n] = s[fp + b][k:k + n]
    return h


def _ternary(f):
    def h(inst, s, fp, imm, imm2, d, a, b, c):
        s[fp + d] = f(s[fp + a], s[fp + b], s[fp + c])
    return h


def _konst(v):
    return lambda a: v


def emit(em, op, imm, pops, push):
    """Emits SIMD instruction `op` (validator_simd's event) into em, an
    interp_code.Emitter."""
    sub = op - S.OP
    form, d = S.form(sub)
    code = em.code
    if form == S.CONST:
        key = (op, imm)
        if len(em.consts) >= I_MAX_KSLOTS() and key not in em.consts:
            # past the function's constant slots: made where it is used
            dst = em.push()
            em.emit(I.F1, dst, _index(("simd", op, imm), lambda: _konst(imm)), dst)
            return
        em.push_slot(em.const_slot(key, imm))
        em.last = -1
        return
    if form == S.LOAD or form == S.STORE or form == S.LOAD_LANE or form == S.STORE_LANE:
        off, lane, x = imm
        if off > 0xFFFFFFFF:
            off = 0xFFFFFFFF        # traps anyway: no memory here is that big
        key = ("simd", op, x)
        if form == S.LOAD:
            a = em.pop()
            dst = em.push()
            code.add(I.EXT, dst, _index(key, lambda: _load(sub, x)), off, 0, a, 0, 0)
        elif form == S.LOAD_LANE:
            v = em.pop()
            a = em.pop()
            dst = em.push()
            code.add(I.EXT, dst, _index(key, lambda: _load_lane(sub, x)), off, lane, a, v, 0)
        else:
            v = em.pop()
            a = em.pop()
            h = (lambda: _store(x)) if form == S.STORE else (lambda: _store_lane(sub, x))
            code.add(I.EXT, 0, _index(key, h), off, lane, a, v, 0)
        em.last = -1
        return
    if form == S.EXTRACT or form == S.REPLACE or form == S.SHUFFLE:
        key = ("simd", op, imm)
    else:
        key = ("simd", op)
    if form == S.TERNARY:
        c = em.pop()
        b = em.pop()
        a = em.pop()
        dst = em.push()
        code.add(I.EXT, dst, _index(key, lambda: _ternary(L.fn(sub))), 0, 0, a, b, c)
        em.last = -1
        return
    k = _index(key, lambda: L.fn(sub, imm))
    if len(pops) == 2:
        b = em.pop()
        a = em.pop()
        dst = em.push()
        em.emit(I.F2, dst, k, a, b)
    else:
        a = em.pop()
        dst = em.push()
        em.emit(I.F1, dst, k, a)


def I_MAX_KSLOTS():
    from .interp_code import MAX_KSLOTS
    return MAX_KSLOTS
