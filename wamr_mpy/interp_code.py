# Emitter for the portable interpreter: turns the validator's event stream
# into flat, slot-addressed code (a list per function).
#
# Frame layout (slots relative to the frame pointer):
#   [params][declared locals][constants][operand stack ...]
# Every value has a static slot: operand stack entry k lives in its "home"
# slot above the constants, and instructions name their operand and result
# slots, so the interpreter keeps no stack pointer.  A local.get or a
# constant is not copied: the stack entry just records which slot already
# holds the value, until something overwrites that local or control flow
# needs the value at home.  Constants are initialised with the locals on
# function entry (one slice assignment), so no instruction loads them.
# Operand-stack slots are numbered from HBASE while emitting (the number of
# constants is not known yet) and relocated in finish().

from . import interp as I
from . import numeric as N
from . import fmode as F
from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF

HBASE = 1 << 24
MAX_CONSTS = 255


class Code:
    """Pre-decoded body of one function."""

    def __init__(self, code, nparams, ninit, nslots, inits, nresults):
        self.code = code
        self.nparams = nparams
        self.ninit = ninit        # slots [nparams, ninit) are set from `inits` on entry
        self.nslots = nslots
        self.inits = inits
        self.nresults = nresults


def zero_of(t):
    if t == F32:
        return F.f32_from_bits(0)
    if t == F64:
        return F.f64_from_bits(0)
    if t == FUNCREF or t == EXTERNREF:
        return None
    return 0


