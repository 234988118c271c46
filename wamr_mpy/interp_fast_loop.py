# The fast interpreter's dispatch loop (docs/fast-interp.md): one
# @micropython.viper function over the 32-bit code words interp_fast_emit produces,
# with the operand stack and locals in 32-bit cells.  Importing this module
# fails on a port without the native emitter; interp_fast then falls back
# to the portable interpreter.
#
# Word-size rules (viper int is 64-bit on unix, 32-bit on boards): cells and
# code words load zero-extended on 64-bit and as-is on 32-bit, so signed
# compares use uint(x ^ SB), sign extension is (x ^ SB) - SB, unsigned ones
# use uint(), and every store truncates to 32 bits.  Constants of 2**30 or
# more are built at run time.  Divisions are guarded; 32-bit memory accesses
# are word accesses only when aligned.

import micropython
from micropython import const

from .interp_fast_run import trap, refuel, grow, compile_fn, callx, calli

# 1: compile the paths for 64-bit machine words (they run where W != 0);
# tools/build sets 0 for a board whose words have 32 bits, so MicroPython's
# compiler leaves them out of the board's loop
_W64 = const(1)

_ADDI = const(0)
_ADD = const(1)
_LD32 = const(2)
_XOR = const(3)
_SHLI = const(4)
_MOV = const(5)
_LD32A = const(6)
_BRNZ = const(7)
_LD8UA = const(8)
_SHR_UI = const(9)
_MUL = const(10)
_ANDI = const(11)
_ST8A = const(12)
_SELECT = const(13)
_ROTL = const(14)
_RET = const(15)
_CALL = const(16)
_CALLI = const(17)
_ST32 = const(18)
_BR = const(19)
_JEQ = const(20)
_JNE = const(21)
_JLT_S = const(22)
_JLT_U = const(23)
_JGT_S = const(24)
_JGT_U = const(25)
_JLE_S = const(26)
_JLE_U = const(27)
_JGE_S = const(28)
_JGE_U = const(29)
_JEQI = const(30)
_JNEI = const(31)
_JLT_SI = const(32)
_JLT_UI = const(33)
_JGT_SI = const(34)
_JGT_UI = const(35)
_SUB = const(36)
_AND = const(37)
_OR = const(38)
_SHL = const(39)
_SHR_S = const(40)
_SHR_U = const(41)
_ORI = const(42)
_XORI = const(43)
_SHR_SI = const(44)
_MULI = const(45)
_EQZ = const(46)
_EQ = const(47)
_NE = const(48)
_LT_S = const(49)
_LT_U = const(50)
_GT_S = const(51)
_GT_U = const(52)
_LE_S = const(53)
_LE_U = const(54)
_GE_S = const(55)
_GE_U = const(56)
_EQI = const(57)
_NEI = const(58)
_LT_SI = const(59)
_LT_UI = const(60)
_GT_SI = const(61)
_GT_UI = const(62)
_BRZ = const(63)
_CONST = const(64)
_GGET = const(65)
_GSET = const(66)
_GGETW = const(67)
_GSETW = const(68)
_LD8U = const(69)
_ST8 = const(70)
_ST32A = const(71)
_LD8S = const(72)
_LD16U = const(73)
_LD16S = const(74)
_ST16 = const(75)
_LD64 = const(76)
_ST64 = const(77)
_LD64_8S = const(78)
_LD64_8U = const(79)
_LD64_16S = const(80)
_LD64_16U = const(81)
_LD64_32S = const(82)
_LD64_32U = const(83)
_MOV2 = const(84)
_CONST2 = const(85)
_BRT = const(86)
_ROTR = const(87)
_DIV_S = const(88)
_DIV_U = const(89)
_REM_S = const(90)
_REM_U = const(91)
_CLZ = const(92)
_CTZ = const(93)
_POPCNT = const(94)
_CLZ64 = const(95)
_CTZ64 = const(96)
_POPCNT64 = const(97)
_EXT8S = const(98)
_EXT16S = const(99)
_SELECT2 = const(100)
_SELECTR = const(101)
_MOVR = const(102)
_RNULL = const(103)
_CALLX = const(104)
_ADD64 = const(105)
_SUB64 = const(106)
_AND64 = const(107)
_OR64 = const(108)
_XOR64 = const(109)
_EQ64 = const(110)
_NE64 = const(111)
_LT_S64 = const(112)
_LT_U64 = const(113)
_GT_S64 = const(114)
_GT_U64 = const(115)
_LE_S64 = const(116)
_LE_U64 = const(117)
_GE_S64 = const(118)
_GE_U64 = const(119)
_EQZ64 = const(120)
_EXTS64 = const(121)
_EXTU64 = const(122)
_EXT8S64 = const(123)
_EXT16S64 = const(124)
_EXT32S64 = const(125)
_SHL64 = const(126)
_SHR_S64 = const(127)
_SHR_U64 = const(128)
_MUL64 = const(129)
_ROTL64 = const(130)
_ROTR64 = const(131)
_DIV_S64 = const(132)
_DIV_U64 = const(133)
_REM_S64 = const(134)
_REM_U64 = const(135)
_F32ABS = const(136)
_F32NEG = const(137)
_F32COPYSIGN = const(138)
_F64ABS = const(139)
_F64NEG = const(140)
_F64COPYSIGN = const(141)
_FOP = const(142)
_FOP2 = const(143)
_UNREACH = const(144)
_XOP = const(145)
_XOP1 = const(146)
_XOP2 = const(147)


