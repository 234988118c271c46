# The SIMD instructions' lane arithmetic in portable Python, on v128 values
# held as 16 bytes (lane 0 first, little-endian; docs/internals.md).  One
# function per instruction, made on first use by `fn(sub, imm)`: the
# portable interpreter calls it per instruction (interp_simd.py), and the
# compiled tiers call it for what they do not compile inline.  Lanes are
# unpacked with struct, computed as Python ints (float lanes through the
# float module, fmode, so their results are the scalar instructions' bit
# for bit) and packed back: one bytes object per result, no 128-bit int.
#
# Relaxed SIMD runs the deterministic profile's choices (the Wasm 3.0
# spec's first alternative): relaxed_swizzle = swizzle, relaxed_trunc =
# trunc_sat, relaxed_madd/nmadd = unfused multiply then add, laneselect =
# bitselect, relaxed_min/max = min/max, relaxed_q15mulr_s = q15mulr_sat_s,
# relaxed_dot = signed x signed products with wrapping sums.

from struct import pack, unpack

from . import simd_ops as S

# struct formats per integer shape k (0 i8x16, 1 i16x8, 2 i32x4, 3 i64x2)
_FU = ("<16B", "<8H", "<4I", "<2Q")
_FS = ("<16b", "<8h", "<4i", "<2q")
_NL = (16, 8, 4, 2)


def _fm():
    from . import fmode
    return fmode


def _out(k, vals):
    """Lane values (any ints, taken modulo the lane width) -> v128."""
    m = (1 << (8 << k)) - 1
    return pack(_FU[k], *[v & m for v in vals])


def _bin(k, signed, f):
    fmt = _FS[k] if signed else _FU[k]

    def g(a, b):
        return _out(k, [f(x, y) for x, y in zip(unpack(fmt, a), unpack(fmt, b))])
    return g


def _un(k, signed, f):
    fmt = _FS[k] if signed else _FU[k]

    def g(a):
        return _out(k, [f(x) for x in unpack(fmt, a)])
    return g


# --- integer binary operations ----------------------------------------------

def _sat(k, signed):
    bits = 8 << k
    if signed:
        lo = -(1 << (bits - 1))
        hi = (1 << (bits - 1)) - 1
    else:
        lo = 0
        hi = (1 << bits) - 1

    def s(v):
        return lo if v < lo else hi if v > hi else v
    return s


def _cmp(k, signed, c):
    m = -1

    if c == 0:
        return _bin(k, signed, lambda x, y: m if x == y else 0)
    if c == 1:
        return _bin(k, signed, lambda x, y: m if x != y else 0)
    if c == 2:
        return _bin(k, signed, lambda x, y: m if x < y else 0)
    if c == 3:
        return _bin(k, signed, lambda x, y: m if x > y else 0)
    if c == 4:
        return _bin(k, signed, lambda x, y: m if x <= y else 0)
    return _bin(k, signed, lambda x, y: m if x >= y else 0)


# i8x16/i16x8/i32x4 comparisons: eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u
_ICMP = ((0, 0), (1, 0), (2, 1), (2, 0), (3, 1), (3, 0), (4, 1), (4, 0), (5, 1), (5, 0))


def _arith(k, i):
    """add add_sat_s add_sat_u sub sub_sat_s sub_sat_u (i = 0..5)."""
    if i == 0:
        return _bin(k, False, lambda x, y: x + y)
    if i == 3:
        return _bin(k, False, lambda x, y: x - y)
    signed = i == 1 or i == 4
    s = _sat(k, signed)
    if i < 3:
        return _bin(k, signed, lambda x, y: s(x + y))
    return _bin(k, signed, lambda x, y: s(x - y))


def _minmax(k, i):
    """min_s min_u max_s max_u."""
    if i < 2:
        return _bin(k, i == 0, lambda x, y: x if x <= y else y)
    return _bin(k, i == 2, lambda x, y: x if x >= y else y)


