# What 3.0 reference values are inside the VM (docs/internals.md): struct
# and array instances, exception packages (exnref) and tags.  A function
# reference is a Func, an i31 a Python int, an externref any object the host
# gave, null None.  Kept apart from the interpreter so that the API, other
# tiers and the spec runner can tell references apart without it.


class Tag:
    """An exception tag: identity is what catch clauses compare."""

    def __init__(self, ftype):
        self.type = ftype

    def __repr__(self):
        return "<tag %s>" % self.type.sig


class Exn:
    """A caught or thrown exception (exnref): its tag and argument values."""

    def __init__(self, tag, vals):
        self.tag = tag
        self.vals = vals

    def __repr__(self):
        return "<exception %r %r>" % (self.tag, self.vals)


class Struct:
    def __init__(self, t, f):
        self.t = t        # the StructType (reftypes.py)
        self.f = f        # field values, a list

    def __repr__(self):
        return "<struct %s>" % self.t.key


class Array:
    def __init__(self, t, a):
        self.t = t        # the ArrayType
        self.a = a        # elements: a list, or bytearray/array for i8/i16

    def __repr__(self):
        return "<array %s[%d]>" % (self.t.key, len(self.a))


def ref_kind(x):
    """What a reference is: "null", "func", "struct", "array", "i31",
    "exn", or "host" (anything else the host passed in, e.g. an
    externref)."""
    if x is None:
        return "null"
    if isinstance(x, int) and not isinstance(x, bool):
        return "i31"
    if isinstance(x, Struct):
        return "struct"
    if isinstance(x, Array):
        return "array"
    if isinstance(x, Exn):
        return "exn"
    from .func import Func
    if isinstance(x, Func):
        return "func"
    return "host"
