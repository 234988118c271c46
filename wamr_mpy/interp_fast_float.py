# Float arithmetic of the fast interpreter on bit patterns, in viper
# (docs/fast-interp.md): exact IEEE-754 results (round to nearest even,
# subnormals, infinities; wasm's NaN rules as in softfloat.py) computed in
# machine words, with no object allocated.  The loop calls fop() for f32/f64
# arithmetic, compares, rounding, square roots and conversions; it is
# imported only by programs that use them.
#
# Word size: viper's int is 64-bit on the unix port and 32-bit on boards.
# Values are kept as 32-bit words ("canonical": zero-extended on 64-bit
# words, so & MK after a shift or sum that may pass bit 31); the 53-bit
# significand of an f64 is a pair of words.  Where the word has 64 bits,
# products and quotients of significands take a shorter path.  Literals of
# 2**30 or more are built at run time.
#
# A finite nonzero value is sig * 2**e with an integer significand sig.  The
# tail of fop() ("pack") rounds such a value, M * 2**e with M = mh:ml < 2**63
# and bit 0 a sticky bit for any nonzero remainder below it, to the format.

import micropython


@micropython.viper
def fop(X) -> int:
    """X: array('i') of 24 words: X[0] the wasm opcode (0xFC0n, the
    saturating truncations, as 0xC0 + n), X[1] X[2] operand a (low word
    first), X[3] X[4] operand b.  The result goes to X[1] (and X[2]).
    Returns 0, or the trap kind (3 integer overflow, 4 invalid conversion
    to integer).  X[5..] is scratch."""
    P = ptr32(X)
    op = P[0]
    al = P[1]
    ah = P[2]
    bl = P[3]
    bh = P[4]
    SB = 1
    SB = SB << 31               # sign bit
    NS = SB - 1                 # 0x7fffffff
    MK = SB | NS                # 0xffffffff
    W = SB << 1                 # 0 on 32-bit words
    # result: sign, exponent, significand, format (1: f64, 0: f32)
    neg = 0
    e = 0
    mh = 0
    ml = 0
    d64 = 1
    if op <= 0xA5 and (op <= 0x66 or op >= 0x8D) and (op < 0x98 or op > 0x9A):
        # f32 / f64: compares eq ne lt gt le ge (0x5B-0x60 / 0x61-0x66),
        # ceil floor trunc nearest sqrt (0x8D-0x91 / 0x9B-0x9F), add sub mul
        # div min max (0x92-0x97 / 0xA0-0xA5); unary ops have b = a
        if op <= 0x60 or op <= 0x97 and op >= 0x8D:
            d64 = 0
            if op <= 0x60:
                op += 6
            else:
                op += 0x0E          # as the f64 opcode
            # f32 in the f64 layout below: the high word holds the bits
            ah = al
            al = 0
            bh = bl
            bl = 0
        if op == 0xA1:
            # sub: add the negation
            bh ^= SB
            op = 0xA0
        # signs, magnitudes; fraction bits below the exponent field
        sa = ah & SB
        sb = bh & SB
        xh = ah & NS
        yh = bh & NS
        if d64:
            fb = 20
            inf = NS - 0xFFFFF          # 0x7ff00000
            qn = 0x80000                # quiet bit
            bias = 1075                 # a value is sig * 2**(E - bias)
            e1 = 1023                   # E of 1.0
        else:
            fb = 23
            inf = NS - 0x7FFFFF         # 0x7f800000
            qn = 0x400000
            bias = 150
            e1 = 127
        fm = (1 << fb) - 1
        xnan = uint(xh) > uint(inf) or (xh == inf and al != 0)
        ynan = uint(yh) > uint(inf) or (yh == inf and bl != 0)
        if (xnan or ynan) and op != 0x9F and (op < 0x9B or op > 0x9E):
            if op <= 0x66:
                P[1] = 0
                if op == 0x62:
                    P[1] = 1                    # NaN != anything
                return 0
            # the first NaN, quieted
            if xnan:
                P[1] = al
                P[1 + d64] = ah | qn
            else:
                P[1] = bl
                P[1 + d64] = bh | qn
            return 0
        if op <= 0x66 or op >= 0xA4:
            # compares, min, max: c = -1, 0, 1 as a is below, equal to,
            # above b; -0 is below +0 for min and max, equal for compares
            c = 0
            if sa != sb:
                c = 1
                if sa:
                    c = -1
                if op <= 0x66 and xh == 0 and al == 0 and yh == 0 and bl == 0:
                    c = 0
            else:
                if uint(xh) < uint(yh) or (xh == yh and uint(al) < uint(bl)):
                    c = -1
                elif xh != yh or al != bl:
                    c = 1
                if sa:
                    c = 0 - c
            if op <= 0x66:
                r = 0
                if op == 0x61:
                    if c == 0:
                        r = 1
                elif op == 0x62:
                    if c != 0:
                        r = 1
                elif op == 0x63:
                    if c < 0:
                        r = 1
                elif op == 0x64:
                    if c > 0:
                        r = 1
                elif op == 0x65:
                    if c <= 0:
                        r = 1
                elif c >= 0:
                    r = 1
                P[1] = r
                return 0
            if (op == 0xA4 and c > 0) or (op == 0xA5 and c < 0):
                P[1] = bl
                P[1 + d64] = bh
            return 0
        if op >= 0x9B and op <= 0x9E:
            # ceil floor trunc nearest: clear the fraction bits of the
            # magnitude; adding one unit at their position carries into
            # the exponent when needed
            ex = int(uint(xh) >> uint(fb))
            if ex >= bias:
                if uint(xh) > uint(inf) or (xh == inf and al != 0):
                    P[1 + d64] = ah | qn
                return 0                    # integral, infinite or NaN
            one = e1 << fb                  # 1.0
            if ex < e1:
                # |a| < 1
                if xh == 0 and al == 0:
                    return 0
                ul = 0
                if op == 0x9E:
                    # nearest: 1 above one half
                    if uint(xh) > uint(one - (1 << fb)) or (
                            xh == one - (1 << fb) and al != 0):
                        ul = one
                elif op == 0x9B:
                    if sa == 0:
                        ul = one
                elif op == 0x9C:
                    if sa != 0:
                        ul = one
                P[1] = 0
                P[1 + d64] = ul | sa
                return 0
            k = bias - ex                   # fraction bits, 1..52 / 1..23
            if d64 == 0:
                k += 32                     # f32 bits in the high word
            # f = fraction bits of x, cleared from x
            if k >= 32:
                m = (1 << (k - 32)) - 1
                fh = xh & m
                fl = al
                xh = xh - fh
                al = 0
                uh = m + 1                  # one unit at bit k
                ul = 0
                hh = int(uint(uh) >> uint(1))   # one half unit
                hl = 0
                if k == 32:
                    hl = SB
            else:
                m = (1 << k) - 1
                if k == 31:
                    m = NS
                fh = 0
                fl = al & m
                al = al - fl
                uh = 0
                ul = m + 1
                if k == 31:
                    ul = SB
                hh = 0
                hl = int(uint(ul) >> uint(1))
            if fh != 0 or fl != 0:
                up = False
                if op == 0x9E:
                    if uint(fh) > uint(hh) or (fh == hh and uint(fl) > uint(hl)):
                        up = True
                    elif fh == hh and fl == hl:
                        # a tie: up when the integer part is odd
                        up = (xh & uh) != 0 or (al & ul) != 0
                elif op == 0x9B:
                    up = sa == 0
                elif op == 0x9C:
                    up = sa != 0
                if up:
                    al = (al + ul) & MK
                    if uint(al) < uint(ul):
                        xh += 1
                    xh += uh
            P[1] = al
            P[1 + d64] = xh | sa
            return 0

        # add mul div sqrt: the special operands first
        if op == 0x9F:
            if sa:
                if xh == 0 and al == 0:
                    return 0                    # -0
                if xnan:
                    P[1 + d64] = ah | qn        # negative NaN
                    return 0
                P[1] = 0
                P[1 + d64] = inf | qn           # canonical NaN
                return 0
            if uint(xh) >= uint(inf):
                if xnan:
                    P[1 + d64] = ah | qn
                return 0                        # +inf or NaN
            if xh == 0 and al == 0:
                return 0
        elif op == 0xA0:
            if xh == inf or yh == inf:
                if xh == yh and sa != sb:
                    P[1] = 0
                    P[1 + d64] = inf | qn       # inf - inf
                elif yh == inf:
                    P[1] = bl
                    P[1 + d64] = bh
                return 0
            if yh == 0 and bl == 0:
                if xh == 0 and al == 0:
                    P[1 + d64] = ah & bh        # -0 only if both are -0
                return 0
            if xh == 0 and al == 0:
                P[1] = bl
                P[1 + d64] = bh
                return 0
            # x the larger magnitude
            if uint(xh) < uint(yh) or (xh == yh and uint(al) < uint(bl)):
                t = xh
                xh = yh
                yh = t
                t = al
                al = bl
                bl = t
                t = sa
                sa = sb
                sb = t
            neg = sa
        else:
            neg = (ah ^ bh) & SB
            xz = xh == 0 and al == 0
            yz = yh == 0 and bl == 0
            if uint(xh) >= uint(inf) or uint(yh) >= uint(inf) or xz or yz:
                P[1] = 0
                if op == 0xA2:
                    if (xh == inf or yh == inf) and (xz or yz):
                        P[1 + d64] = inf | qn   # inf * 0
                    elif xh == inf or yh == inf:
                        P[1 + d64] = inf | neg
                    else:
                        P[1 + d64] = neg
                elif (xh == inf and yh == inf) or (xz and yz):
                    P[1 + d64] = inf | qn       # inf / inf, 0 / 0
                elif xh == inf or yz:
                    P[1 + d64] = inf | neg
                else:
                    P[1 + d64] = neg
                return 0
        # finite nonzero operands: significands normalised to their top bit
        # (52 or 23, in X[5] X[6] and X[7] X[8]), exponents (+ 64, in X[13]
        # and X[14]): value = sig * 2**(exponent - bias)
        P[5] = al
        P[6] = xh
        P[7] = bl
        P[8] = yh
        i = 5
        while i < 9:
            l = P[i]
            h = P[i + 1]
            x = int(uint(h) >> uint(fb))
            h = h & fm
            if x != 0:
                h |= fm + 1
            else:
                x = 1
                while int(uint(h) >> uint(fb)) == 0:
                    h = ((h << 1) | int(uint(l) >> uint(31))) & MK
                    l = (l << 1) & MK
                    x -= 1
            P[i] = l
            P[i + 1] = h
            P[13 + ((i - 5) >> 1)] = x + 64
            i += 2
            if op == 0x9F:
                i = 9
        ml = P[5]
        mh = P[6]
        bl = P[7]
        yh = P[8]
        e = P[13] - 64 - bias
        k = P[14] - 64 - bias
        if d64 == 0:
            # f32: significands in the low words
            ml = mh
            mh = 0
            bl = yh
            yh = 0
        if op == 0x9F:
            # the root of N = M * 2**k, M the significand (53 / 24 bits)
            # with e made even, k = 60 (f64) or 30 (f32): it has 57 / 28
            # bits; digit by digit, two bits of N (from the top of M,
            # read at bits 53-52 / 25-24 of the M field, then zeros)
            # into the remainder per root bit
            if e & 1:
                mh = ((mh << 1) | int(uint(ml) >> uint(31))) & MK
                ml = (ml << 1) & MK
                e -= 1
            if d64 == 0 or W != 0:
                # f32, or f64 on 64-bit words: the remainder (< 2**29 or
                # 2**59) fits a word
                if d64 == 0:
                    k = 30
                    x = ml                  # M, read as a 26-bit field
                    n = 28
                    t = 24                  # its top two bits
                else:
                    k = 60
                    x = (mh << 32) | ml     # a 54-bit field
                    n = 57
                    t = 52
                r = 0
                q = 0
                while n > 0:
                    r = (r << 2) | ((x >> t) & 3)
                    x = x << 2
                    q = q << 1
                    if r >= q + q + 1:
                        r -= q + q + 1
                        q |= 1
                    n -= 1
                if r != 0:
                    q |= 1
                ml = q & MK
                mh = int(uint(q) >> uint(16)) >> 16
            else:
                # f64, 32-bit words: pairs
                k = 60
                rh = 0                  # remainder rh:rl
                rl = 0
                qh = 0                  # root qh:ql
                ql = 0
                n = 57
                while n > 0:
                    t = int(uint(mh) >> uint(20)) & 3
                    mh = ((mh << 2) | int(uint(ml) >> uint(30))) & 0x3FFFFF
                    ml = ml << 2
                    rh = (rh << 2) | int(uint(rl) >> uint(30))
                    rl = (rl << 2) | t
                    th = (qh << 2) | int(uint(ql) >> uint(30))
                    tl = (ql << 2) | 1
                    qh = (qh << 1) | int(uint(ql) >> uint(31))
                    ql = ql << 1
                    if uint(rh) > uint(th) or (rh == th and uint(rl) >= uint(tl)):
                        if uint(rl) < uint(tl):
                            rh -= 1
                        rl -= tl
                        rh -= th
                        ql |= 1
                    n -= 1
                if rh != 0 or rl != 0:
                    ql |= 1
                mh = qh
                ml = ql
            e = (e - k) >> 1
        elif op == 0xA0:
            k = e - k                           # alignment shift
            # significands up to bit 61: 9 (f64) or 38 (f32) bits free
            if d64:
                mh = ((mh << 9) | int(uint(ml) >> uint(23))) & MK
                ml = (ml << 9) & MK
                yh = ((yh << 9) | int(uint(bl) >> uint(23))) & MK
                bl = (bl << 9) & MK
                e -= 9
            else:
                mh = ml << 6
                ml = 0
                yh = bl << 6
                bl = 0
                e -= 38
            # y >> k, with a sticky bit for what falls off
            if k > 62:
                yh = 0
                bl = 1
            elif k >= 32:
                t = 0
                if bl != 0 or (yh & ((1 << (k - 32)) - 1)) != 0:
                    t = 1
                bl = int(uint(yh) >> uint(k - 32)) | t
                yh = 0
            elif k > 0:
                t = 0
                if bl & ((1 << k) - 1) != 0:
                    t = 1
                bl = int(uint(bl) >> uint(k)) | ((yh << (32 - k)) & MK) | t
                yh = int(uint(yh) >> uint(k))
            if sa != sb:
                if uint(ml) < uint(bl):
                    mh -= 1
                ml = (ml - bl) & MK
                mh = (mh - yh) & MK
                if mh == 0 and ml == 0:
                    P[1] = 0
                    P[1 + d64] = 0              # x - x = +0
                    return 0
            else:
                ml = (ml + bl) & MK
                if uint(ml) < uint(bl):
                    mh += 1
                mh = (mh + yh) & MK
        elif op == 0xA2:
            e = e + k
            if d64 == 0:
                # 24 x 24 bits: a 48-bit product, exact
                if W != 0:
                    t = ml * bl
                    ml = t & MK
                    mh = int(uint(t) >> uint(32))
                else:
                    x0 = ml & 0xFFFF
                    x1 = int(uint(ml) >> uint(16))
                    y0 = bl & 0xFFFF
                    y1 = int(uint(bl) >> uint(16))
                    t = x1 * y0 + x0 * y1           # < 2**25
                    ml = x0 * y0
                    u = (ml + (t << 16)) & MK
                    mh = x1 * y1 + int(uint(t) >> uint(16))
                    if uint(u) < uint(ml):
                        mh += 1
                    ml = u
            else:
                # 53 x 53 bits: 106-bit product p3:p2:p1:p0, then
                # its top bits from bit 43 with a sticky bit
                if W != 0:
                    t = ml * bl                     # < 2**64
                    u = ml * yh + mh * bl           # < 2**54
                    p0 = t & MK
                    t = int(uint(t) >> uint(32)) + (u & MK)
                    p1 = t & MK
                    t = int(uint(t) >> uint(32)) + int(uint(u) >> uint(32)) + mh * yh
                    p2 = t & MK
                    p3 = int(uint(t) >> uint(32))
                else:
                    # 16-bit limbs (X[8..11], X[12..15]); column
                    # sums (X[16..23]) of the halves of each limb
                    # product, then their carries
                    P[8] = ml & 0xFFFF
                    P[9] = int(uint(ml) >> uint(16))
                    P[10] = mh & 0xFFFF
                    P[11] = int(uint(mh) >> uint(16))
                    P[12] = bl & 0xFFFF
                    P[13] = int(uint(bl) >> uint(16))
                    P[14] = yh & 0xFFFF
                    P[15] = int(uint(yh) >> uint(16))
                    k = 16
                    while k < 24:
                        P[k] = 0
                        k += 1
                    y0 = P[12]
                    y1 = P[13]
                    y2 = P[14]
                    y3 = P[15]
                    i = 8
                    while i < 12:
                        x = P[i]
                        k = i + 8
                        t = x * y0
                        c0 = P[k] + (t & 0xFFFF)
                        c1 = P[k + 1] + int(uint(t) >> uint(16))
                        t = x * y1
                        c1 += t & 0xFFFF
                        c2 = P[k + 2] + int(uint(t) >> uint(16))
                        t = x * y2
                        c2 += t & 0xFFFF
                        c3 = P[k + 3] + int(uint(t) >> uint(16))
                        t = x * y3
                        P[k] = c0
                        P[k + 1] = c1
                        P[k + 2] = c2
                        P[k + 3] = c3 + (t & 0xFFFF)
                        P[k + 4] += int(uint(t) >> uint(16))
                        i += 1
                    k = 16
                    while k < 23:
                        P[k + 1] += int(uint(P[k]) >> uint(16))
                        k += 1
                    p0 = (P[16] & 0xFFFF) | ((P[17] & 0xFFFF) << 16)
                    p1 = (P[18] & 0xFFFF) | ((P[19] & 0xFFFF) << 16)
                    p2 = (P[20] & 0xFFFF) | ((P[21] & 0xFFFF) << 16)
                    p3 = P[22] | (P[23] << 16)
                # p >> 43: bits 43.. of p3:p2:p1 (p < 2**106)
                mh = ((p3 << 21) | int(uint(p2) >> uint(11))) & MK
                ml = ((p2 << 21) | int(uint(p1) >> uint(11))) & MK
                if p0 != 0 or (p1 & 0x7FF) != 0:
                    ml |= 1
                e += 43

        else:
            e = e - k
            # div: q = (x << s) // y with a sticky bit, s = 60 (f64)
            # or 30 (f32); x < 2 * y
            if d64 == 0 or W != 0:
                # the divisor fits a word: chunks of 7 (32-bit
                # words, f32) or 10 bits through the machine division
                if d64 != 0:
                    bl = (yh << 32) | bl
                    ml = (mh << 32) | ml
                    c = 10
                    n = 6
                elif W != 0:
                    c = 10
                    n = 3
                else:
                    c = 7
                    n = 4
                q = 0
                if uint(ml) >= uint(bl):
                    q = 1
                    ml -= bl
                while n > 0:
                    ml = ml << c
                    t = ml // bl
                    ml -= t * bl
                    q = (q << c) | t
                    n -= 1
                if ml != 0:
                    q |= 1
                if d64 != 0:
                    e -= 60
                elif W != 0:
                    e -= 30
                else:
                    e -= 28
                ml = q & MK
                mh = int(uint(q) >> uint(16)) >> 16
            else:
                # f64 on 32-bit words: one quotient bit per step
                qh = 0
                ql = 0
                n = 61
                while n > 0:
                    qh = ((qh << 1) | int(uint(ql) >> uint(31))) & MK
                    ql = (ql << 1) & MK
                    if uint(mh) > uint(yh) or (mh == yh and uint(ml) >= uint(bl)):
                        if uint(ml) < uint(bl):
                            mh -= 1
                        ml = (ml - bl) & MK
                        mh = (mh - yh) & MK
                        ql |= 1
                    mh = ((mh << 1) | int(uint(ml) >> uint(31))) & MK
                    ml = (ml << 1) & MK
                    n -= 1
                if mh != 0 or ml != 0:
                    ql |= 1
                mh = qh
                ml = ql
                e -= 60
    elif op >= 0xA8 and op <= 0xB1 or op >= 0xC0:
        # float -> int: trunc (0xA8-0xB1) and trunc_sat (0xC0-0xC7, as
        # 0xFC00-0xFC07): i32 s/u from f32, f64; i64 s/u from f32, f64
        if op >= 0xC0:
            k = op - 0xC0
            sat = 1
        else:
            k = op - 0xA8
            if k >= 4:
                k -= 2              # 0xAC 0xAD are not conversions
            sat = 0
        signed = 1 - (k & 1)
        r64 = 0
        if k >= 4:
            r64 = 1
        # |a| = mh:ml * 2**ex; E: its exponent field
        if k == 0 or k == 1 or k == 4 or k == 5:
            xh = al & NS
            sa = al & SB
            E = int(uint(xh) >> uint(23))
            nan = uint(xh) > uint(NS - 0x7FFFFF)
            mh = 0
            ml = (xh & 0x7FFFFF) | 0x800000
            ex = E - 150
            E -= 127            # unbiased
        else:
            xh = ah & NS
            sa = ah & SB
            E = int(uint(xh) >> uint(20))
            nan = uint(xh) > uint(NS - 0xFFFFF) or (xh == NS - 0xFFFFF and al != 0)
            mh = (xh & 0xFFFFF) | 0x100000
            ml = al
            ex = E - 1075
            E -= 1023
        if nan:
            if sat != 0:
                P[1] = 0
                P[2] = 0
                return 0
            return 4
        # r = the magnitude truncated (rh:rl), over: out of the target's range
        rh = 0
        rl = 0
        over = 0
        if E >= 64:
            over = 1            # also infinities
        elif E >= 0:
            if ex >= 32:
                rh = (ml << (ex - 32)) & MK
            elif ex > 0:
                rh = ((mh << ex) | int(uint(ml) >> uint(32 - ex))) & MK
                rl = (ml << ex) & MK
            elif ex == 0:
                rh = mh
                rl = ml
            elif ex > -32:
                rl = int(uint(ml) >> uint(0 - ex)) | ((mh << (32 + ex)) & MK)
                rh = int(uint(mh) >> uint(0 - ex))
            else:
                rl = int(uint(mh) >> uint(0 - ex - 32))
            if r64 != 0:
                if signed != 0:
                    if rh & SB:
                        # >= 2**63: only -2**63 fits
                        if sa == 0 or rh != SB or rl != 0:
                            over = 1
                elif sa != 0:
                    over = 1
            else:
                if rh != 0:
                    over = 1
                elif signed != 0:
                    if rl & SB:
                        if sa == 0 or rl != SB:
                            over = 1
                elif sa != 0:
                    over = 1
        if over != 0:
            if sat == 0:
                return 3
            if sa != 0:
                rl = 0
                rh = 0
                if signed != 0:
                    if r64 != 0:
                        rh = SB
                    else:
                        rl = SB
            else:
                rl = MK
                rh = MK
                if signed != 0:
                    if r64 != 0:
                        rh = NS
                    else:
                        rl = NS
                if r64 == 0:
                    rh = 0
        elif sa != 0:
            rh = 0 - rh
            if rl != 0:
                rh -= 1
            rl = 0 - rl
        P[1] = rl
        P[2] = rh
        return 0
    elif op >= 0xB2 and op <= 0xBA and op != 0xB6:
        # int -> float: f32 from i32 s/u, i64 s/u (0xB2-0xB5), f64 from
        # the same (0xB7-0xBA)
        if op >= 0xB7:
            k = op - 0xB7
        else:
            k = op - 0xB2
            d64 = 0
        ml = al
        mh = 0
        if k >= 2:
            mh = ah
        if (k & 1) == 0:
            # signed: the magnitude
            if k >= 2:
                if mh & SB:
                    neg = 1
                    mh = (0 - mh) & MK
                    if ml != 0:
                        mh = (mh - 1) & MK
                    ml = (0 - ml) & MK
            elif ml & SB:
                neg = 1
                ml = (0 - ml) & MK
        if mh == 0 and ml == 0:
            P[1] = 0
            P[2] = 0
            return 0
        if mh & SB:
            # 2**63 and more: one bit down, keeping a sticky bit
            ml = int(uint(ml) >> uint(1)) | ((mh << 31) & MK) | (ml & 1)
            mh = int(uint(mh) >> uint(1))
            e = 1
    elif op == 0xB6:
        # f32.demote_f64
        d64 = 0
        xh = ah & NS
        neg = ah & SB
        if uint(xh) >= uint(NS - 0xFFFFF):
            if xh != NS - 0xFFFFF or al != 0:
                # quiet NaN keeping the top of the payload
                r = (NS - 0x3FFFFF) | ((xh << 3) & 0x7FFFFF) | int(uint(al) >> uint(29))
            else:
                r = NS - 0x7FFFFF
            P[1] = r | neg
            return 0
        if xh == 0 and al == 0:
            P[1] = neg
            return 0
        e = int(uint(xh) >> uint(20))
        mh = xh & 0xFFFFF
        ml = al
        if e != 0:
            mh |= 0x100000
        else:
            e = 1
        e -= 1075
    elif op == 0xBB:
        # f64.promote_f32: exact
        xh = al & NS
        neg = al & SB
        if uint(xh) >= uint(NS - 0x7FFFFF):
            r = NS - 0xFFFFF
            if xh != NS - 0x7FFFFF:
                r = (NS - 0x7FFFF) | int(uint(xh & 0x7FFFFF) >> uint(3))
                P[1] = (xh << 29) & MK
            else:
                P[1] = 0
            P[2] = r | neg
            return 0
        if xh == 0:
            P[1] = 0
            P[2] = neg
            return 0
        e = int(uint(xh) >> uint(23))
        ml = xh & 0x7FFFFF
        if e != 0:
            ml |= 0x800000
        else:
            e = 1
        e -= 150
    else:
        return 5
    # -- pack: M * 2**e (M = mh:ml, 0 < M < 2**63) rounded to the format
    if neg != 0:
        neg = SB
    # n = significant bits of M
    n = 0
    x = ml
    if mh != 0:
        n = 32
        x = mh
    k = 16
    while k != 0:
        if int(uint(x) >> uint(k)) != 0:
            n += k
            x = int(uint(x) >> uint(k))
        k = k >> 1
    n += x
    if d64:
        s = n - 53
        if s < -1074 - e:
            s = -1074 - e
    else:
        s = n - 24
        if s < -149 - e:
            s = -149 - e
    if s > 0:
        if s > n:
            # below half the smallest subnormal
            P[1] = 0
            P[2] = 0
            P[1 + d64] = neg
            return 0
        # q = M >> s, rounded to nearest, ties to even
        if s < 32:
            m = (1 << s) - 1
            if s == 31:
                m = NS
            r = ml & m
            h = int(uint(m) >> uint(1)) + 1
            ql = int(uint(ml) >> uint(s)) | ((mh << (32 - s)) & MK)
            qh = int(uint(mh) >> uint(s))
            up = uint(r) > uint(h) or (r == h and (ql & 1) != 0)
        elif s == 32:
            ql = mh
            qh = 0
            up = uint(ml) > uint(SB) or (ml == SB and (ql & 1) != 0)
        else:
            s -= 32
            m = (1 << s) - 1
            if s == 31:
                m = NS
            r = mh & m
            h = int(uint(m) >> uint(1)) + 1
            ql = int(uint(mh) >> uint(s))
            qh = 0
            up = uint(r) > uint(h) or (r == h and (ml != 0 or (ql & 1) != 0))
            s += 32
        if up:
            ql = (ql + 1) & MK
            if ql == 0:
                qh += 1
    else:
        # exact: M << -s (M has at most 53 / 24 bits then)
        k = 0 - s
        if k >= 32:
            qh = (ml << (k - 32)) & MK
            ql = 0
        elif k > 0:
            qh = ((mh << k) | int(uint(ml) >> uint(32 - k))) & MK
            ql = (ml << k) & MK
        else:
            qh = mh
            ql = ml
    # the exponent field: adding it to q (hidden bit included) carries as
    # needed, also from the largest subnormal and on rounding up
    if d64:
        ex = e + s + 1074
        if ex > 2046:
            qh = NS - 0xFFFFF
            ql = 0
        else:
            qh += ex << 20
            if uint(qh) >= uint(NS - 0xFFFFF):
                qh = NS - 0xFFFFF
                ql = 0
        P[1] = ql
        P[2] = qh | neg
    else:
        ex = e + s + 149
        if ex > 254:
            ql = NS - 0x7FFFFF
        else:
            ql += ex << 23
            if uint(ql) >= uint(NS - 0x7FFFFF):
                ql = NS - 0x7FFFFF
        P[1] = ql | neg
    return 0
