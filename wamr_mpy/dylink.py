# emcc/clang side modules ("side_module=1"): modules with a `dylink.0` (or
# the older `dylink`) custom section.  Such a module imports its memory,
# table, stack pointer and base addresses from "env"; this file creates
# them from the sizes in the section, lays out the memory and runs the
# relocation/constructor functions.  libc names come from native.lookup
# (with or without a leading underscore, iprintf/siprintf aliases).
#
# Memory layout (addresses in the side module's linear memory):
#   [0, 1024)                 reserved, so NULL never points at data
#   [memory_base, +mem_size)  the module's data (memory_base aligned as asked)
#   [.., +aux_stack)          the C stack (__stack_pointer starts at its top)
#   [.., +heap_size)          the built-in libc heap (malloc/free)
# Table: slot 0 stays null, the module's functions start at __table_base=1,
# followed by slots for GOT.func entries.

from .errors import LoadError, LinkError
from .memory import Memory, Table, Global

PAGE = 65536
RESERVED = 1024
AUX_STACK = 16384


def _leb(b, i):
    r = 0
    shift = 0
    while True:
        if i >= len(b):
            raise LoadError("dylink: unexpected end")
        c = b[i]
        i += 1
        r |= (c & 0x7F) << shift
        if c < 0x80:
            return r, i
        shift += 7
        if shift > 35:
            raise LoadError("dylink: integer too long")


def _name(b, i):
    n, i = _leb(b, i)
    if i + n > len(b):
        raise LoadError("dylink: unexpected end")
    return str(b[i:i + n], "utf-8"), i + n


class DylinkInfo:
    def __init__(self):
        self.mem_size = 0
        self.mem_align = 0
        self.table_size = 0
        self.table_align = 0
        self.needed = []


def parse(sections):
    """DylinkInfo from a module's custom sections [(name, bytes)], or None
    when the module is not a side module."""
    for name, data in sections:
        if name == "dylink.0":
            return _parse_v0(bytes(data))
        if name == "dylink":
            return _parse_old(bytes(data))
    return None


def _mem_info(d, b, i):
    d.mem_size, i = _leb(b, i)
    d.mem_align, i = _leb(b, i)
    d.table_size, i = _leb(b, i)
    d.table_align, i = _leb(b, i)
    return i


def _needed(d, b, i):
    n, i = _leb(b, i)
    for _ in range(n):
        s, i = _name(b, i)
        d.needed.append(s)
    return i


def _parse_v0(b):
    d = DylinkInfo()
    i = 0
    while i < len(b):
        kind = b[i]
        size, i = _leb(b, i + 1)
        end = i + size
        if end > len(b):
            raise LoadError("dylink: subsection %d runs past the end" % kind)
        if kind == 1:
            _mem_info(d, b, i)
        elif kind == 2:
            _needed(d, b, i)
        i = end                # export/import info (3, 4) are not needed
    return d


def _parse_old(b):
    d = DylinkInfo()
    i = _mem_info(d, b, 0)
    _needed(d, b, i)
    return d


def is_side_module(module):
    return parse(_sections(module)) is not None


def _sections(module):
    m = getattr(module, "_m", module)
    if hasattr(m, "custom"):
        return m.custom()
    return getattr(module, "custom_sections", None) or ()


def _align(v, a):
    return (v + a - 1) & ~(a - 1)


def _imports(module):
    """[(module, name, kind)] whatever the Module object exposes."""
    out = []
    for imp in module.imports:
        if isinstance(imp, tuple):
            out.append(imp)
        else:
            out.append((imp.module, imp.name,
                        ("func", "table", "memory", "global")[imp.kind]))
    return out


