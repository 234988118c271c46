# Numeric layer, part 2: the soft float module (config.SOFT_FLOAT = 1) for
# ports whose `float` is binary32.  Same interface as the float part of
# numeric.py (docs/internals.md), but values are bit patterns: an f32 is its
# bits as a signed i32-canonical int, an f64 its bits as a signed
# i64-canonical int.  Every operation gives the exact IEEE-754 result (round
# to nearest even, subnormals, infinities) without Python floats, which
# appear only at the embedding boundary (*_from_py / *_to_py).
#
# NaN rules (wasm): an operation on NaN inputs returns the first NaN input
# with its quiet bit set (canonical stays canonical); an invalid operation
# returns the positive canonical NaN.
#
# Here: what works on the bits alone.  The arithmetic (add .. sqrt,
# rounding, conversions, demote/promote) comes from one of two modules with
# the same names and results: softfloat_int.py (Python ints, any port), or
# softfloat_viper.py (compiled code's viper routines, where a board carries
# them anyway: config.SOFT_FLOAT_VIPER), so a board has one soft float.
import struct as _struct
from . import config as _config

_pack_into = _struct.pack_into
_unpack_from = _struct.unpack_from

_B8 = bytearray(8)

# Is the port's float a double?  (A binary32 float cannot tell these apart.)
_DOUBLE = float("1.0000000001") != 1.0

# ------------------------------------------------------------------- bits

def f32_from_bits(u):
    return ((u + 0x80000000) & 0xffffffff) - 0x80000000


def f32_to_bits(a):
    return a & 0xffffffff


