# f64op(W) of vfloat.py (its interface and NaN rules) for 64-bit machine
# words, where a bit pattern is one viper int.  Compiled code imports the one for its target's words
# (compiler_mod.py, jit.py): a board's build carries only the 32-bit one, and
# a 64-bit port never loads it.
import micropython


@micropython.viper
def f64op(W):
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
    # mul, div and sqrt take their operands as significand and exponent,
    # subnormals normalised (zeros, infinities and NaNs go other ways)
    ex = x >> 52
    mx = x & M52
    ey = y >> 52
    my = y & M52
    if op >= 2 and op <= 4:
        if ex:
            mx |= H52
        elif mx:
            ex = 1
            while mx < H52:
                mx = mx << 1
                ex -= 1
        if ey:
            my |= H52
        elif my:
            ey = 1
            while my < H52:
                my = my << 1
                ey -= 1
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
            e = ex - 1075
            if e & 1:
                mx = mx << 1
                e -= 1
            # q = isqrt(mx * 2**56) = isqrt(A * 2**48), A = mx * 2**8 in
            # [2**60, 2**62): isqrt(A) by Newton's method from above (the
            # tangent of sqrt at 2**61, at most 6% high: after 3 steps less
            # than one too high, which the loops below mend), then one tangent
            # step for the 24 bits below it, where the remainder
            # mx * 2**56 - q*q is exact in a word (the step is at most one
            # or two too high)
            A = mx << 8
            t = 1
            q = (((A >> 30) + (t << 31)) * 23171) >> 16
            i = 0
            while i < 3:
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
