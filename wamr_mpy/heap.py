# The app heap behind libc malloc/free and native.module_malloc.
#
# The heap is a region of the app's linear memory; its bookkeeping lives in
# Python (not in the app memory), so an app that scribbles over its heap
# cannot corrupt the allocator, and free() of a pointer that was never
# returned by malloc (or was already freed) is detected and traps.
#
# Where the region comes from (first use, per instance; docs/native.md):
#   1. the module exports malloc and free: no built-in heap, module_malloc
#      calls the app's allocator (WAMR does the same);
#   2. the module imports WASI: no built-in heap (wasi-libc's malloc owns
#      everything after __heap_base and grows the memory itself);
#   3. the module exports __heap_base and the memory already has room after
#      it: the heap is [__heap_base rounded up to 8, + heap_size);
#   4. otherwise the memory is grown by enough pages and the heap is placed
#      in the new pages (like the seed's WAMR, whose heap followed the app's
#      initial memory).
# heap_size is the instance's `heap_size` (instantiate(heap_size=)), else
# config.HEAP_SIZE; 0 disables the heap.

from .errors import Trap

_ALIGN = 8
_PAGE = 65536


class Heap:
    """First-fit allocator over [base, base + size) with coalescing.
    `free` is a flat address-sorted list [start0, len0, start1, len1, ...]."""

    def __init__(self, base, size):
        end = (base + max(size, 0)) & ~(_ALIGN - 1)
        base = (base + _ALIGN - 1) & ~(_ALIGN - 1)
        self.base = base
        self.end = end if end > base else base
        self.used = {}
        self.free = [base, self.end - base] if self.end > base else []
        self.in_use = 0

    def malloc(self, n):
        if n < 0:
            return 0
        n = (max(n, 1) + _ALIGN - 1) & ~(_ALIGN - 1)
        fl = self.free
        for i in range(0, len(fl), 2):
            ln = fl[i + 1]
            if ln >= n:
                a = fl[i]
                if ln == n:
                    del fl[i:i + 2]
                else:
                    fl[i] = a + n
                    fl[i + 1] = ln - n
                self.used[a] = n
                self.in_use += n
                return a
        return 0

    def _find_free(self, addr):
        """Index of the first free block whose start is > addr."""
        fl = self.free
        lo, hi = 0, len(fl) // 2
        while lo < hi:
            mid = (lo + hi) // 2
            if fl[2 * mid] <= addr:
                lo = mid + 1
            else:
                hi = mid
        return 2 * lo

    def check_free(self, addr):
        """None when addr may be freed, else the reason."""
        if addr in self.used:
            return None
        if self.base <= addr < self.end:
            j = self._find_free(addr)
            if j >= 2 and addr < self.free[j - 2] + self.free[j - 1]:
                return "double free"
        return "invalid pointer"

    def release(self, addr):
        n = self.used.pop(addr)
        self.in_use -= n
        fl = self.free
        j = self._find_free(addr)
        # merge with the following block
        if j < len(fl) and fl[j] == addr + n:
            n += fl[j + 1]
            del fl[j:j + 2]
        # merge with the preceding block
        if j >= 2 and fl[j - 2] + fl[j - 1] == addr:
            fl[j - 1] += n
        else:
            fl[j:j] = [addr, n]

    def size_of(self, addr):
        return self.used.get(addr, 0)

    def try_grow(self, addr, n):
        """Grow/shrink block addr in place to n bytes; True on success."""
        n = (max(n, 1) + _ALIGN - 1) & ~(_ALIGN - 1)
        old = self.used[addr]
        if n == old:
            return True
        fl = self.free
        j = self._find_free(addr)
        if n < old:
            self.used[addr] = n
            self.in_use -= old - n
            tail = addr + n
            ln = old - n
            if j < len(fl) and fl[j] == addr + old:
                fl[j] = tail
                fl[j + 1] += ln
            else:
                fl[j:j] = [tail, ln]
            return True
        need = n - old
        if j < len(fl) and fl[j] == addr + old and fl[j + 1] >= need:
            if fl[j + 1] == need:
                del fl[j:j + 2]
            else:
                fl[j] += need
                fl[j + 1] -= need
            self.used[addr] = n
            self.in_use += need
            return True
        return False

    def largest_free(self):
        m = 0
        fl = self.free
        for i in range(1, len(fl), 2):
            if fl[i] > m:
                m = fl[i]
        return m


