# The SIMD instructions' lane arithmetic in portable Python, on v128 values
# held as 16 bytes (lane 0 first, little-endian; docs/internals.md).  One
# function per instruction, made on first use by `fn(sub, imm)`: the
# portable interpreter calls it per instruction (interp_simd.py), and the
# compiled tiers call it for what they do not compile inline.  Lanes are
# unpacked with struct, computed as Python ints (float lanes through the
# float module, fmode, so their results are the scalar instructions' bit
# for bit) and packed back: one bytes object per result, no 128-bit int.
# What each instruction is comes from a byte table (_SPEC), so the module
# holds a few dozen functions, not one per instruction (RAM on a board).
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
_FF = ("<4I", "<2Q")       # float lanes as bits: f = 0 f32x4, 1 f64x2


def _fm():
    from . import fmode
    return fmode


def _out(k, vals):
    """Lane values (any ints, taken modulo the lane width) -> v128."""
    m = (1 << (8 << k)) - 1
    return pack(_FU[k], *[v & m for v in vals])


def _lim(k, signed):
    bits = 8 << k
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


# --- integer lanes -------------------------------------------------------
# op: 0 add, 1 sub, 2 mul, 3 add_sat, 4 sub_sat, 5 min, 6 max, 7 avgr_u,
# 8-13 compares eq ne lt gt le ge

def _ibin(k, signed, op):
    fmt = _FS[k] if signed else _FU[k]
    lo, hi = _lim(k, signed)

    def g(a, b):
        out = []
        for x, y in zip(unpack(fmt, a), unpack(fmt, b)):
            if op == 0:
                v = x + y
            elif op == 1:
                v = x - y
            elif op == 2:
                v = x * y
            elif op < 5:
                v = x + y if op == 3 else x - y
                v = lo if v < lo else hi if v > hi else v
            elif op == 5:
                v = x if x <= y else y
            elif op == 6:
                v = x if x >= y else y
            elif op == 7:
                v = (x + y + 1) >> 1
            else:
                c = op - 8
                t = x == y if c == 0 else x != y if c == 1 else x < y if c == 2 else \
                    x > y if c == 3 else x <= y if c == 4 else x >= y
                v = -1 if t else 0
            out.append(v)
        return _out(k, out)
    return g


def _iun(k, op):
    """0 abs, 1 neg, 2 all_true, 3 bitmask."""
    fmt = _FS[k]

    def g(a):
        v = unpack(fmt, a)
        if op == 0:
            return _out(k, [abs(x) for x in v])
        if op == 1:
            return _out(k, [-x for x in v])
        r = 0
        i = 0
        for x in v:
            if op == 2:
                if not x:
                    return 0
            elif x < 0:
                r |= 1 << i
            i += 1
        return 1 if op == 2 else r
    return g


def _shift(k, kind):
    """0 shl, 1 shr_s, 2 shr_u: the count is taken modulo the lane width."""
    bits = 8 << k
    fmt = _FS[k] if kind == 1 else _FU[k]

    def g(a, c):
        c &= bits - 1
        v = unpack(fmt, a)
        if kind == 0:
            return _out(k, [x << c for x in v])
        return _out(k, [x >> c for x in v])
    return g


def _narrow(k, signed):
    """narrow shape k (i16x8 or i32x4) to k - 1, saturating."""
    lo, hi = _lim(k - 1, signed)
    fmt = _FS[k]

    def g(a, b):
        return _out(k - 1, [lo if v < lo else hi if v > hi else v
                            for v in unpack(fmt, a) + unpack(fmt, b)])
    return g


def _half(k, a, high, signed):
    """The low or high half of the lanes of shape k - 1, as they are."""
    v = unpack(_FS[k - 1] if signed else _FU[k - 1], a)
    n = _NL[k]
    return v[n:] if high else v[:n]


def _widen(k, high, signed, op):
    """0 extend (low/high half), 1 extmul, 2 extadd_pairwise."""
    def g(a, b=None):
        if op == 0:
            return _out(k, _half(k, a, high, signed))
        if op == 1:
            return _out(k, [x * y for x, y in zip(_half(k, a, high, signed),
                                                    _half(k, b, high, signed))])
        v = unpack(_FS[k - 1] if signed else _FU[k - 1], a)
        return _out(k, [v[2 * i] + v[2 * i + 1] for i in range(_NL[k])])
    return g


