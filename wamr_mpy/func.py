# Function types and function instances (wasm-defined and host).
#
# Value types are ints: the binary format's byte for numbers, v128, funcref
# and externref; WebAssembly 3.0's reference types have more codes
# (reftypes.py), and a list of types that holds one of them beyond a byte
# is a tuple instead of bytes.

from . import config

from . import config

I32 = 0x7F
I64 = 0x7E
F32 = 0x7D
F64 = 0x7C
V128 = 0x7B
FUNCREF = 0x70
EXTERNREF = 0x6F

_LETTERS = {I32: "i", I64: "I", F32: "f", F64: "F", FUNCREF: "r", EXTERNREF: "e"}
_CODES = {"i": I32, "I": I64, "f": F32, "F": F64, "r": FUNCREF, "e": EXTERNREF}
if config.WASM_SIMD:
    _LETTERS[V128] = "v"
    _CODES["v"] = V128


def type_letters(types):
    if config.WASM_TYPES3:
        from .reftypes import type_letters3
        return type_letters3(types)
    return "".join(_LETTERS[t] for t in types)


def letter_types(letters):
    try:
        return bytes(_CODES[c] for c in letters)
    except KeyError:
        if config.WASM_TYPES3:
            from .reftypes import letter_types3
            return letter_types3(letters)
        raise ValueError("func: bad type letters %r" % (letters,))


def type_name(t):
    if config.WASM_TYPES3:
        from .reftypes import type_name3
        return type_name3(t)
    return {I32: "i32", I64: "i64", F32: "f32", F64: "f64", FUNCREF: "funcref",
            EXTERNREF: "externref"}.get(t, "0x%02x" % t)


class FuncType:
    """params/results are bytes of value-type codes (a tuple when a 3.0 code
    does not fit a byte); `key` is a short string that identifies the
    type: what call_indirect and import matching compare.  A 3.0 type that
    is more than its signature (in a recursion group, not final, with a
    supertype or naming defined types) gets the key "#<canonical id>" from
    reftypes.py, with `sup` its declared supertype."""

    if config.WASM_TYPES3:
        kind = 0          # reftypes.K_FUNC
        sup = None
        final = True
        ctid = None       # canonical id, once registered (reftypes.py)

    def __init__(self, params, results, key=None):
        self.params = params if isinstance(params, tuple) else bytes(params)
        self.results = results if isinstance(results, tuple) else bytes(results)
        self.key = key or (type_letters(self.params) + ">" + type_letters(self.results))

    @property
    def sig(self):
        return "(" + type_letters(self.params) + ")" + type_letters(self.results)

    def __eq__(self, other):
        return isinstance(other, FuncType) and self.key == other.key

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return "FuncType%s" % self.sig


class Func:
    """A function instance.  Wasm functions have `inst` (the owning
    Instance) and `idx` (index among the module's defined functions);
    host functions have `host` set instead."""

    host = None
    tc = None      # interpreter call tuple, set when the body is pre-decoded

    def __init__(self, ftype, inst, idx):
        self.type = ftype
        self.inst = inst
        self.idx = idx

    def __call__(self, *args):
        return self.inst.call(self, *args)

    def __repr__(self):
        return "<wasm function %d %s>" % (self.idx, self.type.sig)


class HostFunc(Func):
    """A Python callable made callable from wasm.  `params`/`results` are
    type-letter strings (i I f F r e) or FuncType.  With raw=False the
    callable sees Python values (floats as float, results signed); with
    raw=True it sees the VM's internal values.  With pass_instance=True the
    calling Instance is passed first."""

    def __init__(self, fn, params="", results="", raw=False, pass_instance=False,
                 name=None):
        if isinstance(params, FuncType):
            ftype = params
        else:
            ftype = FuncType(letter_types(params), letter_types(results))
        Func.__init__(self, ftype, None, -1)
        self.host = fn
        self.raw = raw
        self.pass_instance = pass_instance
        self.name = name or getattr(fn, "__name__", "host")

    def __call__(self, *args):
        from .instance import call_host_py
        return call_host_py(self, args)

    def __repr__(self):
        return "<host function %s %s>" % (self.name, self.type.sig)
