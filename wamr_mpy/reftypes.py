# WebAssembly 3.0 types beyond 2.0's: reference types with heap types
# (typed function references, GC), struct and array types, recursion
# groups, subtyping, and the registry that gives equivalent types of all
# modules one canonical id (iso-recursive equivalence: two groups are the
# same type when they are built alike from the same canonical parts).
#
# Imported only by modules that use these types: a 2.0 module's types are
# plain FuncTypes (func.py) and never registered.
#
# Codes (func.py): a nullable abstract reference is its heap type's byte
# (0x69..0x74), a non-nullable one that | NONNULL; a reference to defined
# type `c` (canonical id) is REF_DEF + 2*c, +1 when nullable.  Heap types
# are codes too: the abstract byte, or REF_DEF + 2*c.

from .errors import LoadError, ValidationError
from . import config
from .func import FuncType, I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, _LETTERS, _CODES

ANYREF = 0x6E
EQREF = 0x6D
I31REF = 0x6C
STRUCTREF = 0x6B
ARRAYREF = 0x6A
EXNREF = 0x69
NULLREF = 0x71          # (ref null none)
NULLEXTERNREF = 0x72    # (ref null noextern)
NULLFUNCREF = 0x73      # (ref null nofunc)
NULLEXNREF = 0x74       # (ref null noexn)
NONNULL = 0x100
REF_DEF = 0x200

_LETTERS3 = {V128: "v", ANYREF: "a", EQREF: "q", I31REF: "j", STRUCTREF: "s",
             ARRAYREF: "y", EXNREF: "x", NULLREF: "n", NULLEXTERNREF: "o",
             NULLFUNCREF: "u", NULLEXNREF: "w"}
_CODES3 = dict((v, k) for k, v in _LETTERS3.items())
_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
          FUNCREF: "funcref", EXTERNREF: "externref", ANYREF: "anyref", EQREF: "eqref",
          I31REF: "i31ref", STRUCTREF: "structref", ARRAYREF: "arrayref",
          EXNREF: "exnref", NULLREF: "nullref", NULLEXTERNREF: "nullexternref",
          NULLFUNCREF: "nullfuncref", NULLEXNREF: "nullexnref"}


def is_ref(t):
    return 0x69 <= t <= 0x74 or t >= NONNULL


def vt_seq(ts):
    """A list of value types as stored: bytes when every code fits."""
    if isinstance(ts, bytes):
        return ts
    if not isinstance(ts, (list, tuple, bytearray)):
        ts = list(ts)
    for t in ts:
        if t > 255:
            return tuple(ts)
    return bytes(ts)


def _letter(t):
    c = _LETTERS.get(t) or _LETTERS3.get(t)
    if c is not None:
        return c
    if t < REF_DEF:
        return "!" + _letter(t & 0xFF)
    # a defined type by canonical id: unique in this process
    return "<%d%s>" % ((t - REF_DEF) >> 1, "?" if t & 1 else "")


def type_letters3(types):
    return "".join(_letter(t) for t in types)


def letter_types3(letters):
    try:
        return bytes(_CODES.get(c) or _CODES3[c] for c in letters)
    except KeyError:
        raise ValueError("func: bad type letters %r" % (letters,))


def type_name3(t):
    n = _NAMES.get(t)
    if n is not None:
        return n
    if t < NONNULL:
        return "0x%02x" % t
    if t < REF_DEF:
        return "(ref %s)" % _NAMES.get(t & 0xFF, "?")[:-3]
    return "(ref %s%d)" % ("null " if t & 1 else "", (t - REF_DEF) >> 1)


K_FUNC = 0
K_STRUCT = 1
K_ARRAY = 2
I8 = 0x78      # packed storage types (struct fields and array elements only)
I16 = 0x77


def _mal(msg, pos):
    raise LoadError(msg, pos, "reftypes")


def _inv(msg, pos):
    raise ValidationError(msg, pos, "reftypes")


class StructType:
    """fields: tuple of (storage type, mutable) pairs."""
    kind = K_STRUCT
    sup = None
    final = True
    ctid = None

    def __init__(self, fields):
        self.fields = fields
        self.key = None

    def __repr__(self):
        return "<struct type %s>" % self.key


class ArrayType:
    """field: (storage type, mutable)."""
    kind = K_ARRAY
    sup = None
    final = True
    ctid = None

    def __init__(self, field):
        self.field = field
        self.key = None

    def __repr__(self):
        return "<array type %s>" % self.key


# --- the registry -----------------------------------------------------------

