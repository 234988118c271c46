# The float module for ports whose float is a C double (config.SOFT_FLOAT =
# 0): the interface of docs/internals.md.  Imported only when a module uses
# floats, so integer-only apps do not pay for it in RAM.
#
# f64 is a Python float; f32 is a Python float whose value is exactly
# representable in binary32.  An f32 NaN with bits s|0xff|m is held as the
# double s|0x7ff|(m << 29), so the double's quiet bit is the f32 quiet bit
# and a signalling payload survives (a C float->double conversion would quiet
# it, so NaNs never go through struct 'f' or array 'f' when bits must be kept).
#
# binary32 rounding of a double goes through a one-element array('f'): a store
# rounds to nearest even, a load widens exactly.  Rounding the exact double
# result of + - * / sqrt to binary32 gives the correctly rounded binary32
# result because 53 >= 2*24 + 2.
import struct as _struct
from array import array as _array
from math import sqrt as _sqrt, copysign as _copysign
from .errors import Trap as _Trap, INT_OVERFLOW as _K_OVF, INVALID_CONV as _K_INVC

_pack_into = _struct.pack_into
_unpack_from = _struct.unpack_from

_OVF = "integer overflow"
_INVC = "invalid conversion to integer"

_B8 = bytearray(8)      # scratch for bit conversions
_F = _array('f', [0.0]) if _array else None  # binary32 rounding register
_INF = float("inf")
_pack_into('<Q', _B8, 0, 0x7ff8000000000000)
_CNAN = _unpack_from('<d', _B8, 0)[0]    # canonical NaN (f32 and f64 alike)
_T52 = 4503599627370496.0                 # 2**52: doubles above are integers
_I53 = 0x20000000000000                   # 2**53: ints up to here are exact


def f32_from_bits(u):
    u &= 0xffffffff
    if (u & 0x7f800000) == 0x7f800000 and u & 0x7fffff:
        _pack_into('<Q', _B8, 0, ((u & 0x80000000) << 32) | 0x7ff0000000000000
                   | ((u & 0x7fffff) << 29))
        return _unpack_from('<d', _B8, 0)[0]
    _pack_into('<I', _B8, 0, u)
    return _unpack_from('<f', _B8, 0)[0]


def f32_to_bits(x):
    if x != x:
        _pack_into('<d', _B8, 0, x)
        u = _unpack_from('<Q', _B8, 0)[0]
        m = (u >> 29) & 0x7fffff
        if not m:
            m = 0x400000  # payload only in bits f32 cannot hold: keep it a NaN
        return ((u >> 32) & 0x80000000) | 0x7f800000 | m
    _pack_into('<f', _B8, 0, x)
    return _unpack_from('<I', _B8, 0)[0]


def f64_from_bits(u):
    _pack_into('<Q', _B8, 0, u & 0xffffffffffffffff)
    return _unpack_from('<d', _B8, 0)[0]


def f64_to_bits(x):
    _pack_into('<d', _B8, 0, x)
    return _unpack_from('<Q', _B8, 0)[0]


def f32_reinterpret_i32(a):
    return f32_from_bits(a)


def i32_reinterpret_f32(x):
    if x != x:
        return ((f32_to_bits(x) + 0x80000000) & 0xffffffff) - 0x80000000
    _pack_into('<f', _B8, 0, x)
    return _unpack_from('<i', _B8, 0)[0]


def f64_reinterpret_i64(a):
    _pack_into('<q', _B8, 0, a)
    return _unpack_from('<d', _B8, 0)[0]


def i64_reinterpret_f64(x):
    _pack_into('<d', _B8, 0, x)
    return _unpack_from('<q', _B8, 0)[0]


def f32_from_py(x):
    if x != x:
        # a NaN keeps its payload (array 'f' would quiet a signalling one):
        # the f32 bits are the double's top bits, as held here
        return f32_from_bits(f32_to_bits(x))
    _F[0] = x
    return _F[0]


def f32_to_py(x):
    return x


def f64_from_py(x):
    return float(x)


f64_to_py = f32_to_py


def f32_load(buf, ea):
    x = _unpack_from('<f', buf, ea)[0]
    if x == x:
        return x
    return f32_from_bits(_unpack_from('<I', buf, ea)[0])


def f32_store(buf, ea, x):
    if x == x:
        _pack_into('<f', buf, ea, x)
    else:
        _pack_into('<I', buf, ea, f32_to_bits(x))


