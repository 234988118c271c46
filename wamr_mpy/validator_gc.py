# Validation of the typed-function-reference and GC instructions (call_ref,
# return_call_ref, ref.as_non_null, br_on_null, br_on_non_null, ref.eq and
# the 0xFB prefix): an extension of validator.walk_body, imported when a
# body first uses one of them (config.WASM_TYPED_REFS, config.WASM_GC).

from .func import I32, I64, F32, F64, V128, FUNCREF, EXTERNREF
from .reftypes import ANYREF, EQREF, I31REF, ARRAYREF, NONNULL, REF_DEF, is_ref
from .validator import matches, elem_type, _illegal, _inv, _mal, UNKNOWN
from .validator3 import F_TYPED, F_GC, F_TAIL, matches_results
from . import reftypes as R
from . import config

I31_NN = I31REF | NONNULL


def _deftype(v, x, pos, kind):
    types = v.m.types
    if x >= len(types):
        _inv("unknown type %d" % x, pos)
    t = types[x]
    if t.kind != kind:
        _inv("type mismatch: type %d is not a %s type" % (
            x, ("function", "struct", "array")[kind]), pos)
    return t


def _ref(t, null):
    return R.ref_code(t, null)


def _heap_ref(v, r, null):
    """A heap type immediate -> the reference type code."""
    h = R.heaptype(r)
    return R.make_ref(h, null)


def validate(op, pos, v):
    r = v.r
    if op == 0xFB:
        _gc(r.u32(), pos, v)
        return
    v.feats |= F_TYPED
    if op == 0x14 or op == 0x15:          # call_ref x, return_call_ref x
        x = r.u32()
        ft = _deftype(v, x, pos, R.K_FUNC)
        v.pop(_ref(ft, True))
        v.pops(ft.params)
        if op == 0x14:
            v.vals.extend(ft.results)
            if v.live():
                v.em.call_ref(x, ft)
            return
        if not config.WASM_TAIL_CALL:
            _mal(_illegal(op), pos)
        if not matches_results(ft.results, v.ftype.results):
            _inv("type mismatch", pos)
        v.feats |= F_TAIL
        if v.live():
            v.em.tail_call(op, x, ft)
        v.unreachable()
    elif op == 0xD3:                      # ref.eq
        v.feats |= F_GC
        v.pop(EQREF)
        v.pop(EQREF)
        v.vals.append(I32)
        if v.live():
            v.em.op(op, None, (EQREF, EQREF), I32)
    elif op == 0xD4:                      # ref.as_non_null
        t = _pop_ref(v, pos)
        nt = R.as_nonnull(t) if t else UNKNOWN
        v.vals.append(nt)
        if v.live():
            v.em.op(op, None, (t,), nt)
    elif op == 0xD5:                      # br_on_null l
        d = r.u32()
        t = _pop_ref(v, pos)
        lt = v.label(d)
        v.pops(lt)
        v.vals.extend(lt)
        nt = R.as_nonnull(t) if t else UNKNOWN
        if v.live():
            v.em.br_on(op, d, None)
        v.vals.append(nt)
    else:                                 # br_on_non_null l
        d = r.u32()
        t = _pop_ref(v, pos)
        lt = v.label(d)
        if not lt:
            _inv("type mismatch", pos)
        nt = R.as_nonnull(t) if t else UNKNOWN
        if not matches(nt, lt[-1]):
            _inv("type mismatch", pos)
        v.pops(lt[:-1])
        v.vals.extend(lt[:-1])
        if v.live():
            v.em.br_on(op, d, None)


def _pop_ref(v, pos):
    t = v.pop()
    if t and not is_ref(t):
        _inv("type mismatch", pos)
    return t


def _struct_field(v, r, pos, sign):
    x = r.u32()
    st = _deftype(v, x, pos, R.K_STRUCT)
    y = r.u32()
    if y >= len(st.fields):
        _inv("unknown field %d" % y, pos)
    return x, st, y, st.fields[y]


