# Float arithmetic on bit patterns in machine words, as viper code: what
# compiled code (compiler.py, float mode "bits") calls for the f32/f64
# operations it does not inline.  Exact IEEE-754 results (round to nearest
# even, subnormals, infinities) with the NaN rules of softfloat.py (an
# operation on NaN inputs returns the first NaN input with its quiet bit
# set; an invalid operation returns the positive canonical NaN), so compiled
# code computes the same bits as the interpreters in either float mode.
#
# Interface: operands in the words of an array('i') (W, the compiled code's
# context words), from SCR on; the operation code in W[OP]; the result
# replaces the first operand.  No arguments but W: a viper call with int
# arguments would box them (a heap object per call for 32-bit patterns on
# a 32-bit port).  f32 patterns take one word, f64 patterns two (low, high).
#
#   f32op(W): W[SCR] = op(W[SCR], W[SCR + 1])
#   f64op(W): W[SCR..SCR+1] = op(W[SCR..SCR+1], W[SCR+2..SCR+3]), in
#             vfloat_w32.py and vfloat_w64.py, one for each word size
#
# The code is right for 32-bit and 64-bit machine words: a word read from W
# is the signed value on a 32-bit port and the zero-extended one on a 64-bit
# port, so signs are taken as bit 31 and every intermediate stays below
# 2**31.  Constants of 2**30 or more are built at run time (viper literals
# that big are objects).
import micropython

# Word indexes (compiler.py's OPW and SCR), and the operation codes below,
# are written as comments: names here would cost a board's build bytes
# for nothing, the routines and the code calling them use the numbers.
#   OP = 7, SCR = 8

# f32op codes (compiler.py and softfloat_viper.py use these numbers):
#   0 add, 1 sub, 2 mul, 3 div, 4 sqrt, 5 min, 6 max, 7 ceil, 8 floor,
#   9 trunc, 10 nearest, 20 .. 23 convert_i32_s, i32_u, i64_s, i64_u,
#   24 demote_f64