# wasm opcode -> (internal op, function name) for ops run through a helper.
_F2 = {
    0x6D: "i32_div_s", 0x6E: "i32_div_u", 0x6F: "i32_rem_s", 0x70: "i32_rem_u",
    0x77: "i32_rotl", 0x78: "i32_rotr",
    0x7E: "i64_mul", 0x7F: "i64_div_s", 0x80: "i64_div_u", 0x81: "i64_rem_s",
    0x82: "i64_rem_u", 0x86: "i64_shl", 0x87: "i64_shr_s", 0x88: "i64_shr_u",
    0x89: "i64_rotl", 0x8A: "i64_rotr",
    0x54: "i64_lt_u", 0x56: "i64_gt_u", 0x58: "i64_le_u", 0x5A: "i64_ge_u",
    0x5B: "f32_eq", 0x5C: "f32_ne", 0x5D: "f32_lt", 0x5E: "f32_gt", 0x5F: "f32_le",
    0x60: "f32_ge", 0x61: "f64_eq", 0x62: "f64_ne", 0x63: "f64_lt", 0x64: "f64_gt",
    0x65: "f64_le", 0x66: "f64_ge",
    0x92: "f32_add", 0x93: "f32_sub", 0x94: "f32_mul", 0x95: "f32_div",
    0x96: "f32_min", 0x97: "f32_max", 0x98: "f32_copysign",
    0xA0: "f64_add", 0xA1: "f64_sub", 0xA2: "f64_mul", 0xA3: "f64_div",
    0xA4: "f64_min", 0xA5: "f64_max", 0xA6: "f64_copysign",
}
_F1 = {
    0x67: "i32_clz", 0x68: "i32_ctz", 0x69: "i32_popcnt",
    0x79: "i64_clz", 0x7A: "i64_ctz", 0x7B: "i64_popcnt",
    0x8B: "f32_abs", 0x8C: "f32_neg", 0x8D: "f32_ceil", 0x8E: "f32_floor",
    0x8F: "f32_trunc", 0x90: "f32_nearest", 0x91: "f32_sqrt",
    0x99: "f64_abs", 0x9A: "f64_neg", 0x9B: "f64_ceil", 0x9C: "f64_floor",
    0x9D: "f64_trunc", 0x9E: "f64_nearest", 0x9F: "f64_sqrt",
    0xA7: "i32_wrap_i64", 0xA8: "i32_trunc_f32_s", 0xA9: "i32_trunc_f32_u",
    0xAA: "i32_trunc_f64_s", 0xAB: "i32_trunc_f64_u",
    0xAD: "i64_extend_i32_u", 0xAE: "i64_trunc_f32_s",
    0xAF: "i64_trunc_f32_u", 0xB0: "i64_trunc_f64_s", 0xB1: "i64_trunc_f64_u",
    0xB2: "f32_convert_i32_s", 0xB3: "f32_convert_i32_u",
    0xB4: "f32_convert_i64_s", 0xB5: "f32_convert_i64_u", 0xB6: "f32_demote_f64",
    0xB7: "f64_convert_i32_s", 0xB8: "f64_convert_i32_u",
    0xB9: "f64_convert_i64_s", 0xBA: "f64_convert_i64_u", 0xBB: "f64_promote_f32",
    0xBC: "i32_reinterpret_f32", 0xBD: "i64_reinterpret_f64",
    0xBE: "f32_reinterpret_i32", 0xBF: "f64_reinterpret_i64",
    0xC0: "extend8_s", 0xC1: "extend16_s", 0xC2: "extend8_s",
    0xC3: "extend16_s", 0xC4: "i64_extend32_s",
    0xFC00: "i32_trunc_sat_f32_s", 0xFC01: "i32_trunc_sat_f32_u",
    0xFC02: "i32_trunc_sat_f64_s", 0xFC03: "i32_trunc_sat_f64_u",
    0xFC04: "i64_trunc_sat_f32_s", 0xFC05: "i64_trunc_sat_f32_u",
    0xFC06: "i64_trunc_sat_f64_s", 0xFC07: "i64_trunc_sat_f64_u",
}
# Ops the interpreter runs inline: wasm opcode -> internal op.  Signed
# comparisons and bitwise ops do not depend on the width in signed
# canonical form, so i64 shares them.
_BIN = {
    0x6A: I.ADD, 0x6B: I.SUB, 0x6C: I.MUL, 0x71: I.AND, 0x72: I.OR, 0x73: I.XOR,
    0x74: I.SHL, 0x75: I.SHR_S, 0x76: I.SHR_U,
    0x46: I.EQ, 0x47: I.NE, 0x48: I.LT_S, 0x49: I.LT_U, 0x4A: I.GT_S,
    0x4B: I.GT_U, 0x4C: I.LE_S, 0x4D: I.LE_U, 0x4E: I.GE_S, 0x4F: I.GE_U,
    0x7C: I.ADD64, 0x7D: I.SUB64, 0x83: I.AND, 0x84: I.OR, 0x85: I.XOR,
    0x51: I.EQ, 0x52: I.NE, 0x53: I.LT_S, 0x55: I.GT_S, 0x57: I.LE_S, 0x59: I.GE_S,
}
_UN = {0x45: I.EQZ, 0x50: I.EQZ, 0xAC: I.MOV}   # i64.extend_i32_s is a copy
# compare op -> (jump-if-true op, jump-if-false op)
_JUMPS = {
    I.EQ: (I.JEQ, I.JNE), I.NE: (I.JNE, I.JEQ),
    I.LT_S: (I.JLT_S, I.JGE_S), I.GE_S: (I.JGE_S, I.JLT_S),
    I.GT_S: (I.JGT_S, I.JLE_S), I.LE_S: (I.JLE_S, I.JGT_S),
    I.LT_U: (I.JLT_U, I.JGE_U), I.GE_U: (I.JGE_U, I.JLT_U),
    I.GT_U: (I.JGT_U, I.JLE_U), I.LE_U: (I.JLE_U, I.JGT_U),
}
# Loads: wasm opcode -> internal op, or function name for LDF.
_LOAD = {0x28: I.LD32, 0x29: I.LD64, 0x2C: I.LD8S, 0x2D: I.LD8U, 0x2E: I.LD16S,
         0x2F: I.LD16U, 0x30: I.LD8S, 0x31: I.LD8U, 0x32: I.LD16S, 0x33: I.LD16U,
         0x34: I.LD32, 0x35: I.LD32U, 0x2A: "f32_load", 0x2B: "f64_load"}
_STORE = {0x36: I.ST32, 0x37: I.ST64, 0x3A: I.ST8, 0x3B: I.ST16, 0x3C: I.ST8,
          0x3D: I.ST16, 0x3E: I.ST32W, 0x38: "f32_store", 0x39: "f64_store"}


def _fn(name):
    f = getattr(N, name, None)
    if f is None:
        f = getattr(F, name)
    return f


class _Frame:
    def __init__(self, op, height, nparams, nlabel, nresults):
        self.op = op
        self.height = height      # stack entries below the block's params
        self.nparams = nparams
        self.nlabel = nlabel      # values a branch to this label carries
        self.nresults = nresults
        self.start = -1           # loop header pc
        self.fixups = []          # code positions to patch with the end pc
        self.else_fix = -1        # position of the if's false-branch target


