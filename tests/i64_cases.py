"""i64 operations on values at the 32-bit and 64-bit limits, with their
expected results: the module (one export per op) and the cases, for tests
that run them on a tier (tests/test_unix32.py on 32-bit words,
tests/test_interp_fast.py on 64-bit words)."""


I64_BIN = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div_s": lambda a, b: _s64(a) // _s64(b) if (a < 0) == (b < 0) else -(abs(_s64(a)) // abs(_s64(b))),
    "div_u": lambda a, b: (a & M64) // (b & M64),
    "rem_s": lambda a, b: _s64(a) - _s64(b) * I64_BIN["div_s"](a, b),
    "rem_u": lambda a, b: (a & M64) % (b & M64),
    "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
    "shl": lambda a, b: a << (b & 63), "shr_s": lambda a, b: a >> (b & 63),
    "shr_u": lambda a, b: (a & M64) >> (b & 63),
    "rotl": lambda a, b: ((a & M64) << (b & 63)) | ((a & M64) >> (64 - (b & 63))),
    "rotr": lambda a, b: ((a & M64) >> (b & 63)) | ((a & M64) << (64 - (b & 63))),
}
I64_CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt_s": lambda a, b: a < b,
    "lt_u": lambda a, b: (a & M64) < (b & M64), "gt_s": lambda a, b: a > b,
    "gt_u": lambda a, b: (a & M64) > (b & M64), "le_s": lambda a, b: a <= b,
    "le_u": lambda a, b: (a & M64) <= (b & M64), "ge_s": lambda a, b: a >= b,
    "ge_u": lambda a, b: (a & M64) >= (b & M64),
}
I64_UN = {
    "clz": lambda a: 64 - (a & M64).bit_length(),
    "ctz": lambda a: ((a & -a) & M64).bit_length() - 1 if a & M64 else 64,
    "popcnt": lambda a: bin(a & M64).count("1"),
}
M64 = (1 << 64) - 1
I64_VALUES = [0, 1, 2, 3, 7, 63, 64, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
              0x100000001, 0x123456789ABCDEF, 0x7FFFFFFFFFFFFFFF, -0x8000000000000000,
              -0x7FFFFFFFFFFFFFFF, -0x100000000, -0x80000001, -0x80000000, -3, -2, -1]


def _s64(v):
    v &= M64
    return v - (1 << 64) if v >> 63 else v


def i64_cases():
    """(wat, cases): a module with a function per op, [export, args..., expected]."""
    wat = ["(module"]
    cases = []
    for name in I64_BIN:
        wat.append('(func (export "%s") (param i64 i64) (result i64) '
                   'local.get 0 local.get 1 i64.%s)' % (name, name))
    for name in I64_CMP:
        wat.append('(func (export "%s") (param i64 i64) (result i32) '
                   'local.get 0 local.get 1 i64.%s)' % (name, name))
    for name in I64_UN:
        wat.append('(func (export "%s") (param i64) (result i64) local.get 0 i64.%s)'
                   % (name, name))
    for a in I64_VALUES:
        for name, f in I64_UN.items():
            cases.append([name, a, f(a)])
        for b in I64_VALUES:
            for name, f in I64_BIN.items():
                if name[:3] in ("div", "rem") and (b == 0 or (
                        name == "div_s" and a == -0x8000000000000000 and b == -1)):
                    continue
                cases.append([name, a, b, _s64(f(a, b))])
            for name, f in I64_CMP.items():
                cases.append([name, a, b, int(f(a, b))])
    return "\n".join(wat) + ")", cases
