# Emitter for the fast interpreter: turns the validator's event stream into
# 32-bit words (docs/fast-interp.md).  Same scheme as interp_code.Emitter:
# every value has a static slot, local.get and constants are deferred (a
# stack entry names the slot that already holds the value), comparisons
# feeding a branch become one compare-and-jump, and a local.set after an
# instruction retargets that instruction.  Differences: slots are 32-bit
# cells (i64/f64 take two), an i32 constant used as the second operand of
# an arithmetic/compare op becomes an immediate, and float/rare instructions
# become XOP1/XOP2/XOP words that call into Python (interp_fast_ext).
#
# Frame layout (cells, relative to the frame pointer):
#   [params][declared locals][constants][operand stack homes ...]
# Function header at the entry index e (interp_fast_loop's CALL reads it):
#   e+0 frame cells, e+1 param cells, e+2 zeroed local cells,
#   e+3 constant cells, e+4 code index of the constant words; body at e+5.
# Stack homes are numbered from HBASE while emitting and relocated in
# finish(); jump targets are absolute code indices from the start.

from .func import I64, F64, FUNCREF, EXTERNREF, I32
from . import interp_fast_ops as O
from . import config

# f32/f64 through interp_fast_float (viper, bit patterns) or through the
# float module's functions (XOP1/XOP2)
VIPER_FLOAT = getattr(config, "FAST_VIPER_FLOAT", True)

HBASE = 1 << 24
KBASE = 1 << 28          # pending constant number k is KBASE + k
HDR = 5
MAX_CONST_CELLS = 64
MAXOFF = 1 << 30         # larger memarg offsets go through Python (interp_fast_ext)
_INT_MIN = -0x80000000
_INT_MAX = 0x7FFFFFFF


def width(t):
    return 2 if t == I64 or t == F64 else 1


def is_ref(t):
    # 3.0 reference codes (reftypes.py): ref.func's (ref $t) among them
    return t == FUNCREF or t == EXTERNREF or (config.WASM_TYPES3 and (0x69 <= t <= 0x74 or t > 255))


def s32(x):
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


# i32 binary ops: wasm op -> (op, immediate op or None, commutative)
_BIN32 = {
    0x6A: (O.ADD, O.ADDI, 1), 0x6B: (O.SUB, O.ADDI, 0), 0x6C: (O.MUL, O.MULI, 1),
    0x6D: (O.DIV_S, None, 0), 0x6E: (O.DIV_U, None, 0), 0x6F: (O.REM_S, None, 0),
    0x70: (O.REM_U, None, 0), 0x71: (O.AND, O.ANDI, 1), 0x72: (O.OR, O.ORI, 1),
    0x73: (O.XOR, O.XORI, 1), 0x74: (O.SHL, O.SHLI, 0), 0x75: (O.SHR_S, O.SHR_SI, 0),
    0x76: (O.SHR_U, O.SHR_UI, 0), 0x77: (O.ROTL, None, 0), 0x78: (O.ROTR, None, 0),
}
# i32 comparisons: wasm op -> (op, mirrored wasm op for swapped operands)
_CMP32 = {
    0x46: (O.EQ, 0x46), 0x47: (O.NE, 0x47), 0x48: (O.LT_S, 0x4A), 0x49: (O.LT_U, 0x4B),
    0x4A: (O.GT_S, 0x48), 0x4B: (O.GT_U, 0x49), 0x4C: (O.LE_S, 0x4E),
    0x4D: (O.LE_U, 0x4F), 0x4E: (O.GE_S, 0x4C), 0x4F: (O.GE_U, 0x4D),
}
_BIN64 = {
    0x7C: O.ADD64, 0x7D: O.SUB64, 0x7E: O.MUL64, 0x83: O.AND64, 0x84: O.OR64,
    0x85: O.XOR64, 0x86: O.SHL64, 0x87: O.SHR_S64, 0x88: O.SHR_U64,
    0x51: O.EQ64, 0x52: O.NE64, 0x53: O.LT_S64, 0x54: O.LT_U64, 0x55: O.GT_S64,
    0x56: O.GT_U64, 0x57: O.LE_S64, 0x58: O.LE_U64, 0x59: O.GE_S64, 0x5A: O.GE_U64,
    0x98: O.F32COPYSIGN, 0xA6: O.F64COPYSIGN, 0x89: O.ROTL64, 0x8A: O.ROTR64,
    0x7F: O.DIV_S64, 0x80: O.DIV_U64, 0x81: O.REM_S64, 0x82: O.REM_U64,
}
_UN = {
    0x45: O.EQZ, 0x50: O.EQZ64, 0x67: O.CLZ, 0x68: O.CTZ, 0x69: O.POPCNT,
    0xC0: O.EXT8S, 0xC1: O.EXT16S, 0xAC: O.EXTS64, 0xAD: O.EXTU64,
    0xC2: O.EXT8S64, 0xC3: O.EXT16S64, 0xC4: O.EXT32S64,
    0x8B: O.F32ABS, 0x8C: O.F32NEG, 0x99: O.F64ABS, 0x9A: O.F64NEG,
    0x79: O.CLZ64, 0x7A: O.CTZ64, 0x7B: O.POPCNT64,
}
# Ops that only reinterpret bits (the value stays in its slot).
_ALIAS = (0xA7, 0xBC, 0xBD, 0xBE, 0xBF)
_LOAD = {0x28: O.LD32, 0x2A: O.LD32, 0x29: O.LD64, 0x2B: O.LD64, 0x2C: O.LD8S,
         0x2D: O.LD8U, 0x2E: O.LD16S, 0x2F: O.LD16U, 0x30: O.LD64_8S, 0x31: O.LD64_8U,
         0x32: O.LD64_16S, 0x33: O.LD64_16U, 0x34: O.LD64_32S, 0x35: O.LD64_32U}