class Emitter:
    def begin(self, module, fidx, ftype, local_types):
        self.code = []
        self.nparams = len(ftype.params)
        self.nloc = len(local_types)
        self.inits = [zero_of(t) for t in local_types[self.nparams:]]
        self.consts = {}
        self.nresults = len(ftype.results)
        self.stk = []             # slot holding each operand stack entry
        self.maxh = 0
        self.frames = [_Frame(0x02, 0, 0, self.nresults, self.nresults)]
        self.last = -1            # code index of the last instruction, if it may be rewritten
        self.dead = False         # after br/return/unreachable until else/end

    # -- operand stack ---------------------------------------------------
    def push_slot(self, slot):
        self.stk.append(slot)
        if len(self.stk) > self.maxh:
            self.maxh = len(self.stk)

    def push(self):
        h = HBASE + len(self.stk)
        self.push_slot(h)
        return h

    def pop(self):
        return self.stk.pop()

    def materialize(self, lo=0):
        """Copies entries from `lo` up into their home slots."""
        stk = self.stk
        for k in range(lo, len(stk)):
            h = HBASE + k
            if stk[k] != h:
                self.code += (I.MOV, h, stk[k])
                stk[k] = h
                self.last = -1

    def spill_local(self, x):
        # Entries still reading local x get their own copy before x is written.
        stk = self.stk
        for k in range(len(stk)):
            if stk[k] == x:
                h = HBASE + k
                self.code += (I.MOV, h, x)
                stk[k] = h

    def emit(self, *words):
        """Emits an instruction whose word 1 is its destination slot."""
        self.last = len(self.code)
        self.code += words

    def const_slot(self, key, value):
        c = self.consts.get(key)
        if c is None:
            if len(self.consts) >= MAX_CONSTS:
                return -1
            c = self.nloc + len(self.consts)
            self.consts[key] = c
            self.inits.append(value)
        return c

    # -- straight-line instructions --------------------------------------
    def op(self, op, imm, pops, push):
        code = self.code
        if op == 0x20:          # local.get
            self.push_slot(imm)
            self.last = -1
            return
        if op == 0x21 or op == 0x22:
            v = self.pop()
            if v != imm:
                ld = self.last
                if ld >= 0 and code[ld + 1] == v and v == HBASE + len(self.stk) \
                        and imm not in self.stk:
                    # Retarget the producer to write the local directly.
                    code[ld + 1] = imm
                else:
                    self.spill_local(imm)
                    self.code += (I.MOV, imm, v)
            self.last = -1
            if op == 0x22:
                self.push_slot(imm)
            return
        if 0x41 <= op <= 0x44 or op == 0xD0:
            if op == 0x43:
                v = F.f32_from_bits(imm)
            elif op == 0x44:
                v = F.f64_from_bits(imm)
            elif op == 0xD0:
                v = None
            else:
                v = imm
            c = self.const_slot((op, imm), v)
            if c >= 0:
                self.push_slot(c)
                self.last = -1
            else:
                d = self.push()
                self.emit(I.CONST, d, v)
            return
        if op in _BIN:
            b = self.pop()
            a = self.pop()
            d = self.push()
            self.emit(_BIN[op], d, a, b)
            return
        if op in _UN:
            a = self.pop()
            d = self.push()
            self.emit(_UN[op], d, a)
            return
        if op in _F2:
            b = self.pop()
            a = self.pop()
            d = self.push()
            self.emit(I.F2, d, _fn(_F2[op]), a, b)
            return
        if op in _F1:
            a = self.pop()
            d = self.push()
            self.emit(I.F1, d, _fn(_F1[op]), a)
            return
        if op in _LOAD:
            a = self.pop()
            d = self.push()
            lo = _LOAD[op]
            if isinstance(lo, str):
                self.emit(I.LDF, d, a, imm, _fn(lo))
            else:
                self.emit(lo, d, a, imm)
            return
        if op in _STORE:
            v = self.pop()
            a = self.pop()
            so = _STORE[op]
            if isinstance(so, str):
                code += (I.STF, a, v, imm, _fn(so))
            else:
                code += (so, a, v, imm)
            self.last = -1
            return
        if op == 0x23:
            d = self.push()
            self.emit(I.GGET, d, imm)
            return
        if op == 0x24:
            v = self.pop()
            code += (I.GSET, v, imm)
            self.last = -1
            return
        if op == 0x1A:           # drop
            self.pop()
            self.last = -1
            return
        if op == 0x1B:           # select
            c = self.pop()
            b = self.pop()
            a = self.pop()
            d = self.push()
            self.emit(I.SELECT, d, a, b, c)
            return
        # The rest runs through an EXT helper in interp.py: EXT d fn imm a b c
        args = [self.pop() for _ in pops]
        args.reverse()
        while len(args) < 3:
            args.append(0)
        d = self.push() if push is not None else 0
        code += (I.EXT, d, I.ext_fn(op), imm, args[0], args[1], args[2])
        self.last = -1

    # -- control ---------------------------------------------------------
    def cond_jump(self, cond, when):
        """Emits a jump taken when slot `cond` is true (when=1) or false
        (when=0), fusing a comparison that computed it; returns the code
        position of the target operand."""
        code = self.code
        ld = self.last
        if ld >= 0 and code[ld + 1] == cond and cond == HBASE + len(self.stk):
            op = code[ld]
            if op in _JUMPS:
                a, b = code[ld + 2], code[ld + 3]
                del code[ld:]
                code += (_JUMPS[op][0 if when else 1], a, b, -1)
                self.last = -1
                return len(code) - 1
            if op == I.EQZ:
                a = code[ld + 2]
                del code[ld:]
                code += (I.BRZ if when else I.BRNZ, a, -1)
                self.last = -1
                return len(code) - 1
        code += (I.BRNZ if when else I.BRZ, cond, -1)
        self.last = -1
        return len(code) - 1

    def block(self, op, params, results):
        np = len(params)
        if op == 0x04:
            c = self.pop()
            # Entries below must be at home on both paths.  (If that takes
            # moves, the comparison producing c is no longer the last
            # instruction and is not fused.)
            self.materialize()
            cpos = self.cond_jump(c, 0)
        else:
            self.materialize()
        self.last = -1
        f = _Frame(op, len(self.stk) - np, np, np if op == 0x03 else len(results),
                   len(results))
        if op == 0x03:
            f.start = len(self.code)
        if op == 0x04:
            f.else_fix = cpos
        self.frames.append(f)

    def _reset(self, f, n):
        self.dead = False
        self.stk = [HBASE + k for k in range(f.height + n)]
        if len(self.stk) > self.maxh:
            self.maxh = len(self.stk)
        self.last = -1

    def else_(self):
        f = self.frames[-1]
        if not self.dead:
            self.materialize()
            self.code += (I.BR, -1)
            f.fixups.append(len(self.code) - 1)
        self.code[f.else_fix] = len(self.code)
        f.else_fix = -1
        # The if's params are back at home for the else branch.
        self._reset(f, f.nparams)

    def end(self):
        f = self.frames.pop()
        if not self.dead:
            self.materialize()
        if not self.frames:
            # Function end: branches to the outermost label arrive here with
            # the results at the bottom of the operand stack, like fallthrough.
            for p in f.fixups:
                self.code[p] = len(self.code)
            if f.fixups or not self.dead:
                self.code += (I.RET, HBASE, f.nresults)
            return
        here = len(self.code)
        if f.else_fix >= 0:
            self.code[f.else_fix] = here
        for p in f.fixups:
            self.code[p] = here
        self._reset(f, f.nresults)

    def _moves(self, f):
        """(src, dst) slot pairs carrying the label values to frame f."""
        n = f.nlabel
        stk = self.stk
        base = len(stk) - n
        mv = []
        for i in range(n):
            src = stk[base + i]
            dst = HBASE + f.height + i
            if src != dst:
                mv.append((src, dst))
        return mv

    def _target(self, f, pos):
        """Points the jump operand at code[pos] to frame f's label."""
        if f.op == 0x03:
            self.code[pos] = f.start
        else:
            f.fixups.append(pos)

    def br(self, depth):
        f = self.frames[-1 - depth]
        for src, dst in self._moves(f):
            self.code += (I.MOV, dst, src)
        self.code += (I.BR, -1)
        self._target(f, len(self.code) - 1)
        self.dead = True

    def br_if(self, depth):
        c = self.pop()
        f = self.frames[-1 - depth]
        mv = self._moves(f)
        if mv:
            skip = self.cond_jump(c, 0)
            for src, dst in mv:
                self.code += (I.MOV, dst, src)
            self.code += (I.BR, -1)
            self._target(f, len(self.code) - 1)
            self.code[skip] = len(self.code)
        else:
            self._target(f, self.cond_jump(c, 1))
        self.last = -1

    def br_table(self, depths, default):
        c = self.pop()
        all_d = list(depths) + [default]
        code = self.code
        code += (I.BRT, c, len(depths))
        tpos = len(code)
        code += [-1] * len(all_d)
        stubs = {}
        for i, d in enumerate(all_d):
            f = self.frames[-1 - d]
            mv = self._moves(f)
            if not mv:
                self._target(f, tpos + i)
            else:
                if d not in stubs:
                    stubs[d] = len(code)
                    for src, dst in mv:
                        code += (I.MOV, dst, src)
                    code += (I.BR, -1)
                    self._target(f, len(code) - 1)
                code[tpos + i] = stubs[d]
        self.dead = True

    def ret(self):
        n = self.nresults
        if n == 1:
            # RET copies from any slot: a local or constant needs no move.
            self.code += (I.RET, self.stk[-1], 1)
        else:
            self.materialize(len(self.stk) - n)
            self.code += (I.RET, HBASE + len(self.stk) - n, n)
        self.dead = True

    def unreachable(self):
        self.code += (I.UNREACH,)
        self.dead = True

    def call(self, fidx, ftype):
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        self.code += (I.CALL, fidx, base)
        for _ in ftype.results:
            self.push()
        self.last = -1

    def call_indirect(self, typeidx, tableidx, ftype):
        c = self.pop()
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        self.code += (I.CALLI, ftype.key, tableidx, c, base)
        for _ in ftype.results:
            self.push()
        self.last = -1

    def finish(self):
        ninit = self.nloc + len(self.consts)
        relocate(self.code, ninit - HBASE)
        return Code(self.code, self.nparams, ninit, ninit + self.maxh + 1,
                    self.inits, self.nresults)