def f64_from_bits(u):
    return ((u + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def f64_to_bits(a):
    return a & 0xffffffffffffffff


def f32_reinterpret_i32(a):
    return a


i32_reinterpret_f32 = f64_reinterpret_i64 = i64_reinterpret_f64 = f32_reinterpret_i32


def f32_load(buf, ea):
    return _unpack_from('<i', buf, ea)[0]


def f32_store(buf, ea, a):
    _pack_into('<i', buf, ea, a)


def f64_load(buf, ea):
    return _unpack_from('<q', buf, ea)[0]


def f64_store(buf, ea, a):
    _pack_into('<q', buf, ea, a)


# The Python value of an f32 NaN s|0xff|m is the double s|0x7ff|(m << 29)
# where float is a double (docs/embedding.md): struct 'f' would quiet a
# signalling NaN on the way, so NaNs are converted on their bits.

def f32_from_py(x):
    if _DOUBLE and x != x:
        _pack_into('<d', _B8, 0, x)
        u = _unpack_from('<Q', _B8, 0)[0]
        m = (u >> 29) & 0x7fffff
        return f32_from_bits(((u >> 32) & 0x80000000) | 0x7f800000 | (m or 0x400000))
    # struct 'f' rounds a double to nearest binary32; a binary32 is exact
    _pack_into('<f', _B8, 0, x)
    return _unpack_from('<i', _B8, 0)[0]


def f32_to_py(a):
    if _DOUBLE and a & 0x7f800000 == 0x7f800000 and a & 0x7fffff:
        _pack_into('<Q', _B8, 0, (0x8000000000000000 if a < 0 else 0) |
                   0x7ff0000000000000 | ((a & 0x7fffff) << 29))
        return _unpack_from('<d', _B8, 0)[0]
    _pack_into('<i', _B8, 0, a)
    return _unpack_from('<f', _B8, 0)[0]


def f64_from_py(x):
    if _DOUBLE:
        _pack_into('<d', _B8, 0, x)
        return _unpack_from('<q', _B8, 0)[0]
    return f64_promote_f32(f32_from_py(x))


def f64_to_py(a):
    if _DOUBLE:
        _pack_into('<q', _B8, 0, a)
        return _unpack_from('<d', _B8, 0)[0]
    return f32_to_py(f32_demote_f64(a))


# ------------------------------------------------------------ sign bit ops

def f32_abs(a):
    return a & 0x7fffffff


def f64_abs(a):
    return a & 0x7fffffffffffffff


def f32_neg(a):
    return a ^ -0x80000000


def f64_neg(a):
    return a ^ -0x8000000000000000


def f32_copysign(a, b):
    a &= 0x7fffffff
    return a - 0x80000000 if b < 0 else a


def f64_copysign(a, b):
    a &= 0x7fffffffffffffff
    return a - 0x8000000000000000 if b < 0 else a


# ------------------------------------------------------------- comparisons
# A NaN has magnitude bits above infinity's.  Ordering key of a non-NaN:
# its magnitude, negated when the sign bit is set (so -0 == +0).

def f32_eq(a, b):
    if (a & 0x7fffffff) > 0x7f800000 or (b & 0x7fffffff) > 0x7f800000:
        return 0
    if a == b or not ((a | b) & 0x7fffffff):
        return 1
    return 0


def f32_ne(a, b):
    return 1 - f32_eq(a, b)


def f32_lt(a, b):
    x = a & 0x7fffffff
    y = b & 0x7fffffff
    if x > 0x7f800000 or y > 0x7f800000:
        return 0
    if a < 0:
        x = -x
    if b < 0:
        y = -y
    return 1 if x < y else 0


def f32_le(a, b):
    x = a & 0x7fffffff
    y = b & 0x7fffffff
    if x > 0x7f800000 or y > 0x7f800000:
        return 0
    if a < 0:
        x = -x
    if b < 0:
        y = -y
    return 1 if x <= y else 0


def f32_gt(a, b):
    return f32_lt(b, a)


def f32_ge(a, b):
    return f32_le(b, a)


def f64_eq(a, b):
    if ((a & 0x7fffffffffffffff) > 0x7ff0000000000000
            or (b & 0x7fffffffffffffff) > 0x7ff0000000000000):
        return 0
    if a == b or not ((a | b) & 0x7fffffffffffffff):
        return 1
    return 0


def f64_ne(a, b):
    return 1 - f64_eq(a, b)


def f64_lt(a, b):
    x = a & 0x7fffffffffffffff
    y = b & 0x7fffffffffffffff
    if x > 0x7ff0000000000000 or y > 0x7ff0000000000000:
        return 0
    if a < 0:
        x = -x
    if b < 0:
        y = -y
    return 1 if x < y else 0


def f64_le(a, b):
    x = a & 0x7fffffffffffffff
    y = b & 0x7fffffffffffffff
    if x > 0x7ff0000000000000 or y > 0x7ff0000000000000:
        return 0
    if a < 0:
        x = -x
    if b < 0:
        y = -y
    return 1 if x <= y else 0


def f64_gt(a, b):
    return f64_lt(b, a)


def f64_ge(a, b):
    return f64_le(b, a)


# min/max: a NaN operand propagates quieted; -0 < +0.  Key: the bit pattern
# for a positive value, the pattern with the magnitude bits flipped for a
# negative one (-0 -> -1, more negative -> smaller).

def f32_min(a, b):
    x = a & 0x7fffffff
    if x > 0x7f800000:
        return a | 0x400000
    if (b & 0x7fffffff) > 0x7f800000:
        return b | 0x400000
    if (a if a >= 0 else a ^ 0x7fffffff) <= (b if b >= 0 else b ^ 0x7fffffff):
        return a
    return b


def f32_max(a, b):
    x = a & 0x7fffffff
    if x > 0x7f800000:
        return a | 0x400000
    if (b & 0x7fffffff) > 0x7f800000:
        return b | 0x400000
    if (a if a >= 0 else a ^ 0x7fffffff) >= (b if b >= 0 else b ^ 0x7fffffff):
        return a
    return b


def f64_min(a, b):
    if (a & 0x7fffffffffffffff) > 0x7ff0000000000000:
        return a | 0x8000000000000
    if (b & 0x7fffffffffffffff) > 0x7ff0000000000000:
        return b | 0x8000000000000
    if ((a if a >= 0 else a ^ 0x7fffffffffffffff)
            <= (b if b >= 0 else b ^ 0x7fffffffffffffff)):
        return a
    return b


def f64_max(a, b):
    if (a & 0x7fffffffffffffff) > 0x7ff0000000000000:
        return a | 0x8000000000000
    if (b & 0x7fffffffffffffff) > 0x7ff0000000000000:
        return b | 0x8000000000000
    if ((a if a >= 0 else a ^ 0x7fffffffffffffff)
            >= (b if b >= 0 else b ^ 0x7fffffffffffffff)):
        return a
    return b


# -------------------------------------------------------------- arithmetic
if _config.SOFT_FLOAT_VIPER:
    from .softfloat_viper import *  # noqa: F401,F403
else:
    from .softfloat_int import *  # noqa: F401,F403
