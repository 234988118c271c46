# Spec validation of a decoded Module and of every function body.
#
# The body walk is also the front end of every execution tier: it calls an
# emitter (interp_code.Emitter for the interpreter, other tiers bring their
# own) with each instruction, its operand/result types and the control
# structure, but only for code that is reachable; a NullEmitter is used when
# only validating.  See docs/internals.md, "Emitters".
#
# WebAssembly 3.0 (config.WASM_3): validator3.py validates the instructions
# whose rules 3.0 changed (memory and table instructions, call_indirect)
# and the new ones through extension modules (validator_tail, validator_gc,
# validator_exc; validator_simd for 0xFD).  In a build without the 3.0
# options those paths fold away (tools/build) and this is the 2.0
# validator.

from .errors import ValidationError, LoadError
from .reader import Reader, valtype, reftype
from .func import I32, I64, F32, F64, V128, FUNCREF, EXTERNREF
from . import config

UNKNOWN = 0   # the polymorphic stack type after unreachable code

_REF = (FUNCREF, EXTERNREF)
_NUM = (I32, I64, F32, F64)


def _inv(msg, pos):
    raise ValidationError(msg, pos, "validator")


def _mal(msg, pos):
    raise LoadError(msg, pos, "validator")


# --- operator type table for the plain numeric instructions -------------
# Three bytes per opcode 0x45..0xC4, then 0xFC 0..7 (saturating truncations):
# first operand, second operand (0: none), result.  A bytearray keeps this
# at ~400 bytes where a dict of tuples would take kilobytes on a board.

def _sig_bytes():
    t = bytearray(3 * 136)
    i, I, f, F = I32, I64, F32, F64

    def put(lo, hi, a, b, r):
        for op in range(lo, hi + 1):
            k = 3 * (op - 0x45 if op < 0xFC00 else op - 0xFC00 + 128)
            t[k] = a
            t[k + 1] = b
            t[k + 2] = r

    put(0x45, 0x45, i, 0, i)
    put(0x46, 0x4F, i, i, i)
    put(0x50, 0x50, I, 0, i)
    put(0x51, 0x5A, I, I, i)
    put(0x5B, 0x60, f, f, i)
    put(0x61, 0x66, F, F, i)
    put(0x67, 0x69, i, 0, i)
    put(0x6A, 0x78, i, i, i)
    put(0x79, 0x7B, I, 0, I)
    put(0x7C, 0x8A, I, I, I)
    put(0x8B, 0x91, f, 0, f)
    put(0x92, 0x98, f, f, f)
    put(0x99, 0x9F, F, 0, F)
    put(0xA0, 0xA6, F, F, F)
    # conversions: (first opcode, operand types, result types) runs
    for lo, args, res in ((0xA7, "IffFF", "iiiii"), (0xAC, "iiffFF", "IIIIII"),
                          (0xB2, "iiIIF", "fffff"), (0xB7, "iiIIf", "FFFFF"),
                          (0xBC, "fFiI", "iIfF"), (0xC0, "iiIII", "iiIII"),
                          (0xFC00, "ffFFffFF", "iiiiIIII")):
        for k in range(len(args)):
            put(lo + k, lo + k, _LT[args[k]], 0, _LT[res[k]])
    return t


_LT = {"i": I32, "I": I64, "f": F32, "F": F64}
_SIG = None


def op_sig(op):
    """(operand types, result type) of a plain numeric opcode, else None."""
    global _SIG
    if 0x45 <= op <= 0xC4:
        k = 3 * (op - 0x45)
    elif 0xFC00 <= op <= 0xFC07:
        k = 3 * (op - 0xFC00 + 128)
    else:
        return None
    if _SIG is None:
        _SIG = _sig_bytes()
    a = _SIG[k]
    b = _SIG[k + 1]
    return ((a, b) if b else (a,)), _SIG[k + 2]


# loads: op -> (result type, natural alignment log2); stores: op -> (type, align)
LOADS = {0x28: (I32, 2), 0x29: (I64, 3), 0x2A: (F32, 2), 0x2B: (F64, 3),
         0x2C: (I32, 0), 0x2D: (I32, 0), 0x2E: (I32, 1), 0x2F: (I32, 1),
         0x30: (I64, 0), 0x31: (I64, 0), 0x32: (I64, 1), 0x33: (I64, 1),
         0x34: (I64, 2), 0x35: (I64, 2)}
