# WebAssembly 3.0 parts of instantiation (instance.py; config.WASM_3): tags,
# tables with an initialiser or i64 indices, and constant expressions with
# arithmetic (extended-const) or GC instructions.

from .memory import Table, wrap32, wrap64
from . import config

_WRAP = {0x6A: 32, 0x6B: 32, 0x6C: 32, 0x7C: 64, 0x7D: 64, 0x7E: 64}


def tables3(inst, m):
    """The module's own tags and tables."""
    if config.WASM_EXCEPTIONS and m.tags:
        from .refs import Tag
        for ti in m.tags[m.n_tag_imports:]:
            inst.tags.append(Tag(m.types[ti]))
    nti = m.n_table_imports
    for i in range(nti, len(m.tables)):
        et, lo, hi = m.tables[i]
        init = m.table_inits[i - nti] if config.WASM_TYPED_REFS else None
        inst.tables.append(Table(et, lo, hi, None if init is None else eval_const3(inst, init),
                                 config.WASM_MEMORY64 and m.tab64[i]))


def eval_const3(inst, expr):
    st = []
    for op, imm, p in expr:
        if op in _WRAP:
            # i32/i64 add, sub, mul
            b = st.pop()
            a = st.pop()
            k = op & 0xF if op < 0x70 else (op & 0xF) - 2
            v = a + b if k == 0xA else (a - b if k == 0xB else a * b)
            v = wrap32(v) if _WRAP[op] == 32 else wrap64(v)
        elif 0xFB00 <= op < 0xFC00:
            from .interp_gc import const_op
            v = const_op(inst, op, imm, st)
        else:
            from .instance import eval_const
            v = eval_const(inst, [(op, imm, p)])
        st.append(v)
    return st[-1] if st else None
