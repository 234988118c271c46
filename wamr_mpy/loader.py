# Binary module -> Module: section walking, types, imports, definitions,
# exports, segments.  Function bodies are only located here; validator.py
# checks them (and later pre-decodes them for the interpreter).
# WebAssembly 3.0's additions to the format are read by loader3.py.

from .errors import LoadError, ValidationError
from .reader import Reader, FileBytes, valtype as _valtype, reftype as _reftype
from .func import FuncType, I32, I64, F32, F64, FUNCREF, EXTERNREF
from .module import Module, Import, Elem, Data, K_FUNC, K_TABLE, K_MEM, K_GLOBAL
from . import config

# Canonical order of the non-custom sections (data count sits before code).
_ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}
if config.WASM_EXCEPTIONS:
    # tags sit between memories and globals
    _ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11,
              10: 12, 11: 13}


def _bad(msg, pos):
    raise LoadError(msg, pos, "loader")


def _limits(r, m, mem):
    if config.WASM_MEMORY64 or config.WASM_GC:
        from .loader3 import limits
        return limits(r, m, mem)
    p = r.pos
    flag = r.u8()
    if flag == 0:
        return r.u32(), None
    if flag == 1:
        lo = r.u32()
        return lo, r.u32()
    # The flag is a one-bit LEB128 to the spec's decoder.
    _bad("integer representation too long" if flag & 0x80 else "integer too large", p)


def _table_type(r, m):
    et = _reftype(r)
    lo, hi = _limits(r, m, False)
    return (et, lo, hi)


def _func_type(r, m):
    p = r.pos
    ti = r.u32()
    if ti >= len(m.types):
        raise ValidationError("unknown type %d" % ti, p, "loader")
    if config.WASM_GC and m.types[ti].kind:
        raise ValidationError("non-function type %d" % ti, p, "loader")
    return ti


def _global_type(r):
    t = _valtype(r)
    p = r.pos
    m = r.u8()
    if m > 1:
        _bad("malformed mutability", p)
    return (t, m)


def const_expr(r):
    """Reads a constant expression up to its `end`; validation of what is
    allowed happens in validator.check_const."""
    ops = []
    while True:
        p = r.pos
        op = r.u8()
        if op == 0x0B:
            return ops
        if op == 0x41:
            ops.append((op, r.s32(), p))
        elif op == 0x42:
            ops.append((op, r.s64(), p))
        elif op == 0x43:
            ops.append((op, r.u32_le(), p))
        elif op == 0x44:
            ops.append((op, r.u64_le(), p))
        elif op == 0x23:
            ops.append((op, r.u32(), p))
        elif op == 0xD0:
            if config.WASM_TYPED_REFS:
                from .loader3 import ref_null
                ops.append((op, ref_null(r), p))
            else:
                ops.append((op, _reftype(r), p))
        elif op == 0xD2:
            ops.append((op, r.u32(), p))
        elif config.WASM_SIMD and op == 0xFD:
            q = r.pos
            if r.u32() == 12:
                # v128.const: (simd_ops.OP + 12, its 16 bytes)
                ops.append((0xFD00C, bytes(r.bytes(16)), p))
            else:
                r.pos = q
                from .validator_simd import skip
                skip(r, p)
                ops.append((op, None, p))
        elif config.WASM_GC and op == 0xFB:
            from .loader3 import gc_const
            ops.append(gc_const(r, p))
        elif op == 0xFC or op == 0xFD:
            ops.append((op, r.u32(), p))
        else:
            # Anything else is a (non-constant) instruction; the validator
            # reports it.  Unknown opcodes are malformed.
            from .validator import skip_instr
            skip_instr(r, op, p)
            ops.append((op, None, p))
            if config.WASM_3 and (op == 0x02 or op == 0x03 or op == 0x04):
                # blocks nest as in a body: an `end` may close one of them
                from .loader3 import skip_block
                skip_block(r, skip_instr)


