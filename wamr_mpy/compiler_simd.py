# v128 in the AOT/JIT code generator (compiler.FuncGen): a value is four
# 32-bit words (lanes 0-3 of i32x4, little-endian) in viper int locals, so a
# SIMD instruction becomes word arithmetic on registers - packed-lane (SWAR)
# tricks for 8- and 16-bit lanes - with no object and no allocation per
# instruction.  On 64-bit words each word is kept as its unsigned value
# (0 .. 2**32-1), so right shifts are logical; on 32-bit words it is the
# machine word itself and right shifts go through uint.
#
# A v128 always lives in variables: `s<h>v0..3` at stack height h, `l<i>v0..3`
# for local i.  Instructions not listed here, and v128 parameters, results,
# block types, globals or select, raise CompileError: the function then runs
# on the portable interpreter (compiler.new_gen guards those events).
# Imported only for modules that use v128 (Module.v128, config.WASM_SIMD).

from .func import I32, V128
from .compiler import V, CompileError, _lit, _SMALL

OP = 0xFD000
H8 = 0x80808080
L8 = 0x7F7F7F7F
H16 = 0x80008000
L16 = 0x7FFF7FFF


def words(p):
    return (p + "0", p + "1", p + "2", p + "3")


def qv(p):
    """The stack entry of the v128 in variables p0..p3."""
    return V(p, "q", V128, True, words(p), True)


def local_get(g, i):
    g.push(qv("l%dv" % i))


def local_set(g, i, tee):
    v = g.pop()
    d = "l%dv" % i
    if v.e != d:
        for j in range(4):
            g.forget(d + str(j))
        for j in range(4):
            g.line("%s%d = %s%d" % (d, j, v.e, j))
    if tee:
        g.push(qv(d))


def materialize(g, i):
    v = g.stack[i]
    d = "s%dv" % i
    if v.e != d:
        for j in range(4):
            g.forget(d + str(j), i)
        for j in range(4):
            g.line("%s%d = %s%d" % (d, j, v.e, j))
        g.stack[i] = qv(d)


def _dest(g):
    """The variables of the result pushed next (after the operands are popped):
    any stack entry still reading them is stored first."""
    d = "s%dv" % len(g.stack)
    for j in range(4):
        g.forget(d + str(j))
    return d


def _k(g, u):
    """The 32-bit constant u as an expression of this target's word form."""
    u &= 0xFFFFFFFF
    if g.w64:
        return _lit(u) if u < _SMALL else g.kconst(u, 64)
    return g.word(u)


def _srl(g, e, n):
    """Logical right shift of a word expression."""
    if g.w64:
        return "(%s >> %s)" % (e, n)
    return "int(uint(%s) >> %s)" % (e, n)


def _m(g, e):
    """A word expression cut to 32 bits (64-bit words only)."""
    return "((%s) & %s)" % (e, g.mk()) if g.w64 else "(%s)" % e


def _not(g, e):
    return _m(g, "~" + e) if g.w64 else "(~%s)" % e


def _i32(g, e, nrm):
    """Pushes the i32 e (read from v128 words) stored in its variable, so
    that no pending expression reads v128 variables."""
    g.push(g.mkv(e, I32, nrm or not g.w64, (), k="i"))
    g.materialize(len(g.stack) - 1, False)


# --- per-word formulas: (g, a, b) -> lines computing "vr" -------------------

def _add8(g, a, b, h, lo):
    return ["vr = ((%s & %s) + (%s & %s)) ^ ((%s ^ %s) & %s)"
            % (a, _k(g, lo), b, _k(g, lo), a, b, _k(g, h))]


def _sub8(g, a, b, h, lo):
    return ["vr = ((%s | %s) - (%s & %s)) ^ ((%s ^ %s) & %s)"
            % (a, _k(g, h), b, _k(g, lo), a, _not(g, b), _k(g, h))]


def _borrow(g, a, b, h, lo):
    """vc: the top bit of each lane set where lane a < lane b (unsigned)."""
    return _sub8(g, a, b, h, lo) + [
        "vc = ((%s & %s) | (%s & vr)) & %s" % (_not(g, a), b, _not(g, "(%s ^ %s)" % (a, b)),
                                               _k(g, h))]


def _lanemask(g, c, bits):
    """Every bit of a lane set where its top bit is set in c."""
    return "(%s * %d)" % (_srl(g, c, bits - 1), (1 << bits) - 1)


def _add_sat_u(g, a, b, h, lo, bits):
    return _add8(g, a, b, h, lo) + [
        "vc = ((%s & %s) | ((%s | %s) & %s)) & %s" % (a, b, a, b, _not(g, "vr"), _k(g, h)),
        "vr = vr | " + _lanemask(g, "vc", bits)]


