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
#   f64op(W): W[SCR..SCR+1] = op(W[SCR..SCR+1], W[SCR+2..SCR+3])
#
# The code is right for 32-bit and 64-bit machine words: a word read from W
# is the signed value on a 32-bit port and the zero-extended one on a 64-bit
# port, so signs are taken as bit 31 and every intermediate stays below
# 2**31.  Constants of 2**30 or more are built at run time (viper literals
# that big are objects).
import micropython

OP = 7
SCR = 8

# f32op codes (compiler.py uses these numbers)
ADD, SUB, MUL, DIV, SQRT, MIN, MAX, CEIL, FLOOR, TRUNC, NEAREST = range(11)
CONV_I32_S, CONV_I32_U, CONV_I64_S, CONV_I64_U, DEMOTE = 20, 21, 22, 23, 24


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
    elif op == 2:                                      # mul
        if x >= INF or y >= INF or x == 0 or y == 0:
            if x > INF:
                r = a | QN
            elif y > INF:
                r = b | QN
            elif x == INF or y == INF:
                if x == 0 or y == 0:
                    r = CNAN                           # inf * 0
                else:
                    r = ((sa ^ sb) << 31) | INF
            else:
                r = (sa ^ sb) << 31
        else:
            ex = x >> 23
            mx = x & 0x7FFFFF
            if ex:
                mx |= 0x800000
            else:
                ex = 1
                while mx < 0x800000:
                    mx = mx << 1
                    ex -= 1
            ey = y >> 23
            my = y & 0x7FFFFF
            if ey:
                my |= 0x800000
            else:
                ey = 1
                while my < 0x800000:
                    my = my << 1
                    ey -= 1
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
            sg = sa ^ sb
            e = ex + ey - 282
            pk = 1
    elif op == 3:                                      # div
        if x >= INF or y >= INF or x == 0 or y == 0:
            if x > INF:
                r = a | QN
            elif y > INF:
                r = b | QN
            elif x == y:
                r = CNAN                               # inf / inf, 0 / 0
            elif x == INF or y == 0:
                r = ((sa ^ sb) << 31) | INF
            else:
                r = (sa ^ sb) << 31
        else:
            ex = x >> 23
            mx = x & 0x7FFFFF
            if ex:
                mx |= 0x800000
            else:
                ex = 1
                while mx < 0x800000:
                    mx = mx << 1
                    ex -= 1
            ey = y >> 23
            my = y & 0x7FFFFF
            if ey:
                my |= 0x800000
            else:
                ey = 1
                while my < 0x800000:
                    my = my << 1
                    ey -= 1
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
            sg = sa ^ sb
            e = ex - ey - 26
            pk = 1
    elif op == 4:                                      # sqrt
        if sa and x:
            if x > INF:
                r = a | QN
            else:
                r = CNAN
        elif x == 0:
            r = a
        elif x >= INF:
            if x > INF:
                r = a | QN
            else:
                r = a
        else:
            ex = x >> 23
            mx = x & 0x7FFFFF
            if ex:
                mx |= 0x800000
            else:
                ex = 1
                while mx < 0x800000:
                    mx = mx << 1
                    ex -= 1
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
            pk = 1
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
PROMOTE = 25
F64_CONV = 26