STORES = {0x36: (I32, 2), 0x37: (I64, 3), 0x38: (F32, 2), 0x39: (F64, 3),
          0x3A: (I32, 0), 0x3B: (I32, 1), 0x3C: (I64, 0), 0x3D: (I64, 1),
          0x3E: (I64, 2)}


class NullEmitter:
    """Receives the validator's events and does nothing (validation only)."""

    def begin(self, module, fidx, ftype, local_types):
        pass

    def op(self, op, imm, pops, push):
        pass

    def block(self, op, params, results):
        pass

    def else_(self):
        pass

    def end(self):
        pass

    def br(self, depth):
        pass

    def br_if(self, depth):
        pass

    def br_table(self, depths, default):
        pass

    def ret(self):
        pass

    def unreachable(self):
        pass

    def call(self, fidx, ftype):
        pass

    def call_indirect(self, typeidx, tableidx, ftype):
        pass

    if config.WASM_3:
        # the 3.0 events, call_ref, tail_call, br_on, throw and try_table
        # (docs/internals.md), come only from functions that use them
        def __getattr__(self, name):
            return _nothing

    def finish(self):
        return None


_NULL = NullEmitter()
_UNREACHABLE = b"\x00\x00\x0b"     # no locals; unreachable; end


def _nothing(*args):
    pass


class _Ctrl:
    def __init__(self, op, params, results, height, live):
        self.op = op
        self.params = params
        self.results = results
        self.height = height
        self.unreachable = False
        self.live = live          # events of this frame go to the emitter
        self.seen_else = False

    if config.WASM_TYPED_REFS:
        inits = None      # non-defaultable locals set in this block

    def labels(self):
        return self.params if self.op == 0x03 else self.results


def skip_instr(r, op, pos):
    """Skips the immediates of a non-constant instruction inside a constant
    expression (so the validator can report 'constant expression required'
    rather than a decoding error)."""
    if op in (0x20, 0x21, 0x22, 0x24, 0x10, 0x0C, 0x0D, 0x25, 0x26):
        r.u32()
    elif op in LOADS or op in STORES:
        r.u32()
        r.u32()
    elif op == 0x3F or op == 0x40:
        r.u8()
    elif op in (0x00, 0x01, 0x1A, 0x1B, 0x0F) or 0x45 <= op <= 0xC4:
        pass
    elif op == 0x11:
        r.u32()
        r.u32()
    elif op == 0x02 or op == 0x03 or op == 0x04:
        if config.WASM_TYPES3 and r.pos < r.end and r.data[r.pos] in (0x63, 0x64):
            r.pos += 1
        r.s33()
    elif config.WASM_SIMD and op == 0xFD:
        from .validator_simd import skip
        skip(r, pos)
    elif config.WASM_3:
        from .validator3 import skip_instr3
        skip_instr3(r, op, pos)
    else:
        _mal(_illegal(op), pos)


def _illegal(op, sub=None):
    # the spec's wording names the opcode: "illegal opcode ff", "illegal
    # opcode fc 18" (prefix byte in hex, then the sub-opcode)
    if sub is None:
        return "illegal opcode %02x" % op
    return "illegal opcode %02x %d" % (op, sub)


# --- module-level validation ---------------------------------------------

def check_const(m, expr, want, pos, nglobals_visible):
    """Validates a constant expression producing one value of type `want`."""
    stack = []
    for op, imm, p in expr:
        if op == 0x41:
            stack.append(I32)
        elif op == 0x42:
            stack.append(I64)
        elif op == 0x43:
            stack.append(F32)
        elif op == 0x44:
            stack.append(F64)
        elif op == 0xD0:
            stack.append(imm)
        elif config.WASM_SIMD and op == 0xFD00C:       # v128.const (loader.const_expr)
            stack.append(V128)
        elif op == 0xD2:
            if imm >= len(m.func_types):
                _inv("unknown function %d" % imm, p)
            if config.WASM_TYPED_REFS and m.typed:
                from .validator3 import ref_func_type
                stack.append(ref_func_type(m, imm))
            else:
                stack.append(FUNCREF)
        elif op == 0x23:
            if imm >= nglobals_visible:
                _inv("unknown global %d" % imm, p)
            t, mut = m.globals[imm]
            if mut:
                _inv("constant expression required", p)
            stack.append(t)
        elif config.WASM_3 and (op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E) or op >= 0xFB00):
            # extended constant expressions, GC instructions
            from .validator3 import const_op
            const_op(m, op, imm, stack, p)
        else:
            _inv("constant expression required", p)
    if len(stack) != 1 or (stack[0] != want and not (config.WASM_TYPES3 and matches(stack[0], want))):
        _inv("type mismatch", pos)


