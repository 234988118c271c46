# Handlers for the rarely executed instructions (bulk memory, tables,
# memory.size/grow, reference ops).  The interpreter's EXT op calls them
# through interp.FUNCS; they live apart so a module that never uses them
# does not pay for them in RAM.

from .errors import Trap


def _t(msg):
    raise Trap(msg)


# Each is fn(inst, s, fp, imm, imm2, d, a, b, c) with a/b/c/d frame-relative
# slots.

def _mem_size(inst, s, fp, imm, imm2, d, a, b, c):
    s[fp + d] = inst.memory.size


def _mem_grow(inst, s, fp, imm, imm2, d, a, b, c):
    n = s[fp + a]
    if n < 0:
        n += 0x100000000
    s[fp + d] = inst.memory.grow(n)
    inst.mem = inst.memory.data


def _u32(v):
    return v + 0x100000000 if v < 0 else v


def _mem_fill(inst, s, fp, imm, imm2, d, a, b, c):
    dst = _u32(s[fp + a])
    val = s[fp + b] & 0xFF
    n = _u32(s[fp + c])
    mem = inst.mem
    if dst + n > len(mem):
        _t("out of bounds memory access")
    if n:
        mem[dst:dst + n] = bytes((val,)) * n


def _mem_copy(inst, s, fp, imm, imm2, d, a, b, c):
    dst = _u32(s[fp + a])
    src = _u32(s[fp + b])
    n = _u32(s[fp + c])
    mem = inst.mem
    ln = len(mem)
    if src + n > ln or dst + n > ln:
        _t("out of bounds memory access")
    if n:
        mem[dst:dst + n] = mem[src:src + n]


def _mem_init(inst, s, fp, imm, imm2, d, a, b, c):
    dst = _u32(s[fp + a])
    src = _u32(s[fp + b])
    n = _u32(s[fp + c])
    seg = inst.datas[imm]
    mem = inst.mem
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
    n = _u32(s[fp + b])
    s[fp + d] = inst.tables[imm].grow(n, s[fp + a])


def _table_fill(inst, s, fp, imm, imm2, d, a, b, c):
    t = inst.tables[imm].elems
    i = _u32(s[fp + a])
    v = s[fp + b]
    n = _u32(s[fp + c])
    if i + n > len(t):
        _t("out of bounds table access")
    for k in range(i, i + n):
        t[k] = v


def _table_copy(inst, s, fp, imm, imm2, d, a, b, c):
    td = inst.tables[imm].elems
    ts = inst.tables[imm2].elems
    dst = _u32(s[fp + a])
    src = _u32(s[fp + b])
    n = _u32(s[fp + c])
    if src + n > len(ts) or dst + n > len(td):
        _t("out of bounds table access")
    if n:
        td[dst:dst + n] = ts[src:src + n]


def _table_init(inst, s, fp, imm, imm2, d, a, b, c):
    seg = inst.elem_segs[imm]
    t = inst.tables[imm2].elems
    dst = _u32(s[fp + a])
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


def ext_fn(op):
    if 0x41 <= op <= 0x44:
        return _const(op)
    return _EXT[op]
