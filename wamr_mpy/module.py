# The decoded form of a module (what loader.py produces and every tier
# reads).  Kept apart from the loader so that a board can drop the loader's
# code from RAM once its modules are loaded (config.UNLOAD_LOADER).

from array import array

from .errors import LoadError
from . import config

# Import/export kinds.
K_FUNC = 0
K_TABLE = 1
K_MEM = 2
K_GLOBAL = 3
K_TAG = 4


class Import:
    addr64 = 0        # an i64-addressed memory or table (memory64)

    def __init__(self, module, name, kind, desc):
        self.module = module
        self.name = name
        self.kind = kind
        # func: type index; table: (elem_type, min, max); mem: (min, max);
        # global: (valtype, mutable); tag: type index
        self.desc = desc


class Elem:
    # mode: 0 active, 1 passive, 2 declarative.  `inits` is a list of const
    # exprs (each a list of (op, imm)), or of ints (function indices).
    def __init__(self, mode, table, offset, elem_type, inits, funcidx):
        self.mode = mode
        self.table = table
        self.offset = offset
        self.elem_type = elem_type
        self.inits = inits
        self.funcidx = funcidx


class Data:
    def __init__(self, mode, mem, offset, data):
        self.mode = mode
        self.mem = mem
        self.offset = offset
        self.data = data


class Module:
    def __init__(self):
        self.types = []
        self.imports = []
        self.func_types = []     # type index for every function, imports first
        self.n_func_imports = 0
        self.tables = []         # (elem_type, min, max) for every table, imports first
        self.n_table_imports = 0
        self.mems = []           # (min, max), imports first
        self.n_mem_imports = 0
        self.globals = []        # (valtype, mutable), imports first
        self.n_global_imports = 0
        self.global_inits = []   # const expr per defined global
        self.exports = []        # (name, kind, index)
        self.start = None
        self.elems = []
        self.datas = []
        self.data_count = None
        self.bodies = array("I")  # start, end byte offsets of each defined function's body
        self.codes = []          # pre-decoded bodies (validator.Code), lazily
        self.custom_sections = []   # (name, bytes), or (name, (start, end)) in the file
        self.declared_funcs = None   # set of indices usable by ref.func
        self.data = None         # the module bytes (bodies are decoded lazily)
        self.path = None         # set instead of data when loaded from a file
        self.feats = None        # per defined function: the 3.0 features it uses
        if config.WASM_MEMORY64:
            self.mem64 = []      # 1 for each i64-addressed memory (memory64)
            self.tab64 = []      # 1 for each i64-addressed table (table64)
        if config.WASM_TYPED_REFS:
            self.table_inits = []    # const expr (or None) per defined table
        if config.WASM_EXCEPTIONS:
            self.tags = []           # type index of every tag, imports first
            self.n_tag_imports = 0
        if config.WASM_TYPES3:
            self.typed = False       # uses 3.0 reference types (reftypes.py)

    def shared_globals(self):
        """Indices of the mutable globals other instances or the host may
        change (imported or exported mutable): a tier that keeps the other
        globals in its own storage must keep these in their Global objects."""
        out = set()
        for i in range(self.n_global_imports):
            if self.globals[i][1]:
                out.add(i)
        for name, kind, idx in self.exports:
            if kind == K_GLOBAL and self.globals[idx][1]:
                out.add(idx)
        return out

    @property
    def n_bodies(self):
        return len(self.bodies) // 2

    def body(self, defidx):
        return self.bodies[2 * defidx], self.bodies[2 * defidx + 1]

    def body_source(self, defidx):
        """(buffer, start, end) of a function body: the module bytes, or
        when the module was loaded from a file, the body read back from it
        (so the module bytes need not stay in RAM)."""
        start, end = self.bodies[2 * defidx], self.bodies[2 * defidx + 1]
        if self.data is not None:
            return self.data, start, end
        return self._read(start, end)

    def _read(self, start, end):
        with open(self.path, "rb") as f:
            f.seek(start)
            b = f.read(end - start)
        if len(b) != end - start:
            raise LoadError("module file %s changed since it was loaded" % self.path,
                            start, "loader")
        return b, 0, len(b)

    def data_bytes(self, d):
        """The bytes of data segment d: an active one of a module loaded
        from a file is read back from it (only its place is kept)."""
        c = d.data
        if isinstance(c, tuple):
            b, _, _ = self._read(c[0], c[1])
            return b
        return c

    def custom(self):
        """The custom sections as (name, bytes).  A module loaded from a
        file keeps only where they are (a name section alone is often a
        tenth of an app, debug sections more) and they are read back here."""
        out = []
        for name, c in self.custom_sections:
            if isinstance(c, tuple):
                c, _, _ = self._read(c[0], c[1])
            out.append((name, c))
        return out

    def export_map(self):
        return dict((n, (k, i)) for n, k, i in self.exports)