@micropython.viper
def loop(I: ptr32, F: ptr32, env) -> int:
    # I and F come first: the native emitters keep the first three locals
    # (arguments included) in machine registers; the caller passes env.st
    # for both, set from the state words below
    P = ptr32(env.st)
    code = env.code
    C = ptr32(code)
    cb = int(C)
    cells = env.cells
    S = ptr32(cells)
    sb = int(S)
    ncells = int(len(cells))
    frames = env.frames
    FR = ptr32(frames)
    flim = int(len(frames)) - 2
    ENT = ptr32(env.ent)
    mem = env.mem
    M8 = ptr8(mem)
    M32 = ptr32(mem)
    mlen = int(len(mem))
    gl = env.gl
    xh = env.xh
    xt = env.xt
    fop = env.fop                # interp_fast_float.fop, once a function needs it
    te = env.te                  # the elements of each table
    ic = env.ic                  # call_indirect caches
    xs = env.fx
    XP = ptr32(xs)
    SB = 1
    SB = SB << 31               # the i32 sign bit
    NS = SB - 1                 # 0x7fffffff
    MK = SB | NS                # 0xffffffff: wraps an i32 sum on 64-bit words
    W = SB << 1                 # 0 on 32-bit words
    fuel = P[0]
    fp = P[2]
    fsp = P[3]
    fbase = P[4]
    I = ptr32(cb + (P[1] << 2))
    F = ptr32(sb + (fp << 2))
    j = False
    while True:
        op = I[0]
        if op < _LD8UA:
            if op == _ADDI:
                F[I[1]] = F[I[2]] + I[3]
                I = ptr32(int(I) + 16)
            elif op == _ADD:
                F[I[1]] = F[I[2]] + F[I[3]]
                I = ptr32(int(I) + 16)
            elif op == _LD32:
                a = F[I[2]]
                ea = a + I[3]
                if a < 0 or uint(ea + 4) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                if ea & 3 == 0:
                    F[I[1]] = M32[ea >> 2]
                else:
                    F[I[1]] = M8[ea] | (M8[ea + 1] << 8) | (M8[ea + 2] << 16) | (M8[ea + 3] << 24)
                I = ptr32(int(I) + 16)
            elif op == _XOR:
                F[I[1]] = F[I[2]] ^ F[I[3]]
                I = ptr32(int(I) + 16)
            elif op == _SHLI:
                F[I[1]] = F[I[2]] << I[3]
                I = ptr32(int(I) + 16)
            elif op == _MOV:
                F[I[1]] = F[I[2]]
                I = ptr32(int(I) + 12)
            elif op == _LD32A:
                # i32.load of (a + c): LD32A d a c off
                a = (F[I[2]] + I[3]) & MK
                ea = a + I[4]
                if a < 0 or uint(ea + 4) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                if ea & 3 == 0:
                    F[I[1]] = M32[ea >> 2]
                else:
                    F[I[1]] = M8[ea] | (M8[ea + 1] << 8) | (M8[ea + 2] << 16) | (M8[ea + 3] << 24)
                I = ptr32(int(I) + 20)
            else:  # BRNZ
                if F[I[1]] != 0:
                    t = cb + (I[2] << 2)
                    if uint(t) <= uint(int(I)):
                        fuel -= 1
                        if fuel <= 0:
                            P[0] = 0
                            fuel = int(refuel(env))
                    I = ptr32(t)
                else:
                    I = ptr32(int(I) + 12)
        elif op < _JEQ:
            if op == _LD8UA:
                a = (F[I[2]] + I[3]) & MK
                ea = a + I[4]
                if a < 0 or uint(ea + 1) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                F[I[1]] = M8[ea]
                I = ptr32(int(I) + 20)
            elif op == _SHR_UI:
                F[I[1]] = int(uint(F[I[2]]) >> uint(I[3]))
                I = ptr32(int(I) + 16)
            elif op == _MUL:
                F[I[1]] = F[I[2]] * F[I[3]]
                I = ptr32(int(I) + 16)
            elif op == _ANDI:
                F[I[1]] = F[I[2]] & I[3]
                I = ptr32(int(I) + 16)
            elif op == _ST8A:
                # i32.store8 to (a + c): ST8A a c v off
                a = (F[I[1]] + I[2]) & MK
                ea = a + I[4]
                if a < 0 or uint(ea + 1) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                M8[ea] = F[I[3]]
                I = ptr32(int(I) + 20)
            elif op == _SELECT:
                if F[I[4]] != 0:
                    F[I[1]] = F[I[2]]
                else:
                    F[I[1]] = F[I[3]]
                I = ptr32(int(I) + 20)
            elif op == _ROTL:
                a = F[I[2]]
                n = F[I[3]] & 31
                F[I[1]] = (a << n) | int(uint(a) >> uint((32 - n) & 31))
                I = ptr32(int(I) + 16)
            elif op == _RET:
                x = I[1]
                if x != 0:
                    n = I[2]
                    k = 0
                    while k < n:
                        F[k] = F[x + k]
                        k += 1
                if fsp == fbase:
                    P[0] = fuel
                    return 0
                fsp -= 2
                fp = FR[fsp + 1]
                I = ptr32(cb + (FR[fsp] << 2))
                F = ptr32(sb + (fp << 2))
            elif op <= _CALLI:
                # CALL fi base; CALLI typeidx tableidx c base k: call_indirect
                # of element F[c] of a table, through the call site's cache
                # ic[k] (the function object) and ic[k + 1] (its index) of
                # the last callee it checked
                if op == _CALLI:
                    fi = -1
                    x = F[I[3]]
                    el = te[I[2]]
                    if uint(x) < uint(int(len(el))):
                        if el[x] is ic[I[5]]:
                            fi = int(ic[I[5] + 1])
                    if fi < 0:
                        P[0] = fuel
                        pc = (int(I) - cb) >> 2
                        fi = int(calli(env, pc, fp, fsp))
                        fop = env.fop
                        C = ptr32(code)
                        cb = int(C)
                        FR = ptr32(frames)
                        flim = int(len(frames)) - 2
                        S = ptr32(cells)
                        sb = int(S)
                        ncells = int(len(cells))
                        mem = env.mem
                        M8 = ptr8(mem)
                        M32 = ptr32(mem)
                        mlen = int(len(mem))
                        fuel = P[0]
                        I = ptr32(cb + (pc << 2))
                        F = ptr32(sb + (fp << 2))
                        if fi < 0:
                            # called from Python
                            I = ptr32(int(I) + 24)
                            continue
                    e = ENT[fi]
                    nfp = fp + I[4]
                    n = 6
                else:
                    fi = I[1]
                    e = ENT[fi]
                    if e & SB:
                        # not compiled yet (-1; loads zero-extended on 64-bit)
                        P[0] = fuel
                        pc = (int(I) - cb) >> 2
                        compile_fn(env, fi, pc)
                        fop = env.fop
                        C = ptr32(code)
                        cb = int(C)
                        I = ptr32(cb + (pc << 2))
                        e = ENT[fi]
                        if e & SB:
                            # the portable interpreter runs it: compile_fn
                            # made this a CALLX
                            continue
                    nfp = fp + I[2]
                    n = 3
                if fsp >= flim or nfp + C[e] > ncells:
                    P[0] = fuel
                    grow(env, nfp + C[e], fsp)
                    S = ptr32(cells)
                    sb = int(S)
                    ncells = int(len(cells))
                    F = ptr32(sb + (fp << 2))
                    FR = ptr32(frames)
                    flim = int(len(frames)) - 2
                fuel -= 1
                if fuel <= 0:
                    P[0] = 0
                    fuel = int(refuel(env))
                FR[fsp] = ((int(I) - cb) >> 2) + n
                FR[fsp + 1] = fp
                fsp += 2
                k = nfp + C[e + 1]
                n = k + C[e + 2]
                while k < n:
                    S[k] = 0
                    k += 1
                x = C[e + 4]
                n = k + C[e + 3]
                while k < n:
                    S[k] = C[x]
                    k += 1
                    x += 1
                fp = nfp
                F = ptr32(sb + (fp << 2))
                I = ptr32(cb + ((e + 5) << 2))
            elif op == _ST32:
                a = F[I[1]]
                ea = a + I[3]
                if a < 0 or uint(ea + 4) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                v = F[I[2]]
                if ea & 3 == 0:
                    M32[ea >> 2] = v
                else:
                    M8[ea] = v
                    M8[ea + 1] = v >> 8
                    M8[ea + 2] = v >> 16
                    M8[ea + 3] = v >> 24
                I = ptr32(int(I) + 16)
            else:  # BR
                t = cb + (I[1] << 2)
                if uint(t) <= uint(int(I)):
                    fuel -= 1
                    if fuel <= 0:
                        P[0] = 0
                        fuel = int(refuel(env))
                I = ptr32(t)
        elif op >= _ADD64 and op <= _EQZ64:
            # i64 in two cells: ADD64 ... GE_U64 d a b, EQZ64 d a
            d = I[1]
            a = I[2]
            alo = F[a]
            ahi = F[a + 1]
            if op == _EQZ64:
                if alo == 0 and ahi == 0:
                    F[d] = 1
                else:
                    F[d] = 0
                I = ptr32(int(I) + 12)
                continue
            b = I[3]
            if _W64 and W != 0:
                # 64-bit words: whole values
                x = alo | (ahi << 32)
                v = F[b] | (F[b + 1] << 32)
                if op <= _XOR64:
                    if op == _XOR64:
                        v = x ^ v
                    elif op == _ADD64:
                        v = x + v
                    elif op == _AND64:
                        v = x & v
                    elif op == _SUB64:
                        v = x - v
                    else:
                        v = x | v
                    F[d] = v
                    F[d + 1] = v >> 32
                    I = ptr32(int(I) + 16)
                    continue
                if op == _LT_S64 or op == _GT_S64 or op == _LE_S64 or op == _GE_S64:
                    n = 1
                    n = n << 63
                    x = x ^ n
                    v = v ^ n
                j = x == v
                if op == _NE64:
                    j = x != v
            else:
                blo = F[b]
                bhi = F[b + 1]
                if op <= _XOR64:
                    if op == _ADD64:
                        lo = alo + blo
                        v = ahi + bhi
                        if uint(lo & (SB | NS)) < uint(alo):
                            v += 1
                        F[d] = lo
                        F[d + 1] = v
                    elif op == _SUB64:
                        v = ahi - bhi
                        if uint(alo) < uint(blo):
                            v -= 1
                        F[d] = alo - blo
                        F[d + 1] = v
                    elif op == _AND64:
                        F[d] = alo & blo
                        F[d + 1] = ahi & bhi
                    elif op == _OR64:
                        F[d] = alo | blo
                        F[d + 1] = ahi | bhi
                    else:
                        F[d] = alo ^ blo
                        F[d + 1] = ahi ^ bhi
                    I = ptr32(int(I) + 16)
                    continue
                j = alo == blo and ahi == bhi
                if op == _NE64:
                    j = alo != blo or ahi != bhi
                # the ordering keys: the high words, or the low ones when
                # those are equal; the sign bit flipped for a signed compare
                if ahi == bhi:
                    x = alo
                    v = blo
                elif op == _LT_S64 or op == _GT_S64 or op == _LE_S64 or op == _GE_S64:
                    x = ahi ^ SB
                    v = bhi ^ SB
                else:
                    x = ahi
                    v = bhi
            if op == _LT_S64 or op == _LT_U64:
                j = uint(x) < uint(v)
            elif op == _GT_S64 or op == _GT_U64:
                j = uint(x) > uint(v)
            elif op == _LE_S64 or op == _LE_U64:
                j = uint(x) <= uint(v)
            elif op >= _GE_S64:
                j = uint(x) >= uint(v)
            if j:
                F[d] = 1
            else:
                F[d] = 0
            I = ptr32(int(I) + 16)
        elif op <= _JGT_UI:
            # fused compare-and-jump: J<cmp> a b target, J<cmp>I a imm target
            a = F[I[1]]
            if op >= _JEQI:
                b = I[2]
                op -= 10
            else:
                b = F[I[2]]
            if op == _JLT_S:
                j = uint(a ^ SB) < uint(b ^ SB)
            elif op == _JNE:
                j = a != b
            elif op == _JGT_S:
                j = uint(a ^ SB) > uint(b ^ SB)
            elif op == _JEQ:
                j = a == b
            elif op == _JLE_S:
                j = uint(a ^ SB) <= uint(b ^ SB)
            elif op == _JGE_S:
                j = uint(a ^ SB) >= uint(b ^ SB)
            elif op == _JLT_U:
                j = uint(a) < uint(b)
            elif op == _JGT_U:
                j = uint(a) > uint(b)
            elif op == _JLE_U:
                j = uint(a) <= uint(b)
            else:
                j = uint(a) >= uint(b)
            if j:
                t = cb + (I[3] << 2)
                if uint(t) <= uint(int(I)):
                    fuel -= 1
                    if fuel <= 0:
                        P[0] = 0
                        fuel = int(refuel(env))
                I = ptr32(t)
            else:
                I = ptr32(int(I) + 16)
        elif op <= _EQZ:
            a = F[I[2]]
            if op == _SUB:
                F[I[1]] = a - F[I[3]]
            elif op == _AND:
                F[I[1]] = a & F[I[3]]
            elif op == _OR:
                F[I[1]] = a | F[I[3]]
            elif op == _SHL:
                F[I[1]] = a << (F[I[3]] & 31)
            elif op == _SHR_S:
                F[I[1]] = ((a ^ SB) - SB) >> (F[I[3]] & 31)
            elif op == _SHR_U:
                F[I[1]] = int(uint(a) >> uint(F[I[3]] & 31))
            elif op == _ORI:
                F[I[1]] = a | I[3]
            elif op == _XORI:
                F[I[1]] = a ^ I[3]
            elif op == _SHR_SI:
                F[I[1]] = ((a ^ SB) - SB) >> I[3]
            elif op == _MULI:
                F[I[1]] = a * I[3]
            else:  # EQZ d a
                if a == 0:
                    F[I[1]] = 1
                else:
                    F[I[1]] = 0
                I = ptr32(int(I) + 12)
                continue
            I = ptr32(int(I) + 16)
        elif op <= _GT_UI:
            # compare to a value: <cmp> d a b, <cmp>I d a imm
            a = F[I[2]]
            if op >= _EQI:
                b = I[3]
                op -= 10
            else:
                b = F[I[3]]
            if op == _GT_U:
                j = uint(a) > uint(b)
            elif op == _LT_S:
                j = uint(a ^ SB) < uint(b ^ SB)
            elif op == _EQ:
                j = a == b
            elif op == _NE:
                j = a != b
            elif op == _GT_S:
                j = uint(a ^ SB) > uint(b ^ SB)
            elif op == _LT_U:
                j = uint(a) < uint(b)
            elif op == _LE_S:
                j = uint(a ^ SB) <= uint(b ^ SB)
            elif op == _LE_U:
                j = uint(a) <= uint(b)
            elif op == _GE_S:
                j = uint(a ^ SB) >= uint(b ^ SB)
            else:
                j = uint(a) >= uint(b)
            if j:
                F[I[1]] = 1
            else:
                F[I[1]] = 0
            I = ptr32(int(I) + 16)
        elif op <= _BRT:
            if op == _BRZ:
                if F[I[1]] == 0:
                    t = cb + (I[2] << 2)
                    if uint(t) <= uint(int(I)):
                        fuel -= 1
                        if fuel <= 0:
                            P[0] = 0
                            fuel = int(refuel(env))
                    I = ptr32(t)
                else:
                    I = ptr32(int(I) + 12)
            elif op == _CONST:
                F[I[1]] = I[2]
                I = ptr32(int(I) + 12)
            elif op == _LD8U:
                a = F[I[2]]
                ea = a + I[3]
                if a < 0 or uint(ea + 1) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                F[I[1]] = M8[ea]
                I = ptr32(int(I) + 16)
            elif op == _ST8:
                a = F[I[1]]
                ea = a + I[3]
                if a < 0 or uint(ea + 1) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                M8[ea] = F[I[2]]
                I = ptr32(int(I) + 16)
            elif op == _ST32A:
                a = (F[I[1]] + I[2]) & MK
                ea = a + I[4]
                if a < 0 or uint(ea + 4) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                v = F[I[3]]
                if ea & 3 == 0:
                    M32[ea >> 2] = v
                else:
                    M8[ea] = v
                    M8[ea + 1] = v >> 8
                    M8[ea + 2] = v >> 16
                    M8[ea + 3] = v >> 24
                I = ptr32(int(I) + 20)
            elif op == _GGET:
                F[I[1]] = int(gl[I[2]].v)
                I = ptr32(int(I) + 12)
            elif op == _GSET:
                gl[I[2]].v = (F[I[1]] ^ SB) - SB
                I = ptr32(int(I) + 12)
            elif op == _GGETW:
                # a global only this instance sees, in cells c (and c + 1):
                # GGETW d c n, GSETW a c n
                d = I[1]
                c = I[2]
                F[d] = S[c]
                if I[3] == 2:
                    F[d + 1] = S[c + 1]
                I = ptr32(int(I) + 16)
            elif op == _GSETW:
                a = I[1]
                c = I[2]
                S[c] = F[a]
                if I[3] == 2:
                    S[c + 1] = F[a + 1]
                I = ptr32(int(I) + 16)
            elif op == _MOV2:
                a = I[2]
                d = I[1]
                F[d] = F[a]
                F[d + 1] = F[a + 1]
                I = ptr32(int(I) + 12)
            elif op == _CONST2:
                d = I[1]
                F[d] = I[2]
                F[d + 1] = I[3]
                I = ptr32(int(I) + 16)
            elif op == _BRT:
                a = F[I[1]]
                n = I[2]
                if uint(a) >= uint(n):
                    a = n
                t = cb + (I[3 + a] << 2)
                if uint(t) <= uint(int(I)):
                    fuel -= 1
                    if fuel <= 0:
                        P[0] = 0
                        fuel = int(refuel(env))
                I = ptr32(t)
            elif op == _ST16 or op == _ST64:
                a = F[I[1]]
                ea = a + I[3]
                if op == _ST16:
                    n = 2
                else:
                    n = 8
                if a < 0 or uint(ea + n) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                x = I[2]
                v = F[x]
                M8[ea] = v
                M8[ea + 1] = v >> 8
                if n == 8:
                    if ea & 3 == 0:
                        M32[ea >> 2] = v
                        M32[(ea >> 2) + 1] = F[x + 1]
                    else:
                        M8[ea + 2] = v >> 16
                        M8[ea + 3] = v >> 24
                        v = F[x + 1]
                        M8[ea + 4] = v
                        M8[ea + 5] = v >> 8
                        M8[ea + 6] = v >> 16
                        M8[ea + 7] = v >> 24
                I = ptr32(int(I) + 16)
            else:
                # loads: LD8S LD16U LD16S LD64 LD64_8S ... LD64_32U  d a off
                a = F[I[2]]
                ea = a + I[3]
                if op == _LD8S or op == _LD64_8S or op == _LD64_8U:
                    n = 1
                elif op == _LD16U or op == _LD16S or op == _LD64_16S or op == _LD64_16U:
                    n = 2
                elif op == _LD64:
                    n = 8
                else:
                    n = 4
                if a < 0 or uint(ea + n) > uint(mlen):
                    P[0] = fuel
                    trap(env, 5)
                d = I[1]
                if n == 1:
                    v = M8[ea]
                    if op != _LD64_8U:
                        v = (v ^ 128) - 128
                elif n == 2:
                    v = M8[ea] | (M8[ea + 1] << 8)
                    if op == _LD16S or op == _LD64_16S:
                        v = (v ^ 0x8000) - 0x8000
                elif ea & 3 == 0:
                    v = M32[ea >> 2]
                    if n == 8:
                        F[d + 1] = M32[(ea >> 2) + 1]
                else:
                    v = M8[ea] | (M8[ea + 1] << 8) | (M8[ea + 2] << 16) | (M8[ea + 3] << 24)
                    if n == 8:
                        F[d + 1] = M8[ea + 4] | (M8[ea + 5] << 8) | (M8[ea + 6] << 16) | (M8[ea + 7] << 24)
                F[d] = v
                if op >= _LD64_8S:
                    # i64 results of narrow loads: sign/zero-extend into the high cell
                    if op == _LD64_8U or op == _LD64_16U or op == _LD64_32U:
                        F[d + 1] = 0
                    elif op == _LD64_32S:
                        F[d + 1] = ((v ^ SB) - SB) >> 31
                    else:
                        F[d + 1] = v >> 31      # v is already sign-extended
                I = ptr32(int(I) + 16)
        elif op <= _CALLX:
            if op == _CALLX:
                P[0] = fuel
                pc = (int(I) - cb) >> 2
                callx(env, pc, fp, fsp)
                C = ptr32(code)
                cb = int(C)
                FR = ptr32(frames)
                flim = int(len(frames)) - 2
                S = ptr32(cells)
                sb = int(S)
                ncells = int(len(cells))
                mem = env.mem
                M8 = ptr8(mem)
                M32 = ptr32(mem)
                mlen = int(len(mem))
                fuel = P[0]
                I = ptr32(cb + ((pc + 3) << 2))
                F = ptr32(sb + (fp << 2))
            elif op == _MOVR:
                R = env.R
                R[fp + I[1]] = R[fp + I[2]]
                I = ptr32(int(I) + 12)
            elif op == _RNULL:
                R = env.R
                R[fp + I[1]] = None
                I = ptr32(int(I) + 8)
            elif op == _SELECTR:
                R = env.R
                if F[I[4]] != 0:
                    R[fp + I[1]] = R[fp + I[2]]
                else:
                    R[fp + I[1]] = R[fp + I[3]]
                I = ptr32(int(I) + 20)
            elif op == _SELECT2:
                d = I[1]
                if F[I[4]] != 0:
                    a = I[2]
                else:
                    a = I[3]
                F[d] = F[a]
                F[d + 1] = F[a + 1]
                I = ptr32(int(I) + 20)
            elif op <= _REM_U:
                # ROTL ROTR DIV_S DIV_U REM_S REM_U  d a b
                a = F[I[2]]
                b = F[I[3]]
                if op == _ROTL or op == _ROTR:
                    n = b & 31
                    if op == _ROTR:
                        n = (32 - n) & 31
                    v = (a << n) | int(uint(a) >> uint((32 - n) & 31))
                elif op == _DIV_U or op == _REM_U:
                    if b == 0:
                        P[0] = fuel
                        trap(env, 2)
                    if b < 0:
                        # 32-bit words only: b >= 2**31
                        if uint(a) >= uint(b):
                            q = 1
                        else:
                            q = 0
                    elif a < 0:
                        q = (int(uint(a) >> uint(1)) // b) << 1
                        r = a - q * b
                        if uint(r) >= uint(b):
                            q += 1
                    else:
                        q = a // b
                    if op == _DIV_U:
                        v = q
                    else:
                        v = a - q * b
                else:
                    a = (a ^ SB) - SB
                    b = (b ^ SB) - SB
                    if b == 0:
                        P[0] = fuel
                        trap(env, 2)
                    if b == -1:
                        if op == _DIV_S:
                            if a == 0 - SB:
                                P[0] = fuel
                                trap(env, 3)
                            v = 0 - a
                        else:
                            v = 0
                    elif (a ^ b) < 0:
                        # Mixed signs.  Viper's // first moves the dividend
                        # by |b| - 1, which wraps a 32-bit word near -2**31
                        # and 2**31 - 1: divide the magnitudes instead
                        # (wasm truncates, so no floor correction either).
                        if a < 0:
                            ma = 0 - a
                            mb = b
                        else:
                            ma = a
                            mb = 0 - b
                        if mb < 0:
                            # b == -2**31 on 32-bit words: |a| < |b|
                            q = 0
                        elif ma < 0:
                            # a == -2**31 on 32-bit words: |a| == 2**31
                            q = (int(uint(ma) >> uint(1)) // mb) << 1
                            if uint(ma - q * mb) >= uint(mb):
                                q += 1
                        else:
                            q = ma // mb
                        q = 0 - q
                        r = a - q * b
                        if op == _DIV_S:
                            v = q
                        else:
                            v = r
                    else:
                        # same signs: floor division is truncation
                        q = a // b
                        r = a - q * b
                        if op == _DIV_S:
                            v = q
                        else:
                            v = r
                F[I[1]] = v
                I = ptr32(int(I) + 16)
            else:
                # CLZ CTZ POPCNT CLZ64 CTZ64 POPCNT64 EXT8S EXT16S  d a
                d = I[1]
                a = F[I[2]]
                if op >= _EXT8S:
                    if op == _EXT8S:
                        F[d] = ((a & 255) ^ 128) - 128
                    else:
                        F[d] = ((a & 0xFFFF) ^ 0x8000) - 0x8000
                    I = ptr32(int(I) + 12)
                    continue
                x = 0                   # high word of an i64 operand
                w = 0
                if op >= _CLZ64:
                    x = F[I[2] + 1]
                    op -= 3
                    w = 1
                v = 0
                if op == _CLZ:
                    if w != 0:
                        if x != 0:
                            a = x
                        else:
                            v = 32
                    if a == 0:
                        v += 32
                    else:
                        # binary search; & MK keeps 64-bit words at 32 bits
                        if int(uint(a) >> uint(16)) == 0:
                            v += 16
                            a = (a << 16) & MK
                        if int(uint(a) >> uint(24)) == 0:
                            v += 8
                            a = (a << 8) & MK
                        if int(uint(a) >> uint(28)) == 0:
                            v += 4
                            a = (a << 4) & MK
                        if int(uint(a) >> uint(30)) == 0:
                            v += 2
                            a = (a << 2) & MK
                        if int(uint(a) >> uint(31)) == 0:
                            v += 1
                elif op == _CTZ:
                    if w != 0 and a == 0:
                        a = x
                        v = 32
                    if a == 0:
                        v += 32
                    else:
                        if a & 0xFFFF == 0:
                            v += 16
                            a = int(uint(a) >> uint(16))
                        if a & 255 == 0:
                            v += 8
                            a = int(uint(a) >> uint(8))
                        if a & 15 == 0:
                            v += 4
                            a = int(uint(a) >> uint(4))
                        if a & 3 == 0:
                            v += 2
                            a = int(uint(a) >> uint(2))
                        if a & 1 == 0:
                            v += 1
                else:
                    # POPCNT: bit-parallel sums of a, then of x
                    n = 0
                    while n < 2:
                        y = 0x5555
                        y = y | (y << 16)
                        a = a - (int(uint(a) >> uint(1)) & y)
                        y = 0x3333
                        y = y | (y << 16)
                        a = (a & y) + (int(uint(a) >> uint(2)) & y)
                        a = (a + int(uint(a) >> uint(4))) & 0x0F0F0F0F
                        v += int(uint(a * 0x01010101) >> uint(24)) & 255
                        a = x
                        n += 1
                F[d] = v
                if w != 0:
                    F[d + 1] = 0
                I = ptr32(int(I) + 12)
        elif op < _FOP:
            d = I[1]
            a = I[2]
            if op <= _EXT32S64:
                # EXTS64 EXTU64 EXT8S64 EXT16S64 EXT32S64  d a
                v = F[a]
                if op == _EXTU64:
                    F[d] = v
                    F[d + 1] = 0
                else:
                    if op == _EXT8S64:
                        v = ((v & 255) ^ 128) - 128
                    elif op == _EXT16S64:
                        v = ((v & 0xFFFF) ^ 0x8000) - 0x8000
                    else:
                        v = (v ^ SB) - SB
                    F[d] = v
                    F[d + 1] = v >> 31
                I = ptr32(int(I) + 12)
            elif _W64 and W != 0 and op <= _ROTR64:
                # 64-bit words: whole values
                x = F[a] | (F[a + 1] << 32)
                b = I[3]
                if op == _MUL64:
                    v = x * (F[b] | (F[b + 1] << 32))
                else:
                    n = F[b] & 63
                    if op == _SHR_U64:
                        v = int(uint(x) >> uint(n))
                    elif op == _SHL64:
                        v = x << n
                    elif op == _SHR_S64:
                        v = x >> n
                    elif n == 0:
                        v = x
                    elif op == _ROTL64:
                        v = (x << n) | int(uint(x) >> uint(64 - n))
                    else:
                        v = int(uint(x) >> uint(n)) | (x << (64 - n))
                F[d] = v
                F[d + 1] = v >> 32
                I = ptr32(int(I) + 16)
            elif op <= _MUL64:
                alo = F[a]
                ahi = F[a + 1]
                b = I[3]
                if op == _MUL64:
                    blo = F[b]
                    bhi = F[b + 1]
                    x = alo & 0xFFFF
                    y = int(uint(alo) >> uint(16))
                    q = blo & 0xFFFF
                    r = int(uint(blo) >> uint(16))
                    p00 = x * q
                    p01 = x * r
                    p10 = y * q
                    mid = int(uint(p00) >> uint(16)) + (p01 & 0xFFFF) + (p10 & 0xFFFF)
                    F[d] = (p00 & 0xFFFF) | (mid << 16)
                    F[d + 1] = (y * r + int(uint(p01) >> uint(16)) + int(uint(p10) >> uint(16))
                                + int(uint(mid) >> uint(16)) + alo * bhi + ahi * blo)
                else:
                    n = F[b] & 63
                    if n == 0:
                        lo = alo
                        v = ahi
                    elif op == _SHL64:
                        if n < 32:
                            v = (ahi << n) | int(uint(alo) >> uint(32 - n))
                            lo = alo << n
                        else:
                            v = alo << (n - 32)
                            lo = 0
                    elif op == _SHR_U64:
                        if n < 32:
                            lo = int(uint(alo) >> uint(n)) | (ahi << (32 - n))
                            v = int(uint(ahi) >> uint(n))
                        else:
                            lo = int(uint(ahi) >> uint(n - 32))
                            v = 0
                    else:
                        x = (ahi ^ SB) - SB
                        if n < 32:
                            lo = int(uint(alo) >> uint(n)) | (x << (32 - n))
                            v = x >> n
                        else:
                            lo = x >> (n - 32)
                            v = x >> 31
                    F[d] = lo
                    F[d + 1] = v
                I = ptr32(int(I) + 16)
            elif op <= _REM_U64:
                # ROTL64 ROTR64 DIV_S64 DIV_U64 REM_S64 REM_U64  d a b
                alo = F[a]
                ahi = F[a + 1]
                b = I[3]
                blo = F[b]
                bhi = F[b + 1]
                if op <= _ROTR64:
                    n = blo & 63
                    if op == _ROTR64:
                        n = (64 - n) & 63
                    if n >= 32:
                        x = alo
                        alo = ahi
                        ahi = x
                        n -= 32
                    if n != 0:
                        F[d] = (alo << n) | int(uint(ahi) >> uint(32 - n))
                        F[d + 1] = (ahi << n) | int(uint(alo) >> uint(32 - n))
                    else:
                        F[d] = alo
                        F[d + 1] = ahi
                    I = ptr32(int(I) + 16)
                    continue
                if blo == 0 and bhi == 0:
                    P[0] = fuel
                    trap(env, 2)
                j = False               # negate the quotient
                w = 0                   # negate the remainder
                if op == _DIV_S64 or op == _REM_S64:
                    if op == _DIV_S64 and alo == 0 and ahi == SB and blo == MK and bhi == MK:
                        P[0] = fuel
                        trap(env, 3)
                    # divide the magnitudes (& MK: 32-bit cells on 64-bit words)
                    if ahi & SB:
                        ahi = (0 - ahi) & MK
                        if alo != 0:
                            ahi = (ahi - 1) & MK
                        alo = (0 - alo) & MK
                        j = True
                        w = 1
                    if bhi & SB:
                        bhi = (0 - bhi) & MK
                        if blo != 0:
                            bhi = (bhi - 1) & MK
                        blo = (0 - blo) & MK
                        if j:
                            j = False
                        else:
                            j = True
                if W != 0 or (ahi == 0 and bhi == 0):
                    # the operands fit in a machine word: its unsigned division
                    if W != 0:
                        x = (ahi << 32) | alo
                        y = (bhi << 32) | blo
                    else:
                        x = alo
                        y = blo
                    if y < 0:
                        if uint(x) >= uint(y):
                            q = 1
                        else:
                            q = 0
                    elif x < 0:
                        q = (int(uint(x) >> uint(1)) // y) << 1
                        if uint(x - q * y) >= uint(y):
                            q += 1
                    else:
                        q = x // y
                    r = x - q * y
                    lo = q & MK
                    v = int(uint(q) >> uint(16)) >> 16
                    alo = r & MK
                    ahi = int(uint(r) >> uint(16)) >> 16
                else:
                    # 32-bit words, a 64-bit operand: shift and subtract
                    lo = 0
                    v = 0
                    q = 0               # remainder, low and high words
                    r = 0
                    n = 64
                    if ahi == 0:
                        ahi = alo
                        alo = 0
                        n = 32
                    while n > 0:
                        y = int(uint(r) >> uint(31))
                        r = (r << 1) | int(uint(q) >> uint(31))
                        q = (q << 1) | int(uint(ahi) >> uint(31))
                        ahi = (ahi << 1) | int(uint(alo) >> uint(31))
                        alo = alo << 1
                        v = (v << 1) | int(uint(lo) >> uint(31))
                        lo = lo << 1
                        if y != 0 or uint(r) > uint(bhi) or (r == bhi and uint(q) >= uint(blo)):
                            if uint(q) < uint(blo):
                                r -= 1
                            q -= blo
                            r -= bhi
                            lo |= 1
                        n -= 1
                    alo = q
                    ahi = r
                if op == _DIV_S64 or op == _DIV_U64:
                    if j:
                        v = 0 - v
                        if lo != 0:
                            v -= 1
                        lo = 0 - lo
                    F[d] = lo
                    F[d + 1] = v
                else:
                    if w != 0:
                        ahi = 0 - ahi
                        if alo != 0:
                            ahi -= 1
                        alo = 0 - alo
                    F[d] = alo
                    F[d + 1] = ahi
                I = ptr32(int(I) + 16)
            elif op == _F32ABS:
                F[d] = F[a] & NS
                I = ptr32(int(I) + 12)
            elif op == _F32NEG:
                F[d] = F[a] ^ SB
                I = ptr32(int(I) + 12)
            elif op == _F32COPYSIGN:
                F[d] = (F[a] & NS) | (F[I[3]] & SB)
                I = ptr32(int(I) + 16)
            elif op == _F64COPYSIGN:
                F[d] = F[a]
                F[d + 1] = (F[a + 1] & NS) | (F[I[3] + 1] & SB)
                I = ptr32(int(I) + 16)
            else:
                v = F[a + 1]
                F[d] = F[a]
                if op == _F64ABS:
                    F[d + 1] = v & NS
                else:
                    F[d + 1] = v ^ SB
                I = ptr32(int(I) + 12)
        elif op <= _FOP2:
            # f32/f64 arithmetic, compares, rounding, conversions on bit
            # patterns: FOP d a b k (one result cell), FOP2 (two); k is the
            # wasm opcode
            a = I[2]
            b = I[3]
            k = I[4]
            d = I[1]
            v = 0                       # 1: done here
            if _W64 and W != 0 and k >= 0x61 and k <= 0xA2 and (k <= 0x66 or k >= 0xA0):
                # 64-bit words: f64 compares, add, sub, mul of normal numbers
                # in a machine word; zeros, subnormals, infinities, NaNs and
                # results outside the normal range go to fop
                x = F[a] | (F[a + 1] << 32)
                y = F[b] | (F[b + 1] << 32)
                ex = (x >> 52) & 0x7FF
                ey = (y >> 52) & 0x7FF
                if uint(ex - 1) < uint(0x7FE) and uint(ey - 1) < uint(0x7FE):
                    n = 1
                    n = n << 63                 # the sign bit
                    hb = 1
                    hb = hb << 52               # the hidden bit
                    if k <= 0x66:
                        # ordered as signed words: negative values negated
                        if x < 0:
                            x = 0 - (x ^ n)
                        if y < 0:
                            y = 0 - (y ^ n)
                        if k == 0x61:
                            j = x == y
                        elif k == 0x62:
                            j = x != y
                        elif k == 0x63:
                            j = x < y
                        elif k == 0x64:
                            j = x > y
                        elif k == 0x65:
                            j = x <= y
                        else:
                            j = x >= y
                        F[d] = 0
                        if j:
                            F[d] = 1
                        v = 1
                    else:
                        if k == 0xA1:
                            y = y ^ n
                        mx = (x & (hb - 1)) | hb
                        my = (y & (hb - 1)) | hb
                        if k == 0xA2:
                            x = x ^ y                   # the sign
                            # 53 x 53 bits: the high word hi and low word lo
                            # of the product, from 32-bit halves
                            lo = (mx & MK) * (my & MK)
                            q = (mx & MK) * (my >> 32) + (mx >> 32) * (my & MK)
                            r = int(uint(lo) >> uint(32)) + (q & MK)
                            lo = (lo & MK) | (r << 32)
                            hi = (mx >> 32) * (my >> 32) + (q >> 32) + (r >> 32)
                            ex = ex + ey - 1023
                            # 53 bits from the top (bit 105 or 104 of the
                            # product), rounded to nearest even
                            if hi >> 41:
                                ex += 1
                                q = (hi << 11) | int(uint(lo) >> uint(53))
                                r = lo & ((hb << 1) - 1)
                                y = hb
                            else:
                                q = (hi << 12) | int(uint(lo) >> uint(52))
                                r = lo & (hb - 1)
                                y = hb >> 1
                            if r > y or (r == y and (q & 1) != 0):
                                q += 1
                        else:
                            # x the larger magnitude; y >> (ex - ey) with a
                            # sticky bit, both with 9 bits below (top at 61)
                            if (x & (n - 1)) < (y & (n - 1)):
                                q = x
                                x = y
                                y = q
                                q = mx
                                mx = my
                                my = q
                                q = ex
                                ex = ey
                                ey = q
                            mx = mx << 9
                            my = my << 9
                            ey = ex - ey
                            if ey > 62:
                                my = 1
                            elif ey > 0:
                                q = my >> ey
                                if (q << ey) != my:
                                    q |= 1
                                my = q
                            if (x ^ y) >= 0:
                                q = mx + my
                                if q >> 62:
                                    q = (q >> 1) | (q & 1)
                                    ex += 1
                            else:
                                q = mx - my
                                if q == 0:
                                    # x - x: +0
                                    F[d] = 0
                                    F[d + 1] = 0
                                    v = 1
                                else:
                                    while (q >> 61) == 0:
                                        q = q << 1
                                        ex -= 1
                            r = q & 511
                            q = q >> 9
                            if r > 256 or (r == 256 and (q & 1) != 0):
                                q += 1
                        if v == 0:
                            if q >> 53:
                                q = q >> 1
                                ex += 1
                            if uint(ex - 1) < uint(0x7FE):
                                q = (x & n) | (((ex - 1) << 52) + q)
                                F[d] = q
                                F[d + 1] = q >> 32
                                v = 1
            elif _W64 and W != 0 and k >= 0x5B and k <= 0x94 and (k <= 0x60 or k >= 0x92):
                # 64-bit words: f32 compares, add, sub, mul of normal
                # numbers in a machine word, as f64 above (the 24-bit
                # significands with 30 bits below them for the sum)
                x = F[a]
                y = F[b]
                ex = (x >> 23) & 0xFF
                ey = (y >> 23) & 0xFF
                if uint(ex - 1) < uint(0xFE) and uint(ey - 1) < uint(0xFE):
                    hb = 1
                    hb = hb << 23               # the hidden bit
                    if k <= 0x60:
                        if x & SB:
                            x = 0 - (x & NS)
                        if y & SB:
                            y = 0 - (y & NS)
                        if k == 0x5B:
                            j = x == y
                        elif k == 0x5C:
                            j = x != y
                        elif k == 0x5D:
                            j = x < y
                        elif k == 0x5E:
                            j = x > y
                        elif k == 0x5F:
                            j = x <= y
                        else:
                            j = x >= y
                        F[d] = 0
                        if j:
                            F[d] = 1
                        v = 1
                    else:
                        if k == 0x93:
                            y = y ^ SB
                        mx = (x & (hb - 1)) | hb
                        my = (y & (hb - 1)) | hb
                        if k == 0x94:
                            x = x ^ y                   # the sign
                            q = mx * my                 # 47 or 48 bits
                            ex = ex + ey - 127
                            if q >> 47:
                                ex += 1
                                r = q & ((hb << 1) - 1)
                                q = q >> 24
                                y = hb
                            else:
                                r = q & (hb - 1)
                                q = q >> 23
                                y = hb >> 1
                            if r > y or (r == y and (q & 1) != 0):
                                q += 1
                        else:
                            if (x & NS) < (y & NS):
                                q = x
                                x = y
                                y = q
                                q = mx
                                mx = my
                                my = q
                                q = ex
                                ex = ey
                                ey = q
                            mx = mx << 30
                            my = my << 30
                            ey = ex - ey
                            if ey > 55:
                                my = 1
                            elif ey > 0:
                                q = my >> ey
                                if (q << ey) != my:
                                    q |= 1
                                my = q
                            if ((x ^ y) & SB) == 0:
                                q = mx + my
                                if q >> 54:
                                    q = (q >> 1) | (q & 1)
                                    ex += 1
                            else:
                                q = mx - my
                                if q == 0:
                                    # x - x: +0
                                    F[d] = 0
                                    v = 1
                                else:
                                    while (q >> 53) == 0:
                                        q = q << 1
                                        ex -= 1
                            y = 1
                            y = y << 29                 # half of the last place
                            r = q & ((y << 1) - 1)
                            q = q >> 30
                            if r > y or (r == y and (q & 1) != 0):
                                q += 1
                        if v == 0:
                            if q >> 24:
                                q = q >> 1
                                ex += 1
                            if uint(ex - 1) < uint(0xFE):
                                F[d] = (x & SB) | (((ex - 1) << 23) + q)
                                v = 1
            if v == 0:
                XP[0] = k
                XP[1] = F[a]
                XP[2] = F[a + 1]
                XP[3] = F[b]
                XP[4] = F[b + 1]
                x = int(fop(xs))
                if x != 0:
                    P[0] = fuel
                    trap(env, x)
                F[d] = XP[1]
                if op == _FOP2:
                    F[d + 1] = XP[2]
            I = ptr32(int(I) + 20)
        elif op == _XOP2:
            # numeric op through Python: xt entry (fn, read_a, read_b, write)
            P[0] = fuel
            h = xt[I[4]]
            oa = h[1](env, fp + I[2])
            ob = h[2](env, fp + I[3])
            h[3](env, fp + I[1], h[0](oa, ob))
            I = ptr32(int(I) + 20)
        elif op == _XOP1:
            P[0] = fuel
            h = xt[I[3]]
            oa = h[1](env, fp + I[2])
            h[2](env, fp + I[1], h[0](oa))
            I = ptr32(int(I) + 16)
        elif op == _XOP:
            # other rare instructions: handler(env, pc, fp)
            P[0] = fuel
            h = xh[I[1]]
            h(env, (int(I) - cb) >> 2, fp)
            mem = env.mem
            M8 = ptr8(mem)
            M32 = ptr32(mem)
            mlen = int(len(mem))
            I = ptr32(int(I) + 32)
        else:  # UNREACH
            P[0] = fuel
            trap(env, 1)
    return 0