def _q15(a, b):
    return _out(1, [min(32767, (x * y + 0x4000) >> 15) for x, y in
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


def _popcnt(a):
    out = bytearray(16)
    for i in range(16):
        x = a[i]
        n = 0
        while x:
            n += x & 1
            x >>= 1
        out[i] = n
    return bytes(out)


# --- floats --------------------------------------------------------------
# The float module's functions by index (the byte table names them).
_FN = ("ceil", "floor", "trunc", "nearest", "sqrt", "add", "sub", "mul", "div", "min",
       "max", "eq", "ne", "lt", "gt", "le", "ge")


def _conv(f):
    F = _fm()
    if f == 0:
        return F.f32_from_bits, F.f32_to_bits
    return F.f64_from_bits, F.f64_to_bits


def _fop(f, i):
    return getattr(_fm(), ("f32_" if f == 0 else "f64_") + _FN[i])


def _flanes(f, n, i):
    """A unary (n 1), binary (n 2) or compare (n 3) lane operation."""
    frm, to = _conv(f)
    op = _fop(f, i)
    fmt = _FF[f]
    m = 0xFFFFFFFF if f == 0 else 0xFFFFFFFFFFFFFFFF

    def g(a, b=None):
        x = unpack(fmt, a)
        if n == 1:
            return pack(fmt, *[to(op(frm(u))) for u in x])
        y = unpack(fmt, b)
        if n == 2:
            return pack(fmt, *[to(op(frm(u), frm(v))) for u, v in zip(x, y)])
        return pack(fmt, *[m if op(frm(u), frm(v)) else 0 for u, v in zip(x, y)])
    return g


def _pminmax(f, mx):
    # pmin: b < a ? b : a; pmax: a < b ? b : a (the operands' bits, NaNs kept)
    frm, to = _conv(f)
    lt = _fop(f, 13)
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


def _fsign(f, neg):
    # abs / neg on the bits: no rounding, NaN payloads kept
    sb = 1 << (31 if f == 0 else 63)
    fmt = _FF[f]

    def g(a):
        if neg:
            return pack(fmt, *[x ^ sb for x in unpack(fmt, a)])
        return pack(fmt, *[x & ~sb for x in unpack(fmt, a)])
    return g


def _madd(f, neg):
    frm, to = _conv(f)
    mul = _fop(f, 7)
    add = _fop(f, 5)
    fneg = getattr(_fm(), "f32_neg" if f == 0 else "f64_neg")
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


def _fconvert(f, unsigned, to_int):
    """i32x4.trunc_sat_f32x4 / _f64x2_zero (to_int) and f32x4.convert_i32x4 /
    f64x2.convert_low_i32x4: f 0 the f32x4 form, 1 the f64x2 one."""
    frm, to = _conv(f)
    F = _fm()
    if to_int:
        op = getattr(F, "i32_trunc_sat_f%d_%s" % (32 if f == 0 else 64, "u" if unsigned else "s"))
    else:
        op = getattr(F, "f%d_convert_i32_%s" % (32 if f == 0 else 64, "u" if unsigned else "s"))
    fmt = _FF[f]

    def g(a):
        if to_int:
            v = [op(frm(x)) for x in unpack(fmt, a)]
            if f == 1:
                v += [0, 0]
            return _out(2, v)
        v = unpack("<4i", a)
        return pack(fmt, *[to(op(x)) for x in (v if f == 0 else v[:2])])
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
    def g(x):
        if d < 4:
            return _out(d, [x] * _NL[d])
        F = _fm()
        if d == S.F32X4:
            return pack("<4I", *([F.f32_to_bits(x)] * 4))
        return pack("<2Q", *([F.f64_to_bits(x)] * 2))
    return g


def _extract(sub, d, lane):
    # i8/i16 lanes: _s or _u; i32/i64: signed canonical; floats: the float
    # module's value
    fmt = (_FU[d] if sub in (0x16, 0x19) else _FS[d]) if d < 4 else _FF[d - 4]

    def g(a):
        v = unpack(fmt, a)[lane]
        if d < 4:
            return v
        return _fm().f32_from_bits(v) if d == S.F32X4 else _fm().f64_from_bits(v)
    return g


def _replace(d, lane):
    fmt = _FU[d] if d < 4 else _FF[d - 4]

    def g(a, x):
        v = list(unpack(fmt, a))
        if d < 4:
            v[lane] = x & ((1 << (8 << d)) - 1)
        else:
            v[lane] = _fm().f32_to_bits(x) if d == S.F32X4 else _fm().f64_to_bits(x)
        return pack(fmt, *v)
    return g


def _shuffle(lanes):
    def g(a, b):
        ab = a + b
        return bytes([ab[i] for i in lanes])
    return g


# --- the table -----------------------------------------------------------

_PLAIN = {
    0x0E: _swizzle, 0x100: _swizzle,
    0x4D: _not, 0x4E: _and, 0x4F: _andnot, 0x50: _or, 0x51: _xor, 0x52: _bitselect,
    0x109: _bitselect, 0x10A: _bitselect, 0x10B: _bitselect, 0x10C: _bitselect,
    0x53: _any_true, 0x62: _popcnt, 0x82: _q15, 0x111: _q15, 0xBA: _dot,
    0x112: _rdot, 0x113: _rdot_add, 0x5E: _demote, 0x5F: _promote,
}

# Builders of the table below.
_B_IBIN = 1      # shape, signed, op                  (_ibin)
_B_IUN = 2       # shape, op                          (_iun)
_B_SHIFT = 3     # shape, kind                        (_shift)
_B_NARROW = 4    # shape, signed                      (_narrow)
_B_WIDEN = 5     # shape, high | signed << 1, op      (_widen)
_B_FLANES = 6    # f, n, _FN index                    (_flanes)
_B_PMINMAX = 7   # f, max                             (_pminmax)
_B_FSIGN = 8     # f, neg                             (_fsign)
_B_MADD = 9      # f, neg                             (_madd)
_B_FCONV = 10    # f, unsigned, to_int                (_fconvert)


def _spec():
    """4 bytes per sub-opcode: builder, three arguments."""
    t = bytearray(4 * S.NSUB)

    def put(sub, *b):
        t[4 * sub:4 * sub + len(b)] = bytes(b)

    for k in range(3):                                   # i8x16, i16x8, i32x4
        base = 0x23 + 10 * k
        for i, (c, sg) in enumerate(((0, 0), (1, 0), (2, 1), (2, 0), (3, 1), (3, 0),
                                     (4, 1), (4, 0), (5, 1), (5, 0))):
            put(base + i, _B_IBIN, k, sg, 8 + c)
    for i in range(6):                                   # i64x2 eq ne lt_s gt_s le_s ge_s
        put(0xD6 + i, _B_IBIN, 3, 1, 8 + i)
    for f, base in ((0, 0x41), (1, 0x47)):               # float compares
        for i in range(6):
            put(base + i, _B_FLANES, f, 3, 11 + i)
    # add add_sat_s add_sat_u sub sub_sat_s sub_sat_u for i8x16 / i16x8
    for k, base in ((0, 0x6E), (1, 0x8E)):
        for i, (sg, op) in enumerate(((0, 0), (1, 3), (0, 3), (0, 1), (1, 4), (0, 4))):
            put(base + i, _B_IBIN, k, sg, op)
    # min_s min_u max_s max_u
    for k, base in ((0, 0x76), (1, 0x96), (2, 0xB6)):
        for i, (sg, op) in enumerate(((1, 5), (0, 5), (1, 6), (0, 6))):
            put(base + i, _B_IBIN, k, sg, op)
    for sub, k, op in ((0xAE, 2, 0), (0xB1, 2, 1), (0xCE, 3, 0), (0xD1, 3, 1),
                       (0x95, 1, 2), (0xB5, 2, 2), (0xD5, 3, 2), (0x7B, 0, 7), (0x9B, 1, 7)):
        put(sub, _B_IBIN, k, 0, op)
    # abs neg _ all_true bitmask per shape
    for k, base in ((0, 0x60), (1, 0x80), (2, 0xA0), (3, 0xC0)):
        put(base, _B_IUN, k, 0)
        put(base + 1, _B_IUN, k, 1)
        if k:
            put(base + 3, _B_IUN, k, 2)
            put(base + 4, _B_IUN, k, 3)
    put(0x63, _B_IUN, 0, 2)
    put(0x64, _B_IUN, 0, 3)
    for k, base in ((0, 0x6B), (1, 0x8B), (2, 0xAB), (3, 0xCB)):
        for i in range(3):
            put(base + i, _B_SHIFT, k, i)
    put(0x65, _B_NARROW, 1, 1)
    put(0x66, _B_NARROW, 1, 0)
    put(0x85, _B_NARROW, 2, 1)
    put(0x86, _B_NARROW, 2, 0)
    # extend low_s high_s low_u high_u, extmul the same, extadd_pairwise s u
    for k, ext, mul in ((1, 0x87, 0x9C), (2, 0xA7, 0xBC), (3, 0xC7, 0xDC)):
        for i, hs in enumerate((2, 3, 0, 1)):
            put(ext + i, _B_WIDEN, k, hs, 0)
            put(mul + i, _B_WIDEN, k, hs, 1)
    put(0x7C, _B_WIDEN, 1, 2, 2)
    put(0x7D, _B_WIDEN, 1, 0, 2)
    put(0x7E, _B_WIDEN, 2, 2, 2)
    put(0x7F, _B_WIDEN, 2, 0, 2)
    for i in range(4):                                   # ceil floor trunc nearest
        put(0x67 + i, _B_FLANES, 0, 1, i)
    for sub, i in ((0x74, 0), (0x75, 1), (0x7A, 2), (0x94, 3)):
        put(sub, _B_FLANES, 1, 1, i)
    for f, base in ((0, 0xE0), (1, 0xEC)):
        put(base, _B_FSIGN, f, 0)
        put(base + 1, _B_FSIGN, f, 1)
        put(base + 3, _B_FLANES, f, 1, 4)                # sqrt
        for i in range(6):                               # add sub mul div min max
            put(base + 4 + i, _B_FLANES, f, 2, 5 + i)
        put(base + 10, _B_PMINMAX, f, 0)
        put(base + 11, _B_PMINMAX, f, 1)
    for i, (f, u, ti) in enumerate(((0, 0, 1), (0, 1, 1), (0, 0, 0), (0, 1, 0),
                                    (1, 0, 1), (1, 1, 1), (1, 0, 0), (1, 1, 0))):
        put(0xF8 + i, _B_FCONV, f, u, ti)
    # relaxed SIMD, deterministic profile
    for i, (f, u) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        put(0x101 + i, _B_FCONV, f, u, 1)
    for i, (f, neg) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        put(0x105 + i, _B_MADD, f, neg)
    for i, (f, op) in enumerate(((0, 9), (0, 10), (1, 9), (1, 10))):
        put(0x10D + i, _B_FLANES, f, 2, op)
    return bytes(t)


_SPEC = None


def fn(sub, imm=None):
    """The function computing SIMD instruction `sub` (not the memory ones):
    f(a) / f(a, b) / f(a, b, c) on v128 (and scalar) operands, returning
    the result (a v128, or an i32 for the tests)."""
    global _SPEC
    form, d = S.form(sub)
    if form == S.SPLAT:
        return _splat(d)
    if form == S.EXTRACT:
        return _extract(sub, d, imm)
    if form == S.REPLACE:
        return _replace(d, imm)
    if form == S.SHUFFLE:
        return _shuffle(imm)
    f = _PLAIN.get(sub)
    if f is not None:
        return f
    if _SPEC is None:
        _SPEC = _spec()
    b, x, y, z = _SPEC[4 * sub:4 * sub + 4]
    if b == _B_IBIN:
        return _ibin(x, y, z)
    if b == _B_IUN:
        return _iun(x, y)
    if b == _B_SHIFT:
        return _shift(x, y)
    if b == _B_NARROW:
        return _narrow(x, y)
    if b == _B_WIDEN:
        return _widen(x, y & 1, y >> 1, z)
    if b == _B_FLANES:
        return _flanes(x, y, z)
    if b == _B_PMINMAX:
        return _pminmax(x, y)
    if b == _B_FSIGN:
        return _fsign(x, y)
    if b == _B_MADD:
        return _madd(x, y)
    if b == _B_FCONV:
        return _fconvert(x, y, z)
    raise KeyError("simd_lanes: no function for 0xfd %d" % sub)
