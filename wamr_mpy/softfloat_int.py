# The arithmetic of softfloat.py (see there for the value forms and NaN
# rules) in integer arithmetic on Python ints, for any port: no viper, and
# bigints for f64 (and u32 patterns) on 32-bit ports.
#
# A finite nonzero value is handled as m * 2**e with an integer significand m.
# _pack32/_pack64 round such a value to the format; callers hand them either
# the exact m, or an m whose bit 0 is a "sticky" bit standing for a nonzero
# remainder, with at least two bits below the rounding point.
from .errors import Trap as _Trap, INT_OVERFLOW as _K_OVF, INVALID_CONV as _K_INVC

_INVC = "invalid conversion to integer"
_OVF = "integer overflow"

# _BL[i]: number of significant bits of i
_BL = bytearray(256)
for _i in range(1, 256):
    _BL[_i] = _BL[_i >> 1] + 1
del _i


def _nbits(x):
    # significant bits of x >= 0 (MicroPython has no int.bit_length);
    # compares before shifting so a big x is shifted (allocated) rarely
    n = 0
    while x >= 0x10000000000000000:
        x >>= 64
        n += 64
    if x >= 0x100000000:
        x >>= 32
        n += 32
    if x >= 0x10000:
        x >>= 16
        n += 16
    if x >= 0x100:
        x >>= 8
        n += 8
    return n + _BL[x]


def _rne(m, sh):
    # m / 2**sh rounded to nearest, ties to even (sh > 0)
    q = m >> sh
    m -= q << sh
    sh = 1 << (sh - 1)
    if m > sh or (m == sh and q & 1):
        q += 1
    return q


# Frames: MicroPython puts a call's locals and value stack on the C stack
# only up to 11 slots; a bigger frame is allocated on the heap at every call,
# which, mixed with the bigint allocations here, costs 10x or more.  So the
# operations below are split into small functions (checked by
# tests/test_softfloat.py::test_frames_fit_on_the_c_stack).

def _pack32(neg, m, e):
    # binary32 nearest to m * 2**e (m > 0), as signed canonical bits
    n = _nbits(m)
    sh = n - 24
    if sh < -149 - e:
        sh = -149 - e
    if sh > 0:
        if sh > n:
            return -0x80000000 if neg else 0
        m = _rne(m, sh)
    else:
        m <<= -sh
    # m in [2**23, 2**24] at a normal exponent, or < 2**23 at the subnormal
    # one; adding it carries into the exponent field exactly as needed.
    m += (e + sh + 149) << 23
    if m >= 0x7f800000:
        m = 0x7f800000
    return m - 0x80000000 if neg else m


def _pack64(neg, m, e):
    n = _nbits(m)
    sh = n - 53
    if sh < -1074 - e:
        sh = -1074 - e
    if sh > 0:
        if sh > n:
            return -0x8000000000000000 if neg else 0
        m = _rne(m, sh)
    else:
        m <<= -sh
    m += (e + sh + 1074) << 52
    if m >= 0x7ff0000000000000:
        m = 0x7ff0000000000000
    return m - 0x8000000000000000 if neg else m


def _isqrt(n):
    # floor(sqrt(n)) for n > 0, Newton's method from above
    x = 1 << ((_nbits(n) + 1) >> 1)
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            return x
        x = y


# -------------------------------------------------------------- arithmetic
# f32_op/f64_op sort out NaN, infinity and zero operands (in _xop32/_xop64)
# and hand the magnitudes of finite nonzero operands to _op32/_op64.

def _addx32(a, b, x, y):
    if x > 0x7f800000:
        return a | 0x400000
    if y > 0x7f800000:
        return b | 0x400000
    if x == y and (a ^ b) < 0:
        return 0x7fc00000               # inf - inf
    return a if x == 0x7f800000 else b


def _add32(neg, sub, x, y):
    # x >= y > 0; a value is m * 2**(E - 150) with E >= 1
    e = x >> 23
    x &= 0x7fffff
    if e:
        x |= 0x800000
    else:
        e = 1
    d = y >> 23
    y &= 0x7fffff
    if d:
        y |= 0x800000
    else:
        d = 1
    d = e - d
    if d > 27:
        # y lies wholly below x's rounding bits: only its stickiness counts
        y = 1
        d = 27
    if sub:
        x = (x << d) - y
        if not x:
            return 0
    else:
        x = (x << d) + y
    return _pack32(neg, x, e - d - 150)