TYPES = []      # canonical id -> type object
_groups = {}    # canonical text of a recursion group -> canonical id of its first type


def deftype(code):
    """The type object of a concrete reference or heap code."""
    return TYPES[(code - REF_DEF) >> 1]


def ctid_of(t):
    """Canonical id of type object t, registering a plain function type
    (of a 2.0-style type section) on first use."""
    c = t.ctid
    if c is None:
        text = "{F" + _comp_text(t, 0, 0, ()) + "}"
        c = _groups.get(text)
        if c is None:
            c = len(TYPES)
            TYPES.append(t)
            _groups[text] = c
        t.ctid = c
    return c


def ref_code(t, nullable=True):
    return REF_DEF + 2 * ctid_of(t) + (1 if nullable else 0)


# --- codes ------------------------------------------------------------------

def is_ref(t):
    return 0x69 <= t <= 0x74 or t >= NONNULL


def nullable(t):
    return t < NONNULL or (t >= REF_DEF and t & 1)


def heap(t):
    return t & 0xFF if t < REF_DEF else t & ~1


def make_ref(h, null):
    if h < REF_DEF:
        return h if null else h | NONNULL
    return h | 1 if null else h


def as_nonnull(t):
    return make_ref(heap(t), False)


def defaultable(t):
    return not is_ref(t) or nullable(t)


def top_heap(h):
    """The top of h's hierarchy: anyref, funcref, externref or exnref."""
    if h >= REF_DEF:
        return FUNCREF if deftype(h).kind == K_FUNC else ANYREF
    if h == FUNCREF or h == NULLFUNCREF:
        return FUNCREF
    if h == EXTERNREF or h == NULLEXTERNREF:
        return EXTERNREF
    if h == EXNREF or h == NULLEXNREF:
        return EXNREF
    return ANYREF


def bottom_heap(h):
    t = top_heap(h)
    return {ANYREF: NULLREF, FUNCREF: NULLFUNCREF, EXTERNREF: NULLEXTERNREF,
            EXNREF: NULLEXNREF}[t]


def type_sub(t1, t2):
    """Defined type t1 is t2 or declares it (transitively) as a supertype."""
    k = t2.key
    while t1 is not None:
        if t1 is t2 or t1.key == k:
            return True
        t1 = t1.sup
    return False


def heap_sub(h1, h2):
    if h1 == h2:
        return True
    if h1 >= REF_DEF:
        t1 = deftype(h1)
        if h2 >= REF_DEF:
            return type_sub(t1, deftype(h2))
        k = t1.kind
        if k == K_FUNC:
            return h2 == FUNCREF
        return h2 == ANYREF or h2 == EQREF or h2 == (STRUCTREF if k == K_STRUCT else ARRAYREF)
    if h2 >= REF_DEF:
        return h1 == (NULLFUNCREF if deftype(h2).kind == K_FUNC else NULLREF)
    if h1 == NULLREF:
        return h2 in (ANYREF, EQREF, I31REF, STRUCTREF, ARRAYREF)
    if h1 == NULLFUNCREF:
        return h2 == FUNCREF
    if h1 == NULLEXTERNREF:
        return h2 == EXTERNREF
    if h1 == NULLEXNREF:
        return h2 == EXNREF
    if h1 == I31REF or h1 == STRUCTREF or h1 == ARRAYREF:
        return h2 == ANYREF or h2 == EQREF
    if h1 == EQREF:
        return h2 == ANYREF
    return False


def matches(t1, t2):
    """Value type t1 is a subtype of t2 (0: the unknown type of
    unreachable code, which matches anything)."""
    if t1 == t2 or not t1:
        return True
    if not is_ref(t1) or not is_ref(t2):
        return False
    if nullable(t1) and not nullable(t2):
        return False
    return heap_sub(heap(t1), heap(t2))


def matches_all(ts1, ts2):
    if len(ts1) != len(ts2):
        return False
    for i in range(len(ts1)):
        if not matches(ts1[i], ts2[i]):
            return False
    return True


def func_sub(f_type, want_key):
    """A function of type f_type may be called as the type keyed want_key
    (call_indirect and import checks once the keys differ)."""
    t = f_type.sup
    while t is not None:
        if t.key == want_key:
            return True
        t = t.sup
    return False


# --- decoding ---------------------------------------------------------------

