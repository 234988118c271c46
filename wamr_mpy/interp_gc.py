# Typed-reference and GC instructions on the portable interpreter (EXT
# handlers, see interp_ext.py): ref.eq, ref.as_non_null, the struct, array,
# i31, cast and extern/any conversion instructions, and the GC part of
# constant expressions.  Imported when a body or an initialiser uses them.
#
# Representation (refs.py): a struct is refs.Struct (its type and a list of
# fields), an array refs.Array (its type and a list, or a bytearray for i8
# and array('H') for i16 elements); packed values are kept unsigned.  An
# i31 is a Python int in -2**30 .. 2**30-1 (a small int on every port);
# extern.convert_any and any.convert_extern are the identity (so an
# externref that is a Python int reads as an i31 once converted: the one
# host value that does not stay opaque).

from array import array

from .errors import Trap
from .func import Func, I32, I64, F32, F64, V128, FUNCREF, EXTERNREF
from .reftypes import (ANYREF, EQREF, I31REF, STRUCTREF, ARRAYREF, EXNREF, REF_DEF,
                       is_ref)
from .refs import Struct, Array
from . import reftypes as R


def _t(msg):
    raise Trap(msg)


def _zero(st):
    if st == F32 or st == F64:
        from . import fmode
        return fmode.f32_from_bits(0) if st == F32 else fmode.f64_from_bits(0)
    if is_ref(st):
        return None
    return 0


def _store(st, v):
    """A value as a field of storage type st keeps it: packed ones wrap."""
    if st == R.I8:
        return v & 0xFF
    if st == R.I16:
        return v & 0xFFFF
    return v


def _new_elems(at, n, v):
    st = at.field[0]
    try:
        if st == R.I8:
            return bytearray(bytes((v & 0xFF,)) * n) if v & 0xFF else bytearray(n)
        if st == R.I16:
            a = array("H", bytes(2 * n))
            if v & 0xFFFF:
                for i in range(n):
                    a[i] = v & 0xFFFF
            return a
        return [v] * n
    except (MemoryError, OverflowError, ValueError):
        _t("out of memory: array of %d elements" % n)


def _get(st, v, signed):
    if st == R.I8:
        return v - 256 if signed and v > 127 else v
    if st == R.I16:
        return v - 65536 if signed and v > 32767 else v
    return v


def is_i31(v):
    return isinstance(v, int) and not isinstance(v, bool)


def test(v, t):
    """ref.test: value v has reference type t (a code)."""
    if v is None:
        return R.nullable(t)
    h = R.heap(t)
    if h >= REF_DEF:
        tt = R.deftype(h)
        if tt.kind == R.K_FUNC:
            return isinstance(v, Func) and (v.type.key == tt.key or R.type_sub(v.type, tt))
        if isinstance(v, Struct) or isinstance(v, Array):
            return R.type_sub(v.t, tt)
        return False
    if h == ANYREF or h == FUNCREF or h == EXTERNREF or h == EXNREF:
        return True
    if h == EQREF:
        return isinstance(v, Struct) or isinstance(v, Array) or is_i31(v)
    if h == I31REF:
        return is_i31(v)
    if h == STRUCTREF:
        return isinstance(v, Struct)
    if h == ARRAYREF:
        return isinstance(v, Array)
    return False      # the bottom types hold only null


# Each is fn(inst, s, fp, imm, imm2, d, a, b, c); a/b/c/d are frame
# slots, and for the instructions with more operands (B below) `a` is the
# first of them in consecutive slots.

def _ref_eq(inst, s, fp, imm, imm2, d, a, b, c):
    x = s[fp + a]
    y = s[fp + b]
    s[fp + d] = 1 if x is y or (is_i31(x) and x == y) else 0


def _as_non_null(inst, s, fp, imm, imm2, d, a, b, c):
    v = s[fp + a]
    if v is None:
        _t("null reference")
    s[fp + d] = v


def _struct_new(inst, s, fp, imm, imm2, d, a, b, c):     # B
    st = inst.module.types[imm]
    fs = st.fields
    f = s[fp + a:fp + a + len(fs)]
    for i in range(len(fs)):
        if fs[i][0] == R.I8 or fs[i][0] == R.I16:
            f[i] = _store(fs[i][0], f[i])
    s[fp + d] = Struct(st, f)


def _struct_new_default(inst, s, fp, imm, imm2, d, a, b, c):
    st = inst.module.types[imm]
    s[fp + d] = Struct(st, [_zero(f[0]) for f in st.fields])


def _struct_obj(s, fp, a):
    o = s[fp + a]
    if o is None:
        _t("null structure reference")
    return o


