# The arithmetic of softfloat.py (see there for the value forms and NaN
# rules) on the viper routines compiled code calls (vfloat.py and the
# vfloat_w32.py / vfloat_w64.py of the machine's word size): the same bits as
# softfloat_int.py, one implementation on the board instead of two, and no
# bigint arithmetic inside an operation.  config.SOFT_FLOAT_VIPER chooses it
# where a board has a native emitter and carries those routines for aot/jit.
#
# The routines read the operation code at word 7 of an array('i') and the
# operands (f32: a word, f64 and i64: two, low first) from word 8, and leave
# the result at word 8.
import sys
from array import array
from micropython import const
from struct import pack_into as _pk, unpack_from as _up
from .vfloat import f32op as _f32op, ftrunc as _ftrunc

_W64 = const(1)
if _W64 and sys.maxsize > 0x7fffffff:
    from .vfloat_w64 import f64op as _f64op
else:
    from .vfloat_w32 import f64op as _f64op

_W = array("i", bytes(48))


def _f32(op, a, b):
    w = _W
    w[7] = op
    w[8] = a
    w[9] = b
    _f32op(w)
    return w[8]


def _f32w(op, a):
    # an f32 from a two-word operand (an i64, an f64)
    w = _W
    w[7] = op
    _pk("<q", w, 32, a)
    _f32op(w)
    return w[8]


def _f64(op, a, b):
    # f32 and i32 operands sign-extend: the routines read their low word
    w = _W
    w[7] = op
    _pk("<qq", w, 32, a, b)
    _f64op(w)
    return _up("<q", w, 32)[0]


def _trunc(op, a):
    # op: bit 0 signed, 1 to i64, 2 from f64, 3 saturating (vfloat.ftrunc)
    w = _W
    w[7] = op
    _pk("<q", w, 32, a)
    _ftrunc(w)
    if op & 2:
        return _up("<q", w, 32)[0]
    return w[8]


def f32_add(a, b):
    return _f32(0, a, b)


def f32_sub(a, b):
    return _f32(1, a, b)


def f32_mul(a, b):
    return _f32(2, a, b)


def f32_div(a, b):
    return _f32(3, a, b)


def f32_sqrt(a):
    return _f32(4, a, 0)


def f32_ceil(a):
    return _f32(7, a, 0)


def f32_floor(a):
    return _f32(8, a, 0)


def f32_trunc(a):
    return _f32(9, a, 0)


def f32_nearest(a):
    return _f32(10, a, 0)


def f64_add(a, b):
    return _f64(0, a, b)


def f64_sub(a, b):
    return _f64(1, a, b)


def f64_mul(a, b):
    return _f64(2, a, b)


def f64_div(a, b):
    return _f64(3, a, b)


def f64_sqrt(a):
    return _f64(4, a, 0)


def f64_ceil(a):
    return _f64(7, a, 0)


def f64_floor(a):
    return _f64(8, a, 0)


def f64_trunc(a):
    return _f64(9, a, 0)


def f64_nearest(a):
    return _f64(10, a, 0)


def i32_trunc_f32_s(a):
    return _trunc(1, a)


def i32_trunc_f32_u(a):
    return _trunc(0, a)


def i32_trunc_f64_s(a):
    return _trunc(5, a)


def i32_trunc_f64_u(a):
    return _trunc(4, a)


def i64_trunc_f32_s(a):
    return _trunc(3, a)


def i64_trunc_f32_u(a):
    return _trunc(2, a)


def i64_trunc_f64_s(a):
    return _trunc(7, a)


def i64_trunc_f64_u(a):
    return _trunc(6, a)


def i32_trunc_sat_f32_s(a):
    return _trunc(9, a)


def i32_trunc_sat_f32_u(a):
    return _trunc(8, a)


def i32_trunc_sat_f64_s(a):
    return _trunc(13, a)


def i32_trunc_sat_f64_u(a):
    return _trunc(12, a)


def i64_trunc_sat_f32_s(a):
    return _trunc(11, a)


def i64_trunc_sat_f32_u(a):
    return _trunc(10, a)


def i64_trunc_sat_f64_s(a):
    return _trunc(15, a)


def i64_trunc_sat_f64_u(a):
    return _trunc(14, a)


# signed i32 and i64 are the same canonical ints: the i64 forms serve both
def f32_convert_i64_s(a):
    return _f32w(22, a)


f32_convert_i32_s = f32_convert_i64_s


def f32_convert_i32_u(a):
    return _f32(21, a, 0)


def f32_convert_i64_u(a):
    return _f32w(23, a)


def f64_convert_i64_s(a):
    return _f64(28, a, 0)


f64_convert_i32_s = f64_convert_i64_s


def f64_convert_i32_u(a):
    return _f64(27, a, 0)


def f64_convert_i64_u(a):
    return _f64(29, a, 0)


def f32_demote_f64(a):
    return _f32w(24, a)


def f64_promote_f32(a):
    return _f64(25, a, 0)