@micropython.viper
def f32op(W):
    w = ptr32(W)
    op = int(w[7])
    a = int(w[8])
    b = int(w[9])
    M31 = 0x7FFF
    M31 = (M31 << 16) | 0xFFFF         # 0x7fffffff
    INF = 0x7F80
    INF = INF << 16                    # 0x7f800000
    CNAN = 0x7FC0
    CNAN = CNAN << 16                  # 0x7fc00000
    QN = 0x400000
    x = a & M31
    y = b & M31
    sa = (a >> 31) & 1
    sb = (b >> 31) & 1
    r = 0
    pk = 0          # 1: r = the f32 nearest to (-1)**sg * m * 2**e
    sg = 0
    m = 0
    e = 0
    if op <= 1:                                        # add, sub
        if op == 1:
            sb ^= 1
        if x >= INF or y >= INF:
            if x > INF:
                r = a | QN
            elif y > INF:
                r = y | (sb << 31) | QN
            elif x == y and sa != sb:
                r = CNAN                               # inf - inf
            elif x == INF:
                r = a
            else:
                r = y | (sb << 31)
        elif y == 0:
            if x == 0:
                r = (sa & sb) << 31                    # -0 only if both are -0
            else:
                r = a
        elif x == 0:
            r = y | (sb << 31)
        else:
            if x < y:
                t = x
                x = y
                y = t
                t = sa
                sa = sb
                sb = t
            ex = x >> 23
            mx = x & 0x7FFFFF
            if ex:
                mx |= 0x800000
            else:
                ex = 1
            ey = y >> 23
            my = y & 0x7FFFFF
            if ey:
                my |= 0x800000
            else:
                ey = 1
            d = ex - ey
            mx = mx << 3                               # guard, round, sticky
            my = my << 3
            if d > 27:
                my = 1
            elif d > 0:
                t = my >> d
                if (t << d) != my:
                    t |= 1
                my = t
            if sa == sb:
                m = mx + my
            else:
                m = mx - my
            if m:
                sg = sa
                e = ex - 153
                pk = 1
    elif op <= 4:                                      # mul, div, sqrt
        sp = 1                                         # a special case: r is set
        if x > INF:
            r = a | QN
        elif op == 4:
            if sa and x:
                r = CNAN                               # sqrt of a negative
            elif x == 0 or x >= INF:
                r = a
            else:
                sp = 0
        elif y > INF:
            r = b | QN
        elif x >= INF or y >= INF or x == 0 or y == 0:
            if op == 2 and (x == INF or y == INF):
                if x == 0 or y == 0:
                    r = CNAN                           # inf * 0
                else:
                    r = ((sa ^ sb) << 31) | INF
            elif op == 3 and x == y:
                r = CNAN                               # inf / inf, 0 / 0
            elif op == 3 and (x == INF or y == 0):
                r = ((sa ^ sb) << 31) | INF
            else:
                r = (sa ^ sb) << 31
        else:
            sp = 0
        if sp == 0:
            ex = x >> 23
            mx = x & 0x7FFFFF
            if ex:
                mx |= 0x800000
            else:
                ex = 1
                while mx < 0x800000:
                    mx = mx << 1
                    ex -= 1
            pk = 1
            if op == 4:
                e = ex - 150
                if e & 1:
                    mx = mx << 1
                    e -= 1
                # digit by digit: 27 root bits of mx * 2**28, two radicand bits
                # a step
                rem = 0
                q = 0
                i = 0
                while i < 27:
                    p = 24 - 2 * i
                    if p >= 0:
                        rem = (rem << 2) | ((mx >> p) & 3)
                    else:
                        rem = rem << 2
                    t = (q << 2) | 1
                    q = q << 1
                    if rem >= t:
                        rem -= t
                        q |= 1
                    i += 1
                m = q
                if rem:
                    m |= 1
                e = (e - 28) >> 1
            else:
                ey = y >> 23
                my = y & 0x7FFFFF
                if ey:
                    my |= 0x800000
                else:
                    ey = 1
                    while my < 0x800000:
                        my = my << 1
                        ey -= 1
                sg = sa ^ sb
                if op == 2:
                    # the 48-bit product from 12-bit limbs (no partial product
                    # reaches 2**26): its top 30 bits and a sticky bit
                    xl = mx & 0xFFF
                    xh = mx >> 12
                    yl = my & 0xFFF
                    yh = my >> 12
                    p1 = xh * yl + xl * yh
                    c0 = xl * yl + ((p1 & 0xFFF) << 12)
                    top = xh * yh + (p1 >> 12) + (c0 >> 24)
                    c0 = c0 & 0xFFFFFF
                    m = (top << 6) | (c0 >> 18)
                    if c0 & 0x3FFFF:
                        m |= 1
                    e = ex + ey - 282
                else:
                    # 27 quotient bits of mx * 2**26 / my, shift and subtract
                    q = 0
                    i = 0
                    while i < 27:
                        q = q << 1
                        if mx >= my:
                            mx -= my
                            q |= 1
                        mx = mx << 1
                        i += 1
                    m = q
                    if mx:
                        m |= 1
                    e = ex - ey - 26
    elif op <= 6:                                      # min, max
        if x > INF:
            r = a | QN
        elif y > INF:
            r = b | QN
        else:
            # order key: -0 < +0, more negative smaller
            ka = x
            if sa:
                ka = -1 - x
            kb = y
            if sb:
                kb = -1 - y
            if (op == 5 and ka <= kb) or (op == 6 and ka >= kb):
                r = a
            else:
                r = b
    elif op <= 10:                                     # ceil, floor, trunc, nearest
        ex = x >> 23
        if ex >= 150:
            if x > INF:
                r = a | QN
            else:
                r = a
        elif ex < 127:                                 # |a| < 1
            one = 0x3F80
            one = one << 16
            r = sa << 31
            if x:
                if op == 7 and sa == 0:
                    r = one
                elif op == 8 and sa:
                    r = r | one
                elif op == 10 and ex == 126 and x > 0x3F000000:
                    r = r | one
        else:
            n = 150 - ex
            mask = (1 << n) - 1
            f = x & mask
            t = x - f
            if f:
                if (op == 7 and sa == 0) or (op == 8 and sa):
                    t += 1 << n
                elif op == 10:
                    h = 1 << (n - 1)
                    if f > h or (f == h and (t >> n) & 1):
                        t += 1 << n
            r = t | (sa << 31)
    elif op <= 23:                                     # f32.convert_i32/i64_s/u
        M32 = 0xFFFF
        M32 = (M32 << 16) | 0xFFFF                     # all ones in 32 bits
        lo = a & M32
        hi = 0
        if op >= 22:
            hi = b & M32
        neg = 0
        if op == 20:
            neg = sa
        elif op == 22:
            neg = sb
        if neg:                                        # magnitude: negate
            if op == 20:
                lo = (0 - lo) & M32
            else:
                hi = (~hi + int(lo == 0)) & M32
                lo = (0 - lo) & M32
        if lo or hi:
            # to 30 bits or fewer with a sticky bit: m * 2**e
            s = 0
            if hi:
                t = int(uint(hi) >> 16)
                s = 32
                if t:
                    s = 48
                else:
                    t = hi & 0xFFFF
                if t >> 8:
                    s += 8
                    t = t >> 8
                if t >> 4:
                    s += 4
                    t = t >> 4
                if t >> 2:
                    s += 2
                    t = t >> 2
                if t >> 1:
                    s += 1
                    t = t >> 1
                s = s + t - 30                         # 64-bit length - 30 > 0
            elif int(uint(lo) >> 30):
                s = 2
            if s == 0:
                m = lo
            elif s < 32:
                m = (int(uint(lo) >> s) | (hi << (32 - s))) & 0x3FFFFFFF
                if lo & ((1 << s) - 1):
                    m |= 1
            else:
                m = int(uint(hi) >> (s - 32))
                if lo or (hi & ((1 << (s - 32)) - 1)):
                    m |= 1
            e = s
            sg = neg
            pk = 1
    elif op == 24:                                     # f32.demote_f64
        hi = b
        xh = hi & M31
        ex = xh >> 20
        if ex == 0x7FF:
            if (xh & 0xFFFFF) or a:
                r = (sb << 31) | CNAN | ((xh & 0xFFFFF) << 3) | int(uint(a) >> 29)
            else:
                r = (sb << 31) | INF
        elif ex == 0 and (xh | a) == 0:
            r = sb << 31
        else:
            # 53-bit significand: top 30 bits and a sticky bit
            mh = xh & 0xFFFFF
            if ex:
                mh |= 0x100000
            else:
                ex = 1
            m = (mh << 9) | int(uint(a) >> 23)
            if a & 0x7FFFFF:
                m |= 1
            sg = sb
            e = ex - 1075 + 23
            pk = 1
            if m == 0:
                pk = 0
                r = sb << 31
    if pk:
        # round (-1)**sg * m * 2**e (0 < m < 2**30, two or more bits below
        # the rounding point when it is inexact) to binary32
        n = 0
        t = m
        if t >> 16:
            n = 16
            t = t >> 16
        if t >> 8:
            n += 8
            t = t >> 8
        if t >> 4:
            n += 4
            t = t >> 4
        if t >> 2:
            n += 2
            t = t >> 2
        if t >> 1:
            n += 1
            t = t >> 1
        n += t                                         # bits in m
        sh = n - 24
        if sh < -149 - e:
            sh = -149 - e
        if sh > 0:
            if sh > n:
                m = 0
            else:
                q = m >> sh
                rem = m - (q << sh)
                h = 1 << (sh - 1)
                if rem > h or (rem == h and (q & 1)):
                    q += 1
                m = q
        else:
            m = m << (0 - sh)
        bias = e + sh + 149
        if bias >= 255:
            r = INF
        else:
            # m in [2**23, 2**24] at a normal exponent or < 2**23 at the
            # subnormal one: adding carries into the exponent field
            r = m + (bias << 23)
            if r >= INF:
                r = INF
        r = r | (sg << 31)
    w[8] = r