def _sub_sat_u(g, a, b, h, lo, bits):
    return _borrow(g, a, b, h, lo) + ["vr = vr & " + _not(g, _lanemask(g, "vc", bits))]


def _avgr_u(g, a, b, h, lo):
    return ["vr = (%s | %s) - (%s & %s)" % (a, b, _srl(g, "(%s ^ %s)" % (a, b), 1), _k(g, lo))]


def _cmp_u(g, a, b, h, lo, bits, op):
    """Lane compares: lt/gt through the borrow of a - b (b - a), eq through
    a ^ b; the signed ones flip the lanes' top bits first."""
    if op in ("eq", "ne"):
        out = ["vt = %s ^ %s" % (a, b),
               "vc = (((vt & %s) + %s) | vt) & %s" % (_k(g, lo), _k(g, lo), _k(g, h))]
        m = _lanemask(g, "vc", bits)
        return out + ["vr = " + (m if op == "ne" else _m(g, "~" + m))]
    x, y = (a, b) if op in ("lt", "ge") else (b, a)
    m = _lanemask(g, "vc", bits)
    return _borrow(g, x, y, h, lo) + ["vr = " + (m if op in ("lt", "gt") else _m(g, "~" + m))]


def _cmp(op, signed, bits):
    h, lo = (H8, L8) if bits == 8 else (H16, L16)

    def f(g, a, b):
        if signed:
            g.line("vx = %s ^ %s" % (a, _k(g, h)))
            g.line("vy = %s ^ %s" % (b, _k(g, h)))
            return _cmp_u(g, "vx", "vy", h, lo, bits, op)
        return _cmp_u(g, a, b, h, lo, bits, op)
    return f


def _dot(g, a, b):
    def s16(e):
        return "((%s ^ 32768) - 32768)" % e
    return ["vr = " + _m(g, "%s * %s + %s * %s" % (
        s16("(%s & 65535)" % a), s16("(%s & 65535)" % b),
        s16(_srl(g, a, 16)), s16(_srl(g, b, 16))))]


def _mul16(g, a, b):
    return ["vr = " + _m(g, "(((%s & 65535) * (%s & 65535)) & 65535) | (((%s * %s) & 65535) << 16)"
                     % (a, b, _srl(g, a, 16), _srl(g, b, 16)))]


def _s32(g, e):
    """A word as a signed value (64-bit words: sign-extended)."""
    return "(%s << 32 >> 32)" % e if g.w64 else e


def _u32(g, e):
    return e if g.w64 else "uint(%s)" % e


_CMP32 = ("==", "!=", "<", "<", ">", ">", "<=", "<=", ">=", ">=")


def _cmp32(i):
    def f(g, a, b):
        if i < 2:
            c = "%s %s %s" % (a, _CMP32[i], b)
        elif i % 2 == 0:
            c = "%s %s %s" % (_s32(g, a), _CMP32[i], _s32(g, b))
        else:
            c = "%s %s %s" % (_u32(g, a), _CMP32[i], _u32(g, b))
        return ["vr = %s if %s else 0" % (_k(g, 0xFFFFFFFF), c)]
    return f


_BIN = {
    0x4E: lambda g, a, b: ["vr = %s & %s" % (a, b)],
    0x4F: lambda g, a, b: ["vr = %s & %s" % (a, _not(g, b))],
    0x50: lambda g, a, b: ["vr = %s | %s" % (a, b)],
    0x51: lambda g, a, b: ["vr = %s ^ %s" % (a, b)],
    0x6E: lambda g, a, b: _add8(g, a, b, H8, L8),
    0x70: lambda g, a, b: _add_sat_u(g, a, b, H8, L8, 8),
    0x71: lambda g, a, b: _sub8(g, a, b, H8, L8),
    0x73: lambda g, a, b: _sub_sat_u(g, a, b, H8, L8, 8),
    0x7B: lambda g, a, b: _avgr_u(g, a, b, H8, L8),
    0x8E: lambda g, a, b: _add8(g, a, b, H16, L16),
    0x90: lambda g, a, b: _add_sat_u(g, a, b, H16, L16, 16),
    0x91: lambda g, a, b: _sub8(g, a, b, H16, L16),
    0x93: lambda g, a, b: _sub_sat_u(g, a, b, H16, L16, 16),
    0x9B: lambda g, a, b: _avgr_u(g, a, b, H16, L16),
    0xAE: lambda g, a, b: ["vr = " + _m(g, "%s + %s" % (a, b))],
    0xB1: lambda g, a, b: ["vr = " + _m(g, "%s - %s" % (a, b))],
    0xB5: lambda g, a, b: ["vr = " + _m(g, "%s * %s" % (a, b))],
    0xBA: _dot,
    0x95: _mul16,
}
for _i, _n in enumerate(("eq", "ne", "lt", "lt", "gt", "gt", "le", "le", "ge", "ge")):
    _s = _i >= 2 and _i % 2 == 0
    _BIN[0x23 + _i] = _cmp(_n, _s, 8)
    _BIN[0x2D + _i] = _cmp(_n, _s, 16)
    _BIN[0x37 + _i] = _cmp32(_i)


