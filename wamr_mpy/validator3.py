# WebAssembly 3.0 validation for validator.py (imported when a 3.0 feature
# group is configured, config.WASM_3): the rules 3.0 changed for memory and
# table instructions, call_indirect and the bulk (0xFC) instructions (memory
# indices, i64 addresses, subtyping), module-level checks (memory64 limits,
# table initialisers, tags), reference types in locals, ref.null and
# ref.func, constant expressions, and the dispatch to the validators of the
# new instructions (validator_tail, validator_gc, validator_exc; 0xFD goes to
# validator_simd).
#
# Module.feats records per function which 3.0 features it uses (the F_*
# bits below): what a tier's can-compile hook reads (docs/internals.md).

from .errors import ValidationError, LoadError
from .func import I32, I64, F32, F64, FUNCREF
from .validator import (LOADS, STORES, op_sig, check_const, matches, elem_type, _illegal,
                        _inv, _mal)
from . import config

F_TAIL = 1        # return_call, return_call_indirect (return_call_ref: also F_TYPED)
F_MULTIMEM = 2    # a memory other than memory 0
F_MEM64 = 4       # an i64-addressed memory or table
F_EXC = 8         # throw, throw_ref, try_table, exnref values
F_TYPED = 16      # 3.0 reference types (typed function references)
F_GC = 32         # struct, array, i31, casts
F_SIMD = 64       # v128


class Retype(Exception):
    """A body uses 3.0 reference types in a module that did not look like
    it: validation starts over with Module.typed set (ref.func then has
    its precise type)."""


def _rt():
    from . import reftypes
    return reftypes


# --- module level -------------------------------------------------------

def module3(m):
    """The limits of memories and tables (3.0: i64-addressed ones, several
    memories) and tables' initialisers."""
    if len(m.mems) > 1 and not config.WASM_MULTI_MEMORY:
        _inv("multiple memories", 0)
    for i in range(len(m.mems)):
        lo, hi = m.mems[i]
        if config.WASM_MEMORY64 and m.mem64[i]:
            if lo > 1 << 48 or (hi is not None and hi > 1 << 48):
                _inv("memory size must be at most 2^48 pages (256 TiB)", 0)
        elif lo > 65536 or (hi is not None and hi > 65536):
            _inv("memory size must be at most 65536 pages (4GiB)", 0)
        if hi is not None and lo > hi:
            _inv("size minimum must not be greater than maximum", 0)
    for i in range(len(m.tables)):
        et, lo, hi = m.tables[i]
        if hi is not None and lo > hi:
            _inv("size minimum must not be greater than maximum", 0)
        if config.WASM_MEMORY64 and not m.tab64[i] and \
                (lo > 0xFFFFFFFF or (hi is not None and hi > 0xFFFFFFFF)):
            _inv("table size must be at most 2^32-1", 0)
    if config.WASM_TYPED_REFS:
        # a non-nullable element type needs an initialiser
        for i in range(len(m.table_inits)):
            expr = m.table_inits[i]
            et = m.tables[m.n_table_imports + i][0]
            if expr is None:
                if et >= 0x100 and not _rt().nullable(et):
                    _inv("type mismatch", 0)
            else:
                check_const(m, expr, et, expr[0][2] if expr else 0, m.n_global_imports)


_EXT_CONST = {0x6A: I32, 0x6B: I32, 0x6C: I32, 0x7C: I64, 0x7D: I64, 0x7E: I64}


def const_op(m, op, imm, stack, p):
    """An extended-const or GC instruction in a constant expression."""
    if op in _EXT_CONST:
        if not config.WASM_EXTENDED_CONST:
            _inv("constant expression required", p)
        t = _EXT_CONST[op]
        if len(stack) < 2 or stack[-1] != t or stack[-2] != t:
            _inv("type mismatch", p)
        stack.pop()
    elif config.WASM_GC and 0xFB00 <= op < 0xFC00:
        from .validator_gc import const_op
        const_op(m, op, imm, stack, p)
    else:
        _inv("constant expression required", p)


def ref_func_type(m, x):
    """ref.func x in a module using 3.0 types: (ref $t)."""
    return _rt().ref_code(m.types[m.func_types[x]], False)