def _narrow(k, signed):
    """narrow shape k (i16x8 or i32x4) to k - 1, saturating."""
    s = _sat(k - 1, signed)
    fmt = _FS[k]

    def g(a, b):
        return _out(k - 1, [s(v) for v in unpack(fmt, a) + unpack(fmt, b)])
    return g


def _half(k, a, high, signed):
    """The low or high half of the lanes of shape k - 1, extended."""
    v = unpack(_FS[k - 1] if signed else _FU[k - 1], a)
    n = _NL[k]
    return v[n:] if high else v[:n]


def _extmul(k, high, signed):
    def g(a, b):
        return _out(k, [x * y for x, y in zip(_half(k, a, high, signed),
                                                _half(k, b, high, signed))])
    return g


def _extend(k, high, signed):
    def g(a):
        return _out(k, _half(k, a, high, signed))
    return g


def _extadd(k, signed):
    fmt = _FS[k - 1] if signed else _FU[k - 1]

    def g(a):
        v = unpack(fmt, a)
        return _out(k, [v[2 * i] + v[2 * i + 1] for i in range(_NL[k])])
    return g


def _q15(a, b):
    s = _sat(1, True)
    return _out(1, [s((x * y + 0x4000) >> 15) for x, y in
                    zip(unpack("<8h", a), unpack("<8h", b))])


def _dot(a, b):
    x = unpack("<8h", a)
    y = unpack("<8h", b)
    return _out(2, [x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1] for i in range(4)])


def _rdot(a, b):
    # i16x8.relaxed_dot_i8x16_i7x16_s: signed x signed, sums wrap at 16 bits
    x = unpack("<16b", a)
    y = unpack("<16b", b)
    return _out(1, [x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1] for i in range(8)])


def _rdot_add(a, b, c):
    d = unpack("<8h", _rdot(a, b))
    z = unpack("<4I", c)
    return _out(2, [d[2 * i] + d[2 * i + 1] + z[i] for i in range(4)])


def _swizzle(a, b):
    return bytes([a[i] if i < 16 else 0 for i in b])


def _shift(k, kind):
    """shl shr_s shr_u: the count is taken modulo the lane width."""
    bits = 8 << k
    fmt = _FS[k] if kind == 1 else _FU[k]

    def g(a, c):
        c &= bits - 1
        v = unpack(fmt, a)
        if kind == 0:
            return _out(k, [x << c for x in v])
        return _out(k, [x >> c for x in v])
    return g


# --- bitwise -------------------------------------------------------------

def _not(a):
    return bytes([x ^ 0xFF for x in a])


def _and(a, b):
    return bytes([x & y for x, y in zip(a, b)])


def _andnot(a, b):
    return bytes([x & ~y & 0xFF for x, y in zip(a, b)])


def _or(a, b):
    return bytes([x | y for x, y in zip(a, b)])


def _xor(a, b):
    return bytes([x ^ y for x, y in zip(a, b)])


def _bitselect(a, b, c):
    return bytes([(x & z) | (y & ~z & 0xFF) for x, y, z in zip(a, b, c)])


def _any_true(a):
    for x in a:
        if x:
            return 1
    return 0


def _all_true(k):
    def g(a):
        for x in unpack(_FU[k], a):
            if not x:
                return 0
        return 1
    return g


def _bitmask(k):
    def g(a):
        r = 0
        i = 0
        for x in unpack(_FS[k], a):
            if x < 0:
                r |= 1 << i
            i += 1
        return r
    return g


_PC = None


def _popcnt(a):
    global _PC
    if _PC is None:
        t = bytearray(256)
        for i in range(1, 256):
            t[i] = t[i >> 1] + (i & 1)
        _PC = bytes(t)
    return bytes([_PC[x] for x in a])


# --- floats --------------------------------------------------------------
# f = 0 for f32x4, 1 for f64x2; lanes are bit patterns (unsigned).

_FF = ("<4I", "<2Q")


def _fconv(f):
    F = _fm()
    if f == 0:
        return F.f32_from_bits, F.f32_to_bits
    return F.f64_from_bits, F.f64_to_bits


