"""Big generated modules for the compiler's scale tests (CPython)."""
from wasmbin import MAGIC, leb, name, section, vec


def _i32_const(v):
    """i32.const v for 0 <= v < 2**20 (signed LEB128: the top bit of the
    last byte clear)."""
    b = leb(v)
    return b"\x41" + (b if not b[-1] & 0x40 else b[:-1] + bytes((b[-1] | 0x80, 0)))


def many_functions(n):
    """A module of n functions (i32) -> i32: function i returns its argument,
    except every 100th, which returns function i - 1 of it plus i; exports
    "last" (function n - 1).  About 6 bytes per function (100,000 functions:
    609 KB)."""
    bodies = []
    for i in range(n):
        if i % 100 == 99:
            code = b"\x00\x20\x00\x10" + leb(i - 1) + _i32_const(i) + b"\x6a\x0b"
        else:
            code = b"\x00\x20\x00\x0b"
        bodies.append(leb(len(code)) + code)
    return (MAGIC + section(1, vec([b"\x60\x01\x7f\x01\x7f"])) +
            section(3, leb(n) + b"\x00" * n) +
            section(7, vec([name("last") + b"\x00" + leb(n - 1)])) +
            section(10, vec(bodies)))
