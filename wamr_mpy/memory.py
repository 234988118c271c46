# Linear memories, tables and globals: the mutable state an instance owns
# or imports.  Memory grows in place (the bytearray object never changes),
# so every instance sharing it sees the new size.

from .errors import Trap, OUT_OF_MEMORY
from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF, letter_types, type_letters, type_name
from . import config

PAGE = 65536


# Buffers set aside by reserve() before the heap fragments (see below).
_reserved = []


def reserve(nbytes):
    """Sets aside a zeroed buffer for a linear memory now.  On a small heap
    the one large block a memory needs may no longer exist once modules are
    imported and loaded; a program that knows the size (config.MEMORY_LIMIT
    on a board) reserves it first, and the next memory of exactly that size
    takes it.  A size already set aside is not reserved twice: init() runs
    once per CLI run, and a run that fails before instantiating leaves its
    buffer for the next."""
    for b in _reserved:
        if len(b) == nbytes:
            return True
    try:
        _reserved.append(bytearray(nbytes))
    except MemoryError:
        # no block that large now: the memory tries again when it is made
        return False
    return True


def _may_fit(nbytes):
    """False when the heap cannot hold nbytes more even after a collection
    (MicroPython only).  A grow that fails part way keeps what it extended
    as the bytearray's spare capacity, which nothing else can use; so a
    grow that cannot succeed must not start (memory.grow by 65535 pages on
    a 16 MiB heap took the whole heap, and the next instantiation failed)."""
    import gc
    free = getattr(gc, "mem_free", None)
    if free is None or nbytes <= free():
        return True
    gc.collect()
    return nbytes <= free()


def hand_down(buf):
    """Zero the buffer of a memory whose instance is gone and set it aside
    for the next memory of its size (an app replaced by its next version:
    in a fragmented heap the one block of that size is the old one's)."""
    z = bytes(min(len(buf), 1024))
    mv = memoryview(buf)
    for i in range(0, len(buf), len(z)):
        k = min(len(z), len(buf) - i)
        mv[i:i + k] = z[:k]
    _reserved.append(buf)


def take_back(buf):
    """Forget a buffer hand_down set aside that no memory took."""
    for i in range(len(_reserved)):
        if _reserved[i] is buf:
            del _reserved[i]
            return


def release_reserved():
    """Gives the buffers set aside back to the heap (a module that does not
    load beside them comes first: they are a bet on the next memory's
    size, which that memory then allocates itself when it is made).
    Returns whether there were any."""
    if not _reserved:
        return False
    import gc
    del _reserved[:]
    gc.collect()
    return True


def _take_reserved(n):
    for i in range(len(_reserved)):
        if len(_reserved[i]) == n:
            return _reserved.pop(i)
    return None


def _alloc(n):
    import gc
    if n > 4096 and hasattr(gc, "mem_free") and n * 8 > gc.mem_free() + gc.mem_alloc():
        # large for this heap: collect first, so that first fit puts it as
        # low as it can go and leaves it room to grow in place
        gc.collect()
    try:
        return bytearray(n)
    except MemoryError:
        pass
    except OverflowError:
        # 2 GiB or more is no machine word on a 32-bit port
        raise Trap("out of memory: linear memory of %d bytes" % n, OUT_OF_MEMORY)
    # the block may be held by instances that are gone but not yet collected
    # (a long-running program: the app manager, a spec run), or set aside
    # for a memory of another size
    gc.collect()
    try:
        return bytearray(n)
    except MemoryError:
        pass
    if release_reserved():
        try:
            return bytearray(n)
        except MemoryError:
            pass
    raise Trap("out of memory: linear memory of %d bytes" % n, OUT_OF_MEMORY)


class Memory:
    """`size` is in pages.  With `limit` (bytes) below the declared size (an
    embedder squeezing a module onto a small board) only that much is
    allocated; accesses past it trap and the memory cannot grow.
    addr64: addressed with i64 (memory64)."""

    addr64 = 0

    def __init__(self, min_pages, max_pages=None, limit=None, addr64=False):
        if addr64:
            self.addr64 = 1
        self.min = min_pages
        self.max = max_pages
        self.size = min_pages
        n = min_pages * PAGE
        self.capped = limit is not None and limit < n
        if self.capped:
            n = limit
        self.data = _take_reserved(n)
        if self.data is None:
            self.data = _alloc(n)

    def limit(self):
        cap = 65536 if self.max is None else self.max
        if config.WASM_MEMORY64 and self.addr64 and self.max is None:
            cap = 1 << 48
        return min(cap, config.MAX_MEMORY_PAGES)

    def grow(self, n):
        old = self.size
        if n == 0:
            return old
        if self.capped or old + n > self.limit():
            return -1
        d = self.data
        if not _may_fit(n * PAGE):
            return -1
        # Up to 4 pages in all (a board's memories) 4 KiB of zeros at a time: a
        # temporary of the whole growth would need that much more heap and,
        # allocated right behind the memory, keep it from growing in place
        # (on a 400 KiB board, 1 -> 3 pages failed with 330 KB free).  Larger
        # growths in one step: many small ones would copy a memory that
        # cannot grow in place once per step.
        step = 4096 if old + n <= 4 else n * PAGE
        z = None
        k = n * PAGE // step
        collected = False
        while k:
            try:
                if z is None:
                    z = bytearray(step)
                d.extend(z)
                k -= 1
            except (MemoryError, OverflowError):
                if collected:
                    # a failed grow leaves the size as it was
                    d[old * PAGE:] = b""
                    return -1
                import gc
                gc.collect()
                collected = True
        self.size = old + n
        return old

    def __repr__(self):
        return "<Memory %d pages>" % self.size