def heaptype_raw(r):
    """A heap type: the abstract byte, or ('idx', module type index)."""
    p = r.pos
    b = r.data[p] if p < r.end else -1
    if 0x69 <= b <= 0x74:
        r.pos = p + 1
        return b
    x = r.s33()
    if x < 0:
        _mal("malformed heap type", p)
    return ("idx", x, p)


def valtype_raw(r, b, p):
    """A value type whose first byte `b` (already read, at p) is not a
    2.0 one.  Returns a code, or for a reference to a defined type
    ('ref', module type index, nullable, pos) for the caller to resolve."""
    if 0x69 <= b <= 0x74:
        return b
    if b == 0x63 or b == 0x64:
        h = heaptype_raw(r)
        if isinstance(h, tuple):
            return ("ref", h[1], b == 0x63, h[2])
        return h if b == 0x63 else h | NONNULL
    if b == V128:
        if config.WASM_SIMD:
            return b
        _mal("SIMD (v128) is not supported", p)
    _mal("malformed value type", p)


def resolve(r, t):
    if not isinstance(t, tuple):
        return t
    types = getattr(r, "types", None) or ()
    x = t[1]
    if x >= len(types):
        _inv("unknown type %d" % x, t[3])
    return ref_code(types[x], t[2])


def valtype3(r, b, p):
    """reader.valtype for the 3.0 codes; a reference to a defined type
    is resolved through r.types (the module's types)."""
    r.typed = True
    return resolve(r, valtype_raw(r, b, p))


def heaptype(r):
    h = heaptype_raw(r)
    if h != FUNCREF and h != EXTERNREF:
        r.typed = True
    if isinstance(h, tuple):
        return resolve(r, ("ref", h[1], True, h[2])) & ~1
    return h


def reftype(r):
    """A reference type (tables, elements, ref.null's, casts): the 2.0
    shorthands, the 3.0 abstract ones or 0x63/0x64 forms."""
    p = r.pos
    b = r.u8()
    if b == 0x70 or b == 0x6F:
        return b
    if 0x69 <= b <= 0x74 or b == 0x63 or b == 0x64:
        return valtype3(r, b, p)
    _mal("malformed reference type", p)


def _storage_raw(r):
    p = r.pos
    b = r.u8()
    if b == I8 or b == I16 or b in (I32, I64, F32, F64):
        return b
    return valtype_raw(r, b, p)


def _field_raw(r):
    st = _storage_raw(r)
    p = r.pos
    m = r.u8()
    if m > 1:
        _mal("malformed mutability", p)
    return (st, m)


def _comp_raw(r):
    p = r.pos
    b = r.u8()
    if b == 0x60:
        params = [_valtype_any(r) for _ in range(r.vec())]
        results = [_valtype_any(r) for _ in range(r.vec())]
        return (K_FUNC, params, results)
    if b == 0x5F:
        return (K_STRUCT, [_field_raw(r) for _ in range(r.vec())])
    if b == 0x5E:
        return (K_ARRAY, _field_raw(r))
    _mal("integer representation too long" if b & 0x80 else "malformed type", p)


def _valtype_any(r):
    p = r.pos
    b = r.u8()
    if b in (I32, I64, F32, F64, FUNCREF, EXTERNREF):
        return b
    return valtype_raw(r, b, p)


def _sub_raw(r):
    p = r.pos
    b = r.data[p] if p < r.end else -1
    if b == 0x50 or b == 0x4F:
        r.pos = p + 1
        sups = [r.u32() for _ in range(r.vec())]
        if len(sups) > 1:
            _inv("multiple supertypes", p)
        return (b == 0x4F, sups, _comp_raw(r), p)
    return (True, [], _comp_raw(r), p)


# Canonical text of a recursion group: each type's finality, supertype and
# structure, with references to types of the group relative to it ("r"),
# others by canonical id ("c").

def _code_text(t, base, n, types):
    if not isinstance(t, tuple):
        return "%x" % t
    x = t[1]
    if base <= x < base + n:
        return "r%d%s" % (x - base, "n" if t[2] else "")
    if x >= base + n:
        _inv("unknown type %d" % x, t[3])
    return "c%d%s" % (ctid_of(types[x]), "n" if t[2] else "")


def _comp_text(c, base, n, types):
    if isinstance(c, FuncType):
        return "f" + ",".join("%x" % t for t in c.params) + ">" + ",".join(
            "%x" % t for t in c.results)
    k = c[0]
    if k == K_FUNC:
        return "f" + ",".join(_code_text(t, base, n, types) for t in c[1]) + ">" + ",".join(
            _code_text(t, base, n, types) for t in c[2])
    if k == K_STRUCT:
        return "s" + ",".join(_code_text(st, base, n, types) + "m" * m for st, m in c[1])
    st, m = c[1]
    return "a" + _code_text(st, base, n, types) + "m" * m