def _fbin(f, name):
    frm, to = _fconv(f)
    op = getattr(_fm(), name)
    fmt = _FF[f]

    def g(a, b):
        return pack(fmt, *[to(op(frm(x), frm(y))) for x, y in
                           zip(unpack(fmt, a), unpack(fmt, b))])
    return g


def _fun(f, name):
    frm, to = _fconv(f)
    op = getattr(_fm(), name)
    fmt = _FF[f]

    def g(a):
        return pack(fmt, *[to(op(frm(x))) for x in unpack(fmt, a)])
    return g


def _fcmp(f, name):
    frm, to = _fconv(f)
    op = getattr(_fm(), name)
    fmt = _FF[f]
    m = 0xFFFFFFFF if f == 0 else 0xFFFFFFFFFFFFFFFF

    def g(a, b):
        return pack(fmt, *[m if op(frm(x), frm(y)) else 0 for x, y in
                           zip(unpack(fmt, a), unpack(fmt, b))])
    return g


def _pminmax(f, mx):
    # pmin: b < a ? b : a; pmax: a < b ? b : a (the operands' bits, NaNs kept)
    frm, to = _fconv(f)
    lt = getattr(_fm(), "f32_lt" if f == 0 else "f64_lt")
    fmt = _FF[f]

    def g(a, b):
        out = []
        for x, y in zip(unpack(fmt, a), unpack(fmt, b)):
            if mx:
                out.append(y if lt(frm(x), frm(y)) else x)
            else:
                out.append(y if lt(frm(y), frm(x)) else x)
        return pack(fmt, *out)
    return g


def _fsign(f, kind):
    # abs / neg on the bits: no rounding, NaN payloads kept
    sb = 1 << (31 if f == 0 else 63)
    fmt = _FF[f]
    if kind == 0:
        return lambda a: pack(fmt, *[x & ~sb for x in unpack(fmt, a)])
    return lambda a: pack(fmt, *[x ^ sb for x in unpack(fmt, a)])


def _madd(f, neg):
    frm, to = _fconv(f)
    F = _fm()
    mul = F.f32_mul if f == 0 else F.f64_mul
    add = F.f32_add if f == 0 else F.f64_add
    fneg = F.f32_neg if f == 0 else F.f64_neg
    fmt = _FF[f]

    def g(a, b, c):
        out = []
        for x, y, z in zip(unpack(fmt, a), unpack(fmt, b), unpack(fmt, c)):
            x = frm(x)
            if neg:
                x = fneg(x)
            out.append(to(add(mul(x, frm(y)), frm(z))))
        return pack(fmt, *out)
    return g


def _trunc_sat(src, name):
    # f32x4 -> i32x4 (src 0), or f64x2 -> the low two i32 lanes (src 1)
    frm, to = _fconv(src)
    op = getattr(_fm(), name)
    fmt = _FF[src]

    def g(a):
        v = [op(frm(x)) for x in unpack(fmt, a)]
        if src == 1:
            v += [0, 0]
        return _out(2, v)
    return g


def _convert(dst, name):
    # i32x4 -> f32x4 (dst 0), or the low two i32 lanes -> f64x2 (dst 1)
    frm, to = _fconv(dst)
    op = getattr(_fm(), name)
    fmt = _FF[dst]

    def g(a):
        v = unpack("<4i", a)
        if dst == 1:
            v = v[:2]
        return pack(fmt, *[to(op(x)) for x in v])
    return g


def _demote(a):
    F = _fm()
    x, y = unpack("<2Q", a)
    return pack("<4I", F.f32_to_bits(F.f32_demote_f64(F.f64_from_bits(x))),
                F.f32_to_bits(F.f32_demote_f64(F.f64_from_bits(y))), 0, 0)


def _promote(a):
    F = _fm()
    x, y, _, _ = unpack("<4I", a)
    return pack("<2Q", F.f64_to_bits(F.f64_promote_f32(F.f32_from_bits(x))),
                F.f64_to_bits(F.f64_promote_f32(F.f32_from_bits(y))))