# ---- per-instance heap -------------------------------------------------------

def _export(inst, name):
    ex = getattr(inst, "exports", None)
    if not ex:
        return None
    try:
        return ex.get(name)
    except AttributeError:
        return None


def _imports_wasi(inst):
    mod = getattr(inst, "module", None)
    for imp in getattr(mod, "imports", ()) or ():
        m = imp[0] if isinstance(imp, tuple) else getattr(imp, "module", "")
        if m in ("wasi_snapshot_preview1", "wasi_unstable"):
            return True
    return False


def _heap_size(inst):
    hs = getattr(inst, "heap_size", None)
    if hs is None:
        from . import config
        hs = getattr(config, "HEAP_SIZE", 16384)
    return hs


def init(inst, size=None, base=None):
    """Create the built-in heap for inst now (rules at the top of the file);
    `base` forces the region start.  Returns the Heap or None."""
    mem = getattr(inst, "memory", None)
    if size is None:
        size = _heap_size(inst)
    h = None
    if mem is not None and size and size > 0:
        if base is not None:
            if base + size <= len(mem.data):
                h = Heap(base, size)
        else:
            h = _place(inst, mem, size)
    inst._heap = h
    inst._heap_tried = True
    return h


def _place(inst, mem, size):
    n = len(mem.data)
    hb = _export(inst, "__heap_base")
    if hb is not None:
        try:
            b = hb.value & 0xFFFFFFFF
        except AttributeError:
            b = -1
        b = (b + _ALIGN - 1) & ~(_ALIGN - 1)
        if 0 <= b and b + size <= n:
            return Heap(b, size)
    pages = (size + _PAGE - 1) // _PAGE
    old = mem.grow(pages)
    if old is None or old < 0:
        return None
    return Heap(old * _PAGE, size)


def get(inst):
    """The instance's built-in Heap (inst._heap, also inst.heap), created on
    first use, or None."""
    if getattr(inst, "_heap_tried", False):
        return inst._heap
    if _export(inst, "malloc") is not None and \
            _export(inst, "free") is not None or _imports_wasi(inst):
        inst._heap = None
        inst._heap_tried = True
        return None
    return init(inst)


def _call_app(inst, name, *args):
    f = _export(inst, name)
    if f is None:
        return 0
    r = inst.call(f, *args)
    return (r or 0) & 0xFFFFFFFF if name != "free" else 0


def module_malloc(inst, size):
    if size < 0:
        return 0
    h = get(inst)
    if h is not None:
        return h.malloc(size)
    if _export(inst, "malloc") is not None:
        return _call_app(inst, "malloc", size)
    return 0


def module_free(inst, addr):
    addr &= 0xFFFFFFFF
    if not addr:
        return
    h = get(inst)
    if h is not None:
        why = h.check_free(addr)
        if why:
            raise Trap("free(): %s 0x%x" % (why, addr))
        h.release(addr)
    elif _export(inst, "free") is not None:
        _call_app(inst, "free", addr)


def module_realloc(inst, addr, size):
    """realloc semantics; returns the new app address or 0."""
    addr &= 0xFFFFFFFF
    size &= 0xFFFFFFFF
    if not addr:
        return module_malloc(inst, size)
    h = get(inst)
    if h is None:
        if _export(inst, "realloc") is not None:
            return _call_app(inst, "realloc", addr, size)
        return 0
    why = h.check_free(addr)
    if why:
        raise Trap("realloc(): %s 0x%x" % (why, addr))
    if size == 0:
        h.release(addr)
        return 0
    if h.try_grow(addr, size):
        return addr
    old = h.size_of(addr)
    b = h.malloc(size)
    if not b:
        return 0
    data = inst.memory.data
    n = min(old, size)
    data[b:b + n] = data[addr:addr + n]
    h.release(addr)
    return b