def instantiate(module, imports=None, stack_size=None, heap_size=None,
                aux_stack=AUX_STACK):
    """Instantiate a side module (a wamr_mpy.Module) with the env imports
    it needs; returns the Instance, relocations and constructors done."""
    from . import config, heap as _heap, native
    info = parse(_sections(module))
    if info is None:
        raise LinkError("dylink: module has no dylink.0 section")
    if heap_size is None:
        heap_size = config.HEAP_SIZE
    mem_base = _align(RESERVED, 1 << info.mem_align)
    stack_lo = _align(mem_base + info.mem_size, 16)
    stack_hi = stack_lo + _align(aux_stack, 16)
    heap_base = stack_hi
    pages = (heap_base + heap_size + PAGE - 1) // PAGE
    table_base = _align(1, 1 << info.table_align)
    imps = _imports(module)
    got_func = [n for m, n, k in imps if m == "GOT.func"]
    env = {}
    got = {"GOT.func": {}, "GOT.mem": {}}
    slot = table_base + info.table_size
    for m, n, k in imps:
        if m == "env" and k == "memory":
            env[n] = Memory(max(pages, 1))
        elif m == "env" and k == "table":
            env[n] = Table("funcref", slot + len(got_func))
        elif m == "env" and k == "global":
            if n == "__stack_pointer":
                env[n] = Global("i", stack_hi, True)
            elif n in ("__memory_base", "memoryBase"):
                env[n] = Global("i", mem_base)
            elif n in ("__table_base", "tableBase"):
                env[n] = Global("i", table_base)
            elif n == "__heap_base":
                env[n] = Global("i", heap_base)
        elif m == "GOT.func" and k == "global":
            # the slot is fixed now: data relocations (run by the start
            # function during instantiation) already need it
            got[m][n] = Global("i", slot + got_func.index(n), True)
        elif m == "GOT.mem" and k == "global":
            off = _static_export(module, n)
            got[m][n] = Global("i", 0 if off is None else mem_base + off, True)
    all_imports = {"env": env, "GOT.func": got["GOT.func"],
                   "GOT.mem": got["GOT.mem"]}
    if imports:
        for m in imports:
            d = all_imports.setdefault(m, {})
            for k in imports[m]:
                d[k] = imports[m][k]
    inst = module.instantiate(all_imports, stack_size, heap_size)
    inst.memory_base = mem_base
    inst.table_base = table_base
    if heap_size:
        _heap.init(inst, heap_size, heap_base)
    _fill_got(inst, env, got, got_func, slot, native)
    if _start_index(module) is None and \
            inst.exports.get("__wasm_apply_data_relocs") is not None:
        inst.call("__wasm_apply_data_relocs")
    for fn in ("__post_instantiate", "__wasm_call_ctors"):
        if inst.exports.get(fn) is not None:
            inst.call(fn)
    return inst


def _loader_module(module):
    return getattr(module, "_m", module)


def _start_index(module):
    return getattr(_loader_module(module), "start", None)


def _static_export(module, name):
    """The i32.const initial value of exported global `name` (a data
    symbol's offset in a side module), or None."""
    m = _loader_module(module)
    try:
        for n, kind, idx in m.exports:
            if n == name and kind == 3:
                expr = m.global_inits[idx - m.n_global_imports]
                if len(expr) == 1 and expr[0][0] == 0x41:
                    return expr[0][1] & 0xFFFFFFFF
    except (AttributeError, IndexError, TypeError):
        pass
    return None


def _fill_got(inst, env, got, got_func, slot, native):
    table = None
    for v in env.values():
        if isinstance(v, Table):
            table = v
    for n in got_func:
        f = inst.exports.get(n)
        if f is None:
            f = native.lookup("env", n)
        if f is None or table is None:
            raise LinkError("unknown import", -1, "dylink: GOT.func.%s" % n)
        table.elems[slot + got_func.index(n)] = f
    for n, g in got["GOT.mem"].items():
        if g.value == 0:
            e = inst.exports.get(n)
            if e is None or not hasattr(e, "value"):
                raise LinkError("unknown import", -1, "dylink: GOT.mem.%s" % n)
            g.value = inst.memory_base + e.value