def validate_module(m, retyped=False):
    if config.WASM_TYPES3 and not retyped:
        from .validator3 import Retype
        try:
            return validate_module(m, True)
        except Retype:
            # a body used 3.0 reference types: ref.func has its precise type
            m.typed = True
            return validate_module(m, True)
    nfuncs = len(m.func_types)
    if config.WASM_3:
        from .validator3 import module3
        module3(m)
    else:
        if len(m.mems) > 1:
            _inv("multiple memories", 0)
        for lo, hi in m.mems:
            if lo > 65536 or (hi is not None and hi > 65536):
                _inv("memory size must be at most 65536 pages (4GiB)", 0)
            if hi is not None and lo > hi:
                _inv("size minimum must not be greater than maximum", 0)
        for et, lo, hi in m.tables:
            if hi is not None and lo > hi:
                _inv("size minimum must not be greater than maximum", 0)
    # Functions referable by ref.func: those named in elements, exports and
    # global initialisers ("declared" in the spec's terms).
    declared = set()
    nglob_imp = m.n_global_imports
    for i, expr in enumerate(m.global_inits):
        t = m.globals[nglob_imp + i][0]
        # 3.0 (GC): an initialiser may read the immutable globals before it
        check_const(m, expr, t, expr[0][2] if expr else 0,
                    nglob_imp + i if config.WASM_GC else nglob_imp)
        for op, imm, p in expr:
            if op == 0xD2:
                declared.add(imm)
    if config.WASM_TYPED_REFS:
        for expr in m.table_inits:
            for op, imm, p in expr or ():
                if op == 0xD2:
                    declared.add(imm)
    seen = set()
    for name, kind, idx in m.exports:
        if name in seen:
            _inv("duplicate export name", 0)
        seen.add(name)
        if kind == 0:
            if idx >= nfuncs:
                _inv("unknown function %d" % idx, 0)
            declared.add(idx)
        elif kind == 1:
            if idx >= len(m.tables):
                _inv("unknown table %d" % idx, 0)
        elif kind == 2:
            if idx >= len(m.mems):
                _inv("unknown memory %d" % idx, 0)
        elif kind == 3 or not config.WASM_EXCEPTIONS:
            if idx >= len(m.globals):
                _inv("unknown global %d" % idx, 0)
        elif idx >= len(m.tags):
            _inv("unknown tag %d" % idx, 0)
    if m.start is not None:
        if m.start >= nfuncs:
            _inv("unknown function %d" % m.start, 0)
        ft = m.types[m.func_types[m.start]]
        if ft.params or ft.results:
            _inv("start function must not have parameters or results", 0)
    # constant expressions see imported globals (3.0, GC: all of them)
    nglob = len(m.globals) if config.WASM_GC else m.n_global_imports
    for e in m.elems:
        if e.mode == 0:
            if e.table >= len(m.tables):
                _inv("unknown table %d" % e.table, 0)
            check_const(m, e.offset, I64 if config.WASM_MEMORY64 and m.tab64[e.table] else I32,
                        0, nglob)
            if m.tables[e.table][0] != e.elem_type and \
                    not (config.WASM_TYPED_REFS and matches(elem_type(e), m.tables[e.table][0])):
                _inv("type mismatch", 0)
        if e.funcidx:
            for fi in e.inits:
                if fi >= nfuncs:
                    _inv("unknown function %d" % fi, 0)
                declared.add(fi)
        else:
            for expr in e.inits:
                check_const(m, expr, e.elem_type, 0, nglob)
                for op, imm, p in expr:
                    if op == 0xD2:
                        declared.add(imm)
    for d in m.datas:
        if d.mode == 0:
            if d.mem >= len(m.mems):
                _inv("unknown memory %d" % d.mem, 0)
            check_const(m, d.offset, I64 if config.WASM_MEMORY64 and m.mem64[d.mem] else I32,
                        0, nglob)
    # A bitmap: a set of ints costs kilobytes on a board.
    bm = bytearray((nfuncs + 7) >> 3)
    for i in declared:
        bm[i >> 3] |= 1 << (i & 7)
    m.declared_funcs = bm
    if config.WASM_SIMD:
        # Module.v128: does the module use v128 at all (walk_body sets it
        # for bodies with a SIMD instruction or v128 local): tiers that do
        # not compile SIMD import their guard only then (simd_guard.py)
        m.v128 = _has_v128(m)
    data = m.data
    if config.WASM_3:
        m.feats = bytearray(m.n_bodies)
    for i in range(m.n_bodies):
        s, e = m.body(i)
        if e - s == 3 and data is not None and data[s:e] == _UNREACHABLE:
            continue      # valid whatever the type (wamrc's compiled bodies)
        try:
            walk_body(m, i, _NULL)
        except ValidationError:
            # The spec decodes the whole module before validating it, so a
            # malformed encoding anywhere in the body is reported instead.
            check_encoding(m, i)
            raise
    m.codes = [None] * m.n_bodies