@micropython.viper
def _f64op_w64(W):
    # f64op for 64-bit words: a pattern is one viper int
    w = ptr32(W)
    op = int(w[7])
    a = int(w[8]) | (int(w[9]) << 32)
    b = int(w[10]) | (int(w[11]) << 32)
    M63 = 1
    M63 = (M63 << 63) - 1
    INF = 0x7FF
    INF = INF << 52
    CNAN = 0xFFF
    CNAN = CNAN << 51
    QN = 1
    QN = QN << 51
    M52 = 1
    M52 = (M52 << 52) - 1
    H52 = M52 + 1
    x = a & M63
    y = b & M63
    sa = int(uint(a) >> 63)
    sb = int(uint(b) >> 63)
    r = 0
    pk = 0          # 1: r = the f64 nearest to (-1)**sg * m * 2**e
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
                r = y | (sb << 63) | QN
            elif x == y and sa != sb:
                r = CNAN
            elif x == INF:
                r = a
            else:
                r = y | (sb << 63)
        elif y == 0:
            if x == 0:
                r = (sa & sb) << 63
            else:
                r = a
        elif x == 0:
            r = y | (sb << 63)
        else:
            if x < y:
                t = x
                x = y
                y = t
                t = sa
                sa = sb
                sb = t
            ex = x >> 52
            mx = x & M52
            if ex:
                mx |= H52
            else:
                ex = 1
            ey = y >> 52
            my = y & M52
            if ey:
                my |= H52
            else:
                ey = 1
            d = ex - ey
            mx = mx << 3
            my = my << 3
            if d > 56:
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
                e = ex - 1078
                pk = 1
    elif op == 2:                                      # mul
        if x >= INF or y >= INF or x == 0 or y == 0:
            if x > INF:
                r = a | QN
            elif y > INF:
                r = b | QN
            elif x == INF or y == INF:
                if x == 0 or y == 0:
                    r = CNAN
                else:
                    r = ((sa ^ sb) << 63) | INF
            else:
                r = (sa ^ sb) << 63
        else:
            ex = x >> 52
            mx = x & M52
            if ex:
                mx |= H52
            else:
                ex = 1
                while mx < H52:
                    mx = mx << 1
                    ex -= 1
            ey = y >> 52
            my = y & M52
            if ey:
                my |= H52
            else:
                ey = 1
                while my < H52:
                    my = my << 1
                    ey -= 1
            # the 106-bit product from 26/27-bit limbs: its top 62 bits and
            # a sticky bit
            L26 = (1 << 26) - 1
            xl = mx & L26
            xh = mx >> 26
            yl = my & L26
            yh = my >> 26
            p1 = xh * yl + xl * yh
            c0 = xl * yl + ((p1 & L26) << 26)
            top = xh * yh + (p1 >> 26) + (c0 >> 52)
            c0 = c0 & M52
            m = (top << 8) | (c0 >> 44)
            t = 1
            if c0 & ((t << 44) - 1):
                m |= 1
            sg = sa ^ sb
            e = ex + ey - 2106
            pk = 1
    elif op == 3:                                      # div
        if x >= INF or y >= INF or x == 0 or y == 0:
            if x > INF:
                r = a | QN
            elif y > INF:
                r = b | QN
            elif x == y:
                r = CNAN
            elif x == INF or y == 0:
                r = ((sa ^ sb) << 63) | INF
            else:
                r = (sa ^ sb) << 63
        else:
            ex = x >> 52
            mx = x & M52
            if ex:
                mx |= H52
            else:
                ex = 1
                while mx < H52:
                    mx = mx << 1
                    ex -= 1
            ey = y >> 52
            my = y & M52
            if ey:
                my |= H52
            else:
                ey = 1
                while my < H52:
                    my = my << 1
                    ey -= 1
            # q = mx * 2**55 // my, 10 bits a hardware division (rem < my
            # < 2**53: rem << 10 fits a word); mx keeps the remainder
            q = mx // my
            mx = mx - q * my
            i = 0
            while i < 5:
                mx = mx << 10
                t = mx // my
                mx = mx - t * my
                q = (q << 10) | t
                i += 1
            mx = mx << 5
            t = mx // my
            mx = mx - t * my
            q = (q << 5) | t
            m = q
            if mx:
                m |= 1
            sg = sa ^ sb
            e = ex - ey - 55
            pk = 1
    elif op == 4:                                      # sqrt
        if sa and x:
            if x > INF:
                r = a | QN
            else:
                r = CNAN
        elif x == 0:
            r = a
        elif x >= INF:
            if x > INF:
                r = a | QN
            else:
                r = a
        else:
            ex = x >> 52
            mx = x & M52
            if ex:
                mx |= H52
            else:
                ex = 1
                while mx < H52:
                    mx = mx << 1
                    ex -= 1
            e = ex - 1075
            if e & 1:
                mx = mx << 1
                e -= 1
            # q = isqrt(mx * 2**56) = isqrt(A * 2**48), A = mx * 2**8 in
            # [2**60, 2**62): isqrt(A) by Newton's method from above (the
            # tangent of sqrt at 2**61, 6% high: 4 steps), then one tangent
            # step for the 24 bits below it, where the remainder
            # mx * 2**56 - q*q is exact in a word (the step is at most one
            # or two too high)
            A = mx << 8
            t = 1
            q = (((A >> 30) + (t << 31)) * 23171) >> 16
            i = 0
            while i < 4:
                q = (q + A // q) >> 1
                i += 1
            while q * q > A:
                q -= 1
            while (q + 1) * (q + 1) <= A:
                q += 1
            r0 = A - q * q
            d = (r0 << 23) // q
            rem = ((r0 << 24) - ((q * d) << 1)) << 24
            rem = rem - d * d
            q = (q << 24) + d
            while rem < 0:
                q -= 1
                rem = rem + (q << 1) + 1
            m = q
            if rem:
                m |= 1
            e = (e - 56) >> 1
            pk = 1
    elif op <= 6:                                      # min, max
        if x > INF:
            r = a | QN
        elif y > INF:
            r = b | QN
        else:
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
        ex = x >> 52
        if ex >= 1075:
            if x > INF:
                r = a | QN
            else:
                r = a
        elif ex < 1023:
            one = 0x3FF
            one = one << 52
            r = sa << 63
            if x:
                half = 0x3FE
                half = half << 52
                if op == 7 and sa == 0:
                    r = one
                elif op == 8 and sa:
                    r = r | one
                elif op == 10 and x > half:
                    r = r | one
        else:
            n = 1075 - ex
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
            r = t | (sa << 63)
    elif op == 25:                                     # f64.promote_f32
        a = int(w[8])
        t = 1
        x = a & ((t << 31) - 1)
        sa = (a >> 31) & 1
        ex = x >> 23
        if ex == 0xFF:
            if x & 0x7FFFFF:
                r = CNAN | ((x & 0x7FFFFF) << 29)
            else:
                r = INF
            r = r | (sa << 63)
        elif x == 0:
            r = sa << 63
        else:
            m = x & 0x7FFFFF
            if ex:
                m |= 0x800000
            else:
                ex = 1
            sg = sa
            e = ex - 150
            pk = 1
    elif op <= 29:                                     # f64.convert_i32/i64_s/u
        lo = int(w[8])
        if op == 26:
            m = lo << 32 >> 32                         # signed
        elif op == 27:
            m = lo                                     # zero-extended
        else:
            m = a
        if m:
            if op == 26 or op == 28:
                if m < 0:
                    sg = 1
                    m = 0 - m
            # a 64-bit magnitude (2**63 and up for i64_u and i64_s MIN): to
            # 62 bits with a sticky bit
            if int(uint(m) >> 62):
                t = m & 3
                m = int(uint(m) >> 2)
                if t:
                    m |= 1
                e = 2
            pk = 1
    if pk:
        # round (-1)**sg * m * 2**e (0 < m < 2**62) to binary64
        n = 0
        t = m
        if t >> 32:
            n = 32
            t = t >> 32
        if t >> 16:
            n += 16
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
        n += t
        sh = n - 53
        if sh < -1074 - e:
            sh = -1074 - e
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
        bias = e + sh + 1074
        if bias >= 2047:
            r = INF
        else:
            r = m + (bias << 52)
            if r >= INF:
                r = INF
        r = r | (sg << 63)
    w[8] = r
    w[9] = r >> 32


@micropython.viper
def _f64op_w32(W):
    # f64op for 32-bit words: a pattern is a pair (high word, low word)
    w = ptr32(W)
    op = int(w[7])
    al = int(w[8])
    ah = int(w[9])
    bl = int(w[10])
    bh = int(w[11])
    M31 = 0x7FFF
    M31 = (M31 << 16) | 0xFFFF
    INF = 0x7FF0
    INF = INF << 16                    # high word of infinity
    CNAN = 0x7FF8
    CNAN = CNAN << 16
    QN = 0x80000
    xh = ah & M31
    xl = al
    yh = bh & M31
    yl = bl
    sa = (ah >> 31) & 1
    sb = (bh >> 31) & 1
    rh = 0
    rl = 0
    pk = 0          # 1: r = the f64 nearest to (-1)**sg * (mh:ml) * 2**e
    sg = 0
    mh = 0
    ml = 0
    e = 0
    xnan = xh > INF or (xh == INF and xl != 0)
    ynan = yh > INF or (yh == INF and yl != 0)
    if op <= 1:                                        # add, sub
        if op == 1:
            sb ^= 1
        if xh >= INF or yh >= INF:
            if xnan:
                rh = ah | QN
                rl = al
            elif ynan:
                rh = yh | (sb << 31) | QN
                rl = yl
            elif xh == yh and sa != sb:
                rh = CNAN
            elif xh == INF:
                rh = ah
                rl = al
            else:
                rh = yh | (sb << 31)
                rl = yl
        elif (yh | yl) == 0:
            if (xh | xl) == 0:
                rh = (sa & sb) << 31
            else:
                rh = ah
                rl = al
        elif (xh | xl) == 0:
            rh = yh | (sb << 31)
            rl = yl
        else:
            if xh < yh or (xh == yh and uint(xl) < uint(yl)):
                t = xh
                xh = yh
                yh = t
                t = xl
                xl = yl
                yl = t
                t = sa
                sa = sb
                sb = t
            ex = xh >> 20
            xh = xh & 0xFFFFF
            if ex:
                xh |= 0x100000
            else:
                ex = 1
            ey = yh >> 20
            yh = yh & 0xFFFFF
            if ey:
                yh |= 0x100000
            else:
                ey = 1
            d = ex - ey
            xh = (xh << 3) | int(uint(xl) >> 29)
            xl = xl << 3
            yh = (yh << 3) | int(uint(yl) >> 29)
            yl = yl << 3
            if d > 56:
                yh = 0
                yl = 1
            elif d > 0:
                if d >= 32:
                    st = yl | (yh & ((1 << (d - 32)) - 1))
                    yl = int(uint(yh) >> (d - 32))
                    yh = 0
                else:
                    st = yl & ((1 << d) - 1)
                    yl = int(uint(yl) >> d) | (yh << (32 - d))
                    yh = int(uint(yh) >> d)
                if st:
                    yl |= 1
            if sa == sb:
                ml = xl + yl
                mh = xh + yh + int(uint(ml) < uint(xl))
            else:
                ml = xl - yl
                mh = xh - yh - int(uint(xl) < uint(yl))
            if mh | ml:
                sg = sa
                e = ex - 1078
                pk = 1
    elif op == 2 or op == 3:                           # mul, div
        if xh >= INF or yh >= INF or (xh | xl) == 0 or (yh | yl) == 0:
            if xnan:
                rh = ah | QN
                rl = al
            elif ynan:
                rh = bh | QN
                rl = bl
            elif op == 2 and (xh == INF or yh == INF):
                if (xh | xl) == 0 or (yh | yl) == 0:
                    rh = CNAN                          # inf * 0
                else:
                    rh = ((sa ^ sb) << 31) | INF
            elif op == 3 and xh == yh and xl == yl:
                rh = CNAN                              # inf / inf, 0 / 0
            elif op == 3 and (xh == INF or (yh | yl) == 0):
                rh = ((sa ^ sb) << 31) | INF
            else:
                rh = (sa ^ sb) << 31
        else:
            ex = xh >> 20
            xh = xh & 0xFFFFF
            if ex:
                xh |= 0x100000
            else:
                ex = 1
                while xh < 0x100000:
                    xh = (xh << 1) | int(uint(xl) >> 31)
                    xl = xl << 1
                    ex -= 1
            ey = yh >> 20
            yh = yh & 0xFFFFF
            if ey:
                yh |= 0x100000
            else:
                ey = 1
                while yh < 0x100000:
                    yh = (yh << 1) | int(uint(yl) >> 31)
                    yl = yl << 1
                    ey -= 1
            sg = sa ^ sb
            pk = 1
            if op == 2:
                # the 106-bit product in 13-bit limbs (column sums stay
                # below 2**30): its top 62 bits and a sticky bit
                x0 = xl & 0x1FFF
                x1 = (xl >> 13) & 0x1FFF
                x2 = (int(uint(xl) >> 26) | (xh << 6)) & 0x1FFF
                x3 = (xh >> 7) & 0x1FFF
                x4 = xh >> 20
                y0 = yl & 0x1FFF
                y1 = (yl >> 13) & 0x1FFF
                y2 = (int(uint(yl) >> 26) | (yh << 6)) & 0x1FFF
                y3 = (yh >> 7) & 0x1FFF
                y4 = yh >> 20
                c = x0 * y0
                st = c & 0x1FFF
                c = (c >> 13) + x0 * y1 + x1 * y0
                st |= c & 0x1FFF
                c = (c >> 13) + x0 * y2 + x1 * y1 + x2 * y0
                st |= c & 0x1FFF
                c = (c >> 13) + x0 * y3 + x1 * y2 + x2 * y1 + x3 * y0
                r3 = c & 0x1FFF
                st |= r3 & 0x1F
                c = (c >> 13) + x0 * y4 + x1 * y3 + x2 * y2 + x3 * y1 + x4 * y0
                r4 = c & 0x1FFF
                c = (c >> 13) + x1 * y4 + x2 * y3 + x3 * y2 + x4 * y1
                r5 = c & 0x1FFF
                c = (c >> 13) + x2 * y4 + x3 * y3 + x4 * y2
                r6 = c & 0x1FFF
                c = (c >> 13) + x3 * y4 + x4 * y3
                r7 = c & 0x1FFF
                c = (c >> 13) + x4 * y4
                # m = the limbs 8 .. 3, the last without its low 5 bits
                ml = c
                mh = 0
                mh = (mh << 13) | int(uint(ml) >> 19)
                ml = (ml << 13) | r7
                mh = (mh << 13) | int(uint(ml) >> 19)
                ml = (ml << 13) | r6
                mh = (mh << 13) | int(uint(ml) >> 19)
                ml = (ml << 13) | r5
                mh = (mh << 13) | int(uint(ml) >> 19)
                ml = (ml << 13) | r4
                mh = (mh << 8) | int(uint(ml) >> 24)
                ml = (ml << 8) | (r3 >> 5)
                if st:
                    ml |= 1
                e = ex + ey - 2106
            else:
                # 56 quotient bits of mx * 2**55 / my, shift and subtract
                i = 0
                while i < 56:
                    mh = (mh << 1) | int(uint(ml) >> 31)
                    ml = ml << 1
                    if xh > yh or (xh == yh and uint(xl) >= uint(yl)):
                        xh = xh - yh - int(uint(xl) < uint(yl))
                        xl = xl - yl
                        ml |= 1
                    xh = (xh << 1) | int(uint(xl) >> 31)
                    xl = xl << 1
                    i += 1
                if xh | xl:
                    ml |= 1
                e = ex - ey - 55
    elif op == 4:                                      # sqrt
        if sa and (xh | xl):
            if xnan:
                rh = ah | QN
                rl = al
            else:
                rh = CNAN
        elif (xh | xl) == 0:
            rh = ah
            rl = al
        elif xh >= INF:
            rh = ah
            rl = al
            if xnan:
                rh = ah | QN
        else:
            ex = xh >> 20
            xh = xh & 0xFFFFF
            if ex:
                xh |= 0x100000
            else:
                ex = 1
                while xh < 0x100000:
                    xh = (xh << 1) | int(uint(xl) >> 31)
                    xl = xl << 1
                    ex -= 1
            e = ex - 1075
            if e & 1:
                xh = (xh << 1) | int(uint(xl) >> 31)
                xl = xl << 1
                e -= 1
            # 56 root bits of mx * 2**56 (rem, root and t below 2**57)
            remh = 0
            reml = 0
            i = 0
            while i < 56:
                p = 54 - 2 * i
                two = 0
                if p >= 32:
                    two = (xh >> (p - 32)) & 3
                elif p == 31:
                    two = (int(uint(xl) >> 31) | (xh << 1)) & 3
                elif p >= 0:
                    two = int(uint(xl) >> p) & 3
                remh = (remh << 2) | int(uint(reml) >> 30)
                reml = (reml << 2) | two
                th = (mh << 2) | int(uint(ml) >> 30)
                tl = (ml << 2) | 1
                mh = (mh << 1) | int(uint(ml) >> 31)
                ml = ml << 1
                if remh > th or (remh == th and uint(reml) >= uint(tl)):
                    remh = remh - th - int(uint(reml) < uint(tl))
                    reml = reml - tl
                    ml |= 1
                i += 1
            if remh | reml:
                ml |= 1
            e = (e - 56) >> 1
            pk = 1
    elif op <= 6:                                      # min, max
        if xnan:
            rh = ah | QN
            rl = al
        elif ynan:
            rh = bh | QN
            rl = bl
        else:
            # order key as a signed pair: -0 < +0, more negative smaller
            kah = xh
            kal = xl
            if sa:
                kah = ~xh
                kal = ~xl
            kbh = yh
            kbl = yl
            if sb:
                kbh = ~yh
                kbl = ~yl
            le = kah < kbh or (kah == kbh and uint(kal) <= uint(kbl))
            ge = kah > kbh or (kah == kbh and uint(kal) >= uint(kbl))
            if (op == 5 and le) or (op == 6 and ge):
                rh = ah
                rl = al
            else:
                rh = bh
                rl = bl
    elif op <= 10:                                     # ceil, floor, trunc, nearest
        ex = xh >> 20
        if ex >= 1075:
            rh = ah
            rl = al
            if xnan:
                rh = ah | QN
        elif ex < 1023:
            one = 0x3FF0
            one = one << 16
            rh = sa << 31
            if xh | xl:
                half = 0x3FE0
                half = half << 16
                if op == 7 and sa == 0:
                    rh = one
                elif op == 8 and sa:
                    rh = rh | one
                elif op == 10 and (xh > half or (xh == half and xl != 0)):
                    rh = rh | one
        else:
            n = 1075 - ex                              # fraction bits, 1 .. 52
            if n >= 32:
                fh = xh & ((1 << (n - 32)) - 1)
                fl = xl
            else:
                fh = 0
                fl = xl & ((1 << n) - 1)
            th = xh - fh
            tl = xl - fl
            if fh | fl:
                up = (op == 7 and sa == 0) or (op == 8 and sa)
                if op == 10:
                    if n >= 33:
                        hh = 1 << (n - 33)
                        hl = 0
                        odd = (th >> (n - 32)) & 1
                    elif n == 32:
                        hh = 0
                        hl = 1
                        hl = hl << 31
                        odd = th & 1
                    else:
                        hh = 0
                        hl = 1 << (n - 1)
                        odd = int(uint(tl) >> n) & 1
                    up = fh > hh or (fh == hh and uint(fl) > uint(hl)) or \
                        (fh == hh and fl == hl and odd)
                if up:
                    if n >= 32:
                        th += 1 << (n - 32)
                    else:
                        u = tl + (1 << n)
                        th += int(uint(u) < uint(tl))
                        tl = u
            rh = th | (sa << 31)
            rl = tl
    elif op == 25:                                     # f64.promote_f32
        x = al & M31
        ex = x >> 23
        if ex == 0xFF:
            if x & 0x7FFFFF:
                rh = CNAN | ((x & 0x7FFFFF) >> 3)
                rl = x << 29
            else:
                rh = INF
            rh = rh | (((al >> 31) & 1) << 31)
        elif x == 0:
            rh = al & ~M31
        else:
            ml = x & 0x7FFFFF
            if ex:
                ml |= 0x800000
            else:
                ex = 1
            sg = (al >> 31) & 1
            e = ex - 150
            pk = 1
    elif op <= 29:                                     # f64.convert_i32/i64_s/u
        ml = al
        mh = 0
        if op >= 28:
            mh = ah
        neg = 0
        if op == 26:
            neg = (al >> 31) & 1
            if neg:
                ml = 0 - al
        elif op == 28:
            neg = (ah >> 31) & 1
            if neg:
                mh = ~ah + int(al == 0)
                ml = 0 - al
        if mh | ml:
            if int(uint(mh) >> 30):                    # to 62 bits, sticky
                t = ml & 3
                ml = int(uint(ml) >> 2) | (mh << 30)
                mh = int(uint(mh) >> 2)
                if t:
                    ml |= 1
                e = 2
            sg = neg
            pk = 1
    if pk:
        # round (-1)**sg * (mh:ml) * 2**e (below 2**62) to binary64
        n = 0
        t = mh
        if t == 0:
            t = ml
            n = -32
        if int(uint(t) >> 16):
            n += 16
            t = int(uint(t) >> 16)
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
        n = n + t + 32                                 # bits in m
        sh = n - 53
        if sh < -1074 - e:
            sh = -1074 - e
        if sh > 0:
            if sh > n:
                mh = 0
                ml = 0
            else:
                # q = m >> sh, rem = m's low sh bits, h = half a unit
                if sh >= 32:
                    remh = mh & ((1 << (sh - 32)) - 1)
                    reml = ml
                    ql = int(uint(mh) >> (sh - 32))
                    qh = 0
                else:
                    remh = 0
                    reml = ml & ((1 << sh) - 1)
                    ql = int(uint(ml) >> sh) | (mh << (32 - sh))
                    qh = int(uint(mh) >> sh)
                if sh >= 33:
                    hh = 1 << (sh - 33)
                    hl = 0
                else:
                    hh = 0
                    hl = 1 << (sh - 1)
                if remh > hh or (remh == hh and (uint(reml) > uint(hl) or
                                                 (reml == hl and (ql & 1)))):
                    ql += 1
                    if ql == 0:
                        qh += 1
                mh = qh
                ml = ql
        elif sh < 0:
            k = 0 - sh
            if k >= 32:
                mh = ml << (k - 32)
                ml = 0
            else:
                mh = (mh << k) | int(uint(ml) >> (32 - k))
                ml = ml << k
        bias = e + sh + 1074
        if bias >= 2047:
            rh = INF
            rl = 0
        else:
            rh = mh + (bias << 20)
            rl = ml
            if uint(rh) >= uint(INF):
                rh = INF
                rl = 0
        rh = rh | (sg << 31)
    w[8] = rl
    w[9] = rh


import sys as _sys
f64op = _f64op_w64 if _sys.maxsize > 0x7FFFFFFF else _f64op_w32


# ftrunc codes: bit 0 signed, bit 1 to i64, bit 2 from f64, bit 3 saturating
TRUNC_S, TRUNC_I64, TRUNC_F64, TRUNC_SAT = 1, 2, 4, 8


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