def f64_load(buf, ea):
    return _unpack_from('<d', buf, ea)[0]


def f64_store(buf, ea, x):
    _pack_into('<d', buf, ea, x)


# f64 arithmetic: the C double operations are IEEE-754 binary64 with round to
# nearest even; a NaN operand comes out quieted with its payload, an invalid
# operation gives the default (canonical) NaN: exactly wasm's NaN rules.

def f64_add(a, b):
    return a + b


def f64_sub(a, b):
    return a - b


def f64_mul(a, b):
    return a * b


def _div0(a, b):
    # b is +-0: Python raises ZeroDivisionError, IEEE gives +-inf or NaN
    if a != a:
        return a + b
    if not a:
        return _CNAN
    return _copysign(_INF, a) * _copysign(1.0, b)


def f64_div(a, b):
    if b:
        return a / b
    return _div0(a, b)


def f64_sqrt(a):
    if a < 0.0:
        return _CNAN
    return _sqrt(a)


def f64_min(a, b):
    if a < b:
        return a
    if b < a:
        return b
    if a == b:
        if a:
            return a
        return -(-a - b)  # -0 if either zero is -0
    return a + b          # a NaN: propagate it quieted


def f64_max(a, b):
    if a > b:
        return a
    if b > a:
        return b
    if a == b:
        if a:
            return a
        return a + b      # +0 unless both are -0
    return a + b


f64_copysign = _copysign


def f64_abs(a):
    return abs(a)


def f64_neg(a):
    return -a


# Rounding to integral: below 2**52 go through int (small on 64-bit ports);
# `a * 0.0` gives the zero with a's sign.  Anything else is already integral,
# infinite or NaN (`a + 0.0` quiets a signalling NaN).

def f64_trunc(a):
    if -_T52 < a < _T52:
        r = float(int(a))
        return r if r else a * 0.0
    return a + 0.0


def f64_floor(a):
    if -_T52 < a < _T52:
        r = float(int(a))
        if r > a:
            return r - 1.0
        return r if r else a * 0.0
    return a + 0.0


def f64_ceil(a):
    if -_T52 < a < _T52:
        r = float(int(a))
        if r < a:
            return r + 1.0
        return r if r else a * 0.0
    return a + 0.0


def f64_nearest(a):
    # adding 2**52 leaves no fraction bits: the FPU rounds ties to even
    if -_T52 < a < _T52:
        if a >= 0.0:
            r = (a + _T52) - _T52
        else:
            r = (a - _T52) + _T52
        return r if r else a * 0.0
    return a + 0.0


def f64_eq(a, b):
    return 1 if a == b else 0


def f64_ne(a, b):
    return 1 if a != b else 0


def f64_lt(a, b):
    return 1 if a < b else 0


def f64_gt(a, b):
    return 1 if a > b else 0


def f64_le(a, b):
    return 1 if a <= b else 0


def f64_ge(a, b):
    return 1 if a >= b else 0


# f32 arithmetic: exact double result, then one rounding to binary32.

def f32_add(a, b):
    _F[0] = a + b
    return _F[0]


def f32_sub(a, b):
    _F[0] = a - b
    return _F[0]


def f32_mul(a, b):
    _F[0] = a * b
    return _F[0]


def f32_div(a, b):
    if b:
        _F[0] = a / b
        return _F[0]
    return _div0(a, b)


def f32_sqrt(a):
    if a < 0.0:
        return _CNAN
    _F[0] = _sqrt(a)
    return _F[0]


# These give binary32 values (or quieted f32 NaNs) for binary32 inputs.
f32_min = f64_min
f32_max = f64_max
f32_copysign = f64_copysign
f32_abs = f64_abs
f32_neg = f64_neg
f32_trunc = f64_trunc
f32_floor = f64_floor
f32_ceil = f64_ceil
f32_nearest = f64_nearest
f32_eq = f64_eq
f32_ne = f64_ne
f32_lt = f64_lt
f32_gt = f64_gt
f32_le = f64_le
f32_ge = f64_ge


# float -> int.  The bounds are the first values whose truncation is out of
# range; every f32 is a double, so one function serves both widths.

def _bad_trunc(a):
    if a != a:
        return _Trap(_INVC, _K_INVC)
    return _Trap(_OVF, _K_OVF)


