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

import gc
from array import array

from . import interp as I
from .opnames import name_at
from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
from . import config

HBASE = 1 << 24

# Distinct constants a function keeps in frame slots.  Each costs a slot in
# every activation and a copy on every call, so a generated function with
# thousands of them would exhaust the stack: the rest are loaded by an
# instruction where they are used.
MAX_KSLOTS = 512


def _F():
    # The float module is imported only when a function uses floats.
    from . import fmode
    return fmode


def zero_of(t):
    if t == F32:
        return _F().f32_from_bits(0)
    if t == F64:
        return _F().f64_from_bits(0)
    if t == FUNCREF or t == EXTERNREF:
        return None
    if config.WASM_SIMD and t == 0x7B:
        return b"\0" * 16       # v128 (docs/internals.md)
    if config.WASM_TYPES3 and (0x69 <= t <= 0x74 or t > 255):
        return None       # a 3.0 reference type
    return 0


# Plain numeric opcodes 0x45..0xC4, then 0xFC 0..7, indexed from 0: the
# internal op run inline (255: none) and otherwise the helper's name in
# numeric/fmode.  Signed comparisons and bitwise ops do not depend on the
# width in signed canonical form, so i64 shares them; i64.extend_i32_s is
# a copy.  (Flat literals: dicts would cost kilobytes of RAM on a board.)
def _inline_table():
    # Built at run time from interp's op names, so renumbering ops there
    # cannot silently break it.
    ops = (b"\x6a\x6b\x6c\x71\x72\x73\x74\x75\x76\x46\x47\x48\x49\x4a\x4b\x4c"
           b"\x4d\x4e\x4f\x7c\x7d\x83\x84\x85\x51\x52\x53\x55\x57\x59\x45\x50\xac")
    iops = (I.ADD, I.SUB, I.MUL, I.AND, I.OR, I.XOR, I.SHL, I.SHR_S, I.SHR_U,
            I.EQ, I.NE, I.LT_S, I.LT_U, I.GT_S, I.GT_U, I.LE_S, I.LE_U, I.GE_S,
            I.GE_U, I.ADD64, I.SUB64, I.AND, I.OR, I.XOR, I.EQ, I.NE, I.LT_S,
            I.GT_S, I.LE_S, I.GE_S, I.EQZ, I.EQZ, I.MOV)
    t = bytearray(b"\xff" * 136)
    for k in range(len(ops)):
        t[ops[k] - 0x45] = iops[k]
    return bytes(t)


_INLINE = _inline_table()
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
    """Index of a helper in interp.FUNCS (code words are ints, so helpers
    and other objects are referenced through global tables)."""
    i = I.FUNC_INDEX.get(name)
    if i is None:
        # numeric is imported only when a body needs an integer helper
        from . import numeric as N
        f = getattr(N, name, None)
        if f is None:
            f = getattr(_F(), name)
        i = I.FUNC_INDEX[name] = len(I.FUNCS)
        I.FUNCS.append(f)
    return i


def _ext(op):
    i = I.FUNC_INDEX.get(op)
    if i is None:
        i = I.FUNC_INDEX[op] = len(I.FUNCS)
        from .interp_ext import ext_fn
        I.FUNCS.append(ext_fn(op))
    return i


def _key(key):
    try:
        return I.KEYS.index(key)
    except ValueError:
        I.KEYS.append(key)
        return len(I.KEYS) - 1


_CHUNK = 128           # words; a power of two (see the shifts below)
_SHIFT = 7