def f32_add(a, b):
    x = a & 0x7fffffff
    y = b & 0x7fffffff
    if x >= 0x7f800000 or y >= 0x7f800000:
        return _addx32(a, b, x, y)
    if not y:
        if not x:
            return a & b                # -0 only if both are -0
        return a
    if not x:
        return b
    if x < y:
        return _add32(b < 0, (a ^ b) < 0, y, x)
    return _add32(a < 0, (a ^ b) < 0, x, y)


def f32_sub(a, b):
    return f32_add(a, b ^ -0x80000000)


def _addx64(a, b, x, y):
    if x > 0x7ff0000000000000:
        return a | 0x8000000000000
    if y > 0x7ff0000000000000:
        return b | 0x8000000000000
    if x == y and (a ^ b) < 0:
        return 0x7ff8000000000000
    return a if x == 0x7ff0000000000000 else b


def _add64(neg, sub, x, y):
    e = x >> 52
    x &= 0xfffffffffffff
    if e:
        x |= 0x10000000000000
    else:
        e = 1
    d = y >> 52
    y &= 0xfffffffffffff
    if d:
        y |= 0x10000000000000
    else:
        d = 1
    d = e - d
    if d > 56:
        y = 1
        d = 56
    if sub:
        x = (x << d) - y
        if not x:
            return 0
    else:
        x = (x << d) + y
    return _pack64(neg, x, e - d - 1075)


def f64_add(a, b):
    x = a & 0x7fffffffffffffff
    y = b & 0x7fffffffffffffff
    if x >= 0x7ff0000000000000 or y >= 0x7ff0000000000000:
        return _addx64(a, b, x, y)
    if not y:
        if not x:
            return a & b
        return a
    if not x:
        return b
    if x < y:
        return _add64(b < 0, (a ^ b) < 0, y, x)
    return _add64(a < 0, (a ^ b) < 0, x, y)


def f64_sub(a, b):
    return f64_add(a, b ^ -0x8000000000000000)


def _mulx32(a, b, x, y):
    if x > 0x7f800000:
        return a | 0x400000
    if y > 0x7f800000:
        return b | 0x400000
    if x == 0x7f800000 or y == 0x7f800000:
        if not x or not y:
            return 0x7fc00000           # inf * 0
        return -0x800000 if (a ^ b) < 0 else 0x7f800000
    return -0x80000000 if (a ^ b) < 0 else 0


def _mul32(neg, x, y):
    e = x >> 23
    x &= 0x7fffff
    if e:
        x |= 0x800000
    else:
        e = 1
    d = y >> 23
    y &= 0x7fffff
    if d:
        y |= 0x800000
    else:
        d = 1
    return _pack32(neg, x * y, e + d - 300)


def f32_mul(a, b):
    x = a & 0x7fffffff
    y = b & 0x7fffffff
    if x >= 0x7f800000 or y >= 0x7f800000 or not x or not y:
        return _mulx32(a, b, x, y)
    return _mul32((a ^ b) < 0, x, y)


def _mulx64(a, b, x, y):
    if x > 0x7ff0000000000000:
        return a | 0x8000000000000
    if y > 0x7ff0000000000000:
        return b | 0x8000000000000
    if x == 0x7ff0000000000000 or y == 0x7ff0000000000000:
        if not x or not y:
            return 0x7ff8000000000000
        return -0x10000000000000 if (a ^ b) < 0 else 0x7ff0000000000000
    return -0x8000000000000000 if (a ^ b) < 0 else 0


def _mul64(neg, x, y):
    e = x >> 52
    x &= 0xfffffffffffff
    if e:
        x |= 0x10000000000000
    else:
        e = 1
    d = y >> 52
    y &= 0xfffffffffffff
    if d:
        y |= 0x10000000000000
    else:
        d = 1
    return _pack64(neg, x * y, e + d - 2150)


def f64_mul(a, b):
    x = a & 0x7fffffffffffffff
    y = b & 0x7fffffffffffffff
    if x >= 0x7ff0000000000000 or y >= 0x7ff0000000000000 or not x or not y:
        return _mulx64(a, b, x, y)
    return _mul64((a ^ b) < 0, x, y)