def i32_trunc_f64_s(a):
    if -2147483649.0 < a < 2147483648.0:
        return int(a)
    raise _bad_trunc(a)


def i32_trunc_f64_u(a):
    if -1.0 < a < 4294967296.0:
        r = int(a)
        if r > 0x7fffffff:
            r -= 0x100000000
        return r
    raise _bad_trunc(a)


def i64_trunc_f64_s(a):
    if -9223372036854775808.0 <= a < 9223372036854775808.0:
        return int(a)
    raise _bad_trunc(a)


def i64_trunc_f64_u(a):
    if -1.0 < a < 18446744073709551616.0:
        r = int(a)
        if r > 0x7fffffffffffffff:
            r -= 0x10000000000000000
        return r
    raise _bad_trunc(a)


def i32_trunc_sat_f64_s(a):
    if -2147483649.0 < a < 2147483648.0:
        return int(a)
    if a != a:
        return 0
    return -0x80000000 if a < 0.0 else 0x7fffffff


def i32_trunc_sat_f64_u(a):
    if -1.0 < a < 4294967296.0:
        r = int(a)
        if r > 0x7fffffff:
            r -= 0x100000000
        return r
    if a > 0.0:
        return -1
    return 0


def i64_trunc_sat_f64_s(a):
    if -9223372036854775808.0 <= a < 9223372036854775808.0:
        return int(a)
    if a != a:
        return 0
    return -0x8000000000000000 if a < 0.0 else 0x7fffffffffffffff


def i64_trunc_sat_f64_u(a):
    if -1.0 < a < 18446744073709551616.0:
        r = int(a)
        if r > 0x7fffffffffffffff:
            r -= 0x10000000000000000
        return r
    if a > 0.0:
        return -1
    return 0


i32_trunc_f32_s = i32_trunc_f64_s
i32_trunc_f32_u = i32_trunc_f64_u
i64_trunc_f32_s = i64_trunc_f64_s
i64_trunc_f32_u = i64_trunc_f64_u
i32_trunc_sat_f32_s = i32_trunc_sat_f64_s
i32_trunc_sat_f32_u = i32_trunc_sat_f64_u
i64_trunc_sat_f32_s = i64_trunc_sat_f64_s
i64_trunc_sat_f32_u = i64_trunc_sat_f64_u


# int -> float.  Up to 2**53 float() is exact.  Beyond, float(hi) * 2**32 +
# float(lo) rounds exactly once (both terms are exact), which does not rely on
# how the port converts big ints.

def f64_convert_i32_s(a):
    return float(a)


def f64_convert_i32_u(a):
    return float(a & 0xffffffff)


def _u64_to_f64(n):
    return float(n >> 32) * 4294967296.0 + float(n & 0xffffffff)


def f64_convert_i64_s(a):
    if -_I53 <= a <= _I53:
        return float(a)
    if a < 0:
        return -_u64_to_f64(-a)
    return _u64_to_f64(a)


def f64_convert_i64_u(a):
    if 0 <= a <= _I53:
        return float(a)
    return _u64_to_f64(a & 0xffffffffffffffff)


def f32_convert_i32_s(a):
    _F[0] = float(a)
    return _F[0]


def f32_convert_i32_u(a):
    _F[0] = float(a & 0xffffffff)
    return _F[0]


def _u64_to_f32(n):
    # n > 2**53 has its binary32 rounding bit at bit 29 or above: fold bits
    # 0..12 into a sticky bit 12, leaving <= 52 significant bits (exact as a
    # double), so the only rounding is the binary32 one.
    if n & 0x1fff:
        n = (n & -0x2000) | 0x1000
    _F[0] = float(n >> 32) * 4294967296.0 + float(n & 0xffffffff)
    return _F[0]


def f32_convert_i64_s(a):
    if -_I53 <= a <= _I53:
        _F[0] = float(a)
        return _F[0]
    if a < 0:
        return -_u64_to_f32(-a)
    return _u64_to_f32(a)


def f32_convert_i64_u(a):
    if 0 <= a <= _I53:
        _F[0] = float(a)
        return _F[0]
    return _u64_to_f32(a & 0xffffffffffffffff)


def f32_demote_f64(a):
    _F[0] = a
    return _F[0]


def f64_promote_f32(a):
    return a * 1.0   # exact; quiets a signalling NaN
