# WebAssembly 3.0's additions to the binary format, for loader.py: limits
# with flags (memory64, table64), recursion groups, sub types, structs and
# arrays (handed to reftypes.py), tags, tables with an initialiser, heap
# types in ref.null, GC instructions in constant expressions, and the
# order in which the spec's decoder reports problems.  Imported only when a
# 3.0 feature group is configured (config.WASM_3).

from .errors import LoadError, ValidationError
from .func import FuncType, I32, I64, F32, F64, FUNCREF, EXTERNREF
from . import config

_PLAIN = (I32, I64, F32, F64, FUNCREF, EXTERNREF)


def _bad(msg, pos):
    raise LoadError(msg, pos, "loader")


def sections(r, m, data, n, walk):
    """loader._sections, with the spec decoder's order of reports: a body
    is decoded with the code section (a malformed one is reported before
    anything wrong after it), and the function and code sections' lengths
    are compared once every section is read."""
    try:
        n_funcs, n_code, code_at = walk(r, m, data, n)
    except LoadError as e:
        from .validator import check_encoding
        for i in range(m.n_bodies):
            if m.bodies[2 * i] < e.offset:
                try:
                    check_encoding(m, i)
                except ValidationError:
                    pass
        raise
    if (n_code or 0) != (n_funcs or 0):
        _bad("function and code section have inconsistent lengths", code_at)


def limits(r, m, mem):
    """(min, max) of a memory (mem) or table; flag 4 marks an i64-addressed
    one (recorded in m.mem64/m.tab64).  3.0 reads every limit as a u64 and
    validation bounds it."""
    p = r.pos
    flag = r.u8()
    is64 = 0
    if flag & 4 and config.WASM_MEMORY64:
        is64 = 1
        flag &= ~4
    if config.WASM_MEMORY64:
        (m.mem64 if mem else m.tab64).append(is64)
        rd = r.u64
    else:
        rd = r.u32
    if flag == 0:
        return rd(), None
    if flag == 1:
        lo = rd()
        return lo, rd()
    _bad("malformed limits flags", p)


def types(r, m):
    """The type section: 2.0's plain function types here, anything else
    (recursion groups, sub types, structs, arrays, 3.0 value types) by
    reftypes.read_types."""
    start = r.pos
    data = r.data
    for _ in range(r.vec()):
        p = r.pos
        b = r.u8()
        if b != 0x60:
            if b in (0x4E, 0x50, 0x4F, 0x5F, 0x5E) and config.WASM_GC:
                break
            _bad("integer representation too long", p)
        ts = []
        for _ in range(2):
            k = r.vec()
            e = r.pos + k
            if e <= r.end:
                for q in range(r.pos, e):
                    if data[q] not in _PLAIN:
                        break
                else:
                    ts.append(data[r.pos:e])
                    r.pos = e
                    continue
            break
        else:
            m.types.append(FuncType(ts[0], ts[1]))
            continue
        break
    else:
        return
    from .reftypes import read_types
    del m.types[:]
    r.pos = start
    read_types(r, m)


def tag_type(r, m):
    p = r.pos
    if r.u8() != 0:
        _bad("malformed tag attribute", p)
    p = r.pos
    ti = r.u32()
    if ti >= len(m.types):
        raise ValidationError("unknown type %d" % ti, p, "loader")
    t = m.types[ti]
    if t.kind != 0:
        raise ValidationError("non-function type %d" % ti, p, "loader")
    if t.results:
        raise ValidationError("non-empty tag result type", p, "loader")
    return ti


def table(r, m, table_type):
    """A table of the table section: 0x40 0x00 before its type gives it an
    initialiser expression."""
    p = r.pos
    if p < r.end and r.data[p] == 0x40:
        r.pos = p + 1
        if r.u8() != 0:
            _bad("malformed table", p)
        m.tables.append(table_type(r, m))
        from .loader import const_expr
        m.table_inits.append(const_expr(r))
    else:
        m.tables.append(table_type(r, m))
        m.table_inits.append(None)


def ref_null(r):
    """ref.null's heap type -> the nullable reference type."""
    from .reftypes import heaptype, make_ref
    return make_ref(heaptype(r), True)


def gc_const(r, p):
    """A 0xFB instruction in a constant expression -> (0xFB00 + sub, imm, p)."""
    if not config.WASM_GC:
        raise LoadError("illegal opcode fb", p, "loader")
    sub = r.u32()
    if sub in (0, 1, 6, 7):          # struct.new(_default), array.new(_default)
        imm = r.u32()
    elif sub == 8:                   # array.new_fixed
        imm = (r.u32(), r.u32())
    elif sub in (0x1A, 0x1B, 0x1C):  # conversions, ref.i31
        imm = None
    else:
        raise ValidationError("constant expression required", p, "loader")
    return (0xFB00 + sub, imm, p)


def skip_block(r, skip_instr):
    """Skips to the `end` of a block opened in a constant expression."""
    depth = 1
    while depth:
        p = r.pos
        op = r.u8()
        if op == 0x0B:
            depth -= 1
        else:
            skip_instr(r, op, p)
            if op == 0x02 or op == 0x03 or op == 0x04:
                depth += 1