def _binary(g, sub):
    b = g.pop()
    a = g.pop()
    d = _dest(g)
    f = _BIN[sub]
    for j in range(4):
        for ln in f(g, "%s%d" % (a.e, j), "%s%d" % (b.e, j)):
            g.line(ln)
        g.line("%s%d = vr" % (d, j))
    g.push(qv(d))


def _address(g, imm, n):
    off, lane, mem = imm
    a = g.pop()
    return "mb + " + g.address(a, off, n)


def _load(g, sub, imm):
    n = {0x00: 16, 0x07: 1, 0x08: 2, 0x09: 4, 0x5C: 4, 0x5D: 8}[sub]
    g.line("pa = " + _address(g, imm, n))
    d = _dest(g)
    if sub == 0x00 or sub == 0x5C or sub == 0x5D:
        for j in range(4):
            g.line("%s%d = %s" % (d, j, g.rd("pa + %d" % (4 * j), 4) if 4 * j < n else "0"))
    else:
        x = g.rd("pa", n)
        if n == 1:
            x = "%s * 16843009" % x
        elif n == 2:
            x = "%s * 65537" % x
        g.line("vr = " + _m(g, x) if n == 4 else "vr = " + x)
        for j in range(4):
            g.line("%s%d = vr" % (d, j))
    g.push(qv(d))


def _store(g, imm):
    v = g.pop()
    g.line("pa = " + _address(g, imm, 16))
    for j in range(4):
        g.wr("pa + %d" % (4 * j), 4, "%s%d" % (v.e, j))


def _splat(g, sub):
    a = g.pop()
    x = g.ival(a)
    if sub == 0x0F:
        e = "(%s & 255) * 16843009" % _pp(x)
    elif sub == 0x10:
        e = "(%s & 65535) * 65537" % _pp(x)
    else:
        e = _m(g, x) if g.w64 else x
    g.line("vr = " + e)
    d = _dest(g)
    for j in range(4):
        g.line("%s%d = vr" % (d, j))
    g.push(qv(d))


def _pp(x):
    return "(%s)" % x