# Slot operand positions of each internal op (relative to the op word), and
# the op's length, for relocating operand-stack slots.
def _layouts():
    t = {}
    for op in (I.MOV, I.EQZ):
        t[op] = ((1, 2), 3)
    for op in (I.ADD, I.SUB, I.MUL, I.AND, I.OR, I.XOR, I.SHL, I.SHR_S, I.SHR_U,
               I.EQ, I.NE, I.LT_S, I.LT_U, I.GT_S, I.GT_U, I.LE_S, I.LE_U, I.GE_S,
               I.GE_U, I.ADD64, I.SUB64):
        t[op] = ((1, 2, 3), 4)
    for op in (I.JEQ, I.JNE, I.JLT_S, I.JLT_U, I.JGT_S, I.JGT_U, I.JLE_S, I.JLE_U,
               I.JGE_S, I.JGE_U):
        t[op] = ((1, 2), 4)
    for op in (I.LD32, I.LD8U, I.LD8S, I.LD16U, I.LD16S, I.LD32U, I.LD64,
               I.ST32, I.ST8, I.ST16, I.ST64, I.ST32W):
        t[op] = ((1, 2), 4)
    t[I.LDF] = ((1, 2), 5)
    t[I.STF] = ((1, 2), 5)
    t[I.CONST] = ((1,), 3)
    t[I.BRNZ] = ((1,), 3)
    t[I.BRZ] = ((1,), 3)
    t[I.BR] = ((), 2)
    t[I.CALL] = ((2,), 3)
    t[I.CALLI] = ((3, 4), 5)
    t[I.RET] = ((1,), 3)
    t[I.GGET] = ((1,), 3)
    t[I.GSET] = ((1,), 3)
    t[I.F1] = ((1, 3), 4)
    t[I.F2] = ((1, 3, 4), 5)
    t[I.SELECT] = ((1, 2, 3, 4), 5)
    t[I.EXT] = ((1, 4, 5, 6), 7)
    t[I.UNREACH] = ((), 1)
    return t


LAYOUT = None


def relocate(code, delta):
    global LAYOUT
    if LAYOUT is None:
        LAYOUT = _layouts()
    pc = 0
    n = len(code)
    while pc < n:
        op = code[pc]
        if op == I.BRT:
            if code[pc + 1] >= HBASE:
                code[pc + 1] += delta
            pc += 4 + code[pc + 2]
            continue
        slots, ln = LAYOUT[op]
        for k in slots:
            if code[pc + k] >= HBASE:
                code[pc + k] += delta
        pc += ln