# --- function bodies -----------------------------------------------------

_IMM_NONE = 0
_IMM_U32 = 1
_IMM_2U32 = 2
_IMM_BLOCK = 3


def _imm_kind(op):
    if op in (0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2):
        return _IMM_U32
    if op in LOADS or op in STORES or op == 0x11:
        return _IMM_2U32
    if op == 0x02 or op == 0x03 or op == 0x04:
        return _IMM_BLOCK
    return _IMM_NONE


def check_encoding(m, defidx):
    """Decodes a body without validating it; raises LoadError if it is
    malformed."""
    buf, start, end = m.body_source(defidx)
    r = Reader(buf, start)
    if config.WASM_TYPES3:
        r.types = m.types
    r.eof_msg = "unexpected end of section or function"
    for _ in range(r.vec()):
        r.u32()
        valtype(r)
    depth = 1
    while depth:
        pos = r.pos
        op = r.u8()
        if config.WASM_3:
            from .validator3 import encoding3
            k = encoding3(r, op)
            if k is not None:
                if k < 0:
                    return       # past what this check decodes (0xFB, 0xFD)
                depth += k
                continue
        k = _imm_kind(op)
        if k == _IMM_U32:
            r.u32()
        elif k == _IMM_2U32:
            r.u32()
            r.u32()
        elif k == _IMM_BLOCK:
            r.s33()
            depth += 1
        elif op == 0x0B:
            depth -= 1
        elif op == 0x0E:
            for _ in range(r.vec() + 1):
                r.u32()
        elif op == 0x1C:
            for _ in range(r.vec()):
                valtype(r)
        elif op == 0x41:
            r.s32()
        elif op == 0x42:
            r.s64()
        elif op == 0x43:
            r.bytes(4)
        elif op == 0x44:
            r.bytes(8)
        elif op == 0x3F or op == 0x40:
            if r.u8() != 0:
                _mal("zero byte expected", pos)
        elif op == 0xD0:
            reftype(r)
        elif config.WASM_SIMD and op == 0xFD:
            from .validator_simd import skip
            skip(r, pos)
        elif op == 0xFC:
            sub = r.u32()
            if sub <= 7:
                pass
            elif sub in (9, 13, 15, 16, 17):
                r.u32()
            elif sub in (8, 10, 12, 14):
                r.u32()
                r.u32()
            elif sub == 11:
                r.u32()
            else:
                _mal(_illegal(op, sub), pos)
        elif op not in (0x00, 0x01, 0x05, 0x0F, 0x1A, 0x1B, 0xD1) and not 0x45 <= op <= 0xC4:
            _mal(_illegal(op), pos)
    if r.pos != end:
        _mal("section size mismatch", r.pos)


def _block_type(m, r):
    p = r.pos
    b = r.data[p] if p < r.end else -1
    if b == 0x40:
        r.pos = p + 1
        return b"", b""
    if b in (I32, I64, F32, F64, FUNCREF, EXTERNREF) or (config.WASM_SIMD and b == V128):
        r.pos = p + 1
        return b"", bytes((b,))
    if config.WASM_TYPES3 and (0x63 <= b <= 0x74 or b == 0x7B):
        from .reftypes import vt_seq
        return b"", vt_seq((valtype(r),))
    idx = r.s33()
    if idx < 0:
        _mal("malformed value type", p)
    if idx >= len(m.types):
        _inv("unknown type %d" % idx, p)
    ft = m.types[idx]
    if config.WASM_GC and ft.kind:
        _inv("non-function type %d" % idx, p)
    return ft.params, ft.results


def walk_body(m, defidx, em):
    """Validates defined function `defidx` and feeds `em`; returns
    em.finish().  Running out of memory here (a huge body, every tier's
    decoder) says which function (errors.out_of_memory)."""
    try:
        return _walk_body(m, defidx, em)
    except MemoryError as e:
        start, end = m.body(defidx)
        raise MemoryError("function %d (%d bytes of code at offset 0x%x): %s"
                          % (m.n_func_imports + defidx, end - start, start, e))