def load(data):
    """Decodes a binary module (bytes, or the path of a .wasm file, whose
    function bodies are then read back from the file when first called);
    raises LoadError when malformed and ValidationError when invalid.
    A file is read through a small window, never whole: what stays in RAM
    is what the module declares (types, imports, exports, data segments,
    custom sections), so a module larger than the heap loads."""
    if isinstance(data, str):
        f = FileBytes(data)
        try:
            m = _load(f)
        finally:
            f.close()
        m.path = data
        m.data = None
        return m
    return _load(data)


def _load(data):
    if not isinstance(data, (bytes, FileBytes)):
        if not isinstance(data, (bytearray, memoryview)):
            raise TypeError("loader: module must be bytes")
        data = bytes(data)
    r = Reader(data)
    if len(data) < 4:
        r.bytes(4)
    if data[:4] != b"\0asm":
        _bad("magic header not detected", 0)
    r.pos = 4
    if len(data) < 8:
        r.bytes(4)
    if data[4:8] != b"\x01\0\0\0":
        _bad("unknown binary version", 4)
    r.pos = 8
    m = Module()
    m.data = data
    n = len(data)
    if config.WASM_TYPES3:
        r.types = m.types       # 3.0 value types name defined types
    if config.WASM_3:
        from .loader3 import sections
        sections(r, m, data, n, _sections)
    else:
        _sections(r, m, data, n)
    if m.data_count is not None and m.data_count and not m.datas:
        _bad("data count and data section have inconsistent lengths", n)
    if config.WASM_TYPES3 and getattr(r, "typed", False):
        m.typed = True
    from .validator import validate_module
    validate_module(m)
    return m


def _sections(r, m, data, n):
    """The sections after the header; -> (functions declared, bodies,
    offset of the code section)."""
    last = 0
    n_funcs_declared = None
    n_code = None
    code_at = n
    while r.pos < n:
        sp = r.pos
        sid = r.u8()
        size = r.u32()
        start = r.pos
        if size > n - start:
            _bad("length out of bounds", start)
        end = start + size
        if sid == 0:
            sub = Reader(data, start, end)
            name = sub.name()
            # from a file: only where it is (Module.custom reads it back)
            m.custom_sections.append((name, (sub.pos, end) if isinstance(data, FileBytes)
                                      else data[sub.pos:end]))
            r.pos = end
            continue
        order = _ORDER.get(sid)
        if order is None:
            _bad("malformed section id", sp)
        if order <= last:
            _bad("unexpected content after last section", sp)
        last = order
        r.eof_msg = "unexpected end of section or function"
        if sid == 1:
            if config.WASM_TYPES3:
                from .loader3 import types
                types(r, m)
            else:
                for _ in range(r.vec()):
                    p = r.pos
                    if r.u8() != 0x60:
                        _bad("integer representation too long", p)
                    params = bytes(_valtype(r) for _ in range(r.vec()))
                    results = bytes(_valtype(r) for _ in range(r.vec()))
                    m.types.append(FuncType(params, results))
        elif sid == 2:
            for _ in range(r.vec()):
                mod = r.name()
                fld = r.name()
                p = r.pos
                kind = r.u8()
                if kind == K_FUNC:
                    desc = _func_type(r, m)
                    m.func_types.append(desc)
                    m.n_func_imports += 1
                elif kind == K_TABLE:
                    desc = _table_type(r, m)
                    m.tables.append(desc)
                    m.n_table_imports += 1
                elif kind == K_MEM:
                    desc = _limits(r, m, True)
                    m.mems.append(desc)
                    m.n_mem_imports += 1
                elif kind == K_GLOBAL:
                    desc = _global_type(r)
                    m.globals.append(desc)
                    m.n_global_imports += 1
                elif config.WASM_EXCEPTIONS and kind == 4:
                    from .loader3 import tag_type
                    desc = tag_type(r, m)
                    m.tags.append(desc)
                    m.n_tag_imports += 1
                else:
                    _bad("malformed import kind", p)
                imp = Import(mod, fld, kind, desc)
                if config.WASM_MEMORY64 and (kind == K_TABLE or kind == K_MEM):
                    imp.addr64 = (m.mem64 if kind == K_MEM else m.tab64)[-1]
                m.imports.append(imp)
        elif sid == 3:
            cnt = r.vec()
            n_funcs_declared = cnt
            for _ in range(cnt):
                m.func_types.append(_func_type(r, m))
        elif sid == 4:
            for _ in range(r.vec()):
                if config.WASM_TYPED_REFS:
                    from .loader3 import table
                    table(r, m, _table_type)
                else:
                    m.tables.append(_table_type(r, m))
        elif sid == 5:
            for _ in range(r.vec()):
                m.mems.append(_limits(r, m, True))
        elif config.WASM_EXCEPTIONS and sid == 13:
            from .loader3 import tag_type
            for _ in range(r.vec()):
                m.tags.append(tag_type(r, m))
        elif sid == 6:
            for _ in range(r.vec()):
                m.globals.append(_global_type(r))
                m.global_inits.append(const_expr(r))
        elif sid == 7:
            for _ in range(r.vec()):
                name = r.name()
                p = r.pos
                kind = r.u8()
                if kind > 3 and not (config.WASM_EXCEPTIONS and kind == 4):
                    _bad("malformed export kind", p)
                m.exports.append((name, kind, r.u32()))
        elif sid == 8:
            m.start = r.u32()
        elif sid == 9:
            for _ in range(r.vec()):
                m.elems.append(_elem(r))
        elif sid == 12:
            m.data_count = r.u32()
        elif sid == 10:
            cnt = r.u32()
            # 3.0 decoders check this after every section (loader3.sections)
            if not config.WASM_3 and cnt != (n_funcs_declared or 0):
                _bad("function and code section have inconsistent lengths", start)
            n_code = cnt
            code_at = start
            for _ in range(r.cap(cnt)):
                bsize = r.u32()
                bstart = r.pos
                if bsize > n - bstart:
                    _bad("unexpected end of section or function", bstart)
                m.bodies.append(bstart)
                m.bodies.append(bstart + bsize)
                r.pos = bstart + bsize
        elif sid == 11:
            cnt = r.u32()
            if m.data_count is not None and cnt != m.data_count:
                _bad("data count and data section have inconsistent lengths", start)
            for _ in range(r.cap(cnt)):
                m.datas.append(_data(r))
        if r.pos != end:
            _bad("section size mismatch", end)
        r.eof_msg = None
    if not config.WASM_3 and n_funcs_declared and not m.bodies:
        _bad("function and code section have inconsistent lengths", n)
    return n_funcs_declared, n_code, code_at