def _gc(sub, pos, v):
    r = v.r
    m = v.m
    v.feats |= F_GC | F_TYPED
    key = 0xFB00 + sub
    em = v.em
    if sub == 0 or sub == 1:              # struct.new(_default) x
        x = r.u32()
        st = _deftype(v, x, pos, R.K_STRUCT)
        pops = ()
        if sub == 0:
            pops = tuple(R.unpacked(f[0]) for f in st.fields)
            v.pops(pops)
        else:
            for f in st.fields:
                if not R.defaultable(f[0]):
                    _inv("field type is not defaultable", pos)
        t = _ref(st, False)
        v.vals.append(t)
        if v.live():
            em.op(key, x, pops, t)
    elif 2 <= sub <= 4:                   # struct.get(_s/_u) x y
        x, st, y, f = _struct_field(v, r, pos, sub)
        packed = f[0] == R.I8 or f[0] == R.I16
        if packed != (sub != 2):
            _inv("field is %s" % ("packed" if packed else "unpacked"), pos)
        rt = _ref(st, True)
        v.pop(rt)
        t = R.unpacked(f[0])
        v.vals.append(t)
        if v.live():
            em.op(key, (x, y), (rt,), t)
    elif sub == 5:                        # struct.set x y
        x, st, y, f = _struct_field(v, r, pos, sub)
        if not f[1]:
            _inv("immutable field", pos)
        rt = _ref(st, True)
        t = R.unpacked(f[0])
        v.pop(t)
        v.pop(rt)
        if v.live():
            em.op(key, (x, y), (rt, t), None)
    elif sub in (6, 7, 8, 9, 10):         # array.new, _default, _fixed, _data, _elem
        x = r.u32()
        at = _deftype(v, x, pos, R.K_ARRAY)
        et = R.unpacked(at.field[0])
        imm = x
        if sub == 6:
            pops = (et, I32)
        elif sub == 7:
            if not R.defaultable(at.field[0]):
                _inv("array type is not defaultable", pos)
            pops = (I32,)
        elif sub == 8:
            n = r.u32()
            if n > 10000:
                _inv("array.new_fixed: %d operands is too many" % n, pos)
            pops = (et,) * n
            imm = (x, n)
        elif sub == 9:
            y = r.u32()
            v.data_index(y)
            if not (et in (I32, I64, F32, F64, V128)):
                _inv("array type is not numeric or vector", pos)
            pops = (I32, I32)
            imm = (x, y)
        else:
            y = r.u32()
            if y >= len(m.elems):
                _inv("unknown elem segment %d" % y, pos)
            if not matches(elem_type(m.elems[y]), et):
                _inv("type mismatch", pos)
            pops = (I32, I32)
            imm = (x, y)
        v.pops(pops)
        t = _ref(at, False)
        v.vals.append(t)
        if v.live():
            em.op(key, imm, pops, t)
    elif 11 <= sub <= 13:                 # array.get(_s/_u) x
        x = r.u32()
        at = _deftype(v, x, pos, R.K_ARRAY)
        packed = at.field[0] == R.I8 or at.field[0] == R.I16
        if packed != (sub != 11):
            _inv("array is %s" % ("packed" if packed else "unpacked"), pos)
        rt = _ref(at, True)
        v.pop(I32)
        v.pop(rt)
        t = R.unpacked(at.field[0])
        v.vals.append(t)
        if v.live():
            em.op(key, x, (rt, I32), t)
    elif sub == 14:                       # array.set x
        x = r.u32()
        at = _deftype(v, x, pos, R.K_ARRAY)
        if not at.field[1]:
            _inv("immutable array", pos)
        rt = _ref(at, True)
        t = R.unpacked(at.field[0])
        pops = (rt, I32, t)
        v.pops(pops)
        if v.live():
            em.op(key, x, pops, None)
    elif sub == 15:                       # array.len
        v.pop(ARRAYREF)
        v.vals.append(I32)
        if v.live():
            em.op(key, None, (ARRAYREF,), I32)
    elif sub == 16:                       # array.fill x
        x = r.u32()
        at = _deftype(v, x, pos, R.K_ARRAY)
        if not at.field[1]:
            _inv("immutable array", pos)
        rt = _ref(at, True)
        pops = (rt, I32, R.unpacked(at.field[0]), I32)
        v.pops(pops)
        if v.live():
            em.op(key, x, pops, None)
    elif sub == 17:                       # array.copy x y
        x = r.u32()
        y = r.u32()
        ax = _deftype(v, x, pos, R.K_ARRAY)
        ay = _deftype(v, y, pos, R.K_ARRAY)
        if not ax.field[1]:
            _inv("immutable array", pos)
        sx = ax.field[0]
        sy = ay.field[0]
        packed = sx == R.I8 or sx == R.I16
        if (sx != sy if packed else not matches(sy, sx)):
            _inv("array types do not match", pos)
        pops = (_ref(ax, True), I32, _ref(ay, True), I32, I32)
        v.pops(pops)
        if v.live():
            em.op(key, (x, y), pops, None)
    elif sub == 18 or sub == 19:          # array.init_data / array.init_elem x y
        x = r.u32()
        y = r.u32()
        at = _deftype(v, x, pos, R.K_ARRAY)
        if not at.field[1]:
            _inv("immutable array", pos)
        et = R.unpacked(at.field[0])
        if sub == 18:
            v.data_index(y)
            if not (et in (I32, I64, F32, F64, V128)):
                _inv("array type is not numeric or vector", pos)
        else:
            if y >= len(m.elems):
                _inv("unknown elem segment %d" % y, pos)
            if not matches(elem_type(m.elems[y]), et):
                _inv("type mismatch", pos)
        pops = (_ref(at, True), I32, I32, I32)
        v.pops(pops)
        if v.live():
            em.op(key, (x, y), pops, None)
    elif 20 <= sub <= 23:                 # ref.test (null) / ref.cast (null) rt
        t = _heap_ref(v, r, sub & 1)
        top = R.top_heap(R.heap(t))
        v.pop(top)
        push = I32 if sub < 22 else t
        v.vals.append(push)
        if v.live():
            em.op(key, t, (top,), push)
    elif sub == 24 or sub == 25:          # br_on_cast(_fail) flags l rt1 rt2
        p = r.pos
        flags = r.u8()
        if flags > 3:
            _mal("malformed cast flags", p)
        d = r.u32()
        t1 = _heap_ref(v, r, flags & 1)
        t2 = _heap_ref(v, r, flags & 2)
        if not matches(t2, t1):
            _inv("type mismatch", pos)
        v.pop(t1)
        lt = v.label(d)
        if not lt:
            _inv("type mismatch", pos)
        # the value that does not take the branch
        diff = R.as_nonnull(t1) if R.nullable(t2) else t1
        if sub == 24:
            taken, rest = t2, diff
        else:
            taken, rest = diff, t2
        if not matches(taken, lt[-1]):
            _inv("type mismatch", pos)
        v.pops(lt[:-1])
        v.vals.extend(lt[:-1])
        if v.live():
            em.br_on(key, d, (t1, t2))
        v.vals.append(rest)
    elif sub == 26 or sub == 27:          # any.convert_extern, extern.convert_any
        src = EXTERNREF if sub == 26 else ANYREF
        t = v.pop(src)
        null = (not t) or R.nullable(t)
        dst = R.make_ref(ANYREF if sub == 26 else EXTERNREF, null)
        v.vals.append(dst)
        if v.live():
            em.op(key, None, (src,), dst)
    elif sub == 28:                       # ref.i31
        v.pop(I32)
        v.vals.append(I31_NN)
        if v.live():
            em.op(key, None, (I32,), I31_NN)
    elif sub == 29 or sub == 30:          # i31.get_s/u
        v.pop(I31REF)
        v.vals.append(I32)
        if v.live():
            em.op(key, None, (I31REF,), I32)
    else:
        _mal(_illegal(0xFB, sub), pos)