_STORE = {0x36: O.ST32, 0x38: O.ST32, 0x3E: O.ST32, 0x37: O.ST64, 0x39: O.ST64,
          0x3A: O.ST8, 0x3C: O.ST8, 0x3B: O.ST16, 0x3D: O.ST16}
# loads/stores that fuse an i32.add of a constant into the address
_LDA = {0x28: O.LD32A, 0x2A: O.LD32A, 0x2D: O.LD8UA}
_STA = {0x36: O.ST32A, 0x38: O.ST32A, 0x3E: O.ST32A, 0x3A: O.ST8A, 0x3C: O.ST8A}
# value compare -> (jump if true, jump if false)
_JUMPS = {
    O.EQ: (O.JEQ, O.JNE), O.NE: (O.JNE, O.JEQ), O.LT_S: (O.JLT_S, O.JGE_S),
    O.GE_S: (O.JGE_S, O.JLT_S), O.GT_S: (O.JGT_S, O.JLE_S), O.LE_S: (O.JLE_S, O.JGT_S),
    O.LT_U: (O.JLT_U, O.JGE_U), O.GE_U: (O.JGE_U, O.JLT_U), O.GT_U: (O.JGT_U, O.JLE_U),
    O.LE_U: (O.JLE_U, O.JGT_U),
}
_IMMCMP = {O.EQI: O.JEQI, O.NEI: O.JNEI, O.LT_SI: O.JLT_SI, O.LT_UI: O.JLT_UI,
           O.GT_SI: O.JGT_SI, O.GT_UI: O.JGT_UI}


def _imm_cmp(wop, c):
    """i32 compare `x wop c` with constant c as an immediate op: (op, imm)
    or None when the constant cannot be expressed (x <= INT_MAX ...)."""
    if wop == 0x46:
        return O.EQI, c
    if wop == 0x47:
        return O.NEI, c
    if wop == 0x48:
        return O.LT_SI, c
    if wop == 0x4A:
        return O.GT_SI, c
    if wop == 0x49:
        return O.LT_UI, c
    if wop == 0x4B:
        return O.GT_UI, c
    if wop == 0x4C:                   # x <= c  ==  x < c+1
        return (O.LT_SI, c + 1) if c != _INT_MAX else None
    if wop == 0x4E:                   # x >= c  ==  x > c-1
        return (O.GT_SI, c - 1) if c != _INT_MIN else None
    u = c & 0xFFFFFFFF
    if wop == 0x4D:
        return (O.LT_UI, s32(u + 1)) if u != 0xFFFFFFFF else None
    if wop == 0x4F:
        return (O.GT_UI, s32(u - 1)) if u != 0 else None
    return None


def _imm_jump(op, c, when):
    """Jump op for immediate compare `op` with constant c, taken when the
    comparison is true (when=1) or false: (jop, imm) or None."""
    if when:
        return _IMMCMP[op], c
    if op == O.EQI:
        return O.JNEI, c
    if op == O.NEI:
        return O.JEQI, c
    if op == O.LT_SI:                 # not x < c  ==  x > c-1
        return (O.JGT_SI, c - 1) if c != _INT_MIN else None
    if op == O.GT_SI:                 # not x > c  ==  x < c+1
        return (O.JLT_SI, c + 1) if c != _INT_MAX else None
    u = c & 0xFFFFFFFF
    if op == O.LT_UI:
        return (O.JGT_UI, s32(u - 1)) if u != 0 else None
    if op == O.GT_UI:
        return (O.JLT_UI, s32(u + 1)) if u != 0xFFFFFFFF else None
    return None