def _walk_body(m, defidx, em):
    fidx = m.n_func_imports + defidx
    ftype = m.types[m.func_types[fidx]]
    buf, start, end = m.body_source(defidx)
    r = Reader(buf, start)
    r.eof_msg = "unexpected end of section or function"
    if config.WASM_TYPES3:
        r.types = m.types       # locals may name defined types
    # Locals.
    locals_ = bytearray(ftype.params) if isinstance(ftype.params, bytes) else list(ftype.params)
    total = len(locals_)
    for _ in range(r.vec()):
        p = r.pos
        n = r.u32()
        total += n
        if total > 50000:
            # The spec's bound is 2**32-1; frames here are real lists, so
            # refuse absurd counts early (still 'too many locals').
            _mal("too many locals", p)
        t = valtype(r)
        if t > 255:
            locals_ = list(locals_)
        locals_.extend(bytes((t,)) * n if isinstance(locals_, bytearray) else [t] * n)
    locals_ = bytes(locals_) if isinstance(locals_, bytearray) else tuple(locals_)
    if config.WASM_3:
        body = None
        feats = linit = 0
        if config.WASM_TYPES3:
            from .validator3 import typed_locals
            feats, linit = typed_locals(r, m, ftype, locals_)
    em.begin(m, fidx, ftype, locals_)

    vals = []
    ctrls = []
    nlocals = len(locals_)
    nfuncs = len(m.func_types)
    nglobals = len(m.globals)
    ntables = len(m.tables)
    nmems = len(m.mems)
    types = m.types
    pos = start

    def push_ctrl(op, params, results, live):
        c = _Ctrl(op, params, results, len(vals), live)
        ctrls.append(c)
        vals.extend(params)
        return c

    def pop_val(expect=UNKNOWN):
        c = ctrls[-1]
        if len(vals) == c.height:
            if c.unreachable:
                return expect
            _inv("type mismatch", pos)
        t = vals.pop()
        if expect and t and t != expect and not (config.WASM_TYPES3 and matches(t, expect)):
            _inv("type mismatch", pos)
        return t or expect

    def pop_vals(ts):
        for i in range(len(ts) - 1, -1, -1):
            pop_val(ts[i])

    def pop_ctrl():
        c = ctrls[-1]
        pop_vals(c.results)
        if len(vals) != c.height:
            _inv("type mismatch", pos)
        ctrls.pop()
        if config.WASM_TYPED_REFS and c.inits:
            for x in c.inits:
                linit[x] = 0
        return c

    def set_unreachable():
        c = ctrls[-1]
        del vals[c.height:]
        c.unreachable = True

    def live():
        c = ctrls[-1]
        return c.live and not c.unreachable

    def label(depth):
        if depth >= len(ctrls):
            _inv("unknown label", pos)
        return ctrls[-1 - depth].labels()

    def memarg(natural):
        p = r.pos
        align = r.u32()
        off = r.u32()
        if nmems == 0:
            _inv("unknown memory 0", p)
        if align > natural:
            _inv("alignment must not be larger than natural", p)
        return off

    def need_mem(p):
        if nmems == 0:
            _inv("unknown memory 0", p)

    def data_index(x):
        n = m.data_count
        if n is None:
            if x < len(m.datas):
                _mal("data count section required", pos)
            n = 0
        if x >= n:
            _inv("unknown data segment %d" % x, pos)

    def zero_byte():
        p = r.pos
        if r.u8() != 0:
            _mal("zero byte expected", p)

    body = None
    if config.WASM_3:
        def make_body():
            # what an extension validator sees (docs/internals.md)
            b = Body()
            b.r = r
            b.m = m
            b.em = em
            b.vals = vals
            b.ctrls = ctrls
            b.locals = locals_
            b.ftype = ftype
            b.pop = pop_val
            b.pops = pop_vals
            b.push_ctrl = push_ctrl
            b.live = live
            b.label = label
            b.unreachable = set_unreachable
            b.data_index = data_index
            b.feats = 0
            return b

    push_ctrl(0x02, b"", ftype.results, True)
    while True:
        pos = r.pos
        op = r.u8()
        if 0x45 <= op <= 0xC4:
            pops, push = op_sig(op)
            pop_vals(pops)
            vals.append(push)
            if live():
                em.op(op, None, pops, push)
            continue
        if config.WASM_3 and (0x25 <= op <= 0x40 or op == 0x11 or op == 0xFC):
            # memory, table and bulk instructions, call_indirect: 3.0 rules
            if body is None:
                body = make_body()
            from .validator3 import validate3
            validate3(op, pos, body)
            continue
        if op == 0x20 or op == 0x21 or op == 0x22:
            x = r.u32()
            if x >= nlocals:
                _inv("unknown local %d" % x, pos)
            t = locals_[x]
            if op == 0x20:
                if config.WASM_TYPED_REFS and linit and not linit[x]:
                    _inv("uninitialized local %d" % x, pos)
                vals.append(t)
                if live():
                    em.op(op, x, (), t)
            elif op == 0x21:
                pop_val(t)
                if config.WASM_TYPED_REFS and linit and not linit[x]:
                    _set_local(linit, ctrls, x)
                if live():
                    em.op(op, x, (t,), None)
            else:
                pop_val(t)
                if config.WASM_TYPED_REFS and linit and not linit[x]:
                    _set_local(linit, ctrls, x)
                vals.append(t)
                if live():
                    em.op(op, x, (t,), t)
        elif op == 0x41:
            v = r.s32()
            vals.append(I32)
            if live():
                em.op(op, v, (), I32)
        elif op == 0x42:
            v = r.s64()
            vals.append(I64)
            if live():
                em.op(op, v, (), I64)
        elif op == 0x43:
            v = r.u32_le()
            vals.append(F32)
            if live():
                em.op(op, v, (), F32)
        elif op == 0x44:
            v = r.u64_le()
            vals.append(F64)
            if live():
                em.op(op, v, (), F64)
        elif op in LOADS:
            t, nat = LOADS[op]
            off = memarg(nat)
            pop_val(I32)
            vals.append(t)
            if live():
                em.op(op, off, (I32,), t)
        elif op in STORES:
            t, nat = STORES[op]
            off = memarg(nat)
            pop_val(t)
            pop_val(I32)
            if live():
                em.op(op, off, (I32, t), None)
        elif op == 0x0B:
            c = pop_ctrl()
            if c.op == 0x04 and not c.seen_else and c.params != c.results:
                _inv("type mismatch", pos)
            vals.extend(c.results)
            if c.live:
                em.end()
            if not ctrls:
                break
        elif op == 0x02 or op == 0x03:
            params, results = _block_type(m, r)
            pop_vals(params)
            lv = live()
            push_ctrl(op, params, results, lv)
            if lv:
                em.block(op, params, results)
        elif op == 0x04:
            params, results = _block_type(m, r)
            pop_val(I32)
            pop_vals(params)
            lv = live()
            push_ctrl(op, params, results, lv)
            if lv:
                em.block(op, params, results)
        elif op == 0x05:
            c = ctrls[-1]
            if c.op != 0x04 or c.seen_else:
                _mal("END opcode expected" if c.op != 0x04 else _illegal(op), pos)
            pop_ctrl()
            c2 = push_ctrl(0x04, c.params, c.results, c.live)
            c2.seen_else = True
            if c.live:
                em.else_()
        elif op == 0x0C:
            d = r.u32()
            pop_vals(label(d))
            if live():
                em.br(d)
            set_unreachable()
        elif op == 0x0D:
            d = r.u32()
            pop_val(I32)
            lt = label(d)
            pop_vals(lt)
            vals.extend(lt)
            if live():
                em.br_if(d)
        elif op == 0x0E:
            n = r.u32()
            if n > r.end - r.pos:
                # Each target takes at least one byte.
                _mal("unexpected end of section or function", pos)
            depths = [r.u32() for _ in range(n)]
            dflt = r.u32()
            pop_val(I32)
            arity = len(label(dflt))
            for d in depths:
                lt = label(d)
                if len(lt) != arity:
                    _inv("type mismatch", pos)
                # Check each label against the (possibly polymorphic) stack
                # without consuming it.
                saved = list(vals)
                pop_vals(lt)
                vals[:] = saved
            pop_vals(label(dflt))
            if live():
                em.br_table(depths, dflt)
            set_unreachable()
        elif op == 0x0F:
            pop_vals(ftype.results)
            if live():
                em.ret()
            set_unreachable()
        elif op == 0x00:
            if live():
                em.unreachable()
            set_unreachable()
        elif op == 0x01:
            pass
        elif op == 0x10:
            x = r.u32()
            if x >= nfuncs:
                _inv("unknown function %d" % x, pos)
            ft = types[m.func_types[x]]
            pop_vals(ft.params)
            vals.extend(ft.results)
            if live():
                em.call(x, ft)
        elif op == 0x11:
            y = r.u32()
            x = r.u32()
            if x >= ntables:
                _inv("unknown table %d" % x, pos)
            if y >= len(types):
                _inv("unknown type %d" % y, pos)
            if m.tables[x][0] != FUNCREF:
                _inv("type mismatch", pos)
            ft = types[y]
            pop_val(I32)
            pop_vals(ft.params)
            vals.extend(ft.results)
            if live():
                em.call_indirect(y, x, ft)
        elif op == 0x1A:
            t = pop_val()
            if live():
                em.op(op, None, (t,), None)
        elif op == 0x1B or op == 0x1C:
            if op == 0x1C:
                n = r.u32()
                if n != 1:
                    _inv("invalid result arity", pos)
                want = valtype(r)
                pop_val(I32)
                pop_val(want)
                pop_val(want)
                t = want
            else:
                pop_val(I32)
                t1 = pop_val()
                t2 = pop_val()
                if t1 in _REF or t2 in _REF or (config.WASM_TYPES3 and (
                        0x69 <= t1 <= 0x74 or t1 > 255 or 0x69 <= t2 <= 0x74 or t2 > 255)):
                    # numbers and v128 only, no reference
                    _inv("type mismatch", pos)
                if t1 and t2 and t1 != t2:
                    _inv("type mismatch", pos)
                t = t1 or t2
            vals.append(t)
            if live():
                em.op(0x1B, None, (t, t, I32), t)
        elif op == 0x23:
            x = r.u32()
            if x >= nglobals:
                _inv("unknown global %d" % x, pos)
            t = m.globals[x][0]
            vals.append(t)
            if live():
                em.op(op, x, (), t)
        elif op == 0x24:
            x = r.u32()
            if x >= nglobals:
                _inv("unknown global %d" % x, pos)
            t, mut = m.globals[x]
            if not mut:
                # 3.0 changed the wording
                _inv("immutable global" if config.WASM_TYPES3 else "global is immutable", pos)
            pop_val(t)
            if live():
                em.op(op, x, (t,), None)
        elif op == 0x25 or op == 0x26:
            x = r.u32()
            if x >= ntables:
                _inv("unknown table %d" % x, pos)
            et = m.tables[x][0]
            if op == 0x25:
                pop_val(I32)
                vals.append(et)
                if live():
                    em.op(op, x, (I32,), et)
            else:
                pop_val(et)
                pop_val(I32)
                if live():
                    em.op(op, x, (I32, et), None)
        elif op == 0x3F:
            need_mem(pos)
            zero_byte()
            vals.append(I32)
            if live():
                em.op(op, 0, (), I32)
        elif op == 0x40:
            need_mem(pos)
            zero_byte()
            pop_val(I32)
            vals.append(I32)
            if live():
                em.op(op, 0, (I32,), I32)
        elif op == 0xD0:
            if config.WASM_TYPED_REFS:
                from .validator3 import ref_null
                t = ref_null(r, m)
                if t > 0x70:
                    feats |= 16     # validator3.F_TYPED
            else:
                t = reftype(r)
            vals.append(t)
            if live():
                em.op(op, t, (), t)
        elif op == 0xD1:
            t = pop_val()
            if t and t not in _REF and not (config.WASM_TYPES3 and (0x69 <= t <= 0x74 or t > 255)):
                _inv("type mismatch", pos)
            vals.append(I32)
            if live():
                em.op(op, None, (t,), I32)
        elif op == 0xD2:
            x = r.u32()
            if x >= nfuncs:
                _inv("unknown function %d" % x, pos)
            if not m.declared_funcs[x >> 3] & (1 << (x & 7)):
                _inv("undeclared function reference", pos)
            t = FUNCREF
            if config.WASM_TYPED_REFS and m.typed:
                from .validator3 import ref_func_type
                t = ref_func_type(m, x)
            vals.append(t)
            if live():
                em.op(op, x, (), t)
        elif op == 0xFC:
            sub = r.u32()
            key = 0xFC00 + sub
            if sub <= 7:
                pops, push = op_sig(key)
                pop_vals(pops)
                vals.append(push)
                if live():
                    em.op(key, None, pops, push)
            elif sub == 8:       # memory.init
                x = r.u32()
                zero_byte()
                need_mem(pos)
                data_index(x)
                pop_vals((I32, I32, I32))
                if live():
                    em.op(key, x, (I32, I32, I32), None)
            elif sub == 9:       # data.drop
                x = r.u32()
                data_index(x)
                if live():
                    em.op(key, x, (), None)
            elif sub == 10:      # memory.copy
                zero_byte()
                zero_byte()
                need_mem(pos)
                pop_vals((I32, I32, I32))
                if live():
                    em.op(key, None, (I32, I32, I32), None)
            elif sub == 11:      # memory.fill
                zero_byte()
                need_mem(pos)
                pop_vals((I32, I32, I32))
                if live():
                    em.op(key, None, (I32, I32, I32), None)
            elif sub == 12:      # table.init elem table
                y = r.u32()
                x = r.u32()
                if x >= ntables:
                    _inv("unknown table %d" % x, pos)
                if y >= len(m.elems):
                    _inv("unknown elem segment %d" % y, pos)
                if m.elems[y].elem_type != m.tables[x][0]:
                    _inv("type mismatch", pos)
                pop_vals((I32, I32, I32))
                if live():
                    em.op(key, (y, x), (I32, I32, I32), None)
            elif sub == 13:      # elem.drop
                y = r.u32()
                if y >= len(m.elems):
                    _inv("unknown elem segment %d" % y, pos)
                if live():
                    em.op(key, y, (), None)
            elif sub == 14:      # table.copy dst src
                x = r.u32()
                y = r.u32()
                if x >= ntables:
                    _inv("unknown table %d" % x, pos)
                if y >= ntables:
                    _inv("unknown table %d" % y, pos)
                if m.tables[x][0] != m.tables[y][0]:
                    _inv("type mismatch", pos)
                pop_vals((I32, I32, I32))
                if live():
                    em.op(key, (x, y), (I32, I32, I32), None)
            elif sub == 15:      # table.grow
                x = r.u32()
                if x >= ntables:
                    _inv("unknown table %d" % x, pos)
                et = m.tables[x][0]
                pop_vals((et, I32))
                vals.append(I32)
                if live():
                    em.op(key, x, (et, I32), I32)
            elif sub == 16:      # table.size
                x = r.u32()
                if x >= ntables:
                    _inv("unknown table %d" % x, pos)
                vals.append(I32)
                if live():
                    em.op(key, x, (), I32)
            elif sub == 17:      # table.fill
                x = r.u32()
                if x >= ntables:
                    _inv("unknown table %d" % x, pos)
                et = m.tables[x][0]
                pop_vals((I32, et, I32))
                if live():
                    em.op(key, x, (I32, et, I32), None)
            else:
                _mal(_illegal(op, sub), pos)
        elif config.WASM_SIMD and op == 0xFD:
            if body is None:
                body = make_body() if config.WASM_3 else \
                    _Body(r, m, em, vals, pop_val, pop_vals, live)
            m.v128 = True
            from .validator_simd import validate
            validate(op, pos, body)
        elif config.WASM_3:
            # 3.0 instructions: their extension validators
            from .validator3 import ext_validator
            v = ext_validator(op, pos, m)
            if body is None:
                body = make_body()
            v(op, pos, body)
        else:
            _mal(_illegal(op), pos)
    if r.pos != end:
        _mal("section size mismatch", r.pos)
    if config.WASM_SIMD and V128 in locals_:
        m.v128 = True
    if config.WASM_3:
        if body is not None:
            feats |= body.feats
        if feats and em is _NULL:
            m.feats[defidx] = feats
    return em.finish()


