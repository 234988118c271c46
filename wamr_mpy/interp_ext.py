# Handlers for the rarely executed instructions (bulk memory, tables,
# memory.size/grow, reference ops).  The interpreter's EXT op calls them
# through interp.FUNCS; they live apart so a module that never uses them
# does not pay for them in RAM.

from .errors import Trap
from . import config
if config.WASM_3:
    from .interp import MEMX


def _t(msg):
    raise Trap(msg)


# Each is fn(inst, s, fp, imm, imm2, d, a, b, c) with a/b/c/d frame-relative
# slots.

def _mem_size(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = inst.memories[imm].size


def _mem_grow(inst, s, fp, imm, imm2, d, a, b, c):
    mm = inst.memories[imm]
    n = s[fp + a]
    if n < 0:
        # i32 pages as unsigned; a negative i64 is more than any memory
        n += 0x100000000 if not mm.addr64 else 0x10000000000000000
    s[fp + d] = mm.grow(n)
    if not imm:
        inst.mem = mm.data


def _u32(v):
    return v + 0x100000000 if v < 0 else v


def _u(v, o):
    """An address/index/length operand as unsigned: i32 unless the memory
    or table `o` is i64-addressed."""
    if v < 0:
        v += 0x10000000000000000 if o.addr64 else 0x100000000
    return v


# imm/imm2: memory indices (0 in 2.0 code)
def _mem_fill(inst, s, fp, imm, imm2, d, a, b, c):
    mm = inst.memories[imm]
    dst = _u(s[fp + a], mm)
    val = s[fp + b] & 0xFF
    n = _u(s[fp + c], mm)
    mem = mm.data
    if dst + n > len(mem):
        _t("out of bounds memory access")
    if n:
        mem[dst:dst + n] = bytes((val,)) * n


def _mem_copy(inst, s, fp, imm, imm2, d, a, b, c):
    md = inst.memories[imm]
    ms = inst.memories[imm2]
    dst = _u(s[fp + a], md)
    src = _u(s[fp + b], ms)
    n = s[fp + c]
    if n < 0:
        n += 0x10000000000000000 if md.addr64 and ms.addr64 else 0x100000000
    if src + n > len(ms.data) or dst + n > len(md.data):
        _t("out of bounds memory access")
    if n:
        md.data[dst:dst + n] = ms.data[src:src + n]


def _mem_init(inst, s, fp, imm, imm2, d, a, b, c):
    mm = inst.memories[imm2]
    dst = _u(s[fp + a], mm)
    src = _u32(s[fp + b])
    n = _u32(s[fp + c])
    seg = inst.datas[imm]
    mem = mm.data
    if src + n > len(seg) or dst + n > len(mem):
        _t("out of bounds memory access")
    if n:
        mem[dst:dst + n] = seg[src:src + n]


def _data_drop(inst, s, fp, imm, imm2, d, a, b, c):
    inst.datas[imm] = b""


def _table_get(inst, s, fp, imm, imm2, d, a, b, c):
    t = inst.tables[imm].elems
    i = s[fp + a]
    if i < 0 or i >= len(t):
        _t("out of bounds table access")
    s[fp + d] = t[i]


def _table_set(inst, s, fp, imm, imm2, d, a, b, c):
    t = inst.tables[imm].elems
    i = s[fp + a]
    if i < 0 or i >= len(t):
        _t("out of bounds table access")
    t[i] = s[fp + b]


def _table_size(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = len(inst.tables[imm].elems)


def _table_grow(inst, s, fp, imm, imm2, d, a, b, c):
    tab = inst.tables[imm]
    n = _u(s[fp + b], tab)
    s[fp + d] = tab.grow(n, s[fp + a])


def _table_fill(inst, s, fp, imm, imm2, d, a, b, c):
    tab = inst.tables[imm]
    t = tab.elems
    i = _u(s[fp + a], tab)
    v = s[fp + b]
    n = _u(s[fp + c], tab)
    if i + n > len(t):
        _t("out of bounds table access")
    for k in range(i, i + n):
        t[k] = v


def _table_copy(inst, s, fp, imm, imm2, d, a, b, c):
    tdo = inst.tables[imm]
    tso = inst.tables[imm2]
    td = tdo.elems
    ts = tso.elems
    dst = _u(s[fp + a], tdo)
    src = _u(s[fp + b], tso)
    n = s[fp + c]
    if n < 0:
        n += 0x10000000000000000 if tdo.addr64 and tso.addr64 else 0x100000000
    if src + n > len(ts) or dst + n > len(td):
        _t("out of bounds table access")
    if n:
        td[dst:dst + n] = ts[src:src + n]


def _table_init(inst, s, fp, imm, imm2, d, a, b, c):
    seg = inst.elem_segs[imm]
    tab = inst.tables[imm2]
    t = tab.elems
    dst = _u(s[fp + a], tab)
    src = _u32(s[fp + b])
    n = _u32(s[fp + c])
    if src + n > len(seg) or dst + n > len(t):
        _t("out of bounds table access")
    if n:
        t[dst:dst + n] = seg[src:src + n]


def _elem_drop(inst, s, fp, imm, imm2, d, a, b, c):
    inst.elem_segs[imm] = ()


def _ref_is_null(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = 1 if s[fp + a] is None else 0


if config.WASM_TYPED_REFS:
    def _ref_is_nonnull(inst, s, fp, imm, imm2, d, a, b, c):
        s[fp + d] = 0 if s[fp + a] is None else 1


def _ref_func(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = inst.funcs[imm]


def _const(op):
    # A constant beyond the function's constant slots (interp_code.MAX_KSLOTS),
    # its bits in four 16-bit words so the code keeps its word width.
    def k(inst, s, fp, imm, imm2, d, a, b, c):
        v = imm | imm2 << 16
        if op == 0x41:
            s[fp + d] = v - 0x100000000 if v > 0x7FFFFFFF else v
            return
        v |= a << 32 | b << 48
        if op == 0x42:
            s[fp + d] = v - 0x10000000000000000 if v > 0x7FFFFFFFFFFFFFFF else v
        else:
            from . import fmode
            s[fp + d] = fmode.f32_from_bits(v) if op == 0x43 else fmode.f64_from_bits(v)
    return k


_EXT = {
    0x3F: _mem_size, 0x40: _mem_grow, 0x25: _table_get, 0x26: _table_set,
    0xD1: _ref_is_null, 0xD2: _ref_func,
    0xFC08: _mem_init, 0xFC09: _data_drop, 0xFC0A: _mem_copy, 0xFC0B: _mem_fill,
    0xFC0C: _table_init, 0xFC0D: _elem_drop, 0xFC0E: _table_copy,
    0xFC0F: _table_grow, 0xFC10: _table_size, 0xFC11: _table_fill,
}


# Loads and stores of a memory other than memory 0 or an i64-addressed
# one (EXT key MEMX + opcode): imm is the offset (past 2**32-1 it traps
# anyway: no memory here is that big), imm2 the memory, a the address slot,
# b the value slot.
if config.WASM_MULTI_MEMORY or config.WASM_MEMORY64:
    _LD = {0x28: ("<i", 4), 0x29: ("<q", 8), 0x2C: ("<b", 1), 0x2D: ("<B", 1),
           0x2E: ("<h", 2), 0x2F: ("<H", 2), 0x30: ("<b", 1), 0x31: ("<B", 1),
           0x32: ("<h", 2), 0x33: ("<H", 2), 0x34: ("<i", 4), 0x35: ("<I", 4)}
    _ST = {0x36: ("<I", 4, 0xFFFFFFFF), 0x37: ("<Q", 8, 0xFFFFFFFFFFFFFFFF),
           0x3A: ("<B", 1, 0xFF), 0x3B: ("<H", 2, 0xFFFF), 0x3C: ("<B", 1, 0xFF),
           0x3D: ("<H", 2, 0xFFFF), 0x3E: ("<I", 4, 0xFFFFFFFF)}


    def _ea(inst, s, fp, imm, imm2, a, size):
        mm = inst.memories[imm2]
        ea = _u(s[fp + a], mm) + imm
        if ea + size > len(mm.data):
            _t("out of bounds memory access")
        return mm.data, ea


    def _loadx(op):
        from struct import unpack_from
        if op == 0x2A or op == 0x2B:
            from . import fmode
            ld = fmode.f32_load if op == 0x2A else fmode.f64_load
            size = 4 if op == 0x2A else 8

            def f(inst, s, fp, imm, imm2, d, a, b, c):
                mem, ea = _ea(inst, s, fp, imm, imm2, a, size)
                s[fp + d] = ld(mem, ea)
            return f
        fmt, size = _LD[op]

        def g(inst, s, fp, imm, imm2, d, a, b, c):
            mem, ea = _ea(inst, s, fp, imm, imm2, a, size)
            s[fp + d] = unpack_from(fmt, mem, ea)[0]
        return g


    def _storex(op):
        from struct import pack_into
        if op == 0x38 or op == 0x39:
            from . import fmode
            st = fmode.f32_store if op == 0x38 else fmode.f64_store
            size = 4 if op == 0x38 else 8

            def f(inst, s, fp, imm, imm2, d, a, b, c):
                mem, ea = _ea(inst, s, fp, imm, imm2, a, size)
                st(mem, ea, s[fp + b])
            return f
        fmt, size, mask = _ST[op]

        def g(inst, s, fp, imm, imm2, d, a, b, c):
            mem, ea = _ea(inst, s, fp, imm, imm2, a, size)
            pack_into(fmt, mem, ea, s[fp + b] & mask)
        return g


def ext_fn(op):
    if 0x41 <= op <= 0x44:
        return _const(op)
    f = _EXT.get(op)
    if f is not None:
        return f
    if config.WASM_3:
        if op == MEMX + 0xD1:
            return _ref_is_nonnull
        if (config.WASM_MULTI_MEMORY or config.WASM_MEMORY64) and MEMX <= op < MEMX + 0xD0:
            op -= MEMX
            return _loadx(op) if op < 0x36 else _storex(op)
        if op == 0x08 or op == 0x0A:
            from .interp_exc import ext_fn as exc
            return exc(op)
        from .interp_gc import ext_fn as gc
        return gc(op)
    raise KeyError(op)