def _struct_get(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = _struct_obj(s, fp, a).f[imm2]


def _struct_get_s(inst, s, fp, imm, imm2, d, a, b, c):
    o = _struct_obj(s, fp, a)
    s[fp + d] = _get(o.t.fields[imm2][0], o.f[imm2], True)


def _struct_set(inst, s, fp, imm, imm2, d, a, b, c):
    o = _struct_obj(s, fp, a)
    o.f[imm2] = _store(o.t.fields[imm2][0], s[fp + b])


def _u32(v):
    return v + 0x100000000 if v < 0 else v


def _array_new(inst, s, fp, imm, imm2, d, a, b, c):
    at = inst.module.types[imm]
    s[fp + d] = Array(at, _new_elems(at, _u32(s[fp + b]), s[fp + a]))


def _array_new_default(inst, s, fp, imm, imm2, d, a, b, c):
    at = inst.module.types[imm]
    s[fp + d] = Array(at, _new_elems(at, _u32(s[fp + a]), _zero(at.field[0])))


def _array_new_fixed(inst, s, fp, imm, imm2, d, a, b, c):     # B
    at = inst.module.types[imm]
    vals = s[fp + a:fp + a + imm2]
    e = _new_elems(at, imm2, 0)
    st = at.field[0]
    for i in range(imm2):
        e[i] = _store(st, vals[i])
    s[fp + d] = Array(at, e)


def _data_elems(inst, at, seg, off, n):
    """n elements of storage type at.field[0] read from data bytes seg at
    byte offset off."""
    st = at.field[0]
    size = R.storage_size(st)
    if off + n * size > len(seg):
        _t("out of bounds memory access")
    if st == R.I8:
        return bytearray(seg[off:off + n])
    from struct import unpack_from
    if st == R.I16:
        e = array("H", bytes(2 * n))
        for i in range(n):
            e[i] = unpack_from("<H", seg, off + 2 * i)[0]
        return e
    if st == I32:
        return [unpack_from("<i", seg, off + 4 * i)[0] for i in range(n)]
    if st == I64:
        return [unpack_from("<q", seg, off + 8 * i)[0] for i in range(n)]
    if st == V128:
        return [int.from_bytes(seg[off + 16 * i:off + 16 * i + 16], "little") for i in range(n)]
    from . import fmode
    ld = fmode.f32_load if st == F32 else fmode.f64_load
    return [ld(seg, off + size * i) for i in range(n)]


def _array_new_data(inst, s, fp, imm, imm2, d, a, b, c):
    at = inst.module.types[imm]
    off = _u32(s[fp + a])
    n = _u32(s[fp + b])
    s[fp + d] = Array(at, _data_elems(inst, at, inst.datas[imm2], off, n))


def _array_new_elem(inst, s, fp, imm, imm2, d, a, b, c):
    at = inst.module.types[imm]
    seg = inst.elem_segs[imm2]
    off = _u32(s[fp + a])
    n = _u32(s[fp + b])
    if off + n > len(seg):
        _t("out of bounds table access")
    s[fp + d] = Array(at, list(seg[off:off + n]))


def _array_obj(s, fp, a):
    o = s[fp + a]
    if o is None:
        _t("null array reference")
    return o


def _index(o, i, n=1):
    if i < 0:
        i += 0x100000000
    if i + n > len(o.a):
        _t("out of bounds array access")
    return i


def _array_get(inst, s, fp, imm, imm2, d, a, b, c):
    o = _array_obj(s, fp, a)
    s[fp + d] = o.a[_index(o, s[fp + b])]


def _array_get_s(inst, s, fp, imm, imm2, d, a, b, c):
    o = _array_obj(s, fp, a)
    s[fp + d] = _get(o.t.field[0], o.a[_index(o, s[fp + b])], True)


def _array_set(inst, s, fp, imm, imm2, d, a, b, c):
    o = _array_obj(s, fp, a)
    o.a[_index(o, s[fp + b])] = _store(o.t.field[0], s[fp + c])


def _array_len(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = len(_array_obj(s, fp, a).a)


def _array_fill(inst, s, fp, imm, imm2, d, a, b, c):     # B: ref off val n
    o = _array_obj(s, fp, a)
    n = _u32(s[fp + a + 3])
    i = _index(o, s[fp + a + 1], n)
    v = _store(o.t.field[0], s[fp + a + 2])
    e = o.a
    for k in range(i, i + n):
        e[k] = v


def _array_copy(inst, s, fp, imm, imm2, d, a, b, c):     # B: dst doff src soff n
    dst = _array_obj(s, fp, a)
    src = _array_obj(s, fp, a + 2)
    n = _u32(s[fp + a + 4])
    di = _index(dst, s[fp + a + 1], n)
    si = _index(src, s[fp + a + 3], n)
    if n:
        dst.a[di:di + n] = src.a[si:si + n]


def _array_init_data(inst, s, fp, imm, imm2, d, a, b, c):     # B: ref doff soff n
    o = _array_obj(s, fp, a)
    n = _u32(s[fp + a + 3])
    di = _index(o, s[fp + a + 1], n)
    e = _data_elems(inst, o.t, inst.datas[imm2], _u32(s[fp + a + 2]), n)
    if n:
        o.a[di:di + n] = e


def _array_init_elem(inst, s, fp, imm, imm2, d, a, b, c):     # B: ref doff soff n
    o = _array_obj(s, fp, a)
    n = _u32(s[fp + a + 3])
    di = _index(o, s[fp + a + 1], n)
    seg = inst.elem_segs[imm2]
    si = _u32(s[fp + a + 2])
    if si + n > len(seg):
        _t("out of bounds table access")
    if n:
        o.a[di:di + n] = seg[si:si + n]


def _ref_test(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = 1 if test(s[fp + a], imm) else 0


def _ref_test_not(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = 0 if test(s[fp + a], imm) else 1


def _ref_cast(inst, s, fp, imm, imm2, d, a, b, c):
    v = s[fp + a]
    if not test(v, imm):
        _t("cast failure")
    s[fp + d] = v


def _convert(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = s[fp + a]


def _ref_i31(inst, s, fp, imm, imm2, d, a, b, c):
    v = s[fp + a] & 0x7FFFFFFF
    s[fp + d] = v - 0x80000000 if v & 0x40000000 else v


def _i31_get_s(inst, s, fp, imm, imm2, d, a, b, c):
    v = s[fp + a]
    if v is None:
        _t("null i31 reference")
    s[fp + d] = v


def _i31_get_u(inst, s, fp, imm, imm2, d, a, b, c):
    v = s[fp + a]
    if v is None:
        _t("null i31 reference")
    s[fp + d] = v & 0x7FFFFFFF


_EXT = {
    0xD3: _ref_eq, 0xD4: _as_non_null,
    0xFB00: _struct_new, 0xFB01: _struct_new_default, 0xFB02: _struct_get,
    0xFB03: _struct_get_s, 0xFB04: _struct_get, 0xFB05: _struct_set,
    0xFB06: _array_new, 0xFB07: _array_new_default, 0xFB08: _array_new_fixed,
    0xFB09: _array_new_data, 0xFB0A: _array_new_elem, 0xFB0B: _array_get,
    0xFB0C: _array_get_s, 0xFB0D: _array_get, 0xFB0E: _array_set, 0xFB0F: _array_len,
    0xFB10: _array_fill, 0xFB11: _array_copy, 0xFB12: _array_init_data,
    0xFB13: _array_init_elem, 0xFB14: _ref_test, 0xFB15: _ref_test,
    0xFB16: _ref_cast, 0xFB17: _ref_cast, 0xFB1A: _convert, 0xFB1B: _convert,
    0xFB1C: _ref_i31, 0xFB1D: _i31_get_s, 0xFB1E: _i31_get_u,
    0x1FB14: _ref_test_not,
}

# The instructions whose operands the emitter puts in consecutive slots
# (more than three, or as many as a type says).
BASED = (0xFB00, 0xFB08, 0xFB10, 0xFB11, 0xFB12, 0xFB13)


def ext_fn(op):
    return _EXT[op]


def const_op(inst, op, imm, st):
    """A GC instruction of a constant expression, on the value stack st
    (instance.eval_const): pops its operands, returns its value."""
    types = inst.module.types
    sub = op - 0xFB00
    if sub == 0 or sub == 1:
        t = types[imm]
        fs = t.fields
        if sub == 0:
            n = len(fs)
            f = st[len(st) - n:]
            del st[len(st) - n:]
            for i in range(n):
                f[i] = _store(fs[i][0], f[i])
        else:
            f = [_zero(x[0]) for x in fs]
        return Struct(t, f)
    if sub == 6:
        n = _u32(st.pop())
        v = st.pop()
        t = types[imm]
        return Array(t, _new_elems(t, n, v))
    if sub == 7:
        t = types[imm]
        return Array(t, _new_elems(t, _u32(st.pop()), _zero(t.field[0])))
    if sub == 8:
        t = types[imm[0]]
        n = imm[1]
        vals = st[len(st) - n:]
        del st[len(st) - n:]
        e = _new_elems(t, n, 0)
        for i in range(n):
            e[i] = _store(t.field[0], vals[i])
        return Array(t, e)
    if sub == 0x1C:
        v = st.pop() & 0x7FFFFFFF
        return v - 0x80000000 if v & 0x40000000 else v
    return st.pop()       # any.convert_extern, extern.convert_any