def _elem_code(t):
    if t in ("funcref", FUNCREF, "r"):
        return FUNCREF
    if t in ("externref", EXTERNREF, "e"):
        return EXTERNREF
    if config.WASM_TYPES3:
        # a 3.0 reference type: its code (reftypes.py) or type letter
        from .reftypes import is_ref
        if isinstance(t, str) and len(t) == 1:
            t = letter_types(t)[0]
        if isinstance(t, int) and not isinstance(t, bool) and is_ref(t):
            return t
    raise ValueError("memory: bad table element type %r" % (t,))


class Table:
    """elem_type: "funcref", "externref", a type letter or (3.0) a value
    type code (reftypes.py); addr64: indexed with i64 (table64)."""

    addr64 = 0

    def __init__(self, elem_type, min_size, max_size=None, init=None, addr64=False):
        if addr64:
            self.addr64 = 1
        self.type = _elem_code(elem_type)
        self.min = min_size
        self.max = max_size
        if min_size > config.MAX_TABLE_SIZE:
            raise Trap("table: %d elements exceed the configured limit" % min_size)
        try:
            self.elems = [init] * min_size
        except (MemoryError, OverflowError):
            raise Trap("out of memory: table of %d elements" % min_size,
                       OUT_OF_MEMORY)

    @property
    def elem_type(self):
        return type_name(self.type)

    @property
    def size(self):
        return len(self.elems)

    def grow(self, n, init=None):
        old = len(self.elems)
        cap = 0xFFFFFFFF if self.max is None else self.max
        if config.WASM_MEMORY64 and self.addr64 and self.max is None:
            cap = 1 << 64
        if old + n > cap or old + n > config.MAX_TABLE_SIZE:
            return -1
        if n:
            try:
                self.elems.extend([init] * n)
            except MemoryError:
                return -1
        return old

    def get(self, i):
        if i < 0 or i >= len(self.elems):
            raise Trap("out of bounds table access")
        return self.elems[i]

    def set(self, i, v):
        if i < 0 or i >= len(self.elems):
            raise Trap("out of bounds table access")
        self.elems[i] = v

    def __repr__(self):
        return "<Table %s %d>" % (self.elem_type, len(self.elems))


_MISSING = object()


class Global:
    """`v` holds the VM's internal value; `value` the Python view of it and
    `raw` the bit-pattern view (see docs/internals.md)."""

    def __init__(self, vtype, value=None, mutable=False, raw=_MISSING):
        if isinstance(vtype, str):
            vtype = letter_types(vtype)[0]
        self.t = vtype
        self.mutable = bool(mutable)
        if raw is not _MISSING:
            self.v = from_raw(vtype, raw)
        else:
            self.v = from_py(vtype, value)

    @property
    def type(self):
        return type_letters((self.t,))

    @property
    def value(self):
        return to_py(self.t, self.v)

    @value.setter
    def value(self, x):
        if not self.mutable:
            raise AttributeError("global is immutable")
        self.v = from_py(self.t, x)

    @property
    def raw(self):
        return to_raw(self.t, self.v)

    @raw.setter
    def raw(self, x):
        if not self.mutable:
            raise AttributeError("global is immutable")
        self.v = from_raw(self.t, x)

    def __repr__(self):
        return "<Global %s%s %r>" % ("mut " if self.mutable else "", self.type, self.value)


# --- value conversions between the API and the VM -------------------------

def _fm():
    from . import fmode
    return fmode


def wrap32(x):
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


def wrap64(x):
    x &= 0xFFFFFFFFFFFFFFFF
    return x - 0x10000000000000000 if x & 0x8000000000000000 else x


def from_py(t, x):
    # None (a Global made without a value) is zero; `x or 0.0` would also
    # turn -0.0 into +0.0
    if t == I32:
        return wrap32(int(x or 0))
    if t == I64:
        return wrap64(int(x or 0))
    if t == F32:
        return _fm().f32_from_py(0.0 if x is None else float(x))
    if t == F64:
        return _fm().f64_from_py(0.0 if x is None else float(x))
    if config.WASM_SIMD and t == 0x7B:
        return v128(x)
    return x


def to_py(t, v):
    if t == F32:
        return _fm().f32_to_py(v)
    if t == F64:
        return _fm().f64_to_py(v)
    if config.WASM_SIMD and t == 0x7B:
        return int.from_bytes(v, "little")
    return v


def from_raw(t, x):
    if t == I32:
        return wrap32(x)
    if t == I64:
        return wrap64(x)
    if t == F32:
        return _fm().f32_from_bits(x & 0xFFFFFFFF)
    if t == F64:
        return _fm().f64_from_bits(x & 0xFFFFFFFFFFFFFFFF)
    if config.WASM_SIMD and t == 0x7B:
        return v128(x)
    return x


def to_raw(t, v):
    if t == I32:
        return v & 0xFFFFFFFF
    if t == I64:
        return v & 0xFFFFFFFFFFFFFFFF
    if t == F32:
        return _fm().f32_to_bits(v)
    if t == F64:
        return _fm().f64_to_bits(v)
    if config.WASM_SIMD and t == 0x7B:
        return int.from_bytes(v, "little")
    return v


if config.WASM_SIMD:
    def v128(x):
        """A v128 from the API (an int, lane 0 in the low bits, taken
        modulo 2**128; or 16 bytes, lane 0 first) -> the VM's value, 16
        bytes (docs/internals.md)."""
        if x is None:
            return bytes(16)
        if isinstance(x, int):
            return (x & ((1 << 128) - 1)).to_bytes(16, "little")
        if isinstance(x, (bytes, bytearray, memoryview)) and len(x) == 16:
            return bytes(x)
        raise TypeError("memory: a v128 is an int or 16 bytes, not %r" % (x,))