# --- lanes: splat, extract, replace, shuffle ------------------------------

def _splat(d):
    if d < 4:
        return lambda x: _out(d, [x] * _NL[d])
    F = _fm()
    if d == S.F32X4:
        return lambda x: pack("<4I", *([F.f32_to_bits(x)] * 4))
    return lambda x: pack("<2Q", *([F.f64_to_bits(x)] * 2))


def _extract(sub, d, lane):
    if d < 4:
        # i8/i16 lanes: _s or _u; i32/i64: signed canonical
        fmt = _FU[d] if sub in (0x16, 0x19) else _FS[d]
        return lambda a: unpack(fmt, a)[lane]
    F = _fm()
    if d == S.F32X4:
        return lambda a: F.f32_from_bits(unpack("<4I", a)[lane])
    return lambda a: F.f64_from_bits(unpack("<2Q", a)[lane])


def _replace(d, lane):
    if d < 4:
        fmt = _FU[d]
        m = (1 << (8 << d)) - 1
    else:
        F = _fm()
        fmt = _FF[d - 4]
        to = F.f32_to_bits if d == S.F32X4 else F.f64_to_bits

    def g(a, x):
        v = list(unpack(fmt, a))
        v[lane] = x & m if d < 4 else to(x)
        return pack(fmt, *v)
    return g


def _shuffle(lanes):
    def g(a, b):
        ab = a + b
        return bytes([ab[i] for i in lanes])
    return g


# --- the table -----------------------------------------------------------

_F32N = ("f32_add", "f32_sub", "f32_mul", "f32_div", "f32_min", "f32_max")
_F64N = ("f64_add", "f64_sub", "f64_mul", "f64_div", "f64_min", "f64_max")
_FCMPN = ("eq", "ne", "lt", "gt", "le", "ge")


def fn(sub, imm=None):
    """The function computing SIMD instruction `sub` (not the memory ones):
    f(a) / f(a, b) / f(a, b, c) on v128 (and scalar) operands, returning
    the result (a v128, or an i32 for the tests)."""
    form, d = S.form(sub)
    if form == S.SPLAT:
        return _splat(d)
    if form == S.EXTRACT:
        return _extract(sub, d, imm)
    if form == S.REPLACE:
        return _replace(d, imm)
    if form == S.SHUFFLE:
        return _shuffle(imm)
    if 0x23 <= sub <= 0x40:
        k = (sub - 0x23) // 10
        c, sg = _ICMP[(sub - 0x23) % 10]
        return _cmp(k, sg, c)
    if 0x41 <= sub <= 0x4C:
        f = 0 if sub < 0x47 else 1
        return _fcmp(f, ("f32_" if f == 0 else "f64_") + _FCMPN[(sub - 0x41) % 6])
    if 0xD6 <= sub <= 0xDB:       # i64x2 eq ne lt_s gt_s le_s ge_s
        return _cmp(3, True, (0, 1, 2, 3, 4, 5)[sub - 0xD6])
    t = _TABLE.get(sub)
    if t is not None:
        return t
    b = _BUILD.get(sub)
    if b is not None:
        return b()
    raise KeyError("simd_lanes: no function for 0xfd %d" % sub)


_TABLE = {
    0x0E: _swizzle, 0x100: _swizzle,
    0x4D: _not, 0x4E: _and, 0x4F: _andnot, 0x50: _or, 0x51: _xor, 0x52: _bitselect,
    0x109: _bitselect, 0x10A: _bitselect, 0x10B: _bitselect, 0x10C: _bitselect,
    0x53: _any_true, 0x62: _popcnt, 0x82: _q15, 0x111: _q15, 0xBA: _dot,
    0x112: _rdot, 0x113: _rdot_add, 0x5E: _demote, 0x5F: _promote,
}