def _divx32(a, b, x, y):
    if x > 0x7f800000:
        return a | 0x400000
    if y > 0x7f800000:
        return b | 0x400000
    if x == y:
        return 0x7fc00000               # inf / inf, 0 / 0
    if x == 0x7f800000 or not y:
        return -0x800000 if (a ^ b) < 0 else 0x7f800000
    return -0x80000000 if (a ^ b) < 0 else 0


def _div32(neg, x, y):
    # subnormals are normalised to 24 bits so the quotient has >= 26 bits
    e = x >> 23
    x &= 0x7fffff
    if e:
        x |= 0x800000
    else:
        e = _nbits(x) - 23
        x <<= 1 - e
    d = y >> 23
    y &= 0x7fffff
    if d:
        y |= 0x800000
    else:
        d = _nbits(y) - 23
        y <<= 1 - d
    x <<= 26
    q = x // y
    if q * y != x:
        q |= 1                          # sticky: inexact
    return _pack32(neg, q, e - d - 26)


def f32_div(a, b):
    x = a & 0x7fffffff
    y = b & 0x7fffffff
    if x >= 0x7f800000 or y >= 0x7f800000 or not x or not y:
        return _divx32(a, b, x, y)
    return _div32((a ^ b) < 0, x, y)


def _divx64(a, b, x, y):
    if x > 0x7ff0000000000000:
        return a | 0x8000000000000
    if y > 0x7ff0000000000000:
        return b | 0x8000000000000
    if x == y:
        return 0x7ff8000000000000
    if x == 0x7ff0000000000000 or not y:
        return -0x10000000000000 if (a ^ b) < 0 else 0x7ff0000000000000
    return -0x8000000000000000 if (a ^ b) < 0 else 0


def _div64(neg, x, y):
    e = x >> 52
    x &= 0xfffffffffffff
    if e:
        x |= 0x10000000000000
    else:
        e = _nbits(x) - 52
        x <<= 1 - e
    d = y >> 52
    y &= 0xfffffffffffff
    if d:
        y |= 0x10000000000000
    else:
        d = _nbits(y) - 52
        y <<= 1 - d
    x <<= 55
    q = x // y
    if q * y != x:
        q |= 1
    return _pack64(neg, q, e - d - 55)


def f64_div(a, b):
    x = a & 0x7fffffffffffffff
    y = b & 0x7fffffffffffffff
    if x >= 0x7ff0000000000000 or y >= 0x7ff0000000000000 or not x or not y:
        return _divx64(a, b, x, y)
    return _div64((a ^ b) < 0, x, y)


def f32_sqrt(a):
    if a <= 0:
        if a == -0x80000000 or not a:
            return a                    # +-0
        if a > -0x800000:
            return a | 0x400000         # negative NaN
        return 0x7fc00000               # negative number or -inf
    if a >= 0x7f800000:
        if a > 0x7f800000:
            return a | 0x400000
        return a                        # +inf
    e = a >> 23
    m = a & 0x7fffff
    if e:
        m |= 0x800000
    else:
        k = 24 - _nbits(m)
        m <<= k
        e = 1 - k
    e -= 150
    if e & 1:
        m <<= 1
        e -= 1
    m <<= 30                            # root gets >= 27 bits
    r = _isqrt(m)
    if r * r != m:
        r |= 1
    return _pack32(False, r, (e - 30) >> 1)


def f64_sqrt(a):
    if a <= 0:
        if a == -0x8000000000000000 or not a:
            return a
        if a > -0x10000000000000:
            return a | 0x8000000000000  # negative NaN
        return 0x7ff8000000000000
    if a >= 0x7ff0000000000000:
        if a > 0x7ff0000000000000:
            return a | 0x8000000000000
        return a
    e = a >> 52
    m = a & 0xfffffffffffff
    if e:
        m |= 0x10000000000000
    else:
        k = 53 - _nbits(m)
        m <<= k
        e = 1 - k
    e -= 1075
    if e & 1:
        m <<= 1
        e -= 1
    m <<= 60                            # root gets >= 56 bits
    r = _isqrt(m)
    if r * r != m:
        r |= 1
    return _pack64(False, r, (e - 60) >> 1)


# -------------------------------------------------- rounding to integral
# Work on the magnitude bits: the fraction bits are the low (bias+mant-E)
# bits; adding one unit at that position carries into the exponent when
# needed, so the bit pattern arithmetic is exact.  mode: 0 trunc, 1 toward
# +inf, 2 toward -inf, 3 nearest even.