def _extract(g, sub, lane):
    v = g.pop()
    if sub == 0x1B:
        _i32(g, "%s%d" % (v.e, lane), False)
        return
    bits = 8 if sub < 0x18 else 16
    per = 32 // bits
    w = "%s%d" % (v.e, lane // per)
    sh = (lane % per) * bits
    x = "(%s & %d)" % (_srl(g, w, sh) if sh else w, (1 << bits) - 1)
    if sub in (0x15, 0x18):
        s = 1 << (bits - 1)
        x = "((%s ^ %d) - %d)" % (x, s, s)
    _i32(g, x, True)


def _replace32(g, lane):
    x = g.pop()
    v = g.pop()
    g.line("vr = " + (_m(g, g.ival(x)) if g.w64 else g.ival(x)))
    d = _dest(g)
    for j in range(4):
        e = "vr" if j == lane else "%s%d" % (v.e, j)
        if e != "%s%d" % (d, j):
            g.line("%s%d = %s" % (d, j, e))
    g.push(qv(d))


def _bitmask8(g, v):
    parts = []
    for j in range(4):
        g.line("vt = " + _srl(g, "(%s%d & %s)" % (v.e, j, _k(g, H8)), 7))
        g.line("vb%d = (vt | (vt >> 7) | (vt >> 14) | (vt >> 21)) & 15" % j)
        parts.append("(vb%d << %d)" % (j, 4 * j) if j else "vb0")
    _i32(g, " | ".join(parts), True)


def _shuffle(g, lanes):
    """i8x16.shuffle: each result byte from a constant byte of a or b; the
    words go through vq0..3 (the result may take an operand's variables)."""
    b = g.pop()
    a = g.pop()
    for j in range(4):
        parts = []
        for k in range(4):
            i = lanes[4 * j + k]
            src = a if i < 16 else b
            i &= 15
            w = "%s%d" % (src.e, i // 4)
            x = "(%s & 255)" % (_srl(g, w, 8 * (i % 4)) if i % 4 else w)
            parts.append("(%s << %d)" % (x, 8 * k) if k else x)
        g.line("vq%d = %s" % (j, " | ".join(parts)))
    d = _dest(g)
    for j in range(4):
        g.line("%s%d = vq%d" % (d, j, j))
    g.push(qv(d))


def _extend(g, sub):
    """i16x8 from the low/high 8 bytes of i8x16, i32x4 from the low/high
    4 halves of i16x8, signed or unsigned."""
    v = g.pop()
    bits = 8 if sub < 0xA0 else 16
    high = sub in (0x88, 0x8A, 0xA8, 0xAA)
    signed = sub in (0x87, 0x88, 0xA7, 0xA8)
    m = (1 << bits) - 1
    s = 1 << (bits - 1)
    per = 32 // (2 * bits)          # input lanes per output word
    for j in range(4):
        parts = []
        for k in range(per):
            lane = (8 if bits == 8 else 4) * high + per * j + k
            w = "%s%d" % (v.e, lane * bits // 32)
            sh = lane * bits % 32
            x = "(%s & %d)" % (_srl(g, w, sh) if sh else w, m)
            if signed:
                x = "((%s ^ %d) - %d)" % (x, s, s)
                if bits == 8:
                    x = "(%s & 65535)" % x
                elif g.w64:
                    x = "(%s & %s)" % (x, g.mk())
            parts.append("(%s << %d)" % (x, 2 * bits * k) if k else x)
        g.line("vq%d = %s" % (j, _m(g, " | ".join(parts)) if g.w64 else " | ".join(parts)))
    d = _dest(g)
    for j in range(4):
        g.line("%s%d = vq%d" % (d, j, j))
    g.push(qv(d))


def _shift(g, sub):
    n = g.pop()
    v = g.pop()
    g.line("vn = %s & 31" % _pp(g.ival(n)))
    d = _dest(g)
    for j in range(4):
        a = "%s%d" % (v.e, j)
        if sub == 0xAB:
            e = _m(g, "%s << vn" % a)
        elif sub == 0xAD:
            e = _srl(g, a, "vn")
        elif g.w64:
            e = _m(g, "(%s << 32 >> 32) >> vn" % a)
        else:
            e = "%s >> vn" % a
        g.line("%s%d = %s" % (d, j, e))
    g.push(qv(d))


def op(g, op, imm):
    """Emits SIMD instruction op (OP + sub-opcode), or raises CompileError."""
    if op < OP:     # local.get/set/tee of a v128 local
        if op == 0x20:
            return local_get(g, imm)
        return local_set(g, imm, op == 0x22)
    sub = op - OP
    if sub in _BIN:
        return _binary(g, sub)
    if sub in (0x00, 0x07, 0x08, 0x09, 0x5C, 0x5D):
        return _load(g, sub, imm)
    if sub == 0x0B:
        return _store(g, imm)
    if sub == 0x0C:
        d = _dest(g)
        for j in range(4):
            w = imm[4 * j] | (imm[4 * j + 1] << 8) | (imm[4 * j + 2] << 16) | (imm[4 * j + 3] << 24)
            g.line("%s%d = %s" % (d, j, _k(g, w)))
        g.push(qv(d))
        return
    if sub in (0x0F, 0x10, 0x11):
        return _splat(g, sub)
    if sub in (0x15, 0x16, 0x18, 0x19, 0x1B):
        return _extract(g, sub, imm)
    if sub == 0x1C:
        return _replace32(g, imm)
    if sub == 0x4D:
        v = g.pop()
        d = _dest(g)
        for j in range(4):
            g.line("%s%d = %s" % (d, j, _not(g, "%s%d" % (v.e, j))))
        g.push(qv(d))
        return
    if sub == 0x52:
        c = g.pop()
        b = g.pop()
        a = g.pop()
        d = _dest(g)
        for j in range(4):
            aj, bj, cj = ("%s%d" % (x.e, j) for x in (a, b, c))
            g.line("%s%d = (%s & %s) | (%s & %s)" % (d, j, aj, cj, bj, _not(g, cj)))
        g.push(qv(d))
        return
    if sub == 0x53:
        v = g.pop()
        _i32(g, "int((%s0 | %s1 | %s2 | %s3) != 0)" % (v.e, v.e, v.e, v.e), True)
        return
    if sub == 0x64:
        return _bitmask8(g, g.pop())
    if sub in (0xAB, 0xAC, 0xAD):
        return _shift(g, sub)
    if sub == 0x0D:
        return _shuffle(g, imm)
    if sub in (0x87, 0x88, 0x89, 0x8A, 0xA7, 0xA8, 0xA9, 0xAA):
        return _extend(g, sub)
    raise CompileError("v128: SIMD instruction 0xfd %d is not compiled: this tier leaves "
                       "the function to the interpreter" % sub)
