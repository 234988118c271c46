# Integer helpers for every tier and float mode (the float modules are
# hardfloat.py and softfloat.py, chosen by fmode.py).  See docs/internals.md
# for the value representations.
#
# Integers are kept in signed canonical form: i32 in [-2**31, 2**31), i64 in
# [-2**63, 2**63); every function here takes and returns that form.  wasm
# division truncates toward zero where Python's floors, and wasm shift counts
# are taken mod 32/64.
from .errors import Trap as _Trap, DIV_ZERO as _K_DIVZ, INT_OVERFLOW as _K_OVF

_DIVZ = "integer divide by zero"
_OVF = "integer overflow"


def _trap_divz():
    return _Trap(_DIVZ, _K_DIVZ)


def _trap_ovf():
    return _Trap(_OVF, _K_OVF)


# ---------------------------------------------------------------- integers

def wrap32(x):
    return ((x + 0x80000000) & 0xffffffff) - 0x80000000


def wrap64(x):
    return ((x + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def u32(x):
    return x & 0xffffffff


def u64(x):
    return x & 0xffffffffffffffff


# _BL[i]: number of significant bits of i; _PC[i]: number of set bits of i.
_BL = bytearray(256)
_PC = bytearray(256)
for _i in range(1, 256):
    _BL[_i] = _BL[_i >> 1] + 1
    _PC[_i] = _PC[_i >> 1] + (_i & 1)
del _i


def _nbits32(u):
    # significant bits of 0 <= u < 2**32 (MicroPython has no int.bit_length)
    if u >> 16:
        if u >> 24:
            return 24 + _BL[u >> 24]
        return 16 + _BL[u >> 16]
    if u >> 8:
        return 8 + _BL[u >> 8]
    return _BL[u]


def i32_mul(a, b):
    return ((a * b + 0x80000000) & 0xffffffff) - 0x80000000


def i64_mul(a, b):
    return ((a * b + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def i32_div_s(a, b):
    if not b:
        raise _trap_divz()
    q = a // b
    if q < 0:
        # Python floors, wasm truncates toward zero
        if q * b != a:
            q += 1
    elif q == 0x80000000:
        raise _trap_ovf()
    return q


def i64_div_s(a, b):
    if not b:
        raise _trap_divz()
    q = a // b
    if q < 0:
        if q * b != a:
            q += 1
    elif q == 0x8000000000000000:
        raise _trap_ovf()
    return q


def i32_rem_s(a, b):
    if not b:
        raise _trap_divz()
    r = a % b
    # Python's remainder has the divisor's sign, wasm's the dividend's
    if r and (r ^ a) < 0:
        r -= b
    return r


i64_rem_s = i32_rem_s


def i32_div_u(a, b):
    if not b:
        raise _trap_divz()
    if a >= 0 and b > 0:
        return a // b
    q = (a & 0xffffffff) // (b & 0xffffffff)
    if q > 0x7fffffff:
        q -= 0x100000000
    return q


def i64_div_u(a, b):
    if not b:
        raise _trap_divz()
    if a >= 0 and b > 0:
        return a // b
    q = (a & 0xffffffffffffffff) // (b & 0xffffffffffffffff)
    if q > 0x7fffffffffffffff:
        q -= 0x10000000000000000
    return q


def i32_rem_u(a, b):
    if not b:
        raise _trap_divz()
    if a >= 0 and b > 0:
        return a % b
    r = (a & 0xffffffff) % (b & 0xffffffff)
    if r > 0x7fffffff:
        r -= 0x100000000
    return r


def i64_rem_u(a, b):
    if not b:
        raise _trap_divz()
    if a >= 0 and b > 0:
        return a % b
    r = (a & 0xffffffffffffffff) % (b & 0xffffffffffffffff)
    if r > 0x7fffffffffffffff:
        r -= 0x10000000000000000
    return r


def i32_shl(a, b):
    return (((a << (b & 31)) + 0x80000000) & 0xffffffff) - 0x80000000


def i64_shl(a, b):
    return (((a << (b & 63)) + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def i32_shr_s(a, b):
    return a >> (b & 31)


def i64_shr_s(a, b):
    return a >> (b & 63)


def i32_shr_u(a, b):
    b &= 31
    if a >= 0:
        return a >> b
    if not b:
        return a
    return (a & 0xffffffff) >> b


def i64_shr_u(a, b):
    b &= 63
    if a >= 0:
        return a >> b
    if not b:
        return a
    return (a & 0xffffffffffffffff) >> b


def i32_rotl(a, b):
    b &= 31
    if not b:
        return a
    a &= 0xffffffff
    return ((((a << b) | (a >> (32 - b))) + 0x80000000) & 0xffffffff) - 0x80000000


def i32_rotr(a, b):
    b &= 31
    if not b:
        return a
    a &= 0xffffffff
    return ((((a << (32 - b)) | (a >> b)) + 0x80000000) & 0xffffffff) - 0x80000000


def i64_rotl(a, b):
    b &= 63
    if not b:
        return a
    a &= 0xffffffffffffffff
    return ((((a << b) | (a >> (64 - b))) + 0x8000000000000000)
            & 0xffffffffffffffff) - 0x8000000000000000


def i64_rotr(a, b):
    b &= 63
    if not b:
        return a
    a &= 0xffffffffffffffff
    return ((((a << (64 - b)) | (a >> b)) + 0x8000000000000000)
            & 0xffffffffffffffff) - 0x8000000000000000


def i32_clz(a):
    if a < 0:
        return 0
    return 32 - _nbits32(a)


def i64_clz(a):
    if a < 0:
        return 0
    h = a >> 32
    if h:
        return 32 - _nbits32(h)
    return 64 - _nbits32(a)


def i32_ctz(a):
    if not a:
        return 32
    return _nbits32((a & -a) & 0xffffffff) - 1


def i64_ctz(a):
    if not a:
        return 64
    a &= -a
    h = a >> 32
    if h:
        return 31 + _nbits32(h)
    return _nbits32(a) - 1


def i32_popcnt(a):
    a &= 0xffffffff
    return _PC[a & 255] + _PC[(a >> 8) & 255] + _PC[(a >> 16) & 255] + _PC[a >> 24]


def i64_popcnt(a):
    return i32_popcnt(a) + i32_popcnt(a >> 32)


def i32_lt_u(a, b):
    return 1 if (a & 0xffffffff) < (b & 0xffffffff) else 0


def i32_gt_u(a, b):
    return 1 if (a & 0xffffffff) > (b & 0xffffffff) else 0


def i32_le_u(a, b):
    return 1 if (a & 0xffffffff) <= (b & 0xffffffff) else 0


def i32_ge_u(a, b):
    return 1 if (a & 0xffffffff) >= (b & 0xffffffff) else 0


def i64_lt_u(a, b):
    return 1 if (a & 0xffffffffffffffff) < (b & 0xffffffffffffffff) else 0


def i64_gt_u(a, b):
    return 1 if (a & 0xffffffffffffffff) > (b & 0xffffffffffffffff) else 0


def i64_le_u(a, b):
    return 1 if (a & 0xffffffffffffffff) <= (b & 0xffffffffffffffff) else 0


def i64_ge_u(a, b):
    return 1 if (a & 0xffffffffffffffff) >= (b & 0xffffffffffffffff) else 0


def extend8_s(a):
    return ((a & 0xff) ^ 0x80) - 0x80


def extend16_s(a):
    return ((a & 0xffff) ^ 0x8000) - 0x8000


i32_extend8_s = i64_extend8_s = extend8_s
i32_extend16_s = i64_extend16_s = extend16_s
i64_extend32_s = i32_wrap_i64 = wrap32


def i64_extend_i32_s(a):
    return a


def i64_extend_i32_u(a):
    return a & 0xffffffff