# Slot operand positions, target positions and length of each op (BRT is
# special-cased in relocate()).
def _layouts():
    t = {}
    for op in (O.MOV, O.MOV2, O.MOVR, O.EQZ, O.CLZ, O.CTZ, O.POPCNT, O.CLZ64, O.CTZ64,
               O.POPCNT64, O.EXT8S, O.EXT16S, O.EQZ64, O.EXTS64, O.EXTU64, O.EXT8S64, O.EXT16S64,
               O.EXT32S64, O.F32ABS, O.F32NEG, O.F64ABS, O.F64NEG):
        t[op] = ((1, 2), (), 3)
    for op in (O.ADD, O.SUB, O.AND, O.OR, O.XOR, O.SHL, O.SHR_S, O.SHR_U, O.MUL,
               O.ROTL, O.ROTR, O.DIV_S, O.DIV_U, O.REM_S, O.REM_U,
               O.EQ, O.NE, O.LT_S, O.LT_U, O.GT_S, O.GT_U, O.LE_S, O.LE_U, O.GE_S,
               O.GE_U, O.F32COPYSIGN, O.F64COPYSIGN) + tuple(_BIN64.values()):
        t[op] = ((1, 2, 3), (), 4)
    for op in (O.ADDI, O.ANDI, O.ORI, O.XORI, O.SHLI, O.SHR_SI, O.SHR_UI, O.MULI,
               O.EQI, O.NEI, O.LT_SI, O.LT_UI, O.GT_SI, O.GT_UI):
        t[op] = ((1, 2), (), 4)
    for op in (O.JEQ, O.JNE, O.JLT_S, O.JLT_U, O.JGT_S, O.JGT_U, O.JLE_S, O.JLE_U,
               O.JGE_S, O.JGE_U):
        t[op] = ((1, 2), (3,), 4)
    for op in (O.JEQI, O.JNEI, O.JLT_SI, O.JLT_UI, O.JGT_SI, O.JGT_UI):
        t[op] = ((1,), (3,), 4)
    for op in tuple(_LOAD.values()) + tuple(_STORE.values()):
        t[op] = ((1, 2), (), 4)
    t[O.CONST] = ((1,), (), 3)
    t[O.CONST2] = ((1,), (), 4)
    t[O.BR] = ((), (1,), 2)
    t[O.BRZ] = ((1,), (2,), 3)
    t[O.BRNZ] = ((1,), (2,), 3)
    t[O.CALL] = ((2,), (), 3)
    t[O.CALLX] = ((2,), (), 3)
    t[O.CALLI] = ((3, 4), (), 6)
    t[O.RET] = ((1,), (), 3)
    t[O.GGET] = ((1,), (), 3)
    t[O.GSET] = ((1,), (), 3)
    t[O.GGETW] = ((1,), (), 4)
    t[O.GSETW] = ((1,), (), 4)
    t[O.SELECT] = ((1, 2, 3, 4), (), 5)
    t[O.SELECT2] = ((1, 2, 3, 4), (), 5)
    t[O.SELECTR] = ((1, 2, 3, 4), (), 5)
    t[O.RNULL] = ((1,), (), 2)
    t[O.UNREACH] = ((), (), 1)
    t[O.XOP] = ((2, 3, 4, 5), (), 8)
    t[O.LD32A] = ((1, 2), (), 5)
    t[O.LD8UA] = ((1, 2), (), 5)
    t[O.ST32A] = ((1, 3), (), 5)
    t[O.ST8A] = ((1, 3), (), 5)
    t[O.FOP] = ((1, 2, 3), (), 5)
    t[O.FOP2] = ((1, 2, 3), (), 5)
    t[O.XOP1] = ((1, 2), (), 4)
    t[O.XOP2] = ((1, 2, 3), (), 5)
    # compact form: lay[2*op] = length, lay[2*op+1] = bit k set when word k
    # is a slot (the tuples above are dropped again)
    lay = bytearray(512)
    for op, (slots, tg, ln) in t.items():
        lay[2 * op] = ln
        m = 0
        for k in slots:
            m |= 1 << k
        lay[2 * op + 1] = m
    return lay