def _round32(a, mode):
    x = a & 0x7fffffff
    e = x >> 23
    if e >= 150:
        if x > 0x7f800000:
            return a | 0x400000
        return a
    neg = a < 0
    if e < 127:
        # |a| < 1
        if not x:
            return a
        if mode == 3:
            x = 0x3f800000 if x > 0x3f000000 else 0
        elif mode == 1:
            x = 0 if neg else 0x3f800000
        elif mode == 2:
            x = 0x3f800000 if neg else 0
        else:
            x = 0
    else:
        k = 150 - e
        f = x & ((1 << k) - 1)
        if f:
            x -= f
            if mode == 3:
                h = 1 << (k - 1)
                if f > h or (f == h and x & (1 << k)):
                    x += 1 << k
            elif (mode == 1 and not neg) or (mode == 2 and neg):
                x += 1 << k
    return x - 0x80000000 if neg else x


def _round64(a, mode):
    x = a & 0x7fffffffffffffff
    e = x >> 52
    if e >= 1075:
        if x > 0x7ff0000000000000:
            return a | 0x8000000000000
        return a
    neg = a < 0
    if e < 1023:
        if not x:
            return a
        if mode == 3:
            x = 0x3ff0000000000000 if x > 0x3fe0000000000000 else 0
        elif mode == 1:
            x = 0 if neg else 0x3ff0000000000000
        elif mode == 2:
            x = 0x3ff0000000000000 if neg else 0
        else:
            x = 0
    else:
        k = 1075 - e
        f = x & ((1 << k) - 1)
        if f:
            x -= f
            if mode == 3:
                h = 1 << (k - 1)
                if f > h or (f == h and x & (1 << k)):
                    x += 1 << k
            elif (mode == 1 and not neg) or (mode == 2 and neg):
                x += 1 << k
    return x - 0x8000000000000000 if neg else x


def f32_trunc(a):
    return _round32(a, 0)


def f32_ceil(a):
    return _round32(a, 1)


def f32_floor(a):
    return _round32(a, 2)


def f32_nearest(a):
    return _round32(a, 3)


def f64_trunc(a):
    return _round64(a, 0)


def f64_ceil(a):
    return _round64(a, 1)


def f64_floor(a):
    return _round64(a, 2)


def f64_nearest(a):
    return _round64(a, 3)


# ----------------------------------------------------------- float -> int
# _int32/_int64: the value truncated toward zero as a Python int; None for a
# NaN; magnitudes of 2**64 and above (and infinities) come out as +-2**64,
# which is out of range for every target.

def _int32(a):
    x = a & 0x7fffffff
    e = x >> 23
    if e < 127:
        return 0
    if e >= 191:
        if x > 0x7f800000:
            return None
        r = 0x10000000000000000
    else:
        m = (x & 0x7fffff) | 0x800000
        r = m >> (150 - e) if e < 150 else m << (e - 150)
    return -r if a < 0 else r


def _int64(a):
    x = a & 0x7fffffffffffffff
    e = x >> 52
    if e < 1023:
        return 0
    if e >= 1087:
        if x > 0x7ff0000000000000:
            return None
        r = 0x10000000000000000
    else:
        m = (x & 0xfffffffffffff) | 0x10000000000000
        r = m >> (1075 - e) if e < 1075 else m << (e - 1075)
    return -r if a < 0 else r


def _to_i32_s(r):
    if r is None:
        raise _Trap(_INVC, _K_INVC)
    if -0x80000000 <= r <= 0x7fffffff:
        return r
    raise _Trap(_OVF, _K_OVF)


def _to_i32_u(r):
    if r is None:
        raise _Trap(_INVC, _K_INVC)
    if 0 <= r <= 0xffffffff:
        return r - 0x100000000 if r > 0x7fffffff else r
    raise _Trap(_OVF, _K_OVF)


def _to_i64_s(r):
    if r is None:
        raise _Trap(_INVC, _K_INVC)
    if -0x8000000000000000 <= r <= 0x7fffffffffffffff:
        return r
    raise _Trap(_OVF, _K_OVF)


def _to_i64_u(r):
    if r is None:
        raise _Trap(_INVC, _K_INVC)
    if 0 <= r <= 0xffffffffffffffff:
        return r - 0x10000000000000000 if r > 0x7fffffffffffffff else r
    raise _Trap(_OVF, _K_OVF)


def _sat_i32_s(r):
    if r is None:
        return 0
    if r < -0x80000000:
        return -0x80000000
    if r > 0x7fffffff:
        return 0x7fffffff
    return r


