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

# Runs of sub-opcodes (hex, first-last) and their form: L load, S store,
# K const, H shuffle, X extract, R replace, U unary, B binary, T ternary,
# P splat, Q test, Z shift, N lane load, M lane store; a digit is the
# detail.  (Text rather than a tuple of tuples: 2 KiB less RAM on a board.)
_RUNS = (
    "00:L4 01-06:L3 07:L0 08:L1 09:L2 0A:L3 0B:S4 0C:K 0D:H 0E:B 0F:P0 "
    "10:P1 11:P2 12:P3 13:P4 14:P5 15-16:X0 17:R0 18-19:X1 1A:R1 1B:X2 "
    "1C:R2 1D:X3 1E:R3 1F:X4 20:R4 21:X5 22:R5 23-4C:B 4D:U 4E-51:B 52:T "
    "53:Q 54:N0 55:N1 56:N2 57:N3 58:M0 59:M1 5A:M2 5B:M3 5C:L2 5D:L3 "
    "5E-62:U 63-64:Q 65-66:B 67-6A:U 6B-6D:Z 6E-73:B 74-75:U 76-79:B 7A:U "
    "7B:B 7C-81:U 82:B 83-84:Q 85-86:B 87-8A:U 8B-8D:Z 8E-93:B 94:U 95-99:B "
    "9B-9F:B A0-A1:U A3-A4:Q A7-AA:U AB-AD:Z AE:B B1:B B5-BA:B BC-BF:B "
    "C0-C1:U C3-C4:Q C7-CA:U CB-CD:Z CE:B D1:B D5-DF:B E0-E1:U E3:U E4-EB:B "
    "EC-ED:U EF:U F0-F7:B F8-FF:U 100:B 101-104:U 105-10C:T 10D-112:B 113:T")
_FORMS = "?LSKHXRUBTPQZNM"      # letter -> form number (its index)

_T = None


def _table():
    global _T
    t = bytearray(2 * NSUB)
    for run in _RUNS.split():
        subs, _, fd = run.partition(":")
        lo, _, hi = subs.partition("-")
        lo = int(lo, 16)
        hi = int(hi, 16) if hi else lo
        f = _FORMS.index(fd[0])
        d = int(fd[1:]) if len(fd) > 1 else 0
        for k in range(lo, hi + 1):
            t[2 * k] = f
            t[2 * k + 1] = d
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