_BUILD = {
    0x60: lambda: _un(0, True, abs), 0x61: lambda: _un(0, False, lambda x: -x),
    0x63: lambda: _all_true(0), 0x64: lambda: _bitmask(0),
    0x65: lambda: _narrow(1, True), 0x66: lambda: _narrow(1, False),
    0x67: lambda: _fun(0, "f32_ceil"), 0x68: lambda: _fun(0, "f32_floor"),
    0x69: lambda: _fun(0, "f32_trunc"), 0x6A: lambda: _fun(0, "f32_nearest"),
    0x6B: lambda: _shift(0, 0), 0x6C: lambda: _shift(0, 1), 0x6D: lambda: _shift(0, 2),
    0x6E: lambda: _arith(0, 0), 0x6F: lambda: _arith(0, 1), 0x70: lambda: _arith(0, 2),
    0x71: lambda: _arith(0, 3), 0x72: lambda: _arith(0, 4), 0x73: lambda: _arith(0, 5),
    0x74: lambda: _fun(1, "f64_ceil"), 0x75: lambda: _fun(1, "f64_floor"),
    0x76: lambda: _minmax(0, 0), 0x77: lambda: _minmax(0, 1), 0x78: lambda: _minmax(0, 2),
    0x79: lambda: _minmax(0, 3), 0x7A: lambda: _fun(1, "f64_trunc"),
    0x7B: lambda: _bin(0, False, lambda x, y: (x + y + 1) >> 1),
    0x7C: lambda: _extadd(1, True), 0x7D: lambda: _extadd(1, False),
    0x7E: lambda: _extadd(2, True), 0x7F: lambda: _extadd(2, False),
    0x80: lambda: _un(1, True, abs), 0x81: lambda: _un(1, False, lambda x: -x),
    0x83: lambda: _all_true(1), 0x84: lambda: _bitmask(1),
    0x85: lambda: _narrow(2, True), 0x86: lambda: _narrow(2, False),
    0x87: lambda: _extend(1, False, True), 0x88: lambda: _extend(1, True, True),
    0x89: lambda: _extend(1, False, False), 0x8A: lambda: _extend(1, True, False),
    0x8B: lambda: _shift(1, 0), 0x8C: lambda: _shift(1, 1), 0x8D: lambda: _shift(1, 2),
    0x8E: lambda: _arith(1, 0), 0x8F: lambda: _arith(1, 1), 0x90: lambda: _arith(1, 2),
    0x91: lambda: _arith(1, 3), 0x92: lambda: _arith(1, 4), 0x93: lambda: _arith(1, 5),
    0x94: lambda: _fun(1, "f64_nearest"),
    0x95: lambda: _bin(1, False, lambda x, y: x * y),
    0x96: lambda: _minmax(1, 0), 0x97: lambda: _minmax(1, 1), 0x98: lambda: _minmax(1, 2),
    0x99: lambda: _minmax(1, 3),
    0x9B: lambda: _bin(1, False, lambda x, y: (x + y + 1) >> 1),
    0x9C: lambda: _extmul(1, False, True), 0x9D: lambda: _extmul(1, True, True),
    0x9E: lambda: _extmul(1, False, False), 0x9F: lambda: _extmul(1, True, False),
    0xA0: lambda: _un(2, True, abs), 0xA1: lambda: _un(2, False, lambda x: -x),
    0xA3: lambda: _all_true(2), 0xA4: lambda: _bitmask(2),
    0xA7: lambda: _extend(2, False, True), 0xA8: lambda: _extend(2, True, True),
    0xA9: lambda: _extend(2, False, False), 0xAA: lambda: _extend(2, True, False),
    0xAB: lambda: _shift(2, 0), 0xAC: lambda: _shift(2, 1), 0xAD: lambda: _shift(2, 2),
    0xAE: lambda: _arith(2, 0), 0xB1: lambda: _arith(2, 3),
    0xB5: lambda: _bin(2, False, lambda x, y: x * y),
    0xB6: lambda: _minmax(2, 0), 0xB7: lambda: _minmax(2, 1), 0xB8: lambda: _minmax(2, 2),
    0xB9: lambda: _minmax(2, 3),
    0xBC: lambda: _extmul(2, False, True), 0xBD: lambda: _extmul(2, True, True),
    0xBE: lambda: _extmul(2, False, False), 0xBF: lambda: _extmul(2, True, False),
    0xC0: lambda: _un(3, True, abs), 0xC1: lambda: _un(3, False, lambda x: -x),
    0xC3: lambda: _all_true(3), 0xC4: lambda: _bitmask(3),
    0xC7: lambda: _extend(3, False, True), 0xC8: lambda: _extend(3, True, True),
    0xC9: lambda: _extend(3, False, False), 0xCA: lambda: _extend(3, True, False),
    0xCB: lambda: _shift(3, 0), 0xCC: lambda: _shift(3, 1), 0xCD: lambda: _shift(3, 2),
    0xCE: lambda: _arith(3, 0), 0xD1: lambda: _arith(3, 3),
    0xD5: lambda: _bin(3, False, lambda x, y: x * y),
    0xDC: lambda: _extmul(3, False, True), 0xDD: lambda: _extmul(3, True, True),
    0xDE: lambda: _extmul(3, False, False), 0xDF: lambda: _extmul(3, True, False),
    0xE0: lambda: _fsign(0, 0), 0xE1: lambda: _fsign(0, 1),
    0xE3: lambda: _fun(0, "f32_sqrt"),
    0xE4: lambda: _fbin(0, "f32_add"), 0xE5: lambda: _fbin(0, "f32_sub"),
    0xE6: lambda: _fbin(0, "f32_mul"), 0xE7: lambda: _fbin(0, "f32_div"),
    0xE8: lambda: _fbin(0, "f32_min"), 0xE9: lambda: _fbin(0, "f32_max"),
    0xEA: lambda: _pminmax(0, False), 0xEB: lambda: _pminmax(0, True),
    0xEC: lambda: _fsign(1, 0), 0xED: lambda: _fsign(1, 1),
    0xEF: lambda: _fun(1, "f64_sqrt"),
    0xF0: lambda: _fbin(1, "f64_add"), 0xF1: lambda: _fbin(1, "f64_sub"),
    0xF2: lambda: _fbin(1, "f64_mul"), 0xF3: lambda: _fbin(1, "f64_div"),
    0xF4: lambda: _fbin(1, "f64_min"), 0xF5: lambda: _fbin(1, "f64_max"),
    0xF6: lambda: _pminmax(1, False), 0xF7: lambda: _pminmax(1, True),
    0xF8: lambda: _trunc_sat(0, "i32_trunc_sat_f32_s"),
    0xF9: lambda: _trunc_sat(0, "i32_trunc_sat_f32_u"),
    0xFA: lambda: _convert(0, "f32_convert_i32_s"),
    0xFB: lambda: _convert(0, "f32_convert_i32_u"),
    0xFC: lambda: _trunc_sat(1, "i32_trunc_sat_f64_s"),
    0xFD: lambda: _trunc_sat(1, "i32_trunc_sat_f64_u"),
    0xFE: lambda: _convert(1, "f64_convert_i32_s"),
    0xFF: lambda: _convert(1, "f64_convert_i32_u"),
    # relaxed SIMD, deterministic profile
    0x101: lambda: _trunc_sat(0, "i32_trunc_sat_f32_s"),
    0x102: lambda: _trunc_sat(0, "i32_trunc_sat_f32_u"),
    0x103: lambda: _trunc_sat(1, "i32_trunc_sat_f64_s"),
    0x104: lambda: _trunc_sat(1, "i32_trunc_sat_f64_u"),
    0x105: lambda: _madd(0, False), 0x106: lambda: _madd(0, True),
    0x107: lambda: _madd(1, False), 0x108: lambda: _madd(1, True),
    0x10D: lambda: _fbin(0, "f32_min"), 0x10E: lambda: _fbin(0, "f32_max"),
    0x10F: lambda: _fbin(1, "f64_min"), 0x110: lambda: _fbin(1, "f64_max"),
}