# f64op codes: those of f32op; 25 promote_f32, 26 .. 29 convert_i32_s,
# i32_u, i64_s, i64_u (same order as f32op's 20 .. 23)




# ftrunc codes: bit 0 signed, bit 1 to i64, bit 2 from f64, bit 3 saturating


def _invc():
    from .errors import Trap, INVALID_CONV
    raise Trap("invalid conversion to integer", INVALID_CONV)


def _ovf():
    from .errors import Trap, INT_OVERFLOW
    raise Trap("integer overflow", INT_OVERFLOW)


@micropython.viper
def ftrunc(W):
    """W[SCR] (f32) or W[SCR..SCR+1] (f64) truncated to an integer:
    W[SCR] (i32) or W[SCR..SCR+1] (i64); traps, or saturates, per W[OP]."""
    w = ptr32(W)
    op = int(w[7])
    M32 = 0xFFFF
    M32 = (M32 << 16) | 0xFFFF         # all ones in 32 bits
    M31 = int(uint(M32) >> 1)
    lo = int(w[8]) & M32
    if op & 4:
        hi = int(w[9]) & M32
        s = int(uint(hi) >> 31)
        ex = (hi >> 20) & 0x7FF
        nan = ex == 0x7FF and ((hi & 0xFFFFF) or lo)
        E = ex - 1023
        mh = (hi & 0xFFFFF) | 0x100000
        ml = lo
        p = 52
    else:
        s = int(uint(lo) >> 31)
        ex = (lo >> 23) & 0xFF
        nan = ex == 0xFF and (lo & 0x7FFFFF)
        E = ex - 127
        mh = 0
        ml = (lo & 0x7FFFFF) | 0x800000
        p = 23
    big = 0         # magnitude 2**64 or more
    if nan:
        if op & 8 == 0:
            _invc()
        mh = 0
        ml = 0
        s = 0
    elif E < 0:
        mh = 0
        ml = 0
    elif E >= 64:
        big = 1
    elif E >= p:
        k = E - p                                      # shift left, < 41
        if k >= 32:
            mh = (ml << (k - 32)) & M32
            ml = 0
        elif k:
            mh = ((mh << k) | int(uint(ml) >> (32 - k))) & M32
            ml = (ml << k) & M32
    else:
        k = p - E                                      # shift right, 1 .. 52
        if k >= 32:
            ml = int(uint(mh) >> (k - 32))
            mh = 0
        else:
            ml = (int(uint(ml) >> k) | (mh << (32 - k))) & M32
            mh = int(uint(mh) >> k)
    # range of the target; magnitudes are mh:ml (unsigned)
    t64 = op & 2
    over = big
    if over == 0:
        if t64:
            if op & 1:
                # |v| <= 2**63 - 1, or 2**63 if negative
                if int(uint(mh) >> 31):
                    over = 1 if (s == 0 or (mh & M31) or ml) else 0
            elif s and (mh | ml):
                over = 1
        else:
            if mh:
                over = 1
            elif op & 1:
                if int(uint(ml) >> 31):
                    over = 1 if (s == 0 or (ml & M31)) else 0
            elif s and ml:
                over = 1
    if over:
        if op & 8 == 0:
            _ovf()
        # saturate
        if op & 1:
            if s:
                mh = 0
                ml = 0
                if t64:
                    mh = 1
                    mh = mh << 31
                else:
                    ml = 1
                    ml = ml << 31
                s = 0
            else:
                ml = M32
                mh = M31
                if t64 == 0:
                    mh = 0
                    ml = M31
        else:
            if s:
                mh = 0
                ml = 0
            else:
                mh = M32
                ml = M32
            s = 0
    if s:                                              # negate the pair
        mh = (~mh + int(ml == 0)) & M32
        ml = (0 - ml) & M32
    w[8] = ml
    w[9] = mh