def ref_null(r, m):
    """ref.null's heap type -> the nullable reference type; a 3.0 one in a
    module that did not look typed starts validation over."""
    R = _rt()
    t = R.heaptype(r)
    if t >= 0x200:
        t |= 1
    if getattr(r, "typed", False) and not m.typed:
        raise Retype()
    return t


def typed_locals(r, m, ftype, locals_):
    """-> (features, which locals are set) for a body whose locals or type
    use 3.0 reference types, else (0, None)."""
    if not (getattr(r, "typed", False) or isinstance(locals_, tuple) or
            not isinstance(ftype.results, bytes)):
        return 0, None
    if not m.typed:
        raise Retype()
    linit = None
    R = _rt()
    for i in range(len(ftype.params), len(locals_)):
        t = locals_[i]
        if t >= 0x100 and not R.nullable(t):
            # non-defaultable: local.get needs a local.set first
            if linit is None:
                linit = bytearray(b"\x01" * len(locals_))
            linit[i] = 0
    return F_TYPED, linit


def matches_results(ts1, ts2):
    """A tail call's results may stand for the caller's."""
    if ts1 == ts2:
        return True
    if len(ts1) != len(ts2):
        return False
    for i in range(len(ts1)):
        if not matches(ts1[i], ts2[i]):
            return False
    return True


# --- bodies -------------------------------------------------------------

# Validators of instruction groups in modules of their own, by opcode (or
# prefix): module name, whether its option is on (config names, not read by
# name at run time: a board's build folds them in).  v128/SIMD plugs in at 0xFD.
_EXT_OPS = {
    0x12: ("validator_tail", config.WASM_TAIL_CALL),   # return_call
    0x13: ("validator_tail", config.WASM_TAIL_CALL),   # return_call_indirect
    0x14: ("validator_gc", config.WASM_TYPED_REFS),    # call_ref
    0x15: ("validator_gc", config.WASM_TYPED_REFS),    # return_call_ref
    0xD3: ("validator_gc", config.WASM_GC),            # ref.eq
    0xD4: ("validator_gc", config.WASM_TYPED_REFS),    # ref.as_non_null
    0xD5: ("validator_gc", config.WASM_TYPED_REFS),    # br_on_null
    0xD6: ("validator_gc", config.WASM_TYPED_REFS),    # br_on_non_null
    0xFB: ("validator_gc", config.WASM_GC),
    0x08: ("validator_exc", config.WASM_EXCEPTIONS),   # throw
    0x0A: ("validator_exc", config.WASM_EXCEPTIONS),   # throw_ref
    0x1F: ("validator_exc", config.WASM_EXCEPTIONS),   # try_table
    0xFD: ("validator_simd", config.WASM_SIMD),
}


def ext_validator(op, pos, m):
    """validate(op, pos, body) of the extension module for opcode op."""
    e = _EXT_OPS.get(op)
    if e is None or not e[1]:
        _mal(_illegal(op), pos)
    if e[0] == "validator_gc" and not m.typed:
        # ref.func before this had the 2.0 type funcref
        raise Retype()
    return __import__("wamr_mpy." + e[0], None, None, ("validate",)).validate


def _addr(m, x):
    return I64 if config.WASM_MEMORY64 and m.mem64[x] else I32


def _taddr(m, x):
    return I64 if config.WASM_MEMORY64 and m.tab64[x] else I32


def _mem_feat(m, x):
    f = F_MULTIMEM if x else 0
    if config.WASM_MEMORY64 and m.mem64[x]:
        f |= F_MEM64
    return f


def _memarg(b, natural):
    """-> (offset, memory index, address type): bit 6 of the alignment
    field says a memory index follows; the offset is a u64."""
    r = b.r
    m = b.m
    p = r.pos
    align = r.u32()
    x = 0
    if align >= 0x40 and config.WASM_MULTI_MEMORY:
        if align >= 0x80:
            _mal("malformed memop flags", p)
        align -= 0x40
        x = r.u32()
    off = r.u64() if config.WASM_MEMORY64 else r.u32()
    if x >= len(m.mems):
        _inv("unknown memory %d" % x, p)
    if align > natural:
        _inv("alignment must not be larger than natural", p)
    at = _addr(m, x)
    if at == I32 and off > 0xFFFFFFFF:
        _inv("offset out of range", p)
    return off, x, at


