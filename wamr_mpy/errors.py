# Error hierarchy shared by every tier.  Messages use the WebAssembly spec
# reference interpreter's wording so the spec runner can compare them.

from . import config


class WasmError(Exception):
    """Base class.  `message` is the bare spec wording, `offset` the byte
    offset in the module (or -1), `where` names the module/function."""

    def __init__(self, message, offset=-1, where=None):
        self.message = message
        self.offset = offset
        self.where = where
        text = message
        if where:
            text = where + ": " + text
        if offset >= 0:
            text += " (at offset 0x%x)" % offset
        super().__init__(text)


class LoadError(WasmError):
    """Malformed binary (the spec's assert_malformed)."""


class ValidationError(WasmError):
    """Well-formed but invalid module (assert_invalid)."""


class LinkError(WasmError):
    """Import resolution failed (assert_unlinkable)."""


# Trap kinds: a small int per spec message so embedders can switch on it.
UNREACHABLE = 1
DIV_ZERO = 2
INT_OVERFLOW = 3
INVALID_CONV = 4
OOB_MEMORY = 5
OOB_TABLE = 6
INDIRECT_MISMATCH = 7
UNINIT_ELEMENT = 8
UNDEF_ELEMENT = 9
STACK_EXHAUSTED = 10
OUT_OF_FUEL = 11
HOST = 12
NULL_REF = 13
EXIT = 14
OTHER = 15
OUT_OF_MEMORY = 16

_KIND_MESSAGES = (
    (UNREACHABLE, "unreachable"),
    (DIV_ZERO, "integer divide by zero"),
    (INT_OVERFLOW, "integer overflow"),
    (INVALID_CONV, "invalid conversion to integer"),
    (OOB_MEMORY, "out of bounds memory access"),
    (OOB_TABLE, "out of bounds table access"),
    (INDIRECT_MISMATCH, "indirect call type mismatch"),
    (UNINIT_ELEMENT, "uninitialized element"),
    (UNDEF_ELEMENT, "undefined element"),
    (STACK_EXHAUSTED, "call stack exhausted"),
    (OUT_OF_FUEL, "out of fuel"),
)


class Trap(WasmError):
    """A runtime trap.  `kind` is one of the constants above."""

    def __init__(self, message, kind=0, offset=-1, where=None):
        if not kind:
            kind = OTHER
            for k, m in _KIND_MESSAGES:
                if m == message:
                    kind = k
                    break
        self.kind = kind
        WasmError.__init__(self, message, offset, where)


def out_of_memory(cls, what, e=None):
    """The error an API entry point (load, instantiate, a call) raises for
    a MemoryError: a `cls` (LoadError, LinkError or Trap) saying "out of
    memory", what was being done and the allocator's own words.  Allocation
    sites that know more (which function was being decoded) re-raise the
    MemoryError with that in front of its text; nothing else catches it, so
    a bare MemoryError never reaches the embedder."""
    msg = "out of memory: " + what
    if e is not None and str(e):
        msg += ": " + str(e)
    if cls is Trap:
        return Trap(msg, OUT_OF_MEMORY)
    return cls(msg)


def element_trap(i, undefined):
    """The trap of call_indirect through table index i (an i32, either
    sign): past the table's end ("undefined element 7") or null
    ("uninitialized element 2").  The index is part of the spec's wording:
    its reference interpreter appends it, and a spec file that gives the
    whole text expects it."""
    if i < 0:
        i += 0x100000000
    if undefined:
        return Trap("undefined element %d" % i, UNDEF_ELEMENT)
    return Trap("uninitialized element %d" % i, UNINIT_ELEMENT)


if config.WASM_EXCEPTIONS:
    class WasmException(WasmError):
        """A wasm exception that no handler caught leaves a call as this.
        `exn` is the exception reference (refs.Exn: `tag`, and `values` in
        the VM's representation).  A host function called from wasm may
        raise one to throw into its caller (Instance.throw makes one), and
        one raised by wasm code it called passes through it unchanged."""

        def __init__(self, exn):
            self.exn = exn
            WasmError.__init__(self, "uncaught wasm exception")

        @property
        def tag(self):
            return self.exn.tag

        @property
        def values(self):
            return self.exn.vals


class ProcExit(Exception):
    """Raised by WASI proc_exit / libc exit(); carries the exit code."""

    def __init__(self, code):
        self.code = code
        super().__init__("exit(%d)" % code)


def os_error_text(e):
    """An OSError in a few words for one-line messages ("is a directory");
    MicroPython's OSError carries only the errno."""
    n = getattr(e, "errno", None)
    known = {2: "no such file", 13: "permission denied", 17: "file exists",
             20: "not a directory", 21: "is a directory", 98: "address in use"}
    if n in known:
        return known[n]
    try:
        import errno
        return errno.errorcode.get(n) or str(e)
    except (ImportError, AttributeError):
        return str(e)