if config.WASM_SIMD:
    def _has_v128(m):
        for t in m.types:
            if config.WASM_GC and t.kind:
                continue        # a struct or array type (its v128 fields show in the code)
            if V128 in t.params or V128 in t.results:
                return True
        for g in m.globals:
            if g[0] == V128:
                return True
        return False


    class _Body:
        """What an extension validator (validator_simd) sees of the body being
        walked."""

        def __init__(self, r, m, em, vals, pop, pops, live):
            self.r = r
            self.m = m
            self.em = em
            self.vals = vals
            self.pop = pop
            self.pops = pops
            self.live = live
            self.feats = 0


if config.WASM_3:
    class Body:
        """What an extension validator sees of the body being walked."""

    def _set_local(linit, ctrls, x):
        # a non-defaultable local is set until its block ends
        linit[x] = 1
        c = ctrls[-1]
        if c.inits is None:
            c.inits = []
        c.inits.append(x)

    def matches(t1, t2):
        """Value type t1 may stand where t2 is expected (3.0 subtyping)."""
        if t1 == t2 or not t1:
            return True
        from .reftypes import matches
        return matches(t1, t2)

    def elem_type(e):
        """An element segment's type: (ref func) for a list of function
        indices (3.0), else the type it declares."""
        return FUNCREF | 0x100 if e.funcidx else e.elem_type