def _mem_index(b, p):
    """The memory of memory.size/grow/fill/copy/init: an index (a zero
    byte in 2.0)."""
    r = b.r
    if config.WASM_MULTI_MEMORY:
        x = r.u32()
    else:
        x = 0
        if r.u8() != 0:
            _mal("zero byte expected", p)
    if x >= len(b.m.mems):
        _inv("unknown memory %d" % x, p)
    return x


def _table_index(b, pos):
    x = b.r.u32()
    if x >= len(b.m.tables):
        _inv("unknown table %d" % x, pos)
    return x


def call_indirect_type(b, pos):
    """call_indirect's immediates and type; pops the table index ->
    (type index, table, function type, address type)."""
    r = b.r
    m = b.m
    y = r.u32()
    x = _table_index(b, pos)
    if y >= len(m.types):
        _inv("unknown type %d" % y, pos)
    et = m.tables[x][0]
    if et != FUNCREF and not matches(et, FUNCREF):
        _inv("type mismatch", pos)
    ft = m.types[y]
    if ft.kind != 0:
        _inv("non-function type %d" % y, pos)
    at = _taddr(m, x)
    if at == I64:
        b.feats |= F_MEM64
    b.pop(at)
    return y, x, ft, at


def validate3(op, pos, b):
    """Memory, table and bulk instructions and call_indirect under 3.0's
    rules: memory indices, i64 addresses and indices, subtyping."""
    r = b.r
    m = b.m
    vals = b.vals
    em = b.em
    if op in LOADS or op in STORES:
        store = op in STORES
        t, nat = STORES[op] if store else LOADS[op]
        off, x, at = _memarg(b, nat)
        if store:
            b.pop(t)
        b.pop(at)
        if not store:
            vals.append(t)
        if x or at == I64:
            b.feats |= _mem_feat(m, x)
            off = (off, x)
        if b.live():
            em.op(op, off, (at, t) if store else (at,), None if store else t)
    elif op == 0x3F or op == 0x40:      # memory.size, memory.grow
        x = _mem_index(b, pos)
        at = _addr(m, x)
        b.feats |= _mem_feat(m, x)
        if op == 0x40:
            b.pop(at)
        vals.append(at)
        if b.live():
            em.op(op, x, (at,) if op == 0x40 else (), at)
    elif op == 0x25 or op == 0x26:      # table.get, table.set
        x = _table_index(b, pos)
        et = m.tables[x][0]
        at = _taddr(m, x)
        if at == I64:
            b.feats |= F_MEM64
        if op == 0x25:
            b.pop(at)
            vals.append(et)
            if b.live():
                em.op(op, x, (at,), et)
        else:
            b.pop(et)
            b.pop(at)
            if b.live():
                em.op(op, x, (at, et), None)
    elif op == 0x11:                    # call_indirect
        y, x, ft, at = call_indirect_type(b, pos)
        if ft.key[0] == "#":
            # a type with subtypes: the callee's type may be one of them,
            # which only the interpreter's check allows (interp._check_sub)
            b.feats |= F_GC
        b.pops(ft.params)
        vals.extend(ft.results)
        if b.live():
            em.call_indirect(y, x, ft)
    elif op == 0xFC:
        _bulk(r.u32(), pos, b)
    else:
        _mal(_illegal(op), pos)


