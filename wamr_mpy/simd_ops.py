# What each SIMD instruction (prefix 0xFD, sub-opcode 0..0x113) is: its
# form (immediates and operand types) and one detail byte, for the
# validator and every tier's code generator.  Imported only by modules
# that use v128 (config.WASM_SIMD).
#
# The emitters see a SIMD instruction as op = OP + sub-opcode.

from .func import I32, I64, F32, F64, V128

OP = 0xFD000

# Forms.  Operands bottom first -> result.
BAD = 0          # no such instruction
LOAD = 1         # memarg; i32 -> v128              (detail: natural alignment log2)
STORE = 2        # memarg; i32 v128 ->
CONST = 3        # 16 bytes; -> v128
SHUFFLE = 4      # 16 lane indices; v128 v128 -> v128
EXTRACT = 5      # lane; v128 -> scalar               (detail: shape)
REPLACE = 6      # lane; v128 scalar -> v128          (detail: shape)
UNARY = 7        # v128 -> v128
BINARY = 8       # v128 v128 -> v128
TERNARY = 9      # v128 v128 v128 -> v128
SPLAT = 10       # scalar -> v128                     (detail: shape)
TEST = 11        # v128 -> i32
SHIFT = 12       # v128 i32 -> v128
LOAD_LANE = 13   # memarg lane; i32 v128 -> v128      (detail: lane size log2)
STORE_LANE = 14  # memarg lane; i32 v128 ->           (detail: lane size log2)

# Shapes: lanes and the scalar type of a lane.
I8X16 = 0
I16X8 = 1
I32X4 = 2
I64X2 = 3
F32X4 = 4
F64X2 = 5
LANES = b"\x10\x08\x04\x02\x04\x02"
SCALAR = bytes((I32, I32, I32, I64, F32, F64))

NSUB = 0x114

# Runs of sub-opcodes: (first, last, form, detail).
_RUNS = (
    (0x00, 0x00, LOAD, 4), (0x01, 0x06, LOAD, 3), (0x07, 0x07, LOAD, 0),
    (0x08, 0x08, LOAD, 1), (0x09, 0x09, LOAD, 2), (0x0A, 0x0A, LOAD, 3),
    (0x0B, 0x0B, STORE, 4), (0x0C, 0x0C, CONST, 0), (0x0D, 0x0D, SHUFFLE, 0),
    (0x0E, 0x0E, BINARY, 0),
    (0x0F, 0x0F, SPLAT, I8X16), (0x10, 0x10, SPLAT, I16X8), (0x11, 0x11, SPLAT, I32X4),
    (0x12, 0x12, SPLAT, I64X2), (0x13, 0x13, SPLAT, F32X4), (0x14, 0x14, SPLAT, F64X2),
    (0x15, 0x16, EXTRACT, I8X16), (0x17, 0x17, REPLACE, I8X16),
    (0x18, 0x19, EXTRACT, I16X8), (0x1A, 0x1A, REPLACE, I16X8),
    (0x1B, 0x1B, EXTRACT, I32X4), (0x1C, 0x1C, REPLACE, I32X4),
    (0x1D, 0x1D, EXTRACT, I64X2), (0x1E, 0x1E, REPLACE, I64X2),
    (0x1F, 0x1F, EXTRACT, F32X4), (0x20, 0x20, REPLACE, F32X4),
    (0x21, 0x21, EXTRACT, F64X2), (0x22, 0x22, REPLACE, F64X2),
    (0x23, 0x4C, BINARY, 0),                       # comparisons
    (0x4D, 0x4D, UNARY, 0), (0x4E, 0x51, BINARY, 0), (0x52, 0x52, TERNARY, 0),
    (0x53, 0x53, TEST, 0),
    (0x54, 0x54, LOAD_LANE, 0), (0x55, 0x55, LOAD_LANE, 1), (0x56, 0x56, LOAD_LANE, 2),
    (0x57, 0x57, LOAD_LANE, 3), (0x58, 0x58, STORE_LANE, 0), (0x59, 0x59, STORE_LANE, 1),
    (0x5A, 0x5A, STORE_LANE, 2), (0x5B, 0x5B, STORE_LANE, 3),
    (0x5C, 0x5C, LOAD, 2), (0x5D, 0x5D, LOAD, 3),
    (0x5E, 0x62, UNARY, 0), (0x63, 0x64, TEST, 0), (0x65, 0x66, BINARY, 0),
    (0x67, 0x6A, UNARY, 0), (0x6B, 0x6D, SHIFT, 0), (0x6E, 0x73, BINARY, 0),
    (0x74, 0x75, UNARY, 0), (0x76, 0x79, BINARY, 0), (0x7A, 0x7A, UNARY, 0),
    (0x7B, 0x7B, BINARY, 0), (0x7C, 0x81, UNARY, 0), (0x82, 0x82, BINARY, 0),
    (0x83, 0x84, TEST, 0), (0x85, 0x86, BINARY, 0), (0x87, 0x8A, UNARY, 0),
    (0x8B, 0x8D, SHIFT, 0), (0x8E, 0x93, BINARY, 0), (0x94, 0x94, UNARY, 0),
    (0x95, 0x99, BINARY, 0), (0x9B, 0x9F, BINARY, 0),
    (0xA0, 0xA1, UNARY, 0), (0xA3, 0xA4, TEST, 0), (0xA7, 0xAA, UNARY, 0),
    (0xAB, 0xAD, SHIFT, 0), (0xAE, 0xAE, BINARY, 0), (0xB1, 0xB1, BINARY, 0),
    (0xB5, 0xBA, BINARY, 0), (0xBC, 0xBF, BINARY, 0),
    (0xC0, 0xC1, UNARY, 0), (0xC3, 0xC4, TEST, 0), (0xC7, 0xCA, UNARY, 0),
    (0xCB, 0xCD, SHIFT, 0), (0xCE, 0xCE, BINARY, 0), (0xD1, 0xD1, BINARY, 0),
    (0xD5, 0xDF, BINARY, 0),
    (0xE0, 0xE1, UNARY, 0), (0xE3, 0xE3, UNARY, 0), (0xE4, 0xEB, BINARY, 0),
    (0xEC, 0xED, UNARY, 0), (0xEF, 0xEF, UNARY, 0), (0xF0, 0xF7, BINARY, 0),
    (0xF8, 0xFF, UNARY, 0),
    # relaxed SIMD
    (0x100, 0x100, BINARY, 0), (0x101, 0x104, UNARY, 0), (0x105, 0x10C, TERNARY, 0),
    (0x10D, 0x112, BINARY, 0), (0x113, 0x113, TERNARY, 0),
)