def _resolve_in(t, base, n, first, types):
    if not isinstance(t, tuple):
        return t
    x = t[1]
    if base <= x < base + n:
        return REF_DEF + 2 * (first + x - base) + (1 if t[2] else 0)
    return ref_code(types[x], t[2])


def _plain(comp, final, sups, n):
    if n != 1 or not final or sups or comp[0] != K_FUNC:
        return False
    for t in comp[1] + comp[2]:
        if isinstance(t, tuple):
            return False
    return True


def read_types(r, m):
    """The whole type section (after its count's position r.pos); fills
    m.types with canonical type objects."""
    types = m.types
    for _ in range(r.vec()):
        p = r.pos
        b = r.data[p] if p < r.end else -1
        if b == 0x4E:
            r.pos = p + 1
            group = [_sub_raw(r) for _ in range(r.vec())]
        else:
            group = [_sub_raw(r)]
        base = len(types)
        n = len(group)
        parts = []
        for final, sups, comp, sp in group:
            s = "F" if final else "S"
            for x in sups:
                if x >= base + n:
                    _inv("unknown type %d" % x, sp)
                if x >= base:
                    # a supertype must come before its subtype
                    if x >= base + len(parts):
                        _inv("sub type: forward use of type %d" % x, sp)
                    s += "^r%d" % (x - base)
                else:
                    s += "^c%d" % ctid_of(types[x])
            parts.append(s + _comp_text(comp, base, n, types))
        text = "{" + ";".join(parts) + "}"
        first = _groups.get(text)
        if first is not None:
            for k in range(n):
                types.append(TYPES[first + k])
            continue
        first = len(TYPES)
        objs = []
        for k in range(n):
            final, sups, comp, sp = group[k]
            kind = comp[0]
            if kind == K_FUNC:
                params = [_resolve_in(t, base, n, first, types) for t in comp[1]]
                results = [_resolve_in(t, base, n, first, types) for t in comp[2]]
                o = FuncType(vt_seq(params), vt_seq(results), "-")
                if _plain(comp, final, sups, n):
                    o.key = type_letters3(o.params) + ">" + type_letters3(o.results)
            elif kind == K_STRUCT:
                o = StructType(tuple((_resolve_in(st, base, n, first, types), mu)
                                     for st, mu in comp[1]))
            else:
                st, mu = comp[1]
                o = ArrayType((_resolve_in(st, base, n, first, types), mu))
            if o.key is None or o.key == "-":
                o.key = "#%d" % (first + k)
            o.final = final
            o.ctid = first + k
            objs.append(o)
            TYPES.append(o)
        # supertypes first: a field of one may name a later type of the group
        for k in range(n):
            sups = group[k][1]
            if sups:
                x = sups[0]
                objs[k].sup = objs[x - base] if x >= base else types[x]
        for k in range(n):
            if objs[k].sup is not None:
                check_sub(objs[k], objs[k].sup, group[k][3], base + k, group[k][1][0])
        _groups[text] = first
        types.extend(objs)
    m.typed = True


def check_sub(t, sup, pos, x, y):
    """t (type x) may declare sup (type y) as its supertype."""
    if sup.final or sup.kind != t.kind:
        _inv("sub type %d does not match super type %d" % (x, y), pos)
    ok = True
    if t.kind == K_FUNC:
        # parameters contravariant, results covariant
        ok = matches_all(sup.params, t.params) and matches_all(t.results, sup.results)
    elif t.kind == K_STRUCT:
        if len(t.fields) < len(sup.fields):
            ok = False
        else:
            for i in range(len(sup.fields)):
                if not _field_sub(t.fields[i], sup.fields[i]):
                    ok = False
    else:
        ok = _field_sub(t.field, sup.field)
    if not ok:
        _inv("sub type %d does not match super type %d" % (x, y), pos)


def _field_sub(f1, f2):
    st1, m1 = f1
    st2, m2 = f2
    if m1 != m2:
        return False
    if m1:
        return st1 == st2
    return matches(st1, st2)


def unpacked(st):
    return I32 if st == I8 or st == I16 else st


def storage_size(st):
    """Bytes of a storage type in memory (array.new_data/init_data)."""
    return {I8: 1, I16: 2, I32: 4, F32: 4, I64: 8, F64: 8, V128: 16}.get(st, 0)