# _layouts() in compact form, precomputed (building the table at run time
# needs a large dict, too much for a fragmented board heap);
# tests/test_interp_fast.py checks the two agree.
_LAYOUT_HEX = (
    "0406040e0406040e040603060506030205060406040e0406050a051e040e030203040618"
    "040602000406040604060406040604060406040604060406040204020402040204020402"
    "040e040e040e040e040e040e04060406040604060306040e040e040e040e040e040e040e"
    "040e040e040e04060406040604060406040603020302030203020402040204060406050a"
    "040604060406040604060406040604060406040604060406030604020000040e040e040e"
    "040e040e03060306030603060306030603060306051e051e030602020304040e040e040e"
    "040e040e040e040e040e040e040e040e040e040e040e040e030603060306030603060306"
    "040e040e040e040e040e040e040e040e040e040e03060306040e03060306040e050e050e"
    "0100083c0406050e"
)
LAYOUT = None


def layout():
    global LAYOUT
    if LAYOUT is None:
        LAYOUT = bytes.fromhex(_LAYOUT_HEX)
    return LAYOUT


def relocate(code, pc, delta):
    """Adds delta to every stack-home slot operand (>= HBASE) of the code
    from index pc to the end."""
    lay = layout()
    n = len(code)
    while pc < n:
        op = code[pc]
        if op == O.BRT:
            if code[pc + 1] >= HBASE:
                code[pc + 1] += delta
            pc += 4 + code[pc + 2]
            continue
        m = lay[2 * op + 1]
        k = 1
        while m:
            m >>= 1
            if m & 1 and code[pc + k] >= HBASE:
                code[pc + k] += delta
            k += 1
        pc += lay[2 * op]


class _Frame:
    def __init__(self, op, height, cheight, nparams, ltypes, rtypes):
        self.op = op
        self.height = height      # stack entries below the block's params
        self.cheight = cheight    # cells below the block's params
        self.nparams = nparams
        self.ltypes = ltypes      # types a branch to this label carries
        self.rtypes = rtypes
        self.start = -1           # loop header (absolute code index)
        self.fixups = []          # code positions (in the list) to patch with the end
        self.else_fix = -1


def _put(a, words):
    # array.extend takes only buffers before MicroPython 1.24; code words
    # come as tuples and lists
    for w in words:
        a.append(w)