def _elem(r):
    p = r.pos
    flag = r.u32()
    if flag > 7:
        _bad("malformed elements segment kind", p)
    table = 0
    offset = None
    mode = 0
    if flag & 1:
        mode = 2 if flag & 2 else 1
    else:
        if flag & 2:
            table = r.u32()
        offset = const_expr(r)
    et = FUNCREF
    if flag & 4:
        # Expressions.
        if flag & 3:
            et = _reftype(r)
        inits = [const_expr(r) for _ in range(r.vec())]
        return Elem(mode, table, offset, et, inits, False)
    if flag & 3:
        kp = r.pos
        if r.u8() != 0:
            _bad("malformed element kind", kp)
    inits = [r.u32() for _ in range(r.vec())]
    return Elem(mode, table, offset, et, inits, True)


def _data(r):
    p = r.pos
    flag = r.u32()
    mem = 0
    offset = None
    mode = 0
    if flag == 1:
        mode = 1
    elif flag == 0 or flag == 2:
        if flag == 2:
            mem = r.u32()
        offset = const_expr(r)
    else:
        _bad("malformed data segment kind", p)
    n = r.u32()
    if mode == 0 and isinstance(r.data, FileBytes):
        # an active segment of a module file: copied into linear memory at
        # instantiation, so only where it is stays (Module.data_bytes)
        p = r.pos
        if n > r.end - p:
            r._eof()
        r.pos = p + n
        return Data(mode, mem, offset, (p, p + n))
    return Data(mode, mem, offset, r.bytes(n))