def _sat_i32_u(r):
    if r is None or r < 0:
        return 0
    if r > 0xffffffff:
        return -1
    return r - 0x100000000 if r > 0x7fffffff else r


def _sat_i64_s(r):
    if r is None:
        return 0
    if r < -0x8000000000000000:
        return -0x8000000000000000
    if r > 0x7fffffffffffffff:
        return 0x7fffffffffffffff
    return r


def _sat_i64_u(r):
    if r is None or r < 0:
        return 0
    if r > 0xffffffffffffffff:
        return -1
    return r - 0x10000000000000000 if r > 0x7fffffffffffffff else r


def i32_trunc_f32_s(a):
    return _to_i32_s(_int32(a))


def i32_trunc_f32_u(a):
    return _to_i32_u(_int32(a))


def i32_trunc_f64_s(a):
    return _to_i32_s(_int64(a))


def i32_trunc_f64_u(a):
    return _to_i32_u(_int64(a))


def i64_trunc_f32_s(a):
    return _to_i64_s(_int32(a))


def i64_trunc_f32_u(a):
    return _to_i64_u(_int32(a))


def i64_trunc_f64_s(a):
    return _to_i64_s(_int64(a))


def i64_trunc_f64_u(a):
    return _to_i64_u(_int64(a))


def i32_trunc_sat_f32_s(a):
    return _sat_i32_s(_int32(a))


def i32_trunc_sat_f32_u(a):
    return _sat_i32_u(_int32(a))


def i32_trunc_sat_f64_s(a):
    return _sat_i32_s(_int64(a))


def i32_trunc_sat_f64_u(a):
    return _sat_i32_u(_int64(a))


def i64_trunc_sat_f32_s(a):
    return _sat_i64_s(_int32(a))


def i64_trunc_sat_f32_u(a):
    return _sat_i64_u(_int32(a))


def i64_trunc_sat_f64_s(a):
    return _sat_i64_s(_int64(a))


def i64_trunc_sat_f64_u(a):
    return _sat_i64_u(_int64(a))


# ----------------------------------------------------------- int -> float

def f32_convert_i32_s(a):
    if a < 0:
        return _pack32(True, -a, 0)
    if not a:
        return 0
    return _pack32(False, a, 0)


def f32_convert_i32_u(a):
    a &= 0xffffffff
    if not a:
        return 0
    return _pack32(False, a, 0)


f32_convert_i64_s = f32_convert_i32_s


def f32_convert_i64_u(a):
    a &= 0xffffffffffffffff
    if not a:
        return 0
    return _pack32(False, a, 0)


def f64_convert_i32_s(a):
    if a < 0:
        return _pack64(True, -a, 0)
    if not a:
        return 0
    return _pack64(False, a, 0)


def f64_convert_i32_u(a):
    a &= 0xffffffff
    if not a:
        return 0
    return _pack64(False, a, 0)


f64_convert_i64_s = f64_convert_i32_s


def f64_convert_i64_u(a):
    a &= 0xffffffffffffffff
    if not a:
        return 0
    return _pack64(False, a, 0)


# ---------------------------------------------------------- demote/promote

def f32_demote_f64(a):
    x = a & 0x7fffffffffffffff
    neg = a < 0
    if x >= 0x7ff0000000000000:
        if x > 0x7ff0000000000000:
            # quiet NaN keeping the top of the payload (canonical stays so)
            r = 0x7fc00000 | ((x >> 29) & 0x7fffff)
        else:
            r = 0x7f800000
        return r - 0x80000000 if neg else r
    if not x:
        return -0x80000000 if neg else 0
    e = x >> 52
    m = x & 0xfffffffffffff
    if e:
        m |= 0x10000000000000
    else:
        e = 1
    return _pack32(neg, m, e - 1075)


def f64_promote_f32(a):
    x = a & 0x7fffffff
    neg = a < 0
    if x >= 0x7f800000:
        if x > 0x7f800000:
            r = 0x7ff8000000000000 | ((x & 0x7fffff) << 29)
        else:
            r = 0x7ff0000000000000
        return r - 0x8000000000000000 if neg else r
    if not x:
        return -0x8000000000000000 if neg else 0
    e = x >> 23
    m = x & 0x7fffff
    if e:
        m |= 0x800000
    else:
        e = 1
    return _pack64(neg, m, e - 150)