_T = None


def _table():
    global _T
    t = bytearray(2 * NSUB)
    for lo, hi, form, detail in _RUNS:
        for k in range(lo, hi + 1):
            t[2 * k] = form
            t[2 * k + 1] = detail
    _T = bytes(t)
    return _T


def form(sub):
    """(form, detail) of sub-opcode `sub` (BAD for none)."""
    t = _T or _table()
    if sub >= NSUB:
        return BAD, 0
    return t[2 * sub], t[2 * sub + 1]


def mem_bytes(sub):
    """Bytes a load/store/lane instruction touches in memory."""
    f, d = form(sub)
    if f == LOAD_LANE or f == STORE_LANE:
        return 1 << d
    if sub == 0x00 or sub == 0x0B:
        return 16
    if 0x01 <= sub <= 0x06:
        return 8
    return 1 << d           # splats and zero-extending loads: natural size


def types(sub):
    """(operand types, result type or None) of a SIMD instruction."""
    f, d = form(sub)
    v = V128
    if f == UNARY:
        return (v,), v
    if f == BINARY:
        return (v, v), v
    if f == TERNARY:
        return (v, v, v), v
    if f == SHIFT:
        return (v, I32), v
    if f == TEST:
        return (v,), I32
    if f == SPLAT:
        return (SCALAR[d],), v
    if f == EXTRACT:
        return (v,), SCALAR[d]
    if f == REPLACE:
        return (v, SCALAR[d]), v
    if f == LOAD:
        return (I32,), v
    if f == STORE:
        return (I32, v), None
    if f == LOAD_LANE:
        return (I32, v), v
    if f == STORE_LANE:
        return (I32, v), None
    if f == CONST:
        return (), v
    if f == SHUFFLE:
        return (v, v), v
    return None, None


def uses_v128(types_):
    """True when a sequence of value types holds v128."""
    for t in types_:
        if t == V128:
            return True
    return False