class Emitter:
    """prog: the module's fast program (interp_fast.Prog): code (array),
    handler registry (xop_index) and the `refs` flag."""

    def __init__(self, prog, ext):
        self.prog = prog
        self.ext = ext            # interp_fast_ext module (handler factories)

    # -- set-up ------------------------------------------------------------
    def begin(self, module, fidx, ftype, local_types):
        self.module = module
        # The body is emitted straight into the program's code array (one
        # growing array('i'), no per-function lists: boards have small,
        # fragmented heaps), after a header filled in by finish().
        self.code = self.prog.code
        self.base = len(self.code)
        _put(self.code, (0, 0, 0, 0, 0))
        ls = []
        n = 0
        for t in local_types:
            ls.append(n)
            n += width(t)
        self.lslot = ls
        self.ltype = local_types
        np = len(ftype.params)
        self.npc = ls[np] if np < len(ls) else n
        self.nlc = n
        self.cwords = []
        self.consts = {}
        self.kv = []
        self.stk = []
        self.sty = []
        self.cum = [0]
        self.maxc = 0
        self.rtypes = ftype.results
        f = _Frame(0x02, 0, 0, 0, ftype.results, ftype.results)
        f.ptypes = b""
        self.frames = [f]
        self.last = -1            # code index of the last instruction, if fusable
        self.lastd = -1           # code index of its destination word
        self.tail = -1            # code index of the last ADDI (address fusion)
        self.dead = False
        self.refs = False
        for i in range(np, len(local_types)):
            if is_ref(local_types[i]):
                self.refs = True
                _put(self.code, (O.RNULL, ls[i]))

    # -- operand stack -----------------------------------------------------
    def push_slot(self, slot, t):
        self.stk.append(slot)
        self.sty.append(t)
        c = self.cum[-1] + width(t)
        self.cum.append(c)
        if c > self.maxc:
            self.maxc = c
        if is_ref(t):
            self.refs = True

    def push(self, t):
        h = HBASE + self.cum[-1]
        self.push_slot(h, t)
        return h

    def pop(self):
        self.sty.pop()
        self.cum.pop()
        return self.stk.pop()

    def home(self):
        """Home slot of the entry just popped (= of the next push)."""
        return HBASE + self.cum[-1]

    def kval(self, s):
        return self.kv[s - KBASE]

    def is_k32(self, s):
        return s >= KBASE and self.kv[s - KBASE][0] == I32

    def emit_const(self, d, t, v):
        w = width(t)
        if w == 2:
            _put(self.code, (O.CONST2, d, s32(v), s32(v >> 32)))
        else:
            _put(self.code, (O.CONST, d, s32(v)))

    def use(self, s, h):
        """The slot of stack entry s (a pending constant gets a constant
        slot, or is stored at home h when the constant area is full)."""
        if s < KBASE:
            return s
        t, v = self.kv[s - KBASE]
        key = (t, v)
        c = self.consts.get(key)
        if c is not None:
            return c
        w = width(t)
        if len(self.cwords) + w > MAX_CONST_CELLS:
            self.emit_const(h, t, v)
            self.last = -1
            self.lastd = -1
            return h
        c = self.nlc + len(self.cwords)
        self.consts[key] = c
        self.cwords.append(s32(v))
        if w == 2:
            self.cwords.append(s32(v >> 32))
        return c

    def mov(self, d, s, t):
        if is_ref(t):
            _put(self.code, (O.MOVR, d, s))
        elif width(t) == 2:
            _put(self.code, (O.MOV2, d, s))
        else:
            _put(self.code, (O.MOV, d, s))

    def materialize(self, lo=0):
        """Puts entries lo.. in their home slots."""
        stk = self.stk
        for k in range(lo, len(stk)):
            h = HBASE + self.cum[k]
            s = stk[k]
            if s != h:
                t = self.sty[k]
                if s >= KBASE:
                    self.emit_const(h, t, self.kval(s)[1])
                else:
                    self.mov(h, s, t)
                stk[k] = h
                self.last = -1
                self.lastd = -1

    def spill_local(self, x):
        stk = self.stk
        for k in range(len(stk)):
            if stk[k] == x:
                h = HBASE + self.cum[k]
                self.mov(h, x, self.sty[k])
                stk[k] = h
        self.last = -1
        self.lastd = -1

    def emit(self, *words):
        """An instruction whose word 1 is its destination slot."""
        self.last = len(self.code)
        self.lastd = self.last + 1
        if words[0] == O.ADDI:
            self.tail = self.last
        _put(self.code, words)

    def addi_tail(self, a):
        """Is stack entry a (just popped) the result of an ADDI that is the
        last code emitted (and no label since)?"""
        t = self.tail
        code = self.code
        return (t >= 0 and t == len(code) - 4 and code[t] == O.ADDI
                and code[t + 1] == a and a == self.home())

    def emit_nd(self, *words):
        """An instruction that is neither fusable nor retargetable."""
        self.last = -1
        self.lastd = -1
        _put(self.code, words)

    def xop(self, handler, d=0, a=0, b=0, c=0, imm=0, imm2=0):
        h = self.prog.xop_index(handler)
        self.last = -1
        self.lastd = len(self.code) + 2 if d else -1
        _put(self.code, (O.XOP, h, d, a, b, c, s32(imm), s32(imm2)))

    # -- straight-line instructions -----------------------------------------
    def op(self, op, imm, pops, push):
        if op == 0x20:
            self.push_slot(self.lslot[imm], self.ltype[imm])
            self.last = -1
            self.lastd = -1
            return
        if op == 0x21 or op == 0x22:
            self.set_local(imm, op == 0x22)
            return
        if 0x41 <= op <= 0x44:
            t = push
            v = imm
            if op == 0x41:
                v = s32(v)
            elif op == 0x42:
                v = ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
            self.stk.append(KBASE + len(self.kv))
            self.kv.append((t, v))
            self.sty.append(t)
            c = self.cum[-1] + width(t)
            self.cum.append(c)
            if c > self.maxc:
                self.maxc = c
            self.last = -1
            self.lastd = -1
            return
        if op in _BIN32:
            self.bin32(op)
            return
        if op in _CMP32:
            self.cmp32(op)
            return
        if op in _BIN64:
            b = self.pop()
            b = self.use(b, self.home())
            a = self.pop()
            a = self.use(a, self.home())
            d = self.push(push)
            self.emit(_BIN64[op], d, a, b)
            return
        if op in _UN:
            a = self.pop()
            a = self.use(a, self.home())
            d = self.push(push)
            self.emit(_UN[op], d, a)
            return
        if op in _ALIAS:
            a = self.pop()
            if a >= KBASE:
                t, v = self.kval(a)
                if push == I32:
                    v = s32(v)
                self.stk.append(KBASE + len(self.kv))
                self.kv.append((push, v))
                self.sty.append(push)
                self.cum.append(self.cum[-1] + width(push))
            else:
                self.push_slot(a, push)
            self.last = -1
            self.lastd = -1
            return
        if op in _LOAD:
            a = self.pop()
            t = self.tail
            if imm < MAXOFF and op in _LDA and self.addi_tail(a):
                # i32.add x c; load -> one op: LDxA d x c off
                d = self.push(push)
                self.code[t] = _LDA[op]
                self.code[t + 1] = d
                self.code.append(imm)
                self.last = -1
                self.lastd = t + 1
                self.tail = -1
                return
            a = self.use(a, self.home())
            d = self.push(push)
            if imm >= MAXOFF:
                self.xop(self.ext.far_load(op), d, a, 0, 0, imm & 0x3FFFFFFF, imm >> 30)
            else:
                self.emit(_LOAD[op], d, a, imm)
            return
        if op in _STORE:
            v = self.pop()
            v = self.use(v, self.home())
            a = self.pop()
            t = self.tail
            if imm < MAXOFF and op in _STA and self.addi_tail(a):
                # i32.add x c; (value); store -> STxA x c v off
                code = self.code
                code[t] = _STA[op]
                code[t + 1] = code[t + 2]
                code[t + 2] = code[t + 3]
                code[t + 3] = v
                code.append(imm)
                self.last = self.lastd = self.tail = -1
                return
            a = self.use(a, self.home())
            if imm >= MAXOFF:
                self.xop(self.ext.far_store(op), 0, a, v, 0, imm & 0x3FFFFFFF, imm >> 30)
            else:
                self.emit_nd(_STORE[op], a, v, imm)
            return
        if op == 0x1A:
            self.pop()
            self.last = -1
            self.lastd = -1
            return
        if op == 0x1B:
            t = pops[0]
            c = self.pop()
            c = self.use(c, self.home())
            b = self.pop()
            b = self.use(b, self.home())
            a = self.pop()
            a = self.use(a, self.home())
            d = self.push(t)
            if is_ref(t):
                o = O.SELECTR
            elif width(t) == 2:
                o = O.SELECT2
            else:
                o = O.SELECT
            self.emit(o, d, a, b, c)
            return
        if op == 0x23:
            d = self.push(push)
            c = self.prog.gcell.get(imm)
            if c is not None:
                self.emit(O.GGETW, d, c, width(push))
            elif push == I32:
                self.emit(O.GGET, d, imm)
            else:
                self.xop(self.ext.gget(push), d, 0, 0, 0, imm)
            return
        if op == 0x24:
            t = pops[0]
            v = self.pop()
            v = self.use(v, self.home())
            c = self.prog.gcell.get(imm)
            if c is not None:
                self.emit_nd(O.GSETW, v, c, width(t))
            elif t == I32:
                self.emit_nd(O.GSET, v, imm)
            else:
                self.xop(self.ext.gset(t), 0, v, 0, 0, imm)
            return
        if op == 0xD0:
            d = self.push(push)
            self.emit(O.RNULL, d)
            return
        if self.ext.is_numeric(op):
            if VIPER_FLOAT:
                # interp_fast_float.fop on the bit patterns
                b = self.pop()
                b = self.use(b, self.home())
                a = b
                if len(pops) == 2:
                    a = self.pop()
                    a = self.use(a, self.home())
                d = self.push(push)
                self.emit(O.FOP2 if width(push) == 2 else O.FOP, d, a, b,
                          op if op < 0xFC00 else 0xC0 + (op & 15))
                self.prog.floats = True
                return
            k = self.prog.xt_index(self.ext.numop(op, pops, push))
            if len(pops) == 1:
                a = self.pop()
                a = self.use(a, self.home())
                d = self.push(push)
                self.emit(O.XOP1, d, a, k)
            else:
                b = self.pop()
                b = self.use(b, self.home())
                a = self.pop()
                a = self.use(a, self.home())
                d = self.push(push)
                self.emit(O.XOP2, d, a, b, k)
            return
        # Everything else: a Python handler.
        slots = []
        for i in range(len(pops) - 1, -1, -1):
            s = self.pop()
            slots.append(self.use(s, self.home()))
        slots.reverse()
        while len(slots) < 3:
            slots.append(0)
        d = self.push(push) if push is not None else 0
        imm2 = 0
        if isinstance(imm, tuple):
            imm, imm2 = imm
        self.xop(self.ext.handler(op), d, slots[0], slots[1], slots[2], imm or 0, imm2)

    def set_local(self, x, tee):
        t = self.ltype[x]
        ls = self.lslot[x]
        v = self.pop()
        if v != ls:
            if v >= KBASE:
                self.spill_local(ls)
                self.emit_const(ls, t, self.kval(v)[1])
            else:
                ld = self.lastd
                if ld >= 0 and self.code[ld] == v and v == self.home() \
                        and ls not in self.stk:
                    self.code[ld] = ls
                else:
                    self.spill_local(ls)
                    self.mov(ls, v, t)
        self.last = -1
        self.lastd = -1
        if tee:
            self.push_slot(ls, t)

    def bin32(self, op):
        o, oi, comm = _BIN32[op]
        b = self.pop()
        hb = self.home()
        a = self.pop()
        ha = self.home()
        if oi is not None:
            if self.is_k32(b):
                c = self.kval(b)[1]
            elif comm and self.is_k32(a):
                c = self.kval(a)[1]
                a = b
                ha = hb
            else:
                c = None
            if c is not None:
                if o == O.SUB:
                    c = s32(-c)
                elif oi == O.SHLI or oi == O.SHR_SI or oi == O.SHR_UI:
                    c &= 31
                a = self.use(a, ha)
                d = self.push(I32)
                self.emit(oi, d, a, c)
                return
        b = self.use(b, hb)
        a = self.use(a, ha)
        d = self.push(I32)
        self.emit(o, d, a, b)

    def cmp32(self, op):
        b = self.pop()
        hb = self.home()
        a = self.pop()
        ha = self.home()
        wop = op
        if self.is_k32(a) and not self.is_k32(b):
            a, b = b, a
            ha, hb = hb, ha
            wop = _CMP32[op][1]
        if self.is_k32(b):
            r = _imm_cmp(wop, self.kval(b)[1])
            if r is not None:
                a = self.use(a, ha)
                d = self.push(I32)
                self.emit(r[0], d, a, r[1])
                return
        b = self.use(b, hb)
        a = self.use(a, ha)
        d = self.push(I32)
        self.emit(_CMP32[wop][0], d, a, b)

    # -- control -------------------------------------------------------------
    def cond_jump(self, cond, when):
        """Emits a jump taken when slot `cond` is true (when=1) or false;
        fuses the comparison that computed it.  Returns the list position
        of the target word."""
        code = self.code
        ld = self.last
        if ld >= 0 and cond < KBASE and code[ld + 1] == cond and cond == self.home():
            op = code[ld]
            if op in _JUMPS:
                # J<cmp> a b t overwrites <cmp> d a b
                code[ld] = _JUMPS[op][0 if when else 1]
                code[ld + 1] = code[ld + 2]
                code[ld + 2] = code[ld + 3]
                code[ld + 3] = -1
                self.last = self.lastd = -1
                return ld + 3
            if op in _IMMCMP:
                r = _imm_jump(op, code[ld + 3], when)
                if r is not None:
                    code[ld] = r[0]
                    code[ld + 1] = code[ld + 2]
                    code[ld + 2] = r[1]
                    code[ld + 3] = -1
                    self.last = self.lastd = -1
                    return ld + 3
            if op == O.EQZ:
                code[ld] = O.BRZ if when else O.BRNZ
                code[ld + 1] = code[ld + 2]
                code[ld + 2] = -1
                self.last = self.lastd = -1
                return ld + 2
        if cond >= KBASE:
            cond = self.use(cond, self.home())
        _put(code, (O.BRNZ if when else O.BRZ, cond, -1))
        self.last = self.lastd = -1
        return len(code) - 1

    def block(self, op, params, results):
        self.tail = -1
        np = len(params)
        if op == 0x04:
            c = self.pop()
            self.materialize()
            cpos = self.cond_jump(c, 0)
        else:
            self.materialize()
        self.last = self.lastd = -1
        h = len(self.stk) - np
        f = _Frame(op, h, self.cum[h], np, params if op == 0x03 else results, results)
        f.ptypes = params
        if op == 0x03:
            f.start = len(self.code)
        if op == 0x04:
            f.else_fix = cpos
        self.frames.append(f)

    def _reset(self, f, types):
        self.dead = False
        self.tail = -1
        del self.stk[f.height:]
        del self.sty[f.height:]
        del self.cum[f.height + 1:]
        for t in types:
            self.push(t)
        self.last = self.lastd = -1

    def else_(self):
        self.tail = -1
        f = self.frames[-1]
        if not self.dead:
            self.materialize()
            _put(self.code, (O.BR, -1))
            f.fixups.append(len(self.code) - 1)
        self.code[f.else_fix] = len(self.code)
        f.else_fix = -1
        # the if's params are at home again for the else branch
        self._reset(f, f.ptypes)

    def end(self):
        self.tail = -1
        f = self.frames.pop()
        if not self.dead:
            self.materialize()
        if not self.frames:
            # end of the function: branches to its label return from here
            if f.fixups:
                here = len(self.code)
                for p in f.fixups:
                    self.code[p] = here
                if self.dead:
                    self._reset(f, f.rtypes)
            if not self.dead:
                self.ret()
            return
        here = len(self.code)
        if f.else_fix >= 0:
            self.code[f.else_fix] = here
        for p in f.fixups:
            self.code[p] = here
        self._reset(f, f.rtypes)

    def _moves(self, f):
        """(src, dst, type) triples carrying the label values to frame f."""
        n = len(f.ltypes)
        base = len(self.stk) - n
        mv = []
        dst = HBASE + f.cheight
        for i in range(n):
            src = self.stk[base + i]
            t = self.sty[base + i]
            if src != dst:
                mv.append((src, dst, t))
            dst += width(t)
        return mv

    def _emit_moves(self, mv):
        for src, dst, t in mv:
            if src >= KBASE:
                self.emit_const(dst, t, self.kval(src)[1])
            else:
                self.mov(dst, src, t)

    def _target(self, f, pos):
        if f.op == 0x03:
            self.code[pos] = f.start
        else:
            f.fixups.append(pos)

    def br(self, depth):
        f = self.frames[-1 - depth]
        self._emit_moves(self._moves(f))
        _put(self.code, (O.BR, -1))
        self._target(f, len(self.code) - 1)
        self.dead = True
        self.last = self.lastd = -1

    def br_if(self, depth):
        c = self.pop()
        f = self.frames[-1 - depth]
        mv = self._moves(f)
        if mv:
            skip = self.cond_jump(c, 0)
            self._emit_moves(mv)
            _put(self.code, (O.BR, -1))
            self._target(f, len(self.code) - 1)
            self.code[skip] = len(self.code)
        else:
            self._target(f, self.cond_jump(c, 1))
        self.last = self.lastd = -1

    def br_table(self, depths, default):
        c = self.pop()
        c = self.use(c, self.home())
        all_d = list(depths) + [default]
        code = self.code
        _put(code, (O.BRT, c, len(depths)))
        tpos = len(code)
        _put(code, [-1] * len(all_d))
        stubs = {}
        for i in range(len(all_d)):
            d = all_d[i]
            f = self.frames[-1 - d]
            mv = self._moves(f)
            if not mv:
                self._target(f, tpos + i)
            else:
                if d not in stubs:
                    stubs[d] = len(code)
                    self._emit_moves(mv)
                    _put(code, (O.BR, -1))
                    self._target(f, len(code) - 1)
                code[tpos + i] = stubs[d]
        self.dead = True
        self.last = self.lastd = -1

    def ret(self):
        rt = self.rtypes
        n = len(rt)
        lo = len(self.stk) - n
        if n == 1 and not is_ref(rt[0]):
            # RET copies the result cells from any slot
            s = self.use(self.stk[lo], HBASE + self.cum[lo])
            _put(self.code, (O.RET, s, width(rt[0])))
            self.dead = True
            self.last = self.lastd = -1
            return
        self.materialize(lo)
        src = HBASE + self.cum[lo]
        off = 0
        for t in self.rtypes:
            if is_ref(t):
                _put(self.code, (O.MOVR, off, src + off))
            off += width(t)
        _put(self.code, (O.RET, src, off))
        self.dead = True
        self.last = self.lastd = -1

    def unreachable(self):
        _put(self.code, (O.UNREACH,))
        self.dead = True
        self.last = self.lastd = -1

    def _args(self, ftype):
        n = len(ftype.params)
        lo = len(self.stk) - n
        self.materialize(lo)
        base = HBASE + self.cum[lo]
        del self.stk[lo:]
        del self.sty[lo:]
        del self.cum[lo + 1:]
        return base

    def call(self, fidx, ftype):
        base = self._args(ftype)
        ni = self.module.n_func_imports
        if fidx < ni:
            _put(self.code, (O.CALLX, fidx, base))
        else:
            _put(self.code, (O.CALL, fidx - ni, base))
        for t in ftype.results:
            self.push(t)
        self.last = self.lastd = -1

    def call_indirect(self, typeidx, tableidx, ftype):
        c = self.pop()
        c = self.use(c, self.home())
        base = self._args(ftype)
        k = self.prog.ncalli
        self.prog.ncalli = k + 2
        _put(self.code, (O.CALLI, typeidx, tableidx, c, base, k))
        for t in ftype.results:
            self.push(t)
        self.last = self.lastd = -1

    def finish(self):
        """Fills in the header, relocates the stack slots, appends the
        constants; returns the entry index."""
        code = self.code
        e = self.base
        nconst = len(self.cwords)
        hb = self.nlc + nconst
        relocate(code, e + HDR, hb - HBASE)
        code[e] = hb + self.maxc + 2
        code[e + 1] = self.npc
        code[e + 2] = self.nlc - self.npc
        code[e + 3] = nconst
        code[e + 4] = len(code)
        _put(code, self.cwords)
        if self.refs:
            self.prog.refs = True
        return e