def const_op(m, op, imm, stack, p):
    """A GC instruction in a constant expression (validator.check_const)."""
    types = m.types

    def deft(x, kind):
        if x >= len(types):
            raise _vinv("unknown type %d" % x, p)
        t = types[x]
        if t.kind != kind:
            raise _vinv("type mismatch", p)
        return t

    def pop(want):
        if not stack or not matches(stack[-1], want):
            raise _vinv("type mismatch", p)
        return stack.pop()
    sub = op - 0xFB00
    if sub == 0 or sub == 1:
        st = deft(imm, R.K_STRUCT)
        if sub == 0:
            for f in reversed(st.fields):
                pop(R.unpacked(f[0]))
        else:
            for f in st.fields:
                if not R.defaultable(f[0]):
                    raise _vinv("field type is not defaultable", p)
        stack.append(R.ref_code(st, False))
    elif sub in (6, 7, 8):
        x = imm[0] if sub == 8 else imm
        at = deft(x, R.K_ARRAY)
        et = R.unpacked(at.field[0])
        if sub == 6:
            pop(I32)
            pop(et)
        elif sub == 7:
            if not R.defaultable(at.field[0]):
                raise _vinv("array type is not defaultable", p)
            pop(I32)
        else:
            for _ in range(imm[1]):
                pop(et)
        stack.append(R.ref_code(at, False))
    elif sub == 0x1C:
        pop(I32)
        stack.append(I31_NN)
    else:
        t = pop(EXTERNREF if sub == 0x1A else ANYREF)
        stack.append(R.make_ref(ANYREF if sub == 0x1A else EXTERNREF, R.nullable(t)))


def _vinv(msg, p):
    from .errors import ValidationError
    return ValidationError(msg, p, "validator")