def _bulk(sub, pos, b):
    r = b.r
    m = b.m
    vals = b.vals
    key = 0xFC00 + sub
    imm = None
    push = None
    if sub <= 7:                  # saturating truncations
        pops, push = op_sig(key)
    elif sub == 8:                # memory.init data mem
        d = r.u32()
        x = _mem_index(b, pos)
        b.data_index(d)
        at = _addr(m, x)
        b.feats |= _mem_feat(m, x)
        pops = (at, I32, I32)
        imm = (d, x) if x or at == I64 else d
    elif sub == 9:                # data.drop
        imm = r.u32()
        b.data_index(imm)
        pops = ()
    elif sub == 10:               # memory.copy dst src
        x = _mem_index(b, pos)
        y = _mem_index(b, pos)
        ax = _addr(m, x)
        ay = _addr(m, y)
        b.feats |= _mem_feat(m, x) | _mem_feat(m, y)
        pops = (ax, ay, I32 if ax == I32 or ay == I32 else I64)
        if x or y or ax == I64 or ay == I64:
            imm = (x, y)
    elif sub == 11:               # memory.fill
        x = _mem_index(b, pos)
        at = _addr(m, x)
        b.feats |= _mem_feat(m, x)
        pops = (at, I32, at)
        if x or at == I64:
            imm = x
    elif sub == 12:               # table.init elem table
        y = r.u32()
        x = _table_index(b, pos)
        if y >= len(m.elems):
            _inv("unknown elem segment %d" % y, pos)
        e = m.elems[y]
        if e.elem_type != m.tables[x][0] and not matches(elem_type(e), m.tables[x][0]):
            _inv("type mismatch", pos)
        at = _taddr(m, x)
        pops = (at, I32, I32)
        imm = (y, x)
    elif sub == 13:               # elem.drop
        imm = r.u32()
        if imm >= len(m.elems):
            _inv("unknown elem segment %d" % imm, pos)
        pops = ()
    elif sub == 14:               # table.copy dst src
        x = _table_index(b, pos)
        y = _table_index(b, pos)
        if m.tables[x][0] != m.tables[y][0] and not matches(m.tables[y][0], m.tables[x][0]):
            _inv("type mismatch", pos)
        ax = _taddr(m, x)
        ay = _taddr(m, y)
        pops = (ax, ay, I32 if ax == I32 or ay == I32 else I64)
        imm = (x, y)
    elif sub == 15:               # table.grow
        imm = _table_index(b, pos)
        at = _taddr(m, imm)
        pops = (m.tables[imm][0], at)
        push = at
    elif sub == 16:               # table.size
        imm = _table_index(b, pos)
        pops = ()
        push = _taddr(m, imm)
    elif sub == 17:               # table.fill
        imm = _table_index(b, pos)
        at = _taddr(m, imm)
        pops = (at, m.tables[imm][0], at)
    else:
        _mal(_illegal(0xFC, sub), pos)
    if 12 <= sub and sub != 13 and I64 in pops + ((push,) if push else ()):
        b.feats |= F_MEM64
    b.pops(pops)
    if push is not None:
        vals.append(push)
    if b.live():
        b.em.op(key, imm, pops, push)


def skip_instr3(r, op, pos):
    """validator.skip_instr for the 3.0 instructions."""
    if op in (0x0A, 0xD1, 0xD3, 0xD4):
        pass
    elif op in (0x08, 0x12, 0x14, 0x15, 0xD5, 0xD6):
        r.u32()
    elif op == 0x13:
        r.u32()
        r.u32()
    else:
        _mal(_illegal(op), pos)


def encoding3(r, op):
    """validator.check_encoding for what 3.0 encodes differently or adds:
    None (not this), -1 (stop: 0xFB, 0xFD), else the change of block
    depth after the immediates."""
    if op in LOADS or op in STORES:
        a = r.u32()
        if a & 0x40 and config.WASM_MULTI_MEMORY:
            r.u32()
        r.u64() if config.WASM_MEMORY64 else r.u32()
        return 0
    if op == 0x3F or op == 0x40:
        if config.WASM_MULTI_MEMORY:
            r.u32()
            return 0
        return None
    if op in (0x12, 0x14, 0x15, 0x08, 0xD5, 0xD6):
        r.u32()
        return 0
    if op == 0x13:
        r.u32()
        r.u32()
        return 0
    if op == 0x0A or op == 0xD3 or op == 0xD4:
        return 0
    if op == 0xD0 and config.WASM_TYPED_REFS:
        _rt().heaptype(r)
        return 0
    if op == 0x1F and config.WASM_EXCEPTIONS:
        p = r.pos
        if p < r.end and r.data[p] in (0x63, 0x64):
            r.pos = p + 1
        r.s33()
        for _ in range(r.vec()):
            if r.u8() < 2:
                r.u32()
            r.u32()
        return 1
    if op == 0xFB or op == 0xFD:
        return -1
    return None
