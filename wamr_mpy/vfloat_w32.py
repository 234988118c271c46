# f64op(W) of vfloat.py (its interface and NaN rules) for 32-bit machine
# words, where a bit pattern is a pair of words (low, high).  Compiled code imports the one for its target's words
# (compiler_mod.py, jit.py): a board's build carries only the 32-bit one, and
# a 64-bit port never loads it.
import micropython


@micropython.viper
def f64op(W):
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
    elif op <= 4:                                      # mul, div, sqrt
        sp = 1                                         # a special case: rh:rl is set
        if xnan:
            rh = ah | QN
            rl = al
        elif op == 4:
            if sa and (xh | xl):
                rh = CNAN                              # sqrt of a negative
            elif (xh | xl) == 0 or xh >= INF:
                rh = ah
                rl = al
            else:
                sp = 0
        elif ynan:
            rh = bh | QN
            rl = bl
        elif xh >= INF or yh >= INF or (xh | xl) == 0 or (yh | yl) == 0:
            if op == 2 and (xh == INF or yh == INF):
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
            sp = 0
        if sp == 0:
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
            pk = 1
            if op == 4:
                e = ex - 1075
                if e & 1:
                    xh = (xh << 1) | int(uint(xl) >> 31)
                    xl = xl << 1
                    e -= 1
                # q = isqrt(X * 2**56), X = xh:xl (53 or 54 bits), in two
                # halves whose numbers fit a word: r = isqrt(P), P = X * 4
                # (56 bits, ph:pl), bit by bit (the remainder stays below
                # 2**30); then d = floor(R * 2**26 / r), R = P - r*r, by
                # shift and subtract: q = r * 2**27 + d, or one less, as
                # the exact remainder 2**28 * rem - d*d (in 28-bit limbs)
                # says.  About 3x fewer steps than 56 double-word ones.
                ph = (xh << 2) | int(uint(xl) >> 30)
                pl = xl << 2
                rem = 0
                i = 0
                while i < 28:
                    rem = (rem << 2) | (ph >> 22)
                    ph = ((ph << 2) & 0xFFFFFF) | int(uint(pl) >> 30)
                    pl = pl << 2
                    t = (mh << 2) | 1
                    mh = mh << 1
                    if rem >= t:
                        rem -= t
                        mh |= 1
                    i += 1
                d = 0
                while rem >= mh:                       # R // r: 0, 1 or 2
                    rem -= mh
                    d += 1
                i = 0
                while i < 26:
                    rem = rem << 1
                    d = d << 1
                    if rem >= mh:
                        rem -= mh
                        d |= 1
                    i += 1
                # E = X * 2**56 - q*q = 2**28 * rem - d*d = eh * 2**28 - pl
                ph = d >> 14
                pl = d & 0x3FFF
                t = (ph * pl) << 1
                pl = ((t & 0x3FFF) << 14) + pl * pl
                eh = rem - ph * ph - (t >> 14) - (pl >> 28)
                pl = pl & 0xFFFFFFF
                if eh < 0 or (eh == 0 and pl):
                    # one too high: E + 2q - 1 for the q before the decrement
                    t = (d << 1) - 1 - pl
                    eh = eh + mh + (t >> 28)
                    pl = t & 0xFFFFFFF
                    d -= 1
                # m = q = r * 2**27 + d (55 bits), the sticky bit in bit 0
                t = (mh & 31) + (d >> 27)
                ml = ((t & 31) << 27) | (d & 0x7FFFFFF)
                mh = (mh >> 5) + (t >> 5)
                if eh | pl:
                    ml |= 1
                e = (e - 56) >> 1
            else:
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