class CodeBuf:
    """Growable word buffer in fixed 512-byte chunks: a big function's code is
    built without one large, growing (and fragmenting) allocation, then
    copied once into its final compact array."""

    def __init__(self):
        self.chunks = []
        self.n = 0

    def add(self, *words):
        n = self.n
        for w in words:
            k = n & (_CHUNK - 1)
            if k == 0 and n >> _SHIFT == len(self.chunks):
                c = len(self.chunks)
                if c >= 64 and not c & (c - 1):
                    # At 32, 64, 128 ... KiB of code: a body this big leaves
                    # survivors (its constants, on 32-bit ports many as long
                    # ints) among its garbage; on a big heap nothing
                    # collects until it is full, so they would spread over
                    # all of it and leave no room for the final array.
                    # Collecting packs them at the bottom.
                    gc.collect()
                self.chunks.append(array("I", bytes(4 * _CHUNK)))
            self.chunks[n >> _SHIFT][k] = w
            n += 1
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.chunks[i >> _SHIFT][i & (_CHUNK - 1)]

    def __setitem__(self, i, v):
        self.chunks[i >> _SHIFT][i & (_CHUNK - 1)] = v

    def __iter__(self):
        n = self.n
        for c in self.chunks:
            for w in c:
                if n <= 0:
                    return
                n -= 1
                yield w

    def final(self):
        """The words as array('H') when they all fit, else array('I'),
        allocated once at its exact size (the array constructor takes the
        length first)."""
        big = 0
        for c in self.chunks:
            m = max(c)
            if m > big:
                big = m
        out = array("H" if big < 65536 else "I", self)
        self.chunks = []
        return out


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
        self.code = CodeBuf()
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
                self.code.add(I.MOV, h, stk[k])
                stk[k] = h
                self.last = -1

    def spill_local(self, x):
        # Entries still reading local x get their own copy before x is written.
        stk = self.stk
        for k in range(len(stk)):
            if stk[k] == x:
                h = HBASE + k
                self.code.add(I.MOV, h, x)
                stk[k] = h

    def emit(self, *words):
        """Emits an instruction whose word 1 is its destination slot."""
        self.last = len(self.code)
        self.code.add(*words)

    def const_slot(self, key, value):
        c = self.consts.get(key)
        if c is None:
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
                    self.code.add(I.MOV, imm, v)
            self.last = -1
            if op == 0x22:
                self.push_slot(imm)
            return
        if 0x41 <= op <= 0x44 or op == 0xD0:
            if op == 0x43:
                v = _F().f32_from_bits(imm)
            elif op == 0x44:
                v = _F().f64_from_bits(imm)
            elif op == 0xD0:
                v = None
            else:
                v = imm
            key = (op, imm)
            if len(self.consts) >= MAX_KSLOTS and op != 0xD0 and key not in self.consts:
                u = imm & 0xFFFFFFFFFFFFFFFF
                d = self.push()
                code.add(I.EXT, d, _ext(op), u & 0xFFFF, (u >> 16) & 0xFFFF,
                         (u >> 32) & 0xFFFF, u >> 48, 0)
                self.last = -1
                return
            self.push_slot(self.const_slot(key, v))
            self.last = -1
            return
        if 0x45 <= op <= 0xC4 or 0xFC00 <= op <= 0xFC07:
            k = op - 0x45 if op < 0xFC00 else op - 0xFC00 + 128
            iop = _INLINE[k]
            if len(pops) == 2:
                b = self.pop()
                a = self.pop()
                d = self.push()
                if iop != 255:
                    self.emit(iop, d, a, b)
                else:
                    self.emit(I.F2, d, _fn(name_at(k)), a, b)
            else:
                a = self.pop()
                d = self.push()
                if iop != 255:
                    self.emit(iop, d, a)
                else:
                    self.emit(I.F1, d, _fn(name_at(k)), a)
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
                code.add(I.STF, a, v, imm, _fn(so))
            else:
                code.add(so, a, v, imm)
            self.last = -1
            return
        if op == 0x23:
            d = self.push()
            self.emit(I.GGET, d, imm)
            return
        if op == 0x24:
            v = self.pop()
            code.add(I.GSET, v, imm)
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
        if config.WASM_SIMD and op >= 0xFD000:
            # SIMD (simd_ops.OP + sub-opcode)
            from .interp_simd import emit
            return emit(self, op, imm, pops, push)
        # The rest runs through an EXT helper in interp.py: EXT d fn imm a b c
        args = [self.pop() for _ in pops]
        args.reverse()
        while len(args) < 3:
            args.append(0)
        d = self.push() if push is not None else 0
        imm2 = 0
        if isinstance(imm, tuple):
            imm, imm2 = imm
        code.add(I.EXT, d, _ext(op), imm or 0, imm2, args[0], args[1], args[2])
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
            # The comparison is the last instruction: rewrite it in place
            # (same length) as a compare-and-jump.
            if op in _JUMPS:
                code[ld] = _JUMPS[op][0 if when else 1]
                code[ld + 1] = code[ld + 2]
                code[ld + 2] = code[ld + 3]
                code[ld + 3] = 0
                self.last = -1
                return ld + 3
            if op == I.EQZ:
                code[ld] = I.BRZ if when else I.BRNZ
                code[ld + 1] = code[ld + 2]
                code[ld + 2] = 0
                self.last = -1
                return ld + 2
        code.add(I.BRNZ if when else I.BRZ, cond, 0)
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
            self.code.add(I.BR, 0)
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
                self.code.add(I.RET, HBASE, f.nresults)
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
            self.code.add(I.MOV, dst, src)
        self.code.add(I.BR, 0)
        self._target(f, len(self.code) - 1)
        self.dead = True

    def br_if(self, depth):
        c = self.pop()
        f = self.frames[-1 - depth]
        mv = self._moves(f)
        if mv:
            skip = self.cond_jump(c, 0)
            for src, dst in mv:
                self.code.add(I.MOV, dst, src)
            self.code.add(I.BR, 0)
            self._target(f, len(self.code) - 1)
            self.code[skip] = len(self.code)
        else:
            self._target(f, self.cond_jump(c, 1))
        self.last = -1

    def br_table(self, depths, default):
        c = self.pop()
        all_d = list(depths) + [default]
        code = self.code
        code.add(I.BRT, c, len(depths))
        tpos = len(code)
        code.add(*([0] * len(all_d)))
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
                        code.add(I.MOV, dst, src)
                    code.add(I.BR, 0)
                    self._target(f, len(code) - 1)
                code[tpos + i] = stubs[d]
        self.dead = True

    def ret(self):
        n = self.nresults
        if n == 1:
            # RET copies from any slot: a local or constant needs no move.
            self.code.add(I.RET, self.stk[-1], 1)
        else:
            self.materialize(len(self.stk) - n)
            self.code.add(I.RET, HBASE + len(self.stk) - n, n)
        self.dead = True

    def unreachable(self):
        self.code.add(I.UNREACH)
        self.dead = True

    def call(self, fidx, ftype):
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        self.code.add(I.CALL, fidx, base)
        for _ in ftype.results:
            self.push()
        self.last = -1

    def call_indirect(self, typeidx, tableidx, ftype):
        c = self.pop()
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        self.code.add(I.CALLI, _key(ftype.key), tableidx, c, base)
        for _ in ftype.results:
            self.push()
        self.last = -1

    def finish(self):
        ninit = self.nloc + len(self.consts)
        code = self.code
        relocate(code, ninit - HBASE)
        # 2 (or 4) bytes a word instead of a list's pointer per word.
        code = code.final()
        return I.Code(code, self.nparams, ninit, ninit + self.maxh + 1,
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
    t[I.EXT] = ((1, 5, 6, 7), 8)
    t[I.UNREACH] = ((), 1)
    if config.WASM_3:
        t[I.CALLR] = ((1, 2), 3)
        t[I.TAIL] = ((4, 5), 6)
        t[I.ADDR64] = ((1, 2), 3)
    return t


LAYOUT = None


def _layout_bytes():
    # Per op: a bit mask of the words that are slots, then the length.
    t = bytearray(2 * 64)
    for op, (slots, ln) in _layouts().items():
        m = 0
        for k in slots:
            m |= 1 << k
        t[2 * op] = m
        t[2 * op + 1] = ln
    return bytes(t)


def relocate(code, delta):
    global LAYOUT
    if LAYOUT is None:
        LAYOUT = _layout_bytes()
    lay = LAYOUT
    pc = 0
    n = len(code)
    while pc < n:
        op = code[pc]
        if op == I.BRT:
            if code[pc + 1] >= HBASE:
                code[pc + 1] += delta
            pc += 4 + code[pc + 2]
            continue
        m = lay[2 * op]
        k = 1
        while m >> k:
            if (m >> k) & 1 and code[pc + k] >= HBASE:
                code[pc + k] += delta
            k += 1
        pc += lay[2 * op + 1]
